//! Incident 2 with real mounts: `runbooks/real/redis-volume.yaml` bind-mounts a data
//! directory on a container's /data and chowns it to Redis's uid. Each run is inside a
//! private mount namespace (`unshare -m`) over a throwaway tree that stands for the host's
//! root, so every mount goes with the namespace; the test then reads the owners of the
//! tree's files itself, and which mounts the namespace held when shisa was done.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::real::{Answers, Operator};
use common::{Scratch, needs};

fn tools() -> bool {
    needs::root_to("mount and chown in a private mount namespace")
        && needs::tool(&["unshare"], "apt-get install util-linux").is_some()
        && needs::tool(&["findmnt"], "apt-get install util-linux").is_some()
}

/// A small host: the files that broke in the incident, a data directory, a container.
fn host(root: &Path) -> PathBuf {
    let h = root.join("host");
    let file = |rel: &str, uid: u32, gid: u32, mode: u32| {
        let p = h.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, rel).unwrap();
        chown(&p, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&p, PermissionsExt::from_mode(mode)).unwrap();
    };
    file("etc/passwd", 0, 0, 0o644);
    file("etc/shadow", 0, 42, 0o640);
    file("usr/bin/sudo", 0, 0, 0o4755);
    file("usr/bin/ssh", 0, 0, 0o755);
    file("home/ops1/.ssh/authorized_keys", 1000, 1000, 0o600);
    chown(h.join("home/ops1"), Some(1000), Some(1000)).unwrap();
    chown(h.join("home/ops1/.ssh"), Some(1000), Some(1000)).unwrap();
    file("srv/redis/data/dump.rdb", 0, 0, 0o644);
    for dir in [
        "srv/hostfs",
        "srv/redis/data/backup",
        "var/lib/containers/redis/data",
    ] {
        std::fs::create_dir_all(h.join(dir)).unwrap();
    }
    h
}

/// Every path under `h` but the data directory, with its owner and group.
fn owners_outside_data(h: &Path) -> Vec<(String, u32, u32)> {
    fn walk(h: &Path, dir: &Path, out: &mut Vec<(String, u32, u32)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(h).unwrap().display().to_string();
            if rel == "srv/redis/data" {
                continue;
            }
            let m = std::fs::symlink_metadata(&p).unwrap();
            out.push((rel, m.uid(), m.gid()));
            if m.is_dir() {
                walk(h, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(h, h, &mut out);
    out.sort();
    out
}

fn owner(p: &Path) -> (u32, u32) {
    let m = std::fs::metadata(p).unwrap();
    (m.uid(), m.gid())
}

/// Inside a new mount namespace: `setup` (bash, `$H` is the host tree), then shisa, then
/// every mount under `$H` printed as `mounted <path>`.
const WRAPPER: &str = r#"
set -euo pipefail
H=$1 setup=$2
shift 2
eval "$setup"
code=0
"$@" || code=$?
findmnt -rn -o TARGET | awk -v h="$H/" 'index($0, h) == 1 { print "mounted " $0 }'
exit "$code"
"#;

struct Outcome {
    run: common::Run,
    /// Mounts under the host tree when shisa had ended, inside the namespace.
    mounts: Vec<String>,
}

fn run_in_namespace(
    s: &Scratch,
    h: &Path,
    setup: &str,
    data_dir: &str,
    extra: &[&str],
    answers: Answers,
) -> Outcome {
    let rb = common::runbook("real/redis-volume.yaml");
    let shisa = s.shisa();
    let mut c = Command::new("unshare");
    c.args([
        "--mount",
        "--propagation",
        "private",
        "--",
        "bash",
        "-c",
        WRAPPER,
        "wrapper",
    ])
    .arg(h)
    .arg(setup)
    .arg(shisa.get_program())
    .args(["run", rb.to_str().unwrap(), "--headless"])
    .arg("-p")
    .arg(format!("data_dir={data_dir}"))
    .arg("-p")
    .arg(format!(
        "container_data={}",
        h.join("var/lib/containers/redis/data").display()
    ))
    .arg("-p")
    .arg(format!("host_root={}", h.display()));
    for p in extra {
        c.arg("-p").arg(p);
    }
    for (k, v) in shisa.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.current_dir(common::root());
    let run = Operator::start(c).go_along(answers, |_| panic!("no approval is asked"));
    let h = h.display().to_string();
    let mounts = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("mounted "))
        .map(|m| m.strip_prefix(&h).unwrap_or(m).to_string())
        .collect();
    // Nothing of it is left in the test's own namespace either.
    let here = Command::new("findmnt")
        .args(["-rn", "-o", "TARGET"])
        .output()
        .unwrap();
    let here = String::from_utf8_lossy(&here.stdout);
    assert!(
        !here.lines().any(|l| l.starts_with(&h)),
        "a mount outlived the namespace:\n{here}"
    );
    Outcome { run, mounts }
}

#[test]
fn a_data_directory_that_is_the_host_root_under_another_name_is_refused() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let h = host(s.path());
    let before = owners_outside_data(&h);
    // `/srv/hostfs` looks like any directory under /srv; it is the host's root.
    let o = run_in_namespace(
        &s,
        &h,
        r#"mount --bind "$H" "$H/srv/hostfs""#,
        &h.join("srv/hostfs").display().to_string(),
        &[],
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    // The host's own word: nothing outside the data directory changed owner.
    assert_eq!(owners_outside_data(&h), before, "{}", o.run.explain());
    assert_eq!(owner(&h.join("usr/bin/sudo")), (0, 0));
    assert_eq!(
        o.mounts,
        vec!["/srv/hostfs".to_string()],
        "only the test's own mount"
    );
    assert_eq!(o.run.code, 4, "{}", o.run.explain());
    let denied = &o.run.records("target_denied", Some("mount-and-chown"))[0];
    assert_eq!(denied["data"]["resolved"], "/");
    // Refused on its name, before the count or the change.
    assert!(o.run.records("target_impact", None).is_empty());
    assert!(
        !o.run.commands().iter().any(|c| c == "mount-and-chown:main"),
        "{:?}",
        o.run.commands()
    );
}

#[test]
fn a_data_directory_with_more_to_chown_than_max_changes_is_refused_by_its_count() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let h = host(s.path());
    let before = owners_outside_data(&h);
    // The ticket is for a fresh volume: at most two paths to hand over. This one holds a
    // dump and a backup directory besides itself: three.
    let o = run_in_namespace(
        &s,
        &h,
        "",
        &h.join("srv/redis/data").display().to_string(),
        &["max_changes=2"],
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    // The host's own word: nothing changed owner, inside the data directory or out, and
    // nothing was mounted.
    assert_eq!(owners_outside_data(&h), before, "{}", o.run.explain());
    assert_eq!(owner(&h.join("srv/redis/data")), (0, 0));
    assert_eq!(owner(&h.join("srv/redis/data/dump.rdb")), (0, 0));
    assert!(o.mounts.is_empty(), "{:?}", o.mounts);
    assert_eq!(o.run.code, 4, "{}", o.run.explain());
    let impact = &o.run.records("target_impact", Some("mount-and-chown"))[0];
    assert_eq!(impact["data"]["count"], 3, "{impact}");
    assert_eq!(impact["data"]["at_most"], 2);
    let listed: Vec<&str> = impact["data"]["listed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        listed
            .iter()
            .any(|l| l.ends_with("/srv/redis/data/dump.rdb")),
        "{listed:?}"
    );
    assert!(
        !o.run.commands().iter().any(|c| c == "mount-and-chown:main"),
        "{:?}",
        o.run.commands()
    );
}

#[test]
fn a_mount_inside_the_data_directory_stops_the_change() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let h = host(s.path());
    let before = owners_outside_data(&h);
    // Someone bind-mounted a home directory into the data directory for a backup.
    let o = run_in_namespace(
        &s,
        &h,
        r#"mount --bind "$H/home/ops1" "$H/srv/redis/data/backup""#,
        &h.join("srv/redis/data").display().to_string(),
        &[],
        Answers {
            precheck_failed: Some("abort a home directory is mounted inside"),
            step_failed: None,
            intended: None,
        },
    );
    assert_eq!(owners_outside_data(&h), before, "{}", o.run.explain());
    assert_eq!(
        owner(&h.join("home/ops1/.ssh/authorized_keys")),
        (1000, 1000)
    );
    assert_eq!(o.mounts, vec!["/srv/redis/data/backup".to_string()]);
    assert_eq!(o.run.code, 1, "{}", o.run.explain());
    assert_eq!(
        o.run.records("step_failed", Some("no-mount-inside")).len(),
        1
    );
}

#[test]
fn a_failed_chown_is_rolled_back_and_the_volume_unmounted() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let h = host(s.path());
    let before = owners_outside_data(&h);
    // A read-only data directory: the mount succeeds, the chown fails.
    let o = run_in_namespace(
        &s,
        &h,
        r#"d="$H/srv/redis/data"; mount --bind "$d" "$d"; mount -o remount,bind,ro "$d""#,
        &h.join("srv/redis/data").display().to_string(),
        &[],
        Answers {
            precheck_failed: None,
            step_failed: Some("rollback"),
            intended: None,
        },
    );
    assert_eq!(owners_outside_data(&h), before, "{}", o.run.explain());
    assert_eq!(owner(&h.join("srv/redis/data/dump.rdb")), (0, 0));
    assert_eq!(
        o.mounts,
        vec!["/srv/redis/data".to_string()],
        "the container's /data is unmounted: {}",
        o.run.explain()
    );
    assert_eq!(o.run.code, 1, "{}", o.run.explain());
    assert_eq!(o.run.outcome(), "rolled_back");
}

#[test]
fn its_own_data_directory_is_mounted_and_handed_to_redis() {
    if !tools() {
        return;
    }
    let s = Scratch::new();
    let h = host(s.path());
    let before = owners_outside_data(&h);
    let o = run_in_namespace(
        &s,
        &h,
        "",
        &h.join("srv/redis/data").display().to_string(),
        &[],
        Answers {
            precheck_failed: None,
            step_failed: None,
            intended: None,
        },
    );
    assert_eq!(o.run.code, 0, "{}", o.run.explain());
    assert_eq!(owners_outside_data(&h), before);
    assert_eq!(owner(&h.join("srv/redis/data")), (999, 999));
    assert_eq!(owner(&h.join("srv/redis/data/dump.rdb")), (999, 999));
    assert_eq!(o.mounts, vec!["/var/lib/containers/redis/data".to_string()]);
    // The form the refusals above look for: the change's own command, as step:purpose.
    assert!(
        o.run.commands().iter().any(|c| c == "mount-and-chown:main"),
        "{:?}",
        o.run.commands()
    );
}
