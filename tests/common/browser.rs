//! A real browser for end-to-end checks of HTML exports: Debian's `chromium`, headless.
//! A missing browser is a visible skip outside CI and a failure in CI (`needs`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser, or None when it is missing (reported by `needs`: skipped, or failed in CI).
pub fn chromium() -> Option<PathBuf> {
    crate::common::needs::tool(
        &["chromium", "chromium-browser"],
        "`apt-get install -y chromium`; .ci/run installs it",
    )
}

/// Runs headless chromium with `what` (e.g. `--dump-dom`) on a local file, with a time
/// limit, and returns its standard output.
pub fn run(file: &Path, what: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let browser = chromium().expect("check browser::chromium() first");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(what)
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(out), &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "chromium failed on {}: {status}",
                file.display()
            );
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish with {} in 120 s", file.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The page's DOM after it loaded and its inline script ran.
pub fn dump_dom(file: &Path) -> String {
    run(file, &["--dump-dom", "--virtual-time-budget=2000"])
}
