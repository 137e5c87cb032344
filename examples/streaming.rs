//! Booklet §9.2 (`yield_per`/`stream_results`): stream a large result one
//! row at a time; memory stays flat however many rows arrive.

mod common;

use quarry::bulk::{BulkOptions, bulk_insert};
use quarry::{Error, TryStreamExt, query};

struct Log {
    level: u8,
    msg: String,
}
quarry::bulk_row!(Log => logs { level, msg });

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4)
}

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("streaming") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let mut db = common::connect_and_prepare(url).await?;
    let marker = "ex_stream: ";
    let pattern = "ex_stream: %";
    query!(ex_stream_clear: delete logs where msg like $pattern)
        .execute(&mut db)
        .await?;
    let logs: Vec<Log> = (0..200_000)
        .map(|i| Log {
            level: (i % 5 * 10) as u8,
            msg: format!("{marker}event {i}"),
        })
        .collect();
    bulk_insert(&mut db, &logs, &BulkOptions::default()).await?;
    drop(logs);

    let before = rss_kib();
    let mut rows =
        query!(ex_stream_logs: select logs { id, level, msg } where msg like $pattern order by id)
            .fetch(&mut db);
    let (mut n, mut warnings, mut peak) = (0u64, 0u64, 0u64);
    while let Some(row) = rows.try_next().await? {
        n += 1;
        if row.level >= 30 {
            warnings += 1;
        }
        if n % 20_000 == 0 {
            peak = peak.max(rss_kib());
        }
    }
    drop(rows);
    println!(
        "streamed {n} rows ({warnings} at level >= 30); RSS before {before} KiB, peak while streaming {peak} KiB"
    );

    let removed = query!(ex_stream_clear2: delete logs where msg like $pattern)
        .execute(&mut db)
        .await?;
    println!("cleaned up {removed} rows\nstreaming: done");
    Ok(())
}
