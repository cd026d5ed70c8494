//! What is known about one step in a run: the state the engine keeps per step, changed
//! (like all its state) only by `apply` of journal entries (ARCHITECTURE.md, "State changes
//! only through records"). Its state is one `Progress` at a time, and what a begun step has
//! in flight (`Stage`, `stage.rs`) lives inside the variants where it means something; what
//! stays beside it is history. A record that finds the step in a state it cannot apply to
//! leaves it as it is, as `apply` does with a record naming no step.

use std::collections::BTreeMap;

use crate::journal::record::{Purpose, StepStatus};

use super::stage::{Asking, CommandState, NOTHING, Named, Request, Stage, TargetState, WaitState};

/// What is known about one step in this run: where it is in its life, with what it has in
/// flight there (`progress`), and its history: facts about what it did, true whatever
/// its progress now and read after it moved on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepState {
    pub(super) progress: Progress,
    /// History: the target the operator typed (or an earlier step's confirmation of the
    /// same target stood for), and who typed it. Read after the step ends: by later steps
    /// of the same loop pass (`confirmed_before`), a self-approval, a blind target's
    /// reveal. Forgotten only where the gate is met afresh (a later rollback, a step begun
    /// again).
    pub(super) confirmed: Option<Confirmed>,
    /// History: as many people as the step needs approved its command (its rollback's, in
    /// a later rollback). Forgotten where the approval is asked afresh.
    pub(super) approved: bool,
    /// Attempts of the current command's purpose since the operator last chose (for
    /// automatic retries).
    pub(super) round: u32,
    /// Highest attempt number used, per purpose (log names never repeat).
    pub(super) attempts: BTreeMap<Purpose, u32>,
    /// Whether the step's own command ever started, a rerun included: a rollback is owed
    /// if it did, whatever the step's state now.
    pub(super) main_ran: bool,
    /// History: a `step_started` of this step said it changes something (under the runbook
    /// it began with). Resume judges a command cut off by it as well as by the runbook,
    /// which `--runbook` may have edited since: an edit never takes a change out of doubt.
    pub(super) began_mutating: bool,
    /// The operator asked to stop this command (`stop_requested`): when it ends it is not
    /// tried again nor polled again by itself, whatever its `retry` or wait; the operator
    /// is asked. A stopped change retried on its own is the change the operator stopped.
    pub(super) stop_asked: Option<(Purpose, u32)>,
    /// This round's result of each verify check that has one (`None`: it passed; else its
    /// failure). Retry forgets the failures, so only those run again (`verify_all.rs`).
    pub(super) checks: BTreeMap<u32, Option<String>>,
    /// The answer picked at a manual step with `choices` (read by later steps' `when`).
    pub(super) chosen: Option<String>,
    /// The operator confirmed this step's point of no return: no rollback reaches back
    /// past it, however the step ends.
    pub(super) no_return: bool,
    /// The target's `impact` count, once its command has run (`target_impact`).
    pub(super) impact: Option<Counted>,
}

/// A target typed: as the system named it (secrets masked), and who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub(super) resolved: String,
    pub(super) by: String,
}

/// What a target's `impact` command counted (`engine/impact.rs`), as journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub count: u64,
    /// What is counted (`accounts`), as the command named it.
    pub unit: Option<String>,
    pub at_most: u64,
    /// The first things touched, as the command listed them.
    pub listed: Vec<String>,
}

/// Where one step is in its life, one state at a time: a step cannot be both ended and
/// under way, nor have its own part done before it began, nor count rollback entries
/// outside a rollback. A begun step's `Stage` is inside the variant, so nothing is in
/// flight at a step that has not begun or has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Not begun: never yet, or to begin again (a rerun after a crash; a typed target that
    /// a resume asks afresh). `refused`: a gate (the change window, a missing snapshot)
    /// stopped it from beginning, and the operator is asked what to do.
    NotStarted { refused: Option<Asking> },
    /// Begun (`step_started`); its own part — its command, or a person's work — not done.
    Underway(Stage),
    /// Its own part is done: the command succeeded, the manual step was marked done, or the
    /// operator declared the step done after a crash (`accepted`, with their reason, which
    /// no result proves). Its verify checks are what is left.
    Verifying {
        accepted: Option<String>,
        stage: Stage,
    },
    /// Ended (`step_finished`).
    Finished(Ended),
    /// In a rollback's plan, being undone: `undone` of its rollback entries are finished
    /// or skipped. `ended` is how it had ended before the rollback reached it (`None` for
    /// the failed step, which had not): what it did is in place until it is undone.
    /// `failed` are the entries that failed and that the operator went on past: with any,
    /// the step is not undone, however the rest of its rollback goes.
    Undoing {
        ended: Option<Ended>,
        undone: u32,
        failed: Vec<u32>,
        stage: Stage,
    },
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::NotStarted { refused: None }
    }
}

/// How a step ended, as its `step_finished` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub status: StepStatus,
    pub reason: Option<String>,
}

impl Progress {
    /// How the step ended, if it has (a step being undone keeps how it had ended).
    pub fn ended(&self) -> Option<&Ended> {
        match self {
            Progress::Finished(e) | Progress::Undoing { ended: Some(e), .. } => Some(e),
            _ => None,
        }
    }

    /// Whether the step has begun (it may have ended since).
    pub fn begun(&self) -> bool {
        !matches!(self, Progress::NotStarted { .. })
    }

    /// What the step has in flight, if it is begun and not ended (or being undone).
    pub fn stage(&self) -> Option<&Stage> {
        match self {
            Progress::Underway(stage)
            | Progress::Verifying { stage, .. }
            | Progress::Undoing { stage, .. } => Some(stage),
            Progress::NotStarted { .. } | Progress::Finished(_) => None,
        }
    }

    pub(super) fn stage_mut(&mut self) -> Option<&mut Stage> {
        match self {
            Progress::Underway(stage)
            | Progress::Verifying { stage, .. }
            | Progress::Undoing { stage, .. } => Some(stage),
            Progress::NotStarted { .. } | Progress::Finished(_) => None,
        }
    }
}

impl StepState {
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// What the step has in flight (nothing, where it has not begun or has ended).
    pub fn stage(&self) -> &Stage {
        self.progress.stage().unwrap_or(&NOTHING)
    }

    /// How the step ended, if it has.
    pub fn status(&self) -> Option<StepStatus> {
        self.progress.ended().map(|e| e.status)
    }

    /// Begun and not ended: the step in progress, or the failed one being undone.
    pub fn underway(&self) -> bool {
        matches!(
            self.progress,
            Progress::Underway(_)
                | Progress::Verifying { .. }
                | Progress::Undoing { ended: None, .. }
        )
    }

    /// How many of its rollback entries a rollback has finished or skipped.
    pub fn undone(&self) -> u32 {
        match self.progress {
            Progress::Undoing { undone, .. } => undone,
            _ => 0,
        }
    }

    /// Where its target confirmation stands: named and waiting to be typed (its stage),
    /// else typed (its history), else not asked.
    pub fn target(&self) -> TargetState<'_> {
        match (self.stage().named(), &self.confirmed) {
            (Some(Named { resolved, misses }), _) => TargetState::Resolved {
                resolved,
                misses: *misses,
            },
            (None, Some(Confirmed { resolved, by })) => TargetState::Confirmed { resolved, by },
            (None, None) => TargetState::Unresolved,
        }
    }

    /// The approval asked for and not yet given, if the step waits for one.
    pub(super) fn request(&self) -> Option<&Request> {
        self.stage().request()
    }

    /// The command running now, if one is.
    pub fn running(&self) -> Option<(Purpose, u32)> {
        self.stage().command().and_then(CommandState::running)
    }

    /// The failure put to the operator, if one waits for a decision (before the step
    /// began, or during it).
    pub fn asking(&self) -> Option<&Asking> {
        match &self.progress {
            Progress::NotStarted { refused } => refused.as_ref(),
            p => p.stage()?.asking(),
        }
    }

    /// The wait in progress or over, if the step waits.
    pub(super) fn wait(&self) -> Option<&WaitState> {
        self.stage().wait()
    }

    /// Each verify check's result this round (`None`: passed).
    pub fn checks(&self) -> &BTreeMap<u32, Option<String>> {
        &self.checks
    }

    /// The step's own part is done and its checks are what is left.
    pub(super) fn main_done(&self) -> bool {
        matches!(self.progress, Progress::Verifying { .. })
    }

    /// `step_started`: a step not begun, and not held at a refused gate, is under way.
    pub(super) fn begin(&mut self) {
        if self.progress == Progress::default() {
            self.progress = Progress::Underway(Stage::default());
        }
    }

    /// The step's own part is done (its command succeeded, or a person marked it done):
    /// what is in flight goes on into its checks.
    pub(super) fn part_done(&mut self) {
        if let Progress::Underway(stage) = &mut self.progress {
            let stage = std::mem::take(stage);
            self.progress = Progress::Verifying {
                accepted: None,
                stage,
            };
        }
    }

    /// The operator declared the step in doubt done (`reason`): its checks are what is
    /// left, and the command cut off is no longer in flight, nor the wait it was polled
    /// in (a stale wait would keep a check that used its retries from giving up,
    /// `check_given_up`). Only a begun step can be.
    pub(super) fn accept(&mut self, reason: String) {
        let mut stage = match &mut self.progress {
            Progress::Underway(stage) | Progress::Verifying { stage, .. } => std::mem::take(stage),
            _ => return,
        };
        stage.accepted();
        self.progress = Progress::Verifying {
            accepted: Some(reason),
            stage,
        };
        self.main_ran = true;
    }

    /// `step_finished`: the step ends, and whatever it had in flight with it.
    pub(super) fn finish(&mut self, status: StepStatus, reason: Option<String>) {
        self.progress = Progress::Finished(Ended { status, reason });
    }

    /// `command_started`: only a begun step runs anything. That the command started is
    /// history, kept even from a record out of turn: the next attempt is numbered past it
    /// (no log is overwritten), and a change that started owes its rollback.
    pub(super) fn command_started(&mut self, purpose: Purpose, attempt: u32) {
        let used = self.attempts.entry(purpose).or_insert(0);
        *used = (*used).max(attempt);
        self.main_ran |= purpose == Purpose::Main;
        // A rollback command runs only at a step being undone, and nothing but a rollback
        // (and the lookup a later rollback's gates need) there.
        let fits = match (&self.progress, purpose) {
            (Progress::Undoing { .. }, p) => matches!(p, Purpose::Rollback(_) | Purpose::Describe),
            (_, p) => !matches!(p, Purpose::Rollback(_)),
        };
        if let Some(stage) = self.progress.stage_mut().filter(|_| fits) {
            stage.start_command(purpose, attempt, &mut self.round);
        }
    }

    /// `command_finished`: only the command that runs ends.
    pub(super) fn command_ended(&mut self, purpose: Purpose, attempt: u32, ok: bool) -> bool {
        self.progress
            .stage_mut()
            .is_some_and(|stage| stage.end_command(purpose, attempt, ok))
    }

    /// `step_failed`: the operator is asked, before the step began (a refused gate) or
    /// while it is in flight; an ended step asks nothing.
    pub(super) fn ask(&mut self, asking: Asking) {
        match &mut self.progress {
            Progress::NotStarted { refused } => *refused = Some(asking),
            p => {
                if let Some(stage) = p.stage_mut() {
                    stage.ask(asking);
                }
            }
        }
    }

    /// The question is answered, or the command was cut off: nothing is in flight.
    pub(super) fn settle_command(&mut self) {
        match &mut self.progress {
            Progress::NotStarted { refused } => *refused = None,
            p => {
                if let Some(stage) = p.stage_mut() {
                    stage.settle();
                }
            }
        }
    }

    /// Under way in its lookup (`describe`, `impact`: running, or failed and due again),
    /// before its own part: so far it has only read.
    pub(super) fn looking_up(&self) -> bool {
        let lookup = |p: &Purpose| matches!(p, Purpose::Describe | Purpose::Impact);
        matches!(&self.progress, Progress::Underway(stage) if match stage.command() {
            Some(CommandState::Running { purpose, .. }) => lookup(purpose),
            Some(CommandState::Ended { purpose, ok: false, .. }) => lookup(purpose),
            _ => false,
        })
    }

    /// Whether anything is in the command's place: a command, or a question.
    pub(super) fn has_command(&self) -> bool {
        self.stage()
            .command()
            .is_some_and(|c| *c != CommandState::Idle)
            || self.asking().is_some()
    }

    /// A rollback reaches the step (one that was being undone when an earlier rollback
    /// stopped goes on from where it was). A step the rollback finds in flight keeps what
    /// it has (its typed target, a request); an ended one starts with nothing in flight.
    pub(super) fn start_undo(&mut self) {
        let (ended, stage) = match &mut self.progress {
            Progress::Undoing { .. } => return,
            Progress::NotStarted { .. } => (None, Stage::default()),
            Progress::Finished(e) => (Some(e.clone()), Stage::default()),
            // A wait belongs to the step's own part or its checks, not to its undo: kept,
            // it would leave no room for the target the undo names.
            Progress::Underway(stage) | Progress::Verifying { stage, .. } => {
                match std::mem::take(stage) {
                    Stage::Waiting { .. } => (None, Stage::default()),
                    stage => (None, stage),
                }
            }
        };
        self.progress = Progress::Undoing {
            ended,
            undone: 0,
            failed: Vec::new(),
            stage,
        };
    }

    /// Its rollback entries up to `n` are finished or skipped.
    pub(super) fn undone_to(&mut self, n: u32) {
        self.start_undo();
        if let Progress::Undoing { undone, .. } = &mut self.progress {
            *undone = (*undone).max(n);
        }
    }

    /// Its rollback entry `n` failed and the operator went on past it.
    pub(super) fn undo_failed(&mut self, n: u32) {
        self.undone_to(n);
        if let Progress::Undoing { failed, .. } = &mut self.progress
            && !failed.contains(&n)
        {
            failed.push(n);
        }
    }

    /// The rollback entries that failed and that the operator went on past.
    pub fn undo_failures(&self) -> &[u32] {
        match &self.progress {
            Progress::Undoing { failed, .. } => failed,
            _ => &[],
        }
    }

    /// The step begins again from nothing, keeping its attempt numbers (no log is
    /// overwritten) and, where `ran` says so, that its command ran before.
    pub(super) fn restart(&mut self, ran: bool) {
        let attempts = std::mem::take(&mut self.attempts);
        *self = StepState {
            attempts,
            main_ran: ran,
            ..StepState::default()
        };
    }
}
