//! Which names a step may read, and where: parameters everywhere, a capture after the step
//! that takes it, a loop's variable inside its block only. A capture taken inside a block
//! has one value per item, so only later steps of the same block may read it.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::model::{Arg, Command, Expect, Runbook, Step, Target, Undo};
use super::script::expansions;
use super::template::Template;

/// Where a name comes from, for one step.
pub struct Scope<'a> {
    rb: &'a Runbook,
    /// Captures taken so far: name → (step id, the block it was taken in).
    captured: BTreeMap<&'a str, (&'a str, Option<&'a str>)>,
}

/// Why a name is not known at a place.
pub enum Unknown<'a> {
    /// Nothing by that name exists before this step.
    Nowhere,
    /// A loop variable, used outside its block.
    OutsideBlock { block: &'a str },
    /// Captured inside a block, read outside it (or in another block).
    CapturedInBlock { step: &'a str, block: &'a str },
}

impl<'a> Scope<'a> {
    pub fn new(rb: &'a Runbook) -> Scope<'a> {
        Scope {
            rb,
            captured: BTreeMap::new(),
        }
    }

    /// Whether a step in block `in_loop` (or at the top level) may read `name`.
    pub fn lookup(&self, name: &str, in_loop: Option<&str>) -> Result<(), Unknown<'a>> {
        if self.rb.param(name).is_some() {
            return Ok(());
        }
        if let Some(&(step, block)) = self.captured.get(name) {
            return match block {
                None => Ok(()),
                Some(b) if Some(b) == in_loop => Ok(()),
                Some(block) => Err(Unknown::CapturedInBlock { step, block }),
            };
        }
        if self.loop_var(in_loop) == Some(name) {
            return Ok(());
        }
        match self.rb.loops.iter().find(|l| l.var == name) {
            Some(l) => Err(Unknown::OutsideBlock { block: &l.id }),
            None => Err(Unknown::Nowhere),
        }
    }

    fn loop_var(&self, in_loop: Option<&str>) -> Option<&'a str> {
        let id = in_loop?;
        self.rb
            .loops
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.var.as_str())
    }

    /// The names known in block `in_loop`, for hints.
    fn known(&self, in_loop: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = self.rb.params.iter().map(|p| p.name.clone()).collect();
        out.extend(
            self.loop_var(in_loop)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{v} (the loop's item)")),
        );
        out.extend(
            self.captured
                .iter()
                .filter(|(_, (_, b))| b.is_none() || *b == in_loop)
                .map(|(c, (s, _))| format!("{c} (captured by `{s}`)")),
        );
        out
    }

    fn names(&self, in_loop: Option<&str>) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = self.rb.params.iter().map(|p| p.name.as_str()).collect();
        out.extend(self.loop_var(in_loop));
        out.extend(
            self.captured
                .iter()
                .filter(|(_, (_, b))| b.is_none() || *b == in_loop)
                .map(|(c, _)| *c),
        );
        out
    }

    fn capture(&mut self, name: &'a str, step: &'a Step) -> Option<&'a str> {
        if let Some((other, _)) = self.captured.get(name) {
            return Some(other);
        }
        self.captured
            .insert(name, (&step.id, step.in_loop.as_deref()));
        None
    }
}

pub fn lint(rb: &Runbook, out: &mut Vec<Diagnostic>) {
    let mut scope = Scope::new(rb);
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut block_seen: Option<&str> = None;
    for step in &rb.steps {
        let in_loop = step.in_loop.as_deref();
        // A block's title is read where the block begins, with its variable known.
        if in_loop.is_some() && in_loop != block_seen {
            block_seen = in_loop;
            let title = rb.loops.iter().find(|l| Some(l.id.as_str()) == in_loop);
            for (name, pos) in title
                .and_then(|l| l.title.as_ref())
                .into_iter()
                .flat_map(template_vars)
            {
                if let Err(why) = scope.lookup(&name, in_loop) {
                    out.push(
                        Diagnostic::error(
                            pos,
                            format!(
                                "unknown variable `{name}` in the title of block `{}`",
                                in_loop.unwrap_or_default()
                            ),
                        )
                        .width(name.len() + 6)
                        .hint(unknown_hint(&scope, &name, in_loop, &why)),
                    );
                }
                used.insert(name);
            }
        }
        // A fragment's step reads only its fragment's parameters (linted with the
        // fragment); here, what `with:` gives them is read where the `use` is written.
        if let Some(layer) = step.bound.first() {
            let use_id = step.id.split('/').next().unwrap_or_default();
            for b in layer {
                for (name, pos) in template_vars(&b.value) {
                    if let Err(why) = scope.lookup(&name, in_loop) {
                        out.push(
                            Diagnostic::error(
                                pos,
                                format!("unknown variable `{name}` in `with` of step `{use_id}`"),
                            )
                            .width(name.len() + 6)
                            .hint(unknown_hint(&scope, &name, in_loop, &why)),
                        );
                    }
                    used.insert(name);
                }
            }
            captures(rb, &mut scope, step, out);
            continue;
        }
        let vars = template_vars(&step.title)
            .chain(step.instructions.iter().flat_map(template_vars))
            .chain(command_vars(step.command.as_ref()))
            .chain(expect_vars(&step.expect))
            .chain(
                step.target
                    .iter()
                    .flat_map(|t| command_vars(Some(&t.describe)).chain(target_pattern_vars(t))),
            )
            .chain(
                step.target
                    .iter()
                    .flat_map(|t| &t.impact)
                    .flat_map(|i| command_vars(Some(&i.command))),
            );
        for (name, pos) in vars {
            unknown_var(&scope, step, &name, pos, out);
            used.insert(name);
        }
        captures(rb, &mut scope, step, out);
        for check in step.checks() {
            for (name, pos) in command_vars(Some(&check.command)).chain(expect_vars(&check.expect))
            {
                unknown_var(&scope, step, &name, pos, out);
                used.insert(name);
            }
        }
        for u in &step.rollback {
            if let Undo::Manual { instructions, .. } = u {
                for (name, pos) in template_vars(instructions) {
                    unknown_var(&scope, step, &name, pos, out);
                    used.insert(name);
                }
            }
        }
        scripts(&scope, step, in_loop, &mut used, out);
        // `approval.group: '{{ approvers }}'` reads a parameter (checked by the builder).
        if let Some(p) = step.approval.group().and_then(|g| g.param()) {
            used.insert(p.to_string());
        }
        // `impact.at_most: '{{ max }}'` reads one too (checked by the builder).
        if let Some(p) = step
            .target
            .as_ref()
            .and_then(|t| t.impact.as_ref())
            .and_then(|i| i.at_most.param())
        {
            used.insert(p.to_string());
        }
    }
    for l in &rb.loops {
        used.insert(l.list.clone());
    }
    for p in &rb.params {
        if !used.contains(&p.name) && !super::lint_flow::tests_param(rb, &p.name) {
            out.push(
                Diagnostic::warning(p.pos, format!("parameter `{}` is never used", p.name))
                    .width(p.name.len())
                    .hint(format!(
                        "commands read it as \"${}\" in `run:` or '{{{{ {} }}}}' in `argv:`",
                        p.name, p.name
                    )),
            );
        }
    }
}

fn captures<'a>(rb: &Runbook, scope: &mut Scope<'a>, step: &'a Step, out: &mut Vec<Diagnostic>) {
    for c in &step.capture {
        if rb.param(&c.name).is_some() {
            out.push(
                Diagnostic::error(
                    c.pos,
                    format!("capture `{}` has the name of a parameter", c.name),
                )
                .hint("rename the capture"),
            );
        } else if let Some(other) = scope.capture(&c.name, step) {
            out.push(
                Diagnostic::error(
                    c.pos,
                    format!("`{}` is already captured by step `{other}`", c.name),
                )
                .hint("rename one of them"),
            );
        }
    }
}

fn unknown_var(scope: &Scope<'_>, step: &Step, name: &str, pos: Pos, out: &mut Vec<Diagnostic>) {
    let in_loop = step.in_loop.as_deref();
    let Err(why) = scope.lookup(name, in_loop) else {
        return;
    };
    let message = format!("unknown variable `{name}` in step `{}`", step.id);
    out.push(
        Diagnostic::error(pos, message)
            .width(name.len() + 6)
            .hint(unknown_hint(scope, name, in_loop, &why)),
    );
}

fn unknown_hint(scope: &Scope<'_>, name: &str, in_loop: Option<&str>, why: &Unknown<'_>) -> String {
    match why {
        Unknown::OutsideBlock { block } => format!(
            "`{name}` is the item of `for_each` block `{block}` and is known only inside it"
        ),
        Unknown::CapturedInBlock { step, block } => format!(
            "`{name}` is captured by `{step}` once per item of block `{block}`; only later steps of that block can read it"
        ),
        Unknown::Nowhere => {
            let known = scope.known(in_loop);
            match did_you_mean(name, scope.names(in_loop)) {
                Some(s) => format!("did you mean `{s}`? known here: {}", known.join(", ")),
                None if known.is_empty() => {
                    "declare it under `params:`, or capture it in an earlier step".into()
                }
                None => format!("known here: {}", known.join(", ")),
            }
        }
    }
}

fn template_vars(t: &Template) -> impl Iterator<Item = (String, Pos)> + '_ {
    t.placed_vars().map(|(n, pos)| (n.to_string(), pos))
}

fn expect_vars(e: &Expect) -> impl Iterator<Item = (String, Pos)> + '_ {
    e.stdout_contains
        .iter()
        .chain(&e.stdout_not_contains)
        .chain(&e.stdout_equals)
        .chain(e.stdout_number.iter().map(|n| &n.value))
        .chain(e.stdout_matches.iter().filter_map(|p| p.template.as_ref()))
        .flat_map(template_vars)
}

fn target_pattern_vars(t: &Target) -> impl Iterator<Item = (String, Pos)> + '_ {
    t.must_match
        .iter()
        .chain(&t.deny)
        .filter_map(|p| p.template.as_ref())
        .flat_map(template_vars)
}

fn command_vars(c: Option<&Command>) -> impl Iterator<Item = (String, Pos)> + '_ {
    let args: &[Arg] = match c {
        Some(Command::Argv { args, .. }) => args,
        _ => &[],
    };
    args.iter().flat_map(|a| match a {
        Arg::Var { name, pos } => vec![(name.clone(), *pos)],
        Arg::Part { template, .. } => template_vars(template).collect(),
        Arg::Lit(_) => Vec::new(),
    })
}

/// Each `$name` a script expands — quotes, `\$` and comments understood, so `'$x'` is
/// text — pointed at where it is written. A lower-case name that is neither known here nor
/// assigned in the script is almost always a typo: `bash -u` would stop on it mid-run. A
/// loop variable or a block's capture read where it has no value is an error: shisa knows
/// it is not set there.
fn scripts(
    scope: &Scope<'_>,
    step: &Step,
    in_loop: Option<&str>,
    used: &mut BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let cmds = step
        .command
        .iter()
        .chain(step.target.iter().map(|t| &t.describe))
        .chain(
            step.target
                .iter()
                .flat_map(|t| &t.impact)
                .map(|i| &i.command),
        )
        .chain(step.checks().map(|c| &c.command));
    for cmd in cmds {
        let Command::Run {
            script,
            pos,
            layout,
        } = cmd
        else {
            continue;
        };
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for e in expansions(script) {
            used.insert(e.name.to_string());
            let lower = e.name.chars().any(|c| c.is_ascii_lowercase());
            if !lower || assigned(script, e.name) || !reported.insert(e.name) {
                continue;
            }
            let at = layout.pos(*pos, script, e.offset);
            let width = e.name.len() + 1;
            match scope.lookup(e.name, in_loop) {
                Ok(()) => {}
                Err(why @ (Unknown::OutsideBlock { .. } | Unknown::CapturedInBlock { .. })) => {
                    out.push(
                        Diagnostic::error(at, format!("`${}` in step `{}` has no value here", e.name, step.id))
                            .width(width)
                            .hint(unknown_hint(scope, e.name, in_loop, &why)),
                    )
                }
                Err(Unknown::Nowhere) => out.push(
                    Diagnostic::warning(
                        at,
                        format!("`${}` in step `{}` is not a parameter or capture", e.name, step.id),
                    )
                    .width(width)
                    .hint("bash runs with `set -u` and will stop here unless the variable is set in shisa's environment"),
                ),
            }
        }
    }
}

fn assigned(script: &str, name: &str) -> bool {
    let pat = format!(
        r"(^|[\s;(]){}=|\bfor\s+{}\b|\bread\b[^;\n]*\b{}\b|\blocal\s+{}\b",
        name, name, name, name
    );
    Regex::new(&pat).is_ok_and(|re| re.is_match(script))
}
