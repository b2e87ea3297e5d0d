//! Privileges on topics and consumer groups, granted in SQL and enforced by the broker on
//! the gRPC port: `GRANT PRODUCE, CONSUME, CREATE, DELETE ON TOPIC`, `ON ALL TOPICS`,
//! `GRANT CONSUME ON GROUP`, and `REVOKE` ending open subscriptions.

use driftdb_client::{Client, Code, GroupConfig, ProducerRecord, Start};

use crate::auth::{SUPERUSER_PASSWORD, as_role, psql, sql, start};
use crate::server::{TestDir, within};

fn code(e: &driftdb_client::Error) -> Option<Code> {
    e.code()
}

async fn produce(client: &Client, topic: &str) -> driftdb_client::Result<u64> {
    let producer = client.producer(Default::default());
    let sent = producer.send(topic, ProducerRecord::new("event")).await;
    let _ = producer.close().await;
    sent.map(|ack| ack.offset)
}

#[tokio::test]
async fn a_role_may_produce_to_one_topic_and_not_another() {
    let dir = TestDir::new();
    let server = start(&dir, &[]);
    let admin = as_role(&server, "driftdb", SUPERUSER_PASSWORD).await;
    for topic in ["orders", "payments"] {
        admin
            .admin()
            .create_topic(topic, Default::default())
            .await
            .expect("a superuser creates topics");
    }
    sql(
        &server,
        "CREATE USER svc PASSWORD 'svc pw'; GRANT PRODUCE ON TOPIC orders TO svc",
    );
    let svc = as_role(&server, "svc", "svc pw").await;
    produce(&svc, "orders").await.expect("PRODUCE on orders");
    for topic in ["payments", "no_such_topic"] {
        let e = produce(&svc, topic).await.expect_err(topic);
        // A topic that does not exist is refused the same way: a refusal tells nothing.
        assert_eq!(code(&e), Some(Code::PermissionDenied), "{topic}: {e}");
        assert!(
            e.to_string()
                .contains(&format!("permission denied for topic \"{topic}\"")),
            "{e}"
        );
    }
    // PRODUCE is not CONSUME, nor administration.
    let e = svc
        .consumer()
        .fetch("orders", 0, 0, 10)
        .await
        .expect_err("no CONSUME");
    assert_eq!(code(&e), Some(Code::PermissionDenied));
    let e = svc
        .admin()
        .create_topic("mine", Default::default())
        .await
        .expect_err("no CREATE");
    assert_eq!(code(&e), Some(Code::PermissionDenied));
    let e = svc
        .admin()
        .delete_topic("orders")
        .await
        .expect_err("no DELETE");
    assert_eq!(code(&e), Some(Code::PermissionDenied));
    // It sees only the topics it has a privilege on.
    let listed: Vec<String> = svc
        .admin()
        .list_topics()
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(listed, ["orders"]);
    let e = svc
        .admin()
        .describe_topic("payments")
        .await
        .expect_err("describe");
    assert_eq!(code(&e), Some(Code::PermissionDenied));

    // Topic administration is granted by name, before the topic exists.
    sql(&server, "GRANT CREATE, DELETE ON TOPIC mine TO svc");
    svc.admin()
        .create_topic("mine", Default::default())
        .await
        .expect("CREATE on mine");
    svc.admin()
        .delete_topic("mine")
        .await
        .expect("DELETE on mine");

    // A role that is not a superuser may not grant.
    let out = psql(
        &server,
        "svc",
        "svc pw",
        "GRANT PRODUCE ON TOPIC payments TO svc",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("permission denied"),
        "{out:?}"
    );
    // REVOKE takes the privilege away from the next call.
    sql(&server, "REVOKE ALL ON TOPIC orders FROM svc");
    let e = produce(&svc, "orders").await.expect_err("revoked");
    assert_eq!(code(&e), Some(Code::PermissionDenied));
}

#[tokio::test]
async fn consumers_need_consume_on_the_topic_and_the_group_and_revoke_ends_streams() {
    let dir = TestDir::new();
    let server = start(&dir, &[]);
    let admin = as_role(&server, "driftdb", SUPERUSER_PASSWORD).await;
    admin
        .admin()
        .create_topic("orders", Default::default())
        .await
        .expect("create");
    produce(&admin, "orders").await.expect("produce");
    sql(
        &server,
        "CREATE USER reader PASSWORD 'r pw'; \
         GRANT CONSUME ON TOPIC orders TO reader; GRANT CONSUME ON GROUP billing TO reader",
    );
    let reader = as_role(&server, "reader", "r pw").await;
    let fetched = reader
        .consumer()
        .fetch("orders", 0, 0, 10)
        .await
        .expect("CONSUME on orders");
    assert_eq!(fetched.records.len(), 1);
    let e = produce(&reader, "orders").await.expect_err("no PRODUCE");
    assert_eq!(code(&e), Some(Code::PermissionDenied));

    // A group needs CONSUME on the group as well as on its topics.
    let mut member = within(
        "joining billing",
        driftdb_client::GroupConsumer::join(&reader, GroupConfig::new("billing", ["orders"])),
    )
    .await
    .expect("join billing");
    let polled = within("a poll", member.poll()).await.expect("poll");
    assert_eq!(polled.len(), 1);
    member.commit().await.expect("commit in billing");
    member.close().await.expect("leave");
    let e = driftdb_client::GroupConsumer::join(&reader, GroupConfig::new("audit", ["orders"]))
        .await
        .expect_err("no CONSUME on the group audit");
    assert_eq!(code(&e), Some(Code::PermissionDenied));
    assert!(
        e.to_string()
            .contains("permission denied for consumer group \"audit\""),
        "{e}"
    );

    // ALL TOPICS covers every topic, present and future, but not DriftDB's own.
    sql(&server, "GRANT CONSUME ON ALL TOPICS TO reader");
    admin
        .admin()
        .create_topic("later", Default::default())
        .await
        .expect("create");
    reader
        .consumer()
        .fetch("later", 0, 0, 10)
        .await
        .expect("ALL TOPICS covers a new topic");
    let e = reader
        .consumer()
        .fetch("__ledger", 0, 0, 10)
        .await
        .expect_err("the ledger takes a grant by name");
    assert_eq!(code(&e), Some(Code::PermissionDenied));

    // REVOKE ends an open subscription at its commit, not at the next connection.
    let mut subscription = reader
        .consumer()
        .subscribe("orders", 0, Start::Earliest)
        .await
        .expect("subscribe");
    within("the first record", subscription.next())
        .await
        .expect("a record")
        .expect("one");
    sql(
        &server,
        "REVOKE CONSUME ON TOPIC orders FROM reader; REVOKE CONSUME ON ALL TOPICS FROM reader",
    );
    let e = within("the stream to end", subscription.next())
        .await
        .expect_err("the stream ends with an error");
    assert_eq!(code(&e), Some(Code::PermissionDenied), "{e}");
}
