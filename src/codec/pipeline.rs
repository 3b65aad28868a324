//! The decision calls from body bytes to answer, shared by the HTTP handlers and the `decide`
//! command, so both give the same answer (or the same problem) for the same input.
//!
//! Bodies are parsed by [`super::json::parse_json`]: fast when valid, precise when not.

use super::model;
use super::problem::{FieldError, Problem};
use super::read::{self, Keys, PresetRows, snapshot_problem};
use super::wire::{GoDurationText, Rfc3339};
use crate::domain::{self, GoDuration, SnapshotError, Timestamp};

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

/// Whether to explain a decision (`?explain=true`): off by default, so the hot path builds
/// nothing it does not answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Explain(pub bool);

impl Explain {
    /// `plain()`, or `explained()` with its explanation when asked: where an answer chooses
    /// between a domain call and its explained twin.
    pub(crate) fn choose<T, E>(
        self,
        plain: impl FnOnce() -> Result<T, E>,
        explained: impl FnOnce() -> Result<(T, domain::Explanation), E>,
    ) -> Result<(T, Option<domain::Explanation>), E> {
        if self.0 {
            explained().map(|(value, explanation)| (value, Some(explanation)))
        } else {
            plain().map(|value| (value, None))
        }
    }
}

/// A new decision id: UUID v7, so ids sort by the time they were made.
pub fn new_decision_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// `POST /v1/presets/state`.
pub fn state(body: &[u8]) -> Result<model::ReconciliationState, Problem> {
    let (snapshot, _) = parse_preset_snapshot(body)?;
    Ok(snapshot.calculate_state().into())
}

/// `POST /v1/presets/actions`, unexplained.
pub fn actions(body: &[u8], inputs: DecisionInputs) -> Result<model::ActionsResponse, Problem> {
    actions_with(body, inputs, Explain::default())
}

/// `POST /v1/presets/actions`.
pub fn actions_with(
    body: &[u8],
    inputs: DecisionInputs,
    explain: Explain,
) -> Result<model::ActionsResponse, Problem> {
    let (snapshot, keys) = parse_preset_snapshot(body)?;
    let (actions, explanation) = explain
        .choose(
            || snapshot.calculate_actions(inputs.now, inputs.backoff_interval),
            || snapshot.explain_actions(inputs.now, inputs.backoff_interval),
        )
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

/// `POST /v1/presets/reconcile`: state and action together, unexplained.
pub fn reconcile(body: &[u8], inputs: DecisionInputs) -> Result<model::Decision, Problem> {
    reconcile_with(body, inputs, Explain::default())
}

/// `POST /v1/presets/reconcile`: state and action together.
pub fn reconcile_with(
    body: &[u8],
    inputs: DecisionInputs,
    explain: Explain,
) -> Result<model::Decision, Problem> {
    let (snapshot, keys) = parse_preset_snapshot(body)?;
    let explained = explain
        .choose(
            || snapshot.decide(inputs.now, inputs.backoff_interval),
            || snapshot.decide_explained(inputs.now, inputs.backoff_interval),
        )
        .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok(decision_answer(explained, inputs))
}

/// `POST /v1/global/reconcile`: every preset's decision, unexplained.
pub fn reconcile_global(
    body: &[u8],
    inputs: DecisionInputs,
) -> Result<model::GlobalDecision, Problem> {
    reconcile_global_with(body, inputs, Explain::default())
}

/// `POST /v1/global/reconcile`: every preset's decision.
pub fn reconcile_global_with(
    body: &[u8],
    inputs: DecisionInputs,
    explain: Explain,
) -> Result<model::GlobalDecision, Problem> {
    decide_global(read_global(body)?, inputs, explain)
}

/// A global snapshot's rows as read from its body, not yet checked against the contract: what
/// [`decide_global`] decides. Reading and deciding are apart so a caller can free the body in
/// between; its rows take about a fifth of its size.
pub struct GlobalRead {
    rows: read::GlobalRows,
    keys: Keys,
}

/// Reads the body of `POST /v1/global/reconcile` into its rows (a 400 or 422 when it is not a
/// global snapshot).
pub fn read_global(body: &[u8]) -> Result<GlobalRead, Problem> {
    let (rows, keys) = read::global_rows(body)?;
    Ok(GlobalRead { rows, keys })
}

/// `POST /v1/global/reconcile` from the rows [`read_global`] read: every preset's decision.
pub fn decide_global(
    read: GlobalRead,
    inputs: DecisionInputs,
    explain: Explain,
) -> Result<model::GlobalDecision, Problem> {
    let GlobalRead { rows, keys } = read;
    let global =
        domain::GlobalSnapshot::new(rows.presets, rows.running, rows.in_progress, rows.backoffs)
            .map_err(|error| snapshot_problem(&error, &keys))?;
    let problem = |error: SnapshotError| snapshot_problem(&error, &keys);
    let decisions: Vec<_> = if explain.0 {
        let explained = global
            .decide_explained(inputs.now, inputs.backoff_interval)
            .map_err(problem)?;
        explained
            .into_iter()
            .map(|(decision, explanation)| decision_answer((decision, Some(explanation)), inputs))
            .collect()
    } else {
        let decisions = global
            .decide(inputs.now, inputs.backoff_interval)
            .map_err(problem)?;
        decisions
            .into_iter()
            .map(|decision| decision_answer((decision, None), inputs))
            .collect()
    };
    Ok(model::GlobalDecision {
        decision_id: new_decision_id(),
        decisions,
        evaluated_at: Rfc3339(inputs.now),
        backoff_interval: GoDurationText(inputs.backoff_interval),
    })
}

fn decision_answer(
    (decision, explanation): (domain::Decision, Option<domain::Explanation>),
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

fn parse_preset_snapshot(body: &[u8]) -> Result<(domain::PresetSnapshot, Keys), Problem> {
    let (rows, keys) = parse_preset_rows(body)?;
    let snapshot =
        domain::PresetSnapshot::new(rows.preset, rows.running, rows.in_progress, rows.backoff)
            .map_err(|error| snapshot_problem(&error, &keys))?;
    Ok((snapshot, keys))
}

/// Reads a preset snapshot body into rows, with the key spellings its pointers need: by
/// [`super::fast_read`] when it can, else by the serde path ([`read::preset_rows`]).
pub(crate) fn parse_preset_rows(body: &[u8]) -> Result<(PresetRows, Keys), Problem> {
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
