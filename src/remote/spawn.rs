//! A step's command made remote, in one call for the driver: the engine's `Spawn` in, the
//! local `Spawn` the runner starts (ssh), the bytes for its stdin and the path of ssh's own
//! log out. The values leave the local environment entirely: they travel only in the
//! request, so a `SendEnv` in the user's ssh configuration cannot send them (or log them)
//! as environment variables.

use std::path::{Path, PathBuf};

use super::host::Host;
use super::request::RequestError;
use super::ssh::Transport;
use crate::engine::{Program, Spawn};

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
    /// `spawn` to be run on `host`; `run_dir` is where the spawn's log path is rooted.
    pub fn remote_spawn(
        &self,
        host: &Host,
        spawn: &Spawn,
        run_dir: &Path,
    ) -> Result<RemoteSpawn, RequestError> {
        let ssh_log = run_dir.join(ssh_log_path(&spawn.log));
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

/// `output/roll.1.log` → `output/roll.1.ssh.log`: ssh's log beside the command's.
pub fn ssh_log_path(log: &str) -> String {
    match log.strip_suffix(".log") {
        Some(stem) => format!("{stem}.ssh.log"),
        None => format!("{log}.ssh.log"),
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
        let r = t.remote_spawn(&host, &spawn, Path::new("/runs/r")).unwrap();
        assert_eq!(
            r.ssh_log,
            Path::new("/runs/r/output/roll_es-data-2_stop.2.ssh.log")
        );
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

    #[test]
    fn the_ssh_log_sits_beside_the_output_log() {
        assert_eq!(ssh_log_path("output/a.1.log"), "output/a.1.ssh.log");
        assert_eq!(ssh_log_path("output/a"), "output/a.ssh.log");
    }
}
