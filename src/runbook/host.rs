//! A remote host as a runbook's `hosts:` entry names it: an ssh destination as the user's
//! own `~/.ssh/config` knows it, an optional login user, and whether commands run through
//! `sudo -n`. The destination and user reach ssh's argv (never a shell), but ssh itself
//! reads an argument starting with `-` as an option and expands `%r`/`%h` into
//! `ProxyCommand` and the like, so only plain host and user names are accepted.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host {
    destination: String,
    user: Option<String>,
    sudo: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HostError {
    #[error(
        "{0:?} is not an ssh destination shisa will pass on: use a host name, an alias from \
         ~/.ssh/config, an address or user@host (letters, digits, `.`, `-`, `_`, `:`, `[`, \
         `]`, one `@`; not starting with `-`)"
    )]
    Destination(String),
    #[error(
        "{0:?} is not a login name shisa will pass on (letters, digits, `.`, `-`, `_`; not \
         starting with `-`)"
    )]
    User(String),
}

impl Host {
    pub fn new(destination: &str, user: Option<&str>, sudo: bool) -> Result<Host, HostError> {
        if !valid_destination(destination) {
            return Err(HostError::Destination(destination.to_string()));
        }
        if let Some(u) = user
            && !valid_user(u)
        {
            return Err(HostError::User(u.to_string()));
        }
        Ok(Host {
            destination: destination.to_string(),
            user: user.map(str::to_string),
            sudo,
        })
    }

    pub fn destination(&self) -> &str {
        &self.destination
    }

    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    pub fn sudo(&self) -> bool {
        self.sudo
    }
}

fn valid_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 64
        && !u.starts_with('-')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn valid_destination(d: &str) -> bool {
    let (user, host) = match d.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, d),
    };
    user.is_none_or(valid_user)
        && !host.is_empty()
        && host.len() <= 253
        && !host.starts_with('-')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_destinations_are_accepted() {
        for d in [
            "es-data-1",
            "node.example.com",
            "127.0.0.2",
            "ops@db-1",
            "::1",
            "[fe80::1]",
            "web_2",
        ] {
            assert!(Host::new(d, None, false).is_ok(), "{d}");
        }
        let h = Host::new("db-1", Some("ops"), true).unwrap();
        assert_eq!(
            (h.destination(), h.user(), h.sudo()),
            ("db-1", Some("ops"), true)
        );
    }

    #[test]
    fn options_and_shell_text_are_refused() {
        for d in [
            "",
            "-oProxyCommand=sh",
            "host name",
            "a;b",
            "$(id)",
            "a`b`",
            "h%r",
            "ops@-x",
            "-u@h",
            "a@b@c",
            "h\n",
            "ssh://h",
        ] {
            assert_eq!(
                Host::new(d, None, false),
                Err(HostError::Destination(d.into())),
                "{d:?}"
            );
        }
        for u in ["", "-l", "a b", "$(id)", "root;x"] {
            assert_eq!(
                Host::new("h", Some(u), false),
                Err(HostError::User(u.into()))
            );
        }
    }
}
