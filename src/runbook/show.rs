//! How commands are shown to people — in `plan`, the TUI, headless lines and the journal:
//! values filled in (the caller passes secrets already masked), argv quoted so that what
//! is read is exactly what will run.

use std::collections::BTreeMap;

use super::model::{Arg, Command};

/// Quotes one argument the way a shell user would read it back.
pub fn quote(arg: &str) -> String {
    let safe = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,^".contains(c));
    if safe {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The argv with variables filled in (unknown ones as `<name>`).
pub fn argv(args: &[Arg], values: &BTreeMap<String, String>) -> Vec<String> {
    args.iter()
        .map(|a| match a {
            Arg::Lit(s) => s.clone(),
            Arg::Var { name, .. } => values
                .get(name)
                .cloned()
                .unwrap_or_else(|| format!("<{name}>")),
            Arg::Part { template, .. } => template.render(values),
        })
        .collect()
}

/// One line (or a script) describing the command.
pub fn command(cmd: &Command, values: &BTreeMap<String, String>) -> String {
    match cmd {
        Command::Run { script, .. } => script.trim_end().to_string(),
        Command::Argv { args, .. } => argv(args, values)
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The variables a `run:` script reads, with their values, so a reviewer sees what
/// `"$ou_id"` will be without the value ever entering the script text.
pub fn script_env(cmd: &Command, values: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let Command::Run { script, .. } = cmd else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for name in script_refs(script) {
        if let Some(v) = values.get(name)
            && !out.iter().any(|(n, _)| n == name)
        {
            out.push((name.to_string(), v.clone()));
        }
    }
    out
}

/// `$name` / `${name}` references in a script, in order.
pub fn script_refs(script: &str) -> impl Iterator<Item = &str> {
    let bytes = script.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(off) = bytes.get(at..)?.iter().position(|&b| b == b'$') {
            let mut start = at + off + 1;
            if bytes.get(start) == Some(&b'{') {
                start += 1;
            }
            let first = bytes
                .get(start)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
            let len = bytes[start.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            at = start + len;
            if first {
                return script.get(start..start + len);
            }
        }
        None
    })
}

/// Each expectation as a short phrase, values filled in.
pub fn expectations(e: &super::model::Expect, values: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    if e.exit != 0 {
        out.push(format!("exit {}", e.exit));
    }
    out.extend(
        e.stdout_contains
            .iter()
            .map(|t| format!("stdout contains {:?}", t.render(values))),
    );
    out.extend(
        e.stdout_not_contains
            .iter()
            .map(|t| format!("stdout does not contain {:?}", t.render(values))),
    );
    out.extend(
        e.stdout_matches
            .iter()
            .map(|p| format!("stdout matches /{}/", p.source)),
    );
    out.extend(
        e.stdout_equals
            .iter()
            .map(|t| format!("stdout is exactly {:?}", t.render(values))),
    );
    out.extend(e.stdout_number.iter().map(|n| {
        let op = match n.op {
            super::model::Compare::Lt => "<",
            super::model::Compare::Le => "<=",
            super::model::Compare::Gt => ">",
            super::model::Compare::Ge => ">=",
            super::model::Compare::Eq => "=",
        };
        format!("stdout is a number {op} {}", n.value.render(values))
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::diag::Pos;

    #[test]
    fn quotes_what_a_shell_would_split_or_expand() {
        assert_eq!(quote("ou-ab12"), "ou-ab12");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn fills_argv_and_lists_script_env() {
        let mut v = BTreeMap::new();
        v.insert("ou".to_string(), "ou-1 x".to_string());
        let cmd = Command::Argv {
            args: vec![
                Arg::Lit("orgctl".into()),
                Arg::Var {
                    name: "ou".into(),
                    pos: Pos::default(),
                },
            ],
            pos: Pos::default(),
        };
        assert_eq!(command(&cmd, &v), "orgctl 'ou-1 x'");
        let run = Command::Run {
            script: "echo \"$ou\" ${ou} $HOME".into(),
            pos: Pos::default(),
            layout: Default::default(),
        };
        assert_eq!(
            script_env(&run, &v),
            vec![("ou".to_string(), "ou-1 x".to_string())]
        );
    }
}

#[cfg(test)]
mod script_refs_tests {
    #[test]
    fn finds_plain_and_braced_names_in_order() {
        let found: Vec<&str> = super::script_refs("a $x ${y_1}z $1 $ ${ $_u-$ü $").collect();
        assert_eq!(found, ["x", "y_1", "_u"]);
    }
}
