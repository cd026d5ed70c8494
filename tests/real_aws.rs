//! Incident 3 with the real AWS CLI: `runbooks/real/quarantine-accounts.yaml` attaches a
//! Deny-all policy, against moto's AWS Organizations emulator started by the test on a
//! loopback port. The test builds the organization (a Production OU with eight accounts,
//! the quarantine OU with three, last month's quarantine OU with one), makes the incident's
//! mistakes (the root as the target, another OU than the ticket's, more accounts than the
//! ticket's) and then asks the emulator, with the AWS CLI, where the policy is attached.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::real::{Answers, Daemon, Operator, free_port, venv_program, wait_until};
use common::{Shared, needs};

/// Wednesday 10:00 in Tokyo: outside the runbook's Friday-evening `deny`.
const WEDNESDAY: &str = "2026-11-25T10:00:00+09:00";

/// The organization the test builds, printed as JSON by boto3 (which awscli brings).
const SETUP: &str = r#"
import boto3, json, sys
org = boto3.client("organizations", endpoint_url=sys.argv[1], region_name="us-east-1")
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
def ou(name):
    return org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
def account(name, parent):
    a = org.create_account(Email=name + "@example.com", AccountName=name)
    a = a["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=a, SourceParentId=root, DestinationParentId=parent)
    return a
prod, quarantine = ou("Production"), ou("quarantine-2023-12")
older = ou("quarantine-2023-11")
for i in range(8):
    account("prod-%d" % i, prod)
for i in range(3):
    account("customer-%d" % i, quarantine)
account("customer-old", older)
deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
policy = org.create_policy(Name="deny-all", Type="SERVICE_CONTROL_POLICY",
                           Description="Quarantine", Content=json.dumps(deny))
print(json.dumps({"root": root, "prod": prod, "quarantine": quarantine, "older": older,
                  "policy": policy["Policy"]["PolicySummary"]["Id"]}))
"#;

/// moto on loopback, with the organization in it.
struct Org {
    moto: Daemon,
    endpoint: String,
    aws_bin: PathBuf,
    root: String,
    quarantine: String,
    /// Last month's quarantine OU: named like the right one, not the ticket's.
    older: String,
    policy: String,
}

fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let install = "python3 -m venv target/real-venv && target/real-venv/bin/pip install awscli moto flask flask-cors";
    if !needs::root() {
        return None;
    }
    let aws = venv_program("aws").or_else(|| {
        needs::missing("aws", install);
        None
    })?;
    let moto = venv_program("moto_server").or_else(|| {
        needs::missing("moto_server", install);
        None
    })?;
    let python = aws.with_file_name("python3");
    let python = if python.is_file() {
        python
    } else {
        needs::tool(&["python3"], install)?
    };
    Some((aws, moto, python))
}

/// Credentials and settings that keep the CLI on the emulator, whatever the machine has.
fn aws_env(c: &mut Command, aws_bin: &std::path::Path) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![aws_bin.parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    c.env("PATH", std::env::join_paths(dirs).unwrap())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_ORGANIZATIONS")
        .env_remove("AWS_ENDPOINT_URL_STS");
}

fn start(dir: &std::path::Path) -> Option<Org> {
    let (aws_bin, moto_bin, python) = tools()?;
    std::fs::create_dir_all(dir).unwrap();
    let port = free_port();
    let mut c = Command::new(moto_bin);
    c.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    let mut moto = Daemon::start("moto_server", c, &dir.join("moto.log"));
    wait_until("moto_server listens", 30, || {
        assert!(!moto.exited(), "moto_server exited; see {}", dir.display());
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut c = Command::new(python);
    aws_env(&mut c, &aws_bin);
    let out = c.args(["-c", SETUP, &endpoint]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = |k: &str| ids[k].as_str().unwrap().to_string();
    Some(Org {
        moto,
        endpoint,
        aws_bin,
        root: id("root"),
        quarantine: id("quarantine"),
        older: id("older"),
        policy: id("policy"),
    })
}

impl Org {
    /// `aws organizations ARGS --output text` against the emulator, trimmed.
    fn aws(&self, args: &[&str]) -> String {
        let mut c = Command::new(&self.aws_bin);
        aws_env(&mut c, &self.aws_bin);
        let out = c
            .args(["--endpoint-url", &self.endpoint, "organizations"])
            .args(args)
            .args(["--output", "text"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Where the Deny-all policy is attached, as Organizations says.
    fn deny_targets(&self) -> String {
        self.aws(&[
            "list-targets-for-policy",
            "--policy-id",
            &self.policy,
            "--query",
            "Targets[].TargetId",
        ])
    }

    /// The service control policies on the root.
    fn root_policies(&self) -> String {
        self.aws(&[
            "list-policies-for-target",
            "--target-id",
            &self.root,
            "--filter",
            "SERVICE_CONTROL_POLICY",
            "--query",
            "Policies[].Id",
        ])
    }

    fn quarantine(&self, sh: &Shared, target: &str, max: &str, answers: Answers) -> common::Run {
        let rb = common::runbook("real/quarantine-accounts.yaml");
        let params = [
            format!("target_id={target}"),
            format!("policy_id={}", self.policy),
            format!("max_accounts={max}"),
            format!("endpoint={}", self.endpoint),
        ];
        let mut args = vec![
            "run",
            rb.to_str().unwrap(),
            "--headless",
            "--share-with",
            "nogroup",
        ];
        for p in &params {
            args.extend(["-p", p]);
        }
        let mut c = sh.as_operator(&args);
        aws_env(&mut c, &self.aws_bin);
        c.env("SHISA_FAKE_NOW", WEDNESDAY);
        Operator::start(c).go_along(answers, |typed| {
            let ok = sh
                .as_nobody(&["approve", &sh.run_id(), "--typed", typed])
                .output()
                .unwrap();
            assert_eq!(ok.status.code(), Some(0), "{ok:?}");
        })
    }

    fn stop(self) {
        self.moto.stop();
    }
}

/// What the ticket names: the OU the operator and the reviewer name blind.
const TICKET_OU: &str = "quarantine-2023-12";

#[test]
fn the_root_as_target_is_refused_at_confirmation() {
    let sh = Shared::new();
    let Some(org) = start(&sh.s.path().join("moto")) else {
        return;
    };
    let root = org.root.clone();
    // The operator's count is too generous: Organizations still names the root, and `deny`
    // refuses it before the count runs or anyone is asked anything.
    let run = org.quarantine(
        &sh,
        &root,
        "50",
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: Some(TICKET_OU),
        },
    );
    // Organizations' own word: the policy is nowhere, the root keeps only FullAWSAccess.
    assert_eq!(org.deny_targets(), "", "{}", run.explain());
    assert_eq!(org.root_policies(), "p-FullAWSAccess");
    assert_eq!(run.code, 4, "{}", run.explain());
    let denied = &run.records("target_denied", Some("attach-deny"))[0];
    assert_eq!(denied["data"]["resolved"], "Root");
    assert!(run.records("approval_requested", None).is_empty());
    assert!(
        !run.stdout.contains("name the target you intend"),
        "{}",
        run.explain()
    );
    org.stop();
}

#[test]
fn another_ou_than_the_tickets_is_refused_by_the_blind_confirmation() {
    let sh = Shared::new();
    let Some(org) = start(&sh.s.path().join("moto")) else {
        return;
    };
    // Last month's OU id pasted from the wrong ticket: it passes `must_match`, and a
    // screen showing "quarantine-2023-11" would be copied back. Named blind, it is not.
    let older = org.older.clone();
    let run = org.quarantine(
        &sh,
        &older,
        "3",
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: Some(TICKET_OU),
        },
    );
    assert_eq!(org.deny_targets(), "", "{}", run.explain());
    assert_eq!(run.code, 4, "{}", run.explain());
    let misses = run.records("target_mismatch", Some("attach-deny"));
    assert_eq!(misses.len(), 3, "{}", run.explain());
    for m in &misses {
        assert_eq!(m["data"]["typed"], TICKET_OU);
        assert_eq!(m["data"]["resolved"], "quarantine-2023-11");
        assert_eq!(m["data"]["blind"], true);
    }
    assert!(run.records("approval_requested", None).is_empty());
    org.stop();
}

#[test]
fn more_accounts_than_the_ticket_names_are_refused_by_the_count() {
    let sh = Shared::new();
    let Some(org) = start(&sh.s.path().join("moto")) else {
        return;
    };
    // The right OU, but the ticket says two accounts and Organizations counts three:
    // refused by the count, before the blind question, with no override.
    let quarantine = org.quarantine.clone();
    let run = org.quarantine(
        &sh,
        &quarantine,
        "2",
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: Some(TICKET_OU),
        },
    );
    assert_eq!(org.deny_targets(), "", "{}", run.explain());
    assert_eq!(org.root_policies(), "p-FullAWSAccess");
    assert_eq!(run.code, 4, "{}", run.explain());
    let impact = &run.records("target_impact", Some("attach-deny"))[0];
    assert_eq!(impact["data"]["count"], 3);
    assert_eq!(impact["data"]["at_most"], 2);
    assert_eq!(impact["data"]["listed"].as_array().map(Vec::len), Some(3));
    assert!(
        run.stdout
            .contains("this touches 3 account(s), more than the 2 allowed"),
        "{}",
        run.explain()
    );
    assert!(
        !run.stdout.contains("name the target you intend"),
        "{}",
        run.explain()
    );
    org.stop();
}

#[test]
fn the_quarantine_ou_gets_the_policy_and_nothing_else_does() {
    let sh = Shared::new();
    let Some(org) = start(&sh.s.path().join("moto")) else {
        return;
    };
    let quarantine = org.quarantine.clone();
    let run = org.quarantine(
        &sh,
        &quarantine,
        "3",
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: Some(TICKET_OU),
        },
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(org.deny_targets(), org.quarantine);
    assert_eq!(org.root_policies(), "p-FullAWSAccess");
    let impact = &run.records("target_impact", Some("attach-deny"))[0];
    assert_eq!(impact["data"]["count"], 3);
    let confirmed = &run.records("target_confirmed", Some("attach-deny"))[0];
    assert_eq!(confirmed["data"]["typed"], TICKET_OU, "{confirmed}");
    org.stop();
}
