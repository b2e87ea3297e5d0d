//! Projections and table change streams through the real server: events produced with the
//! Rust client, projections declared and queried over the PostgreSQL protocol, changes
//! followed over gRPC and with the CLI.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use driftdb_client::proto::TableChange;
use driftdb_client::proto::table_change::Kind;
use driftdb_client::{
    Ack, Client, ProducerConfig, ProducerRecord, TableChanges, TableStart, TopicConfig,
};

use crate::pg::{connect, rows};
use crate::server::{Server, TestDir, fresh, within};

async fn create_topic(client: &Client, name: &str, partitions: u32) {
    client
        .admin()
        .create_topic(
            name,
            TopicConfig {
                partitions,
                ..TopicConfig::default()
            },
        )
        .await
        .expect("create topic");
}

/// The newest acknowledged offset per partition, as `driftdb_wait` takes positions.
fn positions(acks: &[Ack]) -> String {
    let mut newest: BTreeMap<u32, u64> = BTreeMap::new();
    for ack in acks {
        let e = newest.entry(ack.partition).or_default();
        *e = (*e).max(ack.offset);
    }
    newest
        .iter()
        .map(|(p, o)| format!("{p}:{o}"))
        .collect::<Vec<_>>()
        .join(",")
}

async fn scalar(pg: &tokio_postgres::Client, sql: &str) -> String {
    rows(pg, sql).await[0][0].clone().unwrap_or_default()
}

/// Waits for the projection to apply everything in `acks`; returns the sequence then.
async fn wait_for(pg: &tokio_postgres::Client, projection: &str, acks: &[Ack]) -> u64 {
    let sql = format!(
        "SELECT driftdb_wait('{projection}', '{}', 60000)",
        positions(acks)
    );
    scalar(pg, &sql).await.parse().expect("a sequence")
}

/// Polls `sql` until its first value is `want`.
async fn eventually(pg: &tokio_postgres::Client, sql: &str, want: &str) {
    for _ in 0..1500 {
        if scalar(pg, sql).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{sql} never returned {want:?}; last: {:?}",
        rows(pg, sql).await
    );
}

const ORDERS: &str = "CREATE PROJECTION orders FROM TOPIC orders (
    id       TEXT PRIMARY KEY FROM '$.order_id',
    customer TEXT,
    total    NUMERIC(12,2),
    status   TEXT,
    placed   TIMESTAMPTZ FROM TIMESTAMP
)
EVENT TYPE FROM '$.type'
ON 'OrderPlaced' UPSERT
ON 'OrderShipped' MERGE
ON 'OrderCancelled' DELETE";

const PAYMENTS: &str = "CREATE PROJECTION payments FROM TOPIC payments (
    id       TEXT FROM KEY,
    order_id TEXT NOT NULL,
    amount   BIGINT,
    PRIMARY KEY (id)
)
EVENT TYPE FROM HEADER 'event-type'
ON 'PaymentReceived' INSERT";

/// One order's events, in order.
fn order_events(i: u64) -> Vec<(u8, String)> {
    let id = format!("o{i}");
    let mut events = vec![(
        0,
        format!(
            r#"{{"type":"OrderPlaced","order_id":"{id}","customer":"c{}","total":"{}.25"}}"#,
            i % 7,
            i
        ),
    )];
    if i.is_multiple_of(3) {
        events.push((
            1,
            format!(r#"{{"type":"OrderShipped","order_id":"{id}","status":"shipped"}}"#),
        ));
    }
    if i.is_multiple_of(10) {
        events.push((
            2,
            format!(r#"{{"type":"OrderCancelled","order_id":"{id}"}}"#),
        ));
    }
    events
}

/// Produces `phase`'s events of orders `range` from four concurrent producers (one
/// order's events all from one producer, keyed, so they stay in order). Returns the acks.
async fn produce_orders(client: &Client, range: std::ops::Range<u64>, phase: u8) -> Vec<Ack> {
    let producers = 4;
    let mut tasks = Vec::new();
    for p in 0..producers {
        let client = client.clone();
        let range = range.clone();
        tasks.push(tokio::spawn(async move {
            let producer = client.producer(ProducerConfig::default());
            let mut sends = Vec::new();
            for i in range.filter(|i| i % producers == p) {
                for (event_phase, value) in order_events(i) {
                    if event_phase == phase {
                        let record = ProducerRecord::new(value).key(format!("o{i}"));
                        sends.push(producer.send("orders", record));
                    }
                }
            }
            let acks = futures::future::try_join_all(sends).await.expect("produce");
            producer.close().await.expect("close producer");
            acks
        }));
    }
    let mut acks = Vec::new();
    for t in tasks {
        acks.extend(t.await.expect("producer task"));
    }
    acks
}

#[tokio::test]
async fn orders_and_payments_project_and_time_travel() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    create_topic(&client, "orders", 4).await;
    create_topic(&client, "payments", 2).await;
    let pg = connect(&server.pg_addr).await;
    pg.batch_execute(ORDERS).await.expect("create orders");
    pg.batch_execute(PAYMENTS).await.expect("create payments");

    // Phase 1: 1500 orders placed.
    let placed = within("placing orders", produce_orders(&client, 0..1500, 0)).await;
    let seq1 = wait_for(&pg, "orders", &placed).await;
    // now() is a timestamptz: its text (`2026-12-03 10:44:07.79207+00`) reads back as a point.
    let time1 = scalar(&pg, "SELECT CAST(now() AS TEXT)").await;
    assert_eq!(scalar(&pg, "SELECT count(*) FROM orders").await, "1500");
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Phase 2: shipments and cancellations, and payments for every other order.
    let mut acks = within("shipping", produce_orders(&client, 0..1500, 1)).await;
    acks.extend(within("cancelling", produce_orders(&client, 0..1500, 2)).await);
    let payer = client.producer(ProducerConfig::default());
    let mut sends = Vec::new();
    for i in (0..1500u64).step_by(2) {
        let value = format!(r#"{{"order_id":"o{i}","amount":{i}}}"#);
        sends.push(
            payer.send(
                "payments",
                ProducerRecord::new(value)
                    .key(format!("p{i}"))
                    .header("event-type", "PaymentReceived"),
            ),
        );
    }
    let payments = futures::future::try_join_all(sends).await.expect("pay");
    payer.close().await.expect("close");
    wait_for(&pg, "orders", &acks).await;
    wait_for(&pg, "payments", &payments).await;

    // Now: the model's answer.
    let live: Vec<u64> = (0..1500).filter(|i| i % 10 != 0).collect();
    let shipped = live.iter().filter(|i| *i % 3 == 0).count();
    let total: u64 = live.iter().sum();
    let cents: u64 = total * 100 + 25 * live.len() as u64;
    assert_eq!(
        rows(
            &pg,
            "SELECT count(*), count(status), CAST(sum(total) AS TEXT) FROM orders"
        )
        .await,
        vec![vec![
            Some(live.len().to_string()),
            Some(shipped.to_string()),
            Some(format!("{}.{:02}", cents / 100, cents % 100)),
        ]]
    );
    assert_eq!(scalar(&pg, "SELECT count(*) FROM payments").await, "750");
    let paid_live: u64 = (0..1500u64).step_by(2).filter(|i| i % 10 != 0).sum();
    assert_eq!(
        scalar(
            &pg,
            "SELECT sum(p.amount) FROM payments p JOIN orders o ON o.id = p.order_id"
        )
        .await,
        paid_live.to_string()
    );

    // The past, by sequence and by time: all 1500 placed, none shipped.
    for point in [format!("@SEQ:{seq1}"), format!("'{time1}'")] {
        assert_eq!(
            rows(
                &pg,
                &format!(
                    "SELECT count(*), count(status) FROM orders FOR SYSTEM_TIME AS OF {point}"
                )
            )
            .await,
            vec![vec![Some("1500".into()), Some("0".into())]],
            "as of {point}"
        );
    }
    // Every version of one order, and where the current one came from.
    assert_eq!(
        rows(
            &pg,
            "SELECT status, __operation FROM orders FOR SYSTEM_TIME ALL WHERE id = 'o3' ORDER BY __valid_from_seq"
        )
        .await,
        vec![
            vec![None, Some("INSERT".into())],
            vec![Some("shipped".into()), Some("UPDATE".into())]
        ]
    );
    let source = rows(
        &pg,
        "SELECT __topic, __partition, __offset FROM orders WHERE id = 'o3'",
    )
    .await;
    assert_eq!(source[0][0].as_deref(), Some("orders"));
    let partition: u32 = source[0][1].as_deref().unwrap().parse().unwrap();
    let offset: u64 = source[0][2].as_deref().unwrap().parse().unwrap();
    let record = client
        .consumer()
        .fetch("orders", partition, offset, 1)
        .await
        .expect("fetch the source event");
    let value = String::from_utf8(record.records[0].value.clone().unwrap().to_vec()).unwrap();
    assert!(
        value.contains(r#""order_id":"o3""#) && value.contains("OrderShipped"),
        "{value}"
    );
    // `*` leaves the pseudo-columns out.
    let star = pg
        .query("SELECT * FROM orders LIMIT 1", &[])
        .await
        .expect("select *");
    let names: Vec<&str> = star[0].columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["id", "customer", "total", "status", "placed"]);

    // SQL may not write a projected table.
    let err = pg
        .simple_query("DELETE FROM orders")
        .await
        .expect_err("writes to a projection are refused");
    assert_eq!(err.code().map(|c| c.code()), Some("42809"));
    // Nor rename one: the runner writes it by name.
    let err = pg
        .simple_query("ALTER TABLE orders RENAME TO purchases")
        .await
        .expect_err("renaming a projection's table is refused");
    assert_eq!(err.code().map(|c| c.code()), Some("42809"));

    // The system view.
    assert_eq!(
        rows(
            &pg,
            "SELECT name, state, count(*), sum(lag_events) FROM driftdb_projections GROUP BY name, state ORDER BY name"
        )
        .await,
        vec![
            vec![Some("orders".into()), Some("running".into()), Some("4".into()), Some("0".into())],
            vec![Some("payments".into()), Some("running".into()), Some("2".into()), Some("0".into())],
        ]
    );
    let metrics = reqwest_metrics(&server.http_addr).await;
    assert!(
        metrics.contains(r#"driftdb_projection_lag_events{projection="orders",partition="3"} 0"#),
        "{metrics}"
    );
}

/// `/metrics` over a plain HTTP/1.1 request.
async fn reqwest_metrics(addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect http");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).await.expect("response");
    body
}

#[tokio::test]
async fn a_projection_resumes_exactly_once_after_kill_9() {
    let dir = TestDir::new();
    let mut server = Server::start(&dir.data());
    let client = server.client().await;
    create_topic(&client, "ticks", 2).await;
    let producer = client.producer(ProducerConfig::default());
    let n = 20_000u64;
    let mut acks = Vec::new();
    for chunk in 0..n / 1000 {
        let mut sends = Vec::new();
        for i in chunk * 1000..(chunk + 1) * 1000 {
            sends.push(producer.send(
                "ticks",
                ProducerRecord::new(format!(r#"{{"id":"k{i}","n":{i}}}"#)).key(format!("k{i}")),
            ));
        }
        acks.extend(futures::future::try_join_all(sends).await.expect("produce"));
    }
    producer.close().await.expect("close");
    let pg = connect(&server.pg_addr).await;
    pg.batch_execute("CREATE PROJECTION ticks FROM TOPIC ticks (id TEXT PRIMARY KEY, n BIGINT)")
        .await
        .expect("create");
    // Kill the server while the projection is applying (or just after, on a fast machine).
    for _ in 0..1000 {
        if scalar(&pg, "SELECT count(*) FROM ticks").await != "0" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill9();
    drop(pg);

    let server = Server::start(&dir.data());
    let pg = connect(&server.pg_addr).await;
    wait_for(&pg, "ticks", &acks).await;
    // Each event has its own key: an event applied twice would leave a second version.
    assert_eq!(
        rows(
            &pg,
            "SELECT (SELECT count(*) FROM ticks), (SELECT count(*) FROM ticks FOR SYSTEM_TIME ALL), (SELECT sum(n) FROM ticks)"
        )
        .await,
        vec![vec![
            Some(n.to_string()),
            Some(n.to_string()),
            Some((n * (n - 1) / 2).to_string())
        ]]
    );
}

#[tokio::test]
async fn alter_rebuilds_while_the_old_version_serves_and_refresh_rebuilds_the_same() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    create_topic(&client, "items", 1).await;
    let producer = client.producer(ProducerConfig::default());
    let mut sends = Vec::new();
    for i in 0..2000u64 {
        sends.push(producer.send(
            "items",
            ProducerRecord::new(format!(r#"{{"sku":"s{i}","name":"item {i}","price":{i}}}"#)),
        ));
    }
    let acks = futures::future::try_join_all(sends).await.expect("produce");
    producer.close().await.expect("close");
    let pg = connect(&server.pg_addr).await;
    pg.batch_execute(
        "CREATE PROJECTION items FROM TOPIC items (sku TEXT PRIMARY KEY, name TEXT);
         CREATE INDEX items_name ON items (name)",
    )
    .await
    .expect("create");
    wait_for(&pg, "items", &acks).await;

    // Readers keep querying while the new version builds: they always see every item.
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (stop, reads) = (Arc::clone(&stop), Arc::clone(&reads));
        let addr = server.pg_addr.clone();
        tokio::spawn(async move {
            let pg = connect(&addr).await;
            while !stop.load(Ordering::SeqCst) {
                assert_eq!(scalar(&pg, "SELECT count(*) FROM items").await, "2000");
                reads.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    pg.batch_execute(
        "ALTER PROJECTION items FROM TOPIC items (sku TEXT PRIMARY KEY, name TEXT, price BIGINT)",
    )
    .await
    .expect("alter");
    eventually(
        &pg,
        "SELECT CAST(max(version) AS TEXT) || ' ' || CAST(count(DISTINCT table_name) AS TEXT) FROM driftdb_projections",
        "2 1",
    )
    .await;
    eventually(
        &pg,
        "SELECT sum(price) FROM items",
        &(1999 * 2000 / 2).to_string(),
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    reader.await.expect("the reader saw every item throughout");
    assert!(reads.load(Ordering::SeqCst) > 0);
    // The index carried over to the new version.
    let plan = rows(&pg, "EXPLAIN SELECT price FROM items WHERE name = 'item 7'").await;
    assert!(format!("{plan:?}").contains("items_name"), "{plan:?}");

    let before = rows(&pg, "SELECT * FROM items ORDER BY sku").await;
    pg.batch_execute("REFRESH PROJECTION items")
        .await
        .expect("refresh");
    eventually(&pg, "SELECT max(version) FROM driftdb_projections", "3").await;
    eventually(
        &pg,
        "SELECT count(DISTINCT table_name) FROM driftdb_projections",
        "1",
    )
    .await;
    assert_eq!(rows(&pg, "SELECT * FROM items ORDER BY sku").await, before);

    pg.batch_execute("DROP PROJECTION items")
        .await
        .expect("drop");
    assert_eq!(
        scalar(&pg, "SELECT count(*) FROM driftdb_projections").await,
        "0"
    );
    assert!(pg.simple_query("SELECT * FROM items").await.is_err());
}

#[tokio::test]
async fn events_that_do_not_fit_follow_each_policy() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    create_topic(&client, "mixed", 1).await;
    let producer = client.producer(ProducerConfig::default());
    let events = [
        r#"{"id":"a","qty":1}"#,
        "not json",
        r#"{"qty":2}"#,
        r#"{"id":"c","qty":"three"}"#,
        r#"{"id":"d","qty":4}"#,
    ];
    let mut acks = Vec::new();
    for e in events {
        acks.push(
            producer
                .send("mixed", ProducerRecord::new(e))
                .await
                .expect("send"),
        );
    }
    producer.close().await.expect("close");
    let pg = connect(&server.pg_addr).await;
    for (name, policy) in [
        ("p_stop", "STOP"),
        ("p_skip", "SKIP"),
        ("p_dlq", "DEAD LETTER 'mixed-dlq'"),
    ] {
        pg.batch_execute(&format!(
            "CREATE PROJECTION {name} FROM TOPIC mixed (id TEXT PRIMARY KEY, qty INT) ON ERROR {policy}"
        ))
        .await
        .expect("create");
    }
    wait_for(&pg, "p_skip", &acks).await;
    wait_for(&pg, "p_dlq", &acks).await;
    eventually(
        &pg,
        "SELECT state FROM driftdb_projections WHERE name = 'p_stop'",
        "failed",
    )
    .await;

    let status = rows(
        &pg,
        "SELECT name, position, skipped, dead_lettered, last_error FROM driftdb_projections ORDER BY name",
    )
    .await;
    assert_eq!(status[0][0].as_deref(), Some("p_dlq"));
    assert_eq!(status[0][3].as_deref(), Some("3"));
    assert_eq!(status[1][0].as_deref(), Some("p_skip"));
    assert_eq!(status[1][2].as_deref(), Some("3"));
    assert_eq!(status[2][0].as_deref(), Some("p_stop"));
    assert_eq!(
        status[2][1].as_deref(),
        Some("1"),
        "stopped at the bad event"
    );
    let error = status[2][4].clone().unwrap_or_default();
    assert!(
        error.contains("mixed/0@1") && error.contains("not JSON"),
        "{error}"
    );
    for name in ["p_skip", "p_dlq"] {
        assert_eq!(
            rows(&pg, &format!("SELECT id, qty FROM {name} ORDER BY id")).await,
            vec![
                vec![Some("a".into()), Some("1".into())],
                vec![Some("d".into()), Some("4".into())]
            ]
        );
    }
    assert_eq!(scalar(&pg, "SELECT count(*) FROM p_stop").await, "1");
    assert_eq!(
        scalar(
            &pg,
            "SELECT definition FROM driftdb_projections WHERE name = 'p_skip'"
        )
        .await,
        "CREATE PROJECTION p_skip FROM TOPIC mixed (id TEXT PRIMARY KEY, qty INT) ON ERROR SKIP"
    );

    // The dead-letter topic has each bad event, with why and where from.
    let dlq = client
        .consumer()
        .fetch("mixed-dlq", 0, 0, 0)
        .await
        .expect("read the dead letters");
    let letters: Vec<(String, String)> = dlq
        .records
        .iter()
        .map(|r| {
            let header = |n: &str| {
                r.headers
                    .iter()
                    .find(|h| h.name == n)
                    .map(|h| String::from_utf8_lossy(&h.value).into_owned())
                    .unwrap_or_default()
            };
            (header("driftdb-source"), header("driftdb-error"))
        })
        .collect();
    assert_eq!(
        letters.iter().map(|l| l.0.as_str()).collect::<Vec<_>>(),
        ["mixed/0@1", "mixed/0@2", "mixed/0@3"]
    );
    assert!(letters[1].1.contains("key column \"id\""), "{letters:?}");
    assert!(letters[2].1.contains("three"), "{letters:?}");

    // A stopped projection restarts with RESUME (and stops again at the same event).
    pg.batch_execute("ALTER PROJECTION p_stop RESUME")
        .await
        .expect("resume");
    eventually(
        &pg,
        "SELECT state FROM driftdb_projections WHERE name = 'p_stop'",
        "failed",
    )
    .await;
    assert_eq!(scalar(&pg, "SELECT count(*) FROM p_stop").await, "1");
}

#[tokio::test]
async fn a_table_change_stream_replays_then_follows_live() {
    let (_dir, server) = fresh();
    let pg = connect(&server.pg_addr).await;
    // Two query strings, two commits: each string is one implicit transaction.
    pg.batch_execute(
        "CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT);
         INSERT INTO accounts VALUES (1, 100), (2, 200);",
    )
    .await
    .expect("setup");
    pg.batch_execute(
        "BEGIN; UPDATE accounts SET balance = 150 WHERE id = 1; DELETE FROM accounts WHERE id = 2; COMMIT;",
    )
    .await
    .expect("changes");
    let client = server.client().await;
    let mut changes = client
        .tables()
        .follow("accounts", TableStart::Beginning)
        .await
        .expect("follow");
    let seen: Vec<_> = replay(&mut changes)
        .await
        .into_iter()
        .map(|c| (c.kind(), c.before, c.after))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                Kind::Insert,
                None,
                Some(r#"{"balance":100,"id":1}"#.to_string())
            ),
            (
                Kind::Insert,
                None,
                Some(r#"{"balance":200,"id":2}"#.to_string())
            ),
            (
                Kind::Update,
                Some(r#"{"balance":100,"id":1}"#.to_string()),
                Some(r#"{"balance":150,"id":1}"#.to_string())
            ),
            (
                Kind::Delete,
                Some(r#"{"balance":200,"id":2}"#.to_string()),
                None
            ),
        ]
    );
    // Live: a commit after the replay arrives on the open stream.
    pg.batch_execute("INSERT INTO accounts VALUES (3, 300)")
        .await
        .expect("insert");
    let live = within("a live change", changes.next())
        .await
        .expect("change")
        .expect("open");
    assert_eq!(
        (live.kind(), live.after.as_deref()),
        (Kind::Insert, Some(r#"{"balance":300,"id":3}"#))
    );
    let seq = live.sequence;
    // From a time: the first change committed after it.
    let mut since = client
        .tables()
        .follow(
            "accounts",
            TableStart::TimestampMicros(live.commit_time_micros - 1),
        )
        .await
        .expect("follow from a time");
    let first = within("a change from a time", since.next())
        .await
        .expect("change")
        .expect("open");
    assert_eq!((first.sequence, first.kind()), (seq, Kind::Insert));

    // The CLI prints the same as JSON lines, from a sequence on.
    let output = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args([
            "consume",
            "--server",
            &server.grpc_url,
            "--table",
            "accounts",
            "--from-seq",
        ])
        .arg((seq - 1).to_string())
        .output()
        .expect("run driftdb consume --table");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let ops: Vec<&str> = lines.iter().map(|l| l["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["update", "delete", "insert"]);
    assert_eq!(lines[2]["after"]["balance"], 300);

    let missing = client.tables().follow("nope", TableStart::Now).await;
    assert_eq!(
        missing.expect_err("no such table").code(),
        Some(driftdb_client::Code::NotFound)
    );
}

#[tokio::test]
async fn tombstones_start_from_now_and_pause() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    create_topic(&client, "users", 1).await;
    let producer = client.producer(ProducerConfig::default());
    let send = |record: ProducerRecord| producer.send("users", record);
    send(ProducerRecord::new(r#"{"name":"old"}"#).key("u0"))
        .await
        .expect("send");
    let pg = connect(&server.pg_addr).await;
    pg.batch_execute(
        "CREATE PROJECTION users FROM TOPIC users (id TEXT PRIMARY KEY FROM KEY, name TEXT);
         CREATE PROJECTION recent FROM TOPIC users (id TEXT PRIMARY KEY FROM KEY, name TEXT) START FROM NOW",
    )
    .await
    .expect("create");
    let mut acks = vec![
        send(ProducerRecord::new(r#"{"name":"ann"}"#).key("u1"))
            .await
            .expect("send"),
        send(ProducerRecord::new(r#"{"name":"bob"}"#).key("u2"))
            .await
            .expect("send"),
        // A tombstone deletes its key's row.
        send(ProducerRecord::tombstone("u1")).await.expect("send"),
    ];
    wait_for(&pg, "users", &acks).await;
    wait_for(&pg, "recent", &acks).await;
    assert_eq!(
        rows(&pg, "SELECT id FROM users ORDER BY id").await,
        vec![vec![Some("u0".into())], vec![Some("u2".into())]]
    );
    // START FROM NOW: the event before the projection existed is not in it.
    assert_eq!(
        rows(&pg, "SELECT id FROM recent ORDER BY id").await,
        vec![vec![Some("u2".into())]]
    );

    // A projected table can be followed like any other.
    let mut changes = client
        .tables()
        .follow("users", TableStart::Beginning)
        .await
        .expect("follow a projection");
    let kinds: Vec<_> = replay(&mut changes)
        .await
        .iter()
        .map(|c| c.kind())
        .collect();
    assert_eq!(
        kinds,
        [Kind::Insert, Kind::Insert, Kind::Insert, Kind::Delete]
    );

    // Paused, it applies nothing (and waits time out with 57014); resumed, it catches up.
    pg.batch_execute("ALTER PROJECTION users PAUSE")
        .await
        .expect("pause");
    eventually(
        &pg,
        "SELECT state FROM driftdb_projections WHERE name = 'users'",
        "paused",
    )
    .await;
    acks.push(
        send(ProducerRecord::new(r#"{"name":"cy"}"#).key("u3"))
            .await
            .expect("send"),
    );
    let timeout = pg
        .simple_query(&format!(
            "SELECT driftdb_wait('users', '{}', 300)",
            positions(&acks)
        ))
        .await
        .expect_err("a paused projection does not reach it");
    assert_eq!(timeout.code().map(|c| c.code()), Some("57014"));
    assert_eq!(scalar(&pg, "SELECT count(*) FROM users").await, "2");
    pg.batch_execute("ALTER PROJECTION users RESUME")
        .await
        .expect("resume");
    wait_for(&pg, "users", &acks).await;
    assert_eq!(scalar(&pg, "SELECT count(*) FROM users").await, "3");
    producer.close().await.expect("close");
}

/// The changes a table stream replays before its `caught_up` marker.
async fn replay(changes: &mut TableChanges) -> Vec<TableChange> {
    let mut replayed = Vec::new();
    loop {
        let change = within("the replay", changes.next())
            .await
            .expect("change")
            .expect("open");
        if change.caught_up {
            return replayed;
        }
        replayed.push(change);
    }
}
