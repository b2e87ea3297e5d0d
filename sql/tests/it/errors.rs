//! Errors carry the SQLSTATE a PostgreSQL client expects and the 1-based character position.

use driftdb_sql::Error;
use sqlparser::ast::{SetExpr, Statement as Ast};

use crate::parse_err;

/// (sql, sqlstate, position of the offending token)
fn check(cases: &[(&str, &str, Option<usize>)]) {
    let mut wrong = Vec::new();
    for &(sql, sqlstate, position) in cases {
        let error = parse_err(sql);
        if (error.sqlstate(), error.position()) != (sqlstate, position) {
            wrong.push(format!(
                "{sql:?}: got {} at {:?}, want {sqlstate} at {position:?}: {error}",
                error.sqlstate(),
                error.position()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn bad_sequence_literals() {
    check(&[
        // `@` is at 39, `x` at 44.
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:x",
            "42601",
            Some(44),
        ),
        // Nothing after the colon: the error points just past it.
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:",
            "42601",
            Some(44),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ",
            "42601",
            Some(43),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ: 5",
            "42601",
            Some(44),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:-1",
            "42601",
            Some(44),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:12ab",
            "42601",
            Some(44),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:18446744073709551616",
            "42601",
            Some(44),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME BETWEEN @SEQ:1 AND @SEQ:y",
            "42601",
            Some(57),
        ),
        // Outside a clause the dialect reports the same mistakes.
        ("SELECT @SEQ:x", "42601", Some(13)),
        ("SELECT @SEQ:", "42601", Some(13)),
    ]);
}

#[test]
fn expression_points_are_not_supported() {
    check(&[
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF now()",
            "0A000",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF 1000",
            "0A000",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF $1",
            "0A000",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF (@SEQ:1)",
            "0A000",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP",
            "0A000",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF @SEQ:1 + 1",
            "0A000",
            Some(46),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF '2025-01-01' - INTERVAL '1 day'",
            "0A000",
            Some(52),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF '2025-01-01'::timestamp",
            "0A000",
            Some(51),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2025-01-01' AT TIME ZONE 'UTC'",
            "0A000",
            Some(62),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME BETWEEN other.col AND @SEQ:1",
            "0A000",
            Some(41),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME CONTAINED IN (@SEQ:1, now())",
            "0A000",
            Some(55),
        ),
    ]);
}

#[test]
fn other_dialects_version_forms_are_rejected_at_lookup() {
    // sqlparser reads these once table versioning is on; the planner's lookup refuses them.
    for sql in [
        "SELECT * FROM t AT(TIMESTAMP => '2025-01-01')",
        "SELECT * FROM t VERSION AS OF 3",
    ] {
        let statement = crate::parse_sql(sql);
        let Ast::Query(query) = &statement.statement else {
            panic!("{sql}")
        };
        let SetExpr::Select(select) = query.body.as_ref() else {
            panic!("{sql}")
        };
        let error = match statement.temporal.system_time(&select.from[0].relation) {
            Ok(found) => panic!("{sql} resolved to {found:?}"),
            Err(error) => error,
        };
        assert_eq!(error.sqlstate(), "0A000", "{sql}: {error}");
    }
}

#[test]
fn bad_timestamps() {
    check(&[
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF 'yesterday'",
            "22007",
            Some(39),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2025-02-30'",
            "22007",
            Some(49),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME FROM '2025-01-01' TO '2025-13-01'",
            "22007",
            Some(54),
        ),
    ]);
    let error = parse_err("SELECT * FROM t FOR SYSTEM_TIME AS OF '2025-10-24 25:00'");
    let Error::InvalidDatetime { value, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(value, "2025-10-24 25:00");
}

#[test]
fn malformed_clauses() {
    check(&[
        ("SELECT * FROM t FOR SYSTEM_TIME", "42601", Some(32)),
        (
            "SELECT * FROM t FOR SYSTEM_TIME WHENEVER",
            "42601",
            Some(33),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME AS @SEQ:1",
            "42601",
            Some(36),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME BETWEEN @SEQ:1",
            "42601",
            Some(47),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME FROM @SEQ:1 AND @SEQ:2",
            "42601",
            Some(45),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME CONTAINED (@SEQ:1, @SEQ:2)",
            "42601",
            Some(43),
        ),
        (
            "SELECT * FROM t FOR SYSTEM_TIME CONTAINED IN (@SEQ:1, @SEQ:2",
            "42601",
            Some(61),
        ),
        // The clause after the alias: sqlparser's error, pointing at SYSTEM_TIME.
        (
            "SELECT * FROM t AS a FOR SYSTEM_TIME ALL",
            "42601",
            Some(26),
        ),
    ]);
}

#[test]
fn clause_after_alias_is_explained() {
    let error = parse_err("SELECT * FROM t AS a FOR SYSTEM_TIME ALL");
    assert!(error.to_string().contains("before any alias"), "{error}");
    // A clause in a place where no table reference is also points at SYSTEM_TIME.
    let error = parse_err("SELECT 1 FOR SYSTEM_TIME ALL");
    assert_eq!((error.sqlstate(), error.position()), ("42601", Some(14)));
}

#[test]
fn history_is_read_only() {
    check(&[
        ("UPDATE t FOR SYSTEM_TIME ALL SET a = 1", "0A000", Some(26)),
        (
            "DELETE FROM t FOR SYSTEM_TIME AS OF @SEQ:1 WHERE a = 1",
            "0A000",
            Some(31),
        ),
    ]);
    // Reading history while writing the present is fine.
    let statement = crate::parse_sql(
        "UPDATE t SET a = old.a FROM t FOR SYSTEM_TIME AS OF @SEQ:1 AS old WHERE t.id = old.id",
    );
    assert_eq!(statement.temporal.len(), 1);
    let statement = crate::parse_sql("DELETE FROM t USING u FOR SYSTEM_TIME ALL WHERE t.id = u.id");
    assert_eq!(statement.temporal.len(), 1);
}

#[test]
fn garbage() {
    check(&[
        ("SELEC 1", "42601", Some(1)),
        ("SELECT * FROM", "42601", Some(14)),
        ("SELECT 1 2", "42601", Some(10)),
        ("SELECT 'unterminated", "42601", Some(8)),
        ("SELECT 1;\n  SELEC 2", "42601", Some(13)),
        ("CHECKPOINT", "0A000", Some(11)),
        ("CHECKPOINT TABLE", "42601", Some(17)),
        ("VACUUM FULL t", "0A000", Some(8)),
        ("VACUUM (VERBOSE) t", "0A000", Some(8)),
        ("VACUUM a b", "42601", Some(10)),
    ]);
}

#[test]
fn positions_count_characters_not_bytes() {
    // 'é' is two bytes; the bad point still sits at character 46.
    let error = parse_err("SELECT 'é' FROM t FOR SYSTEM_TIME AS OF now()");
    assert_eq!(error.position(), Some(41));
    let error = parse_err("SELECT 'ééé' FROM t FOR SYSTEM_TIME AS OF now()");
    assert_eq!(error.position(), Some(43));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let sql = format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500));
    assert_eq!(parse_err(&sql).sqlstate(), "54001");
}

#[test]
fn messages_do_not_repeat_the_position() {
    let error = parse_err("SELECT * FROM");
    assert!(!error.to_string().contains("Line:"), "{error}");
}
