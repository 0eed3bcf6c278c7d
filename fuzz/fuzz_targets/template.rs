//! libFuzzer entry point of the `template` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::template` (`fuzz/src/targets/template.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::template::run(data));
