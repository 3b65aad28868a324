//! Arbitrary bytes through the server's own parsing, validation and decision path
//! (`codec::pipeline::{state, actions, reconcile, reconcile_global}`), with the seed's rules as the
//! oracle for every body that is accepted.
//!
//! Input layout: `[selector, choice, body...]`.
//! - `selector % 4`: 0 `state`, 1 `actions`, 2 `reconcile` (each also cross-checked against the
//!   other preset calls), 3 `reconcile_global`; with bit 2 set (`selector & 4`), the decision is
//!   also asked for with `explain`, which must add an explanation and change nothing else.
//! - `choice`: low nibble picks `now` from [`NOWS`], high nibble the interval from [`INTERVALS`].
//! - the rest is the request body.
//!
//! Asserted: no panic; an `Ok` answer serializes to JSON that re-parses, has exactly one action
//! shape, deletes only running IDs of the input (the oldest, in order), creates what the seed
//! creates, backs off exactly when and until the seed does, and says `noop` when the seed's
//! `IsNoop` would; an `Err` is a 4xx problem (never 5xx), a 422 has pointers that land in the
//! body, and a 400 "malformed JSON" is only for a body that is not JSON.
//!
//! Run: `cargo +nightly fuzz run decide` from the repository root (see `fuzz/README.md`).

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use prebuild_decider::codec::pipeline::{self as decide, DecisionInputs};
use prebuild_decider::codec::problem::Problem;
use prebuild_decider::domain::{GoDuration, Timestamp};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

#[path = "../../tests/properties/json_tree.rs"]
mod json_tree;

/// Instants to decide at: ordinary ones near the examples' backoffs, offsets, nanoseconds, and
/// the edges of what RFC 3339 and Go's `time.Time` can write.
const NOWS: [&str; 16] = [
    "2025-06-02T12:00:00Z",
    "2025-06-02T12:01:00Z",
    "2025-06-02T11:59:00.5Z",
    "2025-06-02T14:00:00+02:00",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "1970-01-01T00:00:00Z",
    "2024-02-29T23:59:59.999999999-23:59",
    "2025-06-02T12:00:00.000000001+23:59",
    "2030-01-01T00:00:00Z",
    "2000-01-01T00:00:00Z",
    "2025-06-01T00:00:00Z",
    "2025-06-02T12:02:00Z",
    "2262-04-11T23:47:16.854775807Z",
    "1677-09-21T00:12:43.145224192Z",
];

/// Backoff intervals in nanoseconds, from 0 to Go's largest `time.Duration`.
const INTERVALS: [i64; 16] = [
    60_000_000_000,
    0,
    1,
    1_000,
    1_000_000,
    250_000_000,
    1_000_000_000,
    30_000_000_000,
    90_000_000_000,
    3_600_000_000_000,
    86_400_000_000_000,
    4_294_967_297,
    31_536_000_000_000_000,
    3_155_760_000_000_000_000,
    i64::MAX / 2,
    i64::MAX,
];

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in nanoseconds since the Unix epoch.
const GO_ZERO_TIME_NANOS: i128 = -62_135_596_800 * 1_000_000_000;

fuzz_target!(|data: &[u8]| {
    let (selector, choice, body) = match data {
        [selector, choice, body @ ..] => (*selector, *choice, body),
        [selector] => (*selector, 0, &[][..]),
        [] => (0, 0, &[][..]),
    };
    let inputs = DecisionInputs {
        now: Timestamp::parse_rfc3339(NOWS[usize::from(choice & 15)]).expect("a valid now"),
        backoff_interval: GoDuration::from_nanos(INTERVALS[usize::from(choice >> 4)]),
    };
    let explain = selector & 4 != 0;
    // sonic-rs takes nothing serde_json refuses and reads what it reads, preset or global.
    if let Err(why) = prebuild_decider::codec::sonic_agrees_with_serde_json(body) {
        panic!("sonic-rs and serde_json disagree: {why}");
    }
    match selector % 4 {
        3 => check_global(body, inputs, explain),
        primary => check_preset(body, inputs, primary, explain),
    }
    if selector & 8 != 0 {
        check_v2(body, inputs, selector % 4 == 3, explain);
    }
});

/// The v2 call on the same body: it reads v1's rows first, so it takes nothing v1 refuses;
/// every refusal is a well-formed 4xx problem, every answer a well-formed v2 decision.
fn check_v2(body: &[u8], inputs: DecisionInputs, global: bool, explain: bool) {
    use prebuild_decider::codec::v2::pipeline as v2;
    let (v2_answer, v1_took) = if global {
        let answer = v2::reconcile_global(body, inputs, explain).map(|a| reparse(&a));
        (answer, decide::reconcile_global(body, inputs, false).is_ok())
    } else {
        let answer = v2::reconcile(body, inputs, explain).map(|a| reparse(&a));
        (answer, decide::state(body).is_ok())
    };
    match v2_answer {
        Err(problem) => check_problem(&problem, body),
        Ok(answer) => {
            assert!(v1_took, "v2 took a body whose v1 rows v1 refuses");
            check_accepted_is_json(body);
            let decisions = if global {
                answer["decisions"]
                    .as_array()
                    .cloned()
                    .expect("a v2 global answer lists decisions")
            } else {
                vec![answer]
            };
            for decision in decisions {
                let id = decision["decision_id"].as_str().expect("a decision id");
                assert_eq!(
                    uuid::Uuid::parse_str(id).map(|id| id.get_version_num()),
                    Ok(7)
                );
                let actions = decision["actions"].as_array().expect("a list of actions");
                assert_eq!(
                    decision["noop"],
                    actions.is_empty(),
                    "noop is an empty list"
                );
                for action in actions {
                    let kind = action["action_type"].as_str().expect("an action type");
                    assert!(
                        ["create", "delete", "backoff", "cancel_pending"].contains(&kind),
                        "action type {kind}"
                    );
                    // A backoff comes alone.
                    assert!(
                        kind != "backoff" || actions.len() == 1,
                        "backoff with others"
                    );
                }
                assert_eq!(
                    decision["explanation"].is_array(),
                    explain,
                    "explanation when asked"
                );
            }
        }
    }
}

/// The preset calls on one body: each answer checked, and the calls checked against each other.
fn check_preset(body: &[u8], inputs: DecisionInputs, primary: u8, explain: bool) {
    // The hand-written fast reader gives up or reads exactly what the serde path reads.
    if let Err(why) = prebuild_decider::codec::fast_read_agrees_with_serde(body) {
        panic!("the fast reader and the serde path disagree: {why}");
    }

    let state = decide::state(body);
    let reconcile = decide::reconcile(body, inputs, false);
    match (&state, &reconcile) {
        (Err(p), Err(q)) => {
            check_problem(p, body);
            check_problem(q, body);
            assert_eq!(p, q, "state and reconcile refuse one body differently");
        }
        (Err(p), Ok(_)) => panic!("state refused ({}) what reconcile took", p.detail),
        (Ok(_), Err(q)) => {
            // Only the backoff window depends on the interval.
            check_problem(q, body);
            let pointer = q.errors.first().and_then(|e| e.pointer());
            assert!(
                q.status == 422 && pointer.is_some_and(|p| p.ends_with("/num_failed")),
                "reconcile refused for other than the backoff window: {}",
                q.detail
            );
        }
        (Ok(state), Ok(decision)) => {
            check_accepted_is_json(body);
            let view: SnapshotView =
                serde_json::from_slice(body).expect("an accepted body reads as a snapshot view");
            let decision = reparse(decision);
            assert_eq!(
                reparse(state),
                decision["state"],
                "state differs from reconcile"
            );
            let rows = view.rows();
            check_decision(&decision, &rows, inputs);
        }
    }
    if explain {
        let explained = decide::reconcile(body, inputs, true);
        same_but_explained(&explained, &reconcile);
        if primary == 1 {
            let explained = decide::actions(body, inputs, true);
            same_but_explained(&explained, &decide::actions(body, inputs, false));
        }
    }
    if primary == 1 {
        let actions = decide::actions(body, inputs, false);
        match (&actions, &reconcile) {
            (Err(p), Err(q)) => assert_eq!(p, q, "actions and reconcile refuse differently"),
            (Ok(actions), Ok(decision)) => {
                let (actions, decision) = (
                    without_ids(&reparse(actions)),
                    without_ids(&reparse(decision)),
                );
                for key in ["actions", "noop", "evaluated_at", "backoff_interval"] {
                    assert_eq!(
                        actions[key], decision[key],
                        "actions and reconcile differ: {key}"
                    );
                }
                assert_eq!(actions.as_object().map(|o| o.len()), Some(4));
            }
            _ => panic!("actions and reconcile disagree on accepting the body"),
        }
    }
}

fn check_global(body: &[u8], inputs: DecisionInputs, explain: bool) {
    let answer = decide::reconcile_global(body, inputs, false);
    if explain {
        let explained = decide::reconcile_global(body, inputs, true);
        match (&explained, &answer) {
            (Err(p), Err(q)) => assert_eq!(p, q, "explaining changed the problem"),
            (Ok(explained), Ok(plain)) => {
                let (mut explained, plain) = (
                    without_ids(&reparse(explained)),
                    without_ids(&reparse(plain)),
                );
                for decision in explained["decisions"].as_array_mut().expect("decisions") {
                    take_explanation(decision);
                }
                assert_eq!(explained, plain, "explaining changed the decisions");
            }
            _ => panic!("explaining changed whether the body is accepted"),
        }
    }
    match answer {
        Err(problem) => check_problem(&problem, body),
        Ok(answer) => {
            check_accepted_is_json(body);
            let view: GlobalView =
                serde_json::from_slice(body).expect("an accepted body reads as a global view");
            let answer = without_ids(&reparse(&answer));
            let keys: Vec<_> = answer.as_object().expect("an object").keys().collect();
            assert_eq!(
                keys.len(),
                3,
                "decisions, evaluated_at, backoff_interval: {keys:?}"
            );
            let decisions = answer["decisions"].as_array().expect("decisions");
            assert_eq!(
                decisions.len(),
                view.presets.len(),
                "one decision per preset"
            );
            assert_eq!(answer["evaluated_at"], inputs.now.to_string());
            assert_eq!(
                answer["backoff_interval"],
                inputs.backoff_interval.to_string()
            );
            let mut ids = HashSet::new();
            for (decision, preset) in decisions.iter().zip(&view.presets) {
                let id = uuid(&preset.id);
                assert!(ids.insert(id), "two presets share an ID");
                assert_eq!(decision["preset_id"], id.hyphenated().to_string());
                check_decision(decision, &view.rows_of(preset), inputs);
            }
        }
    }
}

/// An accepted body is JSON (RFC 8259: UTF-8, no lone surrogates), skipped members included.
fn check_accepted_is_json(body: &[u8]) {
    assert!(
        json_tree::parse(body).is_some(),
        "accepted a body that is not JSON"
    );
}

/// An answer without its `decision_id`s (each must be a UUID), at any depth: what two answers to
/// one question share.
fn without_ids(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(key, member)| {
                    let id = *key == "decision_id";
                    if id {
                        let text = member.as_str().expect("decision_id is a string");
                        uuid(text);
                    }
                    !id
                })
                .map(|(key, member)| (key.clone(), without_ids(member)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

/// Removes a decision's `explanation`, which must be a non-empty list of steps.
fn take_explanation(decision: &mut Value) {
    let explanation = decision
        .as_object_mut()
        .and_then(|object| object.remove("explanation"));
    assert!(
        explanation
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|steps| !steps.is_empty()),
        "an explained decision without explanation"
    );
}

/// An explained answer is the plain one plus an explanation (or the same problem).
fn same_but_explained<T: serde::Serialize>(
    explained: &Result<T, Problem>,
    plain: &Result<T, Problem>,
) {
    match (explained, plain) {
        (Err(p), Err(q)) => assert_eq!(p, q, "explaining changed the problem"),
        (Ok(explained), Ok(plain)) => {
            let mut explained = without_ids(&reparse(explained));
            take_explanation(&mut explained);
            assert_eq!(
                explained,
                without_ids(&reparse(plain)),
                "explaining changed the answer"
            );
        }
        _ => panic!("explaining changed whether the body is accepted"),
    }
}

/// Serializes an answer and parses it back: it must be JSON.
fn reparse<T: serde::Serialize>(answer: &T) -> Value {
    let bytes = serde_json::to_vec(answer).expect("an answer serializes");
    serde_json::from_slice(&bytes).expect("an answer re-parses")
}

fn check_problem(problem: &Problem, body: &[u8]) {
    assert!(
        problem.status.is_client_error(),
        "status {} for a body: {}",
        problem.status,
        problem.detail
    );
    let json = reparse(problem);
    assert_eq!(json["status"], problem.status.as_u16());
    for member in ["type", "title", "detail"] {
        assert!(json[member].is_string(), "the problem lacks {member}");
    }
    // A 400 must be for a body that is not JSON; a 422 for one that is.
    let tree = json_tree::parse(body);
    let is_json = tree.is_some();
    match problem.status.as_u16() {
        422 => {
            assert!(
                tree.is_some(),
                "422 for a body that is not JSON: {}",
                problem.detail
            );
            assert!(!problem.errors.is_empty(), "a 422 without errors");
            let root = tree.expect("checked");
            for error in &problem.errors {
                let pointer = error.pointer().expect("a 422 error has a pointer");
                if let Err(why) = json_tree::lands(&root, pointer) {
                    panic!("{why} ({})", problem.detail);
                }
            }
        }
        400 => {
            assert!(
                !is_json,
                "400 malformed JSON for a body that is JSON: {}",
                problem.detail
            );
            assert!(json["line"].is_u64() && json["column"].is_u64());
        }
        other => panic!("a body alone should get 400 or 422, got {other}"),
    }
}

/// A running row as the decision sees it.
struct Row {
    id: Uuid,
    ready: bool,
    created_at: Timestamp,
}

/// The rows one preset is decided on.
struct Rows {
    active: bool,
    /// The preset's `desired_instances`.
    desired: i64,
    running: Vec<Row>,
    /// `(transition, count)`.
    in_progress: Vec<(String, i64)>,
    /// `(num_failed, last_build_at)`.
    backoff: Option<(i64, Timestamp)>,
}

fn check_decision(decision: &Value, rows: &Rows, inputs: DecisionInputs) {
    let decision = &without_ids(decision);
    let object = decision.as_object().expect("a decision object");
    let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "actions",
            "backoff_interval",
            "evaluated_at",
            "noop",
            "preset_id",
            "state"
        ]
    );
    assert_eq!(decision["evaluated_at"], inputs.now.to_string());
    assert_eq!(
        decision["backoff_interval"],
        inputs.backoff_interval.to_string()
    );

    let state = &decision["state"];
    assert_eq!(state.as_object().map(|o| o.len()), Some(7));
    let count = |key: &str| {
        let n = state[key].as_i64().expect("an integer count");
        assert!((0..=i64::from(i32::MAX)).contains(&n), "state.{key} = {n}");
        n
    };
    let (actual, desired, eligible, extraneous) = (
        count("actual"),
        count("desired"),
        count("eligible"),
        count("extraneous"),
    );
    let sum = |transition: &str| {
        rows.in_progress
            .iter()
            .filter(|(t, _)| t == transition)
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    assert_eq!(actual, rows.running.len() as i64);
    assert_eq!(count("starting"), sum("start"));
    assert_eq!(count("stopping"), sum("stop"));
    assert_eq!(count("deleting"), sum("delete"));
    if rows.active {
        let ready = rows.running.iter().filter(|r| r.ready).count() as i64;
        assert_eq!(eligible, ready);
        assert_eq!(desired, rows.desired);
        assert_eq!(extraneous, (actual - desired).max(0));
    } else {
        assert_eq!((desired, eligible, extraneous), (0, 0, 0));
    }

    // The seed's rule, in i128 nanoseconds: back off while now <= last + failed × interval.
    let nanos = |t: &Timestamp| {
        let t = t.as_datetime();
        i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
    };
    let backoff_until = rows.backoff.as_ref().and_then(|(failed, last)| {
        let until =
            nanos(last) + i128::from(*failed) * i128::from(inputs.backoff_interval.as_nanos());
        (*failed > 0 && nanos(&inputs.now) <= until).then_some((until, last))
    });

    let actions = decision["actions"].as_object().expect("an actions object");
    assert_eq!(actions.len(), 2, "exactly one action shape: {actions:?}");
    let noop = decision["noop"].as_bool().expect("a noop bool");
    match actions["action_type"].as_str().expect("an action_type") {
        "backoff" => {
            let text = actions["backoff_until"].as_str().expect("backoff_until");
            let until = Timestamp::parse_rfc3339(text).expect("backoff_until is RFC 3339");
            assert_eq!(until.to_string(), text, "backoff_until in Go's RFC3339Nano");
            let (expected, last) = backoff_until.expect("backed off, but the seed would not");
            assert_eq!(nanos(&until), expected, "backoff_until");
            assert_eq!(
                until.as_datetime().offset(),
                last.as_datetime().offset(),
                "backoff_until is in last_build_at's offset"
            );
            // The seed's IsNoop quirk: a backoff ending at Go's zero time is a no-op.
            assert_eq!(noop, nanos(&until) == GO_ZERO_TIME_NANOS);
        }
        kind => {
            assert!(
                backoff_until.is_none(),
                "the seed would back off, got {kind}"
            );
            let oldest_first = {
                let mut running: Vec<_> = rows.running.iter().collect();
                running.sort_by_key(|r| r.created_at);
                running.into_iter().map(|r| r.id).collect::<Vec<_>>()
            };
            match kind {
                "create" => {
                    let n = actions["create"].as_i64().expect("a create count");
                    assert!(rows.active, "an inactive preset creates");
                    assert_eq!(extraneous, 0);
                    assert_eq!(n, (desired - actual - count("starting")).max(0));
                    assert_eq!(noop, n == 0);
                }
                "delete" => {
                    let ids: Vec<Uuid> = actions["delete_ids"]
                        .as_array()
                        .expect("delete_ids")
                        .iter()
                        .map(|id| uuid(id.as_str().expect("a UUID string")))
                        .collect();
                    let distinct: HashSet<_> = ids.iter().collect();
                    assert_eq!(distinct.len(), ids.len(), "delete_ids repeat");
                    let expected = if rows.active {
                        assert!(
                            extraneous > 0,
                            "an active preset deletes with none extraneous"
                        );
                        extraneous as usize
                    } else {
                        rows.running.len()
                    };
                    // The oldest first; equal created_at values in input order.
                    assert_eq!(ids, oldest_first[..expected]);
                    assert_eq!(noop, ids.is_empty());
                }
                other => panic!("unknown action_type {other}"),
            }
        }
    }
}

fn uuid(text: &str) -> Uuid {
    Uuid::try_parse(text).expect("a UUID the service accepted")
}

fn timestamp(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("a timestamp the service accepted")
}

/// A count written as any integral JSON number (`2`, `2.0`, `2e0`).
fn integer(value: f64) -> i64 {
    assert!(value.fract() == 0.0, "an accepted count is integral");
    value as i64
}

/// Just what the checks need of an accepted single snapshot; unknown members are skipped, as
/// the service skips them. Each spelling is its own field: `{"running": null, "Running": [..]}`
/// is one list, as the service reads it.
#[derive(Deserialize)]
struct SnapshotView {
    #[serde(default)]
    preset: Option<PresetView>,
    #[serde(rename = "Preset", default)]
    go_preset: Option<PresetView>,
    #[serde(default)]
    running: Option<Vec<RunningView>>,
    #[serde(rename = "Running", default)]
    go_running: Option<Vec<RunningView>>,
    #[serde(default)]
    in_progress: Option<Vec<InProgressView>>,
    #[serde(rename = "InProgress", default)]
    go_in_progress: Option<Vec<InProgressView>>,
    #[serde(default)]
    backoff: Option<BackoffView>,
    #[serde(rename = "Backoff", default)]
    go_backoff: Option<BackoffView>,
}

#[derive(Deserialize)]
struct GlobalView {
    presets: Vec<PresetView>,
    #[serde(default)]
    running: Option<Vec<RunningView>>,
    #[serde(default)]
    in_progress: Option<Vec<InProgressView>>,
    #[serde(default)]
    backoffs: Option<Vec<BackoffView>>,
}

#[derive(Deserialize)]
struct PresetView {
    id: String,
    using_active_version: bool,
    deleted: bool,
    deprecated: bool,
    #[serde(default)]
    desired_instances: Option<Value>,
}

#[derive(Deserialize)]
struct RunningView {
    id: String,
    ready: bool,
    created_at: String,
    #[serde(default)]
    current_preset_id: Option<String>,
}

#[derive(Deserialize)]
struct InProgressView {
    transition: Value,
    count: f64,
    #[serde(default)]
    preset_id: Option<String>,
}

#[derive(Deserialize)]
struct BackoffView {
    num_failed: f64,
    last_build_at: String,
    #[serde(default)]
    preset_id: Option<String>,
}

impl PresetView {
    fn active(&self) -> bool {
        self.using_active_version && !self.deleted && !self.deprecated
    }

    /// `desired_instances`: a number, `null` or absent (0), or `{"Int32": n, "Valid": b}`, whose
    /// `Int32` counts whatever `Valid` says (absent or `null`: 0).
    fn desired(&self) -> i64 {
        let number = |v: Option<&Value>| v.and_then(Value::as_f64).map_or(0, integer);
        match &self.desired_instances {
            Some(Value::Object(null_int32)) => number(null_int32.get("Int32")),
            other => number(other.as_ref()),
        }
    }
}

impl RunningView {
    fn row(&self) -> Row {
        Row {
            id: uuid(&self.id),
            ready: self.ready,
            created_at: timestamp(&self.created_at),
        }
    }
}

impl InProgressView {
    fn pair(&self) -> (String, i64) {
        let transition = match &self.transition {
            Value::String(name) => name.clone(),
            other => panic!("the service accepted transition {other}"),
        };
        assert!(
            ["start", "stop", "delete"].contains(&transition.as_str()),
            "the service accepted transition {transition:?}"
        );
        (transition, integer(self.count))
    }
}

impl BackoffView {
    fn pair(&self) -> (i64, Timestamp) {
        (integer(self.num_failed), timestamp(&self.last_build_at))
    }
}

impl SnapshotView {
    fn rows(&self) -> Rows {
        let preset = self.preset.as_ref().or(self.go_preset.as_ref());
        let running = self.running.as_ref().or(self.go_running.as_ref());
        let in_progress = self.in_progress.as_ref().or(self.go_in_progress.as_ref());
        let backoff = self.backoff.as_ref().or(self.go_backoff.as_ref());
        Rows {
            active: preset.expect("an accepted snapshot has a preset").active(),
            desired: preset.map_or(0, PresetView::desired),
            running: running
                .into_iter()
                .flatten()
                .map(RunningView::row)
                .collect(),
            in_progress: in_progress
                .into_iter()
                .flatten()
                .map(InProgressView::pair)
                .collect(),
            backoff: backoff.map(BackoffView::pair),
        }
    }
}

impl GlobalView {
    /// `FilterByPreset`: the rows whose preset ID is this preset's (the first backoff row).
    fn rows_of(&self, preset: &PresetView) -> Rows {
        let id = uuid(&preset.id);
        let mine = |other: &Option<String>| other.as_deref().map(uuid) == Some(id);
        Rows {
            active: preset.active(),
            desired: preset.desired(),
            running: self
                .running
                .iter()
                .flatten()
                .filter(|r| mine(&r.current_preset_id))
                .map(RunningView::row)
                .collect(),
            in_progress: self
                .in_progress
                .iter()
                .flatten()
                .filter(|p| mine(&p.preset_id))
                .map(InProgressView::pair)
                .collect(),
            backoff: self
                .backoffs
                .iter()
                .flatten()
                .find(|b| mine(&b.preset_id))
                .map(BackoffView::pair),
        }
    }
}
