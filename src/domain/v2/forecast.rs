//! A forecast of rule 2: what a preset's target will be over a window of time, as a step
//! function, so an operator sees what its schedules do before the pool changes under them.
//!
//! Every value comes from the decision's own code: the target at an instant is the decision's
//! `target_at` (which calls [`TargetRule::target`]), and the active check is the decision's
//! `is_active`. Nothing here reads a cron expression. The forecast only chooses *where* to ask.
//!
//! # Why asking at a few instants is exact
//!
//! A schedule names whole hours (its minute is `*`), and a target is read from the wall clock
//! of the preset's timezone: its month, day, weekday and hour. The matcher
//! (`CronSchedule::is_within_range`, as upstream's `IsWithinRange`) reads that wall clock at the
//! start of the minute `now` falls in, cut in absolute time as Go's `Truncate` does (in a zone
//! whose offset has seconds, that start is never a whole local minute, and nothing matches).
//! So the target can change only
//!
//! 1. where the local hour changes while the UTC offset holds: at a local-hour boundary;
//! 2. where the UTC offset changes (a daylight-saving or other change of the zone's offset);
//! 3. at the first whole UTC minute at or after one of those, where a matcher reading the minute
//!    `now` falls in first sees it (only different from the instant itself when the offset has
//!    seconds, as some zones' local mean times have, or a change falls inside a minute).
//!
//! Between two consecutive such instants, the offset and the local hour are fixed, and so are
//! the local hour and second of every minute's start, so the target is constant. (The one other
//! case the matcher treats apart, Go's zero time, is before [`Window::EARLIEST`].) The forecast therefore asks the
//! decision's code at `from` and at each of these instants inside the window, and merges equal
//! neighbours. Offset changes are found by asking the zone's offset at every local-hour step and
//! bisecting to the second where it changed (the zone database changes offsets on whole
//! seconds); two changes less than an hour apart that cancel out would be missed, and no zone
//! has such a pair.
//!
//! A 7-day window asks about 170 times (once per local hour); the longest, [`Window::MAX_DAYS`],
//! about 2,200.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};
use thiserror::Error;
use uuid::Uuid;

use super::global::GlobalSnapshotV2;
use super::reconcile::PresetView;
use super::schedule::TargetSource;
use super::snapshot::PresetSnapshotV2;
use crate::domain::go_time::Timestamp;

/// The span of time a forecast covers, `[from, to)`: at most [`Window::MAX_DAYS`] long, and within
/// the years every local time can be written in (see [`Window::EARLIEST`], [`Window::LATEST`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// Why two instants do not make a [`Window`].
#[derive(Clone, Debug, Error, PartialEq)]
pub enum WindowError {
    /// `to` is not after `from`.
    #[error("must be after from ({from}), got {to}")]
    Empty {
        /// The window's start.
        from: Timestamp,
        /// The window's end as given.
        to: Timestamp,
    },
    /// The window is longer than [`Window::MAX_DAYS`].
    #[error("the window from {from} to {to} is {days:.2} days; at most {max} days are forecast")]
    TooLong {
        /// The window's start.
        from: Timestamp,
        /// The window's end as given.
        to: Timestamp,
        /// Its length in days.
        days: f64,
        /// [`Window::MAX_DAYS`].
        max: i64,
    },
    /// An end is outside [`Window::EARLIEST`]..=[`Window::LATEST`].
    #[error(
        "{at} is outside the years a forecast covers ({} to {})",
        Window::EARLIEST,
        Window::LATEST
    )]
    OutOfRange {
        /// Which end: `from` or `to`.
        end: WindowEnd,
        /// The instant given.
        at: Timestamp,
    },
}

/// One end of a window, as an error names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowEnd {
    /// The start.
    From,
    /// The end.
    To,
}

impl WindowError {
    /// The end of the window the error is about: `to` unless `from` itself is out of range.
    pub fn end(&self) -> WindowEnd {
        match self {
            WindowError::OutOfRange { end, .. } => *end,
            WindowError::Empty { .. } | WindowError::TooLong { .. } => WindowEnd::To,
        }
    }
}

impl Window {
    /// The longest window forecast: about a quarter, enough to see a season's schedules and its
    /// daylight-saving changes.
    pub const MAX_DAYS: i64 = 92;
    /// The window's length when only `from` is given.
    pub const DEFAULT_DAYS: i64 = 7;
    /// The earliest instant a window may start at: the end of the first minute of year 1, so
    /// that every local time, in any offset, is in a year RFC 3339 can write, and the window
    /// leaves out Go's zero time, the one minute where upstream's match answers what robfig's
    /// search returns when it finds nothing (see `CronSchedule::is_within_range`).
    pub const EARLIEST: &str = "0001-01-01T00:01:00Z";
    /// The latest instant a window may end at. A day before year 9999 ends, for the same reason.
    pub const LATEST: &str = "9999-12-31T00:00:00Z";

    /// The window `[from, to)`: `to` after `from`, at most [`Window::MAX_DAYS`] later, and both
    /// within [`Window::EARLIEST`]..=[`Window::LATEST`].
    pub fn new(from: Timestamp, to: Timestamp) -> Result<Self, WindowError> {
        let (earliest, latest) = (bound(Window::EARLIEST), bound(Window::LATEST));
        for (end, at) in [(WindowEnd::From, from), (WindowEnd::To, to)] {
            if at < earliest || at > latest {
                return Err(WindowError::OutOfRange { end, at });
            }
        }
        if to <= from {
            return Err(WindowError::Empty { from, to });
        }
        let (start, end) = (from.as_datetime().to_utc(), to.as_datetime().to_utc());
        let length = end - start;
        if length > TimeDelta::days(Window::MAX_DAYS) {
            return Err(WindowError::TooLong {
                from,
                to,
                days: length.as_seconds_f64() / 86_400.0,
                max: Window::MAX_DAYS,
            });
        }
        Ok(Window {
            from: start,
            to: end,
        })
    }

    /// The window of [`Window::DEFAULT_DAYS`] from `from`, or up to [`Window::LATEST`] when that
    /// comes first.
    pub fn starting_at(from: Timestamp) -> Result<Self, WindowError> {
        let start = from.as_datetime().to_utc();
        let latest = bound(Window::LATEST).as_datetime().to_utc();
        let end = (start + TimeDelta::days(Window::DEFAULT_DAYS)).min(latest);
        Window::new(from, Timestamp::from_utc(end))
    }

    /// The first instant of the window.
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The first instant after the window.
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// The window's length in hours.
    pub fn hours(&self) -> f64 {
        hours(self.from, self.to)
    }
}

fn bound(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("the window's bounds are RFC 3339")
}

/// Hours from `from` to `to`, to the nanosecond.
pub fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let span = to - from;
    span.num_seconds() as f64 / 3600.0 + f64::from(span.subsec_nanos()) / 3.6e12
}

/// The schedule a target came from, as the caller listed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleRef {
    /// Its index in the schedules the caller sent.
    pub index: usize,
    /// Its expression as written.
    pub cron_expression: String,
}

/// The target over one interval of the window, where it does not change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastInterval {
    /// The interval's first instant.
    pub from: DateTime<Utc>,
    /// The first instant after it.
    pub to: DateTime<Utc>,
    /// The decision's `desired`: the scheduled target while the preset is active, else 0.
    pub target: i32,
    /// The decision's `scheduled_target`: the target rule 2 gives, before the active check.
    pub scheduled_target: i32,
    /// Where `scheduled_target` came from.
    pub source: TargetSource,
    /// The schedule it came from, when one matched.
    pub schedule: Option<ScheduleRef>,
}

impl ForecastInterval {
    /// The interval's length in hours.
    pub fn hours(&self) -> f64 {
        hours(self.from, self.to)
    }
}

/// A change of the timezone's UTC offset inside the window: a daylight-saving change, or a
/// change of the zone's standard time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetChange {
    /// The first instant of the new offset.
    pub at: DateTime<Utc>,
    /// The offset before.
    pub offset_before: FixedOffset,
    /// The offset from `at` on.
    pub offset_after: FixedOffset,
    /// The zone's abbreviation before (`PST`), or the offset when it has none.
    pub abbreviation_before: String,
    /// The zone's abbreviation after (`PDT`).
    pub abbreviation_after: String,
}

impl OffsetChange {
    /// How far the wall clock moves, in seconds: positive when clocks go forward (local times
    /// are skipped), negative when they go back (local times are repeated).
    pub fn shift_seconds(&self) -> i32 {
        self.offset_after.local_minus_utc() - self.offset_before.local_minus_utc()
    }

    /// The wall-clock time just before the change (where the clock leaves off).
    pub fn local_before(&self) -> DateTime<FixedOffset> {
        self.at.with_timezone(&self.offset_before)
    }

    /// The wall-clock time at the change (where the clock resumes).
    pub fn local_after(&self) -> DateTime<FixedOffset> {
        self.at.with_timezone(&self.offset_after)
    }
}

/// What a preset's target will be over a window, from the decision's code.
#[derive(Clone, Debug, PartialEq)]
pub struct PresetForecast {
    /// The preset.
    pub preset_id: Uuid,
    /// The window forecast.
    pub window: Window,
    /// The zone local times are read in: the preset's `scheduling_timezone` when it is a known
    /// zone, else `None` (UTC).
    pub timezone: Option<Tz>,
    /// Whether the preset is active; an inactive preset's target is 0 throughout.
    pub active: bool,
    /// The preset's `desired_instances`, the target where no schedule matches.
    pub desired_instances: i32,
    /// Why schedules were set aside (or skipped), the text a decision in the window gives.
    pub schedule_error: Option<String>,
    /// The target as a step function: consecutive intervals covering the window, neighbours
    /// different.
    pub intervals: Vec<ForecastInterval>,
    /// The zone's offset changes inside the window, in order.
    pub offset_changes: Vec<OffsetChange>,
}

impl PresetForecast {
    /// Instance-hours the pool holds over the window: each interval's target times its hours,
    /// summed. A negative target holds no instance, so it counts as 0.
    pub fn instance_hours(&self) -> f64 {
        self.intervals
            .iter()
            .map(|interval| f64::from(interval.target.max(0)) * interval.hours())
            .sum()
    }

    /// The least target in the window.
    pub fn min_target(&self) -> i32 {
        self.intervals.iter().map(|i| i.target).min().unwrap_or(0)
    }

    /// The greatest target in the window.
    pub fn max_target(&self) -> i32 {
        self.intervals.iter().map(|i| i.target).max().unwrap_or(0)
    }

    /// Hours spent at each target, by target ascending.
    pub fn hours_by_target(&self) -> Vec<(i32, f64)> {
        let mut levels: Vec<(i32, f64)> = Vec::new();
        for interval in &self.intervals {
            match levels
                .iter_mut()
                .find(|(target, _)| *target == interval.target)
            {
                Some((_, hours)) => *hours += interval.hours(),
                None => levels.push((interval.target, interval.hours())),
            }
        }
        levels.sort_by_key(|&(target, _)| target);
        levels
    }

    /// The target at `at` (inside the window), as the forecast says it.
    pub fn target_at(&self, at: DateTime<Utc>) -> Option<&ForecastInterval> {
        let index = self.intervals.partition_point(|interval| interval.to <= at);
        self.intervals
            .get(index)
            .filter(|interval| interval.from <= at)
    }
}

/// The summed target of every preset over one interval, where it does not change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TotalInterval {
    /// The interval's first instant.
    pub from: DateTime<Utc>,
    /// The first instant after it.
    pub to: DateTime<Utc>,
    /// The presets' targets summed (a negative target counts as 0): the instances the whole
    /// pool holds.
    pub instances: i64,
}

/// Every preset's forecast, and the whole pool's size over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalForecast {
    /// The window forecast.
    pub window: Window,
    /// Each preset's forecast, in the order of the presets list.
    pub presets: Vec<PresetForecast>,
    /// The presets' targets summed, as a step function over the window.
    pub total: Vec<TotalInterval>,
}

impl GlobalForecast {
    /// Instance-hours the whole pool holds over the window.
    pub fn instance_hours(&self) -> f64 {
        self.total
            .iter()
            .map(|interval| interval.instances as f64 * hours(interval.from, interval.to))
            .sum()
    }

    /// The least number of instances the pool holds in the window.
    pub fn min_instances(&self) -> i64 {
        self.total.iter().map(|i| i.instances).min().unwrap_or(0)
    }

    /// The greatest number of instances the pool holds in the window.
    pub fn max_instances(&self) -> i64 {
        self.total.iter().map(|i| i.instances).max().unwrap_or(0)
    }
}

impl PresetSnapshotV2 {
    /// The preset's target over `window`, as the decision would give it at every instant.
    pub fn forecast(&self, window: Window) -> PresetForecast {
        forecast(self.view(), window)
    }
}

impl GlobalSnapshotV2 {
    /// Every preset's forecast over `window`, and their targets summed.
    pub fn forecast(&self, window: Window) -> GlobalForecast {
        let presets: Vec<PresetForecast> =
            self.views().map(|view| forecast(view, window)).collect();
        let total = sum(&presets, window);
        GlobalForecast {
            window,
            presets,
            total,
        }
    }
}

/// What the decision's code says at one instant, as far as a forecast tells it apart.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Reading<'a> {
    target: i32,
    scheduled_target: i32,
    source: TargetSource,
    /// The schedule's index in the caller's list and its expression, when one matched.
    schedule: Option<(usize, &'a str)>,
}

fn forecast(view: PresetView<'_>, window: Window) -> PresetForecast {
    let rule = &view.additions.target_rule;
    let scheduling_timezone = view.additions.scheduling_timezone.as_deref();
    // The zone the rule reads schedules in; when it has set them aside (or has none), the zone
    // the caller named, for local times and offset changes only: the target is then the default
    // throughout.
    let timezone = match rule {
        super::schedule::TargetRule::Weekly { timezone, .. } => Some(*timezone),
        _ => scheduling_timezone.and_then(|name| Tz::from_str(name).ok()),
    };
    let (instants, offset_changes) = change_points(timezone.unwrap_or(Tz::UTC), window);

    let active = view.is_active();
    let read = |at: DateTime<Utc>| {
        let now = Timestamp::from_utc(at);
        let target = view.target_at(now);
        // Which schedule, asked only when one gave the target.
        let schedule = (target.source == TargetSource::Schedule)
            .then(|| rule.matching(now))
            .flatten()
            .map(|schedule| (schedule.row, schedule.expression.as_str()));
        debug_assert_eq!(schedule.is_some(), target.source == TargetSource::Schedule);
        let reading = Reading {
            // The decision's state: `desired` is the target while active, 0 otherwise.
            target: if active { target.instances } else { 0 },
            scheduled_target: target.instances,
            source: target.source,
            schedule,
        };
        (reading, target.schedule_error)
    };

    let (mut current, schedule_error) = read(window.from);
    let mut intervals = Vec::new();
    let mut since = window.from;
    for at in instants {
        let (reading, error) = read(at);
        debug_assert_eq!(
            error, schedule_error,
            "a rule's schedule_error is the same at every instant"
        );
        if reading != current {
            intervals.push(interval(since, at, current));
            (since, current) = (at, reading);
        }
    }
    intervals.push(interval(since, window.to, current));
    PresetForecast {
        preset_id: view.v1.preset().id,
        window,
        timezone,
        active,
        desired_instances: view.v1.preset().desired_instances,
        schedule_error,
        intervals,
        offset_changes,
    }
}

fn interval(from: DateTime<Utc>, to: DateTime<Utc>, reading: Reading<'_>) -> ForecastInterval {
    ForecastInterval {
        from,
        to,
        target: reading.target,
        scheduled_target: reading.scheduled_target,
        source: reading.source,
        schedule: reading.schedule.map(|(index, expression)| ScheduleRef {
            index,
            cron_expression: expression.to_owned(),
        }),
    }
}

/// The instants inside the window (after `from`, before `to`) where a target read in `timezone`
/// can change, in order and without repeats, and the offset changes among them (see the module's
/// comment).
fn change_points(timezone: Tz, window: Window) -> (Vec<DateTime<Utc>>, Vec<OffsetChange>) {
    let offset_at = |at: DateTime<Utc>| timezone.offset_from_utc_datetime(&at.naive_utc());
    let mut instants = Vec::with_capacity((window.hours() as usize + 2) * 2);
    let mut changes = Vec::new();
    let mut at = window.from;
    let mut offset = offset_at(at);
    loop {
        let seconds = offset.fix().local_minus_utc();
        // The next local-hour boundary while this offset holds, in whole seconds (after `at`).
        let local = at.timestamp() + i64::from(seconds);
        let next_hour = (local.div_euclid(3600) + 1) * 3600 - i64::from(seconds);
        let next = utc(next_hour);
        let until = next.min(window.to);
        let later = offset_at(until);
        if later.fix() != offset.fix() {
            // Changes fall on whole seconds: the first second in (at, until] with another offset.
            let (mut before, mut after) = (at.timestamp(), until.timestamp());
            while after - before > 1 {
                let middle = before + (after - before) / 2;
                if offset_at(utc(middle)).fix() == offset.fix() {
                    before = middle;
                } else {
                    after = middle;
                }
            }
            let change = utc(after);
            if change >= window.to {
                break;
            }
            let new_offset = offset_at(change);
            changes.push(OffsetChange {
                at: change,
                offset_before: offset.fix(),
                offset_after: new_offset.fix(),
                abbreviation_before: abbreviation(&offset),
                abbreviation_after: abbreviation(&new_offset),
            });
            push_with_minute(&mut instants, change, window);
            at = change;
            offset = new_offset;
            continue;
        }
        if next >= window.to {
            break;
        }
        push_with_minute(&mut instants, next, window);
        at = next;
    }
    instants.sort_unstable();
    instants.dedup();
    (instants, changes)
}

/// Adds `at`, and the first whole minute at or after it when that is still inside the window.
fn push_with_minute(instants: &mut Vec<DateTime<Utc>>, at: DateTime<Utc>, window: Window) {
    instants.push(at);
    let seconds = at.timestamp();
    let minute = utc(seconds + (60 - seconds.rem_euclid(60)) % 60);
    if minute != at && minute < window.to {
        instants.push(minute);
    }
}

/// The instant `seconds` after the Unix epoch (a window keeps every one in chrono's range).
fn utc(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("instants near a window are in chrono's range")
}

fn abbreviation(offset: &chrono_tz::TzOffset) -> String {
    match offset.abbreviation() {
        Some(name) => name.to_owned(),
        None => offset.fix().to_string(),
    }
}

/// The presets' targets summed over the window, as a step function (negative targets as 0): a
/// sweep over every preset's changes, each a change of the sum, so its cost grows with the
/// number of changes, not with presets × changes.
fn sum(presets: &[PresetForecast], window: Window) -> Vec<TotalInterval> {
    let held = |interval: &ForecastInterval| i64::from(interval.target.max(0));
    let mut changes: Vec<(DateTime<Utc>, i64)> = presets
        .iter()
        .flat_map(|forecast| {
            forecast
                .intervals
                .windows(2)
                .map(move |pair| (pair[1].from, held(&pair[1]) - held(&pair[0])))
        })
        .collect();
    changes.sort_unstable_by_key(|&(at, _)| at);
    let mut instances: i64 = presets
        .iter()
        .map(|forecast| held(&forecast.intervals[0]))
        .sum();
    let mut total = vec![TotalInterval {
        from: window.from,
        to: window.to,
        instances,
    }];
    for (index, &(at, delta)) in changes.iter().enumerate() {
        instances += delta;
        // Several presets may change at one instant: the sum is read after the last of them.
        if changes.get(index + 1).is_some_and(|&(next, _)| next == at) {
            continue;
        }
        let last = total.last_mut().expect("the first interval is there");
        if last.instances != instances {
            last.to = at;
            total.push(TotalInterval {
                from: at,
                to: window.to,
                instances,
            });
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Preset;
    use crate::domain::v2::{PrebuildStatus, PresetRowsV2, PresetV2, Schedule};

    /// A preset snapshot in `timezone` with these schedules, `desired_instances` 1.
    fn snapshot(active: bool, timezone: &str, schedules: &[(&str, i32)]) -> PresetSnapshotV2 {
        PresetSnapshotV2::new(PresetRowsV2 {
            preset: PresetV2 {
                preset: Preset {
                    id: Uuid::from_u128(1),
                    using_active_version: active,
                    deleted: false,
                    deprecated: false,
                    desired_instances: 1,
                },
                ttl: None,
                last_invalidated_at: None,
                scheduling_timezone: Some(timezone.to_owned()),
                prebuild_status: PrebuildStatus::default(),
            },
            running: Vec::new(),
            in_progress: Vec::new(),
            backoff: None,
            schedules: schedules
                .iter()
                .map(|&(cron, n)| Schedule {
                    cron_expression: cron.to_owned(),
                    desired_instances: n,
                    preset_id: None,
                })
                .collect(),
            pending_count: 0,
            is_hard_limited: false,
        })
        .unwrap()
    }

    /// The forecast says what the decision's state says at `at`.
    fn agrees(snapshot: &PresetSnapshotV2, forecast: &PresetForecast, at: DateTime<Utc>) {
        let state = snapshot.calculate_state(Timestamp::from_utc(at));
        let interval = forecast.target_at(at).expect("inside the window");
        assert_eq!(
            (interval.target, interval.scheduled_target, interval.source),
            (
                state.counts.desired,
                state.scheduled_target,
                state.target_source
            ),
            "at {at}: {interval:?}"
        );
        assert_eq!(forecast.schedule_error, state.schedule_error);
    }

    #[test]
    fn the_forecast_is_the_decision_at_every_minute_and_around_every_change() {
        // (timezone, window start, schedules)
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, i32)]);
        let cases: [Case; 11] = [
            (
                "America/Los_Angeles",
                "2025-03-07T00:00:00Z",
                &[("* 1-3 * * *", 5), ("* 9-17 * * 1-5", 3)],
            ),
            (
                "America/Los_Angeles",
                "2025-10-31T00:00:00Z",
                &[("* 1 * * *", 4), ("* 2 * * 0", 2)],
            ),
            (
                "Europe/Berlin",
                "2025-03-28T00:00:00Z",
                &[("* 2 * * *", 6), ("* 0-1 30 * *", 2)],
            ),
            (
                "Europe/Berlin",
                "2025-10-24T00:00:00Z",
                &[("* 2 * * *", 6), ("* 3 * * 0", 0)],
            ),
            (
                "Australia/Lord_Howe",
                "2025-10-02T00:00:00Z",
                &[("* 2 * * *", 3)],
            ),
            (
                "Asia/Kathmandu",
                "2025-06-01T00:00:00Z",
                &[("* 0-5 * * *", 2), ("* 20 * * *", 7)],
            ),
            // UTC−00:44:30 until 1972: local hours start 30 seconds into a UTC minute.
            (
                "Africa/Monrovia",
                "1971-06-01T00:00:00Z",
                &[("* 9-17 * * *", 4)],
            ),
            // Steps, names and `?`, and a schedule skipped beside one that applies.
            (
                "UTC",
                "2025-06-01T00:00:00Z",
                &[("* 8-18/3 ? * MON-FRI", 3)],
            ),
            (
                "America/New_York",
                "2025-03-07T00:00:00Z",
                &[("* 9 * * *", 2), ("* 25 * * *", 5)],
            ),
            // Negative targets, used as they are.
            ("UTC", "2025-06-01T00:00:00Z", &[("* 9-17 * * 1-5", -2)]),
            // The earliest window: a schedule for 30 February never matches after Go's zero time.
            (
                "UTC",
                Window::EARLIEST,
                &[("* * 30 2 *", 9), ("* 0 * * *", 2)],
            ),
        ];
        for (timezone, from, schedules) in cases {
            for active in [true, false] {
                let snapshot = snapshot(active, timezone, schedules);
                let from = utc_at(from);
                let window = Window::new(
                    Timestamp::from_utc(from),
                    Timestamp::from_utc(from + TimeDelta::days(5)),
                )
                .unwrap();
                let forecast = snapshot.forecast(window);
                for minute in 0..5 * 24 * 60 {
                    for second in [0, 30] {
                        let at = from + TimeDelta::seconds(minute * 60 + second);
                        agrees(&snapshot, &forecast, at);
                    }
                }
                for interval in &forecast.intervals {
                    for at in [interval.from, interval.to - TimeDelta::nanoseconds(1)] {
                        for step in -2..=2 {
                            let near = at + TimeDelta::seconds(step);
                            if near >= window.from() && near < window.to() {
                                agrees(&snapshot, &forecast, near);
                            }
                        }
                    }
                }
            }
        }
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn utc_at(text: &str) -> DateTime<Utc> {
        at(text).as_datetime().to_utc()
    }

    fn window(from: &str, to: &str) -> Window {
        Window::new(at(from), at(to)).unwrap()
    }

    #[test]
    fn a_window_is_after_from_and_at_most_92_days() {
        let from = "2025-06-02T00:00:00Z";
        assert!(matches!(
            Window::new(at(from), at(from)),
            Err(WindowError::Empty { .. })
        ));
        assert!(matches!(
            Window::new(at(from), at("2025-06-01T00:00:00Z")),
            Err(WindowError::Empty { .. })
        ));
        assert!(Window::new(at(from), at("2025-09-02T00:00:00Z")).is_ok());
        let too_long = Window::new(at(from), at("2025-09-02T00:00:01Z")).unwrap_err();
        assert!(matches!(too_long, WindowError::TooLong { .. }));
        assert_eq!(too_long.end(), WindowEnd::To);
        let early = Window::new(at("0000-01-01T00:00:00Z"), at(from)).unwrap_err();
        assert_eq!(early.end(), WindowEnd::From);
        assert_eq!(
            Window::starting_at(at("9999-12-30T12:00:00Z"))
                .unwrap()
                .to(),
            utc_at(Window::LATEST)
        );
        assert_eq!(
            Window::starting_at(at("2025-06-02T00:00:00+02:00"))
                .unwrap()
                .to(),
            utc_at("2025-06-08T22:00:00Z")
        );
    }

    #[test]
    fn change_points_are_local_hours_and_offset_changes() {
        // Los Angeles springs forward at 2025-03-09T10:00:00Z (02:00 PST becomes 03:00 PDT).
        let (instants, changes) = change_points(
            chrono_tz::America::Los_Angeles,
            window("2025-03-09T08:30:00Z", "2025-03-09T11:00:00Z"),
        );
        assert_eq!(
            instants,
            [
                utc_at("2025-03-09T09:00:00Z"),
                utc_at("2025-03-09T10:00:00Z")
            ]
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].at, utc_at("2025-03-09T10:00:00Z"));
        assert_eq!(changes[0].shift_seconds(), 3600);
        assert_eq!(changes[0].abbreviation_before, "PST");
        assert_eq!(changes[0].abbreviation_after, "PDT");
        assert_eq!(
            changes[0].local_before().to_rfc3339(),
            "2025-03-09T02:00:00-08:00"
        );
        assert_eq!(
            changes[0].local_after().to_rfc3339(),
            "2025-03-09T03:00:00-07:00"
        );
    }

    #[test]
    fn half_hour_zones_change_on_their_own_hours() {
        // India is UTC+05:30: local hours start at half past UTC hours.
        let (instants, changes) = change_points(
            chrono_tz::Asia::Kolkata,
            window("2025-06-02T00:00:00Z", "2025-06-02T02:00:00Z"),
        );
        assert_eq!(
            instants,
            [
                utc_at("2025-06-02T00:30:00Z"),
                utc_at("2025-06-02T01:30:00Z")
            ]
        );
        assert!(changes.is_empty());
    }

    #[test]
    fn an_offset_with_seconds_adds_the_next_whole_minute() {
        // Monrovia kept UTC−00:44:30 until 1972: its local hours start 30 s into a UTC minute.
        let (instants, _) = change_points(
            chrono_tz::Africa::Monrovia,
            window("1970-06-01T00:00:00Z", "1970-06-01T01:00:00Z"),
        );
        assert_eq!(
            instants,
            [
                utc_at("1970-06-01T00:44:30Z"),
                utc_at("1970-06-01T00:45:00Z")
            ]
        );
    }
}
