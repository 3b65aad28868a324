//! The HTTP surface: the router, thin handlers (extract, call the codec's pipeline, answer),
//! the extractors, the middleware, the OpenAPI document and Swagger UI.

pub mod budget;
pub mod extract;
pub mod handlers;
pub mod middleware;
pub mod openapi;
pub mod swagger;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::codec::problem::Problem;
use crate::config::Config;
use crate::http::budget::MemoryBudget;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The server's settings.
    pub config: Arc<Config>,
}

/// Extractors take the settings alone, without cloning the whole state.
impl axum::extract::FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.config)
    }
}

/// The documented routes, with their OpenAPI operations.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(handlers::preset_state))
        .routes(routes!(handlers::preset_actions))
        .routes(routes!(handlers::preset_reconcile))
        .routes(routes!(handlers::global_reconcile))
        .routes(routes!(handlers::version))
        .routes(routes!(handlers::v2::preset_reconcile))
        .routes(routes!(handlers::v2::global_reconcile))
        .routes(routes!(handlers::forecast::preset_forecast))
        .routes(routes!(handlers::forecast::global_forecast))
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::readyz))
}

/// The document as committed: pretty JSON with a final newline.
fn document_text(openapi: &utoipa::openapi::OpenApi) -> String {
    openapi
        .to_pretty_json()
        .expect("the document is plain data")
        + "\n"
}

/// The OpenAPI document, as committed in `openapi/openapi.json` and served at [`OPENAPI_PATH`].
pub fn openapi_json() -> String {
    document_text(&documented_routes().split_for_parts().1)
}

/// The whole application: every route, the fallbacks, Swagger UI, and the layers of
/// [`middleware`], with a memory budget of its own (`--max-buffered-bytes`).
pub fn router(config: Config) -> Router {
    let budget = Arc::new(MemoryBudget::new(config.max_buffered_bytes));
    router_within(config, budget)
}

/// [`router`], charging request bodies to `budget`: the server shares it with its connections,
/// whose HTTP/2 buffers it also holds.
pub fn router_within(config: Config, budget: Arc<MemoryBudget>) -> Router {
    let config = Arc::new(config);
    // Install the metrics recorder before the first request is counted.
    crate::telemetry::metrics_handle();
    let (routes, openapi) = documented_routes().split_for_parts();
    let document = Bytes::from(document_text(&openapi));
    let mut routes = routes
        .route(
            OPENAPI_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }),
        )
        .merge(swagger::routes());
    if config.serve_metrics {
        routes = routes.route("/metrics", get(metrics));
    }
    if config.debug_endpoints {
        routes = routes.route("/debug/panic", post(debug_panic));
    }
    let routes = routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState {
            config: Arc::clone(&config),
        });
    middleware::wrap(routes, &config, budget)
}

/// `/metrics` alone, for a listener of its own (`--metrics-listen`): no token, no API.
pub fn metrics_router() -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// The Prometheus text exposition of the process's metrics.
async fn metrics() -> impl IntoResponse {
    let text = crate::telemetry::metrics_handle().render();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// Panics on purpose, to show the panic path (mounted only with `--debug-endpoints`).
async fn debug_panic() -> Problem {
    panic!("POST /debug/panic was called (--debug-endpoints)");
}

async fn not_found(request: Request) -> Problem {
    Problem::http(
        StatusCode::NOT_FOUND,
        format!("no such path: {}", request.uri().path()),
    )
}

/// axum adds the `Allow` header listing the path's methods to this answer.
async fn method_not_allowed(request: Request) -> impl IntoResponse {
    Problem::http(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}: see the Allow header",
            request.method(),
            request.uri().path()
        ),
    )
}
