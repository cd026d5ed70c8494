//! `shisa export RUN [RUN…] [--format md|json|html] [-o FILE] [--tz ZONE] [--lang en|ja]
//! [--full]`: the runs' journals as one postmortem, their timelines merged by time. Exit 0
//! when the export is written from journals that all verify (live, halted and cut-off runs
//! included: the export says so); 1 when a journal or an output log fails verification: the
//! export is still written, with only the lines that verify and a loud warning, because a
//! damaged journal is exactly when a timeline is needed, but a script must not mistake it
//! for a clean record (if not even the first line of a journal verifies, nothing is
//! written); 2 for a bad invocation (no such run directory, no journal, unknown zone, a
//! journal a newer shisa wrote), and nothing is written. Its errors are English whatever
//! `--lang` says, as every command's are (clap's usage errors and the run names shared with
//! `verify` and `resume` included); `--lang` is the document's language, and the warnings
//! on stderr that repeat what the document says follow it.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::cli::ExportFormat;
use crate::exit::{Error, Exit, Result};
use crate::export::{self, OpenError, Options, build, html, json, markdown, source};

pub fn run(
    runs: &[PathBuf],
    format: ExportFormat,
    output: Option<&Path>,
    tz: Option<&str>,
    opts: Options,
) -> Result<Exit> {
    let flag = tz
        .map(export::zone::parse)
        .transpose()
        .map_err(Error::Invalid)?;
    let mut opened = Vec::with_capacity(runs.len());
    for dir in runs {
        let src = source::open(dir).map_err(|e| match e {
            OpenError::NotARun(m) | OpenError::Newer(m) => Error::Invalid(m),
            OpenError::Unreadable(m) | OpenError::Broken(m) => Error::Failed(m),
        })?;
        // In English, as every error of every command is, whatever `--lang` says: `--lang`
        // is the document's language, and nothing is written when the invocation is bad.
        if let Some(k) = opened.iter().position(|o: &source::OpenedRun| {
            o.journal.records.first() == src.journal.records.first()
        }) {
            return Err(Error::Invalid(format!(
                "{} and {} are the same run (one journal under two names); give each run once",
                runs[k].display(),
                dir.display()
            )));
        }
        opened.push(src);
    }
    if opened.is_empty() {
        return Err(Error::Invalid("no run to export".into()));
    }
    let zone = export::zone_for(&opened, flag);
    let report = build::postmortem(&opened, &zone, opts);
    let text = match format {
        ExportFormat::Md => markdown::render(&report),
        ExportFormat::Json => json::render(&report),
        ExportFormat::Html => html::render(&report),
    };
    write(output, &text, file_mode(&opened))?;
    // Said on stderr too, so a reader of a redirected export cannot miss it.
    for w in &report.warnings {
        eprintln!("shisa: {w}");
    }
    if let Some(path) = output {
        let ids: Vec<&str> = report.runs.iter().map(|r| r.run.run_id.as_str()).collect();
        let said = report
            .words()
            .wrote(name(format), &ids, &path.display().to_string());
        eprintln!("shisa: {said}");
    }
    Ok(if report.runs.iter().all(|r| r.integrity.verify_passed) {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

fn name(f: ExportFormat) -> &'static str {
    match f {
        ExportFormat::Md => "Markdown",
        ExportFormat::Json => "JSON",
        ExportFormat::Html => "HTML",
    }
}

/// The mode a new export file gets: a postmortem is a document to hand on, so others may
/// read it (0644, less what the umask takes away), unless a run it comes from is private
/// (its directory lets no one else in, as shisa creates it): then the export keeps to its
/// owner too, and says no more than the journal it comes from would.
fn file_mode(opened: &[source::OpenedRun]) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let private = opened.iter().any(|o| {
        std::fs::metadata(&o.run_dir).map_or(true, |m| m.permissions().mode() & 0o077 == 0)
    });
    if private { 0o600 } else { 0o644 }
}

/// Writes to FILE (created with `mode`) or stdout.
fn write(output: Option<&Path>, text: &str, mode: u32) -> Result<()> {
    let result = match output {
        Some(path) => std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.flush()))
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write to standard output: {e}"))
                }
                _ => Ok(()),
            }
        }
    };
    result.map_err(Error::Failed)
}
