//! The binary's subcommands: `decide` answers as the server does, `openapi` prints the committed
//! document, `healthcheck` reports a live server.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prebuild-decider"))
}

fn example_path(name: &str) -> String {
    format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn decide_prints_the_same_decision_as_the_server() {
    for name in ["preset-snapshot.json", "preset-snapshot-go.json"] {
        let output = binary()
            .args([
                "decide",
                &example_path(name),
                "--now",
                "2025-06-02T12:00:00Z",
                "--backoff-interval",
                "90s",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let body = std::fs::read(example_path(name)).unwrap();
        let uri = "/v1/presets/reconcile?now=2025-06-02T12:00:00Z&backoff_interval=90s";
        let mut served = post(&app(), uri, body).await.json;
        // Each decision has an id of its own; everything else is the same.
        let printed_id = printed
            .as_object_mut()
            .unwrap()
            .remove("decision_id")
            .unwrap();
        let served_id = served
            .as_object_mut()
            .unwrap()
            .remove("decision_id")
            .unwrap();
        assert_ne!(printed_id, served_id);
        assert_eq!(printed, served, "{name}");
    }
}

/// `--rules v2` decides a v2 snapshot as `POST /v2/presets/reconcile` does, explanation and
/// all; the same body under v1's rules is v1's answer (v2's fields are unknown to v1).
#[tokio::test]
async fn decide_takes_v2_snapshots_with_rules_v2() {
    let path = example_path("v2-preset-snapshot.json");
    let decide = |rules: &str| {
        let output = binary()
            .args([
                "decide",
                &path,
                "--now",
                "2025-06-02T16:00:00Z",
                "--explain",
            ])
            .args(["--rules", rules])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        printed.as_object_mut().unwrap().remove("decision_id");
        printed
    };
    let body = std::fs::read(&path).unwrap();
    for (rules, uri) in [
        (
            "v2",
            "/v2/presets/reconcile?now=2025-06-02T16:00:00Z&explain=true",
        ),
        (
            "v1",
            "/v1/presets/reconcile?now=2025-06-02T16:00:00Z&explain=true",
        ),
    ] {
        let mut served = post(&app(), uri, body.clone()).await.json;
        served.as_object_mut().unwrap().remove("decision_id");
        assert_eq!(decide(rules), served, "--rules {rules}");
    }
    assert!(
        decide("v2")["actions"].is_array(),
        "v2 answers a list of actions"
    );
    let unknown = binary()
        .args(["decide", &path, "--rules", "v3"])
        .output()
        .unwrap();
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "clap refuses an unknown rule set"
    );
}

#[test]
fn decide_explains_when_asked() {
    let output = binary()
        .args([
            "decide",
            &example_path("preset-snapshot.json"),
            "--now",
            "2025-06-02T12:00:00Z",
            "--explain",
        ])
        .output()
        .unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<_> = printed["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["backoff", "active", "create"]);
    assert_eq!(
        printed["explanation"][2]["detail"],
        "3 desired − 2 running − 0 starting = 1: create 1"
    );
}

#[test]
fn decide_reads_stdin_and_prints_a_problem_for_bad_input() {
    let mut child = binary()
        .args(["decide", "--now", "2025-06-02T12:00:00Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"preset": {"id": "nope"}}"#)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let problem: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["errors"][0]["pointer"], "/preset/id");

    let bad_now = binary()
        .args([
            "decide",
            &example_path("preset-snapshot.json"),
            "--now",
            "noon",
        ])
        .output()
        .unwrap();
    assert_eq!(bad_now.status.code(), Some(1));
    let problem: serde_json::Value = serde_json::from_slice(&bad_now.stderr).unwrap();
    assert_eq!(problem["errors"][0]["parameter"], "now");
}

#[test]
fn openapi_prints_the_committed_document() {
    let output = binary().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let committed = std::fs::read(format!(
        "{}/openapi/openapi.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(
        output.stdout == committed,
        "`prebuild-decider openapi` differs from openapi/openapi.json"
    );
}

#[tokio::test]
async fn healthcheck_exits_zero_only_when_a_server_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await });
    let check = |address: String| {
        tokio::task::spawn_blocking(move || {
            binary()
                .args(["healthcheck", "--listen", &address])
                .output()
                .unwrap()
        })
    };
    assert!(check(address.to_string()).await.unwrap().status.success());
    // A listener that closes every connection at once: no answer, and the port stays ours.
    let closing = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closing_address = closing.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((connection, _)) = closing.accept().await {
            drop(connection);
        }
    });
    let refused = check(closing_address.to_string()).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(!refused.stderr.is_empty());
}
