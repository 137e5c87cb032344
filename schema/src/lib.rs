//! Quarry's schema model and the committed snapshot of it: the model, its file
//! format, the catalog reflection SQL and the T-SQL DDL importer. This crate
//! knows nothing of `syn` or of any database client.
//!
//! - [`model`]: the schema model and its lookups.
//! - [`snapshot`]: the `quarry.schema` file format ([`snapshot::load`],
//!   [`snapshot::render`]).
//! - [`ddl`]: T-SQL DDL import ([`ddl::import_files`], [`ddl::import_str`]).
//! - [`diff`]: differences between two schemas, for review and drift checks.
//! - [`catalog`]: the catalog reflection SQL and its rows mapped to the model.
//!
#![doc = include_str!("../README.md")]

pub mod catalog;
pub mod ddl;
pub mod diff;
pub mod model;
pub mod snapshot;
mod text;

pub use snapshot::{FORMAT_VERSION, SnapshotError};

pub use model::*;
