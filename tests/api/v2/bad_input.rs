//! v2's fields of the wrong type refused with a 422 and a pointer, values upstream accepts
//! decided as upstream decides them; v1's errors on v2 bodies keep v1's pointers.

use super::*;

fn preset_body(preset: Value) -> Value {
    json!({"preset": preset})
}

async fn refused_at(app: &Router, uri: &str, body: &Value, pointer: &str) {
    post_json(app, &format!("{uri}?now={NOW}"), body)
        .await
        .problem_at(422, pointer);
}

#[tokio::test]
async fn a_negative_ttl_is_no_ttl_as_upstream_reads_it() {
    // Once a 422; upstream decides it, as if no TTL were set.
    let app = app();
    for ttl in [json!(-1), json!(i32::MIN)] {
        let preset = with(active(1, 1), "ttl", ttl.clone());
        let old = json!([running(1, "2000-01-01T00:00:00Z")]);
        for body in [
            json!({"preset": preset, "running": old}),
            json!({"Preset": preset, "Running": old}),
        ] {
            let d = decide_at(&app, &body, NOW).await;
            assert_decision(
                &d,
                state(json!({"actual": 1, "desired": 1, "eligible": 1, "scheduled_target": 1})),
                json!([]),
                false,
            );
        }
        let global = json!({"presets": [active(2, 1), preset, active(3, 1)]});
        assert_eq!(
            decide_global_at(&app, &global, NOW).await.len(),
            3,
            "ttl {ttl}"
        );
    }
}

#[tokio::test]
async fn a_ttl_of_the_wrong_type_or_past_int32_is_a_422_at_its_preset() {
    let app = app();
    for bad in [
        json!("5"),
        json!(true),
        json!(1.5),
        json!([5]),
        json!({"Int32": 5}),
        json!(2_147_483_648_i64),
        json!(-2_147_483_649_i64),
        json!(1e20),
    ] {
        let preset = with(active(1, 1), "ttl", bad.clone());
        refused_at(&app, PRESET, &preset_body(preset.clone()), "/preset/ttl").await;
        let global = json!({"presets": [active(2, 1), preset]});
        refused_at(&app, GLOBAL, &global, "/presets/1/ttl").await;
    }
    // The edges and the other spellings of a count are accepted.
    for good in [json!(0), json!(2_147_483_647), json!(5.0), json!(null)] {
        let preset = with(active(1, 1), "ttl", good.clone());
        let answer = post_json(&app, PRESET, &preset_body(preset)).await;
        assert_eq!(answer.status, 200, "ttl {good}: {}", answer.json);
    }
}

#[tokio::test]
async fn a_bad_last_invalidated_at_is_a_422_at_its_preset() {
    let app = app();
    for bad in [
        json!("yesterday"),
        json!("2025-06-02 12:00:00Z"),
        json!("2025-06-02T12:00:00"),
        json!("2025-06-02"),
        json!(1_748_865_600),
        json!(true),
    ] {
        let preset = with(active(1, 1), "last_invalidated_at", bad.clone());
        refused_at(
            &app,
            PRESET,
            &preset_body(preset.clone()),
            "/preset/last_invalidated_at",
        )
        .await;
        let global = json!({"presets": [preset]});
        refused_at(&app, GLOBAL, &global, "/presets/0/last_invalidated_at").await;
    }
}

#[tokio::test]
async fn a_scheduling_timezone_that_is_not_a_string_is_a_422() {
    let preset = with(active(1, 1), "scheduling_timezone", json!(5));
    refused_at(
        &app(),
        PRESET,
        &preset_body(preset),
        "/preset/scheduling_timezone",
    )
    .await;
}

#[tokio::test]
async fn a_schedule_missing_a_field_is_a_422_at_that_field() {
    let app = app();
    let good = json!({"cron_expression": "* 9-18 * * 1-5", "desired_instances": 3});
    for (row, field) in [
        (json!({"desired_instances": 3}), "cron_expression"),
        (
            json!({"cron_expression": null, "desired_instances": 3}),
            "cron_expression",
        ),
        (
            json!({"cron_expression": "* 9-18 * * 1-5"}),
            "desired_instances",
        ),
        (
            json!({"cron_expression": "* 9 * * *", "desired_instances": null}),
            "desired_instances",
        ),
    ] {
        let body = json!({"preset": active(1, 1), "schedules": [row]});
        refused_at(&app, PRESET, &body, &format!("/schedules/0/{field}")).await;
        let body = json!({"preset": active(1, 1), "schedules": [good, row]});
        refused_at(&app, PRESET, &body, &format!("/schedules/1/{field}")).await;
        let mut owned = row.clone();
        owned["preset_id"] = json!(preset_id(1));
        let global = json!({"presets": [active(1, 1)], "schedules": [good, good, owned]});
        refused_at(&app, GLOBAL, &global, &format!("/schedules/2/{field}")).await;
    }
}

#[tokio::test]
async fn a_schedule_with_fields_of_the_wrong_type_is_a_422_at_that_field() {
    let app = app();
    for (row, pointer) in [
        (
            json!({"cron_expression": 5, "desired_instances": 3}),
            "/schedules/0/cron_expression",
        ),
        (
            json!({"cron_expression": "* * * * *", "desired_instances": "3"}),
            "/schedules/0/desired_instances",
        ),
        (
            json!({"cron_expression": "* * * * *", "desired_instances": 2.5}),
            "/schedules/0/desired_instances",
        ),
        (
            json!({"cron_expression": "* * * * *", "desired_instances": 2_147_483_648_i64}),
            "/schedules/0/desired_instances",
        ),
        (
            json!({"cron_expression": "* * * * *", "desired_instances": 1, "preset_id": "nope"}),
            "/schedules/0/preset_id",
        ),
        (json!("* * * * *"), "/schedules/0"),
    ] {
        let body = json!({"preset": active(1, 1), "schedules": [row]});
        refused_at(&app, PRESET, &body, pointer).await;
    }
    let body = json!({"preset": active(1, 1), "schedules": {"cron_expression": "* * * * *"}});
    refused_at(&app, PRESET, &body, "/schedules").await;
}

#[tokio::test]
async fn a_negative_schedule_target_is_used_as_is_or_set_aside_with_the_others() {
    // Once a 422; upstream uses the target as is when it matches.
    let app = app();
    let rows = json!([
        {"cron_expression": "* 0-8 * * *", "desired_instances": 2},
        {"cron_expression": "* 9-18 * * *", "desired_instances": -1}
    ]);
    let with_two = json!([
        running(1, "2025-06-02T10:00:00Z"),
        running(2, "2025-06-02T11:00:00Z")
    ]);
    let preset = with(active(1, 1), "scheduling_timezone", json!("UTC"));
    let body = json!({"preset": preset, "schedules": rows, "running": with_two});
    assert_decision(
        &decide_at(&app, &body, NOW).await,
        state(json!({
            "actual": 2, "desired": -1, "eligible": 2, "extraneous": 3,
            "scheduled_target": -1, "target_source": "schedule"
        })),
        json!([delete(&[1, 2])]),
        false,
    );
    for timezone in [json!(null), json!("Mars/Base")] {
        let preset = with(active(1, 1), "scheduling_timezone", timezone);
        let body = json!({"preset": preset, "schedules": rows});
        let d = decide_at(&app, &body, NOW).await;
        assert_eq!(d["state"]["desired"], 1, "{d}");
        assert!(d["state"]["schedule_error"].is_string(), "{d}");
    }
    // A stray row's negative target fails nothing either.
    let stray = json!([
        {"preset_id": preset_id(1), "cron_expression": "* 0-8 * * *", "desired_instances": 2},
        {"preset_id": preset_id(9), "cron_expression": "* 9-18 * * *", "desired_instances": -3}
    ]);
    let utc = with(active(1, 1), "scheduling_timezone", json!("UTC"));
    let global = json!({"presets": [utc], "schedules": stray});
    assert_target(&decide_global_at(&app, &global, NOW).await[0], 1, "default");
}

#[tokio::test]
async fn a_pending_count_of_the_wrong_type_is_a_422_and_a_negative_one_cancels_nothing() {
    let app = app();
    for bad in [json!("2"), json!(1.5), json!(2_147_483_648_i64), json!([2])] {
        let body = json!({"preset": inactive(1, 0), "pending_count": bad});
        refused_at(&app, PRESET, &body, "/pending_count").await;
    }
    let body = json!({"preset": inactive(1, 0), "pending_count": 2_147_483_647});
    let d = decide_at(&app, &body, NOW).await;
    assert_eq!(d["actions"], json!([cancel_pending(i32::MAX)]));
    for negative in [-1, i32::MIN] {
        let body = json!({"preset": inactive(1, 0), "pending_count": negative});
        assert_decision(
            &decide_at(&app, &body, NOW).await,
            state(json!({})),
            json!([]),
            true,
        );
    }
}

#[tokio::test]
async fn a_bad_pending_row_is_a_422_at_its_count() {
    let app = app();
    let good = json!({"preset_id": preset_id(1), "count": 1});
    for (row, pointer) in [
        (json!({"preset_id": preset_id(1)}), "/pending/1/count"),
        (
            json!({"preset_id": preset_id(1), "count": null}),
            "/pending/1/count",
        ),
        (
            json!({"preset_id": preset_id(1), "count": "1"}),
            "/pending/1/count",
        ),
        (json!({"preset_id": 5, "count": 1}), "/pending/1/preset_id"),
        (json!(3), "/pending/1"),
    ] {
        let global = json!({"presets": [inactive(1, 0)], "pending": [good, row]});
        refused_at(&app, GLOBAL, &global, pointer).await;
    }
}

#[tokio::test]
async fn a_presets_first_pending_row_counts_and_any_int32_is_decided() {
    // Once summed (and a 422 past int32); upstream takes the first row naming the preset
    // (Coder's query gives one per preset).
    let app = app();
    let row = |count: i64| json!({"preset_id": preset_id(1), "count": count});
    let body = json!({
        "presets": [inactive(1, 0), inactive(2, 0)],
        "pending": [
            row(2_147_483_600), {"preset_id": preset_id(2), "count": -100}, row(47), row(1)
        ]
    });
    let decisions = decide_global_at(&app, &body, NOW).await;
    assert_eq!(
        decisions[0]["actions"],
        json!([cancel_pending(2_147_483_600)])
    );
    assert_decision(&decisions[1], state(json!({})), json!([]), true);
}

#[tokio::test]
async fn hard_limited_must_be_a_list_of_uuids() {
    let app = app();
    for (bad, pointer) in [
        (json!("x"), "/hard_limited"),
        (json!(preset_id(1)), "/hard_limited"),
        (json!({"0": preset_id(1)}), "/hard_limited"),
        (json!(["x"]), "/hard_limited/0"),
        (json!([preset_id(1), 1]), "/hard_limited/1"),
        (json!([preset_id(1), null]), "/hard_limited/1"),
        (
            json!([preset_id(1), {"id": preset_id(1)}]),
            "/hard_limited/1",
        ),
    ] {
        let global = json!({"presets": [active(1, 1)], "hard_limited": bad});
        refused_at(&app, GLOBAL, &global, pointer).await;
    }
    let body = json!({"preset": active(1, 1), "is_hard_limited": "yes"});
    refused_at(&app, PRESET, &body, "/is_hard_limited").await;
}

#[tokio::test]
async fn v1s_errors_on_v2_bodies_keep_v1s_pointers() {
    let app = app();
    let v2_fields = |mut body: Value| {
        body["schedules"] = schedule_rows(&[("* 9-18 * * 1-5", 3)]);
        body["pending_count"] = json!(1);
        body["is_hard_limited"] = json!(true);
        body
    };
    let preset = with(active(1, 1), "ttl", json!(60));
    let twice = json!([
        running(1, "2025-06-02T10:00:00Z"),
        running(1, "2025-06-02T11:00:00Z")
    ]);
    refused_at(
        &app,
        PRESET,
        &v2_fields(json!({"preset": preset, "running": twice})),
        "/running/1/id",
    )
    .await;
    refused_at(
        &app,
        PRESET,
        &v2_fields(
            json!({"Preset": preset, "Running": twice, "InProgress": null, "Backoff": null}),
        ),
        "/Running/1/id",
    )
    .await;
    refused_at(
        &app,
        PRESET,
        &v2_fields(json!({"Preset": with(preset.clone(), "desired_instances", json!({"Int32": -2, "Valid": true}))})),
        "/Preset/desired_instances/Int32",
    )
    .await;
    refused_at(
        &app,
        PRESET,
        &v2_fields(json!({"preset": with(preset.clone(), "desired_instances", json!(-1))})),
        "/preset/desired_instances",
    )
    .await;
    let mut no_id = preset.clone();
    no_id.as_object_mut().unwrap().remove("id");
    refused_at(
        &app,
        PRESET,
        &v2_fields(json!({"preset": no_id})),
        "/preset/id",
    )
    .await;
    refused_at(
        &app,
        PRESET,
        &v2_fields(json!({"preset": preset, "in_progress": [
            {"transition": "start", "count": 1}, {"transition": "start", "count": -1}
        ]})),
        "/in_progress/1/count",
    )
    .await;
    refused_at(
        &app,
        PRESET,
        &json!({"preset": preset, "preset_": 1, "Preset": preset}),
        "/Preset",
    )
    .await;
    // Both v1 and v2 at fault: v1's checks come first.
    refused_at(
        &app,
        PRESET,
        &json!({"preset": with(preset.clone(), "ttl", json!(-1)), "running": twice}),
        "/running/1/id",
    )
    .await;
}

#[tokio::test]
async fn backoff_window_errors_keep_v1s_pointers_on_v2_bodies() {
    let app = app();
    let huge = json!({"num_failed": 2_147_483_647, "last_build_at": "2025-06-02T11:00:00Z"});
    let uri = format!("{PRESET}?now={NOW}&backoff_interval=1h");
    post_json(
        &app,
        &uri,
        &json!({"preset": active(1, 1), "backoff": huge}),
    )
    .await
    .problem_at(422, "/backoff/num_failed");
    post_json(
        &app,
        &uri,
        &json!({"Preset": active(1, 1), "Backoff": huge}),
    )
    .await
    .problem_at(422, "/Backoff/num_failed");
    // In a global snapshot, the row the preset was given, as listed.
    let mut own = huge.clone();
    own["preset_id"] = json!(preset_id(2));
    let global = json!({
        "presets": [active(1, 1), active(2, 1)],
        "backoffs": [
            {"preset_id": preset_id(1), "num_failed": 1, "last_build_at": "2025-06-02T11:00:00Z"},
            own
        ],
        "schedules": [], "pending": [], "hard_limited": [preset_id(2)]
    });
    let uri = format!("{GLOBAL}?now={NOW}&backoff_interval=1h");
    post_json(&app, &uri, &global)
        .await
        .problem_at(422, "/backoffs/1/num_failed");
    let twice = json!({"presets": [active(1, 1), active(2, 1), active(1, 2)]});
    refused_at(&app, GLOBAL, &twice, "/presets/2/id").await;
}

#[tokio::test]
async fn v2s_endpoints_share_v1s_status_codes() {
    let app = app();
    for uri in [PRESET, GLOBAL] {
        post(&app, uri, "{\"preset\": ").await.problem(400);
        post_json(&app, &format!("{uri}?now=yesterday"), &json!({}))
            .await
            .problem(400);
        post_json(&app, &format!("{uri}?backoff_interval=-1s"), &json!({}))
            .await
            .problem(400);
        post_json(&app, &format!("{uri}?explain=yes"), &json!({}))
            .await
            .problem(400);
        let plain = axum::http::Request::post(uri)
            .header(axum::http::header::CONTENT_TYPE, "text/plain")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        send(&app, plain).await.problem(415);
        let get = get(&app, uri).await;
        assert_eq!(get.status, 405, "GET {uri}");
    }
    post_json(&app, PRESET, &json!({}))
        .await
        .problem_at(422, "/preset");
    post_json(&app, GLOBAL, &json!({}))
        .await
        .problem_at(422, "/presets");
}
