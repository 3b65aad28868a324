//! Beyond the seed, v1 side: decision ids (body, header, log line), explanations on request,
//! and `/v1/version`.

use std::collections::HashSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn v7(value: &Value) -> Uuid {
    let id = Uuid::parse_str(value.as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("not a UUID: {value}"));
    assert_eq!(id.get_version_num(), 7, "{id} is not a UUID v7");
    id
}

#[tokio::test]
async fn every_decision_carries_its_own_v7_id_in_the_body_and_header() {
    let app = app();
    let mut seen = HashSet::new();
    for endpoint in ["/v1/presets/reconcile", "/v1/presets/actions"] {
        for _ in 0..3 {
            let answer = post_json(&app, endpoint, &snapshot()).await;
            let id = v7(&answer.json["decision_id"]);
            assert_eq!(answer.headers["x-decision-id"], id.to_string().as_str());
            assert!(seen.insert(id), "ids are unique");
        }
    }
    let state = post_json(&app, "/v1/presets/state", &snapshot()).await;
    assert!(
        state.json.get("decision_id").is_none() && !state.headers.contains_key("x-decision-id"),
        "a state is not a decision"
    );
}

#[tokio::test]
async fn a_global_answer_has_an_id_and_so_does_each_decision_in_it() {
    let body: Value =
        serde_json::from_str(include_str!("../../examples/global-snapshot.json")).unwrap();
    let answer = post_json(&app(), "/v1/global/reconcile", &body).await;
    let top = v7(&answer.json["decision_id"]);
    assert_eq!(answer.headers["x-decision-id"], top.to_string().as_str());
    let ids: HashSet<_> = answer.json["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| v7(&d["decision_id"]))
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(!ids.contains(&top));
}

#[tokio::test]
async fn explanations_come_only_when_asked_and_never_change_the_decision() {
    let app = app();
    let mut body = snapshot();
    body["backoff"] = json!({"num_failed": 2, "last_build_at": "2025-06-02T11:59:00Z"});
    let query = "now=2025-06-02T12:00:00Z&backoff_interval=1m";
    for endpoint in ["/v1/presets/reconcile", "/v1/presets/actions"] {
        let plain = post_json(&app, &format!("{endpoint}?{query}"), &body)
            .await
            .json;
        let unasked = post_json(&app, &format!("{endpoint}?{query}&explain=false"), &body)
            .await
            .json;
        let explained = post_json(&app, &format!("{endpoint}?{query}&explain=true"), &body)
            .await
            .json;
        assert!(plain.get("explanation").is_none() && unasked.get("explanation").is_none());
        assert_eq!(explained["actions"], plain["actions"]);
        assert_eq!(explained["noop"], plain["noop"]);
        assert_eq!(
            explained["explanation"],
            json!([{
                "rule": "backoff",
                "detail": "2 failures, last at 2025-06-02T11:59:00Z, window 2 × 1m0s, until 2025-06-02T12:01:00Z, now (2025-06-02T12:00:00Z) is not after it: back off"
            }]),
            "{endpoint}"
        );
    }
    let global: Value =
        serde_json::from_str(include_str!("../../examples/global-snapshot.json")).unwrap();
    let answer = post_json(
        &app,
        &format!("/v1/global/reconcile?{query}&explain=true"),
        &global,
    )
    .await
    .json;
    let rules = |i: usize| -> Vec<String> {
        answer["decisions"][i]["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(rules(0), ["backoff", "active", "create"]);
    assert_eq!(rules(1), ["backoff", "inactive", "delete_all"]);
    assert_eq!(
        answer["decisions"][1]["explanation"][1]["detail"],
        "template version is not active (not the active version)"
    );
    assert_eq!(rules(2), ["backoff"]);
}

#[tokio::test]
async fn explain_must_be_true_or_false() {
    let app = app();
    for bad in ["yes", "1", "TRUE", ""] {
        let answer = post_json(
            &app,
            &format!("/v1/presets/reconcile?explain={bad}"),
            &snapshot(),
        )
        .await;
        assert_eq!(
            answer.problem(400)["errors"][0]["parameter"],
            "explain",
            "{bad:?}"
        );
    }
    post_json(
        &app,
        "/v1/presets/actions?explain=true&explain=false",
        &snapshot(),
    )
    .await
    .problem(400);
}

#[tokio::test]
async fn version_names_the_build_and_both_rule_sets() {
    let answer = get(&app(), "/v1/version").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        answer.json["commit"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let names: Vec<_> = answer.json["rule_sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, [json!("v1"), json!("v2")]);
    assert!(
        answer.json["rule_sets"][0]["source"]
            .as_str()
            .unwrap()
            .contains("preset_snapshot.go")
    );
}
