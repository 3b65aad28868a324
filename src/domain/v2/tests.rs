//! Unit and property tests for the v2 rules: every case of the v2 contract's "Cases from Coder's
//! own tests", the cron subset (every field kind and every refused form), schedules across
//! timezones, day boundaries and DST changes, the input checks, the global split, and properties
//! tying v2 to v1.

use uuid::Uuid;

use super::*;
use crate::domain::{
    Backoff, Explanation, Field, GoDuration, InProgressCount, NoTrace, Preset, PresetSnapshot,
    ReconciliationActions, ReconciliationState, RunningPrebuild, SnapshotError, Timestamp,
    Transition,
};

/// Every preset's decision without explanations, as most tests want them.
fn decide_all(
    global: &GlobalSnapshotV2,
    now: Timestamp,
    interval: GoDuration,
) -> Result<Vec<DecisionV2>, SnapshotError> {
    let decisions = global.decide(now, interval, false)?;
    Ok(decisions
        .into_iter()
        .map(|(decision, _)| decision)
        .collect())
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// A Monday.
const NOW: &str = "2025-06-02T12:00:00Z";
const MINUTE: GoDuration = GoDuration::MINUTE;

fn preset(desired: i32) -> PresetV2 {
    PresetV2 {
        preset: Preset {
            id: id(0xA),
            using_active_version: true,
            deleted: false,
            deprecated: false,
            desired_instances: desired,
        },
        ttl: None,
        last_invalidated_at: None,
        scheduling_timezone: None,
        prebuild_status: PrebuildStatus::Healthy,
    }
}

fn inactive(desired: i32) -> PresetV2 {
    let mut preset = preset(desired);
    preset.preset.using_active_version = false;
    preset
}

fn with_ttl(mut preset: PresetV2, seconds: i32) -> PresetV2 {
    preset.ttl = Some(seconds);
    preset
}

fn in_zone(mut preset: PresetV2, timezone: &str) -> PresetV2 {
    preset.scheduling_timezone = Some(timezone.to_owned());
    preset
}

fn rows(preset: PresetV2) -> PresetRowsV2 {
    PresetRowsV2 {
        preset,
        running: Vec::new(),
        in_progress: Vec::new(),
        backoff: None,
        schedules: Vec::new(),
        pending_count: 0,
        is_hard_limited: false,
    }
}

fn prebuild(n: u128, created_at: &str, ready: bool) -> RunningPrebuild {
    RunningPrebuild {
        id: id(n),
        ready,
        created_at: at(created_at),
        current_preset_id: None,
    }
}

fn schedule(cron_expression: &str, desired_instances: i32) -> Schedule {
    Schedule {
        cron_expression: cron_expression.to_owned(),
        desired_instances,
        preset_id: None,
    }
}

fn schedules(list: &[(&str, i32)]) -> Vec<Schedule> {
    list.iter().map(|&(cron, n)| schedule(cron, n)).collect()
}

fn snapshot(rows: PresetRowsV2) -> PresetSnapshotV2 {
    PresetSnapshotV2::new(rows).unwrap()
}

fn decide_at(rows: PresetRowsV2, now: &str) -> DecisionV2 {
    snapshot(rows)
        .decide(at(now), MINUTE, &mut NoTrace)
        .unwrap()
}

fn decide(rows: PresetRowsV2) -> DecisionV2 {
    decide_at(rows, NOW)
}

fn delete(ids: &[u128]) -> ActionV2 {
    ActionV2::Delete(ids.iter().map(|&n| id(n)).collect())
}

/// The target a preset with these schedules gets at `now`, and where it came from.
fn target(timezone: Option<&str>, list: &[(&str, i32)], default: i32, now: &str) -> Target {
    let list = schedules(list);
    TargetRule::new(timezone, list.iter().enumerate()).target(default, at(now))
}

fn scheduled(timezone: &str, list: &[(&str, i32)], default: i32, now: &str) -> i32 {
    let target = target(Some(timezone), list, default, now);
    assert_eq!(target.schedule_error, None, "at {now}");
    target.instances
}

/// One schedule read alone, as upstream's `cron.TimeRange` (robfig/cron's standard parser).
mod cron_parsing {
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
}

/// The check of the whole set, as terraform-provider-coder's `ValidateSchedules`.
mod set_check_rules {
    use super::*;
    use crate::domain::v2::set_check::check;

    fn overlap(a: &str, b: &str) -> bool {
        let forward = check([a, b]);
        let backward = check([b, a]);
        assert_eq!(forward.is_some(), backward.is_some(), "{a:?} and {b:?}");
        match forward {
            None => false,
            Some(SetProblem::Overlap {
                first: 0,
                second: 1,
            }) => true,
            Some(problem) => panic!("{a:?} and {b:?}: {problem:?}"),
        }
    }

    fn unreadable(list: &[&str]) -> (usize, CronField, String, usize) {
        match check(list.iter().copied()) {
            Some(SetProblem::Unreadable {
                schedule,
                field,
                text,
                other,
            }) => (schedule, field, text, other),
            other => panic!("{list:?}: {other:?}"),
        }
    }

    #[test]
    fn a_single_schedule_is_never_checked() {
        for expression in ["* 9-17 * * MON-FRI", "0 9 * * *", "nonsense", ""] {
            assert_eq!(check([expression]), None, "{expression:?}");
        }
        assert_eq!(check(std::iter::empty()), None);
    }

    #[test]
    fn a_schedule_overlaps_itself() {
        assert!(overlap("* 9-18 * * 1-5", "* 9-18 * * 1-5"));
        assert!(overlap("* 3 15 2 6", "* 3 15 2 6"));
    }

    #[test]
    fn schedules_overlap_only_when_months_days_and_hours_all_intersect() {
        assert!(overlap("* 9-12 * * 1-5", "* 12-17 * * 1-5"));
        assert!(!overlap("* 9-12 * * 1-5", "* 13-17 * * 1-5"));
        assert!(!overlap("* 2-4 * * 1-5", "* 6-8 * * 1-5"));
        assert!(overlap("* 1,5,9 * * *", "* 9,10 * * *"));
        assert!(!overlap("* 9 * 1-6 *", "* 9 * 7-12 *"));
        assert!(overlap("* 9 * 1-6 *", "* 9 * 6-12 *"));
    }

    #[test]
    fn with_a_star_day_of_month_on_either_side_days_of_week_decide() {
        assert!(!overlap("* 9-18 * * 1-5", "* 9-13 * * 6,0"));
        assert!(overlap("* 9-18 * * 1-5", "* 9-13 * * 5,6"));
        assert!(!overlap("* 9 * * 1", "* 9 15 * 2"));
        assert!(overlap("* 9 * * 2", "* 9 15 * 2"));
    }

    #[test]
    fn with_both_days_of_month_restricted_and_a_star_day_of_week_days_of_month_decide() {
        assert!(!overlap("* 9 1 * *", "* 9 2 * 1"));
        assert!(overlap("* 9 1-5 * *", "* 9 5 * 1"));
    }

    #[test]
    fn with_every_day_field_restricted_either_intersection_overlaps() {
        assert!(!overlap("* 9 1 * 1", "* 9 2 * 2"));
        assert!(overlap("* 9 1 * 1", "* 9 2 * 1"));
        assert!(overlap("* 9 1 * 1", "* 9 1 * 2"));
    }

    #[test]
    fn a_star_is_the_only_star_and_covers_zero() {
        // `*` covers month 0, which the comparison accepts (alone, month 0 is refused).
        assert!(overlap("* 9 * 0 *", "* 9 * * *"));
        // `?` is not `*` here: it is read as a number, and fails.
        assert_eq!(
            unreadable(&["* 9 * * ?", "* 9 * * 1"]),
            (0, CronField::DayOfWeek, "?".to_owned(), 1)
        );
    }

    #[test]
    fn names_steps_and_question_marks_fail_only_in_fields_the_comparison_reaches() {
        // Months apart: the days, names included, are never read.
        assert_eq!(check(["* 9-12 * 1-6 MON-FRI", "* 9-12 * 7-12 SAT"]), None);
        // Days apart: the hours, steps included, are never read.
        assert_eq!(check(["* */2 * * 1", "* 1/3 * * 2"]), None);
        // A star day of month: only days of week are compared, the other day of month never.
        assert_eq!(check(["* 9 * * 1", "* 9 L * 2"]), None);
        // Reached: every schedule is set aside.
        assert_eq!(
            unreadable(&["* 9-12 * * MON-FRI", "* 14-16 * * MON-FRI"]),
            (0, CronField::DayOfWeek, "MON-FRI".to_owned(), 1)
        );
        assert_eq!(
            unreadable(&["* 9 * * 1", "* 10 * JAN *"]),
            (1, CronField::Month, "JAN".to_owned(), 0)
        );
        assert_eq!(
            unreadable(&["* */2 * * *", "* 3 * * *"]),
            (0, CronField::Hour, "*/2".to_owned(), 1)
        );
        // Both days restricted: both are read, the day of month first.
        assert_eq!(
            unreadable(&["* 9 1 * 1", "* 9 2 * MON"]),
            (1, CronField::DayOfWeek, "MON".to_owned(), 0)
        );
    }

    #[test]
    fn the_comparisons_own_reading_of_numbers_ranges_and_lists() {
        // `1-3-9` is read as 1-3; `+5` and `05` are 5.
        assert!(!overlap("* 1-3-9 * * *", "* 4 * * *"));
        assert!(overlap("* +5 * * *", "* 05 * * *"));
        // An empty list item, a reversed range and a day of week 7 fail.
        assert_eq!(
            unreadable(&["* 1,,2 * * *", "* 3 * * *"]).1,
            CronField::Hour
        );
        assert_eq!(unreadable(&["* 5-3 * * *", "* 3 * * *"]).1, CronField::Hour);
        assert_eq!(
            unreadable(&["* 3 * * 7", "* 3 * * 1"]).1,
            CronField::DayOfWeek
        );
    }

    #[test]
    fn every_schedule_of_a_pair_must_have_five_fields() {
        assert_eq!(
            check(["* 9 * *", "* 9 * * *"]),
            Some(SetProblem::FieldCount {
                schedule: 0,
                found: 4
            })
        );
        assert_eq!(
            check(["* 9 * * *", "CRON_TZ=UTC * 9 * * *"]),
            Some(SetProblem::FieldCount {
                schedule: 1,
                found: 6
            })
        );
    }

    #[test]
    fn the_first_failing_pair_by_its_later_schedule_is_named() {
        assert_eq!(
            check(["* 0-5 * * *", "* 9-18 * * 1-5", "* 12 * * 1", "* 0 * * *"]),
            Some(SetProblem::Overlap {
                first: 1,
                second: 2
            })
        );
    }

    #[test]
    fn many_schedules_that_never_overlap_are_checked_quickly() {
        // 24 × 12 pairwise disjoint month-hour cells, then one overlapping the last: the scan is
        // quadratic only in the part of the list that passes.
        let mut list: Vec<String> = Vec::new();
        for month in 1..=12 {
            for hour in 0..24 {
                list.push(format!("* {hour} * {month} *"));
            }
        }
        list.push("* 23 * 12 0".to_owned());
        assert_eq!(
            check(list.iter().map(String::as_str)),
            Some(SetProblem::Overlap {
                first: 287,
                second: 288
            })
        );
    }
}

/// Rule 2 as a whole: the timezone, the set check, then each schedule alone.
mod schedules {
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
}

mod expiry {
    use super::*;

    fn expiry(ttl_seconds: Option<i32>, last_invalidated_at: Option<&str>) -> Expiry {
        Expiry {
            ttl_seconds,
            last_invalidated_at: last_invalidated_at.map(at),
        }
    }

    #[test]
    fn a_prebuild_exactly_ttl_old_is_live_and_one_nanosecond_older_is_expired() {
        let ttl = expiry(Some(5), None);
        let now = at(NOW);
        assert!(!ttl.is_expired(at("2025-06-02T11:59:55Z"), now));
        assert!(ttl.is_expired(at("2025-06-02T11:59:54.999999999Z"), now));
        assert!(!ttl.is_expired(at("2025-06-02T11:59:55.000000001Z"), now));
    }

    #[test]
    fn no_ttl_or_a_zero_ttl_lives_forever() {
        let ancient = at("0001-01-01T00:00:00Z");
        assert!(!expiry(None, None).is_expired(ancient, at(NOW)));
        assert!(!expiry(Some(0), None).is_expired(ancient, at(NOW)));
    }

    #[test]
    fn a_prebuild_created_in_the_future_is_not_expired_by_its_ttl() {
        assert!(!expiry(Some(1), None).is_expired(at("2025-06-02T13:00:00Z"), at(NOW)));
    }

    #[test]
    fn a_prebuild_created_strictly_before_the_invalidation_is_expired() {
        let invalidated = expiry(None, Some("2025-06-02T11:00:00Z"));
        let now = at(NOW);
        assert!(invalidated.is_expired(at("2025-06-02T10:59:59.999999999Z"), now));
        assert!(!invalidated.is_expired(at("2025-06-02T11:00:00Z"), now));
        assert!(!invalidated.is_expired(at("2025-06-02T11:30:00Z"), now));
    }

    #[test]
    fn instants_are_compared_whatever_offset_they_were_written_in() {
        // 13:00+02:00 is 11:00Z: exactly at the invalidation, so live; 12:59+02:00 is before.
        let invalidated = expiry(None, Some("2025-06-02T11:00:00Z"));
        let now = at(NOW);
        assert!(!invalidated.is_expired(at("2025-06-02T13:00:00+02:00"), now));
        assert!(invalidated.is_expired(at("2025-06-02T12:59:00+02:00"), now));
        let ttl = expiry(Some(3600), None);
        assert!(!ttl.is_expired(at("2025-06-02T06:00:00-05:00"), now));
        assert!(ttl.is_expired(at("2025-06-02T05:59:59-05:00"), now));
    }

    #[test]
    fn either_cause_is_enough() {
        let both = expiry(Some(60), Some("2025-06-02T11:00:00Z"));
        let now = at(NOW);
        assert!(both.is_expired(at("2025-06-02T10:00:00Z"), now));
        assert!(both.is_expired(at("2025-06-02T11:30:00Z"), now));
        assert!(!both.is_expired(at("2025-06-02T11:59:30Z"), now));
    }

    #[test]
    fn the_longest_ttl_is_exact() {
        let ttl = expiry(Some(i32::MAX), None);
        // i32::MAX seconds is 68 years, 19 days, 3:14:07.
        let created = at("1957-05-15T08:45:53Z");
        assert!(!ttl.is_expired(created, at(NOW)));
        assert!(ttl.is_expired(created, at("2025-06-02T12:00:00.000000001Z")));
    }
}

/// The contract's "Cases from Coder's own tests", one test per table or paragraph.
mod contract_cases {
    use super::*;

    /// Rows created 10 s before `NOW` (expired under a 5 s TTL) and a few seconds before it
    /// (live). Live ones are listed out of age order so "oldest" is not "first".
    fn expired_row(n: u128) -> RunningPrebuild {
        prebuild(n, "2025-06-02T11:59:50Z", true)
    }

    fn live_row(n: u128, seconds_before_now: u32) -> RunningPrebuild {
        let created = format!("2025-06-02T11:59:{:02}Z", 60 - seconds_before_now);
        prebuild(n, &created, true)
    }

    fn ttl_case(running: Vec<RunningPrebuild>, desired: i32) -> DecisionV2 {
        let mut rows = rows(with_ttl(preset(desired), 5));
        rows.running = running;
        decide(rows)
    }

    fn counts(d: &DecisionV2) -> (i32, i32, i32, i32) {
        (
            d.state.counts.actual,
            d.state.counts.desired,
            d.state.expired,
            d.state.counts.extraneous,
        )
    }

    #[test]
    fn two_live_prebuilds_at_a_target_of_two_need_nothing() {
        let d = ttl_case(vec![live_row(0, 2), live_row(1, 1)], 2);
        assert_eq!(counts(&d), (2, 2, 0, 0));
        assert_eq!(d.actions, vec![]);
        assert!(d.is_noop());
    }

    #[test]
    fn one_expired_of_two_is_deleted_and_replaced() {
        let d = ttl_case(vec![expired_row(0), live_row(1, 1)], 2);
        assert_eq!(counts(&d), (2, 2, 1, 0));
        assert_eq!(d.actions, vec![delete(&[0]), ActionV2::Create(1)]);
    }

    #[test]
    fn two_expired_of_two_are_deleted_and_replaced() {
        let d = ttl_case(vec![expired_row(0), expired_row(1)], 2);
        assert_eq!(counts(&d), (2, 2, 2, 0));
        assert_eq!(d.actions, vec![delete(&[0, 1]), ActionV2::Create(2)]);
    }

    #[test]
    fn two_expired_of_four_at_a_target_of_two_are_deleted_and_nothing_created() {
        let d = ttl_case(
            vec![
                expired_row(0),
                expired_row(1),
                live_row(2, 3),
                live_row(3, 1),
            ],
            2,
        );
        assert_eq!(counts(&d), (4, 2, 2, 0));
        assert_eq!(d.actions, vec![delete(&[0, 1])]);
    }

    #[test]
    fn one_expired_of_four_at_a_target_of_two_is_deleted_then_the_oldest_live_one() {
        // Live: r1 1 s old, r2 3 s old, r3 2 s old; the oldest live is r2.
        let d = ttl_case(
            vec![
                expired_row(0),
                live_row(1, 1),
                live_row(2, 3),
                live_row(3, 2),
            ],
            2,
        );
        assert_eq!(counts(&d), (4, 2, 1, 1));
        assert_eq!(d.actions, vec![delete(&[0]), delete(&[2])]);
    }

    #[test]
    fn the_explanation_names_the_expired_and_the_extraneous_counts_in_order() {
        let mut rows = rows(with_ttl(preset(2), 5));
        rows.running = vec![
            expired_row(0),
            live_row(1, 1),
            live_row(2, 3),
            live_row(3, 2),
        ];
        let mut explanation = Explanation::default();
        let decision = snapshot(rows)
            .decide(at(NOW), MINUTE, &mut explanation)
            .unwrap();
        assert_eq!(decision.actions, vec![delete(&[0]), delete(&[2])]);
        let steps: Vec<_> = explanation
            .0
            .iter()
            .map(|step| (step.rule, step.detail.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                (
                    "expiry",
                    "1 of 4 running expired at 2025-06-02T12:00:00Z (ttl 5s, never invalidated)"
                ),
                ("target", "no schedules: desired_instances (2)"),
                ("backoff", "no backoff row: no recent failures"),
                ("active", "template version is active"),
                ("expiry", "delete the 1 expired, in input order"),
                ("extraneous", "3 live, 2 desired: delete the oldest 1"),
                ("create", "2 desired − 3 live − 0 starting = -1: create 0"),
            ]
        );
    }

    #[test]
    fn prebuilds_created_before_the_invalidation_are_all_deleted_and_replaced() {
        let mut preset = preset(2);
        preset.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
        let mut rows = rows(preset);
        rows.running = vec![
            prebuild(0, "2025-06-02T10:00:00Z", true),
            prebuild(1, "2025-06-02T10:30:00Z", true),
        ];
        let d = decide(rows);
        assert_eq!(counts(&d), (2, 2, 2, 0));
        assert_eq!(d.actions, vec![delete(&[0, 1]), ActionV2::Create(2)]);
    }

    #[test]
    fn only_the_prebuild_created_before_the_invalidation_is_deleted_and_replaced() {
        let mut preset = preset(2);
        preset.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
        let mut rows = rows(preset);
        rows.running = vec![
            prebuild(0, "2025-06-02T10:00:00Z", true),
            prebuild(1, "2025-06-02T11:30:00Z", true),
        ];
        let d = decide(rows);
        assert_eq!(counts(&d), (2, 2, 1, 0));
        assert_eq!(d.actions, vec![delete(&[0]), ActionV2::Create(1)]);
    }

    /// Two presets with two weekday schedules each and a default of 1, decided together, at
    /// each hour of Monday 2 June 2025 (UTC) the contract lists.
    #[test]
    fn two_presets_follow_their_own_schedules_through_a_monday() {
        let a = id(0xA);
        let b = id(0xB);
        let preset_row = |preset_id: Uuid| {
            let mut preset = in_zone(preset(1), "UTC");
            preset.preset.id = preset_id;
            preset
        };
        let owned = |cron: &str, n: i32, preset_id: Uuid| Schedule {
            preset_id: Some(preset_id),
            ..schedule(cron, n)
        };
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![preset_row(a), preset_row(b)],
            schedules: vec![
                owned("* 2-4 * * 1-5", 2, a),
                owned("* 10-12 * * 1-5", 4, b),
                owned("* 6-8 * * 1-5", 3, a),
                owned("* 14-16 * * 1-5", 5, b),
            ],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        for (hour, want_a, want_b) in [
            ("01", 1, 1),
            ("03", 2, 1),
            ("07", 3, 1),
            ("11", 1, 4),
            ("15", 1, 5),
        ] {
            let now = at(&format!("2025-06-02T{hour}:00:00Z"));
            let decisions = decide_all(&global, now, MINUTE).unwrap();
            for (decision, want) in decisions.iter().zip([want_a, want_b]) {
                assert_eq!(decision.state.counts.desired, want, "{hour}:00");
                assert_eq!(decision.actions, vec![ActionV2::Create(want)], "{hour}:00");
                let source = if want == 1 {
                    TargetSource::Default
                } else {
                    TargetSource::Schedule
                };
                assert_eq!(decision.state.target_source, source, "{hour}:00");
            }
        }
    }

    fn desired_at(list: &[(&str, i32)], timezone: &str, now: &str) -> i32 {
        let mut rows = rows(in_zone(preset(1), timezone));
        rows.schedules = schedules(list);
        let d = decide_at(rows, now);
        assert_eq!(d.state.schedule_error, None);
        assert_eq!(
            d.actions,
            vec![ActionV2::Create(d.state.counts.desired)],
            "{now}"
        );
        d.state.counts.desired
    }

    #[test]
    fn working_hours_start_at_nine_and_end_after_eighteen_fifty_nine_fifty_nine() {
        let work = &[("* 9-18 * * 1-5", 3)];
        for (now, want) in [
            ("2025-06-02T08:59:59Z", 1),
            ("2025-06-02T09:00:00Z", 3),
            ("2025-06-02T18:59:59Z", 3),
            ("2025-06-02T19:00:00Z", 1),
            ("2025-06-07T14:00:00Z", 1),
            ("2025-06-08T14:00:00Z", 1),
        ] {
            assert_eq!(desired_at(work, "UTC", now), want, "{now}");
        }
    }

    #[test]
    fn three_weekday_windows_each_give_their_own_target() {
        let windows = &[
            ("* 6-10 * * 1-5", 2),
            ("* 12-16 * * 1-5", 3),
            ("* 18-22 * * 1-5", 4),
        ];
        for (hour, want) in [
            ("05", 1),
            ("08", 2),
            ("11", 1),
            ("14", 3),
            ("20", 4),
            ("23", 1),
        ] {
            let now = format!("2025-06-02T{hour}:00:00Z");
            assert_eq!(desired_at(windows, "UTC", &now), want, "{now}");
        }
    }

    #[test]
    fn weekday_and_weekend_schedules_do_not_overlap_and_each_holds_on_its_days() {
        let week = &[("* 9-18 * * 1-5", 2), ("* 9-13 * * 6,0", 3)];
        assert_eq!(desired_at(week, "UTC", "2025-06-02T14:00:00Z"), 2);
        assert_eq!(desired_at(week, "UTC", "2025-06-07T10:00:00Z"), 3);
        assert_eq!(desired_at(week, "UTC", "2025-06-07T14:00:00Z"), 1);
    }

    #[test]
    fn a_los_angeles_schedule_is_read_in_los_angeles_time() {
        let morning = &[("* 9-13 * * 1-5", 3)];
        for (now, want) in [
            ("2025-06-02T15:00:00Z", 1),
            ("2025-06-02T16:00:00Z", 3),
            ("2025-06-02T20:59:00Z", 3),
            ("2025-06-02T21:00:00Z", 1),
        ] {
            assert_eq!(
                desired_at(morning, "America/Los_Angeles", now),
                want,
                "{now}"
            );
        }
    }

    #[test]
    fn an_inactive_preset_cancels_its_pending_jobs_and_does_nothing_else() {
        let mut rows = rows(inactive(0));
        rows.pending_count = 2;
        let d = decide(rows);
        assert_eq!(d.actions, vec![ActionV2::CancelPending(2)]);
        assert!(!d.can_skip);
    }

    #[test]
    fn an_active_preset_leaves_pending_jobs_alone() {
        let mut rows = rows(preset(0));
        rows.pending_count = 2;
        let d = decide(rows);
        assert_eq!(d.actions, vec![]);
        assert!(d.is_noop());
    }

    /// 3 failures, the last a minute before `NOW`; with a 5 minute interval the backoff holds.
    fn recent_failures() -> Backoff {
        Backoff {
            num_failed: 3,
            last_build_at: at("2025-06-02T11:59:00Z"),
            preset_id: None,
        }
    }

    fn can_skip(rows: PresetRowsV2) -> bool {
        let d = snapshot(rows)
            .decide(
                at(NOW),
                GoDuration::MINUTE.checked_mul(5).unwrap(),
                &mut NoTrace,
            )
            .unwrap();
        d.can_skip
    }

    #[test]
    fn an_inactive_preset_with_nothing_may_be_skipped() {
        assert!(can_skip(rows(inactive(0))));
        assert!(snapshot(rows(inactive(0))).can_skip());
    }

    #[test]
    fn an_inactive_preset_with_running_prebuilds_may_not_be_skipped() {
        let mut rows = rows(inactive(0));
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        assert!(!can_skip(rows));
    }

    #[test]
    fn an_inactive_preset_with_pending_jobs_may_not_be_skipped() {
        let mut rows = rows(inactive(0));
        rows.pending_count = 1;
        assert!(!can_skip(rows));
    }

    #[test]
    fn an_inactive_preset_with_a_backoff_row_may_not_be_skipped() {
        let mut rows = rows(inactive(0));
        rows.backoff = Some(recent_failures());
        assert!(!can_skip(rows.clone()));
        // Any backoff row, even one counting no failures.
        rows.backoff = Some(Backoff {
            num_failed: 0,
            ..recent_failures()
        });
        assert!(!can_skip(rows));
    }

    #[test]
    fn a_preset_of_a_deleted_or_deprecated_template_with_nothing_may_be_skipped() {
        let mut deleted = preset(3);
        deleted.preset.deleted = true;
        assert!(can_skip(rows(deleted)));
        let mut deprecated = preset(3);
        deprecated.preset.deprecated = true;
        assert!(can_skip(rows(deprecated)));
    }

    #[test]
    fn an_inactive_hard_limited_preset_with_nothing_may_be_skipped() {
        let mut rows = rows(inactive(0));
        rows.is_hard_limited = true;
        assert!(can_skip(rows));
    }

    #[test]
    fn an_active_preset_may_never_be_skipped() {
        assert!(!can_skip(rows(preset(0))));
        assert!(!can_skip(rows(preset(3))));
        let mut backing_off = rows(preset(3));
        backing_off.backoff = Some(recent_failures());
        assert!(!can_skip(backing_off));
    }

    #[test]
    fn a_hard_limited_active_preset_is_not_skipped_and_creates_nothing() {
        let mut rows = rows(preset(5));
        rows.is_hard_limited = true;
        let d = decide(rows);
        assert!(!d.can_skip);
        assert_eq!(d.actions, vec![]);
        assert_eq!(d.state.counts.desired, 5);
        assert!(d.state.hard_limited);
    }
}

/// Rules beyond the contract's listed cases: order, backoff, the inactive rule, the state.
mod rules {
    use super::*;

    fn failures(num_failed: i32, last_build_at: &str) -> Backoff {
        Backoff {
            num_failed,
            last_build_at: at(last_build_at),
            preset_id: None,
        }
    }

    #[test]
    fn backoff_comes_first_and_alone_for_an_active_preset() {
        let mut rows = rows(with_ttl(preset(3), 5));
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        rows.backoff = Some(failures(2, "2025-06-02T11:59:00Z"));
        let d = decide(rows);
        assert_eq!(
            d.actions,
            vec![ActionV2::Backoff(at("2025-06-02T12:01:00Z"))]
        );
        // The state still tells what the expiry rule found.
        assert_eq!(d.state.expired, 1);
    }

    #[test]
    fn backoff_comes_before_cancelling_pending_jobs_of_an_inactive_preset() {
        let mut rows = rows(inactive(0));
        rows.pending_count = 4;
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        rows.backoff = Some(failures(1, "2025-06-02T11:59:30Z"));
        let d = decide(rows);
        assert_eq!(
            d.actions,
            vec![ActionV2::Backoff(at("2025-06-02T12:00:30Z"))]
        );
    }

    #[test]
    fn the_backoff_holds_at_its_last_instant_and_ends_one_nanosecond_later_as_in_v1() {
        let mut rows = rows(preset(1));
        rows.backoff = Some(failures(1, "2025-06-02T11:59:00Z"));
        let s = snapshot(rows);
        assert_eq!(
            s.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap(),
            vec![ActionV2::Backoff(at(NOW))]
        );
        assert_eq!(
            s.calculate_actions(at("2025-06-02T12:00:00.000000001Z"), MINUTE, &mut NoTrace)
                .unwrap(),
            vec![ActionV2::Create(1)]
        );
    }

    #[test]
    fn backoff_window_errors_are_v1s_errors() {
        let mut rows = rows(preset(1));
        rows.backoff = Some(failures(i32::MAX, "2025-06-02T11:59:00Z"));
        let error = snapshot(rows)
            .decide(at(NOW), GoDuration::parse("1000h").unwrap(), &mut NoTrace)
            .unwrap_err();
        assert!(matches!(
            error,
            SnapshotError::BackoffWindowPastDuration { .. }
        ));
        assert_eq!(error.field(), Field::BackoffNumFailed { row: 0 });
    }

    #[test]
    fn an_inactive_preset_deletes_every_running_prebuild_expired_ones_included_oldest_first() {
        let mut preset = with_ttl(inactive(4), 5);
        preset.last_invalidated_at = Some(at("2025-06-02T09:30:00Z"));
        let mut rows = rows(preset);
        rows.running = vec![
            prebuild(1, "2025-06-02T11:59:58Z", true),
            prebuild(2, "2025-06-02T09:00:00Z", false),
            prebuild(3, "2025-06-02T10:00:00Z", true),
        ];
        rows.pending_count = 3;
        let d = decide(rows);
        assert_eq!(
            d.actions,
            vec![ActionV2::CancelPending(3), delete(&[2, 3, 1])]
        );
        assert_eq!(
            d.state,
            StateV2 {
                counts: ReconciliationState {
                    actual: 3,
                    ..ReconciliationState::default()
                },
                expired: 2,
                scheduled_target: 4,
                target_source: TargetSource::Default,
                schedule_error: None,
                hard_limited: false,
                validation_failed: false,
            }
        );
    }

    #[test]
    fn an_inactive_preset_still_tells_its_scheduled_target() {
        let mut rows = rows(in_zone(inactive(1), "UTC"));
        rows.schedules = schedules(&[("* 9-18 * * 1-5", 3)]);
        let d = decide(rows);
        assert_eq!(d.state.counts.desired, 0);
        assert_eq!(d.state.scheduled_target, 3);
        assert_eq!(d.state.target_source, TargetSource::Schedule);
        assert_eq!(d.actions, vec![]);
        assert!(d.can_skip);
    }

    #[test]
    fn expired_prebuilds_are_deleted_in_input_order_not_by_age() {
        let mut rows = rows(with_ttl(preset(0), 5));
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T09:00:00Z", true),
            prebuild(3, "2025-06-02T10:00:00Z", true),
        ];
        assert_eq!(decide(rows).actions, vec![delete(&[1, 2, 3])]);
    }

    #[test]
    fn extraneous_live_prebuilds_are_deleted_oldest_first_ties_in_input_order() {
        let mut rows = rows(preset(1));
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T10:00:00Z", true),
            prebuild(3, "2025-06-02T10:00:00Z", true),
            prebuild(4, "2025-06-02T09:00:00Z", true),
        ];
        assert_eq!(decide(rows).actions, vec![delete(&[4, 2, 3])]);
    }

    #[test]
    fn eligible_counts_only_ready_live_prebuilds() {
        let mut rows = rows(with_ttl(preset(5), 60));
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T11:59:30Z", true),
            prebuild(3, "2025-06-02T11:59:40Z", false),
            prebuild(4, "2025-06-02T11:59:50Z", true),
        ];
        let state = decide(rows).state;
        assert_eq!(state.counts.eligible, 2);
        assert_eq!(state.expired, 1);
        assert_eq!(state.counts.actual, 4);
    }

    #[test]
    fn builds_already_starting_are_not_created_again_after_expiry() {
        let mut rows = rows(with_ttl(preset(4), 5));
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T11:59:59Z", true),
        ];
        rows.in_progress = vec![
            InProgressCount {
                transition: Transition::Start,
                count: 2,
                preset_id: None,
            },
            InProgressCount {
                transition: Transition::Delete,
                count: 7,
                preset_id: None,
            },
        ];
        let d = decide(rows);
        // live 1, starting 2, desired 4: create 1.
        assert_eq!(d.actions, vec![delete(&[1]), ActionV2::Create(1)]);
        assert_eq!((d.state.counts.starting, d.state.counts.deleting), (2, 7));
    }

    #[test]
    fn a_hard_limited_preset_still_deletes_expired_and_extraneous_prebuilds() {
        let mut rows = rows(with_ttl(preset(1), 5));
        rows.is_hard_limited = true;
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T11:59:57Z", true),
            prebuild(3, "2025-06-02T11:59:58Z", true),
        ];
        assert_eq!(decide(rows).actions, vec![delete(&[1]), delete(&[2])]);
    }

    #[test]
    fn a_hard_limited_preset_reports_what_it_would_create_in_its_state_only() {
        let mut rows = rows(preset(3));
        rows.is_hard_limited = true;
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        let d = decide(rows);
        assert_eq!(d.actions, vec![]);
        assert_eq!((d.state.counts.desired, d.state.counts.actual), (3, 1));
    }

    #[test]
    fn a_schedule_of_zero_deletes_every_live_prebuild_of_an_active_preset() {
        let mut rows = rows(in_zone(preset(2), "UTC"));
        rows.schedules = schedules(&[("* 0-6 * * *", 0)]);
        rows.running = vec![
            prebuild(1, "2025-06-02T01:00:00Z", true),
            prebuild(2, "2025-06-02T00:00:00Z", true),
        ];
        let d = decide_at(rows, "2025-06-02T03:00:00Z");
        assert_eq!(d.actions, vec![delete(&[2, 1])]);
        assert_eq!(d.state.counts.extraneous, 2);
    }

    #[test]
    fn a_bad_schedule_falls_back_to_the_default_and_says_why() {
        let mut rows = rows(in_zone(preset(2), "UTC"));
        rows.schedules = schedules(&[("0 9-18 * * 1-5", 5)]);
        let d = decide(rows);
        assert_eq!(d.state.counts.desired, 2);
        assert_eq!(d.state.target_source, TargetSource::Default);
        assert_eq!(
            d.state.schedule_error.as_deref(),
            Some(r#"schedule 0 ("0 9-18 * * 1-5") is skipped: the minute must be `*`, got `0`"#)
        );
        assert_eq!(d.actions, vec![ActionV2::Create(2)]);
    }

    #[test]
    fn a_negative_target_makes_every_live_prebuild_extraneous() {
        let mut rows = rows(in_zone(preset(2), "UTC"));
        rows.schedules = schedules(&[("* * * * *", -1)]);
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T10:00:00Z", true),
        ];
        let d = decide(rows);
        assert_eq!((d.state.counts.desired, d.state.scheduled_target), (-1, -1));
        // live − desired = 2 − (−1) = 3, more than there are: all are deleted, none created.
        assert_eq!(d.state.counts.extraneous, 3);
        assert_eq!(d.actions, vec![delete(&[2, 1])]);
    }

    #[test]
    fn a_negative_target_with_nothing_live_deletes_nothing_and_says_nothing() {
        // Upstream's decision holds a delete of no prebuilds here; it does nothing, so v2 has
        // no action at all.
        let mut rows = rows(in_zone(preset(2), "UTC"));
        rows.schedules = schedules(&[("* * * * *", -4)]);
        let d = decide(rows);
        assert_eq!(d.state.counts.extraneous, 4);
        assert_eq!(d.actions, vec![]);
        assert!(d.is_noop());
    }

    #[test]
    fn counts_are_int32_as_upstream_computes_them() {
        // live − desired wraps past int32 for a target of −2147483648: nothing is extraneous.
        let mut rows = rows(in_zone(preset(2), "UTC"));
        rows.schedules = schedules(&[("* * * * *", i32::MIN)]);
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        let d = decide(rows.clone());
        assert_eq!(d.state.counts.extraneous, 0);
        // desired − live − starting wraps to 2147483647, and upstream's reconciler clamps the
        // create to the target, here below 0: nothing is created.
        assert_eq!(d.actions, vec![]);
        // With 2147483647 starting and more live than wanted, the create wraps above 0 and is
        // clamped to the target: upstream creates the target's 5 (and deletes the extraneous).
        rows.schedules = schedules(&[("* * * * *", 5)]);
        rows.running = (1..=10)
            .map(|n| prebuild(n, &format!("2025-06-02T10:{n:02}:00Z"), true))
            .collect();
        rows.in_progress = vec![InProgressCount {
            transition: Transition::Start,
            count: i32::MAX,
            preset_id: None,
        }];
        let d = decide(rows);
        assert_eq!(d.state.counts.extraneous, 5);
        assert_eq!(
            d.actions,
            vec![delete(&[1, 2, 3, 4, 5]), ActionV2::Create(5)]
        );
    }

    #[test]
    fn a_preset_that_failed_validation_creates_nothing_but_still_deletes() {
        let mut preset = with_ttl(preset(3), 60);
        preset.prebuild_status = PrebuildStatus::ValidationFailed;
        let mut rows = rows(preset);
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(2, "2025-06-02T11:59:30Z", true),
        ];
        let mut explanation = Explanation::default();
        let d = snapshot(rows)
            .decide(at(NOW), MINUTE, &mut explanation)
            .unwrap();
        assert!(d.state.validation_failed);
        assert!(!d.state.hard_limited);
        assert_eq!((d.state.counts.desired, d.state.expired), (3, 1));
        assert_eq!(d.actions, vec![delete(&[1])]);
        let step = explanation
            .0
            .iter()
            .find(|step| step.rule == "validation_failed")
            .expect("a validation_failed step");
        assert_eq!(
            step.detail,
            "3 desired − 1 live − 0 starting = 2: would create 2, but the preset's \
             prebuild_status is validation_failed (until a new template version is promoted)"
        );
        assert!(!explanation.0.iter().any(|step| step.rule == "create"));
    }

    #[test]
    fn a_recorded_hard_limited_status_changes_nothing_by_itself() {
        // Upstream's reconciler reads the hard limit from the failure-limit query, not from
        // the status it records.
        let mut preset = preset(2);
        preset.prebuild_status = PrebuildStatus::HardLimited;
        let d = decide(rows(preset));
        assert!(!d.state.hard_limited && !d.state.validation_failed);
        assert_eq!(d.actions, vec![ActionV2::Create(2)]);
    }

    #[test]
    fn int32_extremes_decide_without_overflow() {
        let mut rows = rows(preset(0));
        rows.in_progress = vec![InProgressCount {
            transition: Transition::Start,
            count: i32::MAX,
            preset_id: None,
        }];
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        assert_eq!(decide(rows).actions, vec![delete(&[1])]);

        assert_eq!(decide(rows_max()).actions, vec![ActionV2::Create(i32::MAX)]);
    }

    fn rows_max() -> PresetRowsV2 {
        let mut rows = rows(in_zone(preset(0), "UTC"));
        rows.schedules = schedules(&[("* * * * *", i32::MAX)]);
        rows
    }

    #[test]
    fn v1_state_fields_are_available_under_v1s_names() {
        let mut rows = rows(preset(2));
        rows.running = vec![prebuild(1, "2025-06-02T11:00:00Z", true)];
        let d = decide(rows);
        assert_eq!(
            d.state.counts,
            crate::domain::ReconciliationState {
                actual: 1,
                desired: 2,
                eligible: 1,
                extraneous: 0,
                starting: 0,
                stopping: 0,
                deleting: 0,
            }
        );
    }
}

/// The input checks: v1's, unchanged, on v1's rows; v2's own values are never refused.
mod checks {
    use super::*;

    fn refused(rows: PresetRowsV2) -> SnapshotError {
        PresetSnapshotV2::new(rows).unwrap_err()
    }

    #[test]
    fn v1s_checks_run_and_keep_v1s_fields() {
        let mut rows = rows(with_ttl(preset(-1), -5));
        rows.pending_count = -1;
        let error = refused(rows);
        assert_eq!(
            error,
            SnapshotError::Negative {
                field: Field::DesiredInstances { preset: 0 },
                value: -1
            }
        );
        assert_eq!(error.field(), Field::DesiredInstances { preset: 0 });
        assert_eq!(error.to_string(), "must be 0 or more, got -1");

        let mut twice = rows_with_duplicate_running();
        twice.preset.ttl = Some(-1);
        assert_eq!(refused(twice).field(), Field::RunningId { row: 1 });
    }

    fn rows_with_duplicate_running() -> PresetRowsV2 {
        let mut rows = rows(preset(1));
        rows.running = vec![
            prebuild(1, "2025-06-02T11:00:00Z", true),
            prebuild(1, "2025-06-02T11:00:00Z", true),
        ];
        rows
    }

    #[test]
    fn a_ttl_of_zero_or_less_is_no_ttl() {
        for ttl in [0, -1, i32::MIN] {
            let mut rows = rows(with_ttl(preset(1), ttl));
            rows.running = vec![prebuild(1, "2000-01-01T00:00:00Z", true)];
            let d = decide(rows);
            assert_eq!(d.state.expired, 0, "ttl {ttl}");
            assert_eq!(d.actions, vec![], "ttl {ttl}");
        }
    }

    #[test]
    fn a_negative_schedule_target_is_used_even_when_the_schedules_are_ignored() {
        let mut rows = rows(preset(1));
        rows.schedules = schedules(&[("not cron", -1)]);
        assert_eq!(decide(rows).state.counts.desired, 1);
    }

    #[test]
    fn a_negative_pending_count_cancels_nothing_and_lets_the_preset_be_skipped() {
        let mut rows = rows(inactive(0));
        rows.pending_count = -2;
        let d = decide(rows);
        assert_eq!(d.actions, vec![]);
        assert!(d.can_skip);
    }

    #[test]
    fn a_bad_schedule_or_timezone_is_not_an_input_error() {
        let mut rows = rows(in_zone(preset(1), "Nowhere/Special"));
        rows.schedules = schedules(&[("MON", 1)]);
        assert!(PresetSnapshotV2::new(rows).is_ok());
    }

    #[test]
    fn the_snapshot_keeps_what_it_was_given() {
        let mut preset = in_zone(with_ttl(preset(1), 30), "Asia/Tokyo");
        preset.last_invalidated_at = Some(at("2025-06-01T00:00:00Z"));
        preset.prebuild_status = PrebuildStatus::ValidationFailed;
        let mut rows = rows(preset);
        rows.schedules = schedules(&[("* 9 * * *", 2)]);
        rows.pending_count = 3;
        rows.is_hard_limited = true;
        let s = snapshot(rows);
        assert_eq!(s.expiry().ttl_seconds, Some(30));
        assert_eq!(
            s.expiry().last_invalidated_at,
            Some(at("2025-06-01T00:00:00Z"))
        );
        assert_eq!(s.scheduling_timezone(), Some("Asia/Tokyo"));
        assert_eq!(s.schedules(), &schedules(&[("* 9 * * *", 2)])[..]);
        assert!(matches!(s.target_rule(), TargetRule::Weekly { .. }));
        assert_eq!(s.pending_count(), 3);
        assert!(s.is_hard_limited());
        assert_eq!(s.prebuild_status(), PrebuildStatus::ValidationFailed);
        assert!(s.is_active());
        assert_eq!(s.v1().preset().desired_instances, 1);
    }
}

mod global {
    use super::*;

    fn preset_with(n: u128, desired: i32) -> PresetV2 {
        let mut preset = preset(desired);
        preset.preset.id = id(n);
        preset
    }

    fn owned_schedule(cron: &str, n: i32, preset: u128) -> Schedule {
        Schedule {
            preset_id: Some(id(preset)),
            ..schedule(cron, n)
        }
    }

    fn pending(preset: Option<u128>, count: i32) -> PendingCount {
        PendingCount {
            preset_id: preset.map(id),
            count,
        }
    }

    #[test]
    fn v2_rows_are_split_by_preset_id_and_stray_rows_are_ignored() {
        let mut old = preset_with(1, 2);
        old.preset.using_active_version = false;
        let current = in_zone(preset_with(2, 1), "UTC");
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![old, current],
            schedules: vec![
                owned_schedule("* 9-18 * * *", 5, 2),
                owned_schedule("* 0-8 * * *", 7, 99),
                Schedule {
                    preset_id: None,
                    ..schedule("* 0-8 * * *", 7)
                },
            ],
            pending: vec![
                pending(Some(99), 5),
                pending(None, 6),
                pending(Some(1), 2),
                pending(Some(1), 3),
            ],
            hard_limited: vec![id(2), id(77)],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0].preset_id, id(1));
        // The preset's first pending row counts, as upstream's `slice.Find` takes it.
        assert_eq!(decisions[0].actions, vec![ActionV2::CancelPending(2)]);
        assert!(!decisions[0].state.hard_limited);
        assert_eq!(decisions[1].preset_id, id(2));
        assert_eq!(decisions[1].state.counts.desired, 5);
        assert!(decisions[1].state.hard_limited);
        assert_eq!(decisions[1].actions, vec![]);
    }

    #[test]
    fn one_presets_bad_schedule_does_not_fail_the_others() {
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![
                in_zone(preset_with(1, 1), "UTC"),
                in_zone(preset_with(2, 1), "UTC"),
                in_zone(preset_with(3, 1), "Mars/Base"),
            ],
            schedules: vec![
                owned_schedule("* 9-18 * * *", 5, 2),
                owned_schedule("* 9-18 * * 1-7", 5, 1),
                owned_schedule("* 9-18 * * *", 5, 3),
            ],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
        assert_eq!(decisions[0].state.counts.desired, 1);
        // The error names the schedule's row in the caller's list.
        assert_eq!(
            decisions[0].state.schedule_error.as_deref(),
            Some(
                r#"schedule 1 ("* 9-18 * * 1-7") is skipped: day of week: `1-7` ends at 7, above 6"#
            )
        );
        assert_eq!(decisions[1].state.counts.desired, 5);
        assert_eq!(decisions[1].state.schedule_error, None);
        assert_eq!(decisions[2].state.counts.desired, 1);
        assert!(decisions[2].state.schedule_error.is_some());
    }

    #[test]
    fn each_preset_decides_as_its_own_snapshot_would() {
        let a = with_ttl(preset_with(1, 2), 5);
        let mut b = in_zone(preset_with(2, 1), "Asia/Tokyo");
        b.last_invalidated_at = Some(at("2025-06-02T11:00:00Z"));
        let owned = |mut row: RunningPrebuild, preset: u128| {
            row.current_preset_id = Some(id(preset));
            row
        };
        let running = vec![
            owned(prebuild(10, "2025-06-02T11:00:00Z", true), 1),
            owned(prebuild(11, "2025-06-02T10:00:00Z", true), 2),
            owned(prebuild(12, "2025-06-02T11:59:59Z", false), 1),
            owned(prebuild(13, "2025-06-02T11:30:00Z", true), 2),
        ];
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![a.clone(), b.clone()],
            running: running.clone(),
            schedules: vec![owned_schedule("* 21 * * 1", 3, 2)],
            pending: vec![pending(Some(2), 1)],
            hard_limited: vec![id(1)],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();

        let mut rows_a = rows(a);
        rows_a.running = vec![running[0], running[2]];
        rows_a.is_hard_limited = true;
        let mut rows_b = rows(b);
        rows_b.running = vec![running[1], running[3]];
        rows_b.schedules = vec![owned_schedule("* 21 * * 1", 3, 2)];
        rows_b.pending_count = 1;
        assert_eq!(decisions, vec![decide(rows_a), decide(rows_b)]);
        // Preset 2 at 21:00 Tokyo (12:00Z): 3 wanted, one expired, one live.
        assert_eq!(
            decisions[1].actions,
            vec![delete(&[11]), ActionV2::Create(2)]
        );
    }

    #[test]
    fn v1s_checks_keep_v1s_global_positions() {
        let error = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![preset_with(1, 1), preset_with(2, 1), preset_with(1, 1)],
            ..GlobalRowsV2::default()
        })
        .unwrap_err();
        assert_eq!(error.field(), Field::PresetId { preset: 2 });
    }

    #[test]
    fn no_v2_value_of_one_preset_fails_the_others() {
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![
                preset_with(1, 1),
                with_ttl(in_zone(preset_with(2, 1), "UTC"), -1),
            ],
            schedules: vec![
                owned_schedule("* * * * *", -1, 2),
                owned_schedule("* 1 * * *", -1, 42),
            ],
            pending: vec![
                pending(Some(1), -4),
                pending(Some(2), i32::MAX),
                pending(Some(2), 1),
            ],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
        assert_eq!(decisions[0].actions, vec![ActionV2::Create(1)]);
        assert_eq!(decisions[1].state.counts.desired, -1);
    }

    #[test]
    fn null_preset_ids_of_in_progress_and_pending_rows_are_the_nil_uuids() {
        // Upstream compares these rows' `preset_id.UUID` without its null flag.
        let mut nil = inactive(0);
        nil.preset.id = Uuid::nil();
        let mut stray_running = prebuild(5, "2025-06-02T11:00:00Z", true);
        stray_running.current_preset_id = None;
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![nil],
            running: vec![stray_running],
            in_progress: vec![InProgressCount {
                transition: Transition::Delete,
                count: 2,
                preset_id: None,
            }],
            schedules: vec![Schedule {
                preset_id: None,
                ..schedule("* * * * *", 3)
            }],
            pending: vec![pending(None, 4)],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let d = &decide_all(&global, at(NOW), MINUTE).unwrap()[0];
        assert_eq!(d.state.counts.deleting, 2);
        assert_eq!(d.actions, vec![ActionV2::CancelPending(4)]);
        // A running row's null current_preset_id names no preset, and a schedule with no
        // preset_id (a column upstream never reads as null) belongs to none.
        assert_eq!(d.state.counts.actual, 0);
        assert_eq!(d.state.target_source, TargetSource::Default);
    }

    #[test]
    fn a_backoff_window_error_names_the_backoff_row_the_preset_was_given() {
        let global = GlobalSnapshotV2::new(GlobalRowsV2 {
            presets: vec![preset_with(1, 1), preset_with(2, 1)],
            backoffs: vec![
                Backoff {
                    num_failed: 1,
                    last_build_at: at("2025-06-02T11:00:00Z"),
                    preset_id: Some(id(1)),
                },
                Backoff {
                    num_failed: i32::MAX,
                    last_build_at: at("2025-06-02T11:00:00Z"),
                    preset_id: Some(id(2)),
                },
            ],
            ..GlobalRowsV2::default()
        })
        .unwrap();
        let error = decide_all(&global, at(NOW), GoDuration::parse("1000h").unwrap()).unwrap_err();
        assert_eq!(error.field(), Field::BackoffNumFailed { row: 1 });
    }

    #[test]
    fn an_empty_global_snapshot_decides_nothing() {
        let global = GlobalSnapshotV2::new(GlobalRowsV2::default()).unwrap();
        assert_eq!(decide_all(&global, at(NOW), MINUTE).unwrap(), vec![]);
    }
}

/// Properties over generated snapshots.
mod properties {
    use chrono::{Datelike, Timelike};
    use proptest::prelude::*;

    use super::*;

    const BASE: &str = "2025-06-02T11:00:00Z";

    fn minutes_after_base(minutes: i64) -> Timestamp {
        at(BASE)
            .checked_add(MINUTE.checked_mul(minutes).unwrap())
            .unwrap()
    }

    /// Running rows with unique IDs and creation times from a small set, so ties happen.
    fn running_rows() -> impl Strategy<Value = Vec<RunningPrebuild>> {
        prop::collection::vec((any::<bool>(), 0i64..8), 0..8).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(n, (ready, minute))| RunningPrebuild {
                    id: id(n as u128 + 1),
                    ready,
                    created_at: minutes_after_base(minute * 10),
                    current_preset_id: None,
                })
                .collect()
        })
    }

    fn in_progress_rows() -> impl Strategy<Value = Vec<InProgressCount>> {
        let transition = prop_oneof![
            Just(Transition::Start),
            Just(Transition::Stop),
            Just(Transition::Delete)
        ];
        prop::collection::vec((transition, 0i32..4), 0..4).prop_map(|rows| {
            rows.into_iter()
                .map(|(transition, count)| InProgressCount {
                    transition,
                    count,
                    preset_id: None,
                })
                .collect()
        })
    }

    /// A backoff row whose window may or may not cover `NOW` (60 minutes after `BASE`).
    fn backoff_row() -> impl Strategy<Value = Option<Backoff>> {
        prop::option::of((0i32..4, 40i64..70)).prop_map(|row| {
            row.map(|(num_failed, minute)| Backoff {
                num_failed,
                last_build_at: minutes_after_base(minute),
                preset_id: None,
            })
        })
    }

    fn seed_preset() -> impl Strategy<Value = Preset> {
        (any::<bool>(), any::<bool>(), any::<bool>(), 0i32..8).prop_map(
            |(using_active_version, deleted, deprecated, desired_instances)| Preset {
                id: id(0xA),
                using_active_version,
                deleted,
                deprecated,
                desired_instances,
            },
        )
    }

    fn interval() -> impl Strategy<Value = GoDuration> {
        prop_oneof![
            Just(GoDuration::default()),
            Just(MINUTE),
            Just(MINUTE.checked_mul(5).unwrap())
        ]
    }

    /// v1's one action, split the way the v2 contract implies:
    ///
    /// | v1 action | v2 actions |
    /// |---|---|
    /// | `backoff until` | `[backoff until]` (rule 3: alone) |
    /// | `create 0` | `[]` (rule 5 creates only above 0) |
    /// | `create n`, n > 0 | `[create n]` |
    /// | `delete []` | `[]` (an inactive preset with nothing running: rule 4 deletes only what runs) |
    /// | `delete ids` | `[delete ids]` (the same IDs in the same order) |
    ///
    /// With nothing expired the inactive rule is v1's (every running prebuild, oldest first, in
    /// one delete; no pending jobs, so no `cancel_pending`), and the active rule is v1's too:
    /// no expired delete; with extraneous prebuilds v1 deletes the oldest of them and creates
    /// nothing, and v2 deletes the same and computes `desired − live − starting < 0`, so creates
    /// nothing; without, both create `max(desired − actual − starting, 0)`.
    fn split(v1: ReconciliationActions) -> Vec<ActionV2> {
        match v1 {
            ReconciliationActions::Backoff(until) => vec![ActionV2::Backoff(until)],
            ReconciliationActions::Create(0) => vec![],
            ReconciliationActions::Create(n) => vec![ActionV2::Create(n)],
            ReconciliationActions::Delete(ids) if ids.is_empty() => vec![],
            ReconciliationActions::Delete(ids) => vec![ActionV2::Delete(ids)],
        }
    }

    fn plain_timezone() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some(String::new())),
            Just(Some("UTC".to_owned())),
            Just(Some("Not/A_Zone".to_owned())),
        ]
    }

    /// A TTL that never expires anything: none, or 0.
    fn forever() -> impl Strategy<Value = Option<i32>> {
        prop_oneof![Just(None), Just(Some(0))]
    }

    /// Any cron field text robfig/cron reads, with the values it allows and whether it is
    /// unrestricted: `*` or `?`, a number or name, a range, steps, or a list of those. `names`
    /// are the field's names, the first standing for `min`.
    fn field_text(
        min: u32,
        max: u32,
        names: &'static [&'static str],
    ) -> impl Strategy<Value = (String, Vec<u32>, bool)> {
        let spelled = move |v: u32, upper: bool| match names.get((v - min) as usize) {
            Some(name) if upper => name.to_uppercase(),
            Some(name) => (*name).to_owned(),
            None => v.to_string(),
        };
        let item = prop_oneof![
            1 => prop::bool::ANY.prop_map(move |question| {
                let text = if question { "?" } else { "*" };
                (text.to_owned(), (min..=max).collect::<Vec<u32>>(), true)
            }),
            3 => (min..=max, 0u8..3).prop_map(move |(v, style)| {
                let text = if style == 0 { v.to_string() } else { spelled(v, style == 1) };
                (text, vec![v], false)
            }),
            3 => (min..=max, min..=max).prop_map(|(a, b)| {
                let (a, b) = (a.min(b), a.max(b));
                (format!("{a}-{b}"), (a..=b).collect(), false)
            }),
            2 => (min..=max, min..=max, 1u32..9, 0u8..3).prop_map(move |(a, b, step, form)| {
                let (a, b) = (a.min(b), a.max(b));
                match form {
                    0 => (format!("*/{step}"), (min..=max).step_by(step as usize).collect(), step == 1),
                    1 => (format!("{a}-{b}/{step}"), (a..=b).step_by(step as usize).collect(), false),
                    _ => (format!("{}/{step}", spelled(a, true)), (a..=max).step_by(step as usize).collect(), false),
                }
            }),
        ];
        prop::collection::vec(item, 1..4).prop_map(|items| {
            let text = items
                .iter()
                .map(|(t, _, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let values = items.iter().flat_map(|(_, v, _)| v.clone()).collect();
            let star = items.iter().any(|(_, _, s)| *s);
            (text, values, star)
        })
    }

    const MONTHS: &[&str] = &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: &[&str] = &["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    proptest! {
        /// With no TTL, no invalidation, no schedules, no pending jobs and no hard limit, v2's
        /// actions are v1's action split as [`split`] says, v2's state's v1 fields are v1's
        /// state, nothing is expired, the target is `desired_instances` from the default, and
        /// `noop` agrees.
        #[test]
        fn without_v2_inputs_v2_decides_as_v1(
            preset in seed_preset(),
            running in running_rows(),
            in_progress in in_progress_rows(),
            backoff in backoff_row(),
            interval in interval(),
            ttl in forever(),
            timezone in plain_timezone(),
        ) {
            let now = at(NOW);
            let v1 = PresetSnapshot::new(preset, running.clone(), in_progress.clone(), backoff)
                .unwrap()
                .decide(now, interval, &mut NoTrace)
                .unwrap();
            let v2 = PresetSnapshotV2::new(PresetRowsV2 {
                preset: PresetV2 {
                    preset,
                    ttl,
                    last_invalidated_at: None,
                    scheduling_timezone: timezone,
                    prebuild_status: PrebuildStatus::Healthy,
                },
                running,
                in_progress,
                backoff,
                schedules: vec![],
                pending_count: 0,
                is_hard_limited: false,
            })
            .unwrap()
            .decide(now, interval, &mut NoTrace)
            .unwrap();
            prop_assert_eq!(v2.preset_id, v1.preset_id);
            prop_assert_eq!(v2.state.counts, v1.state);
            prop_assert_eq!(v2.state.expired, 0);
            prop_assert_eq!(v2.state.scheduled_target, preset.desired_instances);
            prop_assert_eq!(v2.state.target_source, TargetSource::Default);
            prop_assert_eq!(&v2.state.schedule_error, &None);
            prop_assert_eq!(v2.is_noop(), v1.actions.is_noop());
            prop_assert_eq!(v2.actions, split(v1.actions));
        }

        /// Whatever the inputs: backoff is alone; every deleted ID is running and deleted once;
        /// `cancel_pending` only for an inactive preset, first, with the pending count; no
        /// create for a hard-limited, validation-failed or inactive preset; and an active
        /// preset's deletes and creates bring live + starting to exactly `desired` when it
        /// creates, and to at least `desired` otherwise unless it may not create.
        #[test]
        fn v2_actions_are_consistent(
            preset in seed_preset(),
            running in running_rows(),
            in_progress in in_progress_rows(),
            backoff in backoff_row(),
            ttl in prop::option::of(-10i32..7200),
            invalidated in prop::option::of(0i64..80),
            pending_count in -2i32..3,
            is_hard_limited in any::<bool>(),
            validation_failed in any::<bool>(),
            desired_by_schedule in prop::option::of(-3i32..8),
        ) {
            let schedules = desired_by_schedule
                .map(|n| vec![schedule("* 12 * * 1", n)])
                .unwrap_or_default();
            let snapshot = PresetSnapshotV2::new(PresetRowsV2 {
                preset: PresetV2 {
                    preset,
                    ttl,
                    last_invalidated_at: invalidated.map(minutes_after_base),
                    scheduling_timezone: Some("UTC".to_owned()),
                    prebuild_status: if validation_failed {
                        PrebuildStatus::ValidationFailed
                    } else {
                        PrebuildStatus::Healthy
                    },
                },
                running: running.clone(),
                in_progress,
                backoff,
                schedules,
                pending_count,
                is_hard_limited,
            })
            .unwrap();
            let d = snapshot.decide(at(NOW), MINUTE, &mut NoTrace).unwrap();
            prop_assert_eq!(d.can_skip, snapshot.can_skip());
            prop_assert_eq!(&d.state, &snapshot.calculate_state(at(NOW)));
            prop_assert_eq!(&d.actions, &snapshot.calculate_actions(at(NOW), MINUTE, &mut NoTrace).unwrap());
            if let Some(n) = desired_by_schedule {
                prop_assert_eq!(d.state.scheduled_target, n);
            }
            if d.actions.iter().any(|a| matches!(a, ActionV2::Backoff(_))) {
                prop_assert_eq!(d.actions.len(), 1);
                return Ok(());
            }
            let mut deleted = std::collections::HashSet::new();
            let mut created = 0;
            for (index, action) in d.actions.iter().enumerate() {
                match action {
                    ActionV2::Delete(ids) => {
                        prop_assert!(!ids.is_empty());
                        for deleted_id in ids {
                            prop_assert!(running.iter().any(|r| r.id == *deleted_id));
                            prop_assert!(deleted.insert(*deleted_id), "deleted twice");
                        }
                    }
                    ActionV2::Create(n) => {
                        prop_assert!(*n > 0);
                        prop_assert!(!is_hard_limited && !validation_failed && snapshot.is_active());
                        created += n;
                    }
                    ActionV2::CancelPending(n) => {
                        prop_assert_eq!(index, 0);
                        prop_assert_eq!(*n, pending_count);
                        prop_assert!(!snapshot.is_active());
                    }
                    ActionV2::Backoff(_) => unreachable!(),
                }
            }
            let s = &d.state;
            if snapshot.is_active() {
                let remaining = s.counts.actual - deleted.len() as i32;
                let live = s.counts.actual - s.expired;
                // A negative target makes `extraneous` exceed what is live.
                prop_assert_eq!(remaining, live - s.counts.extraneous.min(live));
                if created > 0 {
                    prop_assert_eq!(remaining + created + s.counts.starting, s.counts.desired);
                } else if !is_hard_limited && !validation_failed {
                    prop_assert!(remaining + s.counts.starting >= s.counts.desired);
                }
                prop_assert!(s.counts.eligible <= s.counts.actual - s.expired);
            } else {
                prop_assert_eq!(deleted.len(), running.len());
                prop_assert_eq!((s.counts.desired, s.counts.eligible, s.counts.extraneous), (0, 0, 0));
            }
        }

        /// A global snapshot decides each preset exactly as that preset's own snapshot does.
        #[test]
        fn a_global_decision_is_each_presets_own_decision(
            owners in prop::collection::vec(0u128..4, 0..10),
            pending_owners in prop::collection::vec((0u128..4, -2i32..3), 0..4),
            hard in prop::collection::vec(0u128..4, 0..3),
            desired in prop::collection::vec(0i32..4, 3),
            schedule_hours in prop::collection::vec((0u128..4, 10u32..14, 0i32..5), 0..4),
        ) {
            // Presets 1..=3; owner 0 stands for a row of no listed preset.
            let presets: Vec<PresetV2> = (1..=3u128)
                .map(|n| {
                    let mut p = in_zone(with_ttl(preset(desired[n as usize - 1]), 1800), "UTC");
                    p.preset.id = id(n);
                    p.preset.using_active_version = n != 3;
                    p
                })
                .collect();
            let running: Vec<RunningPrebuild> = owners
                .iter()
                .enumerate()
                .map(|(row, &owner)| RunningPrebuild {
                    id: id(100 + row as u128),
                    ready: row % 2 == 0,
                    created_at: minutes_after_base(row as i64 * 7),
                    current_preset_id: Some(id(owner)),
                })
                .collect();
            let schedules: Vec<Schedule> = schedule_hours
                .iter()
                .map(|&(owner, hour, n)| Schedule {
                    preset_id: Some(id(owner)),
                    ..schedule(&format!("* {hour} * * *"), n)
                })
                .collect();
            let pending: Vec<PendingCount> = pending_owners
                .iter()
                .map(|&(owner, count)| PendingCount { preset_id: Some(id(owner)), count })
                .collect();
            let hard_limited: Vec<Uuid> = hard.iter().map(|&n| id(n)).collect();
            let global = GlobalSnapshotV2::new(GlobalRowsV2 {
                presets: presets.clone(),
                running: running.clone(),
                schedules: schedules.clone(),
                pending: pending.clone(),
                hard_limited: hard_limited.clone(),
                ..GlobalRowsV2::default()
            })
            .unwrap();
            let decisions = decide_all(&global, at(NOW), MINUTE).unwrap();
            for (preset, decision) in presets.into_iter().zip(&decisions) {
                let preset_id = preset.preset.id;
                let mine = |owner: Option<Uuid>| owner == Some(preset_id);
                // Rows keep their global positions in messages, so compare everything but the
                // schedule error's text.
                let own_schedules: Vec<Schedule> =
                    schedules.iter().filter(|s| mine(s.preset_id)).cloned().collect();
                let single = PresetSnapshotV2::new(PresetRowsV2 {
                    preset,
                    running: running.iter().copied().filter(|r| mine(r.current_preset_id)).collect(),
                    in_progress: vec![],
                    backoff: None,
                    schedules: own_schedules,
                    pending_count: pending.iter().find(|p| mine(p.preset_id)).map_or(0, |p| p.count),
                    is_hard_limited: hard_limited.contains(&preset_id),
                })
                .unwrap()
                .decide(at(NOW), MINUTE, &mut NoTrace)
                .unwrap();
                let mut global_one = decision.clone();
                let mut single = single;
                prop_assert_eq!(
                    global_one.state.schedule_error.is_some(),
                    single.state.schedule_error.is_some()
                );
                global_one.state.schedule_error = None;
                single.state.schedule_error = None;
                prop_assert_eq!(global_one, single);
            }
        }

        /// A generated expression matches a time exactly when the time's hour, day of month,
        /// month and day of week are in the generated sets, with the either-day rule.
        #[test]
        fn matching_agrees_with_the_sets_the_expression_names(
            (hours, hour_set, _) in field_text(0, 23, &[]),
            (doms, dom_set, dom_star) in field_text(1, 31, &[]),
            (months, month_set, _) in field_text(1, 12, MONTHS),
            (dows, dow_set, dow_star) in field_text(0, 6, DAYS),
            day_offset in 0i64..366,
            hour in 0i64..24,
            second in 0i64..60,
        ) {
            let expression = format!("* {hours} {doms} {months} {dows}");
            let cron = CronSchedule::parse(&expression).unwrap();
            let now = at("2025-01-01T00:30:00.5Z")
                .checked_add(GoDuration::parse(&format!("{}h{second}s", day_offset * 24 + hour)).unwrap())
                .unwrap();
            let local = now.as_datetime();
            let dom = dom_set.contains(&local.day());
            let dow = dow_set.contains(&local.weekday().num_days_from_sunday());
            let day = if dom_star || dow_star { dom && dow } else { dom || dow };
            let want = day
                && hour_set.contains(&local.hour())
                && month_set.contains(&local.month());
            prop_assert_eq!(
                cron.is_within_range(now, &chrono_tz::Tz::UTC),
                want,
                "{} at {}",
                expression,
                local
            );
        }

        /// The set check's verdict does not depend on the order of a pair, and a schedule
        /// always fails beside itself (it overlaps, or a field it reaches is unreadable).
        #[test]
        fn the_set_check_is_symmetric_and_no_schedule_passes_beside_itself(
            (h1, _, _) in field_text(0, 23, &[]),
            (d1, _, _) in field_text(1, 31, &[]),
            (m1, _, _) in field_text(1, 12, MONTHS),
            (w1, _, _) in field_text(0, 6, DAYS),
            (h2, _, _) in field_text(0, 23, &[]),
            (d2, _, _) in field_text(1, 31, &[]),
            (w2, _, _) in field_text(0, 6, DAYS),
        ) {
            let a = format!("* {h1} {d1} {m1} {w1}");
            let b = format!("* {h2} {d2} * {w2}");
            prop_assert!(set_check::check([a.as_str(), a.as_str()]).is_some());
            prop_assert_eq!(
                set_check::check([a.as_str(), b.as_str()]).is_some(),
                set_check::check([b.as_str(), a.as_str()]).is_some()
            );
        }

        /// Neither reading panics, whatever the text.
        #[test]
        fn reading_any_text_never_panics(
            text in "[ *0-9,/A-Za-z\\-\t?#+\u{130}\u{212a}\u{a0}]{0,30}",
            other in "[ *0-9,/A-Za-z\\-?+]{0,20}",
        ) {
            let _ = CronSchedule::parse(&text);
            let _ = set_check::check([text.as_str(), other.as_str()]);
        }
    }
}
