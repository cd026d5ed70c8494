//! The only module that knows YAML: reads a runbook file into a [`Node`] tree with
//! positions, refusing hostile input (huge files, alias bombs, deep nesting, several
//! documents, custom tags) with a located error before anything else looks at it.
//!
//! `saphyr-parser` is used instead of `serde_yaml` because serde_yaml (deprecated upstream)
//! cannot say where a value was written, and every runbook error must name
//! `file:line:column`. Its pull API (`next_event`) is iterative, so nesting depth is ours
//! to bound; its recursive `load` is deliberately not used.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::diag::{Diagnostic, Pos};
use super::node::{Node, Value};

/// Larger runbooks are refused before parsing: a 10,000-step runbook is about 2 MiB.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Values in the document after alias expansion; caps an alias bomb's memory.
pub const MAX_NODES: usize = 500_000;
/// Scalar text in the document after alias expansion. Without aliases the text is never
/// longer than the file, so twice the file cap refuses only expansion: one large anchored
/// scalar aliased many times costs few values but a lot of memory.
pub const MAX_TEXT_BYTES: usize = 2 * MAX_BYTES as usize;
/// Runbooks nest five or six levels; 64 leaves room and stops `[[[[…` bombs.
pub const MAX_DEPTH: usize = 64;

/// Parses runbook text. Errors are located; nothing here panics on any input.
pub fn parse(source: &str) -> Result<Node, Diagnostic> {
    if source.trim().is_empty() {
        return Err(Diagnostic::error(Pos::new(1, 1), "the runbook is empty")
            .hint("a runbook starts with `version: 1`, a `name:` and a list of `steps:`"));
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let at = pos(e.marker().line(), e.marker().col());
            if e.info().contains("recursion limit") {
                too_deep(at)
            } else {
                Diagnostic::error(at, format!("invalid YAML: {}", e.info()))
                    .hint("check indentation and quoting around this point")
            }
        })?;
        if builder.event(event, span)? {
            break;
        }
    }
    builder.finish()
}

fn pos(line: usize, col: usize) -> Pos {
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Pos::new(clamp(line.max(1)), clamp(col + 1))
}

enum Open {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, (Node, Weight)>,
    root: Option<Node>,
    documents: usize,
    total: Weight,
}

/// What a value costs once expanded: how many values, and how many bytes of text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Weight {
    nodes: usize,
    bytes: usize,
}

impl Builder {
    /// Feeds one event; returns true at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, Diagnostic> {
        let at = pos(span.start.line(), span.start.col());
        match event {
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(
                        Diagnostic::error(at, "a runbook file holds one YAML document").hint(
                            "remove this `---` and what follows, or split it into its own file",
                        ),
                    );
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(tag) = tag
                    && (!tag.is_yaml_core_schema() || tag.suffix != "str")
                {
                    return Err(Diagnostic::error(
                        at,
                        format!("YAML tag `{tag}` is not supported"),
                    )
                    .hint("runbooks use plain values; quote the value if it is a string"));
                }
                let weight = Weight {
                    nodes: 1,
                    bytes: text.len(),
                };
                let node = Node {
                    pos: at,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                        literal: style == ScalarStyle::Literal,
                    },
                };
                self.push(node, anchor, weight)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if let Some(tag) = tag {
                    return Err(Diagnostic::error(
                        at,
                        format!("YAML tag `{tag}` is not supported"),
                    )
                    .hint("remove the tag (`!…`): a runbook is plain YAML"));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(too_deep(at));
                }
                self.count(Weight { nodes: 1, bytes: 0 }, at)?;
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Open::Seq(at, anchor, Vec::new())
                    } else {
                        Open::Map(at, anchor, Vec::new(), None)
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Open::Seq(p, a, items)) => (
                        Node {
                            pos: p,
                            value: Value::Seq(items),
                        },
                        a,
                    ),
                    Some(Open::Map(p, a, pairs, _)) => (
                        Node {
                            pos: p,
                            value: Value::Map(pairs),
                        },
                        a,
                    ),
                    None => {
                        return Err(Diagnostic::error(at, "unbalanced YAML collection")
                            .hint("check the brackets and indentation around this line"));
                    }
                };
                let weight = weight_of(&node);
                self.attach(node, anchor, weight)?;
            }
            Event::Alias(id) => {
                let Some(weight) = self.anchors.get(&id).map(|(_, w)| *w) else {
                    return Err(Diagnostic::error(at, "alias to an unknown anchor").hint(
                        "define the anchor (`&name`) before the alias (`*name`) that uses it",
                    ));
                };
                // The copy is what costs memory; count it before making it.
                self.count(weight, at)?;
                let Some(node) = self.anchors.get(&id).map(|(n, _)| relocate(n.clone(), at)) else {
                    return Err(Diagnostic::error(at, "alias to an unknown anchor").hint(
                        "define the anchor (`&name`) before the alias (`*name`) that uses it",
                    ));
                };
                self.attach(node, 0, weight)?;
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
        Ok(false)
    }

    fn count(&mut self, w: Weight, at: Pos) -> Result<(), Diagnostic> {
        self.total.nodes = self.total.nodes.saturating_add(w.nodes);
        self.total.bytes = self.total.bytes.saturating_add(w.bytes);
        let what = if self.total.nodes > MAX_NODES {
            format!("{MAX_NODES} values")
        } else if self.total.bytes > MAX_TEXT_BYTES {
            format!("{} MiB of text", MAX_TEXT_BYTES >> 20)
        } else {
            return Ok(());
        };
        Err(
            Diagnostic::error(at, format!("the document expands to more than {what}")).hint(
                "YAML aliases (`*name`) multiply what they point at; this looks like an alias bomb",
            ),
        )
    }

    fn push(&mut self, node: Node, anchor: usize, w: Weight) -> Result<(), Diagnostic> {
        self.count(w, node.pos)?;
        self.attach(node, anchor, w)
    }

    fn attach(&mut self, node: Node, anchor: usize, w: Weight) -> Result<(), Diagnostic> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), w));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, pairs, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
        Ok(())
    }

    fn finish(self) -> Result<Node, Diagnostic> {
        self.root.ok_or_else(|| {
            Diagnostic::error(Pos::new(1, 1), "the runbook has no content")
                .hint("a runbook starts with `version: 1`, a `name:` and a list of `steps:`")
        })
    }
}

fn too_deep(at: Pos) -> Diagnostic {
    Diagnostic::error(
        at,
        format!("the document nests deeper than {MAX_DEPTH} levels"),
    )
    .hint("runbooks need only a few levels; this looks like generated or hostile input")
}

fn weight_of(node: &Node) -> Weight {
    let add = |a: Weight, b: Weight| Weight {
        nodes: a.nodes.saturating_add(b.nodes),
        bytes: a.bytes.saturating_add(b.bytes),
    };
    let one = Weight { nodes: 1, bytes: 0 };
    match &node.value {
        Value::Scalar { text, .. } => Weight {
            nodes: 1,
            bytes: text.len(),
        },
        Value::Seq(items) => items.iter().map(weight_of).fold(one, add),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| add(weight_of(k), weight_of(v)))
            .fold(one, add),
    }
}

/// An alias reports errors at the place it is used, not at the anchor.
fn relocate(mut node: Node, at: Pos) -> Node {
    node.pos = at;
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> Diagnostic {
        parse(src).expect_err("should be refused")
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let doc = parse("version: 1\nsteps:\n  - id: a\n").unwrap();
        let Value::Map(pairs) = &doc.value else {
            panic!()
        };
        assert_eq!(pairs[1].0.pos, Pos::new(2, 1));
        let Value::Seq(items) = &pairs[1].1.value else {
            panic!()
        };
        let Value::Map(step) = &items[0].value else {
            panic!()
        };
        assert_eq!(step[0].1.pos, Pos::new(3, 9));
    }

    #[test]
    fn refuses_empty_input() {
        assert!(err("").message.contains("empty"));
        assert!(err("\n  \n").message.contains("empty"));
    }

    #[test]
    fn refuses_syntax_errors_with_location() {
        let d = err("a: [1, 2\nb: c\n");
        assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
        assert!(d.pos.line >= 1);
    }

    #[test]
    fn refuses_alias_bomb_quickly() {
        let names: Vec<char> = ('a'..='l').collect();
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let refs = vec![format!("*{prev}"); 10].join(", ");
            src.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        assert!(err(&src).message.contains("expands to more than"));
    }

    #[test]
    fn refuses_a_large_scalar_aliased_many_times_by_its_bytes() {
        let big = "x".repeat(1 << 20);
        let refs = vec!["*b"; 40].join(", ");
        let d = err(&format!("big: &b {big}\nrefs: [{refs}]\n"));
        assert!(d.message.contains("MiB of text"), "{}", d.message);
        assert_eq!(d.pos.line, 2);
        // Below the cap the same shape loads.
        assert!(parse(&format!("big: &b {big}\nrefs: [*b, *b]\n")).is_ok());
    }

    #[test]
    fn nested_anchors_count_the_text_they_hold() {
        let big = "y".repeat(1 << 20);
        let src = format!("a: &a [{big}, {big}]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b]\n");
        assert!(err(&src).message.contains("MiB of text"));
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let src = "[".repeat(200_000);
        assert!(err(&src).message.contains("nests deeper"));
        let src = "a:\n".to_string()
            + &(1..100)
                .map(|i| format!("{}b{i}:\n", " ".repeat(i)))
                .collect::<String>();
        assert!(err(&src).message.contains("nests deeper"));
    }

    #[test]
    fn refuses_several_documents_and_tags() {
        assert!(
            err("a: 1\n---\nb: 2\n")
                .message
                .contains("one YAML document")
        );
        assert!(err("a: !!binary aGk=\n").message.contains("tag"));
        assert!(err("a: !custom {}\n").message.contains("tag"));
    }

    #[test]
    fn aliases_expand_to_the_anchored_value() {
        let doc = parse("a: &r {attempts: 3}\nb: *r\n").unwrap();
        let Value::Map(pairs) = &doc.value else {
            panic!()
        };
        assert_eq!(pairs[0].1.value, pairs[1].1.value);
        assert_eq!(pairs[1].1.pos, Pos::new(2, 4));
    }
}
