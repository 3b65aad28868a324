//! The endpoints answer as the contract says: the examples decide, echoes are Go's forms, health
//! and readiness report, Swagger UI is served from the binary.

use chrono::{DateTime, Utc};
use prebuild_decider::config::Config;
use serde_json::{Value, json};

use crate::helpers::*;

fn example(name: &str) -> Value {
    let path = format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_examples_decide_as_the_readme_says() {
    let app = app();
    let now = "now=2025-06-02T12:00:00Z";
    let mut answer = post_json(
        &app,
        &format!("/v1/presets/reconcile?{now}"),
        &example("preset-snapshot.json"),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    let decision_id = answer
        .json
        .as_object_mut()
        .unwrap()
        .remove("decision_id")
        .unwrap();
    assert_eq!(
        answer.headers["x-decision-id"],
        decision_id.as_str().unwrap()
    );
    assert_eq!(
        answer.json,
        json!({
            "preset_id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
            "state": {"actual": 2, "desired": 3, "eligible": 1, "extraneous": 0, "starting": 0, "stopping": 1, "deleting": 0},
            "actions": {"action_type": "create", "create": 1},
            "noop": false,
            "evaluated_at": "2025-06-02T12:00:00Z",
            "backoff_interval": "1m0s"
        })
    );
    let go = post_json(
        &app,
        &format!("/v1/presets/reconcile?{now}"),
        &example("preset-snapshot-go.json"),
    )
    .await;
    assert_eq!(
        go.json["actions"],
        json!({"action_type": "delete", "delete_ids": ["5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a"]})
    );
    let global = post_json(
        &app,
        &format!("/v1/global/reconcile?{now}"),
        &example("global-snapshot.json"),
    )
    .await;
    let actions: Vec<_> = global.json["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["actions"]["action_type"].clone())
        .collect();
    assert_eq!(actions, ["create", "delete", "backoff"]);
    assert_eq!(
        global.json["decisions"][2]["actions"]["backoff_until"],
        "2025-06-02T12:01:00Z"
    );
}

#[tokio::test]
async fn the_three_preset_calls_agree() {
    let app = app();
    let body = example("preset-snapshot.json");
    let query = "?now=2025-06-02T12:00:00Z&backoff_interval=90s";
    let state = post_json(&app, "/v1/presets/state", &body).await.json;
    let actions = post_json(&app, &format!("/v1/presets/actions{query}"), &body)
        .await
        .json;
    let decision = post_json(&app, &format!("/v1/presets/reconcile{query}"), &body)
        .await
        .json;
    assert_eq!(decision["state"], state);
    for field in ["actions", "noop", "evaluated_at", "backoff_interval"] {
        assert_eq!(decision[field], actions[field], "{field}");
    }
    assert_eq!(actions["backoff_interval"], "1m30s");
}

#[tokio::test]
async fn now_and_the_interval_are_echoed_in_gos_forms() {
    let app = app();
    for (query, evaluated_at, interval) in [
        (
            "now=2025-06-02T12:00:00.500Z&backoff_interval=0",
            "2025-06-02T12:00:00.5Z",
            "0s",
        ),
        (
            "now=2025-06-02T14:00:00%2B02:00&backoff_interval=1.5h",
            "2025-06-02T14:00:00+02:00",
            "1h30m0s",
        ),
        (
            "now=2025-06-02T12:00:00-00:00&backoff_interval=250ms",
            "2025-06-02T12:00:00Z",
            "250ms",
        ),
        (
            "now=2025-06-02T12:00:00.000000001Z&backoff_interval=1500us",
            "2025-06-02T12:00:00.000000001Z",
            "1.5ms",
        ),
    ] {
        let answer = post_json(&app, &format!("/v1/presets/actions?{query}"), &snapshot()).await;
        assert_eq!(answer.json["evaluated_at"], evaluated_at, "{query}");
        assert_eq!(answer.json["backoff_interval"], interval, "{query}");
    }
}

#[tokio::test]
async fn without_now_the_server_clock_decides_and_without_an_interval_the_configured_one() {
    let app = prebuild_decider::app(Config {
        backoff_interval: prebuild_decider::domain::GoDuration::from_nanos(90_000_000_000),
        ..Config::default()
    });
    let before = Utc::now();
    let answer = post_json(&app, "/v1/presets/reconcile", &snapshot()).await;
    let after = Utc::now();
    let evaluated_at: DateTime<Utc> = answer.json["evaluated_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        before <= evaluated_at && evaluated_at <= after,
        "{evaluated_at} not within [{before}, {after}]"
    );
    assert_eq!(answer.json["backoff_interval"], "1m30s");
}

#[tokio::test]
async fn unknown_fields_and_query_parameters_are_ignored() {
    let mut body = snapshot();
    body["extra"] = json!({"deep": [1, 2, {"x": null}]});
    body["running"][0]["another"] = json!("x");
    // An unknown column holding a number past f64 is skipped, not evaluated.
    let text = body
        .to_string()
        .replacen("{", "{\"column_added_later\": 1e400, ", 1);
    let answer = post(
        &app(),
        "/v1/presets/reconcile?now=2025-06-02T12:00:00Z&verbose=1",
        text,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["actions"]["create"], 1);
}

#[tokio::test]
async fn health_is_ok_and_readiness_turns_503_once_shutdown_begins() {
    let config = Config::default();
    let readiness = config.readiness.clone();
    let app = prebuild_decider::app(config);
    let health = get(&app, "/healthz").await;
    assert_eq!(
        (health.status.as_u16(), health.json.clone()),
        (200, json!({"status": "ok"}))
    );
    assert_eq!(get(&app, "/readyz").await.status, 200);
    readiness.start_shutdown();
    get(&app, "/readyz").await.problem(503);
    assert_eq!(
        get(&app, "/healthz").await.status,
        200,
        "liveness stays up while draining"
    );
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary_and_fetches_nothing_outside() {
    let app = app();
    let page = get(&app, "/swagger-ui/").await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.bytes.clone()).unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let initializer = get(&app, "/swagger-ui/swagger-initializer.js").await;
    let script = String::from_utf8(initializer.bytes).unwrap();
    assert!(script.contains("/api-docs/openapi.json"), "{script}");
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ] {
        let answer = get(&app, &format!("/swagger-ui/{asset}")).await;
        assert_eq!(answer.status, 200, "{asset}");
        assert!(answer.bytes.len() > 1000, "{asset} is served");
    }
    for text in [&html, &script] {
        for prefix in ["src=\"http", "href=\"http", "url: \"http", "url: 'http"] {
            assert!(
                !text.contains(prefix),
                "references an outside URL ({prefix}): {text}"
            );
        }
    }
    assert_eq!(get(&app, "/swagger-ui").await.status, 303);
}
