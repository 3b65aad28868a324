//! Rule 1 of the v2 contract: when a running prebuild has expired.
//!
//! Decided at the `now` the caller gives, never the wall clock (deliberate: upstream reads
//! `time.Now()`, which makes a decision impossible to reproduce).

use chrono::TimeDelta;

use crate::domain::go_time::Timestamp;

/// A preset's expiry settings: a time to live and an invalidation instant, either optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expiry {
    /// Seconds a prebuild may live; `None`, 0 or less is forever (upstream reads a negative
    /// TTL as none).
    pub ttl_seconds: Option<i32>,
    /// Prebuilds created strictly before this instant are expired.
    pub last_invalidated_at: Option<Timestamp>,
}

impl Expiry {
    /// Whether a prebuild created at `created_at` has expired at `now`: it was created before
    /// the last invalidation, or the TTL is above 0 and `now − created_at` is more than the TTL,
    /// to the nanosecond (a prebuild exactly `ttl` seconds old is still live).
    pub fn is_expired(&self, created_at: Timestamp, now: Timestamp) -> bool {
        let invalidated = self
            .last_invalidated_at
            .is_some_and(|invalidated_at| created_at < invalidated_at);
        invalidated || self.outlived_ttl(created_at, now)
    }

    fn outlived_ttl(&self, created_at: Timestamp, now: Timestamp) -> bool {
        let ttl = match self.ttl_seconds {
            Some(seconds) if seconds > 0 => TimeDelta::seconds(i64::from(seconds)),
            _ => return false,
        };
        // Exact: both instants lie in years 0–9999, far inside TimeDelta's range.
        let age = now
            .as_datetime()
            .signed_duration_since(created_at.as_datetime());
        age > ttl
    }
}
