//! `shisa plan --resolve`: run every target's read-only `describe` command now and judge what
//! it names with the run's own rule (`deny`, then `must_match`), then its `impact` count
//! against `at_most`, so the operator learns before any precheck or snapshot that a step
//! will be refused. A blind target is judged but not shown (the operator names it in the
//! run). Only `describe` commands
//! run — by contract they change nothing — each with the step's values, the runbook's
//! `path:` and a throwaway `SHISA_RUN_DIR`; a describe that reads a value captured during
//! the run cannot be resolved up front and says so.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::engine::expect::{resolve_target, target_refusal};
use crate::journal::record::{Purpose, Role};
use crate::phrase::{EN, Phrasebook as _};
use crate::runbook::model::{Command, Confirm, Impact, Runbook};
use crate::runbook::params::Params;
use crate::runbook::show;

/// A describe that takes longer than this (or the step's own timeout) is stopped.
const DESCRIBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Stdout kept from a describe: a target is a name, not a listing.
const MAX_STDOUT: u64 = 1 << 20;

/// The section `plan --resolve` adds, and whether any target would be refused.
pub fn section(rb: &Runbook, runbook_path: &Path, params: &Params) -> (String, bool) {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\nTargets, resolved now (only the read-only `describe` and `impact` commands ran)"
    );
    if !params.missing.is_empty() {
        let _ = writeln!(o, "  not resolved: give every parameter a value first");
        return (o, false);
    }
    let engine = Engine::new(
        Arc::new(rb.clone()),
        crate::identity::current(Role::Operator),
        params.clone(),
    );
    let captured: Vec<String> = engine
        .runbook()
        .steps
        .iter()
        .flat_map(|s| s.capture.iter().map(|c| c.name.clone()))
        .collect();
    let scratch = std::env::temp_dir().join(format!("shisa-plan-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let base = crate::commands::session::base_env(rb, runbook_path, &scratch, "plan", None);
    let mut refused = false;
    let mut any = false;
    for (i, step) in engine.runbook().steps.iter().enumerate() {
        let Some(target) = &step.target else {
            continue;
        };
        any = true;
        let title = engine.title(i);
        let _ = writeln!(o, "  {}. {title}", i + 1);
        let shown = engine
            .shown_command(i, Purpose::Describe)
            .unwrap_or_default();
        let _ = writeln!(o, "     describe  $ {shown}");
        if let Some(name) = reads_capture(&target.describe, &captured) {
            let _ = writeln!(
                o,
                "     not resolved: it reads `{name}`, captured during the run"
            );
            continue;
        }
        let vars = engine.step_vars(i);
        let timeout = step
            .timeout
            .unwrap_or(DESCRIBE_TIMEOUT)
            .min(DESCRIBE_TIMEOUT);
        let out = match describe(&target.describe, &vars, &base, &step.id, timeout) {
            Ok(out) => out,
            Err(why) => {
                let _ = writeln!(o, "     not resolved: {}", engine.mask(&why));
                continue;
            }
        };
        let Some(real) = resolve_target(target.capture.as_ref(), &out) else {
            let _ = writeln!(
                o,
                "     WOULD FAIL: the describe printed nothing the target is taken from"
            );
            refused = true;
            continue;
        };
        let name = engine.mask(&real);
        match target_refusal(target, &real, &vars) {
            Some((rule, p)) => {
                refused = true;
                let _ = writeln!(
                    o,
                    "     REFUSED: resolves to `{name}`, refused by {rule} '{}' — the run would stop at this step, after the {i} before it",
                    p.source
                );
            }
            // Blind: the operator names it during the run before seeing it; a plan printed
            // beforehand must not hand them the answer.
            None if target.confirm == Confirm::Blind => {
                let _ = writeln!(
                    o,
                    "     ok: resolved, not shown (blind confirmation: the operator names the target they intend during the run)"
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "     ok: resolves to `{name}` (the operator types it back)"
                );
            }
        }
        if let Some(impact) = &target.impact
            && target_refusal(target, &real, &vars).is_none()
        {
            refused |= counted(&mut o, &engine, i, impact, &vars, &base, &step.id, timeout);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if !any {
        let _ = writeln!(o, "  (no step names a target)");
    }
    (o, refused)
}

/// Runs a target's impact count and says what it found; true when the step would be refused
/// (above `at_most`, or no count).
#[allow(clippy::too_many_arguments)]
fn counted(
    o: &mut String,
    engine: &Engine,
    i: usize,
    impact: &Impact,
    vars: &std::collections::BTreeMap<String, String>,
    base: &[(String, String)],
    step: &str,
    timeout: Duration,
) -> bool {
    let shown = engine.shown_command(i, Purpose::Impact).unwrap_or_default();
    let _ = writeln!(o, "     impact    $ {shown}");
    let out = describe(&impact.command, vars, base, step, timeout).and_then(|out| {
        crate::engine::impact::parse(&out).map_err(|f| crate::engine::messages::command_failure(&f))
    });
    let (count, unit, listed) = match out {
        Ok(c) => c,
        Err(why) => {
            let _ = writeln!(
                o,
                "     REFUSED: the blast radius is unknown: {}",
                engine.mask(&why)
            );
            return true;
        }
    };
    let at_most = match impact.at_most.resolve(vars) {
        Ok(n) => n,
        Err(e) => {
            let why = crate::engine::messages::limit_unusable(&e);
            let _ = writeln!(o, "     REFUSED: {}", engine.mask(&why));
            return true;
        }
    };
    let said = EN.impact(count, unit.as_deref(), at_most).text();
    let over = count > at_most;
    let lead = if over { "REFUSED" } else { "ok" };
    let _ = writeln!(o, "     {lead}: {}", engine.mask(&said));
    for l in &listed {
        let _ = writeln!(o, "       · {}", engine.mask(l));
    }
    over
}

/// The first value captured during the run that the command reads, if any.
fn reads_capture<'a>(cmd: &Command, captured: &'a [String]) -> Option<&'a str> {
    captured.iter().map(String::as_str).find(|name| match cmd {
        Command::Run { script, .. } => {
            script.contains(&format!("${name}")) || script.contains(&format!("${{{name}}}"))
        }
        Command::Argv { args, .. } => args.iter().any(|a| a.reads(name)),
    })
}

/// Runs one describe command and returns its stdout; a non-zero exit or a timeout is an
/// error, as it would be in the run.
fn describe(
    cmd: &Command,
    vars: &std::collections::BTreeMap<String, String>,
    base: &[(String, String)],
    step: &str,
    timeout: Duration,
) -> Result<String, String> {
    let mut p = match cmd {
        Command::Run { script, .. } => {
            let mut p = Process::new("bash");
            p.args(["-euo", "pipefail", "-c", script]);
            p
        }
        Command::Argv { args, .. } => {
            let argv = show::argv(args, vars);
            let Some((program, rest)) = argv.split_first() else {
                return Err("an empty argv".into());
            };
            let mut p = Process::new(program);
            p.args(rest);
            p
        }
    };
    p.envs(vars.iter())
        .envs(base.iter().map(|(k, v)| (k, v)))
        .env("SHISA_STEP", step)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = p.spawn().map_err(|e| format!("cannot start it: {e}"))?;
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stdout {
            let _ = s.take(MAX_STDOUT).read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let text = reader.join().unwrap_or_default();
    if status.success() {
        Ok(text)
    } else {
        Err(format!("it failed ({status})"))
    }
}
