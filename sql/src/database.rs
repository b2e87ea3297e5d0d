//! [`Database`]: the embedded SQL database over one data directory.
//!
//! Statements are parsed by the front end ([`crate::parse`]) and executed against the
//! projector's [`Store`]: DDL and DML become one [`Transaction`] committed to the `__ledger`
//! (each statement commits on its own for now); queries run through DataFusion with every table
//! registered at the same sequence, the newest at the statement's start, so one statement
//! sees one consistent snapshot, and `FOR SYSTEM_TIME` references planned at their own points
//! (timestamps resolved through the ledger's time index).
//!
//! Supported so far: `CREATE TABLE` (standard and legacy form), `INSERT ... VALUES | SELECT`
//! (values evaluated by DataFusion and cast to the column types), `UPDATE ... SET ... WHERE`
//! and `DELETE ... WHERE` (the matching rows and their new values computed by DataFusion),
//! `SELECT` with time travel, `EXPLAIN`, `DROP TABLE`. Everything else is refused with
//! SQLSTATE 0A000.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use driftdb_broker::SystemClock;
use driftdb_broker::log::{Log, LogOptions};
use driftdb_projector::{
    Column, DataType, IndexDef, LedgerOp, Row, Store, StoreOptions, TableSchema, Transaction,
    UniqueConstraint, Value,
};
use sqlparser::ast::{
    self, ColumnOption, CreateTable, ObjectName, Statement as Ast, TableConstraint,
};

use crate::engine::{QueryEngine, TimeResolver};
use crate::error::{Error, Result};
use crate::parser::Statement;
use crate::provider::ReadPoint;

/// What one statement produced.
#[derive(Debug)]
pub enum Outcome {
    /// A query's rows.
    Rows(Vec<RecordBatch>),
    /// A command: its PostgreSQL-style tag (`INSERT 0 3`, `CREATE TABLE`) and, when it
    /// committed, the sequence it committed at.
    Command { tag: String, seq: Option<u64> },
}

/// An embedded DriftDB SQL database.
pub struct Database {
    _log: Arc<Log>,
    store: Arc<Store>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("last", &self.store.last())
            .finish()
    }
}

impl Database {
    /// Opens (creating if needed) the database in the data directory `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Database> {
        let dir = dir.as_ref();
        let log = Log::open(dir, LogOptions::default()).map_err(storage)?;
        Self::with_log(log, dir)
    }

    /// The database over an already open log (the server's).
    pub fn with_log(log: Arc<Log>, dir: &Path) -> Result<Database> {
        let options = StoreOptions {
            checkpoint_dir: dir.join("sql").join("checkpoints"),
            checkpoint_every: 100_000,
        };
        let store = Store::open(&log, Arc::new(SystemClock), options).map_err(projector_error)?;
        Ok(Database {
            _log: log,
            store: Arc::new(store),
        })
    }

    /// The newest committed sequence.
    pub fn last_sequence(&self) -> Option<u64> {
        self.store.last().map(|(seq, _)| seq)
    }

    /// Runs every statement of `sql`, in order, stopping at the first error.
    pub async fn execute(&self, sql: &str) -> Result<Vec<Outcome>> {
        let mut outcomes = Vec::new();
        for statement in crate::parse(sql)? {
            outcomes.push(self.execute_one(statement).await?);
        }
        Ok(outcomes)
    }

    /// Runs one query and returns its rows.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        match self.execute(sql).await?.pop() {
            Some(Outcome::Rows(batches)) => Ok(batches),
            _ => Err(Error::Unsupported {
                message: "expected a query returning rows".to_string(),
                position: None,
            }),
        }
    }

    async fn execute_one(&self, statement: Statement) -> Result<Outcome> {
        let Statement::Sql(statement) = statement else {
            return Err(unsupported("this DriftDB statement is not executed yet"));
        };
        match statement.statement {
            Ast::CreateTable(create) => self.create_table(&create),
            Ast::Drop {
                object_type: ast::ObjectType::Table,
                names,
                ..
            } => {
                let ops = names
                    .iter()
                    .map(|n| {
                        Ok(LedgerOp::DropTable {
                            table: table_name(n)?,
                        })
                    })
                    .collect::<Result<_>>()?;
                let seq = self.commit(Transaction { ops })?;
                Ok(Outcome::Command {
                    tag: "DROP TABLE".to_string(),
                    seq: Some(seq),
                })
            }
            Ast::Insert(insert) => self.insert(insert).await,
            Ast::Update(update) => self.update(update).await,
            Ast::Delete(delete) => self.delete(delete).await,
            query @ (Ast::Query(_) | Ast::Explain { .. }) => {
                Ok(Outcome::Rows(self.run_query(query).await?))
            }
            other => Err(unsupported(&format!(
                "statement not executed yet: {}",
                first_words(&other.to_string())
            ))),
        }
    }

    fn commit(&self, txn: Transaction) -> Result<u64> {
        self.store
            .commit(&txn, None, &[])
            .map(|c| c.seq)
            .map_err(projector_error)
    }

    fn create_table(&self, create: &CreateTable) -> Result<Outcome> {
        let schema = table_schema(create)?;
        let exists = self.store.read().table(schema.name()).is_ok();
        if exists {
            if create.if_not_exists {
                return Ok(Outcome::Command {
                    tag: "CREATE TABLE".to_string(),
                    seq: None,
                });
            }
            return Err(Error::Execution {
                message: format!("relation {:?} already exists", schema.name()),
                sqlstate: "42P07",
            });
        }
        let seq = self.commit(Transaction {
            ops: vec![LedgerOp::CreateTable(schema)],
        })?;
        Ok(Outcome::Command {
            tag: "CREATE TABLE".to_string(),
            seq: Some(seq),
        })
    }

    async fn insert(&self, insert: ast::Insert) -> Result<Outcome> {
        let ast::TableObject::TableName(name) = &insert.table else {
            return Err(unsupported("INSERT into a table function"));
        };
        let table = table_name(name)?;
        let Some(source) = insert.source else {
            return Err(unsupported("INSERT without VALUES or SELECT"));
        };
        if insert.on.is_some() || insert.returning.is_some() {
            return Err(unsupported("INSERT ... ON CONFLICT / RETURNING"));
        }
        let schema = self.schema_of(&table)?;
        // Which table column each source column fills.
        let targets: Vec<usize> = if insert.columns.is_empty() {
            (0..schema.columns().len()).collect()
        } else {
            insert
                .columns
                .iter()
                .map(|c| {
                    let column =
                        c.0.last()
                            .and_then(|p| p.as_ident())
                            .map_or_else(|| c.to_string(), |i| i.value.clone());
                    schema
                        .column_index(&column)
                        .ok_or_else(|| Error::UndefinedColumn {
                            column: column.clone(),
                            context: format!("INSERT INTO {table}"),
                            position: None,
                        })
                })
                .collect::<Result<_>>()?
        };
        let batches = self.run_query(Ast::Query(source)).await?;
        let mut rows: Vec<Row> = Vec::new();
        for batch in &batches {
            if batch.num_columns() != targets.len() {
                return Err(Error::Execution {
                    message: format!(
                        "INSERT has {} target columns but {} values",
                        targets.len(),
                        batch.num_columns()
                    ),
                    sqlstate: "42601",
                });
            }
            let types: Vec<DataType> = targets
                .iter()
                .map(|&t| schema.columns()[t].data_type.clone())
                .collect();
            for values in rows_of(batch, &types)? {
                let mut row = vec![Value::Null; schema.columns().len()];
                for (value, &target) in values.into_iter().zip(&targets) {
                    row[target] = value;
                }
                rows.push(row);
            }
        }
        // INSERT never replaces: an existing key is a unique violation, as in PostgreSQL.
        {
            let db = self.store.read();
            let shared = db.table(&table).map_err(|_| Error::UndefinedTable {
                name: table.clone(),
            })?;
            let t = driftdb_projector::database::read(shared);
            let mut seen = std::collections::BTreeSet::new();
            for row in &rows {
                let key = schema.key_of(row);
                if t.get_current(&key).is_some() || !seen.insert(key) {
                    return Err(Error::UniqueViolation {
                        constraint: format!("{table}_pkey"),
                    });
                }
            }
        }
        let count = rows.len();
        let ops = rows
            .into_iter()
            .map(|row| LedgerOp::Upsert {
                table: table.clone(),
                row,
            })
            .collect();
        let seq = self.commit(Transaction { ops })?;
        Ok(Outcome::Command {
            tag: format!("INSERT 0 {count}"),
            seq: Some(seq),
        })
    }

    /// `DELETE FROM t [WHERE ...]`: the keys of the matching rows, found through DataFusion,
    /// become `Delete` ops of one commit.
    async fn delete(&self, delete: ast::Delete) -> Result<Outcome> {
        if delete.using.is_some() || delete.returning.is_some() || !delete.tables.is_empty() {
            return Err(unsupported("DELETE ... USING / RETURNING / several tables"));
        }
        let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
            &delete.from;
        let [target] = from.as_slice() else {
            return Err(unsupported("DELETE from several tables"));
        };
        let table = target_table(target)?;
        let schema = self.schema_of(&table)?;
        let pk: Vec<usize> = schema.primary_key().to_vec();
        let items = pk
            .iter()
            .map(|&i| column_item(&schema.columns()[i].name, None))
            .collect();
        let batches = self
            .run_query(select_from(&table, items, delete.selection)?)
            .await?;
        let types: Vec<DataType> = pk
            .iter()
            .map(|&i| schema.columns()[i].data_type.clone())
            .collect();
        let mut ops = Vec::new();
        for batch in &batches {
            for key in rows_of(batch, &types)? {
                ops.push(LedgerOp::Delete {
                    table: table.clone(),
                    key,
                });
            }
        }
        let count = ops.len();
        let seq = if ops.is_empty() {
            None
        } else {
            Some(self.commit(Transaction { ops })?)
        };
        Ok(Outcome::Command {
            tag: format!("DELETE {count}"),
            seq,
        })
    }

    /// `UPDATE t SET c = expr, ... [WHERE ...]`: DataFusion computes each matching row's new
    /// values (expressions see the old row, so `price = price * 0.9` works) next to its old key;
    /// the new rows are committed as `Upsert` ops (a changed key also deletes the old one).
    async fn update(&self, update: ast::Update) -> Result<Outcome> {
        if update.from.is_some() || update.returning.is_some() || update.limit.is_some() {
            return Err(unsupported("UPDATE ... FROM / RETURNING / LIMIT"));
        }
        let table = target_table(&update.table)?;
        let schema = self.schema_of(&table)?;
        let mut assigned: Vec<Option<ast::Expr>> = vec![None; schema.columns().len()];
        for assignment in update.assignments {
            let ast::AssignmentTarget::ColumnName(name) = &assignment.target else {
                return Err(unsupported("UPDATE of a column tuple"));
            };
            let column = name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map_or_else(|| name.to_string(), |i| i.value.clone());
            let i = schema
                .column_index(&column)
                .ok_or_else(|| Error::UndefinedColumn {
                    column: column.clone(),
                    context: format!("UPDATE {table}"),
                    position: None,
                })?;
            assigned[i] = Some(assignment.value);
        }
        let width = schema.columns().len();
        let mut items: Vec<ast::SelectItem> = schema
            .columns()
            .iter()
            .zip(assigned)
            .map(|(c, expr)| column_item(&c.name, expr))
            .collect();
        // The old key, under names of its own (a projection needs distinct names).
        items.extend(schema.primary_key().iter().enumerate().map(|(n, &i)| {
            let column =
                ast::Expr::Identifier(ast::Ident::with_quote('"', &schema.columns()[i].name));
            ast::SelectItem::ExprWithAlias {
                expr: column,
                alias: ast::Ident::new(format!("__old_key_{n}")),
            }
        }));
        let batches = self
            .run_query(select_from(&table, items, update.selection)?)
            .await?;
        let mut types: Vec<DataType> = schema
            .columns()
            .iter()
            .map(|c| c.data_type.clone())
            .collect();
        types.extend(
            schema
                .primary_key()
                .iter()
                .map(|&i| schema.columns()[i].data_type.clone()),
        );
        let mut ops = Vec::new();
        let mut count = 0;
        for batch in &batches {
            for mut row in rows_of(batch, &types)? {
                let old_key = row.split_off(width);
                let new_key = schema.key_of(&row);
                if new_key != old_key {
                    ops.push(LedgerOp::Delete {
                        table: table.clone(),
                        key: old_key,
                    });
                }
                ops.push(LedgerOp::Upsert {
                    table: table.clone(),
                    row,
                });
                count += 1;
            }
        }
        let seq = if ops.is_empty() {
            None
        } else {
            Some(self.commit(Transaction { ops })?)
        };
        Ok(Outcome::Command {
            tag: format!("UPDATE {count}"),
            seq,
        })
    }

    fn schema_of(&self, table: &str) -> Result<TableSchema> {
        let db = self.store.read();
        let shared = db.table(table).map_err(|_| Error::UndefinedTable {
            name: table.to_string(),
        })?;
        Ok(driftdb_projector::database::read(shared).schema().clone())
    }

    /// Plans and runs a query with every table at the newest sequence.
    async fn run_query(&self, statement: Ast) -> Result<Vec<RecordBatch>> {
        let engine = QueryEngine::new().map_err(execution)?;
        let store = Arc::clone(&self.store);
        let resolver: TimeResolver = Arc::new(move |micros| {
            store
                .seq_at_time(micros)
                .map_err(|e| DataFusionError::External(Box::new(e)))
        });
        engine.set_time_resolver(resolver).map_err(execution)?;
        {
            let db = self.store.read();
            let seq = db.last().map_or(0, |(seq, _)| seq);
            for name in db.table_names() {
                if let Ok(table) = db.table(name) {
                    engine
                        .register_table_at(name, Arc::clone(table), ReadPoint::AsOf(seq))
                        .map_err(execution)?;
                }
            }
        }
        engine.query_statement(statement).await.map_err(execution)
    }
}

/// The table a DML statement writes.
fn target_table(target: &ast::TableWithJoins) -> Result<String> {
    if !target.joins.is_empty() {
        return Err(unsupported("writing through a join"));
    }
    match &target.relation {
        ast::TableFactor::Table { name, .. } => table_name(name),
        _ => Err(unsupported("writing to this kind of table reference")),
    }
}

/// `expr AS name`, or just the column `name`.
fn column_item(name: &str, expr: Option<ast::Expr>) -> ast::SelectItem {
    let ident = ast::Ident::with_quote('"', name);
    match expr {
        Some(expr) => ast::SelectItem::ExprWithAlias { expr, alias: ident },
        None => ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(ident)),
    }
}

/// `SELECT items FROM table [WHERE selection]` as an AST. It starts from a parsed template
/// and swaps in the parts, so no user expression is printed and parsed again.
fn select_from(
    table: &str,
    items: Vec<ast::SelectItem>,
    selection: Option<ast::Expr>,
) -> Result<Ast> {
    let template = format!("SELECT 1 FROM \"{}\"", table.replace('"', "\"\""));
    let mut query = match crate::parse(&template)?.pop() {
        Some(Statement::Sql(s)) => match s.statement {
            Ast::Query(query) => query,
            _ => return Err(unsupported("internal: the SELECT template is not a query")),
        },
        _ => return Err(unsupported("internal: the SELECT template did not parse")),
    };
    let ast::SetExpr::Select(select) = query.body.as_mut() else {
        return Err(unsupported("internal: the SELECT template has no SELECT"));
    };
    select.projection = items;
    select.selection = selection;
    Ok(Ast::Query(query))
}

/// The rows of `batch`, each column cast strictly to its type in `types`: a value that does
/// not convert is an error (22P02), never a silent NULL.
fn rows_of(batch: &RecordBatch, types: &[DataType]) -> Result<Vec<Row>> {
    let batch = cast_batch(batch, types)?;
    crate::arrow::batch_to_rows(&batch, types).map_err(|e| Error::InvalidValue {
        message: e.to_string(),
    })
}

/// Casts each column of `batch` strictly to the Arrow type of `types`.
fn cast_batch(batch: &RecordBatch, types: &[DataType]) -> Result<RecordBatch> {
    let strict = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    let columns = batch
        .columns()
        .iter()
        .zip(types)
        .map(|(array, t)| {
            cast_with_options(array, &crate::arrow::arrow_type(t), &strict).map_err(|e| {
                Error::InvalidValue {
                    message: e.to_string(),
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let fields: Vec<_> = columns
        .iter()
        .enumerate()
        .map(|(i, a)| {
            datafusion::arrow::datatypes::Field::new(format!("c{i}"), a.data_type().clone(), true)
        })
        .collect();
    RecordBatch::try_new(
        Arc::new(datafusion::arrow::datatypes::Schema::new(fields)),
        columns,
    )
    .map_err(|e| Error::InvalidValue {
        message: e.to_string(),
    })
}

/// Query rows as an aligned text table, for the command line.
pub fn format_rows(batches: &[RecordBatch]) -> Result<String> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let table = datafusion::arrow::util::pretty::pretty_format_batches(batches).map_err(|e| {
        Error::Execution {
            message: e.to_string(),
            sqlstate: "XX000",
        }
    })?;
    Ok(format!(
        "{table}\n({rows} row{})",
        if rows == 1 { "" } else { "s" }
    ))
}

fn unsupported(message: &str) -> Error {
    Error::Unsupported {
        message: message.to_string(),
        position: None,
    }
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn storage(e: driftdb_broker::Error) -> Error {
    Error::Storage {
        message: e.to_string(),
    }
}

/// One mapping from the projector's errors to SQL errors.
fn projector_error(e: driftdb_projector::Error) -> Error {
    use driftdb_projector::Error as P;
    match e {
        P::UniqueViolation { constraint } => Error::UniqueViolation { constraint },
        P::NotNullViolation { column } => Error::NotNullViolation { column },
        P::Conflict { table } => Error::SerializationFailure {
            message: format!("concurrent update of {table:?}"),
        },
        P::NotFound {
            what: "table",
            name,
        } => Error::UndefinedTable { name },
        P::PointOutOfRange(message) => Error::PointOutOfRange { message },
        P::BeforeHorizon { .. } => Error::PointOutOfRange {
            message: e.to_string(),
        },
        P::InvalidInput(message) => Error::InvalidValue { message },
        other => Error::Storage {
            message: other.to_string(),
        },
    }
}

/// DataFusion errors, with the projector's and the store's (wrapped as `External`) mapped
/// through [`projector_error`].
fn execution(e: DataFusionError) -> Error {
    match e {
        DataFusionError::External(inner) => match inner.downcast::<driftdb_projector::Error>() {
            Ok(p) => projector_error(*p),
            Err(other) => Error::Execution {
                message: other.to_string(),
                sqlstate: "XX000",
            },
        },
        DataFusionError::SchemaError(inner, _) => Error::Execution {
            message: inner.to_string(),
            sqlstate: "42703",
        },
        DataFusionError::Plan(message)
            if message.contains("does not exist") || message.contains("not found") =>
        {
            Error::Execution {
                message,
                sqlstate: "42P01",
            }
        }
        DataFusionError::Plan(message) | DataFusionError::NotImplemented(message) => {
            Error::Execution {
                message,
                sqlstate: "0A000",
            }
        }
        DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => {
            execution(*inner)
        }
        other => Error::Execution {
            message: other.to_string(),
            sqlstate: "XX000",
        },
    }
}

fn table_name(name: &ObjectName) -> Result<String> {
    match name.0.as_slice() {
        [part] => part
            .as_ident()
            .map(|i| i.value.clone())
            .ok_or_else(|| unsupported("this table name form")),
        _ => Err(unsupported("schema-qualified table names")),
    }
}

/// The projector schema of a `CREATE TABLE` (standard or legacy form).
fn table_schema(create: &CreateTable) -> Result<TableSchema> {
    let name = table_name(&create.name)?;
    let mut columns = Vec::new();
    let mut primary_key: Vec<usize> = Vec::new();
    let mut unique = Vec::new();
    let mut indexes = Vec::new();
    for (i, c) in create.columns.iter().enumerate() {
        let mut column = Column::new(c.name.value.clone(), data_type(&c.data_type)?, true);
        for option in &c.options {
            match &option.option {
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Null => {}
                ColumnOption::PrimaryKey(_) => primary_key.push(i),
                ColumnOption::Unique(_) => unique.push(UniqueConstraint {
                    name: format!("{name}_{}_key", c.name.value),
                    columns: vec![i],
                }),
                other => return Err(unsupported(&format!("column option {other}"))),
            }
        }
        columns.push(column);
    }
    let find = |ident: &str| {
        columns
            .iter()
            .position(|c: &Column| c.name == ident)
            .ok_or_else(|| Error::UndefinedColumn {
                column: ident.to_string(),
                context: format!("CREATE TABLE {name}"),
                position: None,
            })
    };
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                primary_key = pk
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr.to_string()))
                    .collect::<Result<_>>()?;
            }
            TableConstraint::Unique(u) => {
                let cols = u
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr.to_string()))
                    .collect::<Result<Vec<_>>>()?;
                unique.push(UniqueConstraint {
                    name: format!("{name}_{}_key", unique.len()),
                    columns: cols,
                });
            }
            TableConstraint::Index(ix) => {
                let cols = ix
                    .columns
                    .iter()
                    .map(|c| find(&c.column.expr.to_string()))
                    .collect::<Result<Vec<_>>>()?;
                let ix_name = ix.name.as_ref().map_or_else(
                    || format!("{name}_idx{}", indexes.len()),
                    |n| n.value.clone(),
                );
                indexes.push(IndexDef {
                    name: ix_name,
                    columns: cols,
                });
            }
            other => return Err(unsupported(&format!("table constraint {other}"))),
        }
    }
    if primary_key.is_empty() {
        return Err(Error::InvalidTableDefinition {
            message: format!("table {name:?} needs a PRIMARY KEY: rows are versioned by key"),
            position: None,
        });
    }
    for &k in &primary_key {
        columns[k].nullable = false;
    }
    TableSchema::new(name, columns, primary_key, unique, indexes).map_err(|e| {
        Error::InvalidTableDefinition {
            message: e.to_string(),
            position: None,
        }
    })
}

/// SQL type names to the projector's types.
fn data_type(t: &ast::DataType) -> Result<DataType> {
    use ast::DataType as T;
    let len = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => u32::try_from(*length).ok(),
        _ => None,
    };
    Ok(match t {
        T::Boolean | T::Bool => DataType::Boolean,
        T::SmallInt(_) | T::Int2(_) => DataType::SmallInt,
        T::Int(_) | T::Integer(_) | T::Int4(_) => DataType::Int,
        T::BigInt(_) | T::Int8(_) => DataType::BigInt,
        T::Real | T::Float4 => DataType::Real,
        T::DoublePrecision | T::Float8 | T::Double(_) => DataType::Double,
        T::Numeric(info) | T::Decimal(info) | T::Dec(info) => match info {
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => DataType::Decimal {
                precision: u8::try_from(*p)
                    .map_err(|_| unsupported("decimal precision over 38"))?,
                scale: u8::try_from(*s).map_err(|_| unsupported("decimal scale over 38"))?,
            },
            ast::ExactNumberInfo::Precision(p) => DataType::Decimal {
                precision: u8::try_from(*p)
                    .map_err(|_| unsupported("decimal precision over 38"))?,
                scale: 0,
            },
            ast::ExactNumberInfo::None => DataType::Decimal {
                precision: 38,
                scale: 10,
            },
        },
        T::Text | T::String(_) => DataType::Text,
        T::Varchar(l) | T::CharacterVarying(l) => DataType::Varchar(len(l)),
        T::Char(l) | T::Character(l) => DataType::Char(len(l).unwrap_or(1)),
        T::Bytea => DataType::Bytea,
        T::Date => DataType::Date,
        T::Time(..) => DataType::Time,
        T::Timestamp(_, ast::TimezoneInfo::None | ast::TimezoneInfo::WithoutTimeZone) => {
            DataType::Timestamp
        }
        T::Timestamp(..) => DataType::TimestampTz,
        T::Interval { .. } => DataType::Interval,
        T::Uuid => DataType::Uuid,
        T::JSON => DataType::Json,
        T::JSONB => DataType::Jsonb,
        other => return Err(unsupported(&format!("type {other}"))),
    })
}
