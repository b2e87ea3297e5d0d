//! `sha224`, `sha256`, `sha384` and `sha512` of a `bytea` (or of a text's UTF-8 bytes), as
//! PostgreSQL's: the digest as a `bytea`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::SqlState;
use crate::error::function_error;

/// The four functions.
pub(crate) fn functions() -> [ScalarUDF; 4] {
    [Bits::B224, Bits::B256, Bits::B384, Bits::B512].map(|bits| {
        ScalarUDF::new_from_impl(Sha {
            bits,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    })
}

/// Which SHA-2 digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Bits {
    B224,
    B256,
    B384,
    B512,
}

impl Bits {
    fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Bits::B224 => Sha224::digest(bytes).to_vec(),
            Bits::B256 => Sha256::digest(bytes).to_vec(),
            Bits::B384 => Sha384::digest(bytes).to_vec(),
            Bits::B512 => Sha512::digest(bytes).to_vec(),
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Sha {
    bits: Bits,
    signature: Signature,
}

impl ScalarUDFImpl for Sha {
    fn name(&self) -> &str {
        match self.bits {
            Bits::B224 => "sha224",
            Bits::B256 => "sha256",
            Bits::B384 => "sha384",
            Bits::B512 => "sha512",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [
                DataType::Null
                | DataType::Binary
                | DataType::LargeBinary
                | DataType::BinaryView
                | DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View,
            ] => Ok(vec![DataType::Binary]),
            [other] => Err(function_error(
                format!("function {}({other}) does not exist", self.name()),
                SqlState::UNDEFINED_FUNCTION,
            )),
            _ => plan_err!("{} takes one argument", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{} takes one argument", self.name());
        };
        let scalar = matches!(value, ColumnarValue::Scalar(_));
        let bytes = cast(&value.to_array(args.number_rows)?, &DataType::Binary)?;
        let bytes = bytes.as_binary::<i32>();
        let mut out = BinaryBuilder::with_capacity(bytes.len(), bytes.len() * 64);
        for value in bytes.iter() {
            match value {
                Some(value) => out.append_value(self.bits.digest(value)),
                None => out.append_null(),
            }
        }
        let out: ArrayRef = Arc::new(out.finish());
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}
