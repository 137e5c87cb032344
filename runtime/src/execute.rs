//! Running checked statements: the [`Executor`] abstraction (a connection, a
//! pool, a transaction) and the `fetch_*`/`execute` methods of
//! [`Query`].
//!
//! Every statement is sent as an RPC call of `sp_executesql` (through
//! tiberius's [`Command`]) with `@stmt` = the static SQL
//! text, `@params` = the compiler's declarations (`@P1 varchar(20), @P2
//! int`) and `@P1..@Pn` bound from the query's arguments. The server thus
//! sees the exact declared types, not tiberius's per-value guesses
//! (`nvarchar(4000)` for every string), and the text is byte-identical on
//! every call, so the plan cache hits.
//!
//! String and binary arguments are checked against their declared length
//! before sending, because a procedure call silently truncates an
//! over-long value (an equality filter would then match the truncated
//! prefix, an insert would store it): see [`Error::ParamTooLong`].
//!
//! Caveats, all measured or checked against tiberius 0.13's source:
//! - The values themselves still travel with tiberius's wire types (a
//!   string as `nvarchar`, a decimal as `numeric(p,s)` of its own
//!   precision); the server converts each to its declared type once, on the
//!   parameter, never on the column. A `varchar` parameter thus receives the
//!   text in the database's code page, exactly as the column would store it.
//!   A decimal with more fractional digits than declared would be rounded
//!   by the server, so it is refused before sending
//!   ([`Error::ParamRounded`]).
//! - `sp_executesql` is called by name (the public `Command` API cannot use
//!   the RPC procedure id 10 that `Client::query` sends); the server resolves
//!   the 13-character name per call, a cost below measurement next to a
//!   round-trip.
//! - No type needed the `Client::query` fallback: every `ColumnData`
//!   variant binds as an RPC parameter. `@stmt` and `@params` go out as
//!   `nvarchar`, as `sp_executesql` requires.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use tiberius::{ColumnData, Command, CommandItem};
use tracing::Instrument;

use crate::connection::Connection;
use crate::observe;
use crate::pool::{Pool, PooledConnection};
use crate::statement::Decoder;
use crate::{Error, Param, Query, Statement};

/// A connection borrowed from the caller or checked out of a pool for one
/// operation.
// Boxing the pooled variant would cost an allocation per checkout; the value
// lives on the stack of one operation only.
#[allow(clippy::large_enum_variant)]
pub enum Acquired<'c> {
    /// A connection the caller lent.
    Borrowed(&'c mut Connection),
    /// A pooled connection, returned to the pool when dropped.
    Pooled(PooledConnection),
}

impl Deref for Acquired<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Acquired::Borrowed(c) => c,
            Acquired::Pooled(c) => c,
        }
    }
}

impl DerefMut for Acquired<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match self {
            Acquired::Borrowed(c) => c,
            Acquired::Pooled(c) => c,
        }
    }
}

/// Something a statement can run on: `&mut Connection`, `&Pool` (checks a
/// connection out for the one statement), `&mut PooledConnection`,
/// `&mut Transaction` and `&mut TestTransaction`.
///
/// `acquire` returns a concrete future type ([`AcquireFuture`]) rather than
/// an `async fn`'s opaque one, so that code running statements stays `Send`
/// for `tokio::spawn` (an opaque future in a trait with a lifetime trips
/// rust-lang/rust#100013), and borrowing a connection allocates nothing.
pub trait Executor<'c>: Send {
    /// Gets the connection to run on.
    fn acquire(self) -> AcquireFuture<'c>;
}

/// The future of [`Executor::acquire`]: ready at once for a borrowed
/// connection, a pool checkout otherwise.
pub struct AcquireFuture<'c>(AcquireState<'c>);

enum AcquireState<'c> {
    Ready(Option<&'c mut Connection>),
    Pending(BoxFuture<'c, Result<Acquired<'c>, Error>>),
}

impl<'c> AcquireFuture<'c> {
    /// A connection that is already at hand.
    pub fn ready(conn: &'c mut Connection) -> Self {
        AcquireFuture(AcquireState::Ready(Some(conn)))
    }

    /// A connection still to be obtained.
    pub fn pending(fut: BoxFuture<'c, Result<Acquired<'c>, Error>>) -> Self {
        AcquireFuture(AcquireState::Pending(fut))
    }
}

impl<'c> Future for AcquireFuture<'c> {
    type Output = Result<Acquired<'c>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            AcquireState::Ready(conn) => Poll::Ready(
                conn.take()
                    .map(Acquired::Borrowed)
                    .ok_or_else(|| Error::Usage {
                        message: "an acquire future was polled after it completed".to_owned(),
                    }),
            ),
            AcquireState::Pending(fut) => fut.as_mut().poll(cx),
        }
    }
}

impl<'c> Executor<'c> for &'c mut Connection {
    fn acquire(self) -> AcquireFuture<'c> {
        AcquireFuture::ready(self)
    }
}

impl<'c> Executor<'c> for &'c mut PooledConnection {
    fn acquire(self) -> AcquireFuture<'c> {
        AcquireFuture::ready(self)
    }
}

impl<'c> Executor<'c> for &'c Pool {
    fn acquire(self) -> AcquireFuture<'c> {
        AcquireFuture::pending(Box::pin(
            async move { self.get().await.map(Acquired::Pooled) },
        ))
    }
}

/// `@P1` .. `@P2100` (SQL Server's parameter limit), built once so that
/// binding never formats a name per call.
static PARAM_NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| (1..=2100).map(|i| format!("@P{i}")).collect());

/// The declared type of each parameter in an `sp_executesql` declaration
/// list, in order (`"@P1 varchar(20), @P2 decimal(18,2)"` yields
/// `varchar(20)` and `decimal(18,2)`). Commas inside parentheses do not
/// split.
pub(crate) fn declared_types(decls: &str) -> impl Iterator<Item = &str> {
    let mut rest = decls;
    std::iter::from_fn(move || {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            return None;
        }
        // Declarations are ASCII; scanning bytes keeps this cheap.
        let bytes = trimmed.as_bytes();
        let mut depth = 0usize;
        let mut end = bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let item = &trimmed[..end];
        rest = trimmed.get(end + 1..).unwrap_or("");
        Some(item.find(' ').map_or("", |i| item[i + 1..].trim()))
    })
}

/// How a declared type limits a value's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `nchar(n)`/`nvarchar(n)`: UTF-16 code units.
    Utf16(usize),
    /// `char(n)`/`varchar(n)`: characters (bytes in a single-byte code page).
    Chars(usize),
    /// `binary(n)`/`varbinary(n)`: bytes.
    Bytes(usize),
}

pub(crate) fn length_limit(ty: &str) -> Option<Limit> {
    let (name, rest) = ty.split_once('(')?;
    let n: usize = rest.strip_suffix(')')?.trim().parse().ok()?;
    let name = name.trim();
    let is = |t: &str| name.eq_ignore_ascii_case(t);
    if is("nvarchar") || is("nchar") {
        Some(Limit::Utf16(n))
    } else if is("varchar") || is("char") {
        Some(Limit::Chars(n))
    } else if is("varbinary") || is("binary") {
        Some(Limit::Bytes(n))
    } else {
        None
    }
}

/// The scale a declared exact-numeric type keeps: `decimal(18,2)` → 2,
/// `money` → 4; `None` for other types.
pub(crate) fn declared_scale(ty: &str) -> Option<u8> {
    let (name, rest) = ty.split_once('(').unwrap_or((ty, ""));
    let name = name.trim();
    let is = |t: &str| name.eq_ignore_ascii_case(t);
    if is("money") || is("smallmoney") {
        return Some(4);
    }
    if !(is("decimal") || is("numeric")) {
        return None;
    }
    let args = rest.strip_suffix(')')?;
    match args.split_once(',') {
        Some((_, scale)) => scale.trim().parse().ok(),
        // `decimal(p)` and bare `decimal` have scale 0.
        None => Some(0),
    }
}

/// Refuses decimal arguments with more fractional digits than their
/// declaration keeps: the server would round them silently (a 12.5 %
/// discount declared `decimal(18,2)` would become 13 %).
fn check_scales(statement: &'static Statement, args: &[Param<'_>]) -> Result<(), Error> {
    for (n, (ty, &idx)) in declared_types(statement.param_decls)
        .zip(statement.args)
        .enumerate()
    {
        let Some(ColumnData::Numeric(Some(value))) = args.get(idx as usize).map(|p| &p.0) else {
            continue;
        };
        let Some(kept) = declared_scale(ty) else {
            continue;
        };
        if value.scale() <= kept {
            continue;
        }
        // Trailing zeros beyond the declared scale lose nothing.
        let dropped = u32::from(value.scale() - kept);
        let lost = 10i128
            .checked_pow(dropped)
            .is_none_or(|unit| value.value() % unit != 0);
        if lost {
            return Err(Error::ParamRounded {
                statement,
                param: n + 1,
                declared: ty.to_owned(),
                value: value.to_string(),
            });
        }
    }
    Ok(())
}

/// Refuses string/binary arguments longer than their declaration, and
/// decimals that the declaration would round.
fn check_lengths(statement: &'static Statement, args: &[Param<'_>]) -> Result<(), Error> {
    if args
        .iter()
        .any(|p| matches!(p.0, ColumnData::Numeric(Some(_))))
    {
        check_scales(statement, args)?;
    }
    let sized =
        |d: &ColumnData<'_>| matches!(d, ColumnData::String(Some(_)) | ColumnData::Binary(Some(_)));
    if !args.iter().any(|p| sized(&p.0)) {
        return Ok(());
    }
    for (n, (ty, &idx)) in declared_types(statement.param_decls)
        .zip(statement.args)
        .enumerate()
    {
        let Some(param) = args.get(idx as usize) else {
            continue;
        };
        let Some(limit) = length_limit(ty) else {
            continue;
        };
        let length = match (&param.0, limit) {
            // Byte length bounds both counts from above: the common short
            // value needs no counting.
            (ColumnData::String(Some(s)), Limit::Utf16(max) | Limit::Chars(max))
                if s.len() <= max =>
            {
                continue;
            }
            (ColumnData::String(Some(s)), Limit::Utf16(_)) => s.encode_utf16().count(),
            (ColumnData::String(Some(s)), Limit::Chars(_)) => s.chars().count(),
            (ColumnData::Binary(Some(b)), Limit::Bytes(_)) => b.len(),
            _ => continue,
        };
        let max = match limit {
            Limit::Utf16(m) | Limit::Chars(m) | Limit::Bytes(m) => m,
        };
        if length > max {
            return Err(Error::ParamTooLong {
                statement,
                param: n + 1,
                declared: ty.to_owned(),
                length,
            });
        }
    }
    Ok(())
}

/// Builds the `sp_executesql` RPC call for a statement, as every `fetch_*`
/// and `execute` sends it. Only borrows: the SQL text and declarations are
/// `'static`, parameter names come from a static table, string arguments
/// stay borrowed. Public for callers that drive tiberius themselves (through
/// [`Connection::client`]) and for benchmarks.
///
/// Fails with [`Error::ParamTooLong`] for an over-long string or binary
/// argument and [`Error::Usage`] when `args` lacks an index the statement
/// refers to.
#[inline]
pub fn build_command<'a>(
    statement: &'static Statement,
    args: &[Param<'a>],
) -> Result<Command<'a>, Error> {
    let names: &'static [String] = &PARAM_NAMES;
    if statement.args.len() > names.len() {
        return Err(too_many_params(statement));
    }
    check_lengths(statement, args)?;
    let mut cmd = Command::new("sp_executesql");
    cmd.bind_param("@stmt", statement.sql);
    if !statement.param_decls.is_empty() {
        cmd.bind_param("@params", statement.param_decls);
    }
    for (name, &idx) in names.iter().zip(statement.args) {
        let Some(param) = args.get(idx as usize) else {
            return Err(missing_arg(statement, idx, args.len()));
        };
        // A clone of a borrowed value copies a pointer, not the string.
        cmd.bind_param(name.as_str(), param.0.clone());
    }
    Ok(cmd)
}

#[cold]
fn too_many_params(statement: &'static Statement) -> Error {
    Error::Usage {
        message: format!("statement `{}` has more than 2100 parameters", statement.id),
    }
}

#[cold]
fn missing_arg(statement: &'static Statement, idx: u16, given: usize) -> Error {
    let n = statement
        .args
        .iter()
        .position(|&i| i == idx)
        .map_or(0, |p| p + 1);
    Error::Usage {
        message: format!(
            "statement `{}`: @P{n} refers to argument {idx}, but only {given} were given",
            statement.id
        ),
    }
}

/// What to do with each row.
type RowSink<'s> = dyn FnMut(tiberius::Row) -> Result<(), Error> + Send + 's;

impl Connection {
    /// Runs a statement and feeds its first result set's rows to `sink`;
    /// returns the rows-affected count. Not generic, so it is compiled once
    /// for every statement of the program.
    pub(crate) async fn run_statement(
        &mut self,
        statement: &'static Statement,
        args: &[Param<'_>],
        sink: &mut RowSink<'_>,
    ) -> Result<u64, Error> {
        let span = tracing::debug_span!(
            "quarry.statement",
            id = statement.id,
            variant = statement.variant,
            kind = ?statement.kind,
            rows = tracing::field::Empty,
            duration_us = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let result = self.run_statement_inner(statement, args, sink).await;
            let span = tracing::Span::current();
            span.record("duration_us", started.elapsed().as_micros() as u64);
            match &result {
                Ok(rows) => {
                    span.record("rows", rows);
                    tracing::debug!("statement finished");
                }
                Err(e) => tracing::debug!(error = %e, "statement failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn run_statement_inner(
        &mut self,
        statement: &'static Statement,
        args: &[Param<'_>],
        sink: &mut RowSink<'_>,
    ) -> Result<u64, Error> {
        self.settle()
            .await
            .map_err(|e| e.with_statement(statement))?;
        let cmd = build_command(statement, args)?;
        observe::audit(statement, args, self);
        let mut affected = 0u64;
        let mut returned = 0u64;
        let mut failure = None;
        match cmd.exec(self.client()).await {
            Err(e) => failure = Some(Error::from_driver(e, Some(statement))),
            Ok(mut stream) => loop {
                match stream.try_next().await {
                    Ok(Some(CommandItem::Row(row))) => {
                        // Only the first result set belongs to the statement.
                        if row.result_index() == 0 && failure.is_none() {
                            returned += 1;
                            if let Err(e) = sink(row) {
                                // Keep reading: the connection must reach the
                                // end of the response to stay usable.
                                failure = Some(e);
                            }
                        }
                    }
                    // The statement's own DONE comes after those of any
                    // triggers it fired: keep the last count, so a trigger's
                    // INSERT into a log table is not added to it.
                    Ok(Some(CommandItem::RowsAffected(n))) => affected = n,
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        failure = Some(Error::from_driver(e, Some(statement)));
                        break;
                    }
                }
            },
        }
        match failure {
            Some(e) => Err(self.note_error(e)),
            None if statement.columns.is_empty() => Ok(affected),
            None => Ok(returned),
        }
    }
}

impl<'a, R: Send> Query<'a, R> {
    /// Runs the statement and decodes every row.
    pub async fn fetch_all<'c, E: Executor<'c>>(self, executor: E) -> Result<Vec<R>, Error> {
        let mut conn = executor.acquire().await?;
        let mut out = Vec::new();
        let (statement, decode) = (self.statement, self.decode);
        conn.run_statement(statement, &self.args, &mut |row| {
            out.push(decode(&row, statement)?);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Runs the statement and decodes the first row, if any; further rows
    /// are read and discarded.
    pub async fn fetch_optional<'c, E: Executor<'c>>(
        self,
        executor: E,
    ) -> Result<Option<R>, Error> {
        let mut conn = executor.acquire().await?;
        let mut first = None;
        let (statement, decode) = (self.statement, self.decode);
        conn.run_statement(statement, &self.args, &mut |row| {
            if first.is_none() {
                first = Some(decode(&row, statement)?);
            }
            Ok(())
        })
        .await?;
        Ok(first)
    }

    /// Runs the statement and decodes the first row; no row is
    /// [`Error::RowNotFound`].
    pub async fn fetch_one<'c, E: Executor<'c>>(self, executor: E) -> Result<R, Error> {
        let statement = self.statement;
        self.fetch_optional(executor)
            .await?
            .ok_or(Error::RowNotFound { statement })
    }

    /// Runs the statement and returns the number of rows it affected
    /// (INSERT/UPDATE/DELETE/MERGE: the count SQL Server reports for the
    /// statement, not including rows changed by triggers; for a statement
    /// with a result set, such as one with `returning`, the number of rows
    /// returned, which are not decoded).
    pub async fn execute<'c, E: Executor<'c>>(self, executor: E) -> Result<u64, Error> {
        let mut conn = executor.acquire().await?;
        conn.run_statement(self.statement, &self.args, &mut |_| Ok(()))
            .await
    }

    /// Runs the statement and requires exactly `expected` affected rows;
    /// another count is [`Error::StaleRow`]. For optimistic concurrency: an
    /// `UPDATE ... WHERE id = $id AND version = $version` that affects 0
    /// rows lost the race.
    ///
    /// Row counts need the session's `NOCOUNT` option off, SQL Server's
    /// default; a server whose `user options` turn it on reports 0 for every
    /// statement without a result set.
    pub async fn execute_expect<'c, E: Executor<'c>>(
        self,
        executor: E,
        expected: u64,
    ) -> Result<u64, Error> {
        let statement = self.statement;
        let affected = self.execute(executor).await?;
        if affected == expected {
            Ok(affected)
        } else {
            Err(Error::StaleRow {
                statement,
                expected,
                affected,
            })
        }
    }

    /// [`execute_expect`](Self::execute_expect) with one row.
    pub async fn execute_expect_one<'c, E: Executor<'c>>(self, executor: E) -> Result<(), Error> {
        self.execute_expect(executor, 1).await.map(|_| ())
    }

    /// Runs the statement and streams its rows, decoding one at a time:
    /// memory does not grow with the result. The stream holds the
    /// connection (or the pooled checkout) until it is dropped; dropping it
    /// early cancels the rest of the result before the connection's next
    /// use.
    pub fn fetch<'c, E>(self, executor: E) -> BoxStream<'c, Result<R, Error>>
    where
        E: Executor<'c> + 'c,
        'a: 'c,
        R: 'c,
    {
        let Query {
            statement,
            args,
            decode,
        } = self;
        stream_rows(executor, statement, args, decode).boxed()
    }
}

fn stream_rows<'c, 'a: 'c, R: Send + 'c, E: Executor<'c> + 'c>(
    executor: E,
    statement: &'static Statement,
    args: Vec<Param<'a>>,
    decode: Decoder<R>,
) -> impl futures_util::Stream<Item = Result<R, Error>> + Send + 'c {
    async_stream::try_stream! {
        let mut conn = executor.acquire().await?;
        let conn: &mut Connection = &mut conn;
        conn.settle().await.map_err(|e| e.with_statement(statement))?;
        let cmd = build_command(statement, &args)?;
        observe::audit(statement, &args, conn);
        let started = Instant::now();
        conn.state.stream_abandoned = true;
        let mut rows = 0u64;
        let mut failure = None;
        {
            let (client, state) = conn.client_and_state();
            match cmd.exec(client).await {
                Err(e) => failure = Some(Error::from_driver(e, Some(statement))),
                Ok(mut stream) => loop {
                    match stream.try_next().await {
                        Ok(Some(CommandItem::Row(row))) if row.result_index() == 0 => {
                            rows += 1;
                            match decode(&row, statement) {
                                Ok(value) => yield value,
                                Err(e) => {
                                    // Leave the rest to be cancelled before the
                                    // connection's next use.
                                    failure = Some(e);
                                    break;
                                }
                            }
                        }
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            state.stream_abandoned = false;
                            break;
                        }
                        Err(e) => {
                            state.stream_abandoned = false;
                            failure = Some(Error::from_driver(e, Some(statement)));
                            break;
                        }
                    }
                },
            }
        }
        tracing::debug!(
            id = statement.id,
            variant = statement.variant,
            rows,
            duration_us = started.elapsed().as_micros() as u64,
            ok = failure.is_none(),
            "statement stream finished"
        );
        if let Some(e) = failure {
            Err(conn.note_error(e))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::StatementKind;

    static ST: Statement = Statement {
        id: "tests::by_name",
        variant: 0,
        sql: "SELECT [id] FROM [dbo].[users] WHERE [username] = @P1 AND [fullname] = @P2 AND [total] > @P3",
        param_decls: "@P1 varchar(5), @P2 nvarchar(3), @P3 decimal(18,2)",
        args: &[1, 0, 2],
        columns: &[],
        kind: StatementKind::Select,
        file: "execute.rs",
        line: 1,
    };

    #[test]
    fn declared_types_split_at_top_level_commas() {
        let v: Vec<_> = declared_types(ST.param_decls).collect();
        assert_eq!(v, ["varchar(5)", "nvarchar(3)", "decimal(18,2)"]);
        assert_eq!(declared_types("").count(), 0);
        let v: Vec<_> = declared_types("@P1 int").collect();
        assert_eq!(v, ["int"]);
    }

    #[test]
    fn length_limits() {
        assert_eq!(length_limit("varchar(20)"), Some(Limit::Chars(20)));
        assert_eq!(length_limit("NVARCHAR(50)"), Some(Limit::Utf16(50)));
        assert_eq!(length_limit("varbinary(16)"), Some(Limit::Bytes(16)));
        assert_eq!(length_limit("varchar(max)"), None);
        assert_eq!(length_limit("decimal(18,2)"), None);
        assert_eq!(length_limit("int"), None);
    }

    fn s(v: &str) -> Param<'_> {
        Param(ColumnData::String(Some(v.into())))
    }

    #[test]
    fn over_long_arguments_are_refused() {
        let dec = Param(ColumnData::I32(Some(1)));
        // args[1] is @P1 varchar(5), args[0] is @P2 nvarchar(3).
        assert!(check_lengths(&ST, &[s("abc"), s("abcde"), dec.clone()]).is_ok());
        // Non-ASCII within the character limit is fine for varchar.
        assert!(check_lengths(&ST, &[s("abc"), s("ééééé"), dec.clone()]).is_ok());
        match check_lengths(&ST, &[s("abc"), s("abcdef"), dec.clone()]) {
            Err(Error::ParamTooLong {
                param: 1,
                length: 6,
                declared,
                ..
            }) => assert_eq!(declared, "varchar(5)"),
            other => panic!("{other:?}"),
        }
        // An astral character is two UTF-16 units.
        match check_lengths(&ST, &[s("ab😀"), s("a"), dec]) {
            Err(Error::ParamTooLong {
                param: 2,
                length: 4,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declared_scales() {
        assert_eq!(declared_scale("decimal(18,2)"), Some(2));
        assert_eq!(declared_scale("NUMERIC(10, 4)"), Some(4));
        assert_eq!(declared_scale("decimal(9)"), Some(0));
        assert_eq!(declared_scale("money"), Some(4));
        assert_eq!(declared_scale("int"), None);
        assert_eq!(declared_scale("varchar(20)"), None);
    }

    #[test]
    fn decimals_the_declaration_would_round_are_refused() {
        use tiberius::numeric::Numeric;
        let dec = |v: i128, scale: u8| {
            Param(ColumnData::Numeric(Some(Numeric::new_with_scale(v, scale))))
        };
        // @P3 is decimal(18,2) (args[2]).
        assert!(check_lengths(&ST, &[s("a"), s("a"), dec(1999, 2)]).is_ok());
        assert!(check_lengths(&ST, &[s("a"), s("a"), dec(5, 0)]).is_ok());
        // 0.500 keeps its value at scale 2.
        assert!(check_lengths(&ST, &[s("a"), s("a"), dec(500, 3)]).is_ok());
        match check_lengths(&ST, &[s("a"), s("a"), dec(125, 3)]) {
            Err(Error::ParamRounded {
                param: 3,
                declared,
                value,
                ..
            }) => {
                assert_eq!(declared, "decimal(18,2)");
                assert_eq!(value, "0.125");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn command_binds_in_statement_order() {
        let args = [s("Bob"), s("bob"), Param(ColumnData::I32(Some(7)))];
        let cmd = build_command(&ST, &args).unwrap();
        let dbg = format!("{cmd:?}");
        // Names and order: @stmt, @params, then @P1 (= args[1]), @P2, @P3.
        let order: Vec<usize> = ["\"@stmt\"", "\"@params\"", "\"@P1\"", "\"@P2\"", "\"@P3\""]
            .iter()
            .map(|n| {
                dbg.find(n)
                    .unwrap_or_else(|| panic!("{n} missing in {dbg}"))
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{dbg}");
        let p1 = &dbg[order[2]..order[3]];
        assert!(p1.contains("\"bob\""), "{p1}");
        assert!(dbg.contains(ST.param_decls));
        assert!(dbg.contains("sp_executesql"));
    }

    #[test]
    fn missing_argument_is_an_error_not_a_panic() {
        let args = [s("x")];
        assert!(matches!(
            build_command(&ST, &args),
            Err(Error::Usage { .. })
        ));
    }

    #[test]
    fn param_names_are_static() {
        assert_eq!(PARAM_NAMES.first().map(String::as_str), Some("@P1"));
        assert_eq!(PARAM_NAMES.last().map(String::as_str), Some("@P2100"));
        assert_eq!(PARAM_NAMES.len(), 2100);
    }
}
