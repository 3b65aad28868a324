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
    if s.len() != 36 {
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
        let mut text = String::with_capacity(35);
        self.0.write_rfc3339_nano(&mut text);
        serializer.serialize_str(&text)
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

/// A JSON number with an integral value that fits int32: `2`, `2.0` and `2e0` alike, as JSON
/// Schema counts integers. Go's own decoder would refuse `2.0`; the contract accepts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int32(pub i32);

/// The visitor behind [`Int32`], shared with the `sql.NullInt32` form of `desired_instances`.
pub(crate) struct Int32Visitor;

impl Int32Visitor {
    fn fit<E: de::Error>(self, value: i128, unexpected: de::Unexpected) -> Result<i32, E> {
        i32::try_from(value).map_err(|_| E::invalid_value(unexpected, &self))
    }
}

impl Visitor<'_> for Int32Visitor {
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
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i32, E> {
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(E::invalid_value(de::Unexpected::Float(v), &self));
        }
        // Integral and finite; anything outside i32 fails the range check.
        let clamped = v.clamp(i64::MIN as f64, i64::MAX as f64) as i128;
        self.fit(clamped, de::Unexpected::Float(v))
    }
}

impl<'de> Deserialize<'de> for Int32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Int32Visitor).map(Int32)
    }
}

/// A JSON object read as `T`. serde's derived structs would also take an array of field values
/// in order, which the contract (and JSON Schema's `object`) does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object)
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
