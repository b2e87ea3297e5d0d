//! Failed logins slow down the address they come from, never the account: locking a role
//! after failures (as the seed DriftDB did) lets anyone lock out anyone. Every port that
//! checks passwords shares one [`LoginThrottle`].
//!
//! The first [`FREE_FAILURES`] failures from an address within [`FORGET_AFTER`] of each other
//! are answered at once (typos); each one after waits twice as long as the one before, from
//! [`FIRST_DELAY`] up to [`MAX_DELAY`], before its refusal is sent. An address that fails no
//! more for [`FORGET_AFTER`] starts afresh. The table holds at most [`MAX_ADDRESSES`]
//! addresses; when full, those past [`FORGET_AFTER`] are dropped, and if none is, the whole
//! table (a flood from that many addresses is beyond what a per-address delay can answer).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an address may make before its refusals are delayed.
pub const FREE_FAILURES: u32 = 3;
/// The delay of the first delayed refusal.
pub const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(5);
/// How long an address's failures are remembered after its last one.
pub const FORGET_AFTER: Duration = Duration::from_secs(60);
/// The most addresses remembered at once.
pub const MAX_ADDRESSES: usize = 10_000;

/// Failed logins refused at once.
pub const LOGIN_FAILURES: &str = "driftdb_login_failures_total";
/// Failed logins whose refusal was delayed.
pub const LOGINS_DELAYED: &str = "driftdb_logins_delayed_total";

/// Describes the throttle's metrics.
pub fn describe_metrics() {
    metrics::describe_counter!(
        LOGIN_FAILURES,
        "Failed logins (a wrong or missing password, an unknown role), by port"
    );
    metrics::describe_counter!(
        LOGINS_DELAYED,
        "Failed logins whose refusal was delayed because their address failed repeatedly, by port"
    );
}

/// Recent failed logins per source address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    recent: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl LoginThrottle {
    /// Records a failed login on `port` (a metric label: `grpc`, `postgresql`) from `addr`
    /// (`None`: unknown, never delayed) and returns how long to wait before refusing it.
    pub fn failed(&self, port: &'static str, addr: Option<std::net::IpAddr>) -> Duration {
        metrics::counter!(LOGIN_FAILURES, "port" => port).increment(1);
        let Some(addr) = addr else {
            return Duration::ZERO;
        };
        let delay = self.failed_at(addr, Instant::now());
        if !delay.is_zero() {
            metrics::counter!(LOGINS_DELAYED, "port" => port).increment(1);
        }
        delay
    }

    fn failed_at(&self, addr: IpAddr, now: Instant) -> Duration {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= MAX_ADDRESSES && !recent.contains_key(&addr) {
            recent.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if recent.len() >= MAX_ADDRESSES {
                recent.clear();
            }
        }
        let failures = recent.entry(addr).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now.duration_since(failures.last) >= FORGET_AFTER {
            failures.count = 0;
        }
        failures.count = failures.count.saturating_add(1);
        failures.last = now;
        delay_after(failures.count)
    }
}

/// The delay of an address's `count`th failure in a row.
fn delay_after(count: u32) -> Duration {
    let Some(past_free) = count.checked_sub(FREE_FAILURES + 1) else {
        return Duration::ZERO;
    };
    let doublings = past_free.min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_longer_each_time_up_to_the_cap() {
        let delays: Vec<Duration> = (1..=10).map(delay_after).collect();
        assert_eq!(delays[..3], [Duration::ZERO; 3]);
        assert_eq!(delays[3], FIRST_DELAY);
        assert_eq!(delays[4], FIRST_DELAY * 2);
        assert_eq!(delays[5], FIRST_DELAY * 4);
        assert_eq!(*delays.last().unwrap(), MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn addresses_are_slowed_alone_and_forgiven_after_a_quiet_minute() {
        let throttle = LoginThrottle::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.failed_at(a, start), Duration::ZERO);
        }
        assert_eq!(throttle.failed_at(a, start), FIRST_DELAY);
        // Another address is not slowed by the first one's failures.
        assert_eq!(throttle.failed_at(b, start), Duration::ZERO);
        let later = start + FORGET_AFTER;
        assert_eq!(throttle.failed_at(a, later), Duration::ZERO);
    }

    #[test]
    fn a_full_table_forgets_quiet_addresses_first() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for i in 0..MAX_ADDRESSES {
            let addr = IpAddr::from(u32::try_from(i).unwrap().to_be_bytes());
            throttle.failed_at(addr, start);
        }
        let noisy: IpAddr = "192.0.2.1".parse().unwrap();
        let later = start + FORGET_AFTER;
        throttle.failed_at(noisy, later);
        assert_eq!(throttle.recent.lock().unwrap().len(), 1);
    }
}
