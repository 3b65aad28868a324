//! prebuild-decider: Coder's prebuilds reconciliation as a stateless HTTP service.
//!
//! Each concern in its own module, each depending only on those listed before it:
//!
//! - [`domain`]: the rules, in plain Rust beside the Go they come from (v1), and today's (v2);
//! - [`config`]: the settings the service runs with; [`telemetry`]: logs and metrics;
//! - [`codec`]: bytes to domain rows and decisions to bytes, with precise problems;
//! - [`http`]: the HTTP surface (router, handlers, middleware, extractors, OpenAPI);
//! - [`server`]: the server's lifecycle (listeners, signals, drain);
//! - [`cli`]: the command line (`serve`, `decide`, `forecast`, `openapi`, `healthcheck`).

#![forbid(unsafe_code)]

pub mod cli;
pub mod codec;
pub mod config;
pub mod domain;
pub mod http;
pub mod server;
pub mod telemetry;

pub use http::router as app;
