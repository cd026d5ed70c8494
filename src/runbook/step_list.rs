//! The steps read from a `steps:` list, in order, with what reading them found.

use super::model::{Loop, Step};

pub struct StepList {
    pub steps: Vec<Step>,
    /// Steps whose kind could not be read (indexes into `steps`).
    pub broken: Vec<usize>,
    pub loops: Vec<Loop>,
}
