//! The snapshot file format: round trips, deterministic rendering, and a
//! located error for every kind of bad input.

use std::path::Path;

use quarry_schema::snapshot::{self, FORMAT_VERSION, SnapshotError};
use quarry_schema::*;

fn q(s: &str, n: &str) -> QualifiedName {
    QualifiedName::new(s, n)
}

/// A schema that uses every facet the format can express, including names
/// and expressions that need quoting.
fn every_facet() -> Schema {
    let mut users = Table::new(q("dbo", "users"));
    let mut id = Column::new("id", SqlType::Int, false);
    id.identity = Some(Identity {
        seed: -100,
        increment: 5,
    });
    let mut name = Column::new("user name", SqlType::NVarChar(Length::Fixed(120)), false);
    name.alias_type = Some(q("dbo", "Name"));
    name.collation = Some("Latin1_General_CI_AS".into());
    let mut created = Column::new("created_at", SqlType::DateTime2 { scale: 3 }, false);
    created.default = Some(Default {
        name: Some("DF_users_created_at".into()),
        expr: "(sysutcdatetime())".into(),
    });
    let mut odd = Column::new("order", SqlType::VarChar(Length::Max), true);
    // Not one group, a quote and a parenthesis inside a literal, a newline.
    odd.default = Some(Default {
        name: None,
        expr: "('a)\"b' + 'c\\d')\n+ (1)".into(),
    });
    let mut guid = Column::new("row_guid", SqlType::UniqueIdentifier, false);
    guid.rowguidcol = true;
    guid.default = Some(Default {
        name: Some("DF ]odd[ name".into()),
        expr: "(newsequentialid())".into(),
    });
    let mut total = Column::new(
        "total",
        SqlType::Decimal {
            precision: 19,
            scale: 4,
        },
        true,
    );
    total.computed = Some(Computed {
        expr: "([qty]*[price])".into(),
        persisted: true,
    });
    let mut start = Column::new("valid_from", SqlType::DateTime2 { scale: 7 }, false);
    start.generated_always = Some(GeneratedAlways::RowStart);
    let mut end = Column::new("valid_to", SqlType::DateTime2 { scale: 7 }, false);
    end.generated_always = Some(GeneratedAlways::RowEnd);
    users.columns = vec![
        id,
        name,
        created,
        odd,
        guid,
        Column::new("qty", SqlType::SmallInt, false),
        Column::new("price", SqlType::Money, false),
        total,
        Column::new("version", SqlType::RowVersion, false),
        start,
        end,
        Column::new("shape", SqlType::Clr(ClrType::Geography), true),
    ];
    users.primary_key = Some(Key {
        name: Some("PK_users".into()),
        columns: vec!["id".into()],
        clustered: true,
    });
    users.unique_keys = vec![
        Key {
            name: None,
            columns: vec!["row_guid".into()],
            clustered: false,
        },
        Key {
            name: Some("clustered".into()),
            columns: vec!["user name".into(), "order".into()],
            clustered: false,
        },
    ];
    users.indexes = vec![Index {
        name: "IX_users_created".into(),
        columns: vec![("created_at".into(), true), ("id".into(), false)],
        include: vec!["user name".into()],
        unique: true,
        clustered: false,
        filter: Some("([order] IS NOT NULL)".into()),
    }];
    users.has_triggers = true;
    let mut emp = Table::new(q("hr", "my table"));
    emp.columns = vec![
        Column::new("id", SqlType::BigInt, false),
        Column::new("boss", SqlType::BigInt, true),
        Column::new("user_id", SqlType::Int, true),
    ];
    emp.primary_key = Some(Key {
        name: None,
        columns: vec!["id".into()],
        clustered: false,
    });
    emp.foreign_keys = vec![
        ForeignKey {
            name: "FK_self".into(),
            columns: vec!["boss".into()],
            references: q("hr", "my table"),
            referenced_columns: vec!["id".into()],
            on_delete: RefAction::NoAction,
            on_update: RefAction::NoAction,
        },
        ForeignKey {
            name: "FK_user".into(),
            columns: vec!["user_id".into()],
            references: q("dbo", "users"),
            referenced_columns: vec!["id".into()],
            on_delete: RefAction::SetNull,
            on_update: RefAction::Cascade,
        },
    ];
    let mut view = Table::new(q("dbo", "v"));
    view.kind = TableKind::View;
    view.columns = vec![Column::new("id", SqlType::Int, false)];
    Schema::new(
        vec!["dbo".into(), "hr".into(), "empty schema".into()],
        vec![AliasType {
            name: q("dbo", "Name"),
            base: SqlType::NVarChar(Length::Fixed(120)),
            nullable: false,
        }],
        vec![view, emp, users],
    )
    .expect("valid schema")
}

fn parse(text: &str) -> Result<Schema, SnapshotError> {
    snapshot::parse(text, Path::new("quarry.schema"))
}

#[test]
fn round_trip_keeps_every_facet() {
    let schema = every_facet();
    let text = snapshot::render(&schema);
    let back = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, schema);
    assert_eq!(snapshot::render(&back), text);
    insta::assert_snapshot!("every_facet", text);
}

#[test]
fn render_is_identical_whatever_the_input_order() {
    let a = every_facet();
    let mut tables = a.tables().to_vec();
    tables.reverse();
    for t in &mut tables {
        t.unique_keys.reverse();
        t.foreign_keys.reverse();
        t.indexes.reverse();
    }
    let mut schemas = a.schemas.clone();
    schemas.reverse();
    let b = Schema::new(schemas, a.types.clone(), tables).expect("valid");
    assert_eq!(snapshot::render(&a), snapshot::render(&b));
}

#[test]
fn crlf_bom_comments_and_blank_lines_are_accepted() {
    let text = "\u{feff}quarry-schema 1\r\n# comment\r\n\r\ntable dbo.t\r\n  # a comment in a body\r\n  column id int not null\r\nend\r\n";
    let s = parse(text).expect("loads");
    assert_eq!(s.tables()[0].columns[0].name, "id");
}

/// Asserts an error's line and that its message contains `needle`.
fn err_at(text: &str, line: usize, needle: &str) {
    let e = parse(text).expect_err("must fail");
    assert_eq!(e.line(), Some(line), "wrong line for: {e}");
    let msg = e.to_string();
    assert!(msg.contains(needle), "`{msg}` lacks `{needle}`");
    assert!(
        msg.starts_with("quarry.schema:"),
        "`{msg}` does not name the file"
    );
}

#[test]
fn truncated_snapshot_is_an_error_at_the_end() {
    let text = snapshot::render(&every_facet());
    let without_end = text.trim_end().trim_end_matches("end");
    let lines = without_end.lines().count();
    err_at(without_end, lines + 1, "truncated");
    // Cut in the middle of a column line.
    let cut = text.find("column row_guid").expect("present") + 20;
    let line = text[..cut].lines().count();
    err_at(&text[..cut], line, "expected");
}

#[test]
fn every_prefix_of_a_snapshot_fails_to_load_and_never_panics() {
    let text = snapshot::render(&every_facet());
    let complete = text.trim_end().len();
    for cut in (0..complete).filter(|&i| text.is_char_boundary(i)) {
        assert!(parse(&text[..cut]).is_err(), "prefix of {cut} bytes loaded");
    }
    assert!(parse(&text[..complete]).is_ok());
}

#[test]
fn newer_format_says_so() {
    let e = parse("quarry-schema 7\nend\n").expect_err("newer");
    assert_eq!(
        e,
        SnapshotError::NewerFormat {
            path: "quarry.schema".into(),
            line: 1,
            found: 7,
            supported: FORMAT_VERSION,
        }
    );
    assert!(e.to_string().contains(&format!(
        "written by a newer Quarry (format 7, this build reads {FORMAT_VERSION})"
    )));
}

#[test]
fn bad_headers() {
    err_at("", 1, "`quarry-schema <version>` as the first line");
    err_at("table dbo.t\n", 1, "`quarry-schema <version>`");
    err_at("quarry-schema one\nend\n", 1, "a format version number");
    err_at("quarry-schema 0\nend\n", 1, "a format version number");
}

#[test]
fn bad_lines_name_line_and_expectation() {
    let head = "quarry-schema 1\n";
    err_at(
        &format!("{head}tabel dbo.t\nend\n"),
        2,
        "expected `schema`, `type`, `table`, `view` or `end`, found `tabel`",
    );
    err_at(
        &format!("{head}  column id int not null\nend\n"),
        2,
        "body lines belong to a `table`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id integr not null\nend\n"),
        3,
        "a SQL Server system type, found `integr`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id nvarchar(5000) not null\nend\n"),
        3,
        "from 1 to 4000",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int\nend\n"),
        3,
        "`null` or `not null`, found end of line",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null identity(1)\nend\n"),
        3,
        "expected `,`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null default (1\nend\n"),
        3,
        "balanced parentheses",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null default \"x\nend\n"),
        3,
        "closing the quoted expression",
    );
    err_at(
        &format!("{head}table dbo.[t\nend\n"),
        2,
        "`]` closing the bracketed name",
    );
    err_at(
        &format!("{head}table t\nend\n"),
        2,
        "names are `schema.name`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null\n  colour x\nend\n"),
        4,
        "`column`, `primary key`",
    );
    err_at(
        &format!("{head}table dbo.t\nend\n"),
        2,
        "`dbo.t` has no columns",
    );
    err_at(
        &format!(
            "{head}table dbo.t\n  column id int not null\n  primary key clustered (nope)\nend\n"
        ),
        2,
        "names column `nope`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null\n  column ID int null\nend\n"),
        2,
        "two columns named `ID`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null\nend\ntable dbo.u\n"),
        5,
        "nothing after `end`",
    );
    err_at(
        &format!("{head}table dbo.t\n  column id int not null rowguidcol identity(1,1)\nend\n"),
        3,
        "in this order",
    );
}

#[test]
fn duplicate_table_names_both_lines() {
    let text = "quarry-schema 1\ntable dbo.t\n  column id int not null\ntable DBO.T\n  column id int not null\nend\n";
    err_at(
        text,
        4,
        "duplicate table or view `DBO.T` (first defined at line 2)",
    );
}

#[test]
fn foreign_key_to_missing_table_or_column() {
    let text = "quarry-schema 1\ntable dbo.t\n  column id int not null\n  column u int null\n  foreign key FK_t_u (u) references dbo.u (id)\nend\n";
    err_at(text, 5, "references `dbo.u`, which is not in the snapshot");
    let text = "quarry-schema 1\ntable dbo.t\n  column id int not null\n  column u int null\n  foreign key FK_t_t (u) references dbo.t (nope)\nend\n";
    err_at(text, 5, "references column `nope`");
    let text = "quarry-schema 1\ntable dbo.t\n  column id int not null\n  foreign key FK (id) references dbo.t (id, id)\nend\n";
    err_at(text, 4, "has 1 columns but references 2");
}

#[test]
fn load_names_a_missing_file() {
    let e = snapshot::load(Path::new("/nonexistent/quarry.schema")).expect_err("missing");
    assert!(matches!(e, SnapshotError::Io { .. }));
    assert_eq!(e.path(), Path::new("/nonexistent/quarry.schema"));
    assert!(
        e.to_string()
            .contains("cannot read schema snapshot `/nonexistent/quarry.schema`")
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

#[test]
fn mutated_snapshots_never_panic() {
    let text = snapshot::render(&every_facet());
    let pieces = [
        "(",
        ")",
        "[",
        "]",
        "\"",
        "\\",
        "\n",
        "  ",
        "column ",
        "end",
        "not null",
        "-",
        "9999999999999999999999",
        "identity(",
        "default ",
        "é",
        "\u{feff}",
        ",",
        ".",
        "table ",
        "quarry-schema 2",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut s: Vec<char> = text.chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(s.len() + 1);
            match rng.below(3) {
                0 if at < s.len() => {
                    s.remove(at);
                }
                1 => {
                    let p = pieces[rng.below(pieces.len())];
                    for (k, c) in p.chars().enumerate() {
                        s.insert(at + k, c);
                    }
                }
                _ => s.truncate(at),
            }
        }
        let mutated: String = s.into_iter().collect();
        if let Ok(schema) = parse(&mutated) {
            // Whatever loads renders to something that loads to the same.
            let again = snapshot::render(&schema);
            assert_eq!(parse(&again).as_ref(), Ok(&schema));
        }
    }
}
