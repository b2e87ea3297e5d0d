//! The version chain of one primary key.
//!
//! A chain is a list of entries ordered by strictly increasing `start_seq`. Entry `i` holds
//! from its own `start_seq` up to (not including) the `start_seq` of entry `i + 1`; the last
//! entry holds from its start onwards. So the end of a version is never stored: it is the
//! start of the next entry, and closing a version is just pushing the next entry.
//!
//! Entries are of two kinds:
//! - a live version (`Op::Insert` or `Op::Update`) carrying the row;
//! - a deletion (`Op::Delete`), during which the key has no row. It carries an empty row and
//!   reports the row it deleted, which is the previous entry's. A deletion always directly
//!   follows a live version; a chain never starts with a deletion.
//!
//! Before the first entry's start the key has no row. The newest entry is kept apart from
//! the older ones (`current`), so the present state is one field read away and a chain with
//! a single version allocates nothing beyond its row. A read at an old sequence is a binary
//! search over the older entries: O(log versions).

use crate::schema::Row;
use crate::table::{Op, VersionRef};

/// The row a deletion reports if its predecessor is missing, which a valid chain never has.
static NO_ROW: Row = Vec::new();

/// One entry of a chain: see the module documentation.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub(crate) struct Entry {
    /// The sequence number of the ledger record that created this entry.
    pub(crate) start_seq: u64,
    /// That record's commit time, microseconds since the Unix epoch.
    pub(crate) start_time: i64,
    /// What the record did to the key.
    pub(crate) op: Op,
    /// The row for live versions; empty for deletions.
    pub(crate) row: Row,
}

impl Entry {
    pub(crate) fn is_live(&self) -> bool {
        self.op != Op::Delete
    }
}

/// All retained entries of one key, oldest first; `current` is the newest.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    history: Vec<Entry>,
    current: Entry,
}

impl Chain {
    /// A chain holding one live entry.
    pub(crate) fn new(first: Entry) -> Self {
        Chain {
            history: Vec::new(),
            current: first,
        }
    }

    /// Builds a chain from entries in order; `None` if there are none.
    pub(crate) fn from_entries(mut entries: Vec<Entry>) -> Option<Self> {
        let current = entries.pop()?;
        Some(Chain {
            history: entries,
            current,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.history.len() + 1
    }

    /// How many entries had started by `seq`: the chain as it was then is the first this
    /// many (entries are only ever appended, so that prefix does not change).
    pub(crate) fn len_at(&self, seq: u64) -> usize {
        self.position_at(seq).map_or(0, |i| i + 1)
    }

    /// The `i`-th entry, oldest first; the newest for any `i` past the end.
    pub(crate) fn entry_or_newest(&self, i: usize) -> &Entry {
        self.history.get(i).unwrap_or(&self.current)
    }

    fn entry(&self, i: usize) -> Option<&Entry> {
        if i < self.history.len() {
            self.history.get(i)
        } else if i == self.history.len() {
            Some(&self.current)
        } else {
            None
        }
    }

    /// The present row, if the key is not deleted.
    pub(crate) fn live_row(&self) -> Option<&Row> {
        self.current.is_live().then_some(&self.current.row)
    }

    /// Entries oldest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.history.iter().chain(std::iter::once(&self.current))
    }

    /// Appends a newer entry; its `start_seq` must exceed the current one's.
    pub(crate) fn push(&mut self, entry: Entry) {
        let previous = std::mem::replace(&mut self.current, entry);
        self.history.push(previous);
    }

    /// Position of the entry in force at `seq`, if the key existed by then.
    fn position_at(&self, seq: u64) -> Option<usize> {
        if self.current.start_seq <= seq {
            return Some(self.history.len());
        }
        // Entries before the partition point start at or before `seq`.
        let after = self.history.partition_point(|e| e.start_seq <= seq);
        after.checked_sub(1)
    }

    /// The version visible at `seq` (a live entry), if any.
    pub(crate) fn visible_at(&self, seq: u64) -> Option<VersionRef<'_>> {
        let i = self.position_at(seq)?;
        let v = self.version(i)?;
        v.op.is_live().then_some(v)
    }

    /// The `i`-th entry as a [`VersionRef`], with its end taken from the next entry.
    pub(crate) fn version(&self, i: usize) -> Option<VersionRef<'_>> {
        let e = self.entry(i)?;
        let next = self.entry(i + 1);
        let row = if e.is_live() {
            &e.row
        } else {
            i.checked_sub(1)
                .and_then(|p| self.entry(p))
                .map_or(&NO_ROW, |p| &p.row)
        };
        Some(VersionRef {
            start_seq: e.start_seq,
            start_time: e.start_time,
            end_seq: next.map(|n| n.start_seq),
            end_time: next.map(|n| n.start_time),
            op: e.op,
            row,
        })
    }

    /// All entries as versions, oldest first.
    pub(crate) fn versions(&self) -> impl Iterator<Item = VersionRef<'_>> {
        (0..self.len()).filter_map(move |i| self.version(i))
    }

    /// Drops what no read at or after `horizon` can see: entries that ended at or before the
    /// horizon, and a deletion that happened at or before it once its row is gone. Returns
    /// how many entries were dropped and whether the chain is now empty.
    pub(crate) fn vacuum(&mut self, horizon: u64) -> (usize, bool) {
        // Entry i ended at or before the horizon iff entry i + 1 started at or before it.
        let ended = if self.current.start_seq <= horizon {
            self.history.len()
        } else {
            self.history
                .partition_point(|e| e.start_seq <= horizon)
                .saturating_sub(1)
        };
        let mut dropped = ended;
        self.history.drain(..ended);
        // A deletion whose deleted row was just dropped: keep the chain starting live.
        if self.history.first().is_some_and(|e| !e.is_live()) {
            self.history.remove(0);
            dropped += 1;
        }
        let empty =
            self.history.is_empty() && !self.current.is_live() && self.current.start_seq <= horizon;
        if empty {
            dropped += 1;
        }
        (dropped, empty)
    }

    /// Approximate heap bytes owned by this chain (entries beyond `current` and all rows).
    pub(crate) fn heap_bytes(&self) -> usize {
        let rows: usize = self.entries().map(|e| super::row_heap_bytes(&e.row)).sum();
        self.history.capacity() * std::mem::size_of::<Entry>() + rows
    }
}
