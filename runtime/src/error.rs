//! The runtime's one error type. Every variant that comes from running a
//! statement carries that statement (its id and SQL text), so a log line
//! says which query failed without the caller adding context.

use crate::Statement;

/// Everything that can go wrong while connecting or running a statement.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A result value does not match what the snapshot promised: the live
    /// database has drifted from the committed snapshot (a column became
    /// NULL-able, a type changed).
    #[error(
        "statement `{}`: column `{column}` was expected as {expected} but the server sent {actual}; \
         the database has drifted from the schema snapshot (run `cargo xtask schema check`)",
        statement.id
    )]
    Decode {
        /// The statement whose result did not match.
        statement: &'static Statement,
        /// The result column.
        column: String,
        /// What the snapshot says, e.g. `int NOT NULL`.
        expected: String,
        /// What arrived, e.g. `NULL` or `bigint`.
        actual: String,
    },
}
