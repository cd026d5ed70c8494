//! What the two ssh benchmarks (`tests/ssh_bench.rs`, `tests/ssh_run_bench.rs`) share: the
//! baseline (plain `ssh -o ControlPath=… host true` over an open master of the same sshd),
//! the alternating measurement, and the one line their `benches/*.sh` read.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use shisa::remote::{Host, Transport};

use crate::sshd::Sshd;

pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A master open on `alpha` for the baseline: the transport, the host and its socket.
pub fn open_master(server: &Sshd, run_id: &str) -> (Transport, Host, PathBuf) {
    let t = server.transport(run_id);
    let host = server.host("alpha");
    let opened = t.open(&host, &server.dir().join("open.log")).unwrap();
    assert!(opened.ready(), "{opened:?}");
    let socket = t.control().socket(&host);
    (t, host, socket)
}

/// The baseline: plain ssh over the open master, remote `true`.
pub fn plain(server: &Sshd, socket: &Path) {
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

/// `reps` times: `n` baseline commands, then `ours` (seconds per command or step), so a
/// neighbour that loads the machine for a while weighs on both alike. Prints
/// `MARKER ours_ms plain_ms ratio lo hi n reps`: the medians, and the median of the
/// per-repetition ratios with their range.
pub fn compare(
    marker: &str,
    (n, reps): (usize, usize),
    server: &Sshd,
    socket: &Path,
    mut ours: impl FnMut() -> f64,
) {
    let (mut o, mut p, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let a = Instant::now();
        for _ in 0..n {
            plain(server, socket);
        }
        let tp = a.elapsed().as_secs_f64() / n as f64;
        let to = ours();
        o.push(to);
        p.push(tp);
        r.push(to / tp);
    }
    let mut sorted = r.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{marker} {:.2} {:.2} {:.3} {:.3} {:.3} {n} {reps}",
        median(&mut o) * 1000.0,
        median(&mut p) * 1000.0,
        median(&mut r),
        sorted[0],
        sorted[sorted.len() - 1],
    );
}
