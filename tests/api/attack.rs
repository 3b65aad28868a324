//! Hostile and oversized load against the binary over real sockets, with small limits so each
//! attack takes a second or two: silent connections, heads and bodies trickled, idle keep-alive
//! connections, a flood past the connection cap, and bodies past the memory budget. Each checks
//! that the server cuts or refuses what it should, in time, keeps answering a well-behaved
//! client, and loses no request it took. Timings are bounded on both sides with slack for a
//! loaded machine; no assertion rests on a fixed sleep. `scripts/attack.sh` runs larger attacks
//! against the release binary, in a memory cgroup, and measures resident memory.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;

use crate::process::{Reply, Server, exchange};

const JSON: &str = "Content-Type: application/json";

/// One answer read from a connection that stays open: its head, then `content-length` bytes.
async fn read_answer(stream: &mut TcpStream, within: Duration) -> Reply {
    let mut raw = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            raw.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&raw);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(": "))
                    .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(within, read)
        .await
        .expect("an answer in time");
    Reply::parse(&raw)
}

/// How long until the server closes the connection `reader` reads, and what it sent first.
async fn closed_after(
    reader: &mut (impl AsyncReadExt + Unpin),
    within: Duration,
) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        // A reset after the answer counts as closed too.
        while let Ok(n) = reader.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(within, read)
        .await
        .expect("the server closes the connection in time");
    (started.elapsed(), raw)
}

/// A `GET /healthz` on a connection of its own is answered 200 within `within`.
async fn still_serving(address: SocketAddr, within: Duration) {
    let answer = tokio::time::timeout(within, exchange(address, "GET", "/healthz", &[], ""))
        .await
        .unwrap_or_else(|_| panic!("no answer to a well-behaved client within {within:?}"));
    assert_eq!(answer.status, 200, "{answer:?}");
}

/// The value of a series in the server's metrics (0 when absent).
async fn metric(address: SocketAddr, series: &str) -> f64 {
    let text = exchange(address, "GET", "/metrics", &[], "").await.body;
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Polls `check` until it holds, or `within` passes (then false).
async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Open file descriptors of process `pid`.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// Writes a line every `every` until the server closes the connection or `lines` are written.
async fn trickle(mut writer: OwnedWriteHalf, line: &'static [u8], every: Duration, lines: usize) {
    for _ in 0..lines {
        if writer.write_all(line).await.is_err() {
            return;
        }
        tokio::time::sleep(every).await;
    }
}

#[tokio::test]
async fn silent_connections_are_answered_408_and_closed_at_the_header_timeout() {
    let server = Server::start(&["--header-read-timeout", "500ms"]);
    let address = server.address;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(address).await.unwrap());
    }
    still_serving(address, Duration::from_secs(5)).await;
    for mut stream in silent {
        let (after, raw) = closed_after(&mut stream, Duration::from_secs(10)).await;
        assert!(after < Duration::from_secs(5), "cut after {after:?}");
        Reply::parse(&raw).problem(408);
    }
    let cut = r#"http_connections_closed_by_server_total{reason="header_timeout"}"#;
    assert!(metric(address, cut).await >= 20.0);
    still_serving(address, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_head_sent_a_line_at_a_time_is_cut_at_the_header_timeout() {
    let server = Server::start(&["--header-read-timeout", "1s"]);
    let address = server.address;
    // The first head of a connection, and a later one on a connection that served a request.
    let first = TcpStream::connect(address).await.unwrap();
    let mut later = TcpStream::connect(address).await.unwrap();
    later
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_answer(&mut later, Duration::from_secs(5)).await.status,
        200
    );
    for stream in [first, later] {
        let (mut reader, mut writer) = stream.into_split();
        let started = Instant::now();
        writer
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        let trickling = tokio::spawn(trickle(
            writer,
            b"X-Slow: yes\r\n",
            Duration::from_millis(200),
            50,
        ));
        let (_, raw) = closed_after(&mut reader, Duration::from_secs(10)).await;
        let after = started.elapsed();
        trickling.abort();
        assert!(
            after >= Duration::from_millis(900) && after < Duration::from_secs(5),
            "cut after {after:?}, with the timeout at 1s"
        );
        Reply::parse(&raw).problem(408);
    }
    still_serving(address, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_body_sent_byte_by_byte_gets_408_at_the_request_timeout() {
    let server = Server::start(&["--request-timeout", "1s", "--idle-timeout", "30s"]);
    let address = server.address;
    let body = crate::helpers::snapshot().to_string();
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    writer
        .write_all(
            format!(
                "POST /v1/presets/reconcile HTTP/1.1\r\nHost: t\r\n{JSON}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let trickling = tokio::spawn(trickle(writer, b"{", Duration::from_millis(100), 100));
    let (_, raw) = closed_after(&mut reader, Duration::from_secs(10)).await;
    let after = started.elapsed();
    trickling.abort();
    Reply::parse(&raw).problem(408);
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "408 after {after:?}"
    );
    still_serving(address, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout_and_a_busy_one_is_not() {
    let server = Server::start(&["--idle-timeout", "1s"]);
    let address = server.address;
    let request = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    let mut idle = TcpStream::connect(address).await.unwrap();
    let mut busy = TcpStream::connect(address).await.unwrap();
    idle.write_all(request).await.unwrap();
    assert_eq!(
        read_answer(&mut idle, Duration::from_secs(5)).await.status,
        200
    );
    let idle_since = Instant::now();
    let idle_cut = tokio::spawn(async move {
        let (_, raw) = closed_after(&mut idle, Duration::from_secs(10)).await;
        (idle_since.elapsed(), raw)
    });
    // A request every 300ms keeps the other connection open well past the timeout.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        busy.write_all(request).await.unwrap();
        assert_eq!(
            read_answer(&mut busy, Duration::from_secs(5)).await.status,
            200
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (after, raw) = idle_cut.await.unwrap();
    assert!(
        raw.is_empty(),
        "an idle connection is closed without an answer"
    );
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(5),
        "idle connection closed after {after:?}, with the timeout at 1s"
    );
    let cut = r#"http_connections_closed_by_server_total{reason="idle_timeout"}"#;
    assert!(metric(address, cut).await >= 1.0);
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_wait_and_silent_ones_give_way() {
    let cap = 6;
    let server = Server::start(&[
        "--max-connections",
        &cap.to_string(),
        "--header-read-timeout",
        "3s",
        "--idle-timeout",
        "30s",
    ]);
    let address = server.address;
    let pid = server.child.id();
    let baseline = open_files(pid);
    // A keep-alive client holds one place; a flood of silent connections fills the rest and
    // more wait in the listen backlog.
    let mut keep_alive = TcpStream::connect(address).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    keep_alive.write_all(request).await.unwrap();
    assert_eq!(
        read_answer(&mut keep_alive, Duration::from_secs(5))
            .await
            .status,
        200
    );
    let flooded = Instant::now();
    let mut flood = Vec::new();
    for _ in 0..20 {
        flood.push(TcpStream::connect(address).await.unwrap());
    }
    assert!(
        eventually(Duration::from_secs(2), async || {
            open_files(pid) >= baseline + cap
        })
        .await,
        "the cap fills"
    );
    // Never more descriptors than the cap allows, however many connect.
    for _ in 0..10 {
        let open = open_files(pid);
        assert!(
            open <= baseline + cap,
            "{open} descriptors open with a cap of {cap} (baseline {baseline})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The established keep-alive client is still served at the cap: idle keep-alive
    // connections keep their place.
    keep_alive.write_all(request).await.unwrap();
    assert_eq!(
        read_answer(&mut keep_alive, Duration::from_secs(5))
            .await
            .status,
        200
    );
    // A new client waits in the backlog, behind the flood; at the cap, a connection that has
    // sent no head a second in gives its place up (408), so it gets in long before the
    // 3s header timeout would have let the whole flood through.
    let served = exchange(address, "GET", "/healthz", &[], "").await;
    assert_eq!(served.status, 200);
    assert!(
        flooded.elapsed() < Duration::from_secs(15),
        "{:?}",
        flooded.elapsed()
    );
    assert!(open_files(pid) <= baseline + cap);
    // Every flooding connection is answered 408 and closed: none is left hanging.
    for mut stream in flood {
        let (_, raw) = closed_after(&mut stream, Duration::from_secs(20)).await;
        Reply::parse(&raw).problem(408);
    }
    assert!(metric(address, "http_connections_at_cap_total").await >= 1.0);
    let gave_way = r#"http_connections_closed_by_server_total{reason="at_cap"}"#;
    assert!(metric(address, gave_way).await >= 1.0);
    assert_eq!(metric(address, "http_connections_max").await, cap as f64);
    // The keep-alive client's connection is still open, and served.
    keep_alive.write_all(request).await.unwrap();
    assert_eq!(
        read_answer(&mut keep_alive, Duration::from_secs(5))
            .await
            .status,
        200
    );
}

/// A global snapshot of exactly `length` bytes: no presets, padded by a field nobody reads.
fn padded_global(length: usize) -> String {
    let empty = r#"{"presets":[],"pad":""}"#;
    let mut body = String::with_capacity(length);
    body.push_str(&empty[..empty.len() - 2]);
    body.push_str(&"x".repeat(length - empty.len()));
    body.push_str("\"}");
    body
}

/// Sends the head of a global call with a body of `length` bytes, and `sent` bytes of the body.
async fn hold_body(address: SocketAddr, body: &str, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/global/reconcile?now=2025-06-02T12:00:00Z HTTP/1.1\r\nHost: t\r\n{JSON}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..sent]).await.unwrap();
    stream
}

#[tokio::test]
async fn bodies_past_the_memory_budget_get_a_quick_503_and_those_taken_are_answered() {
    // A 1 MiB body is charged 3 MiB + 16 KiB: two fit in 7 MiB, a third does not, a small
    // request still does.
    let server = Server::start(&["--max-buffered-bytes", "7Mi", "--request-timeout", "20s"]);
    let address = server.address;
    let body = padded_global(1 << 20);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(hold_body(address, &body, body.len() / 2).await);
    }
    let used = "prebuild_decider_memory_budget_used_bytes";
    assert!(
        eventually(Duration::from_secs(5), async || {
            metric(address, used).await >= 6.0 * 1024.0 * 1024.0
        })
        .await,
        "the two held bodies are charged"
    );
    // A third large body: 503 at once, from its head alone.
    let started = Instant::now();
    let mut refused = hold_body(address, &body, 0).await;
    let answer = read_answer(&mut refused, Duration::from_secs(5)).await;
    answer.problem(503);
    assert_eq!(answer.header("retry-after"), Some("1"));
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // One that sends its body anyway gets the 503 too, not a reset.
    let mut eager = hold_body(address, &body, body.len()).await;
    read_answer(&mut eager, Duration::from_secs(5))
        .await
        .problem(503);
    // A small call fits beside them.
    let small = exchange(
        address,
        "POST",
        "/v1/presets/reconcile?now=2025-06-02T12:00:00Z",
        &[JSON],
        &crate::helpers::snapshot().to_string(),
    )
    .await;
    assert_eq!(small.status, 200, "{small:?}");
    // The held requests were taken: both are answered once their bodies arrive.
    for mut stream in held {
        stream
            .write_all(&body.as_bytes()[body.len() / 2..])
            .await
            .unwrap();
        let answer = read_answer(&mut stream, Duration::from_secs(10)).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.json()["decisions"], serde_json::json!([]));
    }
    // Their charge is given back, and a large body is served again.
    assert!(
        eventually(Duration::from_secs(5), async || metric(address, used).await
            == 0.0)
        .await,
        "the budget is all given back"
    );
    let again = exchange(
        address,
        "POST",
        "/v1/global/reconcile?now=2025-06-02T12:00:00Z",
        &[JSON],
        &body,
    )
    .await;
    assert_eq!(again.status, 200, "{again:?}");
    let refusals = r#"http_requests_refused_total{reason="memory_budget"}"#;
    assert!(metric(address, refusals).await >= 2.0);
}

#[tokio::test]
async fn a_body_sent_in_chunks_is_refused_once_it_outgrows_the_budget() {
    let server = Server::start(&["--max-buffered-bytes", "2Mi"]);
    let address = server.address;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /v1/global/reconcile HTTP/1.1\r\nHost: t\r\n{JSON}\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // 64 KiB chunks: the budget holds about 680 KiB of body before it is full.
    let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
    let mut answer = None;
    for _ in 0..64 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
        let mut peek = [0u8; 1];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(5), stream.peek(&mut peek)).await
            && n > 0
        {
            answer = Some(read_answer(&mut stream, Duration::from_secs(5)).await);
            break;
        }
    }
    let answer = match answer {
        Some(answer) => answer,
        None => read_answer(&mut stream, Duration::from_secs(5)).await,
    };
    answer.problem(503);
    still_serving(address, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn the_start_up_log_says_which_memory_budget_is_in_force() {
    let given = Server::start(&[
        "--max-buffered-bytes",
        "64Mi",
        "--max-body-bytes",
        "100000000",
    ]);
    assert_eq!(given.serving["memory_budget_bytes"], 64 << 20);
    assert_eq!(given.serving["memory_budget_from"], "--max-buffered-bytes");
    // The budget holds bodies of at most (64 MiB - 16 KiB) / 3.
    assert_eq!(
        given.serving["body_limit_bytes"],
        ((64 << 20) - (16 << 10)) / 3
    );
    let default = Server::start(&[]);
    let from = default.serving["memory_budget_from"].as_str().unwrap();
    assert!(
        from.starts_with("the container's memory") || from.starts_with("the default"),
        "{from}"
    );
    assert!(default.serving["memory_budget_bytes"].as_u64().unwrap() > 0);
    assert!(default.serving["max_connections"].as_u64().unwrap() > 0);
}

/// Sends `raw` on a connection of its own and reads until the server closes it.
async fn answer_to(address: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(raw).await.unwrap();
    closed_after(&mut stream, Duration::from_secs(10)).await.1
}

#[tokio::test]
async fn heads_hyper_cannot_parse_are_answered_with_problems() {
    let server = Server::start(&["--max-header-bytes", "8Ki"]);
    let address = server.address;

    let not_http = Reply::parse(&answer_to(address, b"GARBAGE\r\n\r\n").await);
    not_http.problem(400);
    assert!(
        not_http.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not valid HTTP/1.1"),
        "{not_http:?}"
    );
    let header_without_colon = b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n";
    Reply::parse(&answer_to(address, header_without_colon).await).problem(400);

    let mut oversized = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ".to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 9000));
    oversized.extend_from_slice(b"\r\n\r\n");
    let too_large = Reply::parse(&answer_to(address, &oversized).await);
    too_large.problem(431);
    assert!(
        too_large.json()["detail"]
            .as_str()
            .unwrap()
            .contains("8192"),
        "the limit in force is named: {too_large:?}"
    );
    assert!(too_large.header("date").is_some(), "{too_large:?}");
    let refused = |reason| format!(r#"http_requests_refused_total{{reason="{reason}"}}"#);
    assert_eq!(metric(address, &refused("malformed_head")).await, 2.0);
    assert_eq!(metric(address, &refused("head_too_large")).await, 1.0);

    // After a request served on the same connection, a malformed head is still told apart from
    // the router's answers.
    let mut kept = TcpStream::connect(address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_answer(&mut kept, Duration::from_secs(10)).await.status,
        200
    );
    kept.write_all(b"GET /healthz HTTP/1.1\r\nNo colon\r\n\r\n")
        .await
        .unwrap();
    Reply::parse(&closed_after(&mut kept, Duration::from_secs(10)).await.1).problem(400);

    // The router's own bodiless answers are left alone: a HEAD of a missing path.
    let head = Reply::parse(
        &answer_to(
            address,
            b"HEAD /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await,
    );
    assert_eq!(head.status, 404, "{head:?}");
    assert!(head.header("x-request-id").is_some(), "{head:?}");
    still_serving(address, Duration::from_secs(5)).await;
}

/// An HTTP/2 connection to `address` and its request sender, or the error that ended it.
async fn http2_connection(
    address: SocketAddr,
) -> Result<hyper::client::conn::http2::SendRequest<String>, hyper::Error> {
    let stream = TcpStream::connect(address).await.unwrap();
    let (sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// `GET /healthz` over an HTTP/2 connection: its status, or the error that refused it.
async fn http2_healthz(
    sender: &mut hyper::client::conn::http2::SendRequest<String>,
) -> Result<u16, hyper::Error> {
    let request = hyper::Request::get("http://t/healthz")
        .body(String::new())
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), sender.send_request(request))
        .await
        .expect("an HTTP/2 answer or error in time")?;
    Ok(answer.status().as_u16())
}

#[tokio::test]
async fn http2_connections_are_charged_their_buffers_and_refused_past_the_budget() {
    // Each HTTP/2 connection may buffer its 256 KiB window and 48 KiB per stream for 10
    // streams: 736 KiB. A budget of 1600 KiB holds two.
    let server = Server::start(&[
        "--max-buffered-bytes",
        "1600Ki",
        "--http2-max-concurrent-streams",
        "10",
    ]);
    let address = server.address;
    let per_connection = 256.0 * 1024.0 + 10.0 * 48.0 * 1024.0;
    let used = "prebuild_decider_memory_budget_used_bytes";

    let mut first = http2_connection(address).await.unwrap();
    assert_eq!(http2_healthz(&mut first).await.unwrap(), 200);
    let mut second = http2_connection(address).await.unwrap();
    assert_eq!(http2_healthz(&mut second).await.unwrap(), 200);
    assert_eq!(metric(address, used).await, 2.0 * per_connection);

    // The third does not fit: closed before a frame is read, counted, and nobody else hurt.
    let third = match http2_connection(address).await {
        Ok(mut sender) => http2_healthz(&mut sender).await,
        Err(error) => Err(error),
    };
    assert!(third.is_err(), "{third:?}");
    let refused = r#"http_connections_closed_by_server_total{reason="http2_over_budget"}"#;
    assert_eq!(metric(address, refused).await, 1.0);
    assert_eq!(http2_healthz(&mut first).await.unwrap(), 200);
    still_serving(address, Duration::from_secs(5)).await;

    // A closed HTTP/2 connection gives its share back.
    drop(second);
    assert!(
        eventually(Duration::from_secs(10), async || metric(address, used)
            .await
            == per_connection)
        .await,
        "the second connection's share was given back"
    );
    let mut fourth = http2_connection(address).await.unwrap();
    assert_eq!(http2_healthz(&mut fourth).await.unwrap(), 200);
}

/// A global snapshot of one preset wanting none and `rows` running prebuilds: its answer
/// deletes them all, about 40 bytes a row.
fn global_deleting(rows: u32) -> String {
    let preset = "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b";
    let running: Vec<String> = (0..rows)
        .map(|i| {
            format!(
                r#"{{"id":"00000000-0000-4000-8000-{i:012}","current_preset_id":"{preset}","ready":true,"created_at":"2025-06-02T10:15:00Z"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"presets":[{{"id":"{preset}","using_active_version":true,"deleted":false,"deprecated":false,"desired_instances":0}}],"running":[{}],"in_progress":[],"backoffs":[]}}"#,
        running.join(",")
    )
}

/// Resident memory of process `pid`, in MiB.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap();
    kib / 1024.0
}

/// A measurement, run by hand on the release binary (`cargo test --release --test api --
/// --ignored unread_http2_answers --nocapture`; docs/operations.md has its figures): 20 HTTP/2
/// connections whose client takes none of 100 answers of 15 KB each. What the server holds
/// for them must stay within what the budget charged their connections.
#[tokio::test]
#[ignore = "a measurement of resident memory: run by hand on the release binary"]
async fn unread_http2_answers_stay_within_their_connections_charge() {
    let (connections, streams) = (20, 100);
    let server = Server::start(&["--max-buffered-bytes", "2Gi", "--max-in-flight", "4096"]);
    let address = server.address;
    let body = global_deleting(380);
    let warm_up = exchange(
        address,
        "POST",
        "/v1/global/reconcile?now=2025-06-02T12:00:00Z",
        &[JSON],
        &body,
    )
    .await;
    assert_eq!(warm_up.status, 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let idle = resident_mib(server.child.id());

    let mut unread = Vec::new();
    let mut senders = Vec::new();
    for _ in 0..connections {
        let stream = TcpStream::connect(address).await.unwrap();
        // The smallest windows HTTP/2 allows: the server can send almost nothing.
        let (sender, connection) =
            hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                .initial_stream_window_size(65_535)
                .initial_connection_window_size(65_535)
                .handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let calls: Vec<_> = (0..streams)
            .map(|_| {
                let mut sender = sender.clone();
                let request =
                    hyper::Request::post("http://t/v1/global/reconcile?now=2025-06-02T12:00:00Z")
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .unwrap();
                tokio::spawn(async move { sender.send_request(request).await })
            })
            .collect();
        for call in calls {
            let answer = call.await.unwrap().unwrap();
            assert_eq!(answer.status(), 200);
            unread.push(answer);
        }
        senders.push(sender);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = resident_mib(server.child.id()) - idle;
    let charged =
        metric(address, "prebuild_decider_memory_budget_used_bytes").await / f64::from(1 << 20);
    println!(
        "{connections} HTTP/2 connections x {streams} unread answers of {} bytes: \
         {held:.1} MiB resident above idle ({idle:.1} MiB), {charged:.2} MiB charged",
        warm_up.body.len()
    );
    assert!(
        held <= charged,
        "{held:.1} MiB held, {charged:.2} MiB charged"
    );
}
