//! The v2 global snapshot: every preset's rows in flat lists, split per preset.
//!
//! v1's four lists are checked and split by v1's own [`GlobalSnapshot::new`], so they are
//! refused exactly as v1 does; v2's three lists are split beside them in one pass each over a
//! hash index of preset IDs. The split is upstream's `FilterByPreset`: a schedule belongs to
//! the preset named by its `preset_id`, and a preset takes its first backoff row and its first
//! pending row (Coder's query gives one per preset). Upstream compares an in-progress or pending
//! row's nullable preset ID without its null flag, so a null there names the preset whose ID is
//! the nil UUID, `00000000-0000-0000-0000-000000000000`. Columns upstream never reads as null
//! (a running row's `current_preset_id` is checked; a schedule's or backoff row's preset cannot
//! be null in Coder's database) keep v1's rule: null names no preset.
//! v2's values are never refused, and a preset's bad schedule becomes that preset's
//! `schedule_error`: no row of one preset can take the other presets' decisions away.

use uuid::Uuid;

use super::reconcile::{DecisionV2, PresetView};
use super::snapshot::{PendingCount, PresetAdditions, PresetV2, Schedule};
use crate::domain::explain::Explanation;
use crate::domain::global::GlobalSnapshot;
use crate::domain::go_time::{GoDuration, Timestamp};
use crate::domain::snapshot::{Backoff, InProgressCount, RunningPrebuild, SnapshotError};

/// Every preset's rows as the control plane sends them, before any check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalRowsV2 {
    /// The preset rows.
    pub presets: Vec<PresetV2>,
    /// Running prebuilds; each belongs to the preset named by its `current_preset_id`.
    pub running: Vec<RunningPrebuild>,
    /// In-progress counts; each belongs to the preset named by its `preset_id`.
    pub in_progress: Vec<InProgressCount>,
    /// Backoff rows; a preset takes the first naming it.
    pub backoffs: Vec<Backoff>,
    /// Schedules; each belongs to the preset named by its `preset_id`, in list order.
    pub schedules: Vec<Schedule>,
    /// Pending-job counts; a preset takes the first row naming it.
    pub pending: Vec<PendingCount>,
    /// IDs of hard-limited presets.
    pub hard_limited: Vec<Uuid>,
}

/// Every preset's rows, checked and split per preset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalSnapshotV2 {
    /// v1's split of v1's four lists.
    v1: GlobalSnapshot,
    /// v2's additions of each preset, in the order of the presets list.
    additions: Vec<PresetAdditions>,
}

impl GlobalSnapshotV2 {
    /// Checks the lists and splits them per preset.
    ///
    /// v1's checks run on v1's lists, by v1's constructor (with v1's fields and positions).
    /// Rows naming no listed preset are ignored, as are hard-limited IDs not listed.
    pub fn new(rows: GlobalRowsV2) -> Result<Self, SnapshotError> {
        let GlobalRowsV2 {
            presets,
            running,
            mut in_progress,
            backoffs,
            schedules,
            pending,
            hard_limited,
        } = rows;

        // `prebuild.PresetID.UUID == preset.ID`: a null is compared as the nil UUID.
        let nullable = |id: Option<Uuid>| Some(id.unwrap_or(Uuid::nil()));
        for row in &mut in_progress {
            row.preset_id = nullable(row.preset_id);
        }

        let v1_presets = presets.iter().map(|preset| preset.preset).collect();
        let v1 = GlobalSnapshot::new(v1_presets, running, in_progress, backoffs)?;
        // v2's lists are split by v1's index of the presets.
        let owner = |id: Option<Uuid>| v1.owner(id);

        let mut schedules_of: Vec<Vec<(usize, Schedule)>> = vec![Vec::new(); presets.len()];
        for (row, schedule) in schedules.into_iter().enumerate() {
            if let Some(index) = owner(schedule.preset_id) {
                schedules_of[index].push((row, schedule));
            }
        }

        let mut pending_of: Vec<Option<i32>> = vec![None; presets.len()];
        for row in &pending {
            if let Some(index) = owner(nullable(row.preset_id)) {
                pending_of[index].get_or_insert(row.count);
            }
        }

        let mut hard_limited_of: Vec<bool> = vec![false; presets.len()];
        for id in hard_limited {
            if let Some(index) = owner(Some(id)) {
                hard_limited_of[index] = true;
            }
        }

        let additions = presets
            .into_iter()
            .zip(schedules_of)
            .zip(pending_of)
            .zip(hard_limited_of)
            .map(|(((preset, schedules), pending_count), is_hard_limited)| {
                PresetAdditions::new(
                    preset,
                    schedules.into_iter(),
                    pending_count.unwrap_or(0),
                    is_hard_limited,
                )
            })
            .collect();
        Ok(GlobalSnapshotV2 { v1, additions })
    }

    /// Every preset's decision, in the order of the presets list, each with its explanation
    /// when `explain` is set.
    ///
    /// The only error is v1's backoff window (past Go's `time.Duration` or year 9999); it names
    /// the backoff row the preset was given, as the caller listed it.
    pub fn decide(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        explain: bool,
    ) -> Result<Vec<(DecisionV2, Option<Explanation>)>, SnapshotError> {
        self.v1.each_preset(|index, v1| {
            let view = PresetView {
                v1,
                additions: &self.additions[index],
            };
            let mut explanation = explain.then(Explanation::default);
            view.decide(now, backoff_interval, &mut explanation)
                .map(|decision| (decision, explanation))
                .map_err(|error| self.v1.relocate_backoff_error(error, index))
        })
    }

    /// Each preset as the decision reads it, in the order of the presets list.
    pub(super) fn views(&self) -> impl Iterator<Item = PresetView<'_>> {
        self.v1
            .presets()
            .iter()
            .zip(&self.additions)
            .map(|(v1, additions)| PresetView { v1, additions })
    }
}
