//! The embedded database end to end: SQL text in, committed ledger records and query rows out,
//! across a reopen.

use anyhow::Result;
use driftdb_sql::{Database, Error, Outcome};

use crate::common::{cells, rows};

async fn query(db: &Database, sql: &str) -> Result<Vec<Vec<String>>> {
    cells(&db.query(sql).await?)
}

fn tag_and_seq(outcome: &Outcome) -> (String, Option<u64>) {
    match &outcome.rows {
        None => (outcome.tag.to_string(), outcome.seq),
        Some(_) => ("rows".into(), None),
    }
}

#[tokio::test]
async fn create_insert_select_and_time_travel_survive_a_reopen() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let first_insert;
    {
        let db = Database::open(dir.path())?;
        let created = db
            .execute("CREATE TABLE products (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2))")
            .await?;
        assert_eq!(tag_and_seq(&created[0]).0, "CREATE TABLE");
        let inserted = db
            .execute("INSERT INTO products VALUES (1, 'Widget', 9.99), (2, 'Gadget', 24.50)")
            .await?;
        let (tag, seq) = tag_and_seq(&inserted[0]);
        assert_eq!(tag, "INSERT 0 2");
        first_insert = seq.expect("an insert commits");
        db.execute("INSERT INTO products (id, name) VALUES (3, 'Gizmo')")
            .await?;
        assert_eq!(db.last_sequence(), Some(first_insert + 1));
    }
    let db = Database::open(dir.path())?;
    assert_eq!(
        query(&db, "SELECT id, name, price FROM products ORDER BY id").await?,
        rows(&[
            &["1", "Widget", "9.99"],
            &["2", "Gadget", "24.50"],
            &["3", "Gizmo", "NULL"]
        ])
    );
    let then = format!("SELECT count(*) FROM products FOR SYSTEM_TIME AS OF @SEQ:{first_insert}");
    assert_eq!(query(&db, &then).await?, rows(&[&["2"]]));
    let max = "SELECT MAX(__sequence) FROM products";
    assert_eq!(
        query(&db, max).await?,
        rows(&[&[&(first_insert + 1).to_string()]])
    );
    Ok(())
}

#[tokio::test]
async fn errors_carry_their_sqlstate_and_write_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE t (pk=id, INDEX(name), id INT, name TEXT)")
        .await?;
    db.execute("INSERT INTO t VALUES (1, 'a')").await?;
    let last = db.last_sequence();
    let code = |r: Result<Vec<Outcome>, Error>| r.map(|_| ()).unwrap_err().sqlstate();
    assert_eq!(
        code(db.execute("INSERT INTO t VALUES (1, 'again')").await),
        "23505"
    );
    assert_eq!(
        code(db.execute("INSERT INTO t VALUES (2, 'x'), (2, 'y')").await),
        "23505"
    );
    assert_eq!(
        code(db.execute("INSERT INTO t VALUES (NULL, 'x')").await),
        "23502"
    );
    assert_eq!(code(db.execute("SELECT * FROM missing").await), "42P01");
    assert_eq!(
        code(db.execute("INSERT INTO missing VALUES (1)").await),
        "42P01"
    );
    assert_eq!(
        code(
            db.execute("CREATE TABLE twokeys (a INT PRIMARY KEY, b INT PRIMARY KEY)")
                .await
        ),
        "42P16"
    );
    assert_eq!(code(db.execute("SELEC 1").await), "42601");
    assert_eq!(
        code(
            db.execute("INSERT INTO t VALUES ('not a number', 'x')")
                .await
        ),
        "22P02"
    );
    assert_eq!(
        db.last_sequence(),
        last,
        "no failed statement reached the ledger"
    );
    // The legacy form declared an index, and queries use it.
    let plan = cells(
        &db.query("EXPLAIN SELECT id FROM t WHERE name = 'a'")
            .await?,
    )?;
    assert!(
        plan.iter().flatten().any(|c| c.contains("access=index_eq")),
        "{plan:?}"
    );
    Ok(())
}

#[tokio::test]
async fn update_and_delete_keep_history() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE products (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2))")
        .await?;
    db.execute("INSERT INTO products VALUES (1, 'Widget', 10.00), (2, 'Gadget', 20.00), (3, 'Gizmo', 30.00)")
        .await?;
    let before = db.last_sequence().expect("committed");
    // A 10% discount computed from the old price, on two rows.
    let updated = db
        .execute("UPDATE products SET price = price * 0.9 WHERE id <= 2")
        .await?;
    assert_eq!(tag_and_seq(&updated[0]).0, "UPDATE 2");
    let deleted = db
        .execute("DELETE FROM products WHERE name = 'Gizmo'")
        .await?;
    assert_eq!(tag_and_seq(&deleted[0]).0, "DELETE 1");
    assert_eq!(
        tag_and_seq(&db.execute("DELETE FROM products WHERE id = 99").await?[0]),
        ("DELETE 0".into(), None)
    );

    assert_eq!(
        query(&db, "SELECT id, price FROM products ORDER BY id").await?,
        rows(&[&["1", "9.00"], &["2", "18.00"]])
    );
    let then =
        format!("SELECT id, price FROM products FOR SYSTEM_TIME AS OF @SEQ:{before} ORDER BY id");
    assert_eq!(
        query(&db, &then).await?,
        rows(&[&["1", "10.00"], &["2", "20.00"], &["3", "30.00"]])
    );
    // The delete is history too.
    let all = "SELECT price, __operation FROM products FOR SYSTEM_TIME ALL WHERE id = 3 ORDER BY __sequence";
    assert_eq!(
        query(&db, all).await?,
        rows(&[&["30.00", "INSERT"], &["30.00", "DELETE"]])
    );
    // Changing a key moves the row; an unknown column is 42703.
    db.execute("UPDATE products SET id = 10 WHERE id = 1")
        .await?;
    assert_eq!(
        query(&db, "SELECT id FROM products ORDER BY id").await?,
        rows(&[&["2"], &["10"]])
    );
    let err = db
        .execute("UPDATE products SET nope = 1")
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.sqlstate(), "42703");
    Ok(())
}

/// Indexes and unique indexes created between a transaction's rows (a migration that loads
/// data, indexes it and loads more) commit as one record that applies, and reapplies on
/// reopen: a table takes all its rows of one record at once, whatever DDL stands between
/// them. (Applying them in two pieces at one sequence once failed after the record was
/// written, and the database would not open again.)
#[tokio::test]
async fn indexes_between_a_transactions_rows_commit_and_survive_a_reopen() -> Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let db = Database::open(dir.path())?;
        db.execute(
            "BEGIN;
             CREATE TABLE t (id INT PRIMARY KEY, code TEXT);
             INSERT INTO t VALUES (1, 'a');
             CREATE INDEX t_code ON t (code);
             CREATE UNIQUE INDEX t_code_unique ON t (code);
             INSERT INTO t VALUES (2, 'b');
             COMMIT;
             BEGIN;
             INSERT INTO t VALUES (3, 'c');
             DROP INDEX t_code;
             CREATE INDEX t_id_code ON t (id, code);
             UPDATE t SET code = 'd' WHERE id = 3;
             COMMIT;",
        )
        .await?;
    }
    let db = Database::open(dir.path())?;
    assert_eq!(
        query(&db, "SELECT id, code FROM t ORDER BY id").await?,
        rows(&[&["1", "a"], &["2", "b"], &["3", "d"]])
    );
    assert_eq!(
        query(&db, "SELECT id FROM t WHERE code = 'd'").await?,
        rows(&[&["3"]])
    );
    let duplicate = db
        .execute("INSERT INTO t VALUES (4, 'a')")
        .await
        .expect_err("the unique index holds after the reopen");
    assert_eq!(duplicate.sqlstate(), "23505", "{duplicate}");
    Ok(())
}

/// `ALTER TABLE ... RENAME TO`: the rows, indexes and constraints go to the new name; the
/// old name reads the table as it was before the rename, and is free for a new table; all
/// of it as before after a reopen.
#[tokio::test]
async fn a_renamed_table_keeps_its_rows_and_its_past_keeps_the_old_name() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let before;
    {
        let db = Database::open(dir.path())?;
        db.execute(
            "CREATE TABLE stock (id INT PRIMARY KEY, item TEXT UNIQUE);
             CREATE INDEX stock_by_item ON stock (item);
             INSERT INTO stock VALUES (1, 'a'), (2, 'b');
             UPDATE stock SET item = 'c' WHERE id = 2;",
        )
        .await?;
        before = db.last_sequence().expect("commits");
        db.execute("ALTER TABLE stock RENAME TO inventory").await?;
        // One inside a block that rolls back leaves the name as it was.
        let mut session = db.session();
        session
            .execute(
                "BEGIN; ALTER TABLE inventory RENAME TO goods; INSERT INTO goods VALUES (3, 'd');",
            )
            .await?;
        session.execute("ROLLBACK").await?;
        assert_eq!(query(&db, "SELECT count(*) FROM inventory").await?, [["2"]]);
        assert!(db.execute("SELECT * FROM goods").await.is_err());
        db.execute("CREATE TABLE stock (sku TEXT PRIMARY KEY)")
            .await?;
        let taken = db
            .execute("ALTER TABLE inventory RENAME TO stock")
            .await
            .expect_err("the name is taken");
        assert_eq!(taken.sqlstate(), "42P07", "{taken}");
    }
    let db = Database::open(dir.path())?;
    assert_eq!(
        query(&db, "SELECT id, item FROM inventory ORDER BY id").await?,
        rows(&[&["1", "a"], &["2", "c"]])
    );
    let plan = query(&db, "EXPLAIN SELECT id FROM inventory WHERE item = 'c'").await?;
    assert!(
        format!("{plan:?}").contains("index_eq(stock_by_item)"),
        "{plan:?}"
    );
    let duplicate = db
        .execute("INSERT INTO inventory VALUES (3, 'a')")
        .await
        .expect_err("the unique constraint came along");
    assert_eq!(duplicate.sqlstate(), "23505", "{duplicate}");
    // The old name at a point before the rename is the old table.
    assert_eq!(
        query(
            &db,
            &format!("SELECT id, item FROM stock FOR SYSTEM_TIME AS OF @SEQ:{before} ORDER BY id")
        )
        .await?,
        rows(&[&["1", "a"], &["2", "c"]])
    );
    assert_eq!(
        query(&db, "SELECT count(*) FROM stock").await?,
        rows(&[&["0"]])
    );
    let unborn = db
        .query(&format!(
            "SELECT * FROM inventory FOR SYSTEM_TIME AS OF @SEQ:{before}"
        ))
        .await
        .expect_err("no table had the new name then");
    assert_eq!(unborn.sqlstate(), "42P01", "{unborn}");
    Ok(())
}

/// The rows of the last outcome of `sql` run in `session`.
async fn session_query(session: &mut driftdb_sql::Session, sql: &str) -> Result<Vec<Vec<String>>> {
    let outcome = session.execute(sql).await?.pop().expect("one statement");
    cells(&outcome.rows.expect("a query").batches)
}

#[tokio::test]
async fn temporary_tables_are_private_to_their_session_and_die_with_it() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let crash = tempfile::tempdir()?;
    let last;
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)")
            .await?;
        db.execute("INSERT INTO notes VALUES (1, 'shared')").await?;
        let mut mine = db.session();
        let mut other = db.session();
        mine.execute("CREATE TEMP TABLE notes (id INT PRIMARY KEY, body TEXT)")
            .await?;
        mine.execute("INSERT INTO notes VALUES (2, 'private')")
            .await?;
        assert_eq!(
            session_query(&mut mine, "SELECT * FROM notes").await?,
            rows(&[&["2", "private"]])
        );
        // The other session reads the permanent table, and cannot name the temporary one.
        assert_eq!(
            session_query(&mut other, "SELECT * FROM notes").await?,
            rows(&[&["1", "shared"]])
        );
        let stored = session_query(
            &mut mine,
            "SELECT relnamespace::regnamespace::text FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'",
        )
        .await?;
        let [schema] = stored[0].as_slice() else {
            panic!("one temporary table: {stored:?}");
        };
        let number = schema.strip_prefix("pg_temp_").expect("a temporary schema");
        for sql in [
            format!("SELECT * FROM pg_temp_{number}_notes"),
            format!("SELECT * FROM {schema}.notes"),
            format!("DROP TABLE pg_temp_{number}_notes"),
        ] {
            let refused = other.execute(&sql).await.expect_err("not its table");
            assert_eq!(refused.sqlstate(), "0A000", "{sql}: {refused}");
        }
        assert_eq!(
            session_query(
                &mut other,
                "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
            )
            .await?,
            rows(&[&["0"]])
        );
        // Any role may make and use temporary tables, as PostgreSQL grants TEMPORARY to
        // all; permanent ones stay the superuser's.
        db.execute("CREATE ROLE clerk LOGIN").await?;
        let mut clerk = db.session();
        clerk.set_role(Some("clerk".to_string()));
        clerk
            .execute(
                "CREATE TEMP TABLE notes (id INT PRIMARY KEY, body TEXT);
                 CREATE INDEX clerk_body ON notes (body);
                 INSERT INTO notes VALUES (3, 'clerk''s');
                 UPDATE notes SET body = upper(body) WHERE id = 3;",
            )
            .await?;
        assert_eq!(
            session_query(&mut clerk, "SELECT * FROM notes").await?,
            rows(&[&["3", "CLERK'S"]])
        );
        for sql in [
            "SELECT * FROM public.notes",
            "CREATE TABLE clerk_table (id INT PRIMARY KEY)",
        ] {
            let denied = clerk.execute(sql).await.expect_err("not the clerk's");
            assert_eq!(denied.sqlstate(), "42501", "{sql}: {denied}");
        }
        clerk.execute("DROP TABLE notes").await?;
        drop(clerk);

        // The session's end drops its temporary tables: one more commit.
        let before = db.last_sequence();
        drop(mine);
        assert_eq!(db.last_sequence(), before.map(|s| s + 1));
        let dropped = db
            .query(&format!(
                "SELECT count(*) FROM pg_temp_{number}_notes FOR SYSTEM_TIME AS OF @SEQ:{}",
                before.expect("commits")
            ))
            .await
            .expect_err("not the new session's table either");
        assert_eq!(dropped.sqlstate(), "0A000", "{dropped}");

        // A crash (the data directory copied while a session holds a temporary table)
        // leaves the table behind...
        let mut crashed = db.session();
        crashed
            .execute("CREATE TEMP TABLE scratch (id INT PRIMARY KEY)")
            .await?;
        copy_dir(dir.path(), crash.path())?;
        last = db.last_sequence();
    }
    // ...until the database opens again, which drops it: one more commit.
    let db = Database::open(crash.path())?;
    assert_eq!(db.last_sequence(), last.map(|s| s + 1));
    drop(db);
    let db = Database::open(crash.path())?;
    assert_eq!(
        db.last_sequence(),
        last.map(|s| s + 1),
        "nothing left to drop"
    );
    assert_eq!(
        query(&db, "SELECT * FROM notes").await?,
        rows(&[&["1", "shared"]])
    );
    Ok(())
}

/// Sequence values are never handed out twice: not after a reopen, and not after a crash
/// that loses the values reserved in memory (they are skipped).
#[tokio::test]
async fn sequence_values_are_never_given_twice_across_reopens_and_crashes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let crash = tempfile::tempdir()?;
    let mut seen = std::collections::BTreeSet::new();
    let mut take = |rows: Vec<Vec<String>>| -> Result<()> {
        for row in rows {
            let value: i64 = row[0].parse()?;
            assert!(seen.insert(value), "{value} was handed out twice");
        }
        Ok(())
    };
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, item TEXT)")
            .await?;
        let mut session = db.session();
        for _ in 0..5 {
            let outcome = session
                .execute("INSERT INTO orders (item) VALUES ('a'), ('b') RETURNING id")
                .await?
                .pop()
                .expect("one statement");
            take(cells(&outcome.rows.expect("RETURNING").batches)?)?;
        }
        // Another session shares the sequence.
        take(query(&db, "SELECT nextval('orders_id_seq')").await?)?;
        // A crash now: the data directory as it is, with values reserved but not handed
        // out.
        copy_dir(dir.path(), crash.path())?;
        take(query(&db, "SELECT nextval('orders_id_seq')").await?)?;
    }
    for path in [dir.path(), crash.path()] {
        let db = Database::open(path)?;
        let after = query(&db, "SELECT nextval('orders_id_seq')").await?;
        let value: i64 = after[0][0].parse()?;
        assert!(
            seen.iter().all(|&v| v < value),
            "{value} after a reopen of {path:?} is not past {seen:?}"
        );
        let rows = query(&db, "SELECT count(*) FROM orders").await?;
        assert_eq!(rows, [["10"]]);
    }
    Ok(())
}

/// A table without a primary key: its hidden row identities are never given twice, not by
/// two sessions, nor after a reopen or a crash that loses the block reserved in memory, nor
/// after a checkpoint; and they never become a session's `lastval`.
#[tokio::test]
async fn row_identities_are_never_given_twice_across_reopens_and_crashes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let crash = tempfile::tempdir()?;
    let ids = |rows: Vec<Vec<String>>| -> Result<Vec<i64>> {
        rows.iter().map(|r| Ok(r[0].parse::<i64>()?)).collect()
    };
    let before: Vec<i64>;
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE log (line TEXT)").await?;
        let mut one = db.session();
        let mut two = db.session();
        for _ in 0..3 {
            one.execute("INSERT INTO log VALUES ('a'), ('b')").await?;
            two.execute("INSERT INTO log VALUES ('c')").await?;
        }
        assert_eq!(sqlstate_of(&mut one, "SELECT lastval()").await, "55000");
        db.execute("CHECKPOINT TABLE log").await?;
        copy_dir(dir.path(), crash.path())?;
        one.execute("INSERT INTO log VALUES ('d')").await?;
        before = ids(query(&db, "SELECT rowid FROM log ORDER BY rowid").await?)?;
        let distinct: std::collections::BTreeSet<_> = before.iter().collect();
        assert_eq!(distinct.len(), 10, "{before:?}");
    }
    for (path, rows) in [(dir.path(), 10), (crash.path(), 9)] {
        let db = Database::open(path)?;
        db.execute("INSERT INTO log VALUES ('e')").await?;
        let after = ids(query(&db, "SELECT rowid FROM log ORDER BY rowid").await?)?;
        assert_eq!(after.len(), rows + 1);
        let new = after.last().copied().unwrap_or_default();
        assert!(
            before.iter().all(|&v| v < new),
            "{new} after a reopen of {path:?} is not past {before:?}"
        );
    }
    Ok(())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The SQLSTATE of `sql`'s error in `session`.
async fn sqlstate_of(session: &mut driftdb_sql::Session, sql: &str) -> String {
    match session.execute(sql).await {
        Ok(_) => "ok".to_string(),
        Err(e) => e.sqlstate().to_string(),
    }
}

#[tokio::test]
async fn a_foreign_key_holds_against_a_concurrent_transaction() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE users (id INT PRIMARY KEY)")
        .await?;
    db.execute("CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users)")
        .await?;
    db.execute("INSERT INTO users VALUES (1), (2)").await?;
    // One transaction references user 1 while another deletes it: each alone is right, and
    // each saw no conflict as its statements ran. The second to commit must fail.
    let mut writer = db.session();
    let mut deleter = db.session();
    writer.execute("BEGIN").await?;
    deleter.execute("BEGIN").await?;
    writer.execute("INSERT INTO posts VALUES (10, 1)").await?;
    deleter.execute("DELETE FROM users WHERE id = 1").await?;
    deleter.execute("COMMIT").await?;
    assert_eq!(sqlstate_of(&mut writer, "COMMIT").await, "23503");
    assert_eq!(query(&db, "SELECT count(*) FROM posts").await?, [["0"]]);
    // The other order: the reference commits first, and the delete fails.
    writer.execute("BEGIN").await?;
    deleter.execute("BEGIN").await?;
    deleter.execute("DELETE FROM users WHERE id = 2").await?;
    writer.execute("INSERT INTO posts VALUES (11, 2)").await?;
    writer.execute("COMMIT").await?;
    assert_eq!(sqlstate_of(&mut deleter, "COMMIT").await, "23503");
    assert_eq!(query(&db, "SELECT id FROM users").await?, [["2"]]);
    Ok(())
}

#[tokio::test]
async fn foreign_keys_survive_reopens_checkpoints_and_crashes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let crash = tempfile::tempdir()?;
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE users (id INT PRIMARY KEY)")
            .await?;
        db.execute(
            "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE)",
        )
        .await?;
        db.execute("INSERT INTO users VALUES (1), (2)").await?;
        db.execute("INSERT INTO posts VALUES (10, 1), (20, 2)")
            .await?;
        // One key in a checkpoint, one added after it (replayed from the ledger).
        db.checkpoint()?;
        db.execute("CREATE TABLE likes (id INT PRIMARY KEY, post_id INT)")
            .await?;
        db.execute(
            "ALTER TABLE likes ADD CONSTRAINT likes_post FOREIGN KEY (post_id) REFERENCES posts",
        )
        .await?;
        db.execute("INSERT INTO likes VALUES (1, 20)").await?;
        copy_dir(dir.path(), crash.path())?;
    }
    for path in [dir.path(), crash.path()] {
        let db = Database::open(path)?;
        let mut session = db.session();
        assert_eq!(
            sqlstate_of(&mut session, "INSERT INTO posts VALUES (30, 9)").await,
            "23503",
            "{path:?}"
        );
        assert_eq!(
            sqlstate_of(&mut session, "DELETE FROM posts WHERE id = 20").await,
            "23503",
            "{path:?}"
        );
        // The cascade still runs.
        db.execute("DELETE FROM users WHERE id = 1").await?;
        assert_eq!(query(&db, "SELECT id FROM posts").await?, [["20"]]);
    }
    Ok(())
}

#[tokio::test]
async fn rows_written_before_a_check_was_added_do_not_commit_unchecked() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE stock (id INT PRIMARY KEY, n INT)")
        .await?;
    let mut writer = db.session();
    writer.execute("BEGIN").await?;
    writer.execute("INSERT INTO stock VALUES (1, -5)").await?;
    // The check comes while the row waits: the table has no row to break it yet.
    db.execute("ALTER TABLE stock ADD CONSTRAINT stock_n CHECK (n >= 0)")
        .await?;
    assert_eq!(sqlstate_of(&mut writer, "COMMIT").await, "40001");
    assert_eq!(query(&db, "SELECT count(*) FROM stock").await?, [["0"]]);
    // Planned again, the same row meets the check.
    assert_eq!(
        sqlstate_of(&mut writer, "INSERT INTO stock VALUES (1, -5)").await,
        "23514"
    );
    Ok(())
}

#[tokio::test]
async fn an_alter_table_between_a_transactions_rows_commits_and_replays() -> Result<()> {
    let dir = tempfile::tempdir()?;
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE tags (id INT PRIMARY KEY, name TEXT)")
            .await?;
        db.execute("INSERT INTO tags VALUES (1, 'red'), (2, 'blue')")
            .await?;
        let mut session = db.session();
        for sql in [
            "BEGIN",
            "INSERT INTO tags VALUES (3, 'green')",
            "ALTER TABLE tags ADD COLUMN color TEXT DEFAULT 'none'",
            "UPDATE tags SET color = 'r' WHERE id = 1",
            "DELETE FROM tags WHERE id = 2",
            "INSERT INTO tags VALUES (4, 'pink', 'p')",
            "COMMIT",
        ] {
            session.execute(sql).await?;
        }
        // The record is one sequence: the old schema before it, the new one from it.
        assert_eq!(
            query(&db, "SELECT id, name, color FROM tags ORDER BY id").await?,
            [
                ["1", "red", "r"],
                ["3", "green", "none"],
                ["4", "pink", "p"]
            ]
        );
        assert_eq!(
            query(
                &db,
                "SELECT count(*) FROM tags FOR SYSTEM_TIME AS OF @SEQ:1"
            )
            .await?,
            [["2"]]
        );
    }
    let db = Database::open(dir.path())?;
    assert_eq!(
        query(&db, "SELECT id, name, color FROM tags ORDER BY id").await?,
        [
            ["1", "red", "r"],
            ["3", "green", "none"],
            ["4", "pink", "p"]
        ]
    );
    Ok(())
}

#[tokio::test]
async fn array_columns_survive_reopens_checkpoints_and_crashes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let crash = tempfile::tempdir()?;
    let first;
    {
        let db = Database::open(dir.path())?;
        db.execute("CREATE TABLE posts (id INT PRIMARY KEY, tags TEXT[], scores INT[])")
            .await?;
        let inserted = db
            .execute(r#"INSERT INTO posts VALUES (1, '{a,"b c",NULL}', ARRAY[1, 2])"#)
            .await?;
        first = tag_and_seq(&inserted[0]).1.expect("an insert commits");
        // One version in a checkpoint, the next replayed from the ledger.
        db.checkpoint()?;
        db.execute("UPDATE posts SET tags = array_append(tags, 'd'), scores = '{}' WHERE id = 1")
            .await?;
        db.execute("INSERT INTO posts VALUES (2, NULL, '{7}')")
            .await?;
        copy_dir(dir.path(), crash.path())?;
    }
    // (This helper prints Arrow's text, so the arrays are joined by SQL.)
    let shown =
        "array_to_string(tags, '|', '*'), array_to_string(scores, '|'), cardinality(scores)";
    for path in [dir.path(), crash.path()] {
        let db = Database::open(path)?;
        assert_eq!(
            query(&db, &format!("SELECT id, {shown} FROM posts ORDER BY id")).await?,
            rows(&[&["1", "a|b c|*|d", "", "0"], &["2", "NULL", "7", "1"]]),
            "{path:?}"
        );
        let then = format!("SELECT {shown} FROM posts FOR SYSTEM_TIME AS OF @SEQ:{first}");
        assert_eq!(
            query(&db, &then).await?,
            rows(&[&["a|b c|*", "1|2", "2"]]),
            "{path:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_primary_key_added_in_a_transaction_meets_rows_committed_meanwhile() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE later (id INT, v TEXT)").await?;
    db.execute("INSERT INTO later VALUES (1, 'a')").await?;
    let mut keying = db.session();
    keying.execute("BEGIN").await?;
    keying
        .execute("ALTER TABLE later ADD PRIMARY KEY (id)")
        .await?;
    // A second row with the same id commits first: the key can no longer be made, and
    // the two rows must not become one.
    db.execute("INSERT INTO later VALUES (1, 'b')").await?;
    assert_eq!(sqlstate_of(&mut keying, "COMMIT").await, "23505");
    assert_eq!(
        query(&db, "SELECT v FROM later ORDER BY v").await?,
        [["a"], ["b"]]
    );
    // Without the duplicate, the same change commits.
    db.execute("DELETE FROM later WHERE v = 'b'").await?;
    db.execute("ALTER TABLE later ADD PRIMARY KEY (id)").await?;
    assert_eq!(
        sqlstate_of(&mut db.session(), "INSERT INTO later VALUES (1, 'c')").await,
        "23505"
    );
    Ok(())
}

#[tokio::test]
async fn statement_timeout_cancels_a_long_statement() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    db.execute("CREATE TABLE t (id INT PRIMARY KEY)").await?;
    let mut session = db.session();
    // Seconds of counting, at least, in any build: without the timeout it finishes (and
    // the assertion fails) instead of hanging.
    let long = "SELECT count(*) FROM generate_series(1, 2000000000)";
    assert_eq!(
        sqlstate_of(&mut session, "SET statement_timeout = 'soon'").await,
        "22023"
    );
    session.execute("SET statement_timeout = '50ms'").await?;
    assert_eq!(sqlstate_of(&mut session, long).await, "57014");
    // Short statements are untouched, and a transaction the timeout hit is aborted.
    session.execute("INSERT INTO t VALUES (1)").await?;
    session.execute("BEGIN").await?;
    session.execute("INSERT INTO t VALUES (2)").await?;
    assert_eq!(sqlstate_of(&mut session, long).await, "57014");
    assert_eq!(sqlstate_of(&mut session, "SELECT 1").await, "25P02");
    session.execute("ROLLBACK").await?;
    assert_eq!(query(&db, "SELECT id FROM t").await?, [["1"]]);
    session.execute("SET statement_timeout = 0").await?;
    session
        .execute("SELECT count(*) FROM generate_series(1, 10)")
        .await?;
    Ok(())
}

/// `GRANT ... ON ALL TABLES IN SCHEMA s` grants on each table the schema holds then, as
/// PostgreSQL's does: a table made later gets no grant from it, and `REVOKE` takes them back.
#[tokio::test]
async fn grants_on_all_tables_in_a_schema() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    let mut admin = db.session();
    admin
        .execute(
            "CREATE SCHEMA sales;
             CREATE TABLE sales.orders (id INT PRIMARY KEY);
             CREATE TABLE sales.items (id INT PRIMARY KEY);
             CREATE TABLE notes (id INT PRIMARY KEY);
             CREATE ROLE clerk LOGIN;
             GRANT SELECT ON ALL TABLES IN SCHEMA sales TO clerk;
             CREATE TABLE sales.later (id INT PRIMARY KEY);",
        )
        .await?;
    let mut clerk = db.session();
    clerk.set_role(Some("clerk".to_string()));
    for sql in ["SELECT * FROM sales.orders", "SELECT * FROM sales.items"] {
        clerk.execute(sql).await?;
    }
    for sql in [
        "SELECT * FROM notes",
        "SELECT * FROM sales.later",
        "INSERT INTO sales.orders VALUES (1)",
    ] {
        let refused = clerk.execute(sql).await.expect_err("not granted");
        assert_eq!(refused.sqlstate(), "42501", "{sql}: {refused}");
    }
    admin
        .execute("REVOKE SELECT ON ALL TABLES IN SCHEMA sales FROM clerk")
        .await?;
    let refused = clerk
        .execute("SELECT * FROM sales.orders")
        .await
        .expect_err("revoked");
    assert_eq!(refused.sqlstate(), "42501", "{refused}");
    let missing = admin
        .execute("GRANT SELECT ON ALL TABLES IN SCHEMA nowhere TO clerk")
        .await
        .expect_err("no such schema");
    assert_eq!(missing.sqlstate(), "3F000", "{missing}");
    Ok(())
}

/// `GRANT ... ON TOPIC | GROUP | ALL TOPICS | ALL GROUPS`: what the broker asks
/// (`Database::topic_privileges`), granted in one transaction with the role it names,
/// refused for privileges a group does not take (0LP01), roles that do not exist (42704) and
/// grantors that are not superusers (42501), and kept across a restart.
#[tokio::test]
async fn grants_on_topics_and_groups() -> Result<()> {
    use driftdb_projector::broker_grants::{CONSUME, CREATE, PRODUCE};
    let dir = tempfile::tempdir()?;
    {
        let db = Database::open(dir.path())?;
        let mut admin = db.session();
        admin
            .execute(
                "BEGIN;
                 CREATE ROLE svc LOGIN;
                 CREATE ROLE boss SUPERUSER;
                 GRANT PRODUCE, CONSUME ON TOPIC orders, 'orders.v1' TO svc;
                 GRANT CONSUME ON GROUP billing TO svc;
                 GRANT CREATE ON ALL TOPICS TO PUBLIC;
                 COMMIT;",
            )
            .await?;
        assert_eq!(
            db.topic_privileges("svc", "orders"),
            PRODUCE | CONSUME | CREATE
        );
        assert_eq!(
            db.topic_privileges("svc", "orders.v1"),
            PRODUCE | CONSUME | CREATE
        );
        assert_eq!(db.topic_privileges("svc", "payments"), CREATE);
        assert_eq!(db.group_privileges("svc", "billing"), CONSUME);
        assert_eq!(db.group_privileges("svc", "audit"), 0);
        assert_eq!(db.topic_privileges("nobody", "orders"), 0);
        assert_eq!(db.topic_privileges("boss", "anything"), u8::MAX);
        for (sql, code) in [
            ("GRANT PRODUCE ON GROUP billing TO svc", "0LP01"),
            ("GRANT SELECT ON TOPIC orders TO svc", "0LP01"),
            ("GRANT CONSUME ON TOPIC orders TO nobody", "42704"),
            ("GRANT CONSUME ON TOPIC orders TO", "42601"),
            ("GRANT CONSUME ON TOPIC '*' TO svc", "22P02"),
        ] {
            let refused = admin.execute(sql).await.expect_err(sql);
            assert_eq!(refused.sqlstate(), code, "{sql}: {refused}");
        }
        let mut svc = db.session();
        svc.set_role(Some("svc".to_string()));
        let refused = svc
            .execute("GRANT CONSUME ON TOPIC orders TO svc")
            .await
            .expect_err("not a superuser");
        assert_eq!(refused.sqlstate(), "42501", "{refused}");
        admin
            .execute("REVOKE PRODUCE ON TOPIC orders FROM svc")
            .await?;
    }
    let db = Database::open(dir.path())?;
    assert_eq!(db.topic_privileges("svc", "orders"), CONSUME | CREATE);
    Ok(())
}

/// `GRANT ... TO PUBLIC` grants to every role, those made later too; `REVOKE ... FROM
/// PUBLIC` takes it back from those that had it only through PUBLIC; no role may be named
/// `public`.
#[tokio::test]
async fn what_is_granted_to_public_every_role_has() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    let mut admin = db.session();
    admin
        .execute(
            "CREATE TABLE notice (id INT PRIMARY KEY);
             CREATE ROLE ann LOGIN;
             GRANT SELECT ON notice TO PUBLIC;
             GRANT INSERT ON notice TO ann;
             CREATE ROLE bob LOGIN;",
        )
        .await?;
    let as_role = |role: &str| {
        let mut session = db.session();
        session.set_role(Some(role.to_string()));
        session
    };
    let (mut ann, mut bob) = (as_role("ann"), as_role("bob"));
    ann.execute("INSERT INTO notice VALUES (1)").await?;
    for session in [&mut ann, &mut bob] {
        session.execute("SELECT * FROM notice").await?;
    }
    let refused = bob
        .execute("INSERT INTO notice VALUES (2)")
        .await
        .expect_err("only SELECT is PUBLIC's");
    assert_eq!(refused.sqlstate(), "42501", "{refused}");
    admin.execute("REVOKE SELECT ON notice FROM PUBLIC").await?;
    for session in [&mut ann, &mut bob] {
        let refused = session
            .execute("SELECT * FROM notice")
            .await
            .expect_err("revoked from PUBLIC");
        assert_eq!(refused.sqlstate(), "42501", "{refused}");
    }
    for name in ["public", "PUBLIC", "\"public\"", "none"] {
        let reserved = admin
            .execute(&format!("CREATE ROLE {name}"))
            .await
            .expect_err("reserved");
        assert_eq!(reserved.sqlstate(), "42939", "{name}: {reserved}");
    }
    Ok(())
}

#[tokio::test]
async fn an_owner_has_every_privilege_on_what_it_owns() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path())?;
    let mut admin = db.session();
    admin
        .execute(
            "CREATE ROLE keeper LOGIN;
             CREATE TABLE kept (id INT PRIMARY KEY);
             CREATE TABLE other (id INT PRIMARY KEY);",
        )
        .await?;
    let mut keeper = db.session();
    keeper.set_role(Some("keeper".to_string()));
    let refused = keeper
        .execute("SELECT * FROM kept")
        .await
        .expect_err("not the owner yet");
    assert_eq!(refused.sqlstate(), "42501", "{refused}");
    admin.execute("ALTER TABLE kept OWNER TO keeper").await?;
    for sql in [
        "INSERT INTO kept VALUES (1)",
        "UPDATE kept SET id = 2 WHERE id = 1",
        "SELECT * FROM kept",
        "DELETE FROM kept WHERE id = 2",
    ] {
        keeper.execute(sql).await?;
    }
    let refused = keeper
        .execute("SELECT * FROM other")
        .await
        .expect_err("owns only kept");
    assert_eq!(refused.sqlstate(), "42501", "{refused}");
    admin.execute("ALTER TABLE kept OWNER TO driftdb").await?;
    let refused = keeper
        .execute("SELECT * FROM kept")
        .await
        .expect_err("no longer the owner");
    assert_eq!(refused.sqlstate(), "42501", "{refused}");
    Ok(())
}
