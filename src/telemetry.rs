//! Logs and metrics.
//!
//! Logs: tracing, `pretty` or `json` on stderr, levels from `RUST_LOG` (default `info`). With
//! `debug` on, each request runs in a span (request id, method, route, status, latency, decision
//! id) and writes its line; at the default level there is no span, and nothing is written per
//! request but failures, so logging costs the hot path almost nothing.
//!
//! Metrics: the `metrics` crate with a Prometheus recorder, rendered at `/metrics`. Labels are
//! static strings, so recording allocates nothing.

use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use metrics::SharedString;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Requests answered, by `route`, `method` and `status`.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Request durations in seconds, by `route`.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// Requests being served now.
pub const HTTP_IN_FLIGHT: &str = "http_requests_in_flight";
/// Decisions made, by `action_type`.
pub const DECISIONS: &str = "prebuild_decider_decisions_total";
/// Prebuilds the decisions asked to create.
pub const PREBUILDS_TO_CREATE: &str = "prebuild_decider_prebuilds_to_create_total";
/// Prebuilds the decisions asked to delete.
pub const PREBUILDS_TO_DELETE: &str = "prebuild_decider_prebuilds_to_delete_total";
/// Always 1, labelled with `version` and `commit`.
pub const BUILD_INFO: &str = "prebuild_decider_build_info";
/// Requests refused before their handler ran, by `reason` (see [`Refusal`]).
pub const HTTP_REFUSED: &str = "http_requests_refused_total";
/// Connections open now (accepted and not yet closed, lingering ones included).
pub const CONNECTIONS_OPEN: &str = "http_connections_open";
/// The cap on open connections (`--max-connections`).
pub const CONNECTIONS_MAX: &str = "http_connections_max";
/// Connections accepted.
pub const CONNECTIONS_ACCEPTED: &str = "http_connections_accepted_total";
/// Times accepting paused because the cap on open connections was reached.
pub const CONNECTIONS_AT_CAP: &str = "http_connections_at_cap_total";
/// Connections the server closed, by `reason` (see [`Cut`]).
pub const CONNECTIONS_CUT: &str = "http_connections_closed_by_server_total";
/// The memory budget for request bodies and their work, in bytes.
pub const MEMORY_BUDGET: &str = "prebuild_decider_memory_budget_bytes";
/// The bytes of the memory budget charged now.
pub const MEMORY_BUDGET_USED: &str = "prebuild_decider_memory_budget_used_bytes";

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit built, or `unknown` (set by `build.rs`).
pub const COMMIT: &str = env!("PREBUILD_DECIDER_COMMIT");

/// Request duration buckets, in seconds: the service answers in microseconds, so they start low.
const DURATION_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Installs the global log subscriber and a panic hook that logs through it (where and why; the
/// guard middleware then logs which request, by its id). Call once, before serving.
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a terminal: elsewhere they are noise in the file, and formatting them
    // costs every line written.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        let location = info.location().map(ToString::to_string).unwrap_or_default();
        tracing::error!(panic = payload, %location, "panicked");
    }));
}

/// The process's Prometheus handle. The first call installs the global recorder and sets the
/// build info; later calls share it (metrics are process-wide, as Prometheus expects).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = builder
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), &DURATION_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed already; ours then renders nothing new.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            metrics::gauge!(BUILD_INFO, "version" => VERSION, "commit" => COMMIT).set(1.0);
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request durations, by route."
    );
    describe_gauge!(HTTP_IN_FLIGHT, "HTTP requests being served.");
    describe_counter!(DECISIONS, "Decisions made, by action type.");
    describe_counter!(
        PREBUILDS_TO_CREATE,
        "Prebuilds the decisions asked to create."
    );
    describe_counter!(
        PREBUILDS_TO_DELETE,
        "Prebuilds the decisions asked to delete."
    );
    describe_gauge!(BUILD_INFO, "Build information; always 1.");
    describe_counter!(
        HTTP_REFUSED,
        "Requests refused before their handler ran, by reason: in_flight (503), memory_budget \
         (503), body_too_large (413), request_timeout (408), malformed_head (400 or 414), \
         head_too_large (431)."
    );
    describe_gauge!(CONNECTIONS_OPEN, "HTTP connections open.");
    describe_gauge!(CONNECTIONS_MAX, "The cap on open HTTP connections.");
    describe_counter!(CONNECTIONS_ACCEPTED, "HTTP connections accepted.");
    describe_counter!(
        CONNECTIONS_AT_CAP,
        "Times accepting paused because the cap on open connections was reached (new \
         connections wait in the listen backlog)."
    );
    describe_counter!(
        CONNECTIONS_CUT,
        "HTTP connections the server closed, by reason: header_timeout, idle_timeout, \
         send_stall, at_cap (no request head within a second while the server was at its cap), \
         http2_over_budget (an HTTP/2 connection the memory budget could not hold)."
    );
    describe_gauge!(
        MEMORY_BUDGET,
        Unit::Bytes,
        "The memory budget for request bodies and the work they cause."
    );
    describe_gauge!(
        MEMORY_BUDGET_USED,
        Unit::Bytes,
        "The bytes of the memory budget charged now."
    );
}

/// Why a request was refused before its handler ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 503: `--max-in-flight` requests were in flight.
    InFlight,
    /// 503: the memory budget could not hold the body.
    MemoryBudget,
    /// 413: the body is larger than the limit.
    BodyTooLarge,
    /// 408: the request was not complete within `--request-timeout`.
    RequestTimeout,
    /// 400 or 414: the request head could not be parsed.
    MalformedHead,
    /// 431: the request head is larger than `--max-header-bytes`.
    HeadTooLarge,
}

/// Counts a refusal.
pub fn refused(reason: Refusal) {
    static COUNTERS: OnceLock<[metrics::Counter; 6]> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        [
            "in_flight",
            "memory_budget",
            "body_too_large",
            "request_timeout",
            "malformed_head",
            "head_too_large",
        ]
        .map(|reason| metrics::counter!(HTTP_REFUSED, "reason" => reason))
    });
    counters[reason as usize].increment(1);
}

/// Why the server closed a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The request head did not arrive within `--header-read-timeout`.
    HeaderTimeout,
    /// Nothing happened on it for `--idle-timeout`.
    IdleTimeout,
    /// An answer was being written and the client took none of it for `--idle-timeout`.
    SendStall,
    /// Its request head had not arrived a second in while the server was at its cap on open
    /// connections.
    AtCap,
    /// It opened as HTTP/2 and the memory budget could not hold what HTTP/2 lets it buffer.
    Http2OverBudget,
}

impl Cut {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Cut::HeaderTimeout => "header_timeout",
            Cut::IdleTimeout => "idle_timeout",
            Cut::SendStall => "send_stall",
            Cut::AtCap => "at_cap",
            Cut::Http2OverBudget => "http2_over_budget",
        }
    }
}

/// Counts a connection the server closed.
pub fn cut(reason: Cut) {
    static COUNTERS: OnceLock<[metrics::Counter; 5]> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        [
            Cut::HeaderTimeout,
            Cut::IdleTimeout,
            Cut::SendStall,
            Cut::AtCap,
            Cut::Http2OverBudget,
        ]
        .map(|reason| metrics::counter!(CONNECTIONS_CUT, "reason" => reason.label()))
    });
    counters[reason as usize].increment(1);
}

/// The open-connections gauge's handle, looked up once.
pub fn connections_open() -> &'static metrics::Gauge {
    static GAUGE: OnceLock<metrics::Gauge> = OnceLock::new();
    GAUGE.get_or_init(|| metrics::gauge!(CONNECTIONS_OPEN))
}

/// Counts an accepted connection.
pub fn connection_accepted() {
    static COUNTER: OnceLock<metrics::Counter> = OnceLock::new();
    COUNTER
        .get_or_init(|| metrics::counter!(CONNECTIONS_ACCEPTED))
        .increment(1);
}

/// Counts a pause of accepting at the cap on open connections.
pub fn connections_at_cap() {
    static COUNTER: OnceLock<metrics::Counter> = OnceLock::new();
    COUNTER
        .get_or_init(|| metrics::counter!(CONNECTIONS_AT_CAP))
        .increment(1);
}

/// Records the cap on open connections.
pub fn connections_max(max: usize) {
    metrics::gauge!(CONNECTIONS_MAX).set(max as f64);
}

/// Records the memory budget.
pub fn memory_budget_limit(bytes: usize) {
    metrics::gauge!(MEMORY_BUDGET).set(bytes as f64);
}

/// The budget-in-use gauge's handle, looked up once.
pub fn memory_budget_used() -> &'static metrics::Gauge {
    static GAUGE: OnceLock<metrics::Gauge> = OnceLock::new();
    GAUGE.get_or_init(|| metrics::gauge!(MEMORY_BUDGET_USED))
}

/// The in-flight gauge's handle, looked up once.
pub fn http_in_flight() -> &'static metrics::Gauge {
    static GAUGE: OnceLock<metrics::Gauge> = OnceLock::new();
    GAUGE.get_or_init(|| metrics::gauge!(HTTP_IN_FLIGHT))
}

/// Records an answered request: its count by route, method and status, and its duration by
/// route. Looking a series up hashes its labels, so each worker thread keeps the handles of the
/// last series it recorded: a run of alike requests looks up nothing.
pub fn record_request(
    route: &'static str,
    method: &'static str,
    status: StatusCode,
    latency: std::time::Duration,
) {
    use std::cell::RefCell;
    type Series = (&'static str, &'static str, u16);
    thread_local! {
        static LAST: RefCell<Option<(Series, metrics::Counter, metrics::Histogram)>> =
            const { RefCell::new(None) };
    }
    let series = (route, method, status.as_u16());
    LAST.with_borrow_mut(|last| {
        if last.as_ref().is_none_or(|(cached, _, _)| *cached != series) {
            let counter = metrics::counter!(
                HTTP_REQUESTS, "route" => route, "method" => method, "status" => status_label(status)
            );
            let histogram = metrics::histogram!(HTTP_DURATION, "route" => route);
            *last = Some((series, counter, histogram));
        }
        if let Some((_, counter, histogram)) = last {
            counter.increment(1);
            histogram.record(latency.as_secs_f64());
        }
    });
}

/// Records one decision: its action type and how many prebuilds it creates or deletes. As in
/// [`record_request`], series are looked up once: each worker thread keeps a handle per action
/// type it has counted (there are a handful), and the unlabelled counters are looked up once per
/// process.
pub fn record_decision(action_type: &'static str, to_create: u64, to_delete: u64) {
    use std::cell::RefCell;
    thread_local! {
        static DECISIONS_BY_ACTION_TYPE: RefCell<Vec<(&'static str, metrics::Counter)>> =
            const { RefCell::new(Vec::new()) };
    }
    DECISIONS_BY_ACTION_TYPE.with_borrow_mut(|cached| {
        let index = match cached
            .iter()
            .position(|(cached_type, _)| *cached_type == action_type)
        {
            Some(index) => index,
            None => {
                let counter = metrics::counter!(DECISIONS, "action_type" => action_type);
                cached.push((action_type, counter));
                cached.len() - 1
            }
        };
        cached[index].1.increment(1);
    });
    if to_create > 0 {
        static TO_CREATE: OnceLock<metrics::Counter> = OnceLock::new();
        TO_CREATE
            .get_or_init(|| metrics::counter!(PREBUILDS_TO_CREATE))
            .increment(to_create);
    }
    if to_delete > 0 {
        static TO_DELETE: OnceLock<metrics::Counter> = OnceLock::new();
        TO_DELETE
            .get_or_init(|| metrics::counter!(PREBUILDS_TO_DELETE))
            .increment(to_delete);
    }
}

/// A method as a static label (`other` for extension methods).
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// A status as a label: static for the statuses this service answers, owned otherwise.
pub fn status_label(status: StatusCode) -> SharedString {
    const KNOWN: [&str; 14] = [
        "200", "303", "304", "400", "401", "403", "404", "405", "408", "413", "415", "422", "500",
        "503",
    ];
    let code = status.as_str();
    match KNOWN.iter().find(|known| **known == code) {
        Some(known) => SharedString::const_str(known),
        None => SharedString::from(code.to_owned()),
    }
}
