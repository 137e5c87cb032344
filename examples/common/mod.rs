//! Shared set-up for the examples: find the server, install the repository's
//! test schema (`tests/schema/`, the DDL the committed `quarry.schema` was
//! imported from) when it is missing, so every `query!` in the examples
//! meets the tables it was checked against.
//!
//! Point the examples at a scratch database: they insert and delete rows.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use quarry::{Connection, Error};

/// The connection string from `QUARRY_DATABASE_URL` or `QUARRY_TEST_URL`;
/// `None` (after saying how to run the example) when neither is set.
///
/// Also `None`, after printing the example's statement inventory, when the
/// example was started with `--quarry-statements`
/// (`cargo run --example crud -- --quarry-statements`): every example lists
/// the T-SQL it can send without a server (`tests/examples_pinned.rs` pins
/// that list).
pub fn database_url(example: &str) -> Option<String> {
    if quarry::print_inventory_if_requested() {
        return None;
    }
    for var in ["QUARRY_DATABASE_URL", "QUARRY_TEST_URL"] {
        match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => return Some(url),
            _ => {}
        }
    }
    println!(
        "{example}: no server configured, nothing to do. Set QUARRY_DATABASE_URL (or QUARRY_TEST_URL) to a \
         scratch database, e.g.\n  QUARRY_DATABASE_URL='Server=tcp:localhost,1433;Database=quarry_demo;User Id=sa;\
         Password=...;TrustServerCertificate=true' cargo run --example {example}"
    );
    None
}

/// Connects and makes sure the test schema exists.
pub async fn connect_and_prepare(url: &str) -> Result<Connection, Error> {
    let mut conn = quarry::connect(url).await?;
    install_schema(&mut conn).await?;
    Ok(conn)
}

/// Runs the DDL under `tests/schema/` unless `dbo.users` already exists:
/// schemas, types, tables (in foreign-key order), views, triggers. Each file
/// is split at `GO` lines. DDL is transactional in SQL Server, so this may
/// run inside a transaction that is later rolled back.
pub async fn install_schema(conn: &mut Connection) -> Result<(), Error> {
    let rows = conn
        .query_raw("SELECT CASE WHEN OBJECT_ID(N'dbo.users') IS NULL THEN 0 ELSE 1 END")
        .await?;
    if rows
        .first()
        .and_then(|r| r.try_get::<i32, _>(0).ok().flatten())
        == Some(1)
    {
        return Ok(());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema");
    let files = sql_files(&root);
    let kind = |f: &PathBuf, k: &str| f.components().any(|c| c.as_os_str() == k);
    for f in files.iter().filter(|f| kind(f, "Security")) {
        run_file(conn, f).await?;
    }
    for f in files.iter().filter(|f| kind(f, "Types")) {
        run_file(conn, f).await?;
    }
    for file in table_install_order(&files) {
        run_file(conn, &file).await?;
    }
    for f in files
        .iter()
        .filter(|f| kind(f, "Views") || kind(f, "Triggers"))
    {
        run_file(conn, f).await?;
    }
    println!("installed the test schema from {}", root.display());
    Ok(())
}

/// The table files in foreign-key order: each after the tables it
/// references (so no statement fails, which matters inside a transaction).
/// A cycle falls back to file order and lets the server report it.
pub fn table_install_order(files: &[PathBuf]) -> Vec<PathBuf> {
    let is_table = |f: &PathBuf| f.components().any(|c| c.as_os_str() == "Tables");
    let mut pending: Vec<(PathBuf, String, Vec<String>)> = files
        .iter()
        .filter(|f| is_table(f))
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let name = names_after(&text, "CREATE TABLE")
                .into_iter()
                .next()
                .unwrap_or_default();
            (f.clone(), name, names_after(&text, "REFERENCES"))
        })
        .collect();
    let mut created: Vec<String> = Vec::new();
    let mut order = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, name, refs)| refs.iter().all(|r| r == name || created.contains(r)))
            .unwrap_or(0);
        let (file, name, _) = pending.remove(ready);
        created.push(name);
        order.push(file);
    }
    order
}

/// The repository's DDL files, sorted.
pub fn schema_files() -> Vec<PathBuf> {
    sql_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema"))
}

/// The (lower-case, bracket-free, schema-qualified) object names that
/// follow each occurrence of `keyword`: `CREATE TABLE [dbo].[users]` gives
/// `dbo.users`.
fn names_after(text: &str, keyword: &str) -> Vec<String> {
    let upper = text.to_ascii_uppercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = upper[from..].find(keyword) {
        let start = from + i + keyword.len();
        let name: String = text[start..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
            .filter(|c| !matches!(c, '[' | ']'))
            .collect::<String>()
            .to_ascii_lowercase();
        out.push(if name.contains('.') {
            name
        } else {
            format!("dbo.{name}")
        });
        from = start;
    }
    out
}

fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "sql") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

async fn run_file(conn: &mut Connection, file: &Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::Usage {
        message: format!("cannot read {}: {e}", file.display()),
    })?;
    let mut batch = String::new();
    for line in text.lines().chain(std::iter::once("GO")) {
        if line.trim().eq_ignore_ascii_case("GO") {
            if !batch.trim().is_empty() {
                conn.execute_raw(&batch).await?;
            }
            batch.clear();
        } else {
            batch.push_str(line);
            batch.push('\n');
        }
    }
    Ok(())
}

/// Prints an error and exits non-zero: examples fail loudly.
pub fn exit_on_error(result: Result<(), Error>) {
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
