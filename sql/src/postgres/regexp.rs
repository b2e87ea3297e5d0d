//! `regexp_matches(text, pattern [, flags])` (one row a match: the first, every one with
//! `g`) and `regexp_split_to_array(text, pattern [, flags])`, which `regexp_split_to_table`
//! unnests (see `crate::catalog`). Splitting is PostgreSQL's: at each match of the pattern, except a
//! zero-length match at the start or end of the text or right after the previous match (so
//! `regexp_split_to_array('abc', '')` is `{a,b,c}`). Flags: `i` (case-insensitive), `c`
//! (case-sensitive), `n` and `m` (newline-sensitive), `s` (not), `x` (expanded); `g` is
//! refused, as PostgreSQL refuses it here. Patterns are read by the `regex` crate, whose
//! syntax is PostgreSQL's for everyday patterns (classes, quantifiers, groups, anchors).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use regex::{Regex, RegexBuilder};

use crate::SqlState;
use crate::error::function_error;

pub(crate) fn regexp_split_to_array() -> ScalarUDF {
    ScalarUDF::new_from_impl(Regexp {
        kind: Kind::Split,
        signature: text_arguments(),
    })
}

/// `(text, pattern)` or `(text, pattern, flags)`.
fn text_arguments() -> Signature {
    Signature::one_of(
        vec![
            TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8]),
            TypeSignature::Exact(vec![DataType::Utf8, DataType::Utf8, DataType::Utf8]),
        ],
        Volatility::Immutable,
    )
}

fn invalid(message: String) -> DataFusionError {
    function_error(message, SqlState::INVALID_REGULAR_EXPRESSION)
}

/// `pattern` compiled with PostgreSQL's `flags`; `g` (every match) only where `global` may
/// be asked for (elsewhere it is refused in the name of `function`).
fn compile(pattern: &str, flags: &str, function: &str, global: bool) -> Result<Regex> {
    let mut builder = RegexBuilder::new(pattern);
    for flag in flags.chars() {
        match flag {
            'g' if global => &mut builder,
            'i' => builder.case_insensitive(true),
            'c' => builder.case_insensitive(false),
            'n' | 'm' => builder.multi_line(true).dot_matches_new_line(false),
            's' => builder.multi_line(false).dot_matches_new_line(true),
            'x' => builder.ignore_whitespace(true),
            'g' => {
                return Err(function_error(
                    format!("{function}() does not support the \"global\" option"),
                    SqlState::INVALID_PARAMETER_VALUE,
                ));
            }
            other => {
                return Err(function_error(
                    format!("invalid regular expression option: \"{other}\""),
                    SqlState::INVALID_PARAMETER_VALUE,
                ));
            }
        };
    }
    // PostgreSQL's `.` matches a newline unless newline-sensitive.
    if !flags.contains(['n', 'm']) {
        builder.dot_matches_new_line(true);
    }
    builder
        .build()
        .map_err(|e| invalid(format!("invalid regular expression: {e}")))
}

/// The pieces of `text` between the matches of `re`; see the module documentation.
fn split<'t>(re: &Regex, text: &'t str) -> Vec<&'t str> {
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut search = 0;
    while search <= text.len() {
        let Some(m) = re.find_at(text, search) else {
            break;
        };
        let degenerate = m.start() >= text.len() || m.end() <= piece_start;
        if !degenerate {
            pieces.push(&text[piece_start..m.start()]);
            piece_start = m.end();
        }
        search = if m.is_empty() {
            // Past the next character.
            match text[m.end()..].chars().next() {
                Some(c) => m.end() + c.len_utf8(),
                None => break,
            }
        } else {
            m.end()
        };
    }
    pieces.push(&text[piece_start..]);
    pieces
}

/// Which function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `regexp_split_to_array`: the pieces between the matches.
    Split,
    /// `__driftdb_regexp_matches`, the rows of `regexp_matches` as a list: for the first
    /// match (every one with `g`), its groups as a text array, or the whole match when the
    /// pattern has no groups (a group that took no part is NULL).
    Matches,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Regexp {
    kind: Kind,
    signature: Signature,
}

/// The function `regexp_matches` is `unnest` of.
pub(crate) const REGEXP_MATCHES: &str = "__driftdb_regexp_matches";

pub(crate) fn regexp_matches() -> ScalarUDF {
    ScalarUDF::new_from_impl(Regexp {
        kind: Kind::Matches,
        signature: text_arguments(),
    })
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// The groups of each match `re` finds in `text` (the first only, unless `global`).
fn matches(re: &Regex, text: &str, global: bool) -> Vec<Vec<Option<String>>> {
    let mut found = Vec::new();
    for captures in re.captures_iter(text) {
        let groups: Vec<Option<String>> = if captures.len() > 1 {
            (1..captures.len())
                .map(|i| captures.get(i).map(|m| m.as_str().to_string()))
                .collect()
        } else {
            vec![captures.get(0).map(|m| m.as_str().to_string())]
        };
        found.push(groups);
        if !global {
            break;
        }
    }
    found
}

impl ScalarUDFImpl for Regexp {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Split => "regexp_split_to_array",
            Kind::Matches => REGEXP_MATCHES,
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Split => text_list(),
            Kind::Matches => DataType::List(Arc::new(Field::new_list_field(text_list(), true))),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let arrays = arrays
            .iter()
            .map(crate::json::strings)
            .collect::<Result<Vec<_>>>()?;
        let mut pieces = ListBuilder::new(StringBuilder::new());
        let mut found = ListBuilder::new(ListBuilder::new(StringBuilder::new()));
        // The pattern is usually one constant: compiled once.
        let mut compiled: Option<(String, String, Regex)> = None;
        for row in 0..rows {
            let value = |i: usize| {
                arrays
                    .get(i)
                    .filter(|a| !a.is_null(row))
                    .map(|a| a.value(row))
            };
            let flags = if arrays.len() > 2 { value(2) } else { Some("") };
            let (Some(text), Some(pattern), Some(flags)) = (value(0), value(1), flags) else {
                pieces.append_null();
                found.append_null();
                continue;
            };
            let fresh = !matches!(&compiled, Some((p, f, _)) if p == pattern && f == flags);
            if fresh {
                let global = self.kind == Kind::Matches;
                compiled = Some((
                    pattern.to_string(),
                    flags.to_string(),
                    compile(pattern, flags, self.name(), global)?,
                ));
            }
            let Some((_, _, re)) = &compiled else {
                continue;
            };
            match self.kind {
                Kind::Split => {
                    for piece in split(re, text) {
                        pieces.values().append_value(piece);
                    }
                    pieces.append(true);
                }
                Kind::Matches => {
                    for groups in matches(re, text, flags.contains('g')) {
                        for group in groups {
                            found.values().values().append_option(group);
                        }
                        found.values().append(true);
                    }
                    found.append(true);
                }
            }
        }
        let array: ArrayRef = match self.kind {
            Kind::Split => Arc::new(pieces.finish()),
            Kind::Matches => Arc::new(found.finish()),
        };
        super::columnar(array, scalar)
    }
}

/// `regexp_substr(text, pattern [, start [, n [, flags [, subexpr]]]])`, PostgreSQL 15's:
/// the `n`th match of `pattern` (non-overlapping, searched from the `start`th character),
/// or its `subexpr`th group; NULL when there is none.
pub(crate) fn regexp_substr() -> ScalarUDF {
    let text = || vec![DataType::Utf8, DataType::Utf8];
    let with = |more: &[DataType]| {
        let mut types = text();
        types.extend_from_slice(more);
        TypeSignature::Exact(types)
    };
    ScalarUDF::new_from_impl(RegexpSubstr {
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(text()),
                with(&[DataType::Int64]),
                with(&[DataType::Int64, DataType::Int64]),
                with(&[DataType::Int64, DataType::Int64, DataType::Utf8]),
                with(&[
                    DataType::Int64,
                    DataType::Int64,
                    DataType::Utf8,
                    DataType::Int64,
                ]),
            ],
            Volatility::Immutable,
        ),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct RegexpSubstr {
    signature: Signature,
}

/// A parameter out of its range: PostgreSQL's 22023.
fn invalid_parameter(name: &str, value: i64) -> DataFusionError {
    function_error(
        format!("invalid value for parameter \"{name}\": {value}"),
        SqlState::INVALID_PARAMETER_VALUE,
    )
}

/// The `n`th match of `re` in `text` from byte `from` on (`n` counts from 1), its group
/// `group` (0: the whole match).
fn nth_match<'t>(re: &Regex, text: &'t str, from: usize, n: i64, group: usize) -> Option<&'t str> {
    let mut at = from;
    let mut seen = 0;
    while at <= text.len() {
        let captures = re.captures_at(text, at)?;
        let whole = captures.get(0)?;
        seen += 1;
        if seen == n {
            return captures.get(group).map(|m| m.as_str());
        }
        at = if whole.is_empty() {
            whole.end() + text[whole.end()..].chars().next()?.len_utf8()
        } else {
            whole.end()
        };
    }
    None
}

impl ScalarUDFImpl for RegexpSubstr {
    fn name(&self) -> &str {
        "regexp_substr"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        let (arrays, rows, scalar) = super::argument_arrays(&args)?;
        let mut out = StringBuilder::new();
        let mut compiled: Option<(String, String, Regex)> = None;
        for row in 0..rows {
            let text_at = |i: usize| match arrays.get(i) {
                None => Some(Some("")),
                Some(a) if a.is_null(row) => None,
                Some(a) => a.as_string_opt::<i32>().map(|s| Some(s.value(row))),
            };
            let number_at = |i: usize, default: i64| match arrays.get(i) {
                None => Some(default),
                Some(a) if a.is_null(row) => None,
                Some(a) => a.as_primitive_opt::<Int64Type>().map(|n| n.value(row)),
            };
            let (
                Some(Some(text)),
                Some(Some(pattern)),
                Some(start),
                Some(n),
                Some(Some(flags)),
                Some(group),
            ) = (
                text_at(0),
                text_at(1),
                number_at(2, 1),
                number_at(3, 1),
                text_at(4),
                number_at(5, 0),
            )
            else {
                out.append_null();
                continue;
            };
            if start < 1 {
                return Err(invalid_parameter("start", start));
            }
            if n < 1 {
                return Err(invalid_parameter("n", n));
            }
            let group = usize::try_from(group).map_err(|_| invalid_parameter("subexpr", group))?;
            if !matches!(&compiled, Some((p, f, _)) if p == pattern && f == flags) {
                compiled = Some((
                    pattern.to_string(),
                    flags.to_string(),
                    compile(pattern, flags, self.name(), false)?,
                ));
            }
            let Some((_, _, re)) = &compiled else {
                continue;
            };
            // The search starts at the `start`th character (past the end: no match).
            let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
            let from = match text.char_indices().nth(skip) {
                Some((at, _)) => Some(at),
                None if skip == text.chars().count() => Some(text.len()),
                None => None,
            };
            out.append_option(from.and_then(|from| nth_match(re, text, from, n, group)));
        }
        super::columnar(Arc::new(out.finish()), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, pattern: &str) -> Vec<String> {
        let re = compile(pattern, "", "regexp_split_to_array", false).unwrap();
        split(&re, text).into_iter().map(str::to_string).collect()
    }

    #[test]
    fn splits_as_postgresql_does() {
        assert_eq!(pieces("a1b22c", "[0-9]+"), ["a", "b", "c"]);
        assert_eq!(pieces("abc", ""), ["a", "b", "c"]);
        assert_eq!(
            pieces("the quick  fox", "\\s*"),
            ["t", "h", "e", "q", "u", "i", "c", "k", "f", "o", "x"]
        );
        assert_eq!(pieces(",a,", ","), ["", "a", ""]);
        assert_eq!(pieces("", ","), [""]);
        assert_eq!(pieces("héllo", ""), ["h", "é", "l", "l", "o"]);
    }
}
