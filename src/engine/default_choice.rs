//! Which answer a failure's or an in-doubt step's question starts on: the one rule the TUI
//! preselects by and `plan` marks (ARCHITECTURE.md, "The engine decides; the driver
//! performs"). Rollback wherever it is offered and would undo something; where it would
//! undo nothing, the first other answer, so a keystroke never picks a rollback that does
//! nothing. Line mode has no default: every answer there is typed.

use crate::journal::record::ChoiceKind;

use super::state::Engine;

/// The default among `choices` (as offered, in order), given whether rolling back would
/// undo anything.
pub fn default_among(choices: &[ChoiceKind], undoes: bool) -> Option<ChoiceKind> {
    if undoes && choices.contains(&ChoiceKind::Rollback) {
        return Some(ChoiceKind::Rollback);
    }
    (choices.iter().copied())
        .find(|c| *c != ChoiceKind::Rollback)
        .or_else(|| choices.first().copied())
}

impl Engine {
    /// The answer the current question starts on, if the run is asking one with choices.
    pub fn default_choice(&self) -> Option<ChoiceKind> {
        let undoes = (self.phase().step()).is_some_and(|i| !self.rollback_plan(i).undo.is_empty());
        default_among(&self.choices(), undoes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChoiceKind as K;

    #[test]
    fn rollback_is_the_default_only_where_it_undoes_something() {
        let usual = [K::Rollback, K::Retry, K::Abort];
        assert_eq!(default_among(&usual, true), Some(K::Rollback));
        assert_eq!(default_among(&usual, false), Some(K::Retry));
        assert_eq!(default_among(&[K::Retry, K::Abort], true), Some(K::Retry));
        assert_eq!(default_among(&[K::Rollback], false), Some(K::Rollback));
        assert_eq!(default_among(&[], true), None);
    }
}
