//! The interactive `driftdb sql` prompt on a real pseudo-terminal (driven by Python's `pty`):
//! multi-line statements, psql-style prompts that show the transaction state, errors that do
//! not end the session, and the history file.

use std::path::Path;
use std::process::Command;

#[test]
fn the_repl_runs_statements_and_shows_the_transaction_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/repl/drive.py");
    let output = Command::new("python3")
        .arg(&driver)
        .arg(env!("CARGO_BIN_EXE_driftdb"))
        .arg(&data)
        .args([
            "CREATE TABLE t (id INT PRIMARY KEY, v TEXT);",
            "BEGIN;",
            "INSERT INTO t",
            "  VALUES (1, 'a');",
            "SELECT * FROM t;",
            "SELECT 1/0;",
            "ROLLBACK;",
            "SELECT count(*) FROM t;",
            "\\q",
        ])
        .env("HOME", dir.path())
        .output()
        .expect("python3 runs the pty driver");
    let raw = String::from_utf8_lossy(&output.stdout);
    // Without the terminal's escape sequences and carriage returns.
    let mut screen = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            c => screen.push(c),
        }
    }
    for expected in [
        "driftdb=> CREATE TABLE t (id INT PRIMARY KEY, v TEXT);\nCREATE TABLE @SEQ:0",
        "driftdb=*> INSERT INTO t\ndriftdb->   VALUES (1, 'a');\nINSERT 0 1",
        "  1 | a",
        "ERROR 22012",
        "driftdb=!> ROLLBACK;\nROLLBACK",
        " count \n-------\n     0\n(1 row)",
    ] {
        assert!(
            screen.contains(expected),
            "the prompt did not show {expected:?}:\n{screen}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        !screen.contains("[killed: did not exit]"),
        "\\q did not end the prompt:\n{screen}"
    );
    let history =
        std::fs::read_to_string(dir.path().join(".driftdb_history")).expect("a history file");
    assert!(history.contains("SELECT count(*) FROM t;"), "{history}");
}
