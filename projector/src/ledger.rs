//! The ledger record: one committed transaction, as stored in the `__ledger` topic.
//!
//! The SQL database is a log. Each `__ledger` record is one transaction, its offset is the
//! transaction's sequence number (`@SEQ:n`) and its timestamp the commit time. The record's
//! value is one format-version byte followed by the rkyv encoding of a [`Transaction`]: the
//! ordered list of what the transaction did, DDL included, so reading the ledger up to `n`
//! rebuilds the whole database, schema and rows, as of `n`.
//!
//! The byte layout is pinned by the rkyv features chosen in the workspace manifest and
//! described in `docs/design/ledger-format.md`.

use rkyv::rancor;
use rkyv::util::AlignedVec;

use crate::broker_grants::BrokerGrantOp;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::projection::ProjectionOp;
use crate::schema::{IndexDef, Key, Row, TableSchema, UniqueConstraint};
use crate::security::Role;
use crate::tokens::TokenOp;
use crate::value::Value;

/// First byte of every ledger record's value.
pub const FORMAT_VERSION: u8 = 1;

/// One committed transaction.
#[derive(Debug, Clone, PartialEq, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Transaction {
    pub ops: Vec<LedgerOp>,
}

/// One thing a transaction did, in the order it did it.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum LedgerOp {
    /// A new table (its name is the schema's).
    CreateTable(TableSchema),
    /// The table stops existing from this sequence on; its history stays readable before it.
    DropTable { table: String },
    /// A new schema (columns added, dropped or renamed; indexes created or dropped). The rows
    /// current at this sequence carry over: new column `i` takes old column `carry[i]`, or
    /// `fill[i]` where `carry[i]` is `None`. Earlier points keep reading the old schema.
    AlterTable {
        table: String,
        schema: TableSchema,
        carry: Vec<Option<u32>>,
        fill: Vec<Value>,
    },
    /// Insert the row, or replace the row with the same primary key.
    Upsert { table: String, row: Row },
    /// Delete the row with this primary key.
    Delete { table: String, key: Key },
    /// Delete every row (the rows stay in history).
    Truncate { table: String },
    /// How long history is kept before `VACUUM` may drop it (microseconds; `None`: forever).
    SetHistoryRetention { table: String, micros: Option<i64> },
    /// Drop history that ended before `horizon` (set by `VACUUM` under a retention).
    Vacuum { table: String, horizon: u64 },
    /// A new secondary index, built over the table's whole retained history, so reads at
    /// earlier sequences can use it too. The table keeps its incarnation.
    CreateIndex { table: String, index: IndexDef },
    /// The index stops existing; the table keeps its incarnation.
    DropIndex { table: String, name: String },
    /// A new role (`CREATE ROLE`, `CREATE USER`).
    CreateRole(Role),
    /// A role's new attributes or password (`ALTER ROLE`); the name stays.
    AlterRole(Role),
    /// The role stops existing, and its grants with it.
    DropRole { name: String },
    /// `GRANT` of table privileges (bits of `security::SELECT` ...) to a role.
    Grant {
        table: String,
        role: String,
        privileges: u8,
    },
    /// `REVOKE` of table privileges from a role.
    Revoke {
        table: String,
        role: String,
        privileges: u8,
    },
    /// A projection's creation, progress, pause, drop or swap (boxed: the op's archived size
    /// is that of its largest variant, and must not grow).
    Projection(Box<ProjectionOp>),
    // New variants go last: a variant's position is its tag in records already written.
    /// A new unique constraint (`CREATE UNIQUE INDEX`, with a `CreateIndex` of the same name
    /// beside it), holding from this sequence on: the current rows must satisfy it. The table
    /// keeps its incarnation.
    AddUnique {
        table: String,
        constraint: UniqueConstraint,
    },
    /// The unique constraint stops existing (`DROP INDEX` of a unique index).
    DropUnique { table: String, name: String },
    /// `ALTER TABLE table RENAME TO to`: the table's incarnation under its old name ends
    /// here (earlier points read it by that name) and one under the new name starts, with
    /// the current rows, indexes, constraints, grants and history retention.
    RenameTable { table: String, to: String },
    /// A new constraint of the table (a foreign key), holding from this sequence on: the
    /// current rows must satisfy it. The table keeps its incarnation.
    AddConstraint {
        table: String,
        constraint: Constraint,
    },
    /// The table's constraint stops holding.
    DropConstraint { table: String, name: String },
    /// An access token made or revoked (boxed, as `Projection` is).
    Token(Box<TokenOp>),
    /// `GRANT` or `REVOKE` of privileges on a topic or consumer group (boxed likewise).
    BrokerGrant(Box<BrokerGrantOp>),
}

impl LedgerOp {
    /// The table the operation is about; empty for role operations, which are about none.
    pub fn table(&self) -> &str {
        match self {
            LedgerOp::CreateRole(_)
            | LedgerOp::AlterRole(_)
            | LedgerOp::DropRole { .. }
            | LedgerOp::Token(_)
            | LedgerOp::BrokerGrant(_) => "",
            LedgerOp::CreateTable(schema) => schema.name(),
            LedgerOp::DropTable { table }
            | LedgerOp::AlterTable { table, .. }
            | LedgerOp::Upsert { table, .. }
            | LedgerOp::Delete { table, .. }
            | LedgerOp::Truncate { table }
            | LedgerOp::SetHistoryRetention { table, .. }
            | LedgerOp::Vacuum { table, .. }
            | LedgerOp::CreateIndex { table, .. }
            | LedgerOp::DropIndex { table, .. }
            | LedgerOp::AddUnique { table, .. }
            | LedgerOp::DropUnique { table, .. }
            | LedgerOp::RenameTable { table, .. }
            | LedgerOp::AddConstraint { table, .. }
            | LedgerOp::DropConstraint { table, .. }
            | LedgerOp::Grant { table, .. }
            | LedgerOp::Revoke { table, .. } => table,
            LedgerOp::Projection(op) => op.table(),
        }
    }

    /// About how many bytes the operation encodes to.
    fn size_hint(&self) -> usize {
        let values = |v: &[Value]| v.len() * 32 + v.iter().map(Value::heap_bytes).sum::<usize>();
        64 + self.table().len()
            + match self {
                LedgerOp::Upsert { row, .. } => values(row),
                LedgerOp::Delete { key, .. } => values(key),
                _ => 256,
            }
    }

    /// Whether the operation replaces its table with another (a new incarnation, a new
    /// schema, a rebuilt projection) or ends it, or rewrites its history, rather than
    /// changing it in place.
    pub fn replaces_table(&self) -> bool {
        matches!(
            self,
            LedgerOp::CreateTable(_)
                | LedgerOp::DropTable { .. }
                | LedgerOp::AlterTable { .. }
                | LedgerOp::RenameTable { .. }
                | LedgerOp::Vacuum { .. }
                | LedgerOp::Projection(_)
        )
    }

    /// Whether the operation is about roles, their tokens or their privileges on topics and
    /// groups (and not any table).
    pub fn is_role_change(&self) -> bool {
        matches!(
            self,
            LedgerOp::CreateRole(_)
                | LedgerOp::AlterRole(_)
                | LedgerOp::DropRole { .. }
                | LedgerOp::Token(_)
                | LedgerOp::BrokerGrant(_)
        )
    }

    /// Whether the operation changes rows (as opposed to the catalog).
    pub fn is_row_change(&self) -> bool {
        matches!(
            self,
            LedgerOp::Upsert { .. } | LedgerOp::Delete { .. } | LedgerOp::Truncate { .. }
        )
    }

    /// The change to its table's rows a row operation makes; `None` for any other.
    pub fn row_change(&self) -> Option<crate::table::Change> {
        use crate::table::Change;
        match self {
            LedgerOp::Upsert { row, .. } => Some(Change::Upsert(row.clone())),
            LedgerOp::Delete { key, .. } => Some(Change::Delete(key.clone())),
            LedgerOp::Truncate { .. } => Some(Change::Truncate),
            _ => None,
        }
    }
}

impl Transaction {
    /// Encodes the transaction as a ledger record value.
    pub fn encode(&self) -> Result<Vec<u8>> {
        // Sized up front: a large transaction would otherwise be copied at every doubling.
        let hint = 64 + self.ops.iter().map(LedgerOp::size_hint).sum::<usize>();
        let body = rkyv::api::high::to_bytes_in::<_, rancor::Error>(
            self,
            AlignedVec::<16>::with_capacity(hint),
        )
        .map_err(|e| Error::InvalidInput(format!("cannot encode transaction: {e}")))?;
        let mut out = Vec::with_capacity(body.len() + 1);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decodes and validates a ledger record value; never panics on any input.
    pub fn decode(bytes: &[u8]) -> Result<Transaction> {
        let Some((&version, body)) = bytes.split_first() else {
            return Err(Error::InvalidInput("empty ledger record".to_string()));
        };
        if version != FORMAT_VERSION {
            return Err(Error::InvalidInput(format!(
                "unknown ledger record format version {version}"
            )));
        }
        // Record values are not aligned inside a segment; rkyv needs aligned bytes.
        let mut aligned = AlignedVec::<16>::with_capacity(body.len());
        aligned.extend_from_slice(body);
        rkyv::from_bytes::<Transaction, rancor::Error>(&aligned)
            .map_err(|e| Error::InvalidInput(format!("malformed ledger record: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;
    use crate::value::DataType;

    fn sample() -> Transaction {
        let schema = TableSchema::new(
            "products",
            vec![
                Column::new("id", DataType::BigInt, false),
                Column::new("name", DataType::Text, true),
            ],
            vec![0],
            vec![],
            vec![],
        )
        .unwrap();
        Transaction {
            ops: vec![
                LedgerOp::CreateTable(schema),
                LedgerOp::Upsert {
                    table: "products".into(),
                    row: vec![Value::Int64(1), Value::Text("Widget".into())],
                },
                LedgerOp::Delete {
                    table: "products".into(),
                    key: vec![Value::Int64(2)],
                },
                LedgerOp::Truncate {
                    table: "products".into(),
                },
                LedgerOp::SetHistoryRetention {
                    table: "products".into(),
                    micros: Some(30 * 86_400_000_000),
                },
            ],
        }
    }

    /// Records written by earlier versions decode as they did: the bytes of a transaction
    /// using variants from the end of the original enum, pinned. A variant added anywhere
    /// but last shifts these tags and fails here.
    #[test]
    fn earlier_records_keep_their_tags() {
        let t = Transaction {
            ops: vec![
                LedgerOp::DropRole { name: "r".into() },
                LedgerOp::Revoke {
                    table: "t".into(),
                    role: "r".into(),
                    privileges: 1,
                },
            ],
        };
        let hex: String = t
            .encode()
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "010c00000072ffffffffffffff0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e00000074ffffffffffffff72ffffffffffffff0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000070ffffff02000000"
        );
    }

    #[test]
    fn round_trip() {
        let t = sample();
        assert_eq!(Transaction::decode(&t.encode().unwrap()).unwrap(), t);
    }

    #[test]
    fn projection_ops_round_trip() {
        use crate::projection::*;
        let def = ProjectionDef {
            name: "orders".into(),
            topic: "order-events".into(),
            version: 2,
            columns: vec![
                Source::Field(vec![PathStep::Field("a".into()), PathStep::Index(3)]),
                Source::Header("h".into()),
                Source::Key,
                Source::Value,
                Source::Partition,
                Source::Offset,
                Source::Timestamp,
            ],
            event_type: Some(Source::Header("type".into())),
            rules: vec![Rule {
                event_type: "Placed".into(),
                action: Action::Merge,
            }],
            start: Start::Now,
            on_error: ErrorPolicy::DeadLetter("dlq".into()),
            text: "CREATE PROJECTION ...".into(),
        };
        let op = |p: ProjectionOp| LedgerOp::Projection(Box::new(p));
        let t = Transaction {
            ops: vec![
                op(ProjectionOp::Create {
                    table: "orders__v2".into(),
                    def: Box::new(def),
                    offsets: [(0, 5), (1, 7)].into_iter().collect(),
                    replaces: Some("orders".into()),
                }),
                op(ProjectionOp::Progress {
                    table: "orders".into(),
                    advances: vec![Advance {
                        partition: 1,
                        from: 7,
                        to: 9,
                    }],
                }),
                op(ProjectionOp::Pause {
                    table: "orders".into(),
                    paused: true,
                }),
                op(ProjectionOp::Swap {
                    table: "orders".into(),
                    shadow: "orders__v2".into(),
                }),
                op(ProjectionOp::Drop {
                    table: "orders".into(),
                }),
            ],
        };
        assert_eq!(Transaction::decode(&t.encode().unwrap()).unwrap(), t);
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let good = sample().encode().unwrap();
        assert!(Transaction::decode(&[]).is_err());
        assert!(Transaction::decode(&[2]).is_err());
        for len in 0..good.len() {
            let _ = Transaction::decode(&good[..len]);
        }
        for i in 1..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = Transaction::decode(&bad);
        }
    }
}
