//! The HTTP endpoint: metrics with real values, and health probes.

use std::io::{Read, Write};

use driftdb_client::{ProducerConfig, ProducerRecord, TopicConfig};

use crate::server::fresh;

/// A plain HTTP/1.0 GET: status code and body.
pub(crate) fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in\n{metrics}"))
}

#[tokio::test]
async fn metrics_report_what_happened_and_probes_answer() {
    let (_dir, server) = fresh();
    assert_eq!(get(&server.http_addr, "/health/live").0, 200);
    assert_eq!(get(&server.http_addr, "/health/ready").0, 200);

    let client = server.client().await;
    client
        .admin()
        .create_topic("metered", TopicConfig::default())
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    for i in 0..7 {
        producer
            .send("metered", ProducerRecord::new(format!("value-{i}")))
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
    let fetched = client.consumer().fetch("metered", 0, 0, 0).await.unwrap();
    assert_eq!(fetched.records.len(), 7);

    let (status, metrics) = get(&server.http_addr, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(
        sample(
            &metrics,
            r#"driftdb_records_appended_total{topic="metered"}"#
        ),
        7.0
    );
    assert_eq!(
        sample(
            &metrics,
            r#"driftdb_records_fetched_total{topic="metered"}"#
        ),
        7.0
    );
    assert!(sample(&metrics, r#"driftdb_bytes_appended_total{topic="metered"}"#) >= 7.0 * 7.0);
    assert_eq!(
        sample(&metrics, "driftdb_produce_duration_seconds_count"),
        7.0
    );
    assert_eq!(
        sample(
            &metrics,
            r#"driftdb_partition_segments{topic="metered",partition="0"}"#
        ),
        1.0
    );
    assert!(
        sample(
            &metrics,
            r#"driftdb_partition_bytes{topic="metered",partition="0"}"#
        ) > 0.0
    );
    assert_eq!(sample(&metrics, "driftdb_active_subscribers"), 0.0);
    // Group commit: every acknowledged record was made durable by exactly one fsync.
    assert_eq!(
        sample(
            &metrics,
            r#"driftdb_fsync_batch_records_sum{topic="metered"}"#
        ),
        7.0
    );
    assert!(
        sample(
            &metrics,
            r#"driftdb_fsync_duration_seconds_count{topic="metered"}"#
        ) >= 1.0
    );

    // A failed request is counted by its code.
    let missing = client.admin().describe_topic("missing").await.unwrap_err();
    assert_eq!(missing.code(), Some(driftdb_client::Code::NotFound));
    let (_, metrics) = get(&server.http_addr, "/metrics");
    assert_eq!(
        sample(&metrics, r#"driftdb_request_errors_total{code="NotFound"}"#),
        1.0
    );
    assert_eq!(get(&server.http_addr, "/nope").0, 404);

    // Open PostgreSQL connections, as the scrape finds them.
    assert_eq!(sample(&metrics, "driftdb_pg_connections"), 0.0);
    let first = crate::pg::connect(&server.pg_addr).await;
    let second = crate::pg::connect(&server.pg_addr).await;
    let (_, metrics) = get(&server.http_addr, "/metrics");
    assert_eq!(sample(&metrics, "driftdb_pg_connections"), 2.0);
    drop(second);
    first.simple_query("SELECT 1").await.expect("query");
    let mut open = 2.0;
    for _ in 0..100 {
        open = sample(
            &get(&server.http_addr, "/metrics").1,
            "driftdb_pg_connections",
        );
        if open == 1.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(open, 1.0, "a closed connection leaves the gauge");
}

/// A deleted topic's series leave `/metrics`: every gauge is set at each scrape (or more
/// often), and the server drops one nobody has set for five seconds.
#[tokio::test]
async fn a_deleted_topics_gauges_leave_metrics() {
    let (_dir, server) = fresh();
    let client = server.client().await;
    for name in ["kept", "gone"] {
        client
            .admin()
            .create_topic(name, TopicConfig::default())
            .await
            .unwrap();
    }
    let series = |topic: &str| {
        [
            "driftdb_partition_segments",
            "driftdb_partition_bytes",
            "driftdb_partition_end_offset",
        ]
        .map(|gauge| format!(r#"{gauge}{{topic="{topic}",partition="0"}}"#))
    };
    let (_, metrics) = get(&server.http_addr, "/metrics");
    for s in series("kept").iter().chain(&series("gone")) {
        assert!(metrics.contains(s.as_str()), "{s} missing:\n{metrics}");
    }
    client.admin().delete_topic("gone").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let (_, metrics) = get(&server.http_addr, "/metrics");
    for s in series("gone") {
        assert!(!metrics.contains(s.as_str()), "{s} stayed:\n{metrics}");
    }
    for s in series("kept") {
        assert!(metrics.contains(s.as_str()), "{s} missing:\n{metrics}");
    }
    assert_eq!(sample(&metrics, "driftdb_active_subscribers"), 0.0);
}

/// `--http-listen` puts the metrics and probes on an address of their own, away from the
/// client ports.
#[test]
fn the_http_port_listens_where_it_is_told() {
    let dir = crate::server::TestDir::new();
    let server = crate::server::Server::try_start_with(
        &dir.data(),
        0,
        &[
            std::ffi::OsStr::new("--http-listen"),
            std::ffi::OsStr::new("127.0.0.2"),
        ],
    )
    .expect("a server");
    assert!(
        server.http_addr.starts_with("127.0.0.2:"),
        "{}",
        server.http_addr
    );
    assert!(
        server.pg_addr.starts_with("127.0.0.1:"),
        "{}",
        server.pg_addr
    );
    assert_eq!(get(&server.http_addr, "/health/ready").0, 200);
}
