//! Where a command's logs go, relative to the run directory: the one naming rule, for the
//! output log the engine journals (`command_started.log`) and for the logs of ssh's own
//! that the driver keeps beside it on a remote step.

use crate::journal::record::Purpose;
use crate::runbook::expand::file_safe;

/// Which of a command's logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// What the command printed.
    Output,
    /// ssh's own log of running the command on its host.
    Ssh,
    /// ssh's log of opening the host's connection, before the run's first command there.
    SshOpen,
}

/// `output/[host-<destination>/]<step>[.<purpose>].<attempt><suffix>`: each host's logs in
/// a directory of their own, ssh's beside the command's.
pub fn log_path(
    step: &str,
    purpose: Purpose,
    attempt: u32,
    host: Option<&str>,
    kind: LogKind,
) -> String {
    let dir = match host {
        Some(destination) => format!("output/host-{}/", file_safe(destination)),
        None => "output/".to_string(),
    };
    let step = file_safe(step);
    let stem = match purpose {
        Purpose::Main => format!("{step}.{attempt}"),
        p => format!("{step}.{p}.{attempt}"),
    };
    let suffix = match kind {
        LogKind::Output => ".log",
        LogKind::Ssh => ".ssh.log",
        LogKind::SshOpen => ".open.ssh.log",
    };
    format!("{dir}{stem}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_of_a_command_is_named_by_one_rule() {
        let at = |host, kind| log_path("roll[es-2]/stop", Purpose::Verify(1), 2, host, kind);
        assert_eq!(
            log_path("look", Purpose::Main, 1, None, LogKind::Output),
            "output/look.1.log"
        );
        assert_eq!(
            at(None, LogKind::Output),
            "output/roll@es-2~stop.verify-1.2.log"
        );
        assert_eq!(
            at(Some("ops@es-2"), LogKind::Output),
            "output/host-ops%40es-2/roll@es-2~stop.verify-1.2.log"
        );
        assert_eq!(
            at(Some("ops@es-2"), LogKind::Ssh),
            "output/host-ops%40es-2/roll@es-2~stop.verify-1.2.ssh.log"
        );
        assert_eq!(
            at(Some("ops@es-2"), LogKind::SshOpen),
            "output/host-ops%40es-2/roll@es-2~stop.verify-1.2.open.ssh.log"
        );
    }

    /// The open log was once the output log with `.log` replaced: a host whose name holds
    /// `.log` sent it to another directory.
    #[test]
    fn a_host_named_with_dot_log_keeps_its_open_log_in_its_own_directory() {
        let open = log_path(
            "push",
            Purpose::Main,
            1,
            Some("db.logs.internal"),
            LogKind::SshOpen,
        );
        let output = log_path(
            "push",
            Purpose::Main,
            1,
            Some("db.logs.internal"),
            LogKind::Output,
        );
        let dir = |p: &str| p.rsplit_once('/').map(|(d, _)| d.to_string());
        assert_eq!(dir(&open), dir(&output));
        assert_eq!(open, "output/host-db.logs.internal/push.1.open.ssh.log");
    }
}
