//! The repository's committed `quarry.schema` must be exactly what
//! `cargo xtask schema refresh --ddl tests/schema` writes from the committed
//! test DDL, so a DDL change without a refreshed snapshot fails `cargo test`.

use std::path::{Path, PathBuf};

use quarry_schema::{ddl, diff, snapshot};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the schema crate lives in the workspace")
        .to_path_buf()
}

#[test]
fn committed_snapshot_matches_the_test_ddl() {
    let root = root();
    let import = ddl::import_files(&[root.join("tests/schema")]);
    let problems: Vec<String> = import.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        problems.is_empty(),
        "the test DDL in tests/schema/ imports with problems:\n{}",
        problems.join("\n")
    );
    let expected = snapshot::render(&import.schema);
    let path = root.join("quarry.schema");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != expected {
        let changes = match snapshot::parse(&committed, &path) {
            Ok(old) => diff::diff(&old, &import.schema).to_string(),
            Err(e) => format!("(the committed file does not load: {e})\n"),
        };
        panic!(
            "quarry.schema is stale against the DDL in tests/schema/.\n\
             Differences from the committed snapshot to the DDL:\n{changes}\
             Refresh it from the workspace root with:\n    \
             cargo xtask schema refresh --ddl tests/schema --out quarry.schema\n\
             and commit the result."
        );
    }
}

#[test]
fn committed_snapshot_loads_and_renders_identically() {
    let path = root().join("quarry.schema");
    let schema = snapshot::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(snapshot::render(&schema), text);
    // The booklet's tables are all there.
    for (s, t) in [
        ("dbo", "users"),
        ("dbo", "orders"),
        ("dbo", "posts"),
        ("dbo", "tags"),
        ("dbo", "post_tags"),
        ("dbo", "employees"),
        ("dbo", "messages"),
        ("dbo", "accounts"),
        ("dbo", "logs"),
        ("staging", "sales_tmp"),
        ("warehouse", "fact_sales"),
        ("etl", "log_runs"),
        ("audit", "sql_history"),
    ] {
        assert!(schema.table(Some(s), t).is_some(), "{s}.{t} missing");
    }
}
