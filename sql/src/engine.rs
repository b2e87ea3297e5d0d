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

use datafusion::arrow::datatypes::{DataType as ArrowType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::common::{Column, ScalarValue, TableReference};
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::planner::{
    PlannedRelation, RelationPlanner, RelationPlannerContext, RelationPlanning,
};
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, LogicalPlanBuilder, ScalarUDF, Volatility, cast, create_udf,
    lit,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{self, TableFactor, TableVersion};
use datafusion::sql::sqlparser::dialect::Dialect;
use driftdb_projector::Incarnation;

use crate::SqlState;
use crate::error::function_error;
use crate::provider::{DriftTable, ReadPoint, SharedTable, provider_for};
use crate::temporal::{Point, SystemTime};
use driftdb_log::sync::Recover;

/// The tables a [`TimeTravelPlanner`] can resolve, by (normalised) table name, with every
/// incarnation a name has had (a dropped and re-created table, or one whose columns
/// changed), so a point in the past reads the table the name meant then.
#[derive(Debug, Default)]
pub struct TableSet {
    tables: RwLock<HashMap<String, Vec<Incarnation>>>,
}

impl TableSet {
    /// Adds or replaces a table that has always existed under `name`.
    pub fn insert(&self, name: impl Into<String>, table: SharedTable) -> Result<()> {
        self.insert_incarnations(
            name,
            vec![Incarnation {
                created: 0,
                ended: None,
                history_retention: None,
                table,
            }],
        )
    }

    /// Adds or replaces every incarnation of `name`, oldest first.
    pub fn insert_incarnations(
        &self,
        name: impl Into<String>,
        incarnations: Vec<Incarnation>,
    ) -> Result<()> {
        self.tables
            .write()
            .recover()
            .insert(name.into(), incarnations);
        Ok(())
    }

    /// The table called `name` now (its newest incarnation).
    pub fn get(&self, name: &str) -> Result<Option<SharedTable>> {
        Ok(self
            .tables
            .read()
            .recover()
            .get(name)
            .and_then(|v| v.last())
            .map(|i| Arc::clone(&i.table)))
    }

    /// Every incarnation of `name` that `point` reads, oldest first: the one live at an
    /// `AS OF` point (or the newest for a plain read), and all that overlap a range, so
    /// `FOR SYSTEM_TIME ALL` shows a table's history across `ALTER TABLE` and across a drop
    /// and re-create.
    pub fn resolve_all(&self, name: &str, point: ReadPoint) -> Result<Vec<SharedTable>> {
        let tables = self.tables.read().recover();
        let Some(incarnations) = tables.get(name) else {
            return Err(function_error(
                format!("table {name:?} does not exist"),
                SqlState::UNDEFINED_TABLE,
            ));
        };
        let found: Vec<SharedTable> = match point {
            ReadPoint::Latest | ReadPoint::AsOf(_) => {
                drop(tables);
                return Ok(vec![self.resolve(name, point)?]);
            }
            ReadPoint::All => incarnations.iter().map(|i| Arc::clone(&i.table)).collect(),
            ReadPoint::Empty => incarnations
                .last()
                .map(|i| Arc::clone(&i.table))
                .into_iter()
                .collect(),
            ReadPoint::FromTo(a, b) | ReadPoint::Between(a, b) | ReadPoint::ContainedIn(a, b) => {
                let found: Vec<SharedTable> = incarnations
                    .iter()
                    .filter(|i| i.overlaps(a.min(b), b.max(a)))
                    .map(|i| Arc::clone(&i.table))
                    .collect();
                // A range outside the name's lifetime reads the newest table, and nothing.
                if found.is_empty() {
                    incarnations
                        .last()
                        .map(|i| Arc::clone(&i.table))
                        .into_iter()
                        .collect()
                } else {
                    found
                }
            }
        };
        Ok(found)
    }

    /// The incarnation of `name` that `point` reads: the one live at an `AS OF` point, the
    /// newest one overlapping a range.
    pub fn resolve(&self, name: &str, point: ReadPoint) -> Result<SharedTable> {
        let tables = self.tables.read().recover();
        let Some(incarnations) = tables.get(name) else {
            return Err(function_error(
                format!("table {name:?} does not exist"),
                SqlState::UNDEFINED_TABLE,
            ));
        };
        let found = match point {
            ReadPoint::Latest | ReadPoint::All | ReadPoint::Empty => incarnations.last(),
            ReadPoint::AsOf(seq) => incarnations.iter().rev().find(|i| i.live_at(seq)),
            ReadPoint::FromTo(a, b) | ReadPoint::Between(a, b) | ReadPoint::ContainedIn(a, b) => {
                incarnations.iter().rev().find(|i| i.overlaps(a, b))
            }
        };
        found.map(|i| Arc::clone(&i.table)).ok_or_else(|| {
            function_error(
                format!("table {name:?} does not exist at FOR SYSTEM_TIME {point}"),
                SqlState::UNDEFINED_TABLE,
            )
        })
    }
}

/// Which sequence a timestamp in a `FOR SYSTEM_TIME` clause stands for.
///
/// Commit times strictly increase, so a time either is a commit's or falls between two. The
/// period rules of SQL:2011 compare a version's commit times with the bounds; in sequences
/// that is "the newest commit at or before" for some bounds and "the oldest at or after"
/// for others (see [`read_point_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// An `AS OF` point: the newest commit at or before the time. A time before the first
    /// commit or in the future is an error.
    AsOf,
    /// A range bound: the newest commit at or before the time; `None` before the first
    /// commit, the newest commit for a time after it.
    AtOrBefore,
    /// A range bound: the oldest commit at or after the time; `None` after the newest.
    AtOrAfter,
}

/// Resolves a timestamp (microseconds since the Unix epoch) to a sequence as
/// [`TimeBound`] says; the database supplies it (`Store::seq_at_time` and
/// `Store::seq_near_time`). `AsOf` always answers `Some` or an error.
pub type TimeResolver = Arc<dyn Fn(i64, TimeBound) -> Result<Option<u64>> + Send + Sync>;

/// Maps a reference's `FOR SYSTEM_TIME` clause to a read point.
///
/// The SQL front end ([`crate::parse`]) leaves a self-describing marker in each versioned
/// reference ([`SystemTime::of_version`] decodes it): `@SEQ:n` points map to sequences as they
/// are, timestamp points through `resolve_time`. A bare integer (`AS OF 42`, from a dialect
/// without DriftDB's front end) is read as a sequence number.
///
/// A version is current from the commit that wrote it (sequence `s`, time `t(s)`) until
/// the one that replaced it (`e`, `t(e)`), or still. With time bounds `A` and `B`, SQL:2011's
/// rules and what they are in sequences (`floor(T)`: newest commit at or before `T`,
/// `ceil(T)`: oldest at or after):
///
/// | form | rule | in sequences |
/// |---|---|---|
/// | `FROM A TO B` | `t(s) < B` and `t(e) > A` | `s < ceil(B)`, `e > floor(A)` |
/// | `BETWEEN A AND B` | `t(s) <= B` and `t(e) > A` | `s <= floor(B)`, `e > floor(A)` |
/// | `CONTAINED IN (A, B)` | `t(s) >= A` and `t(e) <= B` | `s >= ceil(A)`, `e <= floor(B)` |
///
/// Range bounds are clamped to the history, as SQL Server does: a bound before the first
/// commit or after the newest, as a time or as a sequence, is not an error, and a range
/// holding no moment of the history reads nothing. An `AS OF` point outside it is an error.
pub fn read_point_of(
    version: &TableVersion,
    resolve_time: Option<&TimeResolver>,
) -> Result<ReadPoint> {
    if let Ok(system_time) = SystemTime::of_version(version) {
        let resolve = |ts: crate::temporal::Timestamp, how: TimeBound| match resolve_time {
            Some(resolve) => resolve(ts.unix_micros(), how),
            None => Err(DataFusionError::Plan(format!(
                "FOR SYSTEM_TIME with a timestamp ({ts}) needs a database to resolve it"
            ))),
        };
        let bound = |point: Point| -> Result<Bound> {
            Ok(match point {
                Point::Seq(seq) => Bound::Seq(seq),
                Point::Timestamp(ts) => Bound::Time {
                    micros: ts.unix_micros(),
                    floor: resolve(ts, TimeBound::AtOrBefore)?,
                    ceil: resolve(ts, TimeBound::AtOrAfter)?,
                },
            })
        };
        // Every version ends after sequence 0 (at a later commit), so 0 stands for "before
        // the first commit" in an `e > floor(A)` rule, and u64::MAX for "after the newest"
        // in `s < ceil(B)`.
        return Ok(match system_time {
            SystemTime::AsOf(Point::Seq(seq)) => ReadPoint::AsOf(seq),
            SystemTime::AsOf(Point::Timestamp(ts)) => match resolve(ts, TimeBound::AsOf)? {
                Some(seq) => ReadPoint::AsOf(seq),
                None => {
                    return Err(DataFusionError::Internal(format!(
                        "AS OF {ts} resolved to no sequence"
                    )));
                }
            },
            SystemTime::All => ReadPoint::All,
            SystemTime::Between(a, b) => {
                let (a, b) = (bound(a)?, bound(b)?);
                match b.floor() {
                    Some(end) if !a.after(&b) => ReadPoint::Between(a.floor().unwrap_or(0), end),
                    _ => ReadPoint::Empty,
                }
            }
            SystemTime::FromTo(a, b) => {
                let (a, b) = (bound(a)?, bound(b)?);
                if a.after(&b) {
                    ReadPoint::Empty
                } else {
                    ReadPoint::FromTo(a.floor().unwrap_or(0), b.ceil().unwrap_or(u64::MAX))
                }
            }
            SystemTime::ContainedIn(a, b) => {
                let (a, b) = (bound(a)?, bound(b)?);
                match (a.ceil(), b.floor()) {
                    (Some(start), Some(end)) if !a.after(&b) => ReadPoint::ContainedIn(start, end),
                    _ => ReadPoint::Empty,
                }
            }
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

/// A range's bound, resolved: a sequence as written, or a time with the commits around it.
enum Bound {
    Seq(u64),
    Time {
        micros: i64,
        /// The newest commit at or before the time (None: before the first commit).
        floor: Option<u64>,
        /// The oldest commit at or after it (None: after the newest).
        ceil: Option<u64>,
    },
}

impl Bound {
    fn floor(&self) -> Option<u64> {
        match self {
            Bound::Seq(seq) => Some(*seq),
            Bound::Time { floor, .. } => *floor,
        }
    }

    fn ceil(&self) -> Option<u64> {
        match self {
            Bound::Seq(seq) => Some(*seq),
            Bound::Time { ceil, .. } => *ceil,
        }
    }

    /// Whether this bound lies after `end` on the history's time line, where sequence `n`
    /// stands at its commit's time and a sequence after the newest commit after every time.
    /// A range whose start lies after its end reads nothing.
    fn after(&self, end: &Bound) -> bool {
        match (self, end) {
            (Bound::Seq(a), Bound::Seq(b)) => a > b,
            (Bound::Time { micros: a, .. }, Bound::Time { micros: b, .. }) => a > b,
            // t(a) > B exactly when the newest commit at or before B comes before a.
            (Bound::Seq(a), Bound::Time { floor, .. }) => floor.is_none_or(|f| f < *a),
            // A > t(b) exactly when the oldest commit at or after A comes after b; with
            // none (A after the newest commit), when b is a commit, not one still to come.
            (Bound::Time { floor, ceil, .. }, Bound::Seq(b)) => match ceil {
                Some(c) => c > b,
                None => floor.is_some_and(|f| *b <= f),
            },
        }
    }
}

/// Plans `FOR SYSTEM_TIME` table references as scans of providers bound to their points.
pub struct TimeTravelPlanner {
    tables: Arc<TableSet>,
    resolve_time: RwLock<Option<TimeResolver>>,
    /// The newest committed sequence: an `AS OF` point after it is in the future.
    latest: RwLock<Option<u64>>,
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
            latest: RwLock::new(None),
        }
    }

    /// Makes `AS OF` points after `seq` (the newest commit) an error.
    pub fn set_latest(&self, seq: Option<u64>) -> Result<()> {
        *self.latest.write().recover() = seq;
        Ok(())
    }

    /// Lets timestamp points resolve to sequences.
    pub fn set_time_resolver(&self, resolve: TimeResolver) -> Result<()> {
        *self.resolve_time.write().recover() = Some(resolve);
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
        let point = {
            let resolve = self.resolve_time.read().recover();
            read_point_of(&version, resolve.as_ref())?
        };
        let latest = *self.latest.read().recover();
        if let ReadPoint::AsOf(seq) = point
            && let Some(latest) = latest
            && seq > latest
        {
            return Err(DataFusionError::External(Box::new(
                driftdb_projector::Error::PointOutOfRange(format!(
                    "@SEQ:{seq} is in the future: the newest commit is @SEQ:{latest}"
                )),
            )));
        }
        let tables = self.tables.resolve_all(reference.table(), point)?;
        // A range reads its versions in today's columns (the newest incarnation's), even
        // one that ends before an `ALTER TABLE`; a point reads the columns of its time.
        let newest = match point {
            ReadPoint::Latest | ReadPoint::AsOf(_) => None,
            _ => self.tables.get(reference.table())?,
        };
        let plan = match (tables.as_slice(), newest) {
            ([table], newest) if newest.as_ref().is_none_or(|n| Arc::ptr_eq(n, table)) => {
                let provider = provider_for(Arc::clone(table), point)?.through(latest)?;
                LogicalPlanBuilder::scan(reference, provider_as_source(Arc::new(provider)), None)?
                    .build()?
            }
            (_, newest) => {
                let target = match newest {
                    Some(newest) => Some(provider_for(newest, point)?.through(latest)?.schema()),
                    None => None,
                };
                union_of_incarnations(reference, tables, target, point, latest)?
            }
        };
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
        Self::with_runtime(Arc::new(RuntimeEnv::default()))
    }

    /// An engine whose queries take their memory from `runtime`'s pool: a session's, so
    /// that its limit holds across the statements it runs (see [`QueryEngine::run_statement`]).
    pub fn with_runtime(runtime: Arc<RuntimeEnv>) -> Result<Self> {
        Self::with_config_rt(postgres_config(), runtime)
    }

    /// An engine with a session configured by `config`.
    pub fn with_config(config: SessionConfig) -> Result<Self> {
        Self::with_config_rt(config, Arc::new(RuntimeEnv::default()))
    }

    fn with_config_rt(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> Result<Self> {
        let mut ctx = postgres_session(config, runtime);
        let tables = Arc::new(TableSet::default());
        let planner = Arc::new(TimeTravelPlanner::new(Arc::clone(&tables)));
        ctx.register_relation_planner(Arc::clone(&planner) as Arc<dyn RelationPlanner>)?;
        ctx.register_udf(sequence_literal());
        install_postgres(&mut ctx)?;
        Ok(QueryEngine {
            ctx,
            tables,
            planner,
        })
    }

    /// Makes `FOR SYSTEM_TIME AS OF` points after `seq` an error (22008), and bounds
    /// version-range reads (`ALL`, `FROM`, `BETWEEN`, `CONTAINED IN`) at `seq`: they see the
    /// history a reader at `seq` sees, not commits made since.
    pub fn set_latest_sequence(&self, seq: Option<u64>) -> Result<()> {
        self.planner.set_latest(seq)
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
        // By the name as it is (a stored name such as `s.t` or `MyTable`), not parsed.
        self.ctx.deregister_table(TableReference::bare(name))?;
        self.ctx
            .register_table(TableReference::bare(name), Arc::new(provider))?;
        Ok(())
    }

    /// Plans and runs a statement parsed elsewhere.
    pub async fn query_statement(&self, statement: ast::Statement) -> Result<Vec<RecordBatch>> {
        Ok(self.run_statement(statement).await?.1)
    }

    /// Plans and runs a statement parsed elsewhere; returns its output schema with its rows,
    /// so an empty result still describes its columns. The rows count against the runtime's
    /// memory pool while they are gathered, beside what the plan's operators take, so a
    /// result larger than the pool's limit fails with `ResourcesExhausted` instead of growing
    /// without bound.
    pub async fn run_statement(
        &self,
        mut statement: ast::Statement,
    ) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        crate::postgres::named_cast::separate(&mut statement);
        let plan = self
            .ctx
            .state()
            .statement_to_plan(DfStatement::Statement(Box::new(statement)))
            .await?;
        // The rows' types are what running gave (the analyzer's, which may differ from the
        // planned ones: `1` is planned a `bigint`, and run an `integer`).
        let planned = if has_case(&plan) {
            self.result_schema(&plan)?
        } else {
            Arc::new(plan.schema().as_arrow().clone())
        };
        let (ran, batches) = self.run_with_schema(plan).await?;
        Ok((with_types_of(&planned, &ran), batches))
    }

    /// The schema of `plan`'s rows: its planned schema, with the PostgreSQL types the
    /// analyzer's rules give its columns (`with_pg_types`: a `CASE` of JSON values is
    /// JSON). Describing a statement and running it say the same.
    pub fn result_schema(&self, plan: &LogicalPlan) -> Result<SchemaRef> {
        let planned = plan.schema().as_arrow().clone();
        if !has_case(plan) && !has_union(plan) && !crate::postgres::has_narrowed_literal(plan) {
            return Ok(Arc::new(planned));
        }
        let state = self.ctx.state();
        let analyzed =
            state
                .analyzer()
                .execute_and_check(plan.clone(), state.config_options(), |_, _| {})?;
        let analyzed = Arc::new(analyzed.schema().as_arrow().clone());
        Ok(with_types_of(&with_pg_types(planned, &analyzed), &analyzed))
    }

    /// Plans a statement without running it (to describe its result and parameters).
    pub async fn plan_statement(&self, mut statement: ast::Statement) -> Result<LogicalPlan> {
        crate::postgres::named_cast::separate(&mut statement);
        self.ctx
            .state()
            .statement_to_plan(DfStatement::Statement(Box::new(statement)))
            .await
    }

    /// The set of tables `FOR SYSTEM_TIME` references resolve in.
    pub fn tables(&self) -> &TableSet {
        &self.tables
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
        Ok(self.run_with_schema(plan).await?.1)
    }

    /// Runs `sql` through `SessionContext::sql` (no `FOR SYSTEM_TIME`; see the module
    /// documentation).
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.ctx.sql(sql).await?.collect().await
    }

    /// Runs `plan`; returns its rows and their schema as running gave it.
    async fn run_with_schema(&self, plan: LogicalPlan) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        use futures::StreamExt;
        let mut stream = self
            .ctx
            .execute_logical_plan(plan)
            .await?
            .execute_stream()
            .await?;
        let schema = stream.schema();
        let held =
            MemoryConsumer::new("query result").register(&self.ctx.runtime_env().memory_pool);
        let mut batches = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            // What these rows occupy, not the buffers they may be slices of (a scan's cached
            // chunk, say, which the scan cache accounts for).
            let bytes: usize = batch
                .columns()
                .iter()
                .map(|c| c.to_data().get_slice_memory_size())
                .sum::<std::result::Result<usize, _>>()?;
            held.try_grow(bytes)?;
            batches.push(batch);
        }
        Ok((schema, batches))
    }
}

/// Whether an expression of `plan` (or of its subqueries) is a `CASE`.
fn has_case(plan: &LogicalPlan) -> bool {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                found |= matches!(e, Expr::Case(_));
                Ok(if found {
                    TreeNodeRecursion::Stop
                } else {
                    TreeNodeRecursion::Continue
                })
            })
        })
    });
    found
}

/// Whether `plan` has a `UNION`, whose columns are planned with the types of its first
/// branch and take the types all its branches share only in the analyzer's type coercion
/// (`SELECT date ... UNION SELECT timestamp ...` is planned a `date`, and runs a `timestamp`).
fn has_union(plan: &LogicalPlan) -> bool {
    use datafusion::common::tree_node::TreeNodeRecursion;
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        found = matches!(node, LogicalPlan::Union(_));
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    found
}

/// `planned` with the PostgreSQL types ([`crate::pg_types::PG_TYPE`]) the columns of
/// `analyzed` (the same rows, after the analyzer's rules) carry where `planned`'s carry none.
/// `named`'s fields (names, PostgreSQL types) with the data types of `typed`'s, where the
/// analyzer changed them (an integer literal planned `bigint` is an `integer`).
fn with_types_of(named: &SchemaRef, typed: &SchemaRef) -> SchemaRef {
    if named.fields().len() != typed.fields().len()
        || named
            .fields()
            .iter()
            .zip(typed.fields())
            .all(|(n, t)| n.data_type() == t.data_type())
    {
        return Arc::clone(named);
    }
    let fields: Vec<datafusion::arrow::datatypes::FieldRef> = named
        .fields()
        .iter()
        .zip(typed.fields())
        .map(|(n, t)| {
            if n.data_type() == t.data_type() {
                Arc::clone(n)
            } else {
                Arc::new(n.as_ref().clone().with_data_type(t.data_type().clone()))
            }
        })
        .collect();
    Arc::new(datafusion::arrow::datatypes::Schema::new_with_metadata(
        fields,
        named.metadata().clone(),
    ))
}

fn with_pg_types(planned: datafusion::arrow::datatypes::Schema, analyzed: &SchemaRef) -> SchemaRef {
    if planned.fields().len() != analyzed.fields().len() {
        return Arc::new(planned);
    }
    let fields: Vec<datafusion::arrow::datatypes::FieldRef> = planned
        .fields()
        .iter()
        .zip(analyzed.fields())
        .map(|(l, p)| {
            match (
                crate::pg_types::pg_type_of(l),
                crate::pg_types::pg_type_of(p),
            ) {
                (None, Some(t)) if l.data_type() == p.data_type() => {
                    Arc::new(crate::pg_types::with_pg_type(l.as_ref().clone(), t))
                }
                _ => Arc::clone(l),
            }
        })
        .collect();
    Arc::new(datafusion::arrow::datatypes::Schema::new_with_metadata(
        fields,
        planned.metadata().clone(),
    ))
}

/// A DataFusion session with PostgreSQL's semantics, operators and functions but no tables
/// (for the expressions of a write: `DEFAULT`, `ON CONFLICT DO UPDATE`, `RETURNING`).
pub(crate) fn postgres_context() -> Result<SessionContext> {
    let mut ctx = postgres_session(postgres_config(), Arc::new(RuntimeEnv::default()));
    install_postgres(&mut ctx)?;
    Ok(ctx)
}

/// The session settings PostgreSQL's reading of SQL needs: `0.1` is NUMERIC, not DOUBLE
/// PRECISION (`0.1 + 0.2 = 0.3` holds); the session time zone is UTC, as the server
/// reports it, so `now()` and casts to `timestamptz` are zoned (without it they are plain
/// timestamps); and a subquery's `ORDER BY` is kept, as PostgreSQL keeps it, so
/// `SELECT * FROM (SELECT ... ORDER BY c) s LIMIT 3` returns the first three in that order
/// (DataFusion drops the sort of a subquery without a `LIMIT` of its own).
fn postgres_config() -> SessionConfig {
    SessionConfig::new()
        .set_bool("datafusion.sql_parser.parse_float_as_decimal", true)
        .set_bool(
            "datafusion.sql_parser.enable_subquery_sort_elimination",
            false,
        )
        .set_str("datafusion.execution.time_zone", crate::arrow::UTC)
}

/// A DataFusion session whose analyzer first runs the rules that must see the plan before
/// DataFusion's type coercion does ([`crate::postgres::unknown_literals`], and
/// [`crate::postgres::integer_literals`] just before it), then DataFusion's own, whose
/// optimizer keeps a subquery as it was where its decorrelation fails, and whose physical
/// planning runs the subqueries DataFusion cannot (or fails to) turn into joins once per
/// outer row ([`crate::subquery`]).
fn postgres_session(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> SessionContext {
    let mut rules = vec![crate::postgres::unknown_literals()];
    for rule in datafusion::optimizer::Analyzer::new().rules {
        if rule.name() == "type_coercion" {
            rules.push(crate::postgres::integer_literals());
        }
        rules.push(rule);
    }
    let mut builder = datafusion::execution::SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features();
    // Before DataFusion's planners, which take `&&` for arrays whatever its operands.
    if let Some(planners) = builder.expr_planners() {
        planners.insert(0, Arc::new(crate::network::NetworkOperators));
    }
    let state = builder
        .with_analyzer_rules(rules)
        .with_type_planner(Arc::new(crate::postgres::PostgresTypes))
        .with_optimizer_rules(crate::subquery::fallible_decorrelation(
            datafusion::optimizer::Optimizer::new().rules,
        ))
        .with_query_planner(Arc::new(crate::subquery::SubPlanner))
        .build();
    SessionContext::new_with_state(state)
}

/// What makes a session read SQL as PostgreSQL does: the analyzer rule and expression
/// planners of [`crate::postgres`] and [`crate::json`], and the functions DataFusion lacks
/// or has under other rules.
fn install_postgres(ctx: &mut SessionContext) -> Result<()> {
    ctx.add_analyzer_rule(Arc::new(crate::postgres::PostgresSemantics));
    ctx.add_analyzer_rule(crate::postgres::multiset_set_operations());
    ctx.register_expr_planner(Arc::new(crate::json::JsonOperators))?;
    ctx.register_expr_planner(Arc::new(crate::postgres::PostgresOperators))?;
    SessionContext::register_udf(ctx, crate::postgres::date_trunc());
    for function in crate::network::functions::functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::make_timestamp_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::num_nulls_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::sha_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::case_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::length_functions() {
        SessionContext::register_udf(ctx, function);
    }
    SessionContext::register_udf(ctx, crate::to_char::to_char());
    SessionContext::register_udf(ctx, crate::postgres::pg_typeof());
    SessionContext::register_udf(ctx, crate::postgres::bpchar_in());
    SessionContext::register_udf(ctx, crate::postgres::numeric_in());
    SessionContext::register_udf(ctx, crate::postgres::regexp_split_to_array());
    SessionContext::register_udf(ctx, crate::postgres::regexp_matches());
    SessionContext::register_udf(ctx, crate::postgres::regexp_substr());
    SessionContext::register_udf(ctx, crate::postgres::bitwise_not());
    SessionContext::register_udf(ctx, crate::postgres::array_fill());
    SessionContext::register_udf(ctx, crate::postgres::array_dims());
    SessionContext::register_udf(ctx, crate::postgres::to_number());
    SessionContext::register_udf(ctx, crate::postgres::row());
    SessionContext::register_udf(ctx, crate::postgres::series());
    SessionContext::register_udtf(ctx, "generate_series", crate::postgres::series_table());
    SessionContext::register_udf(ctx, crate::postgres::similar_to_escape());
    SessionContext::register_udf(ctx, crate::postgres::like_escape());
    SessionContext::register_udf(ctx, crate::postgres::extract());
    SessionContext::register_udf(ctx, crate::postgres::date_part());
    SessionContext::register_udf(ctx, crate::postgres::cast_like());
    SessionContext::register_udf(ctx, crate::postgres::named_cast::named());
    SessionContext::register_udf(ctx, crate::postgres::to_timestamp());
    SessionContext::register_udf(ctx, crate::postgres::to_date());
    for function in crate::postgres::math_functions()
        .into_iter()
        .chain(crate::postgres::numeric_scale_functions())
    {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::format_functions() {
        SessionContext::register_udf(ctx, function);
    }
    SessionContext::register_udaf(ctx, crate::postgres::avg());
    for function in crate::postgres::variances() {
        SessionContext::register_udaf(ctx, function);
    }
    SessionContext::register_udaf(ctx, crate::postgres::percentile_disc());
    SessionContext::register_udaf(ctx, crate::postgres::mode());
    SessionContext::register_udf(ctx, crate::postgres::timezone());
    SessionContext::register_udaf(ctx, crate::subquery::single());
    // After every aggregate: the excluding window functions compute the session's own.
    for (name, arity) in crate::postgres::excluding::FUNCTIONS {
        let aggregate = match *name {
            "first_value" | "last_value" | "nth_value" => None,
            name => Some(ctx.udaf(name)?),
        };
        SessionContext::register_udwf(
            ctx,
            crate::postgres::excluding::excluding(name, *arity, aggregate),
        );
    }
    for function in crate::interval::functions::functions()
        .into_iter()
        .chain(crate::interval::justify::functions())
    {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::digest_functions() {
        SessionContext::register_udf(ctx, function);
    }
    // Replacing DataFusion's functions of the same names.
    for function in crate::postgres::domain_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::integer_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::postgres::array_functions() {
        SessionContext::register_udf(ctx, function);
    }
    for function in crate::json::functions() {
        SessionContext::register_udf(ctx, function);
    }
    for (name, value) in SESSION_FUNCTIONS {
        SessionContext::register_udf(ctx, constant_text(name, value));
    }
    // A single node is never a standby replaying another's log.
    SessionContext::register_udf(
        ctx,
        create_udf(
            "pg_is_in_recovery",
            vec![],
            ArrowType::Boolean,
            Volatility::Stable,
            Arc::new(|_: &[ColumnarValue]| {
                Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(false))))
            }),
        ),
    );
    SessionContext::register_udf(ctx, current_schemas(vec!["public".to_string()]));
    Ok(())
}

/// `current_schemas(include_implicit)`: `path`, the schemas of the search path that exist,
/// `pg_catalog` first when asked for the implicit schemas too, as PostgreSQL lists them.
pub(crate) fn current_schemas(path: Vec<String>) -> ScalarUDF {
    let item = Arc::new(datafusion::arrow::datatypes::Field::new_list_field(
        ArrowType::Utf8,
        true,
    ));
    create_udf(
        "current_schemas",
        vec![ArrowType::Boolean],
        ArrowType::List(Arc::clone(&item)),
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let implicit = match args {
                [ColumnarValue::Scalar(ScalarValue::Boolean(b))] => b.unwrap_or(false),
                _ => {
                    return Err(DataFusionError::Plan(
                        "current_schemas takes one constant boolean".to_string(),
                    ));
                }
            };
            let names: Vec<ScalarValue> = implicit
                .then_some("pg_catalog")
                .into_iter()
                .chain(path.iter().map(String::as_str))
                .map(|n| ScalarValue::Utf8(Some(n.to_string())))
                .collect();
            Ok(ColumnarValue::Scalar(ScalarValue::List(
                ScalarValue::new_list_nullable(&names, &ArrowType::Utf8),
            )))
        }),
    )
}

/// `__driftdb_seq(n)`, what the front end makes of `@SEQ:n` in an expression: the number
/// itself, as a BIGINT to compare with `__sequence`.
fn sequence_literal() -> ScalarUDF {
    create_udf(
        crate::dialect::seq::SEQ_FUNCTION,
        vec![ArrowType::Int64],
        ArrowType::Int64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| match args {
            [value] => Ok(value.clone()),
            _ => Err(DataFusionError::Plan(
                "@SEQ:n takes exactly one number".to_string(),
            )),
        }),
    )
}

/// A version-range read over incarnations of one name: each incarnation's versions,
/// projected onto `target`'s columns by name (the name's newest incarnation; a column an
/// older incarnation lacks is NULL there), unioned, and qualified by the table's name.
/// Without a target, the newest of `tables`.
fn union_of_incarnations(
    reference: TableReference,
    tables: Vec<SharedTable>,
    target: Option<SchemaRef>,
    point: ReadPoint,
    through: Option<u64>,
) -> Result<LogicalPlan> {
    let providers = tables
        .into_iter()
        .map(|t| provider_for(t, point)?.through(through))
        .collect::<Result<Vec<DriftTable>>>()?;
    let Some(target) = target.or_else(|| providers.last().map(|p| p.schema())) else {
        return Err(DataFusionError::Plan(format!(
            "table {reference} has no incarnation to read"
        )));
    };
    let target = widest_numerics(&target, &providers);
    let mut union: Option<LogicalPlanBuilder> = None;
    for provider in providers {
        let schema = provider.schema();
        let columns: Vec<Expr> = target
            .fields()
            .iter()
            .map(|field| {
                let value = match schema.field_with_name(field.name()) {
                    Ok(source) => {
                        let column = Expr::Column(Column::from_name(field.name()));
                        if source.data_type() == field.data_type() {
                            column
                        } else {
                            cast(column, field.data_type().clone())
                        }
                    }
                    Err(_) => cast(lit(ScalarValue::Null), field.data_type().clone()),
                };
                value.alias(field.name())
            })
            .collect();
        let projected = LogicalPlanBuilder::scan(
            reference.clone(),
            provider_as_source(Arc::new(provider)),
            None,
        )?
        .project(columns)?;
        union = Some(match union {
            None => projected,
            Some(so_far) => so_far.union(projected.build()?)?,
        });
    }
    match union {
        Some(plan) => plan.alias(reference)?.build(),
        None => Err(DataFusionError::Plan(format!(
            "table {reference} has no incarnation to read"
        ))),
    }
}

/// `target` with each unconstrained `numeric` column (a `Decimal128(38, s)`) at the largest
/// scale any provider reads it with, so that no version of it is rounded.
fn widest_numerics(target: &SchemaRef, providers: &[DriftTable]) -> SchemaRef {
    let widest = |name: &str, scale: i8| {
        providers
            .iter()
            .filter_map(
                |p| match p.schema().field_with_name(name).ok()?.data_type() {
                    ArrowType::Decimal128(38, s) => Some(*s),
                    _ => None,
                },
            )
            .fold(scale, i8::max)
    };
    let fields: Vec<_> = target
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            ArrowType::Decimal128(38, scale) => Arc::new(
                field
                    .as_ref()
                    .clone()
                    .with_data_type(ArrowType::Decimal128(38, widest(field.name(), *scale))),
            ),
            _ => Arc::clone(field),
        })
        .collect();
    Arc::new(datafusion::arrow::datatypes::Schema::new_with_metadata(
        fields,
        target.metadata().clone(),
    ))
}

/// What PostgreSQL clients ask at connect time, as functions of no arguments.
const SESSION_FUNCTIONS: [(&str, &str); 3] = [
    (
        "version",
        concat!(
            "PostgreSQL 15.0 (DriftDB ",
            env!("CARGO_PKG_VERSION"),
            ") on Apache DataFusion"
        ),
    ),
    ("current_database", "driftdb"),
    ("current_schema", "public"),
];

/// A function of no arguments that returns `value`.
pub(crate) fn constant_text(name: &str, value: impl Into<String>) -> ScalarUDF {
    optional_text(name, Some(value.into()))
}

/// A function of no arguments that returns `value`, or NULL.
pub(crate) fn optional_text(name: &str, value: Option<String>) -> ScalarUDF {
    create_udf(
        name,
        vec![],
        ArrowType::Utf8,
        Volatility::Stable,
        Arc::new(move |_: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(value.clone())))
        }),
    )
}
