//! `avg` as PostgreSQL has it: the average of integers or `numeric` is `numeric`, exact, at
//! least 16 decimal places (PostgreSQL's `avg(1, 2)` is `1.5000000000000000`), rounded half
//! away from zero; of floats, `double precision`.
//!
//! DataFusion's `avg` gives a float for integers and, for a decimal of scale `s`, a decimal of
//! scale `s + 4` computed by truncating division. This one replaces it by name.
//!
//! - Integers are summed exactly into an `i128` per group and divided once, at the end
//!   ([`IntAvg`], [`IntAvgGroups`]): no value is widened to a decimal on the way in.
//! - Decimals (and `avg(DISTINCT integer)`) are left to DataFusion's decimal average over the
//!   input cast to a decimal of scale `max(13, s)`: the average then has three more digits
//!   than wanted, from which it is rounded to `max(13, s) + 3` (16 for integers). Truncating
//!   at one digit past the last kept, then rounding on that digit, is rounding the exact
//!   quotient.
//!
//! PostgreSQL's own scale grows for averages below 1 and shrinks for very large ones; this
//! one is fixed, so such averages show more or fewer zeros, never other digits.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, UInt64Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::{cast, prep_null_mask_filter};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, FieldRef, Int64Type, UInt64Type,
};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::functions_aggregate::average::Avg;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, ReversedUDAF,
    Signature, Volatility,
};
use datafusion::physical_expr::NullState;

use crate::SqlState;
use crate::error::function_error;

/// The digits of precision every average is computed with.
const PRECISION: u8 = 38;
/// The least scale a decimal input is cast to; the average has three more.
const INPUT_SCALE: i8 = 13;
/// The scale of an average of integers.
const INT_SCALE: i8 = INPUT_SCALE + 3;

/// PostgreSQL's `avg`, for registering in a session (it replaces DataFusion's).
pub(crate) fn avg() -> AggregateUDF {
    AggregateUDF::from(PgAvg {
        inner: Avg::new(),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgAvg {
    inner: Avg,
    signature: Signature,
}

/// The decimal an input of type `t` is averaged as by DataFusion's `avg`.
fn decimal_input(t: &DataType) -> Option<DataType> {
    match t {
        t if t.is_integer() => Some(DataType::Decimal128(PRECISION, INPUT_SCALE)),
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => {
            Some(DataType::Decimal128(PRECISION, (*s).max(INPUT_SCALE)))
        }
        _ => None,
    }
}

/// Whether the (coerced) input is averaged by [`IntAvg`] / [`IntAvgGroups`].
fn summed_exactly(input: &DataType, distinct: bool) -> bool {
    *input == DataType::Int64 && !distinct
}

/// The scale of DataFusion's average of a decimal of scale `s`, and of ours.
fn scales(input: &DataType) -> Option<(i8, i8)> {
    match input {
        DataType::Decimal128(_, s) => Some(((*s + 4).min(38), (*s + 3).min(38))),
        _ => None,
    }
}

/// The type DataFusion's `avg` is to see an input of type `input` as: the integers of
/// `avg(DISTINCT)` go to it as decimals.
fn inner_input(input: &DataType) -> DataType {
    match input {
        DataType::Int64 => DataType::Decimal128(PRECISION, INPUT_SCALE),
        t => t.clone(),
    }
}

/// The return field DataFusion's `avg` has for the input.
fn inner_return(input: &DataType, field: &FieldRef) -> FieldRef {
    match scales(input) {
        Some((inner, _)) => Arc::new(Field::new(
            field.name(),
            DataType::Decimal128(PRECISION, inner),
            true,
        )),
        None => Arc::clone(field),
    }
}

/// The input fields DataFusion's `avg` is to see.
fn inner_fields(fields: &[FieldRef]) -> Vec<FieldRef> {
    fields
        .iter()
        .map(|f| {
            Arc::new(
                f.as_ref()
                    .clone()
                    .with_data_type(inner_input(f.data_type())),
            )
        })
        .collect()
}

/// What DataFusion's accumulator for `args` needs done around it: the type its input is
/// cast to and the scale its average is rounded to (`None`: passed as they are).
fn wrapping(args: &AccumulatorArgs<'_>) -> (Option<DataType>, Option<i8>) {
    let input = args.expr_fields[0].data_type();
    let inner = inner_input(input);
    let scale = scales(&inner).map(|(_, outer)| outer);
    ((inner != *input).then_some(inner), scale)
}

/// Builds DataFusion's accumulator (`make`) for `args` as it is to see them.
fn with_inner_args<T>(
    args: AccumulatorArgs<'_>,
    make: impl FnOnce(AccumulatorArgs<'_>) -> Result<T>,
) -> Result<T> {
    let fields = inner_fields(args.expr_fields);
    let return_field = inner_return(fields[0].data_type(), &args.return_field);
    make(AccumulatorArgs {
        return_field,
        expr_fields: &fields,
        ..args
    })
}

impl AggregateUDFImpl for PgAvg {
    fn name(&self) -> &str {
        "avg"
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [t] = arg_types else {
            return plan_err!("avg takes one argument");
        };
        Ok(vec![match t {
            DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Null => {
                DataType::Float64
            }
            DataType::Duration(_) | DataType::Interval(_) => t.clone(),
            t if t.is_integer() && *t != DataType::UInt64 => DataType::Int64,
            t => match decimal_input(t) {
                Some(decimal) => decimal,
                None => {
                    return Err(function_error(
                        format!("function avg({t}) does not exist"),
                        SqlState::UNDEFINED_FUNCTION,
                    ));
                }
            },
        }])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match scales(&inner_input(&arg_types[0])) {
            Some((_, outer)) => Ok(DataType::Decimal128(PRECISION, outer)),
            None => self.inner.return_type(arg_types),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if summed_exactly(args.expr_fields[0].data_type(), args.is_distinct) {
            return Ok(Box::<IntAvg>::default());
        }
        let (cast_to, scale) = wrapping(&args);
        let inner = with_inner_args(args, |args| self.inner.accumulator(args))?;
        Ok(match scale {
            Some(scale) => Box::new(Rounded {
                inner,
                cast_to,
                scale,
            }),
            None => inner,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        if summed_exactly(args.input_fields[0].data_type(), args.is_distinct) {
            return Ok(vec![
                Field::new(
                    format_state_name(args.name, "count"),
                    DataType::UInt64,
                    true,
                )
                .into(),
                Field::new(
                    format_state_name(args.name, "sum"),
                    DataType::Decimal128(PRECISION, 0),
                    true,
                )
                .into(),
            ]);
        }
        let fields = inner_fields(args.input_fields);
        self.inner.state_fields(StateFieldsArgs {
            return_field: inner_return(fields[0].data_type(), &args.return_field),
            input_fields: &fields,
            ..args
        })
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        summed_exactly(args.expr_fields[0].data_type(), args.is_distinct)
            || with_inner_args(args, |args| {
                Ok(self.inner.groups_accumulator_supported(args))
            })
            .unwrap_or(false)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        if summed_exactly(args.expr_fields[0].data_type(), args.is_distinct) {
            return Ok(Box::<IntAvgGroups>::default());
        }
        let (_, scale) = wrapping(&args);
        let inner = with_inner_args(args, |args| self.inner.create_groups_accumulator(args))?;
        Ok(match scale {
            Some(scale) => Box::new(RoundedGroups { inner, scale }),
            None => inner,
        })
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::Identical
    }
}

/// `sum / count` at [`INT_SCALE`], rounded half away from zero. `count` is not 0; the
/// average of 64-bit integers is within their range, so nothing overflows: the remainder
/// is below `count` (< 2^64) before it is scaled.
fn int_average(sum: i128, count: u64) -> i128 {
    const SCALE: i128 = 10_i128.pow(INT_SCALE as u32);
    let count = i128::from(count);
    let (whole, rest) = (sum / count, sum % count);
    let (fraction, left) = ((rest * SCALE) / count, (rest * SCALE) % count);
    let half_up = if 2 * left.abs() >= count {
        left.signum()
    } else {
        0
    };
    whole * SCALE + fraction + half_up
}

/// The type of an average of integers.
fn int_average_type() -> DataType {
    DataType::Decimal128(PRECISION, INT_SCALE)
}

/// The average of integers, for one group (and over window frames, which retract).
#[derive(Debug, Default)]
struct IntAvg {
    count: u64,
    sum: i128,
}

impl Accumulator for IntAvg {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = values[0].as_primitive::<Int64Type>();
        self.count += (values.len() - values.null_count()) as u64;
        self.sum = values
            .iter()
            .flatten()
            .fold(self.sum, |sum, v| sum.wrapping_add(i128::from(v)));
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = values[0].as_primitive::<Int64Type>();
        self.count -= (values.len() - values.null_count()) as u64;
        self.sum = values
            .iter()
            .flatten()
            .fold(self.sum, |sum, v| sum.wrapping_sub(i128::from(v)));
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let average = (self.count > 0).then(|| int_average(self.sum, self.count));
        Ok(ScalarValue::Decimal128(average, PRECISION, INT_SCALE))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::UInt64(Some(self.count)),
            ScalarValue::Decimal128(Some(self.sum), PRECISION, 0),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<UInt64Type>();
        let sums = states[1].as_primitive::<Decimal128Type>();
        self.count += counts.iter().flatten().sum::<u64>();
        self.sum = sums
            .iter()
            .flatten()
            .fold(self.sum, |sum, v| sum.wrapping_add(v));
        Ok(())
    }
}

/// The averages of integers, per group: a count and an exact sum each.
#[derive(Default)]
struct IntAvgGroups {
    counts: Vec<u64>,
    sums: Vec<i128>,
    /// Which groups have seen a value (the others average to NULL).
    seen: NullState,
}

impl GroupsAccumulator for IntAvgGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let values = values[0].as_primitive::<Int64Type>();
        self.counts.resize(total_num_groups, 0);
        self.sums.resize(total_num_groups, 0);
        let (counts, sums) = (&mut self.counts, &mut self.sums);
        self.seen.accumulate(
            group_indices,
            values,
            opt_filter,
            total_num_groups,
            |group, value| {
                sums[group] = sums[group].wrapping_add(i128::from(value));
                counts[group] += 1;
            },
        );
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let counts = emit_to.take_needed(&mut self.counts);
        let sums = emit_to.take_needed(&mut self.sums);
        let nulls = self.seen.build(emit_to);
        let averages: Vec<i128> = sums
            .into_iter()
            .zip(counts)
            .map(|(sum, count)| {
                if count == 0 {
                    0
                } else {
                    int_average(sum, count)
                }
            })
            .collect();
        Ok(Arc::new(
            Decimal128Array::new(averages.into(), nulls).with_data_type(int_average_type()),
        ))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let nulls = self.seen.build(emit_to);
        let counts = emit_to.take_needed(&mut self.counts);
        let sums = emit_to.take_needed(&mut self.sums);
        Ok(vec![
            Arc::new(UInt64Array::new(counts.into(), nulls.clone())),
            Arc::new(
                Decimal128Array::new(sums.into(), nulls)
                    .with_data_type(DataType::Decimal128(PRECISION, 0)),
            ),
        ])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let partial_counts = values[0].as_primitive::<UInt64Type>();
        let partial_sums = values[1].as_primitive::<Decimal128Type>();
        self.counts.resize(total_num_groups, 0);
        self.sums.resize(total_num_groups, 0);
        let counts = &mut self.counts;
        self.seen.accumulate(
            group_indices,
            partial_counts,
            None,
            total_num_groups,
            |group, count| counts[group] += count,
        );
        let sums = &mut self.sums;
        self.seen.accumulate(
            group_indices,
            partial_sums,
            None,
            total_num_groups,
            |group, sum| sums[group] = sums[group].wrapping_add(sum),
        );
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let values = values[0].as_primitive::<Int64Type>();
        let kept = opt_filter.map(|f| NullBuffer::new(prep_null_mask_filter(f).values().clone()));
        let nulls = NullBuffer::union(values.nulls(), kept.as_ref());
        let counts = (0..values.len())
            .map(|i| u64::from(nulls.as_ref().is_none_or(|n| n.is_valid(i))))
            .collect::<Vec<_>>();
        let sums = values
            .values()
            .iter()
            .map(|&v| i128::from(v))
            .collect::<Vec<_>>();
        Ok(vec![
            Arc::new(UInt64Array::new(counts.into(), nulls.clone())),
            Arc::new(
                Decimal128Array::new(sums.into(), nulls)
                    .with_data_type(DataType::Decimal128(PRECISION, 0)),
            ),
        ])
    }

    fn size(&self) -> usize {
        self.counts.capacity() * size_of::<u64>()
            + self.sums.capacity() * size_of::<i128>()
            + self.seen.size()
    }
}

/// The average rounded to `scale` (Arrow's decimal cast rounds half away from zero).
fn round(values: ArrayRef, scale: i8) -> Result<ArrayRef> {
    Ok(cast(&values, &DataType::Decimal128(PRECISION, scale))?)
}

/// An accumulator whose average is [`round`]ed.
#[derive(Debug)]
struct Rounded {
    inner: Box<dyn Accumulator>,
    /// The type the input is cast to first.
    cast_to: Option<DataType>,
    scale: i8,
}

impl Rounded {
    fn input(&self, values: &[ArrayRef]) -> Result<Vec<ArrayRef>> {
        match &self.cast_to {
            Some(t) => Ok(vec![cast(&values[0], t)?]),
            None => Ok(values.to_vec()),
        }
    }
}

impl Accumulator for Rounded {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = self.input(values)?;
        self.inner.update_batch(&values)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let value = self.inner.evaluate()?.to_array()?;
        ScalarValue::try_from_array(&round(value, self.scale)?, 0)
    }

    fn size(&self) -> usize {
        self.inner.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.inner.state()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.inner.merge_batch(states)
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = self.input(values)?;
        self.inner.retract_batch(&values)
    }

    fn supports_retract_batch(&self) -> bool {
        self.inner.supports_retract_batch()
    }
}

/// A groups accumulator whose averages are [`round`]ed.
struct RoundedGroups {
    inner: Box<dyn GroupsAccumulator>,
    scale: i8,
}

impl GroupsAccumulator for RoundedGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner
            .update_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        round(self.inner.evaluate(emit_to)?, self.scale)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        self.inner.state(emit_to)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner
            .merge_batch(values, group_indices, total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.inner.convert_to_state(values, opt_filter)
    }

    fn size(&self) -> usize {
        self.inner.size()
    }
}

#[cfg(test)]
mod tests {
    use super::int_average;

    /// `int_average` as text, the way PostgreSQL prints `avg()` of integers.
    fn text(sum: i128, count: u64) -> String {
        let v = int_average(sum, count);
        let digits = format!("{:017}", v.abs());
        let (whole, fraction) = digits.split_at(digits.len() - 16);
        format!("{}{whole}.{fraction}", if v < 0 { "-" } else { "" })
    }

    #[test]
    fn integer_averages_round_half_away_from_zero() {
        assert_eq!(text(3, 2), "1.5000000000000000");
        assert_eq!(text(-3, 2), "-1.5000000000000000");
        assert_eq!(text(2, 3), "0.6666666666666667");
        assert_eq!(text(-2, 3), "-0.6666666666666667");
        assert_eq!(text(1, 3), "0.3333333333333333");
        // The average of many values at the ends of i64's range needs the exact sum.
        let max = i128::from(i64::MAX);
        assert_eq!(text(max * 3 + 1, 3), "9223372036854775807.3333333333333333");
        assert_eq!(
            text(-max * 1000, 1000),
            "-9223372036854775807.0000000000000000"
        );
    }
}
