//! `COPY` over the wire: the CopyIn and CopyOut sub-protocols, in text, CSV and binary
//! formats. The session does the work (`driftdb_sql::session::CopyMode`); this module moves
//! the bytes, and reads and writes the binary format's values ([`binary`]), which are the
//! wire's binary forms.

mod binary;

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
use bytes::{Bytes, BytesMut};
use driftdb_log::sync::Recover;
use pgwire::api::Type;

/// Text and CSV travel as format 0 (textual).
const TEXTUAL: i8 = 0;

/// The binary format is format 1.
const BINARY: i8 = 1;

/// The binary `COPY ... FROM STDIN` a connection is reading, if any.
pub(super) type BinaryIn = std::sync::Mutex<Option<binary::Reader>>;

/// The response that starts a `COPY`. `COPY ... TO STDOUT` is sent here and now when it
/// is the first result of its message (so that the command tag counts rows, not header
/// lines); after other results it goes out in order with them, its CSV header (if any)
/// sent with the first row.
pub(super) async fn copy_response<C>(
    binary_in: &BinaryIn,
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
        CopyMode::In { format, types } => {
            let columns = types.len();
            let reader = format.binary.then(|| {
                binary::Reader::new(
                    types
                        .iter()
                        .map(|&oid| Type::from_oid(oid).unwrap_or(Type::TEXT))
                        .collect(),
                )
            });
            *binary_in.lock().recover() = reader;
            let kind = if format.binary { BINARY } else { TEXTUAL };
            Ok(Response::CopyIn(CopyResponse::new(
                kind,
                columns,
                stream::empty(),
            )))
        }
        CopyMode::Out { format } => {
            let count = columns(&outcome);
            let (kind, lines) = match &outcome.rows {
                Some(rows) if format.binary => (BINARY, binary::tuples(rows)?),
                Some(rows) => (
                    TEXTUAL,
                    format.lines(rows).into_iter().map(Bytes::from).collect(),
                ),
                None => (TEXTUAL, Vec::new()),
            };
            if first {
                client
                    .feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
                        kind,
                        count as i16,
                        vec![kind as i16; count],
                    )))
                    .await?;
                for line in lines {
                    client
                        .feed(PgWireBackendMessage::CopyData(CopyData::new(line)))
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
                let mut first = BytesMut::from(lines.next().unwrap_or_default());
                first.extend_from_slice(&lines.next().unwrap_or_default());
                messages.push(first.freeze());
            }
            messages.extend(lines);
            Ok(Response::CopyOut(CopyResponse::new(
                kind,
                count,
                stream::iter(messages.into_iter().map(|line| Ok(CopyData::new(line)))),
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
        let mut session = self.session.lock().await;
        let read = {
            let mut binary = self.binary_in.lock().recover();
            let read = binary.as_mut().map(|reader| reader.push(&data.data));
            // After bad binary data the rest is not read (nor held): the COPY has failed.
            if matches!(read, Some(Err(_))) {
                *binary = None;
            }
            read
        };
        match read {
            None => session.copy_data(&data.data),
            Some(Ok(rows)) => {
                for (number, fields) in rows {
                    session.copy_record(number, fields);
                }
            }
            Some(Err(e)) => session.copy_error(e),
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut session = self.session.lock().await;
        let binary = self.binary_in.lock().recover().take();
        if let Some(Err(e)) = binary.map(|reader| reader.finish()) {
            session.copy_error(e);
        }
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
        self.binary_in.lock().recover().take();
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
