//! Prepared statements for the wire protocol's extended query: what a statement takes
//! (`$1`, `$2` ... and their types, as far as they can be inferred) and returns, and running
//! it with bound values.
//!
//! Parameter types come from DataFusion's planner for queries (`WHERE id = $1` makes `$1`
//! the type of `id`), from the target columns for `INSERT ... VALUES ($1, ...)`, and from
//! the column a parameter is assigned to or compared with for `UPDATE` and `DELETE`. A bound
//! value becomes a literal in the statement's syntax tree, cast to its parameter's type, so
//! the statement then runs exactly as if it had been written with that literal.
//!
//! A parameter is described by a field, not only an Arrow type: the field of a `uuid`,
//! `inet` or `json` column says so ([`crate::pg_types::PG_TYPE`]), and a driver that binds by
//! the described type (asyncpg) then sends a `UUID` object as a uuid, not as text.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::{LazyLock, Mutex};

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType as Arrow, Field, FieldRef, SchemaRef};
use driftdb_projector::{Column, DataType};
use sqlparser::ast::{self, Expr, Statement as Ast, visit_expressions, visit_expressions_mut};

use super::Session;
use super::dml::{returning, target_table};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::error::{execution, unsupported};
use crate::outcome::Outcome;
use crate::parser::Statement;
use crate::schemas::{ident_name, table_name};
use driftdb_log::sync::Recover;

/// What a prepared statement takes and returns.
#[derive(Debug, Clone)]
pub struct Description {
    /// The type of `$1`, `$2` ... as an unnamed, nullable field (whose metadata names a
    /// PostgreSQL type Arrow's does not tell); `None` where it cannot be inferred.
    pub parameters: Vec<Option<FieldRef>>,
    /// The columns of its rows; `None` for a statement without rows.
    pub columns: Option<SchemaRef>,
    /// The statement as parsed, for [`Session::execute_bound_statement`]: a statement run
    /// many times is parsed once.
    pub statement: Statement,
}

/// A value bound to a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// A bound parameter: its value and the SQL type to cast it to (`None`: untyped text).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub value: ParamValue,
    pub sql_type: Option<String>,
}

/// Rewrites `x = ANY($n)` (and `ALL`) in the statement being described into `x = $n`, so
/// that `$n` is inferred as `x`'s type, as an element is; returns those `n`.
fn compare_elements(statement: &mut Ast) -> Vec<usize> {
    let mut found = Vec::new();
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::AnyOp {
            left,
            compare_op,
            right,
            ..
        }
        | Expr::AllOp {
            left,
            compare_op,
            right,
        } = e
            && let Some(n) = placeholder_number(right)
        {
            found.push(n);
            *e = Expr::BinaryOp {
                left: left.clone(),
                op: compare_op.clone(),
                right: right.clone(),
            };
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// A parameter of Arrow type `t`.
fn parameter(t: Arrow) -> FieldRef {
    Arc::new(Field::new("", t, true))
}

/// A parameter that takes the values of a column of type `t`.
fn column_parameter(t: &DataType) -> FieldRef {
    Arc::new(crate::arrow::field(&Column::new("", t.clone(), true)))
}

/// The Arrow type of an array type of a column type or `oid` (`bigint[]`, `text[][]`,
/// `oid[]`).
fn array_type(t: &ast::DataType) -> Option<Arrow> {
    let ast::DataType::Array(ast::ArrayElemTypeDef::SquareBracket(element, _)) = t else {
        return None;
    };
    let element = match crate::column_type::data_type(element) {
        Ok(t) => crate::arrow::element_field(&t),
        Err(_) if is_oid(element) => Field::new_list_field(Arrow::UInt32, true),
        Err(_) => Field::new_list_field(array_type(element)?, true),
    };
    Some(Arrow::List(Arc::new(element)))
}

/// Whether `t` is `oid` (which the statement rewrite, `rewrite.rs`, makes `BIGINT`).
fn is_oid(t: &ast::DataType) -> bool {
    matches!(t, ast::DataType::Custom(name, _) if name.to_string().eq_ignore_ascii_case("oid"))
}

fn placeholder_number(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Value(v) => match &v.value {
            ast::Value::Placeholder(p) => p.strip_prefix('$')?.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The highest `$n` of a statement.
fn parameter_count(statement: &Ast) -> usize {
    let mut count = 0;
    let _ = visit_expressions(statement, |e| {
        if let Some(n) = placeholder_number(e) {
            count = count.max(n);
        }
        ControlFlow::<()>::Continue(())
    });
    count
}

/// Replaces each `$n` of `statement` with `values[n - 1]`.
fn bind_placeholders(statement: &mut Ast, values: &[Expr]) -> Result<()> {
    let mut missing = None;
    let _ = visit_expressions_mut(statement, |e| {
        if let Some(n) = placeholder_number(e) {
            match values.get(n.wrapping_sub(1)) {
                Some(value) => *e = value.clone(),
                None => missing = Some(n),
            }
        }
        ControlFlow::<()>::Continue(())
    });
    match missing {
        Some(n) => Err(Error::Execution {
            message: format!("there is no parameter ${n}: {} were bound", values.len()),
            sqlstate: SqlState::PROTOCOL_VIOLATION,
        }),
        None => Ok(()),
    }
}

/// A statement `PREPARE` kept, for `EXECUTE`.
#[derive(Debug, Clone)]
pub(super) struct SqlPrepared {
    statement: Ast,
    /// The declared parameter types (may be fewer than the parameters).
    data_types: Vec<ast::DataType>,
    /// How many parameters `EXECUTE` must give.
    count: usize,
}

fn only_statement(statements: Vec<Statement>) -> Result<Statement> {
    let mut statements = statements.into_iter();
    match (statements.next(), statements.next()) {
        (Some(statement), None) => Ok(statement),
        (None, _) => Err(unsupported("an empty prepared statement")),
        (Some(_), Some(_)) => Err(Error::Syntax {
            message: "cannot insert multiple commands into a prepared statement".to_string(),
            position: None,
        }),
    }
}

impl Session {
    /// Describes the one statement of `sql`.
    pub async fn describe(&mut self, sql: &str) -> Result<Description> {
        let parsed = only_statement(self.parse(sql)?)?;
        let Statement::Sql(sql) = &parsed else {
            return Ok(Description {
                parameters: Vec::new(),
                columns: None,
                statement: parsed,
            });
        };
        let mut statement = sql.statement.clone();
        self.resolve_sql(&mut statement, &self.snapshot())?;
        self.expand_views(&mut statement)?;
        let count = parameter_count(&statement);
        let mut known: BTreeMap<usize, FieldRef> = BTreeMap::new();
        // `$1::int` is an int, as PostgreSQL infers it.
        let _ = visit_expressions(&statement, |e| {
            if let Expr::Cast {
                expr, data_type, ..
            } = e
                && let Some(n) = placeholder_number(expr)
            {
                if let Ok(t) = crate::column_type::data_type(data_type) {
                    known.insert(n, column_parameter(&t));
                } else if let Some(t) = array_type(data_type) {
                    known.insert(n, parameter(t));
                } else if is_oid(data_type) {
                    // An object id is a `UInt32`, as in the catalogs, so it is described as
                    // `oid` (asyncpg sends an `oid`, not an `int8`, for it).
                    known.insert(n, parameter(Arrow::UInt32));
                }
            }
            ControlFlow::<()>::Continue(())
        });
        let elements_compared = compare_elements(&mut statement);
        let snapshot = self.snapshot();
        let point = self.point_describe(&statement, &snapshot);
        let columns = match (&mut statement, point) {
            (Ast::Query(_), Some((parameters, columns))) => {
                for (n, t) in parameters {
                    known.entry(n).or_insert(t);
                }
                Some(columns)
            }
            (Ast::Query(_) | Ast::Explain { .. }, _) => {
                let names = crate::naming::PgNames::of(&mut statement);
                let engine = self.query_engine(&mut statement, &snapshot)?;
                let plan = engine
                    .plan_statement(statement.clone())
                    .await
                    .map_err(execution)?;
                for (name, t) in plan.get_parameter_fields().map_err(execution)? {
                    if let (Some(n), Some(t)) =
                        (name.strip_prefix('$').and_then(|n| n.parse().ok()), t)
                    {
                        known.entry(n).or_insert(t);
                    }
                }
                Some(crate::naming::pg_schema(
                    &names,
                    &engine.result_schema(&plan).map_err(execution)?,
                ))
            }
            (Ast::Insert(insert), _) => {
                let ast::TableObject::TableName(name) = &insert.table else {
                    return Err(unsupported("INSERT into a table function"));
                };
                let table = table_name(name)?;
                let schema = self.schema_at(&table, &snapshot)?;
                let targets: Vec<usize> = if insert.columns.is_empty() {
                    (0..schema.columns().len()).collect()
                } else {
                    insert
                        .columns
                        .iter()
                        .filter_map(|c| c.0.last().and_then(|p| p.as_ident()))
                        .filter_map(|i| schema.column_index(&ident_name(i)))
                        .collect()
                };
                if let Some(source) = &insert.source
                    && let ast::SetExpr::Values(values) = source.body.as_ref()
                {
                    for row in &values.rows {
                        for (expr, &column) in row.iter().zip(&targets) {
                            if let Some(n) = placeholder_number(expr) {
                                known.insert(
                                    n,
                                    column_parameter(&schema.columns()[column].data_type),
                                );
                            }
                        }
                    }
                }
                let qualifier = insert
                    .table_alias
                    .as_ref()
                    .map_or_else(|| table.clone(), |a| ident_name(&a.alias));
                match &insert.returning {
                    Some(items) => Some(returning(&qualifier, &schema, &[], items).await?.schema),
                    None => None,
                }
            }
            (Ast::Update(update), _) => {
                let (table, qualifier) = target_table(&update.table)?;
                let schema = self.schema_at(&table, &snapshot)?;
                for assignment in &update.assignments {
                    if let ast::AssignmentTarget::ColumnName(name) = &assignment.target
                        && let Some(n) = placeholder_number(&assignment.value)
                        && let Some(i) = name
                            .0
                            .last()
                            .and_then(|p| p.as_ident())
                            .and_then(|i| schema.column_index(&ident_name(i)))
                    {
                        known.insert(n, column_parameter(&schema.columns()[i].data_type));
                    }
                    // `SET balance = balance + $1`: the parameter takes the column's type.
                    compared_columns(&assignment.value, &schema, &mut known);
                }
                if let Some(selection) = &update.selection {
                    compared_columns(selection, &schema, &mut known);
                }
                match &update.returning {
                    Some(items) => Some(returning(&qualifier, &schema, &[], items).await?.schema),
                    None => None,
                }
            }
            (Ast::Delete(delete), _) => {
                let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                    &delete.from;
                match from.as_slice() {
                    [target] => {
                        let (table, qualifier) = target_table(target)?;
                        let schema = self.schema_at(&table, &snapshot)?;
                        if let Some(selection) = &delete.selection {
                            compared_columns(selection, &schema, &mut known);
                        }
                        match &delete.returning {
                            Some(items) => {
                                Some(returning(&qualifier, &schema, &[], items).await?.schema)
                            }
                            None => None,
                        }
                    }
                    _ => None,
                }
            }
            (Ast::ShowVariable { .. }, _) => {
                // SHOW returns one text column, named after the parameter.
                let outcome = self.show_for_describe(&statement)?;
                outcome.rows.map(|r| r.schema)
            }
            _ => None,
        };
        // `x = ANY($1)` compares x with the elements of an array: `$1` is an array of what
        // was inferred for the element (see `compare_elements`), or of text when nothing was.
        for n in elements_compared {
            let t = known.entry(n).or_insert_with(|| parameter(Arrow::Utf8));
            if !matches!(t.data_type(), Arrow::List(_)) {
                let element = t
                    .as_ref()
                    .clone()
                    .with_name(Field::LIST_FIELD_DEFAULT_NAME)
                    .with_nullable(true);
                *t = parameter(Arrow::List(Arc::new(element)));
            }
        }
        // Each as an unnamed nullable field, wherever it was inferred from.
        let unnamed = |f: &FieldRef| -> FieldRef {
            Arc::new(
                Field::new("", f.data_type().clone(), true).with_metadata(f.metadata().clone()),
            )
        };
        Ok(Description {
            parameters: (1..=count).map(|n| known.get(&n).map(unnamed)).collect(),
            columns,
            statement: parsed,
        })
    }

    fn show_for_describe(&self, statement: &Ast) -> Result<Outcome> {
        match statement {
            Ast::ShowVariable { variable } => self.show(variable),
            _ => Err(unsupported("internal: not SHOW")),
        }
    }

    /// `PREPARE name [(types)] AS statement`: keeps the statement for `EXECUTE`.
    pub(super) fn prepare(
        &mut self,
        name: &ast::Ident,
        data_types: Vec<ast::DataType>,
        statement: Ast,
    ) -> Result<Outcome> {
        let name = ident_name(name);
        if self.prepared.contains_key(&name) {
            return Err(Error::Execution {
                message: format!("prepared statement \"{name}\" already exists"),
                sqlstate: SqlState::DUPLICATE_PREPARED_STATEMENT,
            });
        }
        if matches!(
            statement,
            Ast::Prepare { .. } | Ast::Execute { .. } | Ast::Deallocate { .. }
        ) {
            return Err(Error::Syntax {
                message: "PREPARE of PREPARE, EXECUTE or DEALLOCATE".to_string(),
                position: None,
            });
        }
        let count = parameter_count(&statement).max(data_types.len());
        self.prepared.insert(
            name,
            SqlPrepared {
                statement,
                data_types,
                count,
            },
        );
        Ok(Outcome::command("PREPARE", None))
    }

    /// `EXECUTE name [(values)]`: runs a prepared statement with its parameters bound.
    pub(super) async fn execute_prepared(
        &mut self,
        name: Option<&ast::ObjectName>,
        parameters: Vec<Expr>,
    ) -> Result<Outcome> {
        let name = match name.map(|n| n.0.as_slice()) {
            Some([part]) => part.as_ident().map(ident_name),
            _ => None,
        }
        .ok_or_else(|| unsupported("EXECUTE without a plain statement name"))?;
        let prepared = self.prepared.get(&name).ok_or_else(|| Error::Execution {
            message: format!("prepared statement \"{name}\" does not exist"),
            sqlstate: SqlState::INVALID_SQL_STATEMENT_NAME,
        })?;
        if parameters.len() != prepared.count {
            return Err(Error::Execution {
                message: format!(
                    "wrong number of parameters for prepared statement \"{name}\": expected {}, got {}",
                    prepared.count,
                    parameters.len()
                ),
                sqlstate: SqlState::SYNTAX_ERROR,
            });
        }
        // A declared type casts its value, as PostgreSQL coerces it.
        let values: Vec<Expr> = parameters
            .into_iter()
            .enumerate()
            .map(|(i, value)| match prepared.data_types.get(i) {
                Some(data_type) => Expr::Cast {
                    kind: ast::CastKind::DoubleColon,
                    expr: Box::new(Expr::Nested(Box::new(value))),
                    data_type: data_type.clone(),
                    array: false,
                    format: None,
                },
                None => value,
            })
            .collect();
        let mut statement = prepared.statement.clone();
        bind_placeholders(&mut statement, &values)?;
        Box::pin(
            self.run(Statement::Sql(Box::new(crate::parser::SqlStatement {
                statement,
                temporal: Default::default(),
                overriding: None,
            }))),
        )
        .await
    }

    /// `DEALLOCATE [PREPARE] name | ALL`.
    pub(super) fn deallocate(&mut self, name: &ast::Ident) -> Result<Outcome> {
        let name_text = ident_name(name);
        if name.quote_style.is_none() && name_text == "all" {
            self.prepared.clear();
            // PostgreSQL's tag, which psycopg watches for to forget its own prepared
            // statements.
            return Ok(Outcome::command("DEALLOCATE ALL", None));
        }
        if self.prepared.remove(&name_text).is_none() {
            return Err(Error::Execution {
                message: format!("prepared statement \"{name_text}\" does not exist"),
                sqlstate: SqlState::INVALID_SQL_STATEMENT_NAME,
            });
        }
        Ok(Outcome::command("DEALLOCATE", None))
    }

    /// Runs the one statement of `sql` with `params` bound to `$1`, `$2` ...
    pub async fn execute_bound(&mut self, sql: &str, params: &[Param]) -> Result<Outcome> {
        let statement = only_statement(self.parse(sql)?)?;
        self.execute_bound_statement(statement, params).await
    }

    /// As [`Session::execute_bound`], for a statement already parsed (by
    /// [`Session::describe`]).
    pub async fn execute_bound_statement(
        &mut self,
        mut statement: Statement,
        params: &[Param],
    ) -> Result<Outcome> {
        if let Statement::Sql(sql) = &mut statement {
            let literals = params.iter().map(literal).collect::<Result<Vec<Expr>>>()?;
            if let Err(e) = bind_placeholders(&mut sql.statement, &literals) {
                self.fail();
                return Err(e);
            }
        }
        self.execute_statement(statement).await
    }
}

/// Parameters compared with a column (`col = $1`, `$1 < col`, `col IN ($1, $2)`,
/// `col BETWEEN $1 AND $2`) take the column's type.
fn compared_columns(
    expr: &Expr,
    schema: &driftdb_projector::TableSchema,
    known: &mut BTreeMap<usize, FieldRef>,
) {
    let column_type = |e: &Expr| {
        let name = match e {
            Expr::Identifier(i) => ident_name(i),
            Expr::CompoundIdentifier(parts) => ident_name(parts.last()?),
            _ => return None,
        };
        schema
            .column_index(&name)
            .map(|i| column_parameter(&schema.columns()[i].data_type))
    };
    let _ = visit_expressions(expr, |e| {
        match e {
            Expr::BinaryOp { left, right, .. } => {
                if let (Some(t), Some(n)) = (column_type(left), placeholder_number(right)) {
                    known.insert(n, t);
                }
                if let (Some(t), Some(n)) = (column_type(right), placeholder_number(left)) {
                    known.insert(n, t);
                }
            }
            Expr::InList { expr, list, .. } => {
                if let Some(t) = column_type(expr) {
                    for n in list.iter().filter_map(placeholder_number) {
                        known.insert(n, t.clone());
                    }
                }
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                if let Some(t) = column_type(expr) {
                    for n in [low, high]
                        .into_iter()
                        .filter_map(|e| placeholder_number(e))
                    {
                        known.insert(n, t.clone());
                    }
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A bound value as a literal, cast to its SQL type when it has one.
fn literal(param: &Param) -> Result<Expr> {
    let value = match &param.value {
        ParamValue::Null => ast::Value::Null,
        ParamValue::Int(i) => ast::Value::Number(i.to_string(), false),
        ParamValue::Float(f) if f.is_finite() => ast::Value::Number(format!("{f:?}"), false),
        ParamValue::Float(f) => ast::Value::SingleQuotedString(if f.is_nan() {
            "NaN".to_string()
        } else if *f > 0.0 {
            "Infinity".to_string()
        } else {
            "-Infinity".to_string()
        }),
        ParamValue::Bool(b) => ast::Value::Boolean(*b),
        // Text PostgreSQL reads and Arrow's parsers do not (an interval's clock part, as
        // drivers send a timedelta; a timestamp without seconds); see `crate::interval`.
        ParamValue::Text(s) => ast::Value::SingleQuotedString(
            param
                .sql_type
                .as_deref()
                .and_then(crate::interval::normalizer_of)
                .and_then(|normal| normal(s))
                .unwrap_or_else(|| s.clone()),
        ),
    };
    let expr = Expr::Value(value.with_empty_span());
    let Some(sql_type) = &param.sql_type else {
        return Ok(expr);
    };
    let mut cast = cast_template(sql_type)?;
    if let Expr::Cast { expr: inner, .. } = &mut cast {
        **inner = expr;
    }
    Ok(cast)
}

/// `CAST(NULL AS sql_type)` as the parser reads it, parsed once per type name: parameters
/// name a handful of types, and parsing was most of binding's cost.
fn cast_template(sql_type: &str) -> Result<Expr> {
    /// Names remembered; past this many, further ones are parsed each time.
    const REMEMBERED: usize = 64;
    static PARSED: LazyLock<Mutex<HashMap<String, Expr>>> = LazyLock::new(Mutex::default);
    let remembered = PARSED.lock().recover().get(sql_type).cloned();
    if let Some(cast) = remembered {
        return Ok(cast);
    }
    let template = crate::parse(&format!("SELECT CAST(NULL AS {sql_type})"))?;
    if let Some(Statement::Sql(sql)) = template.into_iter().next()
        && let Ast::Query(query) = sql.statement
        && let ast::SetExpr::Select(select) = *query.body
        && let Some(ast::SelectItem::UnnamedExpr(cast @ Expr::Cast { .. })) =
            select.projection.into_iter().next()
    {
        let mut remembered = PARSED.lock().recover();
        if remembered.len() < REMEMBERED {
            remembered.insert(sql_type.to_string(), cast.clone());
        }
        return Ok(cast);
    }
    Err(unsupported(&format!("a parameter of type {sql_type}")))
}
