//! The audit trail: logins (and failed ones) on both ports, DDL, role and privilege
//! changes, topic administration and refusals go to the system topic `__audit`, which
//! clients cannot write, and SQL reads them in `driftdb_audit` (`--audit-table`).

use std::ffi::OsStr;
use std::time::Duration;

use driftdb_client::{Code, ProducerRecord};

use crate::auth::{SUPERUSER_PASSWORD, as_role, psql, sql, start};
use crate::server::{Server, TestDir};

/// One value (or lines of values) from a query run as the superuser.
fn psql_value(server: &Server, query: &str) -> String {
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let out = std::process::Command::new("psql")
        .args([
            "-X", "-q", "-A", "-t", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-c", query])
        .env("PGPASSWORD", SUPERUSER_PASSWORD)
        .env("PGSSLMODE", "disable")
        .output()
        .expect("run psql");
    assert!(out.status.success(), "{query}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Waits (bounded) until `query` answers `expected`: the table follows the topic a moment
/// behind.
fn eventually(server: &Server, query: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..200 {
        last = psql_value(server, query);
        if last == expected {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{query}: {last:?}, not {expected:?}");
}

#[tokio::test]
async fn who_deleted_a_topic_and_when_and_every_login() {
    let dir = TestDir::new();
    let server = start(&dir, &[OsStr::new("--audit-table")]);
    sql(
        &server,
        "CREATE USER app PASSWORD 'Sekrit-42'; GRANT CREATE, DELETE ON TOPIC doomed TO app",
    );
    // A failed login on each port.
    let failed = psql(&server, "app", "wrong", "SELECT 1");
    assert!(!failed.status.success());
    let e = as_role(&server, "app", "wrong")
        .await
        .admin()
        .list_topics()
        .await
        .expect_err("wrong password");
    assert_eq!(e.code(), Some(Code::Unauthenticated));
    // Topic administration, allowed and refused.
    let app = as_role(&server, "app", "Sekrit-42").await;
    app.admin()
        .create_topic("doomed", Default::default())
        .await
        .expect("CREATE granted");
    app.admin()
        .delete_topic("doomed")
        .await
        .expect("DELETE granted");
    let e = app
        .admin()
        .delete_topic("precious")
        .await
        .expect_err("not granted");
    assert_eq!(e.code(), Some(Code::PermissionDenied));
    // Nobody writes the trail, not even a superuser.
    let admin = as_role(&server, "driftdb", SUPERUSER_PASSWORD).await;
    let producer = admin.producer(Default::default());
    let e = producer
        .send("__audit", ProducerRecord::new("{}"))
        .await
        .expect_err("a system topic");
    assert_eq!(e.code(), Some(Code::InvalidArgument), "{e}");
    let _ = producer.close().await;

    // Who deleted topic doomed, from where, and when.
    let deleted = "SELECT role || ' ' || address || ' ' || port FROM driftdb_audit \
                   WHERE action = 'delete topic' AND object = 'doomed' AND outcome = 'success'";
    eventually(&server, deleted, "app 127.0.0.1 grpc");
    let refused = "SELECT role || ' ' || error FROM driftdb_audit \
                   WHERE action = 'delete topic' AND object = 'precious'";
    assert!(
        psql_value(&server, refused).starts_with("app permission denied for topic \"precious\""),
        "{}",
        psql_value(&server, refused)
    );
    // Logins: the failed ones on both ports, the first call of the gRPC connection.
    let logins = "SELECT port || ' ' || outcome || ' ' || detail FROM driftdb_audit \
                  WHERE event = 'authentication' AND role = 'app' ORDER BY id";
    assert_eq!(
        psql_value(&server, logins),
        "postgresql failure scram-sha-256, clear text\n\
         grpc failure password\n\
         grpc success password, clear text"
    );
    // DDL and privilege changes, with their text, but never a password.
    let grants = "SELECT action || ': ' || detail FROM driftdb_audit WHERE action = 'GRANT'";
    assert_eq!(
        psql_value(&server, grants),
        "GRANT: GRANT CREATE, DELETE ON TOPIC doomed TO app"
    );
    assert_eq!(
        psql_value(
            &server,
            "SELECT object || ' ' || coalesce(detail, 'no text') FROM driftdb_audit \
             WHERE action = 'CREATE ROLE'"
        ),
        "app no text"
    );
    assert_eq!(
        psql_value(
            &server,
            "SELECT count(*) FROM driftdb_audit WHERE detail LIKE '%Sekrit%'"
        ),
        "0"
    );

    // The trail as it stood when the topic was deleted did not have the deletion yet: the
    // row is committed after the event.
    let when = psql_value(
        &server,
        "SELECT time FROM driftdb_audit WHERE action = 'delete topic' AND object = 'doomed' \
         AND outcome = 'success'",
    );
    let before = psql_value(
        &server,
        &format!(
            "SELECT count(*) FROM driftdb_audit FOR SYSTEM_TIME AS OF '{when}' \
             WHERE action = 'delete topic' AND object = 'doomed'"
        ),
    );
    assert_eq!(before, "0");

    // The table is the projection's: no client writes it, and a role needs SELECT to read it.
    let out = psql(
        &server,
        "driftdb",
        SUPERUSER_PASSWORD,
        "DELETE FROM driftdb_audit",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("projection"),
        "{out:?}"
    );
    let out = psql(&server, "app", "Sekrit-42", "SELECT * FROM driftdb_audit");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("permission denied"),
        "{out:?}"
    );
}
