//! Row writes: `INSERT` (with `DEFAULT`s, `ON CONFLICT` and `RETURNING`), `UPDATE`,
//! `DELETE`. DataFusion computes the values (from `VALUES`, a `SELECT`, or expressions over
//! the old rows); this module turns them into strictly typed rows and ledger operations.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::TableReference;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DfStatement;
use driftdb_projector::{Column, ColumnDefault, DataType, Key, LedgerOp, Row, TableSchema, Value};
use sqlparser::ast::{self, Statement as Ast, visit_expressions_mut};

use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::error::{Error, Result};
use crate::error::{execution, projector_error, unsupported};
use crate::outcome::{CommandTag, Rows};
use crate::parser::{Overriding, Statement};
use crate::schemas::{ident_name, table_name};
use crate::strict_cast::rows_of;

/// The hidden column that pairs rows of the two sides of `ON CONFLICT DO UPDATE`.
const ROW_NUMBER: &str = "__driftdb_row";

impl Session {
    pub(super) async fn insert(
        &self,
        insert: ast::Insert,
        overriding: Option<Overriding>,
        snapshot: &Snapshot,
    ) -> Result<Write> {
        let ast::TableObject::TableName(name) = &insert.table else {
            return Err(unsupported("INSERT into a table function"));
        };
        let table = table_name(name)?;
        let qualifier = insert
            .table_alias
            .as_ref()
            .map_or_else(|| table.clone(), |a| ident_name(&a.alias));
        let schema = self.schema_at(&table, snapshot)?;
        // Which table column each source column fills.
        // Without a column list, the first N columns for a source of N (PostgreSQL's rule).
        let targets: Vec<usize> = if insert.columns.is_empty() {
            match &insert.source {
                Some(source) => {
                    let visible: Vec<usize> = schema.visible().collect();
                    let all = visible.len();
                    visible[..source_width(source).map_or(all, |n| n.min(all))].to_vec()
                }
                None => Vec::new(),
            }
        } else {
            insert
                .columns
                .iter()
                .map(|c| {
                    let column =
                        c.0.last()
                            .and_then(|p| p.as_ident())
                            .map_or_else(|| c.to_string(), ident_name);
                    schema
                        .column_index(&column)
                        .ok_or_else(|| Error::UndefinedColumn {
                            column: column.clone(),
                            context: format!("INSERT INTO {table}"),
                            position: None,
                        })
                })
                .collect::<Result<_>>()?
        };
        if let Some(&hidden) = targets.iter().find(|&&t| schema.columns()[t].is_hidden()) {
            return Err(system_column(&schema.columns()[hidden]));
        }
        let types: Vec<DataType> = targets
            .iter()
            .map(|&t| schema.columns()[t].data_type.clone())
            .collect();
        let proposed: Vec<Vec<Value>> = match insert.source {
            // `INSERT INTO t DEFAULT VALUES`
            None => vec![Vec::new()],
            Some(mut source) => {
                match overriding {
                    Some(Overriding::System) => {}
                    Some(Overriding::User) => {
                        self.identity_defaults(&table, &schema, &targets, &mut source, snapshot)?
                    }
                    None => {
                        self.refuse_always_identity(&table, &schema, &targets, &source, snapshot)?
                    }
                }
                replace_default_keywords(&mut source, &schema, &targets)?;
                if let Some(rows) = literal_rows(&source, &types) {
                    rows
                } else {
                    type_literals_by_target(&mut source, &types);
                    self.values_of(*source, &types, targets.len(), snapshot)
                        .await?
                }
            }
        };
        let conflict = match &insert.on {
            None => None,
            Some(ast::OnInsert::OnConflict(on)) => Some(conflict_action(on, &schema, &table)?),
            Some(_) => return Err(unsupported("ON DUPLICATE KEY UPDATE; use ON CONFLICT")),
        };
        let (ops, written) = self
            .insert_rows(
                &table, &qualifier, &schema, &targets, proposed, conflict, snapshot,
            )
            .await?;
        let rows = match &insert.returning {
            Some(items) => Some(returning(&qualifier, &schema, &written, items).await?),
            None => None,
        };
        Ok(Write {
            tag: CommandTag::rows("INSERT", written.len()),
            ops,
            rows,
        })
    }

    /// The rows an `INSERT`'s source query yields, typed for its target columns.
    async fn values_of(
        &self,
        source: ast::Query,
        types: &[DataType],
        targets: usize,
        snapshot: &Snapshot,
    ) -> Result<Vec<Row>> {
        let mut source = source;
        name_duplicate_items(&mut source.body);
        let rows = self
            .query_at(Ast::Query(Box::new(source)), snapshot)
            .await?;
        let mut proposed = Vec::new();
        for batch in &rows.batches {
            if batch.num_columns() != targets {
                return Err(Error::Execution {
                    message: format!(
                        "INSERT has {targets} target columns but {} expressions",
                        batch.num_columns()
                    ),
                    sqlstate: SqlState::SYNTAX_ERROR,
                });
            }
            proposed.extend(rows_of(batch, types)?);
        }
        Ok(proposed)
    }

    /// The ledger operations that insert `proposed` (values for the `targets` columns; the
    /// others take their defaults), and the rows written. A key that exists already is a
    /// unique violation unless `conflict` says what to do.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_rows(
        &self,
        table: &str,
        qualifier: &str,
        schema: &TableSchema,
        targets: &[usize],
        proposed: Vec<Vec<Value>>,
        conflict: Option<ConflictAction>,
        snapshot: &Snapshot,
    ) -> Result<(Vec<LedgerOp>, Vec<Row>)> {
        // Columns the statement does not fill take their defaults: one per row, so a
        // volatile one (gen_random_uuid(), random()) differs from row to row.
        let base = vec![Value::Null; schema.columns().len()];
        let mut defaults = Vec::new();
        for (i, column) in schema.columns().iter().enumerate() {
            if targets.contains(&i) {
                continue;
            }
            match &column.default {
                None => {}
                Some(ColumnDefault::RowId(sequence)) => {
                    defaults.push((i, self.row_ids(sequence, proposed.len())?));
                }
                Some(_) => defaults.push((i, self.default_values(column, proposed.len()).await?)),
            }
        }
        let mut seen = BTreeSet::new();
        let mut inserted: Vec<Row> = Vec::new();
        let mut conflicts: Vec<(Row, Row)> = Vec::new();
        for (n, values) in proposed.into_iter().enumerate() {
            let mut row = base.clone();
            for (i, column) in &mut defaults {
                row[*i] = std::mem::replace(&mut column[n], Value::Null);
            }
            for (value, &target) in values.into_iter().zip(targets) {
                row[target] = value;
            }
            let key = schema.key_of(&row);
            let existing = if seen.insert(key.clone()) {
                self.current_row(table, &key, snapshot)?
            } else {
                // The statement itself wrote the key already.
                match conflict {
                    Some(ConflictAction::Update(_)) => {
                        return Err(Error::Execution {
                            message:
                                "ON CONFLICT DO UPDATE command cannot affect row a second time"
                                    .to_string(),
                            sqlstate: SqlState::CARDINALITY_VIOLATION,
                        });
                    }
                    _ => Some(row.clone()),
                }
            };
            match (existing, &conflict) {
                (None, _) => inserted.push(row),
                (Some(_), None) => {
                    return Err(Error::UniqueViolation {
                        constraint: format!("{}_pkey", crate::schemas::own(table)),
                    });
                }
                (Some(_), Some(ConflictAction::Nothing)) => {}
                (Some(old), Some(ConflictAction::Update(_))) => conflicts.push((old, row)),
            }
        }
        let mut ops: Vec<LedgerOp> = Vec::new();
        let mut written: Vec<Row> = Vec::new();
        if let Some(ConflictAction::Update(update)) = conflict {
            for (old, new) in self
                .conflict_updates(qualifier, schema, conflicts, *update)
                .await?
            {
                let old_key = schema.key_of(&old);
                if schema.key_of(&new) != old_key {
                    ops.push(LedgerOp::Delete {
                        table: table.to_string(),
                        key: old_key,
                    });
                }
                written.push(new);
            }
        }
        written.extend(inserted);
        ops.extend(written.iter().map(|row| LedgerOp::Upsert {
            table: table.to_string(),
            row: row.clone(),
        }));
        Ok((ops, written))
    }

    /// `ON CONFLICT DO UPDATE SET ... [WHERE ...]`: the new rows, computed by DataFusion
    /// over the existing rows (as the target table) and the proposed ones (as `excluded`),
    /// paired with the old rows they replace. Rows the `WHERE` rejects are left alone.
    async fn conflict_updates(
        &self,
        qualifier: &str,
        schema: &TableSchema,
        conflicts: Vec<(Row, Row)>,
        update: ast::DoUpdate,
    ) -> Result<Vec<(Row, Row)>> {
        if conflicts.is_empty() {
            return Ok(Vec::new());
        }
        let (olds, proposed): (Vec<Row>, Vec<Row>) = conflicts.into_iter().unzip();
        let ctx = crate::engine::postgres_context().map_err(execution)?;
        register_rows(&ctx, qualifier, schema, &olds, true)?;
        register_rows(&ctx, "excluded", schema, &proposed, true)?;
        let assigned = assignments(schema, update.assignments, qualifier)?;
        let q = quote(qualifier);
        let mut items: Vec<ast::SelectItem> = schema
            .columns()
            .iter()
            .zip(assigned)
            .map(|(c, expr)| {
                let expr = expr.unwrap_or_else(|| qualified(qualifier, &c.name));
                ast::SelectItem::ExprWithAlias {
                    expr,
                    alias: ast::Ident::with_quote('"', &c.name),
                }
            })
            .collect();
        items.push(ast::SelectItem::UnnamedExpr(qualified(
            qualifier, ROW_NUMBER,
        )));
        let mut selection = update.selection;
        if let Some(expr) = &mut selection {
            qualify(expr, qualifier);
        }
        let statement = select_from(
            &format!("{q} JOIN excluded ON {q}.{ROW_NUMBER} = excluded.{ROW_NUMBER}"),
            items,
            selection,
        )?;
        let batches = run_ast(&ctx, statement).await?;
        let mut types: Vec<DataType> = schema
            .columns()
            .iter()
            .map(|c| c.data_type.clone())
            .collect();
        types.push(DataType::BigInt);
        let mut pairs = Vec::new();
        for batch in &batches {
            for mut row in rows_of(batch, &types)? {
                let Some(Value::Int64(n)) = row.pop() else {
                    return Err(unsupported("internal: ON CONFLICT row number missing"));
                };
                let old = usize::try_from(n)
                    .ok()
                    .and_then(|n| olds.get(n))
                    .cloned()
                    .ok_or_else(|| unsupported("internal: ON CONFLICT row number out of range"))?;
                pairs.push((old, row));
            }
        }
        Ok(pairs)
    }

    /// `DELETE FROM t [WHERE ...] [RETURNING ...]`: the matching rows, found through
    /// DataFusion, become `Delete` ops.
    pub(super) async fn delete(&self, delete: ast::Delete, snapshot: &Snapshot) -> Result<Write> {
        if delete.using.is_some() || !delete.tables.is_empty() || delete.limit.is_some() {
            return Err(unsupported("DELETE ... USING / LIMIT / several tables"));
        }
        let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
            &delete.from;
        let [target] = from.as_slice() else {
            return Err(unsupported("DELETE from several tables"));
        };
        let (table, qualifier) = target_table(target)?;
        let schema = self.schema_at(&table, snapshot)?;
        let items = schema
            .columns()
            .iter()
            .map(|c| column_item(&c.name, None))
            .collect();
        let source = relation_sql(&table, &qualifier);
        let rows = self
            .query_at(select_from(&source, items, delete.selection)?, snapshot)
            .await?;
        let types = column_types(&schema);
        let mut deleted = Vec::new();
        for batch in &rows.batches {
            deleted.extend(rows_of(batch, &types)?);
        }
        let mut ops: Vec<LedgerOp> = deleted
            .iter()
            .map(|row| LedgerOp::Delete {
                table: table.clone(),
                key: schema.key_of(row),
            })
            .collect();
        if self.has_referential_actions(&table, snapshot) {
            let changes = deleted.iter().map(|row| (row.clone(), None)).collect();
            ops.extend(Box::pin(self.referential_actions(&table, changes, snapshot)).await?);
        }
        let rows = match &delete.returning {
            Some(items) => Some(returning(&qualifier, &schema, &deleted, items).await?),
            None => None,
        };
        Ok(Write {
            tag: CommandTag::rows("DELETE", deleted.len()),
            ops,
            rows,
        })
    }

    /// `UPDATE t SET c = expr, ... [WHERE ...] [RETURNING ...]`: DataFusion computes each
    /// matching row's new values (expressions see the old row, so `price = price * 0.9`
    /// works) next to its old key; a changed key also deletes the old one.
    pub(super) async fn update(&self, update: ast::Update, snapshot: &Snapshot) -> Result<Write> {
        if update.limit.is_some() {
            return Err(unsupported("UPDATE ... LIMIT"));
        }
        let (table, qualifier) = target_table(&update.table)?;
        let schema = self.schema_at(&table, snapshot)?;
        if let Some((key, sets)) = PointUpdate::of(&update, &schema, &qualifier) {
            let old = self.current_row(&table, &key, snapshot)?;
            let written = match &old {
                None => Some(Vec::new()),
                Some(old) => sets.apply(old.clone()).map(|new| vec![new]),
            };
            // `None`: a result the general path computes (or refuses) its own way.
            if let Some(written) = written {
                let mut ops = upserts(&table, &written);
                if let (Some(old), [new]) = (old, written.as_slice())
                    && self.has_referential_actions(&table, snapshot)
                {
                    let changes = vec![(old, Some(new.clone()))];
                    ops.extend(
                        Box::pin(self.referential_actions(&table, changes, snapshot)).await?,
                    );
                }
                return updated(&qualifier, &schema, ops, written, &update.returning).await;
            }
        }
        let assigned = assignments(&schema, update.assignments, "")?;
        let width = schema.columns().len();
        let mut items: Vec<ast::SelectItem> = schema
            .columns()
            .iter()
            .zip(assigned)
            .map(|(c, expr)| {
                let expr = expr.unwrap_or_else(|| qualified(&qualifier, &c.name));
                column_item(&c.name, Some(expr))
            })
            .collect();
        // The old key, under names of its own (a projection needs distinct names).
        items.extend(schema.primary_key().iter().enumerate().map(|(n, &i)| {
            ast::SelectItem::ExprWithAlias {
                expr: qualified(&qualifier, &schema.columns()[i].name),
                alias: ast::Ident::new(format!("__old_key_{n}")),
            }
        }));
        let source = relation_sql(&table, &qualifier);
        let mut statement = select_from(&source, items, update.selection)?;
        // `UPDATE t SET .. FROM other ..`: the other tables join the target's scan.
        if let Some(
            ast::UpdateTableFromKind::BeforeSet(from) | ast::UpdateTableFromKind::AfterSet(from),
        ) = update.from
            && let Ast::Query(query) = &mut statement
            && let ast::SetExpr::Select(select) = query.body.as_mut()
        {
            select.from.extend(from);
        }
        let rows = self.query_at(statement, snapshot).await?;
        let mut types = column_types(&schema);
        types.extend(
            schema
                .primary_key()
                .iter()
                .map(|&i| schema.columns()[i].data_type.clone()),
        );
        let mut changes: Vec<(Key, Row)> = Vec::new();
        let mut seen_old = BTreeSet::new();
        for batch in &rows.batches {
            for mut row in rows_of(batch, &types)? {
                let old_key = row.split_off(width);
                // A row that `FROM` matches several times is updated once.
                if seen_old.insert(old_key.clone()) {
                    changes.push((old_key, row));
                }
            }
        }
        // A new key may not collide with another row's, unless this statement moves that
        // row away.
        let vacated: BTreeSet<&Key> = changes
            .iter()
            .filter(|(old, row)| schema.key_of(row) != *old)
            .map(|(old, _)| old)
            .collect();
        let mut new_keys = BTreeSet::new();
        for (old, row) in &changes {
            let key = schema.key_of(row);
            let taken = key != *old
                && !vacated.contains(&key)
                && self.current_row(&table, &key, snapshot)?.is_some();
            if !new_keys.insert(key) || taken {
                return Err(Error::UniqueViolation {
                    constraint: format!("{}_pkey", crate::schemas::own(&table)),
                });
            }
        }
        let mut ops = Vec::new();
        for (old, row) in &changes {
            if schema.key_of(row) != *old && !new_keys.contains(old) {
                ops.push(LedgerOp::Delete {
                    table: table.clone(),
                    key: old.clone(),
                });
            }
        }
        let mut actions = Vec::new();
        if self.has_referential_actions(&table, snapshot) {
            let mut pairs = Vec::with_capacity(changes.len());
            for (old, row) in &changes {
                if let Some(old) = self.current_row(&table, old, snapshot)? {
                    pairs.push((old, Some(row.clone())));
                }
            }
            actions = Box::pin(self.referential_actions(&table, pairs, snapshot)).await?;
        }
        let written: Vec<Row> = changes.into_iter().map(|(_, row)| row).collect();
        ops.extend(upserts(&table, &written));
        ops.extend(actions);
        updated(&qualifier, &schema, ops, written, &update.returning).await
    }

    /// The row with primary key `key` as the snapshot sees it, own writes included.
    fn current_row(&self, table: &str, key: &Key, snapshot: &Snapshot) -> Result<Option<Row>> {
        if let Some(own) = snapshot.overlay.get(table).and_then(|o| o.get(key)) {
            return Ok(own.clone());
        }
        if snapshot.created.contains_key(table) {
            return Ok(None);
        }
        let Some(seq) = snapshot.seq else {
            return Ok(None);
        };
        let db = self.db.store().read();
        let shared = db.table_at(table, seq).map_err(projector_error)?;
        let t = driftdb_projector::database::read(shared);
        Ok(t.get(key, seq)
            .map_err(projector_error)?
            .filter(|v| v.op.is_live())
            .map(|v| v.row.clone()))
    }

    /// A column's `DEFAULT` for each of `rows` rows, evaluated by DataFusion over that many
    /// rows (a volatile expression once per row, a stable one once) and cast strictly to the
    /// column's type.
    async fn default_values(&self, column: &Column, rows: usize) -> Result<Vec<Value>> {
        let Some(expr) = default_expr(column)? else {
            return Ok(vec![Value::Null; rows]);
        };
        if rows <= 1 {
            return Ok(vec![self.default_value(column).await?; rows]);
        }
        let statement = select_from(
            &format!("generate_series(1, {rows})"),
            vec![ast::SelectItem::UnnamedExpr(expr)],
            None,
        )?;
        let ctx = crate::engine::postgres_context().map_err(execution)?;
        self.register_sequence_functions(&ctx);
        let batches = run_ast(&ctx, statement).await?;
        let types = [column.data_type.clone()];
        let mut values = Vec::with_capacity(rows);
        for batch in &batches {
            values.extend(
                rows_of(batch, &types)?
                    .into_iter()
                    .filter_map(|mut r| r.pop()),
            );
        }
        if values.len() != rows {
            return Err(unsupported(
                "internal: a DEFAULT gave the wrong number of rows",
            ));
        }
        Ok(values)
    }

    /// The value of a column's `DEFAULT` (NULL without one), evaluated by DataFusion and
    /// cast strictly to the column's type.
    pub(super) async fn default_value(&self, column: &Column) -> Result<Value> {
        let Some(expr) = default_expr(column)? else {
            return Ok(Value::Null);
        };
        let statement = select_from_nothing(vec![ast::SelectItem::UnnamedExpr(expr)])?;
        let ctx = crate::engine::postgres_context().map_err(execution)?;
        self.register_sequence_functions(&ctx);
        let batches = run_ast(&ctx, statement).await?;
        let types = [column.data_type.clone()];
        let rows = batches
            .iter()
            .map(|b| rows_of(b, &types))
            .collect::<Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .flatten()
            .next()
            .and_then(|mut r| r.pop())
            .unwrap_or(Value::Null))
    }
}

pub(super) enum ConflictAction {
    Nothing,
    Update(Box<ast::DoUpdate>),
}

/// Checks the conflict target: DriftDB resolves conflicts on the primary key.
fn conflict_action(
    on: &ast::OnConflict,
    schema: &TableSchema,
    table: &str,
) -> Result<ConflictAction> {
    let pk: BTreeSet<usize> = schema.primary_key().iter().copied().collect();
    match &on.conflict_target {
        None => {
            if matches!(on.action, ast::OnConflictAction::DoUpdate(_)) {
                return Err(Error::Syntax {
                    message:
                        "ON CONFLICT DO UPDATE requires inference specification or constraint name"
                            .to_string(),
                    position: None,
                });
            }
        }
        Some(ast::ConflictTarget::Columns(columns)) => {
            let named = columns
                .iter()
                .map(|c| {
                    let name = ident_name(c);
                    schema
                        .column_index(&name)
                        .ok_or_else(|| Error::UndefinedColumn {
                            column: name,
                            context: "ON CONFLICT".to_string(),
                            position: None,
                        })
                })
                .collect::<Result<BTreeSet<_>>>()?;
            if named != pk {
                return Err(unsupported(
                    "ON CONFLICT on columns other than the primary key",
                ));
            }
        }
        Some(ast::ConflictTarget::OnConstraint(name)) => {
            if table_name(name)? != format!("{}_pkey", crate::schemas::own(table)) {
                return Err(unsupported(
                    "ON CONFLICT ON CONSTRAINT other than the primary key",
                ));
            }
        }
    }
    Ok(match &on.action {
        ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
        ast::OnConflictAction::DoUpdate(update) => ConflictAction::Update(Box::new(update.clone())),
    })
}

/// `SET` assignments as one optional expression per column. With a `qualifier`, bare
/// column names in the expressions are qualified with it (they mean the target table's
/// columns, not `excluded`'s).
fn assignments(
    schema: &TableSchema,
    assignments: Vec<ast::Assignment>,
    qualifier: &str,
) -> Result<Vec<Option<ast::Expr>>> {
    let mut assigned: Vec<Option<ast::Expr>> = vec![None; schema.columns().len()];
    for assignment in assignments {
        let ast::AssignmentTarget::ColumnName(name) = &assignment.target else {
            return Err(unsupported("assigning a column tuple"));
        };
        let column = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map_or_else(|| name.to_string(), ident_name);
        let i = schema
            .column_index(&column)
            .ok_or_else(|| Error::UndefinedColumn {
                column: column.clone(),
                context: format!("UPDATE {}", schema.name()),
                position: None,
            })?;
        if schema.columns()[i].is_hidden() {
            return Err(system_column(&schema.columns()[i]));
        }
        let mut value = assignment.value;
        // `SET a = DEFAULT`: the column's default (NULL without one).
        if matches!(&value, ast::Expr::Identifier(d)
            if d.quote_style.is_none() && d.value.eq_ignore_ascii_case("default"))
        {
            value = default_expr(&schema.columns()[i])?
                .unwrap_or_else(|| ast::Expr::value(ast::Value::Null));
        } else if !qualifier.is_empty() {
            qualify(&mut value, qualifier);
        }
        assigned[i] = Some(value);
    }
    Ok(assigned)
}

fn upserts(table: &str, rows: &[Row]) -> Vec<LedgerOp> {
    rows.iter()
        .map(|row| LedgerOp::Upsert {
            table: table.to_string(),
            row: row.clone(),
        })
        .collect()
}

/// The `Write` of an `UPDATE` that wrote `written` with `ops`.
async fn updated(
    qualifier: &str,
    schema: &TableSchema,
    ops: Vec<LedgerOp>,
    written: Vec<Row>,
    returning_items: &Option<Vec<ast::SelectItem>>,
) -> Result<Write> {
    let rows = match returning_items {
        Some(items) => Some(returning(qualifier, schema, &written, items).await?),
        None => None,
    };
    Ok(Write {
        tag: CommandTag::rows("UPDATE", written.len()),
        ops,
        rows,
    })
}

/// `UPDATE t SET c = <literal> | c2 + <integer> | c2 - <integer>, ... WHERE <whole key> =
/// <literal>` (what an OLTP update by key looks like, `pgbench`'s among them) computed from
/// the old row without DataFusion, which would plan a `SELECT` over the table for it. The
/// literals are those [`crate::point::key_value`] reads (integers for integer columns,
/// strings for `TEXT`, either bare or cast to the column's type, as bound parameters
/// become) and `NULL`; a key column may not be assigned (a new key can collide, which the
/// general path checks). Anything else, and an addition that overflows, is left to the
/// general path, so the results and errors are the same either way.
#[derive(Debug)]
struct PointUpdate {
    sets: Vec<(usize, Set)>,
}

#[derive(Debug)]
enum Set {
    Value(Value),
    /// `column + delta` (a subtraction has its delta negated), integers of one type.
    Add(usize, i64),
}

impl PointUpdate {
    fn of(update: &ast::Update, schema: &TableSchema, qualifier: &str) -> Option<(Key, Self)> {
        let plain = update.from.is_none()
            && update.output.is_none()
            && update.or.is_none()
            && update.order_by.is_empty()
            && update.limit.is_none()
            && update.table.joins.is_empty();
        if !plain {
            return None;
        }
        let equalities = crate::point::equalities(update.selection.as_ref()?, qualifier)?;
        let key = crate::point::key_of(schema, &equalities)?;
        let integer =
            |t: &DataType| matches!(t, DataType::SmallInt | DataType::Int | DataType::BigInt);
        let mut sets = Vec::with_capacity(update.assignments.len());
        for assignment in &update.assignments {
            let ast::AssignmentTarget::ColumnName(name) = &assignment.target else {
                return None;
            };
            let [part] = name.0.as_slice() else {
                return None;
            };
            let target = schema.column_index(&ident_name(part.as_ident()?))?;
            if schema.primary_key().contains(&target) || sets.iter().any(|(c, _)| *c == target) {
                return None;
            }
            let data_type = &schema.columns()[target].data_type;
            let literal = |expr: &ast::Expr| match expr {
                ast::Expr::Value(v) if matches!(v.value, ast::Value::Null) => Some(Value::Null),
                _ if integer(data_type) || *data_type == DataType::Text => {
                    crate::point::key_value(expr, data_type)
                }
                _ => None,
            };
            let set = match &assignment.value {
                ast::Expr::BinaryOp { left, op, right } if integer(data_type) => {
                    let source = schema.column_index(&crate::point::column_of(left, qualifier)?)?;
                    if schema.columns()[source].data_type != *data_type {
                        return None;
                    }
                    let delta = match crate::point::key_value(right, data_type)? {
                        Value::Int16(v) => i64::from(v),
                        Value::Int32(v) => i64::from(v),
                        Value::Int64(v) => v,
                        _ => return None,
                    };
                    match op {
                        ast::BinaryOperator::Plus => Set::Add(source, delta),
                        ast::BinaryOperator::Minus => Set::Add(source, delta.checked_neg()?),
                        _ => return None,
                    }
                }
                value => Set::Value(literal(value)?),
            };
            sets.push((target, set));
        }
        Some((key, PointUpdate { sets }))
    }

    /// The row `old` becomes; `None` if an addition leaves its type (the general path owns
    /// that error) or reads NULL (which it leaves NULL: so does the general path, but the
    /// fast path need not know).
    fn apply(&self, mut row: Row) -> Option<Row> {
        // Every right-hand side reads the old row: compute them all before writing any.
        let mut values = Vec::with_capacity(self.sets.len());
        for (target, set) in &self.sets {
            let value = match set {
                Set::Value(v) => v.clone(),
                Set::Add(source, delta) => match row.get(*source)? {
                    Value::Int16(v) => {
                        Value::Int16(i16::try_from(i64::from(*v).checked_add(*delta)?).ok()?)
                    }
                    Value::Int32(v) => {
                        Value::Int32(i32::try_from(i64::from(*v).checked_add(*delta)?).ok()?)
                    }
                    Value::Int64(v) => Value::Int64(v.checked_add(*delta)?),
                    _ => return None,
                },
            };
            values.push((*target, value));
        }
        for (target, value) in values {
            *row.get_mut(target)? = value;
        }
        Some(row)
    }
}

/// Qualifies bare column names in `expr` with `qualifier`.
fn qualify(expr: &mut ast::Expr, qualifier: &str) {
    let _ = visit_expressions_mut(expr, |e| {
        if let ast::Expr::Identifier(ident) = e {
            *e = ast::Expr::CompoundIdentifier(vec![
                ast::Ident::with_quote('"', qualifier),
                ident.clone(),
            ]);
        }
        ControlFlow::<()>::Continue(())
    });
}

/// `VALUES (1, DEFAULT)`: each `DEFAULT` becomes the column's default expression (or NULL).
/// The rows of `VALUES` lists made only of literals the point-read path reads (integers,
/// strings for text columns, NULL), without planning a query: the common single-row
/// `INSERT` of a driver. `None` for anything else, including a row of the wrong width,
/// which the general path reports.
fn literal_rows(source: &ast::Query, types: &[DataType]) -> Option<Vec<Row>> {
    let ast::SetExpr::Values(values) = source.body.as_ref() else {
        return None;
    };
    if source.with.is_some()
        || source.order_by.is_some()
        || source.limit_clause.is_some()
        || source.fetch.is_some()
    {
        return None;
    }
    values
        .rows
        .iter()
        .map(|row| {
            if row.len() != types.len() {
                return None;
            }
            row.iter()
                .zip(types)
                .map(|(expr, data_type)| match expr {
                    ast::Expr::Value(v) if v.value == ast::Value::Null => Some(Value::Null),
                    _ => match crate::point::key_value(expr, data_type)? {
                        Value::Text(text) => {
                            Some(Value::Text(crate::arrow::fit_text(text, data_type)))
                        }
                        value => Some(value),
                    },
                })
                .collect()
        })
        .collect()
}

impl Session {
    /// The names of `table`'s identity columns (`GENERATED { ALWAYS | BY DEFAULT } AS
    /// IDENTITY`).
    fn identity_columns(&self, table: &str, snapshot: &Snapshot) -> Vec<String> {
        self.owned_sequences(table, snapshot)
            .iter()
            .filter_map(|name| self.sequence_at(name, snapshot))
            .filter(|s| s.identity.is_some())
            .filter_map(|s| Some(s.owner?.1))
            .collect()
    }

    /// `OVERRIDING USER VALUE`: the values a `VALUES` list gives identity columns are
    /// ignored, each becoming `DEFAULT` (the sequence's next value), as in PostgreSQL.
    fn identity_defaults(
        &self,
        table: &str,
        schema: &TableSchema,
        targets: &[usize],
        source: &mut ast::Query,
        snapshot: &Snapshot,
    ) -> Result<()> {
        let identities = self.identity_columns(table, snapshot);
        let ast::SetExpr::Values(values) = source.body.as_mut() else {
            return Err(unsupported(
                "OVERRIDING USER VALUE with a query; use VALUES",
            ));
        };
        for (position, &target) in targets.iter().enumerate() {
            let column = &schema.columns()[target].name;
            if !identities.contains(column) {
                continue;
            }
            for row in &mut values.rows {
                if let Some(expr) = row.get_mut(position) {
                    *expr = ast::Expr::Identifier(ast::Ident::new("DEFAULT"));
                }
            }
        }
        Ok(())
    }

    /// An `INSERT` may give a `GENERATED ALWAYS AS IDENTITY` column only `DEFAULT` (428C9)
    /// unless it says `OVERRIDING SYSTEM VALUE`.
    fn refuse_always_identity(
        &self,
        table: &str,
        schema: &TableSchema,
        targets: &[usize],
        source: &ast::Query,
        snapshot: &Snapshot,
    ) -> Result<()> {
        let owned = self.owned_sequences(table, snapshot);
        if owned.is_empty() {
            return Ok(());
        }
        for (position, &target) in targets.iter().enumerate() {
            let column = &schema.columns()[target].name;
            let always = owned.iter().any(|name| {
                self.sequence_at(name, snapshot).is_some_and(|s| {
                    s.identity == Some(crate::sequences::Identity::Always)
                        && s.owner.as_ref().is_some_and(|(_, c)| c == column)
                })
            });
            if !always {
                continue;
            }
            let only_defaults = match source.body.as_ref() {
                ast::SetExpr::Values(values) => values.rows.iter().all(|row| {
                    matches!(row.get(position), Some(ast::Expr::Identifier(i))
                        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
                }),
                _ => false,
            };
            if !only_defaults {
                return Err(Error::IdentityAlways {
                    message: format!("cannot insert a non-DEFAULT value into column \"{column}\""),
                    detail: format!(
                        "Column \"{column}\" is an identity column defined as GENERATED ALWAYS."
                    ),
                });
            }
        }
        Ok(())
    }
}

fn replace_default_keywords(
    source: &mut ast::Query,
    schema: &TableSchema,
    targets: &[usize],
) -> Result<()> {
    let ast::SetExpr::Values(values) = source.body.as_mut() else {
        return Ok(());
    };
    for row in &mut values.rows {
        for (expr, &target) in row.iter_mut().zip(targets) {
            let is_default = matches!(expr, ast::Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
            if is_default {
                let column = &schema.columns()[target];
                *expr = default_expr(column)?
                    .unwrap_or(ast::Expr::Value(ast::Value::Null.with_empty_span()));
            }
        }
    }
    Ok(())
}

/// Literals of `INSERT ... VALUES` cast to their target column's type where they stand, as
/// PostgreSQL coerces each row of the list to the target columns before the list is one
/// relation; DataFusion would first find each column a type all rows share. That fails for
/// a string bound for a `BOOLEAN` column beside a `true` (`(true), ('t')`: no common type;
/// a string that is no boolean fails the cast, 22P02) and for numbers bound for a `REAL` or
/// `DOUBLE PRECISION` column whose magnitudes no one decimal type holds (`(3.4e38),
/// (2.5e-10)`: 38 digits are not enough).
fn type_literals_by_target(source: &mut ast::Query, types: &[DataType]) {
    let ast::SetExpr::Values(values) = source.body.as_mut() else {
        return;
    };
    for row in &mut values.rows {
        for (expr, data_type) in row.iter_mut().zip(types) {
            // A signed number (`-0.25`) is a sign applied to one.
            let literal = match &*expr {
                ast::Expr::UnaryOp {
                    op: ast::UnaryOperator::Minus | ast::UnaryOperator::Plus,
                    expr: operand,
                } => operand.as_ref(),
                other => other,
            };
            let ast::Expr::Value(v) = literal else {
                continue;
            };
            let target = match (&v.value, data_type) {
                (ast::Value::SingleQuotedString(_), DataType::Boolean) => ast::DataType::Boolean,
                (ast::Value::Number(..), DataType::Real) => ast::DataType::Real,
                (ast::Value::Number(..), DataType::Double) => ast::DataType::DoublePrecision,
                _ => continue,
            };
            *expr = ast::Expr::Cast {
                kind: ast::CastKind::Cast,
                expr: Box::new(expr.clone()),
                data_type: target,
                array: false,
                format: None,
            };
        }
    }
}

/// The error of a statement that writes a hidden row identity: the database fills it, as
/// PostgreSQL's system columns.
pub(super) fn system_column(column: &Column) -> Error {
    Error::Execution {
        message: format!("cannot assign to system column \"{}\"", column.name),
        sqlstate: SqlState::FEATURE_NOT_SUPPORTED,
    }
}

/// A column's `DEFAULT` as an expression.
fn default_expr(column: &Column) -> Result<Option<ast::Expr>> {
    let text = match &column.default {
        None => return Ok(None),
        Some(ColumnDefault::Expr(text)) => text.clone(),
        Some(ColumnDefault::Value(_)) => {
            return Err(unsupported(
                "internal: constant defaults are stored as text",
            ));
        }
        Some(ColumnDefault::RowId(_)) => return Err(system_column(column)),
    };
    let statement = crate::parse(&format!("SELECT {text}"))?.pop();
    if let Some(Statement::Sql(sql)) = statement
        && let Ast::Query(query) = sql.statement
        && let ast::SetExpr::Select(select) = *query.body
        && let Some(ast::SelectItem::UnnamedExpr(mut expr)) = select.projection.into_iter().next()
    {
        crate::sequences::prepare_expr(&mut expr);
        return Ok(Some(expr));
    }
    Err(unsupported(&format!("DEFAULT {text}")))
}

/// `RETURNING items` over the rows a statement wrote, as the table `qualifier`.
pub(super) async fn returning(
    qualifier: &str,
    schema: &TableSchema,
    rows: &[Row],
    items: &[ast::SelectItem],
) -> Result<Rows> {
    let ctx = crate::engine::postgres_context().map_err(execution)?;
    register_rows(&ctx, qualifier, schema, rows, false)?;
    let mut items = items.to_vec();
    // `RETURNING *` leaves out a hidden row identity, as `SELECT *` does.
    if let Some(row_id) = schema.row_id() {
        let hidden = ast::ObjectName(vec![ast::ObjectNamePart::Identifier(
            ast::Ident::with_quote('"', schema.columns()[row_id].name.as_str()),
        )]);
        for item in &mut items {
            if let ast::SelectItem::Wildcard(options)
            | ast::SelectItem::QualifiedWildcard(_, options) = item
                && options.opt_exclude.is_none()
            {
                options.opt_exclude = Some(ast::ExcludeSelectItem::Single(hidden.clone()));
            }
        }
    }
    let statement = select_from(&quote(qualifier), items, None)?;
    let plan = ctx
        .state()
        .statement_to_plan(DfStatement::Statement(Box::new(statement)))
        .await
        .map_err(execution)?;
    let schema = Arc::new(plan.schema().as_arrow().clone());
    let batches = ctx
        .execute_logical_plan(plan)
        .await
        .map_err(execution)?
        .collect()
        .await
        .map_err(execution)?;
    Ok(Rows { schema, batches })
}

/// Registers `rows` as an in-memory table `name` (with a row-number column if asked).
fn register_rows(
    ctx: &SessionContext,
    name: &str,
    schema: &TableSchema,
    rows: &[Row],
    numbered: bool,
) -> Result<()> {
    let schema = &crate::arrow::fitted_schema(schema, rows);
    let mut types = column_types(schema);
    let mut fields: Vec<Field> = crate::arrow::schema(schema)
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let numbered_rows: Vec<Row>;
    let rows = if numbered {
        types.push(DataType::BigInt);
        fields.push(Field::new(
            ROW_NUMBER,
            datafusion::arrow::datatypes::DataType::Int64,
            false,
        ));
        numbered_rows = rows
            .iter()
            .enumerate()
            .map(|(n, row)| {
                let mut row = row.clone();
                row.push(Value::Int64(n as i64));
                row
            })
            .collect();
        &numbered_rows
    } else {
        rows
    };
    let arrow_schema = Arc::new(Schema::new(fields));
    let batch =
        crate::arrow::rows_to_batch(Arc::clone(&arrow_schema), &types, rows).map_err(|e| {
            Error::InvalidValue {
                message: e.to_string(),
            }
        })?;
    let table = MemTable::try_new(arrow_schema, vec![vec![batch]]).map_err(execution)?;
    ctx.register_table(TableReference::bare(name), Arc::new(table))
        .map_err(execution)?;
    Ok(())
}

async fn run_ast(ctx: &SessionContext, statement: Ast) -> Result<Vec<RecordBatch>> {
    let plan = ctx
        .state()
        .statement_to_plan(DfStatement::Statement(Box::new(statement)))
        .await
        .map_err(execution)?;
    ctx.execute_logical_plan(plan)
        .await
        .map_err(execution)?
        .collect()
        .await
        .map_err(execution)
}

fn column_types(schema: &TableSchema) -> Vec<DataType> {
    schema
        .columns()
        .iter()
        .map(|c| c.data_type.clone())
        .collect()
}

/// The table a DML statement writes, and the name its columns are qualified with.
pub(super) fn target_table(target: &ast::TableWithJoins) -> Result<(String, String)> {
    if !target.joins.is_empty() {
        return Err(unsupported("writing through a join"));
    }
    match &target.relation {
        ast::TableFactor::Table {
            name,
            alias,
            version: None,
            ..
        } => {
            let table = table_name(name)?;
            let qualifier = alias
                .as_ref()
                .map_or_else(|| table.clone(), |a| ident_name(&a.name));
            Ok((table, qualifier))
        }
        ast::TableFactor::Table { .. } => Err(unsupported(
            "writing to a table read FOR SYSTEM_TIME: history is read-only",
        )),
        _ => Err(unsupported("writing to this kind of table reference")),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"table" AS "qualifier"` (or just `"table"`).
fn relation_sql(table: &str, qualifier: &str) -> String {
    if table == qualifier {
        quote(table)
    } else {
        format!("{} AS {}", quote(table), quote(qualifier))
    }
}

fn qualified(qualifier: &str, column: &str) -> ast::Expr {
    ast::Expr::CompoundIdentifier(vec![
        ast::Ident::with_quote('"', qualifier),
        ast::Ident::with_quote('"', column),
    ])
}

/// `expr AS name`, or just the column `name`.
fn column_item(name: &str, expr: Option<ast::Expr>) -> ast::SelectItem {
    let ident = ast::Ident::with_quote('"', name);
    match expr {
        Some(expr) => ast::SelectItem::ExprWithAlias { expr, alias: ident },
        None => ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(ident)),
    }
}

/// `SELECT items FROM <from> [WHERE selection]` as an AST. It starts from a parsed template
/// and swaps in the parts, so no user expression is printed and parsed again.
fn select_from(
    from: &str,
    items: Vec<ast::SelectItem>,
    selection: Option<ast::Expr>,
) -> Result<Ast> {
    template(&format!("SELECT 1 FROM {from}"), items, selection)
}

fn select_from_nothing(items: Vec<ast::SelectItem>) -> Result<Ast> {
    template("SELECT 1", items, None)
}

fn template(sql: &str, items: Vec<ast::SelectItem>, selection: Option<ast::Expr>) -> Result<Ast> {
    let mut query = match crate::parse(sql)?.pop() {
        Some(Statement::Sql(s)) => match s.statement {
            Ast::Query(query) => query,
            _ => return Err(unsupported("internal: the SELECT template is not a query")),
        },
        _ => return Err(unsupported("internal: the SELECT template did not parse")),
    };
    let ast::SetExpr::Select(select) = query.body.as_mut() else {
        return Err(unsupported("internal: the SELECT template has no SELECT"));
    };
    select.projection = items;
    select.selection = selection;
    Ok(Ast::Query(query))
}

/// Gives the items of an `INSERT`'s source query that share a name with an earlier one
/// (`SELECT x, x`, `SELECT 1, 1`) names of their own: DataFusion refuses duplicate output
/// names, where an `INSERT` only cares about positions. Items with unique names keep them,
/// so an `ORDER BY` of the source still finds them.
fn name_duplicate_items(body: &mut ast::SetExpr) {
    match body {
        ast::SetExpr::Select(select) => {
            let mut seen = BTreeSet::new();
            for (i, item) in select.projection.iter_mut().enumerate() {
                let name = match item {
                    ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(ident)) => ident_name(ident),
                    ast::SelectItem::UnnamedExpr(ast::Expr::CompoundIdentifier(parts)) => {
                        parts.last().map(ident_name).unwrap_or_default()
                    }
                    ast::SelectItem::UnnamedExpr(expr) => expr.to_string(),
                    ast::SelectItem::ExprWithAlias { alias, .. } => ident_name(alias),
                    _ => continue,
                };
                if seen.insert(name) {
                    continue;
                }
                let alias = ast::Ident::new(format!("__driftdb_insert_{i}"));
                match item {
                    ast::SelectItem::UnnamedExpr(expr) => {
                        *item = ast::SelectItem::ExprWithAlias {
                            expr: expr.clone(),
                            alias,
                        };
                    }
                    ast::SelectItem::ExprWithAlias { alias: named, .. } => *named = alias,
                    _ => {}
                }
            }
        }
        ast::SetExpr::SetOperation { left, right, .. } => {
            name_duplicate_items(left);
            name_duplicate_items(right);
        }
        ast::SetExpr::Query(query) => name_duplicate_items(&mut query.body),
        _ => {}
    }
}

/// How many columns an `INSERT`'s source yields, where the statement says so: the width of
/// a `VALUES` list, or of a `SELECT` list without wildcards.
fn source_width(source: &ast::Query) -> Option<usize> {
    match source.body.as_ref() {
        ast::SetExpr::Values(values) => values.rows.first().map(|row| row.len()),
        ast::SetExpr::Select(select) => (!select.projection.iter().any(|item| {
            matches!(
                item,
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
            )
        }))
        .then_some(select.projection.len()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use driftdb_projector::{Column, DataType, TableSchema, Value};
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn schema() -> TableSchema {
        TableSchema::new(
            "acc",
            vec![
                Column::new("id", DataType::BigInt, false),
                Column::new("balance", DataType::BigInt, false),
                Column::new("owner", DataType::Text, true),
                Column::new("ratio", DataType::Double, true),
            ],
            vec![0],
            vec![],
            vec![],
        )
        .unwrap()
    }

    fn of(sql: &str) -> Option<(Key, PointUpdate)> {
        let parsed = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        let Some(Ast::Update(update)) = parsed.into_iter().next() else {
            panic!("{sql} is not an UPDATE");
        };
        PointUpdate::of(&update, &schema(), "acc")
    }

    #[test]
    fn updates_by_key_of_the_shape_are_computed_from_the_old_row() {
        let old = vec![
            Value::Int64(7),
            Value::Int64(100),
            Value::Text("ann".into()),
            Value::Null,
        ];
        for (sql, balance, owner) in [
            (
                "UPDATE acc SET balance = balance + 5 WHERE id = 7",
                105,
                "ann",
            ),
            (
                "UPDATE acc SET balance = balance - 5 WHERE acc.id = 7",
                95,
                "ann",
            ),
            (
                "UPDATE acc SET owner = 'bo', balance = 1 WHERE (id = 7)",
                1,
                "bo",
            ),
            (
                "UPDATE acc SET balance = balance + CAST('2' AS BIGINT) WHERE id = '7'::bigint",
                102,
                "ann",
            ),
        ] {
            let (key, update) = of(sql).unwrap_or_else(|| panic!("{sql} takes the fast path"));
            assert_eq!(key, vec![Value::Int64(7)], "{sql}");
            let new = update.apply(old.clone()).expect(sql);
            assert_eq!(new[1], Value::Int64(balance), "{sql}");
            assert_eq!(new[2], Value::Text(owner.into()), "{sql}");
        }
        let (_, overflow) =
            of("UPDATE acc SET balance = balance + 9223372036854775807 WHERE id = 7")
                .expect("the shape");
        assert_eq!(
            overflow.apply(old.clone()),
            None,
            "overflow is the general path's"
        );
    }

    #[test]
    fn other_updates_are_left_to_the_general_path() {
        for sql in [
            "UPDATE acc SET balance = balance * 2 WHERE id = 7",
            "UPDATE acc SET balance = 1 WHERE id = 7 AND owner = 'ann'",
            "UPDATE acc SET balance = 1 WHERE id > 7",
            "UPDATE acc SET balance = 1",
            "UPDATE acc SET id = 8 WHERE id = 7",
            "UPDATE acc SET ratio = 1.5 WHERE id = 7",
            "UPDATE acc SET balance = '1' WHERE id = 7",
            "UPDATE acc SET balance = 1, balance = 2 WHERE id = 7",
            "UPDATE acc SET balance = 1 FROM other WHERE id = 7",
            "UPDATE acc SET balance = DEFAULT WHERE id = 7",
            "UPDATE acc SET owner = owner || 'x' WHERE id = 7",
        ] {
            assert!(of(sql).is_none(), "{sql}");
        }
    }
}
