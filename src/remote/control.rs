//! Where a run keeps its ssh ControlMaster sockets: one private directory per run, one
//! socket per host. Whoever can connect to a control socket can run commands as the user on
//! that host, so the directory is the user's alone (0700, checked on reuse).
//!
//! A Unix socket's path has a hard limit (104 bytes on the BSDs, 108 on Linux), and ssh
//! first binds a temporary name 17 bytes longer than the ControlPath; a path past the limit
//! makes ssh fail at connect time. So the directory is `<socket dir>/<run id>.ssh` when
//! that is short enough, else `/tmp/shisa-ssh-<uid>/<run id>`, and each socket is named by
//! 12 hex digits of a hash of the host, not by the host's (unbounded) name. The choice is a
//! function of its inputs, so `resume` finds the same directory again.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use nix::unistd::Uid;

use crate::hash::sha256_hex;
use crate::runbook::host::Host;

/// The most a socket path may take, counting ssh's temporary suffix and the final NUL.
const SUN_PATH: usize = 104;
/// `.` and 16 random characters: the name ssh binds before renaming it into place.
const SSH_TEMP_SUFFIX: usize = 17;
const SOCKET_NAME: usize = 12;

/// A run's directory of control sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlDir {
    dir: PathBuf,
}

impl ControlDir {
    /// The run's directory under `base` (the share socket directory), created 0700 if
    /// missing; an existing one must be a real directory, ours, and closed to others.
    pub fn create(base: &Path, run_id: &str) -> io::Result<ControlDir> {
        let dir = Self::choose(base, run_id)?;
        if let Some(parent) = dir.parent()
            && parent != base
        {
            private_dir(parent)?;
        }
        private_dir(&dir)?;
        Ok(ControlDir { dir })
    }

    /// Where the run's sockets go, without creating anything.
    pub fn choose(base: &Path, run_id: &str) -> io::Result<PathBuf> {
        if run_id.is_empty()
            || run_id.starts_with('.')
            || !run_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{run_id:?} is not a run id"),
            ));
        }
        let fits = |d: &Path| d.as_os_str().len() + 1 + SOCKET_NAME + SSH_TEMP_SUFFIX < SUN_PATH;
        let near = base.join(format!("{run_id}.ssh"));
        if fits(&near) {
            return Ok(near);
        }
        let far = PathBuf::from(format!("/tmp/shisa-ssh-{}", Uid::current())).join(run_id);
        if fits(&far) {
            return Ok(far);
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the run id {run_id:?} is too long for a control socket path"),
        ))
    }

    /// A directory taken as it is (tests of the command lines).
    #[cfg(test)]
    pub(crate) fn at(dir: PathBuf) -> ControlDir {
        ControlDir { dir }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The host's control socket. The same host and user share one connection; `sudo`
    /// changes only what runs over it.
    pub fn socket(&self, host: &Host) -> PathBuf {
        let key = format!("{}\0{}", host.user().unwrap_or(""), host.destination());
        self.dir.join(&sha256_hex(key.as_bytes())[..SOCKET_NAME])
    }

    /// The sockets in the directory now (after a crash: the masters that may outlive it).
    pub fn sockets(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut v: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    }
}

/// Creates `dir` 0700, or accepts it if it is already a real directory of ours that no one
/// else can enter.
fn private_dir(dir: &Path) -> io::Result<()> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(dir)?;
    let refuse = |why: &str| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{}: {why}; remove it and run again", dir.display()),
        ))
    };
    if !meta.file_type().is_dir() {
        return refuse("not a directory (a symlink or a file there is refused)");
    }
    if meta.uid() != Uid::current().as_raw() {
        return refuse("belongs to another user");
    }
    if meta.mode() & 0o077 != 0 {
        return refuse("others can enter it (it must be mode 0700)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_short_base_keeps_the_sockets_beside_the_run_socket() {
        let base = tempfile::tempdir().unwrap();
        let c = ControlDir::create(base.path(), "20231205T081500Z-3f9a").unwrap();
        assert_eq!(c.path(), base.path().join("20231205T081500Z-3f9a.ssh"));
        let mode = fs::metadata(c.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Again (resume): the same directory, accepted.
        assert_eq!(
            ControlDir::create(base.path(), "20231205T081500Z-3f9a").unwrap(),
            c
        );
    }

    #[test]
    fn a_long_base_moves_to_tmp_and_every_socket_fits() {
        let long = PathBuf::from(format!("/{}", "d".repeat(90)));
        let d = ControlDir::choose(&long, "20231205T081500Z-3f9a").unwrap();
        assert!(d.starts_with("/tmp"), "{}", d.display());
        let c = ControlDir { dir: d };
        let h = Host::new(
            "a-very-long-host-name.with.many.labels.example.com",
            Some("ops"),
            false,
        )
        .unwrap();
        let s = c.socket(&h);
        assert!(s.as_os_str().len() + SSH_TEMP_SUFFIX < SUN_PATH);
    }

    #[test]
    fn sockets_are_per_host_and_user_not_per_sudo() {
        let c = ControlDir {
            dir: PathBuf::from("/x"),
        };
        let h = |d: &str, u: Option<&str>, s: bool| c.socket(&Host::new(d, u, s).unwrap());
        assert_eq!(h("a", None, false), h("a", None, true));
        assert_ne!(h("a", None, false), h("b", None, false));
        assert_ne!(h("a", None, false), h("a", Some("ops"), false));
    }

    #[test]
    fn a_directory_others_can_enter_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let d = base.path().join("r1.ssh");
        fs::create_dir(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        let e = ControlDir::create(base.path(), "r1").unwrap_err();
        assert!(e.to_string().contains("0700"), "{e}");
        std::os::unix::fs::symlink("/tmp", base.path().join("r2.ssh")).unwrap();
        let e = ControlDir::create(base.path(), "r2").unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        assert!(ControlDir::create(base.path(), "../x").is_err());
        assert!(ControlDir::choose(base.path(), "..").is_err());
    }
}
