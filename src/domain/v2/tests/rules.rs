//! Rules beyond the contract's listed cases: order, backoff, the inactive rule, the state.

use super::*;

fn failures(num_failed: i32, last_build_at: &str) -> Backoff {
    Backoff {
        num_failed,
        last_build_at: at(last_build_at),
        preset_id: None,
    }
}

#[test]
fn backoff_comes_first_and_alone_for_an_active_preset() {
    let mut rows = rows(with_ttl(preset(3), 5));
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    rows.backoff = Some(failures(2, "2025-06-02T11:59:00Z"));
    let d = decide(rows);
    assert_eq!(
        d.actions,
        vec![ActionV2::Backoff(at("2025-06-02T12:01:00Z"))]
    );
    // The state still tells what the expiry rule found.
    assert_eq!(d.state.expired, 1);
}

#[test]
fn backoff_comes_before_cancelling_pending_jobs_of_an_inactive_preset() {
    let mut rows = rows(inactive(0));
    rows.pending_count = 4;
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    rows.backoff = Some(failures(1, "2025-06-02T11:59:30Z"));
    let d = decide(rows);
    assert_eq!(
        d.actions,
        vec![ActionV2::Backoff(at("2025-06-02T12:00:30Z"))]
    );
}

#[test]
fn the_backoff_holds_at_its_last_instant_and_ends_one_nanosecond_later_as_in_v1() {
    let mut rows = rows(preset(1));
    rows.backoff = Some(failures(1, "2025-06-02T11:59:00Z"));
    let s = snapshot(rows);
    assert_eq!(
        s.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap(),
        vec![ActionV2::Backoff(at(NOW))]
    );
    assert_eq!(
        s.calculate_actions(at("2025-06-02T12:00:00.000000001Z"), MINUTE, &mut NoTrace)
            .unwrap(),
        vec![ActionV2::Create(1)]
    );
}

#[test]
fn backoff_window_errors_are_v1s_errors() {
    let mut rows = rows(preset(1));
    rows.backoff = Some(failures(i32::MAX, "2025-06-02T11:59:00Z"));
    let error = snapshot(rows)
        .decide(at(NOW), GoDuration::parse("1000h").unwrap(), &mut NoTrace)
        .unwrap_err();
    assert!(matches!(
        error,
        SnapshotError::BackoffWindowPastDuration { .. }
    ));
    assert_eq!(error.field(), Field::BackoffNumFailed { row: 0 });
}

#[test]
fn an_inactive_preset_deletes_every_running_prebuild_expired_ones_included_oldest_first() {
    let mut preset = with_ttl(inactive(4), 5);
    preset.last_invalidated_at = Some(at("2025-06-02T09:30:00Z"));
    let mut rows = rows(preset);
    rows.running = vec![
        prebuild(1, "2025-06-02T11:59:58Z", true),
        prebuild(2, "2025-06-02T09:00:00Z", false),
        prebuild(3, "2025-06-02T10:00:00Z", true),
    ];
    rows.pending_count = 3;
    let d = decide(rows);
    assert_eq!(
        d.actions,
        vec![ActionV2::CancelPending(3), delete(&[2, 3, 1])]
    );
    assert_eq!(
        d.state,
        StateV2 {
            counts: ReconciliationState {
                actual: 3,
                ..ReconciliationState::default()
            },
            expired: 2,
            scheduled_target: 4,
            target_source: TargetSource::Default,
            schedule_error: None,
            hard_limited: false,
            validation_failed: false,
        }
    );
}

#[test]
fn an_inactive_preset_still_tells_its_scheduled_target() {
    let mut rows = rows(in_zone(inactive(1), "UTC"));
    rows.schedules = schedules(&[("* 9-18 * * 1-5", 3)]);
    let d = decide(rows);
    assert_eq!(d.state.counts.desired, 0);
    assert_eq!(d.state.scheduled_target, 3);
    assert_eq!(d.state.target_source, TargetSource::Schedule);
    assert_eq!(d.actions, vec![]);
    assert!(d.can_skip);
}

#[test]
fn expired_prebuilds_are_deleted_in_input_order_not_by_age() {
    let mut rows = rows(with_ttl(preset(0), 5));
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T09:00:00Z", true),
        prebuild(3, "2025-06-02T10:00:00Z", true),
    ];
    assert_eq!(decide(rows).actions, vec![delete(&[1, 2, 3])]);
}

#[test]
fn extraneous_live_prebuilds_are_deleted_oldest_first_ties_in_input_order() {
    let mut rows = rows(preset(1));
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T10:00:00Z", true),
        prebuild(3, "2025-06-02T10:00:00Z", true),
        prebuild(4, "2025-06-02T09:00:00Z", true),
    ];
    assert_eq!(decide(rows).actions, vec![delete(&[4, 2, 3])]);
}

#[test]
fn eligible_counts_only_ready_live_prebuilds() {
    let mut rows = rows(with_ttl(preset(5), 60));
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T11:59:30Z", true),
        prebuild(3, "2025-06-02T11:59:40Z", false),
        prebuild(4, "2025-06-02T11:59:50Z", true),
    ];
    let state = decide(rows).state;
    assert_eq!(state.counts.eligible, 2);
    assert_eq!(state.expired, 1);
    assert_eq!(state.counts.actual, 4);
}

#[test]
fn builds_already_starting_are_not_created_again_after_expiry() {
    let mut rows = rows(with_ttl(preset(4), 5));
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T11:59:59Z", true),
    ];
    rows.in_progress = vec![
        InProgressCount {
            transition: Transition::Start,
            count: 2,
            preset_id: None,
        },
        InProgressCount {
            transition: Transition::Delete,
            count: 7,
            preset_id: None,
        },
    ];
    let d = decide(rows);
    // live 1, starting 2, desired 4: create 1.
    assert_eq!(d.actions, vec![delete(&[1]), ActionV2::Create(1)]);
    assert_eq!((d.state.counts.starting, d.state.counts.deleting), (2, 7));
}

#[test]
fn a_hard_limited_preset_still_deletes_expired_and_extraneous_prebuilds() {
    let mut rows = rows(with_ttl(preset(1), 5));
    rows.is_hard_limited = true;
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T11:59:57Z", true),
        prebuild(3, "2025-06-02T11:59:58Z", true),
    ];
    assert_eq!(decide(rows).actions, vec![delete(&[1]), delete(&[2])]);
}

#[test]
fn a_hard_limited_preset_reports_what_it_would_create_in_its_state_only() {
    let mut rows = rows(preset(3));
    rows.is_hard_limited = true;
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    let d = decide(rows);
    assert_eq!(d.actions, vec![]);
    assert_eq!((d.state.counts.desired, d.state.counts.actual), (3, 1));
}

#[test]
fn a_schedule_of_zero_deletes_every_live_prebuild_of_an_active_preset() {
    let mut rows = rows(in_zone(preset(2), "UTC"));
    rows.schedules = schedules(&[("* 0-6 * * *", 0)]);
    rows.running = vec![
        prebuild(1, "2025-06-02T01:00:00Z", true),
        prebuild(2, "2025-06-02T00:00:00Z", true),
    ];
    let d = decide_at(rows, "2025-06-02T03:00:00Z");
    assert_eq!(d.actions, vec![delete(&[2, 1])]);
    assert_eq!(d.state.counts.extraneous, 2);
}

#[test]
fn a_bad_schedule_falls_back_to_the_default_and_says_why() {
    let mut rows = rows(in_zone(preset(2), "UTC"));
    rows.schedules = schedules(&[("0 9-18 * * 1-5", 5)]);
    let d = decide(rows);
    assert_eq!(d.state.counts.desired, 2);
    assert_eq!(d.state.target_source, TargetSource::Default);
    assert_eq!(
        d.state.schedule_error.as_deref(),
        Some(r#"schedule 0 ("0 9-18 * * 1-5") is skipped: the minute must be `*`, got `0`"#)
    );
    assert_eq!(d.actions, vec![ActionV2::Create(2)]);
}

#[test]
fn a_negative_target_makes_every_live_prebuild_extraneous() {
    let mut rows = rows(in_zone(preset(2), "UTC"));
    rows.schedules = schedules(&[("* * * * *", -1)]);
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T10:00:00Z", true),
    ];
    let d = decide(rows);
    assert_eq!((d.state.counts.desired, d.state.scheduled_target), (-1, -1));
    // live − desired = 2 − (−1) = 3, more than there are: all are deleted, none created.
    assert_eq!(d.state.counts.extraneous, 3);
    assert_eq!(d.actions, vec![delete(&[2, 1])]);
}

#[test]
fn a_negative_target_with_nothing_live_deletes_nothing_and_says_nothing() {
    // Upstream's decision holds a delete of no prebuilds here; it does nothing, so v2 has
    // no action at all.
    let mut rows = rows(in_zone(preset(2), "UTC"));
    rows.schedules = schedules(&[("* * * * *", -4)]);
    let d = decide(rows);
    assert_eq!(d.state.counts.extraneous, 4);
    assert_eq!(d.actions, vec![]);
    assert!(d.is_noop());
}

#[test]
fn counts_are_int32_as_upstream_computes_them() {
    // live − desired wraps past int32 for a target of −2147483648: nothing is extraneous.
    let mut rows = rows(in_zone(preset(2), "UTC"));
    rows.schedules = schedules(&[("* * * * *", i32::MIN)]);
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    let d = decide(rows.clone());
    assert_eq!(d.state.counts.extraneous, 0);
    // desired − live − starting wraps to 2147483647, and upstream's reconciler clamps the
    // create to the target, here below 0: nothing is created.
    assert_eq!(d.actions, vec![]);
    // With 2147483647 starting and more live than wanted, the create wraps above 0 and is
    // clamped to the target: upstream creates the target's 5 (and deletes the extraneous).
    rows.schedules = schedules(&[("* * * * *", 5)]);
    rows.running = (1..=10)
        .map(|n| prebuild(n, &format!("2025-06-02T10:{n:02}:00Z"), true))
        .collect();
    rows.in_progress = vec![InProgressCount {
        transition: Transition::Start,
        count: i32::MAX,
        preset_id: None,
    }];
    let d = decide(rows);
    assert_eq!(d.state.counts.extraneous, 5);
    assert_eq!(
        d.actions,
        vec![delete(&[1, 2, 3, 4, 5]), ActionV2::Create(5)]
    );
}

#[test]
fn a_preset_that_failed_validation_creates_nothing_but_still_deletes() {
    let mut preset = with_ttl(preset(3), 60);
    preset.prebuild_status = PrebuildStatus::ValidationFailed;
    let mut rows = rows(preset);
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T11:59:30Z", true),
    ];
    let mut explanation = Explanation::default();
    let d = snapshot(rows)
        .decide(at(NOW), MINUTE, &mut explanation)
        .unwrap();
    assert!(d.state.validation_failed);
    assert!(!d.state.hard_limited);
    assert_eq!((d.state.counts.desired, d.state.expired), (3, 1));
    assert_eq!(d.actions, vec![delete(&[1])]);
    let step = explanation
        .0
        .iter()
        .find(|step| step.rule == "validation_failed")
        .expect("a validation_failed step");
    assert_eq!(
        step.detail,
        "3 desired − 1 live − 0 starting = 2: would create 2, but the preset's \
         prebuild_status is validation_failed (until a new template version is promoted)"
    );
    assert!(!explanation.0.iter().any(|step| step.rule == "create"));
}

#[test]
fn a_recorded_hard_limited_status_changes_nothing_by_itself() {
    // Upstream's reconciler reads the hard limit from the failure-limit query, not from
    // the status it records.
    let mut preset = preset(2);
    preset.prebuild_status = PrebuildStatus::HardLimited;
    let d = decide(rows(preset));
    assert!(!d.state.hard_limited && !d.state.validation_failed);
    assert_eq!(d.actions, vec![ActionV2::Create(2)]);
}

#[test]
fn int32_extremes_decide_without_overflow() {
    let mut rows = rows(preset(0));
    rows.in_progress = vec![InProgressCount {
        transition: Transition::Start,
        count: i32::MAX,
        preset_id: None,
    }];
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    assert_eq!(decide(rows).actions, vec![delete(&[1])]);

    assert_eq!(decide(rows_max()).actions, vec![ActionV2::Create(i32::MAX)]);
}

fn rows_max() -> PresetRowsV2 {
    let mut rows = rows(in_zone(preset(0), "UTC"));
    rows.schedules = schedules(&[("* * * * *", i32::MAX)]);
    rows
}

#[test]
fn v1_state_fields_are_available_under_v1s_names() {
    let mut rows = rows(preset(2));
    rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
    let d = decide(rows);
    assert_eq!(
        d.state.counts,
        crate::domain::ReconciliationState {
            actual: 1,
            desired: 2,
            eligible: 1,
            extraneous: 0,
            starting: 0,
            stopping: 0,
            deleting: 0,
        }
    );
}
