//! Go's `time` package as Kyverno's time functions see it (CV-16 "Time", Kyverno `time.go`):
//! [`GoTime`] (an instant with a zone offset), [`go_parse`] (`time.Parse` with Go's layout
//! language, `nextStdChunk`), RFC 3339 rendering, and the proleptic Gregorian calendar.
//!
//! The local zone of an offline run is UTC: zone abbreviations other than `UTC` and `GMT±h`
//! parse with a zero offset, as Go does for unknown abbreviations.

/// A Go `time.Time` reduced to what the functions need: an instant and its zone offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoTime {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second (0..1e9).
    pub nanos: u32,
    /// Zone offset east of UTC, in seconds.
    pub offset: i32,
}

/// Go's `time.RFC3339` layout.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
pub const ZERO_TO_UNIX: i64 = 62_135_596_800;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl GoTime {
    /// The instant `n` nanoseconds after the Unix epoch, at zone `offset`; `None` out of range.
    pub fn from_unix_nanos(n: i128, offset: i32) -> Option<GoTime> {
        let secs = i64::try_from(n.div_euclid(1_000_000_000)).ok()?;
        let nanos = u32::try_from(n.rem_euclid(1_000_000_000)).ok()?;
        Some(GoTime {
            secs,
            nanos,
            offset,
        })
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Local civil fields: (year, month, day, hour, minute, second, weekday 0=Sunday).
    pub fn civil(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let local = self.secs.saturating_add(i64::from(self.offset));
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let h = u32::try_from(sod / 3600).unwrap_or(0);
        let mi = u32::try_from(sod % 3600 / 60).unwrap_or(0);
        let s = u32::try_from(sod % 60).unwrap_or(0);
        // 1970-01-01 was a Thursday (4).
        let wd = u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
        (y, m, d, h, mi, s, wd)
    }

    /// Go `t.Format(time.RFC3339)`.
    pub fn rfc3339(&self) -> String {
        let (y, m, d, h, mi, s, _) = self.civil();
        let year = if y < 0 {
            format!("-{:04}", y.unsigned_abs())
        } else {
            format!("{y:04}")
        };
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let z = self.offset.unsigned_abs() / 60;
            format!("{sign}{:02}:{:02}", z / 60, z % 60)
        };
        format!("{year}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}")
    }

    /// "Now" (a parameter, never the clock) in UTC.
    pub fn now(now: jiff::Timestamp) -> GoTime {
        GoTime::from_unix_nanos(now.as_nanosecond(), 0).unwrap_or(GoTime {
            secs: 0,
            nanos: 0,
            offset: 0,
        })
    }
}

/// Go `t2.Sub(t1)`: saturates at the int64 bounds.
pub fn go_sub(t2: &GoTime, t1: &GoTime) -> i128 {
    (t2.unix_nanos() - t1.unix_nanos()).clamp(i128::from(i64::MIN), i128::from(i64::MAX))
}

/// One element of a Go layout (`nextStdChunk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PmUpper,
    PmLower,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// `.000…` with this many digits.
    FracSecond0(usize),
    /// `.999…`.
    FracSecond9,
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

fn at(s: &[u8], i: usize) -> Option<&[u8]> {
    s.get(i..)
}

/// Go `nextStdChunk`: (prefix, element, suffix); element `None` when the layout has no more.
fn next_std_chunk(layout: &[u8]) -> (&[u8], Option<Std>, &[u8]) {
    let has = |i: usize, lit: &str| layout.get(i..i + lit.len()) == Some(lit.as_bytes());
    let cut = |i: usize, n: usize, std: Std| -> (&[u8], Option<Std>, &[u8]) {
        (
            layout.get(..i).unwrap_or_default(),
            Some(std),
            layout.get(i + n..).unwrap_or_default(),
        )
    };
    for (i, &c) in layout.iter().enumerate() {
        match c {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    return cut(i, 7, Std::LongMonth);
                }
                if !starts_with_lower(at(layout, i + 3).unwrap_or_default()) {
                    return cut(i, 3, Std::Month);
                }
            }
            b'M' => {
                if has(i, "Mon") {
                    if has(i, "Monday") {
                        return cut(i, 6, Std::LongWeekDay);
                    }
                    if !starts_with_lower(at(layout, i + 3).unwrap_or_default()) {
                        return cut(i, 3, Std::WeekDay);
                    }
                }
                if has(i, "MST") {
                    return cut(i, 3, Std::Tz);
                }
            }
            b'0' => {
                let std = match layout.get(i + 1) {
                    Some(b'1') => Some(Std::ZeroMonth),
                    Some(b'2') => Some(Std::ZeroDay),
                    Some(b'3') => Some(Std::ZeroHour12),
                    Some(b'4') => Some(Std::ZeroMinute),
                    Some(b'5') => Some(Std::ZeroSecond),
                    Some(b'6') => Some(Std::Year),
                    _ => None,
                };
                if let Some(std) = std {
                    return cut(i, 2, std);
                }
                if has(i, "002") {
                    return cut(i, 3, Std::ZeroYearDay);
                }
            }
            b'1' => {
                if layout.get(i + 1) == Some(&b'5') {
                    return cut(i, 2, Std::Hour);
                }
                return cut(i, 1, Std::NumMonth);
            }
            b'2' => {
                if has(i, "2006") {
                    return cut(i, 4, Std::LongYear);
                }
                return cut(i, 1, Std::Day);
            }
            b'_' => {
                if layout.get(i + 1) == Some(&b'2') {
                    // `_2006` is a literal `_` followed by the long year.
                    if has(i + 1, "2006") {
                        return (
                            layout.get(..=i).unwrap_or_default(),
                            Some(Std::LongYear),
                            layout.get(i + 5..).unwrap_or_default(),
                        );
                    }
                    return cut(i, 2, Std::UnderDay);
                }
                if has(i, "__2") {
                    return cut(i, 3, Std::UnderYearDay);
                }
            }
            b'3' => return cut(i, 1, Std::Hour12),
            b'4' => return cut(i, 1, Std::Minute),
            b'5' => return cut(i, 1, Std::Second),
            b'P' if layout.get(i + 1) == Some(&b'M') => return cut(i, 2, Std::PmUpper),
            b'p' if layout.get(i + 1) == Some(&b'm') => return cut(i, 2, Std::PmLower),
            b'-' => {
                if has(i, "-070000") {
                    return cut(i, 7, Std::NumSecondsTz);
                }
                if has(i, "-07:00:00") {
                    return cut(i, 9, Std::NumColonSecondsTz);
                }
                if has(i, "-0700") {
                    return cut(i, 5, Std::NumTz);
                }
                if has(i, "-07:00") {
                    return cut(i, 6, Std::NumColonTz);
                }
                if has(i, "-07") {
                    return cut(i, 3, Std::NumShortTz);
                }
            }
            b'Z' => {
                if has(i, "Z070000") {
                    return cut(i, 7, Std::Iso8601SecondsTz);
                }
                if has(i, "Z07:00:00") {
                    return cut(i, 9, Std::Iso8601ColonSecondsTz);
                }
                if has(i, "Z0700") {
                    return cut(i, 5, Std::Iso8601Tz);
                }
                if has(i, "Z07:00") {
                    return cut(i, 6, Std::Iso8601ColonTz);
                }
                if has(i, "Z07") {
                    return cut(i, 3, Std::Iso8601ShortTz);
                }
            }
            b'.' | b',' => {
                if let Some(&ch) = layout.get(i + 1).filter(|c| **c == b'0' || **c == b'9') {
                    let mut j = i + 1;
                    while layout.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if !layout.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = if ch == b'0' {
                            Std::FracSecond0(j - (i + 1))
                        } else {
                            Std::FracSecond9
                        };
                        return cut(i, j - i, std);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, &[])
}

/// Why a Go time parse failed (Go `ParseError`).
struct ParseFail {
    value_elem: Vec<u8>,
    layout_elem: Vec<u8>,
    message: String,
}

/// Go `strconv.Quote` of bytes as Go error messages print them (`"2023-01-0x"`).
pub fn go_quote(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

fn parse_error(layout: &str, value: &str, e: ParseFail) -> String {
    if e.message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_quote(value.as_bytes()),
            go_quote(layout.as_bytes()),
            go_quote(&e.value_elem),
            go_quote(&e.layout_elem)
        )
    } else {
        format!("parsing time {}{}", go_quote(value.as_bytes()), e.message)
    }
}

/// Go `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        None if fixed => None,
        None => Some((i64::from(d0 - b'0'), at(s, 1).unwrap_or_default())),
        Some(d1) => Some((
            i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'),
            at(s, 2).unwrap_or_default(),
        )),
    }
}

/// Go `getnum3`: one to three digits (exactly three when `fixed`).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 {
        match s.get(i) {
            Some(c) if c.is_ascii_digit() => {
                n = n * 10 + i64::from(c - b'0');
                i += 1;
            }
            _ => break,
        }
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, at(s, i).unwrap_or_default()))
}

/// Go `atoi` (optional sign, digits, no overflow past int64).
fn go_atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, at(s, 1).unwrap_or_default()),
        Some(b'+') => (false, at(s, 1).unwrap_or_default()),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { -v } else { v })
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Go `lookup`: ASCII case-insensitive prefix match against a name table.
fn lookup_name<'a>(tab: &[&str], val: &'a [u8]) -> Option<(usize, &'a [u8])> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let head = val.get(..name.len())?;
        head.eq_ignore_ascii_case(name.as_bytes())
            .then(|| (i, at(val, name.len()).unwrap_or_default()))
    })
}

/// Go `skip`: consume the literal `prefix` (runs of spaces match any run of spaces).
fn skip<'a>(mut value: &'a [u8], mut prefix: &[u8]) -> Option<&'a [u8]> {
    let cutspace = |s: &'a [u8]| -> &'a [u8] {
        let n = s.iter().take_while(|c| **c == b' ').count();
        at(s, n).unwrap_or_default()
    };
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|c| *c != b' ') {
                return None;
            }
            prefix = {
                let n = prefix.iter().take_while(|c| **c == b' ').count();
                at(prefix, n).unwrap_or_default()
            };
            value = cutspace(value);
            continue;
        }
        if value.first() != Some(&p) {
            return None;
        }
        prefix = at(prefix, 1).unwrap_or_default();
        value = at(value, 1).unwrap_or_default();
    }
    Some(value)
}

/// Go `parseNanoseconds`: `value` starts with the separator; `nbytes` includes it.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Result<i64, &'static str> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err("");
    }
    let nbytes = nbytes.min(10);
    let ns = go_atoi(value.get(1..nbytes).unwrap_or_default()).ok_or("")?;
    if ns < 0 {
        return Err("fractional second");
    }
    let scale = 10_i64.pow(u32::try_from(10 - nbytes).unwrap_or(0));
    Ok(ns * scale)
}

/// Go `parseTimeZone`: length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + parse_signed_offset(at(value, 3).unwrap_or_default()));
    }
    if matches!(value.first(), Some(b'+' | b'-')) {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let n_upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match n_upper {
        3 => Some(3),
        4 if value.get(3) == Some(&b'T') || value.starts_with(b"WITA") => Some(4),
        5 if value.get(4) == Some(&b'T') => Some(5),
        _ => None,
    }
}

/// Go `parseSignedOffset`: length of `[+-]N` with N ≤ 12, or 0.
fn parse_signed_offset(value: &[u8]) -> usize {
    if !matches!(value.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let digits = value
        .iter()
        .skip(1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return 0;
    }
    match go_atoi(value.get(1..=digits).unwrap_or_default()) {
        Some(x) if x <= 12 => 1 + digits,
        _ => 0,
    }
}

/// Go `time.Parse(layout, value)` with UTC as the default and local location.
pub fn go_parse(layout_str: &str, value_str: &str) -> Result<GoTime, String> {
    let fail = |value_elem: &[u8], layout_elem: &[u8], message: String| {
        parse_error(
            layout_str,
            value_str,
            ParseFail {
                value_elem: value_elem.to_vec(),
                layout_elem: layout_elem.to_vec(),
                message,
            },
        )
    };
    let mut layout = layout_str.as_bytes();
    let mut value = value_str.as_bytes();
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0_i64, -1_i64, -1_i64, -1_i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0_i64, 0_i64, 0_i64, 0_i64);
    let mut utc_zone = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Option<Vec<u8>> = None;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = layout
            .get(prefix.len()..layout.len() - suffix.len())
            .unwrap_or_default();
        value = skip(value, prefix).ok_or_else(|| fail(value, prefix, String::new()))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(fail(
                    value,
                    b"",
                    format!(": extra text: {}", go_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    value = at(value, 2)?;
                    year = go_atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    if !value.first().is_some_and(u8::is_ascii_digit) {
                        return None;
                    }
                    let p = value.get(..4)?;
                    value = at(value, 4)?;
                    year = go_atoi(p)?;
                }
                Std::Month | Std::LongMonth => {
                    let tab: &[&str] = if std == Std::Month {
                        &SHORT_MONTHS
                    } else {
                        &LONG_MONTHS
                    };
                    let (i, rest) = lookup_name(tab, value)?;
                    month = i64::try_from(i).ok()? + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&month) {
                        range_err = "month";
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let tab: &[&str] = if std == Std::WeekDay {
                        &SHORT_DAYS
                    } else {
                        &LONG_DAYS
                    };
                    value = lookup_name(tab, value)?.1;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.first() == Some(&b' ') {
                        value = at(value, 1)?;
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = rest;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                            value = at(value, 1)?;
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = rest;
                    if !(0..60).contains(&min) {
                        range_err = "minute";
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = "second";
                        return Some(());
                    }
                    // A fractional second in the value but not in the layout is accepted.
                    if matches!(value.first(), Some(b'.' | b','))
                        && value.get(1).is_some_and(u8::is_ascii_digit)
                    {
                        let (_, next, _) = next_std_chunk(layout);
                        if matches!(next, Some(Std::FracSecond0(_) | Std::FracSecond9)) {
                            return Some(());
                        }
                        let n = 1 + value
                            .iter()
                            .skip(1)
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                        match parse_nanoseconds(value, n) {
                            Ok(ns) => nsec = ns,
                            Err("") => return None,
                            Err(r) => range_err = r,
                        }
                        value = at(value, n)?;
                    }
                }
                Std::PmUpper | Std::PmLower => {
                    let p = value.get(..2)?;
                    value = at(value, 2)?;
                    let (pm_text, am_text): (&[u8], &[u8]) = if std == Std::PmUpper {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if p == pm_text {
                        pm = true;
                    } else if p == am_text {
                        am = true;
                    } else {
                        return None;
                    }
                }
                Std::Iso8601Tz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ColonSecondsTz
                | Std::NumTz
                | Std::NumShortTz
                | Std::NumColonTz
                | Std::NumSecondsTz
                | Std::NumColonSecondsTz => {
                    let iso = matches!(
                        std,
                        Std::Iso8601Tz
                            | Std::Iso8601ShortTz
                            | Std::Iso8601ColonTz
                            | Std::Iso8601SecondsTz
                            | Std::Iso8601ColonSecondsTz
                    );
                    if iso && value.first() == Some(&b'Z') {
                        value = at(value, 1)?;
                        utc_zone = true;
                        return Some(());
                    }
                    let (sign, hh, mm, ss, rest): (u8, &[u8], &[u8], &[u8], &[u8]) = match std {
                        Std::Iso8601ColonTz | Std::NumColonTz => {
                            if value.get(3) != Some(&b':') {
                                return None;
                            }
                            (
                                *value.first()?,
                                value.get(1..3)?,
                                value.get(4..6)?,
                                b"00",
                                at(value, 6)?,
                            )
                        }
                        Std::NumShortTz | Std::Iso8601ShortTz => (
                            *value.first()?,
                            value.get(1..3)?,
                            b"00",
                            b"00",
                            at(value, 3)?,
                        ),
                        Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => {
                            if value.get(3) != Some(&b':') || value.get(6) != Some(&b':') {
                                return None;
                            }
                            (
                                *value.first()?,
                                value.get(1..3)?,
                                value.get(4..6)?,
                                value.get(7..9)?,
                                at(value, 9)?,
                            )
                        }
                        Std::Iso8601SecondsTz | Std::NumSecondsTz => (
                            *value.first()?,
                            value.get(1..3)?,
                            value.get(3..5)?,
                            value.get(5..7)?,
                            at(value, 7)?,
                        ),
                        _ => (
                            *value.first()?,
                            value.get(1..3)?,
                            value.get(3..5)?,
                            b"00",
                            at(value, 5)?,
                        ),
                    };
                    value = rest;
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    }
                    if mi > 60 {
                        range_err = "time zone offset minute";
                    }
                    if se > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                }
                Std::Tz => {
                    if value.starts_with(b"UTC") {
                        utc_zone = true;
                        value = at(value, 3)?;
                        return Some(());
                    }
                    let n = parse_time_zone(value)?;
                    zone_name = Some(value.get(..n)?.to_vec());
                    value = at(value, n)?;
                }
                Std::FracSecond0(digits) => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return None;
                    }
                    match parse_nanoseconds(value, n) {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = r,
                    }
                    value = at(value, n)?;
                }
                Std::FracSecond9 => {
                    if value.len() < 2
                        || !matches!(value.first(), Some(b'.' | b','))
                        || !value.get(1).is_some_and(u8::is_ascii_digit)
                    {
                        return Some(());
                    }
                    let n = 1 + value
                        .iter()
                        .skip(1)
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    match parse_nanoseconds(value, n) {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = r,
                    }
                    value = at(value, n)?;
                }
            }
            Some(())
        })();
        if !range_err.is_empty() {
            return Err(fail(value, stdstr, format!(": {range_err} out of range")));
        }
        if ok.is_none() {
            return Err(fail(hold, stdstr, String::new()));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut m = 0;
        let mut d = 0;
        let mut yd = yday;
        if is_leap(year) {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(fail(value, b"", ": day-of-year out of range".to_string()));
        }
        if m == 0 {
            const DAYS_BEFORE: [i64; 13] =
                [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
            m = (yd - 1) / 31 + 1;
            if DAYS_BEFORE
                .get(usize::try_from(m).unwrap_or(0))
                .is_some_and(|b| *b < yd)
            {
                m += 1;
            }
            d = yd
                - DAYS_BEFORE
                    .get(usize::try_from(m - 1).unwrap_or(0))
                    .copied()
                    .unwrap_or(0);
        }
        if month >= 0 && month != m {
            return Err(fail(
                value,
                b"",
                ": day-of-year does not match month".to_string(),
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(fail(
                value,
                b"",
                ": day-of-year does not match day".to_string(),
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    let month_u = u32::try_from(month).unwrap_or(1);
    if day < 1 || day > i64::from(days_in(month_u, year)) {
        return Err(fail(value, b"", ": day out of range".to_string()));
    }
    let days = days_from_civil(year, month_u, u32::try_from(day).unwrap_or(1));
    let local_secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    let nanos = u32::try_from(nsec).unwrap_or(0);
    // Zone: `Z`/`UTC` → UTC; a numeric offset → fixed zone; an abbreviation → offset 0 (the
    // local zone of an offline run is UTC, which knows no other names) except `GMT±h`.
    let offset = if utc_zone {
        0
    } else if let Some(off) = zone_offset {
        off
    } else if let Some(name) = zone_name {
        match name.strip_prefix(b"GMT") {
            Some(rest) if !rest.is_empty() => go_atoi(rest).unwrap_or(0) * 3600,
            _ => 0,
        }
    } else {
        0
    };
    Ok(GoTime {
        secs: local_secs - offset,
        nanos,
        offset: i32::try_from(offset).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_468_i64, -1, 0, 1, 11_016, 19_783, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    proptest::proptest! {
        #[test]
        fn go_parse_never_panics(layout in "[-0-9A-Za-z_:. ,]{0,24}", value in "[-+0-9A-Za-z_:. ,]{0,24}") {
            let _ = go_parse(&layout, &value);
        }

        #[test]
        fn rfc3339_round_trips(secs in -62_135_596_800_i64..253_402_300_799, off in -1439_i32..1439) {
            let t = GoTime { secs, nanos: 0, offset: off * 60 };
            let text = t.rfc3339();
            let back = go_parse(RFC3339, &text).unwrap_or_else(|e| panic!("{text}: {e}"));
            proptest::prop_assert_eq!(back, t);
        }
    }
}
