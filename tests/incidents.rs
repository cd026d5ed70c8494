//! The four incident runbooks, run headless against the simulators: each one's happy path
//! goes green, and each one's mistake — the one that caused the outage — is stopped.

mod common;

use std::process::Command;

use common::{Live, Scratch, Shared, is_root, runbook};

/// Asks a simulator about the world a run left behind.
fn sim(run: &common::Run, tool: &str, args: &[&str]) -> String {
    let out = Command::new(common::root().join("assets/sim").join(tool))
        .args(args)
        .env("SHISA_RUN_DIR", run.dir())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

// Incident 3: a Deny-all policy on the organization root.

#[test]
fn quarantine_goes_green_with_a_second_persons_approval() {
    if !is_root() {
        return;
    }
    let sh = Shared::new();
    let mut op = sh.operator(
        &runbook("quarantine-accounts.yaml"),
        &["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"],
    );
    op.wait_for("type the target `quarantine-2023-12`", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person", 30);
    let ok = sh
        .as_nobody(&["approve", &sh.run_id(), "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    op.wait_for("Tell the customer", 30);
    op.send("done posted in #inc-2312");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(
        sim(&run, "orgctl", &["policies", "--target", "root"]),
        "p-FullAWSAccess"
    );
    assert_eq!(
        sim(&run, "orgctl", &["access", "--account", "456789012345"]),
        "denied"
    );
    assert_eq!(
        sim(&run, "orgctl", &["access", "--account", "210987654321"]),
        "allowed"
    );
}

#[test]
fn quarantine_refuses_the_root_at_confirmation() {
    let s = Scratch::new();
    let run = s.run_with(
        &runbook("quarantine-accounts.yaml"),
        &["target_id=r-7x2q", "policy_id=p-denyall01"],
        "Root\n",
        |c| {
            c.arg("--share-with").arg(common::my_group());
        },
    );
    assert_eq!(run.code, 4, "{}", run.explain());
    let denied = &run.records("target_denied", Some("attach-deny"))[0];
    assert_eq!(denied["data"]["resolved"], "Root");
    assert!(
        run.records("approval_requested", None).is_empty(),
        "refused before anyone is asked to approve"
    );
    assert_eq!(
        sim(&run, "orgctl", &["policies", "--target", "root"]),
        "p-FullAWSAccess"
    );
}

// Incident 1: narrowing the DB admin host at peak time.

/// Wednesday 07:00 in Tokyo: inside the runbook's Tue-Thu 06:00-09:00 window.
const OFF_PEAK: &str = "2026-11-25T07:00:00+09:00";

/// Starts the DB change off peak, confirms `admin@%`, and has `nobody` approve it.
fn narrow_with_approval(new_host: &str) -> (Shared, Live) {
    let sh = Shared::new();
    let rb = runbook("narrow-db-admin.yaml");
    let mut c = sh.as_operator(&[
        "run",
        rb.to_str().unwrap(),
        "--headless",
        "--share-with",
        "nogroup",
        "--env",
        "staging",
        "-p",
        new_host,
        // The approver must be in this group on the host: `nobody` is, by the user database.
        "-p",
        "approvers=nogroup",
    ]);
    c.env("SHISA_FAKE_NOW", OFF_PEAK);
    let mut op = Live::start(c);
    op.wait_for("type the target `admin@%`", 30);
    op.send("admin@%");
    op.wait_for("waiting for approval by 1 person of group `nogroup`", 30);
    let ok = sh
        .as_nobody(&["approve", &sh.run_id(), "--typed", "admin@%"])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    (sh, op)
}

#[test]
fn narrowing_the_db_admin_host_goes_green_off_peak_with_approval() {
    if !is_root() {
        return;
    }
    let (_sh, mut op) = narrow_with_approval("new_host=10.0.%");
    op.wait_for("answer `done`", 30);
    op.send("done API healthy for 10 minutes");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(sim(&run, "dbadm", &["users"]).contains("admin@10.0.%"));
}

#[test]
fn locking_out_the_console_is_caught_by_verify_and_rolled_back() {
    if !is_root() {
        return;
    }
    let (_sh, mut op) = narrow_with_approval("new_host=10.0.3.%");
    op.wait_for("answer `rollback`", 30);
    op.send("rollback");
    let run = op.finish();
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    let failed = &run.records("step_failed", Some("narrow-admin"))[0];
    // Every check runs: the reason names each that failed ("2 of 5 checks failed — …").
    let reason = failed["data"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("verify-") || reason.contains("checks failed — verify-"),
        "verify caught it: {failed}"
    );
    assert_eq!(
        sim(&run, "dbadm", &["show-user", "admin"]),
        "admin@%",
        "the grants are back as they were"
    );
    assert_eq!(
        sim(
            &run,
            "dbadm",
            &["connect", "--user", "admin", "--from", "10.0.8.20"]
        ),
        "OK"
    );
}

// Incident 2: a Redis volume mounted on `/`.

#[test]
fn redis_on_its_own_data_directory_goes_green() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("redis-volume.yaml"),
        &["data_dir=/srv/redis/data"],
        "/srv/redis/data\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(
        sim(&run, "ctr", &["stat", "/usr/bin/sudo"]),
        "uid=0 /usr/bin/sudo"
    );
    assert_eq!(sim(&run, "ctr", &["exec", "redis", "ping"]), "PONG");
}

#[test]
fn mounting_the_root_is_refused_before_anything_runs() {
    let s = Scratch::new();
    let run = s.run(&runbook("redis-volume.yaml"), &["data_dir=/"], "");
    assert_eq!(run.code, 2, "{}", run.explain());
    assert!(
        run.stderr
            .contains("parameter `data_dir` = `/` is refused: it matches `deny: '^/$'`"),
        "{}",
        run.explain()
    );
    assert!(run.run_dir.is_none(), "nothing ran");
    // A path that only resolves to `/` passes the parameter check but not the target's.
    let run = s.run(
        &runbook("redis-volume.yaml"),
        &["data_dir=/srv/hostfs"],
        "/\n",
    );
    assert_eq!(run.code, 4, "{}", run.explain());
    assert_eq!(
        run.records("target_denied", None)[0]["data"]["resolved"],
        "/"
    );
    assert_eq!(
        sim(&run, "ctr", &["stat", "/usr/bin/sudo"]),
        "uid=0 /usr/bin/sudo"
    );
}

// Incident 4: a config change that silently drops the API authorizer.

#[test]
fn the_good_api_template_deploys_and_the_unhappy_paths_answer_401() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("api-authorizer.yaml"),
        &["template=good"],
        "accounts-api\n",
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(sim(&run, "apictl", &["current"]), "deployment dep-0002");
}

#[test]
fn a_403_where_401_is_expected_rolls_the_deploy_back() {
    let s = Scratch::new();
    let run = s.run(
        &runbook("api-authorizer.yaml"),
        &["template=broken"],
        "accounts-api\nrollback\n",
    );
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    let unmet = &run.records("expect_failed", Some("deploy"))[0];
    assert_eq!(unmet["data"]["expectation"], "stdout is \"401\"");
    assert_eq!(unmet["data"]["detail"], "\"403\"");
    assert_eq!(sim(&run, "apictl", &["current"]), "deployment dep-0001");
    assert_eq!(sim(&run, "apictl", &["call", "--token", "expired"]), "401");
}
