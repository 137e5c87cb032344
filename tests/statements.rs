//! Every scenario of the booklet's chapters 2, 4, 5, 6, 8 and 12.2 written as
//! a Quarry query against the repository's test schema (`quarry.schema`),
//! with its result types checked at compile time, and one test that pins
//! the T-SQL of every statement the macros generated (`snapshots/`).
//!
//! Bulk inserts (§5.2) go through the runtime's TDS bulk load, not through a
//! statement, so they have no entry here.

mod common;

use quarry::types::{Decimal, NaiveDateTime};
use quarry::{Query, query, query_as};

/// Type-level helper: `row_of(&q)` names the row type of a query without
/// running it, so a test can assert field types (and nullability) at
/// compile time.
fn row_of<R>(_: &Query<'_, R>) -> Option<R> {
    None
}

/// The argument values in `@P1..@Pn` order, as tiberius would send them.
fn params<R>(q: &Query<'_, R>) -> Vec<String> {
    q.params()
        .map(|p| format!("{:?}", p.as_column_data()))
        .collect()
}

fn now() -> NaiveDateTime {
    quarry::types::NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default()
}

// ----- Chapter 2: Core basics -------------------------------------------

#[test]
fn ch2_crud() {
    let (username, fullname, created_at) = ("randy", "Randy Fadler", now());
    let q = query!(ch2_insert_user:
        insert users { username: $username, fullname: $fullname, created_at: $created_at } returning id);
    if let Some(r) = row_of(&q) {
        let _: i32 = r.id;
    }
    assert_eq!(
        q.statement().param_decls,
        "@P1 nvarchar(50), @P2 nvarchar(120), @P3 datetime2(7)"
    );
    assert_eq!(params(&q).len(), 3);

    let q = query!(ch2_fetch_users: select users { id, username, created_at });
    if let Some(r) = row_of(&q) {
        let _: (i32, String, NaiveDateTime) = (r.id, r.username, r.created_at);
    }

    let (user_id, new_fullname) = (1, "R. Fadler");
    let q =
        query!(ch2_update_user: update users set { fullname: $new_fullname } where id == $user_id);
    assert_eq!(q.statement().param_decls, "@P1 nvarchar(120), @P2 int");
    let q2 = query!(ch2_delete_user: delete users where id == $user_id);
    // Any Rust expression can be bound with `$(..)`.
    let q3 = query!(ch2_delete_next_user: delete users where id == $(user_id + 1));
    assert_eq!(params(&q3), vec!["I32(Some(2))".to_owned()]);
    assert_eq!(q2.statement().param_decls, "@P1 int");
    let _ = q;
}

// ----- Chapter 4: querying and filtering --------------------------------

#[test]
fn ch4_filters() {
    let q = query!(ch4_where_username: select users where username == "randy");
    // The literal is bound, declared like the column it meets.
    assert_eq!(q.statement().param_decls, "@P1 nvarchar(50)");
    assert!(params(&q)[0].contains("randy"));

    let q = query!(ch4_like: select users { id, fullname } where fullname like "%Fadler%");
    assert_eq!(params(&q).len(), 1);
    let q = query!(ch4_like_fixed_width: select products { id, sku } where sku like "AB%");
    // A pattern for a char(12) column is declared varchar(12), never padded.
    assert_eq!(q.statement().param_decls, "@P1 varchar(12)");
    let q = query!(ch4_in_list: select users { id } where id in [1, 2, 3]);
    assert!(q.statement().sql.contains("IN (1, 2, 3)"));
    let (from, to) = (now(), now());
    let q = query!(ch4_between: select users { id } where created_at between $from and $to);
    assert_eq!(
        q.statement().param_decls,
        "@P1 datetime2(7), @P2 datetime2(7)"
    );

    let q = query!(ch4_combined: select users
        where username != "admin" && (fullname like "R%" || created_at >= dateadd(month, -1, getdate())));
    assert!(q.statement().sql.contains("OR"));

    let (name, pattern) = (String::from("randy"), "%Fadler%");
    let q = query!(ch4_orm_filters: select users where username == $name && fullname like $pattern);
    assert_eq!(params(&q).len(), 2);

    let ids = vec![1, 2, 3];
    let q = query!(ch4_in_variable_list: select users { id, username } where id in $ids);
    // One statement for every list length: the list travels as JSON.
    assert_eq!(q.statement().param_decls, "@P1 nvarchar(max)");
    assert!(params(&q)[0].contains("[1,2,3]"));

    let q = query!(ch4_is_null: select users { id } where email is null || email is not null && !is_active);
    let _ = q;
}

#[test]
fn ch4_ordering_and_paging() {
    let _ = query!(ch4_order_by: select users order by created_at desc, username);
    let q = query!(ch4_top: select users order by created_at desc limit 5);
    assert!(q.statement().sql.contains("TOP (5)"));
    let q = query!(ch4_offset_fetch: select users order by created_at desc offset 10 limit 5);
    assert!(
        q.statement()
            .sql
            .contains("OFFSET 10 ROWS FETCH NEXT 5 ROWS ONLY")
    );
    let skip: i64 = 0;
    let q = query!(ch4_page: select users order by id offset $skip limit 10);
    assert_eq!(q.statement().param_decls, "@P1 bigint");
    let _ = query!(ch4_raw_top_orders: select orders order by created_at desc limit 10);
}

#[test]
fn ch4_joins() {
    let q = query!(ch4_inner_join:
        select users join orders { users.username, orders.id as order_id, orders.total }
        where orders.total > 100);
    if let Some(r) = row_of(&q) {
        // Inner join along a NOT NULL foreign key: nothing is optional.
        let _: (String, i32, Decimal) = (r.username, r.order_id, r.total);
    }
    let q = query!(ch4_left_join: select users left join orders { users.username, orders.id as order_id });
    if let Some(r) = row_of(&q) {
        // The joined side of a left join is optional.
        let _: (String, Option<i32>) = (r.username, r.order_id);
    }
    let q = query!(ch4_orm_join: select users join orders { users.username, orders.total } where orders.total < 50);
    assert!(q.statement().sql.contains("INNER JOIN"));
}

#[test]
fn ch4_aggregates_and_subqueries() {
    let q = query!(ch4_group_by:
        select users join orders
        { users.username, count(orders.id) as order_count, sum(orders.total) as total_spent }
        group by users.username having sum(orders.total) > 500);
    if let Some(r) = row_of(&q) {
        // COUNT is int; SUM of decimal(18,2) is decimal(38,2), not NULL per group.
        let _: (String, i32, Decimal) = (r.username, r.order_count, r.total_spent);
    }
    let q = query!(ch4_alias: select users u join orders o { u.username, count(o.id) as order_count } group by u.username);
    assert!(q.statement().sql.contains("[u].[username]"));

    let q = query!(ch4_count_all: select users { count(*) as n, count_big(*) as big, max(created_at) as newest });
    if let Some(r) = row_of(&q) {
        // Without GROUP BY, MAX over an empty table is NULL.
        let _: (i32, i64, Option<NaiveDateTime>) = (r.n, r.big, r.newest);
    }

    let q = query!(ch4_derived_max_order:
        select users join (select orders { user_id, max(total) as max_order } group by user_id) as mo
            on users.id == mo.user_id
        { users.username, mo.max_order });
    if let Some(r) = row_of(&q) {
        let _: (String, Decimal) = (r.username, r.max_order);
    }
    let min_total = Decimal::new(100, 0);
    let q = query!(ch4_in_subquery: select users { id, username } where id in (select orders { user_id } where total > $min_total));
    assert_eq!(q.statement().param_decls, "@P1 decimal(18,2)");
    let _ = query!(ch4_exists: select users { id } where exists (select orders where orders.user_id == users.id));
    let _ = query!(ch4_not_exists: select users { id } where !exists (select orders where orders.user_id == users.id));
    let _ = query!(ch4_distinct: select distinct orders { status });
    let _ = query!(ch4_functions:
        select users { id, len(username) as name_length, upper(fullname) as shout,
                       datediff(day, created_at, sysutcdatetime()) as age_days,
                       coalesce(email, "none") as email_or_none, cast(id as bigint) as big_id });
}

// ----- Chapter 5: inserting, updating, deleting -------------------------

#[test]
fn ch5_writes() {
    let (username, fullname) = ("alice", String::from("Alice Anderson"));
    let created_at = now();
    let _ = query!(ch5_insert_core: insert users { username: $username, fullname: $fullname, created_at: $created_at });
    let q = query!(ch5_insert_orm: insert users { username: $username, fullname: $fullname } returning id);
    assert!(q.statement().sql.contains("OUTPUT INSERTED.[id]"));

    let (user_id, new_fullname) = (1, "Alice A.");
    let _ =
        query!(ch5_update_one: update users set { fullname: $new_fullname } where id == $user_id);

    let (threshold, discount) = (Decimal::new(100, 0), Decimal::new(125, 3));
    let q = query!(ch5_bulk_discount: update orders set { total: total * (1 - $discount) } where total > $threshold);
    // The rate is an operand, not a stored total: declared wide enough that
    // 12.5 % is not rounded to the column's two decimals.
    assert_eq!(
        q.statement().param_decls,
        "@P1 decimal(38,10), @P2 decimal(18,2)"
    );

    let _ = query!(ch5_delete_one: delete users where id == $user_id);
    let cutoff = now();
    let _ = query!(ch5_delete_old_orders: delete orders where created_at < $cutoff);
    let q = query!(ch5_delete_batch: delete top (1000) logs where logged_at < $cutoff);
    assert!(q.statement().sql.contains("DELETE TOP (1000)"));
    let _ = query!(ch5_update_batch: update top (500) orders set { status: "archived" } where created_at < $cutoff);

    let q = query!(ch5_upsert_merge: upsert users on username { username: $username, fullname: $fullname });
    assert!(q.statement().sql.contains("WITH (HOLDLOCK)"));

    let q = query!(ch5_insert_output: insert users { username: $username, fullname: $fullname, created_at: $created_at }
        returning { id, username });
    if let Some(r) = row_of(&q) {
        let _: (i32, String) = (r.id, r.username);
    }
    let shipped_at: Option<quarry::types::DateTime<quarry::types::FixedOffset>> = None;
    let q = query!(ch5_update_output: update orders set { status: "shipped", shipped_at: $shipped_at }
        where id == $user_id returning { id, status, shipped_at });
    if let Some(r) = row_of(&q) {
        let _: (
            i32,
            String,
            Option<quarry::types::DateTime<quarry::types::FixedOffset>>,
        ) = (r.id, r.status, r.shipped_at);
    }
    let q = query!(ch5_delete_output: delete orders where id == $user_id returning *);
    assert!(q.statement().sql.contains("OUTPUT DELETED.[id]"));
}

// ----- Chapter 6: relationships -----------------------------------------

#[test]
fn ch6_relationships() {
    let (username, fullname) = ("emma", "Emma Example");
    let _ = query!(ch6_create_user: insert users { username: $username, fullname: $fullname } returning id);
    let (user_id, total) = (1, Decimal::new(12050, 2));
    let _ =
        query!(ch6_create_order: insert orders { user_id: $user_id, total: $total } returning id);
    let q = query!(ch6_user_orders:
        select users join orders { users.username, orders.id, orders.total } where users.id == $user_id);
    assert!(q.statement().sql.contains("[o].[user_id] = [u].[id]"));

    let (title, content, name) = ("SQLAlchemy 101", "...", "python");
    let _ = query!(ch6_create_post: insert posts { title: $title, content: $content } returning id);
    let _ = query!(ch6_create_tag: insert tags { name: $name } returning id);
    let (post_id, tag_id) = (1, 2);
    let _ = query!(ch6_link_post_tag: insert post_tags { post_id: $post_id, tag_id: $tag_id });
    let q = query!(ch6_posts_by_tag:
        select posts join post_tags join tags { posts.id, posts.title } where tags.name == $name);
    assert!(q.statement().sql.contains("ON [t].[id] = [pt].[tag_id]"));

    let q = query!(ch6_employees_with_managers:
        select employees e left join employees m on e.manager_id == m.id { e.id, e.name, m.name as manager_name });
    if let Some(r) = row_of(&q) {
        let _: (i32, String, Option<String>) = (r.id, r.name, r.manager_name);
    }
    let manager_id = 7;
    let _ = query!(ch6_reports: select employees { id, name } where manager_id == $manager_id);
    let user_ids = [1, 2, 3];
    let _ = query!(ch6_selectin_orders: select orders where user_id in $user_ids);
}

// ----- Chapter 8: transactions and concurrency --------------------------

#[test]
fn ch8_concurrency() {
    let (amount, from_id, to_id) = (Decimal::new(100, 0), 1, 2);
    let _ =
        query!(ch8_debit: update accounts set { balance: balance - $amount } where id == $from_id);
    let _ =
        query!(ch8_credit: update accounts set { balance: balance + $amount } where id == $to_id);
    let id = 1;
    let _ = query!(ch8_get_user: select users where id == $id);
    let _ = query!(ch8_log: insert logs { msg: "start" });

    let q = query!(ch8_for_update: select users where id == $id for update);
    assert!(q.statement().sql.contains("WITH (UPDLOCK, ROWLOCK)"));
    let q = query!(ch8_for_update_nowait: select users where id == $id for update nowait);
    assert!(
        q.statement()
            .sql
            .contains("WITH (UPDLOCK, ROWLOCK, NOWAIT)")
    );
    let q = query!(ch8_queue_readpast: select logs { id, msg } order by id limit 10 for update with (readpast));
    assert!(q.statement().sql.contains("READPAST"));

    let (fullname, version) = ("New Name", 3);
    let q = query!(ch8_optimistic_version:
        update users set { fullname: $fullname, version: version + 1 } where id == $id && version == $version);
    assert_eq!(
        q.statement().param_decls,
        "@P1 nvarchar(120), @P2 int, @P3 int"
    );
    let (balance, row_version) = (Decimal::new(5, 0), vec![0u8; 8]);
    let q = query!(ch8_optimistic_rowversion:
        update accounts set { balance: $balance } where id == $id && version == $row_version returning { version });
    // accounts has triggers: OUTPUT goes INTO a table variable.
    assert!(q.statement().sql.contains("INTO @output"));
}

// ----- §12.2: dashboard with optional filters ---------------------------

#[test]
fn ch12_dashboard() {
    let user_id: Option<i32> = Some(3);
    let date_from: Option<NaiveDateTime> = None;
    let total_min: Option<Decimal> = Some(Decimal::new(10, 0));
    let (skip, page_size): (i64, i64) = (20, 20);
    let q = query!(ch12_dashboard_orders:
        select orders join users { orders.* }
        where orders.user_id == $user_id? && orders.created_at >= $date_from? && orders.total >= $total_min?
        order by orders.created_at desc
        offset $skip limit $page_size);
    // Bits: user_id = 1, date_from = 2, total_min = 4 → variant 5.
    assert_eq!(q.statement().variant, 5);
    assert_eq!(
        q.statement().param_decls,
        "@P1 int, @P2 decimal(18,2), @P3 bigint, @P4 bigint"
    );
    assert_eq!(params(&q).len(), 4);
    let all = quarry::statements();
    let variants = all
        .iter()
        .filter(|s| s.id.ends_with("::ch12_dashboard_orders"))
        .count();
    assert_eq!(variants, 8);
}

// ----- query_as! --------------------------------------------------------

#[derive(Debug)]
#[allow(dead_code)]
struct User {
    id: i32,
    username: String,
    email: Option<String>,
}

#[test]
fn query_as_into_user_struct() {
    let id = 1;
    let q = query_as!(User, user_by_id: select users { id, username, email } where id == $id);
    if let Some(u) = row_of(&q) {
        let _: User = u;
    }
    let _ = query!(group_keywords: select group { id, key, order, public });
}

// ----- the inventory ----------------------------------------------------

/// Pins every statement generated in this file: SQL text, parameter
/// declarations and result columns, one snapshot per statement variant
/// (`quarry::Statement::describe`), and fails on a snapshot left behind by
/// a statement that no longer exists.
#[test]
fn every_statement_is_pinned() {
    let all: Vec<_> = quarry::statements()
        .into_iter()
        .filter(|s| s.file.ends_with("statements.rs"))
        .collect();
    assert!(all.len() >= 60, "only {} statements registered", all.len());
    common::pin_statements!("snapshots", "statements__", common::pins_of(&all));
}

/// What a program prints for `--quarry-statements` reads back, statement by
/// statement, as exactly the text pinned above (`tests/examples_pinned.rs`
/// relies on it).
#[test]
fn the_inventory_reads_back_as_the_pinned_statements() {
    let inventory = quarry::inventory();
    let read = common::parse_inventory(&inventory).unwrap();
    assert_eq!(read, common::pins_of(&quarry::statements()));
    assert!(read.len() >= 60);
}
