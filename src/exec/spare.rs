//! Output logs made ahead of need. Every command gets a log of its own, created before it
//! is spawned (a command never runs without one). Creating a file means allocating an
//! inode, and on ext4 that can cost far more than the name: without a filesystem journal it
//! checks each candidate inode for a recent deletion, which on a machine that creates and
//! deletes many files took 0.1–0.7 ms per file here, more than the fsync of the step's
//! records. So the inode is made earlier, off the run's path: a spare, unnamed file
//! (`O_TMPFILE`) in the output directory, made while the previous command runs; starting a
//! command only gives the spare its name (`linkat`, ~25 µs), which fails like `create_new`
//! when the name is taken. Where that cannot work (no spare yet, no `O_TMPFILE`, no
//! `/proc`), the runner creates the file as before: the spare is only a head start.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nix::fcntl::{AT_FDCWD, AtFlags};

pub(super) struct Spares {
    /// Where spares are made: the run's `output/`, which holds every log (remote ones in a
    /// subdirectory, on the same filesystem).
    dir: PathBuf,
    ready: Mutex<Option<File>>,
}

impl Spares {
    pub fn new(dir: PathBuf) -> Spares {
        Spares {
            dir,
            ready: Mutex::new(None),
        }
    }

    /// Makes a spare if none is waiting. Quietly does nothing when it cannot: the next log is
    /// then created the ordinary way.
    pub fn prepare(&self) {
        if self.ready.lock().map(|r| r.is_some()).unwrap_or(true) {
            return;
        }
        let Ok(file) = File::options()
            .write(true)
            .mode(0o666)
            .custom_flags(libc::O_TMPFILE)
            .open(&self.dir)
        else {
            return;
        };
        if let Ok(mut ready) = self.ready.lock() {
            ready.get_or_insert(file);
        }
    }

    /// Names the spare `path` and returns it open for writing. `None` when there was no spare
    /// or it could not be named (the caller creates the file itself); `Some(Err(_))` when
    /// `path` exists, as `create_new` would say.
    pub fn take(&self, path: &Path) -> Option<io::Result<File>> {
        let mut ready = self.ready.lock().ok()?;
        let file = ready.take()?;
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        match nix::unistd::linkat(
            AT_FDCWD,
            proc_path.as_str(),
            AT_FDCWD,
            path,
            AtFlags::AT_SYMLINK_FOLLOW,
        ) {
            Ok(()) => Some(Ok(file)),
            Err(e) => {
                // Still unnamed and empty: keep it for the next log.
                *ready = Some(file);
                (e == nix::errno::Errno::EEXIST).then(|| Err(io::Error::from(e)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spare_becomes_the_named_log_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let spares = Spares::new(dir.path().to_path_buf());
        assert!(
            spares.take(&dir.path().join("a.log")).is_none(),
            "no spare yet"
        );
        spares.prepare();
        let Some(made) = spares.take(&dir.path().join("a.log")) else {
            // No O_TMPFILE on this filesystem, or no /proc: the runner creates logs itself.
            return;
        };
        let mut f = made.unwrap();
        io::Write::write_all(&mut f, b"hello\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.log")).unwrap(),
            "hello\n"
        );
        spares.prepare();
        let taken = spares.take(&dir.path().join("a.log")).unwrap();
        assert_eq!(
            taken.unwrap_err().kind(),
            io::ErrorKind::AlreadyExists,
            "an existing log is never replaced"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.log")).unwrap(),
            "hello\n"
        );
        // The spare was kept, and names the next log.
        assert!(spares.take(&dir.path().join("b.log")).unwrap().is_ok());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no stray files: {names:?}");
    }
}
