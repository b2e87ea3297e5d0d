//! PostgreSQL's idioms rewritten, in every statement, into what DataFusion plans.
//!
//! `OPERATOR(pg_catalog.~)` becomes `~`, `COLLATE pg_catalog.default` (or `"C"`) nothing,
//! `pg_catalog.`-qualified functions and types plain ones, casts to `regclass`, `regtype`,
//! `regnamespace` and `oid` lookups, `x = ANY (ARRAY[...])` becomes `x IN (...)` and
//! `ARRAY(subquery)` the array's text. A `SELECT` that inner-joins one of the always-empty
//! catalogs is folded to an empty result before planning: it has no rows whatever its other
//! clauses say, and clauses such as psql's array subscripts over `pg_publication_rel` are
//! beyond DataFusion. In a statement that reads the catalogs, correlated scalar subqueries
//! are wrapped in `max()` and their conditions on outer columns lifted into a `CASE`, which
//! DataFusion needs to decorrelate them.

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr,
    Statement, TableFactor, Value, ValueWithSpan, VisitMut, VisitorMut,
};

use crate::SqlState;
use crate::catalog::{BUILT, always_empty};

pub(crate) const REGCLASS_NAME: &str = "__pg_regclass_name";
pub(crate) const REGCLASS_OID: &str = "__pg_regclass_oid";
pub(crate) const REGTYPE_NAME: &str = "__pg_regtype_name";
pub(crate) const REGNAMESPACE_NAME: &str = "__pg_regnamespace_name";

/// Rewrites PostgreSQL's catalog idioms in `statement` into what DataFusion plans (see
/// the module documentation).
///
/// In a statement that reads the catalogs (`catalogs`), a correlated scalar subquery
/// that is not aggregated has its value wrapped in `max()`: DataFusion plans only
/// aggregated ones, and a catalog lookup by key (a column's default, say) returns at most
/// one row, where `max` changes nothing.
///
/// A JSON set-returning function in `FROM` over another `FROM` item's columns (an implicit
/// `LATERAL`) is refused (0A000): DataFusion plans no correlated table functions.
pub fn rewrite(statement: &mut Statement, catalogs: bool) -> crate::Result<()> {
    let mut idioms = Idioms {
        catalogs,
        refused: None,
    };
    let _ = statement.visit(&mut idioms);
    match idioms.refused {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// A statement the rewrite cannot plan (0A000).
fn refusal(message: String) -> crate::Error {
    crate::Error::Execution {
        message,
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

struct Idioms {
    catalogs: bool,
    /// Why the statement cannot be planned, found while rewriting it.
    refused: Option<crate::Error>,
}

/// A named argument's name and value (`days => 10`).
fn argument_name(arg: &ast::FunctionArg) -> Option<(&str, &ast::FunctionArgExpr)> {
    match arg {
        ast::FunctionArg::Named { name, arg, .. } => Some((name.value.as_str(), arg)),
        ast::FunctionArg::ExprNamed {
            name: Expr::Identifier(name),
            arg,
            ..
        } => Some((name.value.as_str(), arg)),
        _ => None,
    }
}

/// `make_interval`'s arguments by position: the named ones moved to their places, the ones
/// left out 0. A name that is not a parameter stays, for the planner to refuse.
fn make_interval_arguments(args: &mut Vec<ast::FunctionArg>) {
    use crate::interval::functions::MAKE_INTERVAL_PARAMETERS as NAMES;
    let zero = || {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::value(Value::Number(
            "0".into(),
            false,
        ))))
    };
    let mut positional: Vec<ast::FunctionArg> = Vec::new();
    for arg in std::mem::take(args) {
        match argument_name(&arg) {
            Some((name, value)) => match NAMES.iter().position(|n| name.eq_ignore_ascii_case(n)) {
                Some(at) => {
                    while positional.len() <= at {
                        positional.push(zero());
                    }
                    positional[at] = ast::FunctionArg::Unnamed(value.clone());
                }
                None => args.push(arg),
            },
            None => positional.push(arg),
        }
    }
    positional.append(args);
    *args = positional;
}

/// `jsonb_array_elements(x) AS e` in `FROM`: the function in the `SELECT` list of a derived
/// table, where it is rewritten like any call of it, its column named as in PostgreSQL
/// (`value`, or for `json_object_keys` the alias, else the function's name). `None` for any
/// other table factor; an error for arguments that read columns (`LATERAL`), unless
/// `columns` allows them (`crate::lateral` builds the derived table over them).
pub(crate) fn set_returning_table(
    factor: &TableFactor,
    columns: bool,
) -> Option<crate::Result<TableFactor>> {
    let (name, args, alias) = match factor {
        TableFactor::Table {
            name,
            args: Some(args),
            alias,
            ..
        } => (name, args.args.clone(), alias),
        TableFactor::Function {
            name, args, alias, ..
        } => (name, args.clone(), alias),
        _ => return None,
    };
    let function = unqualified(name)?;
    // DataFusion's table function serves `generate_series` in `FROM`.
    if function == "generate_series" {
        return None;
    }
    let record = crate::json::is_record_function(&function);
    let each = crate::json::each_call(&function);
    if each.is_none() && !record {
        list_of_rows(&function)?;
    }
    if args.iter().any(names_a_column) && !columns {
        return Some(Err(refusal(format!(
            "{function}() in FROM over the columns of another FROM item (LATERAL) is not \
             supported; call it in the SELECT list instead: SELECT {function}(t.x) FROM t"
        ))));
    }
    if record {
        return Some(crate::json::record_table(&function, &args, alias.as_ref()));
    }
    // The column of a function of scalar rows is named after its alias, or the function.
    let scalar_rows =
        function.ends_with("object_keys") || TEXT_ROWS.iter().any(|(f, _)| *f == function);
    let column = match alias {
        Some(alias) if scalar_rows && alias.columns.is_empty() => alias.name.value.clone(),
        _ if scalar_rows => function.clone(),
        _ => "value".to_string(),
    };
    let called = |function: &str| {
        let mut call = call_with(function, vec![]);
        if let Expr::Function(f) = &mut call
            && let ast::FunctionArguments::List(list) = &mut f.args
        {
            list.args = args.clone();
        }
        call
    };
    let projection = match each {
        // The keys and the values, unnested side by side.
        Some((keys, values, typed)) => {
            let values = call("unnest", called(&values));
            vec![
                SelectItem::ExprWithAlias {
                    expr: call("unnest", called(&keys)),
                    alias: Ident::new("key"),
                },
                SelectItem::ExprWithAlias {
                    expr: match typed {
                        Some(json_in) => call(json_in, values),
                        None => values,
                    },
                    alias: Ident::new("value"),
                },
            ]
        }
        None => vec![SelectItem::ExprWithAlias {
            expr: called(&function),
            alias: Ident::new(column),
        }],
    };
    let mut subquery = match sqlparser::parser::Parser::parse_sql(
        &sqlparser::dialect::PostgreSqlDialect {},
        "SELECT NULL AS value",
    )
    .ok()?
    .pop()?
    {
        Statement::Query(query) => query,
        _ => return None,
    };
    if let SetExpr::Select(select) = subquery.body.as_mut() {
        select.projection = projection;
    }
    Some(Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: alias.clone(),
        sample: None,
    }))
}

/// Whether `node` (an expression, a function argument) names a column anywhere in it.
pub(crate) fn names_a_column<V: ast::Visit>(node: &V) -> bool {
    ast::visit_expressions(node, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn call(name: &str, arg: Expr) -> Expr {
    call_with(name, vec![arg])
}

/// Whether `expr` is what a scalar subquery over an always-empty catalog became: a NULL.
fn is_folded_null(expr: &Expr) -> bool {
    matches!(expr, Expr::Cast { expr, data_type: ast::DataType::Text, .. }
        if matches!(expr.as_ref(), Expr::Value(v) if v.value == Value::Null))
}

/// Whether `expr` reads a catalog's `name` column (`typname`, `c.relname` ...).
fn is_catalog_name(expr: &Expr) -> bool {
    let last = match expr {
        Expr::Identifier(ident) => ident,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(ident) => ident,
            None => return false,
        },
        _ => return false,
    };
    last.quote_style.is_none() && last.value.to_lowercase().ends_with("name")
}

/// `function(CAST(value AS TEXT), length)`, taking `value` out of its place.
fn text_with_length(function: &str, value: &mut Expr, length: u64) -> Expr {
    let value = std::mem::replace(value, Expr::value(Value::Null));
    let text = Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(value),
        data_type: ast::DataType::Text,
        array: false,
        format: None,
    };
    call_with(
        function,
        vec![text, Expr::value(Value::Number(length.to_string(), false))],
    )
}

/// The functions `CURRENT_USER` (and `CURRENT_ROLE`, `USER`) and `SESSION_USER` become;
/// the session registers them with its role.
pub(crate) const CURRENT_USER: &str = "current_user";
pub(crate) const SESSION_USER: &str = "session_user";

/// What `CURRENT_USER`, `CURRENT_ROLE`, `USER` or `SESSION_USER` (unquoted, without
/// parentheses: sqlparser reads some as identifiers, some as calls without arguments)
/// stands for.
fn session_user_function(expr: &Expr) -> Option<&'static str> {
    let name = match expr {
        Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.to_lowercase(),
        Expr::Function(f) if matches!(f.args, ast::FunctionArguments::None) => {
            unqualified(&f.name)?
        }
        _ => return None,
    };
    match name.as_str() {
        "current_user" | "current_role" | "user" => Some(CURRENT_USER),
        "session_user" => Some(SESSION_USER),
        _ => None,
    }
}

/// PostgreSQL's functions DataFusion has under another name, with that name.
const SYNONYMS: [(&str, &str); 5] = [
    // DriftDB's arrays start at 1: the upper bound is the length.
    ("array_upper", "array_length"),
    ("sign", "signum"),
    ("ceiling", "ceil"),
    ("variance", "var_samp"),
    ("every", "bool_and"),
];

/// The set-returning functions of text and of numbers, each `unnest` of the array function
/// beside it. (`generate_series` in `FROM` is DataFusion's table function; in a `SELECT`
/// list its rows, where DataFusion's function of that name gives one list.)
const TEXT_ROWS: [(&str, &str); 4] = [
    ("string_to_table", "string_to_array"),
    ("regexp_split_to_table", "regexp_split_to_array"),
    ("regexp_matches", crate::postgres::REGEXP_MATCHES),
    ("generate_series", crate::postgres::SERIES),
];

/// The set-returning functions planned as `unnest` of a list: the function that lists the
/// rows, and the conversion each row goes through (JSON's typed ones). JSON's
/// ([`crate::json::set_returning_call`]) and those of [`TEXT_ROWS`].
fn list_of_rows(name: &str) -> Option<(String, Option<&'static str>)> {
    match TEXT_ROWS.iter().find(|(f, _)| *f == name) {
        Some((_, lister)) => Some((lister.to_string(), None)),
        None => crate::json::set_returning_call(name),
    }
}

/// The unqualified name `name`.
fn object_name(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

/// The aggregate call `f` (its arguments, ORDER BY, DISTINCT, FILTER and OVER) as an
/// `array_agg`.
fn as_array_agg(f: &ast::Function) -> ast::Function {
    ast::Function {
        name: object_name("array_agg"),
        ..f.clone()
    }
}

/// Gives each slice of `expr`'s access chain with a bound left out its bound: 1 below, and
/// above the length of the array it slices (0 for an empty one, so the slice is empty).
fn open_slice_bounds(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { root, access_chain } = expr else {
        return;
    };
    for i in 0..access_chain.len() {
        let sliced = match i {
            0 => root.as_ref().clone(),
            _ => Expr::CompoundFieldAccess {
                root: root.clone(),
                access_chain: access_chain[..i].to_vec(),
            },
        };
        if let ast::AccessExpr::Subscript(ast::Subscript::Slice {
            lower_bound,
            upper_bound,
            ..
        }) = &mut access_chain[i]
        {
            let one = || Expr::value(Value::Number("1".into(), false));
            if lower_bound.is_none() {
                *lower_bound = Some(one());
            }
            if upper_bound.is_none() {
                let length = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(call_with("array_length", vec![sliced, one()])),
                    data_type: ast::DataType::BigInt(None),
                    array: false,
                    format: None,
                };
                let zero = Expr::value(Value::Number("0".into(), false));
                *upper_bound = Some(call_with("coalesce", vec![length, zero]));
            }
        }
    }
}

/// The call `name(args...)`.
pub(crate) fn call_with(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(ast::Function {
        name: object_name(name),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|arg| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// The function a cast to `json` or `jsonb` becomes.
fn json_in(data_type: &ast::DataType) -> &'static str {
    if matches!(data_type, ast::DataType::JSONB) {
        crate::json::JSONB_IN
    } else {
        crate::json::JSON_IN
    }
}

/// The field of `date_part('f', x)` when it is a constant, as `EXTRACT` takes one.
fn constant_field(f: &ast::Function) -> Option<&str> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(part))),
        _,
    ] = list.args.as_slice()
    else {
        return None;
    };
    match &part.value {
        Value::SingleQuotedString(part) => Some(part),
        _ => None,
    }
}

/// The function a cast to `inet` or `cidr` becomes (DataFusion has no network types; see
/// `crate::network`), for those types.
fn network_in(data_type: &ast::DataType) -> Option<&'static str> {
    let ast::DataType::Custom(name, modifiers) = data_type else {
        return None;
    };
    match unqualified(name)?.as_str() {
        "inet" if modifiers.is_empty() => Some(crate::network::functions::INET_IN),
        "cidr" if modifiers.is_empty() => Some(crate::network::functions::CIDR_IN),
        _ => None,
    }
}

/// The last part of a `pg_catalog.`-qualified (or plain) name, lower case.
pub(crate) fn unqualified(name: &ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.to_lowercase()),
        [schema, part]
            if schema
                .as_ident()
                .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog")) =>
        {
            part.as_ident().map(|i| i.value.to_lowercase())
        }
        _ => None,
    }
}

/// Whether `expr` is text (a literal, or a function that gives a relation's name), not an
/// object id, where `::regclass` casts it.
fn is_text_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_),
            ..
        }) => true,
        // The functions that give a relation's name as text (SQLAlchemy reflects identity
        // columns with `pg_get_serial_sequence(...)::regclass`).
        Expr::Function(f) => unqualified(&f.name).is_some_and(|n| {
            matches!(
                n.as_str(),
                "pg_get_serial_sequence" | "quote_ident" | "format" | "concat" | "lower"
            )
        }),
        Expr::Nested(inner) => is_text_literal(inner),
        _ => false,
    }
}

impl VisitorMut for Idioms {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Err(error) = fetch_as_limit(query) {
            self.refused = Some(error);
            return ControlFlow::Break(());
        }
        fold_empty_selects(query.body.as_mut());
        // Nothing to order, and the names ORDER BY used are gone.
        if all_folded(&query.body) {
            query.order_by = None;
        }
        ControlFlow::Continue(())
    }

    /// A `VALUES` column with a `json`, `jsonb`, `uuid`, `inet` or `cidr` value in one row
    /// has that type in every row, as PostgreSQL resolves it: the others go through the same
    /// conversion (DataFusion refuses rows whose types differ in the metadata that marks
    /// these types).
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let SetExpr::Values(values) = query.body.as_mut() else {
            return ControlFlow::Continue(());
        };
        let typed = [
            crate::json::JSON_IN,
            crate::json::JSONB_IN,
            crate::postgres::UUID_IN,
            crate::network::functions::INET_IN,
            crate::network::functions::CIDR_IN,
        ];
        let conversion = |e: &Expr| match e {
            Expr::Function(f) => unqualified(&f.name).filter(|n| typed.contains(&n.as_str())),
            _ => None,
        };
        let width = values.rows.first().map_or(0, |row| row.content.len());
        for column in 0..width {
            let Some(function) = values
                .rows
                .iter()
                .find_map(|row| row.get(column).and_then(conversion))
            else {
                continue;
            };
            for row in &mut values.rows {
                if let Some(value) = row.get_mut(column)
                    && conversion(value).is_none()
                {
                    let plain = std::mem::replace(value, Expr::value(Value::Null));
                    *value = call(&function, plain);
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// `pg_catalog` comes first on PostgreSQL's search path: `pg_class` is
    /// `pg_catalog.pg_class`.
    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        match set_returning_table(factor, false) {
            Some(Ok(table)) => *factor = table,
            Some(Err(error)) => {
                self.refused = Some(error);
                return ControlFlow::Break(());
            }
            None => {}
        }
        // `pg_options_to_table(options)`: the options of a foreign server, wrapper or table
        // or a column's, none of which DriftDB has, so every options column it is given is
        // empty and so is its table.
        if let TableFactor::Table {
            name,
            args: Some(_),
            alias,
            ..
        } = factor
            && unqualified(name).is_some_and(|n| n == "pg_options_to_table")
        {
            let alias = alias.clone();
            let empty = crate::parse(
                "SELECT CAST(NULL AS TEXT) AS option_name, CAST(NULL AS TEXT) AS option_value WHERE false",
            )
            .ok()
            .and_then(|mut statements| statements.pop())
            .and_then(|statement| match statement {
                crate::Statement::Sql(sql) => match sql.statement {
                    Statement::Query(query) => Some(query),
                    _ => None,
                },
                _ => None,
            });
            if let Some(query) = empty {
                *factor = TableFactor::Derived {
                    lateral: false,
                    subquery: query,
                    alias,
                    sample: None,
                };
            }
            return ControlFlow::Continue(());
        }
        // `unnest(a) u` names its column after the alias, and `unnest(a)` `unnest`, as in
        // PostgreSQL (DataFusion: `UNNEST(a)`).
        if let TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset: false,
            with_ordinality: false,
            ..
        } = factor
            && array_exprs.len() == 1
        {
            let alias = alias.get_or_insert_with(|| ast::TableAlias {
                explicit: false,
                name: Ident::new("unnest"),
                columns: Vec::new(),
                at: None,
            });
            if alias.columns.is_empty() {
                alias.columns.push(ast::TableAliasColumnDef {
                    name: alias.name.clone(),
                    data_type: None,
                });
            }
        }
        // `generate_series(1, 3) g`: a function of one output column, aliased without a
        // column list, names its column after the alias in PostgreSQL (DataFusion: `value`).
        if let TableFactor::Table {
            name,
            args: Some(_),
            alias: Some(alias),
            ..
        } = factor
            && alias.columns.is_empty()
            && unqualified(name).is_some_and(|n| n == "generate_series" || n == "range")
        {
            alias.columns.push(ast::TableAliasColumnDef {
                name: alias.name.clone(),
                data_type: None,
            });
        }
        if let TableFactor::Table { name, alias, .. } = factor
            && let [part] = name.0.as_slice()
            && let Some(ident) = part.as_ident()
            && ident.quote_style.is_none()
        {
            let lower = ident.value.to_lowercase();
            if BUILT.contains(&lower.as_str()) || always_empty(&lower) {
                // Aliased as written, so `pg_tables.*` (what `*` became) still names it.
                if alias.is_none() {
                    *alias = Some(ast::TableAlias {
                        explicit: true,
                        name: ident.clone(),
                        columns: Vec::new(),
                        at: None,
                    });
                }
                name.0
                    .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.catalogs {
            drop_domain_branches(expr);
        }
        match expr {
            // `typname[0]`: a catalog name's character, 0-based (`name` is a fixed array of
            // characters in PostgreSQL).
            Expr::CompoundFieldAccess { root, access_chain }
                if self.catalogs
                    && is_catalog_name(root)
                    && matches!(
                        access_chain.as_slice(),
                        [ast::AccessExpr::Subscript(ast::Subscript::Index { .. })]
                    ) =>
            {
                let root = std::mem::replace(root.as_mut(), Expr::value(Value::Null));
                if let Some(ast::AccessExpr::Subscript(ast::Subscript::Index { index })) =
                    access_chain.pop()
                {
                    let from = Expr::BinaryOp {
                        left: Box::new(Expr::Nested(Box::new(index))),
                        op: BinaryOperator::Plus,
                        right: Box::new(Expr::value(Value::Number("1".into(), false))),
                    };
                    let one = Expr::value(Value::Number("1".into(), false));
                    *expr = call_with("substr", vec![root, from, one]);
                }
            }
            // `~x`, which DataFusion does not plan; see `crate::postgres::bitwise_not`.
            Expr::UnaryOp {
                op: ast::UnaryOperator::BitwiseNot,
                expr: operand,
            } => {
                let operand = std::mem::replace(operand.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::BITWISE_NOT, operand);
            }
            // `U&'d\0061t\+000061'`: sqlparser has read the escapes; the value is text.
            Expr::Value(v) if matches!(v.value, Value::UnicodeStringLiteral(_)) => {
                if let Value::UnicodeStringLiteral(text) = &v.value {
                    v.value = Value::SingleQuotedString(text.clone());
                }
            }
            // `EXTRACT(f FROM x)`, a `numeric` of the field's scale (`crate::postgres::extract`).
            Expr::Extract {
                field, expr: value, ..
            } => {
                let field = Expr::value(Value::SingleQuotedString(field.to_string()));
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                *expr = call_with(crate::postgres::EXTRACT, vec![field, value]);
            }
            // `date_part('f', x)`: `EXTRACT`'s value as a `double precision`, PostgreSQL's
            // type for it (DataFusion's `date_part` dropped the fraction of seconds).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("date_part")
                    && constant_field(f).is_some() =>
            {
                if let ast::FunctionArguments::List(list) = &f.args
                    && let [
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(field)),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                    ] = list.args.as_slice()
                {
                    let extracted =
                        call_with(crate::postgres::DATE_PART, vec![field.clone(), value.clone()]);
                    *expr = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(extracted),
                        data_type: ast::DataType::DoublePrecision,
                        array: false,
                        format: None,
                    };
                }
            }
            // An array slice with a bound left out (`a[:2]`, `a[3:]`, `a[:]`) runs from the
            // array's first element or to its last, as in PostgreSQL (DataFusion wants both).
            Expr::CompoundFieldAccess { access_chain, .. }
                if access_chain.iter().any(|a| {
                    matches!(a, ast::AccessExpr::Subscript(ast::Subscript::Slice { lower_bound, upper_bound, .. })
                        if lower_bound.is_none() || upper_bound.is_none())
                }) =>
            {
                open_slice_bounds(expr);
            }
            // `LOCALTIMESTAMP` and `LOCALTIME` [ (precision) ]: the transaction's start in the
            // session's zone (UTC) as a `timestamp` or `time`.
            Expr::Function(f)
                if matches!(unqualified(&f.name).as_deref(), Some("localtimestamp" | "localtime"))
                    && match &f.args {
                        ast::FunctionArguments::None => true,
                        ast::FunctionArguments::List(l) => l.args.len() == 1,
                        _ => false,
                    } =>
            {
                let precision = match &f.args {
                    ast::FunctionArguments::List(l) => match l.args.first() {
                        Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v)))) => {
                            match &v.value {
                                Value::Number(n, _) => n.parse::<u64>().ok(),
                                _ => None,
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                let cast = |expr: Expr, data_type: ast::DataType| Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(expr),
                    data_type,
                    array: false,
                    format: None,
                };
                let mut now = cast(
                    call_with("now", vec![]),
                    ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                );
                // Rounded to `precision` fractional digits, as PostgreSQL rounds it.
                if let Some(digits) = precision.filter(|p| *p < 6) {
                    let unit = 10u64.pow(6 - digits as u32);
                    let interval = |micros: u64| Expr::Interval(ast::Interval {
                        value: Box::new(Expr::value(Value::SingleQuotedString(format!(
                            "{micros} microseconds"
                        )))),
                        leading_field: None,
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    });
                    let shifted = Expr::BinaryOp {
                        left: Box::new(now),
                        op: BinaryOperator::Plus,
                        right: Box::new(interval(unit / 2)),
                    };
                    let epoch = cast(
                        Expr::value(Value::SingleQuotedString("1970-01-01".into())),
                        ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                    );
                    now = call_with("date_bin", vec![interval(unit), shifted, epoch]);
                }
                *expr = if unqualified(&f.name).as_deref() == Some("localtime") {
                    cast(now, ast::DataType::Time(None, ast::TimezoneInfo::None))
                } else {
                    now
                };
            }
            // SQL's `CURRENT_USER`, `CURRENT_ROLE`, `USER` and `SESSION_USER` are functions
            // without parentheses (reserved words: a column of that name must be quoted).
            Expr::Identifier(_) | Expr::Function(_) if session_user_function(expr).is_some() => {
                if let Some(function) = session_user_function(expr) {
                    *expr = call_with(function, vec![]);
                }
            }
            // `(a lookup in an empty catalog) = ANY (array)`: NULL compared with each element,
            // so false for an empty array and NULL otherwise, whatever the element type.
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } if is_folded_null(left) && !matches!(right.as_ref(), Expr::Array(_)) => {
                let array = std::mem::replace(right.as_mut(), Expr::value(Value::Null));
                *expr = Expr::Case {
                    case_token: ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![ast::CaseWhen {
                        condition: Expr::BinaryOp {
                            left: Box::new(call("cardinality", array)),
                            op: BinaryOperator::Eq,
                            right: Box::new(Expr::value(Value::Number("0".into(), false))),
                        },
                        result: Expr::value(Value::Boolean(false)),
                    }],
                    else_result: None,
                };
            }
            // `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, and `x <> ALL (ARRAY[...])` is
            // `x NOT IN (...)`: DataFusion plans no array literals here.
            Expr::AnyOp {
                compare_op: BinaryOperator::Eq,
                right,
                ..
            }
            | Expr::AllOp {
                compare_op: BinaryOperator::NotEq,
                right,
                ..
            } if matches!(right.as_ref(), Expr::Array(_)) => {
                let negated = matches!(expr, Expr::AllOp { .. });
                let (Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. }) =
                    std::mem::replace(expr, Expr::value(Value::Null))
                else {
                    return ControlFlow::Continue(());
                };
                let Expr::Array(array) = *right else {
                    return ControlFlow::Continue(());
                };
                *expr = Expr::InList {
                    expr: left,
                    list: array.elem,
                    negated,
                };
            }
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Regclass,
                ..
            } => {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = if is_text_literal(&value) {
                    call(REGCLASS_OID, value)
                } else {
                    call(REGCLASS_NAME, value)
                };
            }
            // A scalar subquery of no rows is NULL.
            Expr::Subquery(query) if is_folded(query) => {
                *expr = Expr::Cast {
                    kind: ast::CastKind::Cast,
                    expr: Box::new(Expr::value(Value::Null)),
                    data_type: ast::DataType::Text,
                    array: false,
                    format: None,
                };
            }
            Expr::Subquery(query) if self.catalogs => {
                // One whose SELECT list reads the outer row (SQLAlchemy's identity options)
                // is left to the session's subquery planner: aggregated, DataFusion cannot
                // plan it.
                if !selects_outer_columns(query) {
                    aggregate_scalar_subquery(query);
                }
                if let Some(guard) = take_outer_conditions(query) {
                    let subquery = std::mem::replace(expr, Expr::value(Value::Null));
                    *expr = Expr::Case {
                        case_token: ast::helpers::attached_token::AttachedToken::empty(),
                        end_token: ast::helpers::attached_token::AttachedToken::empty(),
                        operand: None,
                        conditions: vec![ast::CaseWhen {
                            condition: guard,
                            result: subquery,
                        }],
                        else_result: None,
                    };
                }
            }
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array")
                    && matches!(f.args, ast::FunctionArguments::Subquery(_)) =>
            {
                if let ast::FunctionArguments::Subquery(query) = &f.args {
                    *expr = array_text(query.as_ref().clone());
                }
            }
            // `substring(s from 'pattern')`: the part of `s` the POSIX regular expression
            // matches, or its first parenthesized part (PostgreSQL's form for a pattern,
            // where an integer `from` is a position).
            Expr::Substring {
                expr: value,
                substring_from: Some(from),
                substring_for: None,
                ..
            } if matches!(
                from.as_ref(),
                Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_))
            ) =>
            {
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                let pattern = from.as_ref().clone();
                let matched = call_with("regexp_match", vec![value, pattern]);
                *expr = Expr::CompoundFieldAccess {
                    root: Box::new(Expr::Nested(Box::new(matched))),
                    access_chain: vec![ast::AccessExpr::Subscript(ast::Subscript::Index {
                        index: Expr::value(Value::Number("1".into(), false)),
                    })],
                };
            }
            Expr::BinaryOp { op, .. } => {
                if let BinaryOperator::PGCustomBinaryOperator(parts) = op
                    && let Some(symbol) = parts.last()
                {
                    let plain = match symbol.as_str() {
                        "~" => Some(BinaryOperator::PGRegexMatch),
                        "~*" => Some(BinaryOperator::PGRegexIMatch),
                        "!~" => Some(BinaryOperator::PGRegexNotMatch),
                        "!~*" => Some(BinaryOperator::PGRegexNotIMatch),
                        "=" => Some(BinaryOperator::Eq),
                        "<>" => Some(BinaryOperator::NotEq),
                        "<" => Some(BinaryOperator::Lt),
                        ">" => Some(BinaryOperator::Gt),
                        "<=" => Some(BinaryOperator::LtEq),
                        ">=" => Some(BinaryOperator::GtEq),
                        _ => None,
                    };
                    if let Some(plain) = plain {
                        *op = plain;
                    }
                }
            }
            // DriftDB compares text bytewise, which is the default collation here and "C";
            // any other collation is left for the planner to refuse.
            Expr::Collate {
                expr: inner,
                collation,
            } if unqualified(collation)
                .is_some_and(|c| matches!(c.as_str(), "default" | "c" | "posix")) =>
            {
                *expr = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            }
            // `json_agg(x ...)` is `array_agg(to_json(x) ...)` laid out as one document; the
            // ORDER BY, DISTINCT, FILTER and OVER stay with the aggregate.
            Expr::Function(f)
                if unqualified(&f.name).is_some_and(|n| n == "json_agg" || n == "jsonb_agg")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
            {
                let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_agg");
                let mut aggregate = as_array_agg(f);
                if let ast::FunctionArguments::List(list) = &mut aggregate.args
                    && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))) =
                        list.args.first_mut()
                {
                    let value = std::mem::replace(arg, Expr::value(Value::Null));
                    *arg = call(if jsonb { "to_jsonb" } else { "to_json" }, value);
                }
                let list = if jsonb {
                    crate::json::JSONB_AGG
                } else {
                    crate::json::JSON_AGG
                };
                *expr = call(list, Expr::Function(aggregate));
            }
            // `json_object_agg(k, v ...)` is `array_agg(make_array(k::text, to_json(v)) ...)`
            // laid out as one object; the ORDER BY, DISTINCT, FILTER and OVER stay with the
            // aggregate, and each pair stays whole.
            Expr::Function(f)
                if unqualified(&f.name)
                    .is_some_and(|n| n == "json_object_agg" || n == "jsonb_object_agg")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let jsonb = unqualified(&f.name).as_deref() == Some("jsonb_object_agg");
                let mut aggregate = as_array_agg(f);
                if let ast::FunctionArguments::List(list) = &mut aggregate.args
                    && let [
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(key)),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(value)),
                    ] = list.args.as_slice()
                {
                    let key = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(key.clone()),
                        data_type: ast::DataType::Text,
                        array: false,
                        format: None,
                    };
                    let value = call(if jsonb { "to_jsonb" } else { "to_json" }, value.clone());
                    list.args = vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(
                        call_with("make_array", vec![key, value]),
                    ))];
                    let pairs = if jsonb {
                        crate::json::JSONB_OBJECT_AGG
                    } else {
                        crate::json::JSON_OBJECT_AGG
                    };
                    *expr = call(pairs, Expr::Function(aggregate));
                }
            }
            // JSON's and text's set-returning functions are `unnest` of a list of their rows.
            Expr::Function(f)
                if matches!(&f.args, ast::FunctionArguments::List(l) if !l.args.is_empty())
                    && f.over.is_none()
                    && unqualified(&f.name).is_some_and(|n| list_of_rows(&n).is_some()) =>
            {
                let Some((lister, typed)) = unqualified(&f.name).and_then(|n| list_of_rows(&n))
                else {
                    return ControlFlow::Continue(());
                };
                let mut list = f.clone();
                list.name = object_name(&lister);
                let rows = call("unnest", Expr::Function(list));
                *expr = match typed {
                    Some(json_in) => call(json_in, rows),
                    None => rows,
                };
            }
            // `x LIKE p ESCAPE e` is `x LIKE like_escape(p, e)`, escaped by a backslash, the
            // only escape DataFusion takes.
            Expr::Like {
                pattern,
                escape_char: escape @ Some(_),
                ..
            }
            | Expr::ILike {
                pattern,
                escape_char: escape @ Some(_),
                ..
            } if escape.as_ref().is_some_and(|e| {
                !matches!(&e.value, Value::SingleQuotedString(s) if s == "\\")
            }) =>
            {
                let Some(escape) = escape.take() else {
                    return ControlFlow::Continue(());
                };
                let written = std::mem::replace(pattern.as_mut(), Expr::value(Value::Null));
                **pattern = call_with(
                    crate::postgres::LIKE_ESCAPE,
                    vec![written, Expr::Value(escape)],
                );
            }
            // `x SIMILAR TO p` is `x ~ similar_to_escape(p)`, PostgreSQL's own reading.
            Expr::SimilarTo {
                negated,
                expr: value,
                pattern,
                escape_char,
            } => {
                let mut args = vec![std::mem::replace(
                    pattern.as_mut(),
                    Expr::value(Value::Null),
                )];
                if let Some(escape) = escape_char {
                    args.push(Expr::Value(escape.clone()));
                }
                let value = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
                *expr = Expr::BinaryOp {
                    left: Box::new(value),
                    op: if *negated {
                        ast::BinaryOperator::PGRegexNotMatch
                    } else {
                        ast::BinaryOperator::PGRegexMatch
                    },
                    right: Box::new(call_with(crate::postgres::SIMILAR_TO_ESCAPE, args)),
                };
            }
            // `array_lower(a, d)` is 1, DriftDB's arrays starting there, or NULL where the
            // array has no dimension `d` (an empty one has none).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array_lower")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let mut length = Expr::Function(f.clone());
                if let Expr::Function(g) = &mut length {
                    g.name = object_name("array_length");
                }
                *expr = Expr::Case {
                    case_token: ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![ast::CaseWhen {
                        condition: Expr::IsNotNull(Box::new(length)),
                        result: Expr::value(Value::Number("1".into(), false)),
                    }],
                    else_result: None,
                };
            }
            // `mod(a, b)` is `a % b`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("mod")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                if let [
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(a)),
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(b)),
                ] = list.args.as_slice()
                {
                    *expr = Expr::Nested(Box::new(Expr::BinaryOp {
                        left: Box::new(Expr::Nested(Box::new(a.clone()))),
                        op: ast::BinaryOperator::Modulo,
                        right: Box::new(Expr::Nested(Box::new(b.clone()))),
                    }));
                }
            }
            // PostgreSQL's names of functions DataFusion has under others.
            Expr::Function(f)
                if unqualified(&f.name)
                    .is_some_and(|n| SYNONYMS.iter().any(|(name, _)| *name == n)) =>
            {
                if let Some((_, theirs)) =
                    unqualified(&f.name).and_then(|n| SYNONYMS.iter().find(|(name, _)| *name == n))
                {
                    f.name = object_name(theirs);
                }
            }
            // `to_timestamp(text, template)` and `to_date(text, template)` read PostgreSQL's
            // templates (DataFusion's read chrono's; their one-argument forms stay).
            Expr::Function(f)
                if matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2)
                    && matches!(
                        unqualified(&f.name).as_deref(),
                        Some("to_timestamp" | "to_date")
                    ) =>
            {
                let ours = match unqualified(&f.name).as_deref() {
                    Some("to_date") => crate::postgres::TO_DATE,
                    _ => crate::postgres::TO_TIMESTAMP,
                };
                f.name = object_name(ours);
            }
            // `age(t)` is `age(current_date, t)`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some(crate::interval::functions::AGE)
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 1) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    let today = Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(call_with("current_date", vec![])),
                        data_type: ast::DataType::Timestamp(None, ast::TimezoneInfo::None),
                        array: false,
                        format: None,
                    };
                    list.args.insert(
                        0,
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(today)),
                    );
                }
            }
            // `row_to_json(r)` is `to_json(r)`; `row_to_json(r, false)` too (`true` asks for
            // line breaks DriftDB does not write).
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("row_to_json")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if l.args.len() == 1
                            || l.args.len() == 2 && matches!(l.args.get(1),
                                Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))))
                                    if matches!(v.value, Value::Boolean(false)))) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    list.args.truncate(1);
                }
                f.name = object_name("to_json");
            }
            // `array_fill(v, ARRAY[a, b])` nests as many lists as the ARRAY has elements;
            // see `crate::postgres::array_fill`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("array_fill")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if matches!(l.args.len(), 2 | 3)
                            && matches!(l.args.get(1),
                                Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(_)))))) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args
                    && let Some(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Array(
                        dims,
                    )))) = list.args.get(1)
                {
                    let count = Expr::value(Value::Number(dims.elem.len().to_string(), false));
                    list.args
                        .push(ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(count)));
                    f.name = object_name(crate::postgres::ARRAY_FILL);
                }
            }
            // Dimensions given another way cannot be counted before planning.
            Expr::Function(f) if unqualified(&f.name).as_deref() == Some("array_fill") => {
                self.refused = Some(refusal(
                    "array_fill's dimensions must be written as ARRAY[...]".to_string(),
                ));
                return ControlFlow::Break(());
            }
            // `make_interval(days => 10)`: its parts by position, the missing ones 0.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("make_interval")
                    && matches!(&f.args, ast::FunctionArguments::List(l)
                        if l.args.iter().any(|a| argument_name(a).is_some())) =>
            {
                if let ast::FunctionArguments::List(list) = &mut f.args {
                    make_interval_arguments(&mut list.args);
                }
            }
            // `generate_subscripts(a, d)` is the subscripts of dimension d, one row each:
            // `unnest(generate_series(1, array_length(a, d)))`.
            Expr::Function(f)
                if unqualified(&f.name).as_deref() == Some("generate_subscripts")
                    && matches!(&f.args, ast::FunctionArguments::List(l) if l.args.len() == 2) =>
            {
                let ast::FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                let args: Vec<Expr> = list
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e.clone()),
                        _ => None,
                    })
                    .collect();
                if args.len() == 2 {
                    let length = call_with("array_length", args);
                    let one = Expr::value(Value::Number("1".into(), false));
                    *expr = call(
                        "unnest",
                        call_with(crate::postgres::SERIES, vec![one, length]),
                    );
                }
            }
            Expr::Function(f) => {
                if let [schema, _] = f.name.0.as_slice()
                    && schema
                        .as_ident()
                        .is_some_and(|s| s.value.eq_ignore_ascii_case("pg_catalog"))
                {
                    f.name.0.remove(0);
                }
            }
            // Nor a UUID type: a cast to uuid checks the text and gives its normal form.
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Uuid,
                ..
            } => {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::UUID_IN, value);
            }
            // DataFusion has no JSON types: a cast to one checks the text (and for jsonb
            // normalizes it); see `crate::json`.
            Expr::Cast {
                expr: inner,
                data_type: data_type @ (ast::DataType::JSON | ast::DataType::JSONB),
                ..
            } => {
                let function = json_in(data_type);
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(function, value);
            }
            // A cast to varchar(n) cuts the text to n characters (storing too long a text
            // is still 22001): `left(CAST(x AS TEXT), n)`.
            Expr::Cast {
                expr: inner,
                data_type:
                    ast::DataType::Varchar(Some(ast::CharacterLength::IntegerLength { length, .. }))
                    | ast::DataType::CharacterVarying(Some(ast::CharacterLength::IntegerLength {
                        length,
                        ..
                    })),
                ..
            } => {
                let length = *length;
                *expr = text_with_length("left", inner, length);
            }
            // A cast to character(n) cuts the text to n characters and types it
            // character(n), which shows blank-padded; see `crate::postgres::bpchar`.
            Expr::Cast {
                expr: inner,
                data_type: ast::DataType::Char(length) | ast::DataType::Character(length),
                ..
            } => {
                let length = match length {
                    Some(ast::CharacterLength::IntegerLength { length, .. }) => *length,
                    None => 1,
                    Some(ast::CharacterLength::Max) => return ControlFlow::Continue(()),
                };
                *expr = text_with_length(crate::postgres::BPCHAR_IN, inner, length);
            }
            // A cast to an unconstrained numeric keeps its value's scale, as PostgreSQL's
            // does; see `crate::postgres::numeric`. A parameter's cast stays, typing it.
            Expr::Cast {
                kind: ast::CastKind::Cast | ast::CastKind::DoubleColon,
                expr: inner,
                data_type:
                    ast::DataType::Numeric(ast::ExactNumberInfo::None)
                    | ast::DataType::Decimal(ast::ExactNumberInfo::None)
                    | ast::DataType::Dec(ast::ExactNumberInfo::None),
                format: None,
                ..
            } if !matches!(inner.as_ref(), Expr::Value(v) if matches!(v.value, Value::Placeholder(_))) =>
            {
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = call(crate::postgres::NUMERIC_IN, value);
            }
            Expr::TypedString(typed)
                if matches!(
                    typed.data_type,
                    ast::DataType::Numeric(ast::ExactNumberInfo::None)
                        | ast::DataType::Decimal(ast::ExactNumberInfo::None)
                ) =>
            {
                *expr = call(
                    crate::postgres::NUMERIC_IN,
                    Expr::Value(typed.value.clone()),
                );
            }
            // `uuid '...'` is a cast of the text, which checks it.
            Expr::TypedString(typed) if matches!(typed.data_type, ast::DataType::Uuid) => {
                *expr = call(crate::postgres::UUID_IN, Expr::Value(typed.value.clone()));
            }
            // So are `inet '...'` and `cidr '...'`.
            Expr::TypedString(typed) if network_in(&typed.data_type).is_some() => {
                if let Some(function) = network_in(&typed.data_type) {
                    *expr = call(function, Expr::Value(typed.value.clone()));
                }
            }
            Expr::TypedString(typed)
                if matches!(typed.data_type, ast::DataType::JSON | ast::DataType::JSONB) =>
            {
                let function = json_in(&typed.data_type);
                *expr = call(function, Expr::Value(typed.value.clone()));
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                // `oid[]` is an array of numbers, as `oid` is a number.
                if let Some(element) = array_element(data_type)
                    && let ast::DataType::Custom(name, modifiers) = element
                    && modifiers.is_empty()
                    && unqualified(name)
                        .is_some_and(|n| matches!(n.as_str(), "oid" | "regproc" | "xid"))
                {
                    *element = ast::DataType::BigInt(None);
                    return ControlFlow::Continue(());
                }
                let ast::DataType::Custom(name, modifiers) = data_type else {
                    return ControlFlow::Continue(());
                };
                if !modifiers.is_empty() {
                    return ControlFlow::Continue(());
                }
                let Some(type_name) = unqualified(name) else {
                    return ControlFlow::Continue(());
                };
                let value = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                *expr = match type_name.as_str() {
                    "regclass" if is_text_literal(&value) => call(REGCLASS_OID, value),
                    "regclass" => call(REGCLASS_NAME, value),
                    "regtype" => call(REGTYPE_NAME, value),
                    "regnamespace" => call(REGNAMESPACE_NAME, value),
                    // A cast to a network type reads (or converts) the value.
                    "inet" | "cidr" => match network_in(data_type) {
                        Some(function) => call(function, value),
                        None => return ControlFlow::Continue(()),
                    },
                    "oid" | "regproc" | "xid" => Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(value),
                        data_type: ast::DataType::BigInt(None),
                        array: false,
                        format: None,
                    },
                    "name" | "text" | "char" | "varchar" => Expr::Cast {
                        kind: ast::CastKind::Cast,
                        expr: Box::new(value),
                        data_type: ast::DataType::Text,
                        array: false,
                        format: None,
                    },
                    // `pg_catalog.int2` and the like: the built-in types by their own names.
                    builtin @ ("int2" | "int4" | "int8" | "bool" | "float4" | "float8") => {
                        Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(value),
                            data_type: match builtin {
                                "int2" => ast::DataType::SmallInt(None),
                                "int4" => ast::DataType::Int(None),
                                "int8" => ast::DataType::BigInt(None),
                                "bool" => ast::DataType::Boolean,
                                "float4" => ast::DataType::Real,
                                _ => ast::DataType::DoublePrecision,
                            },
                            array: false,
                            format: None,
                        }
                    }
                    _ => {
                        **inner = value;
                        return ControlFlow::Continue(());
                    }
                };
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// `pg_type` has no domains (DriftDB has no `CREATE DOMAIN`), so a `CASE` branch taken
/// only for a domain type (`WHEN t.typtype = 'd'`) never runs; it is removed, which spares
/// DataFusion what such branches hold and it cannot plan: asyncpg's type introspection
/// looks a domain's base type up with a recursive CTE correlated to the outer row.
fn drop_domain_branches(expr: &mut Expr) {
    let Expr::Case {
        operand: None,
        conditions,
        else_result,
        ..
    } = expr
    else {
        return;
    };
    let is_domain_test = |e: &Expr| match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let column = match left.as_ref() {
                Expr::Identifier(i) => Some(i),
                Expr::CompoundIdentifier(parts) => parts.last(),
                _ => None,
            };
            column.is_some_and(|c| c.value.eq_ignore_ascii_case("typtype"))
                && matches!(right.as_ref(), Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(d), ..
                }) if d == "d")
        }
        _ => false,
    };
    conditions.retain(|when| !is_domain_test(&when.condition));
    if conditions.is_empty() {
        *expr = match else_result.take() {
            Some(otherwise) => *otherwise,
            None => Expr::value(Value::Null),
        };
    }
}

/// The element type of an array type (of its innermost arrays, for `t[][]`).
fn array_element(t: &mut ast::DataType) -> Option<&mut ast::DataType> {
    let ast::DataType::Array(
        ast::ArrayElemTypeDef::SquareBracket(element, _)
        | ast::ArrayElemTypeDef::AngleBracket(element)
        | ast::ArrayElemTypeDef::Parenthesis(element),
    ) = t
    else {
        return None;
    };
    if matches!(**element, ast::DataType::Array(_)) {
        array_element(element)
    } else {
        Some(element)
    }
}

/// Whether `query` is a `SELECT` [`fold_empty_selects`] emptied.
fn is_folded(query: &Query) -> bool {
    matches!(query.body.as_ref(), SetExpr::Select(_)) && all_folded(&query.body)
}

/// Whether every `SELECT` of `body` is one [`fold_empty_selects`] emptied.
fn all_folded(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(select) => {
            select.from.is_empty()
                && matches!(
                    select.selection,
                    Some(Expr::Value(ValueWithSpan {
                        value: Value::Boolean(false),
                        ..
                    }))
                )
        }
        SetExpr::SetOperation { left, right, .. } => all_folded(left) && all_folded(right),
        _ => false,
    }
}

/// `(SELECT max(x) FROM ...)` for `(SELECT x FROM ...)`; see [`rewrite`].
fn aggregate_scalar_subquery(query: &mut Query) {
    // `... ORDER BY k LIMIT 1` is the value of the first row in that order: `first_value`
    // ordered by k.
    let first_in_order = match (&query.order_by, &query.limit_clause) {
        (
            Some(ast::OrderBy {
                kind: ast::OrderByKind::Expressions(order),
                ..
            }),
            Some(ast::LimitClause::LimitOffset {
                limit: Some(limit),
                offset: None,
                limit_by,
            }),
        ) if limit_by.is_empty() && limit.to_string() == "1" => Some(order.clone()),
        (None, None) => None,
        _ => return,
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    if !select.group_by_is_empty() || has_aggregate(select) || select.from.is_empty() {
        return;
    }
    if let [item] = select.projection.as_mut_slice() {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e.clone(), None),
            SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), Some(alias.clone())),
            _ => return,
        };
        let name = alias.unwrap_or_else(|| {
            Ident::new(crate::naming::figure_name(&expr).unwrap_or_else(|| "?column?".into()))
        });
        let aggregate = match first_in_order {
            None => call("max", expr),
            Some(order) => {
                let mut first = call("first_value", expr);
                if let Expr::Function(f) = &mut first
                    && let ast::FunctionArguments::List(list) = &mut f.args
                {
                    list.clauses
                        .push(ast::FunctionArgumentClause::OrderBy(order));
                }
                query.order_by = None;
                query.limit_clause = None;
                first
            }
        };
        *item = SelectItem::ExprWithAlias {
            expr: aggregate,
            alias: name,
        };
    }
}

/// The names a subquery's `FROM` items go by.
fn local_names(select: &ast::Select) -> Vec<String> {
    select
        .from
        .iter()
        .flat_map(|f| std::iter::once(&f.relation).chain(f.joins.iter().map(|j| &j.relation)))
        .filter_map(|factor| match factor {
            TableFactor::Table { name, alias, .. } => Some(match alias {
                Some(a) => a.name.value.to_lowercase(),
                None => unqualified(name)?,
            }),
            _ => None,
        })
        .collect()
}

/// Whether a subquery's SELECT list names a column of an outer query.
fn selects_outer_columns(query: &Query) -> bool {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    let local = local_names(select);
    let mut outer = false;
    let _ = ast::visit_expressions(&select.projection, |e| {
        if let Expr::CompoundIdentifier(parts) = e
            && parts.len() >= 2
            && !local.contains(&parts[parts.len() - 2].value.to_lowercase())
        {
            outer = true;
        }
        ControlFlow::<()>::Continue(())
    });
    outer
}

/// Takes out of a subquery's `WHERE` the conditions on outer columns only (psql's
/// `AND a.atthasdef`), which DataFusion cannot decorrelate, and returns them: the
/// subquery then runs only where they hold (`CASE WHEN ... THEN (subquery) END`).
fn take_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    let local = local_names(select);
    let selection = select.selection.take()?;
    let mut conjuncts = Vec::new();
    split_and(selection, &mut conjuncts);
    let (outer, inner): (Vec<Expr>, Vec<Expr>) = conjuncts
        .into_iter()
        .partition(|c| refers_only_outside(c, &local));
    select.selection = join_and(inner);
    join_and(outer)
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(*inner, out);
        }
        other => out.push(other),
    }
}

fn join_and(exprs: Vec<Expr>) -> Option<Expr> {
    exprs.into_iter().reduce(|a, b| Expr::BinaryOp {
        left: Box::new(a),
        op: BinaryOperator::And,
        right: Box::new(b),
    })
}

/// Whether every column `expr` names is qualified by a name not in `local`, and it names
/// at least one.
fn refers_only_outside(expr: &Expr, local: &[String]) -> bool {
    let mut columns = 0;
    let mut outside = true;
    let _ = ast::visit_expressions(expr, |e| {
        match e {
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                columns += 1;
                // `t.c` or `schema.t.c`: the table is the part before the column.
                outside &= !local.contains(&parts[parts.len() - 2].value.to_lowercase());
            }
            Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } => outside = false,
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    outside && columns > 0
}

/// `ARRAY(subquery)` as PostgreSQL's text form of the array: `{a,b}`.
fn array_text(query: Query) -> Expr {
    let sql = format!(
        "(SELECT '{{' || coalesce(string_agg(CAST(__element AS TEXT), ','), '') || '}}' FROM ({query}) AS __array(__element))"
    );
    match crate::parse(&format!("SELECT {sql}"))
        .ok()
        .and_then(|mut s| s.pop())
    {
        Some(crate::Statement::Sql(parsed)) => match parsed.statement {
            Statement::Query(q) => match *q.body {
                SetExpr::Select(select) => match select.projection.into_iter().next() {
                    Some(SelectItem::UnnamedExpr(e)) => e,
                    _ => Expr::value(Value::SingleQuotedString("{}".into())),
                },
                _ => Expr::value(Value::SingleQuotedString("{}".into())),
            },
            _ => Expr::value(Value::SingleQuotedString("{}".into())),
        },
        _ => Expr::value(Value::SingleQuotedString("{}".into())),
    }
}

/// `FETCH { FIRST | NEXT } [n] { ROW | ROWS } ONLY` (the standard's `LIMIT`, which
/// Hibernate 6 writes for PostgreSQL) as `LIMIT n`, `n` 1 if left out; beside an `OFFSET`,
/// as PostgreSQL allows. `WITH TIES` and `PERCENT` are refused (0A000).
fn fetch_as_limit(query: &mut Query) -> crate::Result<()> {
    let Some(fetch) = query.fetch.take() else {
        return Ok(());
    };
    if fetch.with_ties || fetch.percent {
        return Err(refusal(format!("{fetch} is not supported")));
    }
    let count = fetch
        .quantity
        .unwrap_or_else(|| Expr::value(Value::Number("1".into(), false)));
    match &mut query.limit_clause {
        None => {
            query.limit_clause = Some(ast::LimitClause::LimitOffset {
                limit: Some(count),
                offset: None,
                limit_by: Vec::new(),
            });
        }
        Some(ast::LimitClause::LimitOffset {
            limit: limit @ None,
            ..
        }) => *limit = Some(count),
        Some(_) => {
            return Err(crate::Error::Execution {
                message: "syntax error: LIMIT and FETCH in one query".to_string(),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
    }
    Ok(())
}

/// Replaces each `SELECT` of `body` that inner-joins an always-empty catalog with one of
/// no rows and the same column names.
fn fold_empty_selects(body: &mut SetExpr) {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            fold_empty_selects(left);
            fold_empty_selects(right);
        }
        SetExpr::Select(select) => {
            let empty_join = select.from.iter().any(|from| {
                is_empty_catalog(&from.relation)
                    || from.joins.iter().any(|join| {
                        matches!(
                            join.join_operator,
                            ast::JoinOperator::Join(_)
                                | ast::JoinOperator::Inner(_)
                                | ast::JoinOperator::CrossJoin(_)
                        ) && is_empty_catalog(&join.relation)
                    })
            });
            if !empty_join || !select.group_by_is_empty() || has_aggregate(select) {
                return;
            }
            // The names the items had, for a query that reads them (a CTE's anchor names its
            // columns); unique, as DataFusion insists, with `columnN` for the rest.
            // PostgreSQL's are put back on the result (`crate::naming`).
            let mut used = std::collections::HashSet::new();
            let projection = select
                .projection
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let named = match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias.clone()),
                        SelectItem::UnnamedExpr(Expr::Identifier(ident)) => Some(ident.clone()),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            parts.last().cloned()
                        }
                        _ => None,
                    };
                    let alias = named
                        .filter(|ident| used.insert(crate::session::ddl::ident_name(ident)))
                        .unwrap_or_else(|| Ident::new(format!("column{}", i + 1)));
                    SelectItem::ExprWithAlias {
                        expr: Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(Expr::value(Value::Null)),
                            data_type: ast::DataType::Text,
                            array: false,
                            format: None,
                        },
                        alias,
                    }
                })
                .collect();
            select.projection = projection;
            select.from.clear();
            select.selection = Some(Expr::value(Value::Boolean(false)));
            select.having = None;
            select.distinct = None;
        }
        _ => {}
    }
}

fn is_empty_catalog(factor: &TableFactor) -> bool {
    match factor {
        TableFactor::Table { name, .. } => unqualified(name).is_some_and(|n| always_empty(&n)),
        _ => false,
    }
}

trait GroupBy {
    fn group_by_is_empty(&self) -> bool;
}

impl GroupBy for ast::Select {
    fn group_by_is_empty(&self) -> bool {
        match &self.group_by {
            ast::GroupByExpr::Expressions(exprs, _) => exprs.is_empty(),
            ast::GroupByExpr::All(_) => false,
        }
    }
}

/// Whether the select list calls an aggregate (a `SELECT count(*)` of nothing still has
/// one row).
fn has_aggregate(select: &ast::Select) -> bool {
    const AGGREGATES: [&str; 9] = [
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "array_agg",
        "string_agg",
        "bool_and",
        "bool_or",
    ];
    crate::recursive::calls_aggregate(select, &|name| {
        unqualified(name).is_some_and(|n| AGGREGATES.contains(&n.as_str()))
    })
}
