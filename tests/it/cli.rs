//! The `driftdb` CLI against the real server.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::server::fresh;

/// Runs `driftdb` with `args`, `stdin` on its standard input; returns what it printed.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run driftdb");
    child
        .stdin
        .take()
        .expect("stdin pipe")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for driftdb")
}

/// `driftdb --server SERVER args...`, which must succeed.
fn driftdb(server: &str, args: &[&str], stdin: &str) -> Output {
    let output = run(&[&["--server", server], args].concat(), stdin);
    assert!(
        output.status.success(),
        "driftdb {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

#[tokio::test]
async fn topics_produce_and_consume_from_the_command_line() {
    let (_dir, server) = fresh();
    let url = server.grpc_url.as_str();
    driftdb(url, &["topic", "create", "orders", "--partitions", "2"], "");
    assert!(stdout(&driftdb(url, &["topic", "list"], "")).contains("orders\t2 partitions"));

    let lines = "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":2}\n{\"id\":\"a\",\"n\":3}\n";
    driftdb(
        url,
        &[
            "produce",
            "orders",
            "--key-field",
            "id",
            "--header",
            "source=cli",
        ],
        lines,
    );

    let consumed = stdout(&driftdb(
        url,
        &["consume", "orders", "--format", "json"],
        "",
    ));
    let records: Vec<serde_json::Value> = consumed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    let of_a: Vec<_> = records
        .iter()
        .filter(|r| r["key"] == "a")
        .map(|r| r["value"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(of_a, ["{\"id\":\"a\",\"n\":1}", "{\"id\":\"a\",\"n\":3}"]);
    assert!(records.iter().all(|r| r["headers"]["source"] == "cli"));

    let raw = stdout(&driftdb(
        url,
        &["consume", "orders", "--format", "raw", "--count", "2"],
        "",
    ));
    assert_eq!(raw.lines().count(), 2);

    let described = stdout(&driftdb(url, &["topic", "describe", "orders"], ""));
    assert!(described.contains("durability: always"), "{described}");
    driftdb(url, &["topic", "delete", "orders"], "");
    assert!(!stdout(&driftdb(url, &["topic", "list"], "")).contains("orders"));
}

#[tokio::test]
async fn consume_follow_prints_records_appended_later() {
    let (_dir, server) = fresh();
    let url = server.grpc_url.clone();
    driftdb(&url, &["topic", "create", "live"], "");
    let follower = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args([
            "--server", &url, "consume", "live", "--follow", "--count", "2", "--format", "raw",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run driftdb consume --follow");
    // The follower starts at the end; keep producing until it has seen two records, so the
    // test does not depend on when its subscription opened.
    let output = std::thread::scope(|scope| {
        let waiter = scope.spawn(|| follower.wait_with_output());
        for i in 0..600 {
            if waiter.is_finished() {
                break;
            }
            driftdb(&url, &["produce", "live"], &format!("line {i}\n"));
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        waiter.join().expect("follower thread")
    })
    .expect("follower output");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<_> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.starts_with("line ")));
}

#[tokio::test]
async fn consume_with_a_group_resumes_where_the_group_stopped() {
    let (_dir, server) = fresh();
    let url = server.grpc_url.as_str();
    driftdb(url, &["topic", "create", "events", "--partitions", "3"], "");
    let lines: String = (0..10).map(|i| format!("e{i}\n")).collect();
    driftdb(url, &["produce", "events"], &lines);

    let group = ["consume", "events", "--group", "audit", "--format", "raw"];
    // The first run reads four records and commits exactly those.
    let first = stdout(&driftdb(url, &[&group[..], &["--count", "4"]].concat(), ""));
    assert_eq!(first.lines().count(), 4);
    // The second run reads the other six, and nothing twice.
    let second = stdout(&driftdb(url, &group, ""));
    let mut all: Vec<&str> = first.lines().chain(second.lines()).collect();
    all.sort_unstable();
    let mut expected: Vec<String> = (0..10).map(|i| format!("e{i}")).collect();
    expected.sort();
    assert_eq!(all, expected);
    // A third run has nothing left.
    assert_eq!(stdout(&driftdb(url, &group, "")), "");
}

#[tokio::test]
async fn sql_runs_embedded_with_sequences_and_time_travel() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    // No server: `--server` is ignored by the embedded commands.
    let url = "http://127.0.0.1:9";
    let out = stdout(&driftdb(url, &["init", data], ""));
    assert!(out.ends_with(": empty database, ready\n"), "{out}");
    let out = stdout(&driftdb(
        url,
        &[
            "sql",
            "--data",
            data,
            "-e",
            "CREATE TABLE products (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2))",
            "-e",
            "INSERT INTO products VALUES (1, 'Widget', 9.99), (2, 'Gadget', 24.50)",
            "-e",
            "UPDATE products SET price = price * 0.9",
        ],
        "",
    ));
    assert!(out.contains("CREATE TABLE @SEQ:0"), "{out}");
    assert!(out.contains("INSERT 0 2 @SEQ:1"), "{out}");
    assert!(out.contains("UPDATE 2 @SEQ:2"), "{out}");
    let out = stdout(&driftdb(url, &["init", data], ""));
    assert!(out.ends_with(": last change at @SEQ:2, ready\n"), "{out}");
    // A second process reads what the first committed, now and at @SEQ:1; SQL from stdin.
    let out = stdout(&driftdb(
        url,
        &["sql", "--data", data],
        "SELECT price FROM products WHERE id = 1; SELECT price FROM products FOR SYSTEM_TIME AS OF @SEQ:1 WHERE id = 1;",
    ));
    assert!(out.contains("8.99") && out.contains("9.99"), "{out}");
    assert!(out.contains("(1 row)"), "{out}");
    // Errors carry their SQLSTATE and fail the command.
    let failed = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(["sql", "--data", data, "-e", "SELECT * FROM missing"])
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("42P01"));
    // The statements of one `-e` are one transaction, as with `psql -c`: all or nothing,
    // and the writes share its sequence.
    let run = |sql: &str| {
        Command::new(env!("CARGO_BIN_EXE_driftdb"))
            .args(["sql", "--data", data, "-e", sql])
            .output()
            .unwrap()
    };
    let failed = run(
        "INSERT INTO products VALUES (3, 'Gizmo', 4); INSERT INTO products VALUES (1, 'Dup', 1)",
    );
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("23505"));
    assert!(
        failed.stdout.is_empty(),
        "nothing printed for a rolled-back block"
    );
    let out = String::from_utf8(run("SELECT count(*) FROM products").stdout).unwrap();
    assert!(out.contains(" 2\n"), "{out}");
    let out = String::from_utf8(
        run("INSERT INTO products VALUES (3, 'Gizmo', 4); SELECT count(*) FROM products; DELETE FROM products WHERE id = 1")
            .stdout,
    )
    .unwrap();
    assert!(
        out.contains("INSERT 0 1 @SEQ:3") && out.contains("DELETE 1 @SEQ:3"),
        "{out}"
    );
    assert!(out.contains(" 3\n"), "the block reads its own write: {out}");
}

/// `driftdb sql --url` runs SQL against a running server as psql would: each `-e` text is
/// one implicit transaction, a script goes statement by statement, and the first error
/// stops it with its SQLSTATE.
#[tokio::test]
async fn sql_runs_against_a_running_server() {
    let (_dir, server) = fresh();
    let url = format!("postgres://driftdb@{}/driftdb", server.pg_addr);
    let sql = |args: &[&str], stdin: &str| run(&[&["sql", "--url", &url], args].concat(), stdin);
    let out = sql(
        &[
            "-e",
            "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'a;b'), (2, 'c')",
            "-e",
            "SELECT id, body FROM notes ORDER BY id",
        ],
        "",
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        "OK 0\nOK 2\n id | body \n----+------\n 1  | a;b\n 2  | c\n(2 rows)\n"
    );
    // One `-e` text is one transaction: the duplicate takes the first row back.
    let out = sql(
        &[
            "-e",
            "INSERT INTO notes VALUES (3, 'x'); INSERT INTO notes VALUES (1, 'dup')",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ERROR 23505"),
        "{out:?}"
    );
    // A script from standard input runs statement by statement up to its first error.
    let out = sql(
        &[],
        "INSERT INTO notes VALUES (3, 'semi;colon');\n-- a comment\nSELECT count(*) AS n FROM notes;\nSELECT nope FROM notes;\nINSERT INTO notes VALUES (4, 'never');\n",
    );
    assert!(!out.status.success());
    assert_eq!(stdout(&out), "OK 1\n n \n---\n 3\n(1 row)\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ERROR 42703"),
        "{out:?}"
    );
    let out = sql(&["-e", "SELECT count(*) AS n FROM notes"], "");
    assert!(
        stdout(&out).contains(" 3\n"),
        "the script stopped at its error: {out:?}"
    );
    // A server that is not there is a clear error, not a hang.
    let out = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args([
            "sql",
            "--url",
            "postgres://driftdb@127.0.0.1:1/driftdb",
            "-e",
            "SELECT 1",
        ])
        .output()
        .expect("run driftdb sql");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot connect to 127.0.0.1:1"),
        "{out:?}"
    );
}
