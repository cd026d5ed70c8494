//! A step's command made remote, in one call for the driver: the engine's `Spawn` in, the
//! local `Spawn` the runner starts (ssh), the bytes for its stdin and the path of ssh's own
//! log out. The values leave the local environment entirely: they travel only in the
//! request, so a `SendEnv` in the user's ssh configuration cannot send them (or log them)
//! as environment variables.

use std::path::PathBuf;

use super::request::RequestError;
use super::ssh::Transport;
use crate::engine::{Program, Spawn};
use crate::runbook::host::Host;

/// What the runner needs to run a spawn on a host (`Runner::start_fed(&spawn, stdin)`).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSpawn {
    /// The same command id, log, timeout and redactions; the program is ssh, and the
    /// environment holds nothing of the step's (the remote side gets it).
    pub spawn: Spawn,
    pub stdin: Vec<u8>,
    /// ssh's own log (absolute), beside the output log: read it for `classify`.
    pub ssh_log: PathBuf,
}

impl Transport {
    /// `spawn` to be run on `host`, ssh logging to `ssh_log` (the engine's
    /// `log_path(…, LogKind::Ssh)`, under the run directory).
    pub fn remote_spawn(
        &self,
        host: &Host,
        spawn: &Spawn,
        ssh_log: PathBuf,
    ) -> Result<RemoteSpawn, RequestError> {
        let inv = self.invocation(host, &spawn.program, &spawn.env, &ssh_log)?;
        Ok(RemoteSpawn {
            spawn: Spawn {
                program: Program::Argv(inv.argv),
                env: Vec::new(),
                ..spawn.clone()
            },
            stdin: inv.stdin,
            ssh_log,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::Purpose;
    use crate::remote::ControlDir;
    use crate::remote::prelude::remote_command;
    use std::time::Duration;

    #[test]
    fn the_local_spawn_is_ssh_with_no_step_values_in_its_environment() {
        let t = Transport::new(ControlDir::at(PathBuf::from("/tmp/shisa/r.ssh")));
        let spawn = Spawn {
            step: 3,
            step_id: "roll[es-data-2]/stop".into(),
            purpose: Purpose::Main,
            attempt: 2,
            program: Program::Script("systemctl stop \"$svc\"".into()),
            env: vec![
                ("svc".into(), "elasticsearch".into()),
                ("token".into(), "hunter2".into()),
            ],
            timeout: Some(Duration::from_secs(60)),
            log: "output/roll_es-data-2_stop.2.log".into(),
            redact: vec![("hunter2".into(), "[REDACTED:token]".into())],
            withhold_stdout: Vec::new(),
        };
        let host = Host::new("es-data-2", Some("ops"), true).unwrap();
        let ssh_log = PathBuf::from("/runs/r/output/roll_es-data-2_stop.2.ssh.log");
        let r = t.remote_spawn(&host, &spawn, ssh_log.clone()).unwrap();
        assert_eq!(r.ssh_log, ssh_log);
        assert!(r.spawn.env.is_empty());
        let Program::Argv(argv) = &r.spawn.program else {
            panic!("{:?}", r.spawn.program)
        };
        assert_eq!(argv.last().unwrap(), &remote_command(true));
        assert!(
            !argv
                .iter()
                .any(|a| a.contains("hunter2") || a.contains("systemctl"))
        );
        let same = Spawn {
            program: spawn.program.clone(),
            env: spawn.env.clone(),
            ..r.spawn.clone()
        };
        assert_eq!(same, spawn);
        assert_eq!(
            r.stdin,
            crate::remote::encode(&spawn.program, &spawn.env).unwrap()
        );
    }
}
