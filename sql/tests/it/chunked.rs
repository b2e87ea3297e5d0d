//! Chunked full scans of tables larger than one chunk, checked against the key-ordered walk
//! (a primary-key range over every key takes that path) at every sequence of a history of
//! updates, deletes, inserts into a new chunk and a truncate, from the cache and without it,
//! and after a restart from a checkpoint.

use anyhow::Result;
use driftdb_sql::Database;

use crate::common::{cells, rows};

const PREDICATES: &[&str] = &[
    "",
    "g = 5",
    "g IN (1, 2, 3)",
    "v BETWEEN 100 AND 5000",
    "note < 'row 2'",
    "note = 'changed'",
    "g > 50 AND v <= 20000",
];

async fn query(db: &Database, sql: &str) -> Result<Vec<Vec<String>>> {
    // Boxed: debug builds' query futures are large for a test thread's stack.
    cells(&Box::pin(db.query(sql)).await?)
}

async fn exec(db: &Database, sql: &str) -> Result<()> {
    Box::pin(db.execute(sql)).await?;
    Ok(())
}

async fn plan(db: &Database, sql: &str) -> Result<String> {
    Ok(query(db, &format!("EXPLAIN {sql}"))
        .await?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n"))
}

fn with_where(predicate: &str, extra: Option<&str>) -> String {
    match (predicate, extra) {
        ("", None) => String::new(),
        ("", Some(e)) => format!(" WHERE {e}"),
        (p, None) => format!(" WHERE {p}"),
        (p, Some(e)) => format!(" WHERE {p} AND {e}"),
    }
}

/// Every query of the test at `seq`, chunked (twice: converted, then cached) and walked.
async fn agree_at(db: &Database, seq: u64) -> Result<()> {
    let every_key = Some("id >= -1");
    for (i, predicate) in PREDICATES.iter().enumerate() {
        let point = format!("FOR SYSTEM_TIME AS OF @SEQ:{seq}");
        let totals = "SELECT count(*), sum(v), count(note), min(note), max(note), \
                      max(__sequence), min(id), max(id) FROM big";
        let groups = "SELECT g, count(*), sum(v) FROM big";
        for (sql, walked) in [
            (
                format!("{totals} {point}{}", with_where(predicate, None)),
                format!("{totals} {point}{}", with_where(predicate, every_key)),
            ),
            (
                format!(
                    "{groups} {point}{} GROUP BY g ORDER BY g",
                    with_where(predicate, None)
                ),
                format!(
                    "{groups} {point}{} GROUP BY g ORDER BY g",
                    with_where(predicate, every_key)
                ),
            ),
        ]
        .into_iter()
        .take(if i < 3 { 2 } else { 1 })
        {
            let expected = query(db, &walked).await?;
            if i == 1 {
                let shown = plan(db, &walked).await?;
                assert!(shown.contains("access=pk_range(id)"), "{walked}: {shown}");
                let shown = plan(db, &sql).await?;
                assert!(shown.contains("chunked partitions="), "{sql}: {shown}");
            }
            assert_eq!(query(db, &sql).await?, expected, "{sql} (converted)");
            assert_eq!(query(db, &sql).await?, expected, "{sql} (cached)");
        }
    }
    Ok(())
}

async fn last(db: &Database) -> u64 {
    db.last_sequence().expect("committed")
}

#[tokio::test]
async fn chunked_scans_agree_with_the_key_ordered_walk_at_every_sequence() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut seqs = Vec::new();
    {
        let db = Database::open(dir.path())?;
        exec(
            &db,
            "CREATE TABLE big (id BIGINT PRIMARY KEY, g INT, v BIGINT, note TEXT)",
        )
        .await?;
        exec(
            &db,
            "INSERT INTO big SELECT value, value % 100, value * 7 % 10007, \
             CASE WHEN value % 7 = 0 THEN NULL ELSE 'row ' || value END \
             FROM generate_series(1, 40000) AS s(value)",
        )
        .await?;
        seqs.push(last(&db).await);
        for change in [
            "UPDATE big SET v = v + 1000 WHERE id % 10 = 0",
            "DELETE FROM big WHERE id % 13 = 0",
            "INSERT INTO big SELECT value, value % 100, value + 0, 'late' FROM generate_series(40001, 50000) AS s(value)",
            "UPDATE big SET note = 'changed' WHERE id BETWEEN 100 AND 200",
            "UPDATE big SET g = 5 WHERE id = 45000",
        ] {
            exec(&db, change).await?;
            seqs.push(last(&db).await);
        }
        for &seq in &seqs {
            agree_at(&db, seq).await?;
        }
        // Reading the present goes through the same chunks.
        let now = query(&db, "SELECT count(*) FROM big").await?;
        let walked = query(&db, "SELECT count(*) FROM big WHERE id >= -1").await?;
        assert_eq!(now, walked);
        let limited = query(&db, "SELECT id FROM big LIMIT 5").await?;
        assert_eq!(limited.len(), 5);
        exec(&db, "CHECKPOINT TABLE big").await?;
    }
    // Restored from the checkpoint: the chunks' histories are rebuilt from the chains.
    let db = Database::open(dir.path())?;
    for &seq in &seqs {
        agree_at(&db, seq).await?;
    }
    exec(&db, "TRUNCATE big").await?;
    exec(&db, "INSERT INTO big VALUES (7, 5, 70, 'again')").await?;
    let after = last(&db).await;
    assert_eq!(
        query(&db, "SELECT id, g, v, note FROM big WHERE g = 5").await?,
        rows(&[&["7", "5", "70", "again"]])
    );
    agree_at(&db, after - 1).await?;
    agree_at(&db, after).await?;
    agree_at(&db, seqs[2]).await?;
    Ok(())
}
