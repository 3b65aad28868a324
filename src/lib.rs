//! prebuild-decider: Coder's prebuilds reconciliation as a stateless HTTP service.
//!
//! [`domain`] holds the decision; [`api`] serves it.

pub mod domain;
