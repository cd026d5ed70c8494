//! A full disk under the journal: the run stops before running anything else, and says so.
//! Needs root to mount a small tmpfs (CI runs as root); elsewhere it says so and passes.

mod common;

use std::process::Command;

use common::{Scratch, is_root};

struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_stops_the_run_before_the_next_command() {
    if !is_root() {
        return;
    }
    let s = Scratch::new();
    let runs = s.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&runs)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount tmpfs");
    let _guard = Tmpfs(runs.clone());
    let outside = s.path().join("effects");
    let rb = s.write(
        "fill.yaml",
        &format!(
            "version: 1\nname: fill\nsteps:\n  - id: fill\n    kind: precheck\n    run: head -c 1M /dev/zero > \"$SHISA_RUN_DIR/fill\" || true\n  \
             - id: next\n    kind: precheck\n    run: echo ran >> {0}\n  - id: last\n    kind: precheck\n    run: echo ran >> {0}\n",
            outside.display()
        ),
    );
    let run = s.run(&rb, &[], "");
    assert_eq!(run.code, 1, "{}", run.explain());
    let all = format!("{}{}", run.stdout, run.stderr);
    // The first write to find the disk full may be the journal's or the output log's;
    // either way the run must stop, say why, and run nothing more.
    let journal = all.contains("cannot write the journal (No space left on device");
    let log = all.contains("cannot write the output log (No space left on device");
    assert!(journal || log, "{all}");
    assert!(
        all.contains("the run stops here so nothing runs unrecorded"),
        "{all}"
    );
    assert!(
        !outside.exists(),
        "a command ran after the journal could not record it"
    );
    // What was written before the disk filled still verifies.
    let dir = run.dir().to_path_buf();
    std::fs::remove_file(dir.join("fill")).unwrap();
    let verify = s.verify(&dir);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn a_resume_on_a_full_disk_leaves_no_empty_torn_file() {
    if !is_root() {
        return;
    }
    let s = Scratch::new();
    let runs = s.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&runs)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount tmpfs");
    let _guard = Tmpfs(runs.clone());
    // A run that halts at a manual step (no answer), then a crash's cut line after it.
    let rb = s.write(
        "halt.yaml",
        "version: 1\nname: halt\nsteps:\n  - id: look\n    kind: manual\n    instructions: look\n",
    );
    let run = s.run(&rb, &[], "");
    let dir = run.dir().to_path_buf();
    let journal = dir.join("journal.jsonl");
    let lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    std::io::Write::write_all(
        &mut f,
        format!("{{\"seq\":{},\"ts\":\"20", lines + 1).as_bytes(),
    )
    .unwrap();
    drop(f);
    // Fill the disk to the last byte.
    let mut fill = std::fs::File::create(runs.join("fill")).unwrap();
    while std::io::Write::write_all(&mut fill, &[0u8; 4096]).is_ok() {}
    while std::io::Write::write_all(&mut fill, &[0u8]).is_ok() {}
    drop(fill);
    let resumed = s.resume(&dir, "");
    assert_ne!(resumed.code, 0, "{}", resumed.explain());
    assert!(
        resumed
            .stderr
            .contains("cannot move the torn journal tail aside"),
        "{}",
        resumed.explain()
    );
    let aside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.torn-"))
        .collect();
    assert!(aside.is_empty(), "left behind on a full disk: {aside:?}");
    // With room again, the tail is moved aside and the run goes on.
    std::fs::remove_file(runs.join("fill")).unwrap();
    let resumed = s.resume(&dir, "");
    assert!(
        resumed.kinds().contains(&"journal_recovered".to_string()),
        "{}",
        resumed.explain()
    );
}
