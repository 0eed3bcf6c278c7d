//! Times as seconds since the Unix epoch; parsing and printing only (never the clock).

/// Parses an RFC 3339 time, or a `YYYY-MM-DD` date (the start of that day, UTC), into
/// seconds since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    let date: jiff::civil::Date = s.parse().ok()?;
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Formats seconds since the epoch as RFC 3339 UTC (`2025-01-31T12:00:00Z`); out-of-range
/// values print as the number.
pub fn format_time(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

/// Formats seconds since the epoch as a UTC date (`2025-01-31`).
pub fn format_date(seconds: i64) -> String {
    let t = format_time(seconds);
    t.get(..10).map_or(t.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_time("1970-01-02"), Some(86_400));
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_time("2024-03-01T10:00:00+02:00"), Some(1_709_280_000));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(format_time(1_709_280_000), "2024-03-01T08:00:00Z");
        assert_eq!(format_date(1_709_280_000), "2024-03-01");
    }
}
