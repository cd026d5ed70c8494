//! The local side: the `ssh` command lines that run a request on a host, open a host's
//! ControlMaster, and close it. The system's OpenSSH client does all of the work; shisa only
//! chooses its options:
//!
//! - `BatchMode=yes`: never a password or passphrase prompt; `StrictHostKeyChecking=yes`:
//!   never a host key accepted on first sight (not `accept-new`).
//! - The user's own `~/.ssh/config` (or `-F FILE` when one is given) decides the rest:
//!   host names, ports, users, keys, jump hosts.
//! - `ControlMaster=auto` with a per-run, per-host `ControlPath` in a private directory: the
//!   master that [`Transport::open`] starts persists (`ControlPersist`), and every command
//!   is one more session over it. A command never leaves a master behind of its own
//!   (`ControlPersist=no` on its command line): if the master is gone, it connects directly.
//! - `-E LOG -o LogLevel=DEBUG2`: ssh's own words go to a log of their own, never into the
//!   command's output, and say whether an exit status came back (`classify`). `open` logs
//!   at `INFO`: the master it starts keeps writing to that log for as long as it lives,
//!   and its probe's status is never 255.
//! - `-T`: no terminal. The data stays bytes, and stopping is done by closing stdin (see
//!   `prelude.bash`), not by a terminal's hangup.
//! - `ServerAliveInterval=15`, `ServerAliveCountMax=4`: a connection that dies silently is
//!   noticed within a minute instead of hanging until the step's timeout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::classify::{NotReady, SshOutcome, classify};
use super::control::ControlDir;
use super::prelude::{
    EXIT_NOT_FOUND, EXIT_SUDO_REFUSED, EXIT_TOOLS_MISSING, probe_command, remote_command,
};
use super::request::{RequestError, encode};
use crate::engine::Program;
use crate::runbook::host::Host;

/// How long a master idles before it exits on its own, when nothing closes it (a crash).
pub const CONTROL_PERSIST: &str = "10m";
/// How long to wait for a host to answer.
pub const CONNECT_TIMEOUT_S: u32 = 15;

/// What to spawn for one remote command: a local program with its arguments (no shell),
/// and the bytes to write on its stdin, which must then stay open until it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `argv[0]` is the ssh program.
    pub argv: Vec<String>,
    pub stdin: Vec<u8>,
}

/// The ssh client as one run uses it.
#[derive(Debug, Clone)]
pub struct Transport {
    ssh: PathBuf,
    config: Option<PathBuf>,
    control: ControlDir,
}

impl Transport {
    /// `ssh` from PATH, the user's own configuration.
    pub fn new(control: ControlDir) -> Transport {
        Transport {
            ssh: PathBuf::from("ssh"),
            config: None,
            control,
        }
    }

    /// Reads this configuration file instead of `~/.ssh/config` (`ssh -F`). OpenSSH finds
    /// `~` from the password database, not `$HOME`, so tests need this to stay apart.
    pub fn with_config(mut self, config: PathBuf) -> Transport {
        self.config = Some(config);
        self
    }

    /// Another ssh program (a test's wrapper, a different build).
    pub fn with_ssh(mut self, ssh: PathBuf) -> Transport {
        self.ssh = ssh;
        self
    }

    pub fn control(&self) -> &ControlDir {
        &self.control
    }

    /// The command that runs `program` with `env` on `host`. `ssh_log` is where ssh writes
    /// its own messages (appended; read it for [`classify`] when the command ends).
    pub fn invocation(
        &self,
        host: &Host,
        program: &Program,
        env: &[(String, String)],
        ssh_log: &Path,
    ) -> Result<Invocation, RequestError> {
        let stdin = encode(program, env)?;
        let mut argv = self.base(host, ssh_log, "DEBUG2");
        argv.extend(opt("ControlPersist=no"));
        argv.push("--".into());
        argv.push(host.destination().into());
        argv.push(remote_command(host.sudo()));
        Ok(Invocation { argv, stdin })
    }

    /// The command that opens `host`'s master and checks the host is usable (the login, the
    /// host key, bash and the tools the prelude needs, `sudo -n` if the host uses it).
    /// Run it before the first command on the host, and again after a lost connection.
    pub fn open_command(&self, host: &Host, ssh_log: &Path) -> Command {
        let mut argv = self.base(host, ssh_log, "INFO");
        argv.extend(opt(&format!("ControlPersist={CONTROL_PERSIST}")));
        argv.extend(["-n".to_string(), "--".into(), host.destination().into()]);
        argv.push(probe_command(host.sudo()));
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    /// Opens `host`'s master (see [`open_command`](Self::open_command)) and judges it:
    /// `Exited(0)` when the host is ready. Blocks for at most about the connect timeout.
    pub fn open(&self, host: &Host, ssh_log: &Path) -> std::io::Result<Opened> {
        let out = self.open_command(host, ssh_log).output()?;
        Ok(Opened::judge(out.status.code(), &out.stderr, ssh_log))
    }

    /// Closes `host`'s master (`ssh -O exit`), at the end of a run and on resume. A socket
    /// left by a master that is gone (a crash, a reboot) is removed. Nothing to close is not
    /// an error.
    pub fn close(&self, host: &Host) {
        let socket = self.control.socket(host);
        close_socket(&self.ssh, &socket);
    }

    /// Closes every master the run's directory holds, whichever host it was for: on resume
    /// after a crash, before anything runs, so no connection from before is reused.
    pub fn close_all(&self) {
        for socket in self.control.sockets() {
            close_socket(&self.ssh, &socket);
        }
    }

    /// The options every ssh command line of a run shares.
    fn base(&self, host: &Host, ssh_log: &Path, level: &str) -> Vec<String> {
        let mut argv = vec![self.ssh.to_string_lossy().into_owned()];
        if let Some(config) = &self.config {
            argv.extend(["-F".to_string(), config.to_string_lossy().into_owned()]);
        }
        argv.extend(["-E".to_string(), ssh_log.to_string_lossy().into_owned()]);
        for o in [
            format!("LogLevel={level}"),
            "BatchMode=yes".into(),
            "StrictHostKeyChecking=yes".into(),
            "ControlMaster=auto".into(),
            format!(
                "ControlPath={}",
                escape_tokens(&self.control.socket(host).to_string_lossy())
            ),
            format!("ConnectTimeout={CONNECT_TIMEOUT_S}"),
            "ServerAliveInterval=15".into(),
            "ServerAliveCountMax=4".into(),
        ] {
            argv.extend(opt(&o));
        }
        argv.push("-T".into());
        if let Some(user) = host.user() {
            argv.extend(["-l".to_string(), user.into()]);
        }
        argv
    }
}

/// What opening a host found: the judgement, and what the remote side said on stderr (the
/// prelude's probe explains a missing tool or a refused sudo there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub outcome: SshOutcome,
    pub stderr: String,
}

impl Opened {
    /// How an open ended: its exit `status`, what it said on `stderr`, and ssh's own log.
    pub fn judge(status: Option<i32>, stderr: &[u8], ssh_log: &Path) -> Opened {
        let log = std::fs::read_to_string(ssh_log).unwrap_or_default();
        Opened {
            outcome: classify(status, &log),
            stderr: String::from_utf8_lossy(stderr).into_owned(),
        }
    }

    pub fn ready(&self) -> bool {
        self.outcome == SshOutcome::Exited(0)
    }

    /// Why the host is not ready, as data (the engine says it: `messages::remote_failure`);
    /// `None` when it is.
    pub fn not_ready(&self) -> Option<NotReady> {
        let said = self.stderr.trim().to_string();
        match &self.outcome {
            SshOutcome::Exited(0) => None,
            SshOutcome::Failed(f) => Some(NotReady::Ssh(f.clone())),
            SshOutcome::Exited(EXIT_NOT_FOUND) => Some(NotReady::NoBash { said }),
            SshOutcome::Exited(EXIT_TOOLS_MISSING) => Some(NotReady::ToolsMissing { said }),
            SshOutcome::Exited(EXIT_SUDO_REFUSED) => Some(NotReady::SudoRefused { said }),
            SshOutcome::Exited(code) => Some(NotReady::CheckExited { code: *code, said }),
        }
    }
}

fn opt(o: &str) -> [String; 2] {
    ["-o".into(), o.into()]
}

/// ssh expands `%` tokens in ControlPath; a literal `%` is written `%%`.
fn escape_tokens(path: &str) -> String {
    path.replace('%', "%%")
}

/// `ssh -O exit` on one socket, reading no configuration (`-F /dev/null`): the control
/// socket is all it talks to. Whatever the master said, the socket file goes.
fn close_socket(ssh: &Path, socket: &Path) {
    if std::fs::symlink_metadata(socket).is_err() {
        return;
    }
    let _ = Command::new(ssh)
        .args(["-F", "/dev/null", "-o"])
        .arg(format!(
            "ControlPath={}",
            escape_tokens(&socket.to_string_lossy())
        ))
        .args(["-O", "exit", "shisa-control"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = std::fs::remove_file(socket);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::Failure;

    fn transport() -> Transport {
        let control = ControlDir::choose(Path::new("/tmp/shisa"), "r1").unwrap();
        Transport::new(ControlDir::at(control))
    }

    fn value_after<'a>(argv: &'a [String], flag: &str, prefix: &str) -> Vec<&'a str> {
        argv.windows(2)
            .filter(|w| w[0] == flag && w[1].starts_with(prefix))
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn a_command_line_holds_the_safe_options_and_no_value() {
        let host = Host::new("db-1", Some("ops"), false).unwrap();
        let env = vec![("secret".to_string(), "$(rm -rf /) hunter2".to_string())];
        let inv = transport()
            .invocation(
                &host,
                &Program::Script("echo \"$secret\"".into()),
                &env,
                Path::new("/r/out.ssh.log"),
            )
            .unwrap();
        let a = &inv.argv;
        assert_eq!(a[0], "ssh");
        for o in [
            "BatchMode=yes",
            "StrictHostKeyChecking=yes",
            "ControlMaster=auto",
            "ControlPersist=no",
            "LogLevel=DEBUG2",
        ] {
            assert_eq!(value_after(a, "-o", o), [o], "{o}");
        }
        assert!(!a.iter().any(|x| x.contains("accept-new")));
        let cp = value_after(a, "-o", "ControlPath=");
        assert_eq!(cp.len(), 1);
        assert!(cp[0].starts_with("ControlPath=/tmp/shisa/r1.ssh/"));
        assert_eq!(value_after(a, "-E", ""), ["/r/out.ssh.log"]);
        assert_eq!(value_after(a, "-l", ""), ["ops"]);
        assert!(a.contains(&"-T".to_string()));
        // The destination follows `--`, and the remote command is the constant.
        let dd = a.iter().position(|x| x == "--").unwrap();
        assert_eq!(a[dd + 1], "db-1");
        assert_eq!(a[dd + 2], remote_command(false));
        assert_eq!(a.len(), dd + 3);
        // No value on the command line; all of it on stdin.
        assert!(
            !a.iter()
                .any(|x| x.contains("hunter2") || x.contains("echo"))
        );
        assert!(inv.stdin.windows(7).any(|w| w == b"hunter2"));
    }

    #[test]
    fn sudo_changes_only_the_constant() {
        let t = transport();
        let run = |sudo| {
            let host = Host::new("db-1", None, sudo).unwrap();
            t.invocation(
                &host,
                &Program::Argv(vec!["id".into()]),
                &[],
                Path::new("/l"),
            )
            .unwrap()
        };
        let (plain, sudo) = (run(false), run(true));
        assert_eq!(plain.stdin, sudo.stdin);
        assert_eq!(sudo.argv.last().unwrap(), &remote_command(true));
        assert_eq!(
            plain.argv[..plain.argv.len() - 1],
            sudo.argv[..sudo.argv.len() - 1]
        );
        assert!(!plain.argv.contains(&"-l".to_string()));
    }

    #[test]
    fn opening_persists_the_master_and_reads_a_config_if_given() {
        let host = Host::new("db-1", None, false).unwrap();
        let t = transport().with_config(PathBuf::from("/cfg"));
        let cmd = t.open_command(&host, Path::new("/l"));
        let a: Vec<String> = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        assert_eq!(value_after(&a, "-F", ""), ["/cfg"]);
        assert_eq!(value_after(&a, "-o", "LogLevel="), ["LogLevel=INFO"]);
        assert_eq!(
            value_after(&a, "-o", "ControlPersist="),
            [format!("ControlPersist={CONTROL_PERSIST}").as_str()]
        );
        assert!(a.contains(&"-n".to_string()));
        assert_eq!(a.last().unwrap(), &probe_command(false));
    }

    #[test]
    fn a_host_that_is_not_ready_says_why() {
        let o = |outcome, stderr: &str| Opened {
            outcome,
            stderr: stderr.into(),
        };
        let said = |outcome, stderr: &str| {
            let n = o(outcome, stderr).not_ready().unwrap();
            crate::engine::messages::remote_failure(&crate::engine::RemoteFailure::NotReady(n))
        };
        assert_eq!(o(SshOutcome::Exited(0), "").not_ready(), None);
        let sudo = said(
            SshOutcome::Exited(252),
            "shisa-remote: sudo -n refused on db-1: …\n",
        );
        assert!(
            sudo.contains("NOPASSWD") && sudo.contains("refused on db-1"),
            "{sudo}"
        );
        assert!(said(SshOutcome::Exited(127), "").contains("bash"));
        let key = Failure::HostKeyUnknown {
            host: "h".into(),
            port: None,
        };
        assert_eq!(
            said(SshOutcome::Failed(key.clone()), ""),
            crate::engine::messages::ssh_failure(&key)
        );
    }

    #[test]
    fn a_percent_in_the_control_path_stays_literal() {
        assert_eq!(escape_tokens("/tmp/a%h/b"), "/tmp/a%%h/b");
    }
}
