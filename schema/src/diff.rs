//! Differences between two schemas as a reviewer reads them: objects added
//! and dropped, and for each column or key what changed from what to what.
//! Used by `cargo xtask schema diff` and by the drift check.
//!
//! ```text
//! + table dbo.invoices (3 columns)
//! ~ column dbo.users.username: type changed from nvarchar(50) to nvarchar(120)
//! - foreign key dbo.orders.FK_orders_users: (user_id) references dbo.users (id)
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::model::*;

/// Whether something appeared, disappeared or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Only in the new schema.
    Added,
    /// Only in the old schema.
    Dropped,
    /// In both, different.
    Changed,
}

/// The object a [`Change`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Object {
    /// A schema (`staging`).
    Schema(String),
    /// An alias type.
    Type(QualifiedName),
    /// A base table.
    Table(QualifiedName),
    /// A view.
    View(QualifiedName),
    /// A column of a table or view.
    Column {
        /// The table or view.
        table: QualifiedName,
        /// The column name.
        column: String,
    },
    /// The primary key of a table.
    PrimaryKey(QualifiedName),
    /// A unique constraint, by name (or by its columns when unnamed).
    UniqueKey {
        /// The table.
        table: QualifiedName,
        /// The constraint name or `(columns)`.
        name: String,
    },
    /// A foreign key, by name.
    ForeignKey {
        /// The referencing table.
        table: QualifiedName,
        /// The constraint name.
        name: String,
    },
    /// An index, by name.
    Index {
        /// The table or view.
        table: QualifiedName,
        /// The index name.
        name: String,
    },
    /// Whether the table has triggers.
    Triggers(QualifiedName),
}

impl fmt::Display for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::Schema(s) => write!(f, "schema {s}"),
            Object::Type(n) => write!(f, "type {n}"),
            Object::Table(n) => write!(f, "table {n}"),
            Object::View(n) => write!(f, "view {n}"),
            Object::Column { table, column } => write!(f, "column {table}.{column}"),
            Object::PrimaryKey(t) => write!(f, "primary key of {t}"),
            Object::UniqueKey { table, name } => write!(f, "unique key {table}.{name}"),
            Object::ForeignKey { table, name } => write!(f, "foreign key {table}.{name}"),
            Object::Index { table, name } => write!(f, "index {table}.{name}"),
            Object::Triggers(t) => write!(f, "triggers on {t}"),
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Change {
    /// Added, dropped or changed.
    pub kind: ChangeKind,
    /// What it is about.
    pub object: Object,
    /// The definition (added/dropped), or `<aspect> changed from <old> to
    /// <new>` (changed).
    pub detail: String,
}

impl fmt::Display for Change {
    /// `+ object: detail`, `- object: detail` or `~ object: detail`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Dropped => '-',
            ChangeKind::Changed => '~',
        };
        write!(f, "{sign} {}", self.object)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// All differences from one schema to another, in schema order.
#[derive(Debug, Clone, PartialEq, Eq, std::default::Default)]
pub struct Diff {
    /// The changes, grouped by table in canonical order.
    pub changes: Vec<Change>,
}

impl Diff {
    /// True when the schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Counts by kind: (added, dropped, changed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |k| self.changes.iter().filter(|c| c.kind == k).count();
        (
            n(ChangeKind::Added),
            n(ChangeKind::Dropped),
            n(ChangeKind::Changed),
        )
    }
}

impl fmt::Display for Diff {
    /// One change per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changes {
            writeln!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Compares `old` with `new`.
pub fn diff(old: &Schema, new: &Schema) -> Diff {
    let mut d = Differ::default();
    // Schemas.
    let olds: BTreeMap<String, &String> = old.schemas.iter().map(|s| (fold(s), s)).collect();
    let news: BTreeMap<String, &String> = new.schemas.iter().map(|s| (fold(s), s)).collect();
    for (k, s) in &news {
        if !olds.contains_key(k) {
            d.push(
                ChangeKind::Added,
                Object::Schema((*s).clone()),
                String::new(),
            );
        }
    }
    for (k, s) in &olds {
        if !news.contains_key(k) {
            d.push(
                ChangeKind::Dropped,
                Object::Schema((*s).clone()),
                String::new(),
            );
        }
    }
    // Alias types.
    let oldt: BTreeMap<_, _> = old.types.iter().map(|t| (t.name.key(), t)).collect();
    let newt: BTreeMap<_, _> = new.types.iter().map(|t| (t.name.key(), t)).collect();
    for (k, t) in &newt {
        match oldt.get(k) {
            None => d.push(ChangeKind::Added, Object::Type(t.name.clone()), type_def(t)),
            Some(o) if type_def(o) != type_def(t) => d.changed(
                Object::Type(t.name.clone()),
                "definition",
                type_def(o),
                type_def(t),
            ),
            Some(_) => {}
        }
    }
    for (k, t) in &oldt {
        if !newt.contains_key(k) {
            d.push(
                ChangeKind::Dropped,
                Object::Type(t.name.clone()),
                type_def(t),
            );
        }
    }
    // Tables and views, in canonical order of the union.
    let oldtab: BTreeMap<_, _> = old.tables().iter().map(|t| (t.name.key(), t)).collect();
    let newtab: BTreeMap<_, _> = new.tables().iter().map(|t| (t.name.key(), t)).collect();
    let mut keys: Vec<_> = oldtab.keys().chain(newtab.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        match (oldtab.get(&k), newtab.get(&k)) {
            (None, Some(t)) => d.push(
                ChangeKind::Added,
                table_object(t),
                crate::ddl::plural(t.columns.len(), "column"),
            ),
            (Some(t), None) => d.push(ChangeKind::Dropped, table_object(t), String::new()),
            (Some(a), Some(b)) => d.table(a, b),
            (None, None) => {}
        }
    }
    Diff { changes: d.changes }
}

fn table_object(t: &Table) -> Object {
    match t.kind {
        TableKind::Table => Object::Table(t.name.clone()),
        TableKind::View => Object::View(t.name.clone()),
    }
}

fn type_def(t: &AliasType) -> String {
    format!(
        "{} {}",
        t.base,
        if t.nullable { "null" } else { "not null" }
    )
}

/// An expression in a form where `((0))` equals `(0)` and `GETDATE()` equals
/// `(getdate())`: outer parentheses, case and blanks outside string literals
/// are ignored, as SQL Server rewrites stored definitions that way.
fn norm_expr(e: &str) -> String {
    let mut s = e.trim();
    while crate::text::is_single_group(s) {
        s = s[1..s.len() - 1].trim();
    }
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            // String literals keep their case; bracketed names are compared
            // case-insensitively, as the default collation does.
            Some('\'') => {
                out.push(c);
                if c == '\'' {
                    quote = None;
                }
            }
            Some(q) => {
                out.extend(c.to_lowercase());
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' => {
                    quote = Some('\'');
                    out.push(c);
                }
                '[' => {
                    quote = Some(']');
                    out.push(c);
                }
                c if c.is_whitespace() => {}
                c => out.extend(c.to_lowercase()),
            },
        }
    }
    // Parenthesised numbers, as SQL Server writes `left([sku],(3))`.
    loop {
        let next = unwrap_numbers(&out);
        if next == out {
            return out;
        }
        out = next;
    }
}

/// Replaces `(<number>)` with `<number>` once, outside string literals.
fn unwrap_numbers(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            in_str = !in_str;
        }
        if !in_str && c == b'(' {
            let len = b[i + 1..]
                .iter()
                .take_while(|x| x.is_ascii_digit() || **x == b'.' || **x == b'-')
                .count();
            if len > 0 && b.get(i + 1 + len) == Some(&b')') {
                out.push_str(&s[i + 1..i + 1 + len]);
                i += len + 2;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", c.ty, if c.nullable { "null" } else { "not null" });
    if let Some(id) = c.identity {
        s.push_str(&format!(" identity({},{})", id.seed, id.increment));
    }
    if let Some(comp) = &c.computed {
        s.push_str(&format!(" as {}", comp.expr));
        if comp.persisted {
            s.push_str(" persisted");
        }
    }
    if let Some(g) = c.generated_always {
        s.push_str(match g {
            GeneratedAlways::RowStart => " generated always as row start",
            GeneratedAlways::RowEnd => " generated always as row end",
        });
    }
    if let Some(def) = &c.default {
        s.push_str(&format!(" default {}", def.expr));
    }
    s
}

fn cols(c: &[String]) -> String {
    format!("({})", c.join(", "))
}

/// A key's definition without its name.
fn key_body(k: &Key) -> String {
    let kind = if k.clustered {
        "clustered"
    } else {
        "nonclustered"
    };
    format!("{kind} {}", cols(&k.columns))
}

/// Two lists of named things to compare, with how to match, name and show
/// them.
struct Keyed<'t, T, K, N, B> {
    a: &'t [T],
    b: &'t [T],
    /// The matching key (the folded name).
    key: K,
    /// Whether the item has a name of its own (not one made up from columns).
    named: N,
    /// The definition without the name.
    body: B,
}

fn key_def(k: &Key) -> String {
    let kind = if k.clustered {
        "clustered"
    } else {
        "nonclustered"
    };
    match &k.name {
        Some(n) => format!("{n} {kind} {}", cols(&k.columns)),
        None => format!("{kind} {}", cols(&k.columns)),
    }
}

fn action(a: RefAction) -> &'static str {
    match a {
        RefAction::NoAction => "no action",
        RefAction::Cascade => "cascade",
        RefAction::SetNull => "set null",
        RefAction::SetDefault => "set default",
    }
}

fn fk_def(fk: &ForeignKey) -> String {
    let mut s = format!(
        "{} references {} {}",
        cols(&fk.columns),
        fk.references,
        cols(&fk.referenced_columns)
    );
    if fk.on_delete != RefAction::NoAction {
        s.push_str(&format!(" on delete {}", action(fk.on_delete)));
    }
    if fk.on_update != RefAction::NoAction {
        s.push_str(&format!(" on update {}", action(fk.on_update)));
    }
    s
}

fn index_def(i: &Index) -> String {
    let mut s = String::new();
    if i.unique {
        s.push_str("unique ");
    }
    s.push_str(if i.clustered {
        "clustered ("
    } else {
        "nonclustered ("
    });
    let keys: Vec<String> = i
        .columns
        .iter()
        .map(|(c, desc)| {
            if *desc {
                format!("{c} desc")
            } else {
                c.clone()
            }
        })
        .collect();
    s.push_str(&keys.join(", "));
    s.push(')');
    if !i.include.is_empty() {
        s.push_str(&format!(" include {}", cols(&i.include)));
    }
    if let Some(f) = &i.filter {
        s.push_str(&format!(" where {f}"));
    }
    s
}

#[derive(Default)]
struct Differ {
    changes: Vec<Change>,
}

impl Differ {
    fn push(&mut self, kind: ChangeKind, object: Object, detail: String) {
        self.changes.push(Change {
            kind,
            object,
            detail,
        });
    }

    fn changed(&mut self, object: Object, aspect: &str, from: String, to: String) {
        self.push(
            ChangeKind::Changed,
            object,
            format!("{aspect} changed from {from} to {to}"),
        );
    }

    fn table(&mut self, a: &Table, b: &Table) {
        let name = &b.name;
        if a.kind != b.kind {
            let kind = |t: &Table| match t.kind {
                TableKind::Table => "table".to_string(),
                TableKind::View => "view".to_string(),
            };
            self.changed(table_object(b), "kind", kind(a), kind(b));
        }
        // Columns.
        for cb in &b.columns {
            let col = Object::Column {
                table: name.clone(),
                column: cb.name.clone(),
            };
            let Some(ca) = a.column(&cb.name) else {
                self.push(ChangeKind::Added, col, column_def(cb));
                continue;
            };
            self.column(col, ca, cb);
        }
        for ca in &a.columns {
            if b.column(&ca.name).is_none() {
                let col = Object::Column {
                    table: name.clone(),
                    column: ca.name.clone(),
                };
                self.push(ChangeKind::Dropped, col, column_def(ca));
            }
        }
        let order = |t: &Table, other: &Table| -> Vec<String> {
            t.columns
                .iter()
                .filter(|c| other.column(&c.name).is_some())
                .map(|c| fold(&c.name))
                .collect()
        };
        if order(a, b) != order(b, a) {
            self.push(
                ChangeKind::Changed,
                table_object(b),
                "column order changed (it is the order of SELECT *)".into(),
            );
        }
        // Primary key: a name counts only when both sides have one, as DDL
        // often leaves it to the server to generate.
        let pk = Object::PrimaryKey(name.clone());
        match (&a.primary_key, &b.primary_key) {
            (None, Some(k)) => self.push(ChangeKind::Added, pk, key_def(k)),
            (Some(k), None) => self.push(ChangeKind::Dropped, pk, key_def(k)),
            (Some(x), Some(y)) => {
                if key_body(x) != key_body(y) {
                    self.changed(pk.clone(), "definition", key_body(x), key_body(y));
                }
                if let (Some(nx), Some(ny)) = (&x.name, &y.name)
                    && fold(nx) != fold(ny)
                {
                    self.changed(pk, "name", nx.clone(), ny.clone());
                }
            }
            (None, None) => {}
        }
        // Unique keys, by name or (unnamed) by columns.
        let uname = |k: &Key| k.name.clone().unwrap_or_else(|| cols(&k.columns));
        self.keyed(
            Keyed {
                a: &a.unique_keys,
                b: &b.unique_keys,
                key: |k: &Key| fold(&uname(k)),
                named: |k: &Key| k.name.is_some(),
                body: key_body,
            },
            |k| Object::UniqueKey {
                table: name.clone(),
                name: uname(k),
            },
        );
        self.keyed(
            Keyed {
                a: &a.foreign_keys,
                b: &b.foreign_keys,
                key: |k: &ForeignKey| fold(&k.name),
                named: |_: &ForeignKey| true,
                body: fk_def,
            },
            |k| Object::ForeignKey {
                table: name.clone(),
                name: k.name.clone(),
            },
        );
        self.keyed(
            Keyed {
                a: &a.indexes,
                b: &b.indexes,
                key: |k: &Index| fold(&k.name),
                named: |_: &Index| true,
                body: index_def,
            },
            |k| Object::Index {
                table: name.clone(),
                name: k.name.clone(),
            },
        );
        if a.has_triggers != b.has_triggers {
            let (kind, detail) = if b.has_triggers {
                (
                    ChangeKind::Added,
                    "the table now has triggers (OUTPUT needs INTO)",
                )
            } else {
                (ChangeKind::Dropped, "the table no longer has triggers")
            };
            self.push(kind, Object::Triggers(name.clone()), detail.into());
        }
    }

    /// Compares named things (keys, foreign keys, indexes) matched by
    /// `key`. What is only on one side is added or dropped, unless the other
    /// side has one with the same definition under another name: that is a
    /// rename (reported only when both are named).
    fn keyed<T>(
        &mut self,
        k: Keyed<'_, T, impl Fn(&T) -> String, impl Fn(&T) -> bool, impl Fn(&T) -> String>,
        object: impl Fn(&T) -> Object,
    ) {
        let am: BTreeMap<String, &T> = k.a.iter().map(|x| ((k.key)(x), x)).collect();
        let bm: BTreeMap<String, &T> = k.b.iter().map(|x| ((k.key)(x), x)).collect();
        let same = |x: &T, y: &T| norm_expr(&(k.body)(x)) == norm_expr(&(k.body)(y));
        let mut added: Vec<&T> = Vec::new();
        for (key, y) in &bm {
            match am.get(key) {
                None => added.push(y),
                Some(x) if !same(x, y) => {
                    self.changed(object(y), "definition", (k.body)(x), (k.body)(y))
                }
                Some(_) => {}
            }
        }
        let dropped: Vec<&T> = am
            .iter()
            .filter(|(key, _)| !bm.contains_key(*key))
            .map(|(_, x)| *x)
            .collect();
        let mut renamed_to = vec![false; added.len()];
        for x in dropped {
            let pair = (0..added.len()).find(|&i| !renamed_to[i] && same(x, added[i]));
            match pair {
                Some(i) => {
                    renamed_to[i] = true;
                    let y = added[i];
                    if (k.named)(x) && (k.named)(y) {
                        let (ox, oy) = (object(x), object(y));
                        let old_name = match &ox {
                            Object::UniqueKey { name, .. }
                            | Object::ForeignKey { name, .. }
                            | Object::Index { name, .. } => name.clone(),
                            other => other.to_string(),
                        };
                        let new_name = match &oy {
                            Object::UniqueKey { name, .. }
                            | Object::ForeignKey { name, .. }
                            | Object::Index { name, .. } => name.clone(),
                            other => other.to_string(),
                        };
                        self.changed(oy, "name", old_name, new_name);
                    }
                }
                None => self.push(ChangeKind::Dropped, object(x), (k.body)(x)),
            }
        }
        for (i, y) in added.into_iter().enumerate() {
            if !renamed_to[i] {
                self.push(ChangeKind::Added, object(y), (k.body)(y));
            }
        }
    }

    fn column(&mut self, obj: Object, a: &Column, b: &Column) {
        if a.ty != b.ty {
            self.changed(obj.clone(), "type", a.ty.to_string(), b.ty.to_string());
        }
        if a.nullable != b.nullable {
            let n = |x: bool| if x { "null" } else { "not null" }.to_string();
            self.changed(obj.clone(), "nullability", n(a.nullable), n(b.nullable));
        }
        if a.alias_type != b.alias_type {
            let n = |x: &Option<QualifiedName>| x.as_ref().map_or("none".into(), |q| q.to_string());
            self.changed(
                obj.clone(),
                "alias type",
                n(&a.alias_type),
                n(&b.alias_type),
            );
        }
        if a.identity != b.identity {
            let n = |x: Option<Identity>| {
                x.map_or("none".into(), |i| {
                    format!("identity({},{})", i.seed, i.increment)
                })
            };
            self.changed(obj.clone(), "identity", n(a.identity), n(b.identity));
        }
        let comp = |c: &Column| {
            c.computed
                .as_ref()
                .map(|x| (norm_expr(&x.expr), x.persisted))
        };
        if comp(a) != comp(b) {
            let n = |c: &Column| {
                c.computed.as_ref().map_or("none".into(), |x| {
                    format!("{}{}", x.expr, if x.persisted { " persisted" } else { "" })
                })
            };
            self.changed(obj.clone(), "computed definition", n(a), n(b));
        }
        let dflt = |c: &Column| c.default.as_ref().map(|d| norm_expr(&d.expr));
        if dflt(a) != dflt(b) {
            let n = |c: &Column| c.default.as_ref().map_or("none".into(), |d| d.expr.clone());
            self.changed(obj.clone(), "default", n(a), n(b));
        } else {
            let name = |c: &Column| c.default.as_ref().and_then(|d| d.name.clone());
            if name(a) != name(b) {
                let n = |c: &Column| name(c).unwrap_or_else(|| "unnamed".into());
                self.changed(obj.clone(), "default constraint name", n(a), n(b));
            }
        }
        if a.collation != b.collation {
            let n = |x: &Option<String>| x.clone().unwrap_or_else(|| "database default".into());
            self.changed(obj.clone(), "collation", n(&a.collation), n(&b.collation));
        }
        if a.rowguidcol != b.rowguidcol {
            self.changed(
                obj.clone(),
                "rowguidcol",
                a.rowguidcol.to_string(),
                b.rowguidcol.to_string(),
            );
        }
        if a.generated_always != b.generated_always {
            let n = |g: Option<GeneratedAlways>| match g {
                None => "none",
                Some(GeneratedAlways::RowStart) => "row start",
                Some(GeneratedAlways::RowEnd) => "row end",
            };
            self.changed(
                obj,
                "generated always",
                n(a.generated_always).into(),
                n(b.generated_always).into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_default_spellings_are_equal() {
        assert_eq!(norm_expr("((0))"), norm_expr("(0)"));
        assert_eq!(norm_expr("(getdate())"), norm_expr("GETDATE ( )"));
        assert_eq!(
            norm_expr("(left([sku],(3)))"),
            norm_expr("(LEFT([sku], 3))")
        );
        assert_ne!(norm_expr("('A')"), norm_expr("('a')"));
        assert_ne!(norm_expr("((a+b)*c)"), norm_expr("(a+(b*c))"));
    }
}
