//! Incident 4 against a real nginx: `runbooks/real/nginx-authorizer.yaml` deploys a new
//! site configuration. The test starts its own nginx (temp prefix, loopback port) whose
//! site includes an authorizer (401 without a valid token) in front of a handler that
//! answers 403 to any token it cannot look up, deploys a release whose include matches
//! nothing, and asks nginx itself with curl what a request without a token gets.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::real::{Answers, Daemon, Operator, free_port, wait_until};
use common::{Scratch, needs};

const VALID: &str = "tok-alice-2020";
const EXPIRED: &str = "tok-bob-expired";

/// An nginx of the test's own.
struct Nginx {
    daemon: Daemon,
    dir: PathBuf,
    url: String,
}

fn tools() -> bool {
    needs::tool(&["nginx"], "apt-get install nginx").is_some()
        && needs::tool(&["curl"], "apt-get install curl").is_some()
        && needs::tool(&["pgrep"], "apt-get install procps").is_some()
}

/// The site as it is live today: the authorizer, then the application's handler.
fn site(port: u16, authorizers: &str, greeting: &str) -> String {
    format!(
        "server {{
    listen 127.0.0.1:{port};
    server_name accounts-api;
    location /api/ {{
        # The authorizer: no valid token, 401.
        include {authorizers}/*.conf;
        # The application: a user lookup that fails answers 403 (the months-old handler).
        if ($token_user = \"\") {{ return 403; }}
        return 200 \"{greeting} $token_user\\n\";
    }}
}}
"
    )
}

fn start(dir: &Path) -> Nginx {
    let port = free_port();
    std::fs::create_dir_all(dir.join("authorizers")).unwrap();
    std::fs::write(
        dir.join("authorizers/bearer.conf"),
        "if ($token_user = \"\") { return 401; }\n",
    )
    .unwrap();
    std::fs::write(dir.join("site.conf"), site(port, "authorizers", "hello")).unwrap();
    let d = dir.display();
    let main = format!(
        "daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    map $http_authorization $token_user {{
        \"Bearer {VALID}\" alice;
        default \"\";
    }}
    include {d}/site.conf;
}}
"
    );
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let mut c = Command::new("nginx");
    c.args(["-e", "stderr", "-p"])
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"));
    let mut daemon = Daemon::start("nginx", c, &dir.join("nginx.log"));
    let url = format!("http://127.0.0.1:{port}");
    wait_until("nginx answers", 20, || {
        assert!(!daemon.exited(), "nginx exited; see {}", dir.display());
        status(&url, None).is_some()
    });
    Nginx {
        daemon,
        dir: dir.to_path_buf(),
        url,
    }
}

/// What nginx answers to GET /api/me, with `Bearer token` if given (None: no answer).
fn status(url: &str, token: Option<&str>) -> Option<u16> {
    let mut c = Command::new("curl");
    c.args([
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "5",
    ]);
    if let Some(t) = token {
        c.arg("-H").arg(format!("Authorization: Bearer {t}"));
    }
    let out = c.arg(format!("{url}/api/me")).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .parse()
        .ok()
        .filter(|&code| code != 0)
}

impl Nginx {
    /// A release of the site: the same server, the authorizer included from `authorizers`.
    fn release(&self, name: &str, authorizers: &str, greeting: &str) -> PathBuf {
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        let p = self.dir.join(name);
        std::fs::write(&p, site(port, authorizers, greeting)).unwrap();
        p
    }

    fn deploy(&self, s: &Scratch, release: &Path, answers: Answers) -> common::Run {
        let rb = common::runbook("real/nginx-authorizer.yaml");
        let mut c = s.shisa();
        c.arg("run").arg(rb).arg("--headless");
        for p in [
            format!("release={}", release.display()),
            format!("live_conf={}", self.dir.join("site.conf").display()),
            format!("nginx_conf={}", self.dir.join("nginx.conf").display()),
            format!("pid_file={}", self.dir.join("nginx.pid").display()),
            format!("base_url={}", self.url),
        ] {
            c.arg("-p").arg(p);
        }
        c.env("API_VALID_TOKEN", VALID)
            .env("API_EXPIRED_TOKEN", EXPIRED);
        Operator::start(c).go_along(answers, |_| panic!("no approval is asked"))
    }

    fn stop(self) {
        self.daemon.stop();
    }
}

#[test]
fn a_release_that_drops_the_authorizer_is_rolled_back_by_the_unhappy_path_verify() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let nginx = start(&s.path().join("nginx"));
    let before = std::fs::read(nginx.dir.join("site.conf")).unwrap();
    // The renamed directory: `include authorizer.d/*.conf;` matches nothing, silently.
    let broken = nginx.release("site-v2.conf", "authorizer.d", "hello again");
    let run = nginx.deploy(
        &s,
        &broken,
        Answers {
            precheck_failed: None,
            step_failed: Some("rollback"),
            intended: None,
        },
    );
    // nginx's own answers: the authorizer is back in front of the handler.
    assert_eq!(status(&nginx.url, None), Some(401), "{}", run.explain());
    assert_eq!(status(&nginx.url, Some(EXPIRED)), Some(401));
    assert_eq!(status(&nginx.url, Some(VALID)), Some(200));
    assert_eq!(std::fs::read(nginx.dir.join("site.conf")).unwrap(), before);
    assert_eq!(run.code, 1, "{}", run.explain());
    assert_eq!(run.outcome(), "rolled_back");
    let unmet = &run.records("expect_failed", Some("deploy"))[0];
    assert_eq!(unmet["data"]["detail"], "\"403\"", "{unmet}");
    nginx.stop();
}

#[test]
fn a_release_that_keeps_the_authorizer_goes_live() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let nginx = start(&s.path().join("nginx"));
    let good = nginx.release("site-v2.conf", "authorizers", "hello again");
    let run = nginx.deploy(
        &s,
        &good,
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(status(&nginx.url, None), Some(401));
    assert_eq!(status(&nginx.url, Some(EXPIRED)), Some(401));
    let body = Command::new("curl")
        .args(["-s", "-H", &format!("Authorization: Bearer {VALID}")])
        .arg(format!("{}/api/me", nginx.url))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&body.stdout), "hello again alice\n");
    nginx.stop();
}
