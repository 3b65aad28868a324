//! Rule 2 of the v2 contract: a preset's target, from its weekly schedules in its timezone.
//!
//! The timezone and the expressions are read once, when the snapshot is built, into a
//! [`TargetRule`]; deciding then only converts `now` into the zone and walks the schedules. A bad
//! schedule is never an input error (upstream keeps deciding with the default, and in a global
//! call one preset's bad schedule must not fail the others): the rule falls back to
//! `desired_instances` and says why.

use std::str::FromStr;

use chrono_tz::Tz;

use super::cron::CronSchedule;
use super::snapshot::Schedule;
use crate::domain::go_time::Timestamp;

/// Where a preset's target came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetSource {
    /// The preset's `desired_instances` (no schedules, none matching, or schedules set aside).
    Default,
    /// The first schedule matching `now` in the preset's timezone.
    Schedule,
}

/// A preset's target at one instant, before the active check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// How many prebuilds the preset asks for.
    pub instances: i32,
    /// Where that number came from.
    pub source: TargetSource,
    /// Why the schedules were set aside, when they were.
    pub schedule_error: Option<String>,
}

/// How a preset's target is found: its schedules read once, or the reason they cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetRule {
    /// No schedules: the target is `desired_instances`.
    Default,
    /// Schedules given but unusable (timezone empty or unknown, an expression invalid, two
    /// overlapping): the target is `desired_instances`, and this says why.
    SetAside(String),
    /// Usable schedules: the first matching `now` in `timezone` gives the target.
    Weekly {
        /// The preset's timezone.
        timezone: Tz,
        /// The schedules, in the order given.
        schedules: Vec<WeeklySchedule>,
    },
}

/// A usable schedule, with how the caller listed it (so an explanation can name it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklySchedule {
    /// Its index in the list the caller sent.
    pub row: usize,
    /// The expression as written.
    pub expression: String,
    /// The parsed expression.
    pub cron: CronSchedule,
    /// The target while it matches.
    pub instances: i32,
}

impl TargetRule {
    /// Reads a preset's timezone and schedules. Each schedule comes with its index in the list
    /// the caller sent, so the reason names it as the caller knows it.
    ///
    /// Checks run in this order, and the first failure is the reason: the timezone is set, the
    /// timezone is a known IANA name (exactly as spelled), every expression parses, and no two
    /// schedules overlap.
    pub fn new<'a>(
        scheduling_timezone: Option<&str>,
        schedules: impl IntoIterator<Item = (usize, &'a Schedule)>,
    ) -> Self {
        let mut schedules = schedules.into_iter().peekable();
        if schedules.peek().is_none() {
            return TargetRule::Default;
        }
        let timezone = match scheduling_timezone.unwrap_or_default() {
            "" => {
                return TargetRule::SetAside(
                    "scheduling_timezone is empty, so the schedules are ignored".to_owned(),
                );
            }
            name => match Tz::from_str(name) {
                Ok(timezone) => timezone,
                Err(_) => {
                    return TargetRule::SetAside(format!(
                        "scheduling_timezone {name:?} is not a known IANA timezone"
                    ));
                }
            },
        };
        let mut parsed: Vec<(usize, &Schedule, CronSchedule)> = Vec::new();
        for (row, schedule) in schedules {
            match CronSchedule::parse(&schedule.cron_expression) {
                Ok(cron) => parsed.push((row, schedule, cron)),
                Err(error) => {
                    return TargetRule::SetAside(format!(
                        "schedule {row} ({:?}) is invalid: {error}",
                        schedule.cron_expression
                    ));
                }
            }
        }
        if let Some((earlier, later)) = first_overlap(&parsed) {
            let (row_a, a, _) = parsed[earlier];
            let (row_b, b, _) = parsed[later];
            return TargetRule::SetAside(format!(
                "schedules {row_a} ({:?}) and {row_b} ({:?}) overlap",
                a.cron_expression, b.cron_expression
            ));
        }
        TargetRule::Weekly {
            timezone,
            schedules: parsed
                .into_iter()
                .map(|(row, schedule, cron)| WeeklySchedule {
                    row,
                    expression: schedule.cron_expression.clone(),
                    cron,
                    instances: schedule.desired_instances,
                })
                .collect(),
        }
    }

    /// The target at `now`: the first schedule whose expression matches `now`'s wall-clock time
    /// in the timezone (across a DST change, the local hour at that instant), else `default`.
    pub fn target(&self, default: i32, now: Timestamp) -> Target {
        let fallback = |schedule_error: Option<&String>| Target {
            instances: default,
            source: TargetSource::Default,
            schedule_error: schedule_error.cloned(),
        };
        match self {
            TargetRule::Default => fallback(None),
            TargetRule::SetAside(reason) => fallback(Some(reason)),
            TargetRule::Weekly { .. } => match self.matching(now) {
                Some(schedule) => Target {
                    instances: schedule.instances,
                    source: TargetSource::Schedule,
                    schedule_error: None,
                },
                None => fallback(None),
            },
        }
    }

    /// The first schedule whose expression matches `now`'s wall-clock time in the timezone.
    pub fn matching(&self, now: Timestamp) -> Option<&WeeklySchedule> {
        let TargetRule::Weekly {
            timezone,
            schedules,
        } = self
        else {
            return None;
        };
        let local = now.as_datetime().with_timezone(timezone);
        schedules
            .iter()
            .find(|schedule| schedule.cron.matches(&local))
    }

    /// How the target at `now` was found, in words, for an explanation.
    pub fn describe(&self, default: i32, now: Timestamp) -> String {
        match self {
            TargetRule::Default => format!("no schedules: desired_instances ({default})"),
            TargetRule::SetAside(reason) => {
                format!("schedules set aside ({reason}): desired_instances ({default})")
            }
            TargetRule::Weekly { timezone, .. } => {
                let local = now.as_datetime().with_timezone(timezone);
                let when = format!("{} in {timezone}", local.format("%a %Y-%m-%d %H:%M:%S %Z"));
                match self.matching(now) {
                    Some(schedule) => format!(
                        "{when} matches schedule {} ({:?}): {}",
                        schedule.row, schedule.expression, schedule.instances
                    ),
                    None => format!("{when} matches no schedule: desired_instances ({default})"),
                }
            }
        }
    }
}

/// The first pair `(i, j)`, `i < j`, of overlapping schedules, by smallest `j` then smallest `i`.
///
/// Scanning each schedule against the ones before it stops at the first that overlaps any, so
/// every schedule compared against belongs to a pairwise non-overlapping set. Such a set is
/// small: schedules sharing a month-hour cell must have days that do not overlap, of which there
/// are at most 31, so it holds at most 12 × 24 × 31 = 8,928. A long list therefore costs at most
/// about 40 million comparisons of a few bit masks, not the square of its length.
fn first_overlap(parsed: &[(usize, &Schedule, CronSchedule)]) -> Option<(usize, usize)> {
    (1..parsed.len()).find_map(|later| {
        (0..later)
            .find(|&earlier| parsed[earlier].2.overlaps(&parsed[later].2))
            .map(|earlier| (earlier, later))
    })
}
