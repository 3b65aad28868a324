//! Rule 2 of the v2 contract: a preset's target, from its schedules in its timezone, in the
//! order upstream's `CalculateDesiredInstances` reads them.
//!
//! 1. No schedules: the default (`desired_instances`).
//! 2. An empty or unknown timezone: the default, every schedule set aside.
//! 3. The set check ([`super::set_check`]): a pair that overlaps, or a field a comparison reaches
//!    and cannot read, sets every schedule aside.
//! 4. Each schedule alone ([`super::cron`]): one that does not parse is skipped, the others
//!    still apply; the first that matches `now` in the zone gives the target, else the default.
//!
//! The timezone and the expressions are read once, when the snapshot is built, into a
//! [`TargetRule`]; deciding then only converts `now` into the zone and walks the schedules. A bad
//! schedule is never an input error (upstream keeps deciding, and in a global call one preset's
//! bad schedule must not fail the others): the rule says why in `schedule_error`.

use std::str::FromStr;

use chrono_tz::Tz;

use super::cron::{CronError, CronSchedule};
use super::set_check::{self, SetProblem};
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
    /// How many prebuilds the preset asks for (negative when a schedule says so: used as is).
    pub instances: i32,
    /// Where that number came from.
    pub source: TargetSource,
    /// Why schedules were set aside or skipped, when any were.
    pub schedule_error: Option<String>,
}

/// How a preset's target is found: its schedules read once, or the reason they cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetRule {
    /// No schedules: the target is `desired_instances`.
    Default,
    /// Schedules given but all set aside (timezone empty or unknown, or the set check failed):
    /// the target is `desired_instances`, and this says why.
    SetAside(String),
    /// Schedules read in `timezone`: the first usable one matching `now` gives the target.
    Weekly {
        /// The preset's timezone.
        timezone: Tz,
        /// The schedules that parse, in the order given.
        schedules: Vec<WeeklySchedule>,
        /// Why the others were skipped, one sentence each (empty when none were).
        skipped: Vec<String>,
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
    /// the caller sent, so reasons name it as the caller knows it.
    pub fn new<'a>(
        scheduling_timezone: Option<&str>,
        schedules: impl IntoIterator<Item = (usize, &'a Schedule)>,
    ) -> Self {
        let schedules: Vec<(usize, &Schedule)> = schedules.into_iter().collect();
        if schedules.is_empty() {
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
        let expressions = schedules
            .iter()
            .map(|(_, schedule)| schedule.cron_expression.as_str());
        if let Some(problem) = set_check::check(expressions) {
            return TargetRule::SetAside(set_aside_reason(&problem, &schedules));
        }
        let mut usable = Vec::with_capacity(schedules.len());
        let mut skipped = Vec::new();
        for (row, schedule) in schedules {
            match CronSchedule::parse(&schedule.cron_expression) {
                Ok(cron) => usable.push(WeeklySchedule {
                    row,
                    expression: schedule.cron_expression.clone(),
                    cron,
                    instances: schedule.desired_instances,
                }),
                Err(error) => skipped.push(skipped_reason(row, schedule, &error)),
            }
        }
        TargetRule::Weekly {
            timezone,
            schedules: usable,
            skipped,
        }
    }

    /// The target at `now`: the first usable schedule whose expression matches `now` in the
    /// timezone (see [`CronSchedule::is_within_range`]), else `default`.
    pub fn target(&self, default: i32, now: Timestamp) -> Target {
        let schedule_error = self.schedule_error();
        match self.matching(now) {
            Some(schedule) => Target {
                instances: schedule.instances,
                source: TargetSource::Schedule,
                schedule_error,
            },
            None => Target {
                instances: default,
                source: TargetSource::Default,
                schedule_error,
            },
        }
    }

    /// The first usable schedule whose expression matches `now` in the timezone.
    pub fn matching(&self, now: Timestamp) -> Option<&WeeklySchedule> {
        let TargetRule::Weekly {
            timezone,
            schedules,
            ..
        } = self
        else {
            return None;
        };
        schedules
            .iter()
            .find(|schedule| schedule.cron.is_within_range(now, timezone))
    }

    /// Why schedules were set aside or skipped, or `None` when every schedule was usable.
    pub fn schedule_error(&self) -> Option<String> {
        match self {
            TargetRule::Default => None,
            TargetRule::SetAside(reason) => Some(reason.clone()),
            TargetRule::Weekly { skipped, .. } if skipped.is_empty() => None,
            TargetRule::Weekly { skipped, .. } => Some(skipped.join("; ")),
        }
    }

    /// How the target at `now` was found, in words, for an explanation.
    pub fn describe(&self, default: i32, now: Timestamp) -> String {
        match self {
            TargetRule::Default => format!("no schedules: desired_instances ({default})"),
            TargetRule::SetAside(reason) => {
                format!("schedules set aside ({reason}): desired_instances ({default})")
            }
            TargetRule::Weekly {
                timezone, skipped, ..
            } => {
                let local = now.as_datetime().with_timezone(timezone);
                let when = format!("{} in {timezone}", local.format("%a %Y-%m-%d %H:%M:%S %Z"));
                let found = match self.matching(now) {
                    Some(schedule) => format!(
                        "{when} matches schedule {} ({:?}): {}",
                        schedule.row, schedule.expression, schedule.instances
                    ),
                    None => format!("{when} matches no schedule: desired_instances ({default})"),
                };
                if skipped.is_empty() {
                    found
                } else {
                    format!("{found} ({})", skipped.join("; "))
                }
            }
        }
    }
}

/// The reason every schedule is set aside after the set check, naming schedules as the caller
/// listed them, with their expressions.
fn set_aside_reason(problem: &SetProblem, schedules: &[(usize, &Schedule)]) -> String {
    let name = |position: usize| {
        let (row, schedule) = schedules[position];
        format!("{row} ({:?})", schedule.cron_expression)
    };
    let why = match problem {
        SetProblem::Overlap { first, second } => {
            format!("schedules {} and {} overlap", name(*first), name(*second))
        }
        SetProblem::FieldCount { schedule, found } => format!(
            "schedule {} has {found} fields, and comparing schedules needs 5",
            name(*schedule)
        ),
        SetProblem::Unreadable {
            schedule,
            field,
            text,
            other,
        } => format!(
            "comparing schedules {} and {} reaches the {field} `{text}` of schedule {}, which \
             is not a number, a range `a-b` or a list of those (names, steps and `?` are \
             understood only in a schedule read alone)",
            name(*schedule.min(other)),
            name(*schedule.max(other)),
            schedules[*schedule].0,
        ),
    };
    format!("{why}, so every schedule is set aside")
}

/// The reason one schedule is skipped while the others still apply.
fn skipped_reason(row: usize, schedule: &Schedule, error: &CronError) -> String {
    format!(
        "schedule {row} ({:?}) is skipped: {error}",
        schedule.cron_expression
    )
}
