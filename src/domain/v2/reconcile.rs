//! The v2 decision: the rules of `docs/v2.md`, in upstream's order.
//!
//! The shape follows the seed (`calculate_state`, `calculate_actions`), grown the way Coder's own
//! code grew: expired prebuilds are told apart at `now`, the target may come from a schedule,
//! and a pass answers a list of actions. v1's pieces are reused where v2 keeps them: v1's state
//! gives `actual` and the in-progress sums, and v1's decision gives the backoff answer.

use uuid::Uuid;

use super::schedule::{Target, TargetSource};
use super::snapshot::{PrebuildStatus, PresetAdditions, PresetSnapshotV2};
use crate::domain::explain::Trace;
use crate::domain::go_time::{GoDuration, Timestamp};
use crate::domain::reconcile::ReconciliationState;
use crate::domain::snapshot::{PresetSnapshot, RunningPrebuild, SnapshotError, oldest_ids};

/// The derived counts of a preset's prebuilds under v2's rules.
///
/// A running prebuild is *expired* at `now` when it was created before the preset's
/// `last_invalidated_at`, or has lived longer than its TTL; the others are *live*.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateV2 {
    /// v1's counts, under v2's rules: `actual` counts expired and live prebuilds alike (as
    /// v1's does); `desired` is the target when the preset is active (`scheduled_target`), 0
    /// otherwise; `eligible` counts live prebuilds ready to be claimed, and `extraneous` the live
    /// ones beyond `desired` (`max(live − desired, 0)`, in int32 as upstream computes it; with a
    /// negative target it exceeds `live`), both 0 for an inactive preset. Expired prebuilds are
    /// deleted by their own action, so they are neither eligible nor extraneous. The in-progress
    /// sums are v1's.
    pub counts: ReconciliationState,
    /// Running prebuilds expired at `now`, whether the preset is active or not.
    pub expired: i32,
    /// The target rule 2 gives, before the active check: told even for an inactive preset.
    pub scheduled_target: i32,
    /// Where `scheduled_target` came from.
    pub target_source: TargetSource,
    /// Why the schedules were set aside, when they were.
    pub schedule_error: Option<String>,
    /// Whether the preset is hard-limited (so it creates nothing).
    pub hard_limited: bool,
    /// Whether the preset's `prebuild_status` is `validation_failed` (so it creates nothing).
    pub validation_failed: bool,
}

/// One action of a v2 decision: v1's three kinds and cancelling pending jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionV2 {
    /// Create this many prebuilds (always above 0).
    Create(i32),
    /// Delete these prebuilds (never an empty list).
    Delete(Vec<Uuid>),
    /// Create nothing until this instant, because recent builds failed; always alone.
    Backoff(Timestamp),
    /// Cancel this many jobs queued on a non-active version (always above 0).
    CancelPending(i32),
}

/// One preset's v2 decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionV2 {
    /// The preset decided.
    pub preset_id: Uuid,
    /// The derived counts.
    pub state: StateV2,
    /// What to do, in order; empty when there is nothing to do.
    pub actions: Vec<ActionV2>,
    /// Whether a later pass may skip this preset (rule 6).
    pub can_skip: bool,
}

impl DecisionV2 {
    /// The contract's `noop`: the action list is empty.
    pub fn is_noop(&self) -> bool {
        self.actions.is_empty()
    }
}

impl PresetSnapshotV2 {
    /// Whether the preset's version is the active one and its template neither deleted nor
    /// deprecated (v1's rule, unchanged).
    pub fn is_active(&self) -> bool {
        self.view().is_active()
    }

    /// The counts at `now`.
    pub fn calculate_state(&self, now: Timestamp) -> StateV2 {
        let view = self.view();
        view.calculate_state(&view.expired_at(now), now)
    }

    /// The actions at `now`, with `backoff_interval` per failure, each rule reported to
    /// `trace`. The only error is v1's: a backoff window past Go's `time.Duration` or past year
    /// 9999.
    pub fn calculate_actions(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<Vec<ActionV2>, SnapshotError> {
        let view = self.view();
        let expired = view.expired_at(now);
        let state = view.calculate_state(&expired, now);
        view.calculate_actions(&expired, &state, now, backoff_interval, trace)
    }

    /// Rule 6: whether a later pass may skip this preset.
    pub fn can_skip(&self) -> bool {
        self.view().can_skip()
    }

    /// State, actions and `can_skip` together, at `now` with `backoff_interval` per failure,
    /// each rule reported to `trace`.
    pub fn decide(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<DecisionV2, SnapshotError> {
        self.view().decide(now, backoff_interval, trace)
    }

    /// The snapshot as the decision reads it.
    pub(super) fn view(&self) -> PresetView<'_> {
        PresetView {
            v1: &self.v1,
            additions: &self.additions,
        }
    }
}

/// One preset's checked rows, borrowed: a single snapshot's, or one preset's of a global
/// snapshot (which keeps v1's split and v2's additions side by side, so nothing is copied).
#[derive(Clone, Copy)]
pub(super) struct PresetView<'a> {
    /// v1's rows of the preset.
    pub(super) v1: &'a PresetSnapshot,
    /// v2's additions for the same preset.
    pub(super) additions: &'a PresetAdditions,
}

impl PresetView<'_> {
    pub(super) fn is_active(&self) -> bool {
        self.v1.is_active()
    }

    fn running(&self) -> &[RunningPrebuild] {
        self.v1.running()
    }

    /// Rule 1: for each running prebuild, in input order, whether it is expired at `now`.
    fn expired_at(&self, now: Timestamp) -> Vec<bool> {
        let expiry = self.additions.expiry;
        self.running()
            .iter()
            .map(|prebuild| expiry.is_expired(prebuild.created_at, now))
            .collect()
    }

    /// Rule 2: the target at `now`, before the active check.
    pub(super) fn target_at(&self, now: Timestamp) -> Target {
        self.additions
            .target_rule
            .target(self.v1.preset().desired_instances, now)
    }

    /// The counts, given which running prebuilds are expired at `now`.
    fn calculate_state(&self, expired: &[bool], now: Timestamp) -> StateV2 {
        // v1's state gives `actual` (every running row) and the in-progress sums as they are,
        // and for an inactive preset its desired, eligible and extraneous are already 0.
        let mut state = self.v1.calculate_state();
        let target = self.target_at(now);
        let running = self.running();
        // At most the running count, which v1's checks cap at i32::MAX.
        let expired_count = expired.iter().filter(|&&is_expired| is_expired).count() as i32;
        if self.is_active() {
            let live = state.actual - expired_count;
            state.desired = target.instances;
            state.eligible = running
                .iter()
                .zip(expired)
                .filter(|&(prebuild, &is_expired)| prebuild.ready && !is_expired)
                .count() as i32;
            // In int32 as upstream computes it: a target near -2147483648 wraps to 0 here.
            state.extraneous = live.wrapping_sub(state.desired).max(0);
        }
        StateV2 {
            counts: state,
            expired: expired_count,
            scheduled_target: target.instances,
            target_source: target.source,
            schedule_error: target.schedule_error,
            hard_limited: self.additions.is_hard_limited,
            validation_failed: self.additions.prebuild_status == PrebuildStatus::ValidationFailed,
        }
    }

    /// Rules 3–5, in order: backoff alone; else the inactive rule; else the active rule.
    fn calculate_actions(
        &self,
        expired: &[bool],
        state: &StateV2,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<Vec<ActionV2>, SnapshotError> {
        // Rule 3 is v1's backoff rule, by v1's own code.
        if let Some(until) = self.v1.needs_backoff_period(now, backoff_interval, trace)? {
            return Ok(vec![ActionV2::Backoff(until)]);
        }
        if !self.is_active() {
            trace.step("inactive", || {
                format!(
                    "template version is not active ({})",
                    self.v1.preset().inactive_reasons()
                )
            });
            return Ok(self.handle_inactive_template_version(state, trace));
        }
        trace.step("active", || "template version is active".to_owned());
        Ok(self.handle_active_template_version(expired, state, trace))
    }

    /// Rule 4: cancel the pending jobs, then delete every running prebuild, expired ones
    /// included, oldest first, in one action.
    ///
    /// Deliberate: upstream deletes only the live ones here and leaks the expired ones. As in
    /// v1, prebuilds already being deleted are listed again.
    fn handle_inactive_template_version(
        &self,
        state: &StateV2,
        trace: &mut impl Trace,
    ) -> Vec<ActionV2> {
        let mut actions = Vec::new();
        if self.additions.pending_count > 0 {
            trace.step("cancel_pending", || {
                format!(
                    "{} jobs queued on a non-active version: cancel them",
                    self.additions.pending_count
                )
            });
            actions.push(ActionV2::CancelPending(self.additions.pending_count));
        }
        trace.step("delete_all", || {
            format!(
                "{} running ({} expired): delete every one, oldest first",
                state.counts.actual, state.expired
            )
        });
        if !self.running().is_empty() {
            actions.push(ActionV2::Delete(oldest_ids(
                self.running().iter(),
                self.running().len(),
            )));
        }
        actions
    }

    /// Rule 5: delete the expired prebuilds (input order), then the oldest extraneous live ones,
    /// then create what is missing beyond the live ones and those starting, unless the preset
    /// is hard-limited or failed validation. Pending jobs are left alone: they belong to an
    /// active version.
    fn handle_active_template_version(
        &self,
        expired: &[bool],
        state: &StateV2,
        trace: &mut impl Trace,
    ) -> Vec<ActionV2> {
        let mut actions = Vec::new();
        let (expired_rows, live_rows): (Vec<_>, Vec<_>) = self
            .running()
            .iter()
            .zip(expired)
            .partition(|&(_, &is_expired)| is_expired);
        if !expired_rows.is_empty() {
            trace.step("expiry", || {
                format!("delete the {} expired, in input order", expired_rows.len())
            });
            actions.push(ActionV2::Delete(
                expired_rows
                    .iter()
                    .map(|(prebuild, _)| prebuild.id)
                    .collect(),
            ));
        }
        // With a negative target and nothing live, upstream's decision holds a delete of no
        // prebuilds, which does nothing; it is left out here.
        if state.counts.extraneous > 0 && !live_rows.is_empty() {
            trace.step("extraneous", || {
                format!(
                    "{} live, {} desired: delete the oldest {}",
                    live_rows.len(),
                    state.counts.desired,
                    state.counts.extraneous.min(live_rows.len() as i32)
                )
            });
            actions.push(ActionV2::Delete(oldest_ids(
                live_rows.iter().map(|&(prebuild, _)| prebuild),
                state.counts.extraneous as usize,
            )));
        }
        // At most the running count, which v1's checks cap at i32::MAX.
        let live = live_rows.len() as i32;
        // Upstream computes the create in int32, which wraps past its range, and its reconciler
        // then clamps it to the target; with any count a deployment has, neither changes it.
        let computed = state
            .counts
            .desired
            .wrapping_sub(live)
            .wrapping_sub(state.counts.starting);
        let to_create = computed.min(state.counts.desired).max(0);
        let arithmetic = || {
            let exact = i64::from(state.counts.desired)
                - i64::from(live)
                - i64::from(state.counts.starting);
            let mut text = format!(
                "{} desired − {live} live − {} starting = {exact}",
                state.counts.desired, state.counts.starting
            );
            if i64::from(computed) != exact {
                text += &format!(" ({computed} in int32, as upstream computes it)");
            }
            if computed > state.counts.desired {
                text += &format!(", at most the target {}", state.counts.desired);
            }
            text
        };
        // Deliberate: upstream computes this create and its reconciler drops it for a
        // hard-limited preset, or one whose prebuild status is validation_failed; here the
        // decision itself leaves it out.
        if to_create > 0 && state.hard_limited {
            trace.step("hard_limit", || {
                format!(
                    "{}: would create {to_create}, but the preset is hard-limited",
                    arithmetic()
                )
            });
        } else if to_create > 0 && state.validation_failed {
            trace.step("validation_failed", || {
                format!(
                    "{}: would create {to_create}, but the preset's prebuild_status is \
                     validation_failed (until a new template version is promoted)",
                    arithmetic()
                )
            });
        } else {
            trace.step("create", || format!("{}: create {to_create}", arithmetic()));
            if to_create > 0 {
                actions.push(ActionV2::Create(to_create));
            }
        }
        actions
    }

    /// Rule 6: only an inactive preset with nothing running, nothing pending (a count of 0 or
    /// less) and no backoff row (whatever it counts) may be skipped; hard-limited or not, and
    /// the prebuild status, do not matter.
    fn can_skip(&self) -> bool {
        !self.is_active()
            && self.running().is_empty()
            && self.additions.pending_count <= 0
            && self.v1.backoff().is_none()
    }

    /// State, actions and `can_skip`, with the expiry rule evaluated once for both.
    pub(super) fn decide(
        &self,
        now: Timestamp,
        backoff_interval: GoDuration,
        trace: &mut impl Trace,
    ) -> Result<DecisionV2, SnapshotError> {
        let expired = self.expired_at(now);
        let state = self.calculate_state(&expired, now);
        trace.step("expiry", || {
            let expiry = self.additions.expiry;
            let ttl = match expiry.ttl_seconds {
                Some(ttl) if ttl > 0 => format!("ttl {ttl}s"),
                _ => "no ttl".to_owned(),
            };
            let invalidated = match expiry.last_invalidated_at {
                Some(at) => format!("invalidated at {at}"),
                None => "never invalidated".to_owned(),
            };
            format!(
                "{} of {} running expired at {now} ({ttl}, {invalidated})",
                state.expired, state.counts.actual
            )
        });
        trace.step("target", || {
            let target = self
                .additions
                .target_rule
                .describe(self.v1.preset().desired_instances, now);
            if self.is_active() {
                target
            } else {
                format!("{target}; inactive, so desired is 0")
            }
        });
        let actions = self.calculate_actions(&expired, &state, now, backoff_interval, trace)?;
        Ok(DecisionV2 {
            preset_id: self.v1.preset().id,
            state,
            actions,
            can_skip: self.can_skip(),
        })
    }
}
