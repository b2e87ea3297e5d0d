//! An integer literal is an `integer` when it fits one, as in PostgreSQL.
//!
//! PostgreSQL types `1` as `integer` (int4), a larger literal as `bigint`, a larger one still
//! as `numeric`. DataFusion types every integer literal `Int64`, so `SELECT 1` reached
//! clients as `bigint` (node-postgres hands an int8 over as a string), `int_column + 1` was a
//! `bigint` that never overflowed where PostgreSQL says "integer out of range" (22003),
//! `gcd(int_column, 0)` answered past `integer`'s range, and `CREATE TABLE t AS SELECT 1 AS x`
//! made a `bigint` column. This rule runs before DataFusion's type coercion and makes each
//! `Int64` literal that fits an `i32` an `Int32`; coercion then widens it wherever the other
//! side is wider, as PostgreSQL's implicit casts do.
//!
//! Left as they are: `LIMIT` and `OFFSET` (DataFusion wants `Int64` there), `count(*)`'s
//! expansion `count(1)` (DataFusion's optimizer recognizes it by its `Int64`), a `VALUES`
//! column holding a literal that does not fit (the column is `bigint`, as in PostgreSQL),
//! and plans with a recursive CTE, whose work table keeps the types it was planned with.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::utils::expr::COUNT_STAR_EXPANSION;
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan, Values};
use datafusion::optimizer::AnalyzerRule;

/// The rule; see the module documentation. It must run before type coercion.
#[derive(Debug, Default)]
pub(crate) struct IntegerLiterals;

impl AnalyzerRule for IntegerLiterals {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        // Most plans have no literal to narrow: they are left as they are, their schemas
        // not recomputed.
        if !has_narrowed_literal(&plan) {
            return Ok(plan);
        }
        // A recursive CTE anywhere, in a subquery too, keeps DataFusion's types.
        let mut recursive = false;
        plan.apply_with_subqueries(|node| {
            recursive |= matches!(node, LogicalPlan::RecursiveQuery(_));
            Ok(if recursive {
                TreeNodeRecursion::Stop
            } else {
                TreeNodeRecursion::Continue
            })
        })?;
        if recursive {
            return Ok(plan);
        }
        plan.transform_up_with_subqueries(narrow_node)
            .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "postgres_integer_literals"
    }
}

/// Whether the rule changes a literal of `plan` (so the analyzed plan's types may differ
/// from the planned ones).
pub(crate) fn has_narrowed_literal(plan: &LogicalPlan) -> bool {
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                found |= matches!(e, Expr::Literal(value, _) if narrowed(value).is_some());
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

/// An integer constant's value, whichever width the literal has.
pub(crate) fn integer_value(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int64(Some(v)) => Some(*v),
        ScalarValue::Int32(Some(v)) => Some(i64::from(*v)),
        ScalarValue::Int16(Some(v)) => Some(i64::from(*v)),
        _ => None,
    }
}

/// An integer literal's value, seen through the cast type coercion puts on it where a
/// function takes a wider integer.
pub(crate) fn integer_constant(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Literal(value, _) => integer_value(value),
        Expr::Cast(cast) if cast.field.data_type().is_integer() => integer_constant(&cast.expr),
        _ => None,
    }
}

/// The `integer` a literal is, if it is an `Int64` that fits one; and the `numeric` of scale
/// 0 a decimal literal with a negative scale is (`1e15` is parsed as one digit at scale -15,
/// which PostgreSQL's numeric never has and DataFusion's decimal functions get wrong:
/// `round(1e15, 2)` was 10).
fn narrowed(value: &ScalarValue) -> Option<ScalarValue> {
    match value {
        ScalarValue::Int64(Some(v)) => i32::try_from(*v).ok().map(|v| ScalarValue::Int32(Some(v))),
        ScalarValue::Decimal128(Some(v), precision, scale) if *scale < 0 => {
            let shift = u32::from(scale.unsigned_abs());
            let precision = precision.checked_add(scale.unsigned_abs())?;
            let mantissa = 10i128.checked_pow(shift)?.checked_mul(*v)?;
            (precision <= crate::arrow::MAX_DECIMAL_DIGITS).then_some(ScalarValue::Decimal128(
                Some(mantissa),
                precision,
                0,
            ))
        }
        _ => None,
    }
}

fn narrow_node(node: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    match node {
        LogicalPlan::Limit(_) => Ok(Transformed::no(node)),
        LogicalPlan::Values(values) => narrow_values(values),
        // Its schema is recomputed whether or not its own literals changed: an input's may
        // have (type coercion, next, recomputes every node's again).
        node => {
            let names = NamePreserver::new(&node);
            node.map_expressions(|expr| {
                let name = names.save(&expr);
                narrow_expr(expr).map(|t| t.update_data(|e| name.restore(e)))
            })?
            .map_data(|plan| plan.recompute_schema())
        }
    }
}

fn narrow_expr(expr: Expr) -> Result<Transformed<Expr>> {
    expr.transform_down(|e| match e {
        Expr::AggregateFunction(ref f)
            if f.func.name() == "count"
                && matches!(
                    f.params.args.as_slice(),
                    [Expr::Literal(v, _)] if *v == COUNT_STAR_EXPANSION
                ) =>
        {
            Ok(Transformed::new(e, false, TreeNodeRecursion::Jump))
        }
        Expr::Literal(ref value, ref metadata) => match narrowed(value) {
            Some(value) => Ok(Transformed::yes(Expr::Literal(value, metadata.clone()))),
            None => Ok(Transformed::no(e)),
        },
        other => Ok(Transformed::no(other)),
    })
}

/// A `VALUES` list: each `bigint` column whose every value is a literal that fits an
/// `integer` (or NULL) becomes an `integer` column.
fn narrow_values(values: Values) -> Result<Transformed<LogicalPlan>> {
    let Values { schema, mut values } = values;
    let narrowable = |column: usize| {
        schema.field(column).data_type() == &DataType::Int64
            && values.iter().all(|row| match row.get(column) {
                Some(Expr::Literal(ScalarValue::Int64(None), _)) => true,
                Some(Expr::Literal(value, _)) => narrowed(value).is_some(),
                _ => false,
            })
    };
    let columns: Vec<usize> = (0..schema.fields().len())
        .filter(|&c| narrowable(c))
        .collect();
    if columns.is_empty() {
        return Ok(Transformed::no(LogicalPlan::Values(Values {
            schema,
            values,
        })));
    }
    for row in &mut values {
        for &c in &columns {
            if let Some(Expr::Literal(value, _)) = row.get_mut(c) {
                *value = narrowed(value).unwrap_or(ScalarValue::Int32(None));
            }
        }
    }
    let fields: Vec<(Option<datafusion::common::TableReference>, Arc<Field>)> = schema
        .iter()
        .enumerate()
        .map(|(i, (qualifier, field))| {
            let field = if columns.contains(&i) {
                Arc::new(field.as_ref().clone().with_data_type(DataType::Int32))
            } else {
                Arc::clone(field)
            };
            (qualifier.cloned(), field)
        })
        .collect();
    let schema = DFSchema::new_with_metadata(fields, schema.metadata().clone())?;
    Ok(Transformed::yes(LogicalPlan::Values(Values {
        schema: Arc::new(schema),
        values,
    })))
}
