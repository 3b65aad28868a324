//! Writing the main call's answer, a [`Decision`], without serde: into one buffer sized up front,
//! no escaping
//! (every string in it is a UUID, a timestamp, a duration or a fixed word), integers by `itoa`.
//! The bytes are exactly serde_json's for the same value (tests hold it to that); a decision
//! with an explanation, whose details are free text, is written by serde_json.

use std::io::Write;

use serde::Serialize;

use super::model::{Decision, ReconciliationActions};

/// An answer body that knows how to write itself as JSON.
pub trait JsonAnswer: Serialize {
    /// The JSON bytes; serde_json unless the type knows better.
    fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("answers are plain data")
    }
}

impl JsonAnswer for super::model::ActionsResponse {}
impl JsonAnswer for super::model::GlobalDecision {}
impl JsonAnswer for super::v2::model::DecisionV2 {}
impl JsonAnswer for super::v2::model::GlobalDecisionV2 {}

impl JsonAnswer for Decision {
    fn to_json(&self) -> Vec<u8> {
        if self.explanation.is_some() {
            return serde_json::to_vec(self).expect("answers are plain data");
        }
        let delete_ids = match &self.actions {
            ReconciliationActions::Delete(action) => action.delete_ids.len(),
            _ => 0,
        };
        /// A decision without delete ids: two quoted UUIDs, seven counts, a timestamp or two and
        /// a duration, with their keys, stay under this.
        const WITHOUT_IDS: usize = 360;
        /// Each delete id: a quoted UUID and a comma.
        const PER_ID: usize = QUOTED_UUID + 1;
        let mut out = Vec::with_capacity(WITHOUT_IDS + PER_ID * delete_ids);
        write_decision(self, &mut out);
        out
    }
}

fn write_decision(decision: &Decision, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"decision_id\":");
    uuid(out, &decision.decision_id);
    out.extend_from_slice(b",\"preset_id\":");
    uuid(out, &decision.preset_id);
    let state = &decision.state;
    for (key, value) in [
        (&b",\"state\":{\"actual\":"[..], state.actual),
        (b",\"desired\":", state.desired),
        (b",\"eligible\":", state.eligible),
        (b",\"extraneous\":", state.extraneous),
        (b",\"starting\":", state.starting),
        (b",\"stopping\":", state.stopping),
        (b",\"deleting\":", state.deleting),
    ] {
        out.extend_from_slice(key);
        integer(out, value);
    }
    out.extend_from_slice(b"},\"actions\":");
    match &decision.actions {
        ReconciliationActions::Create(action) => {
            out.extend_from_slice(b"{\"action_type\":\"create\",\"create\":");
            integer(out, action.create);
            out.push(b'}');
        }
        ReconciliationActions::Delete(action) => {
            out.extend_from_slice(b"{\"action_type\":\"delete\",\"delete_ids\":[");
            for (index, id) in action.delete_ids.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                uuid(out, id);
            }
            out.extend_from_slice(b"]}");
        }
        ReconciliationActions::Backoff(action) => {
            out.extend_from_slice(b"{\"action_type\":\"backoff\",\"backoff_until\":\"");
            let (text, length) = action.backoff_until.0.rfc3339_nano_bytes();
            out.extend_from_slice(&text[..length]);
            out.extend_from_slice(b"\"}");
        }
    }
    out.extend_from_slice(if decision.noop {
        b",\"noop\":true"
    } else {
        b",\"noop\":false"
    });
    out.extend_from_slice(b",\"evaluated_at\":\"");
    let (text, length) = decision.evaluated_at.0.rfc3339_nano_bytes();
    out.extend_from_slice(&text[..length]);
    out.extend_from_slice(b"\",\"backoff_interval\":\"");
    write!(out, "{}", decision.backoff_interval.0).expect("a Vec takes every byte");
    out.extend_from_slice(b"\"}");
}

/// A UUID between quotes.
const QUOTED_UUID: usize = uuid::fmt::Hyphenated::LENGTH + 2;

fn uuid(out: &mut Vec<u8>, id: &uuid::Uuid) {
    let mut text = [b'"'; QUOTED_UUID];
    id.hyphenated().encode_lower(&mut text[1..QUOTED_UUID - 1]);
    out.extend_from_slice(&text);
}

fn integer(out: &mut Vec<u8>, value: i32) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::model::{BackoffAction, CreateAction, DeleteAction, ReconciliationState};
    use crate::codec::wire::{GoDurationText, Rfc3339};
    use crate::domain::{GoDuration, Timestamp};

    fn stamp() -> impl Strategy<Value = Timestamp> {
        (0i64..253_402_300_799, 0u32..1_000_000_000, -1439i32..=1439).prop_map(
            |(secs, nanos, minutes)| {
                let utc = chrono::DateTime::from_timestamp(secs - 62_167_219_200, nanos).unwrap();
                let offset = chrono::FixedOffset::east_opt(minutes * 60).unwrap();
                let text = utc
                    .with_timezone(&offset)
                    .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
                Timestamp::parse_rfc3339(&text).unwrap()
            },
        )
    }

    fn decision() -> impl Strategy<Value = Decision> {
        let actions = prop_oneof![
            any::<i32>().prop_map(|n| ReconciliationActions::Create(CreateAction::new(n))),
            prop::collection::vec(any::<u128>(), 0..5).prop_map(|ids| {
                ReconciliationActions::Delete(DeleteAction::new(
                    ids.into_iter().map(uuid::Uuid::from_u128).collect(),
                ))
            }),
            stamp().prop_map(|until| ReconciliationActions::Backoff(BackoffAction::new(until))),
        ];
        (
            any::<(u128, u128)>(),
            any::<[i32; 7]>(),
            actions,
            any::<bool>(),
            stamp(),
            any::<i64>(),
        )
            .prop_map(
                |((decision_id, preset_id), counts, actions, noop, now, interval)| Decision {
                    decision_id: uuid::Uuid::from_u128(decision_id),
                    preset_id: uuid::Uuid::from_u128(preset_id),
                    state: ReconciliationState {
                        actual: counts[0],
                        desired: counts[1],
                        eligible: counts[2],
                        extraneous: counts[3],
                        starting: counts[4],
                        stopping: counts[5],
                        deleting: counts[6],
                    },
                    actions,
                    noop,
                    evaluated_at: Rfc3339(now),
                    backoff_interval: GoDurationText(GoDuration::from_nanos(interval)),
                    explanation: None,
                },
            )
    }

    proptest! {
        #[test]
        fn a_decision_is_written_exactly_as_serde_json_writes_it(decision in decision()) {
            let expected = serde_json::to_vec(&decision).unwrap();
            prop_assert_eq!(String::from_utf8(decision.to_json()).unwrap(), String::from_utf8(expected).unwrap());
        }
    }

    #[test]
    fn every_conformance_vector_decision_is_written_as_serde_json_writes_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/presets.jsonl");
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let vector: serde_json::Value = serde_json::from_str(line).unwrap();
            let inputs = crate::codec::pipeline::DecisionInputs {
                now: Timestamp::parse_rfc3339(vector["now"].as_str().unwrap()).unwrap(),
                backoff_interval: GoDuration::parse(vector["backoff_interval"].as_str().unwrap())
                    .unwrap(),
            };
            let body = vector["canonical"].to_string();
            let decision =
                crate::codec::pipeline::reconcile(body.as_bytes(), inputs, false).unwrap();
            assert_eq!(
                decision.to_json(),
                serde_json::to_vec(&decision).unwrap(),
                "{}",
                vector["name"]
            );
        }
    }
}
