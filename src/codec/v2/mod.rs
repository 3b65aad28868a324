//! v2's shapes and pipeline: v1's codec plus the fields today's Coder rules add.

pub mod model;
pub mod pipeline;
