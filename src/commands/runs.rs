//! `shisa runs [--all] [--runbook FILE] [--json]`: past and live runs, newest first, as a
//! table (`runs_table.rs`) or as JSON; `run_history.rs` reads them.

use chrono::Utc;

use super::run_history::{Options, RECENT, list};
use super::session;
use crate::exit::{Error, Exit, Result};

pub fn run(o: &Options) -> Result<Exit> {
    let dir = o
        .journal_dir
        .clone()
        .unwrap_or_else(session::default_journal_dir);
    let runs = list(&dir, o)?;
    let mut out = String::new();
    if o.json {
        out = serde_json::to_string_pretty(&runs)
            .map_err(|e| Error::Failed(format!("cannot write JSON: {e}")))?;
        out.push('\n');
    } else if runs.is_empty() {
        out.push_str(&format!("no runs in {}\n", dir.display()));
    } else {
        out.push_str(&super::runs_table::table(
            &runs,
            Utc::now(),
            terminal_width(),
        ));
        if !o.all {
            out.push_str(&format!(
                "(newest {RECENT} at most; --all lists every run in {})\n",
                dir.display()
            ));
        }
    }
    print(&out)
}

/// The terminal's width when the table goes to one; piped, lines are not cut to fit.
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size().ok().map(|(w, _)| w as usize)
}

fn print(text: &str) -> Result<Exit> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(Exit::Ok),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(e) => Err(Error::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}
