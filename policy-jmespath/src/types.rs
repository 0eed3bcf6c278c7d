//! Types shared by the JMESPath interpreter and the Kyverno function table.
//!
//! INVARIANT: the interpreter (`jmespath/mod.rs` and its submodules) checks every call's
//! arguments against the function's [`Signature`] before calling it, so a Kyverno function
//! body may assume the declared JSON types.

use serde_json::Value;

/// The JSON type a function argument must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgType {
    /// Anything.
    Any,
    /// A string.
    String,
    /// A number.
    Number,
    /// An object.
    Object,
    /// An array.
    Array,
    /// A string or a number.
    StringOrNumber,
    /// An object or an array.
    ObjectOrArray,
}

/// The arguments of a function: fixed ones, then optionally any number of a variadic type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signature {
    /// Fixed arguments, in order.
    pub args: &'static [ArgType],
    /// Type of extra arguments, when the function is variadic.
    pub variadic: Option<ArgType>,
}

/// What a function may know about the world: only what the caller passed in.
#[derive(Clone, Copy, Debug)]
pub struct FnEnv {
    /// "Now", for `time_now` and friends (never read from the clock).
    pub now: jiff::Timestamp,
    /// Seed for `random`, so results are reproducible.
    pub seed: u64,
}

/// A Kyverno (non-standard) function: pure, over JSON values.
pub(crate) struct KyvernoFunction {
    /// The name used in expressions.
    pub name: &'static str,
    /// Argument types.
    pub signature: Signature,
    /// The implementation. Errors are messages such as
    /// `JMESPath function 'base64_decode': invalid input`.
    pub call: fn(&[Value], &FnEnv) -> Result<Value, String>,
}
