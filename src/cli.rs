//! The command line: clap definitions only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "shisa",
    version,
    about = "Run a YAML runbook step by step, with the safe habits impossible to skip",
    long_about = "shisa walks an operator through a YAML runbook one step at a time: a snapshot before \
any change, a typed confirmation of the real target, pre-checks, post-change verification, \
rollback, change windows, a second person's approval, and a hash-chained journal that becomes \
the incident timeline.",
    after_help = "Exit codes: 0 completed · 1 a step failed (rolled back or stopped) · 2 invalid runbook, \
parameters or invocation (nothing ran) · 3 aborted by the operator · 4 refused (change window, \
locked run, safety gate) or halted and resumable (three mistyped targets: `shisa resume RUN` asks \
again, the steps before stay done) · 5 completed with exceptions (a failed check continued past, a \
precheck overridden, or an in-doubt change accepted unproven)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a runbook (a TUI on a terminal, line mode with --headless or without one)
    Run(RunArgs),
    /// Validate runbooks and apply the safety lint; nothing runs
    Check {
        /// Runbook files
        #[arg(required = true, value_name = "RUNBOOK")]
        runbooks: Vec<PathBuf>,
    },
    /// Show the resolved steps, guards, rollback map and window verdict; nothing runs
    Plan {
        /// The runbook file
        #[arg(value_name = "RUNBOOK")]
        runbook: PathBuf,
        /// A parameter value
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Also run each target's read-only `describe` now and say whether `deny` or
        /// `must_match` will refuse it (exit 4 if one would)
        #[arg(long)]
        resolve: bool,
    },
    /// Markdown for the change ticket: incident 002's review points answered from the
    /// runbook, and the failure-mode table from driving the engine through every
    /// single-failure path with made-up results; nothing runs
    Review {
        /// The runbook file
        #[arg(value_name = "RUNBOOK")]
        runbook: PathBuf,
        /// A parameter value (one without is given a made-up value its rules accept)
        #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Exit 1 when a path breaks (a value never set, a step no path reaches, a `when`
        /// that never holds), for CI on a runbook repository
        #[arg(long)]
        strict: bool,
    },
    /// Continue an interrupted run (one that has ended has nothing to resume: exit 2)
    Resume(ResumeArgs),
    /// Undo the changes an ended run left in place, in reverse, with the same gates
    Rollback(RollbackArgs),
    /// List past and live runs, newest first: id, runbook, operator, start, duration,
    /// outcome, changes left in place
    Runs {
        /// Every run, not only the newest 20
        #[arg(long)]
        all: bool,
        /// Only runs of this runbook (its path then, or the same content)
        #[arg(long, value_name = "FILE")]
        runbook: Option<PathBuf>,
        /// One JSON array, for scripts
        #[arg(long)]
        json: bool,
        /// Where run directories are (default: $SHISA_JOURNAL_DIR, $XDG_STATE_HOME/shisa/runs, ~/.local/state/shisa/runs)
        #[arg(long, value_name = "DIR")]
        journal_dir: Option<PathBuf>,
    },
    /// List the live shared sessions on this host that you can join
    Sessions,
    /// Watch a live run, read-only (approve with `a`, note with `n`)
    Watch {
        /// Run id, as `shisa sessions` lists it (default: the only live session)
        run_id: Option<String>,
        /// Print events as lines instead of the TUI
        #[arg(long)]
        headless: bool,
        /// Also write the journal lines as received to FILE (an independent copy)
        #[arg(long, value_name = "FILE")]
        copy: Option<PathBuf>,
    },
    /// Give the second signature on the step waiting for approval (exit 0 granted, 1 not),
    /// or reject it with a reason (exit 0 when the rejection is recorded)
    Approve {
        /// Run id, as `shisa sessions` lists it
        run_id: String,
        /// The target, typed by you: as shown, or for a blind step (not shown to you) the one
        /// you intend, from the ticket (asked for when not given)
        #[arg(long, value_name = "VALUE", conflicts_with = "reject")]
        typed: Option<String>,
        /// Say no instead, with the reason the operator will read; the step does not run
        #[arg(long, value_name = "REASON")]
        reject: Option<String>,
    },
    /// Add a reviewer's note to a live run's timeline
    Note {
        /// Run id, as `shisa sessions` lists it
        run_id: String,
        /// The note (one line)
        text: String,
    },
    /// Export runs' journals as one postmortem timeline
    Export {
        /// Each run's directory (printed at its start and end), or its run id; several runs
        /// are merged into one timeline by time
        #[arg(required = true, num_args = 1.., value_name = "RUN")]
        runs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to FILE instead of standard output
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Time zone for the timeline (IANA name); default: the runbook's window zone, else this machine's
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        /// The language shisa writes the export in; what people wrote stays as written
        #[arg(long, value_enum, default_value_t = ExportLang::En)]
        lang: ExportLang,
        /// A row for every journal record, instead of the condensed timeline
        #[arg(long)]
        full: bool,
    },
    /// Check a run's journal hash chain (exit 0 intact, 1 broken)
    Verify {
        /// The run's directory (printed at its start and end), or its run id
        run_dir: PathBuf,
        /// The chain head kept elsewhere (printed at the end of the run)
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
    },
    /// Print the JSON Schema of the runbook format
    Schema,
    /// Print shell completions (bash, zsh, fish, …)
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The runbook file
    #[arg(value_name = "RUNBOOK")]
    pub runbook: PathBuf,
    /// A parameter value
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Where run directories go (default: $SHISA_JOURNAL_DIR, $XDG_STATE_HOME/shisa/runs, ~/.local/state/shisa/runs)
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Line mode over stdin/stdout
    #[arg(long)]
    pub headless: bool,
    /// Let members of GROUP watch and approve (socket mode 0660)
    #[arg(long, value_name = "GROUP")]
    pub share_with: Option<String>,
    /// Start outside the change window; the reason is journaled as an override
    #[arg(long, value_name = "REASON")]
    pub outside_window: Option<String>,
    /// The runbook's environment to run in (required when it names `environments:`); one
    /// that `needs_rehearsal` starts only on a recent completed run of the same runbook there
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run's directory (printed at its start and end), or its run id
    pub run_dir: PathBuf,
    /// Line mode over stdin/stdout
    #[arg(long)]
    pub headless: bool,
    /// A value the journal could not keep: a secret, or a value that contains one (secrets
    /// are never journaled, so a resume needs them again)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Let members of GROUP watch and approve (socket mode 0660)
    #[arg(long, value_name = "GROUP")]
    pub share_with: Option<String>,
    /// Continue outside the change window; the reason is journaled as an override
    #[arg(long, value_name = "REASON")]
    pub outside_window: Option<String>,
    /// The runbook to go on with (default: the copy kept in the run directory). The same
    /// file the run uses (e.g. where the journal had to mask its path), or with --reason an
    /// edited one: every step the run has finished must be unchanged
    #[arg(long, value_name = "FILE")]
    pub runbook: Option<PathBuf>,
    /// Why the run goes on with an edited --runbook; journaled with the steps that differ
    #[arg(long, value_name = "TEXT", requires = "runbook")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The run's directory (printed at its start and end), or its run id
    pub run: PathBuf,
    /// Why the changes are undone now (journaled)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,
    /// Line mode over stdin/stdout
    #[arg(long)]
    pub headless: bool,
    /// A secret the journal could not keep, given again
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Let members of GROUP watch (socket mode 0660)
    #[arg(long, value_name = "GROUP")]
    pub share_with: Option<String>,
    /// Undo outside the change window; the reason is journaled as an override
    #[arg(long, value_name = "REASON")]
    pub outside_window: Option<String>,
    /// The runbook (default: the copy kept in the run directory); it must be the very
    /// runbook the run uses (same SHA-256): the rollback commands are the run's own
    #[arg(long, value_name = "FILE")]
    pub runbook: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportLang {
    En,
    Ja,
}

impl From<ExportLang> for crate::phrase::Lang {
    fn from(l: ExportLang) -> crate::phrase::Lang {
        match l {
            ExportLang::En => crate::phrase::Lang::En,
            ExportLang::Ja => crate::phrase::Lang::Ja,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Html,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn help_lists_every_command_including_completions_man_and_rollback() {
        let help = super::Cli::command().render_help().to_string();
        for name in [
            "completions",
            "man",
            "rollback",
            "approve",
            "plan",
            "review",
        ] {
            assert!(
                help.lines().any(|l| l.trim_start().starts_with(name)),
                "{name} missing:\n{help}"
            );
        }
    }

    /// Help text is written in doc comments, where a number cannot come from `Exit`: this
    /// holds each exit code it names to the enum, so a renumbering cannot leave it wrong.
    #[test]
    fn the_exit_codes_help_names_are_the_exit_enums() {
        use crate::exit::Exit;
        // Whitespace as one space: help wraps to the terminal's width.
        let words = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut cmd = super::Cli::command();
        let long = words(cmd.render_long_help().to_string());
        for (exit, meaning) in [
            (Exit::Ok, "completed"),
            (Exit::Failed, "a step failed"),
            (Exit::Invalid, "invalid runbook"),
            (Exit::Aborted, "aborted by the operator"),
            (Exit::Refused, "refused"),
            (Exit::CompletedWithExceptions, "completed with exceptions"),
        ] {
            let said = format!("{exit} {meaning}");
            assert!(long.contains(&said), "`{said}` missing:\n{long}");
        }
        let mut about = |name: &str| {
            let sub = cmd.find_subcommand_mut(name).unwrap();
            words(sub.render_long_help().to_string())
        };
        for (name, said) in [
            ("plan", format!("exit {} if one would", Exit::Refused)),
            (
                "resume",
                format!("nothing to resume: exit {}", Exit::Invalid),
            ),
            (
                "review",
                format!("Exit {} when a path breaks", Exit::Failed),
            ),
            (
                "approve",
                format!("exit {} granted, {} not", Exit::Ok, Exit::Failed),
            ),
            (
                "verify",
                format!("exit {} intact, {} broken", Exit::Ok, Exit::Failed),
            ),
        ] {
            let help = about(name);
            assert!(help.contains(&said), "{name}: `{said}` missing:\n{help}");
        }
    }
}
