//! Version ranges against a model: random histories with schema changes, read back with
//! every range form (`BETWEEN`, `FROM .. TO`, `CONTAINED IN`) with sequence bounds, time
//! bounds (commit times, a microsecond either side, times between commits, times before
//! the history and after it) and one of each, and compared with SQL:2011's rules applied
//! by the model on the history's time line.
//!
//! Each step commits one ledger record: a transaction that moves an anchor row (so every
//! commit writes a version whose `__valid_from` tells the commit's time) and inserts,
//! updates or deletes a random key, or an `ALTER TABLE` adding or dropping a column (which
//! starts a new version of every current row, the anchor's too).

use std::collections::BTreeSet;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use driftdb_sql::{Database, Timestamp};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    /// Insert the key, or update it if it exists.
    Put(i32),
    /// Delete the key, if it exists.
    Delete(i32),
    AddColumn,
    DropColumn,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (1..5i32).prop_map(Step::Put),
        2 => (1..5i32).prop_map(Step::Delete),
        1 => Just(Step::AddColumn),
        1 => Just(Step::DropColumn),
    ]
}

/// One version of a row: written at sequence `start`, replaced at `end` (None: current).
#[derive(Debug, Clone)]
struct Version {
    id: i32,
    start: u64,
    end: Option<u64>,
}

#[derive(Debug, Default)]
struct Model {
    versions: Vec<Version>,
    /// The columns the table has now, besides `id` and `v`.
    extra: Vec<String>,
    columns_made: usize,
}

impl Model {
    fn current(&mut self, id: i32) -> Option<&mut Version> {
        self.versions
            .iter_mut()
            .find(|v| v.id == id && v.end.is_none())
    }

    /// A new version of `id` at `seq`, ending the current one.
    fn put(&mut self, id: i32, seq: u64) {
        if let Some(v) = self.current(id) {
            v.end = Some(seq);
        }
        self.versions.push(Version {
            id,
            start: seq,
            end: None,
        });
    }

    fn delete(&mut self, id: i32, seq: u64) {
        if let Some(v) = self.current(id) {
            v.end = Some(seq);
        }
    }

    /// An `ALTER TABLE` at `seq`: every current row starts a new version.
    fn realter(&mut self, seq: u64) {
        let ids: Vec<i32> = self
            .versions
            .iter()
            .filter(|v| v.end.is_none())
            .map(|v| v.id)
            .collect();
        for id in ids {
            self.put(id, seq);
        }
    }
}

/// A point on the history's time line, as the model compares them: commit times are
/// microseconds; a sequence after the newest commit lies after every time, and a current
/// version ends after every point.
fn at(times: &[i64], seq: u64) -> i128 {
    match times.get(seq as usize) {
        Some(t) => i128::from(*t),
        None => i128::from(i64::MAX) + i128::from(seq),
    }
}

const FOREVER: i128 = i128::MAX;

#[derive(Debug, Clone, Copy)]
enum Bound {
    Seq(u64),
    Time(i64),
}

impl Bound {
    fn sql(self) -> String {
        match self {
            Bound::Seq(seq) => format!("@SEQ:{seq}"),
            Bound::Time(micros) => format!("'{}'", Timestamp::from_unix_micros(micros)),
        }
    }

    fn point(self, times: &[i64]) -> i128 {
        match self {
            Bound::Seq(seq) => at(times, seq),
            Bound::Time(micros) => i128::from(micros),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Form {
    Between,
    FromTo,
    ContainedIn,
}

impl Form {
    fn sql(self, a: Bound, b: Bound) -> String {
        match self {
            Form::Between => format!("BETWEEN {} AND {}", a.sql(), b.sql()),
            Form::FromTo => format!("FROM {} TO {}", a.sql(), b.sql()),
            Form::ContainedIn => format!("CONTAINED IN ({}, {})", a.sql(), b.sql()),
        }
    }

    /// SQL:2011's rule (SQL Server's), on the time line; a range whose start lies after
    /// its end reads nothing.
    fn admits(self, v: &Version, a: i128, b: i128, times: &[i64]) -> bool {
        let start = at(times, v.start);
        let end = v.end.map_or(FOREVER, |e| at(times, e));
        a <= b
            && match self {
                Form::Between => start <= b && end > a,
                Form::FromTo => start < b && end > a,
                Form::ContainedIn => start >= a && v.end.is_some() && end <= b,
            }
    }
}

async fn exec(db: &Database, sql: &str) -> Option<u64> {
    let outcomes = db
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    outcomes.iter().filter_map(|o| o.seq).next_back()
}

/// Plays `steps`; returns the model and every commit's time, by sequence.
async fn play(db: &Database, steps: &[Step]) -> (Model, Vec<i64>) {
    let mut model = Model::default();
    let seq = exec(
        db,
        "BEGIN; CREATE TABLE t (id INT PRIMARY KEY, v BIGINT); INSERT INTO t VALUES (0, 0); COMMIT",
    )
    .await;
    assert_eq!(seq, Some(0));
    model.put(0, 0);
    let mut last = 0;
    for step in steps {
        let seq = last + 1;
        let sql = match step {
            Step::AddColumn => {
                model.columns_made += 1;
                let name = format!("c{}", model.columns_made);
                let sql = format!("ALTER TABLE t ADD COLUMN {name} INT");
                model.extra.push(name);
                model.realter(seq);
                sql
            }
            Step::DropColumn => {
                let Some(name) = model.extra.pop() else {
                    continue;
                };
                model.realter(seq);
                format!("ALTER TABLE t DROP COLUMN {name}")
            }
            Step::Put(id) | Step::Delete(id) => {
                let exists = model.current(*id).is_some();
                let write = match (step, exists) {
                    (Step::Put(_), true) => format!("UPDATE t SET v = {seq} WHERE id = {id}"),
                    (Step::Put(_), false) => format!("INSERT INTO t VALUES ({id}, {seq})"),
                    (_, true) => format!("DELETE FROM t WHERE id = {id}"),
                    (_, false) => "SELECT 1".to_string(),
                };
                model.put(0, seq);
                match step {
                    Step::Put(_) => model.put(*id, seq),
                    _ => model.delete(*id, seq),
                }
                format!("BEGIN; UPDATE t SET v = {seq} WHERE id = 0; {write}; COMMIT")
            }
        };
        assert_eq!(exec(db, &sql).await, Some(seq), "{sql}");
        last = seq;
    }
    // Every commit wrote a version of the anchor: its start is the commit's time.
    let batches = db
        .query(
            "SELECT __valid_from_seq, __valid_from FROM t FOR SYSTEM_TIME ALL WHERE id = 0 \
             ORDER BY __valid_from_seq",
        )
        .await
        .expect("the anchor's history");
    let mut times = Vec::new();
    for batch in &batches {
        let seqs = cast(batch.column(0), &DataType::Int64).expect("seq");
        let micros = cast(batch.column(1), &DataType::Int64).expect("time");
        for row in 0..batch.num_rows() {
            assert_eq!(
                seqs.as_primitive::<Int64Type>().value(row),
                times.len() as i64
            );
            times.push(micros.as_primitive::<Int64Type>().value(row));
        }
    }
    assert_eq!(times.len() as u64, last + 1, "a time for every commit");
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "commit times increase"
    );
    (model, times)
}

/// Bounds worth trying: sequences in and past the history, and times at, around and
/// between commits, before the first and far after the newest.
fn bounds(times: &[i64]) -> Vec<Bound> {
    let last = times.len() as u64 - 1;
    let mut out: Vec<Bound> = (0..=last + 2).map(Bound::Seq).collect();
    out.push(Bound::Time(times[0] - 1_000_000));
    out.push(Bound::Time(
        Timestamp::parse("2999-01-01")
            .expect("a time")
            .unix_micros(),
    ));
    for (i, t) in times.iter().enumerate() {
        out.push(Bound::Time(*t));
        out.push(Bound::Time(t - 1));
        out.push(Bound::Time(t + 1));
        if let Some(next) = times.get(i + 1) {
            out.push(Bound::Time(t + (next - t) / 2));
        }
    }
    out
}

async fn check(db: &Database, model: &Model, times: &[i64], cases: &[(usize, usize, usize)]) {
    let bounds = bounds(times);
    // Today's columns, whatever the range.
    let today: Vec<String> = ["id", "v"]
        .into_iter()
        .map(str::to_string)
        .chain(model.extra.iter().cloned())
        .collect();
    for &(form, a, b) in cases {
        let form = [Form::Between, Form::FromTo, Form::ContainedIn][form % 3];
        let (a, b) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
        let range = form.sql(a, b);
        let sql = format!("SELECT id, __valid_from_seq FROM t FOR SYSTEM_TIME {range}");
        let got: BTreeSet<(i64, i64)> = db
            .query(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .flat_map(|batch| {
                let ids = cast(batch.column(0), &DataType::Int64).expect("id");
                let seqs = cast(batch.column(1), &DataType::Int64).expect("seq");
                (0..batch.num_rows())
                    .map(|r| {
                        (
                            ids.as_primitive::<Int64Type>().value(r),
                            seqs.as_primitive::<Int64Type>().value(r),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let (pa, pb) = (a.point(times), b.point(times));
        let expected: BTreeSet<(i64, i64)> = model
            .versions
            .iter()
            .filter(|v| form.admits(v, pa, pb, times))
            .map(|v| (i64::from(v.id), v.start as i64))
            .collect();
        assert_eq!(got, expected, "{sql} (times {times:?})");
        // `SELECT *` of a range has today's columns, then the pseudo-columns.
        let star = format!("SELECT * FROM t FOR SYSTEM_TIME {range} LIMIT 0");
        let batches = db
            .execute(&star)
            .await
            .unwrap_or_else(|e| panic!("{star}: {e}"));
        let rows = batches.last().and_then(|o| o.rows.as_ref()).expect("rows");
        let names: Vec<String> = rows
            .schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !n.starts_with("__"))
            .collect();
        assert_eq!(names, today, "{star}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn version_ranges_read_what_the_model_says(
        steps in prop::collection::vec(step(), 1..12),
        cases in prop::collection::vec((0..3usize, 0..1000usize, 0..1000usize), 40),
    ) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = Database::open(dir.path()).expect("open");
            let (model, times) = play(&db, &steps).await;
            check(&db, &model, &times, &cases).await;
        });
    }
}

/// The defects that model found, by name: time bounds between commits.
#[tokio::test]
async fn time_bounds_between_commits_follow_the_period_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    let steps = [Step::Put(1), Step::Put(1), Step::Put(1)];
    let (model, times) = play(&db, &steps).await;
    // Key 1: v written at @1, @2, @3. Times strictly between the commits.
    let mid = |s: usize| times[s] + (times[s + 1] - times[s]) / 2;
    let read = |range: String| {
        let db = &db;
        async move {
            let sql = format!(
                "SELECT __valid_from_seq FROM t FOR SYSTEM_TIME {range} WHERE id = 1 ORDER BY 1"
            );
            let batches = db
                .query(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            batches
                .iter()
                .flat_map(|b| {
                    let c = cast(b.column(0), &DataType::Int64).expect("seq");
                    (0..b.num_rows())
                        .map(|r| c.as_primitive::<Int64Type>().value(r))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<i64>>()
        }
    };
    let t = |micros: i64| format!("'{}'", Timestamp::from_unix_micros(micros));
    // FROM T1 TO T2, T1 after @1 and T2 after @2: the version of @2 began before T2.
    assert_eq!(
        read(format!("FROM {} TO {}", t(mid(1)), t(mid(2)))).await,
        [1, 2]
    );
    // CONTAINED IN (T1, T3): the version of @1 began before T1, so it is not contained.
    assert_eq!(
        read(format!("CONTAINED IN ({}, {})", t(mid(1)), t(times[3] + 1))).await,
        [2]
    );
    // Bounds outside the history are clamped, not refused.
    assert_eq!(
        read("FROM '1900-01-01' TO '9999-12-31'".to_string()).await,
        [1, 2, 3]
    );
    assert_eq!(
        read("BETWEEN '2999-01-01' AND '2999-02-01'".to_string()).await,
        [3]
    );
    assert_eq!(
        read("BETWEEN @SEQ:99998 AND @SEQ:99999".to_string()).await,
        [3]
    );
    assert_eq!(
        read("BETWEEN '1900-01-01' AND '1901-01-01'".to_string()).await,
        [0i64; 0]
    );
    drop(model);
}

/// A range that ends before an `ALTER TABLE` reads today's columns, as `ALL` does.
#[tokio::test]
async fn a_range_before_an_alter_reads_todays_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Database::open(dir.path()).expect("open");
    db.execute(
        "CREATE TABLE x (id INT PRIMARY KEY, v INT); INSERT INTO x VALUES (1, 10); \
         UPDATE x SET v = 11 WHERE id = 1",
    )
    .await
    .expect("history");
    db.execute("ALTER TABLE x ADD COLUMN w INT")
        .await
        .expect("alter");
    let outcomes = db
        .execute("SELECT * FROM x FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:2 ORDER BY __sequence")
        .await
        .expect("today's columns");
    let rows = outcomes.last().and_then(|o| o.rows.as_ref()).expect("rows");
    let names: Vec<&str> = rows
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .take(3)
        .collect();
    assert_eq!(names, ["id", "v", "w"]);
    assert_eq!(rows.len(), 2);
    let text = driftdb_sql::format_table(&rows.schema, &rows.batches).expect("table");
    assert!(text.contains(" 10 ") && text.contains(" 11 "), "{text}");
    db.execute("SELECT id, v, w FROM x FOR SYSTEM_TIME FROM @SEQ:1 TO @SEQ:2")
        .await
        .expect("w names a column of today's table");
}
