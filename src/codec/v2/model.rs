//! The JSON of v2 (`docs/v2.md`): v1's bodies plus v2's fields, and `DecisionV2`.
//!
//! A v2 body is a v1 body with more fields: its types are declared by the same macros as v1's,
//! so v1's fields read (and are documented) alike, and it is read once, then split into v1's
//! snapshot (read into rows by v1's code) and what v2 adds.

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use crate::codec::model::{
    ActionCounts, BackoffAction, CreateAction, DeleteAction, ExplanationStep, GlobalSnapshot,
    Preset, PresetSnapshot, ReconciliationActions, ReconciliationState, action_union,
    global_snapshot, preset_row, preset_snapshot,
};
use crate::codec::wire::{GoDurationText, Int32, ObjectOnly, Rfc3339, WireUuid};
use crate::domain::v2 as domain;

preset_row! {
    /// A preset row for v2 (Coder's `GetTemplatePresetsWithPrebuildsRow`): every field of v1's
    /// Preset, plus ttl, last_invalidated_at, scheduling_timezone and prebuild_status.
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!(crate::codec::examples::v2_preset_snapshot()["preset"]))]
    pub struct PresetV2 {
        /// Seconds a prebuild may live: any int32; null, 0 or less: forever (upstream reads a
        /// negative TTL as none). A prebuild older than this at `now` is expired.
        #[schema(value_type = Option<i32>, minimum = -2147483648, maximum = 2147483647)]
        pub ttl: Option<Int32>,
        /// Prebuilds created before this instant are expired (RFC 3339 as Go reads it).
        #[schema(
            value_type = Option<String>,
            format = DateTime,
            pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
        )]
        pub last_invalidated_at: Option<Rfc3339>,
        /// The IANA timezone schedules are read in (`America/Los_Angeles`); empty, absent or unknown:
        /// schedules are set aside (see `schedule_error`).
        pub scheduling_timezone: Option<String>,
        /// What the control plane recorded about the preset's prebuilds (Coder's `prebuild_status`
        /// column); null or absent: `healthy`. `validation_failed` (a create failed template
        /// validation) leaves the create out of the answer, as upstream's reconciler skips it, until
        /// a new version is promoted; deletes still run. `hard_limited` changes nothing by itself:
        /// the hard limit is `is_hard_limited` (or the global `hard_limited` list).
        #[schema(value_type = Option<PrebuildStatus>)]
        pub prebuild_status: Option<PrebuildStatus>,
    }
}

/// What v2 adds to a preset row, apart from v1's columns.
#[derive(Clone, Debug, Default)]
pub struct PresetV2Fields {
    /// `ttl`.
    pub ttl: Option<Int32>,
    /// `last_invalidated_at`.
    pub last_invalidated_at: Option<Rfc3339>,
    /// `scheduling_timezone`.
    pub scheduling_timezone: Option<String>,
    /// `prebuild_status`.
    pub prebuild_status: Option<PrebuildStatus>,
}

impl PresetV2 {
    /// v1's columns, as v1's row, and v2's fields.
    pub fn split(self) -> (Preset, PresetV2Fields) {
        let v1 = Preset {
            id: self.id,
            using_active_version: self.using_active_version,
            deleted: self.deleted,
            deprecated: self.deprecated,
            desired_instances: self.desired_instances,
            name: self.name,
            template_id: self.template_id,
            template_name: self.template_name,
            organization_name: self.organization_name,
            template_version_id: self.template_version_id,
            template_version_name: self.template_version_name,
        };
        let v2 = PresetV2Fields {
            ttl: self.ttl,
            last_invalidated_at: self.last_invalidated_at,
            scheduling_timezone: self.scheduling_timezone,
            prebuild_status: self.prebuild_status,
        };
        (v1, v2)
    }
}

/// A preset's recorded prebuild status.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PrebuildStatus {
    /// Prebuilds are created as usual.
    Healthy,
    /// The preset reached the failure limit (informative: see `is_hard_limited`).
    HardLimited,
    /// A create failed template validation: nothing is created.
    ValidationFailed,
}

impl<'de> Deserialize<'de> for PrebuildStatus {
    /// One of the three strings only, as v1's `Transition` is read: serde's derived enum would
    /// also take `{"healthy": null}`, and serde_json would call a number there a syntax error
    /// instead of a wrong type.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const NAMES: &[&str] = &["healthy", "hard_limited", "validation_failed"];
        struct StatusVisitor;
        impl serde::de::Visitor<'_> for StatusVisitor {
            type Value = PrebuildStatus;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one of \"healthy\", \"hard_limited\", \"validation_failed\"")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<PrebuildStatus, E> {
                match value {
                    "healthy" => Ok(PrebuildStatus::Healthy),
                    "hard_limited" => Ok(PrebuildStatus::HardLimited),
                    "validation_failed" => Ok(PrebuildStatus::ValidationFailed),
                    other => Err(E::unknown_variant(other, NAMES)),
                }
            }
        }
        deserializer.deserialize_str(StatusVisitor)
    }
}

impl From<PrebuildStatus> for domain::PrebuildStatus {
    fn from(status: PrebuildStatus) -> Self {
        match status {
            PrebuildStatus::Healthy => domain::PrebuildStatus::Healthy,
            PrebuildStatus::HardLimited => domain::PrebuildStatus::HardLimited,
            PrebuildStatus::ValidationFailed => domain::PrebuildStatus::ValidationFailed,
        }
    }
}

/// A weekly schedule: while its cron matches `now` in the preset's timezone, it sets the target.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(example = json!({"cron_expression": "* 9-17 * * MON-FRI", "desired_instances": 3}))]
pub struct Schedule {
    /// Any string; read as upstream Coder reads it, never refused. Alone, a schedule is five
    /// fields `* HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK` with the minute `*`, each field `*` or
    /// `?`, a number, a name (`JAN`–`DEC`, `SUN`–`SAT`, any case), a range `a-b`, a step
    /// (`*/2`, `1-9/2`, `3/4`), or a comma list of those (hours 0–23, days 1–31, months 1–12,
    /// days of week 0–6, Sunday 0); one that does not parse is skipped and the others apply.
    /// Beside other schedules, every pair is first compared with only numbers, ranges and lists
    /// understood, in the fields the comparison reaches; a pair that overlaps, or a field it
    /// cannot read, sets every schedule aside. `9-18` covers 09:00:00 through 18:59:59. Either
    /// way `schedule_error` says which schedule and why.
    #[schema(value_type = String, required = true, example = "* 9-17 * * MON-FRI")]
    pub cron_expression: Option<String>,
    /// The target while the schedule matches: any int32, used as is (a negative target makes
    /// every live prebuild extraneous).
    #[schema(value_type = i32, minimum = -2147483648, maximum = 2147483647, required = true)]
    pub desired_instances: Option<Int32>,
    /// In a global snapshot, the preset the schedule belongs to (null: to none).
    #[schema(value_type = Option<Uuid>)]
    pub preset_id: Option<WireUuid>,
}

/// Jobs of a preset queued but not started (a global snapshot's `pending` row).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(example = json!({"preset_id": "3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f", "count": 2}))]
pub struct PendingRow {
    /// The preset the jobs are for (null: the preset whose id is the nil UUID, as upstream
    /// compares a null, else none). A preset takes the first row naming it; later ones are
    /// ignored (Coder's query gives one row per preset).
    #[schema(value_type = Option<Uuid>)]
    pub preset_id: Option<WireUuid>,
    /// How many jobs: any int32; 0 or less cancels nothing.
    #[schema(value_type = i32, minimum = -2147483648, maximum = 2147483647, required = true)]
    pub count: Option<Int32>,
}

preset_snapshot! {
    /// One preset's rows for v2: everything a v1 PresetSnapshot holds (the Go-native spellings
    /// included, with v1's checks on v1's fields), with v2's fields on the preset (PresetV2), plus
    /// schedules, pending_count and is_hard_limited beside it. v2's own values are never refused:
    /// they are decided as upstream Coder decides them. Unknown fields are ignored.
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!(crate::codec::examples::v2_preset_snapshot()))]
    pub struct PresetSnapshotV2<PresetV2> {
        /// The preset's weekly schedules; absent or null: none.
        #[schema(value_type = Option<Vec<Schedule>>)]
        pub schedules: Option<Vec<ObjectOnly<Schedule>>>,
        /// Jobs of this preset queued but not started, on a non-active version (any int32; null or
        /// absent: 0). An inactive preset cancels them when there are more than 0.
        #[schema(value_type = Option<i32>, minimum = -2147483648, maximum = 2147483647)]
        pub pending_count: Option<Int32>,
        /// Whether the preset's last builds all failed up to the failure limit: it then creates
        /// nothing (null or absent: false).
        pub is_hard_limited: Option<bool>,
    }
}

impl PresetSnapshotV2 {
    /// v1's snapshot, with v1's preset columns, and what v2 adds: the preset's fields, the
    /// schedules, the pending count and the hard limit.
    pub fn split(self) -> (PresetSnapshot, PresetV2Fields, PresetSnapshotV2Fields) {
        let mut v2_preset = None;
        let mut split = |row: Option<ObjectOnly<PresetV2>>| {
            row.map(|ObjectOnly(row)| {
                let (v1, v2) = row.split();
                v2_preset.get_or_insert(v2);
                ObjectOnly(v1)
            })
        };
        let v1 = PresetSnapshot {
            preset: split(self.preset),
            go_preset: split(self.go_preset),
            running: self.running,
            go_running: self.go_running,
            in_progress: self.in_progress,
            go_in_progress: self.go_in_progress,
            backoff: self.backoff,
            go_backoff: self.go_backoff,
        };
        let more = PresetSnapshotV2Fields {
            schedules: self.schedules,
            pending_count: self.pending_count,
            is_hard_limited: self.is_hard_limited,
        };
        (v1, v2_preset.unwrap_or_default(), more)
    }
}

/// What a v2 preset snapshot adds beside the preset row.
#[derive(Clone, Debug)]
pub struct PresetSnapshotV2Fields {
    /// `schedules`.
    pub schedules: Option<Vec<ObjectOnly<Schedule>>>,
    /// `pending_count`.
    pub pending_count: Option<Int32>,
    /// `is_hard_limited`.
    pub is_hard_limited: Option<bool>,
}

global_snapshot! {
    /// Every preset's rows for v2: everything a v1 GlobalSnapshot holds, with v2's fields on each
    /// preset (PresetV2), plus schedules (with preset_id), pending rows and hard_limited preset
    /// ids, split per preset as upstream Coder splits them (an in_progress or pending row whose
    /// preset_id is null belongs to the preset whose id is the nil UUID, as upstream compares
    /// it). No v2 value of one preset is refused, so one row never takes away the others'
    /// decisions. Unknown fields are ignored.
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!(crate::codec::examples::v2_global_snapshot()))]
    pub struct GlobalSnapshotV2<PresetV2> {
        /// Schedules; each belongs to the preset whose `id` is its `preset_id`, in list order.
        #[schema(value_type = Option<Vec<Schedule>>)]
        pub schedules: Option<Vec<ObjectOnly<Schedule>>>,
        /// Pending job counts; a preset takes the first row whose `preset_id` is its `id`.
        #[schema(value_type = Option<Vec<PendingRow>>)]
        pub pending: Option<Vec<ObjectOnly<PendingRow>>>,
        /// IDs of hard-limited presets (IDs not among the presets are ignored).
        #[schema(value_type = Option<Vec<Uuid>>)]
        pub hard_limited: Option<Vec<WireUuid>>,
    }
}

impl GlobalSnapshotV2 {
    /// v1's snapshot, with v1's preset columns, and what v2 adds: each preset's fields (in the
    /// order of the presets) and the three lists.
    pub fn split(self) -> (GlobalSnapshot, Vec<PresetV2Fields>, GlobalSnapshotV2Fields) {
        let (presets, v2_presets) = match self.presets {
            Some(presets) => {
                let (v1, v2): (Vec<_>, Vec<_>) = presets
                    .into_iter()
                    .map(|ObjectOnly(row)| {
                        let (v1, v2) = row.split();
                        (ObjectOnly(v1), v2)
                    })
                    .unzip();
                (Some(v1), v2)
            }
            None => (None, Vec::new()),
        };
        let v1 = GlobalSnapshot {
            presets,
            running: self.running,
            in_progress: self.in_progress,
            backoffs: self.backoffs,
        };
        let more = GlobalSnapshotV2Fields {
            schedules: self.schedules,
            pending: self.pending,
            hard_limited: self.hard_limited,
        };
        (v1, v2_presets, more)
    }
}

/// The lists a v2 global snapshot adds to v1's.
#[derive(Clone, Debug)]
pub struct GlobalSnapshotV2Fields {
    /// `schedules`.
    pub schedules: Option<Vec<ObjectOnly<Schedule>>>,
    /// `pending`.
    pub pending: Option<Vec<ObjectOnly<PendingRow>>>,
    /// `hard_limited`.
    pub hard_limited: Option<Vec<WireUuid>>,
}

/// Where the target came from.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TargetSource {
    /// The preset's `desired_instances` (no schedule matched, or schedules were set aside).
    Default,
    /// A schedule matching `now`.
    Schedule,
}

/// The derived counts of a preset under v2's rules.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct StateV2 {
    /// v1's counts: `actual` counts expired and live prebuilds; `desired` is the target (0 when
    /// inactive); `eligible` counts ready live ones; `extraneous` is `max(live − desired, 0)`.
    #[serde(flatten)]
    pub counts: ReconciliationState,
    /// Running prebuilds expired at `now` (by `ttl` or `last_invalidated_at`).
    pub expired: i32,
    /// The target the schedules (or the default) give, before the active check.
    pub scheduled_target: i32,
    /// Where `scheduled_target` came from.
    pub target_source: TargetSource,
    /// Why schedules were set aside (no or unknown timezone, a pair that overlaps or that the
    /// comparison cannot read) or skipped (one that does not parse alone, while the others
    /// apply), naming each schedule by its index in the list sent; null when none was.
    pub schedule_error: Option<String>,
    /// Whether the preset is hard-limited (it then creates nothing).
    pub hard_limited: bool,
    /// Whether the preset's `prebuild_status` is `validation_failed` (it then creates nothing).
    pub validation_failed: bool,
}

/// Cancel queued jobs of an inactive preset.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"action_type": "cancel_pending", "count": 2}))]
pub struct CancelPendingAction {
    /// Always `cancel_pending`.
    #[schema(schema_with = cancel_pending_tag)]
    pub action_type: CancelPendingTag,
    /// How many pending jobs to cancel.
    #[schema(minimum = 1)]
    pub count: i32,
}

fn cancel_pending_tag() -> utoipa::openapi::schema::Object {
    crate::codec::model::action_tag("cancel_pending")
}

/// The `action_type` of a cancel-pending action.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CancelPendingTag {
    /// Cancel pending jobs.
    CancelPending,
}

/// One action of a v2 decision: v1's three shapes and `cancel_pending`, told apart by
/// `action_type`. Its schema is [`action_union`]'s.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ActionV2 {
    /// Create prebuilds.
    Create(CreateAction),
    /// Delete prebuilds.
    Delete(DeleteAction),
    /// Back off until a time.
    Backoff(BackoffAction),
    /// Cancel pending jobs.
    CancelPending(CancelPendingAction),
}

impl PartialSchema for ActionV2 {
    fn schema() -> RefOr<Schema> {
        action_union(
            "One action of a v2 decision: v1's three shapes and `cancel_pending`, told apart by \
             `action_type`.",
            &[
                ("create", "CreateAction"),
                ("delete", "DeleteAction"),
                ("backoff", "BackoffAction"),
                ("cancel_pending", "CancelPendingAction"),
            ],
        )
    }
}

impl ToSchema for ActionV2 {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        ReconciliationActions::schemas(schemas);
        schemas.push((
            CancelPendingAction::name().into(),
            CancelPendingAction::schema(),
        ));
    }
}

impl ActionV2 {
    /// The `action_type`.
    pub fn action_type(&self) -> &'static str {
        self.counts().action_type
    }

    /// What the action asks for.
    pub fn counts(&self) -> ActionCounts {
        let counts = ActionCounts::new;
        match self {
            ActionV2::Create(action) => counts("create", action.create, 0),
            ActionV2::Delete(action) => counts("delete", 0, action.delete_ids.len()),
            ActionV2::Backoff(_) => counts("backoff", 0, 0),
            ActionV2::CancelPending(_) => counts("cancel_pending", 0, 0),
        }
    }
}

impl From<domain::ActionV2> for ActionV2 {
    fn from(action: domain::ActionV2) -> Self {
        match action {
            domain::ActionV2::Create(count) => ActionV2::Create(CreateAction::new(count)),
            domain::ActionV2::Delete(ids) => ActionV2::Delete(DeleteAction::new(ids)),
            domain::ActionV2::Backoff(until) => ActionV2::Backoff(BackoffAction::new(until)),
            domain::ActionV2::CancelPending(count) => {
                ActionV2::CancelPending(CancelPendingAction {
                    action_type: CancelPendingTag::CancelPending,
                    count,
                })
            }
        }
    }
}

/// One preset's v2 decision.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = decision_v2_example)]
pub struct DecisionV2 {
    /// Identifies this decision (UUID v7); also the `X-Decision-Id` header of a preset call.
    pub decision_id: Uuid,
    /// The preset decided.
    pub preset_id: Uuid,
    /// The derived counts.
    pub state: StateV2,
    /// The actions to take, in order; empty means nothing to do.
    pub actions: Vec<ActionV2>,
    /// Whether there is nothing to do (`actions` is empty).
    pub noop: bool,
    /// Whether a later pass may skip this preset: inactive, with nothing running, no pending
    /// jobs and no backoff row.
    pub can_skip: bool,
    /// The instant the decision was made at (the `now` parameter, or the server clock).
    #[schema(value_type = String, format = DateTime, example = "2025-06-02T12:00:00Z")]
    pub evaluated_at: Rfc3339,
    /// The backoff interval per failure used, as Go's `Duration.String()` writes it.
    #[schema(value_type = String, example = "1m0s")]
    pub backoff_interval: GoDurationText,
    /// The rules the decision went through, with `explain=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<ExplanationStep>>,
}

/// Every preset's v2 decision, in the order of the posted presets.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = global_decision_v2_example)]
pub struct GlobalDecisionV2 {
    /// Identifies this answer (UUID v7); also its `X-Decision-Id` header.
    pub decision_id: Uuid,
    /// One decision per preset.
    pub decisions: Vec<DecisionV2>,
    /// The instant the decisions were made at.
    #[schema(value_type = String, format = DateTime, example = "2025-06-02T12:00:00Z")]
    pub evaluated_at: Rfc3339,
    /// The backoff interval per failure used.
    #[schema(value_type = String, example = "1m0s")]
    pub backoff_interval: GoDurationText,
}

/// The v2 preset example's decision at Monday 2 June 2025 16:00 UTC (09:00 in Los Angeles): one
/// prebuild invalidated, 3 wanted by the first schedule, one starting. A schema without an
/// example would let Swagger UI make one up from every shape at once (create, delete and backoff
/// in one list, which no decision answers).
fn decision_v2_example() -> serde_json::Value {
    serde_json::json!({
        "decision_id": "0197317c-5a80-7c3e-9d21-6b8f0a4e2c17",
        "preset_id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
        "state": {
            "actual": 2, "desired": 3, "eligible": 1, "extraneous": 0,
            "starting": 1, "stopping": 0, "deleting": 0,
            "expired": 1, "scheduled_target": 3, "target_source": "schedule",
            "schedule_error": null, "hard_limited": false, "validation_failed": false
        },
        "actions": [
            {"action_type": "delete", "delete_ids": ["5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a"]},
            {"action_type": "create", "create": 1}
        ],
        "noop": false,
        "can_skip": false,
        "evaluated_at": "2025-06-02T16:00:00Z",
        "backoff_interval": "1m0s"
    })
}

/// The v2 global example's decisions at Monday 2 June 2025 16:00 UTC: the active preset follows
/// its schedule; the outdated one cancels its pending jobs and deletes its prebuild.
fn global_decision_v2_example() -> serde_json::Value {
    serde_json::json!({
        "decision_id": "0197317c-5a80-7c3e-9d21-6b8f0a4e2c18",
        "decisions": [
            {
                "decision_id": "0197317c-5a80-7c3e-9d21-6b8f0a4e2c19",
                "preset_id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
                "state": {
                    "actual": 1, "desired": 3, "eligible": 1, "extraneous": 0,
                    "starting": 0, "stopping": 0, "deleting": 0,
                    "expired": 0, "scheduled_target": 3, "target_source": "schedule",
                    "schedule_error": null, "hard_limited": false, "validation_failed": false
                },
                "actions": [{"action_type": "create", "create": 2}],
                "noop": false,
                "can_skip": false,
                "evaluated_at": "2025-06-02T16:00:00Z",
                "backoff_interval": "1m0s"
            },
            {
                "decision_id": "0197317c-5a80-7c3e-9d21-6b8f0a4e2c1a",
                "preset_id": "3c1d9f0e-6b2a-4d8c-8e7f-5a4b3c2d1e0f",
                "state": {
                    "actual": 1, "desired": 0, "eligible": 0, "extraneous": 0,
                    "starting": 0, "stopping": 0, "deleting": 0,
                    "expired": 0, "scheduled_target": 3, "target_source": "default",
                    "schedule_error": null, "hard_limited": false, "validation_failed": false
                },
                "actions": [
                    {"action_type": "cancel_pending", "count": 2},
                    {"action_type": "delete", "delete_ids": ["2f3e4d5c-6b7a-4899-aabb-ccddeeff0011"]}
                ],
                "noop": false,
                "can_skip": false,
                "evaluated_at": "2025-06-02T16:00:00Z",
                "backoff_interval": "1m0s"
            }
        ],
        "evaluated_at": "2025-06-02T16:00:00Z",
        "backoff_interval": "1m0s"
    })
}
