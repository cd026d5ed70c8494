//! Fuzz-style: the runbook loader and the journal reader take random and mutated input
//! without panicking, and the worst inputs stay within a fixed amount of memory.

mod common;

use proptest::prelude::*;
use shisa::journal::reader;
use shisa::runbook::load_str;

fn bundled() -> Vec<String> {
    let dir = common::root().join("runbooks");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        // Runbooks only: `runbooks/real/` is a directory.
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    out.sort();
    out
}

/// A real journal to mutate: a small completed run.
fn journal_bytes() -> &'static [u8] {
    static J: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    J.get_or_init(|| {
        let s = common::Scratch::new();
        let run = s.run(
            &common::runbook("demo.yaml"),
            &[],
            "quarantine-2023-12\ndone\n",
        );
        std::fs::read(run.dir().join("journal.jsonl")).unwrap()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens = prop::sample::select(vec![
        b"[".to_vec(),
        b"{".to_vec(),
        b"&a ".to_vec(),
        b"*a".to_vec(),
        b"\n  - ".to_vec(),
        b": ".to_vec(),
        b"'".to_vec(),
        b"\"".to_vec(),
        b"!!binary ".to_vec(),
        b"{{ x }}".to_vec(),
        b"\t".to_vec(),
        b"\xff".to_vec(),
        b"---\n".to_vec(),
        b"<<: *a\n".to_vec(),
        b"\x00".to_vec(),
        b"\\u0000".to_vec(),
        b"}".to_vec(),
        b"\n".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), tokens).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), 0usize..256).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut bytes: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) if !bytes.is_empty() => bytes[i % len] ^= b | 1,
            Mutation::Insert(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, t.iter().copied());
            }
            Mutation::Delete(i, n) if !bytes.is_empty() => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Duplicate(i, n) if !bytes.is_empty() => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(end..end, chunk);
            }
            Mutation::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_mutated_runbooks(pick in 0usize..5, ms in prop::collection::vec(mutation(), 1..8)) {
        let all = bundled();
        let text = mutate(all[pick % all.len()].clone().into_bytes(), &ms);
        let text = String::from_utf8_lossy(&text);
        match load_str("fuzz.yaml", &text) {
            Ok(loaded) => prop_assert!(!loaded.runbook.steps.is_empty()),
            Err(report) => {
                prop_assert!(report.errors() > 0);
                // Every error renders with a location, without panicking on odd positions.
                prop_assert!(report.render(false).contains("--> fuzz.yaml:"));
            }
        }
    }

    #[test]
    fn the_loader_never_panics_on_random_text(text in "[ -~\n\t\u{80}-\u{10ffff}]{0,400}") {
        let _ = load_str("random.yaml", &text).map_err(|r| r.render(false));
    }

    #[test]
    fn the_journal_reader_never_panics_and_names_a_line(ms in prop::collection::vec(mutation(), 1..6)) {
        let bytes = mutate(journal_bytes().to_vec(), &ms);
        match reader::parse(&bytes) {
            Ok(j) => prop_assert!(j.records.len() <= bytes.iter().filter(|&&b| b == b'\n').count()),
            Err(broken) => prop_assert!(broken.line >= 1),
        }
    }

    #[test]
    fn the_journal_reader_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = reader::parse(&bytes);
    }
}

/// Peak memory of `shisa check` on the worst inputs the loader accepts to look at.
#[test]
fn hostile_runbooks_are_checked_within_bounded_memory() {
    let s = common::Scratch::new();
    let near_cap = format!("steps: [{}]\n", vec!["a"; 3_000_000].join(","));
    assert!(near_cap.len() < 8 * 1024 * 1024);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (p, n) in ('a'..='k').zip('b'..='l') {
        bomb.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{p}"); 10].join(", ")
        ));
    }
    let deep = "[".repeat(1_000_000);
    for (name, text) in [
        ("cap.yaml", near_cap),
        ("bomb.yaml", bomb),
        ("deep.yaml", deep),
    ] {
        let path = s.write(name, &text);
        let mut child = s
            .shisa()
            .arg("check")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let (code, max_rss_kib) = wait_with_rusage(&mut child);
        assert_eq!(code, 2, "{name} is refused");
        assert!(
            max_rss_kib < 160 * 1024,
            "{name}: peak RSS {max_rss_kib} KiB"
        );
    }
}

fn wait_with_rusage(child: &mut std::process::Child) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are valid for the call.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}
