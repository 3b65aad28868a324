//! One connection: hyper serves it (HTTP/1.1, or HTTP/2 when it opens with HTTP/2's preface)
//! with the configured limits, while a watchdog closes it when it overstays:
//!
//! - the first request's head must arrive within `--header-read-timeout` of the connection's
//!   start, and each later head within it of the head's first byte: else the connection is
//!   answered 408 (an RFC 9457 problem; HTTP/1.1 only) and closed;
//! - while the server is at its cap on open connections, a head gets at most
//!   [`AT_CAP_HEAD_TIMEOUT`] (a well-behaved client sends its request as soon as it connects), so
//!   a flood of silent connections gives way to the clients waiting behind it;
//! - a connection with no request in progress is closed after `--idle-timeout` (HTTP/2 with a
//!   GOAWAY);
//! - a connection whose client takes none of an answer for `--idle-timeout` is closed.
//!
//! hyper answers an HTTP/1.1 head it cannot parse itself (400, 414 or 431, no body), with no
//! hook for the router; the socket writes the same status as an RFC 9457 problem in its place.
//!
//! While a request is being read or decided, `--request-timeout` (the guard middleware's 408)
//! bounds it, so the watchdog leaves it alone.
//!
//! The watchdog wakes at its next deadline, or sooner to notice a new phase (at least once per
//! `min(--header-read-timeout, --idle-timeout)`): the hot path pays a few atomic operations per
//! request and two clock reads, no timer. A closed connection lingers (its
//! socket shut for writing, what the client still sends read and dropped, for at most
//! [`LINGER`]) when the client was still sending, so a refusal sent before its body was read
//! reaches it instead of being lost to a reset.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Response, StatusCode, Version};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;
use tower::Service;

use super::listener::Place;
use crate::config::Connections;
use crate::http::budget::{Charge, MemoryBudget, SMALL_ANSWER};
use crate::telemetry::{self, Cut, Refusal};

/// How long a closed connection may linger, reading what the client still sends.
pub const LINGER: Duration = Duration::from_secs(2);

/// How long a request head may take while the server is at its cap on open connections.
pub const AT_CAP_HEAD_TIMEOUT: Duration = Duration::from_secs(1);

/// What the server tells every connection: that it is at its cap on open connections, or that
/// it drains. Each change bumps a generation and wakes the connections waiting on it.
#[derive(Default)]
pub struct Signals {
    at_cap: AtomicBool,
    draining: AtomicBool,
    generation: AtomicU64,
    changed: Notify,
}

impl Signals {
    /// The cap is reached: connections waiting for a head get [`AT_CAP_HEAD_TIMEOUT`].
    pub fn reached_cap(&self) {
        self.at_cap.store(true, Ordering::Relaxed);
        self.announce();
    }

    /// A place is free again.
    pub fn eased(&self) {
        self.at_cap.store(false, Ordering::Relaxed);
    }

    /// The server drains: every connection finishes what it has in flight, then closes.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
        self.announce();
    }

    fn announce(&self) {
        self.generation.fetch_add(1, Ordering::Release);
        self.changed.notify_waiters();
    }

    fn at_cap(&self) -> bool {
        self.at_cap.load(Ordering::Relaxed)
    }

    fn draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// How long a connection asked to close (idle, or draining at shutdown with nothing in
/// flight) may take to finish before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What every connection is served with.
pub struct Settings {
    builder: auto::Builder<TokioExecutor>,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    /// The largest HTTP/1.1 request head hyper reads, named in its 431.
    max_header_bytes: usize,
    /// The budget an HTTP/2 connection's buffers are charged to, and their worst case: the
    /// connection's receive window of bodies not yet read, and each stream's send buffer of
    /// answers its client has not taken.
    budget: Arc<MemoryBudget>,
    http2_buffers: usize,
}

impl Settings {
    /// The longest the watchdog sleeps: a new phase (a head's first byte, the end of a request)
    /// is noticed within it, and every phase lasts at least as long, so each cut comes exactly
    /// on its deadline.
    fn longest_sleep(&self) -> Duration {
        self.header_read_timeout.min(self.idle_timeout)
    }

    /// hyper's builder with the configured limits: HTTP/1.1's head size (which also caps its
    /// read and write buffers), HTTP/2's streams, windows, header list and keep-alive pings.
    pub fn new(connections: &Connections, budget: Arc<MemoryBudget>) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        let max_header_bytes = connections.max_header_bytes.max(8192);
        builder
            .http1()
            .keep_alive(true)
            .half_close(false)
            .max_buf_size(max_header_bytes)
            // The watchdog times heads: hyper's own timer would also cut idle keep-alive
            // connections at the head's timeout.
            .header_read_timeout(None);
        let mut http2 = builder.http2();
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(connections.http2_max_concurrent_streams)
            .initial_stream_window_size(connections.http2_stream_window_bytes)
            .initial_connection_window_size(connections.http2_connection_window_bytes)
            .max_header_list_size(u32::try_from(max_header_bytes).unwrap_or(u32::MAX))
            .max_send_buf_size(SMALL_ANSWER)
            .keep_alive_interval(connections.http2_keep_alive_interval)
            .keep_alive_timeout(connections.http2_keep_alive_timeout);
        Settings {
            builder,
            header_read_timeout: connections.header_read_timeout,
            idle_timeout: connections.idle_timeout,
            max_header_bytes,
            budget,
            http2_buffers: http2_buffers(connections),
        }
    }
}

/// The most an HTTP/2 connection buffers beyond what its requests are charged: its receive
/// window (bodies arrived and not yet read) and, per stream, what an answer its client does
/// not take leaves uncharged. An answer's charge covers all of it until its last frame (of at
/// most [`SMALL_ANSWER`]) is taken, a small answer's not at all; and hyper hands h2 a frame
/// whenever the stream has any room, so h2 may hold its send buffer and one frame more, and
/// hyper one more frame waiting for room: three frames a stream.
fn http2_buffers(connections: &Connections) -> usize {
    let receive = connections.http2_connection_window_bytes as usize;
    let send = (connections.http2_max_concurrent_streams as usize).saturating_mul(3 * SMALL_ANSWER);
    receive.saturating_add(send)
}

/// What the watchdog needs to know about a connection, kept by the connection's IO, its service
/// and its answers' bodies. Times are nanoseconds since the connection started.
struct Activity {
    started: Instant,
    /// Requests begun.
    requests: AtomicU64,
    /// Requests begun whose answer is not yet wholly handed to the connection.
    active: AtomicU32,
    /// Of those, the ones whose handler has answered (the answer is being written).
    answering: AtomicU32,
    /// When the first byte of a head arrived while no request was in progress; 0 for none.
    head_since: AtomicU64,
    /// When the last request in progress ended.
    idle_since: AtomicU64,
    /// Answer bytes handed to the connection: progress while answering.
    written: AtomicU64,
    /// Whether the connection speaks HTTP/2 (its requests say).
    http2: AtomicBool,
    /// Why the watchdog closed the connection, if it did: the IO answers a head timeout 408.
    cut_for_head: AtomicBool,
}

impl Activity {
    fn new() -> Self {
        Activity {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            active: AtomicU32::new(0),
            answering: AtomicU32::new(0),
            head_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            written: AtomicU64::new(0),
            http2: AtomicBool::new(false),
            cut_for_head: AtomicBool::new(false),
        }
    }

    /// Nanoseconds since the connection started, at least 1 (0 means "none").
    fn now(&self) -> u64 {
        (self.started.elapsed().as_nanos() as u64).max(1)
    }

    fn at(&self, nanos: u64) -> Instant {
        self.started + Duration::from_nanos(nanos)
    }

    /// Bytes arrived: while no request is in progress on an HTTP/1.1 connection that has served
    /// one, they start the next head, whose clock starts now.
    fn received(&self) {
        if self.active.load(Ordering::Relaxed) == 0
            && self.head_since.load(Ordering::Relaxed) == 0
            && self.requests.load(Ordering::Relaxed) > 0
            && !self.http2.load(Ordering::Relaxed)
        {
            self.head_since.store(self.now(), Ordering::Relaxed);
        }
    }
}

/// A request in progress on a connection, from its head to its answer's last frame.
struct InProgress {
    activity: Arc<Activity>,
    answered: bool,
}

impl InProgress {
    fn begin(activity: &Arc<Activity>, http2: bool) -> Self {
        if http2 {
            activity.http2.store(true, Ordering::Relaxed);
        }
        activity.requests.fetch_add(1, Ordering::Relaxed);
        activity.active.fetch_add(1, Ordering::AcqRel);
        activity.head_since.store(0, Ordering::Relaxed);
        InProgress {
            activity: Arc::clone(activity),
            answered: false,
        }
    }

    fn answered(&mut self) {
        self.answered = true;
        self.activity.answering.fetch_add(1, Ordering::AcqRel);
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        if self.answered {
            self.activity.answering.fetch_sub(1, Ordering::AcqRel);
        }
        if self.activity.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.activity
                .idle_since
                .store(self.activity.now(), Ordering::Relaxed);
        }
    }
}

/// The router as hyper calls it on this connection: each request marked in progress until its
/// answer's last frame.
#[derive(Clone)]
struct Served {
    router: Router,
    activity: Arc<Activity>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Served {
    type Response = Response<Tracked>;
    type Error = Infallible;
    type Future = Answering;

    fn call(&self, request: hyper::Request<Incoming>) -> Answering {
        let progress = InProgress::begin(&self.activity, request.version() == Version::HTTP_2);
        let request: Request = request.map(Body::new);
        Answering {
            future: self.router.clone().call(request),
            progress: Some(progress),
        }
    }
}

/// The router's answer to come, then marked as being written.
struct Answering {
    future: axum::routing::future::RouteFuture<Infallible>,
    progress: Option<InProgress>,
}

impl Future for Answering {
    type Output = Result<Response<Tracked>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(response) = std::task::ready!(Pin::new(&mut self.future).poll(cx));
        let mut progress = self.progress.take().expect("polled after completion");
        progress.answered();
        Poll::Ready(Ok(response.map(|body| Tracked { body, progress })))
    }
}

/// An answer's body, counting what is handed to the connection; its request ends with it.
struct Tracked {
    body: Body,
    progress: InProgress,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = std::task::ready!(Pin::new(&mut self.body).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
        {
            self.progress
                .activity
                .written
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket as hyper reads and writes it: arrivals noted for the watchdog, and
/// on drop a 408 for a head that timed out and a lingering close when the client still sends.
/// It holds the connection's place under the cap until the socket is closed.
struct Socket {
    stream: Option<TcpStream>,
    activity: Arc<Activity>,
    place: Option<Place>,
    /// The first bytes received, to tell HTTP/2's preface from HTTP/1.1 before a request.
    first: [u8; 3],
    seen: usize,
    eof: bool,
    /// hyper's own answer to a head it could not parse, being written in its place as a
    /// problem: the problem's bytes, how many are written, and the length of hyper's answer.
    replacing: Option<(Vec<u8>, usize, usize)>,
    /// The head limit its 431 names, and where and how much HTTP/2's buffers are charged.
    settings: Arc<Settings>,
    /// The charge for HTTP/2's buffers, held while the connection speaks HTTP/2.
    http2_charge: Option<Charge>,
}

impl Socket {
    fn stream(&mut self) -> &mut TcpStream {
        self.stream
            .as_mut()
            .expect("the socket is open until dropped")
    }

    /// Whether a 408 can be answered: the connection speaks HTTP/1.1, or has sent nothing, or
    /// something other than the start of HTTP/2's preface (`PRI * HTTP/2.0`).
    fn speaks_http1(&self) -> bool {
        if self.activity.http2.load(Ordering::Relaxed) {
            return false;
        }
        self.seen == 0 || self.first[..self.seen] != b"PRI"[..self.seen]
    }

    /// The problem to write in place of `answer` when it is hyper's own answer to a request
    /// head it could not parse. hyper writes that answer (400, 414 or 431, no body) itself and
    /// closes, with no hook for the router: it is told apart by being written while no request
    /// is in progress, as a bodiless error head, which the router's answers never are.
    fn replacement(&self, answer: &[u8]) -> Option<Vec<u8>> {
        if !answer.starts_with(b"HTTP/1.1 ")
            || self.activity.active.load(Ordering::Acquire) != 0
            || !self.speaks_http1()
        {
            return None;
        }
        automatic_answer_status(answer).map(|status| {
            telemetry::refused(if status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE {
                Refusal::HeadTooLarge
            } else {
                Refusal::MalformedHead
            });
            let detail = match status {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => format!(
                    "the request head is larger than the server reads ({} bytes, --max-header-bytes)",
                    self.settings.max_header_bytes
                ),
                StatusCode::URI_TOO_LONG => {
                    "the request target is longer than the server reads".to_owned()
                }
                _ => "the request head is not valid HTTP/1.1: its request line or a header line \
                      is malformed"
                    .to_owned(),
            };
            closing_problem_answer(status, detail)
        })
    }

    /// Writes the problem in place of `answer` when that is hyper's own answer (or goes on
    /// writing the one begun); done, hyper is told its answer was written. `None`: `answer` is
    /// to be written as it is.
    fn poll_in_place_of(
        &mut self,
        cx: &mut Context<'_>,
        answer: &[u8],
    ) -> Option<Poll<io::Result<usize>>> {
        if self.replacing.is_none() {
            let problem = self.replacement(answer)?;
            self.replacing = Some((problem, 0, answer.len()));
        }
        loop {
            let (bytes, written, original) = self.replacing.take()?;
            let result = match Pin::new(self.stream()).poll_write(cx, &bytes[written..]) {
                Poll::Ready(Ok(0)) => Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) if written + n == bytes.len() => Poll::Ready(Ok(original)),
                Poll::Ready(Ok(n)) => {
                    self.replacing = Some((bytes, written + n, original));
                    continue;
                }
                Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                Poll::Pending => {
                    self.replacing = Some((bytes, written, original));
                    Poll::Pending
                }
            };
            return Some(result);
        }
    }
}

/// The status of `answer` when it is a whole HTTP/1.1 error head with an empty body and no
/// content type: how hyper answers a request head it could not parse.
fn automatic_answer_status(answer: &[u8]) -> Option<StatusCode> {
    // Cheapest first: every answer the router writes passes through here.
    let rest = answer.strip_prefix(b"HTTP/1.1 ")?;
    if !matches!(rest.first(), Some(b'4' | b'5')) || !answer.ends_with(b"\r\n\r\n") {
        return None;
    }
    let status = StatusCode::from_bytes(rest.get(..3)?).ok()?;
    let head = std::str::from_utf8(answer).ok()?;
    let bodiless = head.matches("\r\n\r\n").count() == 1
        && head
            .split("\r\n")
            .any(|line| line.eq_ignore_ascii_case("content-length: 0"))
        && !head
            .split("\r\n")
            .any(|line| line.to_ascii_lowercase().starts_with("content-type:"));
    bodiless.then_some(status)
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(self.stream()).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let got = &buf.filled()[before..];
            if got.is_empty() {
                self.eof = true;
            } else {
                if self.seen < self.first.len() {
                    let take = got.len().min(self.first.len() - self.seen);
                    let seen = self.seen;
                    self.first[seen..seen + take].copy_from_slice(&got[..take]);
                    self.seen += take;
                    if self.seen == self.first.len() && self.first == *b"PRI" {
                        // HTTP/2's preface: its buffers are charged before hyper reads a frame.
                        self.http2_charge =
                            Charge::take(&self.settings.budget, self.settings.http2_buffers);
                        if self.http2_charge.is_none() {
                            telemetry::cut(Cut::Http2OverBudget);
                            return Poll::Ready(Err(io::Error::other(
                                "the memory budget cannot hold another HTTP/2 connection",
                            )));
                        }
                    }
                }
                self.activity.received();
            }
        }
        result
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(written) = self.poll_in_place_of(cx, buf) {
            return written;
        }
        Pin::new(self.stream()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper's answer to a head it could not parse is a head alone: one non-empty slice.
        let mut filled = bufs.iter().filter(|buf| !buf.is_empty());
        let answer = match (filled.next(), filled.next()) {
            (Some(only), None) => &only[..],
            _ => &[],
        };
        if let Some(written) = self.poll_in_place_of(cx, answer) {
            return written;
        }
        Pin::new(self.stream()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream()).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.stream()).poll_shutdown(cx)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let (Some(stream), Some(place)) = (self.stream.take(), self.place.take()) else {
            return;
        };
        let answer_408 = self.activity.cut_for_head.load(Ordering::Relaxed) && self.speaks_http1();
        if answer_408 {
            // No answer was in progress, so the socket's send buffer has room for this small
            // write whole.
            send_now(&stream, &head_timeout_answer());
        }
        // Unless the client has closed its side (or never sent a byte), it may still be
        // sending: a body the server refused unread, the rest of a head. Closing now with its
        // bytes unread would reset the connection and could destroy the answer before the
        // client reads it.
        let still_sending = !self.eof && self.seen > 0 && pending(&stream) != Some(false);
        if !still_sending {
            drop((stream, place));
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(linger(stream, place));
            }
            Err(_) => drop((stream, place)),
        }
    }
}

/// Whether bytes wait unread on `stream` (`Some(false)` at its end, `None` when nothing waits
/// now). Asks the socket itself: tokio's readiness may lag behind it.
fn pending(stream: &TcpStream) -> Option<bool> {
    use rustix::net::{RecvFlags, recv};
    let mut byte = [0u8; 1];
    match recv(stream, &mut byte[..], RecvFlags::PEEK | RecvFlags::DONTWAIT) {
        Ok((_, 0)) => Some(false),
        Ok(_) => Some(true),
        Err(_) => None,
    }
}

/// Writes `bytes` to `stream` without waiting, as much as the socket takes now.
fn send_now(stream: &TcpStream, bytes: &[u8]) {
    use rustix::net::{SendFlags, send};
    let _ = send(stream, bytes, SendFlags::DONTWAIT | SendFlags::NOSIGNAL);
}

/// Shuts the socket for writing, then reads and drops what the client still sends until it
/// closes its side or [`LINGER`] passes, so what was written is not lost to a reset.
async fn linger(mut stream: TcpStream, place: Place) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(LINGER, async {
        let _ = stream.shutdown().await;
        let mut sink = [0u8; 8192];
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
    drop((stream, place));
}

/// The 408 a connection gets when its request head does not arrive in time.
fn head_timeout_answer() -> Vec<u8> {
    closing_problem_answer(
        StatusCode::REQUEST_TIMEOUT,
        "the request head was not complete within the server's header read timeout",
    )
}

/// A whole HTTP/1.1 answer carrying the problem of `status`, after which the connection
/// closes: written to the socket directly, where there is no request for the router to answer.
fn closing_problem_answer(status: StatusCode, detail: impl Into<String>) -> Vec<u8> {
    let body = crate::codec::problem::Problem::http(status, detail).to_json();
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\ndate: {}\r\n\r\n",
        crate::codec::problem::PROBLEM_JSON,
        body.len(),
        httpdate::fmt_http_date(std::time::SystemTime::now()),
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// What the watchdog waits for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// A request head is due (the first, or one whose first byte arrived).
    Head,
    /// No request in progress.
    Idle,
    /// An answer is being written.
    Answering,
    /// A request is being read or decided: the request timeout bounds it.
    Busy,
}

/// Where the connection stands now, and when that phase's time runs out (a head's sooner while
/// the server is `at_cap`).
fn phase(activity: &Activity, settings: &Settings, at_cap: bool) -> (Phase, Instant) {
    let head_timeout = if at_cap {
        settings.header_read_timeout.min(AT_CAP_HEAD_TIMEOUT)
    } else {
        settings.header_read_timeout
    };
    if activity.requests.load(Ordering::Relaxed) == 0 {
        return (Phase::Head, activity.started + head_timeout);
    }
    if activity.active.load(Ordering::Acquire) > 0 {
        let phase = if activity.answering.load(Ordering::Acquire) > 0 {
            Phase::Answering
        } else {
            Phase::Busy
        };
        return (phase, Instant::now() + settings.idle_timeout);
    }
    let head_since = activity.head_since.load(Ordering::Relaxed);
    if head_since != 0 {
        return (Phase::Head, activity.at(head_since) + head_timeout);
    }
    let idle_since = activity.idle_since.load(Ordering::Relaxed);
    (Phase::Idle, activity.at(idle_since) + settings.idle_timeout)
}

/// What woke a connection's task.
enum Woken {
    /// The connection ended.
    Ended(Result<(), Box<dyn std::error::Error + Send + Sync>>),
    /// The watchdog's timer fired.
    Timer,
    /// The server signalled (at the cap, or draining).
    Signalled,
}

/// Serves `stream` until it closes, the watchdog closes it, or the server drains it. `place` is
/// its place under the cap on open connections, given back when its socket closes.
pub async fn serve(
    stream: TcpStream,
    place: Place,
    router: Router,
    settings: Arc<Settings>,
    signals: Arc<Signals>,
) {
    let activity = Arc::new(Activity::new());
    let socket = Socket {
        stream: Some(stream),
        activity: Arc::clone(&activity),
        place: Some(place),
        first: [0; 3],
        seen: 0,
        eof: false,
        replacing: None,
        settings: Arc::clone(&settings),
        http2_charge: None,
    };
    let served = Served {
        router,
        activity: Arc::clone(&activity),
    };
    let connection = settings
        .builder
        .serve_connection(TokioIo::new(socket), served);
    tokio::pin!(connection);

    let (mut watched, deadline) = phase(&activity, &settings, signals.at_cap());
    let timer = tokio::time::sleep_until(deadline.min(Instant::now() + settings.longest_sleep()));
    tokio::pin!(timer);
    // Answering: the bytes written when last looked, and when they last moved.
    let mut progress = (activity.written.load(Ordering::Relaxed), Instant::now());
    let mut closing: Option<Instant> = None;
    let mut draining = false;
    loop {
        // Enabled before the flags are read, so no signal falls between the two.
        let signalled = signals.changed.notified();
        tokio::pin!(signalled);
        signalled.as_mut().enable();
        let seen = signals.generation();
        if !draining && signals.draining() {
            draining = true;
            connection.as_mut().graceful_shutdown();
            // In-flight requests finish under the drain deadline; only an idle connection is
            // held to the grace period.
            if activity.active.load(Ordering::Acquire) == 0 {
                closing = Some(Instant::now() + CLOSE_GRACE);
            }
        }
        if let Some(by) = closing {
            timer.as_mut().reset(by);
        }
        // The connection is polled on every wake; the timer and the signal only when they may
        // have fired (or once, to register), which keeps a request's wakes cheap.
        let mut timer_polled = false;
        let mut signal_polled = false;
        let woken = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = connection.as_mut().poll(cx) {
                return Poll::Ready(Woken::Ended(result));
            }
            if (!timer_polled || timer.is_elapsed()) && {
                timer_polled = true;
                timer.as_mut().poll(cx).is_ready()
            } {
                return Poll::Ready(Woken::Timer);
            }
            if closing.is_none() && (!signal_polled || signals.generation() != seen) && {
                signal_polled = true;
                signalled.as_mut().poll(cx).is_ready()
            } {
                return Poll::Ready(Woken::Signalled);
            }
            Poll::Pending
        })
        .await;
        match woken {
            Woken::Ended(result) => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            // The cap was reached (a head gets less time) or the server drains: look again now.
            Woken::Signalled => timer.as_mut().reset(Instant::now()),
            Woken::Timer => {
                let now = Instant::now();
                if closing.is_some_and(|by| now >= by) {
                    // It was asked to close and has not: drop it.
                    return;
                }
                let (phase_now, deadline) = phase(&activity, &settings, signals.at_cap());
                let written = activity.written.load(Ordering::Relaxed);
                if phase_now != watched || written != progress.0 {
                    progress = (written, now);
                }
                let cut = match phase_now {
                    Phase::Head if now >= deadline => {
                        // Cut sooner than its own timeout only because of the cap?
                        let (_, own) = phase(&activity, &settings, false);
                        Some(if now < own {
                            Cut::AtCap
                        } else {
                            Cut::HeaderTimeout
                        })
                    }
                    Phase::Idle if now >= deadline => Some(Cut::IdleTimeout),
                    Phase::Answering
                        if phase_now == watched
                            && now.duration_since(progress.1) >= settings.idle_timeout =>
                    {
                        Some(Cut::SendStall)
                    }
                    _ => None,
                };
                watched = phase_now;
                match cut {
                    Some(Cut::IdleTimeout) => {
                        telemetry::cut(Cut::IdleTimeout);
                        connection.as_mut().graceful_shutdown();
                        closing = Some(now + CLOSE_GRACE);
                    }
                    Some(reason) => {
                        telemetry::cut(reason);
                        if matches!(reason, Cut::HeaderTimeout | Cut::AtCap) {
                            activity.cut_for_head.store(true, Ordering::Relaxed);
                        }
                        return;
                    }
                    None if closing.is_none() => {
                        let next = match phase_now {
                            Phase::Answering => progress.1 + settings.idle_timeout,
                            _ => deadline,
                        };
                        let next = next.min(now + settings.longest_sleep());
                        timer
                            .as_mut()
                            .reset(next.max(now + Duration::from_millis(1)));
                    }
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_timeout_answer_is_a_problem() {
        let answer = String::from_utf8(head_timeout_answer()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{head}"
        );
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 408);
    }

    #[test]
    fn hypers_own_answers_are_told_apart_from_the_routers() {
        // As hyper 1 writes them for a head it cannot parse.
        for (answer, status) in [
            (
                "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Tue, 01 Dec 2026 16:24:21 GMT\r\n\r\n",
                400,
            ),
            (
                "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
                431,
            ),
        ] {
            assert_eq!(
                automatic_answer_status(answer.as_bytes()).map(|s| s.as_u16()),
                Some(status),
                "{answer}"
            );
        }
        // Answers with a body or a content type, successes, and more than one answer are not.
        for answer in [
            String::from_utf8(head_timeout_answer()).unwrap(),
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".to_owned(),
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n".to_owned(),
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}".to_owned(),
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_owned(),
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n".to_owned(),
            "HTTP/1.1 4".to_owned(),
        ] {
            assert_eq!(automatic_answer_status(answer.as_bytes()), None, "{answer}");
        }
    }

    #[test]
    fn the_problem_in_place_of_hypers_answer_is_whole() {
        let answer = String::from_utf8(closing_problem_answer(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "too large",
        ))
        .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(head.contains("\r\ndate: "), "{head}");
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 431);
        assert_eq!(problem["detail"], "too large");
    }

    #[tokio::test]
    async fn the_watchdog_waits_for_the_head_then_idles_then_waits_for_the_next_head() {
        let settings = Settings::new(
            &Connections {
                header_read_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
                ..Connections::default()
            },
            Arc::new(MemoryBudget::new(1 << 20)),
        );
        let activity = Arc::new(Activity::new());
        let (first, deadline) = phase(&activity, &settings, false);
        assert_eq!(first, Phase::Head);
        assert_eq!(deadline, activity.started + Duration::from_secs(10));
        // Bytes before the first request do not move the first head's deadline.
        activity.received();
        assert_eq!(phase(&activity, &settings, false).1, deadline);
        // At the cap, a head gets a second.
        assert_eq!(
            phase(&activity, &settings, true).1,
            activity.started + AT_CAP_HEAD_TIMEOUT
        );

        let mut request = InProgress::begin(&activity, false);
        assert_eq!(phase(&activity, &settings, false).0, Phase::Busy);
        request.answered();
        assert_eq!(phase(&activity, &settings, false).0, Phase::Answering);
        drop(request);
        let (idle, until) = phase(&activity, &settings, false);
        assert_eq!(idle, Phase::Idle);
        assert!(until > activity.started + Duration::from_secs(60));

        activity.received();
        let (head, by) = phase(&activity, &settings, false);
        assert_eq!(head, Phase::Head);
        assert!(by < until, "a started head has the shorter deadline");
        let second = InProgress::begin(&activity, false);
        assert_eq!(activity.head_since.load(Ordering::Relaxed), 0);
        drop(second);

        // HTTP/2: frames between requests (pings, settings) are not heads.
        let h2 = Arc::new(Activity::new());
        drop(InProgress::begin(&h2, true));
        h2.received();
        assert_eq!(phase(&h2, &settings, false).0, Phase::Idle);
    }
}
