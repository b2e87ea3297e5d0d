//! The front end's time-travel syntax planned and executed: statements parsed by
//! `driftdb_sql::parse` (`@SEQ:n`, timestamps, `ALL`, ranges) run through DataFusion with each
//! table reference bound to its own point.

use std::sync::Arc;

use anyhow::{Result, bail};
use driftdb_sql::{QueryEngine, Statement, parse};

use crate::common::{cells, engine, rows, time_of};

/// Runs one statement parsed by the front end.
async fn run(engine: &QueryEngine, sql: &str) -> Result<Vec<Vec<String>>> {
    let Some(Statement::Sql(statement)) = parse(sql)?.pop() else {
        bail!("{sql:?} is not a query");
    };
    cells(&engine.query_statement(statement.statement).await?)
}

/// The fixtures commit one sequence per second from `time_of(1)`.
fn resolver() -> driftdb_sql::TimeResolver {
    use driftdb_sql::TimeBound;
    Arc::new(|micros, bound| {
        let offset = micros - time_of(0);
        let floor = offset.div_euclid(1_000_000);
        let ceil = floor + i64::from(offset.rem_euclid(1_000_000) != 0);
        match (bound, u64::try_from(floor)) {
            (TimeBound::AsOf, Err(_)) => Err(datafusion::error::DataFusionError::Plan(
                "before the first commit".into(),
            )),
            (TimeBound::AsOf | TimeBound::AtOrBefore, floor) => Ok(floor.ok()),
            (TimeBound::AtOrAfter, _) => Ok(Some(u64::try_from(ceil.max(0)).unwrap_or(0))),
        }
    })
}

#[tokio::test]
async fn seq_points_timestamps_and_ranges_from_the_parser() -> Result<()> {
    let engine = engine()?;
    engine.set_time_resolver(resolver())?;

    // @SEQ:n: order 3 exists before its delete at @3.
    let at2 =
        "SELECT id, status FROM orders FOR SYSTEM_TIME AS OF @SEQ:2 WHERE id IN (2, 3) ORDER BY id";
    assert_eq!(
        run(&engine, at2).await?,
        rows(&[&["2", "paid"], &["3", "new"]])
    );

    // A timestamp half a second after @3 committed reads @3: order 3 is gone.
    let t =
        "SELECT count(*) FROM orders FOR SYSTEM_TIME AS OF '2026-01-01 00:00:03.5' WHERE id = 3";
    assert_eq!(run(&engine, t).await?, rows(&[&["0"]]));
    let t = "SELECT count(*) FROM orders FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-01 00:00:02' WHERE id = 3";
    assert_eq!(run(&engine, t).await?, rows(&[&["1"]]));

    // ALL lists every version of order 2 with its operation.
    let all = "SELECT status, __operation FROM orders FOR SYSTEM_TIME ALL WHERE id = 2 ORDER BY __sequence";
    assert_eq!(
        run(&engine, all).await?,
        rows(&[
            &["new", "INSERT"],
            &["paid", "UPDATE"],
            &["shipped", "UPDATE"]
        ])
    );

    // BETWEEN: versions of order 2 current at some point in [@2, @4].
    let between =
        "SELECT status FROM orders FOR SYSTEM_TIME BETWEEN @SEQ:2 AND @SEQ:4 WHERE id = 2";
    assert_eq!(run(&engine, between).await?, rows(&[&["paid"]]));

    // A temporal join: orders now against customers' names before the rename at @4.
    let join = "SELECT o.id, c.name FROM orders o \
                JOIN customers FOR SYSTEM_TIME AS OF @SEQ:3 AS c ON o.customer = c.id \
                WHERE o.id = 4";
    assert_eq!(run(&engine, join).await?, rows(&[&["4", "name c1"]]));
    Ok(())
}

#[tokio::test]
async fn a_timestamp_point_without_a_database_is_a_clear_error() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT * FROM orders FOR SYSTEM_TIME AS OF '2026-01-01 00:00:03'";
    let err = run(&engine, sql).await.unwrap_err().to_string();
    assert!(err.contains("needs a database"), "{err}");
    Ok(())
}
