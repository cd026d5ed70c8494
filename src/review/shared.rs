//! What the walk records of the rollbacks it followed, for failure paths that end in the
//! same one to share (`suffix.rs` decides when): kept apart from the walk's code, which
//! holds a path's recording, and from the sharing, which reads the walk's cursor.

use std::collections::{BTreeMap, HashMap};

use crate::journal::record::Outcome;

use super::paths::Undone;

/// What decides the rest of a rollback: the steps left in its plan, the changes kept,
/// whether it is incomplete, the run's values, and each loop pass's values.
pub(super) type SuffixKey = (
    Vec<usize>,
    Vec<usize>,
    bool,
    BTreeMap<String, String>,
    Vec<BTreeMap<String, String>>,
);

/// One rollback step's stretch of a recorded rollback, up to the next shared point.
pub(super) struct Segment {
    /// The entries the row was given, each with whether it was given only when unlike the
    /// row's last entry (commands; a manual entry is always given).
    pub(super) entries: Vec<(Undone, bool)>,
    pub(super) then: Then,
}

pub(super) enum Then {
    /// The rollback went on from another shared point.
    Segment(usize),
    /// The path ended here: how the run ended, if it did (a path that got stuck has none).
    End(Option<Outcome>),
}

/// The rollbacks recorded so far.
pub(super) struct Suffixes {
    /// Off only in tests: every rollback walked, to compare.
    pub(super) share: bool,
    pub(super) ids: HashMap<SuffixKey, usize>,
    /// By id; `None` while the path that records it is still being followed.
    pub(super) segments: Vec<Option<Segment>>,
}

impl Suffixes {
    pub(super) fn new(share: bool) -> Suffixes {
        Suffixes {
            share,
            ids: HashMap::new(),
            segments: Vec::new(),
        }
    }
}

/// The segment a path is recording: its id and the entries so far.
pub(super) type Recording = Option<(usize, Vec<(Undone, bool)>)>;
