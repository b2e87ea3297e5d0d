//! Consumer groups through the real server: three members share a topic, rebalance when one
//! leaves, refuse a stale member's commit, and a new member resumes from the committed
//! offsets after a server restart.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use driftdb_client::proto::group_service_client::GroupServiceClient;
use driftdb_client::proto::{
    CommitOffsetsRequest, DescribeGroupRequest, FetchOffsetsRequest, OffsetCommit, TopicPartition,
};
use driftdb_client::{
    Client, Code, GroupConfig, GroupConsumer, ProducerConfig, ProducerRecord, TopicConfig,
};

use crate::server::{Server, TestDir, within};

const PARTITIONS: u32 = 6;

fn config() -> GroupConfig {
    let mut c = GroupConfig::new("billing", ["orders"]);
    c.auto_commit = false;
    c.session_timeout = Duration::from_secs(5);
    c.heartbeat_interval = Duration::from_millis(100);
    c.idle_wait = Duration::from_millis(10);
    c
}

async fn produce(client: &Client, from: u32, to: u32) {
    let producer = client.producer(ProducerConfig::default());
    let mut acks = Vec::new();
    for i in from..to {
        let record = ProducerRecord::new(format!("v{i}")).key(format!("o-{}", i % 50));
        acks.push(producer.enqueue("orders", record).await.unwrap());
    }
    for ack in acks {
        ack.await.unwrap();
    }
    producer.close().await.unwrap();
}

/// A member polling in its own task, recording every value it sees, committing after each
/// batch, until `stop` is set; then it hands itself back.
fn spawn_member(
    client: Client,
    seen: Arc<Mutex<BTreeSet<String>>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<GroupConsumer> {
    tokio::spawn(async move {
        let mut member = GroupConsumer::join(&client, config()).await.unwrap();
        while !stop.load(Ordering::SeqCst) {
            let records = member.poll_once().await.unwrap();
            if records.is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            {
                let mut seen = seen.lock().unwrap();
                for (_, _, r) in &records {
                    seen.insert(
                        String::from_utf8(r.value.clone().unwrap_or_default().to_vec()).unwrap(),
                    );
                }
            }
            // Refused during a rebalance: the records are read again by their next owner.
            if let Err(e) = member.commit().await {
                assert_eq!(e.code(), Some(Code::FailedPrecondition), "{e}");
            }
        }
        member
    })
}

async fn wait_until_seen(seen: &Arc<Mutex<BTreeSet<String>>>, range: std::ops::Range<u32>) {
    within("members to read every record", async {
        loop {
            if range
                .clone()
                .all(|i| seen.lock().unwrap().contains(&format!("v{i}")))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// Partitions per member, sorted, once the group is stable (empty while it is not, or before
/// any member joined).
async fn describe(client: &mut GroupServiceClient<driftdb_client::Transport>) -> Vec<usize> {
    let d = match client
        .describe_group(DescribeGroupRequest {
            group: "billing".into(),
        })
        .await
    {
        Ok(d) => d.into_inner(),
        Err(status) if status.code() == Code::NotFound => return Vec::new(),
        Err(status) => panic!("describe failed: {status}"),
    };
    let mut sizes: Vec<usize> = d.members.iter().map(|m| m.assignment.len()).collect();
    sizes.sort_unstable();
    if d.stable { sizes } else { Vec::new() }
}

async fn wait_for_assignment(
    client: &mut GroupServiceClient<driftdb_client::Transport>,
    want: &[usize],
) {
    within("the group to settle", async {
        while describe(client).await != want {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_rebalance_and_the_group_resumes_after_restart() {
    let dir = TestDir::new();
    let mut server = Server::start(&dir.data());
    let client = server.client().await;
    client
        .admin()
        .create_topic(
            "orders",
            TopicConfig {
                partitions: PARTITIONS,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut groups = GroupServiceClient::new(client.channel());
    produce(&client, 0, 600).await;

    // Three members share the six partitions and read everything between them.
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let stops: Vec<_> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let mut members: Vec<_> = stops
        .iter()
        .map(|s| spawn_member(client.clone(), seen.clone(), s.clone()))
        .collect();
    wait_for_assignment(&mut groups, &[2, 2, 2]).await;
    wait_until_seen(&seen, 0..600).await;

    // The third leaves; the other two take over its partitions and read what comes next.
    stops[2].store(true, Ordering::SeqCst);
    let third = members.pop().unwrap().await.unwrap();
    let stale_generation = third.generation();
    let stale_member = third.member_id().to_string();
    third.close().await.unwrap();
    wait_for_assignment(&mut groups, &[3, 3]).await;
    produce(&client, 600, 900).await;
    wait_until_seen(&seen, 600..900).await;

    // The member that left can no longer commit.
    let refused = groups
        .commit_offsets(CommitOffsetsRequest {
            group: "billing".into(),
            member_id: stale_member,
            generation: i64::from(stale_generation),
            offsets: vec![OffsetCommit {
                partition: Some(TopicPartition {
                    topic: "orders".into(),
                    partition: 0,
                }),
                offset: 0,
                metadata: String::new(),
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused}");

    // Everyone commits and leaves; the server restarts.
    for (stop, member) in stops.iter().zip(members) {
        stop.store(true, Ordering::SeqCst);
        member.await.unwrap().close().await.unwrap();
    }
    assert_eq!(server.terminate().code(), Some(0));
    let server = Server::start(&dir.data());
    let client = server.client().await;
    let mut groups = GroupServiceClient::new(client.channel());

    // The commits survived: they add up to every record produced.
    let committed: u64 = groups
        .fetch_offsets(FetchOffsetsRequest {
            group: "billing".into(),
            partitions: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .offsets
        .iter()
        .map(|c| c.offset)
        .sum();
    assert_eq!(committed, 900);

    // A new member gets every partition and resumes there: only new records arrive.
    let mut member = within("join after restart", GroupConsumer::join(&client, config()))
        .await
        .unwrap();
    assert_eq!(member.assignment().len(), PARTITIONS as usize);
    assert!(
        member.poll_once().await.unwrap().is_empty(),
        "nothing old is read again"
    );
    produce(&client, 900, 950).await;
    let mut fresh = BTreeSet::new();
    within("the new records", async {
        while fresh.len() < 50 {
            for (_, _, r) in member.poll().await.unwrap() {
                fresh.insert(String::from_utf8(r.value.unwrap_or_default().to_vec()).unwrap());
            }
        }
    })
    .await;
    let expected: BTreeSet<String> = (900..950).map(|i| format!("v{i}")).collect();
    assert_eq!(fresh, expected);
    member.close().await.unwrap();
}
