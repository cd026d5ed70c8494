//! One path of the walk as it goes (`Cursor`): the engine on it, the clock, the effect it
//! waits on, and what the path has decided and recorded so far (`PathInfo`). Sending an
//! event keeps only what the walk follows: the spawn or timer next, and why the run ended.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::engine::{Effect, Engine, Event, Spawn};
use crate::journal::record::{Actor, Body, Entry, Purpose, Role};

#[derive(Clone)]
pub(super) enum Pending {
    Spawn(Box<Spawn>),
    Timer(std::time::Duration, Box<Event>),
}

#[derive(Clone, Default)]
pub(super) struct PathInfo {
    pub(super) decisions: Vec<String>,
    pub(super) failing: Option<(usize, Purpose)>,
    /// The failure row this path fills in, once its prompt came.
    pub(super) row: Option<usize>,
    /// Made-up values chosen for captures that a `when` tests: (step, name) → holds.
    pub(super) wishes: BTreeMap<(usize, String), bool>,
    /// A made-up value this path needs cannot exist: the path is not one.
    pub(super) abandoned: bool,
    /// From here on, the path is one already followed: not followed again.
    pub(super) joined: bool,
    /// Approvals given on this path: each comes from another person.
    pub(super) approvals: u32,
    /// The answer given at each manual step with `choices`.
    pub(super) answers: BTreeMap<usize, String>,
    /// The failure on this path has been asked about (its row is written, or it was
    /// continued past).
    pub(super) asked: bool,
    /// Why the run finished, as `run_finished` says it.
    pub(super) finished_why: Option<String>,
    /// The stretch of rollback this path records for others to share (`suffix.rs`).
    pub(super) recording: super::shared::Recording,
}

#[derive(Clone)]
pub(super) struct Cursor {
    pub(super) e: Engine,
    pub(super) now: DateTime<Utc>,
    pub(super) pending: Option<Pending>,
    pub(super) path: PathInfo,
    pub(super) ended: Option<String>,
}

impl Cursor {
    pub(super) fn send(&mut self, ev: Event) {
        match self.e.update(self.now, ev) {
            Ok(fx) => {
                for f in fx {
                    match f {
                        Effect::Spawn(s) => self.pending = Some(Pending::Spawn(Box::new(s))),
                        Effect::Timer { after, event } => {
                            self.pending = Some(Pending::Timer(after, Box::new(event)));
                        }
                        Effect::Journal(Entry {
                            body: Body::RunFinished { reason, .. },
                            ..
                        }) => self.path.finished_why = reason,
                        _ => {}
                    }
                }
            }
            Err(r) => self.ended = Some(r.0),
        }
    }
}

pub(super) fn actor(role: Role, user: &str, uid: u32) -> Actor {
    Actor {
        role,
        user: user.into(),
        uid,
        host: "review".into(),
    }
}

/// A fixed, ordinary moment: the walk's clock only moves by the engine's own timers.
pub(super) fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-09T10:00:00Z")
        .map(Into::into)
        .unwrap_or(DateTime::UNIX_EPOCH)
}
