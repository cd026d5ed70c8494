//! The two ways state is rebuilt from a journal (ARCHITECTURE.md, "State changes only
//! through records (replay)"): `Engine::replay`, the live run's state back for `resume`,
//! and `Replay`, a run followed from outside (`watch`, `export`). Both apply journaled
//! entries and nothing else; `Engine::apply` itself is private to the engine, so no code
//! outside it can change a live engine except through `update`.

use std::ops::Deref;
use std::sync::Arc;

use crate::journal::record::{Actor, Entry};
use crate::runbook::model::Runbook;
use crate::runbook::params::Params;

use super::state::Engine;

impl Engine {
    /// Rebuilds the state of a run from its journal.
    pub fn replay<'a>(
        rb: Arc<Runbook>,
        operator: Actor,
        params: Params,
        entries: impl IntoIterator<Item = &'a Entry>,
    ) -> Engine {
        let mut e = Engine::new(rb, operator, params);
        for entry in entries {
            e.apply(entry);
        }
        e
    }
}

/// An engine following a run it does not drive (a watcher, an export): it takes the
/// run's records as they come, and the run's values from `run_started`. It offers the
/// engine's read accessors (`Deref`) and no way to send it an event: what it knows is
/// exactly what the journal says.
#[derive(Debug, Clone)]
pub struct Replay(Engine);

impl Replay {
    pub fn new(rb: Arc<Runbook>, operator: Actor) -> Replay {
        let secrets = rb
            .params
            .iter()
            .filter(|p| p.secret)
            .map(|p| p.name.clone())
            .collect();
        let params = Params {
            secrets,
            ..Params::default()
        };
        let mut e = Engine::new(rb, operator, params);
        e.witness = true;
        Replay(e)
    }

    /// Takes one journaled record.
    pub fn apply(&mut self, entry: &Entry) {
        self.0.apply(entry);
    }
}

impl Deref for Replay {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.0
    }
}
