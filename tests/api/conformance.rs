//! Conformance: the seed's own answers, replayed through the router.
//!
//! `tests/vectors/presets.jsonl` holds preset snapshots (random, edge cases, and Coder's own
//! seed-era test cases) with the answer the compiled seed gave for each; the files are generated
//! by `tests/vectors/generate.py` (see `tests/vectors/README.md`). Every vector is posted in both
//! body forms (snake_case and Go's `json.Marshal` form) to `/reconcile`, `/actions` and `/state`,
//! and vectors sharing `now` and `backoff_interval` are combined into global snapshots.
//!
//! The [`go_time_tables`] module checks the library's Go time syntax against Go's own answers.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::Router;
use axum::http::StatusCode;
use prebuild_decider::config::Config;
use serde_json::{Value, json};

/// Where the generated data lives.
fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// One preset vector (a line of `presets.jsonl`).
struct Vector {
    name: String,
    category: String,
    now: String,
    backoff_interval: String,
    canonical: Value,
    /// The canonical body as text when it spells integers as `2.0` or `2e0`.
    canonical_text: Option<String>,
    go_native: Value,
    expected: Value,
    /// The two bodies as posted: canonical (`canonical_text` when given) and go-native.
    bodies: [(&'static str, String); 2],
}

impl Vector {
    /// The two bodies to post, named.
    fn bodies(&self) -> &[(&'static str, String); 2] {
        &self.bodies
    }

    fn preset_id(&self) -> &Value {
        &self.canonical["preset"]["id"]
    }

    fn query(&self) -> String {
        query(&self.now, &self.backoff_interval)
    }
}

fn vectors() -> &'static [Vector] {
    static VECTORS: OnceLock<Vec<Vector>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let path = vectors_dir().join("presets.jsonl");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                let mut v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("presets.jsonl line {}: {e}", i + 1));
                let take = |v: &mut Value, key: &str| v[key].take();
                let string = |v: Value| v.as_str().expect("a string").to_owned();
                let canonical = take(&mut v, "canonical");
                let canonical_text = take(&mut v, "canonical_text").as_str().map(str::to_owned);
                let go_native = take(&mut v, "go_native");
                let bodies = [
                    (
                        "canonical",
                        canonical_text
                            .clone()
                            .unwrap_or_else(|| canonical.to_string()),
                    ),
                    ("go_native", go_native.to_string()),
                ];
                Vector {
                    name: string(take(&mut v, "name")),
                    category: string(take(&mut v, "category")),
                    now: string(take(&mut v, "now")),
                    backoff_interval: string(take(&mut v, "backoff_interval")),
                    canonical,
                    canonical_text,
                    go_native,
                    expected: take(&mut v, "expected"),
                    bodies,
                }
            })
            .collect()
    })
}

fn query(now: &str, interval: &str) -> String {
    crate::helpers::decision_query(now, interval)
}

/// POSTs a JSON body; returns the status and the answer parsed as JSON (Null if it is not).
async fn post(app: &Router, uri: &str, body: String) -> (StatusCode, Value) {
    let answer = crate::helpers::send(app, crate::helpers::json_request(uri, body)).await;
    (answer.status, answer.json)
}

fn app() -> Router {
    prebuild_decider::app(Config::default())
}

/// Mismatches collected over a run, reported together at the end.
#[derive(Default)]
struct Failures {
    count: usize,
    report: String,
}

impl Failures {
    const SHOWN: usize = 8;

    fn add(&mut self, name: &str, what: &str, body: &str, expected: &Value, got: &Value) {
        self.count += 1;
        if self.count > Self::SHOWN {
            return;
        }
        const MAX_BODY: usize = 6000;
        let body = if body.len() > MAX_BODY {
            let mut end = MAX_BODY;
            while !body.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… ({} bytes)", &body[..end], body.len())
        } else {
            body.to_owned()
        };
        let _ = write!(
            self.report,
            "\n--- vector {name:?}: {what}\nbody: {body}\nexpected (seed): {expected}\ngot: {got}\n"
        );
    }

    #[track_caller]
    fn assert_none(self, checked: usize) {
        assert!(
            self.count == 0,
            "{} of {checked} checks disagree with the seed (first {} shown):{}",
            self.count,
            self.count.min(Self::SHOWN),
            self.report
        );
    }
}

/// Compares the named members of `got` with `expected` (both JSON objects); extra members of
/// `got` are allowed (answers may carry more fields).
fn members_match(expected: &Value, got: &Value, names: &[&str]) -> bool {
    names.iter().all(|n| got.get(*n) == expected.get(*n))
}

fn expected_decision(v: &Vector, preset_id: &Value) -> Value {
    let e = &v.expected;
    json!({
        "preset_id": preset_id,
        "state": e["state"],
        "actions": e["actions"],
        "noop": e["noop"],
        "evaluated_at": e["evaluated_at"],
        "backoff_interval": e["backoff_interval"],
    })
}

const DECISION_MEMBERS: [&str; 6] = [
    "preset_id",
    "state",
    "actions",
    "noop",
    "evaluated_at",
    "backoff_interval",
];

#[tokio::test]
async fn every_vector_reconciles_to_the_seeds_decision_in_both_body_forms() {
    let app = app();
    let mut failures = Failures::default();
    let mut checked = 0;
    for v in vectors() {
        let uri = format!("/v1/presets/reconcile?{}", v.query());
        let expected = expected_decision(v, v.preset_id());
        for (form, body) in v.bodies() {
            let (status, got) = post(&app, &uri, body.clone()).await;
            checked += 1;
            if status != StatusCode::OK || !members_match(&expected, &got, &DECISION_MEMBERS) {
                let what = format!("POST {uri} ({form} body) answered {status}");
                failures.add(&v.name, &what, body, &expected, &got);
            }
        }
    }
    failures.assert_none(checked);
}

#[tokio::test]
async fn every_vector_gets_the_seeds_action_from_the_actions_call_in_both_body_forms() {
    let app = app();
    let mut failures = Failures::default();
    let mut checked = 0;
    for v in vectors() {
        let uri = format!("/v1/presets/actions?{}", v.query());
        let e = &v.expected;
        let expected = json!({
            "actions": e["actions"],
            "noop": e["noop"],
            "evaluated_at": e["evaluated_at"],
            "backoff_interval": e["backoff_interval"],
        });
        for (form, body) in v.bodies() {
            let (status, got) = post(&app, &uri, body.clone()).await;
            checked += 1;
            let names = ["actions", "noop", "evaluated_at", "backoff_interval"];
            if status != StatusCode::OK || !members_match(&expected, &got, &names) {
                let what = format!("POST {uri} ({form} body) answered {status}");
                failures.add(&v.name, &what, body, &expected, &got);
            }
        }
    }
    failures.assert_none(checked);
}

#[tokio::test]
async fn every_vector_gets_the_seeds_state_from_the_state_call_in_both_body_forms() {
    let app = app();
    let mut failures = Failures::default();
    let mut checked = 0;
    for v in vectors() {
        let expected = &v.expected["state"];
        for (form, body) in v.bodies() {
            let (status, got) = post(&app, "/v1/presets/state", body.clone()).await;
            checked += 1;
            if status != StatusCode::OK || &got != expected {
                let what = format!("POST /v1/presets/state ({form} body) answered {status}");
                failures.add(&v.name, &what, body, expected, &got);
            }
        }
    }
    failures.assert_none(checked);
}

/// Vectors that share `now` and `backoff_interval`, to be decided together.
struct Group<'a> {
    now: &'a str,
    interval: &'a str,
    members: Vec<&'a Vector>,
    running_ids: HashSet<&'a str>,
}

/// Groups vectors by `now` and interval, at most `size` to a group, never putting two running
/// rows with the same ID in one group (Coder's test cases reuse IDs across cases).
fn groups(size: usize) -> Vec<Group<'static>> {
    let mut groups: Vec<Group<'static>> = Vec::new();
    for v in vectors() {
        let ids: Vec<&str> = v.canonical["running"]
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r["id"].as_str()).collect())
            .unwrap_or_default();
        let fits = |g: &Group| {
            g.now == v.now
                && g.interval == v.backoff_interval
                && g.members.len() < size
                && ids.iter().all(|id| !g.running_ids.contains(id))
        };
        let index = match groups.iter().position(fits) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    now: &v.now,
                    interval: &v.backoff_interval,
                    members: Vec::new(),
                    running_ids: HashSet::new(),
                });
                groups.len() - 1
            }
        };
        groups[index].members.push(v);
        groups[index].running_ids.extend(ids);
    }
    groups
}

/// A global snapshot made of a group's vectors: each preset gets a fresh ID and its rows point
/// at it; rows are interleaved across presets (keeping each preset's order), and stray rows that
/// belong to no preset are mixed in. Returns the body and the fresh preset IDs in order.
fn global_body(group_index: usize, group: &Group) -> (Value, Vec<String>) {
    let ids: Vec<String> = (0..group.members.len())
        .map(|j| format!("9e5e7000-{group_index:04x}-4000-8000-{j:012x}"))
        .collect();
    let rows_of = |v: &Vector, key: &str| -> Vec<Value> {
        v.canonical[key].as_array().cloned().unwrap_or_default()
    };
    let mut presets = Vec::new();
    let mut running: Vec<Vec<Value>> = Vec::new();
    let mut in_progress: Vec<Vec<Value>> = Vec::new();
    let mut backoffs = Vec::new();
    let mut decoys = Vec::new();
    for (v, id) in group.members.iter().zip(&ids) {
        let mut preset = v.canonical["preset"].clone();
        preset["id"] = json!(id);
        presets.push(preset);
        running.push(
            rows_of(v, "running")
                .into_iter()
                .map(|mut r| {
                    r["current_preset_id"] = json!(id);
                    r
                })
                .collect(),
        );
        in_progress.push(
            rows_of(v, "in_progress")
                .into_iter()
                .map(|mut r| {
                    r["preset_id"] = json!(id);
                    r
                })
                .collect(),
        );
        if let Some(b) = v.canonical.get("backoff").filter(|b| b.is_object()) {
            let mut b = b.clone();
            b["preset_id"] = json!(id);
            backoffs.push(b);
            // A later row for the same preset: only the first one counts.
            decoys.push(json!({
                "preset_id": id,
                "num_failed": 0,
                "last_build_at": "2025-06-02T12:00:00Z",
            }));
        }
    }
    let stray_id = |n: usize| format!("ffffffff-{group_index:04x}-4000-8000-{n:012x}");
    let unknown_preset = format!("eeeeeeee-{group_index:04x}-4000-8000-000000000000");
    let strays_running = vec![
        json!({"id": stray_id(1), "ready": true, "created_at": "2025-06-02T12:00:00Z", "current_preset_id": null}),
        json!({"id": stray_id(2), "ready": false, "created_at": "2020-01-01T00:00:00.5+02:00", "current_preset_id": unknown_preset}),
        json!({"id": stray_id(3), "ready": true, "created_at": "2030-01-01T00:00:00Z"}),
    ];
    let strays_in_progress = vec![
        json!({"transition": "start", "count": 7, "preset_id": null}),
        json!({"transition": "delete", "count": 3, "preset_id": unknown_preset}),
        json!({"transition": "stop", "count": 2}),
    ];
    let strays_backoff = vec![json!({
        "preset_id": unknown_preset,
        "num_failed": 3,
        "last_build_at": "2025-06-02T12:00:00Z",
    })];

    /// Round-robin over the lists, keeping each list's order, strays first, between and last.
    fn interleave(lists: Vec<Vec<Value>>, strays: Vec<Value>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut strays = strays.into_iter();
        out.extend(strays.next());
        let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
        let mut iters: Vec<_> = lists.into_iter().map(Vec::into_iter).collect();
        for round in 0..longest {
            for it in &mut iters {
                out.extend(it.next());
            }
            if round == longest / 2 {
                out.extend(strays.next());
            }
        }
        out.extend(strays);
        out
    }

    let mut all_backoffs = backoffs;
    all_backoffs.extend(strays_backoff);
    all_backoffs.extend(decoys);
    let body = json!({
        "presets": presets,
        "running": interleave(running, strays_running),
        "in_progress": interleave(in_progress, strays_in_progress),
        "backoffs": all_backoffs,
    });
    (body, ids)
}

#[tokio::test]
async fn global_snapshots_give_each_preset_the_decision_its_vector_gets_alone() {
    let app = app();
    let mut failures = Failures::default();
    let mut checked = 0;
    let groups = groups(32);
    assert!(
        groups.iter().any(|g| g.members.len() >= 10),
        "the vectors should share now and interval often enough to form large groups"
    );
    for (gi, group) in groups.iter().enumerate() {
        let (body, ids) = global_body(gi, group);
        let uri = format!("/v1/global/reconcile?{}", query(group.now, group.interval));
        let body_text = body.to_string();
        let (status, got) = post(&app, &uri, body_text.clone()).await;
        checked += 1;
        let decisions = got["decisions"].as_array();
        let first = &group.members[0].expected;
        if status != StatusCode::OK
            || decisions.map(Vec::len) != Some(group.members.len())
            || got["evaluated_at"] != first["evaluated_at"]
            || got["backoff_interval"] != first["backoff_interval"]
        {
            let names: Vec<&str> = group.members.iter().map(|v| v.name.as_str()).collect();
            let what = format!(
                "POST {uri} (global snapshot #{gi} of {} presets: {names:?}) answered {status}",
                group.members.len()
            );
            let expected = json!({
                "decisions": format!("{} decisions", group.members.len()),
                "evaluated_at": first["evaluated_at"],
                "backoff_interval": first["backoff_interval"],
            });
            failures.add(&group.members[0].name, &what, &body_text, &expected, &got);
            continue;
        }
        for ((v, id), decision) in group.members.iter().zip(&ids).zip(decisions.unwrap()) {
            checked += 1;
            let expected = expected_decision(v, &json!(id));
            if !members_match(&expected, decision, &DECISION_MEMBERS) {
                let what = format!(
                    "POST {uri}: decision for preset {id} in global snapshot #{gi} (the vector's \
                     preset, renamed)"
                );
                failures.add(&v.name, &what, &body_text, &expected, decision);
            }
        }
    }
    failures.assert_none(checked);
}

#[test]
fn the_vectors_cover_what_the_generator_promises() {
    let vectors = vectors();
    let count = |category: &str| vectors.iter().filter(|v| v.category == category).count();
    assert!(
        count("random") >= 1200,
        "random vectors: {}",
        count("random")
    );
    assert!(count("edge") >= 20, "edge vectors: {}", count("edge"));
    for case in [
        "coder: no prebuilds",
        "coder: net new",
        "coder: outdated prebuilds: the outdated preset",
        "coder: outdated prebuilds: the current preset",
        "coder: delete outdated prebuilds while another deletes",
        "coder: extraneous",
        "coder: deprecated",
        "coder: latest build failed: the failing preset, within the backoff",
        "coder: latest build failed: the failing preset, after the backoff (5s + 1µs later)",
        "coder: multiple presets per template version: preset 1, one starting",
        "coder: multiple presets per template version: preset 2, not blocked by preset 1",
    ] {
        assert!(
            vectors.iter().any(|v| v.name == case),
            "missing Coder case {case:?}"
        );
    }
    let in_progress_cases = vectors
        .iter()
        .filter(|v| v.name.starts_with("coder: in progress "))
        .count();
    assert_eq!(in_progress_cases, 11, "Coder's eleven in-progress cases");

    let names: HashSet<&str> = vectors.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names.len(), vectors.len(), "vector names are unique");

    let action = |t: &str, noop: bool| {
        vectors
            .iter()
            .filter(|v| v.expected["actions"]["action_type"] == t && v.expected["noop"] == noop)
            .count()
    };
    for (t, noop) in [
        ("create", false),
        ("create", true),
        ("delete", false),
        ("delete", true),
        ("backoff", false),
        ("backoff", true),
    ] {
        assert!(
            action(t, noop) > 0,
            "no vector expects {t} with noop={noop}"
        );
    }
    assert!(
        vectors.iter().any(|v| v.canonical_text.is_some()),
        "some canonical bodies spell integers as 2.0 or 2e0"
    );
    assert!(
        vectors.iter().any(
            |v| v.go_native["Preset"]["desired_instances"]["Valid"] == false
                && v.go_native["Preset"]["desired_instances"]["Int32"] != 0
        ),
        "some go-native bodies carry {{\"Valid\": false}} with a nonzero Int32"
    );
    assert!(
        vectors
            .iter()
            .filter_map(|v| v.canonical["running"].as_array())
            .any(|rows| rows.len() >= 100),
        "some vectors have a few hundred running prebuilds"
    );
}

/// The library's Go time syntax against Go's own answers (`tests/vectors/go_*.json`, written by
/// the Go helper `tests/vectors/gotime`).
mod go_time_tables {
    use prebuild_decider::domain::{GoDuration, Timestamp};
    use serde_json::Value;

    fn table(file: &str) -> Value {
        let path = super::vectors_dir().join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).expect("a JSON table")
    }

    #[test]
    fn durations_parse_exactly_as_gos_parse_duration() {
        let table = table("go_durations.json");
        let rows = table["parse"].as_array().expect("parse rows");
        assert!(rows.len() >= 300, "a few hundred duration strings");
        let mut wrong = Vec::new();
        for row in rows {
            let input = row["input"].as_str().expect("input");
            let ours = GoDuration::parse(input);
            let agrees = match (&ours, row["ok"].as_bool().expect("ok")) {
                (Ok(d), true) => {
                    Some(d.as_nanos()) == row["nanos"].as_i64()
                        && Some(d.to_string().as_str()) == row["string"].as_str()
                }
                (Err(_), false) => true,
                _ => false,
            };
            if !agrees {
                wrong.push(format!(
                    "{input:?}: Go {} / ours {ours:?} (displayed {:?})",
                    row,
                    ours.as_ref().map(ToString::to_string)
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {} duration strings disagree with Go:\n{}",
            wrong.len(),
            rows.len(),
            wrong.join("\n")
        );
    }

    #[test]
    fn durations_print_exactly_as_gos_duration_string() {
        let table = table("go_durations.json");
        let rows = table["string"].as_array().expect("string rows");
        let mut wrong = Vec::new();
        for row in rows {
            let nanos = row["nanos"].as_i64().expect("nanos");
            let ours = GoDuration::from_nanos(nanos).to_string();
            if Some(ours.as_str()) != row["string"].as_str() {
                wrong.push(format!("{nanos}: Go {} / ours {ours:?}", row["string"]));
            }
        }
        assert!(
            wrong.is_empty(),
            "Duration.String() differs:\n{}",
            wrong.join("\n")
        );
    }

    /// Strict RFC 3339 (section 5.6) with Go's limits: four-digit year 0000-9999, uppercase `T`
    /// and `Z`, seconds 00-59 (no leap second), a fraction of one or more digits, `Z` or
    /// `±hh:mm` with hh 00-23 and mm 00-59, and a real calendar date.
    fn is_strict_rfc3339(s: &str) -> bool {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')))
        };
        let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if b.len() < 20 || seps.iter().any(|&(i, c)| b[i] != c) {
            return false;
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        ) else {
            return false;
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        if day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
            return false;
        }
        let mut rest = &b[19..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return false;
            }
            rest = &rest[1 + n..];
        }
        match rest {
            [b'Z'] => true,
            [b'+' | b'-', h1, h2, b':', m1, m2] => {
                let two = |a: &u8, b: &u8| {
                    (a.is_ascii_digit() && b.is_ascii_digit())
                        .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
                };
                matches!((two(h1, h2), two(m1, m2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
            }
            _ => false,
        }
    }

    /// The strings of the table that Go's `time.Time.UnmarshalJSON` accepts and we refuse: all
    /// outside strict RFC 3339. Go falls back to `time.Parse(time.RFC3339, …)` when its strict
    /// parser fails, and that parser takes a one-digit hour, a comma before the fraction, an
    /// offset minute of 60 (read as the next hour) and an offset hour of 24 (which Go then
    /// cannot marshal). We refuse them deliberately: a control plane writes RFC 3339.
    const DELIBERATELY_REFUSED: &[&str] = &[
        "2025-06-02T1:00:00Z",                 // one-digit hour
        "2025-06-02T9:30:00.5+02:00",          // one-digit hour
        "2025-06-02T12:00:00+24:00",           // offset hour 24 (Go cannot marshal it back)
        "2025-06-02T12:00:00-24:00",           // offset hour 24 (Go cannot marshal it back)
        "2025-06-02T12:00:00+01:60",           // offset minute 60 (Go reads +02:00)
        "2025-06-02T12:00:00,5Z",              // comma before the fraction
        "2025-06-02T12:00:00,123456789+05:30", // comma before the fraction
        "2025-06-02T1:00:00,5+02:00",          // one-digit hour and a comma
    ];

    #[test]
    fn every_timestamp_we_accept_go_reads_as_the_same_instant_offset_and_text() {
        let table = table("go_timestamps.json");
        let rows = table["timestamps"].as_array().expect("timestamp rows");
        assert!(rows.len() >= 300, "a few hundred timestamp strings");
        let mut wrong = Vec::new();
        let mut accepted = 0;
        for row in rows {
            let input = row["input"].as_str().expect("input");
            let Ok(ts) = Timestamp::parse_rfc3339(input) else {
                continue;
            };
            accepted += 1;
            let dt = ts.as_datetime();
            let same = row["ok"] == true
                && row["unix_seconds"].as_i64() == Some(dt.timestamp())
                && row["nanos"].as_u64() == Some(u64::from(dt.timestamp_subsec_nanos()))
                && row["offset_seconds"].as_i64() == Some(i64::from(dt.offset().local_minus_utc()))
                && row["marshal"].as_str() == Some(ts.to_string().as_str());
            if !same || !is_strict_rfc3339(input) {
                wrong.push(format!(
                    "{input:?}: ours {} = {dt:?} (strict RFC 3339: {}); Go {row}",
                    ts,
                    is_strict_rfc3339(input)
                ));
            }
        }
        assert!(
            accepted >= 150,
            "the table has valid timestamps ({accepted})"
        );
        assert!(
            wrong.is_empty(),
            "timestamps we accept but read differently from Go:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn timestamps_go_accepts_and_we_refuse_are_all_outside_strict_rfc3339() {
        let table = table("go_timestamps.json");
        let rows = table["timestamps"].as_array().expect("timestamp rows");
        let mut refused = Vec::new();
        let mut wrong = Vec::new();
        for row in rows {
            let input = row["input"].as_str().expect("input");
            let ours = Timestamp::parse_rfc3339(input);
            if is_strict_rfc3339(input) && ours.is_err() {
                wrong.push(format!(
                    "{input:?} is strict RFC 3339 but we refuse it: {ours:?}"
                ));
            }
            if row["ok"] == true && ours.is_err() {
                if is_strict_rfc3339(input) {
                    wrong.push(format!("{input:?}: Go accepts it, we refuse it: {ours:?}"));
                }
                refused.push(input);
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(
            refused, DELIBERATELY_REFUSED,
            "the strings Go accepts and we refuse (deliberately) changed"
        );
    }
}
