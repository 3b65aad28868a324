//! Tests over a real socket: the app served by axum on 127.0.0.1, called by real clients.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn serve() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, crate::helpers::app()).await });
    address
}

/// A fresh connection still gets `/healthz` answered 200.
async fn assert_still_serving(address: std::net::SocketAddr) {
    let mut healthy = TcpStream::connect(address).await.unwrap();
    healthy
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    healthy.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn the_app_answers_over_a_real_socket_while_a_slow_client_stalls() {
    let address = serve().await;
    // A client that sends headers and half a body, then stalls, must not hold others up.
    let mut stalled = TcpStream::connect(address).await.unwrap();
    stalled
        .write_all(b"POST /v1/presets/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"preset\":")
        .await
        .unwrap();

    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let body = crate::helpers::snapshot().to_string();
    let request = hyper::Request::post("/v1/presets/reconcile?now=2025-06-02T12:00:00Z")
        .header("host", address.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), sender.send_request(request))
        .await
        .expect("answered while another client stalls")
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let decision: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        decision["actions"],
        serde_json::json!({"action_type": "create", "create": 1})
    );
    drop(stalled);
}

#[tokio::test]
async fn a_request_that_is_not_http_does_not_stop_the_server() {
    let address = serve().await;
    let mut garbage = TcpStream::connect(address).await.unwrap();
    garbage
        .write_all(b"\x00\x01\x02 not http at all\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), garbage.read_to_end(&mut reply)).await;
    assert_still_serving(address).await;
}

#[tokio::test]
async fn a_body_broken_in_transit_is_a_400_problem_and_the_server_keeps_serving() {
    let address = serve().await;
    let mut broken = TcpStream::connect(address).await.unwrap();
    // "zz" is not a chunk size: hyper fails the body stream partway through the read.
    broken
        .write_all(
            b"POST /v1/presets/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Transfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\nzz\r\n",
        )
        .await
        .unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), broken.read_to_end(&mut reply))
        .await
        .expect("the server answers and closes")
        .unwrap();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(
        reply.contains("content-type: application/problem+json"),
        "{reply}"
    );
    assert!(reply.contains("the body could not be read"), "{reply}");

    assert_still_serving(address).await;
}
