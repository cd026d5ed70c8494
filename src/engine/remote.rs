//! Where a command runs: locally, or on the host its `on:` names (ARCHITECTURE.md, "Remote
//! commands"). The engine resolves the host from the step's values, so the journal, the
//! log name and the driver agree on it; the driver only opens the connection and runs ssh.

use crate::journal::record::{Gate, Purpose};
use crate::runbook::model::OnHost;

use super::event::CommandResult;
use super::logs::{LogKind, log_path};
use super::state::Engine;

/// A command's host, resolved: the `hosts:` entry's name and what its `ssh:` became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTarget {
    /// The `hosts:` entry (`node`).
    pub alias: String,
    /// The ssh destination, values filled in (`es-data-2`); a plain host name.
    pub destination: String,
    pub user: Option<String>,
    pub sudo: bool,
}

impl RemoteTarget {
    /// As journaled and shown: `ops@es-data-2`, or `es-data-2`.
    pub fn label(&self) -> String {
        match &self.user {
            Some(u) => format!("{u}@{}", self.destination),
            None => self.destination.clone(),
        }
    }
}

impl Engine {
    /// The `on:` that applies to this purpose: the entry's own, else the step's.
    fn on_of(&self, i: usize, purpose: Purpose) -> Option<OnHost> {
        let step = self.rb.steps.get(i)?;
        let own = match purpose {
            Purpose::Main => None,
            // The count runs where the lookup did: it asks the same system.
            Purpose::Describe | Purpose::Impact => step.target.as_ref().and_then(|t| t.on.clone()),
            Purpose::Verify(_) | Purpose::Rollback(_) => self
                .command_for(i, purpose)
                .and_then(|(_, c)| c.and_then(|c| c.on.clone())),
        };
        own.or_else(|| step.on.clone())
    }

    /// Where step `i`'s command for `purpose` runs: `None` locally; `Some(Err(gate))` when
    /// its host does not resolve to a destination shisa will pass to ssh.
    pub fn remote_target(&self, i: usize, purpose: Purpose) -> Option<Result<RemoteTarget, Gate>> {
        let on = self.on_of(i, purpose)?;
        let Some(def) = self.rb.host(&on.name) else {
            return Some(Err(Gate::UnknownHost { on: on.name }));
        };
        let destination = def.ssh.render(&self.step_vars(i));
        match crate::runbook::host::Host::new(&destination, def.user.as_deref(), def.sudo) {
            Ok(_) => Some(Ok(RemoteTarget {
                alias: def.name.clone(),
                destination,
                user: def.user.clone(),
                sudo: def.sudo,
            })),
            Err(e) => Some(Err(Gate::UnusableHost {
                host: def.name.clone(),
                error: self.mask(&e.to_string()),
            })),
        }
    }

    /// The output log of a command: `log_path`, under `output/host-<destination>/` when it
    /// runs on a host, so each host's output is kept apart.
    pub fn log_of(&self, i: usize, purpose: Purpose, attempt: u32) -> String {
        let host = match self.remote_target(i, purpose) {
            Some(Ok(t)) => Some(t.destination),
            _ => None,
        };
        let id = &self.rb.steps[i].id;
        log_path(id, purpose, attempt, host.as_deref(), LogKind::Output)
    }

    /// The journaled name of an ssh failure in a result, if any.
    pub(super) fn ssh_failure(r: &CommandResult) -> Option<String> {
        r.remote.as_ref().map(|f| f.kind().to_string())
    }
}
