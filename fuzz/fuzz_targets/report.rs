//! libFuzzer entry point of the `report` target; the target itself, with its properties, is
//! `policyctl_fuzz::targets::report` (`fuzz/src/targets/report.rs`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| policyctl_fuzz::targets::report::run(data));
