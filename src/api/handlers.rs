//! The handlers: extract, call [`super::decide`], answer. Their `///` comments become the
//! OpenAPI summaries and descriptions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa::IntoResponses;

use super::AppState;
use super::decide;
use super::extract::{DecisionParams, DecisionQuery, JsonBody};
use super::model;
use super::problem::Problem;

/// The problems a decision call can answer.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documents responses; handlers answer `Problem` directly.
pub enum DecisionProblems {
    /// The body is not JSON (with line and column), or `now` / `backoff_interval` is malformed.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// A bearer token is configured and the request lacks it or has another.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The request took longer than the server's request timeout.
    #[response(status = 408, content_type = "application/problem+json")]
    RequestTimeout(Problem),
    /// The body is larger than the server's limit (16 MiB unless configured).
    #[response(status = 413, content_type = "application/problem+json")]
    ContentTooLarge(Problem),
    /// The body is not sent as `Content-Type: application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// The body is JSON but a field is missing, of the wrong type or out of range, or it breaks
    /// a rule across fields (duplicate IDs, sums past int32, a backoff window past Go's
    /// `time.Duration`); each error has a JSON pointer to its field.
    #[response(status = 422, content_type = "application/problem+json")]
    UnprocessableContent(Problem),
    /// More requests are in flight than the server takes: retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Overloaded(Problem),
}

/// Compute a preset's state
///
/// The derived counts of one preset's prebuilds (Coder's `CalculateState`): running, desired,
/// eligible, extraneous, and builds starting, stopping and deleting. Uses no clock and no
/// interval, so it takes no query parameters.
#[utoipa::path(
    post,
    path = "/v1/presets/state",
    tag = "decisions",
    request_body(content = model::PresetSnapshot, content_type = "application/json"),
    responses(
        (status = 200, description = "The preset's state.", body = model::ReconciliationState),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_state(
    JsonBody(body): JsonBody,
) -> Result<Json<model::ReconciliationState>, Problem> {
    decide::state(&body).map(Json)
}

/// Decide a preset's action
///
/// The one action that brings the preset's pool toward its target (Coder's `CalculateActions`):
/// back off after recent failures, delete every prebuild of an inactive preset or the oldest
/// extraneous ones, or create what is missing. Echoes the `now` and interval used.
#[utoipa::path(
    post,
    path = "/v1/presets/actions",
    tag = "decisions",
    params(DecisionParams),
    request_body(content = model::PresetSnapshot, content_type = "application/json"),
    responses(
        (status = 200, description = "The action to take.", body = model::ActionsResponse),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_actions(
    DecisionQuery(inputs): DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<model::ActionsResponse>, Problem> {
    let answer = decide::actions(&body, inputs)?;
    record(None, &answer.actions);
    Ok(Json(answer))
}

/// Decide a preset: state and action
///
/// The main call: one preset's state and the action to take, together, with the `now` and
/// interval used. Give `now` to make the decision reproducible.
#[utoipa::path(
    post,
    path = "/v1/presets/reconcile",
    tag = "decisions",
    params(DecisionParams),
    request_body(content = model::PresetSnapshot, content_type = "application/json"),
    responses(
        (status = 200, description = "The preset's decision.", body = model::Decision),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_reconcile(
    DecisionQuery(inputs): DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<model::Decision>, Problem> {
    let decision = decide::reconcile(&body, inputs)?;
    record(Some(decision.preset_id), &decision.actions);
    Ok(Json(decision))
}

/// Decide every preset
///
/// The control plane's four query results as flat lists, split per preset the way Coder's
/// `GlobalSnapshot.FilterByPreset` splits them, and one decision per preset in the order of
/// `presets`. Rows that belong to no listed preset are ignored.
#[utoipa::path(
    post,
    path = "/v1/global/reconcile",
    tag = "decisions",
    params(DecisionParams),
    request_body(content = model::GlobalSnapshot, content_type = "application/json"),
    responses(
        (status = 200, description = "Every preset's decision.", body = model::GlobalDecision),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn global_reconcile(
    DecisionQuery(inputs): DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<model::GlobalDecision>, Problem> {
    let answer = decide::reconcile_global(&body, inputs)?;
    for decision in &answer.decisions {
        record(Some(decision.preset_id), &decision.actions);
    }
    Ok(Json(answer))
}

/// Logs a decision at debug and counts it in the metrics.
fn record(preset_id: Option<uuid::Uuid>, actions: &model::ReconciliationActions) {
    let (to_create, to_delete) = match actions {
        model::ReconciliationActions::Create(action) => (action.create.unsigned_abs().into(), 0),
        model::ReconciliationActions::Delete(action) => (0, action.delete_ids.len() as u64),
        model::ReconciliationActions::Backoff(_) => (0, 0),
    };
    let action_type = actions.action_type();
    tracing::debug!(preset_id = ?preset_id, action_type, to_create, to_delete, "decided");
    crate::telemetry::record_decision(action_type, to_create, to_delete);
}

/// Liveness
///
/// 200 while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process is serving.", body = model::Health))
)]
pub async fn healthz() -> Json<model::Health> {
    Json(model::Health { status: "ok" })
}

/// Readiness
///
/// 200 while the instance takes traffic; 503 once shutdown has begun, so a load balancer
/// stops sending new requests while in-flight ones finish.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic.", body = model::Health),
        (status = 503, description = "Shutting down.", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<model::Health>, Problem> {
    if state.config.readiness.is_ready() {
        Ok(Json(model::Health { status: "ready" }))
    } else {
        Err(Problem::http(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting down: send requests elsewhere",
        ))
    }
}
