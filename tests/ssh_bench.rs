//! The remote transport's per-command cost against plain `ssh -o ControlPath=… host true`
//! over the same master, in the same run, through a real sshd (tests/common/sshd.rs).
//! A benchmark, not a check: `benches/ssh.sh` runs it (`--ignored`) and prints the figure.

#[path = "common/ssh_bench.rs"]
mod bench;
mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shisa::engine::Program;
use shisa::remote::{Host, SshOutcome, Transport, classify};

use bench::{env_or, open_master, plain};
use sshd::Sshd;

/// One `run: true` step's command as shisa spawns it: the request on stdin, held open until
/// ssh exits, ssh's own log written and judged.
fn ours(t: &Transport, host: &Host, log: &Path) {
    let env = vec![("node".to_string(), "es-data-1".to_string())];
    let inv = t
        .invocation(host, &Program::Script("true".into()), &env, log)
        .unwrap();
    let mut child = Command::new(&inv.argv[0])
        .args(&inv.argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&inv.stdin).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    let text = std::fs::read_to_string(log).unwrap();
    assert_eq!(
        classify(status.code(), &text),
        SshOutcome::Exited(0),
        "{text}"
    );
    std::fs::remove_file(log).unwrap();
}

#[test]
#[ignore = "a benchmark: run by benches/ssh.sh"]
fn transport_overhead_against_plain_ssh() {
    let Some(server) = Sshd::start() else { return };
    let n = env_or("SSH_BENCH_N", 50);
    let reps = env_or("REPS", 5);
    let (t, host, socket) = open_master(&server, "bench");
    let log = server.dir().join("cmd.ssh.log");
    // Warm both paths once.
    ours(&t, &host, &log);
    plain(&server, &socket);
    bench::compare("SSH_BENCH", (n, reps), &server, &socket, || {
        let a = Instant::now();
        for _ in 0..n {
            ours(&t, &host, &log);
        }
        a.elapsed().as_secs_f64() / n as f64
    });
    t.close_all();
}
