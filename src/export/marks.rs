//! The chart's marker shapes (approval diamond, failure triangle, rollback triangle,
//! override square, run-end circle), the bars' colours, and its legend.

use std::fmt::Write;

use super::model::{BarStatus, Marker};
use super::words::{DocumentWords, Label};

/// A bar's fill by its state (the legend's colours).
pub fn colour(s: BarStatus) -> &'static str {
    match s {
        BarStatus::Ok => "#2e9d4e",
        BarStatus::Failed => "#d64545",
        BarStatus::RolledBack => "#e0a526",
        BarStatus::Skipped => "#c9c9c9",
        BarStatus::Continued => "#c2410c",
        BarStatus::Overridden => "#7a3fb0",
        BarStatus::Unproven => "#b08900",
        BarStatus::Running | BarStatus::InDoubt => "url(#open)",
        BarStatus::Stopped => "#8a8a8a",
        // Dark: the bar stops where the trusted record does, not where the work did.
        BarStatus::Damaged => "#4b3b3b",
        BarStatus::Aborted => "#5f6b7a",
        // The legend's red: a refusal stops the run as a failure does.
        BarStatus::Refused => "#d64545",
        BarStatus::Halted => "url(#open)",
        BarStatus::NotStarted => "none",
    }
}

/// The shape of a marker, centred on (x, y).
pub fn shape(m: Marker, x: f64, y: f64) -> Option<String> {
    let r = 6.5;
    Some(match m {
        Marker::Approved => format!(
            "<polygon class=\"mk approve\" points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\"",
            y - r,
            x + r,
            y + r,
            x - r
        ),
        Marker::Failed
        | Marker::Refused
        | Marker::Mismatch
        | Marker::WindowClosed
        | Marker::Aborted => format!(
            "<polygon class=\"mk fail\" points=\"{:.1},{:.1} {:.1},{:.1} {x:.1},{:.1}\"",
            x - r,
            y - r,
            x + r,
            y - r,
            y + r
        ),
        Marker::Rollback | Marker::RolledBack => format!(
            "<polygon class=\"mk rollback\" points=\"{:.1},{:.1} {:.1},{:.1} {x:.1},{:.1}\"",
            x - r,
            y + r,
            x + r,
            y + r,
            y - r
        ),
        Marker::Override | Marker::Exceptions => format!(
            "<rect class=\"mk override\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"",
            x - r + 1.0,
            y - r + 1.0,
            2.0 * r - 2.0,
            2.0 * r - 2.0
        ),
        Marker::Interrupted | Marker::Resumed | Marker::Completed => format!(
            "<circle class=\"mk {}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\"",
            if m == Marker::Completed {
                "done"
            } else {
                "pause"
            },
            r - 1.0
        ),
        Marker::Waived => return None,
    })
}

/// `drawn`: the states of the bars on the chart; a rare one gets its entry only when drawn.
pub fn legend(o: &mut String, y: f64, w: &dyn DocumentWords, drawn: &[BarStatus]) {
    use Label::*;
    let mut items: Vec<(&str, &str)> = vec![
        ("#2e9d4e", w.label(LegendOk)),
        ("#d64545", w.label(LegendFailed)),
        ("#e0a526", w.label(LegendRolledBack)),
        ("url(#hatch)", w.label(LegendRollbackRunning)),
        ("url(#open)", w.label(LegendOpen)),
    ];
    if drawn.contains(&BarStatus::Aborted) {
        items.push((colour(BarStatus::Aborted), w.label(LegendAborted)));
    }
    if drawn.contains(&BarStatus::Damaged) {
        items.push((colour(BarStatus::Damaged), w.label(LegendDamaged)));
    }
    let mut x = 8.0;
    for (fill, label) in items {
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"12\" rx=\"2\" fill=\"{fill}\"/><text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">{label}</text>",
            y - 10.0,
            x + 28.0,
            y
        );
        x += 40.0 + text_width(label);
    }
    let marks = [
        (Marker::Approved, w.label(LegendApproval)),
        (Marker::Failed, w.label(LegendFailure)),
        (Marker::Rollback, w.label(LegendRollback)),
        (Marker::Override, w.label(LegendOverride)),
        (Marker::Completed, w.label(LegendFinished)),
    ];
    let mut x = 14.0;
    let y2 = y + 24.0;
    for (m, label) in marks {
        if let Some(open) = shape(m, x, y2 - 4.0) {
            let _ = write!(o, "{open}/>");
        }
        let _ = write!(
            o,
            "<text class=\"legend\" x=\"{:.1}\" y=\"{y2:.1}\">{label}</text>",
            x + 12.0
        );
        x += 40.0 + text_width(label);
    }
}

/// About how wide a label is drawn: a CJK character takes twice a Latin one.
fn text_width(label: &str) -> f64 {
    unicode_width::UnicodeWidthStr::width(label) as f64 * 7.0
}
