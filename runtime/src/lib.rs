//! Quarry's runtime: runs the static statements that the `query!` macro
//! builds, on the tiberius TDS client and tokio.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`config`] | [`ConnectOptions`]: ADO.NET, URL and JDBC connection strings |
//! | [`connection`] | [`connect`], [`Connection`] and its raw escape hatches |
//! | [`pool`] | [`Pool`] on deadpool, with cleanup and health checks before reuse |
//! | [`execute`] | the [`Executor`] abstraction and `Query::{fetch_all, fetch_one, fetch_optional, fetch, execute}` |
//! | [`transaction`] | [`Transaction`], [`IsolationLevel`], savepoints, [`retry`] |
//! | [`error`] | the one [`Error`] type and the pure [`classify`] |
//! | [`bulk`] | TDS bulk load of [`bulk::BulkRow`]s |
//! | [`observe`] | tracing spans and the audit hook |
//! | [`testing`] | transactions that always roll back, for tests |
//! | [`statement`], [`param`], [`decode`] | the contract with the `query!` expansion |
//! | [`types`] | the Rust types SQL values map to |
//!
//! ```no_run
//! # async fn run() -> Result<(), quarry_runtime::Error> {
//! use quarry_runtime::{Pool, TryStreamExt};
//!
//! let pool = Pool::new("mssql://app:secret@db:1433/shop?trustServerCertificate=true")?;
//! let mut tx = pool.begin().await?;
//! // let user = query!(select users { id, username } where id == $id).fetch_one(&mut tx).await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod bulk;
pub mod config;
pub mod connection;
pub mod decode;
pub mod error;
pub mod execute;
pub mod observe;
pub mod param;
pub mod pool;
pub mod statement;
pub mod testing;
pub mod transaction;
pub mod types;

pub use config::{Auth, ConfigError, ConnectOptions, Encrypt, Password};
pub use connection::{Client, Connection, connect};
pub use decode::Decode;
pub use error::{Error, ErrorClass, classify};
pub use execute::{AcquireFuture, Acquired, Executor};
/// Stream helpers for consuming [`Query::fetch`]: `while let Some(row) =
/// stream.try_next().await? { .. }`.
pub use futures_util::stream::{Stream, StreamExt, TryStreamExt};
pub use observe::{AuditEvent, clear_audit_hook, set_audit_hook};
pub use param::{Encode, Param, kind};
pub use pool::{Pool, PoolOptions, PooledConnection};
pub use statement::{
    INVENTORY_FLAG, Query, ResultColumn, STATEMENTS, Statement, StatementKind, inventory,
    print_inventory_if_requested, statements,
};
pub use transaction::{IsolationLevel, RetryPolicy, Transaction, retry};

/// Re-exports for the macro expansion; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bulk::bulk_value;
    pub use crate::decode::{column, nullable_column};
    pub use crate::param::bind;
    pub use linkme;
    pub use tiberius::{Row, ToSql, TokenRow};
}
