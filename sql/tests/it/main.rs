//! Integration tests of the SQL layer, one binary with a module per area: the front end
//! (errors, literals, own_statements, properties, standard, temporal) through the public
//! parsing API, and DataFusion execution (access, history, overlay, queries, types) over
//! projector tables built through the projector's API.
//! `tables` walks a parsed statement and lists every
//! table reference with what it reads, so tests assert on the AST the planner will see.

mod access;
mod chunked;
mod common;
mod database;
mod errors;
mod frontend;
mod history;
mod layering;
mod literals;
mod model;
mod overlay;
mod own_statements;
mod point_reads;
mod point_updates;
mod properties;
mod queries;
mod range_model;
mod slt;
mod standard;
mod temporal;
mod types;

use driftdb_sql::{Error, SqlStatement, Statement, SystemTime, parse};
use sqlparser::ast::{
    Expr, Query, SelectItem, SetExpr, Statement as Ast, TableFactor, TableWithJoins,
};

/// Parses `sql`, failing the test with the error.
pub fn parse_ok(sql: &str) -> Vec<Statement> {
    match parse(sql) {
        Ok(statements) => statements,
        Err(error) => panic!("{sql:?} failed: {error} ({error:?})"),
    }
}

/// Parses exactly one sqlparser statement.
pub fn parse_sql(sql: &str) -> SqlStatement {
    let mut statements = parse_ok(sql);
    assert_eq!(statements.len(), 1, "{sql:?}");
    match statements.remove(0) {
        Statement::Sql(statement) => *statement,
        other => panic!("{sql:?} gave {other:?}"),
    }
}

/// Parses `sql`, expecting an error.
pub fn parse_err(sql: &str) -> Error {
    match parse(sql) {
        Ok(statements) => panic!("{sql:?} was accepted as {statements:?}"),
        Err(error) => error,
    }
}

/// One table reference: its name, its alias and what it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    pub name: String,
    pub alias: Option<String>,
    pub system_time: Option<SystemTime>,
}

/// Every table reference of a statement, in the order the walk meets them.
pub fn tables(statement: &SqlStatement) -> Vec<TableRef> {
    let mut out = Vec::new();
    walk_statement(statement, &statement.statement, &mut out);
    out
}

fn walk_statement(owner: &SqlStatement, ast: &Ast, out: &mut Vec<TableRef>) {
    match ast {
        Ast::Query(query) => walk_query(owner, query, out),
        Ast::Insert(insert) => {
            if let Some(source) = &insert.source {
                walk_query(owner, source, out);
            }
        }
        Ast::Explain { statement, .. } => walk_statement(owner, statement, out),
        _ => {}
    }
}

fn walk_query(owner: &SqlStatement, query: &Query, out: &mut Vec<TableRef>) {
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            walk_query(owner, &cte.query, out);
        }
    }
    walk_set_expr(owner, &query.body, out);
}

fn walk_set_expr(owner: &SqlStatement, body: &SetExpr, out: &mut Vec<TableRef>) {
    match body {
        SetExpr::Select(select) => {
            for item in &select.projection {
                if let SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } = item
                {
                    walk_expr(owner, expr, out);
                }
            }
            for from in &select.from {
                walk_from(owner, from, out);
            }
            if let Some(selection) = &select.selection {
                walk_expr(owner, selection, out);
            }
        }
        SetExpr::Query(query) => walk_query(owner, query, out),
        SetExpr::SetOperation { left, right, .. } => {
            walk_set_expr(owner, left, out);
            walk_set_expr(owner, right, out);
        }
        _ => {}
    }
}

fn walk_from(owner: &SqlStatement, from: &TableWithJoins, out: &mut Vec<TableRef>) {
    walk_factor(owner, &from.relation, out);
    for join in &from.joins {
        walk_factor(owner, &join.relation, out);
    }
}

fn walk_factor(owner: &SqlStatement, factor: &TableFactor, out: &mut Vec<TableRef>) {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            // Stateless: the factor alone says what it reads.
            let system_time = match SystemTime::of_table_factor(factor) {
                Ok(system_time) => system_time,
                Err(error) => panic!("version of {name} does not resolve: {error}"),
            };
            out.push(TableRef {
                name: name.to_string(),
                alias: alias.as_ref().map(|a| a.name.value.clone()),
                system_time,
            });
        }
        TableFactor::Derived { subquery, .. } => walk_query(owner, subquery, out),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => walk_from(owner, table_with_joins, out),
        _ => {}
    }
}

fn walk_expr(owner: &SqlStatement, expr: &Expr, out: &mut Vec<TableRef>) {
    match expr {
        Expr::Subquery(query)
        | Expr::Exists {
            subquery: query, ..
        } => walk_query(owner, query, out),
        Expr::InSubquery { expr, subquery, .. } => {
            walk_expr(owner, expr, out);
            walk_query(owner, subquery, out);
        }
        Expr::BinaryOp { left, right, .. } => {
            walk_expr(owner, left, out);
            walk_expr(owner, right, out);
        }
        Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => walk_expr(owner, inner, out),
        _ => {}
    }
}

/// Shorthand for a table reference in expectations.
pub fn table(name: &str, alias: Option<&str>, system_time: Option<SystemTime>) -> TableRef {
    TableRef {
        name: name.into(),
        alias: alias.map(Into::into),
        system_time,
    }
}
