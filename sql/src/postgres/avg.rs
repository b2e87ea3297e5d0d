//! `avg` as PostgreSQL has it: the average of integers or `numeric` is `numeric`, exact, at
//! least 16 decimal places (PostgreSQL's `avg(1, 2)` is `1.5000000000000000`), rounded half
//! away from zero; of floats, `double precision`.
//!
//! DataFusion's `avg` gives a float for integers and, for a decimal of scale `s`, a decimal of
//! scale `s + 4` computed by truncating division. This one replaces it by name and lets
//! DataFusion's do the work, on the input cast to a decimal of scale `max(13, s)`: the
//! average then has three more digits than wanted, from which it is rounded to
//! `max(13, s) + 3` (16 for integers). Truncating at one digit past the last kept, then
//! rounding on that digit, is rounding the exact quotient. PostgreSQL's own scale grows for
//! averages below 1 and shrinks for very large ones; this one is fixed, so such averages show
//! more or fewer zeros, never other digits.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::functions_aggregate::average::Avg;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, ReversedUDAF,
    Signature, Volatility,
};

/// The digits of precision every average is computed with.
const PRECISION: u8 = 38;
/// The least scale a decimal input is cast to; the average has three more.
const INPUT_SCALE: i8 = 13;

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

/// The decimal an input of type `t` is averaged as; `None` for the types averaged as they
/// are (floats, durations).
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

/// The scale of DataFusion's average of a decimal of scale `s`, and of ours.
fn scales(input: &DataType) -> Option<(i8, i8)> {
    match input {
        DataType::Decimal128(_, s) => Some(((*s + 4).min(38), (*s + 3).min(38))),
        _ => None,
    }
}

/// The return field DataFusion's `avg` has for the (coerced) input.
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

/// `args` as DataFusion's `avg` is to see them, and the scale its average is rounded to
/// (`None`: returned as it is).
fn inner_args(args: AccumulatorArgs<'_>) -> (AccumulatorArgs<'_>, Option<i8>) {
    let input = args.expr_fields[0].data_type();
    let outer = scales(input).map(|(_, outer)| outer);
    let return_field = inner_return(input, &args.return_field);
    (
        AccumulatorArgs {
            return_field,
            ..args
        },
        outer,
    )
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
            t => match decimal_input(t) {
                Some(decimal) => decimal,
                None => return plan_err!("function avg({t}) does not exist"),
            },
        }])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match scales(&arg_types[0]) {
            Some((_, outer)) => Ok(DataType::Decimal128(PRECISION, outer)),
            None => self.inner.return_type(arg_types),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let (args, scale) = inner_args(args);
        let inner = self.inner.accumulator(args)?;
        Ok(match scale {
            Some(scale) => Box::new(Rounded { inner, scale }),
            None => inner,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let input = args.input_fields[0].data_type().clone();
        self.inner.state_fields(StateFieldsArgs {
            return_field: inner_return(&input, &args.return_field),
            ..args
        })
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        self.inner.groups_accumulator_supported(inner_args(args).0)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let (args, scale) = inner_args(args);
        let inner = self.inner.create_groups_accumulator(args)?;
        Ok(match scale {
            Some(scale) => Box::new(RoundedGroups { inner, scale }),
            None => inner,
        })
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::Identical
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
    scale: i8,
}

impl Accumulator for Rounded {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.inner.update_batch(values)
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
        self.inner.retract_batch(values)
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
