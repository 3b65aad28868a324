//! Decision ids and explanations on v2.

use super::*;

fn v7(value: &Value) -> Uuid {
    let id = Uuid::parse_str(value.as_str().unwrap_or_default())
        .unwrap_or_else(|_| panic!("not a UUID: {value}"));
    assert_eq!(id.get_version_num(), 7, "{id} is not a UUID v7");
    id
}

fn example(name: &str) -> Value {
    let text = match name {
        "preset" => include_str!("../../../examples/v2-preset-snapshot.json"),
        _ => include_str!("../../../examples/v2-global-snapshot.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// Monday 2 June 16:00 UTC: 09:00 in Los Angeles, when the examples' schedule holds.
const NINE_IN_LA: &str = "2025-06-02T16:00:00Z";

#[tokio::test]
async fn every_v2_decision_carries_its_own_v7_id_in_the_body_and_header() {
    let app = app();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let answer = post_json(&app, PRESET, &example("preset")).await;
        assert_eq!(answer.status, 200);
        let id = v7(&answer.json["decision_id"]);
        assert_eq!(answer.headers["x-decision-id"], id.to_string().as_str());
        assert!(seen.insert(id), "ids are unique");
    }
}

#[tokio::test]
async fn a_v2_global_answer_has_its_id_in_the_header_and_one_per_decision() {
    let answer = post_json(&app(), GLOBAL, &example("global")).await;
    assert_eq!(answer.status, 200);
    let top = v7(&answer.json["decision_id"]);
    assert_eq!(answer.headers["x-decision-id"], top.to_string().as_str());
    let ids: std::collections::HashSet<_> = answer.json["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| v7(&d["decision_id"]))
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&top));
}

/// `decision` without the fields that differ between calls or by `explain`.
fn comparable(decision: &Value) -> Value {
    let mut decision = decision.clone();
    let object = decision.as_object_mut().unwrap();
    object.remove("decision_id");
    object.remove("explanation");
    decision
}

fn rules(decision: &Value) -> Vec<String> {
    decision["explanation"]
        .as_array()
        .unwrap_or_else(|| panic!("no explanation in {decision}"))
        .iter()
        .map(|step| step["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_explanation_names_the_local_time_and_the_matching_schedule_and_changes_nothing() {
    let app = app();
    let query = format!("now={NINE_IN_LA}");
    let plain = decided(&app, &format!("{PRESET}?{query}"), &example("preset")).await;
    let unasked = decided(
        &app,
        &format!("{PRESET}?{query}&explain=false"),
        &example("preset"),
    )
    .await;
    let explained = decided(
        &app,
        &format!("{PRESET}?{query}&explain=true"),
        &example("preset"),
    )
    .await;
    assert!(plain.get("explanation").is_none() && unasked.get("explanation").is_none());
    assert_eq!(comparable(&explained), comparable(&plain));
    assert_eq!(comparable(&unasked), comparable(&plain));
    // The example: one prebuild invalidated, 3 wanted by the 09:00–13:59 schedule, one
    // starting.
    assert_eq!(
        plain["actions"],
        json!([
            {"action_type": "delete", "delete_ids": ["5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a"]},
            create(1)
        ])
    );
    assert_eq!(
        rules(&explained),
        ["expiry", "target", "backoff", "active", "expiry", "create"]
    );
    let steps = &explained["explanation"];
    let expiry = steps[0]["detail"].as_str().unwrap();
    assert!(
        expiry.contains("1 of 2")
            && expiry.contains("86400")
            && expiry.contains("2025-06-01T00:00:00Z"),
        "{expiry}"
    );
    let target = steps[1]["detail"].as_str().unwrap();
    for named in [
        "2025-06-02 09:00:00",
        "PDT",
        "America/Los_Angeles",
        "schedule 0",
        "* 9-13 * * 1-5",
    ] {
        assert!(target.contains(named), "{named:?} not in {target:?}");
    }
    let create_step = steps[5]["detail"].as_str().unwrap();
    assert!(create_step.contains("create 1"), "{create_step}");
}

#[tokio::test]
async fn an_explanation_of_an_unmatched_hour_says_no_schedule_matched() {
    let query = "now=2025-06-02T15:00:00Z&explain=true";
    let explained = decided(&app(), &format!("{PRESET}?{query}"), &example("preset")).await;
    let target = explained["explanation"][1]["detail"].as_str().unwrap();
    assert!(
        target.contains("08:00:00") && target.contains("no schedule"),
        "{target}"
    );
    assert_eq!(explained["state"]["target_source"], "default");
}

#[tokio::test]
async fn explanations_of_inactive_hard_limited_and_backing_off_presets_name_their_rules() {
    let app = app();
    let uri = format!("{PRESET}?now={NOW}&backoff_interval=5m&explain=true");
    let inactive_body = json!({
        "preset": inactive(1, 1),
        "pending_count": 2,
        "running": [running(0, "2025-06-02T11:00:00Z")]
    });
    let d = decided(&app, &uri, &inactive_body).await;
    assert_eq!(
        rules(&d),
        [
            "expiry",
            "target",
            "backoff",
            "inactive",
            "cancel_pending",
            "delete_all"
        ]
    );
    assert_eq!(d["actions"], json!([cancel_pending(2), delete(&[0])]));
    let limited = json!({"preset": active(1, 5), "is_hard_limited": true});
    let d = decided(&app, &uri, &limited).await;
    assert_eq!(
        rules(&d),
        ["expiry", "target", "backoff", "active", "hard_limit"]
    );
    let backing_off = json!({
        "preset": active(1, 5),
        "backoff": {"num_failed": 3, "last_build_at": "2025-06-02T11:59:00Z"}
    });
    let d = decided(&app, &uri, &backing_off).await;
    assert_eq!(rules(&d), ["expiry", "target", "backoff"]);
    let detail = d["explanation"][2]["detail"].as_str().unwrap();
    assert!(detail.contains("2025-06-02T12:14:00Z"), "{detail}");
}

#[tokio::test]
async fn a_global_explanation_names_each_presets_schedule_by_its_row_in_the_list() {
    let app = app();
    let query = format!("now={NINE_IN_LA}");
    let plain = decided(&app, &format!("{GLOBAL}?{query}"), &example("global")).await;
    let explained = decided(
        &app,
        &format!("{GLOBAL}?{query}&explain=true"),
        &example("global"),
    )
    .await;
    assert!(explained.get("explanation").is_none());
    let decisions = |answer: &Value| -> Vec<Value> {
        answer["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(comparable)
            .collect()
    };
    assert_eq!(decisions(&explained), decisions(&plain));
    let first = &explained["decisions"][0];
    let target = first["explanation"][1]["detail"].as_str().unwrap();
    assert!(
        target.contains("America/Los_Angeles") && target.contains("schedule 0"),
        "{target}"
    );
    let second = &explained["decisions"][1];
    assert_eq!(
        rules(second),
        [
            "expiry",
            "target",
            "backoff",
            "inactive",
            "cancel_pending",
            "delete_all"
        ]
    );
    assert_eq!(
        second["actions"],
        json!([
            cancel_pending(2),
            {"action_type": "delete", "delete_ids": ["2f3e4d5c-6b7a-4899-aabb-ccddeeff0011"]}
        ])
    );
}
