//! The decision, in plain Rust: the seed's types and rules, with no HTTP, no serde and no clock.
//!
//! - [`go_time`]: Go's `time.Time` and `time.Duration` as the seed and its JSON use them.
//! - [`snapshot`]: the rows of one preset and the checks that let the decision trust them.
//! - [`reconcile`]: `CalculateState` and `CalculateActions`, beside the Go.
//! - [`global`]: the global snapshot split per preset, and whole decisions.
//! - [`explain`]: the rules a decision went through, when asked.
//! - [`v2`]: today's Coder rules (expiry, schedules, cancel-pending, the hard limit), beside v1's.

pub mod explain;
pub mod global;
pub mod go_time;
pub mod reconcile;
pub mod snapshot;
pub mod v2;

pub use explain::{Explanation, NoTrace, Step, Trace};
pub use global::{Decision, GlobalSnapshot};
pub use go_time::{DurationError, GoDuration, Timestamp, TimestampError};
pub use reconcile::{ReconciliationActions, ReconciliationState};
pub use snapshot::{
    Backoff, Field, InProgressCount, Preset, PresetSnapshot, RunningPrebuild, SnapshotError,
    Transition,
};

#[cfg(test)]
mod tests;
