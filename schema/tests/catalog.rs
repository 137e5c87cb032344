//! The catalog reflection SQL, pinned: every query text is an insta snapshot
//! (`snapshots/catalog__*.snap`), so a change to what `cargo xtask schema
//! refresh --url` asks the server shows up in review, and each text must
//! parse with sqlparser's `MsSqlDialect` as an independent syntax check.

use quarry_schema::catalog::QUERIES;
use sqlparser::ast::{Expr, Query, SelectItem, SetExpr, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

#[test]
fn reflection_queries_are_pinned() {
    for (name, sql) in QUERIES {
        insta::assert_snapshot!(name, sql);
    }
}

#[test]
fn reflection_queries_parse_as_single_selects() {
    for (name, sql) in QUERIES {
        let statements = Parser::parse_sql(&MsSqlDialect {}, sql)
            .unwrap_or_else(|e| panic!("query `{name}` does not parse: {e}\n{sql}"));
        assert_eq!(statements.len(), 1, "query `{name}` is one statement");
        let Statement::Query(query) = &statements[0] else {
            panic!("query `{name}` is not a SELECT: {:?}", statements[0]);
        };
        // Every query is ordered, so the rows arrive in a stable order for
        // humans reading a trace; build_schema itself does not rely on it.
        let ordered = query.order_by.is_some();
        let single_row = name == "database";
        assert!(ordered || single_row, "query `{name}` has an ORDER BY");
        assert!(
            matches!(
                *query.body,
                SetExpr::Select(_) | SetExpr::SetOperation { .. }
            ),
            "query `{name}` is a plain SELECT"
        );
    }
}

/// The result column names of a query, as a client sees them: the alias, or
/// the last part of a column reference. `None` for an unnamed expression.
fn projection(query: &Query) -> Vec<Option<String>> {
    let mut body = &*query.body;
    // For a UNION the first branch names the columns.
    while let SetExpr::SetOperation { left, .. } = body {
        body = left;
    }
    let SetExpr::Select(select) = body else {
        panic!("not a SELECT: {body}");
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                parts.last().map(|p| p.value.clone())
            }
            SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Some(ident.value.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn reflection_queries_return_their_documented_columns() {
    // The names the live reader asks each row for (xtask/src/live.rs), in
    // the order the constants' docs list them.
    let expected: &[(&str, &[&str])] = &[
        ("database", &["database_name", "collation_name"]),
        ("schemas", &["schema_name"]),
        (
            "alias_types",
            &[
                "schema_name",
                "type_name",
                "base_type_name",
                "max_length",
                "precision",
                "scale",
                "is_nullable",
            ],
        ),
        ("objects", &["schema_name", "object_name", "object_type"]),
        (
            "columns",
            &[
                "schema_name",
                "object_name",
                "column_id",
                "column_name",
                "type_name",
                "max_length",
                "precision",
                "scale",
                "is_nullable",
                "is_identity",
                "identity_seed",
                "identity_increment",
                "computed_definition",
                "is_persisted",
                "default_name",
                "default_is_system_named",
                "default_definition",
                "collation_name",
                "is_rowguidcol",
                "generated_always_type",
                "user_type_schema",
                "user_type_name",
            ],
        ),
        (
            "keys",
            &[
                "schema_name",
                "table_name",
                "constraint_name",
                "is_system_named",
                "constraint_type",
                "index_type",
                "key_ordinal",
                "column_name",
            ],
        ),
        (
            "indexes",
            &[
                "schema_name",
                "object_name",
                "index_name",
                "is_unique",
                "index_type",
                "filter_definition",
                "index_column_id",
                "key_ordinal",
                "is_descending_key",
                "is_included_column",
                "column_name",
            ],
        ),
        (
            "foreign_keys",
            &[
                "schema_name",
                "table_name",
                "constraint_name",
                "is_system_named",
                "referenced_schema",
                "referenced_table",
                "delete_referential_action",
                "update_referential_action",
                "constraint_column_id",
                "column_name",
                "referenced_column_name",
            ],
        ),
        (
            "triggers",
            &[
                "schema_name",
                "object_name",
                "trigger_name",
                "is_disabled",
                "is_instead_of_trigger",
            ],
        ),
    ];
    assert_eq!(
        QUERIES.map(|(name, _)| name).to_vec(),
        expected.iter().map(|(name, _)| *name).collect::<Vec<_>>()
    );
    for ((name, sql), (_, columns)) in QUERIES.iter().zip(expected) {
        let statements = Parser::parse_sql(&MsSqlDialect {}, sql).unwrap();
        let Statement::Query(query) = &statements[0] else {
            panic!("query `{name}` is not a SELECT");
        };
        let got = projection(query);
        let want: Vec<Option<String>> = columns.iter().map(|c| Some(c.to_string())).collect();
        assert_eq!(got, want, "result columns of query `{name}`");
    }
}

#[test]
fn reflection_queries_name_only_catalog_views() {
    // Nothing but `sys.*` views: the reflection never reads user data.
    for (name, sql) in QUERIES {
        for word in sql.split(|c: char| c.is_whitespace() || c == '(' || c == ',') {
            if let Some(rest) = word.strip_prefix("sys.") {
                assert!(
                    rest.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "query `{name}` names `{word}`"
                );
            }
        }
        let after_from: Vec<&str> = sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] == "FROM" || w[0] == "JOIN")
            .map(|w| w[1])
            .collect();
        assert!(!after_from.is_empty(), "query `{name}` reads something");
        for source in after_from {
            assert!(
                source.starts_with("sys."),
                "query `{name}` reads `{source}`, not a catalog view"
            );
        }
    }
}
