//! `shisa verify RUN_DIR [--head HASH]`: exit 0 intact, 1 broken (naming the first bad line).

use std::path::Path;

use crate::exit::{Exit, Result};
use crate::journal::reader::{self, ReadError};

pub fn run(run_dir: &Path, head: Option<&str>) -> Result<Exit> {
    let journal = match reader::read(run_dir) {
        Ok(j) => j,
        Err(ReadError::Broken(b)) => {
            println!("BROKEN at line {}: {}", b.line, b.reason);
            return Ok(Exit::Failed);
        }
        Err(e) => return Err(crate::exit::Error::Invalid(e.to_string())),
    };
    let logs = match reader::check_logs(run_dir, &journal) {
        Ok(n) => n,
        Err(b) => {
            println!("BROKEN at line {}: {}", b.line, b.reason);
            return Ok(Exit::Failed);
        }
    };
    let n = journal.records.len();
    if let Some(want) = head {
        match journal
            .hashes
            .iter()
            .position(|h| h.eq_ignore_ascii_case(want.trim()))
        {
            Some(k) if k + 1 == n => println!("head {} is the last record (line {n})", want.trim()),
            // A finished run's journal ends at its head: whatever follows was added later.
            Some(k) if reader::ended_at(&journal.records, k + 1).is_some() => {
                let next = &journal.records[k + 1];
                let hint = if reader::CONTINUATIONS.contains(&next.body.kind()) {
                    "; if `shisa resume` or `shisa rollback` continued the run, check against the head it printed"
                } else {
                    ""
                };
                println!(
                    "BROKEN at line {}: a `{}` record follows head {} (line {}), where the run had finished: its journal ends there, so lines {}–{n} were appended afterwards{hint}",
                    k + 2,
                    next.body.kind(),
                    want.trim(),
                    k + 1,
                    k + 2,
                );
                return Ok(Exit::Failed);
            }
            Some(k) => println!(
                "head {} is line {} of {n}: the journal continued after it",
                want.trim(),
                k + 1
            ),
            None => {
                println!(
                    "BROKEN: head {} is not in this journal (cut off or replaced)",
                    want.trim()
                );
                return Ok(Exit::Failed);
            }
        }
    }
    println!(
        "intact: {n} records, {logs} output logs match, chain head {}",
        journal.head()
    );
    if let Some(torn) = &journal.torn {
        println!(
            "note: the last line is torn ({} bytes without a newline) — a crash while writing, not tampering; `shisa resume` moves it aside",
            torn.len()
        );
    }
    Ok(Exit::Ok)
}
