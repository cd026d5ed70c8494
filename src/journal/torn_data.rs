//! The `data` of a torn last line (see `torn.rs`) must be the start of the data of a record
//! of its kind, not merely the start of some JSON: the kind's own fields, in the order the
//! writer puts them (declaration order, optional ones possibly left out), every complete
//! value of its field's type, and the cut one the start of such a value. Otherwise a torn
//! tail could carry any text at all into `journal.torn-<ts>` and pass for a crash.
//!
//! The field names are a table beside `Body` (`FIELDS`, kept in step with it by a test).
//! Types are checked by serde
//! itself: the complete members, plus the cut one closed as briefly as JSON allows, are
//! deserialized as that kind, and only "missing field" (the fields after the cut) is
//! forgiven. A cut string may stop in the middle of a word a field only accepts whole
//! (`"status":"rolled_`), so a cut string is held only to being a string. Inside nested
//! values (a map's keys, `runbook`, `background`) only types are checked, not names.

use super::record::Body;

type Names = &'static [&'static str];

/// Checks the bytes of a `data` object as far as they go; `closed` when the object ended.
pub(super) fn check(kind: &str, data: &[u8], closed: bool) -> Result<(), String> {
    // A cut inside a character leaves the start of one at the very end (`torn.rs` checked
    // that nothing else is wrong there): the text is what comes before it.
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default(),
    };
    let names = fields(kind).ok_or_else(|| format!("`{kind}` has no data fields"))?;
    let members = members(text);
    // Names: each complete key one of the kind's fields after the one before it.
    let mut next = 0;
    for m in &members {
        let found = names[next..].iter().position(|f| {
            if m.key_done {
                *f == m.key
            } else {
                f.starts_with(m.key)
            }
        });
        let Some(at) = found else {
            return Err(format!(
                "`{}` is not a field of `{kind}` here (its fields, in order: {})",
                m.key,
                names.join(", ")
            ));
        };
        if m.key_done {
            next += at + 1;
        }
    }
    // Types: serde reads the complete members and the cut one closed.
    let whole: Vec<String> = members
        .iter()
        .filter(|m| m.value.is_some_and(|v| v.1))
        .map(|m| format!("\"{}\":{}", m.key, m.value.map_or("", |v| v.0)))
        .collect();
    let cut = members
        .last()
        .and_then(|m| m.value.filter(|v| !v.1).map(|v| (m, v.0)));
    let closed_cut = cut.and_then(|(m, v)| close(v).map(|c| format!("\"{}\":{c}", m.key)));
    let all: Vec<String> = whole.iter().cloned().chain(closed_cut.clone()).collect();
    match (deserialize(kind, &all), closed) {
        (Ok(()), _) => Ok(()),
        (Err(Wrong::Missing(field)), true) => Err(format!("the data has no `{field}`")),
        (Err(Wrong::Missing(_)), false) => Ok(()),
        (Err(Wrong::Other(why)), _) => {
            // Was it only the cut value, and a string cut mid-word — at the top or inside a
            // nested value, such as the tag of a structured reason (`{"kind":"ex`)?
            let cut_word = cut.is_some_and(|(_, v)| v.starts_with(['"', '{', '[']));
            let earlier = matches!(deserialize(kind, &whole), Err(Wrong::Other(_)));
            if cut_word && !earlier && !why.starts_with("invalid type") {
                Ok(())
            } else {
                Err(format!("the data is not `{kind}`'s: {why}"))
            }
        }
    }
}

enum Wrong {
    Missing(String),
    Other(String),
}

fn deserialize(kind: &str, members: &[String]) -> Result<(), Wrong> {
    let line = format!("{{\"kind\":\"{kind}\",\"data\":{{{}}}}}", members.join(","));
    serde_json::from_str::<Body>(&line).map(drop).map_err(|e| {
        let why = e.to_string();
        match why.strip_prefix("missing field `") {
            Some(rest) => Wrong::Missing(rest.split('`').next().unwrap_or("").to_string()),
            None => Wrong::Other(why),
        }
    })
}

/// One member of the data object as written so far.
struct Member<'a> {
    /// The key's raw text (escapes as written) and whether its closing quote came.
    key: &'a str,
    key_done: bool,
    /// The value's text, and whether it is complete; `None` when cut before it.
    value: Option<(&'a str, bool)>,
}

/// Splits compact JSON object text (possibly cut) into its members. `torn.rs` has checked
/// the grammar, so this only needs to find where each member starts and ends.
fn members(text: &str) -> Vec<Member<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 1; // after `{`
    while i < b.len() && b[i] != b'}' {
        let key_start = i + 1;
        let key_end = string_end(b, i);
        let key_done = key_end < b.len();
        let key = &text[key_start.min(b.len())..key_end.min(b.len())];
        if !key_done || key_end + 1 >= b.len() {
            out.push(Member {
                key,
                key_done,
                value: None,
            });
            break;
        }
        let start = key_end + 2; // past the closing quote and `:`
        let end = value_end(b, start);
        let done = end < b.len();
        out.push(Member {
            key,
            key_done,
            value: (start < b.len()).then(|| (&text[start..end], done)),
        });
        i = end + 1; // past `,` (or `}`, which ends the loop)
        if done && b[end] == b'}' {
            break;
        }
    }
    out
}

/// Where the string starting at `at` (its opening quote) closes, or the end of the bytes.
fn string_end(b: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of a cut string's text that holds only whole escapes.
fn whole_escapes(b: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let len = if b.get(i + 1) == Some(&b'u') { 6 } else { 2 };
        if i + len > b.len() {
            return i;
        }
        i += len;
    }
    b.len()
}

/// Where the value starting at `start` ends: at the `,` or `}` after it, or the end.
fn value_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i),
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b',' | b'}' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Closes a cut JSON value as briefly as possible: a cut string gets its quote, a cut
/// literal its letters, a cut number loses what cannot end one, an open container drops a
/// member cut before its value and is closed. `None` when nothing of the value is there.
fn close(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let mut out = String::with_capacity(v.len() + 8);
    // Open containers, with the length of `out` up to their last complete member.
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    let mut pending_key = false;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                out.push(b[i] as char);
                open.push((b[i], out.len()));
                pending_key = b[i] == b'{';
                i += 1;
            }
            b'}' | b']' => {
                out.push(b[i] as char);
                open.pop();
                pending_key = false;
                i += 1;
                mark(&mut open, out.len());
            }
            b',' => {
                out.push(',');
                pending_key = open.last().is_some_and(|o| o.0 == b'{');
                i += 1;
            }
            b':' => {
                out.push(':');
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                if end >= b.len() {
                    if pending_key {
                        break; // a cut key: the member is dropped below
                    }
                    // A cut escape (`\` or `\u12`) is no character yet.
                    out.push_str(&v[i..whole_escapes(b, i)]);
                    out.push('"');
                    mark(&mut open, out.len());
                    break;
                }
                out.push_str(&v[i..=end]);
                i = end + 1;
                if pending_key {
                    pending_key = false;
                } else {
                    mark(&mut open, out.len());
                }
            }
            b't' | b'f' | b'n' => {
                let word = match b[i] {
                    b't' => "true",
                    b'f' => "false",
                    _ => "null",
                };
                out.push_str(word);
                i += word.len().min(b.len() - i);
                mark(&mut open, out.len());
            }
            _ => {
                let from = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let mut num = &v[from..i];
                if i == b.len() {
                    num = num.trim_end_matches(['-', '+', '.', 'e', 'E']);
                    num = num.trim_end_matches(['e', 'E', '.']);
                }
                if num.is_empty() || num == "-" {
                    break;
                }
                out.push_str(num);
                mark(&mut open, out.len());
            }
        }
    }
    // Close what is open, each at its last complete member.
    while let Some((kind, last)) = open.pop() {
        out.truncate(last);
        if out.ends_with(',') {
            out.pop();
        }
        out.push(if kind == b'{' { '}' } else { ']' });
        mark(&mut open, out.len());
    }
    (!out.is_empty()).then_some(out)
}

/// A member or element just completed: its container may be closed after it.
fn mark(open: &mut [(u8, usize)], len: usize) {
    if let Some(o) = open.last_mut() {
        o.1 = len;
    }
}

/// The data fields of each kind, in declaration order, which is the order serde writes
/// them (optional ones may be absent). The records that open a segment (`STAMPED`) begin
/// with the format stamp the writer adds; `operator_choice` flattens `Choice` (`choice`, then `reason`). A test
/// reads `Body` in `record.rs` and keeps this table in step with it.
const FIELDS: &[(&str, Names)] = &[
    (
        "run_started",
        &[
            "format",
            "run_id",
            "runbook",
            "params",
            "tool_version",
            "mode",
            "clock_faked",
            "env",
            "rehearsal",
        ],
    ),
    (
        "window_checked",
        &["timezone", "local", "inside", "reason", "why"],
    ),
    ("override", &["what", "reason"]),
    ("waiver", &["guard", "reason"]),
    ("step_started", &["index", "title", "step_kind", "mutating"]),
    (
        "command_started",
        &[
            "purpose",
            "attempt",
            "command",
            "env",
            "command_sha256",
            "log",
            "host",
            "poll",
        ],
    ),
    (
        "command_finished",
        &[
            "purpose",
            "attempt",
            "exit",
            "signal",
            "timed_out",
            "duration_ms",
            "bytes",
            "sha256",
            "log",
            "ok",
            "failure",
            "captures",
            "background",
            "not_yet",
            "ssh_failure",
            "why",
            "poll",
        ],
    ),
    (
        "wait_started",
        &["purpose", "every_ms", "deadline_ms", "until", "restarted"],
    ),
    ("wait_finished", &["purpose", "polls", "waited_ms", "met"]),
    ("no_return_confirmed", &["reason", "typed"]),
    (
        "expect_failed",
        &[
            "purpose",
            "attempt",
            "expectation",
            "detail",
            "expected",
            "saw",
        ],
    ),
    ("target_resolved", &["resolved", "blind"]),
    ("target_impact", &["count", "unit", "at_most", "listed"]),
    ("target_denied", &["resolved", "rule", "pattern"]),
    (
        "target_confirmed",
        &["resolved", "typed", "reused_from", "blind"],
    ),
    ("target_mismatch", &["resolved", "typed", "misses", "blind"]),
    ("snapshot_recorded", &["captures", "log"]),
    (
        "approval_requested",
        &[
            "command",
            "command_sha256",
            "expected",
            "allow_self",
            "reviewers",
            "group",
            "blind",
        ],
    ),
    (
        "approval_granted",
        &[
            "typed",
            "self_approved",
            "person",
            "count",
            "needed",
            "group",
        ],
    ),
    ("approval_refused", &["reason", "typed", "person", "why"]),
    ("approval_rejected", &["reason", "person"]),
    ("manual_done", &["note", "choice", "undo"]),
    ("operator_note", &["text"]),
    ("step_failed", &["prompt", "reason", "why"]),
    ("operator_choice", &["prompt", "choice", "reason"]),
    ("step_finished", &["status", "reason", "why"]),
    (
        "rollback_started",
        &["plan", "without_rollback", "kept", "pass_only"],
    ),
    ("rollback_finished", &["ok", "undone", "kept"]),
    ("rollback_requested", &["format", "reason"]),
    ("watcher_joined", &["watcher"]),
    ("client_refused", &["who", "reason"]),
    ("watcher_left", &["watcher"]),
    ("run_interrupted", &["reason", "why"]),
    ("run_resumed", &["format", "in_doubt"]),
    ("journal_recovered", &["moved_to", "bytes"]),
    (
        "runbook_changed",
        &[
            "path",
            "from_sha256",
            "to_sha256",
            "reason",
            "changed",
            "added",
            "removed",
        ],
    ),
    ("capture_rerun", &["needed_by", "names", "mutating"]),
    ("stop_requested", &["purpose", "attempt", "reason"]),
    ("run_finished", &["outcome", "exit_code", "reason", "why"]),
];

fn fields(kind: &str) -> Option<Names> {
    FIELDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    /// Reads the field names of each `Body` variant from its source, in order.
    #[test]
    fn the_fields_table_is_body_as_declared() {
        let source = include_str!("record.rs");
        let body = source
            .split("pub enum Body {\n")
            .nth(1)
            .and_then(|rest| rest.split("\n}\n").next())
            .expect("enum Body");
        let mut declared: Vec<(String, Vec<String>)> = Vec::new();
        let mut flatten = false;
        for line in body.lines() {
            if let Some(variant) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(" {")) {
                let mut kind = String::new();
                for c in variant.chars() {
                    if c.is_uppercase() && !kind.is_empty() {
                        kind.push('_');
                    }
                    kind.push(c.to_ascii_lowercase());
                }
                declared.push((kind, Vec::new()));
            } else if line.trim_start().starts_with("#[serde(flatten)]") {
                flatten = true;
            } else if let Some((name, _)) = line
                .strip_prefix("        ")
                .filter(|l| !l.starts_with(['#', '/', ' ']))
                .and_then(|l| l.split_once(": "))
            {
                let fields = &mut declared.last_mut().expect("a variant").1;
                if std::mem::take(&mut flatten) {
                    // `Choice` is tagged `choice` with its content as `reason`.
                    fields.extend(["choice".to_string(), "reason".to_string()]);
                } else {
                    fields.push(name.to_string());
                }
            }
        }
        let table: Vec<(String, Vec<String>)> = super::FIELDS
            .iter()
            .map(|(k, f)| {
                let stamped = crate::journal::record::STAMPED.contains(k);
                let f = f.iter().filter(move |f| **f != "format" || !stamped);
                (k.to_string(), f.map(|s| s.to_string()).collect())
            })
            .collect();
        assert_eq!(table, declared);
        assert_eq!(
            table.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
            crate::journal::kinds::KINDS
        );
    }
}
