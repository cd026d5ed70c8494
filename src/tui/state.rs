//! Everything the screen shows besides the engine itself: output tails, the timeline, the
//! question open for the current phase, overlays, scrolling, notices. Changed by records,
//! output and keys; drawn through `view`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::engine::{Engine, Phase};
use crate::exec::stream::OutputChunk;
use crate::journal::record::{Body, ChoiceKind, Record, Role};
use crate::timeline;

use super::output::Scrollback;

/// Timeline entries kept in memory (the journal has them all).
const TIMELINE_KEEP: usize = 500;

/// A command that failed: what it was and the last lines it printed, for the failure
/// dialog (the output pane and the log have the rest).
#[derive(Debug, Clone, PartialEq)]
pub struct FailedCommand {
    pub step: usize,
    pub purpose: crate::journal::record::Purpose,
    pub command: String,
    /// Its output log, relative to the run directory.
    pub log: String,
    pub tail: Vec<String>,
}

/// Output lines of a failed command kept for its dialog.
const FAILURE_TAIL: usize = 6;

/// What the current phase asks of the operator, with what they have typed so far.
#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    Confirm {
        input: String,
    },
    /// A manual step (or a manual rollback entry): an optional note, and where the step
    /// offers answers, the one selected.
    Manual {
        note: String,
        answer: usize,
    },
    Waiting,
    Choice {
        choices: Vec<ChoiceKind>,
        selected: usize,
    },
}

impl Question {
    pub fn for_phase(phase: &Phase, e: &Engine) -> Option<Question> {
        Some(match phase {
            Phase::Confirm { .. } | Phase::Blind { .. } | Phase::NoReturn { .. } => {
                Question::Confirm {
                    input: String::new(),
                }
            }
            Phase::Manual(_) | Phase::ManualUndo { .. } => Question::Manual {
                note: String::new(),
                answer: 0,
            },
            Phase::Approval { .. } => Question::Waiting,
            Phase::Failed { .. } | Phase::InDoubt(_) => {
                let choices = e.choices();
                // The engine's default (`engine/default_choice.rs`), as `plan` marks it.
                let selected = (e.default_choice())
                    .and_then(|d| choices.iter().position(|c| *c == d))
                    .unwrap_or(0);
                Question::Choice { choices, selected }
            }
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonFor {
    /// `abort`, `override` or `done` at a failure or in-doubt question.
    Choice(ChoiceKind),
    /// Abort the whole run from the quit question.
    AbortRun,
    /// Undo the changes in place, from the quit question, instead of leaving them.
    RollbackNow,
}

/// Dialogs opened by the operator on top of whatever the run asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Note {
        input: String,
    },
    Reason {
        why: ReasonFor,
        input: String,
    },
    /// Approve the waiting step by typing its target (a watcher, or the operator where the
    /// runbook allows self-approval).
    Approve {
        input: String,
    },
    /// A watcher rejects the waiting step: the reason the operator will read.
    Reject {
        input: String,
    },
    Quit,
    /// Stop the running command?
    Stop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// Errors stay until the next key; the rest too, but are drawn quieter.
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct TimelineLine {
    pub clock: String,
    pub text: String,
    pub role: Role,
    /// The step's title as the text names it: a narrow strip shortens the title, not the
    /// end of the line, which says what happened.
    pub title: Option<String>,
}

pub struct Ui {
    pub run_id: String,
    pub run_dir: String,
    pub watcher: bool,
    /// The run is shared with a group (`--share-with`): someone else can join to approve.
    pub shared: bool,
    pub out: Scrollback,
    pub timeline: VecDeque<TimelineLine>,
    /// The newest record's time as journaled (its offset names the zone without a window).
    pub last_ts: Option<String>,
    /// Lines scrolled back from the newest output (0: following).
    pub scroll: usize,
    /// The step whose output is shown.
    pub shown_step: Option<usize>,
    /// The step that printed last.
    pub focus: Option<usize>,
    pub phase_key: String,
    pub question: Option<Question>,
    /// The operator put the question away to read the screen; Enter brings it back.
    pub hidden: bool,
    pub overlay: Option<Overlay>,
    /// The help's scroll position, when it is open.
    pub help: Option<usize>,
    /// The mode the help was opened from (its keys come first).
    pub help_from: Option<super::keymap::Mode>,
    pub notice: Option<Notice>,
    pub running: bool,
    /// The engine was told the operator is at the quit question (`input::tell_deciding`).
    pub deciding: bool,
    pub last_miss: Option<String>,
    /// Why the run ended, as `run_finished` says (the final dialog and the last words).
    pub end_reason: Option<String>,
    /// What the journal knows about the step a resumed run found in doubt.
    pub evidence: Option<crate::frontend::evidence::InDoubt>,
    /// The latest failed command, and the command started last (step, purpose, text).
    pub failure: Option<FailedCommand>,
    started_cmd: Option<(usize, crate::journal::record::Purpose, String, String)>,
    /// When the latest command started, as journaled: its elapsed time and what is left of
    /// its timeout are counted from here.
    pub command_began: Option<DateTime<Utc>>,
    /// The step whose output the operator chose to read (`[` / `]`); None: the live one.
    pub browse: Option<usize>,
    /// When a frame first showed the current phase.
    pub seen_at: Option<Instant>,
    /// How long the plan must have been on screen before Enter acts on it.
    pub dwell: Duration,
    /// When the run started and ended, as journaled: elapsed counts from the run's start,
    /// for a watcher who joined late and for a resumed run alike.
    began: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    /// Tests draw at a fixed moment.
    pub frozen: Option<(DateTime<Utc>, Duration)>,
    pub dirty: bool,
    /// The run is over (or halted) and the driver has let go.
    pub closed: bool,
    /// The operator (or a watcher) chose to leave the screen.
    pub left: bool,
    /// Leave at once when the run stops: the operator quit, or the terminal went away.
    pub no_linger: bool,
}

impl Ui {
    pub fn new(run_id: String, run_dir: String, color: bool, watcher: bool) -> Ui {
        Ui {
            run_id,
            run_dir,
            watcher,
            shared: false,
            out: Scrollback::new(color),
            timeline: VecDeque::new(),
            last_ts: None,
            scroll: 0,
            shown_step: None,
            focus: None,
            phase_key: String::new(),
            question: None,
            hidden: false,
            overlay: None,
            help: None,
            help_from: None,
            notice: None,
            running: false,
            deciding: false,
            last_miss: None,
            end_reason: None,
            evidence: None,
            failure: None,
            started_cmd: None,
            command_began: None,
            browse: None,
            seen_at: None,
            dwell: Duration::from_millis(300),
            began: None,
            ended_at: None,
            frozen: None,
            dirty: true,
            closed: false,
            left: false,
            no_linger: false,
        }
    }

    pub fn elapsed(&self, now: DateTime<Utc>) -> Duration {
        if let Some((_, d)) = self.frozen {
            return d;
        }
        let Some(began) = self.began else {
            return Duration::ZERO;
        };
        (self.ended_at.unwrap_or(now) - began)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }

    /// The run started at `ts` (RFC 3339): elapsed counts from there, across resumes.
    pub fn started_at(&mut self, ts: &str, _now: DateTime<Utc>) {
        if let Some(t) = journal_time(ts) {
            self.began = Some(t);
        }
    }

    /// Whether the current phase has been on screen long enough to act on it: a key typed
    /// ahead, or a second Enter, must not start a step nobody has read.
    pub fn settled(&self) -> bool {
        self.seen_at.is_some_and(|t| t.elapsed() >= self.dwell)
    }

    /// Opens and closes questions as the phase changes.
    pub fn sync(&mut self, e: &Engine, running: bool) {
        if self.running != running {
            self.running = running;
            self.dirty = true;
        }
        if !running && self.overlay == Some(Overlay::Stop) {
            self.overlay = None;
        }
        let phase = e.phase();
        let key = format!("{phase:?}");
        if key == self.phase_key {
            return;
        }
        self.phase_key = key;
        self.seen_at = None;
        self.dirty = true;
        self.hidden = false;
        self.question = if self.watcher {
            None
        } else {
            Question::for_phase(&phase, e)
        };
        // A reason or an approval belongs to the question that was open.
        let stale = match &self.overlay {
            Some(Overlay::Reason {
                why: ReasonFor::Choice(_),
                ..
            }) => true,
            Some(Overlay::Approve { .. } | Overlay::Reject { .. }) => {
                !matches!(phase, Phase::Approval { .. })
            }
            _ => false,
        };
        if stale {
            self.overlay = None;
        }
    }

    pub fn record(&mut self, rec: &Record, e: &Engine) {
        self.dirty = true;
        self.last_ts = Some(rec.ts.clone());
        let step = rec.step.as_deref().and_then(|id| e.step_index(id));
        let mut added = 0;
        match &rec.body {
            Body::RunStarted { .. } => {
                self.began = journal_time(&rec.ts);
                self.ended_at = None;
            }
            Body::RunResumed { .. } => self.ended_at = None,
            Body::RunFinished { reason, .. } => {
                self.ended_at = journal_time(&rec.ts);
                self.end_reason = reason.clone();
            }
            Body::CommandStarted {
                purpose,
                attempt,
                command,
                log,
                poll,
                ..
            } => {
                if let Some(i) = step {
                    // A wait's poll is a poll, as the timeline says (never an attempt).
                    let again = match (*attempt > 1, *poll) {
                        (false, _) => String::new(),
                        (true, true) => format!(" (poll {attempt})"),
                        (true, false) => format!(" (attempt {attempt})"),
                    };
                    let first = command.lines().next().unwrap_or("");
                    let more = if command.lines().nth(1).is_some() {
                        " …"
                    } else {
                        ""
                    };
                    let text = format!("── {purpose}{again} $ {first}{more}");
                    added = self.out.command_started(i, text, log.clone());
                    self.started_cmd = Some((i, *purpose, command.clone(), log.clone()));
                    self.command_began = journal_time(&rec.ts);
                    self.focus = Some(i);
                }
            }
            Body::CommandFinished {
                purpose,
                ok,
                exit,
                failure,
                not_yet,
                why,
                ..
            } => {
                if let Some(i) = step {
                    let how = if *ok {
                        format!("ok (exit {})", exit.unwrap_or(0))
                    } else if let Some(text) = not_yet {
                        // A poll of a wait that has not come true yet is not a failure:
                        // the pane says what the timeline says.
                        format!("not yet: {}", crate::text_safety::one_line(text))
                    } else {
                        let said = failure.as_ref().and_then(|text| {
                            crate::phrase::said(why.as_ref(), Some(text), |w| {
                                crate::phrase::Lang::En.book().command_failure(w)
                            })
                        });
                        format!("FAILED: {}", said.as_deref().unwrap_or("failed"))
                    };
                    added += self.out.marker(i, format!("── {purpose} {how}"));
                    if !*ok && not_yet.is_none() {
                        let (command, log) = match &self.started_cmd {
                            Some((s, p, c, l)) if *s == i && p == purpose => (c.clone(), l.clone()),
                            _ => Default::default(),
                        };
                        let tail = self
                            .out
                            .get(i)
                            .map(|o| o.last_output(FAILURE_TAIL))
                            .unwrap_or_default();
                        self.failure = Some(FailedCommand {
                            step: i,
                            purpose: *purpose,
                            command,
                            log,
                            tail,
                        });
                    }
                }
            }
            Body::TargetMismatch { typed, .. } => self.last_miss = Some(typed.clone()),
            Body::TargetConfirmed { .. } => self.last_miss = None,
            _ => {}
        }
        self.follow(step, added);
        if let Some(text) = timeline::describe(rec, Some(e)) {
            if self.timeline.len() == TIMELINE_KEEP {
                self.timeline.pop_front();
            }
            self.timeline.push_back(TimelineLine {
                clock: timeline::clock_in(&rec.ts, e.runbook().window.as_ref().map(|w| w.timezone)),
                text,
                role: rec.actor.role,
                title: crate::phrase::step_title(rec, e),
            });
        }
    }

    pub fn output(&mut self, chunk: &OutputChunk) {
        let mut added = 0;
        if let Some(skipped) = &chunk.skipped {
            added += (self.out).skipped(chunk.step, chunk.stream, skipped.note());
        }
        added += self.out.push(chunk.step, chunk.stream, &chunk.bytes);
        self.focus = Some(chunk.step);
        self.follow(Some(chunk.step), added);
        self.dirty = true;
    }

    /// The step before (or after) the one shown that has output: browsing earlier steps'
    /// output (a reviewer judging the precheck's evidence, an operator after a failure).
    /// Past the live step, browsing ends.
    pub fn browse_step(&mut self, e: &Engine, back: bool) {
        let shown = self.output_step(e);
        let live = {
            let saved = self.browse.take();
            let live = self.output_step(e);
            self.browse = saved;
            live
        };
        let with_output: Vec<usize> = (0..e.runbook().steps.len())
            .filter(|&i| self.out.get(i).is_some())
            .collect();
        let next = match (shown, back) {
            (None, _) => None,
            (Some(at), true) => with_output.iter().rev().find(|&&i| i < at).copied(),
            (Some(at), false) => with_output.iter().find(|&&i| i > at).copied(),
        };
        match next {
            Some(i) if Some(i) != live => self.browse = Some(i),
            Some(_) => self.browse = None,
            None if back => self.notice("no earlier step has output", false),
            None => self.browse = None,
        }
        self.scroll = 0;
    }

    /// Keeps a scrolled-back view still while lines arrive below it.
    fn follow(&mut self, step: Option<usize>, added: usize) {
        if self.scroll > 0 && step.is_some() && step == self.shown_step {
            self.scroll += added;
        }
    }

    /// The step whose output the pane shows: the one the operator chose to read, else the
    /// phase's step once it has output, else the step that printed last.
    pub fn output_step(&self, e: &Engine) -> Option<usize> {
        if let Some(i) = self.browse.filter(|&i| self.out.get(i).is_some()) {
            return Some(i);
        }
        match e.phase().step() {
            Some(i) if self.out.get(i).is_some() => Some(i),
            _ => self.focus,
        }
    }

    pub fn notice(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
        });
        self.dirty = true;
    }

    /// Whether the screen should stay after the run stops, until the operator leaves.
    pub fn lingers(&self, e: &Engine) -> bool {
        if self.no_linger || self.watcher {
            return false;
        }
        match e.phase() {
            // Signals end the session at once; the terminal may be gone.
            Phase::Halted(reason) => !reason.starts_with("SIG"),
            _ => true,
        }
    }
}

/// A record's time (RFC 3339 with offset) as UTC.
fn journal_time(ts: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
