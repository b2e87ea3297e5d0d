//! `__driftdb_cast_like(value, like)`: `value` cast to the type of `like`, for rewrites that
//! must give a value the type of a column they cannot name a type for (the `SEARCH` and
//! `CYCLE` clauses of a recursive query build rows of the recursive term's values that must
//! have the types of the non-recursive term's, which DataFusion fits the rest of the
//! recursive term to).

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, internal_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

/// The function's name.
pub(crate) const CAST_LIKE: &str = "__driftdb_cast_like";

pub(crate) fn cast_like() -> ScalarUDF {
    ScalarUDF::new_from_impl(CastLike {
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CastLike {
    signature: Signature,
}

impl ScalarUDFImpl for CastLike {
    fn name(&self) -> &str {
        CAST_LIKE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, like] => Ok(like.clone()),
            _ => internal_err!("{CAST_LIKE} takes two arguments"),
        }
    }

    /// The type of `like`, with its PostgreSQL type; nullable as `value` is.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields {
            [value, like] => Ok(Arc::new(
                Field::new(CAST_LIKE, like.data_type().clone(), value.is_nullable())
                    .with_metadata(like.metadata().clone()),
            )),
            _ => internal_err!("{CAST_LIKE} takes two arguments"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let target = args.return_field.data_type();
        match args.args.first() {
            Some(value) => value.cast_to(target, None),
            None => internal_err!("{CAST_LIKE} takes two arguments"),
        }
    }
}
