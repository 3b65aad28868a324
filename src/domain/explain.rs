//! Explanations: the rules a decision went through, in order, with the numbers that decided.
//!
//! The decision takes a [`Trace`] and reports each rule to it. A caller that may or may not
//! explain passes an `Option<Explanation>`: `None` keeps nothing and never builds the detail (the
//! closure is not called), so explaining costs one predictable branch per rule unless asked for;
//! `Some` keeps every step. [`NoTrace`] keeps nothing, always. All run the same code.

use std::fmt;

/// One rule the decision went through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The rule's name: `backoff`, `active`, `inactive`, `delete_all`, `extraneous`, `create`,
    /// and for v2 also `expiry`, `target`, `cancel_pending`, `hard_limit`, `validation_failed`.
    pub rule: &'static str,
    /// What the rule saw and decided, with its numbers.
    pub detail: String,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// Where a decision reports the rules it goes through.
pub trait Trace {
    /// Notes that `rule` applied; `detail` is called only if the trace keeps it.
    fn step(&mut self, rule: &'static str, detail: impl FnOnce() -> String);
}

/// The trace of an unexplained decision: keeps nothing, builds nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTrace;

impl Trace for NoTrace {
    #[inline(always)]
    fn step(&mut self, _: &'static str, _: impl FnOnce() -> String) {}
}

/// The steps of an explained decision, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation(pub Vec<Step>);

impl Trace for Explanation {
    fn step(&mut self, rule: &'static str, detail: impl FnOnce() -> String) {
        self.0.push(Step {
            rule,
            detail: detail(),
        });
    }
}

/// An explanation when asked for (`Some`), nothing otherwise.
impl Trace for Option<Explanation> {
    #[inline(always)]
    fn step(&mut self, rule: &'static str, detail: impl FnOnce() -> String) {
        if let Some(explanation) = self {
            explanation.step(rule, detail);
        }
    }
}
