//! The v2 input: v1's rows of one preset plus what today's Coder reads beside them.
//!
//! [`PresetSnapshotV2::new`] is the one way in, as [`PresetSnapshot::new`] is for v1: it runs
//! v1's checks unchanged (through v1's own constructor), then v2's (negative TTL, schedule
//! targets and pending counts), and reads the timezone and schedules once into a
//! [`TargetRule`]. A bad schedule is not an input error: it becomes the decision's
//! `schedule_error`.

use thiserror::Error;
use uuid::Uuid;

use super::expiry::Expiry;
use super::schedule::TargetRule;
use crate::domain::go_time::Timestamp;
use crate::domain::snapshot::{
    Backoff, Field, InProgressCount, Preset, PresetSnapshot, RunningPrebuild, SnapshotError,
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
}

/// A prebuild schedule row: while the expression matches, the preset's target is
/// `desired_instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK` (see [`super::cron`]).
    pub cron_expression: String,
    /// The target while the schedule is in force.
    pub desired_instances: i32,
    /// The preset the schedule belongs to; used only to split a global snapshot.
    pub preset_id: Option<Uuid>,
}

/// A count of a preset's jobs queued but not started, on a version that is no longer active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingCount {
    /// The preset the jobs are for; a row with none belongs to no preset.
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
    /// Jobs of this preset queued but not started, on a non-active version.
    pub pending_count: i32,
    /// Whether the preset's last builds all failed, up to the failure limit.
    pub is_hard_limited: bool,
}

/// The field a v2 input error is about, by position in the lists the caller sent.
///
/// In a single preset's snapshot `preset` is always 0 (the pointer is `/preset/…`); in a global
/// snapshot it indexes the `presets` list (`/presets/{preset}/…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldV2 {
    /// A field v1 already names; its pointer is v1's.
    Seed(Field),
    /// A preset's `ttl`: `/preset/ttl` or `/presets/{preset}/ttl`.
    Ttl {
        /// Index in the presets list.
        preset: usize,
    },
    /// A schedule's `desired_instances`: `/schedules/{row}/desired_instances`, in a single
    /// snapshot and a global one alike.
    ScheduleDesiredInstances {
        /// Index in the schedules list.
        row: usize,
    },
    /// A single snapshot's `pending_count`: `/pending_count`.
    PendingCount,
    /// A global snapshot's pending row's `count`: `/pending/{row}/count`.
    PendingRowCount {
        /// Index in the pending list.
        row: usize,
    },
}

/// An input the v2 contract does not accept, and the field it is about.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SnapshotErrorV2 {
    /// One of v1's checks (or v1's backoff window) refused the input; the field is v1's.
    #[error(transparent)]
    Seed(#[from] SnapshotError),
    /// A v2 count or duration below zero.
    #[error("must be 0 or more, got {value}")]
    Negative {
        /// Where.
        field: FieldV2,
        /// What was given.
        value: i32,
    },
    /// A preset's pending rows add up past int32 (Coder counts them in an int32).
    #[error("the pending counts of preset {preset_id} add up past 2147483647 (int32) at this row")]
    PendingSumPastInt32 {
        /// The row at which the sum overflows.
        field: FieldV2,
        /// The preset whose rows they are.
        preset_id: Uuid,
    },
}

impl SnapshotErrorV2 {
    /// The field the error is about.
    pub fn field(&self) -> FieldV2 {
        match self {
            SnapshotErrorV2::Seed(error) => FieldV2::Seed(error.field()),
            SnapshotErrorV2::Negative { field, .. }
            | SnapshotErrorV2::PendingSumPastInt32 { field, .. } => *field,
        }
    }
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
}

/// One preset's rows, checked: v1's snapshot plus v2's additions. Built only through
/// [`PresetSnapshotV2::new`] (or split from a global snapshot), so the decision can trust it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetSnapshotV2 {
    /// v1's snapshot, built by v1's constructor.
    pub(super) seed: PresetSnapshot,
    /// What v2 adds.
    pub(super) additions: PresetAdditions,
}

impl PresetSnapshotV2 {
    /// Checks the rows and assembles the snapshot: v1's checks first, by v1's own constructor
    /// (negative `desired_instances`, `count` or `num_failed`, duplicate running IDs, int32
    /// sums), then v2's (negative `ttl`, schedule `desired_instances` or `pending_count`).
    pub fn new(rows: PresetRowsV2) -> Result<Self, SnapshotErrorV2> {
        let PresetRowsV2 {
            preset,
            running,
            in_progress,
            backoff,
            schedules,
            pending_count,
            is_hard_limited,
        } = rows;
        let seed = PresetSnapshot::new(preset.preset, running, in_progress, backoff)?;
        check_ttl(&preset, 0)?;
        for (row, schedule) in schedules.iter().enumerate() {
            check_schedule(schedule, row)?;
        }
        if pending_count < 0 {
            return Err(SnapshotErrorV2::Negative {
                field: FieldV2::PendingCount,
                value: pending_count,
            });
        }
        let additions = PresetAdditions::new(
            preset,
            schedules.into_iter().enumerate(),
            pending_count,
            is_hard_limited,
        );
        Ok(PresetSnapshotV2 { seed, additions })
    }

    /// v1's snapshot of the same rows: the preset row, running prebuilds, in-progress counts and
    /// backoff row.
    pub fn seed(&self) -> &PresetSnapshot {
        &self.seed
    }

    /// The expiry settings.
    pub fn expiry(&self) -> Expiry {
        self.additions.expiry
    }

    /// The timezone the schedules are read in, as given.
    pub fn scheduling_timezone(&self) -> Option<&str> {
        self.additions.scheduling_timezone.as_deref()
    }

    /// The schedules, in the order given.
    pub fn schedules(&self) -> &[Schedule] {
        &self.additions.schedules
    }

    /// How the target is found: the schedules as read, or why they were set aside.
    pub fn target_rule(&self) -> &TargetRule {
        &self.additions.target_rule
    }

    /// Jobs queued but not started, on a non-active version.
    pub fn pending_count(&self) -> i32 {
        self.additions.pending_count
    }

    /// Whether the preset is hard-limited.
    pub fn is_hard_limited(&self) -> bool {
        self.additions.is_hard_limited
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
        }
    }
}

/// A TTL may be absent or 0 (forever), never negative.
pub(super) fn check_ttl(preset: &PresetV2, index: usize) -> Result<(), SnapshotErrorV2> {
    match preset.ttl {
        Some(ttl) if ttl < 0 => Err(SnapshotErrorV2::Negative {
            field: FieldV2::Ttl { preset: index },
            value: ttl,
        }),
        _ => Ok(()),
    }
}

/// A schedule's target is a count like `desired_instances`: never negative.
pub(super) fn check_schedule(schedule: &Schedule, row: usize) -> Result<(), SnapshotErrorV2> {
    if schedule.desired_instances < 0 {
        return Err(SnapshotErrorV2::Negative {
            field: FieldV2::ScheduleDesiredInstances { row },
            value: schedule.desired_instances,
        });
    }
    Ok(())
}
