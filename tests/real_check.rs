//! The runbooks for real systems (`runbooks/real/`) pass `shisa check` without a warning
//! and `shisa review --strict` without a finding: nothing needs to be installed for these.

mod common;

fn real_runbooks() -> Vec<std::path::PathBuf> {
    let dir = common::root().join("runbooks/real");
    let mut books: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    books.sort();
    assert!(!books.is_empty(), "no runbook in {}", dir.display());
    books
}

#[test]
fn every_real_runbook_passes_check_without_warnings() {
    for rb in real_runbooks() {
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

/// The review a change ticket gets: every path the engine can walk holds, and the gates
/// the incidents call for are there (a count with a limit; the quarantine target blind).
#[test]
fn every_real_runbook_passes_review_strict_with_its_gates() {
    for rb in real_runbooks() {
        let out = common::Scratch::new()
            .shisa()
            .args(["review", "--strict"])
            .arg(&rb)
            .output()
            .unwrap();
        let md = String::from_utf8_lossy(&out.stdout);
        let name = rb.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {md}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(md.contains("## Findings (0)"), "{name}: {md}");
        let impact = md
            .lines()
            .find(|l| l.starts_with("| Impact limits"))
            .unwrap_or_else(|| panic!("{name}: no impact row in {md}"));
        let blind = md
            .lines()
            .find(|l| l.starts_with("| Blind targets"))
            .unwrap_or_else(|| panic!("{name}: no blind row in {md}"));
        match name.as_str() {
            // Incident 003's gate is the unhappy-path verify: nothing to count or name blind.
            "nginx-authorizer.yaml" => {}
            "quarantine-accounts.yaml" => {
                assert!(impact.contains("| ✓ |"), "{name}: {impact}");
                assert!(blind.contains("| ✓ |"), "{name}: {blind}");
            }
            _ => assert!(impact.contains("| ✓ |"), "{name}: {impact}"),
        }
    }
}
