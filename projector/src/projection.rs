//! Projections: tables the database keeps derived from a topic's events.
//!
//! A projection is declared in SQL (`CREATE PROJECTION`); its definition ([`ProjectionDef`])
//! says which topic it reads, where each column of its table comes from in an event, and which
//! events upsert, merge into or delete a row. Everything about a projection that must survive
//! a crash is in the ledger, as [`ProjectionOp`]s inside ordinary transactions:
//!
//! - `Create` starts it, with the offset it starts from in each source partition;
//! - `Progress` records the source offsets a batch consumed, in the same transaction as the
//!   batch's row changes, so the rows and the position move together: a restart resumes from
//!   the position the last committed batch left, and no event is applied twice or lost;
//! - `Pause` stops or restarts it, `Drop` forgets it, and `Swap` makes a rebuilt version (a
//!   projection into a shadow table that `replaces` another) the projection by its name.
//!
//! What the runner that consumes topics and writes these transactions decides is
//! [`runner::Runner`], a state machine with no I/O; the thread that performs it is the SQL
//! layer's, which converts event fields with the same strict casts as `INSERT`.

pub mod runner;

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// The pseudo-columns every projected table ends with: where the event behind each row
/// version came from.
pub const SOURCE_COLUMNS: [&str; 3] = ["__topic", "__partition", "__offset"];

/// A projection's definition, as `CREATE PROJECTION` gave it.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct ProjectionDef {
    /// The name users know it by; also its table's name once it serves.
    pub name: String,
    /// The topic it reads.
    pub topic: String,
    /// Counts rebuilds: 1 for the first definition, +1 for each `ALTER` or `REFRESH`.
    pub version: u32,
    /// Where each of the table's own columns (in order, before the pseudo-columns) comes from.
    pub columns: Vec<Source>,
    /// Where an event's type comes from; `None`: every event with a value upserts.
    pub event_type: Option<Source>,
    /// What events of each type do. Types with no rule are ignored.
    pub rules: Vec<Rule>,
    /// Where a new projection starts reading.
    pub start: Start,
    /// What happens to an event that does not fit.
    pub on_error: ErrorPolicy,
    /// The definition as written, for the system view.
    pub text: String,
}

/// Where a value comes from in an event.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Source {
    /// A field of the JSON value, by path (`$.a.b[0]`).
    Field(Vec<PathStep>),
    /// The whole value, as text (or JSON).
    Value,
    /// The record key, as text.
    Key,
    /// A header's value, as text.
    Header(String),
    /// The source partition.
    Partition,
    /// The source offset.
    Offset,
    /// The record's timestamp.
    Timestamp,
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum PathStep {
    Field(String),
    Index(u32),
}

/// What events of one type do.
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Rule {
    pub event_type: String,
    pub action: Action,
}

/// What an event does to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Action {
    /// The event is the whole row: insert it, or replace the row with its key.
    Upsert,
    /// The event's fields replace the row's; columns whose field is absent keep their value
    /// (a row that does not exist yet is inserted, absent fields NULL).
    Merge,
    /// Delete the row with the event's key.
    Delete,
}

/// Where a new projection starts in its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Start {
    /// The oldest retained event of each partition.
    Beginning,
    /// The end of each partition when the projection is created.
    Now,
}

/// What happens to an event that does not fit (bad JSON, a missing key, a wrong type).
#[derive(Debug, Clone, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum ErrorPolicy {
    /// The projection stops at the event, with the reason in its status.
    Stop,
    /// The event is skipped and counted.
    Skip,
    /// The event is copied to this topic, with the reason in a header, and skipped.
    DeadLetter(String),
}

/// A projection as the ledger leaves it.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct ProjectionState {
    pub def: ProjectionDef,
    /// The next source offset to apply, per partition. A partition missing here starts at
    /// its oldest retained event.
    pub offsets: BTreeMap<u32, u64>,
    pub paused: bool,
    /// For a rebuild in progress: the projection (by table name) this one replaces once it
    /// has caught up. Its own table is a shadow.
    pub replaces: Option<String>,
}

/// One partition's advance in a `Progress` op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Advance {
    pub partition: u32,
    /// The offset the batch started from: must be the projection's current position, so a
    /// batch read before a concurrent rebuild or swap cannot apply.
    pub from: u64,
    /// The next offset to apply after the batch.
    pub to: u64,
}

/// A projection's part of a transaction. Projections are keyed by their table's name.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum ProjectionOp {
    /// A new projection into `table` (created by a `CreateTable` earlier in the same
    /// transaction), starting at `offsets`.
    Create {
        table: String,
        def: Box<ProjectionDef>,
        offsets: BTreeMap<u32, u64>,
        replaces: Option<String>,
    },
    /// A batch's source offsets; its row changes are in the same transaction.
    Progress {
        table: String,
        advances: Vec<Advance>,
    },
    /// Stop (`true`) or restart (`false`) consuming.
    Pause { table: String, paused: bool },
    /// Forget the projection (its table is dropped by a `DropTable` in the same transaction).
    Drop { table: String },
    /// The rebuilt projection in `shadow` becomes the projection `table`: `table`'s current
    /// incarnation ends, a new one starts holding the shadow's current rows, and the shadow
    /// table and its projection go away.
    Swap { table: String, shadow: String },
}

impl ProjectionOp {
    /// The table the op is about.
    pub fn table(&self) -> &str {
        match self {
            ProjectionOp::Create { table, .. }
            | ProjectionOp::Progress { table, .. }
            | ProjectionOp::Pause { table, .. }
            | ProjectionOp::Drop { table }
            | ProjectionOp::Swap { table, .. } => table,
        }
    }
}

/// Every projection, by table name.
#[derive(Debug, Clone, Default, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Projections {
    pub by_table: BTreeMap<String, ProjectionState>,
}

impl Projections {
    /// The projection writing `table`.
    pub fn get(&self, table: &str) -> Option<&ProjectionState> {
        self.by_table.get(table)
    }

    /// Checks `op` against the state and applies it (the tables it names are checked by the
    /// caller).
    pub fn apply(&mut self, op: &ProjectionOp) -> Result<()> {
        let missing = |table: &str| Error::NotFound {
            what: "projection",
            name: table.to_string(),
        };
        match op {
            ProjectionOp::Create {
                table,
                def,
                offsets,
                replaces,
            } => {
                if self.by_table.contains_key(table) {
                    return Err(Error::InvalidInput(format!(
                        "projection {table:?} already exists"
                    )));
                }
                if let Some(target) = replaces
                    && !self.by_table.contains_key(target)
                {
                    return Err(missing(target));
                }
                self.by_table.insert(
                    table.clone(),
                    ProjectionState {
                        def: def.as_ref().clone(),
                        offsets: offsets.clone(),
                        paused: false,
                        replaces: replaces.clone(),
                    },
                );
            }
            ProjectionOp::Progress { table, advances } => {
                let state = self.by_table.get_mut(table).ok_or_else(|| missing(table))?;
                for a in advances {
                    let current = state.offsets.get(&a.partition).copied();
                    // A partition the projection has not read yet starts wherever its
                    // oldest retained event is; after that, batches must chain.
                    if current.is_some_and(|c| c != a.from) || a.to < a.from {
                        return Err(Error::Conflict {
                            table: table.clone(),
                        });
                    }
                }
                for a in advances {
                    state.offsets.insert(a.partition, a.to);
                }
            }
            ProjectionOp::Pause { table, paused } => {
                self.by_table
                    .get_mut(table)
                    .ok_or_else(|| missing(table))?
                    .paused = *paused;
            }
            ProjectionOp::Drop { table } => {
                self.by_table.remove(table).ok_or_else(|| missing(table))?;
                // A rebuild of a dropped projection has nothing left to replace.
                self.by_table
                    .retain(|_, s| s.replaces.as_deref() != Some(table.as_str()));
            }
            ProjectionOp::Swap { table, shadow } => {
                let rebuilt = self.by_table.get(shadow).ok_or_else(|| missing(shadow))?;
                if rebuilt.replaces.as_deref() != Some(table.as_str())
                    || !self.by_table.contains_key(table)
                {
                    return Err(Error::InvalidInput(format!(
                        "{shadow:?} is not a rebuild of projection {table:?}"
                    )));
                }
                let mut rebuilt = self
                    .by_table
                    .remove(shadow)
                    .ok_or_else(|| missing(shadow))?;
                rebuilt.replaces = None;
                // The old version's pause carries over to the new one.
                rebuilt.paused = self.by_table.get(table).is_some_and(|s| s.paused);
                self.by_table.insert(table.clone(), rebuilt);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str) -> ProjectionDef {
        ProjectionDef {
            name: name.to_string(),
            topic: "events".to_string(),
            version: 1,
            columns: vec![Source::Key],
            event_type: None,
            rules: vec![],
            start: Start::Beginning,
            on_error: ErrorPolicy::Stop,
            text: String::new(),
        }
    }

    fn create(table: &str, replaces: Option<&str>) -> ProjectionOp {
        ProjectionOp::Create {
            table: table.to_string(),
            def: Box::new(def("orders")),
            offsets: BTreeMap::new(),
            replaces: replaces.map(str::to_string),
        }
    }

    fn progress(table: &str, partition: u32, from: u64, to: u64) -> ProjectionOp {
        ProjectionOp::Progress {
            table: table.to_string(),
            advances: vec![Advance {
                partition,
                from,
                to,
            }],
        }
    }

    #[test]
    fn progress_must_chain_from_the_current_position() {
        let mut p = Projections::default();
        p.apply(&create("orders", None)).unwrap();
        p.apply(&progress("orders", 0, 5, 10)).unwrap();
        assert!(matches!(
            p.apply(&progress("orders", 0, 5, 12)),
            Err(Error::Conflict { .. })
        ));
        p.apply(&progress("orders", 0, 10, 12)).unwrap();
        assert_eq!(p.get("orders").unwrap().offsets[&0], 12);
        assert!(p.apply(&progress("nope", 0, 0, 1)).is_err());
    }

    #[test]
    fn a_swap_replaces_the_projection_and_keeps_its_pause() {
        let mut p = Projections::default();
        p.apply(&create("orders", None)).unwrap();
        p.apply(&ProjectionOp::Pause {
            table: "orders".into(),
            paused: true,
        })
        .unwrap();
        p.apply(&create("orders__v2", Some("orders"))).unwrap();
        p.apply(&progress("orders__v2", 0, 0, 7)).unwrap();
        assert!(
            p.apply(&ProjectionOp::Swap {
                table: "orders__v2".into(),
                shadow: "orders".into()
            })
            .is_err()
        );
        p.apply(&ProjectionOp::Swap {
            table: "orders".into(),
            shadow: "orders__v2".into(),
        })
        .unwrap();
        let s = p.get("orders").unwrap();
        assert_eq!(
            (s.offsets[&0], s.paused, s.replaces.clone()),
            (7, true, None)
        );
        assert!(p.get("orders__v2").is_none());
    }

    #[test]
    fn dropping_a_projection_drops_its_rebuild() {
        let mut p = Projections::default();
        p.apply(&create("orders", None)).unwrap();
        p.apply(&create("orders__v2", Some("orders"))).unwrap();
        p.apply(&ProjectionOp::Drop {
            table: "orders".into(),
        })
        .unwrap();
        assert!(p.by_table.is_empty());
    }
}
