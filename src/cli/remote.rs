//! `driftdb sql --url`: SQL against a running server, over the PostgreSQL protocol.
//!
//! It behaves as `psql` does with the same input: each `-e` text goes as one simple query,
//! so its statements form one implicit transaction; a file or standard input is split into
//! statements (`driftdb_sql::split_statements`) that go one at a time, each printed as it
//! finishes; the first error stops the run. Rows print in the embedded mode's aligned
//! format; a statement without rows prints `OK` and the rows it affected (the protocol's
//! client library gives the count, not the command tag).
//!
//! TLS follows libpq's `sslmode` in the URL: `disable`, `prefer` (the default) or
//! `require`. With `--ca-file` the server's certificate must chain to that CA and name the
//! host; without it, as libpq's `require`, the connection is encrypted but the certificate
//! is not checked (PGSSLROOTCERT stands for `--ca-file`). `--client-cert` and
//! `--client-key` present a certificate to a server that verifies clients. The password
//! comes from the URL or `PGPASSWORD`.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use driftdb_pg::tls::{certificates, private_key};
use tokio_postgres::SimpleQueryMessage;
use tokio_rustls::rustls;

/// Connects to `url` and runs the `-e` texts, then `scripts` (file or standard input).
pub async fn run(
    url: &str,
    tls: &super::TlsArgs,
    execute: &[String],
    scripts: &[String],
) -> Result<()> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .with_context(|| format!("invalid connection string {url:?}"))?;
    if config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        config.password(password);
    }
    if config.get_user().is_none() {
        config.user(driftdb_sql::session::BOOTSTRAP_ROLE);
    }
    if config.get_dbname().is_none() {
        config.dbname("driftdb");
    }
    // DriftDB's port, not PostgreSQL's, when the URL names none.
    if config.get_ports().is_empty() {
        config.port(5433);
    }
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(tls)?);
    let (client, connection) = config
        .connect(tls)
        .await
        .with_context(|| format!("cannot connect to {}", describe(&config)))?;
    let connection = tokio::spawn(connection);
    let mut result = Ok(());
    let texts = execute
        .iter()
        .map(|text| Ok(vec![text.as_str()]))
        .chain(scripts.iter().map(|script| {
            driftdb_sql::split_statements(script)
                .map_err(|e| anyhow::anyhow!("ERROR {}: {e}", e.sqlstate()))
        }));
    'run: for statements in texts {
        for sql in statements? {
            if let Err(e) = query(&client, sql).await {
                result = Err(e);
                break 'run;
            }
        }
    }
    drop(client);
    let _ = connection.await;
    result
}

/// Runs one query string and prints each of its results.
async fn query(client: &tokio_postgres::Client, sql: &str) -> Result<()> {
    let messages = client.simple_query(sql).await.map_err(server_error)?;
    let mut headers: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut out = std::io::stdout().lock();
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                headers = columns.iter().map(|c| c.name().to_string()).collect();
            }
            SimpleQueryMessage::Row(row) => rows.push(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or_default().to_string())
                    .collect(),
            ),
            SimpleQueryMessage::CommandComplete(count) => {
                if headers.is_empty() {
                    writeln!(out, "OK {count}")?;
                } else {
                    let table = driftdb_sql::format_text_table(&headers, &[], &rows);
                    writeln!(out, "{table}")?;
                }
                headers.clear();
                rows.clear();
            }
            _ => {}
        }
    }
    out.flush()?;
    Ok(())
}

/// A server's error as the command line reports it: SQLSTATE and message.
fn server_error(e: tokio_postgres::Error) -> anyhow::Error {
    match e.as_db_error() {
        Some(db) => anyhow::anyhow!("ERROR {}: {}", db.code().code(), db.message()),
        None => anyhow::anyhow!("{e}"),
    }
}

/// Where a connection goes, for error messages (never the password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5433);
    format!("{host}:{port} as {}", config.get_user().unwrap_or("?"))
}

/// The TLS client: verifying against `--ca-file` (else PGSSLROOTCERT), or encrypting without
/// verifying; with `--client-cert`, presenting it.
fn tls_config(tls: &super::TlsArgs) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .context("setting up TLS")?;
    let ca_file = tls
        .ca_file
        .clone()
        .or_else(|| std::env::var_os("PGSSLROOTCERT").map(PathBuf::from));
    let builder = match ca_file {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certificates(&path, "CA file")? {
                roots
                    .add(cert)
                    .with_context(|| format!("{} holds a bad certificate", path.display()))?;
            }
            builder.with_root_certificates(roots)
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider))),
    };
    match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(
                certificates(cert, "client certificate")?,
                private_key(key, "client key")?,
            )
            .context("the client certificate and key do not match"),
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// libpq's `sslmode=require` without a root certificate: any server certificate is
/// accepted (the handshake's signatures are still checked), so the link is encrypted but
/// the server is not authenticated. `--ca-file` authenticates it.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
