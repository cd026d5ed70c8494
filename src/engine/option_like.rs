//! Values that would be read as options: a value at the start of an argv element (`ls
//! '{{ x }}'` with `x=-la`) that starts with `-`. The run refuses to start with one; the
//! parameter's `pattern` can rule them out ahead (`runbook::option_like`, warned about by
//! `check`). Captures are not known before the run and are left to their own regexes.

use crate::runbook::model::Command;

use super::state::Engine;

/// One value that starts an argv element with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionLike {
    pub step: String,
    pub name: String,
    /// The value as it may be shown (a secret masked).
    pub shown: String,
}

impl Engine {
    /// Every argv element of every step whose leading value, known now (parameters, loop
    /// items, fragment parameters), starts with `-`.
    pub fn option_like_values(&self) -> Vec<OptionLike> {
        let mut out: Vec<OptionLike> = Vec::new();
        for (i, step) in self.rb.steps.iter().enumerate() {
            let commands = step
                .command
                .iter()
                .chain(step.target.iter().map(|t| &t.describe))
                .chain(step.checks().map(|c| &c.command));
            let mut vars = None;
            for cmd in commands {
                let Command::Argv { args, .. } = cmd else {
                    continue;
                };
                // After a literal `--` the program reads no more options.
                let options_end = args
                    .iter()
                    .position(|a| matches!(a, crate::runbook::model::Arg::Lit(l) if l == "--"))
                    .unwrap_or(args.len());
                for arg in args.iter().take(options_end).skip(1) {
                    let Some((name, _)) = arg.leading_value() else {
                        continue;
                    };
                    let vars = vars.get_or_insert_with(|| self.step_vars(i));
                    let Some(value) = vars.get(name) else {
                        continue;
                    };
                    let seen = out.iter().any(|o| o.step == step.id && o.name == name);
                    if value.starts_with('-') && !seen {
                        out.push(OptionLike {
                            step: step.id.clone(),
                            name: name.to_string(),
                            shown: self.mask(value),
                        });
                    }
                }
            }
        }
        out
    }
}
