//! libFuzzer entry point of the `jmespath` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::jmespath` (`fuzz/src/targets/jmespath.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::jmespath::run(data));
