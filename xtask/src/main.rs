//! `cargo xtask`: the repository's maintenance commands. `schema refresh`
//! writes the schema snapshot from T-SQL DDL or a live server, `schema diff`
//! compares two snapshots, `schema check` fails when the committed snapshot
//! is stale.

mod describe;
mod live;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use quarry_schema::Schema;
use quarry_schema::ddl::{self, Import};
use quarry_schema::diff::diff;
use quarry_schema::snapshot;

const USAGE: &str = "\
usage: cargo xtask schema <command> [options]

commands:
  refresh --ddl <path>... [--out <file>]       import T-SQL DDL files or folders (*.sql,
                                               searched recursively) and write the snapshot
  refresh --url <connection> [--out <file>]    read the schema of a live SQL Server
  diff <old> <new>                             print the differences between two snapshots;
                                               exit status 1 when they differ
  check --ddl <path>... [--snapshot <file>]    exit status 1 when the snapshot is stale
  check --url <connection> [--snapshot <file>] against the DDL or the live database
  describe --url <connection> [--statements <dir>]
                                               ask the server (sp_describe_first_result_set)
                                               for the result columns of every statement
                                               pinned in <dir> (default snapshots/) and
                                               compare them with the compiler's; exit
                                               status 1 when a name or type differs

The snapshot defaults to quarry.schema in the current directory.";

/// How a command failed: bad usage (exit 2) or a failed check (exit 1).
enum Failure {
    Usage(String),
    Error(String),
    /// The command ran and its answer is \"no\" (snapshots differ, stale).
    Negative,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Negative) => ExitCode::from(1),
        Err(Failure::Error(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    match args.first().map(String::as_str) {
        Some("schema") => {}
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => return Err(Failure::Usage(format!("unknown task `{other}`"))),
    }
    let rest = &args[1..];
    match rest.first().map(String::as_str) {
        Some("refresh") => refresh(&Options::parse(&rest[1..], "--out")?),
        Some("check") => check(&Options::parse(&rest[1..], "--snapshot")?),
        Some("describe") => describe_statements(&rest[1..]),
        Some("diff") => match &rest[1..] {
            [old, new] => diff_files(Path::new(old), Path::new(new)),
            _ => Err(Failure::Usage(
                "`schema diff` takes two snapshot files: <old> <new>".into(),
            )),
        },
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!("unknown schema command `{other}`"))),
    }
}

/// Where a schema comes from.
enum Source {
    Ddl(Vec<PathBuf>),
    Url(String),
}

struct Options {
    source: Source,
    /// The snapshot file to write (refresh) or to check (check).
    snapshot: PathBuf,
}

impl Options {
    /// Parses `--ddl <path>...` or `--url <conn>`, and `<file_flag> <file>`.
    fn parse(args: &[String], file_flag: &str) -> Result<Options, Failure> {
        let mut ddl: Vec<PathBuf> = Vec::new();
        let mut url = None;
        let mut snapshot = None;
        let mut saw_ddl = false;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let value = |i: usize| {
                args.get(i + 1)
                    .filter(|v| !v.starts_with("--"))
                    .cloned()
                    .ok_or_else(|| Failure::Usage(format!("`{a}` needs a value")))
            };
            match a {
                "--ddl" => {
                    saw_ddl = true;
                    i += 1;
                    while i < args.len() && !args[i].starts_with("--") {
                        ddl.push(PathBuf::from(&args[i]));
                        i += 1;
                    }
                    continue;
                }
                "--url" => {
                    url = Some(value(i)?);
                    i += 2;
                }
                f if f == file_flag => {
                    snapshot = Some(PathBuf::from(value(i)?));
                    i += 2;
                }
                other => return Err(Failure::Usage(format!("unexpected argument `{other}`"))),
            }
        }
        let source = match (saw_ddl, url) {
            (true, Some(_)) => {
                return Err(Failure::Usage(
                    "give either --ddl or --url, not both".into(),
                ));
            }
            (true, None) if ddl.is_empty() => {
                return Err(Failure::Usage(
                    "`--ddl` needs at least one file or folder".into(),
                ));
            }
            (true, None) => Source::Ddl(ddl),
            (false, Some(u)) => Source::Url(u),
            (false, None) => {
                return Err(Failure::Usage(
                    "say where the schema comes from: --ddl <paths> or --url <connection>".into(),
                ));
            }
        };
        Ok(Options {
            source,
            snapshot: snapshot.unwrap_or_else(|| PathBuf::from("quarry.schema")),
        })
    }
}

/// Reads the schema from DDL (printing diagnostics and the summary) or from
/// the live server. The flag is true when the DDL import had errors.
fn read_source(source: &Source) -> Result<(Schema, bool), Failure> {
    match source {
        Source::Ddl(paths) => {
            for p in paths {
                if !p.exists() {
                    return Err(Failure::Error(format!("`{}` does not exist", p.display())));
                }
            }
            let import = ddl::import_files(paths);
            report(&import);
            let errors = import.has_errors();
            Ok((import.schema, errors))
        }
        Source::Url(url) => {
            let schema = live::read_schema(url).map_err(Failure::Error)?;
            println!("{}", schema_summary(&schema));
            Ok((schema, false))
        }
    }
}

fn report(import: &Import) {
    for d in &import.warnings {
        eprintln!("{d}");
    }
    println!("{}", import.summary());
    if !import.skipped.is_empty() {
        let kinds: Vec<String> = import
            .skipped
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect();
        println!("skipped (not modelled): {}", kinds.join(", "));
    }
}

fn schema_summary(s: &Schema) -> String {
    let c = s.counts();
    format!(
        "{}, {}, {}, {}",
        ddl::plural(c.tables, "table"),
        ddl::plural(c.views, "view"),
        ddl::plural(c.columns, "column"),
        ddl::plural(c.foreign_keys, "foreign key"),
    )
}

fn refresh(o: &Options) -> Result<(), Failure> {
    let (schema, errors) = read_source(&o.source)?;
    let text = snapshot::render(&schema);
    let unchanged = std::fs::read_to_string(&o.snapshot).is_ok_and(|old| old == text);
    if !unchanged {
        std::fs::write(&o.snapshot, &text)
            .map_err(|e| Failure::Error(format!("cannot write `{}`: {e}", o.snapshot.display())))?;
    }
    println!(
        "{} {}",
        if unchanged { "unchanged:" } else { "wrote" },
        o.snapshot.display()
    );
    if errors {
        eprintln!("the DDL had errors (above); the snapshot holds everything else");
        return Err(Failure::Negative);
    }
    Ok(())
}

fn load(path: &Path) -> Result<Schema, Failure> {
    snapshot::load(path).map_err(|e| Failure::Error(e.to_string()))
}

fn diff_files(old: &Path, new: &Path) -> Result<(), Failure> {
    let a = load(old)?;
    let b = load(new)?;
    let d = diff(&a, &b);
    print!("{d}");
    let (added, dropped, changed) = d.counts();
    println!(
        "{}: {}; {}: {}; {} ({added} added, {dropped} dropped, {changed} changed)",
        old.display(),
        schema_summary(&a),
        new.display(),
        schema_summary(&b),
        ddl::plural(d.changes.len(), "difference"),
    );
    if d.is_empty() {
        Ok(())
    } else {
        Err(Failure::Negative)
    }
}

/// `schema describe --url <conn> [--statements <dir>]`.
fn describe_statements(args: &[String]) -> Result<(), Failure> {
    let mut url = None;
    let mut dir = PathBuf::from("snapshots");
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        let mut value = || {
            rest.next()
                .cloned()
                .ok_or_else(|| Failure::Usage(format!("`{a}` needs a value")))
        };
        match a.as_str() {
            "--url" => url = Some(value()?),
            "--statements" => dir = PathBuf::from(value()?),
            other => return Err(Failure::Usage(format!("unexpected argument `{other}`"))),
        }
    }
    let url =
        url.ok_or_else(|| Failure::Usage("`schema describe` needs --url <connection>".into()))?;
    match describe::describe(&url, &dir) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::Negative),
        Err(e) => Err(Failure::Error(e)),
    }
}

fn check(o: &Options) -> Result<(), Failure> {
    let committed = load(&o.snapshot)?;
    let (current, _) = read_source(&o.source)?;
    let d = diff(&committed, &current);
    // Against DDL the file must also be byte-identical to what `refresh`
    // writes, not only equivalent. Against a live server only the meaning
    // counts: SQL Server stores `DEFAULT (1)` as `((1))`, so a snapshot made
    // from DDL never renders exactly like one read from the catalog.
    let same_text = matches!(o.source, Source::Url(_))
        || std::fs::read_to_string(&o.snapshot).is_ok_and(|t| t == snapshot::render(&current));
    if d.is_empty() && same_text {
        println!("{} is up to date", o.snapshot.display());
        return Ok(());
    }
    print!("{d}");
    let how = match &o.source {
        Source::Ddl(paths) => {
            let p: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            format!("--ddl {}", p.join(" "))
        }
        Source::Url(_) => "--url <connection>".into(),
    };
    println!(
        "{} is stale ({}); regenerate it with `cargo xtask schema refresh {how} --out {}`",
        o.snapshot.display(),
        if d.is_empty() {
            "formatting differs".to_string()
        } else {
            ddl::plural(d.changes.len(), "difference")
        },
        o.snapshot.display()
    );
    Err(Failure::Negative)
}
