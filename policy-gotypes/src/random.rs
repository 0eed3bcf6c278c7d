//! Seeded random strings from a regex (Kyverno's `random`, CV-16): no global generator, the
//! seed is a parameter, so a run is reproducible.

/// A small deterministic generator (SplitMix64), seeded by the caller.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Longest string `random` produces.
pub const RANDOM_MAX_LEN: usize = 4096;
/// Extra items an unbounded repetition may add.
const RANDOM_EXTRA: u32 = 10;

/// Most generation steps `random` may take (bounds nested repetitions of empty groups).
const RANDOM_MAX_STEPS: u32 = 100_000;

fn gen_hir(
    h: &regex_syntax::hir::Hir,
    rng: &mut SplitMix,
    out: &mut String,
    steps: &mut u32,
) -> Result<(), String> {
    use regex_syntax::hir::{Class, HirKind};
    if out.len() > RANDOM_MAX_LEN {
        return Err(format!("generated string exceeds {RANDOM_MAX_LEN} bytes"));
    }
    *steps += 1;
    if *steps > RANDOM_MAX_STEPS {
        return Err("pattern needs too many generation steps".to_string());
    }
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(cls)) => {
            let ranges = cls.ranges();
            // why: `.` (everything but newline) would draw from all of Unicode; printable
            // ASCII keeps results readable and still matches.
            let total: u64 = ranges
                .iter()
                .map(|r| u64::from(r.end()) - u64::from(r.start()) + 1)
                .sum();
            if total > 0x10_0000 {
                let c = char::from(b' ' + u8::try_from(rng.below(95)).unwrap_or(0));
                out.push(c);
                return Ok(());
            }
            let mut pick = rng.below(total);
            for r in ranges {
                let size = u64::from(r.end()) - u64::from(r.start()) + 1;
                if pick < size {
                    let cp = u32::from(r.start()) + u32::try_from(pick).unwrap_or(0);
                    out.push(char::from_u32(cp).unwrap_or(r.start()));
                    return Ok(());
                }
                pick -= size;
            }
            return Err("empty character class".to_string());
        }
        HirKind::Class(Class::Bytes(_)) => return Err("byte classes are not supported".to_string()),
        HirKind::Repetition(rep) => {
            let max = rep
                .max
                .unwrap_or_else(|| rep.min.saturating_add(RANDOM_EXTRA));
            let max = max.min(rep.min.saturating_add(4096));
            if usize::try_from(rep.min).unwrap_or(usize::MAX) > RANDOM_MAX_LEN {
                return Err(format!("repetition count {} is too large", rep.min));
            }
            let span = u64::from(max.saturating_sub(rep.min)) + 1;
            let n = rep.min + u32::try_from(rng.below(span)).unwrap_or(0);
            for _ in 0..n {
                gen_hir(&rep.sub, rng, out, steps)?;
            }
        }
        HirKind::Capture(cap) => gen_hir(&cap.sub, rng, out, steps)?,
        HirKind::Concat(items) => {
            for item in items {
                gen_hir(item, rng, out, steps)?;
            }
        }
        HirKind::Alternation(alts) => {
            let i = usize::try_from(rng.below(u64::try_from(alts.len()).unwrap_or(1))).unwrap_or(0);
            if let Some(alt) = alts.get(i) {
                gen_hir(alt, rng, out, steps)?;
            }
        }
    }
    Ok(())
}

/// A string matching the Go regex `pattern`, drawn deterministically from `seed` (Kyverno's
/// `random`): literals, classes, repetition, alternation and groups; unbounded repetitions
/// add at most 10 items, `.` draws printable ASCII, output capped at [`RANDOM_MAX_LEN`].
pub fn generate(pattern: &str, seed: u64) -> Result<String, String> {
    if pattern.is_empty() {
        return Err("no pattern provided".to_owned());
    }
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(&crate::regex::go_regex_to_rust(pattern))
        .map_err(|e| format!("error parsing regexp: `{pattern}`: {e}"))?;
    let mut rng = SplitMix(seed);
    let mut out = String::new();
    gen_hir(&hir, &mut rng, &mut out, &mut 0)?;
    if out.len() > RANDOM_MAX_LEN {
        return Err(format!("generated string exceeds {RANDOM_MAX_LEN} bytes"));
    }
    Ok(out)
}
