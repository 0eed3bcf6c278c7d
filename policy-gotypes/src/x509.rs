//! `x509_decode` (conditions CV-16): a PEM `CERTIFICATE` or `CERTIFICATE REQUEST` with an RSA
//! key, rendered as Kyverno renders it: Go's `x509.Certificate` / `x509.CertificateRequest`
//! passed through `json.Marshal` and back into `interface{}`, with `PublicKey` replaced by
//! `{N: "<decimal>", E: <int>}`.
//!
//! The DER envelope is parsed by `x509-parser`; the pieces whose Go rendering matters
//! (names, extension values, algorithm identifiers, the RSA key) are read here from their
//! DER bytes with the same rules as Go's `crypto/x509`, so the field values match.
//!
//! Shape notes (what Go's JSON round trip produces):
//! - `[]byte` fields are base64 strings; nil slices are `null`; `time.Time` is RFC 3339 with
//!   trimmed fractional seconds; OIDs (`asn1.ObjectIdentifier`) are arrays of numbers, while
//!   the newer `x509.OID` values (`Policies`, `PolicyMappings`) are dotted strings.
//! - `SerialNumber` is a JSON number: exact when it fits 64 bits, otherwise the nearest
//!   float64 (Go's `json.Unmarshal` into `interface{}` makes every number a float64).
//! - `URIs` are Go `url.URL` structs (`Scheme`, `Host`, `Path`, ...), `IPAddresses` are
//!   strings, IP constraints are `{IP, Mask}` with a base64 mask.
//!
//! Deliberate limits, also in docs/COMPATIBILITY.md: the field set is Go ≥ 1.24's; only the
//! first PEM block is read (as Go's `pem.Decode`); non-RSA keys are an error (as Kyverno);
//! input is capped at [`MAX_INPUT`] bytes; malformed DER gives this parser's message, not
//! Go's word for word; CSR `Attributes` values that Go would decode as times are `null`.

use base64::Engine as _;
use serde_json::{Map, Number, Value};
use x509_parser::certificate::X509CertificateParser;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::nom::Parser as _;
use x509_parser::prelude::FromDer as _;

/// Largest accepted input (a certificate chain is a few KiB; this bounds hostile inputs).
pub const MAX_INPUT: usize = 1 << 20;

/// Decodes the first PEM block of `input`. Errors are Kyverno's messages (without the
/// `JMESPath function` prefix, which the caller adds).
pub fn decode(input: &str) -> Result<Value, String> {
    if input.len() > MAX_INPUT {
        return Err(format!("input exceeds {MAX_INPUT} bytes"));
    }
    let Some((label, der)) = pem_decode(input.as_bytes()) else {
        return Err("failed to decode PEM block".to_string());
    };
    match label.as_slice() {
        b"CERTIFICATE" => certificate(&der),
        b"CERTIFICATE REQUEST" => request(&der),
        _ => Err("PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST".to_string()),
    }
}

// ---------------------------------------------------------------------------------------
// PEM (Go `encoding/pem.Decode`)
// ---------------------------------------------------------------------------------------

/// Go `getLine`: the line up to `\n` (without `\r`, trailing spaces and tabs), and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (
            data.get(..i).unwrap_or_default(),
            data.get(i + 1..).unwrap_or_default(),
        ),
        None => (data, &[][..]),
    };
    if let Some(l) = line.strip_suffix(b"\r") {
        line = l;
    }
    while let Some(l) = line.strip_suffix(b" ").or_else(|| line.strip_suffix(b"\t")) {
        line = l;
    }
    (line, rest)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The type and bytes of the first well-formed PEM block, as Go's `pem.Decode` finds it:
/// `-----BEGIN TYPE-----` at the start of the input or of a line, optional `Key: value`
/// headers, base64 with spaces, tabs and line breaks ignored, and a matching END line.
fn pem_decode(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    const BEGIN: &[u8] = b"\n-----BEGIN ";
    const BEGIN_AT_START: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const END_AT_START: &[u8] = b"-----END ";
    const DASHES: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if let Some(r) = rest.strip_prefix(BEGIN_AT_START) {
            rest = r;
        } else {
            let i = find(rest, BEGIN)?;
            rest = rest.get(i + BEGIN.len()..)?;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(ty) = type_line.strip_suffix(DASHES) else {
            continue;
        };
        // Headers: lines with a colon, until the first line without one.
        let mut headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            headers = true;
            rest = next;
        }
        let (end_index, trailer_index) = if !headers && rest.starts_with(END_AT_START) {
            (0, END_AT_START.len())
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let Some(trailer) = rest.get(trailer_index..) else {
            continue;
        };
        let want = ty.len() + DASHES.len();
        let (Some(end_trailer), Some(after_end)) = (trailer.get(..want), trailer.get(want..))
        else {
            continue;
        };
        if !end_trailer.starts_with(ty) || !end_trailer.ends_with(DASHES) {
            continue;
        }
        if !get_line(after_end).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest
            .get(..end_index)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        match go_base64().decode(&body) {
            Ok(bytes) => return Some((ty.to_vec(), bytes)),
            Err(_) => continue,
        }
    }
}

/// Go's `base64.StdEncoding` for decoding: padding required, stray trailing bits tolerated.
fn go_base64() -> base64::engine::GeneralPurpose {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    )
}

fn b64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

// ---------------------------------------------------------------------------------------
// A minimal DER reader (for the parts whose Go rendering depends on the exact bytes)
// ---------------------------------------------------------------------------------------

const UNIVERSAL: u8 = 0;
const CONTEXT: u8 = 2;

const T_BOOLEAN: u32 = 1;
const T_INTEGER: u32 = 2;
const T_BIT_STRING: u32 = 3;
const T_OCTET_STRING: u32 = 4;
const T_NULL: u32 = 5;
const T_OID: u32 = 6;
const T_UTF8: u32 = 12;
const T_SEQUENCE: u32 = 16;
const T_SET: u32 = 17;
const T_NUMERIC: u32 = 18;
const T_PRINTABLE: u32 = 19;
const T_T61: u32 = 20;
const T_IA5: u32 = 22;
const T_BMP: u32 = 30;

/// One DER element.
#[derive(Clone, Copy, Debug)]
struct Tlv<'a> {
    class: u8,
    constructed: bool,
    tag: u32,
    /// The contents octets.
    content: &'a [u8],
    /// Identifier, length and contents.
    full: &'a [u8],
}

impl Tlv<'_> {
    fn is(&self, class: u8, constructed: bool, tag: u32) -> bool {
        self.class == class && self.constructed == constructed && self.tag == tag
    }

    fn is_seq(&self) -> bool {
        self.is(UNIVERSAL, true, T_SEQUENCE)
    }

    /// Go prints a cryptobyte tag as its identifier octet.
    fn tag_byte(&self) -> u32 {
        (u32::from(self.class) << 6) | if self.constructed { 0x20 } else { 0 } | self.tag
    }
}

/// Reads one element (definite lengths only, as DER requires).
fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let first = *input.first()?;
    let mut pos = 1usize;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        loop {
            let b = *input.get(pos)?;
            pos += 1;
            if tag > (u32::MAX >> 7) {
                return None;
            }
            tag = (tag << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let lb = *input.get(pos)?;
    pos += 1;
    let len = if lb < 0x80 {
        usize::from(lb)
    } else {
        let n = usize::from(lb & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut l = 0usize;
        for _ in 0..n {
            l = (l << 8) | usize::from(*input.get(pos)?);
            pos += 1;
        }
        l
    };
    let end = pos.checked_add(len)?;
    let tlv = Tlv {
        class: first >> 6,
        constructed: first & 0x20 != 0,
        tag,
        content: input.get(pos..end)?,
        full: input.get(..end)?,
    };
    Some((tlv, input.get(end..)?))
}

/// All elements of `content`, which they must fill exactly.
fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = read_tlv(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

/// The contents of a leading SEQUENCE (cryptobyte `ReadASN1(&s, SEQUENCE)`: bytes after the
/// element are ignored).
fn seq_items(bytes: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let (t, _) = read_tlv(bytes)?;
    if !t.is_seq() {
        return None;
    }
    children(t.content)
}

/// Sub-identifiers of an OID's contents (minimal base-128, not truncated).
fn oid_subids(content: &[u8]) -> Option<Vec<u128>> {
    if content.is_empty() {
        return None;
    }
    let mut subs = Vec::new();
    let mut cur: u128 = 0;
    let mut started = false;
    for &b in content {
        if !started && b == 0x80 {
            return None;
        }
        started = true;
        if cur > (u128::MAX >> 7) {
            return None;
        }
        cur = (cur << 7) | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            subs.push(cur);
            cur = 0;
            started = false;
        }
    }
    if started {
        return None;
    }
    Some(subs)
}

fn arcs_from_subids(subs: &[u128]) -> Option<Vec<u128>> {
    let (&first, more) = subs.split_first()?;
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut arcs = vec![a, b];
    arcs.extend_from_slice(more);
    Some(arcs)
}

/// An `asn1.ObjectIdentifier` (Go limits each sub-identifier to 31 bits).
fn asn1_oid(content: &[u8]) -> Option<Vec<u64>> {
    let subs = oid_subids(content)?;
    if subs.iter().any(|&s| s > 0x7fff_ffff) {
        return None;
    }
    let arcs = arcs_from_subids(&subs)?;
    Some(
        arcs.into_iter()
            .map(|a| u64::try_from(a).unwrap_or(u64::MAX))
            .collect(),
    )
}

/// An `x509.OID` rendered by its `MarshalText` (dotted decimal, any size that fits u128).
fn dotted_oid(content: &[u8]) -> Option<String> {
    let arcs = arcs_from_subids(&oid_subids(content)?)?;
    Some(
        arcs.iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

fn oid_json(arcs: &[u64]) -> Value {
    Value::Array(arcs.iter().map(|&a| Value::from(a)).collect())
}

fn oid_is(arcs: &[u64], want: &[u64]) -> bool {
    arcs == want
}

/// A DER INTEGER as i64 (minimal encoding, in range), as Go's `ReadASN1Integer` into int.
fn der_int(content: &[u8]) -> Option<i64> {
    let (&first, more) = content.split_first()?;
    if let Some(&second) = more.first()
        && ((first == 0 && second & 0x80 == 0) || (first == 0xff && second & 0x80 != 0))
    {
        return None;
    }
    if content.len() > 8 {
        return None;
    }
    let mut v: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    for &b in content {
        v = (v << 8) | i64::from(b);
    }
    Some(v)
}

/// A DER BOOLEAN (cryptobyte accepts only 0x00 and 0xff).
fn der_bool(content: &[u8]) -> Option<bool> {
    match content {
        [0x00] => Some(false),
        [0xff] => Some(true),
        _ => None,
    }
}

/// A BIT STRING's (unused bits, bytes), checked as cryptobyte's `ReadASN1BitString`.
fn der_bit_string(content: &[u8]) -> Option<(u8, &[u8])> {
    let (&unused, bytes) = content.split_first()?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return None;
    }
    if let Some(&last) = bytes.last()
        && last & ((1u8 << unused) - 1) != 0
    {
        return None;
    }
    Some((unused, bytes))
}

/// Go `asn1.BitString.RightAlign`.
fn right_align(unused: u8, bytes: &[u8]) -> Vec<u8> {
    let shift = u32::from(unused);
    if shift == 0 || bytes.is_empty() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        let carry = if i == 0 {
            0
        } else {
            prev.checked_shl(8 - shift).unwrap_or(0)
        };
        out.push(carry | (b >> shift));
        prev = b;
    }
    out
}

// ---------------------------------------------------------------------------------------
// Strings, names and numbers as Go renders them
// ---------------------------------------------------------------------------------------

fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b)
}

fn bmp_string(value: &[u8]) -> Option<String> {
    if !value.len().is_multiple_of(2) {
        return None;
    }
    let value = value.strip_suffix(&[0, 0]).unwrap_or(value);
    let units = value.chunks_exact(2).map(|c| {
        u16::from_be_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ])
    });
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Go x509 `parseASN1String` (attribute values in certificate names).
fn asn1_string(t: &Tlv<'_>) -> Result<String, String> {
    let v = t.content;
    let bad = |what: &str| Err(format!("invalid {what}"));
    if t.class != UNIVERSAL || t.constructed {
        return Err(format!("unsupported string type: {}", t.tag_byte()));
    }
    match t.tag {
        T_T61 => Ok(String::from_utf8_lossy(v).into_owned()),
        T_PRINTABLE if v.iter().all(|&b| is_printable(b)) => {
            Ok(String::from_utf8_lossy(v).into_owned())
        }
        T_PRINTABLE => bad("PrintableString"),
        T_UTF8 => std::str::from_utf8(v)
            .map(str::to_string)
            .or_else(|_| bad("UTF-8 string")),
        T_BMP => bmp_string(v).map_or_else(|| bad("BMPString"), Ok),
        T_IA5 if v.is_ascii() => Ok(String::from_utf8_lossy(v).into_owned()),
        T_IA5 => bad("IA5String"),
        T_NUMERIC if v.iter().all(|&b| b.is_ascii_digit() || b == b' ') => {
            Ok(String::from_utf8_lossy(v).into_owned())
        }
        T_NUMERIC => bad("NumericString"),
        _ => Err(format!("unsupported string type: {}", t.tag_byte())),
    }
}

/// Go `encoding/asn1` decoding into `interface{}` (CSR names and attributes): strings,
/// integers, bit strings, OIDs and octet strings have a Go value; other types are `nil`.
fn asn1_any(t: &Tlv<'_>) -> Result<Value, String> {
    let v = t.content;
    if t.constructed || t.class != UNIVERSAL {
        return Ok(Value::Null);
    }
    let syntax = |what: &str| Err(format!("asn1: syntax error: {what}"));
    let text = || Value::String(String::from_utf8_lossy(v).into_owned());
    match t.tag {
        T_PRINTABLE if v.iter().all(|&b| is_printable(b)) => Ok(text()),
        T_PRINTABLE => syntax("PrintableString contains invalid character"),
        T_NUMERIC if v.iter().all(|&b| b.is_ascii_digit() || b == b' ') => Ok(text()),
        T_NUMERIC => syntax("NumericString contains invalid character"),
        T_IA5 if v.is_ascii() => Ok(text()),
        T_IA5 => syntax("IA5String contains invalid character"),
        T_T61 => Ok(text()),
        T_UTF8 => std::str::from_utf8(v)
            .map(|s| Value::String(s.to_string()))
            .or_else(|_| syntax("invalid UTF-8 string")),
        T_BMP => bmp_string(v)
            .map(Value::String)
            .map_or_else(|| syntax("odd-length BMP string"), Ok),
        T_INTEGER => der_int(v)
            .map(Value::from)
            .ok_or_else(|| "asn1: structure error: integer too large".to_string()),
        T_BIT_STRING => {
            let (unused, bytes) = der_bit_string(v)
                .ok_or_else(|| "asn1: syntax error: invalid bit string".to_string())?;
            let bits = bytes.len() * 8 - usize::from(unused);
            let mut m = Map::new();
            m.insert("Bytes".into(), b64(bytes));
            m.insert("BitLength".into(), Value::from(bits));
            Ok(Value::Object(m))
        }
        T_OID => asn1_oid(v)
            .map(|a| oid_json(&a))
            .ok_or_else(|| "asn1: syntax error: invalid object identifier".to_string()),
        T_OCTET_STRING => Ok(b64(v)),
        _ => Ok(Value::Null),
    }
}

/// Go `pkix.Name` after `FillFromRDNSequence`, from a DER `Name`. `strict` is the
/// certificate parser (values must be strings); otherwise `encoding/asn1` rules (CSRs).
fn go_name(der: &[u8], strict: bool) -> Result<Value, String> {
    let invalid = || "x509: invalid RDNSequence".to_string();
    let rdns = seq_items(der).ok_or_else(invalid)?;
    let mut names = Vec::new();
    let mut common_name = String::new();
    let mut serial = String::new();
    let mut lists: [Vec<Value>; 7] = Default::default();
    for rdn in rdns {
        if !rdn.is(UNIVERSAL, true, T_SET) {
            return Err(invalid());
        }
        for atv in children(rdn.content).ok_or_else(invalid)? {
            let parts = if atv.is_seq() {
                children(atv.content)
            } else {
                None
            }
            .ok_or_else(|| "x509: invalid RDNSequence: invalid attribute".to_string())?;
            let ty = parts
                .first()
                .filter(|t| t.is(UNIVERSAL, false, T_OID))
                .and_then(|t| asn1_oid(t.content))
                .ok_or_else(|| "x509: invalid RDNSequence: invalid attribute type".to_string())?;
            let raw = parts.get(1).ok_or_else(|| {
                "x509: invalid RDNSequence: failed to read attribute value".to_string()
            })?;
            let value = if strict {
                Value::String(asn1_string(raw).map_err(|e| {
                    format!("x509: invalid RDNSequence: invalid attribute value: {e}")
                })?)
            } else {
                asn1_any(raw)?
            };
            if let (Value::String(s), [2, 5, 4, last]) = (&value, ty.as_slice()) {
                let slot = match last {
                    3 => {
                        common_name.clone_from(s);
                        None
                    }
                    5 => {
                        serial.clone_from(s);
                        None
                    }
                    6 => Some(0),
                    10 => Some(1),
                    11 => Some(2),
                    7 => Some(3),
                    8 => Some(4),
                    9 => Some(5),
                    17 => Some(6),
                    _ => None,
                };
                if let Some(list) = slot.and_then(|i| lists.get_mut(i)) {
                    list.push(value.clone());
                }
            }
            let mut m = Map::new();
            m.insert("Type".into(), oid_json(&ty));
            m.insert("Value".into(), value);
            names.push(Value::Object(m));
        }
    }
    let mut out = Map::new();
    let keys = [
        "Country",
        "Organization",
        "OrganizationalUnit",
        "Locality",
        "Province",
        "StreetAddress",
        "PostalCode",
    ];
    for (key, list) in keys.iter().zip(lists) {
        out.insert((*key).into(), nullable(list));
    }
    out.insert("SerialNumber".into(), Value::String(serial));
    out.insert("CommonName".into(), Value::String(common_name));
    out.insert("Names".into(), nullable(names));
    out.insert("ExtraNames".into(), Value::Null);
    Ok(Value::Object(out))
}

/// A Go slice: `null` when nothing was appended.
fn nullable(items: Vec<Value>) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    }
}

fn strings(items: Vec<String>) -> Value {
    nullable(items.into_iter().map(Value::String).collect())
}

/// A Go `*big.Int` after `json.Marshal` → `json.Unmarshal` (a float64); exact when it fits.
fn big_number(decimal: &str) -> Value {
    if let Ok(n) = decimal.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(n) = decimal.parse::<i64>() {
        return Value::from(n);
    }
    decimal
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Go `net.IP.String()`.
fn ip_string(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        let ip = std::net::Ipv6Addr::from(v6);
        return match ip.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => ip.to_string(),
        };
    }
    // Go prints other lengths as "?" followed by hex.
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("?{hex}")
}

/// Go `time.Time.MarshalJSON` for a UTC instant (RFC 3339, fraction without trailing zeros).
fn go_time(nanos: i128) -> Result<Value, String> {
    let ts = jiff::Timestamp::from_nanosecond(nanos).map_err(|e| e.to_string())?;
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    if !(0..=9999).contains(&dt.year()) {
        return Err("Time.MarshalJSON: year outside of range [0,9999]".to_string());
    }
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let frac = dt.subsec_nanosecond();
    if frac > 0 {
        let digits = format!("{frac:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    Ok(Value::String(s))
}

/// Go `domainToReverseLabels(...)` succeeds.
fn valid_domain(domain: &str) -> bool {
    domain.is_empty()
        || domain
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|c| (33..=126).contains(&c)))
}

// ---------------------------------------------------------------------------------------
// URLs (Go `net/url.Parse`, as `url.URL` marshals)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Path,
    Fragment,
}

fn should_escape(c: u8, mode: Escape) -> bool {
    if c.is_ascii_alphanumeric() || b"-_.~".contains(&c) {
        return false;
    }
    if b"$&+,/:;=@".contains(&c) {
        return false;
    }
    match mode {
        Escape::Path => true,
        Escape::Fragment => !b"?!()*".contains(&c),
    }
}

fn escape(s: &[u8], mode: Escape) -> String {
    let mut out = String::new();
    for &c in s {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(char::from(c));
        }
    }
    out
}

fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) if hex.is_some_and(|h| h.bytes().all(|x| x.is_ascii_hexdigit())) => {
                    out.push(v);
                    i += 3;
                }
                _ => {
                    let bad: String = s.get(i..(i + 3).min(s.len())).unwrap_or("%").to_string();
                    return Err(format!("invalid URL escape \"{bad}\""));
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

/// (decoded, raw-if-not-default-encoding), as Go's `setPath` / `setFragment`.
fn decoded_and_raw(raw: &str, mode: Escape) -> Result<(String, String), String> {
    let bytes = unescape(raw)?;
    let raw_keep = if escape(&bytes, mode) == raw {
        String::new()
    } else {
        raw.to_string()
    };
    Ok((String::from_utf8_lossy(&bytes).into_owned(), raw_keep))
}

/// Go `url.Parse(s)` as JSON (`Scheme`, `Opaque`, `User`, `Host`, `Path`, ...).
fn go_url(s: &str) -> Result<Value, String> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    let (rest, fragment) = match s.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    // Scheme.
    let mut scheme = "";
    let mut rest = rest;
    for (i, c) in rest.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || b"+-.".contains(&c) {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".to_string());
            }
            scheme = rest.get(..i).unwrap_or_default();
            rest = rest.get(i + 1..).unwrap_or_default();
        }
        break;
    }
    let scheme = scheme.to_ascii_lowercase();
    let (mut force_query, mut raw_query) = (false, String::new());
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        force_query = true;
        rest = rest.strip_suffix('?').unwrap_or(rest);
    } else if let Some((a, q)) = rest.split_once('?') {
        rest = a;
        raw_query = q.to_string();
    }
    let mut opaque = String::new();
    let (mut user, mut host, mut omit_host) = (Value::Null, String::new(), false);
    let (mut path, mut raw_path) = (String::new(), String::new());
    if !rest.starts_with('/') && !scheme.is_empty() {
        opaque = rest.to_string();
    } else {
        if !rest.starts_with('/') {
            let segment = rest.split('/').next().unwrap_or_default();
            if segment.contains(':') {
                return Err("first path segment in URL cannot contain colon".to_string());
            }
        }
        if (!scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let after = rest.get(2..).unwrap_or_default();
            let (authority, tail) = match after.find('/') {
                Some(i) => (
                    after.get(..i).unwrap_or_default(),
                    after.get(i..).unwrap_or_default(),
                ),
                None => (after, ""),
            };
            rest = tail;
            let h = match authority.rfind('@') {
                Some(i) => {
                    user = Value::Object(Map::new());
                    authority.get(i + 1..).unwrap_or_default()
                }
                None => authority,
            };
            host = go_host(h)?;
        } else if !scheme.is_empty() && rest.starts_with('/') {
            omit_host = true;
        }
        (path, raw_path) = decoded_and_raw(rest, Escape::Path)?;
    }
    let (frag, raw_frag) = match fragment {
        Some(f) => decoded_and_raw(f, Escape::Fragment)?,
        None => (String::new(), String::new()),
    };
    let mut m = Map::new();
    m.insert("Scheme".into(), Value::String(scheme));
    m.insert("Opaque".into(), Value::String(opaque));
    m.insert("User".into(), user);
    m.insert("Host".into(), Value::String(host));
    m.insert("Path".into(), Value::String(path));
    m.insert("RawPath".into(), Value::String(raw_path));
    m.insert("OmitHost".into(), Value::Bool(omit_host));
    m.insert("ForceQuery".into(), Value::Bool(force_query));
    m.insert("RawQuery".into(), Value::String(raw_query));
    m.insert("Fragment".into(), Value::String(frag));
    m.insert("RawFragment".into(), Value::String(raw_frag));
    Ok(Value::Object(m))
}

/// Go `parseHost`: a bracketed IPv6 literal or a name, with an optional numeric port.
fn go_host(h: &str) -> Result<String, String> {
    let port_ok = |p: &str| {
        p.is_empty()
            || p.strip_prefix(':')
                .is_some_and(|d| d.bytes().all(|c| c.is_ascii_digit()))
    };
    if h.starts_with('[') {
        let Some(i) = h.rfind(']') else {
            return Err("missing ']' in host".to_string());
        };
        let port = h.get(i + 1..).unwrap_or_default();
        if !port_ok(port) {
            return Err(format!("invalid port \"{port}\" after host"));
        }
    } else if let Some(i) = h.rfind(':') {
        let port = h.get(i..).unwrap_or_default();
        if !port_ok(port) {
            return Err(format!("invalid port \"{port}\" after host"));
        }
    }
    let bytes = unescape(h)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

// ---------------------------------------------------------------------------------------
// Algorithms and keys
// ---------------------------------------------------------------------------------------

const OID_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const OID_RSA_PSS: &[u64] = &[1, 2, 840, 113_549, 1, 1, 10];
const OID_MGF1: &[u64] = &[1, 2, 840, 113_549, 1, 1, 8];
const OID_SHA256: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 1];
const OID_SHA384: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 2];
const OID_SHA512: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 2, 3];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];

/// Go's `x509.SignatureAlgorithm` values by OID (RSA-PSS is decided by its parameters).
const SIGNATURE_ALGORITHMS: &[(&[u64], i64)] = &[
    (&[1, 2, 840, 113_549, 1, 1, 2], 1),    // MD2WithRSA
    (&[1, 2, 840, 113_549, 1, 1, 4], 2),    // MD5WithRSA
    (&[1, 2, 840, 113_549, 1, 1, 5], 3),    // SHA1WithRSA
    (&[1, 3, 14, 3, 2, 29], 3),             // SHA1WithRSA (ISO OID)
    (&[1, 2, 840, 113_549, 1, 1, 11], 4),   // SHA256WithRSA
    (&[1, 2, 840, 113_549, 1, 1, 12], 5),   // SHA384WithRSA
    (&[1, 2, 840, 113_549, 1, 1, 13], 6),   // SHA512WithRSA
    (&[1, 2, 840, 10_040, 4, 3], 7),        // DSAWithSHA1
    (&[2, 16, 840, 1, 101, 3, 4, 3, 2], 8), // DSAWithSHA256
    (&[1, 2, 840, 10_045, 4, 1], 9),        // ECDSAWithSHA1
    (&[1, 2, 840, 10_045, 4, 3, 2], 10),    // ECDSAWithSHA256
    (&[1, 2, 840, 10_045, 4, 3, 3], 11),    // ECDSAWithSHA384
    (&[1, 2, 840, 10_045, 4, 3, 4], 12),    // ECDSAWithSHA512
    (OID_ED25519, 16),                      // PureEd25519
];

/// Go's `x509.PublicKeyAlgorithm` values by OID.
const PUBLIC_KEY_ALGORITHMS: &[(&[u64], i64)] = &[
    (OID_RSA, 1),                    // RSA
    (&[1, 2, 840, 10_040, 4, 1], 2), // DSA
    (&[1, 2, 840, 10_045, 2, 1], 3), // ECDSA
    (OID_ED25519, 4),                // Ed25519
];

/// Go's `x509.ExtKeyUsage` values by OID.
const EXT_KEY_USAGES: &[(&[u64], i64)] = &[
    (&[2, 5, 29, 37, 0], 0),                  // Any
    (&[1, 3, 6, 1, 5, 5, 7, 3, 1], 1),        // ServerAuth
    (&[1, 3, 6, 1, 5, 5, 7, 3, 2], 2),        // ClientAuth
    (&[1, 3, 6, 1, 5, 5, 7, 3, 3], 3),        // CodeSigning
    (&[1, 3, 6, 1, 5, 5, 7, 3, 4], 4),        // EmailProtection
    (&[1, 3, 6, 1, 5, 5, 7, 3, 5], 5),        // IPSECEndSystem
    (&[1, 3, 6, 1, 5, 5, 7, 3, 6], 6),        // IPSECTunnel
    (&[1, 3, 6, 1, 5, 5, 7, 3, 7], 7),        // IPSECUser
    (&[1, 3, 6, 1, 5, 5, 7, 3, 8], 8),        // TimeStamping
    (&[1, 3, 6, 1, 5, 5, 7, 3, 9], 9),        // OCSPSigning
    (&[1, 3, 6, 1, 4, 1, 311, 10, 3, 3], 10), // MicrosoftServerGatedCrypto
    (&[2, 16, 840, 1, 113_730, 4, 1], 11),    // NetscapeServerGatedCrypto
    (&[1, 3, 6, 1, 4, 1, 311, 2, 1, 22], 12), // MicrosoftCommercialCodeSigning
    (&[1, 3, 6, 1, 4, 1, 311, 61, 1, 1], 13), // MicrosoftKernelCodeSigning
];

fn lookup(table: &[(&[u64], i64)], oid: &[u64]) -> Option<i64> {
    table.iter().find(|(o, _)| *o == oid).map(|(_, v)| *v)
}

/// An AlgorithmIdentifier: (OID arcs, parameters element if any).
fn algorithm_identifier<'a>(t: &Tlv<'a>) -> Option<(Vec<u64>, Option<Tlv<'a>>)> {
    if !t.is_seq() {
        return None;
    }
    let parts = children(t.content)?;
    let oid = parts.first().filter(|o| o.is(UNIVERSAL, false, T_OID))?;
    Some((asn1_oid(oid.content)?, parts.get(1).copied()))
}

/// A hash AlgorithmIdentifier's OID, if its parameters are absent or NULL.
fn hash_oid(t: &Tlv<'_>) -> Option<Vec<u64>> {
    let (oid, params) = algorithm_identifier(t)?;
    match params {
        None => Some(oid),
        Some(p) if p.is(UNIVERSAL, false, T_NULL) && p.content.is_empty() => Some(oid),
        Some(_) => None,
    }
}

/// Go `getSignatureAlgorithmFromAI`.
fn signature_algorithm(t: &Tlv<'_>) -> i64 {
    let Some((oid, params)) = algorithm_identifier(t) else {
        return 0;
    };
    if oid == OID_ED25519 && params.is_some() {
        return 0;
    }
    if oid != OID_RSA_PSS {
        return lookup(SIGNATURE_ALGORITHMS, &oid).unwrap_or(0);
    }
    pss_algorithm(params.as_ref()).unwrap_or(0)
}

/// RSASSA-PSS parameters: hash, MGF1 with the same hash, salt = hash size, trailer 1.
fn pss_algorithm(params: Option<&Tlv<'_>>) -> Option<i64> {
    let params = params.filter(|p| p.is_seq())?;
    let mut hash = None;
    let mut mgf = None;
    let mut salt = None;
    let mut trailer = 1;
    for field in children(params.content)? {
        let inner = || read_tlv(field.content).map(|(t, _)| t);
        match (field.class, field.constructed, field.tag) {
            (CONTEXT, true, 0) => hash = Some(hash_oid(&inner()?)?),
            (CONTEXT, true, 1) => mgf = Some(inner()?),
            (CONTEXT, true, 2) => salt = Some(der_int(inner()?.content)?),
            (CONTEXT, true, 3) => trailer = der_int(inner()?.content)?,
            _ => return None,
        }
    }
    let (hash, mgf, salt) = (hash?, mgf?, salt?);
    let (mgf_oid, mgf_params) = algorithm_identifier(&mgf)?;
    if mgf_oid != OID_MGF1 || hash_oid(&mgf_params?)? != hash || trailer != 1 {
        return None;
    }
    match (hash.as_slice(), salt) {
        (h, 32) if h == OID_SHA256 => Some(13),
        (h, 48) if h == OID_SHA384 => Some(14),
        (h, 64) if h == OID_SHA512 => Some(15),
        _ => None,
    }
}

/// Reads a SubjectPublicKeyInfo: (Go `PublicKeyAlgorithm`, Kyverno's `PublicKey`).
fn public_key(spki: &[u8]) -> Result<(i64, Value), String> {
    let parts = seq_items(spki).ok_or("x509: malformed spki")?;
    let (oid, params) = parts
        .first()
        .and_then(algorithm_identifier)
        .ok_or("x509: malformed public key algorithm identifier")?;
    let algorithm = lookup(PUBLIC_KEY_ALGORITHMS, &oid).unwrap_or(0);
    if algorithm != 1 {
        return Err("certificate should use rsa algorithm".to_string());
    }
    if params.is_none_or(|p| p.full != [0x05, 0x00]) {
        return Err("x509: RSA key missing NULL parameters".to_string());
    }
    let key = parts
        .get(1)
        .filter(|t| t.is(UNIVERSAL, false, T_BIT_STRING))
        .and_then(|t| der_bit_string(t.content))
        .ok_or("x509: malformed subjectPublicKey")?;
    let key = right_align(key.0, key.1);
    let (seq, trailing) = read_tlv(&key)
        .filter(|(t, _)| t.is_seq())
        .ok_or("x509: invalid RSA public key")?;
    let ints = children(seq.content).ok_or("x509: invalid RSA public key")?;
    let n = ints
        .first()
        .filter(|t| t.is(UNIVERSAL, false, T_INTEGER) && minimal_int(t.content))
        .ok_or("x509: invalid RSA modulus")?;
    let e = ints
        .get(1)
        .filter(|t| t.is(UNIVERSAL, false, T_INTEGER))
        .and_then(|t| der_int(t.content))
        .ok_or("x509: invalid RSA public exponent")?;
    if n.content.first().is_none_or(|b| b & 0x80 != 0) || n.content.iter().all(|&b| b == 0) {
        return Err("x509: RSA modulus is not a positive number".to_string());
    }
    if e <= 0 {
        return Err("x509: RSA public exponent is not a positive number".to_string());
    }
    // Kyverno re-reads the key with ParsePKCS1PublicKey: no trailing data, exponent < 2^31.
    if !trailing.is_empty() || ints.len() != 2 || e > 0x7fff_ffff {
        return Err("failed to parse subject public key info".to_string());
    }
    let modulus = x509_parser::num_bigint::BigUint::from_bytes_be(n.content).to_string();
    let mut pk = Map::new();
    pk.insert("N".into(), Value::String(modulus));
    pk.insert("E".into(), Value::from(e));
    Ok((algorithm, Value::Object(pk)))
}

fn minimal_int(content: &[u8]) -> bool {
    match content {
        [] => false,
        [0, b, ..] => b & 0x80 != 0,
        [0xff, b, ..] => b & 0x80 == 0,
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------
// Extensions
// ---------------------------------------------------------------------------------------

/// Go's `Certificate` fields that extensions fill (zero values = Go's).
#[derive(Default)]
struct ExtFields {
    extensions: Vec<Value>,
    unhandled_critical: Vec<Value>,
    key_usage: i64,
    ext_key_usage: Vec<Value>,
    unknown_ext_key_usage: Vec<Value>,
    basic_constraints_valid: bool,
    is_ca: bool,
    max_path_len: i64,
    max_path_len_zero: bool,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    ocsp_server: Vec<String>,
    issuing_certificate_url: Vec<String>,
    san: San,
    permitted_dns_critical: bool,
    permitted: Subtrees,
    excluded: Subtrees,
    crl_distribution_points: Vec<String>,
    policy_identifiers: Option<Vec<Value>>,
    policies: Vec<Value>,
    inhibit_any_policy: i64,
    inhibit_any_policy_zero: bool,
    inhibit_policy_mapping: i64,
    inhibit_policy_mapping_zero: bool,
    require_explicit_policy: i64,
    require_explicit_policy_zero: bool,
    policy_mappings: Vec<Value>,
}

/// Subject alternative names.
#[derive(Default)]
struct San {
    dns: Vec<String>,
    email: Vec<String>,
    ip: Vec<String>,
    uri: Vec<Value>,
}

impl San {
    fn is_empty(&self) -> bool {
        self.dns.is_empty() && self.email.is_empty() && self.ip.is_empty() && self.uri.is_empty()
    }
}

/// One side of name constraints.
#[derive(Default)]
struct Subtrees {
    dns: Vec<String>,
    ip: Vec<Value>,
    email: Vec<String>,
    uri: Vec<String>,
}

fn ia5(bytes: &[u8], what: &str) -> Result<String, String> {
    if bytes.is_ascii() {
        Ok(String::from_utf8_lossy(bytes).into_owned())
    } else {
        Err(what.to_string())
    }
}

/// Go `parseSANExtension`.
fn parse_san(value: &[u8]) -> Result<San, String> {
    let names = seq_items(value).ok_or("x509: invalid subject alternative names")?;
    let mut san = San::default();
    for name in names {
        if name.class != CONTEXT {
            continue;
        }
        match name.tag {
            1 => san
                .email
                .push(ia5(name.content, "x509: SAN rfc822Name is malformed")?),
            2 => san
                .dns
                .push(ia5(name.content, "x509: SAN dNSName is malformed")?),
            6 => {
                let s = ia5(
                    name.content,
                    "x509: SAN uniformResourceIdentifier is malformed",
                )?;
                let url = go_url(&s).map_err(|e| format!("x509: cannot parse URI {s:?}: {e}"))?;
                let host = url.get("Host").and_then(Value::as_str).unwrap_or_default();
                if !valid_domain(host) {
                    return Err(format!("x509: cannot parse URI {s:?}: invalid domain"));
                }
                san.uri.push(url);
            }
            7 => match name.content.len() {
                4 | 16 => san.ip.push(ip_string(name.content)),
                n => return Err(format!("x509: cannot parse IP address of length {n}")),
            },
            _ => {}
        }
    }
    Ok(san)
}

/// Go `parseNameConstraintsExtension`; returns whether some constraint type was unhandled.
fn parse_name_constraints(value: &[u8], out: &mut ExtFields) -> Result<bool, String> {
    let invalid = || "x509: invalid NameConstraints extension".to_string();
    let (top, rest) = read_tlv(value)
        .filter(|(t, _)| t.is_seq())
        .ok_or_else(invalid)?;
    if !rest.is_empty() {
        return Err(invalid());
    }
    let parts = children(top.content).ok_or_else(invalid)?;
    let mut permitted = None;
    let mut excluded = None;
    let mut iter = parts.iter().peekable();
    if let Some(t) = iter.next_if(|t| t.is(CONTEXT, true, 0)) {
        permitted = Some(t.content);
    }
    if let Some(t) = iter.next_if(|t| t.is(CONTEXT, true, 1)) {
        excluded = Some(t.content);
    }
    if iter.next().is_some() {
        return Err(invalid());
    }
    if permitted.is_none_or(<[u8]>::is_empty) && excluded.is_none_or(<[u8]>::is_empty) {
        return Err("x509: empty name constraints extension".to_string());
    }
    let mut unhandled = false;
    let mut values = |subtrees: &[u8]| -> Result<Subtrees, String> {
        let mut out = Subtrees::default();
        for sub in children(subtrees).ok_or_else(invalid)? {
            let base = if sub.is_seq() {
                read_tlv(sub.content).map(|(t, _)| t)
            } else {
                None
            }
            .ok_or_else(invalid)?;
            if base.class != CONTEXT {
                unhandled = true;
                continue;
            }
            let bad = |e: &str| format!("x509: invalid constraint value: {e}");
            match base.tag {
                2 => {
                    let d = ia5(base.content, &bad("IA5String contains invalid character"))?;
                    if !valid_domain(d.strip_prefix('.').unwrap_or(&d)) {
                        return Err(format!("x509: failed to parse dnsName constraint {d:?}"));
                    }
                    out.dns.push(d);
                }
                7 => {
                    let v = base.content;
                    let half = match v.len() {
                        8 => 4,
                        32 => 16,
                        n => {
                            return Err(format!(
                                "x509: IP constraint contained value of length {n}"
                            ));
                        }
                    };
                    let (ip, mask) = v.split_at(half);
                    if !valid_mask(mask) {
                        let hex: String = mask.iter().map(|b| format!("{b:02x}")).collect();
                        return Err(format!("x509: IP constraint contained invalid mask {hex}"));
                    }
                    let mut m = Map::new();
                    m.insert("IP".into(), Value::String(ip_string(ip)));
                    m.insert("Mask".into(), b64(mask));
                    out.ip.push(Value::Object(m));
                }
                1 => {
                    let c = ia5(base.content, &bad("IA5String contains invalid character"))?;
                    if !c.contains('@') && !valid_domain(c.strip_prefix('.').unwrap_or(&c)) {
                        return Err(format!("x509: failed to parse rfc822Name constraint {c:?}"));
                    }
                    out.email.push(c);
                }
                6 => {
                    let d = ia5(base.content, &bad("IA5String contains invalid character"))?;
                    if d.parse::<std::net::IpAddr>().is_ok() {
                        return Err(format!(
                            "x509: failed to parse URI constraint {d:?}: cannot be IP address"
                        ));
                    }
                    if !valid_domain(d.strip_prefix('.').unwrap_or(&d)) {
                        return Err(format!("x509: failed to parse URI constraint {d:?}"));
                    }
                    out.uri.push(d);
                }
                _ => unhandled = true,
            }
        }
        Ok(out)
    };
    out.permitted = values(permitted.unwrap_or_default())?;
    out.excluded = values(excluded.unwrap_or_default())?;
    Ok(unhandled)
}

/// Go `isValidIPMask`: ones, then zeros.
fn valid_mask(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    for &b in mask {
        if seen_zero {
            if b != 0 {
                return false;
            }
        } else if b != 0xff {
            if b.leading_ones() + b.trailing_zeros() != 8 {
                return false;
            }
            seen_zero = true;
        }
    }
    true
}

/// Processes one certificate extension as Go's `processExtensions` does.
fn certificate_extension(
    arcs: &[u64],
    critical: bool,
    value: &[u8],
    out: &mut ExtFields,
) -> Result<(), String> {
    let mut unhandled = false;
    match arcs {
        [2, 5, 29, id] => match id {
            15 => {
                let (unused, bytes) = read_tlv(value)
                    .filter(|(t, _)| t.is(UNIVERSAL, false, T_BIT_STRING))
                    .and_then(|(t, _)| der_bit_string(t.content))
                    .ok_or("x509: invalid key usage")?;
                let bit_len = bytes.len() * 8 - usize::from(unused);
                for i in 0..9usize.min(bit_len) {
                    let byte = bytes.get(i / 8).copied().unwrap_or(0);
                    if byte & (0x80 >> (i % 8)) != 0 {
                        out.key_usage |= 1 << i;
                    }
                }
            }
            19 => {
                let items = seq_items(value).ok_or("x509: invalid basic constraints")?;
                let mut it = items.iter().peekable();
                let mut is_ca = false;
                if let Some(t) = it.next_if(|t| t.is(UNIVERSAL, false, T_BOOLEAN)) {
                    is_ca = der_bool(t.content).ok_or("x509: invalid basic constraints")?;
                }
                let mut max = -1;
                if let Some(t) = it.next_if(|t| t.is(UNIVERSAL, false, T_INTEGER)) {
                    max = der_int(t.content).ok_or("x509: invalid basic constraints")?;
                }
                out.is_ca = is_ca;
                out.max_path_len = max;
                out.basic_constraints_valid = true;
                out.max_path_len_zero = max == 0;
            }
            17 => {
                out.san = parse_san(value)?;
                unhandled = out.san.is_empty();
            }
            30 => {
                unhandled = parse_name_constraints(value, out)?;
                out.permitted_dns_critical = critical;
            }
            31 => {
                let bad = || "x509: invalid CRL distribution points".to_string();
                for dp in seq_items(value).ok_or_else(bad)? {
                    if !dp.is_seq() {
                        return Err(bad());
                    }
                    let fields = children(dp.content).ok_or_else(bad)?;
                    let Some(name) = fields.first().filter(|t| t.is(CONTEXT, true, 0)) else {
                        continue;
                    };
                    let (full, _) = read_tlv(name.content)
                        .filter(|(t, _)| t.is(CONTEXT, true, 0))
                        .ok_or_else(bad)?;
                    for gn in children(full.content).ok_or_else(bad)? {
                        if !gn.is(CONTEXT, false, 6) {
                            break;
                        }
                        out.crl_distribution_points
                            .push(String::from_utf8_lossy(gn.content).into_owned());
                    }
                }
            }
            35 => {
                let items = seq_items(value).ok_or("x509: invalid authority key identifier")?;
                if let Some(t) = items
                    .first()
                    .filter(|t| t.class == CONTEXT && t.tag == 0 && !t.constructed)
                {
                    out.authority_key_id = Some(t.content.to_vec());
                }
            }
            36 => {
                let bad = || "x509: invalid policy constraints extension".to_string();
                for t in seq_items(value).ok_or_else(bad)? {
                    match (t.class, t.constructed, t.tag) {
                        (CONTEXT, false, 0) => {
                            out.require_explicit_policy = der_int(t.content).ok_or_else(bad)?;
                            out.require_explicit_policy_zero = out.require_explicit_policy == 0;
                        }
                        (CONTEXT, false, 1) => {
                            out.inhibit_policy_mapping = der_int(t.content).ok_or_else(bad)?;
                            out.inhibit_policy_mapping_zero = out.inhibit_policy_mapping == 0;
                        }
                        _ => return Err(bad()),
                    }
                }
            }
            33 => {
                let bad = || "x509: invalid policy mappings extension".to_string();
                for m in seq_items(value).ok_or_else(bad)? {
                    let pair = if m.is_seq() {
                        children(m.content)
                    } else {
                        None
                    }
                    .ok_or_else(bad)?;
                    let oid = |i: usize| {
                        pair.get(i)
                            .filter(|t| t.is(UNIVERSAL, false, T_OID))
                            .and_then(|t| dotted_oid(t.content))
                            .ok_or_else(bad)
                    };
                    let mut pm = Map::new();
                    pm.insert("IssuerDomainPolicy".into(), Value::String(oid(0)?));
                    pm.insert("SubjectDomainPolicy".into(), Value::String(oid(1)?));
                    out.policy_mappings.push(Value::Object(pm));
                }
            }
            37 => {
                let bad = || "x509: invalid extended key usages".to_string();
                for t in seq_items(value).ok_or_else(bad)? {
                    let eku = Some(t)
                        .filter(|t| t.is(UNIVERSAL, false, T_OID))
                        .and_then(|t| asn1_oid(t.content))
                        .ok_or_else(bad)?;
                    match lookup(EXT_KEY_USAGES, &eku) {
                        Some(v) => out.ext_key_usage.push(Value::from(v)),
                        None => out.unknown_ext_key_usage.push(oid_json(&eku)),
                    }
                }
            }
            14 => {
                let (t, _) = read_tlv(value)
                    .filter(|(t, _)| t.is(UNIVERSAL, false, T_OCTET_STRING))
                    .ok_or("x509: invalid subject key identifier")?;
                out.subject_key_id = Some(t.content.to_vec());
            }
            32 => {
                let bad = || "x509: invalid certificate policies".to_string();
                let mut ids = Vec::new();
                for p in seq_items(value).ok_or_else(bad)? {
                    let oid = if p.is_seq() {
                        children(p.content)
                    } else {
                        None
                    }
                    .and_then(|f| f.first().copied())
                    .filter(|t| t.is(UNIVERSAL, false, T_OID))
                    .ok_or_else(bad)?;
                    out.policies
                        .push(Value::String(dotted_oid(oid.content).ok_or_else(bad)?));
                    if let Some(arcs) = asn1_oid(oid.content) {
                        ids.push(oid_json(&arcs));
                    }
                }
                out.policy_identifiers = Some(ids);
            }
            54 => {
                let (t, _) = read_tlv(value)
                    .filter(|(t, _)| t.is(UNIVERSAL, false, T_INTEGER))
                    .ok_or("x509: invalid inhibit any policy extension")?;
                out.inhibit_any_policy =
                    der_int(t.content).ok_or("x509: invalid inhibit any policy extension")?;
                out.inhibit_any_policy_zero = out.inhibit_any_policy == 0;
            }
            _ => unhandled = true,
        },
        [1, 3, 6, 1, 5, 5, 7, 1, 1] => {
            let bad = || "x509: invalid authority info access".to_string();
            for ad in seq_items(value).ok_or_else(bad)? {
                let parts = if ad.is_seq() {
                    children(ad.content)
                } else {
                    None
                }
                .ok_or_else(bad)?;
                let method = parts
                    .first()
                    .filter(|t| t.is(UNIVERSAL, false, T_OID))
                    .and_then(|t| asn1_oid(t.content))
                    .ok_or_else(bad)?;
                let Some(loc) = parts.get(1).filter(|t| t.is(CONTEXT, false, 6)) else {
                    continue;
                };
                let loc = String::from_utf8_lossy(loc.content).into_owned();
                if oid_is(&method, &[1, 3, 6, 1, 5, 5, 7, 48, 1]) {
                    out.ocsp_server.push(loc);
                } else if oid_is(&method, &[1, 3, 6, 1, 5, 5, 7, 48, 2]) {
                    out.issuing_certificate_url.push(loc);
                }
            }
        }
        _ => unhandled = true,
    }
    if critical && unhandled {
        out.unhandled_critical.push(oid_json(arcs));
    }
    Ok(())
}

fn extension_json(arcs: &[u64], critical: bool, value: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), oid_json(arcs));
    m.insert("Critical".into(), Value::Bool(critical));
    m.insert("Value".into(), b64(value));
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------
// Certificates and requests
// ---------------------------------------------------------------------------------------

fn certificate(der: &[u8]) -> Result<Value, String> {
    let (rest, cert) = X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
        .map_err(|e| format!("x509: malformed certificate: {e}"))?;
    if !rest.is_empty() {
        return Err("x509: trailing data".to_string());
    }
    let tbs = &cert.tbs_certificate;
    let raw = cert.as_raw();
    let raw_tbs: &[u8] = tbs.as_ref();

    // Signature algorithm: the TBS copy must equal the outer one (byte for byte).
    let outer = seq_items(raw).ok_or("x509: malformed certificate")?;
    let tbs_fields = seq_items(raw_tbs).ok_or("x509: malformed tbs certificate")?;
    let explicit_version = tbs_fields.first().is_some_and(|t| t.is(CONTEXT, true, 0));
    let inner_alg = tbs_fields
        .get(if explicit_version { 2 } else { 1 })
        .ok_or("x509: malformed signature algorithm identifier")?;
    let outer_alg = outer.get(1).ok_or("x509: malformed algorithm identifier")?;
    if inner_alg.full != outer_alg.full {
        return Err(
            "x509: inner and outer signature algorithm identifiers don't match".to_string(),
        );
    }

    let version = i64::from(tbs.version.0) + 1;
    if version > 3 {
        return Err("x509: invalid version".to_string());
    }
    let serial = tbs.raw_serial();
    match serial.first() {
        None => return Err("x509: malformed serial number".to_string()),
        Some(b) if b & 0x80 != 0 => return Err("x509: negative serial number".to_string()),
        Some(_) => {}
    }
    let serial = x509_parser::num_bigint::BigUint::from_bytes_be(serial).to_string();

    let issuer = go_name(tbs.issuer.as_raw(), true)?;
    let subject = go_name(tbs.subject.as_raw(), true)?;
    let not_before = go_time(tbs.validity.not_before.to_datetime().unix_timestamp_nanos())?;
    let not_after = go_time(tbs.validity.not_after.to_datetime().unix_timestamp_nanos())?;

    let mut ext = ExtFields::default();
    let mut seen = std::collections::HashSet::new();
    for e in tbs.extensions() {
        let arcs = asn1_oid(e.oid.as_bytes()).ok_or("x509: malformed extension OID field")?;
        if !seen.insert(arcs.clone()) {
            return Err("x509: certificate contains duplicate extensions".to_string());
        }
        ext.extensions
            .push(extension_json(&arcs, e.critical, e.value));
        certificate_extension(&arcs, e.critical, e.value, &mut ext)?;
    }

    // Kyverno: RSA keys only.
    let (public_key_algorithm, public_key) = public_key(tbs.subject_pki.raw)?;
    let signature = cert.signature_value.data.as_ref();
    let signature = right_align(cert.signature_value.unused_bits, signature);

    let mut m = Map::new();
    m.insert("Raw".into(), b64(raw));
    m.insert("RawTBSCertificate".into(), b64(raw_tbs));
    m.insert("RawSubjectPublicKeyInfo".into(), b64(tbs.subject_pki.raw));
    m.insert("RawSubject".into(), b64(tbs.subject.as_raw()));
    m.insert("RawIssuer".into(), b64(tbs.issuer.as_raw()));
    m.insert("Signature".into(), b64(&signature));
    m.insert(
        "SignatureAlgorithm".into(),
        Value::from(signature_algorithm(inner_alg)),
    );
    m.insert(
        "PublicKeyAlgorithm".into(),
        Value::from(public_key_algorithm),
    );
    m.insert("PublicKey".into(), public_key);
    m.insert("Version".into(), Value::from(version));
    m.insert("SerialNumber".into(), big_number(&serial));
    m.insert("Issuer".into(), issuer);
    m.insert("Subject".into(), subject);
    m.insert("NotBefore".into(), not_before);
    m.insert("NotAfter".into(), not_after);
    m.insert("KeyUsage".into(), Value::from(ext.key_usage));
    m.insert("Extensions".into(), nullable(ext.extensions));
    m.insert("ExtraExtensions".into(), Value::Null);
    m.insert(
        "UnhandledCriticalExtensions".into(),
        nullable(ext.unhandled_critical),
    );
    m.insert("ExtKeyUsage".into(), nullable(ext.ext_key_usage));
    m.insert(
        "UnknownExtKeyUsage".into(),
        nullable(ext.unknown_ext_key_usage),
    );
    m.insert(
        "BasicConstraintsValid".into(),
        Value::Bool(ext.basic_constraints_valid),
    );
    m.insert("IsCA".into(), Value::Bool(ext.is_ca));
    m.insert("MaxPathLen".into(), Value::from(ext.max_path_len));
    m.insert("MaxPathLenZero".into(), Value::Bool(ext.max_path_len_zero));
    m.insert(
        "SubjectKeyId".into(),
        ext.subject_key_id.as_deref().map_or(Value::Null, b64),
    );
    m.insert(
        "AuthorityKeyId".into(),
        ext.authority_key_id.as_deref().map_or(Value::Null, b64),
    );
    m.insert("OCSPServer".into(), strings(ext.ocsp_server));
    m.insert(
        "IssuingCertificateURL".into(),
        strings(ext.issuing_certificate_url),
    );
    insert_san(&mut m, ext.san);
    m.insert(
        "PermittedDNSDomainsCritical".into(),
        Value::Bool(ext.permitted_dns_critical),
    );
    m.insert("PermittedDNSDomains".into(), strings(ext.permitted.dns));
    m.insert("ExcludedDNSDomains".into(), strings(ext.excluded.dns));
    m.insert("PermittedIPRanges".into(), nullable(ext.permitted.ip));
    m.insert("ExcludedIPRanges".into(), nullable(ext.excluded.ip));
    m.insert(
        "PermittedEmailAddresses".into(),
        strings(ext.permitted.email),
    );
    m.insert("ExcludedEmailAddresses".into(), strings(ext.excluded.email));
    m.insert("PermittedURIDomains".into(), strings(ext.permitted.uri));
    m.insert("ExcludedURIDomains".into(), strings(ext.excluded.uri));
    m.insert(
        "CRLDistributionPoints".into(),
        strings(ext.crl_distribution_points),
    );
    m.insert(
        "PolicyIdentifiers".into(),
        ext.policy_identifiers.map_or(Value::Null, Value::Array),
    );
    m.insert("Policies".into(), nullable(ext.policies));
    m.insert(
        "InhibitAnyPolicy".into(),
        Value::from(ext.inhibit_any_policy),
    );
    m.insert(
        "InhibitAnyPolicyZero".into(),
        Value::Bool(ext.inhibit_any_policy_zero),
    );
    m.insert(
        "InhibitPolicyMapping".into(),
        Value::from(ext.inhibit_policy_mapping),
    );
    m.insert(
        "InhibitPolicyMappingZero".into(),
        Value::Bool(ext.inhibit_policy_mapping_zero),
    );
    m.insert(
        "RequireExplicitPolicy".into(),
        Value::from(ext.require_explicit_policy),
    );
    m.insert(
        "RequireExplicitPolicyZero".into(),
        Value::Bool(ext.require_explicit_policy_zero),
    );
    m.insert("PolicyMappings".into(), nullable(ext.policy_mappings));
    Ok(Value::Object(m))
}

fn insert_san(m: &mut Map<String, Value>, san: San) {
    m.insert("DNSNames".into(), strings(san.dns));
    m.insert("EmailAddresses".into(), strings(san.email));
    m.insert("IPAddresses".into(), strings(san.ip));
    m.insert("URIs".into(), nullable(san.uri));
}

const OID_EXTENSION_REQUEST: &[u64] = &[1, 2, 840, 113_549, 1, 9, 14];

/// Go `parseRawAttributes`: attributes shaped as `SET OF SEQUENCE OF {OID, value}`
/// (an extension request's extensions read that way); others are dropped.
fn csr_attribute(full: &[u8]) -> Option<Value> {
    let parts = seq_items(full)?;
    let ty = parts
        .first()
        .filter(|t| t.is(UNIVERSAL, false, T_OID))
        .and_then(|t| asn1_oid(t.content))?;
    let set = parts.get(1).filter(|t| t.is(UNIVERSAL, true, T_SET))?;
    let mut values = Vec::new();
    for seq in children(set.content)? {
        if !seq.is_seq() {
            return None;
        }
        let mut atvs = Vec::new();
        for atv in children(seq.content)? {
            if !atv.is_seq() {
                return None;
            }
            let fields = children(atv.content)?;
            let oid = fields
                .first()
                .filter(|t| t.is(UNIVERSAL, false, T_OID))
                .and_then(|t| asn1_oid(t.content))?;
            let value = asn1_any(fields.get(1)?).ok()?;
            let mut m = Map::new();
            m.insert("Type".into(), oid_json(&oid));
            m.insert("Value".into(), value);
            atvs.push(Value::Object(m));
        }
        values.push(Value::Array(atvs));
    }
    let mut m = Map::new();
    m.insert("Type".into(), oid_json(&ty));
    m.insert("Value".into(), Value::Array(values));
    Some(Value::Object(m))
}

/// Go `parseCSRExtensions`: the extensions of every extension-request attribute.
fn csr_extensions(full: &[u8], out: &mut Vec<(Vec<u64>, bool, Vec<u8>)>) -> Result<(), String> {
    let Some(parts) = seq_items(full) else {
        return Ok(());
    };
    let ty = parts
        .first()
        .filter(|t| t.is(UNIVERSAL, false, T_OID))
        .and_then(|t| asn1_oid(t.content));
    let first_value = parts
        .get(1)
        .filter(|t| t.is(UNIVERSAL, true, T_SET))
        .and_then(|s| children(s.content))
        .and_then(|v| v.first().copied());
    let (Some(ty), Some(first_value)) = (ty, first_value) else {
        return Ok(());
    };
    if ty != OID_EXTENSION_REQUEST {
        return Ok(());
    }
    let bad = || "asn1: structure error: invalid extension request".to_string();
    if !first_value.is_seq() {
        return Err(bad());
    }
    for e in children(first_value.content).ok_or_else(bad)? {
        let fields = if e.is_seq() {
            children(e.content)
        } else {
            None
        }
        .ok_or_else(bad)?;
        let mut it = fields.iter().peekable();
        let id = it
            .next()
            .filter(|t| t.is(UNIVERSAL, false, T_OID))
            .and_then(|t| asn1_oid(t.content))
            .ok_or_else(bad)?;
        let critical = match it.next_if(|t| t.is(UNIVERSAL, false, T_BOOLEAN)) {
            Some(t) => der_bool(t.content).ok_or_else(bad)?,
            None => false,
        };
        let value = it
            .next()
            .filter(|t| t.is(UNIVERSAL, false, T_OCTET_STRING))
            .ok_or_else(bad)?;
        if out.iter().any(|(o, _, _)| *o == id) {
            return Err(
                "x509: certificate request contains duplicate requested extensions".to_string(),
            );
        }
        out.push((id, critical, value.content.to_vec()));
    }
    Ok(())
}

fn request(der: &[u8]) -> Result<Value, String> {
    let (rest, csr) = X509CertificationRequest::from_der(der)
        .map_err(|e| format!("x509: malformed certificate request: {e}"))?;
    if !rest.is_empty() {
        return Err("asn1: syntax error: trailing data".to_string());
    }
    let info = &csr.certification_request_info;
    let raw = csr.as_raw();
    let outer = seq_items(raw).ok_or("x509: malformed certificate request")?;
    let sig_alg = outer.get(1).ok_or("x509: malformed certificate request")?;

    let (public_key_algorithm, public_key) = public_key(info.subject_pki.raw)?;
    let subject = go_name(info.subject.as_raw(), false)?;

    let mut attributes = Vec::new();
    let mut extensions = Vec::new();
    // The attributes, as DER: the `[0]` element that ends the request info.
    let info_fields = seq_items(info.raw).ok_or("x509: malformed certificate request")?;
    let raw_attributes = info_fields
        .last()
        .filter(|t| t.is(CONTEXT, true, 0))
        .and_then(|t| children(t.content))
        .unwrap_or_default();
    for attr in raw_attributes {
        if let Some(a) = csr_attribute(attr.full) {
            attributes.push(a);
        }
        csr_extensions(attr.full, &mut extensions)?;
    }
    let mut san = San::default();
    for (id, _, value) in &extensions {
        if id.as_slice() == [2, 5, 29, 17] {
            san = parse_san(value)?;
        }
    }
    let signature = right_align(
        csr.signature_value.unused_bits,
        csr.signature_value.data.as_ref(),
    );

    let mut m = Map::new();
    m.insert("Raw".into(), b64(raw));
    m.insert("RawTBSCertificateRequest".into(), b64(info.raw));
    m.insert("RawSubjectPublicKeyInfo".into(), b64(info.subject_pki.raw));
    m.insert("RawSubject".into(), b64(info.subject.as_raw()));
    m.insert("Version".into(), Value::from(info.version.0));
    m.insert("Signature".into(), b64(&signature));
    m.insert(
        "SignatureAlgorithm".into(),
        Value::from(signature_algorithm(sig_alg)),
    );
    m.insert(
        "PublicKeyAlgorithm".into(),
        Value::from(public_key_algorithm),
    );
    m.insert("PublicKey".into(), public_key);
    m.insert("Subject".into(), subject);
    m.insert("Attributes".into(), nullable(attributes));
    m.insert(
        "Extensions".into(),
        nullable(
            extensions
                .iter()
                .map(|(id, c, v)| extension_json(id, *c, v))
                .collect(),
        ),
    );
    m.insert("ExtraExtensions".into(), Value::Null);
    insert_san(&mut m, san);
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    //! CV-16 `x509_decode`. Oracle: certificates made with OpenSSL by
    //! `tests/data/x509/gen.sh`, whose fields are the ones that script sets (moduli as
    //! OpenSSL prints them), and Go's encoding rules for the values (documented per test).
    use super::*;
    use serde_json::json;

    macro_rules! data {
        ($name:literal) => {
            include_str!(concat!("../tests/data/x509/", $name))
        };
    }

    fn ok(pem: &str) -> Value {
        decode(pem).unwrap_or_else(|e| panic!("decode failed: {e}"))
    }

    fn modulus_decimal(hex: &str) -> String {
        x509_parser::num_bigint::BigUint::parse_bytes(hex.trim().as_bytes(), 16)
            .unwrap()
            .to_string()
    }

    #[test]
    fn openssl_leaf_cv16() {
        let c = ok(data!("leaf.pem"));
        let ca = ok(data!("ca.pem"));
        assert_eq!(c["Version"], json!(3));
        assert_eq!(c["SerialNumber"], json!(0x1234));
        assert_eq!(c["NotBefore"], json!("2024-01-01T00:00:00Z"));
        assert_eq!(c["NotAfter"], json!("2025-06-30T12:34:56Z"));
        assert_eq!(c["SignatureAlgorithm"], json!(4), "SHA256WithRSA");
        assert_eq!(c["PublicKeyAlgorithm"], json!(1), "RSA");
        assert_eq!(
            c["PublicKey"],
            json!({"N": modulus_decimal(data!("leaf.modulus")), "E": 65537})
        );
        let subject = &c["Subject"];
        assert_eq!(subject["CommonName"], json!("web.example.com"));
        assert_eq!(
            subject["Organization"],
            json!(["Example Org", "Second Org"])
        );
        assert_eq!(subject["SerialNumber"], json!("S-42"));
        assert_eq!(subject["Country"], json!(null));
        assert_eq!(
            subject["Names"],
            json!([
                {"Type": [2, 5, 4, 10], "Value": "Example Org"},
                {"Type": [2, 5, 4, 10], "Value": "Second Org"},
                {"Type": [2, 5, 4, 3], "Value": "web.example.com"},
                {"Type": [2, 5, 4, 5], "Value": "S-42"}
            ])
        );
        assert_eq!(c["Issuer"], ca["Subject"]);
        assert_eq!(c["RawIssuer"], ca["RawSubject"]);
        assert_eq!(c["Issuer"]["Province"], json!(["Utah"]));
        assert_eq!(c["Issuer"]["Locality"], json!(["Lindon"]));
        assert_eq!(c["Issuer"]["OrganizationalUnit"], json!(["Platform"]));
        // basicConstraints CA:false; keyUsage digitalSignature | keyEncipherment.
        assert_eq!(c["BasicConstraintsValid"], json!(true));
        assert_eq!(c["IsCA"], json!(false));
        assert_eq!(c["MaxPathLen"], json!(-1));
        assert_eq!(c["MaxPathLenZero"], json!(false));
        assert_eq!(c["KeyUsage"], json!(1 | 4));
        assert_eq!(c["ExtKeyUsage"], json!([1, 2]));
        assert_eq!(c["UnknownExtKeyUsage"], json!([[1, 2, 3, 4, 5]]));
        assert_eq!(c["DNSNames"], json!(["web.example.com", "www.example.com"]));
        assert_eq!(c["IPAddresses"], json!(["10.0.0.1", "2001:db8::1"]));
        assert_eq!(c["EmailAddresses"], json!(["ops@example.com"]));
        assert_eq!(
            c["URIs"],
            json!([{
                "Scheme": "https", "Opaque": "", "User": null, "Host": "example.com",
                "Path": "/a b", "RawPath": "", "OmitHost": false, "ForceQuery": false,
                "RawQuery": "q=1", "Fragment": "frag", "RawFragment": ""
            }])
        );
        assert_eq!(
            c["CRLDistributionPoints"],
            json!(["http://crl.example.com/ca.crl"])
        );
        assert_eq!(c["OCSPServer"], json!(["http://ocsp.example.com"]));
        assert_eq!(
            c["IssuingCertificateURL"],
            json!(["http://ca.example.com/ca.crt"])
        );
        assert_eq!(c["AuthorityKeyId"], ca["SubjectKeyId"]);
        let skid = go_base64()
            .decode(c["SubjectKeyId"].as_str().unwrap())
            .unwrap();
        assert_eq!(skid.len(), 20, "SHA-1 key identifier");
        assert_eq!(c["UnhandledCriticalExtensions"], json!(null));
        let ids: Vec<&Value> = c["Extensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["Id"])
            .collect();
        assert_eq!(
            ids,
            [
                &json!([2, 5, 29, 19]),
                &json!([2, 5, 29, 15]),
                &json!([2, 5, 29, 37]),
                &json!([2, 5, 29, 14]),
                &json!([2, 5, 29, 35]),
                &json!([2, 5, 29, 17]),
                &json!([2, 5, 29, 31]),
                &json!([1, 3, 6, 1, 5, 5, 7, 1, 1]),
            ]
        );
        assert_eq!(c["Extensions"][1]["Critical"], json!(true));
        assert_eq!(c["Policies"], json!(null));
        assert_eq!(c["PolicyIdentifiers"], json!(null));
    }

    #[test]
    fn openssl_ca_cv16() {
        let c = ok(data!("ca.pem"));
        assert_eq!(c["SerialNumber"], json!(10));
        assert_eq!(c["NotBefore"], json!("2024-01-01T00:00:00Z"));
        assert_eq!(c["NotAfter"], json!("2034-01-01T00:00:00Z"));
        assert_eq!(c["Subject"], c["Issuer"]);
        assert_eq!(
            c["Subject"]["Names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["Value"].as_str().unwrap())
                .collect::<Vec<_>>(),
            [
                "US",
                "Utah",
                "Lindon",
                "Example Org",
                "Platform",
                "Example Test CA"
            ]
        );
        assert_eq!(
            c["PublicKey"]["N"],
            json!(modulus_decimal(data!("ca.modulus")))
        );
        // basicConstraints critical, CA:true, pathlen:0; keyCertSign | cRLSign.
        assert_eq!(c["IsCA"], json!(true));
        assert_eq!(c["MaxPathLen"], json!(0));
        assert_eq!(c["MaxPathLenZero"], json!(true));
        assert_eq!(c["KeyUsage"], json!(32 | 64));
        assert_eq!(c["AuthorityKeyId"], json!(null));
        // nameConstraints (critical).
        assert_eq!(c["PermittedDNSDomainsCritical"], json!(true));
        assert_eq!(c["PermittedDNSDomains"], json!([".example.com"]));
        assert_eq!(
            c["PermittedIPRanges"],
            json!([{"IP": "10.0.0.0", "Mask": "/wAAAA=="}])
        );
        assert_eq!(c["ExcludedEmailAddresses"], json!([".bad.example"]));
        assert_eq!(c["ExcludedURIDomains"], json!([".evil.example"]));
        assert_eq!(c["ExcludedDNSDomains"], json!(null));
        // certificatePolicies, policyConstraints, inhibitAnyPolicy, policyMappings.
        assert_eq!(
            c["Policies"],
            json!(["2.23.140.1.2.1", "1.3.6.1.4.1.99999.1"])
        );
        assert_eq!(
            c["PolicyIdentifiers"],
            json!([[2, 23, 140, 1, 2, 1], [1, 3, 6, 1, 4, 1, 99999, 1]])
        );
        assert_eq!(c["RequireExplicitPolicy"], json!(0));
        assert_eq!(c["RequireExplicitPolicyZero"], json!(true));
        assert_eq!(c["InhibitPolicyMapping"], json!(2));
        assert_eq!(c["InhibitPolicyMappingZero"], json!(false));
        assert_eq!(c["InhibitAnyPolicy"], json!(0));
        assert_eq!(c["InhibitAnyPolicyZero"], json!(true));
        assert_eq!(
            c["PolicyMappings"],
            json!([{"IssuerDomainPolicy": "1.3.6.1.4.1.99999.1",
                    "SubjectDomainPolicy": "1.3.6.1.4.1.99999.2"}])
        );
        assert_eq!(c["UnhandledCriticalExtensions"], json!(null));
    }

    #[test]
    fn serial_beyond_64_bits_is_a_float_cv16() {
        let c = ok(data!("big-serial.pem"));
        // 0x7F0102030405060708090A0B0C0D0E0F10111213, as Go's float64 (Python's float()).
        assert_eq!(c["SerialNumber"], json!(7.250_643_038_905_881_5e47));
        assert_eq!(c["NotAfter"], json!("2030-01-01T00:00:00Z"));
        assert_eq!(c["Subject"]["CommonName"], json!("big-serial"));
        assert_eq!(c["IsCA"], json!(true));
        assert_eq!(c["MaxPathLen"], json!(-1));
    }

    #[test]
    fn rsa_pss_and_v1_cv16() {
        let c = ok(data!("pss.pem"));
        assert_eq!(c["SignatureAlgorithm"], json!(13), "SHA256WithRSAPSS");
        assert_eq!(c["Version"], json!(1));
        assert_eq!(c["SerialNumber"], json!(1));
        assert_eq!(c["Extensions"], json!(null));
        assert_eq!(c["BasicConstraintsValid"], json!(false));
        assert_eq!(c["MaxPathLen"], json!(0));
        assert_eq!(c["KeyUsage"], json!(0));
        assert_eq!(c["SubjectKeyId"], json!(null));
    }

    #[test]
    fn openssl_request_cv16() {
        let r = ok(data!("request.pem"));
        assert_eq!(r["Version"], json!(0));
        assert_eq!(r["SignatureAlgorithm"], json!(4));
        assert_eq!(
            r["PublicKey"],
            json!({"N": modulus_decimal(data!("request.modulus")), "E": 65537})
        );
        assert_eq!(r["Subject"]["Country"], json!(["DE"]));
        assert_eq!(r["Subject"]["Organization"], json!(["Req Org"]));
        assert_eq!(r["Subject"]["CommonName"], json!("req.example.com"));
        assert_eq!(r["DNSNames"], json!(["req.example.com"]));
        assert_eq!(r["IPAddresses"], json!(["192.168.1.2"]));
        assert_eq!(r["URIs"], json!(null));
        let exts = r["Extensions"].as_array().unwrap();
        assert_eq!(exts.len(), 2);
        assert_eq!(exts[0]["Id"], json!([2, 5, 29, 17]));
        assert_eq!(exts[0]["Critical"], json!(false));
        assert_eq!(exts[1]["Id"], json!([2, 5, 29, 15]));
        assert_eq!(exts[1]["Critical"], json!(true));
        // Go keeps only attributes shaped as SET OF SEQUENCE OF {OID, value}: the extension
        // request (each extension read that way: a critical flag is a BOOLEAN, which Go's
        // asn1 leaves nil), not the challenge password.
        assert_eq!(
            r["Attributes"],
            json!([{
                "Type": [1, 2, 840, 113_549, 1, 9, 14],
                "Value": [[
                    {"Type": [2, 5, 29, 17], "Value": exts[0]["Value"]},
                    {"Type": [2, 5, 29, 15], "Value": null}
                ]]
            }])
        );
        let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "Attributes",
                "DNSNames",
                "EmailAddresses",
                "Extensions",
                "ExtraExtensions",
                "IPAddresses",
                "PublicKey",
                "PublicKeyAlgorithm",
                "Raw",
                "RawSubject",
                "RawSubjectPublicKeyInfo",
                "RawTBSCertificateRequest",
                "Signature",
                "SignatureAlgorithm",
                "Subject",
                "URIs",
                "Version"
            ]
        );
    }

    /// Re-wraps DER as PEM.
    fn pem(label: &str, der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    }

    fn der_of(pem_text: &str) -> Vec<u8> {
        pem_decode(pem_text.as_bytes()).unwrap().1
    }

    #[test]
    fn pem_rules_follow_go_cv16() {
        let leaf = data!("leaf.pem");
        let want = ok(leaf);
        // Text before the block, headers, CRLF line ends, blanks in the body, text after.
        let body: String = leaf
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(|l| format!(" {l}\t\r\n"))
            .collect();
        let noisy = format!(
            "junk line\r\n-----BEGIN CERTIFICATE-----\r\nProc-Type: 4,TEST\r\n\r\n{body}-----END CERTIFICATE-----  \r\ntrailing"
        );
        assert_eq!(decode(&noisy), Ok(want.clone()));
        // Only the first block counts (Go's pem.Decode).
        let two = format!("{}{}", leaf, data!("ca.pem"));
        assert_eq!(decode(&two), Ok(want));
        let skip_bad = format!(
            "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n{}",
            data!("ca.pem")
        );
        assert_eq!(decode(&skip_bad), Ok(ok(data!("ca.pem"))));
    }

    #[test]
    fn malformed_inputs_are_errors_cv16() {
        let cert_der = der_of(data!("leaf.pem"));
        let mut trailing = cert_der.clone();
        trailing.extend_from_slice(&[0x05, 0x00]);
        // Outer signature algorithm sha256WithRSA (…01 01 0b) turned into sha1WithRSA.
        let mut mismatch = cert_der.clone();
        let alg = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
        let last = mismatch.windows(alg.len()).rposition(|w| w == alg).unwrap();
        mismatch[last + alg.len() - 1] = 0x05;
        let indented = data!("leaf.pem")
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>();
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "failed to decode PEM block"),
            ("not a certificate".into(), "failed to decode PEM block"),
            (
                "-----BEGIN CERTIFICATE-----\nMIIC!!!\n-----END CERTIFICATE-----\n".into(),
                "failed to decode PEM block",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n".into(),
                "failed to decode PEM block",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n".into(),
                "failed to decode PEM block",
            ),
            (indented, "failed to decode PEM block"),
            (
                pem("PRIVATE KEY", b"key"),
                "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST",
            ),
            (pem("CERTIFICATE", b""), "x509: malformed certificate"),
            (
                pem("CERTIFICATE", &[0x30, 0x03, 0x02, 0x01, 0x00]),
                "x509: malformed certificate",
            ),
            (pem("CERTIFICATE", &trailing), "x509: trailing data"),
            (
                pem("CERTIFICATE", &mismatch),
                "x509: inner and outer signature algorithm identifiers don't match",
            ),
            (
                pem("CERTIFICATE REQUEST", &cert_der),
                "x509: malformed certificate request",
            ),
            (
                data!("ec.pem").into(),
                "certificate should use rsa algorithm",
            ),
            ("A".repeat(MAX_INPUT + 1), "input exceeds"),
        ];
        for (input, want) in cases {
            match decode(&input) {
                Err(e) => assert!(e.contains(want), "{input:.80}: {e:?} lacks {want:?}"),
                Ok(v) => panic!("{input:.80}: decoded {v:.200}"),
            }
        }
    }

    #[test]
    fn go_url_shapes() {
        let u = |s: &str| go_url(s).unwrap();
        assert_eq!(
            u("spiffe://cluster.local/ns/default/sa/web")["Host"],
            json!("cluster.local")
        );
        assert_eq!(
            u("spiffe://cluster.local/ns/default/sa/web")["Path"],
            json!("/ns/default/sa/web")
        );
        assert_eq!(u("urn:example:thing")["Opaque"], json!("example:thing"));
        assert_eq!(u("urn:example:thing")["Path"], json!(""));
        assert_eq!(u("file:/etc/hosts")["OmitHost"], json!(true));
        assert_eq!(u("https://u:p@h:8443/x?")["User"], json!({}));
        assert_eq!(u("https://u:p@h:8443/x?")["Host"], json!("h:8443"));
        assert_eq!(u("https://u:p@h:8443/x?")["ForceQuery"], json!(true));
        assert_eq!(u("https://h/a%2Fb")["Path"], json!("/a/b"));
        assert_eq!(u("https://h/a%2Fb")["RawPath"], json!("/a%2Fb"));
        assert_eq!(u("HTTPS://[::1]:80/")["Scheme"], json!("https"));
        assert!(go_url("https://h/%zz").is_err());
        assert!(go_url("https://h:port/").is_err());
        assert!(go_url(":nope").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_text(s in "(-----BEGIN CERTIFICATE( REQUEST)?-----\n)?[A-Za-z0-9+/=\n: -]{0,300}(-----END CERTIFICATE-----)?") {
            let _ = decode(&s);
        }

        #[test]
        fn never_panics_on_mutated_der(pos in 0usize..2048, byte in 0u8..=255, cut in 0usize..2048, which in 0usize..4) {
            let sources = [data!("leaf.pem"), data!("ca.pem"), data!("request.pem"), data!("request.pem")];
            let (label, source) = match which {
                2 | 3 => ("CERTIFICATE REQUEST", sources[which]),
                _ => ("CERTIFICATE", sources[which]),
            };
            let mut der = der_of(source);
            let len = der.len();
            if let Some(b) = der.get_mut(pos % len) {
                *b = byte;
            }
            let _ = decode(&pem(label, &der));
            der.truncate(cut % (der.len() + 1));
            let _ = decode(&pem(label, &der));
        }

        #[test]
        fn never_panics_on_random_der(der in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = decode(&pem("CERTIFICATE", &der));
            let _ = decode(&pem("CERTIFICATE REQUEST", &der));
        }
    }
}
