//! `kill -9` during SQL transactions: every transaction whose COMMIT was printed is there
//! after a restart, and no transaction is there in part.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const ROWS_PER_TRANSACTION: usize = 4;

fn driftdb_sql(data: &std::path::Path, sql: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(["sql", "--data"])
        .arg(data)
        .args(["-e", sql])
        .output()
        .expect("run driftdb sql");
    assert!(
        output.status.success(),
        "driftdb sql {sql:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The body of a one-column result, one value per row.
fn column(output: &str) -> Vec<String> {
    output
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with('('))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn committed_transactions_survive_kill_9_and_partial_ones_never_show() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    driftdb_sql(
        &data,
        "CREATE TABLE moves (txn INT, part INT, amount BIGINT NOT NULL, PRIMARY KEY (txn, part))",
    );
    // Transactions of several rows each, far more than run before the kill.
    let mut script = String::new();
    for txn in 0..5_000 {
        script.push_str("BEGIN;\n");
        for part in 0..ROWS_PER_TRANSACTION {
            script.push_str(&format!(
                "INSERT INTO moves VALUES ({txn}, {part}, {});\n",
                txn * 10 + part
            ));
        }
        script.push_str("COMMIT;\n");
    }
    let file = dir.path().join("load.sql");
    std::fs::write(&file, script).expect("write script");
    let mut child = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(["sql", "--data"])
        .arg(&data)
        .arg("-f")
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the loader");
    let stdout = child.stdout.take().expect("stdout pipe");
    let mut acknowledged = 0usize;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read a line");
        if line.starts_with("COMMIT @SEQ:") {
            acknowledged += 1;
            if acknowledged == 40 {
                child.kill().expect("SIGKILL the loader");
                break;
            }
        }
    }
    let _ = child.wait();
    assert_eq!(
        acknowledged, 40,
        "the loader printed 40 commits before the kill"
    );

    // Reopened: each transaction has all of its rows or none, and every printed commit is
    // there (transactions commit in order, so they are the first ones).
    let counts = column(&driftdb_sql(
        &data,
        "SELECT count(*) FROM moves GROUP BY txn ORDER BY txn",
    ));
    assert!(
        counts
            .iter()
            .all(|c| c == &ROWS_PER_TRANSACTION.to_string()),
        "a transaction is visible in part: {counts:?}"
    );
    let committed = column(&driftdb_sql(
        &data,
        "SELECT count(DISTINCT txn), coalesce(max(txn), -1) + 1 FROM moves",
    ));
    let numbers: Vec<usize> = committed[0]
        .split('|')
        .map(|n| n.trim().parse().expect("a number"))
        .collect();
    assert_eq!(
        numbers[0], numbers[1],
        "transactions committed out of order"
    );
    assert!(
        numbers[0] >= acknowledged,
        "{} transactions survived but {acknowledged} were acknowledged",
        numbers[0]
    );
}
