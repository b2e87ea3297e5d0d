//! The sequence literal `@SEQ:n`.
//!
//! A sequence literal is four tokens written without whitespace between them: `@`, the
//! unquoted word `SEQ` (any case), `:` and a run of ASCII digits that fits a `u64`. The
//! PostgreSQL tokenizer splits `@SEQ:1000` into exactly those tokens, so the literal is
//! recognised on tokens, both by the dialect's `parse_prefix` and by the `FOR SYSTEM_TIME`
//! rewriter. An `@` that is not directly followed by `SEQ` is left alone (it is PostgreSQL's
//! absolute-value operator); an `@SEQ` that is not followed by `:digits` is an error, never
//! silently something else.
//!
//! In an expression the literal becomes the call `__driftdb_seq(<n>)` (see [`SEQ_FUNCTION`]),
//! which prints back as valid SQL that parses to the same tree and is easy for the planner to
//! recognise with [`seq_literal`].

use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident,
    ObjectName, Value,
};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan};

/// Name of the function call an `@SEQ:n` literal becomes inside an expression.
pub const SEQ_FUNCTION: &str = "__driftdb_seq";

/// How many significant tokens [`match_seq`] looks at.
pub(crate) const SEQ_LOOKAHEAD: usize = 5;

/// Outcome of looking for `@SEQ:n` at the start of a token run.
#[derive(Debug, PartialEq)]
pub(crate) enum SeqMatch {
    /// The tokens do not start with `@SEQ`.
    NotSeq,
    /// A well-formed literal made of the first four tokens.
    Seq { value: u64, span: Span },
    /// `@SEQ` followed by something that is not `:digits`.
    Invalid { message: String, location: Location },
}

/// Looks for `@SEQ:n` in `tokens`, the next significant (non-whitespace) tokens, padded with
/// `EOF` when the input ends sooner.
pub(crate) fn match_seq(tokens: [&TokenWithSpan; SEQ_LOOKAHEAD]) -> SeqMatch {
    let [at, seq, colon, number, after] = tokens;
    if at.token != Token::AtSign {
        return SeqMatch::NotSeq;
    }
    let is_seq_word = matches!(&seq.token, Token::Word(w)
        if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("SEQ"));
    if !is_seq_word || !adjacent(at, seq) {
        return SeqMatch::NotSeq;
    }
    if colon.token != Token::Colon || !adjacent(seq, colon) {
        return SeqMatch::Invalid {
            message: "expected ':' and a sequence number right after @SEQ, as in @SEQ:1000".into(),
            location: seq.span.end,
        };
    }
    let digits = match &number.token {
        Token::Number(digits, false)
            if adjacent(colon, number)
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            digits
        }
        _ => {
            return SeqMatch::Invalid {
                message: "expected a sequence number (digits only) right after @SEQ:".into(),
                location: colon.span.end,
            };
        }
    };
    if adjacent(number, after) && matches!(after.token, Token::Word(_) | Token::Number(..)) {
        return SeqMatch::Invalid {
            message: format!(
                "expected a sequence number (digits only) after @SEQ:, found {digits}{}",
                after.token
            ),
            location: number.span.start,
        };
    }
    match digits.parse::<u64>() {
        Ok(value) => SeqMatch::Seq {
            value,
            span: Span::new(at.span.start, number.span.end),
        },
        Err(_) => SeqMatch::Invalid {
            message: format!(
                "sequence number {digits} is out of range (at most {})",
                u64::MAX
            ),
            location: number.span.start,
        },
    }
}

/// Two tokens with nothing (not even whitespace or a comment) between them.
fn adjacent(first: &TokenWithSpan, second: &TokenWithSpan) -> bool {
    first.span.end == second.span.start && second.token != Token::EOF
}

/// The expression an `@SEQ:n` literal stands for: `__driftdb_seq(n)`.
pub fn seq_expr(value: u64, span: Span) -> Expr {
    let argument = Expr::Value(Value::Number(value.to_string(), false).with_span(span));
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(SEQ_FUNCTION)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(argument))],
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// The sequence number of an expression built by [`seq_expr`], or `None` for any other
/// expression (including a user's own call to `__driftdb_seq` with a non-literal argument).
pub fn seq_literal(expr: &Expr) -> Option<u64> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let [name] = function.name.0.as_slice() else {
        return None;
    };
    let is_seq = name.as_ident().is_some_and(|ident| {
        ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case(SEQ_FUNCTION)
    });
    if !is_seq
        || function.filter.is_some()
        || function.over.is_some()
        || !function.within_group.is_empty()
    {
        return None;
    }
    let FunctionArguments::List(list) = &function.args else {
        return None;
    };
    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(value)))] => match &value.value {
            Value::Number(digits, false) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.parse().ok()
            }
            _ => None,
        },
        _ => None,
    }
}
