//! The handlers: extract, call the codec's [`crate::codec::pipeline`], answer. Their `///` comments become the
//! OpenAPI summaries and descriptions.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::IntoResponses;
use uuid::Uuid;

pub mod forecast;
pub mod v2;

use super::AppState;
use super::extract::{DecisionParams, DecisionQuery, JsonBody};
use crate::codec::fast_write::JsonAnswer;
use crate::codec::model;
use crate::codec::pipeline as decide;
use crate::codec::problem::{PROBLEM_JSON, Problem};

/// The problems a decision call can answer, each with an example of its own.
#[derive(IntoResponses)]
#[allow(dead_code)] // Documents responses; handlers answer `Problem` directly.
pub enum DecisionProblems {
    /// The body is not JSON (with line and column), or `now` / `backoff_interval` / `explain`
    /// is malformed.
    #[response(status = 400, content_type = "application/problem+json", example = json!({
        "type": "urn:prebuild-decider:problem:malformed-json",
        "title": "Malformed JSON",
        "status": 400,
        "detail": "the body is not valid JSON: expected value at line 1 column 19",
        "errors": [{"pointer": "/preset/id", "detail": "expected value"}],
        "line": 1,
        "column": 19
    }))]
    BadRequest(Problem),
    /// A bearer token is configured and the request lacks it or has another.
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer`, or `Bearer error=\"invalid_token\"` for a wrong token.")),
        example = json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "send Authorization: Bearer <token>"
        })
    )]
    Unauthorized(Problem),
    /// The request took longer than the server's request timeout.
    #[response(status = 408, content_type = "application/problem+json", example = json!({
        "type": "about:blank",
        "title": "Request Timeout",
        "status": 408,
        "detail": "the request was not complete within the server's timeout of 10s"
    }))]
    RequestTimeout(Problem),
    /// The body is larger than the server's limit (16 MiB unless configured).
    #[response(status = 413, content_type = "application/problem+json", example = json!({
        "type": "about:blank",
        "title": "Payload Too Large",
        "status": 413,
        "detail": "the body is larger than the limit of 16777216 bytes"
    }))]
    ContentTooLarge(Problem),
    /// The body is not sent as `Content-Type: application/json`.
    #[response(status = 415, content_type = "application/problem+json", example = json!({
        "type": "about:blank",
        "title": "Unsupported Media Type",
        "status": 415,
        "detail": "send the body as Content-Type: application/json (got \"text/plain\")"
    }))]
    UnsupportedMediaType(Problem),
    /// The body is JSON but a field is missing, of the wrong type or out of range, or it breaks
    /// a rule across fields (duplicate IDs, sums past int32, a backoff window past Go's
    /// `time.Duration`); each error has a JSON pointer to its field.
    #[response(status = 422, content_type = "application/problem+json", example = json!({
        "type": "urn:prebuild-decider:problem:invalid-body",
        "title": "Invalid request body",
        "status": 422,
        "detail": "/running/2/id: running prebuild 5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a is listed twice (first at index 0)",
        "errors": [{
            "pointer": "/running/2/id",
            "detail": "running prebuild 5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a is listed twice (first at index 0)"
        }]
    }))]
    UnprocessableContent(Problem),
    /// More requests are in flight than the server takes: retry after `Retry-After` seconds.
    #[response(
        status = 503,
        content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying.")),
        example = json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "too many requests in flight: retry after the Retry-After delay"
        })
    )]
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
        (status = 200, description = "The action to take.", body = model::ActionsResponse,
            headers(("X-Decision-Id" = Uuid, description = "The answer's `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_actions(
    DecisionQuery { inputs, explain }: DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::ActionsResponse>, Problem> {
    let answer = decide::actions(&body, inputs, explain)?;
    record(answer.decision_id, None, [answer.actions.counts()]);
    Ok(Decided(answer.decision_id, answer))
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
        (status = 200, description = "The preset's decision.", body = model::Decision,
            headers(("X-Decision-Id" = Uuid, description = "The decision's `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_reconcile(
    DecisionQuery { inputs, explain }: DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::Decision>, Problem> {
    let decision = decide::reconcile(&body, inputs, explain)?;
    record(
        decision.decision_id,
        Some(decision.preset_id),
        [decision.actions.counts()],
    );
    Ok(Decided(decision.decision_id, decision))
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
        (status = 200, description = "Every preset's decision.", body = model::GlobalDecision,
            headers(("X-Decision-Id" = Uuid, description = "The answer's own `decision_id`."))),
        DecisionProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn global_reconcile(
    DecisionQuery { inputs, explain }: DecisionQuery,
    JsonBody(body): JsonBody,
) -> Result<Decided<model::GlobalDecision>, Problem> {
    // The body is freed once read: its rows take a fifth of its size.
    let read = decide::read_global(&body)?;
    let size = body.len();
    drop(body);
    super::budget::freed(size);
    let answer = decide::decide_global(read, inputs, explain)?;
    for decision in &answer.decisions {
        record(
            decision.decision_id,
            Some(decision.preset_id),
            [decision.actions.counts()],
        );
    }
    Ok(Decided(answer.decision_id, answer))
}

/// A decision's answer: the JSON body, with its id in `X-Decision-Id` and in the request's span
/// (so the request's log line carries it).
pub struct Decided<T>(pub Uuid, pub T);

/// The header carrying a decision's id.
pub const DECISION_ID: HeaderName = HeaderName::from_static("x-decision-id");

impl<T: JsonAnswer> IntoResponse for Decided<T> {
    fn into_response(self) -> Response {
        let Decided(id, body) = self;
        tracing::Span::current().record("decision_id", tracing::field::display(id));
        let mut response = (
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body.to_json(),
        )
            .into_response();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let value = HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
            .expect("a UUID is a header value");
        response.headers_mut().insert(DECISION_ID, value);
        response
    }
}

/// A problem as an HTTP answer: its status, `application/problem+json`, and its headers.
impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        let body = self.to_json();
        let mut response = (
            self.status,
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(PROBLEM_JSON),
            )],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        for (name, value) in std::mem::take(&mut self.headers) {
            headers.insert(name, value);
        }
        response
    }
}

/// Logs a decision at debug and counts each of its actions in the metrics.
pub(crate) fn record(
    decision_id: Uuid,
    preset_id: Option<Uuid>,
    actions: impl IntoIterator<Item = model::ActionCounts>,
) {
    let (mut to_create, mut to_delete) = (0, 0);
    let mut action_types = Vec::new();
    for action in actions {
        crate::telemetry::record_decision(action.action_type, action.to_create, action.to_delete);
        to_create += action.to_create;
        to_delete += action.to_delete;
        action_types.push(action.action_type);
    }
    tracing::debug!(%decision_id, ?preset_id, actions = ?action_types, to_create, to_delete, "decided");
}

/// Version and rule sets
///
/// The service's version and build commit, and the rule sets it serves: `v1`, the seed
/// (Coder's prebuilds reconciliation as of the seed, exactly), and `v2`, today's Coder rules.
#[utoipa::path(
    get,
    path = "/v1/version",
    tag = "operations",
    responses(
        (status = 200, description = "What is serving.", body = model::VersionInfo),
        (status = 401, description = "A bearer token is configured and the request lacks it or has another.",
            body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = []))
)]
pub async fn version() -> Json<model::VersionInfo> {
    Json(model::VersionInfo::current())
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
