//! The schema model: what Quarry knows about a database (schemas, tables,
//! views, columns, keys, foreign keys, indexes, alias types). Built by the DDL
//! importer, the catalog reader or the snapshot loader; read by the compiler.

use std::collections::HashMap;
use std::fmt;

/// The default schema that unqualified names resolve to, as in SQL Server.
pub const DEFAULT_SCHEMA: &str = "dbo";

/// A two-part name `schema.name`, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    /// The schema, e.g. `dbo`.
    pub schema: String,
    /// The object's name within its schema.
    pub name: String,
}

impl QualifiedName {
    /// Builds a name from its two parts.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// The case-folded key used for lookups (SQL Server's default collation is
    /// case-insensitive).
    pub fn key(&self) -> (String, String) {
        (fold(&self.schema), fold(&self.name))
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Case-folds an identifier for comparison.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// True when two identifiers are equal case-insensitively (as [`fold`]
/// compares them), without allocating when both are ASCII.
pub fn names_eq(a: &str, b: &str) -> bool {
    // ASCII-insensitive equality implies equal folds; for two ASCII names
    // it is the whole answer.
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    fold(a) == fold(b)
}

/// The length of a character or binary type: a number of units, or `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Length {
    /// `(n)`: at most `n` characters (or bytes for `varchar`/`binary`).
    Fixed(u16),
    /// `(max)`.
    Max,
}

impl fmt::Display for Length {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Length::Fixed(n) => write!(f, "{n}"),
            Length::Max => f.write_str("max"),
        }
    }
}

/// A SQL Server system type with its facets. Alias types are resolved to one
/// of these before they reach the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `bit`
    Bit,
    /// `tinyint` (0..=255)
    TinyInt,
    /// `smallint`
    SmallInt,
    /// `int`
    Int,
    /// `bigint`
    BigInt,
    /// `decimal(p, s)`; `numeric` is stored as this too.
    Decimal {
        /// Total digits, 1..=38.
        precision: u8,
        /// Digits after the point.
        scale: u8,
    },
    /// `money`
    Money,
    /// `smallmoney`
    SmallMoney,
    /// `real` (`float(24)`)
    Real,
    /// `float` (`float(53)`)
    Float,
    /// `char(n)`
    Char(Length),
    /// `varchar(n|max)`
    VarChar(Length),
    /// `nchar(n)`
    NChar(Length),
    /// `nvarchar(n|max)`
    NVarChar(Length),
    /// `text` (deprecated)
    Text,
    /// `ntext` (deprecated)
    NText,
    /// `binary(n)`
    Binary(Length),
    /// `varbinary(n|max)`
    VarBinary(Length),
    /// `image` (deprecated)
    Image,
    /// `date`
    Date,
    /// `time(s)`
    Time {
        /// Fractional-second digits, 0..=7.
        scale: u8,
    },
    /// `datetime`
    DateTime,
    /// `smalldatetime`
    SmallDateTime,
    /// `datetime2(s)`
    DateTime2 {
        /// Fractional-second digits, 0..=7.
        scale: u8,
    },
    /// `datetimeoffset(s)`
    DateTimeOffset {
        /// Fractional-second digits, 0..=7.
        scale: u8,
    },
    /// `uniqueidentifier`
    UniqueIdentifier,
    /// `rowversion` (also spelled `timestamp`)
    RowVersion,
    /// `xml`
    Xml,
    /// `sql_variant`
    SqlVariant,
    /// `hierarchyid`, `geography`, `geometry` and other CLR types, by name.
    Clr(ClrType),
}

/// The CLR system types Quarry knows by name but does not decode natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClrType {
    /// `hierarchyid`
    HierarchyId,
    /// `geography`
    Geography,
    /// `geometry`
    Geometry,
}

impl SqlType {
    /// True for the character types (`char`, `varchar`, `nchar`, `nvarchar`,
    /// `text`, `ntext`).
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            SqlType::Char(_)
                | SqlType::VarChar(_)
                | SqlType::NChar(_)
                | SqlType::NVarChar(_)
                | SqlType::Text
                | SqlType::NText
        )
    }

    /// True for the exact and approximate numeric types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            SqlType::Bit
                | SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Int
                | SqlType::BigInt
                | SqlType::Decimal { .. }
                | SqlType::Money
                | SqlType::SmallMoney
                | SqlType::Real
                | SqlType::Float
        )
    }

    /// True for the date and time types.
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            SqlType::Date
                | SqlType::Time { .. }
                | SqlType::DateTime
                | SqlType::SmallDateTime
                | SqlType::DateTime2 { .. }
                | SqlType::DateTimeOffset { .. }
        )
    }
}

impl fmt::Display for SqlType {
    /// Writes the type as T-SQL spells it in a declaration, e.g. `varchar(20)`,
    /// `decimal(18,2)`, `datetime2(7)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Bit => f.write_str("bit"),
            SqlType::TinyInt => f.write_str("tinyint"),
            SqlType::SmallInt => f.write_str("smallint"),
            SqlType::Int => f.write_str("int"),
            SqlType::BigInt => f.write_str("bigint"),
            SqlType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            SqlType::Money => f.write_str("money"),
            SqlType::SmallMoney => f.write_str("smallmoney"),
            SqlType::Real => f.write_str("real"),
            SqlType::Float => f.write_str("float"),
            SqlType::Char(n) => write!(f, "char({n})"),
            SqlType::VarChar(n) => write!(f, "varchar({n})"),
            SqlType::NChar(n) => write!(f, "nchar({n})"),
            SqlType::NVarChar(n) => write!(f, "nvarchar({n})"),
            SqlType::Text => f.write_str("text"),
            SqlType::NText => f.write_str("ntext"),
            SqlType::Binary(n) => write!(f, "binary({n})"),
            SqlType::VarBinary(n) => write!(f, "varbinary({n})"),
            SqlType::Image => f.write_str("image"),
            SqlType::Date => f.write_str("date"),
            SqlType::Time { scale } => write!(f, "time({scale})"),
            SqlType::DateTime => f.write_str("datetime"),
            SqlType::SmallDateTime => f.write_str("smalldatetime"),
            SqlType::DateTime2 { scale } => write!(f, "datetime2({scale})"),
            SqlType::DateTimeOffset { scale } => write!(f, "datetimeoffset({scale})"),
            SqlType::UniqueIdentifier => f.write_str("uniqueidentifier"),
            SqlType::RowVersion => f.write_str("rowversion"),
            SqlType::Xml => f.write_str("xml"),
            SqlType::SqlVariant => f.write_str("sql_variant"),
            SqlType::Clr(ClrType::HierarchyId) => f.write_str("hierarchyid"),
            SqlType::Clr(ClrType::Geography) => f.write_str("geography"),
            SqlType::Clr(ClrType::Geometry) => f.write_str("geometry"),
        }
    }
}

/// `IDENTITY(seed, increment)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The first value.
    pub seed: i64,
    /// The step between values.
    pub increment: i64,
}

/// A column default, with the constraint's name when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Default {
    /// The constraint name (`DF_users_created_at`), if named.
    pub name: Option<String>,
    /// The default expression as written, e.g. `(sysutcdatetime())`.
    pub expr: String,
}

/// A computed column's definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Computed {
    /// The expression as written, e.g. `([qty]*[price])`.
    pub expr: String,
    /// `PERSISTED`.
    pub persisted: bool,
}

/// A column of a table or view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    /// The column name as declared.
    pub name: String,
    /// The system type (alias types already resolved).
    pub ty: SqlType,
    /// The alias type the column was declared with, if any (`dbo.Name`).
    pub alias_type: Option<QualifiedName>,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// `IDENTITY(seed, increment)`.
    pub identity: Option<Identity>,
    /// Computed column definition; computed columns cannot be written.
    pub computed: Option<Computed>,
    /// Default constraint.
    pub default: Option<Default>,
    /// Explicit collation, when it differs from the database default.
    pub collation: Option<String>,
    /// `ROWGUIDCOL`.
    pub rowguidcol: bool,
    /// `GENERATED ALWAYS AS ROW START|END`: a period column of a
    /// system-versioned (temporal) table, written by the server.
    pub generated_always: Option<GeneratedAlways>,
}

/// Which end of a temporal table's `SYSTEM_TIME` period a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeneratedAlways {
    /// `GENERATED ALWAYS AS ROW START`
    RowStart,
    /// `GENERATED ALWAYS AS ROW END`
    RowEnd,
}

impl Column {
    /// A plain column of `ty`, NOT NULL unless `nullable`, with no other facets.
    pub fn new(name: impl Into<String>, ty: SqlType, nullable: bool) -> Self {
        Column {
            name: name.into(),
            ty,
            alias_type: None,
            nullable,
            identity: None,
            computed: None,
            default: None,
            collation: None,
            rowguidcol: false,
            generated_always: None,
        }
    }

    /// True when an INSERT or UPDATE may not name this column: identity,
    /// computed, rowversion and temporal period columns are generated by the
    /// server.
    pub fn is_generated(&self) -> bool {
        self.identity.is_some()
            || self.computed.is_some()
            || self.generated_always.is_some()
            || self.ty == SqlType::RowVersion
    }

    /// True when an INSERT must give this column a value: NOT NULL, no
    /// default and not generated by the server.
    pub fn is_required_on_insert(&self) -> bool {
        !self.nullable && self.default.is_none() && !self.is_generated()
    }
}

/// A primary key or unique constraint (or unique index used as a key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The constraint name; may be system-generated.
    pub name: Option<String>,
    /// Key columns in key order.
    pub columns: Vec<String>,
    /// `CLUSTERED` (true) or `NONCLUSTERED`.
    pub clustered: bool,
}

/// The referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, std::default::Default)]
pub enum RefAction {
    /// `NO ACTION` (the default).
    #[default]
    NoAction,
    /// `CASCADE`
    Cascade,
    /// `SET NULL`
    SetNull,
    /// `SET DEFAULT`
    SetDefault,
}

/// A foreign key, stored on the referencing table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKey {
    /// The constraint name, e.g. `FK_orders_users`.
    pub name: String,
    /// Referencing columns on this table, in order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: QualifiedName,
    /// Referenced columns, paired with `columns` by position.
    pub referenced_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: RefAction,
    /// `ON UPDATE`.
    pub on_update: RefAction,
}

/// An index (not counting the primary key's).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Key columns, with `true` for descending.
    pub columns: Vec<(String, bool)>,
    /// `INCLUDE (...)` columns.
    pub include: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `CLUSTERED`.
    pub clustered: bool,
    /// `WHERE` filter of a filtered index, as written.
    pub filter: Option<String>,
}

/// Whether an object is a base table or a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// A base table.
    Table,
    /// A view: readable, not writable through Quarry.
    View,
}

/// A table or view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    /// Schema and name.
    pub name: QualifiedName,
    /// Table or view.
    pub kind: TableKind,
    /// Columns in declaration order (the order of `SELECT *`).
    pub columns: Vec<Column>,
    /// Primary key.
    pub primary_key: Option<Key>,
    /// Unique constraints.
    pub unique_keys: Vec<Key>,
    /// Foreign keys from this table to others.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes.
    pub indexes: Vec<Index>,
    /// True when the table has triggers: `OUTPUT` then needs `INTO` a table
    /// variable.
    pub has_triggers: bool,
}

impl Table {
    /// An empty base table named `schema.name`.
    pub fn new(name: QualifiedName) -> Self {
        Table {
            name,
            kind: TableKind::Table,
            columns: Vec::new(),
            primary_key: None,
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            has_triggers: false,
        }
    }

    /// Finds a column by name, case-insensitively.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| names_eq(&c.name, name))
    }

    /// True when `columns` (in any order) are exactly the primary key or a
    /// unique key or unique index of this table.
    pub fn is_unique_key(&self, columns: &[&str]) -> bool {
        let same = |key: &[String]| {
            key.len() == columns.len()
                && key
                    .iter()
                    .all(|k| columns.iter().any(|c| c.eq_ignore_ascii_case(k)))
        };
        self.primary_key
            .iter()
            .chain(&self.unique_keys)
            .any(|k| same(&k.columns))
            || self.indexes.iter().any(|i| {
                i.unique
                    && i.filter.is_none()
                    && same(&i.columns.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>())
            })
    }
}

/// A user-defined alias type, `CREATE TYPE dbo.Name FROM nvarchar(50) NOT NULL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliasType {
    /// Schema and name.
    pub name: QualifiedName,
    /// The base system type.
    pub base: SqlType,
    /// Whether the type allows NULL by default.
    pub nullable: bool,
}

/// A foreign key seen from a pair of tables: which table holds it.
#[derive(Debug, Clone, Copy)]
pub struct FkRef<'a> {
    /// The table that declares the foreign key (the "many" side).
    pub from: &'a Table,
    /// The referenced table (the "one" side).
    pub to: &'a Table,
    /// The key itself.
    pub fk: &'a ForeignKey,
}

/// A whole database schema: the content of one snapshot file.
#[derive(Debug, Clone, std::default::Default)]
pub struct Schema {
    /// Schema names (`dbo`, `staging`, ...), sorted.
    pub schemas: Vec<String>,
    /// Alias types, sorted by name.
    pub types: Vec<AliasType>,
    /// Tables and views, sorted by name.
    tables: Vec<Table>,
    by_name: HashMap<(String, String), usize>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.schemas == other.schemas && self.types == other.types && self.tables == other.tables
    }
}
impl Eq for Schema {}

/// Two objects in one schema with the same (case-folded) name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duplicate table or view `{0}`")]
pub struct DuplicateTable(pub QualifiedName);

impl Schema {
    /// Builds a schema from its parts, sorting everything into the canonical
    /// order so that equal databases give equal values (and equal files).
    pub fn new(
        mut schemas: Vec<String>,
        mut types: Vec<AliasType>,
        mut tables: Vec<Table>,
    ) -> Result<Self, DuplicateTable> {
        for t in &tables {
            if !schemas.iter().any(|s| fold(s) == fold(&t.name.schema)) {
                schemas.push(t.name.schema.clone());
            }
        }
        schemas.sort_by_key(|s| fold(s));
        schemas.dedup_by(|a, b| fold(a) == fold(b));
        // Cached keys: each key is folded once, not once per comparison.
        types.sort_by_cached_key(|t| t.name.key());
        tables.sort_by_cached_key(|t| t.name.key());
        for t in &mut tables {
            t.unique_keys
                .sort_by(|a, b| a.name.cmp(&b.name).then(a.columns.cmp(&b.columns)));
            t.foreign_keys.sort_by_cached_key(|k| fold(&k.name));
            t.indexes.sort_by_cached_key(|k| fold(&k.name));
        }
        let mut by_name = HashMap::with_capacity(tables.len());
        for (i, t) in tables.iter().enumerate() {
            if by_name.insert(t.name.key(), i).is_some() {
                return Err(DuplicateTable(t.name.clone()));
            }
        }
        Ok(Schema {
            schemas,
            types,
            tables,
            by_name,
        })
    }

    /// All tables and views in canonical order.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Finds a table or view; `schema` defaults to `dbo`. Case-insensitive.
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&Table> {
        let key = (fold(schema.unwrap_or(DEFAULT_SCHEMA)), fold(name));
        self.by_name.get(&key).map(|&i| &self.tables[i])
    }

    /// Finds a table by its qualified name.
    pub fn table_by_name(&self, name: &QualifiedName) -> Option<&Table> {
        self.table(Some(&name.schema), &name.name)
    }

    /// Finds an alias type by name.
    pub fn alias_type(&self, name: &QualifiedName) -> Option<&AliasType> {
        let key = name.key();
        self.types.iter().find(|t| t.name.key() == key)
    }

    /// Every foreign key between `a` and `b`, in either direction (both
    /// directions when `a` and `b` are the same table, a self reference).
    pub fn foreign_keys_between<'s>(&'s self, a: &'s Table, b: &'s Table) -> Vec<FkRef<'s>> {
        let mut out = Vec::new();
        for (from, to) in [(a, b), (b, a)] {
            for fk in &from.foreign_keys {
                if fk.references.key() == to.name.key() {
                    out.push(FkRef { from, to, fk });
                }
            }
            if std::ptr::eq(a, b) {
                break;
            }
        }
        out
    }

    /// Counts (tables, views, columns, foreign keys), for summaries.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for t in &self.tables {
            match t.kind {
                TableKind::Table => c.tables += 1,
                TableKind::View => c.views += 1,
            }
            c.columns += t.columns.len();
            c.foreign_keys += t.foreign_keys.len();
        }
        c
    }
}

/// Object counts of a schema, for one-line summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, std::default::Default)]
pub struct Counts {
    /// Base tables.
    pub tables: usize,
    /// Views.
    pub views: usize,
    /// Columns of tables and views.
    pub columns: usize,
    /// Foreign keys.
    pub foreign_keys: usize,
}

/// One argument of a type declaration, as in `nvarchar(50)` or
/// `varbinary(max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeArg {
    /// A number.
    Number(u64),
    /// The word `max`.
    Max,
}

/// Why a type name with its arguments is not a system type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeNameError {
    /// Not the name of a system type (it may be an alias type).
    Unknown,
    /// A system type with arguments it does not take, e.g. `int(4)` or
    /// `decimal(40,2)`; the message says what is allowed.
    Invalid(String),
}

impl SqlType {
    /// Resolves a system type name (case-insensitive) and its arguments as a
    /// declaration writes them, with SQL Server's defaults for omitted
    /// facets: `decimal` is `decimal(18,0)`, `varchar` is `varchar(1)`,
    /// `datetime2` is `datetime2(7)`, `float(24)` is `real`, `numeric` is
    /// `decimal` and `timestamp` is `rowversion`.
    pub fn from_parts(name: &str, args: &[TypeArg]) -> Result<SqlType, TypeNameError> {
        // No system type name is longer than 16 bytes; lower-case on the
        // stack, since this runs for every column of every snapshot load.
        let mut buf = [0u8; 16];
        if name.len() > buf.len() {
            return Err(TypeNameError::Unknown);
        }
        for (d, c) in buf.iter_mut().zip(name.bytes()) {
            *d = c.to_ascii_lowercase();
        }
        let lower = std::str::from_utf8(&buf[..name.len()]).map_err(|_| TypeNameError::Unknown)?;
        let invalid = |msg: &str| Err(TypeNameError::Invalid(format!("`{lower}` {msg}")));
        let plain = |ty: SqlType| {
            if args.is_empty() {
                Ok(ty)
            } else {
                Err(TypeNameError::Invalid(format!(
                    "`{lower}` takes no arguments"
                )))
            }
        };
        let length = |max_fixed: u64, allows_max: bool| -> Result<Length, TypeNameError> {
            match args {
                [] => Ok(Length::Fixed(1)),
                [TypeArg::Number(n)] if (1..=max_fixed).contains(n) => Ok(Length::Fixed(*n as u16)),
                [TypeArg::Max] if allows_max => Ok(Length::Max),
                _ => Err(TypeNameError::Invalid(format!(
                    "`{lower}` takes a length from 1 to {max_fixed}{}",
                    if allows_max { " or `max`" } else { "" }
                ))),
            }
        };
        let scale = || -> Result<u8, TypeNameError> {
            match args {
                [] => Ok(7),
                [TypeArg::Number(n)] if *n <= 7 => Ok(*n as u8),
                _ => Err(TypeNameError::Invalid(format!(
                    "`{lower}` takes a fractional-seconds scale from 0 to 7"
                ))),
            }
        };
        match lower {
            "bit" => plain(SqlType::Bit),
            "tinyint" => plain(SqlType::TinyInt),
            "smallint" => plain(SqlType::SmallInt),
            "int" | "integer" => plain(SqlType::Int),
            "bigint" => plain(SqlType::BigInt),
            "money" => plain(SqlType::Money),
            "smallmoney" => plain(SqlType::SmallMoney),
            "real" => plain(SqlType::Real),
            "text" => plain(SqlType::Text),
            "ntext" => plain(SqlType::NText),
            "image" => plain(SqlType::Image),
            "date" => plain(SqlType::Date),
            "datetime" => plain(SqlType::DateTime),
            "smalldatetime" => plain(SqlType::SmallDateTime),
            "uniqueidentifier" => plain(SqlType::UniqueIdentifier),
            "rowversion" | "timestamp" => plain(SqlType::RowVersion),
            "xml" => plain(SqlType::Xml),
            "sql_variant" => plain(SqlType::SqlVariant),
            "hierarchyid" => plain(SqlType::Clr(ClrType::HierarchyId)),
            "geography" => plain(SqlType::Clr(ClrType::Geography)),
            "geometry" => plain(SqlType::Clr(ClrType::Geometry)),
            "decimal" | "numeric" | "dec" => {
                let (precision, scale) = match args {
                    [] => (18, 0),
                    [TypeArg::Number(p)] => (*p, 0),
                    [TypeArg::Number(p), TypeArg::Number(s)] => (*p, *s),
                    _ => return invalid("takes (precision[, scale])"),
                };
                if !(1..=38).contains(&precision) || scale > precision {
                    return invalid(
                        "needs a precision from 1 to 38 and a scale from 0 to the precision",
                    );
                }
                Ok(SqlType::Decimal {
                    precision: precision as u8,
                    scale: scale as u8,
                })
            }
            "float" => match args {
                [] => Ok(SqlType::Float),
                [TypeArg::Number(n)] if (1..=24).contains(n) => Ok(SqlType::Real),
                [TypeArg::Number(n)] if (25..=53).contains(n) => Ok(SqlType::Float),
                _ => invalid("takes a mantissa size from 1 to 53"),
            },
            "char" | "character" => length(8000, false).map(SqlType::Char),
            "varchar" => length(8000, true).map(SqlType::VarChar),
            "nchar" => length(4000, false).map(SqlType::NChar),
            "nvarchar" => length(4000, true).map(SqlType::NVarChar),
            "binary" => length(8000, false).map(SqlType::Binary),
            "varbinary" => length(8000, true).map(SqlType::VarBinary),
            "time" => scale().map(|scale| SqlType::Time { scale }),
            "datetime2" => scale().map(|scale| SqlType::DateTime2 { scale }),
            "datetimeoffset" => scale().map(|scale| SqlType::DateTimeOffset { scale }),
            _ => Err(TypeNameError::Unknown),
        }
    }
}
