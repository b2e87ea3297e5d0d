//! `format(template, args...)`, `quote_ident`, `quote_literal` and `quote_nullable`, as
//! PostgreSQL has them.
//!
//! `format` reads `%s` (the value as text, NULL as nothing), `%I` (an identifier, quoted
//! where it must be; NULL is 22004) and `%L` (a literal, quoted; NULL as `NULL`), each with
//! an optional argument position (`%2$s`), `-` flag and width (`%-10s`, `%*s`, `%*3$s`), and
//! `%%`. Values are written in their PostgreSQL text ([`crate::text::format_value`]).

use crate::SqlState;
use crate::error::function_error;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

use crate::schemas::quote_ident;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

/// `format`, `quote_ident`, `quote_literal`, `quote_nullable`.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    [
        Kind::Format,
        Kind::QuoteIdent,
        Kind::QuoteLiteral,
        Kind::QuoteNullable,
    ]
    .into_iter()
    .map(|kind| {
        let signature = match kind {
            Kind::Format => Signature::variadic_any(Volatility::Stable),
            Kind::QuoteIdent => Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
            Kind::QuoteLiteral | Kind::QuoteNullable => {
                Signature::new(TypeSignature::Any(1), Volatility::Immutable)
            }
        };
        ScalarUDF::new_from_impl(Formatting { kind, signature })
    })
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Format,
    QuoteIdent,
    QuoteLiteral,
    QuoteNullable,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Formatting {
    kind: Kind,
    signature: Signature,
}

/// A literal as PostgreSQL's `quote_literal` writes it: in single quotes with `'` doubled,
/// and as an `E''` string with `\` doubled when it holds a backslash.
pub(crate) fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// The text of each argument's value in a row (`None` for NULL).
struct Row<'a> {
    args: &'a [ArrayRef],
    row: usize,
}

impl Row<'_> {
    fn text(&self, i: usize) -> Option<String> {
        crate::text::format_value(self.args[i].as_ref(), self.row)
    }
}

/// `format(template, args...)` for one row; see the module documentation.
fn format_row(template: &str, values: &Row, count: usize) -> Result<String> {
    let bad = |what: &str| function_error(what, SqlState::INVALID_PARAMETER_VALUE);
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    // The argument the next unnumbered conversion takes (1-based: argument 0 is the
    // template).
    let mut next = 1;
    let number = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<usize> {
        let mut n: Option<usize> = None;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
            chars.next();
        }
        n
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // [position$][-][width | * | *n$] type
        let mut position = None;
        let mut left = false;
        let mut width: Option<i64> = None;
        let digits = number(&mut chars);
        if chars.peek() == Some(&'$') {
            chars.next();
            position = Some(digits.ok_or_else(|| bad("format specifies argument 0"))?);
        } else if let Some(w) = digits {
            width = Some(w as i64);
        }
        if width.is_none() {
            if chars.peek() == Some(&'-') {
                chars.next();
                left = true;
            }
            if chars.peek() == Some(&'*') {
                chars.next();
                let from = match number(&mut chars) {
                    Some(n) => {
                        if chars.next() != Some('$') {
                            return Err(bad("unterminated format() type specifier"));
                        }
                        n
                    }
                    None => {
                        let n = next;
                        next += 1;
                        n
                    }
                };
                if from == 0 || from >= count {
                    return Err(bad("too few arguments for format()"));
                }
                width = match values.text(from) {
                    Some(t) => Some(t.trim().parse().map_err(|_| {
                        function_error(
                            format!("invalid input syntax for type integer: \"{t}\""),
                            SqlState::INVALID_TEXT_REPRESENTATION,
                        )
                    })?),
                    None => None,
                };
            } else if let Some(w) = number(&mut chars) {
                width = Some(w as i64);
            }
        }
        let Some(kind) = chars.next() else {
            return Err(bad("unterminated format() type specifier"));
        };
        let arg = match position {
            Some(0) => {
                return Err(bad(
                    "format specifies argument 0, but arguments are numbered from 1",
                ));
            }
            Some(p) => {
                next = p + 1;
                p
            }
            None => {
                next += 1;
                next - 1
            }
        };
        if arg >= count {
            return Err(bad("too few arguments for format()"));
        }
        let value = values.text(arg);
        let text = match kind {
            's' => value.unwrap_or_default(),
            'I' => match value {
                Some(v) => quote_ident(&v),
                None => {
                    return Err(function_error(
                        "null values cannot be formatted as an SQL identifier",
                        SqlState::NULL_VALUE_NOT_ALLOWED,
                    ));
                }
            },
            'L' => value.map_or_else(|| "NULL".to_string(), |v| quote_literal(&v)),
            other => {
                return Err(bad(&format!(
                    "unrecognized format() type specifier \"{other}\""
                )));
            }
        };
        // A negative width means left-justified, as the `-` flag does.
        let (left, width) = match width {
            Some(w) if w < 0 => (true, w.unsigned_abs() as usize),
            Some(w) => (left, w as usize),
            None => (left, 0),
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&text);
        }
    }
    Ok(out)
}

impl ScalarUDFImpl for Formatting {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Format => "format",
            Kind::QuoteIdent => "quote_ident",
            Kind::QuoteLiteral => "quote_literal",
            Kind::QuoteNullable => "quote_nullable",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let mut out = Vec::with_capacity(rows);
        for row in 0..rows {
            let values = Row { args: &arrays, row };
            out.push(match self.kind {
                Kind::Format => match values.text(0) {
                    None => None,
                    Some(template) => Some(format_row(&template, &values, arrays.len())?),
                },
                Kind::QuoteIdent => values.text(0).map(|v| quote_ident(&v)),
                Kind::QuoteLiteral => values.text(0).map(|v| quote_literal(&v)),
                Kind::QuoteNullable => Some(
                    values
                        .text(0)
                        .map_or_else(|| "NULL".to_string(), |v| quote_literal(&v)),
                ),
            });
        }
        let array: ArrayRef = Arc::new(StringArray::from(out));
        super::columnar(array, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_where_they_would_not_read_back() {
        assert_eq!(quote_ident("orders"), "orders");
        assert_eq!(quote_ident("Orders"), "\"Orders\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident("a b"), "\"a b\"");
        assert_eq!(quote_ident("say\"hi"), "\"say\"\"hi\"");
        assert_eq!(quote_ident("1st"), "\"1st\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
    }
}
