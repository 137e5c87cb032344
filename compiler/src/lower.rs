//! Stage 4, `lower`: checked IR → T-SQL text and parameter list. The only
//! module that knows how T-SQL is spelled. Parameters are numbered while the
//! text is written (`@P1..@Pn` in order of first appearance), so numbering and
//! binding cannot drift apart; one text is produced per optional-filter
//! variant.

use std::collections::HashMap;
use std::fmt::Write;

use quarry_schema::model::{Length, QualifiedName, SqlType};

use crate::ir::*;

/// One static statement variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lowered {
    /// Variant index = bit mask of the optional parameters that are `Some`.
    pub variant: u16,
    /// The T-SQL text (without the leading name comment, which `expand` adds).
    pub sql: String,
    /// `@P1 varchar(50), @P2 int`
    pub param_decls: String,
    /// For each `@Pn`, the argument slot it takes its value from.
    pub args: Vec<u16>,
}

/// Lowers every variant of a checked statement.
pub fn lower(c: &Checked) -> Vec<Lowered> {
    (0..c.variant_count())
        .map(|mask| lower_variant(c, mask as u64))
        .collect()
}

/// Lowers the variant where the optional parameters in `mask` are present.
pub fn lower_variant(c: &Checked, mask: u64) -> Lowered {
    let mut w = Writer {
        out: String::new(),
        mask,
        order: Vec::new(),
        numbers: HashMap::new(),
    };
    match &c.stmt {
        IrStmt::Select(s) => w.select(s, true),
        IrStmt::Insert(i) => w.insert(i),
        IrStmt::Update(u) => w.update(u),
        IrStmt::Delete(d) => w.delete(d),
        IrStmt::Merge(m) => w.merge(m),
    }
    if !w.out.ends_with(';') {
        w.out.push(';');
    }
    let decls = w
        .order
        .iter()
        .enumerate()
        .map(|(i, &slot)| format!("@P{} {}", i + 1, param_type(&c.params[slot])))
        .collect::<Vec<_>>()
        .join(", ");
    Lowered {
        variant: mask as u16,
        sql: w.out,
        param_decls: decls,
        args: w.order.iter().map(|&s| s as u16).collect(),
    }
}

/// The declared type of a parameter: the column's type, `nvarchar(max)` for a
/// JSON list, `binary(8)` for a rowversion.
fn param_type(p: &ParamSlot) -> String {
    if p.list {
        return "nvarchar(max)".into();
    }
    declared(&p.ty)
}

fn declared(t: &SqlType) -> String {
    match t {
        SqlType::RowVersion => "binary(8)".into(),
        SqlType::Text => "varchar(max)".into(),
        SqlType::NText => "nvarchar(max)".into(),
        SqlType::Image => "varbinary(max)".into(),
        other => other.to_string(),
    }
}

/// `[name]`, with `]` doubled.
pub fn quote_ident(name: &str) -> String {
    format!("[{}]", name.replace(']', "]]"))
}

/// `[schema].[name]`, each part quoted by [`quote_ident`].
pub fn quote_table(n: &QualifiedName) -> String {
    format!("{}.{}", quote_ident(&n.schema), quote_ident(&n.name))
}

fn prec(e: &IrExpr) -> u8 {
    match e {
        IrExpr::Or(..) => 1,
        IrExpr::And(..) => 2,
        IrExpr::Not(..) => 3,
        IrExpr::Cmp(..)
        | IrExpr::Like(..)
        | IrExpr::InList(..)
        | IrExpr::InJson(..)
        | IrExpr::InSelect(..)
        | IrExpr::Exists(..)
        | IrExpr::Between(..)
        | IrExpr::IsNull(..) => 4,
        IrExpr::Arith(Arith::Add | Arith::Sub, ..) => 5,
        IrExpr::Arith(..) => 6,
        IrExpr::Neg(..) => 7,
        _ => 8,
    }
}

struct Writer {
    out: String,
    mask: u64,
    /// Slot of each `@Pn`, in order.
    order: Vec<usize>,
    /// Slot → n.
    numbers: HashMap<usize, usize>,
}

impl Writer {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn param(&mut self, slot: usize) {
        let n = match self.numbers.get(&slot) {
            Some(n) => *n,
            None => {
                self.order.push(slot);
                let n = self.order.len();
                self.numbers.insert(slot, n);
                n
            }
        };
        let _ = write!(self.out, "@P{n}");
    }

    fn applies(&self, c: &Conjunct) -> bool {
        c.requires & !self.mask == 0
    }

    fn sep(&mut self, top: bool) {
        self.push(if top { "\n" } else { " " });
    }

    fn hints(&mut self, hints: &[Hint]) {
        if hints.is_empty() {
            return;
        }
        let names: Vec<&str> = hints
            .iter()
            .map(|h| match h {
                Hint::UpdLock => "UPDLOCK",
                Hint::RowLock => "ROWLOCK",
                Hint::NoWait => "NOWAIT",
                Hint::HoldLock => "HOLDLOCK",
                Hint::ReadPast => "READPAST",
                Hint::NoLock => "NOLOCK",
                Hint::PagLock => "PAGLOCK",
                Hint::TabLock => "TABLOCK",
                Hint::TabLockX => "TABLOCKX",
                Hint::XLock => "XLOCK",
                Hint::Serializable => "SERIALIZABLE",
                Hint::ReadCommitted => "READCOMMITTED",
                Hint::RepeatableRead => "REPEATABLEREAD",
            })
            .collect();
        let _ = write!(self.out, " WITH ({})", names.join(", "));
    }

    fn source(&mut self, s: &IrSource) {
        match &s.what {
            IrSourceKind::Table(n) => {
                let t = quote_table(n);
                self.push(&t);
            }
            IrSourceKind::Derived(sel) => {
                self.push("(");
                self.select(sel, false);
                self.push(")");
            }
        }
        if let Some(a) = &s.alias {
            let a = quote_ident(a);
            let _ = write!(self.out, " AS {a}");
        }
        self.hints(&s.hints);
    }

    fn conjuncts(&mut self, keyword: &str, cs: &[Conjunct], top: bool) {
        let live: Vec<&Conjunct> = cs.iter().filter(|c| self.applies(c)).collect();
        if live.is_empty() {
            return;
        }
        self.sep(top);
        self.push(keyword);
        self.push(" ");
        for (i, c) in live.iter().enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.expr_at(&c.expr, 3);
        }
    }

    fn select(&mut self, s: &IrSelect, top: bool) {
        self.push("SELECT ");
        if s.distinct {
            self.push("DISTINCT ");
        }
        if let Some(t) = &s.top {
            self.push("TOP (");
            self.expr(t);
            self.push(") ");
        }
        if s.projection.is_empty() {
            self.push("1");
        }
        for (i, p) in s.projection.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.expr(&p.expr);
            let same = matches!(&p.expr, IrExpr::Column { name, .. } if *name == p.name);
            if !same {
                let a = quote_ident(&p.name);
                let _ = write!(self.out, " AS {a}");
            }
        }
        self.sep(top);
        self.push("FROM ");
        self.source(&s.from);
        for j in &s.joins {
            self.sep(top);
            self.push(if j.left {
                "LEFT OUTER JOIN "
            } else {
                "INNER JOIN "
            });
            self.source(&j.source);
            self.push(" ON ");
            self.expr(&j.on);
        }
        self.conjuncts("WHERE", &s.where_, top);
        if !s.group_by.is_empty() {
            self.sep(top);
            self.push("GROUP BY ");
            for (i, g) in s.group_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.expr(g);
            }
        }
        if let Some(h) = &s.having {
            self.sep(top);
            self.push("HAVING ");
            self.expr(h);
        }
        if !s.order_by.is_empty() {
            self.sep(top);
            self.push("ORDER BY ");
            for (i, (e, desc)) in s.order_by.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.expr(e);
                if *desc {
                    self.push(" DESC");
                }
            }
        }
        if let Some((off, fetch)) = &s.offset {
            self.sep(top);
            self.push("OFFSET ");
            self.expr(off);
            self.push(" ROWS");
            if let Some(f) = fetch {
                self.push(" FETCH NEXT ");
                self.expr(f);
                self.push(" ROWS ONLY");
            }
        }
        if top {
            self.push(";");
        }
    }

    /// Writes OUTPUT; with `into`, into the table variable `@output`.
    fn output(&mut self, prefix: &str, cols: &[IrReturn], into: bool) {
        if cols.is_empty() {
            return;
        }
        self.push("\nOUTPUT ");
        let list: Vec<String> = cols
            .iter()
            .map(|c| format!("{prefix}.{}", quote_ident(&c.column)))
            .collect();
        self.push(&list.join(", "));
        if into {
            let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.column)).collect();
            let _ = write!(self.out, " INTO @output ({})", names.join(", "));
        }
    }

    /// With triggers, OUTPUT must go INTO a table variable declared first.
    fn declare_output(&mut self, cols: &[IrReturn], triggers: bool) -> bool {
        if cols.is_empty() || !triggers {
            return false;
        }
        let defs: Vec<String> = cols
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}",
                    quote_ident(&c.column),
                    declared(&c.ty),
                    if c.nullable { "NULL" } else { "NOT NULL" }
                )
            })
            .collect();
        let _ = writeln!(self.out, "DECLARE @output TABLE ({});", defs.join(", "));
        true
    }

    fn select_output(&mut self, cols: &[IrReturn], into: bool) {
        if into {
            let names: Vec<String> = cols.iter().map(|c| quote_ident(&c.column)).collect();
            let _ = write!(self.out, ";\nSELECT {} FROM @output;", names.join(", "));
        }
    }

    fn insert(&mut self, i: &IrInsert) {
        let into = self.declare_output(&i.returning, i.triggers);
        let cols: Vec<String> = i.columns.iter().map(|c| quote_ident(c)).collect();
        let _ = write!(
            self.out,
            "INSERT INTO {} ({})",
            quote_table(&i.table),
            cols.join(", ")
        );
        self.output("INSERTED", &i.returning, into);
        self.push("\nVALUES (");
        for (n, v) in i.values.iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.expr(v);
        }
        self.push(")");
        self.select_output(&i.returning, into);
    }

    fn top_clause(&mut self, top: &Option<IrExpr>) {
        if let Some(t) = top {
            self.push(" TOP (");
            self.expr(t);
            self.push(")");
        }
    }

    fn update(&mut self, u: &IrUpdate) {
        let into = self.declare_output(&u.returning, u.triggers);
        self.push("UPDATE");
        self.top_clause(&u.top);
        let _ = write!(self.out, " {}", quote_table(&u.table));
        self.push("\nSET ");
        for (n, (c, v)) in u.sets.iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            let c = quote_ident(c);
            let _ = write!(self.out, "{c} = ");
            self.expr(v);
        }
        self.output("INSERTED", &u.returning, into);
        self.conjuncts("WHERE", &u.where_, true);
        self.select_output(&u.returning, into);
    }

    fn delete(&mut self, d: &IrDelete) {
        let into = self.declare_output(&d.returning, d.triggers);
        self.push("DELETE");
        self.top_clause(&d.top);
        let _ = write!(self.out, " FROM {}", quote_table(&d.table));
        self.output("DELETED", &d.returning, into);
        self.conjuncts("WHERE", &d.where_, true);
        self.select_output(&d.returning, into);
    }

    fn merge(&mut self, m: &IrMerge) {
        let into = self.declare_output(&m.returning, m.triggers);
        let _ = write!(
            self.out,
            "MERGE {} WITH (HOLDLOCK) AS [t]\nUSING (VALUES (",
            quote_table(&m.table)
        );
        for (n, v) in m.values.iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.expr(v);
        }
        let cols: Vec<String> = m.columns.iter().map(|c| quote_ident(c)).collect();
        let _ = write!(self.out, ")) AS [s] ({})\nON ", cols.join(", "));
        let on: Vec<String> = m
            .keys
            .iter()
            .map(|k| format!("[t].{0} = [s].{0}", quote_ident(k)))
            .collect();
        self.push(&on.join(" AND "));
        if !m.update.is_empty() {
            let sets: Vec<String> = m
                .update
                .iter()
                .map(|c| format!("{0} = [s].{0}", quote_ident(c)))
                .collect();
            let _ = write!(
                self.out,
                "\nWHEN MATCHED THEN UPDATE SET {}",
                sets.join(", ")
            );
        }
        let vals: Vec<String> = m
            .columns
            .iter()
            .map(|c| format!("[s].{}", quote_ident(c)))
            .collect();
        let _ = write!(
            self.out,
            "\nWHEN NOT MATCHED THEN INSERT ({}) VALUES ({})",
            cols.join(", "),
            vals.join(", ")
        );
        self.output("INSERTED", &m.returning, into);
        self.push(";");
        if into {
            let names: Vec<String> = m.returning.iter().map(|c| quote_ident(&c.column)).collect();
            let _ = write!(self.out, "\nSELECT {} FROM @output;", names.join(", "));
        }
    }

    fn expr(&mut self, e: &IrExpr) {
        self.expr_at(e, 0);
    }

    /// Writes `e`, in parentheses when it binds looser than `min`.
    fn expr_at(&mut self, e: &IrExpr, min: u8) {
        let p = prec(e);
        let paren = p < min;
        if paren {
            self.push("(");
        }
        self.expr_inner(e);
        if paren {
            self.push(")");
        }
    }

    fn expr_inner(&mut self, e: &IrExpr) {
        match e {
            IrExpr::Column { qualifier, name } => {
                if let Some(q) = qualifier {
                    let q = quote_ident(q);
                    self.push(&q);
                    self.push(".");
                }
                let n = quote_ident(name);
                self.push(&n);
            }
            IrExpr::OutputName(n) => {
                let n = quote_ident(n);
                self.push(&n);
            }
            IrExpr::Param(slot) => self.param(*slot),
            IrExpr::Number(n) => self.push(n),
            IrExpr::Bool(b) => self.push(if *b { "1" } else { "0" }),
            IrExpr::Null => self.push("NULL"),
            IrExpr::DatePart(d) => self.push(match d {
                DatePart::Year => "year",
                DatePart::Quarter => "quarter",
                DatePart::Month => "month",
                DatePart::Week => "week",
                DatePart::Day => "day",
                DatePart::Hour => "hour",
                DatePart::Minute => "minute",
                DatePart::Second => "second",
                DatePart::Millisecond => "millisecond",
                DatePart::Microsecond => "microsecond",
            }),
            IrExpr::Neg(x) => {
                self.push("-");
                self.expr_at(x, 8);
            }
            IrExpr::Not(x) => {
                if let IrExpr::Exists(_) = **x {
                    self.push("NOT ");
                    self.expr_inner(x);
                } else {
                    self.push("NOT (");
                    self.expr(x);
                    self.push(")");
                }
            }
            IrExpr::Arith(op, a, b) => {
                let p = prec(e);
                self.expr_at(a, p);
                self.push(match op {
                    Arith::Add => " + ",
                    Arith::Sub => " - ",
                    Arith::Mul => " * ",
                    Arith::Div => " / ",
                    Arith::Rem => " % ",
                });
                self.expr_at(b, p + 1);
            }
            IrExpr::Cmp(op, a, b) => {
                self.expr_at(a, 5);
                self.push(match op {
                    Cmp::Eq => " = ",
                    Cmp::Ne => " <> ",
                    Cmp::Lt => " < ",
                    Cmp::Le => " <= ",
                    Cmp::Gt => " > ",
                    Cmp::Ge => " >= ",
                });
                self.expr_at(b, 5);
            }
            IrExpr::And(a, b) => {
                self.expr_at(a, 2);
                self.push(" AND ");
                self.expr_at(b, 2);
            }
            IrExpr::Or(a, b) => {
                self.expr_at(a, 1);
                self.push(" OR ");
                self.expr_at(b, 1);
            }
            IrExpr::Like(a, p, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " NOT LIKE " } else { " LIKE " });
                self.expr_at(p, 5);
            }
            IrExpr::InList(a, items, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " NOT IN (" } else { " IN (" });
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(it);
                }
                self.push(")");
            }
            IrExpr::InJson(a, slot, ty, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " NOT IN (" } else { " IN (" });
                self.push("SELECT [value] FROM OPENJSON(");
                self.param(*slot);
                let _ = write!(self.out, ") WITH ([value] {} '$'))", json_type(ty));
            }
            IrExpr::InSelect(a, sel, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " NOT IN (" } else { " IN (" });
                self.select(sel, false);
                self.push(")");
            }
            IrExpr::Exists(sel) => {
                self.push("EXISTS (");
                self.select(sel, false);
                self.push(")");
            }
            IrExpr::Between(a, lo, hi, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " NOT BETWEEN " } else { " BETWEEN " });
                self.expr_at(lo, 5);
                self.push(" AND ");
                self.expr_at(hi, 5);
            }
            IrExpr::IsNull(a, neg) => {
                self.expr_at(a, 5);
                self.push(if *neg { " IS NOT NULL" } else { " IS NULL" });
            }
            IrExpr::CountStar(big) => self.push(if *big { "COUNT_BIG(*)" } else { "COUNT(*)" }),
            IrExpr::Call(f, args, distinct) => {
                self.push(func_name(*f));
                self.push("(");
                if *distinct {
                    self.push("DISTINCT ");
                }
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(a);
                }
                self.push(")");
            }
            IrExpr::Cast(x, ty) => {
                self.push("CAST(");
                self.expr(x);
                let _ = write!(self.out, " AS {})", declared(ty));
            }
        }
    }
}

/// The OPENJSON column type for list elements (no legacy LOB types there).
fn json_type(t: &SqlType) -> String {
    match t {
        SqlType::Text => SqlType::VarChar(Length::Max).to_string(),
        SqlType::NText | SqlType::Xml => SqlType::NVarChar(Length::Max).to_string(),
        other => declared(other),
    }
}

fn func_name(f: Func) -> &'static str {
    match f {
        Func::Count => "COUNT",
        Func::CountBig => "COUNT_BIG",
        Func::Sum => "SUM",
        Func::Avg => "AVG",
        Func::Min => "MIN",
        Func::Max => "MAX",
        Func::Len => "LEN",
        Func::Upper => "UPPER",
        Func::Lower => "LOWER",
        Func::LTrim => "LTRIM",
        Func::RTrim => "RTRIM",
        Func::Trim => "TRIM",
        Func::GetDate => "GETDATE",
        Func::GetUtcDate => "GETUTCDATE",
        Func::SysDateTime => "SYSDATETIME",
        Func::SysUtcDateTime => "SYSUTCDATETIME",
        Func::SysDateTimeOffset => "SYSDATETIMEOFFSET",
        Func::DateAdd => "DATEADD",
        Func::DateDiff => "DATEDIFF",
        Func::DateDiffBig => "DATEDIFF_BIG",
        Func::Year => "YEAR",
        Func::Month => "MONTH",
        Func::Day => "DAY",
        Func::Coalesce => "COALESCE",
        Func::IsNull => "ISNULL",
        Func::Abs => "ABS",
        Func::Round => "ROUND",
        Func::Ceiling => "CEILING",
        Func::Floor => "FLOOR",
        Func::Concat => "CONCAT",
        Func::NewId => "NEWID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::tests::schema;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn compile(ts: TokenStream) -> crate::Compiled {
        match crate::compile(ts, &schema()) {
            Ok(c) => c,
            Err(d) => panic!("errors: {:?}", d.messages()),
        }
    }

    fn sql(ts: TokenStream) -> (String, String) {
        let c = compile(ts);
        (c.variants[0].sql.clone(), c.variants[0].param_decls.clone())
    }

    #[test]
    fn parameters_are_numbered_in_order_and_shared_by_name() {
        let c = compile(
            quote!(select users { id } where username == $n || fullname == $f || username == $n),
        );
        let v = &c.variants[0];
        assert!(
            v.sql
                .contains("[username] = @P1 OR [fullname] = @P2 OR [username] = @P1"),
            "{}",
            v.sql
        );
        assert_eq!(v.param_decls, "@P1 varchar(50), @P2 nvarchar(120)");
        assert_eq!(v.args, vec![0, 1]);
    }

    #[test]
    fn optional_filters_make_one_text_per_combination() {
        let c = compile(quote!(select orders { id } where user_id == $u? && total > $t? && id > 0));
        assert_eq!(c.variants.len(), 4);
        let texts: Vec<&str> = c.variants.iter().map(|v| v.sql.as_str()).collect();
        assert!(texts[0].ends_with("WHERE [id] > 0;"), "{}", texts[0]);
        assert!(
            texts[1].contains("[user_id] = @P1 AND [id] > 0"),
            "{}",
            texts[1]
        );
        assert!(
            texts[2].contains("[total] > @P1 AND [id] > 0"),
            "{}",
            texts[2]
        );
        assert!(
            texts[3].contains("[user_id] = @P1 AND [total] > @P2"),
            "{}",
            texts[3]
        );
        // Slots are shared; each variant maps its @Pn to them.
        assert_eq!(c.variants[2].args, vec![1]);
        assert_eq!(c.variants[3].args, vec![0, 1]);
    }

    #[test]
    fn identifiers_are_bracket_quoted() {
        assert_eq!(quote_ident("a]b"), "[a]]b]");
        let (sql, _) = sql(quote!(select users { id } where id == 1));
        assert_eq!(sql, "SELECT [id]\nFROM [dbo].[users]\nWHERE [id] = 1;");
    }

    #[test]
    fn parentheses_follow_precedence() {
        let (text, _) = sql(
            quote!(select orders { (total + 1) * 2 as a, total - (1 - total) as b, total - 1 - 1 as c }),
        );
        assert!(text.contains("([total] + 1) * 2 AS [a]"), "{text}");
        assert!(text.contains("[total] - (1 - [total]) AS [b]"), "{text}");
        assert!(text.contains("[total] - 1 - 1 AS [c]"), "{text}");
        let (text, _) =
            sql(quote!(select orders { id } where (id == 1 || id == 2) && !(total > 5)));
        assert!(
            text.contains("WHERE ([id] = 1 OR [id] = 2) AND NOT ([total] > 5)"),
            "{text}"
        );
    }

    #[test]
    fn strings_are_bound_numbers_inlined() {
        let (sql, decls) = sql(
            quote!(select users { id } where username != "O'Brien; DROP TABLE users" && id > 10),
        );
        assert!(!sql.contains("O'Brien"), "{sql}");
        assert!(sql.contains("[username] <> @P1 AND [id] > 10"), "{sql}");
        assert_eq!(decls, "@P1 varchar(50)");
    }

    #[test]
    fn output_into_a_table_variable_when_triggers() {
        let (sql, _) = sql(quote!(insert accounts { balance: $b } returning { id, row_version }));
        assert!(
            sql.starts_with(
                "DECLARE @output TABLE ([id] int NOT NULL, [row_version] binary(8) NOT NULL);"
            ),
            "{sql}"
        );
        assert!(
            sql.contains(
                "OUTPUT INSERTED.[id], INSERTED.[row_version] INTO @output ([id], [row_version])"
            ),
            "{sql}"
        );
        assert!(
            sql.ends_with("SELECT [id], [row_version] FROM @output;"),
            "{sql}"
        );
    }

    #[test]
    fn merge_is_safe_under_concurrency() {
        let (sql, decls) =
            sql(quote!(upsert users on username { username: $n, fullname: $f } returning id));
        assert!(
            sql.starts_with("MERGE [dbo].[users] WITH (HOLDLOCK) AS [t]"),
            "{sql}"
        );
        assert!(
            sql.contains("WHEN MATCHED THEN UPDATE SET [fullname] = [s].[fullname]"),
            "{sql}"
        );
        assert!(sql.contains("OUTPUT INSERTED.[id];"), "{sql}");
        assert_eq!(decls, "@P1 varchar(50), @P2 nvarchar(120)");
    }

    #[test]
    fn bit_literals_are_bits_where_they_are_values() {
        let (text, _) = sql(quote!(select users { id, true as flag } where id > 1));
        assert!(
            text.starts_with("SELECT [id], CAST(1 AS bit) AS [flag]"),
            "{text}"
        );
        let (text, _) =
            sql(quote!(upsert users on username { username: $n, fullname: $f, email: null }));
        assert!(
            text.contains("VALUES (@P1, @P2, CAST(NULL AS varchar(254)))"),
            "{text}"
        );
    }

    #[test]
    fn correlated_subqueries_in_writes_qualify_the_target() {
        let (text, _) = sql(
            quote!(delete users where !exists (select orders where orders.user_id == users.id)),
        );
        assert_eq!(
            text,
            "DELETE FROM [dbo].[users]\nWHERE NOT EXISTS (SELECT 1 FROM [dbo].[orders] AS [o] WHERE [o].[user_id] = [users].[id]);"
        );
        let (text, _) = sql(
            quote!(update users set { fullname: upper(fullname) } where id in (select orders { user_id } where total > 100)),
        );
        assert!(
            text.contains("SET [fullname] = UPPER([users].[fullname])"),
            "{text}"
        );
    }

    #[test]
    fn lists_and_paging() {
        let (sql, decls) =
            sql(quote!(select users { id } where id in $ids order by id offset $skip limit $take));
        assert!(
            sql.contains("IN (SELECT [value] FROM OPENJSON(@P1) WITH ([value] int '$'))"),
            "{sql}"
        );
        assert!(
            sql.ends_with("OFFSET @P2 ROWS FETCH NEXT @P3 ROWS ONLY;"),
            "{sql}"
        );
        assert_eq!(decls, "@P1 nvarchar(max), @P2 bigint, @P3 bigint");
    }
}
