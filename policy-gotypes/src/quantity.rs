//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource`), exactly.
//!
//! Parsing follows `ParseQuantity` (patterns P-12.1, conditions CV-6.2): sign, digits with an
//! optional fraction, then a suffix (`n u m "" k M G T P E`, `Ki Mi Gi Ti Pi Ei`, or `e`/`E`
//! with an integer exponent). Values are exact decimals `unscaled × 10^-scale`, like Go's
//! `inf.Dec`; comparison never goes through floating point, so `1Gi` equals `1073741824`.
//!
//! The *scale* is kept as Go would have it after parsing (not normalised): Kyverno's
//! `divide(quantity, scalar)` rounds at the larger scale of its operands (CV-16), so `1.50`
//! and `1.5` divide differently, and we reproduce that.
//!
//! Limitation (deliberate): values whose exact unscaled integer needs more than 38 decimal
//! digits (e.g. a 35-digit literal, or `1e-20` style values far below nano combined with
//! huge exponents) are rejected as "not a quantity"; Go would use a big integer. No real
//! resource value comes close.

use std::cmp::Ordering;

/// How a quantity is written, which decides how results are rendered (CV-16 "Result
/// rendering").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `n u m "" k M G T P E` suffixes.
    DecimalSi,
    /// `Ki Mi Gi Ti Pi Ei` suffixes.
    BinarySi,
    /// `e<n>` / `E<n>` suffixes.
    DecimalExponent,
}

/// A Kubernetes quantity: the exact value `unscaled × 10^-scale` and its format.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    /// The unscaled integer (Go `inf.Dec.UnscaledBig`).
    unscaled: i128,
    /// Number of decimal places (Go `inf.Dec.Scale`); negative for multiples of 10.
    scale: i64,
    /// Rendering format.
    format: QuantityFormat,
}

/// Why a quantity operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// The divisor is zero.
    ZeroDivisor,
    /// `modulo` needs whole numbers.
    NonInteger,
    /// The exact result does not fit the representation (see the module docs).
    OutOfRange,
}

/// Largest unscaled magnitude we accept, so that aligning two values never overflows i128.
// why: i128::MAX is about 1.7e38; keeping every magnitude below 1e38 leaves room for the
// one extra digit alignment can produce.
const MAX_UNSCALED: i128 = 10_i128.pow(37) * 10 - 1;

/// Binary-SI quantities are capped at this value when parsed (Go `maxAllowed`).
const MAX_BINARY: i128 = i64::MAX as i128;

/// `10^n` when it fits comfortably in i128.
fn pow10(n: u64) -> Option<i128> {
    if n > 38 {
        return None;
    }
    10_i128.checked_pow(u32::try_from(n).ok()?)
}

/// `x × 10^n`, checked against [`MAX_UNSCALED`].
fn mul_pow10(x: i128, n: u64) -> Option<i128> {
    if x == 0 {
        return Some(0);
    }
    let r = x.checked_mul(pow10(n)?)?;
    (r.abs() <= MAX_UNSCALED).then_some(r)
}

/// Number of decimal digits of `|x|` (1 for 0).
fn ndigits(x: i128) -> i64 {
    let mut n = 1;
    let mut v = x.unsigned_abs();
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Strips trailing decimal zeros: returns `(m, e)` with `x × 10^-scale = m × 10^e`.
fn normalize(unscaled: i128, scale: i64) -> (i128, i64) {
    if unscaled == 0 {
        return (0, 0);
    }
    let mut m = unscaled;
    let mut e = scale.saturating_neg();
    while m % 10 == 0 {
        m /= 10;
        e = e.saturating_add(1);
    }
    (m, e)
}

/// Divides a non-negative `x` by `10^n`, rounding up (Go `inf.RoundUp` on a positive value).
fn div_pow10_ceil(x: i128, n: u64) -> i128 {
    match pow10(n) {
        Some(p) => {
            let q = x / p;
            if x % p == 0 { q } else { q + 1 }
        }
        // why: 10^n exceeds any representable x, so a non-zero x rounds up to one unit.
        None => i128::from(x != 0),
    }
}

/// The pieces `parseQuantityString` extracts from the text.
struct Scanned<'a> {
    positive: bool,
    /// Integer digits without leading zeros (`"0"` when there are none).
    num: &'a str,
    /// Fraction digits, verbatim.
    denom: &'a str,
    suffix: &'a str,
}

/// Go `parseQuantityString`: a scanner permissive in the same places (`"-"`, `"."` and
/// `"1.G"` are accepted; the suffix is validated separately).
fn scan(s: &str) -> Option<Scanned<'_>> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while b.get(pos) == Some(&b'0') {
        pos += 1;
    }
    if pos >= end {
        // why: Go returns early with "0" here (so "-" and "000" are zero).
        return Some(Scanned {
            positive,
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let num_start = pos;
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    let num = match s.get(num_start..pos) {
        Some("") | None => "0",
        Some(n) => n,
    };
    let mut denom = "";
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let d_start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        denom = s.get(d_start..pos)?;
    }
    let suffix_start = pos;
    while b.get(pos).is_some_and(|c| b"eEinumkKMGTP".contains(c)) {
        pos += 1;
    }
    if matches!(b.get(pos), Some(b'-' | b'+')) {
        pos += 1;
    }
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    if pos != end {
        return None;
    }
    Some(Scanned {
        positive,
        num,
        denom,
        suffix: s.get(suffix_start..)?,
    })
}

/// Go `quantitySuffixer.interpret`: `(base, exponent, format)`.
fn interpret_suffix(suffix: &str) -> Option<(u32, i64, QuantityFormat)> {
    use QuantityFormat::{BinarySi, DecimalExponent, DecimalSi};
    let r = match suffix {
        "" => (10, 0, DecimalSi),
        "n" => (10, -9, DecimalSi),
        "u" => (10, -6, DecimalSi),
        "m" => (10, -3, DecimalSi),
        "k" => (10, 3, DecimalSi),
        "M" => (10, 6, DecimalSi),
        "G" => (10, 9, DecimalSi),
        "T" => (10, 12, DecimalSi),
        "P" => (10, 15, DecimalSi),
        "E" => (10, 18, DecimalSi),
        "Ki" => (2, 10, BinarySi),
        "Mi" => (2, 20, BinarySi),
        "Gi" => (2, 30, BinarySi),
        "Ti" => (2, 40, BinarySi),
        "Pi" => (2, 50, BinarySi),
        "Ei" => (2, 60, BinarySi),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            let parsed = parse_go_int64(rest)?;
            // why: Go converts the parsed int64 with `int32(parsed)`, which wraps.
            #[allow(clippy::cast_possible_truncation)]
            let wrapped = parsed as i32;
            (10, i64::from(wrapped), DecimalExponent)
        }
    };
    Some(r)
}

/// Go `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only.
fn parse_go_int64(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Parses the decimal digit string `digits` (already validated) as an i128.
fn digits_value(digits: &str) -> Option<i128> {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some(0);
    }
    if trimmed.len() > 38 {
        return None;
    }
    trimmed.parse::<i128>().ok()
}

impl Quantity {
    /// Parses a quantity as Go's `resource.ParseQuantity` does; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Quantity> {
        if s.is_empty() {
            return None;
        }
        if s == "0" {
            return Some(Quantity {
                unscaled: 0,
                scale: 0,
                format: QuantityFormat::DecimalSi,
            });
        }
        let sc = scan(s)?;
        let (base, exponent, format) = interpret_suffix(sc.suffix)?;
        let denom_len = i64::try_from(sc.denom.len()).ok()?;
        let num_len = i64::try_from(sc.num.len()).ok()?;

        // Fast path (Go int64Amount): same value, but the scale is kept as parsed.
        let precision = match format {
            QuantityFormat::BinarySi if sc.denom.is_empty() => {
                // why: Go computes `int32(float32(exponent)*3/10)`; exponent is 10..60, so
                // integer arithmetic gives the same truncated value.
                15 - num_len - exponent * 3 / 10 - 1
            }
            QuantityFormat::BinarySi => -1,
            _ => 18 - (num_len + denom_len),
        };
        if precision >= 0 {
            let scale_go = if base == 10 {
                exponent - denom_len
            } else {
                -denom_len
            };
            if scale_go >= -9 {
                let mut digits = String::with_capacity(sc.num.len() + sc.denom.len());
                digits.push_str(sc.num);
                digits.push_str(sc.denom);
                let value = i64::try_from(digits_value(&digits)?).ok()?;
                let mantissa: i64 = if base == 2 {
                    1_i64.checked_shl(u32::try_from(exponent).ok()?)?
                } else {
                    1
                };
                if let Some(result) = value.checked_mul(mantissa) {
                    let signed = if sc.positive { result } else { -result };
                    return Some(Quantity {
                        unscaled: i128::from(signed),
                        scale: -scale_go,
                        format,
                    });
                }
            }
        }

        // Slow path (Go inf.Dec): exact value, then rounded up to nano, binary capped.
        let mut digits = String::with_capacity(sc.num.len() + sc.denom.len());
        digits.push_str(sc.num);
        digits.push_str(sc.denom);
        let mut unscaled = digits_value(&digits)?;
        let mut scale = denom_len;
        if base == 10 {
            scale = scale.checked_sub(exponent)?;
        } else {
            unscaled = unscaled.checked_mul(1_i128.checked_shl(u32::try_from(exponent).ok()?)?)?;
        }
        if unscaled != 0 {
            // Round to scale 9 (nano), away from zero; the value is non-negative here.
            if scale > 9 {
                unscaled = div_pow10_ceil(unscaled, u64::try_from(scale - 9).ok()?);
            } else {
                unscaled = mul_pow10(unscaled, u64::try_from(9 - scale).ok()?)?;
            }
            scale = 9;
        }
        let mut format = format;
        if format == QuantityFormat::BinarySi {
            let q = Quantity {
                unscaled,
                scale,
                format,
            };
            if q.cmp_value(&Quantity::from_int(MAX_BINARY, format)) == Ordering::Greater {
                unscaled = MAX_BINARY;
                scale = 0;
            } else if unscaled > 0 && q.cmp_value(&Quantity::from_int(1, format)) == Ordering::Less
            {
                format = QuantityFormat::DecimalSi;
            }
        }
        if unscaled.abs() > MAX_UNSCALED {
            return None;
        }
        let unscaled = if sc.positive { unscaled } else { -unscaled };
        Some(Quantity {
            unscaled,
            scale,
            format,
        })
    }

    /// An integral quantity (Go `resource.NewQuantity`).
    pub fn from_int(value: i128, format: QuantityFormat) -> Quantity {
        Quantity {
            unscaled: value,
            scale: 0,
            format,
        }
    }

    /// The quantity Kyverno builds from a JSON number: Go `ParseQuantity(fmt.Sprintf("%v", x))`
    /// (so values below nano round up to `1n`). `None` for non-finite numbers.
    pub fn from_scalar(x: f64) -> Option<Quantity> {
        Quantity::parse(&go_v_float(x)?)
    }

    /// The rendering format.
    pub fn format_kind(&self) -> QuantityFormat {
        self.format
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.unscaled == 0
    }

    /// Exact comparison of the values (formats and scales are ignored).
    pub fn cmp_value(&self, other: &Quantity) -> Ordering {
        let s1 = self.unscaled.signum();
        let s2 = other.unscaled.signum();
        if s1 != s2 || s1 == 0 {
            return s1.cmp(&s2);
        }
        let (m1, e1) = normalize(self.unscaled, self.scale);
        let (m2, e2) = normalize(other.unscaled, other.scale);
        // Position of the leading digit decides first.
        let p1 = ndigits(m1).saturating_add(e1);
        let p2 = ndigits(m2).saturating_add(e2);
        let mag = if p1 != p2 {
            p1.cmp(&p2)
        } else {
            // Same leading position: the one with more digits (smaller e) is scaled up to
            // the other's digit count, which fits because both are below 1e38.
            let (a, b) = match e1.cmp(&e2) {
                Ordering::Greater => {
                    let k = u64::try_from(e1.saturating_sub(e2)).unwrap_or(u64::MAX);
                    (mul_pow10(m1.abs(), k), Some(m2.abs()))
                }
                _ => {
                    let k = u64::try_from(e2.saturating_sub(e1)).unwrap_or(u64::MAX);
                    (Some(m1.abs()), mul_pow10(m2.abs(), k))
                }
            };
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                // why: cannot happen for equal leading positions; fall back to digit counts.
                (None, _) => Ordering::Greater,
                (_, None) => Ordering::Less,
            }
        };
        if s1 < 0 { mag.reverse() } else { mag }
    }

    /// Go `Quantity.AsApproximateFloat64`: `float64(unscaled) × 10^-scale`.
    // why: `&self` is the signature agreed with the other users of this module.
    #[allow(clippy::wrong_self_convention)]
    pub fn to_f64(&self) -> f64 {
        // why: i128 → f64 rounds to nearest like Go's big.Float.Float64 / float64(int64).
        #[allow(clippy::cast_precision_loss)]
        let base = self.unscaled as f64;
        if self.scale == 0 {
            return base;
        }
        base * go_pow10(self.scale.saturating_neg())
    }

    /// `self + other` (Go `Quantity.Add`): the format is `self`'s unless `self` is zero.
    pub fn add(&self, other: &Quantity) -> Option<Quantity> {
        self.combine(other, false)
    }

    /// `self - other` (Go `Quantity.Sub`): the format is `self`'s unless `self` is zero.
    pub fn sub(&self, other: &Quantity) -> Option<Quantity> {
        self.combine(other, true)
    }

    fn combine(&self, other: &Quantity, negate: bool) -> Option<Quantity> {
        let format = if self.is_zero() {
            other.format
        } else {
            self.format
        };
        let (m1, e1) = normalize(self.unscaled, self.scale);
        let (m2, e2) = normalize(other.unscaled, other.scale);
        let m2 = if negate { m2.checked_neg()? } else { m2 };
        if m1 == 0 {
            return Some(Quantity {
                unscaled: m2,
                scale: e2.saturating_neg(),
                format,
            });
        }
        if m2 == 0 {
            return Some(Quantity {
                unscaled: m1,
                scale: e1.saturating_neg(),
                format,
            });
        }
        let e = e1.min(e2);
        let a = mul_pow10(m1, u64::try_from(e1 - e).ok()?)?;
        let b = mul_pow10(m2, u64::try_from(e2 - e).ok()?)?;
        let sum = a.checked_add(b)?;
        (sum.abs() <= MAX_UNSCALED).then_some(Quantity {
            unscaled: sum,
            scale: e.saturating_neg(),
            format,
        })
    }

    /// `self × x` as Kyverno computes it: `x` goes through `ParseQuantity("%v")` and the
    /// product keeps `self`'s format.
    pub fn mul_scalar(&self, x: f64) -> Result<Quantity, QuantityError> {
        let q = Quantity::from_scalar(x).ok_or(QuantityError::OutOfRange)?;
        let (m1, e1) = normalize(self.unscaled, self.scale);
        let (m2, e2) = normalize(q.unscaled, q.scale);
        let m = m1
            .checked_mul(m2)
            .filter(|m| m.abs() <= MAX_UNSCALED)
            .ok_or(QuantityError::OutOfRange)?;
        let e = e1.checked_add(e2).ok_or(QuantityError::OutOfRange)?;
        Ok(Quantity {
            unscaled: m,
            scale: e.saturating_neg(),
            format: self.format,
        })
    }

    /// `self ÷ x` as Kyverno computes it: `x` goes through `ParseQuantity("%v")`, the
    /// quotient is rounded toward zero at the larger scale of the two operands and keeps
    /// `self`'s format.
    pub fn div_scalar(&self, x: f64) -> Result<Quantity, QuantityError> {
        if x == 0.0 {
            return Err(QuantityError::ZeroDivisor);
        }
        let q = Quantity::from_scalar(x).ok_or(QuantityError::OutOfRange)?;
        if q.is_zero() {
            return Err(QuantityError::ZeroDivisor);
        }
        let s = self.scale.max(q.scale);
        // result = trunc(u1 × 10^(s - s1 + s2) / u2)
        let k = s
            .checked_sub(self.scale)
            .and_then(|v| v.checked_add(q.scale))
            .ok_or(QuantityError::OutOfRange)?;
        let (num, den) = if k >= 0 {
            let num =
                mul_pow10(self.unscaled, k.unsigned_abs()).ok_or(QuantityError::OutOfRange)?;
            (num, q.unscaled)
        } else {
            match mul_pow10(q.unscaled, k.unsigned_abs()) {
                Some(den) => (self.unscaled, den),
                // why: the divisor dwarfs any representable dividend, the quotient truncates to 0.
                None => {
                    return Ok(Quantity {
                        unscaled: 0,
                        scale: s,
                        format: self.format,
                    });
                }
            }
        };
        let quo = num.checked_div(den).ok_or(QuantityError::ZeroDivisor)?;
        Ok(Quantity {
            unscaled: quo,
            scale: s,
            format: self.format,
        })
    }

    /// `self ÷ other` as a float (Kyverno divides the approximate float values).
    pub fn div_quantity(&self, other: &Quantity) -> Result<f64, QuantityError> {
        let divisor = other.to_f64();
        if divisor == 0.0 {
            return Err(QuantityError::ZeroDivisor);
        }
        Ok(self.to_f64() / divisor)
    }

    /// `self % other` as Kyverno computes it: both approximate float values must be whole
    /// int64 numbers; the remainder (truncated, sign of the dividend) keeps `self`'s format.
    pub fn rem(&self, other: &Quantity) -> Result<Quantity, QuantityError> {
        let i1 = f64_to_whole_i64(self.to_f64()).ok_or(QuantityError::NonInteger)?;
        let i2 = f64_to_whole_i64(other.to_f64()).ok_or(QuantityError::NonInteger)?;
        if i2 == 0 {
            return Err(QuantityError::ZeroDivisor);
        }
        Ok(Quantity::from_int(
            i128::from(i1.wrapping_rem(i2)),
            self.format,
        ))
    }

    /// Kubernetes canonical text (Go `Quantity.String` / `CanonicalizeBytes`), see CV-16
    /// "Result rendering".
    pub fn format(&self) -> String {
        if self.unscaled == 0 {
            return "0".to_string();
        }
        let mut format = self.format;
        if format == QuantityFormat::BinarySi {
            let small = self.cmp_value(&Quantity::from_int(-1024, format)) == Ordering::Greater
                && self.cmp_value(&Quantity::from_int(1024, format)) == Ordering::Less;
            if small {
                format = QuantityFormat::DecimalSi;
            } else if let Some(text) = self.format_binary() {
                return text;
            } else {
                // why: not integral (Go: "Don't lose precision-- show as DecimalSI").
                format = QuantityFormat::DecimalSi;
            }
        }
        let (m, e) = normalize(self.unscaled, self.scale);
        // Lower the exponent to a multiple of three, padding the mantissa with zeros.
        let r = e.rem_euclid(3);
        let e = e - r;
        let mut out = m.to_string();
        for _ in 0..r {
            out.push('0');
        }
        match format {
            QuantityFormat::DecimalExponent => {
                if e != 0 {
                    out.push('e');
                    out.push_str(&e.to_string());
                }
            }
            _ => {
                // why: Go looks the exponent up in the SI table and appends nothing when it
                // is missing (e.g. 10^21), a Kubernetes quirk we keep.
                let suffix = match e {
                    -9 => "n",
                    -6 => "u",
                    -3 => "m",
                    3 => "k",
                    6 => "M",
                    9 => "G",
                    12 => "T",
                    15 => "P",
                    18 => "E",
                    _ => "",
                };
                out.push_str(suffix);
            }
        }
        out
    }

    /// Binary-SI text of an integral value (`None` when it has a fractional part or is too
    /// large to scale to an integer).
    fn format_binary(&self) -> Option<String> {
        let (m, e) = normalize(self.unscaled, self.scale);
        if e < 0 {
            return None;
        }
        let mut v = mul_pow10(m, e.unsigned_abs())?;
        let mut times = 0;
        while v.abs() >= 1024 && v % 1024 == 0 {
            v /= 1024;
            times += 1;
        }
        let suffix = match times {
            1 => "Ki",
            2 => "Mi",
            3 => "Gi",
            4 => "Ti",
            5 => "Pi",
            6 => "Ei",
            // why: Go's table has nothing for 1024^0 or beyond Ei and appends nothing.
            _ => "",
        };
        Some(format!("{v}{suffix}"))
    }
}

/// Go `int64(f)` when it gives back exactly `f` (the whole-number test of Kyverno's modulo).
fn f64_to_whole_i64(f: f64) -> Option<i64> {
    // why: `as` saturates in Rust while Go's conversion is undefined out of range; Kyverno
    // then compares `f != float64(i)`, which fails for any out-of-range value, so rejecting
    // them matches.
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if !f.is_finite() || f.fract() != 0.0 || !(-TWO_POW_63..TWO_POW_63).contains(&f) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(f as i64)
}

/// Go `math.Pow10(n)`: the float nearest to `10^n` (0 below -323, +Inf above 308).
fn go_pow10(n: i64) -> f64 {
    if n < -323 {
        return 0.0;
    }
    if n > 308 {
        return f64::INFINITY;
    }
    // why: parsing "1e<n>" is correctly rounded, exactly like Go's table-based Pow10.
    format!("1e{n}").parse::<f64>().unwrap_or(0.0)
}

/// Go `fmt.Sprintf("%v", x)` for a float64: `%g` with the shortest round-trip digits, in
/// exponent form when the decimal exponent is < -4 or >= 6 (CV-5.3: `1000000` → `1e+06`).
/// `None` for non-finite values.
fn go_v_float(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. `1.5e3`, `-2e-7`.
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e')?;
    let exp: i64 = exp.parse().ok()?;
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    // why: strconv's 'g' with shortest precision uses 6 as the exponent threshold.
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return Some(format!(
            "{sign}{first}{frac}e{esign}{:02}",
            exp.unsigned_abs()
        ));
    }
    let nd = i64::try_from(digits.len()).ok()?;
    let point = exp + 1; // digits before the decimal point
    let text = if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).ok()?);
        format!("0.{zeros}{digits}")
    } else if point >= nd {
        let zeros = "0".repeat(usize::try_from(point - nd).ok()?);
        format!("{digits}{zeros}")
    } else {
        let (a, b) = digits.split_at(usize::try_from(point).ok()?);
        format!("{a}.{b}")
    };
    Some(format!("{sign}{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and renders; `None` when not a quantity.
    fn canon(s: &str) -> Option<String> {
        Quantity::parse(s).map(|q| q.format())
    }

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn parse_and_canonical_text() {
        // P-12.1 grammar; canonical forms as k8s `Quantity.String` renders them (CV-16).
        let check = |input: &str, expect: Option<&str>| {
            assert_eq!(canon(input).as_deref(), expect, "input {input:?}");
        };
        check("0", Some("0"));
        check("1", Some("1"));
        check("1Gi", Some("1Gi"));
        check("1024Mi", Some("1Gi"));
        check("1536Mi", Some("1536Mi"));
        check("1073741824", Some("1073741824"));
        check("100m", Some("100m"));
        check("1000m", Some("1"));
        check("1.5", Some("1500m"));
        check("2000", Some("2k"));
        check(".5", Some("500m"));
        check("5.", Some("5"));
        check("1.G", Some("1G"));
        check("-1.5Gi", Some("-1536Mi"));
        check("+3k", Some("3k"));
        check("01", Some("1"));
        check("1e3", Some("1e3"));
        check("1E3", Some("1e3"));
        check("1e-3", Some("1e-3"));
        check("1e10", Some("10e9"));
        check("1e+2", Some("100"));
        check("1n", Some("1n"));
        check("1u", Some("1u"));
        check("1M", Some("1M"));
        check("1T", Some("1T"));
        check("1P", Some("1P"));
        check("1E", Some("1E"));
        // 10^21 has no SI suffix: Go appends none (a Kubernetes quirk, kept).
        check("1000E", Some("1"));
        check("100E", Some("100E"));
        check("1Ki", Some("1Ki"));
        check("1Ti", Some("1Ti"));
        check("1Pi", Some("1Pi"));
        check("1Ei", Some("1Ei"));
        check("0.5Ki", Some("512"));
        check("1.5Ki", Some("1536"));
        check("5Ki", Some("5Ki"));
        check("1025", Some("1025"));
        check("0.1n", Some("1n")); // rounded up to nano
        check("1e-20", Some("1e-9")); // rounded up to nano, keeps the exponent format
        check("-0.1n", Some("-1n"));
        check("20Ei", Some("9223372036854775807")); // capped at 2^63-1
        // Not quantities.
        check("", None);
        check("abc", None);
        check("1.2.3", None);
        check("10 Gi", None);
        check(" 1", None);
        check("1Gb", None);
        check("1K", None);
        check("1e", None);
        check("1ki", None);
        check("1h", None);
        // Go's permissive scanner: a bare sign or point is zero.
        check("-", Some("0"));
        check(".", Some("0"));
        // A bare suffix is zero (kubernetes/apimachinery#165, kept as in Kubernetes).
        check("Gi", Some("0"));
        check("m", Some("0"));
    }

    #[test]
    fn comparisons_are_exact() {
        // CV-6.2, P-5.4.2 examples.
        let check = |a: &str, b: &str, expect: Ordering| {
            assert_eq!(q(a).cmp_value(&q(b)), expect, "{a} vs {b}");
        };
        check("1Gi", "1073741824", Ordering::Equal);
        check("1Gi", "1024Mi", Ordering::Equal);
        check("01", "1", Ordering::Equal);
        check("512Mi", "1Gi", Ordering::Less);
        check("500m", "1", Ordering::Less);
        check("1000m", "1", Ordering::Equal);
        check("2Gi", "3000Mi", Ordering::Less);
        check("1G", "1Gi", Ordering::Less);
        check("-1", "1n", Ordering::Less);
        check("-2", "-1", Ordering::Less);
        check("0", "-0", Ordering::Equal);
        check("1e3", "1k", Ordering::Equal);
        check("1.5e100", "1e101", Ordering::Less);
        check("1073741825", "1Gi", Ordering::Greater);
        check("999999999999999999999", "1e21", Ordering::Less);
    }

    #[test]
    fn approximate_float() {
        let check = |s: &str, expect: f64| assert_eq!(q(s).to_f64(), expect, "{s}");
        check("1Gi", 1_073_741_824.0);
        check("500m", 0.5);
        check("1.5", 1.5);
        check("-2k", -2000.0);
        check("0", 0.0);
    }

    #[test]
    fn arithmetic() {
        // CV-16 arithmetic rules on quantities.
        let add = |a: &str, b: &str| q(a).add(&q(b)).map(|r| r.format());
        assert_eq!(add("1Gi", "512Mi").as_deref(), Some("1536Mi"));
        assert_eq!(add("1", "500m").as_deref(), Some("1500m"));
        assert_eq!(add("0", "1Gi").as_deref(), Some("1Gi")); // zero takes the other's format
        assert_eq!(add("1Gi", "1G").as_deref(), Some("2073741824"));
        assert_eq!(add("1k", "1Ki").as_deref(), Some("2024"));
        let sub = |a: &str, b: &str| q(a).sub(&q(b)).map(|r| r.format());
        assert_eq!(sub("2Gi", "512Mi").as_deref(), Some("1536Mi"));
        assert_eq!(sub("1", "1500m").as_deref(), Some("-500m"));
        assert_eq!(sub("1Gi", "1Gi").as_deref(), Some("0"));
        let mul = |a: &str, x: f64| q(a).mul_scalar(x).map(|r| r.format());
        assert_eq!(mul("1Gi", 2.0), Ok("2Gi".to_string()));
        assert_eq!(mul("100m", 3.0), Ok("300m".to_string()));
        assert_eq!(mul("1Gi", 0.5), Ok("512Mi".to_string()));
        assert_eq!(mul("1", 1.5), Ok("1500m".to_string()));
        let div = |a: &str, x: f64| q(a).div_scalar(x).map(|r| r.format());
        assert_eq!(div("1Gi", 2.0), Ok("512Mi".to_string()));
        assert_eq!(div("10", 4.0), Ok("2".to_string())); // scale 0, rounded down
        assert_eq!(div("10.0", 4.0), Ok("2500m".to_string())); // scale 1
        assert_eq!(div("1k", 3.0), Ok("333".to_string()));
        assert_eq!(div("-10", 4.0), Ok("-2".to_string())); // toward zero
        assert_eq!(div("3M", 1e6), Ok("0".to_string())); // Kyverno quirk: scale -6
        assert_eq!(div("1", 0.0), Err(QuantityError::ZeroDivisor));
        assert_eq!(q("1Gi").div_quantity(&q("512Mi")), Ok(2.0));
        assert_eq!(
            q("1").div_quantity(&q("0")),
            Err(QuantityError::ZeroDivisor)
        );
        let rem = |a: &str, b: &str| q(a).rem(&q(b)).map(|r| r.format());
        assert_eq!(rem("10", "3"), Ok("1".to_string()));
        assert_eq!(rem("3Gi", "2Gi"), Ok("1Gi".to_string()));
        assert_eq!(rem("-7", "2"), Ok("-1".to_string()));
        assert_eq!(rem("1500m", "1"), Err(QuantityError::NonInteger));
        assert_eq!(rem("1", "0"), Err(QuantityError::ZeroDivisor));
    }

    #[test]
    fn go_v_float_rendering() {
        let check =
            |x: f64, expect: &str| assert_eq!(go_v_float(x).as_deref(), Some(expect), "{x}");
        check(2.0, "2");
        check(100_000.0, "100000");
        check(1e6, "1e+06");
        check(1.5, "1.5");
        check(0.0001, "0.0001");
        check(0.00001, "1e-05");
        check(-2.5, "-2.5");
        check(1e21, "1e+21");
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_and_canonical_text_round_trips(s in "[-+]?[0-9.]{0,12}(e|E|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|e-?[0-9]{1,3})?") {
            if let Some(q1) = Quantity::parse(&s) {
                // Kubernetes has no SI suffix from 10^21 on and drops it (see "1000E" above).
                proptest::prop_assume!(q1.to_f64().abs() < 1e21);
                let text = q1.format();
                let q2 = Quantity::parse(&text).unwrap_or_else(|| panic!("{text} from {s} should parse"));
                proptest::prop_assert_eq!(q1.cmp_value(&q2), Ordering::Equal, "{} -> {}", s, text);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,20}") {
            let _ = Quantity::parse(&s).map(|q| q.format());
        }
    }
}
