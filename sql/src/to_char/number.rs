//! `to_char(number, pattern)` with PostgreSQL's numeric template patterns
//! (`to_char(1234.5, 'FM999,990.00')` is `1,234.50`).
//!
//! The patterns: `9` (a digit, blank where a leading zero would be), `0` (a digit, printed
//! even as a leading zero, as is every position after it), `.` and `D` (the decimal point),
//! `,` and `G` (a group separator, blank until a digit has been printed), `FM` (no blanks and
//! no trailing zeros at `9` positions), `S` at either end (the sign, `+` or `-`, next to the
//! digits), `MI` at the end (`-`, or a blank), and anything else, or text in double quotes,
//! as itself. Without `S` or `MI` the number takes one position more than the pattern, for
//! its sign (a blank or `-` just before the first digit). The value is rounded half away
//! from zero to the pattern's decimals (a `real` or `double precision` as C's `printf`
//! rounds its binary value); one with more whole digits than the pattern has (a zero whole
//! part counting as one) is all `#`.
//! PostgreSQL's other patterns (`PR`, `PL`, `SG`, `L`, `V`, `EEEE`, `RN`, `TH`, and `S` or
//! `MI` elsewhere) are 0A000, never text that differs from PostgreSQL's.

use crate::Error;
use crate::SqlState;

/// A number to format: its sign, and its digits with `scale` of them after the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number {
    pub negative: bool,
    pub digits: u128,
    pub scale: u32,
    /// Whether a negative number that rounds to zero keeps its sign (a float's `-0`, as
    /// `printf` writes it; a `numeric` zero has no sign).
    pub signed_zero: bool,
    /// For a float: the decimals its precision leaves (PostgreSQL writes no more, and the
    /// pattern's decimal positions past them not at all).
    pub significant: Option<usize>,
}

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Nine,
    Zero,
    Point,
    Group,
    Text(String),
}

/// Where the pattern puts the sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignAt {
    /// Just before the first digit, in a position of its own.
    Floating,
    /// `S` first: `+` or `-` just before the first digit.
    Leading,
    /// `S` last: `+` or `-` after the number.
    Trailing,
    /// `MI` last: `-` or a blank after the number.
    Minus,
}

fn unsupported(message: String) -> Error {
    Error::Execution {
        message,
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

/// The pattern's tokens, whether it is in fill mode, and where it puts the sign.
fn parse(pattern: &str) -> Result<(Vec<Token>, bool, SignAt), Error> {
    let mut tokens = Vec::new();
    let mut fill = false;
    let mut sign: Option<(SignAt, usize)> = None;
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        let upper = rest.get(..2).map(str::to_ascii_uppercase);
        if upper.as_deref() == Some("FM") {
            fill = true;
            rest = &rest[2..];
            continue;
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            tokens.push(Token::Text(quoted[..end].to_string()));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        let refused = ["PR", "PL", "SG", "RN", "TH", "EEEE"]
            .into_iter()
            .find(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p));
        if let Some(p) = refused {
            return Err(unsupported(format!(
                "to_char pattern \"{p}\" of a number is not supported (in \"{pattern}\")"
            )));
        }
        if upper.as_deref() == Some("MI") || c.eq_ignore_ascii_case(&'s') {
            if sign.is_some() {
                return Err(unsupported(format!(
                    "to_char of a number with two signs is not supported (\"{pattern}\")"
                )));
            }
            let at = if upper.as_deref() == Some("MI") {
                SignAt::Minus
            } else if tokens.is_empty() {
                SignAt::Leading
            } else {
                SignAt::Trailing
            };
            sign = Some((at, tokens.len()));
            rest = &rest[if at == SignAt::Minus { 2 } else { 1 }..];
            continue;
        }
        let token = match c {
            '9' => Token::Nine,
            '0' => Token::Zero,
            '.' | 'D' | 'd' => Token::Point,
            ',' | 'G' | 'g' => Token::Group,
            'L' | 'l' | 'V' | 'v' => {
                return Err(unsupported(format!(
                    "to_char pattern \"{c}\" of a number is not supported (in \"{pattern}\")"
                )));
            }
            c => Token::Text(c.to_string()),
        };
        tokens.push(token);
        rest = &rest[c.len_utf8()..];
    }
    if tokens.iter().filter(|t| **t == Token::Point).count() > 1 {
        return Err(Error::Execution {
            message: "multiple decimal points".to_string(),
            sqlstate: SqlState::SYNTAX_ERROR,
        });
    }
    let sign = match sign {
        None => SignAt::Floating,
        Some((SignAt::Leading, _)) => SignAt::Leading,
        // A trailing `S` or `MI` must end the pattern.
        Some((at, position)) if position == tokens.len() => at,
        Some(_) => {
            return Err(unsupported(format!(
                "to_char of a number with its sign inside the pattern is not supported (\"{pattern}\")"
            )));
        }
    };
    Ok((tokens, fill, sign))
}

/// `number` rounded half away from zero to `scale` decimals: its whole digits (none for a
/// zero whole part) and exactly `scale` decimals; `None` past 38 digits.
fn rounded(number: Number, scale: u32) -> Option<(String, String)> {
    let digits = if scale >= number.scale {
        number
            .digits
            .checked_mul(10u128.checked_pow(scale - number.scale)?)?
    } else {
        let divisor = 10u128.checked_pow(number.scale - scale)?;
        let (quotient, remainder) = (number.digits / divisor, number.digits % divisor);
        quotient + u128::from(remainder * 2 >= divisor)
    };
    let text = format!("{digits:0>width$}", width = scale as usize + 1);
    let (whole, fraction) = text.split_at(text.len() - scale as usize);
    let whole = whole.trim_start_matches('0');
    Some((whole.to_string(), fraction.to_string()))
}

/// A pattern, read once for all the numbers it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    text: String,
    tokens: Vec<Token>,
    fill: bool,
    sign_at: SignAt,
}

impl Pattern {
    /// Reads `text`; patterns DriftDB does not write are 0A000.
    pub(crate) fn parse(text: &str) -> Result<Pattern, Error> {
        let (tokens, fill, sign_at) = parse(text)?;
        Ok(Pattern {
            text: text.to_string(),
            tokens,
            fill,
            sign_at,
        })
    }

    /// The text the pattern was read from.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// How many decimals the pattern writes.
    pub(crate) fn decimals(&self) -> usize {
        match self.tokens.iter().position(|t| *t == Token::Point) {
            Some(p) => self.tokens[p..]
                .iter()
                .filter(|t| matches!(t, Token::Nine | Token::Zero))
                .count(),
            None => 0,
        }
    }
}

/// `number` written by `pattern`; see the module documentation.
pub(crate) fn format(number: Number, pattern: &Pattern) -> Result<String, Error> {
    let (fill, sign_at) = (pattern.fill, pattern.sign_at);
    let mut tokens = std::borrow::Cow::Borrowed(pattern.tokens.as_slice());
    // A float's decimal positions past its precision are left out.
    let mut cut = false;
    if let Some(keep) = number.significant
        && let Some(point) = tokens.iter().position(|t| *t == Token::Point)
        && pattern.decimals() > keep
    {
        cut = true;
        let tokens = tokens.to_mut();
        let mut seen = 0;
        let mut i = point;
        while i < tokens.len() {
            if matches!(tokens[i], Token::Nine | Token::Zero) {
                seen += 1;
                if seen > keep {
                    tokens.remove(i);
                    continue;
                }
            }
            i += 1;
        }
    }
    let mut point = tokens.iter().position(|t| *t == Token::Point);
    let is_digit = |t: &Token| matches!(t, Token::Nine | Token::Zero);
    let whole_positions = tokens[..point.unwrap_or(tokens.len())]
        .iter()
        .filter(|t| is_digit(t))
        .count();
    let scale = point.map_or(0, |p| tokens[p..].iter().filter(|t| is_digit(t)).count());
    let too_wide = || Error::Execution {
        message: format!("to_char: {} digits are too many", number.digits),
        sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
    };
    let (mut whole, fraction) = rounded(number, scale as u32).ok_or_else(too_wide)?;
    // PostgreSQL writes a zero whole part only where the pattern has no decimals.
    if whole.is_empty() && scale == 0 {
        whole.push('0');
    }
    let negative = number.negative
        && (number.signed_zero || whole.bytes().chain(fraction.bytes()).any(|b| b != b'0'));
    // PostgreSQL counts a zero whole part as a digit here: a pattern with no whole digit
    // position (`.99`) shows every number as `#`.
    let overflow = whole.len().max(1) > whole_positions;
    // Where a float's precision cut the pattern's decimals: a number that does not fit
    // leaves a trailing `MI` out (refused here, rather than written otherwise), and in fill
    // mode one left no decimal has no point either.
    if cut && overflow && sign_at == SignAt::Minus && !fill {
        return Err(unsupported(format!(
            "to_char of a float this large with \"{}\" is not supported; cast it to numeric",
            pattern.text
        )));
    }
    if cut && fill && scale == 0 && !overflow {
        tokens.to_mut().retain(|t| *t != Token::Point);
        point = None;
    }
    // The first whole position from which zeros are written.
    let zero_from = tokens[..point.unwrap_or(tokens.len())]
        .iter()
        .filter(|t| is_digit(t))
        .position(|t| *t == Token::Zero)
        .unwrap_or(whole_positions);
    let mut out = String::new();
    // Where the first digit or point went, for a floating or leading sign; where the first
    // digit position or point of the pattern is, for a floating sign's own position.
    let mut first_printed: Option<usize> = None;
    let mut first_position: Option<usize> = None;
    let mut printed_digits = 0;
    let mut whole_seen = 0;
    let mut fraction_seen = 0;
    let mut started = false;
    let mut past_point = false;
    // In fill mode, trailing zeros at `9` positions go: the decimals printed are those up to
    // the last non-zero digit or `0` position.
    let fraction_kept = if fill {
        let positions: Vec<&Token> = point
            .map(|p| tokens[p..].iter().filter(|t| is_digit(t)).collect())
            .unwrap_or_default();
        (0..scale)
            .rev()
            .find(|&i| *positions[i] == Token::Zero || fraction.as_bytes()[i] != b'0')
            .map_or(0, |i| i + 1)
    } else {
        scale
    };
    for token in tokens.iter() {
        match token {
            Token::Nine | Token::Zero if !past_point => {
                first_position.get_or_insert(out.len());
                let at = whole_seen;
                whole_seen += 1;
                let digit_at = at + whole.len();
                let c = if overflow {
                    Some('#')
                } else if digit_at >= whole_positions {
                    whole.chars().nth(digit_at - whole_positions)
                } else if at >= zero_from {
                    Some('0')
                } else {
                    None
                };
                match c {
                    Some(c) => {
                        first_printed.get_or_insert(out.len());
                        started = true;
                        printed_digits += 1;
                        out.push(c);
                    }
                    None if !fill => out.push(' '),
                    None => {}
                }
            }
            Token::Nine | Token::Zero => {
                let at = fraction_seen;
                fraction_seen += 1;
                if overflow {
                    printed_digits += 1;
                    out.push('#');
                } else if at < fraction_kept {
                    printed_digits += 1;
                    out.push(char::from(fraction.as_bytes()[at]));
                }
            }
            Token::Point => {
                past_point = true;
                first_position.get_or_insert(out.len());
                first_printed.get_or_insert(out.len());
                started = true;
                out.push('.');
            }
            Token::Group if started => out.push(','),
            Token::Group if !fill => out.push(' '),
            Token::Group => {}
            Token::Text(text) => out.push_str(text),
        }
    }
    // In fill mode a number that would show no digit at all shows a zero before its point.
    if fill
        && printed_digits == 0
        && !overflow
        && let Some(at) = first_printed
    {
        out.insert(at, '0');
    }
    let at = first_printed.unwrap_or(out.len());
    Ok(match sign_at {
        SignAt::Floating => {
            let sign = if negative { '-' } else { ' ' };
            if fill {
                if negative {
                    out.insert(at, '-');
                }
                out
            } else {
                // The sign has a position of its own, before the pattern's first digit
                // position; it is written just before the first digit printed.
                let slot = first_position.unwrap_or(at).min(at);
                out.insert(slot, ' ');
                if out.as_bytes().get(at) == Some(&b' ') {
                    out.replace_range(at..=at, &sign.to_string());
                } else {
                    out.insert(at + 1, sign);
                }
                out
            }
        }
        SignAt::Leading => {
            out.insert(at, if negative { '-' } else { '+' });
            out
        }
        SignAt::Trailing => {
            out.push(if negative { '-' } else { '+' });
            out
        }
        SignAt::Minus => {
            if negative {
                out.push('-');
            } else if !fill {
                out.push(' ');
            }
            out
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(value: i128, scale: u32) -> Number {
        Number {
            negative: value < 0,
            digits: value.unsigned_abs(),
            scale,
            signed_zero: false,
            significant: None,
        }
    }

    #[test]
    fn patterns_write_numbers_as_postgresql_does() {
        for (value, scale, pattern, expected) in [
            (12345, 1, "FM999,990.00", "1,234.50"),
            (42, 0, "000", " 042"),
            (12, 0, "999", "  12"),
            (-12, 0, "999", " -12"),
            (-12, 0, "FM999", "-12"),
            (1, 0, "FM9.99", "1."),
            (5, 1, "9.9", "  .5"),
            (0, 0, "999", "   0"),
            (1234, 0, "99", " ##"),
            (-12, 0, "999MI", " 12-"),
            (-12, 0, "S999", " -12"),
        ] {
            assert_eq!(
                format(n(value, scale), &Pattern::parse(pattern).unwrap()).unwrap(),
                expected,
                "{pattern}"
            );
        }
        for pattern in ["999PR", "RN", "9.99EEEE", "L999", "9S99"] {
            assert!(Pattern::parse(pattern).is_err(), "{pattern}");
        }
    }
}
