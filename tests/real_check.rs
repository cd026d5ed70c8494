//! The runbooks for real systems (`runbooks/real/`) pass `shisa check`: nothing needs to
//! be installed for this one.

mod common;

#[test]
fn every_real_runbook_passes_check() {
    let dir = common::root().join("runbooks/real");
    let mut books: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    books.sort();
    assert!(!books.is_empty(), "no runbook in {}", dir.display());
    for rb in books {
        let out = common::Scratch::new()
            .shisa()
            .arg("check")
            .arg(&rb)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            rb.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
