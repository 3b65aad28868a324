//! The `prebuild-decider` binary: parse the command line and run it (see [`prebuild_decider::cli`]).

use std::process::ExitCode;

use clap::Parser;
use prebuild_decider::cli::{self, args::Cli};

/// mimalloc: a request allocates many small, short-lived blocks, which it serves with fewer
/// instructions than glibc's allocator (see `docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// After a large request, mimalloc gives the pages it freed back to the system at once
/// (`mi_collect(true)`), instead of after its purge delay, which only counts down while the
/// thread allocates: a burst of large snapshots does not leave the process at its peak.
fn release_freed_memory() {
    // SAFETY: mi_collect only walks mimalloc's own structures; any thread may call it.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// No transparent huge pages for this process: mimalloc asks for them, and then every 2 MiB
/// region a thread touches counts whole in the resident size. Without them the idle process
/// holds half as much, and a global call's peak is a third lower, at no cost measured in
/// requests per second (see `docs/operations.md`).
fn disable_transparent_huge_pages() {
    // The flag is the process's (its memory map's), whichever thread sets it.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    // Before the runtime's threads and buffers are made.
    disable_transparent_huge_pages();
    prebuild_decider::http::budget::on_large_release(release_freed_memory);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(cli::run(Cli::parse())),
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
