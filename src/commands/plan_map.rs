//! The rollback map of `shisa plan`: for each change, what a rollback would undo if it
//! failed there, with every earlier step done. The order is the engine's own
//! (`engine::rollback_plan_supposing`, the rule `Engine::rollback_plan` follows at run time
//! from what really ran): the failed step, then each change in place, newest first; a step
//! that `closes` another cancels both; a completed checkpoint or a started point of no
//! return keeps what is before it; inside a loop pass, that pass comes first and the
//! operator may stop there. This file only says it.

use std::fmt::Write as _;

use crate::engine::{RollbackPlan, rollback_plan_of_pass_supposing, rollback_plan_supposing};
use crate::runbook::model::{Guard, Runbook, Step, Undo};

pub fn rollback_map(o: &mut String, rb: &Runbook) {
    let mutating: Vec<usize> = (0..rb.steps.len())
        .filter(|&i| rb.steps[i].mutating)
        .collect();
    if mutating.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\nRollback map (at a failure, rollback is the default answer wherever it would undo something):"
    );
    for &i in &mutating {
        let plan = rollback_plan_supposing(rb, i);
        let this_pass = reach(&rollback_plan_of_pass_supposing(rb, i), i);
        let earlier: Vec<usize> = reach(&plan, i)
            .into_iter()
            .filter(|j| !this_pass.contains(j))
            .collect();
        let undo = if this_pass.is_empty() {
            "nothing to undo".to_string()
        } else {
            list(rb, &this_pass, i)
        };
        let _ = writeln!(o, "  if {:<20} fails → {undo}", rb.steps[i].id);
        if !earlier.is_empty() {
            let _ = writeln!(
                o,
                "      {:<20}   then, unless the operator stops after this pass: {}",
                "",
                list(rb, &earlier, i)
            );
        }
        if let Some(by) = plan.stops_at {
            let why = if rb.steps[by].checkpoint.is_some() {
                "after checkpoint"
            } else {
                "at point of no return"
            };
            let kept = if plan.kept.is_empty() {
                "nothing before it changed".to_string()
            } else {
                plan.kept
                    .iter()
                    .map(|&j| rb.steps[j].id.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                o,
                "      {:<20}   stops {why} `{}`; kept in place: {kept}",
                "", rb.steps[by].id
            );
        }
    }
}

/// Every change the plan reaches, with or without a rollback, in the engine's order: the
/// failed step first, then newest first.
fn reach(plan: &RollbackPlan, failed: usize) -> Vec<usize> {
    let mut all: Vec<usize> = plan
        .undo
        .iter()
        .chain(&plan.without_rollback)
        .copied()
        .collect();
    all.sort_unstable_by_key(|&j| (j != failed, std::cmp::Reverse(j)));
    all
}

fn list(rb: &Runbook, steps: &[usize], failed: usize) -> String {
    steps
        .iter()
        .map(|&j| undo_of(&rb.steps[j], j != failed))
        .collect::<Vec<_>>()
        .join(", then ")
}

/// A step as its rollback: "undo ID (how many commands and instructions)", or, where it
/// has none, "ID stays (why)": a step without a rollback is never said to be undone.
/// `earlier` steps with a `when` may not have run at all.
fn undo_of(s: &Step, earlier: bool) -> String {
    let runs = s
        .rollback
        .iter()
        .filter(|u| matches!(u, Undo::Run(_)))
        .count();
    let by_hand = s.rollback.len() - runs;
    let maybe = if earlier && s.when.is_some() {
        ", if it ran"
    } else {
        ""
    };
    let what = match (runs, by_hand, s.waive.get(&Guard::Rollback)) {
        (0, 0, Some(w)) => {
            return format!("{} stays (rollback waived: {}{maybe})", s.id, w.reason);
        }
        (0, 0, None) => return format!("{} stays (no rollback{maybe})", s.id),
        (r, h, _) => {
            let mut parts = Vec::new();
            if r > 0 {
                parts.push(format!("{r} command{}", if r == 1 { "" } else { "s" }));
            }
            if h > 0 {
                parts.push(format!("{h} by hand"));
            }
            parts.join(", ")
        }
    };
    format!("undo {} ({what}{maybe})", s.id)
}
