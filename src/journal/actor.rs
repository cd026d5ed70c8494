//! Who did something a record says.

use serde::{Deserialize, Serialize};

/// Who did something: the operator, a reviewer connected to the session, or shisa itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub user: String,
    pub uid: u32,
    pub host: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Operator,
    Reviewer,
    Shisa,
}

impl Actor {
    /// shisa's own entries (command results, decisions it makes) carry the operator's
    /// account, since shisa acts for them.
    pub fn as_shisa(&self) -> Actor {
        Actor {
            role: Role::Shisa,
            ..self.clone()
        }
    }
}
