//! The server's TLS: one certificate and key (`--tls-cert`, `--tls-key`) for every port, an
//! optional CA that client certificates must chain to (`--tls-client-ca`, mutual TLS), all
//! read again by [`Tls::reload`] (the server calls it on SIGHUP) without closing a listener.
//!
//! Each port takes the configuration current when a connection arrives, so a reload applies
//! to the next handshake; connections already set up keep the certificate they began with.
//! A reload that fails (a missing file, a key that does not match) changes nothing and says
//! why. The ports differ only in the application protocols they announce (ALPN): gRPC `h2`,
//! HTTP `http/1.1`, PostgreSQL none (it negotiates TLS with an `SSLRequest` first).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

/// The files TLS is read from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, the server's own certificate first.
    pub cert: PathBuf,
    /// PEM private key of that certificate.
    pub key: PathBuf,
    /// PEM CA certificates a client's certificate must chain to; `None`: clients present
    /// none.
    pub client_ca: Option<PathBuf>,
}

/// A port, for the protocols its handshakes announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Grpc,
    Http,
    Postgres,
}

impl Port {
    const ALL: [Port; 3] = [Port::Grpc, Port::Http, Port::Postgres];

    fn alpn(self) -> Vec<Vec<u8>> {
        match self {
            Port::Grpc => vec![b"h2".to_vec()],
            Port::Http => vec![b"http/1.1".to_vec()],
            Port::Postgres => Vec::new(),
        }
    }
}

/// The TLS configuration of every port, reloadable. Cheap to clone; clones share it.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // rustls's configurations have no useful Debug.
pub struct Tls {
    files: Arc<TlsFiles>,
    /// One configuration per port, in [`Port::ALL`]'s order.
    current: Arc<RwLock<[Arc<ServerConfig>; 3]>>,
}

impl Tls {
    /// Reads the files; an error names the file at fault.
    pub fn load(files: TlsFiles) -> anyhow::Result<Tls> {
        let configs = configs(&files)?;
        Ok(Tls {
            files: Arc::new(files),
            current: Arc::new(RwLock::new(configs)),
        })
    }

    /// Reads the files again; the next handshake on every port uses them. On an error the
    /// configuration in use stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let configs = configs(&self.files)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = configs;
        Ok(())
    }

    /// Whether clients must present a certificate.
    pub fn verifies_clients(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// The acceptor for the next connection on `port`.
    pub fn acceptor(&self, port: Port) -> TlsAcceptor {
        let index = Port::ALL.iter().position(|p| *p == port).unwrap_or(0);
        let configs = self.current.read().unwrap_or_else(|e| e.into_inner());
        TlsAcceptor::from(Arc::clone(&configs[index]))
    }
}

fn configs(files: &TlsFiles) -> anyhow::Result<[Arc<ServerConfig>; 3]> {
    let chain = certificates(&files.cert, "TLS certificate")?;
    let key = private_key(&files.key, "TLS key")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .context("choosing TLS versions")?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(path, "client CA")? {
                roots
                    .add(cert)
                    .with_context(|| format!("the client CA {} is not usable", path.display()))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .with_context(|| format!("the client CA {} is not usable", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .context("the TLS certificate and key do not match")?;
    Ok(Port::ALL.map(|port| {
        let mut config = config.clone();
        config.alpn_protocols = port.alpn();
        Arc::new(config)
    }))
}

/// The private key of a PEM file (`what` names it in errors).
pub fn private_key(path: &Path, what: &str) -> anyhow::Result<PrivateKeyDer<'static>> {
    let pem =
        std::fs::read(path).with_context(|| format!("reading the {what} {}", path.display()))?;
    PrivateKeyDer::from_pem_slice(&pem)
        .with_context(|| format!("parsing the {what} {}", path.display()))
}

/// The certificates of a PEM file, at least one (`what` names it in errors).
pub fn certificates(path: &Path, what: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let pem =
        std::fs::read(path).with_context(|| format!("reading the {what} {}", path.display()))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing the {what} {}", path.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the {what} {} holds no certificate",
        path.display()
    );
    Ok(chain)
}
