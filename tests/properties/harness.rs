//! The router driven in-process from synchronous property closures, and the case counts.

use axum::Router;
use axum::http::StatusCode;
use prebuild_decider::config::Config;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use serde_json::Value;

/// Proptest's settings with `cases` cases, unless `PROPTEST_CASES` asks for another number
/// (`PROPTEST_CASES=5000 cargo test --test properties` for a long run).
pub fn cases(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // A failing case's seed is kept beside its module (`invalid.rs` → `invalid.regressions`)
        // and replayed first on every later run: commit these files.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

/// One app and a runtime to drive it: every request of a property goes to the same router.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    app: Router,
}

#[path = "../common/answer.rs"]
mod answer;
pub use answer::Answer;

thread_local! {
    static SERVER: &'static Server = Box::leak(Box::new(Server::new()));
}

/// This test thread's server: built once, then reused by every case (and every property) the
/// thread runs, so a router that breaks after some input is noticed by the cases after it.
pub fn server() -> &'static Server {
    SERVER.with(|server| *server)
}

impl Server {
    pub fn new() -> Self {
        Server {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            app: prebuild_decider::app(Config::default()),
        }
    }

    /// POSTs `body` as JSON to `uri`.
    pub fn post(&self, uri: &str, body: impl Into<Vec<u8>>) -> Answer {
        let request = answer::json_request(uri, body.into());
        self.runtime.block_on(answer::send(&self.app, request))
    }

    /// POSTs the JSON value `body` to `uri`.
    pub fn post_json(&self, uri: &str, body: &Value) -> Answer {
        self.post(uri, body.to_string())
    }
}

impl Answer {
    /// The JSON body of a 200, or a description of what came instead.
    pub fn ok(&self) -> Result<&Value, String> {
        if self.status == StatusCode::OK && self.content_type() == "application/json" {
            Ok(&self.json)
        } else {
            Err(format!(
                "expected 200 application/json, got {} {}: {}",
                self.status,
                self.content_type(),
                String::from_utf8_lossy(&self.bytes)
            ))
        }
    }
}
