//! Reading the time values of exception records: dates, durations and the Kyverno cleanup
//! TTL label. Every function is pure; "now" never appears here.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a time value could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeError(String);

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// Parses a governance date: RFC 3339 (`2025-03-31T18:00:00Z`, `2025-03-31T18:00:00+02:00`)
/// or a plain `YYYY-MM-DD`, which means the *end* of that day in UTC — the returned instant
/// is the next day's midnight, the first instant at which the date has passed.
pub fn parse_date(text: &str) -> Result<Timestamp, TimeError> {
    let t = text.trim();
    if is_date_only(t) {
        let date: Date = t
            .parse()
            .map_err(|_| TimeError(format!("`{t}` is not a valid calendar date")))?;
        let next = date
            .tomorrow()
            .map_err(|_| TimeError(format!("`{t}` is out of range")))?;
        return start_of_day(next, t);
    }
    if !is_rfc3339(t) {
        return Err(TimeError(format!(
            "`{t}` is not an RFC 3339 time (`2025-03-31T18:00:00Z`) or a date (`2025-03-31`)"
        )));
    }
    t.parse::<Timestamp>()
        .map_err(|_| TimeError(format!("`{t}` is not a valid RFC 3339 time")))
}

/// Parses an RFC 3339 instant only (no date-only form), as `metadata.creationTimestamp` and
/// `--now` are written.
pub fn parse_instant(text: &str) -> Result<Timestamp, TimeError> {
    let t = text.trim();
    if !is_rfc3339(t) {
        return Err(TimeError(format!(
            "`{t}` is not an RFC 3339 time (`2025-03-31T18:00:00Z`)"
        )));
    }
    t.parse::<Timestamp>()
        .map_err(|_| TimeError(format!("`{t}` is not a valid RFC 3339 time")))
}

fn start_of_day(date: Date, text: &str) -> Result<Timestamp, TimeError> {
    date.to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| TimeError(format!("`{text}` is out of range")))
}

fn is_date_only(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// `YYYY-MM-DD[Tt ]hh:mm:ss[.frac](Z|z|±hh:mm)`.
fn is_rfc3339(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|s| !s.is_empty() && s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, ok: &dyn Fn(u8) -> bool| b.get(i).copied().is_some_and(ok);
    if !(is_date_only(t.get(..10).unwrap_or(""))
        && at(10, &|c| matches!(c, b'T' | b't' | b' '))
        && digits(11..13)
        && at(13, &|c| c == b':')
        && digits(14..16)
        && at(16, &|c| c == b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, &|c| c == b'.') {
        let start = i + 1;
        i = start;
        while at(i, &|c| c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    let rest = b.get(i..).unwrap_or(&[]);
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Parses a duration: Go's `time.ParseDuration` units (`ns`, `us`, `µs`, `ms`, `s`, `m`,
/// `h`) plus `d` (24 h) and `w` (7 d), as Kyverno's cleanup label accepts them
/// (`90d`, `1h30m`, `1.5h`, `2w`). Negative durations are rejected.
pub fn parse_duration(text: &str) -> Result<SignedDuration, TimeError> {
    let t = text.trim();
    let err = || {
        TimeError(format!(
            "`{t}` is not a duration (`90d`, `36h`, `1h30m`, `2w`)"
        ))
    };
    if t == "0" {
        return Ok(SignedDuration::ZERO);
    }
    let mut rest = t;
    let mut total: i128 = 0;
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(err());
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        let unit_nanos: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SEC,
            "m" => 60 * NANOS_PER_SEC,
            "h" => 3_600 * NANOS_PER_SEC,
            "d" => 86_400 * NANOS_PER_SEC,
            "w" => 7 * 86_400 * NANOS_PER_SEC,
            _ => return Err(err()),
        };
        let whole: i128 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| err())?
        };
        let mut part = whole.checked_mul(unit_nanos).ok_or_else(err)?;
        let mut scale = unit_nanos;
        for c in frac.bytes().take(18) {
            scale /= 10;
            part = part
                .checked_add(i128::from(c - b'0') * scale)
                .ok_or_else(err)?;
        }
        total = total.checked_add(part).ok_or_else(err)?;
        rest = after;
    }
    let secs = i64::try_from(total / NANOS_PER_SEC).map_err(|_| err())?;
    let nanos = i32::try_from(total % NANOS_PER_SEC).map_err(|_| err())?;
    Ok(SignedDuration::new(secs, nanos))
}

/// Formats a duration compactly in the units [`parse_duration`] reads (`90d`, `36h`, `1h30m`).
pub fn format_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let sign = if secs < 0 { "-" } else { "" };
    let mut s = secs.unsigned_abs();
    let mut out = String::from(sign);
    for (unit, size) in [("d", 86_400u64), ("h", 3_600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

/// The value of Kyverno's `cleanup.kyverno.io/ttl` label, read as Kyverno's cleanup
/// controller reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// A duration counted from `metadata.creationTimestamp`.
    After(SignedDuration),
    /// An absolute instant: `2006-01-02T150405Z`, or `2006-01-02` (that day's *start* in
    /// UTC, when Kyverno deletes the object).
    At(Timestamp),
}

/// Parses the `cleanup.kyverno.io/ttl` label: a duration, `YYYY-MM-DDThhmmssZ` or
/// `YYYY-MM-DD` (label values cannot contain `:`).
pub fn parse_ttl(text: &str) -> Result<Ttl, TimeError> {
    let t = text.trim();
    if let Ok(d) = parse_duration(t) {
        return Ok(Ttl::After(d));
    }
    if is_date_only(t) {
        let date: Date = t
            .parse()
            .map_err(|_| TimeError(format!("ttl `{t}` is not a valid calendar date")))?;
        return start_of_day(date, t).map(Ttl::At);
    }
    // 2006-01-02T150405Z
    let b = t.as_bytes();
    let compact = b.len() == 18
        && is_date_only(t.get(..10).unwrap_or(""))
        && b.get(10) == Some(&b'T')
        && b.get(11..17)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
        && b.get(17) == Some(&b'Z');
    if compact {
        let rfc = format!(
            "{}T{}:{}:{}Z",
            t.get(..10).unwrap_or(""),
            t.get(11..13).unwrap_or(""),
            t.get(13..15).unwrap_or(""),
            t.get(15..17).unwrap_or("")
        );
        return rfc
            .parse::<Timestamp>()
            .map(Ttl::At)
            .map_err(|_| TimeError(format!("ttl `{t}` is not a valid time")));
    }
    Err(TimeError(format!(
        "ttl `{t}` is not a duration (`720h`), a time (`2025-03-31T180000Z`) or a date (`2025-03-31`)"
    )))
}

/// A length of time in governance settings, written as [`parse_duration`] reads it
/// (`90d`, `336h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period(pub SignedDuration);

impl Period {
    /// `n` days of 24 hours.
    pub const fn days(n: i64) -> Self {
        Self(SignedDuration::from_hours(n.saturating_mul(24)))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl std::str::FromStr for Period {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(Period)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whole days in `d`, rounded down (`0` for less than a day).
pub fn whole_days(d: SignedDuration) -> i64 {
    d.as_secs().div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn dates() {
        let cases: &[(&str, Option<&str>)] = &[
            // date only: end of that day, UTC (the next midnight)
            ("2025-03-31", Some("2025-04-01T00:00:00Z")),
            ("2025-12-31", Some("2026-01-01T00:00:00Z")),
            // leap days
            ("2024-02-29", Some("2024-03-01T00:00:00Z")),
            ("2023-02-29", None),
            ("2100-02-29", None),
            ("2000-02-29", Some("2000-03-01T00:00:00Z")),
            ("2025-13-01", None),
            ("2025-3-31", None),
            // RFC 3339 with zones
            ("2025-03-31T18:00:00Z", Some("2025-03-31T18:00:00Z")),
            ("2025-03-31t18:00:00z", Some("2025-03-31T18:00:00Z")),
            ("2025-03-31 18:00:00Z", Some("2025-03-31T18:00:00Z")),
            ("2025-03-31T18:00:00+02:00", Some("2025-03-31T16:00:00Z")),
            ("2025-03-31T23:30:00-05:00", Some("2025-04-01T04:30:00Z")),
            ("2025-03-31T18:00:00.5Z", Some("2025-03-31T18:00:00.5Z")),
            ("2024-02-29T12:00:00Z", Some("2024-02-29T12:00:00Z")),
            ("2023-02-29T12:00:00Z", None),
            // not RFC 3339: no offset, short offset, no seconds, named zone
            ("2025-03-31T18:00:00", None),
            ("2025-03-31T18:00:00+02", None),
            ("2025-03-31T18:00Z", None),
            ("2025-03-31T18:00:00Z[Europe/Paris]", None),
            ("31/03/2025", None),
            ("", None),
            (" 2025-03-31 ", Some("2025-04-01T00:00:00Z")),
        ];
        for (input, expect) in cases {
            let got = parse_date(input).ok();
            assert_eq!(got, expect.map(ts), "parse_date({input:?})");
        }
    }

    #[test]
    fn durations() {
        let h = |n: i64| SignedDuration::from_hours(n);
        let cases: &[(&str, Option<SignedDuration>)] = &[
            ("90d", Some(h(90 * 24))),
            ("2w", Some(h(14 * 24))),
            ("36h", Some(h(36))),
            ("1h30m", Some(SignedDuration::from_mins(90))),
            ("1.5h", Some(SignedDuration::from_mins(90))),
            ("10s", Some(SignedDuration::from_secs(10))),
            ("1d12h", Some(h(36))),
            ("500ms", Some(SignedDuration::from_millis(500))),
            ("0", Some(SignedDuration::ZERO)),
            ("", None),
            ("d", None),
            ("-1h", None),
            ("90", None),
            ("1y", None),
            ("1h 30m", None),
            ("99999999999999999999999d", None),
        ];
        for (input, expect) in cases {
            assert_eq!(
                parse_duration(input).ok(),
                *expect,
                "parse_duration({input:?})"
            );
        }
    }

    #[test]
    fn ttl_forms() {
        let cases: &[(&str, Option<Ttl>)] = &[
            ("720h", Some(Ttl::After(SignedDuration::from_hours(720)))),
            ("30d", Some(Ttl::After(SignedDuration::from_hours(720)))),
            ("1h30m", Some(Ttl::After(SignedDuration::from_mins(90)))),
            // Kyverno's layouts; a date is that day's start (Kyverno deletes at midnight)
            (
                "2025-03-31T180000Z",
                Some(Ttl::At(ts("2025-03-31T18:00:00Z"))),
            ),
            ("2025-03-31", Some(Ttl::At(ts("2025-03-31T00:00:00Z")))),
            ("2024-02-29", Some(Ttl::At(ts("2024-02-29T00:00:00Z")))),
            ("2023-02-29", None),
            ("2025-03-31T250000Z", None),
            ("2025-03-31T18:00:00Z", None),
            ("tomorrow", None),
        ];
        for (input, expect) in cases {
            assert_eq!(parse_ttl(input).ok(), *expect, "parse_ttl({input:?})");
        }
    }

    #[test]
    fn period_round_trip() {
        for s in ["90d", "14d", "1d12h", "36m", "5s"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        assert_eq!(Period::days(90).to_string(), "90d");
        assert_eq!(format_duration(SignedDuration::ZERO), "0s");
    }

    #[test]
    fn whole_days_round_down() {
        assert_eq!(whole_days(SignedDuration::from_hours(47)), 1);
        assert_eq!(whole_days(SignedDuration::from_hours(48)), 2);
        assert_eq!(whole_days(SignedDuration::from_secs(1)), 0);
        assert_eq!(whole_days(SignedDuration::from_secs(-1)), -1);
    }
}
