//! The audit trail: who logged in (or failed to), changed roles and privileges, ran DDL and
//! administered topics, from where, when, and with what outcome.
//!
//! Each event is one JSON record of the system topic [`TOPIC`] (`__audit`), which clients
//! cannot write (the broker refuses every topic whose name starts with `__`) and which keeps
//! its records for ever unless an operator sets a retention. The record's timestamp is the
//! event's time. SQL reads the trail through the projection [`TABLE`] (`driftdb_audit`),
//! which the server makes with `--audit-table` ([`PROJECTION`]): a table like any other, so
//! `FOR SYSTEM_TIME` shows the trail as it stood at a point, and only superusers (or roles
//! granted SELECT) read it.
//!
//! Events are written by one thread, so that a login or a statement never waits for the
//! trail's fsync: [`Audit::record`] hands the event over a bounded queue; the thread appends
//! what has queued as one batch. An event the queue has no room for (the disk stalls while
//! thousands of events arrive) is counted in `driftdb_audit_dropped_total` and logged,
//! rather than slowing every login behind the disk. An event is durable once its batch's
//! append returns, a few milliseconds after it happened; [`Audit::close`] writes what is
//! queued before the server exits.

use std::net::IpAddr;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use driftdb_log::{AppendOptions, Log, NewRecord, Partition, TopicConfig};
use serde::Serialize;

use crate::error::{Result, storage};

/// The system topic of the audit trail.
pub const TOPIC: &str = "__audit";

/// The projection (and table) SQL reads the trail through.
pub const TABLE: &str = "driftdb_audit";

/// The statement that makes [`TABLE`]: every field of an event, its offset as the key and
/// its record's timestamp as `time`.
pub const PROJECTION: &str = "CREATE PROJECTION IF NOT EXISTS driftdb_audit FROM TOPIC __audit (
    id BIGINT PRIMARY KEY FROM OFFSET,
    time TIMESTAMPTZ FROM TIMESTAMP,
    event TEXT,
    port TEXT,
    role TEXT,
    address TEXT,
    action TEXT,
    object TEXT,
    outcome TEXT,
    error TEXT,
    detail TEXT
) START FROM BEGINNING";

/// Events queued for the writer at most; past it they are dropped and counted.
const QUEUE: usize = 16_384;
/// Events appended in one batch at most.
const BATCH: usize = 512;
/// The counter of events the queue had no room for.
pub const DROPPED_TOTAL: &str = "driftdb_audit_dropped_total";

/// What kind of event it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A login on the PostgreSQL port, or a gRPC connection's first authenticated call, or a
    /// refused one.
    Authentication,
    /// DDL, a role or privilege change, `VACUUM`, `CHECKPOINT`.
    Statement,
    /// A topic created or deleted, or a broker call refused for want of a privilege.
    Topic,
}

/// The port an event came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Port {
    Postgresql,
    Grpc,
    /// An embedded database or the server itself.
    Local,
}

/// Where a session's statements come from: the port and the client's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub port: Port,
    pub address: Option<IpAddr>,
}

impl Default for Origin {
    fn default() -> Self {
        Origin {
            port: Port::Local,
            address: None,
        }
    }
}

/// One event of the trail, as its record's JSON value holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub event: Kind,
    pub port: Port,
    /// The role that acted, or the role a refused login claimed.
    pub role: String,
    pub address: Option<String>,
    /// What was done: `login`, a statement's command (`DROP TABLE`), `create topic`.
    pub action: String,
    /// What it was done to, when one thing: a topic, a role.
    pub object: Option<String>,
    /// `success` or `failure`.
    pub outcome: &'static str,
    /// Why it failed.
    pub error: Option<String>,
    /// More: a DDL statement's text (a role statement's is left out: it may hold a
    /// password), how a login proved itself.
    pub detail: Option<String>,
}

impl Event {
    /// An event of `kind` through `origin` by `role`: `action` on `object`, with `outcome`
    /// (`Err` holding why it failed).
    pub fn new(
        kind: Kind,
        origin: Origin,
        role: &str,
        action: impl Into<String>,
        object: Option<&str>,
        outcome: std::result::Result<(), String>,
    ) -> Event {
        Event {
            event: kind,
            port: origin.port,
            role: role.to_string(),
            address: origin.address.map(|a| a.to_string()),
            action: action.into(),
            object: object.map(str::to_string),
            outcome: if outcome.is_ok() {
                "success"
            } else {
                "failure"
            },
            error: outcome.err(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = Some(detail.into());
        self
    }
}

/// The writer of the audit trail.
pub struct Audit {
    queue: Mutex<Option<SyncSender<(i64, Event)>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Audit")
    }
}

impl Audit {
    /// Opens the trail over `log`, creating [`TOPIC`] on first use, and starts its writer.
    pub fn open(log: &Log) -> Result<Arc<Audit>> {
        let topic = match log.topic(TOPIC) {
            Ok(topic) => topic,
            Err(driftdb_log::Error::UnknownTopic(_)) => log
                .create_topic(TOPIC, TopicConfig::default())
                .map_err(storage)?,
            Err(e) => return Err(storage(e)),
        };
        let partition = topic.partition(0).map_err(storage)?;
        metrics::describe_counter!(
            DROPPED_TOTAL,
            "Audit events dropped because the audit trail's queue was full"
        );
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let writer = std::thread::Builder::new()
            .name("driftdb-audit".to_string())
            .spawn(move || write_events(&partition, &rx))
            .map_err(|e| crate::Error::Internal {
                message: format!("starting the audit writer: {e}"),
            })?;
        Ok(Arc::new(Audit {
            queue: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        }))
    }

    /// Queues `event`, happening now, for the trail.
    pub fn record(&self, event: Event) {
        let now = driftdb_log::Clock::now_micros(&driftdb_log::SystemClock);
        let queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let Some(queue) = queue.as_ref() else {
            return;
        };
        match queue.try_send((now, event)) {
            Ok(()) => {}
            Err(TrySendError::Full((_, event))) => {
                metrics::counter!(DROPPED_TOTAL).increment(1);
                tracing::warn!(?event, "the audit trail's queue is full; event dropped");
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Writes what is queued and stops the writer; later events are not recorded.
    pub fn close(&self) {
        drop(self.queue.lock().unwrap_or_else(|e| e.into_inner()).take());
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer
            && writer.join().is_err()
        {
            tracing::error!("the audit writer panicked");
        }
    }
}

/// The writer thread: appends what has queued, one batch at a time, until the queue closes.
fn write_events(partition: &Partition, queue: &Receiver<(i64, Event)>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let records: Vec<NewRecord> = batch
            .iter()
            .filter_map(|(time, event)| {
                let value = serde_json::to_vec(event).ok()?;
                Some(NewRecord {
                    timestamp: Some(*time),
                    ..NewRecord::value(value)
                })
            })
            .collect();
        if let Err(e) = partition.append(records, AppendOptions::default()) {
            metrics::counter!(DROPPED_TOTAL).increment(batch.len() as u64);
            tracing::error!(error = %e, events = batch.len(), "writing the audit trail failed");
        }
    }
}

/// Longest statement text an event keeps.
const MAX_DETAIL: usize = 4096;

/// What the trail says of an audited statement: its command, what it acts on, its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Audited {
    pub(crate) action: String,
    pub(crate) object: Option<String>,
    pub(crate) detail: Option<String>,
}

/// How `statement` goes into the trail, if it is DDL, a role or privilege change, `VACUUM`
/// or `CHECKPOINT`; queries, row writes, settings and transaction control are not audited.
/// The text of `CREATE ROLE` and `ALTER ROLE` is left out: it may hold a password.
pub(crate) fn audited(statement: &crate::parser::Statement) -> Option<Audited> {
    use crate::parser::Statement;
    use crate::parser::projection::ProjectionStatement;
    use sqlparser::ast::Statement as Ast;
    let of = |action: &str, object: Option<String>, detail: Option<String>| Audited {
        action: action.to_string(),
        object,
        detail: detail.map(|mut text| {
            if text.len() > MAX_DETAIL {
                let mut end = MAX_DETAIL;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
            }
            text
        }),
    };
    Some(match statement {
        Statement::Sql(sql) => {
            let text = || Some(sql.statement.to_string());
            let action = match &sql.statement {
                Ast::CreateRole(create) => {
                    let names = create.names.iter().map(ToString::to_string);
                    return Some(of(
                        "CREATE ROLE",
                        Some(names.collect::<Vec<_>>().join(", ")),
                        None,
                    ));
                }
                Ast::AlterRole { name, .. } => {
                    return Some(of(
                        "ALTER ROLE",
                        Some(crate::schemas::ident_name(name)),
                        None,
                    ));
                }
                Ast::CreateView { .. } => "CREATE VIEW",
                Ast::CreateIndex(_) => "CREATE INDEX",
                Ast::CreateSchema { .. } => "CREATE SCHEMA",
                Ast::CreateSequence { .. } => "CREATE SEQUENCE",
                Ast::AlterView { .. } => "ALTER VIEW",
                Ast::AlterIndex { .. } => "ALTER INDEX",
                Ast::AlterSchema(_) => "ALTER SCHEMA",
                Ast::Drop {
                    object_type, names, ..
                } => {
                    let names = names.iter().map(ToString::to_string).collect::<Vec<_>>();
                    return Some(of(
                        &format!("DROP {object_type}"),
                        Some(names.join(", ")),
                        text(),
                    ));
                }
                Ast::CreateTable(create) => {
                    return Some(of("CREATE TABLE", Some(create.name.to_string()), text()));
                }
                Ast::AlterTable(alter) => {
                    return Some(of("ALTER TABLE", Some(alter.name.to_string()), text()));
                }
                Ast::Truncate { .. } => "TRUNCATE",
                Ast::Comment { .. } => "COMMENT",
                Ast::Grant(_) => "GRANT",
                Ast::Revoke(_) => "REVOKE",
                _ => return None,
            };
            of(action, None, text())
        }
        Statement::Checkpoint { table } => of("CHECKPOINT", Some(table.to_string()), None),
        Statement::Vacuum { table } => of("VACUUM", table.as_ref().map(ToString::to_string), None),
        Statement::Projection(projection) => {
            let (action, name) = match projection.as_ref() {
                ProjectionStatement::Create { spec, .. } => ("CREATE PROJECTION", &spec.name),
                ProjectionStatement::Alter(spec) => ("ALTER PROJECTION", &spec.name),
                ProjectionStatement::Pause { name, .. } => ("ALTER PROJECTION", name),
                ProjectionStatement::Refresh { name } => ("REFRESH PROJECTION", name),
                ProjectionStatement::Drop { name, .. } => ("DROP PROJECTION", name),
            };
            of(action, Some(crate::schemas::ident_name(name)), None)
        }
        Statement::AlterSequence(alter) => of("ALTER SEQUENCE", Some(alter.name.to_string()), None),
        Statement::AlterRelation(alter) => of(
            &format!("ALTER {}", alter.kind),
            Some(alter.name.to_string()),
            None,
        ),
        Statement::SetHistoryRetention { table, retention } => of(
            "ALTER TABLE",
            Some(table.to_string()),
            Some(format!("history_retention = {} s", retention.as_secs())),
        ),
        Statement::BrokerGrant(grant) => {
            use crate::parser::broker_grant::BrokerObjects;
            let objects = match &grant.objects {
                BrokerObjects::Topics(names) => format!("TOPIC {}", names.join(", ")),
                BrokerObjects::AllTopics => "ALL TOPICS".to_string(),
                BrokerObjects::Groups(names) => format!("GROUP {}", names.join(", ")),
                BrokerObjects::AllGroups => "ALL GROUPS".to_string(),
            };
            let privileges = match &grant.privileges {
                Some(words) => words.join(", "),
                None => "ALL".to_string(),
            };
            let (verb, to) = if grant.grant {
                ("GRANT", "TO")
            } else {
                ("REVOKE", "FROM")
            };
            of(
                verb,
                None,
                Some(format!(
                    "{verb} {privileges} ON {objects} {to} {}",
                    grant.grantees.join(", ")
                )),
            )
        }
        Statement::SetConstraints { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit_of(sql: &str) -> Option<Audited> {
        let mut statements = crate::parser::parse(sql).unwrap();
        audited(&statements.remove(0))
    }

    #[test]
    fn ddl_and_role_changes_are_audited_and_passwords_never_kept() {
        let drop = audit_of("DROP TABLE orders, items").unwrap();
        assert_eq!(drop.action, "DROP TABLE");
        assert_eq!(drop.object.as_deref(), Some("orders, items"));
        assert_eq!(drop.detail.as_deref(), Some("DROP TABLE orders, items"));
        for secret in [
            "CREATE ROLE app LOGIN PASSWORD 'hunter2'",
            "ALTER ROLE app PASSWORD 'hunter2'",
            "CREATE USER app PASSWORD 'hunter2'",
        ] {
            let event = audit_of(secret).unwrap();
            assert_eq!(event.object.as_deref(), Some("app"), "{secret}");
            assert_eq!(event.detail, None, "{secret}");
        }
        let grant = audit_of("GRANT PRODUCE ON TOPIC orders TO app").unwrap();
        assert_eq!(
            grant.detail.as_deref(),
            Some("GRANT PRODUCE ON TOPIC orders TO app")
        );
        for plain in [
            "SELECT 1",
            "INSERT INTO t VALUES (1)",
            "SET search_path TO s",
            "BEGIN",
        ] {
            assert_eq!(audit_of(plain), None, "{plain}");
        }
    }

    #[test]
    fn long_statements_are_cut_at_a_character_boundary() {
        let long = format!("COMMENT ON TABLE t IS '{}'", "é".repeat(MAX_DETAIL));
        let detail = audit_of(&long).unwrap().detail.unwrap();
        assert!(detail.len() <= MAX_DETAIL && detail.len() > MAX_DETAIL - 4);
    }
}
