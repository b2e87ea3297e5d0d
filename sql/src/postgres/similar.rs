//! `x SIMILAR TO pattern [ESCAPE e]`, as PostgreSQL reads it: the front end writes it as
//! `x ~ similar_to_escape(pattern [, e])`, PostgreSQL's own function that turns a `SIMILAR
//! TO` pattern into the regular expression matching the same strings (DataFusion took the
//! pattern for a regular expression as it was, unanchored, so `'abc' SIMILAR TO 'b'` was
//! true and `'abc' SIMILAR TO 'a%'` false).
//!
//! The translation is PostgreSQL's: the whole string must match (`^(?:...)$`), `%` is any
//! text and `_` any character, `(` opens a group, `|`, `*`, `+`, `?`, `{m,n}` and bracket
//! expressions keep their meaning, `.`, `^`, `$` and `\` stand for themselves, and the
//! escape character (`\` unless `ESCAPE` names another; `ESCAPE ''` names none) makes the
//! next character stand for itself. An escape of more than one character is 22019.
//!
//! `x LIKE p ESCAPE e` is read the same way, as `x LIKE like_escape(p, e)`: PostgreSQL's
//! function that rewrites the pattern to escape with a backslash, DataFusion's only escape.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

use crate::SqlState;
use crate::error::Error;

/// The function's name, PostgreSQL's.
pub(crate) const SIMILAR_TO_ESCAPE: &str = "similar_to_escape";

pub(crate) fn similar_to_escape() -> ScalarUDF {
    ScalarUDF::new_from_impl(EscapedPattern {
        name: SIMILAR_TO_ESCAPE,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8]),
            ],
            Volatility::Immutable,
        ),
        kind: Kind::Similar,
    })
}

/// A function of a pattern and its escape character (`\` when none is given) that
/// rewrites the pattern: `similar_to_escape`, `like_escape`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct EscapedPattern {
    name: &'static str,
    signature: Signature,
    kind: Kind,
}

/// What a pattern is rewritten into.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// A `SIMILAR TO` pattern, into a regular expression.
    Similar,
    /// A `LIKE` pattern, into one escaped by a backslash.
    Like,
}

impl Kind {
    fn translate(&self, pattern: &str, escape: Option<char>) -> std::result::Result<String, Error> {
        match self {
            Kind::Similar => translate(pattern, escape),
            Kind::Like => like_pattern(pattern, escape),
        }
    }
}

/// The regular expression `pattern` stands for, with `escape` its escape character.
fn translate(pattern: &str, escape: Option<char>) -> std::result::Result<String, Error> {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("^(?:");
    let mut after_escape = false;
    let mut in_class = false;
    let mut quotes = 0;
    for c in pattern.chars() {
        if after_escape {
            // An escaped double quote marks what `substring(... SIMILAR ...)` returns: the
            // parts around it are matched as lazily and eagerly as PostgreSQL's.
            if c == '"' && !in_class {
                match quotes {
                    0 => out.push_str("){1,1}?("),
                    1 => out.push_str("){1,1}(?:"),
                    _ => {
                        return Err(Error::Execution {
                            message: "SQL regular expression may not contain more than two escape-double-quote separators".to_string(),
                            sqlstate: SqlState::INVALID_REGULAR_EXPRESSION,
                        });
                    }
                }
                quotes += 1;
            } else {
                out.push('\\');
                out.push(c);
            }
            after_escape = false;
        } else if Some(c) == escape {
            after_escape = true;
        } else if in_class {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            if c == ']' {
                in_class = false;
            }
        } else {
            match c {
                '[' => {
                    out.push('[');
                    in_class = true;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// The escape character `text` names: none for the empty string, 22019 for more than one.
fn escape_of(text: &str) -> std::result::Result<Option<char>, Error> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(Error::Execution {
            message: "invalid escape string".to_string(),
            sqlstate: SqlState::INVALID_ESCAPE_CHARACTER,
        }),
    }
}

fn external(error: Error) -> DataFusionError {
    DataFusionError::External(Box::new(error))
}

/// PostgreSQL's `like_escape(pattern, escape)`: `LIKE` pattern `pattern`, whose escape
/// character is `escape`, rewritten to escape with `\`, DataFusion's only one. The front end
/// reads `x LIKE p ESCAPE e` as `x LIKE like_escape(p, e)`, as PostgreSQL's parser does.
pub(crate) const LIKE_ESCAPE: &str = "like_escape";

pub(crate) fn like_escape() -> ScalarUDF {
    ScalarUDF::new_from_impl(EscapedPattern {
        name: LIKE_ESCAPE,
        signature: Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable),
        kind: Kind::Like,
    })
}

/// `pattern`, escaped by `escape` (none for `ESCAPE ''`), as a pattern escaped by `\`.
fn like_pattern(pattern: &str, escape: Option<char>) -> std::result::Result<String, Error> {
    let mut out = String::with_capacity(pattern.len() + 2);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            let Some(next) = chars.next() else {
                return Err(Error::Execution {
                    message: "LIKE pattern must not end with escape character".to_string(),
                    sqlstate: SqlState::INVALID_ESCAPE_SEQUENCE,
                });
            };
            out.push('\\');
            out.push(next);
        } else if c == '\\' {
            // A backslash that escapes nothing here stands for itself.
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

impl ScalarUDFImpl for EscapedPattern {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let texts: Vec<ArrayRef> = arrays
            .iter()
            .map(|a| cast(a, &DataType::Utf8))
            .collect::<std::result::Result<_, _>>()?;
        let patterns = texts
            .first()
            .ok_or_else(|| DataFusionError::Plan(format!("{} takes a pattern", self.name)))?
            .as_string::<i32>();
        let escapes = texts.get(1).map(|a| a.as_string::<i32>());
        let mut out = StringBuilder::with_capacity(rows, 0);
        for row in 0..rows {
            let escape = match escapes {
                None => Some('\\'),
                Some(e) if e.is_null(row) => {
                    out.append_null();
                    continue;
                }
                Some(e) => escape_of(e.value(row)).map_err(external)?,
            };
            if patterns.is_null(row) {
                out.append_null();
                continue;
            }
            out.append_value(
                self.kind
                    .translate(patterns.value(row), escape)
                    .map_err(external)?,
            );
        }
        super::columnar(Arc::new(out.finish()), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_a_backslash_for_their_escape() {
        let like = |p: &str, e: Option<char>| like_pattern(p, e).expect(p);
        assert_eq!(like("pg/_%", Some('/')), "pg\\_%");
        assert_eq!(like("a//b", Some('/')), "a\\/b");
        assert_eq!(like("a\\b", Some('/')), "a\\\\b");
        assert_eq!(like("a\\%", Some('\\')), "a\\%");
        assert_eq!(like("a\\b%", None), "a\\\\b%");
        assert!(like_pattern("ab/", Some('/')).is_err());
    }

    fn regex(pattern: &str) -> String {
        translate(pattern, Some('\\')).expect(pattern)
    }

    #[test]
    fn patterns_translate_as_postgresql_translates_them() {
        assert_eq!(regex("a%"), "^(?:a.*)$");
        assert_eq!(regex("a_c"), "^(?:a.c)$");
        assert_eq!(regex("(b|x)%"), "^(?:(?:b|x).*)$");
        assert_eq!(regex("a.c$^"), "^(?:a\\.c\\$\\^)$");
        assert_eq!(regex("a\\%c"), "^(?:a\\%c)$");
        assert_eq!(regex("[a-b_%]{2}"), "^(?:[a-b_%]{2})$");
        assert_eq!(
            translate("a#%b", Some('#')).expect("pattern"),
            "^(?:a\\%b)$"
        );
        assert_eq!(translate("a\\b", None).expect("pattern"), "^(?:a\\\\b)$");
        assert!(escape_of("ab").is_err());
        assert_eq!(escape_of("").ok(), Some(None));
    }
}
