//! The typed ceiling: the main call as a straightforward implementation would start it.
//!
//! Like the transport floor, but the body is first deserialized with serde_json into plain
//! `#[derive(Deserialize)]` structs mirroring the contract's `PresetSnapshot` (every column
//! the benchmark body has, `uuid::Uuid` and `chrono::DateTime<Utc>` fields, owned strings);
//! then the same fixed answer. A body that does not parse gets a 400. No decision is made, no
//! middleware runs: the service, which also validates, decides and serializes, is meant to
//! match this.
//!
//! `cargo run --release --example typed-ceiling -- --listen 127.0.0.1:8092`

#[path = "common.rs"]
mod common;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

// The fields are parsed, as a real service would, and never read: that is the point.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct PresetSnapshot {
    preset: Preset,
    #[serde(default)]
    running: Option<Vec<RunningPrebuild>>,
    #[serde(default)]
    in_progress: Option<Vec<InProgressCount>>,
    #[serde(default)]
    backoff: Option<Backoff>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct Preset {
    id: Uuid,
    name: Option<String>,
    template_id: Option<Uuid>,
    template_name: Option<String>,
    organization_name: Option<String>,
    template_version_id: Option<Uuid>,
    template_version_name: Option<String>,
    using_active_version: bool,
    deleted: bool,
    deprecated: bool,
    desired_instances: Option<i32>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct RunningPrebuild {
    id: Uuid,
    name: Option<String>,
    template_id: Option<Uuid>,
    template_version_id: Option<Uuid>,
    current_preset_id: Option<Uuid>,
    ready: bool,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Transition {
    Start,
    Stop,
    Delete,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct InProgressCount {
    template_id: Option<Uuid>,
    template_version_id: Option<Uuid>,
    transition: Transition,
    count: i32,
    preset_id: Option<Uuid>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct Backoff {
    template_version_id: Option<Uuid>,
    preset_id: Option<Uuid>,
    num_failed: i32,
    last_build_at: DateTime<Utc>,
}

async fn reconcile(body: Bytes) -> Response {
    match serde_json::from_slice::<PresetSnapshot>(&body) {
        Ok(snapshot) => {
            std::hint::black_box(&snapshot);
            ([(header::CONTENT_TYPE, "application/json")], common::ANSWER).into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() {
    let address = common::listen_address("127.0.0.1:8092");
    let router = Router::new().route("/v1/presets/reconcile", post(reconcile));
    common::serve(router, &address).await;
}
