//! Schema diffs as a reviewer reads them, over edits of the committed
//! snapshot.

use std::path::Path;

use quarry_schema::diff::{ChangeKind, diff};
use quarry_schema::*;

fn committed() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../quarry.schema"))
        .expect("quarry.schema")
}

fn parse(text: &str) -> Schema {
    snapshot::parse(text, Path::new("edited.schema")).unwrap_or_else(|e| panic!("{e}"))
}

/// `dbo.users.username` (the views have a column of that name too).
const USERNAME: &str = "column username nvarchar(50) not null\n  column fullname nvarchar(120) not null alias dbo.Name\n  column email";

/// Replaces exactly one occurrence, so the test fails loudly when the
/// committed snapshot moves under it.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

#[test]
fn identical_schemas_have_no_differences() {
    let s = parse(&committed());
    let d = diff(&s, &s);
    assert!(d.is_empty());
    assert_eq!(d.to_string(), "");
}

#[test]
fn every_kind_of_change_on_its_own_line() {
    let old = committed();
    let mut new = edit(&old, USERNAME, &USERNAME.replace("(50)", "(120)"));
    new = edit(
        &new,
        "  column note nvarchar(max) null\n",
        "  column note nvarchar(max) not null\n",
    );
    new = edit(
        &new,
        "  column bio nvarchar(500) null\n  primary key",
        "  primary key",
    );
    new = edit(
        &new,
        "  column updated_at datetime2(7) null\n",
        "  column updated_at datetime2(7) null\n  column closed_on date null\n",
    );
    new = edit(
        &new,
        "default DF_orders_status ('new')",
        "default DF_orders_status ('open')",
    );
    new = edit(
        &new,
        "default DF_accounts_balance ((0))",
        "default DF_accounts_balance (0)",
    );
    new = edit(
        &new,
        "  foreign key FK_posts_users (author_id) references dbo.users (id) on delete set null\n",
        "",
    );
    new = edit(
        &new,
        "  primary key PK_employees clustered (id)\n",
        "  primary key PK_employees nonclustered (id)\n",
    );
    new = edit(
        &new,
        "  index IX_orders_created_at nonclustered (created_at desc)\n",
        "",
    );
    new = edit(
        &new,
        "  unique UQ_tags_name nonclustered (name)\n",
        "  unique UQ_tags_name nonclustered (name)\n  index IX_tags_name_ci nonclustered (name) include (id)\n",
    );
    new = edit(
        &new,
        "column id bigint not null identity(1,1)\n  column level",
        "column id bigint not null identity(1000,1)\n  column level",
    );
    new = edit(&new, "  triggers\n", "");
    new = edit(
        &new,
        "table staging.sales_tmp\n  column product_id int not null\n  column qty int not null\n  column sale_dt datetime2(0) not null\n  column store_code varchar(10) null\n  column amount decimal(12,2) null\n  column loaded_at datetime2(7) not null default DF_sales_tmp_loaded_at (sysutcdatetime())\n\n",
        "",
    );
    new = edit(
        &new,
        "\nend\n",
        "\ntable dbo.invoices\n  column id int not null\n  column total money null\n\nend\n",
    );
    let d = diff(&parse(&old), &parse(&new));
    // The accounts balance default differs only in the redundant
    // parentheses that SQL Server itself adds, so it is not reported.
    assert_eq!(
        d.to_string(),
        "\
+ column dbo.accounts.closed_on: date null
- triggers on dbo.accounts: the table no longer has triggers
~ primary key of dbo.employees: definition changed from clustered (id) to nonclustered (id)
+ table dbo.invoices: 2 columns
~ column dbo.logs.id: identity changed from identity(1,1) to identity(1000,1)
~ column dbo.orders.status: default changed from ('new') to ('open')
~ column dbo.orders.note: nullability changed from null to not null
- index dbo.orders.IX_orders_created_at: nonclustered (created_at desc)
- foreign key dbo.posts.FK_posts_users: (author_id) references dbo.users (id) on delete set null
- column dbo.profiles.bio: nvarchar(500) null
+ index dbo.tags.IX_tags_name_ci: nonclustered (name) include (id)
~ column dbo.users.username: type changed from nvarchar(50) to nvarchar(120)
- table staging.sales_tmp
"
    );
    assert_eq!(d.counts(), (3, 5, 5));
    assert_eq!(d.changes[1].kind, ChangeKind::Dropped);
}

#[test]
fn changes_come_in_table_order() {
    let old = committed();
    let new = edit(
        &old,
        "  column qty int not null\n",
        "  column qty bigint not null\n",
    );
    let new = edit(&new, USERNAME, &USERNAME.replace("(50)", "(60)"));
    let got = diff(&parse(&old), &parse(&new)).to_string();
    assert_eq!(
        got,
        "~ column dbo.users.username: type changed from nvarchar(50) to nvarchar(60)\n\
         ~ column staging.sales_tmp.qty: type changed from int to bigint\n"
    );
}

#[test]
fn renames_and_server_generated_names() {
    let old = committed();
    // A renamed index and foreign key are renames, not drop + add.
    let new = edit(
        &old,
        "index IX_orders_user_id nonclustered",
        "index IX_orders_by_user nonclustered",
    );
    let new = edit(
        &new,
        "foreign key FK_orders_users (user_id)",
        "foreign key FK_orders_user (user_id)",
    );
    // A primary key or unique key that DDL left unnamed and the server named
    // is no difference; two different names are.
    let new = edit(
        &new,
        "  primary key clustered (id)\n",
        "  primary key PK__sql_hist__3213E83F clustered (id)\n",
    );
    let new = edit(
        &new,
        "unique UQ_tags_name nonclustered (name)",
        "unique nonclustered (name)",
    );
    let new = edit(
        &new,
        "primary key PK_users clustered (id)",
        "primary key PK_users_id clustered (id)",
    );
    // Index filters compare as SQL Server normalises them.
    let new = edit(
        &new,
        "where ([shipped_at] IS NULL)",
        "where ([SHIPPED_AT] is null)",
    );
    let got = diff(&parse(&old), &parse(&new)).to_string();
    assert_eq!(
        got,
        "\
~ foreign key dbo.orders.FK_orders_user: name changed from FK_orders_users to FK_orders_user
~ index dbo.orders.IX_orders_by_user: name changed from IX_orders_user_id to IX_orders_by_user
~ primary key of dbo.users: name changed from PK_users to PK_users_id
"
    );
}
