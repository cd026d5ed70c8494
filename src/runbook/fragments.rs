//! `uses:`: the fragment files a runbook includes, read before the runbook is built. Each
//! file is parsed once (by its path relative to the runbook's directory) and gets a file
//! number that every position inside it carries (`Pos::file`), so an error in a fragment
//! names the fragment's own `file:line:column`. A chain of `uses:` that comes back to a
//! file already on it is an error naming the chain.
//!
//! Fragments sit beside or below the runbook: a path that leaves the runbook's directory
//! is refused, so that the run directory can keep a copy of every file under the same
//! relative names (`commands::runbook_copy`) and a resume reads exactly those.

use std::path::{Component, Path, PathBuf};

use super::diag::{Diagnostic, Pos, did_you_mean};
use super::node::{Node, Value};

/// More fragment files than this is a generated or runaway include graph.
pub const MAX_FILES: usize = 64;

/// The runbook (file 0) and every fragment file it reaches, in the order they were read.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path relative to the runbook's directory (`fragments/drain.yaml`); the
    /// runbook's own file name for file 0.
    pub rel: String,
    /// The name used in messages (the path as the operator would find it).
    pub shown: String,
    pub source: String,
    pub node: Node,
    /// This file's `uses:` entries.
    pub uses: Vec<UseEntry>,
}

#[derive(Debug, Clone)]
pub struct UseEntry {
    pub name: String,
    pub pos: Pos,
    /// The file it names; `None` when it could not be read (already reported).
    pub file: Option<u16>,
}

impl Library {
    /// A library of the runbook alone (text with no file around it, as in tests).
    pub fn alone(rel: &str, source: &str, node: Node) -> Library {
        Library {
            files: vec![SourceFile {
                rel: rel.to_string(),
                shown: rel.to_string(),
                source: source.to_string(),
                node,
                uses: Vec::new(),
            }],
        }
    }

    /// The fragment that name `name` stands for in file `from`.
    pub fn lookup(&self, from: u16, name: &str) -> Option<&UseEntry> {
        self.files
            .get(usize::from(from))?
            .uses
            .iter()
            .find(|u| u.name == name)
    }

    pub fn names(&self, from: u16) -> Vec<&str> {
        self.files
            .get(usize::from(from))
            .map(|f| f.uses.iter().map(|u| u.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// Every fragment file (not the runbook), with its relative path and text.
    pub fn fragments(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().skip(1)
    }
}

/// Reads every file the runbook's `uses:` reaches, starting from `lib.files[0]`, relative
/// to `root` (the runbook's directory, or the directory of a run's kept copies).
/// `read` returns a file's text or a diagnostic for it.
pub fn read_all(
    lib: &mut Library,
    root: &Path,
    read: &dyn Fn(&Path) -> Result<String, Diagnostic>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut chain = vec![0u16];
    visit(lib, root, read, &mut chain, diags);
}

fn visit(
    lib: &mut Library,
    root: &Path,
    read: &dyn Fn(&Path) -> Result<String, Diagnostic>,
    chain: &mut Vec<u16>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(&at) = chain.last() else {
        return;
    };
    let entries = declared(&lib.files[usize::from(at)].node, diags);
    let dir = if at == 0 {
        PathBuf::new()
    } else {
        Path::new(&lib.files[usize::from(at)].rel)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    for (name, name_pos, path, path_node) in entries {
        let mut entry = UseEntry {
            name,
            pos: name_pos,
            file: None,
        };
        let Some(rel) = normalise(&dir.join(&path)) else {
            diags.push(
                Diagnostic::error(path_node.pos, format!("fragment `{path}` lies outside the runbook's directory"))
                    .width(path_node.width())
                    .hint("keep fragments beside or below the runbook (e.g. `fragments/drain.yaml`): the run directory keeps a copy of each under the same relative path"),
            );
            lib.files[usize::from(at)].uses.push(entry);
            continue;
        };
        if let Some(known) = lib.files.iter().position(|f| f.rel == rel) {
            let known = u16::try_from(known).unwrap_or(u16::MAX);
            if let Some(k) = chain.iter().position(|&f| f == known) {
                let names: Vec<&str> = chain[k..]
                    .iter()
                    .map(|&f| lib.files[usize::from(f)].shown.as_str())
                    .chain([lib.files[usize::from(known)].shown.as_str()])
                    .collect();
                diags.push(
                    Diagnostic::error(path_node.pos, format!("fragments include each other in a circle: {}", names.join(" → ")))
                        .width(path_node.width())
                        .hint("a fragment cannot use, directly or through others, a file that uses it; move the shared steps into a fragment of their own"),
                );
            } else {
                entry.file = Some(known);
            }
            lib.files[usize::from(at)].uses.push(entry);
            continue;
        }
        if lib.files.len() > MAX_FILES {
            diags.push(
                Diagnostic::error(path_node.pos, format!("more than {MAX_FILES} fragment files"))
                    .hint("a runbook this large is generated or includes in a loop; split it into several runbooks"),
            );
            lib.files[usize::from(at)].uses.push(entry);
            continue;
        }
        let full = root.join(&rel);
        let index = u16::try_from(lib.files.len()).unwrap_or(u16::MAX);
        let shown = full.display().to_string();
        let source = match read(&full) {
            Ok(s) => s,
            Err(d) => {
                diags.push(
                    Diagnostic::error(
                        path_node.pos,
                        format!("cannot read fragment `{path}`: {}", d.message),
                    )
                    .width(path_node.width())
                    .hint(d.hint.unwrap_or_else(|| {
                        format!("the path is relative to the file that names it: {shown}")
                    })),
                );
                lib.files[usize::from(at)].uses.push(entry);
                continue;
            }
        };
        let node = match super::load::parse(&source) {
            Ok(mut n) => {
                place(&mut n, index);
                n
            }
            Err(mut d) => {
                d.pos.file = index;
                diags.push(d);
                // Kept, so that the error can show its line.
                Node {
                    pos: Pos::default(),
                    value: Value::Map(Vec::new()),
                }
            }
        };
        lib.files.push(SourceFile {
            rel,
            shown,
            source,
            node,
            uses: Vec::new(),
        });
        entry.file = Some(index);
        lib.files[usize::from(at)].uses.push(entry);
        chain.push(index);
        visit(lib, root, read, chain, diags);
        chain.pop();
    }
}

/// The `uses:` entries of one file: name, its place, the path and its node.
fn declared(root: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(String, Pos, String, Node)> {
    let Value::Map(pairs) = &root.value else {
        return Vec::new();
    };
    let Some((_, uses)) = pairs
        .iter()
        .find(|(k, _)| matches!(&k.value, Value::Scalar { text, .. } if text == "uses"))
    else {
        return Vec::new();
    };
    let Value::Map(entries) = &uses.value else {
        if !uses.is_null() {
            diags.push(
                Diagnostic::error(
                    uses.pos,
                    format!("`uses` must be a mapping, found {}", uses.describe()),
                )
                .hint(
                    "write `uses: { drain: fragments/drain.yaml }`: a name for each fragment file",
                ),
            );
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let Value::Scalar { text: name, .. } = &k.value else {
            diags.push(Diagnostic::error(
                k.pos,
                "a `uses` name must be a plain name",
            ));
            continue;
        };
        if let Some(d) = super::names::step_id(name, k.pos, k.width()) {
            diags.push(d);
            continue;
        }
        match &v.value {
            Value::Scalar { text, .. } if !v.is_null() && !text.trim().is_empty() => {
                out.push((name.clone(), k.pos, text.clone(), v.clone()));
            }
            _ => diags.push(
                Diagnostic::error(v.pos, format!("fragment `{name}` names no file"))
                    .hint("give the fragment's path, relative to this file: `drain: fragments/drain.yaml`"),
            ),
        }
    }
    out
}

/// `a/./b/../c.yaml` → `a/c.yaml`; `None` if it is absolute or climbs above the root.
fn normalise(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Marks every position in a fragment's tree with its file number.
fn place(node: &mut Node, file: u16) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        n.pos.file = file;
        match &mut n.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
}

/// "did you mean" over the names file `from` declares, for an unknown `use:`.
pub fn unknown_hint(lib: &Library, from: u16, name: &str) -> String {
    let names = lib.names(from);
    match did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => format!(
            "declare the fragment's file at the top of this file: `uses: {{ {name}: fragments/{name}.yaml }}`"
        ),
        None => format!(
            "the fragments this file declares under `uses:` are: {}",
            names.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_below_the_root() {
        assert_eq!(
            normalise(Path::new("a/./b/../c.yaml")).as_deref(),
            Some("a/c.yaml")
        );
        assert_eq!(normalise(Path::new("../x.yaml")), None);
        assert_eq!(normalise(Path::new("/etc/passwd")), None);
        assert_eq!(normalise(Path::new("lib/../../x.yaml")), None);
    }
}
