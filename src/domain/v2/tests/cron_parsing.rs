//! One schedule read alone, as upstream's `cron.TimeRange` (robfig/cron's standard parser).

use super::*;
use crate::domain::v2::cron::testing::sets;
use chrono_tz::Tz;

fn parses(expression: &str) -> CronSchedule {
    CronSchedule::parse(expression)
        .unwrap_or_else(|error| panic!("{expression:?} should parse: {error}"))
}

fn refused(expression: &str) -> CronError {
    CronSchedule::parse(expression).expect_err(expression)
}

fn same(a: &str, b: &str) {
    assert_eq!(parses(a), parses(b), "{a:?} should read as {b:?}");
}

fn matches_in(expression: &str, zone: Tz, now: &str) -> bool {
    parses(expression).is_within_range(at(now), &zone)
}

fn matches(expression: &str, now: &str) -> bool {
    matches_in(expression, Tz::UTC, now)
}

/// The values of one field (1 hour, 2 day of month, 3 month, 4 day of week).
fn values(expression: &str, field: usize) -> Vec<u32> {
    sets(&parses(expression))[field - 1].0.clone()
}

#[test]
fn every_field_may_be_a_star_a_number_a_range_or_a_list_of_those() {
    for expression in [
        "* * * * *",
        "* 9 * * *",
        "* 9-18 * * *",
        "* 9,12,18 * * *",
        "* 1-3,5,7-9 * * *",
        "* * 1,15,31 * *",
        "* * * 1-6 *",
        "* * * * 6,0",
        "* * * * 0-2,4,6",
        "* 2-4 1-7 3,9 1-5",
    ] {
        parses(expression);
    }
    assert_eq!(values("* 1-3,5,7-9 * * *", 1), [1, 2, 3, 5, 7, 8, 9]);
}

#[test]
fn each_field_accepts_its_own_bounds() {
    for expression in [
        "* 0-23 * * *",
        "* * 1 * *",
        "* * 31 * *",
        "* * * 1 *",
        "* * * 12 *",
        "* * * * 0",
        "* * * * 6",
    ] {
        parses(expression);
    }
}

#[test]
fn numbers_are_read_as_go_reads_them_with_leading_zeros_and_a_plus_sign() {
    same("* 09 01 06 01", "* 9 1 6 1");
    same("* 09-018 * * *", "* 9-18 * * *");
    same("* +9-+18 * * +1", "* 9-18 * * 1");
    same("* 0000000000000000000009 * * *", "* 9 * * *");
}

#[test]
fn fields_are_separated_by_any_whitespace_as_go_strings_fields_splits_them() {
    let plain = parses("* 9-18 * * 1-5");
    for expression in [
        "*  9-18 * * 1-5",
        " * 9-18 * * 1-5",
        "* 9-18 * * 1-5 ",
        "\t*\t9-18\t*\t*\t1-5",
        "* 9-18\n* * 1-5",
        "*\u{a0}9-18\u{3000}*\u{2003}*\u{85}1-5",
    ] {
        assert_eq!(parses(expression), plain, "{expression:?}");
    }
}

#[test]
fn months_and_days_may_be_named_in_any_case() {
    same("* 9-17 * * MON-FRI", "* 9-17 * * 1-5");
    same("* 9-17 * * mon-fri", "* 9-17 * * 1-5");
    same("* 9-17 * * Mon-fRI", "* 9-17 * * 1-5");
    same("* * * * SAT,SUN", "* * * * 6,0");
    same("* * * * sun-sat", "* * * * 0-6");
    same("* * * JAN-JUN 1-5", "* * * 1-6 1-5");
    same("* * * jan,Jul,DEC *", "* * * 1,7,12 *");
    same("* * * * 1-FRI", "* * * * 1-5");
    // Go lowers İ (U+0130) to i, so FRİ is Friday.
    same("* * * * FR\u{130}", "* * * * 5");
}

#[test]
fn names_are_only_whole_three_letter_names_of_their_own_field() {
    for (expression, field, text) in [
        ("* MON * * *", CronField::Hour, "MON"),
        ("* * MON * *", CronField::DayOfMonth, "MON"),
        ("* * * MON *", CronField::Month, "MON"),
        ("* * * * JAN", CronField::DayOfWeek, "JAN"),
        ("* * * * MONDAY", CronField::DayOfWeek, "MONDAY"),
        ("* * * * MO", CronField::DayOfWeek, "MO"),
        ("* * * JANUARY *", CronField::Month, "JANUARY"),
        ("* * * * FR\u{131}", CronField::DayOfWeek, "FR\u{131}"),
    ] {
        assert_eq!(
            refused(expression),
            CronError::NotANumber {
                field,
                text: text.to_owned()
            },
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("* * * * MONDAY").to_string(),
        "day of week: `MONDAY` is not a number or a day name (SUN-SAT)"
    );
}

#[test]
fn a_question_mark_is_a_star_in_every_field() {
    same("* ? ? ? ?", "* * * * *");
    same("* 9-17 ? * 1-5", "* 9-17 * * 1-5");
    assert!(sets(&parses("* 9 ? * 1"))[1].1, "unrestricted");
}

#[test]
fn steps_run_from_the_start_to_the_end_or_to_the_fields_end() {
    assert_eq!(
        values("* */2 * * *", 1),
        (0..24).step_by(2).collect::<Vec<_>>()
    );
    assert_eq!(values("* 1-10/3 * * *", 1), [1, 4, 7, 10]);
    assert_eq!(values("* 5/6 * * *", 1), [5, 11, 17, 23]);
    assert_eq!(values("* * */10 * *", 2), [1, 11, 21, 31]);
    assert_eq!(values("* * * */5 *", 3), [1, 6, 11]);
    assert_eq!(values("* * * * MON/2", 4), [1, 3, 5]);
    assert_eq!(values("* 7/100 * * *", 1), [7]);
    assert_eq!(values("* */+2 * * *", 1), values("* */2 * * *", 1));
}

#[test]
fn a_step_above_one_makes_a_star_restricted_for_the_day_rule() {
    assert!(sets(&parses("* * */1 * *"))[1].1);
    assert!(!sets(&parses("* * */2 * *"))[1].1);
    // 3 June 2025 is a Tuesday, the 3rd. With `*/1` the day of month is unrestricted, so
    // the day of week must match too; with `*/2` both are restricted and either suffices.
    assert!(!matches("* * */1 * 1", "2025-06-03T10:00:00Z"));
    assert!(matches("* * */2 * 1", "2025-06-03T10:00:00Z"));
}

#[test]
fn whatever_follows_a_star_and_a_hyphen_is_ignored() {
    same("* *-3 * * *", "* * * * *");
    same("* ?-x * * *", "* * * * *");
    same("* *-x/2 * * *", "* */2 * * *");
    // After the slash, only a number.
    assert!(matches!(
        refused("* */2-x * * *"),
        CronError::NotANumber { .. }
    ));
}

#[test]
fn empty_list_items_are_skipped_and_a_field_of_commas_allows_nothing() {
    same("* 1,,2 * * *", "* 1,2 * * *");
    same("* ,1, * * *", "* 1 * * *");
    assert_eq!(values("* , * * *", 1), Vec::<u32>::new());
    assert!(!matches("* , * * *", "2025-06-02T10:00:00Z"));
}

#[test]
fn day_of_week_7_is_refused_rather_than_read_as_sunday() {
    for expression in ["* 9 * * 7", "* 9 * * 0-7", "* 9 * * 5-7", "* 9 * * 1,7"] {
        assert!(
            matches!(
                refused(expression),
                CronError::AboveMaximum {
                    field: CronField::DayOfWeek,
                    end: 7,
                    max: 6,
                    ..
                }
            ),
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("* 9 * * 0-7").to_string(),
        "day of week: `0-7` ends at 7, above 6"
    );
}

#[test]
fn a_minute_other_than_a_star_is_refused() {
    for minute in ["0", "30", "0-59", "*/5", "*,0", "?", "**"] {
        let expression = format!("{minute} 9 * * *");
        assert_eq!(
            refused(&expression),
            CronError::MinuteNotStar {
                text: minute.to_owned()
            },
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("30 9 * * *").to_string(),
        "the minute must be `*`, got `30`"
    );
}

#[test]
fn reversed_ranges_are_refused_in_every_field() {
    for (expression, field, start, end) in [
        ("* 5-3 * * *", CronField::Hour, 5, 3),
        ("* 23-0 * * *", CronField::Hour, 23, 0),
        ("* * 31-1 * *", CronField::DayOfMonth, 31, 1),
        ("* * * DEC-JAN *", CronField::Month, 12, 1),
        ("* * * * FRI-MON", CronField::DayOfWeek, 5, 1),
        ("* 5-3/2 * * *", CronField::Hour, 5, 3),
    ] {
        assert!(
            matches!(refused(expression), CronError::Reversed { field: f, start: s, end: e, .. }
                if f == field && s == start && e == end),
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("* 5-3 * * *").to_string(),
        "hour: `5-3` starts at 5, after its end 3"
    );
}

#[test]
fn numbers_outside_each_fields_bounds_are_refused() {
    for expression in [
        "* 24 * * *",
        "* 0-24 * * *",
        "* * 32 * *",
        "* * * 13 *",
        "* * * * 8",
        "* 99999999999999999999 * * *",
    ] {
        let error = refused(expression);
        assert!(
            matches!(
                error,
                CronError::AboveMaximum { .. } | CronError::NotANumber { .. }
            ),
            "{expression:?}: {error:?}"
        );
    }
    for (expression, field) in [
        ("* * 0 * *", CronField::DayOfMonth),
        ("* * 0-5 * *", CronField::DayOfMonth),
        ("* * * 0 *", CronField::Month),
    ] {
        assert!(
            matches!(refused(expression), CronError::BelowMinimum { field: f, start: 0, .. } if f == field),
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("* * 0 * *").to_string(),
        "day of month: `0` starts at 0, below 1"
    );
}

#[test]
fn steps_of_zero_or_below_and_extra_slashes_or_hyphens_are_refused() {
    assert!(matches!(refused("* */0 * * *"), CronError::ZeroStep { .. }));
    assert!(matches!(
        refused("* */-0 * * *"),
        CronError::ZeroStep { .. }
    ));
    assert!(matches!(
        refused("* */-1 * * *"),
        CronError::NegativeStep { .. }
    ));
    assert!(matches!(
        refused("* 1/2/3 * * *"),
        CronError::TooManySlashes { .. }
    ));
    assert!(matches!(
        refused("* 1-2-3 * * *"),
        CronError::TooManyHyphens { .. }
    ));
    assert!(matches!(
        refused("* 5--3 * * *"),
        CronError::TooManyHyphens { .. }
    ));
}

#[test]
fn anything_else_that_is_not_a_number_is_refused() {
    for (expression, text) in [
        ("* 1.5 * * *", "1.5"),
        ("* 1-x * * *", "x"),
        ("* 1- * * *", ""),
        ("* -1 * * *", ""),
        ("* /2 * * *", ""),
        ("* 5/ * * *", ""),
        ("* 1_0 * * *", "1_0"),
        ("* + * * *", "+"),
        ("* * L * *", "L"),
        ("* * 15W * *", "15W"),
        ("* * * * 1#2", "1#2"),
        ("* \u{ff19} * * *", "\u{ff19}"),
    ] {
        let error = refused(expression);
        assert!(
            matches!(&error, CronError::NotANumber { text: t, .. } if t == text),
            "{expression:?}: {error:?}"
        );
    }
}

#[test]
fn extra_or_missing_fields_are_refused() {
    for (expression, found) in [
        ("", 0),
        ("   ", 0),
        ("*", 1),
        ("* 9 * *", 4),
        ("* 9 * * * *", 6),
        ("CRON_TZ=UTC * 9 * * *", 6),
        ("* 9 - 18 * * *", 7),
    ] {
        assert_eq!(
            refused(expression),
            CronError::FieldCount { found },
            "{expression:?}"
        );
    }
    assert_eq!(
        refused("* 9 * *").to_string(),
        "expected 5 fields (* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK), found 4"
    );
}

#[test]
fn fields_are_checked_in_order_and_the_first_fault_is_told() {
    assert!(matches!(
        refused("0 24 0 13 7"),
        CronError::MinuteNotStar { .. }
    ));
    assert!(matches!(
        refused("* 24 0 13 7"),
        CronError::AboveMaximum {
            field: CronField::Hour,
            ..
        }
    ));
    assert!(matches!(
        refused("* 23 0 13 7"),
        CronError::BelowMinimum {
            field: CronField::DayOfMonth,
            ..
        }
    ));
    assert!(matches!(
        refused("* 23 1 13 7"),
        CronError::AboveMaximum {
            field: CronField::Month,
            ..
        }
    ));
}

#[test]
fn an_hour_range_covers_every_second_of_its_first_and_last_hour() {
    let work = "* 9-18 * * *";
    assert!(!matches(work, "2025-06-02T08:59:59.999999999Z"));
    assert!(matches(work, "2025-06-02T09:00:00Z"));
    assert!(matches(work, "2025-06-02T13:30:00Z"));
    assert!(matches(work, "2025-06-02T18:59:59.999999999Z"));
    assert!(!matches(work, "2025-06-02T19:00:00Z"));
}

#[test]
fn hours_lists_months_and_day_edges_match_exactly() {
    assert!(matches("* 0 * * *", "2025-06-02T00:00:00Z"));
    assert!(!matches("* 0 * * *", "2025-06-01T23:59:59Z"));
    assert!(matches("* 23 * * *", "2025-06-01T23:59:59Z"));
    assert!(matches("* 1,3 * * *", "2025-06-02T03:10:00Z"));
    assert!(!matches("* 1,3 * * *", "2025-06-02T02:10:00Z"));
    assert!(matches("* * * JUN *", "2025-06-30T23:59:59Z"));
    assert!(!matches("* * * JUN *", "2025-07-01T00:00:00Z"));
    assert!(matches("* * 29 FEB *", "2024-02-29T10:00:00Z"));
}

#[test]
fn sunday_is_day_of_week_0_and_saturday_6() {
    // 1 June 2025 is a Sunday, 7 June a Saturday.
    assert!(matches("* * * * SUN", "2025-06-01T10:00:00Z"));
    assert!(!matches("* * * * 0", "2025-06-02T10:00:00Z"));
    assert!(matches("* * * * SAT", "2025-06-07T10:00:00Z"));
    assert!(matches("* * * * MON-FRI", "2025-06-06T10:00:00Z"));
    assert!(!matches("* * * * MON-FRI", "2025-06-07T10:00:00Z"));
}

#[test]
fn when_both_day_fields_are_restricted_either_day_matching_is_enough() {
    // The 1st of the month, or a Monday. 1 June is a Sunday, 2 June a Monday.
    let either = "* * 1 * 1";
    assert!(matches(either, "2025-06-01T10:00:00Z"));
    assert!(matches(either, "2025-06-02T10:00:00Z"));
    assert!(!matches(either, "2025-06-03T10:00:00Z"));
    assert!(!matches("* 9 1 * 1", "2025-06-02T10:00:00Z"));
    // A restricted field covering every value is still restricted.
    assert!(matches("* * 15 * 0-6", "2025-06-02T10:00:00Z"));
}

#[test]
fn when_one_day_field_is_unrestricted_both_must_match() {
    assert!(!matches("* * 1 * *", "2025-06-02T10:00:00Z"));
    assert!(!matches("* * ? * 1", "2025-06-01T10:00:00Z"));
    // `*,1` is unrestricted, as in robfig/cron: the day of month alone decides.
    assert!(matches("* * 1 * *,1", "2025-06-01T10:00:00Z"));
    assert!(!matches("* * 1 * *,1", "2025-06-02T10:00:00Z"));
}

#[test]
fn a_minute_is_cut_in_absolute_time_so_offsets_with_seconds_never_match() {
    // New York kept local mean time (-4:56:02) until 1883: no local minute starts on a
    // whole UTC minute, and upstream's search never lands on the minute asked about.
    assert!(!matches_in(
        "* * * * *",
        Tz::America__New_York,
        "1850-06-03T15:00:00Z"
    ));
    assert!(matches_in(
        "* * * * *",
        Tz::America__New_York,
        "1890-06-03T15:00:00Z"
    ));
}

#[test]
fn in_gos_zero_minute_a_schedule_never_found_within_five_years_matches() {
    // Upstream's search answers Go's zero time, 0001-01-01T00:00:00Z, when it finds
    // nothing: during that first minute, "not found" equals the minute asked about.
    for never in ["* * 31 2 *", "* , * * *", "* * 30 FEB *"] {
        assert!(matches(never, "0001-01-01T00:00:30Z"), "{never:?}");
        assert!(!matches(never, "0001-01-01T00:01:00Z"), "{never:?}");
    }
    // Found later: no match. 29 February comes in year 4.
    assert!(!matches("* * 29 2 *", "0001-01-01T00:00:00Z"));
    assert!(!matches("* 1 * * *", "0001-01-01T00:00:00Z"));
    assert!(matches("* 0 * * *", "0001-01-01T00:00:00Z"));
    // In Tokyo (local mean time +9:18:59) the search starts at 09:18:59 local on 1
    // January: a schedule for 09:00 then is found a second later, one never found matches.
    assert!(!matches_in(
        "* 9 1 1 *",
        Tz::Asia__Tokyo,
        "0001-01-01T00:00:10Z"
    ));
    assert!(matches_in(
        "* * 31 2 *",
        Tz::Asia__Tokyo,
        "0001-01-01T00:00:10Z"
    ));
}

#[test]
fn across_a_skipped_day_the_wall_clock_decides() {
    // Samoa skipped 30 December 2011. Upstream's search loops forever there (its day step
    // lands back on the 29th), so upstream never answers; v2 reads the wall clock.
    let apia = Tz::Pacific__Apia;
    // 25 December 2011 16:58 local, a Sunday.
    assert!(!matches_in("* 10-14 * * 0,6", apia, "2011-12-26T02:58:00Z"));
    assert!(matches_in("* 15-23 * * 0", apia, "2011-12-26T02:58:00Z"));
    // 31 December 2011 00:30 local (+14), a Saturday.
    assert!(matches_in("* 0 31 12 6", apia, "2011-12-30T10:30:00Z"));
}
