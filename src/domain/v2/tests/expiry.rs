use super::*;

fn expiry(ttl_seconds: Option<i32>, last_invalidated_at: Option<&str>) -> Expiry {
    Expiry {
        ttl_seconds,
        last_invalidated_at: last_invalidated_at.map(at),
    }
}

#[test]
fn a_prebuild_exactly_ttl_old_is_live_and_one_nanosecond_older_is_expired() {
    let ttl = expiry(Some(5), None);
    let now = at(NOW);
    assert!(!ttl.is_expired(at("2025-06-02T11:59:55Z"), now));
    assert!(ttl.is_expired(at("2025-06-02T11:59:54.999999999Z"), now));
    assert!(!ttl.is_expired(at("2025-06-02T11:59:55.000000001Z"), now));
}

#[test]
fn no_ttl_or_a_zero_ttl_lives_forever() {
    let ancient = at("0001-01-01T00:00:00Z");
    assert!(!expiry(None, None).is_expired(ancient, at(NOW)));
    assert!(!expiry(Some(0), None).is_expired(ancient, at(NOW)));
}

#[test]
fn a_prebuild_created_in_the_future_is_not_expired_by_its_ttl() {
    assert!(!expiry(Some(1), None).is_expired(at("2025-06-02T13:00:00Z"), at(NOW)));
}

#[test]
fn a_prebuild_created_strictly_before_the_invalidation_is_expired() {
    let invalidated = expiry(None, Some("2025-06-02T11:00:00Z"));
    let now = at(NOW);
    assert!(invalidated.is_expired(at("2025-06-02T10:59:59.999999999Z"), now));
    assert!(!invalidated.is_expired(at("2025-06-02T11:00:00Z"), now));
    assert!(!invalidated.is_expired(at("2025-06-02T11:30:00Z"), now));
}

#[test]
fn instants_are_compared_whatever_offset_they_were_written_in() {
    // 13:00+02:00 is 11:00Z: exactly at the invalidation, so live; 12:59+02:00 is before.
    let invalidated = expiry(None, Some("2025-06-02T11:00:00Z"));
    let now = at(NOW);
    assert!(!invalidated.is_expired(at("2025-06-02T13:00:00+02:00"), now));
    assert!(invalidated.is_expired(at("2025-06-02T12:59:00+02:00"), now));
    let ttl = expiry(Some(3600), None);
    assert!(!ttl.is_expired(at("2025-06-02T06:00:00-05:00"), now));
    assert!(ttl.is_expired(at("2025-06-02T05:59:59-05:00"), now));
}

#[test]
fn either_cause_is_enough() {
    let both = expiry(Some(60), Some("2025-06-02T11:00:00Z"));
    let now = at(NOW);
    assert!(both.is_expired(at("2025-06-02T10:00:00Z"), now));
    assert!(both.is_expired(at("2025-06-02T11:30:00Z"), now));
    assert!(!both.is_expired(at("2025-06-02T11:59:30Z"), now));
}

#[test]
fn the_longest_ttl_is_exact() {
    let ttl = expiry(Some(i32::MAX), None);
    // i32::MAX seconds is 68 years, 19 days, 3:14:07.
    let created = at("1957-05-15T08:45:53Z");
    assert!(!ttl.is_expired(created, at(NOW)));
    assert!(ttl.is_expired(created, at("2025-06-02T12:00:00.000000001Z")));
}
