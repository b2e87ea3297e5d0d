//! `COPY` over the wire: the CopyIn and CopyOut sub-protocols, text and CSV formats. The
//! session does the work (`driftdb_sql::session::CopyMode`); this module moves the bytes.

use std::fmt::Debug;

use async_trait::async_trait;
use driftdb_sql::session::CopyMode;
use driftdb_sql::{Outcome, TransactionStatus};
use futures::{Sink, SinkExt, stream};
use pgwire::api::ClientInfo;
use pgwire::api::copy::CopyHandler;
use pgwire::api::results::{CopyResponse, Response, Tag};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyOutResponse};
use pgwire::messages::response::TransactionStatus as WireStatus;

use super::{Connection, tag, user_error};

/// Text and CSV travel as format 0 (textual).
const TEXTUAL: i8 = 0;

/// The response that starts a `COPY`. `COPY ... TO STDOUT` is sent here and now when it
/// is the first result of its message (so that the command tag counts rows, not header
/// lines); after other results it goes out in order with them, its CSV header (if any)
/// sent with the first row.
pub(super) async fn copy_response<C>(
    client: &mut C,
    outcome: Outcome,
    mode: CopyMode,
    first: bool,
) -> PgWireResult<Response>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let columns = |outcome: &Outcome| outcome.rows.as_ref().map_or(0, |r| r.schema.fields().len());
    match mode {
        CopyMode::In { columns, .. } => Ok(Response::CopyIn(CopyResponse::new(
            TEXTUAL,
            columns,
            stream::empty(),
        ))),
        CopyMode::Out { format } => {
            let count = columns(&outcome);
            let lines = outcome
                .rows
                .as_ref()
                .map(|rows| format.lines(rows))
                .unwrap_or_default();
            if first {
                client
                    .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
                        TEXTUAL,
                        count as i16,
                        vec![0; count],
                    )))
                    .await?;
                for line in lines {
                    client
                        .feed(PgWireBackendMessage::CopyData(CopyData::new(line.into())))
                        .await?;
                }
                client
                    .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
                    .await?;
                return Ok(Response::Execution(tag(&outcome.tag)));
            }
            let mut lines = lines.into_iter();
            let mut messages = Vec::new();
            if format.header {
                let mut first = lines.next().unwrap_or_default();
                first.extend(lines.next().unwrap_or_default());
                messages.push(first);
            }
            messages.extend(lines);
            Ok(Response::CopyOut(CopyResponse::new(
                TEXTUAL,
                count,
                stream::iter(
                    messages
                        .into_iter()
                        .map(|line| Ok(CopyData::new(line.into()))),
                ),
            )))
        }
    }
}

#[async_trait]
impl CopyHandler for Connection {
    async fn on_copy_data<C>(&self, _client: &mut C, data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.session.lock().await.copy_data(&data.data);
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut session = self.session.lock().await;
        let result = session.copy_done().await;
        // pgwire answers with ReadyForQuery (or the error) from the status set here.
        client.set_transaction_status(wire_status(session.transaction_status()));
        let outcome = result.map_err(|e| user_error(&e))?;
        let tag: Tag = tag(&outcome.tag);
        client
            .send(PgWireBackendMessage::CommandComplete(tag.into()))
            .await?;
        Ok(())
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut session = self.session.lock().await;
        let e = session.copy_fail(&fail.message);
        client.set_transaction_status(wire_status(session.transaction_status()));
        user_error(&e)
    }
}

/// The session's transaction status as ReadyForQuery reports it.
pub(super) fn wire_status(status: TransactionStatus) -> WireStatus {
    match status {
        TransactionStatus::Idle => WireStatus::Idle,
        TransactionStatus::InTransaction => WireStatus::Transaction,
        TransactionStatus::Failed => WireStatus::Error,
    }
}
