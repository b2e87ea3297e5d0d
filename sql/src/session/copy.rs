//! `COPY t [(columns)] FROM STDIN` and `COPY {t | (query)} TO STDOUT`, in PostgreSQL's text
//! and CSV formats ([`crate::copy`]), and its binary format, whose fields the wire server
//! reads and writes ([`Session::copy_record`]).
//!
//! `COPY ... FROM STDIN` returns an [`Outcome`] whose [`CopyMode::In`] tells the client to
//! send data; the session then takes it with [`Session::copy_data`] and inserts every row at
//! [`Session::copy_done`], as one statement: one ledger record outside a transaction, part
//! of the transaction inside one. A bad record fails the whole `COPY` (with its line
//! number), and nothing of it is written, as in PostgreSQL. The data a `COPY` may hold is
//! capped at the size of one ledger record, so a client cannot exhaust the server's memory.
//! `COPY ... TO STDOUT` runs the query and returns its rows with [`CopyMode::Out`]; the wire
//! layer sends them as lines ([`CopyFormat::lines`]). Server-side files and programs are
//! refused: a network database has no business reading the server's disk for a client.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use driftdb_projector::{DataType, TableSchema};
use sqlparser::ast::{CopySource, CopyTarget, Ident, Statement as Ast};

use super::{Session, Write};
use crate::SqlState;
use crate::copy::{CopyFormat, RecordReader};
use crate::error::{Error, Result};
use crate::outcome::CopyMode;
use crate::outcome::{CommandTag, Outcome, Rows};
use crate::schemas::{ident_name, table_name};

/// The most data one `COPY ... FROM STDIN` may send: the size of one ledger record.
pub const MAX_COPY_BYTES: usize = driftdb_projector::store::MAX_TRANSACTION_BYTES as usize;

/// A `COPY ... FROM STDIN` waiting for its data.
pub(super) struct PendingCopy {
    table: String,
    schema: TableSchema,
    /// The table column each field fills.
    targets: Vec<usize>,
    reader: RecordReader,
    /// The fields received so far, by target column.
    fields: Vec<StringBuilder>,
    rows: usize,
    bytes: usize,
    /// The session's memory limit ([`super::Session::set_memory_limit`]): the data is held until
    /// it ends.
    memory_limit: Option<usize>,
    /// The first bad record; reported when the data ends.
    error: Option<Error>,
}

impl PendingCopy {
    fn take(&mut self, data: &[u8]) -> Result<()> {
        self.count(data.len())?;
        let (reader, mut record) = self.parts();
        reader.push(data, &mut record)
    }

    fn take_record(&mut self, number: u64, fields: Vec<Option<String>>) -> Result<()> {
        self.count(fields.iter().flatten().map(String::len).sum())?;
        let (_, mut record) = self.parts();
        record(number, fields)
    }

    /// Counts `bytes` more of data against the limits.
    fn count(&mut self, bytes: usize) -> Result<()> {
        self.bytes += bytes;
        if self.bytes > MAX_COPY_BYTES {
            return Err(Error::Execution {
                message: format!(
                    "COPY data exceeds {} MiB, the most one statement may write; split the load into several COPY statements",
                    MAX_COPY_BYTES >> 20
                ),
                sqlstate: SqlState::PROGRAM_LIMIT_EXCEEDED,
            });
        }
        if let Some(limit) = self.memory_limit
            && self.bytes > limit
        {
            return Err(Error::Execution {
                message: format!(
                    "out of memory: COPY data exceeds the connection's memory limit of {} MiB; split the load into several COPY statements",
                    limit >> 20
                ),
                sqlstate: SqlState::OUT_OF_MEMORY,
            });
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let (reader, mut record) = self.parts();
        reader.finish(&mut record)
    }

    /// The reader, and what it does with each record: checks its width and keeps it.
    #[allow(clippy::type_complexity)]
    fn parts(
        &mut self,
    ) -> (
        &mut RecordReader,
        impl FnMut(u64, Vec<Option<String>>) -> Result<()> + '_,
    ) {
        let PendingCopy {
            schema,
            targets,
            reader,
            fields,
            rows,
            ..
        } = self;
        let record = move |line: u64, values: Vec<Option<String>>| {
            if values.len() > targets.len() {
                return Err(Error::Execution {
                    message: format!("extra data after last expected column (COPY line {line})"),
                    sqlstate: SqlState::BAD_COPY_FILE_FORMAT,
                });
            }
            if let Some(&missing) = targets.get(values.len()) {
                return Err(Error::Execution {
                    message: format!(
                        "missing data for column \"{}\" (COPY line {line})",
                        schema.columns()[missing].name
                    ),
                    sqlstate: SqlState::BAD_COPY_FILE_FORMAT,
                });
            }
            for (builder, value) in fields.iter_mut().zip(values) {
                builder.append_option(value);
            }
            *rows += 1;
            Ok(())
        };
        (reader, record)
    }
}

impl Session {
    pub(super) async fn copy(&mut self, statement: Ast) -> Result<Outcome> {
        let Ast::Copy {
            source,
            to,
            target,
            options,
            legacy_options,
            values,
        } = statement
        else {
            return Err(crate::error::unsupported("internal: not a COPY"));
        };
        let format = CopyFormat::from_options(&options, &legacy_options)?;
        match (to, &target) {
            (false, CopyTarget::Stdin) => {}
            (true, CopyTarget::Stdout) => {}
            _ => {
                return Err(Error::Execution {
                    message: format!(
                        "COPY {} {target} is not available: the server never reads or writes its own files for a client; use COPY ... {} (psql's \\copy)",
                        if to { "TO" } else { "FROM" },
                        if to { "TO STDOUT" } else { "FROM STDIN" },
                    ),
                    sqlstate: SqlState::INSUFFICIENT_PRIVILEGE,
                });
            }
        }
        if !values.is_empty() {
            return Err(crate::error::unsupported(
                "COPY data inline in the statement text; send it as COPY data",
            ));
        }
        if to {
            let query = match source {
                CopySource::Query(query) => Ast::Query(query),
                CopySource::Table {
                    table_name,
                    columns,
                } => {
                    let list = if columns.is_empty() {
                        "*".to_string()
                    } else {
                        columns
                            .iter()
                            .map(Ident::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let sql = format!("SELECT {list} FROM {table_name}");
                    match crate::parse(&sql)?.pop() {
                        Some(crate::Statement::Sql(sql)) => sql.statement,
                        _ => return Err(crate::error::unsupported("this COPY source")),
                    }
                }
            };
            let rows = self.query(query).await?;
            let mut outcome = Outcome::command(CommandTag::rows("COPY", rows.len()), None);
            outcome.rows = Some(rows);
            outcome.copy = Some(CopyMode::Out { format });
            return Ok(outcome);
        }
        if let Some(seq) = self.settings.as_of {
            return Err(Error::Execution {
                message: format!(
                    "driftdb.as_of pins this session's reads to @SEQ:{seq}: the past is read-only (RESET driftdb.as_of to write)"
                ),
                sqlstate: SqlState::READ_ONLY_SQL_TRANSACTION,
            });
        }
        let CopySource::Table {
            table_name: name,
            columns,
        } = source
        else {
            return Err(Error::Syntax {
                message: "COPY FROM needs a table, not a query".to_string(),
                position: None,
            });
        };
        let table = table_name(&name)?;
        let schema = self.schema_at(&table, &self.snapshot())?;
        let targets: Vec<usize> = if columns.is_empty() {
            schema.visible().collect()
        } else {
            columns
                .iter()
                .map(|c| {
                    let column = ident_name(c);
                    schema
                        .column_index(&column)
                        .ok_or_else(|| Error::UndefinedColumn {
                            column,
                            context: format!("COPY {table}"),
                            position: None,
                        })
                })
                .collect::<Result<Vec<usize>>>()?
        };
        if let Some(&hidden) = targets.iter().find(|&&t| schema.columns()[t].is_hidden()) {
            return Err(super::dml::system_column(&schema.columns()[hidden]));
        }
        let columns = targets.len();
        let types = targets
            .iter()
            .map(|&t| crate::pg_types::of_column(&schema.columns()[t].data_type).oid)
            .collect();
        self.copy_in = Some(PendingCopy {
            table,
            schema,
            fields: (0..columns).map(|_| StringBuilder::new()).collect(),
            targets,
            reader: RecordReader::new(format.clone()),
            rows: 0,
            bytes: 0,
            memory_limit: self.memory_limit(),
            error: None,
        });
        let mut outcome = Outcome::command("COPY", None);
        outcome.copy = Some(CopyMode::In { format, types });
        Ok(outcome)
    }

    /// Takes the next piece of `COPY ... FROM STDIN` data. A bad record is reported by
    /// [`Session::copy_done`], once the client has sent everything.
    pub fn copy_data(&mut self, data: &[u8]) {
        if let Some(copy) = &mut self.copy_in
            && copy.error.is_none()
            && let Err(e) = copy.take(data)
        {
            copy.error = Some(e);
            // Let go of what was read: none of it will be written.
            copy.fields.clear();
        }
    }

    /// Takes the next row of a binary `COPY ... FROM STDIN`, its fields read into text by
    /// the wire server (which knows each type's binary form), in target column order.
    /// Checked and reported as [`Session::copy_data`]'s rows are; `record` numbers it.
    pub fn copy_record(&mut self, record: u64, fields: Vec<Option<String>>) {
        if let Some(copy) = &mut self.copy_in
            && copy.error.is_none()
            && let Err(e) = copy.take_record(record, fields)
        {
            copy.error = Some(e);
            copy.fields.clear();
        }
    }

    /// Fails the `COPY ... FROM STDIN` in progress with `error` (bad binary data), reported
    /// by [`Session::copy_done`]; the first error wins.
    pub fn copy_error(&mut self, error: Error) {
        if let Some(copy) = &mut self.copy_in
            && copy.error.is_none()
        {
            copy.error = Some(error);
            copy.fields.clear();
        }
    }

    /// Ends `COPY ... FROM STDIN` data: writes every row, or none.
    pub async fn copy_done(&mut self) -> Result<Outcome> {
        let result = self.finish_copy().await;
        if result.is_err() {
            self.fail();
        }
        result
    }

    async fn finish_copy(&mut self) -> Result<Outcome> {
        let Some(mut copy) = self.copy_in.take() else {
            return Err(Error::Execution {
                message: "no COPY FROM STDIN is in progress".to_string(),
                sqlstate: SqlState::PROTOCOL_VIOLATION,
            });
        };
        if let Some(e) = copy.error.take() {
            return Err(e);
        }
        copy.finish()?;
        let types: Vec<DataType> = copy
            .targets
            .iter()
            .map(|&t| copy.schema.columns()[t].data_type.clone())
            .collect();
        let arrays: Vec<ArrayRef> = copy
            .fields
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let fields: Vec<Field> = (0..arrays.len())
            .map(|i| Field::new(format!("c{i}"), ArrowType::Utf8, true))
            .collect();
        let proposed = if arrays.is_empty() {
            vec![Vec::new(); copy.rows]
        } else {
            let batch =
                RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| {
                    Error::InvalidValue {
                        message: e.to_string(),
                    }
                })?;
            crate::strict_cast::rows_of(&batch, &types)?
        };
        let snapshot = self.snapshot();
        let (ops, written) = self
            .insert_rows(
                &copy.table,
                &copy.table,
                &copy.schema,
                &copy.targets,
                proposed,
                None,
                &snapshot,
            )
            .await?;
        self.check_rows(&ops, &snapshot).await?;
        let read_seq = snapshot.seq;
        drop(snapshot);
        self.finish_write(
            Write {
                ops,
                tag: CommandTag::rows("COPY", written.len()),
                rows: None,
            },
            read_seq,
        )
    }

    /// The client gave up on `COPY ... FROM STDIN`: nothing is written.
    pub fn copy_fail(&mut self, message: &str) -> Error {
        self.copy_in = None;
        self.fail();
        Error::Execution {
            message: format!("COPY from stdin failed: {message}"),
            sqlstate: SqlState::QUERY_CANCELED,
        }
    }

    /// Whether a `COPY ... FROM STDIN` waits for data.
    pub fn copying_in(&self) -> bool {
        self.copy_in.is_some()
    }
}

impl CopyFormat {
    /// The lines `COPY ... TO STDOUT` sends for `rows`, header first when asked for.
    pub fn lines(&self, rows: &Rows) -> Vec<Vec<u8>> {
        let mut lines = Vec::with_capacity(rows.len() + 1);
        if self.header {
            let names: Vec<String> = rows
                .schema
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let mut line = Vec::new();
            self.encode_header(&mut line, &names);
            lines.push(line);
        }
        let mut fields = Vec::new();
        for batch in &rows.batches {
            for row in 0..batch.num_rows() {
                fields.clear();
                fields.extend(
                    batch
                        .columns()
                        .iter()
                        .map(|c| crate::text::format_value(c.as_ref(), row)),
                );
                let mut line = Vec::new();
                self.encode_row(&mut line, &fields);
                lines.push(line);
            }
        }
        lines
    }
}
