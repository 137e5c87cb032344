//! Booklet chapter 8: a money transfer in a SERIALIZABLE transaction with a
//! savepoint, rollback on error, the deadlock retry helper, and optimistic
//! concurrency with a rowversion (a lost race is `Error::StaleRow`).

mod common;

use quarry::types::Decimal;
use quarry::{Error, IsolationLevel, RetryPolicy, query, retry};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("transactions") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let pool = quarry::Pool::new(url)?;
    common::install_schema(&mut *pool.get().await?).await?;

    let owner = "ex_tx_owner";
    query!(ex_tx_cleanup: delete users where username == $owner)
        .execute(&pool)
        .await?;
    let owner_id = query!(ex_tx_owner: insert users { username: $owner, fullname: "Account Owner" } returning id)
        .fetch_one(&pool)
        .await?
        .id;
    let hundred = Decimal::new(100, 0);
    let from_id = query!(ex_tx_open_from: insert accounts { owner_id: $owner_id, balance: $hundred } returning id)
        .fetch_one(&pool)
        .await?
        .id;
    let to_id = query!(ex_tx_open_to: insert accounts { owner_id: $owner_id } returning id)
        .fetch_one(&pool)
        .await?
        .id;

    // A transfer, retried if it is chosen as a deadlock victim.
    let amount = Decimal::new(2550, 2);
    retry(&RetryPolicy::default(), |attempt| {
        let pool = &pool;
        async move {
            let mut tx = pool.begin_with(IsolationLevel::Serializable).await?;
            query!(ex_tx_debit: update accounts set { balance: balance - $amount } where id == $from_id)
                .execute_expect_one(&mut tx)
                .await?;
            tx.save("after_debit").await?;
            query!(ex_tx_credit: update accounts set { balance: balance + $amount } where id == $to_id)
                .execute_expect_one(&mut tx)
                .await?;
            tx.commit().await?;
            println!("transfer committed on attempt {attempt}");
            Ok(())
        }
    })
    .await?;

    // Overdrawing violates CK_accounts_balance: the error is typed, the
    // transaction is rolled back when `tx` is dropped by `?`.
    let too_much = Decimal::new(1_000_000, 0);
    let overdraw = async {
        let mut tx = pool.begin().await?;
        query!(ex_tx_overdraw: update accounts set { balance: balance - $too_much } where id == $from_id)
            .execute(&mut tx)
            .await?;
        tx.commit().await
    }
    .await;
    match overdraw {
        Err(Error::CheckViolation { constraint, .. }) => {
            println!("overdraw refused by {constraint:?}")
        }
        other => println!("unexpected overdraw result: {other:?}"),
    }

    // Savepoints: undo part of a transaction.
    let mut tx = pool.begin().await?;
    tx.save("before_bonus").await?;
    let bonus = Decimal::new(1000, 0);
    query!(ex_tx_bonus: update accounts set { balance: balance + $bonus } where id == $to_id)
        .execute(&mut tx)
        .await?;
    tx.rollback_to("before_bonus").await?;
    tx.commit().await?;

    let balances = query!(ex_tx_balances: select accounts { id, balance } where owner_id == $owner_id order by id)
        .fetch_all(&pool)
        .await?;
    for b in &balances {
        println!("account {}: {}", b.id, b.balance);
    }

    // Optimistic concurrency: update only if nobody changed the row since we read it.
    let seen = query!(ex_tx_read_version: select accounts { balance, version } where id == $to_id)
        .fetch_one(&pool)
        .await?;
    let (new_balance, version) = (seen.balance + Decimal::ONE, seen.version.clone());
    query!(ex_tx_guarded: update accounts set { balance: $new_balance } where id == $to_id && version == $version)
        .execute_expect_one(&pool)
        .await?;
    // The same stale version again: someone (we) changed the row meanwhile.
    match query!(ex_tx_guarded_again: update accounts set { balance: $new_balance } where id == $to_id && version == $version)
        .execute_expect_one(&pool)
        .await
    {
        Err(Error::StaleRow { .. }) => println!("stale write detected: reload and try again"),
        other => println!("unexpected: {other:?}"),
    }

    query!(ex_tx_close: delete accounts where owner_id == $owner_id)
        .execute(&pool)
        .await?;
    query!(ex_tx_cleanup2: delete users where username == $owner)
        .execute(&pool)
        .await?;
    println!("transactions: done");
    Ok(())
}
