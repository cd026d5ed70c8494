//! Prose cut short by a comment: in an unquoted (plain) YAML scalar, ` #` starts a comment,
//! so `instructions: Post in #inc-4411` says only "Post in", and the person doing the step
//! never reads the channel. The loader cannot know that was not meant; `check` warns where
//! a prose value ends just before a `#` on its own last line.

use super::diag::{Diagnostic, Pos};
use super::node::{Node, Value};

/// Keys whose values people read: a cut there loses words someone needed.
const PROSE: &[&str] = &["instructions", "manual", "title", "description"];

/// A warning for each prose value a ` #` comment cut short.
pub fn cut_by_comment(root: &Node, source: &str) -> Vec<Diagnostic> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    walk(root, &lines, &mut out);
    out
}

fn walk(node: &Node, lines: &[&str], out: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Map(pairs) => {
            for (k, v) in pairs {
                if let (
                    Value::Scalar { text: key, .. },
                    Value::Scalar {
                        text, plain: true, ..
                    },
                ) = (&k.value, &v.value)
                    && PROSE.contains(&key.as_str())
                    && let Some(d) = check(key, text, v.pos, lines)
                {
                    out.push(d);
                }
                walk(v, lines, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|n| walk(n, lines, out)),
        Value::Scalar { .. } => {}
    }
}

/// Follows the scalar's words through the source from where it starts (a plain scalar
/// folds line breaks into single spaces) to where it ends; a comment right after that end,
/// on the same line, cut it.
fn check(key: &str, text: &str, at: Pos, lines: &[&str]) -> Option<Diagnostic> {
    let mut line = at.line.checked_sub(1)? as usize;
    let mut rest: &str = {
        let first = lines.get(line)?;
        let skip: usize = first
            .chars()
            .take(at.col.saturating_sub(1) as usize)
            .map(char::len_utf8)
            .sum();
        first.get(skip..)?
    };
    let mut col = at.col as usize;
    for word in text.split_whitespace() {
        loop {
            let trimmed = rest.trim_start();
            col += rest[..rest.len() - trimmed.len()].chars().count();
            rest = trimmed;
            if rest.is_empty() {
                line += 1;
                rest = lines.get(line)?;
                col = 1;
                continue;
            }
            break;
        }
        rest = rest.strip_prefix(word)?;
        col += word.chars().count();
    }
    let after = rest.trim_start();
    // `# why` after a value is a comment someone meant; `#inc-4411`, `#7`, `#channel`
    // right against the `#` are words that were meant to be read.
    let meant_as_comment = after.chars().nth(1).is_none_or(char::is_whitespace);
    if !after.starts_with('#') || after.len() == rest.len() || meant_as_comment {
        return None;
    }
    let col = col + rest.len() - after.len();
    let last: String = text.split_whitespace().last().unwrap_or("").to_string();
    Some(
        Diagnostic::warning(
            Pos::new(line as u32 + 1, col as u32),
            format!(
                "`{key}` ends at “…{last}”: the ` #` after it starts a YAML comment, so “{}” is not part of it",
                crate::runbook::diag::printable(after.trim_end())
            ),
        )
        .width(after.trim_end().chars().count().max(1))
        .hint(format!(
            "quote the whole value ('…'), or write it as a block (`{key}: |` with the text on the lines below), to keep the `#`"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::load::parse;

    fn warnings(src: &str) -> Vec<String> {
        cut_by_comment(&parse(src).unwrap(), src)
            .into_iter()
            .map(|d| format!("{}:{} {}", d.pos.line, d.pos.col, d.message))
            .collect()
    }

    #[test]
    fn a_hash_that_cut_instructions_is_warned_about_where_it_stands() {
        let src = "steps:\n  - id: tell\n    instructions: Post in #inc-4411 now\n";
        assert_eq!(
            warnings(src),
            [
                "3:27 `instructions` ends at “…in”: the ` #` after it starts a YAML comment, so “#inc-4411 now” is not part of it"
            ]
        );
        // On the last line of a value folded over several lines.
        let src = "steps:\n  - id: tell\n    instructions: Post the status\n      in #inc-4411\n";
        assert_eq!(warnings(src).len(), 1, "{:?}", warnings(src));
        assert!(warnings(src)[0].starts_with("4:10 "), "{:?}", warnings(src));
    }

    #[test]
    fn quoted_block_and_commented_on_purpose_are_left_alone() {
        for src in [
            "steps:\n  - id: tell\n    instructions: 'Post in #inc-4411'\n",
            "steps:\n  - id: tell\n    instructions: |\n      Post in #inc-4411\n",
            "steps:\n  - id: tell\n    instructions: Post in C#\n",
            "steps:\n  - id: tell\n    run: echo hi #a comment on a command is fine\n",
            "steps:\n  - id: tell\n    title: Tell them   # a comment someone meant\n",
        ] {
            assert!(warnings(src).is_empty(), "{src}: {:?}", warnings(src));
        }
    }
}
