//! v2 against upstream Coder's own answers, replayed through the router.
//!
//! `tests/vectors/v2-upstream.jsonl` holds random v2 global snapshots (schedules in Coder's full
//! syntax, zones with DST, negative targets, TTLs, invalidation, hard limits, failed validation,
//! pending jobs, backoffs) with the decisions upstream's code gave for each, compiled from
//! `tests/upstream-oracle` by `tests/differential-v2/run.py --write-vectors` (see
//! `tests/vectors/README.md`). Each case is posted whole to `/v2/global/reconcile` and preset by
//! preset to `/v2/presets/reconcile`, and every decision must be upstream's, but for the
//! deliberate differences `docs/v2.md` lists, applied here as the Python comparison applies them:
//!
//! - creates are compared with what upstream's reconciler executes (clamped to the target, none
//!   for a hard-limited or validation-failed preset): v2's decision says so itself;
//! - an inactive preset also deletes its expired prebuilds: those IDs are set apart first;
//! - a delete of no prebuilds is no action;
//! - upstream's `cancel_pending` has no count: v2's is the preset's first pending row's.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::helpers::*;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn cases() -> &'static [Value] {
    static CASES: OnceLock<Vec<Value>> = OnceLock::new();
    CASES.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors/v2-upstream.jsonl");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("v2-upstream.jsonl line {}: {e}", i + 1))
            })
            .collect()
    })
}

fn query(case: &Value) -> String {
    let text = |key: &str| case[key].as_str().expect("a string");
    decision_query(text("now"), text("backoff_interval"))
}

/// The count of the first pending row naming `preset_id` (a null names the nil UUID), or 0.
fn first_pending(body: &Value, preset_id: &str) -> i64 {
    body["pending"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|row| row["preset_id"].as_str().unwrap_or(NIL) == preset_id)
        .map_or(0, |row| row["count"].as_i64().expect("a count"))
}

/// Upstream's actions as v2 states them.
fn expected_actions(upstream: &Value, pending_count: i64) -> Vec<Value> {
    let executed_create = upstream["executed"]
        .as_array()
        .expect("executed actions")
        .iter()
        .find(|a| a["action_type"] == "create");
    let mut out = Vec::new();
    for action in upstream["actions"].as_array().expect("actions") {
        match action["action_type"].as_str().expect("an action type") {
            "create" => {
                let n = executed_create.map_or(0, |a| a["create"].as_i64().unwrap_or(0));
                if n > 0 {
                    out.push(json!({"action_type": "create", "create": n}));
                }
            }
            "delete" => {
                if action["delete_ids"].as_array().is_some_and(|ids| !ids.is_empty()) {
                    out.push(json!({"action_type": "delete", "delete_ids": action["delete_ids"]}));
                }
            }
            "backoff" => out.push(json!({
                "action_type": "backoff",
                "backoff_until": action.get("backoff_until").unwrap_or(&json!("0001-01-01T00:00:00Z"))
            })),
            "cancel_pending" => {
                out.push(json!({"action_type": "cancel_pending", "count": pending_count}));
            }
            other => panic!("upstream action {other}"),
        }
    }
    out
}

const STATE: [(&str, &str); 8] = [
    ("Actual", "actual"),
    ("Expired", "expired"),
    ("Desired", "desired"),
    ("Eligible", "eligible"),
    ("Extraneous", "extraneous"),
    ("Starting", "starting"),
    ("Stopping", "stopping"),
    ("Deleting", "deleting"),
];

/// How v2's decision of preset `index` differs from upstream's (empty: it does not).
fn differences(case: &Value, index: usize, got: &Value) -> Vec<String> {
    let body = &case["body"];
    let preset = &body["presets"][index];
    let preset_id = preset["id"].as_str().expect("an id");
    let upstream = &case["upstream"][index];
    let mut out = Vec::new();
    let mut differ = |what: &str, want: &Value, have: &Value| {
        if want != have {
            out.push(format!("{what}: upstream {want}, v2 {have}"));
        }
    };
    differ("preset_id", &upstream["preset_id"], &got["preset_id"]);
    for (go, ours) in STATE {
        differ(ours, &upstream["state"][go], &got["state"][ours]);
    }
    differ(
        "target",
        &upstream["target"],
        &got["state"]["scheduled_target"],
    );
    differ("can_skip", &upstream["can_skip"], &got["can_skip"]);
    let hard = body["hard_limited"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|id| id == preset_id));
    differ("hard_limited", &json!(hard), &got["state"]["hard_limited"]);
    let failed = preset["prebuild_status"] == "validation_failed";
    differ(
        "validation_failed",
        &json!(failed),
        &got["state"]["validation_failed"],
    );

    let active = preset["using_active_version"] == true
        && preset["deleted"] == false
        && preset["deprecated"] == false;
    let expired: Vec<&Value> = case["expired"][index]
        .as_array()
        .expect("expired")
        .iter()
        .collect();
    let mut have = Vec::new();
    for action in got["actions"].as_array().expect("a list of actions") {
        if active || action["action_type"] != "delete" {
            have.push(action.clone());
            continue;
        }
        // Deliberate: an inactive preset deletes its expired prebuilds too.
        let ids = action["delete_ids"].as_array().expect("ids");
        let kept: Vec<&Value> = ids.iter().filter(|id| !expired.contains(id)).collect();
        if ids.len() - kept.len() != expired.len() {
            out.push(format!(
                "inactive delete {ids:?} does not hold every expired {expired:?}"
            ));
        }
        if !kept.is_empty() {
            have.push(json!({"action_type": "delete", "delete_ids": kept}));
        }
    }
    let want = expected_actions(upstream, first_pending(body, preset_id));
    if json!(want) != json!(have) {
        out.push(format!(
            "actions: upstream {}, v2 {}",
            json!(want),
            got["actions"]
        ));
    }
    let empty = got["actions"].as_array().is_some_and(Vec::is_empty);
    if got["noop"] != empty {
        out.push("noop is not `actions` being empty".to_owned());
    }
    out
}

#[tokio::test]
async fn every_decision_is_upstreams_but_for_the_deliberate_differences() {
    let app = app();
    let mut failures = Vec::new();
    let mut decisions = 0;
    for case in cases() {
        let name = case["name"].as_str().expect("a name");
        let query = query(case);
        let answer = post_json(
            &app,
            &format!("/v2/global/reconcile?{query}"),
            &case["body"],
        )
        .await;
        assert_eq!(answer.status, 200, "{name}: {}", answer.json);
        let global = answer.json["decisions"].as_array().expect("decisions");
        assert_eq!(
            global.len(),
            case["upstream"].as_array().unwrap().len(),
            "{name}"
        );
        for (index, got) in global.iter().enumerate() {
            decisions += 1;
            for difference in differences(case, index, got) {
                failures.push(format!("{name} (global, preset {index}): {difference}"));
            }
        }
        for (index, body) in case["preset_bodies"]
            .as_array()
            .expect("bodies")
            .iter()
            .enumerate()
        {
            let answer = post_json(&app, &format!("/v2/presets/reconcile?{query}"), body).await;
            assert_eq!(answer.status, 200, "{name} preset {index}: {}", answer.json);
            decisions += 1;
            for difference in differences(case, index, &answer.json) {
                failures.push(format!("{name} (preset {index} alone): {difference}"));
            }
        }
    }
    assert!(
        decisions >= 2000,
        "only {decisions} decisions in the vectors"
    );
    assert!(
        failures.is_empty(),
        "{} of {decisions} decisions differ from upstream's:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn the_vectors_cover_the_syntax_and_the_rules_real_templates_use() {
    let cases = cases();
    let schedules: Vec<&str> = cases
        .iter()
        .flat_map(|c| c["body"]["schedules"].as_array().unwrap())
        .map(|s| s["cron_expression"].as_str().unwrap())
        .collect();
    let count = |test: &dyn Fn(&str) -> bool| schedules.iter().filter(|e| test(e)).count();
    assert!(
        count(&|e| e.contains("MON") || e.contains("mon")) >= 20,
        "day names"
    );
    assert!(
        count(&|e| e.contains("JAN") || e.contains("Jan") || e.contains("jan")) >= 5,
        "month names"
    );
    assert!(count(&|e| e.contains('/')) >= 50, "steps");
    assert!(count(&|e| e.contains('?')) >= 50, "question marks");
    let upstream: Vec<&Value> = cases
        .iter()
        .flat_map(|c| c["upstream"].as_array().unwrap())
        .collect();
    let decided = |test: &dyn Fn(&Value) -> bool| upstream.iter().filter(|u| test(u)).count();
    assert!(
        decided(&|u| u["target"].as_i64().unwrap() < 0) >= 10,
        "negative targets"
    );
    assert!(
        decided(&|u| u["state"]["Expired"].as_i64().unwrap() > 0) >= 50,
        "expiry"
    );
    assert!(
        decided(&|u| u["executed"] != u["actions"]) >= 50,
        "creates the reconciler drops"
    );
    for kind in ["create", "delete", "backoff", "cancel_pending"] {
        assert!(
            decided(&|u| u["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["action_type"] == kind))
                >= 20,
            "{kind}"
        );
    }
}
