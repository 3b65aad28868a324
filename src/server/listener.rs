//! Accepting connections under a cap: a place under the cap is taken before each `accept`, so
//! past it new connections wait in the kernel's listen backlog (no file descriptor is spent on
//! them), and connections still waiting for a request head get a shorter timeout (see
//! [`connection::Signals`]) so the clients waiting behind them get in. The soft limit on open files
//! is raised to its hard limit at start, and the cap kept below it.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::connection::{self, Settings, Signals};
use crate::telemetry;

/// File descriptors kept for everything but connections: listeners, the runtime's epoll and
/// wake-up descriptors, stdio, the files read at start.
pub const RESERVED_FILES: u64 = 64;

/// Connections the metrics listener takes at once (a scraper needs one or two).
pub const METRICS_CONNECTIONS: usize = 16;

/// Raises the soft limit on open files to the hard limit, as Go's runtime does at start, and
/// returns the soft limit in force (`None` when it is unlimited).
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return limit.maximum;
        }
    }
    limit.current
}

/// The cap on open connections: `configured`, kept below an open-file limit of `files` less
/// [`RESERVED_FILES`] and the metrics listener's share.
pub fn connection_cap(configured: usize, files: Option<u64>) -> usize {
    let Some(files) = files else {
        return configured;
    };
    let room = files
        .saturating_sub(RESERVED_FILES)
        .saturating_sub(METRICS_CONNECTIONS as u64);
    configured
        .min(usize::try_from(room).unwrap_or(usize::MAX))
        .max(1)
}

/// A connection's place under the cap, held until its socket closes; counted in the
/// open-connections gauge.
pub struct Place(#[allow(dead_code)] OwnedSemaphorePermit);

impl Place {
    fn new(permit: OwnedSemaphorePermit) -> Self {
        telemetry::connections_open().increment(1.0);
        Place(permit)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        telemetry::connections_open().decrement(1.0);
    }
}

/// Errors of one connection that `accept` reports; the listener goes on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Accepts connections on `listener` and serves each with `router`, at most `places` open at
/// once, until `shutdown` turns true; then returns, dropping the listener so new connections
/// are refused, while the connections drain.
pub async fn accept(
    listener: TcpListener,
    router: Router,
    settings: Arc<Settings>,
    places: Arc<Semaphore>,
    mut shutdown: watch::Receiver<bool>,
) {
    let signals = Arc::new(Signals::default());
    // At the shutdown signal every connection drains, and the listener is dropped.
    let drain = |signals: &Signals| signals.drain();
    loop {
        let place = match Arc::clone(&places).try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                telemetry::connections_at_cap();
                signals.reached_cap();
                let place = tokio::select! {
                    place = Arc::clone(&places).acquire_owned() => match place {
                        Ok(place) => place,
                        Err(_) => return drain(&signals),
                    },
                    _ = shutdown.wait_for(|stop| *stop) => return drain(&signals),
                };
                signals.eased();
                place
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => return drain(&signals),
        };
        match accepted {
            Ok((stream, _peer)) => {
                telemetry::connection_accepted();
                // Answers go out as written: a large one is written in frames, and Nagle's
                // algorithm would hold a frame back until the client's (delayed) ack of the
                // previous one, 40 ms.
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection::serve(
                    stream,
                    Place::new(place),
                    router.clone(),
                    Arc::clone(&settings),
                    Arc::clone(&signals),
                ));
            }
            Err(error) if is_connection_error(&error) => {}
            Err(error) => {
                // Out of file descriptors (another part of the process holds them) or memory:
                // wait a little rather than spin.
                tracing::error!(%error, "cannot accept a connection; retrying in 100ms");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_files_limit() {
        assert_eq!(connection_cap(1024, None), 1024);
        assert_eq!(connection_cap(1024, Some(1_048_576)), 1024);
        assert_eq!(connection_cap(1024, Some(1024)), 1024 - 64 - 16);
        assert_eq!(connection_cap(1024, Some(10)), 1);
    }

    #[test]
    fn the_open_files_limit_is_raised_to_the_hard_limit() {
        use rustix::process::{Resource, getrlimit};
        let soft = raise_open_files_limit();
        let limit = getrlimit(Resource::Nofile);
        assert_eq!(soft, limit.current);
        assert_eq!(limit.current, limit.maximum);
    }
}
