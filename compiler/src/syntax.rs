//! Stage 1, `syntax`: Rust token trees → the DSL's abstract syntax tree.
//! A hand-written recursive-descent parser over `proc_macro2` tokens, so that
//! every identifier, literal and operator keeps its own span for errors.
//! It knows the grammar (see the crate docs) and nothing of the schema.

use proc_macro2::{Delimiter, Ident, Literal, Span, TokenStream, TokenTree};

/// A whole `query!` input: an optional statement name and the statement.
#[derive(Debug, Clone)]
pub struct Query {
    /// `name:` before the statement; becomes part of the statement id.
    pub name: Option<Ident>,
    /// The statement.
    pub stmt: Stmt,
}

/// One DSL statement.
#[derive(Debug, Clone)]
pub enum Stmt {
    /// `select ...`
    Select(Box<Select>),
    /// `insert ...`
    Insert(Insert),
    /// `update ...`
    Update(Update),
    /// `delete ...`
    Delete(Delete),
    /// `upsert ...`
    Upsert(Upsert),
}

/// `select [distinct] source join* [{..}] [where] [group by] [having] [order by] [offset] [limit] [locking]`
#[derive(Debug, Clone)]
pub struct Select {
    /// The `select` keyword.
    pub kw: Span,
    /// `distinct`
    pub distinct: bool,
    /// The first source.
    pub from: Source,
    /// Joined sources in order.
    pub joins: Vec<Join>,
    /// The projection `{ .. }`; `None` selects every column of the first source.
    pub projection: Option<Vec<ProjItem>>,
    /// `where`
    pub where_: Option<Expr>,
    /// `group by`
    pub group_by: Vec<Expr>,
    /// `having`, with the keyword's span.
    pub having: Option<(Span, Expr)>,
    /// `order by`
    pub order_by: Vec<OrderItem>,
    /// `offset`, with the keyword's span.
    pub offset: Option<(Span, Expr)>,
    /// `limit`, with the keyword's span.
    pub limit: Option<(Span, Expr)>,
    /// Locking: `for update [nowait]` and `with (hints)`.
    pub lock: Lock,
}

/// Locking requests at the end of a select.
#[derive(Debug, Clone, Default)]
pub struct Lock {
    /// `for update`
    pub for_update: Option<Span>,
    /// `nowait`
    pub nowait: Option<Span>,
    /// `with (hint, ..)`
    pub hints: Vec<Ident>,
}

/// A table or derived table in `from`/`join` position, with its alias.
#[derive(Debug, Clone)]
pub struct Source {
    /// What is read.
    pub kind: SourceKind,
    /// `as alias` or a bare alias.
    pub alias: Option<Ident>,
}

/// What a source reads.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A table or view by name.
    Table(TableName),
    /// `(select ..)`, a derived table; the span is the parentheses.
    Derived(Box<Select>, Span),
}

/// `[schema.]table`
#[derive(Debug, Clone)]
pub struct TableName {
    /// The schema, when written.
    pub schema: Option<Ident>,
    /// The table.
    pub name: Ident,
}

impl TableName {
    /// The span covering the name.
    pub fn span(&self) -> Span {
        join_spans(
            self.schema.as_ref().map_or(self.name.span(), Ident::span),
            self.name.span(),
        )
    }
}

/// `[left] join source [on expr]`
#[derive(Debug, Clone)]
pub struct Join {
    /// `left join`
    pub left: bool,
    /// The `join` keyword.
    pub kw: Span,
    /// The joined source.
    pub source: Source,
    /// `on` condition; without it the join follows a foreign key.
    pub on: Option<Expr>,
}

/// One projection item.
#[derive(Debug, Clone)]
pub enum ProjItem {
    /// `expr [as name]`
    Expr {
        /// The expression.
        expr: Expr,
        /// `as name`
        alias: Option<Ident>,
    },
    /// `source.*`
    Wildcard {
        /// The source name or alias.
        qualifier: Ident,
    },
}

/// `expr [asc|desc]`
#[derive(Debug, Clone)]
pub struct OrderItem {
    /// The sort key.
    pub expr: Expr,
    /// `desc`
    pub desc: bool,
}

/// `column: expr` in insert, update and upsert.
#[derive(Debug, Clone)]
pub struct Assign {
    /// The column.
    pub column: Ident,
    /// The value.
    pub value: Expr,
}

/// `returning col | {cols} | *`
#[derive(Debug, Clone)]
pub struct Returning {
    /// The keyword.
    pub kw: Span,
    /// The columns; `None` for `*`.
    pub items: Option<Vec<ProjItem>>,
}

/// `insert table { col: expr, .. } [returning ..]`
#[derive(Debug, Clone)]
pub struct Insert {
    /// The keyword.
    pub kw: Span,
    /// Target table.
    pub table: TableName,
    /// Values.
    pub values: Vec<Assign>,
    /// `returning`
    pub returning: Option<Returning>,
}

/// `update [top (n)] table set { col: expr, .. } [where ..] [returning ..]`
#[derive(Debug, Clone)]
pub struct Update {
    /// The keyword.
    pub kw: Span,
    /// `top (n)`
    pub top: Option<Expr>,
    /// Target table.
    pub table: TableName,
    /// Assignments.
    pub sets: Vec<Assign>,
    /// `where`
    pub where_: Option<Expr>,
    /// `returning`
    pub returning: Option<Returning>,
}

/// `delete [top (n)] table [where ..] [returning ..]`
#[derive(Debug, Clone)]
pub struct Delete {
    /// The keyword.
    pub kw: Span,
    /// `top (n)`
    pub top: Option<Expr>,
    /// Target table.
    pub table: TableName,
    /// `where`
    pub where_: Option<Expr>,
    /// `returning`
    pub returning: Option<Returning>,
}

/// `upsert table on key|(k1, k2) { col: expr, .. } [returning ..]`
#[derive(Debug, Clone)]
pub struct Upsert {
    /// The keyword.
    pub kw: Span,
    /// Target table.
    pub table: TableName,
    /// The key columns the MERGE matches on.
    pub keys: Vec<Ident>,
    /// Values.
    pub values: Vec<Assign>,
    /// `returning`
    pub returning: Option<Returning>,
}

/// An expression with its span.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// True for `== != < <= > >=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }

    /// True for `+ - * / %`.
    pub fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
        )
    }

    /// The operator as written in the DSL.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

/// A parameter: `$name`, `$name?` or `$(expr)`.
#[derive(Debug, Clone)]
pub struct Param {
    /// The Rust value.
    pub source: ParamSource,
    /// `?`: the enclosing filter applies only when the value is `Some`.
    pub optional: bool,
    /// From `$` to the end.
    pub span: Span,
}

/// Where a parameter's value comes from.
#[derive(Debug, Clone)]
pub enum ParamSource {
    /// A variable in scope.
    Name(Ident),
    /// An arbitrary Rust expression.
    Expr(TokenStream),
}

/// A type in `cast(x as type)`.
#[derive(Debug, Clone)]
pub struct TypeName {
    /// `int`, `varchar`, `decimal`, ...
    pub name: Ident,
    /// `(n)`, `(p, s)`; `None` entries stand for `max`.
    pub args: Vec<Option<u32>>,
    /// The whole type.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// `col`, `source.col`, `schema.table.col`
    Column(Vec<Ident>),
    /// A bound parameter.
    Param(Param),
    /// An integer literal (decimal digits).
    Int(String),
    /// A decimal literal, `digits.digits`.
    Number(String),
    /// A string literal (its value).
    Str(String),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
    /// `-e`
    Neg(Box<Expr>),
    /// `!e`
    Not(Box<Expr>),
    /// `(e)`
    Paren(Box<Expr>),
    /// `l op r`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `e [not] like pattern`
    Like {
        /// The tested value.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `not like`
        negated: bool,
    },
    /// `e [not] in [a, b]`
    InList {
        /// The tested value.
        expr: Box<Expr>,
        /// The items.
        items: Vec<Expr>,
        /// `not in`
        negated: bool,
    },
    /// `e [not] in $list`
    InParam {
        /// The tested value.
        expr: Box<Expr>,
        /// The list parameter.
        param: Param,
        /// `not in`
        negated: bool,
    },
    /// `e [not] in (select ..)`
    InSelect {
        /// The tested value.
        expr: Box<Expr>,
        /// The subquery.
        select: Box<Select>,
        /// `not in`
        negated: bool,
    },
    /// `e [not] between lo and hi`
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `not between`
        negated: bool,
    },
    /// `e is [not] null`
    IsNull {
        /// The tested value.
        expr: Box<Expr>,
        /// `is not null`
        negated: bool,
    },
    /// `exists (select ..)`
    Exists(Box<Select>),
    /// `f(args)`, `count(*)`, `count(distinct x)`
    Call {
        /// The function name.
        name: Ident,
        /// Arguments.
        args: Vec<Expr>,
        /// `count(*)`
        star: bool,
        /// `count(distinct x)`
        distinct: bool,
    },
    /// `cast(e as type)`
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The target type.
        ty: TypeName,
    },
}

/// Joins two spans when the compiler supports it, else keeps the first.
pub fn join_spans(a: Span, b: Span) -> Span {
    a.join(b).unwrap_or(a)
}

/// Words that end a source (so they are never taken as a bare alias).
const SOURCE_STOP: &[&str] = &[
    "join",
    "left",
    "inner",
    "where",
    "order",
    "group",
    "having",
    "limit",
    "offset",
    "for",
    "with",
    "on",
    "set",
    "returning",
    "as",
    "distinct",
    "nowait",
];

type PResult<T> = Result<T, syn::Error>;

/// Parses a `query!` input.
pub fn parse(input: TokenStream) -> PResult<Query> {
    // Errors at the end of the input point at its last token.
    let end = input
        .clone()
        .into_iter()
        .last()
        .map_or(Span::call_site(), |t| t.span());
    let mut c = Cursor::new(input, end);
    let name =
        if c.peek_ident_any().is_some() && c.peek_punct_at(1, ':') && !c.peek_punct_at(2, ':') {
            let name = c.ident("a statement name")?;
            c.bump();
            Some(name)
        } else {
            None
        };
    let stmt = parse_stmt(&mut c)?;
    c.expect_end("the end of the query")?;
    Ok(Query { name, stmt })
}

fn parse_stmt(c: &mut Cursor) -> PResult<Stmt> {
    let Some(kw) = c.peek_ident_any() else {
        return Err(
            c.err_here("expected a statement: `select`, `insert`, `update`, `delete` or `upsert`")
        );
    };
    match kw.to_string().as_str() {
        "select" => Ok(Stmt::Select(Box::new(parse_select(c)?))),
        "insert" => parse_insert(c).map(Stmt::Insert),
        "update" => parse_update(c).map(Stmt::Update),
        "delete" => parse_delete(c).map(Stmt::Delete),
        "upsert" => parse_upsert(c).map(Stmt::Upsert),
        other => Err(syn::Error::new(
            kw.span(),
            format!(
                "expected a statement: `select`, `insert`, `update`, `delete` or `upsert`, found `{other}`"
            ),
        )),
    }
}

fn parse_select(c: &mut Cursor) -> PResult<Select> {
    let kw = c.keyword("select")?;
    let distinct = c.eat_keyword("distinct").is_some();
    let from = parse_source(c)?;
    let mut joins = Vec::new();
    loop {
        let left = if c.peek_keyword("left") {
            c.bump();
            c.eat_keyword("outer");
            true
        } else {
            c.eat_keyword("inner");
            false
        };
        if !c.peek_keyword("join") {
            if left {
                return Err(c.err_here("expected `join` after `left`"));
            }
            break;
        }
        let kw = c.keyword("join")?;
        let source = parse_source(c)?;
        let on = if c.eat_keyword("on").is_some() {
            Some(parse_expr(c)?)
        } else {
            None
        };
        joins.push(Join {
            left,
            kw,
            source,
            on,
        });
    }
    let projection = match c.peek_group(Delimiter::Brace) {
        Some(_) => {
            let (mut inner, _) = c.group(Delimiter::Brace, "`{`")?;
            Some(parse_proj_items(&mut inner)?)
        }
        None => None,
    };
    let mut s = Select {
        kw,
        distinct,
        from,
        joins,
        projection,
        where_: None,
        group_by: Vec::new(),
        having: None,
        order_by: Vec::new(),
        offset: None,
        limit: None,
        lock: Lock::default(),
    };
    if c.eat_keyword("where").is_some() {
        s.where_ = Some(parse_expr(c)?);
    }
    if c.eat_keyword("group").is_some() {
        c.keyword("by")?;
        s.group_by = parse_comma_list(c, parse_expr)?;
    }
    if let Some(kw) = c.eat_keyword("having") {
        s.having = Some((kw, parse_expr(c)?));
    }
    if c.eat_keyword("order").is_some() {
        c.keyword("by")?;
        s.order_by = parse_comma_list(c, |c| {
            let expr = parse_expr(c)?;
            let desc = if c.eat_keyword("desc").is_some() {
                true
            } else {
                c.eat_keyword("asc");
                false
            };
            Ok(OrderItem { expr, desc })
        })?;
    }
    // `offset` and `limit` in either order.
    for _ in 0..2 {
        if let Some(kw) = c.eat_keyword("offset") {
            if s.offset.is_some() {
                return Err(syn::Error::new(kw, "`offset` given twice"));
            }
            s.offset = Some((kw, parse_expr(c)?));
        } else if let Some(kw) = c.eat_keyword("limit") {
            if s.limit.is_some() {
                return Err(syn::Error::new(kw, "`limit` given twice"));
            }
            s.limit = Some((kw, parse_expr(c)?));
        }
    }
    if let Some(kw) = c.eat_keyword("for") {
        if c.eat_keyword("update").is_none() {
            return Err(c.err_here("expected `update` after `for` (`for update [nowait]`)"));
        }
        s.lock.for_update = Some(kw);
        s.lock.nowait = c.eat_keyword("nowait");
    }
    if c.peek_keyword("with") {
        c.bump();
        let (mut inner, _) = c.group(Delimiter::Parenthesis, "`(` with table hints")?;
        s.lock.hints = parse_comma_list(&mut inner, |c| c.ident("a table hint"))?;
        inner.expect_end("`,` or `)`")?;
    }
    Ok(s)
}

fn parse_proj_items(c: &mut Cursor) -> PResult<Vec<ProjItem>> {
    let items = parse_comma_list(c, |c| {
        if c.peek_ident_any().is_some() && c.peek_punct_at(1, '.') && c.peek_punct_at(2, '*') {
            let qualifier = c.ident("a source")?;
            c.bump();
            c.bump();
            return Ok(ProjItem::Wildcard { qualifier });
        }
        let expr = parse_expr(c)?;
        let alias = if c.eat_keyword("as").is_some() {
            Some(c.ident("a name after `as`")?)
        } else {
            None
        };
        Ok(ProjItem::Expr { expr, alias })
    })?;
    c.expect_end("`,` or `}` after a projection item")?;
    Ok(items)
}

fn parse_source(c: &mut Cursor) -> PResult<Source> {
    let kind = if let Some(span) = c.peek_group(Delimiter::Parenthesis) {
        let (mut inner, _) = c.group(Delimiter::Parenthesis, "`(`")?;
        let sel = parse_select(&mut inner)?;
        inner.expect_end("`)` after the derived table")?;
        SourceKind::Derived(Box::new(sel), span)
    } else {
        SourceKind::Table(parse_table_name(c)?)
    };
    let alias = if c.eat_keyword("as").is_some() {
        Some(c.ident("an alias after `as`")?)
    } else {
        match c.peek_ident_any() {
            Some(id) if !SOURCE_STOP.contains(&id.to_string().as_str()) => {
                c.bump();
                Some(id)
            }
            _ => None,
        }
    };
    Ok(Source { kind, alias })
}

fn parse_table_name(c: &mut Cursor) -> PResult<TableName> {
    let first = c.ident("a table name")?;
    if c.peek_punct_at(0, '.') {
        c.bump();
        let name = c.ident("a table name after `schema.`")?;
        Ok(TableName {
            schema: Some(first),
            name,
        })
    } else {
        Ok(TableName {
            schema: None,
            name: first,
        })
    }
}

fn parse_assignments(c: &mut Cursor) -> PResult<Vec<Assign>> {
    let (mut inner, _) = c.group(Delimiter::Brace, "`{ column: value, .. }`")?;
    let items = parse_comma_list(&mut inner, |c| {
        let column = c.ident("a column name")?;
        if !c.peek_punct_at(0, ':') {
            return Err(c.err_here(format!(
                "expected `:` after `{column}` (write `{column}: value`)"
            )));
        }
        c.bump();
        let value = parse_expr(c)?;
        Ok(Assign { column, value })
    })?;
    inner.expect_end("`,` or `}` after an assignment")?;
    Ok(items)
}

fn parse_returning(c: &mut Cursor) -> PResult<Option<Returning>> {
    let Some(kw) = c.eat_keyword("returning") else {
        return Ok(None);
    };
    let items = if c.peek_punct_at(0, '*') {
        c.bump();
        None
    } else if c.peek_group(Delimiter::Brace).is_some() {
        let (mut inner, _) = c.group(Delimiter::Brace, "`{`")?;
        Some(parse_proj_items(&mut inner)?)
    } else {
        let column = c.ident("a column, `{ columns }` or `*` after `returning`")?;
        let span = column.span();
        Some(vec![ProjItem::Expr {
            expr: Expr {
                kind: ExprKind::Column(vec![column]),
                span,
            },
            alias: None,
        }])
    };
    Ok(Some(Returning { kw, items }))
}

fn parse_top(c: &mut Cursor) -> PResult<Option<Expr>> {
    if c.eat_keyword("top").is_none() {
        return Ok(None);
    }
    let (mut inner, _) = c.group(Delimiter::Parenthesis, "`(` after `top`")?;
    let e = parse_expr(&mut inner)?;
    inner.expect_end("`)` after the row count")?;
    Ok(Some(e))
}

fn parse_insert(c: &mut Cursor) -> PResult<Insert> {
    let kw = c.keyword("insert")?;
    c.eat_keyword("into");
    let table = parse_table_name(c)?;
    let values = parse_assignments(c)?;
    let returning = parse_returning(c)?;
    Ok(Insert {
        kw,
        table,
        values,
        returning,
    })
}

fn parse_update(c: &mut Cursor) -> PResult<Update> {
    let kw = c.keyword("update")?;
    let top = parse_top(c)?;
    let table = parse_table_name(c)?;
    c.keyword("set")?;
    let sets = parse_assignments(c)?;
    let where_ = if c.eat_keyword("where").is_some() {
        Some(parse_expr(c)?)
    } else {
        None
    };
    let returning = parse_returning(c)?;
    Ok(Update {
        kw,
        top,
        table,
        sets,
        where_,
        returning,
    })
}

fn parse_delete(c: &mut Cursor) -> PResult<Delete> {
    let kw = c.keyword("delete")?;
    let top = parse_top(c)?;
    c.eat_keyword("from");
    let table = parse_table_name(c)?;
    let where_ = if c.eat_keyword("where").is_some() {
        Some(parse_expr(c)?)
    } else {
        None
    };
    let returning = parse_returning(c)?;
    Ok(Delete {
        kw,
        top,
        table,
        where_,
        returning,
    })
}

fn parse_upsert(c: &mut Cursor) -> PResult<Upsert> {
    let kw = c.keyword("upsert")?;
    c.eat_keyword("into");
    let table = parse_table_name(c)?;
    c.keyword("on")?;
    let keys = if c.peek_group(Delimiter::Parenthesis).is_some() {
        let (mut inner, _) = c.group(Delimiter::Parenthesis, "`(`")?;
        let keys = parse_comma_list(&mut inner, |c| c.ident("a key column"))?;
        inner.expect_end("`,` or `)` after a key column")?;
        keys
    } else {
        vec![c.ident("a key column (or `(a, b)`) after `on`")?]
    };
    let values = parse_assignments(c)?;
    let returning = parse_returning(c)?;
    Ok(Upsert {
        kw,
        table,
        keys,
        values,
        returning,
    })
}

fn parse_comma_list<T>(
    c: &mut Cursor,
    mut item: impl FnMut(&mut Cursor) -> PResult<T>,
) -> PResult<Vec<T>> {
    let mut out = vec![item(c)?];
    while c.peek_punct_at(0, ',') {
        c.bump();
        if c.at_end() {
            break;
        }
        out.push(item(c)?);
    }
    Ok(out)
}

/// Parses an expression (lowest precedence: `||`).
pub fn parse_expr(c: &mut Cursor) -> PResult<Expr> {
    parse_binary(c, 1)
}

fn binop_at(c: &Cursor) -> Option<(BinOp, usize, u8)> {
    const OPS: &[(&str, BinOp, u8)] = &[
        ("||", BinOp::Or, 1),
        ("&&", BinOp::And, 2),
        ("==", BinOp::Eq, 4),
        ("!=", BinOp::Ne, 4),
        ("<=", BinOp::Le, 4),
        (">=", BinOp::Ge, 4),
        ("<", BinOp::Lt, 4),
        (">", BinOp::Gt, 4),
        ("+", BinOp::Add, 5),
        ("-", BinOp::Sub, 5),
        ("*", BinOp::Mul, 6),
        ("/", BinOp::Div, 6),
        ("%", BinOp::Rem, 6),
    ];
    OPS.iter()
        .find(|(s, _, _)| c.peek_op(s))
        .map(|(s, op, p)| (*op, s.len(), *p))
}

fn parse_binary(c: &mut Cursor, min_prec: u8) -> PResult<Expr> {
    let mut left = parse_unary(c, min_prec)?;
    loop {
        // Postfix predicates bind at the comparison level.
        if min_prec <= 4
            && let Some(e) = parse_predicate_suffix(c, &left)?
        {
            left = e;
            continue;
        }
        let Some((op, len, prec)) = binop_at(c) else {
            break;
        };
        if prec < min_prec {
            break;
        }
        for _ in 0..len {
            c.bump();
        }
        // Comparisons do not chain; arithmetic and logic are left-associative.
        let right = parse_binary(c, prec + 1)?;
        let span = join_spans(left.span, right.span);
        left = Expr {
            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            span,
        };
    }
    Ok(left)
}

fn parse_predicate_suffix(c: &mut Cursor, left: &Expr) -> PResult<Option<Expr>> {
    let negated = c.peek_keyword("not")
        && matches!(
            c.peek_ident_at(1).map(|i| i.to_string()).as_deref(),
            Some("like" | "in" | "between")
        );
    if negated {
        c.bump();
    }
    let Some(word) = c.peek_ident_any() else {
        return Ok(None);
    };
    let boxed = || Box::new(left.clone());
    let kind = match word.to_string().as_str() {
        "like" => {
            c.bump();
            let pattern = parse_binary(c, 5)?;
            ExprKind::Like {
                expr: boxed(),
                pattern: Box::new(pattern),
                negated,
            }
        }
        "in" => {
            c.bump();
            if let Some(span) = c.peek_group(Delimiter::Bracket) {
                let (mut inner, _) = c.group(Delimiter::Bracket, "`[`")?;
                if inner.at_end() {
                    return Err(syn::Error::new(
                        span,
                        "an `in [..]` list needs at least one item",
                    ));
                }
                let items = parse_comma_list(&mut inner, parse_expr)?;
                inner.expect_end("`,` or `]`")?;
                ExprKind::InList {
                    expr: boxed(),
                    items,
                    negated,
                }
            } else if c.peek_group(Delimiter::Parenthesis).is_some() {
                let (mut inner, _) = c.group(Delimiter::Parenthesis, "`(`")?;
                let select = parse_select(&mut inner)?;
                inner.expect_end("`)` after the subquery")?;
                ExprKind::InSelect {
                    expr: boxed(),
                    select: Box::new(select),
                    negated,
                }
            } else if c.peek_punct_at(0, '$') {
                let param = parse_param(c)?;
                ExprKind::InParam {
                    expr: boxed(),
                    param,
                    negated,
                }
            } else {
                return Err(
                    c.err_here("expected `[a, b, ..]`, `$list` or `(select ..)` after `in`")
                );
            }
        }
        "between" => {
            c.bump();
            let low = parse_binary(c, 5)?;
            c.keyword("and")?;
            let high = parse_binary(c, 5)?;
            ExprKind::Between {
                expr: boxed(),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            }
        }
        "is" => {
            c.bump();
            let negated = c.eat_keyword("not").is_some();
            if c.eat_keyword("null").is_none() {
                return Err(c.err_here("expected `null` or `not null` after `is`"));
            }
            ExprKind::IsNull {
                expr: boxed(),
                negated,
            }
        }
        _ => return Ok(None),
    };
    let span = join_spans(left.span, c.prev_span());
    Ok(Some(Expr { kind, span }))
}

fn parse_unary(c: &mut Cursor, min_prec: u8) -> PResult<Expr> {
    if c.peek_op("!") && !c.peek_op("!=") {
        let start = c.bump_span();
        let inner = parse_binary(c, 4.max(min_prec))?;
        let span = join_spans(start, inner.span);
        return Ok(Expr {
            kind: ExprKind::Not(Box::new(inner)),
            span,
        });
    }
    if c.peek_op("-") {
        let start = c.bump_span();
        let inner = parse_unary(c, 7)?;
        let span = join_spans(start, inner.span);
        return Ok(Expr {
            kind: ExprKind::Neg(Box::new(inner)),
            span,
        });
    }
    parse_primary(c)
}

fn parse_param(c: &mut Cursor) -> PResult<Param> {
    let start = c.bump_span(); // `$`
    let value_span = c.span();
    let source = if let Some(id) = c.peek_ident_any() {
        c.bump();
        ParamSource::Name(id)
    } else if c.peek_group(Delimiter::Parenthesis).is_some() {
        let (inner, span) = c.group(Delimiter::Parenthesis, "`(`")?;
        let ts: TokenStream = inner.toks.into_iter().collect();
        if ts.is_empty() {
            return Err(syn::Error::new(
                span,
                "expected a Rust expression inside `$( )`",
            ));
        }
        ParamSource::Expr(ts)
    } else {
        return Err(c.err_here("expected a variable name or `(expr)` after `$`"));
    };
    let optional = if c.peek_punct_at(0, '?') {
        c.bump();
        true
    } else {
        false
    };
    // Where spans cannot be joined (stable rustc), point at the value's
    // name rather than at the `$`.
    Ok(Param {
        source,
        optional,
        span: start.join(c.prev_span()).unwrap_or(value_span),
    })
}

fn parse_literal(lit: &Literal) -> PResult<ExprKind> {
    match syn::Lit::new(lit.clone()) {
        syn::Lit::Str(s) => Ok(ExprKind::Str(s.value())),
        syn::Lit::Int(i) => {
            if !i.suffix().is_empty() {
                return Err(syn::Error::new(
                    lit.span(),
                    "write integer literals without a type suffix; the column decides the type",
                ));
            }
            Ok(ExprKind::Int(i.base10_digits().to_owned()))
        }
        syn::Lit::Float(f) => {
            let d = f.base10_digits();
            let ok = f.suffix().is_empty()
                && d.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|x| x.is_ascii_digit())
                        && b.bytes().all(|x| x.is_ascii_digit())
                });
            if !ok {
                return Err(syn::Error::new(
                    lit.span(),
                    "write decimal literals as `digits.digits`, without exponent or suffix",
                ));
            }
            Ok(ExprKind::Number(d.to_owned()))
        }
        _ => Err(syn::Error::new(
            lit.span(),
            "unsupported literal: use a string, an integer or a decimal number",
        )),
    }
}

fn parse_primary(c: &mut Cursor) -> PResult<Expr> {
    let Some(tok) = c.peek().cloned() else {
        return Err(c.err_here("expected an expression"));
    };
    match tok {
        TokenTree::Literal(lit) => {
            c.bump();
            Ok(Expr {
                kind: parse_literal(&lit)?,
                span: lit.span(),
            })
        }
        TokenTree::Punct(p) if p.as_char() == '$' => {
            let param = parse_param(c)?;
            Ok(Expr {
                span: param.span,
                kind: ExprKind::Param(param),
            })
        }
        TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
            let (mut inner, span) = c.group(Delimiter::Parenthesis, "`(`")?;
            if inner.peek_keyword("select") {
                return Err(syn::Error::new(
                    span,
                    "a subquery can be used only after `in` or `exists`, or as a joined source",
                ));
            }
            let e = parse_expr(&mut inner)?;
            inner.expect_end("`)`")?;
            Ok(Expr {
                kind: ExprKind::Paren(Box::new(e)),
                span,
            })
        }
        TokenTree::Ident(id) => {
            let word = id.to_string();
            match word.as_str() {
                "null" => {
                    c.bump();
                    return Ok(Expr {
                        kind: ExprKind::Null,
                        span: id.span(),
                    });
                }
                "true" | "false" => {
                    c.bump();
                    return Ok(Expr {
                        kind: ExprKind::Bool(word == "true"),
                        span: id.span(),
                    });
                }
                "exists" if c.peek_group_at(1, Delimiter::Parenthesis) => {
                    c.bump();
                    let (mut inner, span) = c.group(Delimiter::Parenthesis, "`(`")?;
                    let sel = parse_select(&mut inner)?;
                    inner.expect_end("`)` after the subquery")?;
                    return Ok(Expr {
                        kind: ExprKind::Exists(Box::new(sel)),
                        span: join_spans(id.span(), span),
                    });
                }
                _ => {}
            }
            c.bump();
            if c.peek_group(Delimiter::Parenthesis).is_some() {
                let (mut inner, span) = c.group(Delimiter::Parenthesis, "`(`")?;
                let span = join_spans(id.span(), span);
                if word == "cast" {
                    let expr = parse_expr(&mut inner)?;
                    inner.keyword("as")?;
                    let ty = parse_type(&mut inner)?;
                    inner.expect_end("`)` after the type")?;
                    return Ok(Expr {
                        kind: ExprKind::Cast {
                            expr: Box::new(expr),
                            ty,
                        },
                        span,
                    });
                }
                let mut star = false;
                let mut distinct = false;
                let args = if inner.at_end() {
                    Vec::new()
                } else if inner.peek_punct_at(0, '*') && inner.toks.len() == 1 {
                    inner.bump();
                    star = true;
                    Vec::new()
                } else {
                    distinct = inner.eat_keyword("distinct").is_some();
                    let a = parse_comma_list(&mut inner, parse_expr)?;
                    inner.expect_end("`,` or `)` after an argument")?;
                    a
                };
                return Ok(Expr {
                    kind: ExprKind::Call {
                        name: id,
                        args,
                        star,
                        distinct,
                    },
                    span,
                });
            }
            let mut parts = vec![id];
            while c.peek_punct_at(0, '.') && c.peek_ident_at(1).is_some() && parts.len() < 3 {
                c.bump();
                parts.push(c.ident("a column name")?);
            }
            let span = join_spans(parts[0].span(), parts[parts.len() - 1].span());
            Ok(Expr {
                kind: ExprKind::Column(parts),
                span,
            })
        }
        other => Err(syn::Error::new(
            other.span(),
            format!(
                "expected an expression (a column, `$param`, literal or function call), found `{other}`"
            ),
        )),
    }
}

fn parse_type(c: &mut Cursor) -> PResult<TypeName> {
    let name = c.ident("a SQL type name")?;
    let mut args = Vec::new();
    let mut span = name.span();
    if c.peek_group(Delimiter::Parenthesis).is_some() {
        let (mut inner, gspan) = c.group(Delimiter::Parenthesis, "`(`")?;
        span = join_spans(span, gspan);
        args = parse_comma_list(&mut inner, |c| match c.peek().cloned() {
            Some(TokenTree::Ident(i)) if i == "max" => {
                c.bump();
                Ok(None)
            }
            Some(TokenTree::Literal(l)) => {
                c.bump();
                match syn::Lit::new(l.clone()) {
                    syn::Lit::Int(i) => i.base10_parse::<u32>().map(Some),
                    _ => Err(syn::Error::new(
                        l.span(),
                        "expected a length, precision or scale",
                    )),
                }
            }
            _ => Err(c.err_here("expected a length, precision, scale or `max`")),
        })?;
        inner.expect_end("`)` after the type arguments")?;
    }
    Ok(TypeName { name, args, span })
}

/// A position in a flat list of token trees.
pub struct Cursor {
    toks: Vec<TokenTree>,
    pos: usize,
    end: Span,
}

impl Cursor {
    /// A cursor over `ts`; `end` is reported for errors at the end of input.
    pub fn new(ts: TokenStream, end: Span) -> Self {
        Cursor {
            toks: ts.into_iter().collect(),
            pos: 0,
            end,
        }
    }

    fn peek(&self) -> Option<&TokenTree> {
        self.toks.get(self.pos)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn bump_span(&mut self) -> Span {
        let s = self.peek().map_or(self.end, TokenTree::span);
        self.pos += 1;
        s
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|p| self.toks.get(p))
            .map_or(self.end, TokenTree::span)
    }

    fn here(&self) -> Span {
        self.peek().map_or(self.end, TokenTree::span)
    }

    fn err_here(&self, msg: impl std::fmt::Display) -> syn::Error {
        match self.peek() {
            Some(t) => syn::Error::new(t.span(), format!("{msg}, found `{}`", short(t))),
            None => syn::Error::new(self.end, format!("{msg}, found the end of the input")),
        }
    }

    fn expect_end(&self, what: &str) -> PResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.err_here(format!("expected {what}")))
        }
    }

    fn peek_ident_at(&self, n: usize) -> Option<Ident> {
        match self.toks.get(self.pos + n) {
            Some(TokenTree::Ident(i)) => Some(i.clone()),
            _ => None,
        }
    }

    fn peek_ident_any(&self) -> Option<Ident> {
        self.peek_ident_at(0)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        self.peek_ident_any().is_some_and(|i| i == kw)
    }

    fn eat_keyword(&mut self, kw: &str) -> Option<Span> {
        if self.peek_keyword(kw) {
            Some(self.bump_span())
        } else {
            None
        }
    }

    fn keyword(&mut self, kw: &str) -> PResult<Span> {
        self.eat_keyword(kw)
            .ok_or_else(|| self.err_here(format!("expected `{kw}`")))
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek_ident_any() {
            Some(i) => {
                self.bump();
                Ok(i)
            }
            None => Err(self.err_here(format!("expected {what}"))),
        }
    }

    fn peek_punct_at(&self, n: usize, ch: char) -> bool {
        matches!(self.toks.get(self.pos + n), Some(TokenTree::Punct(p)) if p.as_char() == ch)
    }

    /// True when the next tokens spell operator `op` (joint punctuation).
    fn peek_op(&self, op: &str) -> bool {
        let chars: Vec<char> = op.chars().collect();
        for (i, ch) in chars.iter().enumerate() {
            match self.toks.get(self.pos + i) {
                Some(TokenTree::Punct(p)) if p.as_char() == *ch => {
                    let last = i + 1 == chars.len();
                    if !last && p.spacing() != proc_macro2::Spacing::Joint {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        // A longer operator must not continue (`<` is not the start of `<=`).
        if chars.len() == 1
            && let Some(TokenTree::Punct(p)) = self.toks.get(self.pos)
            && p.spacing() == proc_macro2::Spacing::Joint
            && let Some(TokenTree::Punct(n)) = self.toks.get(self.pos + 1)
        {
            let pair: String = [p.as_char(), n.as_char()].iter().collect();
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(&pair.as_str()) {
                return false;
            }
        }
        true
    }

    fn peek_group_at(&self, n: usize, d: Delimiter) -> bool {
        matches!(self.toks.get(self.pos + n), Some(TokenTree::Group(g)) if g.delimiter() == d)
    }

    fn peek_group(&self, d: Delimiter) -> Option<Span> {
        match self.peek() {
            Some(TokenTree::Group(g)) if g.delimiter() == d => Some(g.span()),
            _ => None,
        }
    }

    fn group(&mut self, d: Delimiter, what: &str) -> PResult<(Cursor, Span)> {
        match self.peek() {
            Some(TokenTree::Group(g)) if g.delimiter() == d => {
                let c = Cursor::new(g.stream(), g.span_close());
                let span = g.span();
                self.bump();
                Ok((c, span))
            }
            _ => Err(self.err_here(format!("expected {what}"))),
        }
    }

    /// The span of the next token (or the end), for diagnostics.
    pub fn span(&self) -> Span {
        self.here()
    }
}

fn short(t: &TokenTree) -> String {
    match t {
        TokenTree::Group(g) => match g.delimiter() {
            Delimiter::Parenthesis => "(..)".into(),
            Delimiter::Brace => "{..}".into(),
            Delimiter::Bracket => "[..]".into(),
            Delimiter::None => "..".into(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn ok(ts: TokenStream) -> Query {
        match parse(ts) {
            Ok(q) => q,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    fn err(ts: TokenStream) -> String {
        match parse(ts) {
            Ok(q) => panic!("expected an error, parsed {q:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn select_with_everything() {
        let q = ok(quote!(recent: select distinct users u left join orders o
            { u.username, count(o.id) as n }
            where u.username != "admin" && (u.id in [1, 2] || u.id in $ids) && !(u.fullname like "R%")
            group by u.username having count(*) > 2
            order by n desc, u.username
            offset $skip limit 10 for update nowait));
        assert_eq!(q.name.map(|n| n.to_string()).as_deref(), Some("recent"));
        let Stmt::Select(s) = q.stmt else {
            panic!("not a select")
        };
        assert!(s.distinct);
        assert_eq!(s.joins.len(), 1);
        assert!(s.joins[0].left);
        assert_eq!(
            s.from.alias.as_ref().map(|a| a.to_string()).as_deref(),
            Some("u")
        );
        assert_eq!(s.projection.as_ref().map(Vec::len), Some(2));
        assert_eq!(s.order_by.len(), 2);
        assert!(s.order_by[0].desc);
        assert!(s.offset.is_some() && s.limit.is_some());
        assert!(s.lock.for_update.is_some() && s.lock.nowait.is_some());
        let Some(Expr {
            kind: ExprKind::Binary(BinOp::And, _, _),
            ..
        }) = s.where_
        else {
            panic!("where is not an `&&`")
        };
    }

    #[test]
    fn precedence() {
        let q = ok(quote!(select t where a + b * c == d || e < f && g >= h));
        let Stmt::Select(s) = q.stmt else { panic!() };
        let Some(Expr {
            kind: ExprKind::Binary(BinOp::Or, l, r),
            ..
        }) = s.where_
        else {
            panic!("top is not `||`")
        };
        assert!(matches!(r.kind, ExprKind::Binary(BinOp::And, _, _)));
        let ExprKind::Binary(BinOp::Eq, ll, _) = &l.kind else {
            panic!("left is not ==")
        };
        let ExprKind::Binary(BinOp::Add, _, m) = &ll.kind else {
            panic!("not +")
        };
        assert!(matches!(m.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    }

    #[test]
    fn predicates() {
        let q = ok(
            quote!(select t where a between 1 and 2 && b is not null && c not in [1] && d not like "x%" && e is null),
        );
        let Stmt::Select(s) = q.stmt else { panic!() };
        let text = format!("{:?}", s.where_);
        assert!(text.contains("Between"));
        assert!(text.contains("IsNull"));
        assert!(text.contains("InList"));
        assert!(text.contains("Like"));
    }

    #[test]
    fn dml() {
        assert!(matches!(
            ok(quote!(insert users { a: $a, b: "x" } returning id)).stmt,
            Stmt::Insert(_)
        ));
        assert!(
            matches!(ok(quote!(update top (100) orders set { total: total * (1 - $d) } where id == $id returning { id, total })).stmt, Stmt::Update(u) if u.top.is_some())
        );
        assert!(matches!(
            ok(quote!(delete top (1000) logs where id < 5)).stmt,
            Stmt::Delete(_)
        ));
        assert!(
            matches!(ok(quote!(upsert users on username { username: $n })).stmt, Stmt::Upsert(u) if u.keys.len() == 1)
        );
        assert!(
            matches!(ok(quote!(upsert t on (a, b) { a: 1, b: 2 })).stmt, Stmt::Upsert(u) if u.keys.len() == 2)
        );
    }

    #[test]
    fn params() {
        let q = ok(quote!(select t where a == $x? && b == $(self.y + 1)));
        let Stmt::Select(s) = q.stmt else { panic!() };
        let text = format!("{:?}", s.where_);
        assert!(text.contains("optional: true"));
        assert!(text.contains("Expr("));
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        assert!(err(quote!(selec users)).contains("expected a statement"));
        assert!(err(quote!(select users where)).contains("expected an expression"));
        assert!(err(quote!(select users where a ==)).contains("expected an expression"));
        assert!(err(quote!(select users order id)).contains("expected `by`"));
        assert!(err(quote!(insert users { a $x })).contains("expected `:`"));
        assert!(err(quote!(select users for share)).contains("expected `update`"));
        assert!(err(quote!(select users where a in 5)).contains("after `in`"));
        assert!(err(quote!(select users where a == 5u8)).contains("suffix"));
        assert!(err(quote!(select users { a, } extra)).contains("end of the query"));
    }
}

#[cfg(test)]
mod grammar_doc {
    use std::str::FromStr;

    /// Every example in GRAMMAR.md parses: the document and the parser move
    /// together.
    #[test]
    fn grammar_examples_parse() {
        let doc = include_str!("../GRAMMAR.md");
        let examples = doc.split("## Examples").nth(1).unwrap_or_default();
        let mut count = 0;
        for chunk in examples.split("query").skip(1) {
            let Some(body) = chunk
                .strip_prefix("!(")
                .or_else(|| chunk.strip_prefix("_as!("))
            else {
                continue;
            };
            // The invocation ends at the parenthesis that closes `query!(`.
            let mut depth = 1;
            let mut end = None;
            for (i, ch) in body.char_indices() {
                match ch {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(end) = end else { continue };
            let mut text = &body[..end];
            if chunk.starts_with("_as!(") {
                text = text.split_once(',').map_or(text, |(_, q)| q);
            }
            let ts =
                proc_macro2::TokenStream::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            if let Err(e) = super::parse(ts) {
                panic!("GRAMMAR.md example does not parse: {text}\n{e}");
            }
            count += 1;
        }
        assert!(count >= 9, "only {count} examples found");
    }
}
