//! The gRPC `TableService`: follow a SQL table's changes, for callers that may read the
//! table (SELECT, ownership or a superuser; see `auth`).
//!
//! One task per follower alternates between reading the changes committed since its
//! position (`Database::changes`, on the blocking pool) and waiting for the next commit on
//! the ledger's end watch, marked seen before each read so no commit is missed. A commit is
//! appended to the ledger just before the database applies it; a follower that sees the end
//! move before the apply retries after a millisecond. Messages go through a bounded channel,
//! so a slow follower slows only its own task.

use std::pin::Pin;
use std::time::Duration;

use driftdb_proto::v1::follow_request::Start;
use driftdb_proto::v1::table_change::Kind;
use driftdb_proto::v1::table_service_server::TableService;
use driftdb_proto::v1::{FollowRequest, TableChange};
use driftdb_sql::changes::ChangeKind;
use driftdb_sql::{Database, Session};
use futures::Stream;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use driftdb_broker::service::authorize::Caller;

/// Changes buffered per follower before its task waits for the follower to read.
const FOLLOWER_BUFFER: usize = 256;

pub(super) struct Tables {
    pub database: Database,
    pub shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl TableService for Tables {
    type FollowStream = Pin<Box<dyn Stream<Item = Result<TableChange, Status>> + Send + 'static>>;

    async fn follow(
        &self,
        request: Request<FollowRequest>,
    ) -> Result<Response<Self::FollowStream>, Status> {
        let caller = request.extensions().get::<Caller>().cloned();
        let request = request.into_inner();
        let table = request.table;
        if table.is_empty() {
            return Err(Status::invalid_argument("a table name is required"));
        }
        if !self.database.table_has_history(&table) {
            return Err(Status::not_found(format!(
                "table \"{table}\" does not exist"
            )));
        }
        // The caller reads the table's rows: it needs what a SELECT would.
        let mut session = self.database.session();
        session.set_role(caller.and_then(|c| c.role));
        if let Err(e) = session.check_select(&table) {
            return Err(Status::permission_denied(e.to_string()));
        }
        let next = match request.start {
            None => 0,
            Some(Start::FromSequence(seq)) => seq,
            Some(Start::FromTimestampMicros(t)) => self.database.first_sequence_after(t),
            Some(Start::FromNow(_)) => self.database.last_sequence().map_or(0, |s| s + 1),
        };
        let (tx, rx) = mpsc::channel(FOLLOWER_BUFFER);
        tokio::spawn(follow(
            self.database.clone(),
            session,
            table,
            next,
            tx,
            self.shutdown.clone(),
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// Streams `table`'s changes from `next` to `tx` until the follower leaves, the server stops,
/// or `session`'s role may no longer read the table: every commit wakes the loop, `REVOKE`
/// and `DROP ROLE` included, and the privilege is checked again before each read.
async fn follow(
    db: Database,
    session: Session,
    table: String,
    mut next: u64,
    tx: mpsc::Sender<Result<TableChange, Status>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut commits = db.watch_commits();
    let mut caught_up = false;
    loop {
        let end = *commits.borrow_and_update();
        if let Err(e) = session.check_select(&table) {
            let _ = tx.send(Err(Status::permission_denied(e.to_string()))).await;
            return;
        }
        let (reader, name) = (db.clone(), table.clone());
        let read = tokio::task::spawn_blocking(move || reader.changes(&name, next)).await;
        let (changes, after) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => {
                let _ = tx.send(Err(super::status::status(&e))).await;
                return;
            }
            Err(e) => {
                // The read panicked: a bug, whatever the table holds.
                let _ = tx.send(Err(Status::internal(e.to_string()))).await;
                return;
            }
        };
        for change in changes {
            let message = TableChange {
                sequence: change.seq,
                commit_time_micros: change.time,
                kind: match change.kind {
                    ChangeKind::Insert => Kind::Insert,
                    ChangeKind::Update => Kind::Update,
                    ChangeKind::Delete => Kind::Delete,
                } as i32,
                before: change.before,
                after: change.after,
                table: table.clone(),
                caught_up: false,
            };
            tokio::select! {
                sent = tx.send(Ok(message)) => if sent.is_err() { return },
                _ = shutdown.wait_for(|down| *down) => {
                    let _ = tx.try_send(Err(Status::unavailable("the server is shutting down")));
                    return;
                }
            }
        }
        if after > next {
            next = after;
            continue;
        }
        if next < end {
            // Appended but not applied yet.
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        }
        if !caught_up {
            caught_up = true;
            let marker = TableChange {
                sequence: next,
                table: table.clone(),
                caught_up: true,
                ..TableChange::default()
            };
            if tx.send(Ok(marker)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            changed = commits.changed() => if changed.is_err() { return },
            _ = shutdown.wait_for(|down| *down) => {
                let _ = tx.try_send(Err(Status::unavailable("the server is shutting down")));
                return;
            }
            _ = tx.closed() => return,
        }
    }
}
