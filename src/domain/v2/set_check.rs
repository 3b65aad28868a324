//! The first of upstream's two readings of a preset's schedules: the check of the whole set.
//!
//! Before it tries any schedule, upstream calls terraform-provider-coder's `ValidateSchedules`
//! on the list: every pair is compared, field by field, and one pair that overlaps, or one field
//! the comparison reaches and cannot read, sets every schedule aside. Its reading of a field is
//! not robfig/cron's: only `*`, numbers, ranges `a-b` and comma lists are understood, so a name,
//! a step or `?` fails it, but only when a comparison reaches that field. This module repeats
//! that check, quirks included:
//!
//! - months are compared first, then days, then hours, stopping at the first field that does
//!   not intersect; a field after it is never read;
//! - days: when either day of month is written `*` exactly, only the days of week are compared;
//!   else when either day of week is `*`, only the days of month; else both, and the days
//!   overlap when either pair intersects;
//! - `*` covers 0 to the field's greatest value (month 0 and day of month 0 included); a number
//!   is Go's `strconv.Atoi`; in a range only the first two numbers count (`1-3-9` is `1-3`); an
//!   empty list item is an error;
//! - a single schedule is never checked.

use super::cron::{CronField, go_atoi};

/// Why the set of schedules is set aside, naming schedules by their position in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetProblem {
    /// Two schedules overlap.
    Overlap {
        /// The earlier schedule's position.
        first: usize,
        /// The later schedule's position.
        second: usize,
    },
    /// A schedule does not have five fields.
    FieldCount {
        /// The schedule's position.
        schedule: usize,
        /// How many fields it has.
        found: usize,
    },
    /// A field the comparison reached cannot be read as numbers, ranges and lists.
    Unreadable {
        /// The schedule's position.
        schedule: usize,
        /// Which field.
        field: CronField,
        /// The field as written.
        text: String,
        /// The schedule it was being compared with.
        other: usize,
    },
}

/// The set check's reading of one field: the values it covers, or that it cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FieldValues(Option<u64>);

impl FieldValues {
    /// The provider's `ParseRange(text, max)`.
    fn read(text: &str, max: i64) -> Self {
        if text == "*" {
            return FieldValues(Some(bits(0, max)));
        }
        let values = text.split(',').try_fold(0, |set, part| {
            let (start, end) = match part.split_once('-') {
                Some((start, rest)) => {
                    // Only the first two numbers of `a-b-c…` are read.
                    let end = rest.split('-').next().unwrap_or_default();
                    (go_atoi(start)?, go_atoi(end)?)
                }
                None => {
                    let value = go_atoi(part)?;
                    (value, value)
                }
            };
            (0 <= start && start <= end && end <= max).then(|| set | bits(start, end))
        });
        FieldValues(values)
    }
}

/// Bits `start` to `end` (both within 0–31).
fn bits(start: i64, end: i64) -> u64 {
    (start..=end).fold(0, |set, value| set | 1 << value)
}

/// One schedule as the set check reads it: its fields as written and each field's values, read
/// up front but reported only when a comparison reaches them.
struct Entry<'a> {
    /// The five fields as written, or how many there were.
    fields: Result<[&'a str; 5], usize>,
    hours: FieldValues,
    days_of_month: FieldValues,
    months: FieldValues,
    days_of_week: FieldValues,
}

impl<'a> Entry<'a> {
    fn new(expression: &'a str) -> Self {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        let fields = <[&str; 5]>::try_from(fields).map_err(|fields| fields.len());
        let read = |index: usize, max| match fields {
            Ok(fields) => FieldValues::read(fields[index], max),
            Err(_) => FieldValues(None),
        };
        Entry {
            hours: read(1, 23),
            days_of_month: read(2, 31),
            months: read(3, 12),
            days_of_week: read(4, 6),
            fields,
        }
    }

    fn text(&self, field: CronField) -> &'a str {
        let index = CronField::ALL
            .iter()
            .position(|&f| f == field)
            .expect("every field is listed");
        self.fields.map(|fields| fields[index]).unwrap_or_default()
    }

    fn values(&self, field: CronField) -> FieldValues {
        match field {
            CronField::Hour => self.hours,
            CronField::DayOfMonth => self.days_of_month,
            CronField::Month => self.months,
            CronField::DayOfWeek => self.days_of_week,
            CronField::Minute => FieldValues(None),
        }
    }
}

/// The provider's check of a list of expressions: `None` when it passes (no pair overlaps and
/// every field a comparison reaches can be read), else why not.
///
/// Upstream names the first failing pair in the order `(0, 1), (0, 2), …, (1, 2), …`; this walks
/// each schedule against the ones before it and names the first failing pair it meets, which is
/// the same pair when only one pair fails. Whether the set passes is the same either way. The
/// walk stops at the first failure, and every schedule it has passed belongs to a set whose
/// pairs all pass, which holds at most 13 months × (7 × 24 + 32 × 24) = 12,168 schedules (per
/// month, those written with day of month `*` need hours apart per day of week, the others per
/// day of month); so a list of any length costs at most about 74 million comparisons of bit sets.
pub fn check<'a>(expressions: impl IntoIterator<Item = &'a str>) -> Option<SetProblem> {
    let entries: Vec<Entry<'a>> = expressions.into_iter().map(Entry::new).collect();
    (1..entries.len())
        .find_map(|later| (0..later).find_map(|earlier| compare(&entries, earlier, later).err()))
}

/// The provider's `SchedulesOverlap` on one pair: `Ok(())` when they do not overlap.
fn compare(entries: &[Entry<'_>], a: usize, b: usize) -> Result<(), SetProblem> {
    for schedule in [a, b] {
        if let Err(found) = entries[schedule].fields {
            return Err(SetProblem::FieldCount { schedule, found });
        }
    }
    let (ea, eb) = (&entries[a], &entries[b]);
    let intersect = |field: CronField| -> Result<bool, SetProblem> {
        let read = |schedule: usize, other: usize| {
            let entry = &entries[schedule];
            entry.values(field).0.ok_or_else(|| SetProblem::Unreadable {
                schedule,
                field,
                text: entry.text(field).to_owned(),
                other,
            })
        };
        Ok(read(a, b)? & read(b, a)? != 0)
    };
    if !intersect(CronField::Month)? {
        return Ok(());
    }
    let star = |entry: &Entry<'_>, field| entry.text(field) == "*";
    let days = if star(ea, CronField::DayOfMonth) || star(eb, CronField::DayOfMonth) {
        intersect(CronField::DayOfWeek)?
    } else if star(ea, CronField::DayOfWeek) || star(eb, CronField::DayOfWeek) {
        intersect(CronField::DayOfMonth)?
    } else {
        let days_of_month = intersect(CronField::DayOfMonth)?;
        intersect(CronField::DayOfWeek)? || days_of_month
    };
    if days && intersect(CronField::Hour)? {
        return Err(SetProblem::Overlap {
            first: a,
            second: b,
        });
    }
    Ok(())
}
