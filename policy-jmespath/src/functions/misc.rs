//! `is_external_url`, `random` (over `policy_gotypes::random`) and `x509_decode` (over
//! `policy_gotypes::x509`).

use serde_json::Value;

use super::*;

/// The host of a URL (Go `url.Parse(..).Hostname()`), `None` when there is no authority.
fn url_host(u: &str) -> Option<String> {
    let rest = match u.find("://") {
        Some(i)
            if u.get(..i).is_some_and(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            }) =>
        {
            u.get(i + 3..)?
        }
        _ => u.strip_prefix("//")?,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(inner) = hostport.strip_prefix('[') {
        return inner.split_once(']').map(|(h, _)| h.to_string());
    }
    let host = match hostport.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => hostport,
    };
    Some(host.to_string())
}

pub(super) fn f_is_external_url(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "is_external_url";
    let u = arg_str(f, args, 0)?;
    let host = url_host(u)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| err(f, format!("no host in url `{u}`")))?;
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(Value::Bool(false));
    }
    let Ok(ip) = host.parse::<std::net::IpAddr>() else {
        return Err(err(f, "host names need DNS, not available offline"));
    };
    // Go net.IP IsLoopback / IsPrivate (IPv4-mapped IPv6 addresses count as IPv4).
    let internal = match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback() || v4.is_private(),
            None => {
                v6.is_loopback() || (v6.segments().first().copied().unwrap_or(0) & 0xfe00) == 0xfc00
            }
        },
    };
    Ok(Value::Bool(!internal))
}

pub(super) fn f_random(args: &[Value], env: &FnEnv) -> Result<Value, String> {
    let f = "random";
    let pattern = arg_str(f, args, 0)?;
    let out = policy_gotypes::random::generate(pattern, env.seed).map_err(|e| err(f, e))?;
    Ok(Value::String(out))
}

pub(super) fn f_x509_decode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "x509_decode";
    let pem = arg_str(f, args, 0)?;
    policy_gotypes::x509::decode(pem).map_err(|e| err(f, e))
}
