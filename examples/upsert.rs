//! Booklet §5.7: upsert with MERGE. Quarry's `upsert` emits
//! `MERGE ... WITH (HOLDLOCK)`, so concurrent upserts of one key neither
//! fail with a duplicate key nor lose an update; this runs 20 at once.

mod common;

use quarry::{Error, query};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("upsert") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let pool = quarry::Pool::with_options(
        url,
        quarry::PoolOptions {
            max_size: 20,
            ..Default::default()
        },
    )?;
    common::install_schema(&mut *pool.get().await?).await?;
    let username = "ex_upsert_user";
    query!(ex_upsert_cleanup: delete users where username == $username)
        .execute(&pool)
        .await?;

    let mut tasks = Vec::new();
    for i in 0..20 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let fullname = format!("Upsert number {i}");
            let policy = quarry::RetryPolicy::default();
            quarry::retry(&policy, |_| {
                query!(ex_upsert_merge: upsert users on username { username: $username, fullname: $fullname })
                    .execute(&pool)
            })
            .await
        }));
    }
    for t in tasks {
        match t.await {
            Ok(result) => {
                result?;
            }
            Err(join) => {
                return Err(Error::Usage {
                    message: format!("task failed: {join}"),
                });
            }
        }
    }
    let rows = query!(ex_upsert_check: select users { id, fullname } where username == $username)
        .fetch_all(&pool)
        .await?;
    println!(
        "after 20 concurrent upserts there is {} row: {:?}",
        rows.len(),
        rows.first().map(|r| &r.fullname)
    );
    assert_eq!(rows.len(), 1);
    query!(ex_upsert_cleanup2: delete users where username == $username)
        .execute(&pool)
        .await?;
    println!("upsert: done");
    Ok(())
}
