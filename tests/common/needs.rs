//! Tests that need a tool the machine may lack (a browser, tmux, root). Outside CI a missing
//! tool is a skip that says so on the terminal, where `cargo test` shows it even for a passing
//! test; with `CI=true` it is a failure, so a green CI run never hides an untested path.

use std::io::Write;
use std::path::PathBuf;

/// Whether this run is CI, where every needed tool must be present.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The running test's name: the harness names each test's thread after it.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string()
}

/// Reports a missing requirement: fails in CI, otherwise prints a visible skip line.
/// Returns false so callers can `if !needs::...() { return; }`.
pub fn missing(what: &str, install: &str) -> bool {
    let test = test_name();
    if in_ci() {
        panic!("{test} needs {what}, and CI must run it: {install}");
    }
    // Written to the stream itself, not through `eprintln!`, which the test harness
    // captures and shows only for failing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: needs {what} ({install}); with CI=true this fails"
    );
    false
}

/// A program on PATH, by any of its names.
pub fn program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// `tool` is installed, or the test is reported as skipped (failed in CI).
pub fn tool(names: &[&str], install: &str) -> Option<PathBuf> {
    match program(names) {
        Some(p) => Some(p),
        None => {
            missing(names[0], install);
            None
        }
    }
}

/// Root, to act as a second user; otherwise skipped (failed in CI).
pub fn root() -> bool {
    root_to("act as a second user")
}

/// Root, for `why`; otherwise skipped (failed in CI).
pub fn root_to(why: &str) -> bool {
    nix::unistd::getuid().is_root()
        || missing(
            &format!("root (to {why})"),
            "run the tests as root; .ci/run does",
        )
}
