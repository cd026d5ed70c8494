//! `shisa check`: validate and lint runbooks; nothing runs.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::phrase::counted;
use crate::runbook::{load_file, model::StepKind};
use crate::term::stderr_color;

pub fn run(files: &[PathBuf]) -> Exit {
    let color = stderr_color();
    let mut failed = false;
    for path in files {
        match load_file(path) {
            Ok(loaded) => {
                if !loaded.warnings.is_empty() {
                    let report = loaded.report(loaded.warnings.clone());
                    eprint!("{}", report.render(color));
                }
                let rb = &loaded.runbook;
                let mutating = rb.steps.iter().filter(|s| s.mutating).count();
                let manual = rb
                    .steps
                    .iter()
                    .filter(|s| s.kind == StepKind::Manual)
                    .count();
                let waivers: usize = rb.steps.iter().map(|s| s.waive.len()).sum();
                // Steps of a `for_each` block are counted once, as written.
                let loops = match rb.loops.len() {
                    0 => String::new(),
                    n => format!(
                        ", {}",
                        counted(n as u64, "for_each block", "for_each blocks")
                    ),
                };
                println!(
                    "{}: ok — {} ({} mutating, {} manual), {}{loops}{}",
                    path.display(),
                    counted(rb.steps.len() as u64, "step", "steps"),
                    mutating,
                    manual,
                    counted(waivers as u64, "waiver", "waivers"),
                    environments(rb)
                );
            }
            Err(report) => {
                failed = true;
                eprint!("{}", report.render(color));
                eprintln!(
                    "{}: {} error(s); nothing ran",
                    path.display(),
                    report.errors()
                );
            }
        }
    }
    if failed { Exit::Invalid } else { Exit::Ok }
}

/// `; environments: staging, production (needs a completed staging run within 14d)`.
fn environments(rb: &crate::runbook::Runbook) -> String {
    if rb.environments.is_empty() {
        return String::new();
    }
    let list: Vec<String> = rb.environments.iter().map(|e| e.describe()).collect();
    format!("; environments: {}", list.join(", "))
}
