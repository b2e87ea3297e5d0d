//! A pipeline's statements are one transaction, as in PostgreSQL.
//!
//! Without a `BEGIN`, the statements a client executes between two Syncs form an implicit
//! transaction block: Sync commits their writes as one ledger record, and an error anywhere
//! in the pipeline (a statement, a Bind whose parameters do not decode) rolls all of them
//! back. So asyncpg's `executemany` and a psycopg pipeline are atomic, and a thousand
//! pipelined INSERTs cost one commit.
//!
//! Most pipelines hold one statement (Bind, Execute, Sync), and those keep what autocommit
//! gives: an `UPDATE` that loses a write-write race is planned again rather than failing
//! with SQLSTATE 40001. A pipeline's first row write therefore holds its reply back (an
//! [`Unflushed::holding`] view) until the next message shows whether it stands alone. If
//! that is Sync and the commit loses a race, the statement runs again as an autocommit
//! statement and only that run's reply goes out; any other message sends the held reply
//! and the statement stays in the block. A statement that cannot run in a transaction
//! block (`ALTER TABLE`, `VACUUM`, `CHECKPOINT`) commits on its own when it comes first,
//! and is refused later in a pipeline.

use std::fmt::Debug;

use driftdb_sql::{Error, TransactionStatus};
use futures::{Sink, SinkExt};
use pgwire::api::portal::PortalExecutionState;
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::Execute;
use pgwire::messages::response::ReadyForQuery;

use super::unflushed::Unflushed;
use super::{Connection, copy::wire_status, user_error};
use driftdb_log::sync::Recover;

/// A pipeline's first row write, run, with its reply held back.
pub(super) struct Held {
    execute: Execute,
    reply: Vec<PgWireBackendMessage>,
}

impl Connection {
    /// Execute: runs the portal, in the pipeline's implicit block.
    pub(super) async fn pipeline_execute<C>(
        &self,
        client: &mut C,
        message: Execute,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = <Self as ExtendedQueryHandler>::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.release(client).await?;
        if self.open_block(client, &message).await {
            let mut holding = Unflushed::holding(client);
            let again = Execute::new(message.name.clone(), message.max_rows);
            let result = self._on_execute(&mut holding, again).await;
            let reply = holding.into_held();
            result?;
            *self.held.lock().recover() = Some(Held {
                execute: message,
                reply,
            });
            return Ok(());
        }
        self._on_execute(&mut Unflushed::new(client), message)
            .await?;
        if matches!(client.state(), PgWireConnectionState::CopyInProgress(_)) {
            client.flush().await?;
        }
        Ok(())
    }

    /// Opens the implicit block if this Execute is the pipeline's first statement and may
    /// run in one. Whether to hold its reply back: a row write, run to completion.
    async fn open_block<C>(&self, client: &C, message: &Execute) -> bool
    where
        C: ClientPortalStore,
        C::PortalStore: PortalStore<Statement = <Self as ExtendedQueryHandler>::Statement>,
    {
        let mut session = self.session.lock().await;
        if session.transaction_status() != TransactionStatus::Idle || session.in_implicit_block() {
            return false;
        }
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let Some(Entry::Value(portal)) = client.portal_store().get_portal(name) else {
            return false;
        };
        let statement = portal.statement.statement.statement();
        if !statement.runs_in_transaction_block() {
            return false;
        }
        session.begin_implicit();
        statement.is_row_write() && message.max_rows <= 0
    }

    /// Sends a held reply: the message after the statement came, and it was not Sync.
    pub(super) async fn release<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let held = self.held.lock().recover().take();
        for message in held.into_iter().flat_map(|h| h.reply) {
            client.feed(message).await?;
        }
        Ok(())
    }

    /// Sync: ends the implicit block (commits it, or rolls it back after an error) and
    /// sends ReadyForQuery.
    pub(super) async fn pipeline_sync<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = <Self as ExtendedQueryHandler>::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let held = self.held.lock().recover().take();
        let ended = self.session.lock().await.end_implicit(false);
        match (ended, held) {
            (Err(Error::SerializationFailure { .. }), Some(held)) => {
                // A lone write lost a race: nothing of it was applied, and its reply never
                // went out. Run it again as autocommit runs it (planned again on a loss).
                let name = held.execute.name.as_deref().unwrap_or(DEFAULT_NAME);
                if let Some(Entry::Value(portal)) = client.portal_store().get_portal(name) {
                    *portal.state.lock().await = PortalExecutionState::Initial;
                }
                let result = self
                    ._on_execute(&mut Unflushed::new(client), held.execute)
                    .await;
                if let Err(e) = result {
                    error_response(client, e).await?;
                }
            }
            (ended, held) => {
                for message in held.into_iter().flat_map(|h| h.reply) {
                    client.feed(message).await?;
                }
                if let Err(e) = ended {
                    error_response(client, user_error(&e)).await?;
                }
            }
        }
        let status = wire_status(self.session.lock().await.transaction_status());
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(status);
        client.portal_store().rm_portal(DEFAULT_NAME);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                status,
            )))
            .await?;
        Ok(())
    }
}

/// Sends `e` as an ErrorResponse, where pgwire would not (the client waits for
/// ReadyForQuery next).
async fn error_response<C>(client: &mut C, e: PgWireError) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let info: ErrorInfo = e.into();
    client
        .feed(PgWireBackendMessage::ErrorResponse(info.into()))
        .await?;
    Ok(())
}
