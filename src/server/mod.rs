//! The server's lifecycle: bind the listeners, accept connections under a cap and serve the
//! router on each with hyper ([`listener`], [`connection`]) until a signal, then drain.
//!
//! [`cgroup`] finds the container's memory limit, from which the memory budget's default is
//! derived (see [`crate::cli::args`]).

pub mod cgroup;
pub mod connection;
pub mod listener;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::config::Config;
use crate::http::budget::MemoryBudget;
use crate::{http, telemetry};

/// How often histograms fold their raw samples in: often enough to keep their memory small.
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Serves until SIGTERM or SIGINT, then drains: `/readyz` turns 503 at once, listeners stop
/// accepting, in-flight requests finish within `--shutdown-timeout`, and the process exits 0
/// (1 if it had to abandon requests).
pub async fn run(config: Config) -> ExitCode {
    let readiness = config.readiness.clone();
    let shutdown_timeout = config.shutdown_timeout;
    let open_files = listener::raise_open_files_limit();
    let max_connections = listener::connection_cap(config.connections.max, open_files);
    if max_connections < config.connections.max {
        tracing::warn!(
            configured = config.connections.max,
            open_files,
            max_connections,
            "--max-connections lowered to fit the open-file limit"
        );
    }
    if config.body_limit() < config.max_body_bytes {
        tracing::warn!(
            max_body_bytes = config.max_body_bytes,
            max_buffered_bytes = config.max_buffered_bytes,
            body_limit = config.body_limit(),
            "the memory budget cannot hold a body of --max-body-bytes: larger bodies get 413"
        );
    }
    let Some(listener) = bind(config.listen).await else {
        return ExitCode::FAILURE;
    };
    let metrics_listener = match config.metrics_listen {
        Some(address) => match bind(address).await {
            Some(listener) => Some(listener),
            None => return ExitCode::FAILURE,
        },
        None => None,
    };
    let metrics = telemetry::metrics_handle();
    telemetry::connections_max(max_connections);
    // Histograms keep raw samples until upkeep folds them in, so run it whether or not
    // anyone scrapes.
    tokio::spawn(async move {
        let mut every = tokio::time::interval(METRICS_UPKEEP_EVERY);
        loop {
            every.tick().await;
            metrics.run_upkeep();
        }
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        readiness.start_shutdown();
        tracing::info!("shutdown signal received: not ready, draining in-flight requests");
        let _ = stop_tx.send(true);
    });

    let local = |listener: &TcpListener| {
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    };
    let connections = &config.connections;
    tracing::info!(
        listen = %local(&listener),
        metrics_listen = metrics_listener.as_ref().map(local),
        memory_budget_bytes = config.max_buffered_bytes,
        memory_budget_from = %config.budget_source,
        body_limit_bytes = config.body_limit(),
        max_in_flight = config.max_in_flight,
        max_connections,
        open_files,
        header_read_timeout = ?connections.header_read_timeout,
        idle_timeout = ?connections.idle_timeout,
        request_timeout = ?config.request_timeout,
        "serving"
    );
    // One budget for request bodies and for what HTTP/2 connections may buffer.
    let budget = Arc::new(MemoryBudget::new(config.max_buffered_bytes));
    let settings = Arc::new(connection::Settings::new(connections, Arc::clone(&budget)));
    let places = Arc::new(Semaphore::new(max_connections));
    let metrics_places = Arc::new(Semaphore::new(listener::METRICS_CONNECTIONS));
    let api = tokio::spawn(listener::accept(
        listener,
        http::router_within(config.clone(), budget),
        Arc::clone(&settings),
        Arc::clone(&places),
        stop_rx.clone(),
    ));
    let metrics_api = metrics_listener.map(|metrics_listener| {
        tokio::spawn(listener::accept(
            metrics_listener,
            http::metrics_router(),
            Arc::clone(&settings),
            Arc::clone(&metrics_places),
            stop_rx.clone(),
        ))
    });

    // The accept loops end at the signal (or if a listener fails), dropping their listeners.
    let mut stop = stop_rx.clone();
    let _ = stop.wait_for(|stop| *stop).await;
    let _ = api.await;
    if let Some(metrics_api) = metrics_api {
        let _ = metrics_api.await;
    }
    // Every connection holds a place until its socket closes: all places back means drained.
    let drained = async {
        let everything = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let _ = places.acquire_many(everything(max_connections)).await;
        let _ = metrics_places
            .acquire_many(everything(listener::METRICS_CONNECTIONS))
            .await;
    };
    match tokio::time::timeout(shutdown_timeout, drained).await {
        Ok(()) => {
            tracing::info!("drained; exiting");
            ExitCode::SUCCESS
        }
        Err(_) => {
            tracing::warn!(timeout = ?shutdown_timeout, "requests still in flight at the shutdown timeout; exiting");
            ExitCode::FAILURE
        }
    }
}

async fn bind(address: std::net::SocketAddr) -> Option<TcpListener> {
    match TcpListener::bind(address).await {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::error!(%error, %address, "cannot listen");
            None
        }
    }
}

/// Resolves on SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
