//! Who is on the other end of a connection, as the kernel says: uid, gid and pid from
//! `SO_PEERCRED`, supplementary groups from `/proc/<pid>/status`.

use tokio::net::UnixStream;

use crate::identity::user_name;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub gid: u32,
    pub pid: Option<i32>,
    pub user: String,
    pub groups: Vec<u32>,
    /// The account the person logged in as (kept across sudo and su), when known.
    pub login_uid: Option<u32>,
}

impl Peer {
    pub fn of(stream: &UnixStream) -> std::io::Result<Peer> {
        let cred = stream.peer_cred()?;
        let (uid, gid, pid) = (cred.uid(), cred.gid(), cred.pid());
        let mut groups = pid.map(groups_of).unwrap_or_default();
        groups.push(gid);
        let login_uid = pid.and_then(|p| crate::identity::login_uid(Some(p)));
        Ok(Peer {
            uid,
            gid,
            pid,
            user: user_name(uid),
            groups,
            login_uid,
        })
    }

    /// `user (uid N, pid P)`, for journal entries about this peer.
    pub fn describe(&self) -> String {
        match self.pid {
            Some(pid) => format!("{} (uid {}, pid {pid})", self.user, self.uid),
            None => format!("{} (uid {})", self.user, self.uid),
        }
    }

    /// The operator's own account, or a member of the group the run is shared with.
    pub fn admitted(&self, operator_uid: u32, share_gid: Option<u32>) -> bool {
        self.uid == operator_uid || share_gid.is_some_and(|g| self.groups.contains(&g))
    }
}

fn groups_of(pid: i32) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|g| g.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_kernel_names_this_process_as_the_peer() {
        let (a, _b) = UnixStream::pair().unwrap();
        let p = Peer::of(&a).unwrap();
        assert_eq!(p.uid, nix::unistd::getuid().as_raw());
        assert_eq!(p.pid, Some(std::process::id() as i32));
        assert!(p.admitted(p.uid, None));
        assert!(!p.admitted(p.uid + 1, None));
        assert!(p.admitted(p.uid + 1, Some(p.gid)));
    }
}
