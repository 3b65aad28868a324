//! The `prebuild-decider` binary: parse the command line and run it (see [`prebuild_decider::cli`]).

use std::process::ExitCode;

use clap::Parser;
use prebuild_decider::cli::{self, args::Cli};

/// mimalloc: a request allocates many small, short-lived blocks, which it serves with fewer
/// instructions than glibc's allocator (see `docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse()).await
}
