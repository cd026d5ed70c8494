//! Recognises a command that changes nothing and saves nothing: only `echo`, `printf`,
//! `true` or `:`. A snapshot or rollback made of such commands passes every gate while
//! giving no way back. Where unsure (a redirection, `$( )`, a subshell, any
//! other program) it says "does something", so the lint built on it never refuses a real
//! command.

use super::model::{Arg, Command};

const NOOPS: &[&str] = &["echo", "printf", "true", ":"];

pub fn does_nothing(cmd: &Command) -> bool {
    match cmd {
        Command::Argv { args, .. } => match args.first() {
            Some(Arg::Lit(program)) => {
                let name = program.rsplit('/').next().unwrap_or(program);
                NOOPS.contains(&name)
            }
            _ => false,
        },
        Command::Run { script, .. } => script_does_nothing(script),
    }
}

fn script_does_nothing(script: &str) -> bool {
    // An empty script stands for a command the loader refused: that error is enough.
    if script.trim().is_empty() {
        return false;
    }
    let mut chars = script.chars().peekable();
    // The first word of the current command, and whether it is complete.
    let mut first = String::new();
    let mut first_done = false;
    let mut at_word_start = true;
    let mut commands_ok = true;
    let end_command = |first: &mut String, first_done: &mut bool| -> bool {
        let ok = first.is_empty() || NOOPS.contains(&first.as_str());
        first.clear();
        *first_done = false;
        ok
    };
    while let Some(c) = chars.next() {
        let word_start = at_word_start;
        at_word_start = false;
        match c {
            '#' if word_start => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                commands_ok &= end_command(&mut first, &mut first_done);
                at_word_start = true;
            }
            '\n' | ';' | '&' | '|' => {
                commands_ok &= end_command(&mut first, &mut first_done);
                at_word_start = true;
            }
            ' ' | '\t' => {
                if !first.is_empty() {
                    first_done = true;
                }
                at_word_start = true;
            }
            // Redirections write or read files; subshells and substitutions run commands.
            '>' | '<' | '(' | ')' | '`' => return false,
            '$' if chars.peek() == Some(&'(') => return false,
            '\'' => {
                if !first_done {
                    first.push('\'');
                }
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                if !first_done {
                    first.push('"');
                }
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '`' => return false,
                        '$' if chars.peek() == Some(&'(') => return false,
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\\' => {
                chars.next();
                if !first_done {
                    first.push('\\');
                }
            }
            _ => {
                if !first_done {
                    first.push(c);
                }
            }
        }
    }
    commands_ok && end_command(&mut first, &mut first_done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::diag::Pos;

    fn run(script: &str) -> bool {
        does_nothing(&Command::Run {
            script: script.into(),
            pos: Pos::default(),
            layout: Default::default(),
        })
    }

    #[test]
    fn only_printing_and_true_do_nothing() {
        for s in [
            "echo saved",
            "true",
            ":",
            "echo \"rolled back $ou_id\"; true",
            "# nothing to undo\necho ok # really",
            "printf '%s\\n' done && echo 'a > b'",
            "echo a | true",
        ] {
            assert!(run(s), "{s}");
        }
    }

    #[test]
    fn anything_else_does_something() {
        for s in [
            "orgctl export > \"$SHISA_RUN_DIR/x\" && echo saved",
            "echo x > /tmp/f",
            "echo \"$(orgctl export)\"",
            "echo `orgctl export`",
            "echo a | tee /tmp/f",
            "( echo a )",
            "X=1 echo a",
            "\"rm\" -rf x",
            "e\\cho x; rm y",
            "echo a\nsystemctl start es",
        ] {
            assert!(!run(s), "{s}");
        }
    }

    #[test]
    fn argv_programs_are_judged_by_name() {
        let argv = |p: &str| Command::Argv {
            args: vec![Arg::Lit(p.into()), Arg::Lit("x".into())],
            pos: Pos::default(),
        };
        assert!(does_nothing(&argv("echo")));
        assert!(does_nothing(&argv("/bin/true")));
        assert!(!does_nothing(&argv("orgctl")));
    }
}
