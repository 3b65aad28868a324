//! Reading a decision body into the domain's rows by the serde path: every field checked for
//! shape (a missing one, a wrong type), every error with the JSON pointer of its field as the
//! body spelled it. [`super::fast_read`] reads the usual v1 preset body faster, and must read it
//! into exactly what [`preset_rows`] reads.

use super::json::parse_json;
use super::model;
use super::problem::{FieldError, Problem};
use super::wire::ObjectOnly;
use crate::domain::{self, Field, SnapshotError};

/// Most field errors listed in one problem; a body broken everywhere gets a bounded answer.
pub(crate) const MAX_FIELD_ERRORS: usize = 50;

/// How the body spelled what a domain error points at, so pointers match the body as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeySpellings {
    /// `/preset` or `/Preset` for one snapshot; `/presets/{i}` for a global one.
    pub(crate) preset: Option<&'static str>,
    pub(crate) running: &'static str,
    pub(crate) in_progress: &'static str,
    /// `/backoff` or `/Backoff` for one snapshot; `/backoffs/{i}` for a global one.
    pub(crate) backoff: Option<&'static str>,
    /// Indices of presets whose `desired_instances` came as `{"Int32": …}`.
    pub(crate) null_int32_presets: Vec<usize>,
}

impl KeySpellings {
    /// The pointer of the preset row at `index` (always `/preset` or `/Preset` in a single
    /// preset's snapshot).
    pub(crate) fn preset_pointer(&self, index: usize) -> String {
        match self.preset {
            Some(key) => key.to_owned(),
            None => format!("/presets/{index}"),
        }
    }

    /// The pointer of `field` in the body as sent.
    pub(crate) fn pointer(&self, field: Field) -> String {
        let preset = |index: usize| self.preset_pointer(index);
        match field {
            Field::PresetId { preset: index } => format!("{}/id", preset(index)),
            Field::DesiredInstances { preset: index } => {
                let int32 = if self.null_int32_presets.contains(&index) {
                    "/Int32"
                } else {
                    ""
                };
                format!("{}/desired_instances{int32}", preset(index))
            }
            Field::Running => self.running.to_owned(),
            Field::RunningId { row } => format!("{}/{row}/id", self.running),
            Field::InProgressCount { row } => format!("{}/{row}/count", self.in_progress),
            Field::BackoffNumFailed { row } => match self.backoff {
                Some(key) => format!("{key}/num_failed"),
                None => format!("/backoffs/{row}/num_failed"),
            },
        }
    }
}

/// A domain error as a 422 at the pointer of the field it names, as the body spelled it.
pub(crate) fn snapshot_problem(error: &SnapshotError, keys: &KeySpellings) -> Problem {
    Problem::invalid_body(vec![FieldError::at(
        keys.pointer(error.field()),
        error.to_string(),
    )])
}

/// Takes whichever spelling of a top-level key was sent, refusing both at once.
fn either_spelling<T>(
    snake: Option<T>,
    go: Option<T>,
    names: (&'static str, &'static str),
    errors: &mut Vec<FieldError>,
) -> (Option<T>, &'static str) {
    match (snake, go) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::at(
                names.1,
                format!(
                    "given twice, as {} and {}: send one",
                    &names.0[1..],
                    &names.1[1..]
                ),
            ));
            (None, names.0)
        }
        (None, Some(value)) => (Some(value), names.1),
        (value, None) => (value, names.0),
    }
}

/// One preset's rows as posted, each checked for shape but not yet against the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PresetRows {
    pub(crate) preset: domain::Preset,
    pub(crate) running: Vec<domain::RunningPrebuild>,
    pub(crate) in_progress: Vec<domain::InProgressCount>,
    pub(crate) backoff: Option<domain::Backoff>,
}

/// Reads a preset snapshot body into rows, with the key spellings its pointers need: the
/// reference for [`super::fast_read`].
pub(crate) fn preset_rows(body: &[u8]) -> Result<(PresetRows, KeySpellings), Problem> {
    let ObjectOnly(raw): ObjectOnly<model::PresetSnapshot> = parse_json(body)?;
    preset_snapshot_rows(raw)
}

/// [`preset_rows`] of a body already read as a preset snapshot (v2 reads its own, then takes
/// v1's part).
pub(crate) fn preset_snapshot_rows(
    raw: model::PresetSnapshot,
) -> Result<(PresetRows, KeySpellings), Problem> {
    let mut errors = Vec::new();
    let (preset, preset_key) = either_spelling(
        raw.preset,
        raw.go_preset,
        ("/preset", "/Preset"),
        &mut errors,
    );
    let (running, running_key) = either_spelling(
        raw.running,
        raw.go_running,
        ("/running", "/Running"),
        &mut errors,
    );
    let (in_progress, in_progress_key) = either_spelling(
        raw.in_progress,
        raw.go_in_progress,
        ("/in_progress", "/InProgress"),
        &mut errors,
    );
    let (backoff, backoff_key) = either_spelling(
        raw.backoff,
        raw.go_backoff,
        ("/backoff", "/Backoff"),
        &mut errors,
    );

    let preset = match preset {
        Some(ObjectOnly(preset)) => preset_row(preset, || preset_key.to_owned(), &mut errors),
        None => {
            if errors.is_empty() {
                errors.push(FieldError::at(preset_key, "required: the preset row"));
            }
            None
        }
    };
    let running = running_rows(running.unwrap_or_default(), running_key, &mut errors);
    let in_progress = in_progress_rows(
        in_progress.unwrap_or_default(),
        in_progress_key,
        &mut errors,
    );
    let backoff = backoff
        .and_then(|ObjectOnly(row)| backoff_row(row, || backoff_key.to_owned(), &mut errors));
    let (Some((preset, null_int32)), true) = (preset, errors.is_empty()) else {
        errors.truncate(MAX_FIELD_ERRORS);
        return Err(Problem::invalid_body(errors));
    };
    let keys = KeySpellings {
        preset: Some(preset_key),
        running: running_key,
        in_progress: in_progress_key,
        backoff: Some(backoff_key),
        null_int32_presets: if null_int32 { vec![0] } else { Vec::new() },
    };
    Ok((
        PresetRows {
            preset,
            running,
            in_progress,
            backoff,
        },
        keys,
    ))
}

/// Every preset's rows as posted, in the four flat lists.
pub(crate) struct GlobalRows {
    pub(crate) presets: Vec<domain::Preset>,
    pub(crate) running: Vec<domain::RunningPrebuild>,
    pub(crate) in_progress: Vec<domain::InProgressCount>,
    pub(crate) backoffs: Vec<domain::Backoff>,
}

/// Reads a global snapshot body into its four lists, with the pointers' spellings.
pub(crate) fn global_rows(body: &[u8]) -> Result<(GlobalRows, KeySpellings), Problem> {
    let ObjectOnly(raw): ObjectOnly<model::GlobalSnapshot> = parse_json(body)?;
    global_snapshot_rows(raw)
}

/// [`global_rows`] of a body already read as a global snapshot (v2 reads its own, then takes
/// v1's part).
pub(crate) fn global_snapshot_rows(
    raw: model::GlobalSnapshot,
) -> Result<(GlobalRows, KeySpellings), Problem> {
    let mut errors = Vec::new();
    let mut null_int32_presets = Vec::new();
    let presets = match raw.presets {
        Some(presets) => presets
            .into_iter()
            .enumerate()
            .filter_map(|(index, ObjectOnly(preset))| {
                let (row, null_int32) =
                    preset_row(preset, || format!("/presets/{index}"), &mut errors)?;
                if null_int32 {
                    null_int32_presets.push(index);
                }
                Some(row)
            })
            .collect(),
        None => {
            errors.push(FieldError::at(
                "/presets",
                "required: the list of preset rows",
            ));
            Vec::new()
        }
    };
    let running = running_rows(raw.running.unwrap_or_default(), "/running", &mut errors);
    let in_progress = in_progress_rows(
        raw.in_progress.unwrap_or_default(),
        "/in_progress",
        &mut errors,
    );
    let backoffs = raw
        .backoffs
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, ObjectOnly(row))| {
            backoff_row(row, || format!("/backoffs/{index}"), &mut errors)
        })
        .collect();
    if !errors.is_empty() {
        errors.truncate(MAX_FIELD_ERRORS);
        return Err(Problem::invalid_body(errors));
    }
    let keys = KeySpellings {
        preset: None,
        running: "/running",
        in_progress: "/in_progress",
        backoff: None,
        null_int32_presets,
    };
    Ok((
        GlobalRows {
            presets,
            running,
            in_progress,
            backoffs,
        },
        keys,
    ))
}

/// Notes a missing required field; pointers are built only when something is missing.
pub(crate) fn require<T>(
    value: Option<T>,
    errors: &mut Vec<FieldError>,
    at: impl FnOnce() -> String,
    field: &str,
) -> Option<T> {
    if value.is_none() && errors.len() < MAX_FIELD_ERRORS {
        errors.push(FieldError::at(format!("{}/{field}", at()), "required"));
    }
    value
}

/// The preset row, and whether `desired_instances` came in the `sql.NullInt32` form.
fn preset_row(
    raw: model::Preset,
    at: impl Fn() -> String,
    errors: &mut Vec<FieldError>,
) -> Option<(domain::Preset, bool)> {
    let id = require(raw.id, errors, &at, "id");
    let using_active_version = require(
        raw.using_active_version,
        errors,
        &at,
        "using_active_version",
    );
    let deleted = require(raw.deleted, errors, &at, "deleted");
    let deprecated = require(raw.deprecated, errors, &at, "deprecated");
    let (desired_instances, null_int32) = match raw.desired_instances {
        None => (0, false),
        Some(model::DesiredInstances::Plain(n)) => (n, false),
        Some(model::DesiredInstances::NullInt32(n)) => (n, true),
    };
    Some((
        domain::Preset {
            id: id?.0,
            using_active_version: using_active_version?,
            deleted: deleted?,
            deprecated: deprecated?,
            desired_instances,
        },
        null_int32,
    ))
}

fn running_rows(
    rows: Vec<ObjectOnly<model::RunningPrebuild>>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<domain::RunningPrebuild> {
    let mut out = Vec::with_capacity(rows.len());
    for (index, ObjectOnly(raw)) in rows.into_iter().enumerate() {
        let at = || format!("{key}/{index}");
        let id = require(raw.id, errors, at, "id");
        let ready = require(raw.ready, errors, at, "ready");
        let created_at = require(raw.created_at, errors, at, "created_at");
        if let (Some(id), Some(ready), Some(created_at)) = (id, ready, created_at) {
            out.push(domain::RunningPrebuild {
                id: id.0,
                ready,
                created_at: created_at.0,
                current_preset_id: raw.current_preset_id.map(|id| id.0),
            });
        }
    }
    out
}

fn in_progress_rows(
    rows: Vec<ObjectOnly<model::InProgressCount>>,
    key: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<domain::InProgressCount> {
    let mut out = Vec::with_capacity(rows.len());
    for (index, ObjectOnly(raw)) in rows.into_iter().enumerate() {
        let at = || format!("{key}/{index}");
        let transition = require(raw.transition, errors, at, "transition");
        let count = require(raw.count, errors, at, "count");
        if let (Some(transition), Some(count)) = (transition, count) {
            out.push(domain::InProgressCount {
                transition: match transition {
                    model::Transition::Start => domain::Transition::Start,
                    model::Transition::Stop => domain::Transition::Stop,
                    model::Transition::Delete => domain::Transition::Delete,
                },
                count: count.0,
                preset_id: raw.preset_id.map(|id| id.0),
            });
        }
    }
    out
}

fn backoff_row(
    raw: model::Backoff,
    at: impl Fn() -> String,
    errors: &mut Vec<FieldError>,
) -> Option<domain::Backoff> {
    let num_failed = require(raw.num_failed, errors, &at, "num_failed");
    let last_build_at = require(raw.last_build_at, errors, &at, "last_build_at");
    Some(domain::Backoff {
        num_failed: num_failed?.0,
        last_build_at: last_build_at?.0,
        preset_id: raw.preset_id.map(|id| id.0),
    })
}
