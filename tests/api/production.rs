//! Running it in production, in-process: request ids, metrics, the timeout, load shedding,
//! panics, the bearer token and CORS.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use prebuild_decider::config::{ApiToken, Config};
use tokio::sync::mpsc;

use crate::helpers::*;

/// A request whose body arrives only when the returned sender sends (or is dropped).
fn stalled_post(uri: &str) -> (Request<Body>, mpsc::Sender<Result<Vec<u8>, std::io::Error>>) {
    let (sender, receiver) = mpsc::channel(1);
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap();
    (request, sender)
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = app();
    let given = Request::get("/healthz")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, given).await.headers["x-request-id"], "abc-123");
    let generated = get(&app, "/healthz").await;
    let id = generated.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let problem = post(&app, "/v1/presets/state", "{").await;
    assert!(
        problem.headers.contains_key("x-request-id"),
        "errors carry the id too"
    );
}

/// The value of the sample `name{labels}` in a Prometheus text exposition, or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_requests_decisions_and_prebuilds() {
    let app = app();
    let before = String::from_utf8(get(&app, "/metrics").await.bytes).unwrap();
    let mut body = snapshot();
    body["preset"]["desired_instances"] = serde_json::json!(7);
    let answer = post_json(
        &app,
        "/v1/presets/reconcile?now=2025-06-02T12:00:00Z",
        &body,
    )
    .await;
    assert_eq!(answer.json["actions"]["create"], 6);
    post(&app, "/v1/presets/reconcile", "{").await.problem(400);
    let scrape = get(&app, "/metrics").await;
    assert!(
        scrape.content_type().starts_with("text/plain"),
        "{}",
        scrape.content_type()
    );
    let after = String::from_utf8(scrape.bytes).unwrap();

    let ok = r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="200"}"#;
    let bad = r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="400"}"#;
    let created = "prebuild_decider_prebuilds_to_create_total";
    let decisions = r#"prebuild_decider_decisions_total{action_type="create"}"#;
    // Other tests share the process's metrics, so counters move by at least this request's share.
    assert!(sample(&after, ok) >= sample(&before, ok) + 1.0, "{after}");
    assert!(sample(&after, bad) >= sample(&before, bad) + 1.0, "{after}");
    assert!(
        sample(&after, created) >= sample(&before, created) + 6.0,
        "{after}"
    );
    assert!(
        sample(&after, decisions) >= sample(&before, decisions) + 1.0,
        "{after}"
    );
    for present in [
        "# TYPE http_request_duration_seconds histogram",
        r#"http_request_duration_seconds_bucket{route="/v1/presets/reconcile",le="0.001"}"#,
        "# TYPE http_requests_in_flight gauge",
        "prebuild_decider_build_info{version=",
    ] {
        assert!(after.contains(present), "{present} missing from {after}");
    }
}

#[tokio::test]
async fn metrics_are_not_on_the_api_when_they_have_a_listener_of_their_own() {
    let app = prebuild_decider::app(Config {
        serve_metrics: false,
        ..Config::default()
    });
    get(&app, "/metrics").await.problem(404);
    let own = prebuild_decider::http::metrics_router();
    assert_eq!(get(&own, "/metrics").await.status, 200);
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_gets_a_408_problem() {
    let app = prebuild_decider::app(Config {
        request_timeout: Duration::from_millis(100),
        ..Config::default()
    });
    let (request, _stalled_body) = stalled_post("/v1/presets/reconcile");
    let answer = send(&app, request).await;
    answer.problem(408);
    assert_eq!(
        post_json(&app, "/v1/presets/reconcile", &snapshot())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn requests_past_the_in_flight_limit_are_shed_with_503_then_served_again() {
    let app = prebuild_decider::app(Config {
        max_in_flight: 2,
        ..Config::default()
    });
    let mut held = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let (request, body) = stalled_post("/v1/presets/reconcile?now=2025-06-02T12:00:00Z");
        held.push(tokio::spawn({
            let app = app.clone();
            async move { send(&app, request).await }
        }));
        bodies.push(body);
    }
    // Wait until both hold their slot.
    let mut shed = None;
    for _ in 0..100 {
        let answer = get(&app, "/healthz").await;
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            shed = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let shed = shed.expect("a third request is shed while two are in flight");
    shed.problem(503);
    assert_eq!(shed.headers[header::RETRY_AFTER], "1");
    post_json(&app, "/v1/presets/state", &snapshot())
        .await
        .problem(503);

    for body in bodies {
        body.send(Ok(snapshot().to_string().into_bytes()))
            .await
            .unwrap();
    }
    for request in held {
        assert_eq!(
            request.await.unwrap().status,
            200,
            "held requests finish normally"
        );
    }
    assert_eq!(
        post_json(&app, "/v1/presets/state", &snapshot())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_panic_is_answered_500_and_the_app_keeps_serving() {
    let app = prebuild_decider::app(Config {
        debug_endpoints: true,
        ..Config::default()
    });
    let answer = post(&app, "/debug/panic", "").await;
    let problem = answer.problem(500);
    assert!(
        !problem["detail"]
            .as_str()
            .unwrap()
            .contains("debug/panic was called"),
        "no internals leak"
    );
    assert_eq!(get(&app, "/healthz").await.status, 200);
    assert_eq!(
        post_json(&app, "/v1/presets/state", &snapshot())
            .await
            .status,
        200
    );
    // Without the flag the route does not exist.
    post(&crate::helpers::app(), "/debug/panic", "")
        .await
        .problem(404);
}

#[tokio::test]
async fn with_a_token_the_api_needs_it_and_the_rest_stays_open() {
    let app = prebuild_decider::app(Config {
        api_token: ApiToken::new("s3cret"),
        ..Config::default()
    });
    let call = |authorization: Option<&str>, uri: &str| {
        let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        request.body(Body::from(snapshot().to_string())).unwrap()
    };
    let missing = send(&app, call(None, "/v1/presets/reconcile")).await;
    missing.problem(401);
    assert_eq!(missing.headers[header::WWW_AUTHENTICATE], "Bearer");
    for wrong in [
        "Bearer nope",
        "Bearer s3cret2",
        "Basic s3cret",
        "s3cret",
        "Bearer",
    ] {
        let answer = send(&app, call(Some(wrong), "/v1/presets/state")).await;
        answer.problem(401);
        assert!(
            answer.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    for right in ["Bearer s3cret", "bearer s3cret"] {
        assert_eq!(
            send(&app, call(Some(right), "/v1/presets/state"))
                .await
                .status,
            200,
            "{right}"
        );
    }
    // Auth runs on matched routes (so a 401 is counted under its route): an unknown path is a 404.
    send(&app, call(None, "/v1/unknown")).await.problem(404);
    for open in [
        "/healthz",
        "/readyz",
        "/api-docs/openapi.json",
        "/swagger-ui/",
    ] {
        assert_eq!(get(&app, open).await.status, 200, "{open}");
    }
    get(&app, "/metrics").await.problem(401);
    let scrape = Request::get("/metrics")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, scrape).await.status, 200);
}

#[tokio::test]
async fn cors_is_off_by_default_and_answers_allowed_origins_when_configured() {
    let preflight = |origin: &str| {
        Request::options("/v1/presets/reconcile")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,authorization",
            )
            .body(Body::empty())
            .unwrap()
    };
    let off = send(&app(), preflight("https://ui.example")).await;
    assert!(
        !off.headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );

    let config = Config {
        cors_allow_origins: vec!["https://ui.example".parse().unwrap()],
        api_token: ApiToken::new("t"),
        ..Config::default()
    };
    let app = prebuild_decider::app(config);
    let allowed = send(&app, preflight("https://ui.example")).await;
    assert_eq!(allowed.status, 200, "preflight needs no token");
    assert_eq!(
        allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://ui.example"
    );
    let other = send(&app, preflight("https://evil.example")).await;
    assert!(
        !other
            .headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
    let refused = Request::post("/v1/presets/state")
        .header(header::ORIGIN, "https://ui.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let answer = send(&app, refused).await;
    answer.problem(401);
    assert_eq!(
        answer.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://ui.example",
        "a refusal is readable by the page"
    );
}

#[test]
fn every_registered_route_has_a_metrics_label() {
    let document: serde_json::Value =
        serde_json::from_str(&prebuild_decider::http::openapi_json()).unwrap();
    for path in document["paths"].as_object().unwrap().keys() {
        assert_eq!(
            prebuild_decider::http::middleware::route_label(path),
            path.as_str()
        );
    }
}

/// Each label in the list names a route the router has: a request to it is matched (it is not
/// the fallback's "no such path"), so the list holds no stale entry.
#[tokio::test]
async fn every_metrics_label_is_a_route_the_router_has() {
    let app = prebuild_decider::app(Config {
        debug_endpoints: true,
        ..Config::default()
    });
    for route in prebuild_decider::http::middleware::ROUTES {
        let path = route.replace("{*rest}", "index.html");
        let answer = get(&app, &path).await;
        let fallback = answer.status == 404
            && answer.json["detail"]
                .as_str()
                .is_some_and(|detail| detail.starts_with("no such path"));
        assert!(!fallback, "{route} is not routed: {}", answer.json);
    }
}
