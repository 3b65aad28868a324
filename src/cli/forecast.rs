//! `forecast FILE`: what a preset's schedules will make its target, in the terminal: a summary, a
//! table of intervals in local time, the clock changes, and a chart with a row per local day and
//! a column per local hour. `--svg OUT` writes the chart `POST /v2/presets/forecast` draws, and
//! `--json` prints its JSON answer. The window and the body are read as the HTTP call reads
//! them, so a bad one prints the same problem.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::args::ForecastArgs;
use super::commands::read_snapshot;
use crate::codec::problem::Problem;
use crate::codec::v2::{chart, forecast as codec};
use crate::domain::Timestamp;
use crate::domain::v2::forecast::{GlobalForecast, PresetForecast, TotalInterval, Window};

/// `forecast [FILE]`: the forecast on stdout, or the problem on stderr and exit 1.
pub fn forecast(args: &ForecastArgs) -> ExitCode {
    match run(args) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(problem) => {
            let text = serde_json::to_string_pretty(&problem).expect("a problem is plain data");
            eprintln!("{text}");
            ExitCode::FAILURE
        }
    }
}

/// What `forecast` prints, having written the chart where `--svg` says.
fn run(args: &ForecastArgs) -> Result<String, Problem> {
    let body = read_snapshot(args.file.as_deref())?;
    let now = Timestamp::from_utc(chrono::SubsecRound::trunc_subsecs(Utc::now(), 0));
    let window = codec::window(args.from.as_deref(), args.to.as_deref(), now)
        .map_err(Problem::invalid_query)?;
    let (json, svg, text) = if args.global {
        let forecast = codec::global(&body, window)?;
        (
            pretty(&codec::GlobalForecast::from(&forecast)),
            chart::global_svg(&forecast),
            global_text(&forecast),
        )
    } else {
        let forecast = codec::preset(&body, window)?;
        (
            pretty(&codec::PresetForecast::from(&forecast)),
            chart::preset_svg(&forecast),
            preset_text(&forecast),
        )
    };
    if args.json {
        return Ok(json);
    }
    match args.svg.as_deref() {
        Some(path) if path.as_os_str() == "-" => Ok(svg),
        Some(path) => {
            std::fs::write(path, &svg).map_err(|error| {
                Problem::http(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot write the chart to {}: {error}", path.display()),
                )
            })?;
            Ok(text + &format!("\nChart written to {}\n", path.display()))
        }
        None => Ok(text),
    }
}

fn pretty(answer: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(answer).expect("a forecast is plain data") + "\n"
}

/// A number of hours, whole when it is.
fn hours(value: f64) -> String {
    if (value - value.round()).abs() < 1e-6 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// A wall-clock time for the table: `Mon 2025-06-02 09:00` (seconds when it has them).
fn wall(at: DateTime<Utc>, timezone: Tz) -> String {
    let local = at.with_timezone(&timezone);
    if at.timestamp() % 60 == 0 && at.timestamp_subsec_nanos() == 0 {
        local.format("%a %Y-%m-%d %H:%M").to_string()
    } else {
        local.format("%a %Y-%m-%d %H:%M:%S%.f").to_string()
    }
}

fn preset_text(forecast: &PresetForecast) -> String {
    let timezone = forecast.timezone.unwrap_or(Tz::UTC);
    let mut out = String::new();
    let state = if forecast.active {
        "active"
    } else {
        "inactive: its target is 0 whatever the schedules say"
    };
    let _ = writeln!(out, "Preset {} ({timezone}), {state}", forecast.preset_id);
    let _ = writeln!(
        out,
        "Window {} to {} ({} hours)",
        wall(forecast.window.from(), timezone),
        wall(forecast.window.to(), timezone),
        hours(forecast.window.hours())
    );
    let levels = forecast
        .hours_by_target()
        .iter()
        .map(|(target, h)| format!("{} h at {target}", hours(*h)))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "{} instance-hours; target {} to {} ({levels})",
        hours(forecast.instance_hours()),
        forecast.min_target(),
        forecast.max_target()
    );
    if let Some(error) = &forecast.schedule_error {
        let _ = writeln!(out, "schedule_error: {error}");
    }

    let _ = writeln!(
        out,
        "\n{:<26} {:<26} {:>7} {:>6}  source",
        "from", "to", "hours", "target"
    );
    for interval in &forecast.intervals {
        let source = match &interval.schedule {
            Some(schedule) => format!("schedule {} `{}`", schedule.index, schedule.cron_expression),
            None => "default".to_owned(),
        };
        let scheduled = if interval.scheduled_target != interval.target {
            format!(" (scheduled {})", interval.scheduled_target)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<26} {:<26} {:>7} {:>6}  {source}{scheduled}",
            wall(interval.from, timezone),
            wall(interval.to, timezone),
            hours(interval.hours()),
            interval.target
        );
    }
    if !forecast.offset_changes.is_empty() {
        let _ = writeln!(out, "\nClock changes");
        for change in &forecast.offset_changes {
            let (before, after) = (change.local_before(), change.local_after());
            let what = if change.shift_seconds() > 0 {
                format!(
                    "{} to {} is skipped",
                    before.format("%H:%M"),
                    after.format("%H:%M")
                )
            } else {
                format!(
                    "{} to {} happens twice",
                    after.format("%H:%M"),
                    before.format("%H:%M")
                )
            };
            let _ = writeln!(
                out,
                "{} {} -> {} {}: {what}",
                before.format("%a %Y-%m-%d %H:%M"),
                change.abbreviation_before,
                after.format("%H:%M"),
                change.abbreviation_after,
            );
        }
    }
    let target_at = |at: DateTime<Utc>| {
        forecast
            .target_at(at)
            .map(|interval| i64::from(interval.target))
    };
    out.push('\n');
    let title = format!("Target by local hour ({timezone})");
    out.push_str(&day_chart(&title, forecast.window, timezone, target_at));
    out
}

fn global_text(forecast: &GlobalForecast) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} presets; window {} to {} (UTC, {} hours)",
        forecast.presets.len(),
        wall(forecast.window.from(), Tz::UTC),
        wall(forecast.window.to(), Tz::UTC),
        hours(forecast.window.hours())
    );
    let _ = writeln!(
        out,
        "Pool: {} instance-hours; {} to {} instances",
        hours(forecast.instance_hours()),
        forecast.min_instances(),
        forecast.max_instances()
    );
    let _ = writeln!(
        out,
        "\n{:<38} {:>9} {:>6} {:>6}  timezone",
        "preset", "inst-h", "min", "max"
    );
    for preset in &forecast.presets {
        let timezone = preset.timezone.unwrap_or(Tz::UTC);
        let mut note = if preset.active {
            String::new()
        } else {
            ", inactive".to_owned()
        };
        if preset.schedule_error.is_some() {
            note.push_str(", schedules set aside");
        }
        let _ = writeln!(
            out,
            "{:<38} {:>9} {:>6} {:>6}  {timezone}{note}",
            preset.preset_id.to_string(),
            hours(preset.instance_hours()),
            preset.min_target(),
            preset.max_target()
        );
    }
    let _ = writeln!(
        out,
        "\n{:<26} {:<26} {:>7} {:>9}",
        "from (UTC)", "to (UTC)", "hours", "instances"
    );
    for TotalInterval {
        from,
        to,
        instances,
    } in &forecast.total
    {
        let _ = writeln!(
            out,
            "{:<26} {:<26} {:>7} {:>9}",
            wall(*from, Tz::UTC),
            wall(*to, Tz::UTC),
            hours(crate::domain::v2::forecast::hours(*from, *to)),
            instances
        );
    }
    let total = &forecast.total;
    let target_at = |at: DateTime<Utc>| {
        let index = total.partition_point(|interval| interval.to <= at);
        total
            .get(index)
            .filter(|interval| interval.from <= at)
            .map(|interval| interval.instances)
    };
    out.push('\n');
    out.push_str(&day_chart(
        "The pool's size by hour (UTC)",
        forecast.window,
        Tz::UTC,
        target_at,
    ));
    out
}

/// A row per local day and a column per local hour: the target as the hour starts (or as the
/// window starts, in its first hour). Digits when every target is 0 to 9 (`.` for 0), else
/// eighths of the greatest as blocks; blank outside the window, `-` for an hour the clocks skip,
/// and a note where one is repeated (its first occurrence is shown).
fn day_chart(
    title: &str,
    window: Window,
    timezone: Tz,
    target_at: impl Fn(DateTime<Utc>) -> Option<i64>,
) -> String {
    let first = window.from().with_timezone(&timezone).date_naive();
    let last = (window.to() - Duration::nanoseconds(1))
        .with_timezone(&timezone)
        .date_naive();
    // Each day's 24 cells: the instant the hour starts in the window, or why there is none.
    enum Cell {
        At(DateTime<Utc>),
        Outside,
        Skipped,
    }
    let mut days: Vec<(NaiveDate, Vec<Cell>, bool)> = Vec::new();
    let mut day = first;
    while day <= last {
        let mut repeated = false;
        let cells = (0..24)
            .map(|hour| {
                let local = day.and_hms_opt(hour, 0, 0).expect("an hour of a day");
                let start = match timezone.from_local_datetime(&local) {
                    LocalResult::Single(at) => at,
                    LocalResult::Ambiguous(at, _) => {
                        repeated = true;
                        at
                    }
                    LocalResult::None => return Cell::Skipped,
                }
                .with_timezone(&Utc);
                let end = start + Duration::hours(1);
                if end <= window.from() || start >= window.to() {
                    Cell::Outside
                } else {
                    Cell::At(start.max(window.from()))
                }
            })
            .collect();
        days.push((day, cells, repeated));
        day = day.succ_opt().expect("a window ends before year 9999 does");
    }
    let values: Vec<i64> = days
        .iter()
        .flat_map(|(_, cells, _)| cells)
        .filter_map(|cell| match cell {
            Cell::At(at) => target_at(*at),
            _ => None,
        })
        .collect();
    let (least, most) = (
        values.iter().copied().min().unwrap_or(0),
        values.iter().copied().max().unwrap_or(0),
    );
    let digits = least >= 0 && most <= 9;
    const BLOCKS: [char; 9] = ['.', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let glyph = |value: i64| -> char {
        if digits {
            if value == 0 {
                '.'
            } else {
                char::from(b'0' + value as u8)
            }
        } else if value <= 0 {
            '.'
        } else {
            BLOCKS[((value * 8 + most - 1) / most).clamp(1, 8) as usize]
        }
    };
    let mut out = String::new();
    let key = if digits {
        "the target (. for 0)".to_owned()
    } else {
        format!("eighths of {most} (. for 0 or less)")
    };
    let _ = writeln!(out, "{title}: {key}");
    let _ = writeln!(out, "{:<15}0     6     12    18", "");
    for (day, cells, repeated) in &days {
        let mut row = String::new();
        let mut skipped = false;
        for cell in cells {
            row.push(match cell {
                Cell::At(at) => target_at(*at).map_or(' ', glyph),
                Cell::Outside => ' ',
                Cell::Skipped => {
                    skipped = true;
                    '-'
                }
            });
        }
        let mut note = String::new();
        if skipped {
            note.push_str("  (- : skipped by the clock change)");
        }
        if *repeated {
            note.push_str("  (an hour repeated by the clock change: its first time shown)");
        }
        let _ = writeln!(
            out,
            "{:<15}{}{note}",
            day.format("%a %Y-%m-%d"),
            row.trim_end()
        );
    }
    out
}
