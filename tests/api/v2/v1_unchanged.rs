//! With no TTL, no invalidation, no schedules, no pending jobs and no hard limit, v2 answers
//! v1's decision, its one action split into a list as the contract implies.

use super::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// `cases` cases, unless `PROPTEST_CASES` asks for another number.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    // No failure file: a failure prints its shrunk input.
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// An instant `minutes` before NOW, written in one of a few spellings.
fn minutes_before(minutes: i64, spelling: u8) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    let at = now - chrono::TimeDelta::minutes(minutes);
    match spelling % 3 {
        0 => at.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        1 => at
            .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        _ => at.to_utc().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    }
}

/// A preset row (with the given ID); `desired_instances` absent, null, a number, or Go's
/// `sql.NullInt32` (whose `Int32` counts whatever `Valid` says). Returns the row and the
/// target v1 reads from it.
fn preset_row(id: String) -> impl Strategy<Value = (Value, i32)> {
    (
        prop::bool::weighted(0.75),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
        0..5i32,
        0..4u8,
        any::<bool>(),
    )
        .prop_map(
            move |(using_active, deleted, deprecated, desired, form, valid)| {
                let mut row = json!({
                    "id": id,
                    "using_active_version": using_active,
                    "deleted": deleted,
                    "deprecated": deprecated
                });
                let target = match form {
                    0 => 0,
                    1 => {
                        row["desired_instances"] = json!(null);
                        0
                    }
                    2 => {
                        row["desired_instances"] = json!(desired);
                        desired
                    }
                    _ => {
                        row["desired_instances"] = json!({"Int32": desired, "Valid": valid});
                        desired
                    }
                };
                (row, target)
            },
        )
}

/// Running rows with unique IDs (numbered from `first`), created 0–4 minutes before NOW so
/// equal times are common.
fn running_rows(first: u32, max: usize) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec((any::<bool>(), 0..5i64, any::<u8>()), 0..max).prop_map(
        move |rows| {
            rows.into_iter()
                .zip(first..)
                .map(|((ready, age, spelling), n)| {
                    json!({"id": id(n), "ready": ready, "created_at": minutes_before(age, spelling)})
                })
                .collect()
        },
    )
}

fn in_progress_rows() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["start", "stop", "delete"]),
            0..4i32,
        ),
        0..4,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(transition, count)| json!({"transition": transition, "count": count}))
            .collect()
    })
}

/// A backoff row, or none: 0–3 failures, the last 0–9 minutes before NOW.
fn backoff_row() -> impl Strategy<Value = Option<Value>> {
    prop::option::of((0..4i32, 0..10i64, any::<u8>()).prop_map(|(failed, age, spelling)| {
        json!({"num_failed": failed, "last_build_at": minutes_before(age, spelling)})
    }))
}

fn interval() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["0s", "30s", "1m", "2m30s", "5m"])
}

/// A value of a v2 field that asks for nothing: absent (`None`), null, or `neutral`.
fn neutral(value: Value) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![Just(None), Just(Some(Value::Null)), Just(Some(value))]
}

/// v2's preset fields, each absent, null or neutral; a timezone is harmless without
/// schedules.
fn neutral_preset_fields() -> impl Strategy<Value = Vec<(&'static str, Option<Value>)>> {
    (
        neutral(json!(0)),
        neutral(json!(null)),
        prop_oneof![
            Just(None),
            Just(Some(json!(""))),
            Just(Some(json!("UTC"))),
            Just(Some(json!("Asia/Tokyo")))
        ],
    )
        .prop_map(|(ttl, invalidated, timezone)| {
            vec![
                ("ttl", ttl),
                ("last_invalidated_at", invalidated),
                ("scheduling_timezone", timezone),
            ]
        })
}

fn set_fields(object: &mut Value, fields: Vec<(&'static str, Option<Value>)>) {
    for (key, value) in fields {
        if let Some(value) = value {
            object[key] = value;
        }
    }
}

/// v1's single action as v2's list: backoff alone; create 0 and delete [] are nothing.
fn split(action: &Value) -> Value {
    let nothing = match action["action_type"].as_str() {
        Some("create") => action["create"] == 0,
        Some("delete") => action["delete_ids"] == json!([]),
        Some("backoff") => false,
        other => panic!("v1 answered an unknown action {other:?}"),
    };
    if nothing { json!([]) } else { json!([action]) }
}

const V1_STATE: [&str; 7] = [
    "actual",
    "desired",
    "eligible",
    "extraneous",
    "starting",
    "stopping",
    "deleting",
];

/// v2's decision is v1's split, with v2's additions neutral.
fn agree(
    v1: &Value,
    v2: &Value,
    target: i32,
    active: bool,
    has_backoff: bool,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(&v2["preset_id"], &v1["preset_id"]);
    prop_assert_eq!(
        &v2["actions"],
        &split(&v1["actions"]),
        "v1: {}\nv2: {}",
        v1,
        v2
    );
    prop_assert_eq!(&v2["noop"], &v1["noop"]);
    for field in V1_STATE {
        prop_assert_eq!(&v2["state"][field], &v1["state"][field], "{}", field);
    }
    prop_assert_eq!(&v2["state"]["expired"], &json!(0));
    prop_assert_eq!(&v2["state"]["scheduled_target"], &json!(target));
    prop_assert_eq!(&v2["state"]["target_source"], &json!("default"));
    prop_assert_eq!(&v2["state"]["schedule_error"], &Value::Null);
    prop_assert_eq!(&v2["state"]["hard_limited"], &json!(false));
    let can_skip = !active && v1["state"]["actual"] == 0 && !has_backoff;
    prop_assert_eq!(&v2["can_skip"], &json!(can_skip));
    prop_assert_eq!(&v2["evaluated_at"], &v1["evaluated_at"]);
    prop_assert_eq!(&v2["backoff_interval"], &v1["backoff_interval"]);
    Ok(())
}

fn is_active(preset: &Value) -> bool {
    preset["using_active_version"] == true
        && preset["deleted"] == false
        && preset["deprecated"] == false
}

/// A runtime and the app, to drive the router from a property's synchronous closure.
fn driver() -> (tokio::runtime::Runtime, Router) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    (runtime, app())
}

fn ok(answer: &Answer) -> Result<Value, TestCaseError> {
    if answer.status == 200 {
        Ok(answer.json.clone())
    } else {
        Err(TestCaseError::fail(format!(
            "{}: {}",
            answer.status, answer.json
        )))
    }
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    if let Err(error) = TestRunner::new(config(cases)).run(&strategy, test) {
        panic!("{error}");
    }
}

#[test]
fn a_preset_with_none_of_v2s_inputs_gets_v1s_decision_as_a_list() {
    let (runtime, app) = driver();
    let snapshot = (
        preset_row(preset_id(1)),
        running_rows(1, 7),
        in_progress_rows(),
        backoff_row(),
        neutral_preset_fields(),
        (neutral(json!([])), neutral(json!(0)), neutral(json!(false))),
        any::<bool>(),
        interval(),
    );
    run(
        96,
        snapshot,
        |(
            (preset, target),
            running,
            in_progress,
            backoff,
            preset_fields,
            extras,
            go_keys,
            interval,
        )| {
            let keys = if go_keys {
                ["Preset", "Running", "InProgress", "Backoff"]
            } else {
                ["preset", "running", "in_progress", "backoff"]
            };
            let has_backoff = backoff.is_some();
            let active = is_active(&preset);
            let v1_body = json!({
                keys[0]: preset,
                keys[1]: running,
                keys[2]: in_progress,
                keys[3]: backoff
            });
            let mut v2_body = v1_body.clone();
            set_fields(&mut v2_body[keys[0]], preset_fields);
            let (schedules, pending, hard_limited) = extras;
            set_fields(
                &mut v2_body,
                vec![
                    ("schedules", schedules),
                    ("pending_count", pending),
                    ("is_hard_limited", hard_limited),
                ],
            );
            let query = format!("now={NOW}&backoff_interval={interval}");
            let (v1, v2) = runtime.block_on(async {
                (
                    post_json(&app, &format!("/v1/presets/reconcile?{query}"), &v1_body).await,
                    post_json(&app, &format!("{PRESET}?{query}"), &v2_body).await,
                )
            });
            let (v1, v2) = (ok(&v1)?, ok(&v2)?);
            agree(&v1, &v2, target, active, has_backoff)
        },
    );
}

#[test]
fn every_preset_of_a_global_snapshot_with_none_of_v2s_inputs_gets_v1s_decision_as_a_list() {
    let (runtime, app) = driver();
    let stray = "0196a3b2-0000-7000-8000-999999999999".to_owned();
    // Up to three presets, each with its own rows, plus rows of no listed preset.
    let presets = (1..=3u32)
        .map(|n| {
            (
                preset_row(preset_id(n)),
                running_rows(n * 10, 4),
                in_progress_rows(),
                backoff_row(),
                neutral_preset_fields(),
            )
        })
        .collect::<Vec<_>>();
    let strategy = (
        presets,
        1..=3usize,
        running_rows(90, 3),
        backoff_row(),
        (
            neutral(
                json!([{"preset_id": stray, "cron_expression": "* 0-23 * * *", "desired_instances": 9}]),
            ),
            neutral(json!([{"preset_id": stray, "count": 4}, {"preset_id": null, "count": 4}])),
            neutral(json!([stray])),
        ),
        interval(),
    );
    run(
        48,
        strategy,
        |(presets, listed, stray_running, stray_backoff, extras, interval)| {
            let owner = |rows: Vec<Value>, key: &str, preset: &Value| -> Vec<Value> {
                rows.into_iter()
                    .map(|row| with(row, key, preset["id"].clone()))
                    .collect()
            };
            let (mut v1_presets, mut v2_presets) = (Vec::new(), Vec::new());
            let (mut all_running, mut all_in_progress, mut backoffs) =
                (Vec::new(), Vec::new(), Vec::new());
            let mut expected = Vec::new();
            for ((preset, target), running, in_progress, backoff, fields) in
                presets.into_iter().take(listed)
            {
                expected.push((target, is_active(&preset), backoff.is_some()));
                all_running.extend(owner(running, "current_preset_id", &preset));
                all_in_progress.extend(owner(in_progress, "preset_id", &preset));
                if let Some(row) = backoff {
                    backoffs.push(with(row, "preset_id", preset["id"].clone()));
                }
                let mut v2_preset = preset.clone();
                set_fields(&mut v2_preset, fields);
                v1_presets.push(preset);
                v2_presets.push(v2_preset);
            }
            // Rows of no listed preset: ignored by both.
            let stray_id = json!(stray);
            all_running.extend(
                stray_running
                    .into_iter()
                    .map(|row| with(row, "current_preset_id", stray_id.clone())),
            );
            if let Some(row) = stray_backoff {
                backoffs.push(with(row, "preset_id", stray_id.clone()));
            }
            let v1_body = json!({
                "presets": v1_presets,
                "running": all_running,
                "in_progress": all_in_progress,
                "backoffs": backoffs
            });
            let mut v2_body = v1_body.clone();
            v2_body["presets"] = json!(v2_presets);
            let (schedules, pending, hard_limited) = extras;
            set_fields(
                &mut v2_body,
                vec![
                    ("schedules", schedules),
                    ("pending", pending),
                    ("hard_limited", hard_limited),
                ],
            );
            let query = format!("now={NOW}&backoff_interval={interval}");
            let (v1, v2) = runtime.block_on(async {
                (
                    post_json(&app, &format!("/v1/global/reconcile?{query}"), &v1_body).await,
                    post_json(&app, &format!("{GLOBAL}?{query}"), &v2_body).await,
                )
            });
            let (v1, v2) = (ok(&v1)?, ok(&v2)?);
            let (v1s, v2s) = (
                v1["decisions"].as_array().unwrap(),
                v2["decisions"].as_array().unwrap(),
            );
            prop_assert_eq!(v1s.len(), expected.len());
            prop_assert_eq!(v2s.len(), expected.len());
            for ((v1, v2), &(target, active, has_backoff)) in v1s.iter().zip(v2s).zip(&expected) {
                agree(v1, v2, target, active, has_backoff)?;
            }
            prop_assert_eq!(&v2["evaluated_at"], &v1["evaluated_at"]);
            Ok(())
        },
    );
}
