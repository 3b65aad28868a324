//! Issue 14's reproductions, tried as a new user would: decided as upstream Coder's own code
//! decides them (each was answered otherwise before).

use super::*;

/// Monday 2 June 2025, 10:00 UTC.
const MONDAY_10: &str = "2025-06-02T10:00:00Z";

#[tokio::test]
async fn the_schedules_real_templates_write_set_the_target() {
    let app = app();
    for expression in [
        "* 9-17 * * MON-FRI",
        "* */2 * * *",
        "* 9-17 ? * 1-5",
        "* * * JAN-JUN 1-5",
        "* 9-17 * * mon-fri",
    ] {
        let d = scheduled(&app, "UTC", &[(expression, 3)], MONDAY_10).await;
        assert_target(&d, 3, "schedule");
    }
}

#[tokio::test]
async fn a_weekend_schedule_of_zero_deletes_every_prebuild_on_a_saturday() {
    let preset = with(active(1, 1), "scheduling_timezone", json!("UTC"));
    let running: Vec<Value> = (1..=5)
        .map(|n| running(n, &format!("2025-06-0{n}T08:00:00Z")))
        .collect();
    let body = json!({
        "preset": preset,
        "schedules": schedule_rows(&[("* * * * SAT,SUN", 0)]),
        "running": running
    });
    // Saturday 7 June.
    let d = decide_at(&app(), &body, "2025-06-07T10:00:00Z").await;
    assert_decision(
        &d,
        state(json!({
            "actual": 5, "eligible": 5, "extraneous": 5, "target_source": "schedule"
        })),
        json!([delete(&[1, 2, 3, 4, 5])]),
        false,
    );
}

#[tokio::test]
async fn a_schedule_that_does_not_parse_is_skipped_and_the_others_still_apply() {
    let list = &[("0 9-12 * * 1-5", 2), ("* 14-16 * * 1-5", 3)];
    let d = scheduled(&app(), "UTC", list, "2025-06-02T15:00:00Z").await;
    assert_decision(
        &d,
        state(json!({
            "desired": 3, "scheduled_target": 3, "target_source": "schedule",
            "schedule_error":
                r#"schedule 0 ("0 9-12 * * 1-5") is skipped: the minute must be `*`, got `0`"#
        })),
        json!([create(3)]),
        false,
    );
}

#[tokio::test]
async fn names_fail_only_where_upstreams_comparison_of_the_set_reaches_them() {
    let app = app();
    // Months apart: the days are never compared, so the names apply.
    let apart = &[("* 9-12 * 1-6 MON-FRI", 2), ("* 9-12 * 7-12 SAT", 3)];
    assert_target(
        &scheduled(&app, "UTC", apart, MONDAY_10).await,
        2,
        "schedule",
    );
    // Days compared: every schedule is set aside.
    let reached = &[("* 9-12 * * MON-FRI", 2), ("* 14-16 * * MON-FRI", 3)];
    let d = scheduled(&app, "UTC", reached, MONDAY_10).await;
    assert_eq!(d["state"]["desired"], 1, "{d}");
    let error = d["state"]["schedule_error"].as_str().unwrap();
    assert!(
        error.contains("day of week `MON-FRI`") && error.ends_with("set aside"),
        "{error}"
    );
}

#[tokio::test]
async fn a_global_snapshot_with_values_that_look_wrong_decides_every_preset() {
    // A negative schedule target, a negative TTL and a negative pending count: each once
    // refused the whole snapshot with a 422.
    let utc = |preset: Value| with(preset, "scheduling_timezone", json!("UTC"));
    let body = json!({
        "presets": [
            utc(active(1, 2)),
            utc(active(2, 2)),
            with(active(3, 1), "ttl", json!(-1)),
            inactive(4, 1)
        ],
        "running": [
            with(running(1, "2025-06-01T08:00:00Z"), "current_preset_id", json!(preset_id(2))),
            with(running(2, "2000-01-01T00:00:00Z"), "current_preset_id", json!(preset_id(3)))
        ],
        "schedules": owned_schedules(2, &[("* * * * *", -1)]),
        "pending": [{"preset_id": preset_id(4), "count": -2}]
    });
    let decisions = decide_global_at(&app(), &body, NOW).await;
    assert_target(&decisions[0], 2, "default");
    assert_decision(
        &decisions[1],
        state(json!({
            "actual": 1, "desired": -1, "eligible": 1, "extraneous": 2,
            "scheduled_target": -1, "target_source": "schedule"
        })),
        json!([delete(&[1])]),
        false,
    );
    assert_decision(
        &decisions[2],
        state(json!({"actual": 1, "desired": 1, "eligible": 1, "scheduled_target": 1})),
        json!([]),
        false,
    );
    assert_decision(
        &decisions[3],
        state(json!({"scheduled_target": 1})),
        json!([]),
        true,
    );
}
