//! Shared helpers of the live test suite (`tests/live_*.rs`).
//!
//! The live tests run against the SQL Server named by `QUARRY_TEST_URL` (any
//! connection-string form Quarry accepts). Without it each test prints why it
//! was skipped and returns: a skipped run proves nothing and is reported as
//! such. To run them against SQL Server in a container:
//!
//! ```text
//! docker run -d --name quarry-mssql -e ACCEPT_EULA=Y -e MSSQL_SA_PASSWORD='Quarry!Pass1' \
//!     -p 1433:1433 mcr.microsoft.com/mssql/server:2022-latest
//! QUARRY_TEST_URL='Server=tcp:localhost,1433;User Id=sa;Password=Quarry!Pass1;TrustServerCertificate=true' \
//!     cargo test --test 'live_*'
//! ```
//!
//! The `query!` macro is not used here: each test builds the `&'static
//! Statement` the macro would emit by hand (`statement(..)` below), with
//! table names made unique per run so parallel tests and repeated runs never
//! collide. Tests create what they need (`#temp` tables, uniquely named
//! tables) and drop it, or run inside a rolled-back transaction.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use quarry::__private::{Row, bind, column, nullable_column};
use quarry::{Connection, Error, Param, Query, ResultColumn, Statement, StatementKind};

/// The connection string, or `None` after printing the skip notice.
pub fn url(test: &str) -> Option<String> {
    match std::env::var("QUARRY_TEST_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            skip_notice(test);
            None
        }
    }
}

/// Says that `test` was skipped and why. Written to the process's stderr
/// directly, not through `println!`, so the notice shows in `cargo test`'s
/// output even though the harness captures the output of passing tests: a
/// skipped live test has proved nothing, and the log must say so.
pub fn skip_notice(test: &str) {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: QUARRY_TEST_URL is not set (no SQL Server to run against; \
         README \"Running the live tests against SQL Server in a container\" says how)"
    );
}

/// Connects or fails the test with the typed error.
pub async fn connect(url: &str) -> Connection {
    match quarry::connect(url).await {
        Ok(c) => c,
        Err(e) => panic!("cannot connect to QUARRY_TEST_URL: {e}"),
    }
}

/// A name unique to this process and call, for tables shared by several
/// connections.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 100_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Builds the static descriptor the `query!` macro would emit. Leaked on
/// purpose: a statement is `'static` by contract, and tests make only a few.
pub fn statement(
    id: &'static str,
    sql: String,
    param_decls: &'static str,
    args: &'static [u16],
    columns: &'static [ResultColumn],
    kind: StatementKind,
) -> &'static Statement {
    Box::leak(Box::new(Statement {
        id,
        variant: 0,
        sql: Box::leak(sql.into_boxed_str()),
        param_decls,
        args,
        columns,
        kind,
        file: file!(),
        line: line!(),
    }))
}

/// A result column descriptor.
pub const fn col(name: &'static str, sql_type: &'static str, nullable: bool) -> ResultColumn {
    ResultColumn {
        name,
        sql_type,
        nullable,
    }
}

/// A query that returns nothing to decode.
pub fn exec<'a>(st: &'static Statement, args: Vec<Param<'a>>) -> Query<'a, ()> {
    Query::new(st, args, |_, _| Ok(()))
}

/// A query returning one NOT NULL int column.
pub fn ints<'a>(st: &'static Statement, args: Vec<Param<'a>>) -> Query<'a, i32> {
    Query::new(st, args, |row: &Row, st| {
        column::<quarry::kind::Int, i32>(row, 0, st)
    })
}

/// A query returning one NOT NULL bigint column.
pub fn bigints<'a>(st: &'static Statement, args: Vec<Param<'a>>) -> Query<'a, i64> {
    Query::new(st, args, |row: &Row, st| {
        column::<quarry::kind::BigInt, i64>(row, 0, st)
    })
}

/// A query returning (int NOT NULL, nvarchar NULL).
pub fn id_names<'a>(
    st: &'static Statement,
    args: Vec<Param<'a>>,
) -> Query<'a, (i32, Option<String>)> {
    Query::new(st, args, |row: &Row, st| {
        Ok((
            column::<quarry::kind::Int, i32>(row, 0, st)?,
            nullable_column::<quarry::kind::Text, String>(row, 1, st)?,
        ))
    })
}

/// Binds an int.
pub fn int(v: &i32) -> Param<'_> {
    bind(v, quarry::kind::Int)
}

/// Binds a string.
pub fn text(v: &str) -> Param<'_> {
    bind(v, quarry::kind::Text)
}

/// Binds a binary value.
pub fn binary(v: &[u8]) -> Param<'_> {
    bind(v, quarry::kind::Binary)
}

/// Runs raw setup SQL or fails the test.
pub async fn raw(conn: &mut Connection, sql: &str) {
    if let Err(e) = conn.execute_raw(sql).await {
        panic!("setup SQL failed: {e}\n{sql}");
    }
}

/// Reads one int from a raw query.
pub async fn scalar(conn: &mut Connection, sql: &str) -> i32 {
    let rows = conn
        .query_raw(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    match rows.first().map(|r| r.try_get::<i32, _>(0)) {
        Some(Ok(Some(v))) => v,
        other => panic!("expected one int from {sql}, got {other:?}"),
    }
}

/// Drops a table at the end of a test even when it fails.
pub struct DropTable {
    pub url: String,
    pub name: String,
}

impl Drop for DropTable {
    fn drop(&mut self) {
        let url = self.url.clone();
        let sql = format!(
            "IF OBJECT_ID(N'dbo.{0}') IS NOT NULL DROP TABLE dbo.{0}",
            self.name
        );
        // Drop runs outside the test's runtime: use a small one of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut c) = quarry::connect(&url).await {
                        let _ = c.execute_raw(&sql).await;
                    }
                });
            }
        })
        .join();
    }
}

/// Asserts an error's variant with a readable failure.
#[macro_export]
macro_rules! assert_err {
    ($result:expr, $pat:pat $(if $guard:expr)?) => {
        match $result {
            Err(e) if matches!(&e, $pat $(if $guard)?) => e,
            Err(other) => panic!("expected {}, got error: {other} ({other:?})", stringify!($pat)),
            Ok(_) => panic!("expected {}, got Ok", stringify!($pat)),
        }
    };
}

/// Unused-import guard: keeps `Error` referenced for the macro users.
pub fn _error_type(_: &Error) {}
