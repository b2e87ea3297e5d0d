//! What the session's DDL needs to know of sequences (`crate::sequences`): which exist in
//! its snapshot, counting its transaction's own `CREATE` and `DROP`.

use driftdb_projector::{Column, ColumnDefault, LedgerOp, TableSchema, Value};
use sqlparser::ast::ObjectName;

use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::parser::AlterSequence;
use crate::schemas::{ident_name, table_name};
use crate::sequences::{self, Kind, Sequence};
use driftdb_log::sync::Recover;

impl Session {
    /// The name of the sequence a new table `table`'s hidden row identity takes its values
    /// from: `__driftdb_rowid_<table>`, with a number after it if that is taken (a renamed
    /// table's sequence keeps its name).
    pub(super) fn row_id_sequence(&self, table: &str, snapshot: &Snapshot) -> String {
        let base = format!("{}{table}", sequences::ROW_ID_PREFIX);
        // Each name taken is a sequence that exists, so the search ends.
        std::iter::once(base.clone())
            .chain((1..).map(|n| format!("{base}_{n}")))
            .find(|name| self.sequence_at(name, snapshot).is_none())
            .unwrap_or(base)
    }

    /// `n` values of the hidden row identity filled from sequence `name`. Unlike `nextval`,
    /// taking them leaves the session's `currval` and `lastval` as they were.
    pub(super) fn row_ids(&self, name: &str, n: usize) -> Result<Vec<Value>> {
        let store = self.db.store();
        let allocator = self.db.sequences();
        let mut taken = self.taken.lock().recover();
        (0..n)
            .map(|_| {
                taken
                    .next_pending(name)
                    .unwrap_or_else(|| allocator.next(store, name))
                    .map(Value::Int64)
            })
            .collect()
    }

    /// Sequence `name` as `snapshot` (and the open transaction's writes) has it.
    pub(super) fn sequence_at(&self, name: &str, snapshot: &Snapshot) -> Option<Sequence> {
        if let Some(txn) = &self.txn {
            for op in txn.ops.iter().rev() {
                match op {
                    LedgerOp::Upsert { table, row } if table == sequences::TABLE => {
                        if matches!(row.first(), Some(Value::Text(n)) if n == name) {
                            return Sequence::of_row(row);
                        }
                    }
                    LedgerOp::Delete { table, key } if table == sequences::TABLE => {
                        if matches!(key.first(), Some(Value::Text(n)) if n == name) {
                            return None;
                        }
                    }
                    _ => {}
                }
            }
        }
        let seq = snapshot.seq?;
        let db = self.db.store().read();
        let table = db.table(sequences::TABLE).ok()?;
        sequences::find_at(&driftdb_projector::database::read(table), name, seq)
    }

    /// `ALTER SEQUENCE`: the sequence's row rewritten in the statement's transaction (a
    /// `nextval` committed since the statement's snapshot makes the commit fail with 40001,
    /// rather than hand values out again).
    pub(super) fn alter_sequence(&mut self, alter: AlterSequence) -> Result<Outcome> {
        let snapshot = self.snapshot();
        let name = table_name(&alter.name)?;
        let Some(sequence) = self.sequence_at(&name, &snapshot) else {
            if alter.if_exists {
                return Ok(Outcome::command("ALTER SEQUENCE", None).with_notice(
                    "NOTICE",
                    SqlState::SUCCESSFUL_COMPLETION,
                    format!("relation \"{name}\" does not exist, skipping"),
                ));
            }
            return Err(Error::UndefinedTable { name });
        };
        if let Some(to) = &alter.rename_to {
            let renames = std::collections::BTreeMap::from([(name, table_name(to)?)]);
            let ops = self.rename_relations(&renames, &snapshot)?;
            let read_seq = snapshot.seq;
            return self.finish_write(
                Write {
                    ops,
                    tag: "ALTER SEQUENCE".into(),
                    rows: None,
                },
                read_seq,
            );
        }
        let kind = alter.data_type.as_ref().map(Kind::of).transpose()?;
        let restart = match &alter.restart {
            None => None,
            Some(None) => Some(None),
            Some(Some(value)) => Some(Some(sequences::option_value(value)?)),
        };
        // It goes on from the last value handed out, not from the end of the block the
        // allocator took.
        let mut sequence = sequence;
        if let Some(last) = self.db.sequences().give_back(self.db.store(), &name)
            && sequence.is_called
        {
            sequence.last_value = last;
        }
        let mut altered = sequence.altered(kind, &alter.options, restart)?;
        if let Some(owned_by) = &alter.owned_by {
            altered.owner = self.sequence_owner(Some(owned_by), &snapshot)?;
        }
        let read_seq = snapshot.seq;
        self.finish_write(
            Write {
                ops: vec![altered.upsert()],
                tag: "ALTER SEQUENCE".into(),
                rows: None,
            },
            read_seq,
        )
    }

    /// Renames each sequence to the stored name beside it (for
    /// [`Session::rename_relations`]): its row under the new name, going on from the last
    /// value handed out, its comment with it, and each column default that takes its values
    /// (`nextval('s'::regclass)`) made to name it, as PostgreSQL's defaults follow the
    /// sequence they hold by its OID. Each table with such a default gets one new schema
    /// (its rows carried over).
    pub(super) fn rename_sequences(
        &self,
        renames: Vec<(Sequence, String)>,
        snapshot: &Snapshot,
    ) -> Result<Vec<LedgerOp>> {
        let mut ops = Vec::new();
        let mut defaults: Vec<(String, String)> = Vec::new();
        for (sequence, to) in renames {
            let from = sequence.name.clone();
            let mut renamed = sequence;
            if let Some(last) = self.db.sequences().give_back(self.db.store(), &from)
                && renamed.is_called
            {
                renamed.last_value = last;
            }
            self.db.sequences().forget(&from);
            renamed.name.clone_from(&to);
            ops.extend([Sequence::delete(&from), renamed.upsert()]);
            ops.extend(self.move_comments(&from, &to, None, snapshot));
            defaults.push((from, crate::schemas::written(&to)));
        }
        for table in self.table_names_in(snapshot) {
            let schema = self.schema_at(&table, snapshot)?;
            let mut changed = false;
            let columns: Vec<Column> = schema
                .columns()
                .iter()
                .map(|column| {
                    let mut column = column.clone();
                    for (from, to) in &defaults {
                        if let Some(ColumnDefault::Expr(text)) = &column.default
                            && let Some(text) = sequences::renamed_in_default(text, from, to)
                        {
                            column.default = Some(ColumnDefault::Expr(text));
                            changed = true;
                        }
                    }
                    column
                })
                .collect();
            if !changed {
                continue;
            }
            let width = columns.len();
            let schema = TableSchema::new(
                table.clone(),
                columns,
                schema.primary_key().to_vec(),
                schema.unique().to_vec(),
                schema.indexes().to_vec(),
            )
            .map_err(crate::error::projector_error)?;
            ops.push(LedgerOp::AlterTable {
                table,
                schema,
                carry: (0..width).map(|i| u32::try_from(i).ok()).collect(),
                fill: vec![Value::Null; width],
            });
        }
        Ok(ops)
    }

    /// The tables `snapshot` sees, those its transaction made included.
    fn table_names_in(&self, snapshot: &Snapshot) -> Vec<String> {
        let mut names: Vec<String> = snapshot.created.keys().cloned().collect();
        if let Some(seq) = snapshot.seq {
            let db = self.db.store().read();
            names.extend(
                db.table_names_at(seq)
                    .into_iter()
                    .filter(|n| {
                        !snapshot.dropped.contains(*n) && !snapshot.created.contains_key(*n)
                    })
                    .map(str::to_string),
            );
        }
        names.sort();
        names
    }

    /// What must come before a statement's first write of a sequence: the internal table
    /// of sequences, if `snapshot` has none yet.
    pub(super) fn sequences_table(&self, snapshot: &Snapshot) -> Result<Vec<LedgerOp>> {
        match self.schema_at(sequences::TABLE, snapshot) {
            Ok(_) => Ok(Vec::new()),
            Err(_) => Ok(vec![sequences::create_table()?]),
        }
    }

    /// Whether a table, a sequence or a view is called `name` (they share PostgreSQL's
    /// namespace).
    pub(super) fn relation_exists(&self, name: &str, snapshot: &Snapshot) -> bool {
        self.schema_at(name, snapshot).is_ok()
            || self.sequence_at(name, snapshot).is_some()
            || self.views_at(snapshot).contains_key(name)
    }

    /// The sequences the columns of `table` own.
    pub(super) fn owned_sequences(&self, table: &str, snapshot: &Snapshot) -> Vec<String> {
        let Some(seq) = snapshot.seq else {
            return self.pending_owned(table);
        };
        let committed: Vec<String> = {
            let db = self.db.store().read();
            match db.table(sequences::TABLE) {
                Ok(shared) => sequences::all_at(&driftdb_projector::database::read(shared), seq)
                    .into_iter()
                    .filter(|s| s.owner.as_ref().is_some_and(|(t, _)| t == table))
                    .map(|s| s.name)
                    .collect(),
                Err(_) => Vec::new(),
            }
        };
        let mut names = self.pending_owned(table);
        for name in committed {
            if !names.contains(&name) && self.sequence_at(&name, snapshot).is_some() {
                names.push(name);
            }
        }
        names
    }

    /// The sequences the open transaction made for `table`'s columns.
    fn pending_owned(&self, table: &str) -> Vec<String> {
        let Some(txn) = &self.txn else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for op in &txn.ops {
            if let LedgerOp::Upsert { table: t, row } = op
                && t == sequences::TABLE
                && let Some(sequence) = Sequence::of_row(row)
                && sequence.owner.as_ref().is_some_and(|(o, _)| o == table)
                && !names.contains(&sequence.name)
            {
                names.push(sequence.name);
            }
        }
        names
    }

    /// The owner `OWNED BY table.column` names (`NONE`: none); the column must exist.
    pub(super) fn sequence_owner(
        &self,
        owned_by: Option<&ObjectName>,
        snapshot: &Snapshot,
    ) -> Result<Option<(String, String)>> {
        let Some(owned_by) = owned_by else {
            return Ok(None);
        };
        let parts: Vec<String> = owned_by
            .0
            .iter()
            .filter_map(|p| p.as_ident().map(ident_name))
            .collect();
        match parts.as_slice() {
            [none] if none == "none" => Ok(None),
            [.., table, column] => {
                let table_object = ObjectName(owned_by.0[..owned_by.0.len() - 1].to_vec());
                let table_name = table_name(&table_object).unwrap_or_else(|_| table.clone());
                let schema = self.schema_at(&table_name, snapshot)?;
                if schema.column_index(column).is_none() {
                    return Err(Error::UndefinedColumn {
                        column: column.clone(),
                        context: format!("relation \"{table_name}\""),
                        position: None,
                    });
                }
                Ok(Some((table_name, column.clone())))
            }
            _ => Err(Error::Execution {
                message: "invalid OWNED BY option".to_string(),
                sqlstate: SqlState::SYNTAX_ERROR,
            }),
        }
    }
}
