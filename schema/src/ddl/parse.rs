//! The tolerant statement parser of the DDL importer: turns tokens into the
//! DDL statements Quarry models (`CREATE TABLE/TYPE/SCHEMA/INDEX/VIEW`,
//! `ALTER TABLE`, triggers) and skips everything else by kind, resynchronising
//! at the next statement after anything it cannot parse.

use super::lexer::{Kind, Token};
use crate::model::*;

/// A type as a declaration names it, before alias types are resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawType {
    /// Schema of a qualified (alias) type name.
    pub schema: Option<String>,
    pub name: String,
    pub args: Vec<TypeArg>,
}

/// A column definition as written.
#[derive(Debug, Clone)]
pub(crate) struct ColDef {
    pub name: String,
    pub line: usize,
    /// `None` for a computed column.
    pub ty: Option<RawType>,
    pub computed: Option<Computed>,
    pub nullable: Option<bool>,
    pub identity: Option<Identity>,
    pub default: Option<Default>,
    pub collation: Option<String>,
    pub rowguidcol: bool,
    pub generated_always: Option<GeneratedAlways>,
}

/// A constraint or index defined inside `CREATE TABLE` or added by `ALTER
/// TABLE`.
#[derive(Debug, Clone)]
pub(crate) enum Constraint {
    PrimaryKey(Key),
    Unique(Key),
    ForeignKey {
        name: Option<String>,
        columns: Vec<String>,
        references: QualifiedName,
        /// Empty when the reference names no columns (the primary key then).
        referenced_columns: Vec<String>,
        on_delete: RefAction,
        on_update: RefAction,
    },
    Default {
        name: Option<String>,
        expr: String,
        column: String,
    },
    Index(Index),
}

/// One `FROM` source of a view.
#[derive(Debug, Clone)]
pub(crate) struct ViewSource {
    pub table: QualifiedName,
    pub alias: Option<String>,
    /// On the optional side of an outer join.
    pub nullable: bool,
}

/// One select-list item of a view.
#[derive(Debug, Clone)]
pub(crate) enum ViewItem {
    /// `*` or `alias.*`.
    Star(Option<String>),
    /// `[qualifier.]column [AS output]`.
    Column {
        qualifier: Option<String>,
        column: String,
        output: Option<String>,
    },
}

/// A view's select, when it is simple enough to resolve.
#[derive(Debug, Clone)]
pub(crate) struct ViewSelect {
    pub items: Vec<ViewItem>,
    pub sources: Vec<ViewSource>,
}

/// An item dropped by `ALTER TABLE .. DROP`.
#[derive(Debug, Clone)]
pub(crate) enum DropItem {
    Column(String),
    Constraint(String),
}

/// A modelled statement.
#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    Schema(String),
    Type {
        name: QualifiedName,
        ty: RawType,
        nullable: Option<bool>,
    },
    Table {
        name: QualifiedName,
        columns: Vec<ColDef>,
        constraints: Vec<(usize, Constraint)>,
    },
    AlterAdd {
        table: QualifiedName,
        columns: Vec<ColDef>,
        constraints: Vec<(usize, Constraint)>,
    },
    AlterColumn {
        table: QualifiedName,
        column: ColDef,
    },
    AlterDrop {
        table: QualifiedName,
        items: Vec<DropItem>,
    },
    Index {
        table: QualifiedName,
        index: Index,
    },
    Trigger {
        table: QualifiedName,
    },
    View {
        name: QualifiedName,
        columns: Vec<String>,
        select: Result<ViewSelect, String>,
    },
    /// Dynamic SQL in `EXEC('..')` or `sp_executesql N'..'`, imported like
    /// the file itself (SSMS wraps `CREATE SCHEMA` this way).
    Dynamic {
        sql: String,
        /// Line of the string literal.
        line: usize,
    },
}

/// What the parser produced for one file (or one dynamic SQL string).
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Modelled statements with their first line.
    pub stmts: Vec<(usize, Stmt)>,
    /// Skipped statements with their kind (`SET`, `CREATE PROCEDURE`, ..).
    pub skipped: Vec<String>,
    /// Statements that could not be parsed: line and message.
    pub errors: Vec<(usize, String)>,
}

/// A parse error: the line and what was expected.
#[derive(Debug)]
struct PErr {
    line: usize,
    message: String,
}

type PResult<T> = Result<T, PErr>;

/// Words that begin a statement; a skipped statement ends before one of
/// them at parenthesis depth 0.
const STATEMENT_STARTS: &[&str] = &[
    "alter",
    "begin",
    "commit",
    "create",
    "declare",
    "delete",
    "deny",
    "drop",
    "else",
    "end",
    "exec",
    "execute",
    "grant",
    "if",
    "insert",
    "merge",
    "print",
    "raiserror",
    "return",
    "revoke",
    "rollback",
    "set",
    "throw",
    "truncate",
    "update",
    "use",
    "while",
    "with",
    "select",
];

/// Parses all statements of `src`.
pub(crate) fn parse(src: &str, toks: &[Token]) -> Parsed {
    let mut p = P {
        src,
        toks,
        i: 0,
        out: Parsed::default(),
    };
    p.run();
    p.out
}

struct P<'a> {
    src: &'a str,
    toks: &'a [Token],
    i: usize,
    out: Parsed,
}

impl<'a> P<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.i + n)
    }

    fn at_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(kw))
    }

    fn at_punct(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is_punct(p))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.at_punct(p) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn line(&self) -> usize {
        self.peek()
            .or_else(|| self.toks.last())
            .map_or(1, |t| t.line)
    }

    fn err<T>(&self, expected: &str) -> PResult<T> {
        let found = match self.peek() {
            None => "end of file".to_string(),
            Some(t) if t.kind == Kind::Go => "`GO`".to_string(),
            Some(t) => {
                let text = &self.src[t.start..t.end];
                let short: String = text.chars().take(40).collect();
                format!("`{short}`")
            }
        };
        Err(PErr {
            line: self.line(),
            message: format!("expected {expected}, found {found}"),
        })
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.err(&format!("`{}`", kw.to_ascii_uppercase()))
        }
    }

    fn expect_punct(&mut self, p: &str) -> PResult<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            self.err(&format!("`{p}`"))
        }
    }

    fn ident(&mut self) -> PResult<String> {
        match self.peek() {
            Some(t) if matches!(t.kind, Kind::Word | Kind::Quoted) => {
                self.i += 1;
                Ok(t.value.clone())
            }
            _ => self.err("a name"),
        }
    }

    /// A one- to four-part name; the last two parts are kept and a missing
    /// schema is `dbo`.
    fn qname(&mut self) -> PResult<QualifiedName> {
        let mut parts = vec![self.ident()?];
        while self.at_punct(".") {
            self.i += 1;
            if self.at_punct(".") {
                // `db..name`: the schema is the default one.
                parts.push(String::new());
                continue;
            }
            parts.push(self.ident()?);
        }
        let name = parts.pop().unwrap_or_default();
        let schema = parts
            .pop()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
        Ok(QualifiedName::new(schema, name))
    }

    /// Skips a balanced group that starts at the current `(`.
    fn skip_group(&mut self) -> PResult<()> {
        if !self.at_punct("(") {
            return self.err("`(`");
        }
        let open_line = self.line();
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go {
                break;
            }
            self.i += 1;
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
        }
        Err(PErr {
            line: open_line,
            message: "unbalanced parentheses: this `(` is never closed".into(),
        })
    }

    /// Source text of tokens `from..to`, with each run of whitespace and
    /// comments between tokens written as one space.
    fn text(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        for k in from..to {
            let t = &self.toks[k];
            if k > from && t.start > self.toks[k - 1].end {
                out.push(' ');
            }
            out.push_str(&self.src[t.start..t.end]);
        }
        out
    }

    /// An expression: operands joined by binary operators, where an operand
    /// is a literal, variable, parenthesised group, `CASE .. END`, or a
    /// (qualified) name optionally called with arguments. Returns its text.
    fn expr(&mut self) -> PResult<String> {
        let from = self.i;
        loop {
            while self.at_punct("-") || self.at_punct("+") || self.at_punct("~") {
                self.i += 1;
            }
            let Some(t) = self.peek() else {
                return self.err("an expression");
            };
            match t.kind {
                Kind::Number | Kind::Str | Kind::Var => self.i += 1,
                Kind::Punct if t.value == "(" => self.skip_group()?,
                Kind::Word if t.is_kw("case") => {
                    let mut depth = 0usize;
                    while let Some(t) = self.peek() {
                        if t.kind == Kind::Go {
                            return self.err("`END` closing `CASE`");
                        }
                        self.i += 1;
                        if t.is_kw("case") {
                            depth += 1;
                        } else if t.is_kw("end") {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                }
                Kind::Word
                    if t.is_kw("next") && self.peek_at(1).is_some_and(|t| t.is_kw("value")) =>
                {
                    self.i += 2;
                    self.expect_kw("for")?;
                    self.qname()?;
                }
                Kind::Word | Kind::Quoted => {
                    self.i += 1;
                    // `a.b.c`, `f(..)`, and CLR static calls such as
                    // `geography::Point(..)`.
                    while self.at_punct(".") || self.at_punct("::") {
                        self.i += 1;
                        self.ident()?;
                    }
                    if self.at_punct("(") {
                        self.skip_group()?;
                    }
                }
                _ => return self.err("an expression"),
            }
            let binary = self.peek().is_some_and(|t| {
                t.kind == Kind::Punct
                    && matches!(
                        t.value.as_str(),
                        "+" | "-" | "*" | "/" | "%" | "&" | "|" | "^" | "||"
                    )
            });
            if !binary {
                break;
            }
            self.i += 1;
        }
        Ok(self.text(from, self.i))
    }

    /// Tokens up to (not including) the next statement boundary at depth 0:
    /// `;`, `GO`, the end, or a word in `stop`.
    fn skip_until(&mut self, stop: &[&str]) {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go {
                return;
            }
            if depth == 0 {
                if t.is_punct(";") || t.is_punct(")") {
                    return;
                }
                if t.kind == Kind::Word && stop.iter().any(|s| t.value.eq_ignore_ascii_case(s)) {
                    return;
                }
            }
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth = depth.saturating_sub(1);
            }
            self.i += 1;
        }
    }

    /// Skips the rest of a statement that is not modelled, from its second
    /// token, and consumes a trailing `;`.
    fn skip_statement(&mut self, first: &str) {
        let mut depth = 0usize;
        let merge = first.eq_ignore_ascii_case("merge");
        let update = first.eq_ignore_ascii_case("update");
        // A permission list names statements (`GRANT EXECUTE, CREATE TABLE
        // TO ..`): no statement starts before the grantee clause.
        let mut permissions = ["grant", "deny", "revoke"]
            .iter()
            .any(|w| first.eq_ignore_ascii_case(w));
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go {
                return;
            }
            if t.is_punct(";") && depth == 0 {
                self.i += 1;
                return;
            }
            if permissions && (t.is_kw("to") || t.is_kw("from")) {
                permissions = false;
            }
            if depth == 0 && t.kind == Kind::Word && !merge && !permissions {
                let w = t.value.to_ascii_lowercase();
                // `INSERT .. EXEC proc` and `UPDATE .. SET` continue the
                // statement; SELECT and WITH never start a skipped one.
                let exec_after_insert = first.eq_ignore_ascii_case("insert")
                    && matches!(w.as_str(), "exec" | "execute");
                let stops = STATEMENT_STARTS.contains(&w.as_str())
                    && !(update && w == "set")
                    && !exec_after_insert
                    && w != "with"
                    && w != "select";
                if stops {
                    return;
                }
            }
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth = depth.saturating_sub(1);
            }
            self.i += 1;
        }
    }

    /// Skips to the end of the batch: procedures, functions, triggers and
    /// views run to the next `GO`.
    fn skip_batch(&mut self) {
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go {
                return;
            }
            self.i += 1;
        }
    }

    fn skipped(&mut self, kind: &str) {
        self.out.skipped.push(kind.to_string());
    }

    fn run(&mut self) {
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go || t.is_punct(";") {
                self.i += 1;
                continue;
            }
            let start = self.i;
            let line = t.line;
            if let Err(e) = self.statement() {
                let what = self.text(start, (start + 3).min(self.toks.len()));
                self.out.errors.push((
                    e.line,
                    format!("cannot parse the statement starting `{what}` at line {line}: {}; statement skipped", e.message),
                ));
                // Resynchronise: skip from the statement's second token, so
                // a broken statement costs that statement only.
                self.i = start + 1;
                let first = self.toks[start].value.clone();
                self.skip_statement(&first);
                if self.i <= start {
                    self.i = start + 1;
                }
            }
        }
    }

    fn statement(&mut self) -> PResult<()> {
        let Some(t) = self.peek() else {
            return Ok(());
        };
        let line = t.line;
        if t.kind != Kind::Word {
            return self.err("a statement");
        }
        let word = t.value.to_ascii_lowercase();
        self.i += 1;
        match word.as_str() {
            "create" => self.create(line),
            "alter" => self.alter(line),
            "if" => {
                // Skip the condition; the statement it guards is parsed on
                // its own (`IF NOT EXISTS (..) CREATE TABLE ..`).
                let stops: Vec<&str> = STATEMENT_STARTS
                    .iter()
                    .copied()
                    .filter(|w| *w != "select" && *w != "with")
                    .collect();
                self.skip_until(&stops);
                if self.at_punct(")") {
                    return self.err("a statement after the `IF` condition");
                }
                Ok(())
            }
            "begin" => {
                if self.at_kw("tran") || self.at_kw("transaction") || self.at_kw("distributed") {
                    self.skipped("BEGIN TRANSACTION");
                    self.skip_statement("begin");
                } else {
                    // A block: `BEGIN .. END`, `BEGIN TRY`.
                    let _ = self.eat_kw("try") || self.eat_kw("catch");
                }
                Ok(())
            }
            "end" => {
                let _ = self.eat_kw("try") || self.eat_kw("catch");
                Ok(())
            }
            "else" => Ok(()),
            "exec" | "execute" => self.exec(line),
            "commit" | "rollback" => {
                self.skipped(&word.to_ascii_uppercase());
                self.skip_statement(&word);
                Ok(())
            }
            w if is_statement_word(w) => {
                let kind = match w {
                    "drop" | "grant" | "deny" | "revoke" | "truncate" => {
                        let second = self.peek().filter(|t| t.kind == Kind::Word);
                        match second {
                            Some(s) if w != "grant" && w != "deny" && w != "revoke" => {
                                format!(
                                    "{} {}",
                                    w.to_ascii_uppercase(),
                                    s.value.to_ascii_uppercase()
                                )
                            }
                            _ => w.to_ascii_uppercase(),
                        }
                    }
                    _ => w.to_ascii_uppercase(),
                };
                self.skipped(&kind);
                self.skip_statement(w);
                Ok(())
            }
            _ => {
                self.i -= 1;
                self.err("a statement (CREATE, ALTER, ...)")
            }
        }
    }

    fn exec(&mut self, line: usize) -> PResult<()> {
        // EXEC ('..') or EXEC [sys.]sp_executesql [@stmt =] N'..'
        let dynamic = if self.at_punct("(") && self.peek_at(1).is_some_and(|t| t.kind == Kind::Str)
        {
            self.i += 1;
            let t = self.toks[self.i].clone();
            self.i += 1;
            if self.eat_punct(")") { Some(t) } else { None }
        } else {
            let save = self.i;
            let name = self.qname().ok();
            if name.is_some_and(|n| n.name.eq_ignore_ascii_case("sp_executesql")) {
                if self.peek().is_some_and(|t| t.kind == Kind::Var)
                    && self.peek_at(1).is_some_and(|t| t.is_punct("="))
                {
                    self.i += 2;
                }
                match self.peek() {
                    Some(t) if t.kind == Kind::Str => {
                        self.i += 1;
                        Some(t.clone())
                    }
                    _ => None,
                }
            } else {
                self.i = save;
                None
            }
        };
        match dynamic {
            Some(t) => {
                self.skip_statement("exec");
                self.out.stmts.push((
                    line,
                    Stmt::Dynamic {
                        sql: t.value,
                        line: t.line,
                    },
                ));
            }
            None => {
                self.skipped("EXEC");
                self.skip_statement("exec");
            }
        }
        Ok(())
    }

    fn create(&mut self, line: usize) -> PResult<()> {
        if self.eat_kw("or") {
            self.expect_kw("alter")?;
        }
        if self.eat_kw("table") {
            return self.create_table(line);
        }
        if self.eat_kw("schema") {
            let name = self.ident()?;
            if self.eat_kw("authorization") {
                self.ident()?;
            }
            self.eat_punct(";");
            self.out.stmts.push((line, Stmt::Schema(name)));
            return Ok(());
        }
        if self.eat_kw("type") {
            return self.create_type(line);
        }
        if self.eat_kw("view") {
            return self.create_view(line);
        }
        if self.at_kw("proc") || self.at_kw("procedure") {
            self.skipped("CREATE PROCEDURE");
            self.skip_batch();
            return Ok(());
        }
        if self.eat_kw("function") {
            self.skipped("CREATE FUNCTION");
            self.skip_batch();
            return Ok(());
        }
        if self.eat_kw("trigger") {
            self.skipped("CREATE TRIGGER");
            self.qname()?;
            self.expect_kw("on")?;
            if !(self.at_kw("database") || self.at_kw("all")) {
                let table = self.qname()?;
                self.out.stmts.push((line, Stmt::Trigger { table }));
            }
            self.skip_batch();
            return Ok(());
        }
        // [UNIQUE] [CLUSTERED|NONCLUSTERED] INDEX
        let save = self.i;
        let unique = self.eat_kw("unique");
        let clustered = if self.eat_kw("clustered") {
            true
        } else {
            self.eat_kw("nonclustered");
            false
        };
        if self.eat_kw("index") {
            return self.create_index(line, unique, clustered);
        }
        self.i = save;
        // Not modelled: name the kind by its first words.
        let mut kind = String::from("CREATE");
        for _ in 0..3 {
            match self.peek() {
                Some(t) if t.kind == Kind::Word => {
                    kind.push(' ');
                    kind.push_str(&t.value.to_ascii_uppercase());
                    self.i += 1;
                    if !matches!(
                        t.value.to_ascii_lowercase().as_str(),
                        "unique"
                            | "clustered"
                            | "nonclustered"
                            | "primary"
                            | "xml"
                            | "spatial"
                            | "fulltext"
                            | "columnstore"
                            | "partition"
                    ) {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.skipped(&kind);
        self.skip_statement("create");
        Ok(())
    }

    fn create_type(&mut self, line: usize) -> PResult<()> {
        let name = self.qname()?;
        if self.eat_kw("as") {
            self.skipped("CREATE TYPE AS TABLE");
            if self.eat_kw("table") && self.at_punct("(") {
                self.skip_group()?;
            }
            self.skip_statement("create");
            return Ok(());
        }
        if self.eat_kw("external") {
            self.skipped("CREATE TYPE EXTERNAL NAME");
            self.skip_statement("create");
            return Ok(());
        }
        self.expect_kw("from")?;
        let ty = self.raw_type()?;
        let nullable = if self.eat_kw("null") {
            Some(true)
        } else if self.eat_kw("not") {
            self.expect_kw("null")?;
            Some(false)
        } else {
            None
        };
        self.eat_punct(";");
        self.out
            .stmts
            .push((line, Stmt::Type { name, ty, nullable }));
        Ok(())
    }

    fn raw_type(&mut self) -> PResult<RawType> {
        let first = self.ident()?;
        let (schema, mut name) = if self.eat_punct(".") {
            (Some(first), self.ident()?)
        } else {
            (None, first)
        };
        if schema.is_none() && name.eq_ignore_ascii_case("double") && self.eat_kw("precision") {
            name = "float".into();
        }
        let mut args = Vec::new();
        if self.at_punct("(") {
            let save = self.i;
            self.i += 1;
            let mut ok = true;
            loop {
                match self.peek() {
                    Some(t) if t.is_kw("max") => args.push(TypeArg::Max),
                    Some(t) if t.kind == Kind::Number => match t.value.parse() {
                        Ok(n) => args.push(TypeArg::Number(n)),
                        Err(_) => ok = false,
                    },
                    _ => ok = false,
                }
                if !ok {
                    break;
                }
                self.i += 1;
                if !self.eat_punct(",") {
                    break;
                }
            }
            if !(ok && self.eat_punct(")")) {
                // `xml(CONTENT dbo.schema_collection)`: keep the type, drop
                // what Quarry does not model.
                self.i = save;
                self.skip_group()?;
                args.clear();
            }
        }
        Ok(RawType { schema, name, args })
    }

    /// Skips index and key options: `WITH (..)`, `WITH FILLFACTOR = n`,
    /// `ON filegroup`, `ON scheme(col)`, `TEXTIMAGE_ON fg`, `FILESTREAM_ON fg`,
    /// `NOT FOR REPLICATION`.
    fn storage_options(&mut self) -> PResult<()> {
        loop {
            let option_list = self.peek_at(1).is_some_and(|t| t.is_punct("("));
            let single_option = self.peek_at(1).is_some_and(|t| t.kind == Kind::Word)
                && self.peek_at(2).is_some_and(|t| t.is_punct("="));
            if self.at_kw("with") && option_list {
                self.i += 1;
                self.skip_group()?;
            } else if self.at_kw("with") && single_option {
                // `WITH FILLFACTOR = 80`
                self.i += 4;
            } else if self.at_kw("on")
                && !self
                    .peek_at(1)
                    .is_some_and(|t| t.is_kw("delete") || t.is_kw("update"))
            {
                self.i += 1;
                self.ident()?;
                if self.at_punct("(") {
                    self.skip_group()?;
                }
            } else if self.at_kw("textimage_on") || self.at_kw("filestream_on") {
                self.i += 1;
                self.ident()?;
            } else if self.at_kw("not") && self.peek_at(1).is_some_and(|t| t.is_kw("for")) {
                self.i += 2;
                self.expect_kw("replication")?;
            } else {
                return Ok(());
            }
        }
    }

    /// `(col [ASC|DESC], ..)`
    fn index_columns(&mut self) -> PResult<Vec<(String, bool)>> {
        self.expect_punct("(")?;
        let mut cols = Vec::new();
        loop {
            let c = self.ident()?;
            let desc = if self.eat_kw("desc") {
                true
            } else {
                self.eat_kw("asc");
                false
            };
            cols.push((c, desc));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        Ok(cols)
    }

    fn name_list(&mut self) -> PResult<Vec<String>> {
        Ok(self.index_columns()?.into_iter().map(|(c, _)| c).collect())
    }

    fn clustered_or(&mut self, default: bool) -> bool {
        if self.eat_kw("clustered") {
            true
        } else if self.eat_kw("nonclustered") {
            false
        } else {
            default
        }
    }

    fn action(&mut self) -> PResult<RefAction> {
        if self.eat_kw("cascade") {
            Ok(RefAction::Cascade)
        } else if self.eat_kw("no") {
            self.expect_kw("action")?;
            Ok(RefAction::NoAction)
        } else if self.eat_kw("set") {
            if self.eat_kw("null") {
                Ok(RefAction::SetNull)
            } else {
                self.expect_kw("default")?;
                Ok(RefAction::SetDefault)
            }
        } else {
            self.err("CASCADE, NO ACTION, SET NULL or SET DEFAULT")
        }
    }

    /// `REFERENCES t [(cols)] [ON DELETE a] [ON UPDATE a] [NOT FOR REPLICATION]`
    fn references(&mut self, name: Option<String>, columns: Vec<String>) -> PResult<Constraint> {
        self.expect_kw("references")?;
        let references = self.qname()?;
        let referenced_columns = if self.at_punct("(") {
            self.name_list()?
        } else {
            Vec::new()
        };
        let mut on_delete = RefAction::NoAction;
        let mut on_update = RefAction::NoAction;
        loop {
            if self.at_kw("on") && self.peek_at(1).is_some_and(|t| t.is_kw("delete")) {
                self.i += 2;
                on_delete = self.action()?;
            } else if self.at_kw("on") && self.peek_at(1).is_some_and(|t| t.is_kw("update")) {
                self.i += 2;
                on_update = self.action()?;
            } else if self.at_kw("not") && self.peek_at(1).is_some_and(|t| t.is_kw("for")) {
                self.i += 2;
                self.expect_kw("replication")?;
            } else {
                break;
            }
        }
        Ok(Constraint::ForeignKey {
            name,
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
        })
    }

    /// True at the start of a table-level constraint (or period/index).
    fn at_table_constraint(&self) -> bool {
        [
            "constraint",
            "primary",
            "unique",
            "foreign",
            "check",
            "index",
        ]
        .iter()
        .any(|k| self.at_kw(k))
            || (self.at_kw("period") && self.peek_at(1).is_some_and(|t| t.is_kw("for")))
            || self.at_kw("default")
    }

    /// A table-level constraint. `None` for the ones Quarry does not model
    /// (CHECK, PERIOD FOR SYSTEM_TIME).
    fn table_constraint(&mut self) -> PResult<Option<Constraint>> {
        let name = if self.eat_kw("constraint") {
            Some(self.ident()?)
        } else {
            None
        };
        if self.eat_kw("primary") {
            self.expect_kw("key")?;
            let clustered = self.clustered_or(true);
            self.eat_kw("hash");
            let columns = self.name_list()?;
            self.storage_options()?;
            return Ok(Some(Constraint::PrimaryKey(Key {
                name,
                columns,
                clustered,
            })));
        }
        if self.eat_kw("unique") {
            let clustered = self.clustered_or(false);
            self.eat_kw("hash");
            let columns = self.name_list()?;
            self.storage_options()?;
            return Ok(Some(Constraint::Unique(Key {
                name,
                columns,
                clustered,
            })));
        }
        if self.eat_kw("foreign") {
            self.expect_kw("key")?;
            let columns = self.name_list()?;
            return self.references(name, columns).map(Some);
        }
        if self.eat_kw("check") {
            if self.at_kw("not") {
                self.i += 1;
                self.expect_kw("for")?;
                self.expect_kw("replication")?;
            }
            self.skip_group()?;
            return Ok(None);
        }
        if self.eat_kw("default") {
            let expr = wrap(self.expr()?);
            self.expect_kw("for")?;
            let column = self.ident()?;
            if self.eat_kw("with") {
                self.expect_kw("values")?;
            }
            return Ok(Some(Constraint::Default { name, expr, column }));
        }
        if self.eat_kw("period") {
            self.expect_kw("for")?;
            self.expect_kw("system_time")?;
            self.skip_group()?;
            return Ok(None);
        }
        if self.eat_kw("index") {
            let name = self.ident()?;
            let save = self.i;
            self.clustered_or(false);
            if self.eat_kw("columnstore") {
                // Columnstore indexes do not change what a query can read.
                self.skipped("INDEX COLUMNSTORE");
                if self.at_punct("(") {
                    self.skip_group()?;
                }
                self.storage_options()?;
                return Ok(None);
            }
            self.i = save;
            return self
                .index_body(name, false, false)
                .map(|i| Some(Constraint::Index(i)));
        }
        self.err("PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK or DEFAULT")
    }

    /// After `INDEX name`: `[UNIQUE] [CLUSTERED|NONCLUSTERED] (cols) [INCLUDE
    /// (..)] [WHERE ..] [WITH ..] [ON ..]`.
    fn index_body(&mut self, name: String, unique: bool, clustered: bool) -> PResult<Index> {
        let unique = self.eat_kw("unique") || unique;
        let clustered = self.clustered_or(clustered);
        if self.at_kw("columnstore") {
            return self.err("a rowstore index (columnstore indexes are not modelled)");
        }
        let columns = self.index_columns()?;
        let include = if self.eat_kw("include") {
            self.name_list()?
        } else {
            Vec::new()
        };
        let filter = if self.eat_kw("where") {
            let from = self.i;
            let mut stops = STATEMENT_STARTS.to_vec();
            stops.push("on");
            stops.retain(|w| *w != "select");
            self.skip_until(&stops);
            if self.i == from {
                return self.err("an index filter after WHERE");
            }
            Some(wrap(self.text(from, self.i)))
        } else {
            None
        };
        self.storage_options()?;
        Ok(Index {
            name,
            columns,
            include,
            unique,
            clustered,
            filter,
        })
    }

    fn create_index(&mut self, line: usize, unique: bool, clustered: bool) -> PResult<()> {
        let name = self.ident()?;
        self.expect_kw("on")?;
        let table = self.qname()?;
        let index = self.index_body(name, unique, clustered)?;
        self.eat_punct(";");
        self.out.stmts.push((line, Stmt::Index { table, index }));
        Ok(())
    }

    fn create_table(&mut self, line: usize) -> PResult<()> {
        let name = self.qname()?;
        if name.name.starts_with('#') {
            self.skipped("CREATE TABLE #temp");
            if self.at_punct("(") {
                self.skip_group()?;
            }
            self.skip_statement("create");
            return Ok(());
        }
        if self.at_kw("as") {
            return self
                .err("a column list (FileTable, graph and other `AS` tables are not modelled)");
        }
        self.expect_punct("(")?;
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        loop {
            self.table_element(&mut columns, &mut constraints)?;
            if self.eat_punct(",") {
                // SQL Server accepts a trailing comma before `)`.
                if self.at_punct(")") {
                    self.i += 1;
                    break;
                }
                continue;
            }
            self.expect_punct(")")?;
            break;
        }
        // Graph tables: the declared columns are what Quarry can read.
        if self.at_kw("as")
            && self
                .peek_at(1)
                .is_some_and(|t| t.is_kw("node") || t.is_kw("edge"))
        {
            self.i += 2;
        }
        self.storage_options()?;
        self.eat_punct(";");
        self.out.stmts.push((
            line,
            Stmt::Table {
                name,
                columns,
                constraints,
            },
        ));
        Ok(())
    }

    /// One element of a `CREATE TABLE (..)` or `ALTER TABLE .. ADD` list: a
    /// table-level constraint or a column definition (with its inline
    /// constraints), each constraint kept with its line.
    fn table_element(
        &mut self,
        columns: &mut Vec<ColDef>,
        constraints: &mut Vec<(usize, Constraint)>,
    ) -> PResult<()> {
        if self.at_table_constraint() {
            let line = self.line();
            if let Some(c) = self.table_constraint()? {
                constraints.push((line, c));
            }
        } else {
            let (col, inline) = self.column_def()?;
            columns.push(col);
            constraints.extend(inline);
        }
        Ok(())
    }

    /// A column definition with its inline constraints.
    fn column_def(&mut self) -> PResult<(ColDef, Vec<(usize, Constraint)>)> {
        let line = self.line();
        let name = self.ident()?;
        let mut col = ColDef {
            name: name.clone(),
            line,
            ty: None,
            computed: None,
            nullable: None,
            identity: None,
            default: None,
            collation: None,
            rowguidcol: false,
            generated_always: None,
        };
        if self.eat_kw("as") {
            let expr = wrap(self.expr()?);
            col.computed = Some(Computed {
                expr,
                persisted: false,
            });
        } else {
            col.ty = Some(self.raw_type()?);
        }
        let mut constraints = Vec::new();
        let mut pending_name: Option<String> = None;
        loop {
            let cline = self.line();
            // The end of the definition: the next element, the end of the
            // list, or (in ALTER TABLE, outside parentheses) the statement.
            let at_end = match self.peek() {
                None => true,
                Some(t) => {
                    t.kind == Kind::Go
                        || t.is_punct(",")
                        || t.is_punct(")")
                        || t.is_punct(";")
                        || (t.kind == Kind::Word
                            && STATEMENT_STARTS
                                .iter()
                                .any(|w| t.value.eq_ignore_ascii_case(w)))
                }
            };
            if at_end {
                break;
            }
            if self.eat_kw("null") {
                col.nullable = Some(true);
            } else if self.at_kw("not") && self.peek_at(1).is_some_and(|t| t.is_kw("null")) {
                self.i += 2;
                col.nullable = Some(false);
            } else if self.at_kw("not") && self.peek_at(1).is_some_and(|t| t.is_kw("for")) {
                self.i += 2;
                self.expect_kw("replication")?;
            } else if self.eat_kw("identity") {
                let mut id = Identity {
                    seed: 1,
                    increment: 1,
                };
                if self.eat_punct("(") {
                    id.seed = self.signed_number()?;
                    self.expect_punct(",")?;
                    id.increment = self.signed_number()?;
                    self.expect_punct(")")?;
                }
                col.identity = Some(id);
            } else if self.eat_kw("rowguidcol") {
                col.rowguidcol = true;
            } else if self.eat_kw("collate") {
                col.collation = Some(self.ident()?);
            } else if self.eat_kw("persisted") {
                if let Some(c) = &mut col.computed {
                    c.persisted = true;
                }
            } else if self.eat_kw("sparse") || self.eat_kw("filestream") || self.eat_kw("hidden") {
            } else if self.eat_kw("constraint") {
                pending_name = Some(self.ident()?);
            } else if self.eat_kw("default") {
                let expr = wrap(self.expr()?);
                if self.eat_kw("with") {
                    self.expect_kw("values")?;
                }
                col.default = Some(Default {
                    name: pending_name.take(),
                    expr,
                });
            } else if self.eat_kw("primary") {
                self.expect_kw("key")?;
                let clustered = self.clustered_or(true);
                self.eat_kw("hash");
                self.storage_options()?;
                constraints.push((
                    cline,
                    Constraint::PrimaryKey(Key {
                        name: pending_name.take(),
                        columns: vec![name.clone()],
                        clustered,
                    }),
                ));
            } else if self.eat_kw("unique") {
                let clustered = self.clustered_or(false);
                self.eat_kw("hash");
                self.storage_options()?;
                constraints.push((
                    cline,
                    Constraint::Unique(Key {
                        name: pending_name.take(),
                        columns: vec![name.clone()],
                        clustered,
                    }),
                ));
            } else if self.at_kw("foreign") || self.at_kw("references") {
                if self.eat_kw("foreign") {
                    self.expect_kw("key")?;
                }
                let fk = self.references(pending_name.take(), vec![name.clone()])?;
                constraints.push((cline, fk));
            } else if self.eat_kw("check") {
                if self.at_kw("not") {
                    self.i += 1;
                    self.expect_kw("for")?;
                    self.expect_kw("replication")?;
                }
                self.skip_group()?;
                pending_name = None;
            } else if self.eat_kw("generated") {
                self.expect_kw("always")?;
                self.expect_kw("as")?;
                if self.eat_kw("row") {
                    col.generated_always = Some(if self.eat_kw("start") {
                        GeneratedAlways::RowStart
                    } else {
                        self.expect_kw("end")?;
                        GeneratedAlways::RowEnd
                    });
                } else {
                    // `transaction_id|sequence_number start|end`
                    self.ident()?;
                    if !(self.eat_kw("start") || self.eat_kw("end")) {
                        return self.err("START or END");
                    }
                }
            } else if self.eat_kw("masked") || self.eat_kw("encrypted") {
                self.expect_kw("with")?;
                self.skip_group()?;
            } else if self.eat_kw("index") {
                let iname = self.ident()?;
                let unique = self.eat_kw("unique");
                let clustered = self.clustered_or(false);
                self.storage_options()?;
                constraints.push((
                    cline,
                    Constraint::Index(Index {
                        name: iname,
                        columns: vec![(name.clone(), false)],
                        include: Vec::new(),
                        unique,
                        clustered,
                        filter: None,
                    }),
                ));
            } else {
                return self.err(&format!(
                    "a column option (NULL, NOT NULL, DEFAULT, IDENTITY, PRIMARY KEY, REFERENCES, ...) for column `{name}`"
                ));
            }
        }
        Ok((col, constraints))
    }

    fn signed_number(&mut self) -> PResult<i64> {
        let neg = self.eat_punct("-");
        if !neg {
            self.eat_punct("+");
        }
        match self.peek() {
            Some(t) if t.kind == Kind::Number => {
                let v: i64 = match t.value.parse() {
                    Ok(v) => v,
                    Err(_) => return self.err("an integer"),
                };
                self.i += 1;
                Ok(if neg { -v } else { v })
            }
            _ => self.err("an integer"),
        }
    }

    fn alter(&mut self, line: usize) -> PResult<()> {
        if !self.eat_kw("table") {
            let kind = self
                .peek()
                .filter(|t| t.kind == Kind::Word)
                .map(|t| t.value.to_ascii_uppercase())
                .unwrap_or_default();
            self.skipped(format!("ALTER {kind}").trim_end());
            if matches!(
                kind.as_str(),
                "PROC" | "PROCEDURE" | "FUNCTION" | "TRIGGER" | "VIEW"
            ) {
                self.skip_batch();
            } else {
                self.skip_statement("alter");
            }
            return Ok(());
        }
        let table = self.qname()?;
        if self.eat_kw("with") && !(self.eat_kw("check") || self.eat_kw("nocheck")) {
            return self.err("CHECK or NOCHECK after WITH");
        }
        if self.eat_kw("add") {
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            loop {
                self.table_element(&mut columns, &mut constraints)?;
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.eat_punct(";");
            self.out.stmts.push((
                line,
                Stmt::AlterAdd {
                    table,
                    columns,
                    constraints,
                },
            ));
            return Ok(());
        }
        if self.at_kw("check") || self.at_kw("nocheck") {
            self.skipped("ALTER TABLE CHECK CONSTRAINT");
            self.skip_statement("alter");
            return Ok(());
        }
        if self.eat_kw("alter") {
            self.expect_kw("column")?;
            let (column, _) = self.column_def()?;
            self.eat_punct(";");
            self.out
                .stmts
                .push((line, Stmt::AlterColumn { table, column }));
            return Ok(());
        }
        if self.eat_kw("drop") {
            let mut items = Vec::new();
            loop {
                let column = if self.eat_kw("column") {
                    true
                } else {
                    self.eat_kw("constraint");
                    false
                };
                if self.at_kw("if") {
                    self.i += 1;
                    self.expect_kw("exists")?;
                }
                let name = self.ident()?;
                items.push(if column {
                    DropItem::Column(name)
                } else {
                    DropItem::Constraint(name)
                });
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.eat_punct(";");
            self.out
                .stmts
                .push((line, Stmt::AlterDrop { table, items }));
            return Ok(());
        }
        let mut kind = self
            .peek()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.value.to_ascii_uppercase())
            .unwrap_or_default();
        if kind == "ENABLE" || kind == "DISABLE" {
            kind.push_str(" TRIGGER");
        }
        self.skipped(format!("ALTER TABLE {kind}").trim_end());
        self.skip_statement("alter");
        Ok(())
    }

    fn create_view(&mut self, line: usize) -> PResult<()> {
        let name = self.qname()?;
        let columns = if self.at_punct("(") {
            self.name_list()?
        } else {
            Vec::new()
        };
        if self.eat_kw("with") {
            loop {
                self.ident()?;
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        self.expect_kw("as")?;
        let select = self.view_select();
        self.skip_batch();
        self.out.stmts.push((
            line,
            Stmt::View {
                name,
                columns,
                select,
            },
        ));
        Ok(())
    }

    /// Parses a view's `SELECT` when it is plain columns over tables and
    /// joins; otherwise says why not.
    fn view_select(&mut self) -> Result<ViewSelect, String> {
        let not_simple = |what: &str| Err(format!("its select {what}"));
        if !self.eat_kw("select") {
            return not_simple("does not start with SELECT (a CTE or other form)");
        }
        if !self.eat_kw("distinct") {
            self.eat_kw("all");
        }
        if self.eat_kw("top") {
            if self.at_punct("(") {
                if self.skip_group().is_err() {
                    return not_simple("has an unbalanced TOP");
                }
            } else {
                self.i += 1;
            }
            self.eat_kw("percent");
            if self.eat_kw("with") {
                self.eat_kw("ties");
            }
        }
        let mut items = Vec::new();
        loop {
            let n = items.len() + 1;
            let item = if self.eat_punct("*") {
                ViewItem::Star(None)
            } else {
                let mut output = None;
                if self.peek_at(1).is_some_and(|t| t.is_punct("="))
                    && self
                        .peek()
                        .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::Quoted | Kind::Str))
                {
                    output = self.peek().map(|t| t.value.clone());
                    self.i += 2;
                }
                let mut parts = Vec::new();
                let mut star = false;
                loop {
                    match self.peek() {
                        Some(t)
                            if t.kind == Kind::Quoted
                                || (t.kind == Kind::Word && !is_view_keyword(&t.value)) =>
                        {
                            parts.push(t.value.clone());
                            self.i += 1;
                        }
                        Some(t) if t.is_punct("*") && !parts.is_empty() => {
                            star = true;
                            self.i += 1;
                            break;
                        }
                        _ => return not_simple(&format!("list item {n} is not a plain column")),
                    }
                    if !self.eat_punct(".") {
                        break;
                    }
                }
                if star {
                    ViewItem::Star(parts.pop())
                } else {
                    if self.at_punct("(") {
                        return not_simple(&format!("list item {n} is a function call"));
                    }
                    let column = parts.pop().unwrap_or_default();
                    let qualifier = parts.pop();
                    if output.is_none() {
                        let had_as = self.eat_kw("as");
                        match self.peek() {
                            Some(t)
                                if t.kind == Kind::Quoted
                                    || t.kind == Kind::Str
                                    || (t.kind == Kind::Word && !is_view_keyword(&t.value)) =>
                            {
                                output = Some(t.value.clone());
                                self.i += 1;
                            }
                            _ if had_as => {
                                return not_simple(&format!("list item {n} has AS without a name"));
                            }
                            _ => {}
                        }
                    }
                    ViewItem::Column {
                        qualifier,
                        column,
                        output,
                    }
                }
            };
            items.push(item);
            if self.eat_punct(",") {
                continue;
            }
            if self.eat_kw("from") {
                break;
            }
            return not_simple(&format!("list item {n} is an expression"));
        }
        let mut sources: Vec<ViewSource> = Vec::new();
        let mut join = None::<&str>;
        loop {
            if self.at_punct("(") {
                return not_simple("reads from a derived table");
            }
            let Ok(table) = self.qname() else {
                return not_simple("has a FROM source that is not a table");
            };
            if self.at_punct("(") {
                return not_simple("reads from a table-valued function");
            }
            let had_as = self.eat_kw("as");
            let alias = match self.peek() {
                Some(t)
                    if t.kind == Kind::Quoted
                        || (t.kind == Kind::Word && !is_view_keyword(&t.value)) =>
                {
                    self.i += 1;
                    Some(t.value.clone())
                }
                _ if had_as => return not_simple("has AS without an alias"),
                _ => None,
            };
            if self.at_kw("with") && self.peek_at(1).is_some_and(|t| t.is_punct("(")) {
                self.i += 1;
                let _ = self.skip_group();
            }
            match join {
                Some("right") => sources.iter_mut().for_each(|s| s.nullable = true),
                Some("full") => sources.iter_mut().for_each(|s| s.nullable = true),
                _ => {}
            }
            sources.push(ViewSource {
                table,
                alias,
                nullable: matches!(join, Some("left" | "full")),
            });
            // The ON condition and any WHERE/GROUP BY/ORDER BY do not change
            // the columns; skip them up to the next join.
            let joins = [
                "join",
                "inner",
                "left",
                "right",
                "full",
                "cross",
                "outer",
                "union",
                "except",
                "intersect",
            ];
            if self.eat_kw("on") {
                self.skip_until(&joins);
            }
            if self.eat_punct(",") {
                join = Some("inner");
                continue;
            }
            join = if self.eat_kw("inner") || self.at_kw("join") {
                Some("inner")
            } else if self.eat_kw("left") {
                Some("left")
            } else if self.eat_kw("right") {
                Some("right")
            } else if self.eat_kw("full") {
                Some("full")
            } else if self.eat_kw("cross") {
                if self.at_kw("apply") {
                    return not_simple("uses APPLY");
                }
                Some("inner")
            } else if self.at_kw("outer") {
                return not_simple("uses OUTER APPLY");
            } else {
                None
            };
            if join.is_some() {
                self.eat_kw("outer");
                if !self.eat_kw("join") {
                    return not_simple("has a join form Quarry does not read");
                }
                continue;
            }
            break;
        }
        // WHERE, GROUP BY, HAVING, ORDER BY, OPTION: skip to a set operator.
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            if t.kind == Kind::Go {
                break;
            }
            if depth == 0 && (t.is_kw("union") || t.is_kw("except") || t.is_kw("intersect")) {
                return not_simple("combines queries with UNION/EXCEPT/INTERSECT");
            }
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth = depth.saturating_sub(1);
            }
            self.i += 1;
        }
        Ok(ViewSelect { items, sources })
    }
}

/// Words that end a name in a view's select (so they are not taken as an
/// alias).
fn is_view_keyword(w: &str) -> bool {
    [
        "from",
        "where",
        "join",
        "inner",
        "left",
        "right",
        "full",
        "cross",
        "outer",
        "on",
        "group",
        "order",
        "having",
        "union",
        "except",
        "intersect",
        "with",
        "option",
        "as",
        "apply",
        "for",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(w))
}

fn is_statement_word(w: &str) -> bool {
    STATEMENT_STARTS.contains(&w)
        || matches!(
            w,
            "use"
                | "print"
                | "grant"
                | "deny"
                | "revoke"
                | "insert"
                | "update"
                | "delete"
                | "merge"
                | "declare"
                | "raiserror"
                | "throw"
                | "return"
                | "truncate"
                | "drop"
                | "set"
                | "select"
                | "with"
                | "waitfor"
                | "checkpoint"
                | "dbcc"
                | "backup"
                | "restore"
                | "disable"
                | "enable"
                | "open"
                | "close"
                | "fetch"
                | "deallocate"
                | "reconfigure"
                | "kill"
                | "bulk"
                | "save"
                | "break"
                | "continue"
                | "goto"
                | "while"
        )
}

/// Wraps an expression in parentheses unless it is one group already, as SQL
/// Server stores defaults (`DEFAULT 0` is stored as `(0)`).
pub(crate) fn wrap(expr: String) -> String {
    if crate::text::is_single_group(&expr) {
        expr
    } else {
        format!("({expr})")
    }
}
