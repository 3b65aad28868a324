//! Leaf JSON values with the contract's exact syntax: UUIDs, RFC 3339 timestamps, int32 counts,
//! Go durations, and strings that are checked but not kept.
//!
//! Each is a small newtype with a hand-written `Deserialize` or `Serialize`, so the request types
//! in [`super::model`] stay plain derives and parsing never builds an intermediate `Value`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use crate::domain::{GoDuration, Timestamp};

/// A UUID in its hyphenated form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case), the form Go's
/// JSON writes and JSON Schema's `uuid` format names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireUuid(pub Uuid);

/// Parses the hyphenated form only; the uuid crate alone would also take braces, `urn:` and
/// 32 bare hex digits, which JSON Schema's `uuid` format does not.
pub fn parse_hyphenated_uuid(s: &str) -> Option<Uuid> {
    if s.len() != uuid::fmt::Hyphenated::LENGTH {
        return None;
    }
    Uuid::try_parse(s).ok()
}

impl<'de> Deserialize<'de> for WireUuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UuidVisitor;
        impl Visitor<'_> for UuidVisitor {
            type Value = WireUuid;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a UUID string like \"0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireUuid, E> {
                parse_hyphenated_uuid(s)
                    .map(WireUuid)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        deserializer.deserialize_str(UuidVisitor)
    }
}

/// The OpenAPI pattern of an RFC 3339 timestamp as Go reads it (see [`Timestamp::parse_rfc3339`]):
/// uppercase `T` and `Z`, seconds 00–59, offsets `±hh:mm`, any number of fraction digits.
pub const RFC3339_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/// An RFC 3339 timestamp as Go reads and writes it (see [`Timestamp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rfc3339(pub Timestamp);

impl<'de> Deserialize<'de> for Rfc3339 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Rfc3339;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string like \"2025-06-02T12:00:00Z\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Rfc3339, E> {
                Timestamp::parse_rfc3339(s)
                    .map(Rfc3339)
                    .map_err(|error| E::custom(format_args!("{error}, got {s:?}")))
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A Go duration, written as Go's `Duration.String()` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoDurationText(pub GoDuration);

impl Serialize for GoDurationText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A JSON number with an integral value that fits int32: `2`, `2.0`, `2e0` and `20e-1` alike, as
/// JSON Schema counts integers. Go's own decoder would refuse `2.0`; the contract accepts it.
///
/// Whether a number is an integer is decided on its digits, never on a rounded double:
/// `0.9999999999999999` and `1.0000000000000001` are not integers, though the nearest doubles
/// of the second is 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int32(pub i32);

/// serde_json (built with its `arbitrary_precision` feature) hands a number that is not a plain
/// int64 or uint64 literal (a fraction, an exponent, `-0`, more digits) to `visit_map`, as a map
/// with this one key and the number as written for its value. That is how [`Int32`] reads the
/// digits of `2.0` (a test checks that serde_json still does this).
pub(crate) const SERDE_JSON_NUMBER_KEY: &str = "$serde_json::private::Number";

/// The visitor behind [`Int32`], shared with the `sql.NullInt32` form of `desired_instances`.
pub(crate) struct Int32Visitor;

impl Int32Visitor {
    fn fit<E: de::Error>(self, value: i128, unexpected: de::Unexpected) -> Result<i32, E> {
        i32::try_from(value).map_err(|_| E::invalid_value(unexpected, &self))
    }

    /// The value of a number written as `text`, judged on its digits.
    pub(crate) fn number<E: de::Error>(self, text: &str) -> Result<i32, E> {
        integral_i32(text).ok_or_else(|| {
            E::invalid_value(de::Unexpected::Other(&format!("number {text}")), &self)
        })
    }

    /// The value of serde_json's number map (see [`SERDE_JSON_NUMBER_KEY`]) whose key has been
    /// read already.
    pub(crate) fn number_entry<'de, A: de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<i32, A::Error> {
        let text: String = map.next_value()?;
        self.number(&text)
    }
}

impl<'de> Visitor<'de> for Int32Visitor {
    type Value = i32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer from -2147483648 to 2147483647 (int32)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        self.fit(i128::from(v), de::Unexpected::Signed(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        self.fit(i128::from(v), de::Unexpected::Unsigned(v))
    }
    /// A parser that gives only a double (sonic-rs) cannot say whether `1.0000000000000001` is
    /// an integer: refused here, and serde_json, which gives the digits, decides.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        Err(E::invalid_value(de::Unexpected::Float(v), &self))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<i32, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == SERDE_JSON_NUMBER_KEY => self.number_entry(map),
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

impl<'de> Deserialize<'de> for Int32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Int32Visitor).map(Int32)
    }
}

/// The int32 value of a JSON number literal (`-?int(.frac)?([eE][+-]?exp)?`), exactly: `None`
/// when the number is not an integer or is outside int32, and when `text` is not a number.
pub(crate) fn integral_i32(text: &str) -> Option<i32> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], &unsigned[at + 1..]),
        None => (unsigned, ""),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if mantissa.contains('.') && fraction.is_empty() {
        return None;
    }
    // The exponent, saturated: past ±10^18 a non-zero number is out of range or not an integer
    // either way.
    let exponent: i64 = if unsigned.len() == mantissa.len() {
        0
    } else {
        let (sign, digits) = match exponent.as_bytes().first() {
            Some(b'-') => (-1, &exponent[1..]),
            Some(b'+') => (1, &exponent[1..]),
            _ => (1, exponent),
        };
        if digits.is_empty() || !all_digits(digits) {
            return None;
        }
        let magnitude = digits
            .bytes()
            .try_fold(0i64, |n, d| {
                n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
            })
            .unwrap_or(i64::MAX / 2);
        sign * magnitude.min(i64::MAX / 2)
    };
    // The value is `digits × 10^scale`, with the digits' leading and trailing zeros dropped.
    let digits = format!("{whole}{fraction}");
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    let trimmed = significant.trim_end_matches('0');
    let scale = exponent - fraction.len() as i64 + (significant.len() - trimmed.len()) as i64;
    // A negative scale leaves a fraction; more than ten digits leave int32.
    if scale < 0 || trimmed.len() as i64 + scale > 10 {
        return None;
    }
    let magnitude = trimmed
        .bytes()
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
        * 10i64.pow(scale as u32);
    i32::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// A JSON object read as `T`. serde's derived structs would also take an array of field values
/// in order, which the contract (and JSON Schema's `object`) does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ObjectOnly<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// A string whose value the decision does not need: checked to be a string, then dropped
/// without copying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnyString;

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringVisitor;
        impl Visitor<'_> for StringVisitor {
            type Value = AnyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyString, E> {
                Ok(AnyString)
            }
        }
        deserializer.deserialize_str(StringVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int32(json: &str) -> Result<i32, String> {
        serde_json::from_str::<Int32>(json)
            .map(|n| n.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integral_numbers_in_any_spelling_are_int32() {
        assert_eq!(int32("2"), Ok(2));
        assert_eq!(int32("2.0"), Ok(2));
        assert_eq!(int32("2e0"), Ok(2));
        assert_eq!(int32("2E1"), Ok(20));
        assert_eq!(int32("-0.0"), Ok(0));
        assert_eq!(int32("-5"), Ok(-5));
        assert_eq!(int32("2147483647"), Ok(i32::MAX));
        assert_eq!(int32("-2147483648"), Ok(i32::MIN));
        assert_eq!(int32("2147483647.0"), Ok(i32::MAX));
    }

    #[test]
    fn integers_are_judged_on_their_digits_never_on_a_rounded_double() {
        for (text, value) in [
            ("1", 1),
            ("1.0", 1),
            ("1e0", 1),
            ("10e-1", 1),
            ("1.000000000000000000000000", 1),
            ("100e-2", 1),
            ("0.1e1", 1),
            ("-0", 0),
            ("-0.0e-5", 0),
            ("0e999999999999999999999", 0),
            ("2147483647", i32::MAX),
            ("2.147483647e9", i32::MAX),
            ("-2147483648", i32::MIN),
            ("-21474836480e-1", i32::MIN),
        ] {
            assert_eq!(int32(text), Ok(value), "{text}");
            assert_eq!(integral_i32(text), Some(value), "{text}");
        }
        for text in [
            "0.9999999999999999",
            "1.0000000000000001",
            "2.9999999999999998",
            "1e-400",
            "1e400",
            "1e999999999999999999999",
            "2147483648",
            "2.147483648e9",
            "-2147483649",
            "0.5",
            "12345678901e-1",
        ] {
            assert!(int32(text).is_err(), "{text} should be refused");
            assert_eq!(integral_i32(text), None, "{text}");
        }
        for not_a_number in [
            "", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "1..0", "1e1.5",
        ] {
            assert_eq!(integral_i32(not_a_number), None, "{not_a_number:?}");
        }
    }

    #[test]
    fn serde_json_gives_the_digits_of_a_number_that_is_not_a_plain_integer() {
        struct Key;
        impl<'de> Visitor<'de> for Key {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("serde_json's number map")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
                let key: String = map.next_key()?.unwrap_or_default();
                let text: String = map.next_value()?;
                Ok(format!("{key}={text}"))
            }
        }
        let mut parser = serde_json::Deserializer::from_str("1.0000000000000001");
        let seen = serde::Deserializer::deserialize_any(&mut parser, Key).unwrap();
        assert_eq!(seen, format!("{SERDE_JSON_NUMBER_KEY}=1.0000000000000001"));
    }

    proptest::proptest! {
        /// sonic-rs and serde_json never disagree on a number: sonic-rs takes plain integers
        /// only, and refuses the rest, which serde_json then judges on the digits.
        #[test]
        fn sonic_rs_and_serde_json_agree_on_every_number(
            whole in -3i64..3,
            nines in 0usize..24,
            tail in proptest::sample::select(vec!["", "0", "1", "5", "9", "0000001"]),
            exponent in proptest::option::of(-3i32..3),
        ) {
            let mut text = whole.to_string();
            if nines > 0 || !tail.is_empty() {
                text.push('.');
                text.push_str(&"9".repeat(nines));
                text.push_str(tail);
            }
            if let Some(exponent) = exponent {
                text.push_str(&format!("e{exponent}"));
            }
            let sonic = sonic_rs::from_str::<Int32>(&text).map(|n| n.0).ok();
            let reference = serde_json::from_str::<Int32>(&text).map(|n| n.0).ok();
            proptest::prop_assert_eq!(reference, integral_i32(&text), "{}", text);
            if let Some(value) = sonic {
                proptest::prop_assert_eq!(Some(value), reference, "{}", text);
            }
        }
    }

    #[test]
    fn fractions_and_numbers_past_int32_are_refused() {
        for bad in [
            "2.5",
            "2147483648",
            "-2147483649",
            "1e10",
            "1e400",
            "18446744073709551616",
        ] {
            assert!(int32(bad).is_err(), "{bad} should be refused");
        }
        for wrong_type in ["\"2\"", "true", "null", "[]", "{}"] {
            assert!(int32(wrong_type).is_err(), "{wrong_type} should be refused");
        }
    }

    #[test]
    fn uuids_must_be_hyphenated() {
        let parse = |s: &str| serde_json::from_str::<WireUuid>(&format!("{s:?}")).is_ok();
        assert!(parse("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"));
        assert!(parse("0196A3B2-8F4E-7C1D-9A2B-3C4D5E6F7A8B"));
        assert!(!parse("0196a3b28f4e7c1d9a2b3c4d5e6f7a8b"));
        assert!(!parse("{0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b}"));
        assert!(!parse("urn:uuid:0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"));
        assert!(!parse("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8g"));
        assert!(!parse("0196a3b28-f4e-7c1d-9a2b-3c4d5e6f7a8b"));
    }
}
