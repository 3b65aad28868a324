//! The server's lifecycle: bind the listeners, serve the router until a signal, then drain.

pub mod cgroup;

use std::future::IntoFuture;
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::{http, telemetry};

/// How often histograms fold their raw samples in: often enough to keep their memory small.
const METRICS_UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Serves until SIGTERM or SIGINT, then drains: `/readyz` turns 503 at once, listeners stop
/// accepting, in-flight requests finish within `--shutdown-timeout`, and the process exits 0
/// (1 if it had to abandon requests).
pub async fn run(config: Config) -> ExitCode {
    let readiness = config.readiness.clone();
    let shutdown_timeout = config.shutdown_timeout;
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
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };

    let local = |listener: &TcpListener| {
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    };
    tracing::info!(
        listen = %local(&listener),
        metrics_listen = metrics_listener.as_ref().map(local),
        "serving"
    );
    let api_server = axum::serve(listener, http::router(config))
        .with_graceful_shutdown(stopped(stop_rx.clone()));
    let metrics_server = async {
        match metrics_listener {
            Some(listener) => {
                axum::serve(listener, http::metrics_router())
                    .with_graceful_shutdown(stopped(stop_rx.clone()))
                    .await
            }
            None => Ok(()),
        }
    };
    let servers = async { tokio::try_join!(api_server.into_future(), metrics_server) };
    let drain_deadline = async {
        stopped(stop_rx.clone()).await;
        tokio::time::sleep(shutdown_timeout).await;
    };
    tokio::select! {
        result = servers => match result {
            Ok(_) => {
                tracing::info!("drained; exiting");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "server failed");
                ExitCode::FAILURE
            }
        },
        () = drain_deadline => {
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
