//! `to_char(timestamp, pattern)` with PostgreSQL's template patterns (`YYYY-MM-DD HH24:MI:SS`),
//! and `to_char(number, pattern)` with its numeric ones ([`number`]).
//!
//! DataFusion's `to_char` reads a chrono `strftime` format, so PostgreSQL's `YYYY` came back
//! as the letters `YYYY`. This function translates the pattern ([`chrono_format`]) and lets
//! DataFusion's do the formatting; month and day names, which chrono writes only capitalized
//! and unpadded, are marked in the format and then set in PostgreSQL's case and padding
//! ([`finish_marked`]), as are the fields computed from what chrono writes (`Q` from the
//! month, `D`, `WW`, `J`, `CC`, ...). The patterns left (`TZ`, `SSSS`, `RM`, ...) are an
//! error, never text that is silently different from PostgreSQL's.

mod number;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::Error;
use crate::SqlState;
use crate::error::function_error;

/// The `to_char` that replaces DataFusion's in a session.
pub(crate) fn to_char() -> ScalarUDF {
    ScalarUDF::new_from_impl(ToChar {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ToChar {
    signature: Signature,
}

fn unsupported(what: String) -> datafusion::error::DataFusionError {
    function_error(what, SqlState::FEATURE_NOT_SUPPORTED)
}

impl ScalarUDFImpl for ToChar {
    fn name(&self) -> &str {
        "to_char"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [value, _] if value.is_temporal() || *value == DataType::Null => {
                Ok(vec![value.clone(), DataType::Utf8])
            }
            [value, _] if value.is_integer() => Ok(vec![DataType::Int64, DataType::Utf8]),
            [DataType::Float32, _] => Ok(vec![DataType::Float32, DataType::Utf8]),
            [value, _] if value.is_floating() => Ok(vec![DataType::Float64, DataType::Utf8]),
            [value @ DataType::Decimal128(..), _] => Ok(vec![value.clone(), DataType::Utf8]),
            [value, _] => Err(unsupported(format!(
                "to_char of {value} is not supported; to_char takes a number, date, time, timestamp or interval"
            ))),
            _ => datafusion::common::plan_err!("to_char takes a value and a pattern"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if matches!(
            args.args[0].data_type(),
            DataType::Int64 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..)
        ) {
            return format_numbers(&args);
        }
        let translated = match &args.args[1] {
            ColumnarValue::Scalar(s) => ColumnarValue::Scalar(match s {
                ScalarValue::Utf8(Some(p)) => ScalarValue::Utf8(Some(chrono_format(p)?)),
                other => other.clone(),
            }),
            ColumnarValue::Array(a) => {
                let patterns = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
                let patterns = patterns
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .unwrap_or_else(|| StringArray::new_null(a.len()));
                let out: StringArray = patterns
                    .iter()
                    .map(|p| p.map(chrono_format).transpose())
                    .collect::<Result<_>>()?;
                ColumnarValue::Array(Arc::new(out))
            }
        };
        let marked = match &translated {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(p))) => {
                p.contains([NAME_START, COMPUTED_START])
            }
            ColumnarValue::Scalar(_) => false,
            ColumnarValue::Array(a) => a
                .as_string::<i32>()
                .iter()
                .flatten()
                .any(|p| p.contains([NAME_START, COMPUTED_START])),
        };
        // DataFusion's formats a constant value with the first row's pattern only: one value
        // per row, so each row's pattern is used.
        if let (ColumnarValue::Scalar(value), ColumnarValue::Array(_)) =
            (&args.args[0], &translated)
        {
            args.args[0] = ColumnarValue::Array(value.to_array_of_size(args.number_rows)?);
        }
        args.args[1] = translated;
        let formatted = datafusion::functions::datetime::to_char().invoke_with_args(args)?;
        if !marked {
            return Ok(formatted);
        }
        Ok(match formatted {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(text))) => {
                ColumnarValue::Scalar(ScalarValue::Utf8(Some(finish_marked(&text))))
            }
            ColumnarValue::Scalar(other) => ColumnarValue::Scalar(other),
            ColumnarValue::Array(a) => {
                let texts = datafusion::arrow::compute::cast(&a, &DataType::Utf8)?;
                let out: StringArray = texts
                    .as_string::<i32>()
                    .iter()
                    .map(|t| t.map(finish_marked))
                    .collect();
                ColumnarValue::Array(Arc::new(out))
            }
        })
    }
}

/// `to_char` of numbers (`Int64`, `Float32`, `Float64` or `Decimal128`), row by row.
fn format_numbers(args: &ScalarFunctionArgs) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    let values = args.args[0].to_array(rows)?;
    let patterns =
        datafusion::arrow::compute::cast(&args.args[1].to_array(rows)?, &DataType::Utf8)?;
    let patterns = patterns.as_string::<i32>();
    let external = |e: Error| datafusion::error::DataFusionError::External(Box::new(e));
    // The pattern is read again only where it changes (once, for a constant one).
    let mut pattern: Option<number::Pattern> = None;
    let out: StringArray = (0..rows)
        .map(|i| {
            if values.is_null(i) || patterns.is_null(i) {
                return Ok(None);
            }
            let text = patterns.value(i);
            let read = match pattern.take() {
                Some(p) if p.text() == text => p,
                _ => number::Pattern::parse(text).map_err(external)?,
            };
            let value = number_at(&values, i, &read)?;
            let written = number::format(value, &read).map_err(external)?;
            pattern = Some(read);
            Ok(Some(written))
        })
        .collect::<Result<_>>()?;
    Ok(ColumnarValue::Array(Arc::new(out)))
}

/// The number at row `i` of `values`; a float as C's `printf` rounds it to the decimals
/// `pattern` writes.
fn number_at(values: &ArrayRef, i: usize, pattern: &number::Pattern) -> Result<number::Number> {
    Ok(match values.data_type() {
        DataType::Int64 => {
            let v = values
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(i);
            number::Number {
                negative: v < 0,
                digits: u128::from(v.unsigned_abs()),
                scale: 0,
                signed_zero: false,
                significant: None,
            }
        }
        DataType::Decimal128(_, scale) => {
            let v = values
                .as_primitive::<datafusion::arrow::datatypes::Decimal128Type>()
                .value(i);
            // A negative scale (`1e10` is 1 at scale -10) is that many zeros more.
            let zeros = u32::try_from(-i32::from(*scale)).unwrap_or(0);
            number::Number {
                negative: v < 0,
                digits: 10u128
                    .checked_pow(zeros)
                    .and_then(|p| v.unsigned_abs().checked_mul(p))
                    .ok_or_else(|| unsupported(format!("to_char of {v}e{zeros} is too large")))?,
                scale: u32::try_from(*scale).unwrap_or(0),
                signed_zero: false,
                significant: None,
            }
        }
        data_type => {
            // A `real` shows 6 significant digits, a `double precision` 15, as PostgreSQL's
            // (`FLT_DIG`, `DBL_DIG`).
            let (v, significant): (f64, usize) = match data_type {
                DataType::Float32 => (
                    f64::from(
                        values
                            .as_primitive::<datafusion::arrow::datatypes::Float32Type>()
                            .value(i),
                    ),
                    6,
                ),
                _ => (
                    values
                        .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                        .value(i),
                    15,
                ),
            };
            if !v.is_finite() {
                return Err(unsupported(format!(
                    "to_char of the float {v} is not supported"
                )));
            }
            let whole_digits = format!("{:.0}", v.abs().trunc())
                .trim_start_matches('0')
                .len();
            let decimals = pattern
                .decimals()
                .min(significant.saturating_sub(whole_digits));
            let text = format!("{:.*}", decimals, v.abs());
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            number::Number {
                negative: v < 0.0,
                digits: digits
                    .parse()
                    .map_err(|_| unsupported(format!("to_char of the float {v} is too large")))?,
                scale: u32::try_from(decimals).unwrap_or(0),
                signed_zero: true,
                significant: Some(decimals),
            }
        }
    })
}

/// Whether `rest` starts with the template pattern `p`: exactly for the patterns whose case
/// means something (`Mon`, `am`), else in any case, as PostgreSQL reads `yyyy` as `YYYY`.
fn starts(rest: &str, p: &str, exact: bool) -> bool {
    match rest.get(..p.len()) {
        Some(head) if exact => head == p,
        Some(head) => head.eq_ignore_ascii_case(p),
        None => false,
    }
}

/// How a month or day name is written: as chrono writes it (capitalized), or in upper or
/// lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Keep,
    Upper,
    Lower,
}

impl Case {
    fn code(self) -> char {
        match self {
            Case::Keep => 'K',
            Case::Upper => 'U',
            Case::Lower => 'L',
        }
    }
}

/// The name patterns, case-sensitive as in PostgreSQL: (pattern, chrono, case, padded to
/// nine characters unless `FM`).
const NAMES: &[(&str, &str, Case, bool)] = &[
    ("MONTH", "%B", Case::Upper, true),
    ("Month", "%B", Case::Keep, true),
    ("month", "%B", Case::Lower, true),
    ("MON", "%b", Case::Upper, false),
    ("Mon", "%b", Case::Keep, false),
    ("mon", "%b", Case::Lower, false),
    ("DAY", "%A", Case::Upper, true),
    ("Day", "%A", Case::Keep, true),
    ("day", "%A", Case::Lower, true),
    ("DY", "%a", Case::Upper, false),
    ("Dy", "%a", Case::Keep, false),
    ("dy", "%a", Case::Lower, false),
];

/// Marks a name in a translated format: this, the case's code, [`PADDED`] or [`UNPADDED`],
/// the chrono specifier, [`NAME_END`]. (Private-use characters, which no pattern writes.)
const NAME_START: char = '\u{E000}';
const NAME_END: char = '\u{E001}';
const PADDED: char = 'P';
const UNPADDED: char = 'N';

/// Marks a field computed from what chrono writes: this, the field's code (see
/// [`COMPUTED`]), [`PADDED`] or [`UNPADDED`], the chrono specifiers, [`NAME_END`].
const COMPUTED_START: char = '\u{E002}';

/// The patterns computed from fields chrono writes: (pattern, chrono, code, digits it is
/// zero-padded to unless `FM`). Read in any case, as PostgreSQL reads them.
const COMPUTED: &[(&str, &str, char, usize)] = &[
    // Quarter, from the month.
    ("Q", "%m", 'Q', 1),
    // Day of the week, Sunday 1, from chrono's Sunday 0.
    ("D", "%w", 'D', 1),
    // Week of the month (days 1-7 are week 1), from the day.
    ("W", "%d", 'W', 1),
    // Week of the year (days 1-7 are week 1), from the day of the year.
    ("WW", "%j", 'w', 2),
    // Century, from the year.
    ("CC", "%Y", 'C', 2),
    // Julian day, from the date.
    ("J", "%Y %m %d", 'J', 0),
    // The year's last three digits, its last digit, and the year with a thousands comma.
    ("YYY", "%Y", 'y', 3),
    ("Y", "%Y", 'Y', 1),
    ("Y,YYY", "%Y", ',', 0),
    // ISO day of the year, from the ISO week and day of the week.
    ("IDDD", "%V %u", 'I', 3),
    // The ISO year's last two digits and its last digit.
    ("IY", "%G", 'i', 2),
    ("I", "%G", 'j', 1),
];

/// `text`, formatted from a format with marked fields ([`chrono_format`]): each name in its
/// case and padded to nine characters where marked (PostgreSQL pads to the longest English
/// name), each computed field computed.
fn finish_marked(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find([NAME_START, COMPUTED_START]) {
        out.push_str(&rest[..start]);
        let computed = rest[start..].starts_with(COMPUTED_START);
        let marked = &rest[start + NAME_START.len_utf8()..];
        let end = marked.find(NAME_END).unwrap_or(marked.len());
        let mut chars = marked[..end].chars();
        let (code, padded) = (chars.next(), chars.next() == Some(PADDED));
        let field = chars.as_str();
        if computed {
            out.push_str(&computed_field(code.unwrap_or(' '), field, padded));
        } else {
            let name: String = match code {
                Some('U') => field.to_uppercase(),
                Some('L') => field.to_lowercase(),
                _ => field.to_string(),
            };
            match padded {
                true => out.push_str(&format!("{name:<9}")),
                false => out.push_str(&name),
            }
        }
        rest = marked.get(end + NAME_END.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The field of [`COMPUTED`] code `code` from chrono's `text`, zero-padded if `padded`.
fn computed_field(code: char, text: &str, padded: bool) -> String {
    let numbers: Vec<i64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let (value, width) = match (code, numbers.as_slice()) {
        ('Q', [month]) => ((month - 1) / 3 + 1, 1),
        ('D', [weekday]) => (weekday + 1, 1),
        ('W', [day]) => ((day - 1) / 7 + 1, 1),
        ('w', [day_of_year]) => ((day_of_year - 1) / 7 + 1, 2),
        // PostgreSQL's: 1901-2000 are the 20th century, 600-501 BC (years -599 to -500)
        // the -6th.
        ('C', [year]) if *year > 0 => ((year + 99) / 100, 2),
        ('C', [year]) => (year / 100 - 1, 2),
        ('J', [year, month, day]) => (
            crate::calendar::days_from_civil(*year, *month, *day) + 2_440_588,
            0,
        ),
        ('y', [year]) => (year.rem_euclid(1000), 3),
        ('Y', [year]) => (year.rem_euclid(10), 1),
        (',', [year]) => {
            return format!("{},{:03}", year.div_euclid(1000), year.rem_euclid(1000));
        }
        ('I', [week, weekday]) => ((week - 1) * 7 + weekday, 3),
        ('i', [year]) => (year.rem_euclid(100), 2),
        ('j', [year]) => (year.rem_euclid(10), 1),
        _ => return text.to_string(),
    };
    match padded {
        true => format!("{value:0width$}"),
        false => value.to_string(),
    }
}

/// PostgreSQL's template `pattern` as a chrono format; see the module documentation.
pub(crate) fn chrono_format(pattern: &str) -> Result<String> {
    // (PostgreSQL, chrono, chrono in fill mode, case-sensitive)
    const PATTERNS: &[(&str, &str, &str, bool)] = &[
        ("HH24", "%H", "%-H", false),
        ("HH12", "%I", "%-I", false),
        ("IYYY", "%G", "%G", false),
        ("YYYY", "%Y", "%Y", false),
        ("DDD", "%j", "%-j", false),
        ("HH", "%I", "%-I", false),
        ("MI", "%M", "%-M", false),
        ("SS", "%S", "%-S", false),
        ("MS", "%3f", "%3f", false),
        ("US", "%6f", "%6f", false),
        ("AM", "%p", "%p", true),
        ("PM", "%p", "%p", true),
        ("am", "%P", "%P", true),
        ("pm", "%P", "%P", true),
        ("YY", "%y", "%y", false),
        ("MM", "%m", "%-m", false),
        ("DD", "%d", "%-d", false),
        ("IW", "%V", "%-V", false),
        ("ID", "%u", "%u", false),
    ];
    // Patterns PostgreSQL has and chrono cannot write as PostgreSQL does (in any case).
    const REFUSED: &[&str] = &[
        "MONTH", "MON", "DAY", "DY", "TZH", "TZM", "TZ", "OF", "SSSSS", "SSSS", "RM", "FF", "A.M.",
        "P.M.", "AD", "BC",
    ];
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut rest = pattern;
    let mut fill = false;
    while let Some(c) = rest.chars().next() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end].replace('%', "%%"));
            rest = quoted.get(end + 1..).unwrap_or("");
            continue;
        }
        if starts(rest, "FM", false) {
            fill = true;
            rest = &rest[2..];
            continue;
        }
        // Month and day names: chrono writes them capitalized and unpadded, so they are
        // marked for `finish_marked` to set their case and pad them.
        if let Some(&(name, format, case, padded)) =
            NAMES.iter().find(|(name, ..)| starts(rest, name, true))
        {
            let padded = padded && !fill;
            if case == Case::Keep && !padded {
                out.push_str(format);
            } else {
                out.push(NAME_START);
                out.push(case.code());
                out.push(if padded { PADDED } else { UNPADDED });
                out.push_str(format);
                out.push(NAME_END);
            }
            rest = &rest[name.len()..];
            fill = false;
            continue;
        }
        // The longest pattern here wins, as in PostgreSQL (`SSSS` is not `SS` twice).
        let known = PATTERNS
            .iter()
            .filter(|(p, _, _, exact)| starts(rest, p, *exact))
            .max_by_key(|(p, ..)| p.len());
        let refused = REFUSED
            .iter()
            .filter(|p| starts(rest, p, false))
            .max_by_key(|p| p.len());
        let computed = COMPUTED
            .iter()
            .filter(|(p, ..)| starts(rest, p, false))
            .max_by_key(|(p, ..)| p.len());
        if let Some(&(p, spec, code, _)) = computed
            && known.is_none_or(|(k, ..)| k.len() < p.len())
            && refused.is_none_or(|r| r.len() <= p.len())
        {
            out.push(COMPUTED_START);
            out.push(code);
            out.push(if fill { UNPADDED } else { PADDED });
            out.push_str(spec);
            out.push(NAME_END);
            rest = &rest[p.len()..];
            fill = false;
            continue;
        }
        match (known, refused) {
            (Some((p, ..)), Some(r)) if r.len() > p.len() => {
                return Err(refused_pattern(r, pattern));
            }
            (None, Some(r)) => return Err(refused_pattern(r, pattern)),
            (Some((p, plain, filled, _)), _) => {
                out.push_str(if fill { filled } else { plain });
                rest = &rest[p.len()..];
                fill = false;
                continue;
            }
            (None, None) => {}
        }
        match c {
            '%' => out.push_str("%%"),
            // PostgreSQL reads a backslash before a quote as the quote itself.
            '\\' if rest[1..].starts_with('"') => {
                out.push('"');
                rest = &rest[2..];
                continue;
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
        fill = false;
    }
    Ok(out)
}

fn refused_pattern(refused: &str, pattern: &str) -> datafusion::error::DataFusionError {
    unsupported(format!(
        "to_char pattern \"{refused}\" is not supported (in \"{pattern}\"); quote letters meant \
         as text, and write month and day names as FMMonth, FMDay, Mon or Dy"
    ))
}

#[cfg(test)]
mod tests {
    use super::chrono_format;

    #[test]
    fn patterns_translate_and_the_unwritable_are_refused() {
        for (pg, chrono) in [
            ("YYYY-MM-DD HH24:MI:SS", "%Y-%m-%d %H:%M:%S"),
            ("FMDD.FMMM.YY", "%-d.%-m.%y"),
            ("HH12:MI AM", "%I:%M %p"),
            ("YYYY-MM-DD\"T\"HH24:MI:SS.US", "%Y-%m-%dT%H:%M:%S.%6f"),
            ("FMDay, FMMonth DD", "%A, %B %d"),
            ("Dy Mon DD", "%a %b %d"),
            ("100% \"100%\"", "100%% 100%%"),
            ("IYYY-IW", "%G-%V"),
            ("DDD", "%j"),
            ("yyyy-mm-dd hh24:mi", "%Y-%m-%d %H:%M"),
        ] {
            assert_eq!(chrono_format(pg).unwrap(), chrono, "{pg}");
        }
        for pg in ["TZ", "SSSS", "mONTH", "RM", "AD"] {
            assert!(chrono_format(pg).is_err(), "{pg}");
        }
    }

    #[test]
    fn names_take_their_case_and_padding() {
        use super::finish_marked;
        let marked = chrono_format("MONTH|FMMonth|dy").unwrap();
        // As chrono would fill in the names of 5 March 2024.
        let formatted = marked.replace("%B", "March").replace("%a", "Tue");
        assert_eq!(finish_marked(&formatted), "MARCH    |March|tue");
    }

    #[test]
    fn computed_fields_are_postgresql_s() {
        use super::computed_field;
        assert_eq!(computed_field('Q', "11", true), "4");
        assert_eq!(computed_field('w', "8", true), "02");
        assert_eq!(computed_field('w', "8", false), "2");
        assert_eq!(computed_field('C', "2000", true), "20");
        assert_eq!(computed_field('C', "2001", true), "21");
        assert_eq!(computed_field('C', "-599", true), "-6");
        assert_eq!(computed_field('J', "1970 01 01", true), "2440588");
        assert_eq!(computed_field(',', "12345", true), "12,345");
    }
}
