//! A reviewer says no: `shisa approve RUN --reject REASON` and `reject <reason>` from a
//! watcher, as a second OS user (`nobody`, via runuser; CI runs as root). The rejection is
//! journaled with the reason, shown to the operator at once, and the step does not run.

mod common;

use std::process::Stdio;

use common::{Live, Shared, is_root, runbook};

const QUARANTINE: [&str; 2] = ["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"];

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The quarantine runbook, waiting for a second person at `attach-deny`.
fn waiting(sh: &Shared) -> Live {
    let mut op = sh.operator(&runbook("quarantine-accounts.yaml"), &QUARANTINE);
    op.wait_for("name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person to run `shisa approve", 30);
    op
}

#[test]
fn a_rejection_reaches_the_operator_with_its_reason_and_nothing_runs() {
    if !is_root() {
        eprintln!("SKIPPED a_rejection_reaches_the_operator…: needs root (runuser as nobody)");
        return;
    }
    let sh = Shared::new();
    let mut op = waiting(&sh);
    let id = sh.run_id();

    let own = sh
        .as_operator(&["approve", &id, "--reject", "changed my mind"])
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(1), "{}", text(&own));
    assert!(
        text(&own).contains("abort the step instead"),
        "{}",
        text(&own)
    );

    let no = sh
        .as_nobody(&["approve", &id, "--reject", "OU id is not the one in INC-42"])
        .output()
        .unwrap();
    assert_eq!(no.status.code(), Some(0), "{}", text(&no));
    assert!(text(&no).contains("REJECTED — rejected: the step does not run"));
    // The operator reads it at once, and is asked what to do: ask again or abort.
    op.wait_for(
        "nobody rejected the approval: “OU id is not the one in INC-42”",
        30,
    );
    op.wait_for("answer `retry`, `abort <reason>`", 30);
    assert!(
        !op.output().contains("attach-policy --policy"),
        "nothing ran"
    );
    op.send("abort the ticket is being fixed");
    let run = op.finish();
    assert_eq!(run.code, 4, "{}", run.explain());
    let rejected = run.records("approval_rejected", Some("attach-deny"));
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["actor"]["user"], "nobody");
    assert_eq!(rejected[0]["actor"]["role"], "reviewer");
    assert_eq!(
        rejected[0]["data"]["reason"],
        "OU id is not the one in INC-42"
    );
    // `commands()` names each as step:purpose.
    assert!(!run.commands().iter().any(|c| c == "attach-deny:main"));
}

#[test]
fn a_watcher_rejects_then_a_second_request_is_approved() {
    if !is_root() {
        eprintln!("SKIPPED a_watcher_rejects_then…: needs root (runuser as nobody)");
        return;
    }
    let sh = Shared::new();
    let mut op = waiting(&sh);
    let id = sh.run_id();
    let mut watch = sh.as_nobody(&["watch", &id, "--headless"]);
    watch.stdin(Stdio::piped());
    let mut watcher = Live::start(watch);
    watcher.wait_for("waiting for a second person to approve", 30);
    watcher.send("reject wrong policy id");
    op.wait_for("nobody rejected the approval: “wrong policy id”", 30);
    op.wait_for("answer `retry`, `abort <reason>`", 30);
    // Asking again is a new request: the reviewer approves that one.
    op.send("retry");
    op.wait_for("waiting for another person to run `shisa approve", 30);
    let ok = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    op.wait_for("Tell the customer", 30);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.records("approval_rejected", None).len(), 1);
    assert_eq!(run.records("approval_requested", None).len(), 2);
    watcher.close_stdin();
    let watched = watcher.finish();
    assert!(
        watched.stdout.contains("nobody rejected the approval"),
        "{}",
        watched.stdout
    );
}
