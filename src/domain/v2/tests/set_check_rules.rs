//! The check of the whole set, as terraform-provider-coder's `ValidateSchedules`.

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
