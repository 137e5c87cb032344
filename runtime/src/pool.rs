//! A connection pool on [`deadpool`] (booklet §9.3): bounded size, a wait
//! timeout, a health check before reuse, broken connections discarded.
//!
//! A [`Pool`] runs statements directly (`query.fetch_all(&pool)` checks a
//! connection out for that one statement), hands out connections
//! ([`Pool::get`]) and begins transactions ([`Pool::begin`]).
//!
//! Before a connection is reused the pool's recycle step:
//! 1. discards it if an earlier error broke it;
//! 2. cancels a result stream dropped half-read, rolls back a transaction
//!    dropped unfinished (`IF @@TRANCOUNT > 0 ROLLBACK`) and resets a
//!    changed isolation level;
//! 3. pings it (`SELECT 1`) when it has been idle longer than
//!    [`PoolOptions::health_check_after`] and discards it if that fails.
//!
//! ```no_run
//! # async fn run() -> Result<(), quarry_runtime::Error> {
//! use std::time::Duration;
//! use quarry_runtime::{Pool, PoolOptions};
//!
//! let pool = Pool::with_options(
//!     "mssql://app:secret@db:1433/shop",
//!     PoolOptions { max_size: 20, wait_timeout: Some(Duration::from_secs(5)), ..PoolOptions::default() },
//! )?;
//! let mut conn = pool.get().await?;
//! conn.ping().await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};

use crate::Error;
use crate::config::ConnectOptions;
use crate::connection::Connection;
use crate::execute::Acquired;
use crate::transaction::{IsolationLevel, Transaction};

/// The deadpool manager: creates [`Connection`]s and checks them before
/// reuse.
#[derive(Debug)]
pub struct Manager {
    options: ConnectOptions,
    health_check_after: Option<Duration>,
}

impl Manager {
    /// A manager for these options; `health_check_after` as in
    /// [`PoolOptions`].
    pub fn new(options: ConnectOptions, health_check_after: Option<Duration>) -> Self {
        Manager {
            options,
            health_check_after,
        }
    }
}

impl managed::Manager for Manager {
    type Type = Connection;
    type Error = Error;

    async fn create(&self) -> Result<Connection, Error> {
        Connection::connect_with(&self.options).await
    }

    async fn recycle(&self, conn: &mut Connection, metrics: &Metrics) -> RecycleResult<Error> {
        if conn.is_broken() {
            return Err(RecycleError::message(
                "the connection was broken by an earlier error",
            ));
        }
        // A transaction still marked open here was leaked (`mem::forget`):
        // roll it back rather than hand out a session inside it.
        if conn.state.in_transaction {
            conn.state.rollback_pending = true;
        }
        let cleaned = conn.state.cleanup_sql().is_some() || conn.state.stream_abandoned;
        conn.settle().await.map_err(RecycleError::Backend)?;
        let idle_long = self
            .health_check_after
            .is_some_and(|after| metrics.last_used() >= after);
        // A cleanup round-trip already proved the connection alive.
        if idle_long && !cleaned {
            conn.ping().await.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

/// A connection checked out of a [`Pool`]; returns to it when dropped.
/// Dereferences to [`Connection`].
pub type PooledConnection = managed::Object<Manager>;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// The most connections open at once.
    pub max_size: usize,
    /// How long `get` waits for a free connection; `None` waits forever.
    pub wait_timeout: Option<Duration>,
    /// How long creating a connection may take (on top of the connect
    /// timeout of the connection string); `None` for no extra bound.
    pub create_timeout: Option<Duration>,
    /// How long the recycle step (cleanup and health check) may take.
    pub recycle_timeout: Option<Duration>,
    /// Ping a connection before reuse when it was last checked out longer
    /// ago than this; `Some(Duration::ZERO)` pings on every checkout,
    /// `None` never pings (broken connections are still discarded).
    pub health_check_after: Option<Duration>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            wait_timeout: Some(Duration::from_secs(30)),
            create_timeout: None,
            recycle_timeout: Some(Duration::from_secs(5)),
            health_check_after: Some(Duration::from_secs(1)),
        }
    }
}

/// A pool of connections to one server. Cheap to clone (all clones share
/// the connections).
#[derive(Clone, Debug)]
pub struct Pool {
    inner: managed::Pool<Manager>,
}

impl Pool {
    /// A pool with default [`PoolOptions`] for a connection string in any
    /// supported form. Connections are opened lazily, on first use.
    pub fn new(conn: &str) -> Result<Pool, Error> {
        Self::with_options(conn, PoolOptions::default())
    }

    /// A pool with explicit options.
    pub fn with_options(conn: &str, options: PoolOptions) -> Result<Pool, Error> {
        Self::from_connect_options(ConnectOptions::parse(conn)?, options)
    }

    /// A pool from parsed connection options.
    pub fn from_connect_options(
        connect: ConnectOptions,
        options: PoolOptions,
    ) -> Result<Pool, Error> {
        if options.max_size == 0 {
            return Err(Error::Pool {
                message: "max_size must be at least 1".to_owned(),
            });
        }
        let inner = managed::Pool::builder(Manager::new(connect, options.health_check_after))
            .max_size(options.max_size)
            .wait_timeout(options.wait_timeout)
            .create_timeout(options.create_timeout)
            .recycle_timeout(options.recycle_timeout)
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| Error::Pool {
                message: e.to_string(),
            })?;
        Ok(Pool { inner })
    }

    /// Checks a connection out, waiting at most the wait timeout
    /// ([`Error::Timeout`] after that).
    pub async fn get(&self) -> Result<PooledConnection, Error> {
        use managed::{PoolError, TimeoutType};
        self.inner.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Timeout(TimeoutType::Wait) => {
                Error::pool_timeout(self.inner.timeouts().wait)
            }
            PoolError::Timeout(TimeoutType::Create) => Error::Timeout {
                statement: None,
                message: "creating a pooled connection took longer than the create timeout"
                    .to_owned(),
            },
            PoolError::Timeout(TimeoutType::Recycle) => Error::Timeout {
                statement: None,
                message: "checking a pooled connection took longer than the recycle timeout"
                    .to_owned(),
            },
            PoolError::Closed => Error::Pool {
                message: "the pool is closed".to_owned(),
            },
            other => Error::Pool {
                message: other.to_string(),
            },
        })
    }

    /// Checks a connection out and begins a transaction on it; the
    /// connection returns to the pool when the transaction ends.
    pub async fn begin(&self) -> Result<Transaction<'static>, Error> {
        Transaction::start(Acquired::Pooled(self.get().await?), None).await
    }

    /// Like [`begin`](Self::begin) with an isolation level.
    pub async fn begin_with(
        &self,
        isolation: IsolationLevel,
    ) -> Result<Transaction<'static>, Error> {
        Transaction::start(Acquired::Pooled(self.get().await?), Some(isolation)).await
    }

    /// Size, idle connections and waiters.
    pub fn status(&self) -> deadpool::Status {
        self.inner.status()
    }

    /// Closes the pool: waiting and future `get`s fail; idle connections are
    /// dropped.
    pub fn close(&self) {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::{Query, Statement, StatementKind};

    static ST: Statement = Statement {
        id: "tests::pool",
        variant: 0,
        sql: "SELECT 1",
        param_decls: "",
        args: &[],
        columns: &[],
        kind: StatementKind::Select,
        file: "pool.rs",
        line: 1,
    };

    #[test]
    fn bad_settings_are_errors() {
        assert!(matches!(
            Pool::new("Server=h;User Id=u"),
            Err(Error::Config(_))
        ));
        let zero = PoolOptions {
            max_size: 0,
            ..PoolOptions::default()
        };
        assert!(matches!(
            Pool::with_options("Server=h;User Id=u;Password=p", zero),
            Err(Error::Pool { .. })
        ));
    }

    // Nothing listens on port 1 of localhost: a checkout fails with the
    // connect error, through the pool and through a statement run on it,
    // without a server.
    #[tokio::test]
    async fn checkout_failures_surface_as_connect_errors() {
        let pool = Pool::new("Server=127.0.0.1,1;User Id=u;Password=hunter2;Connection Timeout=2")
            .unwrap();
        let e = pool.get().await.unwrap_err();
        assert!(
            matches!(&e, Error::Unreachable { server, .. } if server == "127.0.0.1:1"),
            "{e:?}"
        );
        let q: Query<'_, ()> = Query::new(&ST, vec![], |_, _| Ok(()));
        assert!(matches!(
            q.fetch_all(&pool).await,
            Err(Error::Unreachable { .. })
        ));
        assert!(matches!(pool.begin().await, Err(Error::Unreachable { .. })));
        assert_eq!(pool.status().size, 0);
        pool.close();
        assert!(matches!(pool.get().await, Err(Error::Pool { .. })));
    }
}
