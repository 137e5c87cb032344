//! Reading a live database's `sys.*` catalog into the schema model: the
//! reflection queries as T-SQL text (run by `cargo xtask schema refresh --url`;
//! this crate knows no database client), one plain row struct per query, and
//! the pure mapping [`build_schema`] from those rows to a [`Schema`].

use std::collections::{BTreeMap, HashSet};

use crate::model::{
    AliasType, ClrType, Column, Computed, DEFAULT_SCHEMA, Default, DuplicateTable, ForeignKey,
    GeneratedAlways, Identity, Index, Key, Length, QualifiedName, RefAction, Schema, SqlType,
    Table, TableKind, fold,
};

/// The current database's name and default collation.
///
/// Columns: `database_name sysname`, `collation_name sysname NULL`. One row.
pub const DATABASE: &str = "\
SELECT
    d.name AS database_name,
    d.collation_name
FROM sys.databases AS d
WHERE d.database_id = DB_ID()";

/// The user schemas: every schema except `sys`, `INFORMATION_SCHEMA`, `guest`
/// and those of the fixed database roles (`db_owner` … `db_denydatawriter`,
/// ids 16384 to 16393).
///
/// Columns: `schema_name sysname`.
pub const SCHEMAS: &str = "\
SELECT
    s.name AS schema_name
FROM sys.schemas AS s
WHERE s.name NOT IN (N'sys', N'INFORMATION_SCHEMA', N'guest')
    AND s.schema_id NOT BETWEEN 16384 AND 16393
ORDER BY s.name";

/// User-defined alias types (`CREATE TYPE dbo.Name FROM nvarchar(50)`), with
/// the system type they are based on. Table types and CLR types are left out.
///
/// Columns: `schema_name sysname`, `type_name sysname`, `base_type_name
/// sysname`, `max_length smallint` (bytes, `-1` for `max`), `precision
/// tinyint`, `scale tinyint`, `is_nullable bit`.
pub const ALIAS_TYPES: &str = "\
SELECT
    s.name AS schema_name,
    t.name AS type_name,
    bt.name AS base_type_name,
    t.max_length,
    t.precision,
    t.scale,
    t.is_nullable
FROM sys.types AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.types AS bt ON bt.user_type_id = t.system_type_id
WHERE t.is_user_defined = 1
    AND t.is_table_type = 0
    AND t.is_assembly_type = 0
ORDER BY s.name, t.name";

/// User tables and views. Left out: objects shipped by Microsoft, the
/// database diagram table that SSMS creates (`dbo.sysdiagrams`, marked with
/// the `microsoft_database_tools_support` extended property) and the history
/// tables of system-versioned temporal tables (`temporal_type` 1), which the
/// server creates from `SYSTEM_VERSIONING = ON (HISTORY_TABLE = ..)` and
/// which a DDL import therefore never sees; their rows are read through the
/// current table with `FOR SYSTEM_TIME`.
///
/// Columns: `schema_name sysname`, `object_name sysname`, `object_type
/// varchar(1)` (`U` for a table, `V` for a view).
pub const OBJECTS: &str = "\
SELECT
    s.name AS schema_name,
    t.name AS object_name,
    'U' AS object_type
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0
    AND t.temporal_type <> 1
    AND NOT EXISTS (
        SELECT 1
        FROM sys.extended_properties AS ep
        WHERE ep.class = 1
            AND ep.major_id = t.object_id
            AND ep.minor_id = 0
            AND ep.name = N'microsoft_database_tools_support'
    )
UNION ALL
SELECT
    s.name AS schema_name,
    v.name AS object_name,
    'V' AS object_type
FROM sys.views AS v
JOIN sys.schemas AS s ON s.schema_id = v.schema_id
WHERE v.is_ms_shipped = 0
ORDER BY schema_name, object_name";

/// Every column of every user table and view, with its type and facets.
///
/// `type_name` is the system type: the base type of an alias type (`sysname`
/// gives `nvarchar`), or the type's own name for the CLR system types
/// (`hierarchyid`, `geometry`, `geography`, which share `system_type_id` 240).
/// `user_type_schema`/`user_type_name` name the alias type, NULL otherwise.
///
/// Columns: `schema_name sysname`, `object_name sysname`, `column_id int`,
/// `column_name sysname`, `type_name sysname`, `max_length smallint` (bytes,
/// `-1` for `max`), `precision tinyint`, `scale tinyint`, `is_nullable bit`,
/// `is_identity bit`, `identity_seed bigint NULL`, `identity_increment bigint
/// NULL` (NULL when not an identity, or out of `bigint` range),
/// `computed_definition nvarchar(max) NULL`, `is_persisted bit NULL`,
/// `default_name sysname NULL`, `default_is_system_named bit NULL`,
/// `default_definition nvarchar(max) NULL`, `collation_name sysname NULL`,
/// `is_rowguidcol bit`, `generated_always_type tinyint` (0 none, 1 row start,
/// 2 row end, higher values for ledger and transaction-id columns),
/// `user_type_schema sysname NULL`, `user_type_name sysname NULL`.
pub const COLUMNS: &str = "\
SELECT
    s.name AS schema_name,
    o.name AS object_name,
    c.column_id,
    c.name AS column_name,
    COALESCE(bt.name, ut.name) AS type_name,
    c.max_length,
    c.precision,
    c.scale,
    c.is_nullable,
    c.is_identity,
    TRY_CONVERT(bigint, ic.seed_value) AS identity_seed,
    TRY_CONVERT(bigint, ic.increment_value) AS identity_increment,
    cc.definition AS computed_definition,
    cc.is_persisted,
    dc.name AS default_name,
    dc.is_system_named AS default_is_system_named,
    dc.definition AS default_definition,
    c.collation_name,
    c.is_rowguidcol,
    c.generated_always_type,
    CASE WHEN ut.is_user_defined = 1 THEN us.name END AS user_type_schema,
    CASE WHEN ut.is_user_defined = 1 THEN ut.name END AS user_type_name
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.types AS ut ON ut.user_type_id = c.user_type_id
JOIN sys.schemas AS us ON us.schema_id = ut.schema_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = c.system_type_id
LEFT JOIN sys.identity_columns AS ic
    ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc
    ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
WHERE o.type IN ('U', 'V')
    AND o.is_ms_shipped = 0
ORDER BY s.name, o.name, c.column_id";

/// Primary key and unique constraints, one row per key column.
///
/// Columns: `schema_name sysname`, `table_name sysname`, `constraint_name
/// sysname`, `is_system_named bit`, `constraint_type char(2)` (`PK` or
/// `UQ`), `index_type tinyint` (1 clustered, 2 nonclustered), `key_ordinal
/// tinyint` (1-based), `column_name sysname`.
pub const KEYS: &str = "\
SELECT
    s.name AS schema_name,
    o.name AS table_name,
    kc.name AS constraint_name,
    kc.is_system_named,
    kc.type AS constraint_type,
    i.type AS index_type,
    ic.key_ordinal,
    c.name AS column_name
FROM sys.key_constraints AS kc
JOIN sys.objects AS o ON o.object_id = kc.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.indexes AS i
    ON i.object_id = kc.parent_object_id AND i.index_id = kc.unique_index_id
JOIN sys.index_columns AS ic
    ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c
    ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE o.is_ms_shipped = 0
    AND ic.key_ordinal > 0
ORDER BY s.name, o.name, kc.name, ic.key_ordinal";

/// Rowstore indexes (clustered and nonclustered, on tables and indexed
/// views) other than those behind a primary key or unique constraint, one
/// row per key or included column. Heaps, columnstore, XML, spatial and hash
/// indexes and hypothetical indexes are left out, and so are the partitioning
/// columns the server adds to an index (`key_ordinal` 0, not included).
///
/// Columns: `schema_name sysname`, `object_name sysname`, `index_name
/// sysname`, `is_unique bit`, `index_type tinyint` (1 clustered, 2
/// nonclustered), `filter_definition nvarchar(max) NULL`, `index_column_id
/// int`, `key_ordinal tinyint` (1-based; 0 for an included column),
/// `is_descending_key bit`, `is_included_column bit`, `column_name sysname`.
pub const INDEXES: &str = "\
SELECT
    s.name AS schema_name,
    o.name AS object_name,
    i.name AS index_name,
    i.is_unique,
    i.type AS index_type,
    i.filter_definition,
    ic.index_column_id,
    ic.key_ordinal,
    ic.is_descending_key,
    ic.is_included_column,
    c.name AS column_name
FROM sys.indexes AS i
JOIN sys.objects AS o ON o.object_id = i.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.index_columns AS ic
    ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c
    ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE o.type IN ('U', 'V')
    AND o.is_ms_shipped = 0
    AND i.type IN (1, 2)
    AND i.is_primary_key = 0
    AND i.is_unique_constraint = 0
    AND i.is_hypothetical = 0
    AND (ic.key_ordinal > 0 OR ic.is_included_column = 1)
ORDER BY s.name, o.name, i.name, ic.is_included_column, ic.key_ordinal, ic.index_column_id";

/// Foreign keys, one row per column pair, composite keys in constraint order.
///
/// Columns: `schema_name sysname`, `table_name sysname`, `constraint_name
/// sysname`, `is_system_named bit`, `referenced_schema sysname`,
/// `referenced_table sysname`, `delete_referential_action tinyint`,
/// `update_referential_action tinyint` (0 NO ACTION, 1 CASCADE, 2 SET NULL,
/// 3 SET DEFAULT), `constraint_column_id int` (1-based), `column_name
/// sysname`, `referenced_column_name sysname`.
pub const FOREIGN_KEYS: &str = "\
SELECT
    s.name AS schema_name,
    o.name AS table_name,
    fk.name AS constraint_name,
    fk.is_system_named,
    rs.name AS referenced_schema,
    ro.name AS referenced_table,
    fk.delete_referential_action,
    fk.update_referential_action,
    fkc.constraint_column_id,
    pc.name AS column_name,
    rc.name AS referenced_column_name
FROM sys.foreign_keys AS fk
JOIN sys.objects AS o ON o.object_id = fk.parent_object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.objects AS ro ON ro.object_id = fk.referenced_object_id
JOIN sys.schemas AS rs ON rs.schema_id = ro.schema_id
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
    ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc
    ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE fk.is_ms_shipped = 0
    AND o.is_ms_shipped = 0
ORDER BY s.name, o.name, fk.name, fkc.constraint_column_id";

/// DML triggers on user tables and views (database-level DDL triggers are
/// left out).
///
/// Columns: `schema_name sysname`, `object_name sysname`, `trigger_name
/// sysname`, `is_disabled bit`, `is_instead_of_trigger bit`.
pub const TRIGGERS: &str = "\
SELECT
    s.name AS schema_name,
    o.name AS object_name,
    tr.name AS trigger_name,
    tr.is_disabled,
    tr.is_instead_of_trigger
FROM sys.triggers AS tr
JOIN sys.objects AS o ON o.object_id = tr.parent_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE tr.parent_class = 1
    AND tr.is_ms_shipped = 0
    AND o.is_ms_shipped = 0
ORDER BY s.name, o.name, tr.name";

/// Every reflection query with a short name, in the order a reader runs them.
///
/// Each returns a flat, documented column list; every name column is
/// `sysname`, read as text. They need SQL Server 2016 or later
/// (`sys.columns.generated_always_type`, `sys.tables.temporal_type`) or Azure
/// SQL Database.
pub const QUERIES: [(&str, &str); 9] = [
    ("database", DATABASE),
    ("schemas", SCHEMAS),
    ("alias_types", ALIAS_TYPES),
    ("objects", OBJECTS),
    ("columns", COLUMNS),
    ("keys", KEYS),
    ("indexes", INDEXES),
    ("foreign_keys", FOREIGN_KEYS),
    ("triggers", TRIGGERS),
];

/// A row of [`DATABASE`].
#[derive(Debug, Clone, PartialEq, Eq, std::default::Default)]
pub struct CatalogDatabase {
    /// `database_name`.
    pub name: String,
    /// `collation_name`: the database default collation.
    pub collation: Option<String>,
}

/// A row of [`ALIAS_TYPES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogAliasType {
    /// `schema_name`.
    pub schema: String,
    /// `type_name`.
    pub name: String,
    /// `base_type_name`, e.g. `nvarchar`.
    pub base_type_name: String,
    /// `max_length` in bytes, `-1` for `max`.
    pub max_length: i16,
    /// `precision`.
    pub precision: u8,
    /// `scale`.
    pub scale: u8,
    /// `is_nullable`.
    pub is_nullable: bool,
}

/// A row of [`OBJECTS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogObject {
    /// `schema_name`.
    pub schema: String,
    /// `object_name`.
    pub name: String,
    /// `object_type`: `U` (table) or `V` (view).
    pub object_type: String,
}

/// A row of [`COLUMNS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogColumn {
    /// `schema_name`.
    pub schema: String,
    /// `object_name`: the table or view.
    pub table: String,
    /// `column_name`.
    pub name: String,
    /// `column_id`: the declaration order.
    pub ordinal: i32,
    /// `type_name`: the system type (base type of an alias type).
    pub type_name: String,
    /// `max_length` in bytes, `-1` for `max`.
    pub max_length: i16,
    /// `precision`.
    pub precision: u8,
    /// `scale`.
    pub scale: u8,
    /// `is_nullable`.
    pub is_nullable: bool,
    /// `is_identity`.
    pub is_identity: bool,
    /// `identity_seed`.
    pub seed: Option<i64>,
    /// `identity_increment`.
    pub increment: Option<i64>,
    /// `computed_definition`.
    pub computed_definition: Option<String>,
    /// `is_persisted` (false when not computed).
    pub is_persisted: bool,
    /// `default_name`.
    pub default_name: Option<String>,
    /// `default_is_system_named` (false when there is no default).
    pub default_is_system_named: bool,
    /// `default_definition`, as the server stores it, e.g. `((0))`.
    pub default_definition: Option<String>,
    /// `collation_name` (character columns only).
    pub collation_name: Option<String>,
    /// `is_rowguidcol`.
    pub is_rowguidcol: bool,
    /// `generated_always_type`: 0 none, 1 row start, 2 row end.
    pub generated_always_type: u8,
    /// `user_type_schema`: the alias type's schema.
    pub user_type_schema: Option<String>,
    /// `user_type_name`: the alias type's name.
    pub user_type_name: Option<String>,
}

impl CatalogColumn {
    /// A plain NOT NULL column of `type_name` with the given facets, and no
    /// identity, default, computation or alias type: a starting point for
    /// readers and tests.
    pub fn new(
        table: &QualifiedName,
        name: &str,
        ordinal: i32,
        type_name: &str,
        (max_length, precision, scale): (i16, u8, u8),
    ) -> Self {
        CatalogColumn {
            schema: table.schema.clone(),
            table: table.name.clone(),
            name: name.to_owned(),
            ordinal,
            type_name: type_name.to_owned(),
            max_length,
            precision,
            scale,
            is_nullable: false,
            is_identity: false,
            seed: None,
            increment: None,
            computed_definition: None,
            is_persisted: false,
            default_name: None,
            default_is_system_named: false,
            default_definition: None,
            collation_name: None,
            is_rowguidcol: false,
            generated_always_type: 0,
            user_type_schema: None,
            user_type_name: None,
        }
    }
}

/// A row of [`KEYS`]: one column of a primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogKeyColumn {
    /// `schema_name`.
    pub schema: String,
    /// `table_name`.
    pub table: String,
    /// `constraint_name`.
    pub name: String,
    /// `is_system_named`.
    pub is_system_named: bool,
    /// `constraint_type`: `PK` or `UQ`.
    pub constraint_type: String,
    /// `index_type`: 1 clustered, 2 nonclustered.
    pub index_type: u8,
    /// `key_ordinal`, 1-based.
    pub key_ordinal: u8,
    /// `column_name`.
    pub column: String,
}

/// A row of [`INDEXES`]: one key or included column of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIndexColumn {
    /// `schema_name`.
    pub schema: String,
    /// `object_name`.
    pub table: String,
    /// `index_name`.
    pub name: String,
    /// `is_unique`.
    pub is_unique: bool,
    /// `index_type`: 1 clustered, 2 nonclustered.
    pub index_type: u8,
    /// `filter_definition`, as the server stores it, e.g. `([deleted] IS NULL)`.
    pub filter_definition: Option<String>,
    /// `index_column_id`: declaration order within the index.
    pub index_column_id: i32,
    /// `key_ordinal`, 1-based; 0 for an included column.
    pub key_ordinal: u8,
    /// `is_descending_key`.
    pub is_descending_key: bool,
    /// `is_included_column`.
    pub is_included_column: bool,
    /// `column_name`.
    pub column: String,
}

/// A row of [`FOREIGN_KEYS`]: one column pair of a foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogForeignKeyColumn {
    /// `schema_name`.
    pub schema: String,
    /// `table_name`: the referencing table.
    pub table: String,
    /// `constraint_name`.
    pub name: String,
    /// `is_system_named`.
    pub is_system_named: bool,
    /// `referenced_schema`.
    pub referenced_schema: String,
    /// `referenced_table`.
    pub referenced_table: String,
    /// `delete_referential_action`: 0 NO ACTION, 1 CASCADE, 2 SET NULL, 3 SET DEFAULT.
    pub delete_action: u8,
    /// `update_referential_action`, coded as `delete_action`.
    pub update_action: u8,
    /// `constraint_column_id`, 1-based.
    pub ordinal: i32,
    /// `column_name`.
    pub column: String,
    /// `referenced_column_name`.
    pub referenced_column: String,
}

/// A row of [`TRIGGERS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogTrigger {
    /// `schema_name`.
    pub schema: String,
    /// `object_name`: the table or view the trigger is on.
    pub table: String,
    /// `trigger_name`.
    pub name: String,
    /// `is_disabled`.
    pub is_disabled: bool,
    /// `is_instead_of_trigger`.
    pub is_instead_of: bool,
}

/// Everything the reflection queries returned, one field per query.
#[derive(Debug, Clone, PartialEq, Eq, std::default::Default)]
pub struct Catalog {
    /// The row of [`DATABASE`].
    pub database: CatalogDatabase,
    /// The rows of [`SCHEMAS`].
    pub schemas: Vec<String>,
    /// The rows of [`ALIAS_TYPES`].
    pub alias_types: Vec<CatalogAliasType>,
    /// The rows of [`OBJECTS`].
    pub objects: Vec<CatalogObject>,
    /// The rows of [`COLUMNS`].
    pub columns: Vec<CatalogColumn>,
    /// The rows of [`KEYS`].
    pub keys: Vec<CatalogKeyColumn>,
    /// The rows of [`INDEXES`].
    pub indexes: Vec<CatalogIndexColumn>,
    /// The rows of [`FOREIGN_KEYS`].
    pub foreign_keys: Vec<CatalogForeignKeyColumn>,
    /// The rows of [`TRIGGERS`].
    pub triggers: Vec<CatalogTrigger>,
}

/// Why a catalog type name with its facets is not a type of the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// A type Quarry does not model (a CLR user type, `json`, `vector`, ...).
    #[error("unsupported type `{0}`")]
    Unknown(String),
    /// A character or binary type whose `max_length` is not a valid length.
    #[error("`{type_name}` with max_length {max_length} bytes is not a valid length")]
    Length {
        /// The type name.
        type_name: String,
        /// `max_length` as the catalog gave it.
        max_length: i16,
    },
    /// A `decimal`/`numeric` with an impossible precision or scale.
    #[error("`{type_name}` with precision {precision} and scale {scale} is not valid")]
    Precision {
        /// The type name.
        type_name: String,
        /// `precision` as the catalog gave it.
        precision: u8,
        /// `scale` as the catalog gave it.
        scale: u8,
    },
    /// A `time`/`datetime2`/`datetimeoffset` with a scale above 7.
    #[error("`{type_name}` with fractional-seconds scale {scale} is not valid (0 to 7)")]
    Scale {
        /// The type name.
        type_name: String,
        /// `scale` as the catalog gave it.
        scale: u8,
    },
}

/// Why the catalog rows do not make a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A column's type cannot be mapped.
    #[error("column {table}.{column}: {source}")]
    ColumnType {
        /// The table or view.
        table: QualifiedName,
        /// The column.
        column: String,
        /// What is wrong with the type.
        source: TypeError,
    },
    /// An alias type's base type cannot be mapped.
    #[error("alias type {name}: {source}")]
    AliasType {
        /// The alias type.
        name: QualifiedName,
        /// What is wrong with its base type.
        source: TypeError,
    },
    /// An object type other than `U` and `V`.
    #[error("{object}: object type `{object_type}` is neither a table (U) nor a view (V)")]
    ObjectType {
        /// The object.
        object: QualifiedName,
        /// The type code as read.
        object_type: String,
    },
    /// A table or view without any column row: it was dropped or altered
    /// while the catalog was being read.
    #[error(
        "{0} has no columns in the catalog; it probably changed while the catalog was read, \
         run the command again"
    )]
    NoColumns(QualifiedName),
    /// An identity column whose seed or increment was not read (NULL, or out
    /// of the `bigint` range of a `decimal(38,0)` identity).
    #[error(
        "column {table}.{column}: identity seed or increment is missing or does not fit in bigint"
    )]
    Identity {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
    },
    /// A `generated_always_type` other than none, row start and row end
    /// (ledger and transaction-id columns), which the model cannot hold.
    #[error(
        "column {table}.{column}: GENERATED ALWAYS type {value} (ledger or transaction id column) is not supported"
    )]
    GeneratedAlways {
        /// The table.
        table: QualifiedName,
        /// The column.
        column: String,
        /// `generated_always_type` as read.
        value: u8,
    },
    /// A constraint type other than `PK` and `UQ`.
    #[error("{table}: key constraint {name} has unknown type `{constraint_type}`")]
    KeyType {
        /// The table.
        table: QualifiedName,
        /// The constraint.
        name: String,
        /// The type code as read.
        constraint_type: String,
    },
    /// Two primary keys on one table.
    #[error("{0} has more than one primary key in the catalog")]
    TwoPrimaryKeys(QualifiedName),
    /// A referential action code outside 0..=3.
    #[error("foreign key {name} on {table}: unknown referential action code {code}")]
    RefAction {
        /// The referencing table.
        table: QualifiedName,
        /// The foreign key.
        name: String,
        /// The code as read.
        code: u8,
    },
    /// Two tables or views with the same name.
    #[error(transparent)]
    Duplicate(#[from] DuplicateTable),
}

/// Maps a catalog type name and its facets (as `sys.columns` or `sys.types`
/// store them) to a [`SqlType`].
///
/// `max_length` is in bytes and `-1` means `max`; `nchar`/`nvarchar` (and
/// `sysname`) lengths are therefore halved. `precision`/`scale` matter only
/// for `decimal`/`numeric`, and `scale` for `time`, `datetime2` and
/// `datetimeoffset`. `timestamp` is `rowversion`.
pub fn sql_type(
    type_name: &str,
    max_length: i16,
    precision: u8,
    scale: u8,
) -> Result<SqlType, TypeError> {
    let bad_length = || TypeError::Length {
        type_name: type_name.to_owned(),
        max_length,
    };
    // Byte-counted types: `n` bytes, 1..=8000, or `max` when allowed.
    let bytes = |allows_max: bool| match max_length {
        -1 if allows_max => Ok(Length::Max),
        1..=8000 => Ok(Length::Fixed(max_length as u16)),
        _ => Err(bad_length()),
    };
    // UTF-16 types: two bytes per character, 1..=4000 characters.
    let chars = |allows_max: bool| match max_length {
        -1 if allows_max => Ok(Length::Max),
        2..=8000 if max_length % 2 == 0 => Ok(Length::Fixed(max_length as u16 / 2)),
        _ => Err(bad_length()),
    };
    let time_scale = || {
        if scale <= 7 {
            Ok(scale)
        } else {
            Err(TypeError::Scale {
                type_name: type_name.to_owned(),
                scale,
            })
        }
    };
    Ok(match type_name.to_ascii_lowercase().as_str() {
        "bit" => SqlType::Bit,
        "tinyint" => SqlType::TinyInt,
        "smallint" => SqlType::SmallInt,
        "int" => SqlType::Int,
        "bigint" => SqlType::BigInt,
        "money" => SqlType::Money,
        "smallmoney" => SqlType::SmallMoney,
        "real" => SqlType::Real,
        "float" => SqlType::Float,
        "decimal" | "numeric" => {
            if !(1..=38).contains(&precision) || scale > precision {
                return Err(TypeError::Precision {
                    type_name: type_name.to_owned(),
                    precision,
                    scale,
                });
            }
            SqlType::Decimal { precision, scale }
        }
        "char" => SqlType::Char(bytes(false)?),
        "varchar" => SqlType::VarChar(bytes(true)?),
        "nchar" => SqlType::NChar(chars(false)?),
        "nvarchar" | "sysname" => SqlType::NVarChar(chars(true)?),
        "binary" => SqlType::Binary(bytes(false)?),
        "varbinary" => SqlType::VarBinary(bytes(true)?),
        "text" => SqlType::Text,
        "ntext" => SqlType::NText,
        "image" => SqlType::Image,
        "date" => SqlType::Date,
        "time" => SqlType::Time {
            scale: time_scale()?,
        },
        "datetime" => SqlType::DateTime,
        "smalldatetime" => SqlType::SmallDateTime,
        "datetime2" => SqlType::DateTime2 {
            scale: time_scale()?,
        },
        "datetimeoffset" => SqlType::DateTimeOffset {
            scale: time_scale()?,
        },
        "uniqueidentifier" => SqlType::UniqueIdentifier,
        "timestamp" | "rowversion" => SqlType::RowVersion,
        "xml" => SqlType::Xml,
        "sql_variant" => SqlType::SqlVariant,
        "hierarchyid" => SqlType::Clr(ClrType::HierarchyId),
        "geography" => SqlType::Clr(ClrType::Geography),
        "geometry" => SqlType::Clr(ClrType::Geometry),
        _ => return Err(TypeError::Unknown(type_name.to_owned())),
    })
}

/// Maps a `sys.foreign_keys` referential action code.
fn ref_action(code: u8) -> Option<RefAction> {
    match code {
        0 => Some(RefAction::NoAction),
        1 => Some(RefAction::Cascade),
        2 => Some(RefAction::SetNull),
        3 => Some(RefAction::SetDefault),
        _ => None,
    }
}

/// The case-folded lookup key of `schema.name`.
fn key(schema: &str, name: &str) -> (String, String) {
    (fold(schema), fold(name))
}

/// Rows grouped by (object key, case-folded member name).
type Groups<'a, R> = BTreeMap<((String, String), String), Vec<&'a R>>;

/// Groups the rows of one constraint or index together, in a deterministic
/// order.
fn group<'a, R>(
    rows: &'a [R],
    object: impl Fn(&R) -> (&str, &str),
    member: impl Fn(&R) -> &str,
) -> Groups<'a, R> {
    let mut groups: Groups<'a, R> = BTreeMap::new();
    for row in rows {
        let (schema, table) = object(row);
        groups
            .entry((key(schema, table), fold(member(row))))
            .or_default()
            .push(row);
    }
    groups
}

/// Builds the model from the rows of the reflection queries.
///
/// Pure and order-independent: rows may come in any order. Fails on the
/// first type the model cannot hold, naming the column, and on catalog
/// contents that cannot be consistent (a table without columns, two primary
/// keys).
///
/// The mapping makes a database built from a DDL script read back as the
/// DDL importer's snapshot of that script:
/// - an alias type column gets its base system type in [`Column::ty`] and the
///   alias name in [`Column::alias_type`]; `sysname` is `nvarchar(128)`;
/// - `max_length` is in bytes: `nchar`/`nvarchar` lengths are halved and `-1`
///   is `max` (see [`sql_type`]);
/// - names the server generated for a primary key, unique or default
///   constraint (`PK__users__3213E83F…`) are dropped (`None`), since they
///   differ between two databases built from the same script; a
///   server-named foreign key gets the stable name the DDL importer gives an
///   unnamed one ([`stable_fk_name`]);
/// - `dbo` is listed as a schema only when a table, view or alias type
///   lives in it;
/// - a view column keeps only its type, nullability, alias type and
///   collation;
/// - a column collation is kept only when it differs from the database's;
/// - a table has triggers when it has any DML trigger, enabled or disabled (a
///   disabled one can be enabled without any other schema change).
///
/// Rows that belong to an object [`OBJECTS`] did not return (an object
/// created between two queries, or one that query leaves out) are ignored.
pub fn build_schema(catalog: Catalog) -> Result<Schema, CatalogError> {
    let db_collation = catalog.database.collation.as_deref();

    let mut types = Vec::with_capacity(catalog.alias_types.len());
    for t in &catalog.alias_types {
        let name = QualifiedName::new(&t.schema, &t.name);
        let base =
            sql_type(&t.base_type_name, t.max_length, t.precision, t.scale).map_err(|source| {
                CatalogError::AliasType {
                    name: name.clone(),
                    source,
                }
            })?;
        types.push(AliasType {
            name,
            base,
            nullable: t.is_nullable,
        });
    }

    let mut tables = Vec::with_capacity(catalog.objects.len());
    let mut index_of = BTreeMap::new();
    for o in &catalog.objects {
        let name = QualifiedName::new(&o.schema, &o.name);
        let kind = match o.object_type.trim() {
            "U" => TableKind::Table,
            "V" => TableKind::View,
            other => {
                return Err(CatalogError::ObjectType {
                    object: name,
                    object_type: other.to_owned(),
                });
            }
        };
        if index_of.insert(name.key(), tables.len()).is_some() {
            return Err(DuplicateTable(name).into());
        }
        let mut table = Table::new(name);
        table.kind = kind;
        tables.push(table);
    }

    let mut columns: Vec<&CatalogColumn> = catalog.columns.iter().collect();
    columns.sort_by_key(|c| c.ordinal);
    for c in columns {
        let Some(&i) = index_of.get(&key(&c.schema, &c.table)) else {
            continue;
        };
        let table = &mut tables[i];
        let column = build_column(&table.name, table.kind, c, db_collation)?;
        table.columns.push(column);
    }
    if let Some(empty) = tables.iter().find(|t| t.columns.is_empty()) {
        return Err(CatalogError::NoColumns(empty.name.clone()));
    }

    for rows in group(&catalog.keys, |r| (&r.schema, &r.table), |r| &r.name).into_values() {
        let first = rows[0];
        let Some(&i) = index_of.get(&key(&first.schema, &first.table)) else {
            continue;
        };
        let table = &mut tables[i];
        let mut rows = rows;
        rows.sort_by_key(|r| r.key_ordinal);
        let constraint = Key {
            name: (!first.is_system_named).then(|| first.name.clone()),
            columns: rows.iter().map(|r| r.column.clone()).collect(),
            clustered: first.index_type == 1,
        };
        match first.constraint_type.trim() {
            "PK" if table.primary_key.is_some() => {
                return Err(CatalogError::TwoPrimaryKeys(table.name.clone()));
            }
            "PK" => table.primary_key = Some(constraint),
            "UQ" => table.unique_keys.push(constraint),
            other => {
                return Err(CatalogError::KeyType {
                    table: table.name.clone(),
                    name: first.name.clone(),
                    constraint_type: other.to_owned(),
                });
            }
        }
    }

    for rows in group(&catalog.indexes, |r| (&r.schema, &r.table), |r| &r.name).into_values() {
        let first = rows[0];
        let Some(&i) = index_of.get(&key(&first.schema, &first.table)) else {
            continue;
        };
        let (mut included, mut keyed): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|r| r.is_included_column);
        keyed.sort_by_key(|r| r.key_ordinal);
        included.sort_by_key(|r| r.index_column_id);
        tables[i].indexes.push(Index {
            name: first.name.clone(),
            columns: keyed
                .iter()
                .map(|r| (r.column.clone(), r.is_descending_key))
                .collect(),
            include: included.iter().map(|r| r.column.clone()).collect(),
            unique: first.is_unique,
            clustered: first.index_type == 1,
            filter: first.filter_definition.clone(),
        });
    }

    // Named foreign keys first, so a stable name given to a system-named one
    // steps around them.
    let mut fk_groups: Vec<_> = group(
        &catalog.foreign_keys,
        |r| (&r.schema, &r.table),
        |r| &r.name,
    )
    .into_values()
    .collect();
    fk_groups.sort_by_key(|rows| rows[0].is_system_named);
    for rows in fk_groups {
        let first = rows[0];
        let Some(&i) = index_of.get(&key(&first.schema, &first.table)) else {
            continue;
        };
        let table = &mut tables[i];
        let action = |code| {
            ref_action(code).ok_or_else(|| CatalogError::RefAction {
                table: table.name.clone(),
                name: first.name.clone(),
                code,
            })
        };
        let on_delete = action(first.delete_action)?;
        let on_update = action(first.update_action)?;
        let mut rows = rows;
        rows.sort_by_key(|r| r.ordinal);
        let columns: Vec<String> = rows.iter().map(|r| r.column.clone()).collect();
        let name = if first.is_system_named {
            stable_fk_name(table, &first.referenced_table, &columns)
        } else {
            first.name.clone()
        };
        table.foreign_keys.push(ForeignKey {
            name,
            columns,
            references: QualifiedName::new(&first.referenced_schema, &first.referenced_table),
            referenced_columns: rows.iter().map(|r| r.referenced_column.clone()).collect(),
            on_delete,
            on_update,
        });
    }

    let triggered: HashSet<(String, String)> = catalog
        .triggers
        .iter()
        .map(|t| key(&t.schema, &t.table))
        .collect();
    for table in &mut tables {
        table.has_triggers = triggered.contains(&table.name.key());
    }

    // `dbo` exists in every database and no DDL script creates it: list it
    // only when a table, view or alias type lives in it, as the DDL importer
    // does (Schema::new adds the schema of every table).
    let mut schemas = catalog.schemas;
    let dbo_types = types
        .iter()
        .any(|t| t.name.schema.eq_ignore_ascii_case(DEFAULT_SCHEMA));
    schemas.retain(|s| dbo_types || !s.eq_ignore_ascii_case(DEFAULT_SCHEMA));
    Ok(Schema::new(schemas, types, tables)?)
}

/// The name a system-named foreign key gets: the server's own
/// (`FK__orders__user___5EBF139D`) has a random suffix that differs between
/// two databases built from one script, so it is replaced by the name the
/// DDL importer gives an unnamed foreign key,
/// `FK_<table>_<referenced table>_<columns joined by _>`, with `_2`, `_3`, ...
/// appended when the table already has a foreign key of that name.
pub fn stable_fk_name(table: &Table, referenced_table: &str, columns: &[String]) -> String {
    let base = format!(
        "FK_{}_{}_{}",
        table.name.name,
        referenced_table,
        columns.join("_")
    );
    let taken = |n: &str| table.foreign_keys.iter().any(|f| f.name == n);
    let mut name = base.clone();
    let mut k = 2;
    while taken(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    name
}

/// Maps one [`COLUMNS`] row.
fn build_column(
    table: &QualifiedName,
    kind: TableKind,
    c: &CatalogColumn,
    db_collation: Option<&str>,
) -> Result<Column, CatalogError> {
    let ty = sql_type(&c.type_name, c.max_length, c.precision, c.scale).map_err(|source| {
        CatalogError::ColumnType {
            table: table.clone(),
            column: c.name.clone(),
            source,
        }
    })?;
    // A view column has a type, a nullability, an alias type and a collation
    // (what the DDL importer infers for one); the identity or ROWGUIDCOL flag
    // it inherits from its base column means nothing for a view, which
    // Quarry never writes.
    let is_view = kind == TableKind::View;
    let identity = if c.is_identity && !is_view {
        match (c.seed, c.increment) {
            (Some(seed), Some(increment)) => Some(Identity { seed, increment }),
            _ => {
                return Err(CatalogError::Identity {
                    table: table.clone(),
                    column: c.name.clone(),
                });
            }
        }
    } else {
        None
    };
    let generated_always = match c.generated_always_type {
        _ if is_view => None,
        0 => None,
        1 => Some(GeneratedAlways::RowStart),
        2 => Some(GeneratedAlways::RowEnd),
        value => {
            return Err(CatalogError::GeneratedAlways {
                table: table.clone(),
                column: c.name.clone(),
                value,
            });
        }
    };
    let alias_type = match (&c.user_type_schema, &c.user_type_name) {
        (Some(schema), Some(name)) => Some(QualifiedName::new(schema, name)),
        _ => None,
    };
    let collation = c
        .collation_name
        .as_ref()
        .filter(|own| db_collation.is_none_or(|db| !own.eq_ignore_ascii_case(db)))
        .cloned();
    Ok(Column {
        name: c.name.clone(),
        ty,
        alias_type,
        nullable: c.is_nullable,
        identity,
        computed: c.computed_definition.as_ref().map(|expr| Computed {
            expr: expr.clone(),
            persisted: c.is_persisted,
        }),
        default: c.default_definition.as_ref().map(|expr| Default {
            name: c
                .default_name
                .as_ref()
                .filter(|_| !c.default_is_system_named)
                .cloned(),
            expr: expr.clone(),
        }),
        collation,
        rowguidcol: c.is_rowguidcol && !is_view,
        generated_always,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qn(schema: &str, name: &str) -> QualifiedName {
        QualifiedName::new(schema, name)
    }

    fn object(schema: &str, name: &str, object_type: &str) -> CatalogObject {
        CatalogObject {
            schema: schema.into(),
            name: name.into(),
            object_type: object_type.into(),
        }
    }

    fn col(
        table: &str,
        name: &str,
        ordinal: i32,
        ty: &str,
        facets: (i16, u8, u8),
    ) -> CatalogColumn {
        CatalogColumn::new(&qn("dbo", table), name, ordinal, ty, facets)
    }

    fn key_col(table: &str, name: &str, ty: &str, ordinal: u8, column: &str) -> CatalogKeyColumn {
        CatalogKeyColumn {
            schema: "dbo".into(),
            table: table.into(),
            name: name.into(),
            is_system_named: false,
            constraint_type: ty.into(),
            index_type: if ty == "PK" { 1 } else { 2 },
            key_ordinal: ordinal,
            column: column.into(),
        }
    }

    fn fk_col(
        table: &str,
        name: &str,
        (ref_schema, ref_table): (&str, &str),
        ordinal: i32,
        (column, referenced): (&str, &str),
    ) -> CatalogForeignKeyColumn {
        CatalogForeignKeyColumn {
            schema: "dbo".into(),
            table: table.into(),
            name: name.into(),
            is_system_named: false,
            referenced_schema: ref_schema.into(),
            referenced_table: ref_table.into(),
            delete_action: 0,
            update_action: 0,
            ordinal,
            column: column.into(),
            referenced_column: referenced.into(),
        }
    }

    fn ix_col(
        index: &str,
        id: i32,
        key_ordinal: u8,
        desc: bool,
        column: &str,
    ) -> CatalogIndexColumn {
        CatalogIndexColumn {
            schema: "dbo".into(),
            table: "orders".into(),
            name: index.into(),
            is_unique: false,
            index_type: 2,
            filter_definition: None,
            index_column_id: id,
            key_ordinal,
            is_descending_key: desc,
            is_included_column: key_ordinal == 0,
            column: column.into(),
        }
    }

    fn catalog(objects: Vec<CatalogObject>, columns: Vec<CatalogColumn>) -> Catalog {
        Catalog {
            database: CatalogDatabase {
                name: "app".into(),
                collation: Some("SQL_Latin1_General_CP1_CI_AS".into()),
            },
            schemas: vec!["dbo".into()],
            objects,
            columns,
            ..Catalog::default()
        }
    }

    #[test]
    fn every_system_type_maps_with_its_catalog_facets() {
        // (type_name, max_length, precision, scale) exactly as sys.columns
        // reports them for a column declared with the type in the comment.
        let cases: &[(&str, i16, u8, u8, SqlType)] = &[
            ("bit", 1, 1, 0, SqlType::Bit),
            ("tinyint", 1, 3, 0, SqlType::TinyInt),
            ("smallint", 2, 5, 0, SqlType::SmallInt),
            ("int", 4, 10, 0, SqlType::Int),
            ("bigint", 8, 19, 0, SqlType::BigInt),
            (
                "decimal",
                9,
                18,
                2,
                SqlType::Decimal {
                    precision: 18,
                    scale: 2,
                },
            ),
            (
                "numeric",
                17,
                38,
                38,
                SqlType::Decimal {
                    precision: 38,
                    scale: 38,
                },
            ),
            ("money", 8, 19, 4, SqlType::Money),
            ("smallmoney", 4, 10, 4, SqlType::SmallMoney),
            ("real", 4, 24, 0, SqlType::Real),
            ("float", 8, 53, 0, SqlType::Float),
            ("char", 10, 0, 0, SqlType::Char(Length::Fixed(10))),
            ("varchar", 8000, 0, 0, SqlType::VarChar(Length::Fixed(8000))),
            ("varchar", -1, 0, 0, SqlType::VarChar(Length::Max)),
            ("nchar", 2, 0, 0, SqlType::NChar(Length::Fixed(1))),
            ("nvarchar", 100, 0, 0, SqlType::NVarChar(Length::Fixed(50))),
            (
                "nvarchar",
                8000,
                0,
                0,
                SqlType::NVarChar(Length::Fixed(4000)),
            ),
            ("nvarchar", -1, 0, 0, SqlType::NVarChar(Length::Max)),
            ("sysname", 256, 0, 0, SqlType::NVarChar(Length::Fixed(128))),
            ("text", 16, 0, 0, SqlType::Text),
            ("ntext", 16, 0, 0, SqlType::NText),
            ("binary", 16, 0, 0, SqlType::Binary(Length::Fixed(16))),
            ("varbinary", 1, 0, 0, SqlType::VarBinary(Length::Fixed(1))),
            ("varbinary", -1, 0, 0, SqlType::VarBinary(Length::Max)),
            ("image", 16, 0, 0, SqlType::Image),
            ("date", 3, 10, 0, SqlType::Date),
            ("time", 5, 16, 7, SqlType::Time { scale: 7 }),
            ("time", 3, 8, 0, SqlType::Time { scale: 0 }),
            ("datetime", 8, 23, 3, SqlType::DateTime),
            ("smalldatetime", 4, 16, 0, SqlType::SmallDateTime),
            ("datetime2", 8, 27, 7, SqlType::DateTime2 { scale: 7 }),
            ("datetime2", 6, 19, 0, SqlType::DateTime2 { scale: 0 }),
            (
                "datetimeoffset",
                9,
                30,
                3,
                SqlType::DateTimeOffset { scale: 3 },
            ),
            ("uniqueidentifier", 16, 0, 0, SqlType::UniqueIdentifier),
            ("timestamp", 8, 0, 0, SqlType::RowVersion),
            ("xml", -1, 0, 0, SqlType::Xml),
            ("sql_variant", 8016, 0, 0, SqlType::SqlVariant),
            ("hierarchyid", 892, 0, 0, SqlType::Clr(ClrType::HierarchyId)),
            ("geography", -1, 0, 0, SqlType::Clr(ClrType::Geography)),
            ("geometry", -1, 0, 0, SqlType::Clr(ClrType::Geometry)),
            ("NVARCHAR", 40, 0, 0, SqlType::NVarChar(Length::Fixed(20))),
        ];
        for &(name, len, p, s, want) in cases {
            assert_eq!(sql_type(name, len, p, s), Ok(want), "{name} {len} {p} {s}");
        }
    }

    #[test]
    fn impossible_facets_and_unknown_types_are_errors() {
        let length = |name: &str, max_length| TypeError::Length {
            type_name: name.into(),
            max_length,
        };
        assert_eq!(sql_type("nvarchar", 7, 0, 0), Err(length("nvarchar", 7)));
        assert_eq!(sql_type("nchar", -1, 0, 0), Err(length("nchar", -1)));
        assert_eq!(sql_type("char", -1, 0, 0), Err(length("char", -1)));
        assert_eq!(sql_type("binary", 0, 0, 0), Err(length("binary", 0)));
        assert_eq!(
            sql_type("varchar", 8001, 0, 0),
            Err(length("varchar", 8001))
        );
        assert_eq!(
            sql_type("decimal", 9, 0, 0),
            Err(TypeError::Precision {
                type_name: "decimal".into(),
                precision: 0,
                scale: 0
            })
        );
        assert_eq!(
            sql_type("numeric", 9, 10, 11),
            Err(TypeError::Precision {
                type_name: "numeric".into(),
                precision: 10,
                scale: 11
            })
        );
        assert_eq!(
            sql_type("datetime2", 8, 27, 8),
            Err(TypeError::Scale {
                type_name: "datetime2".into(),
                scale: 8
            })
        );
        assert_eq!(
            sql_type("json", -1, 0, 0),
            Err(TypeError::Unknown("json".into()))
        );
    }

    #[test]
    fn unknown_column_type_names_the_column() {
        let c = catalog(
            vec![object("dbo", "shapes", "U")],
            vec![col("shapes", "pt", 1, "MyPoint", (-1, 0, 0))],
        );
        let err = build_schema(c).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column dbo.shapes.pt: unsupported type `MyPoint`"
        );
    }

    #[test]
    fn column_facets_map_to_the_model() {
        let mut id = col("users", "id", 1, "int", (4, 10, 0));
        id.is_identity = true;
        id.seed = Some(1000);
        id.increment = Some(5);
        let mut name = col("users", "name", 2, "nvarchar", (100, 0, 0));
        name.user_type_schema = Some("dbo".into());
        name.user_type_name = Some("Name".into());
        name.collation_name = Some("SQL_Latin1_General_CP1_CI_AS".into());
        let mut code = col("users", "code", 3, "varchar", (-1, 0, 0));
        code.is_nullable = true;
        code.collation_name = Some("Latin1_General_100_BIN2".into());
        let mut created = col("users", "created_at", 4, "datetime2", (8, 27, 7));
        created.default_name = Some("DF_users_created_at".into());
        created.default_definition = Some("(sysutcdatetime())".into());
        let mut active = col("users", "active", 5, "bit", (1, 1, 0));
        active.default_name = Some("DF__users__active__3B75D760".into());
        active.default_is_system_named = true;
        active.default_definition = Some("((1))".into());
        let mut total = col("users", "total", 6, "decimal", (9, 19, 2));
        total.is_nullable = true;
        total.computed_definition = Some("([price]*[qty])".into());
        total.is_persisted = true;
        let ver = col("users", "ver", 7, "timestamp", (8, 0, 0));
        let mut guid = col("users", "guid", 8, "uniqueidentifier", (16, 0, 0));
        guid.is_rowguidcol = true;
        let mut from = col("users", "valid_from", 9, "datetime2", (8, 27, 7));
        from.generated_always_type = 1;
        let mut to = col("users", "valid_to", 10, "datetime2", (8, 27, 7));
        to.generated_always_type = 2;

        // Rows arrive out of order; columns still follow column_id.
        let rows = vec![to, ver, id, name, code, created, active, total, guid, from];
        let mut c = catalog(vec![object("dbo", "users", "U")], rows);
        c.alias_types.push(CatalogAliasType {
            schema: "dbo".into(),
            name: "Name".into(),
            base_type_name: "nvarchar".into(),
            max_length: 100,
            precision: 0,
            scale: 0,
            is_nullable: false,
        });
        let schema = build_schema(c).unwrap();

        assert_eq!(
            schema.types,
            vec![AliasType {
                name: qn("dbo", "Name"),
                base: SqlType::NVarChar(Length::Fixed(50)),
                nullable: false,
            }]
        );
        let t = schema.table(None, "USERS").unwrap();
        let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "id",
                "name",
                "code",
                "created_at",
                "active",
                "total",
                "ver",
                "guid",
                "valid_from",
                "valid_to"
            ]
        );
        let id = t.column("id").unwrap();
        assert_eq!(
            id.identity,
            Some(Identity {
                seed: 1000,
                increment: 5
            })
        );
        assert!(id.is_generated());
        let name = t.column("name").unwrap();
        assert_eq!(name.ty, SqlType::NVarChar(Length::Fixed(50)));
        assert_eq!(name.alias_type, Some(qn("dbo", "Name")));
        assert_eq!(name.collation, None, "the database collation is implied");
        assert!(name.is_required_on_insert());
        let code = t.column("code").unwrap();
        assert_eq!(code.ty, SqlType::VarChar(Length::Max));
        assert!(code.nullable);
        assert_eq!(code.collation.as_deref(), Some("Latin1_General_100_BIN2"));
        assert_eq!(
            t.column("created_at").unwrap().default,
            Some(Default {
                name: Some("DF_users_created_at".into()),
                expr: "(sysutcdatetime())".into()
            })
        );
        assert_eq!(
            t.column("active").unwrap().default,
            Some(Default {
                name: None,
                expr: "((1))".into()
            }),
            "a server-generated constraint name is not kept"
        );
        assert_eq!(
            t.column("total").unwrap().computed,
            Some(Computed {
                expr: "([price]*[qty])".into(),
                persisted: true
            })
        );
        assert_eq!(t.column("ver").unwrap().ty, SqlType::RowVersion);
        assert!(t.column("guid").unwrap().rowguidcol);
        assert_eq!(
            t.column("valid_from").unwrap().generated_always,
            Some(GeneratedAlways::RowStart)
        );
        assert_eq!(
            t.column("valid_to").unwrap().generated_always,
            Some(GeneratedAlways::RowEnd)
        );
    }

    #[test]
    fn identity_without_seed_and_ledger_columns_are_errors() {
        let mut id = col("t", "id", 1, "decimal", (17, 38, 0));
        id.is_identity = true;
        id.increment = Some(1);
        let err = build_schema(catalog(vec![object("dbo", "t", "U")], vec![id])).unwrap_err();
        assert_eq!(
            err,
            CatalogError::Identity {
                table: qn("dbo", "t"),
                column: "id".into()
            }
        );

        let mut view_id = col("v", "id", 1, "int", (4, 10, 0));
        view_id.is_identity = true;
        let schema = build_schema(catalog(vec![object("dbo", "v", "V")], vec![view_id])).unwrap();
        assert_eq!(schema.tables()[0].columns[0].identity, None);

        let mut tx = col("t", "tx", 1, "bigint", (8, 19, 0));
        tx.generated_always_type = 7;
        let err = build_schema(catalog(vec![object("dbo", "t", "U")], vec![tx])).unwrap_err();
        assert!(
            matches!(err, CatalogError::GeneratedAlways { value: 7, .. }),
            "{err}"
        );
    }

    #[test]
    fn keys_composite_and_self_referencing_foreign_keys() {
        let objects = vec![
            object("dbo", "employees", "U"),
            object("dbo", "order_lines", "U"),
            object("sales", "orders", "U"),
        ];
        let columns = vec![
            col("employees", "id", 1, "int", (4, 10, 0)),
            col("employees", "manager_id", 2, "int", (4, 10, 0)),
            col("order_lines", "order_id", 1, "int", (4, 10, 0)),
            col("order_lines", "region", 2, "char", (2, 0, 0)),
            col("order_lines", "line", 3, "int", (4, 10, 0)),
            CatalogColumn::new(&qn("sales", "orders"), "id", 1, "int", (4, 10, 0)),
            CatalogColumn::new(&qn("sales", "orders"), "region", 2, "char", (2, 0, 0)),
        ];
        let mut c = catalog(objects, columns);
        c.schemas.push("sales".into());
        let mut pk_sys = key_col("order_lines", "PK__order_li__1234ABCD", "PK", 3, "line");
        pk_sys.is_system_named = true;
        let mut pk_sys2 = pk_sys.clone();
        pk_sys2.key_ordinal = 1;
        pk_sys2.column = "order_id".into();
        let mut pk_sys3 = pk_sys.clone();
        pk_sys3.key_ordinal = 2;
        pk_sys3.column = "region".into();
        c.keys = vec![
            pk_sys,
            key_col("employees", "PK_employees", "PK", 1, "id"),
            pk_sys3,
            key_col("employees", "UQ_employees_manager", "UQ", 2, "id"),
            pk_sys2,
            key_col("employees", "UQ_employees_manager", "UQ", 1, "manager_id"),
        ];
        let mut composite_b = fk_col(
            "order_lines",
            "FK_order_lines_orders",
            ("sales", "orders"),
            2,
            ("region", "region"),
        );
        composite_b.delete_action = 1;
        composite_b.update_action = 3;
        let mut composite_a = composite_b.clone();
        composite_a.ordinal = 1;
        composite_a.column = "order_id".into();
        composite_a.referenced_column = "id".into();
        let mut self_ref = fk_col(
            "employees",
            "FK_employees_manager",
            ("dbo", "employees"),
            1,
            ("manager_id", "id"),
        );
        self_ref.delete_action = 2;
        c.foreign_keys = vec![composite_b, self_ref, composite_a];
        let schema = build_schema(c).unwrap();

        let lines = schema.table(None, "order_lines").unwrap();
        assert_eq!(
            lines.primary_key,
            Some(Key {
                name: None,
                columns: vec!["order_id".into(), "region".into(), "line".into()],
                clustered: true,
            })
        );
        assert_eq!(
            lines.foreign_keys,
            vec![ForeignKey {
                name: "FK_order_lines_orders".into(),
                columns: vec!["order_id".into(), "region".into()],
                references: qn("sales", "orders"),
                referenced_columns: vec!["id".into(), "region".into()],
                on_delete: RefAction::Cascade,
                on_update: RefAction::SetDefault,
            }]
        );
        let orders = schema.table(Some("sales"), "orders").unwrap();
        assert_eq!(schema.foreign_keys_between(lines, orders).len(), 1);

        let employees = schema.table(None, "employees").unwrap();
        assert_eq!(
            employees.primary_key.as_ref().unwrap().name.as_deref(),
            Some("PK_employees")
        );
        assert_eq!(
            employees.unique_keys,
            vec![Key {
                name: Some("UQ_employees_manager".into()),
                columns: vec!["manager_id".into(), "id".into()],
                clustered: false,
            }]
        );
        assert!(employees.is_unique_key(&["id", "manager_id"]));
        let fk = &employees.foreign_keys[0];
        assert_eq!(fk.references, qn("dbo", "employees"));
        assert_eq!(fk.on_delete, RefAction::SetNull);
        assert_eq!(fk.on_update, RefAction::NoAction);
        assert_eq!(schema.foreign_keys_between(employees, employees).len(), 1);
        assert_eq!(schema.counts().foreign_keys, 2);
    }

    #[test]
    fn indexes_keep_key_order_direction_includes_and_filters() {
        let columns = vec![
            col("orders", "id", 1, "int", (4, 10, 0)),
            col("orders", "customer_id", 2, "int", (4, 10, 0)),
            col("orders", "placed_at", 3, "datetime2", (8, 27, 7)),
            col("orders", "total", 4, "money", (8, 19, 4)),
            col("orders", "status", 5, "tinyint", (1, 3, 0)),
        ];
        let mut c = catalog(vec![object("dbo", "orders", "U")], columns);
        let mut filtered = vec![
            ix_col("IX_orders_open", 4, 0, false, "status"),
            ix_col("IX_orders_open", 2, 2, true, "placed_at"),
            ix_col("IX_orders_open", 3, 0, false, "total"),
            ix_col("IX_orders_open", 1, 1, false, "customer_id"),
        ];
        for r in &mut filtered {
            r.filter_definition = Some("([status]=(0))".into());
        }
        let mut unique = ix_col("UX_orders_placed", 1, 1, true, "placed_at");
        unique.is_unique = true;
        unique.index_type = 1;
        c.indexes = filtered;
        c.indexes.push(unique);
        let schema = build_schema(c).unwrap();
        let t = schema.table(None, "orders").unwrap();
        assert_eq!(
            t.indexes,
            vec![
                Index {
                    name: "IX_orders_open".into(),
                    columns: vec![("customer_id".into(), false), ("placed_at".into(), true)],
                    include: vec!["total".into(), "status".into()],
                    unique: false,
                    clustered: false,
                    filter: Some("([status]=(0))".into()),
                },
                Index {
                    name: "UX_orders_placed".into(),
                    columns: vec![("placed_at".into(), true)],
                    include: vec![],
                    unique: true,
                    clustered: true,
                    filter: None,
                },
            ]
        );
        assert!(t.is_unique_key(&["placed_at"]));
    }

    #[test]
    fn views_triggers_and_rows_of_unlisted_objects() {
        let columns = vec![
            col("users", "id", 1, "int", (4, 10, 0)),
            col("active_users", "id", 1, "int", (4, 10, 0)),
            // A table created after OBJECTS ran: ignored everywhere.
            col("late", "id", 1, "int", (4, 10, 0)),
        ];
        let mut c = catalog(
            vec![
                object("dbo", "users", "U "),
                object("dbo", "active_users", "V"),
            ],
            columns,
        );
        c.triggers = vec![CatalogTrigger {
            schema: "dbo".into(),
            table: "Users".into(),
            name: "TR_users_audit".into(),
            is_disabled: true,
            is_instead_of: false,
        }];
        c.keys = vec![key_col("late", "PK_late", "PK", 1, "id")];
        let schema = build_schema(c).unwrap();
        assert_eq!(schema.tables().len(), 2);
        let users = schema.table(None, "users").unwrap();
        assert_eq!(users.kind, TableKind::Table);
        assert!(users.has_triggers, "a disabled trigger still counts");
        let view = schema.table(None, "active_users").unwrap();
        assert_eq!(view.kind, TableKind::View);
        assert!(!view.has_triggers);
        assert_eq!(schema.schemas, vec!["dbo".to_string()]);
    }

    #[test]
    fn inconsistent_catalogs_are_errors() {
        let users = || col("users", "id", 1, "int", (4, 10, 0));
        let err = build_schema(catalog(
            vec![object("dbo", "users", "U"), object("dbo", "gone", "U")],
            vec![users()],
        ))
        .unwrap_err();
        assert_eq!(err, CatalogError::NoColumns(qn("dbo", "gone")));
        assert!(err.to_string().contains("run the command again"));

        let err =
            build_schema(catalog(vec![object("dbo", "users", "P")], vec![users()])).unwrap_err();
        assert!(matches!(err, CatalogError::ObjectType { .. }), "{err}");

        let err = build_schema(catalog(
            vec![object("dbo", "users", "U"), object("DBO", "Users", "V")],
            vec![users()],
        ))
        .unwrap_err();
        assert_eq!(
            err,
            CatalogError::Duplicate(DuplicateTable(qn("DBO", "Users")))
        );

        let mut c = catalog(vec![object("dbo", "users", "U")], vec![users()]);
        c.keys = vec![
            key_col("users", "PK_a", "PK", 1, "id"),
            key_col("users", "PK_b", "PK", 1, "id"),
        ];
        assert_eq!(
            build_schema(c).unwrap_err(),
            CatalogError::TwoPrimaryKeys(qn("dbo", "users"))
        );

        let mut c = catalog(vec![object("dbo", "users", "U")], vec![users()]);
        c.keys = vec![key_col("users", "CK_x", "CK", 1, "id")];
        assert!(matches!(
            build_schema(c).unwrap_err(),
            CatalogError::KeyType { .. }
        ));

        let mut c = catalog(vec![object("dbo", "users", "U")], vec![users()]);
        let mut fk = fk_col("users", "FK_x", ("dbo", "users"), 1, ("id", "id"));
        fk.update_action = 9;
        c.foreign_keys = vec![fk];
        assert_eq!(
            build_schema(c).unwrap_err().to_string(),
            "foreign key FK_x on dbo.users: unknown referential action code 9"
        );

        let mut c = catalog(vec![object("dbo", "users", "U")], vec![users()]);
        c.alias_types.push(CatalogAliasType {
            schema: "dbo".into(),
            name: "Flag".into(),
            base_type_name: "vector".into(),
            max_length: 8,
            precision: 0,
            scale: 0,
            is_nullable: true,
        });
        assert_eq!(
            build_schema(c).unwrap_err().to_string(),
            "alias type dbo.Flag: unsupported type `vector`"
        );
    }

    #[test]
    fn row_order_does_not_change_the_schema() {
        let build = |reverse: bool| {
            let mut objects = vec![object("dbo", "a", "U"), object("x", "b", "U")];
            let mut columns = vec![
                col("a", "one", 1, "int", (4, 10, 0)),
                col("a", "two", 2, "bit", (1, 1, 0)),
                CatalogColumn::new(&qn("x", "b"), "k", 1, "int", (4, 10, 0)),
            ];
            let mut fks = vec![
                fk_col("a", "FK_2", ("x", "b"), 1, ("one", "k")),
                fk_col("a", "FK_1", ("x", "b"), 1, ("two", "k")),
            ];
            if reverse {
                objects.reverse();
                columns.reverse();
                fks.reverse();
            }
            let mut c = catalog(objects, columns);
            c.schemas = vec!["x".into(), "dbo".into()];
            c.foreign_keys = fks;
            build_schema(c).unwrap()
        };
        assert_eq!(build(false), build(true));
    }

    #[test]
    fn system_named_foreign_keys_get_the_importers_stable_name() {
        let objects = vec![object("dbo", "orders", "U"), object("dbo", "users", "U")];
        let columns = vec![
            col("orders", "user_id", 1, "int", (4, 10, 0)),
            col("users", "id", 1, "int", (4, 10, 0)),
        ];
        let mut c = catalog(objects, columns);
        let mut random = fk_col(
            "orders",
            "FK__orders__user_id__5EBF139D",
            ("dbo", "users"),
            1,
            ("user_id", "id"),
        );
        random.is_system_named = true;
        let mut random2 = random.clone();
        random2.name = "FK__orders__user_id__0A1B2C3D".into();
        // A declared name equal to the stable one wins it; the server-named
        // keys step around it, in a stable order.
        let declared = fk_col(
            "orders",
            "FK_orders_users_user_id",
            ("dbo", "users"),
            1,
            ("user_id", "id"),
        );
        c.foreign_keys = vec![random, declared, random2];
        let schema = build_schema(c).unwrap();
        let names: Vec<&str> = schema
            .table(None, "orders")
            .unwrap()
            .foreign_keys
            .iter()
            .map(|fk| fk.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "FK_orders_users_user_id",
                "FK_orders_users_user_id_2",
                "FK_orders_users_user_id_3"
            ]
        );
    }

    #[test]
    fn dbo_is_listed_only_when_something_lives_in_it() {
        let mut c = catalog(
            vec![object("sales", "orders", "U")],
            vec![CatalogColumn::new(
                &qn("sales", "orders"),
                "id",
                1,
                "int",
                (4, 10, 0),
            )],
        );
        c.schemas = vec!["dbo".into(), "empty".into(), "sales".into()];
        let schema = build_schema(c.clone()).unwrap();
        assert_eq!(schema.schemas, ["empty", "sales"]);

        let mut with_type = c.clone();
        with_type.alias_types.push(CatalogAliasType {
            schema: "dbo".into(),
            name: "Code".into(),
            base_type_name: "char".into(),
            max_length: 4,
            precision: 0,
            scale: 0,
            is_nullable: true,
        });
        let schema = build_schema(with_type).unwrap();
        assert_eq!(schema.schemas, ["dbo", "empty", "sales"]);

        c.objects.push(object("dbo", "users", "U"));
        c.columns.push(col("users", "id", 1, "int", (4, 10, 0)));
        let schema = build_schema(c).unwrap();
        assert_eq!(schema.schemas, ["dbo", "empty", "sales"]);
    }

    #[test]
    fn view_columns_keep_only_type_nullability_alias_and_collation() {
        let view = qn("dbo", "v");
        let mut id = CatalogColumn::new(&view, "id", 1, "int", (4, 10, 0));
        id.is_identity = true;
        id.seed = Some(1);
        id.increment = Some(1);
        let mut guid = CatalogColumn::new(&view, "guid", 2, "uniqueidentifier", (16, 0, 0));
        guid.is_rowguidcol = true;
        let mut from = CatalogColumn::new(&view, "valid_from", 3, "datetime2", (8, 27, 7));
        from.generated_always_type = 1;
        let mut name = CatalogColumn::new(&view, "name", 4, "varchar", (20, 0, 0));
        name.is_nullable = true;
        name.collation_name = Some("Latin1_General_100_BIN2".into());
        name.user_type_schema = Some("dbo".into());
        name.user_type_name = Some("Code".into());
        let schema = build_schema(catalog(
            vec![object("dbo", "v", "V")],
            vec![id, guid, from, name.clone()],
        ))
        .unwrap();
        let v = schema.table(None, "v").unwrap();
        assert!(
            v.columns
                .iter()
                .all(|c| c.identity.is_none() && !c.rowguidcol && c.generated_always.is_none())
        );
        let got = v.column("name").unwrap();
        assert_eq!(got.ty, SqlType::VarChar(Length::Fixed(20)));
        assert!(got.nullable);
        assert_eq!(got.alias_type, Some(qn("dbo", "Code")));
        assert_eq!(got.collation.as_deref(), Some("Latin1_General_100_BIN2"));
    }
}
