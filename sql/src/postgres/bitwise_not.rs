//! `~x`, PostgreSQL's bitwise NOT, which DataFusion does not plan ("Unsupported SQL unary
//! operator"): of an integer, its bits flipped in its own type (`~5` is -6); of an `inet` or
//! `cidr`, the address's bits flipped, an `inet` ([`crate::network`]). The parser's `~x`
//! becomes a call of [`BITWISE_NOT`] (in `rewrite.rs`).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int16Type, Int32Type, Int64Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::SqlState;
use crate::error::function_error;

/// The function `~x` becomes.
pub(crate) const BITWISE_NOT: &str = "__driftdb_bitwise_not";

pub(crate) fn bitwise_not() -> ScalarUDF {
    ScalarUDF::new_from_impl(BitwiseNot {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct BitwiseNot {
    signature: Signature,
}

/// Whether `field` holds an `inet` or `cidr`.
fn is_address(field: &Field) -> bool {
    crate::network::Kind::of_field(field).is_some()
}

impl ScalarUDFImpl for BitwiseNot {
    fn name(&self) -> &str {
        BITWISE_NOT
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        match args {
            [arg] => Ok(format!("~{arg}")),
            _ => plan_err!("~ takes one operand"),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t @ (DataType::Int16 | DataType::Int32 | DataType::Int64)] => Ok(t.clone()),
            [t] => Err(function_error(
                format!("operator does not exist: ~ {t}"),
                SqlState::UNDEFINED_FUNCTION,
            )),
            _ => plan_err!("~ takes one operand"),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields {
            [arg] if is_address(arg) => Ok(Arc::new(crate::pg_types::with_pg_type(
                Field::new(self.name(), DataType::Utf8, true),
                "inet",
            ))),
            [arg] => Ok(Arc::new(Field::new(
                self.name(),
                self.return_type(&[arg.data_type().clone()])?,
                true,
            ))),
            _ => plan_err!("~ takes one operand"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.arg_fields.first().is_some_and(|f| is_address(f)) {
            return crate::network::functions::not().invoke_with_args(args);
        }
        let (arrays, _, scalar) = super::argument_arrays(&args)?;
        let Some(array) = arrays.first() else {
            return plan_err!("~ takes one operand");
        };
        let flipped: ArrayRef = match array.data_type() {
            DataType::Int16 => Arc::new(
                array
                    .as_primitive::<Int16Type>()
                    .unary::<_, Int16Type>(|v| !v),
            ),
            DataType::Int32 => Arc::new(
                array
                    .as_primitive::<Int32Type>()
                    .unary::<_, Int32Type>(|v| !v),
            ),
            DataType::Int64 => Arc::new(
                array
                    .as_primitive::<Int64Type>()
                    .unary::<_, Int64Type>(|v| !v),
            ),
            t => {
                return Err(function_error(
                    format!("operator does not exist: ~ {t}"),
                    SqlState::UNDEFINED_FUNCTION,
                ));
            }
        };
        super::columnar(flipped, scalar)
    }
}
