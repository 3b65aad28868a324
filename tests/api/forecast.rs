//! The forecast through HTTP: v2's schedule cases restated as forecasts (working hours, several
//! windows, weekdays and weekends, Los Angeles time), daylight-saving days in Los Angeles and
//! Berlin, schedules set aside, an inactive preset, the window's edges and limits, bad input with
//! the decisions' problems, the global forecast and its total, and the chart as XML.
//!
//! Every forecast asserted here is also checked against the decision itself: at the start, the
//! middle and the last second of each interval, `POST /v2/presets/reconcile` answers the
//! interval's `target` as `desired` (and its `scheduled_target`, `target_source` and the
//! forecast's `schedule_error`).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

const FORECAST: &str = "/v2/presets/forecast";
const GLOBAL: &str = "/v2/global/forecast";
const PRESET_ID: &str = "0196a3b2-0000-7000-8000-000000000001";
/// A UTC week, Monday 2 June 2025 to the next Monday.
const WEEK: (&str, &str) = ("2025-06-02T00:00:00Z", "2025-06-09T00:00:00Z");

/// A preset snapshot: active or not, `desired_instances` `default`, with these schedules in
/// `timezone`.
fn preset(active: bool, default: i32, timezone: &str, schedules: &[(&str, i32)]) -> Value {
    json!({
        "preset": {
            "id": PRESET_ID,
            "using_active_version": active,
            "deleted": false,
            "deprecated": false,
            "desired_instances": default,
            "scheduling_timezone": timezone
        },
        "running": [],
        "in_progress": [],
        "backoff": null,
        "schedules": schedules
            .iter()
            .map(|(cron, n)| json!({"cron_expression": cron, "desired_instances": n}))
            .collect::<Vec<_>>()
    })
}

fn query(from: &str, to: &str) -> String {
    format!(
        "from={}&to={}",
        form_urlencoded::byte_serialize(from.as_bytes()).collect::<String>(),
        form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
    )
}

/// The forecast of `body` over `[from, to)`, asserted 200 and checked against the decision.
async fn forecast(app: &Router, body: &Value, from: &str, to: &str) -> Value {
    let answer = post_json(app, &format!("{FORECAST}?{}", query(from, to)), body).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.content_type(), "application/json");
    agrees_with_the_decision(app, body, &answer.json).await;
    answer.json
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// At the start, the middle and the last second of every interval, the decision answers what
/// the forecast says.
async fn agrees_with_the_decision(app: &Router, body: &Value, forecast: &Value) {
    let intervals = forecast["intervals"].as_array().unwrap();
    assert_eq!(
        intervals[0]["from"], forecast["from"],
        "the intervals start at from"
    );
    assert_eq!(
        intervals.last().unwrap()["to"],
        forecast["to"],
        "and end at to"
    );
    for pair in intervals.windows(2) {
        assert_eq!(
            pair[0]["to"], pair[1]["from"],
            "the intervals are consecutive"
        );
        let key = |i: &Value| {
            (
                i["target"].clone(),
                i["scheduled_target"].clone(),
                i["schedule"].clone(),
            )
        };
        assert!(
            key(&pair[0]) != key(&pair[1]),
            "neighbours differ: {pair:?}"
        );
    }
    for interval in intervals {
        let (from, to) = (
            instant(interval["from"].as_str().unwrap()),
            instant(interval["to"].as_str().unwrap()),
        );
        let last = (to - Duration::seconds(1)).max(from);
        for at in [from, from + (to - from) / 2, last] {
            let now = rfc3339(at);
            let uri = format!(
                "/v2/presets/reconcile?now={}",
                form_urlencoded::byte_serialize(now.as_bytes()).collect::<String>()
            );
            let decision = post_json(app, &uri, body).await;
            assert_eq!(decision.status, 200, "{}", decision.json);
            let state = &decision.json["state"];
            let context = format!("at {now}, interval {interval}, decision {state}");
            assert_eq!(state["desired"], interval["target"], "{context}");
            assert_eq!(
                state["scheduled_target"], interval["scheduled_target"],
                "{context}"
            );
            assert_eq!(state["target_source"], interval["source"], "{context}");
            assert_eq!(
                state["schedule_error"], forecast["schedule_error"],
                "{context}"
            );
        }
    }
}

/// The intervals as `(from, to, target)`.
fn steps(forecast: &Value) -> Vec<(String, String, i64)> {
    forecast["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["from"].as_str().unwrap().to_owned(),
                i["to"].as_str().unwrap().to_owned(),
                i["target"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn step(from: &str, to: &str, target: i64) -> (String, String, i64) {
    (from.to_owned(), to.to_owned(), target)
}

/// Intervals at `target` as `(from, to)`.
fn at_target(forecast: &Value, target: i64) -> Vec<(String, String)> {
    steps(forecast)
        .into_iter()
        .filter(|(_, _, t)| *t == target)
        .map(|(from, to, _)| (from, to))
        .collect()
}

mod schedules {
    use super::*;

    #[tokio::test]
    async fn working_hours_give_three_from_nine_to_nineteen_monday_to_friday_and_one_elsewhere() {
        let app = app();
        let body = preset(true, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        let days = ["02", "03", "04", "05", "06"];
        let mut expected = vec![step(WEEK.0, "2025-06-02T09:00:00Z", 1)];
        for (i, day) in days.iter().enumerate() {
            expected.push(step(
                &format!("2025-06-{day}T09:00:00Z"),
                &format!("2025-06-{day}T19:00:00Z"),
                3,
            ));
            let next = match days.get(i + 1) {
                Some(next) => format!("2025-06-{next}T09:00:00Z"),
                None => WEEK.1.to_owned(),
            };
            expected.push(step(&format!("2025-06-{day}T19:00:00Z"), &next, 1));
        }
        assert_eq!(steps(&forecast), expected);
        assert_eq!(
            forecast["hours_by_target"],
            json!([
                {"target": 1, "hours": 118.0},
                {"target": 3, "hours": 50.0}
            ])
        );
        assert_eq!(forecast["instance_hours"], json!(50.0 * 3.0 + 118.0));
        assert_eq!(
            (
                forecast["min_target"].clone(),
                forecast["max_target"].clone()
            ),
            (json!(1), json!(3))
        );
        assert_eq!(forecast["timezone"], "UTC");
        assert_eq!(forecast["active"], true);
        assert_eq!(forecast["schedule_error"], Value::Null);
        assert_eq!(forecast["clock_changes"], json!([]));
        let first_at_three = &forecast["intervals"][1];
        assert_eq!(first_at_three["source"], "schedule");
        assert_eq!(
            first_at_three["schedule"],
            json!({"index": 0, "cron_expression": "* 9-18 * * 1-5"})
        );
        assert_eq!(first_at_three["local_from"], "2025-06-02T09:00:00+00:00");
        assert_eq!(first_at_three["hours"], 10.0);
        assert_eq!(forecast["intervals"][0]["source"], "default");
        assert_eq!(forecast["intervals"][0]["schedule"], Value::Null);
    }

    #[tokio::test]
    async fn three_weekday_windows_each_give_their_own_target() {
        let app = app();
        let body = preset(
            true,
            1,
            "UTC",
            &[
                ("* 6-8 * * 1-5", 2),
                ("* 9-17 * * 1-5", 5),
                ("* 18-22 * * 1-5", 3),
            ],
        );
        let forecast = forecast(&app, &body, "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z").await;
        assert_eq!(
            steps(&forecast),
            [
                step("2025-06-02T00:00:00Z", "2025-06-02T06:00:00Z", 1),
                step("2025-06-02T06:00:00Z", "2025-06-02T09:00:00Z", 2),
                step("2025-06-02T09:00:00Z", "2025-06-02T18:00:00Z", 5),
                step("2025-06-02T18:00:00Z", "2025-06-02T23:00:00Z", 3),
                step("2025-06-02T23:00:00Z", "2025-06-03T00:00:00Z", 1),
            ]
        );
        let sources: Vec<_> = forecast["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["schedule"]["index"].clone())
            .collect();
        assert_eq!(
            sources,
            [Value::Null, json!(0), json!(1), json!(2), Value::Null]
        );
    }

    #[tokio::test]
    async fn weekday_and_weekend_schedules_each_hold_on_their_own_days() {
        let app = app();
        let body = preset(true, 0, "UTC", &[("* * * * 1-5", 4), ("* * * * 0,6", 1)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        assert_eq!(
            steps(&forecast),
            [
                step(WEEK.0, "2025-06-07T00:00:00Z", 4),
                step("2025-06-07T00:00:00Z", WEEK.1, 1),
            ]
        );
        assert_eq!(forecast["instance_hours"], json!(5.0 * 24.0 * 4.0 + 48.0));
    }

    #[tokio::test]
    async fn a_los_angeles_schedule_follows_los_angeles_time() {
        let app = app();
        let body = preset(true, 1, "America/Los_Angeles", &[("* 9-18 * * 1-5", 3)]);
        // Monday in Los Angeles (PDT, UTC−7): 09:00 local is 16:00 UTC.
        let forecast = forecast(&app, &body, "2025-06-02T07:00:00Z", "2025-06-03T07:00:00Z").await;
        assert_eq!(
            at_target(&forecast, 3),
            [(
                "2025-06-02T16:00:00Z".to_owned(),
                "2025-06-03T02:00:00Z".to_owned()
            )]
        );
        let at_three = &forecast["intervals"][1];
        assert_eq!(at_three["local_from"], "2025-06-02T09:00:00-07:00");
        assert_eq!(at_three["local_to"], "2025-06-02T19:00:00-07:00");
        assert_eq!(forecast["timezone"], "America/Los_Angeles");
    }

    #[tokio::test]
    async fn a_half_hour_zone_changes_on_its_own_hours() {
        let app = app();
        let body = preset(true, 0, "Asia/Kolkata", &[("* 9 * * *", 2)]);
        let forecast = forecast(&app, &body, "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z").await;
        assert_eq!(
            at_target(&forecast, 2),
            [(
                "2025-06-02T03:30:00Z".to_owned(),
                "2025-06-02T04:30:00Z".to_owned()
            )]
        );
    }

    #[tokio::test]
    async fn the_first_matching_schedule_names_the_interval() {
        let app = app();
        // The two do not overlap by the contract's rule (neither their days of the month nor
        // their weekdays meet), yet both match Monday 2 June at 09:00: the first listed wins,
        // and the forecast says which.
        let body = preset(true, 0, "UTC", &[("* 9 1 * 1", 7), ("* 9 2 * 2", 8)]);
        let forecast = forecast(&app, &body, "2025-06-02T09:00:00Z", "2025-06-02T10:00:00Z").await;
        assert_eq!(forecast["intervals"][0]["schedule"]["index"], 0);
        assert_eq!(forecast["intervals"][0]["target"], 7);
    }
}

#[tokio::test]
async fn a_negative_target_is_forecast_as_it_is_and_holds_no_instance() {
    let app = app();
    let body = preset(true, 1, "UTC", &[("* 9 * * *", -1)]);
    let forecast = forecast(&app, &body, "2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z").await;
    assert_eq!(
        at_target(&forecast, -1),
        [(
            "2025-06-02T09:00:00Z".to_owned(),
            "2025-06-02T10:00:00Z".to_owned()
        )]
    );
    assert_eq!(forecast["min_target"], -1);
    assert_eq!(forecast["instance_hours"], json!(23.0));
}

mod daylight_saving {
    use super::*;

    #[tokio::test]
    async fn los_angeles_springs_forward_and_an_hour_that_never_happens_is_never_scheduled() {
        let app = app();
        // Sunday 9 March 2025: 02:00 PST becomes 03:00 PDT at 10:00 UTC.
        let body = preset(
            true,
            1,
            "America/Los_Angeles",
            &[("* 2 * * *", 5), ("* 3 * * *", 4)],
        );
        let forecast = forecast(&app, &body, "2025-03-08T08:00:00Z", "2025-03-10T07:00:00Z").await;
        // Saturday has both hours; Sunday only 03:00 (at 10:00 UTC, when clocks resume).
        assert_eq!(
            steps(&forecast),
            [
                step("2025-03-08T08:00:00Z", "2025-03-08T10:00:00Z", 1),
                step("2025-03-08T10:00:00Z", "2025-03-08T11:00:00Z", 5),
                step("2025-03-08T11:00:00Z", "2025-03-08T12:00:00Z", 4),
                step("2025-03-08T12:00:00Z", "2025-03-09T10:00:00Z", 1),
                step("2025-03-09T10:00:00Z", "2025-03-09T11:00:00Z", 4),
                step("2025-03-09T11:00:00Z", "2025-03-10T07:00:00Z", 1),
            ]
        );
        assert_eq!(
            forecast["clock_changes"],
            json!([{
                "at": "2025-03-09T10:00:00Z",
                "local_before": "2025-03-09T02:00:00-08:00",
                "local_after": "2025-03-09T03:00:00-07:00",
                "abbreviation_before": "PST",
                "abbreviation_after": "PDT",
                "shift_seconds": 3600,
                "effect": "skipped",
                "detail": "clocks go forward 1h from 02:00 PST to 03:00 PDT: 02:00 to 03:00 is skipped"
            }])
        );
        assert_eq!(
            forecast["intervals"][4]["local_from"],
            "2025-03-09T03:00:00-07:00"
        );
    }

    #[tokio::test]
    async fn los_angeles_falls_back_and_a_repeated_hour_is_scheduled_twice() {
        let app = app();
        // Sunday 2 November 2025: 02:00 PDT becomes 01:00 PST at 09:00 UTC.
        let body = preset(true, 1, "America/Los_Angeles", &[("* 1 * * *", 5)]);
        let forecast = forecast(&app, &body, "2025-11-02T07:00:00Z", "2025-11-03T08:00:00Z").await;
        assert_eq!(
            steps(&forecast),
            [
                step("2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z", 1),
                step("2025-11-02T08:00:00Z", "2025-11-02T10:00:00Z", 5),
                step("2025-11-02T10:00:00Z", "2025-11-03T08:00:00Z", 1),
            ]
        );
        let fall = &forecast["clock_changes"][0];
        assert_eq!(fall["at"], "2025-11-02T09:00:00Z");
        assert_eq!(fall["effect"], "repeated");
        assert_eq!(fall["shift_seconds"], -3600);
        assert_eq!(fall["local_before"], "2025-11-02T02:00:00-07:00");
        assert_eq!(fall["local_after"], "2025-11-02T01:00:00-08:00");
        assert_eq!(
            forecast["hours_by_target"][1],
            json!({"target": 5, "hours": 2.0})
        );
    }

    #[tokio::test]
    async fn berlin_springs_forward_and_falls_back_at_its_own_hours() {
        let app = app();
        let body = preset(true, 2, "Europe/Berlin", &[("* 9-17 * * 1-5", 6)]);
        // The week after 30 March 2025 (02:00 CET becomes 03:00 CEST at 01:00 UTC): Friday
        // 28 March still starts at 08:00 UTC, Monday 31 March at 07:00 UTC.
        let spring = forecast(&app, &body, "2025-03-28T00:00:00Z", "2025-04-01T00:00:00Z").await;
        assert_eq!(
            at_target(&spring, 6),
            [
                (
                    "2025-03-28T08:00:00Z".to_owned(),
                    "2025-03-28T17:00:00Z".to_owned()
                ),
                (
                    "2025-03-31T07:00:00Z".to_owned(),
                    "2025-03-31T16:00:00Z".to_owned()
                ),
            ]
        );
        let change = &spring["clock_changes"][0];
        assert_eq!(change["at"], "2025-03-30T01:00:00Z");
        assert_eq!(change["effect"], "skipped");
        assert_eq!(
            (
                change["abbreviation_before"].clone(),
                change["abbreviation_after"].clone()
            ),
            (json!("CET"), json!("CEST"))
        );
        // 26 October 2025: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        let fall = forecast(&app, &body, "2025-10-24T00:00:00Z", "2025-10-28T00:00:00Z").await;
        assert_eq!(
            at_target(&fall, 6),
            [
                (
                    "2025-10-24T07:00:00Z".to_owned(),
                    "2025-10-24T16:00:00Z".to_owned()
                ),
                (
                    "2025-10-27T08:00:00Z".to_owned(),
                    "2025-10-27T17:00:00Z".to_owned()
                ),
            ]
        );
        let change = &fall["clock_changes"][0];
        assert_eq!(change["at"], "2025-10-26T01:00:00Z");
        assert_eq!(change["effect"], "repeated");
        assert_eq!(
            change["detail"],
            "clocks go back 1h from 03:00 CEST to 02:00 CET: 02:00 to 03:00 happens twice"
        );
    }

    #[tokio::test]
    async fn lord_howe_moves_its_clocks_half_an_hour() {
        let app = app();
        let body = preset(true, 1, "Australia/Lord_Howe", &[("* 2 * * *", 3)]);
        // 5 October 2025: 02:00 becomes 02:30 (+10:30 to +11:00) at 15:30 UTC on the 4th.
        let forecast = forecast(&app, &body, "2025-10-04T12:00:00Z", "2025-10-04T18:00:00Z").await;
        assert_eq!(forecast["clock_changes"][0]["shift_seconds"], 1800);
        assert_eq!(forecast["clock_changes"][0]["effect"], "skipped");
        // 02:30 to 03:00 local is all that is left of the hour.
        assert_eq!(
            at_target(&forecast, 3),
            [(
                "2025-10-04T15:30:00Z".to_owned(),
                "2025-10-04T16:00:00Z".to_owned()
            )]
        );
    }
}

mod set_aside {
    use super::*;

    #[tokio::test]
    async fn overlapping_schedules_fall_back_to_the_default_for_the_whole_window() {
        let app = app();
        let body = preset(true, 2, "UTC", &[("* 9-18 * * 1-5", 3), ("* 12 * * *", 7)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        assert_eq!(steps(&forecast), [step(WEEK.0, WEEK.1, 2)]);
        assert_eq!(forecast["intervals"][0]["source"], "default");
        let error = forecast["schedule_error"].as_str().unwrap();
        assert!(error.contains("overlap"), "{error}");
        assert_eq!(forecast["instance_hours"], json!(2.0 * 168.0));
    }

    #[tokio::test]
    async fn an_unknown_timezone_falls_back_to_the_default_and_reads_local_time_in_utc() {
        let app = app();
        let body = preset(true, 2, "Mars/Olympus_Mons", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        assert_eq!(steps(&forecast), [step(WEEK.0, WEEK.1, 2)]);
        assert!(
            forecast["schedule_error"]
                .as_str()
                .unwrap()
                .contains("Mars/Olympus_Mons")
        );
        assert_eq!(forecast["timezone"], "UTC");
        assert_eq!(
            forecast["intervals"][0]["local_from"],
            "2025-06-02T00:00:00+00:00"
        );
    }

    #[tokio::test]
    async fn an_empty_timezone_sets_the_schedules_aside() {
        let app = app();
        let body = preset(true, 2, "", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        assert_eq!(steps(&forecast), [step(WEEK.0, WEEK.1, 2)]);
        assert!(forecast["schedule_error"].is_string());
    }

    #[tokio::test]
    async fn an_inactive_preset_has_a_target_of_zero_whatever_its_schedules_say() {
        let app = app();
        let body = preset(false, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, WEEK.0, WEEK.1).await;
        assert_eq!(
            steps(&forecast).iter().map(|s| s.2).collect::<Vec<_>>(),
            [0; 11]
        );
        assert_eq!(forecast["intervals"][1]["scheduled_target"], 3);
        assert_eq!(forecast["intervals"][1]["source"], "schedule");
        assert_eq!(forecast["active"], false);
        assert_eq!(forecast["instance_hours"], json!(0.0));
        assert_eq!(
            (
                forecast["min_target"].clone(),
                forecast["max_target"].clone()
            ),
            (json!(0), json!(0))
        );
    }
}

mod window {
    use super::*;

    #[tokio::test]
    async fn a_window_of_one_second_is_one_interval() {
        let app = app();
        let body = preset(true, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, "2025-06-02T08:59:59Z", "2025-06-02T09:00:00Z").await;
        assert_eq!(
            steps(&forecast),
            [step("2025-06-02T08:59:59Z", "2025-06-02T09:00:00Z", 1)]
        );
        assert_eq!(forecast["intervals"][0]["hours"], json!(1.0 / 3600.0));
    }

    #[tokio::test]
    async fn a_window_of_exactly_one_interval_is_that_interval() {
        let app = app();
        let body = preset(true, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(&app, &body, "2025-06-02T09:00:00Z", "2025-06-02T19:00:00Z").await;
        assert_eq!(
            steps(&forecast),
            [step("2025-06-02T09:00:00Z", "2025-06-02T19:00:00Z", 3)]
        );
        assert_eq!(forecast["instance_hours"], json!(30.0));
    }

    #[tokio::test]
    async fn a_window_may_start_and_end_inside_a_second_and_in_any_offset() {
        let app = app();
        let body = preset(true, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let forecast = forecast(
            &app,
            &body,
            "2025-06-02T10:30:00.25+02:00",
            "2025-06-02T09:00:00.5Z",
        )
        .await;
        assert_eq!(
            steps(&forecast),
            [
                step("2025-06-02T08:30:00.25Z", "2025-06-02T09:00:00Z", 1),
                step("2025-06-02T09:00:00Z", "2025-06-02T09:00:00.5Z", 3),
            ]
        );
    }

    #[tokio::test]
    async fn ninety_two_days_are_forecast_and_a_second_more_is_refused() {
        let app = app();
        let body = preset(true, 1, "America/Los_Angeles", &[("* 9-18 * * 1-5", 3)]);
        let uri = format!(
            "{FORECAST}?{}",
            query("2025-01-01T00:00:00Z", "2025-04-03T00:00:00Z")
        );
        let answer = post_json(&app, &uri, &body).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert_eq!(answer.json["clock_changes"].as_array().unwrap().len(), 1);
        let uri = format!(
            "{FORECAST}?{}",
            query("2025-01-01T00:00:00Z", "2025-04-03T00:00:01Z")
        );
        let answer = post_json(&app, &uri, &body).await;
        let problem = answer.problem(400);
        assert_eq!(
            problem["type"],
            "urn:prebuild-decider:problem:invalid-query"
        );
        assert_eq!(problem["errors"][0]["parameter"], "to");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("at most 92 days"),
            "{problem}"
        );
    }

    #[tokio::test]
    async fn without_a_window_the_next_seven_days_are_forecast() {
        let app = app();
        let body = preset(true, 1, "UTC", &[]);
        let answer = post_json(&app, FORECAST, &body).await;
        assert_eq!(answer.status, 200);
        let (from, to) = (
            instant(answer.json["from"].as_str().unwrap()),
            instant(answer.json["to"].as_str().unwrap()),
        );
        assert_eq!(to - from, Duration::days(7));
        assert!((Utc::now() - from).num_seconds().abs() < 60);
        let only_from = format!("{FORECAST}?from=2025-06-02T00:00:00Z");
        let answer = post_json(&app, &only_from, &body).await;
        assert_eq!(answer.json["to"], "2025-06-09T00:00:00Z");
    }

    #[tokio::test]
    async fn bad_windows_and_formats_are_refused_at_their_parameter() {
        let app = app();
        let body = preset(true, 1, "UTC", &[]);
        for (query, parameter) in [
            ("from=yesterday", "from"),
            ("to=2025-06-02T25:00:00Z", "to"),
            ("from=2025-06-02T00:00:00Z&to=2025-06-02T00:00:00Z", "to"),
            ("from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z", "to"),
            ("to=2000-01-01T00:00:00Z", "to"),
            ("from=0000-01-01T00:00:00Z&to=0000-01-03T00:00:00Z", "from"),
            ("from=9999-12-31T12:00:00Z", "from"),
            (
                "from=2025-06-02T00:00:00Z&from=2025-06-03T00:00:00Z",
                "from",
            ),
            ("format=png", "format"),
            ("format=json&format=svg", "format"),
        ] {
            let answer = post_json(&app, &format!("{FORECAST}?{query}"), &body).await;
            let problem = answer.problem(400);
            assert_eq!(
                problem["type"], "urn:prebuild-decider:problem:invalid-query",
                "{query}"
            );
            assert_eq!(
                problem["errors"][0]["parameter"], parameter,
                "{query}: {problem}"
            );
        }
    }
}

mod bad_input {
    use super::*;

    /// The forecast and the decision answer one problem for the same bad body.
    async fn same_problem(app: &Router, body: &str) -> Value {
        let forecast = post(
            app,
            &format!("{FORECAST}?{}", query(WEEK.0, WEEK.1)),
            body.to_owned(),
        )
        .await;
        let decision = post(app, "/v2/presets/reconcile", body.to_owned()).await;
        assert_eq!(forecast.status, decision.status, "{}", forecast.json);
        assert_eq!(forecast.json, decision.json);
        assert_eq!(forecast.content_type(), "application/problem+json");
        forecast.json
    }

    #[tokio::test]
    async fn bad_bodies_get_the_decisions_problems() {
        let app = app();
        let malformed = same_problem(&app, r#"{"preset": {"id": }"#).await;
        assert_eq!(malformed["status"], 400);
        let mut body = preset(true, 1, "UTC", &[]);
        body["schedules"] = json!([{"cron_expression": "* 9 * * *", "desired_instances": "three"}]);
        let invalid = same_problem(&app, &body.to_string()).await;
        assert_eq!(invalid["status"], 422);
        assert_eq!(
            invalid["errors"][0]["pointer"],
            "/schedules/0/desired_instances"
        );
        body = preset(true, 1, "UTC", &[]);
        body["running"] = json!([
            running_row(1, "2025-06-01T00:00:00Z"),
            running_row(1, "2025-06-01T00:00:00Z")
        ]);
        assert_eq!(same_problem(&app, &body.to_string()).await["status"], 422);
        body = preset(true, 1, "UTC", &[]);
        body["schedules"] = json!([{"desired_instances": 1}]);
        let missing = same_problem(&app, &body.to_string()).await;
        assert_eq!(
            missing["errors"][0]["pointer"],
            "/schedules/0/cron_expression"
        );
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_is_refused_as_the_decisions_refuse_it() {
        let app = app();
        let request = Request::post(FORECAST)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        send(&app, request).await.problem(415);
        let answer = post(&app, FORECAST, "[]").await;
        answer.problem(422);
    }

    #[tokio::test]
    async fn an_svg_request_with_a_bad_body_gets_a_problem_in_json() {
        let app = app();
        let request = Request::post(format!("{FORECAST}?format=svg"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "image/svg+xml")
            .body(Body::from("{"))
            .unwrap();
        send(&app, request).await.problem(400);
    }
}

mod global {
    use super::*;

    fn owned(id: &str, cron: &str, n: i32) -> Value {
        json!({"preset_id": id, "cron_expression": cron, "desired_instances": n})
    }

    fn global_body() -> Value {
        let (a, b, c) = (
            "0196a3b2-0000-7000-8000-00000000000a",
            "0196a3b2-0000-7000-8000-00000000000b",
            "0196a3b2-0000-7000-8000-00000000000c",
        );
        let row = |id: &str, active: bool, default: i32, timezone: &str| {
            json!({"id": id, "using_active_version": active, "deleted": false,
                   "deprecated": false, "desired_instances": default,
                   "scheduling_timezone": timezone})
        };
        json!({
            "presets": [
                row(a, true, 1, "UTC"),
                row(b, true, 2, "Europe/Berlin"),
                row(c, false, 4, "UTC"),
            ],
            "running": [],
            "in_progress": [],
            "backoffs": [],
            "schedules": [
                owned(a, "* 9-18 * * 1-5", 3),
                owned(b, "* 8 * * *", 0),
                owned(c, "* * * * *", 9),
            ]
        })
    }

    #[tokio::test]
    async fn each_preset_is_forecast_as_alone_and_the_pool_sums_their_targets() {
        let app = app();
        let body = global_body();
        let window = query("2025-06-02T00:00:00Z", "2025-06-03T00:00:00Z");
        let answer = post_json(&app, &format!("{GLOBAL}?{window}"), &body).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        let presets = answer.json["presets"].as_array().unwrap();
        assert_eq!(presets.len(), 3);
        // Berlin's 08:00 (CEST) is 06:00 UTC; the inactive preset holds nothing.
        assert_eq!(
            answer.json["total"]["intervals"],
            json!([
                {"from": "2025-06-02T00:00:00Z", "to": "2025-06-02T06:00:00Z", "instances": 3},
                {"from": "2025-06-02T06:00:00Z", "to": "2025-06-02T07:00:00Z", "instances": 1},
                {"from": "2025-06-02T07:00:00Z", "to": "2025-06-02T09:00:00Z", "instances": 3},
                {"from": "2025-06-02T09:00:00Z", "to": "2025-06-02T19:00:00Z", "instances": 5},
                {"from": "2025-06-02T19:00:00Z", "to": "2025-06-03T00:00:00Z", "instances": 3},
            ])
        );
        assert_eq!(
            answer.json["total"]["instance_hours"],
            json!(3.0 * 6.0 + 1.0 + 3.0 * 2.0 + 50.0 + 15.0)
        );
        assert_eq!(answer.json["total"]["min_instances"], 1);
        assert_eq!(answer.json["total"]["max_instances"], 5);
        assert_eq!(presets[2]["active"], false);
        assert_eq!(presets[2]["intervals"][0]["scheduled_target"], 9);
        // Each preset's forecast is its own snapshot's, alone (schedule indexes aside: they
        // count in the global list).
        let alone = |index: usize, schedule: usize| {
            let mut snapshot = json!({
                "preset": body["presets"][index],
                "running": [], "in_progress": [], "backoff": null,
                "schedules": [body["schedules"][schedule]]
            });
            snapshot["schedules"][0]
                .as_object_mut()
                .unwrap()
                .remove("preset_id");
            snapshot
        };
        for (index, schedule) in [(0, 0), (1, 1), (2, 2)] {
            let single = forecast(
                &app,
                &alone(index, schedule),
                "2025-06-02T00:00:00Z",
                "2025-06-03T00:00:00Z",
            )
            .await;
            let strip = |mut value: Value| {
                for interval in value["intervals"].as_array_mut().unwrap() {
                    interval["schedule"] = Value::Null;
                }
                value
            };
            assert_eq!(
                strip(presets[index].clone()),
                strip(single),
                "preset {index}"
            );
        }
    }

    #[tokio::test]
    async fn a_chart_of_many_presets_shows_the_first_seven_and_the_others_together() {
        let app = app();
        let ids: Vec<String> = (1..=12)
            .map(|n| format!("0196a3b2-0000-7000-8000-{n:012}"))
            .collect();
        let body = json!({
            "presets": ids.iter().map(|id| json!({"id": id, "using_active_version": true,
                "deleted": false, "deprecated": false, "desired_instances": 1,
                "scheduling_timezone": "UTC"})).collect::<Vec<_>>(),
            "running": [], "in_progress": [], "backoffs": [],
            "schedules": ids.iter().map(|id| owned(id, "* 9-18 * * 1-5", 2)).collect::<Vec<_>>()
        });
        let window = query(WEEK.0, WEEK.1);
        let answer = post_json(&app, &format!("{GLOBAL}?{window}&format=svg"), &body).await;
        let text = String::from_utf8(answer.bytes).unwrap();
        let document = roxmltree::Document::parse(&text).unwrap();
        let texts: Vec<_> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        // 12 presets of 118 h at 1 and 50 h at 2.
        assert!(
            texts.contains(&"2,616 instance-hours in 7 days, pool of 12 to 24: 12 presets"),
            "{texts:?}"
        );
        assert_eq!(texts.iter().filter(|t| t.starts_with("preset ")).count(), 7);
        assert!(
            texts.contains(&"5 other presets (1,090 instance-hours)"),
            "{texts:?}"
        );
    }

    #[tokio::test]
    async fn a_global_forecast_is_also_a_chart() {
        let app = app();
        let window = query("2025-06-02T00:00:00Z", "2025-06-09T00:00:00Z");
        let answer = post_json(
            &app,
            &format!("{GLOBAL}?{window}&format=svg"),
            &global_body(),
        )
        .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type(), "image/svg+xml");
        let text = String::from_utf8(answer.bytes).unwrap();
        let document = roxmltree::Document::parse(&text).unwrap();
        let texts: Vec<_> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("590 instance-hours in 7 days, pool of 1 to 5: 3 presets")),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains(
                "preset 0196a3b2-0000-7000-8000-00000000000b: 0 to 2 (322 instance-hours)"
            )),
            "{texts:?}"
        );
    }
}

mod chart {
    use super::*;

    async fn svg(app: &Router, body: &Value, query_string: &str, accept: Option<&str>) -> String {
        let mut request = Request::post(format!("{FORECAST}?{query_string}"))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT, accept);
        }
        let answer = send(app, request.body(Body::from(body.to_string())).unwrap()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type(), "image/svg+xml");
        assert_eq!(answer.headers[header::VARY], "accept");
        String::from_utf8(answer.bytes).unwrap()
    }

    #[tokio::test]
    async fn accept_or_format_asks_for_the_chart_and_json_stays_the_default() {
        let app = app();
        let body = preset(true, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let window = query(WEEK.0, WEEK.1);
        let by_accept = svg(&app, &body, &window, Some("image/svg+xml")).await;
        let by_format = svg(
            &app,
            &body,
            &format!("{window}&format=svg"),
            Some("application/json"),
        )
        .await;
        assert_eq!(by_accept, by_format);
        for accept in [
            None,
            Some("*/*"),
            Some("application/json"),
            Some("text/html"),
        ] {
            let mut request = Request::post(format!("{FORECAST}?{window}"))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(accept) = accept {
                request = request.header(header::ACCEPT, accept);
            }
            let answer = send(&app, request.body(Body::from(body.to_string())).unwrap()).await;
            assert_eq!(answer.content_type(), "application/json", "{accept:?}");
        }
        let json = post_json(&app, &format!("{FORECAST}?{window}&format=json"), &body).await;
        assert_eq!(json.content_type(), "application/json");
    }

    #[tokio::test]
    async fn the_chart_is_svg_with_the_target_ticks_schedules_and_clock_changes() {
        let app = app();
        let body = preset(
            true,
            1,
            "America/Los_Angeles",
            &[("* 9-13 * * 1-5", 3), ("* 14-18 * * 1-5", 2)],
        );
        let window = query("2025-03-03T00:00:00-08:00", "2025-03-10T00:00:00-07:00");
        let text = svg(&app, &body, &window, Some("image/svg+xml")).await;
        let document = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("width"), Some("1100"));
        let texts: Vec<_> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        let has = |wanted: &str| texts.iter().any(|t| t.contains(wanted));
        // The title: instance-hours, the window, the targets.
        assert!(
            has("242 instance-hours in 167 hours, target 1 to 3"),
            "{texts:?}"
        );
        // Local day ticks (the 9th is a Sunday) and hour ticks.
        for day in ["Mon 03-03", "Sat 03-08", "Sun 03-09"] {
            assert!(has(day), "{day} in {texts:?}");
        }
        assert!(has("12:00"));
        assert!(has("local time, America/Los_Angeles"));
        // The schedules and the default in the legend, and the clock change marked.
        assert!(has("schedule 0 `* 9-13 * * 1-5`: 3"), "{texts:?}");
        assert!(has("schedule 1 `* 14-18 * * 1-5`: 2"));
        assert!(has("default (desired_instances): 1"));
        assert!(has("PST→PDT +1h"), "{texts:?}");
        // The areas under the target (a rectangle per interval, besides the background and the
        // legend's marks) and the step line.
        let rectangles = document
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .count();
        assert!(rectangles >= 11 + 1 + 3, "{rectangles} rectangles");
        let lines = document
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert!(lines >= 1, "{lines} polylines");
    }

    #[tokio::test]
    async fn an_inactive_presets_chart_shows_what_the_schedules_would_ask() {
        let app = app();
        let body = preset(false, 1, "UTC", &[("* 9-18 * * 1-5", 3)]);
        let text = svg(&app, &body, &query(WEEK.0, WEEK.1), Some("image/svg+xml")).await;
        let document = roxmltree::Document::parse(&text).unwrap();
        assert!(document.descendants().any(|n| {
            n.text()
                .is_some_and(|t| t.contains("the preset is inactive, so its target is 0"))
        }));
    }

    #[tokio::test]
    async fn the_readme_chart_is_the_committed_example_forecast() {
        let app = app();
        let body: Value =
            serde_json::from_str(include_str!("../../examples/v2-preset-snapshot.json")).unwrap();
        let text = svg(
            &app,
            &body,
            &query(README_WINDOW.0, README_WINDOW.1),
            Some("image/svg+xml"),
        )
        .await;
        let path = format!("{}/docs/forecast-example.svg", env!("CARGO_MANIFEST_DIR"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "docs/forecast-example.svg is out of date; regenerate it with `cargo run -- forecast \
             examples/v2-preset-snapshot.json --from {} --to {} --svg docs/forecast-example.svg`",
            README_WINDOW.0,
            README_WINDOW.1
        );
    }
}

/// The window of the README's chart: the week of 3 March 2025 in Los Angeles, across the spring
/// change.
pub const README_WINDOW: (&str, &str) = ("2025-03-03T00:00:00-08:00", "2025-03-10T00:00:00-07:00");

/// `prebuild-decider forecast`: the same forecast as the HTTP call, as a table and a chart by
/// local hour, the JSON with `--json`, the SVG with `--svg`, and the same problems.
mod cli {
    use std::process::Command;

    use super::*;

    fn forecast_command(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_prebuild-decider"))
            .arg("forecast")
            .args(args)
            .output()
            .unwrap()
    }

    fn example(name: &str) -> String {
        format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    #[tokio::test]
    async fn the_json_and_the_chart_are_the_http_calls() {
        let path = example("v2-preset-snapshot.json");
        let (from, to) = README_WINDOW;
        let output = forecast_command(&[&path, "--from", from, "--to", to, "--json"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
        let body: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let uri = format!("{FORECAST}?{}", query(from, to));
        assert_eq!(printed, post_json(&app(), &uri, &body).await.json);

        let svg = std::env::temp_dir().join(format!("forecast-{}.svg", std::process::id()));
        let output = forecast_command(&[
            &path,
            "--from",
            from,
            "--to",
            to,
            "--svg",
            svg.to_str().unwrap(),
        ]);
        assert!(output.status.success());
        let request = Request::post(format!("{uri}&format=svg"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let served = send(&app(), request).await;
        assert_eq!(std::fs::read(&svg).unwrap(), served.bytes);
        std::fs::remove_file(&svg).unwrap();
    }

    #[test]
    fn the_table_and_the_chart_read_in_local_time() {
        let path = example("v2-preset-snapshot.json");
        let (from, to) = README_WINDOW;
        let output = forecast_command(&[&path, "--from", from, "--to", to]);
        assert!(output.status.success());
        let text = String::from_utf8(output.stdout).unwrap();
        for line in [
            "Preset 0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b (America/Los_Angeles), active",
            "242 instance-hours; target 1 to 3 (117 h at 1, 25 h at 2, 25 h at 3)",
            "Mon 2025-03-03 09:00       Mon 2025-03-03 14:00             5      3  schedule 0 `* 9-13 * * 1-5`",
            "Sun 2025-03-09 02:00 PST -> 03:00 PDT: 02:00 to 03:00 is skipped",
            "Mon 2025-03-03 111111111333332222211111",
            "Sat 2025-03-08 111111111111111111111111",
            "Sun 2025-03-09 11-111111111111111111111  (- : skipped by the clock change)",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in:\n{text}");
        }
    }

    #[test]
    fn a_repeated_hour_is_noted_and_large_targets_are_drawn_in_eighths() {
        let body = preset(true, 40, "Europe/Berlin", &[("* 9-17 * * 1-5", 80)]);
        let path = std::env::temp_dir().join(format!("forecast-{}.json", std::process::id()));
        std::fs::write(&path, body.to_string()).unwrap();
        let output = forecast_command(&[
            path.to_str().unwrap(),
            "--from",
            "2025-10-24T00:00:00+02:00",
            "--to",
            "2025-10-28T00:00:00+01:00",
        ]);
        std::fs::remove_file(&path).unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains("Target by local hour (Europe/Berlin): eighths of 80"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l == "Fri 2025-10-24 ▄▄▄▄▄▄▄▄▄█████████▄▄▄▄▄▄"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l.starts_with("Sun 2025-10-26 ▄▄▄▄")
                && l.ends_with("(an hour repeated by the clock change: its first time shown)")),
            "{text}"
        );
    }

    #[test]
    fn the_global_forecast_prints_the_pool() {
        let path = example("v2-global-snapshot.json");
        let output = forecast_command(&[&path, "--global", "--from", "2025-06-02T00:00:00Z"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.starts_with("2 presets; window Mon 2025-06-02 00:00 to Mon 2025-06-09 00:00"),
            "{text}"
        );
        assert!(text.contains("\nPool: "), "{text}");
        assert!(text.contains("The pool's size by hour (UTC)"), "{text}");
    }

    #[test]
    fn a_bad_window_prints_the_http_calls_problem() {
        let path = example("v2-preset-snapshot.json");
        let output = forecast_command(&[
            &path,
            "--from",
            "2025-06-02T00:00:00Z",
            "--to",
            "2025-06-01T00:00:00Z",
        ]);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
        let problem: Value = serde_json::from_slice(&output.stderr).unwrap();
        assert_eq!(
            problem["type"],
            "urn:prebuild-decider:problem:invalid-query"
        );
        assert_eq!(problem["errors"][0]["parameter"], "to");
    }
}
