//! Binding Rust values as statement parameters. Each SQL type family has a
//! marker in [`kind`]; [`Encode<K>`] says which Rust types may be bound to a
//! parameter of that family, so a wrong type is a compile error at the
//! `$name` the user wrote.

use std::borrow::Cow;

use tiberius::ColumnData;

/// Marker types for the SQL type families a parameter or column can have.
/// The compiler picks the marker from the snapshot; the Rust type is checked
/// against it by [`Encode`](super::Encode) and [`Decode`](crate::Decode).
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
