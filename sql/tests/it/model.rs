//! SQL against a model: random INSERT/UPDATE/DELETE/TRUNCATE, transactions that commit, roll
//! back or fail, and drop-and-re-create, run through a [`Session`]. The model predicts each
//! statement's commit sequence (or that it commits nothing) and the table after every
//! sequence; then every sequence is read back with `FOR SYSTEM_TIME AS OF`, before and after
//! reopening the database (a replay of the ledger from the last checkpoint).

use std::collections::BTreeMap;

use driftdb_sql::{Database, Error, Session};
use proptest::prelude::*;

type State = BTreeMap<i32, i32>;

#[derive(Debug, Clone)]
enum Write {
    Insert(i32, i32),
    Add(i32, i32),
    AddAll(i32),
    Delete(i32),
    Truncate,
}

#[derive(Debug, Clone)]
enum Step {
    Auto(Write),
    /// A transaction block, then COMMIT (true) or ROLLBACK.
    Block(Vec<Write>, bool),
    DropAndCreate,
    Checkpoint,
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        4 => (0..6i32, -50..50i32).prop_map(|(k, v)| Write::Insert(k, v)),
        3 => (0..6i32, -5..5i32).prop_map(|(k, d)| Write::Add(k, d)),
        1 => (-5..5i32).prop_map(Write::AddAll),
        2 => (0..6i32).prop_map(Write::Delete),
        1 => Just(Write::Truncate),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => write().prop_map(Step::Auto),
        3 => (prop::collection::vec(write(), 1..4), any::<bool>())
            .prop_map(|(w, c)| Step::Block(w, c)),
        1 => Just(Step::DropAndCreate),
        1 => Just(Step::Checkpoint),
    ]
}

fn sql_of(w: &Write) -> String {
    match w {
        Write::Insert(k, v) => format!("INSERT INTO t VALUES ({k}, {v})"),
        Write::Add(k, d) => format!("UPDATE t SET v = v + {d} WHERE id = {k}"),
        Write::AddAll(d) => format!("UPDATE t SET v = v + {d}"),
        Write::Delete(k) => format!("DELETE FROM t WHERE id = {k}"),
        Write::Truncate => "TRUNCATE t".to_string(),
    }
}

/// Applies `w` to the model: `Err` if SQL must refuse it (a duplicate key), else whether it
/// changes anything (and so needs a commit).
fn apply(state: &mut State, w: &Write) -> Result<bool, ()> {
    Ok(match w {
        Write::Insert(k, v) => {
            if state.contains_key(k) {
                return Err(());
            }
            state.insert(*k, *v);
            true
        }
        Write::Add(k, d) => match state.get_mut(k) {
            Some(v) => {
                *v += d;
                true
            }
            None => false,
        },
        Write::AddAll(d) => {
            state.values_mut().for_each(|v| *v += d);
            !state.is_empty()
        }
        Write::Delete(k) => state.remove(k).is_some(),
        Write::Truncate => {
            state.clear();
            true
        }
    })
}

/// The table at each sequence: `None` where it did not exist.
struct History {
    states: Vec<(u64, Option<State>)>,
}

async fn run(session: &mut Session, sql: &str) -> Result<Option<u64>, Error> {
    let mut outcomes = session.execute(sql).await?;
    Ok(outcomes.pop().and_then(|o| o.seq))
}

fn expect_seq(got: Option<u64>, next: &mut u64, commits: bool, what: &str) {
    if commits {
        assert_eq!(got, Some(*next), "{what} commits at the next sequence");
        *next += 1;
    } else {
        assert_eq!(got, None, "{what} changes nothing, so it commits nothing");
    }
}

async fn play(db: &Database, steps: &[Step]) -> History {
    let mut session = db.session();
    let create = "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)";
    assert_eq!(run(&mut session, create).await.unwrap(), Some(0));
    let mut next = 1u64;
    let mut state = State::new();
    let mut history = History {
        states: vec![(0, Some(State::new()))],
    };
    for step in steps {
        match step {
            Step::Auto(w) => {
                let sql = sql_of(w);
                let mut after = state.clone();
                match apply(&mut after, w) {
                    Err(()) => {
                        let e = run(&mut session, &sql).await.unwrap_err();
                        assert_eq!(e.sqlstate(), "23505", "{sql}");
                    }
                    Ok(changes) => {
                        let got = run(&mut session, &sql).await.unwrap();
                        expect_seq(got, &mut next, changes, &sql);
                        state = after;
                        if changes {
                            history.states.push((next - 1, Some(state.clone())));
                        }
                    }
                }
            }
            Step::Block(writes, commit) => {
                run(&mut session, "BEGIN").await.unwrap();
                let mut inside = state.clone();
                let mut changed = false;
                let mut failed = false;
                for w in writes {
                    let sql = sql_of(w);
                    if failed {
                        let e = run(&mut session, &sql).await.unwrap_err();
                        assert_eq!(e.sqlstate(), "25P02", "{sql} after an error");
                        continue;
                    }
                    match apply(&mut inside, w) {
                        Err(()) => {
                            let e = run(&mut session, &sql).await.unwrap_err();
                            assert_eq!(e.sqlstate(), "23505", "{sql}");
                            failed = true;
                        }
                        Ok(changes) => {
                            assert_eq!(run(&mut session, &sql).await.unwrap(), None, "{sql}");
                            changed |= changes;
                        }
                    }
                }
                // Own writes are visible inside the block.
                if !failed {
                    assert_eq!(read(&mut session, "t").await, Ok(inside.clone()));
                }
                let end = if *commit { "COMMIT" } else { "ROLLBACK" };
                let got = run(&mut session, end).await.unwrap();
                let commits = *commit && !failed && changed;
                expect_seq(got, &mut next, commits, end);
                if commits {
                    state = inside;
                    history.states.push((next - 1, Some(state.clone())));
                }
            }
            Step::DropAndCreate => {
                let got = run(&mut session, "DROP TABLE t").await.unwrap();
                expect_seq(got, &mut next, true, "DROP TABLE");
                history.states.push((next - 1, None));
                let got = run(&mut session, create).await.unwrap();
                expect_seq(got, &mut next, true, "CREATE TABLE");
                state = State::new();
                history.states.push((next - 1, Some(State::new())));
            }
            Step::Checkpoint => {
                run(&mut session, "CHECKPOINT TABLE t").await.unwrap();
            }
        }
    }
    history
}

async fn read(session: &mut Session, table: &str) -> Result<State, String> {
    let outcomes = session
        .execute(&format!("SELECT id, v FROM {table} ORDER BY id"))
        .await
        .map_err(|e| e.sqlstate().to_string())?;
    let rows = outcomes
        .into_iter()
        .last()
        .and_then(|o| o.rows)
        .expect("a query has rows");
    let mut state = State::new();
    for batch in &rows.batches {
        for row in 0..batch.num_rows() {
            let cell = |c: usize| {
                driftdb_sql::text::format_value(batch.column(c).as_ref(), row)
                    .expect("no NULLs")
                    .parse::<i32>()
                    .expect("an INT")
            };
            state.insert(cell(0), cell(1));
        }
    }
    Ok(state)
}

async fn check(db: &Database, history: &History) {
    let mut session = db.session();
    for (seq, expected) in &history.states {
        let got = read(&mut session, &format!("t FOR SYSTEM_TIME AS OF @SEQ:{seq}")).await;
        match expected {
            Some(state) => assert_eq!(got.as_ref(), Ok(state), "the table at @SEQ:{seq}"),
            None => assert_eq!(got, Err("42P01".to_string()), "no table at @SEQ:{seq}"),
        }
    }
    if let Some((_, Some(last))) = history.states.last() {
        assert_eq!(
            read(&mut session, "t").await.as_ref(),
            Ok(last),
            "the table now"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_sequence_reads_what_the_model_says(steps in prop::collection::vec(step(), 1..25)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let history = {
                let db = Database::open(dir.path()).expect("open");
                let history = play(&db, &steps).await;
                check(&db, &history).await;
                history
            };
            // Reopened: the newest checkpoint plus the ledger after it give the same history.
            let db = Database::open(dir.path()).expect("reopen");
            check(&db, &history).await;
        });
    }
}
