//! `on:` through a whole run: `shisa run --headless` of a runbook of N `run: "true"` steps
//! on one host (a real sshd on loopback, tests/common/sshd.rs), per step, against plain
//! `ssh -o ControlPath=… host true` over a master of the same server, in the same run.
//! Everything a step costs is in the figure: the engine, the journal's fsync, the output
//! log, the request on stdin, ssh's own log judged. A benchmark, not a check:
//! `benches/ssh_run.sh` runs it (`--ignored`) and prints the figure.

#[path = "common/ssh_bench.rs"]
mod bench;
mod common;
#[path = "common/sshd.rs"]
mod sshd;

use std::process::Stdio;
use std::time::Instant;

use bench::{env_or, open_master, plain};
use common::Scratch;
use sshd::Sshd;

fn runbook(n: usize) -> String {
    let mut s = String::from("version: 1\nname: on bench\nhosts:\n  box: { ssh: alpha }\nsteps:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  - {{ id: s{i}, kind: precheck, on: box, run: \"true\" }}\n"
        ));
    }
    s
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
    let (t, _, socket) = open_master(&server, "base");
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
    bench::compare("SSH_RUN_BENCH", (n, reps), &server, &socket, || {
        whole() / n as f64
    });
    t.close_all();
}
