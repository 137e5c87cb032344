//! Live: transactions, savepoints, isolation levels, rollback on drop,
//! deadlocks and the retry helper, lock timeouts, the MERGE upsert race,
//! optimistic concurrency and the rolled-back test transaction. Needs
//! `QUARRY_TEST_URL`; see `tests/live_common/mod.rs`.

mod live_common;

use std::sync::Arc;
use std::time::Duration;

use live_common::*;
use quarry::testing::{begin_test, with_rollback};
use quarry::{
    Error, IsolationLevel, Pool, PoolOptions, RetryPolicy, Statement, StatementKind as K, retry,
};

/// A real table (shared between connections), dropped at the end.
async fn accounts(url: &str) -> (String, DropTable) {
    let name = unique("quarry_accounts");
    let mut conn = connect(url).await;
    raw(
        &mut conn,
        &format!(
            "CREATE TABLE dbo.{name} (id int NOT NULL PRIMARY KEY, balance int NOT NULL, version rowversion); \
             INSERT INTO dbo.{name} (id, balance) VALUES (1, 100), (2, 100);"
        ),
    )
    .await;
    (
        name.clone(),
        DropTable {
            url: url.to_owned(),
            name,
        },
    )
}

fn add_to(table: &str) -> &'static Statement {
    statement(
        "live::add_to_balance",
        format!("UPDATE dbo.{table} SET balance = balance + @P1 WHERE id = @P2"),
        "@P1 int, @P2 int",
        &[0, 1],
        &[],
        K::Update,
    )
}

fn balance_of(table: &str) -> &'static Statement {
    static COLS: [quarry::ResultColumn; 1] = [col("balance", "int", false)];
    statement(
        "live::balance_of",
        format!("SELECT balance FROM dbo.{table} WHERE id = @P1"),
        "@P1 int",
        &[0],
        &COLS,
        K::Select,
    )
}

#[tokio::test]
async fn commit_rollback_and_savepoints() {
    let Some(url) = url("commit_rollback_and_savepoints") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let (add, bal) = (add_to(&table), balance_of(&table));
    let mut conn = connect(&url).await;

    let mut tx = conn.begin().await.unwrap();
    exec(add, vec![int(&10), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut conn).await.unwrap(),
        110
    );

    let mut tx = conn.begin().await.unwrap();
    exec(add, vec![int(&1000), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut tx).await.unwrap(),
        1110
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut conn).await.unwrap(),
        110
    );

    let mut tx = conn.begin().await.unwrap();
    exec(add, vec![int(&1), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    tx.save("before_bonus").await.unwrap();
    exec(add, vec![int(&500), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    tx.save("after_bonus").await.unwrap();
    tx.rollback_to("before_bonus").await.unwrap();
    assert_eq!(tx.savepoints(), ["before_bonus"]);
    assert_err!(tx.rollback_to("after_bonus").await, Error::Usage { .. });
    assert_err!(
        tx.save("x]; DROP TABLE users; --").await,
        Error::InvalidIdentifier { .. }
    );
    tx.commit().await.unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut conn).await.unwrap(),
        111
    );

    // Nested begin is refused with a pointer to savepoints.
    let mut tx = conn.begin().await.unwrap();
    assert_err!(tx.connection().begin().await, Error::Usage { .. });
    drop(tx);
    assert_eq!(
        scalar(&mut conn, "SELECT @@TRANCOUNT").await,
        0,
        "the dropped transaction was rolled back first"
    );
}

#[tokio::test]
async fn dropped_transactions_roll_back() {
    let Some(url) = url("dropped_transactions_roll_back") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let (add, bal) = (add_to(&table), balance_of(&table));

    // Borrowed connection: the rollback is sent before the next use.
    let mut conn = connect(&url).await;
    {
        let mut tx = conn.begin().await.unwrap();
        exec(add, vec![int(&7), int(&2)])
            .execute(&mut tx)
            .await
            .unwrap();
        // Dropped without commit (say, by an early `?` return).
    }
    assert!(conn.rollback_pending());
    assert_eq!(
        ints(bal, vec![int(&2)]).fetch_one(&mut conn).await.unwrap(),
        100
    );
    assert!(!conn.rollback_pending());
    assert!(!conn.in_transaction());

    // Pooled: rolled back right away on its own task, locks released.
    let pool = Pool::with_options(
        &url,
        PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    {
        let mut tx = pool.begin().await.unwrap();
        exec(add, vec![int(&9), int(&2)])
            .execute(&mut tx)
            .await
            .unwrap();
    }
    // Another connection gets the row's lock (a write waits for it even
    // under READ_COMMITTED_SNAPSHOT) well within the timeout, and sees the
    // change undone.
    raw(&mut conn, "SET LOCK_TIMEOUT 5000").await;
    exec(add, vec![int(&0), int(&2)])
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        ints(bal, vec![int(&2)]).fetch_one(&mut conn).await.unwrap(),
        100
    );
    let mut pooled = pool.get().await.unwrap();
    assert_eq!(scalar(&mut pooled, "SELECT @@TRANCOUNT").await, 0);
}

#[tokio::test]
async fn isolation_levels_apply_and_reset() {
    let Some(url) = url("isolation_levels_apply_and_reset") else {
        return;
    };
    let mut conn = connect(&url).await;
    let level = "SELECT CAST(transaction_isolation_level AS int) FROM sys.dm_exec_sessions WHERE session_id = @@SPID";
    // sys.dm_exec_sessions: 1 = READ UNCOMMITTED, 2 = READ COMMITTED,
    // 3 = REPEATABLE READ, 4 = SERIALIZABLE, 5 = SNAPSHOT.
    for (iso, code) in [
        (IsolationLevel::ReadUncommitted, 1),
        (IsolationLevel::ReadCommitted, 2),
        (IsolationLevel::RepeatableRead, 3),
        (IsolationLevel::Serializable, 4),
    ] {
        let mut tx = conn.begin_with(iso).await.unwrap();
        assert_eq!(scalar(tx.connection(), level).await, code, "{iso:?}");
        tx.commit().await.unwrap();
        assert_eq!(scalar(&mut conn, level).await, 2, "reset after {iso:?}");
    }
    // SNAPSHOT needs the database option; enable it for this test's database.
    raw(
        &mut conn,
        "ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON",
    )
    .await;
    let mut tx = conn.begin_with(IsolationLevel::Snapshot).await.unwrap();
    assert_eq!(scalar(tx.connection(), level).await, 5);
    tx.rollback().await.unwrap();
    assert_eq!(scalar(&mut conn, level).await, 2);
}

#[tokio::test]
async fn deadlock_victim_is_typed_and_retry_succeeds() {
    let Some(url) = url("deadlock_victim_is_typed_and_retry_succeeds") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let add = add_to(&table);
    let pool = Pool::with_options(
        &url,
        PoolOptions {
            max_size: 4,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));

    // Two transactions lock rows 1 and 2 in opposite orders.
    let transfer = |first: i32, second: i32, barrier: Arc<tokio::sync::Barrier>| {
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await?;
            exec(add, vec![int(&-1), int(&first)])
                .execute(&mut tx)
                .await?;
            barrier.wait().await;
            exec(add, vec![int(&1), int(&second)])
                .execute(&mut tx)
                .await?;
            tx.commit().await
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(transfer(1, 2, barrier.clone())),
        tokio::spawn(transfer(2, 1, barrier.clone()))
    );
    let results = [a.unwrap(), b.unwrap()];
    let victims = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Deadlock { .. })))
        .count();
    assert_eq!(victims, 1, "exactly one deadlock victim: {results:?}");
    assert!(results.iter().any(|r| r.is_ok()));
    let e = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(e.statement().map(|s| s.id), Some("live::add_to_balance"));

    // The same pair under the retry helper: both complete.
    let policy = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
    };
    let attempts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let run = |first: i32, second: i32| {
        let (pool, attempts) = (pool.clone(), attempts.clone());
        async move {
            retry(&policy, |_| {
                attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let pool = pool.clone();
                async move {
                    let mut tx = pool.begin().await?;
                    exec(add, vec![int(&-1), int(&first)])
                        .execute(&mut tx)
                        .await?;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    exec(add, vec![int(&1), int(&second)])
                        .execute(&mut tx)
                        .await?;
                    tx.commit().await
                }
            })
            .await
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(run(1, 2)), tokio::spawn(run(2, 1)));
    a.unwrap().unwrap();
    b.unwrap().unwrap();
    // Two transfers, and at least one retry of the deadlock victim.
    let attempts = attempts.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        attempts >= 3,
        "expected a retried deadlock victim, saw {attempts} attempts"
    );
    // Money is conserved: each committed transfer moves 1 and back.
    let mut conn = pool.get().await.unwrap();
    assert_eq!(
        scalar(&mut conn, &format!("SELECT SUM(balance) FROM dbo.{table}")).await,
        200
    );
}

#[tokio::test]
async fn lock_timeout_is_typed() {
    let Some(url) = url("lock_timeout_is_typed") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let (add, bal) = (add_to(&table), balance_of(&table));
    let mut holder = connect(&url).await;
    let mut waiter = connect(&url).await;
    let mut tx = holder.begin().await.unwrap();
    exec(add, vec![int(&1), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    raw(&mut waiter, "SET LOCK_TIMEOUT 200").await;
    // A write needs the row's lock even under READ_COMMITTED_SNAPSHOT
    // (where a plain read would not wait).
    let e = assert_err!(
        exec(add, vec![int(&0), int(&1)]).execute(&mut waiter).await,
        Error::LockTimeout { .. }
    );
    assert_eq!(e.code(), Some(1222));
    tx.rollback().await.unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)])
            .fetch_one(&mut waiter)
            .await
            .unwrap(),
        100
    );
}

#[tokio::test]
async fn merge_upsert_race() {
    let Some(url) = url("merge_upsert_race") else {
        return;
    };
    let name = unique("quarry_upsert");
    let _drop = DropTable {
        url: url.clone(),
        name: name.clone(),
    };
    let mut conn = connect(&url).await;
    raw(
        &mut conn,
        &format!(
            "CREATE TABLE dbo.{name} (username varchar(20) NOT NULL CONSTRAINT UQ_{name} UNIQUE, hits int NOT NULL)"
        ),
    )
    .await;
    let merge = |hint: &str| {
        statement(
            "live::upsert_hits",
            format!(
                "MERGE dbo.{name} {hint} AS t USING (SELECT @P1 AS username) AS s ON t.username = s.username \
                 WHEN MATCHED THEN UPDATE SET hits = t.hits + 1 \
                 WHEN NOT MATCHED THEN INSERT (username, hits) VALUES (s.username, 1);"
            ),
            "@P1 varchar(20)",
            &[0],
            &[],
            K::Merge,
        )
    };
    let pool = Pool::with_options(
        &url,
        PoolOptions {
            max_size: 16,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    // Warm the pool so that the tasks really run at once.
    let warm: Vec<_> = futures_join(16, |_| pool.get()).await;
    drop(warm);

    // Without HOLDLOCK two MERGEs can both see "not matched" and both
    // insert: the loser gets a typed unique violation naming the constraint.
    let unsafe_merge = merge("");
    let constraint = format!("UQ_{name}");
    for round in 0..20 {
        let key = format!("u{round}");
        let results =
            futures_join(16, |_| exec(unsafe_merge, vec![text(&key)]).execute(&pool)).await;
        for r in results {
            match r {
                Ok(_) => {}
                Err(Error::UniqueViolation {
                    constraint: Some(c),
                    ..
                }) => assert_eq!(c, constraint),
                // Contention without HOLDLOCK can also end in a deadlock.
                Err(Error::Deadlock { .. }) => {}
                Err(other) => panic!("unexpected error in the race: {other}"),
            }
        }
    }
    // With HOLDLOCK (what Quarry's upsert emits) every call succeeds and
    // every hit is counted.
    let safe_merge = merge("WITH (HOLDLOCK)");
    for round in 0..20 {
        let key = format!("s{round}");
        // Retried only on a deadlock; a unique violation would fail the test.
        let policy = RetryPolicy::default();
        let results = futures_join(16, |_| {
            retry(&policy, |_| {
                exec(safe_merge, vec![text(&key)]).execute(&pool)
            })
        })
        .await;
        for r in results {
            r.unwrap();
        }
        let hits = scalar(
            &mut conn,
            &format!("SELECT hits FROM dbo.{name} WHERE username = 's{round}'"),
        )
        .await;
        assert_eq!(hits, 16);
    }
}

/// Runs `n` futures concurrently and collects their outputs in order.
async fn futures_join<T, F, Fut>(n: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let futures: Vec<_> = (0..n).map(|i| Box::pin(make(i))).collect();
    quarry::StreamExt::collect::<Vec<_>>(quarry::StreamExt::buffered(
        futures_iter(futures.into_iter()),
        n,
    ))
    .await
}

fn futures_iter<I: Iterator + Unpin>(iter: I) -> impl quarry::Stream<Item = I::Item> {
    struct Iter<I>(I);
    impl<I: Iterator + Unpin> quarry::Stream for Iter<I> {
        type Item = I::Item;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<I::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(iter)
}

#[tokio::test]
async fn optimistic_concurrency_conflict_is_stale_row() {
    let Some(url) = url("optimistic_concurrency_conflict_is_stale_row") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let mut alice = connect(&url).await;
    let mut bob = connect(&url).await;
    static COLS: [quarry::ResultColumn; 1] = [col("version", "rowversion", false)];
    let read_version = statement(
        "live::read_version",
        format!("SELECT version FROM dbo.{table} WHERE id = @P1"),
        "@P1 int",
        &[0],
        &COLS,
        K::Select,
    );
    let guarded_update = statement(
        "live::guarded_update",
        format!("UPDATE dbo.{table} SET balance = @P1 WHERE id = @P2 AND version = @P3"),
        "@P1 int, @P2 int, @P3 binary(8)",
        &[0, 1, 2],
        &[],
        K::Update,
    );
    let version = |st| {
        quarry::Query::new(st, vec![int(&1)], |row: &quarry::__private::Row, st| {
            quarry::__private::column::<quarry::kind::Binary, Vec<u8>>(row, 0, st)
        })
    };
    // Both read the same version.
    let va = version(read_version).fetch_one(&mut alice).await.unwrap();
    let vb = version(read_version).fetch_one(&mut bob).await.unwrap();
    assert_eq!(va, vb);
    // Alice writes first and wins; Bob's write finds no row with his version.
    exec(guarded_update, vec![int(&150), int(&1), binary(&va)])
        .execute_expect_one(&mut alice)
        .await
        .unwrap();
    let e = assert_err!(
        exec(guarded_update, vec![int(&50), int(&1), binary(&vb)])
            .execute_expect_one(&mut bob)
            .await,
        Error::StaleRow {
            expected: 1,
            affected: 0,
            ..
        }
    );
    assert_eq!(e.statement().map(|s| s.id), Some("live::guarded_update"));
    assert_eq!(
        ints(balance_of(&table), vec![int(&1)])
            .fetch_one(&mut bob)
            .await
            .unwrap(),
        150
    );
}

#[tokio::test]
async fn test_transactions_always_roll_back() {
    let Some(url) = url("test_transactions_always_roll_back") else {
        return;
    };
    let (table, _drop) = accounts(&url).await;
    let (add, bal) = (add_to(&table), balance_of(&table));
    let mut conn = connect(&url).await;

    let mut tx = begin_test(&mut conn).await.unwrap();
    exec(add, vec![int(&5), int(&1)])
        .execute(&mut tx)
        .await
        .unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut tx).await.unwrap(),
        105
    );
    tx.finish().await.unwrap();
    assert_eq!(
        ints(bal, vec![int(&1)]).fetch_one(&mut conn).await.unwrap(),
        100
    );

    let seen = with_rollback(&mut conn, |tx| {
        Box::pin(async move {
            exec(add, vec![int(&5), int(&2)]).execute(&mut *tx).await?;
            ints(bal, vec![int(&2)]).fetch_one(&mut *tx).await
        })
    })
    .await
    .unwrap();
    assert_eq!(seen, 105);
    assert_eq!(
        ints(bal, vec![int(&2)]).fetch_one(&mut conn).await.unwrap(),
        100
    );

    // A failing body still rolls back, and its error comes out.
    let r: Result<(), Error> = with_rollback(&mut conn, |tx| {
        Box::pin(async move {
            exec(add, vec![int(&5), int(&2)]).execute(&mut *tx).await?;
            Err(Error::Usage {
                message: "boom".into(),
            })
        })
    })
    .await;
    assert_err!(r, Error::Usage { .. });
    assert_eq!(
        ints(bal, vec![int(&2)]).fetch_one(&mut conn).await.unwrap(),
        100
    );
}
