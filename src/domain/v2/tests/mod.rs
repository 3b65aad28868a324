//! Unit and property tests for the v2 rules: every case of the v2 contract's "Cases from Coder's
//! own tests", the cron subset (every field kind and every refused form), schedules across
//! timezones, day boundaries and DST changes, the input checks, the global split, and properties
//! tying v2 to v1.

use uuid::Uuid;

use super::*;
use crate::domain::{
    Backoff, Explanation, Field, GoDuration, InProgressCount, NoTrace, Preset, PresetSnapshot,
    ReconciliationActions, ReconciliationState, RunningPrebuild, SnapshotError, Timestamp,
    Transition,
};

/// Every preset's decision without explanations, as most tests want them.
fn decide_all(
    global: &GlobalSnapshotV2,
    now: Timestamp,
    interval: GoDuration,
) -> Result<Vec<DecisionV2>, SnapshotError> {
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

/// A Monday.
const NOW: &str = "2025-06-02T12:00:00Z";
const MINUTE: GoDuration = GoDuration::MINUTE;

fn preset(desired: i32) -> PresetV2 {
    PresetV2 {
        preset: Preset {
            id: id(0xA),
            using_active_version: true,
            deleted: false,
            deprecated: false,
            desired_instances: desired,
        },
        ttl: None,
        last_invalidated_at: None,
        scheduling_timezone: None,
        prebuild_status: PrebuildStatus::Healthy,
    }
}

fn inactive(desired: i32) -> PresetV2 {
    let mut preset = preset(desired);
    preset.preset.using_active_version = false;
    preset
}

fn with_ttl(mut preset: PresetV2, seconds: i32) -> PresetV2 {
    preset.ttl = Some(seconds);
    preset
}

fn in_zone(mut preset: PresetV2, timezone: &str) -> PresetV2 {
    preset.scheduling_timezone = Some(timezone.to_owned());
    preset
}

fn rows(preset: PresetV2) -> PresetRowsV2 {
    PresetRowsV2 {
        preset,
        running: Vec::new(),
        in_progress: Vec::new(),
        backoff: None,
        schedules: Vec::new(),
        pending_count: 0,
        is_hard_limited: false,
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

fn schedule(cron_expression: &str, desired_instances: i32) -> Schedule {
    Schedule {
        cron_expression: cron_expression.to_owned(),
        desired_instances,
        preset_id: None,
    }
}

fn schedules(list: &[(&str, i32)]) -> Vec<Schedule> {
    list.iter().map(|&(cron, n)| schedule(cron, n)).collect()
}

fn snapshot(rows: PresetRowsV2) -> PresetSnapshotV2 {
    PresetSnapshotV2::new(rows).unwrap()
}

fn decide_at(rows: PresetRowsV2, now: &str) -> DecisionV2 {
    snapshot(rows)
        .decide(at(now), MINUTE, &mut NoTrace)
        .unwrap()
}

fn decide(rows: PresetRowsV2) -> DecisionV2 {
    decide_at(rows, NOW)
}

fn delete(ids: &[u128]) -> ActionV2 {
    ActionV2::Delete(ids.iter().map(|&n| id(n)).collect())
}

/// The target a preset with these schedules gets at `now`, and where it came from.
fn target(timezone: Option<&str>, list: &[(&str, i32)], default: i32, now: &str) -> Target {
    let list = schedules(list);
    TargetRule::new(timezone, list.iter().enumerate()).target(default, at(now))
}

fn scheduled(timezone: &str, list: &[(&str, i32)], default: i32, now: &str) -> i32 {
    let target = target(Some(timezone), list, default, now);
    assert_eq!(target.schedule_error, None, "at {now}");
    target.instances
}

mod checks;
mod contract_cases;
mod cron_parsing;
mod expiry;
mod global;
mod properties;
mod rules;
mod schedules;
mod set_check_rules;
