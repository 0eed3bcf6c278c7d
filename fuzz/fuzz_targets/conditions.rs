//! libFuzzer entry point of the `conditions` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::conditions` (`fuzz/src/targets/conditions.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::conditions::run(data));
