//! The keys each mapping of the format accepts. The loader refuses anything else, and the
//! JSON Schema lists exactly these, so editors, `check` and the schema never disagree.

pub const TOP: &[&str] = &[
    "version",
    "name",
    "description",
    "path",
    "params",
    "window",
    "hosts",
    "environments",
    "steps",
];
/// An `environments:` entry.
pub const ENVIRONMENT: &[&str] = &["needs_rehearsal", "within"];
/// A `hosts:` entry.
pub const HOST: &[&str] = &["ssh", "user", "sudo"];
pub const PARAM: &[&str] = &[
    "description",
    "pattern",
    "choices",
    "deny",
    "secret",
    "from_env",
    "default",
    "list",
];
pub const WINDOW: &[&str] = &["timezone", "allow", "deny"];
pub const STEP: &[&str] = &[
    "id",
    "kind",
    "title",
    "instructions",
    "run",
    "argv",
    "mutating",
    "expect",
    "capture",
    "target",
    "approval",
    "timeout",
    "retry",
    "verify",
    "rollback",
    "waive",
    "on_failure",
    "allow_override",
    "when",
    "choices",
    "links",
    "wait",
    "wait_until",
    "closes",
    "checkpoint",
    "point_of_no_return",
    "read_only",
    "on",
];
/// A `for_each` block in `steps:`, told from a step by its `for_each` (or `steps`) key.
pub const LOOP: &[&str] = &["id", "title", "for_each", "steps"];
pub const FOR_EACH: &[&str] = &["var", "in"];
pub const WHEN: &[&str] = &["param", "capture", "choice", "equals", "matches"];
pub const WAIT_UNTIL: &[&str] = &["every", "deadline"];
pub const EXPECT: &[&str] = &[
    "exit",
    "stdout_contains",
    "stdout_not_contains",
    "stdout_matches",
    "stdout_equals",
    "stdout_number",
];
pub const NUMBER: &[&str] = &["lt", "le", "gt", "ge", "eq"];
pub const TARGET: &[&str] = &["describe", "on", "capture", "must_match", "deny"];
pub const APPROVAL: &[&str] = &["required", "allow_self", "reviewers", "group"];
pub const RETRY: &[&str] = &["attempts", "delay"];
pub const CHECK: &[&str] = &[
    "run",
    "argv",
    "on",
    "expect",
    "retry",
    "timeout",
    "wait_until",
];
/// A `rollback:` entry: a check, or `manual:` instructions alone.
pub const UNDO: &[&str] = &[
    "run",
    "argv",
    "on",
    "expect",
    "retry",
    "timeout",
    "wait_until",
    "manual",
];
pub const WAIVE: &[&str] = &["snapshot", "target", "verify", "rollback"];
pub const ON_FAILURE: &[&str] = &["rollback", "continue"];
