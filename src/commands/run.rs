//! `shisa run`: validate everything, create the run directory and journal, drive the run.

use std::sync::Arc;

use chrono::Utc;

use super::session::{self, Session};
use crate::cli::RunArgs;
use crate::clock::SystemClock;
use crate::engine::{Engine, Event, StartInfo};
use crate::exec::runner::Runner;
use crate::exit::{Error, Exit, Result};
use crate::hash::sha256_hex;
use crate::journal::record::{Role, RunbookRef};
use crate::journal::writer::Writer;
use crate::runbook::{load_file, params};
use crate::term::stderr_color;

pub fn run(args: &RunArgs, clock: SystemClock) -> Result<Exit> {
    let loaded = load_file(&args.runbook)?;
    if !loaded.warnings.is_empty() {
        let report = loaded.report(loaded.warnings.clone());
        eprint!("{}", report.render(stderr_color()));
    }
    let given = params::split_all(&args.params).map_err(Error::Invalid)?;
    if args
        .outside_window
        .as_deref()
        .is_some_and(|r| r.trim().is_empty())
    {
        return Err(Error::Invalid(
            "--outside-window needs a reason: it is journaled as the override".into(),
        ));
    }
    let env = super::rehearsal::choose(&loaded.runbook, args.env.as_deref())?;
    warn_secret_on_command_line(&loaded.runbook, &given);
    // A terminal asks for what is missing; headless runs treat it as an error.
    let given = if session::is_interactive(args.headless) {
        crate::tui::form::ask(&loaded.runbook, given, crate::term::stdout_color())?
    } else {
        given
    };
    let params = loaded.resolve_params(&given)?;
    let operator = crate::identity::current(Role::Operator);
    let engine = Engine::new(Arc::new(loaded.runbook.clone()), operator, params.clone())
        .operated_by(crate::identity::operator_who());
    refuse_option_like(&engine)?;
    refuse_fragment_limits(&engine, &loaded)?;
    let share_gid = args.share_with.as_deref().map(share_group).transpose()?;
    needs_sharing(&loaded.runbook.steps, &params.values, share_gid, false)?;
    let runbook_path = args
        .runbook
        .canonicalize()
        .map_err(|e| Error::Invalid(format!("{}: {e}", args.runbook.display())))?;

    let journal_dir = args
        .journal_dir
        .clone()
        .unwrap_or_else(session::default_journal_dir);
    session::private_dir(&journal_dir, true)
        .or_else(|e| if journal_dir.is_dir() { Ok(()) } else { Err(e) })
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot create the journal directory {}: {e}",
                journal_dir.display()
            ))
        })?;
    let journal_dir = journal_dir.canonicalize().unwrap_or(journal_dir);
    let headless = !session::is_interactive(args.headless);
    // Read before this run's own directory exists: it is never its own rehearsal.
    let rehearsals = super::rehearsal::gather(
        &journal_dir,
        &loaded,
        &runbook_path,
        env.as_deref(),
        super::rehearsal::rehearse_command(
            &loaded,
            &runbook_path,
            args.journal_dir.as_ref().map(|_| journal_dir.as_path()),
            headless,
        ),
    )?;
    let (run_id, run_dir) = new_run_dir(&journal_dir)?;
    let lock = session::lock(&run_dir)?;
    // The runbook as this run uses it, durable before `run_started` names its hash:
    // `resume` reads this copy, whatever happens to the file.
    super::runbook_copy::keep(&run_dir, &loaded).map_err(|e| {
        Error::Failed(format!(
            "cannot keep a copy of the runbook in {}: {e}",
            run_dir.display()
        ))
    })?;

    let redactions = params.redactions();
    let writer = Writer::create(&run_dir, &redactions).map_err(|e| {
        Error::Failed(format!(
            "cannot create the journal in {}: {e}",
            run_dir.display()
        ))
    })?;
    let runner = Runner::new(
        run_dir.clone(),
        session::base_env(
            &loaded.runbook,
            &runbook_path,
            &run_dir,
            &run_id,
            env.as_deref(),
        ),
        redactions,
    );
    let first = Event::Start(StartInfo {
        run_id: run_id.clone(),
        runbook: RunbookRef {
            path: runbook_path.display().to_string(),
            sha256: loaded.sha256.clone(),
            name: loaded.runbook.name.clone(),
        },
        mode: if headless {
            "headless".into()
        } else {
            "tui".into()
        },
        tool_version: env!("CARGO_PKG_VERSION").into(),
        clock_faked: clock.faked(),
        outside_window: args.outside_window.clone(),
        env,
        rehearsals,
    });
    session::drive(Session {
        engine,
        writer,
        runner,
        clock,
        run_dir,
        run_id,
        headless,
        first: vec![first],
        share_gid,
        runbook_source: loaded.source.clone(),
        past: None,
        _lock: lock,
    })
}

/// A value that starts an argv element with `-` would be read as an option: refused
/// before anything runs (exit 2).
fn refuse_option_like(engine: &Engine) -> Result<()> {
    let found = engine.option_like_values();
    let Some(first) = found.first() else {
        return Ok(());
    };
    let all: Vec<String> = found
        .iter()
        .map(|o| format!("`{}` = {:?} in step `{}`", o.name, o.shown, o.step))
        .collect();
    Err(Error::Invalid(format!(
        "{} starts an argv element with `-`, which the program would read as an option: {}. Nothing ran. Give a value that does not start with `-`; the runbook's author can rule such values out with the parameter's `pattern` (anchored with `^`), or pass the value after `--` or as `--flag={{{{ {} }}}}`",
        if found.len() == 1 {
            "a value"
        } else {
            "values"
        },
        all.join("; "),
        first.name
    )))
}

/// A fragment's `at_most` bound to a value that is not a whole number: refused before
/// anything runs (exit 2), pointing into the fragment.
fn refuse_fragment_limits(engine: &Engine, loaded: &crate::runbook::Loaded) -> Result<()> {
    let diags: Vec<crate::runbook::diag::Diagnostic> = engine
        .unusable_fragment_limits()
        .into_iter()
        .map(|(pos, why)| {
            crate::runbook::diag::Diagnostic::error(pos, why).hint(
                "nothing has run; give a whole number (digits only) for the value the `use` step passes in `with:`",
            )
        })
        .collect();
    if diags.is_empty() {
        return Ok(());
    }
    Err(loaded.report(diags).into())
}

/// `<dir>/<run-id>/` with an id that sorts by time: `20231205T081500Z-3f9a`.
fn new_run_dir(journal_dir: &std::path::Path) -> Result<(String, std::path::PathBuf)> {
    for n in 0..16u32 {
        let now = Utc::now();
        let salt = sha256_hex(
            format!(
                "{}{}{n}",
                std::process::id(),
                now.timestamp_nanos_opt().unwrap_or(0)
            )
            .as_bytes(),
        );
        let id = format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), &salt[..4]);
        let dir = journal_dir.join(&id);
        match session::private_dir(&dir, false) {
            Ok(()) => {
                // The run directory's name must survive a crash as the journal will.
                crate::journal::writer::sync_dir(journal_dir).map_err(|e| {
                    Error::Failed(format!("cannot sync {}: {e}", journal_dir.display()))
                })?;
                session::private_dir(&dir.join("output"), false).map_err(|e| {
                    Error::Failed(format!("cannot create {}/output: {e}", dir.display()))
                })?;
                return Ok((id, dir));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::Failed(format!(
                    "cannot create the run directory {}: {e}",
                    dir.display()
                )));
            }
        }
    }
    Err(Error::Failed("cannot find a free run id".into()))
}

/// `--share-with GROUP`: the group must exist and the operator must be able to give the
/// socket to it (be in it, or be root).
pub fn share_group(name: &str) -> Result<u32> {
    let group = nix::unistd::Group::from_name(name)
        .ok()
        .flatten()
        .ok_or_else(|| Error::Invalid(format!("--share-with: there is no group `{name}`")))?;
    let me = nix::unistd::getuid();
    let member = me.is_root()
        || nix::unistd::getgid() == group.gid
        || nix::unistd::getgroups().is_ok_and(|gs| gs.contains(&group.gid));
    if !member {
        return Err(Error::Invalid(format!(
            "--share-with {name}: you are not in that group, so the socket cannot be given to it"
        )));
    }
    Ok(group.gid.as_raw())
}

/// A secret given as `-p` sits in the process list (/proc/PID/cmdline) and the shell's
/// history for as long as the run lasts: say so, and how to avoid it.
pub fn warn_secret_on_command_line(rb: &crate::runbook::Runbook, given: &[(String, String)]) {
    for (name, _) in given {
        if let Some(p) = rb.param(name).filter(|p| p.secret) {
            let how = match &p.from_env {
                Some(var) => format!("set {var} in the environment instead"),
                None => "give the runbook `from_env:` for it".to_string(),
            };
            eprintln!(
                "shisa: warning: secret `{name}` on the command line is visible to every local user in the process list; {how}"
            );
        }
    }
}

/// A step that needs a second person's approval cannot get it from a run that only its
/// operator's account can reach: say so before anything runs, not when the step is due.
/// Likewise a step whose approvers must be in a group this host does not have: `check`
/// accepts it (the runbook may be checked on another machine), a run here refuses.
/// `steps`: those that may still ask for an approval (all of them, for a run not begun;
/// `Engine::approvals_ahead` for one resumed, `resuming`).
pub fn needs_sharing<'a>(
    steps: impl IntoIterator<Item = &'a crate::runbook::model::Step>,
    values: &std::collections::BTreeMap<String, String>,
    share_gid: Option<u32>,
    resuming: bool,
) -> Result<()> {
    use crate::runbook::model::is_group_name;
    let steps: Vec<&crate::runbook::model::Step> = steps.into_iter().collect();
    let (again, nothing) = match resuming {
        false => ("start it", "nothing has run"),
        true => ("resume it", "nothing more has run"),
    };
    for &step in &steps {
        let Some(group) = step.approval.group() else {
            continue;
        };
        let name = group.resolve(values);
        if !is_group_name(&name) {
            return Err(Error::Invalid(format!(
                "step `{}` needs approvals from group `{name}` (`{}`), which is not a group name; \
                 give a group this host has, e.g. -p {}=dba ({nothing})",
                step.id,
                group.text,
                group.param().unwrap_or("approvers")
            )));
        }
        if !crate::identity::group_exists(&name) {
            return Err(Error::Invalid(format!(
                "step `{}` needs approvals from members of group `{name}`, which this host does not have; \
                 create the group, or name one this host has, and {again} again ({nothing})",
                step.id
            )));
        }
    }
    let Some(step) = steps.iter().find(|s| s.approval.needs_another_person()) else {
        return Ok(());
    };
    if share_gid.is_some() {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "step `{}` needs a second person's approval, but without --share-with only your own account can reach this run; \
         {again} with --share-with GROUP, a group the reviewer is in ({nothing})",
        step.id
    )))
}
