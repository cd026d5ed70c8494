//! Exit codes and the one error type the commands return; `main` maps it.

use std::process::ExitCode;

use crate::journal::record::Outcome;
use crate::runbook::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The run completed and verified; or the command did what was asked.
    Ok = 0,
    /// A step failed and the run ended (rolled back, or stopped: also when the operator
    /// aborted at the failure, which is its cause); a check found a problem.
    Failed = 1,
    /// Invalid runbook, parameters or invocation: nothing ran.
    Invalid = 2,
    /// The operator aborted a run that had not failed (including end of input in headless
    /// mode).
    Aborted = 3,
    /// Refused to start: change window, locked run directory, or a safety gate.
    Refused = 4,
    /// Every step ended, but a failed check was continued past, a precheck overridden, or
    /// an in-doubt change accepted without its verify passing.
    CompletedWithExceptions = 5,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// The one mapping from how a run ended to the process's exit code.
impl From<Outcome> for Exit {
    fn from(outcome: Outcome) -> Exit {
        match outcome {
            Outcome::Completed => Exit::Ok,
            Outcome::CompletedWithExceptions => Exit::CompletedWithExceptions,
            Outcome::Failed | Outcome::RolledBack => Exit::Failed,
            Outcome::Aborted => Exit::Aborted,
            Outcome::Refused => Exit::Refused,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A runbook with errors, to render against its source.
    #[error("{} error(s) in {}", .0.errors(), .0.file)]
    Runbook(Box<Report>),
    /// Bad invocation or parameters: exit 2.
    #[error("{0}")]
    Invalid(String),
    /// Refused by a gate before anything ran: exit 4.
    #[error("{0}")]
    Refused(String),
    /// Anything else that stops a command: exit 1.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Runbook(_) | Error::Invalid(_) => Exit::Invalid,
            Error::Refused(_) => Exit::Refused,
            Error::Failed(_) => Exit::Failed,
        }
    }
}

impl From<Report> for Error {
    fn from(r: Report) -> Error {
        Error::Runbook(Box::new(r))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
