//! The catalog functions psql, drivers and ORMs call beside the catalogs (`format_type`,
//! `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_viewdef`, `pg_get_expr`,
//! `obj_description`, `pg_get_userbyid`, `pg_table_is_visible`, the `regclass`/`regtype`/
//! `regnamespace` lookups ...), registered per statement over the definitions that
//! [`super::register`] collected from the same snapshot.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType as Arrow;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    ColumnarValue, ScalarUDF, Signature, SimpleScalarUDF, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;

use super::system::catalog_oid;
use super::types::{BOOL, INT4, OID, TEXT};
use super::{Definitions, INFORMATION_SCHEMA, PG_CATALOG, PUBLIC, PUBLIC_OWNER_OID};
use crate::pg_types::{PgType, TYPES, format_type};

/// The functions casts to `regclass` (of a name or an oid), `regtype` and `regnamespace`
/// become (`crate::rewrite`); registered here.
pub(crate) const REGCLASS_NAME: &str = "__pg_regclass_name";
pub(crate) const REGCLASS_OID: &str = "__pg_regclass_oid";
pub(crate) const REGTYPE_NAME: &str = "__pg_regtype_name";
/// The oid of a type named as `regtype` reads it (`'int4'::regtype`), refusing unknown names.
pub(crate) const REGTYPE_OID: &str = "__pg_regtype_oid";
pub(crate) const REGNAMESPACE_NAME: &str = "__pg_regnamespace_name";

/// A scalar function of as many arguments as `inputs` names (of any types: the catalog
/// functions read ids from any integer or text), computed row by row.
pub(super) fn row_function(
    name: &str,
    inputs: Vec<Arrow>,
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> ScalarValue + Send + Sync + 'static,
) -> ScalarUDF {
    let arities = [inputs.len()];
    function_of_arities(name, &arities, output, f)
}

/// [`row_function`] taking any of `arities` arguments; `f` sees as many as were given.
pub(super) fn function_of_arities(
    name: &str,
    arities: &[usize],
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> ScalarValue + Send + Sync + 'static,
) -> ScalarUDF {
    fallible_function(name, arities, output, move |a| Ok(f(a)))
}

/// [`row_function`] whose `f` may refuse its arguments (a name that names nothing).
pub(super) fn strict_row_function(
    name: &str,
    inputs: Vec<Arrow>,
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> crate::Result<ScalarValue> + Send + Sync + 'static,
) -> ScalarUDF {
    let arities = [inputs.len()];
    fallible_function(name, &arities, output, move |a| f(a).map_err(Into::into))
}

fn fallible_function(
    name: &str,
    arities: &[usize],
    output: Arrow,
    f: impl Fn(&[Option<ScalarValue>]) -> datafusion::error::Result<ScalarValue> + Send + Sync + 'static,
) -> ScalarUDF {
    let signature = Signature::one_of(
        arities.iter().map(|&n| TypeSignature::Any(n)).collect(),
        Volatility::Stable,
    );
    let empty_type = output.clone();
    ScalarUDF::new_from_impl(SimpleScalarUDF::new_with_signature(
        name,
        signature,
        output,
        Arc::new(move |args: &[ColumnarValue]| {
            let rows = args
                .iter()
                .find_map(|a| match a {
                    ColumnarValue::Array(a) => Some(a.len()),
                    ColumnarValue::Scalar(_) => None,
                })
                .unwrap_or(1);
            let scalar_rows = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
            let mut out = Vec::with_capacity(rows);
            for row in 0..rows {
                let values: Vec<Option<ScalarValue>> = args
                    .iter()
                    .map(|a| {
                        let v = match a {
                            ColumnarValue::Scalar(s) => Ok(s.clone()),
                            ColumnarValue::Array(a) => ScalarValue::try_from_array(a, row),
                        };
                        v.ok().filter(|v| !v.is_null())
                    })
                    .collect();
                out.push(f(&values)?);
            }
            if scalar_rows {
                return Ok(ColumnarValue::Scalar(
                    out.pop().unwrap_or(ScalarValue::Utf8(None)),
                ));
            }
            if out.is_empty() {
                return Ok(ColumnarValue::Array(
                    datafusion::arrow::array::new_empty_array(&empty_type),
                ));
            }
            Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
        }),
    ))
}

/// The oid of the type `name` names, as `regtype` reads it: a `pg_type` name (`int4`,
/// `pg_catalog.int4`) or the SQL name `format_type` gives (`integer`, `character varying`),
/// either with `[]` for its array type.
fn type_oid(name: &str) -> Option<u32> {
    let name = name.trim().to_lowercase();
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    if let Some(element) = name.strip_suffix("[]") {
        return type_oid(element)
            .map(crate::pg_types::array_of)
            .filter(|&oid| oid != 0);
    }
    PgType::by_name(name)
        .or_else(|| {
            TYPES
                .iter()
                .find(|t| format_type(t.oid, None).as_deref() == Some(name))
        })
        .map(|t| t.oid)
}

/// The text of every element of `elements`, nested lists flattened, NULLs written as
/// `null` or skipped.
pub(super) fn array_elements_text(elements: &ArrayRef, null: Option<&str>, out: &mut Vec<String>) {
    for i in 0..elements.len() {
        match elements.data_type() {
            Arrow::List(_) if elements.is_valid(i) => {
                let inner = elements.as_list::<i32>().value(i);
                array_elements_text(&inner, null, out);
            }
            _ => match crate::text::format_value(elements.as_ref(), i) {
                Some(text) => out.push(text),
                None => out.extend(null.map(str::to_string)),
            },
        }
    }
}

pub(super) fn as_i64(v: &Option<ScalarValue>) -> Option<i64> {
    match v {
        Some(ScalarValue::Int64(Some(n))) => Some(*n),
        Some(ScalarValue::UInt32(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Int32(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Int16(Some(n))) => Some(i64::from(*n)),
        Some(ScalarValue::Utf8(Some(s))) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An oid argument; `None` for one no oid can be.
fn as_oid(v: &Option<ScalarValue>) -> Option<crate::pg_types::Oid> {
    as_i64(v).and_then(|n| u32::try_from(n).ok())
}

pub(super) fn as_text(v: &Option<ScalarValue>) -> Option<String> {
    match v {
        Some(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s))) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => None,
    }
}

pub(crate) fn register_functions(ctx: &SessionContext, defs: Arc<Definitions>) {
    let role_names = Arc::clone(&defs);
    ctx.register_udf(row_function("pg_get_userbyid", vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            match id {
                PUBLIC_OWNER_OID => "pg_database_owner".to_string(),
                other => role_names
                    .roles
                    .get(&other)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown (OID={other})")),
            }
        }))
    }));
    // A relation is visible where the search path shows its schema (`\\dt` lists those,
    // SQLAlchemy's `has_table` without a schema asks).
    let visible = Arc::clone(&defs);
    ctx.register_udf(row_function(
        "pg_table_is_visible",
        vec![OID],
        BOOL,
        move |a| {
            ScalarValue::Boolean(as_i64(&a[0]).map(|id| match visible.relations.get(&id) {
                Some(name) => {
                    let schema = crate::schemas::split(name).0;
                    visible.path.iter().any(|s| s == schema)
                }
                // The catalogs' own relations.
                None => true,
            }))
        },
    ));
    for name in ["pg_collation_is_visible", "pg_function_is_visible"] {
        ctx.register_udf(row_function(name, vec![OID], BOOL, |a| {
            ScalarValue::Boolean(a[0].as_ref().map(|_| true))
        }));
    }
    // An object's default privileges. DriftDB shows no `relacl`, `nspacl`... (NULL: the
    // default), so the default has nothing to say either; `pg_dump` then grants nothing.
    ctx.register_udf(row_function("acldefault", vec![TEXT, OID], TEXT, |_| {
        ScalarValue::Utf8(None)
    }));
    ctx.register_udf(row_function(
        "pg_relation_is_publishable",
        vec![OID],
        BOOL,
        |a| ScalarValue::Boolean(a[0].as_ref().map(|_| false)),
    ));
    ctx.register_udf(row_function("format_type", vec![OID, INT4], TEXT, |a| {
        ScalarValue::Utf8(
            as_oid(&a[0])
                .and_then(|t| format_type(t, as_i64(&a[1]).and_then(|m| i32::try_from(m).ok()))),
        )
    }));
    ctx.register_udf(function_of_arities("pg_get_expr", &[2, 3], TEXT, |a| {
        ScalarValue::Utf8(as_text(&a[0]))
    }));
    let indexes = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_indexdef",
        &[1, 3],
        TEXT,
        move |a| {
            let column = a.get(1).and_then(as_i64).unwrap_or(0);
            ScalarValue::Utf8(
                as_i64(&a[0])
                    .and_then(|id| indexes.indexes.get(&id))
                    .and_then(|(definition, columns)| match column {
                        0 => Some(definition.clone()),
                        n => usize::try_from(n - 1)
                            .ok()
                            .and_then(|i| columns.get(i))
                            .cloned(),
                    }),
            )
        },
    ));
    let views = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_viewdef",
        &[1, 2],
        TEXT,
        move |a| {
            let id = as_i64(&a[0]).or_else(|| {
                // `pg_get_viewdef('name')`: by name.
                match &a[0] {
                    Some(ScalarValue::Utf8(Some(name))) => views.relation_ids.get(name).copied(),
                    _ => None,
                }
            });
            ScalarValue::Utf8(id.and_then(|id| views.views.get(&id).cloned()))
        },
    ));
    let constraints = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "pg_get_constraintdef",
        &[1, 2],
        TEXT,
        move |a| {
            ScalarValue::Utf8(
                as_i64(&a[0]).and_then(|id| constraints.constraints.get(&id).cloned()),
            )
        },
    ));
    // No table is partitioned: a table's only ancestor is itself (psql's `\d` asks, in a
    // context that takes one row).
    ctx.register_udf(row_function(
        "pg_partition_ancestors",
        vec![OID],
        OID,
        |a| ScalarValue::UInt32(as_i64(&a[0]).and_then(|id| u32::try_from(id).ok())),
    ));
    ctx.register_udf(row_function("pg_encoding_to_char", vec![INT4], TEXT, |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|e| if e == 6 { "UTF8" } else { "" }.to_string()))
    }));
    // `obj_description(oid[, catalog])` and `col_description(oid, column)`: the comments.
    let descriptions = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "obj_description",
        &[1, 2],
        TEXT,
        move |a| {
            ScalarValue::Utf8(
                as_i64(&a[0]).and_then(|id| descriptions.descriptions.get(&(id, 0)).cloned()),
            )
        },
    ));
    let descriptions = Arc::clone(&defs);
    ctx.register_udf(function_of_arities(
        "col_description",
        &[2],
        TEXT,
        move |a| {
            let column = a
                .get(1)
                .and_then(as_i64)
                .and_then(|c| i32::try_from(c).ok());
            ScalarValue::Utf8(match (as_i64(&a[0]), column) {
                (Some(id), Some(column)) => descriptions.descriptions.get(&(id, column)).cloned(),
                _ => None,
            })
        },
    ));
    for (name, inputs) in [
        ("shobj_description", vec![OID, TEXT]),
        ("pg_get_statisticsobjdef_columns", vec![OID]),
    ] {
        ctx.register_udf(row_function(name, inputs, TEXT, |_| {
            ScalarValue::Utf8(None)
        }));
    }
    // `ARRAY(subquery)` is text here (`array_text`), which is its own text; a real array
    // is its elements' text joined by the delimiter, NULLs skipped or written as the third
    // argument, as in PostgreSQL.
    ctx.register_udf(function_of_arities("array_to_string", &[2, 3], TEXT, |a| {
        ScalarValue::Utf8(match &a[0] {
            Some(ScalarValue::List(list)) => as_text(&a[1]).map(|delimiter| {
                let mut parts = Vec::new();
                let null = a.get(2).and_then(as_text);
                array_elements_text(&list.value(0), null.as_deref(), &mut parts);
                parts.join(&delimiter)
            }),
            other => as_text(other),
        })
    }));
    let relations = Arc::clone(&defs);
    ctx.register_udf(row_function(REGCLASS_NAME, vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            relations
                .relations
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string())
        }))
    }));
    let relation_ids = Arc::clone(&defs);
    // `'name'::regclass`: a name that names no relation is refused, as in PostgreSQL.
    ctx.register_udf(strict_row_function(
        REGCLASS_OID,
        vec![TEXT],
        OID,
        move |a| {
            let Some(text) = as_text(&a[0]) else {
                return Ok(ScalarValue::UInt32(None));
            };
            let id = text
                .trim()
                .parse()
                .ok()
                .or_else(|| relation_oid(&relation_ids, &text));
            match id {
                Some(id) => Ok(ScalarValue::UInt32(Some(id))),
                None => Err(crate::Error::UndefinedTable {
                    name: text.trim().to_string(),
                }),
            }
        },
    ));
    // `to_regclass('name')`: the same lookup, by name only, NULL where the cast fails.
    let relation_ids = Arc::clone(&defs);
    ctx.register_udf(row_function("to_regclass", vec![TEXT], OID, move |a| {
        ScalarValue::UInt32(as_text(&a[0]).and_then(|text| relation_oid(&relation_ids, &text)))
    }));
    ctx.register_udf(row_function("to_regtype", vec![TEXT], OID, |a| {
        ScalarValue::UInt32(as_text(&a[0]).and_then(|name| type_oid(&name)))
    }));
    // `'int4'::regtype`: a name that names no type is refused, as in PostgreSQL.
    ctx.register_udf(strict_row_function(REGTYPE_OID, vec![TEXT], OID, |a| {
        let Some(name) = as_text(&a[0]) else {
            return Ok(ScalarValue::UInt32(None));
        };
        match type_oid(&name) {
            Some(oid) => Ok(ScalarValue::UInt32(Some(oid))),
            None => Err(crate::Error::Execution {
                message: format!("type \"{}\" does not exist", name.trim()),
                sqlstate: crate::SqlState::UNDEFINED_OBJECT,
            }),
        }
    }));
    ctx.register_udf(row_function(REGTYPE_NAME, vec![OID], TEXT, |a| {
        ScalarValue::Utf8(as_oid(&a[0]).and_then(|t| format_type(t, None)))
    }));
    ctx.register_udf(row_function(REGNAMESPACE_NAME, vec![OID], TEXT, move |a| {
        ScalarValue::Utf8(as_i64(&a[0]).map(|id| {
            match id {
                PG_CATALOG => "pg_catalog",
                PUBLIC => "public",
                INFORMATION_SCHEMA => "information_schema",
                _ => defs.namespaces.get(&id).map_or("-", String::as_str),
            }
            .to_string()
        }))
    }));
}

/// The oid of the relation `text` names (`name`, `schema.name`, a catalog table), if any.
fn relation_oid(defs: &Definitions, text: &str) -> Option<u32> {
    let name = match crate::schemas::parts(text.trim()).as_slice() {
        [name] => name.clone(),
        [schema, name] if schema == "pg_catalog" => name.clone(),
        [schema, name] => crate::schemas::stored(schema, name),
        _ => return None,
    };
    defs.relation_ids
        .get(&name)
        .copied()
        // The catalogs themselves (`pg_description.classoid` names `pg_class`).
        .or_else(|| catalog_oid(&name))
        .and_then(|id| u32::try_from(id).ok())
}
