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

/// The decoder of a `query!` without a result set (`insert`, `update`,
/// `delete` without `returning`): every expansion shares it.
#[doc(hidden)]
pub fn no_columns(_row: &tiberius::Row, _statement: &'static Statement) -> Result<(), Error> {
    Ok(())
}

/// Reads the columns of one row in order into a `query!`-generated struct.
///
/// The expansion's decode function is one straight line of calls, one per
/// field (`let row = Row { id: cells.int(), name: cells.nullable_text() };
/// cells.finish(row)`), with no generic call, no `?` and no early
/// return per field: that is what keeps each `query!` cheap for rustc to
/// check. Each getter decodes the next column like [`column`] /
/// [`nullable_column`]; the first failure is kept (and later getters return a
/// default without decoding), and [`Cells::finish`] returns it.
#[doc(hidden)]
pub struct Cells<'r> {
    row: &'r tiberius::Row,
    statement: &'static Statement,
    next: usize,
    error: Option<Error>,
}

impl<'r> Cells<'r> {
    /// Starts at column 0 of `row`.
    #[inline]
    pub fn new(row: &'r tiberius::Row, statement: &'static Statement) -> Self {
        Cells {
            row,
            statement,
            next: 0,
            error: None,
        }
    }

    fn get<K, T: Decode<K> + Default>(&mut self) -> T {
        let index = self.next;
        self.next += 1;
        if self.error.is_some() {
            return T::default();
        }
        column::<K, T>(self.row, index, self.statement).unwrap_or_else(|e| {
            self.error = Some(e);
            T::default()
        })
    }

    fn get_nullable<K, T: Decode<K>>(&mut self) -> Option<T> {
        let index = self.next;
        self.next += 1;
        if self.error.is_some() {
            return None;
        }
        nullable_column::<K, T>(self.row, index, self.statement).unwrap_or_else(|e| {
            self.error = Some(e);
            None
        })
    }

    /// `row`, or the first decoding error if any getter met one.
    #[inline]
    pub fn finish<R>(self, row: R) -> Result<R, Error> {
        match self.error {
            None => Ok(row),
            Some(e) => Err(e),
        }
    }
}

macro_rules! cells_getters {
    ($($k:ident: $t:ty => $get:ident, $get_nullable:ident;)*) => {
        impl Cells<'_> {$(
            #[doc = concat!("The next column, NOT NULL, of family [`kind::", stringify!($k), "`].")]
            pub fn $get(&mut self) -> $t {
                self.get::<kind::$k, $t>()
            }
            #[doc = concat!("The next column, NULL-able, of family [`kind::", stringify!($k), "`].")]
            pub fn $get_nullable(&mut self) -> Option<$t> {
                self.get_nullable::<kind::$k, $t>()
            }
        )*}
    };
}
cells_getters! {
    Bit: bool => bit, nullable_bit;
    TinyInt: u8 => tiny_int, nullable_tiny_int;
    SmallInt: i16 => small_int, nullable_small_int;
    Int: i32 => int, nullable_int;
    BigInt: i64 => big_int, nullable_big_int;
    Decimal: rust_decimal::Decimal => decimal, nullable_decimal;
    Real: f32 => real, nullable_real;
    Float: f64 => float, nullable_float;
    Text: String => text, nullable_text;
    Binary: Vec<u8> => binary, nullable_binary;
    Date: chrono::NaiveDate => date, nullable_date;
    Time: chrono::NaiveTime => time, nullable_time;
    DateTime: chrono::NaiveDateTime => date_time, nullable_date_time;
    DateTimeOffset: chrono::DateTime<chrono::FixedOffset> => date_time_offset, nullable_date_time_offset;
    Guid: tiberius::Uuid => guid, nullable_guid;
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
    fn cells_decode_in_order_and_keep_the_first_error() {
        let r = row(
            ColumnData::I32(Some(7)),
            ColumnData::F64(Some(19.99)),
            ColumnData::String(None),
            ColumnData::F64(Some(0.5)),
        );
        let mut cells = Cells::new(&r, &ST);
        let (id, price, name) = (cells.int(), cells.decimal(), cells.nullable_text());
        assert_eq!(
            cells.finish((id, price, name)).unwrap(),
            (7, rust_decimal::Decimal::new(1999, 2), None)
        );

        // A NULL in a NOT NULL column, then a float where decimal is promised:
        // the first one is the error, the second is not even decoded.
        let r = row(
            ColumnData::I32(None),
            ColumnData::F64(Some(1.0)),
            ColumnData::String(Some("Ann".into())),
            ColumnData::F64(Some(0.5)),
        );
        let mut cells = Cells::new(&r, &ST);
        let values = (
            cells.int(),
            cells.decimal(),
            cells.nullable_text(),
            cells.decimal(),
        );
        match cells.finish(values) {
            Err(Error::Decode {
                column,
                expected,
                actual,
                ..
            }) => assert_eq!(
                (column.as_str(), expected.as_str(), actual.as_str()),
                ("id", "int NOT NULL", "NULL")
            ),
            other => panic!("{other:?}"),
        }
        let mut cells = Cells::new(&r, &ST);
        let values = (cells.big_int(),);
        assert!(matches!(
            cells.finish(values),
            Err(Error::Decode { actual, .. }) if actual == "NULL"
        ));
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
