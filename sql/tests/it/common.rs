//! Fixtures: an `orders` and a `customers` table with a few sequences of changes, and
//! helpers that turn result batches into strings.

use std::sync::{Arc, RwLock};

use anyhow::Result;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::sql::sqlparser::dialect::MsSqlDialect;
use driftdb_projector::{Change, Column, DataType, IndexDef, Row, Table, TableSchema, Value};
use driftdb_sql::{QueryEngine, SharedTable};

/// Commit time of sequence `seq`: one second apart from 2026-01-01T00:00:00Z.
pub fn time_of(seq: u64) -> i64 {
    1_767_225_600_000_000 + i64::try_from(seq).unwrap_or(0) * 1_000_000
}

pub fn dec(mantissa: i128) -> Value {
    Value::Decimal { mantissa, scale: 2 }
}

pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}

pub fn order(id: i64, customer: &str, cents: i128, status: Option<&str>) -> Row {
    vec![
        Value::Int64(id),
        text(customer),
        dec(cents),
        status.map_or(Value::Null, text),
    ]
}

pub fn orders_schema() -> Result<TableSchema> {
    Ok(TableSchema::new(
        "orders",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("customer", DataType::Text, false),
            Column::new(
                "amount",
                DataType::Decimal {
                    precision: 10,
                    scale: 2,
                },
                false,
            ),
            Column::new("status", DataType::Text, true),
        ],
        vec![0],
        vec![],
        vec![IndexDef {
            name: "by_customer".into(),
            columns: vec![1],
        }],
    )?)
}

/// `orders` history:
/// - @1: ids 1..=10, customer `c{id % 3}`, amount `id * 1.00`, status 'new'
/// - @2: id 2 -> status 'paid', amount 2.50
/// - @3: id 3 deleted
/// - @4: id 11 inserted ('c2', 11.00); id 1 -> customer 'c9'
/// - @5: id 3 inserted again ('c0', 33.00, NULL status); id 2 -> 'shipped'
pub fn orders() -> Result<SharedTable> {
    let mut t = Table::new(orders_schema()?);
    t.apply(
        1,
        time_of(1),
        (1..=10).map(|id| {
            Change::Upsert(order(
                id,
                &format!("c{}", id % 3),
                i128::from(id) * 100,
                Some("new"),
            ))
        }),
    )?;
    t.apply(
        2,
        time_of(2),
        [Change::Upsert(order(2, "c2", 250, Some("paid")))],
    )?;
    t.apply(3, time_of(3), [Change::Delete(vec![Value::Int64(3)])])?;
    t.apply(
        4,
        time_of(4),
        [
            Change::Upsert(order(11, "c2", 1100, Some("new"))),
            Change::Upsert(order(1, "c9", 100, Some("new"))),
        ],
    )?;
    t.apply(
        5,
        time_of(5),
        [
            Change::Upsert(order(3, "c0", 3300, None)),
            Change::Upsert(order(2, "c2", 250, Some("shipped"))),
        ],
    )?;
    Ok(Arc::new(RwLock::new(t)))
}

/// `customers`: c0, c1, c2 at @1; c1 renamed at @4.
pub fn customers() -> Result<SharedTable> {
    let schema = TableSchema::new(
        "customers",
        vec![
            Column::new("id", DataType::Text, false),
            Column::new("name", DataType::Text, false),
        ],
        vec![0],
        vec![],
        vec![],
    )?;
    let mut t = Table::new(schema);
    t.apply(
        1,
        time_of(1),
        ["c0", "c1", "c2"].map(|c| Change::Upsert(vec![text(c), text(&format!("name {c}"))])),
    )?;
    t.apply(
        4,
        time_of(4),
        [Change::Upsert(vec![text("c1"), text("renamed")])],
    )?;
    Ok(Arc::new(RwLock::new(t)))
}

/// An engine with `orders` and `customers` registered at their latest sequence.
pub fn engine() -> Result<QueryEngine> {
    let engine = QueryEngine::new()?;
    engine.register_table("orders", orders()?)?;
    engine.register_table("customers", customers()?)?;
    Ok(engine)
}

/// Each row as its cells' display strings, NULL as "NULL".
pub fn cells(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for batch in batches {
        for r in 0..batch.num_rows() {
            let mut row = Vec::new();
            for column in batch.columns() {
                row.push(if column.is_null(r) {
                    "NULL".to_owned()
                } else {
                    array_value_to_string(column, r)?
                });
            }
            out.push(row);
        }
    }
    Ok(out)
}

/// Runs `sql` (PostgreSQL-like dialect, no time travel) and returns its cells.
pub async fn query(engine: &QueryEngine, sql: &str) -> Result<Vec<Vec<String>>> {
    cells(&engine.sql(sql).await?)
}

/// Runs `sql` with a dialect that parses `FOR SYSTEM_TIME AS OF`.
pub async fn query_tt(engine: &QueryEngine, sql: &str) -> Result<Vec<Vec<String>>> {
    cells(&engine.sql_with_dialect(sql, &MsSqlDialect {}).await?)
}

/// `EXPLAIN` text of `sql` (all plan lines joined).
pub async fn explain(engine: &QueryEngine, sql: &str) -> Result<String> {
    let rows = query_tt(engine, &format!("EXPLAIN {sql}")).await?;
    Ok(rows
        .into_iter()
        .map(|r| r.join(" | "))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Shorthand for expected rows.
pub fn rows(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}
