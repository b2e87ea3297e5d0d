//! Who may call the gRPC port: the SQL roles under `--auth`, by password or client
//! certificate; table change streams under the roles' SQL privileges; failed logins slowed
//! per address on both ports.

use std::ffi::OsStr;
use std::process::{Command, Output};

use driftdb_client::{Client, Code, ConnectOptions, Credentials, TableStart, TlsOptions};

use crate::server::{Server, TestDir};
use crate::tls::Certs;

const SUPERUSER_PASSWORD: &str = "super pw";

/// A server checking passwords, its superuser's given, with `extra` flags.
fn start(dir: &TestDir, extra: &[&OsStr]) -> Server {
    let mut args = vec![
        OsStr::new("--auth"),
        OsStr::new("scram-sha-256"),
        OsStr::new("--superuser-password"),
        OsStr::new(SUPERUSER_PASSWORD),
    ];
    args.extend_from_slice(extra);
    Server::try_start_with(&dir.data(), 0, &args).expect("a server checking passwords")
}

/// SQL through psql as the superuser, which must succeed.
fn sql(server: &Server, statements: &str) {
    let out = psql(server, "driftdb", SUPERUSER_PASSWORD, statements);
    assert!(out.status.success(), "{out:?}");
}

fn psql(server: &Server, user: &str, password: &str, statements: &str) -> Output {
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    Command::new("psql")
        .args([
            "-X", "-q", "-h", host, "-p", port, "-U", user, "-d", "driftdb",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-c", statements])
        .env("PGPASSWORD", password)
        // In clear text: a server asking TLS clients for a certificate takes psql without one.
        .env("PGSSLMODE", "disable")
        .output()
        .expect("run psql")
}

async fn as_role(server: &Server, role: &str, password: &str) -> Client {
    let options = ConnectOptions {
        credentials: Some(Credentials::Password {
            role: role.into(),
            password: password.into(),
        }),
        ..ConnectOptions::default()
    };
    Client::connect_with(server.grpc_url.clone(), options)
        .await
        .expect("connect")
}

/// The value of the sample `series` (name and labels) on the HTTP port's `/metrics`.
fn metric(server: &Server, series: &str) -> f64 {
    let (_, metrics) = crate::http::get(&server.http_addr, "/metrics");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn grpc_calls_need_a_role_and_its_password() {
    let dir = TestDir::new();
    let server = start(&dir, &[]);
    sql(
        &server,
        "CREATE USER app PASSWORD 'app pw'; CREATE ROLE quiet PASSWORD 'q'",
    );

    // No credentials: refused, saying how to give them.
    let anonymous = server.client().await;
    let e = anonymous
        .admin()
        .list_topics()
        .await
        .expect_err("anonymous");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
    assert!(e.to_string().contains("authentication required"), "{e}");
    // A wrong password, a role that does not exist, one that may not log in: the same words.
    for (role, password) in [("app", "wrong"), ("nobody", "x"), ("quiet", "q")] {
        let client = as_role(&server, role, password).await;
        let e = client.admin().list_topics().await.expect_err(role);
        assert_eq!(e.code(), Some(Code::Unauthenticated), "{role}");
        assert!(
            e.to_string().ends_with("authentication failed"),
            "{role}: {e}"
        );
    }
    // The right password: every service.
    let app = as_role(&server, "app", "app pw").await;
    app.admin()
        .create_topic("orders", Default::default())
        .await
        .expect("create a topic");
    let producer = app.producer(Default::default());
    let ack = producer
        .send("orders", driftdb_client::ProducerRecord::new("placed"))
        .await
        .expect("produce");
    producer.close().await.expect("close");
    let records = app
        .consumer()
        .fetch("orders", ack.partition, ack.offset, 10)
        .await
        .expect("fetch");
    assert_eq!(records.records.len(), 1);
    // A changed password takes effect at once, though the old one was remembered.
    sql(&server, "ALTER ROLE app PASSWORD 'new pw'");
    let e = app.admin().list_topics().await.expect_err("old password");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
    as_role(&server, "app", "new pw")
        .await
        .admin()
        .list_topics()
        .await
        .expect("new password");

    // Probes send no credentials: the health service answers everyone.
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let mut health = HealthClient::new(anonymous.channel());
    let reply = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health");
    assert_eq!(reply.into_inner().status, 1);
}

#[tokio::test]
async fn table_change_streams_follow_sql_privileges() {
    let dir = TestDir::new();
    let server = start(&dir, &[]);
    sql(
        &server,
        "CREATE USER app PASSWORD 'app pw'; \
         CREATE TABLE open (id INT PRIMARY KEY); CREATE TABLE vault (id INT PRIMARY KEY); \
         INSERT INTO open VALUES (1); INSERT INTO vault VALUES (1); \
         GRANT SELECT ON open TO app",
    );
    let app = as_role(&server, "app", "app pw").await;
    let mut changes = app
        .tables()
        .follow("open", TableStart::Beginning)
        .await
        .expect("follow a granted table");
    let first = changes.next().await.expect("a change").expect("one");
    assert_eq!(first.table, "open");
    let marker = changes.next().await.expect("caught up").expect("one");
    assert!(marker.caught_up);
    let e = app
        .tables()
        .follow("vault", TableStart::Beginning)
        .await
        .expect_err("no SELECT on vault");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
    assert!(
        e.to_string().contains("permission denied for table vault"),
        "{e}"
    );
    let admin = as_role(&server, "driftdb", SUPERUSER_PASSWORD).await;
    admin
        .tables()
        .follow("vault", TableStart::Beginning)
        .await
        .expect("a superuser reads everything");

    // REVOKE ends the open stream (the revoking commit wakes it), rather than the next
    // connection only.
    sql(&server, "REVOKE SELECT ON open FROM app");
    let ended = crate::server::within("the stream to end", changes.next()).await;
    let e = ended.expect_err("the stream ends with an error");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
}

/// Under trust, as on the PostgreSQL port, a call runs as the role it names, unchecked (and
/// as the bootstrap superuser if it names none).
#[tokio::test]
async fn under_trust_a_call_runs_as_the_role_it_names() {
    let dir = TestDir::new();
    let server = Server::start(&dir.data());
    sql(
        &server,
        "CREATE USER app; CREATE TABLE vault (id INT PRIMARY KEY); INSERT INTO vault VALUES (1)",
    );
    let e = as_role(&server, "app", "anything")
        .await
        .tables()
        .follow("vault", TableStart::Beginning)
        .await
        .expect_err("app has no SELECT");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
    server
        .client()
        .await
        .tables()
        .follow("vault", TableStart::Beginning)
        .await
        .expect("no role named: the superuser");
}

#[tokio::test]
async fn a_client_certificate_names_the_role() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    certs.leaf("ca", "stranger", "stranger.key", "/CN=stranger", "client");
    let (cert, key, ca) = (
        certs.path("cert.pem"),
        certs.path("key.pem"),
        certs.path("ca.pem"),
    );
    let server = start(
        &dir,
        &[
            OsStr::new("--tls-cert"),
            cert.as_os_str(),
            OsStr::new("--tls-key"),
            key.as_os_str(),
            OsStr::new("--tls-client-ca"),
            ca.as_os_str(),
        ],
    );
    // The test CA's client certificate says CN=svc-orders.
    sql(&server, "CREATE ROLE \"svc-orders\" LOGIN");
    let url = server.grpc_url.replacen("http://", "https://", 1);
    let with_certificate = |name: &str| {
        let read = |file: String| std::fs::read(certs.path(&file)).expect("read");
        let (cert, key) = if name == "client" {
            ("client.pem".to_string(), "client.key".to_string())
        } else {
            (format!("{name}.pem"), format!("{name}.key"))
        };
        ConnectOptions {
            tls: TlsOptions {
                ca_certificate: Some(read("ca.pem".into())),
                identity: Some((read(cert), read(key))),
            },
            credentials: None,
        }
    };
    let client = Client::connect_with(url.clone(), with_certificate("client"))
        .await
        .expect("connect");
    client
        .admin()
        .list_topics()
        .await
        .expect("svc-orders by its certificate");
    // A certificate the CA signed, for a name that is no role.
    let stranger = Client::connect_with(url, with_certificate("stranger"))
        .await
        .expect("connect");
    let e = stranger
        .admin()
        .list_topics()
        .await
        .expect_err("no such role");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
}

/// Failed logins from one address are slowed after a few, on both ports, and counted; the
/// role is never locked: its right password still works at once.
#[tokio::test]
async fn failed_logins_slow_their_address_not_the_role() {
    let dir = TestDir::new();
    let server = start(&dir, &[]);
    sql(&server, "CREATE USER app PASSWORD 'app pw'");
    let wrong = as_role(&server, "app", "wrong").await;
    for _ in 0..5 {
        wrong
            .admin()
            .list_topics()
            .await
            .expect_err("wrong password");
    }
    assert_eq!(
        metric(&server, "driftdb_login_failures_total{port=\"grpc\"}"),
        5.0
    );
    assert_eq!(
        metric(&server, "driftdb_logins_delayed_total{port=\"grpc\"}"),
        2.0
    );
    as_role(&server, "app", "app pw")
        .await
        .admin()
        .list_topics()
        .await
        .expect("the role is not locked");
    // PostgreSQL: the address's failures already count, so the next one is delayed too.
    let out = psql(&server, "app", "wrong", "SELECT 1");
    assert!(!out.status.success());
    assert_eq!(
        metric(&server, "driftdb_login_failures_total{port=\"postgresql\"}"),
        1.0
    );
    assert_eq!(
        metric(&server, "driftdb_logins_delayed_total{port=\"postgresql\"}"),
        1.0
    );
    let out = psql(&server, "app", "app pw", "SELECT 1");
    assert!(out.status.success(), "{out:?}");
}
