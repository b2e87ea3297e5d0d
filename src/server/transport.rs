//! Connections to the gRPC and HTTP ports, in TLS or in clear text.
//!
//! With `--tls-cert` a port serves both: a connection whose first byte opens a TLS handshake
//! (a handshake record, 0x16) is taken through it, any other is clear text. That is how the
//! PostgreSQL port behaves too (a client asks for TLS or does not), so turning TLS on breaks
//! no client; `--require-tls` then refuses clear text, on every port, with an error the
//! client can read ([`require_tls_grpc`], [`require_tls_http`]) rather than a dropped
//! connection. The handshakes run off the accept loop, each bounded by [`HANDSHAKE_TIMEOUT`],
//! so a client that connects and stalls holds up no one else; a clear-text client must also
//! have sent its opening by then ([`opened`]).

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use driftdb_pg::tls::{Port, Tls};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::server::TlsStream;

/// The longest a new connection may take to send its first byte and finish a TLS handshake
/// or, in clear text, its opening.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections set up but not yet taken by the server.
const BACKLOG: usize = 128;

/// The record type that opens a TLS handshake.
const TLS_HANDSHAKE: u8 = 0x16;

/// A connection, in TLS or in clear text.
pub(crate) enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// What the server knows of a connection's other end.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The client's address, if the socket still knows it.
    pub(crate) addr: Option<IpAddr>,
    /// Whether the connection is in TLS.
    pub(crate) tls: bool,
    /// The common name (CN) of the client's certificate, which the TLS handshake checked
    /// against `--tls-client-ca`.
    pub(crate) certificate_name: Option<String>,
    /// The role the connection's calls were last authenticated as, which the audit trail
    /// has recorded (shared by the connection's calls: one login per connection and role).
    pub(crate) audited_role: Arc<std::sync::Mutex<Option<String>>>,
}

impl Conn {
    fn peer(&self) -> Peer {
        match self {
            Conn::Plain(stream) => Peer {
                addr: stream.peer_addr().ok().map(|a| a.ip()),
                tls: false,
                certificate_name: None,
                audited_role: Arc::default(),
            },
            Conn::Tls(stream) => {
                let (tcp, session) = stream.get_ref();
                Peer {
                    addr: tcp.peer_addr().ok().map(|a| a.ip()),
                    tls: true,
                    certificate_name: session
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .and_then(|certificate| common_name(certificate)),
                    audited_role: Arc::default(),
                }
            }
        }
    }
}

/// The common name in a DER certificate's subject (the last, if it has several, as the most
/// specific); `None` if it has none or does not parse.
fn common_name(certificate: &[u8]) -> Option<String> {
    use x509_cert::der::asn1::{PrintableStringRef, Utf8StringRef};
    use x509_cert::der::{Decode, oid::db::rfc4519::CN};
    let certificate = x509_cert::Certificate::from_der(certificate).ok()?;
    let subject = &certificate.tbs_certificate.subject;
    let value = subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .rfind(|attribute| attribute.oid == CN)?;
    let utf8 = value
        .value
        .decode_as::<Utf8StringRef<'_>>()
        .map(|s| s.to_string());
    utf8.or_else(|_| {
        value
            .value
            .decode_as::<PrintableStringRef<'_>>()
            .map(|s| s.to_string())
    })
    .ok()
}

/// Accepts connections on `listener` until `stop` turns true, taking those that open a TLS
/// handshake through `tls` (with `port`'s protocols); the connections come out of the
/// returned [`Incoming`] with who made them.
pub(crate) fn accept(
    listener: TcpListener,
    tls: Option<Tls>,
    port: Port,
    mut stop: watch::Receiver<bool>,
) -> Incoming {
    let (sender, receiver) = mpsc::channel(BACKLOG);
    tokio::spawn(async move {
        loop {
            let (stream, addr) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors, say: wait rather than spin.
                        tracing::warn!(?port, error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = async { let _ = stop.wait_for(|stop| *stop).await; } => return,
            };
            let _ = stream.set_nodelay(true);
            let (tls, sender) = (tls.clone(), sender.clone());
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, set_up(stream, tls, port)).await {
                    Ok(Ok(Some(conn))) => {
                        let _ = sender.send(conn).await;
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => {
                        tracing::debug!(%addr, ?port, error = %e, "TLS handshake failed");
                    }
                    Err(_) => tracing::debug!(%addr, ?port, "connection set-up timed out"),
                }
            });
        }
    });
    Incoming { receiver }
}

/// The connection `stream` is, once its first byte is in: TLS through `tls` if it opens a
/// handshake and TLS is on, else clear text once its opening is in ([`opened`]). `None` if
/// the client left first.
async fn set_up(stream: TcpStream, tls: Option<Tls>, port: Port) -> io::Result<Option<Conn>> {
    let mut first = [0u8; 1];
    if stream.peek(&mut first).await? == 0 {
        return Ok(None);
    }
    match tls {
        Some(tls) if first[0] == TLS_HANDSHAKE => Ok(Some(Conn::Tls(Box::new(
            tls.acceptor(port).accept(stream).await?,
        )))),
        _ if opened(&stream, port).await? => Ok(Some(Conn::Plain(stream))),
        _ => Ok(None),
    }
}

/// How much of a clear-text opening is awaited before the connection is handed on: HTTP/2's
/// preface on the gRPC port, the first request's head on the HTTP port (at most this much).
const OPENING_BYTES: usize = 16 * 1024;

/// HTTP/2's connection preface, which every gRPC client sends first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits (within the caller's deadline) until a clear-text client has sent its opening: the
/// whole HTTP/2 preface (or bytes that cannot be one) on the gRPC port, the first request's
/// whole head (or [`OPENING_BYTES`] of it) on the HTTP port. Neither hyper nor tonic puts a
/// deadline on these, so a client that sends a few bytes and stalls would hold its
/// connection forever; here it is closed with the others that miss [`HANDSHAKE_TIMEOUT`].
/// `false` if the client left first. (The bytes stay in the socket for the server to read.)
async fn opened(stream: &TcpStream, port: Port) -> io::Result<bool> {
    let size = match port {
        Port::Grpc => H2_PREFACE.len(),
        Port::Http => OPENING_BYTES,
        // Its own listener; pgwire bounds its startup.
        Port::Postgres => return Ok(true),
    };
    let mut buffer = vec![0u8; size];
    loop {
        let n = stream.peek(&mut buffer).await?;
        if n == 0 {
            return Ok(false);
        }
        let seen = &buffer[..n];
        let complete = n == size
            || match port {
                Port::Grpc => !H2_PREFACE.starts_with(seen),
                _ => seen.windows(4).any(|w| w == b"\r\n\r\n"),
            };
        if complete {
            return Ok(true);
        }
        // Peeking again at once would find the same bytes: wait for more.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The connections [`accept`] set up.
pub(crate) struct Incoming {
    receiver: mpsc::Receiver<Conn>,
}

impl Incoming {
    /// The connections as a stream, for tonic.
    pub(crate) fn into_stream(self) -> impl futures::Stream<Item = io::Result<Conn>> {
        futures::stream::unfold(self.receiver, |mut receiver| async move {
            let conn = receiver.recv().await?;
            Some((Ok(conn), receiver))
        })
    }
}

impl axum::serve::Listener for Incoming {
    type Io = Conn;
    type Addr = Peer;

    async fn accept(&mut self) -> (Conn, Peer) {
        match self.receiver.recv().await {
            Some(conn) => {
                let peer = conn.peer();
                (conn, peer)
            }
            // The accept loop stopped: the server is shutting down.
            None => std::future::pending().await,
        }
    }

    /// axum's listeners name their local end with the type of the remote one; the server
    /// reads its addresses off the TCP listeners instead.
    fn local_addr(&self) -> io::Result<Peer> {
        Ok(Peer {
            addr: None,
            tls: false,
            certificate_name: None,
            audited_role: Arc::default(),
        })
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Incoming>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Incoming>) -> Peer {
        stream.remote_addr().clone()
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = Peer;

    fn connect_info(&self) -> Peer {
        self.peer()
    }
}

/// The words a client connecting in clear text to a port that requires TLS is refused with.
const TLS_REQUIRED: &str = "this server requires TLS: connect with https://";

/// Refuses gRPC calls made in clear text (with `--require-tls`) with `UNAUTHENTICATED`.
pub(crate) async fn require_tls_grpc(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let tls = request
        .extensions()
        .get::<Peer>()
        .is_some_and(|peer| peer.tls);
    if tls {
        return next.run(request).await;
    }
    tonic::Status::unauthenticated(TLS_REQUIRED).into_http()
}

/// Refuses HTTP requests made in clear text (with `--require-tls`) with 400, as web servers
/// answer plain HTTP sent to an HTTPS port.
pub(crate) async fn require_tls_http(
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<Peer>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if peer.tls {
        return next.run(request).await;
    }
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::BAD_REQUEST,
        format!("{TLS_REQUIRED}\n"),
    )
        .into_response()
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Conn::Tls(stream) => Pin::new(stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Conn::Tls(stream) => Pin::new(stream).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Conn::Tls(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(stream) => stream.is_write_vectored(),
            Conn::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Conn::Tls(stream) => Pin::new(stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Conn::Tls(stream) => Pin::new(stream).poll_shutdown(cx),
        }
    }
}
