//! Quarry's runtime: runs the static statements that the `query!` macro
//! builds, on the tiberius TDS client and tokio.

pub mod config;
pub mod connection;
pub mod decode;
pub mod error;
pub mod param;
pub mod statement;
pub mod types;

pub use config::{Auth, ConfigError, ConnectOptions, Encrypt, Password};
pub use connection::{Client, Connection, connect};
pub use decode::Decode;
pub use error::Error;
pub use param::{Encode, Param, kind};
pub use statement::{Query, ResultColumn, STATEMENTS, Statement, StatementKind, statements};

/// Re-exports for the macro expansion; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::decode::{column, nullable_column};
    pub use crate::param::bind;
    pub use linkme;
    pub use tiberius::Row;
}
