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
}
