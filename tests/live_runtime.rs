//! Live: connecting (and each way it fails), the pool, streaming a million
//! rows in flat memory, bulk load and the audit hook. Needs
//! `QUARRY_TEST_URL`; see `tests/live_common/mod.rs`.

mod live_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use live_common::*;
use quarry::bulk::{BulkOptions, bulk_insert};
use quarry::{ConnectOptions, Encrypt, Error, Pool, PoolOptions, StatementKind as K, TryStreamExt};

#[tokio::test]
async fn connect_errors_are_typed_and_never_show_the_password() {
    let Some(url) = url("connect_errors_are_typed_and_never_show_the_password") else {
        return;
    };
    let good = ConnectOptions::parse(&url).unwrap();
    let mut conn = quarry::Connection::connect_with(&good).await.unwrap();
    conn.ping().await.unwrap();

    // Wrong password: 18456.
    let mut bad = good.clone();
    if let quarry::Auth::SqlServer { password, .. } = &mut bad.auth {
        *password = quarry::Password::new("definitely-not-the-password-7f3a");
    }
    let e = assert_err!(
        quarry::Connection::connect_with(&bad).await,
        Error::LoginFailed { .. }
    );
    assert!(
        !e.to_string().contains("definitely-not-the-password"),
        "{e}"
    );
    assert!(e.to_string().contains(&good.host), "names the server: {e}");

    // Missing database: 4060.
    let mut bad = good.clone();
    bad.database = Some(unique("quarry_no_such_db"));
    assert_err!(
        quarry::Connection::connect_with(&bad).await,
        Error::DatabaseNotFound { .. }
    );

    // Nothing listening: port 1 on the same host.
    let mut bad = good.clone();
    bad.port = 1;
    bad.connect_timeout = Some(Duration::from_secs(3));
    assert_err!(
        quarry::Connection::connect_with(&bad).await,
        Error::Unreachable { .. }
    );

    // Certificate validation on: a server with a self-signed certificate (the
    // container's default) is refused with a TLS error naming the fix; a
    // server with a trusted certificate connects.
    let mut strict = good.clone();
    strict.encrypt = Encrypt::Required;
    strict.trust_server_certificate = false;
    match quarry::Connection::connect_with(&strict).await {
        Ok(_) => println!("note: the server's certificate is trusted by this machine"),
        Err(e @ Error::Tls { .. }) => assert!(e.to_string().contains("TrustServerCertificate")),
        Err(other) => panic!("expected a TLS error or success, got {other}"),
    }
}

#[tokio::test]
async fn pool_bounds_waits_and_discards_broken_connections() {
    let Some(url) = url("pool_bounds_waits_and_discards_broken_connections") else {
        return;
    };
    let pool = Pool::with_options(
        &url,
        PoolOptions {
            max_size: 2,
            wait_timeout: Some(Duration::from_millis(300)),
            health_check_after: Some(Duration::ZERO),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    static COLS: [quarry::ResultColumn; 1] = [col("spid", "int", false)];
    let spid = statement(
        "live::spid",
        "SELECT CAST(@@SPID AS int)".into(),
        "",
        &[],
        &COLS,
        K::Select,
    );

    // The pool runs statements directly.
    let a = ints(spid, vec![]).fetch_one(&pool).await.unwrap();
    assert!(a > 0);

    // Size and wait timeout.
    let c1 = pool.get().await.unwrap();
    let c2 = pool.get().await.unwrap();
    let e = assert_err!(pool.get().await, Error::Timeout { .. });
    assert!(e.to_string().contains("no pooled connection"), "{e}");
    assert_eq!(pool.status().size, 2);
    drop(c2);

    // A connection killed server-side is noticed and replaced.
    let victim = ints(spid, vec![]).fetch_one(&mut { c1 }).await.unwrap();
    let mut killer = connect(&url).await;
    raw(&mut killer, &format!("KILL {victim}")).await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        // The first use of the dead connection may fail (health check or
        // statement); after that the pool hands out live ones only.
        if let Ok(id) = ints(spid, vec![]).fetch_one(&pool).await {
            seen.insert(id);
        }
    }
    assert!(!seen.is_empty());
    assert!(
        !seen.contains(&victim),
        "the killed session {victim} was not reused"
    );
    let mut c = pool.get().await.unwrap();
    c.ping().await.unwrap();
}

/// Resident memory of this process in bytes (Linux).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[tokio::test]
async fn streaming_a_million_rows_keeps_memory_flat() {
    let Some(url) = url("streaming_a_million_rows_keeps_memory_flat") else {
        return;
    };
    let mut conn = connect(&url).await;
    static COLS: [quarry::ResultColumn; 2] =
        [col("n", "bigint", false), col("pad", "varchar(100)", false)];
    // A numbers CTE: 10^6 rows generated server-side, each ~110 bytes.
    let numbers = statement(
        "live::million",
        "WITH d AS (SELECT v FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) t(v)), \
         n AS (SELECT CAST(a.v + 10*b.v + 100*c.v + 1000*e.v + 10000*f.v + 100000*g.v AS bigint) AS n \
               FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f CROSS JOIN d g) \
         SELECT n, REPLICATE('x', 100) AS pad FROM n WHERE n < @P1"
            .into(),
        "@P1 bigint",
        &[0],
        &COLS,
        K::Select,
    );
    let limit = 1_000_000i64;
    let before = rss_bytes();
    let mut stream = bigints(
        numbers,
        vec![quarry::__private::bind(&limit, quarry::kind::BigInt)],
    )
    .fetch(&mut conn);
    let (mut count, mut sum, mut peak) = (0u64, 0i64, 0u64);
    let mut after_warmup = None;
    while let Some(n) = stream.try_next().await.unwrap() {
        count += 1;
        sum += n;
        if count == 50_000 {
            after_warmup = rss_bytes();
        }
        if count % 50_000 == 0 {
            peak = peak.max(rss_bytes().unwrap_or(0));
        }
    }
    drop(stream);
    assert_eq!(count, 1_000_000);
    assert_eq!(sum, (0..limit).sum::<i64>());
    if let (Some(before), Some(warm)) = (before, after_warmup) {
        let growth = peak.saturating_sub(warm);
        println!(
            "rss before {} KiB, after 50k rows {} KiB, peak {} KiB, growth after warm-up {} KiB (the rows total ~110 MB)",
            before / 1024,
            warm / 1024,
            peak / 1024,
            growth / 1024
        );
        assert!(
            growth < 16 * 1024 * 1024,
            "memory grew by {growth} bytes while streaming"
        );
    }

    // Dropping a stream early leaves the connection usable.
    let mut stream = bigints(
        numbers,
        vec![quarry::__private::bind(&limit, quarry::kind::BigInt)],
    )
    .fetch(&mut conn);
    for _ in 0..10 {
        stream.try_next().await.unwrap();
    }
    drop(stream);
    assert_eq!(scalar(&mut conn, "SELECT 7").await, 7);

    // The pool streams too, holding its checkout until the stream ends.
    let pool = Pool::with_options(
        &url,
        PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let small = 1000i64;
    let rows: Vec<i64> = bigints(
        numbers,
        vec![quarry::__private::bind(&small, quarry::kind::BigInt)],
    )
    .fetch(&pool)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(rows.len(), 1000);
}

struct LogRow {
    level: String,
    message: String,
    n: i32,
}
// A `#temp` table is not in the snapshot: the unchecked escape hatch.
quarry::bulk_row_unchecked!(LogRow => "#bulk_logs" { level, message, n });

#[tokio::test]
async fn bulk_insert_loads_rows_in_batches_and_transactions() {
    let Some(url) = url("bulk_insert_loads_rows_in_batches_and_transactions") else {
        return;
    };
    let mut conn = connect(&url).await;
    raw(
        &mut conn,
        "CREATE TABLE #bulk_logs (id int IDENTITY PRIMARY KEY, level varchar(10) NOT NULL, \
         message nvarchar(200) NOT NULL, n int NOT NULL UNIQUE)",
    )
    .await;
    let rows: Vec<LogRow> = (0..25_000)
        .map(|i| LogRow {
            level: if i % 10 == 0 {
                "warn".into()
            } else {
                "info".into()
            },
            message: format!("message {i} — ünïcödé"),
            n: i,
        })
        .collect();
    let opts = BulkOptions {
        batch_size: 10_000,
        ..BulkOptions::default()
    };
    assert_eq!(bulk_insert(&mut conn, &rows, &opts).await.unwrap(), 25_000);
    assert_eq!(
        scalar(&mut conn, "SELECT COUNT(*) FROM #bulk_logs").await,
        25_000
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT COUNT(*) FROM #bulk_logs WHERE level = 'warn'"
        )
        .await,
        2_500
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT COUNT(*) FROM #bulk_logs WHERE message = N'message 7 — ünïcödé'"
        )
        .await,
        1
    );

    // All-or-nothing: a duplicate in the last batch rolls back every batch.
    let dup: Vec<LogRow> = (100_000..100_005)
        .chain([0])
        .map(|n| LogRow {
            level: "info".into(),
            message: "dup".into(),
            n,
        })
        .collect();
    let opts = BulkOptions {
        batch_size: 2,
        in_transaction: true,
        ..BulkOptions::default()
    };
    let e = bulk_insert(&mut conn, &dup, &opts).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::UniqueViolation { .. } | Error::Server { .. } | Error::Bulk { .. }
        ),
        "{e:?}"
    );
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT COUNT(*) FROM #bulk_logs WHERE message = N'dup'"
        )
        .await,
        0
    );
    assert!(!conn.in_transaction());
}

#[tokio::test]
async fn audit_hook_sees_every_statement_with_its_parameters() {
    let Some(url) = url("audit_hook_sees_every_statement_with_its_parameters") else {
        return;
    };
    let mut conn = connect(&url).await;
    let marker = unique("audit");
    static COLS: [quarry::ResultColumn; 1] = [col("n", "int", false)];
    let st = statement(
        "live::audited",
        format!("/* {marker} */ SELECT @P2 + LEN(@P1)"),
        "@P1 nvarchar(20), @P2 int",
        &[1, 0],
        &COLS,
        K::Select,
    );
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    quarry::set_audit_hook(move |e| {
        if e.statement.id == "live::audited" {
            let params: Vec<String> = e
                .params()
                .map(|p| format!("{:?}", p.as_column_data()))
                .collect();
            sink.lock()
                .unwrap()
                .push(format!("{} [{}]", e.statement.id, params.join(", ")));
        }
    });
    let n = ints(st, vec![int(&40), text("ab")])
        .fetch_one(&mut conn)
        .await
        .unwrap();
    quarry::clear_audit_hook();
    ints(st, vec![int(&1), text("not audited")])
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 42);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0],
        "live::audited [String(Some(\"ab\")), I32(Some(40))]"
    );
}

#[tokio::test]
async fn a_killed_session_is_connection_lost_and_stays_broken() {
    let Some(url) = url("a_killed_session_is_connection_lost_and_stays_broken") else {
        return;
    };
    let mut victim = connect(&url).await;
    let spid = scalar(&mut victim, "SELECT CAST(@@SPID AS int)").await;
    let mut killer = connect(&url).await;
    raw(&mut killer, &format!("KILL {spid}")).await;
    static COLS: [quarry::ResultColumn; 1] = [col("one", "int", false)];
    let st = statement(
        "live::after_kill",
        "SELECT 1".into(),
        "",
        &[],
        &COLS,
        K::Select,
    );
    let e = ints(st, vec![]).fetch_one(&mut victim).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::ConnectionLost { .. } | Error::Server { class: 20.., .. }
        ),
        "{e:?}"
    );
    assert!(e.is_connection_broken());
    assert!(victim.is_broken());
    assert_err!(
        ints(st, vec![]).fetch_one(&mut victim).await,
        Error::ConnectionLost { .. }
    );
}

#[tokio::test]
async fn a_statement_timeout_is_typed_and_discards_the_connection() {
    let Some(url) = url("a_statement_timeout_is_typed_and_discards_the_connection") else {
        return;
    };
    let mut options = ConnectOptions::parse(&url).unwrap();
    options.command_timeout = Some(Duration::from_secs(1));
    let mut conn = quarry::Connection::connect_with(&options).await.unwrap();
    let slow = statement(
        "live::slow",
        "WAITFOR DELAY '00:00:03'".into(),
        "",
        &[],
        &[],
        K::Select,
    );
    let e = assert_err!(
        exec(slow, vec![]).execute(&mut conn).await,
        Error::Timeout {
            statement: Some(_),
            ..
        }
    );
    assert_eq!(e.statement().map(|s| s.id), Some("live::slow"));
    assert!(
        conn.is_broken(),
        "a half-read response leaves the connection unusable"
    );
}
