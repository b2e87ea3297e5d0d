//! Hostile bytes on every port: garbage, truncated and oversized frames, clients that stall
//! or flood. The server answers with an error or closes the connection, never panics or
//! hangs, and keeps serving well-behaved clients throughout, with everything they wrote.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use driftdb_client::{ProducerRecord, TopicConfig};

use crate::server::{Server, TestDir};
use crate::tls::Certs;

/// Deterministic noise (xorshift), so a failure replays.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Sends `bytes` to `addr`, then reads whatever comes back until the server closes the
/// connection or `patience` passes: returns whether it closed (rather than hang).
fn send(addr: &str, bytes: &[u8], patience: Duration) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    // A server that closes early may reset the rest of the write: that is an answer too.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set a read timeout");
    let deadline = Instant::now() + patience;
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

/// What [`still_serving`] reads: its topic and table.
async fn prepare(server: &Server) {
    server
        .client()
        .await
        .admin()
        .create_topic("survivor", TopicConfig::default())
        .await
        .expect("create a topic");
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let made = std::process::Command::new("psql")
        .args([
            "-X", "-q", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
        ])
        .args(["-c", "CREATE TABLE survivors (id INT PRIMARY KEY)"])
        .output()
        .expect("run psql");
    assert!(made.status.success(), "{made:?}");
}

/// The server still does its work: a produce is acknowledged and read back, SQL answers,
/// and the probes say ready.
async fn still_serving(server: &Server, round: u64) {
    let client = server.client().await;
    let producer = client.producer(Default::default());
    let ack = producer
        .send(
            "survivor",
            ProducerRecord::new(format!("round {round}")).partition(0),
        )
        .await
        .expect("produce after hostile input");
    producer.close().await.expect("close");
    let read = client
        .consumer()
        .fetch("survivor", 0, ack.offset, 1)
        .await
        .expect("fetch");
    assert_eq!(read.records.len(), 1);
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = std::process::Command::new("psql")
        .args([
            "-X", "-A", "-t", "-h", host, "-p", port, "-U", "driftdb", "-d", "driftdb",
        ])
        .args(["-c", "SELECT count(*) FROM survivors"])
        .output()
        .expect("run psql");
    assert!(psql.status.success(), "{psql:?}");
    assert_eq!(crate::http::get(&server.http_addr, "/health/ready").0, 200);
}

#[tokio::test]
async fn garbage_truncated_and_oversized_input_on_every_port() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    let (cert, key) = (certs.path("cert.pem"), certs.path("key.pem"));
    let server = Server::try_start_with(
        &dir.data(),
        0,
        &[
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ],
    )
    .expect("a server");
    prepare(&server).await;

    let patience = Duration::from_secs(15);
    let ports = [&server.grpc_addr(), &server.http_addr, &server.pg_addr];
    let mut h2_preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("noise", noise(1, 64 * 1024)),
        ("more noise", noise(2, 3)),
        // A TLS record header, then nothing it promises.
        (
            "a truncated TLS handshake",
            vec![0x16, 0x03, 0x01, 0xff, 0xff, 0x01],
        ),
        // The HTTP/2 preface, then a frame header announcing 16 MiB and no payload.
        ("a truncated HTTP/2 frame", {
            h2_preface.extend_from_slice(&[0xff, 0xff, 0xff, 0x00, 0x00, 0, 0, 0, 1]);
            h2_preface.clone()
        }),
        // A PostgreSQL startup packet claiming 1 GiB, and a length below the minimum.
        (
            "an oversized startup packet",
            vec![0x40, 0, 0, 0, 0, 3, 0, 0],
        ),
        (
            "a startup packet too short to hold itself",
            vec![0, 0, 0, 2],
        ),
        // A request line with a 1 MiB path.
        ("an oversized HTTP request", {
            let mut request = b"GET /".to_vec();
            request.extend(std::iter::repeat_n(b'a', 1 << 20));
            request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
            request
        }),
    ];
    for (round, (what, bytes)) in cases.iter().enumerate() {
        for addr in ports {
            assert!(
                send(addr, bytes, patience),
                "{what} on {addr}: the server neither answered nor closed within {patience:?}"
            );
        }
        still_serving(&server, round as u64).await;
    }
}

/// Clients that connect and stall, or open connection after connection, take up no one
/// else's turn: while they hold their connections, a well-behaved client is served, and
/// the stalled ones on the gRPC and HTTP ports are closed once their opening is late.
#[tokio::test]
async fn stalled_and_flooding_clients_do_not_starve_the_others() {
    let dir = TestDir::new();
    let server = Server::start(&dir.data());
    prepare(&server).await;

    // 250 connections to the gRPC and HTTP ports, one in five sending one byte and
    // stopping, the rest nothing. The PostgreSQL port gets 50: as in PostgreSQL, a
    // connection still in its startup holds one of --max-connections' slots until its 60 s
    // startup timeout, so more than that many stalled ones refuse new logins meanwhile.
    let mut stalled = Vec::new();
    for (addr, count) in [
        (&server.grpc_addr(), 250),
        (&server.http_addr, 250),
        (&server.pg_addr, 50),
    ] {
        for i in 0..count {
            let mut stream = TcpStream::connect(addr).expect("connect");
            if i % 5 == 0 {
                stream.write_all(b"P").expect("write");
            }
            stalled.push((addr.clone(), stream));
        }
    }
    still_serving(&server, 0).await;

    // The gRPC and HTTP ports close a connection that has not sent its opening (HTTP/2's
    // preface, a request's head) in 10 s, whether it sent nothing or one byte.
    let late = stalled
        .iter_mut()
        .filter(|(a, _)| *a != server.pg_addr)
        .step_by(3)
        .take(20);
    for (addr, stream) in late {
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("set a read timeout");
        let mut byte = [0u8; 1];
        let closed = match stream.read(&mut byte) {
            Ok(0) => true,
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            Ok(_) => false,
        };
        assert!(closed, "a stalled connection to {addr} stayed open");
    }
    drop(stalled);
    still_serving(&server, 1).await;
}

/// The inputs the PostgreSQL fuzz target found that the wire library (pgwire 0.42) panics
/// on (`fuzz/known/pg_frontend`: lengths that underflow, fields that run past their
/// message): the panic ends that connection's task only; the server goes on serving.
#[tokio::test]
async fn inputs_the_wire_library_panics_on_end_only_their_connection() {
    let dir = TestDir::new();
    let server = Server::start(&dir.data());
    prepare(&server).await;
    let known = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/known/pg_frontend");
    let mut inputs: Vec<_> = std::fs::read_dir(&known)
        .expect("fuzz/known/pg_frontend")
        .map(|e| e.expect("an entry").path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut startup = Vec::new();
    let body: Vec<u8> = [&196_608u32.to_be_bytes()[..], b"user\0driftdb\0\0"].concat();
    startup.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    startup.extend_from_slice(&body);
    let mut round = 0;
    for input in &inputs {
        let input_bytes = std::fs::read(input).expect("read");
        // As the connection's first bytes (a startup phase panic), and after a startup.
        for bytes in [input_bytes.clone(), [startup.clone(), input_bytes].concat()] {
            assert!(
                send(&server.pg_addr, &bytes, Duration::from_secs(10)),
                "{}: the connection did not end",
                input.display()
            );
            round += 1;
            still_serving(&server, round).await;
        }
    }
}
