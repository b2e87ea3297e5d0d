//! Subqueries DataFusion cannot turn into joins, evaluated for each outer row instead.
//!
//! DataFusion plans a subquery in an expression by rewriting it into a join
//! (decorrelation). Where it cannot, the subquery stays in the plan and physical planning
//! fails ("Physical plan does not support logical expression ScalarSubquery"): a correlated
//! scalar subquery whose correlation is not an equality
//! (`(SELECT count(*) FROM t x WHERE x.b < t.b)`) or that has a `LIMIT`, an `EXISTS` or
//! `IN (SELECT ...)` in the `SELECT` list, `SELECT 1 IN (SELECT 1)`. PostgreSQL runs such a
//! subquery as a SubPlan: once (uncorrelated) or once per outer row, with the outer values
//! as parameters. This does the same, as the last step before physical planning
//! ([`SubPlanner`]): each subquery left is replaced by a call of a [`SubPlan`] function
//! whose arguments are the outer columns it reads. For each distinct set of outer values the
//! function puts them into the subquery's plan as constants, plans and runs it, and keeps
//! the answer for the rows with the same values.
//!
//! The subquery's plan runs in one partition, on a thread and runtime of the call's own (the
//! calling thread may be a worker of a runtime that the plan's tasks would need). That is
//! right for the small inner queries these usually are; a large outer table pays a planning
//! per distinct outer value, as PostgreSQL's SubPlan pays an execution per row.
//!
//! DataFusion's decorrelation can also fail where it does try: after `push_down_filter` has
//! moved a correlated filter under the column aliases of `(VALUES ...) AS x(b)`, a second
//! pass of `scalar_subquery_to_join` refers to a column the alias renamed ("No field named
//! x.column1") and the whole query failed. Decorrelation only makes a subquery cheaper, so
//! [`fallible_decorrelation`] keeps a node whose decorrelation fails as it was, and the
//! subquery is run per outer row like the ones DataFusion does not try.

mod single;

pub(crate) use single::{single, wrap as wrap_single_rows};

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::Session;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DataFusionError, Result, ScalarValue};
use datafusion::execution::SessionState;
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::logical_expr::expr::{Exists, InSubquery};
use datafusion::logical_expr::{
    ColumnarValue, Expr, LogicalPlan, LogicalPlanBuilder, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Subquery, TypeSignature, Volatility,
};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};

use crate::SqlState;
use crate::error::function_error;

/// The query planner of DriftDB's sessions: DataFusion's, after the subqueries it cannot
/// plan are made [`SubPlan`] calls.
#[derive(Debug, Default)]
pub(crate) struct SubPlanner;

#[async_trait]
impl QueryPlanner for SubPlanner {
    async fn create_physical_plan(
        &self,
        plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planner = DefaultPhysicalPlanner::default();
        // Most plans have no subquery nor recursive query: they are planned as they are, not
        // copied.
        let is_recursive =
            plan.exists(|node| Ok(matches!(node, LogicalPlan::RecursiveQuery(_))))?;
        let plan = if is_recursive {
            std::borrow::Cow::Owned(crate::recursive::nullable_outputs(plan.clone())?)
        } else {
            std::borrow::Cow::Borrowed(plan)
        };
        match session.as_any().downcast_ref::<SessionState>() {
            Some(state) if has_subquery(&plan)? => {
                let plan = sub_plans(plan.into_owned(), state)?;
                planner.create_physical_plan(&plan, session).await
            }
            _ => planner.create_physical_plan(&plan, session).await,
        }
    }
}

/// DataFusion's optimizer rules, with the rules that turn subqueries into joins made
/// [`Fallible`]: see the module documentation.
pub(crate) fn fallible_decorrelation(
    rules: Vec<Arc<dyn OptimizerRule + Send + Sync>>,
) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    rules
        .into_iter()
        .map(|rule| match rule.name() {
            "scalar_subquery_to_join" | "decorrelate_predicate_subquery" => {
                Arc::new(Fallible { inner: rule }) as Arc<dyn OptimizerRule + Send + Sync>
            }
            _ => rule,
        })
        .collect()
}

/// A decorrelation rule that leaves a node as it was where the rule fails on it.
#[derive(Debug)]
struct Fallible {
    inner: Arc<dyn OptimizerRule + Send + Sync>,
}

impl OptimizerRule for Fallible {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        self.inner.apply_order()
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        // The rule takes the node by value: only a node it may change (one with a subquery
        // in its expressions) is copied to be kept.
        if !node_has_subquery(&plan)? {
            return self.inner.rewrite(plan, config);
        }
        let kept = plan.clone();
        match self.inner.rewrite(plan, config) {
            Ok(rewritten) => Ok(rewritten),
            Err(_) => Ok(Transformed::no(kept)),
        }
    }
}

/// Whether an expression of `node` itself is a subquery.
fn node_has_subquery(node: &LogicalPlan) -> Result<bool> {
    let mut found = false;
    node.apply_expressions(|expr| {
        found = expr.exists(|e| {
            Ok(matches!(
                e,
                Expr::ScalarSubquery(_) | Expr::Exists(_) | Expr::InSubquery(_)
            ))
        })?;
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(found)
}

/// Whether an expression of `plan` (not of its subqueries' plans) is a subquery.
fn has_subquery(plan: &LogicalPlan) -> Result<bool> {
    plan.exists(node_has_subquery)
}

/// `plan` with each subquery expression left in it replaced by a [`SubPlan`] call.
fn sub_plans(plan: LogicalPlan, session: &SessionState) -> Result<LogicalPlan> {
    // Subqueries run as one partition; see the module documentation. The session for them
    // is made only for a plan that has one (most have none).
    let inner: std::cell::OnceCell<Arc<SessionState>> = std::cell::OnceCell::new();
    let inner = || {
        inner.get_or_init(|| {
            let mut state = SessionStateBuilder::new_from_existing(session.clone()).build();
            state.config_mut().options_mut().execution.target_partitions = 1;
            Arc::new(state)
        })
    };
    plan.transform_up(|node| {
        node.map_expressions(|expr| {
            expr.transform_up(|e| match e {
                Expr::ScalarSubquery(subquery) => {
                    let data_type = output_type(&subquery)?;
                    sub_plan(subquery, Kind::Scalar(data_type), None, inner())
                }
                Expr::Exists(Exists { subquery, negated }) => {
                    sub_plan(subquery, Kind::Exists { negated }, None, inner())
                }
                Expr::InSubquery(InSubquery {
                    expr,
                    subquery,
                    negated,
                }) => sub_plan(subquery, Kind::In { negated }, Some(*expr), inner()),
                other => Ok(Transformed::no(other)),
            })
        })
    })
    .map(|t| t.data)
}

fn output_type(subquery: &Subquery) -> Result<DataType> {
    match subquery.subquery.schema().fields().first() {
        Some(field) => Ok(field.data_type().clone()),
        None => Err(DataFusionError::Plan(
            "a subquery used as an expression must return a column".to_string(),
        )),
    }
}

fn sub_plan(
    subquery: Subquery,
    kind: Kind,
    compared: Option<Expr>,
    session: &Arc<SessionState>,
) -> Result<Transformed<Expr>> {
    let outer: Vec<Column> = subquery
        .outer_ref_columns
        .iter()
        .filter_map(|e| match e {
            Expr::OuterReferenceColumn(_, column) => Some(column.clone()),
            _ => None,
        })
        .collect();
    let mut args: Vec<Expr> = compared.into_iter().collect();
    args.extend(outer.iter().cloned().map(Expr::Column));
    let function = SubPlan {
        plan: Arc::clone(&subquery.subquery),
        outer,
        kind,
        session: Arc::clone(session),
        // No argument for an uncorrelated subquery.
        signature: Signature::one_of(
            vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
            Volatility::Volatile,
        ),
    };
    Ok(Transformed::yes(
        ScalarUDF::new_from_impl(function).call(args),
    ))
}

/// What a subquery answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// Its one value (NULL for no row; more than one row is 21000), of this type.
    Scalar(DataType),
    /// Whether it returns a row.
    Exists { negated: bool },
    /// Whether the first argument is among its values, with SQL's NULL rules.
    In { negated: bool },
}

/// A subquery as a function of the outer values it reads; see the module documentation.
#[derive(Debug)]
struct SubPlan {
    plan: Arc<LogicalPlan>,
    /// The outer columns the plan reads, in the order of the arguments that give them
    /// (after the compared value, for `IN`).
    outer: Vec<Column>,
    kind: Kind,
    session: Arc<SessionState>,
    signature: Signature,
}

impl PartialEq for SubPlan {
    fn eq(&self, other: &Self) -> bool {
        self.plan == other.plan && self.outer == other.outer && self.kind == other.kind
    }
}

impl Eq for SubPlan {}

impl Hash for SubPlan {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.plan.hash(state);
        self.outer.hash(state);
        self.kind.hash(state);
    }
}

/// What one run of the subquery gave.
enum Answer {
    Scalar(ScalarValue),
    Exists(bool),
    /// The values of its column.
    Values(Vec<ScalarValue>),
}

impl SubPlan {
    /// The plan with the outer columns replaced by `values`.
    fn bind(&self, values: &[ScalarValue]) -> Result<LogicalPlan> {
        let bound = self
            .plan
            .as_ref()
            .clone()
            .transform_up_with_subqueries(|node| {
                // A projected or aggregated expression keeps its name: the nodes above read
                // it by the name it had with the outer column in it.
                let keeps_names =
                    matches!(node, LogicalPlan::Projection(_) | LogicalPlan::Aggregate(_));
                node.map_expressions(|expr| {
                    let name = keeps_names.then(|| expr.schema_name().to_string());
                    let bound = expr.transform_up(|e| match e {
                        Expr::OuterReferenceColumn(field, column) => {
                            match self.outer.iter().position(|c| *c == column) {
                                Some(i) => {
                                    let value = values[i].cast_to(field.data_type())?;
                                    Ok(Transformed::yes(Expr::Literal(value, None)))
                                }
                                None => {
                                    Ok(Transformed::no(Expr::OuterReferenceColumn(field, column)))
                                }
                            }
                        }
                        // A subquery nested in this one no longer reads the columns bound.
                        Expr::ScalarSubquery(subquery) => Ok(Transformed::yes(
                            Expr::ScalarSubquery(self.unbind(subquery)),
                        )),
                        Expr::Exists(Exists { subquery, negated }) => {
                            Ok(Transformed::yes(Expr::Exists(Exists {
                                subquery: self.unbind(subquery),
                                negated,
                            })))
                        }
                        Expr::InSubquery(InSubquery {
                            expr,
                            subquery,
                            negated,
                        }) => Ok(Transformed::yes(Expr::InSubquery(InSubquery {
                            expr,
                            subquery: self.unbind(subquery),
                            negated,
                        }))),
                        other => Ok(Transformed::no(other)),
                    })?;
                    Ok(match (name, bound.transformed) {
                        (Some(name), true) => bound.map_data(|e| e.alias_if_changed(name))?,
                        _ => bound,
                    })
                })
            })?
            .data;
        Ok(match self.kind {
            // One row says whether there is one.
            Kind::Exists { .. } => LogicalPlanBuilder::from(bound).limit(0, Some(1))?.build()?,
            // Two rows are one too many.
            Kind::Scalar(_) => LogicalPlanBuilder::from(bound).limit(0, Some(2))?.build()?,
            Kind::In { .. } => bound,
        })
    }

    /// `subquery` without the outer columns this function binds among those it reads.
    fn unbind(&self, mut subquery: Subquery) -> Subquery {
        subquery.outer_ref_columns.retain(|e| match e {
            Expr::OuterReferenceColumn(_, column) => !self.outer.contains(column),
            _ => true,
        });
        subquery
    }

    /// Runs the subquery with the outer columns at `values`, on `runtime`.
    fn run(&self, runtime: &tokio::runtime::Runtime, values: &[ScalarValue]) -> Result<Answer> {
        let plan = self.bind(values)?;
        let session = Arc::clone(&self.session);
        let batches = runtime.block_on(async move {
            let physical = session.create_physical_plan(&plan).await?;
            collect(physical, session.task_ctx()).await
        })?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let column = |i: usize| -> Vec<&ArrayRef> { batches.iter().map(|b| b.column(i)).collect() };
        Ok(match &self.kind {
            Kind::Exists { .. } => Answer::Exists(rows > 0),
            Kind::Scalar(data_type) => match rows {
                0 => Answer::Scalar(ScalarValue::try_from(data_type)?),
                1 => {
                    let array = column(0).into_iter().find(|a| !a.is_empty());
                    match array {
                        Some(array) => Answer::Scalar(ScalarValue::try_from_array(array, 0)?),
                        None => Answer::Scalar(ScalarValue::try_from(data_type)?),
                    }
                }
                _ => {
                    return Err(function_error(
                        "more than one row returned by a subquery used as an expression",
                        SqlState::CARDINALITY_VIOLATION,
                    ));
                }
            },
            Kind::In { .. } => {
                let mut values = Vec::with_capacity(rows);
                for array in column(0) {
                    for i in 0..array.len() {
                        values.push(ScalarValue::try_from_array(array, i)?);
                    }
                }
                Answer::Values(values)
            }
        })
    }
}

impl SubPlan {
    /// The function's value for each of `rows` rows: the subquery's answer for the row's
    /// outer values (each distinct set run once), compared with `value` for `IN`.
    fn answer_rows(
        &self,
        runtime: &tokio::runtime::Runtime,
        rows: usize,
        value: Option<&ArrayRef>,
        outer: &[ArrayRef],
    ) -> Result<Vec<ScalarValue>> {
        let mut answers: HashMap<Vec<ScalarValue>, Answer> = HashMap::new();
        let mut results = Vec::with_capacity(rows);
        for row in 0..rows {
            let key = outer
                .iter()
                .map(|a| ScalarValue::try_from_array(a, row))
                .collect::<Result<Vec<_>>>()?;
            if !answers.contains_key(&key) {
                let answer = self.run(runtime, &key)?;
                answers.insert(key.clone(), answer);
            }
            let result = match (&answers[&key], &self.kind) {
                (Answer::Scalar(v), _) => v.clone(),
                (Answer::Exists(found), Kind::Exists { negated }) => {
                    ScalarValue::Boolean(Some(*found != *negated))
                }
                (Answer::Values(values), Kind::In { negated }) => {
                    let value = match value {
                        Some(array) => ScalarValue::try_from_array(array, row)?,
                        None => ScalarValue::Null,
                    };
                    ScalarValue::Boolean(is_in(&value, values).map(|b| b != *negated))
                }
                _ => ScalarValue::Boolean(None),
            };
            results.push(result);
        }
        Ok(results)
    }
}

/// `value IN (values)` with SQL's rules: NULL when no value equals it and either it or one of
/// the values is NULL (an empty list gives false).
fn is_in(value: &ScalarValue, values: &[ScalarValue]) -> Option<bool> {
    if values.is_empty() {
        return Some(false);
    }
    if value.is_null() {
        return None;
    }
    if values.iter().any(|v| v == value) {
        return Some(true);
    }
    if values.iter().any(ScalarValue::is_null) {
        return None;
    }
    Some(false)
}

impl ScalarUDFImpl for SubPlan {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Scalar(_) => "subquery",
            Kind::Exists { .. } => "exists",
            Kind::In { .. } => "in_subquery",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match &self.kind {
            Kind::Scalar(data_type) => data_type.clone(),
            Kind::Exists { .. } | Kind::In { .. } => DataType::Boolean,
        })
    }

    /// A scalar subquery's value keeps its column's PostgreSQL type (`json` text stays
    /// `json` for clients).
    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        let data_type = self.return_type(
            &args
                .arg_fields
                .iter()
                .map(|f| f.data_type().clone())
                .collect::<Vec<_>>(),
        )?;
        let mut field = datafusion::arrow::datatypes::Field::new(self.name(), data_type, true);
        if let Kind::Scalar(_) = self.kind
            && let Some(column) = self.plan.schema().fields().first()
        {
            field = field.with_metadata(column.metadata().clone());
        }
        Ok(Arc::new(field))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let compared = matches!(self.kind, Kind::In { .. });
        let (value, outer) = if compared {
            match arrays.split_first() {
                Some((value, outer)) => (Some(value), outer),
                None => {
                    return Err(DataFusionError::Plan(
                        "IN (subquery) needs a value to compare".to_string(),
                    ));
                }
            }
        } else {
            (None, arrays.as_slice())
        };
        // The subquery runs on a thread and runtime of its own: this one may be a worker of
        // a runtime that the subquery's plan would spawn tasks onto and then wait for.
        let results = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .map_err(|e| DataFusionError::External(Box::new(e)))?;
                    self.answer_rows(&runtime, rows, value, outer)
                })
                .join()
                .unwrap_or_else(|_| {
                    Err(DataFusionError::Execution(
                        "a subquery's evaluation panicked".to_string(),
                    ))
                })
        })?;
        let array: ArrayRef = if results.is_empty() {
            datafusion::arrow::array::new_empty_array(&self.return_type(&[])?)
        } else {
            ScalarValue::iter_to_array(results)?
        };
        Ok(ColumnarValue::Array(array))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_follows_sql_null_rules() {
        let int = |v: Option<i64>| ScalarValue::Int64(v);
        assert_eq!(is_in(&int(Some(1)), &[int(Some(1)), int(None)]), Some(true));
        assert_eq!(is_in(&int(Some(2)), &[int(Some(1)), int(None)]), None);
        assert_eq!(is_in(&int(Some(2)), &[int(Some(1))]), Some(false));
        assert_eq!(is_in(&int(None), &[int(Some(1))]), None);
        assert_eq!(is_in(&int(None), &[]), Some(false));
    }
}
