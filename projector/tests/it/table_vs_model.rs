//! Random ledger records applied to a `Table` and to the model must read back alike at every
//! sequence, through every read path, before and after a snapshot round trip and a vacuum.

use std::ops::Bound;

use driftdb_projector::{Change, Error, Op, Row, Table, Value, VersionFilter, snapshot};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::model::{Model, Refusal, id_of, schema};

const IDS: i32 = 8;
const GROUPS: i32 = 3;

fn row(id: i32, grp: i32, code: Option<i32>, note: Option<&str>) -> Row {
    vec![
        Value::Int32(id),
        Value::Int32(grp),
        code.map_or(Value::Null, Value::Int32),
        note.map_or(Value::Null, |n| Value::Text(n.into())),
    ]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        8 => (0..IDS, 0..GROUPS, proptest::option::of(0..6), proptest::option::of(prop_oneof![Just("a"), Just("b")]))
            .prop_map(|(id, grp, code, note)| Change::Upsert(row(id, grp, code, note))),
        3 => (0..IDS + 2).prop_map(|id| Change::Delete(vec![Value::Int32(id)])),
        1 => Just(Change::Truncate),
    ]
}

/// Records as (gap to the previous sequence, changes).
fn records() -> impl Strategy<Value = Vec<(u64, Vec<Change>)>> {
    proptest::collection::vec((1..3u64, proptest::collection::vec(change(), 1..4)), 1..40)
}

fn fail(e: Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

fn rows<'a>(versions: impl Iterator<Item = driftdb_projector::VersionRef<'a>>) -> Vec<Row> {
    versions.map(|v| v.row.clone()).collect()
}

/// Every read path of `table` at every sequence in `from..=to` agrees with the model.
fn check(table: &Table, model: &Model, from: u64, to: u64) -> Result<(), TestCaseError> {
    for seq in from..=to {
        let state = model.at(seq);
        let expected: Vec<Row> = state.values().cloned().collect();
        prop_assert_eq!(
            &rows(table.scan(seq).map_err(fail)?),
            &expected,
            "scan at {}",
            seq
        );

        for id in 0..IDS + 2 {
            let got = table
                .get(&[Value::Int32(id)], seq)
                .map_err(fail)?
                .map(|v| v.row.clone());
            prop_assert_eq!(got.as_ref(), state.get(&id), "get {} at {}", id, seq);
        }

        let lo = [Value::Int32(2)];
        let hi = [Value::Int32(5)];
        let range = rows(
            table
                .scan_range(Bound::Included(&lo), Bound::Excluded(&hi), seq)
                .map_err(fail)?,
        );
        let in_range: Vec<Row> = state.range(2..5).map(|(_, r)| r.clone()).collect();
        prop_assert_eq!(range, in_range, "scan_range at {}", seq);

        for grp in 0..GROUPS {
            let key = [Value::Int32(grp)];
            let got = rows(table.index_eq("by_grp", &key, seq).map_err(fail)?);
            let want: Vec<Row> = expected
                .iter()
                .filter(|r| r[1] == key[0])
                .cloned()
                .collect();
            prop_assert_eq!(got, want, "by_grp = {} at {}", grp, seq);
        }
        // A range over `by_grp`: ordered by (grp, id).
        let (lo, hi) = ([Value::Int32(1)], [Value::Int32(2)]);
        let got = rows(
            table
                .index_range("by_grp", Bound::Included(&lo), Bound::Included(&hi), seq)
                .map_err(fail)?,
        );
        let mut want: Vec<Row> = expected
            .iter()
            .filter(|r| r[1] >= lo[0] && r[1] <= hi[0])
            .cloned()
            .collect();
        want.sort_by(|a, b| (&a[1], id_of(a)).cmp(&(&b[1], id_of(b))));
        prop_assert_eq!(got, want, "by_grp in [1, 2] at {}", seq);

        // A prefix of a composite index, NULL included (NULLs sort last).
        for note in [Value::Text("a".into()), Value::Null] {
            let prefix = [note.clone()];
            let got = rows(table.index_eq("by_note_grp", &prefix, seq).map_err(fail)?);
            let mut want: Vec<Row> = expected.iter().filter(|r| r[3] == note).cloned().collect();
            want.sort_by(|a, b| (&a[1], id_of(a)).cmp(&(&b[1], id_of(b))));
            prop_assert_eq!(got, want, "by_note_grp prefix {:?} at {}", note, seq);
        }
    }

    // History: every retained version agrees with the model over its whole interval.
    let mut previous: Option<(i32, u64, Option<u64>)> = None;
    for v in table.versions(VersionFilter::All).map_err(fail)? {
        let id = id_of(v.row);
        if let Some((pid, _, pend)) = previous
            && pid == id
        {
            prop_assert_eq!(pend, Some(v.start_seq), "versions of {} are contiguous", id);
        }
        previous = Some((id, v.start_seq, v.end_seq));
        let end = v.end_seq.unwrap_or(to + 1).min(to + 1);
        for seq in v.start_seq.max(from)..end {
            let state = model.at(seq);
            match v.op {
                Op::Delete => prop_assert!(!state.contains_key(&id), "{} deleted at {}", id, seq),
                _ => prop_assert_eq!(state.get(&id), Some(v.row), "version of {} at {}", id, seq),
            }
        }
    }
    check_filters(table, from, to)
}

/// `FromTo`, `Between` and `ContainedIn` return exactly the versions that a brute-force walk
/// over sequences says they should, given each version's interval from `All`.
fn check_filters(table: &Table, from: u64, to: u64) -> Result<(), TestCaseError> {
    let all: Vec<_> = table.versions(VersionFilter::All).map_err(fail)?.collect();
    let live = |v: &&driftdb_projector::VersionRef<'_>| v.op != Op::Delete;
    let visible = |v: &driftdb_projector::VersionRef<'_>, s: u64| {
        v.start_seq <= s && v.end_seq.is_none_or(|e| s < e)
    };
    let ids = |vs: Vec<driftdb_projector::VersionRef<'_>>| -> Vec<(i32, u64)> {
        vs.iter().map(|v| (id_of(v.row), v.start_seq)).collect()
    };
    for a in from..=to {
        for b in a..=to {
            let from_to: Vec<_> = all
                .iter()
                .filter(live)
                .filter(|v| (a..b).any(|s| visible(v, s)))
                .copied()
                .collect();
            let between: Vec<_> = all
                .iter()
                .filter(live)
                .filter(|v| (a..=b).any(|s| visible(v, s)))
                .copied()
                .collect();
            let contained: Vec<_> = all
                .iter()
                .filter(live)
                .filter(|v| v.start_seq >= a && v.end_seq.is_some_and(|e| e <= b))
                .copied()
                .collect();
            let got = |f| -> Result<Vec<(i32, u64)>, TestCaseError> {
                Ok(ids(table.versions(f).map_err(fail)?.collect()))
            };
            // For a == b SQL Server's predicate (start < b and end > a) is no longer "live at
            // some point of [a, b)"; the unit tests pin that case.
            if a < b {
                prop_assert_eq!(
                    got(VersionFilter::FromTo(a, b))?,
                    ids(from_to),
                    "FROM {} TO {}",
                    a,
                    b
                );
            }
            prop_assert_eq!(
                got(VersionFilter::Between(a, b))?,
                ids(between),
                "BETWEEN {} AND {}",
                a,
                b
            );
            prop_assert_eq!(
                got(VersionFilter::ContainedIn(a, b))?,
                ids(contained),
                "CONTAINED IN ({}, {})",
                a,
                b
            );
        }
    }
    Ok(())
}

fn run(records: Vec<(u64, Vec<Change>)>, horizon_pick: u64) -> Result<(), TestCaseError> {
    let mut table = Table::new(schema());
    let mut model = Model::default();
    let mut seq = 0;
    for (gap, changes) in records {
        seq += gap;
        let time = 1_700_000_000_000_000 + 1_000 * seq as i64;
        let expected = model.apply(seq, &changes);
        let got = table.apply(seq, time, changes);
        match (expected, got) {
            (Ok(()), Ok(())) => {}
            (Err(Refusal::UniqueViolation), Err(Error::UniqueViolation { constraint })) => {
                prop_assert_eq!(constraint, "t_code_key");
            }
            (expected, got) => {
                return Err(TestCaseError::fail(format!(
                    "at {seq}: model {expected:?}, table {got:?}"
                )));
            }
        }
        prop_assert_eq!(table.current_seq(), model.last_seq());
    }
    let end = seq + 2;
    check(&table, &model, 0, end)?;

    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let path = dir.path().join("t.snap");
    snapshot::write(&table, &path).map_err(fail)?;
    let loaded = snapshot::load(&path).map_err(fail)?;
    prop_assert_eq!(loaded.current_seq(), table.current_seq());
    prop_assert_eq!(loaded.current_time(), table.current_time());
    check(&loaded, &model, 0, end)?;

    let Some(last) = table.current_seq() else {
        return Ok(());
    };
    let horizon = horizon_pick % (last + 1);
    let mut table = loaded;
    table.vacuum(horizon).map_err(fail)?;
    check(&table, &model, horizon, end)?;
    if horizon > 0 {
        let below = table.scan(horizon - 1).map(|_| ());
        prop_assert!(
            matches!(below, Err(Error::BeforeHorizon { .. })),
            "read below horizon: {:?}",
            below
        );
    }
    snapshot::write(&table, &path).map_err(fail)?;
    let loaded = snapshot::load(&path).map_err(fail)?;
    prop_assert_eq!(loaded.horizon(), horizon);
    check(&loaded, &model, horizon, end)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn table_matches_model(records in records(), horizon in any::<u64>()) {
        run(records, horizon)?;
    }
}

/// Regression: a key deleted and re-inserted within one record is an update, and its index
/// entry moves at that record's sequence.
#[test]
fn delete_and_reinsert_in_one_record() -> Result<(), TestCaseError> {
    let records = vec![
        (1, vec![Change::Upsert(row(1, 0, Some(1), None))]),
        (
            1,
            vec![
                Change::Delete(vec![Value::Int32(1)]),
                Change::Upsert(row(1, 2, Some(1), Some("a"))),
            ],
        ),
    ];
    run(records, 0)
}
