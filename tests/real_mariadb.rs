//! Incident 1 against a real MariaDB: `runbooks/real/narrow-db-admin.yaml` narrows the
//! host of `admin`, which an application is logged in as over TCP from 127.0.0.1. The test
//! starts its own server (temp data directory and tmpdir, loopback port, its own socket),
//! makes the incident's mistake (a pattern, `10.0.%`, that leaves the application out) and
//! then logs in as the application itself to see what the database says.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::real::{Answers, Daemon, Operator, free_port, wait_until};
use common::{Shared, needs};

/// Wednesday 07:00 in Tokyo: outside the runbook's peak-hour `deny`.
const OFF_PEAK: &str = "2026-11-25T07:00:00+09:00";

/// A MariaDB server of the test's own, with the application logged in as `admin`.
struct Db {
    server: Daemon,
    app: Daemon,
    socket: PathBuf,
    breakglass_cnf: PathBuf,
    app_cnf: PathBuf,
}

/// The tools, or a visible skip (a failure in CI).
fn tools() -> bool {
    let install = "apt-get install mariadb-server";
    needs::root()
        && needs::tool(&["mariadbd"], install).is_some()
        && needs::tool(&["mariadb-install-db"], install).is_some()
        && needs::tool(&["mariadb"], install).is_some()
}

fn write_private(path: &Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// SQL as the server's root, over its socket; the output, trimmed. Panics on an error.
fn root_sql(socket: &Path, sql: &str) -> String {
    let out = Command::new("mariadb")
        .args(["--no-defaults", "-u", "root", "-N", "-B", "-S"])
        .arg(socket)
        .arg("-e")
        .arg(sql)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Logs in as the application does (TCP from 127.0.0.1, as `admin`): who the server says
/// it is, or the client's error.
fn app_login(db: &Db) -> Result<String, String> {
    let out = Command::new("mariadb")
        .arg(format!("--defaults-file={}", db.app_cnf.display()))
        .args(["-N", "-B", "-e", "SELECT CURRENT_USER()"])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn start(dir: &Path) -> Db {
    let data = dir.join("data");
    let socket = dir.join("mysqld.sock");
    let port = free_port();
    // A tmpdir of its own: a starting mariadbd deletes every `#sql*` file in its tmpdir as
    // left over from a crash, and in a shared /tmp those are another server's live
    // temporary tables. Under load a concurrent test's (or another checkout's) start-up
    // deleted the bootstrap's `tmp_user_sys`: "Unknown table 'mysql.tmp_user_sys'".
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let init = Command::new("mariadb-install-db")
        .args(["--no-defaults", "--user=root", "--skip-test-db"])
        .arg("--auth-root-authentication-method=socket")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()))
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let mut c = Command::new("mariadbd");
    c.args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1"])
        // Hosts are the client's address as the server sees it: 127.0.0.1 over TCP.
        .args([
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
        ])
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()))
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--port={port}"))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()));
    let mut server = Daemon::start("mariadbd", c, &dir.join("mariadbd.log"));
    wait_until("mariadbd accepts connections", 30, || {
        assert!(!server.exited(), "mariadbd exited; see {}", dir.display());
        Command::new("mariadb")
            .args(["--no-defaults", "-u", "root", "-S"])
            .arg(&socket)
            .args(["-e", "SELECT 1"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    root_sql(
        &socket,
        "CREATE USER admin@'%' IDENTIFIED BY 'app-secret-1';
         GRANT ALL PRIVILEGES ON *.* TO admin@'%' WITH GRANT OPTION;
         CREATE USER breakglass@localhost IDENTIFIED BY 'glass-secret-2';
         GRANT ALL PRIVILEGES ON *.* TO breakglass@localhost WITH GRANT OPTION;
         CREATE DATABASE accounts;",
    );
    let breakglass_cnf = dir.join("breakglass.cnf");
    write_private(
        &breakglass_cnf,
        &format!(
            "[client]\nsocket={}\nuser=breakglass\npassword=glass-secret-2\n",
            socket.display()
        ),
    );
    let app_cnf = dir.join("app.cnf");
    write_private(
        &app_cnf,
        &format!(
            "[client]\nhost=127.0.0.1\nport={port}\nuser=admin\npassword=app-secret-1\ndatabase=accounts\n"
        ),
    );
    // The account API server: one session, logged in as admin and working.
    let mut c = Command::new("mariadb");
    c.arg(format!("--defaults-file={}", app_cnf.display()))
        .args(["-e", "SELECT SLEEP(300)"]);
    let app = Daemon::start("application", c, &dir.join("app.log"));
    wait_until("the application is logged in", 15, || {
        root_sql(
            &socket,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'admin'",
        ) == "1"
    });
    Db {
        server,
        app,
        socket,
        breakglass_cnf,
        app_cnf,
    }
}

impl Db {
    fn stop(self) {
        self.app.stop();
        let pid = self.server.pid();
        self.server.stop();
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    /// Every row of `admin` in mysql.user, as the server has them.
    fn admin_rows(&self) -> String {
        root_sql(
            &self.socket,
            "SELECT GROUP_CONCAT(CONCAT(User, '@', Host)) FROM mysql.user WHERE User = 'admin'",
        )
    }
}

/// Runs the runbook with `new_host` and `may_cut`, answering as `answers` says; `nobody`
/// approves.
fn narrow(sh: &Shared, db: &Db, new_host: &str, may_cut: u32, answers: Answers) -> common::Run {
    let rb = common::runbook("real/narrow-db-admin.yaml");
    let params = [
        format!("new_host={new_host}"),
        format!("may_cut={may_cut}"),
        format!("breakglass_cnf={}", db.breakglass_cnf.display()),
        format!("app_cnf={}", db.app_cnf.display()),
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
    c.env("SHISA_FAKE_NOW", OFF_PEAK);
    Operator::start(c).go_along(answers, |target| {
        let ok = sh
            .as_nobody(&["approve", &sh.run_id(), "--typed", target])
            .output()
            .unwrap();
        assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    })
}

#[test]
fn a_pattern_that_leaves_the_application_out_is_stopped_before_the_change() {
    if !tools() {
        return;
    }
    let sh = Shared::new();
    let db = start(&sh.s.path().join("db"));
    let run = narrow(
        &sh,
        &db,
        "10.0.%",
        0,
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    // The database's own word first: the account is as it was, the application logs in.
    assert_eq!(db.admin_rows(), "admin@%", "{}", run.explain());
    assert_eq!(app_login(&db), Ok("admin@%".to_string()));
    assert_eq!(run.code, 4, "{}", run.explain());
    // The count names the session it would cut, before anyone is asked to approve.
    let impact = &run.records("target_impact", Some("narrow"))[0];
    assert_eq!(impact["data"]["count"], 1, "{impact}");
    assert_eq!(impact["data"]["at_most"], 0);
    let listed = impact["data"]["listed"][0].as_str().unwrap();
    assert!(
        listed.starts_with("session ") && listed.contains(" from 127.0.0.1:"),
        "{impact}"
    );
    assert!(run.records("approval_requested", None).is_empty());
    assert!(
        !run.commands().iter().any(|c| c == "narrow:main"),
        "{:?}",
        run.commands()
    );
    db.stop();
}

#[test]
fn a_session_let_go_is_caught_by_verify_and_rolled_back() {
    if !tools() {
        return;
    }
    let sh = Shared::new();
    let db = start(&sh.s.path().join("db"));
    // The operator believes the session is a stale cron job and lets one be cut: the count
    // passes, and verify (the application logs in again) is what catches the lockout.
    let run = narrow(
        &sh,
        &db,
        "10.0.%",
        1,
        Answers {
            precheck_failed: None,
            step_failed: Some("rollback"),
            intended: None,
        },
    );
    // The account is back with its password and its grants: the application logs in.
    assert_eq!(db.admin_rows(), "admin@%", "{}", run.explain());
    assert_eq!(app_login(&db), Ok("admin@%".to_string()));
    let grants = root_sql(&db.socket, "SHOW GRANTS FOR admin@'%'");
    assert!(
        grants.contains("GRANT ALL PRIVILEGES ON *.* TO `admin`@`%`")
            && grants.contains("WITH GRANT OPTION"),
        "{grants}"
    );
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back", "{}", run.explain());
    assert_eq!(
        run.records("target_impact", Some("narrow"))[0]["data"]["at_most"],
        1
    );
    let failed = &run.records("step_failed", Some("narrow"))[0];
    assert_eq!(
        failed["data"]["reason"].as_str().unwrap().get(..8),
        Some("verify-1")
    );
    db.stop();
}

#[test]
fn a_pattern_that_keeps_every_client_goes_through() {
    if !tools() {
        return;
    }
    let sh = Shared::new();
    let db = start(&sh.s.path().join("db"));
    let run = narrow(
        &sh,
        &db,
        "127.0.0.%",
        0,
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(db.admin_rows(), "admin@127.0.0.%");
    assert_eq!(app_login(&db), Ok("admin@127.0.0.%".to_string()));
    db.stop();
}
