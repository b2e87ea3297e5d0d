//! Version-range reads with pseudo-columns, SQL Server's range rules, and `__sequence`.

use std::sync::Arc;

use anyhow::Result;
use driftdb_sql::{PSEUDO_COLUMNS, ReadPoint, provider_for};

use crate::common::{engine, explain, orders, query, query_tt, rows};

/// An engine with `orders` also registered as `h`, read at `point`.
fn with_history(point: ReadPoint) -> Result<driftdb_sql::QueryEngine> {
    let engine = engine()?;
    let table = orders()?;
    let provider = provider_for(Arc::clone(&table), point)?;
    engine.register_provider("h", table, provider)?;
    Ok(engine)
}

#[tokio::test]
async fn max_sequence_follows_the_read_point() -> Result<()> {
    let engine = engine()?;
    assert_eq!(
        query(&engine, "SELECT MAX(__sequence) FROM orders").await?,
        rows(&[&["5"]])
    );
    // At @3 the newest live version is id 2's update at @2 (the @3 deletion is no row).
    let at3 = "SELECT MAX(__sequence) FROM orders FOR SYSTEM_TIME AS OF 3";
    assert_eq!(query_tt(&engine, at3).await?, rows(&[&["2"]]));
    let at1 = "SELECT COUNT(*), MAX(__sequence) FROM orders FOR SYSTEM_TIME AS OF 1";
    assert_eq!(query_tt(&engine, at1).await?, rows(&[&["10", "1"]]));
    Ok(())
}

#[tokio::test]
async fn all_lists_every_version_with_its_range_and_operation() -> Result<()> {
    let engine = with_history(ReadPoint::All)?;
    let sql = "SELECT id, status, __operation, __valid_from_seq, __valid_to_seq, __sequence \
               FROM h WHERE id IN (2, 3) ORDER BY id, __sequence";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[
            &["2", "new", "INSERT", "1", "2", "1"],
            &["2", "paid", "UPDATE", "2", "5", "2"],
            &["2", "shipped", "UPDATE", "5", "NULL", "5"],
            // The deletion carries the row it deleted.
            &["3", "new", "INSERT", "1", "3", "1"],
            &["3", "new", "DELETE", "3", "5", "3"],
            &["3", "NULL", "INSERT", "5", "NULL", "5"],
        ])
    );
    let times = "SELECT __valid_from, __valid_to FROM h WHERE id = 2 AND __sequence = 2";
    assert_eq!(
        query(&engine, times).await?,
        rows(&[&["2026-01-01T00:00:02Z", "2026-01-01T00:00:05Z"]])
    );
    let plan = explain(&engine, "SELECT __operation FROM h WHERE id = 3").await?;
    assert!(
        plan.contains("DriftScan: orders ALL access=pk_point(id)"),
        "{plan}"
    );
    Ok(())
}

async fn history_of_2_and_3(point: ReadPoint) -> Result<Vec<Vec<String>>> {
    let engine = with_history(point)?;
    query(
        &engine,
        "SELECT id, __sequence FROM h WHERE id IN (2, 3) ORDER BY id, __sequence",
    )
    .await
}

#[tokio::test]
async fn range_filters_follow_sql_server_rules() -> Result<()> {
    // id 2 holds [1,2) [2,5) [5,∞); id 3 holds [1,3), is deleted over [3,5), then [5,∞).
    assert_eq!(
        history_of_2_and_3(ReadPoint::FromTo(2, 5)).await?,
        rows(&[&["2", "2"], &["3", "1"]])
    );
    assert_eq!(
        history_of_2_and_3(ReadPoint::Between(2, 5)).await?,
        rows(&[&["2", "2"], &["2", "5"], &["3", "1"], &["3", "5"]])
    );
    assert_eq!(
        history_of_2_and_3(ReadPoint::ContainedIn(1, 5)).await?,
        rows(&[&["2", "1"], &["2", "2"], &["3", "1"]])
    );
    // A range that ends before it starts reads nothing; it is not an error.
    assert_eq!(
        history_of_2_and_3(ReadPoint::Between(5, 2)).await?,
        Vec::<Vec<String>>::new()
    );
    Ok(())
}

#[tokio::test]
async fn select_star_shows_sequence_on_points_and_all_pseudo_columns_on_ranges() -> Result<()> {
    let engine = with_history(ReadPoint::All)?;
    let point = engine.sql("SELECT * FROM orders WHERE id = 1").await?;
    let names = |b: &[datafusion::arrow::record_batch::RecordBatch]| -> Vec<String> {
        b.first()
            .map(|b| {
                b.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        names(&point),
        ["id", "customer", "amount", "status", "__sequence"]
    );
    let range = engine.sql("SELECT * FROM h WHERE id = 1").await?;
    let mut expected = vec!["id", "customer", "amount", "status"];
    expected.extend(PSEUDO_COLUMNS);
    assert_eq!(names(&range), expected);
    Ok(())
}

#[tokio::test]
async fn reads_before_the_vacuum_horizon_fail_clearly() -> Result<()> {
    let engine = driftdb_sql::QueryEngine::new()?;
    let table = orders()?;
    table
        .write()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .vacuum(4)?;
    engine.register_table("orders", table)?;
    let old = "SELECT COUNT(*) FROM orders FOR SYSTEM_TIME AS OF 3";
    let err = query_tt(&engine, old)
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("a read before the horizon succeeded"))?;
    assert!(
        err.to_string()
            .contains("before the table's history horizon 4"),
        "{err}"
    );
    let at = "SELECT COUNT(*) FROM orders FOR SYSTEM_TIME AS OF 4";
    assert_eq!(query_tt(&engine, at).await?, rows(&[&["10"]]));
    Ok(())
}
