//! The v2 decision (`docs/v2.md`): today's Coder rules beside the seed's, in plain Rust,
//! with no HTTP, no serde and no clock (`now` is a parameter).
//!
//! v2 shares v1's row types and calls v1's code where the rules are v1's (the checks, the
//! backoff window, the in-progress sums); v1's modules are not changed by it.
//!
//! - [`cron`]: one schedule's cron expression, parsed and matched as upstream reads it alone.
//! - [`set_check`]: upstream's check of a preset's whole set of schedules (pairwise overlap).
//! - [`schedule`]: a preset's target from its schedules in its timezone (rule 2).
//! - [`expiry`]: when a running prebuild has expired (rule 1).
//! - [`snapshot`]: one preset's v2 rows and their checks.
//! - [`reconcile`]: state, actions and `can_skip` (rules 1–6).
//! - [`global`]: the global snapshot's lists split per preset, and every preset's decision.
//! - [`forecast`]: a preset's (or every preset's) target over a window of time, from the
//!   decision's own code.
//!
//! An API layer builds a [`PresetSnapshotV2`] from [`PresetRowsV2`] (or a [`GlobalSnapshotV2`]
//! from [`GlobalRowsV2`]), turns a v1 [`crate::domain::SnapshotError`] into a JSON pointer with
//! its `field` (v2's own fields are never refused), and calls
//! `decide(now, backoff_interval)`.

pub mod cron;
pub mod expiry;
pub mod forecast;
pub mod global;
pub mod reconcile;
pub mod schedule;
pub mod set_check;
pub mod snapshot;

pub use cron::{CronError, CronField, CronSchedule};
pub use expiry::Expiry;
pub use forecast::{GlobalForecast, PresetForecast, Window, WindowError};
pub use global::{GlobalRowsV2, GlobalSnapshotV2};
pub use reconcile::{ActionV2, DecisionV2, StateV2};
pub use schedule::{Target, TargetRule, TargetSource, WeeklySchedule};
pub use set_check::SetProblem;
pub use snapshot::{
    PendingCount, PrebuildStatus, PresetRowsV2, PresetSnapshotV2, PresetV2, Schedule,
};

#[cfg(test)]
mod tests;
