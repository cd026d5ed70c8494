//! What a torn last line (see `torn.rs`) still says of the record it began, past its kind
//! (`torn::kind`): a reader that must not claim more than the bytes say (the export, which
//! matches a torn `command_finished` to the command it ended) asks here, not the JSON.

use super::torn::Prefix;

/// What a torn tail (one `check` accepted) still holds of its record past the kind: the
/// writer puts `data` next, then `step` (left out for a run-level record), so the step
/// survives only where the whole of `data` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Survived<'a> {
    /// `data` as written, from its `{`, as far as the tail goes (empty before it begins).
    pub data: &'a [u8],
    pub step: TornStep<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornStep<'a> {
    /// The tail stops before it says whether the record has a step.
    Unknown,
    /// It has none: `actor` follows `data`.
    None,
    /// The step as a JSON string, as written: whole with its closing quote, or cut.
    Some(&'a [u8]),
}

pub fn survived(tail: &[u8]) -> Survived<'_> {
    const DATA: &[u8] = br#","data":"#;
    const STEP: &[u8] = br#","step":"#;
    // `seq`, `ts` and `kind` before it are a number, a time and a kind's name, none of
    // which can hold these bytes: the first are the envelope's.
    let Some(at) = tail
        .windows(DATA.len())
        .position(|w| w == DATA)
        .map(|k| k + DATA.len())
    else {
        return Survived {
            data: &[],
            step: TornStep::Unknown,
        };
    };
    let mut p = Prefix {
        b: tail,
        i: at,
        kind: None,
    };
    let closed = p.value(1).unwrap_or(false);
    let data = &tail[at..p.i];
    let rest = &tail[p.i..];
    let step = if !closed {
        TornStep::Unknown
    } else if rest.starts_with(STEP) {
        p.i += STEP.len();
        let from = p.i;
        let _ = p.string(None);
        TornStep::Some(&tail[from..p.i])
    } else if rest.starts_with(br#","a"#) {
        TornStep::None
    } else {
        TornStep::Unknown
    };
    Survived { data, step }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::journal::record::{Actor, Background, Body, Purpose, Record, Role};

    fn line(step: Option<&str>) -> String {
        let record = Record {
            seq: 3,
            ts: "2023-12-05T17:15:02.113+09:00".into(),
            body: Body::CommandFinished {
                poll: false,
                purpose: Purpose::Verify(1),
                attempt: 2,
                exit: Some(1),
                signal: None,
                timed_out: false,
                duration_ms: 12,
                bytes: 3,
                sha256: "0".repeat(64),
                log: "output/x.log".into(),
                ok: false,
                // Text that looks like the envelope's own step, inside the data.
                failure: Some(r#"saw {"a":1},"step":"evil"}"#.into()),
                captures: BTreeMap::from([("step".into(), "captured".into())]),
                background: Background::default(),
                not_yet: None,
                ssh_failure: None,
                why: None,
            },
            step: step.map(str::to_string),
            actor: Actor {
                role: Role::Shisa,
                user: "ops1".into(),
                uid: 1000,
                host: "bastion-1".into(),
            },
            prev: "ab".repeat(32),
        };
        serde_json::to_string(&record).unwrap()
    }

    /// Cut anywhere, a line gives back the start of its own `data`, and its step (or that
    /// it has none) only once its `data` is whole: never the lookalikes inside the data.
    #[test]
    fn a_torn_line_gives_back_what_was_written_of_its_data_and_step() {
        for step in [Some(r#"loop["a\b"]/s"#), None] {
            let whole = line(step);
            let from = whole.find(r#""data":"#).unwrap() + 7;
            let to = whole.find(r#","actor":"#).unwrap();
            let data_end = step.map_or(to, |_| whole.find(r#","step":""#).unwrap());
            let written_step = step.map(|s| serde_json::to_string(s).unwrap());
            for cut in 1..whole.len() {
                let tail = &whole.as_bytes()[..cut];
                assert!(crate::journal::torn::check(tail, 3, &"ab".repeat(32)).is_ok());
                let s = survived(tail);
                let data = &whole.as_bytes()[from.min(cut)..data_end.min(cut)];
                assert_eq!(s.data, data, "cut at {cut}");
                let want = match &written_step {
                    _ if cut < data_end + 3 => TornStep::Unknown,
                    None => TornStep::None,
                    Some(_) if cut < data_end + 8 => TornStep::Unknown,
                    Some(w) => {
                        let at = data_end + 8;
                        TornStep::Some(&whole.as_bytes()[at..cut.min(at + w.len())])
                    }
                };
                assert_eq!(s.step, want, "cut at {cut}: {}", &whole[..cut]);
            }
        }
    }
}
