//! Every column type through DataFusion and back: exact decimals, times, arrays, NULLs.

use std::sync::{Arc, RwLock};

use anyhow::Result;
use driftdb_projector::{Change, Column, DataType, Row, Table, TableSchema, Value};
use driftdb_sql::QueryEngine;
use driftdb_sql::arrow::{arrow_type, batch_to_rows, from_scalar, to_scalar};

use crate::common::{explain, query, rows, time_of};

fn types() -> Vec<(&'static str, DataType)> {
    vec![
        ("id", DataType::Int),
        ("b", DataType::Boolean),
        ("i16", DataType::SmallInt),
        ("i64", DataType::BigInt),
        ("f32", DataType::Real),
        ("f64", DataType::Double),
        (
            "d",
            DataType::Decimal {
                precision: 38,
                scale: 2,
            },
        ),
        ("t", DataType::Text),
        ("vc", DataType::Varchar(Some(10))),
        ("ch", DataType::Char(3)),
        ("by", DataType::Bytea),
        ("dt", DataType::Date),
        ("tm", DataType::Time),
        ("ts", DataType::Timestamp),
        ("tz", DataType::TimestampTz),
        ("iv", DataType::Interval),
        ("u", DataType::Uuid),
        ("j", DataType::Json),
        ("jb", DataType::Jsonb),
        ("ai", DataType::Array(Box::new(DataType::Int))),
        ("at", DataType::Array(Box::new(DataType::Text))),
        ("au", DataType::Array(Box::new(DataType::Uuid))),
    ]
}

const UUID: [u8; 16] = [
    0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11,
];

fn full_row(id: i32, d: i128) -> Row {
    vec![
        Value::Int32(id),
        Value::Bool(true),
        Value::Int16(-7),
        Value::Int64(i64::MAX),
        Value::Float32(1.5),
        Value::Float64(-2.25),
        Value::Decimal {
            mantissa: d,
            scale: 2,
        },
        Value::Text("héllo".into()),
        Value::Text("v".into()),
        Value::Text("abc".into()),
        Value::Bytes(vec![0, 255, 1]),
        Value::Date(20_454),
        Value::Time(45_296_000_001),
        Value::Timestamp(1_767_225_600_000_001),
        Value::TimestampTz(time_of(3)),
        Value::Interval {
            months: 14,
            days: 3,
            micros: 4_000_005,
        },
        Value::Uuid(UUID),
        Value::Json("{\"a\": 1}".into()),
        Value::Json("[1,2]".into()),
        Value::Array(vec![Value::Int32(3), Value::Null, Value::Int32(-1)]),
        Value::Array(vec![]),
        Value::Array(vec![Value::Uuid(UUID)]),
    ]
}

fn null_row(id: i32) -> Row {
    let mut row = vec![Value::Null; types().len()];
    row[0] = Value::Int32(id);
    row
}

/// 12345678901234567890123456789012345.67: more digits than an f64 holds.
const BIG: i128 = 1_234_567_890_123_456_789_012_345_678_901_234_567;

fn engine() -> Result<(QueryEngine, Vec<Row>)> {
    let columns = types()
        .into_iter()
        .map(|(name, dt)| Column::new(name, dt, name != "id"))
        .collect();
    let schema = TableSchema::new("every", columns, vec![0], vec![], vec![])?;
    let mut table = Table::new(schema);
    let stored = vec![full_row(1, BIG), full_row(2, 1), null_row(3)];
    table.apply(1, time_of(1), stored.iter().cloned().map(Change::Upsert))?;
    let engine = QueryEngine::new()?;
    engine.register_table("every", Arc::new(RwLock::new(table)))?;
    Ok((engine, stored))
}

#[tokio::test]
async fn every_type_round_trips_through_datafusion() -> Result<()> {
    let (engine, stored) = engine()?;
    let names: Vec<&str> = types().iter().map(|(n, _)| *n).collect();
    let sql = format!("SELECT {} FROM every ORDER BY id", names.join(", "));
    let batches = engine.sql(&sql).await?;
    let dts: Vec<DataType> = types().into_iter().map(|(_, dt)| dt).collect();
    let mut back = Vec::new();
    for batch in &batches {
        back.extend(batch_to_rows(batch, &dts)?);
    }
    assert_eq!(back, stored);
    for row in &stored {
        for (value, dt) in row.iter().zip(&dts) {
            let scalar = to_scalar(value, dt)?;
            assert!(scalar.data_type().equals_datatype(&arrow_type(dt)));
            assert_eq!(&from_scalar(&scalar, dt)?, value);
        }
    }
    Ok(())
}

#[tokio::test]
async fn values_print_as_postgres_clients_expect() -> Result<()> {
    let (engine, _) = engine()?;
    let sql = "SELECT d, tz, ts, u, dt, tm FROM every WHERE id = 1";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[&[
            "12345678901234567890123456789012345.67",
            "2026-01-01T00:00:03Z",
            "2026-01-01T00:00:00.000001",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "2026-01-01",
            "12:34:56.000001",
        ]])
    );
    // Decimal arithmetic stays exact beyond f64's 15-16 digits.
    assert_eq!(
        query(&engine, "SELECT SUM(d) FROM every").await?,
        rows(&[&["12345678901234567890123456789012345.68"]])
    );
    assert_eq!(
        query(&engine, "SELECT COUNT(d), COUNT(*) FROM every").await?,
        rows(&[&["2", "3"]])
    );
    Ok(())
}

#[tokio::test]
async fn uuid_and_timestamp_predicates_are_pushed_down() -> Result<()> {
    let (engine, _) = engine()?;
    let by_uuid =
        "SELECT id FROM every WHERE u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' ORDER BY id";
    assert_eq!(query(&engine, by_uuid).await?, rows(&[&["1"], &["2"]]));
    assert!(
        explain(&engine, by_uuid)
            .await?
            .contains("filters=[every.u = ")
    );
    let by_decimal = "SELECT id FROM every WHERE d < 1.00";
    assert_eq!(query(&engine, by_decimal).await?, rows(&[&["2"]]));
    Ok(())
}

#[tokio::test]
async fn float_predicates_are_left_to_datafusion() -> Result<()> {
    let (engine, _) = engine()?;
    let sql = "SELECT id FROM every WHERE f64 > -3 ORDER BY id";
    assert_eq!(query(&engine, sql).await?, rows(&[&["1"], &["2"]]));
    let plan = explain(&engine, sql).await?;
    assert!(plan.contains("FilterExec"), "{plan}");
    assert!(plan.contains("access=full_scan"), "{plan}");
    Ok(())
}

/// A parameter of every type a driver may send binds: its cast is one DriftDB runs, and
/// the value comes back with a type of its own kind.
#[tokio::test]
async fn a_parameter_of_every_type_binds() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = driftdb_sql::Database::open(dir.path())?;
    let mut session = db.session();
    for t in driftdb_sql::pg_types::TYPES {
        let Some(cast) = driftdb_sql::pg_types::parameter_cast(t.oid) else {
            continue;
        };
        let described = Box::pin(session.describe("SELECT $1 AS v")).await?;
        let param = driftdb_sql::Param {
            value: driftdb_sql::ParamValue::Null,
            sql_type: Some(cast.clone()),
        };
        let outcome = Box::pin(session.execute_bound_statement(described.statement, &[param]))
            .await
            .map_err(|e| anyhow::anyhow!("{} as {cast}: {e}", t.name))?;
        let rows = outcome
            .rows
            .ok_or_else(|| anyhow::anyhow!("{}: no rows", t.name))?;
        let field = rows.schema.field(0).clone();
        let got = driftdb_sql::pg_types::of_field(&field).oid;
        let same_kind =
            |oid| driftdb_sql::pg_types::PgType::by_oid(oid).map(|t| (t.category, t.is_array()));
        assert_eq!(
            same_kind(got),
            same_kind(t.oid),
            "{} bound as {cast}",
            t.name
        );
    }
    Ok(())
}
