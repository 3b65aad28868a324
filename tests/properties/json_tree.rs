//! Where an RFC 6901 pointer lands in the bytes that were sent.
//!
//! `serde_json::Value` cannot hold every body the service reads (`1e400` in any field makes it
//! fail), so this is a small structural parser of its own: objects, arrays and opaque scalars,
//! keys unescaped, duplicate keys kept. Shared with the fuzz target (`fuzz/fuzz_targets/decide.rs`
//! includes this file), so it uses nothing but `serde_json` for string unescaping.

#![allow(dead_code)]

/// A JSON document's structure; scalars are kept as their raw text.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// Members in the order written, duplicates kept.
    Object(Vec<(String, Node)>),
    /// Elements in order.
    Array(Vec<Node>),
    /// A string, number, `true`, `false` or `null`, as written.
    Scalar(String),
}

/// Parses `bytes` as one JSON value (surrounding whitespace allowed); `None` when it is not JSON
/// (RFC 8259: strings are UTF-8, and here `\u` escapes must not leave a lone surrogate).
pub fn parse(bytes: &[u8]) -> Option<Node> {
    parse_with(bytes, true)
}

fn parse_with(bytes: &[u8], strict: bool) -> Option<Node> {
    let mut parser = Parser {
        bytes,
        at: 0,
        strict,
    };
    let node = parser.value(0)?;
    parser.whitespace();
    (parser.at == bytes.len()).then_some(node)
}

/// The node at `pointer`, if it exists.
pub fn resolve<'a>(root: &'a Node, pointer: &str) -> Option<&'a Node> {
    let tokens = tokens(pointer)?;
    let mut node = root;
    for token in tokens {
        node = match node {
            Node::Object(members) => members
                .iter()
                .find(|(key, _)| *key == token)
                .map(|(_, value)| value)?,
            Node::Array(elements) => elements.get(array_index(&token)?)?,
            Node::Scalar(_) => return None,
        };
    }
    Some(node)
}

/// Whether `pointer` names a location of `root`: one that exists, or where a missing member
/// would be (its parent exists and is an object).
pub fn lands(root: &Node, pointer: &str) -> Result<(), String> {
    if tokens(pointer).is_none() {
        return Err(format!("{pointer:?} is not an RFC 6901 pointer"));
    }
    if resolve(root, pointer).is_some() {
        return Ok(());
    }
    let parent = match pointer.rfind('/') {
        Some(slash) => &pointer[..slash],
        None => return Err(format!("{pointer:?} does not resolve")),
    };
    match resolve(root, parent) {
        Some(Node::Object(_)) => Ok(()),
        Some(_) => Err(format!(
            "{pointer:?} does not resolve, and its parent is not an object"
        )),
        None => Err(format!(
            "neither {pointer:?} nor its parent {parent:?} resolves"
        )),
    }
}

/// The unescaped reference tokens of a pointer; `None` when the syntax is wrong.
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|raw| {
            let mut token = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => token.push('~'),
                        Some('1') => token.push('/'),
                        _ => return None,
                    }
                } else {
                    token.push(c);
                }
            }
            Some(token)
        })
        .collect()
}

/// An array index token: `0`, or digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let ok = token == "0"
        || (!token.is_empty()
            && !token.starts_with('0')
            && token.bytes().all(|b| b.is_ascii_digit()));
    if ok { token.parse().ok() } else { None }
}

/// Nesting below this depth is checked but not kept (see [`Parser::skip`]).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    strict: bool,
}

impl Parser<'_> {
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        self.whitespace();
        if depth > MAX_DEPTH {
            return self.skip();
        }
        match *self.bytes.get(self.at)? {
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                self.whitespace();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Some(Node::Object(members));
                }
                loop {
                    self.whitespace();
                    let key = self.string()?;
                    self.whitespace();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return None;
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.whitespace();
                    match self.bytes.get(self.at)? {
                        b',' => self.at += 1,
                        b'}' => {
                            self.at += 1;
                            return Some(Node::Object(members));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut elements = Vec::new();
                self.whitespace();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Some(Node::Array(elements));
                }
                loop {
                    elements.push(self.value(depth + 1)?);
                    self.whitespace();
                    match self.bytes.get(self.at)? {
                        b',' => self.at += 1,
                        b']' => {
                            self.at += 1;
                            return Some(Node::Array(elements));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => {
                let start = self.at;
                self.string()?;
                Some(Node::Scalar(
                    String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned(),
                ))
            }
            _ => {
                let start = self.at;
                while let Some(b) = self.bytes.get(self.at) {
                    if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') {
                        self.at += 1;
                    } else {
                        break;
                    }
                }
                let raw = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
                let scalar = matches!(raw, "true" | "false" | "null") || is_number(raw);
                scalar.then(|| Node::Scalar(raw.to_owned()))
            }
        }
    }

    /// Steps over one value without building it (serde_json's value skipping needs no
    /// recursion), for nesting deeper than any pointer the service writes.
    fn skip(&mut self) -> Option<Node> {
        let rest = &self.bytes[self.at..];
        let mut values =
            serde_json::Deserializer::from_slice(rest).into_iter::<serde::de::IgnoredAny>();
        values.next()?.ok()?;
        self.at += values.byte_offset();
        Some(Node::Scalar("(deep)".into()))
    }

    /// A string token, unescaped (by serde_json, so escapes mean what they mean to the service).
    fn string(&mut self) -> Option<String> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        let start = self.at;
        self.at += 1;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        let token = self.bytes.get(start..self.at)?;
        match serde_json::from_slice::<String>(token) {
            Ok(text) => Some(text),
            Err(_) if !self.strict => {
                serde_json::from_slice::<serde::de::IgnoredAny>(token).ok()?;
                Some(String::from_utf8_lossy(token).into_owned())
            }
            Err(_) => None,
        }
    }
}

/// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_number(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_resolve_in_bodies_serde_json_cannot_hold() {
        let root = parse(br#"{"a": [1, {"b~/c": 1e400}], "d": null}"#).unwrap();
        assert!(resolve(&root, "/a/1/b~0~1c").is_some());
        assert!(resolve(&root, "/a/01").is_none());
        assert!(lands(&root, "/d").is_ok());
        assert!(lands(&root, "/e").is_ok());
        assert!(lands(&root, "/a/1/missing").is_ok());
        assert!(lands(&root, "/a/5").is_err());
        assert!(lands(&root, "/e/f").is_err());
        assert!(lands(&root, "a").is_err());
        assert!(parse(b"{\"a\": 01}").is_none());
        assert!(parse(b"[1,]").is_none());
        assert!(parse(b"{\"a\": \"\xff\"}").is_none());
        assert!(parse(b"[\"\\ud800\"]").is_none());
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(deep.as_bytes()).is_some());
        let broken = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(99_999));
        assert!(parse(broken.as_bytes()).is_none());
    }
}
