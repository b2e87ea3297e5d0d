//! `numeric / numeric` at PostgreSQL's scale.
//!
//! DataFusion divides decimals at the dividend's scale plus 4 (`7.0 / 2` is `3.50000`,
//! `1 / 3::numeric` is `0.3333`); PostgreSQL gives a quotient at least 16 significant digits
//! (`3.5000000000000000`, `0.33333333333333333333`), and never fewer decimals than either
//! operand has (`select_div_scale` in its `numeric.c`). PostgreSQL picks that scale for each
//! quotient from the operands' values; an Arrow column has one scale, so a division of
//! constants gets exactly PostgreSQL's, and any other the scale PostgreSQL gives a quotient
//! between 1 and 9999: 16, or the larger operand scale. The quotient is rounded half away
//! from zero, as PostgreSQL rounds; a divisor of zero is 22012.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Decimal128Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, i256};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// The function `numeric / numeric` becomes.
pub(crate) const NUMERIC_DIVIDE: &str = "__driftdb_numeric_divide";

/// PostgreSQL's fewest significant digits of a quotient (`NUMERIC_MIN_SIG_DIGITS`).
const MIN_SIGNIFICANT_DIGITS: i32 = 16;
/// Decimal digits in one digit of PostgreSQL's base-10000 numbers.
const DEC_DIGITS: i32 = 4;

pub(crate) fn numeric_divide() -> ScalarUDF {
    ScalarUDF::new_from_impl(NumericDivide {
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NumericDivide {
    signature: Signature,
}

/// The scale of a decimal or integer type.
fn scale_of(t: &DataType) -> Option<i8> {
    match t {
        DataType::Decimal128(_, s) => Some(*s),
        t if t.is_integer() => Some(0),
        _ => None,
    }
}

/// A constant operand as (digits, scale).
fn constant(value: Option<&ScalarValue>) -> Option<(i128, i8)> {
    match value? {
        ScalarValue::Decimal128(Some(v), _, s) => Some((*v, *s)),
        ScalarValue::Int64(Some(v)) => Some((i128::from(*v), 0)),
        ScalarValue::Int32(Some(v)) => Some((i128::from(*v), 0)),
        ScalarValue::Int16(Some(v)) => Some((i128::from(*v), 0)),
        _ => None,
    }
}

/// PostgreSQL's weight (the position of the leading base-10000 digit, 0 for the units) and
/// leading base-10000 digit of `digits` × 10^-`scale`.
pub(super) fn weight_and_first_digit(digits: i128, scale: i8) -> Option<(i32, u128)> {
    if digits == 0 {
        return Some((0, 0));
    }
    let scale = i32::from(scale.max(0));
    let padded = (scale + DEC_DIGITS - 1) / DEC_DIGITS * DEC_DIGITS;
    let value = digits
        .unsigned_abs()
        .checked_mul(10u128.checked_pow(u32::try_from(padded - scale).ok()?)?)?;
    let decimal_digits = i32::try_from(value.ilog10()).ok()? + 1;
    let base_digits = (decimal_digits + DEC_DIGITS - 1) / DEC_DIGITS;
    let first = value / 10_000u128.checked_pow(u32::try_from(base_digits - 1).ok()?)?;
    Some((base_digits - 1 - padded / DEC_DIGITS, first))
}

/// The scale PostgreSQL gives the quotient: from the operands' values where known (a
/// quotient between 1 and 9999 otherwise).
fn quotient_scale(left: (Option<(i128, i8)>, i8), right: (Option<(i128, i8)>, i8)) -> i8 {
    let qweight = match (left.0, right.0) {
        (Some((l, ls)), Some((r, rs))) => {
            match (weight_and_first_digit(l, ls), weight_and_first_digit(r, rs)) {
                (Some((w1, f1)), Some((w2, f2))) => w1 - w2 - i32::from(f1 <= f2),
                _ => 0,
            }
        }
        _ => 0,
    };
    let scale = (MIN_SIGNIFICANT_DIGITS - qweight * DEC_DIGITS)
        .max(i32::from(left.1))
        .max(i32::from(right.1))
        .clamp(0, 38);
    i8::try_from(scale).unwrap_or(38)
}

fn overflow() -> DataFusionError {
    function_error(
        "value overflows numeric format",
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
    )
}

/// `left` / `right` at `scale`, rounded half away from zero.
fn divide(left: i128, left_scale: i8, right: i128, right_scale: i8, scale: i8) -> Result<i128> {
    if right == 0 {
        return Err(function_error(
            "division by zero",
            SqlState::DIVISION_BY_ZERO,
        ));
    }
    // left × 10^(scale - left_scale + right_scale) / right, in 256 bits.
    let shift = i32::from(scale) - i32::from(left_scale) + i32::from(right_scale);
    let ten = i256::from_i128(10);
    let mut numerator = i256::from_i128(left);
    let mut denominator = i256::from_i128(right);
    let power = ten.checked_pow(shift.unsigned_abs()).ok_or_else(overflow)?;
    if shift >= 0 {
        numerator = numerator.checked_mul(power).ok_or_else(overflow)?;
    } else {
        denominator = denominator.checked_mul(power).ok_or_else(overflow)?;
    }
    let quotient = numerator.wrapping_div(denominator);
    let remainder = numerator.wrapping_rem(denominator);
    let two = i256::from_i128(2);
    let rounded = match remainder.wrapping_abs().wrapping_mul(two) >= denominator.wrapping_abs() {
        true if (numerator < i256::ZERO) != (denominator < i256::ZERO) => {
            quotient.wrapping_sub(i256::ONE)
        }
        true => quotient.wrapping_add(i256::ONE),
        false => quotient,
    };
    rounded
        .to_i128()
        .filter(|q| q.unsigned_abs() < 10u128.pow(38))
        .ok_or_else(overflow)
}

impl ScalarUDFImpl for NumericDivide {
    fn name(&self) -> &str {
        NUMERIC_DIVIDE
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        super::infix(NUMERIC_DIVIDE, "/", args)
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{NUMERIC_DIVIDE} types its result from its arguments")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let [left, right] = args.arg_fields else {
            return plan_err!("{NUMERIC_DIVIDE} takes two arguments");
        };
        let (Some(ls), Some(rs)) = (scale_of(left.data_type()), scale_of(right.data_type())) else {
            return plan_err!("{NUMERIC_DIVIDE} divides numbers");
        };
        let constants = |i: usize| constant(args.scalar_arguments.get(i).copied().flatten());
        let scale = quotient_scale((constants(0), ls), (constants(1), rs));
        Ok(Arc::new(Field::new(
            "numeric",
            DataType::Decimal128(38, scale),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Decimal128(_, scale) = *args.return_field.data_type() else {
            return plan_err!("{NUMERIC_DIVIDE} returns a decimal");
        };
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let [left, right] = arrays.as_slice() else {
            return plan_err!("{NUMERIC_DIVIDE} takes two arguments");
        };
        let decimal = |a: &Arc<dyn Array>| -> Result<(Decimal128Array, i8)> {
            let a = match a.data_type() {
                DataType::Decimal128(..) => Arc::clone(a),
                _ => cast(a, &DataType::Decimal128(38, 0))?,
            };
            let s = scale_of(a.data_type()).unwrap_or(0);
            Ok((a.as_primitive::<Decimal128Type>().clone(), s))
        };
        let ((l, ls), (r, rs)) = (decimal(left)?, decimal(right)?);
        let out = l
            .iter()
            .zip(r.iter())
            .map(|pair| match pair {
                (Some(a), Some(b)) => divide(a, ls, b, rs, scale).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<Decimal128Array>>()?
            .with_precision_and_scale(38, scale)?;
        super::columnar(Arc::new(out), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotients_of_constants_take_postgresql_scale() {
        // 7 / 2, 1 / 3, 10.0 / 4, 100000 / 3, 1 / 30000
        assert_eq!(quotient_scale((Some((7, 0)), 0), (Some((2, 0)), 0)), 16);
        assert_eq!(quotient_scale((Some((1, 0)), 0), (Some((3, 0)), 0)), 20);
        assert_eq!(quotient_scale((Some((100, 1)), 1), (Some((4, 0)), 0)), 16);
        assert_eq!(
            quotient_scale((Some((100_000, 0)), 0), (Some((3, 0)), 0)),
            12
        );
        assert_eq!(
            quotient_scale((Some((1, 0)), 0), (Some((30_000, 0)), 0)),
            24
        );
        // 0.05 / 2: weights -1 and 0
        assert_eq!(quotient_scale((Some((5, 2)), 2), (Some((2, 0)), 0)), 20);
        // unknown values: a quotient between 1 and 9999, or the operands' scale
        assert_eq!(quotient_scale((None, 2), (None, 0)), 16);
        assert_eq!(quotient_scale((None, 18), (None, 0)), 18);
    }

    #[test]
    fn division_rounds_half_away_from_zero() -> Result<()> {
        assert_eq!(divide(7, 0, 2, 0, 16)?, 35_000_000_000_000_000);
        assert_eq!(divide(2, 0, 3, 0, 2)?, 67);
        assert_eq!(divide(-2, 0, 3, 0, 2)?, -67);
        assert_eq!(divide(2, 0, -3, 0, 2)?, -67);
        assert_eq!(divide(1, 0, 8, 0, 2)?, 13);
        assert_eq!(divide(-1, 0, 8, 0, 2)?, -13);
        assert_eq!(divide(125, 2, 5, 1, 3)?, 2_500);
        assert!(divide(1, 0, 0, 0, 2).is_err());
        Ok(())
    }
}
