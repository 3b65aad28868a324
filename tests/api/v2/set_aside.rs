//! Schedules that cannot be used are set aside: the default, and why, never a 4xx.

use super::*;

/// Decides an active preset wanting 1 at NOW (Monday noon, when `* 9-18 * * 1-5` would
/// match), asserts the default was used, and returns `schedule_error`.
async fn set_aside(app: &Router, timezone: Option<&str>, list: &[(&str, i32)]) -> String {
    let mut preset = active(1, 1);
    if let Some(timezone) = timezone {
        preset["scheduling_timezone"] = json!(timezone);
    }
    let body = json!({"preset": preset, "schedules": schedule_rows(list)});
    let d = decide_at(app, &body, NOW).await;
    let error = d["state"]["schedule_error"]
        .as_str()
        .unwrap_or_else(|| panic!("no schedule_error in {d}"))
        .to_owned();
    assert!(!error.is_empty());
    assert_decision(
        &d,
        state(json!({
            "desired": 1, "scheduled_target": 1, "schedule_error": error
        })),
        json!([create(1)]),
        false,
    );
    error
}

const WORKING_HOURS: &[(&str, i32)] = &[("* 9-18 * * 1-5", 3)];

#[tokio::test]
async fn an_empty_or_absent_timezone_sets_the_schedules_aside() {
    let app = app();
    for timezone in [None, Some("")] {
        let error = set_aside(&app, timezone, WORKING_HOURS).await;
        assert!(error.contains("scheduling_timezone"), "{error}");
    }
    let preset = with(active(1, 1), "scheduling_timezone", json!(null));
    let body = json!({"preset": preset, "schedules": schedule_rows(WORKING_HOURS)});
    let d = decide_at(&app, &body, NOW).await;
    assert!(d["state"]["schedule_error"].is_string(), "{d}");
}

#[tokio::test]
async fn an_unknown_timezone_sets_the_schedules_aside_and_is_named() {
    let app = app();
    for timezone in ["Mars/Olympus_Mons", "america/los_angeles", "UTC+2", " UTC"] {
        let error = set_aside(&app, Some(timezone), WORKING_HOURS).await;
        assert!(error.contains(timezone), "{timezone:?}: {error}");
    }
}

#[tokio::test]
async fn a_field_the_set_check_reaches_and_cannot_read_sets_every_schedule_aside() {
    // Upstream first compares every pair with only numbers, ranges and lists understood:
    // each of these meets the working-hours schedule in months and days, so the comparison
    // reaches a field it cannot read, or a pair that overlaps.
    let app = app();
    for invalid in [
        "* */2 * * *",
        "* 9-18/2 * * *",
        "* 9-18 * * MON",
        "* 9-18 * JAN *",
        "* 9-18 * * 7",
        "* 9-18 * * 1-7",
        "* 9-18 * * ?",
        "0 9-18 * * 1-5",
        "0-59 9-18 * * 1-5",
        "* 9-18 * *",
        "* 9-18 * * 1-5 2025",
        "* 24 * * *",
        "* 18-9 * * *",
        "@daily",
    ] {
        // The valid schedule first: it would match, yet every schedule is set aside.
        let list = [("* 9-18 * * 1-5", 3), ("* 20-21 * * 1-5", 4), (invalid, 5)];
        let error = set_aside(&app, Some("UTC"), &list).await;
        assert!(
            error.contains(invalid) && error.ends_with("so every schedule is set aside"),
            "{invalid:?}: {error}"
        );
    }
}

#[tokio::test]
async fn a_schedule_that_does_not_parse_alone_is_skipped_and_named() {
    // One schedule is never compared; read alone, each of these is refused, so the
    // default applies and the reason names it.
    let app = app();
    for invalid in [
        "* 9-18 * * 7",
        "0 9-18 * * 1-5",
        "* 9-18 * *",
        "* 24 * * *",
        "* 9-18 0 * *",
        "* 9-18 * 13 *",
        "* 18-9 * * *",
        "* 9-18 * * MONDAY",
        "",
        "@daily",
    ] {
        let error = set_aside(&app, Some("UTC"), &[(invalid, 5)]).await;
        assert!(
            error.starts_with(&format!("schedule 0 ({invalid:?}) is skipped: ")),
            "{invalid:?}: {error}"
        );
    }
}

#[tokio::test]
async fn overlapping_schedules_are_set_aside_and_both_are_named() {
    let app = app();
    for (a, b) in [
        ("* 9-18 * * 1-5", "* 12 * * 1"),
        ("* 9-18 * * 1-5", "* 9-18 * * 1-5"),
        // A star day of month on either side: days of week decide.
        ("* 12 1 * *", "* 12 * * 1"),
        // Days of month restricted on both sides, a star day of week: days of month decide.
        ("* 12 2 * *", "* 12 1-5 * *"),
        // Both restricted on both sides: either intersection overlaps.
        ("* 12 1 * 1", "* 12 2 * 1"),
    ] {
        let error = set_aside(&app, Some("UTC"), &[(a, 3), (b, 4)]).await;
        assert!(
            error.contains("overlap") && error.contains(a) && error.contains(b),
            "{a:?} and {b:?}: {error}"
        );
    }
}

#[tokio::test]
async fn schedules_apart_in_months_hours_or_days_do_not_overlap() {
    let app = app();
    for (a, b) in [
        ("* 12 * 6 *", "* 12 * 7 *"),
        ("* 12 * * *", "* 13 * * *"),
        ("* 12 * * 1", "* 12 * * 2"),
        ("* 12 2 * *", "* 12 3 * *"),
    ] {
        let d = scheduled(&app, "UTC", &[(a, 3), (b, 4)], NOW).await;
        assert_target(&d, 3, "schedule");
    }
}

#[tokio::test]
async fn an_explanation_tells_why_the_schedules_were_set_aside() {
    let preset = with(
        active(1, 1),
        "scheduling_timezone",
        json!("Mars/Olympus_Mons"),
    );
    let body = json!({"preset": preset, "schedules": schedule_rows(WORKING_HOURS)});
    let d = decided(&app(), &format!("{PRESET}?now={NOW}&explain=true"), &body).await;
    let target = &d["explanation"][1];
    assert_eq!(target["rule"], "target");
    let detail = target["detail"].as_str().unwrap();
    assert!(
        detail.contains("set aside") && detail.contains("Mars/Olympus_Mons"),
        "{detail}"
    );
}

#[tokio::test]
async fn with_no_schedules_no_timezone_is_an_error() {
    let app = app();
    for timezone in [json!(null), json!(""), json!("UTC"), json!("Not/A_Zone")] {
        let preset = with(active(1, 2), "scheduling_timezone", timezone);
        for schedules in [json!(null), json!([])] {
            let body = json!({"preset": preset, "schedules": schedules});
            assert_target(&decide_at(&app, &body, NOW).await, 2, "default");
        }
    }
}
