//! Crash, restart and shutdown of the server process.

use std::sync::{Arc, Mutex};

use driftdb_client::{Durability, ProducerConfig, ProducerRecord, TopicConfig};

use crate::server::{Server, TestDir, server_log, within};

#[tokio::test]
async fn every_acknowledged_record_survives_kill_9() {
    let dir = TestDir::new();
    let mut server = Server::start(&dir.data());
    let client = server.client().await;
    client
        .admin()
        .create_topic(
            "durable",
            TopicConfig {
                partitions: 2,
                durability: Durability::Always.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Producers keep sending until the server dies under them; each acknowledgement is noted.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let client = client.clone();
        let acked = Arc::clone(&acked);
        writers.push(tokio::spawn(async move {
            let producer = client.producer(ProducerConfig {
                retries: 0,
                ..Default::default()
            });
            for i in 0.. {
                let value = format!("w{writer}-{i}");
                let record = ProducerRecord::new(value.clone()).key(format!("k{writer}"));
                match producer.send("durable", record).await {
                    Ok(ack) => acked
                        .lock()
                        .unwrap()
                        .push((ack.partition, ack.offset, value)),
                    Err(_) => return,
                }
            }
        }));
    }
    within("200 acknowledgements", async {
        while acked.lock().unwrap().len() < 200 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    server.kill9();
    for writer in writers {
        within("writers to stop", writer).await.unwrap();
    }

    let server = Server::start(&dir.data());
    let consumer = server.client().await.consumer();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200);
    for (partition, offset, value) in acked {
        let fetched = consumer
            .fetch("durable", partition, offset, 1)
            .await
            .unwrap();
        let record = fetched
            .records
            .first()
            .unwrap_or_else(|| panic!("acknowledged {partition}/{offset} is gone"));
        assert_eq!(record.offset, offset);
        assert_eq!(record.value.as_deref(), Some(value.as_bytes()));
    }
    // And the log accepts new appends after recovery.
    let producer = server.client().await.producer(ProducerConfig::default());
    producer
        .send("durable", ProducerRecord::new("after").key("k0"))
        .await
        .unwrap();
    producer.close().await.unwrap();
}

// Multi-threaded: `terminate` blocks one thread waiting for the process while the other
// drives the client's connection through the server's graceful shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_zero_and_data_is_kept() {
    let dir = TestDir::new();
    let mut server = Server::start(&dir.data());
    let client = server.client().await;
    client
        .admin()
        .create_topic(
            "kept",
            TopicConfig {
                durability: Durability::Never.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let producer = client.producer(ProducerConfig::default());
    for i in 0..50 {
        producer
            .send("kept", ProducerRecord::new(format!("{i}")))
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
    // An open subscription must not hold the shutdown open.
    let mut subscription = client
        .consumer()
        .subscribe("kept", 0, driftdb_client::Start::Latest)
        .await
        .unwrap();

    let status = server.terminate();
    assert!(
        status.success(),
        "exit status {status}\n{}",
        server_log(&dir.data())
    );
    let ended = within("subscription end", subscription.next()).await;
    assert!(ended.is_err() || ended.is_ok_and(|r| r.is_none()));

    // `never` durability: a clean shutdown still fsyncs everything.
    let server = Server::start(&dir.data());
    let described = server
        .client()
        .await
        .admin()
        .describe_topic("kept")
        .await
        .unwrap();
    assert_eq!(described.partitions[0].end_offset, 50);
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_fails_clearly() {
    let dir = TestDir::new();
    let _server = Server::start(&dir.data());
    let error = match Server::try_start(&dir.data()) {
        Ok(_) => panic!("two servers opened one data directory"),
        Err(error) => error,
    };
    assert!(error.contains("data directory"), "{error}");
}

#[tokio::test]
async fn a_port_in_use_fails_clearly() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = TestDir::new();
    let error = match Server::try_start_on(&dir.data(), port) {
        Ok(_) => panic!("the server started on a port in use"),
        Err(error) => error,
    };
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(error.contains("port"), "{error}");
}
