use std::sync::Arc;

use driftdb_log::ManualClock;
use driftdb_log::{Log, LogOptions};

use super::*;
use crate::ledger::LedgerOp;
use crate::schema::{Column, TableSchema};
use crate::value::{DataType, Value};

const T0: i64 = 1_761_307_200_000_000;

struct Fixture {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            clock: Arc::new(ManualClock::new(T0)),
        }
    }

    fn open(&self, checkpoint_every: u64) -> (Arc<Log>, Store) {
        let log = Log::open(
            self.dir.path().join("log"),
            LogOptions {
                clock: self.clock.clone(),
                background: false,
                ..LogOptions::default()
            },
        )
        .unwrap();
        let store = Store::open(
            &log,
            self.clock.clone(),
            StoreOptions {
                checkpoint_dir: self.dir.path().join("checkpoints"),
                checkpoint_every,
            },
        )
        .unwrap();
        (log, store)
    }
}

fn schema() -> TableSchema {
    TableSchema::new(
        "accounts",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("balance", DataType::BigInt, true),
        ],
        vec![0],
        vec![],
        vec![],
    )
    .unwrap()
}

fn set(id: i64, balance: i64) -> LedgerOp {
    LedgerOp::Upsert {
        table: "accounts".into(),
        row: vec![Value::Int64(id), Value::Int64(balance)],
    }
}

fn balances(store: &Store, seq: u64) -> Vec<(i64, i64)> {
    let db = store.read();
    crate::database::read(db.table_at("accounts", seq).unwrap())
        .scan(seq)
        .unwrap()
        .map(|v| match (&v.row[0], &v.row[1]) {
            (Value::Int64(a), Value::Int64(b)) => (*a, *b),
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn key(id: i64) -> (String, Vec<Value>) {
    ("accounts".to_string(), vec![Value::Int64(id)])
}

#[test]
fn commits_get_dense_sequences_and_increasing_times() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    let c0 = store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema())],
            },
            None,
            &[],
        )
        .unwrap();
    let c1 = store
        .commit(
            Transaction {
                ops: vec![set(1, 100), set(2, 50)],
            },
            Some(c0.seq),
            &[key(1), key(2)],
        )
        .unwrap();
    // The clock did not move: commit times still increase.
    let c2 = store
        .commit(
            Transaction {
                ops: vec![set(1, 90)],
            },
            Some(c1.seq),
            &[key(1)],
        )
        .unwrap();
    assert_eq!((c0.seq, c1.seq, c2.seq), (0, 1, 2));
    assert!(c0.time < c1.time && c1.time < c2.time);
    assert_eq!(balances(&store, 1), vec![(1, 100), (2, 50)]);
    assert_eq!(balances(&store, 2), vec![(1, 90), (2, 50)]);
    assert_eq!(store.time_of(1).unwrap(), c1.time);
}

#[test]
fn first_committer_wins() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    let c0 = store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema()), set(1, 100)],
            },
            None,
            &[],
        )
        .unwrap();
    // Two transactions both read at c0 and write account 1.
    store
        .commit(
            Transaction {
                ops: vec![set(1, 90)],
            },
            Some(c0.seq),
            &[key(1)],
        )
        .unwrap();
    let loser = store.commit(
        Transaction {
            ops: vec![set(1, 80), set(2, 5)],
        },
        Some(c0.seq),
        &[key(1), key(2)],
    );
    assert!(matches!(loser, Err(Error::Conflict { .. })), "{loser:?}");
    // Nothing of the loser was applied or written.
    assert_eq!(balances(&store, store.last().unwrap().0), vec![(1, 90)]);
    assert_eq!(store.last().unwrap().0, 1);
    // Writing a different key from the same snapshot is fine.
    store
        .commit(
            Transaction {
                ops: vec![set(3, 1)],
            },
            Some(c0.seq),
            &[key(3)],
        )
        .unwrap();
}

/// Group commit: many threads committing read-modify-write increments of one counter. Every
/// acknowledged commit is visible when acknowledged, none is lost, and a loser that plans
/// again after `settle` sees the winner.
#[test]
fn concurrent_commits_are_visible_when_acknowledged_and_lose_nothing() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    let store = Arc::new(store);
    store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema()), set(1, 0)],
            },
            None,
            &[],
        )
        .unwrap();
    let (threads, increments) = (8, 25);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let commits = store.watch_commits();
                let mut conflicts = 0;
                for _ in 0..increments {
                    loop {
                        let read_seq = store.last().unwrap().0;
                        let balance = balances(&store, read_seq)[0].1;
                        let txn = Transaction {
                            ops: vec![set(1, balance + 1)],
                        };
                        match store.commit(txn, Some(read_seq), &[key(1)]) {
                            Ok(commit) => {
                                assert!(store.last().unwrap().0 >= commit.seq);
                                assert!(*commits.borrow() > commit.seq);
                                break;
                            }
                            Err(Error::Conflict { .. }) => {
                                conflicts += 1;
                                store.settle().unwrap();
                            }
                            Err(e) => panic!("commit failed: {e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let last = store.last().unwrap().0;
    assert_eq!(last, threads * increments);
    assert_eq!(
        balances(&store, last),
        vec![(1, threads as i64 * increments as i64)]
    );
    assert_eq!(store.read().last().unwrap().0, last);
}

/// A commit applied but not yet through its fsync is invisible: `last` and the watch stay
/// put until a wait for durability covers it.
#[test]
fn an_applied_commit_stays_invisible_until_durable() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    let c0 = store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema()), set(1, 10)],
            },
            None,
            &[],
        )
        .unwrap();
    let commits = store.watch_commits();
    let pending = store
        .append_and_apply(
            Transaction {
                ops: vec![set(1, 20)],
            },
            None,
            &[],
        )
        .unwrap();
    assert_eq!(pending.seq, c0.seq + 1);
    assert_eq!(store.last(), Some((c0.seq, c0.time)));
    assert_eq!(*commits.borrow(), c0.seq + 1);
    assert_eq!(balances(&store, store.last().unwrap().0), vec![(1, 10)]);
    // The next commit's fsync covers the pending one too; both become visible.
    let c2 = store
        .commit(
            Transaction {
                ops: vec![set(2, 5)],
            },
            None,
            &[],
        )
        .unwrap();
    assert_eq!(store.last().unwrap().0, c2.seq);
    assert_eq!(balances(&store, c2.seq), vec![(1, 20), (2, 5)]);
}

#[test]
fn constraint_failures_write_nothing() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema())],
            },
            None,
            &[],
        )
        .unwrap();
    let bad = LedgerOp::Upsert {
        table: "accounts".into(),
        row: vec![Value::Null, Value::Int64(1)],
    };
    assert!(
        store
            .commit(
                Transaction {
                    ops: vec![set(1, 1), bad]
                },
                None,
                &[]
            )
            .is_err()
    );
    assert_eq!(store.last().unwrap().0, 0);
}

#[test]
fn restart_replays_the_ledger_with_and_without_a_checkpoint() {
    let f = Fixture::new();
    {
        let (_log, store) = f.open(0);
        store
            .commit(
                Transaction {
                    ops: vec![LedgerOp::CreateTable(schema())],
                },
                None,
                &[],
            )
            .unwrap();
        for i in 0..20 {
            f.clock.advance(1_000);
            store
                .commit(
                    Transaction {
                        ops: vec![set(i % 5, i)],
                    },
                    None,
                    &[],
                )
                .unwrap();
        }
        assert_eq!(store.checkpoint().unwrap(), Some(20));
        for i in 20..30 {
            f.clock.advance(1_000);
            store
                .commit(
                    Transaction {
                        ops: vec![set(i % 5, i)],
                    },
                    None,
                    &[],
                )
                .unwrap();
        }
    }
    let expected_old = vec![(0, 5), (1, 6), (2, 7), (3, 8), (4, 9)];
    let expected_now = vec![(0, 25), (1, 26), (2, 27), (3, 28), (4, 29)];
    {
        let (_log, store) = f.open(0);
        assert_eq!(store.last().unwrap().0, 30);
        assert_eq!(balances(&store, 10), expected_old);
        assert_eq!(balances(&store, 30), expected_now);
    }
    // Without the checkpoint, the whole ledger replays to the same state.
    std::fs::remove_dir_all(f.dir.path().join("checkpoints")).unwrap();
    let (_log, store) = f.open(0);
    assert_eq!(balances(&store, 10), expected_old);
    assert_eq!(balances(&store, 30), expected_now);
}

#[test]
fn automatic_checkpoints_and_a_damaged_one_falls_back() {
    let f = Fixture::new();
    {
        let (_log, store) = f.open(10);
        store
            .commit(
                Transaction {
                    ops: vec![LedgerOp::CreateTable(schema())],
                },
                None,
                &[],
            )
            .unwrap();
        for i in 0..35 {
            store
                .commit(
                    Transaction {
                        ops: vec![set(i, i)],
                    },
                    None,
                    &[],
                )
                .unwrap();
            // Automatic checkpoints are written in the background; one running when the
            // next is due postpones it, which would make the count below vary.
            store.wait_for_checkpoint();
        }
    }
    let mut dirs: Vec<_> = std::fs::read_dir(f.dir.path().join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert_eq!(
        dirs.len(),
        2,
        "the two newest checkpoints are kept: {dirs:?}"
    );
    // Damage the newest: the older one plus more replay gives the same state.
    std::fs::write(dirs[1].join("catalog.bin"), b"garbage").unwrap();
    let (_log, store) = f.open(0);
    assert_eq!(store.last().unwrap().0, 35);
    assert_eq!(balances(&store, 35).len(), 35);
}

/// Every version of `accounts` as of `seq` (versions begun by then, those still current
/// then open-ended), and the database's position: what a checkpoint at `seq` must hold.
fn history(db: &Database, seq: u64) -> Vec<String> {
    let mut seen = vec![format!("{:?}", db.last().map(|(s, _)| s.min(seq)))];
    let table = crate::database::read(db.table("accounts").unwrap());
    seen.extend(
        table
            .versions(VersionFilter::All)
            .unwrap()
            .filter(|v| v.start_seq <= seq)
            .map(|mut v| {
                if v.end_seq.is_some_and(|end| end > seq) {
                    v.end_seq = None;
                    v.end_time = None;
                }
                format!("{v:?}")
            }),
    );
    seen
}

/// Checkpoints written while another thread commits each hold exactly the state at their
/// sequence, and a restart from the newest plus the ledger after it reads like a replay
/// of the whole ledger.
#[test]
fn checkpoints_written_during_commits_hold_their_sequence() {
    let f = Fixture::new();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let final_history = {
        let (_log, store) = f.open(0);
        store
            .commit(
                Transaction {
                    ops: vec![LedgerOp::CreateTable(schema())],
                },
                None,
                &[],
            )
            .unwrap();
        let (store, stop) = (&store, &stop);
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut i = 0_i64;
                while !stop.load(Ordering::Relaxed) {
                    let mut ops = vec![set(i % 997, i), set((i * 7) % 1_500, -i)];
                    if i % 5 == 0 {
                        ops.push(LedgerOp::Delete {
                            table: "accounts".into(),
                            key: vec![Value::Int64((i * 3) % 997)],
                        });
                    }
                    store.commit(Transaction { ops }, None, &[]).unwrap();
                    i += 1;
                }
            });
            // Stops the writer however this thread leaves the scope (a failed assertion
            // included), which waits for it.
            struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::Relaxed);
                }
            }
            let _stop = Stop(stop);
            let mut overlapped = 0;
            for round in 1..=10 {
                // Let the history grow between checkpoints.
                while store.last().unwrap().0 < 300 * round {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                let seq = store.checkpoint().unwrap().unwrap();
                let dir = f.dir.path().join(format!("checkpoints/{seq:020}"));
                let loaded = crate::checkpoint::load(&dir).unwrap();
                let live = store.read();
                overlapped += usize::from(live.last().unwrap().0 > seq);
                assert!(
                    history(&loaded, u64::MAX) == history(&live, seq),
                    "the checkpoint at {seq} holds another state"
                );
            }
            assert!(overlapped > 0, "no checkpoint overlapped a commit");
        });
        history(&store.read(), u64::MAX)
    };
    let (_log, store) = f.open(0);
    assert!(history(&store.read(), u64::MAX) == final_history);
    assert!(
        final_history.len() > 1_000,
        "{} versions",
        final_history.len()
    );
}

#[test]
fn sequences_resolve_from_times() {
    let f = Fixture::new();
    let (_log, store) = f.open(0);
    assert!(matches!(
        store.seq_at_time(T0),
        Err(Error::PointOutOfRange(_))
    ));
    f.clock.set(T0 + 1_000_000);
    store
        .commit(
            Transaction {
                ops: vec![LedgerOp::CreateTable(schema())],
            },
            None,
            &[],
        )
        .unwrap();
    f.clock.set(T0 + 2_000_000);
    store
        .commit(
            Transaction {
                ops: vec![set(1, 1)],
            },
            None,
            &[],
        )
        .unwrap();
    f.clock.set(T0 + 3_000_000);
    assert_eq!(store.seq_at_time(T0 + 1_000_000).unwrap(), 0);
    assert_eq!(store.seq_at_time(T0 + 1_500_000).unwrap(), 0);
    assert_eq!(store.seq_at_time(T0 + 2_000_000).unwrap(), 1);
    assert_eq!(store.seq_at_time(T0 + 2_999_999).unwrap(), 1);
    match store.seq_at_time(T0) {
        Err(Error::PointOutOfRange(m)) => assert!(m.contains("2025-10-24 12:00:00"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.seq_at_time(T0 + 10_000_000),
        Err(Error::PointOutOfRange(_))
    ));
}

/// A commit whose apply panics after its record is in the ledger: the tables may be half
/// updated, so the store fences the ledger. Readers go on reading the committed past (the
/// poisoned locks are taken over), every later commit is refused, and a restart replays
/// the ledger into whole tables that take commits again.
#[test]
fn an_apply_that_panics_fences_the_store_and_reads_go_on() {
    let f = Fixture::new();
    let one = |ops| Transaction { ops };
    {
        let (_log, store) = f.open(0);
        store
            .commit(one(vec![LedgerOp::CreateTable(schema())]), None, &[])
            .unwrap();
        let c1 = store.commit(one(vec![set(1, 100)]), None, &[]).unwrap();
        store.fail_next_apply.store(true, Ordering::SeqCst);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.commit(one(vec![set(1, 0), set(2, 7)]), None, &[])
        }));
        assert!(panicked.is_err(), "the apply panicked");
        assert!(store.db.is_poisoned());

        let refused = store.commit(one(vec![set(3, 1)]), None, &[]);
        assert!(
            matches!(refused, Err(Error::Log(driftdb_log::Error::Fenced { .. }))),
            "{refused:?}"
        );
        assert_eq!(store.last().map(|(seq, _)| seq), Some(c1.seq));
        assert_eq!(balances(&store, c1.seq), vec![(1, 100)]);
    }
    let (_log, store) = f.open(0);
    let c = store.commit(one(vec![set(3, 1)]), None, &[]).unwrap();
    let rows = balances(&store, c.seq);
    assert!(
        rows.contains(&(3, 1)) && rows.iter().any(|(id, _)| *id == 1),
        "{rows:?}"
    );
}

/// Commits `op` alone, which must succeed.
fn commit(store: &Store, op: LedgerOp) {
    store
        .commit(Transaction { ops: vec![op] }, None, &[])
        .unwrap();
}

/// The role `svc`, which may log in.
fn svc_role() -> LedgerOp {
    LedgerOp::CreateRole(crate::security::Role {
        name: "svc".to_string(),
        superuser: false,
        login: true,
        scram: None,
        md5: None,
    })
}

#[test]
fn tokens_survive_a_checkpoint_and_a_replay_and_go_with_their_role() {
    use crate::tokens::{NewToken, TokenOp};
    let f = Fixture::new();
    let token = |id: &str, role: &str| {
        LedgerOp::Token(Box::new(TokenOp::Create(NewToken {
            id: id.to_string(),
            role: role.to_string(),
            secret_sha256: vec![1; 32],
            description: format!("token {id}"),
        })))
    };
    let ids = |store: &Store| -> Vec<String> {
        store.read().tokens().iter().map(|t| t.id.clone()).collect()
    };
    {
        let (_log, store) = f.open(0);
        commit(&store, svc_role());
        commit(&store, token("a", "svc"));
        f.clock.advance(1_000);
        commit(&store, token("b", "svc"));
        // A token's creation time is its commit's.
        let made = store.read().tokens().get("b").map(|t| t.created_micros);
        assert_eq!(made, Some(store.last().unwrap().1));
        assert!(store.checkpoint().unwrap().is_some());
        commit(
            &store,
            LedgerOp::Token(Box::new(TokenOp::Revoke { id: "a".into() })),
        );
        // A token for a role that does not exist is refused and writes nothing.
        let orphan = token("c", "nobody");
        assert!(
            store
                .commit(Transaction { ops: vec![orphan] }, None, &[])
                .is_err()
        );
        assert_eq!(ids(&store), ["b"]);
    }
    // From the checkpoint (which holds a and b) plus the revocation after it.
    {
        let (_log, store) = f.open(0);
        assert_eq!(ids(&store), ["b"]);
        commit(&store, LedgerOp::DropRole { name: "svc".into() });
        assert!(ids(&store).is_empty());
    }
    std::fs::remove_dir_all(f.dir.path().join("checkpoints")).unwrap();
    let (_log, store) = f.open(0);
    assert!(ids(&store).is_empty());
}

#[test]
fn topic_grants_survive_a_checkpoint_and_a_replay_and_go_with_their_role() {
    use crate::broker_grants::{BrokerGrantOp, BrokerObject, CONSUME, PRODUCE};
    let f = Fixture::new();
    let grant = |privileges: u8, grant: bool| {
        LedgerOp::BrokerGrant(Box::new(BrokerGrantOp {
            object: BrokerObject::Topic("orders".to_string()),
            role: "svc".to_string(),
            privileges,
            grant,
        }))
    };
    let on_orders = |store: &Store| {
        store
            .read()
            .broker_grants()
            .topic_privileges("orders", "svc")
    };
    {
        let (_log, store) = f.open(0);
        commit(&store, svc_role());
        commit(&store, grant(PRODUCE | CONSUME, true));
        assert!(store.checkpoint().unwrap().is_some());
        commit(&store, grant(PRODUCE, false));
        assert_eq!(on_orders(&store), CONSUME);
    }
    // From the checkpoint (which holds both) plus the revocation after it.
    {
        let (_log, store) = f.open(0);
        assert_eq!(on_orders(&store), CONSUME);
        commit(&store, LedgerOp::DropRole { name: "svc".into() });
        assert_eq!(on_orders(&store), 0);
    }
    std::fs::remove_dir_all(f.dir.path().join("checkpoints")).unwrap();
    let (_log, store) = f.open(0);
    assert_eq!(on_orders(&store), 0);
    assert_eq!(store.read().broker_grants().iter().count(), 0);
}
