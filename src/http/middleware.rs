//! What happens around every request, in one middleware ([`guard`]) applied inside the router
//! (so the matched route is known), plus CORS outside it when origins are configured:
//!
//! 1. request id: `x-request-id` taken from the request or made (a UUID), and returned;
//! 2. load shedding: past `--max-in-flight` requests at once, answered 503 with `Retry-After` at
//!    once, never queued (one counter shared by every route, so the limit is global);
//! 3. a trace span and its log line (at `debug`; a 500 at any level, with the request id),
//!    and metrics (requests by route, method and status; durations; in flight), from one clock
//!    read;
//! 4. bearer-token auth on the matched routes under `/v1/`, `/v2/`, `/debug/` and `/metrics`,
//!    when a token is set;
//! 5. the memory budget (see [`super::budget`]): a decision call's body is charged before it is
//!    read, answered 503 with `Retry-After` at once when the charge does not fit, and the charge
//!    is held until the answer is made (a large answer's until it is handed to the connection);
//! 6. the request timeout, answering 408;
//! 7. a panic in the handler, answered 500 (the panic hook logs where, this middleware which
//!    request).
//!
//! Each of these has a tower or tower-http layer; stacked, their request and future moves cost
//! the main call more than its decision does, so they are one function here (measured in
//! `docs/performance.md`).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use tower_http::cors::CorsLayer;
use tracing::field::Empty;
use tracing::{Instrument, Level};

use super::budget::{self, Charge, Held, HeldCharge, MemoryBudget, Metered};
use crate::codec::problem::Problem;
use crate::config::{ApiToken, Config};
use crate::telemetry::{self, Refusal};

/// The request id header, read and written.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route template the router registers, so each has a static metrics label.
pub const ROUTES: &[&str] = &[
    "/v1/presets/state",
    "/v1/presets/actions",
    "/v1/presets/reconcile",
    "/v1/global/reconcile",
    "/v1/version",
    "/v2/presets/reconcile",
    "/v2/global/reconcile",
    "/v2/presets/forecast",
    "/v2/global/forecast",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api-docs/openapi.json",
    "/swagger-ui",
    "/swagger-ui/",
    "/swagger-ui/swagger-initializer.js",
    "/swagger-ui/{*rest}",
    "/debug/panic",
];

/// The static label of a route template (`other` for one missing from [`ROUTES`]).
pub fn route_label(template: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|route| **route == template)
        .copied()
        .unwrap_or("other")
}

/// The routes whose handlers read a body (the decision calls): the only ones charged to the
/// memory budget. Others never read theirs.
fn reads_body(route: &str) -> bool {
    route.starts_with("/v") && route != "/v1/version"
}

/// The settings [`guard`] works with, and the in-flight count and memory budget it keeps.
#[derive(Debug)]
struct GuardState {
    max_in_flight: usize,
    in_flight: AtomicUsize,
    request_timeout: Duration,
    api_token: Option<ApiToken>,
    budget: Arc<MemoryBudget>,
    body_limit: usize,
}

/// Wraps the routes: [`guard`] on every route and fallback, charging bodies to `budget`, and
/// CORS outside it.
pub fn wrap(routes: Router, config: &Config, budget: Arc<MemoryBudget>) -> Router {
    let state = Arc::new(GuardState {
        max_in_flight: config.max_in_flight,
        in_flight: AtomicUsize::new(0),
        request_timeout: config.request_timeout,
        api_token: config.api_token.clone(),
        budget,
        body_limit: config.body_limit(),
    });
    let routes = routes.layer(middleware::from_fn_with_state(state, guard));
    if config.cors_allow_origins.is_empty() {
        return routes;
    }
    routes.layer(
        CorsLayer::new()
            .allow_origin(config.cors_allow_origins.clone())
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, REQUEST_ID])
            .expose_headers([REQUEST_ID, super::handlers::DECISION_ID]),
    )
}

/// A slot among the requests in flight, given back when the request ends (even if the client
/// leaves mid-way and the future is dropped).
struct InFlight<'a>(&'a GuardState);

impl<'a> InFlight<'a> {
    /// Takes a slot, or `None` when all are taken.
    fn enter(guard: &'a GuardState) -> Option<Self> {
        if guard.in_flight.fetch_add(1, Ordering::AcqRel) >= guard.max_in_flight {
            guard.in_flight.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        telemetry::http_in_flight().increment(1.0);
        Some(InFlight(guard))
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        telemetry::http_in_flight().decrement(1.0);
    }
}

/// The one middleware: see the module documentation for what it does, in order.
///
/// With `debug` on, each request runs in a span (request id, method, route, status, latency,
/// decision id) and writes its line. At the default level there is no span: creating one and
/// formatting its fields cost the main call about 6% of its instructions, for lines never
/// written. Failures (a 500, a panic) are logged at that level with their request id and route
/// in the event itself.
async fn guard(State(guard): State<Arc<GuardState>>, mut request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let request_id = match request.headers().get(&REQUEST_ID) {
        Some(given) => given.clone(),
        None => {
            let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            let made = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
            let value = HeaderValue::from_str(made).expect("a UUID is a header value");
            request.headers_mut().insert(REQUEST_ID, value.clone());
            value
        }
    };
    let method = telemetry::method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| route_label(path.as_str()));
    let detailed = tracing::enabled!(Level::DEBUG);
    let id_text = request_id.to_str().unwrap_or_default();
    let span = if detailed {
        tracing::info_span!(
            "request",
            request_id = %id_text,
            method,
            route,
            status = Empty,
            latency_us = Empty,
            decision_id = Empty,
        )
    } else {
        tracing::Span::none()
    };

    let mut response = match InFlight::enter(&guard) {
        None => overloaded(),
        Some(_slot) => match authorized(&guard, route, &request) {
            Err(refusal) => refusal.into_response(),
            Ok(()) => match charge(&guard, route, &mut request) {
                Err(refused) => refused.into_response(),
                Ok(charge) => {
                    let limited = tokio::time::timeout(guard.request_timeout, next.run(request));
                    let response = match AssertUnwindSafe(limited)
                        .catch_unwind()
                        .instrument(span.clone())
                        .await
                    {
                        Ok(Ok(response)) => response,
                        Ok(Err(_elapsed)) => timed_out(guard.request_timeout),
                        // The panic hook has logged where; this says which request.
                        Err(_panic) => {
                            tracing::error!(
                                parent: &span,
                                request_id = %id_text,
                                route,
                                "a handler panicked; answered 500 and still serving"
                            );
                            Problem::internal().into_response()
                        }
                    };
                    hold_until_written(response, charge)
                }
            },
        },
    };
    response
        .headers_mut()
        .insert(REQUEST_ID, request_id.clone());

    let latency = started.elapsed();
    let status = response.status();
    telemetry::record_request(route, method, status, latency);
    let latency_us = latency.as_micros() as u64;
    if detailed {
        span.record("status", status.as_u16());
        span.record("latency_us", latency_us);
    }
    // A 503 (shed, or draining) is expected under load and counted in the metrics; logging each
    // one at error would add work exactly when there is none to spare.
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(
            parent: &span,
            request_id = %id_text,
            route,
            status = status.as_u16(),
            latency_us,
            "answered with a server error"
        );
    } else {
        tracing::debug!(parent: &span, "answered");
    }
    response
}

/// Charges a decision call's body to the memory budget before it is read: its `Content-Length`
/// (a body over the size limit is left to the extractor's 413, uncharged), or, without one, a
/// request's share now and each frame as it arrives. The 503 when the charge does not fit.
fn charge(
    guard: &GuardState,
    route: &str,
    request: &mut Request,
) -> Result<Option<HeldCharge>, Problem> {
    if !reads_body(route) {
        return Ok(None);
    }
    // The body's own length (hyper's, from `Content-Length`) is what the body will be held to;
    // a header alone is not.
    match HttpBody::size_hint(request.body()).exact() {
        Some(length) if length > guard.body_limit as u64 => Ok(None),
        Some(length) => Charge::take(&guard.budget, budget::cost(length))
            .map(|charge| Some(HeldCharge::Owned(charge)))
            .ok_or_else(budget::refusal),
        None => {
            let charge =
                Arc::new(Charge::take(&guard.budget, budget::cost(0)).ok_or_else(budget::refusal)?);
            let body = std::mem::take(request.body_mut());
            *request.body_mut() = Body::new(Metered::new(body, Arc::clone(&charge)));
            Ok(Some(HeldCharge::Shared(charge)))
        }
    }
}

/// Gives a request's charge back once its answer is made, or, for a large answer, keeps the
/// answer's size of it until the answer's last frame is handed to the connection.
fn hold_until_written(response: Response, charge: Option<HeldCharge>) -> Response {
    let Some(charge) = charge else {
        return response;
    };
    let answer = HttpBody::size_hint(response.body())
        .exact()
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if answer <= budget::SMALL_ANSWER {
        return response;
    }
    charge.charge().shrink_to(answer);
    response.map(|body| Body::new(Held::new(body, charge)))
}

fn timed_out(limit: Duration) -> Response {
    telemetry::refused(Refusal::RequestTimeout);
    Problem::http(
        StatusCode::REQUEST_TIMEOUT,
        format!("the request was not complete within the server's timeout of {limit:?}"),
    )
    .into_response()
}

/// The answer to a request beyond `--max-in-flight`: shed at once, never queued.
fn overloaded() -> Response {
    telemetry::refused(Refusal::InFlight);
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

/// Checks the bearer token on a matched route that needs one (an unknown path is a 404, token
/// or not), or answers 401.
fn authorized(guard: &GuardState, route: &str, request: &Request) -> Result<(), Problem> {
    let Some(token) = &guard.api_token else {
        return Ok(());
    };
    if route == "unmatched" || !needs_token(request.uri().path()) {
        return Ok(());
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim());
    match presented {
        Some(credentials) if token.matches(credentials.as_bytes()) => Ok(()),
        Some(_) => Err(unauthorized(
            "the bearer token is not the one configured",
            "Bearer error=\"invalid_token\"",
        )),
        None => Err(unauthorized("send Authorization: Bearer <token>", "Bearer")),
    }
}

fn unauthorized(detail: &str, challenge: &'static str) -> Problem {
    Problem::http(StatusCode::UNAUTHORIZED, detail).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    )
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
