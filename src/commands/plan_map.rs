//! The rollback map of `shisa plan`: for each change, what a rollback would undo if it
//! failed there, with every earlier step done. It follows the engine's order
//! (`Engine::rollback_plan`): the failed step, then each change in place, newest first; a
//! step that `closes` another cancels both; a completed checkpoint or a started point of no
//! return keeps what is before it; inside a loop pass, that pass comes first and the
//! operator may stop there. The engine decides at run time from what really ran; this is
//! the same rule read off the runbook, for a reviewer.

use std::fmt::Write as _;

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
        "\nRollback map (on failure the operator chooses rollback by default):"
    );
    for &i in &mutating {
        let plan = plan_at(rb, i);
        let (this_pass, earlier): (Vec<usize>, Vec<usize>) = if rb.steps[i].iteration.is_some() {
            plan.reach
                .iter()
                .partition(|&&j| same_pass(&rb.steps[j], &rb.steps[i]))
        } else {
            (plan.reach.clone(), Vec::new())
        };
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
        if let Some(by) = plan.kept_by {
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

/// What a rollback at a failure of step `failed` reaches, newest first, and what it keeps.
struct Plan {
    reach: Vec<usize>,
    kept: Vec<usize>,
    kept_by: Option<usize>,
}

fn plan_at(rb: &Runbook, failed: usize) -> Plan {
    let closed_before = |j: usize| {
        let id = &rb.steps[j].id;
        rb.steps[j + 1..failed]
            .iter()
            .any(|s| s.closes.as_ref().is_some_and(|r| &r.id == id))
    };
    let in_place = |j: usize| {
        let s = &rb.steps[j];
        s.mutating && s.closes.is_none() && !closed_before(j)
    };
    let changed: Vec<usize> = std::iter::once(failed)
        .chain((0..failed).rev().filter(|&j| in_place(j)))
        .collect();
    // The latest completed checkpoint (before the failure) or started point of no return
    // (the failed step's own included): nothing before it is undone.
    let floor = (0..=failed).rev().find_map(|k| {
        let s = &rb.steps[k];
        if k < failed && s.checkpoint.is_some() {
            Some((k + 1, k))
        } else if s.point_of_no_return.is_some() {
            Some((k, k))
        } else {
            None
        }
    });
    let (floor, kept_by) = match floor {
        Some((f, by)) => (f, Some(by)),
        None => (0, None),
    };
    let (reach, kept) = changed.into_iter().partition(|&j| j >= floor);
    Plan {
        reach,
        kept,
        kept_by,
    }
}

fn same_pass(a: &Step, b: &Step) -> bool {
    match (&a.iteration, &b.iteration) {
        (Some(x), Some(y)) => x.loop_id == y.loop_id && x.index == y.index,
        _ => false,
    }
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
