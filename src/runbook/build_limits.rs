//! `impact.at_most: '{{ param }}'` at load: the parameter it reads exists where the step is
//! written (the runbook, or the fragment alone) and can hold one whole number. The value
//! itself is checked when a run's values are known (`params::resolve`, and for a
//! fragment's step `Engine::unusable_fragment_limits`).

use super::diag::Diagnostic;
use super::fields::Cx;
use super::model::{Limit, Runbook};
use super::target::whole;

/// `impact.at_most: '{{ param }}'` names a declared parameter (of the runbook, or of the
/// fragment the step is written in) that holds one plain number: not a secret (the limit is
/// journaled and shown), not a list, and a default, if any, that is a whole number.
pub(super) fn limit_params(cx: &mut Cx, rb: &Runbook) {
    for step in rb.steps.iter().filter(|s| s.bound.is_empty()) {
        let Some(Limit::Param { name, pos }) = step
            .target
            .as_ref()
            .and_then(|t| t.impact.as_ref())
            .map(|i| &i.at_most)
        else {
            continue;
        };
        let problem = match rb.param(name) {
            None => Some(format!(
                "`at_most` reads parameter `{name}`, which is not declared"
            )),
            Some(p) if p.secret => Some(format!(
                "`at_most` reads secret parameter `{name}`; the limit is journaled and shown"
            )),
            Some(p) if p.list => Some(format!(
                "`at_most` reads list parameter `{name}`; it is one number"
            )),
            Some(p) => p
                .default
                .as_deref()
                .filter(|d| whole(d).is_none())
                .map(|d| format!("`at_most` reads parameter `{name}`, whose default `{d}` is not a whole number")),
        };
        if let Some(message) = problem {
            cx.error(
                Diagnostic::error(*pos, message)
                    .width(name.chars().count() + 8)
                    .hint(format!("declare it under `params:` as a whole number, e.g. `{name}: {{ pattern: '^[0-9]{{1,6}}$' }}`, or write the number: `at_most: 3`")),
            );
        }
    }
}
