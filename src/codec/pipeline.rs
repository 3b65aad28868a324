//! The decision calls from body bytes to answer, shared by the HTTP handlers and the `decide`
//! command, so both give the same answer (or the same problem) for the same input.
//!
//! Bodies are parsed by [`super::json::parse_json`]: fast when valid, precise when not.

use super::model;
use super::problem::{FieldError, Problem};
use super::read::{self, KeySpellings, PresetRows, snapshot_problem};
use super::wire::{GoDurationText, Rfc3339};
use crate::domain::{self, GoDuration, Timestamp};

/// The two inputs besides the body: when the decision is made, and the interval per failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionInputs {
    /// The instant decided at (Go's `clock.Now()`).
    pub now: Timestamp,
    /// The backoff interval per failed build.
    pub backoff_interval: GoDuration,
}

/// Parses the `now` parameter: an RFC 3339 timestamp.
pub fn parse_now(value: &str) -> Result<Timestamp, FieldError> {
    Timestamp::parse_rfc3339(value)
        .map_err(|error| FieldError::parameter("now", format!("{error}, got {value:?}")))
}

/// Parses the `backoff_interval` parameter: a Go duration that is not negative. A minus sign is
/// refused even where Go reads the value as zero (`-0s`, `-0.5ns`), as the parameter's pattern
/// in the OpenAPI document says.
pub fn parse_backoff_interval(value: &str) -> Result<GoDuration, FieldError> {
    GoDuration::parse_non_negative(value)
        .map_err(|error| FieldError::parameter("backoff_interval", error.to_string()))
}

/// A new decision id: UUID v7, so ids sort by the time they were made.
pub fn new_decision_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// The trace a decision reports to: an explanation when asked for (`?explain=true`), else
/// nothing, so the hot path builds nothing it does not answer.
pub(crate) fn trace(explain: bool) -> Option<domain::Explanation> {
    explain.then(domain::Explanation::default)
}

/// `POST /v1/presets/state`.
pub fn state(body: &[u8]) -> Result<model::ReconciliationState, Problem> {
    let (snapshot, _) = parse_preset_snapshot(body)?;
    Ok(snapshot.calculate_state().into())
}

/// `POST /v1/presets/actions`: the action alone, explained when `explain` is set.
pub fn actions(
    body: &[u8],
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::ActionsResponse, Problem> {
    let (snapshot, keys) = parse_preset_snapshot(body)?;
    let mut explanation = trace(explain);
    let actions = snapshot
        .calculate_actions(inputs.now, inputs.backoff_interval, &mut explanation)
        .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok(model::ActionsResponse {
        decision_id: new_decision_id(),
        noop: actions.is_noop(),
        actions: actions.into(),
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
        explanation: explanation.map(model::explanation),
    })
}

/// `POST /v1/presets/reconcile`: state and action together, explained when `explain` is set.
pub fn reconcile(
    body: &[u8],
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::Decision, Problem> {
    let (snapshot, keys) = parse_preset_snapshot(body)?;
    let mut explanation = trace(explain);
    let decision = snapshot
        .decide(inputs.now, inputs.backoff_interval, &mut explanation)
        .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok(decision_answer(decision, explanation, inputs))
}

/// `POST /v1/global/reconcile`: every preset's decision, each explained when `explain` is set.
pub fn reconcile_global(
    body: &[u8],
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::GlobalDecision, Problem> {
    decide_global(read_global(body)?, inputs, explain)
}

/// A global snapshot's rows as read from its body, not yet checked against the contract: what
/// [`decide_global`] decides. Reading and deciding are apart so a caller can free the body in
/// between; its rows take about a fifth of its size.
pub struct GlobalRead {
    rows: read::GlobalRows,
    keys: KeySpellings,
}

/// Reads the body of `POST /v1/global/reconcile` into its rows (a 400 or 422 when it is not a
/// global snapshot).
pub fn read_global(body: &[u8]) -> Result<GlobalRead, Problem> {
    let (rows, keys) = read::global_rows(body)?;
    Ok(GlobalRead { rows, keys })
}

/// `POST /v1/global/reconcile` from the rows [`read_global`] read: every preset's decision,
/// each explained when `explain` is set.
pub fn decide_global(
    read: GlobalRead,
    inputs: DecisionInputs,
    explain: bool,
) -> Result<model::GlobalDecision, Problem> {
    let GlobalRead { rows, keys } = read;
    let global =
        domain::GlobalSnapshot::new(rows.presets, rows.running, rows.in_progress, rows.backoffs)
            .map_err(|error| snapshot_problem(&error, &keys))?;
    let decisions = global
        .decide(inputs.now, inputs.backoff_interval, explain)
        .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok(model::GlobalDecision {
        decision_id: new_decision_id(),
        decisions: decisions
            .into_iter()
            .map(|(decision, explanation)| decision_answer(decision, explanation, inputs))
            .collect(),
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
    })
}

fn decision_answer(
    decision: domain::Decision,
    explanation: Option<domain::Explanation>,
    inputs: DecisionInputs,
) -> model::Decision {
    model::Decision {
        decision_id: new_decision_id(),
        preset_id: decision.preset_id,
        state: decision.state.into(),
        noop: decision.actions.is_noop(),
        actions: decision.actions.into(),
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
        explanation: explanation.map(model::explanation),
    }
}

fn parse_preset_snapshot(body: &[u8]) -> Result<(domain::PresetSnapshot, KeySpellings), Problem> {
    let (rows, keys) = parse_preset_rows(body)?;
    let snapshot =
        domain::PresetSnapshot::new(rows.preset, rows.running, rows.in_progress, rows.backoff)
            .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok((snapshot, keys))
}

/// Reads a preset snapshot body into rows, with the key spellings its pointers need: by
/// [`super::fast_read`] when it can, else by the serde path ([`read::preset_rows`]).
pub(crate) fn parse_preset_rows(body: &[u8]) -> Result<(PresetRows, KeySpellings), Problem> {
    if let Some(rows) = super::fast_read::preset_rows(body) {
        return Ok(rows);
    }
    read::preset_rows(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_interval_takes_go_durations_without_a_minus_sign() {
        let nanos = |s: &str| parse_backoff_interval(s).map(|d| d.as_nanos());
        assert_eq!(nanos("0"), Ok(0));
        assert_eq!(nanos("+0"), Ok(0));
        assert_eq!(nanos("0s"), Ok(0));
        assert_eq!(nanos("+1m"), Ok(60_000_000_000));
        assert_eq!(nanos("1m1m"), Ok(120_000_000_000));
        for bad in ["-1s", "-0", "-0s", "-0.5ns", "", "1", "9223372037s"] {
            assert!(nanos(bad).is_err(), "{bad} should be refused");
        }
    }
}
