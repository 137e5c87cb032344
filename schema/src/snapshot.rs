//! The snapshot file format (`quarry.schema`): a line-oriented, sorted,
//! diff-friendly text rendering of a [`Schema`], with a format version in its
//! header. [`render`] writes it, [`parse`] and [`load`] read it back.
//!
//! ```text
//! quarry-schema 1
//! schema dbo
//!
//! type dbo.Name nvarchar(50) not null
//!
//! table dbo.users
//!   column id int not null identity(1,1)
//!   column username nvarchar(50) not null alias dbo.Name
//!   column created_at datetime2(7) not null default DF_users_created_at (sysutcdatetime())
//!   primary key PK_users clustered (id)
//!   unique UQ_users_username nonclustered (username)
//!
//! table dbo.orders
//!   column user_id int not null
//!   foreign key FK_orders_users (user_id) references dbo.users (id) on delete cascade
//!   index IX_orders_user_id nonclustered (user_id, created_at desc) include (total)
//!
//! end
//! ```
//!
//! Grammar, one item per line (`#` starts a comment line; blank lines are
//! ignored; body lines are indented):
//!
//! - `quarry-schema <version>` is the first line; `end` is the last, so a
//!   truncated file is detected.
//! - `schema <name>`; `type <schema.name> <system type> null|not null`.
//! - `table <schema.name>` or `view <schema.name>`, followed by its body:
//!   - `column <name> <system type> null|not null` then, in this order and
//!     each optional: `alias <schema.name>`, `collate <collation>`,
//!     `identity(<seed>,<increment>)`, `rowguidcol`,
//!     `generated always as row start|end`, `computed <expr> [persisted]`,
//!     `default [<constraint name>] <expr>`;
//!   - `primary key [<name>] clustered|nonclustered (<columns>)`;
//!   - `unique [<name>] clustered|nonclustered (<columns>)`;
//!   - `foreign key <name> (<columns>) references <schema.name> (<columns>)
//!     [on delete <action>] [on update <action>]`, where an action is
//!     `cascade`, `set null` or `set default`;
//!   - `index <name> [unique] clustered|nonclustered (<column> [desc], ..)
//!     [include (<columns>)] [where <expr>]`;
//!   - `triggers` when the table has triggers.
//!
//! Names are written bare when they are plain identifiers and not reserved
//! words, otherwise in T-SQL brackets (`[order]`, `[my table]`, `]` doubled).
//! An expression is written as one parenthesised T-SQL group when it is one
//! (`(sysutcdatetime())`) and fits on a line, otherwise as a double-quoted
//! string with `\"`, `\\`, `\n`, `\r` and `\t` escapes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::model::*;
use crate::text::{group_end, is_single_group, push_ident};

/// The snapshot format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first word of every snapshot file.
const MAGIC: &str = "quarry-schema";

/// Why a snapshot could not be read. Every variant names the file; all but
/// [`SnapshotError::Io`] name the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be read.
    #[error("cannot read schema snapshot `{}`: {message}", path.display())]
    Io {
        /// The snapshot file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The file declares a format version newer than this build reads.
    #[error(
        "{}:{line}: schema snapshot written by a newer Quarry (format {found}, this build reads {supported}); upgrade Quarry, or regenerate the snapshot with `cargo xtask schema refresh`",
        path.display()
    )]
    NewerFormat {
        /// The snapshot file.
        path: PathBuf,
        /// The header line.
        line: usize,
        /// The version the file declares.
        found: u32,
        /// [`FORMAT_VERSION`].
        supported: u32,
    },
    /// A line does not follow the grammar.
    #[error("{}:{line}: expected {expected}, found {found}", path.display())]
    Syntax {
        /// The snapshot file.
        path: PathBuf,
        /// The offending line.
        line: usize,
        /// What the grammar allows at that point.
        expected: String,
        /// What the line holds there (or `end of line`, `end of file`).
        found: String,
    },
    /// The lines parse but do not describe a consistent schema (duplicate
    /// table, foreign key to a missing table, key on a missing column, ...).
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// The snapshot file.
        path: PathBuf,
        /// The offending line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl SnapshotError {
    /// The snapshot file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            SnapshotError::Io { path, .. }
            | SnapshotError::NewerFormat { path, .. }
            | SnapshotError::Syntax { path, .. }
            | SnapshotError::Invalid { path, .. } => path,
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            SnapshotError::Io { .. } => None,
            SnapshotError::NewerFormat { line, .. }
            | SnapshotError::Syntax { line, .. }
            | SnapshotError::Invalid { line, .. } => Some(*line),
        }
    }
}

/// Reads and parses the snapshot file at `path`.
pub fn load(path: &Path) -> Result<Schema, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|e| SnapshotError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse(&text, path)
}

/// Renders `schema` as a snapshot file. The output depends only on the
/// schema's content: [`Schema::new`] has already sorted it canonically.
pub fn render(schema: &Schema) -> String {
    let mut out = String::with_capacity(64 + schema.counts().columns * 64);
    let _ = writeln!(out, "{MAGIC} {FORMAT_VERSION}");
    out.push_str(
        "# Quarry schema snapshot: generated by `cargo xtask schema refresh`, read by `query!`.\n\
         # Review changes to it like code; do not edit it by hand.\n",
    );
    if !schema.schemas.is_empty() {
        out.push('\n');
    }
    for s in &schema.schemas {
        out.push_str("schema ");
        push_ident(&mut out, s);
        out.push('\n');
    }
    if !schema.types.is_empty() {
        out.push('\n');
    }
    for t in &schema.types {
        out.push_str("type ");
        push_qname(&mut out, &t.name);
        let _ = writeln!(out, " {} {}", t.base, null_word(t.nullable));
    }
    for t in schema.tables() {
        out.push('\n');
        render_table(&mut out, t);
    }
    out.push_str("\nend\n");
    out
}

fn null_word(nullable: bool) -> &'static str {
    if nullable { "null" } else { "not null" }
}

fn clustered_word(clustered: bool) -> &'static str {
    if clustered {
        "clustered"
    } else {
        "nonclustered"
    }
}

fn push_qname(out: &mut String, q: &QualifiedName) {
    push_ident(out, &q.schema);
    out.push('.');
    push_ident(out, &q.name);
}

fn push_list<'a>(out: &mut String, names: impl IntoIterator<Item = &'a String>) {
    out.push('(');
    for (i, n) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(out, n);
    }
    out.push(')');
}

/// Writes an expression so that [`Line::expr`] reads back exactly `expr`.
fn push_expr(out: &mut String, expr: &str) {
    if is_single_group(expr) && !expr.chars().any(char::is_control) {
        out.push_str(expr);
        return;
    }
    out.push('"');
    for c in expr.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render_action(out: &mut String, on: &str, action: RefAction) {
    let word = match action {
        RefAction::NoAction => return,
        RefAction::Cascade => "cascade",
        RefAction::SetNull => "set null",
        RefAction::SetDefault => "set default",
    };
    let _ = write!(out, " on {on} {word}");
}

fn render_table(out: &mut String, t: &Table) {
    out.push_str(match t.kind {
        TableKind::Table => "table ",
        TableKind::View => "view ",
    });
    push_qname(out, &t.name);
    out.push('\n');
    for c in &t.columns {
        out.push_str("  column ");
        push_ident(out, &c.name);
        let _ = write!(out, " {} {}", c.ty, null_word(c.nullable));
        if let Some(a) = &c.alias_type {
            out.push_str(" alias ");
            push_qname(out, a);
        }
        if let Some(coll) = &c.collation {
            out.push_str(" collate ");
            push_ident(out, coll);
        }
        if let Some(id) = c.identity {
            let _ = write!(out, " identity({},{})", id.seed, id.increment);
        }
        if c.rowguidcol {
            out.push_str(" rowguidcol");
        }
        match c.generated_always {
            Some(GeneratedAlways::RowStart) => out.push_str(" generated always as row start"),
            Some(GeneratedAlways::RowEnd) => out.push_str(" generated always as row end"),
            None => {}
        }
        if let Some(comp) = &c.computed {
            out.push_str(" computed ");
            push_expr(out, &comp.expr);
            if comp.persisted {
                out.push_str(" persisted");
            }
        }
        if let Some(d) = &c.default {
            out.push_str(" default ");
            if let Some(n) = &d.name {
                push_ident(out, n);
                out.push(' ');
            }
            push_expr(out, &d.expr);
        }
        out.push('\n');
    }
    if let Some(pk) = &t.primary_key {
        out.push_str("  primary key ");
        render_key(out, pk);
    }
    for k in &t.unique_keys {
        out.push_str("  unique ");
        render_key(out, k);
    }
    for fk in &t.foreign_keys {
        out.push_str("  foreign key ");
        push_ident(out, &fk.name);
        out.push(' ');
        push_list(out, &fk.columns);
        out.push_str(" references ");
        push_qname(out, &fk.references);
        out.push(' ');
        push_list(out, &fk.referenced_columns);
        render_action(out, "delete", fk.on_delete);
        render_action(out, "update", fk.on_update);
        out.push('\n');
    }
    for ix in &t.indexes {
        out.push_str("  index ");
        push_ident(out, &ix.name);
        if ix.unique {
            out.push_str(" unique");
        }
        out.push(' ');
        out.push_str(clustered_word(ix.clustered));
        out.push_str(" (");
        for (i, (col, desc)) in ix.columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_ident(out, col);
            if *desc {
                out.push_str(" desc");
            }
        }
        out.push(')');
        if !ix.include.is_empty() {
            out.push_str(" include ");
            push_list(out, &ix.include);
        }
        if let Some(f) = &ix.filter {
            out.push_str(" where ");
            push_expr(out, f);
        }
        out.push('\n');
    }
    if t.has_triggers {
        out.push_str("  triggers\n");
    }
}

fn render_key(out: &mut String, k: &Key) {
    if let Some(n) = &k.name {
        push_ident(out, n);
        out.push(' ');
    }
    out.push_str(clustered_word(k.clustered));
    out.push(' ');
    push_list(out, &k.columns);
    out.push('\n');
}

/// Parses snapshot text. `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<Schema, SnapshotError> {
    Parser::new(path).run(text)
}

/// A foreign key whose target is checked once every table is known.
struct PendingFk {
    table: usize,
    fk: usize,
    line: usize,
}

struct Parser<'p> {
    path: &'p Path,
    schemas: Vec<String>,
    types: Vec<AliasType>,
    tables: Vec<Table>,
    /// Line of each table's header, parallel to `tables`.
    table_lines: Vec<usize>,
    /// Index into `tables` by case-folded name.
    seen: std::collections::HashMap<(String, String), usize>,
    fks: Vec<PendingFk>,
}

impl<'p> Parser<'p> {
    fn new(path: &'p Path) -> Self {
        Parser {
            path,
            schemas: Vec::new(),
            types: Vec::new(),
            tables: Vec::new(),
            table_lines: Vec::new(),
            seen: std::collections::HashMap::new(),
            fks: Vec::new(),
        }
    }

    fn invalid(&self, line: usize, message: String) -> SnapshotError {
        SnapshotError::Invalid {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }

    fn run(mut self, text: &str) -> Result<Schema, SnapshotError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let header = lines.next().map(|(_, l)| l).unwrap_or("");
        self.header(header)?;
        let mut last_line = 1;
        let mut ended = false;
        for (no, raw) in lines {
            last_line = no;
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut line = Line::new(raw, no, self.path);
            if ended {
                return Err(line.expected("nothing after `end`"));
            }
            let indented = trimmed.len() != raw.len();
            if indented {
                if self.tables.is_empty() {
                    return Err(line.expected("`schema`, `type`, `table`, `view` or `end` at the start of the line (body lines belong to a `table` or `view`)"));
                }
                self.body_line(&mut line)?;
            } else if line.eat_kw("schema") {
                let name = line.ident()?;
                line.finish()?;
                self.schemas.push(name);
            } else if line.eat_kw("type") {
                let name = line.qname()?;
                let base = line.sql_type()?;
                let nullable = line.nullability()?;
                line.finish()?;
                self.types.push(AliasType {
                    name,
                    base,
                    nullable,
                });
            } else if line.eat_kw("table") || line.eat_kw("view") {
                let kind = if line.word_before_is("view") {
                    TableKind::View
                } else {
                    TableKind::Table
                };
                self.finish_table()?;
                let name = line.qname()?;
                line.finish()?;
                if let Some(&first) = self.seen.get(&name.key()) {
                    let first = self.table_lines[first];
                    return Err(self.invalid(
                        no,
                        format!("duplicate table or view `{name}` (first defined at line {first})"),
                    ));
                }
                self.seen.insert(name.key(), self.tables.len());
                let mut t = Table::new(name);
                t.kind = kind;
                self.tables.push(t);
                self.table_lines.push(no);
            } else if line.eat_kw("end") {
                line.finish()?;
                self.finish_table()?;
                ended = true;
            } else {
                return Err(line.expected("`schema`, `type`, `table`, `view` or `end`"));
            }
        }
        if !ended {
            return Err(SnapshotError::Syntax {
                path: self.path.to_path_buf(),
                line: last_line + 1,
                expected: "`end` as the last line".into(),
                found: "end of file (the snapshot is truncated; regenerate it with `cargo xtask schema refresh`)".into(),
            });
        }
        self.check_foreign_keys()?;
        let first_lines = self.table_lines;
        Schema::new(self.schemas, self.types, self.tables).map_err(|e| SnapshotError::Invalid {
            path: self.path.to_path_buf(),
            line: first_lines.first().copied().unwrap_or(1),
            message: e.to_string(),
        })
    }

    fn header(&self, header: &str) -> Result<(), SnapshotError> {
        let mut line = Line::new(header, 1, self.path);
        let expected =
            "`quarry-schema <version>` as the first line (is this a Quarry schema snapshot?)";
        if !line.eat_kw(MAGIC) {
            return Err(line.expected(expected));
        }
        let version = match line.number() {
            Ok(v) if v >= 1 => v,
            _ => return Err(line.expected("a format version number after `quarry-schema`")),
        };
        line.finish()?;
        if version > i64::from(FORMAT_VERSION) {
            return Err(SnapshotError::NewerFormat {
                path: self.path.to_path_buf(),
                line: 1,
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: FORMAT_VERSION,
            });
        }
        Ok(())
    }

    /// Checks the table that just ended: it has columns, and its keys name
    /// columns it has.
    fn finish_table(&self) -> Result<(), SnapshotError> {
        let (Some(t), Some(&line)) = (self.tables.last(), self.table_lines.last()) else {
            return Ok(());
        };
        if t.columns.is_empty() {
            return Err(self.invalid(line, format!("`{}` has no columns", t.name)));
        }
        for (i, c) in t.columns.iter().enumerate() {
            if t.columns[..i].iter().any(|d| names_eq(&d.name, &c.name)) {
                return Err(self.invalid(
                    line,
                    format!("`{}` has two columns named `{}`", t.name, c.name),
                ));
            }
        }
        let keys = t.primary_key.iter().chain(&t.unique_keys);
        let named = keys
            .flat_map(|k| k.columns.iter())
            .chain(t.foreign_keys.iter().flat_map(|k| k.columns.iter()))
            .chain(
                t.indexes
                    .iter()
                    .flat_map(|i| i.columns.iter().map(|(c, _)| c)),
            )
            .chain(t.indexes.iter().flat_map(|i| i.include.iter()));
        for c in named {
            if t.column(c).is_none() {
                return Err(self.invalid(
                    line,
                    format!(
                        "a key or index of `{}` names column `{c}`, which the table does not have",
                        t.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_foreign_keys(&self) -> Result<(), SnapshotError> {
        for p in &self.fks {
            let fk = &self.tables[p.table].foreign_keys[p.fk];
            let Some(&target) = self.seen.get(&fk.references.key()) else {
                return Err(self.invalid(
                    p.line,
                    format!(
                        "foreign key `{}` references `{}`, which is not in the snapshot",
                        fk.name, fk.references
                    ),
                ));
            };
            let target = &self.tables[target];
            for c in &fk.referenced_columns {
                if target.column(c).is_none() {
                    return Err(self.invalid(
                        p.line,
                        format!(
                            "foreign key `{}` references column `{c}`, which `{}` does not have",
                            fk.name, fk.references
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn body_line(&mut self, line: &mut Line<'_>) -> Result<(), SnapshotError> {
        let table_index = self.tables.len() - 1;
        let no = line.no;
        let t = &mut self.tables[table_index];
        if line.eat_kw("column") {
            let c = line.column()?;
            t.columns.push(c);
        } else if line.eat_kw("primary") {
            line.expect_kw("key")?;
            if t.primary_key.is_some() {
                return Err(line.invalid(format!("`{}` has a second primary key", t.name)));
            }
            t.primary_key = Some(line.key()?);
        } else if line.eat_kw("unique") {
            t.unique_keys.push(line.key()?);
        } else if line.eat_kw("foreign") {
            line.expect_kw("key")?;
            let fk = line.foreign_key()?;
            t.foreign_keys.push(fk);
            self.fks.push(PendingFk {
                table: table_index,
                fk: self.tables[table_index].foreign_keys.len() - 1,
                line: no,
            });
        } else if line.eat_kw("index") {
            t.indexes.push(line.index()?);
        } else if line.eat_kw("triggers") {
            line.finish()?;
            t.has_triggers = true;
        } else {
            return Err(line.expected(
                "`column`, `primary key`, `unique`, `foreign key`, `index` or `triggers`",
            ));
        }
        Ok(())
    }
}

/// A cursor over one line of a snapshot.
struct Line<'a> {
    text: &'a str,
    pos: usize,
    /// Where the last keyword eaten by `eat_kw` started.
    last_word: usize,
    no: usize,
    path: &'a Path,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '$' || c == '@' || c == '#'
}

impl<'a> Line<'a> {
    fn new(text: &'a str, no: usize, path: &'a Path) -> Self {
        Line {
            text: text.trim_end_matches('\r'),
            pos: 0,
            last_word: 0,
            no,
            path,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let b = self.text.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t') {
            self.pos += 1;
        }
    }

    /// A short description of what is at the cursor, for error messages.
    fn found(&mut self) -> String {
        self.skip_ws();
        let rest = self.rest();
        if rest.is_empty() {
            return "end of line".into();
        }
        let token: String = match rest.chars().next() {
            Some(c) if is_word_char(c) => rest.chars().take_while(|&c| is_word_char(c)).collect(),
            _ => rest.chars().take(12).collect(),
        };
        format!("`{token}`")
    }

    fn expected(&mut self, what: &str) -> SnapshotError {
        SnapshotError::Syntax {
            path: self.path.to_path_buf(),
            line: self.no,
            expected: what.to_string(),
            found: self.found(),
        }
    }

    fn invalid(&self, message: String) -> SnapshotError {
        SnapshotError::Invalid {
            path: self.path.to_path_buf(),
            line: self.no,
            message,
        }
    }

    /// The bare word at the cursor, without consuming it.
    fn peek_word(&mut self) -> &'a str {
        self.skip_ws();
        let rest = self.rest();
        // ASCII fast path; any other character is judged as a `char`.
        let mut len = 0;
        for (i, &b) in rest.as_bytes().iter().enumerate() {
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'$' | b'@' | b'#') {
                len = i + 1;
            } else if b.is_ascii() {
                break;
            } else {
                len = rest[i..]
                    .char_indices()
                    .find(|&(_, c)| !is_word_char(c))
                    .map_or(rest.len(), |(j, _)| i + j);
                break;
            }
        }
        &rest[..len]
    }

    /// Consumes the bare keyword `kw` (ASCII case-insensitive) if it is next.
    fn eat_kw(&mut self, kw: &str) -> bool {
        let w = self.peek_word();
        if w.eq_ignore_ascii_case(kw) {
            self.last_word = self.pos;
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    fn word_before_is(&self, kw: &str) -> bool {
        self.text[self.last_word..]
            .get(..kw.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SnapshotError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{kw}`")))
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<(), SnapshotError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{c}`")))
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.rest().is_empty()
    }

    fn finish(&mut self) -> Result<(), SnapshotError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.expected("end of line"))
        }
    }

    fn number(&mut self) -> Result<i64, SnapshotError> {
        self.skip_ws();
        let rest = self.rest();
        let sign = usize::from(rest.starts_with('-'));
        let digits = rest[sign..].bytes().take_while(u8::is_ascii_digit).count();
        match rest[..sign + digits].parse::<i64>() {
            Ok(n) if digits > 0 => {
                self.pos += sign + digits;
                Ok(n)
            }
            _ => Err(self.expected("a number")),
        }
    }

    /// A name: a bare word or a bracketed identifier.
    fn ident(&mut self) -> Result<String, SnapshotError> {
        self.skip_ws();
        let rest = self.rest();
        if let Some(inner) = rest.strip_prefix('[') {
            let mut name = String::new();
            let mut chars = inner.char_indices();
            while let Some((i, c)) = chars.next() {
                if c == ']' {
                    if inner[i + 1..].starts_with(']') {
                        chars.next();
                        name.push(']');
                        continue;
                    }
                    self.pos += 1 + i + 1;
                    return Ok(name);
                }
                name.push(c);
            }
            return Err(SnapshotError::Syntax {
                path: self.path.to_path_buf(),
                line: self.no,
                expected: "`]` closing the bracketed name".into(),
                found: "end of line".into(),
            });
        }
        let w = self.peek_word();
        if w.is_empty() || w.starts_with('-') {
            return Err(self.expected("a name"));
        }
        self.pos += w.len();
        Ok(w.to_string())
    }

    fn qname(&mut self) -> Result<QualifiedName, SnapshotError> {
        let schema = self.ident()?;
        if !self.rest().starts_with('.') {
            return Err(self.expected("`.` and a name (names are `schema.name`)"));
        }
        self.pos += 1;
        let name = self.ident()?;
        Ok(QualifiedName::new(schema, name))
    }

    fn ident_list(&mut self) -> Result<Vec<String>, SnapshotError> {
        self.expect_punct('(')?;
        let mut out = vec![self.ident()?];
        while self.eat_punct(',') {
            out.push(self.ident()?);
        }
        self.expect_punct(')')?;
        Ok(out)
    }

    fn sql_type(&mut self) -> Result<SqlType, SnapshotError> {
        let start = self.pos;
        let name = self.peek_word();
        if name.is_empty() {
            return Err(self.expected("a type"));
        }
        self.pos += name.len();
        let mut args = Vec::new();
        if self.rest().starts_with('(') {
            self.pos += 1;
            loop {
                if self.eat_kw("max") {
                    args.push(TypeArg::Max);
                } else {
                    let n = self.number()?;
                    args.push(TypeArg::Number(u64::try_from(n).unwrap_or(u64::MAX)));
                }
                if !self.eat_punct(',') {
                    break;
                }
            }
            self.expect_punct(')')?;
        }
        SqlType::from_parts(name, &args).map_err(|e| {
            let found = format!("`{}`", &self.text[start..self.pos].trim());
            SnapshotError::Syntax {
                path: self.path.to_path_buf(),
                line: self.no,
                expected: match e {
                    TypeNameError::Unknown => "a SQL Server system type".into(),
                    TypeNameError::Invalid(msg) => format!("a valid type ({msg})"),
                },
                found,
            }
        })
    }

    fn nullability(&mut self) -> Result<bool, SnapshotError> {
        if self.eat_kw("null") {
            Ok(true)
        } else if self.eat_kw("not") {
            self.expect_kw("null")?;
            Ok(false)
        } else {
            Err(self.expected("`null` or `not null`"))
        }
    }

    fn expr(&mut self) -> Result<String, SnapshotError> {
        self.skip_ws();
        let rest = self.rest();
        if rest.starts_with('(') {
            let Some(end) = group_end(rest, 0) else {
                return Err(self.expected("an expression with balanced parentheses"));
            };
            self.pos += end;
            return Ok(rest[..end].to_string());
        }
        if let Some(inner) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = inner.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += 1 + i + 1;
                        return Ok(out);
                    }
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some(c @ ('"' | '\\')) => out.push(c),
                        _ => {
                            return Err(self.invalid(
                                "unknown escape in a quoted expression (allowed: \\\" \\\\ \\n \\r \\t)".into(),
                            ));
                        }
                    },
                    c => out.push(c),
                }
            }
            return Err(SnapshotError::Syntax {
                path: self.path.to_path_buf(),
                line: self.no,
                expected: "`\"` closing the quoted expression".into(),
                found: "end of line".into(),
            });
        }
        Err(self.expected("an expression: `(...)` or a quoted string"))
    }

    fn clustered(&mut self) -> Result<bool, SnapshotError> {
        if self.eat_kw("clustered") {
            Ok(true)
        } else if self.eat_kw("nonclustered") {
            Ok(false)
        } else {
            Err(self.expected("`clustered` or `nonclustered`"))
        }
    }

    /// `[name] clustered|nonclustered (columns)`
    fn key(&mut self) -> Result<Key, SnapshotError> {
        let w = self.peek_word();
        let name = if w.eq_ignore_ascii_case("clustered") || w.eq_ignore_ascii_case("nonclustered")
        {
            None
        } else {
            Some(self.ident()?)
        };
        let clustered = self.clustered()?;
        let columns = self.ident_list()?;
        self.finish()?;
        Ok(Key {
            name,
            columns,
            clustered,
        })
    }

    fn action(&mut self) -> Result<RefAction, SnapshotError> {
        if self.eat_kw("cascade") {
            Ok(RefAction::Cascade)
        } else if self.eat_kw("set") {
            if self.eat_kw("null") {
                Ok(RefAction::SetNull)
            } else {
                self.expect_kw("default").map(|_| RefAction::SetDefault)
            }
        } else if self.eat_kw("no") {
            self.expect_kw("action").map(|_| RefAction::NoAction)
        } else {
            Err(self.expected("`cascade`, `set null`, `set default` or `no action`"))
        }
    }

    fn foreign_key(&mut self) -> Result<ForeignKey, SnapshotError> {
        let name = self.ident()?;
        let columns = self.ident_list()?;
        self.expect_kw("references")?;
        let references = self.qname()?;
        let referenced_columns = self.ident_list()?;
        if referenced_columns.len() != columns.len() {
            return Err(self.invalid(format!(
                "foreign key `{name}` has {} columns but references {}",
                columns.len(),
                referenced_columns.len()
            )));
        }
        let mut on_delete = RefAction::NoAction;
        let mut on_update = RefAction::NoAction;
        while self.eat_kw("on") {
            if self.eat_kw("delete") {
                on_delete = self.action()?;
            } else if self.eat_kw("update") {
                on_update = self.action()?;
            } else {
                return Err(self.expected("`delete` or `update`"));
            }
        }
        self.finish()?;
        Ok(ForeignKey {
            name,
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
        })
    }

    fn index(&mut self) -> Result<Index, SnapshotError> {
        let name = self.ident()?;
        let unique = self.eat_kw("unique");
        let clustered = self.clustered()?;
        self.expect_punct('(')?;
        let mut columns = Vec::new();
        loop {
            let c = self.ident()?;
            let desc = if self.eat_kw("desc") {
                true
            } else {
                self.eat_kw("asc");
                false
            };
            columns.push((c, desc));
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(')')?;
        let include = if self.eat_kw("include") {
            self.ident_list()?
        } else {
            Vec::new()
        };
        let filter = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        self.finish()?;
        Ok(Index {
            name,
            columns,
            include,
            unique,
            clustered,
            filter,
        })
    }

    fn column(&mut self) -> Result<Column, SnapshotError> {
        let name = self.ident()?;
        let ty = self.sql_type()?;
        let nullable = self.nullability()?;
        let mut c = Column::new(name, ty, nullable);
        // Facets come in the order `render` writes them; each at most once.
        const FACETS: [&str; 7] = [
            "alias",
            "collate",
            "identity",
            "rowguidcol",
            "generated",
            "computed",
            "default",
        ];
        let mut next = 0;
        loop {
            let w = self.peek_word();
            let Some(k) = FACETS.iter().position(|f| w.eq_ignore_ascii_case(f)) else {
                break;
            };
            if k < next {
                break;
            }
            next = k + 1;
            self.pos += w.len();
            match k {
                0 => c.alias_type = Some(self.qname()?),
                1 => c.collation = Some(self.ident()?),
                2 => {
                    self.expect_punct('(')?;
                    let seed = self.number()?;
                    self.expect_punct(',')?;
                    let increment = self.number()?;
                    self.expect_punct(')')?;
                    c.identity = Some(Identity { seed, increment });
                }
                3 => c.rowguidcol = true,
                4 => {
                    self.expect_kw("always")?;
                    self.expect_kw("as")?;
                    self.expect_kw("row")?;
                    c.generated_always = Some(if self.eat_kw("start") {
                        GeneratedAlways::RowStart
                    } else if self.eat_kw("end") {
                        GeneratedAlways::RowEnd
                    } else {
                        return Err(self.expected("`start` or `end`"));
                    });
                }
                5 => {
                    let expr = self.expr()?;
                    let persisted = self.eat_kw("persisted");
                    c.computed = Some(Computed { expr, persisted });
                }
                _ => {
                    self.skip_ws();
                    let name = if self.rest().starts_with(['(', '"']) {
                        None
                    } else {
                        Some(self.ident()?)
                    };
                    let expr = self.expr()?;
                    c.default = Some(Default { name, expr });
                }
            }
        }
        if !self.at_end() {
            return Err(self.expected(
                "a column facet in this order: `alias`, `collate`, `identity(..)`, `rowguidcol`, `generated always as row ..`, `computed ..`, `default ..`",
            ));
        }
        Ok(c)
    }
}
