//! Benchmarks of `Table`: point lookups, full scans now and in the past, apply throughput,
//! and snapshot write and load. Run with `cargo bench -p driftdb-projector --bench table`; the figures and
//! the machine they came from are recorded in `docs/benchmarks.md`.
//!
//! The table: `accounts(id BIGINT PRIMARY KEY, owner TEXT, balance BIGINT, grp INT)` with an
//! index on `grp`, 1M rows inserted 10k per record at sequences 1..=100, then 10% of the rows
//! updated 10k per record at sequences 101..=110.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use driftdb_projector::{
    Change, Column, DataType, IndexDef, Row, Table, TableSchema, Value, snapshot,
};

const ROWS: i64 = 1_000_000;
const PER_RECORD: i64 = 10_000;
const INSERTED_AT: u64 = ROWS as u64 / PER_RECORD as u64;
const UPDATED: i64 = ROWS / 10;

fn schema() -> TableSchema {
    let schema = TableSchema::new(
        "accounts",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("owner", DataType::Text, false),
            Column::new("balance", DataType::BigInt, false),
            Column::new("grp", DataType::Int, false),
        ],
        vec![0],
        vec![],
        vec![IndexDef {
            name: "by_grp".into(),
            columns: vec![3],
        }],
    );
    match schema {
        Ok(schema) => schema,
        Err(e) => panic!("bench schema: {e}"),
    }
}

fn row(id: i64, balance: i64) -> Row {
    vec![
        Value::Int64(id),
        Value::Text(format!("owner-{id:07}")),
        Value::Int64(balance),
        Value::Int32((id % 1000) as i32),
    ]
}

fn apply(table: &mut Table, seq: u64, changes: Vec<Change>) {
    if let Err(e) = table.apply(seq, seq as i64 * 1_000, changes) {
        panic!("bench apply at {seq}: {e}");
    }
}

/// The table described in the module documentation; returns it with its newest sequence.
fn populated() -> (Table, u64) {
    let mut table = Table::new(schema());
    let mut seq = 0;
    for chunk in 0..ROWS / PER_RECORD {
        seq += 1;
        let ids = chunk * PER_RECORD..(chunk + 1) * PER_RECORD;
        apply(
            &mut table,
            seq,
            ids.map(|id| Change::Upsert(row(id, 0))).collect(),
        );
    }
    // Every tenth key gets a second version.
    for chunk in 0..UPDATED / PER_RECORD {
        seq += 1;
        let ids = (chunk * PER_RECORD..(chunk + 1) * PER_RECORD).map(|i| i * 10);
        apply(
            &mut table,
            seq,
            ids.map(|id| Change::Upsert(row(id, 1))).collect(),
        );
    }
    let m = table.memory();
    eprintln!(
        "populated: {} live rows, {} versions, {} index entries, estimated ~{} MiB ({} bytes/version), process {}",
        m.live_rows,
        m.versions,
        m.index_entries,
        m.bytes >> 20,
        m.bytes / m.versions.max(1),
        resident_set()
    );
    (table, seq)
}

/// The process's resident set as Linux reports it, to check `Table::memory`'s estimate.
fn resident_set() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "VmRSS: unknown".into())
}

fn lookups(c: &mut Criterion) {
    let (table, now) = populated();
    let mut group = c.benchmark_group("point_lookup_1m");
    let mut id = 0i64;
    let mut next_key = || {
        // A stride that visits keys in scattered order.
        id = (id + 7_919) % ROWS;
        [Value::Int64(id)]
    };
    group.bench_function("get_current", |b| {
        b.iter(|| black_box(table.get_current(&next_key()).is_some()))
    });
    group.bench_function("get_at_now", |b| {
        b.iter(|| black_box(table.get(&next_key(), now).ok().flatten().is_some()))
    });
    group.bench_function("get_at_old_seq", |b| {
        b.iter(|| black_box(table.get(&next_key(), INSERTED_AT).ok().flatten().is_some()))
    });
    group.bench_function("index_eq_at_now", |b| {
        let mut grp = 0;
        b.iter(|| {
            grp = (grp + 1) % 1000;
            let key = [Value::Int32(grp)];
            let rows = table.index_eq("by_grp", &key, now).map(|r| r.count());
            black_box(rows.ok())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("full_scan_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("current", |b| {
        b.iter(|| black_box(table.scan(now).map(|r| r.count()).ok()))
    });
    group.bench_function("old_seq_10pct_updated_since", |b| {
        b.iter(|| black_box(table.scan(INSERTED_AT).map(|r| r.count()).ok()))
    });
    group.finish();
}

fn applies(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    group.sample_size(10);
    const BATCH: i64 = 1_000;
    group.throughput(Throughput::Elements(BATCH as u64));
    // Records of 1000 inserts into a table that already holds 100k rows.
    group.bench_function("insert_1000_per_record", |b| {
        b.iter_batched(
            || {
                let mut table = Table::new(schema());
                apply(
                    &mut table,
                    1,
                    (0..100_000).map(|id| Change::Upsert(row(id, 0))).collect(),
                );
                let changes: Vec<Change> = (100_000..100_000 + BATCH)
                    .map(|id| Change::Upsert(row(id, 0)))
                    .collect();
                (table, changes)
            },
            |(mut table, changes)| {
                apply(&mut table, 2, changes);
                table
            },
            BatchSize::LargeInput,
        )
    });
    // Records of 1000 updates that move each row to another index key.
    group.bench_function("update_1000_per_record", |b| {
        b.iter_batched(
            || {
                let mut table = Table::new(schema());
                apply(
                    &mut table,
                    1,
                    (0..100_000).map(|id| Change::Upsert(row(id, 0))).collect(),
                );
                let changes: Vec<Change> = (0..BATCH)
                    .map(|i| {
                        let mut r = row(i * 97, 5);
                        r[3] = Value::Int32(-1);
                        Change::Upsert(r)
                    })
                    .collect();
                (table, changes)
            },
            |(mut table, changes)| {
                apply(&mut table, 2, changes);
                table
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Snapshot write (archive, fsync, rename) and load (read, verify, rebuild indexes) of a
/// 100k-row table with one index: the restart cost per 100k rows.
fn snapshots(c: &mut Criterion) {
    const SNAP_ROWS: i64 = 100_000;
    let mut table = Table::new(schema());
    apply(
        &mut table,
        1,
        (0..SNAP_ROWS)
            .map(|id| Change::Upsert(row(id, 0)))
            .collect(),
    );
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("bench tempdir: {e}"),
    };
    let path = dir.path().join("accounts.snap");
    let mut group = c.benchmark_group("snapshot_100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SNAP_ROWS as u64));
    group.bench_function("write", |b| {
        b.iter(|| black_box(snapshot::write(&table, &path).is_ok()))
    });
    if let Ok(meta) = std::fs::metadata(&path) {
        eprintln!("snapshot of {SNAP_ROWS} rows: {} bytes", meta.len());
    }
    group.bench_function("load", |b| {
        b.iter(|| black_box(snapshot::load(&path).map(|t| t.len()).ok()))
    });
    group.finish();
}

criterion_group!(benches, lookups, applies, snapshots);
criterion_main!(benches);
