//! Secret values at parameter resolution, as `run` and `plan` see them: too short a secret
//! is refused before anything runs; whatever is shown is masked, including the secret's
//! trimmed form and a secret inside another parameter.

use std::path::Path;
use std::process::Output;

use super::{shisa, write};

const RB: &str = r#"version: 1
name: secret
params:
  token: { secret: true, from_env: CHECK_TEST_TOKEN }
  url: { pattern: '^https://' }
steps:
  - id: use
    kind: precheck
    run: |
      echo "url is $url"
      echo "token is [$(echo $token)]"
"#;

fn shisa_in(dir: &Path, args: &[&str], token: &str) -> Output {
    shisa()
        .env("SHISA_JOURNAL_DIR", dir.join("runs"))
        .env("CHECK_TEST_TOKEN", token)
        .args(args)
        .output()
        .unwrap()
}

fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn a_secret_shorter_than_four_characters_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let rb = write(dir.path(), "rb.yaml", RB);
    let rb = rb.to_str().unwrap();
    for token in ["x", "ab", "  ab  "] {
        for cmd in ["run", "plan"] {
            let args: &[&str] = if cmd == "run" {
                &["run", rb, "--headless", "-p", "url=https://a"]
            } else {
                &["plan", rb, "-p", "url=https://a"]
            };
            let out = shisa_in(dir.path(), args, token);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd} {token:?}: {stderr}");
            assert!(
                stderr.contains("secret parameter `token` is too short")
                    && stderr.contains("at least 4 characters")
                    && stderr.contains("rb.yaml:4:3"),
                "{cmd} {token:?}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
            let runs = std::fs::read_dir(dir.path().join("runs"));
            assert!(
                runs.map_or(true, |mut r| r.next().is_none()),
                "a run started"
            );
        }
    }
}

#[test]
fn a_secret_with_surrounding_whitespace_is_masked_trimmed_too() {
    let dir = tempfile::tempdir().unwrap();
    let rb = write(dir.path(), "rb.yaml", RB);
    let out = shisa_in(
        dir.path(),
        &[
            "run",
            rb.to_str().unwrap(),
            "--headless",
            "-p",
            "url=https://a",
        ],
        "  s3cret-Hunter2  ",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("token is [[REDACTED:token]]"), "{stdout}");
    assert!(!stdout.contains("s3cret-Hunter2"), "{stdout}");
    assert!(!all_text(&dir.path().join("runs")).contains("s3cret-Hunter2"));
}

#[test]
fn plan_masks_a_secret_inside_another_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let rb = write(dir.path(), "rb.yaml", RB);
    let out = shisa_in(
        dir.path(),
        &[
            "plan",
            rb.to_str().unwrap(),
            "-p",
            "url=https://ops:tok-s3cret-999@example.com",
        ],
        "tok-s3cret-999",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("tok-s3cret-999"), "{stdout}");
    assert!(
        stdout.contains("url='https://ops:[REDACTED:token]@example.com'"),
        "{stdout}"
    );
}
