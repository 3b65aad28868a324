//! One schedule's cron expression, read and matched exactly as upstream Coder reads one schedule.
//!
//! Upstream hands each schedule to `cron.TimeRange` (coderd/schedule/cron), which checks that the
//! expression has five fields with the minute written `*`, then parses it with robfig/cron v3's
//! standard parser: in every field `*` or `?` (the whole range), a number, a name (`JAN`–`DEC`,
//! `SUN`–`SAT`, in any case), a range `a-b`, a step `a-b/n`, `*/n` or `a/n` (from `a` to the
//! field's end), and comma lists of those. This module is that parser, quirks included, in our
//! own code; [`super::set_check`] is the other reading upstream makes, of the whole set.
//!
//! Matching is `IsWithinRange`: the minute `now` falls in (cut in absolute time, as Go's
//! `Truncate` does) is read on the wall clock of the zone, and matches when its month, day and
//! hour are in the expression's sets. `9-18` therefore covers 09:00:00 through 18:59:59 exactly.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use crate::domain::go_time::Timestamp;

/// One of the five fields of an expression, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CronField {
    /// The first field; must be `*`.
    Minute,
    /// Hours 0–23.
    Hour,
    /// Days of the month 1–31.
    DayOfMonth,
    /// Months 1–12, or `JAN`–`DEC`.
    Month,
    /// Days of the week 0–6 (Sunday 0; 7 is out of range), or `SUN`–`SAT`.
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

    /// The least and greatest value robfig/cron accepts in the field.
    pub fn bounds(self) -> (u64, u64) {
        match self {
            CronField::Minute => (0, 59),
            CronField::Hour => (0, 23),
            CronField::DayOfMonth => (1, 31),
            CronField::Month => (1, 12),
            CronField::DayOfWeek => (0, 6),
        }
    }

    /// The names the field accepts besides numbers, lower case, each with its value.
    fn names(self) -> &'static [(&'static str, u64)] {
        match self {
            CronField::Month => &[
                ("jan", 1),
                ("feb", 2),
                ("mar", 3),
                ("apr", 4),
                ("may", 5),
                ("jun", 6),
                ("jul", 7),
                ("aug", 8),
                ("sep", 9),
                ("oct", 10),
                ("nov", 11),
                ("dec", 12),
            ],
            CronField::DayOfWeek => &[
                ("sun", 0),
                ("mon", 1),
                ("tue", 2),
                ("wed", 3),
                ("thu", 4),
                ("fri", 5),
                ("sat", 6),
            ],
            CronField::Minute | CronField::Hour | CronField::DayOfMonth => &[],
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

/// Why upstream's `cron.TimeRange` refuses an expression. The texts are ours; which expressions
/// are refused is upstream's.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CronError {
    /// Not five whitespace-separated fields.
    #[error("expected 5 fields (* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK), found {found}")]
    FieldCount {
        /// How many fields the expression has.
        found: usize,
    },
    /// The minute is something other than `*`: a schedule names whole hours.
    #[error("the minute must be `*`, got `{text}`")]
    MinuteNotStar {
        /// The minute field as written.
        text: String,
    },
    /// A part that is neither a number nor one of the field's names.
    #[error("{field}: `{text}` is not a number{names}", names = names_hint(*field))]
    NotANumber {
        /// The field the part is in.
        field: CronField,
        /// The part as written.
        text: String,
    },
    /// A step below zero, such as `*/-1`.
    #[error("{field}: the step `{text}` is negative")]
    NegativeStep {
        /// The field the step is in.
        field: CronField,
        /// The step as written.
        text: String,
    },
    /// More than one `-` in a range, such as `1-2-3`.
    #[error("{field}: `{text}` has more than one `-`")]
    TooManyHyphens {
        /// The field the range is in.
        field: CronField,
        /// The list item as written.
        text: String,
    },
    /// More than one `/` in a list item, such as `*/2/3`.
    #[error("{field}: `{text}` has more than one `/`")]
    TooManySlashes {
        /// The field the item is in.
        field: CronField,
        /// The list item as written.
        text: String,
    },
    /// A range starting below the field's least value, such as a day of month 0.
    #[error("{field}: `{text}` starts at {start}, below {min}")]
    BelowMinimum {
        /// The field the item is in.
        field: CronField,
        /// The list item as written.
        text: String,
        /// Where it starts.
        start: u64,
        /// The field's least value.
        min: u64,
    },
    /// A range ending above the field's greatest value, such as an hour 24 or a day of week 7.
    #[error("{field}: `{text}` ends at {end}, above {max}")]
    AboveMaximum {
        /// The field the item is in.
        field: CronField,
        /// The list item as written.
        text: String,
        /// Where it ends.
        end: u64,
        /// The field's greatest value.
        max: u64,
    },
    /// A range whose start is after its end, such as `5-3` or `FRI-MON`; ranges do not wrap.
    #[error("{field}: `{text}` starts at {start}, after its end {end}")]
    Reversed {
        /// The field the item is in.
        field: CronField,
        /// The list item as written.
        text: String,
        /// Where it starts.
        start: u64,
        /// Where it ends.
        end: u64,
    },
    /// A step of 0, such as `*/0`.
    #[error("{field}: the step in `{text}` must be above 0")]
    ZeroStep {
        /// The field the item is in.
        field: CronField,
        /// The list item as written.
        text: String,
    },
}

fn names_hint(field: CronField) -> &'static str {
    match field {
        CronField::Month => " or a month name (JAN-DEC)",
        CronField::DayOfWeek => " or a day name (SUN-SAT)",
        CronField::Minute | CronField::Hour | CronField::DayOfMonth => "",
    }
}

/// robfig/cron's marker, in a field's bit set, that the field was written `*` or `?` (a list item
/// of either, without a step above 1): the field is then unrestricted for the day rule.
const STAR_BIT: u64 = 1 << 63;

/// A parsed expression: the values each field allows, as robfig/cron's bit sets (bit `v` for
/// value `v`, and [`STAR_BIT`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CronSchedule {
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
}

impl CronSchedule {
    /// Parses an expression as upstream's `cron.TimeRange` does.
    ///
    /// Fields are separated by any run of whitespace (Go's `strings.Fields`). There must be
    /// five, the minute written `*` exactly; then hour, day of month, month and day of week are
    /// parsed in that order and the first fault is the error. In each field, comma-separated
    /// items (empty ones are skipped, so `1,,2` is `1,2` and `,` allows nothing) are each `*`
    /// or `?` (anything after a `-` is then ignored), a number or name, or a range `a-b`,
    /// optionally followed by `/step`; `a/step` runs from `a` to the field's end. Numbers are
    /// Go's `strconv.Atoi`: an optional sign, then digits (leading zeros allowed). Names are
    /// matched after Go's `strings.ToLower`.
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

    /// Whether the schedule is in force at `now` in `timezone`, as upstream's `IsWithinRange`
    /// answers: robfig's search for the next activation, started one second before the minute
    /// `now` falls in, lands exactly on that minute.
    ///
    /// That is the wall-clock month, day and hour of the minute in the zone, with three
    /// consequences of the search kept: the minute is cut in absolute time, so in a zone whose
    /// offset has seconds (local mean times before standard time) the local second is never 0
    /// and nothing matches; across a DST change the local hour at that instant counts (a
    /// skipped hour never matches, a repeated one matches twice); and in the first minute of
    /// year 1 (UTC), Go's zero time, a schedule the search cannot find within its five-year
    /// limit matches, because the search's "not found" answer is that very instant.
    pub fn is_within_range(&self, now: Timestamp, timezone: &Tz) -> bool {
        let seconds = now.as_datetime().timestamp();
        let minute = DateTime::<Utc>::from_timestamp(seconds.div_euclid(60) * 60, 0)
            .expect("a Timestamp's minute is a valid instant");
        let local = minute.with_timezone(timezone);
        if self.matches_fields(&local) {
            // A local second other than 0: the search moves on to the next whole local minute.
            return local.second() == 0;
        }
        minute == go_zero_time() && !self.matches_within_search_limit(&local)
    }

    /// Whether month, day and hour are in the sets. The day follows robfig/cron: when either
    /// day field is unrestricted (written `*` or `?`), both must match (the unrestricted one
    /// always does); when both are restricted, either one matching is enough.
    fn matches_fields<T: Datelike + Timelike>(&self, local: &T) -> bool {
        has(self.months, local.month()) && self.day_matches(local) && has(self.hours, local.hour())
    }

    fn day_matches<T: Datelike>(&self, local: &T) -> bool {
        let day_of_month = has(self.days_of_month, local.day());
        let day_of_week = has(self.days_of_week, local.weekday().num_days_from_sunday());
        if (self.days_of_month | self.days_of_week) & STAR_BIT != 0 {
            day_of_month && day_of_week
        } else {
            day_of_month || day_of_week
        }
    }

    /// Whether robfig's search, starting at `start` (which does not match), finds a later hour
    /// that matches before its limit: the end of the fifth local year after `start`'s. Only
    /// asked about Go's zero time, whose zones have no DST, so wall-clock hours are walked.
    fn matches_within_search_limit(&self, start: &DateTime<Tz>) -> bool {
        let last_day = NaiveDate::from_ymd_opt(start.year() + 5, 12, 31)
            .expect("year 6 or earlier has a 31 December");
        let mut day = start.date_naive();
        let mut first_hour = start.hour() + 1;
        while day <= last_day {
            if has(self.months, day.month())
                && self.day_matches(&day)
                && (first_hour..24).any(|hour| has(self.hours, hour))
            {
                return true;
            }
            first_hour = 0;
            day += Duration::days(1);
        }
        false
    }
}

/// Go's zero `time.Time`: 0001-01-01T00:00:00Z, which robfig's search answers when it finds
/// nothing.
fn go_zero_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0)
        .single()
        .expect("year 1 is in chrono's range")
}

fn has(bits: u64, value: u32) -> bool {
    bits & (1 << value) != 0
}

/// robfig's `getField`: the union of the comma-separated items, empty items skipped.
fn parse_field(field: CronField, text: &str) -> Result<u64, CronError> {
    text.split(',')
        .filter(|item| !item.is_empty())
        .try_fold(0, |bits, item| Ok(bits | parse_item(field, item)?))
}

/// robfig's `getRange`: one list item, `*`/`?`, a number or name, or a range, with an optional
/// step.
fn parse_item(field: CronField, item: &str) -> Result<u64, CronError> {
    let (min, max) = field.bounds();
    let error_text = || item.to_owned();
    let mut slashes = item.split('/');
    let range = slashes.next().unwrap_or_default();
    let step_text = slashes.next();
    let mut hyphens = range.split('-');
    let low = hyphens.next().unwrap_or_default();
    let high = hyphens.next();
    let single = high.is_none();
    let (start, mut end, mut star) = if low == "*" || low == "?" {
        // Whatever follows a `-` here is ignored, as robfig/cron does.
        (min, max, true)
    } else {
        let start = parse_int_or_name(field, low)?;
        let end = match high {
            None => start,
            Some(high) if hyphens.next().is_none() => parse_int_or_name(field, high)?,
            Some(_) => {
                return Err(CronError::TooManyHyphens {
                    field,
                    text: error_text(),
                });
            }
        };
        (start, end, false)
    };
    let step = match step_text {
        None => 1,
        Some(_) if slashes.next().is_some() => {
            return Err(CronError::TooManySlashes {
                field,
                text: error_text(),
            });
        }
        Some(text) => {
            let step = parse_int(field, text)?;
            if single {
                // `a/n` runs from `a` to the field's end.
                end = max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
    };
    if start < min {
        return Err(CronError::BelowMinimum {
            field,
            text: error_text(),
            start,
            min,
        });
    }
    if end > max {
        return Err(CronError::AboveMaximum {
            field,
            text: error_text(),
            end,
            max,
        });
    }
    if start > end {
        return Err(CronError::Reversed {
            field,
            text: error_text(),
            start,
            end,
        });
    }
    if step == 0 {
        return Err(CronError::ZeroStep {
            field,
            text: error_text(),
        });
    }
    // Every bound is at most 59, so the shifts and the walk stay inside the u64.
    let bits = (start..=end)
        .step_by(usize::try_from(step).unwrap_or(usize::MAX))
        .fold(0, |bits, value| bits | 1 << value);
    Ok(if star { bits | STAR_BIT } else { bits })
}

/// robfig's `parseIntOrName`: one of the field's names after Go's `strings.ToLower`, else a
/// number.
fn parse_int_or_name(field: CronField, text: &str) -> Result<u64, CronError> {
    match field
        .names()
        .iter()
        .find(|(name, _)| go_lower_equals(text, name))
    {
        Some(&(_, value)) => Ok(value),
        None => parse_int(field, text),
    }
}

/// robfig's `mustParseInt`: Go's `strconv.Atoi`, and not below zero.
fn parse_int(field: CronField, text: &str) -> Result<u64, CronError> {
    match go_atoi(text) {
        Some(value) if value < 0 => Err(CronError::NegativeStep {
            field,
            text: text.to_owned(),
        }),
        Some(value) => Ok(value.unsigned_abs()),
        None => Err(CronError::NotANumber {
            field,
            text: text.to_owned(),
        }),
    }
}

/// Go's `strconv.Atoi` on a 64-bit platform: an optional `+` or `-`, then one or more ASCII
/// digits (leading zeros allowed, no underscores), within int64.
pub(super) fn go_atoi(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only, so the magnitude parses unless it is past u64; int64's range is then checked.
    let magnitude: u64 = digits.parse().ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Whether Go's `strings.ToLower(text)` equals `lower` (a lower-case ASCII name). Go lowers each
/// rune by Unicode's simple mapping, under which only two non-ASCII runes become ASCII: `İ`
/// (U+0130) becomes `i` and the Kelvin sign (U+212A) becomes `k`.
fn go_lower_equals(text: &str, lower: &str) -> bool {
    let mut expected = lower.chars();
    text.chars().all(|c| {
        let c = match c {
            '\u{130}' => 'i',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        };
        expected.next() == Some(c)
    }) && expected.next().is_none()
}

#[cfg(test)]
pub(super) mod testing {
    //! Access to the parsed sets for the domain's tests.
    use super::{CronSchedule, STAR_BIT};

    /// The values of each field, in the order hour, day of month, month, day of week, with
    /// whether each was written unrestricted.
    pub fn sets(schedule: &CronSchedule) -> [(Vec<u32>, bool); 4] {
        [
            schedule.hours,
            schedule.days_of_month,
            schedule.months,
            schedule.days_of_week,
        ]
        .map(|bits| {
            (
                (0..63).filter(|v| bits & (1 << v) != 0).collect(),
                bits & STAR_BIT != 0,
            )
        })
    }
}
