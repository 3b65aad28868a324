//! Criterion benchmarks of the decision, so per-row cost and its growth are visible.
//!
//! Groups (each size is a benchmark id; throughput is in running-prebuild rows, an empty preset
//! counting as one row):
//!
//! - `domain_decide/{active,inactive}`: `PresetSnapshot::decide` alone, the snapshot built once.
//!   The active preset asks for half its running prebuilds, so the other half is deleted
//!   oldest first (the sort); the inactive one deletes all of them.
//! - `reconcile/{active,inactive}`: body bytes to answer bytes, as the main call does them:
//!   `codec::pipeline::reconcile` then `serde_json::to_vec`.
//! - `global_reconcile`: `codec::pipeline::reconcile_global` then `serde_json::to_vec`, for presets
//!   of 10 running prebuilds each.
//!
//! - `forecast/{domain,json,svg}`: a 7-day forecast of one preset (the v2 example: two weekday
//!   schedules in Los Angeles), across the spring clock change: `PresetSnapshotV2::forecast`
//!   alone, the snapshot built once; body bytes to JSON answer bytes
//!   (`codec::v2::forecast::preset`, the answer, `serde_json::to_vec`); and body bytes to the SVG
//!   chart. `forecast/json_92d` is the longest window.
//!
//! Sizes: 0 to 100,000 running prebuilds; 1 to 10,000 presets. Bodies are generated here,
//! deterministically, with every column Coder writes (names, template and version IDs,
//! timestamps with microsecond fractions) and rows in no particular order.
//!
//! `cargo bench --bench decide` runs them all (a few minutes); `cargo bench --bench decide --
//! reconcile/active` runs one group. `python3 benches/growth.py` then prints ns per row by size.

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use prebuild_decider::codec::pipeline::{self as decide, DecisionInputs};
use prebuild_decider::codec::v2::{chart, forecast};
use prebuild_decider::domain::v2::{
    PrebuildStatus, PresetRowsV2, PresetSnapshotV2, PresetV2, Schedule, Window,
};
use prebuild_decider::domain::{
    Backoff, GoDuration, InProgressCount, NoTrace, Preset, PresetSnapshot, RunningPrebuild,
    Timestamp, Transition,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// Running prebuilds per preset snapshot.
const SIZES: [usize; 6] = [0, 10, 100, 1_000, 10_000, 100_000];
/// Presets per global snapshot, each with [`RUNNING_PER_PRESET`] running prebuilds.
const GLOBAL_PRESETS: [usize; 4] = [1, 100, 1_000, 10_000];
const RUNNING_PER_PRESET: usize = 10;

/// 2025-06-01T00:00:00Z; generated times fall in the two days after it.
const BASE_UNIX: i64 = 1_748_736_000;
/// The decision instant: after every generated time, so backoff rows have expired.
const NOW: &str = "2025-06-03T12:00:00Z";

/// splitmix64: a fixed stream, so every run benchmarks the same bodies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A version-4 UUID.
    fn uuid(&mut self) -> Uuid {
        let bits = (u128::from(self.next()) << 64) | u128::from(self.next());
        uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
    }

    /// A time in the two days after [`BASE_UNIX`], microsecond precision, written as Go's
    /// RFC3339Nano writes it (trailing zeros of the fraction trimmed).
    fn timestamp(&mut self) -> String {
        let seconds = BASE_UNIX + self.below(2 * 86_400) as i64;
        let micros = self.below(1_000_000) as u32;
        let time = chrono::DateTime::from_timestamp(seconds, micros * 1_000)
            .expect("a 2025 time is in range");
        let mut text = time.format("%Y-%m-%dT%H:%M:%S").to_string();
        let fraction = format!("{micros:06}");
        let fraction = fraction.trim_end_matches('0');
        if !fraction.is_empty() {
            text.push('.');
            text.push_str(fraction);
        }
        text.push('Z');
        text
    }

    /// A prebuilt workspace name as Coder generates them.
    fn name(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut name = String::from("prebuild-");
        for _ in 0..7 {
            name.push(char::from(
                ALPHABET[self.below(ALPHABET.len() as u64) as usize],
            ));
        }
        name
    }
}

/// A preset row and the columns its other rows repeat.
struct PresetRow {
    id: Uuid,
    template_id: Uuid,
    template_version_id: Uuid,
    json: Value,
    domain: Preset,
}

fn preset_row(rng: &mut Rng, index: usize, desired: i32, active: bool) -> PresetRow {
    let (template_id, template_version_id, id) = (rng.uuid(), rng.uuid(), rng.uuid());
    let json = json!({
        "template_id": template_id,
        "template_name": "docker",
        "organization_name": "coder",
        "template_version_id": template_version_id,
        "template_version_name": format!("v{}", 42 + index % 7),
        "using_active_version": active,
        "id": id,
        "name": format!("preset-{index}"),
        "desired_instances": desired,
        "deleted": false,
        "deprecated": false,
    });
    PresetRow {
        id,
        template_id,
        template_version_id,
        json,
        domain: Preset {
            id,
            using_active_version: active,
            deleted: false,
            deprecated: false,
            desired_instances: desired,
        },
    }
}

fn running_row(rng: &mut Rng, preset: &PresetRow) -> (Value, RunningPrebuild) {
    let id = rng.uuid();
    let name = rng.name();
    let ready = rng.below(10) != 0;
    let created_at = rng.timestamp();
    let domain = RunningPrebuild {
        id,
        ready,
        created_at: Timestamp::parse_rfc3339(&created_at).expect("generated timestamps parse"),
        current_preset_id: Some(preset.id),
    };
    let json = json!({
        "id": id,
        "name": name,
        "template_id": preset.template_id,
        "template_version_id": preset.template_version_id,
        "current_preset_id": preset.id,
        "ready": ready,
        "created_at": created_at,
    });
    (json, domain)
}

fn in_progress_row(preset: &PresetRow) -> (Value, InProgressCount) {
    let json = json!({
        "template_id": preset.template_id,
        "template_version_id": preset.template_version_id,
        "transition": "start",
        "count": 1,
        "preset_id": preset.id,
    });
    let domain = InProgressCount {
        transition: Transition::Start,
        count: 1,
        preset_id: Some(preset.id),
    };
    (json, domain)
}

fn backoff_row(rng: &mut Rng, preset: &PresetRow, num_failed: i32) -> (Value, Backoff) {
    let last_build_at = rng.timestamp();
    let json = json!({
        "template_version_id": preset.template_version_id,
        "preset_id": preset.id,
        "num_failed": num_failed,
        "last_build_at": last_build_at,
    });
    let domain = Backoff {
        num_failed,
        last_build_at: Timestamp::parse_rfc3339(&last_build_at)
            .expect("generated timestamps parse"),
        preset_id: Some(preset.id),
    };
    (json, domain)
}

/// One preset with `running` prebuilds in random order of age, a start in flight and an
/// expired backoff row: the body as bytes, and the same rows as a domain snapshot.
fn preset_snapshot(running: usize, active: bool) -> (Vec<u8>, PresetSnapshot) {
    let mut rng = Rng(0x5EED ^ running as u64);
    let desired = i32::try_from(running / 2).expect("sizes fit in i32");
    let preset = preset_row(&mut rng, 0, desired, active);
    let (running_json, running_rows): (Vec<Value>, Vec<RunningPrebuild>) =
        (0..running).map(|_| running_row(&mut rng, &preset)).unzip();
    let (progress_json, progress_row) = in_progress_row(&preset);
    let (backoff_json, backoff) = backoff_row(&mut rng, &preset, 1);
    let body = json!({
        "preset": preset.json,
        "running": running_json,
        "in_progress": [progress_json],
        "backoff": backoff_json,
    });
    let snapshot = PresetSnapshot::new(
        preset.domain,
        running_rows,
        vec![progress_row],
        Some(backoff),
    )
    .expect("generated snapshots are valid");
    (
        serde_json::to_vec(&body).expect("a Value serializes"),
        snapshot,
    )
}

/// `presets` presets of [`RUNNING_PER_PRESET`] running each, the running list shuffled across
/// presets; desired 8 to 12 (deletes, creates and no-ops), a start in flight for every other
/// preset, a backoff row for every tenth.
fn global_body(presets: usize) -> Vec<u8> {
    let mut rng = Rng(0x610B_A100 ^ presets as u64);
    let rows: Vec<PresetRow> = (0..presets)
        .map(|index| {
            let desired = 8 + rng.below(5) as i32;
            preset_row(&mut rng, index, desired, true)
        })
        .collect();
    let mut running: Vec<Value> = rows
        .iter()
        .flat_map(|preset| (0..RUNNING_PER_PRESET).map(move |_| preset))
        .map(|preset| running_row(&mut rng, preset).0)
        .collect();
    for i in (1..running.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        running.swap(i, j);
    }
    let in_progress: Vec<Value> = rows
        .iter()
        .step_by(2)
        .map(|p| in_progress_row(p).0)
        .collect();
    let backoffs: Vec<Value> = rows
        .iter()
        .step_by(10)
        .map(|p| {
            let num_failed = 1 + rng.below(3) as i32;
            backoff_row(&mut rng, p, num_failed).0
        })
        .collect();
    let presets: Vec<&Value> = rows.iter().map(|p| &p.json).collect();
    let body = json!({
        "presets": presets,
        "running": running,
        "in_progress": in_progress,
        "backoffs": backoffs,
    });
    serde_json::to_vec(&body).expect("a Value serializes")
}

fn inputs() -> DecisionInputs {
    DecisionInputs {
        now: Timestamp::parse_rfc3339(NOW).expect("NOW parses"),
        backoff_interval: GoDuration::MINUTE,
    }
}

/// Per-size settings: rows as throughput; flat sampling (the same iteration count per sample)
/// for the large cases, whose single iterations take milliseconds.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, rows: usize) {
    group.throughput(Throughput::Elements(rows.max(1) as u64));
    if rows >= 10_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.measurement_time(Duration::from_secs(5));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.measurement_time(Duration::from_secs(3));
    }
}

fn new_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group
}

fn bench_domain(c: &mut Criterion) {
    let DecisionInputs {
        now,
        backoff_interval,
    } = inputs();
    for (name, active) in [
        ("domain_decide/active", true),
        ("domain_decide/inactive", false),
    ] {
        let mut group = new_group(c, name);
        for running in SIZES {
            // Built on first use, so a filtered run does not generate what it skips.
            let snapshot = OnceCell::new();
            configure(&mut group, running);
            group.bench_function(BenchmarkId::from_parameter(running), |b| {
                let snapshot = snapshot.get_or_init(|| preset_snapshot(running, active).1);
                b.iter(|| {
                    black_box(snapshot)
                        .decide(black_box(now), black_box(backoff_interval), &mut NoTrace)
                        .expect("generated snapshots decide")
                });
            });
        }
        group.finish();
    }
}

fn bench_reconcile(c: &mut Criterion) {
    let inputs = inputs();
    for (name, active) in [("reconcile/active", true), ("reconcile/inactive", false)] {
        let mut group = new_group(c, name);
        for running in SIZES {
            let body = OnceCell::new();
            configure(&mut group, running);
            group.bench_function(BenchmarkId::from_parameter(running), |b| {
                let body = body.get_or_init(|| preset_snapshot(running, active).0);
                b.iter(|| {
                    let decision = decide::reconcile(black_box(body), black_box(inputs), false)
                        .expect("generated bodies are valid");
                    serde_json::to_vec(&decision).expect("a decision serializes")
                });
            });
        }
        group.finish();
    }
}

fn bench_global(c: &mut Criterion) {
    let inputs = inputs();
    let mut group = new_group(c, "global_reconcile");
    for presets in GLOBAL_PRESETS {
        let body = OnceCell::new();
        configure(&mut group, presets * RUNNING_PER_PRESET);
        group.bench_function(BenchmarkId::from_parameter(presets), |b| {
            let body = body.get_or_init(|| global_body(presets));
            b.iter(|| {
                let decision = decide::reconcile_global(black_box(body), black_box(inputs), false)
                    .expect("generated bodies are valid");
                serde_json::to_vec(&decision).expect("a decision serializes")
            });
        });
    }
    group.finish();
}

/// The v2 example's preset (two weekday schedules in Los Angeles, two running prebuilds), as
/// body bytes and as a snapshot built from the same rows.
fn forecast_inputs() -> (Vec<u8>, PresetSnapshotV2) {
    let body = include_bytes!("../examples/v2-preset-snapshot.json").to_vec();
    let at = |s: &str| Timestamp::parse_rfc3339(s).expect("RFC 3339");
    let running = |id: &str, created_at: &str| RunningPrebuild {
        id: id.parse().expect("a UUID"),
        ready: true,
        created_at: at(created_at),
        current_preset_id: None,
    };
    let schedule = |cron: &str, n: i32| Schedule {
        cron_expression: cron.to_owned(),
        desired_instances: n,
        preset_id: None,
    };
    let rows = PresetRowsV2 {
        preset: PresetV2 {
            preset: Preset {
                id: "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"
                    .parse()
                    .expect("a UUID"),
                using_active_version: true,
                deleted: false,
                deprecated: false,
                desired_instances: 1,
            },
            ttl: Some(86_400),
            last_invalidated_at: Some(at("2025-06-01T00:00:00Z")),
            scheduling_timezone: Some("America/Los_Angeles".to_owned()),
            prebuild_status: PrebuildStatus::Healthy,
        },
        running: vec![
            running(
                "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a",
                "2025-05-31T20:00:00Z",
            ),
            running(
                "9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a",
                "2025-06-02T15:30:00Z",
            ),
        ],
        in_progress: Vec::new(),
        backoff: None,
        schedules: vec![
            schedule("* 9-13 * * 1-5", 3),
            schedule("* 14-18 * * 1-5", 2),
        ],
        pending_count: 0,
        is_hard_limited: false,
    };
    (
        body,
        PresetSnapshotV2::new(rows).expect("the example's rows are valid"),
    )
}

/// The week of 3 March 2025 in Los Angeles (the spring change on the 9th), or `days` from it.
fn forecast_window(days: i64) -> Window {
    let from = Timestamp::parse_rfc3339("2025-03-03T08:00:00Z").expect("RFC 3339");
    let to = Timestamp::from_utc(from.as_datetime().to_utc() + chrono::TimeDelta::days(days));
    Window::new(from, to).expect("a window of at most 92 days")
}

fn bench_forecast(c: &mut Criterion) {
    let (body, snapshot) = forecast_inputs();
    let (week, quarter) = (forecast_window(7), forecast_window(92));
    let mut group = new_group(c, "forecast");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("domain", |b| {
        b.iter(|| black_box(&snapshot).forecast(black_box(week)))
    });
    for (name, window) in [("json", week), ("json_92d", quarter)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let forecast = forecast::preset(black_box(&body), black_box(window))
                    .expect("the example is valid");
                serde_json::to_vec(&forecast::PresetForecast::from(&forecast))
                    .expect("a forecast serializes")
            })
        });
    }
    group.bench_function("svg", |b| {
        b.iter(|| {
            let forecast =
                forecast::preset(black_box(&body), black_box(week)).expect("the example is valid");
            chart::preset_svg(&forecast)
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_domain,
    bench_reconcile,
    bench_global,
    bench_forecast
);
criterion_main!(benches);
