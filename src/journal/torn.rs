//! What a crash can leave after the last complete line of a journal, and nothing else.
//!
//! The writer puts each record on disk as `serde_json`'s compact text of a [`Record`] plus a
//! newline; the records of one decision go in one `write` call (group commit, see
//! `writer.rs`). A crash during that write can leave some complete lines, then the start of
//! one record and no newline: a byte-prefix of a line the writer would have written next. So a tail is torn (a crash) only if it could be such a prefix: compact JSON
//! (no whitespace, no raw control bytes, no escape serde_json never writes), valid UTF-8 up
//! to a possibly cut last character, the envelope's fields in the writer's order, `seq`
//! the next number and `prev` the hash of the last complete line (both possibly cut short).
//! Anything else after the last newline is damage, reported as such.
//!
//! What `data` says is checked against the kind its line names (`torn_data.rs`).
//!
//! One exception: zero bytes at the very end. A filesystem may make a file longer before it
//! writes the data (XFS after a power cut mid-write), which reads back as zeros; they carry
//! nothing, so nothing can be hidden in them.
//!
//! [`Record`]: super::record::Record

use super::kinds::KINDS;

/// The envelope's fields in the order `Record` serializes them; `step` may be absent.
const FIELDS: &[&str] = &["seq", "ts", "kind", "data", "step", "actor", "prev"];
const ACTOR: &[&str] = &["role", "user", "uid", "host"];
const ROLES: &[&str] = &["operator", "reviewer", "shisa"];
/// Records are a few levels deep; a tail nested deeper was not written by shisa.
const MAX_DEPTH: usize = 16;

/// Checks that `tail` (the bytes after the last newline) is the start of the record with
/// `seq` chained to `prev`; says what is wrong if not.
pub fn check(tail: &[u8], seq: u64, prev: &str) -> Result<(), String> {
    let tail = &tail[..tail.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)];
    if tail.is_empty() {
        return Ok(());
    }
    if let Err(e) = std::str::from_utf8(tail) {
        // A cut inside a multi-byte character leaves an incomplete one at the very end.
        if e.error_len().is_some() {
            return Err(format!("invalid UTF-8 at byte {}", e.valid_up_to()));
        }
    }
    let mut p = Prefix {
        b: tail,
        i: 0,
        kind: None,
    };
    let complete = p.envelope(&seq.to_string(), prev)?;
    if complete && p.i < tail.len() {
        return Err(format!("bytes after the end of the record at byte {}", p.i));
    }
    Ok(())
}

/// The kind a torn tail (one `check` accepted) names, once its name is whole: what was
/// being written when the crash came, since the writer puts `kind` before `data`.
pub fn kind(tail: &[u8]) -> Option<&str> {
    const KEY: &[u8] = br#","kind":""#;
    let at = tail.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let name = &tail[at..];
    let end = name.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&name[..end]).ok()
}

/// A cursor over bytes that may end anywhere. Each parser returns `Ok(true)` when its value
/// is complete, `Ok(false)` when the bytes ran out inside it (a valid start), and `Err` for
/// a byte the writer could not have written there.
pub(super) struct Prefix<'a> {
    pub(super) b: &'a [u8],
    pub(super) i: usize,
    /// The record's kind, once its name is complete.
    pub(super) kind: Option<&'a [u8]>,
}

pub(super) type Parsed = Result<bool, String>;

impl<'a> Prefix<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bad<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    /// Consumes `c` if it is next; `Ok(false)` at the end of the bytes.
    fn eat(&mut self, c: u8) -> Parsed {
        match self.peek() {
            None => Ok(false),
            Some(x) if x == c => {
                self.i += 1;
                Ok(true)
            }
            Some(_) => self.bad(&format!("expected `{}`", c as char)),
        }
    }

    /// `{"seq":…,"ts":…,…,"prev":…}` with the fields in the writer's order.
    fn envelope(&mut self, seq: &str, prev: &str) -> Parsed {
        let mut next = 0;
        let done = self.object(|p, key, done| {
            let Some(found) = FIELDS[next..].iter().position(|f| {
                if done {
                    f.as_bytes() == key
                } else {
                    f.as_bytes().starts_with(key)
                }
            }) else {
                return p.bad("a field out of the writer's order");
            };
            // Only `step` may be left out.
            if FIELDS[next..next + found].iter().any(|f| *f != "step") {
                return p.bad("a missing field");
            }
            if !done {
                return Ok(None);
            }
            let field = FIELDS[next + found];
            next += found + 1;
            Ok(Some(match field {
                "seq" => Field::Number(Some(seq)),
                "kind" => Field::Kind,
                "ts" => Field::Time,
                "step" => Field::Text(None),
                "data" => Field::Object,
                "actor" => Field::Actor,
                _ => Field::Text(Some(prev)),
            }))
        })?;
        self.whole(done, next == FIELDS.len())
    }

    /// A closed object must have had all its fields.
    fn whole(&self, closed: bool, all: bool) -> Parsed {
        if closed && !all {
            return self.bad("an object closed before its last field");
        }
        Ok(closed)
    }

    /// An object whose members `member` approves one by one: given the key so far and
    /// whether it is complete, it says what the value must be (`None` when cut in the key).
    fn object<'f>(
        &mut self,
        mut member: impl FnMut(&Self, &[u8], bool) -> Result<Option<Field<'f>>, String>,
    ) -> Parsed {
        if !self.eat(b'{')? {
            return Ok(false);
        }
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(true);
        }
        loop {
            if self.peek().is_none() {
                return Ok(false);
            }
            let (key, done) = self.text()?;
            let Some(field) = member(self, key, done)? else {
                return Ok(false);
            };
            if !self.eat(b':')? || !self.field(field)? {
                return Ok(false);
            }
            match self.peek() {
                None => return Ok(false),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(true);
                }
                Some(_) => return self.bad("expected `,` or `}`"),
            }
        }
    }

    fn field(&mut self, field: Field<'_>) -> Parsed {
        match field {
            Field::Number(exact) => {
                let start = self.i;
                let done = self.number()?;
                match exact {
                    Some(want) => self.matches(&self.b[start..self.i], want, done, "seq"),
                    None => Ok(done),
                }
            }
            Field::Text(exact) => self.string(exact),
            Field::Object => {
                if self.peek().is_some_and(|c| c != b'{') {
                    return self.bad("expected an object");
                }
                let start = self.i;
                let done = self.value(1)?;
                // The grammar holds; now what the data says must fit its kind.
                let kind = self.kind.and_then(|k| std::str::from_utf8(k).ok());
                match kind {
                    Some(kind) if start < self.i => {
                        super::torn_data::check(kind, &self.b[start..self.i], done)
                            .map_err(|why| format!("{why} (data at byte {start})"))?;
                    }
                    _ => {}
                }
                Ok(done)
            }
            Field::Actor => {
                let mut next = 0;
                let done = self.object(|p, key, done| {
                    let want = ACTOR.get(next).map_or(&b""[..], |k| k.as_bytes());
                    let fits = if done {
                        want == key
                    } else {
                        want.starts_with(key)
                    };
                    if !fits || next >= ACTOR.len() {
                        return p.bad("an actor field out of the writer's order");
                    }
                    if !done {
                        return Ok(None);
                    }
                    next += 1;
                    Ok(Some(match want {
                        b"role" => Field::Role,
                        b"uid" => Field::Number(None),
                        _ => Field::Text(None),
                    }))
                })?;
                self.whole(done, next == ACTOR.len())
            }
            Field::Role => {
                let (role, done) = self.text()?;
                let known = ROLES.iter().any(|r| {
                    let r = r.as_bytes();
                    if done { r == role } else { r.starts_with(role) }
                });
                if known {
                    Ok(done)
                } else {
                    self.bad("an unknown role")
                }
            }
            Field::Kind => {
                let (kind, done) = self.text()?;
                let known = KINDS.iter().any(|k| {
                    let k = k.as_bytes();
                    if done { k == kind } else { k.starts_with(kind) }
                });
                if !known {
                    return self.bad("a kind no record has");
                }
                if done {
                    self.kind = Some(kind);
                }
                Ok(done)
            }
            Field::Time => {
                let (ts, done) = self.text()?;
                // `to_rfc3339_opts(Millis)`: 2023-12-05T17:15:02.113+09:00, and nothing else.
                const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.ddd+dd:dd";
                let fits = ts.len() <= SHAPE.len()
                    && (!done || ts.len() == SHAPE.len())
                    && ts.iter().zip(SHAPE).all(|(c, s)| match s {
                        b'd' => c.is_ascii_digit(),
                        b'+' => *c == b'+' || *c == b'-',
                        s => c == s,
                    });
                if fits {
                    Ok(done)
                } else {
                    self.bad("a time the writer does not write")
                }
            }
            Field::Any(depth) => self.value(depth),
        }
    }

    /// A string's raw content (escapes left as they are) and whether it is complete.
    fn text(&mut self) -> Result<(&'a [u8], bool), String> {
        let b = self.b;
        let start = (self.i + 1).min(b.len());
        let done = self.string(None)?;
        let end = if done { self.i - 1 } else { self.i };
        Ok((&b[start.min(end)..end], done))
    }

    /// Whether `got` is `want` (complete) or the start of it (cut).
    fn matches(&self, got: &[u8], want: &str, done: bool, what: &str) -> Parsed {
        let fits = if done {
            got == want.as_bytes()
        } else {
            want.as_bytes().starts_with(got)
        };
        if fits {
            Ok(done)
        } else {
            self.bad(&format!("{what} is not {want}"))
        }
    }

    /// Any compact JSON value.
    pub(super) fn value(&mut self, depth: usize) -> Parsed {
        if depth > MAX_DEPTH {
            return self.bad("nesting deeper than any record");
        }
        match self.peek() {
            None => Ok(false),
            Some(b'{') => self.object(|_, _, _| Ok(Some(Field::Any(depth + 1)))),
            Some(b'[') => {
                self.i += 1;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(true);
                }
                loop {
                    if !self.value(depth + 1)? {
                        return Ok(false);
                    }
                    match self.peek() {
                        None => return Ok(false),
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(true);
                        }
                        Some(_) => return self.bad("expected `,` or `]`"),
                    }
                }
            }
            Some(b'"') => self.string(None),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                let rest = &self.b[self.i..];
                for word in [&b"true"[..], b"false", b"null"] {
                    let n = rest.len().min(word.len());
                    if rest[..n] == word[..n] {
                        self.i += n;
                        return Ok(n == word.len());
                    }
                }
                self.bad("a byte no JSON value starts with")
            }
        }
    }

    /// A string as serde_json writes it; with `exact`, its content must be that text (or,
    /// cut, the start of it).
    pub(super) fn string(&mut self, exact: Option<&str>) -> Parsed {
        if !self.eat(b'"')? {
            return Ok(false);
        }
        let start = self.i;
        loop {
            match self.peek() {
                None => break,
                Some(b'"') => {
                    self.i += 1;
                    return match exact {
                        Some(want) => self.matches(&self.b[start..self.i - 1], want, true, "prev"),
                        None => Ok(true),
                    };
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        None => break,
                        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            for _ in 0..4 {
                                match self.peek() {
                                    None => break,
                                    Some(c) if c.is_ascii_hexdigit() => self.i += 1,
                                    Some(_) => return self.bad("a bad \\u escape"),
                                }
                            }
                        }
                        Some(_) => return self.bad("an escape serde_json never writes"),
                    }
                }
                Some(c) if c < 0x20 => return self.bad("a raw control byte in a string"),
                Some(_) => self.i += 1,
            }
        }
        match exact {
            Some(want) => self.matches(&self.b[start..self.i], want, false, "prev"),
            None => Ok(false),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; a number ends at the next byte that
    /// cannot continue it, so one at the very end is never known complete.
    fn number(&mut self) -> Parsed {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - from
        };
        let int = self.i;
        let n = digits(self);
        if n > 1 && self.b.get(int) == Some(&b'0') {
            return self.bad("a number with a leading zero");
        }
        if n == 0 {
            return if self.peek().is_none() {
                Ok(false)
            } else {
                self.bad("a bad number")
            };
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 && self.peek().is_some() {
                return self.bad("a bad number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 && self.peek().is_some() {
                return self.bad("a bad number");
            }
        }
        Ok(self.peek().is_some())
    }
}

/// What a member's value must be.
enum Field<'a> {
    /// A number; with `Some`, exactly these digits.
    Number(Option<&'a str>),
    /// A string; with `Some`, exactly this text.
    Text(Option<&'a str>),
    Object,
    Actor,
    Role,
    /// A record kind's name (`KINDS`).
    Kind,
    /// The record's time, as the writer formats it.
    Time,
    Any(usize),
}
