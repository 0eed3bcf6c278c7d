//! libFuzzer entry point of the `load` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::load` (`fuzz/src/targets/load.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::load::run(data));
