//! Who is running shisa, as the kernel says: uid from getuid, name from the user database.

use crate::journal::record::{Actor, Role};

pub fn user_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| format!("uid{uid}"))
}

pub fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}

pub fn current(role: Role) -> Actor {
    let uid = nix::unistd::getuid().as_raw();
    Actor {
        role,
        user: user_name(uid),
        uid,
        host: host_name(),
    }
}

/// The audit login uid of a process (`None` for this one): the account a person logged in
/// as, which `sudo` and `su` keep. Unset (no login session) is `None`.
pub fn login_uid(pid: Option<i32>) -> Option<u32> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/loginuid"),
        None => "/proc/self/loginuid".into(),
    };
    let v: u32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (v != u32::MAX).then_some(v)
}
