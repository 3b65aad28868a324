//! A forecast as an SVG chart, drawn with plotters' SVG backend: the target over time, local-time
//! day and hour ticks, schedule boundaries and clock changes marked, instance-hours in the title.
//!
//! plotters is built without its font features: the SVG backend writes text as `<text>` elements
//! and leaves the font to the viewer, so no font file is read or needed. The chart is 1,100 pixels
//! wide, 400 high plus its legend below; a longer window gets sparser ticks.

use std::error::Error;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::domain::v2::forecast::{
    ForecastInterval, GlobalForecast, PresetForecast, Window, hours,
};

/// The chart's width, and its height above the legend, in pixels.
const WIDTH: u32 = 1100;
const PLOT_HEIGHT: u32 = 400;
/// A line of the legend, in pixels.
const LEGEND_LINE: i32 = 20;
const FONT: &str = "sans-serif";

/// Schedules' colours, by their index in the list sent (cycling); then the default's and the
/// clock changes'.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
];
const DEFAULT_COLOUR: RGBColor = RGBColor(0xba, 0xb0, 0xac);
const CLOCK_COLOUR: RGBColor = RGBColor(0xe1, 0x57, 0x59);
const LINE_COLOUR: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// A preset's forecast as an SVG document.
pub fn preset_svg(forecast: &PresetForecast) -> String {
    let mut svg = String::new();
    draw_preset(&mut svg, forecast).expect("drawing into a string does not fail");
    svg
}

/// Every preset's forecast, stacked, with the pool's total, as an SVG document.
pub fn global_svg(forecast: &GlobalForecast) -> String {
    let mut svg = String::new();
    draw_global(&mut svg, forecast).expect("drawing into a string does not fail");
    svg
}

/// The chart as the OpenAPI document states it: an `svg` document (a string), so Swagger UI's
/// sample of it reads as one.
pub struct SvgChart;

impl utoipa::PartialSchema for SvgChart {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::xml::XmlBuilder;
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The forecast as an SVG document: the target over time, local-time day and hour \
                 ticks, schedule boundaries and clock changes marked, instance-hours in the title.",
            ))
            .xml(Some(
                XmlBuilder::new()
                    .name(Some("svg"))
                    .namespace(Some("http://www.w3.org/2000/svg"))
                    .build(),
            ))
            .into()
    }
}

impl utoipa::ToSchema for SvgChart {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("SvgChart")
    }
}

type Drawn = Result<(), Box<dyn Error>>;

fn draw_preset(svg: &mut String, forecast: &PresetForecast) -> Drawn {
    let sources = sources(forecast);
    let legend = preset_legend(forecast, &sources);
    let (root, plot, legend_area) = canvas(svg, &legend)?;
    let timezone = forecast.timezone.unwrap_or(Tz::UTC);
    let axis = TimeAxis::new(forecast.window, timezone);
    let values = forecast
        .intervals
        .iter()
        .flat_map(|i| [i64::from(i.target), i64::from(i.scheduled_target)]);
    let (low, high) = y_range(values);
    let title = format!(
        "{} instance-hours in {}, target {} to {}: preset {}",
        number(forecast.instance_hours()),
        days_text(forecast.window),
        forecast.min_target(),
        forecast.max_target(),
        forecast.preset_id
    );
    let mut chart = chart(&plot, &title, &axis, low, high)?;

    // The area under the target, coloured by where it comes from.
    for source in &sources {
        let colour = colour_of(*source);
        let shown = forecast
            .intervals
            .iter()
            .filter(|interval| source_of(interval) == *source);
        chart.draw_series(shown.map(|interval| {
            let (x0, x1) = (axis.x(interval.from), axis.x(interval.to));
            let y = f64::from(interval.target);
            Rectangle::new([(x0, 0.0), (x1, y)], colour.mix(0.45).filled())
        }))?;
    }
    // The schedule boundaries: where the target's source changes.
    for pair in forecast.intervals.windows(2) {
        if source_of(&pair[0]) != source_of(&pair[1]) {
            let x = axis.x(pair[1].from);
            let colour = colour_of(source_of(&pair[1]).or(source_of(&pair[0])));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, low), (x, high)],
                colour.mix(0.7).stroke_width(1),
            )))?;
        }
    }
    if !forecast.active {
        chart.draw_series(LineSeries::new(
            step(&forecast.intervals, &axis, |i| i.scheduled_target),
            DEFAULT_COLOUR.stroke_width(2),
        ))?;
    }
    chart.draw_series(LineSeries::new(
        step(&forecast.intervals, &axis, |i| i.target),
        LINE_COLOUR.stroke_width(2),
    ))?;
    for change in &forecast.offset_changes {
        let shift = change.shift_seconds();
        let label = format!(
            "{}→{} {}{}",
            change.abbreviation_before,
            change.abbreviation_after,
            if shift > 0 { "+" } else { "−" },
            shift_text(shift)
        );
        clock_marker(&mut chart, axis.x(change.at), low, high, label)?;
    }
    draw_legend(&legend_area, &legend)?;
    root.present()?;
    Ok(())
}

/// Where the preset's targets come from, schedules by index, then the default.
fn sources(forecast: &PresetForecast) -> Vec<Option<(usize, &str)>> {
    let mut sources: Vec<Option<(usize, &str)>> = Vec::new();
    for interval in &forecast.intervals {
        let source = source_of(interval);
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    sources.sort();
    sources
}

fn preset_legend(
    forecast: &PresetForecast,
    sources: &[Option<(usize, &str)>],
) -> Vec<(LegendMark, String)> {
    let mut legend = Vec::new();
    for source in sources {
        let mut targets: Vec<i32> = forecast
            .intervals
            .iter()
            .filter(|interval| source_of(interval) == *source)
            .map(|interval| interval.scheduled_target)
            .collect();
        targets.sort_unstable();
        targets.dedup();
        let targets = targets
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let text = match source {
            Some((index, expression)) => format!("schedule {index} `{expression}`: {targets}"),
            None => format!("default (desired_instances): {targets}"),
        };
        legend.push((LegendMark::Area(colour_of(*source)), text));
    }
    if !forecast.active {
        legend.push((
            LegendMark::Line(DEFAULT_COLOUR),
            "scheduled target (the preset is inactive, so its target is 0)".to_owned(),
        ));
    }
    legend.push((LegendMark::Line(LINE_COLOUR), "target".to_owned()));
    if !forecast.offset_changes.is_empty() {
        legend.push((
            LegendMark::Line(CLOCK_COLOUR),
            "clock change (+: local time skipped, −: local time repeated)".to_owned(),
        ));
    }
    if let Some(error) = &forecast.schedule_error {
        legend.push((LegendMark::None, format!("schedule_error: {error}")));
    }
    legend
}

type Areas<'a> = (
    DrawingArea<SVGBackend<'a>, Shift>,
    DrawingArea<SVGBackend<'a>, Shift>,
    DrawingArea<SVGBackend<'a>, Shift>,
);

/// The document: white, the chart's area above, the legend's (as tall as it needs) below.
fn canvas<'a>(
    svg: &'a mut String,
    legend: &[(LegendMark, String)],
) -> Result<Areas<'a>, Box<dyn Error>> {
    let (_, legend_height) = legend_layout(legend);
    let root =
        SVGBackend::with_string(svg, (WIDTH, PLOT_HEIGHT + legend_height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend_area) = root.split_vertically(PLOT_HEIGHT);
    Ok((root, plot, legend_area))
}

fn draw_global(svg: &mut String, forecast: &GlobalForecast) -> Drawn {
    let legend = global_legend(forecast);
    let (root, plot, legend_area) = canvas(svg, &legend)?;
    let axis = TimeAxis::new(forecast.window, Tz::UTC);
    let (low, high) = y_range(forecast.total.iter().map(|i| i.instances));
    let title = format!(
        "{} instance-hours in {}, pool of {} to {}: {} presets",
        number(forecast.instance_hours()),
        days_text(forecast.window),
        forecast.min_instances(),
        forecast.max_instances(),
        forecast.presets.len()
    );
    let mut chart = chart(&plot, &title, &axis, low, high)?;

    // The first presets' targets stacked, each on those before it, and the others' together on
    // top (the pool's total less the first ones), between every instant any of them changes.
    let shown = &forecast.presets[..shown_presets(forecast)];
    let mut bounds: Vec<DateTime<Utc>> = shown
        .iter()
        .flat_map(|p| p.intervals.iter().map(|i| i.from))
        .chain(forecast.total.iter().map(|i| i.from))
        .chain(std::iter::once(forecast.window.to()))
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut cursors = vec![0usize; shown.len()];
    let mut total_cursor = 0;
    // Per layer, its blocks as (x0, x1, base, height); a block grows while neither changes.
    let mut stacked: Vec<Vec<(f64, f64, f64, f64)>> = vec![Vec::new(); shown.len() + 1];
    for span in bounds.windows(2) {
        let (x0, x1) = (axis.x(span[0]), axis.x(span[1]));
        while forecast.total[total_cursor].to <= span[0] {
            total_cursor += 1;
        }
        let total = forecast.total[total_cursor].instances as f64;
        let mut base = 0.0;
        for (layer, blocks) in stacked.iter_mut().enumerate() {
            let height = match shown.get(layer) {
                Some(preset) => {
                    while preset.intervals[cursors[layer]].to <= span[0] {
                        cursors[layer] += 1;
                    }
                    f64::from(preset.intervals[cursors[layer]].target.max(0))
                }
                None => total - base,
            };
            match blocks.last_mut() {
                Some(last) if last.1 == x0 && last.2 == base && last.3 == height => last.1 = x1,
                _ if height > 0.0 => blocks.push((x0, x1, base, height)),
                _ => {}
            }
            base += height;
        }
    }
    for (layer, blocks) in stacked.into_iter().enumerate() {
        let colour = layer_colour(layer, shown.len()).mix(0.55).filled();
        chart.draw_series(blocks.into_iter().map(|(x0, x1, base, height)| {
            Rectangle::new([(x0, base), (x1, base + height)], colour)
        }))?;
    }
    let total: Vec<(f64, f64)> = forecast
        .total
        .iter()
        .flat_map(|i| {
            let y = i.instances as f64;
            [(axis.x(i.from), y), (axis.x(i.to), y)]
        })
        .collect();
    chart.draw_series(LineSeries::new(total, LINE_COLOUR.stroke_width(2)))?;
    let mut marked = Vec::new();
    for preset in &forecast.presets {
        for change in &preset.offset_changes {
            let x = axis.x(change.at);
            let label = format!(
                "{}→{}",
                change.abbreviation_before, change.abbreviation_after
            );
            if !marked.contains(&(change.at, label.clone())) {
                marked.push((change.at, label.clone()));
                clock_marker(&mut chart, x, low, high, label)?;
            }
        }
    }
    draw_legend(&legend_area, &legend)?;
    root.present()?;
    Ok(())
}

fn global_legend(forecast: &GlobalForecast) -> Vec<(LegendMark, String)> {
    let shown = shown_presets(forecast);
    let mut legend: Vec<(LegendMark, String)> = forecast.presets[..shown]
        .iter()
        .enumerate()
        .map(|(layer, preset)| {
            (
                LegendMark::Area(layer_colour(layer, shown)),
                format!(
                    "preset {}: {} to {} ({} instance-hours)",
                    preset.preset_id,
                    preset.min_target(),
                    preset.max_target(),
                    number(preset.instance_hours())
                ),
            )
        })
        .collect();
    let others = &forecast.presets[shown..];
    if !others.is_empty() {
        let hours: f64 = others.iter().map(PresetForecast::instance_hours).sum();
        legend.push((
            LegendMark::Area(DEFAULT_COLOUR),
            format!(
                "{} other presets ({} instance-hours)",
                others.len(),
                number(hours)
            ),
        ));
    }
    legend.push((LegendMark::Line(LINE_COLOUR), "pool total".to_owned()));
    if forecast
        .presets
        .iter()
        .any(|p| !p.offset_changes.is_empty())
    {
        legend.push((
            LegendMark::Line(CLOCK_COLOUR),
            "a preset's clock change".to_owned(),
        ));
    }
    legend
}

/// How many presets the global chart shows one by one: all when they fit the palette, else one
/// fewer than it holds, the rest shown together.
fn shown_presets(forecast: &GlobalForecast) -> usize {
    if forecast.presets.len() <= PALETTE.len() {
        forecast.presets.len()
    } else {
        PALETTE.len() - 1
    }
}

/// A layer's colour: a preset's from the palette, the other presets' grey.
fn layer_colour(layer: usize, shown: usize) -> RGBColor {
    if layer < shown {
        PALETTE[layer]
    } else {
        DEFAULT_COLOUR
    }
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<HourAxis, RangedCoordf64>>;

/// The x axis as plotters sees it: hours since the window's start, with the mesh and labels at
/// the local-time ticks of a [`TimeAxis`] rather than at round numbers of hours.
struct HourAxis {
    linear: RangedCoordf64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for HourAxis {
    // Labels come from the chart's own formatter, so the default (Debug) one is never used.
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// The chart's frame: title, axes, the mesh at the time axis' ticks.
fn chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    axis: &TimeAxis,
    low: f64,
    high: f64,
) -> Result<Chart<'a, 'b>, Box<dyn Error>> {
    let x = HourAxis {
        linear: (0f64..axis.hours).into(),
        bold: axis.bold.iter().map(|(x, _)| *x).collect(),
        light: axis.light.clone(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(x, low..high)?;
    let label = |x: &f64| {
        axis.bold
            .iter()
            .find(|(at, _)| (at - x).abs() < 1e-9)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    let whole = |y: &f64| {
        if y.fract().abs() < 1e-9 {
            format!("{y:.0}")
        } else {
            String::new()
        }
    };
    let span = (high - low).round() as usize;
    chart
        .configure_mesh()
        .x_label_formatter(&label)
        .y_label_formatter(&whole)
        .y_labels(span.clamp(2, 11) + 1)
        .y_max_light_lines(0)
        .x_desc(match axis.timezone {
            Tz::UTC => "time, UTC".to_owned(),
            timezone => format!("local time, {}", timezone.name()),
        })
        .y_desc("instances")
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .bold_line_style(RGBColor(0xcc, 0xcc, 0xcc))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()?;
    Ok(chart)
}

/// A clock change: a vertical line across the chart and its label at the top.
fn clock_marker(chart: &mut Chart<'_, '_>, x: f64, low: f64, high: f64, label: String) -> Drawn {
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x, low), (x, high)],
        CLOCK_COLOUR.stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        label,
        (x, high),
        (FONT, 11).into_font().color(&CLOCK_COLOUR),
    )))?;
    Ok(())
}

/// How an entry of the legend is marked.
enum LegendMark {
    Area(RGBColor),
    Line(RGBColor),
    None,
}

/// Where each legend entry goes (left to right, wrapping), and the legend's height.
fn legend_layout(entries: &[(LegendMark, String)]) -> (Vec<(i32, i32)>, u32) {
    let (left, right) = (60i32, WIDTH as i32 - 12);
    let (mut x, mut y) = (left, 8i32);
    let mut places = Vec::with_capacity(entries.len());
    for (_, text) in entries {
        // The text's width as plotters estimates it for 12-pixel text, and the mark's.
        let width = 20 + (text.chars().count() as i32) * 7;
        if x + width > right && x > left {
            x = left;
            y += LEGEND_LINE;
        }
        places.push((x, y));
        x += width + 16;
    }
    (places, (y + LEGEND_LINE + 8) as u32)
}

/// The legend below the chart.
fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[(LegendMark, String)],
) -> Drawn {
    let style = (FONT, 12).into_font().color(&BLACK);
    let (places, _) = legend_layout(entries);
    for ((mark, text), &(x, y)) in entries.iter().zip(&places) {
        match mark {
            LegendMark::Area(colour) => {
                area.draw(&Rectangle::new(
                    [(x, y + 2), (x + 14, y + 12)],
                    colour.mix(0.55).filled(),
                ))?;
            }
            LegendMark::Line(colour) => {
                area.draw(&PathElement::new(
                    vec![(x, y + 7), (x + 14, y + 7)],
                    colour.stroke_width(2),
                ))?;
            }
            LegendMark::None => {}
        }
        area.draw(&Text::new(text.clone(), (x + 20, y), style.clone()))?;
    }
    Ok(())
}

/// Where a target came from: a schedule (index, expression), or the default (`None`).
fn source_of(interval: &ForecastInterval) -> Option<(usize, &str)> {
    interval
        .schedule
        .as_ref()
        .map(|schedule| (schedule.index, schedule.cron_expression.as_str()))
}

fn colour_of(source: Option<(usize, &str)>) -> RGBColor {
    match source {
        Some((index, _)) => PALETTE[index % PALETTE.len()],
        None => DEFAULT_COLOUR,
    }
}

/// The corners of a step function through the intervals.
fn step(
    intervals: &[ForecastInterval],
    axis: &TimeAxis,
    value: impl Fn(&ForecastInterval) -> i32,
) -> Vec<(f64, f64)> {
    intervals
        .iter()
        .flat_map(|interval| {
            let y = f64::from(value(interval));
            [(axis.x(interval.from), y), (axis.x(interval.to), y)]
        })
        .collect()
}

/// The y axis' range: 0 and every value, with room above the highest.
fn y_range(values: impl Iterator<Item = i64>) -> (f64, f64) {
    let (mut low, mut high) = (0i64, 1i64);
    for value in values {
        low = low.min(value);
        high = high.max(value);
    }
    let headroom = ((high - low) / 6).max(1);
    (low as f64, (high + headroom) as f64)
}

/// A number of hours as the title shows it: whole when it is, else to two places, with its
/// thousands grouped (`10,500`).
fn number(value: f64) -> String {
    let text = if (value - value.round()).abs() < 1e-6 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    };
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    let (sign, digits) = whole.split_at(usize::from(whole.starts_with('-')));
    let mut grouped = String::with_capacity(text.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}{fraction}")
}

/// The window's length in words: `7 days`, `1 day`, `36 hours`, `20 minutes`.
fn days_text(window: Window) -> String {
    let hours = window.hours();
    let (value, unit) = if hours >= 48.0 && (hours / 24.0).fract().abs() < 1e-9 {
        (hours / 24.0, "day")
    } else if hours == 24.0 {
        (1.0, "day")
    } else if hours >= 1.0 {
        (hours, "hour")
    } else {
        (hours * 60.0, "minute")
    };
    let plural = if (value - 1.0).abs() < 1e-9 { "" } else { "s" };
    format!("{} {unit}{plural}", number(value))
}

fn shift_text(seconds: i32) -> String {
    let seconds = seconds.unsigned_abs();
    match (seconds / 3600, seconds / 60 % 60) {
        (h, 0) => format!("{h}h"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// The time axis: hours since the window's start, with ticks at local-time hours.
struct TimeAxis {
    start: DateTime<Utc>,
    hours: f64,
    timezone: Tz,
    /// Labelled ticks: days, and hours on short windows.
    bold: Vec<(f64, String)>,
    /// Unlabelled ticks: hours, or days on long windows.
    light: Vec<f64>,
}

impl TimeAxis {
    fn new(window: Window, timezone: Tz) -> Self {
        let start = window.from();
        let days = window.hours() / 24.0;
        // Every local hour's start inside the window; a repeated hour starts twice, a skipped
        // one never.
        let first = start.with_timezone(&timezone).naive_local();
        let mut local = first
            .date()
            .and_hms_opt(first.hour(), 0, 0)
            .expect("an hour starts");
        let last = window.to().with_timezone(&timezone).naive_local();
        let mut hours_in_window: Vec<(DateTime<Utc>, NaiveDateTime)> = Vec::new();
        while local <= last {
            let instants = match timezone.from_local_datetime(&local) {
                LocalResult::Single(at) => vec![at],
                LocalResult::Ambiguous(a, b) => vec![a, b],
                LocalResult::None => vec![],
            };
            for at in instants {
                let at = at.with_timezone(&Utc);
                if at >= start && at < window.to() {
                    hours_in_window.push((at, local));
                }
            }
            local += Duration::hours(1);
        }
        let x = |at: DateTime<Utc>| hours(start, at);
        let day_label = |local: &NaiveDateTime| local.format("%a %m-%d").to_string();
        let (mut bold, mut light) = (Vec::new(), Vec::new());
        // How many days apart labelled days are on long windows.
        let every = (days / 14.0).ceil().max(1.0) as i64;
        for (at, local) in &hours_in_window {
            let hour = local.hour();
            let midnight = hour == 0;
            if days <= 2.0 {
                if hour % 3 == 0 {
                    let text = if midnight {
                        day_label(local)
                    } else {
                        local.format("%H:%M").to_string()
                    };
                    bold.push((x(*at), text));
                } else {
                    light.push(x(*at));
                }
            } else if days <= 8.0 {
                if midnight {
                    bold.push((x(*at), day_label(local)));
                } else if hour == 12 {
                    bold.push((x(*at), "12:00".to_owned()));
                } else if hour % 3 == 0 {
                    light.push(x(*at));
                }
            } else if midnight {
                let day = i64::from(local.date().num_days_from_ce());
                if day % every == 0 {
                    bold.push((x(*at), day_label(local)));
                } else {
                    light.push(x(*at));
                }
            } else if days <= 21.0 && hour == 12 {
                light.push(x(*at));
            }
        }
        TimeAxis {
            start,
            hours: window.hours(),
            timezone,
            bold,
            light,
        }
    }

    /// The x of an instant.
    fn x(&self, at: DateTime<Utc>) -> f64 {
        hours(self.start, at)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_whole_when_they_are_and_grouped_by_thousands() {
        for (value, text) in [
            (0.0, "0"),
            (242.0, "242"),
            (10_500.0, "10,500"),
            (1_234_567.5, "1,234,567.50"),
            (0.25, "0.25"),
            (-1500.0, "-1,500"),
        ] {
            assert_eq!(super::number(value), text);
        }
    }
}
