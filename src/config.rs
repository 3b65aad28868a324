//! The settings the service runs with, and their defaults (which the command line's flags
//! show and fall back to; see [`crate::cli`]).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::HeaderValue;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::GoDuration;

/// Where the API is served unless configured: loopback, so nothing is exposed by accident.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
/// Coder's default `reconciliation_backoff_interval`.
pub const DEFAULT_BACKOFF_INTERVAL: GoDuration = GoDuration::MINUTE;
/// The largest body accepted unless configured: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// How long a request may take unless configured.
pub const DEFAULT_REQUEST_TIMEOUT: GoDuration = GoDuration::from_nanos(10_000_000_000);
/// Requests served at once unless configured.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// How long shutdown waits for requests in flight unless configured.
pub const DEFAULT_SHUTDOWN_TIMEOUT: GoDuration = GoDuration::from_nanos(30_000_000_000);
/// The memory budget for request bodies and their work when no container limit is found and
/// none is configured: 512 MiB.
pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 512 << 20;
/// What a derived budget leaves to the process itself (runtime, metrics, allocator, the listen
/// and log machinery): its resident size under the main call's load, about 27 MiB, with room.
pub const PROCESS_HEADROOM_BYTES: u64 = 40 << 20;
/// What a derived budget leaves to each connection the cap allows: its buffers (a request
/// head, a small answer) and its task. HTTP/2's windows and stream buffers are charged to the
/// budget itself, per connection.
pub const CONNECTION_HEADROOM_BYTES: u64 = 48 << 10;
/// A derived budget is never below this (a container too small for the headroom still serves
/// small bodies).
pub const MIN_DERIVED_BUDGET_BYTES: usize = 4 << 20;
/// Bytes the memory budget charges per body byte: the peak heap of a global call per byte of
/// its body (reading, parsing, deciding and answering), as `tests/memory` measures it, with room.
pub const BUDGET_BYTES_PER_BODY_BYTE: usize = 3;
/// Bytes the memory budget charges per request on top of its body: the answer and the
/// request's own structures, which dominate a small body's cost.
pub const BUDGET_BYTES_PER_REQUEST: usize = 16 << 10;
/// Connections open at once unless configured.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// How long a request head (request line and headers) may take to arrive unless configured.
pub const DEFAULT_HEADER_READ_TIMEOUT: GoDuration = GoDuration::from_nanos(10_000_000_000);
/// How long a connection may sit idle between requests unless configured.
pub const DEFAULT_IDLE_TIMEOUT: GoDuration = GoDuration::from_nanos(60_000_000_000);
/// The largest request head (request line and headers; HTTP/2's header list) unless
/// configured: 16 KiB.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 << 10;
/// HTTP/2 streams open at once on one connection unless configured.
pub const DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS: u32 = 100;
/// HTTP/2 flow-control window per stream unless configured: 64 KiB.
pub const DEFAULT_HTTP2_STREAM_WINDOW_BYTES: u32 = 64 << 10;
/// HTTP/2 flow-control window per connection unless configured: 256 KiB.
pub const DEFAULT_HTTP2_CONNECTION_WINDOW_BYTES: u32 = 256 << 10;
/// How often an HTTP/2 connection is pinged when it is quiet, unless configured.
pub const DEFAULT_HTTP2_KEEP_ALIVE_INTERVAL: GoDuration = GoDuration::from_nanos(20_000_000_000);
/// How long an HTTP/2 ping may go unanswered before the connection is closed, unless
/// configured.
pub const DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT: GoDuration = GoDuration::from_nanos(20_000_000_000);

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

/// The settings [`crate::app`] and [`crate::server`] are built from.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the API is served.
    pub listen: SocketAddr,
    /// Where `/metrics` is served on a listener of its own, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// On SIGTERM or SIGINT, how long to wait for requests in flight.
    pub shutdown_timeout: Duration,
    /// Backoff per failed build when a request gives none.
    pub backoff_interval: GoDuration,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// A request not answered within this long gets 408.
    pub request_timeout: Duration,
    /// Requests served at once; more are shed with 503.
    pub max_in_flight: usize,
    /// When set, `/v1/*`, `/v2/*`, `/debug/*` (and `/metrics` here) need this bearer token.
    pub api_token: Option<ApiToken>,
    /// Origins allowed to call from a browser; empty turns CORS off.
    pub cors_allow_origins: Vec<HeaderValue>,
    /// Whether /metrics is served by the app (false when it has a listener of its own).
    pub serve_metrics: bool,
    /// Whether POST /debug/panic is mounted.
    pub debug_endpoints: bool,
    /// The readiness flag `/readyz` reports; keep a clone to flip it on shutdown.
    pub readiness: Readiness,
    /// Bytes that request bodies and the work they cause may hold at once; a request whose
    /// charge does not fit is answered 503.
    pub max_buffered_bytes: usize,
    /// Where [`Config::max_buffered_bytes`] came from, for the start-up log.
    pub budget_source: String,
    /// How connections are accepted, kept and cut.
    pub connections: Connections,
}

impl Config {
    /// The largest body accepted: `max_body_bytes`, or less when the memory budget could not
    /// hold a body that large (its charge is [`budget_cost`]).
    pub fn body_limit(&self) -> usize {
        let fits = self
            .max_buffered_bytes
            .saturating_sub(BUDGET_BYTES_PER_REQUEST)
            / BUDGET_BYTES_PER_BODY_BYTE;
        self.max_body_bytes.min(fits)
    }
}

/// What the memory budget charges a body of `length` bytes.
pub fn budget_cost(length: u64) -> usize {
    usize::try_from(length)
        .unwrap_or(usize::MAX)
        .saturating_mul(BUDGET_BYTES_PER_BODY_BYTE)
        .saturating_add(BUDGET_BYTES_PER_REQUEST)
}

/// How the server accepts, keeps and cuts connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connections {
    /// Connections open at once; beyond, new ones wait in the listen backlog.
    pub max: usize,
    /// A request head must arrive within this long of its first byte (of the connection's
    /// start, for the first request).
    pub header_read_timeout: Duration,
    /// A connection with no request in progress is closed after this long; so is one whose
    /// client takes none of an answer for this long.
    pub idle_timeout: Duration,
    /// The largest request head, in bytes (HTTP/1.1's request line and headers, HTTP/2's
    /// header list).
    pub max_header_bytes: usize,
    /// HTTP/2 streams open at once on one connection.
    pub http2_max_concurrent_streams: u32,
    /// HTTP/2 flow-control window per stream, in bytes.
    pub http2_stream_window_bytes: u32,
    /// HTTP/2 flow-control window per connection, in bytes.
    pub http2_connection_window_bytes: u32,
    /// Ping a quiet HTTP/2 connection this often (`None`: never).
    pub http2_keep_alive_interval: Option<Duration>,
    /// Close an HTTP/2 connection whose ping goes unanswered this long.
    pub http2_keep_alive_timeout: Duration,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            max: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: std_duration(DEFAULT_HEADER_READ_TIMEOUT),
            idle_timeout: std_duration(DEFAULT_IDLE_TIMEOUT),
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            http2_max_concurrent_streams: DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
            http2_stream_window_bytes: DEFAULT_HTTP2_STREAM_WINDOW_BYTES,
            http2_connection_window_bytes: DEFAULT_HTTP2_CONNECTION_WINDOW_BYTES,
            http2_keep_alive_interval: Some(std_duration(DEFAULT_HTTP2_KEEP_ALIVE_INTERVAL)),
            http2_keep_alive_timeout: std_duration(DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT),
        }
    }
}

/// The memory budget a container with a memory limit of `limit` bytes can give request bodies:
/// what is left after [`PROCESS_HEADROOM_BYTES`] and [`CONNECTION_HEADROOM_BYTES`] per allowed
/// connection, and at least [`MIN_DERIVED_BUDGET_BYTES`].
pub fn budget_within(limit: u64, max_connections: usize) -> usize {
    let connections = CONNECTION_HEADROOM_BYTES.saturating_mul(max_connections as u64);
    let left = limit
        .saturating_sub(PROCESS_HEADROOM_BYTES)
        .saturating_sub(connections);
    usize::try_from(left)
        .unwrap_or(usize::MAX)
        .max(MIN_DERIVED_BUDGET_BYTES)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN,
            metrics_listen: None,
            shutdown_timeout: std_duration(DEFAULT_SHUTDOWN_TIMEOUT),
            backoff_interval: DEFAULT_BACKOFF_INTERVAL,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: std_duration(DEFAULT_REQUEST_TIMEOUT),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            api_token: None,
            cors_allow_origins: Vec::new(),
            serve_metrics: true,
            debug_endpoints: false,
            readiness: Readiness::default(),
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            budget_source: "the default (no container memory limit considered)".to_owned(),
            connections: Connections::default(),
        }
    }
}

/// A duration from a setting, which the flags keep from being negative (a negative one is zero).
pub(crate) fn std_duration(duration: GoDuration) -> Duration {
    duration.to_std().unwrap_or_default()
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
    fn a_derived_budget_leaves_the_process_and_its_connections_their_share() {
        let mib = 1u64 << 20;
        // 256 MiB with 1024 connections: 256 - 40 - 48 = 168 MiB.
        assert_eq!(budget_within(256 * mib, 1024), 168 << 20);
        assert_eq!(budget_within(128 * mib, 256), (128 - 40 - 12) << 20);
        // Too small a container still gets the minimum.
        assert_eq!(budget_within(32 * mib, 1024), MIN_DERIVED_BUDGET_BYTES);
        assert_eq!(budget_within(0, 0), MIN_DERIVED_BUDGET_BYTES);
    }

    #[test]
    fn the_body_limit_is_what_the_budget_can_hold() {
        let config = |max_body_bytes, max_buffered_bytes| Config {
            max_body_bytes,
            max_buffered_bytes,
            ..Config::default()
        };
        assert_eq!(config(16 << 20, 512 << 20).body_limit(), 16 << 20);
        let small = config(16 << 20, 8 << 20);
        let limit = small.body_limit();
        assert!(budget_cost(limit as u64) <= 8 << 20);
        assert!(budget_cost(limit as u64 + 1) > 8 << 20);
        assert_eq!(budget_cost(0), BUDGET_BYTES_PER_REQUEST);
        assert_eq!(budget_cost(u64::MAX), usize::MAX);
        assert_eq!(config(16 << 20, 1000).body_limit(), 0);
    }
}
