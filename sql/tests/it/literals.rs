//! Text that only looks like a temporal clause is left exactly as written.

use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement as Ast, Value};

use crate::{parse_sql, table, tables};

fn projection(sql: &str) -> Vec<Expr> {
    let statement = parse_sql(sql);
    assert!(statement.temporal.is_empty(), "{sql}");
    let Ast::Query(query) = &statement.statement else {
        panic!("{sql}")
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        panic!("{sql}")
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr.clone(),
            other => panic!("{other}"),
        })
        .collect()
}

fn string(expr: &Expr) -> &str {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::DollarQuotedString(sqlparser::ast::DollarQuotedString { value: s, .. }) => s,
            other => panic!("{other}"),
        },
        other => panic!("{other}"),
    }
}

#[test]
fn strings_keep_clause_words_and_seq_literals() {
    let exprs = projection(
        "SELECT 'FOR SYSTEM_TIME ALL', 'x FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:2', \
         '@SEQ:1000', $$FOR SYSTEM_TIME CONTAINED IN (a, b)$$",
    );
    assert_eq!(string(&exprs[0]), "FOR SYSTEM_TIME ALL");
    assert_eq!(
        string(&exprs[1]),
        "x FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:2"
    );
    assert_eq!(string(&exprs[2]), "@SEQ:1000");
    assert_eq!(string(&exprs[3]), "FOR SYSTEM_TIME CONTAINED IN (a, b)");
}

#[test]
fn quoted_identifiers_named_like_keywords() {
    let statement = parse_sql(
        "SELECT \"ALL\", \"BETWEEN\", \"@SEQ:5\" FROM \"FOR\" \"SYSTEM_TIME\" \
         WHERE \"CONTAINED\" BETWEEN 1 AND 2",
    );
    assert!(statement.temporal.is_empty());
    assert_eq!(
        tables(&statement),
        vec![table("\"FOR\"", Some("SYSTEM_TIME"), None)]
    );
    let printed = statement.statement.to_string();
    assert!(printed.contains("\"@SEQ:5\""), "{printed}");
}

#[test]
fn ordinary_all_between_and_from() {
    // ALL, BETWEEN and FROM keep their usual meanings outside FOR SYSTEM_TIME.
    let statement = parse_sql(
        "SELECT ALL a FROM t WHERE a BETWEEN 1 AND 2 AND b IN (1, 2) \
         UNION ALL SELECT a FROM u",
    );
    assert!(statement.temporal.is_empty());
    assert_eq!(
        tables(&statement),
        vec![table("t", None, None), table("u", None, None)]
    );
}

#[test]
fn comments_are_not_rewritten() {
    let statement =
        parse_sql("SELECT 1 -- FOR SYSTEM_TIME ALL\n /* FOR SYSTEM_TIME AS OF @SEQ:x */");
    assert!(statement.temporal.is_empty());
}

#[test]
fn system_time_as_a_column_name() {
    let statement = parse_sql("SELECT system_time FROM t WHERE system_time > '2025-01-01'");
    assert!(statement.temporal.is_empty());
}

#[test]
fn users_cannot_forge_a_marker() {
    // Markers are backtick-quoted words, which the PostgreSQL tokenizer never produces.
    let error = crate::parse_err("SELECT * FROM t FOR SYSTEM_TIME AS OF `driftdb_system_time_0`");
    assert_eq!(error.sqlstate(), "0A000", "{error}");
    let statement = parse_sql("SELECT driftdb_system_time_0 FROM t");
    assert!(statement.temporal.is_empty());
}
