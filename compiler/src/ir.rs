//! The checked intermediate representation that `check` produces and `lower`
//! consumes: names resolved to schema objects and aliases, every expression
//! typed, every parameter assigned a slot. It holds no T-SQL spelling;
//! operators, functions and hints are enums that only `lower` spells.

use proc_macro2::{Span, TokenStream};
use quarry_schema::model::{QualifiedName, SqlType};

/// A checked statement, ready to lower.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The statement.
    pub stmt: IrStmt,
    /// Argument slots, in the order the call site builds its argument array.
    pub params: Vec<ParamSlot>,
    /// Optional parameters in bit order (bit `i` of the variant mask is
    /// `optionals[i]`'s `is_some()`).
    pub optionals: Vec<proc_macro2::Ident>,
    /// Result columns, in order (empty when the statement returns no rows).
    pub columns: Vec<OutColumn>,
}

impl Checked {
    /// The number of static variants: `2^optionals`.
    pub fn variant_count(&self) -> usize {
        1usize << self.optionals.len()
    }
}

/// What a statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StmtKind {
    /// select
    Select,
    /// insert
    Insert,
    /// update
    Update,
    /// delete
    Delete,
    /// upsert (MERGE)
    Merge,
}

/// A result column.
#[derive(Debug, Clone)]
pub struct OutColumn {
    /// The column's name in the result set and the row struct's field name.
    pub name: String,
    /// Its SQL type.
    pub ty: SqlType,
    /// Whether it can be NULL.
    pub nullable: bool,
    /// The DSL token it came from (for field spans).
    pub span: Span,
}

/// Where an argument's value comes from.
#[derive(Debug, Clone)]
pub enum ParamSource {
    /// `$name`
    Name(proc_macro2::Ident),
    /// `$(expr)`
    Expr(TokenStream),
    /// A string literal from the DSL, bound as a parameter.
    Str(String),
}

/// One argument slot.
#[derive(Debug, Clone)]
pub struct ParamSlot {
    /// The value.
    pub source: ParamSource,
    /// The SQL type it is declared with.
    pub ty: SqlType,
    /// Whether NULL is accepted (the bind takes `Option<T>` too).
    pub nullable: bool,
    /// `in $list`: bound as a JSON array text and declared `nvarchar(max)`.
    pub list: bool,
    /// `$name?`: bound as `Option<T>`.
    pub optional: bool,
    /// The user's tokens.
    pub span: Span,
}

/// A checked statement.
#[derive(Debug, Clone)]
pub enum IrStmt {
    /// select
    Select(Box<IrSelect>),
    /// insert
    Insert(IrInsert),
    /// update
    Update(IrUpdate),
    /// delete
    Delete(IrDelete),
    /// MERGE
    Merge(IrMerge),
}

impl IrStmt {
    /// The statement kind.
    pub fn kind(&self) -> StmtKind {
        match self {
            IrStmt::Select(_) => StmtKind::Select,
            IrStmt::Insert(_) => StmtKind::Insert,
            IrStmt::Update(_) => StmtKind::Update,
            IrStmt::Delete(_) => StmtKind::Delete,
            IrStmt::Merge(_) => StmtKind::Merge,
        }
    }
}

/// A table hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// UPDLOCK
    UpdLock,
    /// ROWLOCK
    RowLock,
    /// NOWAIT
    NoWait,
    /// HOLDLOCK
    HoldLock,
    /// READPAST
    ReadPast,
    /// NOLOCK
    NoLock,
    /// PAGLOCK
    PagLock,
    /// TABLOCK
    TabLock,
    /// TABLOCKX
    TabLockX,
    /// XLOCK
    XLock,
    /// SERIALIZABLE
    Serializable,
    /// READCOMMITTED
    ReadCommitted,
    /// REPEATABLEREAD
    RepeatableRead,
}

impl Hint {
    /// Every hint with its DSL name.
    pub const ALL: &'static [(&'static str, Hint)] = &[
        ("updlock", Hint::UpdLock),
        ("rowlock", Hint::RowLock),
        ("nowait", Hint::NoWait),
        ("holdlock", Hint::HoldLock),
        ("readpast", Hint::ReadPast),
        ("nolock", Hint::NoLock),
        ("paglock", Hint::PagLock),
        ("tablock", Hint::TabLock),
        ("tablockx", Hint::TabLockX),
        ("xlock", Hint::XLock),
        ("serializable", Hint::Serializable),
        ("readcommitted", Hint::ReadCommitted),
        ("repeatableread", Hint::RepeatableRead),
    ];
}

/// A source in FROM.
#[derive(Debug, Clone)]
pub struct IrSource {
    /// A table, or a derived table.
    pub what: IrSourceKind,
    /// The alias lower writes (`AS [alias]`), when the statement needs one.
    pub alias: Option<String>,
    /// Table hints.
    pub hints: Vec<Hint>,
}

/// What a source reads.
#[derive(Debug, Clone)]
pub enum IrSourceKind {
    /// A table or view.
    Table(QualifiedName),
    /// A derived table.
    Derived(Box<IrSelect>),
}

/// A join.
#[derive(Debug, Clone)]
pub struct IrJoin {
    /// LEFT OUTER JOIN.
    pub left: bool,
    /// The joined source.
    pub source: IrSource,
    /// The ON condition.
    pub on: IrExpr,
}

/// A WHERE conjunct, applied only in variants where all bits of `requires`
/// are set (optional filters).
#[derive(Debug, Clone)]
pub struct Conjunct {
    /// The condition.
    pub expr: IrExpr,
    /// Bit mask of the optional parameters it needs.
    pub requires: u64,
}

/// A projected column.
#[derive(Debug, Clone)]
pub struct IrProj {
    /// The value.
    pub expr: IrExpr,
    /// The output name.
    pub name: String,
}

/// A checked select.
#[derive(Debug, Clone)]
pub struct IrSelect {
    /// DISTINCT
    pub distinct: bool,
    /// TOP (n)
    pub top: Option<IrExpr>,
    /// FROM
    pub from: IrSource,
    /// JOINs
    pub joins: Vec<IrJoin>,
    /// The select list.
    pub projection: Vec<IrProj>,
    /// WHERE, as conjuncts.
    pub where_: Vec<Conjunct>,
    /// GROUP BY
    pub group_by: Vec<IrExpr>,
    /// HAVING
    pub having: Option<IrExpr>,
    /// ORDER BY (expr, descending)
    pub order_by: Vec<(IrExpr, bool)>,
    /// OFFSET n ROWS [FETCH NEXT m ROWS ONLY]
    pub offset: Option<(IrExpr, Option<IrExpr>)>,
}

/// A checked insert.
#[derive(Debug, Clone)]
pub struct IrInsert {
    /// Target.
    pub table: QualifiedName,
    /// Column names.
    pub columns: Vec<String>,
    /// Values, paired with `columns`.
    pub values: Vec<IrExpr>,
    /// OUTPUT columns (INSERTED.*).
    pub returning: Vec<IrReturn>,
    /// The target has triggers: OUTPUT goes INTO a table variable.
    pub triggers: bool,
}

/// A column of OUTPUT.
#[derive(Debug, Clone)]
pub struct IrReturn {
    /// The table column.
    pub column: String,
    /// Its type, for the table variable.
    pub ty: SqlType,
    /// Its nullability.
    pub nullable: bool,
}

/// A checked update.
#[derive(Debug, Clone)]
pub struct IrUpdate {
    /// Target.
    pub table: QualifiedName,
    /// The exposed name used to qualify target columns in correlated
    /// subqueries (`None` when no qualification is needed).
    pub qualifier: Option<String>,
    /// TOP (n)
    pub top: Option<IrExpr>,
    /// SET column = value
    pub sets: Vec<(String, IrExpr)>,
    /// WHERE
    pub where_: Vec<Conjunct>,
    /// OUTPUT INSERTED.*
    pub returning: Vec<IrReturn>,
    /// Triggers: OUTPUT INTO.
    pub triggers: bool,
}

/// A checked delete.
#[derive(Debug, Clone)]
pub struct IrDelete {
    /// Target.
    pub table: QualifiedName,
    /// TOP (n)
    pub top: Option<IrExpr>,
    /// WHERE
    pub where_: Vec<Conjunct>,
    /// OUTPUT DELETED.*
    pub returning: Vec<IrReturn>,
    /// Triggers: OUTPUT INTO.
    pub triggers: bool,
}

/// A checked upsert (MERGE).
#[derive(Debug, Clone)]
pub struct IrMerge {
    /// Target.
    pub table: QualifiedName,
    /// Key columns.
    pub keys: Vec<String>,
    /// All written columns.
    pub columns: Vec<String>,
    /// Their values.
    pub values: Vec<IrExpr>,
    /// Columns updated when matched (written non-key columns).
    pub update: Vec<String>,
    /// OUTPUT INSERTED.*
    pub returning: Vec<IrReturn>,
    /// Triggers: OUTPUT INTO.
    pub triggers: bool,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// +
    Add,
    /// -
    Sub,
    /// *
    Mul,
    /// /
    Div,
    /// %
    Rem,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// =
    Eq,
    /// <>
    Ne,
    /// <
    Lt,
    /// <=
    Le,
    /// >
    Gt,
    /// >=
    Ge,
}

/// Built-in functions Quarry types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// COUNT
    Count,
    /// COUNT_BIG
    CountBig,
    /// SUM
    Sum,
    /// AVG
    Avg,
    /// MIN
    Min,
    /// MAX
    Max,
    /// LEN
    Len,
    /// UPPER
    Upper,
    /// LOWER
    Lower,
    /// LTRIM
    LTrim,
    /// RTRIM
    RTrim,
    /// TRIM
    Trim,
    /// GETDATE
    GetDate,
    /// GETUTCDATE
    GetUtcDate,
    /// SYSDATETIME
    SysDateTime,
    /// SYSUTCDATETIME
    SysUtcDateTime,
    /// SYSDATETIMEOFFSET
    SysDateTimeOffset,
    /// DATEADD
    DateAdd,
    /// DATEDIFF
    DateDiff,
    /// DATEDIFF_BIG
    DateDiffBig,
    /// YEAR
    Year,
    /// MONTH
    Month,
    /// DAY
    Day,
    /// COALESCE
    Coalesce,
    /// ISNULL
    IsNull,
    /// ABS
    Abs,
    /// ROUND
    Round,
    /// CEILING
    Ceiling,
    /// FLOOR
    Floor,
    /// CONCAT
    Concat,
    /// NEWID
    NewId,
}

impl Func {
    /// True for aggregate functions.
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            Func::Count | Func::CountBig | Func::Sum | Func::Avg | Func::Min | Func::Max
        )
    }
}

/// Date parts for DATEADD/DATEDIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// year
    Year,
    /// quarter
    Quarter,
    /// month
    Month,
    /// week
    Week,
    /// day
    Day,
    /// hour
    Hour,
    /// minute
    Minute,
    /// second
    Second,
    /// millisecond
    Millisecond,
    /// microsecond
    Microsecond,
}

impl DatePart {
    /// Every date part with its DSL name.
    pub const ALL: &'static [(&'static str, DatePart)] = &[
        ("year", DatePart::Year),
        ("quarter", DatePart::Quarter),
        ("month", DatePart::Month),
        ("week", DatePart::Week),
        ("day", DatePart::Day),
        ("hour", DatePart::Hour),
        ("minute", DatePart::Minute),
        ("second", DatePart::Second),
        ("millisecond", DatePart::Millisecond),
        ("microsecond", DatePart::Microsecond),
    ];
}

/// A checked expression.
#[derive(Debug, Clone)]
pub enum IrExpr {
    /// A column, qualified by an alias when the statement needs it.
    Column {
        /// The alias or exposed name.
        qualifier: Option<String>,
        /// The column.
        name: String,
    },
    /// A column of the MERGE source row or the output of the select list
    /// (order by an alias).
    OutputName(String),
    /// A bound parameter: an argument slot.
    Param(usize),
    /// A number proven safe to inline (digits, optionally `.digits`).
    Number(String),
    /// A `bit` constant.
    Bool(bool),
    /// NULL (only where the column accepts it).
    Null,
    /// A date part keyword.
    DatePart(DatePart),
    /// -e
    Neg(Box<IrExpr>),
    /// NOT e
    Not(Box<IrExpr>),
    /// l op r
    Arith(Arith, Box<IrExpr>, Box<IrExpr>),
    /// l op r
    Cmp(Cmp, Box<IrExpr>, Box<IrExpr>),
    /// l AND r
    And(Box<IrExpr>, Box<IrExpr>),
    /// l OR r
    Or(Box<IrExpr>, Box<IrExpr>),
    /// `e [NOT] LIKE p`
    Like(Box<IrExpr>, Box<IrExpr>, bool),
    /// `e [NOT] IN (a, b)`
    InList(Box<IrExpr>, Vec<IrExpr>, bool),
    /// `e [NOT] IN (SELECT [value] FROM OPENJSON(@p) WITH ([value] ty '$'))`
    InJson(Box<IrExpr>, usize, SqlType, bool),
    /// `e [NOT] IN (subquery)`
    InSelect(Box<IrExpr>, Box<IrSelect>, bool),
    /// `[NOT] EXISTS (subquery)`
    Exists(Box<IrSelect>),
    /// `e [NOT] BETWEEN lo AND hi`
    Between(Box<IrExpr>, Box<IrExpr>, Box<IrExpr>, bool),
    /// `e IS [NOT] NULL`
    IsNull(Box<IrExpr>, bool),
    /// f(args)
    Call(Func, Vec<IrExpr>, bool),
    /// COUNT(*) / COUNT_BIG(*)
    CountStar(bool),
    /// CAST(e AS ty)
    Cast(Box<IrExpr>, SqlType),
}
