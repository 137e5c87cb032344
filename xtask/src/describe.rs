//! `cargo xtask schema describe --url`: every generated statement pinned
//! under `snapshots/` is sent to `sys.sp_describe_first_result_set` (which
//! compiles it and never runs it), and the server's result columns are
//! compared with the ones the compiler inferred.

use std::fmt;
use std::path::{Path, PathBuf};

use quarry_runtime::Connection;
use quarry_schema::catalog::sql_type;

use crate::live::cell;

/// A result column as the compiler typed it (a `-- column` line of a pinned
/// statement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedColumn {
    /// The column name.
    pub name: String,
    /// The type as T-SQL spells it, e.g. `nvarchar(50)`.
    pub sql_type: String,
    /// Whether the compiler decodes it as `Option`.
    pub nullable: bool,
}

/// One generated statement, as `tests/statements.rs` pins it: a header of
/// `-- ` lines (id, parameter declarations, result columns), then the SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The statement id and variant, e.g. `statements::ch2_fetch_users #0`.
    pub id: String,
    /// The `sp_executesql` parameter declarations; empty when none.
    pub param_decls: String,
    /// The result columns the compiler inferred.
    pub columns: Vec<ExpectedColumn>,
    /// The SQL text, exactly as the runtime sends it.
    pub sql: String,
}

/// A result column as `sp_describe_first_result_set` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerColumn {
    /// `name` (NULL for an unnamed expression).
    pub name: Option<String>,
    /// `system_type_name`, e.g. `nvarchar(50)`.
    pub system_type_name: String,
    /// `max_length` in bytes, `-1` for `max`.
    pub max_length: i16,
    /// `precision`.
    pub precision: u8,
    /// `scale`.
    pub scale: u8,
    /// `is_nullable`.
    pub is_nullable: bool,
}

/// How much a [`Finding`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The compiler and the server disagree on a name, a type or the shape.
    Error,
    /// They disagree on nullability only.
    Warning,
}

/// One disagreement between the compiler and the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// What differs.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{tag}: {}", self.message)
    }
}

/// Reads a pinned statement out of an insta snapshot file's text. `None`
/// when the file is not a pinned statement (no `-- params:` header).
pub fn parse_pinned(text: &str) -> Option<Result<Pinned, String>> {
    // insta's front matter: `---`, metadata lines, `---`.
    let body = match text.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n")?.1,
        None => text,
    };
    let mut lines = body.lines().peekable();
    let id = lines.next()?.strip_prefix("-- ")?.to_owned();
    let param_decls = lines.next()?.strip_prefix("-- params:")?.trim().to_owned();
    let mut columns = Vec::new();
    while let Some(line) = lines.next_if(|l| l.starts_with("-- column ")) {
        match parse_column(&line["-- column ".len()..]) {
            Some(c) => columns.push(c),
            None => return Some(Err(format!("{id}: cannot read `{line}`"))),
        }
    }
    let sql: Vec<&str> = lines.collect();
    let sql = sql.join("\n").trim_end().to_owned();
    if sql.is_empty() {
        return Some(Err(format!("{id}: no SQL after the header")));
    }
    Some(Ok(Pinned {
        id,
        param_decls,
        columns,
        sql,
    }))
}

/// `<name> <type> NULL|NOT NULL`; the name may contain blanks, the type
/// never does.
fn parse_column(s: &str) -> Option<ExpectedColumn> {
    let (rest, nullable) = match s.strip_suffix(" NOT NULL") {
        Some(rest) => (rest, false),
        None => (s.strip_suffix(" NULL")?, true),
    };
    let (name, ty) = rest.rsplit_once(' ')?;
    if name.is_empty() || ty.is_empty() {
        return None;
    }
    Some(ExpectedColumn {
        name: name.to_owned(),
        sql_type: ty.to_owned(),
        nullable,
    })
}

/// The server's column type in the model's spelling (`timestamp` is
/// `rowversion`, `numeric` is `decimal`), or an error message.
fn server_type(c: &ServerColumn) -> Result<String, String> {
    let base = c
        .system_type_name
        .split('(')
        .next()
        .unwrap_or_default()
        .trim();
    sql_type(base, c.max_length, c.precision, c.scale)
        .map(|t| t.to_string())
        .map_err(|e| e.to_string())
}

/// Compares the compiler's result columns with the server's.
///
/// Names, column count and types must agree (an error: the runtime would
/// refuse the rows). Nullability differences are warnings: SQL Server's own
/// inference is conservative for expressions, so they are for a human to
/// read.
pub fn compare(expected: &[ExpectedColumn], server: &[ServerColumn]) -> Vec<Finding> {
    let error = |message: String| Finding {
        severity: Severity::Error,
        message,
    };
    let warning = |message: String| Finding {
        severity: Severity::Warning,
        message,
    };
    let mut out = Vec::new();
    if expected.len() != server.len() {
        let names = |n: Vec<&str>| n.join(", ");
        out.push(error(format!(
            "the compiler expects {} result columns ({}), the server returns {} ({})",
            expected.len(),
            names(expected.iter().map(|c| c.name.as_str()).collect()),
            server.len(),
            names(
                server
                    .iter()
                    .map(|c| c.name.as_deref().unwrap_or("<unnamed>"))
                    .collect()
            ),
        )));
        return out;
    }
    for (i, (e, s)) in expected.iter().zip(server).enumerate() {
        let at = format!("column {} `{}`", i + 1, e.name);
        match &s.name {
            Some(name) if name.eq_ignore_ascii_case(&e.name) => {}
            Some(name) => out.push(error(format!("{at}: the server names it `{name}`"))),
            None => out.push(error(format!("{at}: the server returns it unnamed"))),
        }
        match server_type(s) {
            Ok(t) if t.eq_ignore_ascii_case(&e.sql_type) => {}
            Ok(t) => out.push(error(format!(
                "{at}: the compiler types it {}, the server {t}",
                e.sql_type
            ))),
            Err(msg) => out.push(error(format!(
                "{at}: the server's type `{}` is not in the model: {msg}",
                s.system_type_name
            ))),
        }
        match (e.nullable, s.is_nullable) {
            (false, true) => out.push(warning(format!(
                "{at}: decoded as NOT NULL, but the server says it may be NULL"
            ))),
            (true, false) => out.push(warning(format!(
                "{at}: decoded as Option, but the server says it is never NULL"
            ))),
            _ => {}
        }
    }
    out
}

/// Every pinned statement under `dir` and its subfolders (`*.snap` files, sorted by path), with
/// its file. Files that are not pinned statements are skipped.
pub fn load_pinned(dir: &Path) -> Result<Vec<(PathBuf, Pinned)>, String> {
    // Subfolders too: the examples' and live tests' statements are pinned in
    // `snapshots/examples/` and `snapshots/live/`.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read `{}`: {e}", d.display()))?;
        for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "snap") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        match parse_pinned(&text) {
            Some(Ok(p)) => out.push((path, p)),
            Some(Err(e)) => return Err(format!("{}: {e}", path.display())),
            None => {}
        }
    }
    Ok(out)
}

/// Asks the server to describe `p`'s first result set (hidden browse-mode
/// columns left out).
pub async fn describe_one(conn: &mut Connection, p: &Pinned) -> Result<Vec<ServerColumn>, String> {
    const Q: &str = "sp_describe_first_result_set";
    let client = conn.client();
    let stream = if p.param_decls.is_empty() {
        client
            .query(
                "EXEC sys.sp_describe_first_result_set @tsql = @P1",
                &[&p.sql],
            )
            .await
    } else {
        client
            .query(
                "EXEC sys.sp_describe_first_result_set @tsql = @P1, @params = @P2",
                &[&p.sql, &p.param_decls],
            )
            .await
    };
    let rows = match stream {
        Ok(stream) => stream.into_first_result().await,
        Err(e) => Err(e),
    }
    .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        if cell!(row, Q, "is_hidden", bool)? {
            continue;
        }
        out.push(ServerColumn {
            name: cell!(row, Q, "name", Option<String>)?,
            system_type_name: cell!(row, Q, "system_type_name", String)?,
            max_length: cell!(row, Q, "max_length", i16)?,
            precision: cell!(row, Q, "precision", u8)?,
            scale: cell!(row, Q, "scale", u8)?,
            is_nullable: cell!(row, Q, "is_nullable", bool)?,
        });
    }
    Ok(out)
}

/// Describes every statement pinned under `dir` on the server named by
/// `url` and prints what differs. `Ok(true)` when no statement has an error
/// (warnings allowed); `Err` when nothing could be checked at all.
pub fn describe(url: &str, dir: &Path) -> Result<bool, String> {
    let pinned = load_pinned(dir)?;
    if pinned.is_empty() {
        return Err(format!(
            "no pinned statements in `{}` (run `cargo test --test statements` first)",
            dir.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    runtime.block_on(async {
        let mut conn = quarry_runtime::connect(url)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        let (mut matched, mut warned, mut mismatched, mut failed) = (0, 0, 0, 0);
        for (path, p) in &pinned {
            let findings = match describe_one(&mut conn, p).await {
                Ok(server) => compare(&p.columns, &server),
                Err(e) => {
                    failed += 1;
                    println!(
                        "FAILED  {} ({}): the server cannot describe it: {e}",
                        p.id,
                        path.display()
                    );
                    if conn.is_broken() {
                        return Err(format!("the connection broke while describing {}", p.id));
                    }
                    continue;
                }
            };
            let errors = findings.iter().any(|f| f.severity == Severity::Error);
            match (errors, findings.is_empty()) {
                (true, _) => mismatched += 1,
                (false, false) => warned += 1,
                (false, true) => matched += 1,
            }
            if !findings.is_empty() {
                let tag = if errors { "DIFFERS" } else { "WARNS  " };
                println!("{tag} {} ({})", p.id, path.display());
                for f in &findings {
                    println!("    {f}");
                }
            }
        }
        let _ = conn.close().await;
        println!(
            "described {} statements: {matched} match, {warned} with nullability warnings, \
             {mismatched} differ, {failed} could not be described",
            pinned.len()
        );
        Ok(mismatched == 0 && failed == 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAP: &str = "---
source: tests/statements.rs
expression: text
---
-- statements::ch12_dashboard_orders #3 (Select)
-- params: @P1 int, @P2 datetime2(7)
-- column id int NOT NULL
-- column total decimal(18,2) NOT NULL
-- column first name nvarchar(max) NULL
/* quarry: statements::ch12_dashboard_orders #3 */
SELECT [o].[id], [o].[total], [o].[first name]
FROM [dbo].[orders] AS [o]
WHERE [o].[user_id] = @P1 AND [o].[created_at] >= @P2;
";

    fn expected(name: &str, ty: &str, nullable: bool) -> ExpectedColumn {
        ExpectedColumn {
            name: name.into(),
            sql_type: ty.into(),
            nullable,
        }
    }

    fn server(name: &str, ty: &str, facets: (i16, u8, u8), nullable: bool) -> ServerColumn {
        ServerColumn {
            name: Some(name.into()),
            system_type_name: ty.into(),
            max_length: facets.0,
            precision: facets.1,
            scale: facets.2,
            is_nullable: nullable,
        }
    }

    #[test]
    fn reads_a_pinned_statement() {
        let p = parse_pinned(SNAP).unwrap().unwrap();
        assert_eq!(p.id, "statements::ch12_dashboard_orders #3 (Select)");
        assert_eq!(p.param_decls, "@P1 int, @P2 datetime2(7)");
        assert_eq!(
            p.columns,
            [
                expected("id", "int", false),
                expected("total", "decimal(18,2)", false),
                expected("first name", "nvarchar(max)", true),
            ]
        );
        assert!(
            p.sql
                .starts_with("/* quarry: statements::ch12_dashboard_orders #3 */\nSELECT")
        );
        assert!(p.sql.ends_with(">= @P2;"));
    }

    #[test]
    fn statements_without_params_or_columns_and_other_files() {
        let p = parse_pinned("-- s::del #0 (Delete)\n-- params: \nDELETE FROM [t];\n")
            .unwrap()
            .unwrap();
        assert_eq!(p.param_decls, "");
        assert!(p.columns.is_empty());
        assert_eq!(p.sql, "DELETE FROM [t];");
        assert_eq!(parse_pinned("---\nsource: x\n---\nquarry-schema 1\n"), None);
        assert!(
            parse_pinned("-- s #0\n-- params:\n-- column broken\nSELECT 1")
                .unwrap()
                .is_err()
        );
        assert!(parse_pinned("-- s #0\n-- params:\n").unwrap().is_err());
    }

    #[test]
    fn every_statement_pinned_in_the_repository_reads() {
        // The compiler's inventory (tests/statements.rs) is what `describe`
        // sends; if its header format changes, this fails first.
        // The workspace root is `..` from xtask/, `.` when tests/live_catalog.rs
        // compiles this file into the root package.
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = [manifest.join("snapshots"), manifest.join("../snapshots")]
            .into_iter()
            .find(|d| d.is_dir())
            .expect("the workspace's snapshots/ folder");
        let pinned = load_pinned(&dir).unwrap();
        assert!(
            !pinned.is_empty(),
            "no pinned statements in {}",
            dir.display()
        );
        for (path, p) in &pinned {
            assert!(p.sql.contains("/* quarry:"), "{}", path.display());
            assert!(!p.param_decls.contains('\n'), "{}", path.display());
        }
    }

    #[test]
    fn matching_columns_give_no_findings() {
        let want = [
            expected("id", "int", false),
            expected("name", "nvarchar(50)", true),
            expected("total", "decimal(18,2)", false),
            expected("ver", "rowversion", false),
            expected("body", "varchar(max)", true),
        ];
        let got = [
            server("id", "int", (4, 10, 0), false),
            server("NAME", "nvarchar(50)", (100, 0, 0), true),
            server("total", "numeric(18,2)", (9, 18, 2), false),
            server("ver", "timestamp", (8, 0, 0), false),
            server("body", "varchar(max)", (-1, 0, 0), true),
        ];
        assert_eq!(compare(&want, &got), []);
    }

    #[test]
    fn differences_are_reported_by_severity() {
        let want = [
            expected("id", "int", false),
            expected("name", "nvarchar(50)", false),
            expected("note", "nvarchar(max)", true),
            expected("total", "decimal(18,2)", false),
        ];
        let mut unnamed = server("x", "vector(3)", (12, 0, 0), false);
        unnamed.name = None;
        let got = [
            server("user_id", "int", (4, 10, 0), false),
            server("name", "nvarchar(60)", (120, 0, 0), true),
            server("note", "nvarchar(max)", (-1, 0, 0), false),
            unnamed,
        ];
        let messages: Vec<String> = compare(&want, &got).iter().map(|f| f.to_string()).collect();
        assert_eq!(
            messages,
            [
                "error: column 1 `id`: the server names it `user_id`",
                "error: column 2 `name`: the compiler types it nvarchar(50), the server nvarchar(60)",
                "warning: column 2 `name`: decoded as NOT NULL, but the server says it may be NULL",
                "warning: column 3 `note`: decoded as Option, but the server says it is never NULL",
                "error: column 4 `total`: the server returns it unnamed",
                "error: column 4 `total`: the server's type `vector(3)` is not in the model: \
                 unsupported type `vector`",
            ]
        );
        let fewer = compare(&want[..1], &got);
        assert_eq!(fewer.len(), 1);
        assert_eq!(
            fewer[0].message,
            "the compiler expects 1 result columns (id), the server returns 4 \
             (user_id, name, note, <unnamed>)"
        );
    }
}
