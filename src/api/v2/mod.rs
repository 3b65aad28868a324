//! v2: today's Coder rules (`docs/v2.md`) beside v1, at `/v2/*`. The same errors,
//! limits, query parameters and extractors as v1; v1's answers do not change.

pub mod decide;
pub mod model;

use std::borrow::Cow;

use utoipa::openapi::schema::{AllOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::extract::{DecisionParams, DecisionQuery, JsonBody};
use super::handlers::{Decided, DecisionProblems};
use super::problem::Problem;

/// One preset's rows for v2: a v1 [`crate::api::model::PresetSnapshot`] and v2's fields.
pub struct PresetSnapshotV2;

impl PartialSchema for PresetSnapshotV2 {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name("PresetSnapshot"))
            .item(Ref::from_schema_name("PresetSnapshotV2Fields"))
            .description(Some(
                "One preset's rows for v2: everything a v1 PresetSnapshot holds (the Go-native \
                 spellings included, with v1's checks on v1's fields), plus ttl, \
                 last_invalidated_at, scheduling_timezone and prebuild_status on the preset, and \
                 schedules, pending_count and is_hard_limited beside it. v2's own values are \
                 never refused: they are decided as upstream Coder decides them.",
            ))
            .examples([super::examples::v2_preset_snapshot()])
            .into()
    }
}

impl ToSchema for PresetSnapshotV2 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PresetSnapshotV2")
    }
}

/// Every preset's rows for v2: a v1 [`crate::api::model::GlobalSnapshot`] and v2's lists.
pub struct GlobalSnapshotV2;

impl PartialSchema for GlobalSnapshotV2 {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name("GlobalSnapshot"))
            .item(Ref::from_schema_name("GlobalSnapshotV2Fields"))
            .description(Some(
                "Every preset's rows for v2: everything a v1 GlobalSnapshot holds, with v2's \
                 preset fields on each preset, plus schedules (with preset_id), pending rows and \
                 hard_limited preset ids, split per preset as upstream Coder splits them (an \
                 in_progress or pending row whose preset_id is null belongs to the preset whose \
                 id is the nil UUID, as upstream compares it). No v2 value of one preset is \
                 refused, so one row never takes away the others' decisions.",
            ))
            .examples([super::examples::v2_global_snapshot()])
            .into()
    }
}

impl ToSchema for GlobalSnapshotV2 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GlobalSnapshotV2")
    }
}

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
        content = PresetSnapshotV2,
        content_type = "application/json",
        example = json!(super::examples::v2_preset_snapshot())
    ),
    responses(
        (status = 200, description = "The preset's v2 decision.", body = model::DecisionV2,
            headers(("X-Decision-Id" = uuid::Uuid, description = "The decision's `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_reconcile(
    DecisionQuery(inputs, explain): DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::DecisionV2>, Problem> {
    let decision = decide::reconcile(&body, inputs, explain)?;
    record(&decision);
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
        content = GlobalSnapshotV2,
        content_type = "application/json",
        example = json!(super::examples::v2_global_snapshot())
    ),
    responses(
        (status = 200, description = "Every preset's v2 decision.", body = model::GlobalDecisionV2,
            headers(("X-Decision-Id" = uuid::Uuid, description = "The answer's own `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn global_reconcile(
    DecisionQuery(inputs, explain): DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::GlobalDecisionV2>, Problem> {
    let answer = decide::reconcile_global(&body, inputs, explain)?;
    answer.decisions.iter().for_each(record);
    Ok(Decided(answer.decision_id, answer))
}

/// Logs a v2 decision at debug and counts each of its actions in the metrics.
fn record(decision: &model::DecisionV2) {
    for action in &decision.actions {
        let (to_create, to_delete) = match action {
            model::ActionV2::Create(a) => (a.create.unsigned_abs().into(), 0),
            model::ActionV2::Delete(a) => (0, a.delete_ids.len() as u64),
            model::ActionV2::Backoff(_) | model::ActionV2::CancelPending(_) => (0, 0),
        };
        crate::telemetry::record_decision(action.action_type(), to_create, to_delete);
    }
    tracing::debug!(
        decision_id = %decision.decision_id,
        preset_id = %decision.preset_id,
        actions = ?decision.actions.iter().map(model::ActionV2::action_type).collect::<Vec<_>>(),
        "decided (v2)"
    );
}
