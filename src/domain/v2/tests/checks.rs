//! The input checks: v1's, unchanged, on v1's rows; v2's own values are never refused.

use super::*;

fn refused(rows: PresetRowsV2) -> SnapshotError {
    PresetSnapshotV2::new(rows).unwrap_err()
}

#[test]
fn v1s_checks_run_and_keep_v1s_fields() {
    let mut rows = rows(with_ttl(preset(-1), -5));
    rows.pending_count = -1;
    let error = refused(rows);
    assert_eq!(
        error,
        SnapshotError::Negative {
            field: Field::DesiredInstances { preset: 0 },
            value: -1
        }
    );
    assert_eq!(error.field(), Field::DesiredInstances { preset: 0 });
    assert_eq!(error.to_string(), "must be 0 or more, got -1");

    let mut twice = rows_with_duplicate_running();
    twice.preset.ttl = Some(-1);
    assert_eq!(refused(twice).field(), Field::RunningId { row: 1 });
}

fn rows_with_duplicate_running() -> PresetRowsV2 {
    let mut rows = rows(preset(1));
    rows.running = vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(1, "2025-06-02T11:00:00Z", true),
    ];
    rows
}

#[test]
fn a_ttl_of_zero_or_less_is_no_ttl() {
    for ttl in [0, -1, i32::MIN] {
        let mut rows = rows(with_ttl(preset(1), ttl));
        rows.running = vec![prebuild(1, "2000-01-01T00:00:00Z", true)];
        let d = decide(rows);
        assert_eq!(d.state.expired, 0, "ttl {ttl}");
        assert_eq!(d.actions, vec![], "ttl {ttl}");
    }
}

#[test]
fn a_negative_schedule_target_is_used_even_when_the_schedules_are_ignored() {
    let mut rows = rows(preset(1));
    rows.schedules = schedules(&[("not cron", -1)]);
    assert_eq!(decide(rows).state.counts.desired, 1);
}

#[test]
fn a_negative_pending_count_cancels_nothing_and_lets_the_preset_be_skipped() {
    let mut rows = rows(inactive(0));
    rows.pending_count = -2;
    let d = decide(rows);
    assert_eq!(d.actions, vec![]);
    assert!(d.can_skip);
}

#[test]
fn a_bad_schedule_or_timezone_is_not_an_input_error() {
    let mut rows = rows(in_zone(preset(1), "Nowhere/Special"));
    rows.schedules = schedules(&[("MON", 1)]);
    assert!(PresetSnapshotV2::new(rows).is_ok());
}

#[test]
fn the_snapshot_keeps_what_it_was_given() {
    let mut preset = in_zone(with_ttl(preset(1), 30), "Asia/Tokyo");
    preset.last_invalidated_at = Some(at("2025-06-01T00:00:00Z"));
    preset.prebuild_status = PrebuildStatus::ValidationFailed;
    let mut rows = rows(preset);
    rows.schedules = schedules(&[("* 9 * * *", 2)]);
    rows.pending_count = 3;
    rows.is_hard_limited = true;
    let s = snapshot(rows);
    assert_eq!(s.expiry().ttl_seconds, Some(30));
    assert_eq!(
        s.expiry().last_invalidated_at,
        Some(at("2025-06-01T00:00:00Z"))
    );
    assert_eq!(s.scheduling_timezone(), Some("Asia/Tokyo"));
    assert_eq!(s.schedules(), &schedules(&[("* 9 * * *", 2)])[..]);
    assert!(matches!(s.target_rule(), TargetRule::Weekly { .. }));
    assert_eq!(s.pending_count(), 3);
    assert!(s.is_hard_limited());
    assert_eq!(s.prebuild_status(), PrebuildStatus::ValidationFailed);
    assert!(s.is_active());
    assert_eq!(s.v1().preset().desired_instances, 1);
}
