//! The live half of `cargo xtask schema`: connects to SQL Server through the
//! runtime, runs the reflection queries of [`quarry_schema::catalog`] and maps
//! their rows into the same [`Schema`] model that the DDL importer builds.
//!
//! Rows are read by column name with `try_get`, never the panicking `get`; a
//! missing or mistyped column is an error naming the query and the column.

use std::fmt::Display;

use quarry_runtime::Connection;
use quarry_schema::Schema;
use quarry_schema::catalog::{
    self, Catalog, CatalogAliasType, CatalogColumn, CatalogDatabase, CatalogForeignKeyColumn,
    CatalogIndexColumn, CatalogKeyColumn, CatalogObject, CatalogTrigger,
};

/// Reads one cell by column name with `try_get`: `String` and `Option<String>`
/// copy text out of the row, other types are taken as they are decoded. The
/// error names the query (`$query`) and the column.
macro_rules! cell {
    ($row:expr, $query:expr, $column:literal, String) => {
        $crate::live::required($row.try_get::<&str, _>($column), $query, $column).map(str::to_owned)
    };
    ($row:expr, $query:expr, $column:literal, Option<String>) => {
        $crate::live::optional($row.try_get::<&str, _>($column), $query, $column)
            .map(|v| v.map(str::to_owned))
    };
    ($row:expr, $query:expr, $column:literal, Option<$ty:ty>) => {
        $crate::live::optional($row.try_get::<$ty, _>($column), $query, $column)
    };
    ($row:expr, $query:expr, $column:literal, $ty:ty) => {
        $crate::live::required($row.try_get::<$ty, _>($column), $query, $column)
    };
}
pub(crate) use cell;

/// Connects to the server named by `url` (any connection string form the
/// runtime accepts: ADO.NET, `mssql://` URL, JDBC) and reads its schema.
///
/// Runs on its own current-thread tokio runtime, so it must not be called
/// from inside an async context. The login needs `VIEW DEFINITION` on the
/// database: SQL Server's metadata visibility silently leaves out of `sys.*`
/// every object the login has no permission on.
pub fn read_schema(url: &str) -> Result<Schema, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    runtime.block_on(async {
        let mut conn = quarry_runtime::connect(url)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let catalog = read_catalog(&mut conn).await?;
        let server = conn.server().to_owned();
        // The catalog is read; a failure to say goodbye changes nothing.
        let _ = conn.close().await;
        catalog::build_schema(catalog)
            .map_err(|e| format!("the catalog of {server} does not fit the schema model: {e}"))
    })
}

/// Runs every reflection query on `conn` and collects the rows, unmapped.
pub async fn read_catalog(conn: &mut Connection) -> Result<Catalog, String> {
    let rows = conn
        .query_raw(catalog::DATABASE)
        .await
        .map_err(failed("database"))?;
    let database = match rows.first() {
        Some(row) => CatalogDatabase {
            name: cell!(row, "database", "database_name", String)?,
            collation: cell!(row, "database", "collation_name", Option<String>)?,
        },
        None => return Err("query `database` returned no row".to_owned()),
    };

    let schemas = conn
        .query_raw(catalog::SCHEMAS)
        .await
        .map_err(failed("schemas"))?
        .iter()
        .map(|row| cell!(row, "schemas", "schema_name", String))
        .collect::<Result<_, _>>()?;

    let q = "alias_types";
    let alias_types = conn
        .query_raw(catalog::ALIAS_TYPES)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogAliasType {
                schema: cell!(row, q, "schema_name", String)?,
                name: cell!(row, q, "type_name", String)?,
                base_type_name: cell!(row, q, "base_type_name", String)?,
                max_length: cell!(row, q, "max_length", i16)?,
                precision: cell!(row, q, "precision", u8)?,
                scale: cell!(row, q, "scale", u8)?,
                is_nullable: cell!(row, q, "is_nullable", bool)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "objects";
    let objects = conn
        .query_raw(catalog::OBJECTS)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogObject {
                schema: cell!(row, q, "schema_name", String)?,
                name: cell!(row, q, "object_name", String)?,
                object_type: cell!(row, q, "object_type", String)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "columns";
    let columns = conn
        .query_raw(catalog::COLUMNS)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogColumn {
                schema: cell!(row, q, "schema_name", String)?,
                table: cell!(row, q, "object_name", String)?,
                name: cell!(row, q, "column_name", String)?,
                ordinal: cell!(row, q, "column_id", i32)?,
                type_name: cell!(row, q, "type_name", String)?,
                max_length: cell!(row, q, "max_length", i16)?,
                precision: cell!(row, q, "precision", u8)?,
                scale: cell!(row, q, "scale", u8)?,
                is_nullable: cell!(row, q, "is_nullable", bool)?,
                is_identity: cell!(row, q, "is_identity", bool)?,
                seed: cell!(row, q, "identity_seed", Option<i64>)?,
                increment: cell!(row, q, "identity_increment", Option<i64>)?,
                computed_definition: cell!(row, q, "computed_definition", Option<String>)?,
                is_persisted: cell!(row, q, "is_persisted", Option<bool>)?.unwrap_or(false),
                default_name: cell!(row, q, "default_name", Option<String>)?,
                default_is_system_named: cell!(row, q, "default_is_system_named", Option<bool>)?
                    .unwrap_or(false),
                default_definition: cell!(row, q, "default_definition", Option<String>)?,
                collation_name: cell!(row, q, "collation_name", Option<String>)?,
                is_rowguidcol: cell!(row, q, "is_rowguidcol", bool)?,
                generated_always_type: cell!(row, q, "generated_always_type", u8)?,
                user_type_schema: cell!(row, q, "user_type_schema", Option<String>)?,
                user_type_name: cell!(row, q, "user_type_name", Option<String>)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "keys";
    let keys = conn
        .query_raw(catalog::KEYS)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogKeyColumn {
                schema: cell!(row, q, "schema_name", String)?,
                table: cell!(row, q, "table_name", String)?,
                name: cell!(row, q, "constraint_name", String)?,
                is_system_named: cell!(row, q, "is_system_named", bool)?,
                constraint_type: cell!(row, q, "constraint_type", String)?,
                index_type: cell!(row, q, "index_type", u8)?,
                key_ordinal: cell!(row, q, "key_ordinal", u8)?,
                column: cell!(row, q, "column_name", String)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "indexes";
    let indexes = conn
        .query_raw(catalog::INDEXES)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogIndexColumn {
                schema: cell!(row, q, "schema_name", String)?,
                table: cell!(row, q, "object_name", String)?,
                name: cell!(row, q, "index_name", String)?,
                is_unique: cell!(row, q, "is_unique", bool)?,
                index_type: cell!(row, q, "index_type", u8)?,
                filter_definition: cell!(row, q, "filter_definition", Option<String>)?,
                index_column_id: cell!(row, q, "index_column_id", i32)?,
                key_ordinal: cell!(row, q, "key_ordinal", u8)?,
                is_descending_key: cell!(row, q, "is_descending_key", bool)?,
                is_included_column: cell!(row, q, "is_included_column", bool)?,
                column: cell!(row, q, "column_name", String)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "foreign_keys";
    let foreign_keys = conn
        .query_raw(catalog::FOREIGN_KEYS)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogForeignKeyColumn {
                schema: cell!(row, q, "schema_name", String)?,
                table: cell!(row, q, "table_name", String)?,
                name: cell!(row, q, "constraint_name", String)?,
                is_system_named: cell!(row, q, "is_system_named", bool)?,
                referenced_schema: cell!(row, q, "referenced_schema", String)?,
                referenced_table: cell!(row, q, "referenced_table", String)?,
                delete_action: cell!(row, q, "delete_referential_action", u8)?,
                update_action: cell!(row, q, "update_referential_action", u8)?,
                ordinal: cell!(row, q, "constraint_column_id", i32)?,
                column: cell!(row, q, "column_name", String)?,
                referenced_column: cell!(row, q, "referenced_column_name", String)?,
            })
        })
        .collect::<Result<_, String>>()?;

    let q = "triggers";
    let triggers = conn
        .query_raw(catalog::TRIGGERS)
        .await
        .map_err(failed(q))?
        .iter()
        .map(|row| {
            Ok(CatalogTrigger {
                schema: cell!(row, q, "schema_name", String)?,
                table: cell!(row, q, "object_name", String)?,
                name: cell!(row, q, "trigger_name", String)?,
                is_disabled: cell!(row, q, "is_disabled", bool)?,
                is_instead_of: cell!(row, q, "is_instead_of_trigger", bool)?,
            })
        })
        .collect::<Result<_, String>>()?;

    Ok(Catalog {
        database,
        schemas,
        alias_types,
        objects,
        columns,
        keys,
        indexes,
        foreign_keys,
        triggers,
    })
}

/// The error of a reflection query that the server refused, naming it.
fn failed(query: &str) -> impl Fn(quarry_runtime::Error) -> String + '_ {
    move |e| format!("catalog query `{query}` failed: {e}")
}

/// A cell that must not be NULL.
pub(crate) fn required<T>(
    value: Result<Option<T>, impl Display>,
    query: &str,
    column: &str,
) -> Result<T, String> {
    optional(value, query, column)?
        .ok_or_else(|| format!("query `{query}`: column `{column}` is NULL"))
}

/// A cell that may be NULL.
pub(crate) fn optional<T>(
    value: Result<Option<T>, impl Display>,
    query: &str,
    column: &str,
) -> Result<Option<T>, String> {
    value.map_err(|e| format!("query `{query}`: cannot read column `{column}`: {e}"))
}
