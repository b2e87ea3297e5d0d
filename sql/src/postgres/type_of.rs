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

/// The PostgreSQL name of the type of values of `field`: its [`crate::arrow::PG_TYPE`] if
/// it has one, else its Arrow type's.
pub(crate) fn type_name(field: &Field) -> String {
    if let Some(name) = crate::arrow::pg_type_of(field) {
        return match name {
            "bpchar" => "character".to_string(),
            other => other.to_string(),
        };
    }
    match field.data_type() {
        DataType::Null => "unknown".to_string(),
        DataType::Boolean => "boolean".to_string(),
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint".to_string(),
        DataType::Int32 | DataType::UInt16 => "integer".to_string(),
        DataType::UInt32 => "oid".to_string(),
        DataType::Int64 | DataType::UInt64 => "bigint".to_string(),
        DataType::Float16 | DataType::Float32 => "real".to_string(),
        DataType::Float64 => "double precision".to_string(),
        DataType::Decimal128(..) | DataType::Decimal256(..) => "numeric".to_string(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".to_string(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "bytea".to_string(),
        DataType::Date32 | DataType::Date64 => "date".to_string(),
        DataType::Time32(_) | DataType::Time64(_) => "time without time zone".to_string(),
        DataType::Timestamp(_, None) => "timestamp without time zone".to_string(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".to_string(),
        DataType::Interval(_) | DataType::Duration(_) => "interval".to_string(),
        DataType::List(element) | DataType::LargeList(element) => {
            let name = type_name(element);
            // Multidimensional arrays have the type of their one-dimensional kin.
            if name.ends_with("[]") {
                name
            } else {
                format!("{name}[]")
            }
        }
        DataType::Struct(_) => "record".to_string(),
        other => other.to_string().to_lowercase(),
    }
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
