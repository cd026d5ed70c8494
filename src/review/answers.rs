//! The made-up results the walk feeds the engine: a command failing, a command
//! succeeding with output its expectations accept, and each capture's made-up value.

use std::collections::BTreeMap;

use crate::engine::{Event, Spawn};
use crate::journal::record::Purpose;
use crate::runbook::model::{Capture, Expect};

use super::cursor::Cursor;
use super::madeup;
use super::walk::Walker;

impl Walker {
    pub(super) fn feed_failure(&mut self, c: &mut Cursor, s: &Spawn) {
        let exit = self.expect_of(s).map_or(0, |e| e.exit);
        let exit = match s.purpose {
            Purpose::Describe | Purpose::Impact => 1,
            _ => madeup::failing_exit(exit),
        };
        let mut r = madeup::result(exit, "");
        (r.step, r.purpose, r.attempt) = (s.step, Some(s.purpose), s.attempt);
        c.send(Event::CommandDone(r));
    }

    pub(super) fn feed_success(&mut self, c: &mut Cursor, s: &Spawn) {
        let rb = self.rb.clone();
        let step = &rb.steps[s.step];
        // The values only where output is judged against them: most commands a walk feeds
        // are rollbacks with no check.
        let out = match s.purpose {
            Purpose::Describe => step
                .target
                .as_ref()
                .and_then(|t| madeup::describe(t, step.base_id()))
                .map(|(out, _)| out),
            // A count within the limit: the step goes on (a count above it is a refusal,
            // as a failing count is, which `feed_failure` walks).
            Purpose::Impact => step
                .target
                .as_ref()
                .and_then(|t| t.impact.as_ref())
                // A limit from a parameter: its value on this walk (review makes one up
                // within the parameter's rules when none is given).
                .map(|i| {
                    format!(
                        "{}\n",
                        i.at_most.resolve(&c.e.step_vars(s.step)).unwrap_or(0)
                    )
                }),
            Purpose::Main => {
                let mut wanted = BTreeMap::new();
                for cap in &step.capture {
                    let wish = c.path.wishes.get(&(s.step, cap.name.clone())).copied();
                    match self.token(s.step, cap, wish) {
                        Some(v) => {
                            wanted.insert(cap.name.clone(), v);
                        }
                        None => {
                            // This way of the `when` cannot come about: no path here.
                            c.path.abandoned = true;
                            c.pending = None;
                            c.ended = Some(String::new());
                            return;
                        }
                    }
                }
                madeup::passing(&step.expect, &step.capture, &wanted, &c.e.step_vars(s.step))
            }
            _ => self
                .expect_of(s)
                .and_then(|e| madeup::passing(e, &[], &BTreeMap::new(), &c.e.step_vars(s.step))),
        };
        let exit = self.expect_of(s).map_or(0, |e| e.exit);
        let Some(out) = out else {
            self.stuck(
                c,
                format!(
                    "no made-up output of `{}` ({}) meets its expectations",
                    step.id, s.purpose
                ),
            );
            c.pending = None;
            c.ended = Some(String::new());
            return;
        };
        let mut r = madeup::result(exit, &out);
        (r.step, r.purpose, r.attempt) = (s.step, Some(s.purpose), s.attempt);
        c.send(Event::CommandDone(r));
    }

    pub(super) fn expect_of(&self, s: &Spawn) -> Option<&Expect> {
        let step = &self.rb.steps[s.step];
        let nth = |n: u32| (n as usize).checked_sub(1);
        match s.purpose {
            Purpose::Main => Some(&step.expect),
            Purpose::Describe | Purpose::Impact => None,
            Purpose::Verify(n) => step.verify.get(nth(n)?).map(|c| &c.expect),
            Purpose::Rollback(n) => step.rollback.get(nth(n)?)?.check().map(|c| &c.expect),
        }
    }

    /// The made-up value of a capture: one no other capture has, so that where it turns
    /// up later says which step set it; with `wish`, one that matches (or fails) every
    /// `when` that tests it.
    pub(super) fn token(
        &mut self,
        step: usize,
        cap: &Capture,
        wish: Option<bool>,
    ) -> Option<String> {
        let id = self.rb.steps[step].id.clone();
        let key = (id.clone(), cap.name.clone(), wish);
        if let Some(v) = self.tokens.get(&key) {
            return v.clone();
        }
        let whens = self.tested.get(&cap.name).cloned().unwrap_or_default();
        let mut candidates: Vec<String> = Vec::new();
        if wish == Some(true) {
            for p in &whens {
                candidates
                    .extend((0..madeup::SEEDS).filter_map(|s| madeup::sample(&p.source, s, None)));
            }
        }
        candidates.push(format!("{}-of-{}", cap.name, self.rb.steps[step].base_id()));
        candidates.extend((0..madeup::SEEDS).filter_map(|s| madeup::capturable(&cap.pattern, s)));
        let found = candidates.into_iter().find(|v| {
            let fits = madeup::line_capturing(&cap.pattern, v).is_some();
            let free = self.owners.get(v).is_none_or(|o| *o == id);
            let wished = match wish {
                None => true,
                Some(h) => whens.iter().all(|p| p.is_match(v) == h),
            };
            fits && free && wished
        });
        if let Some(v) = &found {
            self.owners.insert(v.clone(), id);
        }
        self.tokens.insert(key, found.clone());
        found
    }
}
