//! Idempotent-producer state of one partition.
//!
//! An idempotent producer numbers its records per partition (sequence numbers, one per record)
//! and resends a batch with the same numbers after a timeout. For each producer id the
//! partition remembers the last sequence it wrote and the last few batches, so a retried batch
//! is answered with the offsets it was first written at instead of being written twice.
//! The state is rebuilt on open from batch headers (every batch stores its producer id and
//! first sequence) and, for sealed segments, from a snapshot written when the segment sealed.

use std::collections::{HashMap, VecDeque};

/// How many recent batches per producer are remembered for answering retries.
const REMEMBERED_BATCHES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WrittenBatch {
    pub first_sequence: u32,
    pub last_sequence: u32,
    pub base_offset: u64,
    pub last_offset: u64,
    pub max_timestamp: i64,
}

#[derive(Debug, Clone, Default)]
struct ProducerState {
    batches: VecDeque<WrittenBatch>,
}

/// What to do with a batch from an idempotent producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Append,
    /// Already written: answer with the original placement.
    Duplicate(WrittenBatch),
    /// A gap or an old batch no longer remembered.
    OutOfOrder {
        expected: u32,
    },
}

#[derive(Debug, Default)]
pub(crate) struct ProducerTable {
    producers: HashMap<u64, ProducerState>,
}

impl ProducerTable {
    pub fn admit(&self, producer_id: u64, first_sequence: u32, count: u32) -> Admission {
        let Some(state) = self.producers.get(&producer_id) else {
            // A producer we have no record of (new, or its state aged out) may start anywhere.
            return Admission::Append;
        };
        let Some(last) = state.batches.back() else {
            return Admission::Append;
        };
        let expected = last.last_sequence.wrapping_add(1);
        if first_sequence == expected {
            return Admission::Append;
        }
        let last_sequence = first_sequence.wrapping_add(count.saturating_sub(1));
        if let Some(b) = state
            .batches
            .iter()
            .find(|b| b.first_sequence == first_sequence && b.last_sequence == last_sequence)
        {
            return Admission::Duplicate(*b);
        }
        Admission::OutOfOrder { expected }
    }

    pub fn record(&mut self, producer_id: u64, batch: WrittenBatch) {
        let state = self.producers.entry(producer_id).or_default();
        if state.batches.len() == REMEMBERED_BATCHES {
            state.batches.pop_front();
        }
        state.batches.push_back(batch);
    }

    /// Forgets producers whose last write is older than `cutoff` (microseconds).
    pub fn expire(&mut self, cutoff: i64) {
        self.producers
            .retain(|_, s| s.batches.back().is_some_and(|b| b.max_timestamp >= cutoff));
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut ids: Vec<_> = self.producers.keys().copied().collect();
        ids.sort_unstable();
        out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
        for id in ids {
            let state = &self.producers[&id];
            out.extend_from_slice(&id.to_le_bytes());
            out.push(state.batches.len() as u8);
            for b in &state.batches {
                out.extend_from_slice(&b.first_sequence.to_le_bytes());
                out.extend_from_slice(&b.last_sequence.to_le_bytes());
                out.extend_from_slice(&b.base_offset.to_le_bytes());
                out.extend_from_slice(&b.last_offset.to_le_bytes());
                out.extend_from_slice(&b.max_timestamp.to_le_bytes());
            }
        }
        out
    }

    /// Decodes a snapshot; `None` if it is malformed (the caller rebuilds from the log).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader { bytes, pos: 0 };
        let count = r.u32()?;
        let mut table = ProducerTable::default();
        for _ in 0..count {
            let id = r.u64()?;
            let n = *r.take(1)?.first()?;
            let mut state = ProducerState::default();
            for _ in 0..n {
                state.batches.push_back(WrittenBatch {
                    first_sequence: r.u32()?,
                    last_sequence: r.u32()?,
                    base_offset: r.u64()?,
                    last_offset: r.u64()?,
                    max_timestamp: r.u64()? as i64,
                });
            }
            table.producers.insert(id, state);
        }
        (r.pos == bytes.len()).then_some(table)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(first: u32, last: u32, base: u64) -> WrittenBatch {
        WrittenBatch {
            first_sequence: first,
            last_sequence: last,
            base_offset: base,
            last_offset: base + u64::from(last - first),
            max_timestamp: 5,
        }
    }

    #[test]
    fn retries_are_recognised_and_gaps_refused() {
        let mut t = ProducerTable::default();
        assert_eq!(t.admit(1, 0, 3), Admission::Append);
        t.record(1, batch(0, 2, 100));
        assert_eq!(t.admit(1, 3, 2), Admission::Append);
        assert_eq!(t.admit(1, 0, 3), Admission::Duplicate(batch(0, 2, 100)));
        assert_eq!(t.admit(1, 5, 1), Admission::OutOfOrder { expected: 3 });
        assert_eq!(t.admit(1, 1, 2), Admission::OutOfOrder { expected: 3 });
        assert_eq!(t.admit(2, 42, 1), Admission::Append);
        let decoded = ProducerTable::decode(&t.encode()).unwrap();
        assert_eq!(
            decoded.admit(1, 0, 3),
            Admission::Duplicate(batch(0, 2, 100))
        );
        assert!(ProducerTable::decode(&t.encode()[..5]).is_none());
        t.expire(6);
        assert_eq!(t.admit(1, 9, 1), Admission::Append);
    }
}
