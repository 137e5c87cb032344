//! Quarry: compile-time-checked T-SQL for Rust on SQL Server.
//!
//! See the README for a quick start.

pub use quarry_macros::*;
pub use quarry_runtime::*;
