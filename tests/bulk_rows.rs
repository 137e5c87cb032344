//! `bulk_row!` against the repository's test schema (`quarry.schema`): the
//! table and columns it names, and the TDS values `to_row` produces, checked
//! without a server. The mistakes it refuses are under `tests/ui/bulk/`.

use quarry::bulk::BulkRow;
use quarry::types::{Decimal, NaiveDate, NaiveDateTime};

/// The row's values as tiberius would send them.
fn values<R: BulkRow>(row: &R) -> Vec<String> {
    let row = row.to_row();
    assert_eq!(row.len(), R::COLUMNS.len(), "one value per column");
    row.iter().map(|v| format!("{v:?}")).collect()
}

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 3, 1)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .unwrap_or_default()
}

struct Sale {
    product_id: i32,
    qty: i32,
    sold_at: NaiveDateTime,
    store: Option<String>,
    amount: Option<Decimal>,
}
// Renamed fields (`field: column`); `loaded_at` has a default and is left out.
quarry::bulk_row!(Sale => staging.sales_tmp {
    product_id, qty, sold_at: sale_dt, store: store_code, amount,
});

#[test]
fn staging_sales_names_table_and_columns_from_the_snapshot() {
    assert_eq!(Sale::TABLE, "[staging].[sales_tmp]");
    assert_eq!(
        Sale::COLUMNS,
        &[
            "[product_id]",
            "[qty]",
            "[sale_dt]",
            "[store_code]",
            "[amount]"
        ]
    );
    let sale = Sale {
        product_id: 7,
        qty: 3,
        sold_at: at(),
        store: Some("S01".into()),
        amount: Some(Decimal::new(1999, 2)),
    };
    let v = values(&sale);
    assert_eq!(v[0], "I32(Some(7))");
    assert_eq!(v[1], "I32(Some(3))");
    assert!(v[2].starts_with("DateTime2(Some("), "{}", v[2]);
    assert_eq!(v[3], r#"String(Some("S01"))"#);
    assert_eq!(v[4], "Numeric(Some(19.99))");

    // NULL-able columns take `None` as a NULL of the column's own type.
    let bare = Sale {
        store: None,
        amount: None,
        ..sale
    };
    let v = values(&bare);
    assert_eq!(v[3], "String(None)");
    assert_eq!(v[4], "Numeric(None)");
}

mod rows {
    /// In another module, with a borrowed field and a non-`Option` value for
    /// a column that has a default.
    pub struct Log<'a> {
        pub level: u8,
        pub msg: &'a str,
    }
}
// No schema: `dbo`; names are case-insensitive and the snapshot's spelling
// is what the expansion writes.
quarry::bulk_row!(rows::Log<'a> => LOGS { level: Level, msg });

#[test]
fn dbo_logs_resolves_without_a_schema_and_borrows_fields() {
    assert_eq!(<rows::Log<'_> as BulkRow>::TABLE, "[dbo].[logs]");
    assert_eq!(<rows::Log<'_> as BulkRow>::COLUMNS, &["[level]", "[msg]"]);
    let text = String::from("disk almost full");
    let log = rows::Log {
        level: 30,
        msg: &text,
    };
    assert_eq!(
        values(&log),
        vec![
            "U8(Some(30))".to_owned(),
            r#"String(Some("disk almost full"))"#.to_owned()
        ]
    );
}

struct Fact {
    product_id: i32,
    quantity: i32,
    sale_date: NaiveDate,
    // NULL-able column, non-`Option` field: always a value.
    run_id: i32,
}
quarry::bulk_row!(Fact => warehouse.fact_sales { product_id, quantity, sale_date, run_id });

#[test]
fn nullable_columns_also_take_plain_values() {
    assert_eq!(Fact::TABLE, "[warehouse].[fact_sales]");
    let f = Fact {
        product_id: 1,
        quantity: 2,
        sale_date: at().date(),
        run_id: 42,
    };
    let v = values(&f);
    assert!(v[2].starts_with("Date(Some("), "{}", v[2]);
    assert_eq!(v[3], "I32(Some(42))");
}
