//! Change windows: `Days HH:MM-HH:MM` in an IANA time zone, and the verdict for a moment.
//! The clock is always a parameter, so tests and `plan` ask about any moment.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct Window {
    pub timezone: Tz,
    pub allow: Vec<Span>,
    pub deny: Vec<Span>,
}

/// One `Days HH:MM-HH:MM` entry. Minutes since midnight; `end` may be 1440 (24:00) and may
/// be before `start` for a window that runs past midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    days: [bool; 7],
    start: u32,
    end: u32,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Inside {
        local: String,
    },
    /// `shut` says why, as journaled (`window_checked.why`).
    Outside {
        local: String,
        shut: Shut,
    },
}

/// Why the change window is shut at `local` (the run's time in the window's zone, as
/// `window_checked.local` says it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shut", rename_all = "snake_case")]
pub enum Shut {
    /// Inside a `deny` span.
    Denied { local: String, span: String },
    /// Outside every `allow` span.
    NotAllowed { local: String, allowed: Vec<String> },
}

impl Verdict {
    pub fn is_inside(&self) -> bool {
        matches!(self, Verdict::Inside { .. })
    }

    /// Why it is shut, as data (the engine words it: `engine::messages::shut`); None
    /// inside. The window names no sentence, so the loader stays below the engine.
    pub fn shut(&self) -> Option<&Shut> {
        match self {
            Verdict::Inside { .. } => None,
            Verdict::Outside { shut, .. } => Some(shut),
        }
    }

    pub fn local(&self) -> &str {
        match self {
            Verdict::Inside { local } | Verdict::Outside { local, .. } => local,
        }
    }
}

impl Span {
    pub fn parse(text: &str) -> Result<Span, String> {
        let hint = "write `Days HH:MM-HH:MM`, e.g. `Mon-Thu 10:00-16:00`, `Sat,Sun 00:00-24:00` or `* 09:00-17:00`";
        let mut words = text.split_whitespace();
        let (Some(days), Some(times), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("`{text}` is not a window; {hint}"));
        };
        let days = parse_days(days)?;
        let (start, end) = times
            .split_once('-')
            .ok_or_else(|| format!("`{times}` is not a time range; {hint}"))?;
        let (start, end) = (parse_time(start)?, parse_time(end)?);
        if start == end {
            return Err(format!("`{times}` is an empty range"));
        }
        if start == 1440 {
            return Err("a window cannot start at 24:00".into());
        }
        Ok(Span {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            days,
            start,
            end,
        })
    }

    /// Whether `weekday` (0 = Monday) at `minute` since midnight falls inside.
    fn contains(&self, weekday: usize, minute: u32) -> bool {
        if self.start < self.end {
            self.days[weekday] && self.start <= minute && minute < self.end
        } else {
            // Past midnight: the evening belongs to the named day, the small hours to the next.
            let yesterday = (weekday + 6) % 7;
            (self.days[weekday] && minute >= self.start)
                || (self.days[yesterday] && minute < self.end)
        }
    }
}

fn parse_days(text: &str) -> Result<[bool; 7], String> {
    if text == "*" {
        return Ok([true; 7]);
    }
    let mut days = [false; 7];
    for part in text.split(',') {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let (from, to) = (day_index(from)?, day_index(to)?);
        let mut d = from;
        loop {
            days[d] = true;
            if d == to {
                break;
            }
            d = (d + 1) % 7;
        }
    }
    Ok(days)
}

fn day_index(name: &str) -> Result<usize, String> {
    DAYS.iter().position(|d| d.eq_ignore_ascii_case(name)).ok_or_else(|| {
        format!("`{name}` is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun, a range like Mon-Fri, a list like Sat,Sun, or *")
    })
}

fn parse_time(text: &str) -> Result<u32, String> {
    let bad = || format!("`{text}` is not a time; use HH:MM (00:00 to 24:00)");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Window {
    pub fn verdict(&self, now: DateTime<Utc>) -> Verdict {
        let local = now.with_timezone(&self.timezone);
        let weekday = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        let shown = local.format("%a %Y-%m-%d %H:%M %Z").to_string();
        if let Some(d) = self.deny.iter().find(|s| s.contains(weekday, minute)) {
            return Verdict::Outside {
                shut: Shut::Denied {
                    local: shown.clone(),
                    span: d.text.clone(),
                },
                local: shown,
            };
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|s| s.contains(weekday, minute)) {
            return Verdict::Outside {
                shut: Shut::NotAllowed {
                    local: shown.clone(),
                    allowed: self.allow.iter().map(|s| s.text.clone()).collect(),
                },
                local: shown,
            };
        }
        Verdict::Inside { local: shown }
    }

    /// The next minute, within eight days, at which a change could start.
    pub fn next_opening(&self, now: DateTime<Utc>) -> Option<DateTime<Tz>> {
        self.next_minute(now, true)
    }

    /// The next minute, within eight days, at which a change could no longer start: what
    /// the header counts down to while the window is open.
    pub fn next_closing(&self, now: DateTime<Utc>) -> Option<DateTime<Tz>> {
        self.next_minute(now, false)
    }

    fn next_minute(&self, now: DateTime<Utc>, inside: bool) -> Option<DateTime<Tz>> {
        let start = now.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        (0..8 * 24 * 60)
            .map(|m| start + Duration::minutes(m))
            .find(|t| self.verdict(*t).is_inside() == inside)
            .map(|t| self.timezone.from_utc_datetime(&t.naive_utc()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(allow: &[&str], deny: &[&str]) -> Window {
        Window {
            timezone: "Asia/Tokyo".parse().unwrap(),
            allow: allow.iter().map(|s| Span::parse(s).unwrap()).collect(),
            deny: deny.iter().map(|s| Span::parse(s).unwrap()).collect(),
        }
    }

    fn tokyo(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn friday_evening_in_tokyo_is_denied() {
        let w = window(&["Mon-Thu 10:00-16:00"], &["Fri 12:00-24:00"]);
        // 2023-12-08 was a Friday.
        let v = w.verdict(tokyo("2023-12-08T17:15:00+09:00"));
        assert_eq!(v.local(), "Fri 2023-12-08 17:15 JST");
        assert_eq!(
            v.shut(),
            Some(&Shut::Denied {
                local: "Fri 2023-12-08 17:15 JST".into(),
                span: "Fri 12:00-24:00".into()
            })
        );
        assert!(w.verdict(tokyo("2023-12-05T10:00:00+09:00")).is_inside());
        assert!(!w.verdict(tokyo("2023-12-05T16:00:00+09:00")).is_inside());
        let next = w.next_opening(tokyo("2023-12-08T17:15:00+09:00")).unwrap();
        assert_eq!(next.to_rfc3339(), "2023-12-11T10:00:00+09:00");
        let closes = w.next_closing(tokyo("2023-12-05T14:57:30+09:00")).unwrap();
        assert_eq!(closes.to_rfc3339(), "2023-12-05T16:00:00+09:00");
        let always = window(&[], &[]);
        assert_eq!(
            always.next_closing(tokyo("2023-12-05T14:57:30+09:00")),
            None
        );
    }

    #[test]
    fn the_time_zone_decides_the_day() {
        // 01:30 UTC on a Friday is 10:30 on Friday in Tokyo, but Thursday evening in UTC-5.
        let w = window(&["Mon-Thu 10:00-16:00"], &[]);
        assert!(!w.verdict(tokyo("2023-12-08T01:30:00Z")).is_inside());
    }

    #[test]
    fn ranges_past_midnight_and_day_lists() {
        let w = window(&["Fri-Sat 22:00-02:00", "Sun,Tue 09:00-10:00"], &[]);
        assert!(w.verdict(tokyo("2023-12-08T23:00:00+09:00")).is_inside()); // Fri 23:00
        assert!(w.verdict(tokyo("2023-12-10T01:00:00+09:00")).is_inside()); // Sun 01:00 (Sat's)
        assert!(!w.verdict(tokyo("2023-12-11T01:00:00+09:00")).is_inside()); // Mon 01:00
        assert!(w.verdict(tokyo("2023-12-05T09:30:00+09:00")).is_inside()); // Tue
        assert!(
            window(&["* 00:00-24:00"], &[])
                .verdict(tokyo("2023-12-05T23:59:00Z"))
                .is_inside()
        );
    }

    #[test]
    fn refuses_malformed_spans() {
        for bad in [
            "Mon",
            "Funday 10:00-11:00",
            "Mon 10-11",
            "Mon 10:00-10:00",
            "Mon 25:00-26:00",
            "Mon 10:00-24:30",
            "Mon 24:00-10:00",
            "Mon 10:00 11:00",
            "Mon 1:00-2:00",
        ] {
            assert!(Span::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
