//! Unit tests for each rule of the seed, each quirk the contract keeps, and each input check.

use uuid::Uuid;

use super::*;

/// Every preset's decision without explanations, as most tests want them.
fn decide_all(
    global: &GlobalSnapshot,
    now: Timestamp,
    interval: GoDuration,
) -> Result<Vec<Decision>, SnapshotError> {
    let decisions = global.decide(now, interval, false)?;
    Ok(decisions
        .into_iter()
        .map(|(decision, _)| decision)
        .collect())
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

const NOW: &str = "2025-06-02T12:00:00Z";
const MINUTE: GoDuration = GoDuration::MINUTE;

fn active(desired: i32) -> Preset {
    Preset {
        id: id(0xA),
        using_active_version: true,
        deleted: false,
        deprecated: false,
        desired_instances: desired,
    }
}

fn prebuild(n: u128, created_at: &str, ready: bool) -> RunningPrebuild {
    RunningPrebuild {
        id: id(n),
        ready,
        created_at: at(created_at),
        current_preset_id: None,
    }
}

fn progress(transition: Transition, count: i32) -> InProgressCount {
    InProgressCount {
        transition,
        count,
        preset_id: None,
    }
}

fn failures(num_failed: i32, last_build_at: &str) -> Backoff {
    Backoff {
        num_failed,
        last_build_at: at(last_build_at),
        preset_id: None,
    }
}

fn snapshot(
    preset: Preset,
    running: Vec<RunningPrebuild>,
    in_progress: Vec<InProgressCount>,
    backoff: Option<Backoff>,
) -> PresetSnapshot {
    PresetSnapshot::new(preset, running, in_progress, backoff).unwrap()
}

fn actions(s: &PresetSnapshot) -> ReconciliationActions {
    s.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap()
}

/// Three prebuilds created out of order: id 2 is the oldest, then 3, then 1.
fn three_running() -> Vec<RunningPrebuild> {
    vec![
        prebuild(1, "2025-06-02T11:00:00Z", true),
        prebuild(2, "2025-06-02T09:00:00Z", false),
        prebuild(3, "2025-06-02T10:00:00Z", true),
    ]
}

#[test]
fn an_active_preset_with_nothing_running_creates_its_desired_instances() {
    let s = snapshot(active(2), vec![], vec![], None);
    assert_eq!(actions(&s), ReconciliationActions::Create(2));
    assert!(!actions(&s).is_noop());
}

#[test]
fn an_active_preset_at_its_target_creates_zero_which_is_a_noop() {
    let s = snapshot(active(3), three_running(), vec![], None);
    assert_eq!(actions(&s), ReconciliationActions::Create(0));
    assert!(actions(&s).is_noop());
    let none = snapshot(active(0), vec![], vec![], None);
    assert_eq!(actions(&none), ReconciliationActions::Create(0));
}

#[test]
fn builds_already_starting_are_not_created_again() {
    let s = snapshot(
        active(5),
        three_running(),
        vec![progress(Transition::Start, 1)],
        None,
    );
    assert_eq!(actions(&s), ReconciliationActions::Create(1));
    let more_starting = snapshot(
        active(5),
        three_running(),
        vec![
            progress(Transition::Start, 1),
            progress(Transition::Start, 4),
        ],
        None,
    );
    assert_eq!(actions(&more_starting), ReconciliationActions::Create(0));
}

#[test]
fn stopping_and_deleting_builds_do_not_change_what_is_created() {
    let s = snapshot(
        active(5),
        three_running(),
        vec![
            progress(Transition::Stop, 7),
            progress(Transition::Delete, 9),
        ],
        None,
    );
    assert_eq!(actions(&s), ReconciliationActions::Create(2));
}

#[test]
fn an_active_preset_over_its_target_deletes_the_oldest_extraneous_prebuilds() {
    let s = snapshot(active(1), three_running(), vec![], None);
    assert_eq!(
        actions(&s),
        ReconciliationActions::Delete(vec![id(2), id(3)])
    );
    assert_eq!(s.calculate_state().extraneous, 2);
}

#[test]
fn prebuilds_created_at_the_same_instant_keep_their_input_order() {
    let same = "2025-06-02T10:00:00Z";
    let running = vec![
        prebuild(9, same, true),
        prebuild(4, same, true),
        prebuild(7, same, true),
    ];
    let s = snapshot(active(0), running, vec![], None);
    assert_eq!(
        actions(&s),
        ReconciliationActions::Delete(vec![id(9), id(4), id(7)])
    );
}

#[test]
fn age_compares_instants_whatever_offset_they_were_written_in() {
    let running = vec![
        prebuild(1, "2025-06-02T11:30:00+02:00", true), // 09:30Z
        prebuild(2, "2025-06-02T10:00:00Z", true),
        prebuild(3, "2025-06-02T05:00:00-04:00", true), // 09:00Z
    ];
    let s = snapshot(active(1), running, vec![], None);
    assert_eq!(
        actions(&s),
        ReconciliationActions::Delete(vec![id(3), id(1)])
    );
}

#[test]
fn an_inactive_preset_deletes_every_running_prebuild_oldest_first() {
    for (using_active_version, deleted, deprecated) in [
        (false, false, false),
        (true, true, false),
        (true, false, true),
        (false, true, true),
    ] {
        let preset = Preset {
            using_active_version,
            deleted,
            deprecated,
            ..active(5)
        };
        let s = snapshot(preset, three_running(), vec![], None);
        assert!(!s.is_active());
        assert_eq!(
            actions(&s),
            ReconciliationActions::Delete(vec![id(2), id(3), id(1)])
        );
    }
}

#[test]
fn an_inactive_preset_deletes_even_what_is_already_being_deleted() {
    let preset = Preset {
        deprecated: true,
        ..active(5)
    };
    let s = snapshot(
        preset,
        three_running(),
        vec![progress(Transition::Delete, 3)],
        None,
    );
    assert_eq!(
        actions(&s),
        ReconciliationActions::Delete(vec![id(2), id(3), id(1)])
    );
}

#[test]
fn an_inactive_preset_with_nothing_running_answers_an_empty_delete_which_is_a_noop() {
    let preset = Preset {
        deleted: true,
        ..active(5)
    };
    let s = snapshot(preset, vec![], vec![], None);
    assert_eq!(actions(&s), ReconciliationActions::Delete(vec![]));
    assert!(actions(&s).is_noop());
}

#[test]
fn state_counts_only_running_and_transitions_for_an_inactive_preset() {
    let preset = Preset {
        using_active_version: false,
        ..active(5)
    };
    let s = snapshot(
        preset,
        three_running(),
        vec![
            progress(Transition::Start, 2),
            progress(Transition::Stop, 3),
        ],
        None,
    );
    assert_eq!(
        s.calculate_state(),
        ReconciliationState {
            actual: 3,
            desired: 0,
            eligible: 0,
            extraneous: 0,
            starting: 2,
            stopping: 3,
            deleting: 0
        }
    );
}

#[test]
fn state_of_an_active_preset_counts_ready_prebuilds_and_sums_transitions() {
    let s = snapshot(
        active(2),
        three_running(),
        vec![
            progress(Transition::Start, 2),
            progress(Transition::Delete, 1),
            progress(Transition::Start, 3),
            progress(Transition::Stop, 4),
            progress(Transition::Delete, 5),
        ],
        None,
    );
    assert_eq!(
        s.calculate_state(),
        ReconciliationState {
            actual: 3,
            desired: 2,
            eligible: 2,
            extraneous: 1,
            starting: 5,
            stopping: 4,
            deleting: 6
        }
    );
}

#[test]
fn recent_failures_back_off_until_the_last_build_plus_one_interval_per_failure() {
    let s = snapshot(
        active(2),
        vec![],
        vec![],
        Some(failures(2, "2025-06-02T11:59:00Z")),
    );
    assert_eq!(
        actions(&s),
        ReconciliationActions::Backoff(at("2025-06-02T12:01:00Z"))
    );
    assert!(!actions(&s).is_noop());
}

#[test]
fn the_backoff_still_holds_at_its_last_instant_and_ends_one_nanosecond_later() {
    let s = snapshot(
        active(2),
        vec![],
        vec![],
        Some(failures(2, "2025-06-02T11:59:00Z")),
    );
    let until = at("2025-06-02T12:01:00Z");
    assert_eq!(
        s.calculate_actions(until, MINUTE, &mut NoTrace),
        Ok(ReconciliationActions::Backoff(until))
    );
    let after = at("2025-06-02T12:01:00.000000001Z");
    assert_eq!(
        s.calculate_actions(after, MINUTE, &mut NoTrace),
        Ok(ReconciliationActions::Create(2))
    );
}

#[test]
fn the_backoff_ends_in_the_offset_the_last_build_was_written_in() {
    let s = snapshot(
        active(2),
        vec![],
        vec![],
        Some(failures(3, "2025-06-02T13:59:30+02:00")),
    );
    let ReconciliationActions::Backoff(until) = actions(&s) else {
        panic!("expected backoff")
    };
    assert_eq!(until.to_string(), "2025-06-02T14:02:30+02:00");
}

#[test]
fn a_backoff_row_with_no_failures_is_ignored() {
    let s = snapshot(
        active(2),
        vec![],
        vec![],
        Some(failures(0, "2025-06-02T12:00:00Z")),
    );
    assert_eq!(actions(&s), ReconciliationActions::Create(2));
}

#[test]
fn backoff_is_checked_before_the_inactive_rule() {
    let preset = Preset {
        deprecated: true,
        ..active(2)
    };
    let s = snapshot(
        preset,
        three_running(),
        vec![],
        Some(failures(1, "2025-06-02T11:59:30Z")),
    );
    assert_eq!(
        actions(&s),
        ReconciliationActions::Backoff(at("2025-06-02T12:00:30Z"))
    );
}

#[test]
fn backoff_is_checked_before_deleting_extraneous_prebuilds() {
    let s = snapshot(
        active(0),
        three_running(),
        vec![],
        Some(failures(1, "2025-06-02T12:00:00Z")),
    );
    assert_eq!(
        actions(&s),
        ReconciliationActions::Backoff(at("2025-06-02T12:01:00Z"))
    );
}

#[test]
fn a_zero_interval_backs_off_only_at_the_last_build_instant() {
    let s = snapshot(active(1), vec![], vec![], Some(failures(5, NOW)));
    let zero = GoDuration::from_nanos(0);
    assert_eq!(
        s.calculate_actions(at(NOW), zero, &mut NoTrace),
        Ok(ReconciliationActions::Backoff(at(NOW)))
    );
    let later = at("2025-06-02T12:00:00.000000001Z");
    assert_eq!(
        s.calculate_actions(later, zero, &mut NoTrace),
        Ok(ReconciliationActions::Create(1))
    );
}

#[test]
fn a_backoff_ending_at_go_zero_time_counts_as_a_noop() {
    let zero_time = "0001-01-01T00:00:00Z";
    let s = snapshot(active(1), vec![], vec![], Some(failures(1, zero_time)));
    let decided = s
        .calculate_actions(at(zero_time), GoDuration::from_nanos(0), &mut NoTrace)
        .unwrap();
    assert_eq!(decided, ReconciliationActions::Backoff(at(zero_time)));
    assert!(decided.is_noop());
}

#[test]
fn a_backoff_window_past_int64_nanoseconds_is_refused_not_wrapped() {
    // 2^31 - 1 failures × 4294967298ns is just past i64::MAX; one nanosecond less per failure fits.
    let s = snapshot(
        active(1),
        vec![],
        vec![],
        Some(failures(i32::MAX, "2000-01-01T00:00:00Z")),
    );
    let fits = GoDuration::from_nanos(i64::MAX / i64::from(i32::MAX));
    assert!(s.calculate_actions(at(NOW), fits, &mut NoTrace).is_ok());
    let past = GoDuration::from_nanos(fits.as_nanos() + 1);
    assert_eq!(
        s.calculate_actions(at(NOW), past, &mut NoTrace),
        Err(SnapshotError::BackoffWindowPastDuration {
            field: Field::BackoffNumFailed { row: 0 },
            num_failed: i32::MAX,
            interval: past,
        })
    );
}

#[test]
fn a_backoff_ending_after_year_9999_is_refused() {
    let s = snapshot(
        active(1),
        vec![],
        vec![],
        Some(failures(1, "9999-12-31T23:59:00Z")),
    );
    assert!(
        s.calculate_actions(
            at(NOW),
            GoDuration::from_nanos(59_999_999_999),
            &mut NoTrace
        )
        .is_ok()
    );
    assert!(matches!(
        s.calculate_actions(at(NOW), MINUTE, &mut NoTrace),
        Err(SnapshotError::BackoffUntilPastYear9999 { .. })
    ));
}

#[test]
fn negative_counts_are_refused_naming_the_field() {
    let negative_desired = PresetSnapshot::new(active(-1), vec![], vec![], None);
    assert_eq!(
        negative_desired,
        Err(SnapshotError::Negative {
            field: Field::DesiredInstances { preset: 0 },
            value: -1
        })
    );
    let negative_count = PresetSnapshot::new(
        active(1),
        vec![],
        vec![
            progress(Transition::Stop, 0),
            progress(Transition::Start, -3),
        ],
        None,
    );
    assert_eq!(
        negative_count,
        Err(SnapshotError::Negative {
            field: Field::InProgressCount { row: 1 },
            value: -3
        })
    );
    let negative_failures = PresetSnapshot::new(active(1), vec![], vec![], Some(failures(-1, NOW)));
    assert_eq!(
        negative_failures,
        Err(SnapshotError::Negative {
            field: Field::BackoffNumFailed { row: 0 },
            value: -1
        })
    );
}

#[test]
fn a_running_prebuild_listed_twice_is_refused_at_its_second_row() {
    let mut running = three_running();
    running.push(prebuild(3, "2025-06-02T08:00:00Z", false));
    assert_eq!(
        PresetSnapshot::new(active(1), running, vec![], None),
        Err(SnapshotError::DuplicateRunningId {
            field: Field::RunningId { row: 3 },
            id: id(3),
            first: 2
        })
    );
}

#[test]
fn among_many_rows_the_earliest_repeat_is_reported_as_among_few() {
    // Rows 40 and 70 share an ID, and so do 50, 60 and 90: row 60 is the earliest repeat.
    for rows in [100usize, 20] {
        let mut running: Vec<_> = (0..rows as u128)
            .map(|n| prebuild(1000 + n, "2025-06-02T10:00:00Z", true))
            .collect();
        let (a, b, c, d, e) = if rows == 100 {
            (40, 70, 50, 60, 90)
        } else {
            (4, 17, 5, 6, 19)
        };
        running[b].id = running[a].id;
        running[d].id = running[c].id;
        running[e].id = running[c].id;
        assert_eq!(
            PresetSnapshot::new(active(1), running, vec![], None),
            Err(SnapshotError::DuplicateRunningId {
                field: Field::RunningId { row: d },
                id: id(1000 + c as u128),
                first: c
            }),
            "{rows} rows"
        );
    }
}

#[test]
fn in_progress_sums_may_reach_int32_max_but_not_pass_it() {
    let at_max = vec![
        progress(Transition::Start, i32::MAX - 1),
        progress(Transition::Start, 1),
    ];
    let s = snapshot(active(1), vec![], at_max, None);
    assert_eq!(s.calculate_state().starting, i32::MAX);
    let past = vec![
        progress(Transition::Delete, i32::MAX),
        progress(Transition::Start, i32::MAX),
        progress(Transition::Delete, 1),
    ];
    assert_eq!(
        PresetSnapshot::new(active(1), vec![], past, None),
        Err(SnapshotError::InProgressSumPastInt32 {
            field: Field::InProgressCount { row: 2 },
            transition: Transition::Delete,
        })
    );
}

#[test]
fn int32_extremes_decide_without_overflow() {
    let s = snapshot(
        active(i32::MAX),
        three_running(),
        vec![progress(Transition::Start, 5)],
        None,
    );
    assert_eq!(actions(&s), ReconciliationActions::Create(i32::MAX - 8));
    let all_starting = vec![progress(Transition::Start, i32::MAX)];
    let s = snapshot(active(3), three_running(), all_starting, None);
    assert_eq!(actions(&s), ReconciliationActions::Create(0));
}

mod global {
    use super::*;

    fn preset(n: u128, desired: i32) -> Preset {
        Preset {
            id: id(n),
            ..active(desired)
        }
    }

    fn owned(mut row: RunningPrebuild, preset: u128) -> RunningPrebuild {
        row.current_preset_id = Some(id(preset));
        row
    }

    #[test]
    fn rows_are_split_by_their_preset_id_and_stray_rows_are_ignored() {
        let running = vec![
            owned(prebuild(1, "2025-06-02T10:00:00Z", true), 0xB),
            owned(prebuild(2, "2025-06-02T09:00:00Z", true), 0xC),
            prebuild(3, "2025-06-02T08:00:00Z", true), // no preset
            owned(prebuild(4, "2025-06-02T07:00:00Z", true), 0xDEAD), // unknown preset
            owned(prebuild(5, "2025-06-02T06:00:00Z", true), 0xB),
        ];
        let in_progress = vec![
            InProgressCount {
                preset_id: Some(id(0xC)),
                ..progress(Transition::Start, 2)
            },
            InProgressCount {
                preset_id: None,
                ..progress(Transition::Start, 7)
            },
        ];
        let backoffs = vec![
            Backoff {
                preset_id: Some(id(0xD)),
                ..failures(1, NOW)
            },
            Backoff {
                preset_id: Some(id(0xD)),
                ..failures(9, "2000-01-01T00:00:00Z")
            },
        ];
        let global = GlobalSnapshot::new(
            vec![preset(0xB, 1), preset(0xC, 4), preset(0xD, 1)],
            running,
            in_progress,
            backoffs,
        )
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
        let ids: Vec<_> = decisions.iter().map(|d| d.preset_id).collect();
        assert_eq!(ids, vec![id(0xB), id(0xC), id(0xD)]);
        assert_eq!(
            decisions[0].actions,
            ReconciliationActions::Delete(vec![id(5)])
        );
        assert_eq!(decisions[1].state.starting, 2);
        assert_eq!(decisions[1].actions, ReconciliationActions::Create(1));
        // The first backoff row of preset D wins.
        assert_eq!(
            decisions[2].actions,
            ReconciliationActions::Backoff(at("2025-06-02T12:01:00Z"))
        );
        assert_eq!(global.filter_by_preset(id(0xB)).unwrap().running().len(), 2);
        assert!(global.filter_by_preset(id(0xDEAD)).is_none());
    }

    #[test]
    fn each_preset_decides_as_its_own_snapshot_would() {
        let running = vec![
            owned(prebuild(1, NOW, true), 0xB),
            owned(prebuild(2, NOW, false), 0xB),
        ];
        let global =
            GlobalSnapshot::new(vec![preset(0xB, 1)], running.clone(), vec![], vec![]).unwrap();
        let alone = snapshot(preset(0xB, 1), running, vec![], None);
        assert_eq!(global.presets(), std::slice::from_ref(&alone));
        assert_eq!(
            decide_all(&global, at(NOW), MINUTE).unwrap()[0],
            alone.decide(at(NOW), MINUTE, &mut NoTrace).unwrap()
        );
    }

    #[test]
    fn a_preset_listed_twice_is_refused() {
        let error = GlobalSnapshot::new(
            vec![preset(1, 0), preset(2, 0), preset(1, 3)],
            vec![],
            vec![],
            vec![],
        );
        assert_eq!(
            error,
            Err(SnapshotError::DuplicatePresetId {
                field: Field::PresetId { preset: 2 },
                id: id(1),
                first: 0
            })
        );
    }

    #[test]
    fn a_running_id_repeated_anywhere_is_refused_even_across_presets() {
        let running = vec![
            owned(prebuild(1, NOW, true), 0xB),
            prebuild(2, NOW, true),
            owned(prebuild(1, NOW, true), 0xC),
        ];
        let error = GlobalSnapshot::new(
            vec![preset(0xB, 1), preset(0xC, 1)],
            running,
            vec![],
            vec![],
        );
        assert!(matches!(
            error,
            Err(SnapshotError::DuplicateRunningId {
                field: Field::RunningId { row: 2 },
                first: 0,
                ..
            })
        ));
    }

    #[test]
    fn in_progress_sums_are_checked_per_preset_in_global_row_numbers() {
        let row = |preset: u128, count| InProgressCount {
            preset_id: Some(id(preset)),
            ..progress(Transition::Start, count)
        };
        let presets = vec![preset(0xB, 1), preset(0xC, 1)];
        // Each preset alone fits; a stray row does not count toward either.
        let fits = vec![row(0xB, i32::MAX), row(0xC, i32::MAX), row(0xDEAD, 5)];
        assert!(GlobalSnapshot::new(presets.clone(), vec![], fits, vec![]).is_ok());
        let past = vec![row(0xB, i32::MAX), row(0xC, 1), row(0xB, 1)];
        assert_eq!(
            GlobalSnapshot::new(presets, vec![], past, vec![]),
            Err(SnapshotError::InProgressSumPastInt32 {
                field: Field::InProgressCount { row: 2 },
                transition: Transition::Start,
            })
        );
    }

    #[test]
    fn negative_values_are_refused_in_global_positions() {
        let negative_desired =
            GlobalSnapshot::new(vec![preset(1, 0), preset(2, -4)], vec![], vec![], vec![]);
        assert_eq!(
            negative_desired.unwrap_err().field(),
            Field::DesiredInstances { preset: 1 }
        );
        let backoffs = vec![failures(1, NOW), failures(-1, NOW)];
        let negative_failures = GlobalSnapshot::new(vec![preset(1, 0)], vec![], vec![], backoffs);
        assert_eq!(
            negative_failures.unwrap_err().field(),
            Field::BackoffNumFailed { row: 1 }
        );
    }

    #[test]
    fn a_backoff_window_error_names_the_backoff_row_the_preset_was_given() {
        let backoffs = vec![
            Backoff {
                preset_id: Some(id(0xB)),
                ..failures(1, NOW)
            },
            Backoff {
                preset_id: Some(id(0xC)),
                ..failures(i32::MAX, NOW)
            },
        ];
        let global = GlobalSnapshot::new(
            vec![preset(0xB, 1), preset(0xC, 1)],
            vec![],
            vec![],
            backoffs,
        )
        .unwrap();
        let error = decide_all(&global, at(NOW), GoDuration::from_nanos(i64::MAX)).unwrap_err();
        assert_eq!(error.field(), Field::BackoffNumFailed { row: 1 });
    }
}

mod explanations {
    use super::*;

    fn explained(s: &PresetSnapshot) -> Vec<String> {
        let mut explanation = Explanation::default();
        let actions = s
            .calculate_actions(at(NOW), MINUTE, &mut explanation)
            .unwrap();
        assert_eq!(
            actions,
            s.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap(),
            "same decision"
        );
        explanation.0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_backoff_names_its_failures_window_end_and_now() {
        let s = snapshot(
            active(2),
            vec![],
            vec![],
            Some(failures(2, "2025-06-02T11:59:00Z")),
        );
        assert_eq!(
            explained(&s),
            [
                "backoff: 2 failures, last at 2025-06-02T11:59:00Z, window 2 × 1m0s, until \
              2025-06-02T12:01:00Z, now (2025-06-02T12:00:00Z) is not after it: back off"
            ]
        );
    }

    #[test]
    fn an_expired_backoff_says_so_and_goes_on_to_the_next_rule() {
        let s = snapshot(
            active(2),
            vec![],
            vec![],
            Some(failures(1, "2025-06-02T11:00:00Z")),
        );
        let steps = explained(&s);
        assert!(steps[0].ends_with("is after it: no backoff"), "{steps:?}");
        assert!(steps[1].starts_with("active: "), "{steps:?}");
        assert_eq!(
            steps[2],
            "create: 2 desired − 0 running − 0 starting = 2: create 2"
        );
    }

    #[test]
    fn an_inactive_preset_names_why_and_how_many_it_deletes() {
        let preset = Preset {
            deprecated: true,
            ..active(2)
        };
        let s = snapshot(
            preset,
            three_running(),
            vec![progress(Transition::Delete, 1)],
            None,
        );
        assert_eq!(
            explained(&s),
            [
                "backoff: no backoff row: no recent failures",
                "inactive: template version is not active (deprecated)",
                "delete_all: 3 running: delete every one, oldest first (the seed does not \
                 subtract the 1 already being deleted)"
            ]
        );
        let several = Preset {
            using_active_version: false,
            deleted: true,
            ..active(2)
        };
        let s = snapshot(several, vec![], vec![], Some(failures(0, NOW)));
        assert_eq!(
            explained(&s)[1],
            "inactive: template version is not active (not the active version, deleted)"
        );
        assert_eq!(
            explained(&s)[0],
            "backoff: 0 failures on record: no backoff"
        );
    }

    #[test]
    fn extraneous_prebuilds_give_running_desired_and_how_many_go() {
        let s = snapshot(active(2), three_running(), vec![], None);
        assert_eq!(
            explained(&s)[2],
            "extraneous: 3 running, 2 desired: delete the oldest 1"
        );
    }

    #[test]
    fn a_create_shows_its_arithmetic_even_when_it_clamps_to_zero() {
        let s = snapshot(
            active(4),
            three_running(),
            vec![progress(Transition::Start, 3)],
            None,
        );
        assert_eq!(
            explained(&s)[2],
            "create: 4 desired − 3 running − 3 starting = -2: create 0"
        );
    }

    #[test]
    fn a_global_explanation_is_per_preset_and_decides_the_same() {
        let presets = vec![
            Preset {
                id: id(1),
                ..active(1)
            },
            Preset {
                id: id(2),
                deleted: true,
                ..active(1)
            },
        ];
        let global = GlobalSnapshot::new(presets, vec![], vec![], vec![]).unwrap();
        let explained = global.decide(at(NOW), MINUTE, true).unwrap();
        let plain = global.decide(at(NOW), MINUTE, false).unwrap();
        assert_eq!(
            explained.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
            plain.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>()
        );
        assert!(plain.iter().all(|(_, explanation)| explanation.is_none()));
        let explanation = explained[1].1.as_ref().expect("explained when asked");
        assert_eq!(explanation.0[1].rule, "inactive");
    }
}
