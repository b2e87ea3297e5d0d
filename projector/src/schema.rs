//! Table schemas, rows and primary keys.
//!
//! Invariants of a [`TableSchema`] built by [`TableSchema::new`] (and so of every schema a
//! [`crate::Table`] holds):
//! - it has at least one column, column names are distinct;
//! - the primary key names at least one column, each once, and primary-key columns are NOT
//!   NULL;
//! - every unique constraint and index names at least one existing column, each once;
//!   constraint names are distinct, index names are distinct;
//! - decimal columns have a precision of 1 to 38 and a scale not above it.
//!
//! A [`Row`] holds one value per column, in column order. A [`Key`] holds the primary-key
//! values in primary-key order. Rows are validated against the schema
//! ([`TableSchema::validate_row`]) before they are stored, so stored rows always have the
//! schema's width, types and nullability.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::value::{DataType, Value};

/// One row: a value per column, in column order.
pub type Row = Vec<Value>;

/// A primary key: the values of the primary-key columns, in primary-key order.
pub type Key = Vec<Value>;

/// A column's default, kept for the SQL layer; the projector never evaluates it.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum ColumnDefault {
    /// A constant.
    Value(Value),
    /// An expression in SQL text, such as `now()`, evaluated by the SQL layer.
    Expr(String),
    /// The hidden row identity of a table declared without a primary key: a `BIGINT` that
    /// is the table's whole primary key, filled from the named sequence and left out of
    /// `SELECT *`, of an `INSERT` without a column list and of the catalogs.
    RowId(String),
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The column's type.
    pub data_type: DataType,
    /// Whether the column may hold NULL.
    pub nullable: bool,
    /// The default the SQL layer fills in when an insert omits the column.
    pub default: Option<ColumnDefault>,
}

impl Column {
    /// A column with no default.
    pub fn new(name: impl Into<String>, data_type: DataType, nullable: bool) -> Self {
        Column {
            name: name.into(),
            data_type,
            nullable,
            default: None,
        }
    }

    /// Whether the column is a hidden row identity ([`ColumnDefault::RowId`]).
    pub fn is_hidden(&self) -> bool {
        matches!(self.default, Some(ColumnDefault::RowId(_)))
    }
}

/// A named `UNIQUE` constraint over some columns. Rows with a NULL in any of the columns
/// never conflict (SQL's rule).
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct UniqueConstraint {
    /// The constraint's name, reported in [`Error::UniqueViolation`].
    pub name: String,
    /// Column positions, in key order.
    pub columns: Vec<usize>,
}

/// A named secondary B-tree index over some columns.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct IndexDef {
    /// The index's name.
    pub name: String,
    /// Column positions, in key order.
    pub columns: Vec<usize>,
}

/// A table's definition.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub struct TableSchema {
    name: String,
    columns: Vec<Column>,
    primary_key: Vec<usize>,
    unique: Vec<UniqueConstraint>,
    indexes: Vec<IndexDef>,
}

impl TableSchema {
    /// Checks and builds a schema; see the module documentation for the rules.
    pub fn new(
        name: impl Into<String>,
        columns: Vec<Column>,
        primary_key: Vec<usize>,
        unique: Vec<UniqueConstraint>,
        indexes: Vec<IndexDef>,
    ) -> Result<Self> {
        let schema = TableSchema {
            name: name.into(),
            columns,
            primary_key,
            unique,
            indexes,
        };
        schema.check()?;
        Ok(schema)
    }

    fn check(&self) -> Result<()> {
        let invalid =
            |msg: String| Err(Error::InvalidInput(format!("table {:?}: {msg}", self.name)));
        if self.columns.is_empty() {
            return invalid("a table needs at least one column".into());
        }
        let mut names = HashSet::new();
        for column in &self.columns {
            if !names.insert(column.name.as_str()) {
                return invalid(format!("column {:?} is declared twice", column.name));
            }
            // Values hold 38 digits (an i128); a wider declaration holds those that fit.
            if let DataType::Decimal { precision, scale } = column.data_type
                && (precision == 0 || scale > precision || scale > 38)
            {
                return invalid(format!(
                    "column {:?}: NUMERIC({precision}, {scale}) needs 1 <= precision and scale <= precision, scale <= 38",
                    column.name
                ));
            }
        }
        self.check_columns("primary key", &self.primary_key)?;
        for (i, column) in self.columns.iter().enumerate() {
            if column.is_hidden()
                && (self.primary_key != [i] || column.data_type != DataType::BigInt)
            {
                return invalid(format!(
                    "hidden row identity {:?} must be the whole primary key, a BIGINT",
                    column.name
                ));
            }
        }
        for &c in &self.primary_key {
            if self.columns[c].nullable {
                return invalid(format!(
                    "primary-key column {:?} must be NOT NULL",
                    self.columns[c].name
                ));
            }
        }
        let mut constraint_names = HashSet::new();
        for constraint in &self.unique {
            self.check_columns(&constraint.name, &constraint.columns)?;
            if !constraint_names.insert(constraint.name.as_str()) {
                return invalid(format!(
                    "constraint {:?} is declared twice",
                    constraint.name
                ));
            }
        }
        let mut index_names = HashSet::new();
        for index in &self.indexes {
            self.check_columns(&index.name, &index.columns)?;
            if !index_names.insert(index.name.as_str()) {
                return invalid(format!("index {:?} is declared twice", index.name));
            }
        }
        Ok(())
    }

    fn check_columns(&self, what: &str, columns: &[usize]) -> Result<()> {
        if columns.is_empty() {
            return Err(Error::InvalidInput(format!(
                "table {:?}: {what} names no column",
                self.name
            )));
        }
        let mut seen = HashSet::new();
        for &c in columns {
            if c >= self.columns.len() || !seen.insert(c) {
                return Err(Error::InvalidInput(format!(
                    "table {:?}: {what} names column position {c} more than once or out of range",
                    self.name
                )));
            }
        }
        Ok(())
    }

    /// The same table with each column's type replaced by `data_type(position, column)`,
    /// for a reader that sees columns under other types (an unconstrained `numeric` as a
    /// `numeric(38, s)`). Constraints and indexes are kept as they are.
    pub fn with_types(&self, mut data_type: impl FnMut(usize, &Column) -> DataType) -> Self {
        let mut schema = self.clone();
        for (i, column) in schema.columns.iter_mut().enumerate() {
            column.data_type = data_type(i, &self.columns[i]);
        }
        schema
    }

    /// The same table with another set of secondary indexes.
    pub fn with_indexes(&self, indexes: Vec<IndexDef>) -> Result<Self> {
        let schema = TableSchema {
            indexes,
            ..self.clone()
        };
        schema.check()?;
        Ok(schema)
    }

    /// The same table with `unique` as its unique constraints.
    pub fn with_unique(&self, unique: Vec<UniqueConstraint>) -> Result<Self> {
        let schema = TableSchema {
            unique,
            ..self.clone()
        };
        schema.check()?;
        Ok(schema)
    }

    /// The same table under another name (a rebuilt projection taking its place).
    pub fn renamed(&self, name: &str) -> Self {
        TableSchema {
            name: name.to_string(),
            ..self.clone()
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Positions of the columns a client sees by default: all but a hidden row identity.
    pub fn visible(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.columns.len()).filter(|&i| !self.columns[i].is_hidden())
    }

    /// The position of the hidden row identity, for a table declared without a primary key.
    pub fn row_id(&self) -> Option<usize> {
        self.columns.iter().position(Column::is_hidden)
    }

    /// Positions of the primary-key columns, in key order.
    pub fn primary_key(&self) -> &[usize] {
        &self.primary_key
    }

    /// The unique constraints (besides the primary key).
    pub fn unique(&self) -> &[UniqueConstraint] {
        &self.unique
    }

    /// The secondary indexes.
    pub fn indexes(&self) -> &[IndexDef] {
        &self.indexes
    }

    /// Position of the column called `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Checks that `row` has one value per column, each admitted by its column's type, and no
    /// NULL in a NOT NULL column.
    pub fn validate_row(&self, row: &[Value]) -> Result<()> {
        if row.len() != self.columns.len() {
            return Err(Error::InvalidInput(format!(
                "table {:?} has {} columns but the row has {} values",
                self.name,
                self.columns.len(),
                row.len()
            )));
        }
        for (column, value) in self.columns.iter().zip(row) {
            if value.is_null() {
                if !column.nullable {
                    return Err(Error::NotNullViolation {
                        column: column.name.clone(),
                    });
                }
            } else if !column.data_type.admits(value) {
                // Text too long for its column, or for the elements of an array column.
                let text_type = match (&column.data_type, value) {
                    (DataType::Array(element), Value::Array(items))
                        if items
                            .iter()
                            .all(|v| matches!(v, Value::Text(_) | Value::Null)) =>
                    {
                        element.as_ref()
                    }
                    (data_type, Value::Text(_)) => data_type,
                    _ => &column.data_type,
                };
                if let DataType::Varchar(Some(n)) | DataType::Char(n) = text_type {
                    let name = if matches!(text_type, DataType::Char(_)) {
                        "character"
                    } else {
                        "character varying"
                    };
                    return Err(Error::ValueTooLong {
                        column: column.name.clone(),
                        data_type: format!("{name}({n})"),
                    });
                }
                return Err(Error::InvalidInput(format!(
                    "column {:?} of type {:?} cannot hold {value:?}",
                    column.name, column.data_type
                )));
            }
        }
        Ok(())
    }

    /// Checks that `key` is a well-typed primary key of this table.
    pub fn validate_key(&self, key: &[Value]) -> Result<()> {
        if key.len() != self.primary_key.len() {
            return Err(Error::InvalidInput(format!(
                "table {:?} has a {}-column primary key but the key has {} values",
                self.name,
                self.primary_key.len(),
                key.len()
            )));
        }
        for (&c, value) in self.primary_key.iter().zip(key) {
            let column = &self.columns[c];
            if value.is_null() || !column.data_type.admits(value) {
                return Err(Error::InvalidInput(format!(
                    "primary-key column {:?} of type {:?} cannot hold {value:?}",
                    column.name, column.data_type
                )));
            }
        }
        Ok(())
    }

    /// The primary key of a row that passed [`TableSchema::validate_row`].
    pub fn key_of(&self, row: &[Value]) -> Key {
        project(row, &self.primary_key)
    }
}

/// The values of `columns` in `row`, in that order. `row` must be as wide as the schema that
/// `columns` came from (guaranteed for validated rows).
pub(crate) fn project(row: &[Value], columns: &[usize]) -> Vec<Value> {
    columns
        .iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column::new("id", DataType::BigInt, false),
            Column::new("name", DataType::Text, true),
        ]
    }

    #[test]
    fn rejects_bad_schemas() {
        assert!(TableSchema::new("t", vec![], vec![0], vec![], vec![]).is_err());
        assert!(TableSchema::new("t", columns(), vec![], vec![], vec![]).is_err());
        assert!(TableSchema::new("t", columns(), vec![2], vec![], vec![]).is_err());
        assert!(TableSchema::new("t", columns(), vec![0, 0], vec![], vec![]).is_err());
        // nullable primary-key column
        assert!(TableSchema::new("t", columns(), vec![1], vec![], vec![]).is_err());
        let twice = vec![
            Column::new("a", DataType::Int, false),
            Column::new("a", DataType::Int, false),
        ];
        assert!(TableSchema::new("t", twice, vec![0], vec![], vec![]).is_err());
        let dup_index = vec![
            IndexDef {
                name: "i".into(),
                columns: vec![1],
            },
            IndexDef {
                name: "i".into(),
                columns: vec![0],
            },
        ];
        assert!(TableSchema::new("t", columns(), vec![0], vec![], dup_index).is_err());
        let numeric = |precision, scale| {
            let columns = vec![Column::new(
                "d",
                DataType::Decimal { precision, scale },
                false,
            )];
            TableSchema::new("t", columns, vec![0], vec![], vec![])
        };
        assert!(numeric(0, 0).is_err());
        assert!(numeric(5, 6).is_err());
        assert!(numeric(60, 39).is_err());
        assert!(numeric(65, 30).is_ok());
    }

    #[test]
    fn a_hidden_row_identity_is_the_whole_bigint_key() -> Result<()> {
        let hidden = |data_type| Column {
            default: Some(ColumnDefault::RowId("s".into())),
            ..Column::new("rowid", data_type, false)
        };
        let mut cols = columns();
        cols.push(hidden(DataType::BigInt));
        let schema = TableSchema::new("t", cols.clone(), vec![2], vec![], vec![])?;
        assert_eq!(schema.row_id(), Some(2));
        assert_eq!(schema.visible().collect::<Vec<_>>(), [0, 1]);
        // Not the key, part of a key, or not a BIGINT: refused.
        assert!(TableSchema::new("t", cols.clone(), vec![0], vec![], vec![]).is_err());
        assert!(TableSchema::new("t", cols, vec![0, 2], vec![], vec![]).is_err());
        let mut cols = columns();
        cols.push(hidden(DataType::Int));
        assert!(TableSchema::new("t", cols, vec![2], vec![], vec![]).is_err());
        Ok(())
    }

    #[test]
    fn validates_rows_and_keys() -> Result<()> {
        let schema = TableSchema::new("t", columns(), vec![0], vec![], vec![])?;
        schema.validate_row(&[Value::Int64(1), Value::Null])?;
        assert!(matches!(
            schema.validate_row(&[Value::Null, Value::Null]),
            Err(Error::NotNullViolation { column }) if column == "id"
        ));
        assert!(matches!(
            schema.validate_row(&[Value::Int32(1), Value::Null]),
            Err(Error::InvalidInput(_))
        ));
        assert!(schema.validate_row(&[Value::Int64(1)]).is_err());
        schema.validate_key(&[Value::Int64(1)])?;
        assert!(schema.validate_key(&[Value::Null]).is_err());
        assert_eq!(
            schema.key_of(&[Value::Int64(7), Value::Null]),
            vec![Value::Int64(7)]
        );
        Ok(())
    }
}
