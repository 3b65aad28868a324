//! The transport floor: what the HTTP stack alone costs, so no service can beat it.
//!
//! axum on the service's runtime; `POST /v1/presets/reconcile` reads the whole body as bytes,
//! then answers a fixed, decision-sized JSON with `Content-Type: application/json`. No parsing,
//! no decision, no middleware.
//!
//! `cargo run --release --example transport-floor -- --listen 127.0.0.1:8091`

#[path = "common.rs"]
mod common;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

async fn reconcile(body: Bytes) -> impl IntoResponse {
    std::hint::black_box(&body);
    ([(header::CONTENT_TYPE, "application/json")], common::ANSWER)
}

#[tokio::main]
async fn main() {
    let address = common::listen_address("127.0.0.1:8091");
    let router = Router::new().route("/v1/presets/reconcile", post(reconcile));
    common::serve(router, &address).await;
}
