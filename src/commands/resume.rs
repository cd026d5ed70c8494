//! `shisa resume RUN_DIR`: rebuild the run from its journal and go on. Finished steps never
//! run again; a step caught mid-way is in doubt and the operator decides.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;

use super::session::{self, Session};
use crate::cli::ResumeArgs;
use crate::clock::SystemClock;
use crate::engine::{Engine, Event};
use crate::exit::{Error, Exit, Result};
use crate::journal::reader::{self, ReadError};
use crate::journal::record::{Body, Entry, Role};
use crate::runbook::params;

pub fn run(args: &ResumeArgs, clock: SystemClock) -> Result<Exit> {
    let (run_dir, lock) = session::open_run(&args.run_dir)?;
    if args
        .outside_window
        .as_deref()
        .is_some_and(|r| r.trim().is_empty())
    {
        return Err(Error::Invalid(
            "--outside-window needs a reason: it is journaled as the override".into(),
        ));
    }
    let journal = reader::read(&run_dir).map_err(|e| match e {
        ReadError::Broken(b) => Error::Refused(format!(
            "the journal is damaged at line {} ({}); a damaged journal is never resumed — `shisa verify {}` shows the damage",
            b.line,
            b.reason,
            run_dir.display()
        )),
        other => Error::Invalid(other.to_string()),
    })?;
    let Some(Body::RunStarted {
        run_id,
        params: journaled,
        env,
        ..
    }) = journal.records.first().map(|r| &r.body)
    else {
        return Err(Error::Invalid(format!(
            "{} has no run_started record: nothing to resume",
            run_dir.display()
        )));
    };
    // Ended, and not continued since (a later `shisa rollback` that stopped at its typed
    // target or its approval is resumed like any halted run).
    let ended = reader::ended_at(&journal.records, journal.records.len()).is_some();
    if let Some((
        at,
        Body::RunFinished {
            outcome,
            exit_code,
            reason,
            ..
        },
    )) = journal
        .records
        .iter()
        .rev()
        .map(|r| (&r.ts, &r.body))
        .find(|(_, b)| matches!(b, Body::RunFinished { .. }))
        .filter(|_| ended)
    {
        // Nothing to do is an invocation that asks for nothing (exit 2, README "Exit
        // codes"), not a success: a script that resumes "to be sure" must not read 0 as
        // "the run went on and completed".
        let why = reason
            .as_deref()
            .map(|r| format!(": {}", crate::text_safety::one_line(r)))
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "run {run_id} has already ended — {}{why} (exit {exit_code}), at {at}; there is nothing to resume. `shisa export {run_id}` shows the run",
            outcome.name()
        )));
    }
    // The copy kept in the run directory, or the file given (the same, or an edit).
    let chosen = super::runbook_copy::choose(
        &run_dir,
        &journal.records,
        args.runbook.as_deref(),
        args.reason.as_deref(),
    )?;
    let loaded = chosen.loaded;
    let path = chosen.base.as_path();
    let params = resume_params(&loaded.runbook, journaled, &args.params)?;
    let params = loaded.resolve_params(&params)?;
    // A value given again must be the one the run started with: masked the same way, it
    // reads exactly as the journal does.
    let shown = params.shown();
    for (name, was) in journaled {
        if masked(was) && shown.get(name) != Some(was) {
            return Err(Error::Invalid(format!(
                "`-p {name}=…` is not the value this run started with (the journal reads `{was}`); give the same value"
            )));
        }
    }
    refuse_while_commands_survive(&run_dir, &journal.records, &params.redactions())?;

    let share_gid = args
        .share_with
        .as_deref()
        .map(super::run::share_group)
        .transpose()?;
    let operator = crate::identity::current(Role::Operator);
    let entries: Vec<Entry> = journal.records.iter().map(|r| r.entry()).collect();
    let engine = Engine::replay(
        Arc::new(loaded.runbook.clone()),
        operator.clone(),
        params.clone(),
        &entries,
    )
    .operated_by(crate::identity::operator_who());
    // Judged on the steps that may still ask for an approval: one already approved and
    // done needs no reviewer now, and one still due is never let through (the engine's
    // `approvals_ahead`).
    let ahead = engine.approvals_ahead();
    let steps = ahead.iter().map(|&i| &engine.runbook().steps[i]);
    super::run::needs_sharing(steps, &params.values, share_gid, true)?;
    let mut first = Vec::new();
    if chosen.edit.is_some() {
        rehearsed_edit(
            &run_dir,
            &loaded,
            path,
            env.as_deref(),
            &clock,
            args.headless,
        )?;
    }
    if let Some(edit) = chosen.edit {
        let change = edit.accept(&loaded, &params, &operator, &journal.records, &run_dir)?;
        first.push(Event::RunbookChanged(change));
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    if let Some((moved_to, bytes)) = reader::move_torn_tail(&run_dir, &journal, &stamp)
        .map_err(|e| Error::Failed(format!("cannot move the torn journal tail aside: {e}")))?
    {
        first.push(Event::Recovered { moved_to, bytes });
    }
    let (writer, runner) = session::continue_run(
        &run_dir,
        &journal,
        &loaded.runbook,
        path,
        run_id,
        params.redactions(),
    )?;
    first.push(Event::Resume {
        outside_window: args.outside_window.clone(),
        clock_faked: clock.faked(),
    });
    let past = crate::frontend::evidence::Past {
        records: journal.records.clone(),
        run_dir: run_dir.clone(),
    };
    session::drive(Session {
        engine,
        writer,
        runner,
        clock,
        run_dir,
        run_id: run_id.clone(),
        headless: !session::is_interactive(args.headless),
        first,
        share_gid,
        runbook_source: loaded.source.clone(),
        past: Some(past),
        _lock: lock,
    })
}

/// An edit of a run in an environment that needs a rehearsal goes on only on evidence of the
/// edited version, as a new run of it would start: the steps it changes have run nowhere
/// else. Refused (exit 4) before anything is journaled, so the run stays resumable.
fn rehearsed_edit(
    run_dir: &std::path::Path,
    loaded: &crate::runbook::Loaded,
    path: &std::path::Path,
    env: Option<&str>,
    clock: &SystemClock,
    headless: bool,
) -> Result<()> {
    let journal_dir = run_dir.parent().unwrap_or(run_dir);
    let rehearse = super::rehearsal::rehearse_command(
        loaded,
        path,
        Some(journal_dir),
        !session::is_interactive(headless),
    );
    let found = super::rehearsal::gather(journal_dir, loaded, path, env, rehearse)?;
    crate::engine::rehearsal::judge(
        &loaded.runbook,
        env,
        &loaded.sha256,
        found.as_ref(),
        clock.now(),
    )
    .map(|_| ())
    .map_err(|end| {
        Error::Refused(format!(
            "the edited runbook cannot go on: {}",
            crate::engine::messages::run_end(&end)
        ))
    })
}

/// Whether journaled text stands in for a secret.
fn masked(text: &str) -> bool {
    params::is_masked(text)
}

/// The values to resume with: from the journal, except the ones it could not keep
/// (secrets, and values containing one), which come again with `-p` — and only those.
pub(super) fn resume_params(
    rb: &crate::runbook::model::Runbook,
    journaled: &std::collections::BTreeMap<String, String>,
    assignments: &[String],
) -> Result<Vec<(String, String)>> {
    let mut given: Vec<(String, String)> = Vec::new();
    for assignment in assignments {
        let (name, value) = params::split_assignment(assignment).map_err(Error::Invalid)?;
        match rb.param(&name) {
            Some(p) if p.secret || journaled.get(&name).is_some_and(|v| masked(v)) => {
                given.push((name, value))
            }
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "`{name}` is fixed by the journal; only secrets (and values the journal had to mask) are given again on resume"
                )));
            }
            None => {
                return Err(Error::Invalid(format!(
                    "the runbook has no parameter `{name}`"
                )));
            }
        }
    }
    for p in &rb.params {
        let Some(v) = journaled.get(&p.name).filter(|_| !p.secret) else {
            continue;
        };
        if given.iter().any(|(n, _)| n == &p.name) {
            continue;
        }
        if masked(v) {
            return Err(Error::Invalid(format!(
                "`{0}` is masked in the journal (`{v}`: it contains a secret's value), so it cannot be restored from it; give it again with -p {0}=VALUE",
                p.name
            )));
        }
        given.push((p.name.clone(), v.clone()));
    }
    super::run::warn_secret_on_command_line(rb, &given);
    Ok(given)
}

/// A command of this run that has no result in the journal and is still alive (shisa was
/// killed, the command was not): resuming now could run it a second time beside itself.
pub(super) fn refuse_while_commands_survive(
    run_dir: &Path,
    records: &[crate::journal::record::Record],
    secrets: &[(String, String)],
) -> Result<()> {
    use crate::engine::update::command_id;
    let finished: std::collections::HashSet<String> = records
        .iter()
        .filter_map(|r| match (&r.body, &r.step) {
            (
                Body::CommandFinished {
                    purpose, attempt, ..
                },
                Some(step),
            ) => Some(command_id(step, *purpose, *attempt)),
            _ => None,
        })
        .collect();
    let alive: Vec<_> = crate::exec::survivors::of_run(run_dir)
        .into_iter()
        .filter(|s| !finished.contains(&s.command))
        .collect();
    if alive.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = alive
        .iter()
        .map(|s| format!("pid {} ({}): {}", s.pid, s.command, s.shown(secrets)))
        .collect();
    let groups: std::collections::BTreeSet<i32> = alive.iter().map(|s| s.pgid).collect();
    let kill: Vec<String> = groups
        .iter()
        .map(|g| format!("kill -TERM -- -{g}"))
        .collect();
    Err(Error::Refused(format!(
        "commands of this run are still running from before it stopped: {}. Resuming now could run them again beside themselves; wait for them to end, or stop them ({}), then resume",
        list.join("; "),
        kill.join(", ")
    )))
}
