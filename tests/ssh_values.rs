//! Values through a real sshd arrive byte-identical and inert, in `run:` scripts and in
//! `argv:`, and each command runs on the host it names (tests/common/sshd.rs).

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use proptest::prelude::*;
use shisa::engine::Program;
use shisa::remote::SshOutcome;

use sshd::{ALIASES, Sshd};

/// NUL-separated fields of a remote command's stdout.
fn fields(stdout: &str) -> Vec<String> {
    let mut v: Vec<String> = stdout.split('\0').map(str::to_string).collect();
    assert_eq!(
        v.pop().as_deref(),
        Some(""),
        "output not NUL-terminated: {stdout:?}"
    );
    v
}

#[test]
fn each_alias_runs_its_commands_on_its_own_address_over_its_own_master() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-alias");
    for (alias, addr) in ALIASES {
        let host = server.host(alias);
        let opened = s
            .transport
            .open(&host, &server.dir().join(format!("{alias}.ssh.log")))
            .unwrap();
        assert!(opened.ready(), "{alias}: {opened:?}");
        // SSH_CONNECTION is `client port server port`: the server's address tells which
        // alias served the command.
        let ran = s.script(
            &host,
            r#"set -- $SSH_CONNECTION; printf '%s\0' "$3" "$(id -u)""#,
        );
        assert_eq!(ran.outcome, SshOutcome::Exited(0), "{}", ran.ssh_log);
        assert_eq!(fields(&ran.result.stdout), [addr, "0"]);
        // It went over the master `open` started, not a connection of its own.
        assert!(
            ran.ssh_log.contains("Received exit status from master 0"),
            "{}",
            ran.ssh_log
        );
    }
    assert_eq!(s.transport.control().sockets().len(), ALIASES.len());
}

#[test]
fn a_script_runs_under_bash_with_errexit_nounset_and_pipefail() {
    let Some(server) = Sshd::start() else { return };
    let mut s = server.session("r-bash");
    let host = server.host("alpha");
    let ran = s.script(&host, "false | true; echo not reached");
    assert_eq!(ran.outcome, SshOutcome::Exited(1));
    assert_eq!(ran.result.stdout, "");
    let ran = s.script(&host, "echo \"$undefined_variable\"");
    assert_eq!(ran.outcome, SshOutcome::Exited(1));
    // The command's stdin is not the request stream.
    let ran = s.script(&host, "cat; echo done");
    assert_eq!(ran.outcome, SshOutcome::Exited(0));
    assert_eq!(ran.result.stdout, "done\n");
}

const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "$(touch CANARY)",
    "`touch CANARY`",
    "; touch CANARY",
    "'; touch CANARY; '",
    "${IFS}",
    "\\",
    "\\\\n",
    " ",
    "  lead and trail  ",
    "-la",
    "--version",
    "-",
    "=",
    "a=b",
    "*",
    "?",
    "~",
    "#",
    ";",
    "&",
    "|",
    ">",
    "<",
    "!",
    "%s",
    "%n",
    "\n",
    "\r\n",
    "\t",
    "ünïcødé",
    "日本語",
    "🚀",
    "\u{202e}rtl",
    "\x1b[31m",
    "\u{7f}",
    "",
];

fn value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        proptest::sample::select(HOSTILE).prop_map(str::to_string),
        "[^\u{0}]{0,12}",
    ];
    proptest::collection::vec(piece, 0..5).prop_map(|v| v.concat())
}

fn values() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(value(), 1..6)
}

/// `run:` gets values as environment variables, `argv:` as whole arguments; both come back
/// as they went, and nothing in them ran. One server and one master for every case.
#[test]
fn values_arrive_byte_identical_and_inert() {
    let Some(server) = Sshd::start() else { return };
    // The property runner takes an `Fn`; the session counts its commands.
    let s = std::cell::RefCell::new(server.session("r-values"));
    let host = server.host("beta");
    let opened = s
        .borrow()
        .transport
        .open(&host, &server.dir().join("beta.ssh.log"))
        .unwrap();
    assert!(opened.ready(), "{opened:?}");
    let canary = server.dir().join("pwned");
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&values(), |vals| {
        let env: Vec<(String, String)> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    format!("v_{i}"),
                    v.replace("CANARY", &canary.to_string_lossy()),
                )
            })
            .collect();
        let sent: Vec<String> = env.iter().map(|(_, v)| v.clone()).collect();
        let names: Vec<String> = (0..vals.len()).map(|i| format!("\"$v_{i}\"")).collect();
        let script = format!("printf '%s\\0' {}", names.join(" "));
        let ran = s.borrow_mut().run(&host, Program::Script(script), &env);
        prop_assert_eq!(&ran.outcome, &SshOutcome::Exited(0), "{}", ran.ssh_log);
        prop_assert_eq!(fields(&ran.result.stdout), sent.clone());

        let mut argv = vec!["printf".to_string(), "%s\\0".to_string()];
        argv.extend(sent.iter().cloned());
        let ran = s.borrow_mut().run(&host, Program::Argv(argv), &env);
        prop_assert_eq!(&ran.outcome, &SshOutcome::Exited(0), "{}", ran.ssh_log);
        prop_assert_eq!(fields(&ran.result.stdout), sent);
        prop_assert!(!canary.exists(), "a value was run as shell text");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn with_sudo_the_same_request_runs_through_sudo_n() {
    let Some(server) = Sshd::start() else { return };
    if common::needs::tool(&["sudo"], "apt-get install sudo (.ci/run does)").is_none() {
        return;
    }
    let mut s = server.session("r-sudo");
    let host = shisa::remote::Host::new("alpha", None, true).unwrap();
    let opened = s
        .transport
        .open(&host, &server.dir().join("sudo.ssh.log"))
        .unwrap();
    assert!(opened.ready(), "{opened:?}");
    let value = "it's $(id) `id` \"quoted\" -n\nline two ✓".to_string();
    let env = vec![("v".to_string(), value.clone())];
    // sudo sets SUDO_USER in what it runs: the command went through it.
    let ran = s.run(
        &host,
        Program::Script(r#"printf '%s\0' "$v" "$(id -u)" "${SUDO_USER-}""#.into()),
        &env,
    );
    assert_eq!(ran.outcome, SshOutcome::Exited(0), "{}", ran.ssh_log);
    assert_eq!(fields(&ran.result.stdout), [value.as_str(), "0", "root"]);
}
