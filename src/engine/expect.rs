//! Judging a finished command: exit code, timeout, stdout expectations and captures.

use std::collections::BTreeMap;

use crate::journal::record::{CommandFailure, Excerpt, Expected, Saw};
use crate::runbook::model::{Capture, Expect, Pattern};

use super::event::CommandResult;

#[derive(Debug, Default, PartialEq)]
pub struct Judgement {
    /// The first reason the command counts as failed.
    pub failure: Option<CommandFailure>,
    /// Each stdout expectation that did not hold: what was expected, what was seen.
    pub unmet: Vec<(Expected, Saw)>,
    pub captures: BTreeMap<String, String>,
}

impl Judgement {
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// Judges a command's result. Matching uses the real text; everything written into the
/// judgement for people goes through `mask` first — before it is cut or quoted, which would
/// otherwise change a secret's bytes so that no later masking finds it.
pub fn judge(
    r: &CommandResult,
    expect: &Expect,
    captures: &[Capture],
    vars: &BTreeMap<String, String>,
    timeout: Option<std::time::Duration>,
    mask: &dyn Fn(&str) -> String,
) -> Judgement {
    let mut j = Judgement::default();
    if let Some(e) = &r.spawn_error {
        j.failure = Some(CommandFailure::NotStarted { error: mask(e) });
        return j;
    }
    if let Some(e) = &r.log_error {
        j.failure = Some(CommandFailure::LogLost { error: mask(e) });
        return j;
    }
    if r.timed_out {
        let limit_ms = timeout.map(|t| t.as_millis().try_into().unwrap_or(u64::MAX));
        j.failure = Some(CommandFailure::TimedOut { limit_ms });
        return j;
    }
    match (r.exit, r.signal) {
        (_, Some(signal)) => {
            j.failure = Some(CommandFailure::Killed { signal });
            return j;
        }
        (Some(code), None) if code != expect.exit => {
            j.failure = Some(CommandFailure::Exit {
                code,
                expected: expect.exit,
            });
        }
        _ => {}
    }
    let out = r.stdout.as_str();
    let shown = mask(out);
    let seen = || Saw::output(&shown);
    for t in &expect.stdout_contains {
        let want = t.render(vars);
        if !out.contains(&want) {
            j.unmet
                .push((Expected::Contains { text: mask(&want) }, seen()));
        }
    }
    for t in &expect.stdout_not_contains {
        let want = t.render(vars);
        if out.contains(&want) {
            j.unmet
                .push((Expected::NotContains { text: mask(&want) }, seen()));
        }
    }
    // `echo green` prints `green\n`: the one newline a command ends with is not part of
    // what `^green$` is meant to see.
    let one_line = out.strip_suffix('\n').unwrap_or(out);
    let one_line = one_line.strip_suffix('\r').unwrap_or(one_line);
    for p in &expect.stdout_matches {
        if !p.matches(one_line, vars) {
            let pattern = p.source.clone();
            j.unmet.push((Expected::Matches { pattern }, seen()));
        }
    }
    if let Some(t) = &expect.stdout_equals {
        let want = t.render(vars);
        if out.trim() != want.trim() {
            let text = mask(want.trim());
            j.unmet.push((Expected::Equals { text }, seen()));
        }
    }
    for n in &expect.stdout_number {
        let want = n.value.render(vars);
        let expected = Expected::Number {
            op: n.op.name().to_string(),
            limit: mask(want.trim()),
        };
        // `inf` and `NaN` parse as floats but are not what a check of a count means.
        let number = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or(())
        };
        match (number(out), number(&want)) {
            (Ok(have), Ok(limit)) if n.op.holds(have, limit) => {}
            (Ok(_), Ok(_)) => j.unmet.push((expected, seen())),
            (Err(_), _) => {
                let saw = Excerpt::of(&shown).map_or(Saw::NoOutput, Saw::NotANumber);
                j.unmet.push((expected, saw));
            }
            (_, Err(_)) => j.unmet.push((expected, Saw::LimitNotANumber)),
        }
    }
    if j.failure.is_none()
        && let Some((expected, saw)) = j.unmet.first()
    {
        j.failure = Some(CommandFailure::Unmet {
            expected: expected.clone(),
            saw: saw.clone(),
            truncated: r.stdout_truncated,
        });
    }
    for c in captures {
        match capture(&c.pattern, out) {
            Some(v) => {
                j.captures.insert(c.name.clone(), v);
            }
            None if j.failure.is_none() => {
                j.failure = Some(CommandFailure::NoCapture {
                    name: c.name.clone(),
                    pattern: c.pattern.source.clone(),
                });
            }
            None => {}
        }
    }
    j
}

/// Group 1 of the first match, else the whole match; trimmed.
pub fn capture(p: &Pattern, text: &str) -> Option<String> {
    let caps = p.regex.captures(text)?;
    let m = caps.get(1).or_else(|| caps.get(0))?;
    let v = m.as_str().trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The rule that refuses a resolved target, if one does: a `deny` pattern it matches, else
/// a `must_match` it does not. The one judgement the run and `plan --resolve` both make.
pub fn target_refusal<'a>(
    t: &'a crate::runbook::model::Target,
    real: &str,
    vars: &BTreeMap<String, String>,
) -> Option<(&'static str, &'a Pattern)> {
    let denied = t
        .deny
        .iter()
        .find(|d| d.matches(real, vars))
        .map(|d| ("deny", d));
    let unmatched = t
        .must_match
        .as_ref()
        .filter(|m| !m.matches(real, vars))
        .map(|m| ("must_match", m));
    denied.or(unmatched)
}

/// What the target's `describe` resolved to: the capture, else the first non-empty line.
pub fn resolve_target(capture_pattern: Option<&Pattern>, stdout: &str) -> Option<String> {
    match capture_pattern {
        Some(p) => capture(p, stdout),
        None => stdout
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::template::Template;

    fn same(s: &str) -> String {
        s.to_string()
    }

    /// The failure in the engine's English, as journaled beside the data.
    fn said(j: &Judgement) -> Option<String> {
        j.failure
            .as_ref()
            .map(crate::engine::messages::command_failure)
    }

    fn result(exit: i32, stdout: &str) -> CommandResult {
        CommandResult {
            exit: Some(exit),
            stdout: stdout.into(),
            ..Default::default()
        }
    }

    fn pattern(s: &str) -> Pattern {
        Pattern {
            template: None,
            source: s.into(),
            regex: regex::Regex::new(s).unwrap(),
            pos: Default::default(),
        }
    }

    #[test]
    fn exit_code_and_expectations() {
        let mut vars = BTreeMap::new();
        vars.insert("p".to_string(), "p-deny".to_string());
        let e = Expect {
            stdout_contains: vec![Template::parse("{{ p }}").unwrap()],
            stdout_equals: None,
            ..Default::default()
        };
        assert!(judge(&result(0, "attached p-deny\n"), &e, &[], &vars, None, &same).ok());
        let j = judge(
            &result(0, "attached nothing\n"),
            &e,
            &[],
            &vars,
            None,
            &same,
        );
        assert_eq!(
            said(&j).as_deref(),
            Some("expected stdout contains \"p-deny\", saw \"attached nothing\"")
        );
        assert_eq!(
            judge(&result(3, ""), &Expect::default(), &[], &vars, None, &same)
                .failure
                .as_ref()
                .map(crate::engine::messages::command_failure)
                .as_deref(),
            Some("exit 3 (expected 0)")
        );
    }

    #[test]
    fn equals_is_trimmed_and_403_is_not_401() {
        let e = Expect {
            stdout_equals: Some(Template::parse("401").unwrap()),
            ..Default::default()
        };
        assert!(judge(&result(0, "401\n"), &e, &[], &BTreeMap::new(), None, &same).ok());
        let j = judge(&result(0, "403\n"), &e, &[], &BTreeMap::new(), None, &same);
        assert_eq!(
            said(&j).as_deref(),
            Some("expected stdout is \"401\", saw \"403\"")
        );
    }

    /// The "saw" of a missed expectation shows what an operator needs to see why: a short
    /// output whole, a long one by its first and last lines with the rest counted, every
    /// line quoted so a terminal escape shows as text.
    #[test]
    fn what_was_seen_is_a_bounded_quoted_excerpt_of_stdout() {
        let e = Expect {
            stdout_matches: vec![pattern("^role/BreakGlass$")],
            ..Default::default()
        };
        let two = "arn:aws:sts::1:assumed-role/ReadOnly/ops1\nwarning: session expires in 5m\n";
        let j = judge(&result(0, two), &e, &[], &BTreeMap::new(), None, &same);
        assert_eq!(
            said(&j).as_deref(),
            Some(
                "expected stdout matches /^role/BreakGlass$/, saw \"arn:aws:sts::1:assumed-role/ReadOnly/ops1\" / \"warning: session expires in 5m\""
            )
        );
        let long: String = (1..=40).map(|n| format!("pod-{n} Running\n")).collect();
        let long = long.replace("pod-40 Running", "pod-40 \u{1b}[2JCrashLoop");
        let j = judge(&result(0, &long), &e, &[], &BTreeMap::new(), None, &same);
        assert_eq!(
            said(&j).as_deref(),
            Some(
                "expected stdout matches /^role/BreakGlass$/, saw \"pod-1 Running\" / \"pod-2 Running\" / \"pod-3 Running\" / … 35 more lines … / \"pod-39 Running\" / \"pod-40 \\u{1b}[2JCrashLoop\""
            )
        );
        let j = judge(&result(0, "\n \n"), &e, &[], &BTreeMap::new(), None, &same);
        assert_eq!(
            said(&j).as_deref(),
            Some("expected stdout matches /^role/BreakGlass$/, saw no output")
        );
    }

    #[test]
    fn captures_take_group_one_and_a_miss_fails() {
        let c = vec![Capture {
            name: "snap".into(),
            pos: Default::default(),
            pattern: pattern(r"saved (\S+)"),
            secret: false,
        }];
        let j = judge(
            &result(0, "saved snap-0001\n"),
            &Expect::default(),
            &c,
            &BTreeMap::new(),
            None,
            &same,
        );
        assert_eq!(
            j.captures.get("snap").map(String::as_str),
            Some("snap-0001")
        );
        let j = judge(
            &result(0, "oops\n"),
            &Expect::default(),
            &c,
            &BTreeMap::new(),
            None,
            &same,
        );
        assert!(said(&j).unwrap().contains("capture `snap` found nothing"));
    }

    #[test]
    fn a_secret_in_the_output_is_masked_before_it_is_quoted_or_cut() {
        let secret = "s3cr\"et\\x";
        let mask = |t: &str| t.replace(secret, "[REDACTED:pw]");
        let e = Expect {
            stdout_equals: Some(Template::parse("welcome").unwrap()),
            ..Default::default()
        };
        let long = format!("{}{secret}", "x".repeat(110));
        for out in [format!("pw is {secret}\n"), long] {
            let j = judge(&result(0, &out), &e, &[], &BTreeMap::new(), None, &mask);
            let text = format!("{j:?}");
            assert!(!text.contains("s3cr"), "{text}");
        }
    }

    #[test]
    fn target_resolution() {
        assert_eq!(
            resolve_target(Some(&pattern(r"Name:\s*(\S+)")), "Id: r-1\nName: Root\n").as_deref(),
            Some("Root")
        );
        assert_eq!(
            resolve_target(None, "\n  quarantine-2023-12 \nmore").as_deref(),
            Some("quarantine-2023-12")
        );
        assert_eq!(resolve_target(None, "\n\n"), None);
    }

    #[test]
    fn timeouts_and_signals_fail_first() {
        let r = CommandResult {
            timed_out: true,
            signal: Some(15),
            ..Default::default()
        };
        let j = judge(
            &r,
            &Expect::default(),
            &[],
            &BTreeMap::new(),
            Some(std::time::Duration::from_secs(120)),
            &same,
        );
        assert_eq!(said(&j).as_deref(), Some("timed out after 2m"));
    }
}

#[cfg(test)]
mod number_tests {
    use super::*;
    use crate::runbook::model::{Compare, NumberCheck};
    use crate::runbook::template::Template;

    fn holds(stdout: &str, op: Compare, limit: &str) -> bool {
        let e = Expect {
            stdout_number: vec![NumberCheck {
                op,
                value: Template::parse(limit).unwrap(),
                pos: Default::default(),
            }],
            ..Default::default()
        };
        let r = CommandResult {
            exit: Some(0),
            stdout: stdout.into(),
            ..Default::default()
        };
        judge(&r, &e, &[], &BTreeMap::new(), None, &|t: &str| {
            t.to_string()
        })
        .ok()
    }

    #[test]
    fn stdout_number_compares_finite_numbers_only() {
        assert!(holds("41\n", Compare::Lt, "42"));
        assert!(!holds("42\n", Compare::Lt, "42"));
        assert!(holds("4.2e1", Compare::Eq, "42"));
        assert!(!holds("inf\n", Compare::Gt, "1000"));
        assert!(!holds("-inf\n", Compare::Le, "0"));
        assert!(!holds("NaN\n", Compare::Ge, "0"));
        assert!(!holds("1,000\n", Compare::Gt, "1"));
        assert!(!holds("5\n", Compare::Lt, "inf"));
    }
}
