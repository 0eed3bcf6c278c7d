//! Container image references as Kyverno reads them (CV-11.8, `distribution/reference`):
//! the default registry rule and the reference grammar.

/// The registry of references that name none.
pub const DEFAULT_REGISTRY: &str = "docker.io";

/// Kyverno `addDefaultRegistry`.
pub fn add_default_registry(name: &str) -> String {
    match name.find('/') {
        Some(i) => {
            let first = name.get(..i).unwrap_or_default();
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                format!("{DEFAULT_REGISTRY}/{name}")
            } else {
                name.to_string()
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{name}"),
    }
}

/// distribution/reference grammar pieces.
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_AND_PORT: &str = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?";
const TAG: &str = r"[\w][\w.-]{0,127}";
const DIGEST: &str = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";

/// Parsed image reference: (registry, path, tag, digest).
pub fn parse_image(reference: &str) -> Result<(String, String, String, String), String> {
    let name_pat = format!("(?:{DOMAIN_AND_PORT}/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*");
    let full = format!("^({name_pat})(?::({TAG}))?(?:@({DIGEST}))?$");
    let re = regex::Regex::new(&full).map_err(|e| e.to_string())?;
    let Some(caps) = re.captures(reference) else {
        if reference.is_empty() {
            return Err("repository name must have at least one component".to_string());
        }
        if re.is_match(&reference.to_lowercase()) {
            return Err("repository name must be lowercase".to_string());
        }
        return Err("invalid reference format".to_string());
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    if name.len() > 255 {
        return Err("repository name must not be more than 255 characters".to_string());
    }
    let split = regex::Regex::new(&format!(
        "^(?:({DOMAIN_AND_PORT})/)?({PATH_COMPONENT}(?:/{PATH_COMPONENT})*)$"
    ))
    .map_err(|e| e.to_string())?;
    let parts = split.captures(name).ok_or("invalid reference format")?;
    let domain = parts.get(1).map_or("", |m| m.as_str()).to_string();
    let path = parts.get(2).map_or("", |m| m.as_str()).to_string();
    let tag = caps.get(2).map_or("", |m| m.as_str()).to_string();
    let digest = caps.get(3).map_or("", |m| m.as_str()).to_string();
    if !digest.is_empty() {
        let (alg, enc) = digest.split_once(':').unwrap_or(("", ""));
        let want = match alg {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err("unsupported digest algorithm".to_string()),
        };
        if enc.len() != want {
            return Err("invalid checksum digest length".to_string());
        }
        if !enc
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err("invalid checksum digest format".to_string());
        }
    }
    Ok((domain, path, tag, digest))
}
