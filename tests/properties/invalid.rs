//! Invalid bodies, made by mutating valid ones: every answer is a 4xx RFC 9457 problem whose
//! `status` matches, each 422 pointer lands in the body as sent (or where a missing member
//! would be), nothing is ever a 5xx, and the same router then still answers the valid body.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value, json};

use crate::harness::{Answer, cases, server};
use crate::json_tree;
use crate::model::*;
use crate::strategies::*;

/// Which call a body goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    State,
    Actions,
    Reconcile,
    Global,
}

impl Endpoint {
    fn uri(self, inputs: &Inputs) -> String {
        let query = inputs.query();
        match self {
            Endpoint::State => "/v1/presets/state".into(),
            Endpoint::Actions => format!("/v1/presets/actions?{query}"),
            Endpoint::Reconcile => format!("/v1/presets/reconcile?{query}"),
            Endpoint::Global => format!("/v1/global/reconcile?{query}"),
        }
    }

    /// Whether the call uses the backoff interval (and so checks the backoff window).
    fn uses_interval(self) -> bool {
        self != Endpoint::State
    }
}

/// A valid body to start from.
#[derive(Clone, Debug)]
struct Base {
    body: Value,
    inputs: Inputs,
    endpoint: Endpoint,
}

fn base() -> impl Strategy<Value = Base> {
    let preset_endpoint = prop_oneof![
        Just(Endpoint::State),
        Just(Endpoint::Actions),
        Just(Endpoint::Reconcile)
    ];
    prop_oneof![
        3 => (case(), any::<bool>(), preset_endpoint).prop_map(|(case, go, endpoint)| Base {
            body: if go {
                case.snapshot.go_native(&case.style)
            } else {
                case.snapshot.canonical(&case.style)
            },
            inputs: case.inputs,
            endpoint,
        }),
        1 => global_case().prop_map(|case| Base {
            body: case.global.body(&case.style),
            inputs: case.inputs,
            endpoint: Endpoint::Global,
        }),
    ]
}

/// What a member of the body is, for deciding what replacing or removing it must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Root,
    Uuid,
    OptUuid,
    Bool,
    OptBool,
    Stamp,
    Int,
    /// `Int32` inside `{"Int32": n, "Valid": b}`.
    OptInt,
    Desired,
    Transition,
    OptString,
    PresetObject,
    BackoffObject,
    RequiredList,
    List,
    Row,
}

impl Kind {
    fn required(self) -> bool {
        matches!(
            self,
            Kind::Uuid
                | Kind::Bool
                | Kind::Stamp
                | Kind::Int
                | Kind::Transition
                | Kind::PresetObject
                | Kind::RequiredList
        )
    }

    fn integer(self) -> bool {
        matches!(self, Kind::Int | Kind::OptInt | Kind::Desired)
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every member of the body the contract names, with its pointer and kind.
fn members(body: &Value) -> Vec<(String, Kind)> {
    fn row_fields(row: &Value, at: &str, fields: &[(&str, Kind)], out: &mut Vec<(String, Kind)>) {
        let Some(object) = row.as_object() else {
            return;
        };
        for (key, value) in object {
            let Some((_, kind)) = fields.iter().find(|(name, _)| name == key) else {
                continue;
            };
            let pointer = format!("{at}/{}", escape(key));
            if *kind == Kind::Desired
                && let Some(inner) = value.as_object()
            {
                for (key, kind) in [("Int32", Kind::OptInt), ("Valid", Kind::OptBool)] {
                    if inner.contains_key(key) {
                        out.push((format!("{pointer}/{key}"), kind));
                    }
                }
            }
            out.push((pointer, *kind));
        }
    }
    fn rows(list: &Value, at: &str, fields: &[(&str, Kind)], out: &mut Vec<(String, Kind)>) {
        for (index, row) in list.as_array().into_iter().flatten().enumerate() {
            let pointer = format!("{at}/{index}");
            row_fields(row, &pointer, fields, out);
            out.push((pointer, Kind::Row));
        }
    }
    const PRESET: &[(&str, Kind)] = &[
        ("id", Kind::Uuid),
        ("using_active_version", Kind::Bool),
        ("deleted", Kind::Bool),
        ("deprecated", Kind::Bool),
        ("desired_instances", Kind::Desired),
        ("name", Kind::OptString),
        ("template_id", Kind::OptUuid),
        ("template_name", Kind::OptString),
        ("organization_name", Kind::OptString),
        ("template_version_id", Kind::OptUuid),
        ("template_version_name", Kind::OptString),
    ];
    const RUNNING: &[(&str, Kind)] = &[
        ("id", Kind::Uuid),
        ("ready", Kind::Bool),
        ("created_at", Kind::Stamp),
        ("name", Kind::OptString),
        ("template_id", Kind::OptUuid),
        ("template_version_id", Kind::OptUuid),
        ("current_preset_id", Kind::OptUuid),
    ];
    const IN_PROGRESS: &[(&str, Kind)] = &[
        ("transition", Kind::Transition),
        ("count", Kind::Int),
        ("template_id", Kind::OptUuid),
        ("template_version_id", Kind::OptUuid),
        ("preset_id", Kind::OptUuid),
    ];
    const BACKOFF: &[(&str, Kind)] = &[
        ("num_failed", Kind::Int),
        ("last_build_at", Kind::Stamp),
        ("preset_id", Kind::OptUuid),
        ("template_version_id", Kind::OptUuid),
    ];
    let mut out = vec![(String::new(), Kind::Root)];
    let Some(object) = body.as_object() else {
        return out;
    };
    let global = object.contains_key("presets");
    for (key, value) in object {
        let at = format!("/{key}");
        match (global, key.as_str()) {
            (false, "preset" | "Preset") => {
                row_fields(value, &at, PRESET, &mut out);
                out.push((at, Kind::PresetObject));
            }
            (false, "backoff" | "Backoff") => {
                row_fields(value, &at, BACKOFF, &mut out);
                out.push((at, Kind::BackoffObject));
            }
            (true, "presets") => {
                rows(value, &at, PRESET, &mut out);
                out.push((at, Kind::RequiredList));
            }
            (_, "running" | "Running") => {
                rows(value, &at, RUNNING, &mut out);
                out.push((at, Kind::List));
            }
            (_, "in_progress" | "InProgress") => {
                rows(value, &at, IN_PROGRESS, &mut out);
                out.push((at, Kind::List));
            }
            (true, "backoffs") => {
                rows(value, &at, BACKOFF, &mut out);
                out.push((at, Kind::List));
            }
            _ => {}
        }
    }
    out
}

/// What an answer must be.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// This status; with a pointer, `errors[0].pointer` is exactly it.
    Reject(u16, Option<String>),
    /// 200, with the base body's answer.
    SameAnswer,
    /// 200 with a well-formed answer, or a well-formed 4xx problem.
    Anything,
}

const CANDIDATES: usize = 15;

fn candidate(index: usize) -> Value {
    match index {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(7),
        4 => json!(-1),
        5 => json!(1.5),
        6 => json!("x"),
        7 => json!("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"),
        8 => json!("2025-06-02T12:00:00Z"),
        9 => json!("start"),
        10 => json!([]),
        11 => json!([1]),
        12 => json!({}),
        13 => json!({"x_unknown": 1}),
        _ => json!({"start": null}),
    }
}

/// What replacing a member of `kind` at `at` by candidate `c` must answer.
fn judge(kind: Kind, c: usize, at: &str) -> Expect {
    let here = || Expect::Reject(422, Some(at.to_owned()));
    let somewhere = || Expect::Reject(422, None);
    let (null, number, negative, fraction) = (c == 0, c == 2 || c == 3, c == 4, c == 5);
    let (uuid, stamp, transition) = (c == 7, c == 8, c == 9);
    let string = (6..=9).contains(&c);
    let (empty_array, array_of_one, object) = (c == 10, c == 11, c >= 12);
    match kind {
        Kind::Root if object => somewhere(),
        Kind::Root => here(),
        Kind::Uuid if uuid => Expect::Anything,
        Kind::OptUuid if uuid || null => Expect::Anything,
        Kind::Bool if c == 1 => Expect::Anything,
        Kind::OptBool if c == 1 || null => Expect::Anything,
        Kind::Stamp if stamp => Expect::Anything,
        Kind::Int if number => Expect::Anything,
        Kind::OptInt if number || null => Expect::Anything,
        Kind::Desired if number || null || object => Expect::Anything,
        Kind::Transition if transition => Expect::Anything,
        Kind::OptString if string || null => Expect::Anything,
        Kind::PresetObject if object || null => somewhere(),
        Kind::BackoffObject if null => Expect::Anything,
        Kind::BackoffObject if object => somewhere(),
        Kind::RequiredList if empty_array => Expect::Anything,
        Kind::List if empty_array || null => Expect::Anything,
        Kind::RequiredList | Kind::List if array_of_one => {
            Expect::Reject(422, Some(format!("{at}/0")))
        }
        Kind::Row if object => somewhere(),
        // Negative counts and fractions are refused at the field, like wrong types.
        _ if negative || fraction => here(),
        _ => here(),
    }
}

/// A change that makes a valid body (probably) invalid.
#[derive(Clone, Debug)]
enum Mutation {
    WrongType(Index, Index),
    Missing(Index),
    OutOfRange(Index, &'static str),
    Negative(Index, i32),
    DuplicateId(Index, Index),
    SumPastInt32(Transition, i32),
    BackoffWindow(i32, Stamp),
    Truncate(Index),
    Byte(Index, u8, u8),
    /// Deletes from after one quote through a later one: `"template_id": "…", "template_version_id"`
    /// becomes `"template_id"template_version_id"`, a key spliced into the next.
    Splice(Index, Index),
    /// Drops one `:` or `,`.
    DropPunctuation(Index, bool),
    RandomBytes(Vec<u8>),
    UnknownFields(Vec<(Index, String, Value)>),
}

/// Numbers no int32 field takes, as written in the body.
const OUT_OF_RANGE: &[&str] = &[
    "2147483648",
    "-2147483649",
    "4294967296",
    "18446744073709551616",
    "100000000000000000000000000000",
    "1e10",
    "1e400",
    "-1e400",
    "1E+400",
    "2.5",
    "-0.5",
    "2147483647.5",
    "1e-7",
];

fn junk_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
        Just(raw("1e400")),
        Just(raw("-123456789012345678901234567890")),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_]{1,6}", inner), 0..4)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        3 => select(b"{}[],:\"\\0-eE.tfn ".to_vec()),
        1 => any::<u8>(),
    ];
    let late_stamp = (0..400 * 24 * 3600 * SECOND)
        .prop_flat_map(|before| stamp_at(max_local() - 24 * 3600 * SECOND - before));
    prop_oneof![
        4 => (any::<Index>(), any::<Index>()).prop_map(|(f, c)| Mutation::WrongType(f, c)),
        2 => any::<Index>().prop_map(Mutation::Missing),
        2 => (any::<Index>(), select(OUT_OF_RANGE)).prop_map(|(f, n)| Mutation::OutOfRange(f, n)),
        1 => (any::<Index>(), i32::MIN..0).prop_map(|(f, n)| Mutation::Negative(f, n)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::DuplicateId(a, b)),
        1 => (transition(), 1..=i32::MAX).prop_map(|(t, n)| Mutation::SumPastInt32(t, n)),
        1 => (
            prop_oneof![1..=i32::MAX, Just(i32::MAX)],
            prop_oneof![stamp(), late_stamp],
        )
            .prop_map(|(n, s)| Mutation::BackoffWindow(n, s)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), 0..3u8, byte).prop_map(|(at, op, b)| Mutation::Byte(at, op, b)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Splice(a, b)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(at, colon)| Mutation::DropPunctuation(at, colon)),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::RandomBytes),
        2 => prop::collection::vec((any::<Index>(), "x[a-z0-9_]{0,8}", junk_value()), 1..4)
            .prop_map(Mutation::UnknownFields),
    ]
}

/// The offsets of `byte` in `text` (a colon or comma inside a string counts too: dropping one
/// there keeps the body JSON, which the expectation then says).
fn memchr_all(byte: u8, text: &[u8]) -> Vec<usize> {
    text.iter()
        .enumerate()
        .filter_map(|(at, &b)| (b == byte).then_some(at))
        .collect()
}

/// A body broken at the byte level: a 400 when it is no longer JSON, anything a valid body may
/// get otherwise.
fn not_json_is_400(text: Vec<u8>) -> (Vec<u8>, Expect) {
    let expect = if json_tree::parse(&text).is_none() {
        Expect::Reject(400, None)
    } else {
        Expect::Anything
    };
    (text, expect)
}

/// A JSON value standing for raw text (a number `Value` cannot hold); see [`to_text`].
fn raw(text: &str) -> Value {
    Value::String(format!("@@raw@@{text}@@"))
}

/// The body's text, with every [`raw`] placeholder replaced by its raw text.
fn to_text(body: &Value) -> String {
    let mut text = body.to_string();
    while let Some(start) = text.find("\"@@raw@@") {
        let Some(len) = text[start + 8..].find("@@\"") else {
            break;
        };
        let inner = text[start + 8..start + 8 + len].to_owned();
        text.replace_range(start..start + 8 + len + 3, &inner);
    }
    text
}

/// Replaces (or with `None` removes) the member at `pointer`.
fn set(body: &mut Value, pointer: &str, value: Option<Value>) {
    if pointer.is_empty() {
        if let Some(value) = value {
            *body = value;
        }
        return;
    }
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let key = key.replace("~1", "/").replace("~0", "~");
    match body.pointer_mut(parent) {
        Some(Value::Object(object)) => match value {
            Some(value) => {
                object.insert(key, value);
            }
            None => {
                object.shift_remove(&key);
            }
        },
        Some(Value::Array(array)) => {
            let index: usize = key.parse().expect("an index");
            match value {
                Some(value) => array[index] = value,
                None => {
                    array.remove(index);
                }
            }
        }
        _ => panic!("{parent} is not in {body}"),
    }
}

/// The key the body spells a top-level list or row with, if present.
fn key_of<'a>(body: &Value, spellings: &[&'a str]) -> Option<&'a str> {
    spellings.iter().copied().find(|k| body.get(*k).is_some())
}

/// Applies the mutation; returns the bytes to send and what the answer must be.
fn apply(base: &Base, mutation: &Mutation) -> (Vec<u8>, Expect) {
    let mut body = base.body.clone();
    let fields = members(&body);
    let unchanged = (to_text(&body).into_bytes(), Expect::SameAnswer);
    let pick = |index: &Index, filter: &dyn Fn(Kind) -> bool| {
        let eligible: Vec<_> = fields.iter().filter(|(_, k)| filter(*k)).collect();
        (!eligible.is_empty()).then(|| eligible[index.index(eligible.len())].clone())
    };
    let expect = match mutation {
        Mutation::WrongType(field, c) => {
            let (at, kind) = pick(field, &|_| true).expect("the root at least");
            let c = c.index(CANDIDATES);
            set(&mut body, &at, Some(candidate(c)));
            judge(kind, c, &at)
        }
        Mutation::Missing(field) => {
            let Some((at, kind)) = pick(field, &|k| k.required()) else {
                return unchanged;
            };
            set(&mut body, &at, None);
            // A missing top-level `Preset` is reported under its canonical name.
            let exact = kind != Kind::PresetObject;
            Expect::Reject(422, exact.then_some(at))
        }
        Mutation::OutOfRange(field, number) => {
            let Some((at, _)) = pick(field, &|k| k.integer()) else {
                return unchanged;
            };
            set(&mut body, &at, Some(raw(number)));
            Expect::Reject(422, Some(at))
        }
        Mutation::Negative(field, n) => {
            let Some((at, _)) = pick(field, &|k| k.integer()) else {
                return unchanged;
            };
            set(&mut body, &at, Some(json!(n)));
            Expect::Reject(422, Some(at))
        }
        Mutation::DuplicateId(a, b) => {
            let Some(key) = key_of(&body, &["running", "Running"]) else {
                return unchanged;
            };
            let rows = body[key].as_array().map_or(0, Vec::len);
            if rows < 2 {
                return unchanged;
            }
            let first = a.index(rows - 1);
            let second = first + 1 + b.index(rows - first - 1);
            let id = body[key][first]["id"].clone();
            body[key][second]["id"] = id;
            Expect::Reject(422, Some(format!("/{key}/{second}/id")))
        }
        Mutation::SumPastInt32(transition, extra) => {
            let key = key_of(&body, &["in_progress", "InProgress"]).unwrap_or(
                if body.get("Preset").is_some() {
                    "InProgress"
                } else {
                    "in_progress"
                },
            );
            let global = base.endpoint == Endpoint::Global;
            let owner = global.then(|| body["presets"][0]["id"].clone());
            if !body[key].is_array() {
                body[key] = json!([]);
            }
            for count in [i32::MAX, *extra] {
                let mut row = json!({"transition": transition.name(), "count": count});
                if let Some(owner) = &owner {
                    row["preset_id"] = owner.clone();
                }
                body[key].as_array_mut().expect("a list").push(row);
            }
            // The first row at which its transition's sum (for that preset) passes int32.
            let mut sum = 0i64;
            let rows = body[key].as_array().expect("a list");
            let at = rows.iter().position(|row| {
                let mine = owner
                    .as_ref()
                    .is_none_or(|o| row.get("preset_id") == Some(o));
                if mine && row["transition"] == transition.name() {
                    sum += row["count"].as_f64().unwrap_or_default() as i64;
                }
                sum > i64::from(i32::MAX)
            });
            Expect::Reject(422, at.map(|row| format!("/{key}/{row}/count")))
        }
        Mutation::BackoffWindow(num_failed, last) => {
            if base.endpoint == Endpoint::Global {
                return unchanged;
            }
            let key = key_of(&body, &["backoff", "Backoff"]).unwrap_or("backoff");
            body[key] = json!({"num_failed": num_failed, "last_build_at": last.text()});
            let window = i128::from(*num_failed) * i128::from(base.inputs.interval_nanos);
            let local = last.instant + i128::from(last.offset_minutes) * 60 * SECOND;
            let refused = window > i128::from(i64::MAX) || local + window > max_local();
            if refused && base.endpoint.uses_interval() {
                Expect::Reject(422, Some(format!("/{key}/num_failed")))
            } else {
                Expect::Anything
            }
        }
        Mutation::Truncate(at) => {
            let text = to_text(&body).into_bytes();
            let cut = at.index(text.len());
            return (text[..cut].to_vec(), Expect::Reject(400, None));
        }
        Mutation::Byte(at, op, byte) => {
            let mut text = to_text(&body).into_bytes();
            let at = at.index(text.len() + 1);
            match op {
                0 => text.insert(at, *byte),
                1 if at < text.len() => text[at] = *byte,
                _ if at < text.len() => {
                    text.remove(at);
                }
                _ => text.push(*byte),
            }
            return not_json_is_400(text);
        }
        Mutation::Splice(from, through) => {
            let mut text = to_text(&body).into_bytes();
            let quotes: Vec<usize> = memchr_all(b'"', &text);
            if quotes.len() >= 2 {
                let a = from.index(quotes.len() - 1);
                let b = a + 1 + through.index(quotes.len() - a - 1);
                text.drain(quotes[a] + 1..=quotes[b]);
            }
            return not_json_is_400(text);
        }
        Mutation::DropPunctuation(at, colon) => {
            let mut text = to_text(&body).into_bytes();
            let marks = memchr_all(if *colon { b':' } else { b',' }, &text);
            if !marks.is_empty() {
                text.remove(marks[at.index(marks.len())]);
            }
            return not_json_is_400(text);
        }
        Mutation::RandomBytes(bytes) => return not_json_is_400(bytes.clone()),
        Mutation::UnknownFields(additions) => {
            for (at, name, value) in additions {
                let objects = object_pointers(&body);
                let pointer = &objects[at.index(objects.len())];
                if let Some(Value::Object(object)) = body.pointer_mut(pointer) {
                    object.insert(name.clone(), value.clone());
                }
            }
            Expect::SameAnswer
        }
    };
    (to_text(&body).into_bytes(), expect)
}

/// Pointers to every object in the body.
fn object_pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                for (key, child) in object {
                    walk(child, format!("{at}/{}", escape(key)), out);
                }
                out.push(at);
            }
            Value::Array(array) => {
                for (index, child) in array.iter().enumerate() {
                    walk(child, format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// Checks an answer that is not a 200: a 4xx RFC 9457 problem, pointers that land in `sent`.
fn check_problem(answer: &Answer, sent: &[u8]) -> Result<(), TestCaseError> {
    let status = answer.status.as_u16();
    let body = String::from_utf8_lossy(&answer.bytes);
    prop_assert!(
        (400..500).contains(&status),
        "{} for {:?}: {}",
        status,
        String::from_utf8_lossy(sent),
        body
    );
    prop_assert_eq!(
        answer.content_type(),
        "application/problem+json",
        "{}",
        body
    );
    let problem = &answer.json;
    for member in ["type", "title", "detail"] {
        prop_assert!(
            problem[member].is_string(),
            "problem lacks {}: {}",
            member,
            body
        );
    }
    prop_assert_eq!(
        problem["status"].as_u64(),
        Some(u64::from(status)),
        "{}",
        body
    );
    if problem["type"] == "urn:prebuild-decider:problem:malformed-json" {
        prop_assert!(
            problem["line"].is_u64() && problem["column"].is_u64(),
            "{}",
            body
        );
        prop_assert!(
            json_tree::parse(sent).is_none(),
            "400 malformed JSON for a body that is JSON: {}, sent {}",
            body,
            String::from_utf8_lossy(sent)
        );
    }
    if status == 422 {
        let errors = problem["errors"].as_array().cloned().unwrap_or_default();
        prop_assert!(!errors.is_empty(), "a 422 without errors: {}", body);
        let root = json_tree::parse(sent);
        prop_assert!(
            root.is_some(),
            "a 422 for a body that is not JSON: {}",
            body
        );
        let root = root.expect("checked");
        for error in &errors {
            let pointer = error["pointer"].as_str();
            prop_assert!(pointer.is_some(), "an error without a pointer: {}", body);
            prop_assert!(
                error["detail"].is_string(),
                "an error without detail: {}",
                body
            );
            if let Err(why) = json_tree::lands(&root, pointer.expect("checked")) {
                prop_assert!(
                    false,
                    "{} in {}, sent {}",
                    why,
                    body,
                    String::from_utf8_lossy(sent)
                );
            }
        }
    }
    Ok(())
}

/// Checks a 200's shape for the endpoint.
fn check_answer(endpoint: Endpoint, json: &Value) -> Result<(), TestCaseError> {
    let result = match endpoint {
        Endpoint::State => state_of_json(json).map(drop),
        Endpoint::Actions => action_of_json(&json["actions"]).map(drop),
        Endpoint::Reconcile => Outcome::of_json(json).map(drop),
        Endpoint::Global => json["decisions"]
            .as_array()
            .ok_or_else(|| format!("no decisions in {json}"))
            .and_then(|ds| ds.iter().try_for_each(|d| Outcome::of_json(d).map(drop))),
    };
    result.map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(cases(384))]

    #[test]
    fn invalid_bodies_get_a_4xx_problem_pointing_into_the_body_and_never_a_5xx(
        base in base(),
        mutation in mutation()
    ) {
        let server = server();
        let uri = base.endpoint.uri(&base.inputs);
        let before = server.post_json(&uri, &base.body);
        let strip = |json: &Value| without_decision_ids(json).map_err(TestCaseError::fail);
        let valid = strip(before.ok().map_err(TestCaseError::fail)?)?;

        let (sent, expect) = apply(&base, &mutation);
        let answer = server.post(&uri, sent.clone());
        let shown = String::from_utf8_lossy(&sent).into_owned();
        if answer.status.is_success() {
            prop_assert!(json_tree::parse(&sent).is_some(), "200 for a body that is not JSON: {}", shown);
            check_answer(base.endpoint, &answer.json)?;
        } else {
            check_problem(&answer, &sent)?;
        }
        match &expect {
            Expect::Reject(status, pointer) => {
                prop_assert_eq!(answer.status.as_u16(), *status, "sent {}: {}", shown, answer.json);
                if let Some(pointer) = pointer {
                    prop_assert_eq!(
                        answer.json["errors"][0]["pointer"].as_str(),
                        Some(pointer.as_str()),
                        "sent {}: {}", shown, answer.json
                    );
                }
            }
            Expect::SameAnswer => {
                prop_assert_eq!(&strip(&answer.json)?, &valid, "sent {}", shown);
            }
            Expect::Anything => {}
        }

        // The same router still answers the valid body, as before.
        let after = server.post_json(&uri, &base.body);
        prop_assert_eq!(&strip(after.ok().map_err(TestCaseError::fail)?)?, &valid);
    }
}

/// The contract's bad-input table: a field of the wrong type is a 422 pointing at it, a
/// `transition` that is not a string included (serde_json would call it a syntax error).
#[test]
fn a_transition_of_another_type_is_a_422() {
    let server = server();
    for value in ["1", "1.5", "true", "[]", "{}", "[\"start\"]"] {
        let body = format!(
            r#"{{"preset": {{"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
                "using_active_version": true, "deleted": false, "deprecated": false}},
               "in_progress": [{{"transition": {value}, "count": 1}}]}}"#
        );
        let answer = server.post("/v1/presets/state", body);
        assert_eq!(
            answer.status.as_u16(),
            422,
            "transition {value}: {}",
            answer.json
        );
        assert_eq!(
            answer.json["errors"][0]["pointer"],
            "/in_progress/0/transition"
        );
    }
}

/// `transition` is one of three strings; serde's tagged form `{"start": null}` is not one.
#[test]
fn a_transition_given_as_a_tagged_object_is_a_422() {
    let body = r#"{"preset": {"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
        "using_active_version": true, "deleted": false, "deprecated": false},
        "in_progress": [{"transition": {"start": null}, "count": 1}]}"#;
    let answer = server().post("/v1/presets/state", body);
    assert_eq!(answer.status.as_u16(), 422, "{}", answer.json);
    assert_eq!(
        answer.json["errors"][0]["pointer"],
        "/in_progress/0/transition"
    );
}

proptest! {
    #![proptest_config(cases(512))]

    /// The hand-written reader of the main call's body and the serde path read every body alike:
    /// the fast reader gives up, or reads what the serde path reads; it never takes a body the
    /// serde path refuses (`"template_id"template_version_id": null` once was).
    #[test]
    fn the_fast_reader_and_the_serde_path_agree_on_broken_bodies(
        base in base(),
        mutation in mutation()
    ) {
        // The global call has no fast reader.
        prop_assume!(base.endpoint != Endpoint::Global);
        let (sent, _) = apply(&base, &mutation);
        let shown = String::from_utf8_lossy(&sent).into_owned();
        let agreement = prebuild_decider::codec::fast_read_agrees_with_serde(&sent);
        prop_assert!(agreement.is_ok(), "{}: {:?}", shown, agreement);
    }
}
