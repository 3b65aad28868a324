//! Every row of the contract's bad-input table, and more: each answer is an RFC 9457 problem
//! with the contract's status and a pointer to the field at fault.

use axum::body::Body;
use axum::http::{Request, header};
use prebuild_decider::config::Config;
use serde_json::{Value, json};

use crate::helpers::*;

const RECONCILE: &str = "/v1/presets/reconcile?now=2025-06-02T12:00:00Z";

/// Sets (or adds) the field at `pointer` in a copy of the valid snapshot.
fn with(pointer: &str, value: Value) -> Value {
    let mut body = snapshot();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{parent} not in the snapshot"))
    {
        Value::Object(object) => {
            object.insert(key.to_owned(), value);
        }
        Value::Array(array) => array[key.parse::<usize>().unwrap()] = value,
        other => panic!("{parent} is {other}"),
    }
    body
}

/// Removes the field at `pointer` from a copy of the valid snapshot.
fn without(pointer: &str) -> Value {
    let mut body = snapshot();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    body.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(key)
        .unwrap();
    body
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_with_line_and_column() {
    let app = app();
    for (body, line, column) in [
        ("{\"preset\": ", 1, 11),
        ("{\"preset\": {\"id\": }}", 1, 19),
        ("{\n  \"preset\": {},\n  \"running\": [,]\n}", 3, 15),
        ("", 1, 0),
        ("{} trailing", 1, 4),
        ("{\"preset\": tru}", 1, 15),
        ("[1, 2", 1, 5),
    ] {
        for endpoint in PRESET_ENDPOINTS {
            let answer = post(&app, endpoint, body).await;
            let problem = answer.problem(400);
            assert_eq!(
                problem["type"], "urn:prebuild-decider:problem:malformed-json",
                "{body}"
            );
            assert_eq!(
                (problem["line"].as_u64(), problem["column"].as_u64()),
                (Some(line), Some(column)),
                "{body:?}: {problem}"
            );
        }
    }
}

#[tokio::test]
async fn broken_json_is_a_400_even_after_a_field_of_the_wrong_type() {
    // A typed parse would stop at `"id": 1` first; the body is still not JSON.
    let answer = post(&app(), RECONCILE, "{\"preset\": {\"id\": 1}").await;
    answer.problem(400);
}

#[tokio::test]
async fn invalid_utf8_and_lone_surrogates_are_400s() {
    let app = app();
    let mut bytes = br#"{"preset": {"name": ""#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""}}"#);
    post(&app, RECONCILE, bytes).await.problem(400);
    post(&app, RECONCILE, r#"{"preset": {"name": "\ud800"}}"#)
        .await
        .problem(400);
}

#[tokio::test]
async fn deep_nesting_never_crashes_the_parser() {
    let app = app();
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // An unknown field is skipped without recursion, however deep.
    let skipped =
        snapshot()
            .to_string()
            .replacen('{', &format!("{{\"unknown\": {},", deep(100_000)), 1);
    assert_eq!(post(&app, RECONCILE, skipped).await.status, 200);
    // Where a typed value is expected, nesting is a wrong type.
    post_json(
        &app,
        RECONCILE,
        &with("/preset", serde_json::from_str(&deep(100)).unwrap()),
    )
    .await
    .problem_at(422, "/preset");
    // Unclosed nesting is not JSON.
    post(&app, RECONCILE, "[".repeat(100_000))
        .await
        .problem(400);
    post(
        &app,
        RECONCILE,
        format!("{{\"preset\": {}", "{\"a\":".repeat(50_000)),
    )
    .await
    .problem(400);
}

#[tokio::test]
async fn a_missing_required_field_is_a_422_pointing_at_it() {
    let app = app();
    for pointer in [
        "/preset/id",
        "/preset/using_active_version",
        "/preset/deleted",
        "/preset/deprecated",
        "/running/0/id",
        "/running/0/ready",
        "/running/0/created_at",
        "/in_progress/0/transition",
        "/in_progress/0/count",
    ] {
        for endpoint in PRESET_ENDPOINTS {
            post_json(&app, endpoint, &without(pointer))
                .await
                .problem_at(422, pointer);
        }
    }
    post_json(&app, RECONCILE, &without("/preset"))
        .await
        .problem_at(422, "/preset");
    let backoff = with("/backoff", json!({"num_failed": 1}));
    post_json(&app, RECONCILE, &backoff)
        .await
        .problem_at(422, "/backoff/last_build_at");
}

#[tokio::test]
async fn every_missing_field_is_listed() {
    let body = json!({"preset": {"desired_instances": 1}, "running": [{"ready": true}]});
    let answer = post_json(&app(), RECONCILE, &body).await;
    let pointers: Vec<_> = answer.problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        pointers,
        [
            "/preset/id",
            "/preset/using_active_version",
            "/preset/deleted",
            "/preset/deprecated",
            "/running/0/id",
            "/running/0/created_at"
        ]
    );
}

#[tokio::test]
async fn a_required_field_given_as_null_is_a_422() {
    let app = app();
    for pointer in [
        "/preset",
        "/preset/id",
        "/preset/deleted",
        "/running/0/ready",
        "/in_progress/0/count",
    ] {
        post_json(&app, RECONCILE, &with(pointer, Value::Null))
            .await
            .problem_at(422, pointer);
    }
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_a_422_pointing_at_it() {
    let app = app();
    for (pointer, value) in [
        ("/preset", json!([])),
        ("/preset/id", json!(7)),
        ("/preset/id", json!("not-a-uuid")),
        ("/preset/id", json!("0196a3b28f4e7c1d9a2b3c4d5e6f7a8b")),
        ("/preset/deleted", json!("false")),
        ("/preset/desired_instances", json!("2")),
        ("/preset/desired_instances", json!(true)),
        ("/preset/name", json!(5)),
        ("/running", json!({})),
        ("/running/0", json!("row")),
        ("/running/0/ready", json!(1)),
        ("/running/0/created_at", json!("yesterday")),
        ("/running/0/created_at", json!("2025-06-02T12:00:00")),
        ("/running/0/created_at", json!("2025-02-30T12:00:00Z")),
        ("/running/0/created_at", json!(1_748_865_600)),
        ("/running/0/current_preset_id", json!("x")),
        ("/in_progress/0/count", json!("1")),
        ("/in_progress/0/count", json!(1.5)),
        ("/backoff", json!(3)),
    ] {
        post_json(&app, RECONCILE, &with(pointer, value.clone()))
            .await
            .problem_at(422, pointer);
    }
}

#[tokio::test]
async fn an_unknown_transition_is_a_422() {
    let body = with("/in_progress/0/transition", json!("restart"));
    let problem = post_json(&app(), RECONCILE, &body)
        .await
        .problem_at(422, "/in_progress/0/transition")
        .clone();
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("restart"),
        "{problem}"
    );
}

#[tokio::test]
async fn integers_may_be_written_with_a_fraction_of_zero_or_an_exponent() {
    let app = app();
    let body = with("/preset/desired_instances", json!(3.0));
    let answer = post_json(&app, RECONCILE, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["state"]["desired"], 3);
    let exponent = post(
        &app,
        RECONCILE,
        snapshot()
            .to_string()
            .replace("\"desired_instances\":2", "\"desired_instances\":2e0"),
    )
    .await;
    assert_eq!(exponent.json["state"]["desired"], 2, "{}", exponent.json);
}

#[tokio::test]
async fn negative_counts_are_422s_pointing_at_the_count() {
    let app = app();
    post_json(
        &app,
        RECONCILE,
        &with("/preset/desired_instances", json!(-1)),
    )
    .await
    .problem_at(422, "/preset/desired_instances");
    post_json(&app, RECONCILE, &with("/in_progress/0/count", json!(-3)))
        .await
        .problem_at(422, "/in_progress/0/count");
    let backoff = with(
        "/backoff",
        json!({"num_failed": -1, "last_build_at": "2025-06-02T12:00:00Z"}),
    );
    post_json(&app, RECONCILE, &backoff)
        .await
        .problem_at(422, "/backoff/num_failed");
    // The state call checks counts too.
    post_json(&app, "/v1/presets/state", &backoff)
        .await
        .problem_at(422, "/backoff/num_failed");
}

#[tokio::test]
async fn desired_instances_past_int32_is_a_422() {
    let app = app();
    for value in [
        json!(2_147_483_648_i64),
        json!(-2_147_483_649_i64),
        json!(1e10),
    ] {
        post_json(&app, RECONCILE, &with("/preset/desired_instances", value))
            .await
            .problem_at(422, "/preset/desired_instances");
    }
    let huge = snapshot()
        .to_string()
        .replace("\"desired_instances\":2", "\"desired_instances\":1e400");
    post(&app, RECONCILE, huge)
        .await
        .problem_at(422, "/preset/desired_instances");
    let at_max = post_json(
        &app,
        RECONCILE,
        &with("/preset/desired_instances", json!(i32::MAX)),
    )
    .await;
    assert_eq!(
        at_max.json["actions"]["create"],
        i32::MAX - 1,
        "{}",
        at_max.json
    );
}

#[tokio::test]
async fn two_running_rows_with_the_same_id_are_a_422_at_the_second() {
    let rows = json!([
        running_row(1, "2025-06-02T10:00:00Z"),
        running_row(2, "2025-06-02T10:00:00Z"),
        running_row(1, "2025-06-02T11:00:00Z"),
    ]);
    let app = app();
    for endpoint in PRESET_ENDPOINTS {
        let problem = post_json(&app, endpoint, &with("/running", rows.clone()))
            .await
            .problem_at(422, "/running/2/id")
            .clone();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("first at index 0"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn in_progress_sums_past_int32_are_a_422_at_the_row_that_overflows() {
    let rows = json!([
        {"transition": "stop", "count": 2_147_483_647},
        {"transition": "start", "count": 2_147_483_647},
        {"transition": "stop", "count": 1},
    ]);
    post_json(&app(), "/v1/presets/state", &with("/in_progress", rows))
        .await
        .problem_at(422, "/in_progress/2/count");
}

#[tokio::test]
async fn a_backoff_window_past_go_duration_is_a_422_only_where_an_interval_is_used() {
    let body = with(
        "/backoff",
        json!({"num_failed": 2_147_483_647, "last_build_at": "2025-06-02T11:00:00Z"}),
    );
    let app = app();
    let uri = |endpoint: &str| {
        format!("{endpoint}?now=2025-06-02T12:00:00Z&backoff_interval=5000000000ns")
    };
    post_json(&app, &uri("/v1/presets/actions"), &body)
        .await
        .problem_at(422, "/backoff/num_failed");
    post_json(&app, &uri("/v1/presets/reconcile"), &body)
        .await
        .problem_at(422, "/backoff/num_failed");
    // 2147483647 × 4294967298ns = 2^63 - 2 fits; one nanosecond more per failure does not.
    let fits = post_json(
        &app,
        "/v1/presets/reconcile?backoff_interval=4294967298ns",
        &body,
    )
    .await;
    assert_eq!(fits.status, 200, "{}", fits.json);
    assert_eq!(
        fits.json["actions"]["backoff_until"],
        "2317-09-12T10:47:16.854775806Z"
    );
    let past = post_json(
        &app,
        "/v1/presets/reconcile?backoff_interval=4294967299ns",
        &body,
    )
    .await;
    past.problem_at(422, "/backoff/num_failed");
    // The state call uses no interval.
    assert_eq!(
        post_json(&app, &uri("/v1/presets/state"), &body)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_backoff_ending_after_year_9999_is_a_422() {
    let body = with(
        "/backoff",
        json!({"num_failed": 1, "last_build_at": "9999-12-31T23:59:30Z"}),
    );
    post_json(&app(), RECONCILE, &body)
        .await
        .problem_at(422, "/backoff/num_failed");
}

#[tokio::test]
async fn go_native_bodies_get_pointers_in_their_own_spelling() {
    let app = app();
    let mut body = json!({
        "Preset": snapshot()["preset"].clone(),
        "Running": [running_row(1, "2025-06-02T10:00:00Z"), running_row(1, "2025-06-02T11:00:00Z")],
        "InProgress": null,
        "Backoff": null
    });
    post_json(&app, RECONCILE, &body)
        .await
        .problem_at(422, "/Running/1/id");
    body["Running"] = json!(null);
    body["Preset"]["desired_instances"] = json!({"Int32": -2, "Valid": true});
    post_json(&app, RECONCILE, &body)
        .await
        .problem_at(422, "/Preset/desired_instances/Int32");
    body["Preset"]["desired_instances"] = json!({"Int32": "2", "Valid": true});
    post_json(&app, RECONCILE, &body)
        .await
        .problem_at(422, "/Preset/desired_instances/Int32");
    body["Preset"]["desired_instances"] = json!({"Int32": 2, "Valid": "yes"});
    post_json(&app, RECONCILE, &body)
        .await
        .problem_at(422, "/Preset/desired_instances/Valid");
}

#[tokio::test]
async fn both_spellings_of_one_key_are_a_422() {
    let mut body = snapshot();
    body["Preset"] = body["preset"].clone();
    post_json(&app(), RECONCILE, &body)
        .await
        .problem_at(422, "/Preset");
}

#[tokio::test]
async fn a_key_repeated_in_one_object_is_a_422_pointing_at_it() {
    let body = r#"{"preset": {"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b", "id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
        "using_active_version": true, "deleted": false, "deprecated": false}}"#;
    post(&app(), RECONCILE, body)
        .await
        .problem_at(422, "/preset/id");
}

#[tokio::test]
async fn a_bad_now_or_backoff_interval_is_a_400_naming_the_parameter() {
    let app = app();
    let body = snapshot();
    for (query, parameter) in [
        ("now=tomorrow", "now"),
        ("now=2025-06-02T12:00:00", "now"),
        ("now=2025-06-02T12:00:00+02:00", "now"), // an unencoded + is a space
        ("now=2025-06-02T25:00:00Z", "now"),
        ("now=2025-06-02T12:00:00Z&now=2025-06-02T12:00:00Z", "now"),
        ("backoff_interval=5", "backoff_interval"),
        ("backoff_interval=1d", "backoff_interval"),
        ("backoff_interval=-1s", "backoff_interval"),
        ("backoff_interval=9223372036854775808ns", "backoff_interval"),
        ("backoff_interval=", "backoff_interval"),
    ] {
        for endpoint in [
            "/v1/presets/actions",
            "/v1/presets/reconcile",
            "/v1/global/reconcile",
        ] {
            let answer = post_json(&app, &format!("{endpoint}?{query}"), &body).await;
            let problem = answer.problem(400);
            assert_eq!(
                problem["errors"][0]["parameter"], parameter,
                "{query}: {problem}"
            );
        }
    }
}

#[tokio::test]
async fn a_body_not_sent_as_json_is_a_415() {
    let app = app();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
    ] {
        let mut request = Request::post("/v1/presets/reconcile");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let answer = send(
            &app,
            request.body(Body::from(snapshot().to_string())).unwrap(),
        )
        .await;
        answer.problem(415);
    }
    for accepted in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.coder+json",
    ] {
        let request = Request::post("/v1/presets/reconcile")
            .header(header::CONTENT_TYPE, accepted)
            .body(Body::from(snapshot().to_string()))
            .unwrap();
        assert_eq!(send(&app, request).await.status, 200, "{accepted}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_from_its_content_length_or_while_read() {
    let app = prebuild_decider::app(Config {
        max_body_bytes: 1024,
        ..Config::default()
    });
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(2000));
    // Declared length over the limit: refused before the body is read.
    let declared = Request::post("/v1/presets/state")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "1000000")
        .body(Body::empty())
        .unwrap();
    send(&app, declared).await.problem(413);
    // No length declared: refused once the stream passes the limit.
    let stream = futures_stream(big.into_bytes());
    let streamed = Request::post("/v1/presets/state")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap();
    send(&app, streamed).await.problem(413);
    // At the limit exactly is fine.
    let mut exact = snapshot().to_string();
    exact.insert_str(
        1,
        &format!("\"pad\":\"{}\",", "x".repeat(1024 - exact.len() - 9)),
    );
    assert_eq!(exact.len(), 1024);
    assert_eq!(post(&app, "/v1/presets/state", exact).await.status, 200);
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl tokio_stream::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<_> = bytes.chunks(100).map(|c| Ok(c.to_vec())).collect();
    tokio_stream::iter(chunks)
}

#[tokio::test]
async fn an_unknown_path_is_a_404_and_a_wrong_method_a_405_with_allow() {
    let app = app();
    get(&app, "/v1/presets/nope").await.problem(404);
    get(&app, "/").await.problem(404);
    let answer = get(&app, "/v1/presets/reconcile").await;
    answer.problem(405);
    assert_eq!(answer.headers[header::ALLOW], "POST");
    let answer = post(&app, "/healthz", "{}").await;
    answer.problem(405);
    assert!(
        answer.headers[header::ALLOW]
            .to_str()
            .unwrap()
            .contains("GET")
    );
}

#[tokio::test]
async fn global_snapshots_point_at_rows_in_their_own_lists() {
    let app = app();
    let preset = |id: &str| json!({"id": id, "using_active_version": true, "deleted": false, "deprecated": false});
    let (a, b) = (
        "00000000-0000-4000-8000-00000000000a",
        "00000000-0000-4000-8000-00000000000b",
    );
    let global = |presets: Value, running: Value, backoffs: Value| json!({"presets": presets, "running": running, "backoffs": backoffs});
    let uri = "/v1/global/reconcile?now=2025-06-02T12:00:00Z";

    post_json(&app, uri, &json!({"running": []}))
        .await
        .problem_at(422, "/presets");
    post_json(
        &app,
        uri,
        &global(
            json!([preset(a), preset(b), preset(a)]),
            json!([]),
            json!([]),
        ),
    )
    .await
    .problem_at(422, "/presets/2/id");
    let mut row = running_row(1, "2025-06-02T10:00:00Z");
    row["current_preset_id"] = json!(a);
    let mut same_id = running_row(1, "2025-06-02T11:00:00Z");
    same_id["current_preset_id"] = json!(b);
    post_json(
        &app,
        uri,
        &global(
            json!([preset(a), preset(b)]),
            json!([row, same_id]),
            json!([]),
        ),
    )
    .await
    .problem_at(422, "/running/1/id");
    let backoffs = json!([
        {"preset_id": a, "num_failed": 1, "last_build_at": "2025-06-02T11:00:00Z"},
        {"preset_id": b, "num_failed": 2_147_483_647, "last_build_at": "2025-06-02T11:00:00Z"}
    ]);
    post_json(
        &app,
        &format!("{uri}&backoff_interval=1h"),
        &global(json!([preset(a), preset(b)]), json!([]), backoffs),
    )
    .await
    .problem_at(422, "/backoffs/1/num_failed");
    let mut negative = preset(b);
    negative["desired_instances"] = json!({"Int32": -1, "Valid": true});
    post_json(
        &app,
        uri,
        &global(json!([preset(a), negative]), json!([]), json!([])),
    )
    .await
    .problem_at(422, "/presets/1/desired_instances/Int32");
    post_json(&app, uri, &global(json!([{"id": a}]), json!([]), json!([])))
        .await
        .problem_at(422, "/presets/0/using_active_version");
}

#[tokio::test]
async fn the_server_keeps_answering_after_bad_input() {
    let app = app();
    for body in ["{", "[]", "null", "{\"preset\": 1}", "\u{0}"] {
        let status = post(&app, RECONCILE, body).await.status.as_u16();
        assert!((400..500).contains(&status), "{body:?} got {status}");
    }
    assert_eq!(post_json(&app, RECONCILE, &snapshot()).await.status, 200);
}

#[tokio::test]
async fn an_array_where_an_object_belongs_is_a_422_even_with_the_fields_in_order() {
    let app = app();
    // serde's derived structs would read these positionally.
    let positional = json!([
        "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
        true,
        false,
        false,
        1
    ]);
    post_json(&app, RECONCILE, &with("/preset", positional))
        .await
        .problem_at(422, "/preset");
    let row = json!([
        "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a",
        true,
        "2025-06-02T10:00:00Z"
    ]);
    post_json(&app, RECONCILE, &with("/running/0", row))
        .await
        .problem_at(422, "/running/0");
    post_json(&app, RECONCILE, &json!([snapshot()["preset"].clone()]))
        .await
        .problem_at(422, "");
}

/// Every integer field, on v1 and v2, preset and global: an integral number is read in any
/// spelling (`1`, `1.0`, `1e0`, `10e-1` answer as `1` does), and a number that is not an
/// integer by its digits is a 422 at its pointer, even where the nearest double is an integer.
#[tokio::test]
async fn integers_are_judged_on_their_digits_in_every_field() {
    let app = app();
    let id = "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b";
    let preset = json!({"id": id, "using_active_version": true, "deleted": false,
        "deprecated": false, "desired_instances": 1});
    let backoff = json!({"num_failed": 1, "last_build_at": "2025-06-02T11:00:00Z"});
    let v1 = json!({"preset": preset, "running": [],
        "in_progress": [{"transition": "start", "count": 1}], "backoff": backoff});
    let go_native = json!({"Preset": {"id": id, "using_active_version": true, "deleted": false,
        "deprecated": false, "desired_instances": {"Int32": 1, "Valid": true}}});
    let global = json!({"presets": [preset], "running": [],
        "in_progress": [{"preset_id": id, "transition": "start", "count": 1}],
        "backoffs": [{"preset_id": id, "num_failed": 1, "last_build_at": "2025-06-02T11:00:00Z"}]});
    let mut v2 = v1.clone();
    v2["preset"]["ttl"] = json!(1);
    v2["preset"]["scheduling_timezone"] = json!("UTC");
    v2["schedules"] = json!([{"cron_expression": "* * * * *", "desired_instances": 1}]);
    v2["pending_count"] = json!(1);
    let mut v2_global = global.clone();
    v2_global["schedules"] =
        json!([{"preset_id": id, "cron_expression": "* * * * *", "desired_instances": 1}]);
    v2_global["pending"] = json!([{"preset_id": id, "count": 1}]);
    let query = "?now=2025-06-02T12:00:00Z&backoff_interval=1s";
    let fields = [
        ("/v1/presets/reconcile", &v1, "/preset/desired_instances"),
        ("/v1/presets/reconcile", &v1, "/in_progress/0/count"),
        ("/v1/presets/reconcile", &v1, "/backoff/num_failed"),
        ("/v1/presets/state", &v1, "/preset/desired_instances"),
        (
            "/v1/presets/actions",
            &go_native,
            "/Preset/desired_instances/Int32",
        ),
        (
            "/v1/global/reconcile",
            &global,
            "/presets/0/desired_instances",
        ),
        ("/v1/global/reconcile", &global, "/in_progress/0/count"),
        ("/v1/global/reconcile", &global, "/backoffs/0/num_failed"),
        ("/v2/presets/reconcile", &v2, "/preset/desired_instances"),
        ("/v2/presets/reconcile", &v2, "/preset/ttl"),
        (
            "/v2/presets/reconcile",
            &v2,
            "/schedules/0/desired_instances",
        ),
        ("/v2/presets/reconcile", &v2, "/pending_count"),
        ("/v2/global/reconcile", &v2_global, "/pending/0/count"),
        (
            "/v2/global/reconcile",
            &v2_global,
            "/schedules/0/desired_instances",
        ),
    ];
    let set = |body: &Value, pointer: &str, literal: &str| {
        let mut body = body.clone();
        *body.pointer_mut(pointer).unwrap() = serde_json::from_str(literal).unwrap();
        body
    };
    let without_ids = |mut answer: Value| {
        strip_decision_ids(&mut answer);
        answer
    };
    for (path, body, pointer) in fields {
        let uri = format!("{path}{query}");
        let plain = post_json(&app, &uri, &set(body, pointer, "1")).await;
        assert_eq!(plain.status, 200, "{uri} {pointer}: {}", plain.json);
        let expected = without_ids(plain.json);
        for literal in ["1.0", "1e0", "10e-1", "0.1e1", "100000000000000000000e-20"] {
            let answer = post_json(&app, &uri, &set(body, pointer, literal)).await;
            assert_eq!(
                answer.status, 200,
                "{uri} {pointer} = {literal}: {}",
                answer.json
            );
            assert_eq!(
                without_ids(answer.json),
                expected,
                "{uri} {pointer} = {literal}"
            );
        }
        for literal in ["0.9999999999999999", "1.0000000000000001", "1e-400", "1.5"] {
            let answer = post_json(&app, &uri, &set(body, pointer, literal)).await;
            answer.problem_at(422, pointer);
        }
    }
}

/// Removes every `decision_id`, which differs from answer to answer.
fn strip_decision_ids(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.remove("decision_id");
            members.values_mut().for_each(strip_decision_ids);
        }
        Value::Array(elements) => elements.iter_mut().for_each(strip_decision_ids),
        _ => {}
    }
}
