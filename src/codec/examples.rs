//! Example bodies for the OpenAPI document, read from the repository's `examples/` folder so
//! the README's curl commands and Swagger UI's "Try it out" post the very same bodies.

use serde_json::Value;

fn parse(text: &str) -> Value {
    // The files are tested to be valid JSON (tests/api/endpoints.rs).
    serde_json::from_str(text).expect("the example files are JSON")
}

/// `examples/preset-snapshot.json`: one active preset short of its target.
pub fn preset_snapshot() -> Value {
    parse(include_str!("../../examples/preset-snapshot.json"))
}

/// `examples/v2-preset-snapshot.json`: a v2 preset with a TTL, an invalidation and schedules.
pub fn v2_preset_snapshot() -> Value {
    parse(include_str!("../../examples/v2-preset-snapshot.json"))
}

/// `examples/v2-global-snapshot.json`: a scheduled preset and an outdated one with pending jobs.
pub fn v2_global_snapshot() -> Value {
    parse(include_str!("../../examples/v2-global-snapshot.json"))
}

/// `examples/global-snapshot.json`: three presets, one outdated and one backing off.
pub fn global_snapshot() -> Value {
    parse(include_str!("../../examples/global-snapshot.json"))
}
