//! Reading JSON bodies: fast when they are valid, precise when they are not.
//!
//! A body is parsed once with sonic-rs (SIMD). Only when that fails is it parsed with
//! serde_json, the reference, which decides; and only when serde_json fails too is it parsed
//! again with `serde_path_to_error`, first for syntax (400 with line and column) and then for
//! shape (422 with a JSON pointer). The valid path pays nothing for good errors.
//!
//! sonic-rs skips unknown values, and values of the wrong type, by recursion with no depth
//! limit, so a body nested deeper than the stack allows (a field holding `[[[[…`) would
//! overflow it. Such bodies never reach sonic-rs: serde_json skips values without recursion.

use serde::Deserialize;

use super::problem::{FieldError, Problem};

/// Nesting that sonic-rs may skip by recursion. The same in every build, so the suite runs the
/// path that ships: a debug build's frames are the largest (about 53 KiB a level, so 16 levels
/// take 850 KiB of a 2 MiB worker stack, and 39 overflow; a release build's take 200 bytes). The
/// contract's bodies nest 5 deep; deeper bodies are read by serde_json, without recursion.
pub(crate) const SONIC_MAX_DEPTH: usize = 16;

/// Whether `body` nests at most [`SONIC_MAX_DEPTH`] deep. Counting brackets is a SIMD pass and
/// bounds the depth for almost every body; only bodies with more brackets are walked, skipping
/// strings (whose brackets do not nest).
pub(crate) fn shallow_enough_for_sonic(body: &[u8]) -> bool {
    let brackets = memchr::memchr2_iter(b'[', b'{', body)
        .take(SONIC_MAX_DEPTH + 1)
        .count();
    brackets <= SONIC_MAX_DEPTH || max_depth_at_most(body, SONIC_MAX_DEPTH)
}

/// Whether the brackets outside strings of `body` nest at most `limit` deep.
fn max_depth_at_most(body: &[u8], limit: usize) -> bool {
    let (mut depth, mut at) = (0usize, 0usize);
    while at < body.len() {
        match body[at] {
            b'"' => {
                // Jump to the closing quote, stepping over escapes.
                at += 1;
                loop {
                    // `at` passes the end after a backslash that ends the body.
                    let rest = body.get(at..).unwrap_or_default();
                    match memchr::memchr2(b'"', b'\\', rest) {
                        Some(offset) if body[at + offset] == b'\\' => at += offset + 2,
                        Some(offset) => {
                            at += offset;
                            break;
                        }
                        // An unterminated string: not JSON, which the parser will say.
                        None => return true,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    true
}

/// Where `body` breaks JSON's text rules, which the parsers check only in the strings they read:
/// invalid UTF-8, a malformed escape, or a lone surrogate. Such a body never reaches sonic-rs.
fn not_json_text(body: &[u8]) -> Option<(usize, &'static str)> {
    match std::str::from_utf8(body) {
        Err(error) => Some((error.valid_up_to(), "invalid UTF-8")),
        Ok(_) => bad_escape(body),
    }
}

/// Whether [`parse_json`] lets sonic-rs read `body`: JSON text, nested shallow enough.
pub(crate) fn sonic_may_read(body: &[u8]) -> bool {
    not_json_text(body).is_none() && shallow_enough_for_sonic(body)
}

/// Deserializes `body` into `T`, or answers the precise problem: 400 with line and column for
/// a body that is not JSON, 422 with a pointer for JSON of the wrong shape.
pub fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, Problem> {
    // JSON text is UTF-8 whose escapes are well formed and leave no lone surrogate (RFC 8259).
    // sonic-rs checks escapes only in the strings it reads, not in those it skips, and serde_json
    // lets a lone surrogate through where it skips, so the whole body is checked first.
    let not_text = not_json_text(body);
    if not_text.is_none() {
        if shallow_enough_for_sonic(body)
            && let Ok(value) = sonic_rs::from_slice::<T>(body)
        {
            return Ok(value);
        }
        // serde_json is the reference: it decides what sonic-rs refused (or was not trusted
        // with); only when it too refuses is the body parsed again for a precise problem.
        if let Ok(value) = serde_json::from_slice::<T>(body) {
            return Ok(value);
        }
    }
    // Syntax first: a body that is not JSON is a 400 even where a typed parse would have
    // stumbled on a wrong type before reaching the broken part.
    if let Err((pointer, error)) = parse_tracked::<serde::de::IgnoredAny>(body) {
        return Err(json_problem(pointer, &error));
    }
    // Not UTF-8, or a lone surrogate, only inside strings that the parsers skip.
    if let Some((at, message)) = not_text {
        return Err(text_problem(body, at, message));
    }
    match parse_tracked::<T>(body) {
        Err((pointer, error)) => Err(json_problem(pointer, &error)),
        // Unreachable in practice: the untracked parse of the same bytes failed.
        Ok(_) => Err(Problem::internal()),
    }
}

/// The offset of the first `\u` escape that leaves a lone UTF-16 surrogate (a high one not
/// followed by a low one, or a low one alone), if any. Backslashes appear only in strings, and
/// scanning from the left steps over each escape whole, so `\\u` is not taken for an escape.
#[cfg(test)]
fn lone_surrogate(body: &[u8]) -> Option<usize> {
    bad_escape(body)
        .filter(|&(_, why)| why == LONE_SURROGATE)
        .map(|(at, _)| at)
}

const LONE_SURROGATE: &str = "lone surrogate in a \\u escape";

/// The offset of the first escape that is not JSON's, and why: one that is not `\"`, `\\`,
/// `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\u` and four hex digits, or a `\u` that leaves a lone
/// UTF-16 surrogate (a high one not followed by a low one, or a low one alone). Backslashes
/// appear only in strings, and scanning from the left steps over each escape whole, so `\\u` is
/// not taken for an escape.
fn bad_escape(body: &[u8]) -> Option<(usize, &'static str)> {
    let unit = |at: usize| -> Option<u16> {
        let hex = body.get(at..at + 4)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let mut at = 0;
    // `at` passes the end after a backslash that ends the body.
    while let Some(offset) = body.get(at..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let escape = at + offset;
        at = escape + 2;
        match body.get(escape + 1) {
            Some(b'u') => {}
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => continue,
            _ => return Some((escape, "invalid escape")),
        }
        let Some(first) = unit(escape + 2) else {
            return Some((escape, "invalid \\u escape"));
        };
        at = escape + 6;
        match first {
            0xD800..=0xDBFF => {
                let low = (body.get(escape + 6..escape + 8) == Some(b"\\u"))
                    .then(|| unit(escape + 8))
                    .flatten();
                if !low.is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) {
                    return Some((escape, LONE_SURROGATE));
                }
                at = escape + 12;
            }
            0xDC00..=0xDFFF => return Some((escape, LONE_SURROGATE)),
            _ => {}
        }
    }
    None
}

/// A body that is not JSON text at `offset` (bad UTF-8, a lone surrogate): 400, with its line
/// and column.
fn text_problem(body: &[u8], offset: usize, message: &str) -> Problem {
    let before = &body[..offset];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |at| at + 1);
    // Columns count characters, as serde_json's do; the part before is valid UTF-8.
    let column = std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count()) + 1;
    Problem::malformed_json(line, column, String::new(), message)
}

/// Parses with `serde_path_to_error`, returning the failure's pointer with the error.
fn parse_tracked<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, (String, serde_json::Error)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut deserializer)
        .map_err(|error| (pointer_of(error.path()), error.into_inner()))?;
    deserializer.end().map_err(|error| (String::new(), error))?;
    Ok(value)
}

/// Maps a serde_json error at `pointer` to its problem.
fn json_problem(mut pointer: String, error: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    let full = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&position).unwrap_or(&full);
    match error.classify() {
        // serde_json calls a number too large for f64 a syntax error; JSON's grammar has no
        // limit, so it is a value out of range.
        Category::Syntax if message == "number out of range" => {
            Problem::invalid_body(vec![FieldError::at(
                pointer,
                "number out of range (the field is an int32)",
            )])
        }
        Category::Syntax | Category::Eof | Category::Io => {
            Problem::malformed_json(error.line(), error.column(), pointer, message)
        }
        Category::Data => {
            // serde names a missing or repeated key in the message and points at its object.
            for prefix in ["duplicate field `", "missing field `"] {
                if let Some(key) = message
                    .strip_prefix(prefix)
                    .and_then(|k| k.strip_suffix('`'))
                {
                    push_segment(&mut pointer, key);
                }
            }
            Problem::invalid_body(vec![FieldError::at(pointer, message)])
        }
    }
}

/// The RFC 6901 pointer of a serde path.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => push_segment(&mut pointer, &index.to_string()),
            Segment::Map { key } => push_segment(&mut pointer, key),
            Segment::Enum { variant } => push_segment(&mut pointer, variant),
            Segment::Unknown => {}
        }
    }
    pointer
}

fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::model::PresetSnapshot;
    use crate::codec::wire::ObjectOnly;

    const VALID: &str = r#"{"preset": {"id": "0196a3b2-8f4e-7c1d-9a2b-3c4d5e6f7a8b", "name": "NAME",
        "using_active_version": true, "deleted": false, "deprecated": false, "desired_instances": NUMBER},
        "running": [{"id": "5b0c2f5e-7d53-4a4e-9d3c-1f2e3d4c5b6a", "ready": true,
        "created_at": "2025-06-02T10:00:00Z"}], "unknown": UNKNOWN}"#;

    /// Bodies built from [`VALID`] with one part replaced, each as bytes.
    fn variants() -> Vec<Vec<u8>> {
        let fill = |name: &[u8], number: &str, unknown: &str| -> Vec<u8> {
            let text = VALID.replace("NUMBER", number).replace("UNKNOWN", unknown);
            let (before, after) = text.split_once("NAME").unwrap();
            [before.as_bytes(), name, after.as_bytes()].concat()
        };
        let names: Vec<&[u8]> = vec![
            b"plain",
            b"\x00",
            b"\x1f",
            b"tab\there",
            b"\\u0000",
            b"\\ud800",
            b"\\udc00",
            b"\\ud800\\u0041",
            b"\\ud83d\\ude00",
            b"\\x41",
            b"\\u12",
            b"\\u12G4",
            b"\\/",
            b"\\",
            b"\xff",
            b"\xc0\x80",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xe2\x82",
            b"\xc3\xa9",
            b"\x7f",
            b"\\\"",
            b"a\"b",
        ];
        let numbers = [
            "3",
            "01",
            "-",
            "+1",
            ".5",
            "1.",
            "1e",
            "1e+",
            "-0",
            "1E2",
            "2.0",
            "2.5",
            "1e400",
            "1e-400",
            "18446744073709551616",
            "-9223372036854775809",
            "NaN",
            "Infinity",
            "0x10",
            "null",
            "true",
            "\"3\"",
            "3 ",
            " 3",
            "-0.0",
            "1e0",
            "2147483647",
            "2147483648",
            "{\"Int32\": 3, \"Valid\": true}",
            "{\"Int32\": 3,}",
            "[3]",
            "4294967296e-1",
        ];
        let unknowns = [
            "1",
            "[1, 2,]",
            "{\"a\": 1,}",
            "[1 2]",
            "{\"a\" 1}",
            "'x'",
            "tru",
            "nul",
            "True",
            "[[[]]]",
            "{\"a\": [{\"b\": null}]}",
            "\"\\ud800\"",
            "\"\x01\"",
            "1e400",
            "-",
            "01",
            "[",
            "{",
            "\"unterminated",
            "/* c */ 1",
            "NaN",
            // Escapes in strings that are skipped: sonic-rs does not check them (the fuzzer
            // found `{"presets": …, "dep\u"Pr…` read as a preset snapshot).
            "\"\\u12\"",
            "\"\\u12G4\"",
            "\"\\u+123\"",
            "\"\\x41\"",
            "\"\\u\"",
            "\"\\\\u12\"",
            "{\"k\\u\": 1}",
            "[\"\\q\"]",
        ];
        let mut bodies = Vec::new();
        for name in &names {
            bodies.push(fill(name, "3", "1"));
        }
        for number in numbers {
            bodies.push(fill(b"plain", number, "1"));
        }
        for unknown in unknowns {
            bodies.push(fill(b"plain", "3", unknown));
            // Inside an unknown field's string too.
            bodies.push(fill(b"plain", "3", &format!("\"{unknown}\"")));
        }
        let whole = fill(b"plain", "3", "1");
        for (prefix, suffix) in [
            ("\u{feff}", ""),
            ("", " trailing"),
            ("", "{}"),
            (" \n\t\r", " \n"),
            ("\x0c", ""),
            ("", ","),
            ("[", "]"),
        ] {
            bodies.push([prefix.as_bytes(), &whole, suffix.as_bytes()].concat());
        }
        for top in [
            "",
            "null",
            "true",
            "[]",
            "{}",
            "\"x\"",
            "1",
            "{\"preset\": null}",
        ] {
            bodies.push(top.as_bytes().to_vec());
        }
        bodies
    }

    #[test]
    fn sonic_rs_never_accepts_what_serde_json_refuses_and_reads_the_same() {
        for body in variants() {
            // What parse_json keeps from sonic-rs (which skips strings without checking their
            // escapes) is not its to read.
            if !sonic_may_read(&body) {
                continue;
            }
            let sonic = sonic_rs::from_slice::<ObjectOnly<PresetSnapshot>>(&body);
            let reference = serde_json::from_slice::<ObjectOnly<PresetSnapshot>>(&body);
            let shown = String::from_utf8_lossy(&body);
            match (sonic, reference) {
                (Ok(fast), Ok(slow)) => {
                    assert_eq!(format!("{:?}", fast.0), format!("{:?}", slow.0), "{shown}")
                }
                (Ok(_), Err(error)) => {
                    panic!("sonic-rs accepts what serde_json refuses ({error}): {shown}")
                }
                // sonic-rs refusing is safe: serde_json decides.
                (Err(_), _) => {}
            }
        }
    }

    #[test]
    fn parse_json_answers_every_variant_as_serde_json_decides_on_json_text() {
        for body in variants() {
            let answer = parse_json::<ObjectOnly<PresetSnapshot>>(&body).map(|_| ());
            // serde_json, plus RFC 8259's text rules in strings it skips.
            let reference = serde_json::from_slice::<ObjectOnly<PresetSnapshot>>(&body).is_ok()
                && lone_surrogate(&body).is_none();
            assert_eq!(
                answer.is_ok(),
                reference,
                "{}",
                String::from_utf8_lossy(&body)
            );
            if let Err(problem) = answer {
                assert!(
                    problem.status == 400 || problem.status == 422,
                    "{:?}",
                    problem
                );
            }
        }
    }

    #[test]
    fn malformed_escapes_are_found_in_any_string() {
        for (body, at) in [
            (&br#"{"a": "\x41"}"#[..], 7),
            (br#"{"a": "ok \u12"}"#, 10),
            (br#"{"a": "\u12G4"}"#, 7),
            (br#"{"a": "\u+123"}"#, 7),
            (br#"{"k\u": 1}"#, 3),
        ] {
            let found = bad_escape(body).map(|(at, _)| at);
            assert_eq!(found, Some(at), "{}", String::from_utf8_lossy(body));
        }
        for fine in [
            &br#"{"a": "\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"}"#[..],
            br#"{"a": "\\u12"}"#,
        ] {
            assert_eq!(bad_escape(fine), None, "{}", String::from_utf8_lossy(fine));
        }
        // The fuzzer's body: a global snapshot with a malformed escape in a key, sent where a
        // preset snapshot is read. sonic-rs skips it unchecked; parse_json answers 400.
        let found = br#"{"presets":[{"id":"f188ce23-4317-4a97-9f25-b5f57b9aa3d5","deleted":false,"dep\u"Pr0-01-01T00:00:00Z"}]}"#;
        let problem = parse_json::<ObjectOnly<PresetSnapshot>>(found).unwrap_err();
        assert_eq!(problem.status, 400, "{problem:?}");
    }

    #[test]
    fn lone_surrogates_are_found_in_any_string() {
        assert_eq!(
            lone_surrogate(br#"{"a": "\ud83d\ude00 ok \u0041 \\ud800"}"#),
            None
        );
        assert_eq!(lone_surrogate(br#"{"a": "x\ud800"}"#), Some(8));
        assert_eq!(lone_surrogate(br#"{"a": "\ud800\u0041"}"#), Some(7));
        assert_eq!(lone_surrogate(br#"{"a": "\udc00"}"#), Some(7));
        assert_eq!(lone_surrogate(br#"{"a": "\ud800\ud800\udc00"}"#), Some(7));
        assert_eq!(
            lone_surrogate(br#"{"a": "\uZZZZ"}"#),
            None,
            "the parser reports bad hex"
        );
        // A backslash (or an escape) ending the body (found by the fuzzer), among few brackets
        // and among many.
        for ending in [&br"\"[..], br"\u", br"\ud800", br"\ud800\"] {
            for prefix in [&br#"{"a": "x"#[..], &[b'['; 200]] {
                let body = [prefix, br#"""#, ending].concat();
                let _ = lone_surrogate(&body);
                let _ = max_depth_at_most(&body, 16);
                assert!(parse_json::<ObjectOnly<PresetSnapshot>>(&body).is_err());
            }
        }
        let skipped = VALID
            .replace("NAME", "n")
            .replace("NUMBER", "1")
            .replace("UNKNOWN", r#""\udfff""#);
        let problem = parse_json::<ObjectOnly<PresetSnapshot>>(skipped.as_bytes())
            .map(drop)
            .unwrap_err();
        assert_eq!(
            (
                problem.status.as_u16(),
                problem.detail.contains("lone surrogate")
            ),
            (400, true),
            "{problem:?}"
        );
    }

    #[test]
    fn invalid_utf8_in_a_skipped_string_is_a_400_at_its_position() {
        let mut body = b"{\"x\": \"".to_vec();
        body.extend_from_slice(b"\xff\"}");
        let problem = parse_json::<ObjectOnly<PresetSnapshot>>(&body)
            .map(drop)
            .unwrap_err();
        assert_eq!(
            (problem.status.as_u16(), problem.line, problem.column),
            (400, Some(1), Some(8)),
            "{problem:?}"
        );
    }

    #[test]
    fn nesting_is_measured_outside_strings_only() {
        let deep = |n: usize| format!("{{\"u\": {}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(shallow_enough_for_sonic(
            deep(SONIC_MAX_DEPTH - 1).as_bytes()
        ));
        assert!(!shallow_enough_for_sonic(
            deep(SONIC_MAX_DEPTH + 1).as_bytes()
        ));
        assert!(max_depth_at_most(deep(128).as_bytes(), 129));
        assert!(!max_depth_at_most(deep(130).as_bytes(), 129));
        // Brackets inside strings (escaped quotes included) neither deepen nor hide nesting.
        let in_strings = format!(
            "{{\"s\": \"{}\\\"{}\", \"t\": [[1]]}}",
            "[".repeat(500),
            "]".repeat(900)
        );
        assert!(shallow_enough_for_sonic(in_strings.as_bytes()));
        let hiding = format!(
            "{{\"s\": \"{}\", \"u\": {}{}}}",
            "]".repeat(500),
            "[".repeat(SONIC_MAX_DEPTH + 1),
            "]".repeat(SONIC_MAX_DEPTH + 1)
        );
        assert!(!shallow_enough_for_sonic(hiding.as_bytes()));
    }

    /// A body nested up to the limit is read by sonic-rs, one level deeper by serde_json: the
    /// answer is the same on both sides of it (and, the limit being the same in every build,
    /// this is what the release build does too).
    #[test]
    fn bodies_at_and_past_the_nesting_limit_read_alike() {
        // The snapshot's own object is one level, the unknown field's value the rest.
        for depth in [
            SONIC_MAX_DEPTH - 1,
            SONIC_MAX_DEPTH,
            SONIC_MAX_DEPTH + 1,
            128,
            129,
        ] {
            let nested = "[".repeat(depth - 1) + &"]".repeat(depth - 1);
            let body = VALID
                .replace("NAME", "n")
                .replace("NUMBER", "1")
                .replace("UNKNOWN", &nested);
            assert_eq!(
                shallow_enough_for_sonic(body.as_bytes()),
                depth <= SONIC_MAX_DEPTH
            );
            let read = parse_json::<ObjectOnly<PresetSnapshot>>(body.as_bytes())
                .unwrap_or_else(|problem| panic!("depth {depth}: {problem:?}"));
            let reference = serde_json::from_str::<ObjectOnly<PresetSnapshot>>(&body).unwrap();
            assert_eq!(format!("{:?}", read.0), format!("{:?}", reference.0));
            // Broken just inside the deepest level: the same 400 at any depth.
            let broken = body.replacen(&"]".repeat(depth - 1), &("]".repeat(depth - 2) + "}"), 1);
            let problem = parse_json::<ObjectOnly<PresetSnapshot>>(broken.as_bytes()).unwrap_err();
            assert_eq!(problem.status, 400, "depth {depth}: {problem:?}");
        }
    }

    #[test]
    fn a_body_too_deep_for_sonic_rs_is_still_read_without_recursion() {
        let deep = "[".repeat(200_000) + &"]".repeat(200_000);
        let body = VALID
            .replace("NAME", "n")
            .replace("NUMBER", "1")
            .replace("UNKNOWN", &deep);
        assert!(parse_json::<ObjectOnly<PresetSnapshot>>(body.as_bytes()).is_ok());
    }
}
