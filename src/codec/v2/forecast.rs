//! The forecast calls from body bytes and window to answer: `POST /v2/presets/forecast` and
//! `POST /v2/global/forecast`, shared by the HTTP handlers and the `forecast` command.
//!
//! A body is read exactly as the v2 decision reads it (same problems, same pointers); the window
//! comes from the `from` and `to` parameters, read as the decision's `now` is. The answer is
//! JSON ([`PresetForecast`], [`GlobalForecast`]) or a chart ([`super::chart`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::TargetSource;
use super::pipeline::{global_snapshot, preset_snapshot};
use crate::codec::problem::{FieldError, Problem};
use crate::codec::wire::Rfc3339;
use crate::domain::Timestamp;
use crate::domain::v2::TargetSource as DomainSource;
use crate::domain::v2::forecast::{self as domain, Window, WindowEnd};

/// A preset snapshot body's forecast over `window`, or the problem the v2 decision answers for
/// the body.
pub fn preset(body: &[u8], window: Window) -> Result<domain::PresetForecast, Problem> {
    let (snapshot, _) = preset_snapshot(body)?;
    Ok(snapshot.forecast(window))
}

/// A global snapshot body's forecast over `window`, or the problem the v2 decision answers for
/// the body.
pub fn global(body: &[u8], window: Window) -> Result<domain::GlobalForecast, Problem> {
    let (snapshot, _) = global_snapshot(body)?;
    Ok(snapshot.forecast(window))
}

/// The window the `from` and `to` parameters name, each read as the decision's `now` is (RFC
/// 3339): `from` defaults to `now`, `to` to [`Window::DEFAULT_DAYS`] after `from`. A bad value,
/// `to` not after `from`, or a window longer than [`Window::MAX_DAYS`], is an error about the
/// parameter at fault.
pub fn window(from: Option<&str>, to: Option<&str>, now: Timestamp) -> Result<Window, FieldError> {
    let parse = |name: &'static str, value: &str| {
        Timestamp::parse_rfc3339(value)
            .map_err(|error| FieldError::parameter(name, format!("{error}, got {value:?}")))
    };
    let start = from.map(|value| parse("from", value)).transpose()?;
    let end = to.map(|value| parse("to", value)).transpose()?;
    let start = start.unwrap_or(now);
    let made = match end {
        Some(end) => Window::new(start, end),
        None => Window::starting_at(start),
    };
    made.map_err(|error| match (error.end(), to.is_some()) {
        (WindowEnd::To, true) => FieldError::parameter("to", error.to_string()),
        (WindowEnd::From, _) => FieldError::parameter("from", error.to_string()),
        // Without `to`, the window is `from`'s alone: it starts too late to last any time.
        (WindowEnd::To, false) => FieldError::parameter(
            "from",
            format!("must be before {}, got {}", Window::LATEST, start),
        ),
    })
}

/// Writes an instant in UTC as Go's `RFC3339Nano` does.
fn utc(at: DateTime<Utc>) -> Rfc3339 {
    Rfc3339(Timestamp::from_utc(at))
}

/// Writes an instant on the wall clock of `timezone`, with its offset (RFC 3339 as Go writes it).
fn local(at: DateTime<Utc>, timezone: Option<Tz>) -> String {
    let offset = timezone.unwrap_or(Tz::UTC);
    let wall = at.with_timezone(&offset);
    let mut text = wall.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = wall.timestamp_subsec_nanos();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push_str(&wall.format("%:z").to_string());
    text
}

/// The schedule a target came from.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"index": 0, "cron_expression": "* 9-13 * * 1-5"}))]
pub struct ScheduleRef {
    /// Its index in the `schedules` list sent (in a global snapshot, the global list).
    pub index: usize,
    /// Its expression as sent.
    pub cron_expression: String,
}

/// The target over one interval, where it does not change.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({
    "from": "2025-06-02T16:00:00Z", "to": "2025-06-02T21:00:00Z",
    "local_from": "2025-06-02T09:00:00-07:00", "local_to": "2025-06-02T14:00:00-07:00",
    "hours": 5.0, "target": 3, "scheduled_target": 3, "source": "schedule",
    "schedule": {"index": 0, "cron_expression": "* 9-13 * * 1-5"}
}))]
pub struct ForecastInterval {
    /// The interval's first instant, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub from: Rfc3339,
    /// The first instant after it, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub to: Rfc3339,
    /// `from` on the wall clock of `timezone`, with its offset.
    #[schema(format = DateTime)]
    pub local_from: String,
    /// `to` on the wall clock of `timezone`, with its offset.
    #[schema(format = DateTime)]
    pub local_to: String,
    /// The interval's length in hours.
    pub hours: f64,
    /// The target: what a decision in this interval answers as `desired` (0 while the preset
    /// is inactive).
    pub target: i32,
    /// The target before the active check: a decision's `scheduled_target`.
    pub scheduled_target: i32,
    /// Where `scheduled_target` came from: a decision's `target_source`.
    pub source: TargetSource,
    /// The schedule it came from, when `source` is `schedule`.
    pub schedule: Option<ScheduleRef>,
}

/// What a change of the UTC offset did to the wall clock.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClockEffect {
    /// Clocks went forward: the local times between `local_before` and `local_after` did not
    /// happen (spring forward).
    Skipped,
    /// Clocks went back: the local times between `local_after` and `local_before` happened
    /// twice (fall back).
    Repeated,
}

/// A change of the timezone's UTC offset inside the window (daylight saving starting or ending,
/// or the zone changing its standard time).
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({
    "at": "2025-03-09T10:00:00Z",
    "local_before": "2025-03-09T02:00:00-08:00", "local_after": "2025-03-09T03:00:00-07:00",
    "abbreviation_before": "PST", "abbreviation_after": "PDT",
    "shift_seconds": 3600, "effect": "skipped",
    "detail": "clocks go forward 1h from 02:00 PST to 03:00 PDT: 02:00 to 03:00 is skipped"
}))]
pub struct ClockChange {
    /// The first instant of the new offset, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub at: Rfc3339,
    /// The wall clock where it leaves off, in the old offset.
    #[schema(format = DateTime)]
    pub local_before: String,
    /// The wall clock where it resumes, in the new offset.
    #[schema(format = DateTime)]
    pub local_after: String,
    /// The zone's abbreviation before (`PST`), or its offset when it has none.
    pub abbreviation_before: String,
    /// The zone's abbreviation after (`PDT`).
    pub abbreviation_after: String,
    /// How far the wall clock moves, in seconds: positive forward, negative back.
    pub shift_seconds: i32,
    /// Whether local times were skipped or repeated.
    pub effect: ClockEffect,
    /// The change in words.
    pub detail: String,
}

/// Hours spent at one target.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"target": 3, "hours": 25.0}))]
pub struct TargetHours {
    /// The target.
    pub target: i32,
    /// Hours of the window at it.
    pub hours: f64,
}

/// A preset's target over a window, as a step function: what every decision in the window would
/// answer as `desired`, `scheduled_target` and `target_source`.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = preset_forecast_example)]
pub struct PresetForecast {
    /// The preset.
    pub preset_id: Uuid,
    /// The window's first instant, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub from: Rfc3339,
    /// The first instant after the window, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub to: Rfc3339,
    /// The zone local times are in: the preset's `scheduling_timezone`, or `UTC` when that is
    /// empty or not a known zone.
    pub timezone: String,
    /// Whether the preset is active; an inactive preset's target is 0 whatever the schedules
    /// say (`scheduled_target` still tells what they say).
    pub active: bool,
    /// The preset's `desired_instances`: the target where no schedule matches.
    pub desired_instances: i32,
    /// Why schedules were set aside or skipped, as every decision in the window says it, or
    /// null.
    pub schedule_error: Option<String>,
    /// Target × hours, summed over the window (a negative target counts as 0): the capacity the
    /// pool holds.
    pub instance_hours: f64,
    /// The least target in the window.
    pub min_target: i32,
    /// The greatest target in the window.
    pub max_target: i32,
    /// Hours of the window at each target, by target.
    pub hours_by_target: Vec<TargetHours>,
    /// The target as consecutive intervals covering `[from, to)`; neighbours differ.
    pub intervals: Vec<ForecastInterval>,
    /// Every change of the zone's UTC offset inside the window, in order.
    pub clock_changes: Vec<ClockChange>,
}

/// The whole pool's size over one interval, where it does not change.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"from": "2025-06-02T16:00:00Z", "to": "2025-06-02T21:00:00Z", "instances": 3}))]
pub struct TotalInterval {
    /// The interval's first instant, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub from: Rfc3339,
    /// The first instant after it, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub to: Rfc3339,
    /// Every preset's target summed (a negative target counts as 0).
    pub instances: i64,
}

/// The whole pool's size over the window: every preset's target summed.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
pub struct PoolForecast {
    /// Instances × hours, summed over the window.
    pub instance_hours: f64,
    /// The fewest instances the pool holds in the window.
    pub min_instances: i64,
    /// The most instances the pool holds in the window.
    pub max_instances: i64,
    /// The pool's size as consecutive intervals covering `[from, to)`; neighbours differ.
    pub intervals: Vec<TotalInterval>,
}

/// Every preset's forecast over a window, and the whole pool's size.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = global_forecast_example)]
pub struct GlobalForecast {
    /// The window's first instant, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub from: Rfc3339,
    /// The first instant after the window, in UTC.
    #[schema(value_type = String, format = DateTime)]
    pub to: Rfc3339,
    /// Each preset's forecast, in the order of `presets`.
    pub presets: Vec<PresetForecast>,
    /// Every preset's target summed: the pool's size over the window, for capacity planning.
    pub total: PoolForecast,
}

impl From<&domain::PresetForecast> for PresetForecast {
    fn from(forecast: &domain::PresetForecast) -> Self {
        let timezone = forecast.timezone;
        PresetForecast {
            preset_id: forecast.preset_id,
            from: utc(forecast.window.from()),
            to: utc(forecast.window.to()),
            timezone: timezone.unwrap_or(Tz::UTC).name().to_owned(),
            active: forecast.active,
            desired_instances: forecast.desired_instances,
            schedule_error: forecast.schedule_error.clone(),
            instance_hours: forecast.instance_hours(),
            min_target: forecast.min_target(),
            max_target: forecast.max_target(),
            hours_by_target: forecast
                .hours_by_target()
                .into_iter()
                .map(|(target, hours)| TargetHours { target, hours })
                .collect(),
            intervals: forecast
                .intervals
                .iter()
                .map(|interval| ForecastInterval {
                    from: utc(interval.from),
                    to: utc(interval.to),
                    local_from: local(interval.from, timezone),
                    local_to: local(interval.to, timezone),
                    hours: interval.hours(),
                    target: interval.target,
                    scheduled_target: interval.scheduled_target,
                    source: match interval.source {
                        DomainSource::Default => TargetSource::Default,
                        DomainSource::Schedule => TargetSource::Schedule,
                    },
                    schedule: interval.schedule.as_ref().map(|schedule| ScheduleRef {
                        index: schedule.index,
                        cron_expression: schedule.cron_expression.clone(),
                    }),
                })
                .collect(),
            clock_changes: forecast.offset_changes.iter().map(clock_change).collect(),
        }
    }
}

fn clock_change(change: &domain::OffsetChange) -> ClockChange {
    let shift = change.shift_seconds();
    let (before, after) = (change.local_before(), change.local_after());
    let clock = |at: DateTime<chrono::FixedOffset>| at.format("%H:%M").to_string();
    let (effect, detail) = if shift > 0 {
        (
            ClockEffect::Skipped,
            format!(
                "clocks go forward {} from {} {} to {} {}: {} to {} is skipped",
                duration(shift),
                clock(before),
                change.abbreviation_before,
                clock(after),
                change.abbreviation_after,
                clock(before),
                clock(after),
            ),
        )
    } else {
        (
            ClockEffect::Repeated,
            format!(
                "clocks go back {} from {} {} to {} {}: {} to {} happens twice",
                duration(shift),
                clock(before),
                change.abbreviation_before,
                clock(after),
                change.abbreviation_after,
                clock(after),
                clock(before),
            ),
        )
    };
    ClockChange {
        at: utc(change.at),
        local_before: format_fixed(before),
        local_after: format_fixed(after),
        abbreviation_before: change.abbreviation_before.clone(),
        abbreviation_after: change.abbreviation_after.clone(),
        shift_seconds: shift,
        effect,
        detail,
    }
}

fn format_fixed(at: DateTime<chrono::FixedOffset>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A shift of the clock in words: `1h`, `30m`, `1h30m`, `44m30s`.
fn duration(seconds: i32) -> String {
    let seconds = seconds.unsigned_abs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = String::new();
    if h > 0 {
        text += &format!("{h}h");
    }
    if m > 0 {
        text += &format!("{m}m");
    }
    if s > 0 || text.is_empty() {
        text += &format!("{s}s");
    }
    text
}

impl From<&domain::GlobalForecast> for GlobalForecast {
    fn from(forecast: &domain::GlobalForecast) -> Self {
        GlobalForecast {
            from: utc(forecast.window.from()),
            to: utc(forecast.window.to()),
            presets: forecast.presets.iter().map(PresetForecast::from).collect(),
            total: PoolForecast {
                instance_hours: forecast.instance_hours(),
                min_instances: forecast.min_instances(),
                max_instances: forecast.max_instances(),
                intervals: forecast
                    .total
                    .iter()
                    .map(|interval| TotalInterval {
                        from: utc(interval.from),
                        to: utc(interval.to),
                        instances: interval.instances,
                    })
                    .collect(),
            },
        }
    }
}

/// The window of the examples: Monday 2 June 2025, midnight to midnight in Los Angeles.
pub fn example_window() -> Window {
    let at = |text: &str| Timestamp::parse_rfc3339(text).expect("the example's window is RFC 3339");
    Window::new(at("2025-06-02T07:00:00Z"), at("2025-06-03T07:00:00Z"))
        .expect("the example's window is a day")
}

/// The forecast of the v2 preset example over [`example_window`], made by the code itself, so
/// the document's example is always what the call answers.
fn preset_forecast_example() -> serde_json::Value {
    let body = serde_json::to_vec(&crate::codec::examples::v2_preset_snapshot())
        .expect("the example is JSON");
    let forecast = preset(&body, example_window()).expect("the example body is valid");
    serde_json::to_value(PresetForecast::from(&forecast)).expect("a forecast is plain data")
}

/// The forecast of the v2 global example over [`example_window`], made by the code itself.
fn global_forecast_example() -> serde_json::Value {
    let body = serde_json::to_vec(&crate::codec::examples::v2_global_snapshot())
        .expect("the example is JSON");
    let forecast = global(&body, example_window()).expect("the example body is valid");
    serde_json::to_value(GlobalForecast::from(&forecast)).expect("a forecast is plain data")
}
