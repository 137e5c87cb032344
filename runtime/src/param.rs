//! Binding Rust values as statement parameters. Each SQL type family has a
//! marker in [`kind`]; [`Encode<K>`] says which Rust types may be bound to a
//! parameter of that family, so a wrong type is a compile error at the
//! `$name` the user wrote.

use std::borrow::Cow;

use tiberius::ColumnData;

/// Marker types for the SQL type families a parameter or column can have.
/// The compiler picks the marker from the snapshot; the Rust type is checked
/// against it by [`Encode`] and [`Decode`](crate::Decode).
pub mod kind {
    macro_rules! kinds {
        ($($(#[$m:meta])* $name:ident,)*) => {$(
            $(#[$m])*
            #[derive(Debug, Clone, Copy, Default)]
            pub struct $name;
        )*};
    }
    kinds! {
        /// `bit` ⇄ `bool`
        Bit,
        /// `tinyint` ⇄ `u8`
        TinyInt,
        /// `smallint` ⇄ `i16`
        SmallInt,
        /// `int` ⇄ `i32`
        Int,
        /// `bigint` ⇄ `i64`
        BigInt,
        /// `decimal`, `numeric`, `money`, `smallmoney` ⇄ `rust_decimal::Decimal`
        Decimal,
        /// `real` ⇄ `f32`
        Real,
        /// `float` ⇄ `f64`
        Float,
        /// `char`, `varchar`, `nchar`, `nvarchar`, `text`, `ntext`, `xml` ⇄ `String` / `&str`
        Text,
        /// `binary`, `varbinary`, `image`, `rowversion` ⇄ `Vec<u8>` / `&[u8]`
        Binary,
        /// `date` ⇄ `chrono::NaiveDate`
        Date,
        /// `time` ⇄ `chrono::NaiveTime`
        Time,
        /// `datetime`, `smalldatetime`, `datetime2` ⇄ `chrono::NaiveDateTime`
        DateTime,
        /// `datetimeoffset` ⇄ `chrono::DateTime<FixedOffset>` (or `<Utc>`)
        DateTimeOffset,
        /// `uniqueidentifier` ⇄ `uuid::Uuid`
        Guid,
    }

    /// A NULL-able value of family `K`: `Option<T>` where `T` fits `K`.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Nullable<K>(pub K);
}

/// One bound parameter value, borrowed from the caller where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct Param<'a>(pub(crate) ColumnData<'a>);

impl<'a> Param<'a> {
    /// The value as tiberius sends it.
    pub fn as_column_data(&self) -> &ColumnData<'a> {
        &self.0
    }

    /// Takes the value out, for binding.
    pub fn into_column_data(self) -> ColumnData<'a> {
        self.0
    }
}

/// Rust types that can be bound to a parameter of SQL type family `K`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound to a parameter of SQL type `{K}`",
    label = "this value has the wrong type for the column it meets",
    note = "Quarry maps SQL types to Rust types as: int ⇄ i32, bigint ⇄ i64, smallint ⇄ i16, tinyint ⇄ u8, bit ⇄ bool, decimal/money ⇄ Decimal, float ⇄ f64, real ⇄ f32, (n)(var)char ⇄ &str/String, date ⇄ NaiveDate, datetime2 ⇄ NaiveDateTime, datetimeoffset ⇄ DateTime<FixedOffset>, uniqueidentifier ⇄ Uuid; NULL-able targets also take Option<_>"
)]
pub trait Encode<K> {
    /// Borrows `self` as a parameter value.
    fn encode(&self) -> Param<'_>;
}

macro_rules! encode_copy {
    ($($k:ident: $t:ty => $v:ident $(($conv:expr))?;)*) => {$(
        impl Encode<kind::$k> for $t {
            fn encode(&self) -> Param<'_> {
                let x = *self;
                $(let x = $conv(x);)?
                Param(ColumnData::$v(Some(x)))
            }
        }
    )*};
}

encode_copy! {
    Bit: bool => Bit;
    TinyInt: u8 => U8;
    SmallInt: i16 => I16;
    Int: i32 => I32;
    BigInt: i64 => I64;
    Real: f32 => F32;
    Float: f64 => F64;
    Guid: tiberius::Uuid => Guid;
}

fn to_col<'a, T: tiberius::IntoSql<'a>>(v: T) -> Param<'a> {
    Param(v.into_sql())
}

impl Encode<kind::Decimal> for rust_decimal::Decimal {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::Date> for chrono::NaiveDate {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::Time> for chrono::NaiveTime {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::DateTime> for chrono::NaiveDateTime {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::DateTimeOffset> for chrono::DateTime<chrono::FixedOffset> {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::DateTimeOffset> for chrono::DateTime<chrono::Utc> {
    fn encode(&self) -> Param<'_> {
        to_col(*self)
    }
}
impl Encode<kind::Text> for str {
    fn encode(&self) -> Param<'_> {
        Param(ColumnData::String(Some(Cow::Borrowed(self))))
    }
}
impl Encode<kind::Text> for String {
    fn encode(&self) -> Param<'_> {
        Encode::<kind::Text>::encode(self.as_str())
    }
}
impl Encode<kind::Binary> for [u8] {
    fn encode(&self) -> Param<'_> {
        Param(ColumnData::Binary(Some(Cow::Borrowed(self))))
    }
}
impl Encode<kind::Binary> for Vec<u8> {
    fn encode(&self) -> Param<'_> {
        Encode::<kind::Binary>::encode(self.as_slice())
    }
}
impl<const N: usize> Encode<kind::Binary> for [u8; N] {
    fn encode(&self) -> Param<'_> {
        Encode::<kind::Binary>::encode(self.as_slice())
    }
}

// References, boxes and `Cow`s bind as what they point to. Written per family
// (not generic over `K`) so they do not overlap the `Nullable` impls below.
macro_rules! encode_pointers {
    ($($k:ident),*) => {$(
        impl<T: Encode<kind::$k> + ?Sized> Encode<kind::$k> for &T {
            fn encode(&self) -> Param<'_> {
                Encode::<kind::$k>::encode(&**self)
            }
        }
        impl<T: Encode<kind::$k> + ?Sized> Encode<kind::$k> for Box<T> {
            fn encode(&self) -> Param<'_> {
                Encode::<kind::$k>::encode(&**self)
            }
        }
        impl<T: Encode<kind::$k> + ToOwned + ?Sized> Encode<kind::$k> for Cow<'_, T> {
            fn encode(&self) -> Param<'_> {
                Encode::<kind::$k>::encode(&**self)
            }
        }
    )*};
}
encode_pointers!(
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Decimal,
    Real,
    Float,
    Text,
    Binary,
    Date,
    Time,
    DateTime,
    DateTimeOffset,
    Guid
);

/// A NULL parameter of family `K`, typed so the server sees the right type.
pub trait NullOf {
    /// The typed NULL.
    fn null() -> Param<'static>;
}

macro_rules! null_of {
    ($($k:ident => $v:ident;)*) => {$(
        impl NullOf for kind::$k {
            fn null() -> Param<'static> {
                Param(ColumnData::$v(None))
            }
        }
    )*};
}
null_of! {
    Bit => Bit; TinyInt => U8; SmallInt => I16; Int => I32; BigInt => I64;
    Decimal => Numeric; Real => F32; Float => F64; Text => String; Binary => Binary;
    Date => Date; Time => Time; DateTime => DateTime2; DateTimeOffset => DateTimeOffset;
    Guid => Guid;
}

// Every non-null value fits a NULL-able target, and so does `Option` of it.
// Written per family so that coherence can see `Option<T>` never fits a
// non-NULL-able family.
macro_rules! encode_nullable {
    ($($k:ident),*) => {$(
        impl<T: Encode<kind::$k> + ?Sized> Encode<kind::Nullable<kind::$k>> for T {
            fn encode(&self) -> Param<'_> {
                Encode::<kind::$k>::encode(self)
            }
        }
        impl<T: Encode<kind::$k>> Encode<kind::Nullable<kind::$k>> for Option<T> {
            fn encode(&self) -> Param<'_> {
                match self {
                    Some(v) => v.encode(),
                    None => <kind::$k as NullOf>::null(),
                }
            }
        }
    )*};
}
encode_nullable!(
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Decimal,
    Real,
    Float,
    Text,
    Binary,
    Date,
    Time,
    DateTime,
    DateTimeOffset,
    Guid
);

/// Binds `value` as a parameter of family `K`. The macro wraps each `$name`
/// in this call, spanned on the user's token, so a type mismatch is reported
/// there.
#[doc(hidden)]
#[inline]
pub fn bind<'a, K, T: Encode<K> + ?Sized>(value: &'a T, _kind: K) -> Param<'a> {
    value.encode()
}

/// The argument array of a `query!`: one call with an array literal is
/// cheaper for rustc to check than `vec![..]` at every call site.
#[doc(hidden)]
#[inline]
pub fn args<'a, const N: usize>(values: [Param<'a>; N]) -> Vec<Param<'a>> {
    Vec::from(values)
}

/// Binds an owned copy of `value` (for `$(expr)` arguments, whose temporary
/// does not outlive the statement it is written in).
#[doc(hidden)]
pub fn bind_owned<K, T: Encode<K> + ?Sized>(value: &T, _kind: K) -> Param<'static> {
    into_static(value.encode())
}

fn into_static(p: Param<'_>) -> Param<'static> {
    Param(match p.0 {
        ColumnData::U8(v) => ColumnData::U8(v),
        ColumnData::I16(v) => ColumnData::I16(v),
        ColumnData::I32(v) => ColumnData::I32(v),
        ColumnData::I64(v) => ColumnData::I64(v),
        ColumnData::F32(v) => ColumnData::F32(v),
        ColumnData::F64(v) => ColumnData::F64(v),
        ColumnData::Bit(v) => ColumnData::Bit(v),
        ColumnData::String(v) => ColumnData::String(v.map(|s| Cow::Owned(s.into_owned()))),
        ColumnData::Guid(v) => ColumnData::Guid(v),
        ColumnData::Binary(v) => ColumnData::Binary(v.map(|b| Cow::Owned(b.into_owned()))),
        ColumnData::Numeric(v) => ColumnData::Numeric(v),
        ColumnData::Xml(v) => ColumnData::Xml(v.map(|x| Cow::Owned(x.into_owned()))),
        ColumnData::DateTime(v) => ColumnData::DateTime(v),
        ColumnData::SmallDateTime(v) => ColumnData::SmallDateTime(v),
        ColumnData::Time(v) => ColumnData::Time(v),
        ColumnData::Date(v) => ColumnData::Date(v),
        ColumnData::DateTime2(v) => ColumnData::DateTime2(v),
        ColumnData::DateTimeOffset(v) => ColumnData::DateTimeOffset(v),
    })
}

/// Rust types that can be elements of an `in $list` parameter of SQL type
/// family `K`. The list is sent as one JSON array (`nvarchar(max)`) and
/// unpacked by `OPENJSON(..) WITH ([value] <column type> '$')`, so every list
/// length shares one statement and one plan.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an element of an `in $list` compared with SQL type `{K}`",
    label = "the list's element type does not match the column",
    note = "pass a slice, array or Vec of the column's Rust type (int ⇄ i32, bigint ⇄ i64, nvarchar ⇄ String/&str, ...)"
)]
pub trait ListElement<K> {
    /// Appends this value as a JSON array element.
    fn write_json(&self, out: &mut String);
}

fn json_string(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

macro_rules! list_number {
    ($($k:ident: $t:ty),*) => {$(
        impl ListElement<kind::$k> for $t {
            fn write_json(&self, out: &mut String) {
                out.push_str(&self.to_string());
            }
        }
    )*};
}
list_number!(TinyInt: u8, SmallInt: i16, Int: i32, BigInt: i64);

macro_rules! list_float {
    ($($k:ident: $t:ty),*) => {$(
        impl ListElement<kind::$k> for $t {
            fn write_json(&self, out: &mut String) {
                if self.is_finite() {
                    out.push_str(&self.to_string());
                } else {
                    out.push_str("null");
                }
            }
        }
    )*};
}
list_float!(Real: f32, Float: f64);

macro_rules! list_display_string {
    ($($k:ident: $t:ty),*) => {$(
        impl ListElement<kind::$k> for $t {
            fn write_json(&self, out: &mut String) {
                json_string(&self.to_string(), out);
            }
        }
    )*};
}
list_display_string!(Decimal: rust_decimal::Decimal, Guid: uuid::Uuid);

impl ListElement<kind::Bit> for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}
impl ListElement<kind::Text> for str {
    fn write_json(&self, out: &mut String) {
        json_string(self, out);
    }
}
impl ListElement<kind::Text> for String {
    fn write_json(&self, out: &mut String) {
        json_string(self, out);
    }
}
impl ListElement<kind::Date> for chrono::NaiveDate {
    fn write_json(&self, out: &mut String) {
        json_string(&self.format("%Y-%m-%d").to_string(), out);
    }
}
impl ListElement<kind::Time> for chrono::NaiveTime {
    fn write_json(&self, out: &mut String) {
        json_string(&self.format("%H:%M:%S%.f").to_string(), out);
    }
}
impl ListElement<kind::DateTime> for chrono::NaiveDateTime {
    fn write_json(&self, out: &mut String) {
        json_string(&self.format("%Y-%m-%dT%H:%M:%S%.f").to_string(), out);
    }
}
impl ListElement<kind::DateTimeOffset> for chrono::DateTime<chrono::FixedOffset> {
    fn write_json(&self, out: &mut String) {
        json_string(&self.to_rfc3339(), out);
    }
}
impl<K, T: ListElement<K> + ?Sized> ListElement<K> for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

/// Binds a list for `in $list` as the JSON array text `OPENJSON` reads.
#[doc(hidden)]
pub fn bind_list<K, T: ListElement<K>, L: AsRef<[T]> + ?Sized>(
    values: &L,
    _kind: K,
) -> Param<'static> {
    let values = values.as_ref();
    let mut out = String::with_capacity(2 + values.len() * 8);
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        v.write_json(&mut out);
    }
    out.push(']');
    Param(ColumnData::String(Some(Cow::Owned(out))))
}

#[cfg(test)]
mod list_tests {
    use super::*;

    fn text(p: Param<'_>) -> String {
        match p.into_column_data() {
            ColumnData::String(Some(s)) => s.into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn lists_are_json_arrays() {
        assert_eq!(text(bind_list(&vec![1i32, 2, 3], kind::Int)), "[1,2,3]");
        assert_eq!(text(bind_list(&[0i32; 0], kind::Int)), "[]");
        let names = ["a\"b", "c\\d\n"];
        assert_eq!(text(bind_list(&names, kind::Text)), r#"["a\"b","c\\d\n"]"#);
        let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
        assert_eq!(text(bind_list(&[d], kind::Date)), r#"["2025-01-02"]"#);
    }

    #[test]
    fn owned_binds_outlive_their_source() {
        let p = {
            let s = String::from("temporary");
            bind_owned(&s, kind::Text)
        };
        assert_eq!(text(p), "temporary");
    }
}
