//! Semantic versions as `blang/semver` v4 reads them (Kyverno's `semver_compare`, CV-16):
//! versions, comparison with prerelease precedence, and ranges (`>=1.0.0 <2.0.0 || 3.x`).

use std::cmp::Ordering;

/// A prerelease identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Alpha(String),
}

/// A semantic version (build metadata is ignored by comparisons).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

fn only(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    s.chars().all(allowed)
}

fn is_alnum_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn parse_num_part(s: &str, what: &str) -> Result<u64, String> {
    if !only(s, |c| c.is_ascii_digit()) {
        return Err(format!("Invalid character(s) found in {what} number {s:?}"));
    }
    if s.len() > 1 && s.starts_with('0') {
        let mut w = what.to_string();
        if let Some(first) = w.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        return Err(format!("{w} number must not contain leading zeroes {s:?}"));
    }
    s.parse::<u64>()
        .map_err(|e| format!("strconv.ParseUint: parsing {s:?}: {e}"))
}

/// blang `semver.Parse` (strict: `MAJOR.MINOR.PATCH[-pre][+build]`).
fn parse_semver(s: &str) -> Result<Semver, String> {
    if s.is_empty() {
        return Err("Version string empty".to_string());
    }
    let mut parts = s.splitn(3, '.');
    let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("No Major.Minor.Patch elements found".to_string());
    };
    let major = parse_num_part(major, "major")?;
    let minor = parse_num_part(minor, "minor")?;
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (patch, pre) = match rest.split_once('-') {
        Some((p, pr)) => (p, Some(pr)),
        None => (rest, None),
    };
    let patch = parse_num_part(patch, "patch")?;
    let mut v = Semver {
        major,
        minor,
        patch,
        pre: Vec::new(),
    };
    if let Some(pre) = pre {
        for p in pre.split('.') {
            if p.is_empty() {
                return Err("Prerelease is empty".to_string());
            }
            if only(p, |c| c.is_ascii_digit()) {
                if p.len() > 1 && p.starts_with('0') {
                    return Err(format!(
                        "Numeric PreRelease version must not contain leading zeroes {p:?}"
                    ));
                }
                v.pre
                    .push(Pre::Num(p.parse::<u64>().map_err(|e| e.to_string())?));
            } else if only(p, is_alnum_dash) {
                v.pre.push(Pre::Alpha(p.to_string()));
            } else {
                return Err(format!("Invalid character(s) found in prerelease {p:?}"));
            }
        }
    }
    if let Some(build) = build {
        for b in build.split('.') {
            if b.is_empty() {
                return Err("Build meta data is empty".to_string());
            }
            if !only(b, is_alnum_dash) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {b:?}"
                ));
            }
        }
    }
    Ok(v)
}

fn cmp_semver(a: &Semver, b: &Semver) -> Ordering {
    let core = (a.major, a.minor, a.patch).cmp(&(b.major, b.minor, b.patch));
    if core != Ordering::Equal {
        return core;
    }
    match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.pre.iter().zip(&b.pre) {
        let o = match (x, y) {
            (Pre::Num(p), Pre::Num(q)) => p.cmp(q),
            (Pre::Num(_), Pre::Alpha(_)) => Ordering::Less,
            (Pre::Alpha(_), Pre::Num(_)) => Ordering::Greater,
            (Pre::Alpha(p), Pre::Alpha(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.pre.len().cmp(&b.pre.len())
}

/// blang `splitAndTrim`: split on spaces, but a space after `>`, `<` or `=` does not split.
fn split_and_trim(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut last = 0;
    let mut last_char = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            // Go: `if last < i-1` — keep parts of at least two bytes.
            if last + 1 < i {
                out.push(s.get(last..i).unwrap_or_default().to_string());
            }
            last = i + 1;
        } else if c != b' ' {
            last_char = c;
        }
    }
    if last + 1 < b.len() {
        out.push(s.get(last..).unwrap_or_default().to_string());
    }
    out.into_iter().map(|p| p.replace(' ', "")).collect()
}

/// blang `splitComparatorVersion`.
fn split_comparator(s: &str) -> Result<(String, String), String> {
    let i = s
        .find(|c: char| c.is_numeric())
        .ok_or_else(|| format!("Could not get version from string: {s:?}"))?;
    Ok((
        s.get(..i).unwrap_or_default().trim().to_string(),
        s.get(i..).unwrap_or_default().to_string(),
    ))
}

/// blang `expandWildcardVersion` for one AND-part.
fn expand_wildcards(parts: Vec<String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for ap in parts {
        if !ap.contains('x') {
            out.push(ap);
            continue;
        }
        let (op, v) = split_comparator(&ap)?;
        let nparts = v.split('.').count();
        let wildcard = if v.split('.').next_back() == Some("x") {
            nparts
        } else {
            0
        };
        let flat = {
            let v2 = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
            if v2.split('.').count() == 2 {
                format!("{v2}.0")
            } else {
                v2
            }
        };
        let bump = |idx: usize| -> String {
            let mut ps: Vec<String> = flat.split('.').map(str::to_string).collect();
            if let Some(p) = ps.get_mut(idx)
                && let Ok(n) = p.parse::<i64>()
            {
                *p = (n + 1).to_string();
            }
            ps.join(".")
        };
        let (result_op, increment) = match op.as_str() {
            ">" => (">=", true),
            ">=" => (">=", false),
            "<" => ("<", false),
            "<=" => ("<", true),
            "" | "=" | "==" => {
                out.push(format!(">={flat}"));
                ("<", true)
            }
            "!=" | "!" => {
                out.push(format!("<{flat}"));
                (">=", true)
            }
            _ => ("", false),
        };
        let version = if increment {
            match wildcard {
                3 => bump(1),
                2 => bump(0),
                _ => String::new(),
            }
        } else {
            flat.clone()
        };
        out.push(format!("{result_op}{version}"));
    }
    Ok(out)
}

/// One comparator of a range.
type Comparator = (fn(Ordering) -> bool, Semver);

/// blang `ParseRange`: OR of AND-lists of comparators.
fn parse_range(s: &str) -> Result<Vec<Vec<Comparator>>, String> {
    let parts = split_and_trim(s);
    let mut or_parts: Vec<Vec<String>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if p == "||" {
            if i == 0 {
                return Err("First element in range is '||'".to_string());
            }
            or_parts.push(std::mem::take(&mut current));
        } else {
            current.push(p.clone());
        }
    }
    if current.is_empty() {
        return Err("Last element in range is '||'".to_string());
    }
    or_parts.push(current);
    let mut out = Vec::new();
    for part in or_parts {
        let mut ands = Vec::new();
        for ap in expand_wildcards(part)? {
            let (op, v) = split_comparator(&ap)?;
            let test: fn(Ordering) -> bool = match op.as_str() {
                "" | "=" | "==" => |o| o == Ordering::Equal,
                ">" => |o| o == Ordering::Greater,
                ">=" => |o| o != Ordering::Less,
                "<" => |o| o == Ordering::Less,
                "<=" => |o| o != Ordering::Greater,
                "!" | "!=" => |o| o != Ordering::Equal,
                _ => {
                    return Err(format!(
                        "Could not parse Range {ap:?}: Could not parse comparator {op:?} in {ap:?}"
                    ));
                }
            };
            let version = parse_semver(&v).map_err(|e| {
                format!(
                    "Could not parse Range {ap:?}: Could not parse version {v:?} in {ap:?}: {e}"
                )
            })?;
            ands.push((test, version));
        }
        out.push(ands);
    }
    Ok(out)
}

/// Whether `version` satisfies `range` (`semver_compare`): an unparsable version is 0.0.0,
/// as Kyverno's; an unparsable range is an error with blang/semver's message.
pub fn satisfies(version: &str, range: &str) -> Result<bool, String> {
    let version = parse_semver(version).unwrap_or_default();
    let range = parse_range(range)?;
    Ok(range
        .iter()
        .any(|ands| ands.iter().all(|(test, v)| test(cmp_semver(&version, v)))))
}
