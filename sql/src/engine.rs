//! [`QueryEngine`]: a DataFusion session over projector tables, for tests, benchmarks and
//! the SQL front end.
//!
//! Tables are registered by name and served at their latest sequence (or at an explicit
//! [`ReadPoint`], as a transaction does). A table reference with `FOR SYSTEM_TIME` is planned
//! by [`TimeTravelPlanner`], a DataFusion `RelationPlanner` that builds a provider at the
//! reference's own point, so tables in one query can be read at different points. This
//! matters because DataFusion's default planner silently ignores a reference's version.
//!
//! Consistency across tables: [`ReadPoint::Latest`] is resolved per table when its scan is
//! planned, so a query over two tables could see one before and one after a transaction the
//! applier is applying meanwhile. A session that needs one snapshot (every statement, in
//! practice) should register each table at `ReadPoint::AsOf(ledger end)` for the statement,
//! or at its transaction's `BEGIN` sequence.
//!
//! `ctx.sql` parses with the session's configured dialect, none of whose built-in
//! PostgreSQL-like dialects accept `FOR SYSTEM_TIME`: time-travel queries go through
//! [`QueryEngine::sql_with_dialect`] (any dialect with `supports_table_versioning`) or
//! [`QueryEngine::query_statement`] (a statement parsed by the SQL front end).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::planner::{
    PlannedRelation, RelationPlanner, RelationPlannerContext, RelationPlanning,
};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{self, TableFactor, TableVersion};
use datafusion::sql::sqlparser::dialect::Dialect;

use crate::provider::{DriftTable, ReadPoint, SharedTable, poisoned, provider_for};
use crate::temporal::{Point, SystemTime};

/// The tables a [`TimeTravelPlanner`] can resolve, by (normalised) table name.
#[derive(Debug, Default)]
pub struct TableSet {
    tables: RwLock<HashMap<String, SharedTable>>,
}

impl TableSet {
    /// Adds or replaces a table.
    pub fn insert(&self, name: impl Into<String>, table: SharedTable) -> Result<()> {
        self.tables
            .write()
            .map_err(poisoned)?
            .insert(name.into(), table);
        Ok(())
    }

    /// The table called `name`.
    pub fn get(&self, name: &str) -> Result<Option<SharedTable>> {
        Ok(self.tables.read().map_err(poisoned)?.get(name).cloned())
    }
}

/// Resolves a timestamp (microseconds since the Unix epoch) to the last sequence committed at
/// or before it; the database supplies it (`Store::seq_at_time`).
pub type TimeResolver = Arc<dyn Fn(i64) -> Result<u64> + Send + Sync>;

/// Maps a reference's `FOR SYSTEM_TIME` clause to a read point.
///
/// The SQL front end ([`crate::parse`]) leaves a self-describing marker in each versioned
/// reference ([`SystemTime::of_version`] decodes it): `@SEQ:n` points map to sequences as they
/// are, timestamp points through `resolve_time`. A bare integer (`AS OF 42`, from a dialect
/// without DriftDB's front end) is read as a sequence number.
pub fn read_point_of(
    version: &TableVersion,
    resolve_time: Option<&TimeResolver>,
) -> Result<ReadPoint> {
    if let Ok(system_time) = SystemTime::of_version(version) {
        let seq = |point: Point| match point {
            Point::Seq(seq) => Ok(seq),
            Point::Timestamp(ts) => match resolve_time {
                Some(resolve) => resolve(ts.unix_micros()),
                None => Err(DataFusionError::Plan(format!(
                    "FOR SYSTEM_TIME with a timestamp ({ts}) needs a database to resolve it"
                ))),
            },
        };
        return Ok(match system_time {
            SystemTime::AsOf(p) => ReadPoint::AsOf(seq(p)?),
            SystemTime::All => ReadPoint::All,
            SystemTime::Between(a, b) => ReadPoint::Between(seq(a)?, seq(b)?),
            SystemTime::FromTo(a, b) => ReadPoint::FromTo(seq(a)?, seq(b)?),
            SystemTime::ContainedIn(a, b) => ReadPoint::ContainedIn(seq(a)?, seq(b)?),
        });
    }
    let unsupported = || {
        DataFusionError::Plan(format!(
            "unsupported time-travel clause {version}: expected FOR SYSTEM_TIME AS OF <sequence>"
        ))
    };
    match version {
        TableVersion::ForSystemTimeAsOf(ast::Expr::Value(v)) => match &v.value {
            ast::Value::Number(n, _) => n.parse::<u64>().map(ReadPoint::AsOf).map_err(|_| {
                DataFusionError::Plan(format!(
                    "FOR SYSTEM_TIME AS OF {n}: a sequence number is a non-negative integer"
                ))
            }),
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// Plans `FOR SYSTEM_TIME` table references as scans of providers bound to their points.
pub struct TimeTravelPlanner {
    tables: Arc<TableSet>,
    resolve_time: RwLock<Option<TimeResolver>>,
}

impl std::fmt::Debug for TimeTravelPlanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeTravelPlanner")
            .field("tables", &self.tables)
            .finish_non_exhaustive()
    }
}

impl TimeTravelPlanner {
    /// A planner resolving names in `tables`.
    pub fn new(tables: Arc<TableSet>) -> Self {
        TimeTravelPlanner {
            tables,
            resolve_time: RwLock::new(None),
        }
    }

    /// Lets timestamp points resolve to sequences.
    pub fn set_time_resolver(&self, resolve: TimeResolver) -> Result<()> {
        *self.resolve_time.write().map_err(poisoned)? = Some(resolve);
        Ok(())
    }
}

impl RelationPlanner for TimeTravelPlanner {
    fn plan_relation(
        &self,
        relation: TableFactor,
        context: &mut dyn RelationPlannerContext,
    ) -> Result<RelationPlanning> {
        let TableFactor::Table {
            name,
            alias,
            version: Some(version),
            args: None,
            ..
        } = relation
        else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        let reference = context.object_name_to_table_reference(name)?;
        let table = self.tables.get(reference.table())?.ok_or_else(|| {
            DataFusionError::Plan(format!("table {:?} does not exist", reference.table()))
        })?;
        let point = {
            let resolve = self.resolve_time.read().map_err(poisoned)?;
            read_point_of(&version, resolve.as_ref())?
        };
        let provider = provider_for(table, point)?;
        let plan =
            LogicalPlanBuilder::scan(reference, provider_as_source(Arc::new(provider)), None)?
                .build()?;
        Ok(RelationPlanning::Planned(Box::new(PlannedRelation::new(
            plan, alias,
        ))))
    }
}

/// A DataFusion session over projector tables; see the module documentation.
pub struct QueryEngine {
    ctx: SessionContext,
    tables: Arc<TableSet>,
    planner: Arc<TimeTravelPlanner>,
}

impl std::fmt::Debug for QueryEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryEngine")
            .field("session_id", &self.ctx.session_id())
            .field("tables", &self.tables)
            .finish()
    }
}

impl QueryEngine {
    /// An engine with no tables, with the time-travel planner installed.
    pub fn new() -> Result<Self> {
        Self::with_config(SessionConfig::new())
    }

    /// An engine with a session configured by `config`.
    pub fn with_config(config: SessionConfig) -> Result<Self> {
        let ctx = SessionContext::new_with_config(config);
        let tables = Arc::new(TableSet::default());
        let planner = Arc::new(TimeTravelPlanner::new(Arc::clone(&tables)));
        ctx.register_relation_planner(Arc::clone(&planner) as Arc<dyn RelationPlanner>)?;
        Ok(QueryEngine {
            ctx,
            tables,
            planner,
        })
    }

    /// Lets `FOR SYSTEM_TIME` points given as timestamps resolve to sequences.
    pub fn set_time_resolver(&self, resolve: TimeResolver) -> Result<()> {
        self.planner.set_time_resolver(resolve)
    }

    /// The DataFusion session, for registering functions or planning by hand.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Registers `table` as `name`, read at its latest sequence unless a reference says
    /// otherwise.
    pub fn register_table(&self, name: &str, table: SharedTable) -> Result<()> {
        self.register_table_at(name, table, ReadPoint::Latest)
    }

    /// Registers `table` as `name`, read at `point` by references without `FOR SYSTEM_TIME`
    /// (a transaction's `BEGIN` sequence, say).
    pub fn register_table_at(
        &self,
        name: &str,
        table: SharedTable,
        point: ReadPoint,
    ) -> Result<()> {
        let provider = provider_for(Arc::clone(&table), point)?;
        self.register_provider(name, table, provider)
    }

    /// Registers a provider built by hand (with a transaction overlay, say) as `name`;
    /// `table` is the table it serves, for references with `FOR SYSTEM_TIME`.
    pub fn register_provider(
        &self,
        name: &str,
        table: SharedTable,
        provider: DriftTable,
    ) -> Result<()> {
        self.tables.insert(name, table)?;
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, Arc::new(provider))?;
        Ok(())
    }

    /// Plans and runs a statement parsed elsewhere.
    pub async fn query_statement(&self, statement: ast::Statement) -> Result<Vec<RecordBatch>> {
        let plan = self
            .ctx
            .state()
            .statement_to_plan(DfStatement::Statement(Box::new(statement)))
            .await?;
        self.run(plan).await
    }

    /// Parses `sql` with `dialect` (one statement) and runs it.
    pub async fn sql_with_dialect(
        &self,
        sql: &str,
        dialect: &dyn Dialect,
    ) -> Result<Vec<RecordBatch>> {
        let mut statements = DFParser::parse_sql_with_dialect(sql, dialect)?;
        let statement = match (statements.pop_front(), statements.is_empty()) {
            (Some(statement), true) => statement,
            _ => {
                return Err(DataFusionError::Plan(format!(
                    "expected exactly one statement in {sql:?}"
                )));
            }
        };
        let plan = self.ctx.state().statement_to_plan(statement).await?;
        self.run(plan).await
    }

    /// Runs `sql` through `SessionContext::sql` (no `FOR SYSTEM_TIME`; see the module
    /// documentation).
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.ctx.sql(sql).await?.collect().await
    }

    async fn run(&self, plan: LogicalPlan) -> Result<Vec<RecordBatch>> {
        self.ctx.execute_logical_plan(plan).await?.collect().await
    }
}
