//! Point reads by primary key skip DataFusion (`sql/src/point.rs`); they must answer exactly
//! as the general path does. Each statement here runs as written and again with `LIMIT 7`
//! appended, which the point path does not take (and which changes nothing for at most one
//! row): schemas (names, types, nullability), rows, and errors must agree.

use anyhow::Result;
use driftdb_sql::{Database, Outcome};

use crate::common::cells;

/// What a client sees of one statement: its columns and rows, or its error's SQLSTATE.
async fn seen(db: &Database, sql: &str) -> Result<String, String> {
    let outcome: Outcome = db
        .execute(sql)
        .await
        .map_err(|e| e.sqlstate().to_string())?
        .pop()
        .ok_or("no outcome")?;
    let rows = outcome.rows.ok_or("no rows")?;
    let fields: Vec<String> = rows
        .schema
        .fields()
        .iter()
        .map(|f| format!("{} {} {}", f.name(), f.data_type(), f.is_nullable()))
        .collect();
    let cells = cells(&rows.batches).map_err(|e| e.to_string())?;
    Ok(format!("{fields:?} {cells:?}"))
}

async fn setup(db: &Database) -> Result<(u64, u64)> {
    db.execute(
        "CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, \
         balance NUMERIC(12,2), note VARCHAR(10))",
    )
    .await?;
    db.execute("CREATE TABLE pairs (a INT, b TEXT, v DOUBLE PRECISION, PRIMARY KEY (a, b))")
        .await?;
    db.execute(
        "CREATE TABLE small (id SMALLINT PRIMARY KEY, at TIMESTAMPTZ, day DATE, flag BOOLEAN)",
    )
    .await?;
    db.execute("CREATE TABLE names (name VARCHAR(20) PRIMARY KEY, n INT)")
        .await?;
    db.execute(
        "INSERT INTO accounts VALUES (1, 'ann', 10.50, 'x'), (2, 'bob', NULL, NULL), \
         (-3, 'cy', 0, 'neg')",
    )
    .await?;
    db.execute("INSERT INTO pairs VALUES (1, 'a', 1.5), (1, 'b', -2), (2, 'a', NULL)")
        .await?;
    db.execute(
        "INSERT INTO small VALUES (7, '2026-01-02 03:04:05+00', '2026-01-02', true), \
         (-32768, NULL, NULL, NULL)",
    )
    .await?;
    db.execute("INSERT INTO names VALUES ('Zoë', 1), ('it''s', 2)")
        .await?;
    let before = db.last_sequence().unwrap_or(0);
    db.execute("UPDATE accounts SET balance = 99, note = 'later' WHERE id = 1")
        .await?;
    db.execute("DELETE FROM accounts WHERE id = 2").await?;
    let after = db.last_sequence().unwrap_or(0);
    Ok((before, after))
}

#[tokio::test]
async fn point_reads_answer_as_the_general_path() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    let (before, after) = setup(&db).await?;
    let statements = [
        // Taken by the point path.
        "SELECT owner, balance FROM accounts WHERE id = 1".to_string(),
        "SELECT * FROM accounts WHERE id = 1".into(),
        "SELECT * FROM accounts WHERE 1 = id".into(),
        "SELECT note, owner, id FROM accounts WHERE (id = 1)".into(),
        "SELECT a.owner FROM accounts AS a WHERE a.id = 1".into(),
        "SELECT accounts.owner FROM accounts WHERE accounts.id = -3".into(),
        "SELECT OWNER FROM Accounts WHERE ID = 1".into(),
        "SELECT owner FROM public.accounts WHERE id = 1".into(),
        "SELECT owner FROM accounts WHERE id = 2".into(),
        "SELECT owner FROM accounts WHERE id = 424242".into(),
        "SELECT owner FROM accounts WHERE id = CAST(1 AS BIGINT)".into(),
        "SELECT owner FROM accounts WHERE id = (1)::BIGINT".into(),
        "SELECT owner FROM accounts WHERE id = ('1')::BIGINT".into(),
        "SELECT owner FROM accounts WHERE id = -(3)".into(),
        format!(
            "SELECT owner, balance FROM accounts FOR SYSTEM_TIME AS OF @SEQ:{before} WHERE id = 1"
        ),
        format!("SELECT * FROM accounts FOR SYSTEM_TIME AS OF @SEQ:{before} WHERE id = 2"),
        format!("SELECT * FROM accounts FOR SYSTEM_TIME AS OF @SEQ:{after} WHERE id = 2"),
        "SELECT * FROM pairs WHERE a = 1 AND b = 'b'".into(),
        "SELECT v FROM pairs WHERE b = 'a' AND a = 2".into(),
        "SELECT * FROM small WHERE id = 7".into(),
        "SELECT * FROM small WHERE id = -32768".into(),
        "SELECT n FROM names WHERE name = 'Zoë'".into(),
        "SELECT n FROM names WHERE name = 'it''s'".into(),
        "SELECT n FROM names WHERE name = 'zoë'".into(),
        // Left to the general path (errors included).
        "SELECT owner FROM accounts WHERE id = 1 AND owner = 'ann'".into(),
        "SELECT owner FROM accounts WHERE id = 1.0".into(),
        "SELECT owner FROM accounts WHERE id = '1'".into(),
        "SELECT owner FROM accounts WHERE id = 99999999999999999999".into(),
        "SELECT * FROM small WHERE id = 40000".into(),
        "SELECT owner, owner FROM accounts WHERE id = 1".into(),
        "SELECT missing FROM accounts WHERE id = 1".into(),
        "SELECT owner FROM nowhere WHERE id = 1".into(),
        "SELECT owner FROM accounts WHERE id = NULL".into(),
        "SELECT __sequence FROM accounts WHERE id = 1".into(),
        "SELECT v FROM pairs WHERE a = 1".into(),
        "SELECT v FROM pairs WHERE a = 1 AND a = 1".into(),
        "SELECT owner FROM accounts FOR SYSTEM_TIME AS OF @SEQ:999999 WHERE id = 1".into(),
        "SELECT owner FROM accounts FOR SYSTEM_TIME AS OF @SEQ:0 WHERE id = 1".into(),
        "SELECT x.owner FROM accounts WHERE x.id = 1".into(),
    ];
    for sql in &statements {
        let limited = format!("{sql} LIMIT 7");
        assert_eq!(seen(&db, sql).await, seen(&db, &limited).await, "{sql}");
    }
    // Not every one is an error: the statements above mean something.
    assert!(seen(&db, &statements[0]).await.is_ok());
    Ok(())
}

/// A transaction's own writes are not in the table yet: its point reads see them (through
/// the general path), and others' do not.
#[tokio::test]
async fn point_reads_in_a_transaction_see_its_writes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    setup(&db).await?;
    let mut mine = db.session();
    // Boxed: a session's statement future is large in debug builds, and the test thread's
    // stack holds the test's own future.
    Box::pin(mine.execute("BEGIN")).await?;
    Box::pin(mine.execute("UPDATE accounts SET owner = 'mine' WHERE id = 1")).await?;
    let read = |outcomes: Vec<Outcome>| -> Result<Vec<Vec<String>>> {
        let rows = outcomes
            .into_iter()
            .last()
            .and_then(|o| o.rows)
            .ok_or_else(|| anyhow::anyhow!("no rows"))?;
        cells(&rows.batches)
    };
    let sql = "SELECT owner FROM accounts WHERE id = 1";
    assert_eq!(read(Box::pin(mine.execute(sql)).await?)?, [["mine"]]);
    assert_eq!(read(Box::pin(db.execute(sql)).await?)?, [["ann"]]);
    Box::pin(mine.execute("COMMIT")).await?;
    assert_eq!(read(Box::pin(db.execute(sql)).await?)?, [["mine"]]);
    Ok(())
}

/// Describing a point read with parameters for its key (the extended protocol's Parse)
/// also skips the planner, and says what the planner would.
#[tokio::test]
async fn point_reads_with_parameters_describe_as_the_general_path() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    setup(&db).await?;
    let mut session = db.session();
    for sql in [
        "SELECT owner, balance FROM accounts WHERE id = $1",
        "SELECT * FROM accounts WHERE $1 = id",
        "SELECT * FROM pairs WHERE a = $1 AND b = $2",
        "SELECT v FROM pairs WHERE b = $1 AND a = 1",
        "SELECT * FROM small WHERE id = $1",
        "SELECT n FROM names WHERE name = $1",
        "SELECT owner FROM accounts WHERE id = $1 AND owner = $2",
        "SELECT owner FROM accounts WHERE id = $1::INT",
    ] {
        let fast = Box::pin(session.describe(sql)).await?;
        let planned = Box::pin(session.describe(&format!("{sql} LIMIT 7"))).await?;
        assert_eq!(fast.parameters, planned.parameters, "{sql}");
        assert_eq!(fast.columns, planned.columns, "{sql}");
        // And binding runs it.
        let params: Vec<driftdb_sql::Param> = fast
            .parameters
            .iter()
            .map(|t| driftdb_sql::Param {
                value: match t.as_ref().map(|f| f.data_type()) {
                    Some(datafusion::arrow::datatypes::DataType::Utf8) => {
                        driftdb_sql::ParamValue::Text("a".into())
                    }
                    _ => driftdb_sql::ParamValue::Int(1),
                },
                sql_type: None,
            })
            .collect();
        Box::pin(session.execute_bound_statement(fast.statement, &params)).await?;
    }
    Ok(())
}
