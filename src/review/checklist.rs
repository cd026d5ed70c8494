//! Incident 002's review points, answered from the runbook itself: one row per point, each
//! a small function over the runbook as written. A point the file cannot settle says so
//! ("a human must judge") with what it found.

use chrono::{Datelike, Duration, TimeZone, Utc};

use crate::runbook::Runbook;
use crate::runbook::model::{Command, Confirm, Guard, Step, StepKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Judge,
}

impl Answer {
    pub fn mark(self) -> &'static str {
        match self {
            Answer::Yes => "✓",
            Answer::No => "✗",
            Answer::Judge => "a human must judge",
        }
    }
}

/// One point of the list, answered, with the evidence for the answer.
#[derive(Debug, Clone)]
pub struct Point {
    pub title: &'static str,
    pub answer: Answer,
    pub evidence: Vec<String>,
}

/// What a point is answered from.
pub struct Ctx<'a> {
    pub rb: &'a Runbook,
    pub file: &'a str,
}

impl Ctx<'_> {
    /// `` `id` (file:line) ``: where a step is.
    fn at(&self, s: &Step) -> String {
        format!("`{}` ({}:{})", s.id, self.file, s.pos.line)
    }

    fn changes(&self) -> impl Iterator<Item = &Step> {
        self.rb.steps.iter().filter(|s| s.mutating)
    }
}

type Rule = fn(&Ctx) -> (Answer, Vec<String>);

/// The points, in the order the ticket lists them.
pub const POINTS: &[(&str, Rule)] = &[
    ("Rollback defined for every change", rollback),
    ("Health checks (verify) defined for every change", verify),
    ("Change window avoids Friday evening", friday),
    ("Change window avoids peak hours", peak),
    ("Precheck of the caller's identity and privileges", identity),
    ("Impact limits (`target.impact` with `at_most`)", impact),
    ("Blind targets (`target.confirm: blind`)", blind),
    (
        "Rehearsal evidence required (`environments` with `needs_rehearsal`)",
        rehearsal,
    ),
    (
        "Manual steps that change things confirm their target",
        manual_targets,
    ),
    ("A notice step (customers, stakeholders)", notice),
];

pub fn answer(cx: &Ctx) -> Vec<Point> {
    POINTS
        .iter()
        .map(|(title, rule)| {
            let (answer, evidence) = rule(cx);
            Point {
                title,
                answer,
                evidence,
            }
        })
        .collect()
}

/// Every change carries a guard, or waives it with a reason a person must weigh.
fn guard(cx: &Ctx, g: Guard, has: fn(&Step) -> Option<String>) -> (Answer, Vec<String>) {
    let mut ev = Vec::new();
    let (mut missing, mut waived) = (false, false);
    for s in cx.changes() {
        match (has(s), s.waive.get(&g)) {
            (Some(what), _) => ev.push(format!("{}: {what}", cx.at(s))),
            (None, Some(w)) => {
                waived = true;
                ev.push(format!("{}: waived — “{}”", cx.at(s), w.reason));
            }
            (None, None) => {
                missing = true;
                ev.push(format!("{}: none", cx.at(s)));
            }
        }
    }
    if ev.is_empty() {
        return (Answer::Yes, vec!["no step changes anything".into()]);
    }
    let a = if missing {
        Answer::No
    } else if waived {
        Answer::Judge
    } else {
        Answer::Yes
    };
    (a, ev)
}

fn rollback(cx: &Ctx) -> (Answer, Vec<String>) {
    guard(cx, Guard::Rollback, |s| {
        match (&s.closes, s.rollback.len()) {
            (_, n) if n > 0 => Some(format!(
                "{n} rollback entr{}",
                if n == 1 { "y" } else { "ies" }
            )),
            (Some(c), _) => Some(format!("closes `{}` (undoes it)", c.id)),
            _ => None,
        }
    })
}

fn verify(cx: &Ctx) -> (Answer, Vec<String>) {
    guard(cx, Guard::Verify, |s| {
        let n = s.verify.len();
        (n > 0).then(|| format!("{n} verify check{}", if n == 1 { "" } else { "s" }))
    })
}

/// Every Friday hour from 17:00 to 23:00 local time must be closed to a change.
fn friday(cx: &Ctx) -> (Answer, Vec<String>) {
    let Some(w) = &cx.rb.window else {
        return (
            Answer::No,
            vec!["no `window`: changes may start at any time".into()],
        );
    };
    // A Friday, in the window's own zone (2024-01-05 was one).
    let open: Vec<String> = (17..24)
        .filter_map(|h| {
            let local = w.timezone.with_ymd_and_hms(2024, 1, 5, h, 0, 0).single()?;
            debug_assert_eq!(local.weekday(), chrono::Weekday::Fri);
            let utc = local.with_timezone(&Utc);
            w.verdict(utc).is_inside().then(|| format!("{h}:00"))
        })
        .collect();
    let spans = spans(w);
    if open.is_empty() {
        (
            Answer::Yes,
            vec![format!("closed every Friday hour 17:00–24:00 ({spans})")],
        )
    } else {
        (
            Answer::No,
            vec![format!("open on Friday at {} ({spans})", open.join(", "))],
        )
    }
}

/// Peak hours belong to the service, not the file: show when changes may start.
fn peak(cx: &Ctx) -> (Answer, Vec<String>) {
    let Some(w) = &cx.rb.window else {
        return (
            Answer::No,
            vec!["no `window`: changes may start at any time, peak included".into()],
        );
    };
    let start = w.timezone.with_ymd_and_hms(2024, 1, 8, 0, 0, 0).single();
    let open_weekday_hours = start.map_or(0, |mon| {
        (0..24)
            .filter(|h| {
                w.verdict((mon + Duration::hours(*h)).with_timezone(&Utc))
                    .is_inside()
            })
            .count()
    });
    (
        Answer::Judge,
        vec![format!(
            "{} — open {open_weekday_hours} of 24 hours on a Monday; whether that avoids this service's peak is not in the file",
            spans(w)
        )],
    )
}

fn spans(w: &crate::runbook::window::Window) -> String {
    let list = |v: &[crate::runbook::window::Span]| {
        v.iter()
            .map(|s| format!("`{}`", s.text))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = vec![format!("zone {}", w.timezone.name())];
    if !w.allow.is_empty() {
        out.push(format!("allow {}", list(&w.allow)));
    }
    if !w.deny.is_empty() {
        out.push(format!("deny {}", list(&w.deny)));
    }
    out.join("; ")
}

/// Words in a command that ask who the caller is or what they may do.
const IDENTITY: &[&str] = &[
    "whoami",
    "id -u",
    "get-caller-identity",
    "current_user",
    "auth can-i",
    "sudo -l",
    "sudo -n -l",
    "show grants",
];

fn text_of(c: &Command) -> String {
    crate::runbook::show::command(c, &Default::default()).to_lowercase()
}

fn identity(cx: &Ctx) -> (Answer, Vec<String>) {
    let first_change = cx
        .rb
        .steps
        .iter()
        .position(|s| s.mutating)
        .unwrap_or(cx.rb.steps.len());
    let pre: Vec<&Step> = cx.rb.steps[..first_change]
        .iter()
        .filter(|s| s.kind == StepKind::Precheck)
        .collect();
    if pre.is_empty() {
        return (
            Answer::No,
            vec!["no precheck before the first change".into()],
        );
    }
    let who: Vec<String> = pre
        .iter()
        .filter_map(|s| {
            let t = text_of(s.command.as_ref()?);
            let w = IDENTITY.iter().find(|w| t.contains(*w))?;
            Some(format!("{} runs `{w}`", cx.at(s)))
        })
        .collect();
    if who.is_empty() {
        let ids: Vec<String> = pre.iter().map(|s| cx.at(s)).collect();
        (
            Answer::Judge,
            vec![format!(
                "prechecks before the first change: {}; none asks who the caller is in a way shisa recognises",
                ids.join(", ")
            )],
        )
    } else {
        (Answer::Yes, who)
    }
}

fn impact(cx: &Ctx) -> (Answer, Vec<String>) {
    per_target(cx, "no `impact` count", |t| {
        t.impact
            .as_ref()
            .map(|i| format!("counts what it touches, at most {}", i.at_most))
    })
}

fn blind(cx: &Ctx) -> (Answer, Vec<String>) {
    per_target(cx, "echo (the target is typed back as shown)", |t| {
        (t.confirm == Confirm::Blind).then(|| "blind".to_string())
    })
}

/// A point every change with a target must meet: ✓ when each one does, ✗ naming those
/// that do not (a change with no target at all is the target guard's point, not this one).
fn per_target(
    cx: &Ctx,
    without: &str,
    has: fn(&crate::runbook::model::Target) -> Option<String>,
) -> (Answer, Vec<String>) {
    let mut all = true;
    let ev: Vec<String> = cx
        .changes()
        .filter_map(|s| s.target.as_ref().map(|t| (s, t)))
        .map(|(s, t)| match has(t) {
            Some(what) => format!("{}: {what}", cx.at(s)),
            None => {
                all = false;
                format!("{}: {without}", cx.at(s))
            }
        })
        .collect();
    if ev.is_empty() {
        return (Answer::No, vec!["no change confirms a target".into()]);
    }
    (if all { Answer::Yes } else { Answer::No }, ev)
}

/// An environment that needs a completed rehearsal run first (`run --env` refuses without).
fn rehearsal(cx: &Ctx) -> (Answer, Vec<String>) {
    let envs = &cx.rb.environments;
    if envs.is_empty() {
        return (
            Answer::No,
            vec!["not declared: the runbook has no `environments`".into()],
        );
    }
    let mut ev: Vec<String> = envs
        .iter()
        .map(|e| format!("`{}` ({}:{})", e.describe(), cx.file, e.pos.line))
        .collect();
    // Each environment needs a rehearsal or is where another rehearses; any other one
    // (production without `needs_rehearsal`, say) starts with no evidence at all.
    let rehearses_another = |name: &str| {
        envs.iter()
            .any(|e| e.rehearsal.as_ref().is_some_and(|r| r.env == name))
    };
    let loose: Vec<&str> = envs
        .iter()
        .filter(|e| e.rehearsal.is_none() && !rehearses_another(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    let any = envs.iter().any(|e| e.rehearsal.is_some());
    for name in &loose {
        ev.push(format!("`{name}` starts with no rehearsal evidence"));
    }
    if any && loose.is_empty() {
        (Answer::Yes, ev)
    } else {
        (Answer::No, ev)
    }
}

fn manual_targets(cx: &Ctx) -> (Answer, Vec<String>) {
    let manual: Vec<&Step> = cx
        .changes()
        .filter(|s| s.kind == StepKind::Manual)
        .collect();
    if manual.is_empty() {
        return (Answer::Yes, vec!["no manual step changes anything".into()]);
    }
    let mut all = true;
    let ev = manual
        .iter()
        .map(|s| match &s.target {
            Some(_) => format!("{}: confirms its target", cx.at(s)),
            None => {
                all = false;
                match s.waive.get(&Guard::Target) {
                    Some(w) => format!("{}: no target — waived: “{}”", cx.at(s), w.reason),
                    None => format!("{}: no target", cx.at(s)),
                }
            }
        })
        .collect();
    (if all { Answer::Yes } else { Answer::No }, ev)
}

/// Words that say a step tells people about the change.
const NOTICE: &[&str] = &[
    "notice",
    "notify",
    "announce",
    "status page",
    "tell ",
    "inform",
];

/// Whom a notice is for: a step that names them without a word of telling may or may not
/// be one ("look up the customer id" is not).
const AUDIENCE: &[&str] = &["customer", "stakeholder"];

fn notice(cx: &Ctx) -> (Answer, Vec<String>) {
    let words = |s: &Step| {
        format!(
            "{} {}",
            s.title.render(&Default::default()),
            s.instructions
                .as_ref()
                .map(|t| t.render(&Default::default()))
                .unwrap_or_default()
        )
        .to_lowercase()
    };
    let manual = || cx.rb.steps.iter().filter(|s| s.kind == StepKind::Manual);
    let found: Vec<String> = manual()
        .filter(|s| NOTICE.iter().any(|w| words(s).contains(w)))
        .map(|s| cx.at(s))
        .collect();
    let mentions: Vec<String> = manual()
        .filter_map(|s| {
            let who = AUDIENCE.iter().find(|w| words(s).contains(*w))?;
            Some(format!(
                "{}: mentions the {who} but says no notice, notify, announce or tell",
                cx.at(s)
            ))
        })
        .collect();
    if found.is_empty() && !mentions.is_empty() {
        return (Answer::Judge, mentions);
    }
    if found.is_empty() {
        (Answer::No, vec!["no manual step tells customers or stakeholders (none mentions a notice, the customer or a stakeholder)".into()])
    } else {
        (
            Answer::Yes,
            found
                .into_iter()
                .map(|f| format!("{f}: a manual step that tells people"))
                .collect(),
        )
    }
}
