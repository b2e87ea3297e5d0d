//! Answers compared with a throwaway PostgreSQL 15's for the same queries (`.ci/run`
//! installs the server; where none is installed the test says it is skipped): functions
//! whose output format has many rules, over a grid of inputs.

use crate::pg_dump::{BIN, Postgres, psql, run};
use crate::server::fresh;

/// Values of each type, and `to_char` patterns, whose every pairing both servers answer.
const VALUES: &str = "0, 7, -7, 0.05, -0.05, 0.5, -0.5, 12, -12, 123.456, -123.456, 1234.5, \
    98765.4321, -98765.4321, 0.999, -0.999, 2.5, -2.5, 99.995, 1000, 123456789";
const PATTERNS: &[&str] = &[
    "999",
    "FM999",
    "000",
    "0999",
    "9099",
    "9.99",
    "FM9.99",
    "FM990.00",
    "999,999.99",
    "FM999,990.00",
    "9G999D99",
    "S999",
    "S9.99",
    "999S",
    "FMS999",
    "999MI",
    "FM999MI",
    "9,999",
    "99",
    "FM9",
    "0.00",
    "99.9",
    ".99",
    "FM.99",
    "\"$\"999.99",
    "FM\"$\"9,990.00",
    "9 9 9",
    "9999.999",
    "FM0000.000",
    "FM9999999999.99",
];

/// Every value of `VALUES` as `type`, written by every pattern: one line per pairing.
fn to_char_grid(r#type: &str) -> String {
    // Numbered: a `VALUES` list of numerics prints them at one scale in DriftDB.
    let values: Vec<String> = VALUES
        .split(", ")
        .enumerate()
        .map(|(j, v)| format!("({j}, {v}::numeric)"))
        .collect();
    // Numbered, so the order does not depend on a collation.
    let patterns: Vec<String> = PATTERNS
        .iter()
        .enumerate()
        .map(|(i, p)| format!("({i}, '{}')", p.replace('\'', "''")))
        .collect();
    // Integers take the values rounded, as a cast does.
    format!(
        "SELECT j, p, to_char(v::{type}, p) FROM (VALUES {}) vs(j, v) CROSS JOIN (VALUES {}) ps(i, p) \
         ORDER BY j, i",
        values.join(", "),
        patterns.join(", ")
    )
}

#[test]
fn to_char_of_numbers_writes_what_postgresql_15_writes() {
    let Some(postgres) = Postgres::start() else {
        eprintln!("skipped: no PostgreSQL 15 server in {BIN} (.ci/run installs it)");
        return;
    };
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let theirs_port = postgres.port.to_string();
    for r#type in ["numeric", "integer", "bigint", "double precision", "real"] {
        let query = to_char_grid(r#type);
        let ours = run(
            psql(host, port, "driftdb", "driftdb").args(["-c", &query]),
            "DriftDB's to_char",
        );
        let theirs = run(
            psql("127.0.0.1", &theirs_port, "postgres", "postgres").args(["-c", &query]),
            "PostgreSQL's to_char",
        );
        assert_eq!(
            ours.lines().count(),
            VALUES.split(", ").count() * PATTERNS.len()
        );
        for (a, b) in ours.lines().zip(theirs.lines()) {
            assert_eq!(a, b, "to_char of {type}: DriftDB's line, then PostgreSQL's");
        }
    }
}
