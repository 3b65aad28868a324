//! The seed's decision (`coderd/prebuilds/preset_snapshot.go`), function by function.
//!
//! Read it beside the Go: `CalculateState` is [`PresetSnapshot::calculate_state`],
//! `CalculateActions` is [`PresetSnapshot::calculate_actions`], and the helpers keep their names
//! in snake case. The clock is a parameter (`now`), as `quartz.Clock` is in the seed.

use uuid::Uuid;

use super::explain::Trace;
use super::go_time::{GoDuration, Timestamp};
use super::snapshot::{Field, PresetSnapshot, SnapshotError, Transition, oldest_ids};

/// The derived counts of a preset's prebuilds (`ReconciliationState`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReconciliationState {
    /// Running prebuilds.
    pub actual: i32,
    /// Prebuilds the preset asks for (0 when the preset is inactive).
    pub desired: i32,
    /// Running prebuilds ready to be claimed (0 when inactive).
    pub eligible: i32,
    /// Running prebuilds beyond `desired` (0 when inactive).
    pub extraneous: i32,
    /// Builds starting.
    pub starting: i32,
    /// Builds stopping.
    pub stopping: i32,
    /// Builds deleting.
    pub deleting: i32,
}

/// The one action to take (`ReconciliationActions`, whose `ActionType` says which field is set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconciliationActions {
    /// Create this many prebuilds (possibly 0).
    Create(i32),
    /// Delete these prebuilds, oldest first (possibly none).
    Delete(Vec<Uuid>),
    /// Create nothing until this instant, because recent builds failed.
    Backoff(Timestamp),
}

impl ReconciliationActions {
    /// `IsNoop`: nothing to create, nothing to delete, and a zero backoff instant.
    ///
    /// Quirk kept: the seed tests `BackoffUntil.IsZero()`, so a backoff ending exactly at
    /// 0001-01-01T00:00:00Z counts as a no-op.
    pub fn is_noop(&self) -> bool {
        match self {
            ReconciliationActions::Create(n) => *n == 0,
            ReconciliationActions::Delete(ids) => ids.is_empty(),
            ReconciliationActions::Backoff(until) => until.is_zero(),
        }
    }
}

impl PresetSnapshot {
    /// `CalculateState`: the counts the actions are derived from.
    pub fn calculate_state(&self) -> ReconciliationState {
        // `new` caps the running list at i32::MAX rows.
        let actual = i32::try_from(self.running.len()).unwrap_or(i32::MAX);
        let (mut desired, mut eligible, mut extraneous) = (0, 0, 0);
        if self.is_active() {
            desired = self.preset.desired_instances;
            eligible = self.count_eligible();
            extraneous = (actual - desired).max(0);
        }
        let (starting, stopping, deleting) = self.count_in_progress();
        ReconciliationState {
            actual,
            desired,
            eligible,
            extraneous,
            starting,
            stopping,
            deleting,
        }
    }

    /// `CalculateActions`: backoff first, then the inactive or the active rule, each reported to
    /// `trace` (pass `&mut NoTrace`, or an `Option<Explanation>` that is `Some` to explain).
    ///
    /// The only error is a backoff window that the seed would compute wrongly (past int64
    /// nanoseconds) or that RFC 3339 cannot write (past year 9999).
    pub fn calculate_actions(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<ReconciliationActions, SnapshotError> {
        self.calculate_actions_in(&self.calculate_state(), now, backoff_interval, trace)
    }

    /// [`PresetSnapshot::calculate_actions`] given the state, so a decision computes it once.
    pub(crate) fn calculate_actions_in(
        &self,
        state: &ReconciliationState,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<ReconciliationActions, SnapshotError> {
        if let Some(until) = self.needs_backoff_period(now, backoff_interval, trace)? {
            return Ok(ReconciliationActions::Backoff(until));
        }
        if !self.is_active() {
            trace.step("inactive", || {
                format!(
                    "template version is not active ({})",
                    self.preset.inactive_reasons()
                )
            });
            return Ok(self.handle_inactive_template_version(trace));
        }
        trace.step("active", || {
            "template version is active (the preset's version is the active one; the template \
             is neither deleted nor deprecated)"
                .to_owned()
        });
        Ok(self.handle_active_template_version(state, trace))
    }

    /// `isActive`: the preset's version is the active one, and the template is neither deleted
    /// nor deprecated.
    pub fn is_active(&self) -> bool {
        self.preset.is_active()
    }

    /// `handleActiveTemplateVersion`: delete the oldest extraneous prebuilds, or else create
    /// what is missing beyond those already starting.
    fn handle_active_template_version(
        &self,
        state: &ReconciliationState,
        trace: &mut impl Trace,
    ) -> ReconciliationActions {
        if state.extraneous > 0 {
            trace.step("extraneous", || {
                format!(
                    "{} running, {} desired: delete the oldest {}",
                    state.actual, state.desired, state.extraneous
                )
            });
            return ReconciliationActions::Delete(
                self.get_oldest_prebuild_ids(state.extraneous as usize),
            );
        }
        // Cannot overflow: extraneous is 0, so desired >= actual, and starting >= 0.
        let prebuilds_to_create = (state.desired - state.actual - state.starting).max(0);
        trace.step("create", || {
            format!(
                "{} desired − {} running − {} starting = {}: create {}",
                state.desired,
                state.actual,
                state.starting,
                state.desired - state.actual - state.starting,
                prebuilds_to_create
            )
        });
        ReconciliationActions::Create(prebuilds_to_create)
    }

    /// `handleInactiveTemplateVersion`: delete every running prebuild, oldest first.
    ///
    /// Quirk kept: despite the seed's comment, prebuilds already being deleted are not excluded;
    /// every running row is listed, and with none the answer is an empty delete (a no-op).
    fn handle_inactive_template_version(&self, trace: &mut impl Trace) -> ReconciliationActions {
        trace.step("delete_all", || {
            let (_, _, deleting) = self.count_in_progress();
            format!(
                "{} running: delete every one, oldest first (the seed does not subtract the {} \
                 already being deleted)",
                self.running.len(),
                deleting
            )
        });
        ReconciliationActions::Delete(self.get_oldest_prebuild_ids(self.running.len()))
    }

    /// `needsBackoffPeriod`: with failures on record, back off until
    /// `last_build_at + num_failed × interval`; the instant it ends, or `None`. v2's rule 3 is
    /// this one.
    ///
    /// Quirk kept: Go's `Now().After(until)` is false at `now == until`, so that instant still
    /// backs off.
    pub(crate) fn needs_backoff_period(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<Option<Timestamp>, SnapshotError> {
        let Some(backoff) = &self.backoff else {
            trace.step("backoff", || {
                "no backoff row: no recent failures".to_owned()
            });
            return Ok(None);
        };
        if backoff.num_failed == 0 {
            trace.step("backoff", || "0 failures on record: no backoff".to_owned());
            return Ok(None);
        }
        let field = Field::BackoffNumFailed { row: 0 };
        let window = backoff_interval
            .checked_mul(i64::from(backoff.num_failed))
            .ok_or(SnapshotError::BackoffWindowPastDuration {
                field,
                num_failed: backoff.num_failed,
                interval: backoff_interval,
            })?;
        let backoff_until = backoff.last_build_at.checked_add(window).ok_or(
            SnapshotError::BackoffUntilPastYear9999 {
                field,
                num_failed: backoff.num_failed,
                interval: backoff_interval,
                last_build_at: backoff.last_build_at,
            },
        )?;
        let after = now.is_after(&backoff_until);
        trace.step("backoff", || {
            format!(
                "{} failures, last at {}, window {} × {}, until {}, now ({}) is {}",
                backoff.num_failed,
                backoff.last_build_at,
                backoff.num_failed,
                backoff_interval,
                backoff_until,
                now,
                if after {
                    "after it: no backoff"
                } else {
                    "not after it: back off"
                }
            )
        });
        Ok((!after).then_some(backoff_until))
    }

    /// `countEligible`: running prebuilds whose agents are ready.
    fn count_eligible(&self) -> i32 {
        // At most the running count, which `new` caps at i32::MAX.
        self.running
            .iter()
            .filter(|prebuild| prebuild.ready)
            .count() as i32
    }

    /// `countInProgress`: builds in flight, summed by transition. `new` checked the sums fit.
    fn count_in_progress(&self) -> (i32, i32, i32) {
        let (mut starting, mut stopping, mut deleting) = (0i32, 0i32, 0i32);
        for progress in &self.in_progress {
            let num = progress.count;
            match progress.transition {
                Transition::Start => starting = starting.saturating_add(num),
                Transition::Stop => stopping = stopping.saturating_add(num),
                Transition::Delete => deleting = deleting.saturating_add(num),
            }
        }
        (starting, stopping, deleting)
    }

    /// `getOldestPrebuildIDs`: the IDs of the `n` oldest running prebuilds, oldest first (ties
    /// in input order; see [`oldest_ids`]).
    fn get_oldest_prebuild_ids(&self, n: usize) -> Vec<Uuid> {
        oldest_ids(self.running.iter(), n)
    }
}
