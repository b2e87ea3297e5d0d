//! A transaction's own writes shadow the table's rows.

use std::sync::Arc;

use anyhow::Result;
use driftdb_projector::Value;
use driftdb_sql::{Overlay, QueryEngine, ReadPoint, provider_for};

use crate::common::{explain, order, orders, query, rows};

fn engine_with_overlay() -> Result<QueryEngine> {
    let table = orders()?;
    let mut overlay = Overlay::new();
    overlay.insert(vec![Value::Int64(2)], None);
    overlay.insert(vec![Value::Int64(4)], Some(order(4, "c1", 400, Some("tx"))));
    overlay.insert(
        vec![Value::Int64(20)],
        Some(order(20, "c7", 2000, Some("tx"))),
    );
    let provider =
        provider_for(Arc::clone(&table), ReadPoint::AsOf(5))?.with_overlay(Arc::new(overlay))?;
    let engine = QueryEngine::new()?;
    engine.register_provider("orders", table, provider)?;
    Ok(engine)
}

#[tokio::test]
async fn reads_see_their_own_writes() -> Result<()> {
    let engine = engine_with_overlay()?;
    let sql = "SELECT id, status, __sequence FROM orders WHERE id IN (1, 2, 4, 20) ORDER BY id";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[
            &["1", "new", "4"],
            &["4", "tx", "NULL"],
            &["20", "tx", "NULL"]
        ])
    );
    assert_eq!(
        query(&engine, "SELECT COUNT(*) FROM orders").await?,
        rows(&[&["11"]])
    );
    Ok(())
}

#[tokio::test]
async fn lookups_consult_the_overlay() -> Result<()> {
    let engine = engine_with_overlay()?;
    assert_eq!(
        query(&engine, "SELECT status FROM orders WHERE id = 20").await?,
        rows(&[&["tx"]])
    );
    assert_eq!(
        query(&engine, "SELECT status FROM orders WHERE id = 2").await?,
        rows(&[])
    );
    let by_index = "SELECT id FROM orders WHERE customer = 'c7'";
    assert_eq!(query(&engine, by_index).await?, rows(&[&["20"]]));
    assert!(
        explain(&engine, by_index)
            .await?
            .contains("access=index_eq(by_customer) filters=[customer = Utf8(\"c7\")] overlay")
    );
    // The overlay row for 4 has another amount: the stored row must not leak through.
    let range = "SELECT id, amount FROM orders WHERE id BETWEEN 3 AND 4 ORDER BY id";
    assert_eq!(
        query(&engine, range).await?,
        rows(&[&["3", "33.00"], &["4", "4.00"]])
    );
    Ok(())
}

#[test]
fn history_reads_refuse_an_overlay() -> Result<()> {
    let provider = provider_for(orders()?, ReadPoint::All)?;
    assert!(provider.with_overlay(Arc::new(Overlay::new())).is_err());
    Ok(())
}
