//! libFuzzer entry point of the `evaluate` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::evaluate` (`fuzz/src/targets/evaluate.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::evaluate::run(data));
