//! Extractors: the body (JSON media type, size limit, then bytes) and the decision's query
//! parameters. Each refusal is a [`Problem`], never axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use utoipa::IntoParams;

use std::sync::Arc;

use super::budget::{ReadError, declared_length, read_body, refusal};
use crate::codec::pipeline::{DecisionInputs, parse_backoff_interval, parse_now};
use crate::codec::problem::{FieldError, Problem};
use crate::config::Config;
use crate::domain::Timestamp;
use crate::telemetry::{self, Refusal};

/// The raw bytes of a JSON body, within the configured size limit.
///
/// Refuses a non-JSON `Content-Type` (415), and a body over the limit (413): from its
/// `Content-Length` before reading anything, or while reading a body sent without one.
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

/// Whether a `Content-Type` is JSON: `application/json` or `application/*+json`, any parameters,
/// any case.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.as_bytes();
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case(b"json")
            || subtype
                .len()
                .checked_sub(5)
                .is_some_and(|at| subtype[at..].eq_ignore_ascii_case(b"+json")))
}

impl<S> FromRequest<S> for JsonBody
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let limit = Arc::<Config>::from_ref(state).body_limit();
        if !is_json(request.headers()) {
            let given = request
                .headers()
                .get(CONTENT_TYPE)
                .map(|v| format!("got {:?}", String::from_utf8_lossy(v.as_bytes())))
                .unwrap_or_else(|| "none was given".to_owned());
            return Err(Problem::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("send the body as Content-Type: application/json ({given})"),
            ));
        }
        let too_large = || {
            telemetry::refused(Refusal::BodyTooLarge);
            Problem::http(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than the limit of {limit} bytes"),
            )
        };
        if declared_length(&request).is_some_and(|length| length > limit as u64) {
            return Err(too_large());
        }
        match read_body(request.into_body(), limit).await {
            Ok(bytes) => Ok(JsonBody(bytes)),
            Err(ReadError::TooLarge) => Err(too_large()),
            Err(ReadError::OverBudget) => Err(refusal()),
            Err(ReadError::Broken(error)) => Err(Problem::http(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {error}"),
            )),
        }
    }
}

/// The optional query parameters of the decision calls, as given (each read once).
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionParams {
    /// The instant to decide at (RFC 3339 as Go reads it, e.g. `2025-06-02T12:00:00Z`: uppercase
    /// `T` and `Z`, seconds 00–59, offsets `±hh:mm`). Default: the server clock. Giving it makes
    /// a decision reproducible.
    #[param(
        value_type = Option<String>,
        format = DateTime,
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        example = "2025-06-02T12:00:00Z"
    )]
    pub now: Option<String>,
    /// The backoff per failed build, in Go duration syntax (`90s`, `1m30s`, `1.5h`, `250ms`,
    /// `0s`); not negative (no `-` sign). Default: the server's configured interval (`1m` unless
    /// set). The pattern allows up to 9 parts, each under 10¹⁸ ns (at most 5 digits of hours, 7
    /// of minutes, 9 of seconds, 12 of ms, 15 of µs, 18 of ns before any fraction), so every
    /// value it allows is within Go's limit (about 292 years). Longer spellings Go parses are
    /// read as Go reads them, and a value past Go's limit is a 400.
    #[param(value_type = Option<String>, pattern = r"^\+?(0|(([0-9]{1,5}(\.[0-9]*)?|\.[0-9]+)h|([0-9]{1,7}(\.[0-9]*)?|\.[0-9]+)m|([0-9]{1,9}(\.[0-9]*)?|\.[0-9]+)s|([0-9]{1,12}(\.[0-9]*)?|\.[0-9]+)ms|([0-9]{1,15}(\.[0-9]*)?|\.[0-9]+)(us|µs|μs)|([0-9]{1,18}(\.[0-9]*)?|\.[0-9]+)ns){1,9})$", example = "1m")]
    pub backoff_interval: Option<String>,
    /// `true` adds `explanation`: the rules the decision went through, in order, each with the
    /// numbers that decided it. Default `false`.
    #[param(value_type = Option<bool>, example = false)]
    pub explain: Option<String>,
}

impl DecisionParams {
    /// Reads the parameters from a query string. Unknown ones are ignored, like unknown body
    /// fields; one given twice is refused, since which one counts would be a guess.
    pub fn from_query(query: &str) -> Result<Self, Problem> {
        let mut params = DecisionParams::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let (slot, parameter) = match name.as_ref() {
                "now" => (&mut params.now, "now"),
                "backoff_interval" => (&mut params.backoff_interval, "backoff_interval"),
                "explain" => (&mut params.explain, "explain"),
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

/// [`DecisionInputs`] from the query, with the server clock and configured interval as
/// defaults, and whether to explain.
#[derive(Debug)]
pub struct DecisionQuery {
    /// When to decide, and the backoff interval.
    pub inputs: DecisionInputs,
    /// Whether the answer carries an explanation.
    pub explain: bool,
}

impl<S> FromRequestParts<S> for DecisionQuery
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let params = DecisionParams::from_query(parts.uri.query().unwrap_or_default())?;
        let now = match params.now {
            Some(value) => parse_now(&value).map_err(Problem::invalid_query)?,
            None => Timestamp::from_utc(Utc::now()),
        };
        let backoff_interval = match params.backoff_interval {
            Some(value) => parse_backoff_interval(&value).map_err(Problem::invalid_query)?,
            None => Arc::<Config>::from_ref(state).backoff_interval,
        };
        let explain = match params.explain.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(Problem::invalid_query(FieldError::parameter(
                    "explain",
                    format!("must be true or false, got {other:?}"),
                )));
            }
        };
        Ok(DecisionQuery {
            inputs: DecisionInputs {
                now,
                backoff_interval,
            },
            explain,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn json_media_types_are_recognised_in_any_case_with_any_parameters() {
        let json = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(value));
            is_json(&headers)
        };
        for yes in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            " application/json ;x=y",
            "application/problem+json",
            "application/vnd.coder+JSON",
            "application/+json",
        ] {
            assert!(json(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "application/json+xml",
            "json",
            "application",
            "",
            "text/plain",
        ] {
            assert!(!json(no), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
