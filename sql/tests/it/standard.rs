//! Standard PostgreSQL statements DriftDB relies on parse with the wrapper dialect.

use driftdb_sql::Statement;
use sqlparser::ast::Statement as Ast;

use crate::parse_sql;

/// A check on the parsed statement.
type Expect = fn(&Ast) -> bool;

/// Each statement must parse into the expected sqlparser variant.
fn check(cases: &[(&str, Expect)]) {
    for (sql, expected) in cases {
        let statement = parse_sql(sql);
        assert!(
            expected(&statement.statement),
            "{sql} parsed as {:?}",
            statement.statement
        );
    }
}

#[test]
fn ddl() {
    check(&[
        (
            "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', email TEXT UNIQUE)",
            |s| matches!(s, Ast::CreateTable(c) if c.columns.len() == 3),
        ),
        (
            "CREATE TABLE t (a INT, b INT, c TEXT, PRIMARY KEY (a, b))",
            |s| matches!(s, Ast::CreateTable(c) if c.constraints.len() == 1),
        ),
        (
            "CREATE TABLE IF NOT EXISTS t (a INT, CONSTRAINT t_pk PRIMARY KEY (a), UNIQUE (a))",
            |s| matches!(s, Ast::CreateTable(c) if c.if_not_exists),
        ),
        (
            "CREATE INDEX ON t (c)",
            |s| matches!(s, Ast::CreateIndex(i) if i.name.is_none()),
        ),
        (
            "CREATE INDEX by_name ON t (last, first)",
            |s| matches!(s, Ast::CreateIndex(i) if i.name.is_some() && i.columns.len() == 2),
        ),
        (
            "CREATE UNIQUE INDEX IF NOT EXISTS u ON t (c)",
            |s| matches!(s, Ast::CreateIndex(i) if i.unique),
        ),
        ("DROP INDEX by_name", |s| matches!(s, Ast::Drop { .. })),
        ("DROP TABLE IF EXISTS t, u", |s| {
            matches!(
                s,
                Ast::Drop {
                    if_exists: true,
                    ..
                }
            )
        }),
        ("ALTER TABLE t ADD COLUMN c TEXT", |s| {
            matches!(s, Ast::AlterTable(_))
        }),
        ("ALTER TABLE t DROP COLUMN c", |s| {
            matches!(s, Ast::AlterTable(_))
        }),
        ("ALTER TABLE t RENAME COLUMN a TO b", |s| {
            matches!(s, Ast::AlterTable(_))
        }),
        ("ALTER TABLE t RENAME TO u", |s| {
            matches!(s, Ast::AlterTable(_))
        }),
        ("TRUNCATE TABLE t", |s| matches!(s, Ast::Truncate(_))),
        ("TRUNCATE t", |s| matches!(s, Ast::Truncate(_))),
    ]);
}

#[test]
fn dml() {
    check(&[
        (
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, NULL)",
            |s| matches!(s, Ast::Insert(_)),
        ),
        (
            "INSERT INTO t SELECT * FROM u WHERE a > 1",
            |s| matches!(s, Ast::Insert(i) if i.source.is_some()),
        ),
        (
            "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
            |s| matches!(s, Ast::Insert(i) if i.on.is_some()),
        ),
        (
            "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
            |s| matches!(s, Ast::Insert(i) if i.on.is_some()),
        ),
        (
            "INSERT INTO t (a) VALUES ($1) RETURNING a, b",
            |s| matches!(s, Ast::Insert(i) if i.returning.is_some()),
        ),
        (
            "UPDATE t SET a = a + 1, b = 'z' WHERE id = 3 RETURNING *",
            |s| matches!(s, Ast::Update(_)),
        ),
        ("DELETE FROM t WHERE id IN (SELECT id FROM u)", |s| {
            matches!(s, Ast::Delete(_))
        }),
        (
            "SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 10 OFFSET 5",
            |s| matches!(s, Ast::Query(_)),
        ),
    ]);
}

#[test]
fn transactions_and_session() {
    check(&[
        ("BEGIN", |s| matches!(s, Ast::StartTransaction { .. })),
        ("START TRANSACTION", |s| {
            matches!(s, Ast::StartTransaction { .. })
        }),
        ("COMMIT", |s| matches!(s, Ast::Commit { .. })),
        ("ROLLBACK", |s| {
            matches!(
                s,
                Ast::Rollback {
                    savepoint: None,
                    ..
                }
            )
        }),
        ("SAVEPOINT sp1", |s| matches!(s, Ast::Savepoint { .. })),
        ("RELEASE SAVEPOINT sp1", |s| {
            matches!(s, Ast::ReleaseSavepoint { .. })
        }),
        ("ROLLBACK TO SAVEPOINT sp1", |s| {
            matches!(
                s,
                Ast::Rollback {
                    savepoint: Some(_),
                    ..
                }
            )
        }),
        ("ROLLBACK TO sp1", |s| {
            matches!(
                s,
                Ast::Rollback {
                    savepoint: Some(_),
                    ..
                }
            )
        }),
        ("EXPLAIN SELECT * FROM t", |s| {
            matches!(s, Ast::Explain { .. })
        }),
        ("EXPLAIN ANALYZE SELECT * FROM t", |s| {
            matches!(s, Ast::Explain { analyze: true, .. })
        }),
        ("SET search_path = public", |s| matches!(s, Ast::Set(_))),
        ("SET TIME ZONE 'UTC'", |s| matches!(s, Ast::Set(_))),
        ("SHOW search_path", |s| {
            matches!(s, Ast::ShowVariable { .. })
        }),
        ("SHOW ALL", |s| matches!(s, Ast::ShowVariable { .. })),
    ]);
}

#[test]
fn a_session_script() {
    let statements = crate::parse_ok(
        "BEGIN; INSERT INTO t VALUES (1); SAVEPOINT a; UPDATE t SET x = 2; ROLLBACK TO a; COMMIT;",
    );
    assert_eq!(statements.len(), 6);
    assert!(
        statements
            .iter()
            .all(|s| matches!(s, Statement::Sql(s) if s.temporal.is_empty()))
    );
}
