//! shisa's entry point: parse the command line, dispatch, map errors to exit codes.

#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use shisa::cli::{Cli, Command};
use shisa::clock::SystemClock;
use shisa::commands;
use shisa::exit::{Error, Exit};
use shisa::term::stderr_color;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap: help and version are successes; every usage error is "invalid invocation".
            return if e.use_stderr() {
                Exit::Invalid.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    match dispatch(cli) {
        Ok(code) => code.into(),
        Err(Error::Runbook(report)) => {
            eprint!("{}", report.render(stderr_color()));
            eprintln!("{}: {} error(s); nothing ran", report.file, report.errors());
            Exit::Invalid.into()
        }
        Err(e) => {
            eprintln!("shisa: {e}");
            e.exit().into()
        }
    }
}

fn dispatch(cli: Cli) -> Result<Exit, Error> {
    let clock = || SystemClock::from_env().map_err(Error::Invalid);
    match cli.command {
        Command::Check { runbooks } => Ok(commands::check::run(&runbooks)),
        Command::Plan {
            runbook,
            params,
            resolve,
        } => {
            let (text, refused) =
                commands::plan::run_resolved(&runbook, &params, &clock()?, resolve)?;
            // Titles, instructions and scripts come from the file: none may act on the
            // reviewer's terminal.
            let text: Vec<String> = text.lines().map(shisa::runbook::diag::printable).collect();
            let printed = print_out(&(text.join("\n") + "\n"))?;
            Ok(if refused { Exit::Refused } else { printed })
        }
        Command::Review {
            runbook,
            params,
            strict,
        } => {
            let (text, found) = commands::review::run(&runbook, &params)?;
            // Titles, instructions and scripts come from the file: none may act on the
            // reader's terminal.
            let text: Vec<String> = text.lines().map(shisa::runbook::diag::printable).collect();
            print_out(&(text.join("\n") + "\n"))?;
            Ok(commands::review::exit(found, strict))
        }
        Command::Run(args) => commands::run::run(&args, clock()?),
        Command::Resume(args) => commands::resume::run(&args, clock()?),
        Command::Rollback(args) => commands::rollback::run(&args, clock()?),
        Command::Verify { run_dir, head } => {
            commands::verify::run(&commands::session::find_run(&run_dir)?, head.as_deref())
        }
        Command::Runs {
            all,
            runbook,
            json,
            journal_dir,
        } => commands::runs::run(&commands::run_history::Options {
            all,
            runbook,
            json,
            journal_dir,
        }),
        Command::Sessions => commands::share_clients::sessions(),
        Command::Watch {
            run_id,
            headless,
            copy,
        } => commands::watch::run(run_id.as_deref(), headless, copy.as_ref()),
        Command::Approve {
            run_id,
            typed,
            reject: None,
        } => commands::share_clients::approve(&run_id, typed.as_deref()),
        Command::Approve {
            run_id,
            reject: Some(reason),
            ..
        } => commands::share_clients::reject(&run_id, &reason),
        Command::Note { run_id, text } => commands::share_clients::note(&run_id, &text),
        Command::Export {
            runs,
            format,
            output,
            tz,
            lang,
            full,
        } => {
            let runs: Vec<_> = runs
                .iter()
                .map(|r| commands::session::find_run(r))
                .collect::<Result<_, _>>()?;
            let opts = shisa::export::Options {
                lang: lang.into(),
                full,
            };
            commands::export::run(&runs, format, output.as_deref(), tz.as_deref(), opts)
        }
        Command::Schema => print_out(&shisa::runbook::schema::schema_text()),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "shisa", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::Failed(e.to_string()))?;
            print_out(&String::from_utf8_lossy(&out))
        }
    }
}

/// Writes to stdout; a closed pipe (`shisa plan … | head`) is not an error worth a panic.
fn print_out(text: &str) -> Result<Exit, Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(Exit::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(e) => Err(Error::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}
