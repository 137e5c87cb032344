//! Offline micro-benchmark of the client-side work per statement, no server
//! needed: binding parameters and building the request, and decoding rows
//! into a struct, Quarry's generated-code path against the same work written
//! by hand with tiberius.
//!
//! Run: `cargo bench -p quarry-runtime --bench client_side`.

use std::hint::black_box;

use quarry_runtime::__private::{bind, column, nullable_column};
use quarry_runtime::execute::build_command;
use quarry_runtime::{ResultColumn, Statement, StatementKind, kind};
use tiberius::{ColumnData, ColumnType, Command, Row};

fn main() {
    // Build the static parameter-name table before measuring.
    let _ = build_command(&ST, &[bind("x", kind::Text), bind(&1i32, kind::Int)]);
    divan::main();
}

const SQL: &str = "/* quarry:bench::by_name */ SELECT [id], [username], [fullname] FROM [dbo].[users] \
                   WHERE [username] = @P1 AND [id] > @P2";

static ST: Statement = Statement {
    id: "bench::by_name",
    variant: 0,
    sql: SQL,
    param_decls: "@P1 varchar(20), @P2 int",
    args: &[0, 1],
    columns: &[
        ResultColumn {
            name: "id",
            sql_type: "int",
            nullable: false,
        },
        ResultColumn {
            name: "username",
            sql_type: "varchar(20)",
            nullable: false,
        },
        ResultColumn {
            name: "fullname",
            sql_type: "nvarchar(50)",
            nullable: true,
        },
    ],
    kind: StatementKind::Select,
    file: "bench",
    line: 1,
};

#[allow(dead_code)] // Fields are written for the cost of decoding; black_box keeps them.
struct User {
    id: i32,
    username: String,
    fullname: Option<String>,
}

mod bind_params {
    use super::*;

    /// What a `query!` call site does: bind through `Encode`, then build the
    /// `sp_executesql` RPC with the static text and declarations.
    #[divan::bench(sample_size = 1000)]
    fn quarry() {
        let (name, id) = (black_box("alice"), black_box(5i32));
        let args = vec![bind(name, kind::Text), bind(&id, kind::Int)];
        black_box(build_command(&ST, &args).ok());
    }

    /// The same request written by hand with tiberius 0.13's `Command`
    /// (the only hand-written way to send exact declarations).
    #[divan::bench(sample_size = 1000)]
    fn tiberius_command_by_hand() {
        let (name, id) = (black_box("alice"), black_box(5i32));
        let mut cmd = Command::new("sp_executesql");
        cmd.bind_param("@stmt", SQL);
        cmd.bind_param("@params", "@P1 varchar(20), @P2 int");
        cmd.bind_param(format!("@P{}", 1), name);
        cmd.bind_param(format!("@P{}", 2), id);
        black_box(cmd);
    }

    /// `tiberius::Query` (declarations derived per value at send time,
    /// `nvarchar(4000)` for the string): its client-side part before I/O.
    #[divan::bench(sample_size = 1000)]
    fn tiberius_query_object() {
        let (name, id) = (black_box("alice"), black_box(5i32));
        let mut q = tiberius::Query::new(SQL);
        q.bind(name);
        q.bind(id);
        black_box(q);
    }
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| {
            Row::builder()
                .column("id", ColumnType::Int4, ColumnData::I32(Some(i as i32)))
                .column(
                    "username",
                    ColumnType::BigVarChar,
                    ColumnData::String(Some(format!("user{i}").into())),
                )
                .column(
                    "fullname",
                    ColumnType::NVarchar,
                    if i % 3 == 0 {
                        ColumnData::String(None)
                    } else {
                        ColumnData::String(Some(format!("Full Name {i}").into()))
                    },
                )
                .build()
        })
        .collect()
}

mod decode_rows {
    use super::*;

    /// What the generated decoder does: typed, checked, never panics.
    #[divan::bench(args = [1000])]
    fn quarry(bencher: divan::Bencher, n: usize) {
        let rows = rows(n);
        let decode = |row: &Row, st: &'static Statement| -> Result<User, quarry_runtime::Error> {
            Ok(User {
                id: column::<kind::Int, i32>(row, 0, st)?,
                username: column::<kind::Text, String>(row, 1, st)?,
                fullname: nullable_column::<kind::Text, String>(row, 2, st)?,
            })
        };
        bencher.bench_local(|| {
            let out: Vec<User> = rows.iter().filter_map(|r| decode(r, &ST).ok()).collect();
            black_box(out)
        });
    }

    /// The same by hand with `try_get` (what careful tiberius code does).
    #[divan::bench(args = [1000])]
    fn tiberius_try_get(bencher: divan::Bencher, n: usize) {
        let rows = rows(n);
        let decode = |row: &Row| -> Result<User, tiberius::error::Error> {
            Ok(User {
                id: row.try_get::<i32, _>(0)?.unwrap_or_default(),
                username: row.try_get::<&str, _>(1)?.unwrap_or_default().to_owned(),
                fullname: row.try_get::<&str, _>(2)?.map(str::to_owned),
            })
        };
        bencher.bench_local(|| {
            let out: Vec<User> = rows.iter().filter_map(|r| decode(r).ok()).collect();
            black_box(out)
        });
    }
}
