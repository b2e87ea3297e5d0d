//! Sequences: `CREATE SEQUENCE`, `SERIAL` columns and identity columns, and `nextval`,
//! `currval`, `setval`, `lastval` and `pg_get_serial_sequence`, as PostgreSQL has them.
//!
//! # Storage
//! Every sequence is a row of the internal table [`TABLE`], keyed by the sequence's name:
//! its type, start, increment, bounds, cache and cycle options, the column that owns it
//! (a `SERIAL` or identity column, dropped with its table), and PostgreSQL's `last_value`
//! and `is_called`. Creating or dropping a sequence writes or deletes its row in the
//! statement's transaction, so it is versioned, replayed and snapshotted like any row. The
//! table is made by the first statement that makes a sequence, in the same record (a
//! database without sequences has none); clients cannot name it, and the catalogs leave it
//! out.
//!
//! # Handing out values
//! As in PostgreSQL, `nextval` is not transactional: a value handed out is never handed out
//! again, even if the transaction that took it rolls back, and gaps are normal. The
//! database's [`Allocator`] takes values in blocks: it commits the row with `last_value`
//! at the end of the next block (at least 32 values, or the sequence's `CACHE`) before it
//! hands out the first of them, then hands out the rest from memory. A crash loses the rest
//! of the block, which is skipped, never reused: PostgreSQL logs 32 values ahead the same
//! way. The block is used only while the row is still the version the allocator wrote; a
//! `setval`, a drop or another writer makes it take a new block from the row as it is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use driftdb_projector::{
    Column, DataType, Key, LedgerOp, Row, Store, TableSchema, Transaction, Value,
};
use sqlparser::ast::{self, SequenceOptions};

use crate::SqlState;
use crate::error::{Error, Result};
use driftdb_log::sync::Recover;

mod functions;

pub(crate) use functions::{functions, prepare, prepare_expr};

/// The internal table of sequences.
pub(crate) const TABLE: &str = "__driftdb_sequences";

/// The fewest values one reservation takes (PostgreSQL's `SEQ_LOG_VALS`).
const BLOCK: i64 = 32;

/// What the name of every sequence of a hidden row identity starts with.
pub(crate) const ROW_ID_PREFIX: &str = "__driftdb_rowid_";

/// Whether `name` is DriftDB's own (its tables of sequences, views, comments and owners, the
/// sequences of hidden row identities), not a client's: clients cannot name it, and the
/// catalogs leave it out.
pub(crate) fn is_internal(name: &str) -> bool {
    name == TABLE
        || name == crate::views::TABLE
        || name == crate::comments::TABLE
        || name == crate::owners::TABLE
        || name == crate::schemas::TABLE
        || name.starts_with(ROW_ID_PREFIX)
}

/// A sequence's integer type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    SmallInt,
    Int,
    BigInt,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SmallInt => "smallint",
            Kind::Int => "integer",
            Kind::BigInt => "bigint",
        }
    }

    fn of_name(name: &str) -> Option<Kind> {
        Some(match name {
            "smallint" => Kind::SmallInt,
            "integer" => Kind::Int,
            "bigint" => Kind::BigInt,
            _ => return None,
        })
    }

    /// The type of `AS type`.
    pub(crate) fn of(data_type: &ast::DataType) -> Result<Kind> {
        use ast::DataType as T;
        Ok(match data_type {
            T::SmallInt(_) | T::Int2(_) => Kind::SmallInt,
            T::Int(_) | T::Integer(_) | T::Int4(_) => Kind::Int,
            T::BigInt(_) | T::Int8(_) => Kind::BigInt,
            other => {
                return Err(Error::Execution {
                    message: "sequence type must be smallint, integer, or bigint".to_string(),
                    sqlstate: if matches!(other, T::Custom(..)) {
                        SqlState::UNDEFINED_OBJECT
                    } else {
                        SqlState::INVALID_PARAMETER_VALUE
                    },
                });
            }
        })
    }

    /// The column type of a `SERIAL`-like type name, if it is one.
    pub(crate) fn of_serial(data_type: &ast::DataType) -> Option<Kind> {
        let ast::DataType::Custom(name, modifiers) = data_type else {
            return None;
        };
        if !modifiers.is_empty() {
            return None;
        }
        let name = name.0.last()?.as_ident()?.value.to_lowercase();
        Some(match name.as_str() {
            "smallserial" | "serial2" => Kind::SmallInt,
            "serial" | "serial4" => Kind::Int,
            "bigserial" | "serial8" => Kind::BigInt,
            _ => return None,
        })
    }

    pub(crate) fn column_type(self) -> DataType {
        match self {
            Kind::SmallInt => DataType::SmallInt,
            Kind::Int => DataType::Int,
            Kind::BigInt => DataType::BigInt,
        }
    }

    fn range(self) -> (i64, i64) {
        match self {
            Kind::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
            Kind::Int => (i64::from(i32::MIN), i64::from(i32::MAX)),
            Kind::BigInt => (i64::MIN, i64::MAX),
        }
    }
}

/// An identity column's kind (`pg_attribute.attidentity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`: `a`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`: `d`.
    ByDefault,
}

impl Identity {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Identity::Always => "a",
            Identity::ByDefault => "d",
        }
    }
}

/// One sequence, as its row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sequence {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) start: i64,
    pub(crate) increment: i64,
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) cache: i64,
    pub(crate) cycle: bool,
    /// The last value handed out (or reserved), or the next one while `is_called` is false.
    pub(crate) last_value: i64,
    pub(crate) is_called: bool,
    /// The table and column that own it.
    pub(crate) owner: Option<(String, String)>,
    pub(crate) identity: Option<Identity>,
}

fn invalid(message: String) -> Error {
    Error::Execution {
        message,
        sqlstate: SqlState::INVALID_PARAMETER_VALUE,
    }
}

/// A constant integer of a sequence option.
pub(crate) fn option_value(expr: &ast::Expr) -> Result<i64> {
    let text = match expr {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.clone(),
            _ => String::new(),
        },
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => return option_value(expr).map(|v| -v),
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Plus,
            expr,
        } => return option_value(expr),
        _ => String::new(),
    };
    text.parse()
        .map_err(|_| invalid(format!("sequence option {expr} is not an integer constant")))
}

impl Sequence {
    /// A new sequence `name` of `kind` with `options`, PostgreSQL's defaults for the rest.
    pub(crate) fn new(name: &str, kind: Kind, options: &[SequenceOptions]) -> Result<Sequence> {
        let mut sequence = Sequence {
            name: name.to_string(),
            kind,
            start: 0,
            increment: 1,
            min: 0,
            max: 0,
            cache: 1,
            cycle: false,
            last_value: 0,
            is_called: false,
            owner: None,
            identity: None,
        };
        let (min, max, start) = sequence.apply(options)?;
        let (low, high) = sequence.default_bounds();
        sequence.min = min.unwrap_or(low);
        sequence.max = max.unwrap_or(high);
        sequence.start = start.unwrap_or(if sequence.increment > 0 {
            sequence.min
        } else {
            sequence.max
        });
        sequence.last_value = sequence.start;
        sequence.check()?;
        Ok(sequence)
    }

    /// The sequence after `ALTER SEQUENCE`: a new type, options and a restart (at `start`,
    /// or at the value given).
    pub(crate) fn altered(
        &self,
        kind: Option<Kind>,
        options: &[SequenceOptions],
        restart: Option<Option<i64>>,
    ) -> Result<Sequence> {
        let mut sequence = self.clone();
        if let Some(kind) = kind {
            // Bounds that were the old type's become the new type's, as in PostgreSQL.
            let (low, high) = self.default_bounds();
            sequence.kind = kind;
            let (new_low, new_high) = sequence.default_bounds();
            if sequence.min == low {
                sequence.min = new_low;
            }
            if sequence.max == high {
                sequence.max = new_high;
            }
        }
        let (min, max, start) = sequence.apply(options)?;
        let (low, high) = sequence.default_bounds();
        if let Some(min) = min {
            sequence.min = min;
        } else if options
            .iter()
            .any(|o| matches!(o, SequenceOptions::MinValue(None)))
        {
            sequence.min = low;
        }
        if let Some(max) = max {
            sequence.max = max;
        } else if options
            .iter()
            .any(|o| matches!(o, SequenceOptions::MaxValue(None)))
        {
            sequence.max = high;
        }
        if let Some(start) = start {
            sequence.start = start;
        }
        if let Some(restart) = restart {
            let value = restart.unwrap_or(sequence.start);
            if value < sequence.min {
                return Err(invalid(format!(
                    "RESTART value ({value}) cannot be less than MINVALUE ({})",
                    sequence.min
                )));
            }
            if value > sequence.max {
                return Err(invalid(format!(
                    "RESTART value ({value}) cannot be greater than MAXVALUE ({})",
                    sequence.max
                )));
            }
            sequence.last_value = value;
            sequence.is_called = false;
        }
        sequence.check()?;
        Ok(sequence)
    }

    /// The bounds a sequence of its type and direction has when none are given.
    fn default_bounds(&self) -> (i64, i64) {
        let (low, high) = self.kind.range();
        match self.increment > 0 {
            true => (1, high),
            false => (low, -1),
        }
    }

    /// Applies `INCREMENT`, `CACHE` and `CYCLE`; returns the `MINVALUE`, `MAXVALUE` and
    /// `START` given (`NO MINVALUE` as none).
    fn apply(
        &mut self,
        options: &[SequenceOptions],
    ) -> Result<(Option<i64>, Option<i64>, Option<i64>)> {
        let (mut min, mut max, mut start) = (None, None, None);
        for option in options {
            match option {
                SequenceOptions::IncrementBy(e, _) => self.increment = option_value(e)?,
                SequenceOptions::MinValue(e) => min = e.as_ref().map(option_value).transpose()?,
                SequenceOptions::MaxValue(e) => max = e.as_ref().map(option_value).transpose()?,
                SequenceOptions::StartWith(e, _) => start = Some(option_value(e)?),
                SequenceOptions::Cache(e) => self.cache = option_value(e)?,
                // sqlparser's `Cycle(true)` is `NO CYCLE`.
                SequenceOptions::Cycle(no) => self.cycle = !no,
            }
        }
        Ok((min, max, start))
    }

    /// PostgreSQL's checks of a sequence's options.
    fn check(&self) -> Result<()> {
        if self.increment == 0 {
            return Err(invalid("INCREMENT must not be zero".to_string()));
        }
        if self.cache < 1 {
            return Err(invalid(format!(
                "CACHE ({}) must be greater than zero",
                self.cache
            )));
        }
        let (low, high) = self.kind.range();
        let out_of_type = |what: &str, v: i64| {
            invalid(format!(
                "{what} ({v}) is out of range for sequence data type {}",
                self.kind.name()
            ))
        };
        if self.min < low || self.min > high {
            return Err(out_of_type("MINVALUE", self.min));
        }
        if self.max < low || self.max > high {
            return Err(out_of_type("MAXVALUE", self.max));
        }
        if self.min >= self.max {
            return Err(invalid(format!(
                "MINVALUE ({}) must be less than MAXVALUE ({})",
                self.min, self.max
            )));
        }
        if self.start < self.min {
            return Err(invalid(format!(
                "START value ({}) cannot be less than MINVALUE ({})",
                self.start, self.min
            )));
        }
        if self.start > self.max {
            return Err(invalid(format!(
                "START value ({}) cannot be greater than MAXVALUE ({})",
                self.start, self.max
            )));
        }
        Ok(())
    }

    pub(crate) fn key(name: &str) -> Key {
        vec![Value::Text(name.to_string())]
    }

    /// Its type's name, as the catalogs show it.
    pub(crate) fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

    /// Its row in [`TABLE`].
    pub(crate) fn row(&self) -> Row {
        let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_string()));
        vec![
            Value::Text(self.name.clone()),
            Value::Text(self.kind.name().to_string()),
            Value::Int64(self.start),
            Value::Int64(self.increment),
            Value::Int64(self.min),
            Value::Int64(self.max),
            Value::Int64(self.cache),
            Value::Bool(self.cycle),
            Value::Int64(self.last_value),
            Value::Bool(self.is_called),
            text(self.owner.as_ref().map(|(t, _)| t.as_str())),
            text(self.owner.as_ref().map(|(_, c)| c.as_str())),
            text(self.identity.map(Identity::code)),
        ]
    }

    /// The sequence a row of [`TABLE`] holds.
    pub(crate) fn of_row(row: &Row) -> Option<Sequence> {
        let text = |v: &Value| match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        };
        let int = |v: &Value| match v {
            Value::Int64(i) => Some(*i),
            _ => None,
        };
        let boolean = |v: &Value| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        };
        let [
            name,
            kind,
            start,
            increment,
            min,
            max,
            cache,
            cycle,
            last_value,
            is_called,
            owner_table,
            owner_column,
            identity,
        ] = row.as_slice()
        else {
            return None;
        };
        Some(Sequence {
            name: text(name)?,
            kind: Kind::of_name(&text(kind)?)?,
            start: int(start)?,
            increment: int(increment)?,
            min: int(min)?,
            max: int(max)?,
            cache: int(cache)?,
            cycle: boolean(cycle)?,
            last_value: int(last_value)?,
            is_called: boolean(is_called)?,
            owner: text(owner_table).zip(text(owner_column)),
            identity: match text(identity).as_deref() {
                Some("a") => Some(Identity::Always),
                Some("d") => Some(Identity::ByDefault),
                _ => None,
            },
        })
    }

    /// The `Upsert` that writes it.
    pub(crate) fn upsert(&self) -> LedgerOp {
        LedgerOp::Upsert {
            table: TABLE.to_string(),
            row: self.row(),
        }
    }

    /// The sequence with values of `kind` (its identity column's type changed): a bound
    /// that was the old type's limit becomes the new type's, as `ALTER SEQUENCE ... AS` does
    /// in PostgreSQL; a bound set by hand stays.
    pub(crate) fn retyped(mut self, kind: Kind) -> Sequence {
        let (old_min, old_max) = self.kind.range();
        let (new_min, new_max) = kind.range();
        if self.max == old_max {
            self.max = new_max;
        }
        if self.min == old_min {
            self.min = new_min;
        }
        self.kind = kind;
        self
    }

    /// The `Delete` that drops it.
    pub(crate) fn delete(name: &str) -> LedgerOp {
        LedgerOp::Delete {
            table: TABLE.to_string(),
            key: Sequence::key(name),
        }
    }

    /// The value after `value`, within the bounds (wrapping with `CYCLE`).
    fn after(&self, value: i64) -> Result<i64> {
        let next = value.checked_add(self.increment);
        match next {
            Some(n) if n >= self.min && n <= self.max => Ok(n),
            _ if self.cycle => Ok(if self.increment > 0 {
                self.min
            } else {
                self.max
            }),
            _ => Err(Error::Execution {
                message: format!(
                    "nextval: reached {} value of sequence \"{}\" ({})",
                    if self.increment > 0 {
                        "maximum"
                    } else {
                        "minimum"
                    },
                    self.name,
                    if self.increment > 0 {
                        self.max
                    } else {
                        self.min
                    }
                ),
                sqlstate: SqlState::SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
            }),
        }
    }
}

/// The schema of [`TABLE`].
fn schema() -> Result<TableSchema> {
    let column =
        |name: &str, data_type: DataType, nullable: bool| Column::new(name, data_type, nullable);
    TableSchema::new(
        TABLE,
        vec![
            column("name", DataType::Text, false),
            column("data_type", DataType::Text, false),
            column("start_value", DataType::BigInt, false),
            column("increment_by", DataType::BigInt, false),
            column("min_value", DataType::BigInt, false),
            column("max_value", DataType::BigInt, false),
            column("cache_size", DataType::BigInt, false),
            column("cycle", DataType::Boolean, false),
            column("last_value", DataType::BigInt, false),
            column("is_called", DataType::Boolean, false),
            column("owner_table", DataType::Text, true),
            column("owner_column", DataType::Text, true),
            column("identity", DataType::Text, true),
        ],
        vec![0],
        Vec::new(),
        Vec::new(),
    )
    .map_err(crate::error::projector_error)
}

/// The operation that makes [`TABLE`], for the first statement that makes a sequence.
pub(crate) fn create_table() -> Result<LedgerOp> {
    Ok(LedgerOp::CreateTable(schema()?))
}

/// Every sequence in the shared table `table` at `seq`.
pub(crate) fn all_at(table: &driftdb_projector::Table, seq: u64) -> Vec<Sequence> {
    table
        .scan(seq)
        .map(|rows| rows.filter_map(|v| Sequence::of_row(v.row)).collect())
        .unwrap_or_default()
}

/// Sequence `name` in `table` at `seq`.
pub(crate) fn find_at(table: &driftdb_projector::Table, name: &str, seq: u64) -> Option<Sequence> {
    table
        .get(&Sequence::key(name), seq)
        .ok()
        .flatten()
        .and_then(|v| Sequence::of_row(v.row))
}

/// Default expression `text` with each `nextval('from')` (`from` a stored name) made
/// `nextval('to')` (`to` as written); `None` if it takes no value of `from` (or is not an
/// expression DriftDB reads).
pub(crate) fn renamed_in_default(text: &str, from: &str, to: &str) -> Option<String> {
    use std::ops::ControlFlow;

    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments, Value as V};
    if !text.to_lowercase().contains("nextval") {
        return None;
    }
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let expr = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(text)
        .ok()?
        .parse_expr()
        .ok()?;
    // The literals to change, as the text writes them: the text is changed there only, and
    // otherwise kept as it was written.
    let mut literals: Vec<String> = Vec::new();
    let _ = ast::visit_expressions(&expr, |e| {
        if let ast::Expr::Function(f) = e
            && f.name.to_string().eq_ignore_ascii_case("nextval")
            && let FunctionArguments::List(list) = &f.args
            && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) = list.args.first()
        {
            let literal = match arg {
                ast::Expr::Cast { expr, .. } => expr.as_ref(),
                other => other,
            };
            if let ast::Expr::Value(value) = literal
                && let V::SingleQuotedString(name) = &value.value
                && name_of(name) == from
                && !literals.contains(name)
            {
                literals.push(name.clone());
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if literals.is_empty() {
        return None;
    }
    let new = format!("'{}'", to.replace('\'', "''"));
    let mut text = text.to_string();
    for literal in literals {
        text = text.replace(&format!("'{}'", literal.replace('\'', "''")), &new);
    }
    Some(text)
}

/// The stored name of a sequence (or table) as `nextval('...')` reads it: PostgreSQL's
/// identifier rules, qualified by its schema or not (`public`'s).
pub(crate) fn name_of(text: &str) -> String {
    let parts = crate::schemas::parts(text.trim());
    match parts.as_slice() {
        [name] => name.clone(),
        [schema, name] => crate::schemas::stored(schema, name),
        _ => text.trim().to_lowercase(),
    }
}

fn out_of_bounds(name: &str, value: i64, sequence: &Sequence) -> Error {
    Error::Execution {
        message: format!(
            "setval: value {value} is out of bounds for sequence \"{name}\" ({}..{})",
            sequence.min, sequence.max
        ),
        sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
    }
}

fn missing(name: &str) -> Error {
    Error::UndefinedTable {
        name: name.to_string(),
    }
}

/// Values taken and not yet handed out, for one sequence.
#[derive(Debug, Clone, Copy)]
struct Block {
    /// The next value to hand out.
    next: i64,
    /// The last value of the block.
    last: i64,
    /// The sequence number of the commit that reserved it: the block is good while the row
    /// is still that version.
    reserved_at: u64,
}

/// The last value handed out from `block` of sequence `name`, if the row is still the
/// version that reserved it.
fn last_of_block(store: &Store, name: &str, block: &Block) -> Option<i64> {
    let read = store.last()?.0;
    let db = store.read();
    let table = driftdb_projector::database::read(db.table(TABLE).ok()?);
    let version = table.get(&Sequence::key(name), read).ok()??;
    let sequence = Sequence::of_row(version.row)?;
    (version.start_seq == block.reserved_at).then(|| block.next - sequence.increment)
}

/// Hands out sequence values for every session of a database; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Allocator {
    blocks: Mutex<HashMap<String, Block>>,
}

impl Allocator {
    /// The next value of sequence `name`.
    pub(crate) fn next(&self, store: &Store, name: &str) -> Result<i64> {
        let mut blocks = self.blocks.lock().recover();
        for _ in 0..crate::error::AUTOCOMMIT_ATTEMPTS {
            let read = store.last().map_or(0, |(seq, _)| seq);
            let (sequence, version) = {
                let db = store.read();
                let table = db.table(TABLE).map_err(|_| missing(name))?;
                let table = driftdb_projector::database::read(table);
                let version = table
                    .get(&Sequence::key(name), read)
                    .map_err(crate::error::projector_error)?
                    .ok_or_else(|| missing(name))?;
                let sequence = Sequence::of_row(version.row).ok_or_else(|| missing(name))?;
                (sequence, version.start_seq)
            };
            if let Some(block) = blocks.get_mut(name)
                && block.reserved_at == version
                && (sequence.increment > 0 && block.next <= block.last
                    || sequence.increment < 0 && block.next >= block.last)
            {
                let value = block.next;
                match value.checked_add(sequence.increment) {
                    Some(next) => block.next = next,
                    None => {
                        blocks.remove(name);
                    }
                }
                return Ok(value);
            }
            blocks.remove(name);
            let first = match sequence.is_called {
                true => sequence.after(sequence.last_value)?,
                false => sequence.last_value,
            };
            // The block: up to BLOCK (or CACHE) values, within the bounds, not wrapping.
            let mut last = first;
            for _ in 1..sequence.cache.max(BLOCK) {
                match last.checked_add(sequence.increment) {
                    Some(n) if n >= sequence.min && n <= sequence.max => last = n,
                    _ => break,
                }
            }
            let reserved = Sequence {
                last_value: last,
                is_called: true,
                ..sequence
            };
            let writes = [(TABLE.to_string(), Sequence::key(name))];
            let commit = crate::blocking(|| {
                store.commit(
                    Transaction {
                        ops: vec![reserved.upsert()],
                    },
                    Some(read),
                    &writes,
                )
            });
            match commit {
                Ok(commit) => {
                    if first != last {
                        blocks.insert(
                            name.to_string(),
                            Block {
                                next: first + reserved.increment,
                                last,
                                reserved_at: commit.seq,
                            },
                        );
                    }
                    return Ok(first);
                }
                Err(driftdb_projector::Error::Conflict { .. }) => continue,
                Err(e) => return Err(crate::error::projector_error(e)),
            }
        }
        Err(Error::Execution {
            message: format!("nextval of \"{name}\" lost too many write races"),
            sqlstate: SqlState::SERIALIZATION_FAILURE,
        })
    }

    /// `setval(name, value, is_called)`: the sequence goes on after `value` (or from it).
    pub(crate) fn set(
        &self,
        store: &Store,
        name: &str,
        value: i64,
        is_called: bool,
    ) -> Result<i64> {
        let mut blocks = self.blocks.lock().recover();
        blocks.remove(name);
        let read = store.last().map_or(0, |(seq, _)| seq);
        let sequence = {
            let db = store.read();
            let table = db.table(TABLE).map_err(|_| missing(name))?;
            find_at(&driftdb_projector::database::read(table), name, read)
                .ok_or_else(|| missing(name))?
        };
        if value < sequence.min || value > sequence.max {
            return Err(out_of_bounds(name, value, &sequence));
        }
        let set = Sequence {
            last_value: value,
            is_called,
            ..sequence
        };
        crate::blocking(|| {
            store.commit(
                Transaction {
                    ops: vec![set.upsert()],
                },
                None,
                &[],
            )
        })
        .map_err(crate::error::projector_error)?;
        Ok(value)
    }

    /// The last value of `name` handed out, where that is below the end of the block the
    /// row records (the block is then given up): `ALTER SEQUENCE` goes on from it, as
    /// PostgreSQL's does. `None` when the row is the last value.
    pub(crate) fn give_back(&self, store: &Store, name: &str) -> Option<i64> {
        let mut blocks = self.blocks.lock().recover();
        let block = blocks.remove(name)?;
        last_of_block(store, name, &block)
    }

    /// The last value of `name` handed out from the block the row records, if one was: what
    /// `SELECT last_value FROM name` shows (the row holds the block's end).
    pub(crate) fn handed_out(&self, store: &Store, name: &str) -> Option<i64> {
        let blocks = self.blocks.lock().recover();
        last_of_block(store, name, blocks.get(name)?)
    }

    /// Forgets the block of `name` (it was dropped or changed).
    pub(crate) fn forget(&self, name: &str) {
        self.blocks.lock().recover().remove(name);
    }
}

/// What `currval` and `lastval` read: the values this session took; and the sequences its
/// open transaction created, which only it sees until `COMMIT`: their values come from
/// the transaction's own row, which `COMMIT` writes as it last was.
#[derive(Debug, Default)]
pub(crate) struct Taken {
    by_name: HashMap<String, i64>,
    last: Option<String>,
    pending: HashMap<String, Sequence>,
}

impl Taken {
    /// Notes the open transaction's writes of sequences.
    pub(crate) fn note(&mut self, ops: &[LedgerOp]) {
        for op in ops {
            match op {
                LedgerOp::Upsert { table, row } if table == TABLE => {
                    if let Some(sequence) = Sequence::of_row(row) {
                        self.pending.insert(sequence.name.clone(), sequence);
                    }
                }
                LedgerOp::Delete { table, key } if table == TABLE => {
                    if let Some(Value::Text(name)) = key.first() {
                        self.pending.remove(name);
                    }
                }
                _ => {}
            }
        }
    }

    /// The transaction's operations with its sequences' rows as they are now; forgets them.
    pub(crate) fn settle(&mut self, ops: &mut [LedgerOp]) {
        for op in ops.iter_mut() {
            if let LedgerOp::Upsert { table, row } = op
                && table == TABLE
                && let Some(Value::Text(name)) = row.first()
                && let Some(sequence) = self.pending.get(name)
            {
                *row = sequence.row();
            }
        }
        self.pending.clear();
    }

    /// Forgets the transaction's sequences (it ended).
    pub(crate) fn forget_pending(&mut self) {
        self.pending.clear();
    }

    /// The next value of a sequence the open transaction created, if `name` is one.
    pub(crate) fn next_pending(&mut self, name: &str) -> Option<Result<i64>> {
        let sequence = self.pending.get_mut(name)?;
        let value = match sequence.is_called {
            true => sequence.after(sequence.last_value),
            false => Ok(sequence.last_value),
        };
        Some(value.inspect(|&v| {
            sequence.last_value = v;
            sequence.is_called = true;
        }))
    }

    /// `setval` of a sequence the open transaction created, if `name` is one.
    pub(crate) fn set_pending(
        &mut self,
        name: &str,
        value: i64,
        is_called: bool,
    ) -> Option<Result<i64>> {
        let sequence = self.pending.get_mut(name)?;
        if value < sequence.min || value > sequence.max {
            return Some(Err(out_of_bounds(name, value, sequence)));
        }
        sequence.last_value = value;
        sequence.is_called = is_called;
        Some(Ok(value))
    }

    pub(crate) fn record(&mut self, name: &str, value: i64) {
        self.by_name.insert(name.to_string(), value);
        self.last = Some(name.to_string());
    }

    pub(crate) fn current(&self, name: &str) -> Result<i64> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::Execution {
                message: format!(
                    "currval of sequence \"{name}\" is not yet defined in this session"
                ),
                sqlstate: SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            })
    }

    pub(crate) fn last(&self) -> Result<i64> {
        self.last
            .as_ref()
            .and_then(|n| self.by_name.get(n))
            .copied()
            .ok_or_else(|| Error::Execution {
                message: "lastval is not yet defined in this session".to_string(),
                sqlstate: SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            })
    }
}

/// A session's sequence state, shared with its functions.
pub(crate) type SharedTaken = Arc<Mutex<Taken>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_take_postgresql_defaults_and_checks() -> Result<()> {
        let s = Sequence::new("s", Kind::BigInt, &[])?;
        assert_eq!((s.start, s.min, s.max, s.increment), (1, 1, i64::MAX, 1));
        let d = Sequence::new(
            "d",
            Kind::Int,
            &[SequenceOptions::IncrementBy(
                ast::Expr::UnaryOp {
                    op: ast::UnaryOperator::Minus,
                    expr: Box::new(ast::Expr::value(ast::Value::Number("2".into(), false))),
                },
                true,
            )],
        )?;
        assert_eq!((d.start, d.min, d.max), (-1, i64::from(i32::MIN), -1));
        let zero = SequenceOptions::IncrementBy(
            ast::Expr::value(ast::Value::Number("0".into(), false)),
            true,
        );
        assert!(Sequence::new("z", Kind::Int, &[zero]).is_err());
        let big = SequenceOptions::MaxValue(Some(ast::Expr::value(ast::Value::Number(
            "40000".into(),
            false,
        ))));
        assert!(Sequence::new("b", Kind::SmallInt, &[big]).is_err());
        Ok(())
    }

    #[test]
    fn rows_round_trip() -> Result<()> {
        let mut s = Sequence::new("orders_id_seq", Kind::Int, &[])?;
        s.owner = Some(("orders".into(), "id".into()));
        s.identity = Some(Identity::Always);
        assert_eq!(Sequence::of_row(&s.row()), Some(s));
        Ok(())
    }

    #[test]
    fn names_are_read_as_identifiers() {
        assert_eq!(name_of("Orders_ID_seq"), "orders_id_seq");
        assert_eq!(name_of("\"Mixed\""), "Mixed");
        assert_eq!(name_of("public.s"), "s");
        assert_eq!(name_of("Sales.\"Order\""), "sales.Order");
    }
}
