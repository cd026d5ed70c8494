//! How much of a run's socket one user may take: connections per user with a reserve kept
//! for the operator's own account, notes per second, refusals journaled per minute. Anyone
//! let in is trusted to watch, not to crowd out the operator and the other reviewers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Connections at once: watchers, reviewers and probes together. Bounded so that no one
/// allowed to connect can use up the run's file descriptors (its output logs need them).
pub const MAX_CONNECTIONS: usize = 64;
/// Connections one user other than the operator may hold at once.
pub const PER_USER: usize = 8;
/// Connections only the operator's own account may use, however many others hold.
pub const OPERATOR_RESERVE: usize = 8;
/// A client that does not say hello is not worth a connection for long.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// A one-shot `approve` or `note` client may wait for a person to type, but not forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Notes one user may send at once, then one per `NOTE_EVERY`.
pub const NOTE_BURST: u32 = 5;
pub const NOTE_EVERY: Duration = Duration::from_secs(1);
/// Connections one user other than the operator may open at once, then one per
/// `ARRIVAL_EVERY`: each watcher that joins and leaves writes two records.
pub const ARRIVAL_BURST: u32 = 8;
pub const ARRIVAL_EVERY: Duration = Duration::from_secs(2);
/// Approvals one user may send at once, then one per `APPROVE_EVERY`: a refused one is
/// journaled too.
pub const APPROVE_BURST: u32 = 5;
pub const APPROVE_EVERY: Duration = Duration::from_secs(2);
/// Refusals of one user journaled at once, then one per `REFUSAL_EVERY`; the rest are
/// counted and the count goes into the next refusal that is journaled.
const REFUSAL_BURST: u32 = 5;
const REFUSAL_EVERY: Duration = Duration::from_secs(10);

/// A token bucket: `burst` at once, then one per `every`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(burst: u32, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            at: now,
        }
    }

    /// Takes a token, or says how long until there is one.
    fn take(&mut self, burst: u32, every: Duration, now: Instant) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() / every.as_secs_f64();
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(every.mul_f64(1.0 - self.tokens))
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    /// Connections of users other than the operator, together and each.
    others: usize,
    per_user: HashMap<u32, usize>,
    notes: HashMap<u32, Bucket>,
    arrivals: HashMap<u32, Bucket>,
    approvals: HashMap<u32, Bucket>,
    /// Each user's refusal bucket and the refusals not journaled since the last one that was.
    refusals: HashMap<u32, (Bucket, u64)>,
}

#[derive(Debug)]
pub struct Limits {
    operator_uid: u32,
    counts: Mutex<Counts>,
}

/// A connection's place; given back when dropped.
#[derive(Debug)]
pub struct Slot {
    limits: Arc<Limits>,
    uid: u32,
}

impl Limits {
    pub fn new(operator_uid: u32) -> Arc<Limits> {
        Arc::new(Limits {
            operator_uid,
            counts: Mutex::default(),
        })
    }

    pub fn operator_uid(&self) -> u32 {
        self.operator_uid
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // The counts stay consistent whatever panicked while holding them.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place for a new connection of `uid`, or why there is none.
    pub fn connect(self: &Arc<Self>, uid: u32, now: Instant) -> Result<Slot, String> {
        let mut c = self.counts();
        if c.total >= MAX_CONNECTIONS {
            return Err(format!(
                "this run already has {MAX_CONNECTIONS} connections"
            ));
        }
        if uid != self.operator_uid {
            let mine = c.per_user.get(&uid).copied().unwrap_or(0);
            if mine >= PER_USER {
                return Err(format!(
                    "you already hold {PER_USER} connections to this run, the most one user may; close one (a `shisa watch` left open?)"
                ));
            }
            let arrivals = c
                .arrivals
                .entry(uid)
                .or_insert_with(|| Bucket::full(ARRIVAL_BURST, now));
            if let Err(wait) = arrivals.take(ARRIVAL_BURST, ARRIVAL_EVERY, now) {
                return Err(format!(
                    "too many connections: {ARRIVAL_BURST} at once, then one every {} s (try again in {:.1} s)",
                    ARRIVAL_EVERY.as_secs(),
                    wait.as_secs_f64()
                ));
            }
            if c.others >= MAX_CONNECTIONS - OPERATOR_RESERVE {
                return Err(format!(
                    "this run's reviewers already hold {} connections; the rest are kept for its operator",
                    c.others
                ));
            }
            c.others += 1;
            *c.per_user.entry(uid).or_default() += 1;
        }
        c.total += 1;
        Ok(Slot {
            limits: Arc::clone(self),
            uid,
        })
    }

    /// Whether `uid` may add a note now; if not, how long until it may.
    pub fn note(&self, uid: u32, now: Instant) -> Result<(), Duration> {
        self.counts()
            .notes
            .entry(uid)
            .or_insert_with(|| Bucket::full(NOTE_BURST, now))
            .take(NOTE_BURST, NOTE_EVERY, now)
    }

    /// Whether `uid` may send an approval now; if not, how long until it may.
    pub fn approve(&self, uid: u32, now: Instant) -> Result<(), Duration> {
        self.counts()
            .approvals
            .entry(uid)
            .or_insert_with(|| Bucket::full(APPROVE_BURST, now))
            .take(APPROVE_BURST, APPROVE_EVERY, now)
    }

    /// Whether a refusal of `uid` is journaled; if so, how many before it were not.
    pub fn refusal(&self, uid: u32, now: Instant) -> Option<u64> {
        let mut c = self.counts();
        let (bucket, skipped) = c
            .refusals
            .entry(uid)
            .or_insert_with(|| (Bucket::full(REFUSAL_BURST, now), 0));
        match bucket.take(REFUSAL_BURST, REFUSAL_EVERY, now) {
            Ok(()) => Some(std::mem::take(skipped)),
            Err(_) => {
                *skipped += 1;
                None
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = self.limits.counts();
        c.total -= 1;
        if self.uid != self.limits.operator_uid {
            c.others -= 1;
            if let Some(n) = c.per_user.get_mut(&self.uid) {
                *n -= 1;
                if *n == 0 {
                    c.per_user.remove(&self.uid);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP: u32 = 1000;

    #[test]
    fn joining_and_leaving_over_and_over_is_slowed_but_not_for_the_operator() {
        let l = Limits::new(OP);
        let t0 = Instant::now();
        for _ in 0..ARRIVAL_BURST {
            drop(l.connect(2000, t0).unwrap());
        }
        let refused = l.connect(2000, t0).unwrap_err();
        assert!(refused.starts_with("too many connections"), "{refused}");
        assert!(l.connect(2000, t0 + ARRIVAL_EVERY).is_ok());
        for _ in 0..100 {
            drop(l.connect(OP, t0).unwrap());
        }
    }

    #[test]
    fn approvals_come_at_a_bounded_rate() {
        let l = Limits::new(OP);
        let t0 = Instant::now();
        for _ in 0..APPROVE_BURST {
            assert!(l.approve(2000, t0).is_ok());
        }
        assert!(l.approve(2000, t0).is_err());
        assert!(
            l.approve(3000, t0).is_ok(),
            "another reviewer is not slowed"
        );
        assert!(l.approve(2000, t0 + APPROVE_EVERY).is_ok());
    }

    #[test]
    fn one_user_cannot_crowd_out_the_others_or_the_operator() {
        let l = Limits::new(OP);
        let t0 = Instant::now();
        let mallory: Vec<Slot> = (0..PER_USER)
            .map(|_| l.connect(2000, t0).unwrap())
            .collect();
        assert!(
            l.connect(2000, t0)
                .unwrap_err()
                .contains("you already hold 8")
        );
        // Reviewers together stop short of the operator's reserve...
        let mut others: Vec<Slot> = Vec::new();
        for uid in 3000.. {
            match l.connect(uid, t0) {
                Ok(s) => others.push(s),
                Err(e) => {
                    assert!(e.contains("kept for its operator"), "{e}");
                    break;
                }
            }
        }
        assert_eq!(
            mallory.len() + others.len(),
            MAX_CONNECTIONS - OPERATOR_RESERVE
        );
        // ...which the operator's account can still use, up to the whole limit.
        let mine: Vec<Slot> = (0..OPERATOR_RESERVE)
            .map(|_| l.connect(OP, t0).unwrap())
            .collect();
        assert!(l.connect(OP, t0).unwrap_err().contains("already has 64"));
        drop(mallory);
        assert!(
            l.connect(2000, t0 + ARRIVAL_EVERY).is_ok(),
            "closed connections give their places back"
        );
        drop((others, mine));
        assert_eq!(l.counts().total, 0);
        assert!(l.counts().per_user.is_empty());
    }

    #[test]
    fn notes_come_in_a_burst_then_one_a_second() {
        let l = Limits::new(OP);
        let t = Instant::now();
        for _ in 0..NOTE_BURST {
            assert!(l.note(7, t).is_ok());
        }
        let wait = l.note(7, t).unwrap_err();
        assert!(wait <= NOTE_EVERY && wait > NOTE_EVERY / 2, "{wait:?}");
        assert!(l.note(8, t).is_ok(), "each user has a bucket of their own");
        assert!(l.note(7, t + NOTE_EVERY / 2).is_err());
        assert!(l.note(7, t + NOTE_EVERY).is_ok());
        assert!(
            l.note(7, t + NOTE_EVERY).is_err(),
            "one token came back, not two"
        );
    }

    #[test]
    fn a_flood_of_refusals_is_journaled_in_part_and_counted() {
        let l = Limits::new(OP);
        let t = Instant::now();
        let journaled: Vec<Option<u64>> = (0..100).map(|_| l.refusal(9, t)).collect();
        assert_eq!(journaled.iter().flatten().count(), REFUSAL_BURST as usize);
        assert_eq!(l.refusal(9, t + REFUSAL_EVERY), Some(95));
    }
}
