//! One connection to SQL Server: [`connect`], the [`Connection`] type and
//! its raw escape hatches.
//!
//! ```no_run
//! # async fn run() -> Result<(), quarry_runtime::Error> {
//! let mut conn = quarry_runtime::connect(
//!     "Server=tcp:localhost,1433;Database=shop;User Id=sa;Password=...;TrustServerCertificate=true",
//! )
//! .await?;
//! conn.execute_raw("CREATE TABLE #scratch (id int)").await?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Instant;

use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use crate::Error;
use crate::config::{ConnectOptions, Encrypt};
use crate::error::{ErrorClass, classify};

/// The tiberius client type a [`Connection`] wraps.
pub type Client = tiberius::Client<Compat<TcpStream>>;

/// Session bookkeeping the runtime keeps beside the driver, so that a
/// transaction dropped without `commit`/`rollback` is rolled back before the
/// connection is used again (a `Drop` cannot await).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SessionState {
    /// A [`Transaction`](crate::Transaction) is open on this connection.
    pub(crate) in_transaction: bool,
    /// A transaction was dropped unfinished: the next use (or the pool's
    /// recycle) must roll back first.
    pub(crate) rollback_pending: bool,
    /// The session isolation level was changed by a transaction and must be
    /// reset to READ COMMITTED before the connection is reused.
    pub(crate) isolation_dirty: bool,
    /// A row stream was dropped before its end: the server may still be
    /// sending rows, so the next use cancels the request first.
    pub(crate) stream_abandoned: bool,
    /// A fatal error broke the connection; it must be discarded.
    pub(crate) broken: bool,
}

impl SessionState {
    /// What the next use must send before its own request, if anything.
    pub(crate) fn cleanup_sql(&self) -> Option<&'static str> {
        match (self.rollback_pending, self.isolation_dirty) {
            (true, true) => Some(
                "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
            ),
            (true, false) => Some("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION"),
            (false, true) if !self.in_transaction => {
                Some("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            }
            _ => None,
        }
    }
}

/// An open connection to SQL Server.
///
/// Run checked statements on it with the methods of
/// [`Query`](crate::Query) (`fetch_all(&mut conn)`, ...), start a
/// [`Transaction`](crate::Transaction) with [`Connection::begin`], or reach
/// the driver through [`Connection::client`].
pub struct Connection {
    client: Client,
    server: String,
    pub(crate) state: SessionState,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("server", &self.server)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Opens a connection from a connection string in any supported form (ADO.NET,
/// `mssql://` / `sqlserver://` URL, JDBC); see
/// [`ConnectOptions`].
///
/// Each failure has its own error naming the server (never the password):
/// [`Error::Config`], [`Error::Unreachable`], [`Error::Tls`],
/// [`Error::LoginFailed`], [`Error::DatabaseNotFound`], [`Error::Timeout`].
pub async fn connect(conn: &str) -> Result<Connection, Error> {
    let options = ConnectOptions::parse(conn)?;
    Connection::connect_with(&options).await
}

impl Connection {
    /// Opens a connection with parsed options.
    pub async fn connect_with(options: &ConnectOptions) -> Result<Connection, Error> {
        let config = options.to_tiberius()?;
        let started = Instant::now();
        let span = tracing::debug_span!("quarry.connect", server = %options.server());
        let _enter = span.enter();
        let result = Self::open(options, config, options.host.clone(), options.port, 0).await;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            "connect finished"
        );
        result
    }

    fn open(
        options: &ConnectOptions,
        mut config: tiberius::Config,
        host: String,
        port: u16,
        redirects: u8,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Connection, Error>> + Send + '_>> {
        Box::pin(async move {
            let server = if options.instance.is_some() && redirects == 0 {
                options.server()
            } else {
                format!("{host}:{port}")
            };
            let tcp = TcpStream::connect((host.as_str(), port));
            let tcp = match options.connect_timeout {
                Some(limit) => match tokio::time::timeout(limit, tcp).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Err(Error::Unreachable {
                            server,
                            message: format!("no TCP connection within {limit:?}"),
                        });
                    }
                },
                None => tcp.await,
            }
            .map_err(|e| Error::Unreachable {
                server: server.clone(),
                message: e.to_string(),
            })?;
            // Small request/response packets: do not wait to coalesce them.
            let _ = tcp.set_nodelay(true);
            match Client::connect(config.clone(), tcp.compat_write()).await {
                Ok(client) => Ok(Connection {
                    client,
                    server,
                    state: SessionState::default(),
                }),
                // Azure SQL's gateway may redirect to the node that holds the
                // database; follow it (at most twice).
                Err(tiberius::error::Error::Routing { host, port }) if redirects < 2 => {
                    config.host(&host);
                    config.port(port);
                    Self::open(options, config, host, port, redirects + 1).await
                }
                Err(e) => Err(connect_error(e, options, server)),
            }
        })
    }

    /// `host:port` of the server, for messages.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The underlying tiberius client: the escape hatch for anything the
    /// runtime does not wrap (catalog reflection, `Command` with OUT
    /// parameters, table-valued parameters).
    ///
    /// What you send through it bypasses tracing and the audit hook. Consume
    /// every result stream you open (tiberius drains an unconsumed one on the
    /// next request). Do not issue `BEGIN`/`COMMIT` through it while a
    /// [`Transaction`](crate::Transaction) is open on this connection.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// The client and the session state, borrowed apart (a result stream
    /// borrows the client while the state is updated).
    pub(crate) fn client_and_state(&mut self) -> (&mut Client, &mut SessionState) {
        (&mut self.client, &mut self.state)
    }

    /// Consumes the connection and returns the tiberius client.
    pub fn into_client(self) -> Client {
        self.client
    }

    /// Closes the connection gracefully.
    pub async fn close(self) -> Result<(), Error> {
        self.client
            .close()
            .await
            .map_err(|e| Error::from_driver(e, None))
    }

    /// True when a fatal error has made this connection unusable; a pool
    /// discards such connections.
    pub fn is_broken(&self) -> bool {
        self.state.broken
    }

    /// True while a [`Transaction`](crate::Transaction) is open on it.
    pub fn in_transaction(&self) -> bool {
        self.state.in_transaction
    }

    /// True when a transaction was dropped unfinished and its rollback has
    /// not been sent yet (it is sent before the next request).
    pub fn rollback_pending(&self) -> bool {
        self.state.rollback_pending
    }

    /// Runs raw T-SQL as a batch in the session's own scope, discarding any
    /// results: for DDL, `#temp` tables (which a parameterised
    /// `sp_executesql` call would drop at the end of its scope) and `SET`
    /// options. Never build this text from user input; checked statements
    /// are the way to send values.
    pub async fn execute_raw(&mut self, sql: &str) -> Result<(), Error> {
        self.settle().await?;
        let result = async {
            let stream = self.client.simple_query(sql).await?;
            stream.into_results().await.map(|_| ())
        }
        .await;
        result.map_err(|e| self.note_error(Error::from_driver(e, None)))
    }

    /// Runs a raw T-SQL batch and returns the rows of its first result set.
    /// The same caveats as [`execute_raw`](Self::execute_raw) apply; read the
    /// rows with `try_get` (never the panicking `get`).
    pub async fn query_raw(&mut self, sql: &str) -> Result<Vec<tiberius::Row>, Error> {
        self.settle().await?;
        let result = async {
            self.client
                .simple_query(sql)
                .await?
                .into_first_result()
                .await
        }
        .await;
        result.map_err(|e| self.note_error(Error::from_driver(e, None)))
    }

    /// A cheap round-trip (`SELECT 1`), as the pool's health check uses.
    pub async fn ping(&mut self) -> Result<(), Error> {
        let rows = self.query_raw("SELECT 1").await?;
        match rows.first().map(|r| r.try_get::<i32, _>(0)) {
            Some(Ok(Some(1))) => Ok(()),
            _ => Err(self.note_error(Error::ConnectionLost {
                statement: None,
                message: "the health check `SELECT 1` did not return 1".to_owned(),
            })),
        }
    }

    /// Brings the session to a clean state before a request: cancels a
    /// half-read stream, rolls back a transaction dropped unfinished and
    /// resets a changed isolation level. Called before every request the
    /// runtime sends and by the pool before reuse.
    pub async fn settle(&mut self) -> Result<(), Error> {
        if self.state.broken {
            return Err(Error::ConnectionLost {
                statement: None,
                message: format!(
                    "the connection to {} was broken by an earlier error",
                    self.server
                ),
            });
        }
        if self.state.stream_abandoned {
            // Stop the server producing the rest of the result; the
            // acknowledgement drains what is already in flight.
            self.client
                .cancel_query()
                .await
                .map_err(|e| self.note_error(Error::from_driver(e, None)))?;
            self.state.stream_abandoned = false;
        }
        if let Some(sql) = self.state.cleanup_sql() {
            tracing::debug!(server = %self.server, sql, "cleaning up the session before reuse");
            let result = async { self.client.simple_query(sql).await?.into_results().await }.await;
            if let Err(e) = result {
                // A session whose transaction state is unknown must not be
                // reused.
                self.state.broken = true;
                return Err(Error::from_driver(e, None));
            }
            if self.state.rollback_pending {
                self.state.in_transaction = false;
            }
            self.state.rollback_pending = false;
            if !self.state.in_transaction {
                self.state.isolation_dirty = false;
            }
        }
        Ok(())
    }

    /// Records a fatal error on the connection and passes it through.
    pub(crate) fn note_error(&mut self, e: Error) -> Error {
        if e.is_connection_broken() {
            self.state.broken = true;
        }
        e
    }
}

/// Maps a server error raised during login: 18456 and 4060 get their own
/// variants naming the server.
fn server_error_on_connect(
    (code, state, class): (u32, u8, u8),
    message: &str,
    procedure: &str,
    line: u32,
    options: &ConnectOptions,
    server: String,
) -> Error {
    match classify(code, message) {
        ErrorClass::LoginFailed => Error::LoginFailed {
            server,
            user: options.user().map(str::to_owned),
            message: message.to_owned(),
        },
        ErrorClass::DatabaseNotFound => Error::DatabaseNotFound {
            server,
            database: options.database.clone().unwrap_or_default(),
            message: message.to_owned(),
        },
        _ => Error::from_server(code, state, class, message, procedure, line, None),
    }
}

/// Maps a failure while opening a connection, naming the server.
fn connect_error(e: tiberius::error::Error, options: &ConnectOptions, server: String) -> Error {
    use tiberius::error::Error as T;
    match e {
        T::Server(tok) => server_error_on_connect(
            (tok.code(), tok.state(), tok.class()),
            tok.message(),
            tok.procedure(),
            tok.line(),
            options,
            server,
        ),
        T::Tls(message) => Error::Tls { server, message },
        T::Io {
            kind: std::io::ErrorKind::TimedOut,
            message,
        } => Error::Timeout {
            statement: None,
            message: format!("the handshake with {server} did not complete: {message}"),
        },
        // A reset during the handshake while TLS is required is almost
        // always the server refusing encryption.
        T::Io { message, .. } if options.encrypt == Encrypt::Required => Error::Tls {
            server,
            message: format!(
                "connection closed during the handshake ({message}); the server may not support encryption"
            ),
        },
        T::Io { message, .. } => Error::Unreachable { server, message },
        T::Protocol(m)
            if m.to_ascii_lowercase().contains("encrypt")
                || m.to_ascii_lowercase().contains("tls") =>
        {
            Error::Tls {
                server,
                message: m.into_owned(),
            }
        }
        other => Error::Driver {
            statement: None,
            message: format!("while connecting to {server}: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_after_dropped_transaction() {
        let mut s = SessionState::default();
        assert_eq!(s.cleanup_sql(), None);
        s.in_transaction = true;
        s.rollback_pending = true;
        assert_eq!(
            s.cleanup_sql(),
            Some("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
        );
        s.isolation_dirty = true;
        assert!(s.cleanup_sql().unwrap().contains("READ COMMITTED"));
        // An open transaction with a custom isolation level is left alone.
        s.rollback_pending = false;
        assert_eq!(s.cleanup_sql(), None);
        s.in_transaction = false;
        assert_eq!(
            s.cleanup_sql(),
            Some("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        );
    }

    #[test]
    fn connect_errors_name_the_server_not_the_password() {
        let o = ConnectOptions::parse("Server=db1,1433;Database=shop;User Id=app;Password=hunter2")
            .unwrap();
        let e = server_error_on_connect(
            (18456, 1, 14),
            "Login failed for user 'app'.",
            "",
            1,
            &o,
            o.server(),
        );
        assert!(
            matches!(&e, Error::LoginFailed { server, user: Some(u), .. } if server == "db1:1433" && u == "app")
        );
        assert!(!e.to_string().contains("hunter2"));
        let e = server_error_on_connect(
            (4060, 1, 11),
            "Cannot open database \"shop\" requested by the login.",
            "",
            1,
            &o,
            o.server(),
        );
        assert!(matches!(e, Error::DatabaseNotFound { database, .. } if database == "shop"));
        let tls = tiberius::error::Error::Tls("certificate verify failed".into());
        let e = connect_error(tls, &o, o.server());
        assert!(matches!(&e, Error::Tls { .. }));
        assert!(e.to_string().contains("TrustServerCertificate=true"));
    }

    #[tokio::test]
    async fn unreachable_host_is_a_typed_error() {
        // Port 1 on localhost: nothing listens there, so the TCP connect is
        // refused at once (no server is needed to prove this path).
        let e = connect("Server=127.0.0.1,1;User Id=u;Password=hunter2;Connection Timeout=2")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Unreachable { server, .. } if server == "127.0.0.1:1"),
            "{e:?}"
        );
        assert!(!e.to_string().contains("hunter2"));
        let e = connect("Server=h;User Id=u").await.unwrap_err();
        assert!(matches!(e, Error::Config(_)));
    }
}
