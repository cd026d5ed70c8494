//! Names a runbook gives to things outside it, each refused unless it is plainly safe
//! there: step ids (output file names and journal step names), parameter and capture names
//! (environment variables of every command) and `path:` entries (PATH directories).

use std::path::Path;

use super::diag::{Diagnostic, Pos};
use super::model::{PathDir, Runbook};

/// What a step id may be, as people read it in a hint.
pub const STEP_ID_RULE: &str = "use letters, digits, `-` and `_`, starting with a letter or digit, at most 64 (`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)";

/// What a parameter or capture name may be, as people read it in a hint.
pub const ENV_NAME_RULE: &str =
    "use lower-case letters, digits and `_`, not starting with a digit (`^[a-z_][a-z0-9_]*$`)";

/// Step ids become `output/<id>.<attempt>.log` and, inside loops, parts of journal names
/// like `roll[item]/id`: a `/`, `[`, `]`, `.`, space or an empty id would be ambiguous
/// there or escape the directory.
pub fn step_id(id: &str, at: Pos, width: usize) -> Option<Diagnostic> {
    let ok = id.len() <= 64
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return None;
    }
    let message = if id.trim().is_empty() {
        "a step id cannot be empty".to_string()
    } else {
        format!("`{id}` cannot be a step id")
    };
    Some(Diagnostic::error(at, message).width(width).hint(format!(
        "ids name output files and journal entries: {STEP_ID_RULE}"
    )))
}

/// Parameter and capture names become environment variables of every command. Upper-case
/// names are where programs look for settings (`PYTHONPATH`, `GIT_SSH_COMMAND`, …, more
/// than any list holds), so only lower-case names are allowed, and lower-case names that
/// programs also read (`http_proxy`) or that mirror a dangerous upper-case one are refused.
pub fn env_name(name: &str, what: &str, at: Pos) -> Option<Diagnostic> {
    let allowed = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let why = match dangerous(name) {
        Some(why) => format!(": {why}"),
        None if allowed => return None,
        None => String::new(),
    };
    let suggest = if allowed || name.is_empty() {
        String::new()
    } else {
        let lower = name.to_ascii_lowercase();
        let fixed: String = lower
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if dangerous(&fixed).is_none() && !fixed.starts_with(|c: char| c.is_ascii_digit()) {
            format!(", e.g. `{fixed}`")
        } else {
            String::new()
        }
    };
    Some(
        Diagnostic::error(at, format!("`{name}` cannot be a {what} name{why}"))
            .width(name.chars().count())
            .hint(format!(
                "{what} names become environment variables of every command: {ENV_NAME_RULE}{suggest}; pick a name of your own"
            )),
    )
}

/// Why a name is refused whatever its case, if it is.
fn dangerous(name: &str) -> Option<&'static str> {
    const SHELL: &[&str] = &[
        "BASH_ENV",
        "ENV",
        "PATH",
        "IFS",
        "SHELLOPTS",
        "BASHOPTS",
        "PS1",
        "PS2",
        "PS4",
        "PROMPT_COMMAND",
        "CDPATH",
        "GLOBIGNORE",
        "HOME",
        "SHELL",
        "FPATH",
        "INPUTRC",
        "HISTFILE",
        "TMPDIR",
        "POSIXLY_CORRECT",
        "ZDOTDIR",
        "_",
    ];
    const CODE: &[&str] = &[
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "HOSTALIASES",
        "LOCPATH",
        "NLSPATH",
        "RESOLV_HOST_CONF",
        "SSH_ASKPASS",
        "SUDO_ASKPASS",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "MANPAGER",
        "GIT_SSH_COMMAND",
        "GIT_SSH",
        "GIT_EXEC_PATH",
        "GIT_ASKPASS",
        "NODE_OPTIONS",
        "NODE_PATH",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "CLASSPATH",
        "RUBYOPT",
        "RUBYLIB",
        "LUA_INIT",
        "LUA_PATH",
        "LUA_CPATH",
        "PHPRC",
        "PHP_INI_SCAN_DIR",
    ];
    // Prefixes a family of loaders and interpreters reads: PYTHONPATH, PYTHONSTARTUP,
    // PERL5OPT, PERL5LIB, LD_PRELOAD, DYLD_INSERT_LIBRARIES, BASH_FUNC_x%%, …
    const CODE_PREFIX: &[&str] = &[
        "LD_",
        "DYLD_",
        "BASH_",
        "PYTHON",
        "PERL",
        "RUBY",
        "GIT_CONFIG",
        "NPM_CONFIG_",
        "MALLOC_",
    ];
    let upper = name.to_ascii_uppercase();
    if upper.starts_with("SHISA_") {
        Some("names starting with SHISA_ are shisa's own")
    } else if SHELL.contains(&upper.as_str()) {
        Some("bash reads it to decide what runs and how")
    } else if CODE.contains(&upper.as_str()) || CODE_PREFIX.iter().any(|p| upper.starts_with(p)) {
        Some("a program, the dynamic loader or bash would run code from its value")
    } else if upper.ends_with("_PROXY") {
        Some("network tools send their traffic where it says")
    } else {
        None
    }
}

/// A `path:` entry is put in front of PATH as one directory: a `:` inside it would add
/// more, and an empty one would mean the current directory.
pub fn path_entry(dir: &str, at: Pos, width: usize) -> Option<Diagnostic> {
    let message = if dir.contains(':') {
        "a `path:` entry cannot contain `:`"
    } else if dir.trim().is_empty() {
        "a `path:` entry cannot be empty"
    } else if dir.chars().any(char::is_control) {
        "a `path:` entry cannot contain control characters"
    } else {
        return None;
    };
    Some(Diagnostic::error(at, message).width(width).hint(
        "give one directory per entry, relative to the runbook file, e.g. `path: [bin, ../tools]`",
    ))
}

/// A directory on PATH that anyone may write to lets anyone put their own program in place
/// of the runbook's tools, so it is worth a warning. `base` is the runbook's directory.
pub fn writable_path_dirs(rb: &Runbook, base: &Path) -> Vec<Diagnostic> {
    use std::os::unix::fs::PermissionsExt;
    rb.path
        .iter()
        .filter(|p| {
            std::fs::metadata(base.join(&p.dir))
                .is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o002 != 0)
        })
        .map(|p: &PathDir| {
            Diagnostic::warning(
                p.pos,
                format!("`path:` directory `{}` is writable by every user", p.dir),
            )
            .width(p.dir.chars().count())
            .hint("anyone could put a program of the same name there; `chmod o-w` it, or use a directory only you and root can write")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_err(name: &str) -> Option<String> {
        env_name(name, "parameter", Pos::new(1, 1)).map(|d| d.message)
    }

    #[test]
    fn step_ids_are_file_and_journal_safe() {
        for ok in ["a", "save-scps", "step_2", "A1", &"x".repeat(64)] {
            assert!(step_id(ok, Pos::default(), 1).is_none(), "{ok}");
        }
        for bad in [
            "",
            " ",
            "-x",
            "_x",
            "a/b",
            "a.b",
            "..",
            "r[1]",
            "é",
            &"x".repeat(65),
        ] {
            assert!(step_id(bad, Pos::default(), 1).is_some(), "{bad:?}");
        }
        let empty = step_id("", Pos::default(), 1).map(|d| d.message);
        assert_eq!(empty.as_deref(), Some("a step id cannot be empty"));
    }

    #[test]
    fn env_names_are_lower_case_identifiers_that_nothing_reads() {
        for ok in ["ou_id", "_x", "token", "db_host2", "user", "target"] {
            assert_eq!(env_err(ok), None, "{ok}");
        }
        for bad in [
            "PYTHONPATH",
            "PERL5OPT",
            "GCONV_PATH",
            "GLIBC_TUNABLES",
            "NODE_OPTIONS",
            "JAVA_TOOL_OPTIONS",
            "GIT_SSH_COMMAND",
            "BASH_LOADABLES_PATH",
            "pythonpath",
            "perl5lib",
            "ld_preload",
            "bash_env",
            "path",
            "http_proxy",
            "shisa_run_dir",
            "Token",
            "1a",
            "a-b",
        ] {
            assert!(env_err(bad).is_some(), "{bad}");
        }
        let d = env_name("Token", "capture", Pos::new(1, 1)).map(|d| d.hint);
        assert!(d.flatten().is_some_and(|h| h.contains("e.g. `token`")));
    }

    #[test]
    fn path_entries_are_single_directories() {
        assert!(path_entry("../assets/sim", Pos::default(), 1).is_none());
        for bad in ["bin:/tmp", "", "  ", "a\nb"] {
            assert!(path_entry(bad, Pos::default(), 1).is_some(), "{bad:?}");
        }
    }
}
