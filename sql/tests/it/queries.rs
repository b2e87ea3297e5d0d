//! Relational queries over time-travelled tables: temporal joins, aggregates, ordering.

use anyhow::Result;

use crate::common::{engine, explain, query, query_tt, rows};

#[tokio::test]
async fn tables_join_at_different_points() -> Result<()> {
    let engine = engine()?;
    let join = |o: u64, c: u64| {
        format!(
            "SELECT o.id, o.customer, c.name \
             FROM orders FOR SYSTEM_TIME AS OF {o} AS o \
             JOIN customers FOR SYSTEM_TIME AS OF {c} AS c ON o.customer = c.id \
             WHERE o.id IN (1, 4) ORDER BY o.id"
        )
    };
    assert_eq!(
        query_tt(&engine, &join(3, 1)).await?,
        rows(&[&["1", "c1", "name c1"], &["4", "c1", "name c1"]])
    );
    assert_eq!(
        query_tt(&engine, &join(3, 4)).await?,
        rows(&[&["1", "c1", "renamed"], &["4", "c1", "renamed"]])
    );
    // At @4 order 1 belongs to c9, which is no customer.
    assert_eq!(
        query_tt(&engine, &join(4, 1)).await?,
        rows(&[&["4", "c1", "name c1"]])
    );
    let plan = explain(&engine, &join(3, 1)).await?;
    assert!(plan.contains("DriftScan: orders @SEQ:3"), "{plan}");
    assert!(plan.contains("DriftScan: customers @SEQ:1"), "{plan}");
    // A reference without FOR SYSTEM_TIME still reads the latest rows in the same query.
    let mixed = "SELECT c.name FROM orders o JOIN customers FOR SYSTEM_TIME AS OF 1 AS c \
                 ON o.customer = c.id WHERE o.id = 4";
    assert_eq!(query_tt(&engine, mixed).await?, rows(&[&["name c1"]]));
    Ok(())
}

#[tokio::test]
async fn group_by_sums_decimals_exactly() -> Result<()> {
    let engine = engine()?;
    let sql =
        "SELECT customer, COUNT(*), SUM(amount) FROM orders GROUP BY customer ORDER BY customer";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[
            &["c0", "3", "48.00"],
            &["c1", "3", "21.00"],
            &["c2", "4", "26.50"],
            &["c9", "1", "1.00"],
        ])
    );
    let old = "SELECT COUNT(*), SUM(amount) FROM orders FOR SYSTEM_TIME AS OF 3";
    assert_eq!(query_tt(&engine, old).await?, rows(&[&["9", "52.50"]]));
    Ok(())
}

#[tokio::test]
async fn order_by_and_limit() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 2";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[&["3", "33.00"], &["11", "11.00"]])
    );
    Ok(())
}

#[tokio::test]
async fn bad_time_travel_references_are_errors() -> Result<()> {
    let engine = engine()?;
    let missing = "SELECT * FROM nope FOR SYSTEM_TIME AS OF 1";
    assert!(query_tt(&engine, missing).await.is_err());
    let text = "SELECT * FROM orders FOR SYSTEM_TIME AS OF 'yesterday'";
    assert!(query_tt(&engine, text).await.is_err());
    Ok(())
}

#[tokio::test]
async fn grouping_by_the_primary_key_allows_its_other_columns() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id, customer, COUNT(*) FROM orders WHERE id < 3 GROUP BY id ORDER BY id";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[&["1", "c9", "1"], &["2", "c2", "1"]])
    );
    Ok(())
}
