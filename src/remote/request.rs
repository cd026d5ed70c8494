//! The request a remote command travels as: bytes on ssh's stdin, read by the fixed prelude
//! (`prelude.bash`), never parsed by a shell. Fields are NUL-terminated, which needs no
//! escaping at all: no value, name, script or argument can hold a NUL (the environment and
//! argv are C strings), so one found here is refused, not mangled.
//!
//! ```text
//! shisa-remote-1 \0  run|argv \0  N \0  NAME=VALUE \0 ×N  M \0  ARG \0 ×M
//! ```

use thiserror::Error;

use crate::engine::Program;

/// The first field: the prelude refuses anything else.
pub const MAGIC: &str = "shisa-remote-1";

/// Why a command cannot be sent as a request. Each is a runbook or engine bug the
/// operator cannot fix at the prompt; the message says what was wrong, never the value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("the variable name {0:?} cannot be passed (empty, or holds `=` or NUL)")]
    BadName(String),
    #[error("the value of `{0}` holds a NUL byte, which no command can receive")]
    NulInValue(String),
    #[error("the script holds a NUL byte, which bash cannot receive")]
    NulInScript,
    #[error("argument {0} holds a NUL byte, which no command can receive")]
    NulInArgument(usize),
    #[error("an argv command needs a program")]
    EmptyArgv,
    #[error("a remote program name cannot hold `=` (env(1) would take it for a variable): {0:?}")]
    ProgramWithEquals(String),
}

/// Encodes `program` with `env` as the prelude's request.
pub fn encode(program: &Program, env: &[(String, String)]) -> Result<Vec<u8>, RequestError> {
    let mut out = Vec::with_capacity(256);
    let mut field = |s: &str| {
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    };
    field(MAGIC);
    let (kind, args): (&str, Vec<&str>) = match program {
        Program::Script(script) => {
            if script.contains('\0') {
                return Err(RequestError::NulInScript);
            }
            ("run", vec![script.as_str()])
        }
        Program::Argv(argv) => {
            let Some(first) = argv.first() else {
                return Err(RequestError::EmptyArgv);
            };
            // The prelude runs `env -- VARS… PROGRAM ARGS…`; env takes every leading word
            // with `=` as an assignment.
            if first.contains('=') {
                return Err(RequestError::ProgramWithEquals(first.clone()));
            }
            if let Some(i) = argv.iter().position(|a| a.contains('\0')) {
                return Err(RequestError::NulInArgument(i));
            }
            ("argv", argv.iter().map(String::as_str).collect())
        }
    };
    field(kind);
    field(&env.len().to_string());
    for (name, value) in env {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(RequestError::BadName(name.clone()));
        }
        if value.contains('\0') {
            return Err(RequestError::NulInValue(name.clone()));
        }
        field(&format!("{name}={value}"));
    }
    field(&args.len().to_string());
    for a in args {
        field(a);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(b: &[u8]) -> Vec<String> {
        let s = String::from_utf8(b.to_vec()).unwrap();
        let mut v: Vec<String> = s.split('\0').map(str::to_string).collect();
        assert_eq!(v.pop().as_deref(), Some(""), "every field ends in NUL");
        v
    }

    #[test]
    fn a_script_request_is_its_fields_in_order() {
        let env = vec![("node".to_string(), "a b\n$(id)'\"`=".to_string())];
        let b = encode(&Program::Script("echo \"$node\"".into()), &env).unwrap();
        assert_eq!(
            fields(&b),
            [
                MAGIC,
                "run",
                "1",
                "node=a b\n$(id)'\"`=",
                "1",
                "echo \"$node\""
            ]
        );
    }

    #[test]
    fn an_argv_request_keeps_every_argument_whole() {
        let argv = vec!["ls".to_string(), "-la".to_string(), String::new()];
        let b = encode(&Program::Argv(argv), &[]).unwrap();
        assert_eq!(fields(&b), [MAGIC, "argv", "0", "3", "ls", "-la", ""]);
    }

    #[test]
    fn what_cannot_travel_is_refused() {
        let s = |x: &str| Program::Script(x.into());
        let kv = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(encode(&s("a\0b"), &[]), Err(RequestError::NulInScript));
        assert_eq!(
            encode(&s("x"), &kv("a", "b\0")),
            Err(RequestError::NulInValue("a".into()))
        );
        for bad in ["", "a=b", "a\0"] {
            assert_eq!(
                encode(&s("x"), &kv(bad, "v")),
                Err(RequestError::BadName(bad.into()))
            );
        }
        assert_eq!(
            encode(&Program::Argv(vec![]), &[]),
            Err(RequestError::EmptyArgv)
        );
        assert_eq!(
            encode(&Program::Argv(vec!["a=b".into()]), &[]),
            Err(RequestError::ProgramWithEquals("a=b".into()))
        );
        assert_eq!(
            encode(&Program::Argv(vec!["x".into(), "\0".into()]), &[]),
            Err(RequestError::NulInArgument(1))
        );
    }
}
