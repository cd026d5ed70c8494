//! What a command left behind when its own process exited, as journaled with its result.

use serde::{Deserialize, Serialize};

/// What a command left behind when its own process had exited: processes still holding its
/// output open when shisa stopped reading, and processes shisa killed to end the step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Background {
    /// Output was still held open when shisa stopped reading (some of it may be missing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub output_held_open: bool,
    /// Who held it, as far as `/proc` shows (other users' processes are not listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_by: Vec<BackgroundProcess>,
    /// Left in the command's process group and killed by shisa at the end of the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub killed: Vec<BackgroundProcess>,
}

impl Background {
    pub fn is_empty(&self) -> bool {
        *self == Background::default()
    }

    /// The same, with every name passed through `mask`.
    pub fn masked(&self, mask: impl Fn(&str) -> String) -> Background {
        let names = |list: &[BackgroundProcess]| {
            list.iter()
                .map(|p| BackgroundProcess {
                    pid: p.pid,
                    name: mask(&p.name),
                })
                .collect()
        };
        Background {
            output_held_open: self.output_held_open,
            held_by: names(&self.held_by),
            killed: names(&self.killed),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundProcess {
    pub pid: i32,
    /// The kernel's name for it (`/proc/PID/comm`).
    pub name: String,
}
