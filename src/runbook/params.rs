//! Parameter values: taken from `-p`, the environment (`from_env`) or a default, then
//! validated against the runbook's rules before anything runs.

use std::collections::{BTreeMap, BTreeSet};

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::model::{Limit, LimitError, Param, Runbook};
use super::target::MAX_AT_MOST;

/// A secret shorter than this is refused: it would be masked wherever its few characters
/// happen to occur, and is guessable.
pub const MIN_SECRET_CHARS: usize = 4;

/// Resolved values, with the names of the secret ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub values: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    /// Parameters with no value yet (only where the caller allowed it, as `plan` does):
    /// they have no entry in `values`; what stands in for one where it is shown is
    /// `phrase::no_value_yet`.
    pub missing: BTreeSet<String>,
}

impl Params {
    /// A value given, from the environment or a default.
    pub fn given(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// `(value, mask)` pairs to scrub from everything that is written or shown. A secret
    /// with surrounding whitespace is listed trimmed too: a command that prints it
    /// unquoted (`echo $token`) prints it without.
    pub fn redactions(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for name in &self.secrets {
            let Some(v) = self.values.get(name) else {
                continue;
            };
            let trimmed = v.trim();
            if !v.is_empty() {
                out.push((v.clone(), mask(name)));
            }
            if !trimmed.is_empty() && trimmed.len() != v.len() {
                out.push((trimmed.to_string(), mask(name)));
            }
        }
        out
    }

    /// Text with every secret value in it masked, the longest first so that a secret that
    /// contains another is masked whole.
    pub fn mask_text(&self, text: &str) -> String {
        let mut pairs = self.redactions();
        pairs.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        let mut out = text.to_string();
        for (secret, mask) in pairs {
            out = out.replace(&secret, &mask);
        }
        out
    }

    /// The values as they may be shown or journaled: secrets masked, also where another
    /// parameter's value contains one.
    pub fn shown(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| {
                let v = if self.secrets.contains(k) {
                    mask(k)
                } else {
                    self.mask_text(v)
                };
                (k.clone(), v)
            })
            .collect()
    }
}

pub fn mask(name: &str) -> String {
    format!("[REDACTED:{name}]")
}

/// Whether text holds a mask (`mask`'s output): a stand-in for a secret, not a value.
pub fn is_masked(text: &str) -> bool {
    text.contains("[REDACTED:")
}

/// The separator of a list parameter's items, in `-p nodes=a,b` and in the stored value.
pub const LIST_SEPARATOR: char = ',';

/// The items of a list parameter's value, in the order given. The value is stored as the
/// items joined with `,` (so `Params.values` stays one string per name); `check_value`
/// has refused empty items, so no item contains or is lost to a separator.
pub fn items(value: &str) -> Vec<&str> {
    value.split(LIST_SEPARATOR).collect()
}

/// Checks a value against a parameter's `pattern`, `choices` and `deny` rules; for a list
/// parameter, each item, and that there is at least one and none is given twice.
pub fn check_value(p: &Param, value: &str) -> Result<(), String> {
    if !p.list {
        return check_item(p, value);
    }
    if value.is_empty() {
        return Err("a list needs at least one item".into());
    }
    let items = items(value);
    for (n, item) in items.iter().enumerate() {
        if item.is_empty() {
            return Err(format!(
                "item {} is empty (items are separated by single commas, and an item cannot contain one)",
                n + 1
            ));
        }
        if item.trim() != *item {
            return Err(format!(
                "item `{item}` has spaces around it (write `a,b`, not `a, b`)"
            ));
        }
        // Each item names one pass of a loop (`roll[item]/step` in the journal): two
        // passes with one name could not be told apart on resume or in the rollback, and
        // an item with a bracket or a slash would make that name ambiguous.
        if let Some(c) = item
            .chars()
            .find(|c| matches!(c, '[' | ']' | '/') || c.is_control())
        {
            return Err(format!(
                "item `{}` contains `{}`, which cannot be part of a loop pass's name",
                item.escape_debug(),
                c.escape_debug()
            ));
        }
        if items[..n].contains(item) {
            return Err(format!("item `{item}` is given twice"));
        }
        check_item(p, item).map_err(|why| format!("item `{item}`: {why}"))?;
    }
    Ok(())
}

/// The place of the rule that refused a value, for the error (the parameter if none).
fn refusing_rule(p: &Param, value: &str) -> Pos {
    let denied = |v: &str| p.deny.iter().find(|d| d.is_match(v)).map(|d| d.pos);
    let found = if p.list {
        items(value).into_iter().find_map(denied)
    } else {
        denied(value)
    };
    found
        .or(p.pattern.as_ref().map(|pat| pat.pos))
        .unwrap_or(p.pos)
}

fn check_item(p: &Param, value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!("it contains the control character {:?}", c));
    }
    if let Some(pat) = &p.pattern
        && !pat.is_match(value)
    {
        return Err(format!("it does not match `pattern: '{}'`", pat.source));
    }
    if !p.choices.is_empty() && !p.choices.iter().any(|c| c == value) {
        return Err(format!(
            "it is not one of the choices: {}",
            p.choices.join(", ")
        ));
    }
    if let Some(d) = p.deny.iter().find(|d| d.is_match(value)) {
        return Err(format!("it matches `deny: '{}'`", d.source));
    }
    Ok(())
}

/// Resolves and validates every parameter. `given` is the `-p NAME=VALUE` list in order;
/// `env` reads the environment (injected so tests need not touch the process's).
pub fn resolve(
    rb: &Runbook,
    given: &[(String, String)],
    env: impl Fn(&str) -> Option<String>,
) -> Result<Params, Vec<Diagnostic>> {
    resolve_with(rb, given, env, false)
}

/// The same, but a parameter with no value gets a visible placeholder instead of an error:
/// for `plan`, which shows what a run would do before every value is at hand.
pub fn resolve_with(
    rb: &Runbook,
    given: &[(String, String)],
    env: impl Fn(&str) -> Option<String>,
    missing_ok: bool,
) -> Result<Params, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut cli: BTreeMap<&str, String> = BTreeMap::new();
    // Mistakes in `-p` are on the command line, not anywhere in the file.
    let top = Pos::default();
    for (name, value) in given {
        if rb.param(name).is_none() {
            let names: Vec<&str> = rb.params.iter().map(|p| p.name.as_str()).collect();
            let hint = match did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => "this runbook takes no parameters".into(),
                None => format!("this runbook takes: {}", names.join(", ")),
            };
            errors.push(
                Diagnostic::error(
                    top,
                    format!("`-p {name}=…`: the runbook has no parameter `{name}`"),
                )
                .hint(hint),
            );
        } else if let Some(before) = cli.get_mut(name.as_str()) {
            // A list parameter's `-p` may repeat: each adds items (`-p nodes=a -p nodes=b`).
            if rb.param(name).is_some_and(|p| p.list) {
                before.push(LIST_SEPARATOR);
                before.push_str(value);
            } else {
                errors.push(
                    Diagnostic::error(top, format!("`-p {name}=…` is given twice"))
                        .hint("give each parameter once (only a parameter with `list: true` takes several)"),
                );
            }
        } else {
            cli.insert(name, value.clone());
        }
    }
    let mut out = Params::default();
    for p in &rb.params {
        let value = cli
            .get(p.name.as_str())
            .cloned()
            .or_else(|| p.from_env.as_deref().and_then(&env))
            .or_else(|| p.default.clone());
        let Some(value) = value else {
            if missing_ok {
                out.missing.insert(p.name.clone());
                continue;
            }
            // A secret on the command line is in the process list and the shell's history.
            let how = match (&p.from_env, p.secret) {
                (Some(var), true) => format!("set the environment variable {var}"),
                (Some(var), false) => format!(
                    "set the environment variable {var}, or pass `-p {}=VALUE`",
                    p.name
                ),
                (None, true) => format!(
                    "give the parameter `from_env: VAR` in the runbook and set VAR; `-p {}=…` would show the secret in the process list",
                    p.name
                ),
                (None, false) => format!("pass `-p {}=VALUE`", p.name),
            };
            let what = p
                .description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            errors.push(
                Diagnostic::error(p.pos, format!("parameter `{}`{what} has no value", p.name))
                    .hint(how),
            );
            continue;
        };
        if let Err(why) = check_value(p, &value) {
            let shown = if p.secret {
                mask(&p.name)
            } else {
                value.clone()
            };
            let rule_pos = refusing_rule(p, &value);
            errors.push(
                Diagnostic::error(
                    rule_pos,
                    format!("parameter `{}` = `{shown}` is refused: {why}", p.name),
                )
                .hint("nothing has run; pass a value the runbook allows"),
            );
            continue;
        }
        if p.secret {
            if value.trim().chars().count() < MIN_SECRET_CHARS {
                errors.push(too_short(p));
                continue;
            }
            out.secrets.push(p.name.clone());
        }
        out.values.insert(p.name.clone(), value);
    }
    // A list item names a loop pass in the journal and in file names, where no mask can
    // reach it: an item that holds a secret is refused.
    for p in rb.params.iter().filter(|p| p.list) {
        let Some(value) = out.values.get(&p.name) else {
            continue;
        };
        let leaks = items(value)
            .into_iter()
            .any(|item| out.mask_text(item) != item);
        if leaks {
            errors.push(
                Diagnostic::error(
                    p.pos,
                    format!("an item of `{}` contains the value of a secret parameter", p.name),
                )
                .hint("a loop item names its pass in the journal and in file names; give items that are not secrets"),
            );
        }
    }
    errors.extend(unusable_limits(rb, &out));
    if errors.is_empty() {
        Ok(out)
    } else {
        // A refused value may contain a secret given alongside it.
        for e in &mut errors {
            e.message = out.mask_text(&e.message);
        }
        Err(errors)
    }
}

/// `at_most: '{{ param }}'` on the runbook's own steps: the value must be a whole number,
/// or the step could not be judged; refused before anything runs, pointing at the
/// `at_most`. (A fragment's parameter may be bound from a capture: the engine refuses its
/// step when it is due.)
fn unusable_limits(rb: &Runbook, out: &Params) -> Vec<Diagnostic> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    for step in rb.steps.iter().filter(|s| s.bound.is_empty()) {
        let Some(limit) = step.target.as_ref().and_then(|t| t.impact.as_ref()) else {
            continue;
        };
        let Limit::Param { name, pos } = &limit.at_most else {
            continue;
        };
        if out.missing.contains(name) || errors.iter().any(|d| d.pos == *pos) {
            continue;
        }
        if let Err(LimitError::NotWhole { value, .. }) = limit.at_most.resolve(&out.values) {
            errors.push(
                Diagnostic::error(
                    *pos,
                    format!(
                        "step `{}`: `at_most` reads parameter `{name}` = `{value}`, which is not a whole number",
                        step.id
                    ),
                )
                .width(limit.at_most.to_string().chars().count() + 2)
                .hint(format!(
                    "nothing has run; give `-p {name}=N`, N a whole number from 0 to {MAX_AT_MOST} (digits only): the most this step may touch"
                )),
            );
        }
    }
    errors
}

fn too_short(p: &Param) -> Diagnostic {
    let source = match &p.from_env {
        Some(var) => format!("the environment variable {var}"),
        None => format!("`-p {}=…`", p.name),
    };
    Diagnostic::error(
        p.pos,
        format!(
            "secret parameter `{}` is too short: a secret needs at least {MIN_SECRET_CHARS} characters, surrounding whitespace not counted",
            p.name
        ),
    )
    .width(p.name.len())
    .hint(format!(
        "nothing has run; check {source}: a secret this short is guessable, and masking it would hide every place its characters happen to occur"
    ))
}

/// Splits `NAME=VALUE` from the command line.
pub fn split_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

/// Splits every `-p NAME=VALUE` from the command line.
pub fn split_all(assignments: &[String]) -> Result<Vec<(String, String)>, String> {
    assignments.iter().map(|a| split_assignment(a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RB: &str = "version: 1\nname: t\nparams:\n  tok: { secret: true, from_env: TOK }\n  url: {}\nsteps:\n  - id: a\n    kind: precheck\n    run: echo \"$tok\" \"$url\"\n";

    fn with(tok: &str, url: &str) -> Result<Params, Vec<Diagnostic>> {
        let rb = match crate::runbook::load_str("t.yaml", RB) {
            Ok(l) => l.runbook,
            Err(r) => panic!("{}", r.render(false)),
        };
        let given = [("url".to_string(), url.to_string())];
        resolve(&rb, &given, |k| (k == "TOK").then(|| tok.to_string()))
    }

    /// Where `plan` allows a parameter with no value, it is missing, not a value: nothing
    /// in `values` a command or a check could read as one.
    #[test]
    fn a_parameter_with_no_value_yet_is_missing_and_has_no_value() {
        let rb = crate::runbook::load_str("t.yaml", RB).unwrap().runbook;
        let tok = |k: &str| (k == "TOK").then(|| "s3cret".to_string());
        let p = resolve_with(&rb, &[], tok, true).unwrap();
        assert!(p.missing.contains("url"));
        assert_eq!(p.values.get("url"), None);
        assert_eq!(p.given("url"), None);
        assert_eq!(p.given("tok"), Some("s3cret"));
        assert!(resolve_with(&rb, &[], tok, false).is_err());
    }

    #[test]
    fn a_secret_needs_four_characters_not_counting_surrounding_whitespace() {
        for short in ["", "a", "abc", "  abc  "] {
            let errs = with(short, "u").unwrap_err();
            assert!(errs[0].message.contains("too short"), "{short:?}");
            assert!(errs[0].hint.as_deref().unwrap_or("").contains("TOK"));
        }
        assert!(with("abcd", "u").is_ok());
    }

    #[test]
    fn the_trimmed_form_of_a_secret_is_masked_too() {
        let p = with("  s3cret ", "u").unwrap();
        let r = p.redactions();
        assert!(r.contains(&("  s3cret ".to_string(), mask("tok"))));
        assert!(r.contains(&("s3cret".to_string(), mask("tok"))));
        assert_eq!(p.mask_text("[s3cret]"), "[[REDACTED:tok]]");
        let p = with("s3cret", "u").unwrap();
        assert_eq!(p.redactions().len(), 1);
    }

    #[test]
    fn shown_masks_a_secret_inside_another_value() {
        let p = with("s3cret", "https://u:s3cret@h").unwrap();
        let shown = p.shown();
        assert_eq!(shown["url"], "https://u:[REDACTED:tok]@h");
        assert_eq!(shown["tok"], "[REDACTED:tok]");
        assert_eq!(p.values["url"], "https://u:s3cret@h", "values stay usable");
    }

    const LIST: &str = "version: 1\nname: t\nparams:\n  nodes: { list: true, pattern: '^es-[0-9]+$', deny: ['^es-0$'] }\n  one: { default: x }\nsteps:\n  - id: a\n    kind: precheck\n    run: echo \"$nodes\" \"$one\"\n";

    fn list(given: &[(&str, &str)]) -> Result<Params, Vec<Diagnostic>> {
        let rb = match crate::runbook::load_str("t.yaml", LIST) {
            Ok(l) => l.runbook,
            Err(r) => panic!("{}", r.render(false)),
        };
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve(&rb, &given, |_| None)
    }

    fn refusal(given: &[(&str, &str)]) -> String {
        match list(given) {
            Ok(p) => panic!("accepted {:?}", p.values),
            Err(e) => e[0].message.clone(),
        }
    }

    #[test]
    fn a_list_comes_from_commas_or_repeated_p_and_keeps_its_order() {
        let p = list(&[("nodes", "es-2,es-1")]).unwrap();
        assert_eq!(items(&p.values["nodes"]), ["es-2", "es-1"]);
        let p = list(&[("nodes", "es-3"), ("one", "y"), ("nodes", "es-1,es-2")]).unwrap();
        assert_eq!(items(&p.values["nodes"]), ["es-3", "es-1", "es-2"]);
        assert_eq!(p.values["one"], "y");
    }

    #[test]
    fn each_item_is_checked_and_an_empty_or_repeated_one_is_refused() {
        let m = refusal(&[("nodes", "es-1,db-2")]);
        assert!(
            m.contains("item `db-2`: it does not match `pattern: '^es-[0-9]+$'`"),
            "{m}"
        );
        let m = refusal(&[("nodes", "es-1,es-0")]);
        assert!(
            m.contains("item `es-0`: it matches `deny: '^es-0$'`"),
            "{m}"
        );
        for (given, why) in [
            (vec![("nodes", "")], "a list needs at least one item"),
            (vec![("nodes", "es-1,,es-2")], "item 2 is empty"),
            (vec![("nodes", "es-1"), ("nodes", "")], "item 2 is empty"),
            (
                vec![("nodes", "es-1, es-2")],
                "item ` es-2` has spaces around it",
            ),
            (
                vec![("nodes", "es-1"), ("nodes", "es-1")],
                "item `es-1` is given twice",
            ),
            (vec![("nodes", "es-1]/x")], "item `es-1]/x` contains `]`"),
        ] {
            let m = refusal(&given);
            assert!(m.starts_with("parameter `nodes` = `"), "{m}");
            assert!(m.contains(why), "{given:?}: {m}");
        }
    }

    #[test]
    fn a_plain_parameter_given_twice_is_still_an_error() {
        let m = refusal(&[("nodes", "es-1"), ("one", "a"), ("one", "b")]);
        assert_eq!(m, "`-p one=…` is given twice");
    }

    #[test]
    fn the_error_points_at_the_rule_that_refused_an_item() {
        let e = list(&[("nodes", "es-1,es-0")]).unwrap_err();
        assert_eq!((e[0].pos.line, e[0].pos.col), (4, 55), "the deny pattern");
        let e = list(&[("nodes", "x")]).unwrap_err();
        assert_eq!((e[0].pos.line, e[0].pos.col), (4, 33), "the pattern");
    }
}
