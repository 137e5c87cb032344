//! The lookups the compiler relies on, over the repository's committed test
//! schema: tables by (schema, name) with `dbo` as the default schema,
//! case-insensitively; columns by name; foreign keys between two tables in
//! either direction; keys; generated columns.

use std::path::Path;

use quarry_schema::*;

fn schema() -> Schema {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../quarry.schema");
    snapshot::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn tables_by_name_default_schema_and_case() {
    let s = schema();
    let users = s.table(None, "users").expect("dbo.users");
    assert_eq!(users.name, QualifiedName::new("dbo", "users"));
    assert!(std::ptr::eq(
        users,
        s.table(Some("DBO"), "Users").expect("case-insensitive")
    ));
    assert!(
        s.table(None, "sales_tmp").is_none(),
        "only dbo is the default schema"
    );
    let stg = s
        .table(Some("staging"), "SALES_TMP")
        .expect("staging.sales_tmp");
    assert!(stg.primary_key.is_none());
    assert!(std::ptr::eq(
        stg,
        s.table_by_name(&QualifiedName::new("Staging", "sales_tmp"))
            .expect("by name")
    ));
    assert_eq!(
        s.table(None, "group").map(|t| t.name.name.as_str()),
        Some("group")
    );
    assert_eq!(
        s.table(None, "v_user_orders").map(|t| t.kind),
        Some(TableKind::View)
    );
}

#[test]
fn columns_by_name_and_their_facets() {
    let s = schema();
    let users = s.table(None, "users").expect("users");
    let fullname = users.column("FullName").expect("case-insensitive column");
    assert_eq!(fullname.ty, SqlType::NVarChar(Length::Fixed(120)));
    assert_eq!(fullname.alias_type, Some(QualifiedName::new("dbo", "Name")));
    assert!(!fullname.nullable);
    assert!(users.column("usrname").is_none());
    let id = users.column("id").expect("id");
    assert!(id.is_generated() && !id.is_required_on_insert());
    assert!(
        users
            .column("username")
            .expect("username")
            .is_required_on_insert()
    );
    assert!(
        !users
            .column("created_at")
            .expect("created_at")
            .is_required_on_insert()
    );

    let accounts = s.table(None, "accounts").expect("accounts");
    let version = accounts.column("version").expect("rowversion");
    assert_eq!(version.ty, SqlType::RowVersion);
    assert!(version.is_generated());
    assert!(accounts.has_triggers);

    let rates = s.table(None, "exchange_rates").expect("temporal");
    assert!(
        rates
            .column("valid_from")
            .expect("period start")
            .is_generated()
    );

    let products = s.table(None, "products").expect("products");
    let stock_value = products.column("stock_value").expect("computed");
    assert!(stock_value.is_generated() && stock_value.nullable);
    assert_eq!(
        stock_value.ty,
        SqlType::Decimal {
            precision: 24,
            scale: 2
        }
    );
    assert!(products.column("row_guid").expect("rowguidcol").rowguidcol);
    assert_eq!(
        s.alias_type(&QualifiedName::new("DBO", "name"))
            .map(|a| a.base),
        Some(SqlType::NVarChar(Length::Fixed(120)))
    );
}

#[test]
fn foreign_keys_in_either_direction_and_self_references() {
    let s = schema();
    let users = s.table(None, "users").expect("users");
    let orders = s.table(None, "orders").expect("orders");
    for (a, b) in [(users, orders), (orders, users)] {
        let fks = s.foreign_keys_between(a, b);
        assert_eq!(fks.len(), 1);
        assert_eq!(fks[0].fk.name, "FK_orders_users");
        assert!(std::ptr::eq(fks[0].from, orders) && std::ptr::eq(fks[0].to, users));
    }
    let employees = s.table(None, "employees").expect("employees");
    let own = s.foreign_keys_between(employees, employees);
    assert_eq!(own.len(), 1, "a self reference is found once");
    assert_eq!(own[0].fk.columns, ["manager_id"]);
    let post_tags = s.table(None, "post_tags").expect("post_tags");
    let tags = s.table(None, "tags").expect("tags");
    assert_eq!(s.foreign_keys_between(tags, post_tags).len(), 1);
    assert!(s.foreign_keys_between(tags, users).is_empty());
    // Across schemas.
    let fact = s.table(Some("warehouse"), "fact_sales").expect("fact");
    let runs = s.table(Some("etl"), "log_runs").expect("runs");
    assert_eq!(
        s.foreign_keys_between(runs, fact)[0].fk.name,
        "FK_fact_sales_log_runs"
    );
}

#[test]
fn unique_keys() {
    let s = schema();
    let post_tags = s.table(None, "post_tags").expect("post_tags");
    assert!(post_tags.is_unique_key(&["tag_id", "post_id"]));
    assert!(!post_tags.is_unique_key(&["tag_id"]));
    let users = s.table(None, "users").expect("users");
    assert!(users.is_unique_key(&["USERNAME"]));
    assert!(
        !users.is_unique_key(&["email"]),
        "a filtered, non-unique index is no key"
    );
}

#[test]
fn counts_and_duplicates() {
    let s = schema();
    let c = s.counts();
    assert_eq!((c.tables, c.views), (17, 2));
    assert_eq!(c.foreign_keys, 11);
    let t = |n: &str| {
        let mut t = Table::new(QualifiedName::new("dbo", n));
        t.columns.push(Column::new("id", SqlType::Int, false));
        t
    };
    let err = Schema::new(vec![], vec![], vec![t("a"), t("A")]).expect_err("duplicate");
    assert_eq!(err.0.name.to_lowercase(), "a");
}
