//! Booklet §12.2: the filtered orders dashboard. Each filter applies only
//! when its `Option` is `Some`; Quarry compiles the combinations into static,
//! separately cached statements (no string building, no `@p IS NULL OR ...`).

mod common;

use quarry::types::{Decimal, NaiveDateTime};
use quarry::{Error, query};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("dashboard") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn page(
    db: &quarry::Pool,
    user_id: Option<i32>,
    date_from: Option<NaiveDateTime>,
    total_min: Option<Decimal>,
    page: i64,
) -> Result<(), Error> {
    let (skip, page_size): (i64, i64) = (page * 20, 20);
    let q = query!(ex_dashboard_orders:
        select orders join users { orders.id, users.username, orders.total, orders.created_at }
        where orders.user_id == $user_id? && orders.created_at >= $date_from? && orders.total >= $total_min?
        order by orders.created_at desc
        offset $skip limit $page_size);
    let variant = q.statement().variant;
    let rows = q.fetch_all(db).await?;
    println!(
        "filters user={user_id:?} from={date_from:?} min={total_min:?}: statement variant {variant}, {} row(s)",
        rows.len()
    );
    for r in rows.iter().take(3) {
        println!("  #{} {} {} {}", r.id, r.username, r.total, r.created_at);
    }
    Ok(())
}

async fn run(url: &str) -> Result<(), Error> {
    let pool = quarry::Pool::new(url)?;
    common::install_schema(&mut *pool.get().await?).await?;
    let name = "ex_dashboard_user";
    query!(ex_dash_cleanup: delete users where username == $name)
        .execute(&pool)
        .await?;
    let uid = query!(ex_dash_user: insert users { username: $name, fullname: "Dashboard Demo" } returning id)
        .fetch_one(&pool)
        .await?
        .id;
    for cents in [1_000i64, 25_000, 80_000] {
        let total = Decimal::new(cents, 2);
        query!(ex_dash_order: insert orders { user_id: $uid, total: $total })
            .execute(&pool)
            .await?;
    }

    page(&pool, None, None, None, 0).await?;
    page(&pool, Some(uid), None, None, 0).await?;
    page(&pool, Some(uid), None, Some(Decimal::new(100, 0)), 0).await?;
    let since = quarry::types::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    page(&pool, Some(uid), Some(since), Some(Decimal::new(100, 0)), 0).await?;

    query!(ex_dash_cleanup2: delete users where username == $name)
        .execute(&pool)
        .await?;
    println!("dashboard: done");
    Ok(())
}
