//! Typed reads from the [`Node`] tree that record every problem and carry on, so that one
//! `check` reports all errors at once.

use std::time::Duration;

use regex::RegexBuilder;

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::duration;
use super::model::{Layout, Pattern};
use super::node::{Node, Value};
use super::template::Template;

#[derive(Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
    /// Compiled regexes by source: generated runbooks repeat the same few thousands of times.
    regexes: std::collections::HashMap<String, regex::Regex>,
    /// The runbook's file and the fragments it reaches (`use:` steps are read from them).
    pub lib: std::sync::Arc<super::fragments::Library>,
    /// How many `use:` steps deep the reading is.
    pub use_depth: usize,
}

/// A mapping whose keys have been checked against the keys its place accepts.
pub struct Fields<'a> {
    pub pos: Pos,
    pairs: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Fields<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.pairs
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        self.pairs
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| k.pos)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// All pairs in source order (for mappings with free keys, like `params`).
    pub fn pairs(&self) -> impl Iterator<Item = (&'a str, &'a Node, &'a Node)> + '_ {
        self.pairs.iter().copied()
    }
}

/// What a value of the expected shape looks like in YAML: the hint under a type error.
fn shape_hint(expected: &str) -> String {
    match expected {
        e if e.starts_with("a mapping") => {
            "write `key: value` pairs, indented under it, or `{ key: value }` on one line".into()
        }
        "a list" => {
            "write one `- item` per line, indented under it, or `[a, b]` on one line".into()
        }
        "a string" => "quote it ('…') to make it text".into(),
        "true or false" => "write `true` or `false`, unquoted".into(),
        "a whole number" => "write digits only, unquoted (e.g. `3`)".into(),
        other => format!("write {other} here"),
    }
}

impl Cx {
    /// A reader of the runbook in `lib` (and of the fragments it reaches).
    pub fn with_lib(lib: std::sync::Arc<super::fragments::Library>) -> Cx {
        Cx {
            lib,
            ..Cx::default()
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn type_error(&mut self, node: &Node, what: &str, expected: &str) {
        self.error(
            Diagnostic::error(
                node.pos,
                format!("{what} must be {expected}, found {}", node.describe()),
            )
            .width(node.width())
            .hint(shape_hint(expected)),
        );
    }

    /// Reads a mapping; with `known`, any other key is an error with a suggestion.
    pub fn map<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        known: Option<&[&str]>,
    ) -> Option<Fields<'a>> {
        let Value::Map(pairs) = &node.value else {
            if !node.is_null() || known.is_none() {
                self.type_error(node, what, "a mapping");
            } else {
                self.type_error(node, what, "a mapping (it is empty)");
            }
            // Say what the mapping holds, so the fix is one read away.
            if let (Some(known), Some(d)) = (known, self.diags.last_mut()) {
                let example = known.first().copied().unwrap_or("key");
                d.hint = Some(format!(
                    "write it as `{{ {example}: … }}`; {what} takes: {}",
                    known.join(", ")
                ));
            }
            return None;
        };
        let mut out: Vec<(&'a str, &'a Node, &'a Node)> = Vec::new();
        for (k, v) in pairs {
            let Value::Scalar { text, .. } = &k.value else {
                self.error(
                    Diagnostic::error(k.pos, format!("keys in {what} must be plain words"))
                        .hint("write a plain name before the colon, e.g. `name: value`"),
                );
                continue;
            };
            if let Some((_, first, _)) = out.iter().find(|(name, _, _)| *name == text.as_str()) {
                self.error(
                    Diagnostic::error(k.pos, format!("`{text}` is given twice in {what}"))
                        .width(text.chars().count())
                        .hint(format!("the first is at line {}; keep one", first.pos.line)),
                );
                continue;
            }
            if let Some(known) = known
                && !known.contains(&text.as_str())
            {
                let hint = match did_you_mean(text, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("{what} takes: {}", known.join(", ")),
                };
                self.error(
                    Diagnostic::error(k.pos, format!("unknown key `{text}` in {what}"))
                        .width(text.chars().count())
                        .hint(hint),
                );
                continue;
            }
            out.push((text.as_str(), k, v));
        }
        Some(Fields {
            pos: node.pos,
            pairs: out,
        })
    }

    /// A file's `version`, which must be there and be 1: `what` is the kind of file
    /// (`runbook`, `fragment`), both read by one rule.
    pub fn version(&mut self, top: &Fields<'_>, what: &str) {
        match top.get("version") {
            None => self.error(
                Diagnostic::error(top.pos, format!("the {what} has no `version`"))
                    .hint("add `version: 1` as the first line"),
            ),
            Some(v) => {
                if let Some(n) = self.int(v, "`version`", 0..=i64::from(u32::MAX))
                    && n != 1
                {
                    self.error(
                        Diagnostic::error(
                            v.pos,
                            format!("{what} format version {n} is not supported"),
                        )
                        .width(v.width())
                        .hint("this shisa reads `version: 1`"),
                    );
                }
            }
        }
    }

    pub fn seq<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.type_error(node, what, "a list");
                None
            }
        }
    }

    /// Any non-null scalar, as written (a number is read as its text).
    pub fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
            _ => {
                self.type_error(node, what, "a string");
                None
            }
        }
    }

    /// A string, or a list of strings.
    pub fn strings<'a>(&mut self, node: &'a Node, what: &str) -> Vec<(String, &'a Node)> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| self.string(n, what).map(|s| (s, n)))
                .collect(),
            _ => self
                .string(node, what)
                .map(|s| vec![(s, node)])
                .unwrap_or_default(),
        }
    }

    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.value {
            Value::Scalar {
                text, plain: true, ..
            } if text == "true" => Some(true),
            Value::Scalar {
                text, plain: true, ..
            } if text == "false" => Some(false),
            _ => {
                self.type_error(node, what, "true or false");
                None
            }
        }
    }

    pub fn int(
        &mut self,
        node: &Node,
        what: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let value = match &node.value {
            Value::Scalar {
                text, plain: true, ..
            } => text.parse::<i64>().ok(),
            _ => None,
        };
        match value {
            Some(v) if range.contains(&v) => Some(v),
            Some(v) => {
                self.error(
                    Diagnostic::error(
                        node.pos,
                        format!(
                            "{what} is {v}; it must be from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                    .width(node.width())
                    .hint(format!(
                        "write a whole number from {} to {}",
                        range.start(),
                        range.end()
                    )),
                );
                None
            }
            None => {
                self.type_error(node, what, "a whole number");
                None
            }
        }
    }

    /// A pattern that may read values (`must_match`, `deny`, `stdout_matches`): each
    /// `{{ name }}` stands for the value, regex-escaped.
    pub fn pattern_with_values(&mut self, node: &Node, what: &str) -> Option<Pattern> {
        let source = self.string(node, what)?;
        if !Template::parse(&source).is_ok_and(|t| t.vars().next().is_some()) {
            return self.pattern(node, what);
        }
        let t = self.template_text(node, &source, what)?;
        // Checked with a stand-in value: escaped values are literals, so any value compiles.
        let sample = t.render_with(|_| Some("x".into()));
        let regex = self.compile(node, &sample, what)?;
        Some(Pattern {
            source,
            regex,
            pos: node.pos,
            template: Some(t),
        })
    }

    pub fn patterns_with_values(&mut self, node: &Node, what: &str) -> Vec<Pattern> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        items
            .into_iter()
            .filter_map(|n| self.pattern_with_values(n, what))
            .collect()
    }

    pub fn pattern(&mut self, node: &Node, what: &str) -> Option<Pattern> {
        let source = self.string(node, what)?;
        if let Some((name, at)) = Template::parse(&source)
            .ok()
            .and_then(|t| t.vars().next().map(|(n, at)| (n.to_string(), at)))
        {
            self.error(
                Diagnostic::error(pos_in(node, at), format!("{what} cannot read a value (`{{{{ {name} }}}}`)"))
                    .width(name.len() + 6)
                    .hint("values may appear in `must_match`, `deny` and `stdout_matches` (as literal text); elsewhere write the pattern out"),
            );
            return None;
        }
        let regex = self.compile(node, &source, what)?;
        Some(Pattern {
            source,
            regex,
            pos: node.pos,
            template: None,
        })
    }

    fn compile(&mut self, node: &Node, source: &str, what: &str) -> Option<regex::Regex> {
        if let Some(regex) = self.regexes.get(source) {
            return Some(regex.clone());
        }
        match RegexBuilder::new(source).size_limit(1 << 20).build() {
            Ok(regex) => {
                self.regexes.insert(source.to_string(), regex.clone());
                Some(regex)
            }
            Err(e) => {
                let detail = e.to_string();
                let last = detail.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
                let last = last.trim().trim_start_matches("error:").trim();
                self.error(
                    Diagnostic::error(node.pos, format!("{what} is not a valid regular expression: {last}"))
                        .width(node.width())
                        .hint("the syntax is Rust's `regex` crate (no look-around or backreferences); quote it in single quotes"),
                );
                None
            }
        }
    }

    pub fn patterns(&mut self, node: &Node, what: &str) -> Vec<Pattern> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        items
            .into_iter()
            .filter_map(|n| self.pattern(n, what))
            .collect()
    }

    pub fn template(&mut self, node: &Node, what: &str) -> Option<Template> {
        let text = self.string(node, what)?;
        self.template_text(node, &text, what)
    }

    pub fn template_text(&mut self, node: &Node, text: &str, what: &str) -> Option<Template> {
        match Template::parse(text) {
            Ok(mut t) => {
                t.place(|offset| pos_in(node, offset));
                Some(t)
            }
            Err(e) => {
                self.error(
                    Diagnostic::error(pos_in(node, e.offset), format!("{what}: {}", e.message))
                        .hint("a variable is written `{{ name }}`"),
                );
                None
            }
        }
    }

    pub fn duration(&mut self, node: &Node, what: &str) -> Option<Duration> {
        let text = self.string(node, what)?;
        match duration::parse(&text) {
            Ok(d) => Some(d),
            Err(msg) => {
                self.error(
                    Diagnostic::error(node.pos, format!("{what}: {msg}"))
                        .width(node.width())
                        .hint("durations look like `500ms`, `30s`, `2m` or `1h30m`"),
                );
                None
            }
        }
    }
}

/// The position of a byte offset inside a scalar.
pub fn pos_in(node: &Node, offset: usize) -> Pos {
    match &node.value {
        Value::Scalar { text, .. } => layout(node).pos(node.pos, text, offset),
        _ => node.pos,
    }
}

/// How a scalar lies in the file. A folded or multi-line quoted scalar has lost the link
/// between its text and the file's lines, so places in it are shown at its start.
pub fn layout(node: &Node) -> Layout {
    match &node.value {
        Value::Scalar { text, plain, .. } if !text.contains('\n') => {
            Layout::Line { quoted: !plain }
        }
        // A block starting with blank lines: where its first line is, is not known.
        Value::Scalar {
            text,
            literal: true,
            ..
        } if !text.starts_with('\n') => Layout::Block,
        _ => Layout::Start,
    }
}
