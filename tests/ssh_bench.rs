//! The remote transport's per-command cost against plain `ssh -o ControlPath=… host true`
//! over the same master, in the same run, through a real sshd (tests/common/sshd.rs).
//! A benchmark, not a check: `benches/ssh.sh` runs it (`--ignored`) and prints the figure.

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use shisa::engine::Program;
use shisa::remote::{Host, SshOutcome, Transport, classify};

use sshd::Sshd;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

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

/// The baseline: plain ssh over the same master, remote `true`.
fn plain(server: &Sshd, socket: &Path) {
    let status = Command::new("ssh")
        .arg("-F")
        .arg(server.config())
        .arg("-o")
        .arg(format!("ControlPath={}", socket.display()))
        .args(["alpha", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore = "a benchmark: run by benches/ssh.sh"]
fn transport_overhead_against_plain_ssh() {
    let Some(server) = Sshd::start() else { return };
    let n = env_or("SSH_BENCH_N", 50);
    let reps = env_or("REPS", 5);
    let t = server.transport("bench");
    let host = server.host("alpha");
    assert!(
        t.open(&host, &server.dir().join("open.log"))
            .unwrap()
            .ready()
    );
    let socket = t.control().socket(&host);
    let log = server.dir().join("cmd.ssh.log");
    // Warm both paths once.
    ours(&t, &host, &log);
    plain(&server, &socket);
    let (mut o, mut p, mut r) = (Vec::new(), Vec::new(), Vec::new());
    // Alternating within each repetition, so a neighbour that loads the machine for a while
    // weighs on both alike; the ratio is the median of the per-repetition ratios.
    for _ in 0..reps {
        let a = Instant::now();
        for _ in 0..n {
            plain(&server, &socket);
        }
        let tp = a.elapsed().as_secs_f64() / n as f64;
        let a = Instant::now();
        for _ in 0..n {
            ours(&t, &host, &log);
        }
        let to = a.elapsed().as_secs_f64() / n as f64;
        o.push(to);
        p.push(tp);
        r.push(to / tp);
    }
    let mut sorted = r.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    // One line for benches/ssh.sh to read: ms per command (ours, plain), the ratio, its range.
    println!(
        "SSH_BENCH {:.2} {:.2} {:.3} {:.3} {:.3} {n} {reps}",
        median(&mut o) * 1000.0,
        median(&mut p) * 1000.0,
        median(&mut r),
        sorted[0],
        sorted[sorted.len() - 1],
    );
    t.close_all();
}
