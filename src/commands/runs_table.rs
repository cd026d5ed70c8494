//! `shisa runs` as a table for people: one run a line, then what is left in place and why
//! it ended; text from journals made safe to print.

use chrono::{DateTime, Utc};

use super::run_history::RunSummary;
use crate::text_safety::one_line;

/// The listing as a table, one run a line; text from journals made safe to print.
pub fn table(runs: &[RunSummary], now: DateTime<Utc>) -> String {
    let header = [
        "RUN", "RUNBOOK", "OPERATOR", "STARTED", "DURATION", "OUTCOME",
    ];
    let rows: Vec<[String; 6]> = runs
        .iter()
        .map(|r| {
            let outcome = if r.live {
                "● live".to_string()
            } else {
                r.outcome.clone()
            };
            [
                r.id.clone(),
                clip(&one_line(&r.runbook), 40),
                clip(&one_line(&r.operator), 24),
                started(&r.started, now),
                duration(r.duration_ms),
                outcome,
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (n, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if n + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header.map(String::from));
    for (row, r) in rows.iter().zip(runs) {
        out.push_str(&line(row));
        if !r.left_in_place.is_empty() {
            out.push_str(&format!(
                "    ! changes left in place: {}\n",
                one_line(&r.left_in_place.join(", "))
            ));
        }
        if let Some(why) = r.reason.as_deref().filter(|_| r.outcome != "completed") {
            out.push_str(&format!("    {}\n", clip(&one_line(why), 110)));
        }
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The start in this machine's time zone: the time alone today, else the date too.
fn started(ts: &str, now: DateTime<Utc>) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(ts) else {
        return ts.to_string();
    };
    let local = t.with_timezone(&chrono::Local);
    if local.date_naive() == now.with_timezone(&chrono::Local).date_naive() {
        local.format("%H:%M:%S").to_string()
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

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(1_250), "1.2s");
        assert_eq!(duration(63_000), "1m03s");
        assert_eq!(duration(3_780_000), "1h03m");
    }
}
