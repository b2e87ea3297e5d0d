//! Updates by primary key skip DataFusion (`PointUpdate` in `sql/src/session/dml.rs`); they
//! must write exactly what the general path writes. Two databases run the same statements,
//! the second with `AND TRUE` added to each `WHERE` (which the fast path does not take):
//! command tags, `RETURNING` rows, errors and the tables afterwards must agree.

use anyhow::Result;
use driftdb_sql::Database;

use crate::common::cells;

/// What a client sees of a script: each statement's tag and rows, or the error's SQLSTATE.
async fn seen(db: &Database, sql: &str) -> String {
    match Box::pin(db.execute(sql)).await {
        Err(e) => format!("error {}", e.sqlstate()),
        Ok(outcomes) => outcomes
            .iter()
            .map(|o| {
                let rows = o
                    .rows
                    .as_ref()
                    .map(|r| cells(&r.batches).map_err(|e| e.to_string()));
                format!("{} {rows:?}", o.tag)
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

const SETUP: &[&str] = &[
    "CREATE TABLE acc (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance BIGINT NOT NULL, \
     n INT, s SMALLINT, note VARCHAR(5), ratio DOUBLE PRECISION)",
    "CREATE TABLE names (name VARCHAR(20) PRIMARY KEY, n INT)",
    "CREATE TABLE pairs (a INT, b TEXT, v BIGINT, PRIMARY KEY (a, b))",
    "INSERT INTO acc VALUES (1, 'ann', 100, 2147483647, 30000, 'x', 0.5), \
     (2, 'bob', -5, NULL, NULL, NULL, NULL), (3, 'cy', 9223372036854775806, 1, 1, 'n', 1)",
    "INSERT INTO names VALUES ('Zoë', 1), ('it''s', 2)",
    "INSERT INTO pairs VALUES (1, 'a', 10), (1, 'b', 20)",
];

const UPDATES: &[&str] = &[
    "UPDATE acc SET balance = balance + 5 WHERE id = 1",
    "UPDATE acc SET balance = balance - -5, owner = 'zed' WHERE id = 2",
    "UPDATE acc SET balance = balance + 1 WHERE id = 3",
    "UPDATE acc SET balance = balance + 1 WHERE id = 3",
    "UPDATE acc SET balance = balance - 9223372036854775807 WHERE id = 2",
    "UPDATE acc SET owner = NULL WHERE id = 1",
    "UPDATE acc SET note = NULL, n = -7 WHERE acc.id = 1",
    "UPDATE acc SET n = n + 1 WHERE id = 2",
    "UPDATE acc SET n = n + 1 WHERE id = 3",
    "UPDATE acc SET s = s + 40000 WHERE id = 3",
    "UPDATE acc SET s = s + 2767 WHERE id = 1",
    "UPDATE acc SET s = s + 1 WHERE id = 1",
    "UPDATE acc SET n = balance + 1 WHERE id = 1",
    "UPDATE acc SET balance = n + 1 WHERE id = 3",
    "UPDATE acc SET note = 'toolong' WHERE id = 1",
    "UPDATE acc SET owner = 'it''s' WHERE id = 1",
    "UPDATE acc SET ratio = 2 WHERE id = 1",
    "UPDATE acc SET id = 10 WHERE id = 1",
    "UPDATE acc SET balance = 1 WHERE id = 99",
    "UPDATE acc SET balance = 1 WHERE id = 99 RETURNING id",
    "UPDATE acc SET balance = balance + 1, owner = owner WHERE id = 2 RETURNING id, balance, owner",
    "UPDATE acc AS a SET balance = CAST('7' AS BIGINT) WHERE a.id = CAST('2' AS BIGINT)",
    "UPDATE acc SET balance = '7' WHERE id = 2",
    "UPDATE acc SET balance = balance + 1, balance = 3 WHERE id = 2",
    "UPDATE acc SET missing = 1 WHERE id = 2",
    "UPDATE acc SET balance = 1 WHERE id = 'two'",
    "UPDATE names SET n = n + 1 WHERE name = 'Zoë'",
    "UPDATE pairs SET v = v * 2 WHERE a = 1 AND b = 'a'",
    "UPDATE pairs SET v = v + 2 WHERE b = 'b' AND a = 1",
    "UPDATE pairs SET v = v + 2 WHERE a = 1",
    "BEGIN; UPDATE acc SET balance = balance + 1 WHERE id = 2; \
     UPDATE acc SET balance = balance + 1 WHERE id = 2; COMMIT",
];

const TABLES: &[&str] = &[
    "SELECT * FROM acc ORDER BY id",
    "SELECT * FROM names ORDER BY name",
    "SELECT * FROM pairs ORDER BY a, b",
];

/// `sql` with `AND TRUE` after each `WHERE` clause's condition.
fn general(sql: &str) -> String {
    sql.split("; ")
        .map(|s| match s.find(" RETURNING") {
            Some(at) if s.contains(" WHERE ") => format!("{} AND TRUE{}", &s[..at], &s[at..]),
            None if s.contains(" WHERE ") => format!("{s} AND TRUE"),
            _ => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn updates_by_key_write_what_the_general_path_writes() -> Result<()> {
    let (a, b) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let (fast, slow) = (Database::open(a.path())?, Database::open(b.path())?);
    for sql in SETUP {
        Box::pin(fast.execute(sql)).await?;
        Box::pin(slow.execute(sql)).await?;
    }
    for sql in UPDATES {
        let planned = general(sql);
        assert_ne!(planned, *sql);
        assert_eq!(seen(&fast, sql).await, seen(&slow, &planned).await, "{sql}");
        for table in TABLES {
            assert_eq!(
                seen(&fast, table).await,
                seen(&slow, table).await,
                "after {sql}"
            );
        }
    }
    // The history agrees too: the same versions at the same sequences.
    let history = "SELECT id, balance, owner, __valid_from_seq, __operation \
                   FROM acc FOR SYSTEM_TIME ALL ORDER BY id, __valid_from_seq";
    assert_eq!(seen(&fast, history).await, seen(&slow, history).await);
    Ok(())
}
