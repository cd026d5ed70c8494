//! The values each command reads on a path, and where each came from (a parameter, a
//! loop item, the step that captured it); a read of a capture no step set on the path is
//! a finding (`UnsetRead`).

use std::collections::BTreeMap;

use crate::engine::Spawn;

use super::cursor::Cursor;
use super::paths::UnsetRead;
use super::reads::{Value, reads};
use super::walk::Walker;

impl Walker {
    /// Each value a command reads, and where it came from on this path.
    pub(super) fn values(&self, c: &Cursor, s: &Spawn) -> Vec<(String, Value)> {
        let Some((cmd, check)) = c.e.command_for(s.step, s.purpose) else {
            return Vec::new();
        };
        let env: BTreeMap<&str, &str> = s
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let item = self.rb.steps[s.step].iteration.as_ref();
        reads(&cmd, check.map(|c| &c.expect))
            .into_iter()
            // Shell variables of the script's own are not values shisa gives.
            .filter(|name| {
                self.rb.param(name).is_some()
                    || self.capture_names.contains(name)
                    || item.is_some_and(|it| &it.var == name)
            })
            .map(|name| {
                let v = match env.get(name.as_str()) {
                    None => Value::Unset,
                    Some(_) if item.is_some_and(|it| it.var == name) => {
                        Value::Item(c.e.mask(item.map_or("", |it| &it.item)))
                    }
                    Some(v)
                        if self.capture_names.contains(&name) && self.rb.param(&name).is_none() =>
                    {
                        match self.owners.get(*v) {
                            Some(by) => Value::Captured(by.clone()),
                            None => Value::Given(c.e.mask(v)),
                        }
                    }
                    Some(v) => Value::Given(c.e.mask(v)),
                };
                (name, v)
            })
            .collect()
    }

    /// A command about to run that reads a capture no step set on this path.
    pub(super) fn check_reads(&mut self, c: &Cursor, s: &Spawn) {
        for (name, v) in self.values(c, s) {
            if v == Value::Unset && self.capture_names.contains(&name) {
                let known = self
                    .out
                    .unset
                    .iter()
                    .any(|u| u.step == s.step && u.purpose == s.purpose && u.name == name);
                if !known {
                    self.out.unset.push(UnsetRead {
                        step: s.step,
                        purpose: s.purpose,
                        name,
                        after: c.path.decisions.clone(),
                    });
                }
            }
        }
    }
}
