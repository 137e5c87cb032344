//! Stage 3, `check`: types, nullability, aggregates and parameters. Walks the
//! AST with the resolver's scopes and produces the typed IR (`ir`): every
//! expression gets its SQL Server result type and nullability by T-SQL's own
//! rules, every `$param` an argument slot typed by the column it meets.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span};
use quarry_schema::model::{Length, Schema, SqlType, Table, TableKind};

use crate::diag::{Diagnostics, closest, did_you_mean};
use crate::ir::*;
use crate::resolve::{ColInfo, ColRef, Resolver, SourceInfo, needs_qualifiers, user_aliases};
use crate::syntax::{self, BinOp, Expr, ExprKind, ProjItem, Select, SourceKind};

/// The most optional filters one query may have (2^6 = 64 static variants).
pub const MAX_OPTIONALS: usize = 6;

/// Checks a parsed query against `schema`. Errors go to `diag`; the result is
/// as complete as the errors allow (its columns type the fallback stub).
pub fn check(q: &syntax::Query, schema: &Schema, diag: &mut Diagnostics) -> Checked {
    let qualify = needs_qualifiers(&q.stmt);
    let mut c = Checker {
        res: Resolver::new(schema, qualify, user_aliases(&q.stmt)),
        diag,
        params: Vec::new(),
        named: HashMap::new(),
        optionals: Vec::new(),
        ctx: Ctx::default(),
        derived: HashMap::new(),
    };
    let (stmt, columns) = match &q.stmt {
        syntax::Stmt::Select(s) => {
            let (ir, cols) = c.select(s, SelectRole::Top);
            (IrStmt::Select(Box::new(ir)), cols)
        }
        syntax::Stmt::Insert(i) => c.insert(i),
        syntax::Stmt::Update(u) => c.update(u),
        syntax::Stmt::Delete(d) => c.delete(d),
        syntax::Stmt::Upsert(u) => c.upsert(u),
    };
    Checked {
        stmt,
        params: c.params,
        optionals: c.optionals,
        columns,
    }
}

/// What a select is used for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SelectRole {
    Top,
    Derived,
    InSubquery,
    Exists,
}

/// Where in a statement an expression is.
#[derive(Clone, Copy, Default)]
struct Ctx {
    /// Inside an aggregate's argument.
    in_agg: bool,
    /// Aggregates are allowed here.
    agg_ok: bool,
    /// `$x?` is allowed here (a `where` conjunct).
    optional_ok: bool,
    /// The select has GROUP BY (aggregates of NOT NULL columns stay NOT NULL).
    grouped: bool,
}

/// A checked expression with its type facts.
#[derive(Clone)]
struct Val {
    ir: IrExpr,
    /// `None`: unknown (an error was reported, or an untyped NULL).
    ty: Option<SqlType>,
    nullable: bool,
    /// A condition (comparison, `&&`, ...), not a scalar.
    pred: bool,
    /// Contains an aggregate.
    agg: bool,
    /// Columns of the current scope used outside aggregates: (source, name, span).
    bare: Vec<(usize, String, Span)>,
    /// Optional parameter bits used.
    opt: u64,
}

impl Val {
    fn new(ir: IrExpr, ty: Option<SqlType>, nullable: bool) -> Self {
        Val {
            ir,
            ty,
            nullable,
            pred: false,
            agg: false,
            bare: Vec::new(),
            opt: 0,
        }
    }

    fn absorb(&mut self, other: &Val) {
        self.agg |= other.agg;
        self.bare.extend(other.bare.iter().cloned());
        self.opt |= other.opt;
    }

    fn unknown() -> Self {
        Val::new(IrExpr::Null, None, true)
    }
}

/// Type families: which values compare and assign to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Bit,
    Number,
    Str,
    Bin,
    Date,
    Time,
    DateTime,
    Guid,
    Other,
}

fn family(t: &SqlType) -> Family {
    match t {
        SqlType::Bit => Family::Bit,
        t if t.is_numeric() => Family::Number,
        t if t.is_string() || *t == SqlType::Xml => Family::Str,
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            Family::Bin
        }
        SqlType::Date => Family::Date,
        SqlType::Time { .. } => Family::Time,
        SqlType::DateTime
        | SqlType::SmallDateTime
        | SqlType::DateTime2 { .. }
        | SqlType::DateTimeOffset { .. } => Family::DateTime,
        SqlType::UniqueIdentifier => Family::Guid,
        _ => Family::Other,
    }
}

fn compatible(a: &SqlType, b: &SqlType) -> bool {
    let (fa, fb) = (family(a), family(b));
    fa == fb
        || matches!(
            (fa, fb),
            (Family::Bit, Family::Number) | (Family::Number, Family::Bit)
        )
        || matches!(
            (fa, fb),
            (Family::Date, Family::DateTime) | (Family::DateTime, Family::Date)
        )
}

/// The Rust binding family of a SQL type: two uses of one parameter must agree.
pub fn rust_kind(t: &SqlType) -> &'static str {
    match t {
        SqlType::Bit => "Bit",
        SqlType::TinyInt => "TinyInt",
        SqlType::SmallInt => "SmallInt",
        SqlType::Int => "Int",
        SqlType::BigInt => "BigInt",
        SqlType::Decimal { .. } | SqlType::Money | SqlType::SmallMoney => "Decimal",
        SqlType::Real => "Real",
        SqlType::Float => "Float",
        SqlType::Char(_)
        | SqlType::VarChar(_)
        | SqlType::NChar(_)
        | SqlType::NVarChar(_)
        | SqlType::Text
        | SqlType::NText
        | SqlType::Xml => "Text",
        SqlType::Binary(_) | SqlType::VarBinary(_) | SqlType::Image | SqlType::RowVersion => {
            "Binary"
        }
        SqlType::Date => "Date",
        SqlType::Time { .. } => "Time",
        SqlType::DateTime | SqlType::SmallDateTime | SqlType::DateTime2 { .. } => "DateTime",
        SqlType::DateTimeOffset { .. } => "DateTimeOffset",
        SqlType::UniqueIdentifier => "Guid",
        SqlType::SqlVariant | SqlType::Clr(_) => "Unsupported",
    }
}

/// Precision and scale of an exact numeric type, for T-SQL's decimal rules.
fn decimal_ps(t: &SqlType) -> Option<(u8, u8)> {
    Some(match t {
        SqlType::Bit => (1, 0),
        SqlType::TinyInt => (3, 0),
        SqlType::SmallInt => (5, 0),
        SqlType::Int => (10, 0),
        SqlType::BigInt => (19, 0),
        SqlType::Decimal { precision, scale } => (*precision, *scale),
        SqlType::Money => (19, 4),
        SqlType::SmallMoney => (10, 4),
        _ => return None,
    })
}

fn int_rank(t: &SqlType) -> Option<u8> {
    match t {
        SqlType::Bit => Some(0),
        SqlType::TinyInt => Some(1),
        SqlType::SmallInt => Some(2),
        SqlType::Int => Some(3),
        SqlType::BigInt => Some(4),
        _ => None,
    }
}

fn decimal(p: i32, s: i32) -> SqlType {
    // T-SQL caps precision at 38, giving up scale (but keeping at least 6).
    let (mut p, mut s) = (p.max(1), s.max(0));
    if p > 38 {
        let keep = s.min(6);
        s = (s - (p - 38)).max(keep);
        p = 38;
    }
    SqlType::Decimal {
        precision: p as u8,
        scale: s.min(p) as u8,
    }
}

/// The result type of `a op b` by SQL Server's rules for numeric operands.
fn arith_type(op: Arith, a: &SqlType, b: &SqlType) -> SqlType {
    if *a == SqlType::Float || *b == SqlType::Float {
        return SqlType::Float;
    }
    if *a == SqlType::Real || *b == SqlType::Real {
        return SqlType::Real;
    }
    let is_dec = |t: &SqlType| matches!(t, SqlType::Decimal { .. });
    if is_dec(a) || is_dec(b) {
        let (p1, s1) = decimal_ps(a).unwrap_or((38, 0));
        let (p2, s2) = decimal_ps(b).unwrap_or((38, 0));
        let (p1, s1, p2, s2) = (i32::from(p1), i32::from(s1), i32::from(p2), i32::from(s2));
        return match op {
            Arith::Add | Arith::Sub => {
                let s = s1.max(s2);
                decimal((p1 - s1).max(p2 - s2) + s + 1, s)
            }
            Arith::Mul => decimal(p1 + p2 + 1, s1 + s2),
            Arith::Div => {
                let s = 6.max(s1 + p2 + 1);
                decimal(p1 - s1 + s2 + s, s)
            }
            Arith::Rem => {
                let s = s1.max(s2);
                decimal((p1 - s1).min(p2 - s2) + s, s)
            }
        };
    }
    if matches!(a, SqlType::Money) || matches!(b, SqlType::Money) {
        return SqlType::Money;
    }
    if matches!(a, SqlType::SmallMoney) || matches!(b, SqlType::SmallMoney) {
        return SqlType::SmallMoney;
    }
    match (int_rank(a), int_rank(b)) {
        (Some(x), Some(y)) => {
            let r = x.max(y).max(1);
            [
                SqlType::TinyInt,
                SqlType::TinyInt,
                SqlType::SmallInt,
                SqlType::Int,
                SqlType::BigInt,
            ][r as usize]
        }
        _ => *a,
    }
}

/// Types the checker can decode into Rust.
fn decodable(t: &SqlType) -> bool {
    !matches!(t, SqlType::SqlVariant | SqlType::Clr(_))
}

/// True when an expression's type comes from the schema (not from context).
fn self_typed(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Param(_)
        | ExprKind::Int(_)
        | ExprKind::Number(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null => false,
        ExprKind::Neg(x) | ExprKind::Paren(x) => self_typed(x),
        ExprKind::Binary(_, a, b) => self_typed(a) || self_typed(b),
        _ => true,
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(x) => strip_parens(x),
        _ => e,
    }
}

fn flatten_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::And, a, b) => {
            flatten_and(a, out);
            flatten_and(b, out);
        }
        ExprKind::Paren(x) if matches!(x.kind, ExprKind::Binary(BinOp::And, ..)) => {
            flatten_and(x, out)
        }
        _ => out.push(e),
    }
}

fn ast_has_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { name, args, .. } => {
            matches!(
                name.to_string().as_str(),
                "count" | "count_big" | "sum" | "avg" | "min" | "max"
            ) || args.iter().any(ast_has_aggregate)
        }
        ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::Paren(x) => ast_has_aggregate(x),
        ExprKind::Binary(_, a, b) => ast_has_aggregate(a) || ast_has_aggregate(b),
        ExprKind::Cast { expr, .. } => ast_has_aggregate(expr),
        _ => false,
    }
}

struct Checker<'s, 'd> {
    res: Resolver<'s>,
    diag: &'d mut Diagnostics,
    params: Vec<ParamSlot>,
    /// `$name` → (slot, first use span).
    named: HashMap<String, (usize, Span)>,
    optionals: Vec<Ident>,
    ctx: Ctx,
    /// Checked derived tables by (scope depth, source index), until placed.
    derived: HashMap<(usize, usize), IrSelect>,
}

impl<'s> Checker<'s, '_> {
    fn err(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.diag.error(span, msg);
    }

    // ----- parameters ---------------------------------------------------

    /// Registers a use of `$p` meeting type `ty` (None: cannot infer).
    fn param(
        &mut self,
        p: &syntax::Param,
        ty: Option<SqlType>,
        nullable_ok: bool,
        list: bool,
    ) -> Val {
        let mut opt = 0u64;
        if p.optional {
            match &p.source {
                syntax::ParamSource::Name(id) => {
                    if !self.ctx.optional_ok {
                        self.err(
                            p.span,
                            format!("`${id}?` is an optional filter; it can be used only in a `where` condition (the condition is dropped when the value is `None`)"),
                        );
                    } else if list {
                        self.err(
                            p.span,
                            "an `in $list` cannot be optional; pass an empty list instead",
                        );
                    } else {
                        let idx = match self.optionals.iter().position(|o| *o == *id) {
                            Some(i) => i,
                            None => {
                                if self.optionals.len() == MAX_OPTIONALS {
                                    self.err(
                                        p.span,
                                        format!("too many optional filters: at most {MAX_OPTIONALS} per query (each doubles the number of static statements, 2^{MAX_OPTIONALS} = {}); split the query or make some filters required", 1 << MAX_OPTIONALS),
                                    );
                                    return Val::unknown();
                                }
                                self.optionals.push(id.clone());
                                self.optionals.len() - 1
                            }
                        };
                        opt = 1 << idx;
                    }
                }
                syntax::ParamSource::Expr(_) => {
                    self.err(
                        p.span,
                        "an optional filter takes a variable: write `$name?`",
                    );
                }
            }
        }
        if let Some(t) = ty
            && !decodable(&t)
        {
            self.err(p.span, format!("a parameter cannot be bound to a value of type {t}; `cast(..)` the column to a supported type"));
            return Val::unknown();
        }
        let Some(ty) = ty else {
            let name = match &p.source {
                syntax::ParamSource::Name(id) => format!("${id}"),
                syntax::ParamSource::Expr(_) => "this parameter".into(),
            };
            self.err(
                p.span,
                format!("cannot infer the SQL type of {name}: compare it with a column, assign it to one, or write `cast({name} as int)`"),
            );
            return Val::unknown();
        };
        let slot = ParamSlot {
            source: match &p.source {
                syntax::ParamSource::Name(id) => ParamSource::Name(id.clone()),
                syntax::ParamSource::Expr(ts) => ParamSource::Expr(ts.clone()),
            },
            ty,
            nullable: nullable_ok,
            list,
            optional: p.optional,
            span: p.span,
        };
        let index = match &p.source {
            syntax::ParamSource::Name(id) => {
                let key = id.to_string();
                if let Some(&(i, first)) = self.named.get(&key) {
                    let prev = &self.params[i];
                    if rust_kind(&prev.ty) != rust_kind(&ty)
                        || prev.list != list
                        || prev.optional != p.optional
                    {
                        let what = |t: &SqlType, l: bool, o: bool| {
                            format!(
                                "{}{}{}",
                                if l { "a list of " } else { "" },
                                t,
                                if o { " (optional)" } else { "" }
                            )
                        };
                        let msg = format!(
                            "parameter `${key}` is used here as {} but earlier as {}; one Rust value cannot be both: use two parameters or `cast(..)`",
                            what(&ty, list, p.optional),
                            what(&prev.ty, prev.list, prev.optional)
                        );
                        let mut e = syn::Error::new(p.span, msg);
                        e.combine(syn::Error::new(first, format!("`${key}` first used here")));
                        self.diag.push(e);
                    } else if !nullable_ok {
                        self.params[i].nullable = false;
                    }
                    i
                } else {
                    self.params.push(slot);
                    self.named.insert(key, (self.params.len() - 1, p.span));
                    self.params.len() - 1
                }
            }
            syntax::ParamSource::Expr(_) => {
                self.params.push(slot);
                self.params.len() - 1
            }
        };
        let mut v = Val::new(IrExpr::Param(index), Some(ty), nullable_ok);
        v.opt = opt;
        v
    }

    fn string_literal(&mut self, s: &str, span: Span, expected: Option<SqlType>) -> Val {
        let ty = match expected {
            Some(t) if family(&t) == Family::Str => t,
            _ => {
                let n = s.chars().count().max(1);
                if n <= 4000 {
                    SqlType::NVarChar(Length::Fixed(n as u16))
                } else {
                    SqlType::NVarChar(Length::Max)
                }
            }
        };
        self.params.push(ParamSlot {
            source: ParamSource::Str(s.to_owned()),
            ty,
            nullable: false,
            list: false,
            optional: false,
            span,
        });
        Val::new(IrExpr::Param(self.params.len() - 1), Some(ty), false)
    }

    // ----- expressions --------------------------------------------------

    fn pred(&mut self, e: &Expr) -> Val {
        let v = self.expr(e, None);
        self.as_condition(v, e.span)
    }

    fn as_condition(&mut self, mut v: Val, span: Span) -> Val {
        if v.pred {
            return v;
        }
        match v.ty {
            Some(SqlType::Bit) => {
                v.ir = IrExpr::Cmp(Cmp::Eq, Box::new(v.ir), Box::new(IrExpr::Bool(true)));
                v.pred = true;
                v
            }
            None => v,
            Some(t) => {
                self.err(span, format!("expected a condition, found a value of type {t}; compare it, e.g. `x == ..` or `x is not null`"));
                Val { pred: true, ..v }
            }
        }
    }

    fn scalar(&mut self, v: Val, span: Span) -> Val {
        if v.pred {
            self.err(span, "a condition cannot be used as a value: SQL Server has no boolean type; select or compare a `bit` column instead");
        }
        v
    }

    fn expr(&mut self, e: &Expr, expected: Option<SqlType>) -> Val {
        match &e.kind {
            ExprKind::Column(parts) => {
                let Some(c) = self.res.column(self.diag, parts) else {
                    return Val::unknown();
                };
                self.column_val(c, e.span)
            }
            ExprKind::Param(p) => self.param(p, expected, false, false),
            ExprKind::Int(digits) => {
                let ty = match digits.parse::<i64>() {
                    Ok(n) if i32::try_from(n).is_ok() => SqlType::Int,
                    Ok(_) => SqlType::BigInt,
                    Err(_) => decimal(digits.len() as i32, 0),
                };
                Val::new(IrExpr::Number(digits.clone()), Some(ty), false)
            }
            ExprKind::Number(d) => {
                let (a, b) = d.split_once('.').unwrap_or((d, ""));
                let int_digits = a.trim_start_matches('0').len().max(1);
                let ty = decimal((int_digits + b.len()) as i32, b.len() as i32);
                Val::new(IrExpr::Number(d.clone()), Some(ty), false)
            }
            ExprKind::Str(s) => self.string_literal(s, e.span, expected),
            ExprKind::Bool(b) => Val::new(IrExpr::Bool(*b), Some(SqlType::Bit), false),
            ExprKind::Null => {
                self.err(
                    e.span,
                    "`null` can only be assigned (`col: null`); to test for NULL write `x is null`",
                );
                Val::unknown()
            }
            ExprKind::Paren(x) => self.expr(x, expected),
            ExprKind::Neg(x) => {
                let v = self.expr(x, expected);
                if let Some(t) = v.ty
                    && family(&t) != Family::Number
                {
                    self.err(x.span, format!("cannot negate a value of type {t}"));
                }
                let mut out = Val::new(IrExpr::Neg(Box::new(v.ir.clone())), v.ty, v.nullable);
                out.absorb(&v);
                out
            }
            ExprKind::Not(x) => {
                let v = self.pred(x);
                let mut out = Val::new(
                    IrExpr::Not(Box::new(v.ir.clone())),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&v);
                out.pred = true;
                out
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, expected, e.span),
            ExprKind::Like {
                expr,
                pattern,
                negated,
            } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                if let Some(t) = v.ty
                    && family(&t) != Family::Str
                {
                    self.err(
                            expr.span,
                            format!("`like` needs a string, but this is {t}; compare it with `==`, or convert it: `cast(x as varchar(30)) like ..`"),
                        );
                }
                // A pattern is declared as the variable-length form of the column's
                // type: a `char(n)` parameter would be padded with spaces, and
                // `'AB%'` would become `'AB%         '`, which matches nothing.
                let pty = v.ty.filter(|t| family(t) == Family::Str).map(|t| match t {
                    SqlType::Char(n) => SqlType::VarChar(n),
                    SqlType::NChar(n) => SqlType::NVarChar(n),
                    SqlType::Text => SqlType::VarChar(Length::Max),
                    SqlType::NText | SqlType::Xml => SqlType::NVarChar(Length::Max),
                    other => other,
                });
                let p = self.expr(pattern, pty);
                if pty.is_some() {
                    self.check_compatible(&v, &p, pattern.span, "match");
                }
                let mut out = Val::new(
                    IrExpr::Like(Box::new(v.ir.clone()), Box::new(p.ir.clone()), *negated),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&v);
                out.absorb(&p);
                out.pred = true;
                out
            }
            ExprKind::InList {
                expr,
                items,
                negated,
            } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                let mut out = Val::new(IrExpr::Null, Some(SqlType::Bit), false);
                out.absorb(&v);
                let mut irs = Vec::new();
                for it in items {
                    if matches!(it.kind, ExprKind::Null) {
                        self.err(
                            it.span,
                            "`null` in an `in` list never matches; test with `x is null` instead",
                        );
                        continue;
                    }
                    let iv = self.expr(it, v.ty);
                    self.check_compatible(&v, &iv, it.span, "compare");
                    out.absorb(&iv);
                    irs.push(iv.ir);
                }
                out.ir = IrExpr::InList(Box::new(v.ir), irs, *negated);
                out.pred = true;
                out
            }
            ExprKind::InParam {
                expr,
                param,
                negated,
            } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                let Some(t) = v.ty else {
                    return Val::unknown();
                };
                let pv = self.param(param, Some(t), false, true);
                let mut out = Val::new(IrExpr::Null, Some(SqlType::Bit), false);
                out.absorb(&v);
                out.absorb(&pv);
                if let IrExpr::Param(slot) = pv.ir {
                    out.ir = IrExpr::InJson(Box::new(v.ir), slot, t, *negated);
                }
                out.pred = true;
                out
            }
            ExprKind::InSelect {
                expr,
                select,
                negated,
            } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                let saved = self.ctx;
                self.ctx = Ctx::default();
                let (sub, cols) = self.select(select, SelectRole::InSubquery);
                self.ctx = saved;
                if cols.len() != 1 {
                    self.err(select.kw, format!("a subquery after `in` must select exactly one column, this one selects {}; write `select t {{ column }}`", cols.len()));
                } else if let (Some(a), b) = (v.ty, cols[0].ty)
                    && !compatible(&a, &b)
                {
                    self.err(
                        select.kw,
                        format!(
                            "cannot compare {a} with the subquery's column `{}` of type {b}",
                            cols[0].name
                        ),
                    );
                }
                let mut out = Val::new(
                    IrExpr::InSelect(Box::new(v.ir.clone()), Box::new(sub), *negated),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&v);
                out.pred = true;
                out
            }
            ExprKind::Exists(select) => {
                let saved = self.ctx;
                self.ctx = Ctx::default();
                let (sub, _) = self.select(select, SelectRole::Exists);
                self.ctx = saved;
                let mut out = Val::new(IrExpr::Exists(Box::new(sub)), Some(SqlType::Bit), false);
                out.pred = true;
                out
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                let lo = self.expr(low, v.ty);
                let hi = self.expr(high, v.ty);
                self.check_compatible(&v, &lo, low.span, "compare");
                self.check_compatible(&v, &hi, high.span, "compare");
                let mut out = Val::new(
                    IrExpr::Between(
                        Box::new(v.ir.clone()),
                        Box::new(lo.ir.clone()),
                        Box::new(hi.ir.clone()),
                        *negated,
                    ),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&v);
                out.absorb(&lo);
                out.absorb(&hi);
                out.pred = true;
                out
            }
            ExprKind::IsNull { expr, negated } => {
                let v = self.expr(expr, None);
                let v = self.scalar(v, expr.span);
                let mut out = Val::new(
                    IrExpr::IsNull(Box::new(v.ir.clone()), *negated),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&v);
                out.pred = true;
                out
            }
            ExprKind::Call {
                name,
                args,
                star,
                distinct,
            } => self.call(name, args, *star, *distinct, expected, e.span),
            ExprKind::Cast { expr, ty } => {
                let target = self.sql_type(ty);
                let v = self.expr(expr, target);
                let v = self.scalar(v, expr.span);
                let Some(target) = target else {
                    return Val::unknown();
                };
                let mut out = Val::new(
                    IrExpr::Cast(Box::new(v.ir.clone()), target),
                    Some(target),
                    v.nullable,
                );
                out.absorb(&v);
                out
            }
        }
    }

    fn column_val(&mut self, c: ColRef, span: Span) -> Val {
        let mut v = Val::new(
            IrExpr::Column {
                qualifier: c.qualifier.clone(),
                name: c.name.clone(),
            },
            Some(c.ty),
            c.nullable,
        );
        if !self.ctx.in_agg && c.level + 1 == self.res.levels.len() {
            v.bare.push((c.source, c.name.to_lowercase(), span));
        }
        v
    }

    fn check_compatible(&mut self, a: &Val, b: &Val, span: Span, verb: &str) {
        if let (Some(x), Some(y)) = (a.ty, b.ty)
            && !compatible(&x, &y)
        {
            self.err(
                    span,
                    format!("mismatched types: cannot {verb} {x} with {y}; use a value of type {x} (or `cast(.. as {x})`)"),
                );
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        expected: Option<SqlType>,
        span: Span,
    ) -> Val {
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.pred(l);
                let b = self.pred(r);
                let ir = if op == BinOp::And {
                    IrExpr::And(Box::new(a.ir.clone()), Box::new(b.ir.clone()))
                } else {
                    IrExpr::Or(Box::new(a.ir.clone()), Box::new(b.ir.clone()))
                };
                let mut out = Val::new(ir, Some(SqlType::Bit), false);
                out.absorb(&a);
                out.absorb(&b);
                out.pred = true;
                out
            }
            _ if op.is_comparison() => {
                for (side, other) in [(l, r), (r, l)] {
                    if matches!(strip_parens(side).kind, ExprKind::Null) {
                        let fix = if op == BinOp::Ne {
                            "is not null"
                        } else {
                            "is null"
                        };
                        self.err(
                            side.span,
                            format!("`{} null` is never true in SQL (NULL is not equal to anything); write `{} {fix}`", op.as_str(), expr_text(other)),
                        );
                        return Val {
                            pred: true,
                            ..Val::unknown()
                        };
                    }
                }
                let (first, second, swapped) = if self_typed(l) || !self_typed(r) {
                    (l, r, false)
                } else {
                    (r, l, true)
                };
                let a = self.expr(first, None);
                let a = self.scalar(a, first.span);
                let b = self.expr(second, a.ty);
                let b = self.scalar(b, second.span);
                self.check_compatible(&a, &b, second.span, "compare");
                let cmp = match op {
                    BinOp::Eq => Cmp::Eq,
                    BinOp::Ne => Cmp::Ne,
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let (li, ri) = if swapped {
                    (b.ir.clone(), a.ir.clone())
                } else {
                    (a.ir.clone(), b.ir.clone())
                };
                let mut out = Val::new(
                    IrExpr::Cmp(cmp, Box::new(li), Box::new(ri)),
                    Some(SqlType::Bit),
                    false,
                );
                out.absorb(&a);
                out.absorb(&b);
                out.pred = true;
                out
            }
            _ => {
                let arith = match op {
                    BinOp::Add => Arith::Add,
                    BinOp::Sub => Arith::Sub,
                    BinOp::Mul => Arith::Mul,
                    BinOp::Div => Arith::Div,
                    _ => Arith::Rem,
                };
                let first_is_left = self_typed(l) || !self_typed(r);
                let (first, second) = if first_is_left { (l, r) } else { (r, l) };
                let a = self.expr(first, expected);
                let a = self.scalar(a, first.span);
                let hint = if self_typed(first) {
                    a.ty
                } else {
                    expected.or(a.ty)
                };
                let b = self.expr(second, hint);
                let b = self.scalar(b, second.span);
                let (lv, rv) = if first_is_left { (&a, &b) } else { (&b, &a) };
                let ty = match (lv.ty, rv.ty) {
                    (Some(x), Some(y)) => {
                        let fx = family(&x);
                        let fy = family(&y);
                        if fx == Family::Str && fy == Family::Str && arith == Arith::Add {
                            Some(concat_type(&[x, y]))
                        } else if matches!(fx, Family::Number | Family::Bit)
                            && matches!(fy, Family::Number | Family::Bit)
                        {
                            Some(arith_type(arith, &x, &y))
                        } else {
                            let bad = if matches!(fx, Family::Number) {
                                (r.span, y)
                            } else {
                                (l.span, x)
                            };
                            self.err(
                                bad.0,
                                format!("`{}` needs numbers, but this is {}; for dates use `dateadd(..)`/`datediff(..)`", op.as_str(), bad.1),
                            );
                            None
                        }
                    }
                    _ => None,
                };
                let _ = span;
                let mut out = Val::new(
                    IrExpr::Arith(arith, Box::new(lv.ir.clone()), Box::new(rv.ir.clone())),
                    ty,
                    a.nullable || b.nullable,
                );
                out.absorb(&a);
                out.absorb(&b);
                out
            }
        }
    }

    fn sql_type(&mut self, t: &syntax::TypeName) -> Option<SqlType> {
        let name = t.name.to_string().to_lowercase();
        let len = |i: usize| -> Option<Length> {
            match t.args.get(i) {
                None => Some(Length::Fixed(1)),
                Some(None) => Some(Length::Max),
                Some(Some(n)) => u16::try_from(*n).ok().map(Length::Fixed),
            }
        };
        let num = |i: usize, d: u8| -> Option<u8> {
            match t.args.get(i) {
                None => Some(d),
                Some(Some(n)) => u8::try_from(*n).ok(),
                Some(None) => None,
            }
        };
        let ty = match name.as_str() {
            "bit" => Some(SqlType::Bit),
            "tinyint" => Some(SqlType::TinyInt),
            "smallint" => Some(SqlType::SmallInt),
            "int" => Some(SqlType::Int),
            "bigint" => Some(SqlType::BigInt),
            "decimal" | "numeric" => match (num(0, 18), num(1, 0)) {
                (Some(p), Some(s)) if (1..=38).contains(&p) && s <= p => Some(SqlType::Decimal {
                    precision: p,
                    scale: s,
                }),
                _ => None,
            },
            "money" => Some(SqlType::Money),
            "smallmoney" => Some(SqlType::SmallMoney),
            "float" => Some(SqlType::Float),
            "real" => Some(SqlType::Real),
            "char" => len(0).map(SqlType::Char),
            "varchar" => len(0).map(SqlType::VarChar),
            "nchar" => len(0).map(SqlType::NChar),
            "nvarchar" => len(0).map(SqlType::NVarChar),
            "binary" => len(0).map(SqlType::Binary),
            "varbinary" => len(0).map(SqlType::VarBinary),
            "date" => Some(SqlType::Date),
            "time" => num(0, 7)
                .filter(|s| *s <= 7)
                .map(|scale| SqlType::Time { scale }),
            "datetime" => Some(SqlType::DateTime),
            "smalldatetime" => Some(SqlType::SmallDateTime),
            "datetime2" => num(0, 7)
                .filter(|s| *s <= 7)
                .map(|scale| SqlType::DateTime2 { scale }),
            "datetimeoffset" => num(0, 7)
                .filter(|s| *s <= 7)
                .map(|scale| SqlType::DateTimeOffset { scale }),
            "uniqueidentifier" => Some(SqlType::UniqueIdentifier),
            _ => {
                const KNOWN: &[&str] = &[
                    "bit",
                    "tinyint",
                    "smallint",
                    "int",
                    "bigint",
                    "decimal",
                    "numeric",
                    "money",
                    "smallmoney",
                    "float",
                    "real",
                    "char",
                    "varchar",
                    "nchar",
                    "nvarchar",
                    "binary",
                    "varbinary",
                    "date",
                    "time",
                    "datetime",
                    "smalldatetime",
                    "datetime2",
                    "datetimeoffset",
                    "uniqueidentifier",
                ];
                let sugg = closest(&name, KNOWN.iter().copied());
                self.err(
                    t.name.span(),
                    format!("unknown SQL type `{name}`{}", did_you_mean(&sugg)),
                );
                return None;
            }
        };
        if ty.is_none() {
            self.err(t.span, format!("invalid arguments for type `{name}`"));
        }
        ty
    }

    fn call(
        &mut self,
        name: &Ident,
        args: &[Expr],
        star: bool,
        distinct: bool,
        expected: Option<SqlType>,
        span: Span,
    ) -> Val {
        let fname = name.to_string().to_lowercase();
        const FUNCS: &[(&str, Func)] = &[
            ("count", Func::Count),
            ("count_big", Func::CountBig),
            ("sum", Func::Sum),
            ("avg", Func::Avg),
            ("min", Func::Min),
            ("max", Func::Max),
            ("len", Func::Len),
            ("upper", Func::Upper),
            ("lower", Func::Lower),
            ("ltrim", Func::LTrim),
            ("rtrim", Func::RTrim),
            ("trim", Func::Trim),
            ("getdate", Func::GetDate),
            ("getutcdate", Func::GetUtcDate),
            ("sysdatetime", Func::SysDateTime),
            ("sysutcdatetime", Func::SysUtcDateTime),
            ("sysdatetimeoffset", Func::SysDateTimeOffset),
            ("dateadd", Func::DateAdd),
            ("datediff", Func::DateDiff),
            ("datediff_big", Func::DateDiffBig),
            ("year", Func::Year),
            ("month", Func::Month),
            ("day", Func::Day),
            ("coalesce", Func::Coalesce),
            ("isnull", Func::IsNull),
            ("abs", Func::Abs),
            ("round", Func::Round),
            ("ceiling", Func::Ceiling),
            ("floor", Func::Floor),
            ("concat", Func::Concat),
            ("newid", Func::NewId),
        ];
        let Some(&(_, func)) = FUNCS.iter().find(|(n, _)| *n == fname) else {
            let sugg = closest(&fname, FUNCS.iter().map(|(n, _)| *n));
            self.err(
                name.span(),
                format!(
                    "unknown function `{fname}`{}; Quarry types these built-ins: {}",
                    did_you_mean(&sugg),
                    FUNCS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            );
            return Val::unknown();
        };
        let arity = |c: &mut Self, n: std::ops::RangeInclusive<usize>| -> bool {
            if n.contains(&args.len()) && !star {
                true
            } else {
                let want = if n.start() == n.end() {
                    format!("{}", n.start())
                } else {
                    format!("{} to {}", n.start(), n.end())
                };
                c.err(
                    span,
                    format!(
                        "`{fname}` takes {want} argument(s), found {}",
                        if star {
                            "`*`".into()
                        } else {
                            args.len().to_string()
                        }
                    ),
                );
                false
            }
        };
        if distinct && !func.is_aggregate() {
            self.err(
                span,
                format!("`distinct` is only allowed in aggregates, not in `{fname}`"),
            );
        }
        if func.is_aggregate() {
            if !self.ctx.agg_ok {
                self.err(name.span(), format!("aggregate `{fname}` is not allowed here; filter groups with `having`, not `where`"));
            } else if self.ctx.in_agg {
                self.err(name.span(), "an aggregate cannot contain another aggregate");
            }
            if star {
                if !matches!(func, Func::Count | Func::CountBig) {
                    self.err(
                        span,
                        format!("`{fname}(*)` is not valid; only `count(*)` and `count_big(*)`"),
                    );
                }
                let big = func == Func::CountBig;
                let mut v = Val::new(
                    IrExpr::CountStar(big),
                    Some(if big { SqlType::BigInt } else { SqlType::Int }),
                    false,
                );
                v.agg = true;
                return v;
            }
            if !arity(self, 1..=1) {
                return Val::unknown();
            }
            let saved = self.ctx;
            self.ctx.in_agg = true;
            let a = self.expr(&args[0], None);
            self.ctx = saved;
            let a = self.scalar(a, args[0].span);
            let grouped_not_null = self.ctx.grouped && !a.nullable;
            let (ty, nullable) = match (func, a.ty) {
                (Func::Count, _) => (Some(SqlType::Int), false),
                (Func::CountBig, _) => (Some(SqlType::BigInt), false),
                (_, None) => (None, true),
                (Func::Sum | Func::Avg, Some(t)) => {
                    let r = match t {
                        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int
                            if func == Func::Sum =>
                        {
                            Some(SqlType::Int)
                        }
                        SqlType::TinyInt | SqlType::SmallInt | SqlType::Int => Some(SqlType::Int),
                        SqlType::BigInt => Some(SqlType::BigInt),
                        SqlType::Decimal { scale, .. } if func == Func::Sum => {
                            Some(decimal(38, i32::from(scale)))
                        }
                        SqlType::Decimal { scale, .. } => {
                            Some(decimal(38, i32::from(scale).max(6)))
                        }
                        SqlType::Money | SqlType::SmallMoney => Some(SqlType::Money),
                        SqlType::Real | SqlType::Float => Some(SqlType::Float),
                        other => {
                            self.err(
                                args[0].span,
                                format!("`{fname}` needs a number, but this is {other}"),
                            );
                            None
                        }
                    };
                    (r, !grouped_not_null)
                }
                (_, Some(t)) => {
                    if matches!(family(&t), Family::Bit | Family::Guid | Family::Other)
                        || matches!(
                            t,
                            SqlType::Text | SqlType::NText | SqlType::Image | SqlType::Xml
                        )
                    {
                        self.err(args[0].span, format!("`{fname}` cannot be applied to {t}"));
                    }
                    (Some(t), !grouped_not_null)
                }
            };
            let mut v = Val::new(
                IrExpr::Call(func, vec![a.ir.clone()], distinct),
                ty,
                nullable,
            );
            v.absorb(&a);
            v.bare.clear();
            v.agg = true;
            return v;
        }
        let no_args = |c: &mut Self, ty: SqlType, f: Func| -> Val {
            if arity(c, 0..=0) {
                Val::new(IrExpr::Call(f, vec![], false), Some(ty), false)
            } else {
                Val::unknown()
            }
        };
        match func {
            Func::GetDate | Func::GetUtcDate => no_args(self, SqlType::DateTime, func),
            Func::SysDateTime | Func::SysUtcDateTime => {
                no_args(self, SqlType::DateTime2 { scale: 7 }, func)
            }
            Func::SysDateTimeOffset => no_args(self, SqlType::DateTimeOffset { scale: 7 }, func),
            Func::NewId => no_args(self, SqlType::UniqueIdentifier, func),
            Func::Len | Func::Upper | Func::Lower | Func::LTrim | Func::RTrim | Func::Trim => {
                if !arity(self, 1..=1) {
                    return Val::unknown();
                }
                let a = self.expr(&args[0], None);
                let a = self.scalar(a, args[0].span);
                if let Some(t) = a.ty
                    && family(&t) != Family::Str
                {
                    self.err(
                        args[0].span,
                        format!("`{fname}` needs a string, but this is {t}"),
                    );
                }
                let ty = if func == Func::Len {
                    Some(SqlType::Int)
                } else {
                    a.ty
                };
                let mut v = Val::new(
                    IrExpr::Call(func, vec![a.ir.clone()], false),
                    ty,
                    a.nullable,
                );
                v.absorb(&a);
                v
            }
            Func::Year | Func::Month | Func::Day => {
                if !arity(self, 1..=1) {
                    return Val::unknown();
                }
                let a = self.expr(&args[0], Some(SqlType::Date));
                let a = self.scalar(a, args[0].span);
                self.need_temporal(&a, args[0].span, &fname);
                let mut v = Val::new(
                    IrExpr::Call(func, vec![a.ir.clone()], false),
                    Some(SqlType::Int),
                    a.nullable,
                );
                v.absorb(&a);
                v
            }
            Func::DateAdd | Func::DateDiff | Func::DateDiffBig => {
                if !arity(self, 3..=3) {
                    return Val::unknown();
                }
                let part = match &args[0].kind {
                    ExprKind::Column(p) if p.len() == 1 => {
                        let w = p[0].to_string().to_lowercase();
                        DatePart::ALL.iter().find(|(n, _)| *n == w).map(|(_, d)| *d)
                    }
                    _ => None,
                };
                let Some(part) = part else {
                    self.err(
                        args[0].span,
                        format!(
                            "expected a date part ({}) as the first argument of `{fname}`",
                            DatePart::ALL
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    return Val::unknown();
                };
                if func == Func::DateAdd {
                    let n = self.expr(&args[1], Some(SqlType::Int));
                    let n = self.scalar(n, args[1].span);
                    if let Some(t) = n.ty
                        && family(&t) != Family::Number
                    {
                        self.err(
                            args[1].span,
                            format!("`dateadd` adds a number of {part:?}s, but this is {t}")
                                .to_lowercase(),
                        );
                    }
                    let d = self.expr(
                        &args[2],
                        expected.filter(|t| family(t) == Family::DateTime || *t == SqlType::Date),
                    );
                    let d = self.scalar(d, args[2].span);
                    self.need_temporal(&d, args[2].span, &fname);
                    let mut v = Val::new(
                        IrExpr::Call(
                            func,
                            vec![IrExpr::DatePart(part), n.ir.clone(), d.ir.clone()],
                            false,
                        ),
                        d.ty,
                        n.nullable || d.nullable,
                    );
                    v.absorb(&n);
                    v.absorb(&d);
                    v
                } else {
                    let (first, second) = if self_typed(&args[1]) || !self_typed(&args[2]) {
                        (&args[1], &args[2])
                    } else {
                        (&args[2], &args[1])
                    };
                    let a = self.expr(first, None);
                    let b = self.expr(second, a.ty);
                    self.need_temporal(&a, first.span, &fname);
                    self.need_temporal(&b, second.span, &fname);
                    let (x, y) = if std::ptr::eq(first, &args[1]) {
                        (&a, &b)
                    } else {
                        (&b, &a)
                    };
                    let ty = if func == Func::DateDiff {
                        SqlType::Int
                    } else {
                        SqlType::BigInt
                    };
                    let mut v = Val::new(
                        IrExpr::Call(
                            func,
                            vec![IrExpr::DatePart(part), x.ir.clone(), y.ir.clone()],
                            false,
                        ),
                        Some(ty),
                        a.nullable || b.nullable,
                    );
                    v.absorb(&a);
                    v.absorb(&b);
                    v
                }
            }
            Func::Coalesce | Func::IsNull => {
                let ok = if func == Func::IsNull {
                    arity(self, 2..=2)
                } else {
                    arity(self, 2..=16)
                };
                if !ok {
                    return Val::unknown();
                }
                // The first schema-typed argument types the others.
                let typed_first = args.iter().position(self_typed).unwrap_or(0);
                let first = self.expr(&args[typed_first], expected);
                let first = self.scalar(first, args[typed_first].span);
                let hint = first.ty.or(expected);
                let mut vals: Vec<Option<Val>> = vec![None; args.len()];
                vals[typed_first] = Some(first.clone());
                for (i, a) in args.iter().enumerate() {
                    if i == typed_first {
                        continue;
                    }
                    let v = if matches!(a.kind, ExprKind::Null) {
                        Val::new(IrExpr::Null, hint, true)
                    } else {
                        self.expr(a, hint)
                    };
                    let v = self.scalar(v, a.span);
                    self.check_compatible(&first, &v, a.span, "combine");
                    vals[i] = Some(v);
                }
                let vals: Vec<Val> = vals.into_iter().flatten().collect();
                let ty = if func == Func::IsNull {
                    vals[0].ty.or(hint)
                } else {
                    hint
                };
                let nullable = vals.iter().all(|v| v.nullable);
                let mut v = Val::new(
                    IrExpr::Call(func, vals.iter().map(|v| v.ir.clone()).collect(), false),
                    ty,
                    nullable,
                );
                for x in &vals {
                    v.absorb(x);
                }
                v
            }
            Func::Abs | Func::Ceiling | Func::Floor | Func::Round => {
                let ok = if func == Func::Round {
                    arity(self, 2..=2)
                } else {
                    arity(self, 1..=1)
                };
                if !ok {
                    return Val::unknown();
                }
                let a = self.expr(&args[0], expected);
                let a = self.scalar(a, args[0].span);
                if let Some(t) = a.ty
                    && family(&t) != Family::Number
                {
                    self.err(
                        args[0].span,
                        format!("`{fname}` needs a number, but this is {t}"),
                    );
                }
                let mut irs = vec![a.ir.clone()];
                let mut v = Val::new(IrExpr::Null, a.ty, a.nullable);
                v.absorb(&a);
                if func == Func::Round {
                    match &args[1].kind {
                        ExprKind::Int(d) => irs.push(IrExpr::Number(d.clone())),
                        ExprKind::Neg(x) if matches!(&x.kind, ExprKind::Int(_)) => {
                            if let ExprKind::Int(d) = &x.kind {
                                irs.push(IrExpr::Neg(Box::new(IrExpr::Number(d.clone()))));
                            }
                        }
                        _ => self.err(
                            args[1].span,
                            "`round` takes the number of digits as an integer literal",
                        ),
                    }
                }
                v.ir = IrExpr::Call(func, irs, false);
                v
            }
            Func::Concat => {
                if !arity(self, 2..=16) {
                    return Val::unknown();
                }
                let mut v = Val::new(IrExpr::Null, None, false);
                let mut irs = Vec::new();
                let mut tys = Vec::new();
                for a in args {
                    let x = self.expr(a, Some(SqlType::NVarChar(Length::Fixed(4000))));
                    let x = self.scalar(x, a.span);
                    if let Some(t) = x.ty {
                        tys.push(t);
                    }
                    v.absorb(&x);
                    irs.push(x.ir);
                }
                v.ty = Some(concat_type(&tys));
                v.ir = IrExpr::Call(func, irs, false);
                v
            }
            _ => Val::unknown(),
        }
    }

    fn need_temporal(&mut self, v: &Val, span: Span, fname: &str) {
        if let Some(t) = v.ty
            && !t.is_temporal()
        {
            self.err(
                span,
                format!("`{fname}` needs a date or time, but this is {t}"),
            );
        }
    }

    // ----- select -------------------------------------------------------

    fn source(
        &mut self,
        src: &syntax::Source,
        span_for_errors: Span,
    ) -> Option<(usize, Option<&'s Table>)> {
        match &src.kind {
            SourceKind::Table(name) => {
                let t = self.res.table(self.diag, name)?;
                let info = self.res.table_source(t, src.alias.as_ref());
                let idx = self.res.add_source(self.diag, name.span(), info);
                Some((idx, Some(t)))
            }
            SourceKind::Derived(sel, span) => {
                let Some(alias) = &src.alias else {
                    self.err(*span, "a derived table needs a name: `(select ..) as name`");
                    return None;
                };
                let saved = self.ctx;
                self.ctx = Ctx::default();
                let (ir, cols) = self.select(sel, SelectRole::Derived);
                self.ctx = saved;
                let q = self.res.alias(&alias.to_string(), Some(alias));
                let info = SourceInfo {
                    lookup: alias.to_string(),
                    table_name: None,
                    qualifier: q,
                    table: None,
                    columns: cols
                        .iter()
                        .map(|c| ColInfo {
                            name: c.name.clone(),
                            ty: c.ty,
                            nullable: c.nullable,
                        })
                        .collect(),
                    nullable: false,
                    display: format!("derived table {alias}"),
                };
                let idx = self.res.add_source(self.diag, span_for_errors, info);
                self.derived.insert((self.res.levels.len(), idx), ir);
                Some((idx, None))
            }
        }
    }

    fn take_source_ir(&mut self, idx: usize, hints: &[Hint]) -> Option<IrSource> {
        let level = self.res.levels.len();
        let s = self.res.current().get(idx)?.clone();
        let what = match s.table {
            Some(t) => IrSourceKind::Table(t.name.clone()),
            None => IrSourceKind::Derived(Box::new(self.derived.remove(&(level, idx))?)),
        };
        let hints = if s.table.is_some() {
            hints.to_vec()
        } else {
            Vec::new()
        };
        Some(IrSource {
            what,
            alias: s.qualifier.clone(),
            hints,
        })
    }

    fn select(&mut self, s: &Select, role: SelectRole) -> (IrSelect, Vec<OutColumn>) {
        self.res.push_level();
        let out = self.select_inner(s, role);
        self.res.pop_level();
        out
    }

    fn hints(&mut self, lock: &syntax::Lock) -> Vec<Hint> {
        let mut hints = Vec::new();
        if lock.for_update.is_some() {
            hints.push(Hint::UpdLock);
            hints.push(Hint::RowLock);
        }
        for h in &lock.hints {
            let w = h.to_string().to_lowercase();
            match Hint::ALL.iter().find(|(n, _)| *n == w) {
                Some((_, hint)) => {
                    if !hints.contains(hint) {
                        hints.push(*hint)
                    }
                }
                None => {
                    let sugg = closest(&w, Hint::ALL.iter().map(|(n, _)| *n));
                    self.err(
                        h.span(),
                        format!(
                            "unknown table hint `{w}`{}; Quarry accepts {}",
                            did_you_mean(&sugg),
                            Hint::ALL
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        if lock.nowait.is_some() && !hints.contains(&Hint::NoWait) {
            hints.push(Hint::NoWait);
        }
        hints
    }

    fn select_inner(&mut self, s: &Select, role: SelectRole) -> (IrSelect, Vec<OutColumn>) {
        let hints = self.hints(&s.lock);
        if role != SelectRole::Top && (s.lock.for_update.is_some() || !s.lock.hints.is_empty()) {
            self.err(s.kw, "locking hints belong on the outer query");
        }
        let mut ir = IrSelect {
            distinct: s.distinct,
            top: None,
            from: IrSource {
                what: IrSourceKind::Table(quarry_schema::model::QualifiedName::new("", "")),
                alias: None,
                hints: Vec::new(),
            },
            joins: Vec::new(),
            projection: Vec::new(),
            where_: Vec::new(),
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            offset: None,
        };
        let from_span = match &s.from.kind {
            SourceKind::Table(t) => t.span(),
            SourceKind::Derived(_, sp) => *sp,
        };
        let root = self.source(&s.from, from_span);
        let mut ok = root.is_some();
        if let Some((idx, _)) = root
            && let Some(src) = self.take_source_ir(idx, &hints)
        {
            ir.from = src;
        }
        let saved = self.ctx;
        self.ctx = Ctx::default();
        for j in &s.joins {
            let span = match &j.source.kind {
                SourceKind::Table(t) => t.span(),
                SourceKind::Derived(_, sp) => *sp,
            };
            let Some((idx, _)) = self.source(&j.source, span) else {
                ok = false;
                continue;
            };
            if j.left
                && let Some(level) = self.res.levels.last_mut()
                && let Some(src) = level.get_mut(idx)
            {
                src.nullable = true;
            }
            let on = match &j.on {
                Some(e) => {
                    let v = self.pred(e);
                    Some(v.ir)
                }
                None if ok => self.res.fk_join(self.diag, span).map(|pairs| {
                    let mut it = pairs.into_iter().map(|(a, b)| {
                        IrExpr::Cmp(
                            Cmp::Eq,
                            Box::new(IrExpr::Column {
                                qualifier: a.qualifier,
                                name: a.name,
                            }),
                            Box::new(IrExpr::Column {
                                qualifier: b.qualifier,
                                name: b.name,
                            }),
                        )
                    });
                    let first = it.next().unwrap_or(IrExpr::Bool(true));
                    it.fold(first, |acc, x| IrExpr::And(Box::new(acc), Box::new(x)))
                }),
                None => None,
            };
            if let Some(src) = self.take_source_ir(idx, &hints) {
                ir.joins.push(IrJoin {
                    left: j.left,
                    source: src,
                    on: on.unwrap_or(IrExpr::Bool(true)),
                });
            }
        }

        if !ok {
            // Without its sources, every column of this select would be an
            // unrelated follow-on error; the source errors say it all.
            self.ctx = saved;
            return (ir, Vec::new());
        }
        let grouped = !s.group_by.is_empty()
            || s.projection.as_ref().is_some_and(|p| {
                p.iter()
                    .any(|i| matches!(i, ProjItem::Expr { expr, .. } if ast_has_aggregate(expr)))
            })
            || s.having.as_ref().is_some_and(|(_, h)| ast_has_aggregate(h));

        // where
        if let Some(w) = &s.where_ {
            let mut parts = Vec::new();
            flatten_and(w, &mut parts);
            for p in parts {
                self.ctx = Ctx {
                    optional_ok: true,
                    ..Ctx::default()
                };
                let v = self.pred(p);
                ir.where_.push(Conjunct {
                    expr: v.ir,
                    requires: v.opt,
                });
            }
        }

        // group by
        self.ctx = Ctx {
            grouped: !s.group_by.is_empty(),
            ..Ctx::default()
        };
        let mut group_cols: HashSet<(usize, String)> = HashSet::new();
        let mut group_exprs: HashSet<String> = HashSet::new();
        for g in &s.group_by {
            let v = self.expr(g, None);
            let v = self.scalar(v, g.span);
            if matches!(v.ir, IrExpr::Column { .. }) {
                for (src, name, _) in &v.bare {
                    group_cols.insert((*src, name.clone()));
                }
            }
            group_exprs.insert(format!("{:?}", v.ir));
            ir.group_by.push(v.ir);
        }
        let check_grouped = |c: &mut Self, v: &Val| {
            if !grouped || group_exprs.contains(&format!("{:?}", v.ir)) {
                return;
            }
            for (src, name, span) in &v.bare {
                if !group_cols.contains(&(*src, name.clone())) {
                    c.err(
                        *span,
                        format!("column `{name}` is neither grouped nor aggregated; add it to `group by`, or wrap it in an aggregate such as `max({name})`"),
                    );
                }
            }
        };

        // projection
        self.ctx = Ctx {
            agg_ok: true,
            grouped: !s.group_by.is_empty(),
            ..Ctx::default()
        };
        let mut columns: Vec<OutColumn> = Vec::new();
        let all_of = |c: &mut Self,
                      source: usize,
                      span: Span,
                      columns: &mut Vec<OutColumn>,
                      proj: &mut Vec<IrProj>| {
            let Some(src) = c.res.current().get(source).cloned() else {
                return;
            };
            for col in &src.columns {
                if !decodable(&col.ty) {
                    c.err(
                        span,
                        format!(
                            "`{}.{}` has type {}, which Quarry cannot decode; list the columns you need, with `cast({} as nvarchar(4000)) as {}` for this one",
                            src.lookup, col.name, col.ty, col.name, col.name
                        ),
                    );
                    continue;
                }
                let v = c.column_val(
                    ColRef {
                        qualifier: src.qualifier.clone(),
                        name: col.name.clone(),
                        ty: col.ty,
                        nullable: col.nullable || src.nullable,
                        level: c.res.levels.len() - 1,
                        source,
                    },
                    span,
                );
                check_grouped(c, &v);
                columns.push(OutColumn {
                    name: col.name.clone(),
                    ty: col.ty,
                    nullable: v.nullable,
                    span,
                });
                proj.push(IrProj {
                    expr: v.ir,
                    name: col.name.clone(),
                });
            }
        };
        match &s.projection {
            None => {
                if ok && role != SelectRole::Exists {
                    all_of(self, 0, from_span, &mut columns, &mut ir.projection);
                }
            }
            Some(items) => {
                for item in items {
                    match item {
                        ProjItem::Wildcard { qualifier } => {
                            let q = qualifier.to_string();
                            match self
                                .res
                                .current()
                                .iter()
                                .position(|s| s.lookup.eq_ignore_ascii_case(&q))
                            {
                                Some(i) => all_of(
                                    self,
                                    i,
                                    qualifier.span(),
                                    &mut columns,
                                    &mut ir.projection,
                                ),
                                None => {
                                    let names: Vec<String> = self
                                        .res
                                        .current()
                                        .iter()
                                        .map(|s| s.lookup.clone())
                                        .collect();
                                    let sugg = closest(&q, names.iter().map(String::as_str));
                                    self.err(
                                        qualifier.span(),
                                        format!(
                                            "no source `{q}` in this query{}",
                                            did_you_mean(&sugg)
                                        ),
                                    );
                                }
                            }
                        }
                        ProjItem::Expr { expr, alias } => {
                            let v = self.expr(expr, None);
                            let v = self.scalar(v, expr.span);
                            check_grouped(self, &v);
                            let (name, span) = match (alias, &expr.kind) {
                                (Some(a), _) => (a.to_string(), a.span()),
                                (None, ExprKind::Column(parts)) => match parts.last() {
                                    Some(last) => (last.to_string(), expr.span),
                                    None => continue,
                                },
                                (None, _) => {
                                    self.err(expr.span, "give this expression a name: `expr as name` (it becomes a field of the row)");
                                    continue;
                                }
                            };
                            // Use the schema's spelling of a column's name.
                            let name = match (&v.ir, alias) {
                                (IrExpr::Column { name: n, .. }, None) => n.clone(),
                                _ => name,
                            };
                            let Some(ty) = v.ty else { continue };
                            if !decodable(&ty) {
                                self.err(expr.span, format!("`{name}` has type {ty}, which Quarry cannot decode; cast it, e.g. `cast({name} as nvarchar(4000)) as {name}`"));
                                continue;
                            }
                            columns.push(OutColumn {
                                name: name.clone(),
                                ty,
                                nullable: v.nullable,
                                span,
                            });
                            ir.projection.push(IrProj {
                                expr: bit_literal_typed(v.ir),
                                name,
                            });
                        }
                    }
                }
            }
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        for c in &columns {
            if let Some(prev) = seen.insert(c.name.to_lowercase(), c.span) {
                let _ = prev;
                self.err(
                    c.span,
                    format!("two result columns are named `{}`; rename one with `as`, e.g. `{} as other_{}`", c.name, c.name, c.name),
                );
            }
        }
        if role == SelectRole::Exists {
            ir.projection.clear();
            columns.clear();
        }

        // having
        if let Some((kw, h)) = &s.having {
            self.ctx = Ctx {
                agg_ok: true,
                grouped: !s.group_by.is_empty(),
                ..Ctx::default()
            };
            let v = self.pred(h);
            if s.group_by.is_empty() && !v.agg {
                self.err(
                    *kw,
                    "`having` without aggregation: it filters groups, but there is no `group by` and no aggregate; use `where` to filter rows",
                );
            } else {
                check_grouped(self, &v);
            }
            ir.having = Some(v.ir);
        }

        // order by
        for o in &s.order_by {
            self.ctx = Ctx {
                agg_ok: grouped,
                grouped: !s.group_by.is_empty(),
                ..Ctx::default()
            };
            if let ExprKind::Column(parts) = &o.expr.kind
                && parts.len() == 1
            {
                let n = parts[0].to_string();
                let is_output = ir.projection.iter().any(|p| {
                        p.name.eq_ignore_ascii_case(&n) && !matches!(&p.expr, IrExpr::Column { name, .. } if name.eq_ignore_ascii_case(&n))
                    });
                if is_output {
                    ir.order_by.push((IrExpr::OutputName(n), o.desc));
                    continue;
                }
            }
            let v = self.expr(&o.expr, None);
            let v = self.scalar(v, o.expr.span);
            check_grouped(self, &v);
            ir.order_by.push((v.ir, o.desc));
        }

        // paging
        self.ctx = Ctx::default();
        let count = |c: &mut Self, e: &Expr| -> IrExpr {
            match &e.kind {
                ExprKind::Int(d) => IrExpr::Number(d.clone()),
                ExprKind::Param(p) => c.param(p, Some(SqlType::BigInt), false, false).ir,
                _ => {
                    c.err(
                        e.span,
                        "expected a row count: an integer literal or `$param` (an i64)",
                    );
                    IrExpr::Number("0".into())
                }
            }
        };
        match (&s.offset, &s.limit) {
            (Some((kw, off)), limit) => {
                if s.order_by.is_empty() {
                    self.err(
                        *kw,
                        "`offset` needs `order by`: SQL Server pages only an ordered result (OFFSET .. FETCH); add `order by ..` before `offset`",
                    );
                }
                let o = count(self, off);
                let l = limit.as_ref().map(|(_, e)| count(self, e));
                ir.offset = Some((o, l));
            }
            (None, Some((_, l))) => ir.top = Some(count(self, l)),
            (None, None) => {}
        }
        if role != SelectRole::Top
            && !s.order_by.is_empty()
            && ir.top.is_none()
            && ir.offset.is_none()
        {
            self.err(s.kw, "`order by` in a subquery or derived table needs `limit` (SQL Server ignores or rejects it otherwise)");
        }
        self.ctx = saved;
        (ir, columns)
    }

    // ----- DML ----------------------------------------------------------

    fn target(&mut self, name: &syntax::TableName) -> Option<&'s Table> {
        let t = self.res.table(self.diag, name)?;
        if t.kind == TableKind::View {
            self.err(
                name.span(),
                format!("`{}` is a view; Quarry writes only to base tables", t.name),
            );
            return None;
        }
        Some(t)
    }

    fn target_scope(&mut self, t: &'s Table) {
        self.res.push_level();
        let mut info = self.res.table_source(t, None);
        info.qualifier = if self.res.qualify {
            Some(t.name.name.clone())
        } else {
            None
        };
        self.res.add_source(self.diag, Span::call_site(), info);
    }

    /// Checks `col: value` pairs. Returns (columns, values).
    fn assignments(
        &mut self,
        t: &'s Table,
        items: &[syntax::Assign],
        what: &str,
    ) -> (Vec<String>, Vec<IrExpr>) {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for a in items {
            let cname = a.column.to_string();
            let Some(col) = t.column(&cname) else {
                let sugg = closest(&cname, t.columns.iter().map(|c| c.name.as_str()));
                self.err(
                    a.column.span(),
                    format!("no column `{cname}` in `{}`{}", t.name, did_you_mean(&sugg)),
                );
                continue;
            };
            if !seen.insert(col.name.to_lowercase()) {
                self.err(
                    a.column.span(),
                    format!("column `{}` is assigned twice", col.name),
                );
                continue;
            }
            if col.is_generated() {
                let why = if col.identity.is_some() {
                    "an identity column: SQL Server generates its value"
                } else if col.computed.is_some() {
                    "a computed column: SQL Server computes it"
                } else {
                    "a rowversion column: SQL Server sets it on every write"
                };
                self.err(
                    a.column.span(),
                    format!("cannot {what} `{}`: it is {why}; remove it", col.name),
                );
                continue;
            }
            self.ctx = Ctx::default();
            let v = match &a.value.kind {
                ExprKind::Null => {
                    if !col.nullable {
                        self.err(
                            a.value.span,
                            format!("`{}` is NOT NULL; it cannot be set to null", col.name),
                        );
                    }
                    // In MERGE's `USING (VALUES ..)` a bare NULL would be typed
                    // `int`; give it the column's type.
                    let ir = if what == "upsert" {
                        IrExpr::Cast(Box::new(IrExpr::Null), col.ty)
                    } else {
                        IrExpr::Null
                    };
                    Val::new(ir, Some(col.ty), true)
                }
                ExprKind::Param(p) => self.param(p, Some(col.ty), col.nullable, false),
                _ => {
                    let v = self.expr(&a.value, Some(col.ty));
                    let v = self.scalar(v, a.value.span);
                    if let Some(vt) = v.ty
                        && !compatible(&col.ty, &vt)
                    {
                        self.err(
                            a.value.span,
                            format!(
                                "mismatched types: column `{}` is {} but this value is {vt}",
                                col.name, col.ty
                            ),
                        );
                    }
                    if v.nullable && !col.nullable {
                        self.err(a.value.span, format!("`{}` is NOT NULL but this value can be NULL; wrap it in `coalesce(.., default)`", col.name));
                    }
                    v
                }
            };
            cols.push(col.name.clone());
            vals.push(if what == "upsert" {
                bit_literal_typed(v.ir)
            } else {
                v.ir
            });
        }
        (cols, vals)
    }

    fn required_check(&mut self, t: &Table, cols: &[String], span: Span, kw: &str) {
        let missing: Vec<String> = t
            .columns
            .iter()
            .filter(|c| {
                c.is_required_on_insert() && !cols.iter().any(|x| x.eq_ignore_ascii_case(&c.name))
            })
            .map(|c| format!("`{}` ({})", c.name, c.ty))
            .collect();
        if !missing.is_empty() {
            self.err(
                span,
                format!(
                    "{kw} into `{}` is missing required column(s) {}: NOT NULL without a default; add them, e.g. `{{ {}: $value }}`",
                    t.name,
                    missing.join(", "),
                    t.columns.iter().find(|c| c.is_required_on_insert() && !cols.iter().any(|x| x.eq_ignore_ascii_case(&c.name))).map_or("", |c| c.name.as_str())
                ),
            );
        }
    }

    fn returning(
        &mut self,
        t: &Table,
        r: &Option<syntax::Returning>,
    ) -> (Vec<IrReturn>, Vec<OutColumn>) {
        let Some(r) = r else {
            return (Vec::new(), Vec::new());
        };
        let mut rets = Vec::new();
        let mut outs = Vec::new();
        let push = |col: &quarry_schema::model::Column,
                    span: Span,
                    rets: &mut Vec<IrReturn>,
                    outs: &mut Vec<OutColumn>| {
            rets.push(IrReturn {
                column: col.name.clone(),
                ty: col.ty,
                nullable: col.nullable,
            });
            outs.push(OutColumn {
                name: col.name.clone(),
                ty: col.ty,
                nullable: col.nullable,
                span,
            });
        };
        match &r.items {
            None => {
                for c in &t.columns {
                    if decodable(&c.ty) {
                        push(c, r.kw, &mut rets, &mut outs);
                    }
                }
            }
            Some(items) => {
                for it in items {
                    let ident = match it {
                        ProjItem::Expr {
                            expr:
                                Expr {
                                    kind: ExprKind::Column(parts),
                                    ..
                                },
                            alias: None,
                        } if parts.len() == 1 => &parts[0],
                        ProjItem::Expr { expr, .. } => {
                            self.err(expr.span, "`returning` lists columns of the written table: `returning id` or `returning { id, name }`");
                            continue;
                        }
                        ProjItem::Wildcard { qualifier } => {
                            self.err(qualifier.span(), "write `returning *` for all columns");
                            continue;
                        }
                    };
                    let name = ident.to_string();
                    match t.column(&name) {
                        Some(c) => push(c, ident.span(), &mut rets, &mut outs),
                        None => {
                            let sugg = closest(&name, t.columns.iter().map(|c| c.name.as_str()));
                            self.err(
                                ident.span(),
                                format!(
                                    "no column `{name}` in `{}`{}",
                                    t.name,
                                    did_you_mean(&sugg)
                                ),
                            );
                        }
                    }
                }
            }
        }
        (rets, outs)
    }

    fn top(&mut self, e: &Option<Expr>) -> Option<IrExpr> {
        let e = e.as_ref()?;
        self.ctx = Ctx::default();
        Some(match &e.kind {
            ExprKind::Int(d) => IrExpr::Number(d.clone()),
            ExprKind::Param(p) => self.param(p, Some(SqlType::BigInt), false, false).ir,
            _ => {
                self.err(
                    e.span,
                    "expected a row count: an integer literal or `$param` (an i64)",
                );
                IrExpr::Number("0".into())
            }
        })
    }

    fn where_conjuncts(&mut self, w: &Option<Expr>) -> Vec<Conjunct> {
        let mut out = Vec::new();
        if let Some(w) = w {
            let mut parts = Vec::new();
            flatten_and(w, &mut parts);
            for p in parts {
                self.ctx = Ctx {
                    optional_ok: true,
                    ..Ctx::default()
                };
                let v = self.pred(p);
                out.push(Conjunct {
                    expr: v.ir,
                    requires: v.opt,
                });
            }
        }
        out
    }

    fn empty(&self) -> (IrStmt, Vec<OutColumn>) {
        (
            IrStmt::Delete(IrDelete {
                table: quarry_schema::model::QualifiedName::new("", ""),
                top: None,
                where_: Vec::new(),
                returning: Vec::new(),
                triggers: false,
            }),
            Vec::new(),
        )
    }

    fn insert(&mut self, i: &syntax::Insert) -> (IrStmt, Vec<OutColumn>) {
        let Some(t) = self.target(&i.table) else {
            return self.empty();
        };
        self.res.push_level();
        let (columns, values) = self.assignments(t, &i.values, "insert");
        self.res.pop_level();
        self.required_check(t, &columns, i.table.span(), "insert");
        let (returning, cols) = self.returning(t, &i.returning);
        (
            IrStmt::Insert(IrInsert {
                table: t.name.clone(),
                columns,
                values,
                returning,
                triggers: t.has_triggers,
            }),
            cols,
        )
    }

    fn update(&mut self, u: &syntax::Update) -> (IrStmt, Vec<OutColumn>) {
        let Some(t) = self.target(&u.table) else {
            return self.empty();
        };
        let top = self.top(&u.top);
        self.target_scope(t);
        let (cols, vals) = self.assignments(t, &u.sets, "update");
        let where_ = self.where_conjuncts(&u.where_);
        self.res.pop_level();
        let (returning, out) = self.returning(t, &u.returning);
        (
            IrStmt::Update(IrUpdate {
                table: t.name.clone(),
                qualifier: if self.res.qualify {
                    Some(t.name.name.clone())
                } else {
                    None
                },
                top,
                sets: cols.into_iter().zip(vals).collect(),
                where_,
                returning,
                triggers: t.has_triggers,
            }),
            out,
        )
    }

    fn delete(&mut self, d: &syntax::Delete) -> (IrStmt, Vec<OutColumn>) {
        let Some(t) = self.target(&d.table) else {
            return self.empty();
        };
        let top = self.top(&d.top);
        self.target_scope(t);
        let where_ = self.where_conjuncts(&d.where_);
        self.res.pop_level();
        let (returning, out) = self.returning(t, &d.returning);
        (
            IrStmt::Delete(IrDelete {
                table: t.name.clone(),
                top,
                where_,
                returning,
                triggers: t.has_triggers,
            }),
            out,
        )
    }

    fn upsert(&mut self, u: &syntax::Upsert) -> (IrStmt, Vec<OutColumn>) {
        let Some(t) = self.target(&u.table) else {
            return self.empty();
        };
        self.res.push_level();
        let (columns, values) = self.assignments(t, &u.values, "upsert");
        self.res.pop_level();
        let mut keys = Vec::new();
        for k in &u.keys {
            let kn = k.to_string();
            match t.column(&kn) {
                Some(c) => {
                    if !columns.iter().any(|x| x.eq_ignore_ascii_case(&c.name)) {
                        self.err(
                            k.span(),
                            format!(
                                "key column `{}` needs a value: add `{}: $value` to the braces",
                                c.name, c.name
                            ),
                        );
                    }
                    keys.push(c.name.clone());
                }
                None => {
                    let sugg = closest(&kn, t.columns.iter().map(|c| c.name.as_str()));
                    self.err(
                        k.span(),
                        format!("no column `{kn}` in `{}`{}", t.name, did_you_mean(&sugg)),
                    );
                }
            }
        }
        if keys.len() == u.keys.len() {
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            if !t.is_unique_key(&refs) {
                let existing: Vec<String> = t
                    .primary_key
                    .iter()
                    .chain(&t.unique_keys)
                    .map(|k| format!("`{}`", k.columns.join(", ")))
                    .chain(
                        t.indexes
                            .iter()
                            .filter(|i| i.unique && i.filter.is_none())
                            .map(|i| {
                                format!(
                                    "`{}`",
                                    i.columns
                                        .iter()
                                        .map(|(c, _)| c.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                )
                            }),
                    )
                    .collect();
                let span = u.keys.first().map_or(u.kw, Ident::span);
                self.err(
                    span,
                    format!(
                        "`{}` is not a primary or unique key of `{}`, so MERGE could match several rows; upsert on one of its keys: {}",
                        keys.join(", "),
                        t.name,
                        if existing.is_empty() { "(it has none)".to_owned() } else { existing.join(", ") }
                    ),
                );
            }
        }
        self.required_check(t, &columns, u.table.span(), "upsert");
        let update = columns
            .iter()
            .filter(|c| !keys.iter().any(|k| k.eq_ignore_ascii_case(c)))
            .cloned()
            .collect();
        let (returning, out) = self.returning(t, &u.returning);
        (
            IrStmt::Merge(IrMerge {
                table: t.name.clone(),
                keys,
                columns,
                values,
                update,
                returning,
                triggers: t.has_triggers,
            }),
            out,
        )
    }
}

/// SQL Server types the literals `1`/`0` as `int`; where a `true`/`false`
/// becomes a value of its own (a select-list item, a MERGE source column)
/// it is cast so the result really is a `bit`.
fn bit_literal_typed(ir: IrExpr) -> IrExpr {
    match ir {
        IrExpr::Bool(_) => IrExpr::Cast(Box::new(ir), SqlType::Bit),
        other => other,
    }
}

fn concat_type(tys: &[SqlType]) -> SqlType {
    let unicode = tys
        .iter()
        .any(|t| matches!(t, SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText));
    let mut total: u32 = 0;
    let mut max = false;
    for t in tys {
        match t {
            SqlType::Char(Length::Fixed(n))
            | SqlType::VarChar(Length::Fixed(n))
            | SqlType::NChar(Length::Fixed(n))
            | SqlType::NVarChar(Length::Fixed(n)) => total += u32::from(*n),
            SqlType::Int | SqlType::BigInt | SqlType::SmallInt | SqlType::TinyInt => total += 20,
            _ => max = true,
        }
    }
    let cap = if unicode { 4000 } else { 8000 };
    let len = if max || total > cap {
        Length::Max
    } else {
        Length::Fixed(total.max(1) as u16)
    };
    if unicode {
        SqlType::NVarChar(len)
    } else {
        SqlType::VarChar(len)
    }
}

fn expr_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Column(parts) => parts
            .iter()
            .map(Ident::to_string)
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Param(p) => match &p.source {
            syntax::ParamSource::Name(n) => format!("${n}"),
            syntax::ParamSource::Expr(_) => "$(..)".into(),
        },
        _ => "x".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::resolve::tests::schema;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn errors(ts: TokenStream) -> Vec<String> {
        match crate::compile(ts, &schema()) {
            Ok(c) => panic!("expected errors, got {:?}", c.variants),
            Err(d) => d.messages(),
        }
    }

    fn columns(ts: TokenStream) -> Vec<(String, String, bool)> {
        match crate::compile(ts, &schema()) {
            Ok(c) => c
                .checked
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.to_string(), c.nullable))
                .collect(),
            Err(d) => panic!("errors: {:?}", d.messages()),
        }
    }

    fn has(errs: &[String], needle: &str) -> bool {
        errs.iter().any(|e| e.contains(needle))
    }

    #[test]
    fn result_types_follow_tsql() {
        let mut cols = columns(quote!(select orders {
            count(*) as a, count_big(id) as b, sum(total) as c, avg(id) as d, min(created_at) as e, sum(id) as i
        }));
        cols.extend(columns(
            quote!(select orders { total * 2 as f, total / 3 as g, id + 1 as h }),
        ));
        let find = |n: &str| cols.iter().find(|c| c.0 == n).cloned().map(|c| (c.1, c.2));
        assert_eq!(find("a"), Some(("int".into(), false)));
        assert_eq!(find("b"), Some(("bigint".into(), false)));
        assert_eq!(find("c"), Some(("decimal(38,2)".into(), true)));
        assert_eq!(find("d"), Some(("int".into(), true)));
        assert_eq!(find("e"), Some(("datetime2(3)".into(), true)));
        assert_eq!(find("f"), Some(("decimal(21,2)".into(), false)));
        assert_eq!(find("g"), Some(("decimal(21,13)".into(), false)));
        assert_eq!(find("h"), Some(("int".into(), false)));
        assert_eq!(find("i"), Some(("int".into(), true)));
    }

    #[test]
    fn grouped_aggregates_of_not_null_are_not_null() {
        let cols = columns(
            quote!(select orders { user_id, sum(total) as s, max(note) as n } group by user_id),
        );
        assert_eq!(cols[1], ("s".into(), "decimal(38,2)".into(), false));
        assert_eq!(cols[2], ("n".into(), "nvarchar(max)".into(), true));
    }

    #[test]
    fn left_join_makes_joined_side_nullable() {
        let cols = columns(quote!(select users left join orders { users.id, orders.total }));
        assert!(!cols[0].2);
        assert!(cols[1].2);
    }

    #[test]
    fn mismatches_are_reported() {
        assert!(has(
            &errors(quote!(select users where id == "x")),
            "mismatched types"
        ));
        assert!(has(
            &errors(quote!(select users where email == null)),
            "write `email is null`"
        ));
        assert!(has(
            &errors(quote!(select orders where total like "1%")),
            "`like` needs a string"
        ));
        assert!(has(
            &errors(quote!(select users offset 5 limit 5)),
            "`offset` needs `order by`"
        ));
        assert!(has(
            &errors(quote!(select users { id } having id > 1)),
            "`having` without aggregation"
        ));
        assert!(has(
            &errors(quote!(select orders { user_id, total, count(*) as n } group by user_id)),
            "neither grouped nor aggregated"
        ));
        assert!(has(
            &errors(quote!(select users where id == $x || username == $x)),
            "parameter `$x` is used here as"
        ));
        assert!(has(
            &errors(quote!(select users where $a == $b)),
            "cannot infer the SQL type"
        ));
        assert!(has(
            &errors(quote!(select users where sum(id) > 1)),
            "not allowed here"
        ));
        assert!(has(
            &errors(quote!(select users { id, lenn(username) as l })),
            "did you mean `len`"
        ));
        assert!(has(
            &errors(quote!(select users { id + 1 })),
            "give this expression a name"
        ));
        assert!(has(
            &errors(quote!(select users join orders { users.id, orders.id })),
            "two result columns are named `id`"
        ));
        assert!(has(
            &errors(quote!(select users with (nolok))),
            "did you mean `nolock`"
        ));
    }

    #[test]
    fn writes_are_checked() {
        let e = errors(quote!(insert users { username: $n }));
        assert!(has(&e, "missing required column(s) `fullname`"), "{e:?}");
        let e = errors(quote!(insert users { id: 1, username: $n, fullname: $f }));
        assert!(has(&e, "identity column"), "{e:?}");
        let e = errors(quote!(update accounts set { row_version: $v } where id == 1));
        assert!(has(&e, "rowversion column"), "{e:?}");
        let e = errors(quote!(upsert users on fullname { username: $n, fullname: $f }));
        assert!(has(&e, "not a primary or unique key"), "{e:?}");
        let e = errors(quote!(update users set { username: null } where id == 1));
        assert!(has(&e, "NOT NULL"), "{e:?}");
    }

    #[test]
    fn undecodable_types_are_refused_with_a_way_out() {
        assert!(has(
            &errors(quote!(select org)),
            "cannot decode; list the columns"
        ));
        assert!(has(
            &errors(quote!(select org { id } where node == $n)),
            "cannot be bound"
        ));
        assert_eq!(
            columns(quote!(select org { id, cast(node as nvarchar(4000)) as path })).len(),
            2
        );
    }

    #[test]
    fn all_errors_of_one_query_are_reported() {
        let e =
            errors(quote!(select users { id, usrname } where fulname == "x" && created_at == null));
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn optional_filters_are_bounded() {
        let e = errors(
            quote!(select users where id == $a? && id == $b? && id == $c? && id == $d? && id == $e? && id == $f? && id == $g?),
        );
        assert!(has(&e, "too many optional filters"), "{e:?}");
        let e = errors(quote!(select users { id } order by id offset $skip? limit 5));
        assert!(has(&e, "can be used only in a `where`"), "{e:?}");
    }
}
