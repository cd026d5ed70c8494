//! Hostile or careless input from the issue-11 review: each case is refused (exit 2, with
//! a place and a hint) or warned about (exit 0), and nothing runs.

use std::time::{Duration, Instant};

use super::write;

#[test]
fn a_big_anchored_scalar_aliased_many_times_is_refused_quickly_in_bounded_memory() {
    // 100 kB aliased 20,000 times is 2 GB once expanded, in a 180 kB file.
    let big = "x".repeat(100_000);
    let refs = vec!["*b"; 20_000].join(", ");
    let text = format!("version: 1\nbig: &b {big}\nrefs: [{refs}]\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "rb.yaml", &text);
    let started = Instant::now();
    // A cap on address space turns unbounded expansion into an allocation failure (abort)
    // instead of a slow machine.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1000000 && exec \"$0\" check \"$1\"")
        .arg(env!("CARGO_BIN_EXE_shisa"))
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the document expands to more than") && stderr.contains("MiB of text"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rb.yaml:3:"),
        "located at an alias: {stderr}"
    );
    assert!(stderr.contains("alias bomb"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
