//! PostgreSQL's array input: `'{1,2}'::bigint[]`, `'{{a,"b c"},{NULL,"\""}}'::text[][]`.
//!
//! Arrow casts a list to a list element by element but cannot read a list from text. The
//! analyzer (`super::rewrite`) turns a cast of text to an array type into a cast of
//! `__driftdb_array_in(text, depth)`, which reads the text into nested lists of the element
//! texts; the cast that remains converts the elements, as `CAST(text AS type)` would one value.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayBuilder, ArrayRef, AsArray, ListArray, StringBuilder};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::SqlState;
use crate::error::Error;
use crate::error::function_error;

pub(crate) const ARRAY_IN: &str = "__driftdb_array_in";

/// The function, for the analyzer to call.
pub(crate) fn array_in() -> ScalarUDF {
    ScalarUDF::from(ArrayIn {
        signature: Signature::any(2, Volatility::Immutable),
    })
}

/// The nested list type of `depth` levels of text.
pub(crate) fn text_lists(depth: usize) -> DataType {
    (0..depth).fold(DataType::Utf8, |t, _| {
        DataType::List(Arc::new(Field::new_list_field(t, true)))
    })
}

/// An array as it was read: its elements, or its sub-arrays.
#[derive(Debug, PartialEq)]
enum Node {
    Element(Option<String>),
    Array(Vec<Node>),
}

/// Reads one array literal. Whitespace around elements and braces is skipped; an element is
/// double-quoted (with `\` escaping any character) or bare (`\` escapes there too; the bare
/// word `NULL`, in any case, is a NULL).
fn parse(text: &str) -> Result<Node, String> {
    let mut chars = text.chars().peekable();
    skip_space(&mut chars);
    if chars.peek() != Some(&'{') {
        return Err("Array value must start with \"{\" or dimension information.".to_string());
    }
    let node = parse_array(&mut chars, 1)?;
    skip_space(&mut chars);
    match chars.next() {
        None => Ok(node),
        Some(_) => Err("Junk after closing right brace.".to_string()),
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_space(chars: &mut Chars<'_>) {
    while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
        chars.next();
    }
}

/// PostgreSQL's limit on an array's dimensions (`MAXDIM`), which also bounds the recursion.
const MAX_DEPTH: usize = 6;

/// An array from its `{` to its `}`, at nesting `depth` (1 outermost).
fn parse_array(chars: &mut Chars<'_>, depth: usize) -> Result<Node, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "number of array dimensions exceeds the maximum allowed ({MAX_DEPTH})"
        ));
    }
    chars.next(); // '{'
    let mut items = Vec::new();
    skip_space(chars);
    if chars.peek() == Some(&'}') {
        chars.next();
        return Ok(Node::Array(items));
    }
    loop {
        skip_space(chars);
        let item = match chars.peek() {
            Some('{') => parse_array(chars, depth + 1)?,
            Some('"') => Node::Element(Some(quoted(chars)?)),
            Some(_) => bare(chars)?,
            None => return Err("Unexpected end of input.".to_string()),
        };
        items.push(item);
        skip_space(chars);
        match chars.next() {
            Some(',') => {}
            Some('}') => return Ok(Node::Array(items)),
            Some(c) => return Err(format!("Unexpected \"{c}\" character.")),
            None => return Err("Unexpected end of input.".to_string()),
        }
    }
}

fn quoted(chars: &mut Chars<'_>) -> Result<String, String> {
    chars.next(); // '"'
    let mut value = String::new();
    loop {
        match chars.next() {
            Some('"') => return Ok(value),
            Some('\\') => value.push(chars.next().ok_or("Unexpected end of input.")?),
            Some(c) => value.push(c),
            None => return Err("Unexpected end of input.".to_string()),
        }
    }
}

fn bare(chars: &mut Chars<'_>) -> Result<Node, String> {
    let mut value = String::new();
    // Trailing whitespace is not part of a bare element; escaped whitespace is.
    let mut kept = 0;
    let mut escaped = false;
    while let Some(&c) = chars.peek() {
        match c {
            ',' | '}' => break,
            '{' | '"' => return Err(format!("Unexpected \"{c}\" character.")),
            '\\' => {
                chars.next();
                value.push(chars.next().ok_or("Unexpected end of input.")?);
                kept = value.len();
                escaped = true;
                continue;
            }
            c => value.push(c),
        }
        chars.next();
        if !c.is_ascii_whitespace() {
            kept = value.len();
        }
    }
    value.truncate(kept);
    if value.is_empty() {
        return Err("Unexpected \",\" character.".to_string());
    }
    Ok(Node::Element(
        (escaped || !value.eq_ignore_ascii_case("NULL")).then_some(value),
    ))
}

/// The depth of `node`'s elements, or an error if its sub-arrays differ in shape
/// (PostgreSQL's arrays are rectangular).
fn shape(node: &Node) -> Result<Vec<usize>, String> {
    match node {
        Node::Element(_) => Ok(vec![]),
        Node::Array(items) => {
            let mut inner: Option<Vec<usize>> = None;
            for item in items {
                let s = shape(item)?;
                match &inner {
                    None => inner = Some(s),
                    Some(first) if *first != s => {
                        return Err(
                            "Multidimensional arrays must have sub-arrays with matching \
                                    dimensions."
                                .to_string(),
                        );
                    }
                    Some(_) => {}
                }
            }
            let mut dims = vec![items.len()];
            dims.extend(inner.unwrap_or_default());
            Ok(dims)
        }
    }
}

/// Nested lists being built, one offset list per level above the elements.
struct Levels {
    offsets: Vec<Vec<i32>>,
    elements: StringBuilder,
}

impl Levels {
    fn new(depth: usize) -> Levels {
        Levels {
            offsets: vec![vec![0]; depth],
            elements: StringBuilder::new(),
        }
    }

    fn push(&mut self, node: &Node, level: usize) {
        match node {
            Node::Element(value) => self.elements.append_option(value.as_deref()),
            Node::Array(items) => {
                for item in items {
                    self.push(item, level + 1);
                }
                let end = match self.offsets.get(level + 1) {
                    Some(inner) => inner.len() - 1,
                    None => self.elements.len(),
                };
                self.offsets[level].push(end as i32);
            }
        }
    }

    /// The top level's entry for a NULL input.
    fn push_null(&mut self) {
        let top = &mut self.offsets[0];
        top.push(*top.last().unwrap_or(&0));
    }

    fn finish(mut self, nulls: Option<NullBuffer>) -> ArrayRef {
        let mut values: ArrayRef = Arc::new(self.elements.finish());
        let depth = self.offsets.len();
        for (level, offsets) in self.offsets.into_iter().enumerate().rev() {
            let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
            let nulls = if level == 0 { nulls.clone() } else { None };
            values = Arc::new(ListArray::new(
                field,
                OffsetBuffer::new(offsets.into()),
                values,
                nulls,
            ));
        }
        debug_assert_eq!(*values.data_type(), text_lists(depth));
        values
    }
}

/// Reads each text of `texts` as a one-dimensional array of element texts, for a column of
/// an array type.
pub(crate) fn read_one_dimension(texts: &ArrayRef) -> std::result::Result<ArrayRef, Error> {
    read(texts, 1).map_err(crate::error::execution)
}

/// Reads each text of `texts` as an array of `depth` dimensions.
fn read(texts: &ArrayRef, depth: usize) -> Result<ArrayRef> {
    let texts = datafusion::arrow::compute::cast(texts, &DataType::Utf8)?;
    let texts = texts.as_string::<i32>();
    let mut levels = Levels::new(depth);
    for text in texts.iter() {
        let Some(text) = text else {
            levels.push_null();
            continue;
        };
        // PostgreSQL's message; what is wrong goes in its DETAIL, which has no place here.
        let malformed = |_| {
            function_error(
                format!("malformed array literal: \"{text}\""),
                SqlState::INVALID_TEXT_REPRESENTATION,
            )
        };
        let node = parse(text).map_err(malformed)?;
        let dims = shape(&node).map_err(malformed)?;
        // `'{}'` is the empty array whatever the depth.
        if dims != [0] && dims.len() > depth {
            // PostgreSQL's `int[]` holds arrays of any dimensions; DriftDB's a fixed number.
            return Err(function_error(
                format!(
                    "array literal \"{text}\" has {} dimensions where its type has {depth}: DriftDB's array types have a fixed number of dimensions",
                    dims.len()
                ),
                SqlState::FEATURE_NOT_SUPPORTED,
            ));
        }
        if dims != [0] && dims.len() != depth {
            return Err(malformed(String::new()));
        }
        levels.push(&node, 0);
    }
    Ok(levels.finish(texts.nulls().cloned()))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ArrayIn {
    signature: Signature,
}

/// The depth argument, a literal the analyzer wrote.
fn depth_of(arg: Option<&ScalarValue>) -> Result<usize> {
    match arg.and_then(super::integer_literals::integer_value) {
        Some(d @ 1..=6) => Ok(d as usize),
        _ => plan_err!("{ARRAY_IN} takes a depth from 1 to 6"),
    }
}

impl ScalarUDFImpl for ArrayIn {
    fn name(&self) -> &str {
        ARRAY_IN
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{ARRAY_IN}'s type comes from its depth argument")
    }

    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<Arc<Field>> {
        let depth = depth_of(args.scalar_arguments.get(1).copied().flatten())?;
        Ok(Arc::new(Field::new(self.name(), text_lists(depth), true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let depth = match &args.args[1] {
            ColumnarValue::Scalar(s) => depth_of(Some(s))?,
            ColumnarValue::Array(_) => return exec_err!("{ARRAY_IN}'s depth is a literal"),
        };
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let texts = args.args[0].to_array(args.number_rows)?;
        let result = read(&texts, depth)?;
        super::columnar(result, scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::{Node, parse, shape};

    fn e(s: &str) -> Node {
        Node::Element(Some(s.to_string()))
    }

    #[test]
    fn reads_postgresql_array_text() {
        assert_eq!(parse("{}"), Ok(Node::Array(vec![])));
        assert_eq!(parse(" { 1 , 2 } "), Ok(Node::Array(vec![e("1"), e("2")])));
        assert_eq!(
            parse(r#"{a b,"c,d","",NULL,"NULL",\N\ULL,x\"y}"#),
            Ok(Node::Array(vec![
                e("a b"),
                e("c,d"),
                e(""),
                Node::Element(None),
                e("NULL"),
                e("NULL"),
                e("x\"y"),
            ]))
        );
        assert_eq!(
            parse("{{1,2},{3,4}}").and_then(|n| shape(&n)),
            Ok(vec![2, 2])
        );
        for bad in [
            "", "1,2", "{1,2", "{1,,2}", "{1}x", "{\"a}", "{a\"b}", "{,}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was read");
        }
        assert!(parse("{{1,2},{3}}").and_then(|n| shape(&n)).is_err());
        assert!(parse("{{1},2}").and_then(|n| shape(&n)).is_err());
        // Nesting is bounded (PostgreSQL's 6 dimensions), so no input can exhaust the stack.
        assert!(parse("{{{{{{1}}}}}}").is_ok());
        assert!(parse("{{{{{{{1}}}}}}}").is_err());
        assert!(parse(&"{".repeat(1_000_000)).is_err());
    }
}
