//! `var_samp` (`variance`), `var_pop`, `stddev_samp` (`stddev`) and `stddev_pop` as PostgreSQL
//! has them: of integers and `numeric`, an exact `numeric`; of floats, `double precision`.
//!
//! DataFusion computes them all in `float8`, so `variance` of `1, 2, 4` was
//! `2.333333333333333` where PostgreSQL gives `2.3333333333333333`, and `stddev`'s last digits
//! differed too. These replace DataFusion's by name. Floats still go to DataFusion's.
//!
//! Integers and decimals are summed exactly (the count, the sum and the sum of squares, in
//! `i128` while they fit and in big integers past that), and the result is computed as
//! PostgreSQL's `numeric_stddev_internal` computes it: the numerator `N·Σx² − (Σx)²` (0 when
//! it is not positive), divided by `N·(N−1)` (sample) or `N·N` (population) at the quotient
//! scale PostgreSQL chooses for those two values (`select_div_scale`), rounded half away from
//! zero, and for a standard deviation the square root of that, at the same scale. A sample
//! of one row gives NULL, as there.
//!
//! PostgreSQL's result scale comes from the values; an Arrow column has one scale, which is
//! PostgreSQL's for results between 1 and 9999 (16, or twice the input's scale if that is
//! more). A result PostgreSQL shows with fewer decimals shows here with zeros added; one it
//! shows with more (below 1) is rounded to the column's scale.

use std::collections::HashSet;
use std::sync::Arc;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, Context, RoundingMode, Signed, ToPrimitive, Zero};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, FieldRef, Int64Type, UInt64Type,
};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::functions_aggregate::stddev::{Stddev, StddevPop};
use datafusion::functions_aggregate::variance::{VariancePopulation, VarianceSample};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, ReversedUDAF, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// The digits of precision every result is held with.
const PRECISION: u8 = 38;
/// PostgreSQL's fewest significant digits of a quotient (`NUMERIC_MIN_SIG_DIGITS`).
const MIN_SIGNIFICANT_DIGITS: i64 = 16;
/// Decimal digits in one digit of PostgreSQL's base-10000 numbers.
const DEC_DIGITS: i64 = 4;

/// The four functions, for registering in a session (they replace DataFusion's).
pub(crate) fn variances() -> Vec<AggregateUDF> {
    // (sample, root, DataFusion's function of the name)
    let kinds: [(bool, bool, Arc<dyn AggregateUDFImpl>); 4] = [
        (true, false, Arc::new(VarianceSample::new())),
        (false, false, Arc::new(VariancePopulation::new())),
        (true, true, Arc::new(Stddev::new())),
        (false, true, Arc::new(StddevPop::new())),
    ];
    kinds
        .into_iter()
        .map(|(sample, root, inner)| {
            AggregateUDF::new_from_shared_impl(Arc::new(PgVariance {
                kind: Kind { sample, root },
                inner,
                signature: Signature::user_defined(Volatility::Immutable),
            }))
        })
        .collect()
}

/// Which of the four a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Kind {
    /// Divided by `N − 1` (else by `N`).
    sample: bool,
    /// The standard deviation (else the variance).
    root: bool,
}

#[derive(Debug)]
struct PgVariance {
    kind: Kind,
    /// DataFusion's function of the same name, for floats.
    inner: Arc<dyn AggregateUDFImpl>,
    signature: Signature,
}

impl PartialEq for PgVariance {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for PgVariance {}

impl std::hash::Hash for PgVariance {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

/// The scale of an exactly computed input (`None`: a float, DataFusion's).
fn input_scale(t: &DataType) -> Option<i8> {
    match t {
        DataType::Int64 => Some(0),
        DataType::Decimal128(_, s) => Some(*s),
        _ => None,
    }
}

/// The scale of the result for an input of scale `s`.
fn output_scale(s: i8) -> i8 {
    i8::try_from(MIN_SIGNIFICANT_DIGITS)
        .unwrap_or(16)
        .max(s.saturating_mul(2))
        .min(PRECISION as i8)
}

impl AggregateUDFImpl for PgVariance {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [t] = arg_types else {
            return plan_err!("{} takes one argument", self.name());
        };
        Ok(vec![match t {
            t if t.is_integer() && *t != DataType::UInt64 => DataType::Int64,
            DataType::Decimal32(_, s)
            | DataType::Decimal64(_, s)
            | DataType::Decimal128(_, s)
            | DataType::Decimal256(_, s)
                if *s >= 0 =>
            {
                DataType::Decimal128(PRECISION, *s)
            }
            DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Null => {
                DataType::Float64
            }
            t => {
                return Err(function_error(
                    format!("function {}({t}) does not exist", self.name()),
                    SqlState::UNDEFINED_FUNCTION,
                ));
            }
        }])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.first().and_then(input_scale) {
            Some(s) => Ok(DataType::Decimal128(PRECISION, output_scale(s))),
            None => self.inner.return_type(arg_types),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        match input_scale(args.expr_fields[0].data_type()) {
            Some(scale) => Ok(Box::new(Exact::new(self.kind, scale, args.is_distinct))),
            None => self.inner.accumulator(args),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let Some(scale) = input_scale(args.input_fields[0].data_type()) else {
            return self.inner.state_fields(args);
        };
        let field = |name: &str, data_type: DataType| {
            Arc::new(Field::new(
                format_state_name(args.name, name),
                data_type,
                true,
            ))
        };
        Ok(match args.is_distinct {
            true => vec![field(
                "distinct",
                DataType::List(Arc::new(Field::new_list_field(
                    DataType::Decimal128(PRECISION, scale),
                    true,
                ))),
            )],
            false => vec![
                field("count", DataType::UInt64),
                field("sum", DataType::Utf8),
                field("sum_of_squares", DataType::Utf8),
            ],
        })
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        input_scale(args.expr_fields[0].data_type()).is_none()
            && self.inner.groups_accumulator_supported(args)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.inner.create_groups_accumulator(args)
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::Identical
    }
}

/// The exact sums of one group (or window frame) of integers or decimals of one scale, as
/// their unscaled digits.
#[derive(Debug)]
struct Exact {
    kind: Kind,
    /// The inputs' scale.
    scale: i8,
    count: u64,
    sum: BigInt,
    sum_of_squares: BigInt,
    /// For `DISTINCT`: the values seen, summed at the end.
    distinct: Option<HashSet<i128>>,
}

impl Exact {
    fn new(kind: Kind, scale: i8, distinct: bool) -> Exact {
        Exact {
            kind,
            scale,
            count: 0,
            sum: BigInt::zero(),
            sum_of_squares: BigInt::zero(),
            distinct: distinct.then(HashSet::new),
        }
    }

    /// Adds (or, with `retract`, takes away) each value: in `i128` while the sums fit,
    /// carried into the big sums when they would not.
    fn add(&mut self, values: impl Iterator<Item = i128>, retract: bool) {
        let (mut sum, mut squares, mut count) = (0i128, 0i128, 0u64);
        for v in values {
            count += 1;
            match v
                .checked_mul(v)
                .and_then(|sq| Some((sum.checked_add(v)?, squares.checked_add(sq)?)))
            {
                Some((s, q)) => (sum, squares) = (s, q),
                None => {
                    self.carry(sum, squares, retract);
                    (sum, squares) = (0, 0);
                    let big = BigInt::from(v);
                    self.carry_big(&big, &(&big * &big), retract);
                }
            }
        }
        self.carry(sum, squares, retract);
        match retract {
            true => self.count -= count,
            false => self.count += count,
        }
    }

    fn carry(&mut self, sum: i128, squares: i128, retract: bool) {
        self.carry_big(&BigInt::from(sum), &BigInt::from(squares), retract);
    }

    fn carry_big(&mut self, sum: &BigInt, squares: &BigInt, retract: bool) {
        match retract {
            true => {
                self.sum -= sum;
                self.sum_of_squares -= squares;
            }
            false => {
                self.sum += sum;
                self.sum_of_squares += squares;
            }
        }
    }

    /// The input's values as unscaled digits.
    fn digits(values: &ArrayRef) -> Result<Box<dyn Iterator<Item = i128> + '_>> {
        match values.data_type() {
            DataType::Int64 => Ok(Box::new(
                values
                    .as_primitive::<Int64Type>()
                    .iter()
                    .flatten()
                    .map(i128::from),
            )),
            DataType::Decimal128(..) => Ok(Box::new(
                values.as_primitive::<Decimal128Type>().iter().flatten(),
            )),
            t => Err(DataFusionError::Internal(format!(
                "variance of {t} computed exactly"
            ))),
        }
    }

    /// PostgreSQL's result of the count and sums, at the column's scale.
    fn result(&self, count: u64, sum: &BigInt, sum_of_squares: &BigInt) -> Result<Option<i128>> {
        if count == 0 || self.kind.sample && count == 1 {
            return Ok(None);
        }
        let n = BigInt::from(count);
        let squares_scale = i64::from(self.scale) * 2;
        let numerator = &n * sum_of_squares - sum * sum;
        let out = i64::from(output_scale(self.scale));
        if !numerator.is_positive() {
            return Ok(Some(0));
        }
        let denominator = match self.kind.sample {
            true => &n * (&n - 1),
            false => &n * &n,
        };
        let numerator = BigDecimal::new(numerator, squares_scale);
        let denominator = BigDecimal::from(denominator);
        let (w1, f1) = weight_and_first_digit(&numerator);
        let (w2, f2) = weight_and_first_digit(&denominator);
        let qweight = w1 - w2 - i64::from(f1 <= f2);
        let scale = (MIN_SIGNIFICANT_DIGITS - qweight * DEC_DIGITS)
            .max(squares_scale)
            .clamp(0, 1000);
        let context = Context::default();
        let mut value = (numerator / denominator).with_scale_round(scale, RoundingMode::HalfUp);
        if self.kind.root {
            value = value
                .sqrt_with_context(&context)
                .ok_or_else(|| DataFusionError::Internal("square root of a variance".into()))?
                .with_scale_round(scale, RoundingMode::HalfUp);
        }
        let (digits, _) = value
            .with_scale_round(out, RoundingMode::HalfUp)
            .as_bigint_and_exponent();
        digits
            .to_i128()
            .filter(|d| d.unsigned_abs() < 10u128.pow(u32::from(PRECISION)))
            .map(Some)
            .ok_or_else(|| {
                function_error(format!(
                        "numeric field overflow: the result has more than {} digits before the decimal point (DriftDB's numeric holds at most 38 digits)",
                        i64::from(PRECISION) - out
                    ), SqlState::NUMERIC_VALUE_OUT_OF_RANGE)
            })
    }
}

/// PostgreSQL's weight (the position of the leading base-10000 digit, 0 for the units) and
/// leading base-10000 digit of `value` (`select_div_scale` estimates a quotient's weight by
/// them).
fn weight_and_first_digit(value: &BigDecimal) -> (i64, u32) {
    if value.is_zero() {
        return (0, 0);
    }
    let (digits, scale) = value.as_bigint_and_exponent();
    let text = digits.magnitude().to_string();
    // The decimal position of the leading digit: 10^position <= |value| < 10^(position + 1).
    let position = text.len() as i64 - 1 - scale;
    let weight = position.div_euclid(DEC_DIGITS);
    let leading = usize::try_from(position.rem_euclid(DEC_DIGITS) + 1).unwrap_or(1);
    let first: String = text
        .chars()
        .chain(std::iter::repeat('0'))
        .take(leading)
        .collect();
    (weight, first.parse().unwrap_or(0))
}

impl Accumulator for Exact {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let digits = Exact::digits(&values[0])?;
        match &mut self.distinct {
            Some(seen) => seen.extend(digits),
            None => self.add(digits, false),
        }
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add(Exact::digits(&values[0])?, true);
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        self.distinct.is_none()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let out = output_scale(self.scale);
        let value = match &self.distinct {
            Some(seen) => {
                let mut sums = Exact::new(self.kind, self.scale, false);
                sums.add(seen.iter().copied(), false);
                self.result(sums.count, &sums.sum, &sums.sum_of_squares)?
            }
            None => self.result(self.count, &self.sum, &self.sum_of_squares)?,
        };
        Ok(ScalarValue::Decimal128(value, PRECISION, out))
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + (self.sum.bits() + self.sum_of_squares.bits()).div_ceil(8) as usize
            + self
                .distinct
                .as_ref()
                .map_or(0, |seen| seen.capacity() * size_of::<i128>())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(match &self.distinct {
            Some(seen) => {
                let values: Vec<ScalarValue> = seen
                    .iter()
                    .map(|v| ScalarValue::Decimal128(Some(*v), PRECISION, self.scale))
                    .collect();
                vec![ScalarValue::List(ScalarValue::new_list_nullable(
                    &values,
                    &DataType::Decimal128(PRECISION, self.scale),
                ))]
            }
            None => vec![
                ScalarValue::UInt64(Some(self.count)),
                ScalarValue::Utf8(Some(self.sum.to_string())),
                ScalarValue::Utf8(Some(self.sum_of_squares.to_string())),
            ],
        })
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if let Some(seen) = &mut self.distinct {
            let lists = states[0].as_list::<i32>();
            for list in lists.iter().flatten() {
                seen.extend(list.as_primitive::<Decimal128Type>().iter().flatten());
            }
            return Ok(());
        }
        let counts = states[0].as_primitive::<UInt64Type>();
        let sums = states[1].as_string::<i32>();
        let squares = states[2].as_string::<i32>();
        let big = |text: &str| {
            text.parse::<BigInt>()
                .map_err(|e| DataFusionError::Internal(format!("a variance's state: {e}")))
        };
        for i in 0..counts.len() {
            if counts.is_null(i) || sums.is_null(i) || squares.is_null(i) {
                continue;
            }
            self.count += counts.value(i);
            self.sum += big(sums.value(i))?;
            self.sum_of_squares += big(squares.value(i))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(kind: Kind, scale: i8, values: &[i128]) -> Option<i128> {
        let mut exact = Exact::new(kind, scale, false);
        exact.add(values.iter().copied(), false);
        exact
            .result(exact.count, &exact.sum, &exact.sum_of_squares)
            .ok()
            .flatten()
    }

    const VAR_SAMP: Kind = Kind {
        sample: true,
        root: false,
    };
    const STDDEV_SAMP: Kind = Kind {
        sample: true,
        root: true,
    };

    #[test]
    fn integers_give_postgresql_digits() {
        // PostgreSQL 15: variance 2.3333333333333333, stddev 1.5275252316519467.
        assert_eq!(of(VAR_SAMP, 0, &[1, 2, 4]), Some(23_333_333_333_333_333));
        assert_eq!(of(STDDEV_SAMP, 0, &[1, 2, 4]), Some(15_275_252_316_519_467));
        // One row: a sample has no variance; equal values none either.
        assert_eq!(of(VAR_SAMP, 0, &[7]), None);
        assert_eq!(of(VAR_SAMP, 0, &[7, 7]), Some(0));
    }

    #[test]
    fn sums_past_i128_stay_exact() {
        let big = i128::from(i64::MAX);
        // Two values a and b: the sample variance is (a - b)^2 / 2.
        let variance = of(VAR_SAMP, 0, &[big, big - 2]);
        assert_eq!(variance, Some(2 * 10i128.pow(16)));
    }

    #[test]
    fn retracting_undoes_adding() {
        let mut exact = Exact::new(VAR_SAMP, 0, false);
        exact.add([1, 2, 4, 100].into_iter(), false);
        exact.add([100].into_iter(), true);
        let result = exact.result(exact.count, &exact.sum, &exact.sum_of_squares);
        assert_eq!(result.ok().flatten(), Some(23_333_333_333_333_333));
    }

    #[test]
    fn weights_are_postgresql_base_10000_digits() {
        let at = |digits: i64, scale: i64| {
            weight_and_first_digit(&BigDecimal::new(digits.into(), scale))
        };
        assert_eq!(at(25, 1), (0, 2));
        assert_eq!(at(12_345, 0), (1, 1));
        assert_eq!(at(5, 1), (-1, 5000));
        assert_eq!(at(0, 0), (0, 0));
    }
}
