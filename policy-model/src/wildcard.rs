//! The one wildcard matcher of the workspace — Kyverno's wildcard string matching (`patterns.md` P-1): `*` matches any run of code points,
//! `?` exactly one code point, no escape character, whole-string match.
//!
//! The matcher is the classic two-pointer greedy algorithm with a single backtrack point (the
//! last `*` seen), so it runs in `O(len(pattern) * len(text))` in the worst case, without
//! recursion and without building a regex — a hostile pattern made of thousands of `*` costs no
//! more than a plain one.

/// Whether `s` contains a wildcard character (`*` or `?`, P-1.1).
pub fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// `wildcard_match(pattern, text)` of P-1.1.
pub fn matches(pattern: &str, text: &str) -> bool {
    // P-1.1: the two special cases come first (an empty pattern only matches an empty text).
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" || pattern == text {
        return true;
    }
    // Fast paths for the common shapes: no wildcard (only equality, tested above) and a
    // single trailing `*` (a prefix, `ghcr.io/acme/*`).
    match pattern.bytes().position(|b| b == b'*' || b == b'?') {
        None => return false,
        Some(i) if i + 1 == pattern.len() && pattern.ends_with('*') => {
            return pattern
                .get(..i)
                .is_some_and(|prefix| text.starts_with(prefix));
        }
        Some(_) => {}
    }
    if pattern.is_ascii() && text.is_ascii() {
        // Fast path: for ASCII, bytes are code points.
        greedy(pattern.as_bytes(), text.as_bytes(), b'*', b'?')
    } else {
        // `?` matches one code point, not one byte (P-1.1), so walk chars.
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        greedy(&p, &t, '*', '?')
    }
}

/// Two-pointer greedy wildcard match over code units `T`.
fn greedy<T: PartialEq + Copy>(p: &[T], t: &[T], star: T, one: T) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position in `p` just after the last `*`, and the text position it was tried at.
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some(&c), _) if c == star => {
                // Collapse runs of `*` and remember where to resume if the rest fails.
                pi += 1;
                backtrack = Some((pi, ti));
            }
            (Some(&c), Some(&x)) if c == one || c == x => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                // Let the last `*` swallow one more code point and retry.
                Some((bp, bt)) => {
                    pi = bp;
                    ti = bt + 1;
                    backtrack = Some((bp, bt + 1));
                }
                None => return false,
            },
        }
    }
    // Text consumed: only `*` may remain in the pattern.
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == star))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expect: bool) {
        assert_eq!(
            matches(pattern, text),
            expect,
            "matches({pattern:?}, {text:?})"
        );
    }

    #[test]
    fn p_1_1_special_cases() {
        // P-1.1: empty pattern matches only empty text; `*` matches anything.
        check("", "", true);
        check("", "a", false);
        check("*", "", true);
        check("*", "anything at all", true);
    }

    #[test]
    fn p_1_1_star_question_literal() {
        // P-1.1: `*` any run (incl. empty), `?` exactly one code point, anchored both ends,
        // case-sensitive.
        for (p, t, e) in [
            ("abc", "abc", true),
            ("abc", "abcd", false),
            ("abc", "ABC", false),
            ("a*c", "ac", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("??", "é!", true), // one code point each, not bytes
            ("?", "é", true),
            ("*b*", "abc", true),
            ("*b*", "ac", false),
            ("a*b*c", "a_b_b_c", true),
            ("a*b*c", "acb", false),
            ("**a**", "xxa", true),
            ("*ab", "aab", true),
            ("*aab", "aaab", true),
            ("é*ü", "éxyzü", true),
        ] {
            check(p, t, e);
        }
    }

    #[test]
    fn p_1_1_no_escape() {
        // P-1.1: no escape character; a backslash is an ordinary code point.
        check("a\\*", "a\\xyz", true);
        check("a\\*", "a*", false);
        check("a*", "a*", true);
    }

    #[test]
    fn p_1_2_policy_idioms() {
        // P-1.2: `?*` = non-empty, `*:latest` = ends with `:latest`.
        check("?*", "", false);
        check("?*", "x", true);
        check("*:latest", "nginx:latest", true);
        check("*:latest", "nginx:1.25", false);
        check("*:*", "nginx", false);
    }

    #[test]
    fn p_1_1_fast_paths() {
        // No wildcard: equality only; one trailing `*`: a prefix (the empty one included).
        check("Pod", "Pod", true);
        check("Pod", "Pods", false);
        check("ghcr.io/acme/*", "ghcr.io/acme/api:1.0", true);
        check("ghcr.io/acme/*", "ghcr.io/acme/", true);
        check("ghcr.io/acme/*", "ghcr.io/acme", false);
        check("ghcr.io/acme/*", "docker.io/acme/api", false);
        check("é*", "éa", true);
        check("a?*", "a", false);
        check("*a*", "xay", true);
    }

    proptest::proptest! {
        /// The fast paths agree with the general matcher on every input.
        #[test]
        fn p_1_1_fast_paths_agree(pattern in "[ab*?]{0,6}", text in "[ab]{0,6}") {
            let p: Vec<char> = pattern.chars().collect();
            let t: Vec<char> = text.chars().collect();
            let general = if pattern.is_empty() { text.is_empty() } else { greedy(&p, &t, '*', '?') };
            proptest::prop_assert_eq!(matches(&pattern, &text), general);
        }
    }

    #[test]
    fn p_1_3_question_is_exactly_one() {
        // P-1.3: `?` means exactly one character, not "at least one".
        check("?", "", false);
        check("?", "ab", false);
        check("a?", "abc", false);
    }

    #[test]
    fn p_1_1_many_stars_is_linear_enough() {
        // P-1.1 (robustness): thousands of `*` must not blow up.
        let pattern = format!("{}b", "*".repeat(5000));
        let text = "a".repeat(5000);
        check(&pattern, &text, false);
        let pattern = "a*".repeat(2000);
        check(&pattern, &"a".repeat(3000), true);
        check(&format!("{pattern}b"), &"a".repeat(3000), false);
    }

    #[test]
    fn p_1_has_wildcard() {
        // P-4.1.2 uses "contains `*` or `?`".
        assert!(has_wildcard("app.kubernetes.io/*"));
        assert!(has_wildcard("a?"));
        assert!(!has_wildcard("plain"));
    }
}
