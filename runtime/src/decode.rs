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
#[inline]
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
            ColumnData::String(Some(s)) => Some(String::from(&**s)),
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
    let money;
    let data = match money_as_numeric(row, index, data) {
        Some(m) => {
            money = m;
            &money
        }
        None => data,
    };
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
    let money;
    let data = match money_as_numeric(row, index, data) {
        Some(m) => {
            money = m;
            &money
        }
        None => data,
    };
    T::decode(data)
        .map(Some)
        .ok_or_else(|| mismatch(statement, index, wire_type(data)))
}

/// tiberius decodes `money`/`smallmoney` as `f64`; Quarry maps them to the
/// `Decimal` family, so a value from a money column is turned back into the
/// exact 4-decimal number it is on the wire (exact up to ±2^53/10^4, about
/// 9·10^11, beyond which tiberius's `f64` has already rounded). A plain
/// `float` column is left alone, so it still fails a `Decimal` field.
#[inline]
fn money_as_numeric(
    row: &tiberius::Row,
    index: usize,
    data: &ColumnData<'static>,
) -> Option<ColumnData<'static>> {
    let ColumnData::F64(Some(v)) = data else {
        return None;
    };
    let ty = row.columns().get(index)?.column_type();
    if !matches!(
        ty,
        tiberius::ColumnType::Money | tiberius::ColumnType::Money4
    ) {
        return None;
    }
    let scaled = (v * 1e4).round();
    if !scaled.is_finite() || scaled.abs() > 1e19 {
        return None;
    }
    Some(ColumnData::Numeric(Some(
        tiberius::numeric::Numeric::new_with_scale(scaled as i128, 4),
    )))
}

#[inline]
fn cell<'r>(
    row: &'r tiberius::Row,
    index: usize,
    statement: &'static Statement,
) -> Result<&'r ColumnData<'static>, Error> {
    row.get_column_data(index)
        .map_err(|_| missing(row, index, statement))
}

#[cold]
#[inline(never)]
fn missing(row: &tiberius::Row, index: usize, statement: &'static Statement) -> Error {
    Error::Decode {
        statement,
        column: statement.columns.get(index).map_or("?", |c| c.name).into(),
        expected: statement
            .columns
            .get(index)
            .map_or("a column", |c| c.sql_type)
            .into(),
        actual: format!("a row of {} columns", row.len()),
    }
}

#[cold]
#[inline(never)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::{ResultColumn, StatementKind};
    use tiberius::{ColumnType, Row};

    static ST: Statement = Statement {
        id: "tests::decode",
        variant: 0,
        sql: "SELECT ...",
        param_decls: "",
        args: &[],
        columns: &[
            ResultColumn {
                name: "id",
                sql_type: "int",
                nullable: false,
            },
            ResultColumn {
                name: "price",
                sql_type: "money",
                nullable: false,
            },
            ResultColumn {
                name: "name",
                sql_type: "nvarchar(50)",
                nullable: true,
            },
            ResultColumn {
                name: "ratio",
                sql_type: "decimal(9,2)",
                nullable: false,
            },
        ],
        kind: StatementKind::Select,
        file: "decode.rs",
        line: 1,
    };

    fn row(
        id: ColumnData<'static>,
        price: ColumnData<'static>,
        name: ColumnData<'static>,
        ratio: ColumnData<'static>,
    ) -> Row {
        Row::builder()
            .column("id", ColumnType::Int4, id)
            .column("price", ColumnType::Money, price)
            .column("name", ColumnType::NVarchar, name)
            .column("ratio", ColumnType::Float8, ratio)
            .build()
    }

    #[test]
    fn error_stays_small() {
        // Every decoded field returns a `Result<T, Error>`: keep it cheap to move.
        assert!(
            std::mem::size_of::<Error>() <= 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn decodes_matching_values() {
        let r = row(
            ColumnData::I32(Some(7)),
            ColumnData::F64(Some(19.99)),
            ColumnData::String(Some("Ann".into())),
            ColumnData::F64(Some(0.5)),
        );
        assert_eq!(column::<kind::Int, i32>(&r, 0, &ST).unwrap(), 7);
        assert_eq!(
            column::<kind::Decimal, rust_decimal::Decimal>(&r, 1, &ST).unwrap(),
            rust_decimal::Decimal::new(1999, 2)
        );
        assert_eq!(
            nullable_column::<kind::Text, String>(&r, 2, &ST)
                .unwrap()
                .as_deref(),
            Some("Ann")
        );
    }

    #[test]
    fn nulls_and_mismatches_are_typed_errors() {
        let r = row(
            ColumnData::I32(None),
            ColumnData::F64(None),
            ColumnData::String(None),
            ColumnData::F64(Some(0.5)),
        );
        match column::<kind::Int, i32>(&r, 0, &ST) {
            Err(Error::Decode {
                column,
                expected,
                actual,
                ..
            }) => {
                assert_eq!(
                    (column.as_str(), expected.as_str(), actual.as_str()),
                    ("id", "int NOT NULL", "NULL")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            nullable_column::<kind::Text, String>(&r, 2, &ST).unwrap(),
            None
        );
        assert_eq!(
            nullable_column::<kind::Decimal, rust_decimal::Decimal>(&r, 1, &ST).unwrap(),
            None
        );
        // A float column where the snapshot says decimal: drift, not a value.
        assert!(matches!(
            column::<kind::Decimal, rust_decimal::Decimal>(&r, 3, &ST),
            Err(Error::Decode { actual, .. }) if actual == "float"
        ));
        // A bigint where an int was promised.
        let r = row(
            ColumnData::I64(Some(1)),
            ColumnData::F64(None),
            ColumnData::String(None),
            ColumnData::F64(None),
        );
        assert!(
            matches!(column::<kind::Int, i32>(&r, 0, &ST), Err(Error::Decode { actual, .. }) if actual == "bigint")
        );
        // A missing column.
        assert!(
            matches!(column::<kind::Int, i32>(&r, 9, &ST), Err(Error::Decode { actual, .. }) if actual.contains("4 columns"))
        );
    }

    #[test]
    fn params_encode_to_the_expected_wire_values() {
        use crate::param::{Encode, bind};
        assert_eq!(
            bind(&5i32, kind::Int).into_column_data(),
            ColumnData::I32(Some(5))
        );
        assert_eq!(
            bind("abc", kind::Text).into_column_data(),
            ColumnData::String(Some("abc".into()))
        );
        let none: Option<i64> = None;
        assert_eq!(
            bind(&none, kind::Nullable(kind::BigInt)).into_column_data(),
            ColumnData::I64(None)
        );
        let d = rust_decimal::Decimal::new(12345, 2);
        assert!(
            matches!(Encode::<kind::Decimal>::encode(&d).into_column_data(), ColumnData::Numeric(Some(n)) if n.scale() == 2)
        );
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        assert!(matches!(
            bind(&date, kind::Date).into_column_data(),
            ColumnData::Date(Some(_))
        ));
        // Encode then decode gives the value back.
        let dt = date.and_hms_opt(3, 4, 5).unwrap();
        let wire: ColumnData<'static> = tiberius::IntoSql::into_sql(dt);
        assert_eq!(bind(&dt, kind::DateTime).into_column_data(), wire);
        assert_eq!(
            <chrono::NaiveDateTime as Decode<kind::DateTime>>::decode(&wire),
            Some(dt)
        );
        let wire: ColumnData<'static> = tiberius::IntoSql::into_sql(d);
        assert_eq!(bind(&d, kind::Decimal).into_column_data(), wire);
        assert_eq!(
            <rust_decimal::Decimal as Decode<kind::Decimal>>::decode(&wire),
            Some(d)
        );
    }
}
