//! libFuzzer entry point of the `pattern` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::pattern` (`fuzz/src/targets/pattern.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::pattern::run(data));
