//! Which `command_started` each `command_finished` closes, and which starts nothing closes
//! where the journal stops. One walk of the records, keyed as the journal keys a command
//! (its step, purpose and attempt), serves the timeline's rows (`condense.rs`, each command
//! one row; `--full`, a row for each start left open) and what a torn last line ended
//! (`torn_finish.rs`): they cannot disagree about which commands are open.

use std::collections::BTreeMap;

use crate::journal::record::{Body, Purpose, Record};

/// A command as the journal names it: its step (none for run-level), purpose and attempt.
pub type CommandKey<'r> = (Option<&'r str>, Purpose, u32);

pub struct CommandPairs<'r> {
    /// For each `command_finished` (its index), the `command_started` it closes, when the
    /// journal has it.
    start: BTreeMap<usize, usize>,
    /// The `command_started` records no finish closes, in journal order, with their key.
    pub open: Vec<(usize, CommandKey<'r>)>,
}

impl<'r> CommandPairs<'r> {
    pub fn of(records: &'r [Record]) -> CommandPairs<'r> {
        let mut open: BTreeMap<CommandKey<'r>, usize> = BTreeMap::new();
        let mut start = BTreeMap::new();
        for (i, rec) in records.iter().enumerate() {
            match &rec.body {
                Body::CommandStarted {
                    purpose, attempt, ..
                } => {
                    open.insert((rec.step.as_deref(), *purpose, *attempt), i);
                }
                Body::CommandFinished {
                    purpose, attempt, ..
                } => {
                    if let Some(s) = open.remove(&(rec.step.as_deref(), *purpose, *attempt)) {
                        start.insert(i, s);
                    }
                }
                _ => {}
            }
        }
        let mut open: Vec<(usize, CommandKey<'r>)> =
            open.into_iter().map(|(k, i)| (i, k)).collect();
        open.sort_by_key(|(i, _)| *i);
        CommandPairs { start, open }
    }

    /// The start that finish `i` closes.
    pub fn start_of(&self, finish: usize) -> Option<usize> {
        self.start.get(&finish).copied()
    }

    /// The open starts' indexes, in journal order.
    pub fn open_starts(&self) -> impl Iterator<Item = usize> + '_ {
        self.open.iter().map(|(i, _)| *i)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::journal::record::{Actor, Background, Role};

    pub fn rec(seq: u64, step: Option<&str>, body: Body) -> Record {
        Record {
            seq,
            ts: "2023-12-05T17:15:02.113+09:00".into(),
            body,
            step: step.map(str::to_string),
            actor: Actor {
                role: Role::Shisa,
                user: "ops1".into(),
                uid: 1000,
                host: "bastion-1".into(),
            },
            prev: "0".repeat(64),
        }
    }

    pub fn started(step: Option<&str>, purpose: Purpose, attempt: u32) -> Record {
        let body = Body::CommandStarted {
            poll: false,
            purpose,
            attempt,
            command: format!("echo {purpose} {attempt}"),
            env: BTreeMap::new(),
            command_sha256: "0".repeat(64),
            log: format!("logs/{purpose}-{attempt}.log"),
            host: None,
        };
        rec(1, step, body)
    }

    pub fn finished(step: Option<&str>, purpose: Purpose, attempt: u32) -> Record {
        let body = Body::CommandFinished {
            poll: false,
            purpose,
            attempt,
            exit: Some(0),
            signal: None,
            timed_out: false,
            duration_ms: 12,
            bytes: 3,
            sha256: "0".repeat(64),
            log: format!("logs/{purpose}-{attempt}.log"),
            ok: true,
            failure: None,
            captures: BTreeMap::new(),
            background: Background::default(),
            not_yet: None,
            ssh_failure: None,
            why: None,
        };
        rec(1, step, body)
    }

    /// A finish closes the start of its own step, purpose and attempt, not the latest
    /// start; one without a journaled start closes nothing; the rest stay open, in order.
    #[test]
    fn each_finish_closes_the_start_of_its_own_command() {
        let records = [
            started(Some("b"), Purpose::Main, 1),
            started(Some("a"), Purpose::Main, 1),
            finished(Some("b"), Purpose::Main, 1),
            started(Some("a"), Purpose::Verify(1), 1),
            finished(Some("c"), Purpose::Main, 1),
            started(Some("a"), Purpose::Verify(1), 2),
            finished(Some("a"), Purpose::Verify(1), 2),
        ];
        let pairs = CommandPairs::of(&records);
        assert_eq!(pairs.start_of(2), Some(0));
        assert_eq!(pairs.start_of(4), None);
        assert_eq!(pairs.start_of(6), Some(5));
        assert_eq!(pairs.open_starts().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(
            pairs.open,
            [
                (1, (Some("a"), Purpose::Main, 1)),
                (3, (Some("a"), Purpose::Verify(1), 1))
            ]
        );
    }
}
