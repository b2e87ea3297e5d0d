//! `pg_typeof(x)`: the name of the PostgreSQL type of `x`, as `format_type` writes it
//! (`integer`, `numeric`, `timestamp with time zone`, `text[]`).

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub(crate) fn pg_typeof() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgTypeof {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

/// The PostgreSQL name of the type of values of `field` ([`crate::pg_types::of_field`]);
/// an untyped `NULL` is `unknown`, as in PostgreSQL, though it is sent as `text`.
pub(crate) fn type_name(field: &Field) -> String {
    if field.data_type() == &DataType::Null {
        return "unknown".to_string();
    }
    let typed = crate::pg_types::of_field(field);
    crate::pg_types::format_type(typed.oid, None).unwrap_or_else(|| "text".to_string())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgTypeof {
    signature: Signature,
}

impl ScalarUDFImpl for PgTypeof {
    fn name(&self) -> &str {
        "pg_typeof"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = args.arg_fields.first().map(|f| type_name(f));
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(name)))
    }
}
