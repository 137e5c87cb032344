//! Booklet §12.1: a nightly ETL run recorded in etl.log_runs. The run is
//! logged as RUNNING, staging rows are read as a stream and bulk-loaded into
//! warehouse.fact_sales inside one transaction, and the log row ends as
//! SUCCESS with the row count or FAILED with the error message.

mod common;

use quarry::bulk::{BulkOptions, bulk_insert};
use quarry::types::{Decimal, NaiveDate, NaiveDateTime};
use quarry::{Error, TryStreamExt, query};

struct Fact {
    product_id: i32,
    quantity: i32,
    sale_date: NaiveDate,
    amount: Option<Decimal>,
    run_id: Option<i32>,
}
quarry::bulk_row!(Fact => warehouse.fact_sales { product_id, quantity, sale_date, amount, run_id });

struct Staged {
    product_id: i32,
    qty: i32,
    sale_dt: NaiveDateTime,
    store_code: Option<String>,
    amount: Option<Decimal>,
}
quarry::bulk_row!(Staged => staging.sales_tmp { product_id, qty, sale_dt, store_code, amount });

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("etl_run") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let mut db = common::connect_and_prepare(url).await?;
    let store = "EXETL";

    // Products the facts refer to (FK_fact_sales_products).
    let product_ids: Vec<i32> = query!(ex_etl_products: select products { id } order by id limit 5)
        .fetch_all(&mut db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if product_ids.is_empty() {
        println!("etl_run: dbo.products is empty; add a product first");
        return Ok(());
    }

    // Today's raw sales arrive in staging.
    let day = NaiveDate::from_ymd_opt(2025, 3, 2)
        .and_then(|d| d.and_hms_opt(18, 30, 0))
        .unwrap_or_default();
    let staged: Vec<Staged> = (0..5_000)
        .map(|i| Staged {
            product_id: product_ids[i % product_ids.len()],
            qty: (i % 4) as i32 + 1,
            sale_dt: day,
            store_code: Some(store.to_owned()),
            amount: Some(Decimal::new(499 + i as i64, 2)),
        })
        .collect();
    bulk_insert(&mut db, &staged, &BulkOptions::default()).await?;

    // 1. Log the run.
    let started = day;
    let run_id = query!(ex_etl_start: insert etl.log_runs { start_time: $started, status: "RUNNING" } returning id)
        .fetch_one(&mut db)
        .await?
        .id;
    println!("run {run_id}: RUNNING");

    // 2. Transform and load in one transaction.
    let outcome = load(&mut db, store, run_id).await;

    // 3. Close the log row either way.
    let finished = day;
    match outcome {
        Ok(rows) => {
            let loaded = rows as i32;
            query!(ex_etl_success: update etl.log_runs
                set { status: "SUCCESS", end_time: $finished, rows_loaded: $loaded } where id == $run_id)
            .execute_expect_one(&mut db)
            .await?;
            println!("run {run_id}: SUCCESS, {rows} rows loaded");
        }
        Err(e) => {
            let message = e.to_string();
            query!(ex_etl_failed: update etl.log_runs
                set { status: "FAILED", end_time: $finished, error_message: $message } where id == $run_id)
            .execute_expect_one(&mut db)
            .await?;
            println!("run {run_id}: FAILED: {message}");
        }
    }

    let runs = query!(ex_etl_recent_runs: select etl.log_runs { id, status, rows_loaded } order by id desc limit 3)
        .fetch_all(&mut db)
        .await?;
    for r in &runs {
        println!("log_runs #{}: {} {:?}", r.id, r.status, r.rows_loaded);
    }
    // Tidy up the demo's rows (the log rows stay, as a real log would).
    query!(ex_etl_clear_facts: delete warehouse.fact_sales where run_id == $run_id)
        .execute(&mut db)
        .await?;
    println!("etl_run: done");
    Ok(())
}

async fn load(db: &mut quarry::Connection, store: &str, run_id: i32) -> Result<u64, Error> {
    let mut tx = db.begin().await?;
    let facts: Vec<Fact> = query!(ex_etl_read_staging:
            select staging.sales_tmp { product_id, qty, sale_dt, amount } where store_code == $store)
        .fetch(&mut tx)
        .map_ok(|s| Fact {
            product_id: s.product_id,
            quantity: s.qty,
            sale_date: s.sale_dt.date(),
            amount: s.amount,
            run_id: Some(run_id),
        })
        .try_collect()
        .await?;
    let loaded = bulk_insert(&mut tx, &facts, &BulkOptions::default()).await?;
    query!(ex_etl_clear_staging: delete staging.sales_tmp where store_code == $store)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(loaded)
}
