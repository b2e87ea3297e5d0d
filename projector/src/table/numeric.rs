//! [`NumericWidths`]: how wide the values of a table's unconstrained `numeric` columns have
//! been, so that a reader can give each column one decimal type that holds every value
//! exactly.
//!
//! A value of an unconstrained `numeric` column keeps its own scale (`0.5`, `1.250`); a
//! reader that needs one scale per column (Arrow's `Decimal128(38, s)`) shows every value at
//! the largest scale the column holds, which needs that scale plus the most whole digits
//! any value has to fit in 38 digits. A write that would break that is refused
//! ([`crate::Error::NumericOverflow`]).
//!
//! The width a read at sequence `s` uses is that of the retained versions begun at or before
//! `s`, so a read of the past shows its values as it did then, however wide later values
//! are. Widths only grow, so each column keeps a short list of the sequences at which its
//! width grew (at most one entry per added digit). The list is derived from the versions:
//! restoring a snapshot and vacuuming rebuild it, and both give what applying the retained
//! versions in order would.

use crate::schema::TableSchema;
use crate::value::{DataType, MAX_NUMERIC_DIGITS, Value};

/// How wide a column's values are: the most digits after and before the decimal point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumericWidth {
    /// The largest scale of a value.
    pub scale: u8,
    /// The most digits before the decimal point of a value.
    pub whole: u8,
}

impl NumericWidth {
    /// The width of one value; zero for anything but a decimal.
    pub fn of(value: &Value) -> NumericWidth {
        let Value::Decimal { mantissa, scale } = value else {
            return NumericWidth::default();
        };
        let digits = mantissa
            .unsigned_abs()
            .checked_ilog10()
            .map_or(0, |d| d + 1);
        NumericWidth {
            scale: *scale,
            whole: u8::try_from(digits.saturating_sub(u32::from(*scale))).unwrap_or(u8::MAX),
        }
    }

    /// The narrowest width holding both.
    pub fn max(self, other: NumericWidth) -> NumericWidth {
        NumericWidth {
            scale: self.scale.max(other.scale),
            whole: self.whole.max(other.whole),
        }
    }

    /// Whether one decimal type of 38 digits holds values of this width.
    pub fn fits(self) -> bool {
        u16::from(self.scale) + u16::from(self.whole) <= u16::from(MAX_NUMERIC_DIGITS)
    }
}

/// The width history of each unconstrained `numeric` column of a table.
#[derive(Debug, Clone, Default)]
pub(crate) struct NumericWidths {
    /// `(column position, [(sequence, width from then on)])`, widths strictly growing.
    columns: Vec<(usize, Vec<(u64, NumericWidth)>)>,
}

impl NumericWidths {
    /// No history, for the `numeric` columns of `schema`.
    pub(crate) fn new(schema: &TableSchema) -> Self {
        let columns = schema
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.data_type == DataType::Numeric)
            .map(|(i, _)| (i, Vec::new()))
            .collect();
        NumericWidths { columns }
    }

    /// The positions of the `numeric` columns.
    pub(crate) fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns.iter().map(|(c, _)| *c)
    }

    /// The width of `column` as read at `seq`; zero for a column that is not `numeric` or
    /// held no value by then.
    pub(crate) fn at(&self, column: usize, seq: u64) -> NumericWidth {
        let Some((_, points)) = self.columns.iter().find(|(c, _)| *c == column) else {
            return NumericWidth::default();
        };
        let after = points.partition_point(|(s, _)| *s <= seq);
        after
            .checked_sub(1)
            .and_then(|i| points.get(i))
            .map_or_else(NumericWidth::default, |(_, w)| *w)
    }

    /// Records `row`, stored at `seq` (not before any sequence recorded so far).
    pub(crate) fn note(&mut self, seq: u64, row: &[Value]) {
        for (column, points) in &mut self.columns {
            let Some(value) = row.get(*column) else {
                continue;
            };
            let now = points
                .last()
                .map_or_else(NumericWidth::default, |(_, w)| *w);
            let wider = now.max(NumericWidth::of(value));
            if wider == now {
                continue;
            }
            match points.last_mut() {
                Some((s, w)) if *s == seq => *w = wider,
                _ => points.push((seq, wider)),
            }
        }
    }

    /// The widths `rows` (each with the sequence it was stored at, in any order) give.
    pub(crate) fn rebuild<'a>(&mut self, rows: impl IntoIterator<Item = (u64, &'a [Value])>) {
        if self.columns.is_empty() {
            return;
        }
        let mut rows: Vec<(u64, &[Value])> = rows.into_iter().collect();
        rows.sort_by_key(|(seq, _)| *seq);
        for (_, points) in &mut self.columns {
            points.clear();
        }
        for (seq, row) in rows {
            self.note(seq, row);
        }
    }
}

/// `amounts(id BIGINT PRIMARY KEY, n NUMERIC)`, for tests.
#[cfg(test)]
pub(crate) fn amounts() -> TableSchema {
    use crate::schema::Column;
    match TableSchema::new(
        "amounts",
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("n", DataType::Numeric, true),
        ],
        vec![0],
        vec![],
        vec![],
    ) {
        Ok(schema) => schema,
        Err(e) => panic!("test schema: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(mantissa: i128, scale: u8) -> Value {
        Value::Decimal { mantissa, scale }
    }

    #[test]
    fn width_counts_digits_on_each_side() {
        assert_eq!(
            NumericWidth::of(&dec(12345, 2)),
            NumericWidth { scale: 2, whole: 3 }
        );
        assert_eq!(
            NumericWidth::of(&dec(5, 3)),
            NumericWidth { scale: 3, whole: 0 }
        );
        assert_eq!(NumericWidth::of(&dec(0, 0)), NumericWidth::default());
        assert_eq!(
            NumericWidth::of(&dec(-1000, 0)),
            NumericWidth { scale: 0, whole: 4 }
        );
        assert!(
            NumericWidth {
                scale: 20,
                whole: 18
            }
            .fits()
        );
        assert!(
            !NumericWidth {
                scale: 20,
                whole: 19
            }
            .fits()
        );
    }

    #[test]
    fn reads_see_the_width_of_their_time() {
        let schema = amounts();
        let mut widths = NumericWidths::new(&schema);
        widths.note(3, &[Value::Int64(1), dec(5, 1)]);
        widths.note(5, &[Value::Int64(2), Value::Null]);
        widths.note(7, &[Value::Int64(3), dec(12345, 3)]);
        assert_eq!(widths.at(1, 2), NumericWidth::default());
        assert_eq!(widths.at(1, 3), NumericWidth { scale: 1, whole: 0 });
        assert_eq!(widths.at(1, 6), NumericWidth { scale: 1, whole: 0 });
        assert_eq!(widths.at(1, 7), NumericWidth { scale: 3, whole: 2 });
        assert_eq!(widths.at(0, 7), NumericWidth::default());

        let mut rebuilt = NumericWidths::new(&schema);
        rebuilt.rebuild([
            (7, [Value::Int64(3), dec(12345, 3)].as_slice()),
            (3, [Value::Int64(1), dec(5, 1)].as_slice()),
        ]);
        for seq in 0..9 {
            assert_eq!(rebuilt.at(1, seq), widths.at(1, seq), "at {seq}");
        }
    }
}
