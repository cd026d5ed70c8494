//! Journals written record by record at chosen moments, through shisa's own journal
//! writer (so the chain is real): for runs no test should wait hours for.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use shisa::journal::record::{Actor, Body, Entry, Role};
use shisa::journal::writer::Writer;

pub struct Synthetic {
    writer: Writer,
    pub now: DateTime<Utc>,
    pub operator: Actor,
}

impl Synthetic {
    pub fn create(run_dir: &Path, start: &str) -> Synthetic {
        std::fs::create_dir_all(run_dir).unwrap();
        Synthetic {
            writer: Writer::create(run_dir, &[]).unwrap(),
            now: DateTime::parse_from_rfc3339(start).unwrap().to_utc(),
            operator: Actor {
                role: Role::Operator,
                user: "ops1".into(),
                uid: 1000,
                host: "bastion-1".into(),
            },
        }
    }

    pub fn reviewer(&self, user: &str) -> Actor {
        Actor {
            role: Role::Reviewer,
            user: user.into(),
            uid: 1001,
            host: "bastion-1".into(),
        }
    }

    /// Moves the clock on by `secs` seconds.
    pub fn wait(&mut self, secs: i64) -> &mut Self {
        self.now += Duration::seconds(secs);
        self
    }

    pub fn by(&mut self, actor: &Actor, step: Option<&str>, body: Body) -> &mut Self {
        let entry = Entry {
            body,
            step: step.map(str::to_string),
            actor: actor.clone(),
        };
        self.writer.append(&entry, self.now).unwrap();
        self.now += Duration::milliseconds(5);
        self
    }

    pub fn op(&mut self, step: Option<&str>, body: Body) -> &mut Self {
        let a = self.operator.clone();
        self.by(&a, step, body)
    }

    pub fn shisa(&mut self, step: Option<&str>, body: Body) -> &mut Self {
        let a = self.operator.as_shisa();
        self.by(&a, step, body)
    }
}
