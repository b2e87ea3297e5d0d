//! Replies to Parse, Bind, Describe and Execute wait in the connection's buffer until Sync or
//! Flush, as PostgreSQL's do.
//!
//! pgwire's handlers flush after each reply, so one prepared-statement round trip (Bind,
//! Execute, Sync) cost three `send` calls and three wake-ups of the client, where the
//! protocol needs one: a client reads nothing before it has sent Sync or Flush. The
//! connection's handlers for those messages therefore run pgwire's logic on an
//! [`Unflushed`] view of the client, whose flush does nothing; Sync and Flush (and errors,
//! which pgwire sends itself) flush the real one. A reply too large for the buffer still goes
//! out as it is written: the framed writer flushes on its own past its backpressure limit.
//!
//! A view made with [`Unflushed::holding`] keeps the replies instead of writing them: a
//! pipeline's first write statement holds its reply until it cannot be run again (see
//! `pipeline.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Sink;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, SessionExtensions};
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::startup::SecretKey;
use pgwire::messages::{PgWireBackendMessage, ProtocolVersion};
use rustls_pki_types::CertificateDer;

/// A client whose `flush` is left to Sync and Flush; see the module documentation.
pub(super) struct Unflushed<'a, C> {
    client: &'a mut C,
    /// The replies held back, for a view that holds them.
    held: Option<Vec<PgWireBackendMessage>>,
}

impl<'a, C> Unflushed<'a, C> {
    pub(super) fn new(client: &'a mut C) -> Self {
        Unflushed { client, held: None }
    }

    /// A view that keeps the replies written to it, for [`Unflushed::into_held`].
    pub(super) fn holding(client: &'a mut C) -> Self {
        Unflushed {
            client,
            held: Some(Vec::new()),
        }
    }

    /// The replies a holding view kept.
    pub(super) fn into_held(self) -> Vec<PgWireBackendMessage> {
        self.held.unwrap_or_default()
    }
}

impl<C: ClientInfo> ClientInfo for Unflushed<'_, C> {
    fn socket_addr(&self) -> SocketAddr {
        self.client.socket_addr()
    }

    fn is_secure(&self) -> bool {
        self.client.is_secure()
    }

    fn protocol_version(&self) -> ProtocolVersion {
        self.client.protocol_version()
    }

    fn set_protocol_version(&mut self, version: ProtocolVersion) {
        self.client.set_protocol_version(version);
    }

    fn pid_and_secret_key(&self) -> (i32, SecretKey) {
        self.client.pid_and_secret_key()
    }

    fn set_pid_and_secret_key(&mut self, pid: i32, secret_key: SecretKey) {
        self.client.set_pid_and_secret_key(pid, secret_key);
    }

    fn state(&self) -> PgWireConnectionState {
        self.client.state()
    }

    fn set_state(&mut self, new_state: PgWireConnectionState) {
        self.client.set_state(new_state);
    }

    fn transaction_status(&self) -> TransactionStatus {
        self.client.transaction_status()
    }

    fn set_transaction_status(&mut self, new_status: TransactionStatus) {
        self.client.set_transaction_status(new_status);
    }

    fn metadata(&self) -> &HashMap<String, String> {
        self.client.metadata()
    }

    fn metadata_mut(&mut self) -> &mut HashMap<String, String> {
        self.client.metadata_mut()
    }

    fn session_extensions(&self) -> &SessionExtensions {
        self.client.session_extensions()
    }

    fn sni_server_name(&self) -> Option<&str> {
        self.client.sni_server_name()
    }

    fn client_certificates<'a>(&self) -> Option<&[CertificateDer<'a>]> {
        self.client.client_certificates()
    }
}

impl<C: ClientPortalStore> ClientPortalStore for Unflushed<'_, C> {
    type PortalStore = C::PortalStore;

    fn portal_store(&self) -> &Self::PortalStore {
        self.client.portal_store()
    }
}

impl<C> Sink<PgWireBackendMessage> for Unflushed<'_, C>
where
    C: Sink<PgWireBackendMessage> + Unpin,
{
    type Error = C::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        if self.held.is_some() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut *self.client).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: PgWireBackendMessage) -> Result<(), C::Error> {
        match &mut self.held {
            Some(held) => {
                held.push(item);
                Ok(())
            }
            None => Pin::new(&mut *self.client).start_send(item),
        }
    }

    /// Left to Sync and Flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        Pin::new(&mut *self.client).poll_close(cx)
    }
}
