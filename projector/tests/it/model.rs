//! The reference model: for each applied record, the whole table state after it.
//!
//! It is obviously correct at the price of being slow: applying a record clones the state,
//! and reading at sequence `s` is finding the last state at or before `s`.

use std::collections::BTreeMap;

use driftdb_projector::{
    Change, Column, DataType, IndexDef, Row, TableSchema, UniqueConstraint, Value,
};

/// `t(id INT PRIMARY KEY, grp INT NOT NULL, code INT UNIQUE, note TEXT)`, with index
/// `by_grp (grp)` and index `by_note_grp (note, grp)`.
pub fn schema() -> TableSchema {
    let schema = TableSchema::new(
        "t",
        vec![
            Column::new("id", DataType::Int, false),
            Column::new("grp", DataType::Int, false),
            Column::new("code", DataType::Int, true),
            Column::new("note", DataType::Text, true),
        ],
        vec![0],
        vec![UniqueConstraint {
            name: "t_code_key".into(),
            columns: vec![2],
        }],
        vec![
            IndexDef {
                name: "by_grp".into(),
                columns: vec![1],
            },
            IndexDef {
                name: "by_note_grp".into(),
                columns: vec![3, 1],
            },
        ],
    );
    match schema {
        Ok(schema) => schema,
        Err(e) => panic!("the test schema is invalid: {e}"),
    }
}

pub fn id_of(row: &Row) -> i32 {
    match row.first() {
        Some(Value::Int32(id)) => *id,
        other => panic!("row without an INT id: {other:?}"),
    }
}

/// Table states after each applied record, oldest first.
#[derive(Debug, Default)]
pub struct Model {
    states: Vec<(u64, BTreeMap<i32, Row>)>,
}

/// Why the model refused a record.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    UniqueViolation,
}

impl Model {
    /// The state visible at `seq`.
    pub fn at(&self, seq: u64) -> BTreeMap<i32, Row> {
        self.states
            .iter()
            .rev()
            .find(|(s, _)| *s <= seq)
            .map(|(_, state)| state.clone())
            .unwrap_or_default()
    }

    pub fn last_seq(&self) -> Option<u64> {
        self.states.last().map(|(s, _)| *s)
    }

    /// Applies a record, or refuses it exactly when the result would repeat a non-NULL code.
    pub fn apply(&mut self, seq: u64, changes: &[Change]) -> Result<(), Refusal> {
        let mut state = self
            .states
            .last()
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        for change in changes {
            match change {
                Change::Upsert(row) => {
                    state.insert(id_of(row), row.clone());
                }
                Change::Delete(key) => {
                    state.retain(|id, _| key.first() != Some(&Value::Int32(*id)));
                }
                Change::Truncate => state.clear(),
            }
        }
        let mut codes: Vec<&Value> = state
            .values()
            .map(|r| &r[2])
            .filter(|c| !c.is_null())
            .collect();
        let before = codes.len();
        codes.sort();
        codes.dedup();
        if codes.len() != before {
            return Err(Refusal::UniqueViolation);
        }
        self.states.push((seq, state));
        Ok(())
    }
}
