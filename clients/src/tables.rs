//! Following SQL tables: [`Tables::follow`] streams every insert, update and delete of one
//! table, replayed from a start point and then live.

use crate::Transport;
use driftdb_proto::v1::follow_request::Start as Position;
use driftdb_proto::v1::table_service_client::TableServiceClient;
use driftdb_proto::v1::{FollowRequest, TableChange};
use tonic::Streaming;

use crate::error::Result;

/// Where a table change stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStart {
    /// The table's whole history.
    Beginning,
    /// Changes committed at or after this sequence.
    Sequence(u64),
    /// Changes committed after this time (microseconds since the epoch).
    TimestampMicros(i64),
    /// Only changes committed from now on.
    Now,
}

/// The table-following role of a [`crate::Client`].
#[derive(Debug, Clone)]
pub struct Tables {
    client: TableServiceClient<Transport>,
}

/// A live stream of one table's changes.
#[derive(Debug)]
pub struct TableChanges {
    stream: Streaming<TableChange>,
}

impl TableChanges {
    /// The next change; waits for one while the stream is live. `None` when the server ends
    /// the stream.
    pub async fn next(&mut self) -> Result<Option<TableChange>> {
        Ok(self.stream.message().await?)
    }
}

impl Tables {
    pub(crate) fn new(client: TableServiceClient<Transport>) -> Tables {
        Tables { client }
    }

    /// Follows `table` from `start`.
    pub async fn follow(&self, table: &str, start: TableStart) -> Result<TableChanges> {
        let start = match start {
            TableStart::Beginning => None,
            TableStart::Sequence(seq) => Some(Position::FromSequence(seq)),
            TableStart::TimestampMicros(t) => Some(Position::FromTimestampMicros(t)),
            TableStart::Now => Some(Position::FromNow(true)),
        };
        let stream = self
            .client
            .clone()
            .follow(FollowRequest {
                table: table.to_string(),
                start,
            })
            .await?
            .into_inner();
        Ok(TableChanges { stream })
    }
}
