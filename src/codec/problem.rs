//! RFC 9457 problem details: the one shape every error is answered in.
//!
//! Plain HTTP failures (404, 405, 413, ...) use `type: about:blank` with the status phrase as
//! title, as the RFC recommends; failures of the request's content carry a `type` of their own
//! and an `errors` list with a JSON pointer (body) or the parameter name (query) for each.

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// What went wrong with one field or parameter: exactly one of `pointer` and `parameter` is set.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// RFC 6901 JSON pointer to the body field, e.g. `/running/3/created_at` (`""` is the whole
    /// body). Absent for query parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
    /// The query parameter, for query errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'static str>,
    /// What is wrong with it.
    pub detail: String,
}

// The fields are private so that only these constructors make one: exactly one location.
impl FieldError {
    /// An error about the body field at `pointer`.
    pub fn at(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            pointer: Some(pointer.into()),
            parameter: None,
            detail: detail.into(),
        }
    }

    /// An error about the query parameter `name`.
    pub fn parameter(name: &'static str, detail: impl Into<String>) -> Self {
        FieldError {
            pointer: None,
            parameter: Some(name),
            detail: detail.into(),
        }
    }

    /// The body field's pointer, for an error about the body.
    pub fn pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// The parameter's name, for an error about a query parameter.
    pub fn parameter_name(&self) -> Option<&'static str> {
        self.parameter
    }
}

/// A problem `type` of this service's own, from its slug.
macro_rules! problem_type {
    ($slug:literal) => {
        concat!("urn:prebuild-decider:problem:", $slug)
    };
}

/// An RFC 9457 problem: every error this service answers. Boxed, so `Result<_, Problem>` stays
/// as small as its success value on the hot path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem(Box<ProblemDetails>);

/// An RFC 9457 problem (`application/problem+json`): every error this service answers.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(as = Problem)]
#[schema(example = json!({
    "type": "urn:prebuild-decider:problem:invalid-body",
    "title": "Invalid request body",
    "status": 422,
    "detail": "the body does not satisfy the contract: see errors",
    "errors": [{"pointer": "/running/3/created_at", "detail": "not an RFC 3339 timestamp like 2025-06-02T12:00:00Z, got \"yesterday\""}]
}))]
pub struct ProblemDetails {
    /// A URI naming the kind of problem; `about:blank` when the HTTP status says it all.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub problem_type: Cow<'static, str>,
    /// A short summary of the kind of problem.
    #[schema(value_type = String)]
    pub title: Cow<'static, str>,
    /// The HTTP status code.
    #[serde(serialize_with = "status_code")]
    #[schema(value_type = u16)]
    pub status: StatusCode,
    /// What went wrong in this request.
    pub detail: String,
    /// The fields or parameters at fault, for content errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Line (from 1) of a JSON syntax error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Column (from 1) of a JSON syntax error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`).
    #[serde(skip)]
    #[schema(ignore)]
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    /// A problem of a plain HTTP kind: `about:blank`, titled with the status phrase.
    pub fn http(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem(Box::new(ProblemDetails {
            problem_type: Cow::Borrowed("about:blank"),
            title: Cow::Borrowed(status.canonical_reason().unwrap_or("Error")),
            status,
            detail: detail.into(),
            errors: Vec::new(),
            line: None,
            column: None,
            headers: Vec::new(),
        }))
    }

    /// A problem of this service's own type `problem_type` (see [`problem_type!`]).
    fn typed(
        status: StatusCode,
        problem_type: &'static str,
        title: &'static str,
        detail: String,
    ) -> Self {
        let mut problem = Problem::http(status, detail);
        problem.problem_type = Cow::Borrowed(problem_type);
        problem.title = Cow::Borrowed(title);
        problem
    }

    /// 400: the body is not JSON.
    pub fn malformed_json(line: usize, column: usize, pointer: String, message: &str) -> Self {
        let mut problem = Problem::typed(
            StatusCode::BAD_REQUEST,
            problem_type!("malformed-json"),
            "Malformed JSON",
            format!("the body is not valid JSON: {message} at line {line} column {column}"),
        );
        problem.line = Some(line);
        problem.column = Some(column);
        problem.errors = vec![FieldError::at(pointer, message)];
        problem
    }

    /// 422: the body is JSON but breaks the contract (a field's type, presence or value, or a
    /// rule across fields).
    pub fn invalid_body(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [only] => format!(
                "{}: {}",
                only.pointer
                    .as_deref()
                    .map_or("body", |p| if p.is_empty() { "body" } else { p }),
                only.detail
            ),
            _ => format!("{} fields are invalid: see errors", errors.len()),
        };
        let mut problem = Problem::typed(
            StatusCode::UNPROCESSABLE_ENTITY,
            problem_type!("invalid-body"),
            "Invalid request body",
            detail,
        );
        problem.errors = errors;
        problem
    }

    /// 400: a query parameter is malformed.
    pub fn invalid_query(error: FieldError) -> Self {
        let detail = format!(
            "query parameter {}: {}",
            error.parameter.unwrap_or("?"),
            error.detail
        );
        let mut problem = Problem::typed(
            StatusCode::BAD_REQUEST,
            problem_type!("invalid-query"),
            "Invalid query parameter",
            detail,
        );
        problem.errors = vec![error];
        problem
    }

    /// 500: a bug. The detail stays generic; the cause is logged, not sent.
    pub fn internal() -> Self {
        Problem::http(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to answer this request; it has been logged",
        )
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The problem as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&*self.0).expect("a problem is strings and integers")
    }
}

/// Writes a status as the number it is.
fn status_code<S: serde::Serializer>(
    status: &StatusCode,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

impl Deref for Problem {
    type Target = ProblemDetails;
    fn deref(&self) -> &ProblemDetails {
        &self.0
    }
}

impl DerefMut for Problem {
    fn deref_mut(&mut self) -> &mut ProblemDetails {
        &mut self.0
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl utoipa::PartialSchema for Problem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        ProblemDetails::schema()
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Problem")
    }
}
