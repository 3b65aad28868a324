//! v2 through HTTP (`docs/v2.md`): every case the contract lists from Coder's own tests,
//! asserted as whole states and ordered action lists; more like them (timezones, day boundaries,
//! DST, either-day schedules, schedules set aside, the global split); v2's bad input with its
//! pointers; decision ids and explanations; and properties that v2 given none of its inputs
//! answers exactly v1's decision, split into a list.

use axum::Router;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const PRESET: &str = "/v2/presets/reconcile";
const GLOBAL: &str = "/v2/global/reconcile";
/// Monday 2 June 2025, noon UTC.
const NOW: &str = "2025-06-02T12:00:00Z";

/// The ID of running prebuild `n` (as `helpers::running_row` writes it).
fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The ID of preset `n`.
fn preset_id(n: u32) -> String {
    format!("0196a3b2-0000-7000-8000-{n:012}")
}

/// An active preset row wanting `desired`.
fn active(n: u32, desired: i32) -> Value {
    json!({
        "id": preset_id(n),
        "using_active_version": true,
        "deleted": false,
        "deprecated": false,
        "desired_instances": desired
    })
}

/// A preset row on a version that is no longer the active one.
fn inactive(n: u32, desired: i32) -> Value {
    let mut preset = active(n, desired);
    preset["using_active_version"] = json!(false);
    preset
}

/// `preset` with `key` set to `value`.
fn with(mut object: Value, key: &str, value: Value) -> Value {
    object[key] = value;
    object
}

/// A running prebuild row, ready, created at `created_at`.
fn running(n: u32, created_at: &str) -> Value {
    running_row(n, created_at)
}

/// Schedule rows from `(cron_expression, desired_instances)` pairs.
fn schedule_rows(list: &[(&str, i32)]) -> Value {
    list.iter()
        .map(|(cron, n)| json!({"cron_expression": cron, "desired_instances": n}))
        .collect()
}

/// Schedule rows of a global snapshot, each owned by preset `owner`.
fn owned_schedules(owner: u32, list: &[(&str, i32)]) -> Vec<Value> {
    list.iter()
        .map(|(cron, n)| {
            json!({"preset_id": preset_id(owner), "cron_expression": cron, "desired_instances": n})
        })
        .collect()
}

fn create(n: i32) -> Value {
    json!({"action_type": "create", "create": n})
}

fn delete(ids: &[u32]) -> Value {
    json!({"action_type": "delete", "delete_ids": ids.iter().map(|&n| id(n)).collect::<Vec<_>>()})
}

fn cancel_pending(n: i32) -> Value {
    json!({"action_type": "cancel_pending", "count": n})
}

fn backoff(until: &str) -> Value {
    json!({"action_type": "backoff", "backoff_until": until})
}

/// A whole v2 state: every count 0, the target from the default, no schedule error, not
/// hard-limited, validation not failed; then `fields` set over it (each must be a field of the
/// state).
fn state(fields: Value) -> Value {
    let mut state = json!({
        "actual": 0, "desired": 0, "eligible": 0, "extraneous": 0,
        "starting": 0, "stopping": 0, "deleting": 0,
        "expired": 0, "scheduled_target": 0, "target_source": "default",
        "schedule_error": null, "hard_limited": false, "validation_failed": false
    });
    for (key, value) in fields.as_object().expect("an object of state fields") {
        assert!(
            state.get(key).is_some(),
            "{key} is not a field of the v2 state"
        );
        state[key] = value.clone();
    }
    state
}

/// Asserts a decision's whole state, its exact action list, `noop` and `can_skip`.
#[track_caller]
fn assert_decision(decision: &Value, expected_state: Value, actions: Value, can_skip: bool) {
    assert_eq!(decision["state"], expected_state, "state of {decision}");
    assert_eq!(decision["actions"], actions, "actions of {decision}");
    let empty = actions.as_array().expect("a list of actions").is_empty();
    assert_eq!(decision["noop"], empty, "noop of {decision}");
    assert_eq!(decision["can_skip"], can_skip, "can_skip of {decision}");
}

/// A decision with nothing running and a target of `target`, from a schedule or the default.
#[track_caller]
fn assert_target(decision: &Value, target: i32, source: &str) {
    let actions = if target > 0 {
        json!([create(target)])
    } else {
        json!([])
    };
    assert_decision(
        decision,
        state(json!({"desired": target, "scheduled_target": target, "target_source": source})),
        actions,
        false,
    );
}

/// POSTs `body` to `uri` and returns the 200's JSON.
async fn decided(app: &Router, uri: &str, body: &Value) -> Value {
    let answer = post_json(app, uri, body).await;
    assert_eq!(answer.status, 200, "POST {uri} {body}: {}", answer.json);
    assert_eq!(answer.content_type(), "application/json");
    answer.json
}

/// One preset's v2 decision at `now`.
async fn decide_at(app: &Router, body: &Value, now: &str) -> Value {
    decided(app, &format!("{PRESET}?now={now}"), body).await
}

/// Every preset's v2 decisions at `now`.
async fn decide_global_at(app: &Router, body: &Value, now: &str) -> Vec<Value> {
    let answer = decided(app, &format!("{GLOBAL}?now={now}"), body).await;
    answer["decisions"]
        .as_array()
        .expect("a list of decisions")
        .clone()
}

/// An active preset wanting 1, in `timezone`, with these schedules, decided at `now`.
async fn scheduled(app: &Router, timezone: &str, list: &[(&str, i32)], now: &str) -> Value {
    let preset = with(active(1, 1), "scheduling_timezone", json!(timezone));
    let body = json!({"preset": preset, "schedules": schedule_rows(list)});
    decide_at(app, &body, now).await
}

/// Asserts the target of an active preset wanting 1 in `timezone` at each `(now, target)`; a
/// target other than 1 must come from a schedule, and 1 from the default (no case here has a
/// schedule of 1).
async fn assert_targets(app: &Router, timezone: &str, list: &[(&str, i32)], cases: &[(&str, i32)]) {
    for &(now, target) in cases {
        let decision = scheduled(app, timezone, list, now).await;
        let source = if target == 1 { "default" } else { "schedule" };
        assert_target(&decision, target, source);
        assert_eq!(decision["evaluated_at"], now);
    }
}

/// The contract's "Cases from Coder's own tests", each through the router.
mod contract_cases {
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
        let body =
            json!({"preset": inactive(1, 0), "running": [running(0, "2025-06-02T11:00:00Z")]});
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
}

/// The rules' order and edges beyond the listed cases, through HTTP.
mod rules {
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
}

/// Schedules in other timezones, across day, month and year boundaries, and DST changes.
mod timezones {
    use super::*;

    #[tokio::test]
    async fn in_tokyo_a_monday_morning_schedule_holds_while_utc_is_still_sunday() {
        // Monday 2 June 08:00 JST is Sunday 1 June 23:00 UTC.
        assert_targets(
            &app(),
            "Asia/Tokyo",
            &[("* 8-9 * * 1", 2)],
            &[
                ("2025-06-01T22:59:59Z", 1),
                ("2025-06-01T23:00:00Z", 2),
                ("2025-06-02T00:59:59Z", 2),
                ("2025-06-02T01:00:00Z", 1),
            ],
        )
        .await;
        // The same instant in UTC is Sunday night: a UTC Monday schedule does not hold.
        assert_targets(
            &app(),
            "UTC",
            &[("* 8-9 * * 1", 2)],
            &[("2025-06-01T23:30:00Z", 1)],
        )
        .await;
    }

    #[tokio::test]
    async fn in_tokyo_the_first_of_the_month_begins_at_fifteen_hundred_utc() {
        assert_targets(
            &app(),
            "Asia/Tokyo",
            &[("* * 1 6 *", 5)],
            &[
                ("2025-05-31T14:59:59Z", 1),
                ("2025-05-31T15:00:00Z", 5),
                ("2025-06-01T14:59:59Z", 5),
                ("2025-06-01T15:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_auckland_monday_morning_is_sunday_evening_in_utc() {
        // June is winter there: NZST, UTC+12. Monday 06:00–07:59 is Sunday 18:00–19:59 UTC.
        assert_targets(
            &app(),
            "Pacific/Auckland",
            &[("* 6-7 * * 1", 4)],
            &[
                ("2025-06-01T17:59:59Z", 1),
                ("2025-06-01T18:00:00Z", 4),
                ("2025-06-01T19:59:59Z", 4),
                ("2025-06-01T20:00:00Z", 1),
                // Monday 18:00 UTC is already Tuesday there.
                ("2025-06-02T18:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_auckland_new_year_comes_eleven_hours_before_utcs_in_summer_time() {
        // NZDT, UTC+13: 1 January 2026 00:00 there is 31 December 2025 11:00 UTC.
        assert_targets(
            &app(),
            "Pacific/Auckland",
            &[("* * 1 1 *", 7)],
            &[
                ("2025-12-31T10:59:59Z", 1),
                ("2025-12-31T11:00:00Z", 7),
                ("2026-01-01T10:59:59Z", 7),
                ("2026-01-01T11:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_auckland_the_window_moves_an_hour_earlier_in_utc_when_summer_time_begins() {
        // NZDT begins Sunday 28 September 2025 at 02:00 NZST (14:00 UTC on the 27th).
        // `* 9 * * *` is 21:00 UTC the day before under NZST, 20:00 UTC under NZDT.
        assert_targets(
            &app(),
            "Pacific/Auckland",
            &[("* 9 * * *", 2)],
            &[
                ("2025-09-26T21:00:00Z", 2),
                ("2025-09-26T20:59:59Z", 1),
                ("2025-09-27T21:00:00Z", 1),
                ("2025-09-27T20:00:00Z", 2),
                // The skipped hour 02:00–02:59 never comes that night.
                ("2025-09-27T14:00:00Z", 1),
            ],
        )
        .await;
        assert_targets(
            &app(),
            "Pacific/Auckland",
            &[("* 2 * * *", 3)],
            &[
                ("2025-09-27T13:59:59Z", 1),
                ("2025-09-27T14:00:00Z", 1),
                ("2025-09-27T14:59:59Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_los_angeles_the_spring_forward_hour_never_matches() {
        // Sunday 9 March 2025: 02:00 PST jumps to 03:00 PDT at 10:00 UTC.
        let app = app();
        assert_targets(
            &app,
            "America/Los_Angeles",
            &[("* 2 * * *", 5)],
            &[
                ("2025-03-09T09:59:59Z", 1),
                ("2025-03-09T10:00:00Z", 1),
                ("2025-03-09T10:59:59Z", 1),
                // The day before, 02:00 PST is 10:00 UTC.
                ("2025-03-08T10:00:00Z", 5),
            ],
        )
        .await;
        assert_targets(
            &app,
            "America/Los_Angeles",
            &[("* 1 * * *", 5), ("* 3 * * *", 6)],
            &[("2025-03-09T09:59:59Z", 5), ("2025-03-09T10:00:00Z", 6)],
        )
        .await;
        // Working hours start at 17:00 UTC on Saturday and at 16:00 UTC on Sunday.
        assert_targets(
            &app,
            "America/Los_Angeles",
            &[("* 9-17 * * *", 3)],
            &[
                ("2025-03-08T16:30:00Z", 1),
                ("2025-03-08T17:00:00Z", 3),
                ("2025-03-09T16:00:00Z", 3),
                ("2025-03-10T00:59:59Z", 3),
                ("2025-03-10T01:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_los_angeles_the_fall_back_hour_matches_twice() {
        // Sunday 2 November 2025: 02:00 PDT falls back to 01:00 PST at 09:00 UTC, so 01:00–01:59
        // local lasts from 08:00 to 09:59:59 UTC.
        assert_targets(
            &app(),
            "America/Los_Angeles",
            &[("* 1 * * 0", 4)],
            &[
                ("2025-11-02T07:59:59Z", 1),
                ("2025-11-02T08:00:00Z", 4),
                ("2025-11-02T09:00:00Z", 4),
                ("2025-11-02T09:59:59Z", 4),
                ("2025-11-02T10:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn in_berlin_summer_time_moves_the_utc_window_an_hour_earlier_and_back() {
        let app = app();
        // Sunday 30 March 2025: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
        assert_targets(
            &app,
            "Europe/Berlin",
            &[("* 8 * * 0", 2)],
            &[
                ("2025-03-23T07:00:00Z", 2),
                ("2025-03-23T06:00:00Z", 1),
                ("2025-03-30T06:00:00Z", 2),
                ("2025-03-30T07:00:00Z", 1),
            ],
        )
        .await;
        // Sunday 26 October 2025: 03:00 CEST falls back to 02:00 CET at 01:00 UTC, so 02:00–02:59
        // local lasts from 00:00 to 01:59:59 UTC.
        assert_targets(
            &app,
            "Europe/Berlin",
            &[("* 2 * * 0", 3)],
            &[
                ("2025-10-25T23:59:59Z", 1),
                ("2025-10-26T00:00:00Z", 3),
                ("2025-10-26T01:30:00Z", 3),
                ("2025-10-26T01:59:59Z", 3),
                ("2025-10-26T02:00:00Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn with_both_day_fields_restricted_either_day_matching_is_enough() {
        // The 15th or a Friday, 09:00–09:59 UTC.
        assert_targets(
            &app(),
            "UTC",
            &[("* 9 15 * 5", 6)],
            &[
                // Friday 6 June.
                ("2025-06-06T09:30:00Z", 6),
                // Sunday 15 June.
                ("2025-06-15T09:30:00Z", 6),
                // Saturday 14 June: neither.
                ("2025-06-14T09:30:00Z", 1),
                // Friday 13 June, outside the hour.
                ("2025-06-13T10:00:00Z", 1),
            ],
        )
        .await;
        // With either day field a star, the other alone decides.
        assert_targets(
            &app(),
            "UTC",
            &[("* 9 15 * *", 6)],
            &[("2025-06-06T09:30:00Z", 1), ("2025-06-15T09:30:00Z", 6)],
        )
        .await;
        assert_targets(
            &app(),
            "UTC",
            &[("* 9 * * 5", 6)],
            &[("2025-06-06T09:30:00Z", 6), ("2025-06-15T09:30:00Z", 1)],
        )
        .await;
    }

    #[tokio::test]
    async fn either_day_schedules_that_do_not_overlap_by_the_contracts_rule_both_apply_first_wins()
    {
        // Monday 2 June matches both (the 1st or a Monday; the 2nd or a Tuesday), yet their days
        // of month and of week do not intersect: no overlap, and the first listed wins.
        assert_targets(
            &app(),
            "UTC",
            &[("* 9 1 * 1", 2), ("* 9 2 * 2", 3)],
            &[("2025-06-02T09:30:00Z", 2), ("2025-06-03T09:30:00Z", 3)],
        )
        .await;
        assert_targets(
            &app(),
            "UTC",
            &[("* 9 2 * 2", 3), ("* 9 1 * 1", 2)],
            &[("2025-06-02T09:30:00Z", 3)],
        )
        .await;
    }

    #[tokio::test]
    async fn an_hour_range_ends_at_the_last_nanosecond_of_its_last_hour() {
        assert_targets(
            &app(),
            "UTC",
            &[("* 9-18 * * 1-5", 3)],
            &[
                ("2025-06-02T18:59:59.999999999Z", 3),
                ("2025-06-02T08:59:59.999999999Z", 1),
            ],
        )
        .await;
    }

    #[tokio::test]
    async fn now_may_be_written_in_any_offset() {
        // 09:00 in Los Angeles, written as 09:00-07:00 and as 18:00+02:00 (the `+` encoded).
        let app = app();
        let preset = with(
            active(1, 1),
            "scheduling_timezone",
            json!("America/Los_Angeles"),
        );
        let body = json!({"preset": preset, "schedules": schedule_rows(&[("* 9-13 * * 1-5", 3)])});
        for now in ["2025-06-02T09:00:00-07:00", "2025-06-02T18:00:00%2B02:00"] {
            assert_target(&decide_at(&app, &body, now).await, 3, "schedule");
        }
        for now in ["2025-06-02T08:59:59-07:00", "2025-06-02T17:59:59%2B02:00"] {
            assert_target(&decide_at(&app, &body, now).await, 1, "default");
        }
    }

    #[tokio::test]
    async fn a_schedule_of_zero_deletes_every_live_prebuild_of_an_active_preset() {
        let preset = with(active(1, 2), "scheduling_timezone", json!("UTC"));
        let body = json!({
            "preset": preset,
            "schedules": schedule_rows(&[("* 0-6 * * *", 0)]),
            "running": [running(0, "2025-06-01T10:00:00Z"), running(1, "2025-06-01T09:00:00Z")]
        });
        let d = decide_at(&app(), &body, "2025-06-02T03:00:00Z").await;
        assert_decision(
            &d,
            state(json!({
                "actual": 2, "eligible": 2, "extraneous": 2, "target_source": "schedule"
            })),
            json!([delete(&[1, 0])]),
            false,
        );
    }

    #[tokio::test]
    async fn an_inactive_preset_tells_its_scheduled_target_but_wants_nothing() {
        let preset = with(inactive(1, 1), "scheduling_timezone", json!("UTC"));
        let body = json!({"preset": preset, "schedules": schedule_rows(&[("* 9-18 * * 1-5", 3)])});
        let d = decide_at(&app(), &body, NOW).await;
        assert_decision(
            &d,
            state(json!({"scheduled_target": 3, "target_source": "schedule"})),
            json!([]),
            true,
        );
    }
}

/// Schedules that cannot be used are set aside: the default, and why, never a 4xx.
mod set_aside {
    use super::*;

    /// Decides an active preset wanting 1 at NOW (Monday noon, when `* 9-18 * * 1-5` would
    /// match), asserts the default was used, and returns `schedule_error`.
    async fn set_aside(app: &Router, timezone: Option<&str>, list: &[(&str, i32)]) -> String {
        let mut preset = active(1, 1);
        if let Some(timezone) = timezone {
            preset["scheduling_timezone"] = json!(timezone);
        }
        let body = json!({"preset": preset, "schedules": schedule_rows(list)});
        let d = decide_at(app, &body, NOW).await;
        let error = d["state"]["schedule_error"]
            .as_str()
            .unwrap_or_else(|| panic!("no schedule_error in {d}"))
            .to_owned();
        assert!(!error.is_empty());
        assert_decision(
            &d,
            state(json!({
                "desired": 1, "scheduled_target": 1, "schedule_error": error
            })),
            json!([create(1)]),
            false,
        );
        error
    }

    const WORKING_HOURS: &[(&str, i32)] = &[("* 9-18 * * 1-5", 3)];

    #[tokio::test]
    async fn an_empty_or_absent_timezone_sets_the_schedules_aside() {
        let app = app();
        for timezone in [None, Some("")] {
            let error = set_aside(&app, timezone, WORKING_HOURS).await;
            assert!(error.contains("scheduling_timezone"), "{error}");
        }
        let preset = with(active(1, 1), "scheduling_timezone", json!(null));
        let body = json!({"preset": preset, "schedules": schedule_rows(WORKING_HOURS)});
        let d = decide_at(&app, &body, NOW).await;
        assert!(d["state"]["schedule_error"].is_string(), "{d}");
    }

    #[tokio::test]
    async fn an_unknown_timezone_sets_the_schedules_aside_and_is_named() {
        let app = app();
        for timezone in ["Mars/Olympus_Mons", "america/los_angeles", "UTC+2", " UTC"] {
            let error = set_aside(&app, Some(timezone), WORKING_HOURS).await;
            assert!(error.contains(timezone), "{timezone:?}: {error}");
        }
    }

    #[tokio::test]
    async fn a_field_the_set_check_reaches_and_cannot_read_sets_every_schedule_aside() {
        // Upstream first compares every pair with only numbers, ranges and lists understood:
        // each of these meets the working-hours schedule in months and days, so the comparison
        // reaches a field it cannot read, or a pair that overlaps.
        let app = app();
        for invalid in [
            "* */2 * * *",
            "* 9-18/2 * * *",
            "* 9-18 * * MON",
            "* 9-18 * JAN *",
            "* 9-18 * * 7",
            "* 9-18 * * 1-7",
            "* 9-18 * * ?",
            "0 9-18 * * 1-5",
            "0-59 9-18 * * 1-5",
            "* 9-18 * *",
            "* 9-18 * * 1-5 2025",
            "* 24 * * *",
            "* 18-9 * * *",
            "@daily",
        ] {
            // The valid schedule first: it would match, yet every schedule is set aside.
            let list = [("* 9-18 * * 1-5", 3), ("* 20-21 * * 1-5", 4), (invalid, 5)];
            let error = set_aside(&app, Some("UTC"), &list).await;
            assert!(
                error.contains(invalid) && error.ends_with("so every schedule is set aside"),
                "{invalid:?}: {error}"
            );
        }
    }

    #[tokio::test]
    async fn a_schedule_that_does_not_parse_alone_is_skipped_and_named() {
        // One schedule is never compared; read alone, each of these is refused, so the
        // default applies and the reason names it.
        let app = app();
        for invalid in [
            "* 9-18 * * 7",
            "0 9-18 * * 1-5",
            "* 9-18 * *",
            "* 24 * * *",
            "* 9-18 0 * *",
            "* 9-18 * 13 *",
            "* 18-9 * * *",
            "* 9-18 * * MONDAY",
            "",
            "@daily",
        ] {
            let error = set_aside(&app, Some("UTC"), &[(invalid, 5)]).await;
            assert!(
                error.starts_with(&format!("schedule 0 ({invalid:?}) is skipped: ")),
                "{invalid:?}: {error}"
            );
        }
    }

    #[tokio::test]
    async fn overlapping_schedules_are_set_aside_and_both_are_named() {
        let app = app();
        for (a, b) in [
            ("* 9-18 * * 1-5", "* 12 * * 1"),
            ("* 9-18 * * 1-5", "* 9-18 * * 1-5"),
            // A star day of month on either side: days of week decide.
            ("* 12 1 * *", "* 12 * * 1"),
            // Days of month restricted on both sides, a star day of week: days of month decide.
            ("* 12 2 * *", "* 12 1-5 * *"),
            // Both restricted on both sides: either intersection overlaps.
            ("* 12 1 * 1", "* 12 2 * 1"),
        ] {
            let error = set_aside(&app, Some("UTC"), &[(a, 3), (b, 4)]).await;
            assert!(
                error.contains("overlap") && error.contains(a) && error.contains(b),
                "{a:?} and {b:?}: {error}"
            );
        }
    }

    #[tokio::test]
    async fn schedules_apart_in_months_hours_or_days_do_not_overlap() {
        let app = app();
        for (a, b) in [
            ("* 12 * 6 *", "* 12 * 7 *"),
            ("* 12 * * *", "* 13 * * *"),
            ("* 12 * * 1", "* 12 * * 2"),
            ("* 12 2 * *", "* 12 3 * *"),
        ] {
            let d = scheduled(&app, "UTC", &[(a, 3), (b, 4)], NOW).await;
            assert_target(&d, 3, "schedule");
        }
    }

    #[tokio::test]
    async fn an_explanation_tells_why_the_schedules_were_set_aside() {
        let preset = with(
            active(1, 1),
            "scheduling_timezone",
            json!("Mars/Olympus_Mons"),
        );
        let body = json!({"preset": preset, "schedules": schedule_rows(WORKING_HOURS)});
        let d = decided(&app(), &format!("{PRESET}?now={NOW}&explain=true"), &body).await;
        let target = &d["explanation"][1];
        assert_eq!(target["rule"], "target");
        let detail = target["detail"].as_str().unwrap();
        assert!(
            detail.contains("set aside") && detail.contains("Mars/Olympus_Mons"),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn with_no_schedules_no_timezone_is_an_error() {
        let app = app();
        for timezone in [json!(null), json!(""), json!("UTC"), json!("Not/A_Zone")] {
            let preset = with(active(1, 2), "scheduling_timezone", timezone);
            for schedules in [json!(null), json!([])] {
                let body = json!({"preset": preset, "schedules": schedules});
                assert_target(&decide_at(&app, &body, NOW).await, 2, "default");
            }
        }
    }
}

/// The global call: v2's lists split by preset ID; one preset's bad schedule fails no other.
mod global {
    use super::*;

    #[tokio::test]
    async fn one_presets_bad_schedule_does_not_fail_the_others() {
        let presets = json!([
            with(active(1, 1), "scheduling_timezone", json!("UTC")),
            with(active(2, 1), "scheduling_timezone", json!("UTC")),
            with(active(3, 1), "scheduling_timezone", json!("Mars/Base")),
            active(4, 1),
            with(active(5, 1), "scheduling_timezone", json!("UTC")),
        ]);
        let mut schedules = Vec::new();
        schedules.extend(owned_schedules(2, &[("* 9-18 * * *", 5)]));
        schedules.extend(owned_schedules(1, &[("* 9-18 * * 1-7", 5)]));
        schedules.extend(owned_schedules(3, &[("* 9-18 * * *", 5)]));
        schedules.extend(owned_schedules(4, &[("* 9-18 * * *", 5)]));
        schedules.extend(owned_schedules(
            5,
            &[("* 9-18 * * *", 5), ("* 12 * * 1", 6)],
        ));
        let body = json!({"presets": presets, "schedules": schedules});
        let decisions = decide_global_at(&app(), &body, NOW).await;
        assert_eq!(decisions.len(), 5);
        assert_target(&decisions[1], 5, "schedule");
        for (i, named) in [
            (0, "* 9-18 * * 1-7"),
            (2, "Mars/Base"),
            (3, "scheduling_timezone"),
            (4, "overlap"),
        ] {
            let d = &decisions[i];
            let error = d["state"]["schedule_error"]
                .as_str()
                .unwrap_or_else(|| panic!("preset {i} has no schedule_error: {d}"));
            assert!(error.contains(named), "preset {i}: {error}");
            assert_decision(
                d,
                state(json!({"desired": 1, "scheduled_target": 1, "schedule_error": error})),
                json!([create(1)]),
                false,
            );
        }
    }

    #[tokio::test]
    async fn schedules_pending_rows_and_hard_limits_are_split_by_preset_and_stray_rows_ignored() {
        let stray = "0196a3b2-0000-7000-8000-999999999999";
        let body = json!({
            "presets": [
                inactive(1, 2),
                with(active(2, 1), "scheduling_timezone", json!("UTC")),
                with(active(3, 1), "scheduling_timezone", json!("UTC"))
            ],
            "schedules": [
                {"preset_id": preset_id(2), "cron_expression": "* 9-18 * * *", "desired_instances": 5},
                // Preset 3's overlaps preset 2's, which is no overlap: each has its own set.
                {"preset_id": preset_id(3), "cron_expression": "* 12 * * 1", "desired_instances": 2},
                // Rows of no listed preset: ignored, however bad their expression.
                {"preset_id": stray, "cron_expression": "* 0-23 * * *", "desired_instances": 7},
                {"preset_id": null, "cron_expression": "MON", "desired_instances": 7},
                {"cron_expression": "* 0-23 * * *", "desired_instances": 7}
            ],
            "pending": [
                {"preset_id": stray, "count": 5},
                {"preset_id": null, "count": 6},
                {"count": 6},
                {"preset_id": preset_id(1), "count": 2},
                {"preset_id": preset_id(1), "count": 3},
                {"preset_id": preset_id(3), "count": 4}
            ],
            "hard_limited": [preset_id(2), stray, preset_id(2)]
        });
        let decisions = decide_global_at(&app(), &body, NOW).await;
        let ids: Vec<_> = decisions.iter().map(|d| d["preset_id"].clone()).collect();
        assert_eq!(ids, [preset_id(1), preset_id(2), preset_id(3)]);
        // Preset 1 (inactive): its first pending row counts, and is cancelled.
        assert_decision(
            &decisions[0],
            state(json!({"scheduled_target": 2})),
            json!([cancel_pending(2)]),
            false,
        );
        // Preset 2: its schedule gives 5, but it is hard-limited, so it creates nothing.
        assert_decision(
            &decisions[1],
            state(json!({
                "desired": 5, "scheduled_target": 5, "target_source": "schedule",
                "hard_limited": true
            })),
            json!([]),
            false,
        );
        // Preset 3: its own schedule; its pending jobs are an active preset's, left alone.
        assert_target(&decisions[2], 2, "schedule");
    }

    #[tokio::test]
    async fn each_preset_decides_in_a_global_call_as_in_its_own_call() {
        let app = app();
        let a = with(active(1, 2), "ttl", json!(5));
        let b = with(
            with(active(2, 1), "scheduling_timezone", json!("Asia/Tokyo")),
            "last_invalidated_at",
            json!("2025-06-02T11:00:00Z"),
        );
        let owned = |n: u32, created_at: &str, preset: u32| {
            with(
                running(n, created_at),
                "current_preset_id",
                json!(preset_id(preset)),
            )
        };
        let rows = [
            owned(10, "2025-06-02T11:00:00Z", 1),
            owned(11, "2025-06-02T10:00:00Z", 2),
            owned(12, "2025-06-02T11:59:59Z", 1),
            owned(13, "2025-06-02T11:30:00Z", 2),
        ];
        let tokyo_evening = owned_schedules(2, &[("* 21 * * 1", 3)]);
        let global = json!({
            "presets": [a, b],
            "running": rows,
            "in_progress": [{"preset_id": preset_id(2), "transition": "start", "count": 1}],
            "schedules": tokyo_evening,
            "pending": [{"preset_id": preset_id(2), "count": 1}],
            "hard_limited": [preset_id(1)]
        });
        let decisions = decide_global_at(&app, &global, NOW).await;

        let single_a = json!({
            "preset": a, "running": [rows[0], rows[2]], "is_hard_limited": true
        });
        let single_b = json!({
            "preset": b,
            "running": [rows[1], rows[3]],
            "in_progress": [{"transition": "start", "count": 1}],
            "schedules": tokyo_evening,
            "pending_count": 1
        });
        for (decision, single) in decisions.iter().zip([single_a, single_b]) {
            let alone = decide_at(&app, &single, NOW).await;
            for key in [
                "preset_id",
                "state",
                "actions",
                "noop",
                "can_skip",
                "evaluated_at",
            ] {
                assert_eq!(decision[key], alone[key], "{key}: {decision} vs {alone}");
            }
        }
        // Preset 1: row 10 is an hour old (expired by its TTL), row 12 a second old; hard-limited.
        assert_decision(
            &decisions[0],
            state(json!({
                "actual": 2, "desired": 2, "eligible": 1, "expired": 1, "scheduled_target": 2,
                "hard_limited": true
            })),
            json!([delete(&[10])]),
            false,
        );
        // Preset 2 at 21:00 in Tokyo: 3 wanted; row 11 invalidated, row 13 live, one starting.
        assert_decision(
            &decisions[1],
            state(json!({
                "actual": 2, "desired": 3, "eligible": 1, "expired": 1, "starting": 1,
                "scheduled_target": 3, "target_source": "schedule"
            })),
            json!([delete(&[11]), create(1)]),
            false,
        );
    }

    #[tokio::test]
    async fn v2_preset_fields_are_read_in_the_order_of_the_presets() {
        let body = json!({
            "presets": [active(1, 2), with(active(2, 2), "ttl", json!(60)), active(3, 2)],
            "running": [
                with(running(1, "2025-06-02T11:00:00Z"), "current_preset_id", json!(preset_id(1))),
                with(running(2, "2025-06-02T11:00:00Z"), "current_preset_id", json!(preset_id(2))),
                with(running(3, "2025-06-02T11:00:00Z"), "current_preset_id", json!(preset_id(3)))
            ]
        });
        let decisions = decide_global_at(&app(), &body, NOW).await;
        let expired: Vec<_> = decisions
            .iter()
            .map(|d| d["state"]["expired"].clone())
            .collect();
        assert_eq!(expired, [json!(0), json!(1), json!(0)]);
    }

    #[tokio::test]
    async fn an_empty_global_snapshot_decides_nothing() {
        let app = app();
        for body in [
            json!({"presets": []}),
            json!({"presets": [], "schedules": [], "pending": [], "hard_limited": []}),
            json!({"presets": [], "schedules": null, "pending": null, "hard_limited": null}),
        ] {
            let answer = decided(&app, &format!("{GLOBAL}?now={NOW}"), &body).await;
            assert_eq!(answer["decisions"], json!([]));
            assert_eq!(answer["evaluated_at"], NOW);
        }
    }
}

/// Issue 14's reproductions, tried as a new user would: decided as upstream Coder's own code
/// decides them (each was answered otherwise before).
mod upstream {
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
}

/// `prebuild_status`: a preset that failed template validation creates nothing, as upstream's
/// reconciler skips its create, and says so.
mod prebuild_status {
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
}

/// v2's fields of the wrong type refused with a 422 and a pointer, values upstream accepts
/// decided as upstream decides them; v1's errors on v2 bodies keep v1's pointers.
mod bad_input {
    use super::*;

    fn preset_body(preset: Value) -> Value {
        json!({"preset": preset})
    }

    async fn refused_at(app: &Router, uri: &str, body: &Value, pointer: &str) {
        post_json(app, &format!("{uri}?now={NOW}"), body)
            .await
            .problem_at(422, pointer);
    }

    #[tokio::test]
    async fn a_negative_ttl_is_no_ttl_as_upstream_reads_it() {
        // Once a 422; upstream decides it, as if no TTL were set.
        let app = app();
        for ttl in [json!(-1), json!(i32::MIN)] {
            let preset = with(active(1, 1), "ttl", ttl.clone());
            let old = json!([running(1, "2000-01-01T00:00:00Z")]);
            for body in [
                json!({"preset": preset, "running": old}),
                json!({"Preset": preset, "Running": old}),
            ] {
                let d = decide_at(&app, &body, NOW).await;
                assert_decision(
                    &d,
                    state(json!({"actual": 1, "desired": 1, "eligible": 1, "scheduled_target": 1})),
                    json!([]),
                    false,
                );
            }
            let global = json!({"presets": [active(2, 1), preset, active(3, 1)]});
            assert_eq!(
                decide_global_at(&app, &global, NOW).await.len(),
                3,
                "ttl {ttl}"
            );
        }
    }

    #[tokio::test]
    async fn a_ttl_of_the_wrong_type_or_past_int32_is_a_422_at_its_preset() {
        let app = app();
        for bad in [
            json!("5"),
            json!(true),
            json!(1.5),
            json!([5]),
            json!({"Int32": 5}),
            json!(2_147_483_648_i64),
            json!(-2_147_483_649_i64),
            json!(1e20),
        ] {
            let preset = with(active(1, 1), "ttl", bad.clone());
            refused_at(&app, PRESET, &preset_body(preset.clone()), "/preset/ttl").await;
            let global = json!({"presets": [active(2, 1), preset]});
            refused_at(&app, GLOBAL, &global, "/presets/1/ttl").await;
        }
        // The edges and the other spellings of a count are accepted.
        for good in [json!(0), json!(2_147_483_647), json!(5.0), json!(null)] {
            let preset = with(active(1, 1), "ttl", good.clone());
            let answer = post_json(&app, PRESET, &preset_body(preset)).await;
            assert_eq!(answer.status, 200, "ttl {good}: {}", answer.json);
        }
    }

    #[tokio::test]
    async fn a_bad_last_invalidated_at_is_a_422_at_its_preset() {
        let app = app();
        for bad in [
            json!("yesterday"),
            json!("2025-06-02 12:00:00Z"),
            json!("2025-06-02T12:00:00"),
            json!("2025-06-02"),
            json!(1_748_865_600),
            json!(true),
        ] {
            let preset = with(active(1, 1), "last_invalidated_at", bad.clone());
            refused_at(
                &app,
                PRESET,
                &preset_body(preset.clone()),
                "/preset/last_invalidated_at",
            )
            .await;
            let global = json!({"presets": [preset]});
            refused_at(&app, GLOBAL, &global, "/presets/0/last_invalidated_at").await;
        }
    }

    #[tokio::test]
    async fn a_scheduling_timezone_that_is_not_a_string_is_a_422() {
        let preset = with(active(1, 1), "scheduling_timezone", json!(5));
        refused_at(
            &app(),
            PRESET,
            &preset_body(preset),
            "/preset/scheduling_timezone",
        )
        .await;
    }

    #[tokio::test]
    async fn a_schedule_missing_a_field_is_a_422_at_that_field() {
        let app = app();
        let good = json!({"cron_expression": "* 9-18 * * 1-5", "desired_instances": 3});
        for (row, field) in [
            (json!({"desired_instances": 3}), "cron_expression"),
            (
                json!({"cron_expression": null, "desired_instances": 3}),
                "cron_expression",
            ),
            (
                json!({"cron_expression": "* 9-18 * * 1-5"}),
                "desired_instances",
            ),
            (
                json!({"cron_expression": "* 9 * * *", "desired_instances": null}),
                "desired_instances",
            ),
        ] {
            let body = json!({"preset": active(1, 1), "schedules": [row]});
            refused_at(&app, PRESET, &body, &format!("/schedules/0/{field}")).await;
            let body = json!({"preset": active(1, 1), "schedules": [good, row]});
            refused_at(&app, PRESET, &body, &format!("/schedules/1/{field}")).await;
            let mut owned = row.clone();
            owned["preset_id"] = json!(preset_id(1));
            let global = json!({"presets": [active(1, 1)], "schedules": [good, good, owned]});
            refused_at(&app, GLOBAL, &global, &format!("/schedules/2/{field}")).await;
        }
    }

    #[tokio::test]
    async fn a_schedule_with_fields_of_the_wrong_type_is_a_422_at_that_field() {
        let app = app();
        for (row, pointer) in [
            (
                json!({"cron_expression": 5, "desired_instances": 3}),
                "/schedules/0/cron_expression",
            ),
            (
                json!({"cron_expression": "* * * * *", "desired_instances": "3"}),
                "/schedules/0/desired_instances",
            ),
            (
                json!({"cron_expression": "* * * * *", "desired_instances": 2.5}),
                "/schedules/0/desired_instances",
            ),
            (
                json!({"cron_expression": "* * * * *", "desired_instances": 2_147_483_648_i64}),
                "/schedules/0/desired_instances",
            ),
            (
                json!({"cron_expression": "* * * * *", "desired_instances": 1, "preset_id": "nope"}),
                "/schedules/0/preset_id",
            ),
            (json!("* * * * *"), "/schedules/0"),
        ] {
            let body = json!({"preset": active(1, 1), "schedules": [row]});
            refused_at(&app, PRESET, &body, pointer).await;
        }
        let body = json!({"preset": active(1, 1), "schedules": {"cron_expression": "* * * * *"}});
        refused_at(&app, PRESET, &body, "/schedules").await;
    }

    #[tokio::test]
    async fn a_negative_schedule_target_is_used_as_is_or_set_aside_with_the_others() {
        // Once a 422; upstream uses the target as is when it matches.
        let app = app();
        let rows = json!([
            {"cron_expression": "* 0-8 * * *", "desired_instances": 2},
            {"cron_expression": "* 9-18 * * *", "desired_instances": -1}
        ]);
        let with_two = json!([
            running(1, "2025-06-02T10:00:00Z"),
            running(2, "2025-06-02T11:00:00Z")
        ]);
        let preset = with(active(1, 1), "scheduling_timezone", json!("UTC"));
        let body = json!({"preset": preset, "schedules": rows, "running": with_two});
        assert_decision(
            &decide_at(&app, &body, NOW).await,
            state(json!({
                "actual": 2, "desired": -1, "eligible": 2, "extraneous": 3,
                "scheduled_target": -1, "target_source": "schedule"
            })),
            json!([delete(&[1, 2])]),
            false,
        );
        for timezone in [json!(null), json!("Mars/Base")] {
            let preset = with(active(1, 1), "scheduling_timezone", timezone);
            let body = json!({"preset": preset, "schedules": rows});
            let d = decide_at(&app, &body, NOW).await;
            assert_eq!(d["state"]["desired"], 1, "{d}");
            assert!(d["state"]["schedule_error"].is_string(), "{d}");
        }
        // A stray row's negative target fails nothing either.
        let stray = json!([
            {"preset_id": preset_id(1), "cron_expression": "* 0-8 * * *", "desired_instances": 2},
            {"preset_id": preset_id(9), "cron_expression": "* 9-18 * * *", "desired_instances": -3}
        ]);
        let utc = with(active(1, 1), "scheduling_timezone", json!("UTC"));
        let global = json!({"presets": [utc], "schedules": stray});
        assert_target(&decide_global_at(&app, &global, NOW).await[0], 1, "default");
    }

    #[tokio::test]
    async fn a_pending_count_of_the_wrong_type_is_a_422_and_a_negative_one_cancels_nothing() {
        let app = app();
        for bad in [json!("2"), json!(1.5), json!(2_147_483_648_i64), json!([2])] {
            let body = json!({"preset": inactive(1, 0), "pending_count": bad});
            refused_at(&app, PRESET, &body, "/pending_count").await;
        }
        let body = json!({"preset": inactive(1, 0), "pending_count": 2_147_483_647});
        let d = decide_at(&app, &body, NOW).await;
        assert_eq!(d["actions"], json!([cancel_pending(i32::MAX)]));
        for negative in [-1, i32::MIN] {
            let body = json!({"preset": inactive(1, 0), "pending_count": negative});
            assert_decision(
                &decide_at(&app, &body, NOW).await,
                state(json!({})),
                json!([]),
                true,
            );
        }
    }

    #[tokio::test]
    async fn a_bad_pending_row_is_a_422_at_its_count() {
        let app = app();
        let good = json!({"preset_id": preset_id(1), "count": 1});
        for (row, pointer) in [
            (json!({"preset_id": preset_id(1)}), "/pending/1/count"),
            (
                json!({"preset_id": preset_id(1), "count": null}),
                "/pending/1/count",
            ),
            (
                json!({"preset_id": preset_id(1), "count": "1"}),
                "/pending/1/count",
            ),
            (json!({"preset_id": 5, "count": 1}), "/pending/1/preset_id"),
            (json!(3), "/pending/1"),
        ] {
            let global = json!({"presets": [inactive(1, 0)], "pending": [good, row]});
            refused_at(&app, GLOBAL, &global, pointer).await;
        }
    }

    #[tokio::test]
    async fn a_presets_first_pending_row_counts_and_any_int32_is_decided() {
        // Once summed (and a 422 past int32); upstream takes the first row naming the preset
        // (Coder's query gives one per preset).
        let app = app();
        let row = |count: i64| json!({"preset_id": preset_id(1), "count": count});
        let body = json!({
            "presets": [inactive(1, 0), inactive(2, 0)],
            "pending": [
                row(2_147_483_600), {"preset_id": preset_id(2), "count": -100}, row(47), row(1)
            ]
        });
        let decisions = decide_global_at(&app, &body, NOW).await;
        assert_eq!(
            decisions[0]["actions"],
            json!([cancel_pending(2_147_483_600)])
        );
        assert_decision(&decisions[1], state(json!({})), json!([]), true);
    }

    #[tokio::test]
    async fn hard_limited_must_be_a_list_of_uuids() {
        let app = app();
        for (bad, pointer) in [
            (json!("x"), "/hard_limited"),
            (json!(preset_id(1)), "/hard_limited"),
            (json!({"0": preset_id(1)}), "/hard_limited"),
            (json!(["x"]), "/hard_limited/0"),
            (json!([preset_id(1), 1]), "/hard_limited/1"),
            (json!([preset_id(1), null]), "/hard_limited/1"),
            (
                json!([preset_id(1), {"id": preset_id(1)}]),
                "/hard_limited/1",
            ),
        ] {
            let global = json!({"presets": [active(1, 1)], "hard_limited": bad});
            refused_at(&app, GLOBAL, &global, pointer).await;
        }
        let body = json!({"preset": active(1, 1), "is_hard_limited": "yes"});
        refused_at(&app, PRESET, &body, "/is_hard_limited").await;
    }

    #[tokio::test]
    async fn v1s_errors_on_v2_bodies_keep_v1s_pointers() {
        let app = app();
        let v2_fields = |mut body: Value| {
            body["schedules"] = schedule_rows(&[("* 9-18 * * 1-5", 3)]);
            body["pending_count"] = json!(1);
            body["is_hard_limited"] = json!(true);
            body
        };
        let preset = with(active(1, 1), "ttl", json!(60));
        let twice = json!([
            running(1, "2025-06-02T10:00:00Z"),
            running(1, "2025-06-02T11:00:00Z")
        ]);
        refused_at(
            &app,
            PRESET,
            &v2_fields(json!({"preset": preset, "running": twice})),
            "/running/1/id",
        )
        .await;
        refused_at(
            &app,
            PRESET,
            &v2_fields(
                json!({"Preset": preset, "Running": twice, "InProgress": null, "Backoff": null}),
            ),
            "/Running/1/id",
        )
        .await;
        refused_at(
            &app,
            PRESET,
            &v2_fields(json!({"Preset": with(preset.clone(), "desired_instances", json!({"Int32": -2, "Valid": true}))})),
            "/Preset/desired_instances/Int32",
        )
        .await;
        refused_at(
            &app,
            PRESET,
            &v2_fields(json!({"preset": with(preset.clone(), "desired_instances", json!(-1))})),
            "/preset/desired_instances",
        )
        .await;
        let mut no_id = preset.clone();
        no_id.as_object_mut().unwrap().remove("id");
        refused_at(
            &app,
            PRESET,
            &v2_fields(json!({"preset": no_id})),
            "/preset/id",
        )
        .await;
        refused_at(
            &app,
            PRESET,
            &v2_fields(json!({"preset": preset, "in_progress": [
                {"transition": "start", "count": 1}, {"transition": "start", "count": -1}
            ]})),
            "/in_progress/1/count",
        )
        .await;
        refused_at(
            &app,
            PRESET,
            &json!({"preset": preset, "preset_": 1, "Preset": preset}),
            "/Preset",
        )
        .await;
        // Both v1 and v2 at fault: v1's checks come first.
        refused_at(
            &app,
            PRESET,
            &json!({"preset": with(preset.clone(), "ttl", json!(-1)), "running": twice}),
            "/running/1/id",
        )
        .await;
    }

    #[tokio::test]
    async fn backoff_window_errors_keep_v1s_pointers_on_v2_bodies() {
        let app = app();
        let huge = json!({"num_failed": 2_147_483_647, "last_build_at": "2025-06-02T11:00:00Z"});
        let uri = format!("{PRESET}?now={NOW}&backoff_interval=1h");
        post_json(
            &app,
            &uri,
            &json!({"preset": active(1, 1), "backoff": huge}),
        )
        .await
        .problem_at(422, "/backoff/num_failed");
        post_json(
            &app,
            &uri,
            &json!({"Preset": active(1, 1), "Backoff": huge}),
        )
        .await
        .problem_at(422, "/Backoff/num_failed");
        // In a global snapshot, the row the preset was given, as listed.
        let mut own = huge.clone();
        own["preset_id"] = json!(preset_id(2));
        let global = json!({
            "presets": [active(1, 1), active(2, 1)],
            "backoffs": [
                {"preset_id": preset_id(1), "num_failed": 1, "last_build_at": "2025-06-02T11:00:00Z"},
                own
            ],
            "schedules": [], "pending": [], "hard_limited": [preset_id(2)]
        });
        let uri = format!("{GLOBAL}?now={NOW}&backoff_interval=1h");
        post_json(&app, &uri, &global)
            .await
            .problem_at(422, "/backoffs/1/num_failed");
        let twice = json!({"presets": [active(1, 1), active(2, 1), active(1, 2)]});
        refused_at(&app, GLOBAL, &twice, "/presets/2/id").await;
    }

    #[tokio::test]
    async fn v2s_endpoints_share_v1s_status_codes() {
        let app = app();
        for uri in [PRESET, GLOBAL] {
            post(&app, uri, "{\"preset\": ").await.problem(400);
            post_json(&app, &format!("{uri}?now=yesterday"), &json!({}))
                .await
                .problem(400);
            post_json(&app, &format!("{uri}?backoff_interval=-1s"), &json!({}))
                .await
                .problem(400);
            post_json(&app, &format!("{uri}?explain=yes"), &json!({}))
                .await
                .problem(400);
            let plain = axum::http::Request::post(uri)
                .header(axum::http::header::CONTENT_TYPE, "text/plain")
                .body(axum::body::Body::from("{}"))
                .unwrap();
            send(&app, plain).await.problem(415);
            let get = get(&app, uri).await;
            assert_eq!(get.status, 405, "GET {uri}");
        }
        post_json(&app, PRESET, &json!({}))
            .await
            .problem_at(422, "/preset");
        post_json(&app, GLOBAL, &json!({}))
            .await
            .problem_at(422, "/presets");
    }
}

/// Decision ids and explanations on v2.
mod provenance {
    use super::*;

    fn v7(value: &Value) -> Uuid {
        let id = Uuid::parse_str(value.as_str().unwrap_or_default())
            .unwrap_or_else(|_| panic!("not a UUID: {value}"));
        assert_eq!(id.get_version_num(), 7, "{id} is not a UUID v7");
        id
    }

    fn example(name: &str) -> Value {
        let text = match name {
            "preset" => include_str!("../../examples/v2-preset-snapshot.json"),
            _ => include_str!("../../examples/v2-global-snapshot.json"),
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
}

/// With no TTL, no invalidation, no schedules, no pending jobs and no hard limit, v2 answers
/// v1's decision, its one action split into a list as the contract implies.
mod v1_unchanged {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// `cases` cases, unless `PROPTEST_CASES` asks for another number.
    fn config(cases: u32) -> Config {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(cases);
        // No failure file: a failure prints its shrunk input.
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// An instant `minutes` before NOW, written in one of a few spellings.
    fn minutes_before(minutes: i64, spelling: u8) -> String {
        let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
        let at = now - chrono::TimeDelta::minutes(minutes);
        match spelling % 3 {
            0 => at.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            1 => at
                .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
            _ => at.to_utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        }
    }

    /// A preset row (with the given ID); `desired_instances` absent, null, a number, or Go's
    /// `sql.NullInt32` (whose `Int32` counts whatever `Valid` says). Returns the row and the
    /// target v1 reads from it.
    fn preset_row(id: String) -> impl Strategy<Value = (Value, i32)> {
        (
            prop::bool::weighted(0.75),
            prop::bool::weighted(0.15),
            prop::bool::weighted(0.15),
            0..5i32,
            0..4u8,
            any::<bool>(),
        )
            .prop_map(
                move |(using_active, deleted, deprecated, desired, form, valid)| {
                    let mut row = json!({
                        "id": id,
                        "using_active_version": using_active,
                        "deleted": deleted,
                        "deprecated": deprecated
                    });
                    let target = match form {
                        0 => 0,
                        1 => {
                            row["desired_instances"] = json!(null);
                            0
                        }
                        2 => {
                            row["desired_instances"] = json!(desired);
                            desired
                        }
                        _ => {
                            row["desired_instances"] = json!({"Int32": desired, "Valid": valid});
                            desired
                        }
                    };
                    (row, target)
                },
            )
    }

    /// Running rows with unique IDs (numbered from `first`), created 0–4 minutes before NOW so
    /// equal times are common.
    fn running_rows(first: u32, max: usize) -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec((any::<bool>(), 0..5i64, any::<u8>()), 0..max).prop_map(
            move |rows| {
                rows.into_iter()
                    .zip(first..)
                    .map(|((ready, age, spelling), n)| {
                        json!({"id": id(n), "ready": ready, "created_at": minutes_before(age, spelling)})
                    })
                    .collect()
            },
        )
    }

    fn in_progress_rows() -> impl Strategy<Value = Vec<Value>> {
        prop::collection::vec(
            (
                prop::sample::select(vec!["start", "stop", "delete"]),
                0..4i32,
            ),
            0..4,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(transition, count)| json!({"transition": transition, "count": count}))
                .collect()
        })
    }

    /// A backoff row, or none: 0–3 failures, the last 0–9 minutes before NOW.
    fn backoff_row() -> impl Strategy<Value = Option<Value>> {
        prop::option::of((0..4i32, 0..10i64, any::<u8>()).prop_map(|(failed, age, spelling)| {
            json!({"num_failed": failed, "last_build_at": minutes_before(age, spelling)})
        }))
    }

    fn interval() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["0s", "30s", "1m", "2m30s", "5m"])
    }

    /// A value of a v2 field that asks for nothing: absent (`None`), null, or `neutral`.
    fn neutral(value: Value) -> impl Strategy<Value = Option<Value>> {
        prop_oneof![Just(None), Just(Some(Value::Null)), Just(Some(value))]
    }

    /// v2's preset fields, each absent, null or neutral; a timezone is harmless without
    /// schedules.
    fn neutral_preset_fields() -> impl Strategy<Value = Vec<(&'static str, Option<Value>)>> {
        (
            neutral(json!(0)),
            neutral(json!(null)),
            prop_oneof![
                Just(None),
                Just(Some(json!(""))),
                Just(Some(json!("UTC"))),
                Just(Some(json!("Asia/Tokyo")))
            ],
        )
            .prop_map(|(ttl, invalidated, timezone)| {
                vec![
                    ("ttl", ttl),
                    ("last_invalidated_at", invalidated),
                    ("scheduling_timezone", timezone),
                ]
            })
    }

    fn set_fields(object: &mut Value, fields: Vec<(&'static str, Option<Value>)>) {
        for (key, value) in fields {
            if let Some(value) = value {
                object[key] = value;
            }
        }
    }

    /// v1's single action as v2's list: backoff alone; create 0 and delete [] are nothing.
    fn split(action: &Value) -> Value {
        let nothing = match action["action_type"].as_str() {
            Some("create") => action["create"] == 0,
            Some("delete") => action["delete_ids"] == json!([]),
            Some("backoff") => false,
            other => panic!("v1 answered an unknown action {other:?}"),
        };
        if nothing { json!([]) } else { json!([action]) }
    }

    const V1_STATE: [&str; 7] = [
        "actual",
        "desired",
        "eligible",
        "extraneous",
        "starting",
        "stopping",
        "deleting",
    ];

    /// v2's decision is v1's split, with v2's additions neutral.
    fn agree(
        v1: &Value,
        v2: &Value,
        target: i32,
        active: bool,
        has_backoff: bool,
    ) -> Result<(), TestCaseError> {
        prop_assert_eq!(&v2["preset_id"], &v1["preset_id"]);
        prop_assert_eq!(
            &v2["actions"],
            &split(&v1["actions"]),
            "v1: {}\nv2: {}",
            v1,
            v2
        );
        prop_assert_eq!(&v2["noop"], &v1["noop"]);
        for field in V1_STATE {
            prop_assert_eq!(&v2["state"][field], &v1["state"][field], "{}", field);
        }
        prop_assert_eq!(&v2["state"]["expired"], &json!(0));
        prop_assert_eq!(&v2["state"]["scheduled_target"], &json!(target));
        prop_assert_eq!(&v2["state"]["target_source"], &json!("default"));
        prop_assert_eq!(&v2["state"]["schedule_error"], &Value::Null);
        prop_assert_eq!(&v2["state"]["hard_limited"], &json!(false));
        let can_skip = !active && v1["state"]["actual"] == 0 && !has_backoff;
        prop_assert_eq!(&v2["can_skip"], &json!(can_skip));
        prop_assert_eq!(&v2["evaluated_at"], &v1["evaluated_at"]);
        prop_assert_eq!(&v2["backoff_interval"], &v1["backoff_interval"]);
        Ok(())
    }

    fn is_active(preset: &Value) -> bool {
        preset["using_active_version"] == true
            && preset["deleted"] == false
            && preset["deprecated"] == false
    }

    /// A runtime and the app, to drive the router from a property's synchronous closure.
    fn driver() -> (tokio::runtime::Runtime, Router) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        (runtime, app())
    }

    fn ok(answer: &Answer) -> Result<Value, TestCaseError> {
        if answer.status == 200 {
            Ok(answer.json.clone())
        } else {
            Err(TestCaseError::fail(format!(
                "{}: {}",
                answer.status, answer.json
            )))
        }
    }

    fn run<S: Strategy>(
        cases: u32,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) {
        if let Err(error) = TestRunner::new(config(cases)).run(&strategy, test) {
            panic!("{error}");
        }
    }

    #[test]
    fn a_preset_with_none_of_v2s_inputs_gets_v1s_decision_as_a_list() {
        let (runtime, app) = driver();
        let snapshot = (
            preset_row(preset_id(1)),
            running_rows(1, 7),
            in_progress_rows(),
            backoff_row(),
            neutral_preset_fields(),
            (neutral(json!([])), neutral(json!(0)), neutral(json!(false))),
            any::<bool>(),
            interval(),
        );
        run(
            96,
            snapshot,
            |(
                (preset, target),
                running,
                in_progress,
                backoff,
                preset_fields,
                extras,
                go_keys,
                interval,
            )| {
                let keys = if go_keys {
                    ["Preset", "Running", "InProgress", "Backoff"]
                } else {
                    ["preset", "running", "in_progress", "backoff"]
                };
                let has_backoff = backoff.is_some();
                let active = is_active(&preset);
                let v1_body = json!({
                    keys[0]: preset,
                    keys[1]: running,
                    keys[2]: in_progress,
                    keys[3]: backoff
                });
                let mut v2_body = v1_body.clone();
                set_fields(&mut v2_body[keys[0]], preset_fields);
                let (schedules, pending, hard_limited) = extras;
                set_fields(
                    &mut v2_body,
                    vec![
                        ("schedules", schedules),
                        ("pending_count", pending),
                        ("is_hard_limited", hard_limited),
                    ],
                );
                let query = format!("now={NOW}&backoff_interval={interval}");
                let (v1, v2) = runtime.block_on(async {
                    (
                        post_json(&app, &format!("/v1/presets/reconcile?{query}"), &v1_body).await,
                        post_json(&app, &format!("{PRESET}?{query}"), &v2_body).await,
                    )
                });
                let (v1, v2) = (ok(&v1)?, ok(&v2)?);
                agree(&v1, &v2, target, active, has_backoff)
            },
        );
    }

    #[test]
    fn every_preset_of_a_global_snapshot_with_none_of_v2s_inputs_gets_v1s_decision_as_a_list() {
        let (runtime, app) = driver();
        let stray = "0196a3b2-0000-7000-8000-999999999999".to_owned();
        // Up to three presets, each with its own rows, plus rows of no listed preset.
        let presets = (1..=3u32)
            .map(|n| {
                (
                    preset_row(preset_id(n)),
                    running_rows(n * 10, 4),
                    in_progress_rows(),
                    backoff_row(),
                    neutral_preset_fields(),
                )
            })
            .collect::<Vec<_>>();
        let strategy = (
            presets,
            1..=3usize,
            running_rows(90, 3),
            backoff_row(),
            (
                neutral(
                    json!([{"preset_id": stray, "cron_expression": "* 0-23 * * *", "desired_instances": 9}]),
                ),
                neutral(json!([{"preset_id": stray, "count": 4}, {"preset_id": null, "count": 4}])),
                neutral(json!([stray])),
            ),
            interval(),
        );
        run(
            48,
            strategy,
            |(presets, listed, stray_running, stray_backoff, extras, interval)| {
                let owner = |rows: Vec<Value>, key: &str, preset: &Value| -> Vec<Value> {
                    rows.into_iter()
                        .map(|row| with(row, key, preset["id"].clone()))
                        .collect()
                };
                let (mut v1_presets, mut v2_presets) = (Vec::new(), Vec::new());
                let (mut all_running, mut all_in_progress, mut backoffs) =
                    (Vec::new(), Vec::new(), Vec::new());
                let mut expected = Vec::new();
                for ((preset, target), running, in_progress, backoff, fields) in
                    presets.into_iter().take(listed)
                {
                    expected.push((target, is_active(&preset), backoff.is_some()));
                    all_running.extend(owner(running, "current_preset_id", &preset));
                    all_in_progress.extend(owner(in_progress, "preset_id", &preset));
                    if let Some(row) = backoff {
                        backoffs.push(with(row, "preset_id", preset["id"].clone()));
                    }
                    let mut v2_preset = preset.clone();
                    set_fields(&mut v2_preset, fields);
                    v1_presets.push(preset);
                    v2_presets.push(v2_preset);
                }
                // Rows of no listed preset: ignored by both.
                let stray_id = json!(stray);
                all_running.extend(
                    stray_running
                        .into_iter()
                        .map(|row| with(row, "current_preset_id", stray_id.clone())),
                );
                if let Some(row) = stray_backoff {
                    backoffs.push(with(row, "preset_id", stray_id.clone()));
                }
                let v1_body = json!({
                    "presets": v1_presets,
                    "running": all_running,
                    "in_progress": all_in_progress,
                    "backoffs": backoffs
                });
                let mut v2_body = v1_body.clone();
                v2_body["presets"] = json!(v2_presets);
                let (schedules, pending, hard_limited) = extras;
                set_fields(
                    &mut v2_body,
                    vec![
                        ("schedules", schedules),
                        ("pending", pending),
                        ("hard_limited", hard_limited),
                    ],
                );
                let query = format!("now={NOW}&backoff_interval={interval}");
                let (v1, v2) = runtime.block_on(async {
                    (
                        post_json(&app, &format!("/v1/global/reconcile?{query}"), &v1_body).await,
                        post_json(&app, &format!("{GLOBAL}?{query}"), &v2_body).await,
                    )
                });
                let (v1, v2) = (ok(&v1)?, ok(&v2)?);
                let (v1s, v2s) = (
                    v1["decisions"].as_array().unwrap(),
                    v2["decisions"].as_array().unwrap(),
                );
                prop_assert_eq!(v1s.len(), expected.len());
                prop_assert_eq!(v2s.len(), expected.len());
                for ((v1, v2), &(target, active, has_backoff)) in v1s.iter().zip(v2s).zip(&expected)
                {
                    agree(v1, v2, target, active, has_backoff)?;
                }
                prop_assert_eq!(&v2["evaluated_at"], &v1["evaluated_at"]);
                Ok(())
            },
        );
    }
}

/// What the OpenAPI document says of v2, checked against the service.
mod document {
    use super::*;

    async fn document(app: &Router) -> Value {
        let answer = get(app, "/api-docs/openapi.json").await;
        assert_eq!(answer.status, 200);
        answer.json
    }

    #[tokio::test]
    async fn every_operation_has_an_operation_id_of_its_own() {
        // Swagger UI's "Execute" builds its request from the operation found by operationId: two
        // operations sharing one both send to the first one's path.
        let document = document(&app()).await;
        let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if let Some(id) = operation["operationId"].as_str() {
                    owners
                        .entry(id.to_owned())
                        .or_default()
                        .push(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        let shared: Vec<_> = owners.iter().filter(|(_, o)| o.len() > 1).collect();
        assert!(shared.is_empty(), "operationIds shared: {shared:?}");
    }

    #[tokio::test]
    async fn the_documented_v2_answers_are_what_the_request_examples_get() {
        let app = app();
        let document = document(&app).await;
        let uri = |path: &str| format!("{path}?now=2025-06-02T16:00:00Z");
        for (path, answer_schema) in [(PRESET, "DecisionV2"), (GLOBAL, "GlobalDecisionV2")] {
            let request = &document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
                ["example"];
            assert!(request.is_object(), "{path} has no request example");
            let mut documented =
                document["components"]["schemas"][answer_schema]["example"].clone();
            let mut answer = decided(&app, &uri(path), request).await;
            // Decision ids are new on every call.
            for value in [&mut documented, &mut answer] {
                value.as_object_mut().unwrap().remove("decision_id");
                if let Some(decisions) = value.get_mut("decisions").and_then(Value::as_array_mut) {
                    for decision in decisions {
                        decision.as_object_mut().unwrap().remove("decision_id");
                    }
                }
            }
            assert_eq!(documented, answer, "{answer_schema}'s example");
        }
    }
}
