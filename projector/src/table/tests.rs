//! Unit tests of `Table` on hand-made histories.

use super::*;
use crate::schema::{Column, IndexDef, UniqueConstraint};
use crate::value::DataType;

/// `accounts(id BIGINT PRIMARY KEY, owner TEXT, email TEXT UNIQUE)`, indexed on `owner`.
fn accounts() -> Table {
    let schema = TableSchema::new(
        "accounts",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("owner", DataType::Text, false),
            Column::new("email", DataType::Text, true),
        ],
        vec![0],
        vec![UniqueConstraint {
            name: "accounts_email_key".into(),
            columns: vec![2],
        }],
        vec![IndexDef {
            name: "by_owner".into(),
            columns: vec![1],
        }],
    );
    match schema {
        Ok(schema) => Table::new(schema),
        Err(e) => panic!("test schema: {e}"),
    }
}

fn row(id: i64, owner: &str, email: Option<&str>) -> Row {
    vec![
        Value::Int64(id),
        Value::Text(owner.into()),
        email.map_or(Value::Null, |e| Value::Text(e.into())),
    ]
}

fn key(id: i64) -> Key {
    vec![Value::Int64(id)]
}

fn ids<'a>(rows: impl Iterator<Item = VersionRef<'a>>) -> Vec<i64> {
    rows.map(|v| match v.row.first() {
        Some(Value::Int64(id)) => *id,
        other => panic!("unexpected key {other:?}"),
    })
    .collect()
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn reads_at_every_sequence_see_that_sequence() -> Result<()> {
    let mut t = accounts();
    t.apply(10, 1000, [Change::Upsert(row(1, "ann", None))])?;
    t.apply(11, 1001, [Change::Upsert(row(2, "bob", None))])?;
    t.apply(12, 1002, [Change::Upsert(row(1, "carl", None))])?;
    t.apply(13, 1003, [Change::Delete(key(2))])?;

    assert_eq!(ids(t.scan(9)?), Vec::<i64>::new());
    assert_eq!(ids(t.scan(10)?), vec![1]);
    assert_eq!(ids(t.scan(11)?), vec![1, 2]);
    assert_eq!(ids(t.scan(13)?), vec![1]);
    assert_eq!(ids(t.scan(1_000)?), vec![1]);

    let v = t.get(&key(1), 11)?.map(|v| v.row.clone());
    assert_eq!(v, Some(row(1, "ann", None)));
    let v = t.get(&key(1), 12)?;
    assert_eq!(
        v.map(|v| (v.start_seq, v.start_time, v.op)),
        Some((12, 1002, Op::Update))
    );
    assert_eq!(t.get(&key(2), 13)?, None);
    assert_eq!(t.get_current(&key(1)), Some(&row(1, "carl", None)));
    assert_eq!(
        (t.current_seq(), t.current_time(), t.len()),
        (Some(13), Some(1003), 1)
    );
    Ok(())
}

#[test]
fn out_of_order_records_are_rejected() -> Result<()> {
    let mut t = accounts();
    t.apply(5, 50, [Change::Upsert(row(1, "ann", None))])?;
    for (seq, time) in [(5, 60), (4, 60), (6, 50), (6, 40)] {
        let err = t.apply(seq, time, [Change::Upsert(row(2, "bob", None))]);
        assert!(
            matches!(err, Err(Error::OutOfOrder { current_seq: 5, .. })),
            "{seq} {time}"
        );
    }
    assert_eq!(t.len(), 1);
    Ok(())
}

#[test]
fn changes_within_one_record_collapse() -> Result<()> {
    let mut t = accounts();
    t.apply(1, 1, [Change::Upsert(row(1, "ann", None))])?;
    t.apply(
        2,
        2,
        [
            Change::Delete(key(1)),
            Change::Upsert(row(1, "bea", None)),
            Change::Upsert(row(2, "bob", None)),
            Change::Delete(key(2)),
            Change::Delete(key(99)),
        ],
    )?;
    let all: Vec<_> = t
        .versions(VersionFilter::All)?
        .map(|v| (v.start_seq, v.op))
        .collect();
    assert_eq!(all, vec![(1, Op::Insert), (2, Op::Update)]);
    assert_eq!(t.get(&key(2), 2)?, None);

    t.apply(
        3,
        3,
        [
            Change::Upsert(row(3, "cy", None)),
            Change::Truncate,
            Change::Upsert(row(4, "di", None)),
        ],
    )?;
    assert_eq!(ids(t.scan(3)?), vec![4]);
    assert_eq!(ids(t.scan(2)?), vec![1]);
    Ok(())
}

#[test]
fn invalid_rows_reject_the_whole_record() -> Result<()> {
    let mut t = accounts();
    let bad_type = vec![Value::Int32(1), text("x"), Value::Null];
    let err = t.apply(
        1,
        1,
        [
            Change::Upsert(row(1, "ann", None)),
            Change::Upsert(bad_type),
        ],
    );
    assert!(matches!(err, Err(Error::InvalidInput(_))));
    let null_owner = vec![Value::Int64(2), Value::Null, Value::Null];
    let err = t.apply(1, 1, [Change::Upsert(null_owner)]);
    assert!(matches!(err, Err(Error::NotNullViolation { column }) if column == "owner"));
    assert!(matches!(
        t.apply(1, 1, [Change::Delete(vec![])]),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!((t.len(), t.current_seq()), (0, None));
    Ok(())
}

#[test]
fn unique_constraints_see_the_records_net_effect() -> Result<()> {
    let mut t = accounts();
    t.apply(
        1,
        1,
        [
            Change::Upsert(row(1, "ann", Some("a@x"))),
            Change::Upsert(row(2, "bob", None)),
        ],
    )?;
    // NULLs never conflict.
    t.apply(2, 2, [Change::Upsert(row(3, "cy", None))])?;

    let dup = t.apply(3, 3, [Change::Upsert(row(4, "di", Some("a@x")))]);
    assert!(
        matches!(dup, Err(Error::UniqueViolation { constraint }) if constraint == "accounts_email_key")
    );
    assert!(matches!(
        t.check(&[Change::Upsert(row(4, "di", Some("a@x")))]),
        Err(Error::UniqueViolation { .. })
    ));
    let twice = t.apply(
        3,
        3,
        [
            Change::Upsert(row(4, "di", Some("d@x"))),
            Change::Upsert(row(5, "ed", Some("d@x"))),
        ],
    );
    assert!(matches!(twice, Err(Error::UniqueViolation { .. })));
    assert_eq!(t.len(), 3);

    // Moving the value within one record is fine, as is re-upserting the holder.
    t.check(&[Change::Upsert(row(1, "ann", Some("a@x")))])?;
    t.check(&[
        Change::Delete(key(1)),
        Change::Upsert(row(4, "di", Some("a@x"))),
    ])?;
    assert!(matches!(
        t.check(&[Change::Upsert(vec![Value::Int64(9)])]),
        Err(Error::InvalidInput(_))
    ));
    t.apply(
        3,
        3,
        [
            Change::Upsert(row(1, "ann", None)),
            Change::Upsert(row(2, "bob", Some("a@x"))),
        ],
    )?;
    t.apply(
        4,
        4,
        [
            Change::Delete(key(2)),
            Change::Upsert(row(3, "cy", Some("a@x"))),
        ],
    )?;
    assert_eq!(t.get_current(&key(3)), Some(&row(3, "cy", Some("a@x"))));
    assert!(matches!(
        t.apply(5, 5, [Change::Upsert(row(1, "ann", Some("a@x")))]),
        Err(Error::UniqueViolation { .. })
    ));
    Ok(())
}

#[test]
fn index_finds_old_values_at_old_sequences() -> Result<()> {
    let mut t = accounts();
    t.apply(
        1,
        1,
        [
            Change::Upsert(row(1, "ann", None)),
            Change::Upsert(row(2, "ann", None)),
        ],
    )?;
    t.apply(2, 2, [Change::Upsert(row(1, "bob", None))])?;
    t.apply(3, 3, [Change::Delete(key(2))])?;
    t.apply(4, 4, [Change::Upsert(row(2, "ann", None))])?;

    let ann = [text("ann")];
    let bob = [text("bob")];
    assert_eq!(ids(t.index_eq("by_owner", &ann, 1)?), vec![1, 2]);
    assert_eq!(ids(t.index_eq("by_owner", &ann, 2)?), vec![2]);
    assert_eq!(ids(t.index_eq("by_owner", &bob, 1)?), Vec::<i64>::new());
    assert_eq!(ids(t.index_eq("by_owner", &bob, 2)?), vec![1]);
    assert_eq!(ids(t.index_eq("by_owner", &ann, 3)?), Vec::<i64>::new());
    assert_eq!(ids(t.index_eq("by_owner", &ann, 4)?), vec![2]);

    let (lo, hi) = (text("a"), text("b"));
    let range = |seq| -> Result<Vec<i64>> {
        Ok(ids(t.index_range(
            "by_owner",
            Bound::Included(std::slice::from_ref(&lo)),
            Bound::Excluded(std::slice::from_ref(&hi)),
            seq,
        )?))
    };
    assert_eq!(range(1)?, vec![1, 2]);
    assert_eq!(range(2)?, vec![2]);
    let upto_bob = ids(t.index_range(
        "by_owner",
        Bound::Excluded(&ann[..]),
        Bound::Included(&bob[..]),
        2,
    )?);
    assert_eq!(upto_bob, vec![1]);
    // Inverted bounds select nothing rather than panicking.
    let inverted = ids(t.index_range(
        "by_owner",
        Bound::Included(&bob[..]),
        Bound::Excluded(&ann[..]),
        2,
    )?);
    assert!(inverted.is_empty());
    assert!(matches!(
        t.index_eq("nope", &ann, 1),
        Err(Error::NotFound { what: "index", .. })
    ));
    Ok(())
}

#[test]
fn scan_range_follows_key_order_and_tolerates_any_bounds() -> Result<()> {
    let mut t = accounts();
    t.apply(1, 1, (1..=5).map(|i| Change::Upsert(row(i, "x", None))))?;
    let (two, four) = (key(2), key(4));
    let r = |lo, hi| -> Result<Vec<i64>> { Ok(ids(t.scan_range(lo, hi, 1)?)) };
    assert_eq!(
        r(Bound::Included(&two[..]), Bound::Excluded(&four[..]))?,
        vec![2, 3]
    );
    assert_eq!(
        r(Bound::Excluded(&two[..]), Bound::Unbounded)?,
        vec![3, 4, 5]
    );
    assert_eq!(r(Bound::Unbounded, Bound::Included(&two[..]))?, vec![1, 2]);
    assert!(r(Bound::Excluded(&two[..]), Bound::Excluded(&two[..]))?.is_empty());
    assert!(r(Bound::Included(&four[..]), Bound::Included(&two[..]))?.is_empty());
    assert!(r(Bound::Excluded(&two[..]), Bound::Included(&two[..]))?.is_empty());
    Ok(())
}

/// Key 1: inserted at 10, updated at 20, deleted at 30, re-inserted at 40.
fn history() -> Result<Table> {
    let mut t = accounts();
    t.apply(10, 100, [Change::Upsert(row(1, "a", None))])?;
    t.apply(20, 200, [Change::Upsert(row(1, "b", None))])?;
    t.apply(30, 300, [Change::Delete(key(1))])?;
    t.apply(40, 400, [Change::Upsert(row(1, "c", None))])?;
    Ok(t)
}

fn starts(t: &Table, filter: VersionFilter) -> Result<Vec<(u64, Op)>> {
    Ok(t.versions(filter)?.map(|v| (v.start_seq, v.op)).collect())
}

#[test]
fn version_filters_follow_sql_server_rules() -> Result<()> {
    use VersionFilter::*;
    let t = history()?;
    let all: Vec<_> = t
        .versions(All)?
        .map(|v| (v.start_seq, v.end_seq, v.end_time, v.op, v.row[1].clone()))
        .collect();
    assert_eq!(
        all,
        vec![
            (10, Some(20), Some(200), Op::Insert, text("a")),
            (20, Some(30), Some(300), Op::Update, text("b")),
            // the deletion reports the row it deleted
            (30, Some(40), Some(400), Op::Delete, text("b")),
            (40, None, None, Op::Insert, text("c")),
        ]
    );
    assert_eq!(starts(&t, AsOf(35))?, vec![]);
    assert_eq!(starts(&t, AsOf(20))?, vec![(20, Op::Update)]);
    // FROM excludes a version starting exactly at the upper bound, BETWEEN includes it.
    assert_eq!(
        starts(&t, FromTo(15, 40))?,
        vec![(10, Op::Insert), (20, Op::Update)]
    );
    assert_eq!(
        starts(&t, Between(15, 40))?,
        vec![(10, Op::Insert), (20, Op::Update), (40, Op::Insert)]
    );
    // A version ending exactly at the lower bound is not included.
    assert_eq!(starts(&t, FromTo(20, 25))?, vec![(20, Op::Update)]);
    assert_eq!(
        starts(&t, ContainedIn(10, 30))?,
        vec![(10, Op::Insert), (20, Op::Update)]
    );
    assert_eq!(starts(&t, ContainedIn(11, 30))?, vec![(20, Op::Update)]);
    assert_eq!(starts(&t, ContainedIn(10, 29))?, vec![(10, Op::Insert)]);
    // A range that ends before it starts reads nothing (SQL Server's rule too).
    assert_eq!(starts(&t, FromTo(25, 5))?, vec![]);
    assert_eq!(starts(&t, Between(25, 5))?, vec![]);
    assert_eq!(starts(&t, ContainedIn(30, 10))?, vec![]);
    // An empty FROM range keeps SQL Server's predicate: live at 25 and not started at 25.
    assert_eq!(starts(&t, FromTo(25, 25))?, vec![(20, Op::Update)]);
    // At a version boundary nothing qualifies: one ended at 20, the other started at 20.
    assert_eq!(starts(&t, FromTo(20, 20))?, vec![]);
    let one: Vec<_> = t
        .key_versions(&key(1), Between(25, 30))?
        .map(|v| v.start_seq)
        .collect();
    assert_eq!(one, vec![20]);
    Ok(())
}

#[test]
fn version_reads_through_a_sequence_see_the_history_as_it_stood() -> Result<()> {
    use VersionFilter::*;
    let mut t = history()?;
    type Span = (u64, Option<u64>, Option<i64>);
    let ends = |t: &Table, filter, through| -> Result<Vec<Span>> {
        Ok(t.versions_through(filter, through)?
            .map(|v| (v.start_seq, v.end_seq, v.end_time))
            .collect())
    };
    // At 25 the update is current: its end at 30 has not happened, and nothing after it has.
    assert_eq!(
        ends(&t, All, Some(25))?,
        vec![(10, Some(20), Some(200)), (20, None, None)]
    );
    // A range reaching past the ceiling sees the current version as open.
    assert_eq!(ends(&t, FromTo(25, 50), Some(25))?, vec![(20, None, None)]);
    assert_eq!(
        ends(&t, ContainedIn(10, 50), Some(25))?,
        vec![(10, Some(20), Some(200))]
    );
    // A table that ended later is still live at the ceiling.
    t.end(50, 500);
    assert_eq!(ends(&t, All, Some(45))?.last(), Some(&(40, None, None)));
    assert_eq!(
        ends(&t, All, None)?.last(),
        Some(&(40, Some(50), Some(500)))
    );
    let one: Vec<_> = t
        .key_versions_through(&key(1), All, Some(30))?
        .map(|v| (v.start_seq, v.end_seq))
        .collect();
    assert_eq!(one, vec![(10, Some(20)), (20, Some(30)), (30, None)]);
    Ok(())
}

#[test]
fn vacuum_drops_only_unreachable_history() -> Result<()> {
    let mut t = history()?;
    t.apply(50, 500, [Change::Upsert(row(2, "z", None))])?;
    t.apply(60, 600, [Change::Delete(key(2))])?;
    let before: Vec<_> = (25..=70)
        .map(|s| {
            t.scan(s)
                .map(|r| r.map(|v| v.row.clone()).collect::<Vec<_>>())
        })
        .collect::<Result<_>>()?;

    let stats = t.vacuum(25)?;
    assert_eq!(stats.versions, 1, "only the version ended at 20 goes");
    assert!(matches!(
        t.get(&key(1), 24),
        Err(Error::BeforeHorizon {
            requested: 24,
            horizon: 25
        })
    ));
    assert!(matches!(
        t.versions(VersionFilter::FromTo(10, 30)),
        Err(Error::BeforeHorizon { .. })
    ));
    let after: Vec<_> = (25..=70)
        .map(|s| {
            t.scan(s)
                .map(|r| r.map(|v| v.row.clone()).collect::<Vec<_>>())
        })
        .collect::<Result<_>>()?;
    assert_eq!(before, after);
    assert_eq!(ids(t.index_eq("by_owner", &[text("b")], 25)?), vec![1]);

    // Past the deletion of key 1 and the whole life of key 2.
    let stats = t.vacuum(60)?;
    assert_eq!((stats.versions, stats.keys), (4, 1));
    let all: Vec<_> = t
        .versions(VersionFilter::All)?
        .map(|v| (v.start_seq, v.op))
        .collect();
    assert_eq!(all, vec![(40, Op::Insert)]);
    assert_eq!(ids(t.scan(60)?), vec![1]);
    assert_eq!(t.index_eq("by_owner", &[text("z")], 60)?.count(), 0);
    // The horizon never moves back, nor past the present.
    assert_eq!(t.vacuum(30)?, VacuumStats::default());
    assert_eq!(t.horizon(), 60);
    assert!(matches!(t.vacuum(61), Err(Error::InvalidInput(_))));
    Ok(())
}

#[test]
fn memory_grows_with_rows_and_history() -> Result<()> {
    let mut t = accounts();
    let empty = t.memory();
    t.apply(
        1,
        1,
        (0..100).map(|i| Change::Upsert(row(i, "owner", None))),
    )?;
    let rows = t.memory();
    t.apply(
        2,
        2,
        (0..100).map(|i| Change::Upsert(row(i, "other", None))),
    )?;
    let history = t.memory();
    assert_eq!(
        (rows.keys, rows.live_rows, rows.versions, rows.index_entries),
        (100, 100, 100, 100)
    );
    assert_eq!((history.versions, history.index_entries), (200, 200));
    assert!(empty.bytes < rows.bytes && rows.bytes < history.bytes);
    // At least the values themselves: three 32-byte values per row.
    assert!(rows.bytes > 100 * 3 * std::mem::size_of::<Value>());
    Ok(())
}

/// An empty `amounts(id BIGINT PRIMARY KEY, n NUMERIC)`.
fn amounts() -> Table {
    Table::new(super::numeric::amounts())
}

fn amount(id: i64, mantissa: i128, scale: u8) -> Change {
    Change::Upsert(vec![Value::Int64(id), Value::Decimal { mantissa, scale }])
}

#[test]
fn numeric_values_keep_their_scale_and_widths_follow_history() -> Result<()> {
    let mut t = amounts();
    t.apply(1, 100, [amount(1, 5, 1)])?;
    t.apply(2, 200, [amount(2, 1250, 3)])?;
    t.apply(3, 300, [amount(1, 7, 0)])?;
    let stored: Vec<Value> = t.scan(3)?.map(|v| v.row[1].clone()).collect();
    assert!(matches!(
        stored[1],
        Value::Decimal {
            mantissa: 1250,
            scale: 3
        }
    ));
    assert_eq!(t.numeric_width(1, 0), NumericWidth::default());
    assert_eq!(t.numeric_width(1, 1), NumericWidth { scale: 1, whole: 0 });
    assert_eq!(t.numeric_width(1, 3), NumericWidth { scale: 3, whole: 1 });

    // 20 digits before the point beside 19 after: more than one 38-digit type holds.
    let wide = 10i128.pow(19);
    assert!(matches!(
        t.apply(4, 400, [amount(3, wide, 0), amount(4, 1, 19)]),
        Err(Error::NumericOverflow { .. })
    ));
    assert!(matches!(
        t.check(&[amount(3, wide, 0), amount(4, 1, 19)]),
        Err(Error::NumericOverflow { .. })
    ));
    assert_eq!(t.len(), 2, "a refused record changes nothing");
    t.apply(4, 400, [amount(3, wide, 0)])?;

    // A vacuum forgets the widths of versions no retained read sees: the 0.5 that the
    // update at 3 replaced.
    t.vacuum(3)?;
    assert_eq!(t.numeric_width(1, 3), NumericWidth { scale: 3, whole: 1 });
    assert_eq!(
        t.numeric_width(1, 4),
        NumericWidth {
            scale: 3,
            whole: 20
        }
    );
    Ok(())
}
