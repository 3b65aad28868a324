//! Rule 2 as a whole: the timezone, the set check, then each schedule alone.

use super::*;

const WEEKDAYS_9_TO_18: &[(&str, i32)] = &[("* 9-18 * * 1-5", 3)];

#[test]
fn with_no_schedules_the_target_is_the_default_and_nothing_is_wrong() {
    for timezone in [None, Some(""), Some("UTC"), Some("Not/A_Zone")] {
        assert_eq!(
            target(timezone, &[], 4, NOW),
            Target {
                instances: 4,
                source: TargetSource::Default,
                schedule_error: None
            }
        );
    }
}

#[test]
fn an_empty_or_missing_timezone_sets_the_schedules_aside() {
    for timezone in [None, Some("")] {
        let target = target(timezone, WEEKDAYS_9_TO_18, 1, NOW);
        assert_eq!(target.instances, 1);
        assert_eq!(target.source, TargetSource::Default);
        assert_eq!(
            target.schedule_error.as_deref(),
            Some("scheduling_timezone is empty, so the schedules are ignored")
        );
    }
}

#[test]
fn an_unknown_timezone_sets_the_schedules_aside() {
    for timezone in ["Mars/Olympus_Mons", "america/los_angeles", " UTC", "Local"] {
        let target = target(Some(timezone), WEEKDAYS_9_TO_18, 1, NOW);
        assert_eq!(target.instances, 1);
        assert_eq!(target.source, TargetSource::Default);
        assert_eq!(
            target.schedule_error,
            Some(format!(
                "scheduling_timezone {timezone:?} is not a known IANA timezone"
            ))
        );
    }
}

#[test]
fn the_schedules_real_templates_write_apply() {
    // Monday 2 June 2025, 10:00 UTC.
    let monday_10 = "2025-06-02T10:00:00Z";
    for expression in [
        "* 9-17 * * MON-FRI",
        "* */2 * * *",
        "* 9-17 ? * 1-5",
        "* * * JAN-JUN 1-5",
    ] {
        let target = target(Some("UTC"), &[(expression, 3)], 1, monday_10);
        assert_eq!(
            (target.instances, target.source, target.schedule_error),
            (3, TargetSource::Schedule, None),
            "{expression:?}"
        );
    }
    // Saturday 7 June: a weekend schedule of 0.
    assert_eq!(
        scheduled("UTC", &[("* * * * SAT,SUN", 0)], 1, "2025-06-07T10:00:00Z"),
        0
    );
}

#[test]
fn a_schedule_that_does_not_parse_is_skipped_and_the_others_apply() {
    let list = &[("0 9-12 * * 1-5", 2), ("* 14-16 * * 1-5", 3)];
    let target = target(Some("UTC"), list, 1, "2025-06-02T15:00:00Z");
    assert_eq!(target.instances, 3);
    assert_eq!(target.source, TargetSource::Schedule);
    assert_eq!(
        target.schedule_error.as_deref(),
        Some(r#"schedule 0 ("0 9-12 * * 1-5") is skipped: the minute must be `*`, got `0`"#)
    );
    // Outside the good one's hours: the default, and still the reason.
    let target = self::target(Some("UTC"), list, 1, "2025-06-02T10:00:00Z");
    assert_eq!(
        (target.instances, target.source),
        (1, TargetSource::Default)
    );
    assert!(target.schedule_error.is_some());
}

#[test]
fn a_single_schedule_that_does_not_parse_gives_the_default_and_says_why() {
    let target = target(Some("UTC"), &[("* 9 * * 7", 4)], 1, NOW);
    assert_eq!(
        (target.instances, target.source),
        (1, TargetSource::Default)
    );
    assert_eq!(
        target.schedule_error.as_deref(),
        Some(r#"schedule 0 ("* 9 * * 7") is skipped: day of week: `7` ends at 7, above 6"#)
    );
}

#[test]
fn overlapping_schedules_are_set_aside_and_both_are_named() {
    let target = target(
        Some("UTC"),
        &[("* 0-5 * * *", 9), ("* 9-18 * * 1-5", 3), ("* 12 * * 1", 4)],
        1,
        NOW,
    );
    assert_eq!(target.instances, 1);
    assert_eq!(target.source, TargetSource::Default);
    assert_eq!(
        target.schedule_error.as_deref(),
        Some(
            r#"schedules 1 ("* 9-18 * * 1-5") and 2 ("* 12 * * 1") overlap, so every schedule is set aside"#
        )
    );
}

#[test]
fn a_field_the_comparison_cannot_read_sets_every_schedule_aside() {
    let target = target(
        Some("UTC"),
        &[("* 9-12 * * MON-FRI", 2), ("* 14-16 * * MON-FRI", 3)],
        1,
        "2025-06-02T10:00:00Z",
    );
    assert_eq!(
        (target.instances, target.source),
        (1, TargetSource::Default)
    );
    assert_eq!(
        target.schedule_error.as_deref(),
        Some(concat!(
            r#"comparing schedules 0 ("* 9-12 * * MON-FRI") and 1 ("* 14-16 * * MON-FRI") "#,
            "reaches the day of week `MON-FRI` of schedule 0, which is not a number, a range ",
            "`a-b` or a list of those (names, steps and `?` are understood only in a schedule ",
            "read alone), so every schedule is set aside"
        ))
    );
    // Months apart: the names are never compared, and both apply.
    let list = &[("* 9-12 * 1-6 MON-FRI", 2), ("* 9-12 * 7-12 SAT", 3)];
    assert_eq!(scheduled("UTC", list, 1, "2025-06-02T10:00:00Z"), 2);
    assert_eq!(scheduled("UTC", list, 1, "2025-07-05T10:00:00Z"), 3);
}

#[test]
fn the_set_check_comes_before_any_schedule_is_read_alone() {
    // Schedule 0 would be skipped alone, but the pair overlaps first.
    let target = target(
        Some("UTC"),
        &[("0 9 * * *", 1), ("* 9 * * *", 2)],
        5,
        "2025-06-02T09:30:00Z",
    );
    assert_eq!(target.instances, 5);
    assert!(target.schedule_error.unwrap().contains("overlap"));
}

#[test]
fn the_first_matching_schedule_wins_when_two_match_without_overlapping() {
    // On Monday 2 June both match (the 1st-or-Monday and the 2nd-or-Tuesday), yet by the
    // set check they do not overlap: the first listed gives the target.
    let list = &[("* 9 1 * 1", 2), ("* 9 2 * 2", 3)];
    assert_eq!(scheduled("UTC", list, 1, "2025-06-02T09:30:00Z"), 2);
    let reversed = &[("* 9 2 * 2", 3), ("* 9 1 * 1", 2)];
    assert_eq!(scheduled("UTC", reversed, 1, "2025-06-02T09:30:00Z"), 3);
}

#[test]
fn a_schedule_may_ask_for_zero_or_fewer() {
    for instances in [0, -1, i32::MIN] {
        let target = target(
            Some("UTC"),
            &[("* 0-6 * * *", instances)],
            3,
            "2025-06-02T02:00:00Z",
        );
        assert_eq!(target.instances, instances);
        assert_eq!(target.source, TargetSource::Schedule);
    }
}

#[test]
fn utc_and_etc_zones_are_known() {
    assert_eq!(scheduled("UTC", WEEKDAYS_9_TO_18, 1, NOW), 3);
    assert_eq!(scheduled("Etc/UTC", WEEKDAYS_9_TO_18, 1, NOW), 3);
    // Etc/GMT+5 is five hours behind UTC (POSIX signs): 12:00Z is 07:00 there.
    assert_eq!(scheduled("Etc/GMT+5", WEEKDAYS_9_TO_18, 1, NOW), 1);
}

#[test]
fn in_los_angeles_a_friday_schedule_holds_when_utc_is_already_saturday() {
    // Friday 6 June 17:30 PDT is Saturday 7 June 00:30 UTC.
    let friday_evening = &[("* 17 * * 5", 4)];
    assert_eq!(
        scheduled(
            "America/Los_Angeles",
            friday_evening,
            1,
            "2025-06-07T00:30:00Z"
        ),
        4
    );
    assert_eq!(
        scheduled("UTC", friday_evening, 1, "2025-06-07T00:30:00Z"),
        1
    );
    // And a Saturday schedule does not hold yet.
    assert_eq!(
        scheduled(
            "America/Los_Angeles",
            &[("* * * * 6", 4)],
            1,
            "2025-06-07T00:30:00Z"
        ),
        1
    );
}

#[test]
fn in_tokyo_a_monday_morning_schedule_holds_while_utc_is_still_sunday() {
    // Monday 2 June 08:30 JST is Sunday 1 June 23:30 UTC.
    let monday_morning = &[("* 8-9 * * 1", 2)];
    assert_eq!(
        scheduled("Asia/Tokyo", monday_morning, 1, "2025-06-01T23:30:00Z"),
        2
    );
    assert_eq!(
        scheduled("Asia/Tokyo", monday_morning, 1, "2025-06-01T22:59:59Z"),
        1
    );
    assert_eq!(
        scheduled("Asia/Tokyo", monday_morning, 1, "2025-06-02T00:59:59Z"),
        2
    );
    assert_eq!(
        scheduled("Asia/Tokyo", monday_morning, 1, "2025-06-02T01:00:00Z"),
        1
    );
}

#[test]
fn days_of_month_and_months_are_read_in_the_zone_across_a_month_boundary() {
    // 31 May 15:00 UTC is 1 June 00:00 in Tokyo.
    let first_of_june = &[("* * 1 6 *", 5)];
    assert_eq!(
        scheduled("Asia/Tokyo", first_of_june, 1, "2025-05-31T14:59:59Z"),
        1
    );
    assert_eq!(
        scheduled("Asia/Tokyo", first_of_june, 1, "2025-05-31T15:00:00Z"),
        5
    );
    assert_eq!(
        scheduled("UTC", first_of_june, 1, "2025-05-31T15:00:00Z"),
        1
    );
    // 1 July 06:59 UTC is still 30 June in Los Angeles: June's schedule holds.
    assert_eq!(
        scheduled(
            "America/Los_Angeles",
            &[("* * * 6 *", 2)],
            1,
            "2025-07-01T06:59:59Z"
        ),
        2
    );
    assert_eq!(
        scheduled(
            "America/Los_Angeles",
            &[("* * * 6 *", 2)],
            1,
            "2025-07-01T07:00:00Z"
        ),
        1
    );
}

#[test]
fn a_new_year_in_the_zone_comes_before_utcs() {
    // 31 December 2025 15:00 UTC is 1 January 2026 00:00 in Tokyo, a Thursday.
    let new_year = &[("* * 1 1 *", 7)];
    assert_eq!(
        scheduled("Asia/Tokyo", new_year, 1, "2025-12-31T15:00:00Z"),
        7
    );
    assert_eq!(scheduled("UTC", new_year, 1, "2025-12-31T15:00:00Z"), 1);
}

#[test]
fn on_a_spring_forward_day_the_skipped_hour_never_matches() {
    // Los Angeles, Sunday 9 March 2025: 02:00 PST jumps to 03:00 PDT at 10:00 UTC.
    let zone = "America/Los_Angeles";
    let hour = |h: u32| format!("* {h} * * *");
    let two = hour(2);
    let one = hour(1);
    let three = hour(3);
    assert_eq!(scheduled(zone, &[(&two, 5)], 1, "2025-03-09T09:59:59Z"), 1);
    assert_eq!(scheduled(zone, &[(&two, 5)], 1, "2025-03-09T10:00:00Z"), 1);
    assert_eq!(scheduled(zone, &[(&one, 5)], 1, "2025-03-09T09:59:59Z"), 5);
    assert_eq!(
        scheduled(zone, &[(&three, 5)], 1, "2025-03-09T10:00:00Z"),
        5
    );
    // 09:00–17:59 local is 16:00–00:59 UTC that day, an hour earlier in UTC than the day
    // before.
    let work = &[("* 9-17 * * *", 3)];
    assert_eq!(scheduled(zone, work, 1, "2025-03-08T16:30:00Z"), 1);
    assert_eq!(scheduled(zone, work, 1, "2025-03-08T17:00:00Z"), 3);
    assert_eq!(scheduled(zone, work, 1, "2025-03-09T16:00:00Z"), 3);
    assert_eq!(scheduled(zone, work, 1, "2025-03-10T00:59:59Z"), 3);
    assert_eq!(scheduled(zone, work, 1, "2025-03-10T01:00:00Z"), 1);
}

#[test]
fn on_a_fall_back_day_the_repeated_hour_matches_twice() {
    // Los Angeles, Sunday 2 November 2025: 02:00 PDT falls back to 01:00 PST at 09:00 UTC,
    // so 01:00–01:59 local lasts from 08:00 to 09:59:59 UTC.
    let zone = "America/Los_Angeles";
    let one_am = &[("* 1 * * *", 4)];
    assert_eq!(scheduled(zone, one_am, 1, "2025-11-02T07:59:59Z"), 1);
    assert_eq!(scheduled(zone, one_am, 1, "2025-11-02T08:00:00Z"), 4);
    assert_eq!(scheduled(zone, one_am, 1, "2025-11-02T09:00:00Z"), 4);
    assert_eq!(scheduled(zone, one_am, 1, "2025-11-02T09:59:59Z"), 4);
    assert_eq!(scheduled(zone, one_am, 1, "2025-11-02T10:00:00Z"), 1);
}

#[test]
fn a_european_dst_change_moves_the_utc_window_by_an_hour() {
    // Berlin, Sunday 30 March 2025: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    let zone = "Europe/Berlin";
    let sunday_8 = &[("* 8 * * 0", 2)];
    assert_eq!(scheduled(zone, sunday_8, 1, "2025-03-30T06:00:00Z"), 2);
    assert_eq!(scheduled(zone, sunday_8, 1, "2025-03-30T07:00:00Z"), 1);
    assert_eq!(scheduled(zone, sunday_8, 1, "2025-03-23T07:00:00Z"), 2);
}

#[test]
fn the_same_schedule_set_is_read_once_and_answers_every_instant() {
    let list = schedules(&[("* 6-10 * * 1-5", 2), ("* 12-16 * * 1-5", 3)]);
    let rule = TargetRule::new(Some("UTC"), list.iter().enumerate());
    assert!(matches!(rule, TargetRule::Weekly { ref schedules, .. } if schedules.len() == 2));
    assert_eq!(rule.target(1, at("2025-06-02T07:00:00Z")).instances, 2);
    assert_eq!(rule.target(1, at("2025-06-02T13:00:00Z")).instances, 3);
    assert_eq!(rule.target(1, at("2025-06-02T11:00:00Z")).instances, 1);
}
