//! Two lines at the top: what runs and for how long; who runs it, the change window in the
//! runbook's own time zone, and who is watching.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{View, fit, hms};
use crate::engine::Phase;
use crate::runbook::window::Verdict;

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
    let left = format!(" shisa │ {}", e.runbook().name);
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
    match &e.runbook().window {
        None => second.push(Span::styled("no window", t.dim())),
        Some(w) => {
            let local = v
                .now
                .with_timezone(&w.timezone)
                .format("%a %H:%M %Z")
                .to_string();
            match (w.verdict(v.now), e.window_override()) {
                (Verdict::Inside { .. }, _) => {
                    second.push(Span::styled(format!("window open {local}"), t.ok()))
                }
                (Verdict::Outside { .. }, Some(_)) => second.push(Span::styled(
                    format!("window CLOSED, overridden {local}"),
                    t.warn(),
                )),
                (Verdict::Outside { .. }, None) => {
                    second.push(Span::styled(format!("window CLOSED {local}"), t.bad()))
                }
            }
        }
    }
    second.push(Span::styled(" · ", t.dim()));
    let n = e.watchers().len();
    let watching = match n {
        0 if wide => "nobody watching".to_string(),
        0 => "0 watching".to_string(),
        1 => "1 watching".to_string(),
        n => format!("{n} watching"),
    };
    second.push(Span::styled(
        watching,
        if n > 0 { t.accent() } else { t.dim() },
    ));
    f.render_widget(Paragraph::new(vec![top, Line::from(second)]), area);
}
