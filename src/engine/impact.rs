//! A target's blast radius (`target: { impact: { run, at_most } }`): a read-only
//! command, run after `describe` and where `describe` runs, counts what the step would
//! touch. Above `at_most` the step is refused with no override, like a `deny` pattern; a
//! count that fails or prints no count is refused too. Incident 002 (the root: every
//! account) and 001 (`chown -R` of `/`) were knowable by counting.
//!
//! What the command may print: the first non-empty line of stdout begins with the count, a
//! whole number, optionally followed by words naming what it counts (`412 accounts`); every
//! later non-empty line names one thing touched (`admin-console 10.0.8.20`), of which the
//! first [`LISTED`] are shown and journaled.

use crate::journal::record::{Body, CommandFailure, Gate, Purpose};
use crate::runbook::diag::Pos;
use crate::runbook::model::Limit;

use super::event::Effect;
use super::expect::Judgement;
use super::messages as msg;
use super::state::{Counted, Engine};

/// Lines of "what is touched" kept: enough to recognise, few enough to read.
pub const LISTED: usize = 20;
/// Longest unit kept (`accounts`, `files under /srv/redis/data`).
const UNIT_CHARS: usize = 60;
/// Longest listed line kept.
const LINE_CHARS: usize = 200;

/// Reads an impact command's stdout: the count, what it counts, and what it lists.
pub fn parse(stdout: &str) -> Result<(u64, Option<String>, Vec<String>), CommandFailure> {
    let mut lines = stdout.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return Err(CommandFailure::NoCount { first_line: None });
    };
    let (number, rest) = first
        .split_once(char::is_whitespace)
        .map_or((first, ""), |(n, r)| (n, r.trim()));
    // Digits only: `1,000`, `-1`, `4e2` and `NaN` are not what a count of things is. Nor
    // is a number followed by more digits: `1 000` is a thousand grouped by a space (or a
    // narrow no-break space), never a count of 1 with the unit `000`.
    let grouped = rest.starts_with(|c: char| c.is_numeric());
    let count = (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !grouped)
        .then(|| number.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| CommandFailure::NoCount {
            first_line: Some(clip(first, 60)),
        })?;
    let unit = (!rest.is_empty()).then(|| clip(rest, UNIT_CHARS));
    let listed = lines.take(LISTED).map(|l| clip(l, LINE_CHARS)).collect();
    Ok((count, unit, listed))
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// An impact command's count, read from its stdout once it ran well; no count is its
/// failure (`uncounted` refuses the step).
pub(super) fn count_of(
    purpose: Purpose,
    stdout: &str,
    j: &mut Judgement,
) -> Option<(u64, Option<String>, Vec<String>)> {
    if purpose != Purpose::Impact || !j.ok() {
        return None;
    }
    parse(stdout).map_err(|why| j.failure = Some(why)).ok()
}

impl Engine {
    /// A fragment's `at_most: '{{ param }}'` whose value, bound at its `use` and known now,
    /// is not a whole number: where it is written and why. A run refuses to start with one
    /// (the runbook's own steps are checked with its parameters, `params::resolve`); a
    /// value bound from a capture is known only when the step is due, and judged then.
    pub fn unusable_fragment_limits(&self) -> Vec<(Pos, String)> {
        let captured: Vec<&str> = self
            .rb
            .steps
            .iter()
            .flat_map(|s| s.capture.iter().map(|c| c.name.as_str()))
            .collect();
        let mut out: Vec<(Pos, String)> = Vec::new();
        for (i, step) in self.rb.steps.iter().enumerate() {
            let Some(limit) = step
                .target
                .as_ref()
                .and_then(|t| t.impact.as_ref())
                .map(|m| &m.at_most)
            else {
                continue;
            };
            let Limit::Param { pos, .. } = limit else {
                continue;
            };
            let from_capture = step
                .bound
                .iter()
                .flatten()
                .any(|b| b.value.vars().any(|(n, _)| captured.contains(&n)));
            if step.bound.is_empty() || from_capture || out.iter().any(|(p, _)| p == pos) {
                continue;
            }
            if let Err(e) = limit.resolve(&self.step_vars(i)) {
                out.push((
                    *pos,
                    format!(
                        "step `{}`: {}",
                        step.id,
                        self.mask(&msg::limit_unusable(&e))
                    ),
                ));
            }
        }
        out
    }

    /// Without a count the blast radius is unknown: refused, like a count above the limit
    /// (no retry, no override).
    pub(super) fn uncounted(&mut self, i: usize, failure: &CommandFailure, fx: &mut Vec<Effect>) {
        let gate = Gate::ImpactUnknown {
            failure: failure.clone(),
        };
        self.gate(i, gate, fx);
    }

    /// The count of step `i`'s target, once its impact command has run.
    pub fn impact(&self, i: usize) -> Option<&Counted> {
        self.steps.get(i)?.impact.as_ref()
    }

    /// Whether step `i`'s target still waits for its impact count.
    pub(super) fn impact_due(&self, i: usize) -> bool {
        let counts = self.rb.steps[i]
            .target
            .as_ref()
            .is_some_and(|t| t.impact.is_some());
        counts && self.steps[i].impact.is_none()
    }

    /// Journals the count; refuses the step (no override) when it is above the limit.
    /// True when refused.
    pub(super) fn counted(
        &mut self,
        i: usize,
        (count, unit, listed): (u64, Option<String>, Vec<String>),
        fx: &mut Vec<Effect>,
    ) -> bool {
        let Some(limit) = self.rb.steps[i]
            .target
            .as_ref()
            .and_then(|t| t.impact.as_ref())
            .map(|m| m.at_most.clone())
        else {
            return false;
        };
        let at_most = match limit.resolve(&self.step_vars(i)) {
            Ok(n) => n,
            Err(e) => {
                self.gate(i, Gate::limit_unknown(e), fx);
                return true;
            }
        };
        let body = Body::TargetImpact {
            count,
            unit: unit.map(|u| self.mask(&u)),
            at_most,
            listed: listed.iter().map(|l| self.mask(l)).collect(),
        };
        self.emit(fx, Some(i), self.shisa(), body);
        if count <= at_most {
            return false;
        }
        let gate = Gate::ImpactOver {
            resolved: self.steps[i].target().resolved().unwrap_or_default().into(),
            count,
            unit: self.impact(i).and_then(|c| c.unit.clone()),
            at_most,
        };
        self.gate(i, gate, fx);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_first_line_is_the_count_and_later_lines_are_listed() {
        assert_eq!(parse("412\n"), Ok((412, None, vec![])));
        assert_eq!(
            parse("\n 2 sessions \nadmin-console 10.0.8.20\n\naccount-api 10.0.3.7\n"),
            Ok((
                2,
                Some("sessions".into()),
                vec![
                    "admin-console 10.0.8.20".into(),
                    "account-api 10.0.3.7".into()
                ]
            ))
        );
        let many: String = (0..50).map(|n| format!("{n}\n")).collect();
        assert_eq!(parse(&many).map(|(_, _, l)| l.len()), Ok(super::LISTED));
    }

    #[test]
    fn anything_but_a_whole_number_first_is_refused() {
        for bad in [
            "",
            "\n\n",
            "many\n",
            "-1\n",
            "1,000\n",
            "4e2\n",
            "NaN\n",
            "3.5\n",
            "+3\n",
            "99999999999999999999999\n",
            "accounts: 4\n",
            "1 000 accounts\n",
            "1\u{202f}000\n",
            "2\t4\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was read as a count");
        }
    }
}
