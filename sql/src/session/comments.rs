//! `COMMENT ON` (`crate::comments`): the statement, the comments a snapshot sees, and the
//! comments that go or move with the objects they describe.

use driftdb_projector::LedgerOp;
use sqlparser::ast::{CommentObject, ObjectName};

use super::{Session, Snapshot, Write};
use crate::SqlState;
use crate::comments::{self, Comment};
use crate::error::unsupported;
use crate::error::{Error, Result};
use crate::schemas::ident_name;

impl Session {
    /// Every comment as `snapshot` (and the open transaction's writes) has it.
    pub(super) fn comments_at(&self, snapshot: &Snapshot) -> Vec<Comment> {
        self.internal_rows(comments::TABLE, snapshot, Comment::of_row)
    }

    /// `COMMENT ON { TABLE | VIEW | SEQUENCE | COLUMN } name IS 'text' | NULL`.
    pub(super) fn comment_on(
        &self,
        object: CommentObject,
        name: &ObjectName,
        text: Option<String>,
        snapshot: &Snapshot,
    ) -> Result<Write> {
        let idents: Vec<String> = name
            .0
            .iter()
            .map(|p| p.as_ident().map(ident_name))
            .collect::<Option<_>>()
            .ok_or_else(|| unsupported("this name form in COMMENT ON"))?;
        // Resolved (`crate::session::schemas`): the relation by its stored name.
        let parts: Vec<&str> = idents.iter().map(String::as_str).collect();
        let (relation, column) = match (object, parts.as_slice()) {
            (CommentObject::Table | CommentObject::View | CommentObject::Sequence, [r]) => {
                (r.to_string(), String::new())
            }
            (CommentObject::Column, [r, c]) => (r.to_string(), c.to_string()),
            (CommentObject::Table | CommentObject::View | CommentObject::Sequence, _)
            | (CommentObject::Column, _) => {
                return Err(unsupported("this name form in COMMENT ON"));
            }
            (other, _) => {
                return Err(unsupported(&format!(
                    "COMMENT ON {other}: DriftDB keeps comments on tables, views, sequences and columns"
                )));
            }
        };
        let views = self.views_at(snapshot);
        let exists = match object {
            CommentObject::Table => self.schema_at(&relation, snapshot).is_ok(),
            CommentObject::View => views.contains_key(&relation),
            CommentObject::Sequence => self.sequence_at(&relation, snapshot).is_some(),
            _ => self.schema_at(&relation, snapshot).is_ok() || views.contains_key(&relation),
        };
        if !exists {
            return Err(Error::UndefinedTable { name: relation });
        }
        if !column.is_empty() {
            let has = match self.schema_at(&relation, snapshot) {
                Ok(schema) => schema.column_index(&column).is_some(),
                Err(_) => views
                    .get(&relation)
                    .is_some_and(|v| v.columns.contains(&column)),
            };
            if !has {
                return Err(Error::Execution {
                    message: format!(
                        "column \"{column}\" of relation \"{relation}\" does not exist"
                    ),
                    sqlstate: SqlState::UNDEFINED_COLUMN,
                });
            }
        }
        let mut ops = Vec::new();
        match text {
            Some(text) => {
                if self.schema_at(comments::TABLE, snapshot).is_err() {
                    ops.push(comments::create_table()?);
                }
                ops.push(
                    Comment {
                        relation,
                        column,
                        text,
                    }
                    .upsert(),
                );
            }
            None if self.schema_at(comments::TABLE, snapshot).is_ok() => {
                ops.push(Comment::delete(&relation, &column));
            }
            None => {}
        }
        Ok(Write {
            ops,
            tag: "COMMENT".into(),
            rows: None,
        })
    }

    /// The ops that delete the comments on `relation` (or only on its `column`).
    pub(super) fn forget_comments(
        &self,
        relation: &str,
        column: Option<&str>,
        snapshot: &Snapshot,
    ) -> Vec<LedgerOp> {
        self.comments_at(snapshot)
            .iter()
            .filter(|c| c.relation == relation && column.is_none_or(|col| c.column == col))
            .map(|c| Comment::delete(&c.relation, &c.column))
            .collect()
    }

    /// The ops that move the comments on `relation` to `to` (a renamed table), or the one on
    /// its column `from` to column `to_column` (a renamed column).
    pub(super) fn move_comments(
        &self,
        relation: &str,
        to: &str,
        columns: Option<(&str, &str)>,
        snapshot: &Snapshot,
    ) -> Vec<LedgerOp> {
        let mut ops = Vec::new();
        for comment in self.comments_at(snapshot) {
            if comment.relation != relation {
                continue;
            }
            let column = match columns {
                Some((from, to_column)) if comment.column == from => to_column.to_string(),
                Some(_) => continue,
                None => comment.column.clone(),
            };
            ops.push(Comment::delete(&comment.relation, &comment.column));
            ops.push(
                Comment {
                    relation: to.to_string(),
                    column,
                    text: comment.text,
                }
                .upsert(),
            );
        }
        ops
    }
}
