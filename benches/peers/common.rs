//! What both peer servers share: the listen address, the fixed answer, and serving on the
//! runtime the service uses (`#[tokio::main]`, multi-thread; under `taskset -c 1` tokio sees
//! one CPU and runs one worker).

use axum::Router;

/// The service's own answer for `benches/body.json` (a delete of the 2 oldest prebuilds),
/// copied from `prebuild-decider decide benches/body.json`, so the peers write as many bytes
/// as the service does.
pub const ANSWER: &str = include_str!("answer.json");

/// `--listen ADDR`, `--listen=ADDR`, or the `PEER_LISTEN` variable; `default` otherwise.
pub fn listen_address(default: &str) -> String {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--listen" {
            if let Some(value) = args.next() {
                return value;
            }
        } else if let Some(value) = arg.strip_prefix("--listen=") {
            return value.to_owned();
        } else {
            eprintln!("usage: {} [--listen ADDR]", env!("CARGO_BIN_NAME"));
            std::process::exit(2);
        }
    }
    std::env::var("PEER_LISTEN").unwrap_or_else(|_| default.to_owned())
}

/// Serves `router` on `address` until the process is killed; prints nothing per request.
pub async fn serve(router: Router, address: &str) {
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {address}: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = axum::serve(listener, router).await {
        eprintln!("server failed: {error}");
        std::process::exit(1);
    }
}
