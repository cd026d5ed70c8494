//! Rollbacks the walk has already followed, shared between failure paths. Each failure
//! path ends in a rollback of every change in place, newest first, so the failures of one
//! stretch of steps all end in the same rollback from some step on: the failure of a step's
//! `describe`, and of the step before it, both undo that earlier step and everything before
//! it. Without sharing, a runbook of n changes between checkpoints walks O(n²) rollback
//! commands; with it, each rollback step is walked once per state it can start in.
//!
//! Where the walk is about to feed the first rollback command of a step, what is left of
//! the rollback is decided by: the steps left in its plan (each not yet begun undoing), the
//! changes it keeps, whether one of its commands was skipped, and the values its commands
//! read (the run's values and captures; a loop pass's own captures). Nothing else the
//! engine holds is read by a rollback: the step that failed and the steps outside the plan
//! only decided the plan. Two paths that reach the same such state run the same commands
//! with the same values and end alike, so the second takes the first's record instead of
//! walking it again.

use std::collections::BTreeSet;

use crate::engine::Spawn;
use crate::journal::record::{Outcome, Purpose};

use super::cursor::Cursor;
use super::paths::Undone;
use super::shared::{Segment, SuffixKey, Then};
use super::walk::Walker;

impl Walker {
    /// At the first rollback command of a step on a failure path: if this rest of the
    /// rollback was walked before, the row takes that record and the path is over (true);
    /// else the path records it from here.
    pub(super) fn shared_suffix(&mut self, c: &mut Cursor, s: &Spawn) -> bool {
        let Some(r) = c.path.row else {
            return false;
        };
        if s.purpose != Purpose::Rollback(1) || !self.suffixes.share {
            return false;
        }
        let Some(key) = self.suffix_key(c) else {
            return false;
        };
        if let Some(&id) = self.suffixes.ids.get(&key)
            && let Some(outcome) = self.replay(r, id)
        {
            self.close_segment(c, Then::Segment(id));
            self.end(c);
            self.out.rows[r].outcome = outcome;
            return true;
        }
        if self.suffixes.ids.contains_key(&key) {
            // Recorded by a path not yet over (never so: paths are followed one at a time).
            return false;
        }
        let id = self.suffixes.segments.len();
        self.suffixes.segments.push(None);
        self.suffixes.ids.insert(key, id);
        self.close_segment(c, Then::Segment(id));
        c.path.recording = Some((id, Vec::new()));
        false
    }

    fn suffix_key(&self, c: &Cursor) -> Option<SuffixKey> {
        let r = c.e.rollback()?;
        let left = r.plan.get(r.next..)?.to_vec();
        let mut passes = BTreeSet::new();
        let pass_values = left
            .iter()
            .filter_map(|&j| {
                let it = self.rb.steps.get(j)?.iteration.as_ref()?;
                passes
                    .insert((it.loop_id.clone(), it.index))
                    .then(|| c.e.step_vars(j))
            })
            .collect();
        Some((left, r.kept.clone(), r.incomplete, c.e.vars(), pass_values))
    }

    /// The entries a row gets from recorded segment `id` on, and how the path ends; `None`
    /// (the row untouched) if a segment on the way is not complete.
    fn replay(&mut self, r: usize, id: usize) -> Option<Option<Outcome>> {
        let mut at = id;
        let outcome = loop {
            match &self.suffixes.segments.get(at)?.as_ref()?.then {
                Then::Segment(next) => at = *next,
                Then::End(o) => break *o,
            }
        };
        let mut at = id;
        while let Some(Some(seg)) = self.suffixes.segments.get(at) {
            let row = &mut self.out.rows[r].undone;
            for (u, unlike_last) in &seg.entries {
                if !*unlike_last || row.last() != Some(u) {
                    row.push(u.clone());
                }
            }
            match seg.then {
                Then::Segment(next) => at = next,
                Then::End(_) => break,
            }
        }
        Some(outcome)
    }

    /// An entry given to the row of a path that records its rollback.
    pub(super) fn record(c: &mut Cursor, u: &Undone, unlike_last: bool) {
        if let Some((_, entries)) = &mut c.path.recording {
            entries.push((u.clone(), unlike_last));
        }
    }

    fn close_segment(&mut self, c: &mut Cursor, then: Then) {
        if let Some((id, entries)) = c.path.recording.take() {
            self.suffixes.segments[id] = Some(Segment { entries, then });
        }
    }

    /// The path is over: the segment it records ends with how the run ended.
    pub(super) fn close_at_end(&mut self, c: &mut Cursor, outcome: Option<Outcome>) {
        self.close_segment(c, Then::End(outcome));
    }
}
