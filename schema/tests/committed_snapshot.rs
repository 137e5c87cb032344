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

/// Why the snapshot at `path` is not what the DDL in `ddl` gives, or `None`
/// when it is exactly that.
fn staleness(ddl: &Path, path: &Path) -> Option<String> {
    let import = ddl::import_files(&[ddl.to_path_buf()]);
    let problems: Vec<String> = import.warnings.iter().map(|d| d.to_string()).collect();
    assert!(
        problems.is_empty(),
        "the test DDL in {} imports with problems:\n{}",
        ddl.display(),
        problems.join("\n")
    );
    let expected = snapshot::render(&import.schema);
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == expected {
        return None;
    }
    let changes = match snapshot::parse(&committed, path) {
        Ok(old) => diff::diff(&old, &import.schema).to_string(),
        Err(e) => format!("(the committed file does not load: {e})\n"),
    };
    Some(format!(
        "{} is stale against the DDL in tests/schema/.\n\
         Differences from the committed snapshot to the DDL:\n{changes}\
         Refresh it from the workspace root with:\n    \
         cargo xtask schema refresh --ddl tests/schema --out quarry.schema\n\
         and commit the result.",
        path.display()
    ))
}

#[test]
fn committed_snapshot_matches_the_test_ddl() {
    let root = root();
    if let Some(message) = staleness(&root.join("tests/schema"), &root.join("quarry.schema")) {
        panic!("{message}");
    }
}

#[test]
fn a_stale_snapshot_is_reported_with_its_differences_and_the_fix() {
    let root = root();
    let committed = std::fs::read_to_string(root.join("quarry.schema")).expect("committed");
    let stale = std::env::temp_dir().join(format!("quarry-stale-{}.schema", std::process::id()));
    std::fs::write(
        &stale,
        committed.replacen("  column note nvarchar(max) null\n", "", 1),
    )
    .expect("write");
    let message = staleness(&root.join("tests/schema"), &stale).expect("stale");
    let _ = std::fs::remove_file(&stale);
    assert!(
        message.contains("+ column dbo.orders.note: nvarchar(max) null\n"),
        "{message}"
    );
    assert!(message.contains("cargo xtask schema refresh --ddl tests/schema --out quarry.schema"));
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
