//! Filter push-down: primary-key points and ranges, secondary indexes, at old points too,
//! and the access path `EXPLAIN` reports.

use anyhow::Result;

use crate::common::{engine, explain, query, query_tt, rows};

#[tokio::test]
async fn pk_equality_is_a_point_lookup_and_drops_the_filter() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT customer, status FROM orders WHERE id = 2";
    assert_eq!(query(&engine, sql).await?, rows(&[&["c2", "shipped"]]));
    let plan = explain(&engine, sql).await?;
    assert!(
        plan.contains("DriftScan: orders @SEQ:5 access=pk_point(id) filters=[id = Int64(2)]"),
        "{plan}"
    );
    assert!(
        !plan.contains("FilterExec"),
        "an exact filter is not re-checked: {plan}"
    );
    assert_eq!(
        query(&engine, "SELECT id FROM orders WHERE id = 99").await?,
        rows(&[])
    );
    Ok(())
}

#[tokio::test]
async fn pk_ranges_use_scan_range() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id FROM orders WHERE id BETWEEN 4 AND 6 ORDER BY id";
    assert_eq!(query(&engine, sql).await?, rows(&[&["4"], &["5"], &["6"]]));
    assert!(explain(&engine, sql).await?.contains("access=pk_range(id)"));
    let open = "SELECT id FROM orders WHERE 9 < id ORDER BY id";
    assert_eq!(query(&engine, open).await?, rows(&[&["10"], &["11"]]));
    // A non-key predicate is checked by the scan on the key range's rows; NULL never matches.
    let mixed = "SELECT id FROM orders WHERE id < 5 AND status = 'new' ORDER BY id";
    assert_eq!(query(&engine, mixed).await?, rows(&[&["1"], &["4"]]));
    let plan = explain(&engine, mixed).await?;
    assert!(plan.contains("access=pk_range(id)"), "{plan}");
    assert!(plan.contains("DriftScan: orders @SEQ:5 access=pk_range(id) filters=[id < Int64(5), status = Utf8(\"new\")]"), "{plan}");
    Ok(())
}

#[tokio::test]
async fn indexed_column_equality_uses_the_index_at_the_read_point() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id FROM orders WHERE customer = 'c0' ORDER BY id";
    assert_eq!(query(&engine, sql).await?, rows(&[&["3"], &["6"], &["9"]]));
    assert!(
        explain(&engine, sql)
            .await?
            .contains("access=index_eq(by_customer)")
    );
    // Order 1 left customer c1 at @4: the index answers for each point.
    let before = "SELECT id FROM orders FOR SYSTEM_TIME AS OF 3 WHERE customer = 'c1' ORDER BY id";
    assert_eq!(
        query_tt(&engine, before).await?,
        rows(&[&["1"], &["4"], &["7"], &["10"]])
    );
    let after = "SELECT id FROM orders FOR SYSTEM_TIME AS OF 4 WHERE customer = 'c1' ORDER BY id";
    assert_eq!(
        query_tt(&engine, after).await?,
        rows(&[&["4"], &["7"], &["10"]])
    );
    let plan = explain(&engine, before).await?;
    assert!(
        plan.contains("DriftScan: orders @SEQ:3 access=index_eq(by_customer)"),
        "{plan}"
    );
    let range = "SELECT id FROM orders WHERE customer > 'c2' ORDER BY id";
    assert_eq!(query(&engine, range).await?, rows(&[&["1"]]));
    assert!(
        explain(&engine, range)
            .await?
            .contains("access=index_range(by_customer)")
    );
    Ok(())
}

#[tokio::test]
async fn unusable_filters_fall_back_to_a_full_scan_and_datafusion_filters() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id FROM orders WHERE id + 0 = 4";
    assert_eq!(query(&engine, sql).await?, rows(&[&["4"]]));
    let plan = explain(&engine, sql).await?;
    assert!(plan.contains("access=full_scan"), "{plan}");
    assert!(plan.contains("FilterExec"), "{plan}");
    Ok(())
}

#[tokio::test]
async fn limit_is_pushed_into_the_scan() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id FROM orders LIMIT 3";
    assert_eq!(query(&engine, sql).await?.len(), 3);
    assert!(explain(&engine, sql).await?.contains("limit=3"));
    Ok(())
}

#[tokio::test]
async fn in_lists_on_the_key_are_point_lookups() -> Result<()> {
    let engine = engine()?;
    let sql = "SELECT id, status FROM orders WHERE id IN (3, 2, 3, 99) ORDER BY id";
    assert_eq!(
        query(&engine, sql).await?,
        rows(&[&["2", "shipped"], &["3", "NULL"]])
    );
    let plan = explain(&engine, sql).await?;
    assert!(plan.contains("access=pk_points(id) keys=3"), "{plan}");
    assert!(!plan.contains("FilterExec"), "{plan}");
    Ok(())
}

#[tokio::test]
async fn time_travel_works_inside_ctes_and_subqueries() -> Result<()> {
    let engine = engine()?;
    let cte = "WITH old AS (SELECT id, status FROM orders FOR SYSTEM_TIME AS OF 1) \
               SELECT o.status, n.status FROM old o JOIN orders n ON o.id = n.id WHERE o.id = 2";
    assert_eq!(query_tt(&engine, cte).await?, rows(&[&["new", "shipped"]]));
    let sub = "SELECT id FROM orders WHERE id NOT IN \
               (SELECT id FROM orders FOR SYSTEM_TIME AS OF 3) ORDER BY id";
    assert_eq!(query_tt(&engine, sub).await?, rows(&[&["3"], &["11"]]));
    Ok(())
}

/// Scans `orders` at @5 directly through the provider with `id > 4` and `limit`.
async fn scan_orders(limit: Option<usize>) -> Result<Vec<Vec<String>>> {
    use datafusion::catalog::TableProvider;
    use datafusion::logical_expr::{col, lit};
    use driftdb_sql::{ReadPoint, provider_for};

    let provider = provider_for(crate::common::orders()?, ReadPoint::AsOf(5))?;
    let ctx = datafusion::prelude::SessionContext::new();
    let filters = [col("id").gt(lit(4i64))];
    let plan = provider.scan(&ctx.state(), None, &filters, limit).await?;
    let batches = datafusion::physical_plan::collect(plan, ctx.task_ctx()).await?;
    crate::common::cells(&batches)
}

#[tokio::test]
async fn the_scan_itself_honours_limits_and_filters() -> Result<()> {
    assert!(scan_orders(Some(0)).await?.is_empty());
    let two = scan_orders(Some(2)).await?;
    assert_eq!(
        two.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["5", "6"]
    );
    assert_eq!(scan_orders(None).await?.len(), 7);
    Ok(())
}
