//! Transactions as values: [`Transaction`] (begin, commit, rollback,
//! savepoints, isolation levels, rollback when dropped) and [`retry`] for
//! deadlock victims.
//!
//! # Rollback on drop
//!
//! A `Drop` cannot wait for the server, so dropping an unfinished
//! transaction marks its connection `rollback_pending`. Nothing can run on
//! that connection without passing through [`Connection::settle`], which
//! sends `IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION` first: every runtime
//! request settles, and so does the pool's recycle step. A transaction that
//! owns a pooled connection (from [`Pool::begin`](crate::Pool::begin)) is
//! rolled back at once on a spawned task when a tokio runtime is current,
//! so its locks are released promptly. A borrowed connection keeps its
//! locks until its next use: call [`Transaction::rollback`] for a prompt
//! release.
//!
//! ```no_run
//! # async fn run(conn: &mut quarry_runtime::Connection) -> Result<(), quarry_runtime::Error> {
//! use quarry_runtime::IsolationLevel;
//!
//! let mut tx = conn.begin_with(IsolationLevel::Serializable).await?;
//! // query!(...).execute(&mut tx).await?;
//! tx.save("before_bonus").await?;
//! // ...
//! tx.rollback_to("before_bonus").await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use crate::Error;
use crate::connection::Connection;
use crate::execute::{AcquireFuture, Acquired, Executor};

/// Transaction isolation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED`: dirty reads allowed.
    ReadUncommitted,
    /// `READ COMMITTED`, SQL Server's default.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
    /// `SNAPSHOT`: needs `ALTER DATABASE ... SET ALLOW_SNAPSHOT_ISOLATION ON`
    /// (error 3952 otherwise).
    Snapshot,
}

impl IsolationLevel {
    /// The T-SQL that starts a transaction at this level (static text).
    pub fn begin_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => {
                "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; BEGIN TRANSACTION"
            }
            IsolationLevel::ReadCommitted => {
                "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN TRANSACTION"
            }
            IsolationLevel::RepeatableRead => {
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRANSACTION"
            }
            IsolationLevel::Serializable => {
                "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN TRANSACTION"
            }
            IsolationLevel::Snapshot => {
                "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION"
            }
        }
    }
}

const BEGIN: &str = "BEGIN TRANSACTION";
const COMMIT: &str = "COMMIT TRANSACTION";
const COMMIT_RESET: &str = "COMMIT TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED";
const ROLLBACK: &str = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION";
const ROLLBACK_RESET: &str =
    "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED";

/// Checks a savepoint name: 1 to 32 ASCII letters, digits or `_`, not
/// starting with a digit (SQL Server's limit for savepoint names is 32).
/// Savepoint names cannot be parameters in T-SQL, so only such names are
/// ever written into the SQL.
pub fn validate_savepoint_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidIdentifier {
            what: "savepoint",
            name: name.to_owned(),
        })
    }
}

/// An open transaction. Run statements on it with `&mut tx` as the
/// executor; end it with [`commit`](Self::commit) or
/// [`rollback`](Self::rollback). Dropped unfinished, it rolls back (see the
/// [module docs](self)).
pub struct Transaction<'c> {
    /// `None` only after `drop` took it.
    conn: Option<Acquired<'c>>,
    finished: bool,
    savepoints: Vec<String>,
}

impl std::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("server", &self.conn.as_ref().map(|c| c.server().to_owned()))
            .field("finished", &self.finished)
            .field("savepoints", &self.savepoints)
            .finish()
    }
}

impl Connection {
    /// Begins a transaction at the session's isolation level (READ
    /// COMMITTED unless changed).
    pub async fn begin(&mut self) -> Result<Transaction<'_>, Error> {
        Transaction::start(Acquired::Borrowed(self), None).await
    }

    /// Begins a transaction at `isolation`. The level is reset to READ
    /// COMMITTED when the transaction ends.
    pub async fn begin_with(
        &mut self,
        isolation: IsolationLevel,
    ) -> Result<Transaction<'_>, Error> {
        Transaction::start(Acquired::Borrowed(self), Some(isolation)).await
    }

    async fn run_control(&mut self, sql: &'static str) -> Result<(), Error> {
        tracing::debug!(server = %self.server(), sql, "transaction control");
        let result = async { self.client().simple_query(sql).await?.into_results().await }.await;
        result
            .map(|_| ())
            .map_err(|e| self.note_error(Error::from_driver(e, None)))
    }
}

impl<'c> Transaction<'c> {
    pub(crate) async fn start(
        mut conn: Acquired<'c>,
        isolation: Option<IsolationLevel>,
    ) -> Result<Self, Error> {
        conn.settle().await?;
        if conn.state.in_transaction {
            return Err(Error::Usage {
                message:
                    "a transaction is already open on this connection; use a savepoint for nesting"
                        .to_owned(),
            });
        }
        let sql = isolation.map_or(BEGIN, IsolationLevel::begin_sql);
        // Mark first: if the batch fails half-way (the SET ran, the BEGIN
        // did not), the cleanup still resets the isolation level.
        conn.state.isolation_dirty |= isolation.is_some_and(|i| i != IsolationLevel::ReadCommitted);
        conn.run_control(sql).await?;
        conn.state.in_transaction = true;
        Ok(Transaction {
            conn: Some(conn),
            finished: false,
            savepoints: Vec::new(),
        })
    }

    /// The connection the transaction runs on.
    pub fn connection(&mut self) -> &mut Connection {
        // `conn` is only taken by `drop`, after which no method can run.
        match &mut self.conn {
            Some(c) => c,
            None => unreachable!("a transaction's connection is only taken when it is dropped"),
        }
    }

    /// Commits. If the commit fails (for example because the server already
    /// rolled the transaction back after a deadlock), the connection is
    /// rolled back before its next use and the error is returned.
    pub async fn commit(mut self) -> Result<(), Error> {
        self.end(COMMIT, COMMIT_RESET).await
    }

    /// Rolls back. Safe when the server has already rolled back (a deadlock
    /// victim): the statement checks `@@TRANCOUNT`.
    pub async fn rollback(mut self) -> Result<(), Error> {
        self.end(ROLLBACK, ROLLBACK_RESET).await
    }

    /// Ends the transaction with `plain`, or with `reset` (which also puts
    /// the isolation level back to READ COMMITTED) when it was changed. On
    /// failure the connection is marked so it is rolled back before reuse.
    async fn end(&mut self, plain: &'static str, reset: &'static str) -> Result<(), Error> {
        self.finished = true;
        let sql = if self.connection().state.isolation_dirty {
            reset
        } else {
            plain
        };
        match self.connection().run_control(sql).await {
            Ok(()) => {
                self.connection().state.in_transaction = false;
                self.connection().state.isolation_dirty = false;
                Ok(())
            }
            Err(e) => {
                self.connection().state.rollback_pending = true;
                Err(e)
            }
        }
    }

    /// Creates a savepoint (`SAVE TRANSACTION name`). The name is validated
    /// by [`validate_savepoint_name`], never spliced unchecked.
    pub async fn save(&mut self, name: &str) -> Result<(), Error> {
        validate_savepoint_name(name)?;
        let sql = format!("SAVE TRANSACTION [{name}]");
        self.connection().settle().await?;
        let result = async {
            self.connection()
                .client()
                .simple_query(sql)
                .await?
                .into_results()
                .await
        }
        .await;
        result.map_err(|e| self.connection().note_error(Error::from_driver(e, None)))?;
        self.savepoints.retain(|s| s != name);
        self.savepoints.push(name.to_owned());
        Ok(())
    }

    /// Rolls back to a savepoint made by [`save`](Self::save) in this
    /// transaction (`ROLLBACK TRANSACTION name`); the transaction stays
    /// open, and savepoints made after it are forgotten.
    pub async fn rollback_to(&mut self, name: &str) -> Result<(), Error> {
        validate_savepoint_name(name)?;
        let Some(pos) = self.savepoints.iter().position(|s| s == name) else {
            return Err(Error::Usage {
                message: format!("no savepoint `{name}` in this transaction"),
            });
        };
        let sql = format!("ROLLBACK TRANSACTION [{name}]");
        self.connection().settle().await?;
        let result = async {
            self.connection()
                .client()
                .simple_query(sql)
                .await?
                .into_results()
                .await
        }
        .await;
        result.map_err(|e| self.connection().note_error(Error::from_driver(e, None)))?;
        self.savepoints.truncate(pos + 1);
        Ok(())
    }

    /// The savepoints made so far, oldest first.
    pub fn savepoints(&self) -> &[String] {
        &self.savepoints
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        conn.state.rollback_pending = true;
        tracing::debug!(server = %conn.server(), "transaction dropped unfinished; rollback pending");
        // A pooled connection is rolled back at once on its own task, so its
        // locks are released before the pool hands it out again; if that
        // fails the connection is marked broken and the pool discards it.
        if let (Acquired::Pooled(mut pooled), Ok(handle)) =
            (conn, tokio::runtime::Handle::try_current())
        {
            handle.spawn(async move {
                let _ = pooled.settle().await;
            });
        }
    }
}

impl<'t, 'c> Executor<'t> for &'t mut Transaction<'c> {
    fn acquire(self) -> AcquireFuture<'t> {
        AcquireFuture::ready(self.connection())
    }
}

/// Retry settings for [`retry`]: bounded attempts with exponential backoff
/// and full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// The backoff ceiling before the second attempt; doubles each time.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The backoff ceiling after failed attempt `attempt` (1-based):
    /// `min(max_delay, base_delay * 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The delay after failed attempt `attempt` for a uniform random
    /// `unit` in `[0, 1)` ("full jitter": contending transactions spread out
    /// instead of colliding again).
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        self.ceiling(attempt).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// Runs `body` until it succeeds, retrying while it fails with a retryable
/// error ([`Error::is_retryable`]: deadlock victim 1205, snapshot conflict
/// 3960), at most `policy.max_attempts` times in all. `body` gets the
/// attempt number (1-based) and must run the whole transaction: a deadlock
/// victim's transaction is already rolled back by the server.
///
/// ```no_run
/// # async fn run(pool: &quarry_runtime::Pool) -> Result<(), quarry_runtime::Error> {
/// use quarry_runtime::{retry, RetryPolicy};
///
/// retry(&RetryPolicy::default(), |_attempt| async move {
///     let tx = pool.begin().await?;
///     // query!(...).execute(&mut tx).await?;
///     tx.commit().await
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, mut body: F) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let max = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match body(attempt).await {
            Err(e) if e.is_retryable() && attempt < max => {
                let delay = policy.delay(attempt, fastrand::f64());
                tracing::debug!(attempt, ?delay, error = %e, "retrying after a retryable error");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savepoint_names() {
        for ok in ["a", "_x", "before_bonus", "S1", &"a".repeat(32)] {
            assert!(validate_savepoint_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "1a",
            "a b",
            "a]; DROP TABLE users; --",
            "sp-1",
            "é",
            &"a".repeat(33),
        ] {
            assert!(
                matches!(
                    validate_savepoint_name(bad),
                    Err(Error::InvalidIdentifier {
                        what: "savepoint",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn isolation_sql_is_static_and_distinct() {
        let all = [
            IsolationLevel::ReadUncommitted,
            IsolationLevel::ReadCommitted,
            IsolationLevel::RepeatableRead,
            IsolationLevel::Serializable,
            IsolationLevel::Snapshot,
        ];
        let sqls: std::collections::HashSet<_> = all.iter().map(|i| i.begin_sql()).collect();
        assert_eq!(sqls.len(), 5);
        assert!(
            IsolationLevel::Snapshot
                .begin_sql()
                .contains("SNAPSHOT; BEGIN TRANSACTION")
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        };
        assert_eq!(p.ceiling(1), Duration::from_millis(10));
        assert_eq!(p.ceiling(2), Duration::from_millis(20));
        assert_eq!(p.ceiling(4), Duration::from_millis(80));
        assert_eq!(p.ceiling(5), Duration::from_millis(100));
        assert_eq!(p.ceiling(200), Duration::from_millis(100));
        assert_eq!(p.delay(3, 0.5), Duration::from_millis(20));
        assert_eq!(p.delay(3, 0.0), Duration::ZERO);
        assert_eq!(p.delay(3, 7.0), Duration::from_millis(40));
    }

    fn deadlock() -> Error {
        Error::from_server(1205, 51, 13, "deadlocked", "", 1, None)
    }

    #[tokio::test]
    async fn retry_stops_on_success_and_on_other_errors() {
        let p = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let r = retry(&p, |attempt| {
            calls += 1;
            async move {
                if attempt < 3 {
                    Err(deadlock())
                } else {
                    Ok(attempt)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 3);
        assert_eq!(calls, 3);

        let mut calls = 0;
        let r: Result<(), _> = retry(&p, |_| {
            calls += 1;
            async { Err(deadlock()) }
        })
        .await;
        assert!(matches!(r, Err(Error::Deadlock { .. })));
        assert_eq!(calls, 4);

        let mut calls = 0;
        let r: Result<(), _> = retry(&p, |_| {
            calls += 1;
            async { Err(Error::from_server(2627, 1, 14, "dup", "", 1, None)) }
        })
        .await;
        assert!(matches!(r, Err(Error::UniqueViolation { .. })));
        assert_eq!(calls, 1);
    }
}
