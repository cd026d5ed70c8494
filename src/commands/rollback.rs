//! `shisa rollback RUN --reason TEXT`: undo the changes an ended run left in place (it was
//! aborted, failed, completed with exceptions — or completed, as a planned revert). The same
//! journal goes on (`rollback_requested`, then the rollback as the engine orders it); the
//! runbook is the copy kept in the run directory (`runbook_copy`, as for `resume`), and the
//! change window holds as for any change.

use std::sync::Arc;

use super::resume::{refuse_while_commands_survive, resume_params};
use super::session::{self, Session};
use crate::cli::RollbackArgs;
use crate::clock::SystemClock;
use crate::engine::{Engine, Event};
use crate::exit::{Error, Exit, Result};
use crate::journal::reader::{self, ReadError};
use crate::journal::record::{Body, Entry, Role};

pub fn run(args: &RollbackArgs, clock: SystemClock) -> Result<Exit> {
    if args.reason.trim().is_empty() {
        return Err(Error::Invalid(
            "--reason is required: a rollback is journaled with why".into(),
        ));
    }
    let (run_dir, lock) = session::open_run(&args.run)?;
    let journal = reader::read(&run_dir).map_err(|e| match e {
        ReadError::Broken(b) => Error::Refused(format!(
            "the journal is damaged at line {} ({}); a damaged journal is never continued — `shisa verify {}` shows the damage",
            b.line,
            b.reason,
            run_dir.display()
        )),
        other => Error::Invalid(other.to_string()),
    })?;
    if journal.torn.is_some() {
        return Err(Error::Refused(
            "the journal ends with a torn line (a crash mid-write): `shisa resume` recovers it first"
                .into(),
        ));
    }
    let Some(Body::RunStarted {
        run_id,
        params: journaled,
        ..
    }) = journal.records.first().map(|r| &r.body)
    else {
        return Err(Error::Invalid(format!(
            "{} has no run_started record: nothing to roll back",
            run_dir.display()
        )));
    };
    if reader::ended_at(&journal.records, journal.records.len()).is_none() {
        return Err(Error::Invalid(format!(
            "this run has not ended: `shisa resume {}` continues it, and its quit dialog offers the rollback",
            run_dir.display()
        )));
    }
    // The copy kept in the run directory, as `resume` reads it: moving or editing the file
    // does not strand the run's changes. A file given must be that very runbook: the
    // rollback commands are the run's own, never an edit's.
    let chosen =
        super::runbook_copy::choose_unchanged(&run_dir, &journal.records, args.runbook.as_deref())?;
    let loaded = chosen.loaded;
    let path = chosen.base.as_path();
    let values = resume_params(&loaded.runbook, journaled, &args.params)?;
    let params = loaded.resolve_params(&values)?;
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
        operator,
        params.clone(),
        &entries,
    );
    let request = Event::RollbackRequested {
        reason: args.reason.clone(),
        outside_window: args.outside_window.clone(),
    };
    // Ask the engine first, on a copy: a request it would refuse (nothing in place, the
    // window closed) is said here, and the journal gets nothing.
    engine
        .clone()
        .update(clock.now(), request.clone())
        .map_err(|r| Error::Refused(r.0))?;
    let (writer, runner) = session::continue_run(
        &run_dir,
        &journal,
        &loaded.runbook,
        path,
        run_id,
        params.redactions(),
    )?;
    session::drive(Session {
        engine,
        writer,
        runner,
        clock,
        run_dir,
        run_id: run_id.clone(),
        headless: !session::is_interactive(args.headless),
        first: vec![request],
        share_gid,
        runbook_source: loaded.source.clone(),
        past: None,
        _lock: lock,
    })
}
