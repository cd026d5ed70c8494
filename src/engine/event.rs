//! What goes into the engine (events: operator intents, command results, timers, reviewer
//! messages) and what comes out (effects for the driver to perform, journal first).

use std::time::Duration;

use crate::exit::Exit;
use crate::journal::record::{
    Actor, Background, Choice, Entry, Outcome, Person, Purpose, RunbookRef,
};

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A new run: journals `run_started` and checks the window.
    Start(StartInfo),
    /// A replayed run continues: journals `run_resumed` (and an override if given).
    Resume {
        outside_window: Option<String>,
        /// The clock is faked (a debug build with `SHISA_FAKE_NOW`): journaled, never hidden.
        clock_faked: Option<String>,
    },
    /// The operator starts the current step (Enter in the TUI; automatic in headless mode).
    Begin,
    CommandDone(CommandResult),
    /// A retry delay has passed.
    RetryDue {
        step: usize,
        purpose: Purpose,
        attempt: u32,
    },
    /// The operator typed the target back (or the step's name at its point of no return).
    Typed(String),
    /// A manual step (or a manual rollback entry) is done; `choice` is the answer picked
    /// where the step offers `choices`.
    ManualDone {
        choice: Option<String>,
        note: Option<String>,
    },
    /// A manual step's `wait` has run out.
    WaitOver {
        step: usize,
    },
    Choice(Choice),
    Note {
        actor: Actor,
        text: String,
    },
    /// A reviewer's answer given in this process (`shisa review`'s walk, tests), not
    /// through the shared session: the engine builds the offer or rejection from it.
    Answer(Answer),
    /// The operator tries to reject their own step (the watcher's reject key, pressed in
    /// the operator's own screen): refused, naming what to do instead (abort).
    OperatorRejects,
    /// A shared-session client's answer to an approval request, as the driver received it:
    /// the engine decides whether it names this run and answers the request waiting now.
    ClientAnswer(ClientAnswer),
    /// The operator approves their own step, typing its target (refused unless the step
    /// says `allow_self`); the engine builds the offer from the request it made.
    SelfApproval {
        typed: String,
    },
    /// Stop the running command: journaled, then signalled (`Effect::Stop`).
    Stop(String),
    /// A torn last line was moved aside before this process continued the run.
    Recovered {
        moved_to: String,
        bytes: u64,
    },
    /// The run goes on with an edited runbook (`resume --runbook FILE --reason`), checked
    /// by `resume` against the steps the run has finished.
    RunbookChanged(RunbookChange),
    /// The shared session turned a client away.
    ClientRefused {
        who: String,
        reason: String,
    },
    /// Undo the changes in place now: an ended run's (`shisa rollback`), or a live run's
    /// instead of leaving them (the quit dialog). Same order and gates as any rollback.
    RollbackRequested {
        reason: String,
        outside_window: Option<String>,
    },
    /// The operator ends the run for good (`abort` at a prompt), with their reason, or
    /// none: the engine then says what they stopped at (`messages::abort_unexplained`).
    Abort(Option<String>),
    /// The run stops but can be resumed (quit, SIGTERM, SIGHUP, end of input at a prompt).
    Interrupt(crate::journal::record::Halt),
    /// The operator opened (`true`) or closed (`false`) the quit question: no change starts
    /// while it is open (`deciding.rs`).
    Deciding(bool),
    WatcherJoined(String),
    WatcherLeft(String),
}

/// An edited runbook the run goes on with: where it is, the definitions before and after
/// (by hash), why, and which steps differ.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunbookChange {
    pub path: String,
    pub from_sha256: String,
    pub to_sha256: String,
    pub reason: String,
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Event {
    /// The event's kind, for messages (never its data: a result holds output).
    pub fn name(&self) -> &'static str {
        match self {
            Event::Start(_) => "start",
            Event::Resume { .. } => "resume",
            Event::Begin => "begin",
            Event::CommandDone(_) => "command done",
            Event::RetryDue { .. } => "retry due",
            Event::Typed(_) => "typed target",
            Event::ManualDone { .. } => "manual done",
            Event::WaitOver { .. } => "wait over",
            Event::Choice(_) => "choice",
            Event::Note { .. } => "note",
            Event::SelfApproval { .. } => "self-approval",
            Event::OperatorRejects => "reject",
            Event::Answer(Answer { verdict, .. })
            | Event::ClientAnswer(ClientAnswer { verdict, .. }) => match verdict {
                Verdict::Approve { .. } => "approval",
                Verdict::Reject { .. } => "reject",
            },
            Event::RollbackRequested { .. } => "rollback requested",
            Event::Stop(_) => "stop",
            Event::Recovered { .. } => "journal recovered",
            Event::RunbookChanged(_) => "runbook changed",
            Event::ClientRefused { .. } => "client refused",
            Event::Abort(_) => "abort",
            Event::Interrupt(_) => "interrupt",
            Event::Deciding(_) => "deciding",
            Event::WatcherJoined(_) => "watcher joined",
            Event::WatcherLeft(_) => "watcher left",
        }
    }
}

/// Who the person offering an approval or a rejection is, as the host says: gathered by the
/// driver from the kernel (`SO_PEERCRED`, the peer's audit login uid) and the user and
/// group databases, never from the client's word (but for the `SUDO_USER` a root peer
/// names: root could be anyone anyway). The engine decides what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct Who {
    /// The human counted; journaled with the decision.
    pub person: Person,
    /// The groups the person is a member of on this host, by name.
    pub groups: Vec<String>,
}

impl Who {
    /// A person who is just the account, in no group: tests, and an operator whose
    /// identity the session did not look up.
    pub fn account(actor: &Actor) -> Who {
        Who {
            person: Person {
                user: actor.user.clone(),
                uid: actor.uid,
                login_uid: None,
                sudo_user: None,
            },
            groups: Vec::new(),
        }
    }
}

/// A shared-session client's approval or rejection, as it arrived, with the one fact only
/// the journal writer has: the hash of the latest `approval_requested` line. Nothing in it
/// is decided yet (`engine/client.rs` decides).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientAnswer {
    /// The shared-session client waiting for the verdict (`Effect::Reply`).
    pub client: u64,
    /// The run the client names.
    pub run_id: String,
    pub step: String,
    pub command_sha256: String,
    /// The hash of the `approval_requested` line the client answers.
    pub request: String,
    /// The hash of the latest `approval_requested` line written in this run, if any.
    pub latest_request: Option<String>,
    pub reviewer: Actor,
    pub who: Who,
    pub verdict: Verdict,
}

/// A reviewer's answer to the approval request they were shown, handed to the engine in
/// this process rather than by a shared-session client. It names the request by its step
/// and command, as the reviewer received them (`Engine::pending_approval`); whether it
/// counts is the engine's to say, as for a client's (`engine/client.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub step: String,
    pub command_sha256: String,
    pub reviewer: Actor,
    pub who: Who,
    pub verdict: Verdict,
}

/// What a client says of the step waiting for approval.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Approve it, typing its target (exactly as typed: the engine compares).
    Approve { typed: String },
    /// Reject it, with a reason.
    Reject { reason: String },
}

/// An approval offered for the step waiting for one. Built only by the engine — from a
/// client's answer, an in-process answer or the operator's own (`own_offer`) — because
/// `fresh` and `client` are its judgement, not the sender's word.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Offer {
    pub reviewer: Actor,
    pub step: String,
    pub command_sha256: String,
    pub typed: String,
    /// False when the approval answers a request that is no longer the current one.
    pub fresh: bool,
    /// The person behind the account: the same person as the operator, or as an earlier
    /// approval, whatever the uids.
    pub who: Who,
    /// The shared-session client waiting for the verdict (`Effect::Reply`).
    pub client: Option<u64>,
}

/// A reviewer's "no" to the step waiting for approval, bound like an approval to the run's
/// step, command and request. Built only by the engine, as an `Offer` is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Rejection {
    pub reviewer: Actor,
    pub step: String,
    pub command_sha256: String,
    pub reason: String,
    /// False when it answers a request that is no longer the current one.
    pub fresh: bool,
    pub who: Who,
    pub client: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StartInfo {
    pub run_id: String,
    pub runbook: RunbookRef,
    pub mode: String,
    pub tool_version: String,
    pub clock_faked: Option<String>,
    pub outside_window: Option<String>,
    /// `run --env NAME`.
    pub env: Option<String>,
    /// Where the environment needs a rehearsal: the runs that could be it.
    pub rehearsals: Option<super::rehearsal::Rehearsals>,
}

/// How a command ended, as the runner saw it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandResult {
    pub step: usize,
    pub purpose: Option<Purpose>,
    pub attempt: u32,
    pub exit: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: u64,
    /// Bytes written to the output log (after redaction) and their SHA-256.
    pub bytes: u64,
    pub sha256: String,
    /// The start of stdout, for expectations and captures (the log has all of it).
    pub stdout: String,
    pub stdout_truncated: bool,
    /// Set when the runner could not start the command at all.
    pub spawn_error: Option<String>,
    /// Set when the output log could not be written in full: the run must stop.
    pub log_error: Option<String>,
    /// What the command left behind once it had exited (daemons, killed children).
    pub background: Background,
    /// A remote command: ssh itself failed (set by the driver from ssh's log).
    pub remote: Option<RemoteFailure>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal and fsync, before performing anything after it.
    Journal(Entry),
    Spawn(Spawn),
    /// Feed `event` back after `after`.
    Timer {
        after: Duration,
        event: Event,
    },
    /// Signal the running command's process group (TERM, then KILL): always after the
    /// journal entry that says why.
    Stop,
    /// Tell a shared-session client the verdict on what it sent.
    Reply {
        client: u64,
        granted: bool,
        message: String,
    },
    /// The run is over (or halted): stop with this exit code.
    Finish {
        outcome: Option<Outcome>,
        exit: Exit,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// Run by `bash -euo pipefail -c`.
    Script(String),
    /// Run directly, no shell.
    Argv(Vec<String>),
}

/// A command to start. Holds real values (secrets included): never journal it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spawn {
    pub step: usize,
    pub step_id: String,
    pub purpose: Purpose,
    pub attempt: u32,
    pub program: Program,
    pub env: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    /// Output log path, relative to the run directory.
    pub log: String,
    /// Values to scrub from this command's output besides the run's secrets: captured
    /// values that held a secret, known only since they were captured.
    pub redact: Vec<(String, String)>,
    /// Secret captures this command's stdout is read for: its stdout is kept out of the
    /// log and off the screen (judged in memory only), since the secret is in it before
    /// anyone knows its value to scrub.
    pub withhold_stdout: Vec<String>,
}

/// Why a command on a host did not run, or ended unknown, as the driver found it: data
/// only. Its journal name is `kind`; what it means and how to fix it is the engine's to say
/// (`messages::remote_failure`), journaled beside that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteFailure {
    /// ssh itself failed running the command, as `remote::classify` read its log.
    Ssh(crate::engine::ssh_failure::Failure),
    /// Opening the host failed, or the opened host cannot run commands.
    NotReady(crate::engine::ssh_failure::NotReady),
    /// A stop came while the host was being opened.
    StoppedConnecting { host: String },
    /// The command's timeout ran out while the host was being opened.
    ConnectTimedOut { host: String, limit_s: u64 },
    /// The host's entry makes no destination ssh accepts (`error` names why).
    BadDestination { error: String },
    /// The command could not be put into a request for the host (`error` names why).
    BadRequest { error: String },
}

impl RemoteFailure {
    /// The stable name journaled in `command_finished.ssh_failure`.
    pub fn kind(&self) -> &'static str {
        match self {
            RemoteFailure::Ssh(f)
            | RemoteFailure::NotReady(crate::engine::ssh_failure::NotReady::Ssh(f)) => f.kind(),
            RemoteFailure::NotReady(_) => "host_not_ready",
            RemoteFailure::StoppedConnecting { .. } => "stopped_connecting",
            RemoteFailure::ConnectTimedOut { .. } => "timed_out",
            RemoteFailure::BadDestination { .. } => "bad_destination",
            RemoteFailure::BadRequest { .. } => "bad_request",
        }
    }

    /// The command may have run (in part): the connection went away mid-command. Nothing
    /// runs on a host before it is opened.
    pub fn may_have_run(&self) -> bool {
        matches!(self, RemoteFailure::Ssh(f) if f.may_have_run())
    }
}
