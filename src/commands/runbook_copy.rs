//! The runbook as the run used it, kept in the run directory: `resume` reads
//! that copy, so moving, editing or deleting the file does not strand the run; and
//! `resume --runbook FILE --reason TEXT` continues with an edited runbook only where every
//! step the run has finished is defined exactly as before.
//!
//! Copies are named by their SHA-256 (`runbook-<first 16 hex>.yaml`); the journal says
//! which one is current: `run_started`'s, or the last `runbook_changed`'s.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::{Engine, RunbookChange};
use crate::exit::{Error, Result};
use crate::journal::record::{Actor, Body, Record};
use crate::runbook::model::Step;
use crate::runbook::params::{Params, is_masked};
use crate::runbook::{Loaded, Runbook, load_file, load_file_in};

pub fn name(sha256: &str) -> String {
    format!("runbook-{}.yaml", &sha256[..sha256.len().min(16)])
}

/// Writes the runbook's exact bytes into the run directory and makes them durable, before
/// any record names their hash; the fragments it uses go under `runbook-<hash>.d/`, by
/// their paths relative to the runbook. An identical copy already there is kept.
pub fn keep(run_dir: &Path, loaded: &Loaded) -> std::io::Result<PathBuf> {
    let path = run_dir.join(name(&loaded.sha256));
    for f in &loaded.fragments {
        let to = fragments_dir(&path).join(&f.rel);
        if let Some(dir) = to.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        write_once(&to, f.source.as_bytes())?;
        if let Some(dir) = to.parent() {
            crate::journal::writer::sync_dir(dir)?;
        }
    }
    write_once(&path, loaded.source.as_bytes())?;
    crate::journal::writer::sync_dir(run_dir)?;
    Ok(path)
}

fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if fs::read(path).is_ok_and(|had| had == bytes) {
        return Ok(());
    }
    let mut f = fs::File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Where the fragments of a kept copy are: `runbook-<hash>.d/`.
fn fragments_dir(copy: &Path) -> PathBuf {
    copy.with_extension("d")
}

/// Loads a kept copy, its fragments read from the copies kept beside it.
pub fn load_copy(copy: &Path) -> std::result::Result<Loaded, crate::runbook::Report> {
    load_file_in(copy, &fragments_dir(copy))
}

/// The copy of the runbook with this hash, if the run directory holds it (runs from before
/// copies were kept do not).
pub fn find(run_dir: &Path, sha256: &str) -> Option<PathBuf> {
    let path = run_dir.join(name(sha256));
    path.is_file().then_some(path)
}

/// The runbook the journal says the run uses now: its path as first given, and the hash
/// of the current definition.
pub fn current(records: &[Record]) -> Option<(String, String)> {
    let Some(Body::RunStarted { runbook, .. }) = records.first().map(|r| &r.body) else {
        return None;
    };
    let sha = records
        .iter()
        .rev()
        .find_map(|r| match &r.body {
            Body::RunbookChanged { to_sha256, .. } => Some(to_sha256.clone()),
            _ => None,
        })
        .unwrap_or_else(|| runbook.sha256.clone());
    Some((runbook.path.clone(), sha))
}

/// The runbook a resume goes on with.
pub struct Chosen {
    pub loaded: Loaded,
    /// Where the runbook sits: its `path:` entries and `$SHISA_RUNBOOK_DIR` are relative to
    /// this file's directory (the copy's directory would not do).
    pub base: PathBuf,
    /// An edit, still to be checked against the steps the run has finished.
    pub edit: Option<Edit>,
}

pub struct Edit {
    old: Loaded,
    path: PathBuf,
    reason: String,
}

/// Without `--runbook`: the copy in the run directory (the file it names, for runs from
/// before copies were kept). With `--runbook FILE`: that file, the same runbook (a path
/// the journal had to mask) or, with `--reason`, an edited one.
pub fn choose(
    run_dir: &Path,
    records: &[Record],
    given: Option<&Path>,
    reason: Option<&str>,
) -> Result<Chosen> {
    let (first, sha) = current(records).ok_or_else(|| {
        Error::Invalid(format!(
            "{} has no run_started record: nothing to resume",
            run_dir.display()
        ))
    })?;
    let copy = find(run_dir, &sha);
    // Masking is for what is shown and stored: a path the journal holds masked is not a
    // path, so the operator names the file, and its hash proves it is the same one.
    let masked_path = || {
        Error::Invalid(format!(
            "the runbook's path is masked in the journal ({first}): it contains a secret's value. Give the file with --runbook FILE (it must have SHA-256 {sha})"
        ))
    };
    let Some(file) = given else {
        if is_masked(&first) {
            return Err(masked_path());
        }
        let loaded = match &copy {
            Some(c) => load_copy(c)?,
            None => load_file(Path::new(&first))?,
        };
        let from = copy.clone().unwrap_or_else(|| PathBuf::from(&first));
        if loaded.sha256 != sha {
            return Err(Error::Refused(format!(
                "{} changed since the run started (sha256 {} then, {} now); resuming would run steps the journal never saw. Put the runbook back as it was (e.g. `git log` / `git checkout` it), or start a new run; this run's journal stays as its record",
                from.display(),
                &sha[..sha.len().min(12)],
                &loaded.sha256[..12]
            )));
        }
        return Ok(Chosen {
            loaded,
            base: PathBuf::from(&first),
            edit: None,
        });
    };
    let loaded = load_file(file)?;
    if loaded.sha256 == sha {
        return Ok(Chosen {
            loaded,
            base: file.to_path_buf(),
            edit: None,
        });
    }
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Err(Error::Refused(format!(
            "{} is not the runbook this run uses (sha256 {} there, {} here). To go on with the edited runbook, give --reason TEXT: it is journaled with the steps that differ, and only steps the run has not finished may differ",
            file.display(),
            &sha[..sha.len().min(12)],
            &loaded.sha256[..12]
        )));
    };
    let old = match copy {
        Some(c) => load_copy(&c)?,
        None if !is_masked(&first) => load_file(Path::new(&first))
            .ok()
            .filter(|l| l.sha256 == sha)
            .ok_or_else(|| {
                Error::Refused(format!(
                    "the run directory keeps no copy of the runbook this run used, and {first} is no longer it: the edit cannot be checked against the steps the run has finished"
                ))
            })?,
        None => return Err(masked_path()),
    };
    Ok(Chosen {
        loaded,
        base: file.to_path_buf(),
        edit: Some(Edit {
            old,
            path: file.to_path_buf(),
            reason: reason.to_string(),
        }),
    })
}

/// The runbook as the run has it, for `shisa rollback`: the kept copy, or a file given
/// that is that very runbook. An edit is refused: the rollback commands are the run's own.
pub fn choose_unchanged(
    run_dir: &Path,
    records: &[Record],
    given: Option<&Path>,
) -> Result<Chosen> {
    if let (Some(file), Some((_, sha))) = (given, current(records)) {
        let loaded = load_file(file)?;
        if loaded.sha256 != sha {
            return Err(Error::Refused(format!(
                "{} is not the runbook this run uses (sha256 {} there, {} here); a rollback runs the run's own rollback commands. Leave out --runbook: the copy kept in the run directory is used",
                file.display(),
                &sha[..sha.len().min(12)],
                &loaded.sha256[..12]
            )));
        }
    }
    choose(run_dir, records, given, None)
}

impl Edit {
    /// Checks the edit step by step, with the loops unrolled for the run's values (the
    /// journal names each pass's steps), keeps a copy of the edited runbook, and says what
    /// to journal. Refused (nothing written) when a finished step would change.
    pub fn accept(
        self,
        new: &Loaded,
        params: &Params,
        operator: &Actor,
        records: &[Record],
        run_dir: &Path,
    ) -> Result<RunbookChange> {
        let unrolled = |rb: &Runbook| {
            Engine::new(Arc::new(rb.clone()), operator.clone(), params.clone())
                .runbook()
                .as_ref()
                .clone()
        };
        let change = compare(&unrolled(&self.old.runbook), &unrolled(&new.runbook), records)
            .map_err(|why| {
                Error::Refused(format!(
                    "{} cannot replace this run's runbook: {why}. Undo those edits (or start a new run); nothing was changed",
                    self.path.display()
                ))
            })?;
        keep(run_dir, new).map_err(|e| {
            Error::Failed(format!(
                "cannot keep a copy of {} in {}: {e}",
                self.path.display(),
                run_dir.display()
            ))
        })?;
        let path = self
            .path
            .canonicalize()
            .unwrap_or_else(|_| self.path.clone());
        Ok(RunbookChange {
            path: path.display().to_string(),
            from_sha256: self.old.sha256.clone(),
            to_sha256: new.sha256.clone(),
            reason: self.reason,
            changed: change.changed,
            added: change.added,
            removed: change.removed,
        })
    }
}

/// How an edited runbook differs from the one the run used, step by step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Whether the run may go on with `new` instead of `old`: every step it has finished is
/// defined exactly as before, and the steps up to the furthest one it reached are the same
/// steps in the same order (a step inserted before that point would never run). `Err`
/// says what stands in the way.
pub fn compare(
    old: &Runbook,
    new: &Runbook,
    records: &[Record],
) -> std::result::Result<Change, String> {
    let started: BTreeSet<&str> = records
        .iter()
        .filter(|r| matches!(r.body, Body::StepStarted { .. }))
        .filter_map(|r| r.step.as_deref())
        .collect();
    let finished: BTreeSet<&str> = records
        .iter()
        .filter(|r| matches!(r.body, Body::StepFinished { .. }))
        .filter_map(|r| r.step.as_deref())
        .collect();
    let reached = old
        .steps
        .iter()
        .rposition(|s| started.contains(s.id.as_str()) || finished.contains(s.id.as_str()));
    let mut problems = Vec::new();
    if let Some(k) = reached {
        for (j, was) in old.steps[..=k].iter().enumerate() {
            match new.steps.get(j) {
                Some(now) if now.id == was.id => {
                    if finished.contains(was.id.as_str()) && fingerprint(now) != fingerprint(was)
                    {
                        problems.push(format!("`{}` has finished but its definition changed", was.id));
                    }
                }
                Some(now) => problems.push(format!(
                    "step {} was `{}` and is now `{}`: steps up to `{}`, where the run stands, must stay in place",
                    j + 1,
                    was.id,
                    now.id,
                    old.steps[k].id
                )),
                None => problems.push(format!(
                    "`{}` is gone, but the run has reached it",
                    was.id
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let ids =
        |rb: &Runbook| -> BTreeSet<String> { rb.steps.iter().map(|s| s.id.clone()).collect() };
    let (before, after) = (ids(old), ids(new));
    Ok(Change {
        changed: new
            .steps
            .iter()
            .filter(|s| {
                old.steps
                    .iter()
                    .find(|o| o.id == s.id)
                    .is_some_and(|o| fingerprint(o) != fingerprint(s))
            })
            .map(|s| s.id.clone())
            .collect(),
        added: new
            .steps
            .iter()
            .filter(|s| !before.contains(&s.id))
            .map(|s| s.id.clone())
            .collect(),
        removed: old
            .steps
            .iter()
            .filter(|s| !after.contains(&s.id))
            .map(|s| s.id.clone())
            .collect(),
    })
}

/// A step's definition with where it sits in the file left out: moving a step down by a
/// line (an edit above it) does not change what it does.
fn fingerprint(step: &Step) -> String {
    let text = format!("{step:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Pos { line: ") {
        out.push_str(&rest[..at]);
        out.push_str("Pos");
        rest = match rest[at..].find('}') {
            Some(end) => &rest[at + end + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::record::{Actor, Role, StepStatus};
    use crate::runbook::load_str;

    fn rb(yaml: &str) -> Runbook {
        load_str("t.yaml", yaml).unwrap().runbook
    }

    const OLD: &str = "version: 1\nname: t\nsteps:\n  - id: a\n    kind: precheck\n    run: echo a\n  - id: b\n    kind: precheck\n    run: echo b\n  - id: c\n    kind: precheck\n    run: echo c\n";

    fn rec(step: &str, body: Body) -> Record {
        Record {
            seq: 1,
            ts: String::new(),
            body,
            step: Some(step.into()),
            actor: Actor {
                role: Role::Shisa,
                user: "u".into(),
                uid: 1,
                host: "h".into(),
            },
            prev: String::new(),
        }
    }

    /// `a` finished, `b` started and failed.
    fn journal() -> Vec<Record> {
        let started = |s: &str| {
            rec(
                s,
                Body::StepStarted {
                    index: 0,
                    title: s.into(),
                    step_kind: "precheck".into(),
                    mutating: false,
                },
            )
        };
        vec![
            started("a"),
            rec(
                "a",
                Body::StepFinished {
                    status: StepStatus::Ok,
                    reason: None,
                    why: None,
                },
            ),
            started("b"),
        ]
    }

    #[test]
    fn a_step_not_finished_may_change_and_a_finished_one_may_not() {
        let fixed = OLD.replace("run: echo b", "run: echo b fixed");
        let change = compare(&rb(OLD), &rb(&fixed), &journal()).unwrap();
        assert_eq!(change.changed, ["b"]);
        let edited = OLD.replace("run: echo a", "run: echo A");
        let err = compare(&rb(OLD), &rb(&edited), &journal()).unwrap_err();
        assert!(
            err.contains("`a` has finished but its definition changed"),
            "{err}"
        );
    }

    #[test]
    fn moving_a_step_down_a_line_is_no_change_but_inserting_one_before_is() {
        let moved = OLD.replace("steps:\n", "steps:\n  # a comment\n");
        assert_eq!(
            compare(&rb(OLD), &rb(&moved), &journal()).unwrap(),
            Change::default()
        );
        let inserted = OLD.replace(
            "  - id: b\n",
            "  - id: z\n    kind: precheck\n    run: echo z\n  - id: b\n",
        );
        let err = compare(&rb(OLD), &rb(&inserted), &journal()).unwrap_err();
        assert!(err.contains("was `b` and is now `z`"), "{err}");
        let appended = format!("{OLD}  - id: d\n    kind: precheck\n    run: echo d\n");
        let change = compare(&rb(OLD), &rb(&appended), &journal()).unwrap();
        assert_eq!(change.added, ["d"]);
    }
}
