//! Bulk insert through TDS bulk load (`INSERT BULK`), the fast path for
//! many rows (the booklet's `fast_executemany`/TVP chapter).
//!
//! Rows are typed: a [`BulkRow`] names its table and columns and turns
//! itself into a TDS row. Implement it with `quarry::bulk_row!`, which
//! checks the table, the columns and every field's type against the schema
//! snapshot at compile time:
//!
//! ```ignore
//! use quarry::bulk::{bulk_insert, BulkOptions};
//!
//! struct Log { level: u8, msg: String }
//! quarry::bulk_row!(Log => dbo.logs { level, msg });
//!
//! let rows = vec![Log { level: 20, msg: "started".into() }];
//! let inserted = bulk_insert(&mut *conn, &rows, &BulkOptions::default()).await?;
//! ```
//!
//! For a table the snapshot does not hold (a `#temp` table, a table created
//! at run time), [`bulk_row_unchecked!`](crate::bulk_row_unchecked) is the
//! escape hatch: the same implementation without any check, so a wrong
//! column name or type shows up only as a server error when the rows are
//! sent.
//!
//! # Known upstream issues
//!
//! tiberius issue #322: bulk load of large `nvarchar(max)`/`varchar(max)`
//! values has been reported to fail; issue #410: a table with a `date`
//! column before a `time` column has been reported to be rejected. Values
//! must match the column types exactly (an `i32` for an `int` column, not
//! an `i64`). When you hit one of these, insert those rows with a checked
//! `insert` statement instead.

use tiberius::{ColumnData, SqlBulkCopyOption, SqlBulkCopyOptions, TokenRow};

use crate::Error;
use crate::execute::Executor;
use crate::param::Encode;

/// A row that can be bulk loaded into one table.
pub trait BulkRow {
    /// The target table, bracket-quoted and schema-qualified
    /// (`[dbo].[users]`).
    const TABLE: &'static str;
    /// The target columns, bracket-quoted, in the order [`to_row`] pushes
    /// them. Leave out identity, computed and rowversion columns.
    ///
    /// [`to_row`]: BulkRow::to_row
    const COLUMNS: &'static [&'static str];
    /// The row's values, one per column.
    fn to_row(&self) -> TokenRow<'_>;
}

/// Bulk load settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOptions {
    /// Rows per `INSERT BULK` request; each request is committed by the
    /// server on its own unless [`in_transaction`](Self::in_transaction) is
    /// set. `0` sends everything in one request.
    pub batch_size: usize,
    /// Run all batches in one transaction: all rows or none. Ignored when
    /// the executor already is a transaction (its own commit decides).
    pub in_transaction: bool,
    /// Take a table lock (`TABLOCK`): faster, minimal logging possible.
    pub table_lock: bool,
    /// Check constraints (`CHECK_CONSTRAINTS`); off by default in SQL
    /// Server's bulk load, on here because it is the safe choice.
    pub check_constraints: bool,
    /// Fire insert triggers (`FIRE_TRIGGERS`).
    pub fire_triggers: bool,
    /// Keep NULLs instead of applying column defaults (`KEEP_NULLS`).
    pub keep_nulls: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            batch_size: 10_000,
            in_transaction: false,
            table_lock: false,
            check_constraints: true,
            fire_triggers: false,
            keep_nulls: false,
        }
    }
}

impl BulkOptions {
    pub(crate) fn flags(&self) -> SqlBulkCopyOptions {
        let mut f = SqlBulkCopyOptions::empty();
        if self.table_lock {
            f |= SqlBulkCopyOption::TableLock;
        }
        if self.check_constraints {
            f |= SqlBulkCopyOption::CheckConstraints;
        }
        if self.fire_triggers {
            f |= SqlBulkCopyOption::FireTriggers;
        }
        if self.keep_nulls {
            f |= SqlBulkCopyOption::KeepNulls;
        }
        f
    }
}

/// Bulk loads `rows` into `T::TABLE`; returns the number of rows inserted.
pub async fn bulk_insert<'c, 'r, T, E>(
    executor: E,
    rows: impl IntoIterator<Item = &'r T>,
    options: &BulkOptions,
) -> Result<u64, Error>
where
    T: BulkRow + 'r,
    E: Executor<'c>,
{
    let mut conn = executor.acquire().await?;
    let conn: &mut crate::Connection = &mut conn;
    let started = std::time::Instant::now();
    let total = if options.in_transaction && !conn.in_transaction() {
        let mut tx = conn.begin().await?;
        match load::<T>(tx.connection(), rows.into_iter(), options).await {
            Ok(n) => {
                tx.commit().await?;
                n
            }
            Err(e) => {
                // Best effort: if the rollback fails too, the connection is
                // rolled back before its next use.
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
    } else {
        load::<T>(conn, rows.into_iter(), options).await?
    };
    tracing::debug!(
        table = T::TABLE,
        rows = total,
        duration_us = started.elapsed().as_micros() as u64,
        "bulk insert finished"
    );
    Ok(total)
}

async fn load<'r, T: BulkRow + 'r>(
    conn: &mut crate::Connection,
    rows: impl Iterator<Item = &'r T>,
    options: &BulkOptions,
) -> Result<u64, Error> {
    let bulk_err = |e: tiberius::error::Error| match Error::from_driver(e, None) {
        Error::Driver { message, .. } | Error::Bulk { message, .. } => Error::Bulk {
            table: T::TABLE.to_owned(),
            message,
        },
        other => other,
    };
    conn.settle().await?;
    let flags = options.flags();
    let mut total = 0u64;
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut req = conn
            .client()
            .bulk_insert_with_options(T::TABLE, T::COLUMNS, flags, &[])
            .await
            .map_err(bulk_err)?;
        let mut in_batch = 0usize;
        while options.batch_size == 0 || in_batch < options.batch_size {
            let Some(row) = rows.next() else { break };
            req.send(row.to_row()).await.map_err(bulk_err)?;
            in_batch += 1;
        }
        total += req.finalize().await.map_err(bulk_err)?.total();
    }
    Ok(total)
}

/// Converts one field of a bulk row into the value of a column of SQL type
/// family `K` (`kind::Nullable<K>` for a NULL-able column). `bulk_row!`
/// wraps every field in this call, spanned on the field, so a field of the
/// wrong Rust type is a compile error there, with [`Encode`]'s message.
#[doc(hidden)]
#[inline]
pub fn bulk_value<K, T: Encode<K> + ?Sized>(value: &T) -> ColumnData<'_> {
    value.encode().into_column_data()
}

/// Implements [`BulkRow`] **without checking anything** against the schema
/// snapshot: each listed field becomes the column of the same name, in the
/// order given, converted with tiberius's `ToSql`. A wrong table, column or
/// type is found only by the server when rows are sent.
///
/// Use `quarry::bulk_row!` for tables in the snapshot; this is for tables
/// it cannot hold, such as `#temp` tables.
///
/// ```
/// struct Tag { name: String, weight: i32 }
/// quarry_runtime::bulk_row_unchecked!(Tag => "[#tags]" { name, weight });
/// use quarry_runtime::bulk::BulkRow;
/// assert_eq!(Tag::COLUMNS, &["[name]", "[weight]"]);
/// let tag = Tag { name: "rust".into(), weight: 3 };
/// assert_eq!(tag.to_row().len(), 2);
/// ```
#[macro_export]
macro_rules! bulk_row_unchecked {
    ($ty:ty => $table:literal { $($field:ident),+ $(,)? }) => {
        impl $crate::bulk::BulkRow for $ty {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(concat!("[", stringify!($field), "]")),+];
            fn to_row(&self) -> $crate::__private::TokenRow<'_> {
                let mut row = $crate::__private::TokenRow::with_capacity(Self::COLUMNS.len());
                $(row.push($crate::__private::ToSql::to_sql(&self.$field));)+
                row
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind;

    struct Order {
        user_id: i32,
        total: rust_decimal::Decimal,
        note: Option<String>,
        placed: chrono::NaiveDate,
    }
    crate::bulk_row_unchecked!(Order => "[dbo].[orders]" { user_id, total, note, placed });

    #[test]
    fn unchecked_macro_rows_match_columns() {
        assert_eq!(Order::TABLE, "[dbo].[orders]");
        assert_eq!(
            Order::COLUMNS,
            &["[user_id]", "[total]", "[note]", "[placed]"]
        );
        let o = Order {
            user_id: 7,
            total: rust_decimal::Decimal::new(1999, 2),
            note: None,
            placed: chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        };
        let row = o.to_row();
        assert_eq!(row.len(), 4);
        assert_eq!(row.get(0), Some(&ColumnData::I32(Some(7))));
        assert!(matches!(row.get(1), Some(ColumnData::Numeric(Some(n))) if n.scale() == 2));
        assert_eq!(row.get(2), Some(&ColumnData::String(None)));
        assert!(matches!(row.get(3), Some(ColumnData::Date(Some(_)))));
    }

    /// What `bulk_row!` expands to for a NOT NULL `int`, a NULL-able
    /// `nvarchar` and a NULL-able `decimal` column.
    struct Checked {
        id: i32,
        name: Option<String>,
        price: rust_decimal::Decimal,
    }
    impl BulkRow for Checked {
        const TABLE: &'static str = "[dbo].[items]";
        const COLUMNS: &'static [&'static str] = &["[id]", "[name]", "[price]"];
        fn to_row(&self) -> TokenRow<'_> {
            let mut row = TokenRow::with_capacity(3);
            row.push(bulk_value::<kind::Int, _>(&self.id));
            row.push(bulk_value::<kind::Nullable<kind::Text>, _>(&self.name));
            row.push(bulk_value::<kind::Nullable<kind::Decimal>, _>(&self.price));
            row
        }
    }

    #[test]
    fn bulk_values_follow_the_column_kind() {
        let c = Checked {
            id: 3,
            name: None,
            price: rust_decimal::Decimal::new(250, 2),
        };
        let row = c.to_row();
        assert_eq!(row.len(), Checked::COLUMNS.len());
        assert_eq!(row.get(0), Some(&ColumnData::I32(Some(3))));
        // A NULL of the column's family, not an untyped one.
        assert_eq!(row.get(1), Some(&ColumnData::String(None)));
        assert!(
            matches!(row.get(2), Some(ColumnData::Numeric(Some(n))) if n.value() == 250 && n.scale() == 2)
        );
        let named = Checked {
            name: Some("bolt".into()),
            ..c
        };
        assert_eq!(
            named.to_row().get(1),
            Some(&ColumnData::String(Some("bolt".into())))
        );
        // Borrowed, not copied.
        assert!(matches!(
            bulk_value::<kind::Text, _>("x"),
            ColumnData::String(Some(std::borrow::Cow::Borrowed("x")))
        ));
    }

    #[test]
    fn option_flags() {
        let f = BulkOptions::default().flags();
        assert!(f.contains(SqlBulkCopyOption::CheckConstraints));
        assert!(!f.contains(SqlBulkCopyOption::TableLock));
        let f = BulkOptions {
            table_lock: true,
            check_constraints: false,
            fire_triggers: true,
            keep_nulls: true,
            ..BulkOptions::default()
        }
        .flags();
        assert!(f.contains(
            SqlBulkCopyOption::TableLock
                | SqlBulkCopyOption::FireTriggers
                | SqlBulkCopyOption::KeepNulls
        ));
        assert!(!f.contains(SqlBulkCopyOption::CheckConstraints));
    }
}
