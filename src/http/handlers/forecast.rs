//! The forecast calls: what a preset's schedules (or every preset's) will make its target over a
//! window, as JSON or as an SVG chart. The body is read as the v2 decision reads it, with the
//! same problems; the window and the format come from the query and the `Accept` header.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, CONTENT_TYPE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{SubsecRound, Utc};
use utoipa::openapi::response::{Response as OpenApiResponse, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoParams, IntoResponses};

use super::DecisionProblems;
use crate::codec::examples;
use crate::codec::problem::{FieldError, PROBLEM_JSON, Problem};
use crate::codec::v2::{chart, forecast, model};
use crate::domain::Timestamp;
use crate::domain::v2::Window;
use crate::http::extract::JsonBody;

/// The media type of a chart.
pub const SVG: &str = "image/svg+xml";

/// The optional query parameters of the forecast calls, as given (each read once).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastParams {
    /// The window's first instant (RFC 3339 as the decisions' `now` is read, e.g.
    /// `2025-06-02T00:00:00-07:00`). Default: the server clock, to the second.
    #[param(
        value_type = Option<String>,
        format = DateTime,
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        example = "2025-06-02T00:00:00-07:00"
    )]
    pub from: Option<String>,
    /// The first instant after the window (RFC 3339): after `from`, at most 92 days later.
    /// Default: 7 days after `from`.
    #[param(
        value_type = Option<String>,
        format = DateTime,
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        example = "2025-06-09T00:00:00-07:00"
    )]
    pub to: Option<String>,
    /// `json` or `svg` (a chart). Default: what `Accept` prefers of `application/json` and
    /// `image/svg+xml`, JSON when it prefers neither.
    #[param(inline, value_type = Option<ForecastFormat>)]
    pub format: Option<String>,
}

/// What a forecast is answered as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ForecastFormat {
    /// `application/json`.
    Json,
    /// `image/svg+xml`: a chart.
    Svg,
}

impl ForecastParams {
    /// Reads the parameters from a query string. Unknown ones are ignored; one given twice is
    /// refused, as the decisions' are.
    pub fn from_query(query: &str) -> Result<Self, Problem> {
        let mut params = ForecastParams::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let (slot, parameter) = match name.as_ref() {
                "from" => (&mut params.from, "from"),
                "to" => (&mut params.to, "to"),
                "format" => (&mut params.format, "format"),
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(Problem::invalid_query(FieldError::parameter(
                    parameter,
                    "given more than once",
                )));
            }
        }
        Ok(params)
    }
}

/// The window and format of a forecast, from the query (and `Accept`).
#[derive(Debug)]
pub struct ForecastQuery {
    /// The window forecast.
    pub window: Window,
    /// JSON or a chart.
    pub format: ForecastFormat,
}

impl<S: Send + Sync> FromRequestParts<S> for ForecastQuery {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let params = ForecastParams::from_query(parts.uri.query().unwrap_or_default())?;
        let now = Timestamp::from_utc(Utc::now().trunc_subsecs(0));
        let window = forecast::window(params.from.as_deref(), params.to.as_deref(), now)
            .map_err(Problem::invalid_query)?;
        let format = match params.format.as_deref() {
            None => preferred(&parts.headers),
            Some("json") => ForecastFormat::Json,
            Some("svg") => ForecastFormat::Svg,
            Some(other) => {
                return Err(Problem::invalid_query(FieldError::parameter(
                    "format",
                    format!("must be json or svg, got {other:?}"),
                )));
            }
        };
        Ok(ForecastQuery { window, format })
    }
}

/// What `Accept` prefers: SVG when it rates `image/svg+xml` above `application/json`, else JSON
/// (also when it names neither, so a client that asks for something else gets JSON rather than
/// a refusal).
fn preferred(headers: &HeaderMap) -> ForecastFormat {
    let (mut json, mut svg) = (0.0f32, 0.0f32);
    for value in headers.get_all(ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .next()
                .unwrap_or(1.0);
            match media.as_str() {
                "application/json" => json = json.max(quality),
                "image/svg+xml" => svg = svg.max(quality),
                "image/*" => svg = svg.max(quality * 0.99),
                "application/*" => json = json.max(quality * 0.99),
                _ => {}
            }
        }
    }
    if svg > json {
        ForecastFormat::Svg
    } else {
        ForecastFormat::Json
    }
}

/// A forecast's answer, JSON or a chart, with `Vary: Accept` (the format may follow it).
fn answer(
    format: ForecastFormat,
    json: impl FnOnce() -> Vec<u8>,
    svg: impl FnOnce() -> String,
) -> Response {
    let (content_type, body) = match format {
        ForecastFormat::Json => ("application/json", json()),
        ForecastFormat::Svg => (SVG, svg().into_bytes()),
    };
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (VARY, HeaderValue::from_static("accept")),
        ],
        body,
    )
        .into_response()
}

/// The problems a forecast call can answer: the decisions', with the forecast's own parameters.
pub struct ForecastProblems;

impl IntoResponses for ForecastProblems {
    fn responses() -> BTreeMap<String, RefOr<OpenApiResponse>> {
        let mut responses = DecisionProblems::responses();
        let bad_request = ResponseBuilder::new()
            .description(
                "The body is not JSON (with line and column), or `from`, `to` or `format` is \
                 malformed, `to` is not after `from`, or the window is longer than 92 days.",
            )
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(serde_json::json!({
                        "type": "urn:prebuild-decider:problem:invalid-query",
                        "title": "Invalid query parameter",
                        "status": 400,
                        "detail": "query parameter to: the window from 2025-06-02T00:00:00Z to 2025-12-01T00:00:00Z is 182.00 days; at most 92 days are forecast",
                        "errors": [{
                            "parameter": "to",
                            "detail": "the window from 2025-06-02T00:00:00Z to 2025-12-01T00:00:00Z is 182.00 days; at most 92 days are forecast"
                        }]
                    })))
                    .build(),
            )
            .build();
        responses.insert("400".to_owned(), bad_request.into());
        responses
    }
}

/// Forecast a preset's target
///
/// What the preset's schedules will make its target over a window (default: the next 7 days,
/// at most 92): the target as intervals, each with its local times in the preset's timezone and
/// the schedule it comes from, instance-hours, the least and greatest target, and every
/// daylight-saving change in the window. Every target is what `POST /v2/presets/reconcile` at
/// that instant answers as `desired` (and `scheduled_target`, `target_source`), from the same
/// code. Ask for `image/svg+xml` (or `format=svg`) to get the forecast as a chart.
#[utoipa::path(
    post,
    path = "/v2/presets/forecast",
    operation_id = "v2_preset_forecast",
    tag = "forecast",
    params(ForecastParams),
    request_body(
        content = model::PresetSnapshotV2,
        content_type = "application/json",
        example = json!(examples::v2_preset_snapshot())
    ),
    responses(
        (status = 200, description = "The preset's forecast, as JSON or as an SVG chart.",
            content(
                (forecast::PresetForecast = "application/json"),
                (chart::SvgChart = "image/svg+xml", example = json!("…"))
            ),
            headers(("Vary" = String, description = "`accept`: the format follows `Accept` when `format` is not given."))),
        ForecastProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn preset_forecast(
    ForecastQuery { window, format }: ForecastQuery,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let forecast = forecast::preset(&body, window)?;
    Ok(answer(
        format,
        || to_json(&forecast::PresetForecast::from(&forecast)),
        || chart::preset_svg(&forecast),
    ))
}

/// Forecast every preset's target, and the pool's size
///
/// The global snapshot of `POST /v2/global/reconcile`, forecast per preset as
/// `POST /v2/presets/forecast` does, plus every preset's target summed over the window: how many
/// prebuilds the whole pool holds at each moment, and its instance-hours, to plan capacity. As
/// `image/svg+xml` (or `format=svg`), the presets' targets stacked, in UTC.
#[utoipa::path(
    post,
    path = "/v2/global/forecast",
    operation_id = "v2_global_forecast",
    tag = "forecast",
    params(ForecastParams),
    request_body(
        content = model::GlobalSnapshotV2,
        content_type = "application/json",
        example = json!(examples::v2_global_snapshot())
    ),
    responses(
        (status = 200, description = "Every preset's forecast and the pool's, as JSON or as an SVG chart.",
            content(
                (forecast::GlobalForecast = "application/json"),
                (chart::SvgChart = "image/svg+xml", example = json!("…"))
            ),
            headers(("Vary" = String, description = "`accept`: the format follows `Accept` when `format` is not given."))),
        ForecastProblems,
    ),
    security((), ("bearer" = []))
)]
pub async fn global_forecast(
    ForecastQuery { window, format }: ForecastQuery,
    JsonBody(body): JsonBody,
) -> Result<Response, Problem> {
    let forecast = forecast::global(&body, window)?;
    Ok(answer(
        format,
        || to_json(&forecast::GlobalForecast::from(&forecast)),
        || chart::global_svg(&forecast),
    ))
}

fn to_json(answer: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(answer).expect("a forecast is plain data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_chooses_svg_only_when_it_prefers_it() {
        let format = |accept: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap());
            preferred(&headers)
        };
        assert_eq!(preferred(&HeaderMap::new()), ForecastFormat::Json);
        for (accept, expected) in [
            ("image/svg+xml", ForecastFormat::Svg),
            ("IMAGE/SVG+XML", ForecastFormat::Svg),
            ("image/*", ForecastFormat::Svg),
            ("*/*", ForecastFormat::Json),
            ("application/json", ForecastFormat::Json),
            ("application/json, image/svg+xml", ForecastFormat::Json),
            ("application/json;q=0.5, image/svg+xml", ForecastFormat::Svg),
            ("image/svg+xml;q=0.2, */*;q=0.1", ForecastFormat::Svg),
            ("text/html", ForecastFormat::Json),
            ("image/png", ForecastFormat::Json),
        ] {
            assert_eq!(format(accept), expected, "{accept}");
        }
    }
}
