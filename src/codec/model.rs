//! The JSON bodies of the contract: what the control plane posts and what it gets back.
//!
//! Request types mirror Coder's rows with their database JSON tags. Required fields are read as
//! `Option` and checked after parsing, so a missing field is reported with a pointer to the field
//! itself (serde would point at the object holding it). Their schemas still say `required`.
//!
//! Adding a field a decision reads takes, in one change: the field here (in the macro that
//! declares its row, so v2's row has it too); its reading in [`super::fast_read`] (or the fast
//! reader quietly gives up on every body that carries it); the domain row and its conversion in
//! [`super::read`]; a `Field` and its pointer in `KeySpellings` if the domain can refuse it; the
//! fuzz target's view of the body; `tests/properties/model.rs`; and the OpenAPI document
//! (`cargo run -- openapi > openapi/openapi.json`).

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use super::wire::{
    AnyString, GoDurationText, Int32, Int32Visitor, Rfc3339, SERDE_JSON_NUMBER_KEY, WireUuid,
};
use crate::domain;

/// `desired_instances` as posted: a plain integer, or Go's `sql.NullInt32` encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesiredInstances {
    /// `3` (or `3.0`).
    Plain(i32),
    /// `{"Int32": 3, "Valid": true}`. The seed reads `Int32` whatever `Valid` says.
    NullInt32(i32),
}

impl<'de> Deserialize<'de> for DesiredInstances {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DesiredVisitor;
        impl<'de> serde::de::Visitor<'de> for DesiredVisitor {
            type Value = DesiredInstances;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an int32 integer, null, or {\"Int32\": n, \"Valid\": bool}")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Int32Visitor.visit_i64(v).map(DesiredInstances::Plain)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Int32Visitor.visit_u64(v).map(DesiredInstances::Plain)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Int32Visitor.visit_f64(v).map(DesiredInstances::Plain)
            }
            /// Either serde_json's map of a number's digits, or the `sql.NullInt32` object (a
            /// missing key takes Go's zero value; `Valid` is read for its type only: the seed
            /// ignores it).
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut key = map.next_key::<String>()?;
                if key.as_deref() == Some(SERDE_JSON_NUMBER_KEY) {
                    return Int32Visitor.number_entry(map).map(DesiredInstances::Plain);
                }
                let (mut int32, mut valid) = (None, None);
                while let Some(name) = key {
                    match name.as_str() {
                        "Int32" if int32.is_some() => {
                            return Err(serde::de::Error::duplicate_field("Int32"));
                        }
                        "Int32" => int32 = Some(map.next_value::<Option<Int32>>()?),
                        "Valid" if valid.is_some() => {
                            return Err(serde::de::Error::duplicate_field("Valid"));
                        }
                        "Valid" => valid = Some(map.next_value::<Option<bool>>()?),
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                    key = map.next_key::<String>()?;
                }
                Ok(DesiredInstances::NullInt32(
                    int32.flatten().map_or(0, |n| n.0),
                ))
            }
        }
        deserializer.deserialize_any(DesiredVisitor)
    }
}

/// Declares a preset row type: v1's columns (Coder's `GetTemplatePresetsWithPrebuildsRow`), each
/// with its documentation and schema, then the fields given. v1's [`Preset`] and v2's
/// [`crate::codec::v2::model::PresetV2`] are both declared by it, so the columns they share are
/// written once.
macro_rules! preset_row {
    ($(#[$meta:meta])* pub struct $name:ident { $($more:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The preset's ID.
            #[schema(value_type = uuid::Uuid, required = true)]
            pub id: Option<$crate::codec::wire::WireUuid>,
            /// Whether the preset belongs to the template's active version.
            #[schema(value_type = bool, required = true)]
            pub using_active_version: Option<bool>,
            /// Whether the template is deleted (an inactive preset deletes its prebuilds).
            #[schema(value_type = bool, required = true)]
            pub deleted: Option<bool>,
            /// Whether the template is deprecated (an inactive preset deletes its prebuilds).
            #[schema(value_type = bool, required = true)]
            pub deprecated: Option<bool>,
            /// How many prebuilds the pool should hold: an integer from 0 to 2147483647, `null` (0), or
            /// Go's `sql.NullInt32` object `{"Int32": 3, "Valid": true}`, whose `Int32` counts whatever
            /// `Valid` says. Absent counts as 0.
            #[schema(schema_with = $crate::codec::model::desired_instances_schema)]
            pub desired_instances: Option<$crate::codec::model::DesiredInstances>,
            /// The preset's name (not used by the decision).
            #[schema(value_type = Option<String>)]
            pub name: Option<$crate::codec::wire::AnyString>,
            /// The template's ID (not used by the decision).
            #[schema(value_type = Option<uuid::Uuid>)]
            pub template_id: Option<$crate::codec::wire::WireUuid>,
            /// The template's name (not used by the decision).
            #[schema(value_type = Option<String>)]
            pub template_name: Option<$crate::codec::wire::AnyString>,
            /// The organization's name (not used by the decision).
            #[schema(value_type = Option<String>)]
            pub organization_name: Option<$crate::codec::wire::AnyString>,
            /// The template version's ID (not used by the decision).
            #[schema(value_type = Option<uuid::Uuid>)]
            pub template_version_id: Option<$crate::codec::wire::WireUuid>,
            /// The template version's name (not used by the decision).
            #[schema(value_type = Option<String>)]
            pub template_version_name: Option<$crate::codec::wire::AnyString>,
            $($more)*
        }
    };
}
pub(crate) use preset_row;

preset_row! {
    /// A preset row (Coder's `GetTemplatePresetsWithPrebuildsRow`): the pool's settings.
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b",
        "name": "small",
        "using_active_version": true,
        "deleted": false,
        "deprecated": false,
        "desired_instances": 3
    }))]
    pub struct Preset {}
}

pub(crate) fn desired_instances_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    use utoipa::openapi::{KnownFormat, SchemaFormat};
    let plain = ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Integer,
            Type::Null,
        ]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(0))
        .maximum(Some(i32::MAX))
        .description(Some("The count, or null for 0."));
    let null_int32 = ObjectBuilder::new()
        .schema_type(Type::Object)
        .title(Some("sql.NullInt32"))
        .description(Some(
            "Go's sql.NullInt32 encoding; a missing key takes Go's zero value.",
        ))
        .property(
            "Int32",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::Integer,
                    Type::Null,
                ]))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(0))
                .maximum(Some(i32::MAX))
                .description(Some(
                    "The count; read whatever Valid says, as the seed does. null, like a \
                     missing key, is Go's zero value (0), as Go's decoder reads it.",
                )),
        )
        .property(
            "Valid",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::Boolean,
                    Type::Null,
                ]))
                .description(Some(
                    "Whether the column was non-NULL; ignored, as the seed ignores it (null \
                     reads as false, as Go's decoder reads it).",
                )),
        );
    OneOfBuilder::new().item(plain).item(null_int32).into()
}

/// A running prebuild row (Coder's `GetRunningPrebuiltWorkspacesRow`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a",
    "name": "prebuild-small-1",
    "ready": true,
    "created_at": "2025-06-02T11:00:00Z",
    "current_preset_id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"
}))]
pub struct RunningPrebuild {
    /// The prebuilt workspace's ID; IDs are unique within a snapshot.
    #[schema(value_type = Uuid, required = true)]
    pub id: Option<WireUuid>,
    /// Whether its agents are ready, i.e. it can be claimed.
    #[schema(value_type = bool, required = true)]
    pub ready: Option<bool>,
    /// When it was created (RFC 3339 as Go reads it: uppercase `T` and `Z`, seconds 00–59,
    /// offsets `±hh:mm`); the oldest are deleted first.
    #[schema(
        value_type = String,
        format = DateTime,
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        required = true
    )]
    pub created_at: Option<Rfc3339>,
    /// The workspace's name (not used by the decision).
    #[schema(value_type = Option<String>)]
    pub name: Option<AnyString>,
    /// The template's ID (not used by the decision).
    #[schema(value_type = Option<Uuid>)]
    pub template_id: Option<WireUuid>,
    /// The template version's ID (not used by the decision).
    #[schema(value_type = Option<Uuid>)]
    pub template_version_id: Option<WireUuid>,
    /// The preset the prebuild belongs to; in a global snapshot this assigns the row to a
    /// preset (null: to none).
    #[schema(value_type = Option<Uuid>)]
    pub current_preset_id: Option<WireUuid>,
}

/// A workspace transition.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Builds starting a workspace.
    Start,
    /// Builds stopping a workspace.
    Stop,
    /// Builds deleting a workspace.
    Delete,
}

impl<'de> Deserialize<'de> for Transition {
    /// One of the three strings only. serde's derived enum would also take `{"start": null}`,
    /// and serde_json would call a number there a syntax error instead of a wrong type.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TransitionVisitor;
        impl serde::de::Visitor<'_> for TransitionVisitor {
            type Value = Transition;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one of \"start\", \"stop\", \"delete\"")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Transition, E> {
                match value {
                    "start" => Ok(Transition::Start),
                    "stop" => Ok(Transition::Stop),
                    "delete" => Ok(Transition::Delete),
                    other => Err(E::unknown_variant(other, &["start", "stop", "delete"])),
                }
            }
        }
        deserializer.deserialize_str(TransitionVisitor)
    }
}

/// A count of prebuild builds in progress (Coder's `CountInProgressPrebuildsRow`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(example = json!({"transition": "start", "count": 1, "preset_id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"}))]
pub struct InProgressCount {
    /// Which transition the builds perform.
    #[schema(value_type = Transition, required = true)]
    pub transition: Option<Transition>,
    /// How many builds: 0 to 2147483647, and the counts of one transition must add up to at
    /// most 2147483647 (otherwise 422).
    #[schema(value_type = i32, minimum = 0, maximum = 2147483647, required = true)]
    pub count: Option<Int32>,
    /// The template's ID (not used by the decision).
    #[schema(value_type = Option<Uuid>)]
    pub template_id: Option<WireUuid>,
    /// The template version's ID (not used by the decision).
    #[schema(value_type = Option<Uuid>)]
    pub template_version_id: Option<WireUuid>,
    /// The preset the builds are for; in a global snapshot this assigns the row to a preset
    /// (null: to none).
    #[schema(value_type = Option<Uuid>)]
    pub preset_id: Option<WireUuid>,
}

/// Recent failed builds of a preset (Coder's `GetPresetsBackoffRow`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(example = json!({"num_failed": 2, "last_build_at": "2025-06-02T11:59:00Z"}))]
pub struct Backoff {
    /// How many recent builds failed: 0 to 2147483647. Where an interval is used,
    /// `num_failed × backoff_interval` must fit Go's `time.Duration` (about 292 years) and end
    /// by year 9999 (otherwise 422).
    #[schema(value_type = i32, minimum = 0, maximum = 2147483647, required = true)]
    pub num_failed: Option<Int32>,
    /// When the last of them was built (RFC 3339 as Go reads it: uppercase `T` and `Z`, seconds
    /// 00–59, offsets `±hh:mm`). The backoff ends at
    /// `last_build_at + num_failed × backoff_interval`, written in this timestamp's offset.
    #[schema(
        value_type = String,
        format = DateTime,
        pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        required = true
    )]
    pub last_build_at: Option<Rfc3339>,
    /// The preset the row is about; in a global snapshot this assigns the row to a preset.
    #[schema(value_type = Option<Uuid>)]
    pub preset_id: Option<WireUuid>,
    /// The template version's ID (not used by the decision).
    #[schema(value_type = Option<Uuid>)]
    pub template_version_id: Option<WireUuid>,
}

/// Declares a preset snapshot type: v1's keys (in both spellings) with preset rows of the type
/// given, then the fields given. v1's [`PresetSnapshot`] and v2's
/// [`crate::codec::v2::model::PresetSnapshotV2`] are both declared by it.
macro_rules! preset_snapshot {
    ($(#[$meta:meta])* pub struct $name:ident<$preset:ident> { $($more:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The preset row (Go-native key: `Preset`).
            #[schema(value_type = $preset, required = true)]
            pub preset: Option<$crate::codec::wire::ObjectOnly<$preset>>,
            #[serde(rename = "Preset")]
            #[schema(ignore)]
            pub go_preset: Option<$crate::codec::wire::ObjectOnly<$preset>>,
            /// The running prebuilds (Go-native key: `Running`); absent or null means none.
            #[schema(value_type = Option<Vec<$crate::codec::model::RunningPrebuild>>)]
            pub running: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::RunningPrebuild>>>,
            #[serde(rename = "Running")]
            #[schema(ignore)]
            pub go_running: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::RunningPrebuild>>>,
            /// Counts of builds in progress, summed by transition (Go-native key: `InProgress`); absent
            /// or null means none.
            #[schema(value_type = Option<Vec<$crate::codec::model::InProgressCount>>)]
            pub in_progress: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::InProgressCount>>>,
            #[serde(rename = "InProgress")]
            #[schema(ignore)]
            pub go_in_progress: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::InProgressCount>>>,
            /// The backoff row, if any (Go-native key: `Backoff`).
            #[schema(value_type = Option<$crate::codec::model::Backoff>)]
            pub backoff: Option<$crate::codec::wire::ObjectOnly<$crate::codec::model::Backoff>>,
            #[serde(rename = "Backoff")]
            #[schema(ignore)]
            pub go_backoff: Option<$crate::codec::wire::ObjectOnly<$crate::codec::model::Backoff>>,
            $($more)*
        }
    };
}
pub(crate) use preset_snapshot;

preset_snapshot! {
    /// One preset's rows (Coder's `PresetSnapshot`). Unknown fields are ignored.
    ///
    /// A Go control plane may post `json.Marshal(snapshot)` unchanged: the keys `Preset`, `Running`,
    /// `InProgress` and `Backoff` are read like `preset`, `running`, `in_progress` and `backoff`
    /// (one spelling of each, not both), and `desired_instances` may be `{"Int32": n, "Valid": b}`.
    /// Running prebuild IDs must be unique (otherwise 422).
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!(crate::codec::examples::preset_snapshot()))]
    pub struct PresetSnapshot<Preset> {}
}

/// Declares a global snapshot type: v1's four lists with preset rows of the type given, then the
/// fields given. v1's [`GlobalSnapshot`] and v2's
/// [`crate::codec::v2::model::GlobalSnapshotV2`] are both declared by it.
macro_rules! global_snapshot {
    ($(#[$meta:meta])* pub struct $name:ident<$preset:ident> { $($more:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// The preset rows; decisions come back in this order.
            #[schema(value_type = Vec<$preset>, required = true)]
            pub presets: Option<Vec<$crate::codec::wire::ObjectOnly<$preset>>>,
            /// Running prebuilds; each belongs to the preset whose `id` is its `current_preset_id`.
            #[schema(value_type = Option<Vec<$crate::codec::model::RunningPrebuild>>)]
            pub running: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::RunningPrebuild>>>,
            /// In-progress counts; each belongs to the preset whose `id` is its `preset_id`.
            #[schema(value_type = Option<Vec<$crate::codec::model::InProgressCount>>)]
            pub in_progress: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::InProgressCount>>>,
            /// Backoff rows; a preset takes the first whose `preset_id` is its `id`.
            #[schema(value_type = Option<Vec<$crate::codec::model::Backoff>>)]
            pub backoffs: Option<Vec<$crate::codec::wire::ObjectOnly<$crate::codec::model::Backoff>>>,
            $($more)*
        }
    };
}
pub(crate) use global_snapshot;

global_snapshot! {
    /// Every preset's rows as the control plane reads them: four flat lists. The server splits them
    /// per preset the way Coder's `GlobalSnapshot.FilterByPreset` does. Unknown fields are ignored.
    ///
    /// Preset IDs must be unique, and running prebuild IDs unique across the whole list
    /// (otherwise 422).
    #[derive(Clone, Debug, Deserialize, ToSchema)]
    #[schema(example = json!(crate::codec::examples::global_snapshot()))]
    pub struct GlobalSnapshot<Preset> {}
}

/// The derived counts of a preset's prebuilds (Coder's `ReconciliationState`).
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"actual": 2, "desired": 3, "eligible": 2, "extraneous": 0, "starting": 0, "stopping": 0, "deleting": 0}))]
pub struct ReconciliationState {
    /// Running prebuilds.
    pub actual: i32,
    /// Prebuilds the preset asks for; 0 when the preset is inactive.
    pub desired: i32,
    /// Running prebuilds ready to be claimed; 0 when the preset is inactive.
    pub eligible: i32,
    /// Running prebuilds beyond `desired`; 0 when the preset is inactive.
    pub extraneous: i32,
    /// Builds in progress starting a workspace.
    pub starting: i32,
    /// Builds in progress stopping a workspace.
    pub stopping: i32,
    /// Builds in progress deleting a workspace.
    pub deleting: i32,
}

impl From<domain::ReconciliationState> for ReconciliationState {
    fn from(s: domain::ReconciliationState) -> Self {
        ReconciliationState {
            actual: s.actual,
            desired: s.desired,
            eligible: s.eligible,
            extraneous: s.extraneous,
            starting: s.starting,
            stopping: s.stopping,
            deleting: s.deleting,
        }
    }
}

/// Create prebuilds.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"action_type": "create", "create": 2}))]
pub struct CreateAction {
    /// Always `create`.
    #[schema(schema_with = create_tag)]
    pub action_type: CreateTag,
    /// How many prebuilds to create; 0 means nothing to do.
    #[schema(minimum = 0)]
    pub create: i32,
}

/// Delete prebuilds.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"action_type": "delete", "delete_ids": ["5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a"]}))]
pub struct DeleteAction {
    /// Always `delete`.
    #[schema(schema_with = delete_tag)]
    pub action_type: DeleteTag,
    /// The prebuilds to delete, oldest first; empty means nothing to do.
    pub delete_ids: Vec<Uuid>,
}

/// Create nothing until a time, because recent builds failed.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"action_type": "backoff", "backoff_until": "2025-06-02T12:01:00Z"}))]
pub struct BackoffAction {
    /// Always `backoff`.
    #[schema(schema_with = backoff_tag)]
    pub action_type: BackoffTag,
    /// The end of the backoff (RFC 3339, nanosecond precision, in `last_build_at`'s offset).
    #[schema(value_type = String, format = DateTime)]
    pub backoff_until: Rfc3339,
}

/// The schema of an `action_type` that takes one value.
pub(crate) fn action_tag(tag: &str) -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([tag]))
        .description(Some(format!("Always `{tag}`.")))
        .build()
}

fn create_tag() -> utoipa::openapi::schema::Object {
    action_tag("create")
}

fn delete_tag() -> utoipa::openapi::schema::Object {
    action_tag("delete")
}

fn backoff_tag() -> utoipa::openapi::schema::Object {
    action_tag("backoff")
}

/// The `action_type` of a create action.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CreateTag {
    /// Create prebuilds.
    Create,
}

/// The `action_type` of a delete action.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeleteTag {
    /// Delete prebuilds.
    Delete,
}

/// The `action_type` of a backoff action.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BackoffTag {
    /// Back off.
    Backoff,
}

/// The one action to take (Coder's `ReconciliationActions`): exactly one of three shapes, told
/// apart by `action_type`. Its schema is [`action_union`]'s.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ReconciliationActions {
    /// `{"action_type": "create", "create": n}`.
    Create(CreateAction),
    /// `{"action_type": "delete", "delete_ids": [...]}`.
    Delete(DeleteAction),
    /// `{"action_type": "backoff", "backoff_until": "..."}`.
    Backoff(BackoffAction),
}

/// The schema of a union of actions told apart by `action_type`: a `oneOf` of bare `$ref`s and
/// a discriminator whose mapping names each variant. Bare, because client generators with partial
/// OpenAPI 3.1 support (openapi-generator) read a `$ref` with a sibling keyword, such as the
/// `description` utoipa's derive takes from a variant's doc comment, as an inline schema, and then
/// cannot resolve the discriminator.
pub(crate) fn action_union(description: &str, variants: &[(&str, &str)]) -> RefOr<Schema> {
    use utoipa::openapi::schema::{Discriminator, OneOfBuilder};
    let mapping = variants
        .iter()
        .map(|(tag, schema)| (*tag, format!("#/components/schemas/{schema}")));
    variants
        .iter()
        .fold(OneOfBuilder::new(), |union, (_, schema)| {
            union.item(utoipa::openapi::Ref::from_schema_name(*schema))
        })
        .description(Some(description))
        .discriminator(Some(Discriminator::with_mapping("action_type", mapping)))
        .into()
}

impl PartialSchema for ReconciliationActions {
    fn schema() -> RefOr<Schema> {
        action_union(
            "The one action to take (Coder's `ReconciliationActions`): exactly one of three \
             shapes, told apart by `action_type`.",
            &[
                ("create", "CreateAction"),
                ("delete", "DeleteAction"),
                ("backoff", "BackoffAction"),
            ],
        )
    }
}

impl ToSchema for ReconciliationActions {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend([
            (CreateAction::name().into(), CreateAction::schema()),
            (DeleteAction::name().into(), DeleteAction::schema()),
            (BackoffAction::name().into(), BackoffAction::schema()),
        ]);
    }
}

impl CreateAction {
    /// Create `count` prebuilds.
    pub fn new(count: i32) -> Self {
        CreateAction {
            action_type: CreateTag::Create,
            create: count,
        }
    }
}

impl DeleteAction {
    /// Delete these prebuilds, oldest first.
    pub fn new(ids: Vec<Uuid>) -> Self {
        DeleteAction {
            action_type: DeleteTag::Delete,
            delete_ids: ids,
        }
    }
}

impl BackoffAction {
    /// Back off until `until`.
    pub fn new(until: crate::domain::Timestamp) -> Self {
        BackoffAction {
            action_type: BackoffTag::Backoff,
            backoff_until: Rfc3339(until),
        }
    }
}

/// What one action asks for, as the metrics count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionCounts {
    /// The action's `action_type`.
    pub action_type: &'static str,
    /// Prebuilds it creates.
    pub to_create: u64,
    /// Prebuilds it deletes.
    pub to_delete: u64,
}

impl ActionCounts {
    /// An action of `action_type` creating `to_create` and deleting `to_delete` prebuilds.
    pub(crate) fn new(action_type: &'static str, to_create: i32, to_delete: usize) -> Self {
        ActionCounts {
            action_type,
            to_create: to_create.unsigned_abs().into(),
            to_delete: to_delete as u64,
        }
    }
}

impl ReconciliationActions {
    /// The `action_type`: `create`, `delete` or `backoff`.
    pub fn action_type(&self) -> &'static str {
        self.counts().action_type
    }

    /// What the action asks for.
    pub fn counts(&self) -> ActionCounts {
        match self {
            ReconciliationActions::Create(action) => ActionCounts::new("create", action.create, 0),
            ReconciliationActions::Delete(action) => {
                ActionCounts::new("delete", 0, action.delete_ids.len())
            }
            ReconciliationActions::Backoff(_) => ActionCounts::new("backoff", 0, 0),
        }
    }
}

impl From<domain::ReconciliationActions> for ReconciliationActions {
    fn from(actions: domain::ReconciliationActions) -> Self {
        match actions {
            domain::ReconciliationActions::Create(count) => {
                ReconciliationActions::Create(CreateAction::new(count))
            }
            domain::ReconciliationActions::Delete(ids) => {
                ReconciliationActions::Delete(DeleteAction::new(ids))
            }
            domain::ReconciliationActions::Backoff(until) => {
                ReconciliationActions::Backoff(BackoffAction::new(until))
            }
        }
    }
}

/// One rule an explained decision went through.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"rule": "extraneous", "detail": "3 running, 2 desired: delete the oldest 1"}))]
pub struct ExplanationStep {
    /// The rule: `backoff`, `active`, `inactive`, `delete_all`, `extraneous` or `create` (v2 adds
    /// `expiry`, `target`, `cancel_pending` and `hard_limit`).
    pub rule: &'static str,
    /// What the rule saw and decided, with the numbers that decided it.
    pub detail: String,
}

/// The rules an explained decision went through, in order.
pub fn explanation(explanation: domain::Explanation) -> Vec<ExplanationStep> {
    explanation
        .0
        .into_iter()
        .map(|step| ExplanationStep {
            rule: step.rule,
            detail: step.detail,
        })
        .collect()
}

/// The action for one preset, with the inputs it was decided at.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct ActionsResponse {
    /// Identifies this decision (UUID v7), so actions taken can be tied to it; also the
    /// `X-Decision-Id` header.
    pub decision_id: Uuid,
    /// The action to take.
    pub actions: ReconciliationActions,
    /// Whether there is nothing to do (the seed's `IsNoop`: create 0, no delete IDs, no backoff).
    pub noop: bool,
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

/// One preset's state and action together: the main call's answer.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Decision {
    /// Identifies this decision (UUID v7), so actions taken can be tied to it; also the
    /// `X-Decision-Id` header of a preset call.
    pub decision_id: Uuid,
    /// The preset decided.
    pub preset_id: Uuid,
    /// The derived counts.
    pub state: ReconciliationState,
    /// The action to take.
    pub actions: ReconciliationActions,
    /// Whether there is nothing to do (the seed's `IsNoop`).
    pub noop: bool,
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

/// Every preset's decision, in the order of the posted presets.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct GlobalDecision {
    /// Identifies this answer (UUID v7); also its `X-Decision-Id` header. Each decision in it
    /// has an id of its own.
    pub decision_id: Uuid,
    /// One decision per preset.
    pub decisions: Vec<Decision>,
    /// The instant the decisions were made at.
    #[schema(value_type = String, format = DateTime, example = "2025-06-02T12:00:00Z")]
    pub evaluated_at: Rfc3339,
    /// The backoff interval per failure used, as Go's `Duration.String()` writes it.
    #[schema(value_type = String, example = "1m0s")]
    pub backoff_interval: GoDurationText,
}

/// A rule set this service decides by.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuleSet {
    /// `v1` or `v2`: the path prefix of its endpoints.
    pub name: &'static str,
    /// What the rules are.
    pub description: &'static str,
    /// Where they come from.
    pub source: &'static str,
    /// The date of that source.
    pub source_date: &'static str,
}

/// The rule sets this build serves, as `/v1/version` lists them.
pub const RULE_SETS: [RuleSet; 2] = [
    RuleSet {
        name: "v1",
        description: "The seed: Coder's prebuilds reconciliation, exactly, quirks included.",
        source: "coder/coder coderd/prebuilds/preset_snapshot.go (mirror synced 2025-07-03)",
        source_date: "2025-07-03",
    },
    RuleSet {
        name: "v2",
        description: "Today's Coder rules, as upstream's own code decides them: expiry (TTL, \
            invalidation), schedules in Coder's cron syntax in the preset's timezone, \
            cancel-pending, the hard limit and failed validation, a list of actions, can_skip.",
        source: "coder/coder coderd/prebuilds and enterprise reconciler at 199bdad, \
            coderd/schedule/cron at a8f92cb5, terraform-provider-coder at 35a52f29, \
            robfig/cron v3.0.1 (docs/v2.md)",
        source_date: "2026-11",
    },
];

/// What is serving: the version, the commit, and the rule sets.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!(VersionInfo::example()))]
pub struct VersionInfo {
    /// Always `prebuild-decider`.
    pub service: &'static str,
    /// The service's version.
    pub version: &'static str,
    /// The git commit built (`unknown` when built without one).
    pub commit: &'static str,
    /// The rule sets served, by path prefix.
    pub rule_sets: Vec<RuleSet>,
}

impl VersionInfo {
    /// What this build says about itself.
    pub fn current() -> Self {
        VersionInfo {
            service: "prebuild-decider",
            version: crate::telemetry::VERSION,
            commit: crate::telemetry::COMMIT,
            rule_sets: RULE_SETS.to_vec(),
        }
    }

    /// The OpenAPI example: the current answer with a fixed version and commit, so the committed
    /// document does not change with every build.
    fn example() -> serde_json::Value {
        let example = VersionInfo {
            version: "0.1.0",
            commit: "1a2b3c4d5e6f",
            ..VersionInfo::current()
        };
        serde_json::to_value(example).expect("plain data serializes")
    }
}

/// The liveness or readiness status.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` while serving; `ready` when ready for traffic.
    pub status: &'static str,
}
