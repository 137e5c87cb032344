//! T-SQL DDL import over realistic DDL: an SSDT project folder and an SSMS
//! "Generate Scripts" install script (both under `tests/fixtures/`), with the
//! resulting snapshot files pinned by insta; then every kind of bad input,
//! each reported with its location while the rest is still imported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quarry_schema::ddl::{self, Diagnostic, Import, Severity, import_str};
use quarry_schema::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Diagnostics with paths relative to the fixtures folder, for snapshots.
fn diagnostics(i: &Import) -> String {
    let base = fixtures();
    i.warnings
        .iter()
        .map(|d| {
            let rel = d.file.strip_prefix(&base).unwrap_or(&d.file);
            format!(
                "{}:{}: {:?}: {}",
                rel.display(),
                d.line,
                d.severity,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn skipped(i: &Import) -> BTreeMap<&str, usize> {
    i.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

fn import(sql: &str) -> Import {
    import_str(sql, Path::new("script.sql"))
}

fn col<'s>(s: &'s Schema, schema: &str, table: &str, column: &str) -> &'s Column {
    s.table(Some(schema), table)
        .unwrap_or_else(|| panic!("{schema}.{table} missing"))
        .column(column)
        .unwrap_or_else(|| panic!("{schema}.{table}.{column} missing"))
}

#[test]
fn ssdt_project_folder() {
    let i = ddl::import_files(&[fixtures().join("ssdt")]);
    let s = &i.schema;
    assert_eq!(i.files, 18);
    // A UTF-8 file with BOM and CRLF, and a UTF-16 LE file, both read.
    let books = s.table(None, "books").expect("books (UTF-8 BOM, CRLF)");
    assert!(
        s.table(Some("lending"), "branches").is_some(),
        "UTF-16 file"
    );
    // Alias types resolve to the base type and keep their name; an alias
    // declared NOT NULL makes a column without NULL/NOT NULL not null.
    let isbn = col(s, "dbo", "books", "isbn");
    assert_eq!(isbn.ty, SqlType::Char(Length::Fixed(13)));
    assert_eq!(isbn.alias_type, Some(QualifiedName::new("dbo", "Isbn")));
    assert!(!isbn.nullable);
    // IDENTITY without arguments, PK declared NONCLUSTERED, a clustered index,
    // a unique filtered index with INCLUDE, a trigger in its own file.
    assert_eq!(
        col(s, "dbo", "books", "book_id").identity,
        Some(Identity {
            seed: 1,
            increment: 1
        })
    );
    assert!(!books.primary_key.as_ref().expect("pk").clustered);
    let ux = books
        .indexes
        .iter()
        .find(|x| x.name == "UX_books_live_isbn")
        .expect("index");
    assert!(ux.unique && !ux.clustered);
    assert_eq!(ux.include, ["title", "price"]);
    assert_eq!(ux.filter.as_deref(), Some("([deleted_at] IS NULL)"));
    assert!(books.has_triggers);
    // A reference without columns targets the primary key.
    let co = books
        .foreign_keys
        .iter()
        .find(|f| f.name == "FK_books_co_author")
        .expect("fk");
    assert_eq!(co.referenced_columns, ["author_id"]);
    // Inline constraints, a "quoted" name with a space, DEFAULT without
    // parentheses, rowguidcol, timestamp = rowversion, a self reference.
    let members = s.table(Some("lending"), "members").expect("members");
    assert_eq!(
        members.primary_key.as_ref().and_then(|k| k.name.as_deref()),
        Some("PK_members")
    );
    assert!(members.column("full name").is_some());
    assert_eq!(
        col(s, "lending", "members", "joined_on").default,
        Some(Default {
            name: Some("DF_members_joined".into()),
            expr: "(CAST(GETDATE() AS date))".into()
        })
    );
    assert!(col(s, "lending", "members", "card_guid").rowguidcol);
    assert_eq!(
        col(s, "lending", "members", "row_ver").ty,
        SqlType::RowVersion
    );
    assert_eq!(members.foreign_keys[0].references, members.name);
    // ALTER TABLE .. WITH NOCHECK ADD CONSTRAINT and DEFAULT .. FOR, applied
    // although the referenced tables come later in path order.
    let loans = s.table(Some("lending"), "loans").expect("loans");
    assert_eq!(loans.foreign_keys.len(), 2);
    assert_eq!(loans.foreign_keys[1].on_delete, RefAction::Cascade);
    assert_eq!(
        col(s, "lending", "loans", "loaned_at")
            .default
            .as_ref()
            .map(|d| d.expr.as_str()),
        Some("(sysdatetimeoffset())")
    );
    assert_eq!(col(s, "lending", "loans", "days_out").ty, SqlType::Int);
    // Computed columns: concatenation and CONVERT.
    assert_eq!(
        col(s, "dbo", "authors", "display").ty,
        SqlType::NVarChar(Length::Fixed(161))
    );
    assert_eq!(
        col(s, "dbo", "books", "price_per_page").ty,
        SqlType::Decimal {
            precision: 10,
            scale: 4
        }
    );
    assert_eq!(
        col(s, "dbo", "authors", "slug").collation.as_deref(),
        Some("Latin1_General_BIN2")
    );
    // Composite key and a composite foreign key onto it.
    let notes = s
        .table(Some("lending"), "reservation_notes")
        .expect("notes");
    assert_eq!(notes.foreign_keys[0].columns, ["member_id", "book_id"]);
    // The plain view is resolved, outer-joined columns nullable; the
    // aggregate view is left out with a warning.
    let open = s.table(Some("lending"), "open_loans").expect("view");
    assert_eq!(open.kind, TableKind::View);
    assert_eq!(open.column("member_name").map(|c| c.nullable), Some(false));
    assert_eq!(open.column("queued_at").map(|c| c.nullable), Some(true));
    assert!(s.table(Some("lending"), "loan_counts").is_none());
    assert_eq!(
        skipped(&i),
        BTreeMap::from([
            ("CREATE FUNCTION", 1),
            ("CREATE PROCEDURE", 1),
            ("CREATE ROLE", 1),
            ("CREATE TRIGGER", 1),
            ("CREATE VIEW (not resolved)", 1),
            ("GRANT", 2),
            ("INSERT", 1),
            ("MERGE", 1),
            ("PRINT", 1),
            ("SET", 2),
        ])
    );
    insta::assert_snapshot!("ssdt_diagnostics", diagnostics(&i));
    insta::assert_snapshot!("ssdt_snapshot", snapshot::render(s));
}

#[test]
fn ssms_generated_install_script() {
    let i = ddl::import_files(&[fixtures().join("install_script.sql")]);
    let s = &i.schema;
    assert!(!i.has_errors(), "{}", diagnostics(&i));
    // Schemas created through dynamic SQL.
    assert!(s.schemas.iter().any(|x| x == "hist"));
    assert!(s.schemas.iter().any(|x| x == "sales"));
    let customers = s.table(Some("sales"), "customers").expect("customers");
    // `[int]`-style bracketed type names, alias types, named defaults added
    // later with ALTER TABLE .. ADD CONSTRAINT .. DEFAULT .. FOR.
    assert_eq!(
        col(s, "sales", "customers", "phone").alias_type,
        Some(QualifiedName::new("dbo", "Phone"))
    );
    assert_eq!(
        customers
            .column("created_at")
            .and_then(|c| c.default.clone()),
        Some(Default {
            name: Some("DF_customers_created_at".into()),
            expr: "(getdate())".into()
        })
    );
    assert_eq!(
        col(s, "sales", "invoices", "status").default,
        Some(Default {
            name: None,
            expr: "('draft')".into()
        })
    );
    let invoices = s.table(Some("sales"), "invoices").expect("invoices");
    assert_eq!(
        invoices
            .columns
            .iter()
            .find(|c| c.name == "row_version")
            .map(|c| c.ty),
        Some(SqlType::RowVersion)
    );
    assert!(invoices.has_triggers);
    assert_eq!(invoices.indexes.len(), 2);
    // WITH CHECK ADD CONSTRAINT .. FOREIGN KEY, ON DELETE CASCADE.
    let lines = s.table(Some("sales"), "invoice_lines").expect("lines");
    assert_eq!(lines.foreign_keys[0].on_delete, RefAction::Cascade);
    assert_eq!(lines.primary_key.as_ref().map(|k| k.columns.len()), Some(2));
    assert_eq!(
        col(s, "sales", "invoice_lines", "line_total").ty,
        SqlType::Money
    );
    assert!(
        col(s, "sales", "invoice_lines", "line_total")
            .computed
            .as_ref()
            .is_some_and(|c| c.persisted)
    );
    // Temporal table and its explicit history table.
    assert_eq!(
        col(s, "sales", "price_list", "valid_to").generated_always,
        Some(GeneratedAlways::RowEnd)
    );
    assert!(s.table(Some("hist"), "price_list_history").is_some());
    // A view with a column list and a RIGHT JOIN: the left side is nullable.
    let v = s.table(Some("sales"), "v_customer_invoices").expect("view");
    let names: Vec<&str> = v.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["customer", "invoice", "issued", "state"]);
    assert!(v.columns[0].nullable && !v.columns[1].nullable);
    let k = skipped(&i);
    assert_eq!(k.get("SET"), Some(&26));
    assert_eq!(k.get("ALTER TABLE CHECK CONSTRAINT"), Some(&3));
    assert_eq!(k.get("EXEC"), Some(&2), "extended properties");
    assert_eq!(k.get("USE"), Some(&3));
    assert_eq!(k.get("ALTER TABLE ENABLE TRIGGER"), Some(&1));
    assert_eq!(k.get("CREATE TYPE AS TABLE"), Some(&1));
    insta::assert_snapshot!("install_script_diagnostics", diagnostics(&i));
    insta::assert_snapshot!("install_script_snapshot", snapshot::render(s));
}

/// The first diagnostic, which must exist.
fn first(i: &Import) -> &Diagnostic {
    i.warnings.first().expect("a diagnostic")
}

#[test]
fn duplicate_table_is_an_error_at_the_second_and_the_first_is_kept() {
    let i = import(
        "CREATE TABLE dbo.a (id int NOT NULL)\nGO\nCREATE TABLE [dbo].[A] (other int)\nGO\nCREATE TABLE dbo.b (id int)\n",
    );
    assert_eq!(i.warnings.len(), 1);
    let d = first(&i);
    assert_eq!((d.line, d.severity), (3, Severity::Error));
    assert!(
        d.message
            .contains("table `dbo.A` is already defined at script.sql:1"),
        "{}",
        d.message
    );
    assert_eq!(
        i.schema
            .table(None, "a")
            .map(|t| t.columns[0].name.as_str()),
        Some("id")
    );
    assert!(i.schema.table(None, "b").is_some());
}

#[test]
fn foreign_key_to_missing_table_is_dropped_with_its_location() {
    let i = import(
        "CREATE TABLE dbo.orders (\n  id int NOT NULL PRIMARY KEY,\n  user_id int NOT NULL\n)\nGO\n\
         ALTER TABLE dbo.orders ADD CONSTRAINT FK_orders_users FOREIGN KEY (user_id) REFERENCES dbo.users (id)\n\
         GO\nALTER TABLE dbo.nothing ADD CONSTRAINT DF_x DEFAULT 0 FOR y\n",
    );
    let msgs: Vec<String> = i
        .warnings
        .iter()
        .map(|d| format!("{}: {}", d.line, d.message))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].starts_with("6: foreign key `FK_orders_users` on `dbo.orders` references `dbo.users`, which is not defined"), "{msgs:?}");
    assert!(
        msgs[1].starts_with("8: ALTER TABLE on `dbo.nothing`, which is not defined"),
        "{msgs:?}"
    );
    let orders = i.schema.table(None, "orders").expect("kept");
    assert!(orders.foreign_keys.is_empty());
    assert_eq!(orders.columns.len(), 2);
    // The result still loads as a snapshot.
    let text = snapshot::render(&i.schema);
    assert_eq!(
        snapshot::parse(&text, Path::new("x")).as_ref(),
        Ok(&i.schema)
    );
}

#[test]
fn unparsable_statements_are_reported_and_the_rest_imported() {
    let sql = "\
CREATE TABLE dbo.good1 (id int NOT NULL)
CREATE TABLE dbo.broken (
    id int NOT NULL,
    name nvarchar(50) WIBBLE WOBBLE,
    x int
)
CREATE TABLE dbo.good2 (id int NOT NULL)
GO
)))) nonsense here;
CREATE TABLE dbo.good3 (id int NOT NULL, price decimal(40, 2))
CREATE TABLE dbo.good4 (id int NOT NULL, at datetime2)
";
    let i = import(sql);
    let msgs: Vec<String> = i
        .warnings
        .iter()
        .map(|d| format!("{}: {}", d.line, d.message))
        .collect();
    assert!(msgs[0].starts_with("4: cannot parse the statement starting `CREATE TABLE dbo` at line 2: expected a column option"), "{msgs:?}");
    assert!(msgs[0].contains("found `WIBBLE`"), "{msgs:?}");
    assert!(
        msgs[1].starts_with("9: cannot parse the statement starting `)))`"),
        "{msgs:?}"
    );
    assert!(
        msgs[2]
            .starts_with("10: column `dbo.good3.price`: `decimal` needs a precision from 1 to 38"),
        "{msgs:?}"
    );
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    for t in ["good1", "good2", "good3", "good4"] {
        assert!(i.schema.table(None, t).is_some(), "{t} lost");
    }
    assert!(i.schema.table(None, "broken").is_none());
    assert_eq!(
        col(&i.schema, "dbo", "good3", "price").ty,
        SqlType::SqlVariant
    );
}

#[test]
fn unterminated_literal_and_unknown_type_are_located() {
    let i = import(
        "CREATE TABLE dbo.t (id int NOT NULL, v dbo.Missing NULL)\nGO\nPRINT 'never closed\n",
    );
    let msgs: Vec<String> = i
        .warnings
        .iter()
        .map(|d| format!("{}: {:?}: {}", d.line, d.severity, d.message))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].starts_with("1: Warning: column `dbo.t.v`: unknown type `Missing`"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].starts_with("3: Error: unterminated string literal"),
        "{msgs:?}"
    );
    assert!(i.schema.table(None, "t").is_some());
}

#[test]
fn batches_comments_and_guards() {
    let sql = "\
/* header /* nested */ still comment */
IF OBJECT_ID(N'dbo.t', N'U') IS NOT NULL DROP TABLE dbo.t;
IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = 'T')
BEGIN
    CREATE TABLE dbo.t (
        id int NOT NULL, -- GO in a comment
        note varchar(10) NULL DEFAULT 'GO'
    )
END
go 3
print 'x'
GO
DROP TABLE IF EXISTS dbo.u
CREATE TABLE dbo.u (id int NOT NULL,)
";
    let i = import(sql);
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    assert_eq!(
        col(&i.schema, "dbo", "t", "note")
            .default
            .as_ref()
            .map(|d| d.expr.as_str()),
        Some("('GO')")
    );
    assert!(i.schema.table(None, "u").is_some());
    assert_eq!(
        skipped(&i),
        BTreeMap::from([("DROP TABLE", 2), ("PRINT", 1)])
    );
}

#[test]
fn alter_column_and_drop() {
    let i = import(
        "CREATE TABLE dbo.t (id int NOT NULL CONSTRAINT PK_t PRIMARY KEY, name nvarchar(50) NULL CONSTRAINT DF_t_name DEFAULT N'x', old int)\n\
         ALTER TABLE dbo.t ALTER COLUMN name nvarchar(120) NOT NULL\n\
         ALTER TABLE dbo.t DROP COLUMN old\n\
         ALTER TABLE dbo.t ADD added bit NOT NULL CONSTRAINT DF_t_added DEFAULT 0, CONSTRAINT UQ_t_name UNIQUE (name)\n",
    );
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let t = i.schema.table(None, "t").expect("t");
    let name = t.column("name").expect("name");
    assert_eq!(
        (name.ty, name.nullable),
        (SqlType::NVarChar(Length::Fixed(120)), false)
    );
    assert_eq!(
        name.default.as_ref().and_then(|d| d.name.as_deref()),
        Some("DF_t_name")
    );
    assert!(t.column("old").is_none());
    assert_eq!(t.column("added").map(|c| c.nullable), Some(false));
    assert!(t.is_unique_key(&["name"]));
}

#[test]
fn views_that_are_not_plain_columns_are_left_out_with_a_reason() {
    let base = "CREATE TABLE dbo.t (id int NOT NULL, v int NULL)\nGO\n";
    for (view, why) in [
        (
            "CREATE VIEW dbo.w AS SELECT id + 1 AS x FROM dbo.t",
            "list item 1 is an expression",
        ),
        (
            "CREATE VIEW dbo.w AS SELECT id FROM dbo.t UNION ALL SELECT v FROM dbo.t",
            "UNION",
        ),
        (
            "CREATE VIEW dbo.w AS WITH c AS (SELECT id FROM dbo.t) SELECT id FROM c",
            "does not start with SELECT",
        ),
        (
            "CREATE VIEW dbo.w AS SELECT id FROM (SELECT id FROM dbo.t) d",
            "derived table",
        ),
        (
            "CREATE VIEW dbo.w AS SELECT nope FROM dbo.t",
            "column `nope` is not in any table",
        ),
        (
            "CREATE VIEW dbo.w AS SELECT id FROM dbo.missing",
            "`dbo.missing`, which is not defined",
        ),
        (
            "CREATE VIEW dbo.w AS SELECT a.id FROM dbo.t a JOIN dbo.t b ON a.id = b.v CROSS APPLY x",
            "APPLY",
        ),
    ] {
        let i = import(&format!("{base}{view}"));
        let d = first(&i);
        assert_eq!((d.line, d.severity), (3, Severity::Warning), "{view}");
        assert!(
            d.message.starts_with("view `dbo.w` left out of the schema") && d.message.contains(why),
            "{view}: {}",
            d.message
        );
        assert!(i.schema.table(None, "w").is_none());
        assert!(i.schema.table(None, "t").is_some());
    }
    // A view over a view defined later in the file.
    let i = import(&format!(
        "{base}CREATE VIEW dbo.outer_v AS SELECT x FROM dbo.inner_v\nGO\nCREATE VIEW dbo.inner_v AS SELECT id AS x FROM dbo.t"
    ));
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    assert_eq!(
        i.schema.table(None, "outer_v").map(|v| v.columns[0].ty),
        Some(SqlType::Int)
    );
    let i = import(&format!(
        "{base}CREATE VIEW dbo.w AS SELECT TOP (10) x = a.id, b.*, [a].[v] [value] FROM dbo.t AS a LEFT JOIN dbo.t b ON b.id = a.v ORDER BY a.id"
    ));
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let w = i.schema.table(None, "w").expect("view");
    let cols: Vec<(&str, bool)> = w
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.nullable))
        .collect();
    assert_eq!(
        cols,
        [("x", false), ("id", true), ("v", true), ("value", true)]
    );
}

/// A small deterministic generator (xorshift), so the property tests need
/// no extra crate and fail reproducibly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Whatever the importer makes of any input renders to a snapshot that
/// loads back to the same schema.
fn check_consistent(i: &Import) {
    let text = snapshot::render(&i.schema);
    match snapshot::parse(&text, Path::new("generated")) {
        Ok(back) => assert_eq!(back, i.schema),
        Err(e) => panic!("importer produced an unloadable snapshot: {e}\n{text}"),
    }
}

#[test]
fn arbitrary_and_truncated_ddl_never_panics() {
    let script = std::fs::read_to_string(fixtures().join("install_script.sql")).expect("fixture");
    // Every truncation point (every 7th char boundary, to keep it quick).
    let mut cut = 0;
    while cut < script.len() {
        if script.is_char_boundary(cut) {
            check_consistent(&import(&script[..cut]));
        }
        cut += 7;
    }
    // Token soup built from T-SQL fragments.
    let words = [
        "CREATE",
        "TABLE",
        "ALTER",
        "ADD",
        "CONSTRAINT",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "(",
        ")",
        ",",
        "[x]",
        "dbo.t",
        "int",
        "nvarchar(",
        "max",
        "NOT",
        "NULL",
        "DEFAULT",
        "'s''",
        "N'",
        "/*",
        "*/",
        "--",
        "\n",
        "GO",
        "\nGO\n",
        "AS",
        "PERSISTED",
        "IDENTITY",
        "VIEW",
        "SELECT",
        "FROM",
        "JOIN",
        "ON",
        "INDEX",
        "WHERE",
        "CASE",
        "END",
        "EXEC",
        "TYPE",
        "FROM",
        "@v",
        "1",
        "-",
        "*",
        ";",
        ".",
        "\"",
        "[",
        "]",
        "IF",
        "BEGIN",
        "é",
        "CREATE TABLE dbo.t (id int NOT NULL PRIMARY KEY, v AS (id * 2))",
        "CREATE VIEW v AS SELECT * FROM dbo.t",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..3000 {
        let n = 1 + rng.below(40);
        let mut sql = String::new();
        for _ in 0..n {
            sql.push_str(words[rng.below(words.len())]);
            sql.push(if rng.below(4) == 0 { '\n' } else { ' ' });
        }
        check_consistent(&import(&sql));
    }
    // Deep nesting must not exhaust the stack.
    let deep = format!(
        "CREATE TABLE t (a int, b AS {}a{})",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    check_consistent(&import(&deep));
    let minus = format!("CREATE TABLE t (a int, b AS {}a)", "-".repeat(50_000));
    check_consistent(&import(&minus));
}

#[test]
fn assorted_real_world_forms() {
    let sql = "\
create sequence dbo.order_numbers as bigint start with 1;
CREATE TABLE dbo.x (
  id int NOT NULL,
  a int NULL INDEX IX_a NONCLUSTERED,
  n bigint NOT NULL DEFAULT (NEXT VALUE FOR dbo.order_numbers),
  INDEX CCI CLUSTERED COLUMNSTORE,
  CONSTRAINT PK_x PRIMARY KEY NONCLUSTERED (id)
)
CREATE TABLE dbo.mem (
  id int NOT NULL PRIMARY KEY NONCLUSTERED HASH WITH (BUCKET_COUNT = 1024),
  v nvarchar(10) COLLATE Latin1_General_100_BIN2 NOT NULL
) WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_ONLY);
create table t (id int not null) ; create index ix on t(id)
SET ANSI_NULLS ON;SET QUOTED_IDENTIFIER ON;
create   table   dbo . g  ( /* c */ a int , b int , constraint ck check ( a > b ) , c int, period int NULL,
  d decimal(10, 2) NOT NULL DEFAULT -1.5, e int DEFAULT (0) NOT NULL CHECK (e >= 0),
  f int NOT NULL CONSTRAINT PK_g PRIMARY KEY CLUSTERED WITH (FILLFACTOR = 80) ON [PRIMARY])
CREATE TABLE [dbo].[s] ([id] INT NOT NULL, [name] NVARCHAR(50) SPARSE NULL,
  [doc] VARBINARY(MAX) FILESTREAM NULL, [guid] UNIQUEIDENTIFIER ROWGUIDCOL NOT NULL UNIQUE)
ALTER TABLE dbo.s ADD CONSTRAINT PK_s PRIMARY KEY (id)
CREATE TABLE dbo.cte_after (id int NOT NULL)
WITH c AS (SELECT 1 AS x) SELECT * FROM c
CREATE TABLE dbo.ff (id int NOT NULL, CONSTRAINT PK_ff PRIMARY KEY (id) WITH FILLFACTOR = 90)
CREATE TABLE dbo.places (id int NOT NULL, at geography NULL DEFAULT geography::Point(0, 0, 4326)) AS NODE
GO
CREATE OR ALTER VIEW dbo.vx AS SELECT x.* FROM dbo.x
GO
CREATE OR ALTER PROC dbo.p AS SELECT 1
GO
CREATE PROC dbo.p2 AS SELECT 1
";
    let i = import(sql);
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    let s = &i.schema;
    assert_eq!(
        col(s, "dbo", "x", "n")
            .default
            .as_ref()
            .map(|d| d.expr.as_str()),
        Some("(NEXT VALUE FOR dbo.order_numbers)")
    );
    assert_eq!(s.table(None, "x").map(|t| t.indexes.len()), Some(1));
    assert_eq!(
        col(s, "dbo", "mem", "v").collation.as_deref(),
        Some("Latin1_General_100_BIN2")
    );
    assert_eq!(
        s.table(None, "t").map(|t| t.indexes[0].name.as_str()),
        Some("ix")
    );
    let g = s.table(None, "g").expect("g");
    let names: Vec<&str> = g.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "period", "d", "e", "f"]);
    assert_eq!(
        col(s, "dbo", "g", "d")
            .default
            .as_ref()
            .map(|d| d.expr.as_str()),
        Some("(-1.5)")
    );
    assert!(!col(s, "dbo", "s", "id").nullable);
    assert!(
        s.table(None, "s")
            .is_some_and(|t| t.is_unique_key(&["guid"]))
    );
    assert!(s.table(None, "cte_after").is_some() && s.table(None, "ff").is_some());
    assert_eq!(
        col(s, "dbo", "places", "at")
            .default
            .as_ref()
            .map(|d| d.expr.as_str()),
        Some("(geography::Point(0, 0, 4326))")
    );
    assert_eq!(s.table(None, "vx").map(|v| v.columns.len()), Some(3));
    assert_eq!(
        skipped(&i),
        BTreeMap::from([
            ("CREATE PROCEDURE", 2),
            ("CREATE SEQUENCE", 1),
            ("INDEX COLUMNSTORE", 1),
            ("SET", 2),
            ("WITH", 1),
        ])
    );
}
