//! Who is running shisa, as the kernel says: uid from getuid, name from the user database;
//! and the person behind an account (`who`), for approvals.

use crate::engine::Who;
use crate::journal::record::{Actor, Person, Role};

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

/// The person behind an account, from what the kernel says about the process: the audit
/// login uid's account when set (kept across `sudo` and `su`, so two sessions of one person
/// are one person); else, for root, the account `SUDO_USER` names (root could act as anyone
/// anyway, so its word adds no power; anyone else's is not taken); else the account.
/// Their groups are the user and group databases' (primary and supplementary), not the
/// process's, so an approver is judged as the host lists them.
pub fn who(uid: u32, login_uid: Option<u32>, sudo_user: Option<&str>) -> Who {
    use nix::unistd::User;
    let sudo_user = sudo_user
        .filter(|_| uid == 0)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let by_sudo = sudo_user
        .as_deref()
        .and_then(|n| User::from_name(n).ok().flatten())
        .map(|u| u.uid.as_raw());
    let person_uid = login_uid.or(by_sudo).unwrap_or(uid);
    Who {
        groups: groups_of(person_uid),
        person: Person {
            user: user_name(person_uid),
            uid: person_uid,
            login_uid,
            sudo_user,
        },
    }
}

/// The operator: this process, with its own `SUDO_USER` (`sudo shisa run`).
pub fn operator_who() -> Who {
    let sudo_user = std::env::var("SUDO_USER").ok();
    who(
        nix::unistd::getuid().as_raw(),
        login_uid(None),
        sudo_user.as_deref(),
    )
}

/// The names of the groups the user database puts an account in; none for an account it
/// does not know.
pub fn groups_of(uid: u32) -> Vec<String> {
    use nix::unistd::{Group, Uid, User, getgrouplist};
    let Some(user) = User::from_uid(Uid::from_raw(uid)).ok().flatten() else {
        return Vec::new();
    };
    let Ok(name) = std::ffi::CString::new(user.name) else {
        return Vec::new();
    };
    let gids = getgrouplist(&name, user.gid).unwrap_or_else(|_| vec![user.gid]);
    let mut names: Vec<String> = gids
        .into_iter()
        .filter_map(|g| Group::from_gid(g).ok().flatten())
        .map(|g| g.name)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether this host's group database has the group.
pub fn group_exists(name: &str) -> bool {
    nix::unistd::Group::from_name(name).ok().flatten().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_names_the_person_it_acts_for_and_nobody_else_can() {
        let me = nix::unistd::getuid().as_raw();
        let nobody = nix::unistd::User::from_name("nobody").ok().flatten();
        let Some(nobody) = nobody else { return };
        let via_sudo = who(0, None, Some("nobody"));
        assert_eq!(via_sudo.person.uid, nobody.uid.as_raw());
        assert_eq!(via_sudo.person.sudo_user.as_deref(), Some("nobody"));
        // A non-root account's SUDO_USER is only its word: it stays itself.
        let claimed = who(nobody.uid.as_raw(), None, Some("root"));
        assert_eq!(claimed.person.uid, nobody.uid.as_raw());
        assert_eq!(claimed.person.sudo_user, None);
        // The audit login uid wins over both.
        let logged = who(0, Some(me), Some("nobody"));
        assert_eq!(logged.person.uid, me);
        assert_eq!(logged.person.login_uid, Some(me));
    }

    #[test]
    fn an_account_is_in_its_primary_group() {
        let root = groups_of(0);
        assert!(root.iter().any(|g| g == "root"), "{root:?}");
        assert!(groups_of(u32::MAX - 7).is_empty());
        assert!(group_exists("root"));
        assert!(!group_exists("no-such-group-here"));
    }
}
