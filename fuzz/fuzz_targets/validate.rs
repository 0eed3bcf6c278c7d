//! libFuzzer entry point of the `validate` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::validate` (`fuzz/src/targets/validate.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::validate::run(data));
