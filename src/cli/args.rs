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
    ApiToken, Config, Connections, DEFAULT_BACKOFF_INTERVAL, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_HTTP2_CONNECTION_WINDOW_BYTES, DEFAULT_HTTP2_KEEP_ALIVE_INTERVAL,
    DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT, DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
    DEFAULT_HTTP2_STREAM_WINDOW_BYTES, DEFAULT_IDLE_TIMEOUT, DEFAULT_LISTEN,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_IN_FLIGHT, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT, Readiness, budget_within, std_duration,
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
    /// Memory budget for request bodies and the work they cause (bytes, or with a Ki, Mi or Gi
    /// suffix). Each body is charged 3 bytes per byte (its peak while parsed and decided) plus
    /// 16 KiB, from Content-Length before it is read; a request that does not fit is answered
    /// 503 with Retry-After at once. An HTTP/2 connection is charged its window plus 48 KiB per
    /// stream while open, and closed at once when that does not fit. Default: the container's memory limit (cgroup v2
    /// memory.max or v1 memory.limit_in_bytes) less 40 MiB for the process and 48 KiB per
    /// allowed connection; 512 MiB when there is no limit.
    #[arg(long, env = "PREBUILD_DECIDER_MAX_BUFFERED_BYTES", value_parser = parse_bytes)]
    pub max_buffered_bytes: Option<u64>,
    /// Connections open at once; beyond it new connections wait in the listen backlog, and idle
    /// ones are closed to make room. Kept below the open-file limit (raised to its hard limit
    /// at start).
    #[arg(long, env = "PREBUILD_DECIDER_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// A request's head (request line and headers) must arrive within this long of its first
    /// byte, the first request's within this long of the connection's start; else the
    /// connection is answered 408 and closed.
    #[arg(long, env = "PREBUILD_DECIDER_HEADER_READ_TIMEOUT", default_value_t = DEFAULT_HEADER_READ_TIMEOUT, value_parser = parse_positive)]
    pub header_read_timeout: GoDuration,
    /// Close a connection idle this long between requests, or one whose client takes none of
    /// an answer for this long.
    #[arg(long, env = "PREBUILD_DECIDER_IDLE_TIMEOUT", default_value_t = DEFAULT_IDLE_TIMEOUT, value_parser = parse_positive)]
    pub idle_timeout: GoDuration,
    /// Largest request head in bytes (HTTP/1.1 request line and headers, HTTP/2 header list);
    /// larger ones get 431. At least 8Ki.
    #[arg(long, env = "PREBUILD_DECIDER_MAX_HEADER_BYTES", default_value_t = DEFAULT_MAX_HEADER_BYTES as u64, value_parser = parse_header_bytes)]
    pub max_header_bytes: u64,
    /// HTTP/2 streams open at once on one connection.
    #[arg(long, env = "PREBUILD_DECIDER_HTTP2_MAX_CONCURRENT_STREAMS", default_value_t = DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS, value_parser = clap::value_parser!(u32).range(1..))]
    pub http2_max_concurrent_streams: u32,
    /// HTTP/2 flow-control window per stream (bytes, or Ki/Mi suffix): what a client may send
    /// on one stream ahead of the server reading it.
    #[arg(long, env = "PREBUILD_DECIDER_HTTP2_STREAM_WINDOW_BYTES", default_value_t = DEFAULT_HTTP2_STREAM_WINDOW_BYTES as u64, value_parser = parse_window)]
    pub http2_stream_window_bytes: u64,
    /// HTTP/2 flow-control window per connection (bytes, or Ki/Mi suffix): what a client may
    /// send on all its streams ahead of the server reading them.
    #[arg(long, env = "PREBUILD_DECIDER_HTTP2_CONNECTION_WINDOW_BYTES", default_value_t = DEFAULT_HTTP2_CONNECTION_WINDOW_BYTES as u64, value_parser = parse_window)]
    pub http2_connection_window_bytes: u64,
    /// Ping a quiet HTTP/2 connection this often (`0s`: never).
    #[arg(long, env = "PREBUILD_DECIDER_HTTP2_KEEP_ALIVE_INTERVAL", default_value_t = DEFAULT_HTTP2_KEEP_ALIVE_INTERVAL, value_parser = parse_interval)]
    pub http2_keep_alive_interval: GoDuration,
    /// Close an HTTP/2 connection whose ping goes unanswered this long.
    #[arg(long, env = "PREBUILD_DECIDER_HTTP2_KEEP_ALIVE_TIMEOUT", default_value_t = DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT, value_parser = parse_positive)]
    pub http2_keep_alive_timeout: GoDuration,
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

/// A byte count: digits, optionally followed by `Ki`, `Mi` or `Gi` (or `KiB`, `MiB`, `GiB`).
fn parse_bytes(value: &str) -> Result<u64, String> {
    let value = value.trim();
    let digits_end = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (digits, unit) = value.split_at(digits_end);
    let shift = match unit.trim_end_matches('B') {
        "" => 0,
        "Ki" => 10,
        "Mi" => 20,
        "Gi" => 30,
        _ => {
            return Err(format!(
                "{value:?} is not a byte count (digits, optionally with Ki, Mi or Gi)"
            ));
        }
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{value:?} is not a byte count"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{value:?} is too large"))
}

fn parse_header_bytes(value: &str) -> Result<u64, String> {
    let bytes = parse_bytes(value)?;
    if !(8192..=u64::from(u32::MAX)).contains(&bytes) {
        return Err("must be from 8Ki to 4Gi".to_owned());
    }
    Ok(bytes)
}

/// An HTTP/2 window: from 64 KiB - 1 (the protocol's initial window) to 2^31 - 1.
fn parse_window(value: &str) -> Result<u64, String> {
    let bytes = parse_bytes(value)?;
    if !(65_535..=(1 << 31) - 1).contains(&bytes) {
        return Err("must be from 65535 to 2147483647 (HTTP/2's limits)".to_owned());
    }
    Ok(bytes)
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

/// Where the memory budget comes from when `--max-buffered-bytes` is not given: the container's
/// memory limit, if any (see [`crate::server::cgroup`]).
pub trait MemoryLimitSource {
    /// The limit, in bytes, and what it is (for the start-up log).
    fn limit(&self) -> Option<(u64, String)>;
}

/// The process's own cgroup.
pub struct ProcessCgroup;

impl MemoryLimitSource for ProcessCgroup {
    fn limit(&self) -> Option<(u64, String)> {
        crate::server::cgroup::memory_limit().map(|limit| (limit.bytes, limit.to_string()))
    }
}

impl ServeArgs {
    /// The configuration these flags describe (reading the token file, if any, and the
    /// process's cgroup for the memory budget's default).
    pub fn config(&self) -> Result<Config, ConfigError> {
        self.config_within(&ProcessCgroup)
    }

    /// [`ServeArgs::config`], with the container memory limit from `limits`.
    pub fn config_within(&self, limits: &dyn MemoryLimitSource) -> Result<Config, ConfigError> {
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
        let connections = Connections {
            max: args.max_connections as usize,
            header_read_timeout: std_duration(args.header_read_timeout),
            idle_timeout: std_duration(args.idle_timeout),
            max_header_bytes: usize::try_from(args.max_header_bytes).unwrap_or(usize::MAX),
            http2_max_concurrent_streams: args.http2_max_concurrent_streams,
            http2_stream_window_bytes: u32::try_from(args.http2_stream_window_bytes)
                .unwrap_or(u32::MAX),
            http2_connection_window_bytes: u32::try_from(args.http2_connection_window_bytes)
                .unwrap_or(u32::MAX),
            http2_keep_alive_interval: Some(std_duration(args.http2_keep_alive_interval))
                .filter(|interval| !interval.is_zero()),
            http2_keep_alive_timeout: std_duration(args.http2_keep_alive_timeout),
        };
        let (max_buffered_bytes, budget_source) = match args.max_buffered_bytes {
            Some(bytes) => (
                usize::try_from(bytes).unwrap_or(usize::MAX),
                "--max-buffered-bytes".to_owned(),
            ),
            None => match limits.limit() {
                Some((limit, what)) => (
                    budget_within(limit, connections.max),
                    format!(
                        "the container's memory: {what}, less the process's and {} connections' headroom",
                        connections.max
                    ),
                ),
                None => (
                    DEFAULT_MAX_BUFFERED_BYTES,
                    "the default (no container memory limit found)".to_owned(),
                ),
            },
        };
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
            max_buffered_bytes,
            budget_source,
            connections,
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

    /// A container limit given by the test, not read from the machine.
    struct Limit(Option<u64>);

    impl MemoryLimitSource for Limit {
        fn limit(&self) -> Option<(u64, String)> {
            self.0
                .map(|bytes| (bytes, format!("cgroup v2 limit of {bytes} bytes")))
        }
    }

    #[test]
    fn the_hardening_flags_have_protective_defaults_and_take_byte_sizes() {
        let cli = Cli::try_parse_from(["prebuild-decider"]).unwrap();
        let config = cli.serve.config_within(&Limit(None)).unwrap();
        assert_eq!(config.max_buffered_bytes, 512 << 20);
        assert!(
            config.budget_source.starts_with("the default"),
            "{}",
            config.budget_source
        );
        assert_eq!(config.connections, Connections::default());
        assert_eq!(config.connections.max, 1024);
        assert_eq!(
            config.connections.header_read_timeout,
            Duration::from_secs(10)
        );
        assert_eq!(config.connections.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.connections.max_header_bytes, 16 << 10);
        assert_eq!(config.connections.http2_max_concurrent_streams, 100);
        assert_eq!(
            config.connections.http2_keep_alive_interval,
            Some(Duration::from_secs(20))
        );

        let cli = Cli::try_parse_from([
            "prebuild-decider",
            "--max-buffered-bytes",
            "96Mi",
            "--max-connections",
            "50",
            "--header-read-timeout",
            "2s",
            "--idle-timeout",
            "5s",
            "--max-header-bytes",
            "32KiB",
            "--http2-max-concurrent-streams",
            "8",
            "--http2-stream-window-bytes",
            "128Ki",
            "--http2-connection-window-bytes",
            "1Mi",
            "--http2-keep-alive-interval",
            "0s",
            "--http2-keep-alive-timeout",
            "3s",
        ])
        .unwrap();
        let config = cli.serve.config_within(&Limit(Some(1 << 30))).unwrap();
        assert_eq!(config.max_buffered_bytes, 96 << 20);
        assert_eq!(config.budget_source, "--max-buffered-bytes");
        let c = &config.connections;
        assert_eq!((c.max, c.max_header_bytes), (50, 32 << 10));
        assert_eq!(
            (c.header_read_timeout, c.idle_timeout),
            (Duration::from_secs(2), Duration::from_secs(5))
        );
        assert_eq!(c.http2_max_concurrent_streams, 8);
        assert_eq!(
            (c.http2_stream_window_bytes, c.http2_connection_window_bytes),
            (128 << 10, 1 << 20)
        );
        assert_eq!(c.http2_keep_alive_interval, None, "0s turns pings off");
        assert_eq!(c.http2_keep_alive_timeout, Duration::from_secs(3));

        for bad in [
            &["prebuild-decider", "--max-buffered-bytes", "12XB"][..],
            &["prebuild-decider", "--max-buffered-bytes", "-1"],
            &[
                "prebuild-decider",
                "--max-buffered-bytes",
                "99999999999999Gi",
            ],
            &["prebuild-decider", "--max-connections", "0"],
            &["prebuild-decider", "--header-read-timeout", "0s"],
            &["prebuild-decider", "--idle-timeout", "0s"],
            &["prebuild-decider", "--max-header-bytes", "4Ki"],
            &["prebuild-decider", "--http2-stream-window-bytes", "1000"],
            &["prebuild-decider", "--http2-connection-window-bytes", "4Gi"],
            &["prebuild-decider", "--http2-max-concurrent-streams", "0"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_budget_defaults_to_what_the_container_limit_leaves() {
        let cli = Cli::try_parse_from(["prebuild-decider", "--max-connections", "256"]).unwrap();
        let config = cli.serve.config_within(&Limit(Some(256 << 20))).unwrap();
        // 256 MiB less 40 MiB for the process and 256 x 48 KiB for connections.
        assert_eq!(config.max_buffered_bytes, (256 - 40 - 12) << 20);
        assert!(
            config
                .budget_source
                .contains("cgroup v2 limit of 268435456 bytes"),
            "{}",
            config.budget_source
        );
        // Bodies the budget cannot hold get 413: (204 MiB - 16 KiB) / 3 is above 16 MiB.
        assert_eq!(config.body_limit(), 16 << 20);
        let tiny = cli.serve.config_within(&Limit(Some(48 << 20))).unwrap();
        assert_eq!(tiny.max_buffered_bytes, 4 << 20);
        assert!(tiny.body_limit() < 16 << 20);
    }

    #[test]
    fn byte_sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert_eq!(parse_bytes("64Ki"), Ok(64 << 10));
        assert_eq!(parse_bytes("64KiB"), Ok(64 << 10));
        assert_eq!(parse_bytes("256Mi"), Ok(256 << 20));
        assert_eq!(parse_bytes("2Gi"), Ok(2 << 30));
        for bad in ["", "Mi", "1.5Mi", "1MB", "1 Mi", "1m"] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
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
