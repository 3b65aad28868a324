//! The forecast is the decision: for generated schedules, timezones and windows, at random
//! instants inside the window (and just around each interval's edges), the target the forecast
//! gives is the `desired`, `scheduled_target` and `target_source` a `POST /v2/presets/reconcile`
//! at that instant answers, and its `schedule_error` is the decision's.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use crate::harness::{cases, server};

/// Zones with daylight saving at 02:00 or at midnight, half-hour and 45-minute offsets, a
/// half-hour daylight shift, none, and names that are empty or unknown.
const TIMEZONES: [&str; 11] = [
    "UTC",
    "America/Los_Angeles",
    "Europe/Berlin",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "",
    "Mars/Olympus_Mons",
];

/// One field of an expression: `*`, a value, a range or a list, within `low..=high`.
fn field(low: u32, high: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("*".to_owned()),
        2 => (low..=high).prop_map(|v| v.to_string()),
        2 => (low..=high, low..=high).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
        1 => prop::collection::btree_set(low..=high, 2..4)
            .prop_map(|set| set.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
    ]
}

/// A schedule: mostly numeric expressions; sometimes steps, names and `?`, which upstream reads
/// in a schedule alone but not when comparing two; sometimes ones it skips or sets aside.
fn schedule() -> impl Strategy<Value = Value> {
    let expression = prop_oneof![
        8 => (field(0, 23), field(1, 31), field(1, 12), field(0, 6))
            .prop_map(|(h, dom, mon, dow)| format!("* {h} {dom} {mon} {dow}")),
        1 => prop::sample::select(vec![
            "* 9-17/2 * * MON-FRI",
            "* */6 ? * *",
            "* 8 * JAN-MAR,OCT-DEC sat,sun",
            "* 22/1 1-7 * ?",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec!["0 9 * * *", "* 25 * * *", "* 9 * *", "* MON * * *"])
            .prop_map(str::to_owned),
    ];
    (expression, -2..6i32)
        .prop_map(|(cron, n)| json!({"cron_expression": cron, "desired_instances": n}))
}

/// A case: a preset snapshot, a window, and where in it to ask.
#[derive(Debug, Clone)]
struct Case {
    body: Value,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// Instants to ask at, as fractions of the window.
    probes: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    let start = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    (
        prop::sample::select(TIMEZONES.to_vec()),
        prop::collection::vec(schedule(), 0..4),
        any::<bool>(),
        0..5i32,
        // Starts over three years (every daylight-saving season), to the nanosecond.
        0..3 * 366 * 24 * 3600i64,
        0..1_000_000_000i64,
        // Lengths from a second to three weeks.
        prop_oneof![1 => 1..3600i64, 3 => 3600..21 * 24 * 3600i64],
        prop::collection::vec(0.0..1.0f64, 12),
    )
        .prop_map(
            move |(timezone, schedules, active, default, seconds, nanos, length, probes)| {
                let from = start + Duration::seconds(seconds) + Duration::nanoseconds(nanos);
                Case {
                    body: json!({
                        "preset": {
                            "id": "0196a3b2-0000-7000-8000-000000000001",
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
                    }),
                    from,
                    to: from + Duration::seconds(length),
                    probes,
                }
            },
        )
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .to_utc()
}

fn ok(answer: &crate::harness::Answer) -> Result<&Value, TestCaseError> {
    answer.ok().map_err(TestCaseError::fail)
}

/// The decision at `at` agrees with the forecast's interval holding `at`.
fn agrees(body: &Value, forecast: &Value, at: DateTime<Utc>) -> Result<(), TestCaseError> {
    let intervals = forecast["intervals"].as_array().expect("intervals");
    let interval = intervals
        .iter()
        .find(|i| instant(&i["from"]) <= at && at < instant(&i["to"]))
        .ok_or_else(|| TestCaseError::fail(format!("no interval holds {at}")))?;
    let uri = format!("/v2/presets/reconcile?now={}", text(at).replace('+', "%2B"));
    let answer = server().post_json(&uri, body);
    let state = &ok(&answer)?["state"];
    let context = format!("at {}: interval {interval}, decision {state}", text(at));
    prop_assert_eq!(&state["desired"], &interval["target"], "{}", context);
    prop_assert_eq!(
        &state["scheduled_target"],
        &interval["scheduled_target"],
        "{}",
        context
    );
    prop_assert_eq!(&state["target_source"], &interval["source"], "{}", context);
    prop_assert_eq!(
        &state["schedule_error"],
        &forecast["schedule_error"],
        "{}",
        context
    );
    Ok(())
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn at_random_instants_the_forecast_is_what_the_decision_answers(case in case()) {
        let uri = format!(
            "/v2/presets/forecast?from={}&to={}",
            text(case.from).replace('+', "%2B"),
            text(case.to).replace('+', "%2B")
        );
        let answer = server().post_json(&uri, &case.body);
        let forecast = ok(&answer)?.clone();
        let intervals = forecast["intervals"].as_array().expect("intervals");
        prop_assert_eq!(instant(&intervals[0]["from"]), case.from);
        prop_assert_eq!(instant(&intervals[intervals.len() - 1]["to"]), case.to);
        let length = (case.to - case.from).num_nanoseconds().expect("a short window");
        for probe in &case.probes {
            let at = case.from + Duration::nanoseconds((length as f64 * probe) as i64);
            agrees(&case.body, &forecast, at)?;
        }
        // Just inside each edge of a few intervals, where an off-by-one would show.
        for interval in intervals.iter().take(6) {
            let (from, to) = (instant(&interval["from"]), instant(&interval["to"]));
            for at in [from, from + Duration::seconds(1), to - Duration::seconds(1), to - Duration::nanoseconds(1)] {
                if at >= from && at < to {
                    agrees(&case.body, &forecast, at)?;
                }
            }
        }
    }
}
