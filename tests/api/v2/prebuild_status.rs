//! `prebuild_status`: a preset that failed template validation creates nothing, as upstream's
//! reconciler skips its create, and says so.

use super::*;

#[tokio::test]
async fn a_preset_that_failed_validation_deletes_but_creates_nothing_and_says_why() {
    let app = app();
    let preset = with(
        with(active(1, 3), "ttl", json!(3600)),
        "prebuild_status",
        json!("validation_failed"),
    );
    let body = json!({
        "preset": preset,
        "running": [running(1, "2025-06-02T08:00:00Z"), running(2, "2025-06-02T11:30:00Z")]
    });
    let d = decided(&app, &format!("{PRESET}?now={NOW}&explain=true"), &body).await;
    assert_decision(
        &d,
        state(json!({
            "actual": 2, "desired": 3, "eligible": 1, "expired": 1, "scheduled_target": 3,
            "validation_failed": true
        })),
        json!([delete(&[1])]),
        false,
    );
    let step = d["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["rule"] == "validation_failed")
        .unwrap_or_else(|| panic!("no validation_failed step in {d}"));
    assert!(
        step["detail"].as_str().unwrap().contains("would create 2"),
        "{step}"
    );
    // The Go-native body carries it on `Preset`.
    let native = json!({"Preset": body["preset"], "Running": body["running"]});
    assert_eq!(
        decide_at(&app, &native, NOW).await["actions"],
        json!([delete(&[1])])
    );
}

#[tokio::test]
async fn healthy_absent_null_and_hard_limited_statuses_create_as_usual() {
    let app = app();
    for status in [json!("healthy"), json!(null), json!("hard_limited")] {
        let preset = with(active(1, 2), "prebuild_status", status);
        assert_target(
            &decide_at(&app, &json!({"preset": preset}), NOW).await,
            2,
            "default",
        );
    }
    assert_target(
        &decide_at(&app, &json!({"preset": active(1, 2)}), NOW).await,
        2,
        "default",
    );
}

#[tokio::test]
async fn in_a_global_call_each_preset_has_its_own_status() {
    let body = json!({
        "presets": [
            with(active(1, 2), "prebuild_status", json!("validation_failed")),
            active(2, 2),
            with(active(3, 2), "prebuild_status", json!("validation_failed"))
        ],
        "hard_limited": [preset_id(3)]
    });
    let decisions = decide_global_at(&app(), &body, NOW).await;
    let flags: Vec<_> = decisions
        .iter()
        .map(|d| {
            (
                d["state"]["validation_failed"].clone(),
                d["actions"].clone(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            (json!(true), json!([])),
            (json!(false), json!([create(2)])),
            (json!(true), json!([]))
        ]
    );
    assert_eq!(decisions[2]["state"]["hard_limited"], true);
}

#[tokio::test]
async fn an_unknown_prebuild_status_is_a_422_at_its_pointer() {
    let app = app();
    for bad in [
        json!("broken"),
        json!("VALIDATION_FAILED"),
        json!(""),
        json!(5),
        json!(true),
    ] {
        let preset = with(active(1, 1), "prebuild_status", bad.clone());
        post_json(&app, PRESET, &json!({"preset": preset}))
            .await
            .problem_at(422, "/preset/prebuild_status");
        post_json(&app, PRESET, &json!({"Preset": preset}))
            .await
            .problem_at(422, "/Preset/prebuild_status");
        post_json(&app, GLOBAL, &json!({"presets": [active(2, 1), preset]}))
            .await
            .problem_at(422, "/presets/1/prebuild_status");
    }
}
