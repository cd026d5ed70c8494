//! `approval:` as a step asks it: how many distinct people, of which group, and whether the
//! operator may be one of them. Who counts as a person, and whether they are in the group,
//! is the engine's and the host's business (`engine::approvers`, `identity::who`).

use std::collections::BTreeMap;

use super::diag::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    None,
    /// `reviewers` distinct people must approve (the operator counts as one of them only
    /// with `allow_self`); with `group`, each must be a member of that group on this host.
    Required {
        allow_self: bool,
        reviewers: u32,
        group: Option<ApproverGroup>,
    },
}

/// `approval.group`: a group name, or `{{ param }}`, the value of a parameter (so one
/// runbook serves hosts whose approver groups are named differently, and a demo can use
/// the operator's own group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproverGroup {
    pub text: String,
    pub pos: Pos,
}

impl ApproverGroup {
    /// The parameter named by `{{ param }}`, if that is how the group is written.
    pub fn param(&self) -> Option<&str> {
        let inner = self.text.strip_prefix("{{")?.strip_suffix("}}")?.trim();
        (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(inner)
    }

    /// The group for a run with these values. An unresolved `{{ param }}` stays as written:
    /// no group has that name, so nobody is a member (fail closed), and a run refuses it.
    pub fn resolve(&self, values: &BTreeMap<String, String>) -> String {
        self.param()
            .and_then(|p| values.get(p))
            .cloned()
            .unwrap_or_else(|| self.text.clone())
    }
}

/// A group name as `groupadd` accepts it (the portable subset): nothing a shell, a path or
/// a terminal could read as anything but a name.
pub fn is_group_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 32
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl Approval {
    /// `approval: required`: one second person, any group.
    pub const REQUIRED: Approval = Approval::Required {
        allow_self: false,
        reviewers: 1,
        group: None,
    };

    /// Whether someone other than the operator must reach the run to approve it.
    pub fn needs_another_person(&self) -> bool {
        match self {
            Approval::None => false,
            Approval::Required {
                allow_self,
                reviewers,
                ..
            } => !allow_self || *reviewers > 1,
        }
    }

    /// Who must approve, as `plan` and the step pane say it, when it is more than the one
    /// second person of `approval: required`: "2 distinct people of group `dba`".
    pub fn who(&self) -> Option<String> {
        self.who_with(&BTreeMap::new())
    }

    /// `who`, with a `{{ param }}` group resolved from these values.
    pub fn who_with(&self, values: &BTreeMap<String, String>) -> Option<String> {
        let Approval::Required {
            reviewers, group, ..
        } = self
        else {
            return None;
        };
        let people = match reviewers {
            1 => "1 person".to_string(),
            n => format!("{n} distinct people"),
        };
        match group {
            Some(g) => Some(format!("{people} of group `{}`", g.resolve(values))),
            None if *reviewers > 1 => Some(people),
            None => None,
        }
    }

    /// The group approvers must be in, if the step names one.
    pub fn group(&self) -> Option<&ApproverGroup> {
        match self {
            Approval::Required { group, .. } => group.as_ref(),
            Approval::None => None,
        }
    }
}
