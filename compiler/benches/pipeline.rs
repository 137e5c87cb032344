//! Benchmarks of the compiler pipeline on a generated corpus: 1,000 queries
//! against a generated 500-table snapshot, and the snapshot load itself.
//!
//! Run with `cargo bench -p quarry-compiler --bench pipeline`. Per-query
//! cost is the `corpus` figures divided by 1,000.

use std::str::FromStr;

use proc_macro2::TokenStream;
use quarry_compiler::{Target, compile, expand_with};
use quarry_schema::model::{
    Column, ForeignKey, Identity, Key, Length, QualifiedName, RefAction, Schema, SqlType, Table,
};

fn main() {
    divan::main();
}

const TABLES: usize = 500;
const QUERIES: usize = 1_000;

/// A 500-table schema: every table has ten columns of mixed types and a
/// foreign key to the table before it.
fn schema() -> Schema {
    let mut tables = Vec::with_capacity(TABLES);
    for i in 0..TABLES {
        let mut t = Table::new(QualifiedName::new("dbo", format!("t{i:03}")));
        let mut id = Column::new("id", SqlType::Int, false);
        id.identity = Some(Identity {
            seed: 1,
            increment: 1,
        });
        t.columns = vec![
            id,
            Column::new("name", SqlType::NVarChar(Length::Fixed(100)), false),
            Column::new("code", SqlType::VarChar(Length::Fixed(20)), false),
            Column::new(
                "amount",
                SqlType::Decimal {
                    precision: 18,
                    scale: 2,
                },
                false,
            ),
            Column::new("qty", SqlType::Int, false),
            Column::new("created_at", SqlType::DateTime2 { scale: 7 }, false),
            Column::new("note", SqlType::NVarChar(Length::Max), true),
            Column::new("flag", SqlType::Bit, false),
            Column::new("ratio", SqlType::Float, true),
            Column::new("parent_id", SqlType::Int, i % 2 == 0),
        ];
        t.primary_key = Some(Key {
            name: Some(format!("PK_t{i:03}")),
            columns: vec!["id".into()],
            clustered: true,
        });
        t.unique_keys = vec![Key {
            name: Some(format!("UQ_t{i:03}_code")),
            columns: vec!["code".into()],
            clustered: false,
        }];
        if i > 0 {
            t.foreign_keys = vec![ForeignKey {
                name: format!("FK_t{i:03}_parent"),
                columns: vec!["parent_id".into()],
                references: QualifiedName::new("dbo", format!("t{:03}", i - 1)),
                referenced_columns: vec!["id".into()],
                on_delete: RefAction::NoAction,
                on_update: RefAction::NoAction,
            }];
        }
        tables.push(t);
    }
    Schema::new(vec!["dbo".into()], vec![], tables).unwrap_or_default()
}

/// 1,000 queries of eight shapes spread over the tables.
fn corpus() -> Vec<TokenStream> {
    (0..QUERIES)
        .map(|i| {
            let t = format!("t{:03}", 1 + i % (TABLES - 1));
            let p = format!("t{:03}", i % (TABLES - 1));
            let q = match i % 8 {
                0 => format!("q{i}: select {t} {{ id, name, amount }} where code == $code && created_at >= $since order by created_at desc limit 20"),
                1 => format!("q{i}: select {t} join {p} {{ {t}.name, {p}.name as parent, {t}.amount }} where {p}.qty > 10"),
                2 => format!("q{i}: select {t} {{ code, count(*) as n, sum(amount) as total }} group by code having sum(amount) > 100"),
                3 => format!("q{i}: select {t} where qty == $qty? && code == $code? && amount > $min? order by id offset $skip limit 50"),
                4 => format!("q{i}: insert {t} {{ name: $name, code: $code, amount: $amount, qty: $qty, created_at: $at, flag: true, parent_id: $parent }} returning id"),
                5 => format!("q{i}: update {t} set {{ amount: amount * (1 - $discount), note: $note }} where id == $id"),
                6 => format!("q{i}: delete top (1000) {t} where created_at < dateadd(day, -30, sysutcdatetime())"),
                _ => format!("q{i}: upsert {t} on code {{ code: $code, name: $name, amount: $amount, qty: 1, created_at: $at, flag: false, parent_id: 1 }}"),
            };
            TokenStream::from_str(&q).unwrap_or_default()
        })
        .collect()
}

/// syntax → resolve → check → lower for all 1,000 queries.
#[divan::bench(sample_count = 20)]
fn corpus_check_and_lower(bencher: divan::Bencher) {
    let schema = schema();
    let corpus = corpus();
    bencher.bench_local(|| {
        let mut ok = 0;
        for q in &corpus {
            ok += usize::from(compile(divan::black_box(q.clone()), &schema).is_ok());
        }
        assert_eq!(ok, QUERIES);
    });
}

/// The whole macro body (including `expand` and rendering tokens) for all
/// 1,000 queries.
#[divan::bench(sample_count = 20)]
fn corpus_full_expansion(bencher: divan::Bencher) {
    let schema = schema();
    let corpus = corpus();
    bencher.bench_local(|| {
        let mut bytes = 0;
        for q in &corpus {
            bytes += expand_with(
                divan::black_box(q.clone()),
                &schema,
                None,
                &Target::Generated,
            )
            .to_string()
            .len();
        }
        bytes
    });
}

/// Parsing the 500-table snapshot file (done once per compiler process).
#[divan::bench(sample_count = 20)]
fn snapshot_load_500_tables(bencher: divan::Bencher) {
    let text = quarry_schema::snapshot::render(&schema());
    let path = std::path::Path::new("bench.schema");
    bencher.bench_local(|| {
        quarry_schema::snapshot::parse(divan::black_box(&text), path).map(|s| s.tables().len())
    });
}
