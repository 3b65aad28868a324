//! The global call: v2's lists split by preset ID; one preset's bad schedule fails no other.

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
