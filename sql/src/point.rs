//! Point reads by primary key, answered from the table without DataFusion.
//!
//! `SELECT a, b FROM t WHERE id = 42` (the shape of most OLTP reads) costs DataFusion a
//! logical plan, an optimizer pass, a physical plan and a stream per statement: a few
//! hundred microseconds for one hash lookup. A statement of exactly this shape is served
//! here instead:
//!
//! ```sql
//! SELECT <columns or *> FROM <table> [AS alias] [FOR SYSTEM_TIME AS OF <point>]
//!  WHERE <key column> = <literal> [AND <key column> = <literal> ...]
//! ```
//!
//! with every primary-key column compared once, each literal an integer (for `SMALLINT`,
//! `INTEGER`, `BIGINT` keys) or a string (for `TEXT` and `VARCHAR` keys), bare or cast to the
//! column's own type (which is what a bound parameter of the extended protocol becomes).
//!
//! Recognising a statement never changes its meaning: anything else — another literal type,
//! a pseudo-column, a projected table (whose `*` hides its source columns), a table the
//! transaction has written, created or dropped, a point that is out of range, a value that
//! does not fit the key — is left to the general path, which also owns every error message.
//! So this module returns `Option`, never an error: `None` means "plan it normally". The
//! result (schema, names, nullability, values) is the one the general path gives; a test
//! runs both on the same statements and compares.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::{FieldRef, Schema, SchemaRef};
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, GroupByExpr, Query, SelectItem, SetExpr, Statement,
    TableFactor, TableVersion, UnaryOperator, Value as AstValue,
};

use driftdb_projector::{DataType, Database, Table, TableSchema, Value};

use crate::outcome::Rows;
use crate::schemas::{ident_name, table_name};

/// A statement of the point-read shape; see the module documentation.
#[derive(Debug)]
pub(crate) struct PointQuery<'a> {
    /// The table, as the catalog names it.
    pub(crate) table: String,
    /// Its `FOR SYSTEM_TIME AS OF` clause, if any.
    pub(crate) version: Option<&'a TableVersion>,
    /// The selected columns; `None` for `*`.
    columns: Option<Vec<String>>,
    /// `column = literal` conjuncts of the `WHERE` clause.
    equalities: Vec<(String, &'a Expr)>,
}

impl<'a> PointQuery<'a> {
    /// `statement` as a point read, if it has the shape.
    pub(crate) fn of(statement: &'a Statement) -> Option<PointQuery<'a>> {
        let Statement::Query(query) = statement else {
            return None;
        };
        let Query {
            with: None,
            body,
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks,
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators,
        } = query.as_ref()
        else {
            return None;
        };
        if !locks.is_empty() || !pipe_operators.is_empty() {
            return None;
        }
        let SetExpr::Select(select) = body.as_ref() else {
            return None;
        };
        let plain = select.optimizer_hints.is_empty()
            && select.distinct.is_none()
            && select.select_modifiers.is_none()
            && select.top.is_none()
            && select.exclude.is_none()
            && select.into.is_none()
            && select.lateral_views.is_empty()
            && select.prewhere.is_none()
            && select.connect_by.is_empty()
            && matches!(&select.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
            && select.cluster_by.is_empty()
            && select.distribute_by.is_empty()
            && select.sort_by.is_empty()
            && select.having.is_none()
            && select.named_window.is_empty()
            && select.qualify.is_none()
            && select.value_table_mode.is_none();
        if !plain {
            return None;
        }
        let [from] = select.from.as_slice() else {
            return None;
        };
        if !from.joins.is_empty() {
            return None;
        }
        let TableFactor::Table {
            name,
            alias,
            args: None,
            with_hints,
            version,
            with_ordinality: false,
            partitions,
            json_path: None,
            sample: None,
            index_hints,
        } = &from.relation
        else {
            return None;
        };
        if !with_hints.is_empty() || !partitions.is_empty() || !index_hints.is_empty() {
            return None;
        }
        // The front end encodes every `FOR SYSTEM_TIME` clause as an `AS OF` marker.
        if version.as_ref().is_some_and(|v| {
            !matches!(
                crate::temporal::SystemTime::of_version(v),
                Ok(crate::temporal::SystemTime::AsOf(_))
            )
        }) {
            return None;
        }
        let table = table_name(name).ok()?;
        // System catalogs and views are planned (and rewritten) by the general path.
        if table.starts_with("pg_") || table.starts_with("driftdb_") {
            return None;
        }
        let qualifier = match alias {
            None => table.clone(),
            Some(alias) if alias.columns.is_empty() => ident_name(&alias.name),
            Some(_) => return None,
        };
        let column = |expr: &Expr| column_of(expr, &qualifier);
        let columns = match select.projection.as_slice() {
            [SelectItem::Wildcard(options)] if is_plain_wildcard(options) => None,
            items => {
                let mut names = Vec::with_capacity(items.len());
                for item in items {
                    let SelectItem::UnnamedExpr(expr) = item else {
                        return None;
                    };
                    names.push(column(expr)?);
                }
                Some(names)
            }
        };
        let equalities = equalities(select.selection.as_ref()?, &qualifier)?;
        Some(PointQuery {
            table,
            version: version.as_ref(),
            columns,
            equalities,
        })
    }

    /// Reads the row at `seq` from `db`; `None` if the statement is not a point read of
    /// this table after all (see the module documentation).
    pub(crate) fn read(&self, db: &Database, seq: u64) -> Option<Rows> {
        self.with_table(db, seq, |table, positions| {
            self.read_from(table, positions, seq)
        })
    }

    fn read_from(&self, table: &Table, positions: &[usize], seq: u64) -> Option<Rows> {
        let schema = table.schema();
        let key = key_of(schema, &self.equalities)?;
        let found = table.get(&key, seq).ok()?;
        let rows: Vec<Vec<Value>> = found
            .into_iter()
            .map(|version| positions.iter().map(|&i| version.row[i].clone()).collect())
            .collect();
        let (arrow, types) = output(&crate::arrow::read_schema(table, seq), positions);
        let batch = crate::arrow::rows_to_batch(Arc::clone(&arrow), &types, &rows).ok()?;
        Some(Rows {
            schema: arrow,
            batches: vec![batch],
        })
    }

    /// For a statement of the shape with parameters in place of some or all key literals
    /// (`WHERE id = $1`, which binding turns into one the point path serves): the type of
    /// each parameter (by number) and the result's columns, as the planner would describe
    /// them; `None` as for [`PointQuery::read`].
    pub(crate) fn describe(
        &self,
        db: &Database,
        seq: u64,
    ) -> Option<(Vec<(usize, FieldRef)>, SchemaRef)> {
        self.with_table(db, seq, |table, positions| {
            self.describe_from(table, positions, seq)
        })
    }

    fn describe_from(
        &self,
        table: &Table,
        positions: &[usize],
        seq: u64,
    ) -> Option<(Vec<(usize, FieldRef)>, SchemaRef)> {
        let schema = table.schema();
        let key_columns = schema.primary_key();
        let mut seen = HashSet::new();
        let mut parameters = Vec::new();
        for (name, expr) in &self.equalities {
            let position = schema.column_index(name)?;
            if !key_columns.contains(&position) || !seen.insert(position) {
                return None;
            }
            let data_type = &schema.columns()[position].data_type;
            match placeholder(expr) {
                Some(n) => parameters.push((
                    n,
                    Arc::new(crate::arrow::field(&driftdb_projector::Column::new(
                        "",
                        data_type.clone(),
                        true,
                    ))),
                )),
                None => {
                    key_value(expr, data_type)?;
                }
            }
        }
        let read = crate::arrow::read_schema(table, seq);
        Some((parameters, output(&read, positions).0))
    }

    /// Runs `f` on the table at `seq`, read-locked, with the positions of the selected
    /// columns; `None` if the table is not one the point path serves (missing at `seq`, or
    /// projected), a selected column is not one of its own, or the `WHERE` clause does not
    /// name as many columns as the key has.
    fn with_table<T>(
        &self,
        db: &Database,
        seq: u64,
        f: impl FnOnce(&Table, &[usize]) -> Option<T>,
    ) -> Option<T> {
        if db.projections().by_table.contains_key(&self.table) {
            return None;
        }
        let shared = db.table_at(&self.table, seq).ok()?;
        let table = driftdb_projector::database::read(shared);
        let positions = self.positions(table.schema())?;
        if self.equalities.len() != table.schema().primary_key().len() {
            return None;
        }
        f(&table, &positions)
    }

    /// The positions of the selected columns in `schema`.
    fn positions(&self, schema: &TableSchema) -> Option<Vec<usize>> {
        let positions: Vec<usize> = match &self.columns {
            None => schema.visible().collect(),
            Some(names) => {
                let positions = names
                    .iter()
                    .map(|n| schema.column_index(n))
                    .collect::<Option<Vec<_>>>()?;
                // The general path refuses two output columns of one name; let it.
                let distinct: HashSet<_> = positions.iter().collect();
                if distinct.len() != positions.len() {
                    return None;
                }
                positions
            }
        };
        Some(positions)
    }
}

/// The result schema of the columns at `positions`, and their types.
fn output(schema: &TableSchema, positions: &[usize]) -> (SchemaRef, Vec<DataType>) {
    let columns: Vec<_> = positions.iter().map(|&i| &schema.columns()[i]).collect();
    let arrow = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| crate::arrow::field(c))
            .collect::<Vec<_>>(),
    ));
    (arrow, columns.iter().map(|c| c.data_type.clone()).collect())
}

/// The number of a `$n` placeholder.
fn placeholder(expr: &Expr) -> Option<usize> {
    match strip_nested(expr) {
        Expr::Value(v) => match &v.value {
            AstValue::Placeholder(p) => p.strip_prefix('$')?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

fn is_plain_wildcard(options: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    options.opt_ilike.is_none()
        && options.opt_exclude.is_none()
        && options.opt_except.is_none()
        && options.opt_replace.is_none()
        && options.opt_rename.is_none()
        && options.opt_alias.is_none()
}

/// The column `expr` names, bare or qualified with `qualifier`.
pub(crate) fn column_of(expr: &Expr, qualifier: &str) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident_name(ident)),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [q, c] if ident_name(q) == qualifier => Some(ident_name(c)),
            _ => None,
        },
        _ => None,
    }
}

/// The `column = expr` conjuncts of a `WHERE` clause made of nothing else (`None` if it has
/// anything else), columns named bare or with `qualifier`.
pub(crate) fn equalities<'a>(
    selection: &'a Expr,
    qualifier: &str,
) -> Option<Vec<(String, &'a Expr)>> {
    let mut found = Vec::new();
    let mut pending = vec![selection];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                pending.push(right);
                pending.push(left);
            }
            Expr::Nested(inner) => pending.push(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => match (column_of(left, qualifier), column_of(right, qualifier)) {
                (Some(name), None) => found.push((name, right.as_ref())),
                (None, Some(name)) => found.push((name, left.as_ref())),
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(found)
}

/// The primary key that `equalities` pin down, if they compare every key column exactly
/// once with a literal [`key_value`] reads, and nothing else.
pub(crate) fn key_of(schema: &TableSchema, equalities: &[(String, &Expr)]) -> Option<Vec<Value>> {
    let key_columns = schema.primary_key();
    if equalities.len() != key_columns.len() {
        return None;
    }
    let mut key = vec![Value::Null; key_columns.len()];
    for (name, literal) in equalities {
        let position = schema.column_index(name)?;
        let slot = key_columns.iter().position(|&k| k == position)?;
        if key[slot] != Value::Null {
            return None;
        }
        key[slot] = key_value(literal, &schema.columns()[position].data_type)?;
    }
    Some(key)
}

/// The value a literal stands for in a column of type `data_type`, if it is one this
/// module reads the same way the general path would: an integer, a string for a text
/// column, either cast to the column's own type.
pub(crate) fn key_value(expr: &Expr, data_type: &DataType) -> Option<Value> {
    let (expr, cast) = match strip_nested(expr) {
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr,
            data_type: target,
            array: false,
            format: None,
        } => {
            // A cast to the column's own type changes nothing; any other is planned.
            if crate::column_type::data_type(target).ok()? != *data_type {
                return None;
            }
            (strip_nested(expr), true)
        }
        other => (other, false),
    };
    let integer = matches!(
        data_type,
        DataType::SmallInt | DataType::Int | DataType::BigInt
    );
    match expr {
        Expr::Value(v) => match (&v.value, integer) {
            (AstValue::Number(n, false), true) => integer_value(n, data_type),
            // '42'::bigint, which a bound text parameter becomes. (A bare string compared
            // with an integer column is coerced by the planner's rules: leave it to them.)
            (AstValue::SingleQuotedString(s), true) if cast => integer_value(s, data_type),
            (AstValue::SingleQuotedString(s), false)
                if matches!(data_type, DataType::Text | DataType::Varchar(_)) =>
            {
                Some(Value::Text(s.clone()))
            }
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: inner,
        } if integer => match strip_nested(inner) {
            Expr::Value(v) => match &v.value {
                AstValue::Number(n, false) if !n.starts_with('-') => {
                    integer_value(&format!("-{n}"), data_type)
                }
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// `text` (an optional `-` and decimal digits, nothing else) as a value of an integer type,
/// if it fits.
fn integer_value(text: &str, data_type: &DataType) -> Option<Value> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match data_type {
        DataType::SmallInt => text.parse().ok().map(Value::Int16),
        DataType::Int => text.parse().ok().map(Value::Int32),
        DataType::BigInt => text.parse().ok().map(Value::Int64),
        _ => None,
    }
}

fn strip_nested(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

#[cfg(test)]
mod tests {
    use driftdb_projector::{Column, LedgerOp, TableSchema, Transaction};

    use super::*;

    fn parse(sql: &str) -> Statement {
        match crate::parse(sql).unwrap().pop() {
            Some(crate::Statement::Sql(sql)) => sql.statement,
            other => panic!("{other:?}"),
        }
    }

    /// `accounts (id BIGINT, owner TEXT)` with (1, 'ann') at sequence 1 and (1, 'bo') at 2,
    /// and `pairs (a INT, b TEXT)` keyed by both with (1, 'x') at 1.
    fn database() -> Database {
        let accounts = TableSchema::new(
            "accounts",
            vec![
                Column::new("id", DataType::BigInt, false),
                Column::new("owner", DataType::Text, true),
            ],
            vec![0],
            vec![],
            vec![],
        )
        .unwrap();
        let pairs = TableSchema::new(
            "pairs",
            vec![
                Column::new("a", DataType::Int, false),
                Column::new("b", DataType::Text, false),
            ],
            vec![0, 1],
            vec![],
            vec![],
        )
        .unwrap();
        let mut db = Database::default();
        let ops = [
            vec![
                LedgerOp::CreateTable(accounts),
                LedgerOp::CreateTable(pairs),
            ],
            vec![
                LedgerOp::Upsert {
                    table: "accounts".into(),
                    row: vec![Value::Int64(1), Value::Text("ann".into())],
                },
                LedgerOp::Upsert {
                    table: "pairs".into(),
                    row: vec![Value::Int32(1), Value::Text("x".into())],
                },
            ],
            vec![LedgerOp::Upsert {
                table: "accounts".into(),
                row: vec![Value::Int64(1), Value::Text("bo".into())],
            }],
        ];
        for (seq, ops) in ops.into_iter().enumerate() {
            db.apply_owned(seq as u64, 1_000 + seq as i64, Transaction { ops })
                .unwrap();
        }
        db
    }

    fn read(db: &Database, sql: &str, seq: u64) -> Option<Vec<Vec<Value>>> {
        let statement = parse(sql);
        let rows = PointQuery::of(&statement)?.read(db, seq)?;
        crate::arrow::batch_to_rows(
            &rows.batches[0],
            &rows
                .schema
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    datafusion::arrow::datatypes::DataType::Int64 => DataType::BigInt,
                    datafusion::arrow::datatypes::DataType::Int32 => DataType::Int,
                    _ => DataType::Text,
                })
                .collect::<Vec<_>>(),
        )
        .ok()
    }

    #[test]
    fn the_shape_is_served_from_the_table() {
        let db = database();
        let ann = || Some(vec![vec![Value::Text("ann".into())]]);
        let bo = Some(vec![vec![Value::Text("bo".into())]]);
        assert_eq!(
            read(&db, "SELECT owner FROM accounts WHERE id = 1", 1),
            ann()
        );
        assert_eq!(read(&db, "SELECT owner FROM accounts WHERE id = 1", 2), bo);
        assert_eq!(
            read(&db, "SELECT owner FROM accounts WHERE id = 2", 2),
            Some(vec![])
        );
        assert_eq!(
            read(&db, "SELECT owner FROM accounts WHERE id = 1", 0),
            Some(vec![])
        );
        for sql in [
            "SELECT owner FROM accounts AS t WHERE t.id = 1",
            "SELECT owner FROM accounts WHERE (1 = id)",
            "SELECT owner FROM accounts WHERE id = (1)::BIGINT",
            "SELECT owner FROM accounts WHERE id = CAST('1' AS BIGINT)",
            "SELECT Owner FROM PUBLIC.Accounts WHERE ID = 1",
        ] {
            assert_eq!(read(&db, sql, 1), ann(), "{sql}");
        }
        assert_eq!(
            read(&db, "SELECT * FROM accounts WHERE id = 1", 1),
            Some(vec![vec![Value::Int64(1), Value::Text("ann".into())]])
        );
        assert_eq!(
            read(&db, "SELECT b, a FROM pairs WHERE b = 'x' AND a = 1", 1),
            Some(vec![vec![Value::Text("x".into()), Value::Int32(1)]])
        );
        let statement =
            parse("SELECT owner FROM accounts FOR SYSTEM_TIME AS OF @SEQ:1 WHERE id = 1");
        assert!(PointQuery::of(&statement).is_some_and(|q| q.version.is_some()));
    }

    #[test]
    fn parameters_for_the_key_are_described_from_the_table() {
        let db = database();
        let describe = |sql: &str| {
            let statement = parse(sql);
            PointQuery::of(&statement)
                .and_then(|q| q.describe(&db, 2))
                .map(|(parameters, columns)| {
                    let names: Vec<String> =
                        columns.fields().iter().map(|f| f.name().clone()).collect();
                    let types: Vec<(usize, datafusion::arrow::datatypes::DataType)> = parameters
                        .into_iter()
                        .map(|(n, f)| (n, f.data_type().clone()))
                        .collect();
                    (types, names)
                })
        };
        assert_eq!(
            describe("SELECT owner FROM accounts WHERE id = $1"),
            Some((
                vec![(1, datafusion::arrow::datatypes::DataType::Int64)],
                vec!["owner".to_string()]
            ))
        );
        assert_eq!(
            describe("SELECT * FROM pairs WHERE b = $2 AND a = $1"),
            Some((
                vec![
                    (2, datafusion::arrow::datatypes::DataType::Utf8),
                    (1, datafusion::arrow::datatypes::DataType::Int32)
                ],
                vec!["a".to_string(), "b".to_string()]
            ))
        );
        assert_eq!(
            describe("SELECT owner FROM accounts WHERE id = $1::INT"),
            None
        );
        assert_eq!(describe("SELECT a FROM pairs WHERE a = $1"), None);
    }

    #[test]
    fn other_shapes_are_left_to_the_planner() {
        let db = database();
        for sql in [
            "SELECT owner FROM accounts WHERE id = 1 LIMIT 1",
            "SELECT owner FROM accounts WHERE id = 1 ORDER BY owner",
            "SELECT DISTINCT owner FROM accounts WHERE id = 1",
            "SELECT count(*) FROM accounts WHERE id = 1",
            "SELECT owner AS o FROM accounts WHERE id = 1",
            "SELECT owner FROM accounts WHERE id = 1 OR id = 2",
            "SELECT owner FROM accounts WHERE id > 1",
            "SELECT owner FROM accounts WHERE id = 1 AND owner = 'ann'",
            "SELECT owner FROM accounts WHERE id = '1'",
            "SELECT owner FROM accounts WHERE id = 1.5",
            "SELECT owner FROM accounts WHERE id = (1)::INT",
            "SELECT owner FROM accounts WHERE id = $1",
            "SELECT owner FROM accounts",
            "SELECT owner FROM accounts, pairs WHERE id = 1",
            "SELECT owner FROM accounts FOR SYSTEM_TIME ALL WHERE id = 1",
            "SELECT owner, owner FROM accounts WHERE id = 1",
            "SELECT __sequence FROM accounts WHERE id = 1",
            "SELECT a FROM pairs WHERE a = 1",
            "SELECT a FROM pairs WHERE a = 1 AND a = 1",
            "SELECT owner FROM other.accounts WHERE id = 1",
            "SELECT relname FROM pg_class WHERE oid = 1",
            "WITH x AS (SELECT 1) SELECT owner FROM accounts WHERE id = 1",
            "SELECT owner FROM accounts WHERE id = 1 FOR UPDATE",
        ] {
            assert_eq!(read(&db, sql, 2), None, "{sql}");
        }
    }
}
