//! Where live sessions listen: `$SHISA_SOCKET_DIR`, else `/tmp/shisa`. A shared directory is
//! created sticky and world-writable like `/tmp/.X11-unix`, and refused — as tmux refuses its
//! own — when it is not a real directory, not sticky while others can write to it, or owned
//! by another user who is not root (that user could swap sockets under us). Every directory
//! above it is held to the same rule, as OpenSSH holds the parents of `authorized_keys`:
//! whoever can rename a parent can put a directory of their own in its place.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::unistd::{Gid, Uid, chown};
use tokio::net::UnixListener;

pub fn dir() -> PathBuf {
    std::env::var_os("SHISA_SOCKET_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/shisa"))
}

/// Creates the directory if needed and checks it is safe to put sockets in.
pub fn ensure(dir: &Path) -> Result<(), String> {
    if fs::symlink_metadata(dir).is_err() {
        match fs::create_dir(dir) {
            Ok(()) => fs::set_permissions(dir, fs::Permissions::from_mode(0o1777))
                .map_err(|e| format!("cannot make {} sticky: {e}", dir.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(format!(
                    "cannot create the socket directory {}: {e}",
                    dir.display()
                ));
            }
        }
    }
    check(dir)
}

/// The rules a socket directory and each directory above it must keep, for servers and
/// clients alike.
pub fn check(dir: &Path) -> Result<(), String> {
    let meta = fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.file_type().is_dir() {
        return Err(format!(
            "{} is not a directory (a symlink or a file there is refused)",
            dir.display()
        ));
    }
    safe(dir, &meta, "the sockets in it")?;
    // The parents as they really are: a symlink on the way is judged by where it leads.
    let real = fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for parent in real.ancestors().skip(1) {
        let meta = fs::metadata(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        safe(parent, &meta, "the socket directory")?;
    }
    Ok(())
}

/// Owned by root or by us, and not open to others' writes unless sticky.
fn safe(dir: &Path, meta: &fs::Metadata, what: &str) -> Result<(), String> {
    let shown = dir.display();
    let me = Uid::current().as_raw();
    if meta.uid() != 0 && meta.uid() != me {
        return Err(format!(
            "{shown} belongs to uid {}, not to you or root; that user could replace {what}",
            meta.uid()
        ));
    }
    let mode = meta.mode();
    let others_write = mode & 0o022 != 0;
    if others_write && mode & 0o1000 == 0 {
        return Err(format!(
            "{shown} is writable by others but not sticky (chmod +t), so anyone could replace {what}"
        ));
    }
    Ok(())
}

/// Whether members of group `gid` (other than its owner) can reach a socket in `dir`: each
/// directory on the way, `dir` included, must let them through (`x` for others, or for the
/// group where the directory is the group's). `Err` names the first that does not, and the
/// fix: a run shared with a group nobody in it can reach is shared with no one.
pub fn reachable_by(dir: &Path, gid: u32, group: &str) -> Result<(), String> {
    let real = fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for d in real.ancestors() {
        let meta = fs::metadata(d).map_err(|e| format!("{}: {e}", d.display()))?;
        let mode = meta.mode();
        let through = mode & 0o001 != 0 || (meta.gid() == gid && mode & 0o010 != 0);
        if !through {
            return Err(format!(
                "members of `{group}` cannot reach this run's socket: {} (mode {:04o}) does not let them through. Fix: `chmod o+x {}` (or `chgrp {group} {} && chmod g+x {}`), or set SHISA_SOCKET_DIR to a directory they can enter",
                d.display(),
                mode & 0o7777,
                d.display(),
                d.display(),
                d.display()
            ));
        }
    }
    Ok(())
}

pub fn socket_path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.sock"))
}

/// Binds the run's socket with its final mode from the first moment: it is bound inside a
/// private directory, given mode and group, then renamed into place.
pub fn bind(
    dir: &Path,
    run_id: &str,
    group: Option<Gid>,
) -> Result<(UnixListener, PathBuf), String> {
    let path = socket_path(dir, run_id);
    let staging = dir.join(format!(".{run_id}.{}", std::process::id()));
    let mut b = fs::DirBuilder::new();
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let cleanup = |e: String| {
        let _ = fs::remove_dir_all(&staging);
        e
    };
    let tmp = staging.join("s");
    let listener = UnixListener::bind(&tmp)
        .map_err(|e| cleanup(format!("cannot listen on {}: {e}", tmp.display())))?;
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))
        .map_err(|e| cleanup(format!("chmod: {e}")))?;
    if let Some(gid) = group {
        chown(&tmp, None, Some(gid))
            .map_err(|e| cleanup(format!("cannot give the socket to the group: {e}")))?;
    }
    fs::rename(&tmp, &path).map_err(|e| cleanup(format!("cannot put the socket in place: {e}")))?;
    let _ = fs::remove_dir(&staging);
    Ok((listener, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unsafe_directories() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("socks");
        ensure(&d).unwrap();
        assert_eq!(fs::metadata(&d).unwrap().mode() & 0o7777, 0o1777);
        fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(check(&d).unwrap_err().contains("not sticky"));
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check(&d).is_ok(), "a private directory need not be sticky");
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&d, &link).unwrap();
        assert!(check(&link).unwrap_err().contains("not a directory"));
    }

    #[test]
    fn refuses_a_directory_under_a_parent_others_can_write() {
        let t = tempfile::tempdir().unwrap();
        let parent = t.path().join("open");
        let d = parent.join("socks");
        fs::create_dir(&parent).unwrap();
        ensure(&d).unwrap();
        for (mode, ok) in [
            (0o777, false),
            (0o775, false),
            (0o1777, true),
            (0o755, true),
        ] {
            fs::set_permissions(&parent, fs::Permissions::from_mode(mode)).unwrap();
            let got = check(&d);
            assert_eq!(got.is_ok(), ok, "parent mode {mode:o}: {got:?}");
            if let Err(e) = got {
                assert!(e.contains(&format!("{} is writable by others", parent.display())));
            }
        }
        // A symlink on the way is judged by the directory it leads to.
        fs::set_permissions(&parent, fs::Permissions::from_mode(0o777)).unwrap();
        let via = t.path().join("via");
        std::os::unix::fs::symlink(&parent, &via).unwrap();
        assert!(check(&via.join("socks")).is_err());
    }

    #[test]
    fn refuses_a_directory_under_a_parent_of_another_user() {
        if !Uid::current().is_root() {
            return; // only root can hand a directory to another user; tests/share.rs runs as root
        }
        let t = tempfile::tempdir().unwrap();
        let theirs = t.path().join("theirs");
        let d = theirs.join("socks");
        fs::create_dir(&theirs).unwrap();
        ensure(&d).unwrap();
        chown(&theirs, Some(Uid::from_raw(65534)), None).unwrap();
        let e = check(&d).unwrap_err();
        assert!(e.contains("belongs to uid 65534"), "{e}");
    }
}
