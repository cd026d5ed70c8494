//! Starting a command where the engine says it runs: here, or on a host — whose master
//! may first have to be opened, off the loop (`opening.rs`).

use crate::engine::{Event, Spawn};
use crate::frontend::FrontEnd;

use super::opening::OpenDone;
use super::{Driver, remote};

impl Driver {
    /// What starting a command came to: it runs (or its host is being opened), or its
    /// result is fed back at once.
    pub(super) fn started(
        &mut self,
        started: std::io::Result<remote::Started>,
        spawn: &Spawn,
        fe: &mut dyn FrontEnd,
    ) {
        match started {
            Ok(remote::Started::Running(running)) => self.running = running,
            Ok(remote::Started::Opening(opening)) => self.running = Some(opening),
            Ok(remote::Started::Refused(result)) => self.later.push(Event::CommandDone(*result)),
            Err(e) => self.fail(
                format!(
                    "cannot create the output log {} ({e}); the run stops here",
                    spawn.log
                ),
                fe,
            ),
        }
    }

    /// Starts a command where the engine says it runs: here, or on a host.
    pub(super) fn start(&mut self, spawn: &Spawn) -> std::io::Result<remote::Started> {
        let target = match self.engine.remote_target(spawn.step, spawn.purpose) {
            None => return self.runner.start(spawn).map(remote::Started::Running),
            Some(Ok(t)) => t,
            // The engine refuses such a step before it spawns; never reached.
            Some(Err(why)) => {
                return Err(std::io::Error::other(crate::engine::messages::gate(&why)));
            }
        };
        match &mut self.remote {
            Some(r) => r.start(
                self.runner.as_mut(),
                spawn,
                &target,
                (&self.open_tx, self.clock.now()),
            ),
            None => Err(std::io::Error::other(
                "this run has no ssh connections set up for `on:` steps",
            )),
        }
    }

    /// A host's master is open (or failed to open, or was stopped): the command that
    /// waited for it starts now, or its result is fed back.
    pub(super) fn open_done(&mut self, done: OpenDone, fe: &mut dyn FrontEnd) {
        self.running = None;
        let spawn = done.spawn.clone();
        let started = match &mut self.remote {
            Some(r) => r.opened(self.runner.as_mut(), done, self.clock.now()),
            None => Err(std::io::Error::other("no ssh connections")),
        };
        self.started(started, &spawn, fe);
    }
}
