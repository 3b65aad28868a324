//! Schedules in other timezones, across day, month and year boundaries, and DST changes.

use super::*;

#[tokio::test]
async fn in_tokyo_a_monday_morning_schedule_holds_while_utc_is_still_sunday() {
    // Monday 2 June 08:00 JST is Sunday 1 June 23:00 UTC.
    assert_targets(
        &app(),
        "Asia/Tokyo",
        &[("* 8-9 * * 1", 2)],
        &[
            ("2025-06-01T22:59:59Z", 1),
            ("2025-06-01T23:00:00Z", 2),
            ("2025-06-02T00:59:59Z", 2),
            ("2025-06-02T01:00:00Z", 1),
        ],
    )
    .await;
    // The same instant in UTC is Sunday night: a UTC Monday schedule does not hold.
    assert_targets(
        &app(),
        "UTC",
        &[("* 8-9 * * 1", 2)],
        &[("2025-06-01T23:30:00Z", 1)],
    )
    .await;
}

#[tokio::test]
async fn in_tokyo_the_first_of_the_month_begins_at_fifteen_hundred_utc() {
    assert_targets(
        &app(),
        "Asia/Tokyo",
        &[("* * 1 6 *", 5)],
        &[
            ("2025-05-31T14:59:59Z", 1),
            ("2025-05-31T15:00:00Z", 5),
            ("2025-06-01T14:59:59Z", 5),
            ("2025-06-01T15:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_auckland_monday_morning_is_sunday_evening_in_utc() {
    // June is winter there: NZST, UTC+12. Monday 06:00–07:59 is Sunday 18:00–19:59 UTC.
    assert_targets(
        &app(),
        "Pacific/Auckland",
        &[("* 6-7 * * 1", 4)],
        &[
            ("2025-06-01T17:59:59Z", 1),
            ("2025-06-01T18:00:00Z", 4),
            ("2025-06-01T19:59:59Z", 4),
            ("2025-06-01T20:00:00Z", 1),
            // Monday 18:00 UTC is already Tuesday there.
            ("2025-06-02T18:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_auckland_new_year_comes_eleven_hours_before_utcs_in_summer_time() {
    // NZDT, UTC+13: 1 January 2026 00:00 there is 31 December 2025 11:00 UTC.
    assert_targets(
        &app(),
        "Pacific/Auckland",
        &[("* * 1 1 *", 7)],
        &[
            ("2025-12-31T10:59:59Z", 1),
            ("2025-12-31T11:00:00Z", 7),
            ("2026-01-01T10:59:59Z", 7),
            ("2026-01-01T11:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_auckland_the_window_moves_an_hour_earlier_in_utc_when_summer_time_begins() {
    // NZDT begins Sunday 28 September 2025 at 02:00 NZST (14:00 UTC on the 27th).
    // `* 9 * * *` is 21:00 UTC the day before under NZST, 20:00 UTC under NZDT.
    assert_targets(
        &app(),
        "Pacific/Auckland",
        &[("* 9 * * *", 2)],
        &[
            ("2025-09-26T21:00:00Z", 2),
            ("2025-09-26T20:59:59Z", 1),
            ("2025-09-27T21:00:00Z", 1),
            ("2025-09-27T20:00:00Z", 2),
            // The skipped hour 02:00–02:59 never comes that night.
            ("2025-09-27T14:00:00Z", 1),
        ],
    )
    .await;
    assert_targets(
        &app(),
        "Pacific/Auckland",
        &[("* 2 * * *", 3)],
        &[
            ("2025-09-27T13:59:59Z", 1),
            ("2025-09-27T14:00:00Z", 1),
            ("2025-09-27T14:59:59Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_los_angeles_the_spring_forward_hour_never_matches() {
    // Sunday 9 March 2025: 02:00 PST jumps to 03:00 PDT at 10:00 UTC.
    let app = app();
    assert_targets(
        &app,
        "America/Los_Angeles",
        &[("* 2 * * *", 5)],
        &[
            ("2025-03-09T09:59:59Z", 1),
            ("2025-03-09T10:00:00Z", 1),
            ("2025-03-09T10:59:59Z", 1),
            // The day before, 02:00 PST is 10:00 UTC.
            ("2025-03-08T10:00:00Z", 5),
        ],
    )
    .await;
    assert_targets(
        &app,
        "America/Los_Angeles",
        &[("* 1 * * *", 5), ("* 3 * * *", 6)],
        &[("2025-03-09T09:59:59Z", 5), ("2025-03-09T10:00:00Z", 6)],
    )
    .await;
    // Working hours start at 17:00 UTC on Saturday and at 16:00 UTC on Sunday.
    assert_targets(
        &app,
        "America/Los_Angeles",
        &[("* 9-17 * * *", 3)],
        &[
            ("2025-03-08T16:30:00Z", 1),
            ("2025-03-08T17:00:00Z", 3),
            ("2025-03-09T16:00:00Z", 3),
            ("2025-03-10T00:59:59Z", 3),
            ("2025-03-10T01:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_los_angeles_the_fall_back_hour_matches_twice() {
    // Sunday 2 November 2025: 02:00 PDT falls back to 01:00 PST at 09:00 UTC, so 01:00–01:59
    // local lasts from 08:00 to 09:59:59 UTC.
    assert_targets(
        &app(),
        "America/Los_Angeles",
        &[("* 1 * * 0", 4)],
        &[
            ("2025-11-02T07:59:59Z", 1),
            ("2025-11-02T08:00:00Z", 4),
            ("2025-11-02T09:00:00Z", 4),
            ("2025-11-02T09:59:59Z", 4),
            ("2025-11-02T10:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn in_berlin_summer_time_moves_the_utc_window_an_hour_earlier_and_back() {
    let app = app();
    // Sunday 30 March 2025: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    assert_targets(
        &app,
        "Europe/Berlin",
        &[("* 8 * * 0", 2)],
        &[
            ("2025-03-23T07:00:00Z", 2),
            ("2025-03-23T06:00:00Z", 1),
            ("2025-03-30T06:00:00Z", 2),
            ("2025-03-30T07:00:00Z", 1),
        ],
    )
    .await;
    // Sunday 26 October 2025: 03:00 CEST falls back to 02:00 CET at 01:00 UTC, so 02:00–02:59
    // local lasts from 00:00 to 01:59:59 UTC.
    assert_targets(
        &app,
        "Europe/Berlin",
        &[("* 2 * * 0", 3)],
        &[
            ("2025-10-25T23:59:59Z", 1),
            ("2025-10-26T00:00:00Z", 3),
            ("2025-10-26T01:30:00Z", 3),
            ("2025-10-26T01:59:59Z", 3),
            ("2025-10-26T02:00:00Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn with_both_day_fields_restricted_either_day_matching_is_enough() {
    // The 15th or a Friday, 09:00–09:59 UTC.
    assert_targets(
        &app(),
        "UTC",
        &[("* 9 15 * 5", 6)],
        &[
            // Friday 6 June.
            ("2025-06-06T09:30:00Z", 6),
            // Sunday 15 June.
            ("2025-06-15T09:30:00Z", 6),
            // Saturday 14 June: neither.
            ("2025-06-14T09:30:00Z", 1),
            // Friday 13 June, outside the hour.
            ("2025-06-13T10:00:00Z", 1),
        ],
    )
    .await;
    // With either day field a star, the other alone decides.
    assert_targets(
        &app(),
        "UTC",
        &[("* 9 15 * *", 6)],
        &[("2025-06-06T09:30:00Z", 1), ("2025-06-15T09:30:00Z", 6)],
    )
    .await;
    assert_targets(
        &app(),
        "UTC",
        &[("* 9 * * 5", 6)],
        &[("2025-06-06T09:30:00Z", 6), ("2025-06-15T09:30:00Z", 1)],
    )
    .await;
}

#[tokio::test]
async fn either_day_schedules_that_do_not_overlap_by_the_contracts_rule_both_apply_first_wins() {
    // Monday 2 June matches both (the 1st or a Monday; the 2nd or a Tuesday), yet their days
    // of month and of week do not intersect: no overlap, and the first listed wins.
    assert_targets(
        &app(),
        "UTC",
        &[("* 9 1 * 1", 2), ("* 9 2 * 2", 3)],
        &[("2025-06-02T09:30:00Z", 2), ("2025-06-03T09:30:00Z", 3)],
    )
    .await;
    assert_targets(
        &app(),
        "UTC",
        &[("* 9 2 * 2", 3), ("* 9 1 * 1", 2)],
        &[("2025-06-02T09:30:00Z", 3)],
    )
    .await;
}

#[tokio::test]
async fn an_hour_range_ends_at_the_last_nanosecond_of_its_last_hour() {
    assert_targets(
        &app(),
        "UTC",
        &[("* 9-18 * * 1-5", 3)],
        &[
            ("2025-06-02T18:59:59.999999999Z", 3),
            ("2025-06-02T08:59:59.999999999Z", 1),
        ],
    )
    .await;
}

#[tokio::test]
async fn now_may_be_written_in_any_offset() {
    // 09:00 in Los Angeles, written as 09:00-07:00 and as 18:00+02:00 (the `+` encoded).
    let app = app();
    let preset = with(
        active(1, 1),
        "scheduling_timezone",
        json!("America/Los_Angeles"),
    );
    let body = json!({"preset": preset, "schedules": schedule_rows(&[("* 9-13 * * 1-5", 3)])});
    for now in ["2025-06-02T09:00:00-07:00", "2025-06-02T18:00:00%2B02:00"] {
        assert_target(&decide_at(&app, &body, now).await, 3, "schedule");
    }
    for now in ["2025-06-02T08:59:59-07:00", "2025-06-02T17:59:59%2B02:00"] {
        assert_target(&decide_at(&app, &body, now).await, 1, "default");
    }
}

#[tokio::test]
async fn a_schedule_of_zero_deletes_every_live_prebuild_of_an_active_preset() {
    let preset = with(active(1, 2), "scheduling_timezone", json!("UTC"));
    let body = json!({
        "preset": preset,
        "schedules": schedule_rows(&[("* 0-6 * * *", 0)]),
        "running": [running(0, "2025-06-01T10:00:00Z"), running(1, "2025-06-01T09:00:00Z")]
    });
    let d = decide_at(&app(), &body, "2025-06-02T03:00:00Z").await;
    assert_decision(
        &d,
        state(json!({
            "actual": 2, "eligible": 2, "extraneous": 2, "target_source": "schedule"
        })),
        json!([delete(&[1, 0])]),
        false,
    );
}

#[tokio::test]
async fn an_inactive_preset_tells_its_scheduled_target_but_wants_nothing() {
    let preset = with(inactive(1, 1), "scheduling_timezone", json!("UTC"));
    let body = json!({"preset": preset, "schedules": schedule_rows(&[("* 9-18 * * 1-5", 3)])});
    let d = decide_at(&app(), &body, NOW).await;
    assert_decision(
        &d,
        state(json!({"scheduled_target": 3, "target_source": "schedule"})),
        json!([]),
        true,
    );
}
