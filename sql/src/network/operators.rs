//! Operators with an `inet` or `cidr` operand, planned before DataFusion's type coercion
//! by [`NetworkOperators`], since to DataFusion both are text:
//!
//! - a quoted literal, text or untyped parameter beside an address is read as an address
//!   of the other operand's kind (`a = '10.0.0.1/32'` finds `10.0.0.1`);
//! - `=` and `<>` between values of one kind compare their texts, which are one per value
//!   (so a scan can still use an index); other comparisons, and any between an `inet` and a
//!   `cidr`, compare order keys ([`super::Address::key`]);
//! - `<<`, `<<=`, `>>`, `>>=`, `&&`, `+`, `-`, `&` and `|` become the functions of
//!   [`super::functions`];
//! - `||` concatenates the address's text with its mask, as a cast to `text` shows it.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::Placeholder;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Operator};
use sqlparser::ast::BinaryOperator;

use super::Kind;
use super::functions::{cast_to, key, operator, to_text};

/// What an operand is, for planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Address(Kind),
    /// Text, NULL or an untyped parameter: read as an address beside one.
    Text,
    Number,
    Other,
}

fn operand(e: &Expr, schema: &DFSchema) -> Operand {
    if let Expr::Placeholder(p) = e
        && p.field.is_none()
    {
        return Operand::Text;
    }
    let Ok((_, field)) = e.to_field(schema) else {
        return Operand::Other;
    };
    if let Some(kind) = Kind::of_field(&field) {
        return Operand::Address(kind);
    }
    match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => Operand::Text,
        t if t.is_integer() => Operand::Number,
        _ => Operand::Other,
    }
}

/// `e` as an address of `kind`: an address stays as it is, anything else is cast.
fn as_address(e: Expr, operand: Operand, kind: Kind) -> Expr {
    match (operand, e) {
        (Operand::Address(_), e) => e,
        // A parameter is described as an address of that kind.
        (_, Expr::Placeholder(p)) if p.field.is_none() => {
            cast_to(kind).call(vec![Expr::Placeholder(Placeholder::new_with_field(
                p.id,
                Some(Arc::new(crate::pg_types::with_pg_type(
                    Field::new("", DataType::Utf8, true),
                    kind.name(),
                ))),
            ))])
        }
        (_, e) => cast_to(kind).call(vec![e]),
    }
}

fn comparison(op: &BinaryOperator) -> Option<Operator> {
    Some(match op {
        BinaryOperator::Eq => Operator::Eq,
        BinaryOperator::NotEq => Operator::NotEq,
        BinaryOperator::Lt => Operator::Lt,
        BinaryOperator::LtEq => Operator::LtEq,
        BinaryOperator::Gt => Operator::Gt,
        BinaryOperator::GtEq => Operator::GtEq,
        _ => return None,
    })
}

/// The sign of an operator with address operands, if it has one.
fn symbol(op: &BinaryOperator) -> Option<&str> {
    Some(match op {
        BinaryOperator::PGBitwiseShiftLeft => "<<",
        BinaryOperator::PGBitwiseShiftRight => ">>",
        BinaryOperator::PGOverlap => "&&",
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::BitwiseAnd => "&",
        BinaryOperator::BitwiseOr => "|",
        BinaryOperator::Custom(op) if op == "<<=" || op == ">>=" => op,
        _ => return None,
    })
}

/// The planner; it must come before DataFusion's own, whose `&&` is `array_has_any`
/// whatever its operands.
#[derive(Debug, Default)]
pub(crate) struct NetworkOperators;

impl ExprPlanner for NetworkOperators {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        Ok(match plan(&expr, schema)? {
            Some(planned) => PlannerResult::Planned(planned),
            None => PlannerResult::Original(expr),
        })
    }
}

/// The plan of `expr` if an operand is an address; `None` leaves it to the other planners.
fn plan(expr: &RawBinaryExpr, schema: &DFSchema) -> Result<Option<Expr>> {
    let left = operand(&expr.left, schema);
    let right = operand(&expr.right, schema);
    let ((Operand::Address(kind), _) | (_, Operand::Address(kind))) = (left, right) else {
        return Ok(None);
    };
    let (l, r) = (expr.left.clone(), expr.right.clone());
    if let Some(op) = comparison(&expr.op) {
        if !matches!(left, Operand::Address(_) | Operand::Text)
            || !matches!(right, Operand::Address(_) | Operand::Text)
        {
            return Ok(None);
        }
        // An `inet` and a `cidr` may be equal with different texts (`10.0.0.1` and
        // `10.0.0.1/32`).
        let mixed = matches!(
            (left, right),
            (Operand::Address(a), Operand::Address(b)) if a != b
        );
        let (l, r) = (as_address(l, left, kind), as_address(r, right, kind));
        let textual = !mixed && matches!(op, Operator::Eq | Operator::NotEq);
        let (l, r) = if textual {
            (l, r)
        } else {
            (key().call(vec![l]), key().call(vec![r]))
        };
        return Ok(Some(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(l),
            op,
            Box::new(r),
        ))));
    }
    // `a || text` shows the address as a cast to text does, with its mask.
    if expr.op == BinaryOperator::StringConcat {
        let text = |e: Expr, operand: Operand| match operand {
            Operand::Address(_) => to_text().call(vec![e]),
            _ => e,
        };
        return Ok(Some(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(text(l, left)),
            Operator::StringConcat,
            Box::new(text(r, right)),
        ))));
    }
    let Some(symbol) = symbol(&expr.op) else {
        return Ok(None);
    };
    Ok(match (left, right) {
        // `a + n`, `a - n`, `n + a`.
        (Operand::Address(_), Operand::Number) => {
            operator(symbol, true).map(|f| f.call(vec![l, r]))
        }
        (Operand::Number, Operand::Address(_)) if symbol == "+" => {
            operator(symbol, true).map(|f| f.call(vec![r, l]))
        }
        (Operand::Address(_) | Operand::Text, Operand::Address(_) | Operand::Text) => {
            operator(symbol, false).map(|f| {
                f.call(vec![
                    as_address(l, left, Kind::Inet),
                    as_address(r, right, Kind::Inet),
                ])
            })
        }
        _ => None,
    })
}

/// The forms of comparison DataFusion plans without [`NetworkOperators`] (`BETWEEN`, `IN`,
/// `IS [NOT] DISTINCT FROM`), rewritten as the operators are, if they test an address:
/// for [`crate::postgres::PostgresSemantics`], after type coercion.
pub(crate) fn rewrite_comparison(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    match expr {
        Expr::Between(between) => {
            let Operand::Address(kind) = operand(&between.expr, schema) else {
                return None;
            };
            let bound = |e: &Expr| {
                let address = as_address(e.clone(), operand(e, schema), kind);
                Box::new(key().call(vec![address]))
            };
            Some(Expr::Between(datafusion::logical_expr::Between::new(
                Box::new(key().call(vec![between.expr.as_ref().clone()])),
                between.negated,
                bound(&between.low),
                bound(&between.high),
            )))
        }
        Expr::InList(in_list) => {
            let Operand::Address(kind) = operand(&in_list.expr, schema) else {
                return None;
            };
            let items: Vec<Operand> = in_list.list.iter().map(|e| operand(e, schema)).collect();
            if items.iter().all(|o| *o == Operand::Address(kind)) {
                return None;
            }
            // Values of one kind compare as text; of both kinds, by key.
            let mixed = items
                .iter()
                .any(|o| matches!(o, Operand::Address(k) if *k != kind));
            let wrap = |e: Expr| if mixed { key().call(vec![e]) } else { e };
            let list = in_list
                .list
                .iter()
                .zip(items)
                .map(|(e, o)| wrap(as_address(e.clone(), o, kind)))
                .collect();
            Some(Expr::InList(datafusion::logical_expr::expr::InList::new(
                Box::new(wrap(in_list.expr.as_ref().clone())),
                list,
                in_list.negated,
            )))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::IsDistinctFrom | Operator::IsNotDistinctFrom) =>
        {
            let (l, r) = (operand(left, schema), operand(right, schema));
            let ((Operand::Address(kind), _) | (_, Operand::Address(kind))) = (l, r) else {
                return None;
            };
            if l == r {
                return None;
            }
            let keyed = matches!((l, r), (Operand::Address(_), Operand::Address(_)));
            let side = |e: &Expr, o: Operand| {
                let address = as_address(e.clone(), o, kind);
                Box::new(if keyed {
                    key().call(vec![address])
                } else {
                    address
                })
            };
            Some(Expr::BinaryExpr(BinaryExpr::new(
                side(left, l),
                *op,
                side(right, r),
            )))
        }
        _ => None,
    }
}
