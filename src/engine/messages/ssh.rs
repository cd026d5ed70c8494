//! What each way a command on a host failed means and how to fix it: the sentence
//! journaled in `command_finished`'s reason (`CommandFailure::Ssh`) and written to the
//! command's log, from the data the driver reports (`RemoteFailure`). The driver and the
//! classifier (`remote::classify`) only say which failure it was.

use crate::engine::ssh_failure::{Failure, NotReady};

use crate::engine::RemoteFailure;

/// The sentence for a command on a host that failed, or did not run, as `RemoteFailure`
/// says.
pub fn remote_failure(f: &RemoteFailure) -> String {
    match f {
        RemoteFailure::Ssh(f) => ssh_failure(f),
        RemoteFailure::NotReady(n) => not_ready(n),
        RemoteFailure::StoppedConnecting { host } => {
            format!("stopped while connecting to {host}; nothing ran there")
        }
        RemoteFailure::ConnectTimedOut { host, limit_s } => format!(
            "{host} did not answer within the command's timeout ({limit_s} s) while shisa connected; nothing ran there"
        ),
        RemoteFailure::BadDestination { error } | RemoteFailure::BadRequest { error } => {
            error.clone()
        }
    }
}

/// ssh's own failure: what happened, then the fix.
pub fn ssh_failure(f: &Failure) -> String {
    format!("{} {}", explain(f), fix(f))
}

/// Why a host whose master was opened cannot run commands, with the fix.
fn not_ready(n: &NotReady) -> String {
    let said = |said: &str| {
        if said.is_empty() {
            String::new()
        } else {
            format!(" It said: {said}")
        }
    };
    match n {
        NotReady::Ssh(f) => ssh_failure(f),
        NotReady::NoBash { said: s } => format!(
            "bash is not on the host's PATH for this login; shisa runs remote commands \
             with bash. Install it, or log in as a user whose PATH has it.{}",
            said(s)
        ),
        NotReady::ToolsMissing { said: s } => format!(
            "a tool the remote side needs (env, cat, sleep) is missing on the host.{}",
            said(s)
        ),
        NotReady::SudoRefused { said: s } => format!(
            "`sudo -n` was refused: the host uses `sudo: true`, so the login user needs \
             passwordless sudo (a NOPASSWD rule) for bash.{}",
            said(s)
        ),
        NotReady::CheckExited { code, said: s } => format!(
            "the check on the host exited {code} (the login shell or its startup files \
             failed).{}",
            said(s)
        ),
    }
}

fn explain(f: &Failure) -> String {
    match f {
        Failure::HostKeyUnknown { host, .. } => format!(
            "ssh does not know the host key of {host}, so it cannot tell the real host \
             from an impostor; shisa never accepts a new key by itself. Nothing ran there."
        ),
        Failure::HostKeyChanged {
            host, fingerprint, ..
        } => format!(
            "{host} presented a host key that differs from the one in known_hosts{}. \
             Either the host was reinstalled, or someone is between you and it. Nothing \
             ran there.",
            fingerprint
                .as_ref()
                .map(|f| format!(" (it now shows {f})"))
                .unwrap_or_default()
        ),
        Failure::HostKeyRejected => {
            "ssh could not verify the host's key (host key verification failed). Nothing \
             ran there."
                .into()
        }
        Failure::AuthFailed { methods } => format!(
            "the host refused the login (it accepts: {methods}); shisa never types a \
             password (BatchMode). Nothing ran there."
        ),
        Failure::Refused { host, port } => format!(
            "nothing accepts ssh connections at {host} port {} (connection refused). \
             Nothing ran there.",
            port.unwrap_or(22)
        ),
        Failure::Unresolved { host } => {
            format!("the name {host} does not resolve to an address. Nothing ran there.")
        }
        Failure::TimedOut => {
            "the host did not answer in time (connection timed out). Nothing ran there.".into()
        }
        Failure::Unreachable => {
            "there is no route to the host (network unreachable). Nothing ran there.".into()
        }
        Failure::ConnectionLost => {
            "the connection to the host was lost while the command ran, and no exit status \
             came back: whether the command finished is unknown. When its session closes, \
             the remote side stops it (TERM, then KILL after 5 s), if the host is up."
                .into()
        }
        Failure::Interrupted => {
            "ssh was stopped on this side (a stop or a timeout); the remote side stops the \
             command when its session closes (TERM, then KILL after 5 s)."
                .into()
        }
        Failure::Other { said } => format!(
            "ssh failed before an exit status came back{}",
            last_line(said)
                .map(|l| format!(": {l}"))
                .unwrap_or_else(|| " and said nothing".into())
        ),
    }
}

/// Where the user's ssh settings are: with `SHISA_SSH_CONFIG` set, shisa's ssh reads that
/// file instead of ~/.ssh/config (`driver::remote::SSH_CONFIG_ENV`), so a hint naming
/// only ~/.ssh/config sent people to the wrong file (cold read).
const CONFIG: &str = "~/.ssh/config (or the file `SHISA_SSH_CONFIG` names, when set)";

/// What to do about it.
fn fix(f: &Failure) -> String {
    let target = |host: &str, port: &Option<u16>| match port {
        Some(p) => (format!("-p {p} {host}"), format!("[{host}]:{p}")),
        None => (host.to_string(), host.to_string()),
    };
    match f {
        Failure::HostKeyUnknown { host, port } => {
            let (scan, _) = target(host, port);
            format!(
                "Get the host's key fingerprint from someone who can see the host itself \
                 (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on its console), then \
                 add the key with `ssh-keyscan {scan} >> ~/.ssh/known_hosts` after checking \
                 that `ssh-keyscan {scan} | ssh-keygen -lf -` shows the same fingerprint."
            )
        }
        Failure::HostKeyChanged { host, port, .. } => {
            let (scan, name) = target(host, port);
            format!(
                "Ask the host's owner whether its key changed. Only if it did: \
                 `ssh-keygen -R '{name}'`, then add the new key with `ssh-keyscan {scan} >> \
                 ~/.ssh/known_hosts` after checking its fingerprint the same way."
            )
        }
        Failure::HostKeyRejected => {
            "Run `ssh -v HOST true` to see which key check failed (a revoked key, or a \
             key type known_hosts does not hold)."
                .into()
        }
        Failure::AuthFailed { .. } => {
            format!(
                "Check that `ssh -o BatchMode=yes HOST true` works for you: your key is loaded \
                 (`ssh-add -l`), the login user is right (`user:` in `hosts:` or `User` in \
                 {CONFIG}), and the key is in that user's ~/.ssh/authorized_keys."
            )
        }
        Failure::Refused { .. } => {
            format!(
                "Check that sshd runs on the host and that the port is right (`Port` in {CONFIG})."
            )
        }
        Failure::Unresolved { .. } => {
            format!("Check the spelling, the `HostName` in {CONFIG}, and DNS.")
        }
        Failure::TimedOut | Failure::Unreachable => {
            "Check the network path (VPN, bastion `ProxyJump`, firewall); `ssh -v HOST \
             true` shows where it stops."
                .into()
        }
        Failure::ConnectionLost => {
            "Check the host is up, look at what the command changed, then retry or mark \
             the step done with a reason."
                .into()
        }
        Failure::Interrupted => {
            "Look at what the command changed before going on; `ssh HOST pgrep -af …` \
             shows whether anything of it is still running."
                .into()
        }
        Failure::Other { .. } => {
            "Run `ssh -v HOST true` to see why ssh fails; the full ssh log is kept beside \
             the output log."
                .into()
        }
    }
}

fn last_line(s: &str) -> Option<&str> {
    s.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cold read: with `SHISA_SSH_CONFIG` set, the hints sent people to ~/.ssh/config, a
    /// file shisa's ssh does not read then.
    #[test]
    fn every_hint_naming_the_ssh_config_names_shisa_ssh_config_too() {
        let named = [
            Failure::AuthFailed {
                methods: "publickey".into(),
            },
            Failure::Refused {
                host: "db-1".into(),
                port: None,
            },
            Failure::Unresolved {
                host: "db-1".into(),
            },
        ];
        for f in &named {
            let said = ssh_failure(f);
            assert!(
                said.contains("~/.ssh/config (or the file `SHISA_SSH_CONFIG` names, when set)"),
                "{said}"
            );
        }
    }
}
