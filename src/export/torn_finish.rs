//! Which command a torn last line ended. A crash while shisa wrote a `command_finished`
//! leaves its start: the kind, then `data` from its `purpose` and `attempt`, then the
//! step once `data` is whole (`journal::torn_survived`). The command is the open one
//! (`CommandPairs`) whose purpose, attempt and step, written as the writer writes them,
//! agree with those bytes as far as they go; when several agree, the bytes do not say
//! which, and the export says so rather than guess.

use super::command_pairs::CommandKey;
use crate::journal::{TornStep, torn_kind, torn_survived};

/// What a torn `command_finished` says of the commands open where the journal stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TornFinish {
    /// It ended this open command (its start's index): the one its surviving bytes fit.
    Of(usize),
    /// It ended one of these (their starts, in journal order), and its bytes stop before
    /// they say which.
    OneOf(Vec<usize>),
}

impl TornFinish {
    /// Whether the command started at `start` is the one that ended, or may be.
    pub fn names(&self, start: usize) -> bool {
        match self {
            TornFinish::Of(i) => *i == start,
            TornFinish::OneOf(v) => v.contains(&start),
        }
    }
}

/// The open commands a torn tail may have ended: none when the tail is not a
/// `command_finished` or fits no open command (then each was, as far as the journal goes,
/// still running).
pub fn torn_finish(tail: &[u8], open: &[(usize, CommandKey)]) -> Option<TornFinish> {
    if torn_kind(tail) != Some("command_finished") {
        return None;
    }
    let left = torn_survived(tail);
    let fits: Vec<usize> = open
        .iter()
        .filter(|(_, (step, purpose, attempt))| {
            // The writer's bytes for the fields it puts first; the comma after `attempt`
            // closes the number, so `1` never passes for the start of `12`.
            let purpose = serde_json::to_string(&purpose.to_string()).unwrap_or_default();
            let head = format!(r#"{{"purpose":{purpose},"attempt":{attempt},"#);
            let step_fits = match (left.step, step) {
                (TornStep::Unknown, _) => true,
                (TornStep::None, s) => s.is_none(),
                (TornStep::Some(_), None) => false,
                (TornStep::Some(b), Some(s)) => {
                    agree(b, serde_json::to_string(s).unwrap_or_default().as_bytes())
                }
            };
            agree(left.data, head.as_bytes()) && step_fits
        })
        .map(|(i, _)| *i)
        .collect();
    match fits.as_slice() {
        [] => None,
        [one] => Some(TornFinish::Of(*one)),
        _ => Some(TornFinish::OneOf(fits)),
    }
}

/// Whether bytes cut anywhere agree with what the writer would have written: one is the
/// start of the other.
fn agree(cut: &[u8], written: &[u8]) -> bool {
    cut.starts_with(written) || written.starts_with(cut)
}

#[cfg(test)]
mod tests {
    use super::super::command_pairs::CommandPairs;
    use super::super::command_pairs::tests::{finished, started};
    use super::*;
    use crate::journal::record::Purpose;

    /// The finish of `(step, purpose, attempt)` as the writer writes it, cut `keep` bytes
    /// into its `data` (or, past the data, into what follows it).
    fn torn(step: Option<&str>, purpose: Purpose, attempt: u32, keep: &str) -> Vec<u8> {
        let line = serde_json::to_string(&finished(step, purpose, attempt)).unwrap();
        let at = line
            .find(keep)
            .unwrap_or_else(|| panic!("{keep} in {line}"))
            + keep.len();
        line.as_bytes()[..at].to_vec()
    }

    /// Commands open, as after a crash and a resume that ran the check again: what survives
    /// of the torn line names the one it ended, or says it cannot.
    #[test]
    fn a_torn_result_names_the_open_command_its_bytes_fit_and_no_more() {
        let v1 = Purpose::Verify(1);
        let records = [
            started(Some("a"), v1, 1),
            started(Some("a"), v1, 2),
            started(Some("b"), Purpose::Main, 1),
            started(None, Purpose::Main, 1),
            started(Some("c"), v1, 12),
        ];
        let pairs = CommandPairs::of(&records);
        let of = |tail: &[u8]| torn_finish(tail, &pairs.open);
        let one_of = |v: &[usize]| Some(TornFinish::OneOf(v.to_vec()));
        // The attempt, whole, tells the checks apart.
        assert_eq!(
            of(&torn(Some("a"), v1, 2, r#""attempt":2,"#)),
            Some(TornFinish::Of(1))
        );
        assert_eq!(
            of(&torn(Some("a"), v1, 1, r#""attempt":1,"#)),
            Some(TornFinish::Of(0))
        );
        // Cut in the attempt's number: `1` may be the start of `12`; and before it.
        assert_eq!(
            of(&torn(Some("a"), v1, 1, r#""attempt":1"#)),
            one_of(&[0, 4])
        );
        assert_eq!(
            of(&torn(Some("a"), v1, 1, r#""purpose":"verify-1""#)),
            one_of(&[0, 1, 4])
        );
        // Cut in the purpose: `"m` is any main; the two mains are not told apart until the
        // step is written, after the whole of `data`.
        let main = |keep| of(&torn(Some("b"), Purpose::Main, 1, keep));
        assert_eq!(main(r#""purpose":"m"#), one_of(&[2, 3]));
        assert_eq!(main(r#""log":"#), one_of(&[2, 3]));
        assert_eq!(main(r#","step":"b"#), Some(TornFinish::Of(2)));
        // No step after the data: the run-level command.
        assert_eq!(
            of(&torn(None, Purpose::Main, 1, r#"},"a"#)),
            Some(TornFinish::Of(3))
        );
        // Cut before `data`: it ended one of them, any.
        assert_eq!(
            of(&torn(Some("a"), v1, 2, r#""kind":"command_finished""#)),
            one_of(&[0, 1, 2, 3, 4])
        );
        // The finish of no open command, or a kind not yet whole: nothing said of any.
        assert_eq!(of(&torn(Some("a"), v1, 3, r#""attempt":3,"#)), None);
        assert_eq!(of(&torn(Some("a"), v1, 2, r#""kind":"command_fin"#)), None);
    }
}
