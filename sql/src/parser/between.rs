//! `x [NOT] BETWEEN SYMMETRIC a AND b`, which sqlparser does not read: the word is taken
//! out of the tokens ([`take`]) and the `BETWEEN` it followed becomes ([`apply`])
//! `(x BETWEEN a AND b OR x BETWEEN b AND a)`, which is how PostgreSQL defines it (NULLs
//! included); `NOT BETWEEN SYMMETRIC` is the negation of that. `BETWEEN ASYMMETRIC` is the
//! plain `BETWEEN` and only loses its word.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Spanned, Statement, UnaryOperator, VisitMut, VisitorMut,
};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Whitespace};

use super::tokens::is_word;
use crate::error::{Error, Result, char_position};

/// Where a `SYMMETRIC` was, by token index and place in the text.
pub(crate) struct Symmetric {
    location: Location,
    position: Option<usize>,
}

/// Blanks out `SYMMETRIC` and `ASYMMETRIC` after `BETWEEN`, giving the token index and place
/// of each `SYMMETRIC`.
pub(crate) fn take(tokens: &mut [TokenWithSpan], sql: &str) -> Vec<(usize, Symmetric)> {
    let word = |t: &TokenWithSpan, text: &str| is_word(&t.token, text);
    let mut found = Vec::new();
    let mut after_between = false;
    for (i, token) in tokens.iter_mut().enumerate() {
        if matches!(token.token, Token::Whitespace(_)) {
            continue;
        }
        if after_between && (word(token, "symmetric") || word(token, "asymmetric")) {
            if word(token, "symmetric") {
                found.push((
                    i,
                    Symmetric {
                        location: token.span.start,
                        position: char_position(sql, token.span.start),
                    },
                ));
            }
            token.token = Token::Whitespace(Whitespace::Space);
        }
        after_between = word(token, "between");
    }
    found
}

/// Makes each `BETWEEN` that a `SYMMETRIC` followed symmetric. One that cannot be told
/// apart in the statement is 0A000, never a plain `BETWEEN`.
pub(crate) fn apply(statement: &mut Statement, symmetric: Vec<Symmetric>) -> Result<()> {
    if symmetric.is_empty() {
        return Ok(());
    }
    let mut rewriter = Rewriter {
        left: symmetric.into_iter().map(Some).collect(),
    };
    let _ = statement.visit(&mut rewriter);
    match rewriter.left.into_iter().flatten().next() {
        Some(left) => Err(Error::Unsupported {
            message: "BETWEEN SYMMETRIC with an operand whose place is unknown: write it as \
                      (x BETWEEN a AND b OR x BETWEEN b AND a)"
                .to_string(),
            position: left.position,
        }),
        None => Ok(()),
    }
}

struct Rewriter {
    left: Vec<Option<Symmetric>>,
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Between {
            expr: value,
            negated,
            low,
            high,
        } = expr
        else {
            return ControlFlow::Continue(());
        };
        let (before, after) = (value.span().end, low.span().start);
        let Some(_) = self
            .left
            .iter_mut()
            .find(|s| {
                s.as_ref()
                    .is_some_and(|s| before <= s.location && s.location < after)
            })
            .and_then(Option::take)
        else {
            return ControlFlow::Continue(());
        };
        let between = |low: &Expr, high: &Expr| Expr::Between {
            expr: value.clone(),
            negated: false,
            low: Box::new(low.clone()),
            high: Box::new(high.clone()),
        };
        let either = Expr::Nested(Box::new(Expr::BinaryOp {
            left: Box::new(between(low, high)),
            op: BinaryOperator::Or,
            right: Box::new(between(high, low)),
        }));
        *expr = if *negated {
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: Box::new(either),
            }
        } else {
            either
        };
        ControlFlow::Continue(())
    }
}
