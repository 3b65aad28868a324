//! Property tests: the seed's rules over generated snapshots, through the domain and through the
//! router, and generated invalid bodies that must always get a well-formed 4xx problem.
//!
//! Run with `cargo test --test properties`. Case counts are modest so `cargo test` stays quick;
//! raise them for a long run with `PROPTEST_CASES=5000 cargo test --release --test properties`.
//! A failure prints the shrunk input, and proptest records its seed beside the module
//! (`tests/properties/<module>.regressions`) so it is replayed first next time: commit it.

mod agreement;
mod coverage;
mod decision;
mod forecast;
mod harness;
mod invalid;
mod json_tree;
mod model;
mod strategies;
