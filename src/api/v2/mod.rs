//! v2: today's Coder rules (`api-contract-v2.md`) beside v1, at `/v2/*`. The same errors,
//! limits, query parameters and extractors as v1; v1's answers do not change.

pub mod decide;
pub mod model;

use std::borrow::Cow;

use utoipa::openapi::schema::{ArrayBuilder, Object, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::extract::{DecisionParams, DecisionQuery, JsonBody};
use super::handlers::{Decided, DecisionProblems};
use super::model::{GlobalSnapshot, Preset, PresetSnapshot};
use super::problem::Problem;

// The v2 bodies are read as a v1 body plus v2's fields (`model::*V2Fields`), but documented as
// one self-contained object each: an `allOf` of the two would define `preset` (or `presets`)
// twice with different types, which client generators cannot merge (openapi-python-client
// drops the operation; openapi-generator's Go types `preset` as v2's fields only, so a client
// would post a preset without its id).

/// `base`'s object schema with `more`'s properties after its own (a property both define keeps
/// `base`'s) and both `required` lists.
fn merged(base: RefOr<Schema>, more: RefOr<Schema>) -> Object {
    let (RefOr::T(Schema::Object(mut object)), RefOr::T(Schema::Object(more))) = (base, more)
    else {
        unreachable!("the v1 and v2 body types derive object schemas")
    };
    for (name, property) in more.properties {
        object.properties.entry(name).or_insert(property);
    }
    object.required.extend(more.required);
    object
}

/// A reference to the schema `name`, described.
fn described_ref(name: &str, description: &str) -> RefOr<Schema> {
    let mut reference = Ref::from_schema_name(name);
    reference.description = description.into();
    RefOr::Ref(reference)
}

/// A v2 preset row: v1's [`Preset`] fields and v2's [`model::PresetV2Fields`] in one object.
pub struct PresetV2;

impl PartialSchema for PresetV2 {
    fn schema() -> RefOr<Schema> {
        let mut preset = merged(Preset::schema(), model::PresetV2Fields::schema());
        preset.description = Some(
            "A preset row for v2 (Coder's `GetTemplatePresetsWithPrebuildsRow`): every field of \
             v1's Preset, plus ttl, last_invalidated_at and scheduling_timezone."
                .into(),
        );
        preset.example = Some(super::examples::v2_preset_snapshot()["preset"].clone());
        preset.into()
    }
}

impl ToSchema for PresetV2 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PresetV2")
    }
}

/// One preset's rows for v2: a v1 [`PresetSnapshot`] with a [`PresetV2`] and v2's fields.
pub struct PresetSnapshotV2;

impl PartialSchema for PresetSnapshotV2 {
    fn schema() -> RefOr<Schema> {
        let mut snapshot = merged(
            PresetSnapshot::schema(),
            model::PresetSnapshotV2Fields::schema(),
        );
        snapshot.properties.insert(
            "preset".into(),
            described_ref(
                "PresetV2",
                "The preset row, with v2's fields (Go-native key: `Preset`).",
            ),
        );
        snapshot.description = Some(
            "One preset's rows for v2: everything a v1 PresetSnapshot holds (the Go-native \
             spellings included), with v2's fields on the preset (PresetV2), plus schedules, \
             pending_count and is_hard_limited beside it. Unknown fields are ignored."
                .into(),
        );
        snapshot.example = None;
        snapshot.examples = vec![super::examples::v2_preset_snapshot()];
        snapshot.into()
    }
}

impl ToSchema for PresetSnapshotV2 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PresetSnapshotV2")
    }
}

/// Every preset's rows for v2: a v1 [`GlobalSnapshot`] with [`PresetV2`]s and v2's lists.
pub struct GlobalSnapshotV2;

impl PartialSchema for GlobalSnapshotV2 {
    fn schema() -> RefOr<Schema> {
        let mut snapshot = merged(
            GlobalSnapshot::schema(),
            model::GlobalSnapshotV2Fields::schema(),
        );
        snapshot.properties.insert(
            "presets".into(),
            ArrayBuilder::new()
                .items(Ref::from_schema_name("PresetV2"))
                .description(Some(
                    "The preset rows, with v2's fields; decisions come back in this order.",
                ))
                .into(),
        );
        snapshot.description = Some(
            "Every preset's rows for v2: everything a v1 GlobalSnapshot holds, with v2's fields \
             on each preset (PresetV2), plus schedules (with preset_id), pending rows and \
             hard_limited preset ids, split per preset like v1's rows. Unknown fields are \
             ignored."
                .into(),
        );
        snapshot.example = None;
        snapshot.examples = vec![super::examples::v2_global_snapshot()];
        snapshot.into()
    }
}

impl ToSchema for GlobalSnapshotV2 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("GlobalSnapshotV2")
    }
}

/// Decide a preset by today's Coder rules
///
/// v2 of the main call: expiry (TTL and invalidation, at `now`), the target from weekly schedules
/// in the preset's timezone, backoff, cancelling pending jobs of an inactive preset, the hard
/// limit, and a list of actions in order, with `can_skip`. Use v1 for the seed's rules exactly.
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
