//! Snapshot load, render and DDL import on a generated 500-table schema
//! (10 to 14 columns each, a primary key, a foreign key, named defaults, an
//! index): the scale of the design's "snapshot load < 5 ms at 500 tables".

use std::path::Path;

use quarry_schema::{Schema, ddl, snapshot};

fn main() {
    divan::main();
}

const TABLES: usize = 500;

/// T-SQL DDL for `TABLES` tables in the style of an SSMS script.
fn generated_ddl() -> String {
    let mut sql = String::from(
        "CREATE SCHEMA [app]\nGO\nCREATE TYPE [dbo].[Name] FROM nvarchar(120) NOT NULL\nGO\n",
    );
    for i in 0..TABLES {
        let schema = if i % 5 == 0 { "app" } else { "dbo" };
        sql.push_str(&format!(
            "CREATE TABLE [{schema}].[table_{i:03}](\n\
             \t[id] [int] IDENTITY(1,1) NOT NULL,\n\
             \t[name] [dbo].[Name],\n\
             \t[code] [varchar](20) NOT NULL,\n\
             \t[amount] [decimal](18, 2) NULL,\n\
             \t[quantity] [smallint] NOT NULL CONSTRAINT [DF_t{i}_quantity] DEFAULT ((0)),\n\
             \t[note] [nvarchar](max) NULL,\n\
             \t[created_at] [datetime2](7) NOT NULL CONSTRAINT [DF_t{i}_created_at] DEFAULT (sysutcdatetime()),\n\
             \t[is_active] [bit] NOT NULL CONSTRAINT [DF_t{i}_is_active] DEFAULT ((1)),\n\
             \t[parent_id] [int] NULL,\n\
             \t[total] AS ([quantity] * [amount]) PERSISTED,\n"
        ));
        for extra in 0..(i % 5) {
            sql.push_str(&format!(
                "\t[extra_{extra}] [nvarchar]({}) NULL,\n",
                10 + extra * 10
            ));
        }
        sql.push_str(&format!(
            " CONSTRAINT [PK_t{i}] PRIMARY KEY CLUSTERED ([id] ASC) WITH (PAD_INDEX = OFF) ON [PRIMARY],\n\
             \tCONSTRAINT [UQ_t{i}_code] UNIQUE NONCLUSTERED ([code] ASC)\n\
             ) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]\nGO\n\
             CREATE NONCLUSTERED INDEX [IX_t{i}_created] ON [{schema}].[table_{i:03}] ([created_at] DESC) INCLUDE ([amount])\nGO\n"
        ));
        if i > 0 {
            let parent = i - 1;
            let pschema = if parent % 5 == 0 { "app" } else { "dbo" };
            sql.push_str(&format!(
                "ALTER TABLE [{schema}].[table_{i:03}] WITH CHECK ADD CONSTRAINT [FK_t{i}_parent] FOREIGN KEY([parent_id])\n\
                 REFERENCES [{pschema}].[table_{parent:03}] ([id])\nGO\n"
            ));
        }
    }
    sql
}

fn generated() -> (String, Schema, String) {
    let sql = generated_ddl();
    let import = ddl::import_str(&sql, Path::new("generated.sql"));
    assert!(import.warnings.is_empty(), "{:?}", import.warnings.first());
    assert_eq!(import.schema.tables().len(), TABLES);
    let text = snapshot::render(&import.schema);
    (sql, import.schema, text)
}

#[divan::bench]
fn snapshot_load_500_tables(bencher: divan::Bencher) {
    let (_, schema, text) = generated();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| {
            let s = snapshot::parse(divan::black_box(&text), Path::new("quarry.schema"));
            assert_eq!(
                s.as_ref().map(|s| s.tables().len()),
                Ok(schema.tables().len())
            );
            s
        });
}

#[divan::bench]
fn snapshot_render_500_tables(bencher: divan::Bencher) {
    let (_, schema, _) = generated();
    bencher.bench(|| snapshot::render(divan::black_box(&schema)));
}

#[divan::bench]
fn ddl_import_500_tables(bencher: divan::Bencher) {
    let (sql, _, _) = generated();
    bencher
        .counter(divan::counter::BytesCount::of_str(&sql))
        .bench(|| ddl::import_str(divan::black_box(&sql), Path::new("generated.sql")));
}
