//! One catalog table under construction ([`Relation`]): its columns, its rows, and the
//! typed cells the builders fill them with.

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType as Arrow, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::error::Result;

use super::system::catalog_oid;
use super::types::OID;
use crate::pg_types::with_pg_type;

/// The system column of a catalog table's rows holding the catalog's own oid.
pub(crate) const TABLEOID: &str = "tableoid";

/// One catalog relation under construction: its columns and rows.
#[derive(Clone)]
pub(super) struct Relation {
    fields: Vec<Field>,
    rows: Vec<Vec<ScalarValue>>,
}

impl Relation {
    pub(super) fn new(columns: &[(&str, Arrow)]) -> Relation {
        Relation {
            fields: columns
                .iter()
                .map(|(name, t)| Field::new(*name, t.clone(), true))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// The relation with its column `column` sent as the PostgreSQL type `pg_type`
    /// ([`with_pg_type`]): the catalogs' `int2vector` and `oidvector` are lists.
    pub(super) fn typed(mut self, column: &str, pg_type: &str) -> Relation {
        for field in &mut self.fields {
            if field.name() == column {
                *field = with_pg_type(field.clone(), pg_type);
            }
        }
        self
    }

    /// The relation with PostgreSQL's system column `tableoid` (`*` leaves it out, as it
    /// does a system column: see [`crate::wildcard`]).
    fn with_tableoid(mut self, id: i64) -> Relation {
        self.fields.push(Field::new(TABLEOID, OID, false));
        for row in &mut self.rows {
            row.push(oid(id));
        }
        self
    }

    pub(super) fn push(&mut self, row: Vec<ScalarValue>) {
        debug_assert_eq!(row.len(), self.fields.len());
        self.rows.push(row);
    }

    /// Sets column `column` of the newest row.
    pub(super) fn set_last(&mut self, column: &str, value: ScalarValue) {
        let at = self.fields.iter().position(|f| f.name() == column);
        if let (Some(at), Some(row)) = (at, self.rows.last_mut()) {
            row[at] = value;
        }
    }

    fn table(self) -> Result<Arc<MemTable>> {
        let schema = Arc::new(Schema::new(self.fields));
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for (i, field) in schema.fields().iter().enumerate() {
            let values = self.rows.iter().map(|r| r[i].clone());
            columns.push(if self.rows.is_empty() {
                datafusion::arrow::array::new_empty_array(field.data_type())
            } else {
                ScalarValue::iter_to_array(values)?
            });
        }
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
    }

    /// Registers the relation as table `name` of `schema`. A system catalog's rows carry
    /// its oid as `tableoid`, as PostgreSQL's system column.
    pub(super) fn register(self, schema: &dyn SchemaProvider, name: &str) -> Result<()> {
        let relation = match catalog_oid(name) {
            Some(id) => self.with_tableoid(id),
            None => self,
        };
        schema.register_table(name.to_string(), relation.table()?)?;
        Ok(())
    }
}

/// A schema of catalog relations, by name.
pub(super) fn schema_of(relations: Vec<(&str, Relation)>) -> Result<MemorySchemaProvider> {
    let schema = MemorySchemaProvider::new();
    for (name, relation) in relations {
        relation.register(&schema, name)?;
    }
    Ok(schema)
}

/// An object id: PostgreSQL's `oid` is an unsigned 32-bit integer, and as `UInt32` it
/// reaches clients as `oid` (and `oid[]`, through `array_agg`), as asyncpg expects.
pub(super) fn oid(v: i64) -> ScalarValue {
    ScalarValue::UInt32(u32::try_from(v).ok())
}
pub(super) fn text(v: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(v.to_string()))
}
pub(super) fn null_text() -> ScalarValue {
    ScalarValue::Utf8(None)
}
pub(super) fn boolean(v: bool) -> ScalarValue {
    ScalarValue::Boolean(Some(v))
}
pub(super) fn int2(v: i16) -> ScalarValue {
    ScalarValue::Int16(Some(v))
}
pub(super) fn int4(v: i32) -> ScalarValue {
    ScalarValue::Int32(Some(v))
}
pub(super) fn int8(v: i64) -> ScalarValue {
    ScalarValue::Int64(Some(v))
}
/// A list of `values` of type `t`.
pub(super) fn list_of(values: Vec<ScalarValue>, t: &Arrow) -> ScalarValue {
    ScalarValue::List(ScalarValue::new_list_nullable(&values, t))
}
