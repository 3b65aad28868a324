//! The rules' order and edges beyond the listed cases, through HTTP.

use super::*;

#[tokio::test]
async fn an_inactive_preset_deletes_every_prebuild_expired_ones_included_oldest_first() {
    // TTL 60 s: rows 1 and 3 are expired; all four go, oldest first, after the cancel.
    let preset = with(inactive(1, 2), "ttl", json!(60));
    let body = json!({
        "preset": preset,
        "pending_count": 3,
        "running": [
            running(0, "2025-06-02T11:59:30Z"),
            running(1, "2025-06-02T11:00:00Z"),
            running(2, "2025-06-02T11:59:10Z"),
            running(3, "2025-06-02T10:00:00Z")
        ]
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({"actual": 4, "expired": 2, "scheduled_target": 2})),
        json!([cancel_pending(3), delete(&[3, 1, 2, 0])]),
        false,
    );
}

#[tokio::test]
async fn expired_prebuilds_are_deleted_in_input_order_and_extraneous_ones_oldest_first() {
    // TTL 30 s. Expired: rows 0 (11:59:20) and 2 (11:00), listed in that order. Live: rows
    // 1, 3, 4 and 5; two too many for a target of 2, ties in input order.
    let preset = with(active(1, 2), "ttl", json!(30));
    let body = json!({
        "preset": preset,
        "running": [
            running(0, "2025-06-02T11:59:20Z"),
            running(1, "2025-06-02T11:59:50Z"),
            running(2, "2025-06-02T11:00:00Z"),
            running(3, "2025-06-02T11:59:40Z"),
            running(4, "2025-06-02T11:59:40Z"),
            running(5, "2025-06-02T11:59:45Z")
        ]
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({
            "actual": 6, "desired": 2, "eligible": 4, "extraneous": 2, "expired": 2,
            "scheduled_target": 2
        })),
        json!([delete(&[0, 2]), delete(&[3, 4])]),
        false,
    );
}

#[tokio::test]
async fn a_prebuild_exactly_ttl_old_is_live_and_one_nanosecond_older_is_expired() {
    let preset = with(active(1, 2), "ttl", json!(5));
    let body = json!({
        "preset": preset,
        "running": [
            running(0, "2025-06-02T11:59:55Z"),
            running(1, "2025-06-02T11:59:54.999999999Z")
        ]
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(
            json!({"actual": 2, "desired": 2, "eligible": 1, "expired": 1, "scheduled_target": 2}),
        ),
        json!([delete(&[1]), create(1)]),
        false,
    );
}

#[tokio::test]
async fn invalidation_is_strict_and_compares_instants_in_any_offset() {
    // 13:00+02:00 is 11:00Z: row 0 is before it; row 1, at that very instant, is not.
    let preset = with(
        active(1, 2),
        "last_invalidated_at",
        json!("2025-06-02T13:00:00+02:00"),
    );
    let body = json!({
        "preset": preset,
        "running": [running(0, "2025-06-02T10:59:59Z"), running(1, "2025-06-02T11:00:00Z")]
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(
            json!({"actual": 2, "desired": 2, "eligible": 1, "expired": 1, "scheduled_target": 2}),
        ),
        json!([delete(&[0]), create(1)]),
        false,
    );
}

#[tokio::test]
async fn eligible_counts_ready_live_prebuilds_and_creates_count_those_starting() {
    let preset = with(active(1, 4), "ttl", json!(60));
    let mut not_ready = running(1, "2025-06-02T11:59:30Z");
    not_ready["ready"] = json!(false);
    let body = json!({
        "preset": preset,
        "running": [running(0, "2025-06-02T11:00:00Z"), not_ready, running(2, "2025-06-02T11:59:50Z")],
        "in_progress": [
            {"transition": "start", "count": 1},
            {"transition": "stop", "count": 2},
            {"transition": "delete", "count": 3}
        ]
    });
    let d = decide_at(&app(), &body, NOW).await;
    // 4 desired − 2 live − 1 starting = 1.
    assert_decision(
        &d,
        state(json!({
            "actual": 3, "desired": 4, "eligible": 1, "expired": 1, "scheduled_target": 4,
            "starting": 1, "stopping": 2, "deleting": 3
        })),
        json!([delete(&[0]), create(1)]),
        false,
    );
}

#[tokio::test]
async fn a_hard_limited_preset_still_deletes_expired_and_extraneous_prebuilds() {
    let preset = with(active(1, 1), "ttl", json!(60));
    let body = json!({
        "preset": preset,
        "is_hard_limited": true,
        "running": [
            running(0, "2025-06-02T11:00:00Z"),
            running(1, "2025-06-02T11:59:50Z"),
            running(2, "2025-06-02T11:59:40Z")
        ]
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({
            "actual": 3, "desired": 1, "eligible": 2, "extraneous": 1, "expired": 1,
            "scheduled_target": 1, "hard_limited": true
        })),
        json!([delete(&[0]), delete(&[2])]),
        false,
    );
}

#[tokio::test]
async fn backoff_comes_first_and_alone_even_before_cancelling_pending_jobs() {
    let app = app();
    let failures = json!({"num_failed": 2, "last_build_at": "2025-06-02T11:59:00Z"});
    let uri = format!("{PRESET}?now={NOW}&backoff_interval=1m");
    let inactive_body = json!({
        "preset": with(inactive(1, 0), "ttl", json!(5)),
        "pending_count": 2,
        "running": [running(0, "2025-06-02T11:00:00Z")],
        "backoff": failures
    });
    let d = decided(&app, &uri, &inactive_body).await;
    assert_decision(
        &d,
        state(json!({"actual": 1, "expired": 1})),
        json!([backoff("2025-06-02T12:01:00Z")]),
        false,
    );
    let active_body = json!({
        "preset": with(active(1, 3), "ttl", json!(5)),
        "running": [running(0, "2025-06-02T11:00:00Z")],
        "backoff": failures
    });
    let d = decided(&app, &uri, &active_body).await;
    assert_decision(
        &d,
        state(json!({"actual": 1, "desired": 3, "expired": 1, "scheduled_target": 3})),
        json!([backoff("2025-06-02T12:01:00Z")]),
        false,
    );
    // The window holds at its last instant (as in v1) and is over one nanosecond later.
    let at_end = decided(
        &app,
        &format!("{PRESET}?now=2025-06-02T12:01:00Z&backoff_interval=1m"),
        &active_body,
    )
    .await;
    assert_eq!(at_end["actions"], json!([backoff("2025-06-02T12:01:00Z")]));
    let after = decided(
        &app,
        &format!("{PRESET}?now=2025-06-02T12:01:00.000000001Z&backoff_interval=1m"),
        &active_body,
    )
    .await;
    assert_eq!(after["actions"], json!([delete(&[0]), create(3)]));
}

#[tokio::test]
async fn go_native_bodies_carry_v2s_fields_on_their_preset() {
    let preset = with(
        with(active(1, 2), "ttl", json!(60)),
        "scheduling_timezone",
        json!("UTC"),
    );
    let body = json!({
        "Preset": preset,
        "Running": [running(0, "2025-06-02T11:00:00Z")],
        "InProgress": null,
        "Backoff": null,
        "schedules": schedule_rows(&[("* 12 * * 1", 3)])
    });
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({
            "actual": 1, "desired": 3, "expired": 1, "scheduled_target": 3,
            "target_source": "schedule"
        })),
        json!([delete(&[0]), create(3)]),
        false,
    );
}

#[tokio::test]
async fn a_single_snapshots_schedules_apply_whatever_preset_id_they_carry() {
    let preset = with(active(1, 1), "scheduling_timezone", json!("UTC"));
    let body = json!({"preset": preset, "schedules": [
        {"preset_id": preset_id(9), "cron_expression": "* 12 * * *", "desired_instances": 4}
    ]});
    assert_target(&decide_at(&app(), &body, NOW).await, 4, "schedule");
}
