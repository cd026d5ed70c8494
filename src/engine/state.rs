//! The engine's state, changed only by [`Engine::apply`] of journal entries. That is what
//! makes a replayed journal rebuild exactly the state the live run had.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::event::Who;
pub use super::run_progress::{RollbackState, RunProgress};
use crate::journal::record::Actor;
use crate::runbook::Runbook;
use crate::runbook::expand::expand;
use crate::runbook::params::{self, Params};

pub use super::stage::{Asking, CommandState, Stage, TargetState, WaitState};
pub use super::step::{Confirmed, Counted, Ended, Progress, StepState};
pub use super::steps::Steps;

/// The name of a loop pass, as the ids of its steps begin.
pub(super) fn pass_key(it: &crate::runbook::model::Iteration) -> String {
    format!("{}[{}]", it.loop_id, it.item)
}

/// Each step's id and its place (the first, were an id given twice).
pub(super) fn index_of(rb: &Runbook) -> Arc<HashMap<String, usize>> {
    let mut index = HashMap::with_capacity(rb.steps.len());
    for (i, s) in rb.steps.iter().enumerate() {
        index.entry(s.id.clone()).or_insert(i);
    }
    Arc::new(index)
}

/// The runbook with its loops unrolled for these values (shared as is when it has none).
pub(super) fn unrolled(written: &Arc<Runbook>, params: &Params) -> Arc<Runbook> {
    if written.loops.is_empty() {
        written.clone()
    } else {
        Arc::new(expand(written, params))
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    /// The runbook as this run executes it: loops unrolled for its parameters.
    pub(super) rb: Arc<Runbook>,
    /// Step ids to their place in `rb`: every record names its step by id, and a run of
    /// many steps looks one up for each record (`step_index`).
    pub(super) index: Arc<HashMap<String, usize>>,
    /// As written: a witness unrolls it once `run_started` gives the values.
    pub(super) written: Arc<Runbook>,
    pub(super) operator: Actor,
    /// The person the operator is (see `Who`): their own approval counts only with
    /// `allow_self`, and an approval from the same person by another account is theirs.
    pub(super) operator_who: Who,
    pub(super) params: Params,
    /// Values captured by steps so far, as journaled (secrets masked); the latest capture
    /// of a name wins.
    pub(super) captured: BTreeMap<String, String>,
    /// Captures made inside each loop pass (`roll[n1]`): a step of that pass sees its own
    /// pass's values first, so undoing pass 1 after pass 2 uses what pass 1 saved.
    pub(super) pass_captured: BTreeMap<String, BTreeMap<String, String>>,
    /// The real values of captures that held a secret: kept in memory only, never
    /// journaled, so a replay does not have them (see `lost_captures`).
    pub(super) held: BTreeMap<String, String>,
    pub(super) steps: Steps,
    /// The step in progress, or the next to begin (`steps.len()` when all are done).
    pub(super) current: usize,
    /// Earlier steps running again for a secret capture lost in a stop (`capture_rerun`),
    /// innermost last: the run is at the last one until it ends, then back where it was.
    pub(super) recapture: Vec<usize>,
    pub(super) run_id: Option<String>,
    /// `run --env`, and the rehearsal the run started on (from `run_started`).
    pub(super) env: Option<(String, Option<crate::journal::record::Rehearsed>)>,
    /// Where the run as a whole stands (`run_progress.rs`).
    pub(super) run: RunProgress,
    pub(super) window_override: Option<String>,
    /// The operator asked for this rollback (`rollback_requested`), rather than choosing
    /// it at a failure: undoing everything it set out to is then a success (exit 0).
    pub(super) requested: bool,
    pub(super) watchers: BTreeSet<String>,
    /// When the event being handled happened (given to `update`); never part of the state
    /// a journal rebuilds.
    pub(super) now: DateTime<Utc>,
    /// Steps begin without anyone pressing Enter (headless mode).
    pub(super) auto_begin: bool,
    /// A watcher's or an export's copy: it takes the run's values from `run_started`
    /// (secrets masked there), since it was never given them.
    pub(super) witness: bool,
    /// The operator is at the quit question: no change starts until they close it
    /// (`deciding.rs`). Their screen's state, never journaled nor replayed.
    pub(super) deciding: bool,
    /// A retry of a change that fell due while the operator decided (`deciding.rs`).
    pub(super) retry_held: Option<(usize, crate::journal::record::Purpose, u32)>,
}

impl Engine {
    pub fn new(written: Arc<Runbook>, operator: Actor, params: Params) -> Engine {
        let rb = unrolled(&written, &params);
        let steps = Steps::new(rb.steps.len());
        Engine {
            index: index_of(&rb),
            rb,
            written,
            operator_who: Who::account(&operator),
            operator,
            params,
            captured: BTreeMap::new(),
            pass_captured: BTreeMap::new(),
            held: BTreeMap::new(),
            steps,
            current: 0,
            recapture: Vec::new(),
            run_id: None,
            env: None,
            run: RunProgress::NotStarted,
            window_override: None,
            requested: false,
            watchers: BTreeSet::new(),
            now: DateTime::UNIX_EPOCH,
            auto_begin: false,
            witness: false,
            deciding: false,
            retry_held: None,
        }
    }

    /// The person the operator is, as the session looked it up (login uid, `SUDO_USER`,
    /// groups).
    pub fn operated_by(mut self, who: Who) -> Engine {
        self.operator_who = who;
        self
    }

    /// Steps begin on their own as the previous one ends (headless: nobody paces the run).
    pub fn begins_steps_itself(mut self) -> Engine {
        self.auto_begin = true;
        self
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Every step's index by id, shared: for a reader on another thread (a joining
    /// watcher's replay, `share::backlog::Join`).
    pub fn step_indexes(&self) -> Arc<HashMap<String, usize>> {
        Arc::clone(&self.index)
    }

    /// The values step `i` sees: the run's, and its loop item under the loop's name.
    pub fn step_vars(&self, i: usize) -> BTreeMap<String, String> {
        let mut v = self.vars();
        if let Some(it) = self.rb.steps.get(i).and_then(|s| s.iteration.as_ref()) {
            let lost = self.lost_captures();
            v.extend(
                self.pass_values(it)
                    .filter(|(k, _)| !lost.contains(&k.as_str()) && !self.held.contains_key(*k))
                    .map(|(k, val)| (k.clone(), val.clone())),
            );
            v.insert(it.var.clone(), it.item.clone());
        }
        self.bind(i, &mut v);
        v
    }

    /// A fragment's step: its parameters' values, each layer read with the names known
    /// where its `use` was written.
    fn bind(&self, i: usize, v: &mut BTreeMap<String, String>) {
        for layer in self
            .rb
            .steps
            .get(i)
            .map(|s| &s.bound[..])
            .unwrap_or_default()
        {
            let values: Vec<(String, String)> = layer
                .iter()
                .map(|b| (b.name.clone(), b.value.render(v)))
                .collect();
            v.extend(values);
        }
    }

    /// The same, as shown: secrets masked.
    pub fn shown_step_vars(&self, i: usize) -> BTreeMap<String, String> {
        let mut v = self.shown_vars();
        if let Some(it) = self.rb.steps.get(i).and_then(|s| s.iteration.as_ref()) {
            v.extend(
                self.pass_values(it)
                    .map(|(k, val)| (k.clone(), self.mask(val))),
            );
            v.insert(it.var.clone(), self.mask(&it.item));
        }
        // Rendered from values already masked, so a secret passed in stays masked.
        self.bind(i, &mut v);
        v
    }

    /// What the steps of one loop pass captured.
    fn pass_values<'a>(
        &'a self,
        it: &crate::runbook::model::Iteration,
    ) -> impl Iterator<Item = (&'a String, &'a String)> {
        self.pass_captured.get(&pass_key(it)).into_iter().flatten()
    }

    /// Step `i`'s title with its values filled in, as shown; in a loop pass, with its
    /// item where the title does not name it, so `change` of pass `b` reads `change [b]`.
    pub fn title(&self, i: usize) -> String {
        let Some(step) = self.rb.steps.get(i) else {
            return String::new();
        };
        let title = step.title.render(&self.shown_step_vars(i));
        match &step.iteration {
            Some(it) => {
                let item = self.mask(&it.item);
                if title.contains(&item) {
                    title
                } else {
                    format!("{title} [{item}]")
                }
            }
            None => title,
        }
    }

    /// The title alone, for a list that shows the item beside it.
    pub fn bare_title(&self, i: usize) -> String {
        self.rb
            .steps
            .get(i)
            .map(|s| s.title.render(&self.shown_step_vars(i)))
            .unwrap_or_default()
    }

    /// Every value a command may see: parameters, then captures (their real values where
    /// the journal holds them masked).
    pub fn vars(&self) -> BTreeMap<String, String> {
        let mut v = self.params.values.clone();
        // A capture whose real value is gone is left out: an unset variable fails loudly
        // (`set -u`), masked text would not.
        let lost = self.lost_captures();
        v.extend(
            self.captured
                .iter()
                .filter(|(k, _)| !lost.contains(&k.as_str()))
                .map(|(k, val)| (k.clone(), val.clone())),
        );
        v.extend(self.held.clone());
        v
    }

    /// What to scrub from text shown or written: the secret parameters, and the real values
    /// of captures that held a secret (each stands for its masked form).
    pub fn redactions(&self) -> Vec<(String, String)> {
        let mut out = self.params.redactions();
        out.extend(
            self.held_masks()
                .map(|(real, shown)| (real.to_string(), shown.to_string())),
        );
        out
    }

    /// Each held capture's real value and the masked form it stands for.
    fn held_masks(&self) -> impl Iterator<Item = (&str, &str)> {
        self.held.iter().filter_map(|(k, real)| {
            let shown = self.captured.get(k)?;
            (shown != real && !real.is_empty()).then_some((real.as_str(), shown.as_str()))
        })
    }

    /// The same, with secrets masked: for anything shown or journaled.
    pub fn shown_vars(&self) -> BTreeMap<String, String> {
        let mut v = self.params.shown();
        v.extend(
            self.captured
                .iter()
                .map(|(k, val)| (k.clone(), self.mask(val))),
        );
        v
    }

    /// Replaces secret values in text shown or journaled.
    pub fn mask(&self, text: &str) -> String {
        let mut out = self.params.mask_text(text);
        for (real, shown) in self.held_masks() {
            out = out.replace(real, shown);
        }
        out
    }

    /// A captured value as journaled and shown: secrets in it masked, and the whole value
    /// masked where it is the start of a secret (a capture cut short by its regex would
    /// otherwise show the first characters of the secret).
    pub fn mask_capture(&self, value: &str) -> String {
        let cut = self
            .params
            .redactions()
            .into_iter()
            .find(|(secret, _)| value.len() >= 2 && secret.starts_with(value));
        match cut {
            Some((_, mask)) => mask,
            None => self.mask(value),
        }
    }

    /// Captures whose real value is gone: they held a secret, the journal keeps only the
    /// masked text, and this process did not see them (a resumed run). A command must
    /// never receive masked text in place of a value.
    pub fn lost_captures(&self) -> Vec<&str> {
        self.captured
            .iter()
            .filter(|(k, v)| params::is_masked(v) && !self.held.contains_key(*k))
            .map(|(k, _)| k.as_str())
            .collect()
    }
}
