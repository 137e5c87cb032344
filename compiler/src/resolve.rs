//! Stage 2, `resolve`: names → schema objects. Finds tables (with the closest
//! names suggested when one is unknown), allocates the aliases lowering will
//! write, resolves column references through nested scopes (subqueries see
//! their outer query), and finds join paths along the snapshot's foreign keys.

use std::collections::HashSet;

use proc_macro2::{Ident, Span};
use quarry_schema::model::{Schema, SqlType, Table, TableKind};

use crate::diag::{Diagnostics, closest, did_you_mean};
use crate::syntax::{self, ExprKind, ProjItem, Select, SourceKind, TableName};

/// A column as a source exposes it.
#[derive(Debug, Clone)]
pub struct ColInfo {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: SqlType,
    /// Nullability as declared (before outer joins).
    pub nullable: bool,
}

/// A source visible in a scope.
#[derive(Debug, Clone)]
pub struct SourceInfo<'s> {
    /// The name the DSL refers to it by (alias or table name).
    pub lookup: String,
    /// The table name, when the source is an aliased table (for hints).
    pub table_name: Option<String>,
    /// The qualifier lowering writes, when the statement needs qualifiers.
    pub qualifier: Option<String>,
    /// The schema table, for base tables and views.
    pub table: Option<&'s Table>,
    /// Its columns.
    pub columns: Vec<ColInfo>,
    /// Left-joined: every column may be NULL.
    pub nullable: bool,
    /// For messages: `dbo.users` or `derived table m`.
    pub display: String,
}

/// A resolved column reference.
#[derive(Debug, Clone)]
pub struct ColRef {
    /// The qualifier to write.
    pub qualifier: Option<String>,
    /// The column name as declared.
    pub name: String,
    /// Its type.
    pub ty: SqlType,
    /// Nullable, including outer-join nullability.
    pub nullable: bool,
    /// Scope depth (0 = outermost).
    pub level: usize,
    /// Source index within that level.
    pub source: usize,
}

/// Name resolution state for one statement.
pub struct Resolver<'s> {
    /// The snapshot.
    pub schema: &'s Schema,
    /// Scopes, outermost first.
    pub levels: Vec<Vec<SourceInfo<'s>>>,
    /// Whether columns must be qualified (joins or subqueries present).
    pub qualify: bool,
    used: HashSet<String>,
    reserved: HashSet<String>,
}

impl<'s> Resolver<'s> {
    /// A resolver for a statement; `qualify` from [`needs_qualifiers`],
    /// `reserved` the user's own aliases (auto aliases avoid them).
    pub fn new(schema: &'s Schema, qualify: bool, reserved: HashSet<String>) -> Self {
        Resolver {
            schema,
            levels: Vec::new(),
            qualify,
            used: HashSet::new(),
            reserved,
        }
    }

    /// Looks a table up, reporting an unknown one with suggestions.
    pub fn table(&self, diag: &mut Diagnostics, name: &TableName) -> Option<&'s Table> {
        let schema_name = name.schema.as_ref().map(|s| s.to_string());
        let table_name = name.name.to_string();
        if let Some(t) = self.schema.table(schema_name.as_deref(), &table_name) {
            return Some(t);
        }
        if let Some(s) = &schema_name
            && !self
                .schema
                .schemas
                .iter()
                .any(|x| x.eq_ignore_ascii_case(s))
        {
            let names: Vec<&str> = self.schema.schemas.iter().map(String::as_str).collect();
            let sugg = closest(s, names);
            diag.error(
                name.schema.as_ref().map_or(name.name.span(), Ident::span),
                format!("no schema `{s}` in the snapshot{}", did_you_mean(&sugg)),
            );
            return None;
        }
        let qualified: Vec<String> = self
            .schema
            .tables()
            .iter()
            .map(|t| {
                if t.name.schema.eq_ignore_ascii_case("dbo") && schema_name.is_none() {
                    t.name.name.clone()
                } else {
                    t.name.to_string()
                }
            })
            .collect();
        let wanted = match &schema_name {
            Some(s) => format!("{s}.{table_name}"),
            None => table_name.clone(),
        };
        let mut sugg = closest(&wanted, qualified.iter().map(String::as_str));
        if sugg.is_empty() {
            // `sales_tmp` written without its schema: point at `staging.sales_tmp`.
            let other: Vec<&str> = qualified
                .iter()
                .filter(|q| {
                    q.rsplit('.')
                        .next()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&table_name))
                })
                .map(String::as_str)
                .collect();
            sugg = other;
        }
        let in_schema = schema_name.as_deref().unwrap_or("dbo");
        diag.error(
            name.span(),
            format!(
                "no table or view `{table_name}` in schema `{in_schema}` of the snapshot{}",
                did_you_mean(&sugg)
            ),
        );
        None
    }

    /// Opens a nested scope.
    pub fn push_level(&mut self) {
        self.levels.push(Vec::new());
    }

    /// Closes the innermost scope.
    pub fn pop_level(&mut self) {
        self.levels.pop();
    }

    /// The innermost scope's sources.
    pub fn current(&self) -> &[SourceInfo<'s>] {
        self.levels.last().map_or(&[], Vec::as_slice)
    }

    /// The alias to write for a new source: the user's, or a short one made
    /// from the table name's initials when the statement needs qualifiers.
    pub fn alias(&mut self, base: &str, user: Option<&Ident>) -> Option<String> {
        if let Some(u) = user {
            let a = u.to_string();
            self.used.insert(a.to_lowercase());
            return Some(a);
        }
        if !self.qualify {
            return None;
        }
        let mut initials: String = base
            .split('_')
            .filter_map(|p| p.chars().next())
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if initials.is_empty() {
            initials.push('t');
        }
        let mut candidate = initials.clone();
        let mut n = 2;
        while self.used.contains(&candidate) || self.reserved.contains(&candidate) {
            candidate = format!("{initials}{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        Some(candidate)
    }

    /// Adds a source to the innermost scope, reporting a duplicate name.
    pub fn add_source(
        &mut self,
        diag: &mut Diagnostics,
        span: Span,
        source: SourceInfo<'s>,
    ) -> usize {
        let Some(level) = self.levels.last_mut() else {
            return 0;
        };
        if level
            .iter()
            .any(|s| s.lookup.eq_ignore_ascii_case(&source.lookup))
        {
            diag.error(
                span,
                format!(
                    "`{}` appears twice in this query; give one of them an alias (`{} as x`)",
                    source.lookup, source.lookup
                ),
            );
        }
        level.push(source);
        level.len() - 1
    }

    fn make_ref(&self, level: usize, source: usize, col: &ColInfo) -> ColRef {
        let s = &self.levels[level][source];
        ColRef {
            qualifier: s.qualifier.clone(),
            name: col.name.clone(),
            ty: col.ty,
            nullable: col.nullable || s.nullable,
            level,
            source,
        }
    }

    /// Resolves `col`, `source.col` or `schema.table.col`.
    pub fn column(&self, diag: &mut Diagnostics, parts: &[Ident]) -> Option<ColRef> {
        match parts {
            [col] => self.unqualified(diag, col),
            [q, col] => self.qualified(diag, None, q, col),
            [s, t, col] => self.qualified(diag, Some(s), t, col),
            _ => {
                let span = parts.first().map_or(Span::call_site(), Ident::span);
                diag.error(
                    span,
                    "expected `column`, `source.column` or `schema.table.column`",
                );
                None
            }
        }
    }

    fn unqualified(&self, diag: &mut Diagnostics, col: &Ident) -> Option<ColRef> {
        let name = col.to_string();
        for level in (0..self.levels.len()).rev() {
            let hits: Vec<(usize, &ColInfo)> = self.levels[level]
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    s.columns
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(&name))
                        .map(|c| (i, c))
                })
                .collect();
            match hits.as_slice() {
                [] => continue,
                [(i, c)] => return Some(self.make_ref(level, *i, c)),
                many => {
                    let names: Vec<String> = many
                        .iter()
                        .map(|(i, c)| format!("`{}.{}`", self.levels[level][*i].lookup, c.name))
                        .collect();
                    diag.error(
                        col.span(),
                        format!(
                            "column `{name}` is ambiguous: it is in more than one source of this query; write {}",
                            names.join(" or ")
                        ),
                    );
                    return None;
                }
            }
        }
        let current = self.current();
        let candidates: Vec<&str> = current
            .iter()
            .flat_map(|s| s.columns.iter().map(|c| c.name.as_str()))
            .collect();
        let sugg = closest(&name, candidates);
        let where_ = if current.is_empty() {
            "this position (no table is in scope here)".to_owned()
        } else {
            current
                .iter()
                .map(|s| format!("`{}`", s.display))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        diag.error(
            col.span(),
            format!("no column `{name}` in {where_}{}", did_you_mean(&sugg)),
        );
        None
    }

    fn qualified(
        &self,
        diag: &mut Diagnostics,
        schema: Option<&Ident>,
        q: &Ident,
        col: &Ident,
    ) -> Option<ColRef> {
        let qn = q.to_string();
        let sn = schema.map(|s| s.to_string());
        for level in (0..self.levels.len()).rev() {
            for (i, s) in self.levels[level].iter().enumerate() {
                let matches = match &sn {
                    None => s.lookup.eq_ignore_ascii_case(&qn),
                    Some(sn) => {
                        s.table.is_some_and(|t| {
                            t.name.schema.eq_ignore_ascii_case(sn)
                                && t.name.name.eq_ignore_ascii_case(&qn)
                        }) && s.lookup.eq_ignore_ascii_case(&qn)
                    }
                };
                if !matches {
                    continue;
                }
                let name = col.to_string();
                if let Some(c) = s
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&name))
                {
                    return Some(self.make_ref(level, i, c));
                }
                let sugg = closest(&name, s.columns.iter().map(|c| c.name.as_str()));
                diag.error(
                    col.span(),
                    format!(
                        "no column `{name}` in `{}`{}",
                        s.display,
                        did_you_mean(&sugg)
                    ),
                );
                return None;
            }
        }
        // An aliased table referred to by its table name.
        for level in self.levels.iter().rev() {
            if let Some(s) = level.iter().find(|s| {
                s.table_name
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&qn))
            }) {
                diag.error(
                    q.span(),
                    format!(
                        "`{qn}` is aliased as `{}` in this query; write `{}.{col}`",
                        s.lookup, s.lookup
                    ),
                );
                return None;
            }
        }
        let names: Vec<&str> = self
            .levels
            .iter()
            .flat_map(|l| l.iter().map(|s| s.lookup.as_str()))
            .collect();
        let sugg = closest(&qn, names.iter().copied());
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        diag.error(
            q.span(),
            format!(
                "no table or alias `{qn}` in this query (its sources are {list}){}",
                did_you_mean(&sugg)
            ),
        );
        None
    }

    /// Finds the foreign key joining the newest source of the innermost scope
    /// to one of the earlier ones. Returns column pairs `(new, earlier)`.
    pub fn fk_join(&self, diag: &mut Diagnostics, span: Span) -> Option<Vec<(ColRef, ColRef)>> {
        let level = self.levels.len().checked_sub(1)?;
        let sources = &self.levels[level];
        let new_idx = sources.len().checked_sub(1)?;
        let new = &sources[new_idx];
        let Some(new_table) = new.table else {
            diag.error(
                span,
                format!(
                    "a derived table is joined without `on`; write `join (..) as {} on ..`",
                    new.lookup
                ),
            );
            return None;
        };
        let mut candidates = Vec::new();
        for (i, s) in sources[..new_idx].iter().enumerate() {
            let Some(t) = s.table else { continue };
            for fk in self.schema.foreign_keys_between(new_table, t) {
                if std::ptr::eq(new_table, t) {
                    // A self reference can be followed either way (reports or
                    // managers): both are candidates, so `on` must decide.
                    candidates.push((i, fk, true));
                    candidates.push((i, fk, false));
                } else {
                    candidates.push((i, fk, std::ptr::eq(fk.from, new_table)));
                }
            }
        }
        match candidates.as_slice() {
            [] => {
                let mut keys: Vec<String> = Vec::new();
                for fk in &new_table.foreign_keys {
                    keys.push(format!(
                        "`{}` ({} → {})",
                        fk.name,
                        fk.columns.join(", "),
                        fk.references
                    ));
                }
                for t in self.schema.tables() {
                    for fk in &t.foreign_keys {
                        if fk.references.key() == new_table.name.key() {
                            keys.push(format!(
                                "`{}` ({}.{} → {})",
                                fk.name,
                                t.name,
                                fk.columns.join(", "),
                                new_table.name
                            ));
                        }
                    }
                }
                let existing = if keys.is_empty() {
                    format!("`{}` has no foreign keys at all", new_table.name)
                } else {
                    format!(
                        "the foreign keys of `{}` are {}",
                        new_table.name,
                        keys.join(", ")
                    )
                };
                let earlier: Vec<String> = sources[..new_idx]
                    .iter()
                    .map(|s| format!("`{}`", s.display))
                    .collect();
                diag.error(
                    span,
                    format!(
                        "no foreign key between `{}` and {}; {existing}. Join explicitly: `join {} on {}.column == ..`",
                        new.display,
                        earlier.join(", "),
                        new.lookup,
                        new.lookup
                    ),
                );
                None
            }
            [(i, fk, from_is_new)] => {
                let other = &sources[*i];
                let mut pairs = Vec::new();
                for (c, rc) in fk.fk.columns.iter().zip(&fk.fk.referenced_columns) {
                    let (new_col, old_col) = if *from_is_new { (c, rc) } else { (rc, c) };
                    let nc = new
                        .columns
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case(new_col))?;
                    let oc = other
                        .columns
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case(old_col))?;
                    pairs.push((
                        self.make_ref(level, new_idx, nc),
                        self.make_ref(level, *i, oc),
                    ));
                }
                Some(pairs)
            }
            many => {
                let mut names: Vec<String> = Vec::new();
                let mut fixes: Vec<String> = Vec::new();
                for (i, fk, from_is_new) in many {
                    names.push(format!(
                        "`{}` ({}.{} → {}.{})",
                        fk.fk.name,
                        fk.from.name,
                        fk.fk.columns.join(", "),
                        fk.to.name,
                        fk.fk.referenced_columns.join(", ")
                    ));
                    let other = &sources[*i].lookup;
                    let (nc, oc) = if *from_is_new {
                        (&fk.fk.columns, &fk.fk.referenced_columns)
                    } else {
                        (&fk.fk.referenced_columns, &fk.fk.columns)
                    };
                    let on: Vec<String> = nc
                        .iter()
                        .zip(oc)
                        .map(|(a, b)| format!("{}.{a} == {other}.{b}", new.lookup))
                        .collect();
                    fixes.push(format!("`on {}`", on.join(" && ")));
                }
                names.dedup();
                diag.error(
                    span,
                    format!(
                        "several foreign keys could join `{}`: {}; say which one with `on`: {}",
                        new.display,
                        names.join(", "),
                        fixes.join(" or ")
                    ),
                );
                None
            }
        }
    }

    /// A source for a table (columns from the snapshot).
    pub fn table_source(&mut self, table: &'s Table, user_alias: Option<&Ident>) -> SourceInfo<'s> {
        let qualifier = self.alias(&table.name.name, user_alias);
        SourceInfo {
            lookup: user_alias.map_or_else(|| table.name.name.clone(), Ident::to_string),
            table_name: user_alias.map(|_| table.name.name.clone()),
            qualifier: qualifier.map(|q| {
                if user_alias.is_some() {
                    q
                } else {
                    q.to_string()
                }
            }),
            table: Some(table),
            columns: table
                .columns
                .iter()
                .map(|c| ColInfo {
                    name: c.name.clone(),
                    ty: c.ty,
                    nullable: c.nullable,
                })
                .collect(),
            nullable: false,
            display: if table.kind == TableKind::View {
                format!("view {}", table.name)
            } else {
                table.name.to_string()
            },
        }
    }
}

/// True when the statement needs qualified column names: it has a join, a
/// derived table or a subquery.
pub fn needs_qualifiers(stmt: &syntax::Stmt) -> bool {
    match stmt {
        syntax::Stmt::Select(s) => select_is_complex(s),
        syntax::Stmt::Insert(_) | syntax::Stmt::Upsert(_) => false,
        syntax::Stmt::Update(u) => u.where_.as_ref().is_some_and(expr_has_subquery),
        syntax::Stmt::Delete(d) => d.where_.as_ref().is_some_and(expr_has_subquery),
    }
}

fn select_is_complex(s: &Select) -> bool {
    !s.joins.is_empty()
        || matches!(s.from.kind, SourceKind::Derived(..))
        || s.where_.as_ref().is_some_and(expr_has_subquery)
        || s.having.as_ref().is_some_and(|(_, e)| expr_has_subquery(e))
        || s.projection.as_ref().is_some_and(|p| {
            p.iter().any(|i| match i {
                ProjItem::Expr { expr, .. } => expr_has_subquery(expr),
                ProjItem::Wildcard { .. } => false,
            })
        })
}

fn expr_has_subquery(e: &syntax::Expr) -> bool {
    match &e.kind {
        ExprKind::Exists(_) | ExprKind::InSelect { .. } => true,
        ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::Paren(x) => expr_has_subquery(x),
        ExprKind::Binary(_, a, b) => expr_has_subquery(a) || expr_has_subquery(b),
        ExprKind::Like { expr, pattern, .. } => {
            expr_has_subquery(expr) || expr_has_subquery(pattern)
        }
        ExprKind::InList { expr, items, .. } => {
            expr_has_subquery(expr) || items.iter().any(expr_has_subquery)
        }
        ExprKind::InParam { expr, .. }
        | ExprKind::IsNull { expr, .. }
        | ExprKind::Cast { expr, .. } => expr_has_subquery(expr),
        ExprKind::Between {
            expr, low, high, ..
        } => expr_has_subquery(expr) || expr_has_subquery(low) || expr_has_subquery(high),
        ExprKind::Call { args, .. } => args.iter().any(expr_has_subquery),
        ExprKind::Column(_)
        | ExprKind::Param(_)
        | ExprKind::Int(_)
        | ExprKind::Number(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Null => false,
    }
}

/// The aliases the user wrote anywhere in a statement.
pub fn user_aliases(stmt: &syntax::Stmt) -> HashSet<String> {
    let mut out = HashSet::new();
    if let syntax::Stmt::Select(s) = stmt {
        collect_aliases(s, &mut out);
    }
    out
}

fn collect_aliases(s: &Select, out: &mut HashSet<String>) {
    let sources = std::iter::once(&s.from).chain(s.joins.iter().map(|j| &j.source));
    for src in sources {
        if let Some(a) = &src.alias {
            out.insert(a.to_string().to_lowercase());
        }
        if let SourceKind::Derived(inner, _) = &src.kind {
            collect_aliases(inner, out);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use quarry_schema::model::{
        Column, Default as ColDefault, ForeignKey, Identity, Key, Length, QualifiedName, RefAction,
    };

    /// A small schema like the repository's test schema, built in code.
    pub fn schema() -> Schema {
        let id = |name: &str| {
            let mut c = Column::new(name, SqlType::Int, false);
            c.identity = Some(Identity {
                seed: 1,
                increment: 1,
            });
            c
        };
        let fk = |name: &str, col: &str, to: &str| ForeignKey {
            name: name.into(),
            columns: vec![col.into()],
            references: QualifiedName::new("dbo", to),
            referenced_columns: vec!["id".into()],
            on_delete: RefAction::NoAction,
            on_update: RefAction::NoAction,
        };
        let pk = |c: &str| {
            Some(Key {
                name: None,
                columns: vec![c.into()],
                clustered: true,
            })
        };

        let mut users = Table::new(QualifiedName::new("dbo", "users"));
        users.columns = vec![
            id("id"),
            Column::new("username", SqlType::VarChar(Length::Fixed(50)), false),
            Column::new("fullname", SqlType::NVarChar(Length::Fixed(120)), false),
            Column::new("email", SqlType::VarChar(Length::Fixed(254)), true),
            {
                let mut c = Column::new("created_at", SqlType::DateTime2 { scale: 3 }, false);
                c.default = Some(ColDefault {
                    name: None,
                    expr: "(sysutcdatetime())".into(),
                });
                c
            },
        ];
        users.primary_key = pk("id");
        users.unique_keys = vec![Key {
            name: Some("UQ_users_username".into()),
            columns: vec!["username".into()],
            clustered: false,
        }];

        let mut orders = Table::new(QualifiedName::new("dbo", "orders"));
        orders.columns = vec![
            id("id"),
            Column::new("user_id", SqlType::Int, false),
            Column::new(
                "total",
                SqlType::Decimal {
                    precision: 10,
                    scale: 2,
                },
                false,
            ),
            {
                let mut c = Column::new("created_at", SqlType::DateTime2 { scale: 3 }, false);
                c.default = Some(ColDefault {
                    name: None,
                    expr: "(sysutcdatetime())".into(),
                });
                c
            },
            Column::new("note", SqlType::NVarChar(Length::Max), true),
        ];
        orders.primary_key = pk("id");
        orders.foreign_keys = vec![fk("FK_orders_users", "user_id", "users")];

        let mut emp = Table::new(QualifiedName::new("dbo", "employees"));
        emp.columns = vec![
            id("id"),
            Column::new("name", SqlType::NVarChar(Length::Fixed(100)), false),
            Column::new("manager_id", SqlType::Int, true),
        ];
        emp.primary_key = pk("id");
        emp.foreign_keys = vec![fk("FK_employees_manager", "manager_id", "employees")];

        let mut msgs = Table::new(QualifiedName::new("dbo", "messages"));
        msgs.columns = vec![
            id("id"),
            Column::new("sender_id", SqlType::Int, false),
            Column::new("recipient_id", SqlType::Int, false),
            Column::new("body", SqlType::NVarChar(Length::Max), false),
        ];
        msgs.primary_key = pk("id");
        msgs.foreign_keys = vec![
            fk("FK_messages_recipient", "recipient_id", "users"),
            fk("FK_messages_sender", "sender_id", "users"),
        ];

        let mut accounts = Table::new(QualifiedName::new("dbo", "accounts"));
        accounts.columns = vec![
            id("id"),
            Column::new(
                "balance",
                SqlType::Decimal {
                    precision: 18,
                    scale: 2,
                },
                false,
            ),
            Column::new("row_version", SqlType::RowVersion, false),
        ];
        accounts.primary_key = pk("id");
        accounts.has_triggers = true;

        let mut tags = Table::new(QualifiedName::new("dbo", "tags"));
        tags.columns = vec![
            id("id"),
            Column::new("name", SqlType::NVarChar(Length::Fixed(50)), false),
        ];
        tags.primary_key = pk("id");

        let mut org = Table::new(QualifiedName::new("dbo", "org"));
        org.columns = vec![
            id("id"),
            Column::new(
                "node",
                SqlType::Clr(quarry_schema::model::ClrType::HierarchyId),
                false,
            ),
        ];

        Schema::new(
            vec![],
            vec![],
            vec![users, orders, emp, msgs, accounts, tags, org],
        )
        .expect("valid schema")
    }

    fn ident(s: &str) -> Ident {
        Ident::new(s, Span::call_site())
    }

    #[test]
    fn unknown_table_suggests() {
        let s = schema();
        let r = Resolver::new(&s, false, HashSet::new());
        let mut d = Diagnostics::new();
        let t = r.table(
            &mut d,
            &TableName {
                schema: None,
                name: ident("userz"),
            },
        );
        assert!(t.is_none());
        assert!(
            d.messages()[0].contains("did you mean `users`"),
            "{:?}",
            d.messages()
        );
    }

    #[test]
    fn columns_and_ambiguity() {
        let s = schema();
        let mut r = Resolver::new(&s, true, HashSet::new());
        let mut d = Diagnostics::new();
        r.push_level();
        let u = r.table_source(s.table(None, "users").expect("users"), None);
        r.add_source(&mut d, Span::call_site(), u);
        let o = r.table_source(s.table(None, "orders").expect("orders"), None);
        r.add_source(&mut d, Span::call_site(), o);
        let c = r.column(&mut d, &[ident("total")]).expect("total");
        assert_eq!(c.qualifier.as_deref(), Some("o"));
        assert!(r.column(&mut d, &[ident("id")]).is_none());
        assert!(d.messages()[0].contains("ambiguous"), "{:?}", d.messages());
        let pairs = r.fk_join(&mut d, Span::call_site()).expect("fk");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].0.name, "user_id");
        assert_eq!(pairs[0].1.name, "id");
        assert!(r.column(&mut d, &[ident("usrs"), ident("id")]).is_none());
        assert!(
            d.messages()[1].contains("did you mean `u`") || d.messages()[1].contains("`users`"),
            "{:?}",
            d.messages()
        );
    }

    #[test]
    fn several_fks_ask_for_on() {
        let s = schema();
        let mut r = Resolver::new(&s, true, HashSet::new());
        let mut d = Diagnostics::new();
        r.push_level();
        let u = r.table_source(s.table(None, "users").expect("users"), None);
        r.add_source(&mut d, Span::call_site(), u);
        let m = r.table_source(s.table(None, "messages").expect("messages"), None);
        r.add_source(&mut d, Span::call_site(), m);
        assert!(r.fk_join(&mut d, Span::call_site()).is_none());
        let msg = &d.messages()[0];
        assert!(
            msg.contains("FK_messages_sender")
                && msg.contains("FK_messages_recipient")
                && msg.contains("`on`"),
            "{msg}"
        );
    }

    #[test]
    fn no_fk_lists_keys() {
        let s = schema();
        let mut r = Resolver::new(&s, true, HashSet::new());
        let mut d = Diagnostics::new();
        r.push_level();
        let u = r.table_source(s.table(None, "tags").expect("tags"), None);
        r.add_source(&mut d, Span::call_site(), u);
        let o = r.table_source(s.table(None, "orders").expect("orders"), None);
        r.add_source(&mut d, Span::call_site(), o);
        assert!(r.fk_join(&mut d, Span::call_site()).is_none());
        let msg = &d.messages()[0];
        assert!(
            msg.contains("no foreign key") && msg.contains("FK_orders_users"),
            "{msg}"
        );
    }

    #[test]
    fn aliases_are_initials_and_unique() {
        let s = schema();
        let mut r = Resolver::new(&s, true, ["u".to_owned()].into_iter().collect());
        assert_eq!(r.alias("users", None).as_deref(), Some("u2"));
        assert_eq!(r.alias("post_tags", None).as_deref(), Some("pt"));
        assert_eq!(r.alias("post_tags", None).as_deref(), Some("pt2"));
    }
}
