//! The command line (clap) and the settings the application is built from.
//!
//! Every `serve` flag is also an environment variable (`PREBUILD_DECIDER_*`), so a container is
//! configured without arguments.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

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

/// Flags of `serve`. Durations use Go syntax (`90s`, `1m30s`, `250ms`).
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to serve the API on.
    #[arg(
        long,
        env = "PREBUILD_DECIDER_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,
    /// Serve /metrics on this address instead of the API's (keeps it off the public port).
    #[arg(long, env = "PREBUILD_DECIDER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Backoff per failed build when a request gives no `backoff_interval`.
    #[arg(long, env = "PREBUILD_DECIDER_BACKOFF_INTERVAL", default_value = "1m", value_parser = parse_interval)]
    pub backoff_interval: GoDuration,
    /// Largest request body accepted, in bytes; larger ones get 413 (from Content-Length,
    /// before reading).
    #[arg(long, env = "PREBUILD_DECIDER_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// A request not answered within this long gets 408.
    #[arg(long, env = "PREBUILD_DECIDER_REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_positive)]
    pub request_timeout: GoDuration,
    /// Requests served at once; more are answered 503 with Retry-After at once, never queued.
    #[arg(long, env = "PREBUILD_DECIDER_MAX_IN_FLIGHT", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: u32,
    /// Require `Authorization: Bearer <token>` on /v1/* (and /metrics on the API's listener).
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
    #[arg(long, env = "PREBUILD_DECIDER_SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = parse_interval)]
    pub shutdown_timeout: GoDuration,
    /// Log format: `json` for machines, `pretty` for a terminal. Levels come from RUST_LOG
    /// (default `info`; per-request lines are at `debug`).
    #[arg(long, env = "PREBUILD_DECIDER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Mount POST /debug/panic, which panics, to check the panic path (off by default).
    #[arg(long, env = "PREBUILD_DECIDER_DEBUG_ENDPOINTS")]
    pub debug_endpoints: bool,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
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
    /// Add `explanation`: the rules the decision went through, with their numbers.
    #[arg(long)]
    pub explain: bool,
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

fn parse_positive(value: &str) -> Result<GoDuration, String> {
    let duration = parse_interval(value)?;
    if duration.as_nanos() == 0 {
        return Err("must be more than 0s".to_owned());
    }
    Ok(duration)
}

/// A Go duration as a std one (negative ones, which the flags refuse, as zero).
pub fn std_duration(duration: GoDuration) -> Duration {
    Duration::from_nanos(u64::try_from(duration.as_nanos()).unwrap_or(0))
}

/// The bearer token, kept only as its SHA-256 digest and compared in constant time.
#[derive(Clone)]
pub struct ApiToken([u8; 32]);

impl ApiToken {
    /// The token `token`; `None` when it is empty.
    pub fn new(token: &str) -> Option<Self> {
        (!token.is_empty()).then(|| ApiToken(Sha256::digest(token.as_bytes()).into()))
    }

    /// Whether `presented` is the token. Comparing digests in constant time leaks neither the
    /// token's bytes nor its length through timing.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.ct_eq(&self.0).into()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(redacted)")
    }
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
    /// A request not answered within this long gets 408.
    pub request_timeout: Duration,
    /// Requests served at once; more are shed with 503.
    pub max_in_flight: usize,
    /// When set, /v1/* (and /metrics here) need this bearer token.
    pub api_token: Option<ApiToken>,
    /// Origins allowed to call from a browser; empty turns CORS off.
    pub cors_allow_origins: Vec<HeaderValue>,
    /// Whether /metrics is served by the app (false when it has a listener of its own).
    pub serve_metrics: bool,
    /// Whether POST /debug/panic is mounted.
    pub debug_endpoints: bool,
    /// The readiness flag `/readyz` reports; keep a clone to flip it on shutdown.
    pub readiness: Readiness,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backoff_interval: GoDuration::MINUTE,
            max_body_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            max_in_flight: 1024,
            api_token: None,
            cors_allow_origins: Vec::new(),
            serve_metrics: true,
            debug_endpoints: false,
            readiness: Readiness::default(),
        }
    }
}

impl Config {
    /// The configuration the `serve` flags describe (reading the token file, if any).
    pub fn from_args(args: &ServeArgs) -> Result<Self, ConfigError> {
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

    #[test]
    fn the_token_matches_only_itself() {
        let token = ApiToken::new("s3cret").unwrap();
        assert!(token.matches(b"s3cret"));
        assert!(!token.matches(b"s3cre"));
        assert!(!token.matches(b"s3cret "));
        assert!(!token.matches(b""));
        assert!(ApiToken::new("").is_none());
        assert_eq!(format!("{token:?}"), "ApiToken(redacted)");
    }

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
        let config = Config::from_args(&args).unwrap();
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
        let config = Config::from_args(&cli.serve).unwrap();
        assert!(config.api_token.unwrap().matches(b"from-file"));
        std::fs::remove_file(&path).unwrap();
        let missing =
            Cli::try_parse_from(["prebuild-decider", "--api-token-file", "/nonexistent/token"])
                .unwrap();
        assert!(matches!(
            Config::from_args(&missing.serve),
            Err(ConfigError::TokenFile { .. })
        ));
    }
}
