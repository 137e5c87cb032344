//! Live test of the catalog reader behind `cargo xtask schema refresh --url`:
//! creates a small schema on the server named by `QUARRY_TEST_URL` (every
//! column type, an alias type, composite and self-referencing foreign keys,
//! filtered and clustered indexes, a trigger, a view, a temporal period),
//! reads it back through the xtask's own reader, checks the model, drops it.

// The reader and `describe` are modules of the xtask binary; compile the
// same files here.
#[allow(dead_code)]
#[path = "../xtask/src/describe.rs"]
mod describe;
#[allow(dead_code, unused_imports)]
#[path = "../xtask/src/live.rs"]
mod live;

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use quarry_schema::catalog::{self, Catalog};
use quarry_schema::{
    ClrType, Computed, Default, ForeignKey, GeneratedAlways, Identity, Index, Key, Length,
    QualifiedName, RefAction, SqlType, TableKind,
};

const HOW_TO_RUN: &str = "how to run: start SQL Server (e.g. `docker run -e ACCEPT_EULA=Y \
     -e MSSQL_SA_PASSWORD=... -p 1433:1433 mcr.microsoft.com/mssql/server:2022-latest`) and set \
     QUARRY_TEST_URL='Server=localhost,1433;Database=<a scratch database>;User Id=sa;Password=...;\
     TrustServerCertificate=true', then `cargo test --test live_catalog`";

/// The DDL of the test schema, one batch per element (CREATE SCHEMA, VIEW
/// and TRIGGER must each open their own batch). `{s}` is the schema name.
fn setup_batches(s: &str) -> Vec<String> {
    vec![
        format!("CREATE SCHEMA [{s}]"),
        format!("CREATE TYPE [{s}].[Email] FROM nvarchar(320) NOT NULL"),
        format!(
            "CREATE TABLE [{s}].[parents] (
                id int NOT NULL,
                region char(2) NOT NULL,
                CONSTRAINT PK_parents PRIMARY KEY CLUSTERED (id, region)
            )"
        ),
        format!(
            "CREATE TABLE [{s}].[everything] (
                id int IDENTITY(10, 5) NOT NULL CONSTRAINT PK_everything PRIMARY KEY NONCLUSTERED,
                c_bit bit NULL,
                c_tinyint tinyint NOT NULL CONSTRAINT DF_everything_tinyint DEFAULT (7),
                c_smallint smallint NULL DEFAULT 1,
                c_bigint bigint NULL,
                c_decimal decimal(18, 2) NULL,
                c_numeric numeric(38, 10) NULL,
                c_money money NULL,
                c_smallmoney smallmoney NULL,
                c_real real NULL,
                c_float float NULL,
                c_char char(10) NULL,
                c_varchar varchar(50) COLLATE Latin1_General_100_BIN2 NULL,
                c_varchar_max varchar(max) NULL,
                c_nchar nchar(5) NULL,
                c_nvarchar nvarchar(120) NULL,
                c_nvarchar_max nvarchar(max) NULL,
                c_text text NULL,
                c_ntext ntext NULL,
                c_binary binary(16) NULL,
                c_varbinary varbinary(200) NULL,
                c_varbinary_max varbinary(max) NULL,
                c_image image NULL,
                c_date date NULL,
                c_time time(3) NULL,
                c_datetime datetime NULL,
                c_smalldatetime smalldatetime NULL,
                c_datetime2 datetime2 NULL,
                c_datetime2_0 datetime2(0) NULL,
                c_dto datetimeoffset(4) NULL,
                c_guid uniqueidentifier ROWGUIDCOL NOT NULL
                    CONSTRAINT DF_everything_guid DEFAULT (newsequentialid()),
                c_rowversion rowversion NOT NULL,
                c_xml xml NULL,
                c_variant sql_variant NULL,
                c_hierarchy hierarchyid NULL,
                c_geography geography NULL,
                c_geometry geometry NULL,
                c_sysname sysname NULL,
                email [{s}].[Email],
                parent_id int NULL,
                parent_region char(2) NULL,
                c_computed AS (c_tinyint * 2) PERSISTED,
                c_computed_virtual AS (c_smallint + 1),
                manager_id int NULL,
                CONSTRAINT UQ_everything_email UNIQUE (email),
                CONSTRAINT FK_everything_parents FOREIGN KEY (parent_id, parent_region)
                    REFERENCES [{s}].[parents] (id, region)
                    ON DELETE CASCADE ON UPDATE SET NULL,
                CONSTRAINT FK_everything_manager FOREIGN KEY (manager_id)
                    REFERENCES [{s}].[everything] (id)
            )"
        ),
        // Filtered indexes need these session options (as SSMS sets them).
        format!(
            "SET ANSI_NULLS, ANSI_PADDING, ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL, \
                 QUOTED_IDENTIFIER ON;
             SET NUMERIC_ROUNDABORT OFF;
             CREATE UNIQUE CLUSTERED INDEX CX_everything_date
                 ON [{s}].[everything] (c_date DESC, id);
             CREATE NONCLUSTERED INDEX IX_everything_open
                 ON [{s}].[everything] (c_tinyint ASC, c_date DESC)
                 INCLUDE (c_nvarchar, c_money)
                 WHERE c_bit = 1;"
        ),
        format!(
            "CREATE TABLE [{s}].[periods] (
                id int NOT NULL PRIMARY KEY,
                valid_from datetime2 GENERATED ALWAYS AS ROW START NOT NULL,
                valid_to datetime2 GENERATED ALWAYS AS ROW END NOT NULL,
                PERIOD FOR SYSTEM_TIME (valid_from, valid_to)
            )"
        ),
        format!(
            "CREATE VIEW [{s}].[everything_view] AS
             SELECT id, email, c_nvarchar FROM [{s}].[everything]"
        ),
        format!(
            "CREATE TRIGGER [{s}].[TR_everything_audit] ON [{s}].[everything]
             AFTER INSERT AS SET NOCOUNT ON;"
        ),
    ]
}

/// Drops everything [`setup_batches`] may have created, whatever got created.
fn teardown_batch(s: &str) -> String {
    format!(
        "DROP VIEW IF EXISTS [{s}].[everything_view];
         DROP TABLE IF EXISTS [{s}].[everything];
         DROP TABLE IF EXISTS [{s}].[parents];
         DROP TABLE IF EXISTS [{s}].[periods];
         DROP TYPE IF EXISTS [{s}].[Email];
         DROP SCHEMA IF EXISTS [{s}];"
    )
}

fn expected(name: &str, ty: &str, nullable: bool) -> describe::ExpectedColumn {
    describe::ExpectedColumn {
        name: name.into(),
        sql_type: ty.into(),
        nullable,
    }
}

/// Keeps only the rows of schema `s`, so that whatever else the test
/// database holds cannot disturb the test.
fn only_schema(mut catalog: Catalog, s: &str) -> Catalog {
    catalog.schemas.retain(|name| name == s);
    catalog.alias_types.retain(|t| t.schema == s);
    catalog.objects.retain(|o| o.schema == s);
    catalog.columns.retain(|c| c.schema == s);
    catalog.keys.retain(|k| k.schema == s);
    catalog.indexes.retain(|i| i.schema == s);
    catalog.foreign_keys.retain(|f| f.schema == s);
    catalog.triggers.retain(|t| t.schema == s);
    catalog
}

#[test]
fn catalog_reader_reads_back_a_schema() {
    let Ok(url) = std::env::var("QUARRY_TEST_URL") else {
        // Straight to stderr: the harness captures `println!` of passing
        // tests, and a skipped live test must say so in the log.
        let _ = writeln!(
            std::io::stderr(),
            "skipped catalog_reader_reads_back_a_schema: QUARRY_TEST_URL is not set ({HOW_TO_RUN})"
        );
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let s = format!("quarry_catalog_{}_{nanos}", std::process::id());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let pinned = describe::Pinned {
        id: "live_catalog #0 (Select)".into(),
        param_decls: "@P1 tinyint".into(),
        columns: vec![
            expected("id", "int", false),
            expected("email", "nvarchar(320)", false),
            expected("c_nvarchar", "nvarchar(120)", true),
            expected("c_decimal", "decimal(18,2)", true),
        ],
        sql: format!(
            "SELECT [e].[id], [e].[email], [e].[c_nvarchar], [e].[c_decimal]\n\
             FROM [{s}].[everything] AS [e] WHERE [e].[c_tinyint] = @P1;"
        ),
    };
    let (catalog, described) = runtime.block_on(async {
        let mut conn = quarry_runtime::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to QUARRY_TEST_URL: {e}"));
        let read = async {
            for batch in setup_batches(&s) {
                conn.execute_raw(&batch)
                    .await
                    .map_err(|e| format!("setup failed: {e}\n{batch}"))?;
            }
            let catalog = live::read_catalog(&mut conn).await?;
            let described = describe::describe_one(&mut conn, &pinned).await?;
            Ok::<_, String>((catalog, described))
        }
        .await;
        let dropped = conn.execute_raw(&teardown_batch(&s)).await;
        let read = read.unwrap_or_else(|e| panic!("{e}"));
        dropped.unwrap_or_else(|e| panic!("teardown of schema {s} failed: {e}"));
        read
    });

    // `schema describe` agrees with the compiler's view of this statement,
    // and notices a wrong one.
    assert_eq!(describe::compare(&pinned.columns, &described), []);
    let mut wrong = pinned.columns.clone();
    wrong[1].sql_type = "nvarchar(50)".into();
    let findings = describe::compare(&wrong, &described);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].severity, describe::Severity::Error);

    let db_collation = catalog.database.collation.clone();
    let schema = catalog::build_schema(only_schema(catalog, &s)).expect("build_schema");
    let name = |n: &str| QualifiedName::new(&s, n);

    assert_eq!(schema.schemas, vec![s.clone()]);
    assert_eq!(schema.types.len(), 1);
    assert_eq!(schema.types[0].name, name("Email"));
    assert_eq!(schema.types[0].base, SqlType::NVarChar(Length::Fixed(320)));
    assert!(!schema.types[0].nullable);
    let counts = schema.counts();
    assert_eq!((counts.tables, counts.views), (3, 1));

    let t = schema
        .table(Some(&s), "everything")
        .expect("table everything");
    assert_eq!(t.kind, TableKind::Table);
    assert!(t.has_triggers);
    use SqlType as T;
    let expected_types = [
        ("id", T::Int),
        ("c_bit", T::Bit),
        ("c_tinyint", T::TinyInt),
        ("c_smallint", T::SmallInt),
        ("c_bigint", T::BigInt),
        (
            "c_decimal",
            T::Decimal {
                precision: 18,
                scale: 2,
            },
        ),
        (
            "c_numeric",
            T::Decimal {
                precision: 38,
                scale: 10,
            },
        ),
        ("c_money", T::Money),
        ("c_smallmoney", T::SmallMoney),
        ("c_real", T::Real),
        ("c_float", T::Float),
        ("c_char", T::Char(Length::Fixed(10))),
        ("c_varchar", T::VarChar(Length::Fixed(50))),
        ("c_varchar_max", T::VarChar(Length::Max)),
        ("c_nchar", T::NChar(Length::Fixed(5))),
        ("c_nvarchar", T::NVarChar(Length::Fixed(120))),
        ("c_nvarchar_max", T::NVarChar(Length::Max)),
        ("c_text", T::Text),
        ("c_ntext", T::NText),
        ("c_binary", T::Binary(Length::Fixed(16))),
        ("c_varbinary", T::VarBinary(Length::Fixed(200))),
        ("c_varbinary_max", T::VarBinary(Length::Max)),
        ("c_image", T::Image),
        ("c_date", T::Date),
        ("c_time", T::Time { scale: 3 }),
        ("c_datetime", T::DateTime),
        ("c_smalldatetime", T::SmallDateTime),
        ("c_datetime2", T::DateTime2 { scale: 7 }),
        ("c_datetime2_0", T::DateTime2 { scale: 0 }),
        ("c_dto", T::DateTimeOffset { scale: 4 }),
        ("c_guid", T::UniqueIdentifier),
        ("c_rowversion", T::RowVersion),
        ("c_xml", T::Xml),
        ("c_variant", T::SqlVariant),
        ("c_hierarchy", T::Clr(ClrType::HierarchyId)),
        ("c_geography", T::Clr(ClrType::Geography)),
        ("c_geometry", T::Clr(ClrType::Geometry)),
        ("c_sysname", T::NVarChar(Length::Fixed(128))),
        ("email", T::NVarChar(Length::Fixed(320))),
        ("parent_id", T::Int),
        ("parent_region", T::Char(Length::Fixed(2))),
        ("c_computed", T::Int),
        ("c_computed_virtual", T::Int),
        ("manager_id", T::Int),
    ];
    let got: Vec<(&str, SqlType)> = t.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
    assert_eq!(got, expected_types, "columns in declaration order");

    let col = |n: &str| t.column(n).unwrap_or_else(|| panic!("column {n}"));
    assert_eq!(
        col("id").identity,
        Some(Identity {
            seed: 10,
            increment: 5
        })
    );
    assert!(!col("id").nullable && col("c_bit").nullable);
    assert_eq!(
        col("c_tinyint").default,
        Some(Default {
            name: Some("DF_everything_tinyint".into()),
            expr: "((7))".into()
        })
    );
    assert_eq!(
        col("c_smallint").default,
        Some(Default {
            name: None,
            expr: "((1))".into()
        }),
        "a system-named default keeps no name"
    );
    assert!(col("c_guid").rowguidcol);
    assert_eq!(
        col("c_guid").default.as_ref().map(|d| d.expr.as_str()),
        Some("(newsequentialid())")
    );
    let varchar_collation = (db_collation.as_deref() != Some("Latin1_General_100_BIN2"))
        .then(|| "Latin1_General_100_BIN2".to_owned());
    assert_eq!(col("c_varchar").collation, varchar_collation);
    assert_eq!(col("c_nvarchar").collation, None, "database default");
    assert_eq!(col("email").alias_type, Some(name("Email")));
    assert!(!col("email").nullable);
    assert_eq!(
        col("c_computed").computed,
        Some(Computed {
            expr: "([c_tinyint]*(2))".into(),
            persisted: true
        })
    );
    assert_eq!(
        col("c_computed_virtual")
            .computed
            .as_ref()
            .map(|c| c.persisted),
        Some(false)
    );
    assert!(col("c_rowversion").is_generated());

    assert_eq!(
        t.primary_key,
        Some(Key {
            name: Some("PK_everything".into()),
            columns: vec!["id".into()],
            clustered: false
        })
    );
    assert_eq!(
        t.unique_keys,
        vec![Key {
            name: Some("UQ_everything_email".into()),
            columns: vec!["email".into()],
            clustered: false
        }]
    );
    assert_eq!(
        t.foreign_keys,
        vec![
            ForeignKey {
                name: "FK_everything_manager".into(),
                columns: vec!["manager_id".into()],
                references: name("everything"),
                referenced_columns: vec!["id".into()],
                on_delete: RefAction::NoAction,
                on_update: RefAction::NoAction,
            },
            ForeignKey {
                name: "FK_everything_parents".into(),
                columns: vec!["parent_id".into(), "parent_region".into()],
                references: name("parents"),
                referenced_columns: vec!["id".into(), "region".into()],
                on_delete: RefAction::Cascade,
                on_update: RefAction::SetNull,
            },
        ]
    );
    assert_eq!(
        t.indexes,
        vec![
            Index {
                name: "CX_everything_date".into(),
                columns: vec![("c_date".into(), true), ("id".into(), false)],
                include: vec![],
                unique: true,
                clustered: true,
                filter: None,
            },
            Index {
                name: "IX_everything_open".into(),
                columns: vec![("c_tinyint".into(), false), ("c_date".into(), true)],
                include: vec!["c_nvarchar".into(), "c_money".into()],
                unique: false,
                clustered: false,
                filter: Some("([c_bit]=(1))".into()),
            },
        ]
    );

    let parents = schema.table(Some(&s), "parents").expect("table parents");
    assert!(!parents.has_triggers);
    assert_eq!(
        parents.primary_key,
        Some(Key {
            name: Some("PK_parents".into()),
            columns: vec!["id".into(), "region".into()],
            clustered: true
        })
    );
    assert_eq!(schema.foreign_keys_between(t, parents).len(), 1);
    assert_eq!(schema.foreign_keys_between(t, t).len(), 1);

    let periods = schema.table(Some(&s), "periods").expect("table periods");
    let pk = periods.primary_key.as_ref().expect("periods primary key");
    assert_eq!(pk.name, None, "a system-named primary key keeps no name");
    assert_eq!(
        periods
            .column("valid_from")
            .and_then(|c| c.generated_always),
        Some(GeneratedAlways::RowStart)
    );
    assert_eq!(
        periods.column("valid_to").and_then(|c| c.generated_always),
        Some(GeneratedAlways::RowEnd)
    );

    let view = schema.table(Some(&s), "everything_view").expect("view");
    assert_eq!(view.kind, TableKind::View);
    let view_columns: Vec<(&str, SqlType)> = view
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty))
        .collect();
    assert_eq!(
        view_columns,
        [
            ("id", T::Int),
            ("email", T::NVarChar(Length::Fixed(320))),
            ("c_nvarchar", T::NVarChar(Length::Fixed(120)))
        ]
    );
    assert!(view.primary_key.is_none() && !view.has_triggers);
}
