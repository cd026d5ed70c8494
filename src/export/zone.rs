//! The time zone an export speaks in, chosen once: `--tz`, else the runbook's change-window
//! zone, else this machine's local zone. Every time in a report is converted here.

use std::fmt;

use chrono::{DateTime, FixedOffset, Local, Offset, SecondsFormat};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Iana(Tz),
    /// The local zone when its IANA name cannot be found (chrono still knows its offsets).
    Local,
}

/// Where the zone came from, said once in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneChoice {
    Flag,
    Runbook,
    Local,
}

#[derive(Debug, Clone)]
pub struct Zone {
    kind: Kind,
    pub name: String,
    pub source: ZoneChoice,
    /// For a runbook's zone: which run's (its index in order of the runs' start).
    pub from_run: Option<usize>,
}

/// An IANA zone name, as `--tz` takes it.
pub fn parse(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("`{name}` is not an IANA time zone name (e.g. Asia/Tokyo, Europe/Berlin, UTC)")
    })
}

impl Zone {
    pub fn iana(tz: Tz, source: ZoneChoice) -> Zone {
        Zone {
            kind: Kind::Iana(tz),
            name: tz.name().to_string(),
            source,
            from_run: None,
        }
    }

    /// This machine's zone: `$TZ`, else the `/etc/localtime` link, else `/etc/timezone`;
    /// if none names an IANA zone, chrono's local offsets without a name.
    pub fn local() -> Zone {
        let from_tz = std::env::var("TZ")
            .ok()
            .map(|v| v.trim_start_matches(':').to_string());
        let from_link = std::fs::read_link("/etc/localtime").ok().and_then(|p| {
            let s = p.to_string_lossy().into_owned();
            s.split_once("zoneinfo/").map(|(_, name)| name.to_string())
        });
        let from_file = std::fs::read_to_string("/etc/timezone")
            .ok()
            .map(|s| s.trim().to_string());
        [from_tz, from_link, from_file]
            .into_iter()
            .flatten()
            .find_map(|name| name.parse::<Tz>().ok())
            .map(|tz| Zone::iana(tz, ZoneChoice::Local))
            .unwrap_or(Zone {
                kind: Kind::Local,
                name: "local time".into(),
                source: ZoneChoice::Local,
                from_run: None,
            })
    }

    pub fn at(&self, t: DateTime<FixedOffset>) -> Time {
        Time(match self.kind {
            Kind::Iana(tz) => t.with_timezone(&tz).fixed_offset(),
            Kind::Local => t.with_timezone(&Local).fixed_offset(),
        })
    }

    /// `Asia/Tokyo (UTC+09:00)`; every offset seen is named if the zone changed offset (DST)
    /// during the run.
    pub fn label(&self, times: &[Time]) -> String {
        let mut offsets: Vec<String> = Vec::new();
        for t in times {
            let o = utc_offset(t.0.offset().fix());
            if !offsets.contains(&o) {
                offsets.push(o);
            }
        }
        if offsets.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, offsets.join(", then "))
        }
    }
}

fn utc_offset(o: FixedOffset) -> String {
    let secs = o.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// A moment, already in the export's zone. Serializes as RFC 3339 with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub DateTime<FixedOffset>);

impl Time {
    pub fn rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, false)
    }

    pub fn date(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }

    pub fn clock(&self) -> String {
        self.0.format("%H:%M:%S%.3f").to_string()
    }

    pub fn full(&self) -> String {
        format!("{} {}", self.date(), self.clock())
    }

    /// `2023-12-05 17:15:02.113 +09:00`.
    pub fn with_offset(&self) -> String {
        format!("{} {}", self.full(), self.0.format("%:z"))
    }

    /// `UTC+09:00`, as the timeline's zone line names an offset.
    pub fn utc_offset(&self) -> String {
        utc_offset(self.0.offset().fix())
    }

    pub fn millis_since(&self, earlier: Time) -> i64 {
        (self.0 - earlier.0).num_milliseconds()
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// A journal record's time (`ts`), if it reads as RFC 3339.
pub fn parse_ts(ts: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(ts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_chosen_zone_with_its_offset() {
        let z = Zone::iana(parse("Asia/Tokyo").unwrap(), ZoneChoice::Flag);
        let t = z.at(parse_ts("2023-12-05T08:15:02.113Z").unwrap());
        assert_eq!(t.rfc3339(), "2023-12-05T17:15:02.113+09:00");
        assert_eq!(t.clock(), "17:15:02.113");
        assert_eq!(z.label(&[t]), "Asia/Tokyo (UTC+09:00)");
        assert!(parse("Mars/Olympus").is_err());
    }

    #[test]
    fn a_change_of_offset_during_the_run_is_named() {
        let z = Zone::iana(parse("Europe/Berlin").unwrap(), ZoneChoice::Runbook);
        let a = z.at(parse_ts("2024-03-31T00:30:00Z").unwrap());
        let b = z.at(parse_ts("2024-03-31T01:30:00Z").unwrap());
        assert_eq!(
            z.label(&[a, b]),
            "Europe/Berlin (UTC+01:00, then UTC+02:00)"
        );
        let minus = Zone::iana(parse("America/St_Johns").unwrap(), ZoneChoice::Flag);
        let t = minus.at(parse_ts("2024-01-01T12:00:00Z").unwrap());
        assert_eq!(minus.label(&[t]), "America/St_Johns (UTC-03:30)");
    }
}
