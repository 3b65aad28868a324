//! Different roads to one decision give one answer: the three preset calls, the two body forms,
//! the router and the shared pipeline, and a global snapshot against each preset's own.

use prebuild_decider::codec::pipeline as decide;
use prebuild_decider::domain::NoTrace;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

use crate::harness::{cases, server};
use crate::model::*;
use crate::strategies::*;

fn ok_json<T: serde::Serialize>(
    answer: Result<T, prebuild_decider::codec::problem::Problem>,
) -> Result<Value, TestCaseError> {
    let answer =
        answer.map_err(|p| TestCaseError::fail(format!("the pipeline refused: {}", p.detail)))?;
    let value = serde_json::to_value(answer).map_err(|e| TestCaseError::fail(e.to_string()))?;
    without_decision_ids(&value).map_err(TestCaseError::fail)
}

/// A 200's JSON body, its decision ids checked and taken out.
fn ok_answer(answer: &crate::harness::Answer) -> Result<Value, TestCaseError> {
    let json = answer.ok().map_err(TestCaseError::fail)?;
    without_decision_ids(json).map_err(TestCaseError::fail)
}

/// The three preset calls' answers, through the router, for one body.
fn three_answers(body: &Value, inputs: &Inputs) -> Result<[Value; 3], TestCaseError> {
    let query = inputs.query();
    let mut answers = Vec::new();
    for uri in [
        "/v1/presets/state".to_owned(),
        format!("/v1/presets/actions?{query}"),
        format!("/v1/presets/reconcile?{query}"),
    ] {
        let answer = server().post_json(&uri, body);
        answers.push(ok_answer(&answer)?);
    }
    Ok(answers.try_into().expect("three answers"))
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn state_actions_and_reconcile_agree_with_each_other(case in case()) {
        let body = case.snapshot.canonical(&case.style);
        let [state, actions, reconcile] = three_answers(&body, &case.inputs)?;
        prop_assert_eq!(&state, &reconcile["state"]);
        let reconcile_object = reconcile.as_object().expect("an object");
        let mut keys: Vec<_> = reconcile_object.keys().cloned().collect();
        keys.sort();
        prop_assert_eq!(
            keys,
            ["actions", "backoff_interval", "evaluated_at", "noop", "preset_id", "state"]
        );
        prop_assert_eq!(
            &actions,
            &json!({
                "actions": reconcile["actions"],
                "noop": reconcile["noop"],
                "evaluated_at": reconcile["evaluated_at"],
                "backoff_interval": reconcile["backoff_interval"],
            })
        );
        // Echoes in Go's own forms.
        prop_assert_eq!(
            reconcile["evaluated_at"].as_str().map(str::to_owned),
            Some(go_rfc3339_nano(case.inputs.now.instant, case.inputs.now.offset_minutes))
        );
        prop_assert_eq!(
            reconcile["backoff_interval"].as_str().map(str::to_owned),
            Some(go_duration_string(case.inputs.interval_nanos))
        );
        // Asking for an explanation adds one and changes nothing else.
        let explained = server().post_json(
            &format!("/v1/presets/reconcile?{}&explain=true", case.inputs.query()),
            &body,
        );
        let mut explained = ok_answer(&explained)?;
        let explanation = explained
            .as_object_mut()
            .and_then(|o| o.shift_remove("explanation"));
        prop_assert!(
            explanation.as_ref().and_then(Value::as_array).is_some_and(|steps| !steps.is_empty()),
            "no explanation: {:?}", explanation
        );
        prop_assert_eq!(&explained, &reconcile);
        // The shared pipeline (what the CLI and the fuzz target call) answers the same bytes.
        let bytes = body.to_string().into_bytes();
        let inputs = case.inputs.domain();
        prop_assert_eq!(&ok_json(decide::state(&bytes))?, &state);
        prop_assert_eq!(&ok_json(decide::actions(&bytes, inputs, false))?, &actions);
        prop_assert_eq!(&ok_json(decide::reconcile(&bytes, inputs, false))?, &reconcile);
    }

    #[test]
    fn the_go_native_body_and_the_canonical_body_get_identical_answers(case in case()) {
        let canonical = case.snapshot.canonical(&case.style);
        let go_native = case.snapshot.go_native(&case.style);
        let from_canonical = three_answers(&canonical, &case.inputs)?;
        let from_go = three_answers(&go_native, &case.inputs)?;
        prop_assert_eq!(&from_canonical, &from_go, "{} and {} differ", canonical, go_native);
        let bytes = go_native.to_string().into_bytes();
        prop_assert_eq!(
            &ok_json(decide::reconcile(&bytes, case.inputs.domain(), false))?,
            &from_canonical[2]
        );
    }

    #[test]
    fn a_global_snapshot_gives_each_preset_the_decision_of_its_own_snapshot(
        case in global_case()
    ) {
        let inputs = case.inputs.domain();
        // The domain: GlobalSnapshot's split against each preset's own snapshot.
        let decisions = case
            .global
            .domain()
            .decide(inputs.now, inputs.backoff_interval, false)
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        prop_assert_eq!(decisions.len(), case.global.presets.len());
        for (index, (decision, _)) in decisions.iter().enumerate() {
            let own = case
                .global
                .own_snapshot(index)
                .domain()
                .decide(inputs.now, inputs.backoff_interval, &mut NoTrace)
                .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
            prop_assert_eq!(decision, &own);
        }
        // The router: /v1/global/reconcile against /v1/presets/reconcile, preset by preset.
        let query = case.inputs.query();
        let body = case.global.body(&case.style);
        let answer = server().post_json(&format!("/v1/global/reconcile?{query}"), &body);
        let global = &ok_answer(&answer)?;
        let listed = global["decisions"].as_array().cloned().unwrap_or_default();
        prop_assert_eq!(listed.len(), case.global.presets.len());
        for (index, decision) in listed.iter().enumerate() {
            let own = case.global.own_snapshot(index).canonical(&case.style);
            let answer = server().post_json(&format!("/v1/presets/reconcile?{query}"), &own);
            let own = ok_answer(&answer)?;
            prop_assert_eq!(decision, &own, "preset {} of {}", index, body);
            prop_assert_eq!(
                Outcome::of_domain(&decisions[index].0),
                Outcome::of_json(decision).map_err(TestCaseError::fail)?
            );
        }
        prop_assert_eq!(
            global["evaluated_at"].as_str().map(str::to_owned),
            Some(go_rfc3339_nano(case.inputs.now.instant, case.inputs.now.offset_minutes))
        );
        prop_assert_eq!(
            global["backoff_interval"].as_str().map(str::to_owned),
            Some(go_duration_string(case.inputs.interval_nanos))
        );
    }
}
