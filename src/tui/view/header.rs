//! Lines at the top: what runs and for how long; who runs it, when the change window
//! closes (and how long is left) in the runbook's own time zone, and who is watching; and
//! the run's parameters (secrets masked), when it has any.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::{Theme, View, fit, hms};
use crate::engine::{Engine, Phase};
use crate::runbook::window::Verdict;

/// Under this, the countdown turns to a warning.
const CLOSING_SOON_SECS: i64 = 15 * 60;

/// The header's rows at this size, drawn as they are: the layout gives it as many rows as
/// it needs, so nothing on it is cut at the edge (ARCHITECTURE.md, "front ends draw
/// engine state").
pub fn lines(v: &View, width: usize, height: usize) -> Vec<Line<'static>> {
    let mut lines = vec![top(v, width)];
    lines.extend(who_and_when(v, width));
    // At 24 rows and fewer the panes need the room more than a second row of values: the
    // ones left out are counted there.
    let rows = if height > 30 { 2 } else { 1 };
    lines.extend(params_lines(v.e, width, rows, v.theme));
    lines
}

pub fn render(f: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    f.render_widget(Paragraph::new(lines), area);
}

/// What runs, and the run's state.
fn top(v: &View, width: usize) -> Line<'static> {
    let t = v.theme;
    let e = v.e;
    let state = match e.phase() {
        Phase::Finished { outcome, .. } => format!("run {}", outcome.name()),
        Phase::Halted(_) => "run stopped".into(),
        _ if e.rollback().is_some() => "ROLLING BACK".into(),
        _ => format!("elapsed {}", hms(v.elapsed)),
    };
    let badge = if v.ui.watcher {
        " WATCHING (read-only) "
    } else {
        ""
    };
    let right = format!("{badge} {state} ");
    // The environment is what the operator must never be wrong about: before the name,
    // so a narrow screen cuts the name rather than it; the rehearsal where there is room.
    let left = match e.env() {
        Some((env, Some(r))) if width >= 100 => format!(
            " shisa │ {env} │ {} │ rehearsed: {} run {}",
            e.runbook().name,
            r.env,
            r.run_id
        ),
        Some((env, _)) => format!(" shisa │ {env} │ {}", e.runbook().name),
        None => format!(" shisa │ {}", e.runbook().name),
    };
    let room = width.saturating_sub(right.chars().count());
    let left = fit(&left, room);
    let pad = room.saturating_sub(left.chars().count());
    Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::raw(right),
    ])
    .style(t.bar())
}

/// The run id, the operator, the change window and who is watching: on one row where they
/// fit, else broken between them onto a second — a closed window's "opens Wed 09:00 JST"
/// is what the operator looks for, and a name cut short is a different name.
fn who_and_when(v: &View, width: usize) -> Vec<Line<'static>> {
    let t = v.theme;
    let e = v.e;
    // At 80 columns the host and the word "run" give way; the window and its time stay.
    let wide = width >= 100;
    let who = if wide {
        format!("{}@{}", e.operator().user, e.operator().host)
    } else {
        e.operator().user.clone()
    };
    let id = if wide {
        format!("run {}", v.ui.run_id)
    } else {
        v.ui.run_id.clone()
    };
    let (text, style) = window(e, v.now, t);
    // "window closes 16:00 JST": at 80 columns "closes 16:00 JST" says the same.
    let text = if wide {
        text
    } else {
        text.strip_prefix("window ")
            .filter(|rest| rest.starts_with("closes"))
            .map_or(text.clone(), str::to_string)
    };
    let room = width.saturating_sub(1);
    let (watch, watch_style) = watching(e, room, t);
    let parts = [
        (id, Style::new()),
        (who, Style::new()),
        (text, style),
        (watch, watch_style),
    ];
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for (text, style) in parts {
        let w = text.width();
        let row = rows.last_mut().expect("one row at least");
        if !row.is_empty() && used + 3 + w > room {
            rows.push(Vec::new());
            used = 0;
        }
        let row = rows.last_mut().expect("one row at least");
        if row.is_empty() {
            row.push(Span::raw(" "));
        } else {
            row.push(Span::styled(" · ", t.dim()));
            used += 3;
        }
        // Only a single part wider than the whole row is cut, and marked so.
        row.push(Span::styled(fit(&text, room), style));
        used += w.min(room);
    }
    rows.into_iter().map(Line::from).collect()
}

/// The run's values in the runbook's order, secrets masked: what every command of this run
/// will be given, in view for the whole run. Whole `name=value` pairs, wrapped onto at most
/// `max_rows` rows; what does not fit is counted ("+2 more"), never cut mid-word.
fn params_lines(e: &Engine, width: usize, max_rows: usize, t: Theme) -> Vec<Line<'static>> {
    const LEAD: &str = " params: ";
    let shown = e.params().shown();
    let pairs: Vec<String> = e
        .runbook()
        .params
        .iter()
        .filter_map(|p| {
            shown
                .get(&p.name)
                .map(|v| format!("{}={}", p.name, crate::text_safety::one_line(v)))
        })
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    let room = width.saturating_sub(LEAD.len());
    let mut rows: Vec<Vec<&str>> = Vec::new();
    let mut next = 0;
    while next < pairs.len() && rows.len() < max_rows.max(1) {
        let mut row: Vec<&str> = Vec::new();
        let mut used = 0;
        while let Some(pair) = pairs.get(next) {
            let add = pair.width() + if row.is_empty() { 0 } else { 3 };
            if !row.is_empty() && used + add > room {
                break;
            }
            row.push(pair);
            used += add;
            next += 1;
        }
        rows.push(row);
    }
    // Pairs left over: the last row gives up pairs until "+N more" fits beside them.
    let mut more = None;
    if next < pairs.len()
        && let Some(last) = rows.last_mut()
    {
        loop {
            let tail = format!("+{} more", pairs.len() - next);
            let used = joined(last).width() + 3 + tail.width();
            if used <= room || last.len() <= 1 {
                more = Some(tail);
                break;
            }
            last.pop();
            next -= 1;
        }
    }
    let count = rows.len();
    rows.into_iter()
        .enumerate()
        .map(|(n, row)| {
            let lead = if n == 0 {
                LEAD.to_string()
            } else {
                " ".repeat(LEAD.len())
            };
            let mut text = joined(&row);
            if n + 1 == count
                && let Some(more) = &more
            {
                text = format!("{text} · {more}");
            }
            // Only a single value wider than the whole row is cut, and marked so.
            Line::styled(format!("{lead}{}", fit(&text, room)), t.dim())
        })
        .collect()
}

fn joined(pairs: &[&str]) -> String {
    pairs.join(" · ")
}

/// The change window as the operator needs it mid-run: open until when, and how long is
/// left; or closed, and whether an override is on record.
pub fn window(e: &Engine, now: DateTime<Utc>, t: Theme) -> (String, Style) {
    let Some(w) = &e.runbook().window else {
        return ("no change window".into(), t.dim());
    };
    match (w.verdict(now), e.window_override()) {
        (Verdict::Inside { .. }, _) => match w.next_closing(now) {
            Some(at) => {
                let left = (at.with_timezone(&Utc) - now).num_seconds();
                let text = format!(
                    "window closes {} (in {})",
                    at.format("%H:%M %Z"),
                    countdown(left)
                );
                let style = if left <= CLOSING_SOON_SECS {
                    t.warn()
                } else {
                    t.ok()
                };
                (text, style)
            }
            None => ("window open".into(), t.ok()),
        },
        (Verdict::Outside { .. }, Some(_)) => ("window CLOSED, overridden".into(), t.warn()),
        (Verdict::Outside { .. }, None) => {
            let opens = w
                .next_opening(now)
                .map(|at| format!(", opens {}", at.format("%a %H:%M %Z")))
                .unwrap_or_default();
            (format!("window CLOSED{opens}"), t.bad())
        }
    }
}

/// `1h03m`, `12m05s`, `2d04h`: minutes matter most, seconds only near the end.
pub fn countdown(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        _ => format!("{}d{:02}h", s / 86400, s / 3600 % 24),
    }
}

/// Who is watching, by name: the operator knows who sees the screen. The names that fit
/// in `room`, and how many more.
fn watching(e: &Engine, room: usize, t: Theme) -> (String, Style) {
    // A watcher is journaled as `user (uid, pid)`; the header names people, once each.
    let mut names: Vec<&str> = e
        .watchers()
        .iter()
        .map(|w| w.split(" (").next().unwrap_or(w))
        .collect();
    names.dedup();
    if names.is_empty() {
        return ("nobody watching".into(), t.dim());
    }
    let mut shown = names.len();
    loop {
        let rest = names.len() - shown;
        let more = if rest > 0 {
            format!(" +{rest} more")
        } else {
            String::new()
        };
        let text = format!("watching: {}{more}", names[..shown].join(", "));
        if text.width() <= room || shown <= 1 {
            return (text, t.accent());
        }
        shown -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::countdown;

    #[test]
    fn countdowns_read_at_a_glance() {
        assert_eq!(countdown(3780), "1h03m");
        assert_eq!(countdown(725), "12m05s");
        assert_eq!(countdown(-5), "0m00s");
        assert_eq!(countdown(2 * 86400 + 4 * 3600 + 59), "2d04h");
    }
}
