//! Temporary tables in the store: the stored names they have (`pg_temp_<session>_<name>`)
//! and dropping them, a session's when it ends and every session's when the database opens
//! ([`drop_leftovers`]: no session holds one then). How a session sees its temporary tables
//! is `session/temporary.rs`.

use driftdb_projector::{LedgerOp, Store, Transaction};

/// What every stored name of a temporary table starts with.
pub(crate) const PREFIX: &str = "pg_temp_";

/// The ledger name of session `session`'s temporary table `name`.
pub(crate) fn stored_name(session: u64, name: &str) -> String {
    format!("{PREFIX}{session}_{name}")
}

/// The session and the name of the temporary table stored as `stored`; `None` for a
/// permanent table.
pub(crate) fn temporary_of(stored: &str) -> Option<(u64, &str)> {
    let rest = stored.strip_prefix(PREFIX)?;
    let (session, name) = rest.split_once('_')?;
    Some((session.parse().ok()?, name))
}

/// The schema PostgreSQL would show session `session`'s temporary tables in.
pub(crate) fn schema_name(session: u64) -> String {
    format!("pg_temp_{session}")
}

/// The operations that drop the temporary tables `session` owns (every session's, for
/// `None`), with the sequences their `SERIAL` and identity columns own.
pub(crate) fn drops(store: &Store, session: Option<u64>) -> Vec<LedgerOp> {
    let ours =
        |name: &str| temporary_of(name).is_some_and(|(s, _)| session.is_none_or(|id| id == s));
    let db = store.read();
    let mut ops: Vec<LedgerOp> = Vec::new();
    if let (Ok(shared), Some((seq, _))) = (db.table(crate::sequences::TABLE), store.last()) {
        for sequence in crate::sequences::all_at(&driftdb_projector::database::read(shared), seq) {
            if sequence
                .owner
                .as_ref()
                .is_some_and(|(table, _)| ours(table))
            {
                ops.push(crate::sequences::Sequence::delete(&sequence.name));
            }
        }
    }
    ops.extend(
        db.table_names()
            .iter()
            .filter(|name| ours(name))
            .map(|name| LedgerOp::DropTable {
                table: name.to_string(),
            }),
    );
    ops
}

/// Drops every temporary table in `store`: at start-up, no session holds one.
pub(crate) fn drop_leftovers(store: &Store) -> driftdb_projector::Result<()> {
    let ops = drops(store, None);
    if !ops.is_empty() {
        store.commit(Transaction { ops }, None, &[])?;
    }
    Ok(())
}
