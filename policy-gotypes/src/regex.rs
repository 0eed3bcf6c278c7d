//! Go RE2 regular expressions run by the `regex` crate (CV-16 "Pattern / regex"): the syntax
//! rewrite where the crates differ, compilation with a size limit, and Go's
//! `ReplaceAll`/`ReplaceAllLiteral`. `\Q…\E` and octal escapes are not supported.

/// Compiled-program size limit for regexes (bounds hostile patterns).
const REGEX_SIZE_LIMIT: usize = 1 << 22;

/// Largest string a replacement may build, so hostile inputs cannot exhaust memory.
pub const MAX_OUTPUT: usize = 1 << 24;

fn check_len(len: usize) -> Result<(), String> {
    if len > MAX_OUTPUT {
        return Err(format!("result exceeds {MAX_OUTPUT} bytes"));
    }
    Ok(())
}

/// Rewrites Go RE2 syntax where the `regex` crate differs: Go's `\d \w \s \b` are ASCII-only,
/// and inside a class Go takes `[`, `&`, `~` and `--` literally (Rust gives them meaning).
pub fn go_regex_to_rust(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false; // just after `[` or `[^`
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    out.push('\\');
                    break;
                };
                let rep = match n {
                    'd' => Some("[0-9]"),
                    'D' => Some("[^0-9]"),
                    'w' => Some("[0-9A-Za-z_]"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    's' => Some("[\\t\\n\\f\\r ]"),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    'b' if !in_class => Some("(?-u:\\b)"),
                    'B' if !in_class => Some("(?-u:\\B)"),
                    _ => None,
                };
                match rep {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                i += 2;
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                i += 1;
                continue;
            }
            '[' => {
                // A POSIX class `[:name:]` is kept; any other `[` is a literal in Go.
                let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
                if let Some(end) = rest.strip_prefix("[:").and_then(|r| r.find(":]")) {
                    let token: String = rest.chars().take(end + 4).collect();
                    i += token.chars().count();
                    out.push_str(&token);
                } else {
                    out.push_str("\\[");
                    i += 1;
                }
                class_start = false;
                continue;
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.get(i + 1) == Some(&'-') => {
                out.push('\\');
                out.push('-');
            }
            _ => out.push(c),
        }
        class_start = false;
        i += 1;
    }
    out
}

/// Compiles a Go regex with a size limit; errors read like Go's `error parsing regexp: …`.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&go_regex_to_rust(pattern))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let reason = match &e {
                regex::Error::Syntax(s) => s
                    .lines()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or("invalid syntax")
                    .to_string(),
                regex::Error::CompiledTooBig(limit) => {
                    format!("expression too large (limit {limit} bytes)")
                }
                _ => "invalid expression".to_string(),
            };
            format!("error parsing regexp: {reason}: `{pattern}`")
        })
}

/// Go `Regexp.ReplaceAll` / `ReplaceAllLiteral`, including its handling of empty matches
/// (an empty match right after a previous match is not replaced).
pub fn go_regex_replace(
    re: &regex::Regex,
    src: &str,
    repl: &str,
    literal: bool,
) -> Result<String, String> {
    let mut out = String::new();
    let mut last_end = 0;
    let mut search = 0;
    let end = src.len();
    while search <= end {
        let Some(caps) = re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(src.get(last_end..m.start()).unwrap_or(""));
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(repl);
            } else {
                caps.expand(repl, &mut out);
            }
        }
        check_len(out.len())?;
        last_end = m.end();
        let width = src
            .get(search..)
            .and_then(|r| r.chars().next())
            .map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
        // why: never stop inside a UTF-8 sequence (`captures_at` would panic there).
        while search < end && !src.is_char_boundary(search) {
            search += 1;
        }
    }
    out.push_str(src.get(last_end..).unwrap_or(""));
    check_len(out.len())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_rewrites() {
        let check_rw = |go: &str, rust: &str| assert_eq!(go_regex_to_rust(go), rust, "{go}");
        check_rw("\\d+", "[0-9]+");
        check_rw("[\\d_]", "[[0-9]_]");
        check_rw("\\bx\\b", "(?-u:\\b)x(?-u:\\b)");
        check_rw("[[:alpha:]]", "[[:alpha:]]");
        check_rw("[a&&b]", "[a\\&\\&b]");
        check_rw("[]a]", "[]a]");
        check_rw("\\.", "\\.");
    }
}
