//! `{{ name }}` templates. They fill argv elements, expectations and display text — never
//! shell text: a `run:` script sees values only as environment variables.

use std::collections::BTreeMap;
use std::fmt;

use super::diag::Pos;

/// A piece of text with `{{ name }}` holes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// A variable, with its byte offset in the text and, once the loader has placed the
    /// template in the file, its position there (for carets).
    Var {
        name: String,
        offset: usize,
        pos: Pos,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

impl Template {
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Lit(text.to_string())],
        }
    }

    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut base = 0;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(TemplateError {
                    offset: base + open,
                    message: "`{{` is not closed by `}}`".into(),
                });
            };
            let name = after[..close].trim();
            if !is_identifier(name) {
                return Err(TemplateError {
                    offset: base + open,
                    message: format!("`{{{{{}}}}}` is not a variable name", &after[..close]),
                });
            }
            parts.push(Part::Var {
                name: name.to_string(),
                offset: base + open,
                pos: Pos::default(),
            });
            let consumed = open + 2 + close + 2;
            base += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template { parts })
    }

    pub fn vars(&self) -> impl Iterator<Item = (&str, usize)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, offset, .. } => Some((name.as_str(), *offset)),
            Part::Lit(_) => None,
        })
    }

    /// Variables with their positions in the runbook file.
    pub fn placed_vars(&self) -> impl Iterator<Item = (&str, Pos)> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, pos, .. } => Some((name.as_str(), *pos)),
            Part::Lit(_) => None,
        })
    }

    /// Records where each variable sits in the file, given a function from byte offset to
    /// position.
    pub fn place(&mut self, at: impl Fn(usize) -> Pos) {
        for part in &mut self.parts {
            if let Part::Var { offset, pos, .. } = part {
                *pos = at(*offset);
            }
        }
    }

    /// Fills the holes; an unknown name renders as `<name>` (lint has refused those
    /// already, and a capture not yet taken shows up this way in `plan`).
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        self.render_with(|name| values.get(name).cloned())
    }

    pub fn render_with(&self, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(text) => out.push_str(text),
                Part::Var { name, .. } => match lookup(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                    }
                },
            }
        }
        out
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Lit(text) => f.write_str(text)?,
                Part::Var { name, .. } => write!(f, "{{{{ {name} }}}}")?,
            }
        }
        Ok(())
    }
}

/// Names usable both in templates and as environment variables.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// If `text` is exactly one `{{ name }}`, the name.
pub fn whole_var(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (is_identifier(inner)).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_and_variables() {
        let t = Template::parse("policy {{ policy_id }} on {{ou}}!").unwrap();
        assert_eq!(
            t.vars().collect::<Vec<_>>(),
            vec![("policy_id", 7), ("ou", 26)]
        );
        let mut values = BTreeMap::new();
        values.insert("policy_id".to_string(), "p-1".to_string());
        assert_eq!(t.render(&values), "policy p-1 on <ou>!");
        assert_eq!(t.to_string(), "policy {{ policy_id }} on {{ ou }}!");
    }

    #[test]
    fn refuses_unclosed_and_non_names() {
        assert_eq!(Template::parse("a {{ b").unwrap_err().offset, 2);
        assert!(
            Template::parse("{{ $(rm) }}")
                .unwrap_err()
                .message
                .contains("not a variable")
        );
    }

    #[test]
    fn recognises_whole_variables() {
        assert_eq!(whole_var("{{ ou_id }}"), Some("ou_id"));
        assert_eq!(whole_var("--target={{ ou_id }}"), None);
        assert!(is_identifier("_a1") && !is_identifier("1a") && !is_identifier("a-b"));
    }
}
