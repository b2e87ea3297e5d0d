//! [`Chunks`]: the table's rows divided by slab position into runs of [`CHUNK_SLOTS`], with
//! the sequences at which each run changed.
//!
//! A chunk's rows as visible at sequence `s` depend only on the newest change to the chunk at
//! or before `s`, its *state* at `s` ([`Chunks::state_at`]). Two reads whose sequences give
//! the same state see the same rows, so a reader may keep a converted copy of a chunk (the
//! SQL layer keeps Arrow arrays) under `(chunk, state)` and reuse it at any sequence with that
//! state, the present included, without ever being told about later commits: a later change
//! to the chunk gives later sequences a new state and leaves the old one true.
//!
//! Invariants: each chunk's list is strictly increasing; it holds the sequence of every
//! change (insert, update, delete) to a key in the chunk's slots at or after the table's
//! horizon, and the newest one before it. A slot keeps its key for the key's whole life
//! (vacuum frees only slots of keys deleted before the horizon, which no retained read sees).

/// Slots per chunk: the unit of conversion, caching and parallel scans.
pub const CHUNK_SLOTS: usize = 16_384;

#[derive(Debug, Clone, Default)]
pub(crate) struct Chunks {
    changes: Vec<Vec<u64>>,
}

impl Chunks {
    /// Records a change at `seq` to the key in `slot`. Sequences arrive in increasing order,
    /// except while a table is restored (see [`Chunks::settle`]).
    pub(crate) fn note(&mut self, slot: usize, seq: u64) {
        let chunk = slot / CHUNK_SLOTS;
        if self.changes.len() <= chunk {
            self.changes.resize_with(chunk + 1, Vec::new);
        }
        if let Some(list) = self.changes.get_mut(chunk)
            && list.last() != Some(&seq)
        {
            list.push(seq);
        }
    }

    /// Sorts and deduplicates after changes were noted out of order (restoring a snapshot).
    pub(crate) fn settle(&mut self) {
        for list in &mut self.changes {
            list.sort_unstable();
            list.dedup();
        }
    }

    /// The newest change to `chunk` at or before `seq`; `None` if it had none (no rows then).
    pub(crate) fn state_at(&self, chunk: usize, seq: u64) -> Option<u64> {
        let list = self.changes.get(chunk)?;
        let after = list.partition_point(|&s| s <= seq);
        after.checked_sub(1).and_then(|i| list.get(i).copied())
    }

    /// Forgets changes no read at or after `horizon` needs: all but the newest before it.
    pub(crate) fn vacuum(&mut self, horizon: u64) {
        for list in &mut self.changes {
            let before = list.partition_point(|&s| s < horizon);
            if before > 1 {
                list.drain(..before - 1);
            }
        }
    }

    pub(crate) fn approx_bytes(&self) -> usize {
        self.changes
            .iter()
            .map(|l| std::mem::size_of::<Vec<u64>>() + l.capacity() * 8)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_the_newest_change_at_or_before_the_sequence() {
        let mut c = Chunks::default();
        c.note(0, 3);
        c.note(5, 3);
        c.note(CHUNK_SLOTS + 1, 4);
        c.note(1, 9);
        assert_eq!(c.state_at(0, 2), None);
        assert_eq!(c.state_at(0, 3), Some(3));
        assert_eq!(c.state_at(0, 8), Some(3));
        assert_eq!(c.state_at(0, 9), Some(9));
        assert_eq!(c.state_at(0, u64::MAX), Some(9));
        assert_eq!(c.state_at(1, 3), None);
        assert_eq!(c.state_at(1, 4), Some(4));
        assert_eq!(c.state_at(2, 100), None);
    }

    #[test]
    fn vacuum_keeps_the_state_at_the_horizon() {
        let mut c = Chunks::default();
        for seq in [1, 2, 5, 8] {
            c.note(0, seq);
        }
        c.vacuum(6);
        assert_eq!(c.state_at(0, 6), Some(5));
        assert_eq!(c.state_at(0, 8), Some(8));
        c.vacuum(8);
        assert_eq!(c.state_at(0, 8), Some(8));
    }

    #[test]
    fn settle_orders_changes_noted_out_of_order() {
        let mut c = Chunks::default();
        for seq in [7, 2, 7, 4] {
            c.note(3, seq);
        }
        c.settle();
        assert_eq!(c.state_at(0, 3), Some(2));
        assert_eq!(c.state_at(0, 6), Some(4));
        assert_eq!(c.state_at(0, 7), Some(7));
    }
}
