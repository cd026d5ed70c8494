//! `shisa runs` as a table for people: one run a line, then what is left in place and why
//! it ended; text from journals made safe to print.

use chrono::{DateTime, Utc};

use super::run_history::RunSummary;
use crate::text_safety::one_line;

/// The listing as a table, one run a line; text from journals made safe to print. Given
/// a terminal too narrow for every column (80 columns), the runbook and the operator move
/// to a line of their own under the run, so that no line wraps.
pub fn table(runs: &[RunSummary], now: DateTime<Utc>, width: Option<usize>) -> String {
    let wide = columns(runs, now, false);
    match width {
        Some(room) if wide.width() > room => {
            let narrow = columns(runs, now, true);
            narrow.print(runs, Some(room))
        }
        _ => wide.print(runs, width),
    }
}

struct Columns {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    widths: Vec<usize>,
    /// The runbook and operator go on a line of their own.
    narrow: bool,
}

fn columns(runs: &[RunSummary], now: DateTime<Utc>, narrow: bool) -> Columns {
    let header = if narrow {
        vec!["RUN", "ENV", "STARTED", "DURATION", "OUTCOME"]
    } else {
        vec![
            "RUN", "RUNBOOK", "ENV", "OPERATOR", "STARTED", "DURATION", "OUTCOME",
        ]
    };
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let outcome = if r.live {
                "● live".to_string()
            } else {
                r.outcome.clone()
            };
            let env = r.env.as_deref().map(one_line).unwrap_or_else(|| "-".into());
            let start = started(&r.started, now, narrow);
            let took = duration(r.duration_ms);
            if narrow {
                vec![r.id.clone(), clip(&env, 12), start, took, outcome]
            } else {
                vec![
                    r.id.clone(),
                    clip(&one_line(&r.runbook), 40),
                    env,
                    clip(&one_line(&r.operator), 24),
                    start,
                    took,
                    outcome,
                ]
            }
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    Columns {
        header,
        rows,
        widths,
        narrow,
    }
}

impl Columns {
    fn width(&self) -> usize {
        self.widths.iter().sum::<usize>() + 2 * (self.widths.len() - 1)
    }

    fn line(&self, cells: &[String]) -> String {
        let mut s = String::new();
        for (n, (cell, w)) in cells.iter().zip(&self.widths).enumerate() {
            if n + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    }

    fn print(&self, runs: &[RunSummary], width: Option<usize>) -> String {
        let room = width.map_or(110, |w| w.saturating_sub(4).clamp(20, 110));
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        let mut out = self.line(&header);
        for (row, r) in self.rows.iter().zip(runs) {
            out.push_str(&self.line(row));
            if self.narrow {
                let who = format!("{} · {}", one_line(&r.runbook), one_line(&r.operator));
                out.push_str(&format!("    {}\n", clip(&who, room)));
            }
            if !r.left_in_place.is_empty() {
                out.push_str(&format!(
                    "    ! changes left in place: {}\n",
                    one_line(&r.left_in_place.join(", "))
                ));
            }
            if let Some(why) = r.reason.as_deref().filter(|_| r.outcome != "completed") {
                out.push_str(&format!("    {}\n", clip(&one_line(why), room)));
            }
        }
        out
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The start in this machine's time zone: the time alone today, else the date too (without
/// the year in the narrow table).
fn started(ts: &str, now: DateTime<Utc>, short: bool) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(ts) else {
        return ts.to_string();
    };
    let local = t.with_timezone(&chrono::Local);
    if local.date_naive() == now.with_timezone(&chrono::Local).date_naive() {
        local.format("%H:%M:%S").to_string()
    } else if short {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{}.{}s", s, (ms % 1000) / 100),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a_run(id: &str, runbook: &str, env: Option<&str>) -> RunSummary {
        RunSummary {
            id: id.into(),
            dir: format!("/runs/{id}"),
            runbook: runbook.into(),
            runbook_path: "/r.yaml".into(),
            runbook_sha256: "ab".into(),
            env: env.map(String::from),
            operator: "ops1@bastion-eu-1".into(),
            started: "2023-12-05T08:15:00.000+00:00".into(),
            duration_ms: 93_000,
            outcome: "stopped (resumable)".into(),
            live: false,
            left_in_place: vec!["grow".into()],
            reason: Some("SIGHUP: the terminal went away, and this reason is long enough to need cutting at eighty columns".into()),
        }
    }

    #[test]
    fn at_80_columns_no_line_wraps_and_the_environment_is_named() {
        let now = "2023-12-06T08:00:00Z".parse().unwrap();
        let runs = [
            a_run(
                "20231205T081500Z-3f9a",
                "Narrow the database master user's host",
                Some("staging"),
            ),
            a_run("20231205T071500Z-1b2c", "Demo", None),
        ];
        let text = table(&runs, now, Some(80));
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains(" ENV "), "{text}");
        assert!(lines[1].contains(" staging "), "{text}");
        assert!(lines[1].ends_with("stopped (resumable)"), "{text}");
        // The runbook and who ran it, on the run's second line.
        assert_eq!(
            lines[2],
            "    Narrow the database master user's host · ops1@bastion-eu-1"
        );
        assert!(text.contains("! changes left in place: grow"), "{text}");
        // Piped (no terminal), nothing is cut but the 40-column cap on a runbook's name.
        let wide = table(&runs, now, None);
        let first = wide.lines().nth(1).unwrap();
        assert!(
            first.contains("Narrow the database master user's host  staging  ops1@"),
            "{wide}"
        );
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(1_250), "1.2s");
        assert_eq!(duration(63_000), "1m03s");
        assert_eq!(duration(3_780_000), "1h03m");
    }
}
