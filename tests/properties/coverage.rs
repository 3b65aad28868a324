//! Guards against vacuous properties: the generators must reach every rule of the seed often
//! enough for the default case counts to test it.

use std::collections::BTreeMap;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::strategies::*;

/// The situations a case puts the seed in.
fn situations(case: &Case) -> Vec<&'static str> {
    let snapshot = &case.snapshot;
    let now = case.inputs.now.instant;
    let state = snapshot.expected_state();
    let mut out = Vec::new();
    let until = snapshot
        .backoff
        .as_ref()
        .and_then(|b| b.until(case.inputs.interval_nanos));
    match (&snapshot.backoff, until) {
        (None, _) => out.push("no backoff row"),
        (Some(_), None) => out.push("backoff row with no failures"),
        (Some(_), Some(until)) if now < until => out.push("backing off"),
        (Some(_), Some(until)) if now == until => out.push("backing off at exactly now == until"),
        (Some(_), Some(until)) if now == until + 1 => out.push("backoff over 1ns ago"),
        (Some(_), Some(_)) => out.push("backoff over"),
    }
    let backing_off = until.is_some_and(|until| now <= until);
    let mut instants: Vec<_> = snapshot
        .running
        .iter()
        .map(|r| r.created_at.instant)
        .collect();
    instants.sort();
    let ties = instants.windows(2).any(|w| w[0] == w[1]);
    if ties {
        out.push("equal created_at values");
    }
    if snapshot
        .running
        .iter()
        .any(|r| r.created_at.offset_minutes != 0)
    {
        out.push("created_at in a non-zero offset");
    }
    if backing_off {
        return out;
    }
    if !snapshot.is_active() {
        out.push(if snapshot.running.is_empty() {
            "inactive, nothing running (empty delete)"
        } else {
            "inactive, deletes everything"
        });
        if ties {
            out.push("deletes among equal created_at values");
        }
    } else if state.extraneous > 0 {
        out.push("active, deletes extraneous");
        if ties && state.extraneous < state.actual {
            out.push("deletes some of equal created_at values");
        }
    } else if state.desired - state.actual - state.starting > 0 {
        out.push("active, creates");
        if state.starting > 0 {
            out.push("active, creates fewer because some are starting");
        }
    } else {
        out.push("active, creates 0");
    }
    out
}

#[test]
fn the_generators_reach_every_rule_of_the_seed() {
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let samples = 2000;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..samples {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        for situation in situations(&case) {
            *seen.entry(situation).or_default() += 1;
        }
    }
    let expected = [
        "no backoff row",
        "backoff row with no failures",
        "backing off",
        "backing off at exactly now == until",
        "backoff over 1ns ago",
        "backoff over",
        "equal created_at values",
        "created_at in a non-zero offset",
        "inactive, nothing running (empty delete)",
        "inactive, deletes everything",
        "deletes among equal created_at values",
        "active, deletes extraneous",
        "deletes some of equal created_at values",
        "active, creates",
        "active, creates fewer because some are starting",
        "active, creates 0",
    ];
    // At least 1% of samples each, so ~100 default cases meet each about once or more.
    for situation in expected {
        let count = seen.get(situation).copied().unwrap_or_default();
        assert!(
            count * 100 >= samples,
            "{situation:?} in only {count} of {samples} cases: {seen:#?}"
        );
    }
}
