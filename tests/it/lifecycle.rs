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

// Multi-threaded: the producer's retries run while this thread blocks restarting the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_producer_rides_out_a_crash_without_duplicates() {
    let dir = TestDir::new();
    let mut server = Server::start(&dir.data());
    let port: u16 = server
        .grpc_url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the server's address");
    let client = server.client().await;
    client
        .admin()
        .create_topic("orders", TopicConfig::default())
        .await
        .unwrap();

    // Enough retries (with backoff up to 2 s) to outlast a restart.
    let producer = Arc::new(client.producer(ProducerConfig {
        retries: 40,
        max_batch_records: 20,
        ..Default::default()
    }));
    let sender = tokio::spawn({
        let producer = Arc::clone(&producer);
        async move {
            let mut pending = Vec::new();
            for i in 0..2000u32 {
                let record = ProducerRecord::new(i.to_string()).partition(0);
                pending.push(producer.enqueue("orders", record).await.unwrap());
                if i % 100 == 99 {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
            let mut acks = Vec::new();
            for ack in pending {
                acks.push(ack.await.expect("every record is acknowledged in the end"));
            }
            acks
        }
    });
    within("some records to land", async {
        loop {
            let described = client.admin().describe_topic("orders").await.unwrap();
            if described.partitions[0].end_offset >= 300 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    server.kill9();
    let server = match Server::try_start_on(&dir.data(), port) {
        Ok(server) => server,
        Err(e) => panic!("restart on port {port}: {e}"),
    };

    let acks = within("all acknowledgements", sender).await.unwrap();
    assert_eq!(acks.len(), 2000);
    // Every record exactly once, in the order sent, at the offset its acknowledgement named.
    let consumer = server.client().await.consumer();
    let mut values = Vec::new();
    let mut offset = 0;
    loop {
        let fetched = consumer.fetch("orders", 0, offset, 0).await.unwrap();
        if fetched.records.is_empty() {
            break;
        }
        offset = fetched.next_offset;
        values.extend(fetched.records.into_iter().map(|r| r.value.unwrap()));
    }
    let expected: Vec<String> = (0..2000).map(|i: u32| i.to_string()).collect();
    assert_eq!(values, expected, "records lost, duplicated or reordered");
    for (i, ack) in acks.iter().enumerate() {
        assert_eq!(values[ack.offset as usize], i.to_string());
    }
}

#[tokio::test]
async fn an_unusable_data_dir_fails_clearly() {
    let dir = TestDir::new();
    // A regular file where the data directory should be.
    std::fs::write(dir.data(), b"").unwrap();
    let error = match Server::try_start(&dir.data()) {
        Ok(_) => panic!("the server started under a regular file"),
        Err(error) => error,
    };
    assert!(
        error.contains("cannot create the data directory"),
        "{error}"
    );
}
