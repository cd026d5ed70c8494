//! The remote command line: the one string the remote login shell parses. It is built only
//! from constants (the prelude in `prelude.bash`, quoted by [`sh_quote`]); values never
//! reach it — they travel on stdin as a [`request`](super::request).

use std::sync::OnceLock;

/// The prelude's source. Its comments explain it here; they are not sent (`prelude`).
const SOURCE: &str = include_str!("prelude.bash");

/// Exit statuses the remote side uses for its own failures (a command may use them too;
/// the prelude's message on stderr says which it was).
pub const EXIT_TOOLS_MISSING: i32 = 251;
pub const EXIT_SUDO_REFUSED: i32 = 252;
pub const EXIT_BAD_REQUEST: i32 = 253;
/// What a POSIX shell answers when `bash` is not on the remote PATH.
pub const EXIT_NOT_FOUND: i32 = 127;

/// Runs its first argument as root through `sudo -n`, or says plainly why it cannot.
/// `sudo -n` never asks for a password: it fails at once, so a run never hangs on a prompt.
const SUDO: &str = "sudo -n -- true </dev/null >/dev/null 2>&1 || { \
printf 'shisa-remote: sudo -n refused on %s: this user needs passwordless sudo (NOPASSWD) for bash\\n' \"$(hostname)\" >&2; \
exit 252; }; exec sudo -n -- bash --norc -c \"$1\" shisa-remote";

/// What `open` checks besides the connection: the tools the prelude needs.
const PROBE: &str = "for t in env cat sleep; do command -v \"$t\" >/dev/null || { \
printf 'shisa-remote: %s is not on the PATH of %s\\n' \"$t\" \"$(hostname)\" >&2; exit 251; }; done";

/// The prelude without its comment lines, which would otherwise travel with every command.
pub fn prelude() -> &'static str {
    static STRIPPED: OnceLock<String> = OnceLock::new();
    STRIPPED.get_or_init(|| {
        SOURCE
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
            .map(|l| format!("{l}\n"))
            .collect()
    })
}

/// `s` as one word of POSIX shell: inside single quotes nothing is special but the quote
/// itself, which is closed, escaped and reopened. Used only on the constants above.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The command line ssh sends for a request (read from stdin by the prelude).
pub fn remote_command(sudo: bool) -> String {
    wrap(prelude(), sudo)
}

/// The command line of the check `open` runs: the login works, bash and the prelude's tools
/// are there, and (with `sudo`) `sudo -n` is allowed.
pub fn probe_command(sudo: bool) -> String {
    wrap(PROBE, sudo)
}

/// `--norc` everywhere: Debian's bash reads bashrc when sshd starts it, even for `-c`, and a
/// bashrc may print, fail under `set -u`, or read stdin, which holds the request.
fn wrap(script: &str, sudo: bool) -> String {
    if sudo {
        format!(
            "exec bash --norc -c {} shisa-remote {}",
            sh_quote(SUDO),
            sh_quote(script)
        )
    } else {
        format!("exec bash --norc -c {} shisa-remote", sh_quote(script))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// What `sh -c` makes of a quoted word: it must be the original, byte for byte.
    fn through_sh(word: &str) -> String {
        let out = Command::new("sh")
            .args(["-c", &format!("printf %s {word}")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn quoting_survives_the_shell() {
        for s in [
            "",
            "plain",
            "it's",
            "''",
            "a'b'c",
            "$(id) `id` $HOME \\ \" ; & | * ? ~ #",
            "line\nbreak",
            "ünïcødé ✓",
        ] {
            assert_eq!(through_sh(&sh_quote(s)), s, "{s:?}");
        }
    }

    #[test]
    fn the_prelude_sent_is_the_source_without_comments() {
        let p = prelude();
        assert!(!p.lines().any(|l| l.trim_start().starts_with('#')));
        assert!(p.contains("get magic") && p.contains("exit \"$rc\""));
        assert!(p.len() < SOURCE.len());
        // bash itself parses what is sent.
        let out = Command::new("bash").args(["-n", "-c", p]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn the_command_lines_are_constants_and_parse() {
        for sudo in [false, true] {
            for line in [remote_command(sudo), probe_command(sudo)] {
                assert!(line.starts_with("exec bash --norc -c '"));
                assert_eq!(line.contains("sudo -n"), sudo);
                let out = Command::new("sh")
                    .args(["-n", "-c", &line])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{line}");
            }
        }
        assert_eq!(EXIT_SUDO_REFUSED, 252);
        assert!(SUDO.contains("exit 252") && PROBE.contains("exit 251"));
    }
}
