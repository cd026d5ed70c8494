//! The guards every mutating step must carry or waive, reported once per step
//! with every missing guard named; and the ways a guard can be present but hollow: a
//! snapshot or rollback that does nothing, a snapshot that `when` may skip.

use super::diag::Diagnostic;
use super::model::{Condition, Guard, Runbook, Step, StepKind, Undo, When};
use super::noop::does_nothing;

pub fn lint(rb: &Runbook, broken_steps: &[usize], out: &mut Vec<Diagnostic>) {
    for (i, step) in rb.steps.iter().enumerate() {
        if broken_steps.contains(&i) {
            continue;
        }
        guards(rb, i, step, out);
        hollow(step, out);
        if step.mutating {
            skippable_snapshot(rb, i, step, out);
        }
    }
}

fn guards(rb: &Runbook, index: usize, step: &Step, out: &mut Vec<Diagnostic>) {
    if !step.mutating {
        for (guard, w) in &step.waive {
            out.push(
                Diagnostic::error(
                    w.pos,
                    format!("step `{}` changes nothing, so waiving `{}` means nothing", step.id, guard.name()),
                )
                .hint("remove `waive:`, or mark the step `mutating: true` if it does change something"),
            );
        }
        return;
    }
    let has = |g: Guard| match g {
        Guard::Snapshot => rb.guarding_snapshot(index).is_some(),
        Guard::Target => step.target.is_some(),
        Guard::Verify => !step.verify.is_empty(),
        // A step that closes another is undone by that step's absence.
        Guard::Rollback => !step.rollback.is_empty() || step.closes.is_some(),
    };
    let mut missing = Vec::new();
    for (_, guard) in Guard::ALL {
        match (has(guard), step.waive.get(&guard)) {
            (true, Some(w)) => out.push(
                Diagnostic::warning(
                    w.pos,
                    format!("step `{}` waives `{}` but has it", step.id, guard.name()),
                )
                .hint("remove the waiver so the plan does not show an exception that is not taken"),
            ),
            (false, None) => missing.push(guard),
            _ => {}
        }
    }
    if !missing.is_empty() {
        out.push(missing_guards(step, &missing));
    }
    if let (Some(closed), Some(first)) = (&step.closes, step.rollback.first()) {
        out.push(
            Diagnostic::warning(
                first.pos(),
                format!("step `{}` closes `{}`, so its own `rollback` is not needed", step.id, closed.id),
            )
            .hint(format!(
                "once `{}` is done neither step is rolled back: its undo is `{}`'s absence; remove `rollback:`",
                step.id, closed.id
            )),
        );
    }
}

/// One error naming every guard the step lacks: one fix to read, not four near-identical
/// errors at one place.
fn missing_guards(step: &Step, missing: &[Guard]) -> Diagnostic {
    let phrase = |g: &Guard| match g {
        Guard::Snapshot => "no snapshot step before it",
        Guard::Target => "no `target` confirmation",
        Guard::Verify => "no `verify` checks",
        Guard::Rollback => "no `rollback`",
    };
    let fix = |g: &Guard| match g {
        Guard::Snapshot => "add a `kind: snapshot` step earlier that saves the way back",
        Guard::Target => {
            "add `target: { describe: ..., capture: ... }` so the operator types back what will really be touched"
        }
        Guard::Verify => {
            "add `verify:` health checks that prove the change worked and broke nothing around it"
        }
        Guard::Rollback => {
            "add `rollback:` commands (or `- manual:` instructions) that undo the change"
        }
    };
    let phrases: Vec<&str> = missing.iter().map(phrase).collect();
    let listed = match phrases.as_slice() {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let waive: Vec<String> = missing
        .iter()
        .map(|g| format!("{}: \"why\"", g.name()))
        .collect();
    let fixes: Vec<&str> = missing.iter().map(fix).collect();
    Diagnostic::error(
        step.kind_pos,
        format!("mutating step `{}` has {listed}", step.id),
    )
    .hint(format!(
        "{}; or `waive: {{ {} }}`",
        fixes.join("; "),
        waive.join(", ")
    ))
}

/// A snapshot or rollback made only of `echo`, `printf`, `true` or `:` satisfies the gate
/// and gives no way back, so it is an error, never a warning to scroll past.
fn hollow(step: &Step, out: &mut Vec<Diagnostic>) {
    if step.kind == StepKind::Snapshot
        && let Some(cmd) = step.command.as_ref().filter(|c| does_nothing(c))
    {
        out.push(
            Diagnostic::error(cmd.pos(), format!("snapshot step `{}` saves nothing: it only prints", step.id))
                .hint("a snapshot saves the state the rollback restores, e.g. `tool export > \"$SHISA_RUN_DIR/before.json\"`; if nothing can be saved, drop the step and `waive: { snapshot: \"why\" }` on the change"),
        );
    }
    let all_hollow = !step.rollback.is_empty()
        && step
            .rollback
            .iter()
            .all(|u| matches!(u, Undo::Run(c) if does_nothing(&c.command)));
    if all_hollow && let Some(first) = step.rollback.first() {
        out.push(
            Diagnostic::error(first.pos(), format!("the rollback of step `{}` undoes nothing: it only prints", step.id))
                .hint("give the commands that undo the change, or `- manual: \"what a person does to undo it\"`, or `waive: { rollback: \"why\" }`"),
        );
    }
}

/// The engine lets a mutating step start only after its guarding snapshot succeeded; a
/// snapshot `when` may skip would stop the run there, or guard a change it did not save.
fn skippable_snapshot(rb: &Runbook, index: usize, step: &Step, out: &mut Vec<Diagnostic>) {
    let Some(si) = rb.guarding_snapshot(index) else {
        return;
    };
    let snap = &rb.steps[si];
    let Some(cond) = &snap.when else {
        return;
    };
    if step.when.as_ref().is_some_and(|c| same(c, cond)) {
        return;
    }
    let what = if step.when.is_some() {
        "on another condition"
    } else {
        "unconditionally"
    };
    out.push(
        Diagnostic::error(
            step.kind_pos,
            format!(
                "mutating step `{}` runs {what}, but its snapshot `{}` may be skipped (`when` at line {})",
                step.id, snap.id, cond.pos.line
            ),
        )
        .hint(format!(
            "add a snapshot step without `when` between `{}` and `{}`, or give `{}` the same `when` as `{}`",
            snap.id, step.id, step.id, snap.id
        )),
    );
}

fn same(a: &Condition, b: &Condition) -> bool {
    match (&a.test, &b.test) {
        (When::Param { name, equals }, When::Param { name: n, equals: e }) => {
            name == n && equals == e
        }
        (
            When::Capture { name, matches },
            When::Capture {
                name: n,
                matches: m,
            },
        ) => name == n && matches.source == m.source,
        (When::Choice { step, equals }, When::Choice { step: s, equals: e }) => {
            step.id == s.id && equals == e
        }
        _ => false,
    }
}
