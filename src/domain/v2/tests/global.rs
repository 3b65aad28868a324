use super::*;

fn preset_with(n: u128, desired: i32) -> PresetV2 {
    let mut preset = preset(desired);
    preset.preset.id = id(n);
    preset
}

fn owned_schedule(cron: &str, n: i32, preset: u128) -> Schedule {
    Schedule {
        preset_id: Some(id(preset)),
        ..schedule(cron, n)
    }
}

fn pending(preset: Option<u128>, count: i32) -> PendingCount {
    PendingCount {
        preset_id: preset.map(id),
        count,
    }
}

#[test]
fn v2_rows_are_split_by_preset_id_and_stray_rows_are_ignored() {
    let mut old = preset_with(1, 2);
    old.preset.using_active_version = false;
    let current = in_zone(preset_with(2, 1), "UTC");
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![old, current],
        schedules: vec![
            owned_schedule("* 9-18 * * *", 5, 2),
            owned_schedule("* 0-8 * * *", 7, 99),
            Schedule {
                preset_id: None,
                ..schedule("* 0-8 * * *", 7)
            },
        ],
        pending: vec![
            pending(Some(99), 5),
            pending(None, 6),
            pending(Some(1), 2),
            pending(Some(1), 3),
        ],
        hard_limited: vec![id(2), id(77)],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0].preset_id, id(1));
    // The preset's first pending row counts, as upstream's `slice.Find` takes it.
    assert_eq!(decisions[0].actions, vec![ActionV2::CancelPending(2)]);
    assert!(!decisions[0].state.hard_limited);
    assert_eq!(decisions[1].preset_id, id(2));
    assert_eq!(decisions[1].state.counts.desired, 5);
    assert!(decisions[1].state.hard_limited);
    assert_eq!(decisions[1].actions, vec![]);
}

#[test]
fn one_presets_bad_schedule_does_not_fail_the_others() {
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![
            in_zone(preset_with(1, 1), "UTC"),
            in_zone(preset_with(2, 1), "UTC"),
            in_zone(preset_with(3, 1), "Mars/Base"),
        ],
        schedules: vec![
            owned_schedule("* 9-18 * * *", 5, 2),
            owned_schedule("* 9-18 * * 1-7", 5, 1),
            owned_schedule("* 9-18 * * *", 5, 3),
        ],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
    assert_eq!(decisions[0].state.counts.desired, 1);
    // The error names the schedule's row in the caller's list.
    assert_eq!(
        decisions[0].state.schedule_error.as_deref(),
        Some(r#"schedule 1 ("* 9-18 * * 1-7") is skipped: day of week: `1-7` ends at 7, above 6"#)
    );
    assert_eq!(decisions[1].state.counts.desired, 5);
    assert_eq!(decisions[1].state.schedule_error, None);
    assert_eq!(decisions[2].state.counts.desired, 1);
    assert!(decisions[2].state.schedule_error.is_some());
}

#[test]
fn each_preset_decides_as_its_own_snapshot_would() {
    let a = with_ttl(preset_with(1, 2), 5);
    let mut b = in_zone(preset_with(2, 1), "Asia/Tokyo");
    b.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
    let owned = |mut row: RunningPrebuild, preset: u128| {
        row.current_preset_id = Some(id(preset));
        row
    };
    let running = vec![
        owned(prebuild(10, "2025-06-02T11:00:00Z", true), 1),
        owned(prebuild(11, "2025-06-02T10:00:00Z", true), 2),
        owned(prebuild(12, "2025-06-02T11:59:59Z", false), 1),
        owned(prebuild(13, "2025-06-02T11:30:00Z", true), 2),
    ];
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![a.clone(), b.clone()],
        running: running.clone(),
        schedules: vec![owned_schedule("* 21 * * 1", 3, 2)],
        pending: vec![pending(Some(2), 1)],
        hard_limited: vec![id(1)],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();

    let mut rows_a = rows(a);
    rows_a.running = vec![running[0], running[2]];
    rows_a.is_hard_limited = true;
    let mut rows_b = rows(b);
    rows_b.running = vec![running[1], running[3]];
    rows_b.schedules = vec![owned_schedule("* 21 * * 1", 3, 2)];
    rows_b.pending_count = 1;
    assert_eq!(decisions, vec![decide(rows_a), decide(rows_b)]);
    // Preset 2 at 21:00 Tokyo (12:00Z): 3 wanted, one expired, one live.
    assert_eq!(
        decisions[1].actions,
        vec![delete(&[11]), ActionV2::Create(2)]
    );
}

#[test]
fn v1s_checks_keep_v1s_global_positions() {
    let error = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![preset_with(1, 1), preset_with(2, 1), preset_with(1, 1)],
        ..GlobalRowsV2::default()
    })
    .unwrap_err();
    assert_eq!(error.field(), Field::PresetId { preset: 2 });
}

#[test]
fn no_v2_value_of_one_preset_fails_the_others() {
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![
            preset_with(1, 1),
            with_ttl(in_zone(preset_with(2, 1), "UTC"), -1),
        ],
        schedules: vec![
            owned_schedule("* * * * *", -1, 2),
            owned_schedule("* 1 * * *", -1, 42),
        ],
        pending: vec![
            pending(Some(1), -4),
            pending(Some(2), i32::MAX),
            pending(Some(2), 1),
        ],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
    assert_eq!(decisions[0].actions, vec![ActionV2::Create(1)]);
    assert_eq!(decisions[1].state.counts.desired, -1);
}

#[test]
fn null_preset_ids_of_in_progress_and_pending_rows_are_the_nil_uuids() {
    // Upstream compares these rows' `preset_id.UUID` without its null flag.
    let mut nil = inactive(0);
    nil.preset.id = Uuid::nil();
    let mut stray_running = prebuild(5, "2025-06-02T11:00:00Z", true);
    stray_running.current_preset_id = None;
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![nil],
        running: vec![stray_running],
        in_progress: vec![InProgressCount {
            transition: Transition::Delete,
            count: 2,
            preset_id: None,
        }],
        schedules: vec![Schedule {
            preset_id: None,
            ..schedule("* * * * *", 3)
        }],
        pending: vec![pending(None, 4)],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let d = &decide_all(&global, at(NOW), MINUTE).unwrap()[0];
    assert_eq!(d.state.counts.deleting, 2);
    assert_eq!(d.actions, vec![ActionV2::CancelPending(4)]);
    // A running row's null current_preset_id names no preset, and a schedule with no
    // preset_id (a column upstream never reads as null) belongs to none.
    assert_eq!(d.state.counts.actual, 0);
    assert_eq!(d.state.target_source, TargetSource::Default);
}

#[test]
fn a_backoff_window_error_names_the_backoff_row_the_preset_was_given() {
    let global = GlobalSnapshotV2::new(GlobalRowsV2 {
        presets: vec![preset_with(1, 1), preset_with(2, 1)],
        backoffs: vec![
            Backoff {
                num_failed: 1,
                last_build_at: at("2025-06-02T11:00:00Z"),
                preset_id: Some(id(1)),
            },
            Backoff {
                num_failed: i32::MAX,
                last_build_at: at("2025-06-02T11:00:00Z"),
                preset_id: Some(id(2)),
            },
        ],
        ..GlobalRowsV2::default()
    })
    .unwrap();
    let error = decide_all(&global, at(NOW), GoDuration::parse("1000h").unwrap()).unwrap_err();
    assert_eq!(error.field(), Field::BackoffNumFailed { row: 1 });
}

#[test]
fn an_empty_global_snapshot_decides_nothing() {
    let global = GlobalSnapshotV2::new(GlobalRowsV2::default()).unwrap();
    assert_eq!(decide_all(&global, at(NOW), MINUTE).unwrap(), vec![]);
}
