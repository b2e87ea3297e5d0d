//! A query's result as PostgreSQL hands it to a client, where the values DriftDB computes
//! with are not the values PostgreSQL prints:
//!
//! - **`character(n)` is blank-padded to n characters.** A `char(n)` value is kept without
//!   its trailing blanks, since they are insignificant to PostgreSQL (`c = 'ab'` holds for
//!   `'ab   '`, `c || '|'` is `ab|`, `length(c)` is 2), and padded only on its way out, as
//!   PostgreSQL's `bpcharout` shows it. Fields of that type say so and give n
//!   ([`crate::pg_types::CHAR_LENGTH`]).
//! - **`extra_float_digits` below 1 rounds floats** to 15 + `extra_float_digits` significant
//!   digits (`double precision`) or 6 + `extra_float_digits` (`real`), as PostgreSQL's
//!   `%.*g` output does there (`SET extra_float_digits = 0` is what `pg_dump` and
//!   `pg_regress` send); at 1 and above, PostgreSQL prints the shortest exact text, as
//!   DriftDB always does. The values are rounded, so the text is rounded in either format.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Float32Type, Float64Type};
use datafusion::arrow::record_batch::RecordBatch;

use crate::outcome::Rows;

/// What a session's settings change in how results are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Presentation {
    /// `extra_float_digits`, from -15 to 3.
    pub(crate) extra_float_digits: i32,
}

impl Default for Presentation {
    fn default() -> Self {
        Presentation {
            extra_float_digits: 1,
        }
    }
}

impl Presentation {
    /// `rows` as a client is sent them.
    pub(crate) fn apply(self, rows: Rows) -> Rows {
        let fields = rows.schema.fields();
        let changes: Vec<Option<Change>> = fields.iter().map(|f| self.change(f)).collect();
        if changes.iter().all(Option::is_none) {
            return rows;
        }
        let batches = rows
            .batches
            .into_iter()
            .map(|batch| {
                let columns = batch
                    .columns()
                    .iter()
                    .zip(&changes)
                    .map(|(column, change)| match change {
                        Some(change) => change.apply(column),
                        None => Arc::clone(column),
                    })
                    .collect::<Vec<_>>();
                // The same types under the same schema: it cannot fail, but if it did the
                // rows would go unchanged rather than get lost.
                RecordBatch::try_new(batch.schema(), columns).unwrap_or(batch)
            })
            .collect();
        Rows {
            schema: rows.schema,
            batches,
        }
    }

    fn change(self, field: &Field) -> Option<Change> {
        match field.data_type() {
            DataType::Utf8 => crate::pg_types::char_length_of(field).map(Change::Pad),
            DataType::Float64 if self.extra_float_digits < 1 => {
                Some(Change::Round(15 + self.extra_float_digits))
            }
            DataType::Float32 if self.extra_float_digits < 1 => {
                Some(Change::Round(6 + self.extra_float_digits))
            }
            _ => None,
        }
    }
}

/// What is done to one column.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// Blank-pad each text to this many characters.
    Pad(usize),
    /// Round each float to this many significant digits.
    Round(i32),
}

impl Change {
    fn apply(self, column: &ArrayRef) -> ArrayRef {
        match (self, column.data_type()) {
            (Change::Pad(n), DataType::Utf8) => Arc::new(
                column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(|s| pad(s, n)))
                    .collect::<StringArray>(),
            ),
            (Change::Round(digits), DataType::Float64) => Arc::new(
                column
                    .as_primitive::<Float64Type>()
                    .unary::<_, Float64Type>(|x| round(x, digits)),
            ),
            (Change::Round(digits), DataType::Float32) => Arc::new(
                column
                    .as_primitive::<Float32Type>()
                    .unary::<_, Float32Type>(|x| round(f64::from(x), digits) as f32),
            ),
            _ => Arc::clone(column),
        }
    }
}

/// `text` blank-padded to `n` characters (a longer text is left as it is).
fn pad(text: &str, n: usize) -> String {
    let length = text.chars().count();
    let mut out = String::with_capacity(text.len() + n.saturating_sub(length));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', n.saturating_sub(length)));
    out
}

/// `x` rounded to `digits` significant decimal digits (at least 1), as `%.*g` rounds it.
fn round(x: f64, digits: i32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let precision = usize::try_from(digits.max(1) - 1).unwrap_or(0);
    format!("{x:.precision$e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_the_significant_digits_printf_keeps() {
        assert_eq!(round(0.1 + 0.2, 15), 0.3);
        assert_eq!(round(1.0 / 3.0, 15), 0.333_333_333_333_333);
        assert_eq!(round(123_456_789.0, 6), 123_457_000.0);
        assert_eq!(round(-0.000_123_456, 2), -0.000_12);
        assert_eq!(round(f64::INFINITY, 15), f64::INFINITY);
        assert!(round(f64::NAN, 15).is_nan());
        assert_eq!(round(1.5, -3), 2.0, "at least one digit");
    }

    #[test]
    fn padding_counts_characters_not_bytes() {
        assert_eq!(pad("ab", 5), "ab   ");
        assert_eq!(pad("é", 2), "é ");
        assert_eq!(pad("abcdef", 3), "abcdef");
        assert_eq!(pad("", 0), "");
    }
}
