//! [`Session`]: one connection's view of the database, and its transaction.
//!
//! # Reads
//! Every statement reads one consistent snapshot: all tables at one sequence. Outside a
//! transaction that is the newest sequence when the statement starts; inside one, the
//! sequence at `BEGIN`, with the transaction's own writes laid over it (the provider's
//! overlay), so a transaction sees its own changes and nobody else's.
//!
//! # Writes
//! A write statement is planned against the snapshot into ledger operations (`Upsert`,
//! `Delete`, DDL ...). Outside a transaction they commit at once as one ledger record. Inside
//! one they are kept, checked against the table's constraints as the statement ends (so a
//! violation fails that statement with its SQLSTATE), and laid into the overlay; `COMMIT`
//! writes them all as one record, atomically. Savepoints remember how many operations and
//! which overlay to return to.
//!
//! # Conflicts
//! Commits are first-committer-wins on primary keys: a transaction that writes a key some
//! other transaction committed after its snapshot fails with SQLSTATE 40001 and nothing of
//! it is applied. An autocommit `UPDATE`, `DELETE` or `INSERT` that loses this race is
//! planned again on a fresh snapshot (up to [`AUTOCOMMIT_ATTEMPTS`] times), as PostgreSQL's
//! READ COMMITTED re-evaluates a row a concurrent writer changed; an explicit transaction
//! gets the error, as under REPEATABLE READ.
//!
//! # Failed transactions
//! As in PostgreSQL, an error inside a transaction aborts it: every later statement fails
//! with SQLSTATE 25P02 until `ROLLBACK` (or `ROLLBACK TO` a savepoint taken before the
//! error); `COMMIT` of an aborted transaction rolls it back.
//!
//! # DDL in a transaction
//! `CREATE TABLE`, `DROP TABLE`, `CREATE INDEX`, `DROP INDEX` and `TRUNCATE` may run inside a
//! block, as schema migrations do: a created table is private to the transaction (an empty
//! projector table with the overlay's rows) until `COMMIT` writes its `CreateTable` and rows
//! in the same record; a dropped one disappears from the transaction's view. `ALTER TABLE`,
//! history retention, `CHECKPOINT` and `VACUUM` are refused inside a block.
//!
//! # Implicit blocks
//! The statements of one extended-protocol pipeline (up to Sync) and of one query string
//! holding several statements form an implicit transaction block, as in PostgreSQL:
//! [`Session::begin_implicit`] opens it and [`Session::end_implicit`] commits its writes as
//! one record, or drops them if a statement failed. Until the block's first write each
//! statement reads the newest sequence (as an autocommit statement would); from then on the
//! sequence that write read, plus the block's writes. A `BEGIN` inside turns it into an
//! ordinary block that keeps the writes so far; `COMMIT` or `ROLLBACK` ends it early with
//! PostgreSQL's warning. It reports the Idle status: clients only ever see it between Syncs.
//!
//! # Cancellation
//! [`Session::interrupt_on`] gives the session a signal (a PostgreSQL cancel request); a
//! statement still running when it fires stops with SQLSTATE 57014 and aborts an open
//! transaction. Stopping drops the statement's future at an `.await`, and every commit
//! (`Store::commit`) runs synchronously with no `.await` after it before the statement
//! returns, so a cancelled statement has either committed in full or not at all.

mod broker_grants;
mod checks;
mod comments;
mod copy;
mod create_as;
pub(crate) mod ddl;
mod dml;
mod foreign_keys;
mod owners;
mod prepared;
mod projection;
mod rename;
pub(crate) mod roles;
mod schemas;
mod sequence;
mod settings;
pub(crate) mod temporary;
mod views;

pub use crate::outcome::CopyMode;
pub use copy::MAX_COPY_BYTES;
pub use prepared::{Description, Param, ParamValue};
#[doc(hidden)]
pub use projection::fuzz_projection_event;
pub use roles::{
    BOOTSTRAP_ROLE, Bootstrap, md5_hash, md5_response, parse_scram_verifier, password_matches,
    random_bytes, scram_verifier,
};

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use datafusion::common::TableReference;
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use driftdb_projector::{Change, Key, LedgerOp, Row, Table, TableSchema, Transaction};
use futures::future::Either;
use sqlparser::ast::Statement as Ast;

use crate::SqlState;
use crate::blocking;
use crate::database::{Database, first_words};
use crate::engine::{QueryEngine, TimeBound, TimeResolver};
use crate::error::{Error, Result};
use crate::error::{execution, projector_error, unsupported};
use crate::outcome::{CommandTag, Outcome, Rows};
use crate::parser::Statement;
use crate::provider::{Overlay, ReadPoint, SharedTable, provider_for};
use driftdb_log::sync::Recover;

pub use crate::error::AUTOCOMMIT_ATTEMPTS;

/// The state a PostgreSQL `ReadyForQuery` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Not in a transaction block.
    Idle,
    /// In a transaction block.
    InTransaction,
    /// In a transaction block that an error aborted.
    Failed,
}

/// The transaction's own writes, by table.
/// Shared with the providers of a statement's query engine; written copy-on-write, which
/// copies nothing once the engine is gone.
type Overlays = BTreeMap<String, Arc<Overlay>>;

/// What a statement reads: the tables at `seq` (`None`: an empty database) plus a
/// transaction's own writes: rows, tables it created (private until COMMIT, their rows in
/// the overlay) and tables it dropped.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    seq: Option<u64>,
    overlay: Overlays,
    created: BTreeMap<String, SharedTable>,
    dropped: BTreeSet<String>,
    /// Existing tables the transaction gave a unique constraint: the ledger checks it
    /// against their rows at commit, so the transaction may not write them.
    constrained: BTreeSet<String>,
}

struct Savepoint {
    name: String,
    ops: usize,
    snapshot: Snapshot,
}

struct Txn {
    snapshot: Snapshot,
    ops: Vec<LedgerOp>,
    savepoints: Vec<Savepoint>,
    failed: bool,
    /// An implicit block (see the module documentation), not a `BEGIN`.
    implicit: bool,
    /// `SET CONSTRAINTS`: whether deferrable keys are deferred, for `ALL` and by name.
    deferral: foreign_keys::Deferral,
    /// `READ ONLY` (`BEGIN READ ONLY`, `SET TRANSACTION READ ONLY`): writes fail with 25006.
    read_only: bool,
    /// Whether any of `ops` is DDL or writes DriftDB's own tables (views, comments,
    /// sequences): what readers of the catalogs must look through `ops` for. Plain row
    /// writes, however many, spare them that.
    catalog_ops: bool,
}

impl Txn {
    fn new(seq: Option<u64>, implicit: bool) -> Txn {
        Txn {
            snapshot: Snapshot {
                seq,
                ..Snapshot::default()
            },
            ops: Vec::new(),
            savepoints: Vec::new(),
            failed: false,
            implicit,
            deferral: foreign_keys::Deferral::default(),
            catalog_ops: false,
            read_only: false,
        }
    }
}

/// A write statement's plan: what to append to the ledger, and what to tell the client.
struct Write {
    ops: Vec<LedgerOp>,
    tag: CommandTag,
    rows: Option<Rows>,
}

/// One connection's session; see the module documentation.
pub struct Session {
    db: Database,
    txn: Option<Txn>,
    settings: settings::Settings,
    /// Fires to cancel the running statement; see [`Session::interrupt_on`].
    interrupt: Option<Interrupt>,
    /// A `COPY ... FROM STDIN` waiting for data.
    copy_in: Option<copy::PendingCopy>,
    /// Statements `PREPARE` named, for `EXECUTE`.
    prepared: std::collections::HashMap<String, prepared::SqlPrepared>,
    /// The role the session runs as; `None`: the bootstrap superuser.
    role: Option<String>,
    /// Where its statements come from, for the audit trail.
    origin: crate::audit::Origin,
    /// Where its queries take memory from; see [`Session::set_memory_limit`].
    runtime: Arc<RuntimeEnv>,
    /// Unique among the database's sessions since it opened: names its temporary tables.
    id: u64,
    /// Whether it ever made a temporary table (see `session/temporary.rs`).
    has_temporary: bool,
    /// The sequence values it took, for `currval` and `lastval`.
    taken: crate::sequences::SharedTaken,
}

type Interrupt = Pin<Box<dyn Future<Output = ()> + Send + Sync>>;

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("status", &self.transaction_status())
            .finish()
    }
}

/// The access mode `BEGIN ...` or `SET TRANSACTION ...` asks for (`Some(true)`: `READ ONLY`),
/// after checking its isolation level: DriftDB's transactions read one snapshot, which is
/// PostgreSQL's REPEATABLE READ, and give it to a transaction that asks for READ COMMITTED
/// too (the standard lets a database run a transaction at a stricter level than asked);
/// SERIALIZABLE, which it does not give, is 0A000 rather than weakened silently.
fn transaction_modes(modes: &[sqlparser::ast::TransactionMode]) -> Result<Option<bool>> {
    use sqlparser::ast::{TransactionAccessMode, TransactionIsolationLevel, TransactionMode};
    let mut read_only = None;
    for mode in modes {
        match mode {
            TransactionMode::AccessMode(TransactionAccessMode::ReadOnly) => read_only = Some(true),
            TransactionMode::AccessMode(TransactionAccessMode::ReadWrite) => {
                read_only = Some(false)
            }
            TransactionMode::IsolationLevel(TransactionIsolationLevel::Serializable) => {
                return Err(Error::Execution {
                    message: "DriftDB's transactions run under snapshot isolation (REPEATABLE READ); SERIALIZABLE is not available".to_string(),
                    sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
                });
            }
            TransactionMode::IsolationLevel(_) => {}
        }
    }
    Ok(read_only)
}

impl Database {
    /// A new session: autocommit until it runs `BEGIN`.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// Runs every statement of `sql` in a fresh session, stopping at the first error. A
    /// transaction the script leaves open is rolled back.
    pub async fn execute(&self, sql: &str) -> Result<Vec<Outcome>> {
        self.session().execute(sql).await
    }

    /// Runs one query and returns its rows.
    pub async fn query(
        &self,
        sql: &str,
    ) -> Result<Vec<datafusion::arrow::record_batch::RecordBatch>> {
        match self.execute(sql).await?.pop() {
            Some(Outcome {
                rows: Some(rows), ..
            }) => Ok(rows.batches),
            _ => Err(Error::Unsupported {
                message: "expected a query returning rows".to_string(),
                position: None,
            }),
        }
    }
}

impl Session {
    pub(crate) fn new(db: Database) -> Session {
        let id = db.next_session_id();
        Session {
            db,
            txn: None,
            settings: settings::Settings::default(),
            interrupt: None,
            copy_in: None,
            prepared: std::collections::HashMap::new(),
            role: None,
            origin: crate::audit::Origin::default(),
            runtime: Arc::new(RuntimeEnv::default()),
            id,
            has_temporary: false,
            taken: Arc::default(),
        }
    }

    /// Caps the memory one statement of this session may hold at `bytes`: the working
    /// memory of its plan's operators (sorts and aggregations spill to temporary files
    /// first, where they can), the rows of its result while they are gathered, and the
    /// data of a `COPY ... FROM STDIN` before it is written. Past the cap the statement
    /// fails with SQLSTATE 53200 (out of memory) and the session goes on. Without a call,
    /// there is no cap.
    pub fn set_memory_limit(&mut self, bytes: usize) -> Result<()> {
        self.runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(bytes)))
            .build_arc()
            .map_err(execution)?;
        Ok(())
    }

    /// The cap [`Session::set_memory_limit`] set, if any.
    fn memory_limit(&self) -> Option<usize> {
        match self.runtime.memory_pool.memory_limit() {
            datafusion::execution::memory_pool::MemoryLimit::Finite(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Cancels whatever statement is running when `signal` completes (SQLSTATE 57014),
    /// and those after it, until another signal replaces this one. A signal that never
    /// completes cancels nothing.
    pub fn interrupt_on(&mut self, signal: impl Future<Output = ()> + Send + Sync + 'static) {
        self.interrupt = Some(Box::pin(signal));
    }

    /// The database this session runs in.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Whether a transaction is open, and whether an error aborted it.
    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.txn {
            None => TransactionStatus::Idle,
            Some(t) if t.implicit => TransactionStatus::Idle,
            Some(t) if t.failed => TransactionStatus::Failed,
            Some(_) => TransactionStatus::InTransaction,
        }
    }

    /// Opens an implicit transaction block unless a block is open; see the module
    /// documentation.
    pub fn begin_implicit(&mut self) {
        if self.txn.is_none() {
            self.txn = Some(Txn::new(self.read_point(), true));
        }
    }

    /// How many ledger operations the open transaction holds, for telling which of a
    /// block's statements wrote.
    pub fn pending_operations(&self) -> usize {
        self.txn.as_ref().map_or(0, |t| t.ops.len())
    }

    /// Whether an implicit block is open.
    pub fn in_implicit_block(&self) -> bool {
        self.txn.as_ref().is_some_and(|t| t.implicit)
    }

    /// Ends the implicit block, if one is open: commits its writes, or drops them when
    /// `rollback` is set or one of its statements failed. Returns the commit's sequence
    /// (`None` if nothing was written). A commit that fails (SQLSTATE 40001 when another
    /// transaction wrote the same keys first) applies nothing and still ends the block.
    pub fn end_implicit(&mut self, rollback: bool) -> Result<Option<u64>> {
        if !self.in_implicit_block() {
            return Ok(None);
        }
        match self.txn.take() {
            Some(txn) if !rollback && !txn.failed => self.commit(txn),
            _ => {
                self.forget_pending_sequences();
                Ok(None)
            }
        }
    }

    /// Writes a transaction's operations as one ledger record.
    fn commit(&mut self, mut txn: Txn) -> Result<Option<u64>> {
        // The sequences it created are written as it left them.
        self.taken.lock().recover().settle(&mut txn.ops);
        if txn.ops.is_empty() {
            return Ok(None);
        }
        let writes = written_keys(&txn.snapshot.overlay);
        let store = self.db.store();
        let commit =
            blocking(|| store.commit(Transaction { ops: txn.ops }, txn.snapshot.seq, &writes))
                .map_err(projector_error)?;
        self.settings.last_commit = Some(commit.seq);
        Ok(Some(commit.seq))
    }

    /// The sequence a statement outside a transaction reads: the session's pinned point,
    /// or the newest.
    fn read_point(&self) -> Option<u64> {
        self.settings.as_of.or_else(|| self.db.last_sequence())
    }

    /// Parses `sql` for [`Session::execute_statement`]; a syntax error inside a transaction
    /// aborts it, as in PostgreSQL.
    pub fn parse(&mut self, sql: &str) -> Result<Vec<Statement>> {
        crate::parse(sql).inspect_err(|_| self.fail())
    }

    /// Runs every statement of `sql`, in order, stopping at the first error.
    pub async fn execute(&mut self, sql: &str) -> Result<Vec<Outcome>> {
        let statements = self.parse(sql)?;
        let mut outcomes = Vec::with_capacity(statements.len());
        for statement in statements {
            outcomes.push(self.execute_statement(statement).await?);
        }
        Ok(outcomes)
    }

    /// Runs one parsed statement.
    pub async fn execute_statement(&mut self, statement: Statement) -> Result<Outcome> {
        if self.copy_in.is_some() {
            return Err(Error::Execution {
                message: "a COPY FROM STDIN is waiting for its data".to_string(),
                sqlstate: SqlState::PROTOCOL_VIOLATION,
            });
        }
        if let Statement::Sql(sql) = &statement
            && let Some(outcome) = self.transaction_control(&sql.statement)?
        {
            return Ok(outcome);
        }
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(Error::InFailedTransaction);
        }
        // Until its first write, an implicit block reads what autocommit would.
        if self
            .txn
            .as_ref()
            .is_some_and(|t| t.implicit && t.ops.is_empty())
        {
            let read_point = self.read_point();
            if let Some(txn) = &mut self.txn {
                txn.snapshot.seq = read_point;
            }
        }
        // A statement's future is large (DataFusion planning, DML, DDL inside it): on the
        // heap, so a caller's stack holds only a pointer to it.
        let timeout = self.settings.statement_timeout();
        let result = match (self.interrupt.take(), timeout) {
            (None, None) => Box::pin(self.run(statement)).await,
            (mut signal, timeout) => {
                // A cancel request, or `statement_timeout` running out: whichever comes
                // first stops the statement as a cancel does.
                let cancelled = async {
                    match &mut signal {
                        Some(signal) => signal.await,
                        None => std::future::pending().await,
                    }
                };
                let timed_out = async {
                    match timeout {
                        Some(timeout) => tokio::time::sleep(timeout).await,
                        None => std::future::pending().await,
                    }
                };
                let stop = futures::future::select(Box::pin(cancelled), Box::pin(timed_out));
                // The statement first: one that finished (and perhaps committed) in the
                // same poll as the signal reports its real outcome.
                let finished = {
                    let run = Box::pin(self.run(statement));
                    match futures::future::select(run, stop).await {
                        Either::Left((result, _)) => Ok(result),
                        Either::Right((Either::Left(_), _)) => Err("user request"),
                        Either::Right((Either::Right(_), _)) => Err("statement timeout"),
                    }
                };
                // The signal lasts until it fires (a timeout does not use it up).
                if !matches!(finished, Err("user request")) {
                    self.interrupt = signal;
                }
                finished.unwrap_or_else(|why| {
                    Err(Error::Execution {
                        message: format!("canceling statement due to {why}"),
                        sqlstate: SqlState::QUERY_CANCELED,
                    })
                })
            }
        };
        if result.is_err() {
            self.fail();
        }
        result
    }

    /// Aborts the open transaction, implicit or not, as every error does in PostgreSQL: for
    /// errors outside the session's statements (a parameter that does not decode, an
    /// unknown portal); its own statements' errors already do.
    pub fn abort_transaction(&mut self) {
        self.fail();
    }

    fn fail(&mut self) {
        if let Some(txn) = &mut self.txn {
            txn.failed = true;
        }
    }

    /// `BEGIN`, `COMMIT`, `ROLLBACK` and savepoints; `None` for any other statement.
    fn transaction_control(&mut self, statement: &Ast) -> Result<Option<Outcome>> {
        let outcome = match statement {
            Ast::StartTransaction {
                statements, modes, ..
            } if statements.is_empty() => {
                let read_only = transaction_modes(modes)?;
                // BEGIN makes an implicit block an ordinary one, keeping its writes.
                if let Some(txn) = self.txn.as_mut().filter(|t| t.implicit) {
                    txn.implicit = false;
                    txn.read_only |= read_only == Some(true);
                    return Ok(Some(Outcome::command("BEGIN", None)));
                }
                // PostgreSQL warns and carries on when a transaction is already open.
                if self.txn.is_some() {
                    return Ok(Some(Outcome::command("BEGIN", None).with_notice(
                        "WARNING",
                        SqlState::ACTIVE_SQL_TRANSACTION,
                        "there is already a transaction in progress".to_string(),
                    )));
                }
                let mut txn = Txn::new(self.read_point(), false);
                txn.read_only = read_only == Some(true);
                self.txn = Some(txn);
                Outcome::command("BEGIN", None)
            }
            Ast::Set(sqlparser::ast::Set::SetTransaction {
                modes,
                snapshot: None,
                session: false,
            }) => {
                let read_only = transaction_modes(modes)?;
                let outcome = Outcome::command("SET", None);
                match self.txn.as_mut() {
                    // A transaction that has written cannot become read-only: PostgreSQL
                    // refuses the change after its first query; DriftDB only after a write.
                    Some(txn) if read_only == Some(true) => {
                        txn.read_only = true;
                        outcome
                    }
                    Some(txn) if read_only == Some(false) && txn.read_only => {
                        return Err(Error::Execution {
                            message: "transaction read-write mode must be set before any query"
                                .to_string(),
                            sqlstate: SqlState::ACTIVE_SQL_TRANSACTION,
                        });
                    }
                    Some(_) => outcome,
                    None => outcome.with_notice(
                        "WARNING",
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SET TRANSACTION can only be used in transaction blocks".to_string(),
                    ),
                }
            }
            // COMMIT and ROLLBACK also end an implicit block, warning as without one.
            Ast::Commit { chain: false, .. } => match self.txn.take() {
                None => no_transaction("COMMIT", None),
                Some(txn) if txn.failed => {
                    self.forget_pending_sequences();
                    Outcome::command("ROLLBACK", None)
                }
                Some(txn) => {
                    let implicit = txn.implicit;
                    let seq = self.commit(txn)?;
                    match implicit {
                        true => no_transaction("COMMIT", seq),
                        false => Outcome::command("COMMIT", seq),
                    }
                }
            },
            Ast::Rollback {
                chain: false,
                savepoint: None,
            } => {
                self.forget_pending_sequences();
                match self.txn.take() {
                    Some(txn) if !txn.implicit => Outcome::command("ROLLBACK", None),
                    _ => no_transaction("ROLLBACK", None),
                }
            }
            Ast::Rollback {
                chain: false,
                savepoint: Some(name),
            } => {
                let txn = self.in_block("ROLLBACK TO SAVEPOINT")?;
                let at = find_savepoint(txn, &name.value)?;
                let savepoint = &txn.savepoints[at];
                txn.ops.truncate(savepoint.ops);
                txn.snapshot = savepoint.snapshot.clone();
                txn.savepoints.truncate(at + 1);
                txn.failed = false;
                Outcome::command("ROLLBACK", None)
            }
            Ast::Savepoint { name } => {
                let txn = self.in_block("SAVEPOINT")?;
                if txn.failed {
                    return Err(Error::InFailedTransaction);
                }
                txn.savepoints.push(Savepoint {
                    name: name.value.clone(),
                    ops: txn.ops.len(),
                    snapshot: txn.snapshot.clone(),
                });
                Outcome::command("SAVEPOINT", None)
            }
            Ast::ReleaseSavepoint { name } => {
                let txn = self.in_block("RELEASE SAVEPOINT")?;
                if txn.failed {
                    return Err(Error::InFailedTransaction);
                }
                let at = find_savepoint(txn, &name.value)?;
                txn.savepoints.truncate(at);
                Outcome::command("RELEASE", None)
            }
            Ast::StartTransaction { .. } | Ast::Commit { .. } | Ast::Rollback { .. } => {
                return Err(unsupported("transaction blocks with bodies or AND CHAIN"));
            }
            _ => return Ok(None),
        };
        Ok(Some(outcome))
    }

    /// `LOCK TABLE t, ... IN { ACCESS SHARE | ROW SHARE | ROW EXCLUSIVE } MODE`, in a block.
    /// DriftDB takes no table locks: a transaction reads the snapshot it began with, whatever
    /// commits meanwhile, and its writes conflict at commit (40001). So the modes that only
    /// keep a table from being dropped or altered under a reader or writer are granted at
    /// once, as nothing they guard against can reach the transaction; the modes that would
    /// keep other sessions from writing (`SHARE` and stronger, and `ACCESS EXCLUSIVE`, the
    /// default) are 0A000.
    fn lock_tables(&mut self, lock: &sqlparser::ast::Lock) -> Result<Outcome> {
        use sqlparser::ast::LockTableMode;
        self.in_block("LOCK TABLE")?;
        let granted = matches!(
            lock.lock_mode,
            Some(
                LockTableMode::AccessShare | LockTableMode::RowShare | LockTableMode::RowExclusive
            )
        );
        if !granted {
            let mode = lock
                .lock_mode
                .as_ref()
                .map_or_else(|| "ACCESS EXCLUSIVE".to_string(), ToString::to_string);
            return Err(unsupported(&format!(
                "LOCK TABLE ... IN {mode} MODE: DriftDB takes no table locks (a transaction reads one snapshot, and conflicting writes fail at commit with 40001)"
            )));
        }
        let snapshot = self.snapshot();
        for target in &lock.tables {
            self.schema_at(&crate::schemas::table_name(&target.name)?, &snapshot)?;
        }
        Ok(Outcome::command("LOCK TABLE", None))
    }

    fn in_block(&mut self, what: &str) -> Result<&mut Txn> {
        self.txn
            .as_mut()
            .filter(|t| !t.implicit)
            .ok_or_else(|| Error::Execution {
                message: format!("{what} can only be used in transaction blocks"),
                sqlstate: SqlState::NO_ACTIVE_SQL_TRANSACTION,
            })
    }

    /// Runs `statement`, recording it in the audit trail with its outcome if it is one the
    /// trail keeps (`crate::audit::audited`).
    async fn run(&mut self, statement: Statement) -> Result<Outcome> {
        let audited = crate::audit::audited(&statement);
        let result = self.run_statement(statement).await;
        if let Some(audited) = audited {
            let outcome = match &result {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("{}: {e}", e.sqlstate())),
            };
            let mut event = crate::audit::Event::new(
                crate::audit::Kind::Statement,
                self.origin,
                self.role(),
                audited.action,
                audited.object.as_deref(),
                outcome,
            );
            event.detail = audited.detail;
            self.db.audit(event);
        }
        result
    }

    async fn run_statement(&mut self, mut statement: Statement) -> Result<Outcome> {
        self.resolve_temporary(&mut statement)?;
        if let Statement::Sql(sql) = &mut statement {
            self.expand_views(&mut sql.statement)?;
        }
        match &statement {
            Statement::Sql(sql) => {
                self.refuse_projection_target(&sql.statement)?;
                self.authorize(&sql.statement)?;
            }
            Statement::Checkpoint { .. } => self.require_superuser("CHECKPOINT")?,
            Statement::Vacuum { .. } => self.require_superuser("VACUUM")?,
            Statement::SetHistoryRetention { .. } => self.require_superuser("ALTER TABLE")?,
            Statement::AlterSequence(_) => self.require_superuser("ALTER SEQUENCE")?,
            Statement::AlterRelation(alter) => {
                self.require_superuser(&format!("ALTER {}", alter.kind))?;
            }
            Statement::Projection(_)
            | Statement::SetConstraints { .. }
            | Statement::BrokerGrant(_) => {}
        }
        match statement {
            Statement::Sql(sql) => match sql.statement {
                Ast::Lock(lock) => self.lock_tables(&lock),
                query @ (Ast::Query(_) | Ast::Explain { .. }) => {
                    let explain = matches!(query, Ast::Explain { .. });
                    let rows = self
                        .query(query)
                        .await
                        .inspect_err(|_| self.drop_set_config())?;
                    self.take_set_config()?;
                    Ok(Outcome {
                        tag: if explain {
                            CommandTag::new("EXPLAIN")
                        } else {
                            CommandTag::rows("SELECT", rows.len())
                        },
                        rows: Some(rows),
                        seq: None,
                        notices: Vec::new(),
                        copy: None,
                    })
                }
                write @ (Ast::Insert(_) | Ast::Update(_) | Ast::Delete(_)) => {
                    self.write_rows(write, sql.overriding).await
                }
                Ast::Set(set) => self.set(&set),
                Ast::ShowVariable { variable } => self.show(&variable),
                Ast::Reset(reset) => self.reset_statement(&reset.reset),
                copy @ Ast::Copy { .. } => self.copy(copy).await,
                Ast::Prepare {
                    name,
                    data_types,
                    statement,
                } => self.prepare(&name, data_types, *statement),
                Ast::Execute {
                    name,
                    parameters,
                    immediate: false,
                    into,
                    using,
                    output: false,
                    default: false,
                    ..
                } if into.is_empty() && using.is_empty() => {
                    self.execute_prepared(name.as_ref(), parameters).await
                }
                Ast::Deallocate { name, .. } => self.deallocate(&name),
                other => match self.role_statement(&other)? {
                    Some(write) => self.finish_write(write, None),
                    None => self.ddl(other).await,
                },
            },
            Statement::Checkpoint { table } => {
                self.outside_block("CHECKPOINT")?;
                let name = crate::schemas::table_name(&table)?;
                self.schema_at(&name, &self.snapshot())?;
                let seq = self.db.store().checkpoint().map_err(projector_error)?;
                Ok(Outcome::command("CHECKPOINT", seq))
            }
            Statement::Vacuum { table } => {
                self.outside_block("VACUUM")?;
                self.vacuum(table.as_ref()).await
            }
            Statement::Projection(statement) => self.projection_statement(*statement),
            Statement::AlterSequence(alter) => self.alter_sequence(*alter),
            Statement::AlterRelation(alter) => self.alter_relation(*alter),
            Statement::SetConstraints { names, deferred } => {
                self.set_constraints(names.as_deref(), deferred)
            }
            Statement::BrokerGrant(grant) => {
                let write = self.broker_grant(*grant)?;
                self.finish_write(write, None)
            }
            Statement::SetHistoryRetention { table, retention } => {
                self.outside_block("ALTER TABLE")?;
                let table = crate::schemas::table_name(&table)?;
                self.schema_at(&table, &self.snapshot())?;
                let micros = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
                let write = Write {
                    ops: vec![LedgerOp::SetHistoryRetention {
                        table,
                        micros: Some(micros),
                    }],
                    tag: "ALTER TABLE".into(),
                    rows: None,
                };
                self.finish_write(write, None)
            }
        }
    }

    fn outside_block(&self, what: &str) -> Result<()> {
        if self.txn.is_some() {
            return Err(Error::Execution {
                message: format!("{what} cannot run inside a transaction block"),
                sqlstate: SqlState::ACTIVE_SQL_TRANSACTION,
            });
        }
        Ok(())
    }

    /// The snapshot a statement reads now.
    fn snapshot(&self) -> Snapshot {
        self.snapshot_ref().into_owned()
    }

    /// The snapshot a statement reads now, borrowed from the open transaction if there is one.
    fn snapshot_ref(&self) -> std::borrow::Cow<'_, Snapshot> {
        match &self.txn {
            Some(txn) => std::borrow::Cow::Borrowed(&txn.snapshot),
            None => std::borrow::Cow::Owned(Snapshot {
                seq: self.read_point(),
                ..Snapshot::default()
            }),
        }
    }

    /// `INSERT`, `UPDATE`, `DELETE`. Autocommit writes that lose a write-write race are
    /// planned again on a fresh snapshot.
    async fn write_rows(
        &mut self,
        statement: Ast,
        overriding: Option<crate::parser::Overriding>,
    ) -> Result<Outcome> {
        let mut attempt = 1;
        loop {
            let snapshot = self.snapshot();
            let write = match statement.clone() {
                Ast::Insert(insert) => self.insert(insert, overriding, &snapshot).await?,
                Ast::Update(update) => self.update(update, &snapshot).await?,
                Ast::Delete(delete) => self.delete(delete, &snapshot).await?,
                _ => return Err(unsupported("internal: not a row write")),
            };
            self.check_rows(&write.ops, &snapshot).await?;
            // The statement's snapshot shares the overlay: let go of it first, so laying the
            // writes over the transaction's overlay does not copy it.
            let read_seq = snapshot.seq;
            drop(snapshot);
            match self.finish_write(write, read_seq) {
                Err(Error::SerializationFailure { .. })
                    if self.txn.is_none() && attempt < AUTOCOMMIT_ATTEMPTS =>
                {
                    // The winner may still wait for its fsync: plan again once it is visible.
                    let store = self.db.store();
                    blocking(|| store.settle()).map_err(projector_error)?;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Commits a planned write (autocommit) or adds it to the open transaction.
    /// `read_seq` is the sequence the statement read at (autocommit's conflict check).
    fn finish_write(&mut self, write: Write, read_seq: Option<u64>) -> Result<Outcome> {
        let Write { ops, tag, rows } = write;
        if let Some(seq) = self.settings.as_of
            && !ops.is_empty()
        {
            return Err(Error::Execution {
                message: format!(
                    "driftdb.as_of pins this session's reads to @SEQ:{seq}: the past is read-only (RESET driftdb.as_of to write)"
                ),
                sqlstate: SqlState::READ_ONLY_SQL_TRANSACTION,
            });
        }
        if self.txn.as_ref().is_some_and(|t| t.read_only) && !ops.is_empty() {
            return Err(Error::Execution {
                message: format!(
                    "cannot execute {} in a read-only transaction",
                    tag.command()
                ),
                sqlstate: SqlState::READ_ONLY_SQL_TRANSACTION,
            });
        }
        self.refuse_projection_writes(&ops)?;
        if ops.is_empty() {
            return Ok(Outcome {
                tag,
                rows,
                seq: None,
                notices: Vec::new(),
                copy: None,
            });
        }
        let Some(txn) = self.txn.as_ref() else {
            let mut view = Snapshot {
                seq: read_seq,
                ..Snapshot::default()
            };
            self.lay_over(&mut view, &ops)?;
            let writes = written_keys(&view.overlay);
            let read_seq = if writes.is_empty() { None } else { read_seq };
            let store = self.db.store();
            let commit = blocking(|| store.commit(Transaction { ops }, read_seq, &writes))
                .map_err(projector_error)?;
            self.settings.last_commit = Some(commit.seq);
            return Ok(Outcome {
                tag,
                rows,
                seq: Some(commit.seq),
                notices: Vec::new(),
                copy: None,
            });
        };
        if ops.iter().any(|op| {
            matches!(
                op,
                LedgerOp::SetHistoryRetention { .. } | LedgerOp::Vacuum { .. }
            )
        }) {
            return Err(unsupported(
                "changing history retention inside a transaction block; run it outside BEGIN ... COMMIT",
            ));
        }
        // Constraints are checked as the statement ends: each new row against its table's
        // schema (types, NOT NULL), and, for tables with UNIQUE constraints, all of the
        // transaction's changes to them against the table as it is now. COMMIT checks the
        // whole transaction once more.
        let mut touched = BTreeSet::new();
        // Tables this statement creates (the table of sequences, with its first row).
        let creates: BTreeMap<&str, &TableSchema> = ops
            .iter()
            .filter_map(|op| match op {
                LedgerOp::CreateTable(schema) => Some((schema.name(), schema)),
                _ => None,
            })
            .collect();
        for op in &ops {
            let table = op.table();
            if let LedgerOp::Upsert { row, .. } = op {
                match creates.get(table) {
                    Some(schema) => schema.validate_row(row),
                    None => self.schema_at(table, &txn.snapshot)?.validate_row(row),
                }
                .map_err(projector_error)?;
            }
            if op.is_row_change() {
                touched.insert(table.to_string());
            }
        }
        for table in &touched {
            if creates.contains_key(table.as_str()) {
                continue;
            }
            let schema = self.schema_at(table, &txn.snapshot)?;
            if schema.unique().is_empty() {
                continue;
            }
            let changes_in = |ops: &mut dyn Iterator<Item = &LedgerOp>| -> Vec<Change> {
                ops.filter(|op| op.table() == table)
                    .filter_map(LedgerOp::row_change)
                    .collect()
            };
            let changes = || changes_in(&mut txn.ops.iter().chain(&ops));
            // A table the transaction renamed or altered holds rows it carried, which are
            // not among its ops.
            let carried = txn.ops.iter().any(|op| match op {
                LedgerOp::RenameTable { to, .. } => to == table,
                LedgerOp::AlterTable { table: altered, .. } => altered == table,
                _ => false,
            });
            match txn.snapshot.created.get(table) {
                // Its rows as the transaction has them, against this statement's changes.
                Some(_) if carried => {
                    let mut checked = Table::new(schema);
                    let rows: Vec<Change> = self
                        .rows_in_view(table, &txn.snapshot)?
                        .into_iter()
                        .map(Change::Upsert)
                        .collect();
                    checked.apply(1, 1, rows).map_err(projector_error)?;
                    checked.check(&changes_in(&mut ops.iter()))
                }
                Some(_) => Table::new(schema).check(&changes()),
                None => {
                    let db = self.db.store().read();
                    let shared = db.table(table).map_err(projector_error)?;
                    driftdb_projector::database::read(shared).check(&changes())
                }
            }
            .map_err(projector_error)?;
        }
        self.check_foreign_keys(&txn.ops, &ops)?;
        for op in &ops {
            let table = op.table();
            if matches!(op, LedgerOp::AddUnique { .. })
                && !txn.snapshot.created.contains_key(table)
                && txn
                    .ops
                    .iter()
                    .chain(&ops)
                    .any(|o| o.is_row_change() && o.table() == table)
            {
                return Err(writes_constrained(table));
            }
        }
        if ops.iter().any(|op| !op.is_row_change()) {
            // DDL: the whole transaction must still make sense (tables exist, index names).
            self.db
                .store()
                .read()
                .check_with(
                    &Transaction {
                        ops: txn.ops.iter().chain(&ops).cloned().collect(),
                    },
                    &|fk| !self.is_deferred(fk),
                )
                .map_err(projector_error)?;
        }
        // A failure from here on leaves the transaction failed (the caller marks it), and a
        // failed transaction only rolls back, so a half-laid overlay is never read.
        let mut view = match self.txn.as_mut() {
            Some(txn) => std::mem::take(&mut txn.snapshot),
            None => Snapshot::default(),
        };
        let laid = self.lay_over(&mut view, &ops);
        if let Some(txn) = self.txn.as_mut() {
            txn.snapshot = view;
            self.taken.lock().recover().note(&ops);
            txn.catalog_ops |= ops
                .iter()
                .any(|op| !op.is_row_change() || crate::sequences::is_internal(op.table()));
            txn.ops.extend(ops);
        }
        laid?;
        Ok(Outcome {
            tag,
            rows,
            seq: None,
            notices: Vec::new(),
            copy: None,
        })
    }

    /// Lays `ops` over the snapshot: each written key's new row (`None` for a deleted one;
    /// `TRUNCATE` deletes every key visible), and the tables created and dropped.
    fn lay_over(&self, view: &mut Snapshot, ops: &[LedgerOp]) -> Result<()> {
        for op in ops {
            let table = op.table().to_string();
            if op.is_row_change() && view.constrained.contains(&table) {
                return Err(writes_constrained(&table));
            }
            match op {
                LedgerOp::Upsert { row, .. } => {
                    let key = self.schema_at(&table, view)?.key_of(row);
                    Arc::make_mut(view.overlay.entry(table).or_default())
                        .insert(key, Some(row.clone()));
                }
                LedgerOp::Delete { key, .. } => {
                    Arc::make_mut(view.overlay.entry(table).or_default()).insert(key.clone(), None);
                }
                LedgerOp::Truncate { .. } => {
                    let mut keys = Vec::new();
                    if let (Some(seq), false) = (view.seq, view.created.contains_key(&table)) {
                        let store = self.db.store().read();
                        let shared = store.table_at(&table, seq).map_err(projector_error)?;
                        let t = driftdb_projector::database::read(shared);
                        let schema = t.schema().clone();
                        for v in t.scan(seq).map_err(projector_error)? {
                            keys.push(schema.key_of(v.row));
                        }
                    }
                    let entry = Arc::make_mut(view.overlay.entry(table).or_default());
                    for row in entry.values_mut() {
                        *row = None;
                    }
                    for key in keys {
                        entry.insert(key, None);
                    }
                }
                LedgerOp::CreateTable(schema) => {
                    view.dropped.remove(&table);
                    view.overlay.remove(&table);
                    view.created
                        .insert(table, Arc::new(RwLock::new(Table::new(schema.clone()))));
                }
                LedgerOp::DropTable { .. } => {
                    // The old name is a committed table's (one made in the transaction is
                    // not renamed in it), perhaps altered in the transaction.
                    view.overlay.remove(&table);
                    view.created.remove(&table);
                    view.dropped.insert(table);
                }
                // A new schema, in a transaction: from here on it reads the table as one it
                // made, holding its rows (carried over, as committing will) in the overlay,
                // with the keys it deleted still there as deleted. (Autocommit needs no
                // view: the ledger carries the rows current when it commits.)
                LedgerOp::AlterTable {
                    schema,
                    carry,
                    fill,
                    ..
                } if self.txn.is_some() => {
                    let rows = self.rows_in_view(&table, view)?;
                    let mut overlay: Overlay = view
                        .overlay
                        .get(&table)
                        .map(|o| {
                            o.iter()
                                .filter(|(_, row)| row.is_none())
                                .map(|(k, _)| (k.clone(), None))
                                .collect()
                        })
                        .unwrap_or_default();
                    for row in rows {
                        let carried =
                            driftdb_projector::database::carry_row(&row, schema, carry, fill);
                        overlay.insert(schema.key_of(&carried), Some(carried));
                    }
                    view.overlay.insert(table.clone(), Arc::new(overlay));
                    view.created
                        .insert(table, Arc::new(RwLock::new(Table::new(schema.clone()))));
                }
                // A rename, in a transaction: the old name ends, and the new one is a table
                // it made, holding the rows (as committing carries them).
                LedgerOp::RenameTable { to, .. } if self.txn.is_some() => {
                    let schema = self.schema_at(&table, view)?.renamed(to);
                    let rows = self.rows_in_view(&table, view)?;
                    let overlay: Overlay = rows
                        .into_iter()
                        .map(|row| (schema.key_of(&row), Some(row)))
                        .collect();
                    // The old name is a committed table's (one made in the transaction is
                    // not renamed in it), perhaps altered in the transaction.
                    view.overlay.remove(&table);
                    view.created.remove(&table);
                    view.dropped.insert(table);
                    view.overlay.insert(to.clone(), Arc::new(overlay));
                    view.created
                        .insert(to.clone(), Arc::new(RwLock::new(Table::new(schema))));
                }
                LedgerOp::CreateIndex { index, .. } => {
                    change_private(view, &table, |t| t.create_index(index.clone()))?;
                }
                LedgerOp::DropIndex { name, .. } => {
                    change_private(view, &table, |t| t.drop_index(name))?;
                }
                // A unique constraint applies to a table the transaction created, whose
                // rows it checks as they are written; the ledger checks one added to an
                // existing table against its rows at commit, so the transaction must not
                // write that table's rows (or the statement would miss its own).
                LedgerOp::AddUnique { constraint, .. } => {
                    let created =
                        change_private(view, &table, |t| t.add_unique(constraint.clone()))?;
                    if !created {
                        view.constrained.insert(table);
                    }
                }
                LedgerOp::DropUnique { name, .. } => {
                    change_private(view, &table, |t| t.drop_unique(name))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The rows of DriftDB's own table `table` (schemas, comments, owners) as `snapshot`
    /// has them, read by `of_row`; none before the first statement that makes it.
    fn internal_rows<T>(
        &self,
        table: &str,
        snapshot: &Snapshot,
        of_row: fn(&Row) -> Option<T>,
    ) -> Vec<T> {
        if self.schema_at(table, snapshot).is_err() {
            return Vec::new();
        }
        self.rows_in_view(table, snapshot)
            .unwrap_or_default()
            .iter()
            .filter_map(of_row)
            .collect()
    }

    /// The rows of `table` as `view` sees them: at its sequence, under its own writes.
    fn rows_in_view(&self, table: &str, view: &Snapshot) -> Result<Vec<Row>> {
        let overlay = view.overlay.get(table);
        let mut rows: Vec<Row> = overlay
            .map(|o| o.values().flatten().cloned().collect())
            .unwrap_or_default();
        if view.created.contains_key(table) {
            return Ok(rows);
        }
        let Some(seq) = view.seq else {
            return Ok(rows);
        };
        let db = self.db.store().read();
        let shared = db.table_at(table, seq).map_err(projector_error)?;
        let t = driftdb_projector::database::read(shared);
        let schema = t.schema().clone();
        for v in t.scan(seq).map_err(projector_error)? {
            if !overlay.is_some_and(|o| o.contains_key(&schema.key_of(v.row))) {
                rows.push(v.row.clone());
            }
        }
        Ok(rows)
    }

    /// The schema of `table` as `snapshot` sees it.
    fn schema_at(&self, table: &str, snapshot: &Snapshot) -> Result<TableSchema> {
        self.with_schema_at(table, snapshot, TableSchema::clone)
    }

    /// `f` of the schema of `table` as `snapshot` sees it, without copying it.
    fn with_schema_at<T>(
        &self,
        table: &str,
        snapshot: &Snapshot,
        f: impl FnOnce(&TableSchema) -> T,
    ) -> Result<T> {
        let missing = || Error::UndefinedTable {
            name: table.to_string(),
        };
        if let Some(private) = snapshot.created.get(table) {
            return Ok(f(driftdb_projector::database::read(private).schema()));
        }
        if snapshot.dropped.contains(table) {
            return Err(missing());
        }
        let db = self.db.store().read();
        let seq = snapshot.seq.ok_or_else(missing)?;
        let shared = db.table_at(table, seq).map_err(|_| missing())?;
        Ok(f(driftdb_projector::database::read(shared).schema()))
    }

    /// The name of the hidden row identity of `table` read at `version` (none, or a version
    /// range: at `snapshot`), if it has one: `*` leaves it out.
    fn row_id_column(
        &self,
        table: &str,
        version: Option<&sqlparser::ast::TableVersion>,
        snapshot: &Snapshot,
    ) -> Option<String> {
        let name = |schema: &TableSchema| schema.row_id().map(|i| schema.columns()[i].name.clone());
        if let Some(version) = version {
            let resolver = time_resolver(self.db.store());
            if let Ok(ReadPoint::AsOf(seq)) = crate::engine::read_point_of(version, Some(&resolver))
            {
                let db = self.db.store().read();
                let shared = db.table_at(table, seq).ok()?;
                return name(driftdb_projector::database::read(shared).schema());
            }
        }
        self.with_schema_at(table, snapshot, name).ok().flatten()
    }

    /// The columns `*` shows of `table` read at `version` (none: at `snapshot`), and its
    /// primary key; `None` for a version range (whose `*` shows its pseudo-columns) or a
    /// table that is not there.
    fn visible_columns(
        &self,
        table: &str,
        version: Option<&sqlparser::ast::TableVersion>,
        snapshot: &Snapshot,
        projected: &[String],
    ) -> Option<crate::wildcard::Visible> {
        let schema = match version {
            None => self.schema_at(table, snapshot).ok()?,
            Some(version) => {
                let resolver = time_resolver(self.db.store());
                let ReadPoint::AsOf(seq) =
                    crate::engine::read_point_of(version, Some(&resolver)).ok()?
                else {
                    return None;
                };
                let db = self.db.store().read();
                let shared = db.table_at(table, seq).ok()?;
                driftdb_projector::database::read(shared).schema().clone()
            }
        };
        let hidden: &[&str] = if projected.iter().any(|p| p == table) {
            &driftdb_projector::projection::SOURCE_COLUMNS
        } else {
            &[]
        };
        let columns = schema.columns();
        Some(crate::wildcard::Visible {
            columns: columns
                .iter()
                .filter(|c| !c.is_hidden() && !hidden.contains(&c.name.as_str()))
                .map(|c| c.name.clone())
                .collect(),
            key: schema
                .primary_key()
                .iter()
                .filter_map(|&i| columns.get(i).map(|c| c.name.clone()))
                .collect(),
        })
    }

    /// A query engine over every table at `snapshot`, with `FOR SYSTEM_TIME` references
    /// resolved through every incarnation a name has had.
    fn engine(&self, snapshot: &Snapshot) -> Result<QueryEngine> {
        let engine = QueryEngine::with_runtime(Arc::clone(&self.runtime)).map_err(execution)?;
        engine
            .set_time_resolver(time_resolver(self.db.store()))
            .map_err(execution)?;
        engine
            .set_latest_sequence(self.db.last_sequence())
            .map_err(execution)?;
        let db = self.db.store().read();
        for name in db.table_names_ever() {
            let incarnations = db
                .incarnations(name)
                .iter()
                .filter(|i| i.was_live())
                .cloned()
                .collect::<Vec<_>>();
            if incarnations.is_empty() {
                // Made and dropped by one record: no read ever saw it.
                continue;
            }
            engine
                .tables()
                .insert_incarnations(name, incarnations)
                .map_err(execution)?;
            let Some(seq) = snapshot.seq else { continue };
            if snapshot.dropped.contains(name) || snapshot.created.contains_key(name) {
                continue;
            }
            let Ok(table) = db.table_at(name, seq) else {
                continue;
            };
            let mut provider =
                provider_for(Arc::clone(table), ReadPoint::AsOf(seq)).map_err(execution)?;
            if let Some(overlay) = snapshot.overlay.get(name) {
                provider = provider
                    .with_overlay(Arc::clone(overlay))
                    .map_err(execution)?;
            }
            engine
                .context()
                .register_table(TableReference::bare(name), Arc::new(provider))
                .map_err(execution)?;
        }
        drop(db);
        for (name, table) in &snapshot.created {
            let point = ReadPoint::AsOf(snapshot.seq.unwrap_or(0));
            let mut provider = provider_for(Arc::clone(table), point).map_err(execution)?;
            if let Some(overlay) = snapshot.overlay.get(name) {
                provider = provider
                    .with_overlay(Arc::clone(overlay))
                    .map_err(execution)?;
            }
            engine
                .register_provider(name, Arc::clone(table), provider)
                .map_err(execution)?;
        }
        Ok(engine)
    }

    /// `statement` answered by [`crate::point`] if it is a point read by primary key of a
    /// table the transaction has not touched; `None` to plan it.
    fn point_read(&self, statement: &Ast, snapshot: &Snapshot) -> Option<Rows> {
        let query = crate::point::PointQuery::of(statement)?;
        let seq = self.point_seq(&query, snapshot)?;
        query.read(&self.db.store().read(), seq)
    }

    /// What `describe` says of a point read with parameters for its key (see
    /// [`crate::point::PointQuery::describe`]).
    fn point_describe(
        &self,
        statement: &Ast,
        snapshot: &Snapshot,
    ) -> Option<(
        Vec<(usize, datafusion::arrow::datatypes::FieldRef)>,
        datafusion::arrow::datatypes::SchemaRef,
    )> {
        let query = crate::point::PointQuery::of(statement)?;
        let seq = self.point_seq(&query, snapshot)?;
        query.describe(&self.db.store().read(), seq)
    }

    /// The sequence a point read reads at: `None` if the point path should not serve it
    /// (a table the transaction touched, a point out of range).
    fn point_seq(&self, query: &crate::point::PointQuery<'_>, snapshot: &Snapshot) -> Option<u64> {
        let table = query.table.as_str();
        if snapshot.overlay.contains_key(table)
            || snapshot.created.contains_key(table)
            || snapshot.dropped.contains(table)
        {
            return None;
        }
        Some(match query.version {
            None => snapshot.seq?,
            Some(version) => {
                // Resolved before the read lock below: resolving a time takes it too.
                let resolver = time_resolver(self.db.store());
                match crate::engine::read_point_of(version, Some(&resolver)).ok()? {
                    ReadPoint::AsOf(seq) if self.db.last_sequence().is_some_and(|l| seq <= l) => {
                        seq
                    }
                    _ => return None,
                }
            }
        })
    }

    /// Registers each sequence `statement` reads as a relation (`SELECT last_value,
    /// is_called FROM orders_id_seq`, as `pg_dump` reads them) as PostgreSQL's one-row
    /// relation of it: the last value handed out (or the next one while `is_called` is
    /// false), `log_cnt` 0.
    fn register_sequence_relations(
        &self,
        statement: &Ast,
        engine: &QueryEngine,
        snapshot: &Snapshot,
    ) -> Result<()> {
        use datafusion::arrow::array::{BooleanArray, Int64Array};
        use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
        let mut names = Vec::new();
        let _ = sqlparser::ast::visit_relations(statement, |relation| {
            let parts: Vec<String> = relation
                .0
                .iter()
                .filter_map(|p| p.as_ident().map(crate::schemas::ident_name))
                .collect();
            // Resolved (`crate::session::schemas`): a sequence is named by its stored name.
            if let [name] = parts.as_slice()
                && !names.contains(name)
            {
                names.push(name.clone());
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        for name in names {
            if engine
                .context()
                .table_exist(TableReference::bare(name.as_str()))
                .unwrap_or(true)
                || crate::sequences::is_internal(&name)
            {
                continue;
            }
            let Some(sequence) = self.sequence_at(&name, snapshot) else {
                continue;
            };
            let handed_out = self.db.sequences().handed_out(self.db.store(), &name);
            let schema = Arc::new(Schema::new(vec![
                Field::new("last_value", Arrow::Int64, false),
                Field::new("log_cnt", Arrow::Int64, false),
                Field::new("is_called", Arrow::Boolean, false),
            ]));
            let batch = datafusion::arrow::record_batch::RecordBatch::try_new(
                Arc::clone(&schema),
                vec![
                    Arc::new(Int64Array::from(vec![
                        handed_out.unwrap_or(sequence.last_value),
                    ])),
                    Arc::new(Int64Array::from(vec![0])),
                    Arc::new(BooleanArray::from(vec![
                        handed_out.is_some() || sequence.is_called,
                    ])),
                ],
            )
            .map_err(|e| crate::error::arrow_error(&e))?;
            let table = datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]])
                .map_err(execution)?;
            engine
                .context()
                .register_table(TableReference::bare(name.as_str()), Arc::new(table))
                .map_err(execution)?;
        }
        Ok(())
    }

    /// The engine to plan `statement` in, with the statement made ready for it: `*`
    /// without pseudo-columns, PostgreSQL's catalog idioms rewritten, and the system
    /// catalogs registered if it reads them.
    fn query_engine(&self, statement: &mut Ast, snapshot: &Snapshot) -> Result<QueryEngine> {
        let projected: Vec<String> = {
            let db = self.db.store().read();
            db.projections().by_table.keys().cloned().collect()
        };
        let columns = |table: &str, version: Option<&sqlparser::ast::TableVersion>| {
            self.visible_columns(table, version, snapshot, &projected)
        };
        let row_id = |table: &str, version: Option<&sqlparser::ast::TableVersion>| {
            self.row_id_column(table, version, snapshot)
        };
        crate::lateral::rewrite(statement)?;
        crate::wildcard::hide_pseudo_columns(statement, &projected, &columns, &row_id);
        crate::grouping::expand(statement);
        let calls_sequences = crate::sequences::prepare(statement);
        let catalogs = crate::catalog::reads_catalogs(statement);
        crate::rewrite::rewrite(statement, catalogs)?;
        let engine = self.engine(snapshot)?;
        self.register_sequence_relations(statement, &engine, snapshot)?;
        let is_aggregate = |name: &str| {
            datafusion::execution::FunctionRegistry::udaf(engine.context(), name).is_ok()
        };
        crate::recursive::check(statement, &is_aggregate)?;
        crate::subquery::wrap_single_rows(statement, &is_aggregate);
        if crate::projection::view::reads_view(statement) {
            crate::projection::view::register_view(engine.context(), self.db.projections())?;
        }
        // The session's parameters, copied only for a statement that reads or sets them.
        if crate::catalog::calls(statement, "current_setting") {
            engine.context().register_udf(self.current_setting());
        }
        // `current_user` and `session_user` (the front end writes them as calls): the role
        // the session runs as.
        for function in [crate::rewrite::CURRENT_USER, crate::rewrite::SESSION_USER] {
            if crate::catalog::calls(statement, function) {
                engine
                    .context()
                    .register_udf(crate::engine::constant_text(function, self.role()));
            }
        }
        if calls_sequences {
            self.register_sequence_functions(engine.context());
        }
        // `current_schema()` and `current_schemas(b)`: the search path's schemas that exist.
        let current_schema = crate::catalog::calls(statement, "current_schema");
        if current_schema || crate::catalog::calls(statement, "current_schemas") {
            let path = self.search_schemas(snapshot);
            if current_schema {
                engine.context().register_udf(crate::engine::optional_text(
                    "current_schema",
                    path.first().cloned(),
                ));
            }
            engine
                .context()
                .register_udf(crate::engine::current_schemas(path));
        }
        if crate::catalog::calls(statement, "set_config") {
            engine.context().register_udf(self.set_config());
        }
        if crate::projection::view::calls_wait(statement) {
            crate::projection::view::register_wait(
                engine.context(),
                std::sync::Arc::clone(self.db.projections()),
            );
        }
        if catalogs {
            let roles: Vec<_> = {
                let store = self.db.store().read();
                store.security().roles().cloned().collect()
            };
            let constraints = self.constraints_at(snapshot);
            let foreign_keys: Vec<(String, driftdb_projector::ForeignKey)> = constraints
                .foreign_keys()
                .map(|(table, fk)| (table.to_string(), fk.clone()))
                .collect();
            // Each check's expression as it reads now (renamed columns renamed in it).
            let mut checks = Vec::new();
            for (table, check) in constraints.checks() {
                let expr = checks::current_expr(check)?.to_string();
                checks.push(crate::catalog::CatalogCheck {
                    table: table.to_string(),
                    name: check.name.clone(),
                    expr,
                    columns: check.columns.clone(),
                });
            }
            let not_validated: Vec<(String, String)> = constraints
                .not_validated()
                .map(|(table, c)| (table.to_string(), c.name().to_string()))
                .collect();
            crate::catalog::register(
                engine.context(),
                &self.catalog_tables(snapshot)?,
                &crate::catalog::Constraints {
                    foreign_keys: &foreign_keys,
                    checks: &checks,
                    not_validated: &not_validated,
                },
                &self
                    .views_at(snapshot)
                    .into_values()
                    .map(|v| crate::catalog::CatalogView {
                        columns: v
                            .columns
                            .iter()
                            .zip(&v.types)
                            .map(|(c, &(oid, modifier))| {
                                (c.clone(), crate::pg_types::Typed { oid, modifier })
                            })
                            .collect(),
                        name: v.name,
                        query: v.query,
                        reads: v.reads,
                    })
                    .collect::<Vec<_>>(),
                &self
                    .comments_at(snapshot)
                    .into_iter()
                    .map(|c| crate::catalog::CatalogComment {
                        relation: c.relation,
                        column: (!c.column.is_empty()).then_some(c.column),
                        text: c.text,
                    })
                    .collect::<Vec<_>>(),
                &self.catalog_sequences(snapshot),
                &crate::catalog::Namespaces {
                    roles: &roles,
                    schemas: &self
                        .schemas_at(snapshot)
                        .into_values()
                        .map(|s| crate::catalog::CatalogSchema {
                            name: s.name,
                            owner: s.owner,
                        })
                        .collect::<Vec<_>>(),
                    path: &self.search_schemas(snapshot),
                    owners: &self.owners_at(snapshot),
                },
            )
            .map_err(execution)?;
            crate::catalog::register_settings(engine.context(), &self.settings.all())
                .map_err(execution)?;
        }
        Ok(engine)
    }

    /// Forgets the sequences of a transaction that ended without its commit.
    fn forget_pending_sequences(&self) {
        self.taken.lock().recover().forget_pending();
    }

    /// `nextval` and the other sequence functions, bound to this session, in `ctx`.
    fn register_sequence_functions(&self, ctx: &datafusion::prelude::SessionContext) {
        let read_only =
            self.settings.as_of.is_some() || self.txn.as_ref().is_some_and(|t| t.read_only);
        for function in crate::sequences::functions(&self.db, &self.taken, read_only) {
            ctx.register_udf(function);
        }
    }

    /// The tables `snapshot` sees, numbered for the catalogs.
    fn catalog_tables(&self, snapshot: &Snapshot) -> Result<Vec<crate::catalog::CatalogTable>> {
        let db = self.db.store().read();
        let mut ever = Vec::new();
        for name in db.table_names_ever() {
            for incarnation in db.incarnations(name) {
                ever.push((incarnation.created, name.to_string()));
            }
        }
        let numbered = crate::catalog::number_tables(ever);
        let mut tables = Vec::new();
        if let Some(seq) = snapshot.seq {
            for name in db.table_names_ever() {
                if snapshot.dropped.contains(name) || snapshot.created.contains_key(name) {
                    continue;
                }
                let Some(incarnation) = db
                    .incarnations(name)
                    .iter()
                    .find(|i| i.created <= seq && i.ended.is_none_or(|e| seq < e))
                else {
                    continue;
                };
                let Some(&oid) = numbered.get(&(incarnation.created, name.to_string())) else {
                    continue;
                };
                let schema = driftdb_projector::database::read(&incarnation.table)
                    .schema()
                    .clone();
                tables.extend(self.catalog_table(oid, schema));
            }
        }
        for (nth, table) in snapshot.created.values().enumerate() {
            let schema = driftdb_projector::database::read(table).schema().clone();
            tables.extend(
                self.catalog_table(crate::catalog::private_oid(numbered.len(), nth), schema),
            );
        }
        Ok(tables)
    }

    /// The sequences `snapshot` (and the open transaction) sees, by name.
    fn catalog_sequences(&self, snapshot: &Snapshot) -> Vec<crate::sequences::Sequence> {
        let committed: Vec<String> = match snapshot.seq {
            None => Vec::new(),
            Some(seq) => {
                let db = self.db.store().read();
                match db.table(crate::sequences::TABLE) {
                    Ok(shared) => {
                        crate::sequences::all_at(&driftdb_projector::database::read(shared), seq)
                            .into_iter()
                            .map(|s| s.name)
                            .filter(|name| !crate::sequences::is_internal(name))
                            .collect()
                    }
                    Err(_) => Vec::new(),
                }
            }
        };
        let mut names: BTreeSet<String> = committed.into_iter().collect();
        if let Some(txn) = &self.txn {
            for op in &txn.ops {
                if let LedgerOp::Upsert { table, row } = op
                    && table == crate::sequences::TABLE
                    && let Some(driftdb_projector::Value::Text(name)) = row.first()
                    && !crate::sequences::is_internal(name)
                {
                    names.insert(name.clone());
                }
            }
        }
        names
            .iter()
            .filter_map(|name| self.sequence_at(name, snapshot))
            .collect()
    }

    /// How the catalogs show `schema`: another session's temporary table not at all.
    fn catalog_table(&self, oid: i64, schema: TableSchema) -> Option<crate::catalog::CatalogTable> {
        if crate::sequences::is_internal(schema.name()) {
            return None;
        }
        let (name, temporary_schema) = match crate::temporary::temporary_of(schema.name()) {
            Some((session, name)) if session == self.id => (
                name.to_string(),
                Some(crate::temporary::schema_name(session)),
            ),
            Some(_) => return None,
            None => (crate::schemas::split(schema.name()).1.to_string(), None),
        };
        Some(crate::catalog::CatalogTable {
            oid,
            name,
            temporary_schema,
            schema,
        })
    }

    /// Plans and runs a query (or `EXPLAIN`) at the session's snapshot.
    async fn query(&self, statement: Ast) -> Result<Rows> {
        self.query_at(statement, &self.snapshot()).await
    }

    async fn query_at(&self, mut statement: Ast, snapshot: &Snapshot) -> Result<Rows> {
        let presentation = self.settings.presentation();
        if let Some(rows) = self.point_read(&statement, snapshot) {
            return Ok(presentation.apply(rows));
        }
        let names = crate::naming::PgNames::of(&mut statement);
        let engine = self.query_engine(&mut statement, snapshot)?;
        let (schema, batches) = engine.run_statement(statement).await.map_err(execution)?;
        let rows = crate::naming::pg_rows(&names, Rows { schema, batches });
        Ok(presentation.apply(rows))
    }
}

/// Applies `change` to the private table `table` of a transaction's view, if it created
/// one; whether it did. The change goes to a copy: a savepoint's snapshot keeps the table as
/// it was.
fn change_private(
    view: &mut Snapshot,
    table: &str,
    change: impl FnOnce(&mut Table) -> driftdb_projector::Result<()>,
) -> Result<bool> {
    let Some(private) = view.created.get(table) else {
        return Ok(false);
    };
    let mut copy = driftdb_projector::database::read(private).clone();
    change(&mut copy).map_err(projector_error)?;
    view.created
        .insert(table.to_string(), Arc::new(RwLock::new(copy)));
    Ok(true)
}

/// Timestamps of `FOR SYSTEM_TIME` clauses to sequences, through the ledger's time index.
fn time_resolver(store: &Arc<driftdb_projector::Store>) -> TimeResolver {
    let store = Arc::clone(store);
    Arc::new(move |micros, bound| {
        let resolved = match bound {
            TimeBound::AsOf => store.seq_at_time(micros).map(Some),
            TimeBound::AtOrBefore => store.seq_near_time(micros, false),
            TimeBound::AtOrAfter => store.seq_near_time(micros, true),
        };
        resolved.map_err(|e| DataFusionError::External(Box::new(e)))
    })
}

/// `COMMIT` or `ROLLBACK` with no block open (or only an implicit one): PostgreSQL's warning.
fn no_transaction(tag: &str, seq: Option<u64>) -> Outcome {
    Outcome::command(tag, seq).with_notice(
        "WARNING",
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        "there is no transaction in progress".to_string(),
    )
}

/// A transaction block that both writes an existing table's rows and gives it a unique
/// index; see [`Snapshot::constrained`].
fn writes_constrained(table: &str) -> Error {
    unsupported(&format!(
        "writing rows of \"{table}\" and creating a unique index on it in one transaction block; create the index outside the block"
    ))
}

/// The (table, key) pairs an overlay writes, for the commit's conflict check.
fn written_keys(overlay: &Overlays) -> Vec<(String, Key)> {
    overlay
        .iter()
        .flat_map(|(table, rows)| rows.keys().map(move |k| (table.clone(), k.clone())))
        .collect()
}

fn find_savepoint(txn: &Txn, name: &str) -> Result<usize> {
    txn.savepoints
        .iter()
        .rposition(|s| s.name == name)
        .ok_or_else(|| Error::Execution {
            message: format!("savepoint \"{name}\" does not exist"),
            sqlstate: SqlState::INVALID_SAVEPOINT_SPECIFICATION,
        })
}

/// A statement the session does not run, by its first words.
fn not_supported(statement: &Ast) -> Error {
    unsupported(&format!(
        "statement not supported: {}",
        first_words(&statement.to_string())
    ))
}
