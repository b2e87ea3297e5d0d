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
//! (`json_array_elements`). The statement rewrite (`rewrite.rs`) calls this for the `FROM` items it rewrites
//! (`crate::catalog`), which refuses a function of an outer column (`LATERAL`) first.

use sqlparser::ast::{DataType, FunctionArg, FunctionArgExpr, Query, TableAlias, TableFactor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::SqlState;
use crate::error::{Error, Result};

/// The array function a record function reads its rows from (`None`: one row), if
/// `function` is one.
fn rows_of(function: &str) -> Option<Option<&'static str>> {
    Some(match function {
        "json_to_record" | "jsonb_to_record" => None,
        "json_to_recordset" => Some("json_array_elements"),
        "jsonb_to_recordset" => Some("jsonb_array_elements"),
        _ => return None,
    })
}

/// Whether `function` (lower case) is one of the record functions.
pub(crate) fn is_record_function(function: &str) -> bool {
    rows_of(function).is_some()
}

/// The subquery `function(args) AS alias(columns)` stands for.
pub(crate) fn record_table(
    function: &str,
    args: &[FunctionArg],
    alias: Option<&TableAlias>,
) -> Result<TableFactor> {
    let elements = rows_of(function).flatten();
    let argument = match args {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => e.to_string(),
        _ => {
            return Err(Error::Execution {
                message: format!("{function} takes one argument"),
                sqlstate: SqlState::UNDEFINED_FUNCTION,
            });
        }
    };
    let definitions = || Error::Execution {
        message: "a column definition list is required for functions returning \"record\""
            .to_string(),
        sqlstate: SqlState::SYNTAX_ERROR,
    };
    let alias = alias.ok_or_else(definitions)?;
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
    Ok(TableFactor::Derived {
        lateral: false,
        subquery: Box::new(subquery),
        alias: Some(TableAlias {
            explicit: true,
            name: alias.name.clone(),
            columns: Vec::new(),
            at: None,
        }),
        sample: None,
    })
}
