//! Decoding result columns into Rust values. [`Decode<K>`] says which Rust
//! types a column of SQL type family `K` decodes into; a value of another
//! type, or a NULL in a column the snapshot says is NOT NULL, is a typed
//! [`Error::Decode`] naming the statement and column, never a panic.

use std::borrow::Cow;

use tiberius::ColumnData;

use crate::param::kind;
use crate::{Error, Statement};

/// Rust types that a result column of SQL type family `K` decodes into.
#[diagnostic::on_unimplemented(
    message = "a column of SQL type `{K}` does not decode into `{Self}`",
    label = "this field's type does not match the column",
    note = "Quarry maps SQL types to Rust types as: int ⇄ i32, bigint ⇄ i64, smallint ⇄ i16, tinyint ⇄ u8, bit ⇄ bool, decimal/money ⇄ Decimal, float ⇄ f64, real ⇄ f32, (n)(var)char ⇄ String, date ⇄ NaiveDate, datetime2 ⇄ NaiveDateTime, datetimeoffset ⇄ DateTime<FixedOffset>, uniqueidentifier ⇄ Uuid; NULL-able columns decode into Option<_>"
)]
pub trait Decode<K>: Sized {
    /// Converts a non-NULL value; `None` when the wire value is not of a type
    /// this Rust type accepts (the caller reports the mismatch).
    fn decode(data: &ColumnData<'static>) -> Option<Self>;
}

/// True when the wire value is NULL, whatever its type.
fn is_null(data: &ColumnData<'_>) -> bool {
    match data {
        ColumnData::U8(v) => v.is_none(),
        ColumnData::I16(v) => v.is_none(),
        ColumnData::I32(v) => v.is_none(),
        ColumnData::I64(v) => v.is_none(),
        ColumnData::F32(v) => v.is_none(),
        ColumnData::F64(v) => v.is_none(),
        ColumnData::Bit(v) => v.is_none(),
        ColumnData::String(v) => v.is_none(),
        ColumnData::Guid(v) => v.is_none(),
        ColumnData::Binary(v) => v.is_none(),
        ColumnData::Numeric(v) => v.is_none(),
        ColumnData::Xml(v) => v.is_none(),
        ColumnData::DateTime(v) => v.is_none(),
        ColumnData::SmallDateTime(v) => v.is_none(),
        ColumnData::Time(v) => v.is_none(),
        ColumnData::Date(v) => v.is_none(),
        ColumnData::DateTime2(v) => v.is_none(),
        ColumnData::DateTimeOffset(v) => v.is_none(),
    }
}

/// The name of the wire type of a value, for error messages.
pub(crate) fn wire_type(data: &ColumnData<'_>) -> &'static str {
    match data {
        ColumnData::U8(_) => "tinyint",
        ColumnData::I16(_) => "smallint",
        ColumnData::I32(_) => "int",
        ColumnData::I64(_) => "bigint",
        ColumnData::F32(_) => "real",
        ColumnData::F64(_) => "float",
        ColumnData::Bit(_) => "bit",
        ColumnData::String(_) => "string",
        ColumnData::Guid(_) => "uniqueidentifier",
        ColumnData::Binary(_) => "binary",
        ColumnData::Numeric(_) => "decimal",
        ColumnData::Xml(_) => "xml",
        ColumnData::DateTime(_) => "datetime",
        ColumnData::SmallDateTime(_) => "smalldatetime",
        ColumnData::Time(_) => "time",
        ColumnData::Date(_) => "date",
        ColumnData::DateTime2(_) => "datetime2",
        ColumnData::DateTimeOffset(_) => "datetimeoffset",
    }
}

macro_rules! decode_copy {
    ($($k:ident: $t:ty => $($v:ident)|+;)*) => {$(
        impl Decode<kind::$k> for $t {
            fn decode(data: &ColumnData<'static>) -> Option<Self> {
                match data {
                    $(ColumnData::$v(Some(x)) => Some(*x as $t),)+
                    _ => None,
                }
            }
        }
    )*};
}
decode_copy! {
    Bit: bool => Bit;
    TinyInt: u8 => U8;
    SmallInt: i16 => I16;
    Int: i32 => I32;
    BigInt: i64 => I64;
    Real: f32 => F32;
    Float: f64 => F64;
    Guid: tiberius::Uuid => Guid;
}

/// Decodes through tiberius's own conversions for the types it converts
/// (dates, decimals), after the family check above has picked the variants.
macro_rules! decode_via_tiberius {
    ($($k:ident: $t:ty => $($v:ident)|+;)*) => {$(
        impl Decode<kind::$k> for $t {
            fn decode(data: &ColumnData<'static>) -> Option<Self> {
                match data {
                    $(ColumnData::$v(Some(_)))|+ => {
                        <$t as tiberius::FromSql<'_>>::from_sql(data).ok().flatten()
                    }
                    _ => None,
                }
            }
        }
    )*};
}
decode_via_tiberius! {
    Decimal: rust_decimal::Decimal => Numeric;
    Date: chrono::NaiveDate => Date;
    Time: chrono::NaiveTime => Time;
    DateTime: chrono::NaiveDateTime => DateTime | SmallDateTime | DateTime2;
    DateTimeOffset: chrono::DateTime<chrono::FixedOffset> => DateTimeOffset;
    DateTimeOffset: chrono::DateTime<chrono::Utc> => DateTimeOffset;
}

impl Decode<kind::Text> for String {
    fn decode(data: &ColumnData<'static>) -> Option<Self> {
        match data {
            ColumnData::String(Some(s)) => Some(s.to_string()),
            ColumnData::Xml(Some(x)) => Some(x.to_string()),
            _ => None,
        }
    }
}
impl Decode<kind::Binary> for Vec<u8> {
    fn decode(data: &ColumnData<'static>) -> Option<Self> {
        match data {
            ColumnData::Binary(Some(b)) => Some(b.to_vec()),
            _ => None,
        }
    }
}
impl Decode<kind::Text> for Cow<'static, str> {
    fn decode(data: &ColumnData<'static>) -> Option<Self> {
        String::decode(data).map(Cow::Owned)
    }
}

/// Reads column `index` of `row` as a NOT NULL value of family `K`.
///
/// Used by the macro expansion; `name` and `sql_type` come from the snapshot.
#[doc(hidden)]
pub fn column<K, T: Decode<K>>(
    row: &tiberius::Row,
    index: usize,
    statement: &'static Statement,
) -> Result<T, Error> {
    let data = cell(row, index, statement)?;
    if is_null(data) {
        return Err(mismatch(statement, index, "NULL"));
    }
    T::decode(data).ok_or_else(|| mismatch(statement, index, wire_type(data)))
}

/// Reads column `index` of `row` as a NULL-able value of family `K`.
#[doc(hidden)]
pub fn nullable_column<K, T: Decode<K>>(
    row: &tiberius::Row,
    index: usize,
    statement: &'static Statement,
) -> Result<Option<T>, Error> {
    let data = cell(row, index, statement)?;
    if is_null(data) {
        return Ok(None);
    }
    T::decode(data)
        .map(Some)
        .ok_or_else(|| mismatch(statement, index, wire_type(data)))
}

fn cell<'r>(
    row: &'r tiberius::Row,
    index: usize,
    statement: &'static Statement,
) -> Result<&'r ColumnData<'static>, Error> {
    row.cells()
        .nth(index)
        .map(|(_, d)| d)
        .ok_or_else(|| Error::Decode {
            statement,
            column: statement.columns.get(index).map_or("?", |c| c.name).into(),
            expected: statement
                .columns
                .get(index)
                .map_or("a column", |c| c.sql_type)
                .into(),
            actual: format!("a row of {} columns", row.len()),
        })
}

fn mismatch(statement: &'static Statement, index: usize, actual: &str) -> Error {
    let col = statement.columns.get(index);
    let expected = match col {
        Some(c) if c.nullable => format!("{} NULL", c.sql_type),
        Some(c) => format!("{} NOT NULL", c.sql_type),
        None => "?".to_owned(),
    };
    Error::Decode {
        statement,
        column: col.map_or("?", |c| c.name).into(),
        expected,
        actual: actual.to_owned(),
    }
}
