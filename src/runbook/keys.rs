//! The keys each mapping of the format accepts. The loader refuses anything else, and the
//! JSON Schema lists exactly these, so editors, `check` and the schema never disagree.

pub const TOP: &[&str] = &[
    "version",
    "name",
    "description",
    "path",
    "params",
    "window",
    "steps",
];
pub const PARAM: &[&str] = &[
    "description",
    "pattern",
    "choices",
    "deny",
    "secret",
    "from_env",
    "default",
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
];
pub const EXPECT: &[&str] = &[
    "exit",
    "stdout_contains",
    "stdout_not_contains",
    "stdout_matches",
    "stdout_equals",
];
pub const TARGET: &[&str] = &["describe", "capture", "must_match", "deny"];
pub const APPROVAL: &[&str] = &["required", "allow_self"];
pub const RETRY: &[&str] = &["attempts", "delay"];
pub const CHECK: &[&str] = &["run", "argv", "expect", "retry", "timeout"];
pub const WAIVE: &[&str] = &["snapshot", "target", "verify", "rollback"];
pub const ON_FAILURE: &[&str] = &["rollback", "continue"];
