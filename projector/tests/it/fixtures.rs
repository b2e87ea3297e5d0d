//! Released snapshot formats stay readable: `tests/fixtures/snapshot-v<N>.snap` was written by
//! format version N and must load, forever, into the table it was made from.
//!
//! To add the fixture of a new format version, bump the file name below and run
//! `DRIFTDB_WRITE_FIXTURES=1 cargo test -p driftdb-projector --test it fixtures`, then commit
//! the file. Never rewrite an existing fixture.

use std::path::PathBuf;

use driftdb_projector::{Change, Error, Table, Value, VersionFilter, snapshot};

use crate::model::schema;

/// The table every fixture holds: inserts, an update, a delete and a re-insert, a truncate,
/// and a vacuum, touching every kind of value the test schema has (NULLs included).
fn fixture_table() -> Result<Table, Error> {
    let row = |id: i32, grp: i32, code: Option<i32>, note: Option<&str>| {
        vec![
            Value::Int32(id),
            Value::Int32(grp),
            code.map_or(Value::Null, Value::Int32),
            note.map_or(Value::Null, |n| Value::Text(n.into())),
        ]
    };
    let mut t = Table::new(schema());
    let t0 = 1_763_900_000_000_000;
    t.apply(
        1,
        t0,
        [
            Change::Upsert(row(1, 0, Some(10), Some("first"))),
            Change::Upsert(row(2, 1, None, None)),
        ],
    )?;
    t.apply(
        2,
        t0 + 1,
        [Change::Upsert(row(1, 2, Some(11), Some("second")))],
    )?;
    t.apply(3, t0 + 2, [Change::Delete(vec![Value::Int32(2)])])?;
    t.apply(
        5,
        t0 + 3,
        [Change::Upsert(row(2, 1, Some(20), Some("back")))],
    )?;
    t.apply(
        6,
        t0 + 4,
        [
            Change::Truncate,
            Change::Upsert(row(3, 0, None, Some("after truncate"))),
        ],
    )?;
    t.apply(7, t0 + 5, [Change::Upsert(row(3, 1, Some(30), None))])?;
    t.vacuum(2)?;
    Ok(t)
}

fn describe(t: &Table) -> Result<Vec<String>, Error> {
    let mut out = vec![format!(
        "{:?} {:?} {:?} {}",
        t.schema(),
        t.current_seq(),
        t.current_time(),
        t.horizon()
    )];
    out.extend(t.versions(VersionFilter::All)?.map(|v| format!("{v:?}")));
    for seq in t.horizon()..=8 {
        out.extend(t.scan(seq)?.map(|v| format!("{seq} {v:?}")));
        for grp in 0..3 {
            let key = [Value::Int32(grp)];
            out.extend(
                t.index_eq("by_grp", &key, seq)?
                    .map(|v| format!("{seq} grp {grp} {:?}", v.row)),
            );
        }
    }
    Ok(out)
}

#[test]
fn format_v1_fixture_still_loads() -> Result<(), Error> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshot-v1.snap");
    let expected = fixture_table()?;
    if std::env::var_os("DRIFTDB_WRITE_FIXTURES").is_some() && !path.exists() {
        snapshot::write(&expected, &path)?;
    }
    let loaded = snapshot::load(&path)?;
    assert_eq!(describe(&loaded)?, describe(&expected)?);
    Ok(())
}

/// The writer still produces exactly the bytes of format version 1 for the same table, so
/// a writer change that alters the format cannot slip in without a new version.
#[test]
fn writer_reproduces_the_v1_fixture_bytes() -> Result<(), Error> {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshot-v1.snap");
    let dir = tempfile::tempdir().map_err(|source| Error::Io {
        path: "tempdir".into(),
        source,
    })?;
    let path = dir.path().join("again.snap");
    snapshot::write(&fixture_table()?, &path)?;
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })
    };
    assert!(
        read(&path)? == read(&fixture)?,
        "snapshot bytes differ from the v1 fixture"
    );
    Ok(())
}

/// The ledger record every `ledger-v<N>.bin` fixture holds: one of each operation.
fn fixture_transaction() -> driftdb_projector::Transaction {
    use driftdb_projector::{LedgerOp, Transaction};
    let s = schema();
    let table = s.name().to_string();
    let row = vec![
        Value::Int32(1),
        Value::Int32(2),
        Value::Null,
        Value::Text("ledger".into()),
    ];
    Transaction {
        ops: vec![
            LedgerOp::CreateTable(s.clone()),
            LedgerOp::Upsert {
                table: table.clone(),
                row: row.clone(),
            },
            LedgerOp::Delete {
                table: table.clone(),
                key: vec![Value::Int32(9)],
            },
            LedgerOp::AlterTable {
                table: table.clone(),
                schema: s,
                carry: vec![Some(0), Some(1), Some(2), None],
                fill: vec![
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Text("filled".into()),
                ],
            },
            LedgerOp::Truncate {
                table: table.clone(),
            },
            LedgerOp::SetHistoryRetention {
                table: table.clone(),
                micros: Some(2_592_000_000_000),
            },
            LedgerOp::Vacuum {
                table: table.clone(),
                horizon: 3,
            },
            LedgerOp::DropTable { table },
        ],
    }
}

#[test]
fn ledger_format_v1_fixture_still_decodes_and_encodes_identically() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ledger-v1.bin");
    let txn = fixture_transaction();
    let encoded = txn.encode().unwrap();
    if !path.exists() && std::env::var_os("DRIFTDB_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &encoded).unwrap();
    }
    let stored =
        std::fs::read(&path).unwrap_or_else(|e| panic!("missing fixture {}: {e}", path.display()));
    assert_eq!(
        driftdb_projector::Transaction::decode(&stored).unwrap(),
        txn
    );
    assert_eq!(
        encoded, stored,
        "the ledger encoding changed: add a new format version instead"
    );
}
