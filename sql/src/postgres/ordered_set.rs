//! PostgreSQL's ordered-set aggregates DataFusion lacks: `percentile_disc(f) WITHIN GROUP
//! (ORDER BY x)`, the first value whose position in the order reaches the fraction `f` of
//! the rows (a value of the group, never an interpolation as `percentile_cont`'s), and
//! `mode() WITHIN GROUP (ORDER BY x)`, the most frequent value (of those as frequent, the
//! first in the order). NULLs are left out, as PostgreSQL leaves them; a group of none gives
//! NULL, and a fraction outside 0 to 1 is 22003.
//!
//! Each group's values are kept (as PostgreSQL keeps them to sort) and sorted once, at the
//! end, in the direction the `ORDER BY` gives.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, make_comparator};
use datafusion::arrow::compute::{SortOptions, concat, filter, is_not_null, sort_to_indices};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::error::function_error;

pub(crate) fn percentile_disc() -> AggregateUDF {
    AggregateUDF::new_from_impl(OrderedSet {
        kind: Kind::PercentileDisc,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

pub(crate) fn mode() -> AggregateUDF {
    AggregateUDF::new_from_impl(OrderedSet {
        kind: Kind::Mode,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    PercentileDisc,
    Mode,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct OrderedSet {
    kind: Kind,
    signature: Signature,
}

impl AggregateUDFImpl for OrderedSet {
    fn name(&self) -> &str {
        match self.kind {
            Kind::PercentileDisc => "percentile_disc",
            Kind::Mode => "mode",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The ordered value first (DataFusion puts the `WITHIN GROUP` expression there), then
    /// `percentile_disc`'s fraction as a float.
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match (self.kind, arg_types) {
            (Kind::PercentileDisc, [value, _]) => Ok(vec![value.clone(), DataType::Float64]),
            (Kind::Mode, [value]) => Ok(vec![value.clone()]),
            (Kind::PercentileDisc, _) => {
                plan_err!(
                    "percentile_disc(fraction) WITHIN GROUP (ORDER BY value) takes one fraction"
                )
            }
            (Kind::Mode, _) => plan_err!("mode() WITHIN GROUP (ORDER BY value) takes no argument"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first() {
            Some(value) => Ok(value.clone()),
            None => plan_err!("{} needs WITHIN GROUP (ORDER BY value)", self.name()),
        }
    }

    fn supports_within_group_clause(&self) -> bool {
        true
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let descending = args
            .order_bys
            .first()
            .is_some_and(|sort| sort.options.descending);
        Ok(Box::new(Sorted {
            kind: self.kind,
            data_type: args.expr_fields[0].data_type().clone(),
            descending,
            values: Vec::new(),
            fraction: None,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let value = args.input_fields[0].data_type().clone();
        Ok(vec![
            Field::new(
                format_state_name(args.name, "values"),
                DataType::new_list(value, true),
                true,
            )
            .into(),
            Field::new(
                format_state_name(args.name, "fraction"),
                DataType::Float64,
                true,
            )
            .into(),
        ])
    }
}

/// One group's non-NULL values, in the batches they came in.
#[derive(Debug)]
struct Sorted {
    kind: Kind,
    data_type: DataType,
    descending: bool,
    values: Vec<ArrayRef>,
    /// `percentile_disc`'s fraction, the first one not NULL.
    fraction: Option<f64>,
}

impl Sorted {
    fn keep(&mut self, values: &ArrayRef) -> Result<()> {
        let kept = if values.null_count() == 0 {
            Arc::clone(values)
        } else {
            filter(values, &is_not_null(values)?)?
        };
        if !kept.is_empty() {
            self.values.push(kept);
        }
        Ok(())
    }

    fn take_fraction(&mut self, fractions: Option<&ArrayRef>) {
        if self.fraction.is_some() {
            return;
        }
        if let Some(fractions) = fractions
            .and_then(|f| f.as_primitive_opt::<datafusion::arrow::datatypes::Float64Type>())
        {
            self.fraction = fractions.iter().flatten().next();
        }
    }
}

impl Accumulator for Sorted {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if let Some(column) = values.first() {
            self.keep(column)?;
        }
        self.take_fraction(values.get(1));
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let all = self.all()?;
        Ok(vec![
            SingleRowListArrayBuilder::new(all).build_list_scalar(),
            ScalarValue::Float64(self.fraction),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if let Some(lists) = states.first() {
            let lists = lists.as_list::<i32>();
            for i in 0..lists.len() {
                if lists.is_valid(i) {
                    self.keep(&lists.value(i))?;
                }
            }
        }
        self.take_fraction(states.get(1));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let all = self.all()?;
        if all.is_empty() {
            return ScalarValue::try_from(&self.data_type);
        }
        let options = SortOptions {
            descending: self.descending,
            nulls_first: false,
        };
        let order = sort_to_indices(&all, Some(options), None)?;
        let at = |k: usize| order.value(k) as usize;
        let index = match self.kind {
            Kind::PercentileDisc => {
                let Some(fraction) = self.fraction else {
                    return ScalarValue::try_from(&self.data_type);
                };
                if !(0.0..=1.0).contains(&fraction) {
                    return Err(function_error(
                        format!("percentile value {fraction} is not between 0 and 1"),
                        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                    ));
                }
                let rank = (fraction * order.len() as f64).ceil() as usize;
                at(rank.clamp(1, order.len()) - 1)
            }
            Kind::Mode => {
                let same = make_comparator(&all, &all, options)?;
                let (mut best, mut best_count) = (at(0), 0);
                let mut k = 0;
                while k < order.len() {
                    let first = at(k);
                    let mut end = k + 1;
                    while end < order.len() && same(first, at(end)) == Ordering::Equal {
                        end += 1;
                    }
                    if end - k > best_count {
                        (best, best_count) = (first, end - k);
                    }
                    k = end;
                }
                best
            }
        };
        ScalarValue::try_from_array(&all, index)
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + self
                .values
                .iter()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}

impl Sorted {
    /// Every value kept, as one array.
    fn all(&mut self) -> Result<ArrayRef> {
        match self.values.len() {
            0 => Ok(datafusion::arrow::array::new_empty_array(&self.data_type)),
            1 => Ok(Arc::clone(&self.values[0])),
            _ => {
                let parts: Vec<&dyn Array> = self.values.iter().map(|a| a.as_ref()).collect();
                let all = concat(&parts)?;
                self.values = vec![Arc::clone(&all)];
                Ok(all)
            }
        }
    }
}
