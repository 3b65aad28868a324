//! The memory budget: how many bytes request bodies, and the work they cause, may hold at once.
//!
//! A request with a body is charged before its body is read: [`cost`] of its `Content-Length`,
//! or, for a body sent without one, [`BYTES_PER_REQUEST`] at first and more as each frame
//! arrives ([`Metered`]). A request whose charge does not fit is answered 503 with `Retry-After`
//! at once, its body never read. The charge is held while the body is read, parsed and decided;
//! then it shrinks to the answer's size, held until the answer is handed to the connection
//! ([`Held`]), or is given back at once for a small answer.
//!
//! The charge per body byte is what the call with the largest peak per byte holds at that peak
//! (the global call; `tests/memory` measures it and fails if it grows past the charge), so
//! the budget bounds what requests hold, not only the bytes they send.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, SizeHint};

use crate::codec::problem::Problem;
use crate::telemetry;

pub use crate::config::{
    BUDGET_BYTES_PER_BODY_BYTE as BYTES_PER_BODY_BYTE,
    BUDGET_BYTES_PER_REQUEST as BYTES_PER_REQUEST, budget_cost as cost,
};

/// Answers up to this size are given back their charge as soon as they are made: the
/// connection's write buffer (as large) takes them at once. Larger ones keep a charge of their
/// size until their last frame (of at most this size) is handed to the connection.
pub const SMALL_ANSWER: usize = 16 * 1024;

/// A charge at least this large, given back, or a body this large freed, gives memory back to
/// the system too (see [`on_large_release`]).
pub const RELEASE_AFTER: usize = 4 << 20;

/// Freed memory goes back to the system once large requests pause for this long: a run of them
/// reuses what the last one freed instead of taking it back from the system each time (page
/// faults that cost a run of 3 MiB global calls 40% more CPU when each gave back at once). While
/// more than half of the memory budget is charged, it goes back at once.
pub const RELEASE_WHEN_QUIET: Duration = Duration::from_millis(250);

static RELEASE: OnceLock<fn()> = OnceLock::new();
/// The process's memory budgets (one per router; a server has one), and what they have charged.
static BUDGETS: AtomicUsize = AtomicUsize::new(0);
static CHARGED: AtomicUsize = AtomicUsize::new(0);
/// Large frees so far, and whether a release is waiting for them to pause.
static LARGE_FREES: AtomicU64 = AtomicU64::new(0);
static RELEASE_PENDING: AtomicBool = AtomicBool::new(false);

/// Sets what gives freed memory back to the system after large requests (the binary's
/// allocator keeps what is freed, to reuse it; after requests of many megabytes that is memory
/// no other request may need for a long while).
pub fn on_large_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// After `bytes` were freed: if they were many, freed memory goes back to the system once large
/// requests pause for [`RELEASE_WHEN_QUIET`].
pub fn freed(bytes: usize) {
    if bytes < RELEASE_AFTER {
        return;
    }
    let Some(&release) = RELEASE.get() else {
        return;
    };
    LARGE_FREES.fetch_add(1, Ordering::AcqRel);
    if CHARGED.load(Ordering::Relaxed).saturating_mul(2) > BUDGETS.load(Ordering::Relaxed) {
        release();
        return;
    }
    // One release waits at a time; it runs after the last free of the run, this one included.
    if RELEASE_PENDING.swap(true, Ordering::AcqRel) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        RELEASE_PENDING.store(false, Ordering::Release);
        release();
        return;
    };
    runtime.spawn(async move {
        loop {
            let seen = LARGE_FREES.load(Ordering::Acquire);
            tokio::time::sleep(RELEASE_WHEN_QUIET).await;
            if LARGE_FREES.load(Ordering::Acquire) == seen {
                break;
            }
        }
        RELEASE_PENDING.store(false, Ordering::Release);
        release();
    });
}

/// A budget of bytes, and how many are charged now.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: usize,
    used: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes, none charged.
    pub fn new(limit: usize) -> Self {
        telemetry::memory_budget_limit(limit);
        BUDGETS.fetch_add(counted(limit), Ordering::Relaxed);
        MemoryBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// The budget, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes charged now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Charges `bytes` if they fit.
    fn take(&self, bytes: usize) -> bool {
        let fits = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|&after| after <= self.limit)
            })
            .is_ok();
        if fits {
            CHARGED.fetch_add(bytes, Ordering::Relaxed);
            telemetry::memory_budget_used().increment(bytes as f64);
        }
        fits
    }

    fn give(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
        CHARGED.fetch_sub(bytes, Ordering::Relaxed);
        telemetry::memory_budget_used().decrement(bytes as f64);
    }
}

impl Drop for MemoryBudget {
    fn drop(&mut self) {
        BUDGETS.fetch_sub(counted(self.limit), Ordering::Relaxed);
    }
}

/// A budget's share of the process's total: capped, so a few absurdly large ones cannot
/// overflow the sum.
fn counted(limit: usize) -> usize {
    limit.min(usize::MAX / 64)
}

/// Bytes charged to a budget, given back when dropped. It can grow (a body sent without a
/// length) and shrink (to the answer, once the work is done).
#[derive(Debug)]
pub struct Charge {
    budget: Arc<MemoryBudget>,
    bytes: AtomicUsize,
    /// The most it has held.
    most: AtomicUsize,
}

impl Charge {
    /// Charges `bytes` to `budget`, or `None` when they do not fit.
    pub fn take(budget: &Arc<MemoryBudget>, bytes: usize) -> Option<Charge> {
        budget.take(bytes).then(|| Charge {
            budget: Arc::clone(budget),
            bytes: AtomicUsize::new(bytes),
            most: AtomicUsize::new(bytes),
        })
    }

    /// The bytes charged now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Charges `more` bytes too, if they fit.
    pub fn grow(&self, more: usize) -> bool {
        let grown = self.budget.take(more);
        if grown {
            let now = self.bytes.fetch_add(more, Ordering::AcqRel) + more;
            self.most.fetch_max(now, Ordering::Relaxed);
        }
        grown
    }

    /// Gives back all but `bytes` (nothing if fewer are charged).
    pub fn shrink_to(&self, bytes: usize) {
        let before = self.bytes.swap(bytes, Ordering::AcqRel);
        match before.checked_sub(bytes) {
            Some(freed) => self.budget.give(freed),
            // Never shrink upwards: put the smaller amount back.
            None => self.bytes.store(before, Ordering::Release),
        }
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.budget.give(*self.bytes.get_mut());
        freed(*self.most.get_mut());
    }
}

/// The 503 for a request whose charge does not fit: at once, its body unread. The connection
/// is closed after it (hyper cannot reuse a connection whose body was left unread), which
/// `Connection: close` tells the client.
pub fn refusal() -> Problem {
    telemetry::refused(telemetry::Refusal::MemoryBudget);
    Problem::http(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server's memory budget for request bodies is in use: retry after the Retry-After delay",
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
    .with_header(header::CONNECTION, HeaderValue::from_static("close"))
}

/// The error a [`Metered`] body fails with when its next frame does not fit the budget.
#[derive(Debug, thiserror::Error)]
#[error("the memory budget cannot hold more of this body")]
pub struct OverBudget;

/// A body sent without a length, charging each frame as it arrives.
pub struct Metered {
    inner: Body,
    charge: Arc<Charge>,
}

impl Metered {
    /// `inner`, charging its frames to `charge`.
    pub fn new(inner: Body, charge: Arc<Charge>) -> Self {
        Metered { inner, charge }
    }
}

impl hyper::body::Body for Metered {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let frame = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame
            && let Some(data) = frame.data_ref()
            && !self
                .charge
                .grow(data.len().saturating_mul(BYTES_PER_BODY_BYTE))
        {
            return Poll::Ready(Some(Err(axum::Error::new(OverBudget))));
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A large answer holding its charge until its last frame is taken, in frames of at most
/// [`SMALL_ANSWER`] bytes so the connection takes them as it writes them.
pub struct Held {
    inner: Body,
    pending: Bytes,
    _charge: HeldCharge,
}

/// A charge held by an answer: owned, or shared with the [`Metered`] body it grew from.
pub enum HeldCharge {
    /// The charge of a body with a length.
    Owned(Charge),
    /// The charge of a body sent without one.
    Shared(Arc<Charge>),
}

impl HeldCharge {
    /// The charge.
    pub fn charge(&self) -> &Charge {
        match self {
            HeldCharge::Owned(charge) => charge,
            HeldCharge::Shared(charge) => charge,
        }
    }
}

impl Held {
    /// `inner`, holding `charge` until its end.
    pub fn new(inner: Body, charge: HeldCharge) -> Self {
        Held {
            inner,
            pending: Bytes::new(),
            _charge: charge,
        }
    }
}

impl hyper::body::Body for Held {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.pending.is_empty() {
            match std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => this.pending = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return Poll::Ready(other),
            }
        }
        let take = this.pending.len().min(SMALL_ANSWER);
        Poll::Ready(Some(Ok(Frame::data(this.pending.split_to(take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.inner.size_hint();
        let pending = self.pending.len() as u64;
        hint.set_lower(hint.lower() + pending);
        if let Some(upper) = hint.upper() {
            hint.set_upper(upper + pending);
        }
        hint
    }
}

/// The length a request's body declares: its `Content-Length`, else what the body itself knows
/// (none for a body sent in chunks, or an HTTP/2 body sent without a length).
pub fn declared_length(request: &axum::extract::Request) -> Option<u64> {
    match request.headers().get(header::CONTENT_LENGTH) {
        Some(value) => value.to_str().ok().and_then(|text| text.parse().ok()),
        None => request.body().size_hint().exact(),
    }
}

/// Reads `body` whole, at most `limit` bytes of it: into one allocation of its declared length
/// when it has one (so the bytes are never held twice), else frame by frame and then joined.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ReadError> {
    let declared = body.size_hint().exact();
    let mut body = body;
    if let Some(length) = declared {
        let length = usize::try_from(length).map_err(|_| ReadError::TooLarge)?;
        if length > limit {
            return Err(ReadError::TooLarge);
        }
        // A small body usually comes in one frame: kept as it is, no copy.
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.map_err(ReadError::from_body)?.into_data() {
                if bytes.len() + data.len() > length {
                    return Err(ReadError::TooLarge);
                }
                if bytes.is_empty() && data.len() == length {
                    return Ok(data);
                }
                if bytes.capacity() == 0 {
                    bytes.reserve_exact(length);
                }
                bytes.extend_from_slice(&data);
            }
        }
        return Ok(Bytes::from(bytes));
    }
    let mut frames: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.map_err(ReadError::from_body)?.into_data() {
            total += data.len();
            if total > limit {
                return Err(ReadError::TooLarge);
            }
            frames.push(data);
        }
    }
    if frames.len() == 1 {
        return Ok(frames.pop().unwrap_or_default());
    }
    let mut bytes = Vec::with_capacity(total);
    for frame in frames {
        bytes.extend_from_slice(&frame);
    }
    Ok(Bytes::from(bytes))
}

/// Why [`read_body`] stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The body is larger than the limit.
    TooLarge,
    /// The memory budget cannot hold more of it.
    OverBudget,
    /// The connection failed it.
    Broken(axum::Error),
}

impl ReadError {
    fn from_body(error: axum::Error) -> Self {
        let over = std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |e| {
            e.source()
        })
        .any(|e| e.is::<OverBudget>());
        if over {
            ReadError::OverBudget
        } else {
            ReadError::Broken(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_fit_the_budget_and_are_given_back_when_dropped() {
        let budget = Arc::new(MemoryBudget::new(100));
        let a = Charge::take(&budget, 60).unwrap();
        assert!(Charge::take(&budget, 41).is_none());
        let b = Charge::take(&budget, 40).unwrap();
        assert_eq!(budget.used(), 100);
        assert!(!a.grow(1));
        drop(b);
        assert!(a.grow(30));
        assert_eq!((a.bytes(), budget.used()), (90, 90));
        a.shrink_to(10);
        assert_eq!((a.bytes(), budget.used()), (10, 10));
        a.shrink_to(50);
        assert_eq!(
            (a.bytes(), budget.used()),
            (10, 10),
            "never shrinks upwards"
        );
        drop(a);
        assert_eq!(budget.used(), 0);
    }

    #[tokio::test]
    async fn a_body_is_read_whole_within_its_limit() {
        let frames = |parts: &[&'static str]| {
            let parts: Vec<Result<Bytes, std::io::Error>> = parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect();
            Body::from_stream(futures_util::stream::iter(parts))
        };
        let read = read_body(frames(&["{\"a\":", " 1}"]), 100).await.unwrap();
        assert_eq!(&read[..], b"{\"a\": 1}");
        assert!(matches!(
            read_body(frames(&["12345", "678"]), 7).await,
            Err(ReadError::TooLarge)
        ));
        let known = read_body(Body::from("0123456789"), 10).await.unwrap();
        assert_eq!(&known[..], b"0123456789");
        assert!(matches!(
            read_body(Body::from("0123456789"), 9).await,
            Err(ReadError::TooLarge)
        ));
    }

    #[tokio::test]
    async fn a_metered_body_fails_when_the_budget_is_full_and_a_held_one_gives_back_at_its_end() {
        let budget = Arc::new(MemoryBudget::new(
            BYTES_PER_REQUEST + 10 * BYTES_PER_BODY_BYTE,
        ));
        let charge = Arc::new(Charge::take(&budget, BYTES_PER_REQUEST).unwrap());
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"0123456789")),
            Ok(Bytes::from_static(b"x")),
        ];
        let body = Body::new(Metered::new(
            Body::from_stream(futures_util::stream::iter(parts)),
            Arc::clone(&charge),
        ));
        assert!(matches!(
            read_body(body, 1000).await,
            Err(ReadError::OverBudget)
        ));
        drop(charge);
        assert_eq!(budget.used(), 0);

        let answer = Bytes::from(vec![b'a'; SMALL_ANSWER * 2 + 5]);
        let charge = Charge::take(&budget, 10).unwrap();
        let mut held = Held::new(Body::from(answer.clone()), HeldCharge::Owned(charge));
        assert_eq!(held.size_hint().exact(), Some(answer.len() as u64));
        let mut sizes = Vec::new();
        while let Some(frame) = held.frame().await {
            sizes.push(frame.unwrap().into_data().unwrap().len());
            if held.is_end_stream() {
                break;
            }
        }
        assert_eq!(sizes, vec![SMALL_ANSWER, SMALL_ANSWER, 5]);
        assert_eq!(budget.used(), 10, "held until the body is dropped");
        drop(held);
        assert_eq!(budget.used(), 0);
    }
}
