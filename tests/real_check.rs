//! The runbooks for real systems (`runbooks/real/`) pass `shisa check` without a warning:
//! nothing needs to be installed for this one.

mod common;

#[test]
fn every_real_runbook_passes_check_without_warnings() {
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
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", rb.display());
        assert!(stderr.is_empty(), "{}: {stderr}", rb.display());
    }
}
