//! v2 through HTTP (`docs/v2.md`): every case the contract lists from Coder's own tests,
//! asserted as whole states and ordered action lists; more like them (timezones, day boundaries,
//! DST, either-day schedules, schedules set aside, the global split); v2's bad input with its
//! pointers; decision ids and explanations; and properties that v2 given none of its inputs
//! answers exactly v1's decision, split into a list.

use axum::Router;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

const PRESET: &str = "/v2/presets/reconcile";
const GLOBAL: &str = "/v2/global/reconcile";
/// Monday 2 June 2025, noon UTC.
const NOW: &str = "2025-06-02T12:00:00Z";

/// The ID of running prebuild `n` (as `helpers::running_row` writes it).
fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The ID of preset `n`.
fn preset_id(n: u32) -> String {
    format!("0196a3b2-0000-7000-8000-{n:012}")
}

/// An active preset row wanting `desired`.
fn active(n: u32, desired: i32) -> Value {
    json!({
        "id": preset_id(n),
        "using_active_version": true,
        "deleted": false,
        "deprecated": false,
        "desired_instances": desired
    })
}

/// A preset row on a version that is no longer the active one.
fn inactive(n: u32, desired: i32) -> Value {
    let mut preset = active(n, desired);
    preset["using_active_version"] = json!(false);
    preset
}

/// `preset` with `key` set to `value`.
fn with(mut object: Value, key: &str, value: Value) -> Value {
    object[key] = value;
    object
}

/// A running prebuild row, ready, created at `created_at`.
fn running(n: u32, created_at: &str) -> Value {
    running_row(n, created_at)
}

/// Schedule rows from `(cron_expression, desired_instances)` pairs.
fn schedule_rows(list: &[(&str, i32)]) -> Value {
    list.iter()
        .map(|(cron, n)| json!({"cron_expression": cron, "desired_instances": n}))
        .collect()
}

/// Schedule rows of a global snapshot, each owned by preset `owner`.
fn owned_schedules(owner: u32, list: &[(&str, i32)]) -> Vec<Value> {
    list.iter()
        .map(|(cron, n)| {
            json!({"preset_id": preset_id(owner), "cron_expression": cron, "desired_instances": n})
        })
        .collect()
}

fn create(n: i32) -> Value {
    json!({"action_type": "create", "create": n})
}

fn delete(ids: &[u32]) -> Value {
    json!({"action_type": "delete", "delete_ids": ids.iter().map(|&n| id(n)).collect::<Vec<_>>()})
}

fn cancel_pending(n: i32) -> Value {
    json!({"action_type": "cancel_pending", "count": n})
}

fn backoff(until: &str) -> Value {
    json!({"action_type": "backoff", "backoff_until": until})
}

/// A whole v2 state: every count 0, the target from the default, no schedule error, not
/// hard-limited, validation not failed; then `fields` set over it (each must be a field of the
/// state).
fn state(fields: Value) -> Value {
    let mut state = json!({
        "actual": 0, "desired": 0, "eligible": 0, "extraneous": 0,
        "starting": 0, "stopping": 0, "deleting": 0,
        "expired": 0, "scheduled_target": 0, "target_source": "default",
        "schedule_error": null, "hard_limited": false, "validation_failed": false
    });
    for (key, value) in fields.as_object().expect("an object of state fields") {
        assert!(
            state.get(key).is_some(),
            "{key} is not a field of the v2 state"
        );
        state[key] = value.clone();
    }
    state
}

/// Asserts a decision's whole state, its exact action list, `noop` and `can_skip`.
#[track_caller]
fn assert_decision(decision: &Value, expected_state: Value, actions: Value, can_skip: bool) {
    assert_eq!(decision["state"], expected_state, "state of {decision}");
    assert_eq!(decision["actions"], actions, "actions of {decision}");
    let empty = actions.as_array().expect("a list of actions").is_empty();
    assert_eq!(decision["noop"], empty, "noop of {decision}");
    assert_eq!(decision["can_skip"], can_skip, "can_skip of {decision}");
}

/// A decision with nothing running and a target of `target`, from a schedule or the default.
#[track_caller]
fn assert_target(decision: &Value, target: i32, source: &str) {
    let actions = if target > 0 {
        json!([create(target)])
    } else {
        json!([])
    };
    assert_decision(
        decision,
        state(json!({"desired": target, "scheduled_target": target, "target_source": source})),
        actions,
        false,
    );
}

/// POSTs `body` to `uri` and returns the 200's JSON.
async fn decided(app: &Router, uri: &str, body: &Value) -> Value {
    let answer = post_json(app, uri, body).await;
    assert_eq!(answer.status, 200, "POST {uri} {body}: {}", answer.json);
    assert_eq!(answer.content_type(), "application/json");
    answer.json
}

/// One preset's v2 decision at `now`.
async fn decide_at(app: &Router, body: &Value, now: &str) -> Value {
    decided(app, &format!("{PRESET}?now={now}"), body).await
}

/// Every preset's v2 decisions at `now`.
async fn decide_global_at(app: &Router, body: &Value, now: &str) -> Vec<Value> {
    let answer = decided(app, &format!("{GLOBAL}?now={now}"), body).await;
    answer["decisions"]
        .as_array()
        .expect("a list of decisions")
        .clone()
}

/// An active preset wanting 1, in `timezone`, with these schedules, decided at `now`.
async fn scheduled(app: &Router, timezone: &str, list: &[(&str, i32)], now: &str) -> Value {
    let preset = with(active(1, 1), "scheduling_timezone", json!(timezone));
    let body = json!({"preset": preset, "schedules": schedule_rows(list)});
    decide_at(app, &body, now).await
}

/// Asserts the target of an active preset wanting 1 in `timezone` at each `(now, target)`; a
/// target other than 1 must come from a schedule, and 1 from the default (no case here has a
/// schedule of 1).
async fn assert_targets(app: &Router, timezone: &str, list: &[(&str, i32)], cases: &[(&str, i32)]) {
    for &(now, target) in cases {
        let decision = scheduled(app, timezone, list, now).await;
        let source = if target == 1 { "default" } else { "schedule" };
        assert_target(&decision, target, source);
        assert_eq!(decision["evaluated_at"], now);
    }
}

mod bad_input;
mod contract_cases;
mod document;
mod global;
mod prebuild_status;
mod provenance;
mod rules;
mod set_aside;
mod timezones;
mod upstream;
mod v1_unchanged;
