//! Go's `time.Time` and `time.Duration`, as far as the seed and its JSON use them.
//!
//! The seed reads timestamps with Go's strict RFC 3339 parser, keeps the offset they were written
//! in (so `backoff_until` comes back in `last_build_at`'s offset), and writes them as
//! `RFC3339Nano` (fraction trimmed of trailing zeros, `Z` for a zero offset). Durations use Go's
//! `ParseDuration` syntax and `Duration.String()` form. Both are reproduced here exactly, because a
//! control plane compares our answers with what its Go code would print.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Timelike, Utc};
use thiserror::Error;

/// An instant together with the UTC offset it was written in, like Go's `time.Time` after
/// `UnmarshalJSON`. Equality and order compare instants only, as Go's `Equal` and `Compare` do.
#[derive(Clone, Copy, Debug)]
pub struct Timestamp(DateTime<FixedOffset>);

/// Why a string is not an RFC 3339 timestamp as Go reads one.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum TimestampError {
    /// Not of the form `2006-01-02T15:04:05[.fraction](Z|+07:00)`.
    #[error("not an RFC 3339 timestamp like 2025-06-02T12:00:00Z")]
    Syntax,
    /// The form is right but a number is out of range (month 13, February 30, hour 24, ...).
    #[error("RFC 3339 timestamp with a field out of range")]
    Range,
}

/// Whether a wall-clock time falls in years 0000–9999, where RFC 3339, and Go's JSON encoder,
/// stop.
fn is_representable(local: &chrono::NaiveDateTime) -> bool {
    (0..=9999).contains(&local.year())
}

impl Timestamp {
    /// Parses RFC 3339 exactly as Go's `time.Time.UnmarshalJSON` does on its strict path:
    /// four-digit year, uppercase `T` and `Z`, seconds 00–59, any number of fraction digits
    /// (nanoseconds kept, further digits dropped), offsets `±hh:mm` up to 23:59.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        Self::parse_rfc3339_bytes(s.as_bytes())
    }

    /// [`Timestamp::parse_rfc3339`] of bytes (every accepted byte is ASCII), for readers that
    /// have not made a `str` of them.
    pub fn parse_rfc3339_bytes(b: &[u8]) -> Result<Self, TimestampError> {
        // The date and time, `2006-01-02T15:04:05`; an offset (at least `Z`) must follow.
        let Some(head) = b.first_chunk::<19>() else {
            return Err(TimestampError::Syntax);
        };
        if head[4] != b'-'
            || head[7] != b'-'
            || head[10] != b'T'
            || head[13] != b':'
            || head[16] != b':'
        {
            return Err(TimestampError::Syntax);
        }
        // All fourteen digits converted and checked at once: one branch instead of one each.
        const DIGIT_AT: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
        let digit = DIGIT_AT.map(|i| u32::from(head[i].wrapping_sub(b'0')));
        if digit.iter().fold(false, |bad, &d| bad | (d > 9)) {
            return Err(TimestampError::Syntax);
        }
        let two = |i: usize| digit[i] * 10 + digit[i + 1];
        let year = two(0) * 100 + two(2);
        let (month, day) = (two(4), two(6));
        let (hour, minute, second) = (two(8), two(10), two(12));

        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let [b'.', fraction @ ..] = rest
            && fraction.first().is_some_and(u8::is_ascii_digit)
        {
            // One pass: Go keeps nine digits and ignores the rest.
            let mut count = 0;
            for &c in fraction {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    break;
                }
                if count < 9 {
                    nanos = nanos * 10 + u32::from(d);
                }
                count += 1;
            }
            const SCALE: [u32; 10] = [
                1_000_000_000,
                100_000_000,
                10_000_000,
                1_000_000,
                100_000,
                10_000,
                1_000,
                100,
                10,
                1,
            ];
            nanos *= SCALE[count.min(9)];
            rest = &fraction[count..];
        }
        let offset_seconds: i32 = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let two = |a: u8, b: u8| -> Result<i32, TimestampError> {
                    if a.is_ascii_digit() && b.is_ascii_digit() {
                        Ok(i32::from(a - b'0') * 10 + i32::from(b - b'0'))
                    } else {
                        Err(TimestampError::Syntax)
                    }
                };
                let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
                if oh > 23 || om > 59 {
                    return Err(TimestampError::Range);
                }
                let magnitude = (oh * 60 + om) * 60;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(TimestampError::Syntax),
        };
        // Go rejects a leap second (60) and a 24th hour; chrono would take the first.
        if hour > 23 || minute > 59 || second > 59 {
            return Err(TimestampError::Range);
        }
        let local = NaiveDate::from_ymd_opt(year as i32, month, day)
            .and_then(|d| d.and_hms_nano_opt(hour, minute, second, nanos))
            .ok_or(TimestampError::Range)?;
        let offset = FixedOffset::east_opt(offset_seconds).ok_or(TimestampError::Range)?;
        // Most timestamps are written in UTC: no arithmetic for those.
        let utc = match offset_seconds {
            0 => local,
            _ => local - TimeDelta::seconds(i64::from(offset_seconds)),
        };
        Ok(Timestamp(DateTime::from_naive_utc_and_offset(utc, offset)))
    }

    /// The instant `utc`, written with offset zero (as `Z`).
    pub fn from_utc(utc: DateTime<Utc>) -> Self {
        Timestamp(utc.fixed_offset())
    }

    /// The instant as chrono sees it, keeping the offset.
    pub fn as_datetime(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// Go's `t.Add(d)`, in the same offset. `None` when the result is past year 9999 in that
    /// offset, where RFC 3339 (and Go's JSON encoder) cannot write it.
    pub fn checked_add(self, d: GoDuration) -> Option<Self> {
        let sum = self
            .0
            .checked_add_signed(TimeDelta::nanoseconds(d.as_nanos()))?;
        is_representable(&sum.naive_local()).then_some(Timestamp(sum))
    }

    /// Go's `t.After(u)`: strictly later as an instant.
    pub fn is_after(&self, other: &Timestamp) -> bool {
        self.0 > other.0
    }

    /// Go's `t.IsZero()`: the instant is January 1, year 1, 00:00:00 UTC, whatever the offset.
    pub fn is_zero(&self) -> bool {
        let zero = NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|naive| naive.and_utc());
        Some(self.0.to_utc()) == zero
    }

    /// Go's `RFC3339Nano` form as bytes (at most [`RFC3339_NANO_MAX`]), without the formatting
    /// machinery: the answer writer calls this for every timestamp it writes.
    pub fn rfc3339_nano_bytes(&self) -> ([u8; RFC3339_NANO_MAX], usize) {
        let local = self.0.naive_local();
        let mut out = [0u8; RFC3339_NANO_MAX];
        let digits = |out: &mut [u8], value: u32| {
            let mut value = value;
            for slot in out.iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        // Parsing and `checked_add` keep the year within 0–9999.
        digits(&mut out[0..4], local.year().clamp(0, 9999) as u32);
        out[4] = b'-';
        digits(&mut out[5..7], local.month());
        out[7] = b'-';
        digits(&mut out[8..10], local.day());
        out[10] = b'T';
        digits(&mut out[11..13], local.hour());
        out[13] = b':';
        digits(&mut out[14..16], local.minute());
        out[16] = b':';
        digits(&mut out[17..19], local.second());
        let mut end = 19;
        let nanos = local.nanosecond();
        if nanos != 0 {
            out[19] = b'.';
            digits(&mut out[20..29], nanos);
            end = 29;
            while out[end - 1] == b'0' {
                end -= 1;
            }
        }
        let offset = self.0.offset().local_minus_utc();
        if offset == 0 {
            out[end] = b'Z';
            end += 1;
        } else {
            out[end] = if offset < 0 { b'-' } else { b'+' };
            let minutes = offset.unsigned_abs() / 60;
            digits(&mut out[end + 1..end + 3], minutes / 60);
            out[end + 3] = b':';
            digits(&mut out[end + 4..end + 6], minutes % 60);
            end += 6;
        }
        (out, end)
    }
}

/// The longest `RFC3339Nano` text: `2006-01-02T15:04:05.999999999-07:00`.
pub const RFC3339_NANO_MAX: usize = 35;

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, length) = self.rfc3339_nano_bytes();
        f.write_str(std::str::from_utf8(&bytes[..length]).expect("the form is ASCII"))
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    /// Go's `t.Compare(u)`: by instant.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

/// Go's `time.Duration`: a signed count of nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(i64);

/// Why a string is not a Go duration.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DurationError {
    /// Not of the form `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, e.g. `90s`, `1m30s`, `250ms`.
    #[error("invalid duration {0:?}: expected Go duration syntax like 90s, 1m30s or 250ms")]
    Syntax(String),
    /// A number without a unit, other than a bare `0`.
    #[error("missing unit in duration {0:?}: use ns, us, µs, ms, s, m or h")]
    MissingUnit(String),
    /// A unit Go does not know.
    #[error("unknown unit {unit:?} in duration {input:?}: use ns, us, µs, ms, s, m or h")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole input.
        input: String,
    },
    /// Larger than Go's `time.Duration` holds (about 292 years).
    #[error("duration {0:?} is out of range (at most 2562047h47m16.854775807s)")]
    Overflow(String),
    /// Negative, or written with a minus sign, where only durations of zero or more make sense.
    #[error("must not be negative, got {0:?}")]
    Negative(String),
}

impl GoDuration {
    /// One minute: Coder's default `reconciliation_backoff_interval`.
    pub const MINUTE: GoDuration = GoDuration(60_000_000_000);

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        GoDuration(nanos)
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// A duration of zero or more: [`GoDuration::parse`], refusing a minus sign even where Go
    /// reads the value as zero (`-0s`, `-0.5ns`), so what is accepted is what reads as accepted.
    pub fn parse_non_negative(text: &str) -> Result<Self, DurationError> {
        let duration = GoDuration::parse(text)?;
        if duration.0 < 0 || text.starts_with('-') {
            return Err(DurationError::Negative(text.to_owned()));
        }
        Ok(duration)
    }

    /// The duration as a [`std::time::Duration`]; `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// Go's `time.Duration(n) * d`, or `None` where Go would silently overflow int64.
    pub fn checked_mul(self, n: i64) -> Option<Self> {
        self.0.checked_mul(n).map(GoDuration)
    }

    /// Go's `time.ParseDuration`, rule for rule (including its float rounding of fractions).
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        const LIMIT: u64 = 1 << 63;
        let syntax = || DurationError::Syntax(input.to_owned());
        let mut s = input.as_bytes();
        let mut negative = false;
        if let [sign @ (b'-' | b'+'), rest @ ..] = s {
            negative = *sign == b'-';
            s = rest;
        }
        if s == b"0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(syntax());
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            if !(s[0] == b'.' || s[0].is_ascii_digit()) {
                return Err(syntax());
            }
            // Integer part; Go reports its overflow as a syntax error.
            let mut whole: u64 = 0;
            let int_len = s.iter().take_while(|c| c.is_ascii_digit()).count();
            for &c in &s[..int_len] {
                if whole > LIMIT / 10 {
                    return Err(syntax());
                }
                whole = whole * 10 + u64::from(c - b'0');
                if whole > LIMIT {
                    return Err(syntax());
                }
            }
            s = &s[int_len..];
            // Fraction: digits past what fits are read but add no precision.
            let (mut frac, mut scale, mut frac_len) = (0u64, 1f64, 0usize);
            if let [b'.', rest @ ..] = s {
                s = rest;
                let mut overflowed = false;
                frac_len = s.iter().take_while(|c| c.is_ascii_digit()).count();
                for &c in &s[..frac_len] {
                    if overflowed {
                        continue;
                    }
                    if frac > (LIMIT - 1) / 10 {
                        overflowed = true;
                        continue;
                    }
                    let next = frac * 10 + u64::from(c - b'0');
                    if next > LIMIT {
                        overflowed = true;
                        continue;
                    }
                    frac = next;
                    scale *= 10.0;
                }
                s = &s[frac_len..];
            }
            if int_len == 0 && frac_len == 0 {
                return Err(syntax());
            }
            let unit_len = s
                .iter()
                .take_while(|&&c| !(c == b'.' || c.is_ascii_digit()))
                .count();
            if unit_len == 0 {
                return Err(DurationError::MissingUnit(input.to_owned()));
            }
            let unit_bytes = &s[..unit_len];
            s = &s[unit_len..];
            let unit: u64 = match unit_bytes {
                b"ns" => 1,
                // µ is U+00B5 (micro sign), μ U+03BC (Greek mu): Go takes both.
                b"us" | b"\xC2\xB5s" | b"\xCE\xBCs" => 1_000,
                b"ms" => 1_000_000,
                b"s" => 1_000_000_000,
                b"m" => 60_000_000_000,
                b"h" => 3_600_000_000_000,
                _ => {
                    return Err(DurationError::UnknownUnit {
                        unit: String::from_utf8_lossy(unit_bytes).into_owned(),
                        input: input.to_owned(),
                    });
                }
            };
            if whole > LIMIT / unit {
                return Err(syntax());
            }
            let mut value = whole * unit;
            if frac > 0 {
                // Go computes this in float64 to stay nanosecond-accurate for fractions of hours.
                value += (frac as f64 * (unit as f64 / scale)) as u64;
                if value > LIMIT {
                    return Err(syntax());
                }
            }
            total += value;
            if total > LIMIT {
                return Err(syntax());
            }
        }
        if negative {
            // -(1 << 63) is the one value whose magnitude exceeds i64::MAX.
            return Ok(GoDuration((total as i64).wrapping_neg()));
        }
        if total > LIMIT - 1 {
            return Err(DurationError::Overflow(input.to_owned()));
        }
        Ok(GoDuration(total as i64))
    }
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String()`: `0s`, `250ms`, `1.5µs`, `1m30s`, `1h0m0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Writes `.digits` of a `precision`-digit fraction, trailing zeros trimmed; nothing for 0.
        fn fraction(f: &mut fmt::Formatter<'_>, mut value: u64, precision: usize) -> fmt::Result {
            if value == 0 {
                return Ok(());
            }
            let mut width = precision;
            while value.is_multiple_of(10) {
                value /= 10;
                width -= 1;
            }
            write!(f, ".{value:0width$}")
        }
        const SECOND: u64 = 1_000_000_000;
        let u = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        if u == 0 {
            return f.write_str("0s");
        }
        if u < SECOND {
            // Below a second Go switches to the largest unit that keeps an integer part.
            let (unit, precision, scale) = match u {
                0..1_000 => ("ns", 0, 1),
                1_000..1_000_000 => ("µs", 3, 1_000),
                _ => ("ms", 6, 1_000_000),
            };
            write!(f, "{}", u / scale)?;
            fraction(f, u % scale, precision)?;
            return f.write_str(unit);
        }
        let seconds = u / SECOND;
        let (hours, minutes) = (seconds / 3600, seconds / 60 % 60);
        // Go stops at hours ("days can be different lengths") and writes every smaller unit.
        if hours > 0 {
            write!(f, "{hours}h{minutes}m")?;
        } else if minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{}", seconds % 60)?;
        fraction(f, u % SECOND, 9)?;
        f.write_str("s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_writes_back_go_rfc3339_nano() {
        for (input, written) in [
            ("2025-06-02T12:00:00Z", "2025-06-02T12:00:00Z"),
            ("2025-06-02T12:00:00.500Z", "2025-06-02T12:00:00.5Z"),
            (
                "2025-06-02T12:00:00.000000001Z",
                "2025-06-02T12:00:00.000000001Z",
            ),
            (
                "2025-06-02T12:00:00.1234567899Z",
                "2025-06-02T12:00:00.123456789Z",
            ),
            ("2025-06-02T14:00:00+02:00", "2025-06-02T14:00:00+02:00"),
            ("2025-06-02T12:00:00+00:00", "2025-06-02T12:00:00Z"),
            ("2025-06-02T12:00:00-00:00", "2025-06-02T12:00:00Z"),
            ("0000-01-01T00:00:00+23:59", "0000-01-01T00:00:00+23:59"),
            (
                "9999-12-31T23:59:59.999999999-23:59",
                "9999-12-31T23:59:59.999999999-23:59",
            ),
            ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"),
        ] {
            assert_eq!(ts(input).to_string(), written, "{input}");
        }
    }

    #[test]
    fn the_byte_form_is_go_rfc3339_nano() {
        for (input, written) in [
            ("2025-06-02T12:00:00Z", "2025-06-02T12:00:00Z"),
            ("2025-06-02T12:00:00.5Z", "2025-06-02T12:00:00.5Z"),
            (
                "2025-06-02T12:00:00.000000001Z",
                "2025-06-02T12:00:00.000000001Z",
            ),
            (
                "2025-06-02T12:00:00.120000000+05:30",
                "2025-06-02T12:00:00.12+05:30",
            ),
            ("2025-06-02T14:00:00-09:45", "2025-06-02T14:00:00-09:45"),
            ("0000-01-01T00:00:00+23:59", "0000-01-01T00:00:00+23:59"),
            (
                "9999-12-31T23:59:59.999999999-23:59",
                "9999-12-31T23:59:59.999999999-23:59",
            ),
        ] {
            let (bytes, length) = ts(input).rfc3339_nano_bytes();
            assert_eq!(std::str::from_utf8(&bytes[..length]).unwrap(), written);
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "2025-06-02",
            "2025-06-02 12:00:00Z",
            "2025-06-02t12:00:00Z",
            "2025-06-02T12:00:00z",
            "2025-06-02T12:00:00",
            "2025-06-02T12:00:00.Z",
            "2025-06-02T12:00:00+0200",
            "2025-06-02T12:00:00+02:00:00",
            "+2025-06-02T12:00:00Z",
            "2025-6-02T12:00:00Z",
            "2025-06-02T12:00:00ZZ",
            "2025-06-02T1:00:00Z",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimestampError::Syntax),
                "{bad:?}"
            );
        }
        for out_of_range in [
            "2025-13-01T00:00:00Z",
            "2025-00-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-06-02T24:00:00Z",
            "2025-06-02T12:60:00Z",
            "2025-06-02T23:59:60Z",
            "2025-06-02T12:00:00+24:00",
            "2025-06-02T12:00:00+01:60",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(out_of_range),
                Err(TimestampError::Range),
                "{out_of_range:?}"
            );
        }
    }

    #[test]
    fn a_non_digit_in_any_date_or_time_position_is_a_syntax_error() {
        let good = *b"2025-06-02T12:34:56Z";
        assert!(Timestamp::parse_rfc3339_bytes(&good).is_ok());
        // The bytes either side of '0'..='9', a letter, and a non-ASCII byte.
        for position in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] {
            for not_a_digit in [b'/', b':', b'a', b' ', 0x80, 0xFF] {
                let mut bad = good;
                bad[position] = not_a_digit;
                assert_eq!(
                    Timestamp::parse_rfc3339_bytes(&bad),
                    Err(TimestampError::Syntax),
                    "{position} {not_a_digit:#x}"
                );
            }
        }
    }

    #[test]
    fn a_syntax_error_anywhere_wins_over_a_range_error() {
        for bad in [
            "2025-13-01T00:00:00+0x:00",
            "2025-02-30T24:00:00+02:0x",
            "2025-06-02T24:00:00.5",
            "2025-06-02T12:00:00+24:00Z",
            "9999-99-99T99:99:9x.123Z",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimestampError::Syntax),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keeps_nine_fraction_digits_and_reads_past_the_rest() {
        for (text, nanos) in [
            ("2025-06-02T12:00:00.1Z", 100_000_000),
            ("2025-06-02T12:00:00.000000001Z", 1),
            ("2025-06-02T12:00:00.123456789Z", 123_456_789),
            ("2025-06-02T12:00:00.1234567899999Z", 123_456_789),
            ("2025-06-02T12:00:00.9999999999+01:00", 999_999_999),
        ] {
            assert_eq!(ts(text).as_datetime().nanosecond(), nanos, "{text}");
        }
        for bad in ["2025-06-02T12:00:00.12a4Z", "2025-06-02T12:00:00..1Z"] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimestampError::Syntax),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn compares_instants_not_wall_clocks() {
        assert_eq!(ts("2025-06-02T14:00:00+02:00"), ts("2025-06-02T12:00:00Z"));
        assert!(ts("2025-06-02T12:00:00.000000001Z").is_after(&ts("2025-06-02T14:00:00+02:00")));
        assert!(!ts("2025-06-02T12:00:00Z").is_after(&ts("2025-06-02T12:00:00Z")));
    }

    #[test]
    fn addition_keeps_the_offset_and_stops_at_year_9999() {
        let t = ts("2025-06-02T14:00:00+02:00");
        let later = t
            .checked_add(GoDuration::from_nanos(90 * 1_000_000_000))
            .unwrap();
        assert_eq!(later.to_string(), "2025-06-02T14:01:30+02:00");
        let edge = ts("9999-12-31T23:59:59Z");
        assert!(
            edge.checked_add(GoDuration::from_nanos(999_999_999))
                .is_some()
        );
        assert!(
            edge.checked_add(GoDuration::from_nanos(1_000_000_000))
                .is_none()
        );
        let max = GoDuration::from_nanos(i64::MAX);
        assert!(ts("0000-01-01T00:00:00Z").checked_add(max).is_some());
    }

    #[test]
    fn is_zero_is_year_one_in_utc_whatever_the_offset() {
        assert!(ts("0001-01-01T00:00:00Z").is_zero());
        assert!(ts("0001-01-01T01:00:00+01:00").is_zero());
        assert!(!ts("0001-01-01T00:00:00.000000001Z").is_zero());
        assert!(!ts("0001-01-01T00:00:00+01:00").is_zero());
    }

    #[test]
    fn parses_go_durations() {
        let ns = |s: &str| GoDuration::parse(s).map(GoDuration::as_nanos);
        assert_eq!(ns("0"), Ok(0));
        assert_eq!(ns("-0"), Ok(0));
        assert_eq!(ns("0s"), Ok(0));
        assert_eq!(ns("90s"), Ok(90_000_000_000));
        assert_eq!(ns("1m30s"), Ok(90_000_000_000));
        assert_eq!(ns("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(ns(".5s"), Ok(500_000_000));
        assert_eq!(ns("5.s"), Ok(5_000_000_000));
        assert_eq!(ns("250ms"), Ok(250_000_000));
        assert_eq!(ns("1us"), Ok(1_000));
        assert_eq!(ns("1µs"), Ok(1_000));
        assert_eq!(ns("1μs"), Ok(1_000));
        assert_eq!(ns("+2h45m"), Ok(9_900_000_000_000));
        assert_eq!(ns("-1m"), Ok(-60_000_000_000));
        assert_eq!(ns("9223372036854775807ns"), Ok(i64::MAX));
        assert_eq!(ns("-9223372036854775808ns"), Ok(i64::MIN));
        assert_eq!(ns("1.0000000000000000000001s"), Ok(1_000_000_000));
    }

    /// The fraction's edges, as Go's `time.ParseDuration` (go1.27) answered them.
    #[test]
    fn reads_fractions_at_the_edges_of_int64_as_go_does() {
        let ns = |s: &str| GoDuration::parse(s).map(GoDuration::as_nanos);
        // The 19th fraction digit would take it past 1<<63: it and the rest add nothing.
        assert_eq!(ns("0.9223372036854775809s"), Ok(922_337_203));
        assert_eq!(ns("0.92233720368547758089999s"), Ok(922_337_203));
        assert_eq!(ns("1.5h0.9223372036854775809s"), Ok(5_400_922_337_203));
        assert_eq!(ns("9223372036.854775807s"), Ok(i64::MAX));
        // The whole part fits; the fraction added to it does not.
        assert!(matches!(
            GoDuration::parse("9223372036.9s"),
            Err(DurationError::Syntax(_))
        ));
        assert!(matches!(
            GoDuration::parse("9223372036.854775808s"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn rejects_what_go_parse_duration_rejects() {
        for bad in [
            "", "-", "s", ".s", "1", "1.5", "1 s", "1s ", "1d", "1S", "--1s", "1e3s",
        ] {
            assert!(
                GoDuration::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(matches!(
            GoDuration::parse("1"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            GoDuration::parse("1d"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            GoDuration::parse("9223372036854775808ns"),
            Err(DurationError::Overflow(_))
        ));
        assert!(GoDuration::parse("3000000h").is_err());
        assert!(GoDuration::parse("99999999999999999999ns").is_err());
    }

    #[test]
    fn writes_go_duration_strings() {
        for (nanos, text) in [
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (250_000_000, "250ms"),
            (1_500_000_000, "1.5s"),
            (60_000_000_000, "1m0s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (4_000_000_000_000, "1h6m40s"),
            (-60_000_000_000, "-1m0s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(GoDuration::from_nanos(nanos).to_string(), text, "{nanos}");
        }
    }
}
