//! The layers every request passes, outermost first:
//!
//! 1. request id: `x-request-id` taken from the request or generated, and returned;
//! 2. [`observe`]: a trace span per request, its log line, and its metrics (requests by route,
//!    method and status; durations; in flight), from one clock read;
//! 3. CORS, when origins are configured (so even refusals below carry its headers);
//! 4. a panic catcher answering 500 as a problem;
//! 5. the request timeout, answering 408;
//! 6. load shedding around one global concurrency limit, answering 503 with `Retry-After`;
//! 7. inside the router, on matched routes: bearer-token auth on `/v1/*`, `/v2/*`, `/debug/*`
//!    and `/metrics` when a token is set (so a 401 is counted under its route).
//!
//! Layers 1–6 wrap the whole router as one service, so the concurrency limit is global (as a
//! `Router::layer` it would be one limit per route). The route is known only inside the router:
//! [`observe`] hands down a [`RouteSlot`] that routing fills, which survives a panic.

use std::any::Any;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tracing::field::Empty;
use tracing::{Instrument, Level};

use super::problem::Problem;
use crate::config::{ApiToken, Config};
use crate::telemetry;

/// The route a request matched, as a static label; `unmatched` when none did. Set on the
/// response for the layers outside the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchedRoute(pub &'static str);

/// Where routing writes the matched route for the layers outside it (a request extension).
#[derive(Clone, Debug, Default)]
struct RouteSlot(Arc<OnceLock<&'static str>>);

/// Every route template the router registers, so each has a static metrics label.
pub const ROUTES: &[&str] = &[
    "/v1/presets/state",
    "/v1/presets/actions",
    "/v1/presets/reconcile",
    "/v1/global/reconcile",
    "/v1/version",
    "/v2/presets/reconcile",
    "/v2/global/reconcile",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api-docs/openapi.json",
    "/swagger-ui",
    "/swagger-ui/",
    "/swagger-ui/{*rest}",
    "/debug/panic",
];

/// Wraps the routes in every layer; see the module documentation for the order.
pub fn wrap(routes: Router, config: &Config) -> Router {
    let routes = routes
        .route_layer(middleware::from_fn_with_state(
            config.api_token.clone(),
            require_token,
        ))
        .route_layer(middleware::from_fn(record_route));
    let cors = (!config.cors_allow_origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(config.cors_allow_origins.clone())
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::HeaderName::from_static("x-request-id"),
                super::handlers::DECISION_ID,
            ])
    });
    let service = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn(observe))
        .option_layer(cors)
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(middleware::from_fn_with_state(
            config.request_timeout,
            time_limit,
        ))
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            overloaded()
        }))
        .layer(LoadShedLayer::new())
        .layer(ConcurrencyLimitLayer::new(config.max_in_flight))
        .service(routes);
    Router::new().fallback_service(service)
}

/// Writes the matched route into the request's [`RouteSlot`], for the span and the metrics.
async fn record_route(request: Request, next: Next) -> Response {
    if let (Some(path), Some(slot)) = (
        request.extensions().get::<MatchedPath>(),
        request.extensions().get::<RouteSlot>(),
    ) {
        let _ = slot.0.set(route_label(path.as_str()));
    }
    next.run(request).await
}

/// The static label of a route template (`other` for one missing from [`ROUTES`]).
pub fn route_label(template: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|route| **route == template)
        .copied()
        .unwrap_or("other")
}

/// Observes a request: runs it in a span, writes its log line, and counts it.
///
/// The span is `info`, so a failure logged inside it (a panic, a server error) carries the
/// request id at the default level. Formatting a span's fields is most of what logging costs a
/// request, so unless `debug` is on (where every request's line is written) the span carries
/// the request id alone, and the route, status and latency go only into the metrics.
async fn observe(mut request: Request, next: Next) -> Response {
    struct InFlight;
    impl Drop for InFlight {
        fn drop(&mut self) {
            telemetry::http_in_flight().decrement(1.0);
        }
    }
    let started = std::time::Instant::now();
    let method = telemetry::method_label(request.method());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let detailed = tracing::enabled!(Level::DEBUG);
    let span = if detailed {
        tracing::info_span!(
            "request",
            request_id,
            method,
            route = Empty,
            status = Empty,
            latency_us = Empty,
            decision_id = Empty,
        )
    } else {
        tracing::info_span!("request", request_id, decision_id = Empty)
    };
    telemetry::http_in_flight().increment(1.0);
    let _in_flight = InFlight;
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).instrument(span.clone()).await;

    let latency = started.elapsed();
    let route = slot.0.get().copied().unwrap_or("unmatched");
    let status = response.status();
    response.extensions_mut().insert(MatchedRoute(route));
    telemetry::record_request(route, method, status, latency);
    let latency_us = latency.as_micros() as u64;
    if detailed {
        span.record("route", route);
        span.record("status", status.as_u16());
        span.record("latency_us", latency_us);
    }
    if status.is_server_error() {
        tracing::error!(parent: &span, route, status = status.as_u16(), latency_us, "answered with a server error");
    } else {
        tracing::debug!(parent: &span, "answered");
    }
    response
}

/// A panic in a handler: already logged by the panic hook with the request's span; answered
/// 500 without details.
fn panic_answer(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked; answered 500 and still serving");
    Problem::internal().into_response()
}

async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::http(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request was not complete within the server's timeout of {limit:?}"),
        )
        .into_response(),
    }
}

/// The answer to a request beyond `--max-in-flight`: shed at once, never queued.
fn overloaded() -> Response {
    Problem::http(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many requests in flight: retry after the Retry-After delay",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    .into_response()
}

/// Whether a path needs the bearer token when one is configured.
fn needs_token(path: &str) -> bool {
    ["/v1/", "/v2/", "/debug/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || path == "/metrics"
}

async fn require_token(
    State(token): State<Option<ApiToken>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = token.filter(|_| needs_token(request.uri().path())) else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim());
    match presented {
        Some(credentials) if token.matches(credentials.as_bytes()) => next.run(request).await,
        Some(_) => unauthorized(
            "the bearer token is not the one configured",
            "Bearer error=\"invalid_token\"",
        ),
        None => unauthorized("send Authorization: Bearer <token>", "Bearer"),
    }
}

fn unauthorized(detail: &str, challenge: &'static str) -> Response {
    Problem::http(StatusCode::UNAUTHORIZED, detail)
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_guards_the_api_and_metrics_only() {
        for path in [
            "/v1/presets/reconcile",
            "/v1/anything",
            "/v2/global/reconcile",
            "/metrics",
            "/debug/panic",
        ] {
            assert!(needs_token(path), "{path}");
        }
        for path in [
            "/healthz",
            "/readyz",
            "/api-docs/openapi.json",
            "/swagger-ui/",
            "/v1",
            "/metricsx",
        ] {
            assert!(!needs_token(path), "{path}");
        }
    }

    #[test]
    fn every_known_route_has_its_own_label() {
        for route in ROUTES {
            assert_eq!(route_label(route), *route);
        }
        assert_eq!(route_label("/not/registered"), "other");
    }
}
