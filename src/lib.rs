//! Quarry: compile-time-checked T-SQL for Rust on SQL Server.
//!
//! [`query!`] reads the schema snapshot committed in your repository
//! (`quarry.schema`, made by `cargo xtask schema refresh`), checks tables,
//! columns, joins, types and parameters while `cargo check` runs, and expands
//! into a static, parameterised T-SQL [`Statement`] plus a typed row struct.
//! The runtime sends it to SQL Server through tiberius as `sp_executesql`
//! with the compiler's exact parameter declarations.
//!
//! ```ignore
//! use quarry::{Pool, query};
//!
//! let pool = Pool::new("Server=tcp:localhost,1433;Database=shop;User Id=app;Password=...")?;
//! let since = quarry::types::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
//! let recent = query!(recent_users:
//!     select users { id, username, created_at }
//!     where username != "admin" && created_at >= $since
//!     order by created_at desc
//!     limit 5)
//! .fetch_all(&pool)
//! .await?;
//! for u in recent {
//!     println!("{} {}", u.id, u.username);
//! }
//! ```
//!
//! What lives where:
//! - the macros [`query!`], [`query_as!`] and [`bulk_row!`] (their grammar is
//!   on the `quarry_macros` page);
//! - connecting and pooling: [`connect`], [`Pool`], [`ConnectOptions`];
//! - running statements: [`Query`]'s `fetch_all`, `fetch_one`,
//!   `fetch_optional`, `fetch` and `execute` on any [`Executor`];
//! - [`Transaction`], [`IsolationLevel`], [`retry`] for deadlock victims;
//! - one [`Error`] to match on, carrying the failed statement;
//! - [`bulk`] load, the [`testing`] helpers, the audit hook
//!   ([`set_audit_hook`]) and the statement inventory ([`statements`],
//!   [`inventory`]).
//!
//! The README has the five-minute quick start; `ARCHITECTURE.md` the design.

pub use quarry_macros::*;
pub use quarry_runtime::*;
