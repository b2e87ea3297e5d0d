//! Filter push-down: which `WHERE` conjuncts the scan evaluates itself, and which access
//! path (primary-key point or range, secondary-index lookup or range, full scan) they allow.
//!
//! A conjunct is pushed down when it compares a stored column with a literal (`c = 5`,
//! `5 < c`, `c BETWEEN 1 AND 9`) and the literal has exactly the column's Arrow type, which
//! DataFusion's type coercion arranges for ordinary SQL. Such a conjunct becomes a
//! [`Predicate`] that the scan checks on every row it returns, so DataFusion may drop it:
//! every pushed filter is `Exact`, and the rest are `Unsupported` (see [`operand`] for why
//! floating-point and interval columns are never pushed). `c IN (…)` is pushed too, and on
//! the last primary-key column becomes a set of point lookups.
//!
//! The access path only has to return a superset of the matching rows; the predicates do
//! the rest. Key bounds use the projector's lexicographic key order, in which NULL sorts
//! after every value: `[v, NULL]` is an upper bound of every key starting with `v`, which is
//! how `c <= v` and `c > v` bound a composite key on its leading column.

use std::fmt;
use std::ops::Bound;

use datafusion::logical_expr::expr::InList;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};
use driftdb_projector::{DataType, TableSchema, Value};

use crate::arrow::{from_scalar, to_scalar};

/// A comparison operator of a pushed-down predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl Cmp {
    fn of(op: Operator) -> Option<Cmp> {
        Some(match op {
            Operator::Eq => Cmp::Eq,
            Operator::Lt => Cmp::Lt,
            Operator::LtEq => Cmp::LtEq,
            Operator::Gt => Cmp::Gt,
            Operator::GtEq => Cmp::GtEq,
            _ => return None,
        })
    }

    /// The operator with its operands swapped: `5 < c` is `c > 5`.
    fn flipped(self) -> Cmp {
        match self {
            Cmp::Eq => Cmp::Eq,
            Cmp::Lt => Cmp::Gt,
            Cmp::LtEq => Cmp::GtEq,
            Cmp::Gt => Cmp::Lt,
            Cmp::GtEq => Cmp::LtEq,
        }
    }
}

/// A pushed-down condition on one stored column, checked on stored rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Predicate {
    pub(crate) column: usize,
    pub(crate) test: Test,
}

/// What a [`Predicate`] requires of its column's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    /// `column <op> value`.
    Cmp(Cmp, Value),
    /// `column IN (values…)`.
    In(Vec<Value>),
}

impl Predicate {
    /// SQL semantics on one row: a NULL never satisfies a comparison.
    pub(crate) fn matches(&self, row: &[Value]) -> bool {
        let Some(v) = row.get(self.column) else {
            return false;
        };
        if v.is_null() {
            return false;
        }
        match &self.test {
            Test::In(values) => values.contains(v),
            Test::Cmp(op, value) => {
                let ord = v.cmp(value);
                match op {
                    Cmp::Eq => ord.is_eq(),
                    Cmp::Lt => ord.is_lt(),
                    Cmp::LtEq => ord.is_le(),
                    Cmp::Gt => ord.is_gt(),
                    Cmp::GtEq => ord.is_ge(),
                }
            }
        }
    }

    /// `(op, value)` if this is a comparison on `column`.
    fn cmp_on(&self, column: usize) -> Option<(Cmp, &Value)> {
        match &self.test {
            Test::Cmp(op, value) if self.column == column => Some((*op, value)),
            _ => None,
        }
    }
}

/// The predicates of one filter expression, or `None` if it cannot be pushed down. Pushed
/// filters are exact: the scan checks every one on every row it returns.
pub(crate) fn parse(expr: &Expr, schema: &TableSchema) -> Option<Vec<Predicate>> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let op = Cmp::of(*op)?;
            let (column, value, op) = match (left.as_ref(), right.as_ref()) {
                (Expr::Column(c), lit @ Expr::Literal(..)) => (c, lit, op),
                (lit @ Expr::Literal(..), Expr::Column(c)) => (c, lit, op.flipped()),
                _ => return None,
            };
            let (column, value) = operand(schema, &column.name, value, op != Cmp::Eq)?;
            Some(vec![Predicate {
                column,
                test: Test::Cmp(op, value),
            }])
        }
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => {
            let Expr::Column(c) = expr.as_ref() else {
                return None;
            };
            let (column, low) = operand(schema, &c.name, low, true)?;
            let (_, high) = operand(schema, &c.name, high, true)?;
            Some(vec![
                Predicate {
                    column,
                    test: Test::Cmp(Cmp::GtEq, low),
                },
                Predicate {
                    column,
                    test: Test::Cmp(Cmp::LtEq, high),
                },
            ])
        }
        Expr::InList(InList {
            expr,
            list,
            negated: false,
        }) => {
            let Expr::Column(c) = expr.as_ref() else {
                return None;
            };
            let mut column = None;
            let mut values = Vec::with_capacity(list.len());
            for item in list {
                let (c, value) = operand(schema, &c.name, item, false)?;
                column = Some(c);
                values.push(value);
            }
            Some(vec![Predicate {
                column: column?,
                test: Test::In(values),
            }])
        }
        _ => None,
    }
}

/// A stored column and a non-NULL literal of exactly its type, for a test of equality, or
/// of order where `ordered`.
///
/// Floating-point and interval columns are left to DataFusion: the projector's order
/// (`-0.0 = 0.0`, one NaN; a month equal to 30 days) differs from Arrow's there, so a scan
/// checking them itself could drop rows DataFusion would keep. Network addresses are
/// tested for equality only: their stored text does not sort as they do.
fn operand(
    schema: &TableSchema,
    name: &str,
    literal: &Expr,
    ordered: bool,
) -> Option<(usize, Value)> {
    let Expr::Literal(scalar, _) = literal else {
        return None;
    };
    let column = schema.column_index(name)?;
    let data_type = &schema.columns().get(column)?.data_type;
    if matches!(
        data_type,
        DataType::Real | DataType::Double | DataType::Interval
    ) || (ordered && matches!(data_type, DataType::Inet | DataType::Cidr))
    {
        return None;
    }
    let value = from_scalar(scalar, data_type).ok()?;
    // The literal must mean the same as a stored value: UUID text in another spelling, for
    // one, would compare differently as text than as a UUID.
    if value.is_null() || to_scalar(&value, data_type).ok()? != *scalar {
        return None;
    }
    Some((column, value))
}

/// How a scan finds its candidate rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Access {
    /// Every row.
    FullScan,
    /// `Table::get` per key: every primary-key column is fixed, the last maybe to a list.
    PkPoints(Vec<Vec<Value>>),
    /// `Table::scan_range` over primary keys.
    PkRange(Bound<Vec<Value>>, Bound<Vec<Value>>),
    /// `Table::index_eq` with a prefix of the index's columns.
    IndexEq { index: String, prefix: Vec<Value> },
    /// `Table::index_range`.
    IndexRange {
        index: String,
        lower: Bound<Vec<Value>>,
        upper: Bound<Vec<Value>>,
    },
}

/// What predicates say about one key (primary or index) made of `columns`.
enum KeyUse {
    Point(Vec<Value>),
    /// Whole keys: a fixed prefix and an `IN` list on the last column.
    Points(Vec<Vec<Value>>),
    /// A fixed prefix and nothing more.
    Prefix(Vec<Value>),
    Range(Bound<Vec<Value>>, Bound<Vec<Value>>),
}

/// The tightest of the predicates on `column` with one of the operators in `ops`;
/// `prefer_upper` picks the least value (upper bounds), otherwise the greatest.
fn tightest(
    predicates: &[Predicate],
    column: usize,
    ops: [Cmp; 2],
    prefer_upper: bool,
) -> Option<(Cmp, &Value)> {
    let strict = ops[0];
    predicates
        .iter()
        .filter_map(|p| p.cmp_on(column))
        .filter(|(op, _)| ops.contains(op))
        .reduce(|best, p| {
            let ord = p.1.cmp(best.1);
            let tighter = if prefer_upper {
                ord.is_lt()
            } else {
                ord.is_gt()
            };
            if tighter || (ord.is_eq() && p.0 == strict) {
                p
            } else {
                best
            }
        })
}

/// `points`: whether an `IN` list on the last column may make whole keys.
fn key_use(columns: &[usize], predicates: &[Predicate], points: bool) -> Option<KeyUse> {
    let mut prefix = Vec::new();
    for &c in columns {
        match predicates
            .iter()
            .find_map(|p| p.cmp_on(c).filter(|(op, _)| *op == Cmp::Eq))
        {
            Some((_, value)) => prefix.push(value.clone()),
            None => break,
        }
    }
    let Some(&next) = columns.get(prefix.len()) else {
        return Some(KeyUse::Point(prefix));
    };
    let more_after = prefix.len() + 1 < columns.len();
    let list = predicates.iter().find_map(|p| match &p.test {
        Test::In(values) if p.column == next => Some(values),
        _ => None,
    });
    if let (Some(values), false, true) = (list, more_after, points) {
        let keys = values
            .iter()
            .map(|v| {
                let mut key = prefix.clone();
                key.push(v.clone());
                key
            })
            .collect::<Vec<_>>();
        // `IN (2, 2)` must not return key 2 twice.
        let mut keys = keys;
        keys.sort();
        keys.dedup();
        return Some(KeyUse::Points(keys));
    }
    let with = |values: &[&Value]| -> Vec<Value> {
        prefix
            .iter()
            .cloned()
            .chain(values.iter().map(|v| (*v).clone()))
            .collect()
    };
    let lower = tightest(predicates, next, [Cmp::Gt, Cmp::GtEq], false);
    let upper = tightest(predicates, next, [Cmp::Lt, Cmp::LtEq], true);
    if lower.is_none() && upper.is_none() {
        return (!prefix.is_empty()).then_some(KeyUse::Prefix(prefix));
    }
    let lower = match lower {
        None if prefix.is_empty() => Bound::Unbounded,
        None => Bound::Included(prefix.clone()),
        Some((Cmp::GtEq, v)) => Bound::Included(with(&[v])),
        Some((_, v)) if more_after => Bound::Excluded(with(&[v, &Value::Null])),
        Some((_, v)) => Bound::Excluded(with(&[v])),
    };
    let upper = match upper {
        None if prefix.is_empty() => Bound::Unbounded,
        None => Bound::Included(with(&[&Value::Null])),
        Some((Cmp::Lt, v)) => Bound::Excluded(with(&[v])),
        Some((_, v)) if more_after => Bound::Included(with(&[v, &Value::Null])),
        Some((_, v)) => Bound::Included(with(&[v])),
    };
    Some(KeyUse::Range(lower, upper))
}

/// The best access path the predicates allow: a primary-key point, then an equality on a
/// whole index, then a primary-key range, then an index prefix or range, then a full scan.
pub(crate) fn choose(schema: &TableSchema, predicates: &[Predicate]) -> Access {
    let pk = key_use(schema.primary_key(), predicates, true);
    match pk {
        Some(KeyUse::Point(key)) => return Access::PkPoints(vec![key]),
        Some(KeyUse::Points(keys)) => return Access::PkPoints(keys),
        _ => {}
    }
    let mut index_choice: Option<(bool, Access)> = None;
    for index in schema.indexes() {
        let candidate = match key_use(&index.columns, predicates, false) {
            None | Some(KeyUse::Points(_)) => continue,
            Some(KeyUse::Point(prefix)) => (true, prefix),
            Some(KeyUse::Prefix(prefix)) => (false, prefix),
            Some(KeyUse::Range(lower, upper)) => {
                if index_choice.is_none() {
                    index_choice = Some((
                        false,
                        Access::IndexRange {
                            index: index.name.clone(),
                            lower,
                            upper,
                        },
                    ));
                }
                continue;
            }
        };
        let (whole, prefix) = candidate;
        let better = match &index_choice {
            None => true,
            Some((best_whole, best)) => {
                (whole && !best_whole) || matches!(best, Access::IndexRange { .. })
            }
        };
        if better {
            index_choice = Some((
                whole,
                Access::IndexEq {
                    index: index.name.clone(),
                    prefix,
                },
            ));
        }
    }
    match (pk, index_choice) {
        (_, Some((true, access))) => access,
        (Some(KeyUse::Prefix(prefix)), _) => {
            let mut upper = prefix.clone();
            upper.push(Value::Null);
            Access::PkRange(Bound::Included(prefix), Bound::Included(upper))
        }
        (Some(KeyUse::Range(lower, upper)), _) => Access::PkRange(lower, upper),
        (_, Some((false, access))) => access,
        (Some(KeyUse::Point(key)), None) => Access::PkPoints(vec![key]),
        (Some(KeyUse::Points(keys)), None) => Access::PkPoints(keys),
        (None, None) => Access::FullScan,
    }
}

/// `EXPLAIN` text of an access path, naming the key columns or the index.
pub(crate) struct AccessDisplay<'a> {
    pub(crate) access: &'a Access,
    pub(crate) schema: &'a TableSchema,
}

impl fmt::Display for AccessDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pk = self
            .schema
            .primary_key()
            .iter()
            .filter_map(|&c| self.schema.columns().get(c).map(|c| c.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        match self.access {
            Access::FullScan => write!(f, "full_scan"),
            Access::PkPoints(keys) if keys.len() == 1 => write!(f, "pk_point({pk})"),
            Access::PkPoints(keys) => write!(f, "pk_points({pk}) keys={}", keys.len()),
            Access::PkRange(..) => write!(f, "pk_range({pk})"),
            Access::IndexEq { index, .. } => write!(f, "index_eq({index})"),
            Access::IndexRange { index, .. } => write!(f, "index_range({index})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use driftdb_projector::{Column, IndexDef};

    fn schema() -> TableSchema {
        let columns = vec![
            Column::new("a", DataType::BigInt, false),
            Column::new("b", DataType::BigInt, false),
            Column::new("c", DataType::Text, true),
        ];
        let indexes = vec![IndexDef {
            name: "by_c".into(),
            columns: vec![2],
        }];
        match TableSchema::new("t", columns, vec![0, 1], vec![], indexes) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn p(column: usize, op: Cmp, v: i64) -> Predicate {
        Predicate {
            column,
            test: Test::Cmp(op, Value::Int64(v)),
        }
    }

    #[test]
    fn composite_key_bounds_pad_with_null() {
        let s = schema();
        assert_eq!(
            choose(&s, &[p(0, Cmp::Eq, 1), p(1, Cmp::Eq, 2)]),
            Access::PkPoints(vec![vec![Value::Int64(1), Value::Int64(2)]])
        );
        assert_eq!(
            choose(
                &s,
                &[p(0, Cmp::Gt, 1), p(0, Cmp::LtEq, 5), p(0, Cmp::Lt, 9)]
            ),
            Access::PkRange(
                Bound::Excluded(vec![Value::Int64(1), Value::Null]),
                Bound::Included(vec![Value::Int64(5), Value::Null])
            )
        );
        assert_eq!(
            choose(&s, &[p(0, Cmp::Eq, 3)]),
            Access::PkRange(
                Bound::Included(vec![Value::Int64(3)]),
                Bound::Included(vec![Value::Int64(3), Value::Null])
            )
        );
        assert_eq!(choose(&s, &[p(1, Cmp::Eq, 3)]), Access::FullScan);
        let list = Predicate {
            column: 1,
            test: Test::In(vec![Value::Int64(4), Value::Int64(5)]),
        };
        assert_eq!(
            choose(&s, &[p(0, Cmp::Eq, 3), list]),
            Access::PkPoints(vec![
                vec![Value::Int64(3), Value::Int64(4)],
                vec![Value::Int64(3), Value::Int64(5)]
            ])
        );
    }

    #[test]
    fn whole_index_equality_beats_a_key_range() {
        let s = schema();
        let text = Predicate {
            column: 2,
            test: Test::Cmp(Cmp::Eq, Value::Text("x".into())),
        };
        assert_eq!(
            choose(&s, &[p(0, Cmp::Gt, 1), text.clone()]),
            Access::IndexEq {
                index: "by_c".into(),
                prefix: vec![Value::Text("x".into())]
            }
        );
        assert!(text.matches(&[Value::Int64(1), Value::Int64(1), Value::Text("x".into())]));
        assert!(!text.matches(&[Value::Int64(1), Value::Int64(1), Value::Null]));
    }
}
