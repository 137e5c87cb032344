//! The Rust types that SQL values map to, re-exported so that generated
//! code and users name them as `quarry::types::Decimal` without depending on
//! the crates directly.

pub use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
pub use rust_decimal::Decimal;
pub use uuid::Uuid;
