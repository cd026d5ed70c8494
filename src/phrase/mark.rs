//! What kind of moment a sentence marks. A [`Mark`] is what the phrasebook decides; a
//! terminal shows it as a sign (`✓ ✗ ! ↺ ↶ ?`) plus the marker's word, the export as the
//! bold [`Marker`] word in its timeline and a shape on its chart.

use serde::Serialize;

/// The moment a sentence marks, as the phrasebook decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A step began.
    Started,
    /// A step ended and passed its checks.
    Done,
    Skipped,
    /// Something failed and the run stops at it (for now).
    Failed,
    /// A step failed and the run went on past it: in effect, not proven.
    Continued,
    /// A rule was set aside by a person (a window, a precheck, an in-doubt step).
    Override,
    /// An in-doubt step accepted as done with nothing left to prove it.
    Unproven,
    Approved,
    Refused,
    Mismatch,
    WindowClosed,
    Waived,
    /// Undoing began, or a rollback command ran.
    Rollback,
    /// A step is undone.
    StepRolledBack,
    /// A command or the run was cut short.
    Interrupted,
    Resumed,
    /// How the run ended.
    Completed,
    Exceptions,
    RolledBack,
    Aborted,
}

impl Mark {
    /// The sign a terminal shows before the sentence.
    pub fn sign(self) -> &'static str {
        match self {
            Mark::Started => "▶",
            Mark::Done | Mark::Approved | Mark::Completed => "✓",
            Mark::Skipped => "-",
            Mark::Failed | Mark::Refused | Mark::Mismatch | Mark::WindowClosed | Mark::Aborted => {
                "✗"
            }
            Mark::Continued | Mark::Override | Mark::Unproven | Mark::Waived | Mark::Exceptions => {
                "!"
            }
            Mark::Rollback => "↺",
            Mark::StepRolledBack | Mark::RolledBack => "↶",
            Mark::Interrupted => "?",
            Mark::Resumed => "↻",
        }
    }

    /// The phase marker the export shows in bold and draws on its chart; None for the
    /// ordinary progress of a step.
    pub fn marker(self) -> Option<Marker> {
        Some(match self {
            Mark::Started | Mark::Done | Mark::Skipped => return None,
            Mark::Failed | Mark::Continued => Marker::Failed,
            Mark::Override | Mark::Unproven => Marker::Override,
            Mark::Approved => Marker::Approved,
            Mark::Refused => Marker::Refused,
            Mark::Mismatch => Marker::Mismatch,
            Mark::WindowClosed => Marker::WindowClosed,
            Mark::Waived => Marker::Waived,
            Mark::Rollback | Mark::StepRolledBack => Marker::Rollback,
            Mark::Interrupted => Marker::Interrupted,
            Mark::Resumed => Marker::Resumed,
            Mark::Completed => Marker::Completed,
            Mark::Exceptions => Marker::Exceptions,
            Mark::RolledBack => Marker::RolledBack,
            Mark::Aborted => Marker::Aborted,
        })
    }
}

/// Phase markers: bold in a timeline, drawn on the export's chart, and named in its JSON
/// by these stable identifiers (`"FAILED"`, `"WINDOW_CLOSED"`) whatever the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Marker {
    Failed,
    Approved,
    Refused,
    Rollback,
    Override,
    Waived,
    Mismatch,
    WindowClosed,
    Interrupted,
    Resumed,
    Completed,
    /// The run ended with every step, but some went on without their checks passing.
    Exceptions,
    RolledBack,
    Aborted,
}

impl Marker {
    /// The marker's word in shisa's default language.
    pub fn label(self) -> &'static str {
        use super::Phrasebook;
        super::EN.label(self)
    }
}
