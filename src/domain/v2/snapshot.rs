//! The v2 input: v1's rows of one preset plus what today's Coder reads beside them.
//!
//! [`PresetSnapshotV2::new`] is the one way in, as [`PresetSnapshot::new`] is for v1: it runs
//! v1's checks unchanged (through v1's own constructor) on v1's rows, and reads the timezone and
//! schedules once into a [`TargetRule`]. v2's own values are never refused: upstream decides
//! with whatever its rows hold (a negative TTL is no TTL, a negative target is used as is, a
//! negative pending count cancels nothing), and a bad schedule becomes `schedule_error`.

use uuid::Uuid;

use super::expiry::Expiry;
use super::schedule::TargetRule;
use crate::domain::go_time::Timestamp;
use crate::domain::snapshot::{
    Backoff, InProgressCount, Preset, PresetSnapshot, RunningPrebuild, SnapshotError,
};

/// A preset row as today's Coder reads it: v1's columns plus expiry and scheduling settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetV2 {
    /// v1's columns: ID, active-version flags, `desired_instances`.
    pub preset: Preset,
    /// Seconds a prebuild may live; `None` or 0 is forever.
    pub ttl: Option<i32>,
    /// Prebuilds created before this instant are expired.
    pub last_invalidated_at: Option<Timestamp>,
    /// The IANA timezone the schedules are read in; `None` or empty ignores the schedules.
    pub scheduling_timezone: Option<String>,
    /// What the control plane last recorded about the preset's prebuilds.
    pub prebuild_status: PrebuildStatus,
}

/// A preset's `prebuild_status` column, as upstream's reconciler reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrebuildStatus {
    /// Nothing recorded: prebuilds are created as usual.
    #[default]
    Healthy,
    /// Recorded once the preset reached the failure limit. Upstream's reconciler does not read
    /// it back: the hard limit comes from `is_hard_limited` (or the global `hard_limited` list).
    HardLimited,
    /// A create failed template validation; nothing is created until a new version is promoted.
    ValidationFailed,
}

/// A prebuild schedule row: while the expression matches, the preset's target is
/// `desired_instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK` (see [`super::cron`] and [`super::set_check`]).
    pub cron_expression: String,
    /// The target while the schedule is in force, used as is (a negative one included).
    pub desired_instances: i32,
    /// The preset the schedule belongs to; used only to split a global snapshot.
    pub preset_id: Option<Uuid>,
}

/// A count of a preset's jobs queued but not started, on a version that is no longer active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingCount {
    /// The preset the jobs are for. Upstream compares a null here as the nil UUID, so such a row
    /// belongs to a preset whose ID is `00000000-0000-0000-0000-000000000000`, if one is listed.
    pub preset_id: Option<Uuid>,
    /// How many jobs.
    pub count: i32,
}

/// One preset's rows as the control plane sends them, before any check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetRowsV2 {
    /// The preset row.
    pub preset: PresetV2,
    /// Its running prebuilds, expired or not.
    pub running: Vec<RunningPrebuild>,
    /// Its builds in progress, by transition.
    pub in_progress: Vec<InProgressCount>,
    /// Its backoff row, if any.
    pub backoff: Option<Backoff>,
    /// Its schedules, in the order they are tried.
    pub schedules: Vec<Schedule>,
    /// Jobs of this preset queued but not started, on a non-active version (0 or less: none).
    pub pending_count: i32,
    /// Whether the preset's last builds all failed, up to the failure limit.
    pub is_hard_limited: bool,
}

/// What v2 adds to a v1 snapshot of one preset, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PresetAdditions {
    /// The preset's TTL and invalidation instant.
    pub(super) expiry: Expiry,
    /// The timezone as given, kept for callers that explain the decision.
    pub(super) scheduling_timezone: Option<String>,
    /// The schedules as given, kept likewise.
    pub(super) schedules: Vec<Schedule>,
    /// The timezone and schedules read once, or why they were set aside.
    pub(super) target_rule: TargetRule,
    /// Jobs queued on a non-active version.
    pub(super) pending_count: i32,
    /// Whether the preset is hard-limited.
    pub(super) is_hard_limited: bool,
    /// The preset's recorded prebuild status.
    pub(super) prebuild_status: PrebuildStatus,
}

/// One preset's rows, checked: v1's snapshot plus v2's additions. Built only through
/// [`PresetSnapshotV2::new`] (or split from a global snapshot), so the decision can trust it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetSnapshotV2 {
    /// v1's snapshot, built by v1's constructor.
    pub(super) v1: PresetSnapshot,
    /// What v2 adds.
    pub(super) additions: PresetAdditions,
}

impl PresetSnapshotV2 {
    /// Checks the rows and assembles the snapshot: v1's checks, by v1's own constructor
    /// (negative `desired_instances`, `count` or `num_failed`, duplicate running IDs, int32
    /// sums). v2's fields are taken as they are, so every error is v1's, on v1's rows.
    pub fn new(rows: PresetRowsV2) -> Result<Self, SnapshotError> {
        let PresetRowsV2 {
            preset,
            running,
            in_progress,
            backoff,
            schedules,
            pending_count,
            is_hard_limited,
        } = rows;
        let v1 = PresetSnapshot::new(preset.preset, running, in_progress, backoff)?;
        let additions = PresetAdditions::new(
            preset,
            schedules.into_iter().enumerate(),
            pending_count,
            is_hard_limited,
        );
        Ok(PresetSnapshotV2 { v1, additions })
    }

    /// v1's snapshot of the same rows: the preset row, running prebuilds, in-progress counts and
    /// backoff row.
    #[cfg(test)]
    pub(crate) fn v1(&self) -> &PresetSnapshot {
        &self.v1
    }

    /// The expiry settings.
    #[cfg(test)]
    pub(crate) fn expiry(&self) -> Expiry {
        self.additions.expiry
    }

    /// The timezone the schedules are read in, as given.
    #[cfg(test)]
    pub(crate) fn scheduling_timezone(&self) -> Option<&str> {
        self.additions.scheduling_timezone.as_deref()
    }

    /// The schedules, in the order given.
    #[cfg(test)]
    pub(crate) fn schedules(&self) -> &[Schedule] {
        &self.additions.schedules
    }

    /// How the target is found: the schedules as read, or why they were set aside.
    #[cfg(test)]
    pub(crate) fn target_rule(&self) -> &TargetRule {
        &self.additions.target_rule
    }

    /// Jobs queued but not started, on a non-active version.
    #[cfg(test)]
    pub(crate) fn pending_count(&self) -> i32 {
        self.additions.pending_count
    }

    /// Whether the preset is hard-limited.
    #[cfg(test)]
    pub(crate) fn is_hard_limited(&self) -> bool {
        self.additions.is_hard_limited
    }

    /// The preset's recorded prebuild status.
    pub fn prebuild_status(&self) -> PrebuildStatus {
        self.additions.prebuild_status
    }
}

impl PresetAdditions {
    /// Assembles checked additions; `schedules` come with their index in the caller's list.
    pub(super) fn new(
        preset: PresetV2,
        schedules: impl Iterator<Item = (usize, Schedule)>,
        pending_count: i32,
        is_hard_limited: bool,
    ) -> Self {
        let (rows, schedules): (Vec<usize>, Vec<Schedule>) = schedules.unzip();
        let target_rule = TargetRule::new(
            preset.scheduling_timezone.as_deref(),
            rows.iter().copied().zip(&schedules),
        );
        PresetAdditions {
            expiry: Expiry {
                ttl_seconds: preset.ttl,
                last_invalidated_at: preset.last_invalidated_at,
            },
            scheduling_timezone: preset.scheduling_timezone,
            schedules,
            target_rule,
            pending_count,
            is_hard_limited,
            prebuild_status: preset.prebuild_status,
        }
    }
}
