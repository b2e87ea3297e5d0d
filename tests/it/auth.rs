//! Who may call the gRPC port: the SQL roles under `--auth`, by password or client
//! certificate; table change streams under the roles' SQL privileges; failed logins slowed
//! per address on both ports.

use std::ffi::OsStr;
use std::process::{Command, Output};

use driftdb_client::{Client, Code, ConnectOptions, Credentials, TableStart, TlsOptions};

use crate::server::{Server, TestDir};
use crate::tls::Certs;

pub(crate) const SUPERUSER_PASSWORD: &str = "super pw";

/// A server checking passwords, its superuser's given, with `extra` flags.
pub(crate) fn start(dir: &TestDir, extra: &[&OsStr]) -> Server {
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
pub(crate) fn sql(server: &Server, statements: &str) {
    let out = psql(server, "driftdb", SUPERUSER_PASSWORD, statements);
    assert!(out.status.success(), "{out:?}");
}

pub(crate) fn psql(server: &Server, user: &str, password: &str, statements: &str) -> Output {
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

pub(crate) async fn as_role(server: &Server, role: &str, password: &str) -> Client {
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
        "CREATE USER app PASSWORD 'app pw'; CREATE ROLE quiet PASSWORD 'q'; \
         GRANT ALL ON TOPIC orders TO app",
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

/// Access tokens: a superuser makes one for a role with the CLI; a service calls with it as
/// that role (its privileges, not more); it outlives a restart; revoking it, or dropping its
/// role, ends it.
#[tokio::test]
async fn access_tokens_act_as_their_role_until_revoked() {
    let dir = TestDir::new();
    let mut server = start(&dir, &[]);
    sql(
        &server,
        "CREATE USER app; CREATE TABLE vault (id INT PRIMARY KEY); INSERT INTO vault VALUES (1)",
    );
    let made = Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(["--server", &server.grpc_url, "--user", "driftdb"])
        .args([
            "token",
            "create",
            "--role",
            "app",
            "--description",
            "billing",
        ])
        .env("DRIFTDB_PASSWORD", SUPERUSER_PASSWORD)
        .output()
        .expect("run driftdb token create");
    assert!(made.status.success(), "{made:?}");
    let token = String::from_utf8(made.stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    assert!(token.starts_with("ddb_"), "{token}");
    let with_token = |server: &Server, token: &str| {
        let url = server.grpc_url.clone();
        let options = ConnectOptions {
            credentials: Some(Credentials::Token(token.to_string())),
            ..ConnectOptions::default()
        };
        async move { Client::connect_with(url, options).await.expect("connect") }
    };

    let service = with_token(&server, &token).await;
    service
        .admin()
        .list_topics()
        .await
        .expect("a token authenticates");
    // As app: no SELECT on vault, and no managing tokens.
    let e = service
        .tables()
        .follow("vault", TableStart::Beginning)
        .await
        .expect_err("app may not read vault");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
    let e = service
        .access_tokens()
        .list()
        .await
        .expect_err("not a superuser");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
    // A made-up token, or a real id with a wrong secret, is refused.
    let id = token.split('_').nth(1).expect("an id").to_string();
    for wrong in [
        "ddb_0000_1111".to_string(),
        format!("ddb_{id}_{}", "0".repeat(64)),
    ] {
        let e = with_token(&server, &wrong)
            .await
            .admin()
            .list_topics()
            .await
            .expect_err("a wrong token");
        assert_eq!(e.code(), Some(Code::Unauthenticated));
    }

    // The ledger keeps it: it works after a restart, and lists without its secret.
    assert!(server.terminate().success());
    server = start(&dir, &[]);
    let admin = as_role(&server, "driftdb", SUPERUSER_PASSWORD).await;
    let listed = admin.access_tokens().list().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), listed[0].role.as_str()),
        (id.as_str(), "app")
    );
    assert_eq!(listed[0].description, "billing");
    with_token(&server, &token)
        .await
        .admin()
        .list_topics()
        .await
        .expect("the token after a restart");

    // Revoked: refused at once; a second revoke finds nothing.
    admin.access_tokens().revoke(&id).await.expect("revoke");
    let e = with_token(&server, &token)
        .await
        .admin()
        .list_topics()
        .await
        .expect_err("revoked");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
    let e = admin.access_tokens().revoke(&id).await.expect_err("gone");
    assert_eq!(e.code(), Some(Code::NotFound));

    // Dropping a role takes its tokens with it.
    let (second, _) = admin
        .access_tokens()
        .create("app", "")
        .await
        .expect("create");
    sql(&server, "DROP ROLE app");
    assert!(admin.access_tokens().list().await.expect("list").is_empty());
    let e = with_token(&server, &second)
        .await
        .admin()
        .list_topics()
        .await
        .expect_err("role dropped");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
    let e = admin
        .access_tokens()
        .create("nobody", "")
        .await
        .expect_err("no such role");
    assert_eq!(e.code(), Some(Code::NotFound));
}
