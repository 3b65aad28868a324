//! v2's shapes and pipeline: v1's codec plus the fields today's Coder rules add, and the forecast
//! of a preset's target (as JSON or as a chart).

pub mod chart;
pub mod forecast;
pub mod model;
pub mod pipeline;
