//! Window frames with `EXCLUDE CURRENT ROW`, `EXCLUDE GROUP` or `EXCLUDE TIES`, which
//! DataFusion's window functions do not have: the front end (`parser/window_exclude`) calls
//! `__driftdb_excluding_<f>(mode, args...)` over the same window instead of `f(args...)`,
//! and this window function computes `f` over each row's frame less the rows excluded:
//! the row itself, its peers (the rows equal to it in the window's `ORDER BY`; every row of
//! the partition without one) with it, or its peers without it.
//!
//! An aggregate is computed by the session's own aggregate function (so `sum(integer)` is
//! still a `bigint`, `avg` PostgreSQL's), fed the rows kept for each row: the cost is the
//! frame's size per row, as in PostgreSQL, which restarts its aggregate for excluding frames
//! too. `first_value`, `last_value` and `nth_value` pick from the rows kept.

use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt32Array, make_comparator};
use datafusion::arrow::compute::{SortOptions, cast, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type, Schema};
use datafusion::common::{DataFusionError, Result, ScalarValue, internal_err, plan_err};
use datafusion::logical_expr::function::{
    AccumulatorArgs, PartitionEvaluatorArgs, WindowUDFFieldArgs,
};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    AggregateUDF, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{Column, Literal};

use crate::SqlState;

/// The names of the functions, each `__driftdb_excluding_` and the function's own.
pub(crate) const EXCLUDING: &str = "__driftdb_excluding_";

/// The functions a frame may exclude rows from, and how many arguments each takes.
pub(crate) const FUNCTIONS: &[(&str, usize)] = &[
    ("sum", 1),
    ("count", 1),
    ("avg", 1),
    ("min", 1),
    ("max", 1),
    ("bool_and", 1),
    ("bool_or", 1),
    ("stddev", 1),
    ("stddev_samp", 1),
    ("stddev_pop", 1),
    ("var_samp", 1),
    ("var_pop", 1),
    ("array_agg", 1),
    ("string_agg", 2),
    ("first_value", 1),
    ("last_value", 1),
    ("nth_value", 2),
];

/// What a frame excludes: the `mode` argument's values.
pub(crate) const CURRENT_ROW: i64 = 1;
pub(crate) const GROUP: i64 = 2;
pub(crate) const TIES: i64 = 3;

/// The excluding window function of `name` (one of [`FUNCTIONS`]), computing an aggregate
/// with `aggregate` (`None` for `first_value`, `last_value` and `nth_value`).
pub(crate) fn excluding(
    name: &str,
    arity: usize,
    aggregate: Option<Arc<AggregateUDF>>,
) -> WindowUDF {
    WindowUDF::new_from_impl(Excluding {
        name: format!("{EXCLUDING}{name}"),
        function: name.to_string(),
        arity,
        aggregate,
        signature: Signature::variadic_any(Volatility::Immutable),
    })
}

#[derive(Debug)]
struct Excluding {
    name: String,
    function: String,
    arity: usize,
    aggregate: Option<Arc<AggregateUDF>>,
    signature: Signature,
}

impl PartialEq for Excluding {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Excluding {}

impl std::hash::Hash for Excluding {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl Excluding {
    /// The function's own arguments' fields (after the mode), coerced as the aggregate
    /// coerces them.
    fn argument_fields(&self, input: &[FieldRef]) -> Result<Vec<FieldRef>> {
        let own = match input.get(1..) {
            Some(own) if own.len() == self.arity => own,
            _ => return plan_err!("{} takes {} arguments", self.function, self.arity),
        };
        match &self.aggregate {
            Some(aggregate) => fields_with_udf(own, aggregate.as_ref()),
            None => Ok(own.to_vec()),
        }
    }
}

impl WindowUDFImpl for Excluding {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let fields = self.argument_fields(field_args.input_fields())?;
        let data_type = match &self.aggregate {
            Some(aggregate) => aggregate.return_field(&fields)?.data_type().clone(),
            None => fields[0].data_type().clone(),
        };
        Ok(Arc::new(Field::new(field_args.name(), data_type, true)))
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let fields = self.argument_fields(args.input_fields())?;
        let return_field = match &self.aggregate {
            Some(aggregate) => aggregate.return_field(&fields)?,
            None => Arc::clone(&fields[0]),
        };
        Ok(Box::new(Evaluator {
            function: self.function.clone(),
            arity: self.arity,
            aggregate: self.aggregate.clone(),
            fields,
            return_field,
            row: 0,
            peers: None,
        }))
    }
}

#[derive(Debug)]
struct Evaluator {
    function: String,
    arity: usize,
    aggregate: Option<Arc<AggregateUDF>>,
    fields: Vec<FieldRef>,
    return_field: FieldRef,
    /// The row whose value comes next: DataFusion evaluates a partition's rows in order.
    row: usize,
    /// Each row's peer group, numbered from 0 in order.
    peers: Option<Vec<usize>>,
}

/// Each row's peer group: rows equal in every `ORDER BY` column (which DataFusion passes
/// after the arguments) are in one, and the partition is sorted by them.
fn peer_groups(order_by: &[ArrayRef], rows: usize) -> Result<Vec<usize>> {
    let same = order_by
        .iter()
        .map(|column| make_comparator(column, column, SortOptions::default()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut groups = Vec::with_capacity(rows);
    let mut group = 0;
    for row in 0..rows {
        if row > 0 && same.iter().any(|cmp| cmp(row - 1, row).is_ne()) {
            group += 1;
        }
        groups.push(group);
    }
    Ok(groups)
}

impl PartitionEvaluator for Evaluator {
    fn uses_window_frame(&self) -> bool {
        true
    }

    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        let row = self.row;
        self.row += 1;
        // (An integer literal may have been typed `integer`.)
        let Some(mode) = values.first().filter(|m| !m.is_empty()) else {
            return internal_err!("{} without its exclusion", self.function);
        };
        let mode = cast(mode, &DataType::Int64)?;
        let mode = mode.as_primitive::<Int64Type>().value(0);
        let arguments = &values[1..1 + self.arity];
        if self.peers.is_none() {
            let rows = arguments[0].len();
            self.peers = Some(peer_groups(&values[1 + self.arity..], rows)?);
        }
        let peers = self.peers.as_deref().unwrap_or_default();
        let excluded = |j: usize| match mode {
            CURRENT_ROW => j == row,
            GROUP => peers[j] == peers[row],
            TIES => peers[j] == peers[row] && j != row,
            _ => false,
        };
        let kept: Vec<u32> = range
            .clone()
            .filter(|&j| !excluded(j))
            .filter_map(|j| u32::try_from(j).ok())
            .collect();
        let kept = UInt32Array::from(kept);
        let taken = arguments
            .iter()
            .zip(&self.fields)
            .map(|(argument, field)| cast(&take(argument, &kept, None)?, field.data_type()))
            .collect::<Result<Vec<_>, _>>()?;
        match &self.aggregate {
            Some(aggregate) => self.aggregate_over(aggregate, &taken, row, arguments),
            None => self.pick(&taken, arguments, row),
        }
    }
}

impl Evaluator {
    /// The aggregate over the rows kept.
    /// (An argument after the first is given as the row's value, a constant: `string_agg`
    /// reads its delimiter so.)
    fn aggregate_over(
        &self,
        aggregate: &AggregateUDF,
        taken: &[ArrayRef],
        row: usize,
        arguments: &[ArrayRef],
    ) -> Result<ScalarValue> {
        let schema = Schema::new(self.fields.clone());
        let exprs = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| -> Result<Arc<dyn PhysicalExpr>> {
                Ok(if i == 0 {
                    Arc::new(Column::new(field.name(), i))
                } else {
                    let value = ScalarValue::try_from_array(&arguments[i], row)?
                        .cast_to(field.data_type())?;
                    Arc::new(Literal::new(value))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut accumulator = aggregate.accumulator(AccumulatorArgs {
            return_field: Arc::clone(&self.return_field),
            schema: &schema,
            ignore_nulls: false,
            order_bys: &[],
            is_reversed: false,
            name: &self.function,
            is_distinct: false,
            exprs: &exprs,
            expr_fields: &self.fields,
        })?;
        accumulator.update_batch(taken)?;
        accumulator.evaluate()
    }

    /// `first_value`, `last_value` or `nth_value` of the rows kept.
    fn pick(&self, taken: &[ArrayRef], arguments: &[ArrayRef], row: usize) -> Result<ScalarValue> {
        let kept = &taken[0];
        let index = match self.function.as_str() {
            "first_value" => Some(0),
            "last_value" => kept.len().checked_sub(1),
            _ => {
                match ScalarValue::try_from_array(&arguments[1], row)?.cast_to(&DataType::Int64)? {
                    ScalarValue::Int64(Some(n)) if n > 0 => usize::try_from(n - 1).ok(),
                    ScalarValue::Int64(Some(_)) => {
                        return Err(DataFusionError::External(Box::new(
                            crate::error::Error::Execution {
                                message: "argument of nth_value must be greater than zero"
                                    .to_string(),
                                sqlstate: SqlState::INVALID_ARGUMENT_FOR_NTH_VALUE,
                            },
                        )));
                    }
                    _ => None,
                }
            }
        };
        match index.filter(|&i| i < kept.len()) {
            Some(i) => ScalarValue::try_from_array(kept, i),
            None => ScalarValue::try_from(kept.data_type()),
        }
    }
}
