//! Coder's `GlobalSnapshot`: every preset's rows in four flat lists, split per preset the way
//! `GlobalSnapshot.FilterByPreset` splits them, then decided one preset at a time.
//!
//! The split is one pass over each list with a hash index of preset IDs, so a global call costs
//! the same per row whether it holds ten presets or ten thousand.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use uuid::Uuid;

use super::explain::{Explanation, Trace};
use super::go_time::{GoDuration, Timestamp};
use super::reconcile::{ReconciliationActions, ReconciliationState};
use super::snapshot::{
    Backoff, Field, InProgressCount, Preset, PresetSnapshot, RunningPrebuild, SnapshotError,
    check_count, check_desired_instances, check_in_progress_sums, check_num_failed, check_running,
};

/// One preset's decision: its state and the action to take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The preset decided.
    pub preset_id: Uuid,
    /// `CalculateState`.
    pub state: ReconciliationState,
    /// `CalculateActions`.
    pub actions: ReconciliationActions,
}

impl PresetSnapshot {
    /// The state and the action together, at `now` with `backoff_interval` per failure, each
    /// rule reported to `trace`.
    pub fn decide(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<Decision, SnapshotError> {
        let state = self.calculate_state();
        let actions = self.calculate_actions_in(&state, now, backoff_interval, trace)?;
        Ok(Decision {
            preset_id: self.preset.id,
            state,
            actions,
        })
    }
}

/// Every preset's rows, checked and split per preset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalSnapshot {
    /// One snapshot per preset, in the order of the presets list.
    presets: Vec<PresetSnapshot>,
    /// Each preset's position in that list, by ID.
    index_of: HashMap<Uuid, usize>,
    /// For each preset, the index in the backoffs list of the row it was given.
    backoff_rows: Vec<Option<usize>>,
}

impl GlobalSnapshot {
    /// Checks the lists against the contract and splits them per preset.
    ///
    /// A running row belongs to the preset whose ID is its `current_preset_id`, an in-progress
    /// row to the one whose ID is its `preset_id`, and a backoff row likewise (the first such
    /// row wins). Rows with no preset ID, or with one not in the list, are ignored.
    pub fn new(
        presets: Vec<Preset>,
        running: Vec<RunningPrebuild>,
        in_progress: Vec<InProgressCount>,
        backoffs: Vec<Backoff>,
    ) -> Result<Self, SnapshotError> {
        let mut index_of: HashMap<Uuid, usize> = HashMap::with_capacity(presets.len());
        for (index, preset) in presets.iter().enumerate() {
            check_desired_instances(preset, index)?;
            match index_of.entry(preset.id) {
                Entry::Occupied(first) => {
                    return Err(SnapshotError::DuplicatePresetId {
                        field: Field::PresetId { preset: index },
                        id: preset.id,
                        first: *first.get(),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert(index);
                }
            }
        }
        let owner = |id: Option<Uuid>| id.and_then(|id| index_of.get(&id).copied());

        // Duplicate running IDs are refused anywhere in the list, owned or not.
        check_running(&running, |row| row)?;
        let mut running_of: Vec<Vec<RunningPrebuild>> = vec![Vec::new(); presets.len()];
        for prebuild in running {
            if let Some(index) = owner(prebuild.current_preset_id) {
                running_of[index].push(prebuild);
            }
        }

        let mut in_progress_rows_of: Vec<Vec<usize>> = vec![Vec::new(); presets.len()];
        for (row, progress) in in_progress.iter().enumerate() {
            check_count(progress, row)?;
            if let Some(index) = owner(progress.preset_id) {
                in_progress_rows_of[index].push(row);
            }
        }
        for rows in &in_progress_rows_of {
            check_in_progress_sums(rows.iter().map(|&row| (row, &in_progress[row])))?;
        }

        let mut backoff_rows: Vec<Option<usize>> = vec![None; presets.len()];
        for (row, backoff) in backoffs.iter().enumerate() {
            check_num_failed(backoff, row)?;
            if let Some(index) = owner(backoff.preset_id) {
                backoff_rows[index].get_or_insert(row);
            }
        }

        let presets = presets
            .into_iter()
            .zip(running_of)
            .zip(in_progress_rows_of)
            .zip(&backoff_rows)
            .map(|(((preset, running), progress_rows), backoff_row)| {
                let in_progress = progress_rows.iter().map(|&row| in_progress[row]).collect();
                let backoff = backoff_row.map(|row| backoffs[row]);
                PresetSnapshot::from_checked(preset, running, in_progress, backoff)
            })
            .collect();
        Ok(GlobalSnapshot {
            presets,
            index_of,
            backoff_rows,
        })
    }

    /// The position of the preset a row names by `id`, if it is listed (`None` for no ID).
    pub(crate) fn owner(&self, id: Option<Uuid>) -> Option<usize> {
        id.and_then(|id| self.index_of.get(&id).copied())
    }

    /// Each preset's snapshot, in the order of the presets list.
    pub fn presets(&self) -> &[PresetSnapshot] {
        &self.presets
    }

    /// `FilterByPreset`: the snapshot of the preset with this ID, if it is listed.
    #[cfg(test)]
    pub(crate) fn filter_by_preset(&self, preset_id: Uuid) -> Option<&PresetSnapshot> {
        self.presets
            .iter()
            .find(|snapshot| snapshot.preset.id == preset_id)
    }

    /// Every preset's decision, in the order of the presets list, each with its explanation
    /// when `explain` is set.
    pub fn decide(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        explain: bool,
    ) -> Result<Vec<(Decision, Option<Explanation>)>, SnapshotError> {
        self.each_preset(|index, snapshot| {
            let mut explanation = explain.then(Explanation::default);
            snapshot
                .decide(now, backoff_interval, &mut explanation)
                .map(|decision| (decision, explanation))
                .map_err(|error| self.relocate_backoff_error(error, index))
        })
    }

    /// Runs `decide` on each preset's snapshot, with its position, in the order of the list.
    pub(crate) fn each_preset<T, E>(
        &self,
        decide: impl Fn(usize, &PresetSnapshot) -> Result<T, E>,
    ) -> Result<Vec<T>, E> {
        self.presets
            .iter()
            .enumerate()
            .map(|(index, snapshot)| decide(index, snapshot))
            .collect()
    }

    /// A preset's decision names its backoff row as row 0, as a single snapshot has it; in the
    /// global snapshot it is the row the preset at `index` was given, as the caller listed it.
    pub(crate) fn relocate_backoff_error(
        &self,
        mut error: SnapshotError,
        index: usize,
    ) -> SnapshotError {
        let row = self.backoff_rows[index].unwrap_or_default();
        match &mut error {
            SnapshotError::BackoffWindowPastDuration { field, .. }
            | SnapshotError::BackoffUntilPastYear9999 { field, .. } => {
                *field = Field::BackoffNumFailed { row };
            }
            _ => {}
        }
        error
    }
}
