//! The seed's rules as properties over generated valid snapshots, each checked on the domain's
//! decision and on the router's answer (which must agree).

use std::collections::HashSet;

use prebuild_decider::domain::NoTrace;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use uuid::Uuid;

use crate::harness::{Server, cases, server};
use crate::model::*;
use crate::strategies::*;

/// The decision from the domain and from `POST /v1/presets/reconcile`, which must be equal.
fn decide(server: &Server, case: &Case) -> Result<Outcome, TestCaseError> {
    let decision = case
        .snapshot
        .domain()
        .decide(
            case.inputs.now.timestamp(),
            case.inputs.domain().backoff_interval,
            &mut NoTrace,
        )
        .map_err(|e| TestCaseError::fail(format!("the domain refused a valid snapshot: {e}")))?;
    let from_domain = Outcome::of_domain(&decision);
    let body = case.snapshot.canonical(&case.style);
    let answer = server.post_json(
        &format!("/v1/presets/reconcile?{}", case.inputs.query()),
        &body,
    );
    let json = answer.ok().map_err(TestCaseError::fail)?;
    let from_router = Outcome::of_json(json).map_err(TestCaseError::fail)?;
    prop_assert_eq!(
        &from_domain,
        &from_router,
        "domain and router disagree on {}",
        body
    );
    prop_assert_eq!(
        json["preset_id"].as_str().map(str::to_owned),
        Some(case.snapshot.preset.id.hyphenated().to_string())
    );
    Ok(from_router)
}

/// When the case must back off, the instant it backs off until (computed here in `i128`).
fn backoff_until(case: &Case) -> Option<i128> {
    let backoff = case.snapshot.backoff.as_ref()?;
    let until = backoff.until(case.inputs.interval_nanos)?;
    (case.inputs.now.instant <= until).then_some(until)
}

/// Deleted IDs are distinct running IDs, oldest first, and none younger than one kept; equal
/// `created_at` values are taken in input order.
fn check_oldest(snapshot: &Snapshot, ids: &[Uuid]) -> Result<(), TestCaseError> {
    let distinct: HashSet<_> = ids.iter().collect();
    prop_assert_eq!(
        distinct.len(),
        ids.len(),
        "delete_ids repeat an ID: {:?}",
        ids
    );
    for id in ids {
        prop_assert!(
            snapshot.position(*id).is_some(),
            "{} is not a running prebuild",
            id
        );
    }
    let key = |id: &Uuid| {
        (
            snapshot.created_at(*id).unwrap_or_default(),
            snapshot.position(*id).unwrap_or_default(),
        )
    };
    for pair in ids.windows(2) {
        prop_assert!(key(&pair[0]) < key(&pair[1]), "not oldest first: {:?}", ids);
    }
    for kept in snapshot
        .running
        .iter()
        .filter(|r| !distinct.contains(&r.id))
    {
        for deleted in ids {
            prop_assert!(
                key(deleted) < key(&kept.id),
                "{} was deleted but the older (or earlier listed) {} was kept",
                deleted,
                kept.id
            );
        }
    }
    let oldest = snapshot.oldest_first();
    prop_assert_eq!(ids, &oldest[..ids.len()]);
    Ok(())
}

fn inactive(case: Case) -> Case {
    let mut case = case;
    let preset = &mut case.snapshot.preset;
    match preset.id.as_u128() % 3 {
        0 => preset.using_active_version = false,
        1 => preset.deleted = true,
        _ => preset.deprecated = true,
    }
    case
}

fn active(case: Case) -> Case {
    let mut case = case;
    let preset = &mut case.snapshot.preset;
    preset.using_active_version = true;
    preset.deleted = false;
    preset.deprecated = false;
    case
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn every_snapshot_gets_exactly_one_action_and_deletes_only_its_oldest_running_prebuilds(
        case in case()
    ) {
        let server = server();
        // `Outcome::of_json` insists on exactly one of the three action shapes.
        if let Action::Delete(ids) = decide(server, &case)?.action {
            check_oldest(&case.snapshot, &ids)?;
        }
    }

    #[test]
    fn an_inactive_preset_deletes_every_running_prebuild_unless_it_is_backing_off(
        case in case().prop_map(inactive)
    ) {
        let outcome = decide(server(), &case)?;
        let state = case.snapshot.expected_state();
        prop_assert_eq!(outcome.state, state);
        prop_assert_eq!((state.desired, state.eligible, state.extraneous), (0, 0, 0));
        match (backoff_until(&case), outcome.action) {
            (Some(_), Action::Backoff(_)) => {}
            (None, Action::Delete(ids)) => {
                prop_assert_eq!(ids.len(), case.snapshot.running.len());
                check_oldest(&case.snapshot, &ids)?;
            }
            (expected, action) => {
                prop_assert!(false, "backing off until {:?}, got {:?}", expected, action);
            }
        }
    }

    #[test]
    fn an_active_preset_deletes_exactly_its_extraneous_prebuilds_or_creates_what_is_missing(
        case in case().prop_map(active)
    ) {
        let outcome = decide(server(), &case)?;
        let state = case.snapshot.expected_state();
        prop_assert_eq!(outcome.state, state);
        prop_assert_eq!(state.extraneous, (state.actual - state.desired).max(0));
        if backoff_until(&case).is_some() {
            prop_assert!(matches!(outcome.action, Action::Backoff(_)), "{:?}", outcome.action);
        } else if state.extraneous > 0 {
            let Action::Delete(ids) = outcome.action else {
                return Err(TestCaseError::fail(format!("{} extraneous, got {:?}",
                    state.extraneous, outcome.action)));
            };
            prop_assert_eq!(ids.len() as i64, state.extraneous);
            check_oldest(&case.snapshot, &ids)?;
        } else {
            let missing = (state.desired - state.actual - state.starting).max(0);
            prop_assert_eq!(outcome.action, Action::Create(missing));
        }
    }

    #[test]
    fn backoff_holds_exactly_until_last_build_plus_num_failed_intervals_in_its_offset(
        case in case()
    ) {
        let outcome = decide(server(), &case)?;
        let backoff = case.snapshot.backoff.as_ref();
        let holds = backoff.is_some_and(|b| {
            b.num_failed > 0
                && case.inputs.now.instant
                    <= b.last_build_at.instant
                        + i128::from(b.num_failed) * i128::from(case.inputs.interval_nanos)
        });
        match outcome.action {
            Action::Backoff(until) => {
                prop_assert!(holds, "backed off until {} though it should not", until);
                let b = backoff.expect("a backoff row");
                let expected = go_rfc3339_nano(
                    b.until(case.inputs.interval_nanos).expect("failures on record"),
                    b.last_build_at.offset_minutes,
                );
                prop_assert_eq!(until, expected);
            }
            other => prop_assert!(!holds, "should back off, got {:?}", other),
        }
    }

    #[test]
    fn noop_is_true_exactly_when_the_action_does_nothing(case in case()) {
        let outcome = decide(server(), &case)?;
        let nothing = match &outcome.action {
            Action::Create(n) => *n == 0,
            Action::Delete(ids) => ids.is_empty(),
            // The seed's quirk: BackoffUntil.IsZero() for a backoff ending at Go's zero time.
            Action::Backoff(_) => backoff_until(&case) == Some(go_zero_time()),
        };
        prop_assert_eq!(outcome.noop, nothing, "{:?}", outcome.action);
    }

    #[test]
    fn a_backoff_ending_at_go_zero_time_counts_as_a_noop(case in zero_time_case()) {
        let outcome = decide(server(), &case)?;
        let backoff = case.snapshot.backoff.as_ref().expect("a backoff row");
        prop_assert_eq!(
            outcome.action,
            Action::Backoff(go_rfc3339_nano(go_zero_time(), backoff.last_build_at.offset_minutes))
        );
        prop_assert!(outcome.noop);
    }
}
