//! Go durations: `time.ParseDuration` and `time.Duration.String`, exactly (patterns P-12.2,
//! conditions CV-6.1, CV-16 "Result rendering").
//!
//! Durations are carried as nanoseconds in an `i128` so callers can add without worrying
//! about overflow; parsing only ever yields values in Go's `int64` range.

/// Nanoseconds per unit, as Go's `unitMap`.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        // U+00B5 micro sign and U+03BC Greek mu are both accepted, like Go.
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// `1 << 63`, Go's overflow bound while accumulating the magnitude.
const LIMIT: u64 = 1 << 63;

/// Parses a Go duration (`time.ParseDuration`): `[-+]?` then one or more `number unit`
/// pairs (`1h30m`, `1.5s`, `.5ms`, `-2us`), or the bare `0`. Returns nanoseconds, or `None`
/// when Go would return an error (including overflow of `int64`).
pub fn parse_go_duration(s: &str) -> Option<i128> {
    let mut rest = s.as_bytes();
    let mut neg = false;
    if let Some(&c) = rest.first().filter(|c| **c == b'-' || **c == b'+') {
        neg = c == b'-';
        rest = rest.get(1..)?;
    }
    if rest == b"0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while let Some(&first) = rest.first() {
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        // Integer part (Go leadingInt: error on overflow).
        let mut v: u64 = 0;
        let mut i = 0;
        while let Some(&c) = rest.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return None;
            }
            i += 1;
        }
        let pre = i > 0;
        rest = rest.get(i..)?;
        // Fraction (Go leadingFraction: extra digits beyond precision are ignored).
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if rest.first() == Some(&b'.') {
            rest = rest.get(1..)?;
            let mut j = 0;
            let mut overflow = false;
            while let Some(&c) = rest.get(j) {
                if !c.is_ascii_digit() {
                    break;
                }
                j += 1;
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = j > 0;
            rest = rest.get(j..)?;
        }
        if !pre && !post {
            return None;
        }
        // Unit: everything up to the next digit or point.
        let mut k = 0;
        while let Some(&c) = rest.get(k) {
            if c == b'.' || c.is_ascii_digit() {
                break;
            }
            k += 1;
        }
        if k == 0 {
            return None;
        }
        let unit = std::str::from_utf8(rest.get(..k)?).ok()?;
        rest = rest.get(k..)?;
        let unit = unit_nanos(unit)?;
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            // why: Go uses float64 here ("needed to be nanosecond accurate for fractions of
            // hours") and truncates; we must do the same to get the same nanoseconds.
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v = v.checked_add(frac)?;
            if v > LIMIT {
                return None;
            }
        }
        total = total.checked_add(v)?;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        return Some(-i128::from(total));
    }
    if total > LIMIT - 1 {
        return None;
    }
    Some(i128::from(total))
}

/// Formats nanoseconds as Go's `Duration.String` does: `1h30m0s`, `1.5s`, `720h0m0s`,
/// `0s`, `1.2ms`, `1µs`, `-3ns`. Values beyond Go's `int64` range are formatted the same
/// way (Go itself cannot hold them).
pub fn format_go_duration(nanos: i128) -> String {
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: the largest unit that keeps an integer part, like 1.2ms.
        let (prec, unit) = match u {
            0 => return "0s".to_string(),
            1..=999 => (0, "ns"),
            1_000..=999_999 => (3, "\u{b5}s"),
            _ => (6, "ms"),
        };
        out.push_str(&with_fraction(u, prec));
        out.push_str(unit);
    } else {
        let secs = u / 1_000_000_000;
        let frac = u % 1_000_000_000;
        let minutes = secs / 60;
        let hours = minutes / 60;
        if hours > 0 {
            out.push_str(&format!("{hours}h"));
        }
        if minutes > 0 {
            out.push_str(&format!("{}m", minutes % 60));
        }
        out.push_str(&with_fraction((secs % 60) * 1_000_000_000 + frac, 9));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / 10^prec` with the fraction's trailing zeros (and a bare point) omitted (Go fmtFrac).
fn with_fraction(v: u128, prec: u32) -> String {
    let p = 10_u128.pow(prec);
    let int = v / p;
    let frac = v % p;
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i128 = 1;
    const US: i128 = 1_000;
    const MS: i128 = 1_000_000;
    const S: i128 = 1_000_000_000;
    const M: i128 = 60 * S;
    const H: i128 = 60 * M;

    #[test]
    fn parse() {
        // P-12.2; Go time.ParseDuration behaviour.
        let check = |input: &str, expect: Option<i128>| {
            assert_eq!(parse_go_duration(input), expect, "input {input:?}");
        };
        check("0", Some(0));
        check("-0", Some(0));
        check("+0", Some(0));
        check("1h", Some(H));
        check("1h30m", Some(H + 30 * M));
        check("90m", Some(90 * M));
        check("1.5h", Some(H + 30 * M));
        check(".5s", Some(S / 2));
        check("5.s", Some(5 * S));
        check("1.5s", Some(1_500 * MS));
        check("300ms", Some(300 * MS));
        check("-1.5h", Some(-(H + 30 * M)));
        check("+5m", Some(5 * M));
        check("1us", Some(US));
        check("1\u{b5}s", Some(US));
        check("1\u{3bc}s", Some(US));
        check("10ns", Some(10 * NS));
        check("1h1m1s1ms1us1ns", Some(H + M + S + MS + US + NS));
        check("1m1m", Some(2 * M)); // units may repeat
        check("2562047h47m16.854775807s", Some(i128::from(i64::MAX)));
        check("-2562047h47m16.854775808s", Some(i128::from(i64::MIN)));
        check("0.3333333333333333333h", Some(1_200_000_000_000)); // extra digits ignored
        // Errors.
        check("", None);
        check("-", None);
        check("10", None); // missing unit
        check("1d", None); // no days
        check("1.5", None);
        check(".s", None);
        check("1h ", None);
        check(" 1h", None);
        check("1H", None);
        check("2562047h47m16.854775808s", None); // overflow
        check("9999999999999999999h", None);
        check("1e3s", None);
    }

    #[test]
    fn format() {
        // CV-16 "Result rendering"; Go Duration.String.
        let check =
            |nanos: i128, expect: &str| assert_eq!(format_go_duration(nanos), expect, "{nanos}");
        check(0, "0s");
        check(H + 30 * M, "1h30m0s");
        check(1_500 * MS, "1.5s");
        check(720 * H, "720h0m0s");
        check(US, "1\u{b5}s");
        check(1_200 * US, "1.2ms");
        check(1, "1ns");
        check(-3, "-3ns");
        check(-(90 * S), "-1m30s");
        check(M, "1m0s");
        check(S, "1s");
        check(61 * S + 5, "1m1.000000005s");
        check(i128::from(i64::MAX), "2562047h47m16.854775807s");
        check(i128::from(i64::MIN), "-2562047h47m16.854775808s");
    }

    #[test]
    fn round_trip() {
        for text in [
            "1h30m0s",
            "1.5s",
            "720h0m0s",
            "0s",
            "1\u{b5}s",
            "-1m30s",
            "2.000001ms",
            "3ns",
        ] {
            let n = parse_go_duration(text).unwrap_or_else(|| panic!("{text} should parse"));
            assert_eq!(format_go_duration(n), text);
        }
    }

    proptest::proptest! {
        #[test]
        fn format_parses_back(n in proptest::num::i64::ANY) {
            let text = format_go_duration(i128::from(n));
            proptest::prop_assert_eq!(parse_go_duration(&text), Some(i128::from(n)), "{}", text);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,24}") {
            let _ = parse_go_duration(&s);
        }
    }
}
