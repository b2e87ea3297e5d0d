//! A versioned secondary B-tree index.
//!
//! Each entry says "the row with primary key `pk` had index key `ikey` from sequence `start`
//! until `end` (exclusive; `None` while it still has it)". Entries are keyed by
//! `(ikey, pk, start)`, so one B-tree range answers equality and range lookups, and a row
//! that changed its indexed value is found under the old value at old sequences and under the
//! new value at new ones.
//!
//! Invariants, kept by [`crate::Table`]:
//! - for each `pk`, the intervals of its entries are disjoint, and at most one is open;
//! - an entry is open exactly when the row is live now and has that index key;
//! - an entry covers sequence `s` exactly when the row's version visible at `s` has that
//!   index key. So a lookup needs no re-check against the row.
//!
//! Cost: a lookup is O(log entries) plus the entries it walks, which include intervals that
//! do not cover the requested sequence (old values of updated rows) until `vacuum` drops them.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::schema::{Key, project};
use crate::table::key::StoredKey;
use crate::value::Value;

/// `(index key, primary key, start)`.
type EntryKey = (StoredKey, StoredKey, u64);

#[derive(Debug, Clone)]
pub(crate) struct SecondaryIndex {
    columns: Vec<usize>,
    entries: BTreeMap<EntryKey, Option<u64>>,
}

impl SecondaryIndex {
    pub(crate) fn new(columns: Vec<usize>) -> Self {
        SecondaryIndex {
            columns,
            entries: BTreeMap::new(),
        }
    }

    pub(crate) fn key_of(&self, row: &[Value]) -> Vec<Value> {
        project(row, &self.columns)
    }

    /// Records that the row `pk` has index key `ikey` from `seq` on.
    pub(crate) fn open(&mut self, ikey: Vec<Value>, pk: Key, seq: u64) {
        self.entries
            .insert((StoredKey::from(ikey), StoredKey::from(pk), seq), None);
    }

    /// Records that the row `pk` no longer has index key `ikey` from `seq` on. Its open
    /// entry is the newest of `(ikey, pk, _)`.
    pub(crate) fn close(&mut self, ikey: Vec<Value>, pk: Key, seq: u64) {
        let (ikey, pk) = (StoredKey::from(ikey), StoredKey::from(pk));
        let hi = (ikey.clone(), pk.clone(), u64::MAX);
        let lo = (ikey, pk, 0);
        if let Some((_, end)) = self.entries.range_mut(lo..=hi).next_back()
            && end.is_none()
        {
            *end = Some(seq);
        }
    }

    /// Primary keys of the rows whose index key lies within the bounds at `seq`, in index
    /// order. Bounds compare index keys lexicographically, so a shorter bound acts on a
    /// prefix: `[5]` is below `[5, x]`.
    pub(crate) fn range<'a>(
        &'a self,
        lower: Bound<&'a [Value]>,
        upper: Bound<&'a [Value]>,
        seq: u64,
    ) -> impl Iterator<Item = &'a [Value]> + 'a {
        let start = match lower {
            Bound::Included(lo) | Bound::Excluded(lo) => {
                Bound::Included((StoredKey::from(lo), StoredKey::empty(), 0))
            }
            Bound::Unbounded => Bound::Unbounded,
        };
        self.entries
            .range((start, Bound::Unbounded))
            .skip_while(move |((ikey, _, _), _)| matches!(lower, Bound::Excluded(lo) if ikey.as_slice() == lo))
            .take_while(move |((ikey, _, _), _)| match upper {
                Bound::Included(hi) => ikey.as_slice() <= hi,
                Bound::Excluded(hi) => ikey.as_slice() < hi,
                Bound::Unbounded => true,
            })
            .filter(move |((_, _, start), end)| *start <= seq && end.is_none_or(|e| seq < e))
            .map(|((_, pk, _), _)| pk.as_slice())
    }

    /// Primary keys of the rows whose index key starts with `prefix` at `seq`, in index order.
    pub(crate) fn prefix<'a>(
        &'a self,
        prefix: &'a [Value],
        seq: u64,
    ) -> impl Iterator<Item = &'a [Value]> + 'a {
        self.entries
            .range((StoredKey::from(prefix), StoredKey::empty(), 0)..)
            .take_while(move |((ikey, _, _), _)| ikey.as_slice().starts_with(prefix))
            .filter(move |((_, _, start), end)| *start <= seq && end.is_none_or(|e| seq < e))
            .map(|((_, pk, _), _)| pk.as_slice())
    }

    /// Drops entries that ended at or before `horizon`; returns how many.
    pub(crate) fn vacuum(&mut self, horizon: u64) -> usize {
        let before = self.entries.len();
        self.entries
            .retain(|_, end| end.is_none_or(|e| e > horizon));
        before - self.entries.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Approximate bytes, counting B-tree node overhead as half the entry size again.
    pub(crate) fn approx_bytes(&self) -> usize {
        let entry = std::mem::size_of::<EntryKey>() + std::mem::size_of::<Option<u64>>();
        self.entries
            .keys()
            .map(|(ikey, pk, _)| entry + entry / 2 + ikey.heap_bytes() + pk.heap_bytes())
            .sum()
    }
}
