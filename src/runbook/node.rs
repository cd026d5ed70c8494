//! A YAML-agnostic document tree in which every value remembers where it was written.
//! `load.rs` builds it; `build.rs` turns it into the runbook model.

use super::diag::Pos;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written. `plain` is false for quoted and block scalars, which are always
    /// strings; plain scalars may also read as null, a boolean or a number.
    Scalar {
        text: String,
        plain: bool,
        /// A `|` block: each line of the text sits on its own line of the file, at the
        /// column of the first, so places inside it can be pointed at.
        literal: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true, .. } if is_null_text(text))
    }

    /// What kind of value this is, for "expected a string, found a list" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar { .. } if self.is_null() => "nothing (null)",
            Value::Scalar {
                text, plain: true, ..
            } if text == "true" || text == "false" => "a boolean",
            Value::Scalar {
                text, plain: true, ..
            } if text.parse::<f64>().is_ok() => "a number",
            Value::Scalar { .. } => "a string",
        }
    }

    /// Display width of the value on its first line, for carets under it.
    pub fn width(&self) -> usize {
        match &self.value {
            Value::Scalar { text, .. } => text.lines().next().map_or(1, |l| l.chars().count()),
            _ => 1,
        }
    }
}

pub fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}
