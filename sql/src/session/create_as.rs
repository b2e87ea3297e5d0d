//! `CREATE TABLE name [(columns)] AS query [WITH [NO] DATA]` and `SELECT ... INTO name`
//! (which the parser turns into the first form).
//!
//! The query runs at the statement's snapshot; the new table has a column for each of its
//! output columns (named by the column list where one is given), of the type that holds the
//! column's values, nullable and without defaults, as PostgreSQL makes them. It has no
//! primary key, so it gets a hidden row identity, numbered from 1 for the rows the query
//! gave. The table, its rows and its row-identity sequence are written as one statement:
//! one ledger record, or part of the open transaction.

use driftdb_projector::{Column, LedgerOp, Value};
use sqlparser::ast::{CreateTable, Statement as Ast};

use super::ddl::TableDefinition;
use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::outcome::CommandTag;
use crate::schemas::table_name;
use crate::strict_cast::rows_of;

impl Session {
    /// `CREATE TABLE ... AS query` (see the module documentation).
    pub(super) async fn create_table_as(
        &self,
        create: &CreateTable,
        snapshot: &Snapshot,
    ) -> Result<Option<Write>> {
        let Some(query) = &create.query else {
            return Err(crate::error::unsupported(
                "internal: CREATE TABLE AS without a query",
            ));
        };
        let name = table_name(&create.name)?;
        // `IF NOT EXISTS` skips before the query runs.
        if create.if_not_exists && self.relation_exists(&name, snapshot) {
            return Ok(None);
        }
        let rows = self.query_at(Ast::Query(query.clone()), snapshot).await?;
        let fields = rows.schema.fields();
        if create.columns.len() > fields.len() {
            return Err(Error::Execution {
                message: "too many column names were specified".to_string(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
        let mut columns: Vec<Column> = Vec::with_capacity(fields.len());
        for (i, field) in fields.iter().enumerate() {
            let column = create.columns.get(i).map_or_else(
                || field.name().clone(),
                |c| crate::schemas::ident_name(&c.name),
            );
            super::ddl::refuse_pseudo_column(&column)?;
            if columns.iter().any(|c| c.name == column) {
                return Err(Error::Execution {
                    message: format!("column \"{column}\" specified more than once"),
                    sqlstate: SqlState::DUPLICATE_COLUMN,
                });
            }
            let Some(data_type) = crate::arrow::column_type(field) else {
                return Err(Error::Execution {
                    message: format!(
                        "column \"{column}\" has type {}, which a table cannot hold",
                        field.data_type()
                    ),
                    sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                });
            };
            columns.push(Column::new(column, data_type, true));
        }
        let types: Vec<_> = columns.iter().map(|c| c.data_type.clone()).collect();
        let mut values = Vec::new();
        for batch in &rows.batches {
            values.extend(rows_of(batch, &types)?);
        }
        let mut definition =
            TableDefinition::of_columns(&name, columns, self.row_id_sequence(&name, snapshot))?;
        // The rows are numbered 1, 2, ...; the sequence goes on after them.
        let written = values.len();
        let count = i64::try_from(written).unwrap_or(i64::MAX);
        for sequence in &mut definition.sequences {
            sequence.last_value = count.max(sequence.start);
            sequence.is_called = count > 0;
        }
        let table = definition.schema.name().to_string();
        let Some(mut ops) = self
            .create_defined(definition, create.if_not_exists, snapshot)
            .await?
        else {
            return Ok(None);
        };
        ops.extend(values.into_iter().zip(1..).map(|(mut row, id)| {
            row.push(Value::Int64(id));
            LedgerOp::Upsert {
                table: table.clone(),
                row,
            }
        }));
        Ok(Some(Write {
            ops,
            tag: CommandTag::rows("SELECT", written),
            rows: None,
        }))
    }
}
