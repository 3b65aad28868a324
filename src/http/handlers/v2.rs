//! v2: today's Coder rules (see `docs/v2.md`) beside v1, at `/v2/*`. The same errors,
//! limits, query parameters and extractors as v1; v1's answers do not change.

use super::{Decided, DecisionProblems, record};
use crate::codec::examples;
use crate::codec::problem::Problem;
use crate::codec::v2::{model, pipeline as decide};
use crate::http::extract::{DecisionParams, DecisionQuery, JsonBody};

/// Decide a preset by today's Coder rules
///
/// v2 of the main call, decided as upstream Coder decides: expiry (TTL and invalidation, at
/// `now`), the target from schedules in the preset's timezone (in Coder's full cron syntax),
/// backoff, cancelling pending jobs of an inactive preset, the hard limit and a failed
/// validation, and a list of actions in order, with `can_skip`. Use v1 for the seed's rules.
#[utoipa::path(
    post,
    path = "/v2/presets/reconcile",
    operation_id = "v2_preset_reconcile",
    tag = "v2",
    params(DecisionParams),
    request_body(
        content = model::PresetSnapshotV2,
        content_type = "application/json",
        example = json!(examples::v2_preset_snapshot())
    ),
    responses(
        (status = 200, description = "The preset's v2 decision.", body = model::DecisionV2,
            headers(("X-Decision-Id" = uuid::Uuid, description = "The decision's `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_reconcile(
    DecisionQuery { inputs, explain }: DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::DecisionV2>, Problem> {
    let decision = decide::reconcile(&body, inputs, explain)?;
    record_v2(&decision);
    Ok(Decided(decision.decision_id, decision))
}

/// Decide every preset by today's Coder rules
///
/// v2 of the global call: v1's four lists plus v2's (schedules, pending rows, hard-limited ids),
/// split per preset; one v2 decision per preset in the order of `presets`. One preset's bad
/// schedule becomes its `schedule_error` and never fails the others.
#[utoipa::path(
    post,
    path = "/v2/global/reconcile",
    operation_id = "v2_global_reconcile",
    tag = "v2",
    params(DecisionParams),
    request_body(
        content = model::GlobalSnapshotV2,
        content_type = "application/json",
        example = json!(examples::v2_global_snapshot())
    ),
    responses(
        (status = 200, description = "Every preset's v2 decision.", body = model::GlobalDecisionV2,
            headers(("X-Decision-Id" = uuid::Uuid, description = "The answer's own `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn global_reconcile(
    DecisionQuery { inputs, explain }: DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::GlobalDecisionV2>, Problem> {
    // The body is freed once read: its rows take a fifth of its size.
    let read = decide::read_global(&body)?;
    let size = body.len();
    drop(body);
    crate::http::budget::freed(size);
    let answer = decide::decide_global(read, inputs, explain)?;
    answer.decisions.iter().for_each(record_v2);
    Ok(Decided(answer.decision_id, answer))
}

/// Logs a v2 decision at debug and counts each of its actions in the metrics.
fn record_v2(decision: &model::DecisionV2) {
    let actions = decision.actions.iter().map(model::ActionV2::counts);
    record(decision.decision_id, Some(decision.preset_id), actions);
}
