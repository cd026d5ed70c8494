//! Who a person approving or rejecting is, beyond the account that connected: the human
//! counted towards `approval.reviewers`, and the kernel's facts that named them.

use serde::{Deserialize, Serialize};

/// The person behind an approval, a refused approval or a rejection. The record's `actor`
/// is the account that connected (its uid from `SO_PEERCRED`); this is the human that
/// account stands for: the audit login uid's account when the kernel has one (kept across
/// `sudo` and `su`), else the `SUDO_USER` a root peer names (root could be anyone anyway),
/// else the account itself. Two sessions of one person have the same `uid` here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user: String,
    pub uid: u32,
    /// `/proc/PID/loginuid` of the peer, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_uid: Option<u32>,
    /// The `SUDO_USER` of a root peer, when it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
}
