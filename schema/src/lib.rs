//! Quarry's schema model and the committed snapshot of it: the model, its file
//! format, the catalog reflection SQL and the T-SQL DDL importer. This crate
//! knows nothing of `syn` or of any database client.

pub mod catalog;
pub mod ddl;
pub mod diff;
pub mod model;
pub mod snapshot;
mod text;

pub use snapshot::{FORMAT_VERSION, SnapshotError};

pub use model::*;
