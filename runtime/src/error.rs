//! The runtime's one error type. Every variant that comes from running a
//! statement carries that statement (its id and SQL text), so a log line
//! says which query failed without the caller adding context.
//!
//! Server errors are classified by their error number (see [`classify`], a
//! pure function): a caller matches [`Error::UniqueViolation`] or
//! [`Error::Deadlock`] instead of comparing numbers and parsing messages.
//!
//! ```
//! use quarry_runtime::Error;
//!
//! fn explain(e: &Error) -> &'static str {
//!     match e {
//!         Error::UniqueViolation { .. } => "that name is taken",
//!         Error::Deadlock { .. } => "try again",
//!         Error::StaleRow { .. } => "someone else changed it first",
//!         _ => "something else",
//!     }
//! }
//! # let _ = explain;
//! ```

use std::time::Duration;

use crate::Statement;
use crate::config::ConfigError;

/// Everything that can go wrong while connecting or running a statement.
///
/// `statement` fields are `None` only for raw SQL sent through the escape
/// hatches ([`Connection::execute_raw`](crate::Connection::execute_raw)) and
/// for transaction control.
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

    /// The connection string or options are invalid.
    #[error("invalid connection options: {0}")]
    Config(#[from] ConfigError),

    /// The server could not be reached over TCP (DNS failure, refused,
    /// unreachable, or no answer within the connect timeout).
    #[error("cannot reach SQL Server at {server}: {message}")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// The I/O error.
        message: String,
    },

    /// The TLS handshake failed: the server refused encryption, or its
    /// certificate is not trusted (a development server with a self-signed
    /// certificate needs `TrustServerCertificate=true`).
    #[error(
        "TLS handshake with {server} failed: {message} (for a server with a self-signed certificate \
         add TrustServerCertificate=true; to opt out of encryption add Encrypt=false)"
    )]
    Tls {
        /// `host:port`.
        server: String,
        /// The TLS library's message.
        message: String,
    },

    /// The server rejected the login (error 18456). The server deliberately
    /// does not say whether the user or the password was wrong.
    #[error("login failed on {server} for user {}: {message}", user.as_deref().unwrap_or("(integrated)"))]
    LoginFailed {
        /// `host:port`.
        server: String,
        /// The login name, for SQL authentication.
        user: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The requested database does not exist or the login cannot open it
    /// (error 4060).
    #[error("cannot open database `{database}` on {server}: {message}")]
    DatabaseNotFound {
        /// `host:port`.
        server: String,
        /// The database asked for.
        database: String,
        /// The server's message.
        message: String,
    },

    /// The connection broke while a statement was running (reset, closed,
    /// or left out of sync by a cancelled request). The connection is
    /// discarded; the statement may or may not have run.
    #[error("connection lost{}: {message}", at(*statement))]
    ConnectionLost {
        /// The statement that was running.
        statement: Option<&'static Statement>,
        /// What the driver saw.
        message: String,
    },

    /// A statement, connect or pool checkout did not finish in time. A
    /// statement timeout leaves the connection unusable; it is discarded.
    #[error("timed out{}: {message}", at(*statement))]
    Timeout {
        /// The statement that was running, if any.
        statement: Option<&'static Statement>,
        /// What timed out.
        message: String,
    },

    /// A PRIMARY KEY or UNIQUE constraint (2627) or a unique index (2601)
    /// rejected a duplicate.
    #[error("unique violation{} on {}: {message}", at(*statement), constraint.as_deref().unwrap_or("an unnamed key"))]
    UniqueViolation {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The constraint or index name, parsed from the message.
        constraint: Option<String>,
        /// The table (`dbo.users`), parsed from the message.
        table: Option<String>,
        /// The duplicate key value as the server printed it.
        duplicate_key: Option<String>,
        /// 2627 (constraint) or 2601 (unique index).
        code: u32,
        /// The server's message.
        message: String,
    },

    /// A FOREIGN KEY constraint rejected the change (547).
    #[error("foreign key violation{} on {}: {message}", at(*statement), constraint.as_deref().unwrap_or("an unnamed constraint"))]
    ForeignKeyViolation {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The constraint name, parsed from the message.
        constraint: Option<String>,
        /// The referenced table, parsed from the message.
        table: Option<String>,
        /// The server's message.
        message: String,
    },

    /// A CHECK constraint rejected the change (547 naming a CHECK constraint).
    #[error("check constraint violation{} on {}: {message}", at(*statement), constraint.as_deref().unwrap_or("an unnamed constraint"))]
    CheckViolation {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The constraint name, parsed from the message.
        constraint: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The transaction was chosen as a deadlock victim (1205) and rolled back
    /// by the server. Retry the whole transaction ([`retry`](crate::retry)).
    #[error("deadlock victim{}: {message}", at(*statement))]
    Deadlock {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The server's message.
        message: String,
    },

    /// A SNAPSHOT transaction tried to update a row changed since it began
    /// (3960); the server rolled it back. Retryable like a deadlock.
    #[error("snapshot update conflict{}: {message}", at(*statement))]
    SnapshotConflict {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The server's message.
        message: String,
    },

    /// `SET LOCK_TIMEOUT` expired, or `NOWAIT` met a lock (1222). The
    /// transaction is still open; only the statement failed.
    #[error("lock request timed out{}: {message}", at(*statement))]
    LockTimeout {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The server's message.
        message: String,
    },

    /// Optimistic concurrency: an UPDATE/DELETE guarded by a rowversion
    /// compare affected another number of rows than expected (usually 0: the
    /// row was changed or deleted since it was read).
    #[error("stale row in statement `{}`: expected {expected} row(s) affected, got {affected}", statement.id)]
    StaleRow {
        /// The guarded statement.
        statement: &'static Statement,
        /// Rows the caller expected.
        expected: u64,
        /// Rows actually affected.
        affected: u64,
    },

    /// `fetch_one` found no row.
    #[error("statement `{}` returned no row, exactly one was expected", statement.id)]
    RowNotFound {
        /// The statement.
        statement: &'static Statement,
    },

    /// A string or binary argument is longer than its declared parameter
    /// type. `sp_executesql` would silently truncate it, so it is refused
    /// before sending.
    #[error(
        "statement `{}`: argument @P{param} has {length} characters/bytes but is declared {declared}; \
         it would be silently truncated",
        statement.id
    )]
    ParamTooLong {
        /// The statement.
        statement: &'static Statement,
        /// The parameter number (`@P<n>`).
        param: usize,
        /// The declared type, e.g. `varchar(20)`.
        declared: String,
        /// The argument's length (characters for text, bytes for binary).
        length: usize,
    },

    /// A decimal argument has more fractional digits than its declared
    /// parameter type keeps. The server would round it silently, so it is
    /// refused before sending: round it yourself (`Decimal::round_dp`) or
    /// compare against a wider expression.
    #[error(
        "statement `{}`: argument @P{param} = {value} is declared {declared}, which would round it; \
         round the value first (Decimal::round_dp) if that is what you mean",
        statement.id
    )]
    ParamRounded {
        /// The statement.
        statement: &'static Statement,
        /// The parameter number (`@P<n>`).
        param: usize,
        /// The declared type, e.g. `decimal(18,2)`.
        declared: String,
        /// The argument as written, e.g. `0.125`.
        value: String,
    },

    /// Any other server error.
    #[error("SQL Server error {code} (severity {class}){}: {message}", at(*statement))]
    Server {
        /// The statement that failed.
        statement: Option<&'static Statement>,
        /// The error number (`sys.messages.message_id`).
        code: u32,
        /// The error state.
        state: u8,
        /// The severity class; 20 and above close the connection.
        class: u8,
        /// The server's message.
        message: String,
        /// The procedure the error was raised in, if any.
        procedure: Option<String>,
        /// The line in the batch or procedure.
        line: u32,
    },

    /// A driver-level failure that is neither I/O nor a server error
    /// (protocol, encoding, conversion).
    #[error("driver error{}: {message}", at(*statement))]
    Driver {
        /// The statement that was running, if any.
        statement: Option<&'static Statement>,
        /// The driver's message.
        message: String,
    },

    /// The pool is closed or a connection could not be created for it.
    #[error("connection pool: {message}")]
    Pool {
        /// What went wrong.
        message: String,
    },

    /// A name that must be a plain identifier (a savepoint name) is not one.
    /// Names are validated, never spliced into SQL unchecked.
    #[error(
        "`{name}` is not a valid {what} name: use 1 to 32 letters, digits or `_`, starting with a letter or `_`"
    )]
    InvalidIdentifier {
        /// What the name is for.
        what: &'static str,
        /// The rejected name.
        name: String,
    },

    /// A transaction or bulk operation was used in a way its state does not
    /// allow (for example a savepoint that does not exist).
    #[error("{message}")]
    Usage {
        /// What was wrong.
        message: String,
    },

    /// Bulk load failed on the client side (a value that does not fit the
    /// column, a table name rejected by the driver).
    #[error("bulk insert into {table}: {message}")]
    Bulk {
        /// The target table.
        table: String,
        /// What went wrong.
        message: String,
    },
}

fn at(statement: Option<&'static Statement>) -> String {
    match statement {
        Some(s) => format!(" in statement `{}`", s.id),
        None => String::new(),
    }
}

/// What kind of failure a server error number means. Pure, so it is tested
/// without a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// 2627, 2601.
    UniqueViolation,
    /// 547 naming a FOREIGN KEY or REFERENCE constraint.
    ForeignKeyViolation,
    /// 547 naming a CHECK constraint.
    CheckViolation,
    /// 1205.
    Deadlock,
    /// 3960.
    SnapshotConflict,
    /// 1222.
    LockTimeout,
    /// 18456 (and 18452, untrusted domain login; 18486/18487/18488 locked
    /// out or expired).
    LoginFailed,
    /// 4060.
    DatabaseNotFound,
    /// Anything else.
    Other,
}

/// Classifies a server error by number (and, for 547, by its message).
pub fn classify(code: u32, message: &str) -> ErrorClass {
    match code {
        2627 | 2601 => ErrorClass::UniqueViolation,
        547 if message.contains("CHECK constraint") => ErrorClass::CheckViolation,
        547 => ErrorClass::ForeignKeyViolation,
        1205 => ErrorClass::Deadlock,
        3960 => ErrorClass::SnapshotConflict,
        1222 => ErrorClass::LockTimeout,
        18456 | 18452 | 18486 | 18487 | 18488 => ErrorClass::LoginFailed,
        4060 => ErrorClass::DatabaseNotFound,
        _ => ErrorClass::Other,
    }
}

/// The first quoted name (`'x'` or `"x"`) after `marker` in `message`.
fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let start = rest.find(['\'', '"'])?;
    let quote = rest[start..].chars().next()?;
    let body = &rest[start + 1..];
    let end = body.find(quote)?;
    Some(body[..end].to_owned())
}

/// The text between `marker (` and the last `)` before the final period.
fn duplicate_value(message: &str) -> Option<String> {
    let rest =
        &message[message.find("duplicate key value is (")? + "duplicate key value is (".len()..];
    let end = rest.rfind(')')?;
    Some(rest[..end].to_owned())
}

/// Parts of a unique-violation message: (constraint or index, table,
/// duplicate key). Works on the English messages; other languages give
/// `None`s, never a wrong name.
pub fn parse_unique_violation(
    code: u32,
    message: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let dup = duplicate_value(message);
    match code {
        // Violation of UNIQUE KEY constraint 'UQ_x'. Cannot insert duplicate key in object 'dbo.t'. The duplicate key value is (v).
        2627 => (
            quoted_after(message, "constraint"),
            quoted_after(message, "in object"),
            dup,
        ),
        // Cannot insert duplicate key row in object 'dbo.t' with unique index 'IX_x'. The duplicate key value is (v).
        _ => (
            quoted_after(message, "unique index"),
            quoted_after(message, "in object"),
            dup,
        ),
    }
}

/// Parts of a 547 message: (constraint, table).
///
/// `The INSERT statement conflicted with the FOREIGN KEY constraint "FK_x".
/// The conflict occurred in database "db", table "dbo.users", column 'id'.`
pub fn parse_constraint_violation(message: &str) -> (Option<String>, Option<String>) {
    (
        quoted_after(message, "constraint"),
        quoted_after(message, ", table"),
    )
}

impl Error {
    /// Converts a driver error raised while running `statement`.
    pub fn from_driver(
        err: tiberius::error::Error,
        statement: Option<&'static Statement>,
    ) -> Error {
        use tiberius::error::Error as T;
        match err {
            T::Server(tok) => Error::from_server(
                tok.code(),
                tok.state(),
                tok.class(),
                tok.message(),
                tok.procedure(),
                tok.line(),
                statement,
            ),
            T::Io {
                kind: std::io::ErrorKind::TimedOut,
                message,
            } => Error::Timeout { statement, message },
            T::Io { message, .. } => Error::ConnectionLost { statement, message },
            T::Protocol(m) if m.contains("can no longer be used") || m.contains("Never got") => {
                Error::ConnectionLost {
                    statement,
                    message: m.into_owned(),
                }
            }
            T::BulkInput(m) => Error::Bulk {
                table: statement.map_or("?", |s| s.id).to_owned(),
                message: m.into_owned(),
            },
            other => Error::Driver {
                statement,
                message: other.to_string(),
            },
        }
    }

    /// Builds the typed error for a server error number. Public so tests and
    /// callers with their own driver access can classify the same way.
    pub fn from_server(
        code: u32,
        state: u8,
        class: u8,
        message: &str,
        procedure: &str,
        line: u32,
        statement: Option<&'static Statement>,
    ) -> Error {
        let message_owned = message.to_owned();
        match classify(code, message) {
            ErrorClass::UniqueViolation => {
                let (constraint, table, duplicate_key) = parse_unique_violation(code, message);
                Error::UniqueViolation {
                    statement,
                    constraint,
                    table,
                    duplicate_key,
                    code,
                    message: message_owned,
                }
            }
            ErrorClass::ForeignKeyViolation => {
                let (constraint, table) = parse_constraint_violation(message);
                Error::ForeignKeyViolation {
                    statement,
                    constraint,
                    table,
                    message: message_owned,
                }
            }
            ErrorClass::CheckViolation => Error::CheckViolation {
                statement,
                constraint: parse_constraint_violation(message).0,
                message: message_owned,
            },
            ErrorClass::Deadlock => Error::Deadlock {
                statement,
                message: message_owned,
            },
            ErrorClass::SnapshotConflict => Error::SnapshotConflict {
                statement,
                message: message_owned,
            },
            ErrorClass::LockTimeout => Error::LockTimeout {
                statement,
                message: message_owned,
            },
            // Login and database errors only occur while connecting, where
            // `connect` maps them with the server name; seen elsewhere they
            // are ordinary server errors.
            ErrorClass::LoginFailed | ErrorClass::DatabaseNotFound | ErrorClass::Other => {
                Error::Server {
                    statement,
                    code,
                    state,
                    class,
                    message: message_owned,
                    procedure: (!procedure.is_empty()).then(|| procedure.to_owned()),
                    line,
                }
            }
        }
    }

    /// The server error number, for server errors.
    pub fn code(&self) -> Option<u32> {
        Some(match self {
            Error::UniqueViolation { code, .. } | Error::Server { code, .. } => *code,
            Error::ForeignKeyViolation { .. } | Error::CheckViolation { .. } => 547,
            Error::Deadlock { .. } => 1205,
            Error::SnapshotConflict { .. } => 3960,
            Error::LockTimeout { .. } => 1222,
            Error::LoginFailed { .. } => 18456,
            Error::DatabaseNotFound { .. } => 4060,
            _ => return None,
        })
    }

    /// The statement that failed, when the error came from one.
    pub fn statement(&self) -> Option<&'static Statement> {
        match self {
            Error::Decode { statement, .. }
            | Error::StaleRow { statement, .. }
            | Error::RowNotFound { statement }
            | Error::ParamTooLong { statement, .. }
            | Error::ParamRounded { statement, .. } => Some(statement),
            Error::ConnectionLost { statement, .. }
            | Error::Timeout { statement, .. }
            | Error::UniqueViolation { statement, .. }
            | Error::ForeignKeyViolation { statement, .. }
            | Error::CheckViolation { statement, .. }
            | Error::Deadlock { statement, .. }
            | Error::SnapshotConflict { statement, .. }
            | Error::LockTimeout { statement, .. }
            | Error::Server { statement, .. }
            | Error::Driver { statement, .. } => *statement,
            _ => None,
        }
    }

    /// True for errors after which retrying the whole transaction can
    /// succeed: deadlock victims and snapshot update conflicts.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Deadlock { .. } | Error::SnapshotConflict { .. }
        )
    }

    /// True when the connection that produced this error must not be used
    /// again (the pool discards it).
    pub fn is_connection_broken(&self) -> bool {
        match self {
            Error::ConnectionLost { .. } => true,
            // A statement timeout leaves the response half-read.
            Error::Timeout { statement, .. } => statement.is_some(),
            Error::Server { class, .. } => *class >= 20,
            _ => false,
        }
    }

    /// Attaches `statement` to an error raised without one.
    pub(crate) fn with_statement(mut self, st: &'static Statement) -> Error {
        match &mut self {
            Error::ConnectionLost { statement, .. }
            | Error::Timeout { statement, .. }
            | Error::UniqueViolation { statement, .. }
            | Error::ForeignKeyViolation { statement, .. }
            | Error::CheckViolation { statement, .. }
            | Error::Deadlock { statement, .. }
            | Error::SnapshotConflict { statement, .. }
            | Error::LockTimeout { statement, .. }
            | Error::Server { statement, .. }
            | Error::Driver { statement, .. }
                if statement.is_none() =>
            {
                *statement = Some(st);
            }
            _ => {}
        }
        self
    }

    pub(crate) fn pool_timeout(waited: Option<Duration>) -> Error {
        Error::Timeout {
            statement: None,
            message: match waited {
                Some(d) => format!("no pooled connection became free within {d:?}"),
                None => "no pooled connection became free".to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_numbers() {
        let cases = [
            (2627, "", ErrorClass::UniqueViolation),
            (2601, "", ErrorClass::UniqueViolation),
            (
                547,
                "The INSERT statement conflicted with the FOREIGN KEY constraint \"FK\".",
                ErrorClass::ForeignKeyViolation,
            ),
            (
                547,
                "The DELETE statement conflicted with the REFERENCE constraint \"FK\".",
                ErrorClass::ForeignKeyViolation,
            ),
            (
                547,
                "The INSERT statement conflicted with the CHECK constraint \"CK\".",
                ErrorClass::CheckViolation,
            ),
            (1205, "", ErrorClass::Deadlock),
            (3960, "", ErrorClass::SnapshotConflict),
            (1222, "", ErrorClass::LockTimeout),
            (18456, "", ErrorClass::LoginFailed),
            (4060, "", ErrorClass::DatabaseNotFound),
            (208, "Invalid object name 'x'.", ErrorClass::Other),
            (0, "", ErrorClass::Other),
        ];
        for (code, msg, want) in cases {
            assert_eq!(classify(code, msg), want, "{code}");
        }
    }

    #[test]
    fn unique_constraint_names() {
        let m = "Violation of UNIQUE KEY constraint 'UQ_users_username'. Cannot insert duplicate key in object 'dbo.users'. The duplicate key value is (bob).";
        assert_eq!(
            parse_unique_violation(2627, m),
            (
                Some("UQ_users_username".into()),
                Some("dbo.users".into()),
                Some("bob".into())
            )
        );
        let m = "Violation of PRIMARY KEY constraint 'PK__users__3213E83F'. Cannot insert duplicate key in object 'dbo.users'. The duplicate key value is (1).";
        assert_eq!(
            parse_unique_violation(2627, m).0.as_deref(),
            Some("PK__users__3213E83F")
        );
        let m = "Cannot insert duplicate key row in object 'dbo.users' with unique index 'IX_users_email'. The duplicate key value is (a@b.c, (x)).";
        assert_eq!(
            parse_unique_violation(2601, m),
            (
                Some("IX_users_email".into()),
                Some("dbo.users".into()),
                Some("a@b.c, (x)".into())
            )
        );
        // A localized message gives no names, never wrong ones.
        assert_eq!(
            parse_unique_violation(2627, "Verletzung der Einschränkung"),
            (None, None, None)
        );
    }

    #[test]
    fn fk_names() {
        let m = "The INSERT statement conflicted with the FOREIGN KEY constraint \"FK_orders_users\". \
                 The conflict occurred in database \"shop\", table \"dbo.users\", column 'id'.";
        assert_eq!(
            parse_constraint_violation(m),
            (Some("FK_orders_users".into()), Some("dbo.users".into()))
        );
    }

    #[test]
    fn typed_errors_from_numbers() {
        let e = Error::from_server(
            2627,
            1,
            14,
            "Violation of PRIMARY KEY constraint 'PK_t'. Cannot insert duplicate key in object 'dbo.t'. The duplicate key value is (1).",
            "",
            1,
            None,
        );
        assert!(
            matches!(&e, Error::UniqueViolation { constraint: Some(c), code: 2627, .. } if c == "PK_t")
        );
        assert_eq!(e.code(), Some(2627));
        let e = Error::from_server(
            1205,
            51,
            13,
            "Transaction (Process ID 52) was deadlocked",
            "",
            1,
            None,
        );
        assert!(matches!(e, Error::Deadlock { .. }));
        assert!(e.is_retryable());
        let e = Error::from_server(
            1222,
            51,
            16,
            "Lock request time out period exceeded.",
            "",
            1,
            None,
        );
        assert!(matches!(e, Error::LockTimeout { .. }));
        assert!(!e.is_retryable());
        let e = Error::from_server(208, 1, 16, "Invalid object name 'nope'.", "p", 3, None);
        assert!(
            matches!(&e, Error::Server { code: 208, procedure: Some(p), line: 3, .. } if p == "p")
        );
        assert!(!e.is_connection_broken());
        let e = Error::from_server(
            596,
            1,
            21,
            "Cannot continue the execution because the session is in the kill state.",
            "",
            1,
            None,
        );
        assert!(e.is_connection_broken());
    }

    #[test]
    fn driver_errors() {
        use tiberius::error::Error as T;
        let e = Error::from_driver(
            T::Io {
                kind: std::io::ErrorKind::TimedOut,
                message: "slow".into(),
            },
            None,
        );
        assert!(matches!(e, Error::Timeout { .. }));
        let e = Error::from_driver(
            T::Io {
                kind: std::io::ErrorKind::ConnectionReset,
                message: "reset".into(),
            },
            None,
        );
        assert!(matches!(e, Error::ConnectionLost { .. }));
        assert!(e.is_connection_broken());
        let e = Error::from_driver(
            T::Protocol("connection was left out of sync ... can no longer be used".into()),
            None,
        );
        assert!(e.is_connection_broken());
        let e = Error::from_driver(T::Conversion("bad".into()), None);
        assert!(matches!(e, Error::Driver { .. }));
    }
}
