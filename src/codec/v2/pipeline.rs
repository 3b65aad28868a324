//! The v2 calls from body bytes to answer. A v2 body is read once, into v2's types; v1's part
//! becomes rows by v1's code (v1's checks and pointers, the Go-native spellings included), and
//! v2's fields are put beside them as the v2 domain's rows.

use super::model;
use crate::codec::json::parse_json;
use crate::codec::model::explanation;
use crate::codec::pipeline::{DecisionInputs, new_decision_id, trace};
use crate::codec::problem::{FieldError, Problem};
use crate::codec::read::{self, KeySpellings, MAX_FIELD_ERRORS, require, snapshot_problem};
use crate::codec::wire::{GoDurationText, ObjectOnly, Rfc3339};
use crate::domain::v2 as domain;
use crate::domain::{self as v1, Explanation};

/// `POST /v2/presets/reconcile`.
pub fn reconcile(
    body: &[u8],
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::DecisionV2, Problem> {
    let (snapshot, keys) = preset_snapshot(body)?;
    let mut explanation = trace(explain);
    let decision = snapshot
        .decide(inputs.now, inputs.backoff_interval, &mut explanation)
        .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok(decision_answer(decision, explanation, inputs))
}

/// A v2 preset snapshot body, checked (with the key spellings its pointers need), or the same
/// problem `POST /v2/presets/reconcile` answers for it.
pub(crate) fn preset_snapshot(
    body: &[u8],
) -> Result<(domain::PresetSnapshotV2, KeySpellings), Problem> {
    let ObjectOnly(raw): ObjectOnly<model::PresetSnapshotV2> = parse_json(body)?;
    let (v1, preset_fields, more) = raw.split();
    let (rows, keys) = read::preset_snapshot_rows(v1)?;
    let mut errors = Vec::new();
    let schedules = schedule_rows(more.schedules.unwrap_or_default(), &mut errors);
    if !errors.is_empty() {
        errors.truncate(MAX_FIELD_ERRORS);
        return Err(Problem::invalid_body(errors));
    }
    let rows = domain::PresetRowsV2 {
        preset: preset_v2(rows.preset, preset_fields),
        running: rows.running,
        in_progress: rows.in_progress,
        backoff: rows.backoff,
        schedules,
        pending_count: more.pending_count.map_or(0, |count| count.0),
        is_hard_limited: more.is_hard_limited.unwrap_or(false),
    };
    let snapshot =
        domain::PresetSnapshotV2::new(rows).map_err(|error| snapshot_problem(&error, &keys))?;
    Ok((snapshot, keys))
}

/// `POST /v2/global/reconcile`.
pub fn reconcile_global(
    body: &[u8],
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::GlobalDecisionV2, Problem> {
    decide_global(read_global(body)?, inputs, explain)
}

/// `POST /v2/global/reconcile` from the rows [`read_global`] read: every preset's decision.
pub fn decide_global(
    read: GlobalReadV2,
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::GlobalDecisionV2, Problem> {
    let (global, keys) = read.check()?;
    let decisions = global
        .decide(inputs.now, inputs.backoff_interval, explain)
        .map_err(|error| snapshot_problem(&error, &keys))?
        .into_iter()
        .map(|(decision, explanation)| decision_answer(decision, explanation, inputs))
        .collect();
    Ok(model::GlobalDecisionV2 {
        decision_id: new_decision_id(),
        decisions,
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
    })
}

/// A v2 global snapshot body, checked (with the key spellings its pointers need), or the same
/// problem `POST /v2/global/reconcile` answers for it.
pub(crate) fn global_snapshot(
    body: &[u8],
) -> Result<(domain::GlobalSnapshotV2, KeySpellings), Problem> {
    read_global(body)?.check()
}

/// A v2 global snapshot's rows as read from its body, not yet checked against the contract:
/// what [`decide_global`] decides. Reading and deciding are apart so a caller can free the body
/// in between.
pub struct GlobalReadV2 {
    rows: domain::GlobalRowsV2,
    keys: KeySpellings,
}

impl GlobalReadV2 {
    /// The rows checked against the contract, with the key spellings their pointers need.
    fn check(self) -> Result<(domain::GlobalSnapshotV2, KeySpellings), Problem> {
        let GlobalReadV2 { rows, keys } = self;
        let global =
            domain::GlobalSnapshotV2::new(rows).map_err(|error| snapshot_problem(&error, &keys))?;
        Ok((global, keys))
    }
}

/// Reads the body of `POST /v2/global/reconcile` into its rows (a 400 or 422 when it is not a
/// v2 global snapshot).
pub fn read_global(body: &[u8]) -> Result<GlobalReadV2, Problem> {
    let ObjectOnly(raw): ObjectOnly<model::GlobalSnapshotV2> = parse_json(body)?;
    let (v1, preset_fields, more) = raw.split();
    let (rows, keys) = read::global_snapshot_rows(v1)?;
    let mut errors = Vec::new();
    let schedules = schedule_rows(more.schedules.unwrap_or_default(), &mut errors);
    let pending = more
        .pending
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, ObjectOnly(row))| {
            let count = require(
                row.count,
                &mut errors,
                || format!("/pending/{index}"),
                "count",
            )?;
            Some(domain::PendingCount {
                preset_id: row.preset_id.map(|id| id.0),
                count: count.0,
            })
        })
        .collect();
    if !errors.is_empty() {
        errors.truncate(MAX_FIELD_ERRORS);
        return Err(Problem::invalid_body(errors));
    }
    // v1's rows keep the presets' order (a preset with a missing field has been refused).
    let presets = rows
        .presets
        .into_iter()
        .zip(preset_fields)
        .map(|(preset, fields)| preset_v2(preset, fields))
        .collect();
    let rows = domain::GlobalRowsV2 {
        presets,
        running: rows.running,
        in_progress: rows.in_progress,
        backoffs: rows.backoffs,
        schedules,
        pending,
        hard_limited: more
            .hard_limited
            .unwrap_or_default()
            .into_iter()
            .map(|id| id.0)
            .collect(),
    };
    Ok(GlobalReadV2 { rows, keys })
}

fn preset_v2(preset: v1::Preset, fields: model::PresetV2Fields) -> domain::PresetV2 {
    domain::PresetV2 {
        preset,
        ttl: fields.ttl.map(|ttl| ttl.0),
        last_invalidated_at: fields.last_invalidated_at.map(|at| at.0),
        scheduling_timezone: fields.scheduling_timezone,
        prebuild_status: fields
            .prebuild_status
            .map_or_else(Default::default, Into::into),
    }
}

fn schedule_rows(
    rows: Vec<ObjectOnly<model::Schedule>>,
    errors: &mut Vec<FieldError>,
) -> Vec<domain::Schedule> {
    rows.into_iter()
        .enumerate()
        .filter_map(|(index, ObjectOnly(row))| {
            let at = || format!("/schedules/{index}");
            let cron_expression = require(row.cron_expression, errors, at, "cron_expression");
            let desired_instances = require(row.desired_instances, errors, at, "desired_instances");
            Some(domain::Schedule {
                cron_expression: cron_expression?,
                desired_instances: desired_instances?.0,
                preset_id: row.preset_id.map(|id| id.0),
            })
        })
        .collect()
}

fn decision_answer(
    decision: domain::DecisionV2,
    explained: Option<Explanation>,
    inputs: DecisionInputs,
) -> model::DecisionV2 {
    let state = decision.state;
    model::DecisionV2 {
        decision_id: new_decision_id(),
        preset_id: decision.preset_id,
        noop: decision.actions.is_empty(),
        can_skip: decision.can_skip,
        state: model::StateV2 {
            counts: state.counts.into(),
            expired: state.expired,
            scheduled_target: state.scheduled_target,
            target_source: match state.target_source {
                domain::TargetSource::Default => model::TargetSource::Default,
                domain::TargetSource::Schedule => model::TargetSource::Schedule,
            },
            schedule_error: state.schedule_error,
            hard_limited: state.hard_limited,
            validation_failed: state.validation_failed,
        },
        actions: decision
            .actions
            .into_iter()
            .map(model::ActionV2::from)
            .collect(),
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
        explanation: explained.map(explanation),
    }
}
