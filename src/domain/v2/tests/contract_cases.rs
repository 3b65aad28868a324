//! The contract's "Cases from Coder's own tests", one test per table or paragraph.

use super::*;

/// Rows created 10 s before `NOW` (expired under a 5 s TTL) and a few seconds before it
/// (live). Live ones are listed out of age order so "oldest" is not "first".
fn expired_row(n: u128) -> RunningPrebuild {
    prebuild(n, "2025-06-02T11:59:50Z", true)
}

fn live_row(n: u128, seconds_before_now: u32) -> RunningPrebuild {
    let created = format!("2025-06-02T11:59:{:02}Z", 60 - seconds_before_now);
    prebuild(n, &created, true)
}

fn ttl_case(running: Vec<RunningPrebuild>, desired: i32) -> DecisionV2 {
    let mut rows = rows(with_ttl(preset(desired), 5));
    rows.running = running;
    decide(rows)
}

fn counts(d: &DecisionV2) -> (i32, i32, i32, i32) {
    (
        d.state.counts.actual,
        d.state.counts.desired,
        d.state.expired,
        d.state.counts.extraneous,
    )
}

#[test]
fn two_live_prebuilds_at_a_target_of_two_need_nothing() {
    let d = ttl_case(vec![live_row(0, 2), live_row(1, 1)], 2);
    assert_eq!(counts(&d), (2, 2, 0, 0));
    assert_eq!(d.actions, vec![]);
    assert!(d.is_noop());
}

#[test]
fn one_expired_of_two_is_deleted_and_replaced() {
    let d = ttl_case(vec![expired_row(0), live_row(1, 1)], 2);
    assert_eq!(counts(&d), (2, 2, 1, 0));
    assert_eq!(d.actions, vec![delete(&[0]), ActionV2::Create(1)]);
}

#[test]
fn two_expired_of_two_are_deleted_and_replaced() {
    let d = ttl_case(vec![expired_row(0), expired_row(1)], 2);
    assert_eq!(counts(&d), (2, 2, 2, 0));
    assert_eq!(d.actions, vec![delete(&[0, 1]), ActionV2::Create(2)]);
}

#[test]
fn two_expired_of_four_at_a_target_of_two_are_deleted_and_nothing_created() {
    let d = ttl_case(
        vec![
            expired_row(0),
            expired_row(1),
            live_row(2, 3),
            live_row(3, 1),
        ],
        2,
    );
    assert_eq!(counts(&d), (4, 2, 2, 0));
    assert_eq!(d.actions, vec![delete(&[0, 1])]);
}

#[test]
fn one_expired_of_four_at_a_target_of_two_is_deleted_then_the_oldest_live_one() {
    // Live: r1 1 s old, r2 3 s old, r3 2 s old; the oldest live is r2.
    let d = ttl_case(
        vec![
            expired_row(0),
            live_row(1, 1),
            live_row(2, 3),
            live_row(3, 2),
        ],
        2,
    );
    assert_eq!(counts(&d), (4, 2, 1, 1));
    assert_eq!(d.actions, vec![delete(&[0]), delete(&[2])]);
}

#[test]
fn the_explanation_names_the_expired_and_the_extraneous_counts_in_order() {
    let mut rows = rows(with_ttl(preset(2), 5));
    rows.running = vec![
        expired_row(0),
        live_row(1, 1),
        live_row(2, 3),
        live_row(3, 2),
    ];
    let mut explanation = Explanation::default();
    let decision = snapshot(rows)
        .decide(at(NOW), MINUTE, &mut explanation)
        .unwrap();
    assert_eq!(decision.actions, vec![delete(&[0]), delete(&[2])]);
    let steps: Vec<_> = explanation
        .0
        .iter()
        .map(|step| (step.rule, step.detail.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                "expiry",
                "1 of 4 running expired at 2025-06-02T12:00:00Z (ttl 5s, never invalidated)"
            ),
            ("target", "no schedules: desired_instances (2)"),
            ("backoff", "no backoff row: no recent failures"),
            ("active", "template version is active"),
            ("expiry", "delete the 1 expired, in input order"),
            ("extraneous", "3 live, 2 desired: delete the oldest 1"),
            ("create", "2 desired − 3 live − 0 starting = -1: create 0"),
        ]
    );
}

#[test]
fn prebuilds_created_before_the_invalidation_are_all_deleted_and_replaced() {
    let mut preset = preset(2);
    preset.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
    let mut rows = rows(preset);
    rows.running = vec![
        prebuild(0, "2025-06-02T10:00:00Z", true),
        prebuild(1, "2025-06-02T10:30:00Z", true),
    ];
    let d = decide(rows);
    assert_eq!(counts(&d), (2, 2, 2, 0));
    assert_eq!(d.actions, vec![delete(&[0, 1]), ActionV2::Create(2)]);
}

#[test]
fn only_the_prebuild_created_before_the_invalidation_is_deleted_and_replaced() {
    let mut preset = preset(2);
    preset.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
    let mut rows = rows(preset);
    rows.running = vec![
        prebuild(0, "2025-06-02T10:00:00Z", true),
        prebuild(1, "2025-06-02T11:30:00Z", true),
    ];
    let d = decide(rows);
    assert_eq!(counts(&d), (2, 2, 1, 0));
    assert_eq!(d.actions, vec![delete(&[0]), ActionV2::Create(1)]);
}

/// Two presets with two weekday schedules each and a default of 1, decided together, at
/// each hour of Monday 2 June 2025 (UTC) the contract lists.
#[test]
fn two_presets_follow_their_own_schedules_through_a_monday() {
    let a = id(0xA);
    let b = id(0xB);
    let preset_row = |preset_id: Uuid| {
        let mut preset = in_zone(preset(1), "UTC");
        preset.preset.id = preset_id;
        preset
    };
    let owned = |cron: &str, n: i32, preset_id: Uuid| Schedule {
        preset_id: Some(preset_id),
        ..schedule(cron, n)
    };
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![preset_row(a), preset_row(b)],
        schedules: vec![
            owned("* 2-4 * * 1-5", 2, a),
            owned("* 10-12 * * 1-5", 4, b),
            owned("* 6-8 * * 1-5", 3, a),
            owned("* 14-16 * * 1-5", 5, b),
        ],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    for (hour, want_a, want_b) in [
        ("01", 1, 1),
        ("03", 2, 1),
        ("07", 3, 1),
        ("11", 1, 4),
        ("15", 1, 5),
    ] {
        let now = at(&format!("2025-06-02T{hour}:00:00Z"));
        let decisions = decide_all(&global, now, MINUTE).unwrap();
        for (decision, want) in decisions.iter().zip([want_a, want_b]) {
            assert_eq!(decision.state.counts.desired, want, "{hour}:00");
            assert_eq!(decision.actions, vec![ActionV2::Create(want)], "{hour}:00");
            let source = if want == 1 {
                TargetSource::Default
            } else {
                TargetSource::Schedule
            };
            assert_eq!(decision.state.target_source, source, "{hour}:00");
        }
    }
}

fn desired_at(list: &[(&str, i32)], timezone: &str, now: &str) -> i32 {
    let mut rows = rows(in_zone(preset(1), timezone));
    rows.schedules = schedules(list);
    let d = decide_at(rows, now);
    assert_eq!(d.state.schedule_error, None);
    assert_eq!(
        d.actions,
        vec![ActionV2::Create(d.state.counts.desired)],
        "{now}"
    );
    d.state.counts.desired
}

#[test]
fn working_hours_start_at_nine_and_end_after_eighteen_fifty_nine_fifty_nine() {
    let work = &[("* 9-18 * * 1-5", 3)];
    for (now, want) in [
        ("2025-06-02T08:59:59Z", 1),
        ("2025-06-02T09:00:00Z", 3),
        ("2025-06-02T18:59:59Z", 3),
        ("2025-06-02T19:00:00Z", 1),
        ("2025-06-07T14:00:00Z", 1),
        ("2025-06-08T14:00:00Z", 1),
    ] {
        assert_eq!(desired_at(work, "UTC", now), want, "{now}");
    }
}

#[test]
fn three_weekday_windows_each_give_their_own_target() {
    let windows = &[
        ("* 6-10 * * 1-5", 2),
        ("* 12-16 * * 1-5", 3),
        ("* 18-22 * * 1-5", 4),
    ];
    for (hour, want) in [
        ("05", 1),
        ("08", 2),
        ("11", 1),
        ("14", 3),
        ("20", 4),
        ("23", 1),
    ] {
        let now = format!("2025-06-02T{hour}:00:00Z");
        assert_eq!(desired_at(windows, "UTC", &now), want, "{now}");
    }
}

#[test]
fn weekday_and_weekend_schedules_do_not_overlap_and_each_holds_on_its_days() {
    let week = &[("* 9-18 * * 1-5", 2), ("* 9-13 * * 6,0", 3)];
    assert_eq!(desired_at(week, "UTC", "2025-06-02T14:00:00Z"), 2);
    assert_eq!(desired_at(week, "UTC", "2025-06-07T10:00:00Z"), 3);
    assert_eq!(desired_at(week, "UTC", "2025-06-07T14:00:00Z"), 1);
}

#[test]
fn a_los_angeles_schedule_is_read_in_los_angeles_time() {
    let morning = &[("* 9-13 * * 1-5", 3)];
    for (now, want) in [
        ("2025-06-02T15:00:00Z", 1),
        ("2025-06-02T16:00:00Z", 3),
        ("2025-06-02T20:59:00Z", 3),
        ("2025-06-02T21:00:00Z", 1),
    ] {
        assert_eq!(
            desired_at(morning, "America/Los_Angeles", now),
            want,
            "{now}"
        );
    }
}

#[test]
fn an_inactive_preset_cancels_its_pending_jobs_and_does_nothing_else() {
    let mut rows = rows(inactive(0));
    rows.pending_count = 2;
    let d = decide(rows);
    assert_eq!(d.actions, vec![ActionV2::CancelPending(2)]);
    assert!(!d.can_skip);
}

#[test]
fn an_active_preset_leaves_pending_jobs_alone() {
    let mut rows = rows(preset(0));
    rows.pending_count = 2;
    let d = decide(rows);
    assert_eq!(d.actions, vec![]);
    assert!(d.is_noop());
}

/// 3 failures, the last a minute before `NOW`; with a 5 minute interval the backoff holds.
fn recent_failures() -> Backoff {
    Backoff {
        num_failed: 3,
        last_build_at: at("2025-06-02T11:59:00Z"),
        preset_id: None,
    }
}

fn can_skip(rows: PresetRowsV2) -> bool {
    let d = snapshot(rows)
        .decide(
            at(NOW),
            GoDuration::MINUTE.checked_mul(5).unwrap(),
            &mut NoTrace,
        )
        .unwrap();
    d.can_skip
}

#[test]
fn an_inactive_preset_with_nothing_may_be_skipped() {
    assert!(can_skip(rows(inactive(0))));
    assert!(snapshot(rows(inactive(0))).can_skip());
}

#[test]
fn an_inactive_preset_with_running_prebuilds_may_not_be_skipped() {
    let mut rows = rows(inactive(0));
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    assert!(!can_skip(rows));
}

#[test]
fn an_inactive_preset_with_pending_jobs_may_not_be_skipped() {
    let mut rows = rows(inactive(0));
    rows.pending_count = 1;
    assert!(!can_skip(rows));
}

#[test]
fn an_inactive_preset_with_a_backoff_row_may_not_be_skipped() {
    let mut rows = rows(inactive(0));
    rows.backoff = Some(recent_failures());
    assert!(!can_skip(rows.clone()));
    // Any backoff row, even one counting no failures.
    rows.backoff = Some(Backoff {
        num_failed: 0,
        ..recent_failures()
    });
    assert!(!can_skip(rows));
}

#[test]
fn a_preset_of_a_deleted_or_deprecated_template_with_nothing_may_be_skipped() {
    let mut deleted = preset(3);
    deleted.preset.deleted = true;
    assert!(can_skip(rows(deleted)));
    let mut deprecated = preset(3);
    deprecated.preset.deprecated = true;
    assert!(can_skip(rows(deprecated)));
}

#[test]
fn an_inactive_hard_limited_preset_with_nothing_may_be_skipped() {
    let mut rows = rows(inactive(0));
    rows.is_hard_limited = true;
    assert!(can_skip(rows));
}

#[test]
fn an_active_preset_may_never_be_skipped() {
    assert!(!can_skip(rows(preset(0))));
    assert!(!can_skip(rows(preset(3))));
    let mut backing_off = rows(preset(3));
    backing_off.backoff = Some(recent_failures());
    assert!(!can_skip(backing_off));
}

#[test]
fn a_hard_limited_active_preset_is_not_skipped_and_creates_nothing() {
    let mut rows = rows(preset(5));
    rows.is_hard_limited = true;
    let d = decide(rows);
    assert!(!d.can_skip);
    assert_eq!(d.actions, vec![]);
    assert_eq!(d.state.counts.desired, 5);
    assert!(d.state.hard_limited);
}
