//! The codec between bytes and the domain, used by the HTTP surface and the command line alike:
//!
//! - [`json`]: JSON bodies into typed rows, fast when valid and precise when not;
//! - [`wire`]: leaf values with the contract's exact syntax (UUIDs, timestamps, int32, durations);
//! - [`model`], [`v2::model`]: the request and answer shapes, with their OpenAPI schemas;
//! - [`read`]: a body into the domain's rows by the serde path, with a pointer for every error;
//! - [`pipeline`], [`v2::pipeline`]: a decision call from body bytes to its answer (or problem);
//! - [`fast_read`], [`fast_write`]: hand-written paths for the main call's usual body and answer;
//! - [`problem`]: RFC 9457 problem details, the one shape of every error;
//! - [`examples`]: the example bodies in `examples/`, for the OpenAPI document.

pub(crate) mod examples;
pub(crate) mod fast_read;
pub(crate) mod fast_write;
pub(crate) mod json;
pub mod model;
pub mod pipeline;
pub mod problem;
pub(crate) mod read;
pub mod v2;
pub mod wire;

/// For the fuzz target: whether the hand-written body reader ([`fast_read`]) either gives up on
/// `body` or reads exactly what the serde path reads. Not part of the API.
#[doc(hidden)]
pub fn fast_read_agrees_with_serde(body: &[u8]) -> Result<(), String> {
    fast_read::agrees_with_serde(body)
}

/// For the fuzz target: whether sonic-rs, where it takes `body` as a v1 preset or global
/// snapshot, reads what serde_json (the reference) reads. Not part of the API.
#[doc(hidden)]
pub fn sonic_agrees_with_serde_json(body: &[u8]) -> Result<(), String> {
    fn agree<'a, T: serde::Deserialize<'a> + std::fmt::Debug>(
        body: &'a [u8],
    ) -> Result<(), String> {
        if !json::sonic_may_read(body) {
            return Ok(());
        }
        let Ok(fast) = sonic_rs::from_slice::<wire::ObjectOnly<T>>(body) else {
            return Ok(());
        };
        match serde_json::from_slice::<wire::ObjectOnly<T>>(body) {
            Ok(reference) if format!("{:?}", reference.0) == format!("{:?}", fast.0) => Ok(()),
            Ok(reference) => Err(format!("sonic-rs read {fast:?}, serde_json {reference:?}")),
            Err(error) => Err(format!(
                "sonic-rs read {fast:?}, serde_json refused: {error}"
            )),
        }
    }
    agree::<model::PresetSnapshot>(body)?;
    agree::<model::GlobalSnapshot>(body)
}
