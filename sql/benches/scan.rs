//! DataFusion over projector tables: a GROUP BY over 1M rows, and a full scan at the
//! current point against one at an older point, after 10% of the rows were updated.
//!
//! Run: `cargo bench -p driftdb-sql --bench scan` (release build).

use std::hint::black_box;
use std::sync::{Arc, RwLock};

use criterion::{Criterion, criterion_group, criterion_main};
use driftdb_projector::{Change, Column, DataType, Table, TableSchema, Value};
use driftdb_sql::{QueryEngine, ReadPoint, SharedTable, provider_for};

const ROWS: i64 = 1_000_000;
const CHUNK: i64 = 10_000;

fn row(id: i64, cents: i128) -> Vec<Value> {
    vec![
        Value::Int64(id),
        Value::Int32(i32::try_from(id % 1000).unwrap_or(0)),
        Value::Decimal {
            mantissa: cents,
            scale: 2,
        },
    ]
}

/// 1M rows loaded in 100 records; then every tenth row updated in 10 more. Returns the
/// table and the sequence at which the load finished.
fn table() -> (SharedTable, u64) {
    let schema = TableSchema::new(
        "t",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("grp", DataType::Int, false),
            Column::new(
                "amount",
                DataType::Decimal {
                    precision: 12,
                    scale: 2,
                },
                false,
            ),
        ],
        vec![0],
        vec![],
        vec![],
    )
    .expect("bench schema is valid");
    let mut table = Table::new(schema);
    let mut seq = 0u64;
    for start in (0..ROWS).step_by(CHUNK as usize) {
        seq += 1;
        let changes = (start..start + CHUNK).map(|id| Change::Upsert(row(id, i128::from(id))));
        table
            .apply(seq, i64::try_from(seq).unwrap_or(0), changes)
            .expect("load applies");
    }
    let loaded = seq;
    for start in (0..ROWS).step_by((CHUNK * 10) as usize) {
        seq += 1;
        let changes = (start..start + CHUNK * 10)
            .step_by(10)
            .map(|id| Change::Upsert(row(id, i128::from(id) + 1)));
        table
            .apply(seq, i64::try_from(seq).unwrap_or(0), changes)
            .expect("updates apply");
    }
    (Arc::new(RwLock::new(table)), loaded)
}

fn scans(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (table, loaded) = table();
    let engine = QueryEngine::new().expect("engine");
    engine
        .register_table("t", Arc::clone(&table))
        .expect("register latest");
    let old = provider_for(Arc::clone(&table), ReadPoint::AsOf(loaded)).expect("provider");
    engine
        .register_provider("t_old", Arc::clone(&table), old)
        .expect("register old");
    let run = |sql: &str| runtime.block_on(engine.sql(sql)).expect("query runs");

    let mut group = c.benchmark_group("datafusion_1m");
    group.sample_size(10);
    group.bench_function("group_by_1000_groups", |b| {
        b.iter(|| black_box(run("SELECT grp, COUNT(*), SUM(amount) FROM t GROUP BY grp")))
    });
    group.bench_function("full_scan_current", |b| {
        b.iter(|| black_box(run("SELECT COUNT(*), SUM(amount) FROM t")))
    });
    group.bench_function("full_scan_as_of_before_10pct_updates", |b| {
        b.iter(|| black_box(run("SELECT COUNT(*), SUM(amount) FROM t_old")))
    });
    group.finish();
}

criterion_group!(benches, scans);
criterion_main!(benches);
