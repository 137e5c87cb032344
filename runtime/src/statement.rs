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

impl Statement {
    /// The statement as a DBA reviews it: a header of `-- ` comment lines
    /// (id, variant and kind; the `sp_executesql` parameter declarations;
    /// one line per result column with its type and nullability), then the
    /// SQL text exactly as it is sent. This is the format of the snapshots
    /// under `snapshots/` and of [`inventory`]:
    ///
    /// ```text
    /// -- app::db::user_by_id #0 (Select)
    /// -- params: @P1 int
    /// -- column id int NOT NULL
    /// -- column email nvarchar(200) NULL
    /// /* quarry: app::db::user_by_id */
    /// SELECT [id], [email]
    /// FROM [dbo].[users]
    /// WHERE [id] = @P1;
    /// ```
    ///
    /// The text does not end with a newline (unless the SQL does).
    /// `cargo xtask schema describe` reads this format back from the
    /// snapshots (`xtask/src/describe.rs`): change both together.
    pub fn describe(&self) -> String {
        use std::fmt::Write as _;
        let mut text = format!(
            "-- {} #{} ({:?})\n-- params: {}\n",
            self.id, self.variant, self.kind, self.param_decls
        );
        for c in self.columns {
            // Writing to a String cannot fail.
            let _ = writeln!(
                text,
                "-- column {} {} {}",
                c.name,
                c.sql_type,
                if c.nullable { "NULL" } else { "NOT NULL" }
            );
        }
        text.push_str(self.sql);
        text
    }
}

/// Every statement the program can send (all registered in [`STATEMENTS`]),
/// each rendered by [`Statement::describe`], sorted by `(id, variant)` and
/// separated by a blank line: the statement inventory a DBA reviews. Empty
/// when the program has no statements.
pub fn inventory() -> String {
    statements()
        .iter()
        .map(|s| s.describe())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The command-line flag that asks a program for its statement inventory:
/// `my-app --quarry-statements` prints [`inventory`] and exits (see
/// [`print_inventory_if_requested`]).
pub const INVENTORY_FLAG: &str = "--quarry-statements";

/// The convention for applications: call this first thing in `main`. When
/// the program was started with [`INVENTORY_FLAG`] (`--quarry-statements`)
/// among its arguments, it prints [`inventory`] to standard output and
/// returns `true`, and `main` should return at once; otherwise it does
/// nothing and returns `false`. It needs no server and no configuration, so
/// a DBA (or CI) can list what a binary sends without running it for real.
///
/// ```no_run
/// // The first lines of `main`:
/// if quarry_runtime::print_inventory_if_requested() {
///     return;
/// }
/// // .. the program proper: connect, serve, ..
/// ```
///
/// An error writing to standard output (a closed pipe) is ignored: the
/// program still returns `true` and stops.
pub fn print_inventory_if_requested() -> bool {
    if !inventory_requested(std::env::args_os().skip(1)) {
        return false;
    }
    use std::io::Write as _;
    let text = inventory();
    let mut out = std::io::stdout().lock();
    if !text.is_empty() {
        let _ = writeln!(out, "{text}");
    }
    let _ = out.flush();
    true
}

/// Whether [`INVENTORY_FLAG`] is one of `args` (the program's arguments,
/// without its name).
fn inventory_requested(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter().any(|a| a == INVENTORY_FLAG)
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

#[cfg(test)]
mod tests {
    use super::*;

    static COLUMNS: [ResultColumn; 2] = [
        ResultColumn {
            name: "id",
            sql_type: "int",
            nullable: false,
        },
        ResultColumn {
            name: "first name",
            sql_type: "nvarchar(50)",
            nullable: true,
        },
    ];

    static ZETA: Statement = Statement {
        id: "app::zeta",
        variant: 1,
        sql: "/* quarry: app::zeta #1 */\nSELECT [id], [first name]\nFROM [dbo].[users]\nWHERE [id] = @P1;",
        param_decls: "@P1 int",
        args: &[0],
        columns: &COLUMNS,
        kind: StatementKind::Select,
        file: "src/app.rs",
        line: 10,
    };

    static ZETA0: Statement = Statement {
        id: "app::zeta",
        variant: 0,
        sql: "/* quarry: app::zeta #0 */\nSELECT [id], [first name]\nFROM [dbo].[users];",
        param_decls: "",
        args: &[],
        columns: &COLUMNS,
        kind: StatementKind::Select,
        file: "src/app.rs",
        line: 10,
    };

    static ALPHA: Statement = Statement {
        id: "app::alpha",
        variant: 0,
        sql: "/* quarry: app::alpha */\nDELETE FROM [dbo].[logs];",
        param_decls: "",
        args: &[],
        columns: &[],
        kind: StatementKind::Delete,
        file: "src/app.rs",
        line: 3,
    };

    // Registered out of order: the inventory sorts them.
    #[linkme::distributed_slice(STATEMENTS)]
    static REG_ZETA: &'static Statement = &ZETA;
    #[linkme::distributed_slice(STATEMENTS)]
    static REG_ALPHA: &'static Statement = &ALPHA;
    #[linkme::distributed_slice(STATEMENTS)]
    static REG_ZETA0: &'static Statement = &ZETA0;

    #[test]
    fn describe_renders_header_columns_and_sql() {
        assert_eq!(
            ZETA.describe(),
            "-- app::zeta #1 (Select)\n\
             -- params: @P1 int\n\
             -- column id int NOT NULL\n\
             -- column first name nvarchar(50) NULL\n\
             /* quarry: app::zeta #1 */\n\
             SELECT [id], [first name]\n\
             FROM [dbo].[users]\n\
             WHERE [id] = @P1;"
        );
        // No parameters, no columns: the header keeps its two lines.
        assert_eq!(
            ALPHA.describe(),
            "-- app::alpha #0 (Delete)\n-- params: \n/* quarry: app::alpha */\nDELETE FROM [dbo].[logs];"
        );
    }

    #[test]
    fn inventory_is_sorted_and_blank_line_separated() {
        let expected = [ALPHA.describe(), ZETA0.describe(), ZETA.describe()].join("\n\n");
        assert_eq!(inventory(), expected);
    }

    #[test]
    fn the_flag_is_recognised_anywhere_and_only_exactly() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(inventory_requested(args(&["--quarry-statements"])));
        assert!(inventory_requested(args(&["-v", "--quarry-statements"])));
        assert!(!inventory_requested(args(&[])));
        assert!(!inventory_requested(args(&[
            "--quarry-statement",
            "quarry-statements"
        ])));
    }
}
