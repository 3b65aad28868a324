//! Shared test helpers: the app, requests through it, and problem assertions.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use prebuild_decider::config::Config;
use serde_json::Value;

/// The app with the default configuration.
pub fn app() -> Router {
    prebuild_decider::app(Config::default())
}

#[path = "../common/answer.rs"]
mod answer;
pub use answer::{Answer, json_request, send};

impl Answer {
    /// Asserts an RFC 9457 problem with this status, and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.json);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "content type of {}",
            self.json
        );
        for member in ["type", "title", "detail"] {
            assert!(
                self.json[member].is_string(),
                "problem lacks {member}: {}",
                self.json
            );
        }
        assert_eq!(
            self.json["status"], status,
            "problem status member: {}",
            self.json
        );
        &self.json
    }

    /// Asserts a problem with this status whose first error points at `pointer`.
    #[track_caller]
    pub fn problem_at(&self, status: u16, pointer: &str) -> &Value {
        let problem = self.problem(status);
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "pointer in {problem}"
        );
        assert!(
            problem["errors"][0]["detail"].is_string(),
            "error detail in {problem}"
        );
        problem
    }
}

/// POSTs `body` as JSON to `uri`.
pub async fn post(app: &Router, uri: &str, body: impl Into<Body>) -> Answer {
    send(app, json_request(uri, body)).await
}

/// POSTs the JSON value `body` to `uri`.
pub async fn post_json(app: &Router, uri: &str, body: &Value) -> Answer {
    post(app, uri, body.to_string()).await
}

/// GETs `uri`.
pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

/// A valid snapshot in the canonical form: an active preset wanting 2, one prebuild running.
pub fn snapshot() -> Value {
    serde_json::json!({
        "preset": {
            "id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
            "using_active_version": true,
            "deleted": false,
            "deprecated": false,
            "desired_instances": 2
        },
        "running": [
            {"id": "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a", "ready": true, "created_at": "2025-06-02T10:00:00Z"}
        ],
        "in_progress": [{"transition": "start", "count": 0}],
        "backoff": null
    })
}

/// A running prebuild row with the UUID ending in `n`.
pub fn running_row(n: u32, created_at: &str) -> Value {
    serde_json::json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "ready": true,
        "created_at": created_at
    })
}

/// The four decision endpoints.
pub const PRESET_ENDPOINTS: [&str; 3] = [
    "/v1/presets/state",
    "/v1/presets/actions",
    "/v1/presets/reconcile",
];

/// Percent-encodes a query value: everything but RFC 3986's unreserved characters.
pub fn percent_encode(value: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The query string of a decision at `now` with `interval` per failure, each percent-encoded.
pub fn decision_query(now: &str, interval: &str) -> String {
    format!(
        "now={}&backoff_interval={}",
        percent_encode(now),
        percent_encode(interval)
    )
}
