//! Two lines at the top: what runs and for how long; who runs it, when the change window
//! closes (and how long is left) in the runbook's own time zone, and who is watching.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, View, fit, hms};
use crate::engine::{Engine, Phase};
use crate::runbook::window::Verdict;

/// Under this, the countdown turns to a warning.
const CLOSING_SOON_SECS: i64 = 15 * 60;

pub fn render(f: &mut Frame, area: Rect, v: &View) {
    let t = v.theme;
    let e = v.e;
    let width = area.width as usize;
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
    let top = Line::from(vec![
        Span::raw(left),
        Span::raw(" ".repeat(pad)),
        Span::raw(right),
    ])
    .style(t.bar());

    // At 80 columns the host and the word "run" give way; the window and its time stay.
    let wide = width >= 100;
    let who = if wide {
        format!("{}@{}", e.operator().user, e.operator().host)
    } else {
        e.operator().user.clone()
    };
    let mut second = vec![
        Span::raw(if wide {
            format!(" run {}", v.ui.run_id)
        } else {
            format!(" {}", v.ui.run_id)
        }),
        Span::styled(" · ", t.dim()),
        Span::raw(who),
        Span::styled(" · ", t.dim()),
    ];
    let (text, style) = window(e, v.now, t);
    // "window closes 16:00 JST": at 80 columns "closes 16:00 JST" says the same.
    let text = if wide {
        text
    } else {
        text.strip_prefix("window ")
            .filter(|rest| rest.starts_with("closes"))
            .map_or(text.clone(), str::to_string)
    };
    second.push(Span::styled(text, style));
    second.push(Span::styled(" · ", t.dim()));
    let (text, style) = watching(e, t);
    second.push(Span::styled(text, style));
    // One line, whatever the names: cut at the edge rather than wrapped into the panes.
    let used: usize = second.iter().map(|s| s.content.chars().count()).sum();
    if used > width
        && let Some(last) = second.last_mut()
    {
        let room = width.saturating_sub(used - last.content.chars().count());
        *last = Span::styled(fit(&last.content, room), last.style);
    }
    f.render_widget(Paragraph::new(vec![top, Line::from(second)]), area);
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

/// Who is watching, by name: the operator knows who sees the screen.
fn watching(e: &Engine, t: Theme) -> (String, Style) {
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
    (format!("watching: {}", names.join(", ")), t.accent())
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
