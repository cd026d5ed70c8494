//! Line mode: every event one line `HH:MM:SS.mmm  text`; when the run needs the
//! operator, one line starting `? ` and one answer read from stdin. `note <text>` works at
//! any prompt; end of input at a prompt aborts.

use std::collections::VecDeque;
use std::io::Write;

use crate::engine::{Engine, Phase};
use crate::exec::stream::Stream;
use crate::journal::record::{ChoiceKind, Halt, Record};
use crate::phrase::questions as say;
use crate::text_safety::one_line;
use crate::timeline;

use super::output_lines::{OutputLines, output_line};
use super::{FrontEnd, Input, Intent, Shown};
use question::answers;

mod question;

pub struct Headless<W: Write> {
    out: W,
    color: bool,
    run_dir: String,
    run_id: String,
    /// Answers typed ahead of their prompt.
    queue: VecDeque<String>,
    eof: bool,
    /// The prompt last printed (so it is printed once per question).
    asked: Option<String>,
    /// Ctrl-C asked whether to stop the running command.
    asking_stop: bool,
    partial: OutputLines,
    last_ts: String,
    /// A resumed run's journal before this process: the evidence for a step in doubt.
    past: Option<super::evidence::Past>,
    /// The run is shared with a group (`--share-with`): someone else can join to approve.
    pub shared: bool,
}

impl<W: Write> Headless<W> {
    pub fn new(out: W, color: bool, run_dir: String, run_id: String) -> Headless<W> {
        Headless {
            out,
            color,
            run_dir,
            run_id,
            queue: VecDeque::new(),
            eof: false,
            asked: None,
            asking_stop: false,
            partial: OutputLines::default(),
            last_ts: String::new(),
            past: None,
            shared: false,
        }
    }

    /// A resumed run's journal so far, for the evidence when a step turns out in doubt.
    pub fn remember(&mut self, past: super::evidence::Past) {
        self.past = Some(past);
    }

    /// What the journal knows about the step in doubt, before the question about it.
    fn in_doubt(&mut self, id: &str, e: &Engine) {
        let Some(ev) = self.past.as_ref().map(|p| p.in_doubt(id)) else {
            return;
        };
        let title = e
            .step_index(id)
            .map_or_else(|| id.to_string(), |i| e.title(i));
        let cmd = ev
            .command_line()
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        self.line(&format!("{title}: in doubt —{cmd} {}", ev.ran()));
        self.line(&format!("{title}: {}", ev.why()));
        for l in &ev.tail {
            output_line(&mut self.out, self.color, l.as_bytes(), false);
        }
        if let Some(c) = &ev.command {
            self.line(&format!("{title}: output log {}/{}", self.run_dir, c.log));
        }
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}  {}", self.now(), one_line(text));
        let _ = self.out.flush();
    }

    fn now(&self) -> String {
        if self.last_ts.is_empty() {
            chrono::Local::now().format("%H:%M:%S%.3f").to_string()
        } else {
            self.last_ts.clone()
        }
    }

    /// Output lines still waiting for their newline, printed as they are.
    fn finish_lines(&mut self) {
        let (out, color) = (&mut self.out, self.color);
        self.partial.finish(|l, e| output_line(out, color, l, e));
    }

    fn parse(&mut self, answer: &str, e: &Engine) -> Result<Vec<Intent>, String> {
        let answer = answer.trim();
        let (word, rest) = answer
            .split_once(' ')
            .map_or((answer, ""), |(w, r)| (w, r.trim()));
        if word == "note" {
            return if rest.is_empty() {
                Err("`note` needs text".into())
            } else {
                Ok(vec![Intent::Note(rest.into())])
            };
        }
        let reason = || (!rest.is_empty()).then(|| rest.to_string());
        match e.phase() {
            Phase::Confirm { .. } | Phase::Blind { .. } => {
                Ok(vec![Intent::Typed(answer.to_string())])
            }
            Phase::Manual(i) if !e.runbook().steps[i].choices.is_empty() => {
                let step = &e.runbook().steps[i];
                if word == "abort" {
                    return Ok(vec![Intent::Abort(reason())]);
                }
                if step.choices.iter().any(|c| c.key == word) {
                    return Ok(vec![Intent::ManualDone {
                        choice: Some(word.to_string()),
                        note: reason(),
                    }]);
                }
                let keys: Vec<&str> = step.choices.iter().map(|c| c.key.as_str()).collect();
                Err(format!(
                    "answer one of {}, or `abort`",
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            Phase::NoReturn { .. } if word == "abort" => Ok(vec![Intent::Abort(reason())]),
            Phase::NoReturn { .. } => Ok(vec![Intent::Typed(answer.to_string())]),
            Phase::Manual(_) | Phase::ManualUndo { .. } => match word {
                "done" => Ok(vec![Intent::ManualDone {
                    choice: None,
                    note: reason(),
                }]),
                "abort" => Ok(vec![Intent::Abort(reason())]),
                _ => Err("answer `done`, `done <note>` or `abort`".into()),
            },
            Phase::Approval { allow_self, .. } => match word {
                "abort" => Ok(vec![Intent::Abort(reason())]),
                "approve" if allow_self => Ok(vec![Intent::Approve(rest.to_string())]),
                _ => Err("waiting for approval: answer `abort`, or `note <text>`".into()),
            },
            Phase::Failed { .. } | Phase::InDoubt(_) => match ChoiceKind::parse(word) {
                Some(kind) => Ok(vec![Intent::Choice(kind.with(rest))]),
                None => Err(format!("answer {}", answers(e))),
            },
            _ => Err("nothing is being asked right now".into()),
        }
    }

    /// Takes the next queued answer for the current question, if any.
    fn answer(&mut self, e: &Engine) -> Vec<Intent> {
        while let Some(line) = self.queue.pop_front() {
            match self.parse(&line, e) {
                Ok(intents) => {
                    // The question stands until the engine moves on; a note re-asks it.
                    self.asked = None;
                    return intents;
                }
                Err(why) => {
                    self.line(&format!("not understood: {why}"));
                    self.asked = None;
                    if let Some(q) = self.question(e) {
                        self.ask(q);
                    }
                }
            }
        }
        if self.eof {
            self.eof = false;
            // Nothing more runs (exit 3), but the run is not closed: whoever comes back can
            // still resume it and, say, roll back a step left in doubt.
            return vec![Intent::Interrupt(Halt::EndOfInput)];
        }
        Vec::new()
    }

    fn ask(&mut self, q: String) {
        if self.asked.as_deref() != Some(&q) {
            let _ = writeln!(self.out, "{}", one_line(&q));
            let _ = self.out.flush();
            self.asked = Some(q);
        }
    }
}

impl<W: Write> FrontEnd for Headless<W> {
    fn show(&mut self, what: Shown<'_>, e: &Engine) {
        match what {
            Shown::Record(rec) => self.record(rec, e),
            Shown::Output(chunk) => {
                let stderr = chunk.stream == Stream::Stderr;
                let (out, color) = (&mut self.out, self.color);
                if let Some(skipped) = &chunk.skipped {
                    self.partial
                        .cut(chunk.step, stderr, |l, e| output_line(out, color, l, e));
                    output_line(out, color, skipped.note().as_bytes(), stderr);
                }
                self.partial.push(chunk.step, stderr, &chunk.bytes, |l, e| {
                    output_line(out, color, l, e)
                });
                let _ = self.out.flush();
            }
            Shown::Refused(why) => self.line(&format!("not possible: {why}")),
            Shown::Error(why) => self.line(&format!("ERROR: {why}")),
        }
    }

    fn react(&mut self, e: &Engine, running: bool) -> Vec<Intent> {
        if running {
            return Vec::new();
        }
        if let Phase::Ready(_) = e.phase() {
            self.asked = None;
            return vec![Intent::Begin];
        }
        match self.question(e) {
            Some(q) => {
                self.ask(q);
                self.answer(e)
            }
            None => {
                self.asked = None;
                Vec::new()
            }
        }
    }

    fn input(&mut self, input: Input, e: &Engine, running: bool) -> Vec<Intent> {
        match input {
            Input::Line(line) if self.asking_stop => {
                self.asking_stop = false;
                match line.trim() {
                    "stop" | "yes" | "y" => vec![Intent::Stop],
                    _ => {
                        self.line(say::KEEPS_RUNNING);
                        Vec::new()
                    }
                }
            }
            Input::Line(line) => {
                self.queue.push_back(line);
                if running {
                    Vec::new()
                } else {
                    self.react(e, false)
                }
            }
            Input::Eof => {
                self.eof = true;
                if self.asking_stop {
                    self.asking_stop = false;
                    return vec![Intent::Stop];
                }
                if running {
                    Vec::new()
                } else {
                    self.react(e, false)
                }
            }
            Input::CtrlC if running && self.asking_stop => vec![Intent::Stop],
            Input::CtrlC if running => {
                self.asking_stop = true;
                let _ = writeln!(
                    self.out,
                    "? {} — answer `stop` or `continue`",
                    say::STOP_COMMAND
                );
                let _ = self.out.flush();
                Vec::new()
            }
            Input::CtrlC => vec![Intent::Interrupt(Halt::CtrlC)],
            Input::Key(_) | Input::Resize | Input::Paste(_) => Vec::new(),
        }
    }

    fn close(&mut self, e: &Engine) {
        self.finish_lines();
        if let Phase::Halted(_) = e.phase() {
            self.line(&say::resumable(&self.run_dir));
        }
        let _ = self.out.flush();
    }
}

impl<W: Write> Headless<W> {
    fn record(&mut self, rec: &Record, e: &Engine) {
        self.last_ts = timeline::clock(&rec.ts).to_string();
        // Output printed before its command's result, so the last lines sit above it.
        if matches!(
            rec.body,
            crate::journal::record::Body::CommandFinished { .. }
        ) {
            self.finish_lines();
        }
        if let Some(text) = timeline::describe(rec, Some(e)) {
            self.line(&text);
        }
        if let crate::journal::record::Body::RunResumed { in_doubt: Some(id) } = &rec.body {
            self.in_doubt(id, e);
        }
        // Blind: named and matched, the target may now be said to the operator, in the
        // words an echo target is said in (the record itself keeps it from watchers).
        if let crate::journal::record::Body::TargetConfirmed {
            resolved,
            blind: true,
            ..
        } = &rec.body
            && rec.actor.role == crate::journal::record::Role::Operator
        {
            let revealed = Record {
                body: crate::journal::record::Body::TargetResolved {
                    resolved: resolved.clone(),
                    blind: false,
                },
                ..rec.clone()
            };
            if let Some(text) = timeline::describe(&revealed, Some(e)) {
                self.line(&text);
            }
        }
        // A manual step's wait: its instructions now, so the time is used; `done` is asked
        // for once it has run out.
        if let crate::journal::record::Body::WaitStarted { every_ms: None, .. } = rec.body
            && let Phase::Waiting { step, until } = e.phase()
        {
            let what = e.runbook().steps[step]
                .instructions
                .as_ref()
                .map(|t| t.render(&e.shown_step_vars(step)))
                .unwrap_or_default();
            let from = until.with_timezone(&chrono::Local).format("%H:%M:%S");
            self.line(&format!(
                "{}: {} (`done` is asked for at {from})",
                e.title(step),
                what.trim()
            ));
        }
    }
}
