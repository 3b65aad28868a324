//! The command line's arguments (clap), and the configuration the `serve` flags describe.
//!
//! Every `serve` flag is also an environment variable (`PREBUILD_DECIDER_*`), so a container is
//! configured without arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand};
use thiserror::Error;

use crate::config::{
    ApiToken, Config, DEFAULT_BACKOFF_INTERVAL, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT, Readiness,
    std_duration,
};
use crate::domain::GoDuration;
use crate::telemetry::LogFormat;

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
    /// Decide one preset snapshot from a file or stdin and print the decision JSON, exactly as
    /// `POST /v1/presets/reconcile` (or, with `--rules v2`, `POST /v2/presets/reconcile`) would
    /// answer; a bad snapshot prints its problem on stderr and exits 1.
    Decide(DecideArgs),
    /// Forecast what a v2 preset snapshot's schedules will make its target over a window, as
    /// `POST /v2/presets/forecast` does: a table of intervals and a chart of the target by local
    /// hour (a row per day), and the SVG chart to a file with `--svg`; a bad snapshot or window
    /// prints its problem on stderr and exits 1.
    Forecast(ForecastArgs),
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when `GET /healthz` on the configured address answers 200, 1 otherwise (for
    /// containers without a shell or curl).
    Healthcheck(HealthcheckArgs),
}

/// Flags of `serve`. Durations use Go syntax (`90s`, `1m30s`, `250ms`).
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to serve the API on.
    #[arg(long, env = "PREBUILD_DECIDER_LISTEN", default_value_t = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Serve /metrics on this address instead of the API's (keeps it off the public port).
    #[arg(long, env = "PREBUILD_DECIDER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Backoff per failed build when a request gives no `backoff_interval`.
    #[arg(long, env = "PREBUILD_DECIDER_BACKOFF_INTERVAL", default_value_t = DEFAULT_BACKOFF_INTERVAL, value_parser = parse_interval)]
    pub backoff_interval: GoDuration,
    /// Largest request body accepted, in bytes; larger ones get 413 (from Content-Length,
    /// before reading).
    #[arg(long, env = "PREBUILD_DECIDER_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// A request not answered within this long gets 408.
    #[arg(long, env = "PREBUILD_DECIDER_REQUEST_TIMEOUT", default_value_t = DEFAULT_REQUEST_TIMEOUT, value_parser = parse_positive)]
    pub request_timeout: GoDuration,
    /// Requests served at once; more are answered 503 with Retry-After at once, never queued.
    #[arg(long, env = "PREBUILD_DECIDER_MAX_IN_FLIGHT", default_value_t = DEFAULT_MAX_IN_FLIGHT as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: u32,
    /// Require `Authorization: Bearer <token>` on /v1/*, /v2/* and /debug/* (and /metrics on the
    /// API's listener).
    #[arg(
        long,
        env = "PREBUILD_DECIDER_API_TOKEN",
        hide_env_values = true,
        conflicts_with = "api_token_file"
    )]
    pub api_token: Option<String>,
    /// Read the bearer token from this file (surrounding whitespace is ignored).
    #[arg(long, env = "PREBUILD_DECIDER_API_TOKEN_FILE")]
    pub api_token_file: Option<PathBuf>,
    /// Allow browser calls from this origin (repeatable, or comma-separated in the variable);
    /// CORS is off unless given.
    #[arg(
        long = "cors-allow-origin",
        env = "PREBUILD_DECIDER_CORS_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_allow_origins: Vec<String>,
    /// On SIGTERM or SIGINT, wait this long for in-flight requests before exiting.
    #[arg(long, env = "PREBUILD_DECIDER_SHUTDOWN_TIMEOUT", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT, value_parser = parse_interval)]
    pub shutdown_timeout: GoDuration,
    /// Log format: `json` for machines, `pretty` for a terminal. Levels come from RUST_LOG
    /// (default `info`; per-request lines are at `debug`).
    #[arg(long, env = "PREBUILD_DECIDER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Mount POST /debug/panic, which panics, to check the panic path (off by default).
    #[arg(long, env = "PREBUILD_DECIDER_DEBUG_ENDPOINTS")]
    pub debug_endpoints: bool,
}

/// Flags of `decide`.
#[derive(Clone, Debug, Args)]
pub struct DecideArgs {
    /// The snapshot file (JSON, either body form); stdin when omitted or `-`.
    pub file: Option<PathBuf>,
    /// The instant to decide at (RFC 3339); the clock when omitted. Read as the `now` query
    /// parameter is, so a bad value prints the same problem as the HTTP call answers.
    #[arg(long)]
    pub now: Option<String>,
    /// Backoff per failed build (Go duration syntax); read as the `backoff_interval` query
    /// parameter is.
    #[arg(long, env = "PREBUILD_DECIDER_BACKOFF_INTERVAL", default_value_t = DEFAULT_BACKOFF_INTERVAL.to_string())]
    pub backoff_interval: String,
    /// Add `explanation`: the rules the decision went through, with their numbers.
    #[arg(long)]
    pub explain: bool,
    /// Which rules decide: `v1` (the seed's, the body of `/v1/presets/reconcile`) or `v2`
    /// (today's Coder rules, the body of `/v2/presets/reconcile`).
    #[arg(long, value_enum, default_value_t = Rules::V1)]
    pub rules: Rules,
}

/// Flags of `forecast`.
#[derive(Clone, Debug, Args)]
pub struct ForecastArgs {
    /// The snapshot file (JSON, a body of `POST /v2/presets/forecast`, or of
    /// `POST /v2/global/forecast` with `--global`); stdin when omitted or `-`.
    pub file: Option<PathBuf>,
    /// The window's first instant (RFC 3339, read as the `from` query parameter is); the clock
    /// when omitted.
    #[arg(long)]
    pub from: Option<String>,
    /// The first instant after the window (RFC 3339); 7 days after `--from` when omitted, at
    /// most 92 days after it.
    #[arg(long)]
    pub to: Option<String>,
    /// Also write the forecast as an SVG chart to this file (`-`: stdout, instead of the table).
    #[arg(long, value_name = "OUT")]
    pub svg: Option<PathBuf>,
    /// Print the JSON answer of the HTTP call instead of the table.
    #[arg(long, conflicts_with = "svg")]
    pub json: bool,
    /// The file is a global snapshot: forecast every preset and the pool's total.
    #[arg(long)]
    pub global: bool,
}

/// The rule sets `decide` can apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// The seed's rules, exactly.
    V1,
    /// Today's Coder rules.
    V2,
}

/// Flags of `healthcheck`.
#[derive(Clone, Debug, Args)]
pub struct HealthcheckArgs {
    /// The server's listen address; a wildcard address (0.0.0.0, [::]) is probed on loopback.
    #[arg(long, env = "PREBUILD_DECIDER_LISTEN", default_value_t = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Give up after this long (Go duration syntax).
    #[arg(long, default_value = "2s", value_parser = parse_interval)]
    pub timeout: GoDuration,
}

fn parse_interval(value: &str) -> Result<GoDuration, String> {
    GoDuration::parse_non_negative(value).map_err(|error| error.to_string())
}

fn parse_positive(value: &str) -> Result<GoDuration, String> {
    let duration = parse_interval(value)?;
    if duration.as_nanos() == 0 {
        return Err("must be more than 0s".to_owned());
    }
    Ok(duration)
}

/// Why the `serve` flags do not make a configuration.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The token file cannot be read.
    #[error("cannot read --api-token-file {path}: {source}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The token is empty.
    #[error("the API token is empty")]
    EmptyToken,
    /// A CORS origin is not a valid header value.
    #[error("--cors-allow-origin {0:?} is not a valid origin")]
    Origin(String),
}

impl ServeArgs {
    /// The configuration these flags describe (reading the token file, if any).
    pub fn config(&self) -> Result<Config, ConfigError> {
        let args = self;
        let token = match (&args.api_token, &args.api_token_file) {
            (Some(token), _) => Some(token.clone()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::TokenFile {
                        path: path.clone(),
                        source,
                    })?
                    .trim()
                    .to_owned(),
            ),
            (None, None) => None,
        };
        let api_token = match token {
            Some(token) => Some(ApiToken::new(&token).ok_or(ConfigError::EmptyToken)?),
            None => None,
        };
        let cors_allow_origins = args
            .cors_allow_origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin.trim())
                    .map_err(|_| ConfigError::Origin(origin.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Config {
            listen: args.listen,
            metrics_listen: args.metrics_listen,
            shutdown_timeout: std_duration(args.shutdown_timeout),
            backoff_interval: args.backoff_interval,
            max_body_bytes: args.max_body_bytes,
            request_timeout: std_duration(args.request_timeout),
            max_in_flight: args.max_in_flight as usize,
            api_token,
            cors_allow_origins,
            serve_metrics: args.metrics_listen.is_none(),
            debug_endpoints: args.debug_endpoints,
            readiness: Readiness::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn flags_and_variables_make_the_configuration() {
        let cli = Cli::try_parse_from([
            "prebuild-decider",
            "serve",
            "--request-timeout",
            "2s",
            "--max-in-flight",
            "8",
            "--cors-allow-origin",
            "https://a.example",
            "--cors-allow-origin",
            "https://b.example",
            "--api-token",
            "t",
            "--metrics-listen",
            "127.0.0.1:9090",
        ])
        .unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve")
        };
        let config = args.config().unwrap();
        assert_eq!(config.request_timeout, Duration::from_secs(2));
        assert_eq!(config.max_in_flight, 8);
        assert_eq!(config.cors_allow_origins.len(), 2);
        assert!(config.api_token.unwrap().matches(b"t"));
        assert!(!config.serve_metrics);
        assert_eq!(config.backoff_interval, GoDuration::MINUTE);
    }

    #[test]
    fn bad_flag_values_are_refused() {
        for args in [
            &["prebuild-decider", "--request-timeout", "0s"][..],
            &["prebuild-decider", "--max-in-flight", "0"],
            &["prebuild-decider", "--backoff-interval", "-1s"],
            &[
                "prebuild-decider",
                "--api-token",
                "a",
                "--api-token-file",
                "/x",
            ],
            &["prebuild-decider", "--log-format", "xml"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn the_token_file_is_read_and_trimmed() {
        let path =
            std::env::temp_dir().join(format!("prebuild-decider-token-{}", std::process::id()));
        std::fs::write(&path, "from-file\n").unwrap();
        let cli = Cli::try_parse_from([
            "prebuild-decider",
            "--api-token-file",
            path.to_str().unwrap(),
        ])
        .unwrap();
        let config = cli.serve.config().unwrap();
        assert!(config.api_token.unwrap().matches(b"from-file"));
        std::fs::remove_file(&path).unwrap();
        let missing =
            Cli::try_parse_from(["prebuild-decider", "--api-token-file", "/nonexistent/token"])
                .unwrap();
        assert!(matches!(
            missing.serve.config(),
            Err(ConfigError::TokenFile { .. })
        ));
    }
}
