//! The weekly cron subset of the v2 contract: `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK`.
//!
//! Our own small parser, because no cron crate has these semantics exactly: the minute must be
//! `*` (a schedule names whole hours), an hour range covers every second of its last hour
//! (`9-18` is 09:00:00 through 18:59:59, where Coder's `IsWithinRange` is off by a minute at both
//! ends), day of week 7 is refused rather than read as Sunday, and steps and names are refused.
//! Matching and overlap follow `coderd/schedule/cron` as the contract states them.

use std::fmt;

use chrono::{Datelike, Timelike};
use thiserror::Error;

/// One of the five fields of an expression, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CronField {
    /// The first field; must be `*`.
    Minute,
    /// Hours 0–23.
    Hour,
    /// Days of the month 1–31.
    DayOfMonth,
    /// Months 1–12.
    Month,
    /// Days of the week 0–6, Sunday 0.
    DayOfWeek,
}

impl CronField {
    /// The fields in the order an expression lists them.
    pub const ALL: [CronField; 5] = [
        CronField::Minute,
        CronField::Hour,
        CronField::DayOfMonth,
        CronField::Month,
        CronField::DayOfWeek,
    ];

    /// The least and greatest value the field accepts.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            // Deliberate: 7 is not Sunday here, as the contract says.
            CronField::DayOfWeek => (0, 6),
        }
    }

    /// The field's name as error messages use it.
    pub fn as_str(self) -> &'static str {
        match self {
            CronField::Minute => "minute",
            CronField::Hour => "hour",
            CronField::DayOfMonth => "day of month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day of week",
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not an expression of the subset.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CronError {
    /// Not five whitespace-separated fields (a `CRON_TZ=` prefix counts as a sixth).
    #[error("expected 5 fields (* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK), found {found}")]
    FieldCount {
        /// How many fields the expression has.
        found: usize,
    },
    /// The minute is something other than `*`: schedules name whole hours.
    #[error("the minute must be `*`, got `{text}`")]
    MinuteNotStar {
        /// The minute field as written.
        text: String,
    },
    /// A step such as `*/5` or `1-10/2`.
    #[error("{field}: steps like `{text}` are not supported")]
    Step {
        /// The field the step is in.
        field: CronField,
        /// The list item with the step.
        text: String,
    },
    /// A list with an empty item, such as `1,,2` or `1,`.
    #[error("{field}: `{text}` has an empty list item")]
    EmptyItem {
        /// The field the list is in.
        field: CronField,
        /// The whole field as written.
        text: String,
    },
    /// An item that is not `*`, a number or a range; names such as `MON` land here.
    #[error("{field}: `{text}` is not a number (names are not supported)")]
    NotANumber {
        /// The field the item is in.
        field: CronField,
        /// The part that is not a number.
        text: String,
    },
    /// A dash without a number on each side, such as `5-`, `-5` or `1-2-3`.
    #[error("{field}: `{text}` is not a range `a-b`")]
    MalformedRange {
        /// The field the range is in.
        field: CronField,
        /// The list item as written.
        text: String,
    },
    /// A number outside the field's bounds.
    #[error("{field}: {text} is out of range {min}-{max}")]
    OutOfRange {
        /// The field the number is in.
        field: CronField,
        /// The number as written (it may not fit any integer type).
        text: String,
        /// The field's least value.
        min: u32,
        /// The field's greatest value.
        max: u32,
    },
    /// A range whose start is after its end, such as `5-3`; ranges do not wrap around.
    #[error("{field}: range {start}-{end} ends before it starts")]
    ReversedRange {
        /// The field the range is in.
        field: CronField,
        /// The range's first value.
        start: u32,
        /// The range's last value.
        end: u32,
    },
}

/// The values one field allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ValueSet {
    /// Bit `v` is set when value `v` is allowed (every bound is below 32).
    bits: u32,
    /// Whether the field was written `*` (alone or as a list item): unrestricted, which is what
    /// the day-of-month/day-of-week rules ask, whatever the set of values.
    star: bool,
}

impl ValueSet {
    fn contains(self, value: u32) -> bool {
        value < 32 && self.bits & (1 << value) != 0
    }

    fn intersects(self, other: ValueSet) -> bool {
        self.bits & other.bits != 0
    }
}

/// A parsed expression: when a weekly schedule is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CronSchedule {
    hours: ValueSet,
    days_of_month: ValueSet,
    months: ValueSet,
    days_of_week: ValueSet,
}

impl CronSchedule {
    /// Parses `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK`.
    ///
    /// Fields are separated by any run of whitespace, and leading or trailing whitespace is
    /// ignored, as Go's `strings.Fields` (and so Coder's parser) splits them. Each field is `*`,
    /// a number, a range `a-b` with `a <= b`, or a comma list of those with no empty items or
    /// spaces; numbers are ASCII digits (leading zeros allowed). The minute must be `*` exactly.
    pub fn parse(expression: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = fields[..] else {
            return Err(CronError::FieldCount {
                found: fields.len(),
            });
        };
        if minute != "*" {
            return Err(CronError::MinuteNotStar {
                text: minute.to_owned(),
            });
        }
        Ok(CronSchedule {
            hours: parse_field(CronField::Hour, hour)?,
            days_of_month: parse_field(CronField::DayOfMonth, day_of_month)?,
            months: parse_field(CronField::Month, month)?,
            days_of_week: parse_field(CronField::DayOfWeek, day_of_week)?,
        })
    }

    /// Whether the schedule is in force at a local wall-clock time (already in the schedule's
    /// timezone): hour and month in their sets, and the day in its sets. When both day fields
    /// are restricted (neither is `*`), either one matching is enough, as in every cron since
    /// Vixie's; otherwise both must match (a `*` field always does).
    pub fn matches<T: Datelike + Timelike>(&self, local: &T) -> bool {
        let day_of_month = self.days_of_month.contains(local.day());
        let day_of_week = self
            .days_of_week
            .contains(local.weekday().num_days_from_sunday());
        let day = if self.days_of_month.star || self.days_of_week.star {
            day_of_month && day_of_week
        } else {
            day_of_month || day_of_week
        };
        day && self.hours.contains(local.hour()) && self.months.contains(local.month())
    }

    /// Whether two schedules overlap, as the contract (and Coder's `SchedulesOverlap`) states:
    /// months, hours and days all intersect, days compared as follows. If either day of month is
    /// `*`, compare days of week; else if either day of week is `*`, compare days of month;
    /// else the days overlap when either pair intersects.
    ///
    /// This is a check on the expressions, not on the calendar: two schedules may both match
    /// a time without overlapping (`* 9 1 * 1` and `* 9 2 * 2` on Monday the 2nd), and then the
    /// first listed wins.
    pub fn overlaps(&self, other: &CronSchedule) -> bool {
        let days = if self.days_of_month.star || other.days_of_month.star {
            self.days_of_week.intersects(other.days_of_week)
        } else if self.days_of_week.star || other.days_of_week.star {
            self.days_of_month.intersects(other.days_of_month)
        } else {
            self.days_of_month.intersects(other.days_of_month)
                || self.days_of_week.intersects(other.days_of_week)
        };
        days && self.months.intersects(other.months) && self.hours.intersects(other.hours)
    }
}

/// Parses one field: `*`, a number, a range, or a comma list of those.
fn parse_field(field: CronField, text: &str) -> Result<ValueSet, CronError> {
    let (min, max) = field.bounds();
    let mut set = ValueSet {
        bits: 0,
        star: false,
    };
    for item in text.split(',') {
        if item.is_empty() {
            return Err(CronError::EmptyItem {
                field,
                text: text.to_owned(),
            });
        }
        if item.contains('/') {
            return Err(CronError::Step {
                field,
                text: item.to_owned(),
            });
        }
        let (start, end) = if item == "*" {
            set.star = true;
            (min, max)
        } else if let Some((start, end)) = item.split_once('-') {
            if start.is_empty() || end.is_empty() || end.contains('-') {
                return Err(CronError::MalformedRange {
                    field,
                    text: item.to_owned(),
                });
            }
            let (start, end) = (parse_value(field, start)?, parse_value(field, end)?);
            if start > end {
                return Err(CronError::ReversedRange { field, start, end });
            }
            (start, end)
        } else {
            let value = parse_value(field, item)?;
            (value, value)
        };
        for value in start..=end {
            set.bits |= 1 << value;
        }
    }
    Ok(set)
}

/// Parses a number of ASCII digits and checks it against the field's bounds.
fn parse_value(field: CronField, text: &str) -> Result<u32, CronError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CronError::NotANumber {
            field,
            text: text.to_owned(),
        });
    }
    let (min, max) = field.bounds();
    // Too many digits for u32 is out of range too; the message keeps the text as written.
    match text.parse::<u32>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(CronError::OutOfRange {
            field,
            text: text.to_owned(),
            min,
            max,
        }),
    }
}
