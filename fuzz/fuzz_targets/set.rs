//! libFuzzer entry point of the `set` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::set` (`fuzz/src/targets/set.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::set::run(data));
