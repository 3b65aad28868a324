//! The command line: [`args`] says what it accepts, [`run`] does what it says: serve (see
//! [`crate::server`]), or one of the [`commands`] that do not.

pub mod args;
pub mod commands;
pub mod forecast;

use std::process::ExitCode;

use args::{Cli, Command, ServeArgs};

/// Runs the command line `cli` describes, and says how the process should exit.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Decide(args)) => commands::decide(&args),
        Some(Command::Forecast(args)) => forecast::forecast(&args),
        Some(Command::Openapi) => commands::openapi(),
        Some(Command::Healthcheck(args)) => commands::healthcheck(&args).await,
    }
}

/// `serve`: logs first, so a bad configuration is reported through them; exit status 2 for one.
async fn serve(args: ServeArgs) -> ExitCode {
    crate::telemetry::init_logs(args.log_format);
    match args.config() {
        Ok(config) => crate::server::run(config).await,
        Err(error) => {
            tracing::error!(%error, "invalid configuration");
            ExitCode::from(2)
        }
    }
}
