//! Cancel requests. PostgreSQL clients cancel a running query by opening a second
//! connection and sending the process id and secret key their session was given at
//! startup (BackendKeyData). Each connection registers a counter under that key; a
//! request bumps it, and the statement running at that moment, which watches the
//! counter, stops with SQLSTATE 57014. A request that arrives while the session is idle
//! cancels nothing, as in PostgreSQL.
//!
//! pgwire's own `ConnectionManager` is not used: it stops a query by dropping the whole
//! message's handler, which would skip the session's bookkeeping (the failed
//! transaction, the statements already answered). Here the session itself stops the
//! statement (`Session::interrupt_on`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use driftdb_log::sync::Recover;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use tokio::sync::watch;

type Key = (i32, Bytes);

/// The server's live connections, by cancel key.
#[derive(Debug, Default)]
pub struct Cancels {
    connections: Mutex<HashMap<Key, watch::Sender<u64>>>,
}

impl Cancels {
    /// Registers a connection under its cancel key, until the returned handle drops.
    pub fn register(self: &Arc<Self>, pid: i32, secret: &SecretKey) -> Registration {
        let key = (pid, secret.to_bytes());
        let (sender, _) = watch::channel(0);
        self.lock().insert(key.clone(), sender.clone());
        Registration {
            key,
            sender,
            cancels: Arc::clone(self),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, watch::Sender<u64>>> {
        // The map is only read and written whole: a panic elsewhere cannot leave it torn.
        self.connections.lock().recover()
    }
}

impl Cancels {
    /// Cancels the statement running on the connection with this process id and 4-byte
    /// secret key (a request read by hand, when the server is full).
    pub fn cancel(&self, pid: i32, key: i32) {
        self.cancel_key(&(pid, SecretKey::I32(key).to_bytes()));
    }

    fn cancel_key(&self, key: &Key) {
        // A wrong key is ignored without a word, as PostgreSQL does.
        if let Some(sender) = self.lock().get(key) {
            sender.send_modify(|n| *n += 1);
        }
    }
}

#[async_trait]
impl CancelHandler for Cancels {
    async fn on_cancel_request(&self, request: CancelRequest) {
        self.cancel_key(&(request.pid, request.secret_key.to_bytes()));
    }
}

/// One connection's entry in [`Cancels`]; removed when dropped.
#[derive(Debug)]
pub struct Registration {
    key: Key,
    sender: watch::Sender<u64>,
    cancels: Arc<Cancels>,
}

impl Registration {
    /// Completes at the next cancel request for this connection.
    pub fn next_cancel(&self) -> impl Future<Output = ()> + Send + Sync + 'static {
        let mut requests = self.sender.subscribe();
        requests.mark_unchanged();
        async move {
            if requests.changed().await.is_err() {
                // The connection is gone: nothing left to cancel.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.cancels.lock().remove(&self.key);
    }
}
