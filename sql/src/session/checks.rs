//! `CHECK` constraints: their definitions, and their evaluation on every row a statement
//! writes (23514), through DataFusion over the new rows.
//!
//! A check is kept in the ledger beside its table (`driftdb_projector::Check`) with its
//! expression as written and the columns it names; a renamed column changes the names the
//! projector keeps, and [`current_expr`] reads the expression through them. The ledger
//! cannot evaluate SQL, so a transaction that read the table before a check was added to it
//! conflicts at `COMMIT` (40001) rather than committing rows nobody checked.

use std::collections::BTreeMap;

use datafusion::arrow::array::Array;

use driftdb_projector::{Check, Constraint, LedgerOp, Row, TableSchema};
use sqlparser::ast::{self, Expr, Statement as Ast};

use super::{Session, Snapshot};
use crate::SqlState;
use crate::error::key_text;
use crate::error::unsupported;
use crate::error::{Error, Result};
use crate::parser::Statement;
use crate::schemas::ident_name;

/// A `CHECK` clause as written: its name, if given, and its expression.
#[derive(Debug, Clone)]
pub(super) struct CheckSpec {
    pub(super) name: Option<String>,
    pub(super) expr: Expr,
    /// The column an inline `CHECK` follows.
    pub(super) column: Option<String>,
}

impl CheckSpec {
    pub(super) fn of(check: &ast::CheckConstraint, column: Option<&str>) -> Result<CheckSpec> {
        if check.enforced == Some(false) {
            return Err(unsupported("NOT ENFORCED check constraints"));
        }
        Ok(CheckSpec {
            name: check.name.as_ref().map(ident_name),
            expr: (*check.expr).clone(),
            column: column.map(str::to_string),
        })
    }
}

/// The columns `expr` names, in order of first appearance.
fn named_columns(expr: &Expr, schema: &TableSchema) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut unknown = None;
    let _ = ast::visit_expressions(expr, |e| {
        let ident = match e {
            Expr::Identifier(ident) => Some(ident),
            Expr::CompoundIdentifier(parts) => parts.last(),
            _ => None,
        };
        if let Some(ident) = ident {
            let name = ident_name(ident);
            if schema.column_index(&name).is_none() {
                unknown.get_or_insert(name);
            } else if !names.contains(&name) {
                names.push(name);
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    match unknown {
        Some(column) => Err(Error::Execution {
            message: format!("column \"{column}\" does not exist"),
            sqlstate: SqlState::UNDEFINED_COLUMN,
        }),
        None => Ok(names),
    }
}

/// The check `spec` declares on `table`; `taken`: the names of the table's constraints so
/// far, which its name must not repeat.
pub(super) fn check_of(
    table: &str,
    schema: &TableSchema,
    spec: CheckSpec,
    taken: &mut Vec<String>,
) -> Result<Check> {
    if ast::visit_expressions(&spec.expr, |e| match e {
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
            std::ops::ControlFlow::Break(())
        }
        _ => std::ops::ControlFlow::Continue(()),
    })
    .is_break()
    {
        return Err(Error::Execution {
            message: "cannot use subquery in check constraint".into(),
            sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
        });
    }
    let columns = named_columns(&spec.expr, schema)?;
    // PostgreSQL's choice: the table and the column, when the check names one.
    let base = match (&spec.column, columns.as_slice()) {
        (Some(column), _) => format!("{}_{column}_check", crate::schemas::own(table)),
        (None, [column]) => format!("{}_{column}_check", crate::schemas::own(table)),
        _ => format!("{}_check", crate::schemas::own(table)),
    };
    let name = super::foreign_keys::constraint_name(table, spec.name, &base, taken)?;
    Ok(Check {
        name,
        expr: spec.expr.to_string(),
        written: columns.clone(),
        columns,
    })
}

/// The constraint op that adds `check` to `table`.
pub(super) fn add(table: &str, check: Check) -> LedgerOp {
    LedgerOp::AddConstraint {
        table: table.to_string(),
        constraint: Constraint::Check(check),
    }
}

/// `check`'s expression, naming its columns as they are called now.
pub(crate) fn current_expr(check: &Check) -> Result<Expr> {
    let parsed = crate::parse(&format!("SELECT {}", check.expr))?.pop();
    let Some(Statement::Sql(sql)) = parsed else {
        return Err(unsupported(&format!("CHECK ({})", check.expr)));
    };
    let Ast::Query(query) = sql.statement else {
        return Err(unsupported(&format!("CHECK ({})", check.expr)));
    };
    let ast::SetExpr::Select(select) = *query.body else {
        return Err(unsupported(&format!("CHECK ({})", check.expr)));
    };
    let Some(ast::SelectItem::UnnamedExpr(mut expr)) = select.projection.into_iter().next() else {
        return Err(unsupported(&format!("CHECK ({})", check.expr)));
    };
    let renamed: BTreeMap<&str, &str> = check
        .written
        .iter()
        .map(String::as_str)
        .zip(check.columns.iter().map(String::as_str))
        .filter(|(from, to)| from != to)
        .collect();
    if !renamed.is_empty() {
        let _ = ast::visit_expressions_mut(&mut expr, |e| {
            if let Expr::Identifier(ident) = e
                && let Some(to) = renamed.get(ident_name(ident).as_str())
            {
                *ident = if crate::schemas::quote_ident(to) == *to {
                    ast::Ident::new(*to)
                } else {
                    ast::Ident::with_quote('"', *to)
                };
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
    }
    Ok(expr)
}

impl Session {
    /// Evaluates the check constraints of the tables `ops` writes on the rows it writes:
    /// a row for which one is false fails the statement (23514; NULL passes, as in SQL).
    pub(super) async fn check_rows(&self, ops: &[LedgerOp], snapshot: &Snapshot) -> Result<()> {
        let constraints = self.constraints_at(snapshot);
        if constraints.checks().next().is_none() {
            return Ok(());
        }
        let mut written: BTreeMap<&str, Vec<Row>> = BTreeMap::new();
        for op in ops {
            if let LedgerOp::Upsert { table, row } = op
                && constraints.checks_of(table).next().is_some()
            {
                written.entry(table).or_default().push(row.clone());
            }
        }
        for (table, rows) in written {
            let schema = self.schema_at(table, snapshot)?;
            let checks: Vec<&Check> = constraints.checks_of(table).collect();
            let mut items = Vec::with_capacity(checks.len());
            for check in &checks {
                items.push(ast::SelectItem::UnnamedExpr(Expr::IsNotFalse(Box::new(
                    Expr::Nested(Box::new(current_expr(check)?)),
                ))));
            }
            let result = super::dml::returning("__check", &schema, &rows, &items).await?;
            let mut row = 0;
            for batch in &result.batches {
                for r in 0..batch.num_rows() {
                    for (i, check) in checks.iter().enumerate() {
                        let passes = batch
                            .column(i)
                            .as_any()
                            .downcast_ref::<datafusion::arrow::array::BooleanArray>()
                            .is_none_or(|a| a.is_null(r) || a.value(r));
                        if !passes {
                            return Err(violation(table, check, &rows[row]));
                        }
                    }
                    row += 1;
                }
            }
        }
        Ok(())
    }

    /// Whether every current row of `table` passes `check` (`ALTER TABLE ... ADD CHECK`).
    pub(super) async fn rows_pass(
        &self,
        table: &str,
        check: &Check,
        snapshot: &Snapshot,
    ) -> Result<()> {
        let expr = current_expr(check)?;
        let sql = format!(
            "SELECT count(*) FROM {} WHERE ({expr}) IS FALSE",
            crate::schemas::quote_ident(table)
        );
        let failing = self.count(&sql, snapshot).await?;
        if failing > 0 {
            return Err(Error::Execution {
                message: format!(
                    "check constraint \"{}\" of relation \"{table}\" is violated by some row",
                    check.name
                ),
                sqlstate: SqlState::CHECK_VIOLATION,
            });
        }
        Ok(())
    }
}

/// The error of `row` failing `check` of `table`, with PostgreSQL's message and detail.
fn violation(table: &str, check: &Check, row: &Row) -> Error {
    let values: Vec<String> = row.iter().map(key_text).collect();
    Error::CheckViolation {
        message: format!(
            "new row for relation \"{table}\" violates check constraint \"{}\"",
            check.name
        ),
        detail: format!("Failing row contains ({}).", values.join(", ")),
    }
}

impl Session {
    /// Whether a current row of `table` holds NULL in `column` (`SET NOT NULL`).
    pub(super) async fn has_nulls(
        &self,
        table: &str,
        column: &str,
        snapshot: &Snapshot,
    ) -> Result<bool> {
        let sql = format!(
            "SELECT count(*) FROM {} WHERE {} IS NULL",
            crate::schemas::quote_ident(table),
            crate::schemas::quote_ident(column)
        );
        Ok(self.count(&sql, snapshot).await? > 0)
    }

    /// The count a `SELECT count(*) ...` of ours gives.
    async fn count(&self, sql: &str, snapshot: &Snapshot) -> Result<i64> {
        let statement = crate::parse(sql)?
            .pop()
            .and_then(|s| match s {
                Statement::Sql(sql) => Some(sql.statement),
                _ => None,
            })
            .ok_or_else(|| unsupported(sql))?;
        let rows = self.query_at(statement, snapshot).await?;
        Ok(rows
            .batches
            .first()
            .and_then(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::Int64Array>()
                    .map(|a| a.value(0))
            })
            .unwrap_or(0))
    }
}
