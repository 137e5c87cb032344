//! Booklet chapter 4: joins (inner, left, self join) and aggregates (GROUP
//! BY, HAVING, COUNT/SUM), plus a derived table, against users and orders.

mod common;

use quarry::types::Decimal;
use quarry::{Error, query};

#[tokio::main]
async fn main() {
    let Some(url) = common::database_url("joins_aggregates") else {
        return;
    };
    common::exit_on_error(run(&url).await);
}

async fn run(url: &str) -> Result<(), Error> {
    let pool = quarry::Pool::new(url)?;
    common::install_schema(&mut *pool.get().await?).await?;

    // A small data set: two users, three orders.
    let (alice, bob) = ("ex_join_alice", "ex_join_bob");
    for name in [alice, bob] {
        query!(ex_join_cleanup: delete users where username == $name)
            .execute(&pool)
            .await?;
    }
    let a =
        query!(ex_join_add_user: insert users { username: $alice, fullname: "Alice" } returning id)
            .fetch_one(&pool)
            .await?
            .id;
    query!(ex_join_add_user2: insert users { username: $bob, fullname: "Bob" })
        .execute(&pool)
        .await?;
    for total in [
        Decimal::new(45000, 2),
        Decimal::new(9900, 2),
        Decimal::new(120000, 2),
    ] {
        query!(ex_join_add_order: insert orders { user_id: $a, total: $total })
            .execute(&pool)
            .await?;
    }

    let big = Decimal::new(100, 0);
    let rows = query!(ex_join_inner:
        select users join orders { users.username, orders.id as order_id, orders.total }
        where orders.total > $big && users.username like "ex_join_%"
        order by orders.total desc)
    .fetch_all(&pool)
    .await?;
    for r in &rows {
        println!(
            "inner join: {} ordered #{} for {}",
            r.username, r.order_id, r.total
        );
    }

    // Left join: Bob has no orders, so order_id is None (an Option by construction).
    let rows = query!(ex_join_left:
        select users left join orders { users.username, orders.id as order_id }
        where users.username like "ex_join_%")
    .fetch_all(&pool)
    .await?;
    for r in &rows {
        println!("left join: {} -> {:?}", r.username, r.order_id);
    }

    let rows = query!(ex_join_group:
        select users join orders
        { users.username, count(orders.id) as order_count, sum(orders.total) as total_spent }
        where users.username like "ex_join_%"
        group by users.username having sum(orders.total) > 500)
    .fetch_all(&pool)
    .await?;
    for r in &rows {
        println!(
            "big spender: {} with {} orders, {:?} in total",
            r.username, r.order_count, r.total_spent
        );
    }

    let rows = query!(ex_join_max_order:
        select users join (select orders { user_id, max(total) as max_order } group by user_id) as mo
            on users.id == mo.user_id
        { users.username, mo.max_order }
        where users.username like "ex_join_%")
    .fetch_all(&pool)
    .await?;
    for r in &rows {
        println!("largest order of {}: {:?}", r.username, r.max_order);
    }

    // Self join: employees and their managers.
    let rows = query!(ex_join_managers:
        select employees e left join employees m on e.manager_id == m.id { e.name, m.name as manager_name }
        limit 10)
    .fetch_all(&pool)
    .await?;
    println!("{} employee(s) listed with their managers", rows.len());

    for name in [alice, bob] {
        query!(ex_join_cleanup2: delete users where username == $name)
            .execute(&pool)
            .await?;
    }
    println!("joins_aggregates: done");
    Ok(())
}
