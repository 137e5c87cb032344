//! T-SQL DDL import: builds a [`Schema`] from `.sql` files as teams keep them
//! (SSDT projects with one object per file, or one `GO`-separated install
//! script as SSMS "Generate Scripts" writes it). A tolerant hand-written lexer
//! and parser: whatever it does not model is skipped and counted, whatever it
//! cannot parse is reported with file and line, and the rest is imported.
//!
//! What is modelled: `CREATE SCHEMA`, `CREATE TYPE .. FROM` (alias types;
//! columns are resolved to the base type and keep the alias name), `CREATE
//! TABLE` with inline and table-level constraints, `ALTER TABLE .. ADD` (columns,
//! keys, foreign keys, named defaults `DEFAULT .. FOR col`), `ALTER TABLE ..
//! ALTER COLUMN` and `DROP`, `CREATE INDEX`, `CREATE TRIGGER` (marks the table
//! as having triggers) and `CREATE VIEW`. Temporal period columns are marked
//! generated; filegroup, storage and `SYSTEM_VERSIONING` options are ignored.
//!
//! Views are resolved on a best-effort basis: when the select list is plain
//! column references (`t.col [AS alias]`, `alias = t.col`, `*`, `t.*`) over
//! tables joined with `JOIN`/`LEFT JOIN`/..., the view's columns take their
//! types from those tables (outer-joined sides become nullable). Any other
//! view (expressions, functions, `UNION`, CTEs, derived tables) is left out of
//! the schema with a warning naming it.
//!
//! A computed column's type is inferred from its expression when it is a
//! `CAST`/`CONVERT`, a column, a literal, a known function or arithmetic and
//! concatenation of those (with SQL Server's decimal precision rules);
//! otherwise it becomes `sql_variant` with a warning suggesting a `CAST`.

mod infer;
mod lexer;
mod parse;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::*;
use parse::{ColDef, Constraint, DropItem, RawType, Stmt, ViewItem, ViewSelect};

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something was imported with an assumption (a view left out, a
    /// computed column's type not inferred).
    Warning,
    /// Something in the DDL could not be imported (an unparsable statement,
    /// a duplicate table, a foreign key to a missing table); the rest was.
    Error,
}

/// A problem found while importing, with its location.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// The file it was found in.
    pub file: PathBuf,
    /// The 1-based line.
    pub line: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong and what was done about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}: {sev}: {}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// The result of an import: the schema and everything worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The imported schema.
    pub schema: Schema,
    /// Errors and warnings in file and line order.
    pub warnings: Vec<Diagnostic>,
    /// Statements skipped because Quarry does not model them, counted by
    /// kind (`SET`, `CREATE PROCEDURE`, `ALTER TABLE CHECK CONSTRAINT`, ...).
    pub skipped: BTreeMap<String, usize>,
    /// The number of `.sql` files read.
    pub files: usize,
}

impl Import {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.warnings.iter().any(|d| d.severity == Severity::Error)
    }

    /// Total number of skipped statements.
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// One line: `12 tables, 1 view, 96 columns, 14 foreign keys, 30 skipped
    /// statements, 0 errors, 1 warning (from 20 files)`.
    pub fn summary(&self) -> String {
        let c = self.schema.counts();
        let errors = self
            .warnings
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = self.warnings.len() - errors;
        format!(
            "{}, {}, {}, {}, {}, {}, {} (from {})",
            plural(c.tables, "table"),
            plural(c.views, "view"),
            plural(c.columns, "column"),
            plural(c.foreign_keys, "foreign key"),
            plural(self.skipped_total(), "skipped statement"),
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(self.files, "file"),
        )
    }
}

/// `1 table`, `2 tables`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Imports `.sql` files. A directory is walked recursively for `*.sql` files
/// (any case) in sorted path order, leaving out hidden folders and SSDT's
/// `bin` and `obj` build output; files named directly are read in the given
/// order. An unreadable file is an error diagnostic, not a failure.
pub fn import_files(paths: &[PathBuf]) -> Import {
    let mut files = Vec::new();
    let mut b = Builder::default();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            if let Err(e) = walk(p, &mut found, 0) {
                b.diag(p, 1, Severity::Error, format!("cannot read directory: {e}"));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    for f in &files {
        match std::fs::read(f) {
            Ok(bytes) => {
                let (text, note) = decode(&bytes);
                if let Some(note) = note {
                    b.diag(f, 1, Severity::Warning, note.into());
                }
                b.add_source(&text, f, 0);
            }
            Err(e) => b.diag(f, 1, Severity::Error, format!("cannot read file: {e}")),
        }
    }
    b.finish(files.len())
}

/// Imports DDL text; `file` names it in diagnostics.
pub fn import_str(text: &str, file: &Path) -> Import {
    let mut b = Builder::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    b.add_source(text, file, 0);
    b.finish(1)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    // A bound on depth keeps a symbolic-link loop from recursing forever.
    if depth > 32 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // SSDT build output (`bin/Debug/App_Create.sql` repeats every
            // object) and hidden folders are not sources.
            let skip = name.starts_with('.')
                || name.eq_ignore_ascii_case("bin")
                || name.eq_ignore_ascii_case("obj");
            if !skip {
                walk(&path, out, depth + 1)?;
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Decodes a file: UTF-8 (with or without BOM) or UTF-16 with a BOM, as SSMS
/// saves scripts. Anything else is decoded lossily, with a note.
fn decode(bytes: &[u8]) -> (String, Option<&'static str>) {
    let utf16 = |big: bool| {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(rest).into_owned(),
                Some("file is not valid UTF-8; invalid bytes were replaced"),
            ),
        },
        [0xFF, 0xFE, ..] => (utf16(false), None),
        [0xFE, 0xFF, ..] => (utf16(true), None),
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(bytes).into_owned(),
                Some(
                    "file is neither UTF-8 nor UTF-16 with a byte-order mark; invalid bytes were replaced (save it as UTF-8)",
                ),
            ),
        },
    }
}

/// A table under construction, with where it was defined.
struct TableDef {
    table: Table,
    file: PathBuf,
    line: usize,
    /// Raw columns, resolved once all alias types are known.
    columns: Vec<ColDef>,
    /// Where each foreign key was declared, by name, for diagnostics.
    fk_lines: HashMap<String, (PathBuf, usize)>,
}

/// A statement that changes a table, applied after all tables exist (SSDT
/// files come in path order, so an `ALTER` may precede its `CREATE`).
struct Deferred {
    file: PathBuf,
    line: usize,
    stmt: Stmt,
}

#[derive(Default)]
struct Builder {
    diags: Vec<Diagnostic>,
    skipped: BTreeMap<String, usize>,
    schemas: Vec<String>,
    types: Vec<(AliasType, Option<RawType>, PathBuf, usize)>,
    tables: Vec<TableDef>,
    by_name: HashMap<(String, String), usize>,
    deferred: Vec<Deferred>,
    views: Vec<Deferred>,
    /// Dynamic SQL nesting, to stop runaway recursion.
    depth: usize,
}

impl Builder {
    fn diag(&mut self, file: &Path, line: usize, severity: Severity, message: String) {
        self.diags.push(Diagnostic {
            file: file.to_path_buf(),
            line,
            severity,
            message,
        });
    }

    /// Parses one source text; `line_offset` shifts line numbers (for dynamic
    /// SQL found inside a string literal).
    fn add_source(&mut self, text: &str, file: &Path, line_offset: usize) {
        let (toks, lex_errors) = lexer::tokenize(text);
        for e in lex_errors {
            self.diag(file, e.line + line_offset, Severity::Error, e.message);
        }
        let parsed = parse::parse(text, &toks);
        for kind in parsed.skipped {
            *self.skipped.entry(kind).or_default() += 1;
        }
        for (line, message) in parsed.errors {
            self.diag(file, line + line_offset, Severity::Error, message);
        }
        for (line, stmt) in parsed.stmts {
            let line = line + line_offset;
            match stmt {
                Stmt::Schema(name) => {
                    if !self.schemas.iter().any(|s| names_eq(s, &name)) {
                        self.schemas.push(name);
                    }
                }
                Stmt::Type { name, ty, nullable } => {
                    if let Some((_, _, f, l)) =
                        self.types.iter().find(|t| t.0.name.key() == name.key())
                    {
                        let msg = format!(
                            "type `{name}` is already defined at {}:{l}; this definition is ignored",
                            f.display()
                        );
                        self.diag(file, line, Severity::Error, msg);
                        continue;
                    }
                    if !self.schemas.iter().any(|s| names_eq(s, &name.schema)) {
                        self.schemas.push(name.schema.clone());
                    }
                    let alias = AliasType {
                        name,
                        base: SqlType::SqlVariant,
                        nullable: nullable.unwrap_or(true),
                    };
                    self.types.push((alias, Some(ty), file.to_path_buf(), line));
                }
                Stmt::Table {
                    name,
                    columns,
                    constraints,
                } => self.add_table(file, line, name, columns, constraints),
                Stmt::Dynamic {
                    sql,
                    line: str_line,
                } => {
                    if self.depth < 4 {
                        self.depth += 1;
                        self.add_source(&sql, file, str_line + line_offset - 1);
                        self.depth -= 1;
                    }
                }
                s @ Stmt::View { .. } => self.views.push(Deferred {
                    file: file.to_path_buf(),
                    line,
                    stmt: s,
                }),
                stmt => self.deferred.push(Deferred {
                    file: file.to_path_buf(),
                    line,
                    stmt,
                }),
            }
        }
    }

    fn add_table(
        &mut self,
        file: &Path,
        line: usize,
        name: QualifiedName,
        columns: Vec<ColDef>,
        constraints: Vec<(usize, Constraint)>,
    ) {
        if let Some(&i) = self.by_name.get(&name.key()) {
            let first = &self.tables[i];
            let msg = format!(
                "table `{name}` is already defined at {}:{}; this definition is ignored",
                first.file.display(),
                first.line
            );
            self.diag(file, line, Severity::Error, msg);
            return;
        }
        self.by_name.insert(name.key(), self.tables.len());
        self.tables.push(TableDef {
            table: Table::new(name.clone()),
            file: file.to_path_buf(),
            line,
            columns,
            fk_lines: HashMap::new(),
        });
        // Constraints are applied after the columns are resolved, in order.
        self.deferred.push(Deferred {
            file: file.to_path_buf(),
            line,
            stmt: Stmt::AlterAdd {
                table: name,
                columns: Vec::new(),
                constraints,
            },
        });
    }

    /// Resolves a declared type: a system type, `sysname`, or an alias type.
    fn resolve_type(
        &self,
        raw: &RawType,
        aliases: &HashMap<(String, String), AliasType>,
    ) -> Result<(SqlType, Option<QualifiedName>, Option<bool>), String> {
        if raw.schema.is_none()
            || raw
                .schema
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("sys"))
        {
            match SqlType::from_parts(&raw.name, &raw.args) {
                Ok(t) => return Ok((t, None, None)),
                Err(TypeNameError::Invalid(m)) => return Err(m),
                Err(TypeNameError::Unknown) => {}
            }
            if raw.name.eq_ignore_ascii_case("sysname") && raw.args.is_empty() {
                return Ok((SqlType::NVarChar(Length::Fixed(128)), None, Some(false)));
            }
        }
        let q = QualifiedName::new(
            raw.schema
                .clone()
                .unwrap_or_else(|| DEFAULT_SCHEMA.to_string()),
            raw.name.clone(),
        );
        match aliases.get(&q.key()) {
            Some(a) if raw.args.is_empty() => Ok((a.base, Some(a.name.clone()), Some(a.nullable))),
            Some(_) => Err(format!("alias type `{q}` takes no arguments")),
            None => Err(format!(
                "unknown type `{}`: neither a SQL Server system type nor a `CREATE TYPE .. FROM` alias type in the imported files",
                raw.name
            )),
        }
    }

    fn finish(mut self, files: usize) -> Import {
        // 1. Alias types.
        let types = std::mem::take(&mut self.types);
        let mut aliases: HashMap<(String, String), AliasType> = HashMap::new();
        let mut resolved_types = Vec::new();
        for (mut alias, raw, file, line) in types {
            let Some(raw) = raw else { continue };
            match self.resolve_type(&raw, &aliases) {
                Ok((base, None, _)) => {
                    alias.base = base;
                    aliases.insert(alias.name.key(), alias.clone());
                    resolved_types.push(alias);
                }
                Ok((_, Some(_), _)) => self.diag(
                    &file,
                    line,
                    Severity::Error,
                    format!("alias type `{}` is based on another alias type; SQL Server requires a system type", alias.name),
                ),
                Err(m) => self.diag(&file, line, Severity::Error, format!("alias type `{}`: {m}", alias.name)),
            }
        }
        // 2. Columns of each table.
        let mut tables = std::mem::take(&mut self.tables);
        for def in &mut tables {
            let cols = std::mem::take(&mut def.columns);
            let name = def.table.name.clone();
            // Plain columns first, so a computed column can read any of
            // them whatever the declaration order; then computed ones.
            let mut plain = Table::new(name.clone());
            let mut resolved: Vec<Option<Column>> = Vec::with_capacity(cols.len());
            let mut computed = Vec::new();
            for c in cols {
                let seen_before = plain.column(&c.name).is_some()
                    || computed
                        .iter()
                        .any(|(_, d): &(usize, ColDef)| names_eq(&d.name, &c.name));
                if seen_before {
                    let msg = format!(
                        "column `{}` appears twice in `{name}`; the second is ignored",
                        c.name
                    );
                    self.diag(&def.file, c.line, Severity::Error, msg);
                    continue;
                }
                if c.ty.is_none() {
                    computed.push((resolved.len(), c));
                    resolved.push(None);
                } else {
                    let col = self.column(&def.file, &name, c, &aliases, &plain);
                    plain.columns.push(col.clone());
                    resolved.push(Some(col));
                }
            }
            for (slot, c) in computed {
                resolved[slot] = Some(self.column(&def.file, &name, c, &aliases, &plain));
            }
            def.table.columns = resolved.into_iter().flatten().collect();
        }
        // 3. Constraints, ALTERs, indexes, triggers, in source order.
        let deferred = std::mem::take(&mut self.deferred);
        for d in deferred {
            self.apply(&mut tables, d, &aliases);
        }
        // 4. Primary-key columns are NOT NULL.
        for def in &mut tables {
            let t = &mut def.table;
            if let Some(pk) = t.primary_key.clone() {
                for c in &mut t.columns {
                    if pk.columns.iter().any(|k| names_eq(k, &c.name)) {
                        c.nullable = false;
                    }
                }
            }
        }
        // 5. Views, which read the finished tables, and may read other
        // views defined in later files: resolve in rounds, each taking the
        // views whose sources all exist, until no round makes progress.
        let (mut pending, on_views): (Vec<Deferred>, Vec<Deferred>) =
            std::mem::take(&mut self.views)
                .into_iter()
                .partition(|d| matches!(d.stmt, Stmt::View { .. }));
        loop {
            let before = pending.len();
            let mut waiting = Vec::new();
            for v in pending {
                let ready = match &v.stmt {
                    Stmt::View {
                        select: Ok(sel), ..
                    } => sel
                        .sources
                        .iter()
                        .all(|src| self.by_name.contains_key(&src.table.key())),
                    _ => true,
                };
                if ready {
                    self.view(&mut tables, v);
                } else {
                    waiting.push(v);
                }
            }
            pending = waiting;
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        // What is left reads something that does not exist: say so.
        for v in pending.into_iter().chain(on_views) {
            self.view(&mut tables, v);
        }
        // 6. Foreign keys: the referenced table and columns must exist.
        self.check_foreign_keys(&mut tables);
        let tables: Vec<Table> = tables.into_iter().map(|d| d.table).collect();
        let schema = match Schema::new(self.schemas, resolved_types, tables) {
            Ok(s) => s,
            // Duplicates were refused as they came, so this cannot happen;
            // stay total anyway.
            Err(e) => {
                self.diags.push(Diagnostic {
                    file: PathBuf::new(),
                    line: 0,
                    severity: Severity::Error,
                    message: e.to_string(),
                });
                Schema::default()
            }
        };
        self.diags
            .sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        Import {
            schema,
            warnings: self.diags,
            skipped: self.skipped,
            files,
        }
    }

    fn column(
        &mut self,
        file: &Path,
        table: &QualifiedName,
        c: ColDef,
        aliases: &HashMap<(String, String), AliasType>,
        so_far: &Table,
    ) -> Column {
        let (ty, alias_type, alias_null) = match &c.ty {
            Some(raw) => match self.resolve_type(raw, aliases) {
                Ok(r) => r,
                Err(m) => {
                    let msg = format!("column `{table}.{}`: {m}; typed as sql_variant", c.name);
                    self.diag(file, c.line, Severity::Warning, msg);
                    (SqlType::SqlVariant, None, None)
                }
            },
            None => {
                let expr = c.computed.as_ref().map_or("", |x| x.expr.as_str());
                match infer::computed_type(expr, so_far) {
                    Some(t) => (t, None, None),
                    None => {
                        let msg = format!(
                            "computed column `{table}.{}`: cannot infer the type of {expr}; typed as sql_variant (write CAST(... AS <type>) to declare it)",
                            c.name
                        );
                        self.diag(file, c.line, Severity::Warning, msg);
                        (SqlType::SqlVariant, None, None)
                    }
                }
            }
        };
        let nullable = match (&c.computed, c.nullable) {
            (_, Some(n)) => n,
            // SQL Server treats most computed expressions as nullable
            // (overflow gives NULL); ISNULL(x, literal) is the exception.
            (Some(comp), None) => !infer::is_isnull_with_literal(&comp.expr),
            (None, None) => {
                if c.identity.is_some() || ty == SqlType::RowVersion || c.generated_always.is_some()
                {
                    false
                } else {
                    alias_null.unwrap_or(true)
                }
            }
        };
        Column {
            name: c.name,
            ty,
            alias_type,
            nullable,
            identity: c.identity,
            computed: c.computed,
            default: c.default,
            collation: c.collation,
            rowguidcol: c.rowguidcol,
            generated_always: c.generated_always,
        }
    }

    fn find<'t>(
        &self,
        tables: &'t mut [TableDef],
        name: &QualifiedName,
    ) -> Option<&'t mut TableDef> {
        self.by_name.get(&name.key()).map(move |&i| &mut tables[i])
    }

    fn apply(
        &mut self,
        tables: &mut [TableDef],
        d: Deferred,
        aliases: &HashMap<(String, String), AliasType>,
    ) {
        let Deferred { file, line, stmt } = d;
        let (table_name, what) = match &stmt {
            Stmt::AlterAdd { table, .. }
            | Stmt::AlterColumn { table, .. }
            | Stmt::AlterDrop { table, .. } => (table.clone(), "ALTER TABLE"),
            Stmt::Index { table, .. } => (table.clone(), "CREATE INDEX"),
            Stmt::Trigger { table } => (table.clone(), "CREATE TRIGGER"),
            _ => return,
        };
        let Some(i) = self.by_name.get(&table_name.key()).copied() else {
            if what == "CREATE INDEX" || what == "CREATE TRIGGER" {
                // It may be on a view; retried after views are built.
                self.views.push(Deferred { file, line, stmt });
            } else {
                let msg = format!(
                    "{what} on `{table_name}`, which is not defined in the imported files; statement ignored"
                );
                self.diag(&file, line, Severity::Error, msg);
            }
            return;
        };
        match stmt {
            Stmt::AlterAdd {
                columns,
                constraints,
                ..
            } => {
                for c in columns {
                    let def = &tables[i];
                    if def.table.column(&c.name).is_some() {
                        let msg = format!(
                            "column `{}` already exists in `{table_name}`; ADD ignored",
                            c.name
                        );
                        self.diag(&file, c.line, Severity::Error, msg);
                        continue;
                    }
                    let col = self.column(&file, &table_name, c, aliases, &tables[i].table);
                    tables[i].table.columns.push(col);
                }
                for (cline, c) in constraints {
                    match add_constraint(&mut tables[i].table, c) {
                        Ok(Some(fk)) => {
                            tables[i].fk_lines.insert(fk, (file.clone(), cline));
                        }
                        Ok(None) => {}
                        Err(m) => self.diag(&file, cline, Severity::Error, m),
                    }
                }
            }
            Stmt::AlterColumn { column, .. } => {
                let Some(pos) = tables[i]
                    .table
                    .columns
                    .iter()
                    .position(|c| names_eq(&c.name, &column.name))
                else {
                    let msg = format!(
                        "ALTER COLUMN `{}`: no such column in `{table_name}`",
                        column.name
                    );
                    self.diag(&file, line, Severity::Error, msg);
                    return;
                };
                let nullable = column.nullable;
                let mut new = self.column(&file, &table_name, column, aliases, &tables[i].table);
                let old = &tables[i].table.columns[pos];
                // ALTER COLUMN restates type and nullability; the rest stays.
                new.nullable = nullable.unwrap_or(true);
                new.default = old.default.clone();
                new.identity = old.identity;
                new.rowguidcol = old.rowguidcol;
                new.generated_always = old.generated_always;
                tables[i].table.columns[pos] = new;
            }
            Stmt::AlterDrop { items, .. } => {
                for item in items {
                    let t = &mut tables[i].table;
                    let found = match &item {
                        DropItem::Column(c) => {
                            let before = t.columns.len();
                            t.columns.retain(|x| !names_eq(&x.name, c));
                            before != t.columns.len()
                        }
                        DropItem::Constraint(n) => drop_constraint(t, n),
                    };
                    if !found {
                        let n = match &item {
                            DropItem::Column(c) | DropItem::Constraint(c) => c,
                        };
                        let msg = format!("DROP `{n}`: not found in `{table_name}`");
                        self.diag(&file, line, Severity::Warning, msg);
                    }
                }
            }
            Stmt::Index { index, .. } => {
                let t = &mut tables[i].table;
                if let Err(m) = add_constraint(t, Constraint::Index(index)) {
                    self.diag(&file, line, Severity::Error, m);
                }
            }
            Stmt::Trigger { .. } => tables[i].table.has_triggers = true,
            _ => {}
        }
    }

    fn view(&mut self, tables: &mut Vec<TableDef>, d: Deferred) {
        let Deferred { file, line, stmt } = d;
        let (name, columns, select) = match stmt {
            Stmt::View {
                name,
                columns,
                select,
            } => (name, columns, select),
            // Index or trigger on something that was not a table: now
            // views exist, apply it or report it.
            other => {
                self.deferred_on_view(tables, file, line, other);
                return;
            }
        };
        if let Some(&i) = self.by_name.get(&name.key()) {
            let first = &tables[i];
            let msg = format!(
                "view `{name}`: `{name}` is already defined at {}:{}; this definition is ignored",
                first.file.display(),
                first.line
            );
            self.diag(&file, line, Severity::Error, msg);
            return;
        }
        let result = select.and_then(|s| resolve_view(tables, &self.by_name, &s));
        let mut cols = match result {
            Ok(cols) => cols,
            Err(why) => {
                let msg = format!(
                    "view `{name}` left out of the schema: {why} (Quarry reads views whose select list is plain column references over tables)"
                );
                self.diag(&file, line, Severity::Warning, msg);
                *self
                    .skipped
                    .entry("CREATE VIEW (not resolved)".into())
                    .or_default() += 1;
                return;
            }
        };
        if !columns.is_empty() {
            if columns.len() != cols.len() {
                let msg = format!(
                    "view `{name}` names {} columns but selects {}; left out of the schema",
                    columns.len(),
                    cols.len()
                );
                self.diag(&file, line, Severity::Error, msg);
                return;
            }
            for (c, n) in cols.iter_mut().zip(columns) {
                c.name = n;
            }
        }
        let mut table = Table::new(name.clone());
        table.kind = TableKind::View;
        for c in cols {
            if table.column(&c.name).is_some() {
                let msg = format!(
                    "view `{name}` has two columns named `{}`; left out of the schema",
                    c.name
                );
                self.diag(&file, line, Severity::Error, msg);
                return;
            }
            table.columns.push(c);
        }
        self.by_name.insert(name.key(), tables.len());
        tables.push(TableDef {
            table,
            file,
            line,
            columns: Vec::new(),
            fk_lines: HashMap::new(),
        });
    }

    fn deferred_on_view(
        &mut self,
        tables: &mut [TableDef],
        file: PathBuf,
        line: usize,
        stmt: Stmt,
    ) {
        let (name, what) = match &stmt {
            Stmt::Index { table, .. } => (table.clone(), "CREATE INDEX"),
            Stmt::Trigger { table } => (table.clone(), "CREATE TRIGGER"),
            _ => return,
        };
        let Some(def) = self.find(tables, &name) else {
            let msg = format!(
                "{what} on `{name}`, which is not defined in the imported files; statement ignored"
            );
            self.diag(&file, line, Severity::Error, msg);
            return;
        };
        let result = match stmt {
            Stmt::Index { index, .. } => {
                add_constraint(&mut def.table, Constraint::Index(index)).map(|_| ())
            }
            _ => {
                def.table.has_triggers = true;
                Ok(())
            }
        };
        if let Err(m) = result {
            self.diag(&file, line, Severity::Error, m);
        }
    }

    fn check_foreign_keys(&mut self, tables: &mut [TableDef]) {
        // Referenced primary keys, for references that name no columns.
        let pks: HashMap<(String, String), Vec<String>> = tables
            .iter()
            .filter_map(|d| {
                d.table
                    .primary_key
                    .as_ref()
                    .map(|pk| (d.table.name.key(), pk.columns.clone()))
            })
            .collect();
        let columns: HashMap<(String, String), Vec<String>> = tables
            .iter()
            .map(|d| {
                (
                    d.table.name.key(),
                    d.table.columns.iter().map(|c| fold(&c.name)).collect(),
                )
            })
            .collect();
        for def in tables.iter_mut() {
            let name = def.table.name.clone();
            let mut keep = Vec::new();
            for mut fk in std::mem::take(&mut def.table.foreign_keys) {
                let (file, line) = def
                    .fk_lines
                    .get(&fk.name)
                    .cloned()
                    .unwrap_or_else(|| (def.file.clone(), def.line));
                let Some(target_cols) = columns.get(&fk.references.key()) else {
                    let msg = format!(
                        "foreign key `{}` on `{name}` references `{}`, which is not defined in the imported files; foreign key dropped",
                        fk.name, fk.references
                    );
                    self.diag(&file, line, Severity::Error, msg);
                    continue;
                };
                if fk.referenced_columns.is_empty() {
                    match pks.get(&fk.references.key()) {
                        Some(pk) => fk.referenced_columns = pk.clone(),
                        None => {
                            let msg = format!(
                                "foreign key `{}` on `{name}` names no columns of `{}`, which has no primary key; foreign key dropped",
                                fk.name, fk.references
                            );
                            self.diag(&file, line, Severity::Error, msg);
                            continue;
                        }
                    }
                }
                let missing = fk
                    .referenced_columns
                    .iter()
                    .find(|c| !target_cols.contains(&fold(c)))
                    .cloned();
                let own_missing = fk
                    .columns
                    .iter()
                    .find(|c| def.table.column(c).is_none())
                    .cloned();
                if let Some(c) = missing {
                    let msg = format!(
                        "foreign key `{}` on `{name}` references column `{c}`, which `{}` does not have; foreign key dropped",
                        fk.name, fk.references
                    );
                    self.diag(&file, line, Severity::Error, msg);
                    continue;
                }
                if let Some(c) = own_missing {
                    let msg = format!(
                        "foreign key `{}` names column `{c}`, which `{name}` does not have; foreign key dropped",
                        fk.name
                    );
                    self.diag(&file, line, Severity::Error, msg);
                    continue;
                }
                if fk.columns.len() != fk.referenced_columns.len() {
                    let msg = format!(
                        "foreign key `{}` on `{name}` has {} columns but references {}; foreign key dropped",
                        fk.name,
                        fk.columns.len(),
                        fk.referenced_columns.len()
                    );
                    self.diag(&file, line, Severity::Error, msg);
                    continue;
                }
                keep.push(fk);
            }
            def.table.foreign_keys = keep;
        }
    }
}

/// Adds a constraint or index to `t`, checking that its columns exist.
/// Returns the name of a foreign key it added.
fn add_constraint(t: &mut Table, c: Constraint) -> Result<Option<String>, String> {
    let name = t.name.clone();
    let check =
        |t: &Table, cols: &mut dyn Iterator<Item = &String>, what: &str| -> Result<(), String> {
            for col in cols {
                if t.column(col).is_none() {
                    return Err(format!(
                        "{what} names column `{col}`, which `{name}` does not have; ignored"
                    ));
                }
            }
            Ok(())
        };
    match c {
        Constraint::PrimaryKey(k) => {
            check(t, &mut k.columns.iter(), "PRIMARY KEY")?;
            if t.primary_key.is_some() {
                return Err(format!(
                    "`{name}` already has a primary key; the second is ignored"
                ));
            }
            t.primary_key = Some(k);
        }
        Constraint::Unique(k) => {
            check(t, &mut k.columns.iter(), "UNIQUE constraint")?;
            t.unique_keys.push(k);
        }
        Constraint::ForeignKey {
            name: fk_name,
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
        } => {
            let fk_name = fk_name.unwrap_or_else(|| {
                // SQL Server would generate a random-suffixed name; use a
                // stable one so the snapshot does not churn.
                let base = format!(
                    "FK_{}_{}_{}",
                    t.name.name,
                    references.name,
                    columns.join("_")
                );
                let mut n = base.clone();
                let mut k = 2;
                while t.foreign_keys.iter().any(|f| f.name == n) {
                    n = format!("{base}_{k}");
                    k += 1;
                }
                n
            });
            t.foreign_keys.push(ForeignKey {
                name: fk_name.clone(),
                columns,
                references,
                referenced_columns,
                on_delete,
                on_update,
            });
            return Ok(Some(fk_name));
        }
        Constraint::Default {
            name: dname,
            expr,
            column,
        } => {
            let Some(col) = t.columns.iter_mut().find(|c| names_eq(&c.name, &column)) else {
                return Err(format!(
                    "DEFAULT constraint is FOR column `{column}`, which `{name}` does not have; ignored"
                ));
            };
            col.default = Some(Default { name: dname, expr });
        }
        Constraint::Index(ix) => {
            check(
                t,
                &mut ix.columns.iter().map(|(c, _)| c).chain(&ix.include),
                "index",
            )?;
            if t.indexes.iter().any(|i| names_eq(&i.name, &ix.name)) {
                return Err(format!(
                    "`{name}` already has an index named `{}`; ignored",
                    ix.name
                ));
            }
            t.indexes.push(ix);
        }
    }
    Ok(None)
}

/// Drops the constraint or index named `n`; false when there is none.
fn drop_constraint(t: &mut Table, n: &str) -> bool {
    let is = |x: &str| names_eq(x, n);
    if t.primary_key
        .as_ref()
        .is_some_and(|k| k.name.as_deref().is_some_and(is))
    {
        t.primary_key = None;
        return true;
    }
    let before = t.unique_keys.len() + t.foreign_keys.len() + t.indexes.len();
    t.unique_keys.retain(|k| !k.name.as_deref().is_some_and(is));
    t.foreign_keys.retain(|k| !is(&k.name));
    t.indexes.retain(|k| !is(&k.name));
    if before != t.unique_keys.len() + t.foreign_keys.len() + t.indexes.len() {
        return true;
    }
    for c in &mut t.columns {
        if c.default
            .as_ref()
            .is_some_and(|d| d.name.as_deref().is_some_and(is))
        {
            c.default = None;
            return true;
        }
    }
    false
}

/// Resolves a simple view select to columns.
fn resolve_view(
    tables: &[TableDef],
    by_name: &HashMap<(String, String), usize>,
    s: &ViewSelect,
) -> Result<Vec<Column>, String> {
    let mut sources = Vec::new();
    for src in &s.sources {
        let Some(&i) = by_name.get(&src.table.key()) else {
            return Err(format!(
                "it reads `{}`, which is not defined in the imported files",
                src.table
            ));
        };
        sources.push((src, &tables[i].table));
    }
    let matches_qualifier = |src: &parse::ViewSource, q: &str| match &src.alias {
        Some(a) => names_eq(a, q),
        None => names_eq(&src.table.name, q),
    };
    let view_column = |src: &parse::ViewSource, c: &Column, output: Option<&String>| {
        let mut col = Column::new(
            output.cloned().unwrap_or_else(|| c.name.clone()),
            c.ty,
            c.nullable || src.nullable,
        );
        col.alias_type = c.alias_type.clone();
        col.collation = c.collation.clone();
        col
    };
    let mut out = Vec::new();
    for item in &s.items {
        match item {
            ViewItem::Star(q) => {
                let mut any = false;
                for (src, t) in &sources {
                    if q.as_ref().is_none_or(|q| matches_qualifier(src, q)) {
                        any = true;
                        out.extend(t.columns.iter().map(|c| view_column(src, c, None)));
                    }
                }
                if !any {
                    return Err(format!(
                        "`{}.*` names no table of the view",
                        q.as_deref().unwrap_or("")
                    ));
                }
            }
            ViewItem::Column {
                qualifier,
                column,
                output,
            } => {
                let found: Vec<_> = sources
                    .iter()
                    .filter(|(src, _)| qualifier.as_ref().is_none_or(|q| matches_qualifier(src, q)))
                    .filter_map(|(src, t)| t.column(column).map(|c| (src, c)))
                    .collect();
                match found.as_slice() {
                    [(src, c)] => out.push(view_column(src, c, output.as_ref())),
                    [] => return Err(format!("column `{column}` is not in any table it reads")),
                    _ => return Err(format!("column `{column}` is ambiguous")),
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(sql: &str) -> Import {
        import_str(sql, Path::new("test.sql"))
    }

    #[test]
    fn alter_before_create_is_applied() {
        let i = import(
            "ALTER TABLE dbo.b ADD CONSTRAINT FK_b_a FOREIGN KEY (a_id) REFERENCES dbo.a (id)\nGO\n\
             CREATE TABLE dbo.a (id int NOT NULL CONSTRAINT PK_a PRIMARY KEY)\n\
             CREATE TABLE dbo.b (id int NOT NULL, a_id int NULL)",
        );
        assert!(i.warnings.is_empty(), "{:?}", i.warnings);
        let b = i.schema.table(None, "b").unwrap();
        assert_eq!(b.foreign_keys.len(), 1);
        assert_eq!(b.foreign_keys[0].references, QualifiedName::new("dbo", "a"));
    }

    #[test]
    fn decodes_utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "CREATE TABLE t (x int)".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let (text, note) = decode(&bytes);
        assert_eq!(text, "CREATE TABLE t (x int)");
        assert!(note.is_none());
    }
}
