//! Lock poisoning: the one policy of every DriftDB crate.
//!
//! A `std::sync` lock is poisoned when a thread panics while holding it: the next `lock()`,
//! `read()` or `write()` returns an error that still carries the guard. What to do with it
//! depends on what the lock guards, and each lock is in one of four classes:
//!
//! 1. **State a panic cannot leave half-updated.** A value replaced in one assignment (a
//!    configuration, a watermark, an `Option<JoinHandle>`), a counter, one entry put into or
//!    taken out of a map, or state changed only after the write it describes succeeded (a
//!    partition's offsets and indexes). The next holder takes the lock over
//!    ([`Recover::recover`]): there is nothing to repair, and refusing would turn one
//!    panicked request into an outage of every later one.
//! 2. **Versioned state whose readers choose a sequence.** The SQL store's tables
//!    (`driftdb_projector::Store`): a commit applies its changes after its ledger record is
//!    appended, and readers read at visible sequences only. An apply that does not finish
//!    (it fails, or panics) fences the ledger ([`crate::Partition::fence`]), so that commit
//!    never becomes visible and no commit follows it; readers take the lock over and go on
//!    reading the committed past, writers get the fence's error, and a restart rebuilds the
//!    tables from the ledger.
//! 3. **State updated in several steps that can be rebuilt or done without.** The consumer
//!    group coordinator (`driftdb_broker`) starts over, empty, as after a restart, and every
//!    group's members rejoin (committed offsets are durable and unaffected); the SQL scan
//!    cache (`driftdb_sql`'s chunked scans) is bypassed, as every miss is answered from the
//!    table.
//! 4. **Anything else updated in several steps** fails closed: its holder gets an error
//!    (SQLSTATE XX000, gRPC `INTERNAL`), never the half-updated state. No lock is in this
//!    class today; a new one that is must say so where it is declared.
//!
//! `tokio::sync` locks are not poisoned (a panicking task drops its guard); what they guard
//! must be of class 1.

use std::sync::{LockResult, PoisonError};

/// Taking over a poisoned lock, for the locks of classes 1 and 2 (see the module).
pub trait Recover<G> {
    /// The guard, poisoned or not.
    fn recover(self) -> G;
}

impl<G> Recover<G> for LockResult<G> {
    fn recover(self) -> G {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_poisoned_lock_is_taken_over_with_its_value() {
        let shared = Arc::new(Mutex::new(1));
        let panicking = Arc::clone(&shared);
        let _ = std::thread::spawn(move || {
            let mut value = panicking.lock().recover();
            *value = 2;
            panic!("a holder panics");
        })
        .join();
        assert!(shared.is_poisoned());
        assert_eq!(*shared.lock().recover(), 2);
    }
}
