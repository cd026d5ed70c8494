//! Reading the history of runs for `shisa runs`: id, runbook, operator, start,
//! duration, outcome, changes left in place, of every run directory.
//!
//! It must answer at once on a journal directory of years of runs (`benches/runs.sh`: 1,000
//! runs), so it reads each journal once, line by line into a few borrowed fields, never
//! verifying the chain (`shisa verify` and `shisa export` do that for one run); the engine
//! replays only a run that did not complete and in which a change may have begun, to say
//! what it leaves in place (`runs_left.rs`). Run ids sort by time, so the directory
//! listing alone orders them; without `--all` only the newest are opened at all.

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::exit::{Error, Result};
use crate::journal::record::StepStatus;

/// Runs shown without `--all`: a screenful, the ones an operator comes back to.
pub const RECENT: usize = 20;

/// The outcome of a run whose journal a newer shisa wrote; the reason says which format.
pub const UNREADABLE: &str = "unreadable";

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub all: bool,
    /// Only runs of this runbook (same file path, or the same content).
    pub runbook: Option<PathBuf>,
    pub json: bool,
    /// Default: the journal directory every command uses.
    pub journal_dir: Option<PathBuf>,
}

/// One run as the listing shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub id: String,
    pub dir: String,
    pub runbook: String,
    pub runbook_path: String,
    pub runbook_sha256: String,
    /// `run --env NAME`, when the run named one.
    pub env: Option<String>,
    pub operator: String,
    pub started: String,
    /// From the first record to the last (to now, for a live run).
    pub duration_ms: u64,
    /// `completed`, `failed`, … ; `live` while a process drives it; `stopped` when it
    /// ended without `run_finished` (resumable).
    pub outcome: String,
    pub live: bool,
    /// The changes the run leaves in place, by step id, as the engine says them
    /// (`runs_left.rs`: what the run's last words, the TUI and `shisa export` list); empty
    /// for a completed run, whose changes are the point. Only when the runbook the run used
    /// is gone, the journal's own account: changes begun and not rolled back (a change a
    /// later `closes:` step undid is then still listed).
    pub left_in_place: Vec<String>,
    /// Why the run ended or stopped, when the journal says.
    pub reason: Option<String>,
}

/// The runs under `dir`, newest first.
pub fn list(dir: &Path, o: &Options) -> Result<Vec<RunSummary>> {
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Invalid(format!(
                "cannot list the journal directory {}: {e}",
                dir.display()
            )));
        }
    };
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| looks_like_run_id(name))
        .collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let wanted = o.runbook.as_deref().map(Wanted::new).transpose()?;
    let limit = if o.all { usize::MAX } else { RECENT };
    let now = Utc::now();
    let mut runs = Vec::new();
    for id in ids {
        if runs.len() >= limit {
            break;
        }
        let Some(run) = summarize(&dir.join(&id), &id, now) else {
            continue;
        };
        if wanted.as_ref().is_none_or(|w| w.matches(&run)) {
            runs.push(run);
        }
    }
    Ok(runs)
}

/// `20231205T081500Z-3f9a`: what `shisa run` names a run directory.
pub fn looks_like_run_id(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 17
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && b[16] == b'-'
        && b[17..].iter().all(u8::is_ascii_alphanumeric)
}

/// `--runbook FILE`: runs of that file, by its path then, or by its content now.
struct Wanted {
    path: String,
    sha256: Option<String>,
}

impl Wanted {
    fn new(file: &Path) -> Result<Wanted> {
        let path = file
            .canonicalize()
            .map_err(|e| Error::Invalid(format!("--runbook {}: {e}", file.display())))?;
        let sha256 = fs::read(&path).ok().map(|b| crate::hash::sha256_hex(&b));
        Ok(Wanted {
            path: path.display().to_string(),
            sha256,
        })
    }

    fn matches(&self, r: &RunSummary) -> bool {
        r.runbook_path == self.path || self.sha256.as_deref() == Some(r.runbook_sha256.as_str())
    }
}

/// The few fields of a journal line the listing needs; everything else is skipped unread.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    step: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Data<'a>,
    #[serde(borrow, default)]
    actor: Option<Who<'a>>,
}

#[derive(Deserialize, Default)]
struct Data<'a> {
    #[serde(default)]
    runbook: Option<crate::journal::record::RunbookRef>,
    #[serde(borrow, default)]
    env: Option<Cow<'a, str>>,
    #[serde(default)]
    status: Option<StepStatus>,
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reason: Option<Cow<'a, str>>,
    /// `runbook_changed`: the version the run went on with.
    #[serde(borrow, default)]
    to_sha256: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Who<'a> {
    #[serde(borrow)]
    user: Cow<'a, str>,
    #[serde(borrow)]
    host: Cow<'a, str>,
}

/// One run directory, read once. `None` when it holds no journal with a `run_started`.
pub fn summarize(dir: &Path, id: &str, now: DateTime<Utc>) -> Option<RunSummary> {
    let mut bytes = Vec::new();
    File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join("journal.jsonl"))
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .ok()?;
    let mut run = RunSummary {
        id: id.to_string(),
        dir: dir.display().to_string(),
        runbook: String::new(),
        runbook_path: String::new(),
        runbook_sha256: String::new(),
        env: None,
        operator: String::new(),
        started: String::new(),
        duration_ms: 0,
        outcome: String::new(),
        live: false,
        left_in_place: Vec::new(),
        reason: None,
    };
    // The writer writes UTF-8 (serde_json); as text, lines and needles are found with
    // memchr-backed searches rather than byte by byte (a journal of 1,000 steps is 1 MB).
    let text = String::from_utf8_lossy(&bytes);
    let (mut first, mut last_raw, mut before_last) = (None, None, None);
    // Mutating steps in order of starting, and whether each is in effect now by the
    // journal alone; `begun`: some change may have begun, so the engine is asked.
    let mut changes: Vec<(String, bool)> = Vec::new();
    let mut begun = false;
    let mut ended: Option<String> = None;
    for raw in text.split('\n') {
        let Some(kind) = kind_of(raw) else {
            continue;
        };
        before_last = last_raw.replace(raw);
        // Most lines are commands and their results: only these few kinds are parsed.
        let wanted = match kind {
            "run_started" => first.is_none(),
            "step_started" => raw.contains("\"mutating\":true"),
            // Only a change's own command: from its start the change may be in place.
            "command_started" => !changes.is_empty() && raw.contains("\"purpose\":\"main\""),
            "step_finished" | "manual_done" => !changes.is_empty(),
            "run_finished" | "run_interrupted" | "run_resumed" | "rollback_requested"
            | "runbook_changed" => true,
            _ => false,
        };
        if first.is_none() && kind != "run_started" {
            return None;
        }
        // A newer shisa's journal — from its start, or resumed or rolled back by one — is
        // listed, saying why nothing more is read of it.
        if (first.is_none() || matches!(kind, "run_resumed" | "rollback_requested"))
            && let Err(newer) = crate::journal::reader::refuse_newer(raw.as_bytes())
        {
            run.outcome = UNREADABLE.to_string();
            run.reason = Some(newer.to_string());
            run.live = is_live(dir);
            return Some(run);
        }
        if !wanted {
            continue;
        }
        // A torn last line (a crash mid-write) is simply not counted.
        let Ok(line) = serde_json::from_str::<Line>(raw) else {
            continue;
        };
        let step = line.step.as_deref().unwrap_or("");
        match line.kind.as_ref() {
            "run_started" => {
                first = DateTime::parse_from_rfc3339(&line.ts).ok();
                run.started = line.ts.to_string();
                if let Some(rb) = line.data.runbook {
                    run.runbook = rb.name;
                    run.runbook_path = rb.path;
                    run.runbook_sha256 = rb.sha256;
                }
                run.env = line.data.env.map(|e| e.to_string());
                if let Some(who) = &line.actor {
                    run.operator = format!("{}@{}", who.user, who.host);
                }
            }
            // As the engine counts a change in place (`Engine::in_effect`): once its command
            // has started, until it is rolled back or skipped — a failed, stopped or rerun
            // step may have changed something, and the run's last words list it.
            "step_started" => {
                if !changes.iter().any(|(s, _)| s == step) {
                    changes.push((step.to_string(), false));
                }
            }
            "command_started" | "manual_done" => {
                if let Some(c) = changes.iter_mut().find(|(s, _)| s == step) {
                    c.1 |= line.kind == "command_started";
                    begun = true;
                }
            }
            "step_finished" => {
                if let (Some(c), Some(status)) = (
                    changes.iter_mut().find(|(s, _)| s == step),
                    line.data.status,
                ) {
                    if status.went_on() {
                        c.1 = true;
                        begun = true;
                    } else if matches!(status, StepStatus::RolledBack | StepStatus::Skipped) {
                        c.1 = false;
                    }
                }
            }
            "run_finished" => {
                ended = line.data.outcome.map(|o| o.replace('_', " "));
                run.reason = line.data.reason.map(|r| r.to_string());
            }
            "run_interrupted" => run.reason = line.data.reason.map(|r| r.to_string()),
            // Resumed with an edited runbook: from here on the run is of that version.
            "runbook_changed" => {
                if let Some(sha) = line.data.to_sha256 {
                    run.runbook_sha256 = sha.to_string();
                }
            }
            // A continuation (resume, rollback later) reopens the run.
            _ => {
                ended = None;
                run.reason = None;
            }
        }
    }
    // The last line may be torn: then the one before it says when the run last acted.
    let last = [last_raw, before_last]
        .into_iter()
        .flatten()
        .find_map(|raw| serde_json::from_str::<Line>(raw).ok())
        .and_then(|l| DateTime::parse_from_rfc3339(&l.ts).ok())
        .or(first);
    first?;
    run.live = is_live(dir);
    run.outcome = match (&ended, run.live) {
        (_, true) => "live".to_string(),
        (Some(o), false) => o.clone(),
        (None, false) => "stopped (resumable)".to_string(),
    };
    let until = if run.live {
        Some(now.fixed_offset())
    } else {
        last
    };
    run.duration_ms = span_ms(first, until);
    if ended.as_deref() != Some("completed") && begun {
        run.left_in_place =
            super::runs_left::left_in_place(dir, &text, &run.runbook_path, &run.runbook_sha256)
                .unwrap_or_else(|| {
                    (changes.into_iter())
                        .filter(|(_, in_effect)| *in_effect)
                        .map(|(s, _)| s)
                        .collect()
                });
    }
    Some(run)
}

/// The `kind` of a journal line, read from its first bytes (the writer puts `seq`, `ts`
/// and `kind` first; a JSON string cannot hold an unescaped `"`, so the match is exact).
fn kind_of(raw: &str) -> Option<&str> {
    let head = raw.get(..raw.len().min(128)).unwrap_or(raw);
    let at = head.find("\"kind\":\"")? + 8;
    let len = head[at..].find('"')?;
    Some(&head[at..at + len])
}

fn span_ms(from: Option<DateTime<FixedOffset>>, to: Option<DateTime<FixedOffset>>) -> u64 {
    match (from, to) {
        (Some(a), Some(b)) => (b - a).num_milliseconds().max(0) as u64,
        _ => 0,
    }
}

/// A run is live while a shisa process holds its directory's lock (`session::lock`). The
/// probe takes the lock for an instant when it is free; a `resume` starting in that instant
/// waits for it (the lock is retried for 2 s).
fn is_live(dir: &Path) -> bool {
    let Ok(file) = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(".lock"))
    else {
        return false;
    };
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(_free) => false,
        Err((_, errno)) => errno == nix::errno::Errno::EWOULDBLOCK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_recognised_and_nothing_else() {
        assert!(looks_like_run_id("20231205T081500Z-3f9a"));
        for not in [
            "",
            "20231205T081500Z",
            "2023-12-05",
            "x0231205T081500Z-3f9a",
            ".lock",
        ] {
            assert!(!looks_like_run_id(not), "{not}");
        }
    }

    #[test]
    fn a_change_rolled_back_is_not_left_in_place_and_a_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("20231205T081500Z-3f9a");
        fs::create_dir(&run).unwrap();
        let lines = [
            r#"{"seq":1,"ts":"2023-12-05T08:15:00.000+00:00","kind":"run_started","data":{"runbook":{"path":"/r.yaml","sha256":"ab","name":"Demo"}},"actor":{"role":"operator","user":"ops1","uid":1,"host":"h"}}"#,
            r#"{"seq":2,"ts":"2023-12-05T08:15:01.000+00:00","kind":"step_started","step":"a","data":{"mutating":true}}"#,
            r#"{"seq":3,"ts":"2023-12-05T08:15:02.000+00:00","kind":"step_finished","step":"a","data":{"status":"ok"}}"#,
            r#"{"seq":4,"ts":"2023-12-05T08:15:03.000+00:00","kind":"step_started","step":"b","data":{"mutating":true}}"#,
            r#"{"seq":5,"ts":"2023-12-05T08:15:04.000+00:00","kind":"step_finished","step":"b","data":{"status":"ok"}}"#,
            r#"{"seq":6,"ts":"2023-12-05T08:15:05.000+00:00","kind":"step_finished","step":"b","data":{"status":"rolled_back"}}"#,
            r#"{"seq":7,"ts":"2023-12-05T08:16:05.000+00:00","kind":"run_finished","data":{"outcome":"aborted","reason":"vendor outage"}}"#,
            r#"{"seq":8,"ts":"2023-12-05T08:16:06"#,
        ];
        fs::write(run.join("journal.jsonl"), lines.join("\n")).unwrap();
        let s = summarize(&run, "20231205T081500Z-3f9a", Utc::now()).unwrap();
        assert_eq!(s.outcome, "aborted");
        assert_eq!(s.left_in_place, vec!["a".to_string()]);
        assert_eq!(s.duration_ms, 65_000);
        assert_eq!(s.operator, "ops1@h");
        assert_eq!(s.reason.as_deref(), Some("vendor outage"));
        assert!(!s.live);
    }

    #[test]
    fn a_change_whose_command_started_is_left_in_place_though_its_step_failed() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("20231205T081500Z-3f9b");
        fs::create_dir(&run).unwrap();
        let lines = [
            r#"{"seq":1,"ts":"2023-12-05T08:15:00.000+00:00","kind":"run_started","data":{"runbook":{"path":"/r.yaml","sha256":"ab","name":"Demo"}},"actor":{"role":"operator","user":"ops1","uid":1,"host":"h"}}"#,
            // `grow` ran its command, was stopped (failed) and the operator aborted.
            r#"{"seq":2,"ts":"2023-12-05T08:15:01.000+00:00","kind":"step_started","step":"grow","data":{"mutating":true}}"#,
            r#"{"seq":3,"ts":"2023-12-05T08:15:02.000+00:00","kind":"command_started","step":"grow","data":{"purpose":"describe","attempt":1}}"#,
            r#"{"seq":4,"ts":"2023-12-05T08:15:03.000+00:00","kind":"command_started","step":"grow","data":{"purpose":"main","attempt":1}}"#,
            r#"{"seq":5,"ts":"2023-12-05T08:15:04.000+00:00","kind":"step_finished","step":"grow","data":{"status":"failed"}}"#,
            // `narrow` was refused at its target: its command never started.
            r#"{"seq":6,"ts":"2023-12-05T08:15:05.000+00:00","kind":"step_started","step":"narrow","data":{"mutating":true}}"#,
            r#"{"seq":7,"ts":"2023-12-05T08:15:06.000+00:00","kind":"command_started","step":"narrow","data":{"purpose":"describe","attempt":1}}"#,
            r#"{"seq":8,"ts":"2023-12-05T08:15:07.000+00:00","kind":"step_finished","step":"narrow","data":{"status":"failed"}}"#,
            r#"{"seq":9,"ts":"2023-12-05T08:16:05.000+00:00","kind":"run_finished","data":{"outcome":"failed","reason":"vendor says wait"}}"#,
        ];
        fs::write(run.join("journal.jsonl"), lines.join("\n")).unwrap();
        let s = summarize(&run, "20231205T081500Z-3f9b", Utc::now()).unwrap();
        assert_eq!(s.left_in_place, vec!["grow".to_string()]);
    }
}
