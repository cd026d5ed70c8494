//! Every step's state in a run, each shared until it changes: a copy of the engine (what
//! `shisa review` makes at every failure it follows, thousands on a long runbook) then
//! costs one pointer per step, not a deep copy of each step's maps and strings, and only
//! the step an event changes is copied. Reads index it like the `Vec` it wraps.

use std::ops::{Index, IndexMut};
use std::sync::Arc;

use super::step::StepState;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Steps(Vec<Arc<StepState>>);

impl Steps {
    /// `n` steps, none begun (all sharing one default state until each changes).
    pub fn new(n: usize) -> Steps {
        let fresh = Arc::new(StepState::default());
        Steps(vec![fresh; n])
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&StepState> {
        self.0.get(i).map(|s| &**s)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &StepState> + ExactSizeIterator {
        self.0.iter().map(|s| &**s)
    }

    /// Every step, each copied first if another engine shares it.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut StepState> {
        self.0.iter_mut().map(Arc::make_mut)
    }

    /// The steps `pred` picks, only those copied: a change that leaves most steps as they
    /// are keeps them shared.
    pub fn iter_mut_where(
        &mut self,
        pred: impl Fn(&StepState) -> bool,
    ) -> impl Iterator<Item = &mut StepState> {
        self.0
            .iter_mut()
            .filter(move |s| pred(s))
            .map(Arc::make_mut)
    }
}

impl Index<usize> for Steps {
    type Output = StepState;

    fn index(&self, i: usize) -> &StepState {
        &self.0[i]
    }
}

impl IndexMut<usize> for Steps {
    /// The step to change, copied first if another engine shares it.
    fn index_mut(&mut self, i: usize) -> &mut StepState {
        Arc::make_mut(&mut self.0[i])
    }
}

impl<'a> IntoIterator for &'a Steps {
    type Item = &'a StepState;
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, Arc<StepState>>,
        fn(&'a Arc<StepState>) -> &'a StepState,
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|s| &**s)
    }
}

impl<'a> IntoIterator for &'a mut Steps {
    type Item = &'a mut StepState;
    type IntoIter = Box<dyn Iterator<Item = &'a mut StepState> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_every_step_until_one_changes() {
        let mut a = Steps::new(3);
        a[1].round = 2;
        let mut b = a.clone();
        b[2].round = 5;
        assert_eq!((a[1].round, a[2].round), (2, 0));
        assert_eq!((b[1].round, b[2].round), (2, 5));
        assert!(Arc::ptr_eq(&a.0[1], &b.0[1]));
        assert!(!Arc::ptr_eq(&a.0[2], &b.0[2]));
    }

    #[test]
    fn changing_only_some_steps_leaves_the_rest_shared() {
        let mut a = Steps::new(3);
        a[0].round = 1;
        let mut b = a.clone();
        for s in b.iter_mut_where(|s| s.round != 0) {
            s.round = 0;
        }
        assert_eq!(b.iter().map(|s| s.round).collect::<Vec<_>>(), [0, 0, 0]);
        assert_eq!(a[0].round, 1);
        assert!(Arc::ptr_eq(&a.0[1], &b.0[1]));
        assert!(!Arc::ptr_eq(&a.0[0], &b.0[0]));
    }
}
