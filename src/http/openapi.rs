//! The OpenAPI 3.1 document: one [`ApiDoc`] for the parts no handler states (info, tags, the
//! bearer scheme, shared schemas); the router adds every operation from its handler.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::codec::model;
use crate::codec::problem::{FieldError, Problem};
use crate::codec::v2::model as v2_model;

/// The document's fixed parts. `info.version` is the API's version, not the crate's, so the
/// committed document changes only when the API does.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "prebuild-decider",
        version = "1.0.1",
        description = "Tells a control plane how to keep pools of prebuilt workspaces at their \
            target size. Post a snapshot of a preset (its settings, running prebuilds, builds in \
            flight, recent failures) and get back its state and the action to take: create N, \
            delete these IDs, or back off until a time. The decision is Coder's prebuilds \
            reconciliation, exact to its source. Every error is an RFC 9457 problem \
            (`application/problem+json`).",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only")
    ),
    tags(
        (name = "decisions", description = "Decide what to do with a preset's prebuilds, by the seed's rules (v1)."),
        (name = "v2", description = "Decide by today's Coder rules: expiry, schedules, cancel-pending, the hard limit, several actions."),
        (name = "forecast", description = "What a preset's schedules will make its target over the coming days, from the v2 decision's own code: as JSON or as a chart."),
        (name = "operations", description = "Liveness and readiness for orchestrators.")
    ),
    components(schemas(
        Problem,
        FieldError,
        model::Preset,
        model::RunningPrebuild,
        model::InProgressCount,
        model::Backoff,
        model::Transition,
        model::CreateAction,
        model::DeleteAction,
        model::BackoffAction,
        v2_model::PresetV2,
        v2_model::PrebuildStatus,
        v2_model::Schedule,
        v2_model::PendingRow,
        v2_model::CancelPendingAction,
    )),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

/// Declares the optional bearer token scheme (operations list it beside `{}`, i.e. optional).
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Needed on /v1/*, /v2/* and /debug/* (and /metrics on the API's listener) \
                         only when the server is started with --api-token.",
                    ))
                    .build(),
            ),
        );
    }
}
