//! [`Rows`]: every primary key's version chain, reachable by key order and by hash.
//!
//! Chains live in a slab (`slots`). Two maps point into it:
//! - `order`, a B-tree from key to slot, serves scans and key ranges in key order;
//! - `by_key`, a hash map from key to slot, serves point lookups in O(1): a B-tree search at
//!   a million keys costs a cache miss or more per level, a hash probe one or two.
//!
//! Invariants: `order` and `by_key` hold the same keys, each mapped to the same slot, and a
//! slot is `Some` exactly when some key maps to it. Freed slots (keys dropped by vacuum) are
//! reused by later inserts.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use crate::table::chain::Chain;
use crate::table::key::StoredKey;
use crate::value::Value;

#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    slots: Vec<Option<Chain>>,
    free: Vec<usize>,
    order: BTreeMap<StoredKey, usize>,
    by_key: HashMap<StoredKey, usize>,
}

impl Rows {
    /// The chain in `slot`.
    pub(crate) fn slot(&self, slot: usize) -> Option<&Chain> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn get(&self, key: &[Value]) -> Option<&Chain> {
        self.by_key.get(key).and_then(|&s| self.slot(s))
    }

    /// The slot holding `key`'s chain.
    pub(crate) fn slot_of(&self, key: &[Value]) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The chain in `slot`, to change.
    pub(crate) fn at_mut(&mut self, slot: usize) -> Option<&mut Chain> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    /// One past the highest slot ever used: slots below it may hold chains.
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The chains in `slots`, in slot order.
    pub(crate) fn in_slots(&self, slots: std::ops::Range<usize>) -> impl Iterator<Item = &Chain> {
        let end = slots.end.min(self.slots.len());
        let start = slots.start.min(end);
        self.slots.get(start..end).unwrap_or(&[]).iter().flatten()
    }

    /// Adds a chain for a key that has none and returns its slot; `None` (changing nothing)
    /// if the key has one.
    pub(crate) fn insert(&mut self, key: StoredKey, chain: Chain) -> Option<usize> {
        if self.by_key.contains_key(&key) {
            return None;
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(place) = self.slots.get_mut(slot) {
                    *place = Some(chain);
                }
                slot
            }
            None => {
                self.slots.push(Some(chain));
                self.slots.len() - 1
            }
        };
        self.order.insert(key.clone(), slot);
        self.by_key.insert(key, slot);
        Some(slot)
    }

    /// `(key, chain)` in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&StoredKey, &Chain)> {
        self.order
            .iter()
            .filter_map(|(k, &s)| self.slot(s).map(|c| (k, c)))
    }

    /// Chains in key order.
    pub(crate) fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.order.values().filter_map(|&s| self.slot(s))
    }

    /// `(key, chain)` in key order from the first key after `after` (from the first key if
    /// `None`).
    pub(crate) fn iter_after<'a>(
        &'a self,
        after: Option<&[Value]>,
    ) -> impl Iterator<Item = (&'a StoredKey, &'a Chain)> + use<'a> {
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.order
            .range::<[Value], _>((lower, Bound::Unbounded))
            .filter_map(|(k, &s)| self.slot(s).map(|c| (k, c)))
    }

    /// Chains of keys within the bounds, in key order. The bounds must not be inverted
    /// (`BTreeMap::range` panics on those); the caller checks.
    pub(crate) fn range<'a>(
        &'a self,
        lower: Bound<&'a [Value]>,
        upper: Bound<&'a [Value]>,
    ) -> impl Iterator<Item = &'a Chain> + 'a {
        self.order
            .range::<[Value], _>((lower, upper))
            .filter_map(|(_, &s)| self.slot(s))
    }

    /// Keeps the chains for which `keep` returns true; it may also change them.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&mut Chain) -> bool) {
        let Rows {
            slots,
            free,
            order,
            by_key,
        } = self;
        order.retain(|key, &mut slot| {
            let Some(place) = slots.get_mut(slot) else {
                return false;
            };
            let kept = place.as_mut().is_some_and(&mut keep);
            if !kept {
                *place = None;
                free.push(slot);
                by_key.remove(key);
            }
            kept
        });
    }

    /// Approximate bytes of the maps and slab, excluding what chains and keys own on the heap
    /// (the caller adds those). Map overhead: B-tree nodes at half the entry size again, hash
    /// tables at 1/0.875 load plus a control byte per bucket.
    pub(crate) fn approx_bytes(&self) -> usize {
        let key = std::mem::size_of::<StoredKey>();
        let slot = std::mem::size_of::<usize>();
        let tree = self.order.len() * (key + slot) * 3 / 2;
        let hash = self.by_key.capacity() * (key + slot + 1) * 8 / 7;
        let slab = self.slots.capacity() * std::mem::size_of::<Option<Chain>>()
            + self.free.capacity() * slot;
        let key_heap: usize = self.order.keys().map(|k| 2 * k.heap_bytes()).sum();
        tree + hash + slab + key_heap
    }
}
