//! A reader for the usual shape of a preset snapshot body, written for speed.
//!
//! It reads the contract's `PresetSnapshot` straight into the domain's rows, byte by byte and
//! without serde: the known keys only (in either spelling), strings of printable ASCII without
//! escapes, integers written plainly, `null` where the contract allows it. On anything else —
//! an unknown or repeated key, an escape, a fraction or exponent, a missing required field, a
//! malformed value, a byte outside printable ASCII — it gives up, and the body is read by the
//! serde path ([`super::read::preset_rows`]), which takes every body the contract takes
//! and explains every refusal. So this reader never refuses anything itself, and what it reads,
//! the serde path reads into the same rows (a property test and the fuzz target hold it to that).
//!
//! It is the hot path's one hand-written part: the serde path costs about six times more
//! instructions per body (see `docs/performance.md`).

use uuid::Uuid;

use super::read::{self, KeySpellings, PresetRows};
use crate::domain::{Backoff, InProgressCount, Preset, RunningPrebuild, Timestamp, Transition};

/// Reads `body` as a preset snapshot, or `None` when the serde path must.
pub(crate) fn preset_rows(body: &[u8]) -> Option<(PresetRows, KeySpellings)> {
    let mut reader = Reader { bytes: body, at: 0 };
    let rows = reader.snapshot()?;
    reader.whitespace();
    (reader.at == body.len()).then_some(rows)
}

/// A cursor over the body.
///
/// The rule every reading method keeps: one that fails consumes nothing. Callers try
/// alternatives one after another (a key's candidates, `null` or a value, `true` or `false`),
/// and each alternative must start where the failed one did, or a partial match would let the
/// next one read text that is not there (`"template_id"template_version_id": …`).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// KeySpellings seen in one object, to give up on a repeated key (serde refuses those).
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// Notes key number `bit`; `None` if it was seen already.
    fn mark(&mut self, bit: u32) -> Option<()> {
        let flag = 1 << bit;
        if self.0 & flag != 0 {
            return None;
        }
        self.0 |= flag;
        Some(())
    }
}

impl<'a> Reader<'a> {
    /// Runs `read`, and puts the cursor back where it was when `read` fails.
    #[inline(always)]
    fn attempt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let start = self.at;
        let value = read(self);
        if value.is_none() {
            self.at = start;
        }
        value
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Consumes `byte` after any whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.attempt(|reader| {
            reader.whitespace();
            (reader.bytes.get(reader.at) == Some(&byte)).then(|| reader.at += 1)
        })
    }

    /// Whether the next token is `byte`, consuming it if so.
    fn next_is(&mut self, byte: u8) -> bool {
        self.eat(byte).is_some()
    }

    /// Consumes the literal `word` (`null`, `true`, `false`) if it comes next.
    fn literal(&mut self, word: &[u8]) -> bool {
        self.attempt(|reader| {
            reader.whitespace();
            let found = reader.bytes[reader.at..].starts_with(word);
            found.then(|| reader.at += word.len())
        })
        .is_some()
    }

    /// A string's bytes up to the next quote, unchecked. Its reader checks them: a key or a
    /// transition must equal a known name, a UUID or timestamp parse only from their own
    /// characters, so an escape (or anything else) there makes them give up.
    fn raw_string(&mut self) -> Option<&'a [u8]> {
        self.attempt(|reader| {
            reader.eat(b'"')?;
            let start = reader.at;
            let length = find_quote(&reader.bytes[start..])?;
            reader.at = start + length + 1;
            Some(&reader.bytes[start..start + length])
        })
    }

    /// A string of printable ASCII without escapes (its value is not kept).
    fn string(&mut self) -> Option<()> {
        self.attempt(|reader| {
            let text = reader.raw_string()?;
            // An escape, a control character or anything beyond ASCII: the serde path decides.
            text.iter()
                .all(|&byte| (0x20..0x7f).contains(&byte) && byte != b'\\')
                .then_some(())
        })
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else if self.literal(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// An integer in JSON's plain form (`0`, `-12`; no fraction, exponent or leading zero)
    /// within int32.
    fn int32(&mut self) -> Option<i32> {
        self.attempt(|reader| {
            reader.whitespace();
            let negative = reader.bytes.get(reader.at) == Some(&b'-');
            if negative {
                reader.at += 1;
            }
            let digits = reader.bytes[reader.at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 || digits > 10 || (digits > 1 && reader.bytes[reader.at] == b'0') {
                return None;
            }
            let magnitude = reader.bytes[reader.at..reader.at + digits]
                .iter()
                .fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0'));
            reader.at += digits;
            // A fraction or an exponent follows: the serde path reads `2.0` and `2e0`.
            if let Some(b'.' | b'e' | b'E') = reader.bytes.get(reader.at) {
                return None;
            }
            i32::try_from(if negative { -magnitude } else { magnitude }).ok()
        })
    }

    /// A UUID in its hyphenated form, any case (36 characters: the uuid crate's other forms are
    /// shorter or longer).
    fn uuid(&mut self) -> Option<Uuid> {
        const LENGTH: usize = uuid::fmt::Hyphenated::LENGTH;
        self.attempt(|reader| {
            reader.eat(b'"')?;
            let text = reader.bytes.get(reader.at..reader.at + LENGTH)?;
            // Its closing quote where the 36 characters end: no search needed.
            if reader.bytes.get(reader.at + LENGTH) != Some(&b'"') {
                return None;
            }
            reader.at += LENGTH + 1;
            Uuid::try_parse_ascii(text).ok()
        })
    }

    fn timestamp(&mut self) -> Option<Timestamp> {
        self.attempt(|reader| Timestamp::parse_rfc3339_bytes(reader.raw_string()?).ok())
    }

    /// `null` (giving `None`), or a value read by `read`.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.literal(b"null") {
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// The next byte, unconsumed.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Consumes `key`, its closing quote and the colon after it, if `key` comes next (the
    /// cursor is past the key's opening quote). With `key` a constant, this inlines to a few
    /// comparisons: keys are matched in place, never searched for their end.
    #[inline(always)]
    fn key_is(&mut self, key: &[u8]) -> bool {
        self.attempt(|reader| {
            let matches = reader.bytes[reader.at..].starts_with(key)
                && reader.bytes.get(reader.at + key.len()) == Some(&b'"');
            matches.then(|| reader.at += key.len() + 1)?;
            reader.eat(b':')
        })
        .is_some()
    }

    /// An object: `field` is called at each key (past its opening quote), and reads the key
    /// with [`Reader::key_is`] and then its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.attempt(|reader| {
            reader.eat(b'{')?;
            if reader.next_is(b'}') {
                return Some(());
            }
            loop {
                reader.eat(b'"')?;
                field(reader)?;
                if reader.next_is(b'}') {
                    return Some(());
                }
                reader.eat(b',')?;
            }
        })
    }

    /// `null` (an empty list) or an array: `element` reads each element.
    fn list<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        /// Room for the usual list (a preset's running prebuilds) in one allocation.
        const USUAL_LENGTH: usize = 16;
        if self.literal(b"null") {
            return Some(Vec::new());
        }
        self.attempt(|reader| {
            reader.eat(b'[')?;
            let mut items = Vec::with_capacity(USUAL_LENGTH);
            if reader.next_is(b']') {
                return Some(items);
            }
            loop {
                items.push(element(reader)?);
                if reader.next_is(b']') {
                    return Some(items);
                }
                reader.eat(b',')?;
            }
        })
    }

    fn snapshot(&mut self) -> Option<(PresetRows, KeySpellings)> {
        let (mut preset, mut running, mut in_progress, mut backoff) = (None, None, None, None);
        let mut keys = KeySpellings::default();
        let mut seen = Seen::default();
        self.object(|reader| {
            // Each key in either spelling; both spellings of one key are refused by the serde
            // path, so they count as one here.
            let (slot, snake) = if reader.key_is(b"preset") {
                (0, true)
            } else if reader.key_is(b"running") {
                (1, true)
            } else if reader.key_is(b"in_progress") {
                (2, true)
            } else if reader.key_is(b"backoff") {
                (3, true)
            } else if reader.key_is(b"Preset") {
                (0, false)
            } else if reader.key_is(b"Running") {
                (1, false)
            } else if reader.key_is(b"InProgress") {
                (2, false)
            } else if reader.key_is(b"Backoff") {
                (3, false)
            } else {
                return None;
            };
            seen.mark(slot)?;
            // Like the serde path, take a key's spelling only from a value that is not null.
            let null = reader.literal(b"null");
            match slot {
                // A null preset is refused by the serde path.
                0 if null => return None,
                0 => {
                    keys.preset = Some(if snake { "/preset" } else { "/Preset" });
                    preset = Some(reader.preset()?);
                }
                1 if !null => {
                    keys.running = if snake { "/running" } else { "/Running" };
                    running = Some(reader.list(Self::running_prebuild)?);
                }
                2 if !null => {
                    keys.in_progress = if snake { "/in_progress" } else { "/InProgress" };
                    in_progress = Some(reader.list(Self::in_progress_count)?);
                }
                3 if !null => {
                    keys.backoff = Some(if snake { "/backoff" } else { "/Backoff" });
                    backoff = Some(reader.backoff()?);
                }
                _ => {}
            }
            Some(())
        })?;
        let (preset, null_int32) = preset?;
        // Absent keys are spelled as the serde path spells them.
        keys.preset.get_or_insert("/preset");
        keys.backoff.get_or_insert("/backoff");
        if keys.running.is_empty() {
            keys.running = "/running";
        }
        if keys.in_progress.is_empty() {
            keys.in_progress = "/in_progress";
        }
        if null_int32 {
            keys.null_int32_presets.push(0);
        }
        let rows = PresetRows {
            preset,
            running: running.unwrap_or_default(),
            in_progress: in_progress.unwrap_or_default(),
            backoff,
        };
        Some((rows, keys))
    }

    /// A preset row, and whether `desired_instances` came as `{"Int32": …}`.
    fn preset(&mut self) -> Option<(Preset, bool)> {
        let (mut id, mut active, mut deleted, mut deprecated) = (None, None, None, None);
        let (mut desired, mut null_int32) = (0, false);
        let mut seen = Seen::default();
        self.object(|reader| {
            // The first byte picks the candidates, so a key costs one or two comparisons.
            let field = match reader.peek()? {
                b'i' if reader.key_is(b"id") => 0,
                b'u' if reader.key_is(b"using_active_version") => 1,
                b'd' if reader.key_is(b"deleted") => 2,
                b'd' if reader.key_is(b"deprecated") => 3,
                b'd' if reader.key_is(b"desired_instances") => 4,
                b't' if reader.key_is(b"template_id") => 5,
                b't' if reader.key_is(b"template_version_id") => 6,
                b'n' if reader.key_is(b"name") => 7,
                b't' if reader.key_is(b"template_name") => 8,
                b'o' if reader.key_is(b"organization_name") => 9,
                b't' if reader.key_is(b"template_version_name") => 10,
                _ => return None,
            };
            seen.mark(field)?;
            match field {
                0 => id = Some(reader.uuid()?),
                1 => active = Some(reader.boolean()?),
                2 => deleted = Some(reader.boolean()?),
                3 => deprecated = Some(reader.boolean()?),
                4 => {
                    reader.whitespace();
                    if reader.peek() == Some(b'{') {
                        desired = reader.null_int32()?;
                        null_int32 = true;
                    } else {
                        desired = reader.nullable(Self::int32)?.unwrap_or(0);
                    }
                }
                5 | 6 => {
                    reader.nullable(Self::uuid)?;
                }
                _ => {
                    reader.nullable(Self::string)?;
                }
            }
            Some(())
        })?;
        let preset = Preset {
            id: id?,
            using_active_version: active?,
            deleted: deleted?,
            deprecated: deprecated?,
            desired_instances: desired,
        };
        Some((preset, null_int32))
    }

    /// Go's `sql.NullInt32` object: `Int32` counts whatever `Valid` says; missing or null is 0.
    fn null_int32(&mut self) -> Option<i32> {
        let mut value = 0;
        let mut seen = Seen::default();
        self.object(|reader| {
            if reader.key_is(b"Int32") {
                seen.mark(0)?;
                value = reader.nullable(Self::int32)?.unwrap_or(0);
            } else if reader.key_is(b"Valid") {
                seen.mark(1)?;
                reader.nullable(Self::boolean)?;
            } else {
                return None;
            }
            Some(())
        })?;
        Some(value)
    }

    fn running_prebuild(&mut self) -> Option<RunningPrebuild> {
        let (mut id, mut ready, mut created_at, mut current_preset_id) = (None, None, None, None);
        let mut seen = Seen::default();
        self.object(|reader| {
            let field = match reader.peek()? {
                b'i' if reader.key_is(b"id") => 0,
                b'r' if reader.key_is(b"ready") => 1,
                b'c' if reader.key_is(b"created_at") => 2,
                b'c' if reader.key_is(b"current_preset_id") => 3,
                b'n' if reader.key_is(b"name") => 4,
                b't' if reader.key_is(b"template_id") => 5,
                b't' if reader.key_is(b"template_version_id") => 6,
                _ => return None,
            };
            seen.mark(field)?;
            match field {
                0 => id = Some(reader.uuid()?),
                1 => ready = Some(reader.boolean()?),
                2 => created_at = Some(reader.timestamp()?),
                3 => current_preset_id = reader.nullable(Self::uuid)?,
                4 => {
                    reader.nullable(Self::string)?;
                }
                _ => {
                    reader.nullable(Self::uuid)?;
                }
            }
            Some(())
        })?;
        Some(RunningPrebuild {
            id: id?,
            ready: ready?,
            created_at: created_at?,
            current_preset_id,
        })
    }

    fn in_progress_count(&mut self) -> Option<InProgressCount> {
        let (mut transition, mut count, mut preset_id) = (None, None, None);
        let mut seen = Seen::default();
        self.object(|reader| {
            let field = match reader.peek()? {
                b't' if reader.key_is(b"transition") => 0,
                b'c' if reader.key_is(b"count") => 1,
                b'p' if reader.key_is(b"preset_id") => 2,
                b't' if reader.key_is(b"template_id") => 3,
                b't' if reader.key_is(b"template_version_id") => 4,
                _ => return None,
            };
            seen.mark(field)?;
            match field {
                0 => {
                    transition = Some(match reader.raw_string()? {
                        b"start" => Transition::Start,
                        b"stop" => Transition::Stop,
                        b"delete" => Transition::Delete,
                        _ => return None,
                    });
                }
                1 => count = Some(reader.int32()?),
                2 => preset_id = reader.nullable(Self::uuid)?,
                _ => {
                    reader.nullable(Self::uuid)?;
                }
            }
            Some(())
        })?;
        Some(InProgressCount {
            transition: transition?,
            count: count?,
            preset_id,
        })
    }

    fn backoff(&mut self) -> Option<Backoff> {
        let (mut num_failed, mut last_build_at, mut preset_id) = (None, None, None);
        let mut seen = Seen::default();
        self.object(|reader| {
            if reader.key_is(b"num_failed") {
                seen.mark(0)?;
                num_failed = Some(reader.int32()?);
            } else if reader.key_is(b"last_build_at") {
                seen.mark(1)?;
                last_build_at = Some(reader.timestamp()?);
            } else if reader.key_is(b"preset_id") {
                seen.mark(2)?;
                preset_id = reader.nullable(Self::uuid)?;
            } else if reader.key_is(b"template_version_id") {
                seen.mark(3)?;
                reader.nullable(Self::uuid)?;
            } else {
                return None;
            }
            Some(())
        })?;
        Some(Backoff {
            num_failed: num_failed?,
            last_build_at: last_build_at?,
            preset_id,
        })
    }
}

/// The offset of the first `"` in `bytes`, reading eight bytes at a time: the strings here are
/// short (keys, UUIDs, timestamps), where a `memchr` call costs more than the search.
fn find_quote(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    let (chunks, remainder) = bytes.as_chunks::<8>();
    let mut offset = 0;
    for chunk in chunks {
        let word = u64::from_le_bytes(*chunk) ^ QUOTES;
        // A zero byte in `word` (a quote in `chunk`) sets its high bit here; the lowest set
        // bit is the first quote.
        let found = word.wrapping_sub(ONES) & !word & HIGHS;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    remainder
        .iter()
        .position(|&byte| byte == b'"')
        .map(|at| offset + at)
}

/// For tests outside the crate (the fuzz target): whether [`preset_rows`] either gives up on
/// `body` or reads exactly what the serde path reads.
pub(crate) fn agrees_with_serde(body: &[u8]) -> Result<(), String> {
    let Some(fast) = preset_rows(body) else {
        return Ok(());
    };
    match read::preset_rows(body) {
        Ok(reference) if reference == fast => Ok(()),
        Ok(reference) => Err(format!("fast read {fast:?}, serde read {reference:?}")),
        Err(problem) => Err(format!(
            "fast read {fast:?}, serde refused: {}",
            problem.detail
        )),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::*;

    /// A body the serde path reads, written in one of many ways.
    fn body() -> impl Strategy<Value = String> {
        // Mostly what the fast reader takes, now and then what it must leave to serde.
        let uuid = prop_oneof![
            6 => Just("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"),
            3 => Just("5B0C2F5E-7D53-4A4E-9D3C-1F2E3D4C5B6A"),
            2 => Just("00000000-0000-0000-0000-000000000000"),
            // Rarely wrong: a body has many of them.
            1 => prop_oneof![
                4 => Just("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b"),
                1 => Just("0196a3b28f4e-7c1d-9a2b-3c4d5e6f7a8b-"), // misplaced hyphen
                1 => Just("0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8g"), // not hex
            ],
        ];
        let stamp = prop_oneof![
            6 => Just("2025-06-02T10:00:00Z"),
            3 => Just("2025-06-02T12:00:00.123456789+02:00"),
            2 => Just("0001-01-01T00:00:00Z"),
            1 => prop_oneof![
                3 => Just("2025-06-02T10:00:00Z"),
                1 => Just("2025-06-02T10:00:00"), // no offset
                1 => Just("2025-02-30T10:00:00Z"), // no such day
            ],
        ];
        let number = prop_oneof![
            20 => prop_oneof![
                Just("0"), Just("3"), Just("-0"), Just("-5"), Just("2147483647"), Just("-2147483648"),
                Just("null"), Just("{\"Int32\": 4, \"Valid\": false}"), Just("{\"Valid\": true}"),
                Just("{\"Int32\": null}"), Just("{}"),
            ],
            2 => prop_oneof![
                Just("2147483648"), Just("01"), Just("2.0"), Just("2e0"), Just("1.5"), Just("\"3\""),
                Just("{\"Int32\": 1, \"Int32\": 2}"), Just("{\"Int32\": 1, \"extra\": 2}"),
            ],
        ];
        let text = prop_oneof![
            8 => prop_oneof![Just("\"plain name\""), Just("null"), Just("\"\"")],
            1 => prop_oneof![Just("\"with \\\"escape\\\"\""), Just("\"é\""), Just("7")],
        ];
        let space = prop_oneof![Just(""), Just(" "), Just("\n  "), Just("\t"), Just("\r\n")];
        let spelling = any::<bool>();
        let extra = prop_oneof![
            12 => Just(""),
            1 => Just(", \"unknown\": [1, {\"a\": null}]"),
            1 => Just(", \"id\": \"0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b\""), // repeated key
        ];
        let row = (
            uuid.clone(),
            stamp.clone(),
            any::<bool>(),
            prop::option::of(uuid.clone()),
            text.clone(),
            extra.clone(),
        )
            .prop_map(|(id, stamp, ready, preset, name, extra)| {
                let preset = preset.map_or("null".to_owned(), |p| format!("\"{p}\""));
                format!(
                    "{{\"id\": \"{id}\", \"ready\": {ready}, \"created_at\": \"{stamp}\", \
                     \"name\": {name}, \"current_preset_id\": {preset}{extra}}}"
                )
            });
        let transition = prop_oneof![
            12 => prop::sample::select(vec!["start", "stop", "delete"]),
            1 => Just("restart"),
        ];
        let progress = (transition, number.clone()).prop_map(|(transition, count)| {
            format!("{{\"transition\": \"{transition}\", \"count\": {count}}}")
        });
        let backoff = prop_oneof![
            Just("null".to_owned()),
            (number.clone(), stamp.clone()).prop_map(|(n, at)| format!(
                "{{\"num_failed\": {n}, \"last_build_at\": \"{at}\"}}"
            )),
        ];
        (
            (uuid, number, any::<[bool; 3]>(), text, extra.clone()),
            prop::collection::vec(row, 0..4),
            prop::collection::vec(progress, 0..3),
            backoff,
            (spelling, any::<bool>(), space, any::<u8>()),
        )
            .prop_map(
                |(
                    (id, desired, flags, name, extra),
                    rows,
                    progress,
                    backoff,
                    (go, shuffle, space, cut),
                )| {
                    let key = |snake: &str, go_name: &str| {
                        if go {
                            go_name.to_owned()
                        } else {
                            snake.to_owned()
                        }
                    };
                    let preset = format!(
                        "{{\"id\":{space}\"{id}\",\"using_active_version\": {},\"deleted\": {},\
                     \"deprecated\": {},\"desired_instances\": {desired},\"name\": {name}{extra}}}",
                        flags[0], flags[1], flags[2]
                    );
                    let mut members = [
                        format!("\"{}\":{space}{preset}", key("preset", "Preset")),
                        format!("\"{}\": [{}]", key("running", "Running"), rows.join(",")),
                        format!(
                            "\"{}\": [{}]",
                            key("in_progress", "InProgress"),
                            progress.join(", ")
                        ),
                        format!("\"{}\": {backoff}", key("backoff", "Backoff")),
                    ];
                    if shuffle {
                        members.reverse();
                    }
                    let body = format!("{space}{{{}}}{space}", members.join(&format!(",{space}")));
                    // Now and then a truncated body.
                    if cut < 16 {
                        body[..body.len() * usize::from(cut) / 16].to_owned()
                    } else {
                        body
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn what_the_fast_reader_reads_the_serde_path_reads_alike(body in body()) {
            prop_assert!(agrees_with_serde(body.as_bytes()).is_ok(), "{}: {:?}", body, agrees_with_serde(body.as_bytes()));
        }
    }

    #[test]
    fn the_generated_bodies_are_often_read_by_the_fast_reader_and_often_not() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = body();
        let read = (0..1000)
            .filter(|_| {
                let body = strategy.new_tree(&mut runner).unwrap().current();
                preset_rows(body.as_bytes()).is_some()
            })
            .count();
        assert!(
            (150..850).contains(&read),
            "the fast reader read {read} of 1000"
        );
    }

    #[test]
    fn the_fast_reader_reads_the_usual_bodies_itself() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/");
        for name in ["preset-snapshot.json", "preset-snapshot-go.json"] {
            let body = std::fs::read(format!("{dir}{name}")).unwrap();
            assert!(preset_rows(&body).is_some(), "{name}");
            assert_eq!(agrees_with_serde(&body), Ok(()), "{name}");
        }
    }

    #[test]
    fn every_conformance_vector_body_is_read_alike() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/presets.jsonl");
        let (mut read, mut total) = (0, 0);
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let vector: serde_json::Value = serde_json::from_str(line).unwrap();
            for form in ["canonical", "go_native"] {
                let body = vector[form].to_string();
                total += 1;
                read += usize::from(preset_rows(body.as_bytes()).is_some());
                assert_eq!(
                    agrees_with_serde(body.as_bytes()),
                    Ok(()),
                    "{} ({form})",
                    vector["name"]
                );
            }
        }
        // The vectors are the contract's bodies: the fast reader takes most of them itself.
        assert!(
            read * 2 > total,
            "the fast reader read only {read} of {total}"
        );
    }

    #[test]
    fn quotes_are_found_at_every_offset() {
        for length in 0..40 {
            for at in 0..length {
                let mut bytes = vec![b'a'; length];
                bytes[at] = b'"';
                if at + 1 < length {
                    bytes[at + 1] = b'"';
                }
                assert_eq!(find_quote(&bytes), Some(at), "{length} {at}");
            }
            assert_eq!(find_quote(&vec![b'a'; length]), None);
            // High bytes next to a quote do not hide or fake it.
            let mut bytes = vec![0xa2u8; length];
            if length > 0 {
                bytes[length - 1] = b'"';
                assert_eq!(find_quote(&bytes), Some(length - 1));
            }
        }
    }

    #[test]
    fn a_key_without_its_colon_is_not_taken_for_the_next_candidate() {
        let example = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/preset-snapshot.json"
        ))
        .unwrap();
        let preset = r#"{"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b", "using_active_version": true, "deleted": false, "deprecated": false, "desired_instances": 3"#;
        for body in [
            // A key's colon and value missing, and the next candidate key right after it.
            format!(r#"{{"preset": {preset}, "template_id"template_version_id": null}}}}"#),
            format!(r#"{{"preset"Preset": {preset}}}}}"#),
            format!(r#"{{"preset" Preset": {preset}}}}}"#),
            format!(r#"{{"preset": {preset}, "deleted"deprecated": false}}}}"#),
            example.replacen(
                "\"created_at\": ",
                "\"created_at\"current_preset_id\": null, \"x\": ",
                1,
            ),
        ] {
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(&body).is_err(),
                "{body}"
            );
            assert!(preset_rows(body.as_bytes()).is_none(), "{body}");
        }
    }

    #[test]
    fn a_failed_read_leaves_the_cursor_where_it_was() {
        let reader = |text: &'static str| Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        let mut r = reader(r#"  "id"x"#);
        r.at = 3;
        assert!(!r.key_is(b"id") && r.at == 3);
        let mut r = reader("  nul");
        assert!(!r.literal(b"null") && r.at == 0);
        let mut r = reader("  12.5");
        assert!(r.int32().is_none() && r.at == 0);
        let mut r = reader(r#" "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8x""#);
        assert!(r.uuid().is_none() && r.at == 0);
        let mut r = reader(r#" "2025-06-02""#);
        assert!(r.timestamp().is_none() && r.at == 0);
        let mut r = reader(r#" "é""#);
        assert!(r.string().is_none() && r.at == 0);
        let mut r = reader(" [1, x]");
        assert!(r.list(Reader::int32).is_none() && r.at == 0);
        let mut r = reader(r#" {"a": 1}"#);
        assert!(r.object(|_| None).is_none() && r.at == 0);
        let mut r = reader("  tru");
        assert!(r.boolean().is_none() && r.at == 0);
    }

    #[test]
    fn it_gives_up_on_what_it_does_not_handle() {
        let base = r#"{"preset": {"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b", "using_active_version": true, "deleted": false, "deprecated": false, "desired_instances": DESIRED}, "running": RUNNING}"#;
        let body = |desired: &str, running: &str| {
            base.replace("DESIRED", desired).replace("RUNNING", running)
        };
        assert!(preset_rows(body("1", "[]").as_bytes()).is_some());
        for (desired, running) in [
            ("2.0", "[]"),
            ("2e0", "[]"),
            ("01", "[]"),
            ("\"1\"", "[]"),
            ("1", "[1]"),
            (
                "1",
                "[{\"id\": \"0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b\", \"ready\": true, \"created_at\": \"2025-06-02T10:00:00\\u005a\"}]",
            ),
            ("1", "{}"),
            ("1", "[],"),
            ("1", "[] , \"x\": 1"),
        ] {
            assert!(
                preset_rows(body(desired, running).as_bytes()).is_none(),
                "{desired} {running}"
            );
        }
        assert!(preset_rows(format!("{} trailing", body("1", "[]")).as_bytes()).is_none());
        assert!(
            preset_rows(
                body("1", "[]")
                    .replacen('{', "{\"preset\": null, ", 1)
                    .as_bytes()
            )
            .is_none()
        );
    }
}
