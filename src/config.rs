//! The command line (clap) and the settings the application is built from.
//!
//! Every `serve` flag is also an environment variable (`PREBUILD_DECIDER_*`), so a container is
//! configured without arguments.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Parser, Subcommand};

use crate::domain::GoDuration;

/// Tells a control plane how to keep pools of prebuilt workspaces at their target size.
#[derive(Debug, Parser)]
#[command(
    name = "prebuild-decider",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The `serve` flags, accepted without the subcommand too.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve(ServeArgs),
    /// Decide one preset snapshot from a file or stdin and print the Decision JSON, exactly as
    /// `POST /v1/presets/reconcile` would answer; a bad snapshot prints its problem on stderr
    /// and exits 1.
    Decide(DecideArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when `GET /healthz` on the configured address answers 200, 1 otherwise (for
    /// containers without a shell or curl).
    Healthcheck(HealthcheckArgs),
}

/// Flags of `serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to serve the API on.
    #[arg(
        long,
        env = "PREBUILD_DECIDER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Backoff per failed build when a request gives no `backoff_interval` (Go duration syntax).
    #[arg(long, env = "PREBUILD_DECIDER_BACKOFF_INTERVAL", default_value = "1m", value_parser = parse_interval)]
    pub backoff_interval: GoDuration,
    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "PREBUILD_DECIDER_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
}

/// Flags of `decide`.
#[derive(Clone, Debug, Args)]
pub struct DecideArgs {
    /// The snapshot file (JSON, either body form); stdin when omitted or `-`.
    pub file: Option<PathBuf>,
    /// The instant to decide at (RFC 3339); the clock when omitted.
    #[arg(long)]
    pub now: Option<String>,
    /// Backoff per failed build (Go duration syntax).
    #[arg(long, env = "PREBUILD_DECIDER_BACKOFF_INTERVAL", default_value = "1m")]
    pub backoff_interval: String,
}

/// Flags of `healthcheck`.
#[derive(Clone, Debug, Args)]
pub struct HealthcheckArgs {
    /// The server's listen address; a wildcard address (0.0.0.0, [::]) is probed on loopback.
    #[arg(
        long,
        env = "PREBUILD_DECIDER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Give up after this long (Go duration syntax).
    #[arg(long, default_value = "2s", value_parser = parse_interval)]
    pub timeout: GoDuration,
}

fn parse_interval(value: &str) -> Result<GoDuration, String> {
    crate::api::decide::parse_backoff_interval(value).map_err(|error| error.detail)
}

/// Whether the service takes traffic; turned off when shutdown begins. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// True until [`Readiness::start_shutdown`].
    pub fn is_ready(&self) -> bool {
        !self.0.load(Ordering::Relaxed)
    }

    /// From now on `/readyz` answers 503.
    pub fn start_shutdown(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The settings [`crate::app`] is built from.
#[derive(Clone, Debug)]
pub struct Config {
    /// Backoff per failed build when a request gives none.
    pub backoff_interval: GoDuration,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The readiness flag `/readyz` reports; keep a clone to flip it on shutdown.
    pub readiness: Readiness,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backoff_interval: GoDuration::MINUTE,
            max_body_bytes: 16 * 1024 * 1024,
            readiness: Readiness::default(),
        }
    }
}

impl From<&ServeArgs> for Config {
    fn from(args: &ServeArgs) -> Self {
        Config {
            backoff_interval: args.backoff_interval,
            max_body_bytes: args.max_body_bytes,
            ..Config::default()
        }
    }
}
