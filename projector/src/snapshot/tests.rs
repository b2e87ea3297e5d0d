//! Snapshot round trips, and corruption of every kind turned into `Error::Corruption`.

use super::*;
use crate::schema::{Column, IndexDef, Row, UniqueConstraint};
use crate::table::{Change, MemoryUsage, VersionFilter};
use crate::value::{DataType, Value};
use std::sync::Arc;

fn sample() -> Result<Table> {
    let schema = TableSchema::new(
        "orders",
        vec![
            Column::new("id", DataType::Int, false),
            Column::new("status", DataType::Varchar(Some(16)), false),
            Column::new(
                "amount",
                DataType::Decimal {
                    precision: 10,
                    scale: 2,
                },
                true,
            ),
            Column::new("ref", DataType::Uuid, true),
        ],
        vec![0],
        vec![UniqueConstraint {
            name: "orders_ref_key".into(),
            columns: vec![3],
        }],
        vec![IndexDef {
            name: "by_status".into(),
            columns: vec![1],
        }],
    )?;
    let order = |id: i32, status: &str, cents: i128| -> Row {
        vec![
            Value::Int32(id),
            Value::Text(status.into()),
            Value::Decimal {
                mantissa: cents,
                scale: 2,
            },
            Value::Uuid([id as u8; 16]),
        ]
    };
    let mut t = Table::new(schema);
    t.apply(
        3,
        1_000,
        (0..20).map(|i| Change::Upsert(order(i, "placed", 100 * i128::from(i)))),
    )?;
    t.apply(
        4,
        2_000,
        (0..10).map(|i| Change::Upsert(order(i, "paid", 1))),
    )?;
    t.apply(
        5,
        3_000,
        (5..8).map(|i| Change::Delete(vec![Value::Int32(i)])),
    )?;
    t.apply(7, 4_000, [Change::Upsert(order(6, "placed", 7))])?;
    Ok(t)
}

/// Everything a reader can observe, at every sequence from the horizon to past the end.
/// (Memory bytes are left out: buffer capacities legitimately differ after a reload.)
fn observe(t: &Table) -> Result<Vec<String>> {
    let memory = MemoryUsage {
        bytes: 0,
        ..t.memory()
    };
    let mut seen = vec![format!(
        "{:?} {:?} {:?} {} {:?}",
        t.schema(),
        t.current_seq(),
        t.current_time(),
        t.horizon(),
        memory
    )];
    seen.extend(t.versions(VersionFilter::All)?.map(|v| format!("{v:?}")));
    for seq in t.horizon()..=8 {
        seen.extend(t.scan(seq)?.map(|v| format!("{seq} {v:?}")));
        for status in ["placed", "paid"] {
            let key = [Value::Text(status.into())];
            seen.extend(
                t.index_eq("by_status", &key, seq)?
                    .map(|v| format!("{seq} {status} {:?}", v.row)),
            );
        }
    }
    Ok(seen)
}

#[test]
fn round_trip_preserves_everything() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let path = dir.path().join("orders.snap");
    let mut t = sample()?;
    write(&t, &path)?;
    let loaded = load(&path)?;
    assert_eq!(observe(&loaded)?, observe(&t)?);
    assert!(!dir.path().join("orders.snap.tmp").exists());

    // The loaded table carries on: constraints and order checks included.
    let mut loaded = loaded;
    let dup = vec![
        Value::Int32(99),
        Value::Text("x".into()),
        Value::Null,
        Value::Uuid([1; 16]),
    ];
    assert!(matches!(
        loaded.apply(8, 5_000, [Change::Upsert(dup)]),
        Err(Error::UniqueViolation { .. })
    ));
    assert!(matches!(
        loaded.apply(7, 5_000, [Change::Truncate]),
        Err(Error::OutOfOrder { .. })
    ));

    // After vacuum, and for an empty table.
    t.vacuum(5)?;
    write(&t, &path)?;
    let loaded = load(&path)?;
    assert_eq!(loaded.horizon(), 5);
    assert_eq!(observe(&loaded)?, observe(&t)?);
    let empty = Table::new(t.schema().clone());
    write(&empty, &path)?;
    assert_eq!(observe(&load(&path)?)?, observe(&empty)?);
    Ok(())
}

fn assert_corrupt(path: &Path, what: &str) {
    match load(path) {
        Err(Error::Corruption { path: p, .. }) => assert_eq!(p, path, "{what}"),
        Err(other) => panic!("{what}: expected Corruption, got {other}"),
        Ok(_) => panic!("{what}: a damaged snapshot loaded"),
    }
}

#[test]
fn every_damaged_byte_and_truncation_is_corruption() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let good = dir.path().join("good.snap");
    let bad = dir.path().join("bad.snap");
    write(&sample()?, &good)?;
    let bytes = fs::read(&good).map_err(Error::io(&good))?;
    assert!(
        bytes.len() > 1_000,
        "the sample should exercise a real payload"
    );

    // Every header byte, then a spread of payload bytes including the last.
    let positions = (0..HEADER_LEN)
        .chain((HEADER_LEN..bytes.len()).step_by(7))
        .chain([bytes.len() - 1]);
    for at in positions {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        fs::write(&bad, &damaged).map_err(Error::io(&bad))?;
        assert_corrupt(&bad, &format!("byte {at} flipped"));
    }
    for len in (0..bytes.len()).step_by(13).chain([bytes.len() - 1]) {
        fs::write(&bad, &bytes[..len]).map_err(Error::io(&bad))?;
        assert_corrupt(&bad, &format!("truncated to {len}"));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    fs::write(&bad, &longer).map_err(Error::io(&bad))?;
    assert_corrupt(&bad, "one byte appended");
    Ok(())
}

/// A payload with a valid header but bytes this code never wrote: rkyv's validation or the
/// table's consistency checks must catch it.
#[test]
fn garbage_with_a_valid_checksum_is_corruption() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let bad = dir.path().join("bad.snap");
    let good_payload = {
        let path = dir.path().join("good.snap");
        write(&sample()?, &path)?;
        fs::read(&path).map_err(Error::io(&path))?[HEADER_LEN..].to_vec()
    };
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..300 {
        let payload: Vec<u8> = if round % 2 == 0 {
            // Fully random bytes.
            (0..(next() % 600) as usize).map(|_| next() as u8).collect()
        } else {
            // The real payload with a few bytes changed: passes more of the validation.
            let mut p = good_payload.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % p.len();
                p[at] = next() as u8;
            }
            p
        };
        let mut file = encode_header(payload.len() as u64, crc32fast::hash(&payload)).to_vec();
        file.extend_from_slice(&payload);
        fs::write(&bad, &file).map_err(Error::io(&bad))?;
        match load(&bad) {
            Err(Error::Corruption { .. }) => {}
            // A changed byte can land somewhere harmless (an unused value bit pattern that
            // still decodes to a consistent table); that is fine as long as it loads.
            Ok(_) if round % 2 == 1 => {}
            Ok(_) => panic!("round {round}: random bytes loaded as a table"),
            Err(other) => panic!("round {round}: expected Corruption, got {other}"),
        }
    }
    Ok(())
}

#[test]
fn wrong_version_and_missing_file_are_reported() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let path = dir.path().join("v.snap");
    write(&sample()?, &path)?;
    let mut bytes = fs::read(&path).map_err(Error::io(&path))?;
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    let crc = crc32fast::hash(&bytes[0..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    fs::write(&path, &bytes).map_err(Error::io(&path))?;
    match load(&path) {
        Err(Error::Corruption { reason, .. }) => assert!(reason.contains("version 2"), "{reason}"),
        other => panic!("expected Corruption, got {other:?}"),
    }
    let missing = dir.path().join("missing.snap");
    assert!(matches!(load(&missing), Err(Error::Io { path, .. }) if path == missing));
    assert!(matches!(
        write(&sample()?, Path::new("/")),
        Err(Error::InvalidInput(_))
    ));
    Ok(())
}

/// Every chain of `t` in key order, as the owned payload holds them.
fn owned_chains(t: &Table) -> Vec<Vec<Entry>> {
    let mut chains = Vec::new();
    let mut after: Option<Vec<Value>> = None;
    while let Some((key, chain)) = t.chain_after(after.as_deref(), u64::MAX) {
        chains.push(chain.entries().cloned().collect());
        after = Some(key.as_slice().to_vec());
    }
    chains
}

/// The streaming writer archives exactly what serializing an owned `Payload` would, so
/// `load` (which reads it back as `Payload`) sees the layout it expects.
#[test]
fn streamed_payload_archives_like_the_owned_one() -> Result<()> {
    let mut t = sample()?;
    t.vacuum(4)?;
    let owned = Payload {
        schema: t.schema().clone(),
        last: t.last().map(|(seq, time)| Position { seq, time }),
        horizon: t.horizon(),
        chains: owned_chains(&t),
    };
    let seq = t.current_seq().unwrap_or_default();
    let streamed = PayloadRef {
        schema: t.schema(),
        last: t.last().map(|(seq, time)| Position { seq, time }),
        horizon: t.horizon(),
        chains: owned.chains.len(),
        cursor: RefCell::new(Cursor::new(Source::Owned(&t), seq, t.horizon())),
    };
    let to_bytes = |e: rancor::Error| Error::Internal(e.to_string());
    let a = rkyv::to_bytes::<rancor::Error>(&owned).map_err(to_bytes)?;
    let b = rkyv::to_bytes::<rancor::Error>(&streamed).map_err(to_bytes)?;
    assert!(a.as_slice() == b.as_slice(), "archives differ");
    Ok(())
}

/// Commits after a capture (updates, deletions, new keys between old ones, a truncate, a
/// new index) do not reach its snapshot, which crosses several lock holds; a vacuum does,
/// and fails it.
#[test]
fn a_point_in_time_snapshot_ignores_later_commits() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let order = |id: i32, status: &str| -> Row {
        let mut reference = [0u8; 16];
        reference[..4].copy_from_slice(&id.to_le_bytes());
        vec![
            Value::Int32(id),
            Value::Text(status.into()),
            Value::Null,
            Value::Uuid(reference),
        ]
    };
    let keys = 3 * CHUNK as i32;
    let mut expected = Table::new(sample()?.schema().clone());
    expected.apply(
        3,
        1_000,
        (0..keys).map(|i| Change::Upsert(order(2 * i, "placed"))),
    )?;
    expected.apply(
        4,
        2_000,
        (0..keys / 2).map(|i| Change::Upsert(order(4 * i, "paid"))),
    )?;
    expected.apply(
        6,
        3_000,
        (0..keys / 3).map(|i| Change::Delete(vec![Value::Int32(6 * i)])),
    )?;
    let path = dir.path().join("expected.snap");
    write(&expected, &path)?;
    let expected = load(&path)?;

    let shared: SharedTable = Arc::new(std::sync::RwLock::new(load(&path)?));
    let view = PointInTime::capture(&shared);
    {
        let mut t = crate::database::write(&shared);
        t.apply(
            7,
            4_000,
            (0..keys).map(|i| Change::Upsert(order(2 * i + 1, "placed"))),
        )?;
        t.apply(
            8,
            5_000,
            (0..keys).map(|i| Change::Upsert(order(2 * i, "late"))),
        )?;
        t.apply(9, 6_000, [Change::Truncate])?;
        t.create_index(IndexDef {
            name: "by_amount".into(),
            columns: vec![2],
        })?;
    }
    let path = dir.path().join("view.snap");
    write_point_in_time(&view, &path)?;
    assert_eq!(observe(&load(&path)?)?, observe(&expected)?);

    crate::database::write(&shared).vacuum(8)?;
    match write_point_in_time(&view, &path) {
        Err(Error::Internal(reason)) => assert!(reason.contains("vacuumed"), "{reason}"),
        other => panic!("a snapshot across a vacuum: {other:?}"),
    }
    assert_eq!(
        observe(&load(&path)?)?,
        observe(&expected)?,
        "the old file stays"
    );
    Ok(())
}

#[test]
fn numeric_widths_survive_a_round_trip() -> Result<()> {
    let dir = tempfile::tempdir().map_err(Error::io("tempdir"))?;
    let path = dir.path().join("amounts.snap");
    let mut t = Table::new(crate::table::numeric_test_schema());
    let row = |id: i64, mantissa: i128, scale: u8| {
        Change::Upsert(vec![Value::Int64(id), Value::Decimal { mantissa, scale }])
    };
    t.apply(1, 100, [row(1, 5, 1)])?;
    t.apply(2, 200, [row(2, 123_456, 4)])?;
    write(&t, &path)?;
    let loaded = load(&path)?;
    for seq in 0..3 {
        assert_eq!(
            loaded.numeric_width(1, seq),
            t.numeric_width(1, seq),
            "at {seq}"
        );
    }
    assert_eq!(loaded.numeric_width(1, 2).scale, 4);
    Ok(())
}
