//! The production behaviours against the real binary over real sockets: request id, metrics,
//! 408, 413, 401, 503 with Retry-After, a panic survived, and an in-flight request answered
//! across SIGTERM before a clean exit.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The binary serving on a free port; killed on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) address: SocketAddr,
    /// Where `/metrics` listens, when it has a listener of its own.
    metrics_address: Option<SocketAddr>,
    logs: std::sync::mpsc::Receiver<String>,
    /// The start-up log line saying it serves.
    pub(crate) serving: serde_json::Value,
}

/// How long a test waits for something the server should do at once, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `check` until it holds, failing the test after [`PATIENCE`].
async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl Server {
    pub(crate) fn start(flags: &[&str]) -> Server {
        Server::start_logging(flags, "info")
    }

    pub(crate) fn start_logging(flags: &[&str], rust_log: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_prebuild-decider"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(flags)
            .env("RUST_LOG", rust_log)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let (lines, logs) = std::sync::mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let serving = loop {
            let line = logs
                .recv_timeout(Duration::from_secs(30))
                .expect("the server logs its address");
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if event["message"] == "serving" {
                break event;
            }
        };
        Server {
            child,
            address: serving["listen"].as_str().unwrap().parse().unwrap(),
            metrics_address: serving["metrics_listen"]
                .as_str()
                .map(|a| a.parse().unwrap()),
            logs,
            serving,
        }
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub(crate) fn wait(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn logged(&self) -> Vec<String> {
        self.logs.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP/1.1 answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }

    /// A reply from raw bytes (an answer's head and body).
    pub(crate) fn parse(raw: &[u8]) -> Reply {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    #[track_caller]
    pub(crate) fn problem(&self, status: u16) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.json()["status"], status, "{self:?}");
    }
}

/// Reads one answer from a connection the server closes after answering.
pub(crate) async fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("an answer")
        .unwrap();
    Reply::parse(&raw)
}

/// Sends a whole request (with `Connection: close`) and reads the answer.
pub(crate) async fn exchange(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    read_reply(&mut stream).await
}

/// Opens a request whose body is still to come, so it stays in flight.
async fn start_request(address: SocketAddr, body_length: usize, first_part: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/presets/reconcile?now=2025-06-02T12:00:00Z HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Authorization: Bearer t0ken\r\nContent-Type: application/json\r\nContent-Length: {body_length}\r\n\r\n{first_part}"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

const JSON: &str = "Content-Type: application/json";
const TOKEN: &str = "Authorization: Bearer t0ken";

#[tokio::test]
async fn the_binary_guards_itself_and_reports_what_it_does() {
    let server = Server::start(&[
        "--api-token",
        "t0ken",
        "--request-timeout",
        "1s",
        "--max-in-flight",
        "2",
        "--max-body-bytes",
        "4096",
        "--debug-endpoints",
    ]);
    let address = server.address;
    let body = crate::helpers::snapshot().to_string();
    let reconcile = "/v1/presets/reconcile?now=2025-06-02T12:00:00Z";

    // Request id: echoed when given, generated otherwise.
    let answered = exchange(
        address,
        "POST",
        reconcile,
        &[JSON, TOKEN, "X-Request-Id: trace-me-42"],
        &body,
    )
    .await;
    assert_eq!(answered.status, 200, "{answered:?}");
    assert_eq!(answered.header("x-request-id"), Some("trace-me-42"));
    let generated = exchange(address, "GET", "/healthz", &[], "").await;
    assert!(uuid::Uuid::parse_str(generated.header("x-request-id").unwrap()).is_ok());

    // 401 without the token, with the challenge; health stays open.
    let refused = exchange(address, "POST", reconcile, &[JSON], &body).await;
    refused.problem(401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    // 413 from Content-Length alone: the body is never sent.
    let mut too_large = TcpStream::connect(address).await.unwrap();
    too_large
        .write_all(format!("POST {reconcile} HTTP/1.1\r\nHost: t\r\n{JSON}\r\n{TOKEN}\r\nContent-Length: 100000\r\n\r\n").as_bytes())
        .await
        .unwrap();
    read_reply(&mut too_large).await.problem(413);

    // A panic: 500, logged with its request id, and the server goes on.
    let panicked = exchange(
        address,
        "POST",
        "/debug/panic",
        &[TOKEN, "X-Request-Id: boom-7"],
        "",
    )
    .await;
    panicked.problem(500);
    assert_eq!(
        exchange(address, "GET", "/healthz", &[], "").await.status,
        200
    );

    // Two stalled requests fill --max-in-flight 2 (a health check is shed once they hold their
    // slots): the next is shed at once with Retry-After...
    let stalled_a = start_request(address, body.len(), "{\"preset\":").await;
    let stalled_b = start_request(address, body.len(), "{").await;
    eventually("both stalled requests in flight", || async {
        exchange(address, "GET", "/healthz", &[], "").await.status == 503
    })
    .await;
    let shed = exchange(
        address,
        "POST",
        reconcile,
        &[JSON, TOKEN, "X-Request-Id: shed-9"],
        &body,
    )
    .await;
    shed.problem(503);
    assert_eq!(shed.header("retry-after"), Some("1"));
    // ...and each stalled one gets 408 at the 1s timeout, after which requests are served again.
    for mut stalled in [stalled_a, stalled_b] {
        read_reply(&mut stalled).await.problem(408);
    }
    let served = exchange(address, "POST", reconcile, &[JSON, TOKEN], &body).await;
    assert_eq!(served.json()["actions"]["create"], 1, "{served:?}");

    // Metrics moved, by route and status.
    let metrics = exchange(address, "GET", "/metrics", &[TOKEN], "")
        .await
        .body;
    for series in [
        r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="200"} 2"#,
        r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="401"} 1"#,
        r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="408"} 2"#,
        r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="413"} 1"#,
        // Shed requests are counted under their route too.
        r#"http_requests_total{route="/v1/presets/reconcile",method="POST",status="503"} 1"#,
        r#"http_requests_total{route="/debug/panic",method="POST",status="500"} 1"#,
        r#"prebuild_decider_decisions_total{action_type="create"} 2"#,
        r#"prebuild_decider_prebuilds_to_create_total 2"#,
    ] {
        assert!(metrics.contains(series), "{series} not in\n{metrics}");
    }
    let logs = server.logged().join("\n");
    let panic_line = logs
        .lines()
        .find(|l| l.contains("a handler panicked"))
        .unwrap_or_else(|| panic!("no panic log in\n{logs}"));
    assert!(
        panic_line.contains("boom-7"),
        "the panic is logged with its request id: {panic_line}"
    );
    // A shed request is counted, not logged: at info, one line per 503 would add work under
    // exactly the load that caused it.
    assert!(
        !logs.contains("shed-9"),
        "a shed request was logged:\n{logs}"
    );
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_then_exits_zero() {
    let mut server = Server::start(&["--shutdown-timeout", "10s"]);
    let address = server.address;
    let body = crate::helpers::snapshot().to_string();
    let (first, rest) = body.split_at(20);
    let mut in_flight = start_request(address, body.len(), first).await;
    // In flight: the scrape counts itself and the stalled request.
    eventually("the request in flight", || async {
        exchange(address, "GET", "/metrics", &[], "")
            .await
            .body
            .contains("http_requests_in_flight 2")
    })
    .await;

    server.signal("TERM");
    // The listener closes: new connections are refused while the old request drains.
    eventually("new connections refused", || async {
        TcpStream::connect(address).await.is_err()
    })
    .await;
    in_flight.write_all(rest.as_bytes()).await.unwrap();
    let reply = read_reply(&mut in_flight).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["actions"]["action_type"], "create");

    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait(Duration::from_secs(10));
        (status, server.logged())
    });
    let (status, logs) = status.await.unwrap();
    assert_eq!(status.code(), Some(0), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.contains("shutdown signal received")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn metrics_can_move_to_a_listener_of_their_own() {
    let server = Server::start(&["--metrics-listen", "127.0.0.1:0", "--api-token", "t0ken"]);
    let metrics_address = server
        .metrics_address
        .expect("the metrics listener's address");
    assert_eq!(
        exchange(server.address, "GET", "/metrics", &[TOKEN], "")
            .await
            .status,
        404
    );
    let own = exchange(metrics_address, "GET", "/metrics", &[], "").await;
    assert_eq!(own.status, 200, "no token on the metrics listener");
    assert!(
        own.body.contains("prebuild_decider_build_info"),
        "{}",
        own.body
    );
}

#[tokio::test]
async fn the_request_log_line_carries_the_request_and_decision_ids() {
    let server = Server::start_logging(&[], "prebuild_decider=debug");
    let body = crate::helpers::snapshot().to_string();
    let reply = exchange(
        server.address,
        "POST",
        "/v1/presets/reconcile",
        &[JSON, "X-Request-Id: req-77"],
        &body,
    )
    .await;
    let decision_id = reply
        .header("x-decision-id")
        .expect("a decision id header")
        .to_owned();
    assert_eq!(reply.json()["decision_id"], decision_id.as_str());
    // The line is written as the answer leaves, by another thread.
    let mut lines = Vec::new();
    eventually("the request's log line", || {
        lines.extend(server.logged());
        let found = lines.iter().any(|l| l.contains("\"answered\""));
        async move { found }
    })
    .await;
    let answered = lines
        .iter()
        .find(|l| l.contains("\"answered\""))
        .unwrap_or_else(|| panic!("no request line in {lines:?}"));
    let event: serde_json::Value = serde_json::from_str(answered).unwrap();
    let span = &event["span"];
    assert_eq!(span["decision_id"], decision_id.as_str(), "{answered}");
    assert_eq!(span["request_id"], "req-77", "{answered}");
    assert_eq!(span["route"], "/v1/presets/reconcile", "{answered}");
    assert_eq!(span["status"], 200, "{answered}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"decided\"") && l.contains(&decision_id)),
        "{lines:?}"
    );
}
