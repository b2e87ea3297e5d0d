//! `min` and `max` of `inet` and `cidr` values, by PostgreSQL's order of addresses
//! ([`super::Address::key`]), not their text's: `max` of `10.0.0.9` and `10.0.0.10` is
//! `10.0.0.10`. [`crate::postgres::PostgresSemantics`] puts these in place of DataFusion's
//! `min` and `max` where the argument is an address. NULLs are left out; a group of none
//! gives NULL. The result is typed as DataFusion's `min` and `max` type it when the
//! statement is planned (text, to clients): the analyzer's rewrite must not change a
//! described type.

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use super::Address;

/// The aggregate taking the place of `max` (`largest`) or `min` over addresses.
pub(crate) fn extreme(largest: bool) -> AggregateUDF {
    AggregateUDF::new_from_impl(Extreme {
        largest,
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Extreme {
    largest: bool,
    signature: Signature,
}

impl AggregateUDFImpl for Extreme {
    fn name(&self) -> &str {
        if self.largest {
            "__driftdb_inet_max"
        } else {
            "__driftdb_inet_min"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Best {
            largest: self.largest,
            best: None,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Field::new(format_state_name(args.name, "best"), DataType::Utf8, true).into(),
        ])
    }
}

/// The best address so far: its key and its text.
#[derive(Debug)]
struct Best {
    largest: bool,
    best: Option<([u8; 34], String)>,
}

impl Best {
    fn offer(&mut self, values: &ArrayRef) -> Result<()> {
        let texts = cast(values, &DataType::Utf8)?;
        for text in texts.as_string::<i32>().iter().flatten() {
            let key = Address::read(text)
                .map_err(|e| DataFusionError::External(Box::new(crate::Error::from(e))))?
                .key();
            let better = match &self.best {
                None => true,
                Some((best, _)) if self.largest => key > *best,
                Some((best, _)) => key < *best,
            };
            if better {
                self.best = Some((key, text.to_string()));
            }
        }
        Ok(())
    }
}

impl Accumulator for Best {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values.first() {
            Some(column) => self.offer(column),
            None => Ok(()),
        }
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(
            self.best.as_ref().map(|(_, text)| text.clone()),
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.best.as_ref().map_or(0, |(_, t)| t.capacity())
    }
}
