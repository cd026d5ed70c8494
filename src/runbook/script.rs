//! Finds each `$name` / `${name}` in a `run:` script and whether bash would split and glob
//! its value. Hand-written because no crate reads bash for this; it knows quotes, `\$`,
//! comments, `$( )`, backquotes, `[[ ]]`, `(( ))`, assignments, `case` words, here-strings
//! and here-documents. Where it is unsure it says "not split", so a warning built on it
//! is not noise from a construct it does not understand.

/// One expansion of a variable in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion<'a> {
    pub name: &'a str,
    /// Byte offset of the `$`.
    pub offset: usize,
    /// Bash splits the value into words and expands globs in it (unquoted, in a command).
    pub split: bool,
}

pub fn expansions(script: &str) -> Vec<Expansion<'_>> {
    let mut scan = Scan {
        src: script,
        i: 0,
        out: Vec::new(),
        heredocs: Vec::new(),
    };
    scan.commands(End::Eof);
    scan.out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Eof,
    /// The `)` of `$(`.
    Paren,
    Backquote,
}

/// A here-document announced on the current line: its delimiter, whether `<<-` strips
/// leading tabs, and whether its body expands variables (unquoted delimiter).
struct Heredoc {
    delimiter: String,
    strip_tabs: bool,
    expands: bool,
}

struct Scan<'a> {
    src: &'a str,
    i: usize,
    out: Vec<Expansion<'a>>,
    heredocs: Vec<Heredoc>,
}

fn ends_word(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Scan<'a> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.src.as_bytes().get(self.i + k).copied()
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.i..).unwrap_or("")
    }

    /// The word starting here, up to the next operator or blank (quotes not considered:
    /// only used to recognise keywords and `name=`).
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest.bytes().position(ends_word).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Commands until `end`: words, operators, quotes and expansions.
    fn commands(&mut self, end: End) {
        let mut word_start = true;
        // The current word is not split: an assignment, a `case` word, a here-string.
        let mut word_quiet = false;
        let mut next_quiet = false;
        let mut in_test = false;
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if word_start && !ends_word(c) {
                if c == b'#' {
                    self.skip_line();
                    continue;
                }
                let word = self.word();
                word_quiet = next_quiet || is_assignment(word);
                next_quiet = word == "case";
                match word {
                    "[[" => in_test = true,
                    "]]" => in_test = false,
                    _ => {}
                }
            }
            if word_start && self.rest().starts_with("((") {
                self.i += 2;
                self.arithmetic();
                continue;
            }
            word_start = false;
            match c {
                b'\n' => {
                    self.i += 1;
                    self.heredoc_bodies();
                    (word_start, word_quiet, next_quiet) = (true, false, false);
                }
                b' ' | b'\t' => {
                    self.i += 1;
                    (word_start, word_quiet) = (true, false);
                }
                b';' | b'&' | b'|' | b'>' => {
                    self.i += 1;
                    (word_start, word_quiet, next_quiet) = (true, false, false);
                }
                b'(' => {
                    self.i += 1;
                    depth += 1;
                    word_start = true;
                }
                b')' => {
                    self.i += 1;
                    if depth == 0 && end == End::Paren {
                        return;
                    }
                    depth = depth.saturating_sub(1);
                    word_start = true;
                }
                b'`' => {
                    self.i += 1;
                    if end == End::Backquote {
                        return;
                    }
                    self.commands(End::Backquote);
                }
                b'<' if self.rest().starts_with("<<<") => {
                    self.i += 3;
                    (word_start, next_quiet) = (true, true);
                }
                b'<' if self.rest().starts_with("<<") => {
                    self.i += 2;
                    self.heredoc_operator();
                    word_start = true;
                }
                b'<' => {
                    self.i += 1;
                    word_start = true;
                }
                b'\\' => self.i += 2,
                b'\'' => self.skip_past(b'\'', 1),
                b'"' => {
                    self.i += 1;
                    self.quoted(None);
                }
                b'$' => self.dollar(!(in_test || word_quiet)),
                _ => self.i += 1,
            }
        }
    }

    fn skip_line(&mut self) {
        let rest = self.rest();
        self.i += rest.find('\n').unwrap_or(rest.len());
    }

    /// Skips `from` bytes, then past the next `close` (or to the end).
    fn skip_past(&mut self, close: u8, from: usize) {
        let rest = self.rest().as_bytes();
        let at = rest
            .iter()
            .skip(from)
            .position(|&b| b == close)
            .map_or(rest.len(), |p| p + from + 1);
        self.i += at;
    }

    /// Inside double quotes (until `"`), or a here-document body (until byte `until`):
    /// nothing is split.
    fn quoted(&mut self, until: Option<usize>) {
        while let Some(c) = self.peek(0) {
            if until.is_some_and(|u| self.i >= u) {
                return;
            }
            match c {
                b'"' if until.is_none() => {
                    self.i += 1;
                    return;
                }
                b'\\' => self.i += 2,
                b'`' => {
                    self.i += 1;
                    self.commands(End::Backquote);
                }
                b'$' => self.dollar(false),
                _ => self.i += 1,
            }
        }
    }

    /// At a `$`.
    fn dollar(&mut self, split: bool) {
        let start = self.i;
        self.i += 1;
        match self.peek(0) {
            Some(b'{') => {
                self.i += 1;
                // `${#name}` is a length and `${!name}` indirection: each reads the variable
                // (so it is used, and must be set under `set -u`), but a length is never
                // split and what indirection splits is another variable's value.
                let read_only_name = matches!(self.peek(0), Some(b'#' | b'!'))
                    && self.peek(1).is_some_and(is_name_start);
                if read_only_name {
                    self.i += 1;
                }
                let name = self.name();
                if !name.is_empty() {
                    self.push(name, start, split && !read_only_name);
                }
                self.skip_braces();
            }
            Some(b'(') if self.peek(1) == Some(b'(') => {
                self.i += 2;
                self.arithmetic();
            }
            Some(b'(') => {
                self.i += 1;
                self.commands(End::Paren);
            }
            Some(b'\'') => self.skip_ansi_c(),
            Some(b'"') => {
                self.i += 1;
                self.quoted(None);
            }
            Some(c) if is_name_start(c) => {
                let name = self.name();
                self.push(name, start, split);
            }
            _ => {}
        }
    }

    fn name(&mut self) -> &'a str {
        let rest = self.rest();
        let len = match rest.bytes().next() {
            Some(c) if is_name_start(c) => rest.bytes().position(|b| !is_name(b)),
            _ => Some(0),
        }
        .unwrap_or(rest.len());
        self.i += len;
        &rest[..len]
    }

    fn push(&mut self, name: &'a str, offset: usize, split: bool) {
        self.out.push(Expansion {
            name,
            offset,
            split,
        });
    }

    /// After `${` and its name: to the matching `}`, through nested `${ }`.
    fn skip_braces(&mut self) {
        let mut depth = 1usize;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// After `((` or `$((`: to the matching `))`. Arithmetic never splits.
    fn arithmetic(&mut self) {
        let mut depth = 2usize;
        while let Some(c) = self.peek(0) {
            match c {
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'$' => {
                    self.dollar(false);
                    continue;
                }
                _ => {}
            }
            self.i += 1;
            if depth == 0 {
                return;
            }
        }
    }

    /// After `$`, at `'`: an ANSI-C string, with backslash escapes.
    fn skip_ansi_c(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek(0) {
            self.i += if c == b'\\' { 2 } else { 1 };
            if c == b'\'' {
                return;
            }
        }
    }

    /// After `<<`: records the here-document whose body starts on the next line.
    fn heredoc_operator(&mut self) {
        let strip_tabs = self.peek(0) == Some(b'-');
        if strip_tabs {
            self.i += 1;
        }
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        let word = self.word();
        self.i += word.len();
        let expands = !word.contains(['\'', '"', '\\']);
        let delimiter: String = word.chars().filter(|c| !"'\"\\".contains(*c)).collect();
        self.heredocs.push(Heredoc {
            delimiter,
            strip_tabs,
            expands,
        });
    }

    /// At the start of a line: the bodies of the here-documents announced on the last one.
    fn heredoc_bodies(&mut self) {
        for doc in std::mem::take(&mut self.heredocs) {
            let body_start = self.i;
            let mut end = self.src.len();
            let mut at = body_start;
            while at < self.src.len() {
                let line_end = self.src[at..].find('\n').map_or(self.src.len(), |p| at + p);
                let line = &self.src[at..line_end];
                let line = if doc.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == doc.delimiter {
                    end = at;
                    at = (line_end + 1).min(self.src.len());
                    break;
                }
                at = line_end + 1;
            }
            if doc.expands {
                self.quoted(Some(end));
            }
            // A `$( )` in the body may have read past it already.
            self.i = at.min(self.src.len()).max(self.i);
        }
    }
}

/// `name=…`, `name+=…` or `name[i]=…`: bash does not split an assignment's value, nor the
/// `name=value` arguments of `local`, `export`, `declare` and `readonly`.
fn is_assignment(word: &str) -> bool {
    let bytes = word.as_bytes();
    if !bytes.first().copied().is_some_and(is_name_start) {
        return false;
    }
    let name_end = bytes
        .iter()
        .position(|&b| !is_name(b))
        .unwrap_or(bytes.len());
    let rest = &word[name_end..];
    let rest = match rest.strip_prefix('[') {
        Some(r) => r.find(']').map_or("", |p| &r[p + 1..]),
        None => rest,
    };
    rest.starts_with('=') || rest.starts_with("+=")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names bash would split, in order.
    fn split(script: &str) -> Vec<&str> {
        expansions(script)
            .into_iter()
            .filter(|e| e.split)
            .map(|e| e.name)
            .collect()
    }

    #[test]
    fn unquoted_expansions_in_commands_are_split() {
        assert_eq!(split("rm -rf $dir/$sub"), ["dir", "sub"]);
        assert_eq!(split("echo ${x} ${y:-a}"), ["x", "y"]);
        assert_eq!(split("for h in $hosts; do ping $h; done"), ["hosts", "h"]);
        assert_eq!(split("echo \"$(ls $d)\""), ["d"]);
        assert_eq!(split("a=`echo $b`"), ["b"]);
        let e = &expansions("echo  $x")[0];
        assert_eq!((e.name, e.offset, e.split), ("x", 6, true));
    }

    #[test]
    fn quoted_escaped_and_commented_ones_are_not() {
        for s in [
            "echo \"$x\" \"${x}\" \"a $x b\"",
            "echo '$x' \\$x $'$x' $\"$x\"",
            "echo hi # $x",
            "# $x\necho",
            "echo \"$(echo \"$x\")\"",
        ] {
            assert_eq!(split(s), Vec::<&str>::new(), "{s}");
        }
        assert_eq!(split("echo a#$x"), ["x"]);
    }

    #[test]
    fn places_bash_does_not_split_are_not() {
        for s in [
            "[[ $x == y ]] && echo ok",
            "if [[ $t =~ ^[0-9]{12}$ ]]; then a=$t; fi",
            "x=$y; local z=$y; export w+=$y; arr[1]=$y",
            "case $x in a) echo;; esac",
            "(( n = $x + 1 )); echo $(( $x * 2 ))",
            "cat <<< $x",
            "cat <<EOF\n$x and ${x}\nEOF\n",
            "cat <<'EOF'\n$x\nEOF\n",
            "echo ${#x} ${!x}",
        ] {
            assert_eq!(split(s), Vec::<&str>::new(), "{s}");
        }
        assert_eq!(split("[[ $a ]] && echo $b"), ["b"]);
        assert_eq!(split("cat <<-EOF\n\t$x\n\tEOF\necho $y"), ["y"]);
        assert_eq!(split("x=1 cmd $y"), ["y"]);
    }

    #[test]
    fn a_length_or_indirection_reads_the_name_without_splitting_it() {
        let names: Vec<(&str, usize, bool)> =
            expansions("test ${#tok} -gt 8 && echo ${!ref} ${#} ${!}")
                .into_iter()
                .map(|e| (e.name, e.offset, e.split))
                .collect();
        assert_eq!(names, [("tok", 5, false), ("ref", 27, false)]);
    }

    #[test]
    fn hostile_text_neither_panics_nor_hangs() {
        for s in [
            "$",
            "${",
            "$(",
            "$((",
            "\"",
            "'",
            "`",
            "<<",
            "<<-",
            "\\",
            "${x",
            "$'\\",
            "cat <<E\n",
            "é$é",
            "((",
            "[[",
            ")))",
            "$(( ))) $x",
        ] {
            let _ = expansions(s);
        }
    }
}
