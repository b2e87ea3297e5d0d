//! DriftDB's own statements and the legacy CREATE TABLE form.

use std::time::Duration;

use driftdb_sql::Statement;
use sqlparser::ast::{ColumnOption, DataType, Statement as Ast, TableConstraint};

use crate::{parse_err, parse_ok, parse_sql};

fn one(sql: &str) -> Statement {
    let mut statements = parse_ok(sql);
    assert_eq!(statements.len(), 1, "{sql}");
    statements.remove(0)
}

#[test]
fn checkpoint_and_vacuum() {
    let Statement::Checkpoint { table } = one("CHECKPOINT TABLE orders") else {
        panic!()
    };
    assert_eq!(table.to_string(), "orders");
    let Statement::Checkpoint { table } = one("checkpoint table app.\"Orders\";") else {
        panic!()
    };
    assert_eq!(table.to_string(), "app.\"Orders\"");
    assert_eq!(one("VACUUM"), Statement::Vacuum { table: None });
    assert_eq!(one("vacuum;"), Statement::Vacuum { table: None });
    let Statement::Vacuum { table: Some(table) } = one("VACUUM orders") else {
        panic!()
    };
    assert_eq!(table.to_string(), "orders");
}

#[test]
fn several_statements_mixed() {
    let statements = parse_ok("VACUUM; CHECKPOINT TABLE t; SELECT 1;;");
    assert_eq!(statements.len(), 3);
    assert!(matches!(statements[0], Statement::Vacuum { table: None }));
    assert!(matches!(statements[1], Statement::Checkpoint { .. }));
    assert!(matches!(statements[2], Statement::Sql(_)));
}

#[test]
fn history_retention() {
    let Statement::SetHistoryRetention { table, retention } =
        one("ALTER TABLE orders SET (history_retention = '30 days')")
    else {
        panic!()
    };
    assert_eq!(table.to_string(), "orders");
    assert_eq!(retention, Duration::from_secs(30 * 86_400));
    let error = parse_err("ALTER TABLE orders SET (history_retention = 'a while')");
    assert_eq!((error.sqlstate(), error.position()), ("22007", Some(45)));
    let error = parse_err("ALTER TABLE orders SET (history_retention = 30)");
    assert_eq!(error.sqlstate(), "0A000");
    let error = parse_err("ALTER TABLE orders SET (history_retention = '1 day', fillfactor = 70)");
    assert_eq!(error.sqlstate(), "0A000");
    // Other storage parameters are plain SQL for the planner to judge.
    assert!(matches!(
        one("ALTER TABLE orders SET (fillfactor = 70)"),
        Statement::Sql(_)
    ));
}

#[test]
fn legacy_create_table_is_a_standard_create_table() {
    let legacy = parse_sql(
        "CREATE TABLE users (pk=id, INDEX(name), id BIGINT, name TEXT NOT NULL, email TEXT)",
    );
    let Ast::CreateTable(create) = &legacy.statement else {
        panic!("{:?}", legacy.statement)
    };
    assert_eq!(create.name.to_string(), "users");
    let columns: Vec<(String, DataType)> = create
        .columns
        .iter()
        .map(|c| (c.name.value.clone(), c.data_type.clone()))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id".into(), DataType::BigInt(None)),
            ("name".into(), DataType::Text),
            ("email".into(), DataType::Text),
        ]
    );
    assert!(matches!(
        create.columns[1].options[0].option,
        ColumnOption::NotNull
    ));
    let [
        TableConstraint::PrimaryKey(pk),
        TableConstraint::Index(index),
    ] = create.constraints.as_slice()
    else {
        panic!("{:?}", create.constraints)
    };
    assert_eq!(
        pk.columns.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["id"]
    );
    assert_eq!(
        index
            .columns
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        ["name"]
    );

    // The same table in standard SQL has the same columns and primary key.
    let standard = parse_sql(
        "CREATE TABLE users (id BIGINT, name TEXT NOT NULL, email TEXT, PRIMARY KEY (id))",
    );
    let Ast::CreateTable(standard) = &standard.statement else {
        panic!()
    };
    assert_eq!(standard.columns, create.columns);
    assert_eq!(standard.constraints[0], create.constraints[0]);
}

#[test]
fn legacy_items_in_any_order_with_names_and_composite_keys() {
    let statement = parse_sql(
        "CREATE TABLE IF NOT EXISTS app.events (ts TIMESTAMP, INDEX by_kind (kind, ts), \
         kind TEXT DEFAULT 'x', pk = (kind, ts))",
    );
    let Ast::CreateTable(create) = &statement.statement else {
        panic!()
    };
    assert!(create.if_not_exists);
    assert_eq!(create.name.to_string(), "app.events");
    let [
        TableConstraint::PrimaryKey(pk),
        TableConstraint::Index(index),
    ] = create.constraints.as_slice()
    else {
        panic!("{:?}", create.constraints)
    };
    assert_eq!(pk.columns.len(), 2);
    assert_eq!(
        index.name.as_ref().map(|n| n.value.as_str()),
        Some("by_kind")
    );
    assert_eq!(index.columns.len(), 2);
}

#[test]
fn legacy_mistakes() {
    let cases = [
        // DESIGN.md's short example declares no columns: the key has no type.
        ("CREATE TABLE t (pk=id, INDEX(name))", "42703", Some(17)),
        (
            "CREATE TABLE t (pk=id, id INT, INDEX(nope))",
            "42703",
            Some(32),
        ),
        ("CREATE TABLE t (INDEX(id), id INT)", "42P16", Some(14)),
        ("CREATE TABLE t (pk=id, pk=id, id INT)", "42P16", Some(24)),
        ("CREATE TABLE t (pk=id, id)", "42601", Some(26)),
        ("CREATE TABLE t (pk=, id INT)", "42601", Some(20)),
        ("CREATE TABLE t (pk=id, id INT", "42601", Some(30)),
    ];
    for (sql, sqlstate, position) in cases {
        let error = parse_err(sql);
        assert_eq!(
            (error.sqlstate(), error.position()),
            (sqlstate, position),
            "{sql}: {error}"
        );
    }
}

#[test]
fn quoted_pk_is_a_column_not_the_legacy_key() {
    // `"pk" INT` is an ordinary column; this is the standard form.
    let statement = parse_sql("CREATE TABLE t (\"pk\" INT PRIMARY KEY)");
    let Ast::CreateTable(create) = &statement.statement else {
        panic!()
    };
    assert_eq!(create.columns[0].name.value, "pk");
    assert!(create.constraints.is_empty());
}

#[test]
fn legacy_form_is_recognised_per_statement() {
    let statements = parse_ok(
        "CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (pk=id, id INT); \
         SELECT 'CREATE TABLE c (pk=id)'",
    );
    let kinds: Vec<usize> = statements
        .iter()
        .map(|s| match s {
            Statement::Sql(s) => match &s.statement {
                Ast::CreateTable(c) => c.constraints.len(),
                _ => usize::MAX,
            },
            other => panic!("{other:?}"),
        })
        .collect();
    // `a` keeps its column-level key (no table constraints); `b` gets PRIMARY KEY (id).
    assert_eq!(kinds, vec![0, 1, usize::MAX]);
}

#[test]
fn wide_legacy_create_table() {
    // The key comes after 20 000 columns; detection still finds it (in one pass).
    let columns: Vec<String> = (0..20_000).map(|i| format!("c{i} INT")).collect();
    let sql = format!("CREATE TABLE wide ({}, pk=c0)", columns.join(", "));
    let statement = parse_sql(&sql);
    let Ast::CreateTable(create) = &statement.statement else {
        panic!()
    };
    assert_eq!(create.columns.len(), 20_000);
    assert_eq!(create.constraints.len(), 1);
}
