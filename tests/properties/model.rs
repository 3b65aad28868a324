//! The tests' own picture of a snapshot: instants as `i128` nanoseconds, the ways a control plane
//! may spell them, both body forms (canonical and Go-native), and the seed's rules restated in the
//! plainest arithmetic, independent of `src/domain`.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use prebuild_decider::domain;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Nanoseconds per second.
pub const SECOND: i128 = 1_000_000_000;

/// Nanoseconds from the Unix epoch to a UTC wall clock (proleptic Gregorian, year 0 allowed).
fn naive_nanos(year: i32, month: u32, day: u32, h: u32, m: u32, s: u32, nanos: u32) -> i128 {
    let naive = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_nano_opt(h, m, s, nanos))
        .expect("a real date");
    let utc = naive.and_utc();
    i128::from(utc.timestamp()) * SECOND + i128::from(utc.timestamp_subsec_nanos())
}

/// The first wall-clock instant RFC 3339 can write: 0000-01-01T00:00:00.
pub fn min_local() -> i128 {
    naive_nanos(0, 1, 1, 0, 0, 0, 0)
}

/// The last wall-clock instant RFC 3339 can write: 9999-12-31T23:59:59.999999999.
pub fn max_local() -> i128 {
    naive_nanos(9999, 12, 31, 23, 59, 59, 999_999_999)
}

/// Go's zero `time.Time`: 0001-01-01T00:00:00Z.
pub fn go_zero_time() -> i128 {
    naive_nanos(1, 1, 1, 0, 0, 0, 0)
}

/// 2025-06-02T12:00:00Z: the centre of the instants most tests use.
pub fn typical_centre() -> i128 {
    naive_nanos(2025, 6, 2, 12, 0, 0, 0)
}

/// Whether `instant` can be written in RFC 3339 at `offset_minutes`.
pub fn representable(instant: i128, offset_minutes: i32) -> bool {
    let local = instant + i128::from(offset_minutes) * 60 * SECOND;
    (min_local()..=max_local()).contains(&local)
}

/// How a zero offset is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroOffset {
    /// `Z`.
    Z,
    /// `+00:00`.
    Plus,
    /// `-00:00`.
    Minus,
}

/// How the fraction of a second is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fraction {
    /// Go's own form: trailing zeros trimmed, none for a whole second.
    Trimmed,
    /// All nine digits, then these further digits (which Go reads and ignores).
    Padded(String),
}

/// An instant, the offset it is written in, and how it is spelled.
#[derive(Clone, Debug)]
pub struct Stamp {
    /// Nanoseconds since the Unix epoch.
    pub instant: i128,
    /// Minutes east of UTC, within ±23:59.
    pub offset_minutes: i32,
    /// The fraction's spelling.
    pub fraction: Fraction,
    /// The zero offset's spelling.
    pub zero: ZeroOffset,
}

/// The wall clock of `instant` at `offset_minutes`: (date-time without fraction, nanoseconds).
fn wall_clock(instant: i128, offset_minutes: i32) -> (String, u32) {
    let local = instant + i128::from(offset_minutes) * 60 * SECOND;
    let seconds = i64::try_from(local.div_euclid(SECOND)).expect("in range");
    let nanos = u32::try_from(local.rem_euclid(SECOND)).expect("below a second");
    let naive = DateTime::from_timestamp(seconds, nanos)
        .expect("within chrono's range")
        .naive_utc();
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        naive.year(),
        naive.month(),
        naive.day(),
        naive.hour(),
        naive.minute(),
        naive.second()
    );
    (text, nanos)
}

fn offset_text(offset_minutes: i32, zero: ZeroOffset) -> String {
    if offset_minutes == 0 {
        return match zero {
            ZeroOffset::Z => "Z".into(),
            ZeroOffset::Plus => "+00:00".into(),
            ZeroOffset::Minus => "-00:00".into(),
        };
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// Go's `RFC3339Nano` form of `instant` at `offset_minutes`: what the service must answer.
pub fn go_rfc3339_nano(instant: i128, offset_minutes: i32) -> String {
    let (mut text, nanos) = wall_clock(instant, offset_minutes);
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        text.push('.');
        text.push_str(digits.trim_end_matches('0'));
    }
    text + &offset_text(offset_minutes, ZeroOffset::Z)
}

impl Stamp {
    /// A stamp in Go's own spelling.
    pub fn plain(instant: i128, offset_minutes: i32) -> Self {
        Stamp {
            instant,
            offset_minutes,
            fraction: Fraction::Trimmed,
            zero: ZeroOffset::Z,
        }
    }

    /// The stamp as sent.
    pub fn text(&self) -> String {
        let (mut text, nanos) = wall_clock(self.instant, self.offset_minutes);
        match &self.fraction {
            Fraction::Trimmed if nanos == 0 => {}
            Fraction::Trimmed => {
                text.push('.');
                text.push_str(format!("{nanos:09}").trim_end_matches('0'));
            }
            Fraction::Padded(extra) => {
                text.push_str(&format!(".{nanos:09}{extra}"));
            }
        }
        text + &offset_text(self.offset_minutes, self.zero)
    }

    /// The stamp as the domain reads it.
    pub fn timestamp(&self) -> domain::Timestamp {
        domain::Timestamp::parse_rfc3339(&self.text())
            .unwrap_or_else(|e| panic!("{} should parse: {e}", self.text()))
    }
}

/// Go's `Duration.String()`, written out again here so the echo is checked independently.
pub fn go_duration_string(nanos: i64) -> String {
    fn fraction(mut value: u64, precision: usize) -> String {
        if value == 0 {
            return String::new();
        }
        let mut width = precision;
        while value.is_multiple_of(10) {
            value /= 10;
            width -= 1;
        }
        format!(".{value:0width$}")
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".into();
    }
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        return format!("{sign}{}{}µs", u / 1_000, fraction(u % 1_000, 3));
    }
    if u < 1_000_000_000 {
        return format!("{sign}{}{}ms", u / 1_000_000, fraction(u % 1_000_000, 6));
    }
    let seconds = u / 1_000_000_000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let frac = fraction(u % 1_000_000_000, 9);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}{frac}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}{frac}s")
    } else {
        format!("{sign}{s}{frac}s")
    }
}

/// A workspace transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Start,
    Stop,
    Delete,
}

impl Transition {
    pub fn name(self) -> &'static str {
        match self {
            Transition::Start => "start",
            Transition::Stop => "stop",
            Transition::Delete => "delete",
        }
    }

    fn domain(self) -> domain::Transition {
        match self {
            Transition::Start => domain::Transition::Start,
            Transition::Stop => domain::Transition::Stop,
            Transition::Delete => domain::Transition::Delete,
        }
    }
}

/// The preset row.
#[derive(Clone, Debug)]
pub struct Preset {
    pub id: Uuid,
    pub using_active_version: bool,
    pub deleted: bool,
    pub deprecated: bool,
    pub desired: i32,
}

/// A running prebuild row.
#[derive(Clone, Debug)]
pub struct Running {
    pub id: Uuid,
    pub ready: bool,
    pub created_at: Stamp,
    pub current_preset_id: Option<Uuid>,
}

/// An in-progress count row.
#[derive(Clone, Debug)]
pub struct InProgress {
    pub transition: Transition,
    pub count: i32,
    pub preset_id: Option<Uuid>,
}

/// A backoff row.
#[derive(Clone, Debug)]
pub struct Backoff {
    pub num_failed: i32,
    pub last_build_at: Stamp,
    pub preset_id: Option<Uuid>,
}

/// One preset's rows.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub preset: Preset,
    pub running: Vec<Running>,
    pub in_progress: Vec<InProgress>,
    pub backoff: Option<Backoff>,
}

/// Every preset's rows as four flat lists.
#[derive(Clone, Debug)]
pub struct Global {
    pub presets: Vec<Preset>,
    pub running: Vec<Running>,
    pub in_progress: Vec<InProgress>,
    pub backoffs: Vec<Backoff>,
}

/// The decision's two other inputs.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub now: Stamp,
    pub interval_nanos: i64,
    /// The interval as sent in the query (any Go spelling of it).
    pub interval_text: String,
}

impl Inputs {
    /// The query string for the decision calls.
    pub fn query(&self) -> String {
        let encode = |s: &str| {
            s.replace('%', "%25")
                .replace('+', "%2B")
                .replace('µ', "%C2%B5")
        };
        format!(
            "now={}&backoff_interval={}",
            encode(&self.now.text()),
            encode(&self.interval_text)
        )
    }

    /// The inputs as the pipeline takes them.
    pub fn domain(&self) -> prebuild_decider::codec::pipeline::DecisionInputs {
        prebuild_decider::codec::pipeline::DecisionInputs {
            now: self.now.timestamp(),
            backoff_interval: domain::GoDuration::from_nanos(self.interval_nanos),
        }
    }
}

/// The choices a body's spelling makes, none of which may change an answer.
#[derive(Clone, Debug)]
pub struct Style {
    /// Drives every per-field choice (splitmix64), so one number shrinks and replays them all.
    pub seed: u64,
    /// Uppercase UUIDs.
    pub uppercase_ids: bool,
}

/// A tiny deterministic generator for the per-field spelling choices.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn id_value(id: Uuid, style: &Style) -> Value {
    let text = id.hyphenated().to_string();
    Value::String(if style.uppercase_ids {
        text.to_uppercase()
    } else {
        text
    })
}

/// An integer, sometimes spelled `n.0` (the contract accepts any integral number).
fn int_value(n: i32, dice: &mut Dice) -> Value {
    if dice.one_in(5) {
        json!(f64::from(n))
    } else {
        json!(n)
    }
}

/// Optional columns the decision does not read, with values of their own type.
fn extras(object: &mut Map<String, Value>, names: &[&str], dice: &mut Dice, style: &Style) {
    for name in names {
        if dice.one_in(2) {
            continue;
        }
        let value = if name.ends_with("_id") {
            if dice.one_in(4) {
                Value::Null
            } else {
                id_value(Uuid::from_u128(u128::from(dice.next()) << 17), style)
            }
        } else if dice.one_in(5) {
            Value::Null
        } else {
            json!(format!("{name}-{}", dice.below(100)))
        };
        object.insert((*name).to_owned(), value);
    }
    if dice.one_in(4) {
        // An unknown column: ignored by the contract.
        object.insert(
            format!("x_extra_{}", dice.below(10)),
            json!({"nested": [1, "two", null], "n": 1e300}),
        );
    }
}

impl Preset {
    fn is_active(&self) -> bool {
        self.using_active_version && !self.deleted && !self.deprecated
    }

    /// The row; `go` writes `desired_instances` as `sql.NullInt32`.
    pub fn value(&self, style: &Style, dice: &mut Dice, go: bool) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), id_value(self.id, style));
        object.insert(
            "using_active_version".into(),
            json!(self.using_active_version),
        );
        object.insert("deleted".into(), json!(self.deleted));
        object.insert("deprecated".into(), json!(self.deprecated));
        if go {
            // The seed reads Int32 whatever Valid says.
            let valid = self.desired != 0 || !dice.one_in(2);
            let valid = if dice.one_in(8) { !valid } else { valid };
            let mut null_int32 = Map::new();
            if self.desired != 0 || !dice.one_in(3) {
                null_int32.insert("Int32".into(), int_value(self.desired, dice));
            }
            if !dice.one_in(6) {
                null_int32.insert("Valid".into(), json!(valid));
            }
            object.insert("desired_instances".into(), Value::Object(null_int32));
        } else if self.desired != 0 || dice.one_in(3) {
            object.insert("desired_instances".into(), int_value(self.desired, dice));
        } else if dice.one_in(2) {
            object.insert("desired_instances".into(), Value::Null);
        }
        extras(
            &mut object,
            &[
                "name",
                "template_id",
                "template_name",
                "organization_name",
                "template_version_id",
                "template_version_name",
            ],
            dice,
            style,
        );
        shuffle_members(object, dice)
    }

    pub fn domain(&self) -> domain::Preset {
        domain::Preset {
            id: self.id,
            using_active_version: self.using_active_version,
            deleted: self.deleted,
            deprecated: self.deprecated,
            desired_instances: self.desired,
        }
    }
}

/// Rewrites an object's members in a shuffled order (JSON objects are unordered).
fn shuffle_members(object: Map<String, Value>, dice: &mut Dice) -> Value {
    let mut members: Vec<_> = object.into_iter().collect();
    for i in (1..members.len()).rev() {
        let j = dice.below(i as u64 + 1) as usize;
        members.swap(i, j);
    }
    Value::Object(members.into_iter().collect())
}

impl Running {
    pub fn value(&self, style: &Style, dice: &mut Dice, global: bool) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), id_value(self.id, style));
        object.insert("ready".into(), json!(self.ready));
        object.insert("created_at".into(), json!(self.created_at.text()));
        match self.current_preset_id {
            Some(id) if global || !dice.one_in(2) => {
                object.insert("current_preset_id".into(), id_value(id, style));
            }
            None if global || dice.one_in(2) => {
                object.insert("current_preset_id".into(), Value::Null);
            }
            _ => {}
        }
        extras(
            &mut object,
            &["name", "template_id", "template_version_id"],
            dice,
            style,
        );
        shuffle_members(object, dice)
    }

    pub fn domain(&self) -> domain::RunningPrebuild {
        domain::RunningPrebuild {
            id: self.id,
            ready: self.ready,
            created_at: self.created_at.timestamp(),
            current_preset_id: self.current_preset_id,
        }
    }
}

impl InProgress {
    pub fn value(&self, style: &Style, dice: &mut Dice, global: bool) -> Value {
        let mut object = Map::new();
        object.insert("transition".into(), json!(self.transition.name()));
        object.insert("count".into(), int_value(self.count, dice));
        match self.preset_id {
            Some(id) if global || !dice.one_in(2) => {
                object.insert("preset_id".into(), id_value(id, style));
            }
            None if global || dice.one_in(2) => {
                object.insert("preset_id".into(), Value::Null);
            }
            _ => {}
        }
        extras(
            &mut object,
            &["template_id", "template_version_id"],
            dice,
            style,
        );
        shuffle_members(object, dice)
    }

    pub fn domain(&self) -> domain::InProgressCount {
        domain::InProgressCount {
            transition: self.transition.domain(),
            count: self.count,
            preset_id: self.preset_id,
        }
    }
}

impl Backoff {
    pub fn value(&self, style: &Style, dice: &mut Dice, global: bool) -> Value {
        let mut object = Map::new();
        object.insert("num_failed".into(), int_value(self.num_failed, dice));
        object.insert("last_build_at".into(), json!(self.last_build_at.text()));
        match self.preset_id {
            Some(id) if global || !dice.one_in(2) => {
                object.insert("preset_id".into(), id_value(id, style));
            }
            None if global => {
                object.insert("preset_id".into(), Value::Null);
            }
            _ => {}
        }
        extras(&mut object, &["template_version_id"], dice, style);
        shuffle_members(object, dice)
    }

    pub fn domain(&self) -> domain::Backoff {
        domain::Backoff {
            num_failed: self.num_failed,
            last_build_at: self.last_build_at.timestamp(),
            preset_id: self.preset_id,
        }
    }

    /// `last_build_at + num_failed × interval`, in nanoseconds, when failures are on record.
    pub fn until(&self, interval_nanos: i64) -> Option<i128> {
        (self.num_failed > 0).then(|| {
            self.last_build_at.instant + i128::from(self.num_failed) * i128::from(interval_nanos)
        })
    }
}

/// A list: empty ones may be absent, `null` or `[]`.
fn list(object: &mut Map<String, Value>, key: &str, items: Vec<Value>, dice: &mut Dice, go: bool) {
    if !items.is_empty() {
        object.insert(key.into(), Value::Array(items));
        return;
    }
    match dice.below(3) {
        // Go's json.Marshal writes a nil slice as null and always writes the key.
        0 if !go => {}
        1 => {
            object.insert(key.into(), Value::Null);
        }
        _ => {
            object.insert(key.into(), json!([]));
        }
    }
}

impl Snapshot {
    /// The body in the canonical (snake_case) form.
    pub fn canonical(&self, style: &Style) -> Value {
        self.body(style, false)
    }

    /// The body as Go's `json.Marshal(snapshot)` writes it.
    pub fn go_native(&self, style: &Style) -> Value {
        self.body(style, true)
    }

    fn body(&self, style: &Style, go: bool) -> Value {
        let mut dice = Dice::new(style.seed ^ if go { 0x60 } else { 0 });
        let key = |canonical: &'static str, native: &'static str| {
            if go { native } else { canonical }
        };
        let mut object = Map::new();
        object.insert(
            key("preset", "Preset").into(),
            self.preset.value(style, &mut dice, go),
        );
        let running = self
            .running
            .iter()
            .map(|r| r.value(style, &mut dice, false))
            .collect();
        list(
            &mut object,
            key("running", "Running"),
            running,
            &mut dice,
            go,
        );
        let in_progress = self
            .in_progress
            .iter()
            .map(|r| r.value(style, &mut dice, false))
            .collect();
        list(
            &mut object,
            key("in_progress", "InProgress"),
            in_progress,
            &mut dice,
            go,
        );
        match &self.backoff {
            Some(backoff) => {
                object.insert(
                    key("backoff", "Backoff").into(),
                    backoff.value(style, &mut dice, false),
                );
            }
            None if go || dice.one_in(2) => {
                object.insert(key("backoff", "Backoff").into(), Value::Null);
            }
            None => {}
        }
        if dice.one_in(4) {
            object.insert("x_unknown_top".into(), json!({"ignored": true}));
        }
        shuffle_members(object, &mut dice)
    }

    /// The snapshot as the domain takes it.
    pub fn domain(&self) -> domain::PresetSnapshot {
        domain::PresetSnapshot::new(
            self.preset.domain(),
            self.running.iter().map(Running::domain).collect(),
            self.in_progress.iter().map(InProgress::domain).collect(),
            self.backoff.as_ref().map(Backoff::domain),
        )
        .expect("a generated snapshot is valid")
    }

    pub fn is_active(&self) -> bool {
        self.preset.is_active()
    }

    /// The seed's `CalculateState`, in plain arithmetic.
    pub fn expected_state(&self) -> State {
        let actual = self.running.len() as i64;
        let (mut desired, mut eligible, mut extraneous) = (0, 0, 0);
        if self.is_active() {
            desired = i64::from(self.preset.desired);
            eligible = self.running.iter().filter(|r| r.ready).count() as i64;
            extraneous = (actual - desired).max(0);
        }
        let sum = |t: Transition| {
            self.in_progress
                .iter()
                .filter(|p| p.transition == t)
                .map(|p| i64::from(p.count))
                .sum::<i64>()
        };
        State {
            actual,
            desired,
            eligible,
            extraneous,
            starting: sum(Transition::Start),
            stopping: sum(Transition::Stop),
            deleting: sum(Transition::Delete),
        }
    }

    /// The running IDs, oldest first; equal instants keep their input order.
    pub fn oldest_first(&self) -> Vec<Uuid> {
        let mut rows: Vec<_> = self.running.iter().collect();
        rows.sort_by_key(|r| r.created_at.instant);
        rows.iter().map(|r| r.id).collect()
    }

    /// The instant a running prebuild was created.
    pub fn created_at(&self, id: Uuid) -> Option<i128> {
        self.running
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.created_at.instant)
    }

    /// The position of a running prebuild in the input.
    pub fn position(&self, id: Uuid) -> Option<usize> {
        self.running.iter().position(|r| r.id == id)
    }
}

impl Global {
    /// The body `/v1/global/reconcile` takes.
    pub fn body(&self, style: &Style) -> Value {
        let mut dice = Dice::new(style.seed ^ 0x610b);
        let mut object = Map::new();
        object.insert(
            "presets".into(),
            self.presets
                .iter()
                .map(|p| p.value(style, &mut dice, false))
                .collect(),
        );
        let running = self
            .running
            .iter()
            .map(|r| r.value(style, &mut dice, true))
            .collect();
        list(&mut object, "running", running, &mut dice, false);
        let in_progress = self
            .in_progress
            .iter()
            .map(|r| r.value(style, &mut dice, true))
            .collect();
        list(&mut object, "in_progress", in_progress, &mut dice, false);
        let backoffs = self
            .backoffs
            .iter()
            .map(|r| r.value(style, &mut dice, true))
            .collect();
        list(&mut object, "backoffs", backoffs, &mut dice, false);
        shuffle_members(object, &mut dice)
    }

    /// The lists as the domain takes them.
    pub fn domain(&self) -> domain::GlobalSnapshot {
        domain::GlobalSnapshot::new(
            self.presets.iter().map(Preset::domain).collect(),
            self.running.iter().map(Running::domain).collect(),
            self.in_progress.iter().map(InProgress::domain).collect(),
            self.backoffs.iter().map(Backoff::domain).collect(),
        )
        .expect("a generated global snapshot is valid")
    }

    /// Preset `index`'s own snapshot, split the way the contract says (`FilterByPreset`).
    pub fn own_snapshot(&self, index: usize) -> Snapshot {
        let preset = self.presets[index].clone();
        let mine = |id: Option<Uuid>| id == Some(preset.id);
        Snapshot {
            running: self
                .running
                .iter()
                .filter(|r| mine(r.current_preset_id))
                .cloned()
                .collect(),
            in_progress: self
                .in_progress
                .iter()
                .filter(|p| mine(p.preset_id))
                .cloned()
                .collect(),
            backoff: self.backoffs.iter().find(|b| mine(b.preset_id)).cloned(),
            preset,
        }
    }
}

/// `ReconciliationState`, widened so no comparison can overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub actual: i64,
    pub desired: i64,
    pub eligible: i64,
    pub extraneous: i64,
    pub starting: i64,
    pub stopping: i64,
    pub deleting: i64,
}

/// The one action, as read from an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Create(i64),
    Delete(Vec<Uuid>),
    /// `backoff_until` as written.
    Backoff(String),
}

/// A decision as read from the domain or from an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub state: State,
    pub action: Action,
    pub noop: bool,
}

impl From<domain::ReconciliationState> for State {
    fn from(s: domain::ReconciliationState) -> Self {
        State {
            actual: s.actual.into(),
            desired: s.desired.into(),
            eligible: s.eligible.into(),
            extraneous: s.extraneous.into(),
            starting: s.starting.into(),
            stopping: s.stopping.into(),
            deleting: s.deleting.into(),
        }
    }
}

impl Outcome {
    /// The domain's decision.
    pub fn of_domain(decision: &domain::Decision) -> Self {
        Outcome {
            state: decision.state.into(),
            action: match &decision.actions {
                domain::ReconciliationActions::Create(n) => Action::Create((*n).into()),
                domain::ReconciliationActions::Delete(ids) => Action::Delete(ids.clone()),
                domain::ReconciliationActions::Backoff(until) => Action::Backoff(until.to_string()),
            },
            noop: decision.actions.is_noop(),
        }
    }

    /// A `Decision` answer, checking its shape strictly on the way.
    pub fn of_json(decision: &Value) -> Result<Self, String> {
        Ok(Outcome {
            state: state_of_json(&decision["state"])?,
            action: action_of_json(&decision["actions"])?,
            noop: decision["noop"]
                .as_bool()
                .ok_or_else(|| format!("noop is not a bool in {decision}"))?,
        })
    }
}

/// A `ReconciliationState` answer: exactly the seven int32 members.
pub fn state_of_json(state: &Value) -> Result<State, String> {
    let object = state
        .as_object()
        .ok_or_else(|| format!("state is not an object: {state}"))?;
    if object.len() != 7 {
        return Err(format!("state has other than seven members: {state}"));
    }
    let get = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_i64)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| format!("state.{key} is not an int32 in {state}"))
    };
    Ok(State {
        actual: get("actual")?,
        desired: get("desired")?,
        eligible: get("eligible")?,
        extraneous: get("extraneous")?,
        starting: get("starting")?,
        stopping: get("stopping")?,
        deleting: get("deleting")?,
    })
}

/// A `ReconciliationActions` answer: exactly one of the three shapes.
pub fn action_of_json(actions: &Value) -> Result<Action, String> {
    let object = actions
        .as_object()
        .ok_or_else(|| format!("actions is not an object: {actions}"))?;
    let kind = object
        .get("action_type")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no action_type in {actions}"))?;
    let field = match kind {
        "create" => "create",
        "delete" => "delete_ids",
        "backoff" => "backoff_until",
        other => return Err(format!("unknown action_type {other:?}")),
    };
    if object.len() != 2 || !object.contains_key(field) {
        return Err(format!(
            "a {kind} action must have action_type and {field} only: {actions}"
        ));
    }
    let value = &object[field];
    match kind {
        "create" => value
            .as_i64()
            .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
            .map(Action::Create)
            .ok_or_else(|| format!("create is not a count: {actions}")),
        "delete" => value
            .as_array()
            .ok_or_else(|| format!("delete_ids is not an array: {actions}"))?
            .iter()
            .map(|id| {
                id.as_str()
                    .and_then(|s| Uuid::try_parse(s).ok())
                    .filter(|u| id.as_str() == Some(u.hyphenated().to_string().as_str()))
                    .ok_or_else(|| format!("delete_ids holds a non-UUID (or non-canonical) {id}"))
            })
            .collect::<Result<_, _>>()
            .map(Action::Delete),
        _ => value
            .as_str()
            .map(|s| Action::Backoff(s.to_owned()))
            .ok_or_else(|| format!("backoff_until is not a string: {actions}")),
    }
}

/// An answer without its `decision_id`s (new for every answer, at any depth), so two answers to
/// one question compare equal. Each removed id must be a UUID.
pub fn without_decision_ids(value: &Value) -> Result<Value, String> {
    Ok(match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, member) in object {
                if key == "decision_id" {
                    member
                        .as_str()
                        .and_then(|s| Uuid::try_parse(s).ok())
                        .ok_or_else(|| format!("decision_id is not a UUID: {member}"))?;
                } else {
                    out.insert(key.clone(), without_decision_ids(member)?);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(without_decision_ids)
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}
