//! Properties over generated snapshots.

use chrono::{Datelike, Timelike};
use proptest::prelude::*;

use super::*;

const BASE: &str = "2025-06-02T11:00:00Z";

fn minutes_after_base(minutes: i64) -> Timestamp {
    at(BASE)
        .checked_add(MINUTE.checked_mul(minutes).unwrap())
        .unwrap()
}

/// Running rows with unique IDs and creation times from a small set, so ties happen.
fn running_rows() -> impl Strategy<Value = Vec<RunningPrebuild>> {
    prop::collection::vec((any::<bool>(), 0i64..8), 0..8).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(n, (ready, minute))| RunningPrebuild {
                id: id(n as u128 + 1),
                ready,
                created_at: minutes_after_base(minute * 10),
                current_preset_id: None,
            })
            .collect()
    })
}

fn in_progress_rows() -> impl Strategy<Value = Vec<InProgressCount>> {
    let transition = prop_oneof![
        Just(Transition::Start),
        Just(Transition::Stop),
        Just(Transition::Delete)
    ];
    prop::collection::vec((transition, 0i32..4), 0..4).prop_map(|rows| {
        rows.into_iter()
            .map(|(transition, count)| InProgressCount {
                transition,
                count,
                preset_id: None,
            })
            .collect()
    })
}

/// A backoff row whose window may or may not cover `NOW` (60 minutes after `BASE`).
fn backoff_row() -> impl Strategy<Value = Option<Backoff>> {
    prop::option::of((0i32..4, 40i64..70)).prop_map(|row| {
        row.map(|(num_failed, minute)| Backoff {
            num_failed,
            last_build_at: minutes_after_base(minute),
            preset_id: None,
        })
    })
}

fn seed_preset() -> impl Strategy<Value = Preset> {
    (any::<bool>(), any::<bool>(), any::<bool>(), 0i32..8).prop_map(
        |(using_active_version, deleted, deprecated, desired_instances)| Preset {
            id: id(0xA),
            using_active_version,
            deleted,
            deprecated,
            desired_instances,
        },
    )
}

fn interval() -> impl Strategy<Value = GoDuration> {
    prop_oneof![
        Just(GoDuration::default()),
        Just(MINUTE),
        Just(MINUTE.checked_mul(5).unwrap())
    ]
}

/// v1's one action, split the way the v2 contract implies:
///
/// | v1 action | v2 actions |
/// |---|---|
/// | `backoff until` | `[backoff until]` (rule 3: alone) |
/// | `create 0` | `[]` (rule 5 creates only above 0) |
/// | `create n`, n > 0 | `[create n]` |
/// | `delete []` | `[]` (an inactive preset with nothing running: rule 4 deletes only what runs) |
/// | `delete ids` | `[delete ids]` (the same IDs in the same order) |
///
/// With nothing expired the inactive rule is v1's (every running prebuild, oldest first, in
/// one delete; no pending jobs, so no `cancel_pending`), and the active rule is v1's too:
/// no expired delete; with extraneous prebuilds v1 deletes the oldest of them and creates
/// nothing, and v2 deletes the same and computes `desired − live − starting < 0`, so creates
/// nothing; without, both create `max(desired − actual − starting, 0)`.
fn split(v1: ReconciliationActions) -> Vec<ActionV2> {
    match v1 {
        ReconciliationActions::Backoff(until) => vec![ActionV2::Backoff(until)],
        ReconciliationActions::Create(0) => vec![],
        ReconciliationActions::Create(n) => vec![ActionV2::Create(n)],
        ReconciliationActions::Delete(ids) if ids.is_empty() => vec![],
        ReconciliationActions::Delete(ids) => vec![ActionV2::Delete(ids)],
    }
}

fn plain_timezone() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("UTC".to_owned())),
        Just(Some("Not/A_Zone".to_owned())),
    ]
}

/// A TTL that never expires anything: none, or 0.
fn forever() -> impl Strategy<Value = Option<i32>> {
    prop_oneof![Just(None), Just(Some(0))]
}

/// Any cron field text robfig/cron reads, with the values it allows and whether it is
/// unrestricted: `*` or `?`, a number or name, a range, steps, or a list of those. `names`
/// are the field's names, the first standing for `min`.
fn field_text(
    min: u32,
    max: u32,
    names: &'static [&'static str],
) -> impl Strategy<Value = (String, Vec<u32>, bool)> {
    let spelled = move |v: u32, upper: bool| match names.get((v - min) as usize) {
        Some(name) if upper => name.to_uppercase(),
        Some(name) => (*name).to_owned(),
        None => v.to_string(),
    };
    let item = prop_oneof![
        1 => prop::bool::ANY.prop_map(move |question| {
            let text = if question { "?" } else { "*" };
            (text.to_owned(), (min..=max).collect::<Vec<u32>>(), true)
        }),
        3 => (min..=max, 0u8..3).prop_map(move |(v, style)| {
            let text = if style == 0 { v.to_string() } else { spelled(v, style == 1) };
            (text, vec![v], false)
        }),
        3 => (min..=max, min..=max).prop_map(|(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            (format!("{a}-{b}"), (a..=b).collect(), false)
        }),
        2 => (min..=max, min..=max, 1u32..9, 0u8..3).prop_map(move |(a, b, step, form)| {
            let (a, b) = (a.min(b), a.max(b));
            match form {
                0 => (format!("*/{step}"), (min..=max).step_by(step as usize).collect(), step == 1),
                1 => (format!("{a}-{b}/{step}"), (a..=b).step_by(step as usize).collect(), false),
                _ => (format!("{}/{step}", spelled(a, true)), (a..=max).step_by(step as usize).collect(), false),
            }
        }),
    ];
    prop::collection::vec(item, 1..4).prop_map(|items| {
        let text = items
            .iter()
            .map(|(t, _, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let values = items.iter().flat_map(|(_, v, _)| v.clone()).collect();
        let star = items.iter().any(|(_, _, s)| *s);
        (text, values, star)
    })
}

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

proptest! {
    /// With no TTL, no invalidation, no schedules, no pending jobs and no hard limit, v2's
    /// actions are v1's action split as [`split`] says, v2's state's v1 fields are v1's
    /// state, nothing is expired, the target is `desired_instances` from the default, and
    /// `noop` agrees.
    #[test]
    fn without_v2_inputs_v2_decides_as_v1(
        preset in seed_preset(),
        running in running_rows(),
        in_progress in in_progress_rows(),
        backoff in backoff_row(),
        interval in interval(),
        ttl in forever(),
        timezone in plain_timezone(),
    ) {
        let now = at(NOW);
        let v1 = PresetSnapshot::new(preset, running.clone(), in_progress.clone(), backoff)
            .unwrap()
            .decide(now, interval, &mut NoTrace)
            .unwrap();
        let v2 = PresetSnapshotV2::new(PresetRowsV2 {
            preset: PresetV2 {
                preset,
                ttl,
                last_invalidated_at: None,
                scheduling_timezone: timezone,
                prebuild_status: PrebuildStatus::Healthy,
            },
            running,
            in_progress,
            backoff,
            schedules: vec![],
            pending_count: 0,
            is_hard_limited: false,
        })
        .unwrap()
        .decide(now, interval, &mut NoTrace)
        .unwrap();
        prop_assert_eq!(v2.preset_id, v1.preset_id);
        prop_assert_eq!(v2.state.counts, v1.state);
        prop_assert_eq!(v2.state.expired, 0);
        prop_assert_eq!(v2.state.scheduled_target, preset.desired_instances);
        prop_assert_eq!(v2.state.target_source, TargetSource::Default);
        prop_assert_eq!(&v2.state.schedule_error, &None);
        prop_assert_eq!(v2.is_noop(), v1.actions.is_noop());
        prop_assert_eq!(v2.actions, split(v1.actions));
    }

    /// Whatever the inputs: backoff is alone; every deleted ID is running and deleted once;
    /// `cancel_pending` only for an inactive preset, first, with the pending count; no
    /// create for a hard-limited, validation-failed or inactive preset; and an active
    /// preset's deletes and creates bring live + starting to exactly `desired` when it
    /// creates, and to at least `desired` otherwise unless it may not create.
    #[test]
    fn v2_actions_are_consistent(
        preset in seed_preset(),
        running in running_rows(),
        in_progress in in_progress_rows(),
        backoff in backoff_row(),
        ttl in prop::option::of(-10i32..7200),
        invalidated in prop::option::of(0i64..80),
        pending_count in -2i32..3,
        is_hard_limited in any::<bool>(),
        validation_failed in any::<bool>(),
        desired_by_schedule in prop::option::of(-3i32..8),
    ) {
        let schedules = desired_by_schedule
            .map(|n| vec![schedule("* 12 * * 1", n)])
            .unwrap_or_default();
        let snapshot = PresetSnapshotV2::new(PresetRowsV2 {
            preset: PresetV2 {
                preset,
                ttl,
                last_invalidated_at: invalidated.map(minutes_after_base),
                scheduling_timezone: Some("UTC".to_owned()),
                prebuild_status: if validation_failed {
                    PrebuildStatus::ValidationFailed
                } else {
                    PrebuildStatus::Healthy
                },
            },
            running: running.clone(),
            in_progress,
            backoff,
            schedules,
            pending_count,
            is_hard_limited,
        })
        .unwrap();
        let d = snapshot.decide(at(NOW), MINUTE, &mut NoTrace).unwrap();
        prop_assert_eq!(d.can_skip, snapshot.can_skip());
        prop_assert_eq!(&d.state, &snapshot.calculate_state(at(NOW)));
        prop_assert_eq!(&d.actions, &snapshot.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap());
        if let Some(n) = desired_by_schedule {
            prop_assert_eq!(d.state.scheduled_target, n);
        }
        if d.actions.iter().any(|a| matches!(a, ActionV2::Backoff(_))) {
            prop_assert_eq!(d.actions.len(), 1);
            return Ok(());
        }
        let mut deleted = std::collections::HashSet::new();
        let mut created = 0;
        for (index, action) in d.actions.iter().enumerate() {
            match action {
                ActionV2::Delete(ids) => {
                    prop_assert!(!ids.is_empty());
                    for deleted_id in ids {
                        prop_assert!(running.iter().any(|r| r.id == *deleted_id));
                        prop_assert!(deleted.insert(*deleted_id), "deleted twice");
                    }
                }
                ActionV2::Create(n) => {
                    prop_assert!(*n > 0);
                    prop_assert!(!is_hard_limited && !validation_failed && snapshot.is_active());
                    created += n;
                }
                ActionV2::CancelPending(n) => {
                    prop_assert_eq!(index, 0);
                    prop_assert_eq!(*n, pending_count);
                    prop_assert!(!snapshot.is_active());
                }
                ActionV2::Backoff(_) => unreachable!(),
            }
        }
        let s = &d.state;
        if snapshot.is_active() {
            let remaining = s.counts.actual - deleted.len() as i32;
            let live = s.counts.actual - s.expired;
            // A negative target makes `extraneous` exceed what is live.
            prop_assert_eq!(remaining, live - s.counts.extraneous.min(live));
            if created > 0 {
                prop_assert_eq!(remaining + created + s.counts.starting, s.counts.desired);
            } else if !is_hard_limited && !validation_failed {
                prop_assert!(remaining + s.counts.starting >= s.counts.desired);
            }
            prop_assert!(s.counts.eligible <= s.counts.actual - s.expired);
        } else {
            prop_assert_eq!(deleted.len(), running.len());
            prop_assert_eq!((s.counts.desired, s.counts.eligible, s.counts.extraneous), (0, 0, 0));
        }
    }

    /// A global snapshot decides each preset exactly as that preset's own snapshot does.
    #[test]
    fn a_global_decision_is_each_presets_own_decision(
        owners in prop::collection::vec(0u128..4, 0..10),
        pending_owners in prop::collection::vec((0u128..4, -2i32..3), 0..4),
        hard in prop::collection::vec(0u128..4, 0..3),
        desired in prop::collection::vec(0i32..4, 3),
        schedule_hours in prop::collection::vec((0u128..4, 10u32..14, 0i32..5), 0..4),
    ) {
        // Presets 1..=3; owner 0 stands for a row of no listed preset.
        let presets: Vec<PresetV2> = (1..=3u128)
            .map(|n| {
                let mut p = in_zone(with_ttl(preset(desired[n as usize - 1]), 1800), "UTC");
                p.preset.id = id(n);
                p.preset.using_active_version = n != 3;
                p
            })
            .collect();
        let running: Vec<RunningPrebuild> = owners
            .iter()
            .enumerate()
            .map(|(row, &owner)| RunningPrebuild {
                id: id(100 + row as u128),
                ready: row % 2 == 0,
                created_at: minutes_after_base(row as i64 * 7),
                current_preset_id: Some(id(owner)),
            })
            .collect();
        let schedules: Vec<Schedule> = schedule_hours
            .iter()
            .map(|&(owner, hour, n)| Schedule {
                preset_id: Some(id(owner)),
                ..schedule(&format!("* {hour} * * *"), n)
            })
            .collect();
        let pending: Vec<PendingCount> = pending_owners
            .iter()
            .map(|&(owner, count)| PendingCount { preset_id: Some(id(owner)), count })
            .collect();
        let hard_limited: Vec<Uuid> = hard.iter().map(|&n| id(n)).collect();
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: presets.clone(),
            running: running.clone(),
            schedules: schedules.clone(),
            pending: pending.clone(),
            hard_limited: hard_limited.clone(),
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
        for (preset, decision) in presets.into_iter().zip(&decisions) {
            let preset_id = preset.preset.id;
            let mine = |owner: Option<Uuid>| owner == Some(preset_id);
            // Rows keep their global positions in messages, so compare everything but the
            // schedule error's text.
            let own_schedules: Vec<Schedule> =
                schedules.iter().filter(|s| mine(s.preset_id)).cloned().collect();
            let single = PresetSnapshotV2::new(PresetRowsV2 {
                preset,
                running: running.iter().copied().filter(|r| mine(r.current_preset_id)).collect(),
                in_progress: vec![],
                backoff: None,
                schedules: own_schedules,
                pending_count: pending.iter().find(|p| mine(p.preset_id)).map_or(0, |p| p.count),
                is_hard_limited: hard_limited.contains(&preset_id),
            })
            .unwrap()
            .decide(at(NOW), MINUTE, &mut NoTrace)
            .unwrap();
            let mut global_one = decision.clone();
            let mut single = single;
            prop_assert_eq!(
                global_one.state.schedule_error.is_some(),
                single.state.schedule_error.is_some()
            );
            global_one.state.schedule_error = None;
            single.state.schedule_error = None;
            prop_assert_eq!(global_one, single);
        }
    }

    /// A generated expression matches a time exactly when the time's hour, day of month,
    /// month and day of week are in the generated sets, with the either-day rule.
    #[test]
    fn matching_agrees_with_the_sets_the_expression_names(
        (hours, hour_set, _) in field_text(0, 23, &[]),
        (doms, dom_set, dom_star) in field_text(1, 31, &[]),
        (months, month_set, _) in field_text(1, 12, MONTHS),
        (dows, dow_set, dow_star) in field_text(0, 6, DAYS),
        day_offset in 0i64..366,
        hour in 0i64..24,
        second in 0i64..60,
    ) {
        let expression = format!("* {hours} {doms} {months} {dows}");
        let cron = CronSchedule::parse(&expression).unwrap();
        let now = at("2025-01-01T00:30:00.5Z")
            .checked_add(GoDuration::parse(&format!("{}h{second}s", day_offset * 24 + hour)).unwrap())
            .unwrap();
        let local = now.as_datetime();
        let dom = dom_set.contains(&local.day());
        let dow = dow_set.contains(&local.weekday().num_days_from_sunday());
        let day = if dom_star || dow_star { dom && dow } else { dom || dow };
        let want = day
            && hour_set.contains(&local.hour())
            && month_set.contains(&local.month());
        prop_assert_eq!(
            cron.is_within_range(now, &chrono_tz::Tz::UTC),
            want,
            "{} at {}",
            expression,
            local
        );
    }

    /// The set check's verdict does not depend on the order of a pair, and a schedule
    /// always fails beside itself (it overlaps, or a field it reaches is unreadable).
    #[test]
    fn the_set_check_is_symmetric_and_no_schedule_passes_beside_itself(
        (h1, _, _) in field_text(0, 23, &[]),
        (d1, _, _) in field_text(1, 31, &[]),
        (m1, _, _) in field_text(1, 12, MONTHS),
        (w1, _, _) in field_text(0, 6, DAYS),
        (h2, _, _) in field_text(0, 23, &[]),
        (d2, _, _) in field_text(1, 31, &[]),
        (w2, _, _) in field_text(0, 6, DAYS),
    ) {
        let a = format!("* {h1} {d1} {m1} {w1}");
        let b = format!("* {h2} {d2} * {w2}");
        prop_assert!(set_check::check([a.as_str(), a.as_str()]).is_some());
        prop_assert_eq!(
            set_check::check([a.as_str(), b.as_str()]).is_some(),
            set_check::check([b.as_str(), a.as_str()]).is_some()
        );
    }

    /// Neither reading panics, whatever the text.
    #[test]
    fn reading_any_text_never_panics(
        text in "[ *0-9,/A-Za-z\\-\t?#+\u{130}\u{212a}\u{a0}]{0,30}",
        other in "[ *0-9,/A-Za-z\\-?+]{0,20}",
    ) {
        let _ = CronSchedule::parse(&text);
        let _ = set_check::check([text.as_str(), other.as_str()]);
    }
}
