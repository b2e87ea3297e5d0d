//! Where the log gets the time from.
//!
//! Record timestamps are microseconds since the Unix epoch. Production code uses
//! [`SystemClock`]; tests that need to age segments or cross retention deadlines use a
//! [`ManualClock`] they move by hand, so no test sleeps to make time pass.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in microseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_micros(&self) -> i64;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            // A clock set before 1970 is a misconfigured host; timestamps still never go
            // backwards within a partition because the log clamps them.
            Err(_) => 0,
        }
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    pub fn new(micros: i64) -> Self {
        Self {
            micros: AtomicI64::new(micros),
        }
    }

    pub fn set(&self, micros: i64) {
        self.micros.store(micros, Ordering::SeqCst);
    }

    pub fn now(&self) -> i64 {
        self.micros.load(Ordering::SeqCst)
    }

    pub fn advance(&self, micros: i64) {
        self.micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.micros.load(Ordering::SeqCst)
    }
}
