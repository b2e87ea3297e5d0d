//! Every `FOR SYSTEM_TIME` form, in every place a table reference can stand.

use driftdb_sql::{Point, SystemTime, Timestamp};
use sqlparser::ast::{Expr, SetExpr, Statement as Ast, TableFactor, TableVersion};

use crate::{parse_sql, table, tables};

const NOON: &str = "2025-10-24 12:00:00";

fn noon() -> Point {
    // date -u -d '2025-10-24 12:00:00' +%s
    Point::Timestamp(Timestamp::from_unix_micros(1_761_307_200_000_000))
}

fn only_table_time(sql: &str) -> Option<SystemTime> {
    let statement = parse_sql(sql);
    let tables = tables(&statement);
    assert_eq!(tables.len(), 1, "{sql}: {tables:?}");
    tables[0].system_time
}

#[test]
fn every_form_with_sequence_points() {
    let cases = [
        ("AS OF @SEQ:1000", SystemTime::AsOf(Point::Seq(1000))),
        ("ALL", SystemTime::All),
        (
            "BETWEEN @SEQ:1 AND @SEQ:5",
            SystemTime::Between(Point::Seq(1), Point::Seq(5)),
        ),
        (
            "FROM @SEQ:2 TO @SEQ:9",
            SystemTime::FromTo(Point::Seq(2), Point::Seq(9)),
        ),
        (
            "CONTAINED IN (@SEQ:3, @SEQ:4)",
            SystemTime::ContainedIn(Point::Seq(3), Point::Seq(4)),
        ),
    ];
    for (clause, expected) in cases {
        let sql = format!("SELECT * FROM orders FOR SYSTEM_TIME {clause}");
        assert_eq!(only_table_time(&sql), Some(expected), "{sql}");
        // Keywords are case-insensitive.
        let lower = sql.to_lowercase();
        assert_eq!(only_table_time(&lower), Some(expected), "{lower}");
    }
}

#[test]
fn every_form_with_timestamp_points() {
    let later = Point::Timestamp(Timestamp::from_unix_micros(1_761_310_800_000_000));
    let cases = [
        (format!("AS OF '{NOON}'"), SystemTime::AsOf(noon())),
        (
            format!("AS OF TIMESTAMP '{NOON}'"),
            SystemTime::AsOf(noon()),
        ),
        (
            format!("BETWEEN '{NOON}' AND TIMESTAMP '2025-10-24 13:00:00'"),
            SystemTime::Between(noon(), later),
        ),
        (
            format!("FROM TIMESTAMP '{NOON}' TO @SEQ:7"),
            SystemTime::FromTo(noon(), Point::Seq(7)),
        ),
        (
            format!("CONTAINED IN ('{NOON}', '2025-10-24T13:00:00Z')"),
            SystemTime::ContainedIn(noon(), later),
        ),
    ];
    for (clause, expected) in cases {
        let sql = format!("SELECT * FROM orders FOR SYSTEM_TIME {clause}");
        assert_eq!(only_table_time(&sql), Some(expected), "{sql}");
    }
}

#[test]
fn alias_after_the_clause_is_kept() {
    let statement =
        parse_sql("SELECT a.id FROM t FOR SYSTEM_TIME AS OF @SEQ:5 AS a WHERE a.id = 1");
    assert_eq!(
        tables(&statement),
        vec![table("t", Some("a"), Some(SystemTime::AsOf(Point::Seq(5))))]
    );
    let statement = parse_sql("SELECT b.id FROM s.t FOR SYSTEM_TIME ALL b");
    assert_eq!(
        tables(&statement),
        vec![table("s.t", Some("b"), Some(SystemTime::All))]
    );
}

#[test]
fn the_version_is_a_marker_the_clauses_resolve() {
    let statement = parse_sql("SELECT * FROM t FOR SYSTEM_TIME ALL");
    let Ast::Query(query) = &statement.statement else {
        panic!("not a query")
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        panic!("not a select")
    };
    let TableFactor::Table {
        version: Some(version),
        ..
    } = &select.from[0].relation
    else {
        panic!("no version")
    };
    let TableVersion::ForSystemTimeAsOf(Expr::Identifier(marker)) = version else {
        panic!("unexpected version {version:?}")
    };
    let clause = statement
        .temporal
        .iter()
        .next()
        .unwrap_or_else(|| panic!("no clause"));
    assert_eq!(marker.value, clause.marker());
    assert_eq!(statement.temporal.version(version), Ok(SystemTime::All));
    assert_eq!(clause.position(), Some(33));
}

#[test]
fn join_sides_read_different_points() {
    let statement = parse_sql(
        "SELECT o.id, c.name \
         FROM orders FOR SYSTEM_TIME AS OF @SEQ:10 AS o \
         JOIN customers FOR SYSTEM_TIME AS OF '2025-10-24 12:00:00' AS c ON o.customer = c.id \
         LEFT JOIN regions r ON r.id = c.region \
         CROSS JOIN audit FOR SYSTEM_TIME ALL",
    );
    assert_eq!(
        tables(&statement),
        vec![
            table("orders", Some("o"), Some(SystemTime::AsOf(Point::Seq(10)))),
            table("customers", Some("c"), Some(SystemTime::AsOf(noon()))),
            table("regions", Some("r"), None),
            table("audit", None, Some(SystemTime::All)),
        ]
    );
    assert_eq!(statement.temporal.len(), 3);
}

#[test]
fn comma_joins_and_self_joins_at_two_points() {
    let statement = parse_sql(
        "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:1 old, t FOR SYSTEM_TIME AS OF @SEQ:2 new \
         WHERE old.id = new.id",
    );
    assert_eq!(
        tables(&statement),
        vec![
            table("t", Some("old"), Some(SystemTime::AsOf(Point::Seq(1)))),
            table("t", Some("new"), Some(SystemTime::AsOf(Point::Seq(2)))),
        ]
    );
}

#[test]
fn inside_ctes_and_subqueries() {
    let statement = parse_sql(
        "WITH past AS (SELECT * FROM accounts FOR SYSTEM_TIME AS OF @SEQ:100) \
         SELECT * FROM past \
         JOIN (SELECT * FROM ledger FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:2) AS l ON true \
         WHERE past.id IN (SELECT id FROM flagged FOR SYSTEM_TIME FROM @SEQ:3 TO @SEQ:4) \
           AND EXISTS (SELECT 1 FROM notes FOR SYSTEM_TIME CONTAINED IN (@SEQ:5, @SEQ:6) n)",
    );
    assert_eq!(
        tables(&statement),
        vec![
            table("accounts", None, Some(SystemTime::AsOf(Point::Seq(100)))),
            table("past", None, None),
            table(
                "ledger",
                None,
                Some(SystemTime::Between(Point::Seq(1), Point::Seq(2)))
            ),
            table(
                "flagged",
                None,
                Some(SystemTime::FromTo(Point::Seq(3), Point::Seq(4)))
            ),
            table(
                "notes",
                Some("n"),
                Some(SystemTime::ContainedIn(Point::Seq(5), Point::Seq(6)))
            ),
        ]
    );
}

#[test]
fn union_and_insert_select_and_explain() {
    let statement = parse_sql(
        "SELECT id FROM t FOR SYSTEM_TIME AS OF @SEQ:1 UNION ALL SELECT id FROM t FOR SYSTEM_TIME ALL",
    );
    assert_eq!(
        tables(&statement),
        vec![
            table("t", None, Some(SystemTime::AsOf(Point::Seq(1)))),
            table("t", None, Some(SystemTime::All)),
        ]
    );
    let statement = parse_sql("INSERT INTO archive SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:9");
    assert_eq!(
        tables(&statement),
        vec![table("t", None, Some(SystemTime::AsOf(Point::Seq(9))))]
    );
    let statement = parse_sql("EXPLAIN SELECT * FROM t FOR SYSTEM_TIME ALL");
    assert_eq!(
        tables(&statement),
        vec![table("t", None, Some(SystemTime::All))]
    );
}

#[test]
fn clauses_belong_to_their_own_statement() {
    let statements = crate::parse_ok(
        "SELECT * FROM a FOR SYSTEM_TIME ALL; SELECT * FROM b; \
         SELECT * FROM c FOR SYSTEM_TIME AS OF @SEQ:3",
    );
    let counts: Vec<usize> = statements
        .iter()
        .map(|s| match s {
            driftdb_sql::Statement::Sql(s) => s.temporal.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(counts, vec![1, 0, 1]);
    let driftdb_sql::Statement::Sql(third) = &statements[2] else {
        panic!()
    };
    assert_eq!(
        tables(third),
        vec![table("c", None, Some(SystemTime::AsOf(Point::Seq(3))))]
    );
}

#[test]
fn comments_and_newlines_inside_the_clause() {
    let sql = "SELECT * FROM t FOR -- history\n SYSTEM_TIME /* all of it */ BETWEEN\n @SEQ:1\n AND @SEQ:2 x";
    assert_eq!(
        tables(&parse_sql(sql)),
        vec![table(
            "t",
            Some("x"),
            Some(SystemTime::Between(Point::Seq(1), Point::Seq(2)))
        )]
    );
}

#[test]
fn seq_literal_in_a_where_clause() {
    let statement = parse_sql("SELECT MAX(__sequence) FROM t WHERE __sequence <= @SEQ:42");
    let Ast::Query(query) = &statement.statement else {
        panic!()
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        panic!()
    };
    let Some(Expr::BinaryOp { right, .. }) = &select.selection else {
        panic!()
    };
    assert_eq!(driftdb_sql::dialect::seq::seq_literal(right), Some(42));
    assert!(statement.temporal.is_empty());
}

#[test]
fn system_time_display_is_accepted_back() {
    for system_time in [
        SystemTime::AsOf(noon()),
        SystemTime::All,
        SystemTime::Between(Point::Seq(1), noon()),
        SystemTime::FromTo(noon(), Point::Seq(u64::MAX)),
        SystemTime::ContainedIn(Point::Seq(0), Point::Seq(1)),
    ] {
        let sql = format!("SELECT * FROM t {system_time} AS x");
        assert_eq!(only_table_time(&sql), Some(system_time), "{sql}");
    }
}

#[test]
fn parenthesised_joins_and_lateral_subqueries() {
    let statement = parse_sql(
        "SELECT * FROM (a FOR SYSTEM_TIME ALL JOIN b FOR SYSTEM_TIME AS OF @Seq:2 ON a.id = b.id) \
         , LATERAL (SELECT * FROM c FOR SYSTEM_TIME AS OF @seq:3 WHERE c.id = a.id) AS l",
    );
    assert_eq!(
        tables(&statement),
        vec![
            table("a", None, Some(SystemTime::All)),
            table("b", None, Some(SystemTime::AsOf(Point::Seq(2)))),
            table("c", None, Some(SystemTime::AsOf(Point::Seq(3)))),
        ]
    );
}
