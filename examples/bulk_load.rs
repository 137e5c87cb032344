//! Booklet §5.2 (`fast_executemany`) and §12.1: load many rows through TDS
//! bulk load into staging.sales_tmp, in batches, all-or-nothing, and compare
//! with row-by-row inserts.

mod common;

use std::time::Instant;

use quarry::bulk::{BulkOptions, bulk_insert};
use quarry::types::{Decimal, NaiveDate, NaiveDateTime};
use quarry::{Error, query};

struct Sale {
    product_id: i32,
    qty: i32,
    sale_dt: NaiveDateTime,
    store_code: Option<String>,
    amount: Option<Decimal>,
}
// Checked against quarry.schema at compile time: the table, each column,
// each field's type (an `Option` only for NULL-able columns), and that no
// required column is left out.
quarry::bulk_row!(Sale => staging.sales_tmp { product_id, qty, sale_dt, store_code, amount });

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("bulk_load") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let mut db = common::connect_and_prepare(url).await?;
    let store = "EXBULK";
    query!(ex_bulk_clear: delete staging.sales_tmp where store_code == $store)
        .execute(&mut db)
        .await?;

    let day = NaiveDate::from_ymd_opt(2025, 3, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .unwrap_or_default();
    let sales: Vec<Sale> = (0..50_000)
        .map(|i| Sale {
            product_id: i % 100 + 1,
            qty: i % 7 + 1,
            sale_dt: day,
            store_code: Some(store.to_owned()),
            amount: Some(Decimal::new(i64::from(i % 10_000), 2)),
        })
        .collect();

    let started = Instant::now();
    let options = BulkOptions {
        batch_size: 10_000,
        in_transaction: true,
        ..BulkOptions::default()
    };
    let loaded = bulk_insert(&mut db, &sales, &options).await?;
    let bulk = started.elapsed();
    println!(
        "bulk load: {loaded} rows in {bulk:?} ({:.0} rows/s)",
        loaded as f64 / bulk.as_secs_f64()
    );

    // Row by row, for comparison (1,000 rows).
    let started = Instant::now();
    for s in &sales[..1000] {
        let (p, q, dt, amount) = (s.product_id, s.qty, s.sale_dt, s.amount);
        query!(ex_bulk_one_row: insert staging.sales_tmp
            { product_id: $p, qty: $q, sale_dt: $dt, store_code: $store, amount: $amount })
        .execute(&mut db)
        .await?;
    }
    let by_row = started.elapsed();
    println!(
        "row by row: 1000 rows in {by_row:?} ({:.0} rows/s); bulk load is {:.0}x faster",
        1000.0 / by_row.as_secs_f64(),
        (loaded as f64 / bulk.as_secs_f64()) / (1000.0 / by_row.as_secs_f64())
    );

    let count = query!(ex_bulk_count: select staging.sales_tmp { count(*) as n } where store_code == $store)
        .fetch_one(&mut db)
        .await?;
    println!(
        "staging.sales_tmp now holds {} rows for store {store}",
        count.n
    );
    query!(ex_bulk_clear2: delete staging.sales_tmp where store_code == $store)
        .execute(&mut db)
        .await?;
    println!("bulk_load: done");
    Ok(())
}
