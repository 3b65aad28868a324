//! The seed's input: one preset's rows, as Coder's database queries return them.
//!
//! The row types carry only the columns the decision reads (the API ignores the rest), with Go's
//! integer widths. [`PresetSnapshot::new`] is the one way in: it rejects what the seed would
//! silently miscompute (negative counts, duplicate IDs, int32 sums that wrap), so the decision in
//! [`super::reconcile`] has no error paths except the backoff window, which needs the interval.

use std::fmt;

use thiserror::Error;
use uuid::Uuid;

use super::go_time::{GoDuration, Timestamp};

/// A preset row (`GetTemplatePresetsWithPrebuildsRow`): the pool's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The preset's ID.
    pub id: Uuid,
    /// Whether the preset belongs to the template's active version.
    pub using_active_version: bool,
    /// Whether the template is deleted.
    pub deleted: bool,
    /// Whether the template is deprecated.
    pub deprecated: bool,
    /// How many prebuilds the pool should hold (`desired_instances.Int32`; NULL reads as 0).
    pub desired_instances: i32,
}

impl Preset {
    /// `isActive`: the preset's version is the active one, and the template is neither deleted
    /// nor deprecated.
    pub fn is_active(&self) -> bool {
        self.using_active_version && !self.deleted && !self.deprecated
    }

    /// Why the preset is inactive, e.g. `not the active version, deprecated`.
    pub(crate) fn inactive_reasons(&self) -> String {
        let reasons = [
            (!self.using_active_version, "not the active version"),
            (self.deleted, "deleted"),
            (self.deprecated, "deprecated"),
        ];
        let named: Vec<_> = reasons
            .iter()
            .filter(|(holds, _)| *holds)
            .map(|(_, why)| *why)
            .collect();
        named.join(", ")
    }
}

/// `getOldestPrebuildIDs`: the IDs of the `n` oldest of `prebuilds`, oldest first.
///
/// Deliberate: equal `created_at` values keep their input order (a stable sort), where Go's
/// `slices.SortFunc` leaves their order unspecified.
pub(crate) fn oldest_ids<'a>(
    prebuilds: impl Iterator<Item = &'a RunningPrebuild>,
    n: usize,
) -> Vec<Uuid> {
    let mut oldest_first: Vec<&RunningPrebuild> = prebuilds.collect();
    oldest_first.sort_by_key(|prebuild| prebuild.created_at);
    oldest_first
        .iter()
        .take(n)
        .map(|prebuild| prebuild.id)
        .collect()
}

/// A running prebuild row (`GetRunningPrebuiltWorkspacesRow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunningPrebuild {
    /// The prebuilt workspace's ID.
    pub id: Uuid,
    /// Whether its agents are ready, i.e. it can be claimed.
    pub ready: bool,
    /// When it was created; the oldest are deleted first.
    pub created_at: Timestamp,
    /// The preset it currently belongs to; used only to split a global snapshot.
    pub current_preset_id: Option<Uuid>,
}

/// A workspace transition, as counted for builds in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    /// Builds starting a workspace.
    Start,
    /// Builds stopping a workspace.
    Stop,
    /// Builds deleting a workspace.
    Delete,
}

impl Transition {
    /// The name Coder's database uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Stop => "stop",
            Transition::Delete => "delete",
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A count of builds in progress (`CountInProgressPrebuildsRow`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InProgressCount {
    /// Which transition the builds perform.
    pub transition: Transition,
    /// How many builds.
    pub count: i32,
    /// The preset the builds are for; used only to split a global snapshot.
    pub preset_id: Option<Uuid>,
}

/// A backoff row (`GetPresetsBackoffRow`): recent failed builds of the preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// How many recent builds failed.
    pub num_failed: i32,
    /// When the last of them was built.
    pub last_build_at: Timestamp,
    /// The preset the row is about; used only to split a global snapshot.
    pub preset_id: Option<Uuid>,
}

/// The field an input error is about, by position in the lists the caller sent.
///
/// In a single preset's snapshot `preset` and the backoff `row` are always 0; in a global
/// snapshot they index the `presets` and `backoffs` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A preset's `id`.
    PresetId {
        /// Index in the presets list.
        preset: usize,
    },
    /// A preset's `desired_instances`.
    DesiredInstances {
        /// Index in the presets list.
        preset: usize,
    },
    /// The running list as a whole.
    Running,
    /// A running prebuild's `id`.
    RunningId {
        /// Index in the running list.
        row: usize,
    },
    /// An in-progress row's `count`.
    InProgressCount {
        /// Index in the in-progress list.
        row: usize,
    },
    /// A backoff row's `num_failed`.
    BackoffNumFailed {
        /// Index in the backoff list.
        row: usize,
    },
}

/// An input the contract does not accept, and the field it is about.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SnapshotError {
    /// A count below zero, which the seed would happily subtract.
    #[error("must be 0 or more, got {value}")]
    Negative {
        /// Where.
        field: Field,
        /// What was given.
        value: i32,
    },
    /// Two running prebuilds with one ID: deleting "the oldest N" would be ambiguous.
    #[error("running prebuild {id} is listed twice (first at index {first})")]
    DuplicateRunningId {
        /// The second occurrence.
        field: Field,
        /// The repeated ID.
        id: Uuid,
        /// Index of the first occurrence.
        first: usize,
    },
    /// Two presets with one ID in a global snapshot.
    #[error("preset {id} is listed twice (first at index {first})")]
    DuplicatePresetId {
        /// The second occurrence.
        field: Field,
        /// The repeated ID.
        id: Uuid,
        /// Index of the first occurrence.
        first: usize,
    },
    /// More running prebuilds than int32 counts: the seed's `int32(len(p.Running))` would wrap.
    #[error("{count} running prebuilds is more than an int32 count holds")]
    TooManyRunning {
        /// Where.
        field: Field,
        /// How many rows.
        count: usize,
    },
    /// The in-progress counts of one transition add up past int32, where the seed's sum wraps.
    #[error("the {transition} counts add up past 2147483647 (int32) at this row")]
    InProgressSumPastInt32 {
        /// The row at which the sum overflows.
        field: Field,
        /// Which sum.
        transition: Transition,
    },
    /// `num_failed × backoff_interval` is past Go's `time.Duration`, where the seed's product wraps.
    #[error(
        "backoff window {num_failed} × {interval} is past Go's time.Duration (int64 nanoseconds, about 292 years)"
    )]
    BackoffWindowPastDuration {
        /// Where.
        field: Field,
        /// The failures counted.
        num_failed: i32,
        /// The interval per failure.
        interval: GoDuration,
    },
    /// The backoff would end after year 9999, which RFC 3339 cannot write.
    #[error(
        "backoff window {num_failed} × {interval} from {last_build_at} ends after year 9999, which RFC 3339 cannot write"
    )]
    BackoffUntilPastYear9999 {
        /// Where.
        field: Field,
        /// The failures counted.
        num_failed: i32,
        /// The interval per failure.
        interval: GoDuration,
        /// The last failed build.
        last_build_at: Timestamp,
    },
}

impl SnapshotError {
    /// The field the error is about.
    pub fn field(&self) -> Field {
        match self {
            SnapshotError::Negative { field, .. }
            | SnapshotError::DuplicateRunningId { field, .. }
            | SnapshotError::DuplicatePresetId { field, .. }
            | SnapshotError::TooManyRunning { field, .. }
            | SnapshotError::InProgressSumPastInt32 { field, .. }
            | SnapshotError::BackoffWindowPastDuration { field, .. }
            | SnapshotError::BackoffUntilPastYear9999 { field, .. } => *field,
        }
    }
}

/// A filtered view of one preset (`PresetSnapshot`): its row, its running prebuilds, counts of
/// its builds in progress, and its backoff row. Built only through [`PresetSnapshot::new`], so
/// every value in it is one the seed computes correctly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresetSnapshot {
    pub(super) preset: Preset,
    pub(super) running: Vec<RunningPrebuild>,
    pub(super) in_progress: Vec<InProgressCount>,
    pub(super) backoff: Option<Backoff>,
}

impl PresetSnapshot {
    /// Checks the rows against the contract and assembles the snapshot.
    pub fn new(
        preset: Preset,
        running: Vec<RunningPrebuild>,
        in_progress: Vec<InProgressCount>,
        backoff: Option<Backoff>,
    ) -> Result<Self, SnapshotError> {
        check_desired_instances(&preset, 0)?;
        check_running(&running, |row| row)?;
        for (row, progress) in in_progress.iter().enumerate() {
            check_count(progress, row)?;
        }
        check_in_progress_sums(in_progress.iter().enumerate())?;
        if let Some(backoff) = &backoff {
            check_num_failed(backoff, 0)?;
        }
        Ok(PresetSnapshot {
            preset,
            running,
            in_progress,
            backoff,
        })
    }

    /// Assembles rows already checked by a caller in this module tree (the global split).
    pub(super) fn from_checked(
        preset: Preset,
        running: Vec<RunningPrebuild>,
        in_progress: Vec<InProgressCount>,
        backoff: Option<Backoff>,
    ) -> Self {
        PresetSnapshot {
            preset,
            running,
            in_progress,
            backoff,
        }
    }

    /// The preset row.
    pub fn preset(&self) -> &Preset {
        &self.preset
    }

    /// The running prebuilds, in input order.
    pub fn running(&self) -> &[RunningPrebuild] {
        &self.running
    }

    /// The backoff row, if any.
    pub fn backoff(&self) -> Option<&Backoff> {
        self.backoff.as_ref()
    }
}

pub(super) fn check_desired_instances(preset: &Preset, index: usize) -> Result<(), SnapshotError> {
    if preset.desired_instances < 0 {
        return Err(SnapshotError::Negative {
            field: Field::DesiredInstances { preset: index },
            value: preset.desired_instances,
        });
    }
    Ok(())
}

/// Checks the running list's length and that no ID repeats; `position` maps a row's index in
/// `running` to its index in the list the caller sent.
pub(super) fn check_running(
    running: &[RunningPrebuild],
    position: impl Fn(usize) -> usize,
) -> Result<(), SnapshotError> {
    if i32::try_from(running.len()).is_err() {
        return Err(SnapshotError::TooManyRunning {
            field: Field::Running,
            count: running.len(),
        });
    }
    match first_repeat(running) {
        Some((first, second)) => Err(SnapshotError::DuplicateRunningId {
            field: Field::RunningId {
                row: position(second),
            },
            id: running[second].id,
            first: position(first),
        }),
        None => Ok(()),
    }
}

/// The earliest row whose ID an earlier row has, with that earlier row: `(first, second)`.
/// Few rows are compared pairwise; many are sorted by `(id, index)`, so no hashing either way.
fn first_repeat(running: &[RunningPrebuild]) -> Option<(usize, usize)> {
    /// Up to this many rows, comparing every pair costs less than sorting (and allocating).
    const PAIRWISE_UP_TO: usize = 32;
    if running.len() <= PAIRWISE_UP_TO {
        return (1..running.len()).find_map(|second| {
            (0..second)
                .find(|&first| running[first].id == running[second].id)
                .map(|first| (first, second))
        });
    }
    let mut by_id: Vec<(u128, usize)> = running
        .iter()
        .enumerate()
        .map(|(index, row)| (row.id.as_u128(), index))
        .collect();
    by_id.sort_unstable();
    // Within one ID the rows are in input order: its first two give its candidate pair.
    by_id
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| (pair[0].1, pair[1].1))
        .fold(None, |best: Option<(usize, usize)>, pair| match best {
            Some(best) if best.1 <= pair.1 => Some(best),
            _ => Some(pair),
        })
}

pub(super) fn check_count(progress: &InProgressCount, row: usize) -> Result<(), SnapshotError> {
    if progress.count < 0 {
        return Err(SnapshotError::Negative {
            field: Field::InProgressCount { row },
            value: progress.count,
        });
    }
    Ok(())
}

/// Checks that each transition's counts, summed as `countInProgress` sums them, fit in int32.
/// `rows` yields each row with its index in the list the caller sent.
pub(super) fn check_in_progress_sums<'a>(
    rows: impl Iterator<Item = (usize, &'a InProgressCount)>,
) -> Result<(), SnapshotError> {
    let (mut starting, mut stopping, mut deleting) = (0i32, 0i32, 0i32);
    for (row, progress) in rows {
        let sum = match progress.transition {
            Transition::Start => &mut starting,
            Transition::Stop => &mut stopping,
            Transition::Delete => &mut deleting,
        };
        *sum = sum
            .checked_add(progress.count)
            .ok_or(SnapshotError::InProgressSumPastInt32 {
                field: Field::InProgressCount { row },
                transition: progress.transition,
            })?;
    }
    Ok(())
}

pub(super) fn check_num_failed(backoff: &Backoff, row: usize) -> Result<(), SnapshotError> {
    if backoff.num_failed < 0 {
        return Err(SnapshotError::Negative {
            field: Field::BackoffNumFailed { row },
            value: backoff.num_failed,
        });
    }
    Ok(())
}
