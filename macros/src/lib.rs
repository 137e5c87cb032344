//! Quarry's procedural macros: thin entry points into `quarry-compiler`,
//! which holds the whole pipeline (see its `ARCHITECTURE.md`).
//!
#![doc = include_str!("../../compiler/GRAMMAR.md")]

use proc_macro::TokenStream;

/// Compiles a DSL query against the schema snapshot into a static,
/// parameterised T-SQL statement and a typed result (a generated struct).
///
/// ```ignore
/// let rows = quarry::query!(select users { id, username } where id == $id)
///     .fetch_all(&mut conn)
///     .await?;
/// ```
#[proc_macro]
pub fn query(input: TokenStream) -> TokenStream {
    quarry_compiler::query(input.into()).into()
}

/// Like [`query!`], but decodes each row into the caller's struct, checked
/// field by field: `query_as!(User, select users { id, username })`.
#[proc_macro]
pub fn query_as(input: TokenStream) -> TokenStream {
    quarry_compiler::query_as(input.into()).into()
}

/// Implements `quarry::bulk::BulkRow` for a struct, checked against the
/// schema snapshot at compile time, for TDS bulk load with
/// `quarry::bulk::bulk_insert`.
///
/// `bulk_row!(Type => [schema.]table { field, field: column, .. })`: the
/// table is resolved like a `query!` table (`dbo` when no schema is written,
/// case-insensitive) and must be a base table; each field is loaded into the
/// column of the same name, or into `column` when written `field: column`,
/// in the order given. It is a compile error, on the offending token, to
/// name an unknown table or column, list a column twice, write an identity,
/// computed, rowversion or `GENERATED ALWAYS` column, or leave out a required
/// column (NOT NULL without a default, the same rule as `insert`). Each field
/// must have the column's Rust type (`int` ⇄ `i32`, `varchar` ⇄ `String`,
/// ...); an `Option` only where the column is NULL-able.
///
/// ```ignore
/// use quarry::bulk::{bulk_insert, BulkOptions};
/// use quarry::types::{Decimal, NaiveDateTime};
///
/// struct Sale {
///     product_id: i32,
///     qty: i32,
///     sold_at: NaiveDateTime,
///     store: Option<String>,       // varchar(10) NULL
///     amount: Option<Decimal>,     // decimal(12,2) NULL
/// }
/// quarry::bulk_row!(Sale => staging.sales_tmp {
///     product_id, qty, sold_at: sale_dt, store: store_code, amount
/// });
///
/// let inserted = bulk_insert(&mut conn, &sales, &BulkOptions::default()).await?;
/// ```
///
/// For a table that is not in the snapshot (a `#temp` table), implement
/// `BulkRow` by hand or use the runtime's unchecked
/// `quarry::bulk_row_unchecked!`.
#[proc_macro]
pub fn bulk_row(input: TokenStream) -> TokenStream {
    quarry_compiler::bulk_row(input.into()).into()
}
