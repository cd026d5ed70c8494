//! `on:` through a whole run: `shisa run --headless` of a runbook of N `run: "true"` steps
//! on one host (a real sshd on loopback, tests/common/sshd.rs), per step, against plain
//! `ssh -o ControlPath=… host true` over a master of the same server, in the same run.
//! Everything a step costs is in the figure: the engine, the journal's fsync, the output
//! log, the request on stdin, ssh's own log judged. A benchmark, not a check:
//! `benches/ssh_run.sh` runs it (`--ignored`) and prints the figure.

mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::Scratch;
use sshd::Sshd;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runbook(n: usize) -> String {
    let mut s = String::from("version: 1\nname: on bench\nhosts:\n  box: { ssh: alpha }\nsteps:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  - {{ id: s{i}, kind: precheck, on: box, run: \"true\" }}\n"
        ));
    }
    s
}

/// The baseline: plain ssh over an open master, remote `true`.
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
#[ignore = "a benchmark: run by benches/ssh_run.sh"]
fn a_run_of_on_steps_against_plain_ssh() {
    let Some(server) = Sshd::start() else { return };
    let n = env_or("SSH_BENCH_N", 50);
    let reps = env_or("REPS", 5);
    let s = Scratch::new();
    let rb = s.write("on.yaml", &runbook(n));
    let sockets = server.dir().join("s");
    std::fs::create_dir_all(&sockets).unwrap();
    let t = server.transport("base");
    let host = server.host("alpha");
    assert!(
        t.open(&host, &server.dir().join("open.log"))
            .unwrap()
            .ready()
    );
    let socket = t.control().socket(&host);
    plain(&server, &socket);
    let whole = || {
        let a = Instant::now();
        let out = s
            .shisa()
            .arg("run")
            .arg(&rb)
            .arg("--headless")
            .env("SHISA_SSH_CONFIG", server.config())
            .env("SHISA_SOCKET_DIR", &sockets)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let took = a.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    };
    whole();
    let (mut o, mut p, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let a = Instant::now();
        for _ in 0..n {
            plain(&server, &socket);
        }
        let tp = a.elapsed().as_secs_f64() / n as f64;
        let to = whole() / n as f64;
        o.push(to);
        p.push(tp);
        r.push(to / tp);
    }
    let mut sorted = r.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "SSH_RUN_BENCH {:.2} {:.2} {:.3} {:.3} {:.3} {n} {reps}",
        median(&mut o) * 1000.0,
        median(&mut p) * 1000.0,
        median(&mut r),
        sorted[0],
        sorted[sorted.len() - 1],
    );
    t.close_all();
}
