//! The PostgreSQL wire protocol through the real server: `tokio-postgres` over the simple
//! query protocol, and `psql` itself.

use std::process::Command;

use tokio_postgres::{NoTls, SimpleQueryMessage};

use crate::server::fresh;

pub(crate) async fn connect(addr: &str) -> tokio_postgres::Client {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let (client, connection) = tokio_postgres::connect(
        &format!("host={host} port={port} user=driftdb dbname=driftdb"),
        NoTls,
    )
    .await
    .expect("connect over the PostgreSQL protocol");
    tokio::spawn(connection);
    client
}

/// The rows of a simple query, each as its column texts (NULL as None).
pub(crate) async fn rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some(v.to_string())).collect()
}

#[tokio::test]
async fn sql_over_the_wire_with_transactions_time_travel_and_sqlstates() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC(10,2));
             INSERT INTO accounts VALUES (1, 'ann', 100.00), (2, 'bob', 50.00);",
        )
        .await
        .expect("create and insert");
    assert_eq!(
        rows(
            &client,
            "SELECT id, owner, balance FROM accounts ORDER BY id"
        )
        .await,
        vec![some(&["1", "ann", "100.00"]), some(&["2", "bob", "50.00"])]
    );

    // A transfer in one transaction: its sequence is one, and the past stays readable.
    let other = connect(&server.pg_addr).await;
    client.batch_execute("BEGIN").await.expect("begin");
    client
        .batch_execute("UPDATE accounts SET balance = balance - 30 WHERE id = 1")
        .await
        .expect("debit");
    client
        .batch_execute("UPDATE accounts SET balance = balance + 30 WHERE id = 2")
        .await
        .expect("credit");
    // Another session does not see the open transaction.
    assert_eq!(
        rows(&other, "SELECT balance FROM accounts WHERE id = 1").await,
        vec![some(&["100.00"])]
    );
    client.batch_execute("COMMIT").await.expect("commit");
    assert_eq!(
        rows(&other, "SELECT sum(balance) FROM accounts").await,
        vec![some(&["150.00"])]
    );
    assert_eq!(
        rows(
            &other,
            "SELECT id, balance FROM accounts FOR SYSTEM_TIME AS OF @SEQ:0 ORDER BY id"
        )
        .await,
        vec![some(&["1", "100.00"]), some(&["2", "50.00"])]
    );
    // The CREATE TABLE and INSERT of one query string are one commit (@SEQ:0), as in
    // PostgreSQL, and the transfer the next.
    assert_eq!(
        rows(&other, "SELECT MAX(__sequence) FROM accounts").await,
        vec![some(&["1"])]
    );

    // Errors carry PostgreSQL's SQLSTATEs, and an error aborts the transaction.
    let code = |e: tokio_postgres::Error| e.code().map(|c| c.code().to_string());
    let e = client
        .simple_query("SELECT * FROM missing")
        .await
        .unwrap_err();
    assert_eq!(code(e), Some("42P01".to_string()));
    let e = client
        .simple_query("INSERT INTO accounts VALUES (1, 'again', 0)")
        .await
        .unwrap_err();
    assert_eq!(code(e), Some("23505".to_string()));
    let e = client.simple_query("SELEC 1").await.unwrap_err();
    assert_eq!(code(e), Some("42601".to_string()));
    client.batch_execute("BEGIN").await.expect("begin");
    let e = client.simple_query("SELECT 1 / 0").await.unwrap_err();
    assert_eq!(code(e), Some("22012".to_string()));
    let e = client.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(code(e), Some("25P02".to_string()));
    client.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(rows(&client, "SELECT 1").await, vec![some(&["1"])]);

    // RETURNING comes back as rows with the write's tag.
    let messages = client
        .simple_query("INSERT INTO accounts VALUES (3, 'cy', NULL) RETURNING id, balance")
        .await
        .expect("insert returning");
    let returned: Vec<_> = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((r.get(0).map(str::to_string), r.get(1).map(str::to_string)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(returned, vec![(Some("3".to_string()), None)]);
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, SimpleQueryMessage::CommandComplete(1))),
        "INSERT ... RETURNING completes with its row count"
    );
}

#[tokio::test]
async fn psql_runs_a_script_and_reports_errors() {
    let (dir, server) = fresh();
    if Command::new("psql").arg("--version").output().is_err() {
        panic!("psql is needed for this test (Debian package postgresql-client)");
    }
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let script = "
CREATE TABLE products (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(10,2));
INSERT INTO products VALUES (1, 'Widget', 9.99), (2, 'Gadget', 24.50);
UPDATE products SET price = 19.99 WHERE id = 2;
SELECT id, name, price FROM products FOR SYSTEM_TIME AS OF @SEQ:1 ORDER BY id;
SELECT name, __operation FROM products FOR SYSTEM_TIME ALL WHERE id = 2 ORDER BY __sequence;
SELECT * FROM nowhere;
";
    let path = dir.data().with_file_name("script.sql");
    std::fs::write(&path, script).expect("write the script");
    let output = Command::new("psql")
        .args(["-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb"])
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-F",
            ",",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
        ])
        .arg(&path)
        .output()
        .expect("run psql");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // `psql -f` sends the statements one by one, each its own transaction: results come
    // back for each up to the first error, which psql prints.
    assert!(stdout.contains("1,Widget,9.99"), "{stdout}\n{stderr}");
    assert!(stdout.contains("2,Gadget,24.50"), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Gadget,INSERT\nGadget,UPDATE"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("ERROR:"), "{stderr}");
    assert!(
        !output.status.success(),
        "psql reports the failed statement"
    );
}

/// A startup packet for protocol 3.0 as user and database `driftdb`.
fn startup_packet() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196_608i32.to_be_bytes());
    for part in ["user", "driftdb", "database", "driftdb"] {
        body.extend_from_slice(part.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    packet.extend_from_slice(&body);
    packet
}

/// Sends `bytes` on a fresh connection (after a startup if asked), reads whatever comes back
/// until the server closes or goes quiet, and returns it.
fn poke(addr: &str, start: bool, bytes: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .expect("timeout");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    if start {
        stream.write_all(&startup_packet()).expect("startup");
        // Up to ReadyForQuery ('Z').
        while !seen.contains(&b'Z') {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    }
    let _ = stream.write_all(bytes);
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    seen
}

#[tokio::test]
async fn hostile_bytes_never_take_the_server_down() {
    let (_dir, server) = fresh();
    let addr = server.pg_addr.clone();
    let query = |sql: &[u8]| {
        let mut m = vec![b'Q'];
        m.extend_from_slice(&((sql.len() + 5) as i32).to_be_bytes());
        m.extend_from_slice(sql);
        m.push(0);
        m
    };
    let cases: Vec<(&str, bool, Vec<u8>)> = vec![
        (
            "garbage instead of a startup packet",
            false,
            (0..=255u8).cycle().take(3000).collect(),
        ),
        (
            "a startup packet claiming 1 GiB",
            false,
            (1i32 << 30).to_be_bytes().to_vec(),
        ),
        ("a negative length", false, (-5i32).to_be_bytes().to_vec()),
        (
            "a truncated startup packet",
            false,
            startup_packet()[..7].to_vec(),
        ),
        ("a query claiming 2 GiB", true, {
            let mut m = vec![b'Q'];
            m.extend_from_slice(&i32::MAX.to_be_bytes());
            m.extend_from_slice(b"SELECT 1");
            m
        }),
        ("a truncated query", true, query(b"SELECT 1")[..6].to_vec()),
        ("invalid UTF-8 in a query", true, query(&[0xff, 0xfe, b'x'])),
        ("an unknown message type", true, vec![b'@', 0, 0, 0, 4]),
    ];
    for (what, start, bytes) in cases {
        let addr = addr.clone();
        tokio::task::spawn_blocking(move || poke(&addr, start, &bytes))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        // The server still answers a well-behaved client.
        let client = connect(&server.pg_addr).await;
        assert_eq!(
            rows(&client, "SELECT 1").await,
            vec![some(&["1"])],
            "after {what}"
        );
    }
}

#[tokio::test]
async fn prepared_statements_with_typed_parameters_and_binary_results() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL, qty INT, \
             weight DOUBLE PRECISION, active BOOLEAN, price NUMERIC(10,2), added DATE, \
             seen TIMESTAMPTZ)",
        )
        .await
        .expect("create");
    // Parameter types inferred from the target columns.
    let insert = client
        .prepare("INSERT INTO items (id, name, qty, weight, active) VALUES ($1, $2, $3, $4, $5)")
        .await
        .expect("prepare insert");
    for (id, name) in [(1i64, "bolt"), (2, "nut"), (3, "gear")] {
        let n = client
            .execute(
                &insert,
                &[
                    &id,
                    &name,
                    &(id as i32 * 10),
                    &(id as f64 / 4.0),
                    &(id != 2),
                ],
            )
            .await
            .expect("insert");
        assert_eq!(n, 1);
    }
    client
        .batch_execute(
            "UPDATE items SET price = 9.99, added = '2025-01-02', seen = '2025-01-02 03:04:05+00' \
             WHERE id = 1",
        )
        .await
        .expect("update");

    // Parameters compared with columns; results in binary.
    let rows = client
        .query(
            "SELECT id, name, qty, weight, active FROM items WHERE id >= $1 AND name <> $2 ORDER BY id",
            &[&2i64, &"gear"],
        )
        .await
        .expect("query");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.get::<_, i64>(0), 2);
    assert_eq!(row.get::<_, String>(1), "nut");
    assert_eq!(row.get::<_, Option<i32>>(2), Some(20));
    assert_eq!(row.get::<_, f64>(3), 0.5);
    assert!(!row.get::<_, bool>(4));

    // Timestamps in binary; NUMERIC and DATE through text casts; NULL as None.
    let row = client
        .query_one(
            "SELECT seen, CAST(price AS TEXT), CAST(added AS TEXT), qty FROM items WHERE id = $1",
            &[&1i64],
        )
        .await
        .expect("query one");
    assert_eq!(
        row.get::<_, std::time::SystemTime>(0),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_735_787_045)
    );
    assert_eq!(row.get::<_, String>(1), "9.99");
    assert_eq!(row.get::<_, String>(2), "2025-01-02");
    let row = client
        .query_one(
            "SELECT price IS NULL, seen FROM items WHERE id = $1",
            &[&2i64],
        )
        .await
        .expect("NULLs");
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, Option<std::time::SystemTime>>(1), None);

    // Arrays in binary: typed elements, NULL elements, and the catalogs' int2vector.
    let row = client
        .query_one(
            "SELECT array_agg(id ORDER BY id DESC), array_agg(CASE WHEN id = 2 THEN NULL ELSE name END ORDER BY id) \
             FROM items",
            &[],
        )
        .await
        .expect("arrays");
    assert_eq!(row.get::<_, Vec<i64>>(0), vec![3, 2, 1]);
    assert_eq!(
        row.get::<_, Vec<Option<String>>>(1),
        vec![Some("bolt".to_string()), None, Some("gear".to_string())]
    );
    let row = client
        .query_one(
            "SELECT indkey FROM pg_index WHERE indrelid = 'items'::regclass",
            &[],
        )
        .await
        .expect("int2vector");
    assert_eq!(
        row.columns()[0].type_(),
        &tokio_postgres::types::Type::INT2_VECTOR
    );
    assert_eq!(row.get::<_, Vec<i16>>(0), vec![1]);

    // UPDATE and DELETE parameters take the types of the columns they meet.
    let n = client
        .execute(
            "UPDATE items SET qty = $1 WHERE name = $2",
            &[&99i32, &"bolt"],
        )
        .await
        .expect("update with parameters");
    assert_eq!(n, 1);
    let n = client
        .execute("DELETE FROM items WHERE id IN ($1, $2)", &[&2i64, &3i64])
        .await
        .expect("delete with parameters");
    assert_eq!(n, 2);
    let left = client
        .query("SELECT id, qty FROM items", &[])
        .await
        .expect("what is left");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].get::<_, Option<i32>>(1), Some(99));

    // Errors keep their SQLSTATE in the extended protocol too.
    let e = client
        .execute(&insert, &[&1i64, &"dup", &1i32, &1.0f64, &true])
        .await
        .unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("23505"));
    let e = client.prepare("SELEC 1").await.unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("42601"));

    // A transaction through prepared statements.
    let mut client = client;
    let txn = client.transaction().await.expect("begin");
    txn.execute(&insert, &[&10i64, &"spring", &1i32, &0.1f64, &true])
        .await
        .expect("insert in a transaction");
    txn.rollback().await.expect("rollback");
    let count: i64 = client
        .query_one("SELECT count(*) FROM items WHERE id = $1", &[&10i64])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 0);
}

#[tokio::test]
async fn notices_and_warnings_reach_psql_as_postgresql_sends_them() {
    let (_dir, server) = fresh();
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = |sql: &str| {
        let output = Command::new("psql")
            .args(["-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb"])
            .args(["-X", "-q", "-c", sql])
            .output()
            .expect("run psql");
        assert!(output.status.success(), "{sql}: {output:?}");
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let stderr = psql("COMMIT");
    assert!(
        stderr.contains("WARNING:  there is no transaction in progress"),
        "{stderr}"
    );
    let stderr = psql("DROP TABLE IF EXISTS nowhere");
    assert!(
        stderr.contains("NOTICE:  table \"nowhere\" does not exist, skipping"),
        "{stderr}"
    );
    psql("CREATE TABLE here (id INT PRIMARY KEY)");
    let stderr = psql("CREATE TABLE IF NOT EXISTS here (id INT PRIMARY KEY)");
    assert!(
        stderr.contains("NOTICE:  relation \"here\" already exists, skipping"),
        "{stderr}"
    );
    // One name dropped, one missing: the drop commits and the missing one is noticed.
    let stderr = psql("DROP TABLE IF EXISTS here, gone");
    assert!(
        stderr.contains("NOTICE:  table \"gone\" does not exist, skipping"),
        "{stderr}"
    );
    let stderr = psql("DROP TABLE IF EXISTS here");
    assert!(
        stderr.contains("NOTICE:  table \"here\" does not exist, skipping"),
        "{stderr}"
    );
}

/// Sends cancel requests until `running` ends (a request that arrives before the query
/// starts cancels nothing, as in PostgreSQL), and returns the query's error. Each request
/// is answered before the next check, so none is still in flight afterwards.
async fn cancel_until_done(
    client: &tokio_postgres::Client,
    running: tokio::task::JoinHandle<Result<u64, tokio_postgres::Error>>,
) -> tokio_postgres::Error {
    let token = client.cancel_token();
    // A guard against a cancel that never lands, not a measurement.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !running.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the cancel request did not stop the query"
        );
        token
            .cancel_query(NoTls)
            .await
            .expect("send a cancel request");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    running
        .await
        .expect("query task")
        .expect_err("the query was cancelled")
}

#[tokio::test]
async fn a_cancel_request_stops_the_running_query() {
    let (_dir, server) = fresh();
    let client = std::sync::Arc::new(connect(&server.pg_addr).await);
    let values: Vec<String> = (0..2000).map(|i| format!("({i})")).collect();
    client
        .batch_execute(&format!(
            "CREATE TABLE n (id INT PRIMARY KEY); INSERT INTO n VALUES {}",
            values.join(",")
        ))
        .await
        .expect("create and fill");
    // 8·10⁹ joined rows: this runs until something stops it.
    let endless = "SELECT count(*) FROM n a, n b, n c WHERE a.id + b.id + c.id >= 0";

    let running = tokio::spawn({
        let client = std::sync::Arc::clone(&client);
        async move { client.execute(endless, &[]).await }
    });
    let e = cancel_until_done(&client, running).await;
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED),
        "{e}"
    );
    // The connection carries on.
    assert_eq!(
        rows(&client, "SELECT count(*) FROM n").await,
        [some(&["2000"])]
    );

    // Inside a transaction, the cancel aborts it, and nothing it wrote is kept.
    client
        .batch_execute("BEGIN; INSERT INTO n VALUES (-1)")
        .await
        .expect("begin and write");
    let running = tokio::spawn({
        let client = std::sync::Arc::clone(&client);
        async move { client.simple_query(endless).await.map(|_| 0) }
    });
    let e = cancel_until_done(&client, running).await;
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED),
        "{e}"
    );
    let e = client
        .simple_query("SELECT 1")
        .await
        .expect_err("the transaction is aborted");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION)
    );
    client.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(
        rows(&client, "SELECT count(*) FROM n").await,
        [some(&["2000"])]
    );
}

#[tokio::test]
async fn copy_in_and_out_in_text_and_csv() {
    use futures::{SinkExt, TryStreamExt};

    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute("CREATE TABLE items (id INT PRIMARY KEY, name TEXT, price NUMERIC(10,2))")
        .await
        .expect("create");

    // CSV through the extended protocol (tokio-postgres prepares COPY), with a record
    // split across two CopyData messages and a quoted field holding a newline.
    let sink = client
        .copy_in("COPY items FROM STDIN WITH (FORMAT csv, HEADER)")
        .await
        .expect("start COPY FROM STDIN");
    let mut sink = std::pin::pin!(sink);
    for chunk in [
        "id,name,price\n1,ann,9.50\n2,\"b,\"\"q\"\"",
        "\nline two\",\n3,,1.25\n",
    ] {
        sink.send(bytes::Bytes::from(chunk))
            .await
            .expect("send data");
    }
    assert_eq!(sink.finish().await.expect("COPY FROM STDIN"), 3);
    let loaded = client
        .query_one("SHOW driftdb.last_sequence", &[])
        .await
        .expect("last sequence")
        .get::<_, String>(0);

    // Text format: NULL is \N, and tabs, newlines and backslashes are escaped.
    let out: Vec<bytes::Bytes> = client
        .copy_out("COPY items TO STDOUT")
        .await
        .expect("COPY TO STDOUT")
        .try_collect()
        .await
        .expect("read COPY data");
    assert_eq!(
        out.concat(),
        b"1\tann\t9.50\n2\tb,\"q\"\\nline two\t\\N\n3\t\\N\t1.25\n"
    );

    // A bad record fails the whole COPY, with its line, and writes nothing.
    let sink = client
        .copy_in("COPY items (id, name) FROM STDIN")
        .await
        .expect("start COPY");
    let mut sink = std::pin::pin!(sink);
    sink.send(bytes::Bytes::from_static(b"4\tfour\n5\tfive\textra\n"))
        .await
        .expect("send");
    let e = sink.finish().await.expect_err("an extra column");
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::BAD_COPY_FILE_FORMAT),
        "{e:?}"
    );
    assert!(format!("{e:?}").contains("line 2"), "{e:?}");
    assert_eq!(
        rows(&client, "SELECT count(*) FROM items").await,
        [some(&["3"])]
    );

    // A write in the past of the COPY does not see its rows; CSV out with a header.
    rows(&client, "UPDATE items SET price = 10 WHERE id = 1").await;
    let out: Vec<bytes::Bytes> = client
        .copy_out(&format!(
            "COPY (SELECT id, price FROM items FOR SYSTEM_TIME AS OF @SEQ:{loaded} ORDER BY id) TO STDOUT (FORMAT csv, HEADER)"
        ))
        .await
        .expect("COPY (query) TO STDOUT")
        .try_collect()
        .await
        .expect("read");
    assert_eq!(out.concat(), b"id,price\n1,9.50\n2,\n3,1.25\n");

    // psql's \copy, and the server's own files refused.
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("more.csv");
    std::fs::write(&file, "10,ten,1\n11,\"eleven, with a comma\",2\n").expect("write csv");
    let output = Command::new("psql")
        .args([
            "-X", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
        ])
        .arg("-c")
        .arg(format!(
            "\\copy items FROM '{}' (FORMAT csv)",
            file.display()
        ))
        .args([
            "-c",
            "\\copy (SELECT name FROM items WHERE id >= 10 ORDER BY id) TO STDOUT",
        ])
        .args(["-c", "COPY items FROM '/etc/passwd'"])
        .output()
        .expect("run psql");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("COPY 2\nten\neleven, with a comma\n"),
        "{stdout}"
    );
    assert!(
        stderr.contains("ERROR:  COPY FROM '/etc/passwd' is not available"),
        "{stderr}"
    );
}

#[tokio::test]
async fn prepare_execute_and_deallocate_in_sql() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE t (id INT PRIMARY KEY, name TEXT);
             PREPARE ins (int, text) AS INSERT INTO t VALUES ($1, $2);
             EXECUTE ins(1, 'a');
             EXECUTE ins('2', 'b');
             UPDATE t SET name = 'z' WHERE id = 1;
             PREPARE at (int, bigint) AS SELECT name FROM t WHERE id = $1;",
        )
        .await
        .expect("prepare and execute");
    assert_eq!(rows(&client, "EXECUTE at(1, 0)").await, [some(&["z"])]);
    let code = |e: tokio_postgres::Error| e.code().map(|c| c.code().to_string());
    for (sql, sqlstate) in [
        ("EXECUTE at(1)", "42601"),
        ("EXECUTE nope(1)", "26000"),
        ("PREPARE ins AS SELECT 1", "42P05"),
        ("EXECUTE ins('x', 'y')", "22P02"),
    ] {
        let e = client.simple_query(sql).await.expect_err(sql);
        assert_eq!(code(e), Some(sqlstate.to_string()), "{sql}");
    }
    client
        .batch_execute("DEALLOCATE ins")
        .await
        .expect("deallocate");
    let e = client
        .simple_query("EXECUTE ins(3, 'c')")
        .await
        .expect_err("deallocated");
    assert_eq!(code(e), Some("26000".to_string()));
    client
        .batch_execute("DEALLOCATE ALL")
        .await
        .expect("deallocate all");
    let e = client
        .simple_query("EXECUTE at(1, 0)")
        .await
        .expect_err("deallocated");
    assert_eq!(code(e), Some("26000".to_string()));
    assert_eq!(
        rows(&client, "SELECT count(*) FROM t").await,
        [some(&["2"])]
    );
}

/// psql's describe commands answer from the catalogs as they do against PostgreSQL 15
/// (the expected text is PostgreSQL's own output for the same tables, owner aside).
#[tokio::test]
async fn psql_describe_commands_read_the_catalogs() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL,
               sku VARCHAR(20) UNIQUE, total NUMERIC(12,2) DEFAULT 0,
               placed_at TIMESTAMPTZ DEFAULT now());
             CREATE INDEX orders_by_customer ON orders (customer);
             CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT);",
        )
        .await
        .expect("create tables");
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = |command: &str| {
        let output = Command::new("psql")
            .args([
                "-X", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
            ])
            .args(["-c", command])
            .output()
            .expect("run psql");
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "{command}: {output:?}"
        );
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    assert_eq!(
        psql("\\dt"),
        "         List of relations
 Schema |  Name  | Type  |  Owner  
--------+--------+-------+---------
 public | orders | table | driftdb
 public | users  | table | driftdb
(2 rows)

"
    );
    assert_eq!(
        psql("\\d orders"),
        "                         Table \"public.orders\"
  Column   |           Type           | Collation | Nullable | Default 
-----------+--------------------------+-----------+----------+---------
 id        | bigint                   |           | not null | 
 customer  | text                     |           | not null | 
 sku       | character varying(20)    |           |          | 
 total     | numeric(12,2)            |           |          | 0
 placed_at | timestamp with time zone |           |          | now()
Indexes:
    \"orders_pkey\" PRIMARY KEY, btree (id)
    \"orders_by_customer\" btree (customer)
    \"orders_sku_key\" UNIQUE CONSTRAINT, btree (sku)

"
    );
    assert_eq!(
        psql("\\di"),
        "                   List of relations
 Schema |        Name        | Type  |  Owner  | Table  
--------+--------------------+-------+---------+--------
 public | orders_by_customer | index | driftdb | orders
 public | orders_pkey        | index | driftdb | orders
 public | orders_sku_key     | index | driftdb | orders
 public | users_pkey         | index | driftdb | users
(4 rows)

"
    );
    assert!(psql("\\l").contains(" driftdb | driftdb | UTF8     |"));
    assert!(psql("\\dn").contains(" public | pg_database_owner\n"));
    assert!(
        psql("\\du").contains(" driftdb   | Superuser, Create role, Create DB, Bypass RLS | {}\n")
    );

    // A table a transaction creates is in its own catalogs, and in no one else's.
    client
        .batch_execute("BEGIN; CREATE TABLE draft (id INT PRIMARY KEY)")
        .await
        .expect("create in a transaction");
    let listed = |rows: Vec<Vec<Option<String>>>| -> Vec<String> {
        rows.into_iter().filter_map(|r| r[0].clone()).collect()
    };
    assert_eq!(
        listed(
            rows(
                &client,
                "SELECT relname FROM pg_class WHERE relkind = 'r' ORDER BY 1"
            )
            .await
        ),
        ["draft", "orders", "users"]
    );
    assert!(!psql("\\dt").contains("draft"));
    client.batch_execute("ROLLBACK").await.expect("rollback");

    // information_schema, as tools read it.
    assert_eq!(
        rows(
            &client,
            "SELECT column_name, data_type, is_nullable, column_default
               FROM information_schema.columns WHERE table_name = 'orders'
              ORDER BY ordinal_position"
        )
        .await,
        [
            vec![
                Some("id".into()),
                Some("bigint".into()),
                Some("NO".into()),
                None
            ],
            vec![
                Some("customer".into()),
                Some("text".into()),
                Some("NO".into()),
                None
            ],
            vec![
                Some("sku".into()),
                Some("character varying".into()),
                Some("YES".into()),
                None
            ],
            vec![
                Some("total".into()),
                Some("numeric".into()),
                Some("YES".into()),
                Some("0".into())
            ],
            vec![
                Some("placed_at".into()),
                Some("timestamp with time zone".into()),
                Some("YES".into()),
                Some("now()".into())
            ],
        ]
    );
}

#[test]
fn tls_with_a_certificate_and_require_tls() {
    use std::ffi::OsStr;

    let dir = crate::server::TestDir::new();
    let certs = crate::tls::Certs::new();
    let (cert, key, ca) = (
        certs.path("cert.pem"),
        certs.path("key.pem"),
        certs.path("ca.pem"),
    );

    // A key that is not there stops the server at once, saying which file.
    let missing = certs.path("missing.pem");
    let e = crate::server::Server::try_start_with(
        &dir.data(),
        0,
        &[
            OsStr::new("--tls-cert"),
            cert.as_os_str(),
            OsStr::new("--tls-key"),
            missing.as_os_str(),
        ],
    )
    .err()
    .expect("no key, no server");
    assert!(e.contains("reading the TLS key"), "{e}");

    let server = crate::server::Server::try_start_with(
        &dir.data(),
        0,
        &[
            OsStr::new("--tls-cert"),
            cert.as_os_str(),
            OsStr::new("--tls-key"),
            key.as_os_str(),
            OsStr::new("--require-tls"),
        ],
    )
    .expect("server with TLS");
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = |sslmode: &str| {
        Command::new("psql")
            .arg(format!(
                "host={host} port={port} user=driftdb dbname=driftdb sslmode={sslmode} sslrootcert={}",
                ca.display()
            ))
            .args(["-X", "-c", "\\conninfo", "-c", "SELECT 41 + 1"])
            .output()
            .expect("run psql")
    };
    // verify-full checks the certificate the server presents against our own.
    let secure = psql("verify-full");
    let stdout = String::from_utf8_lossy(&secure.stdout);
    assert!(secure.status.success(), "{secure:?}");
    assert!(
        stdout.contains("SSL connection (protocol: TLSv1."),
        "{stdout}"
    );
    assert!(stdout.contains("42"), "{stdout}");
    let plain = psql("disable");
    assert!(!plain.status.success());
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(stderr.contains("this server requires TLS"), "{stderr}");

    // `driftdb sql --url` speaks TLS too: verified against a CA file, or (libpq's
    // `require`) encrypted without one; without TLS the server refuses it.
    let cli = |sslmode: &str, ca: Option<&std::path::Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_driftdb"));
        command
            .args(["sql", "--url"])
            .arg(format!(
                "postgres://driftdb@{host}:{port}/driftdb?sslmode={sslmode}"
            ))
            .args(["-e", "SELECT 6 * 7 AS answer"]);
        if let Some(ca) = ca {
            command.arg("--ca-file").arg(ca);
        }
        command.output().expect("run driftdb sql")
    };
    for (sslmode, ca) in [("require", Some(ca.as_path())), ("require", None)] {
        let out = cli(sslmode, ca);
        assert!(out.status.success(), "{sslmode} {ca:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(" 42\n"),
            "{out:?}"
        );
    }
    let plain = cli("disable", None);
    assert!(!plain.status.success());
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(stderr.contains("this server requires TLS"), "{stderr}");
    // A CA that did not sign the server's certificate is refused.
    certs.authority("other");
    let other = certs.path("other.pem");
    let refused = cli("require", Some(other.as_path()));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("certificate"), "{stderr}");
}

/// The bootstrap superuser's password from a file (how the Helm chart passes a Secret):
/// the role is created with it, logs in with it under SCRAM, and keeps it when a later
/// start is given another.
#[test]
fn a_bootstrap_superuser_password_from_a_file() {
    use std::ffi::OsStr;

    let dir = crate::server::TestDir::new();
    let secrets = tempfile::tempdir().expect("temp dir");
    let file = secrets.path().join("password");
    let psql = |addr: &str, password: &str| {
        let (host, port) = addr.rsplit_once(':').expect("host:port");
        Command::new("psql")
            .args([
                "-X", "-A", "-t", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
            ])
            .args([
                "-c",
                "SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = 'driftdb'",
            ])
            .env("PGPASSWORD", password)
            .output()
            .expect("run psql")
    };
    let start = |password: &str| {
        // As a mounted Secret often is: with a trailing newline, which is not part of it.
        std::fs::write(&file, format!("{password}\n")).expect("write the password file");
        crate::server::Server::try_start_with(
            &dir.data(),
            0,
            &[
                OsStr::new("--auth"),
                OsStr::new("scram-sha-256"),
                OsStr::new("--superuser-password-file"),
                file.as_os_str(),
            ],
        )
        .expect("server with a superuser password")
    };
    {
        let server = start("first secret");
        let out = psql(&server.pg_addr, "first secret");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t|t");
        let wrong = psql(&server.pg_addr, "first secret\n");
        assert!(!wrong.status.success());
        assert!(
            String::from_utf8_lossy(&wrong.stderr).contains("password authentication failed"),
            "{wrong:?}"
        );
    }
    // A later start with another password keeps the first, as PostgreSQL's images do.
    let server = start("second secret");
    assert!(psql(&server.pg_addr, "first secret").status.success());
    assert!(!psql(&server.pg_addr, "second secret").status.success());
    assert!(
        crate::server::server_log(&dir.data()).contains("already has a password"),
        "the log says why the new password was not applied"
    );
}

/// Roles made in SQL log in with their passwords (SCRAM-SHA-256, then MD5), and see only
/// the tables they were granted.
#[test]
fn passwords_roles_and_grants() {
    use std::ffi::OsStr;

    let dir = crate::server::TestDir::new();
    let psql = |addr: &str, user: &str, password: &str, sql: &str| {
        let (host, port) = addr.rsplit_once(':').expect("host:port");
        Command::new("psql")
            .args([
                "-X", "-q", "-A", "-t", "-h", host, "-p", port, "-U", user, "-d", "driftdb",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-c", sql])
            .env("PGPASSWORD", password)
            .output()
            .expect("run psql")
    };
    let ok = |output: std::process::Output| -> String {
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    let err = |output: std::process::Output| -> String {
        assert!(!output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).to_string()
    };

    // Trust (the default): set up as the bootstrap superuser.
    {
        let server = crate::server::Server::start(&dir.data());
        let addr = &server.pg_addr;
        ok(psql(
            addr,
            "driftdb",
            "",
            "CREATE TABLE secrets (id INT PRIMARY KEY, v TEXT);
             CREATE TABLE public_notes (id INT PRIMARY KEY, v TEXT);
             CREATE TABLE vault (id INT PRIMARY KEY, v TEXT);
             INSERT INTO secrets VALUES (1, 's');
             INSERT INTO public_notes VALUES (1, 'n');
             CREATE USER ann PASSWORD 'correct horse';
             CREATE ROLE admin LOGIN SUPERUSER PASSWORD 'root pw';
             CREATE ROLE nologin PASSWORD 'x';
             GRANT SELECT, INSERT ON public_notes TO ann;",
        ));
        let e = err(psql(addr, "driftdb", "", "CREATE ROLE ann"));
        assert!(e.contains("role \"ann\" already exists"), "{e}");
        // PostgreSQL's predefined roles own the prefix (pg_database_owner is in pg_roles).
        let e = err(psql(addr, "driftdb", "", "CREATE ROLE pg_database_owner"));
        assert!(
            e.contains("role name \"pg_database_owner\" is reserved"),
            "{e}"
        );
        // \du lists them.
        let roles = ok(psql(
            addr,
            "driftdb",
            "",
            "SELECT rolname, rolsuper, rolcanlogin FROM pg_roles ORDER BY 1",
        ));
        assert_eq!(
            roles,
            "admin|t|t\nann|f|t\ndriftdb|t|t\nnologin|f|f\npg_database_owner|f|f"
        );
    }

    for method in ["scram-sha-256", "md5"] {
        let server = crate::server::Server::try_start_with(
            &dir.data(),
            0,
            &[OsStr::new("--auth"), OsStr::new(method)],
        )
        .expect("server with passwords");
        let addr = &server.pg_addr;
        // The scram round changes ann's password at its end.
        let pw = if method == "md5" {
            "battery staple"
        } else {
            "correct horse"
        };
        // The right password, and only it.
        assert_eq!(
            ok(psql(
                addr,
                "ann",
                pw,
                "SELECT v FROM public_notes WHERE id = 1"
            )),
            "n"
        );
        // The session knows whom it runs as.
        assert_eq!(
            ok(psql(
                addr,
                "ann",
                pw,
                "SELECT current_user, session_user, user, current_role"
            )),
            "ann|ann|ann|ann"
        );
        for (user, password) in [("ann", "wrong"), ("nobody", "x"), ("nologin", "x")] {
            let e = err(psql(addr, user, password, "SELECT 1"));
            assert!(
                e.contains(&format!(
                    "password authentication failed for user \"{user}\""
                )),
                "{method} {user}: {e}"
            );
        }
        // Privileges: granted SELECT and INSERT on one table, nothing on the other.
        let e = err(psql(addr, "ann", pw, "SELECT * FROM vault"));
        assert!(e.contains("permission denied for table vault"), "{e}");
        let e = err(psql(addr, "ann", pw, "UPDATE public_notes SET v = 'x'"));
        assert!(
            e.contains("permission denied for table public_notes"),
            "{e}"
        );
        let e = err(psql(
            addr,
            "ann",
            pw,
            "CREATE TABLE mine (id INT PRIMARY KEY)",
        ));
        assert!(e.contains("needs a superuser"), "{e}");
        let e = err(psql(addr, "ann", pw, "CREATE ROLE bob"));
        assert!(e.contains("needs a superuser"), "{e}");
        let e = err(psql(
            addr,
            "ann",
            pw,
            "SELECT * FROM public_notes WHERE id IN (SELECT id FROM vault)",
        ));
        assert!(e.contains("permission denied for table vault"), "{e}");
        if method == "scram-sha-256" {
            ok(psql(
                addr,
                "ann",
                "correct horse",
                "INSERT INTO public_notes VALUES (2, 'from ann')",
            ));
            // The superuser grants and revokes; the change holds for the next statement.
            ok(psql(
                addr,
                "admin",
                "root pw",
                "GRANT SELECT ON secrets TO ann; REVOKE INSERT ON public_notes FROM ann",
            ));
            assert_eq!(
                ok(psql(addr, "ann", "correct horse", "SELECT v FROM secrets")),
                "s"
            );
            let e = err(psql(
                addr,
                "ann",
                "correct horse",
                "INSERT INTO public_notes VALUES (3, 'no')",
            ));
            assert!(
                e.contains("permission denied for table public_notes"),
                "{e}"
            );
            // A role changes its own password.
            ok(psql(
                addr,
                "ann",
                "correct horse",
                "ALTER ROLE ann PASSWORD 'battery staple'",
            ));
            let e = err(psql(addr, "ann", "correct horse", "SELECT 1"));
            assert!(e.contains("password authentication failed"), "{e}");
            assert_eq!(
                ok(psql(
                    addr,
                    "ann",
                    "battery staple",
                    "SELECT count(*) FROM public_notes"
                )),
                "2"
            );
            // Checkpointed, the roles and grants survive a restart (checked under md5).
            ok(psql(addr, "admin", "root pw", "CHECKPOINT TABLE secrets"));
        } else {
            assert_eq!(
                ok(psql(addr, "ann", "battery staple", "SELECT v FROM secrets")),
                "s"
            );
            ok(psql(
                addr,
                "admin",
                "root pw",
                "DROP TABLE secrets; CREATE TABLE secrets (id INT PRIMARY KEY)",
            ));
            // A new table of the same name starts with no grants.
            let e = err(psql(addr, "ann", "battery staple", "SELECT * FROM secrets"));
            assert!(e.contains("permission denied for table secrets"), "{e}");
            ok(psql(addr, "admin", "root pw", "DROP ROLE ann"));
            let e = err(psql(addr, "ann", "battery staple", "SELECT 1"));
            assert!(e.contains("password authentication failed"), "{e}");
        }
    }
}

/// `--max-connections` refuses the connection over the limit as PostgreSQL does, and a flood
/// of connections sending garbage leaves the server serving.
#[tokio::test]
async fn connection_limits_and_floods() {
    use std::ffi::OsStr;
    use tokio::io::AsyncWriteExt;

    let dir = crate::server::TestDir::new();
    let server = crate::server::Server::try_start_with(
        &dir.data(),
        0,
        &[OsStr::new("--max-connections"), OsStr::new("3")],
    )
    .expect("server");
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect(&server.pg_addr).await);
    }
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = || {
        Command::new("psql")
            .args([
                "-X", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
            ])
            .args(["-c", "SELECT 1"])
            .output()
            .expect("run psql")
    };
    let refused = psql();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("sorry, too many clients already"),
        "{stderr}"
    );
    // The held connections still work, and a freed slot takes a new one.
    assert_eq!(rows(&held[0], "SELECT 2").await, [some(&["2"])]);
    drop(held.pop());
    let mut admitted = false;
    for _ in 0..100 {
        if psql().status.success() {
            admitted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(admitted, "a freed slot was not reused");
    drop(held);

    // 200 connections at once, each sending bytes that are no protocol and hanging up.
    let floods = (0..200u32).map(|i| {
        let addr = server.pg_addr.clone();
        tokio::spawn(async move {
            if let Ok(mut socket) = tokio::net::TcpStream::connect(&addr).await {
                let garbage: Vec<u8> = (0..64u32).map(|j| (i * 31 + j * 7) as u8).collect();
                let _ = socket.write_all(&garbage).await;
            }
        })
    });
    for flood in floods {
        flood.await.expect("flood task");
    }
    let mut served = false;
    for _ in 0..100 {
        if psql().status.success() {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(served, "the server stopped serving after a flood");
}

/// A parameter in arithmetic with a column takes the column's type, as PostgreSQL infers it
/// (pgbench's `-M extended` UPDATE sends its parameters untyped).
#[tokio::test]
async fn parameters_in_arithmetic_take_the_column_type() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL);
             INSERT INTO accounts VALUES (1, 100);",
        )
        .await
        .expect("setup");
    let update = client
        .prepare("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
        .await
        .expect("prepare");
    assert_eq!(
        update.params(),
        [
            tokio_postgres::types::Type::INT8,
            tokio_postgres::types::Type::INT8
        ]
    );
    assert_eq!(
        client
            .execute(&update, &[&5i64, &1i64])
            .await
            .expect("update"),
        1
    );
    assert_eq!(
        rows(&client, "SELECT balance FROM accounts").await,
        [some(&["105"])]
    );
}

/// `--connection-memory-mb` caps what one statement of a connection holds: a result larger
/// than the cap and COPY data past it fail with 53200 (out of memory), while a query that
/// reads as much but holds little, and a sort that spills, succeed; the connection goes on.
#[tokio::test]
async fn statements_over_the_connection_memory_limit_fail_and_the_connection_goes_on() {
    use futures::SinkExt;
    use std::ffi::OsStr;

    let dir = crate::server::TestDir::new();
    let server = crate::server::Server::try_start_with(
        &dir.data(),
        0,
        &[OsStr::new("--connection-memory-mb"), OsStr::new("16")],
    )
    .expect("server");
    let client = connect(&server.pg_addr).await;
    let out_of_memory = |e: tokio_postgres::Error| {
        assert_eq!(
            e.code(),
            Some(&tokio_postgres::error::SqlState::OUT_OF_MEMORY),
            "{e:?}"
        );
        assert!(format!("{e:?}").contains("out of memory"), "{e:?}");
    };

    // About 40 MB of rows: more than the cap, whichever protocol asks.
    let big = "SELECT repeat('x', 1000) AS pad FROM generate_series(1, 40000)";
    out_of_memory(client.simple_query(big).await.expect_err("a 40 MB result"));
    out_of_memory(client.query(big, &[]).await.expect_err("a 40 MB result"));
    // The same rows counted, and sorted (the sort spills), hold little.
    assert_eq!(
        rows(
            &client,
            &format!("SELECT count(*), sum(length(pad)) FROM ({big}) r")
        )
        .await,
        [some(&["40000", "40000000"])]
    );
    assert_eq!(
        rows(
            &client,
            "SELECT max(n) FROM (SELECT row_number() OVER \
             (ORDER BY (v * 7919 % 100003)::text || repeat('y', 300)) AS n \
             FROM generate_series(1, 100000) AS g(v)) s"
        )
        .await,
        [some(&["100000"])]
    );

    // COPY data past the cap fails as a whole and writes nothing.
    client
        .batch_execute("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)")
        .await
        .expect("create");
    let sink = client
        .copy_in("COPY notes FROM STDIN")
        .await
        .expect("start COPY");
    let mut sink = std::pin::pin!(sink);
    let body = "z".repeat(1000);
    for chunk in 0..20 {
        let data: String = (0..1000)
            .map(|i| format!("{}\t{body}\n", chunk * 1000 + i))
            .collect();
        sink.send(bytes::Bytes::from(data)).await.expect("send");
    }
    out_of_memory(sink.finish().await.expect_err("20 MB of COPY data"));
    assert_eq!(
        rows(&client, "SELECT count(*) FROM notes").await,
        [some(&["0"])]
    );

    // A statement within the cap works on the same connection.
    assert_eq!(
        rows(&client, "SELECT length(repeat('x', 1000))").await,
        [some(&["1000"])]
    );
}

/// Frontend messages for hand-built extended-protocol pipelines.
mod frontend {
    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    /// Parse of the unnamed statement, its parameters typed int8.
    pub fn parse(sql: &str, parameters: usize) -> Vec<u8> {
        let mut body = vec![0];
        body.extend_from_slice(sql.as_bytes());
        body.push(0);
        body.extend_from_slice(&(parameters as i16).to_be_bytes());
        for _ in 0..parameters {
            body.extend_from_slice(&20u32.to_be_bytes());
        }
        message(b'P', &body)
    }

    /// Bind of the unnamed portal, with binary parameters.
    pub fn bind(parameters: &[&[u8]]) -> Vec<u8> {
        let mut body = vec![0, 0];
        body.extend_from_slice(&1i16.to_be_bytes());
        body.extend_from_slice(&1i16.to_be_bytes());
        body.extend_from_slice(&(parameters.len() as i16).to_be_bytes());
        for p in parameters {
            body.extend_from_slice(&(p.len() as i32).to_be_bytes());
            body.extend_from_slice(p);
        }
        body.extend_from_slice(&0i16.to_be_bytes());
        message(b'B', &body)
    }

    pub fn execute() -> Vec<u8> {
        message(b'E', &[0, 0, 0, 0, 0])
    }

    pub fn sync() -> Vec<u8> {
        message(b'S', &[])
    }

    /// Parse, Bind and Execute of one statement.
    pub fn statement(sql: &str, parameters: &[&[u8]]) -> Vec<u8> {
        [parse(sql, parameters.len()), bind(parameters), execute()].concat()
    }

    /// The backend's replies after the startup, as [`messages`] names them.
    pub fn replies(bytes: &[u8]) -> Vec<String> {
        let mut out = messages(bytes);
        // Everything up to the startup's ReadyForQuery.
        let start = out
            .iter()
            .position(|m| m.starts_with('Z'))
            .map_or(0, |i| i + 1);
        out.split_off(start)
    }

    /// The backend's messages: each one's tag, an ErrorResponse as `E` and its SQLSTATE, a
    /// ReadyForQuery as `Z` and its status.
    pub fn messages(bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while rest.len() >= 5 {
            let tag = rest[0];
            let len = i32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
            let body = &rest[5..1 + len];
            rest = &rest[1 + len..];
            out.push(match tag {
                b'E' => {
                    let code = body
                        .split(|b| *b == 0)
                        .find_map(|f| f.strip_prefix(b"C"))
                        .map(|c| String::from_utf8_lossy(c).to_string())
                        .unwrap_or_default();
                    format!("E{code}")
                }
                b'Z' => format!("Z{}", body[0] as char),
                other => (other as char).to_string(),
            });
        }
        out
    }
}

#[tokio::test]
async fn pipelines_and_multi_statement_queries_are_one_transaction() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute("CREATE TABLE t (id BIGINT PRIMARY KEY); INSERT INTO t VALUES (1)")
        .await
        .expect("create");
    let ids = || async { rows(&client, "SELECT id FROM t ORDER BY id").await };
    let code = |e: tokio_postgres::Error| e.code().map(|c| c.code().to_string());

    // A query string of several statements commits them together, or none of them.
    let e = client
        .batch_execute("INSERT INTO t VALUES (2); INSERT INTO t VALUES (1)")
        .await
        .unwrap_err();
    assert_eq!(code(e), Some("23505".to_string()));
    assert_eq!(ids().await, vec![some(&["1"])]);
    // A COMMIT among them commits what came before it (with PostgreSQL's warning).
    let e = client
        .batch_execute("INSERT INTO t VALUES (3); COMMIT; INSERT INTO t VALUES (1)")
        .await
        .unwrap_err();
    assert_eq!(code(e), Some("23505".to_string()));
    assert_eq!(ids().await, vec![some(&["1"]), some(&["3"])]);
    // The second statement reads the first's write.
    assert_eq!(
        rows(&client, "INSERT INTO t VALUES (4); SELECT count(*) FROM t").await,
        vec![some(&["3"])]
    );

    let addr = server.pg_addr.clone();
    let pipeline = |bytes: Vec<u8>| {
        let addr = addr.clone();
        async move {
            let seen = tokio::task::spawn_blocking(move || poke(&addr, true, &bytes))
                .await
                .expect("poke");
            frontend::replies(&seen)
        }
    };
    let insert = "INSERT INTO t VALUES ($1)";
    let id = |n: i64| n.to_be_bytes();

    // An extended-protocol pipeline, up to Sync, is one transaction: a failing third
    // statement takes the first two back, and the server skips to Sync.
    let replies = pipeline(
        [
            frontend::statement(insert, &[&id(5)]),
            frontend::statement(insert, &[&id(6)]),
            frontend::statement(insert, &[&id(1)]),
            frontend::statement(insert, &[&id(7)]),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        replies,
        ["1", "2", "C", "1", "2", "C", "1", "2", "E23505", "ZI"],
        "replies to a failing pipeline"
    );
    assert_eq!(ids().await.len(), 3);
    // So does a Bind whose parameter does not decode (an int8 of three bytes).
    let replies = pipeline(
        [
            frontend::statement(insert, &[&id(5)]),
            frontend::parse(insert, 1),
            frontend::bind(&[&[0, 0, 1]]),
            frontend::execute(),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(replies[..4], ["1", "2", "C", "1"]);
    assert_eq!(
        replies.last().map(String::as_str),
        Some("ZI"),
        "{replies:?}"
    );
    assert!(replies.iter().any(|r| r.starts_with('E')), "{replies:?}");
    assert_eq!(ids().await.len(), 3);
    // A pipeline that succeeds commits all of it at Sync, and a later statement in it
    // reads the earlier ones' writes.
    let replies = pipeline(
        [
            frontend::statement(insert, &[&id(5)]),
            frontend::statement(insert, &[&id(6)]),
            frontend::statement("SELECT count(*) FROM t", &[]),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        replies,
        ["1", "2", "C", "1", "2", "C", "1", "2", "D", "C", "ZI"]
    );
    assert_eq!(ids().await.len(), 5);
    // BEGIN inside a pipeline keeps its block open past Sync, with what came before it.
    let replies = pipeline(
        [
            frontend::statement(insert, &[&id(8)]),
            frontend::statement("BEGIN", &[]),
            frontend::statement(insert, &[&id(9)]),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        replies.last().map(String::as_str),
        Some("ZT"),
        "{replies:?}"
    );
    // The connection closed without COMMIT: neither write happened.
    assert_eq!(ids().await.len(), 5);
    // ALTER TABLE runs in a pipeline's transaction like any other statement: the rows
    // before and after it commit together.
    let replies = pipeline(
        [
            frontend::statement(insert, &[&id(10)]),
            frontend::statement("ALTER TABLE t ADD COLUMN note TEXT", &[]),
            frontend::statement(insert, &[&id(11)]),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(replies, ["1", "2", "C", "1", "2", "C", "1", "2", "C", "ZI"]);
    assert_eq!(ids().await.len(), 7);
    // A failing statement after it takes the alter back with the rest.
    let replies = pipeline(
        [
            frontend::statement("ALTER TABLE t ADD COLUMN other TEXT", &[]),
            frontend::statement(insert, &[&id(10)]),
            frontend::sync(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(replies, ["1", "2", "C", "1", "2", "E23505", "ZI"]);
    assert_eq!(ids().await.len(), 7);
}

/// One connection's conversation in raw messages, a pipeline sent in parts.
struct Raw {
    stream: std::net::TcpStream,
}

impl Raw {
    fn start(addr: &str) -> Raw {
        let mut raw = Raw {
            stream: std::net::TcpStream::connect(addr).expect("connect"),
        };
        raw.stream
            .set_read_timeout(Some(std::time::Duration::from_millis(300)))
            .expect("timeout");
        let seen = raw.send(&startup_packet());
        assert!(seen.contains(&b'Z'), "no ReadyForQuery after the startup");
        raw
    }

    /// Sends `bytes` and returns what comes back until the server goes quiet.
    fn send(&mut self, bytes: &[u8]) -> Vec<u8> {
        use std::io::{Read, Write};
        self.stream.write_all(bytes).expect("send");
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => break seen,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// As [`Raw::send`], the replies as [`frontend::messages`] names them.
    fn replies(&mut self, bytes: &[u8]) -> Vec<String> {
        frontend::messages(&self.send(bytes))
    }
}

#[tokio::test]
async fn pipelines_that_lose_a_write_race() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT); INSERT INTO t VALUES (1, 0)",
        )
        .await
        .expect("create");
    let update = "UPDATE t SET v = v + 1 WHERE id = 1";
    let bump = || async { client.execute(update, &[]).await.expect("bump") };
    let value = || async { rows(&client, "SELECT v FROM t").await };
    // The raw connection blocks this thread while it waits; the server is another process.
    let mut raw = Raw::start(&server.pg_addr);

    // A pipeline of one UPDATE keeps autocommit's behaviour: when another connection
    // writes the row between its Execute and its Sync, it is planned again at Sync.
    assert_eq!(
        raw.replies(&frontend::statement(update, &[])),
        Vec::<String>::new()
    );
    bump().await;
    assert_eq!(
        raw.replies(&frontend::sync()),
        ["1", "2", "C", "ZI"],
        "the lone UPDATE runs again"
    );
    assert_eq!(value().await, vec![some(&["2"])]);

    // In a pipeline of two statements the loser gets 40001 at Sync and none of it applies.
    let pipeline = [
        frontend::statement(update, &[]),
        frontend::statement("INSERT INTO t VALUES (2, 0)", &[]),
    ]
    .concat();
    assert_eq!(raw.replies(&pipeline), Vec::<String>::new());
    bump().await;
    assert_eq!(
        raw.replies(&frontend::sync()),
        ["1", "2", "C", "1", "2", "C", "E40001", "ZI"]
    );
    assert_eq!(
        rows(&client, "SELECT id, v FROM t").await,
        vec![some(&["1", "3"])]
    );
    // Sent again, the pipeline commits.
    assert_eq!(
        raw.replies(&[pipeline, frontend::sync()].concat()),
        ["1", "2", "C", "1", "2", "C", "ZI"]
    );
    assert_eq!(
        rows(&client, "SELECT id, v FROM t ORDER BY id").await,
        vec![some(&["1", "4"]), some(&["2", "0"])]
    );
}

/// A prepared statement whose table changes shape: the next execution fails with
/// PostgreSQL's 0A000 "cached plan must not change result type" (never rows in a shape the
/// client was not told of), the connection lives on, and preparing again works. The same
/// when the connection's `driftdb.as_of` pin moves across the `ALTER TABLE`.
#[tokio::test]
async fn a_prepared_statement_whose_table_changes_shape() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    let other = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE q (id BIGINT PRIMARY KEY, n BIGINT); INSERT INTO q VALUES (1, 10)",
        )
        .await
        .expect("setup");
    let before = client
        .query_one("SELECT max(__sequence) FROM q", &[])
        .await
        .expect("sequence")
        .get::<_, i64>(0);
    let select = client.prepare("SELECT * FROM q").await.expect("prepare");
    for _ in 0..3 {
        let rows = client.query(&select, &[]).await.expect("execute");
        assert_eq!(rows[0].len(), 2);
    }
    let changed = |e: tokio_postgres::Error| {
        let db = e.as_db_error().expect("a server error");
        assert_eq!(db.code().code(), "0A000");
        assert_eq!(db.message(), "cached plan must not change result type");
    };
    // A column added by another connection.
    other
        .batch_execute("ALTER TABLE q ADD COLUMN note TEXT")
        .await
        .expect("add a column");
    changed(
        client
            .query(&select, &[])
            .await
            .expect_err("the shape changed"),
    );
    let select = client
        .prepare("SELECT * FROM q")
        .await
        .expect("prepare again");
    let rows = client.query(&select, &[]).await.expect("the new shape");
    assert_eq!(rows[0].len(), 3);
    // A column dropped and added again with another type: never a BIGINT read as text.
    let by_type = client.prepare("SELECT n FROM q").await.expect("prepare");
    assert_eq!(
        client
            .query_one(&by_type, &[])
            .await
            .expect("n")
            .get::<_, i64>(0),
        10
    );
    other
        .batch_execute("ALTER TABLE q DROP COLUMN n; ALTER TABLE q ADD COLUMN n TEXT")
        .await
        .expect("retype n");
    changed(
        client
            .query(&by_type, &[])
            .await
            .expect_err("n is text now"),
    );
    // The failed execution left the connection usable, in and out of a transaction.
    client.batch_execute("BEGIN").await.expect("begin");
    changed(client.query(&by_type, &[]).await.expect_err("still text"));
    client.batch_execute("ROLLBACK").await.expect("rollback");
    let by_type = client
        .prepare("SELECT n FROM q")
        .await
        .expect("prepare again");
    assert_eq!(
        client
            .query_one(&by_type, &[])
            .await
            .expect("n")
            .get::<_, Option<String>>(0),
        None
    );
    // A pin that moves across the ALTER: the statement was prepared at today's shape.
    let select = client.prepare("SELECT * FROM q").await.expect("prepare");
    client
        .batch_execute(&format!("SET driftdb.as_of = '@SEQ:{before}'"))
        .await
        .expect("pin before the ALTER");
    changed(
        client
            .query(&select, &[])
            .await
            .expect_err("the past has two columns"),
    );
    client
        .batch_execute("RESET driftdb.as_of")
        .await
        .expect("reset");
    assert_eq!(client.query(&select, &[]).await.expect("today")[0].len(), 3);
}

/// Values PostgreSQL pads or builds on output: `character(n)` is blank-padded to n in both
/// formats and typed `bpchar` (while `||` and `=` ignore the blanks), and a row value is a
/// `record`, written `(1,"a b",)`.
#[tokio::test]
async fn character_and_row_values_reach_clients_as_postgresql_sends_them() {
    use tokio_postgres::types::Type;
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE codes (id INT PRIMARY KEY, code CHAR(4));
             INSERT INTO codes VALUES (1, 'ab');",
        )
        .await
        .expect("setup");
    assert_eq!(
        rows(
            &client,
            "SELECT code, code || '|', code = 'ab', 'x'::char(3), ROW(1, 'a b', NULL) FROM codes"
        )
        .await,
        [some(&["ab  ", "ab|", "t", "x  ", "(1,\"a b\",)"])]
    );
    // A key lookup reads the row without the query engine; it is shown the same.
    assert_eq!(
        rows(&client, "SELECT * FROM codes WHERE id = 1").await,
        [some(&["1", "ab  "])]
    );
    let statement = client
        .prepare("SELECT code, 'y'::char(2), ROW(1, 2) FROM codes WHERE id = $1")
        .await
        .expect("prepare");
    let types: Vec<&Type> = statement.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(types, [&Type::BPCHAR, &Type::BPCHAR, &Type::RECORD]);
    // Binary results: tokio-postgres reads bpchar as a String.
    let row = client
        .query_one(
            "SELECT code, 'y'::char(2) FROM codes WHERE id = $1",
            &[&1i32],
        )
        .await
        .expect("query");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("ab  ".to_string(), "y ".to_string())
    );
}

/// A statement nested past the limit is refused with 54001 (as PostgreSQL refuses one past
/// its stack), however long: never a stack overflow that takes the server down. Long chains
/// below the limit run.
#[tokio::test]
async fn deep_statements_are_refused_and_never_take_the_server_down() {
    let (_dir, server) = fresh();
    let client = connect(&server.pg_addr).await;
    client
        .batch_execute(
            "CREATE TABLE deep (id INT PRIMARY KEY, v INT);
             INSERT INTO deep VALUES (1, 2), (2, 1);",
        )
        .await
        .expect("setup");
    let ors = (0..1_200)
        .map(|i| format!("v = {i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    assert_eq!(
        rows(&client, &format!("SELECT count(*) FROM deep WHERE {ors}")).await,
        [some(&["2"])]
    );
    for terms in [4_000, 200_000] {
        let sum = vec!["1"; terms].join(" + ");
        let error = client
            .simple_query(&format!("SELECT {sum}"))
            .await
            .expect_err("too deep");
        assert_eq!(
            error.code(),
            Some(&tokio_postgres::error::SqlState::STATEMENT_TOO_COMPLEX),
            "{terms} terms: {error:?}"
        );
    }
    assert_eq!(rows(&client, "SELECT 1").await, [some(&["1"])]);
}

/// A temporary table is its connection's alone, over both query protocols, and goes when
/// the connection closes.
#[tokio::test]
async fn temporary_tables_belong_to_their_connection() {
    let (_dir, server) = fresh();
    let mine = connect(&server.pg_addr).await;
    let other = connect(&server.pg_addr).await;
    mine.batch_execute(
        "CREATE TEMP TABLE scratch (id INT PRIMARY KEY, note TEXT);
         INSERT INTO scratch VALUES (1, 'mine');",
    )
    .await
    .expect("temporary table");
    // The extended protocol describes and runs statements over it too.
    let row = mine
        .query_one("SELECT note FROM scratch WHERE id = $1", &[&1i32])
        .await
        .expect("prepared read");
    assert_eq!(row.get::<_, String>(0), "mine");
    let missing = other
        .simple_query("SELECT * FROM scratch")
        .await
        .expect_err("not the other connection's");
    assert_eq!(
        missing.code().map(|c| c.code()),
        Some("42P01"),
        "{missing:?}"
    );
    let before = rows(&other, "SHOW driftdb.current_sequence").await;
    drop(mine);
    // Closing the connection drops its table: one more commit, soon.
    let mut after = before.clone();
    for _ in 0..100 {
        after = rows(&other, "SHOW driftdb.current_sequence").await;
        if after != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let number = |r: &[Vec<Option<String>>]| -> u64 {
        r[0][0]
            .as_deref()
            .and_then(|s| s.parse().ok())
            .expect("a sequence")
    };
    assert_eq!(number(&after), number(&before) + 1, "the table was dropped");
}
