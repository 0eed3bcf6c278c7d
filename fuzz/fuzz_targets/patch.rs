//! libFuzzer entry point of the `patch` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::patch` (`fuzz/src/targets/patch.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::patch::run(data));
