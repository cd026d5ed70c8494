//! Made-up command output for `shisa review`: text that meets a step's expectations, a
//! `describe` output that resolves to an acceptable target, a capture's value. Nothing
//! runs; the engine then judges this text exactly as it would a real command's, so a
//! result the engine would not accept is never passed off as a success.

use std::collections::BTreeMap;

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::engine::CommandResult;
use crate::engine::expect::{capture, judge, resolve_target, target_refusal};
use crate::runbook::model::{Capture, Expect, Pattern, Target};

/// Characters tried first when a pattern allows a choice: readable ones.
const PREFERRED: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_. :/=@";

/// How many variants of a pattern's sample are tried before giving up.
pub const SEEDS: u64 = 12;

/// A string the regex `source` matches, varied by `seed`, with group 1 replaced by
/// `group1` when given. `None` when the pattern cannot be read (never for a loaded runbook).
pub fn sample(source: &str, seed: u64, group1: Option<&str>) -> Option<String> {
    let hir = regex_syntax::parse(source).ok()?;
    let mut out = String::new();
    let mut g = Gen { seed, group1, n: 0 };
    g.emit(&hir, &mut out);
    Some(out)
}

struct Gen<'a> {
    seed: u64,
    group1: Option<&'a str>,
    /// Choices made so far: varies the picks of one sample along its length.
    n: u64,
}

impl Gen<'_> {
    fn emit(&mut self, h: &Hir, out: &mut String) {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => out.push_str(&String::from_utf8_lossy(&l.0)),
            HirKind::Class(c) => {
                let pick = self.pick();
                if let Some(ch) = class_char(c, pick) {
                    out.push(ch);
                }
            }
            HirKind::Repetition(r) => {
                // The fewest repeats; an odd seed takes one of what may be left out, so a
                // value that must not be empty somewhere else can still be found.
                let optional_once = r.min == 0 && r.max != Some(0) && self.seed % 2 == 1;
                let n = r.min + u32::from(optional_once);
                for _ in 0..n.min(64) {
                    self.emit(&r.sub, out);
                }
            }
            HirKind::Capture(c) => match (c.index, self.group1) {
                (1, Some(v)) => out.push_str(v),
                _ => self.emit(&c.sub, out),
            },
            HirKind::Concat(v) => v.iter().for_each(|h| self.emit(h, out)),
            HirKind::Alternation(v) => {
                let k = (self.seed as usize / 2) % v.len().max(1);
                if let Some(h) = v.get(k) {
                    self.emit(h, out);
                }
            }
        }
    }

    fn pick(&mut self) -> u64 {
        self.n += 1;
        // The first character varies with the seed; the rest stay readable.
        if self.n == 1 { self.seed / 4 } else { 0 }
    }
}

/// The `pick`-th preferred character of a class, else its first character.
fn class_char(c: &Class, pick: u64) -> Option<char> {
    let has = |ch: char| match c {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= ch && ch <= r.end()),
        Class::Bytes(b) => u8::try_from(ch)
            .is_ok_and(|x| b.ranges().iter().any(|r| r.start() <= x && x <= r.end())),
    };
    let allowed: Vec<char> = PREFERRED.chars().filter(|&ch| has(ch)).collect();
    if !allowed.is_empty() {
        return allowed.get(pick as usize % allowed.len()).copied();
    }
    match c {
        Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
        Class::Bytes(b) => b.ranges().first().map(|r| char::from(r.start())),
    }
}

/// A line that `p` captures as exactly `value`, if one can be made.
pub fn line_capturing(p: &Pattern, value: &str) -> Option<String> {
    (0..SEEDS)
        .filter_map(|s| sample(&p.source, s, Some(value)))
        .find(|line| capture(p, line).as_deref() == Some(value))
}

/// A value the group of `p` can capture, varied by `seed` (`None` past the variants).
pub fn capturable(p: &Pattern, seed: u64) -> Option<String> {
    let line = sample(&p.source, seed, None)?;
    capture(p, &line)
}

/// The number a `stdout_number` check list accepts, if one is found.
fn number(expect: &Expect, vars: &BTreeMap<String, String>) -> Option<String> {
    let checks: Vec<(crate::runbook::model::Compare, f64)> = expect
        .stdout_number
        .iter()
        .filter_map(|n| Some((n.op, n.value.render(vars).trim().parse::<f64>().ok()?)))
        .collect();
    let mut tries = vec![0.0];
    for (_, v) in &checks {
        tries.extend([*v, v + 1.0, v - 1.0, v + 0.5, v - 0.5]);
    }
    tries
        .into_iter()
        .find(|x| checks.iter().all(|(op, v)| op.holds(*x, *v)))
        .map(|x| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                x.to_string()
            }
        })
}

/// Output the engine will judge a success: meets `expect`, and each capture takes the
/// value `wanted` gives it where one fits. The first candidate the engine's own `judge`
/// accepts; `None` when none is (the expectations may contradict each other).
pub fn passing(
    expect: &Expect,
    captures: &[Capture],
    wanted: &BTreeMap<String, String>,
    vars: &BTreeMap<String, String>,
) -> Option<String> {
    let capture_lines: Vec<String> = captures
        .iter()
        .filter_map(|c| match wanted.get(&c.name) {
            Some(v) => line_capturing(&c.pattern, v),
            None => sample(&c.pattern.source, 0, None),
        })
        .collect();
    let rendered = |ts: &[crate::runbook::template::Template]| -> Vec<String> {
        ts.iter().map(|t| t.render(vars)).collect()
    };
    let matches: Vec<String> = expect
        .stdout_matches
        .iter()
        .filter_map(|p| {
            (0..SEEDS)
                .filter_map(|s| sample(&p.source, s, None))
                .find(|t| p.is_match(t))
        })
        .collect();
    let mut lines = rendered(&expect.stdout_contains);
    lines.extend(matches.iter().cloned());
    lines.extend(capture_lines.iter().cloned());
    let mut candidates = vec![lines.join("\n")];
    if let Some(eq) = &expect.stdout_equals {
        candidates.push(eq.render(vars));
    }
    if let Some(n) = number(expect, vars) {
        candidates.push(n);
    }
    candidates.extend(matches.iter().map(|m| {
        let mut v = vec![m.clone()];
        v.extend(capture_lines.iter().cloned());
        v.join("\n")
    }));
    candidates.extend(capture_lines.first().cloned());
    candidates.into_iter().find(|out| {
        let r = result(expect.exit, out);
        let j = judge(&r, expect, captures, vars, None, &|t: &str| t.to_string());
        j.ok()
            && captures.iter().all(|c| {
                wanted
                    .get(&c.name)
                    .is_none_or(|v| j.captures.get(&c.name) == Some(v))
            })
    })
}

/// A `describe` output resolving to a target the step accepts (not denied, matching
/// `must_match`), and that target.
pub fn describe(t: &Target, step_id: &str) -> Option<(String, String)> {
    let from_rule = t
        .must_match
        .iter()
        .flat_map(|m| (0..SEEDS).filter_map(|s| sample(&m.source, s, None)));
    let plain = std::iter::once(format!("{step_id}-target"));
    from_rule
        .chain(plain)
        .map(|v| v.trim().to_string())
        .filter(|v| {
            !v.is_empty() && target_refusal(t, v, &std::collections::BTreeMap::new()).is_none()
        })
        .find_map(|v| {
            let out = match &t.capture {
                Some(p) => line_capturing(p, &v)?,
                None => v.clone(),
            };
            (resolve_target(t.capture.as_ref(), &out).as_deref() == Some(v.as_str()))
                .then_some((out, v))
        })
}

/// A finished command's result as the runner would report it.
pub fn result(exit: i32, stdout: &str) -> CommandResult {
    CommandResult {
        exit: Some(exit),
        stdout: stdout.to_string(),
        ..CommandResult::default()
    }
}

/// The exit code that fails a command expecting `expected`.
pub fn failing_exit(expected: i32) -> i32 {
    if expected == 0 { 1 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_matches_its_pattern_and_fills_group_one() {
        for src in [
            r"Name:\s*(\S+)",
            r"sha256=([0-9a-f]{12})",
            r"(?m)^Effect: Deny$",
            r"^(r-[0-9a-z]{4,32}|ou-[a-z]{4}-[0-9]{8})$",
        ] {
            let re = regex::Regex::new(src).unwrap();
            let s = sample(src, 0, None).unwrap();
            assert!(re.is_match(&s), "{src} → {s:?}");
        }
        assert_eq!(
            sample(r"Name:\s*(\S+)", 0, Some("quarantine-1")).unwrap(),
            "Name:quarantine-1"
        );
    }

    #[test]
    fn seeds_vary_the_sample() {
        let a = sample(r"([0-9a-f]{4})", 0, None).unwrap();
        let b = sample(r"([0-9a-f]{4})", 4, None).unwrap();
        assert_ne!(a, b);
    }
}
