//! The `prebuild-decider` binary: parse the command line, then serve or run a subcommand.

use std::process::ExitCode;

use clap::Parser;
use prebuild_decider::config::{Cli, Command, Config, ServeArgs};
use prebuild_decider::{app, commands, telemetry};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Decide(args)) => commands::decide(&args),
        Some(Command::Openapi) => commands::openapi(),
        Some(Command::Healthcheck(args)) => commands::healthcheck(&args).await,
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    telemetry::init();
    let config = Config::from(&args);
    let readiness = config.readiness.clone();
    let listener = match TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, listen = %args.listen, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(listen = %args.listen, "serving");
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        readiness.start_shutdown();
    };
    match axum::serve(listener, app(config))
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}
