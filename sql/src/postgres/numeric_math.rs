//! `sqrt`, `exp`, `ln`, `log` and `power` (`^`) of `numeric`, computed exactly.
//!
//! DataFusion computes them in `float8`, so `2::numeric ^ 0.5` was `1.4142135623730951`
//! where PostgreSQL's exact arithmetic gives `1.4142135623730950`. With a `numeric`
//! argument (and any other argument a `numeric` or an integer) these compute in decimal
//! arithmetic at 100 significant digits ([`bigdecimal`]) and round half away from zero to
//! the result scale PostgreSQL chooses: enough decimals for 16 significant digits, and never
//! fewer than an argument has (`numeric.c`: `numeric_sqrt`, `numeric_exp`, `numeric_ln`,
//! `numeric_log`, `power_var`). PostgreSQL chooses that scale from the values; an Arrow
//! column has one scale, so the scale is PostgreSQL's exactly when the arguments are
//! constants, and otherwise the one it gives arguments and results between 1 and 9999.
//!
//! The domain checks (`ln(0)`, `sqrt(-1)`, ...) are [`super::domain`]'s, which calls in here.

// `log10(e)`: how PostgreSQL turns a natural logarithm into a decimal weight.
use crate::SqlState;
use crate::error::function_error;
use std::f64::consts::LOG10_E;
use std::str::FromStr;
use std::sync::Arc;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, Context, One, RoundingMode, Signed, ToPrimitive, Zero};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};

use super::numeric_divide::weight_and_first_digit;

/// PostgreSQL's fewest significant digits of a result (`NUMERIC_MIN_SIG_DIGITS`).
const MIN_SIGNIFICANT_DIGITS: i32 = 16;
/// The most digits an Arrow `Decimal128` holds.
const MAX_PRECISION: i32 = 38;

/// A function computed exactly for `numeric` arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Function {
    Sqrt,
    Exp,
    Ln,
    /// `log(x)` (base 10) and `log10(x)`, or `log(b, x)`.
    Log,
    Power,
}

impl Function {
    /// The function DataFusion's `name` is, if it has an exact `numeric` form.
    pub(crate) fn of(name: &str) -> Option<Function> {
        Some(match name {
            "sqrt" => Function::Sqrt,
            "exp" => Function::Exp,
            "ln" => Function::Ln,
            "log" | "log10" => Function::Log,
            "power" | "pow" => Function::Power,
            _ => return None,
        })
    }

    /// Whether arguments of these types take the exact path: one is a `numeric`, the others
    /// `numeric`s or integers, as many as the function takes.
    pub(crate) fn takes(self, types: &[DataType]) -> bool {
        let arity_fits = match self {
            Function::Log => matches!(types.len(), 1 | 2),
            Function::Power => types.len() == 2,
            _ => types.len() == 1,
        };
        arity_fits
            && types.iter().any(|t| matches!(t, DataType::Decimal128(..)))
            && types
                .iter()
                .all(|t| matches!(t, DataType::Decimal128(..)) || t.is_integer())
    }

    /// The result type for arguments of `types`, with their values where constant.
    pub(crate) fn result_type(
        self,
        types: &[DataType],
        constants: &[Option<&ScalarValue>],
    ) -> DataType {
        let scales: Vec<i32> = types
            .iter()
            .map(|t| match t {
                DataType::Decimal128(_, s) => i32::from(*s),
                _ => 0,
            })
            .collect();
        let values: Option<Vec<BigDecimal>> = constants
            .iter()
            .map(|c| c.and_then(constant_value))
            .collect::<Option<Vec<_>>>()
            .filter(|v| v.len() == types.len());
        // Unknown values: those of an argument between 1 and 9999, whose square root has
        // PostgreSQL's weight 1, and a result between 1 and 9 (weight 0).
        let typical = match self {
            Function::Sqrt => 1,
            _ => 0,
        };
        let weight = values
            .and_then(|v| self.result_weight(&v))
            .unwrap_or(typical);
        let scale = scales
            .iter()
            .fold(MIN_SIGNIFICANT_DIGITS - weight, |s, &arg| s.max(arg))
            .clamp(0, MAX_PRECISION);
        DataType::Decimal128(38, i8::try_from(scale).unwrap_or(38))
    }

    /// PostgreSQL's estimate of the decimal weight of the result, from which it takes the
    /// scale; `None` outside the domain (the call then fails anyway).
    fn result_weight(self, args: &[BigDecimal]) -> Option<i32> {
        match (self, args) {
            (Function::Sqrt, [x]) => {
                let (digits, scale) = x.as_bigint_and_exponent();
                let (weight, _) =
                    weight_and_first_digit(digits.to_i128()?, i8::try_from(scale).ok()?)?;
                // `(weight + 1) * DEC_DIGITS / 2 - 1`, C's division truncating.
                Some((weight + 1) * 4 / 2 - 1)
            }
            (Function::Exp, [x]) => Some(truncate(x.to_f64()? * LOG10_E)),
            (Function::Ln, [x]) => Some(ln_weight(x)),
            (Function::Log, [x]) => Some(ln_weight(x) - ln_weight(&BigDecimal::from(10))),
            (Function::Log, [base, x]) => Some(ln_weight(x) - ln_weight(base)),
            (Function::Power, [x, y]) => {
                let (x, y) = (x.to_f64()?, y.to_f64()?);
                if x == 0.0 {
                    return Some(0);
                }
                Some(truncate(match y.fract() == 0.0 {
                    true => y * x.abs().log10(),
                    false => y * x.ln() * LOG10_E,
                }))
            }
            _ => None,
        }
    }

    /// The function of one row's arguments at `scale`, rounded half away from zero.
    fn compute(self, args: &[BigDecimal], scale: i8) -> Result<BigDecimal> {
        let value = match (self, args) {
            (Function::Sqrt, [x]) => x.sqrt_with_context(&Context::default()).ok_or_else(|| {
                domain(
                    SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                    "cannot take square root of a negative number",
                )
            })?,
            (Function::Exp, [x]) => {
                // Past 10^38 nothing fits a decimal: fail before computing a huge power.
                if x.to_f64()
                    .is_some_and(|f| f * LOG10_E > f64::from(MAX_PRECISION))
                {
                    return Err(overflow());
                }
                x.exp()
            }
            (Function::Ln, [x]) => ln(x)?,
            (Function::Log, [x]) => ln(x)? / ln(&BigDecimal::from(10))?,
            (Function::Log, [base, x]) => {
                let ln_base = ln(base)?;
                if ln_base.is_zero() {
                    return Err(domain(SqlState::DIVISION_BY_ZERO, "division by zero"));
                }
                ln(x)? / ln_base
            }
            (Function::Power, [x, y]) => power(x, y)?,
            _ => {
                return Err(DataFusionError::Internal(
                    "numeric function arity".to_string(),
                ));
            }
        };
        Ok(value.with_scale_round(i64::from(scale), RoundingMode::HalfUp))
    }
}

/// C's `(int)` of a double: toward zero.
fn truncate(value: f64) -> i32 {
    value.clamp(-1000.0, 1000.0) as i32
}

/// PostgreSQL's `estimate_ln_dweight`: the decimal weight of `ln(x)`.
fn ln_weight(x: &BigDecimal) -> i32 {
    if !x.is_positive() {
        return 0;
    }
    let near_one = BigDecimal::from_str("0.9").is_ok_and(|low| *x >= low)
        && BigDecimal::from_str("1.1").is_ok_and(|high| *x <= high);
    if near_one {
        // ln(x) is about x - 1: the weight of its leading digit.
        let difference = (x - BigDecimal::one()).abs();
        if difference.is_zero() {
            return 0;
        }
        return difference.to_f64().map_or(0, |d| d.log10().floor() as i32);
    }
    x.to_f64().map_or(0, |f| truncate(f.ln().abs().log10()))
}

fn domain(sqlstate: SqlState, message: &str) -> DataFusionError {
    function_error(message, sqlstate)
}

fn overflow() -> DataFusionError {
    domain(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "value overflows numeric format",
    )
}

/// The natural logarithm of a positive `x`, to about 100 significant digits: `x` is taken
/// to near 1 by square roots (`ln x = 2^k ln x^(1/2^k)`), where
/// `ln y = 2 atanh((y - 1) / (y + 1))` converges fast.
fn ln(x: &BigDecimal) -> Result<BigDecimal> {
    if !x.is_positive() {
        return Err(domain(
            SqlState::INVALID_ARGUMENT_FOR_LOGARITHM,
            "cannot take logarithm of a non-positive number",
        ));
    }
    let context = Context::default();
    let close =
        BigDecimal::from_str("0.001").map_err(|e| DataFusionError::Internal(e.to_string()))?;
    let mut y = x.clone();
    let mut halvings = 0u32;
    while (&y - BigDecimal::one()).abs() > close && halvings < 400 {
        y = y.sqrt_with_context(&context).ok_or_else(|| {
            DataFusionError::Internal("square root of a positive number".to_string())
        })?;
        halvings += 1;
    }
    let z = ((&y - BigDecimal::one()) / (&y + BigDecimal::one())).with_prec(110);
    let z_squared = (&z * &z).with_prec(110);
    let limit = BigDecimal::new(BigInt::one(), 110);
    let mut power = z.clone();
    let mut sum = z;
    let mut n = 1u32;
    loop {
        power = (&power * &z_squared).with_prec(110);
        n += 2;
        let term = (&power / BigDecimal::from(n)).with_prec(110);
        if term.abs() < limit || n > 10_000 {
            break;
        }
        sum += term;
    }
    let scale = BigDecimal::from(BigInt::one() << (halvings + 1));
    Ok((sum * scale).with_prec(100))
}

/// `x ^ y`: exactly for an integral `y`, else `exp(y ln x)`.
fn power(x: &BigDecimal, y: &BigDecimal) -> Result<BigDecimal> {
    if y.is_zero() {
        return Ok(BigDecimal::one());
    }
    if x.is_zero() {
        if y.is_negative() {
            return Err(domain(
                SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                "zero raised to a negative power is undefined",
            ));
        }
        return Ok(BigDecimal::zero());
    }
    // Past 10^38 nothing fits a decimal: fail before computing a huge power.
    let weight = y.to_f64().unwrap_or(f64::MAX) * x.abs().to_f64().unwrap_or(f64::MAX).log10();
    if weight > f64::from(MAX_PRECISION) + 1.0 {
        return Err(overflow());
    }
    if weight < -f64::from(MAX_PRECISION) - 2.0 {
        return Ok(BigDecimal::zero());
    }
    if y.is_integer() {
        let n = y.to_i64().ok_or_else(overflow)?;
        return Ok(x.powi_with_context(n, &Context::default()));
    }
    if x.is_negative() {
        return Err(domain(
            SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let exponent = (y * ln(x)?).with_prec(100);
    Ok(exponent.exp())
}

/// A constant argument as a decimal.
fn constant_value(value: &ScalarValue) -> Option<BigDecimal> {
    Some(match value {
        ScalarValue::Decimal128(Some(v), _, s) => BigDecimal::new(BigInt::from(*v), i64::from(*s)),
        ScalarValue::Int64(Some(v)) => BigDecimal::from(*v),
        ScalarValue::Int32(Some(v)) => BigDecimal::from(*v),
        ScalarValue::Int16(Some(v)) => BigDecimal::from(*v),
        ScalarValue::Int8(Some(v)) => BigDecimal::from(*v),
        _ => return None,
    })
}

/// `function` of `args` (numerics and integers), one row at a time, as `Decimal128(38, scale)`.
pub(crate) fn evaluate(function: Function, args: &[ArrayRef], scale: i8) -> Result<ArrayRef> {
    let columns = args
        .iter()
        .map(|a| {
            let a = match a.data_type() {
                DataType::Decimal128(..) => Arc::clone(a),
                _ => cast(a, &DataType::Decimal128(38, 0))?,
            };
            let s = match a.data_type() {
                DataType::Decimal128(_, s) => *s,
                _ => 0,
            };
            Ok((a.as_primitive::<Decimal128Type>().clone(), s))
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = columns.first().map_or(0, |(c, _)| c.len());
    let mut out = Vec::with_capacity(rows);
    let mut values = Vec::with_capacity(columns.len());
    for row in 0..rows {
        values.clear();
        for (column, s) in &columns {
            if column.is_null(row) {
                break;
            }
            values.push(BigDecimal::new(
                BigInt::from(column.value(row)),
                i64::from(*s),
            ));
        }
        if values.len() < columns.len() {
            out.push(None);
            continue;
        }
        let result = function.compute(&values, scale)?;
        let (digits, _) = result.as_bigint_and_exponent();
        let digits = digits
            .to_i128()
            .filter(|d| d.unsigned_abs() < 10u128.pow(38))
            .ok_or_else(overflow)?;
        out.push(Some(digits));
    }
    Ok(Arc::new(
        Decimal128Array::from(out).with_precision_and_scale(38, scale)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(function: Function, args: &[&str]) -> String {
        let values: Vec<BigDecimal> = args
            .iter()
            .map(|a| BigDecimal::from_str(a).expect("a number"))
            .collect();
        let types: Vec<DataType> = values
            .iter()
            .map(|v| {
                let (_, scale) = v.as_bigint_and_exponent();
                DataType::Decimal128(38, i8::try_from(scale.max(0)).expect("scale"))
            })
            .collect();
        let scalars: Vec<ScalarValue> = values
            .iter()
            .zip(&types)
            .map(|(v, t)| {
                let DataType::Decimal128(_, s) = t else {
                    unreachable!()
                };
                let digits = v.with_scale(i64::from(*s)).as_bigint_and_exponent().0;
                ScalarValue::Decimal128(digits.to_i128(), 38, *s)
            })
            .collect();
        let constants: Vec<Option<&ScalarValue>> = scalars.iter().map(Some).collect();
        let DataType::Decimal128(_, scale) = function.result_type(&types, &constants) else {
            unreachable!()
        };
        let normalized: Vec<BigDecimal> = scalars
            .iter()
            .map(|s| constant_value(s).expect("a constant"))
            .collect();
        function
            .compute(&normalized, scale)
            .expect("computes")
            .to_plain_string()
    }

    #[test]
    fn results_are_postgresql_digits_at_postgresql_scale() {
        // Each expected value is PostgreSQL 15's.
        assert_eq!(at(Function::Power, &["2", "0.5"]), "1.4142135623730950");
        assert_eq!(at(Function::Sqrt, &["2"]), "1.414213562373095");
        assert_eq!(at(Function::Sqrt, &["100000000"]), "10000.00000000000");
        assert_eq!(at(Function::Sqrt, &["0.5"]), "0.70710678118654752");
        assert_eq!(at(Function::Exp, &["1"]), "2.7182818284590452");
        assert_eq!(at(Function::Exp, &["10"]), "22026.465794806717");
        assert_eq!(at(Function::Ln, &["2"]), "0.6931471805599453");
        assert_eq!(at(Function::Ln, &["1.05"]), "0.048790164169432003");
        assert_eq!(at(Function::Ln, &["1000000"]), "13.815510557964274");
        assert_eq!(at(Function::Log, &["100"]), "2.0000000000000000");
        assert_eq!(at(Function::Log, &["2", "64"]), "6.0000000000000000");
        assert_eq!(at(Function::Power, &["2", "3"]), "8.0000000000000000");
        assert_eq!(at(Function::Power, &["2", "-2"]), "0.2500000000000000");
        assert_eq!(at(Function::Power, &["1.5", "2.5"]), "2.7556759606310754");
    }
}
