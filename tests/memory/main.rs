//! Peak heap per body byte of the decision calls, measured by a counting allocator around the
//! whole request in-process: the body arriving in 64 KiB frames as hyper hands them over, read,
//! parsed, decided, and the answer collected.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use prebuild_decider::config::Config;
use tower::ServiceExt;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size > layout.size() {
                let grown = new_size - layout.size();
                let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// splitmix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }
    fn timestamp(&mut self) -> String {
        let seconds = self.next() % 86_400;
        format!(
            "2025-06-01T{:02}:{:02}:{:02}.{:06}Z",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60,
            self.next() % 1_000_000
        )
    }
}

/// A global snapshot as Coder writes it: every column, `presets` presets of 10 running each.
fn global_body(presets: usize) -> Vec<u8> {
    let mut rng = Rng(presets as u64);
    let mut preset_rows = Vec::new();
    let mut running = Vec::new();
    let mut in_progress = Vec::new();
    let mut backoffs = Vec::new();
    for index in 0..presets {
        let (id, template, version) = (rng.uuid(), rng.uuid(), rng.uuid());
        preset_rows.push(format!(
            r#"{{"template_id":"{template}","template_name":"docker","organization_name":"coder","template_version_id":"{version}","template_version_name":"v42","using_active_version":true,"id":"{id}","name":"preset-{index}","desired_instances":{},"deleted":false,"deprecated":false}}"#,
            8 + rng.next() % 5
        ));
        for _ in 0..10 {
            running.push(format!(
                r#"{{"id":"{}","name":"prebuild-{}","template_id":"{template}","template_version_id":"{version}","current_preset_id":"{id}","ready":{},"created_at":"{}"}}"#,
                rng.uuid(),
                rng.next() % 1_000_000,
                !rng.next().is_multiple_of(10),
                rng.timestamp()
            ));
        }
        if index.is_multiple_of(2) {
            in_progress.push(format!(
                r#"{{"template_id":"{template}","template_version_id":"{version}","transition":"start","count":1,"preset_id":"{id}"}}"#
            ));
        }
        if index.is_multiple_of(10) {
            backoffs.push(format!(
                r#"{{"template_version_id":"{version}","preset_id":"{id}","num_failed":2,"last_build_at":"{}"}}"#,
                rng.timestamp()
            ));
        }
    }
    format!(
        r#"{{"presets":[{}],"running":[{}],"in_progress":[{}],"backoffs":[{}]}}"#,
        preset_rows.join(","),
        running.join(","),
        in_progress.join(","),
        backoffs.join(",")
    )
    .into_bytes()
}

/// A body with its length declared, as hyper's is when the request has a `Content-Length`.
struct Declared(Body, u64);

impl hyper::body::Body for Declared {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.0).poll_frame(cx)
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.1)
    }
}

/// The peak heap above what was live before, while `path` answers `body`.
async fn peak_of(app: &axum::Router, path: &str, body: &[u8], length: bool) -> (u16, usize, usize) {
    // Each frame is copied out of the body as it is sent, as hyper hands over its read buffer.
    let shared = std::sync::Arc::new(body.to_vec());
    let keep = std::sync::Arc::clone(&shared);
    let count = body.len().div_ceil(64 * 1024);
    let frames = futures_util::stream::iter((0..count).map(move |i| {
        let end = ((i + 1) * 64 * 1024).min(shared.len());
        Ok::<_, std::io::Error>(shared[i * 64 * 1024..end].to_vec())
    }));
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    let stream = Body::from_stream(frames);
    let body_of = if length {
        request = request.header(header::CONTENT_LENGTH, body.len());
        Body::new(Declared(stream, body.len() as u64))
    } else {
        stream
    };
    let request = request.body(body_of).unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let answer = response.into_body().collect().await.unwrap().to_bytes();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(keep);
    (status, peak, answer.len())
}

/// One preset with `running` prebuilds, every column present.
fn preset_body(running: usize) -> Vec<u8> {
    let mut rng = Rng(running as u64);
    let (id, template, version) = (rng.uuid(), rng.uuid(), rng.uuid());
    let rows: Vec<String> = (0..running)
        .map(|_| {
            format!(
                r#"{{"id":"{}","name":"prebuild-{}","template_id":"{template}","template_version_id":"{version}","current_preset_id":"{id}","ready":true,"created_at":"{}"}}"#,
                rng.uuid(),
                rng.next() % 1_000_000,
                rng.timestamp()
            )
        })
        .collect();
    format!(
        r#"{{"preset":{{"id":"{id}","name":"p","using_active_version":true,"deleted":false,"deprecated":false,"desired_instances":{}}},"running":[{}],"in_progress":[],"backoff":null}}"#,
        running / 2,
        rows.join(",")
    )
    .into_bytes()
}

/// The budget charges each body byte [`BUDGET_BYTES_PER_BODY_BYTE`] bytes: what a request holds at
/// its peak must stay within that, for every call and both ways of sending a body. (Heap bytes
/// live at once, counted exactly; the allocator's own overhead is measured in resident memory by
/// `scripts/attack.sh`.) One test, so nothing else allocates while it counts.
#[tokio::test(flavor = "current_thread")]
async fn a_request_holds_at_most_its_charge_per_body_byte() {
    use prebuild_decider::config::BUDGET_BYTES_PER_BODY_BYTE;
    let app = prebuild_decider::app(Config {
        max_body_bytes: 64 << 20,
        ..Config::default()
    });
    let global = global_body(2000);
    let preset = preset_body(20_000);
    let now = "?now=2025-06-02T12:00:00Z";
    let calls: [(&str, &[u8]); 4] = [
        ("/v1/global/reconcile", &global),
        ("/v2/global/reconcile", &global),
        ("/v1/presets/reconcile", &preset),
        ("/v2/presets/reconcile", &preset),
    ];
    for (path, body) in calls {
        for length in [true, false] {
            let (status, peak, _) = peak_of(&app, &format!("{path}{now}"), body, length).await;
            let per_byte = peak as f64 / body.len() as f64;
            println!(
                "{path:<24} body {:>9} bytes, length declared: {length:<5} peak {peak:>9} bytes = {per_byte:.2} per body byte",
                body.len()
            );
            assert_eq!(status, 200, "{path}");
            assert!(
                per_byte <= BUDGET_BYTES_PER_BODY_BYTE as f64,
                "{path} held {per_byte:.2} bytes per body byte, more than the {BUDGET_BYTES_PER_BODY_BYTE} charged"
            );
        }
    }
}
