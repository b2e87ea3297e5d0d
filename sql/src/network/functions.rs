//! The SQL functions over `inet` and `cidr` values, and the internal ones their casts,
//! operators and order become ([`crate::postgres::PostgresOperators`],
//! [`crate::postgres::PostgresSemantics`], the cast rewrite in `rewrite.rs`).
//!
//! Every argument that is an address is `Utf8` text in PostgreSQL's output form; a
//! function learns from the argument's field whether it is a `cidr` (`abbrev`,
//! `set_masklen` and a cast to `cidr` need to know). A NULL argument gives NULL.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int32Array, Int64Array, StringBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::{Address, Kind, NetworkError};
use crate::SqlState;
use crate::udf::{all_scalar, columnar};

/// A cast to `inet` (`'10.0.0.1'::inet`, `inet '…'`, `inet(x)`): text checked, a `cidr`
/// converted.
pub(crate) const INET_IN: &str = "__driftdb_inet";
/// A cast to `cidr`: text checked strictly (no bits right of the mask), an `inet` cut to
/// its network.
pub(crate) const CIDR_IN: &str = "__driftdb_cidr";
/// A cast of an address to `text`, which always shows the mask (`10.0.0.1/32`).
pub(crate) const TO_TEXT: &str = "__driftdb_inet_text";
/// The order key ([`Address::key`]) that comparisons and `ORDER BY` use.
pub(crate) const KEY: &str = "__driftdb_inet_key";

/// What one function computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Function {
    Cast(Kind),
    ToText,
    Key,
    Host,
    Masklen,
    Family,
    Network,
    Broadcast,
    Netmask,
    Hostmask,
    Abbrev,
    SetMasklen,
    SameFamily,
    Merge,
    /// `a >> b` (strict) or `a >>= b`.
    Contains {
        strict: bool,
    },
    /// `a << b` (strict) or `a <<= b`.
    ContainedBy {
        strict: bool,
    },
    Overlaps,
    /// `a + n`.
    Plus,
    /// `a - n`.
    MinusNumber,
    /// `a - b`.
    Difference,
    /// `~a`.
    Not,
    /// `a & b`.
    And,
    /// `a | b`.
    Or,
}

/// The type of a function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Address(Option<Kind>),
    Text,
    Int32,
    Int64,
    Bool,
    Bytes,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Cast(Kind::Inet) => INET_IN,
            Function::Cast(Kind::Cidr) => CIDR_IN,
            Function::ToText => TO_TEXT,
            Function::Key => KEY,
            Function::Host => "host",
            Function::Masklen => "masklen",
            Function::Family => "family",
            Function::Network => "network",
            Function::Broadcast => "broadcast",
            Function::Netmask => "netmask",
            Function::Hostmask => "hostmask",
            Function::Abbrev => "abbrev",
            Function::SetMasklen => "set_masklen",
            Function::SameFamily => "inet_same_family",
            Function::Merge => "inet_merge",
            Function::Contains { strict: true } => "network_sup",
            Function::Contains { strict: false } => "network_supeq",
            Function::ContainedBy { strict: true } => "network_sub",
            Function::ContainedBy { strict: false } => "network_subeq",
            Function::Overlaps => "network_overlap",
            Function::Plus => "inetpl",
            Function::MinusNumber => "inetmi_int8",
            Function::Difference => "inetmi",
            Function::Not => "inetnot",
            Function::And => "inetand",
            Function::Or => "inetor",
        }
    }

    /// The operator a function stands for, for column names and plans.
    fn operator(self) -> Option<&'static str> {
        Some(match self {
            Function::Contains { strict: true } => ">>",
            Function::Contains { strict: false } => ">>=",
            Function::ContainedBy { strict: true } => "<<",
            Function::ContainedBy { strict: false } => "<<=",
            Function::Overlaps => "&&",
            Function::Plus => "+",
            Function::MinusNumber | Function::Difference => "-",
            Function::And => "&",
            Function::Or => "|",
            _ => return None,
        })
    }

    /// Which arguments are numbers (the rest are addresses or text).
    fn arguments(self) -> &'static [bool] {
        match self {
            Function::SetMasklen | Function::Plus | Function::MinusNumber => &[false, true],
            Function::SameFamily
            | Function::Merge
            | Function::Contains { .. }
            | Function::ContainedBy { .. }
            | Function::Overlaps
            | Function::Difference
            | Function::And
            | Function::Or => &[false, false],
            _ => &[false],
        }
    }

    /// The result's type; `first` is the kind of the first argument, if an address.
    fn output(self, first: Option<Kind>) -> Output {
        match self {
            Function::Cast(kind) => Output::Address(Some(kind)),
            Function::ToText | Function::Host | Function::Abbrev => Output::Text,
            Function::Key => Output::Bytes,
            Function::Masklen | Function::Family => Output::Int32,
            Function::Difference => Output::Int64,
            Function::Network | Function::Merge => Output::Address(Some(Kind::Cidr)),
            Function::Broadcast
            | Function::Netmask
            | Function::Hostmask
            | Function::Plus
            | Function::MinusNumber
            | Function::Not
            | Function::And
            | Function::Or => Output::Address(Some(Kind::Inet)),
            Function::SetMasklen => Output::Address(Some(first.unwrap_or(Kind::Inet))),
            Function::SameFamily
            | Function::Contains { .. }
            | Function::ContainedBy { .. }
            | Function::Overlaps => Output::Bool,
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct NetworkFunction {
    function: Function,
    aliases: Vec<String>,
    signature: Signature,
}

impl ScalarUDFImpl for NetworkFunction {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn display_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        match (self.function, args) {
            (Function::Cast(kind), [arg]) => Ok(format!("CAST({arg} AS {})", kind.name())),
            (Function::ToText, [arg]) => Ok(format!("CAST({arg} AS text)")),
            (f, _) if let Some(op) = f.operator() => crate::udf::infix(f.name(), op, args),
            (f, args) => Ok(format!(
                "{}({})",
                f.name(),
                args.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let numbers = self.function.arguments();
        if arg_types.len() != numbers.len() {
            return plan_err!(
                "function {} takes {} argument(s)",
                self.function.name(),
                numbers.len()
            );
        }
        Ok(numbers
            .iter()
            .map(|number| {
                if *number {
                    DataType::Int64
                } else {
                    DataType::Utf8
                }
            })
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.function.output(None) {
            Output::Address(_) | Output::Text => DataType::Utf8,
            Output::Int32 => DataType::Int32,
            Output::Int64 => DataType::Int64,
            Output::Bool => DataType::Boolean,
            Output::Bytes => DataType::Binary,
        })
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let first = args.arg_fields.first().and_then(|f| Kind::of_field(f));
        let output = self.function.output(first);
        // Nullable whatever the arguments: a value that is no address is an error, which
        // `'x'::inet IS NULL` must still raise rather than be folded away.
        let field = Field::new(self.name(), self.return_type(&[])?, true);
        Ok(Arc::new(match output {
            Output::Address(Some(kind)) => crate::pg_types::with_pg_type(field, kind.name()),
            _ => field,
        }))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let first = args.arg_fields.first().and_then(|f| Kind::of_field(f));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let numbers = self.function.arguments();
        let arrays: Vec<ArrayRef> = arrays
            .iter()
            .zip(numbers)
            .map(|(a, number)| {
                cast(
                    a,
                    if *number {
                        &DataType::Int64
                    } else {
                        &DataType::Utf8
                    },
                )
            })
            .collect::<std::result::Result<_, _>>()?;
        let result = evaluate(self.function, first, &arrays, args.number_rows)
            .map_err(|e| DataFusionError::External(Box::new(crate::Error::from(e))))?;
        columnar(result, scalar)
    }
}

/// One row's value of a function.
enum Value {
    Address(Address, Kind),
    Text(String),
    Int32(i32),
    Int64(i64),
    Bool(bool),
    Bytes([u8; 34]),
}

/// Reads a stored address (of either kind: both are valid `inet` text).
fn stored(text: &str) -> Result<Address, NetworkError> {
    Address::read(text)
}

fn row(
    function: Function,
    first: Option<Kind>,
    arrays: &[ArrayRef],
    i: usize,
) -> Result<Option<Value>, NetworkError> {
    if arrays.iter().any(|a| a.is_null(i)) {
        return Ok(None);
    }
    let text = |n: usize| arrays[n].as_string::<i32>().value(i);
    let number = |n: usize| {
        arrays[n]
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .value(i)
    };
    let a = || stored(text(0));
    let b = || stored(text(1));
    Ok(Some(match function {
        Function::Cast(Kind::Inet) => {
            Value::Address(Address::parse(text(0), Kind::Inet)?, Kind::Inet)
        }
        Function::Cast(Kind::Cidr) => match first {
            // An address becomes its network; text must already be one.
            Some(_) => Value::Address(a()?.network(), Kind::Cidr),
            None => Value::Address(Address::parse(text(0), Kind::Cidr)?, Kind::Cidr),
        },
        Function::ToText => Value::Text(match first {
            Some(_) => a()?.text_with_mask(),
            // `text(x)` of text is the text.
            None => text(0).to_string(),
        }),
        Function::Key => Value::Bytes(a()?.key()),
        Function::Host => Value::Text(a()?.host()),
        Function::Masklen => Value::Int32(i32::from(a()?.bits())),
        Function::Family => Value::Int32(a()?.family()),
        Function::Network => Value::Address(a()?.network(), Kind::Cidr),
        Function::Broadcast => Value::Address(a()?.broadcast(), Kind::Inet),
        Function::Netmask => Value::Address(a()?.netmask(), Kind::Inet),
        Function::Hostmask => Value::Address(a()?.hostmask(), Kind::Inet),
        Function::Abbrev => Value::Text(match first {
            Some(Kind::Cidr) => a()?.abbrev_cidr(),
            _ => a()?.text(Kind::Inet),
        }),
        Function::SetMasklen => {
            let kind = first.unwrap_or(Kind::Inet);
            Value::Address(a()?.with_bits(number(1), kind)?, kind)
        }
        Function::SameFamily => Value::Bool(a()?.family() == b()?.family()),
        Function::Merge => Value::Address(a()?.merge(&b()?)?, Kind::Cidr),
        Function::Contains { strict } => Value::Bool(a()?.contains(&b()?, strict)),
        Function::ContainedBy { strict } => Value::Bool(b()?.contains(&a()?, strict)),
        Function::Overlaps => Value::Bool(a()?.overlaps(&b()?)),
        Function::Plus => Value::Address(a()?.add(number(1))?, Kind::Inet),
        Function::MinusNumber => {
            let n = number(1).checked_neg().ok_or_else(|| NetworkError {
                message: "result is out of range".to_string(),
                sqlstate: SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            })?;
            Value::Address(a()?.add(n)?, Kind::Inet)
        }
        Function::Difference => Value::Int64(a()?.minus(&b()?)?),
        Function::Not => Value::Address(a()?.not(), Kind::Inet),
        Function::And => Value::Address(a()?.bitwise(&b()?, true)?, Kind::Inet),
        Function::Or => Value::Address(a()?.bitwise(&b()?, false)?, Kind::Inet),
    }))
}

/// The rows' values as an array, each as `pick` takes it from its row (NULL where the row
/// is NULL).
fn collected<T, A: FromIterator<Option<T>>>(
    values: Vec<Option<Value>>,
    pick: fn(Value) -> Option<T>,
) -> A {
    values.into_iter().map(|v| v.and_then(pick)).collect()
}

fn evaluate(
    function: Function,
    first: Option<Kind>,
    arrays: &[ArrayRef],
    rows: usize,
) -> Result<ArrayRef, NetworkError> {
    let rows = arrays.first().map_or(rows, |a| a.len());
    let values = (0..rows)
        .map(|i| row(function, first, arrays, i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match function.output(first) {
        Output::Address(_) | Output::Text => {
            let mut out = StringBuilder::new();
            for v in values {
                match v {
                    Some(Value::Address(a, kind)) => out.append_value(a.text(kind)),
                    Some(Value::Text(t)) => out.append_value(t),
                    _ => out.append_null(),
                }
            }
            Arc::new(out.finish())
        }
        Output::Int32 => Arc::new(collected::<_, Int32Array>(values, |v| match v {
            Value::Int32(n) => Some(n),
            _ => None,
        })),
        Output::Int64 => Arc::new(collected::<_, Int64Array>(values, |v| match v {
            Value::Int64(n) => Some(n),
            _ => None,
        })),
        Output::Bool => Arc::new(collected::<_, BooleanArray>(values, |v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        })),
        Output::Bytes => {
            let mut out = BinaryBuilder::new();
            for v in values {
                match v {
                    Some(Value::Bytes(key)) => out.append_value(key),
                    _ => out.append_null(),
                }
            }
            Arc::new(out.finish())
        }
    })
}

fn udf(function: Function, aliases: &[&str]) -> ScalarUDF {
    ScalarUDF::new_from_impl(NetworkFunction {
        function,
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// The function behind an operator on addresses (`<<`, `&&`, `+` ...), if there is one;
/// `number` says the right operand is a number rather than an address.
pub(crate) fn operator(op: &str, number: bool) -> Option<ScalarUDF> {
    let function = match (op, number) {
        (">>", false) => Function::Contains { strict: true },
        (">>=", false) => Function::Contains { strict: false },
        ("<<", false) => Function::ContainedBy { strict: true },
        ("<<=", false) => Function::ContainedBy { strict: false },
        ("&&", false) => Function::Overlaps,
        ("+", true) => Function::Plus,
        ("-", true) => Function::MinusNumber,
        ("-", false) => Function::Difference,
        ("&", false) => Function::And,
        ("|", false) => Function::Or,
        _ => return None,
    };
    Some(udf(function, &[]))
}

/// A cast to `kind`.
pub(crate) fn cast_to(kind: Kind) -> ScalarUDF {
    udf(Function::Cast(kind), &[])
}

/// A cast of an address to `text`.
pub(crate) fn to_text() -> ScalarUDF {
    udf(Function::ToText, &[])
}

/// `~a` of an address.
pub(crate) fn not() -> ScalarUDF {
    udf(Function::Not, &[])
}

/// The order key of an address.
pub(crate) fn key() -> ScalarUDF {
    udf(Function::Key, &[])
}

/// A cast of a list of texts (an array literal's elements, `'{10.0.0.1/32}'::inet[]`) to
/// a list of addresses of one kind: each element read as that kind and in its output form.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ListCast {
    kind: Kind,
    signature: Signature,
}

impl ScalarUDFImpl for ListCast {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Inet => "__driftdb_inet_array",
            Kind::Cidr => "__driftdb_cidr_array",
        }
    }

    fn display_name(&self, args: &[datafusion::logical_expr::Expr]) -> Result<String> {
        match args {
            [arg] => Ok(format!("CAST({arg} AS {}[])", self.kind.name())),
            _ => plan_err!("a cast takes one value"),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(self.element())))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args.args);
        let [lists] = ColumnarValue::values_to_arrays(&args.args)?
            .try_into()
            .map_err(|_| DataFusionError::Plan("a cast takes one value".into()))?;
        let Some(lists) = lists.as_list_opt::<i32>() else {
            return plan_err!("{} takes a list of text", self.name());
        };
        let texts = cast(lists.values(), &DataType::Utf8)?;
        let addresses = evaluate(
            Function::Cast(self.kind),
            None,
            &[texts],
            lists.values().len(),
        )
        .map_err(|e| DataFusionError::External(Box::new(crate::Error::from(e))))?;
        let out = datafusion::arrow::array::ListArray::try_new(
            Arc::new(self.element()),
            lists.offsets().clone(),
            addresses,
            lists.nulls().cloned(),
        )?;
        // Built here: a scalar taken from the array would lose the elements' type.
        Ok(if scalar && out.len() == 1 {
            ColumnarValue::Scalar(datafusion::common::ScalarValue::List(Arc::new(out)))
        } else {
            ColumnarValue::Array(Arc::new(out))
        })
    }
}

impl ListCast {
    fn element(&self) -> Field {
        crate::pg_types::with_pg_type(
            Field::new(Field::LIST_FIELD_DEFAULT_NAME, DataType::Utf8, true),
            self.kind.name(),
        )
    }
}

/// A cast of a list of texts to a list of addresses of `kind`.
pub(crate) fn cast_list_to(kind: Kind) -> ScalarUDF {
    ScalarUDF::new_from_impl(ListCast {
        kind,
        signature: Signature::any(1, Volatility::Immutable),
    })
}

/// Every function a session registers.
pub(crate) fn functions() -> Vec<ScalarUDF> {
    let mut all = vec![
        udf(Function::Cast(Kind::Inet), &["inet"]),
        udf(Function::Cast(Kind::Cidr), &["cidr"]),
        udf(Function::ToText, &["text"]),
        key(),
    ];
    all.extend(
        [
            Function::Host,
            Function::Masklen,
            Function::Family,
            Function::Network,
            Function::Broadcast,
            Function::Netmask,
            Function::Hostmask,
            Function::Abbrev,
            Function::SetMasklen,
            Function::SameFamily,
            Function::Merge,
            Function::Contains { strict: true },
            Function::Contains { strict: false },
            Function::ContainedBy { strict: true },
            Function::ContainedBy { strict: false },
            Function::Overlaps,
            Function::Plus,
            Function::MinusNumber,
            Function::Difference,
            Function::Not,
            Function::And,
            Function::Or,
        ]
        .into_iter()
        .map(|f| udf(f, &[])),
    );
    all
}
