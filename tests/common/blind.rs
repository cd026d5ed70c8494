//! Incident 002's runbook with only the blind confirmation in its way, shared by the gate
//! tests that try to get past it.

use super::{Scratch, root};

/// Incident 002 with every other guard taken away: no `deny`, no `must_match`. Only the
/// blind confirmation stands between the operator and the organization root.
pub fn blind_runbook(s: &Scratch) -> std::path::PathBuf {
    let sim = root().join("assets/sim");
    s.write(
        "blind.yaml",
        &format!(
            r#"version: 1
name: Quarantine, blind
path: ['{}']
params:
  target_id: {{ pattern: '^(r-[0-9a-z]{{4,32}}|ou-[0-9a-z]{{4,32}}-[0-9a-z]{{8,32}})$' }}
steps:
  - id: save
    kind: snapshot
    title: Save every policy attachment
    run: orgctl export-attachments > "$SHISA_RUN_DIR/attachments.json"
  - id: attach
    kind: action
    title: Attach the Deny-all policy
    target:
      describe: orgctl describe --id "$target_id"
      capture: 'Name:\s*(\S+)'
      confirm: blind
    argv: [orgctl, attach-policy, --policy, p-denyall01, --target, '{{{{ target_id }}}}']
    verify:
      - run: orgctl policies --target "$target_id"
        expect: {{ stdout_contains: p-denyall01 }}
    rollback:
      - argv: [orgctl, detach-policy, --policy, p-denyall01, --target, '{{{{ target_id }}}}']
"#,
            sim.display()
        ),
    )
}
