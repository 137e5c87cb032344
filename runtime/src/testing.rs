//! Test support (booklet chapter 11): run a test's statements inside a
//! transaction that is always rolled back, so tests leave the database as
//! they found it and can run against a shared database.
//!
//! Two shapes, pick the one that reads better:
//!
//! ```no_run
//! # async fn run(conn: &mut quarry_runtime::Connection) -> Result<(), quarry_runtime::Error> {
//! use quarry_runtime::testing::{begin_test, with_rollback};
//!
//! // A guard: use `&mut tx` as the executor, then `finish()`.
//! let mut tx = begin_test(conn).await?;
//! // query!(insert users { ... }).execute(&mut tx).await?;
//! tx.finish().await?; // rolls back
//!
//! // A closure: the body gets the transaction; its result is returned after
//! // the rollback. (Boxing the body's future is what lets it borrow `tx`.)
//! let n = with_rollback(conn, |tx| Box::pin(async move {
//!     // query!(...).execute(&mut *tx).await
//!     let _ = tx;
//!     Ok::<_, quarry_runtime::Error>(1)
//! }))
//! .await?;
//! # Ok(()) }
//! ```

use std::ops::{Deref, DerefMut};

use futures_util::future::BoxFuture;

use crate::Error;
use crate::connection::Connection;
use crate::execute::{AcquireFuture, Executor};
use crate::transaction::Transaction;

/// A transaction that is never committed: [`finish`](Self::finish) rolls it
/// back, and so does dropping it (before the connection's next use).
/// Dereferences to [`Transaction`] (savepoints work); `&mut TestTransaction`
/// is an executor.
#[derive(Debug)]
pub struct TestTransaction<'c> {
    tx: Transaction<'c>,
}

/// Begins a test transaction on `conn`.
pub async fn begin_test(conn: &mut Connection) -> Result<TestTransaction<'_>, Error> {
    Ok(TestTransaction {
        tx: conn.begin().await?,
    })
}

impl TestTransaction<'_> {
    /// Rolls everything back.
    pub async fn finish(self) -> Result<(), Error> {
        self.tx.rollback().await
    }
}

impl<'c> Deref for TestTransaction<'c> {
    type Target = Transaction<'c>;
    fn deref(&self) -> &Transaction<'c> {
        &self.tx
    }
}

impl<'c> DerefMut for TestTransaction<'c> {
    fn deref_mut(&mut self) -> &mut Transaction<'c> {
        &mut self.tx
    }
}

impl<'t, 'c> Executor<'t> for &'t mut TestTransaction<'c> {
    fn acquire(self) -> AcquireFuture<'t> {
        AcquireFuture::ready(self.tx.connection())
    }
}

/// Runs `body` in a transaction on `conn` and rolls it back afterwards,
/// whether the body succeeded or not; returns the body's result (or the
/// rollback's error if only that failed).
pub async fn with_rollback<T, F>(conn: &mut Connection, body: F) -> Result<T, Error>
where
    F: for<'t> FnOnce(&'t mut Transaction<'_>) -> BoxFuture<'t, Result<T, Error>>,
{
    let mut tx = conn.begin().await?;
    let result = body(&mut tx).await;
    let rolled_back = tx.rollback().await;
    match (result, rolled_back) {
        (Ok(v), Ok(())) => Ok(v),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    }
}
