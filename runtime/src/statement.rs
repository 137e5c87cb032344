//! Static statement descriptors: what the `query!` macro expands to. One
//! [`Statement`] per SQL text the program can send; all of them are listed in
//! [`STATEMENTS`] so a test or a DBA can walk the whole inventory.

use crate::{Error, Param};

/// What a statement does, for tracing and inventories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// `SELECT`
    Select,
    /// `INSERT`
    Insert,
    /// `UPDATE`
    Update,
    /// `DELETE`
    Delete,
    /// `MERGE` (an upsert)
    Merge,
}

/// A result column as the compiler typed it from the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultColumn {
    /// The column name in the result set.
    pub name: &'static str,
    /// The SQL type as T-SQL spells it, e.g. `nvarchar(50)`.
    pub sql_type: &'static str,
    /// Whether the column can be NULL in this result (after joins and
    /// aggregates).
    pub nullable: bool,
}

/// A compile-time-checked T-SQL statement: text, parameter declarations and
/// result shape, all `'static`. Built only by the `query!` family of macros.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Statement {
    /// A stable name: `<module path>::<name>` for a named query
    /// (`query!(recent_users: select ..)`), `<module path>:L<line>` otherwise.
    /// It is also written in the SQL's leading comment so a DBA finds the
    /// statement in Query Store.
    pub id: &'static str,
    /// Index of this variant among the statements of one `query!` (optional
    /// filters give several), `0` when there is only one.
    pub variant: u16,
    /// The full T-SQL text, byte-identical on every call (plan-cache friendly).
    pub sql: &'static str,
    /// The `sp_executesql` parameter declaration list, e.g.
    /// `@P1 varchar(20), @P2 int`; empty when there are no parameters.
    pub param_decls: &'static str,
    /// For each `@Pn` in order, the index of its value in the argument array
    /// the macro builds at the call site (several variants share one array).
    pub args: &'static [u16],
    /// Result columns, in order; empty for statements without a result set.
    pub columns: &'static [ResultColumn],
    /// What the statement does.
    pub kind: StatementKind,
    /// Source file of the `query!` invocation.
    pub file: &'static str,
    /// Source line of the `query!` invocation.
    pub line: u32,
}

/// Every statement of the program (all crates linked into the binary), for
/// snapshot tests and the DBA's inventory. Order is unspecified: sort by
/// `(id, variant)`.
#[linkme::distributed_slice]
pub static STATEMENTS: [&'static Statement];

/// All registered statements sorted by `(id, variant)`.
pub fn statements() -> Vec<&'static Statement> {
    let mut all: Vec<_> = STATEMENTS.iter().copied().collect();
    all.sort_by_key(|s| (s.id, s.variant));
    all
}

/// Decodes one row of a statement's result into `R`.
pub type Decoder<R> = fn(&tiberius::Row, &'static Statement) -> Result<R, Error>;

/// A statement ready to run: the chosen static variant, its argument values
/// and the row decoder. Built by the macro at the call site; run with
/// `fetch_all`, `fetch_one`, `fetch_optional`, `fetch` or `execute`.
pub struct Query<'a, R> {
    /// The statement variant to send.
    pub statement: &'static Statement,
    /// Argument values; `statement.args` picks and orders them.
    pub args: Vec<Param<'a>>,
    /// Turns a row into `R`.
    pub decode: Decoder<R>,
}

impl<'a, R> Query<'a, R> {
    /// Used by the macro expansion.
    #[doc(hidden)]
    pub fn new(statement: &'static Statement, args: Vec<Param<'a>>, decode: Decoder<R>) -> Self {
        Query {
            statement,
            args,
            decode,
        }
    }

    /// The static statement this query will send.
    pub fn statement(&self) -> &'static Statement {
        self.statement
    }

    /// The bound values in `@P1..@Pn` order.
    pub fn params(&self) -> impl Iterator<Item = &Param<'a>> {
        self.statement.args.iter().map(|&i| &self.args[i as usize])
    }
}

impl<R> std::fmt::Debug for Query<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("id", &self.statement.id)
            .field("variant", &self.statement.variant)
            .field("params", &self.params().collect::<Vec<_>>())
            .finish()
    }
}
