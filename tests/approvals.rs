//! Counted approvals end to end: `approval: { reviewers: 2, group: … }` with real share
//! clients, each a different OS account through runuser (CI runs as root). Who is in the
//! group is the host's group database's say: the run shares with `nogroup`, and the
//! accounts whose primary group that is (`nobody`, and `sync` or `_apt` on Debian) are the
//! members; `daemon` run with `-g nogroup` reaches the socket but is not a member.

mod common;

use std::process::{Command, Stdio};

use common::{Live, Shared, bin, is_root};

const TWO_OF_NOGROUP: &str = r#"version: 1
name: Narrow a grant, two approvers
params:
  approvers: { pattern: '^[a-z_][a-z0-9_-]*$' }
steps:
  - id: save
    kind: snapshot
    run: 'echo "-- grants of admin@%" > "$SHISA_RUN_DIR/grants.sql" && echo "saved grants.sql"'
    capture: { snap: 'saved (\S+)' }
  - id: narrow
    kind: action
    title: Narrow admin@%
    target: { describe: [echo, 'admin@%'] }
    approval: { reviewers: 2, group: '{{ approvers }}' }
    run: echo narrowed
    verify: [ { run: echo ok, expect: { stdout_equals: ok } } ]
    rollback: [ { run: 'echo restored >> "$SHISA_RUN_DIR/effects"' } ]
"#;

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `shisa ARGS…` as `user`, with extra runuser options (`-g GROUP`).
fn as_user(sh: &Shared, user: &str, opts: &[&str], args: &[&str]) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", user])
        .args(opts)
        .args(["--", "env", "NO_COLOR=1"])
        .arg(format!("SHISA_SOCKET_DIR={}", sh.sockets.display()))
        .arg(bin())
        .args(args);
    c
}

/// A second member of `nogroup` by the user database, besides `nobody`.
fn second_member() -> Option<String> {
    ["sync", "_apt", "sshd"].into_iter().find_map(|name| {
        let u = nix::unistd::User::from_name(name).ok().flatten()?;
        (u.gid.as_raw() == 65534 && u.uid.as_raw() != 0).then(|| name.to_string())
    })
}

/// The two-approver runbook, at its approval request.
fn waiting(sh: &Shared) -> Live {
    let rb = sh.s.write("two.yaml", TWO_OF_NOGROUP);
    let mut op = sh.operator(&rb, &["approvers=nogroup"]);
    op.wait_for("type the target `admin@%`", 30);
    op.send("admin@%");
    op.wait_for(
        "waiting for approval by 2 distinct people of group `nogroup`; none so far",
        30,
    );
    op
}

fn approve(c: &mut Command) -> (Option<i32>, String) {
    let o = c.output().unwrap();
    (o.status.code(), text(&o))
}

#[test]
fn an_outsider_is_refused_one_person_counts_once_and_two_members_let_the_step_run() {
    if !is_root() {
        return;
    }
    let Some(member) = second_member() else {
        common::needs::missing(
            "a second account whose primary group is nogroup (sync, _apt or sshd)",
            "Debian's base-passwd has `sync`",
        );
        return;
    };
    let sh = Shared::new();
    let op = waiting(&sh);
    let id = sh.run_id();
    let mut watch = sh.as_nobody(&["watch", &id, "--headless"]);
    watch.stdin(Stdio::piped());
    let mut watcher = Live::start(watch);
    watcher.wait_for(
        "waiting for 2 distinct people of group nogroup to approve",
        30,
    );
    let typed = ["approve", id.as_str(), "--typed", "admin@%"];

    // daemon reaches the socket with nogroup as its process group, but the group database
    // does not list it: refused, to its face and in the journal.
    let (code, out) = approve(&mut as_user(&sh, "daemon", &["-g", "nogroup"], &typed));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("NOT APPROVED — daemon is not a member of group `nogroup` on this host"),
        "{out}"
    );
    op.wait_for(
        "approval by daemon refused: daemon is not a member of group `nogroup`",
        30,
    );

    let (code, out) = approve(&mut sh.as_nobody(&typed));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("approved (1 of 2): the step waits for 1 more person"),
        "{out}"
    );
    assert!(
        out.contains("needs    2 distinct people of group `nogroup`; none so far"),
        "the reviewer is told who is needed before typing: {out}"
    );
    op.wait_for(
        "1 of 2 approvals: nobody (nogroup), independently typing",
        30,
    );
    op.wait_for(
        "2 distinct people of group `nogroup`; 1 of 2 so far: nobody",
        30,
    );
    watcher.wait_for("1 of 2 approvals: nobody (nogroup)", 30);

    // The same person again, from a second session, and through sudo (root's account
    // naming nobody as SUDO_USER): neither is a second approval.
    let (code, out) = approve(&mut sh.as_nobody(&typed));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("nobody has already approved this step (two sessions of one person are one person); 1 of 2"),
        "{out}"
    );
    let mut sudo = sh.as_operator(&typed);
    sudo.env("SUDO_USER", "nobody").env("SUDO_UID", "65534");
    let (code, out) = approve(&mut sudo);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("nobody has already approved this step"),
        "{out}"
    );
    op.wait_for(
        "approval by nobody (as root) refused: nobody has already approved",
        30,
    );
    assert!(
        !op.output().contains("narrowed"),
        "nothing ran on one person's word"
    );

    let (code, out) = approve(&mut as_user(&sh, &member, &[], &typed));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("approved: the step runs now"), "{out}");
    op.wait_for(&format!("2 of 2 approvals: {member} (nogroup)"), 30);
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    watcher.close_stdin();
    let watched = watcher.finish();
    assert!(
        watched
            .stdout
            .contains(&format!("2 of 2 approvals: {member}")),
        "{}",
        watched.stdout
    );

    let granted = run.records("approval_granted", Some("narrow"));
    assert_eq!(granted.len(), 2);
    let people: Vec<&str> = granted
        .iter()
        .map(|r| r["data"]["person"]["user"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["nobody", member.as_str()]);
    assert_eq!(granted[0]["actor"]["uid"], 65534);
    assert_eq!(granted[0]["data"]["person"]["uid"], 65534);
    assert_eq!(granted[0]["data"]["count"], 1);
    assert_eq!(granted[1]["data"]["count"], 2);
    assert_eq!(granted[1]["data"]["needed"], 2);
    assert_eq!(granted[1]["data"]["group"], "nogroup");
    let refused = run.records("approval_refused", Some("narrow"));
    assert_eq!(refused.len(), 3, "{refused:#?}");
    assert_eq!(refused[0]["actor"]["user"], "daemon");
    assert_eq!(refused[0]["data"]["person"]["user"], "daemon");
    // Through sudo: root's account, nobody's person, the sudo user named.
    assert_eq!(refused[2]["actor"]["user"], "root");
    assert_eq!(refused[2]["actor"]["uid"], 0);
    assert_eq!(refused[2]["data"]["person"]["user"], "nobody");
    assert_eq!(refused[2]["data"]["person"]["sudo_user"], "nobody");
    // The chain verifies with the new fields in it.
    let verify = Command::new(bin())
        .arg("verify")
        .arg(run.dir())
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    // The postmortem says the same, in both languages: who counted, and as which account.
    let export = |lang: &str| {
        let o = Command::new(bin())
            .args(["export", "--full", "--lang", lang])
            .arg(run.dir())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let en = export("en");
    assert!(en.contains("1 of 2 approvals: nobody (nogroup)"), "{en}");
    assert!(en.contains("nobody (as root)"), "{en}");
    assert!(
        en.contains("approval by daemon refused: daemon is not a member"),
        "{en}"
    );
    let ja = export("ja");
    assert!(ja.contains("承認 1/2：nobody（nogroup）"), "{ja}");
    assert!(ja.contains("nobody（root として）"), "{ja}");
}

#[test]
fn a_rejection_after_one_approval_reaches_the_operator_and_the_journal() {
    if !is_root() {
        return;
    }
    let Some(member) = second_member() else {
        common::needs::missing(
            "a second account whose primary group is nogroup (sync, _apt or sshd)",
            "Debian's base-passwd has `sync`",
        );
        return;
    };
    let sh = Shared::new();
    let mut op = waiting(&sh);
    let id = sh.run_id();
    let (code, out) = approve(&mut sh.as_nobody(&["approve", &id, "--typed", "admin@%"]));
    assert_eq!(code, Some(0), "{out}");
    op.wait_for("1 of 2 approvals: nobody (nogroup)", 30);
    // An outsider may not say no either (they may leave a note).
    let (code, out) = approve(&mut as_user(
        &sh,
        "daemon",
        &["-g", "nogroup"],
        &["approve", &id, "--reject", "no"],
    ));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("daemon is not a member of group `nogroup`"),
        "{out}"
    );
    let (code, out) = approve(&mut as_user(
        &sh,
        &member,
        &[],
        &[
            "approve",
            &id,
            "--reject",
            "the API server logs in as admin too",
        ],
    ));
    assert_eq!(code, Some(0), "{out}");
    op.wait_for(
        &format!("{member} rejected the approval: “the API server logs in as admin too”"),
        30,
    );
    // One "no" stops the step whatever came before: the operator decides.
    op.wait_for("answer `retry`, `abort <reason>`", 30);
    assert!(!op.output().contains("narrowed"), "nothing ran");
    op.send("abort the grant list is being checked");
    let run = op.finish();
    assert_eq!(run.code, 4, "{}", run.explain());
    let rejected = run.records("approval_rejected", Some("narrow"));
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["actor"]["user"], member.as_str());
    assert_eq!(rejected[0]["data"]["person"]["user"], member.as_str());
    assert_eq!(
        rejected[0]["data"]["reason"],
        "the API server logs in as admin too"
    );
    assert!(run.records("approval_granted", None).len() == 1);
}

/// `shisa rollback RUN --reason`, shared with the group: the rollback of a step with a
/// group's approval needs that group's approval again, given by real share clients from
/// other OS accounts; each reviewer is told it is the rollback they approve, and the
/// change's two approvals do not stand in for it.
#[test]
fn a_later_rollback_needs_the_groups_approval_again_from_real_clients() {
    if !is_root() {
        return;
    }
    let Some(member) = second_member() else {
        common::needs::missing(
            "a second account whose primary group is nogroup (sync, _apt or sshd)",
            "Debian's base-passwd has `sync`",
        );
        return;
    };
    let sh = Shared::new();
    let op = waiting(&sh);
    let id = sh.run_id();
    let typed = ["approve", id.as_str(), "--typed", "admin@%"];
    for who in ["nobody", member.as_str()] {
        let (code, out) = approve(&mut as_user(&sh, who, &[], &typed));
        assert_eq!(code, Some(0), "{out}");
    }
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let dir = run.dir().to_path_buf();

    let mut c = sh.as_operator(&["rollback"]);
    c.arg(&dir).args([
        "--reason",
        "INC-12: the API server lost its grants",
        "--headless",
        "--share-with",
        "nogroup",
    ]);
    let mut undo = Live::start(c);
    undo.wait_for(
        "? rollback of Narrow admin@%: type the target `admin@%`",
        30,
    );
    undo.send("admin@%");
    undo.wait_for(
        "? rollback of Narrow admin@%: waiting for approval by 2 distinct people of group `nogroup`; none so far",
        30,
    );
    let mut watch = sh.as_nobody(&["watch", &id, "--headless"]);
    watch.stdin(Stdio::piped());
    let mut watcher = Live::start(watch);
    watcher.wait_for(
        "waiting for 2 distinct people of group nogroup to approve",
        30,
    );

    let (code, out) = approve(&mut sh.as_nobody(&typed));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("command  rollback of `narrow`: ") && out.contains("restored"),
        "the reviewer is shown that it is the rollback they approve: {out}"
    );
    assert!(
        out.contains("approved (1 of 2): the step waits for 1 more person"),
        "{out}"
    );
    undo.wait_for("1 of 2 approvals: nobody (nogroup)", 30);
    assert!(
        !dir.join("effects").exists(),
        "nothing undone on one person's word"
    );
    let (code, out) = approve(&mut as_user(&sh, &member, &[], &typed));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("approved: the step runs now"), "{out}");
    let undone = undo.finish();
    assert_eq!(undone.code, 0, "{}", undone.explain());
    watcher.close_stdin();
    let watched = watcher.finish();
    assert!(
        watched
            .stdout
            .contains(&format!("2 of 2 approvals: {member}")),
        "{}",
        watched.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("effects")).unwrap(),
        "restored\n"
    );

    let journal = common::journal(&dir);
    let granted: Vec<&serde_json::Value> = journal
        .iter()
        .filter(|r| r["kind"] == "approval_granted" && r["step"] == "narrow")
        .collect();
    assert_eq!(granted.len(), 4, "two for the change, two for its rollback");
    let people: Vec<&str> = granted[2..]
        .iter()
        .map(|r| r["data"]["person"]["user"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["nobody", member.as_str()]);
    assert_eq!(granted[3]["data"]["group"], "nogroup");
    let requests: Vec<&serde_json::Value> = journal
        .iter()
        .filter(|r| r["kind"] == "approval_requested" && r["step"] == "narrow")
        .collect();
    assert_eq!(requests.len(), 2);
    assert_ne!(
        requests[0]["data"]["command_sha256"], requests[1]["data"]["command_sha256"],
        "the change's approvals cannot stand for its rollback"
    );
    let last = journal.last().unwrap();
    assert_eq!(last["kind"], "run_finished");
    assert_eq!(last["data"]["outcome"], "rolled_back");
    let verify = Command::new(bin())
        .arg("verify")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
}
