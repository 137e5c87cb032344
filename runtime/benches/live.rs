//! Benchmarks against a live SQL Server (`QUARRY_TEST_URL`; prints a skip
//! notice and exits otherwise):
//!
//! - `per_query`: one checked statement (`fetch_all` on a connection) against
//!   the same statement written by hand with tiberius (`Client::query` +
//!   `try_get`), both on one connection, over a `#temp` table of 100 rows.
//!   Target: within 5%.
//! - `bulk_vs_rows`: rows per second of a 100,000-row bulk load against
//!   row-by-row checked inserts (timed over 2,000 rows, as 100,000
//!   round-trips would take minutes). Target: at least 20x.
//!
//! Run: `QUARRY_TEST_URL=... cargo bench -p quarry-runtime --bench live`.

use std::hint::black_box;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use quarry_runtime::__private::{bind, column, nullable_column};
use quarry_runtime::bulk::{BulkOptions, bulk_insert};
use quarry_runtime::{Connection, Query, ResultColumn, Statement, StatementKind, kind};

const SELECT_SQL: &str =
    "SELECT id, username, fullname FROM #bench_users WHERE id > @P1 AND username LIKE @P2";

static SELECT: Statement = Statement {
    id: "bench::select_users",
    variant: 0,
    sql: SELECT_SQL,
    param_decls: "@P1 int, @P2 varchar(20)",
    args: &[0, 1],
    columns: &[
        ResultColumn {
            name: "id",
            sql_type: "int",
            nullable: false,
        },
        ResultColumn {
            name: "username",
            sql_type: "varchar(20)",
            nullable: false,
        },
        ResultColumn {
            name: "fullname",
            sql_type: "nvarchar(50)",
            nullable: true,
        },
    ],
    kind: StatementKind::Select,
    file: "bench",
    line: 1,
};

static INSERT: Statement = Statement {
    id: "bench::insert_row",
    variant: 0,
    sql: "INSERT INTO #bench_rows (n, label) VALUES (@P1, @P2)",
    param_decls: "@P1 int, @P2 varchar(20)",
    args: &[0, 1],
    columns: &[],
    kind: StatementKind::Insert,
    file: "bench",
    line: 2,
};

#[allow(dead_code)] // Fields are written for the cost of decoding; black_box keeps them.
struct User {
    id: i32,
    username: String,
    fullname: Option<String>,
}

struct BenchRow {
    n: i32,
    label: String,
}
quarry_runtime::bulk_row_unchecked!(BenchRow => "#bench_rows" { n, label });

struct Env {
    rt: tokio::runtime::Runtime,
    conn: Mutex<Connection>,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let url = std::env::var("QUARRY_TEST_URL").unwrap_or_default();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let conn = rt.block_on(async {
            let mut conn = quarry_runtime::connect(&url).await.expect("connect to QUARRY_TEST_URL");
            conn.execute_raw(
                "CREATE TABLE #bench_users (id int PRIMARY KEY, username varchar(20) NOT NULL, fullname nvarchar(50) NULL); \
                 WITH d AS (SELECT v FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) t(v)) \
                 INSERT INTO #bench_users SELECT a.v*10+b.v, CONCAT('user', a.v*10+b.v), CONCAT(N'Full ', a.v) FROM d a CROSS JOIN d b; \
                 CREATE TABLE #bench_rows (n int NOT NULL, label varchar(20) NOT NULL);",
            )
            .await
            .expect("bench setup");
            conn
        });
        Env { rt, conn: Mutex::new(conn) }
    })
}

fn main() {
    if std::env::var("QUARRY_TEST_URL").map_or(true, |u| u.trim().is_empty()) {
        println!(
            "skipped: QUARRY_TEST_URL is not set (start SQL Server in a container, then \
             QUARRY_TEST_URL='Server=tcp:localhost,1433;User Id=sa;Password=...;TrustServerCertificate=true' \
             cargo bench -p quarry-runtime --bench live)"
        );
        return;
    }
    bulk_vs_rows();
    divan::main();
}

mod per_query {
    use super::*;

    #[divan::bench(sample_count = 300)]
    fn quarry_checked() {
        let env = env();
        let mut conn = env.conn.lock().unwrap();
        let (min, pattern) = (black_box(10i32), black_box("user%"));
        let q = Query::new(
            &SELECT,
            vec![bind(&min, kind::Int), bind(pattern, kind::Text)],
            |row, st| {
                Ok(User {
                    id: column::<kind::Int, i32>(row, 0, st)?,
                    username: column::<kind::Text, String>(row, 1, st)?,
                    fullname: nullable_column::<kind::Text, String>(row, 2, st)?,
                })
            },
        );
        let rows = env.rt.block_on(q.fetch_all(&mut *conn)).unwrap();
        assert_eq!(rows.len(), 89);
        black_box(rows);
    }

    #[divan::bench(sample_count = 300)]
    fn tiberius_by_hand() {
        let env = env();
        let mut conn = env.conn.lock().unwrap();
        let (min, pattern) = (black_box(10i32), black_box("user%"));
        let rows = env.rt.block_on(async {
            let stream = conn.client().query(SELECT_SQL, &[&min, &pattern]).await?;
            let rows = stream.into_first_result().await?;
            rows.iter()
                .map(|row| {
                    Ok(User {
                        id: row.try_get::<i32, _>(0)?.unwrap_or_default(),
                        username: row.try_get::<&str, _>(1)?.unwrap_or_default().to_owned(),
                        fullname: row.try_get::<&str, _>(2)?.map(str::to_owned),
                    })
                })
                .collect::<Result<Vec<_>, tiberius::error::Error>>()
        });
        let rows = rows.unwrap();
        assert_eq!(rows.len(), 89);
        black_box(rows);
    }
}

/// Bulk load against row-by-row inserts, printed as rows per second.
fn bulk_vs_rows() {
    let env = env();
    let mut conn = env.conn.lock().unwrap();
    env.rt.block_on(async {
        let bulk_rows: Vec<BenchRow> = (0..100_000).map(|n| BenchRow { n, label: format!("row {n}") }).collect();
        conn.execute_raw("TRUNCATE TABLE #bench_rows").await.unwrap();
        let started = Instant::now();
        let inserted = bulk_insert(&mut *conn, &bulk_rows, &BulkOptions { batch_size: 0, ..BulkOptions::default() })
            .await
            .unwrap();
        let bulk = started.elapsed();
        assert_eq!(inserted, 100_000);

        conn.execute_raw("TRUNCATE TABLE #bench_rows").await.unwrap();
        let single = 2_000;
        let started = Instant::now();
        for row in &bulk_rows[..single] {
            let q = Query::new(
                &INSERT,
                vec![bind(&row.n, kind::Int), bind(row.label.as_str(), kind::Text)],
                |_, _| Ok(()),
            );
            q.execute(&mut *conn).await.unwrap();
        }
        let by_row = started.elapsed();
        let bulk_rate = 100_000.0 / bulk.as_secs_f64();
        let row_rate = single as f64 / by_row.as_secs_f64();
        println!(
            "bulk_vs_rows: bulk load 100000 rows in {bulk:?} ({bulk_rate:.0} rows/s); row-by-row {single} rows in {by_row:?} \
             ({row_rate:.0} rows/s); bulk is {:.1}x faster",
            bulk_rate / row_rate
        );
    });
}
