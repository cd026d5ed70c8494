//! The one signal from the runner to a command's thread that its pipes and pidfd cannot
//! carry: stop (or, where no pidfd could be had, "it exited"). An eventfd, so the thread
//! sleeps in poll(2) and wakes only when raised.

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::eventfd::{EfdFlags, EventFd};

/// Tells a command's thread that something happened that its pipes and pidfd cannot say.
pub(super) struct Wake {
    fd: EventFd,
    /// Stop the command (TERM now, KILL after the grace period).
    pub stop: AtomicBool,
    /// The command exited (only where no pidfd could be had).
    pub exited: AtomicBool,
}

impl Wake {
    pub fn new() -> std::io::Result<Wake> {
        Ok(Wake {
            fd: EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?,
            stop: AtomicBool::new(false),
            exited: AtomicBool::new(false),
        })
    }

    pub fn fd(&self) -> &EventFd {
        &self.fd
    }

    pub fn raise(&self, flag: &AtomicBool) {
        if !flag.swap(true, Ordering::SeqCst) {
            // An eventfd adds up and never blocks a writer this small.
            let _ = self.fd.write(1);
        }
    }
}
