//! The ways ssh fails, as data. The driver's classifier (`remote::classify`) says which
//! failure it was; the engine journals it and says what it means (`messages::ssh`). The
//! data lives here, below both, so the engine never names the remote layer
//! (ARCHITECTURE.md, "Modules do not depend on each other in a circle").

/// The ways ssh fails, as data: what each means and how to fix it is said by the engine
/// (`engine::messages::ssh_failure`), which journals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No key for the host in known_hosts: it cannot be told from an impostor.
    HostKeyUnknown { host: String, port: Option<u16> },
    /// The host's key differs from the one known: reinstalled, or someone in between.
    HostKeyChanged {
        host: String,
        port: Option<u16>,
        fingerprint: Option<String>,
    },
    /// Host key verification failed for another reason (revoked key, wrong key type).
    HostKeyRejected,
    /// The host refused the login.
    AuthFailed { methods: String },
    /// Nothing listens for ssh there.
    Refused { host: String, port: Option<u16> },
    /// The name does not resolve.
    Unresolved { host: String },
    /// No answer in time.
    TimedOut,
    /// No route to the host.
    Unreachable,
    /// The connection went away while the command ran: no exit status came back.
    ConnectionLost,
    /// The local ssh was stopped by a signal (shisa's stop or timeout).
    Interrupted,
    /// ssh failed and said something not recognised (kept, last lines first shown).
    Other { said: String },
}

/// Why an opened host cannot run commands; `said` is what the remote side wrote on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// ssh itself failed while opening.
    Ssh(Failure),
    /// bash is not on the login's PATH.
    NoBash { said: String },
    /// A tool the prelude needs (env, cat, sleep) is missing.
    ToolsMissing { said: String },
    /// `sudo -n` was refused (a `sudo: true` host without a NOPASSWD rule).
    SudoRefused { said: String },
    /// The probe exited with another status: the login shell or its startup files failed.
    CheckExited { code: i32, said: String },
}

/// The three kinds of trouble the design keeps apart on screen and in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The host could not be verified: nothing ran.
    HostKey,
    /// The login was refused: nothing ran.
    Auth,
    /// The connection failed or was lost (before the command, or with its end unknown).
    Connection,
}

impl Failure {
    /// A stable name for the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::HostKeyUnknown { .. } => "host_key_unknown",
            Failure::HostKeyChanged { .. } => "host_key_changed",
            Failure::HostKeyRejected => "host_key_rejected",
            Failure::AuthFailed { .. } => "auth_failed",
            Failure::Refused { .. } => "connection_refused",
            Failure::Unresolved { .. } => "unresolved",
            Failure::TimedOut => "timed_out",
            Failure::Unreachable => "unreachable",
            Failure::ConnectionLost => "connection_lost",
            Failure::Interrupted => "interrupted",
            Failure::Other { .. } => "ssh_failed",
        }
    }

    pub fn class(&self) -> Class {
        match self {
            Failure::HostKeyUnknown { .. }
            | Failure::HostKeyChanged { .. }
            | Failure::HostKeyRejected => Class::HostKey,
            Failure::AuthFailed { .. } => Class::Auth,
            _ => Class::Connection,
        }
    }

    /// Whether the remote command may have run (in part): only when the connection went
    /// away or ssh was stopped after the session began. Every other failure happens before
    /// anything runs remotely.
    pub fn may_have_run(&self) -> bool {
        matches!(
            self,
            Failure::ConnectionLost | Failure::Interrupted | Failure::Other { .. }
        )
    }
}
