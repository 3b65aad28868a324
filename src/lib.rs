//! prebuild-decider: Coder's prebuilds reconciliation as a stateless HTTP service.
//!
//! - [`domain`]: the decision, in plain Rust beside the Go seed.
//! - [`api`]: the HTTP surface (handlers, problems, OpenAPI, router).
//! - [`config`]: the command line and the settings; [`telemetry`]: logs.
//! - [`commands`]: the non-serving subcommands (`decide`, `openapi`, `healthcheck`).

pub mod api;
pub mod commands;
pub mod config;
pub mod domain;
pub mod telemetry;

use axum::Router;

/// The whole service as a router: what `serve` runs, and what tests drive in-process.
pub fn app(config: config::Config) -> Router {
    api::router(config)
}
