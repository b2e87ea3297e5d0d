//! TLS on every port: gRPC (through the CLI and the Rust client), HTTP and PostgreSQL, with
//! `--require-tls`, mutual TLS (`--tls-client-ca`) and reloading on SIGHUP.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_rustls::rustls;

use crate::server::{Server, TestDir};

/// Certificates made with `openssl` in a temporary directory: a CA, the server's
/// certificate for `127.0.0.1` and `localhost` signed by it, and a client's.
pub struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    pub fn new() -> Certs {
        let certs = Certs {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        certs.authority("ca");
        certs.leaf("ca", "cert", "key", "/CN=localhost", "server");
        certs.leaf("ca", "client", "client.key", "/CN=svc-orders", "client");
        certs
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn openssl<S: AsRef<OsStr>>(&self, args: &[S]) {
        let made = Command::new("openssl")
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .expect("run openssl");
        assert!(made.status.success(), "openssl: {made:?}");
    }

    /// A self-signed CA: `{name}.pem` and `{name}.key`.
    pub fn authority(&self, name: &str) {
        let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
        let subject = format!("/CN={name} test CA");
        self.openssl(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", &subject,
            "-keyout", &key, "-out", &pem,
        ]);
    }

    /// A certificate `{cert}.pem` (key `{key}.pem`, or `key` as given when it has a dot)
    /// for `subject`, signed by the CA `ca`; a server's names the loopback host.
    pub fn leaf(&self, ca: &str, cert: &str, key: &str, subject: &str, kind: &str) {
        let key = if key.contains('.') {
            key.to_string()
        } else {
            format!("{key}.pem")
        };
        let extensions = match kind {
            "server" => "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
            _ => "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        };
        std::fs::write(self.path(&format!("{cert}.ext")), extensions).expect("write extensions");
        self.openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            subject,
            "-keyout",
            &key,
            "-out",
            &format!("{cert}.csr"),
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{cert}.csr"),
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &format!("{cert}.ext"),
            "-out",
            &format!("{cert}.pem"),
        ]);
    }
}

/// A server with TLS from `certs` and `extra` flags.
fn start(dir: &TestDir, certs: &Certs, extra: &[&str]) -> Server {
    let (cert, key) = (certs.path("cert.pem"), certs.path("key.pem"));
    let mut args = vec![
        OsStr::new("--tls-cert"),
        cert.as_os_str(),
        OsStr::new("--tls-key"),
        key.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    match Server::try_start_with(&dir.data(), 0, &args) {
        Ok(server) => server,
        Err(e) => panic!("driftdb-server did not start: {e}"),
    }
}

/// `driftdb` with `args`.
fn driftdb<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_driftdb"))
        .args(args)
        .output()
        .expect("run driftdb")
}

/// `driftdb --server url [--ca-file ca] topic list`.
fn list_topics(url: &str, ca: Option<&Path>) -> Output {
    let mut args = vec![OsStr::new("--server"), OsStr::new(url)];
    if let Some(ca) = ca {
        args.extend([OsStr::new("--ca-file"), ca.as_os_str()]);
    }
    args.extend([OsStr::new("topic"), OsStr::new("list")]);
    driftdb(&args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The gRPC address in TLS.
fn https(server: &Server) -> String {
    server.grpc_url.replacen("http://", "https://", 1)
}

/// A GET over TLS to the HTTP port, trusting `ca` and, if given, presenting `client`
/// (certificate, key): the status, or the TLS error.
pub fn https_get(
    addr: &str,
    path: &str,
    ca: &Path,
    client: Option<(&Path, &Path)>,
) -> Result<u16, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("read the CA") {
        roots
            .add(cert.expect("a CA certificate"))
            .expect("add the CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_file_iter(cert)
                    .expect("read the client certificate")
                    .map(|c| c.expect("a certificate"))
                    .collect(),
                PrivateKeyDer::from_pem_file(key).expect("read the client key"),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("a name");
    let mut tls = rustls::ClientConnection::new(Arc::new(config), name).expect("a TLS client");
    let mut socket = TcpStream::connect(addr).expect("connect to the HTTP port");
    let mut stream = rustls::Stream::new(&mut tls, &mut socket);
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {response:?}"))
}

/// With a certificate, each port takes TLS and clear text alike: the CLI and the client
/// reach the broker at `https://` (verified against the CA, refused without it), and the
/// HTTP port answers in TLS.
#[test]
fn grpc_and_http_in_tls_beside_clear_text() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    let server = start(&dir, &certs, &[]);
    let ca = certs.path("ca.pem");

    let made = driftdb(&["--server", &server.grpc_url, "topic", "create", "orders"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let listed = list_topics(&https(&server), Some(&ca));
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("orders"));
    // The system's roots do not know the test CA.
    let unknown = list_topics(&https(&server), None);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("UnknownIssuer"),
        "{}",
        stderr(&unknown)
    );
    // TLS settings for a clear-text address are a mistake, said so.
    let mixed = list_topics(&server.grpc_url, Some(&ca));
    assert!(!mixed.status.success());
    assert!(
        stderr(&mixed).contains("not an https:// address"),
        "{}",
        stderr(&mixed)
    );

    assert_eq!(
        https_get(&server.http_addr, "/health/ready", &ca, None),
        Ok(200)
    );
    assert_eq!(crate::http::get(&server.http_addr, "/health/ready").0, 200);
}

/// `--require-tls` refuses clear text on every port, with an error that says so.
#[test]
fn require_tls_refuses_clear_text_on_every_port() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    let server = start(&dir, &certs, &["--require-tls"]);
    let ca = certs.path("ca.pem");

    let plain = list_topics(&server.grpc_url, None);
    assert!(!plain.status.success());
    assert!(
        stderr(&plain).contains("Unauthenticated: this server requires TLS"),
        "{}",
        stderr(&plain)
    );
    let secure = list_topics(&https(&server), Some(&ca));
    assert!(secure.status.success(), "{}", stderr(&secure));

    let (status, body) = crate::http::get(&server.http_addr, "/health/ready");
    assert_eq!(status, 400);
    assert!(body.contains("this server requires TLS"), "{body}");
    assert_eq!(https_get(&server.http_addr, "/metrics", &ca, None), Ok(200));

    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = Command::new("psql")
        .arg(format!(
            "host={host} port={port} user=driftdb dbname=driftdb sslmode=disable"
        ))
        .args(["-X", "-c", "SELECT 1"])
        .output()
        .expect("run psql");
    assert!(!psql.status.success());
    assert!(
        stderr(&psql).contains("this server requires TLS"),
        "{}",
        stderr(&psql)
    );
}

/// With `--tls-client-ca`, a TLS connection on any port must present a certificate signed
/// by that CA.
#[test]
fn mutual_tls_on_every_port() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    let client_ca = certs.path("ca.pem");
    let server = start(
        &dir,
        &certs,
        &[
            "--require-tls",
            "--tls-client-ca",
            client_ca.to_str().expect("utf-8"),
        ],
    );
    let (ca, cert, key) = (
        certs.path("ca.pem"),
        certs.path("client.pem"),
        certs.path("client.key"),
    );
    let with_certificate = [
        OsStr::new("--ca-file"),
        ca.as_os_str(),
        OsStr::new("--client-cert"),
        cert.as_os_str(),
        OsStr::new("--client-key"),
        key.as_os_str(),
    ];

    let url = https(&server);
    let listed = driftdb(
        &[
            &[OsStr::new("--server"), OsStr::new(&url)],
            &with_certificate[..],
            &[OsStr::new("topic"), OsStr::new("list")],
        ]
        .concat(),
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    let anonymous = list_topics(&url, Some(&ca));
    assert!(!anonymous.status.success());

    assert_eq!(
        https_get(&server.http_addr, "/health/ready", &ca, Some((&cert, &key))),
        Ok(200)
    );
    assert!(https_get(&server.http_addr, "/health/ready", &ca, None).is_err());

    // PostgreSQL: psql with and without a certificate, and `driftdb sql --url` with one.
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = |client: &str| {
        Command::new("psql")
            .arg(format!(
                "host={host} port={port} user=driftdb dbname=driftdb sslmode=verify-full sslrootcert={}{client}",
                ca.display()
            ))
            .args(["-X", "-A", "-t", "-c", "SELECT 40 + 2"])
            .output()
            .expect("run psql")
    };
    let verified = psql(&format!(
        " sslcert={} sslkey={}",
        cert.display(),
        key.display()
    ));
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert_eq!(String::from_utf8_lossy(&verified.stdout).trim(), "42");
    let refused = psql("");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("certificate required"),
        "{}",
        stderr(&refused)
    );
    let sql = driftdb(
        &[
            &with_certificate[..],
            &[
                OsStr::new("sql"),
                OsStr::new("--url"),
                OsStr::new(&format!(
                    "postgres://driftdb@{host}:{port}/driftdb?sslmode=require"
                )),
                OsStr::new("-e"),
                OsStr::new("SELECT 6 * 7 AS answer"),
            ],
        ]
        .concat(),
    );
    assert!(sql.status.success(), "{}", stderr(&sql));
    assert!(String::from_utf8_lossy(&sql.stdout).contains(" 42\n"));
}

/// SIGHUP reads the certificate and key again: the next connections get the new ones, on
/// every port, without a restart; files that do not load leave the ones in use.
#[test]
fn sighup_reloads_the_certificate() {
    let (dir, certs) = (TestDir::new(), Certs::new());
    let server = start(&dir, &certs, &[]);
    let (old_ca, new_ca) = (certs.path("ca.pem"), certs.path("renewed.pem"));
    let trusts = |ca: &Path| list_topics(&https(&server), Some(ca)).status.success();
    assert!(trusts(&old_ca));

    // A renewed certificate from another CA, written over the files the server was given.
    certs.authority("renewed");
    certs.leaf(
        "renewed",
        "renewed-cert",
        "renewed-key",
        "/CN=localhost",
        "server",
    );
    std::fs::copy(certs.path("renewed-cert.pem"), certs.path("cert.pem")).expect("copy");
    std::fs::copy(certs.path("renewed-key.pem"), certs.path("key.pem")).expect("copy");
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !trusts(&new_ca) {
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!trusts(&old_ca));
    assert_eq!(
        https_get(&server.http_addr, "/health/live", &new_ca, None),
        Ok(200)
    );
    let (host, port) = server.pg_addr.rsplit_once(':').expect("host:port");
    let psql = Command::new("psql")
        .arg(format!(
            "host={host} port={port} user=driftdb dbname=driftdb sslmode=verify-full sslrootcert={}",
            new_ca.display()
        ))
        .args(["-X", "-c", "SELECT 1"])
        .output()
        .expect("run psql");
    assert!(psql.status.success(), "{}", stderr(&psql));

    // A key that does not parse: the reload fails, says why, and the renewed one stays.
    std::fs::write(certs.path("key.pem"), "not a key\n").expect("write");
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !crate::server::server_log(&dir.data()).contains("did not reload") {
        assert!(
            Instant::now() < deadline,
            "the failed reload was not logged"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(crate::server::server_log(&dir.data()).contains("parsing the TLS key"));
    assert!(trusts(&new_ca));
}
