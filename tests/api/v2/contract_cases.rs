//! The contract's "Cases from Coder's own tests", each through the router.

use super::*;

/// TTL 5 s at NOW, desired `desired`; `ages` are the running rows' ages in seconds, rows
/// numbered from 0 in input order.
async fn ttl_case(app: &Router, desired: i32, ages: &[u32]) -> Value {
    let rows: Vec<Value> = ages
        .iter()
        .zip(0..)
        .map(|(age, n)| {
            let created = format!("2025-06-02T11:59:{:02}Z", 60 - age);
            running(n, &created)
        })
        .collect();
    let preset = with(active(1, desired), "ttl", json!(5));
    decide_at(app, &json!({"preset": preset, "running": rows}), NOW).await
}

#[tokio::test]
async fn expiry_two_live_at_a_target_of_two_need_nothing() {
    let d = ttl_case(&app(), 2, &[1, 2]).await;
    assert_decision(
        &d,
        state(json!({"actual": 2, "desired": 2, "eligible": 2, "scheduled_target": 2})),
        json!([]),
        false,
    );
}

#[tokio::test]
async fn expiry_one_expired_of_two_is_deleted_and_replaced() {
    let d = ttl_case(&app(), 2, &[10, 2]).await;
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
async fn expiry_two_expired_of_two_are_deleted_and_replaced() {
    let d = ttl_case(&app(), 2, &[10, 10]).await;
    assert_decision(
        &d,
        state(json!({"actual": 2, "desired": 2, "expired": 2, "scheduled_target": 2})),
        json!([delete(&[0, 1]), create(2)]),
        false,
    );
}

#[tokio::test]
async fn expiry_two_expired_of_four_at_a_target_of_two_are_deleted_and_nothing_created() {
    let d = ttl_case(&app(), 2, &[10, 10, 3, 1]).await;
    assert_decision(
        &d,
        state(
            json!({"actual": 4, "desired": 2, "eligible": 2, "expired": 2, "scheduled_target": 2}),
        ),
        json!([delete(&[0, 1])]),
        false,
    );
}

#[tokio::test]
async fn expiry_one_expired_of_four_is_deleted_then_the_oldest_live_one() {
    // Live rows 1, 2, 3 are 2, 4 and 1 seconds old: row 2 is the oldest live one.
    let d = ttl_case(&app(), 2, &[10, 2, 4, 1]).await;
    assert_decision(
        &d,
        state(json!({
            "actual": 4, "desired": 2, "eligible": 3, "extraneous": 1, "expired": 1,
            "scheduled_target": 2
        })),
        json!([delete(&[0]), delete(&[2])]),
        false,
    );
}

#[tokio::test]
async fn invalidation_deletes_both_prebuilds_created_before_it_and_replaces_them() {
    let preset = with(
        active(1, 2),
        "last_invalidated_at",
        json!("2025-06-02T11:00:00Z"),
    );
    let body = json!({"preset": preset, "running": [
        running(0, "2025-06-02T10:00:00Z"), running(1, "2025-06-02T10:30:00Z")
    ]});
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({"actual": 2, "desired": 2, "expired": 2, "scheduled_target": 2})),
        json!([delete(&[0, 1]), create(2)]),
        false,
    );
}

#[tokio::test]
async fn invalidation_deletes_only_the_prebuild_created_before_it_and_replaces_it() {
    let preset = with(
        active(1, 2),
        "last_invalidated_at",
        json!("2025-06-02T11:00:00Z"),
    );
    let body = json!({"preset": preset, "running": [
        running(0, "2025-06-02T10:00:00Z"), running(1, "2025-06-02T11:30:00Z")
    ]});
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

const A: &[(&str, i32)] = &[("* 2-4 * * 1-5", 2), ("* 6-8 * * 1-5", 3)];
const B: &[(&str, i32)] = &[("* 10-12 * * 1-5", 4), ("* 14-16 * * 1-5", 5)];
/// Monday 2 June: (hour, A's target, B's target).
const DAY: &[(&str, i32, i32)] = &[
    ("2025-06-02T01:00:00Z", 1, 1),
    ("2025-06-02T03:00:00Z", 2, 1),
    ("2025-06-02T07:00:00Z", 3, 1),
    ("2025-06-02T11:00:00Z", 1, 4),
    ("2025-06-02T15:00:00Z", 1, 5),
];

#[tokio::test]
async fn two_presets_follow_their_own_schedules_through_a_monday_one_call_each() {
    let app = app();
    for &(now, a, b) in DAY {
        let src = |n: i32| if n == 1 { "default" } else { "schedule" };
        assert_target(&scheduled(&app, "UTC", A, now).await, a, src(a));
        let b_body = json!({
            "preset": with(active(2, 1), "scheduling_timezone", json!("UTC")),
            "schedules": schedule_rows(B)
        });
        assert_target(&decide_at(&app, &b_body, now).await, b, src(b));
    }
}

#[tokio::test]
async fn two_presets_follow_their_own_schedules_through_a_monday_in_one_global_call() {
    let app = app();
    // The schedules interleaved: each preset gets its own rows only.
    let (a, b) = (owned_schedules(1, A), owned_schedules(2, B));
    let body = json!({
        "presets": [
            with(active(1, 1), "scheduling_timezone", json!("UTC")),
            with(active(2, 1), "scheduling_timezone", json!("UTC"))
        ],
        "schedules": [b[1], a[0], b[0], a[1]]
    });
    for &(now, want_a, want_b) in DAY {
        let decisions = decide_global_at(&app, &body, now).await;
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0]["preset_id"], preset_id(1));
        assert_eq!(decisions[1]["preset_id"], preset_id(2));
        let src = |n: i32| if n == 1 { "default" } else { "schedule" };
        assert_target(&decisions[0], want_a, src(want_a));
        assert_target(&decisions[1], want_b, src(want_b));
    }
}

#[tokio::test]
async fn working_hours_start_at_nine_and_end_after_eighteen_fifty_nine_fifty_nine() {
    assert_targets(
        &app(),
        "UTC",
        &[("* 9-18 * * 1-5", 3)],
        &[
            ("2025-06-02T08:59:59Z", 1),
            ("2025-06-02T09:00:00Z", 3),
            ("2025-06-02T18:59:59Z", 3),
            ("2025-06-02T19:00:00Z", 1),
            // Saturday and Sunday.
            ("2025-06-07T14:00:00Z", 1),
            ("2025-06-08T14:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn three_weekday_windows_each_give_their_own_target() {
    assert_targets(
        &app(),
        "UTC",
        &[
            ("* 6-10 * * 1-5", 2),
            ("* 12-16 * * 1-5", 3),
            ("* 18-22 * * 1-5", 4),
        ],
        &[
            ("2025-06-02T05:00:00Z", 1),
            ("2025-06-02T08:00:00Z", 2),
            ("2025-06-02T11:00:00Z", 1),
            ("2025-06-02T14:00:00Z", 3),
            ("2025-06-02T20:00:00Z", 4),
            ("2025-06-02T23:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn weekday_and_weekend_schedules_each_hold_on_their_own_days() {
    assert_targets(
        &app(),
        "UTC",
        &[("* 9-18 * * 1-5", 2), ("* 9-13 * * 6,0", 3)],
        &[
            ("2025-06-02T14:00:00Z", 2),
            ("2025-06-07T10:00:00Z", 3),
            ("2025-06-07T14:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_los_angeles_schedule_is_read_in_los_angeles_time() {
    assert_targets(
        &app(),
        "America/Los_Angeles",
        &[("* 9-13 * * 1-5", 3)],
        &[
            ("2025-06-02T15:00:00Z", 1),
            ("2025-06-02T16:00:00Z", 3),
            ("2025-06-02T20:59:00Z", 3),
            ("2025-06-02T21:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_inactive_preset_cancels_its_pending_jobs_and_does_nothing_else() {
    let body = json!({"preset": inactive(1, 0), "pending_count": 2});
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(&d, state(json!({})), json!([cancel_pending(2)]), false);
}

#[tokio::test]
async fn an_active_preset_leaves_the_same_pending_jobs_alone() {
    let body = json!({"preset": active(1, 0), "pending_count": 2});
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(&d, state(json!({})), json!([]), false);
}

/// `body` decided at NOW with a 5 minute interval.
async fn with_five_minutes(app: &Router, body: &Value) -> Value {
    decided(
        app,
        &format!("{PRESET}?now={NOW}&backoff_interval=5m"),
        body,
    )
    .await
}

/// 3 failures, the last a minute before NOW: with 5 minutes each, back off until 12:14.
fn recent_failures() -> Value {
    json!({"num_failed": 3, "last_build_at": "2025-06-02T11:59:00Z"})
}

#[tokio::test]
async fn can_skip_an_inactive_preset_with_nothing() {
    let d = with_five_minutes(&app(), &json!({"preset": inactive(1, 0)})).await;
    assert_decision(&d, state(json!({})), json!([]), true);
}

#[tokio::test]
async fn cannot_skip_an_inactive_preset_with_running_prebuilds() {
    let body = json!({"preset": inactive(1, 0), "running": [running(0, "2025-06-02T11:00:00Z")]});
    let d = with_five_minutes(&app(), &body).await;
    assert_decision(
        &d,
        state(json!({"actual": 1})),
        json!([delete(&[0])]),
        false,
    );
}

#[tokio::test]
async fn cannot_skip_an_inactive_preset_with_pending_jobs() {
    let body = json!({"preset": inactive(1, 0), "pending_count": 1});
    let d = with_five_minutes(&app(), &body).await;
    assert_decision(&d, state(json!({})), json!([cancel_pending(1)]), false);
}

#[tokio::test]
async fn cannot_skip_an_inactive_preset_with_a_backoff_row() {
    let app = app();
    let body = json!({"preset": inactive(1, 0), "backoff": recent_failures()});
    let d = with_five_minutes(&app, &body).await;
    assert_decision(
        &d,
        state(json!({})),
        json!([backoff("2025-06-02T12:14:00Z")]),
        false,
    );
    // Any backoff row, even one counting no failures (which backs nothing off).
    let body = json!({
        "preset": inactive(1, 0),
        "backoff": {"num_failed": 0, "last_build_at": "2025-06-02T11:59:00Z"}
    });
    let d = with_five_minutes(&app, &body).await;
    assert_decision(&d, state(json!({})), json!([]), false);
}

#[tokio::test]
async fn can_skip_a_preset_of_a_deleted_or_deprecated_template_with_nothing() {
    let app = app();
    for flag in ["deleted", "deprecated"] {
        let preset = with(active(1, 3), flag, json!(true));
        let d = with_five_minutes(&app, &json!({"preset": preset})).await;
        // Inactive: desired 0, the target still told.
        assert_decision(&d, state(json!({"scheduled_target": 3})), json!([]), true);
    }
}

#[tokio::test]
async fn can_skip_an_inactive_hard_limited_preset_with_nothing() {
    let body = json!({"preset": inactive(1, 0), "is_hard_limited": true});
    let d = with_five_minutes(&app(), &body).await;
    assert_decision(&d, state(json!({"hard_limited": true})), json!([]), true);
}

#[tokio::test]
async fn cannot_skip_any_active_preset() {
    let app = app();
    let d = with_five_minutes(&app, &json!({"preset": active(1, 0)})).await;
    assert_decision(&d, state(json!({})), json!([]), false);
    let d = with_five_minutes(&app, &json!({"preset": active(1, 3)})).await;
    assert_decision(
        &d,
        state(json!({"desired": 3, "scheduled_target": 3})),
        json!([create(3)]),
        false,
    );
    let body = json!({"preset": active(1, 3), "backoff": recent_failures()});
    let d = with_five_minutes(&app, &body).await;
    assert_decision(
        &d,
        state(json!({"desired": 3, "scheduled_target": 3})),
        json!([backoff("2025-06-02T12:14:00Z")]),
        false,
    );
}

#[tokio::test]
async fn a_hard_limited_active_preset_wanting_five_is_not_skipped_and_creates_nothing() {
    let body = json!({"preset": active(1, 5), "is_hard_limited": true});
    let d = with_five_minutes(&app(), &body).await;
    assert_decision(
        &d,
        state(json!({"desired": 5, "scheduled_target": 5, "hard_limited": true})),
        json!([]),
        false,
    );
}
