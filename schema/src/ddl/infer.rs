//! Type inference for computed columns, which DDL declares by expression
//! only: `CAST`/`CONVERT`, column references, literals, common built-in
//! functions, and arithmetic or concatenation of those, following SQL
//! Server's type precedence and decimal precision/scale rules.

use super::lexer::{Kind, Token, tokenize};
use crate::model::*;

/// The type of a computed column's expression over the columns of `t`, or
/// `None` when it cannot be inferred.
pub(crate) fn computed_type(expr: &str, t: &Table) -> Option<SqlType> {
    let (toks, errors) = tokenize(expr);
    if !errors.is_empty() {
        return None;
    }
    let mut e = E {
        src: expr,
        toks: &toks,
        i: 0,
        t,
        depth: 0,
    };
    let ty = e.additive()?;
    (e.i == toks.len()).then_some(ty)
}

/// True for `ISNULL(x, <literal>)` (in any number of parentheses): SQL
/// Server treats such a computed column as NOT NULL.
pub(crate) fn is_isnull_with_literal(expr: &str) -> bool {
    let (toks, _) = tokenize(expr);
    let mut a = 0;
    let mut b = toks.len();
    while b >= a + 2 && toks[a].is_punct("(") && toks[b - 1].is_punct(")") {
        a += 1;
        b -= 1;
    }
    let toks = &toks[a..b];
    if toks.len() < 6 || !toks[0].is_kw("isnull") || !toks[1].is_punct("(") {
        return false;
    }
    // The second argument: after the comma at depth 1, a single literal.
    let mut depth = 0;
    for (k, t) in toks.iter().enumerate() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        } else if t.is_punct(",") && depth == 1 {
            // The literal, possibly in parentheses, then the call's `)`.
            let mut rest = &toks[k + 1..toks.len().saturating_sub(1)];
            while rest.len() >= 3 && rest[0].is_punct("(") && rest[rest.len() - 1].is_punct(")") {
                rest = &rest[1..rest.len() - 1];
            }
            return toks.last().is_some_and(|t| t.is_punct(")"))
                && rest.len() == 1
                && matches!(rest[0].kind, Kind::Number | Kind::Str);
        }
    }
    false
}

struct E<'a> {
    src: &'a str,
    toks: &'a [Token],
    i: usize,
    t: &'a Table,
    /// Nesting depth of `primary`.
    depth: usize,
}

impl E<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(p)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn additive(&mut self) -> Option<SqlType> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Some(t) if t.is_punct("+") => '+',
                Some(t) if t.is_punct("-") => '-',
                _ => return Some(left),
            };
            self.i += 1;
            let right = self.term()?;
            left = binary(op, left, right)?;
        }
    }

    fn term(&mut self) -> Option<SqlType> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(t) if t.is_punct("*") => '*',
                Some(t) if t.is_punct("/") => '/',
                Some(t) if t.is_punct("%") => '%',
                _ => return Some(left),
            };
            self.i += 1;
            let right = self.unary()?;
            left = binary(op, left, right)?;
        }
    }

    fn unary(&mut self) -> Option<SqlType> {
        while self.eat_punct("-") || self.eat_punct("+") {}
        // Bound the recursion of nested parentheses and calls, so that no
        // input can exhaust the stack.
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let ty = self.primary();
        self.depth -= 1;
        ty
    }

    fn sql_type(&mut self) -> Option<SqlType> {
        let name = self
            .peek()
            .filter(|t| matches!(t.kind, Kind::Word | Kind::Quoted))?
            .value
            .clone();
        self.i += 1;
        let mut args = Vec::new();
        if self.eat_punct("(") {
            loop {
                let t = self.peek()?;
                if t.is_kw("max") {
                    args.push(TypeArg::Max);
                } else if t.kind == Kind::Number {
                    args.push(TypeArg::Number(t.value.parse().ok()?));
                } else {
                    return None;
                }
                self.i += 1;
                if !self.eat_punct(",") {
                    break;
                }
            }
            if !self.eat_punct(")") {
                return None;
            }
        }
        SqlType::from_parts(&name, &args).ok()
    }

    /// Moves to the next token at this parenthesis depth for which `stop`
    /// holds; `None` when there is none.
    fn skip_to(&mut self, stop: impl Fn(&Token) -> bool) -> Option<()> {
        let mut depth = 0usize;
        loop {
            let t = self.peek()?;
            if depth == 0 && stop(t) {
                return Some(());
            }
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth = depth.checked_sub(1)?;
            }
            self.i += 1;
        }
    }

    /// Arguments after `(`, through `)`.
    fn args(&mut self) -> Option<Vec<SqlType>> {
        let mut out = Vec::new();
        if self.eat_punct(")") {
            return Some(out);
        }
        loop {
            out.push(self.additive()?);
            if self.eat_punct(")") {
                return Some(out);
            }
            if !self.eat_punct(",") {
                return None;
            }
        }
    }

    fn primary(&mut self) -> Option<SqlType> {
        let t = self.peek()?.clone();
        self.i += 1;
        match t.kind {
            Kind::Number => Some(number_type(&t.value)),
            Kind::Str => {
                let chars = t.value.chars().count();
                if self.src[t.start..].starts_with(['N', 'n']) {
                    Some(SqlType::NVarChar(
                        Length::Fixed(chars.clamp(1, 4000) as u16),
                    ))
                } else {
                    Some(SqlType::VarChar(Length::Fixed(chars.clamp(1, 8000) as u16)))
                }
            }
            Kind::Punct if t.value == "(" => {
                let ty = self.additive()?;
                self.eat_punct(")").then_some(ty)
            }
            Kind::Word if t.is_kw("case") => {
                // The type of the first THEN branch.
                while !self.peek()?.is_kw("then") {
                    self.i += 1;
                }
                self.i += 1;
                let ty = self.additive()?;
                let mut depth = 1;
                while depth > 0 {
                    let t = self.peek()?;
                    if t.is_kw("case") {
                        depth += 1;
                    } else if t.is_kw("end") {
                        depth -= 1;
                    }
                    self.i += 1;
                }
                Some(ty)
            }
            Kind::Word | Kind::Quoted => {
                if t.kind == Kind::Word && self.eat_punct("(") {
                    return self.call(&t.value.to_ascii_lowercase());
                }
                if t.kind == Kind::Word
                    && matches!(t.value.to_ascii_lowercase().as_str(), "current_timestamp")
                {
                    return Some(SqlType::DateTime);
                }
                let mut name = t.value.clone();
                while self.eat_punct(".") {
                    name = self.peek()?.value.clone();
                    self.i += 1;
                }
                self.t.column(&name).map(|c| c.ty)
            }
            _ => None,
        }
    }

    fn call(&mut self, f: &str) -> Option<SqlType> {
        match f {
            // The converted expression's own type does not matter, so it is
            // skipped rather than typed.
            "cast" | "try_cast" => {
                self.skip_to(|t| t.is_kw("as"))?;
                self.i += 1;
                let ty = self.sql_type()?;
                self.eat_punct(")").then_some(ty)
            }
            "convert" | "try_convert" => {
                let ty = self.sql_type()?;
                if !self.eat_punct(",") {
                    return None;
                }
                self.skip_to(|t| t.is_punct(")"))?;
                self.i += 1;
                Some(ty)
            }
            "dateadd" | "datediff" | "datediff_big" | "datepart" | "datename" => {
                // The first argument is a date part keyword.
                self.peek().filter(|t| t.kind == Kind::Word)?;
                self.i += 1;
                if !self.eat_punct(",") {
                    return None;
                }
                let args = self.args()?;
                match f {
                    "dateadd" => args.get(1).copied(),
                    "datediff" | "datepart" => Some(SqlType::Int),
                    "datediff_big" => Some(SqlType::BigInt),
                    _ => Some(SqlType::NVarChar(Length::Fixed(30))),
                }
            }
            _ => {
                let args = self.args()?;
                let first = args.first().copied();
                match f {
                    "isnull" | "coalesce" | "nullif" | "upper" | "lower" | "ltrim" | "rtrim"
                    | "trim" | "reverse" | "abs" | "round" | "floor" | "ceiling" => first,
                    // Parts of a string are variable-length, at most as long
                    // as the input.
                    "left" | "right" | "substring" | "replace" | "stuff" => match first? {
                        SqlType::Char(l) | SqlType::VarChar(l) => Some(SqlType::VarChar(l)),
                        SqlType::NChar(l) | SqlType::NVarChar(l) => Some(SqlType::NVarChar(l)),
                        _ => None,
                    },
                    "len" | "datalength" | "year" | "month" | "day" | "charindex" | "sign" => {
                        Some(SqlType::Int)
                    }
                    "getdate" | "getutcdate" => Some(SqlType::DateTime),
                    "sysdatetime" | "sysutcdatetime" => Some(SqlType::DateTime2 { scale: 7 }),
                    "sysdatetimeoffset" => Some(SqlType::DateTimeOffset { scale: 7 }),
                    "newid" | "newsequentialid" => Some(SqlType::UniqueIdentifier),
                    "eomonth" => Some(SqlType::Date),
                    "hashbytes" => Some(SqlType::VarBinary(Length::Fixed(8000))),
                    "concat" => args
                        .into_iter()
                        .map(|t| {
                            if t.is_string() {
                                t
                            } else {
                                SqlType::VarChar(Length::Fixed(30))
                            }
                        })
                        .try_fold(SqlType::VarChar(Length::Fixed(1)), concat),
                    _ => None,
                }
            }
        }
    }
}

/// The type of a numeric literal: `int` when it fits, `decimal(p,s)` for
/// exact numbers, `float` with an exponent.
fn number_type(text: &str) -> SqlType {
    if text.starts_with("0x") || text.starts_with("0X") {
        let n = (text.len().saturating_sub(2)).div_ceil(2).clamp(1, 8000);
        return SqlType::VarBinary(Length::Fixed(n as u16));
    }
    if text.contains(['e', 'E']) {
        return SqlType::Float;
    }
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if !text.contains('.') && int.parse::<i32>().is_ok() {
        return SqlType::Int;
    }
    let int_digits = int.trim_start_matches('0').len();
    let scale = frac.len().min(38);
    let precision = (int_digits + scale).clamp(scale.max(1), 38);
    SqlType::Decimal {
        precision: precision as u8,
        scale: scale as u8,
    }
}

/// Rank in SQL Server's data type precedence (higher wins).
fn rank(t: SqlType) -> Option<u8> {
    Some(match t {
        SqlType::DateTimeOffset { .. } => 30,
        SqlType::DateTime2 { .. } => 29,
        SqlType::DateTime => 28,
        SqlType::SmallDateTime => 27,
        SqlType::Date => 26,
        SqlType::Time { .. } => 25,
        SqlType::Float => 24,
        SqlType::Real => 23,
        SqlType::Decimal { .. } => 22,
        SqlType::Money => 21,
        SqlType::SmallMoney => 20,
        SqlType::BigInt => 19,
        SqlType::Int => 18,
        SqlType::SmallInt => 17,
        SqlType::TinyInt => 16,
        SqlType::Bit => 15,
        _ => return None,
    })
}

/// `(precision, scale)` of an exact numeric type as decimal arithmetic sees it.
fn as_decimal(t: SqlType) -> Option<(u32, u32)> {
    Some(match t {
        SqlType::Decimal { precision, scale } => (precision.into(), scale.into()),
        SqlType::Bit => (1, 0),
        SqlType::TinyInt => (3, 0),
        SqlType::SmallInt => (5, 0),
        SqlType::Int => (10, 0),
        SqlType::BigInt => (19, 0),
        SqlType::Money => (19, 4),
        SqlType::SmallMoney => (10, 4),
        _ => return None,
    })
}

fn binary(op: char, a: SqlType, b: SqlType) -> Option<SqlType> {
    if op == '+' && a.is_string() && b.is_string() {
        return concat(a, b);
    }
    let (ra, rb) = (rank(a)?, rank(b)?);
    let hi = if ra >= rb { a } else { b };
    if let SqlType::Decimal { .. } = hi {
        let ((p1, s1), (p2, s2)) = (as_decimal(a)?, as_decimal(b)?);
        return Some(decimal_result(op, p1, s1, p2, s2));
    }
    if hi == SqlType::Bit {
        return Some(SqlType::Int);
    }
    Some(hi)
}

/// SQL Server's result precision and scale for decimal arithmetic.
fn decimal_result(op: char, p1: u32, s1: u32, p2: u32, s2: u32) -> SqlType {
    let (mut p, mut s) = match op {
        '*' => (p1 + p2 + 1, s1 + s2),
        '/' => {
            let s = 6.max(s1 + p2 + 1);
            (p1 - s1 + s2 + s, s)
        }
        '%' => {
            let s = s1.max(s2);
            ((p1 - s1).min(p2 - s2) + s, s)
        }
        _ => {
            let s = s1.max(s2);
            ((p1 - s1).max(p2 - s2) + s + 1, s)
        }
    };
    if p > 38 {
        let integral = p - s;
        s = if integral < 32 {
            s.min(38 - integral)
        } else if s < 6 {
            s
        } else {
            6
        };
        p = 38;
    }
    SqlType::Decimal {
        precision: p as u8,
        scale: s.min(p) as u8,
    }
}

fn concat(a: SqlType, b: SqlType) -> Option<SqlType> {
    let len = |t: SqlType| match t {
        SqlType::Char(l) | SqlType::VarChar(l) | SqlType::NChar(l) | SqlType::NVarChar(l) => {
            Some(l)
        }
        SqlType::Text | SqlType::NText => Some(Length::Max),
        _ => None,
    };
    let unicode =
        |t: SqlType| matches!(t, SqlType::NChar(_) | SqlType::NVarChar(_) | SqlType::NText);
    let (la, lb) = (len(a)?, len(b)?);
    let n = unicode(a) || unicode(b);
    let limit = if n { 4000 } else { 8000 };
    let l = match (la, lb) {
        (Length::Fixed(x), Length::Fixed(y)) if u32::from(x) + u32::from(y) <= limit => {
            Length::Fixed(x + y)
        }
        _ => Length::Max,
    };
    Some(if n {
        SqlType::NVarChar(l)
    } else {
        SqlType::VarChar(l)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new(QualifiedName::new("dbo", "t"));
        t.columns = vec![
            Column::new("qty", SqlType::Int, false),
            Column::new(
                "price",
                SqlType::Decimal {
                    precision: 18,
                    scale: 2,
                },
                false,
            ),
            Column::new("first", SqlType::NVarChar(Length::Fixed(50)), false),
            Column::new("last", SqlType::NVarChar(Length::Fixed(50)), false),
            Column::new("at", SqlType::DateTime2 { scale: 3 }, false),
        ];
        t
    }

    #[test]
    fn infers_common_computed_columns() {
        let t = table();
        let ty = |e: &str| computed_type(e, &t);
        assert_eq!(
            ty("([qty]*[price])"),
            Some(SqlType::Decimal {
                precision: 29,
                scale: 2
            })
        );
        assert_eq!(
            ty("([first]+N' '+[last])"),
            Some(SqlType::NVarChar(Length::Fixed(101)))
        );
        assert_eq!(ty("(CONVERT([date],[at]))"), Some(SqlType::Date));
        assert_eq!(ty("(CAST(qty AS bigint) * 2)"), Some(SqlType::BigInt));
        assert_eq!(
            ty("(dateadd(day, 30, [at]))"),
            Some(SqlType::DateTime2 { scale: 3 })
        );
        assert_eq!(ty("(len([first]))"), Some(SqlType::Int));
        assert_eq!(
            ty("(qty + 1.5)"),
            Some(SqlType::Decimal {
                precision: 12,
                scale: 1
            })
        );
        assert_eq!(ty("(some_udf(qty))"), None);
        assert_eq!(ty("(nope * 2)"), None);
    }

    #[test]
    fn isnull_with_literal_is_not_null() {
        assert!(is_isnull_with_literal("(isnull([qty]*(2),(0)))"));
        assert!(is_isnull_with_literal("(ISNULL(qty, 0))"));
        assert!(!is_isnull_with_literal("(qty * 2)"));
    }
}
