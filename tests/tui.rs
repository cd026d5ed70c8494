//! The TUI end to end: the real binary in a tmux pane (a real pseudo-terminal), driven with
//! keys alone, then the journal and the terminal checked. Every wait polls with a deadline;
//! nothing depends on a fixed sleep.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Scratch, bin, journal, root};

/// A tmux server of the test's own (its socket in the scratch directory), killed on drop.
struct Pane {
    socket: PathBuf,
}

impl Pane {
    /// Starts `shell` in a 100×30 pane; None when tmux is not installed.
    fn start(scratch: &Scratch, shell: &str) -> Option<Pane> {
        Pane::start_sized(scratch, shell, 100, 30)
    }

    /// Starts `shell` in a pane of `w`×`h`.
    fn start_sized(scratch: &Scratch, shell: &str, w: u16, h: u16) -> Option<Pane> {
        common::needs::tool(&["tmux"], "`apt-get install -y tmux`; .ci/run installs it")?;
        let pane = Pane {
            socket: scratch.path().join("tmux.sock"),
        };
        let ok = pane
            .tmux()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ])
            .args(["-s", "t", shell])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        Some(pane)
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let ok = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn type_text(&self, text: &str) {
        let ok = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn query(&self, format: &str) -> String {
        let out = self
            .tmux()
            .args(["display", "-p", "-t", "t", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Polls the screen until `all` of the texts are on it.
    fn wait_for(&self, all: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if all.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30 s for {all:?}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// The command the pane runs: shisa, then its exit code, then a shell that stays so the
/// screen can be read after shisa is gone.
fn shell(scratch: &Scratch, args: &str) -> String {
    format!(
        "cd '{}' && env -u SHISA_FAKE_NOW SHISA_JOURNAL_DIR='{}' '{}' {args}; echo \"shisa exited $?\"; exec sleep 600",
        root().display(),
        scratch.journals().display(),
        bin()
    )
}

fn the_run_dir(scratch: &Scratch) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(scratch.journals())
        .unwrap()
        .map(|d| d.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().unwrap()
}

fn record<'a>(j: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    j.iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in the journal"))
}

fn restored(pane: &Pane) -> String {
    let screen = pane.wait_for(&["shisa exited"]);
    assert_eq!(
        pane.query("#{alternate_on}"),
        "0",
        "the alternate screen was left"
    );
    screen
}

#[test]
fn the_demo_runs_to_completion_with_keys_alone() {
    let scratch = Scratch::new();
    let Some(pane) = Pane::start(&scratch, &shell(&scratch, "run runbooks/demo.yaml")) else {
        return;
    };
    pane.wait_for(&["Step 1 of 4", "Press Enter to begin"]);
    assert_eq!(pane.query("#{alternate_on}"), "1");
    pane.keys(&["Enter"]);
    pane.wait_for(&["Step 2 of 4", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Step 3 of 4", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Confirm the target", "quarantine-2023-12", "> █"]);
    pane.type_text("quarantine-2023-12");
    pane.keys(&["Enter"]);
    pane.wait_for(&["Step 4 of 4", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Note for the journal (optional)", "Enter mark done"]);
    pane.type_text("told the customer");
    pane.keys(&["Enter"]);
    pane.wait_for(&["The run is over: completed (exit 0)"]);
    pane.keys(&["Enter"]);

    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 0"), "{screen}");
    assert!(screen.contains("shisa: journal verified"), "{screen}");
    assert!(
        screen.contains("shisa: run finished: completed"),
        "{screen}"
    );

    let dir = the_run_dir(&scratch);
    let j = journal(&dir);
    assert_eq!(record(&j, "run_started")["data"]["mode"], "tui");
    let confirmed = record(&j, "target_confirmed");
    assert_eq!(confirmed["data"]["typed"], "quarantine-2023-12");
    assert_eq!(confirmed["actor"]["role"], "operator");
    assert_eq!(
        record(&j, "manual_done")["data"]["note"],
        "told the customer"
    );
    assert_eq!(j.last().unwrap()["kind"], "run_finished");
    assert_eq!(j.last().unwrap()["data"]["outcome"], "completed");
    assert!(scratch.verify(&dir).status.success());
}

#[test]
fn sigterm_mid_command_restores_the_terminal_and_leaves_the_step_in_doubt() {
    let scratch = Scratch::new();
    let rb = scratch.write(
        "slow.yaml",
        "version: 1\nname: Slow change\nsteps:\n  - id: slow\n    kind: action\n    title: A slow change\n    run: echo started; sleep 60\n    waive: { snapshot: t, target: t, verify: t, rollback: t }\n",
    );
    let args = format!("run '{}'", rb.display());
    let Some(pane) = Pane::start(&scratch, &shell(&scratch, &args)) else {
        return;
    };
    pane.wait_for(&["Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["running main", "started"]);
    let pid = shisa_pid(&pane);
    let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(ok.success());

    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 3"), "{screen}");
    assert!(
        screen.contains("it can be resumed: shisa resume"),
        "{screen}"
    );
    assert!(screen.contains("shisa: journal verified"), "{screen}");
    let dir = the_run_dir(&scratch);
    assert_eq!(
        record(&journal(&dir), "run_interrupted")["data"]["reason"],
        "SIGTERM"
    );
    // On resume the step is in doubt: nothing runs again without the operator's word.
    let resumed = scratch.resume(&dir, "");
    assert!(
        resumed
            .stdout
            .contains("was in progress when the run stopped"),
        "{}",
        resumed.explain()
    );
    assert_eq!(resumed.code, 3, "end of input at the prompt aborts");
}

/// shisa's pid: the child of the pane's shell (read from /proc, so no `ps` is needed).
fn shisa_pid(pane: &Pane) -> String {
    let shell = pane.query("#{pane_pid}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid …`; comm may hold spaces, so split after the last ')'.
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let ppid = rest.split_whitespace().nth(1).unwrap_or("");
            if ppid == shell && head.contains("(shisa") {
                return entry.file_name().to_string_lossy().into_owned();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no shisa under the pane's shell {shell}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `shisa watch` on a terminal: the operator's screen, read-only; `a` approves the waiting
/// step by typing its target (self-approval here, which the runbook allows), and the
/// watcher's copy of the journal verifies when it leaves.
#[test]
fn a_watcher_approves_from_its_own_screen() {
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let rb = s.write(
        "self.yaml",
        "version: 1\nname: self approval\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    title: Flip the flag\n    target: { describe: echo flag-7 }\n    \
         approval: { allow_self: true }\n    run: echo flipped\n    verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let mut op = s.shisa();
    op.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let mut op = common::Live::start(op);
    op.wait_for("type the target `flag-7`", 30);
    op.send("flag-7");
    // Not shared with a group: nobody else can join, so nobody else is named; the
    // operator's own second terminal may approve.
    op.wait_for("needs approval; `approve` to approve it yourself", 30);
    let id = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name();
    let id = id.to_string_lossy().trim_end_matches(".sock").to_string();
    let watch = format!(
        "env SHISA_SOCKET_DIR='{}' '{}' watch {id}; echo \"shisa exited $?\"; exec sleep 600",
        sockets.display(),
        bin()
    );
    let Some(pane) = Pane::start(&s, &watch) else {
        return;
    };
    pane.wait_for(&["WATCHING (read-only)", "Flip the flag", "a approve"]);
    pane.keys(&["a"]);
    pane.type_text("flag-7");
    pane.keys(&["Enter"]);
    op.wait_for("run finished", 30);
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let granted = &run.records("approval_granted", Some("change"))[0];
    assert_eq!(granted["data"]["typed"], "flag-7");
    assert_eq!(granted["data"]["self_approved"], true);
    pane.wait_for(&["run finished"]);
    pane.keys(&["q"]);
    let screen = restored(&pane);
    assert!(screen.contains("copy verified:"), "{screen}");
    assert!(screen.contains("shisa exited 0"), "{screen}");
}

#[test]
fn the_rolling_restart_runs_to_completion_with_keys_alone() {
    let scratch = Scratch::new();
    let Some(pane) = Pane::start(
        &scratch,
        &shell(&scratch, "run runbooks/rolling-restart.yaml"),
    ) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut typed = Vec::new();
    let mut answered = false;
    loop {
        assert!(
            Instant::now() < deadline,
            "the run never ended; the screen shows:\n{}",
            pane.screen()
        );
        let screen = pane.screen();
        if screen.contains("The run is over") {
            assert!(screen.contains("completed (exit 0)"), "{screen}");
            pane.keys(&["Enter"]);
            break;
        }
        if screen.contains("Confirm the target") && screen.contains("> █") {
            // The node this pass is about, as the step heading names it: `(svc-2)`.
            let node = screen
                .split("item ")
                .nth(1)
                .and_then(|r| r.split_once('('))
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(n, _)| n.to_string())
                .unwrap_or_else(|| panic!("no item in the heading:\n{screen}"));
            pane.type_text(&node);
            pane.keys(&["Enter"]);
            typed.push(node);
            pane.wait_for(&["Timeline"]);
            std::thread::sleep(Duration::from_millis(150));
            continue;
        }
        if screen.contains("Answer (Tab selects)") {
            // Enter acts once the question has been on screen long enough to be read.
            if !answered {
                pane.type_text("error rates flat");
                answered = true;
            }
            std::thread::sleep(Duration::from_millis(1500));
            pane.keys(&["Enter"]);
            continue;
        }
        if screen.contains("Press Enter to begin") {
            pane.keys(&["Enter"]);
            std::thread::sleep(Duration::from_millis(150));
            continue;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 0"), "{screen}");
    // One typed target per node: the deploy step of each pass reuses the drain's.
    assert_eq!(typed, ["svc-1", "svc-2", "svc-3"]);
    let dir = the_run_dir(&scratch);
    let j = journal(&dir);
    let answer = record(&j, "manual_done");
    assert_eq!(answer["data"]["choice"], "keep");
    assert_eq!(answer["data"]["note"], "error rates flat");
    assert_eq!(j.last().unwrap()["data"]["outcome"], "completed");
    assert!(scratch.verify(&dir).status.success());
}

/// The terminal goes away (the tmux session is killed: SIGHUP) while a change runs; a new
/// terminal resumes the run by its id and sees what the journal knows — how long the change
/// ran, why it stopped, its last lines — rolls it back, and Esc on the final dialog hides it
/// rather than quitting.
#[test]
fn resume_after_sighup_shows_the_evidence_and_esc_on_the_final_dialog_hides_it() {
    let scratch = Scratch::new();
    let rb = scratch.write(
        "slow-change.yaml",
        "version: 1\nname: Slow change\nsteps:\n  - id: snap\n    kind: snapshot\n    run: '[ ! -e \"$SHISA_RUN_DIR/effects\" ] || cp \"$SHISA_RUN_DIR/effects\" \"$SHISA_RUN_DIR/effects.before\"; echo saved'\n  \
         - id: change\n    kind: action\n    title: Change slowly\n    target: { describe: echo thing-1 }\n    \
         run: 'echo step one; echo step two; sleep 60'\n    verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'echo undone >> \"$SHISA_RUN_DIR/undone\"' } ]\n",
    );
    let args = format!("run '{}'", rb.display());
    let Some(pane) = Pane::start(&scratch, &shell(&scratch, &args)) else {
        return;
    };
    pane.wait_for(&["Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Step 2 of 2", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Confirm the target", "thing-1", "> █"]);
    // A paste (bracketed, as a terminal sends it) is refused: the target must be typed.
    assert!(
        pane.tmux()
            .args(["set-buffer", "thing-1"])
            .status()
            .unwrap()
            .success()
    );
    assert!(
        pane.tmux()
            .args(["paste-buffer", "-p", "-t", "t"])
            .status()
            .unwrap()
            .success()
    );
    let refused = pane.wait_for(&["pasting is refused here"]);
    assert!(
        refused.contains("> █"),
        "nothing went into the field:\n{refused}"
    );
    pane.type_text("thing-1");
    pane.keys(&["Enter"]);
    // The output line, not the command shown above it (which also says "step two").
    pane.wait_for(&["│ step two"]);
    let ok = pane
        .tmux()
        .args(["kill-session", "-t", "t"])
        .status()
        .unwrap();
    assert!(ok.success());
    drop(pane);

    // shisa stops the change (TERM to its group), journals its result and lets go.
    let dir = the_run_dir(&scratch);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !journal(&dir).iter().any(|r| {
        r["kind"] == "command_finished" && r["step"] == "change" && r["data"]["purpose"] == "main"
    }) {
        assert!(Instant::now() < deadline, "{:#?}", journal(&dir));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        record(&journal(&dir), "run_interrupted")["data"]["reason"],
        "SIGHUP: the terminal went away"
    );
    // The record comes before shisa has let go of the run: a resume started in that moment
    // would find it locked. Wait for the lock itself.
    common::wait_released(&dir, 30);

    let id = dir.file_name().unwrap().to_string_lossy().into_owned();
    let Some(pane) = Pane::start(&scratch, &shell(&scratch, &format!("resume {id}"))) else {
        return;
    };
    let screen = pane.wait_for(&[
        "Step in doubt",
        "its command ran",
        "stopped by signal 15 (TERM)",
        "the terminal went away",
        "│ step two",
        "Enter choose",
    ]);
    assert!(
        screen.contains("▶[r]ollback"),
        "rollback would undo the change:\n{screen}"
    );
    // The timeline holds the run before the resume, not only the resume line.
    assert!(
        screen.contains("INTERRUPTED run interrupted: SIGHUP"),
        "{screen}"
    );
    pane.keys(&["Enter"]);
    pane.wait_for(&["The run is over: rolled back (exit 1)"]);
    pane.keys(&["Escape"]);
    // Hidden, the summary's footer says Enter brings it back and q leaves.
    let hidden = pane.wait_for(&["Enter show the summary", "q leave"]);
    std::thread::sleep(Duration::from_millis(300));
    let hidden = if hidden.contains("The run is over") {
        pane.screen()
    } else {
        hidden
    };
    assert!(!hidden.contains("The run is over"), "Esc hides:\n{hidden}");
    assert!(
        !hidden.contains("shisa exited"),
        "Esc does not quit:\n{hidden}"
    );
    assert_eq!(pane.query("#{alternate_on}"), "1");
    pane.keys(&["Enter"]);
    pane.wait_for(&["The run is over: rolled back (exit 1)"]);
    pane.keys(&["Enter"]);
    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 1"), "{screen}");
    assert!(
        screen.contains("shisa: run finished: rolled back (exit 1): "),
        "the reason is in the last words:\n{screen}"
    );
}

/// At 80×24 a long step title reads whole in the step list, and the output of an earlier
/// step can be brought back and scrolled to its first line (issue 14, item 10).
#[test]
fn at_80x24_long_titles_read_whole_and_earlier_output_can_be_browsed() {
    let scratch = Scratch::new();
    let rb = scratch.write(
        "long.yaml",
        r#"version: 1
name: Long titles
steps:
  - id: lag
    kind: precheck
    title: Replication lag on the standby is under one second
    run: for i in $(seq -w 1 40); do echo "lag sample $i"; done
  - id: disk
    kind: precheck
    title: The standby has room for another day of write-ahead log
    run: echo "disk 41% used"
"#,
    );
    let args = format!("run '{}'", rb.display());
    let Some(pane) = Pane::start_sized(&scratch, &shell(&scratch, &args), 80, 24) else {
        return;
    };
    let screen = pane.wait_for(&["Step 1 of 2", "Press Enter to begin"]);
    // The step list is the left column: its rows, read together, hold each title whole.
    let list = |screen: &str| -> String {
        screen
            .lines()
            .map(|l| {
                l.chars()
                    .skip(1)
                    .take(24)
                    .collect::<String>()
                    .trim()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let read = list(&screen);
    for title in [
        "Replication lag on the standby is under one second",
        "room for another day of write-ahead log",
    ] {
        assert!(read.contains(title), "{title} in the list:\n{screen}");
    }
    pane.keys(&["Enter"]);
    pane.wait_for(&["lag sample 40", "Step 2 of 2", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["The run is over: completed"]);
    // The final dialog hides; then back to step 1's output, and to its first line.
    pane.keys(&["Escape"]);
    pane.wait_for(&["disk 41% used"]);
    pane.keys(&["["]);
    pane.wait_for(&["Output of step 1 of 2", "lag sample 40"]);
    pane.keys(&["Home"]);
    let screen = pane.wait_for(&["lag sample 01", "(the top)"]);
    assert!(!screen.contains("disk 41% used"), "{screen}");
    // Past the top nothing moves; End goes back to the live step.
    pane.keys(&["PageUp"]);
    pane.wait_for(&["lag sample 01", "(the top)"]);
    pane.keys(&["End"]);
    pane.wait_for(&["disk 41% used"]);
    pane.keys(&["q"]);
    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 0"), "{screen}");
}

/// A reviewer's approval arriving while the operator has Quit? open (Ctrl-C while waiting
/// for it) is journaled, but the change waits: the dialog still offers abort and says what
/// waits, and the change starts only once the operator presses Esc. Needs root (`nobody`
/// approves through the shared session), as tests/share.rs does.
#[test]
fn an_approval_under_the_quit_question_starts_nothing_until_the_operator_stays() {
    if !common::is_root() {
        return;
    }
    let sh = common::Shared::new();
    let rb = sh.s.write(
        "held.yaml",
        "version: 1\nname: held approval\nsteps:\n  - id: snap\n    kind: snapshot\n    run: 'touch \"$SHISA_RUN_DIR/saved\"'\n  \
         - id: change\n    kind: action\n    title: Flip the flag\n    target: { describe: echo flag-7 }\n    \
         approval: required\n    run: 'touch \"$SHISA_RUN_DIR/flipped\"'\n    verify: [ { run: 'true' } ]\n    \
         rollback: [ { run: 'rm -f \"$SHISA_RUN_DIR/flipped\"' } ]\n",
    );
    let run = format!(
        "export SHISA_SOCKET_DIR='{}'; {}",
        sh.sockets.display(),
        shell(
            &sh.s,
            &format!("run '{}' --share-with nogroup", rb.display())
        )
    );
    let Some(pane) = Pane::start_sized(&sh.s, &run, 80, 24) else {
        return;
    };
    pane.wait_for(&["Step 1 of 2", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["Step 2 of 2", "Press Enter to begin"]);
    pane.keys(&["Enter"]);
    pane.wait_for(&["flag-7", "> █"]);
    pane.type_text("flag-7");
    pane.keys(&["Enter"]);
    pane.wait_for(&["shisa approve"]);
    pane.keys(&["C-c"]);
    pane.wait_for(&["Quit?", "a abort for good"]);
    let id = sh.run_id();
    let approve = sh
        .as_nobody(&["approve", &id, "--typed", "flag-7"])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&approve.stdout),
        String::from_utf8_lossy(&approve.stderr)
    );
    assert_eq!(approve.status.code(), Some(0), "{said}");
    assert!(said.contains("the step runs when they stay"), "{said}");
    let screen = pane.wait_for(&["Approved meanwhile", "has not started"]);
    assert!(screen.contains("a abort for good"), "{screen}");
    assert!(!screen.contains("stopped first"), "{screen}");
    let dir = the_run_dir(&sh.s);
    let j = journal(&dir);
    assert!(j.iter().any(|r| r["kind"] == "approval_granted"));
    assert!(
        !j.iter().any(|r| r["kind"] == "command_started"
            && r["step"] == "change"
            && r["data"]["purpose"] == "main"),
        "the change started under the question"
    );
    assert!(!dir.join("flipped").exists());
    // Esc: the operator stays, and the change runs.
    pane.keys(&["Escape"]);
    pane.wait_for(&["The run is over: completed (exit 0)"]);
    assert!(dir.join("flipped").exists());
    pane.keys(&["Enter"]);
    let screen = restored(&pane);
    assert!(screen.contains("shisa exited 0"), "{screen}");
}
