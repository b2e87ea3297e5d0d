//! `json_to_record`, `jsonb_to_record`, `json_to_recordset` and `jsonb_to_recordset` in a
//! `FROM` clause, with the column definition list PostgreSQL requires:
//!
//! ```sql
//! SELECT * FROM json_to_record('{"a": 1, "b": "x"}') AS r(a int, b text);
//! SELECT * FROM jsonb_to_recordset('[{"a": 1}, {"a": 2}]') AS r(a int);
//! ```
//!
//! Each becomes a subquery that reads one field per column: `->>` (the text of the value, a
//! string without its quotes) cast to the column's type, or `->` for a `json`/`jsonb`
//! column; a missing key is NULL. The `recordset` forms read each element of the array
//! (`json_array_elements`). A function of an outer column (`LATERAL`) is not supported.

use std::ops::ControlFlow;

use sqlparser::ast::{
    DataType, FunctionArg, FunctionArgExpr, Query, Statement, TableAlias, TableFactor, VisitMut,
    VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::error::{Error, Result};

/// Rewrites the record functions of `statement`'s `FROM` clauses (see the module
/// documentation).
pub(crate) fn rewrite(statement: &mut Statement) -> Result<()> {
    let mut rewriter = Rewriter { error: None };
    let _ = statement.visit(&mut rewriter);
    match rewriter.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Rewriter {
    error: Option<Error>,
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        match derived(factor) {
            Ok(Some(replacement)) => *factor = replacement,
            Ok(None) => {}
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}

/// The subquery a record function's `FROM` item stands for; `None` for any other item.
fn derived(factor: &TableFactor) -> Result<Option<TableFactor>> {
    let TableFactor::Table {
        name,
        args: Some(args),
        alias,
        ..
    } = factor
    else {
        return Ok(None);
    };
    let Some(function) = name.0.last().and_then(|p| p.as_ident()) else {
        return Ok(None);
    };
    let function = function.value.to_lowercase();
    let elements = match function.as_str() {
        "json_to_record" | "jsonb_to_record" => None,
        "json_to_recordset" => Some("json_array_elements"),
        "jsonb_to_recordset" => Some("jsonb_array_elements"),
        _ => return Ok(None),
    };
    let argument = match args.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => e.to_string(),
        _ => {
            return Err(Error::Execution {
                message: format!("{function} takes one argument"),
                sqlstate: "42883",
            });
        }
    };
    let definitions = || Error::Execution {
        message: "a column definition list is required for functions returning \"record\""
            .to_string(),
        sqlstate: "42601",
    };
    let alias = alias.as_ref().ok_or_else(definitions)?;
    if alias.columns.is_empty() {
        return Err(definitions());
    }
    let source = match elements {
        Some(_) => "__driftdb_record.value".to_string(),
        None => format!("({argument})"),
    };
    let mut items = Vec::with_capacity(alias.columns.len());
    for column in &alias.columns {
        let data_type = column.data_type.as_ref().ok_or_else(definitions)?;
        let key = column.name.value.replace('\'', "''");
        let operator = match data_type {
            DataType::JSON | DataType::JSONB => "->",
            _ => "->>",
        };
        let name = column.name.value.replace('"', "\"\"");
        items.push(format!(
            "CAST({source} {operator} '{key}' AS {data_type}) AS \"{name}\""
        ));
    }
    let mut sql = format!("SELECT {}", items.join(", "));
    if let Some(elements) = elements {
        sql.push_str(&format!(" FROM {elements}({argument}) AS __driftdb_record"));
    }
    let subquery: Query = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map(|q| *q)
        .map_err(|e| Error::Syntax {
            message: format!("{function}: {e}"),
            position: None,
        })?;
    Ok(Some(TableFactor::Derived {
        lateral: false,
        subquery: Box::new(subquery),
        alias: Some(TableAlias {
            explicit: true,
            name: alias.name.clone(),
            columns: Vec::new(),
            at: None,
        }),
        sample: None,
    }))
}
