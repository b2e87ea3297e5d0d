//! Properties over generated input: printing and re-reading clauses, and literal safety.

use driftdb_sql::{Point, SystemTime, Timestamp};
use proptest::prelude::*;
use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement as Ast, Value};

use crate::{parse_sql, tables};

/// 0001-01-01 00:00:00 and 9999-12-31 23:59:59.999999 UTC, in Unix microseconds.
const FIRST_MICROS: i64 = -62_135_596_800_000_000;
const LAST_MICROS: i64 = 253_402_300_799_999_999;

fn point() -> impl Strategy<Value = Point> {
    prop_oneof![
        any::<u64>().prop_map(Point::Seq),
        (FIRST_MICROS..=LAST_MICROS).prop_map(|m| Point::Timestamp(Timestamp::from_unix_micros(m))),
    ]
}

fn system_time() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        point().prop_map(SystemTime::AsOf),
        Just(SystemTime::All),
        (point(), point()).prop_map(|(a, b)| SystemTime::Between(a, b)),
        (point(), point()).prop_map(|(a, b)| SystemTime::FromTo(a, b)),
        (point(), point()).prop_map(|(a, b)| SystemTime::ContainedIn(a, b)),
    ]
}

proptest! {
    /// Every clause DriftDB can represent prints as SQL that reads back to itself,
    /// with every timestamp of years 1 to 9999 at microsecond precision.
    #[test]
    fn printed_clauses_read_back(left in system_time(), right in system_time()) {
        let sql = format!("SELECT * FROM a {left} x JOIN b {right} y ON x.id = y.id");
        let found: Vec<_> = tables(&parse_sql(&sql)).into_iter().map(|t| t.system_time).collect();
        prop_assert_eq!(found, vec![Some(left), Some(right)]);
    }

    /// Whatever a string literal holds, it stays a string and adds no clause.
    #[test]
    fn string_literals_are_never_rewritten(text in "[ -~]{0,40}") {
        let quoted = text.replace('\'', "''");
        let statement = parse_sql(&format!("SELECT '{quoted}' FROM t"));
        prop_assert!(statement.temporal.is_empty());
        prop_assert_eq!(tables(&statement)[0].system_time, None);
        let Ast::Query(query) = &statement.statement else { panic!("not a query") };
        let SetExpr::Select(select) = query.body.as_ref() else { panic!("not a select") };
        let SelectItem::UnnamedExpr(Expr::Value(value)) = &select.projection[0] else {
            panic!("not a literal: {}", select.projection[0])
        };
        prop_assert_eq!(&value.value, &Value::SingleQuotedString(text));
    }
}
