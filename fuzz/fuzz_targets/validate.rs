//! Policy validation over arbitrary documents: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_model::Document;

fuzz_target!(|data: &[u8]| {
    for loaded in policy_model::load_bytes("fuzz", data).documents {
        match &loaded.document {
            Document::Policy(p) => {
                let _ = policy_model::validate::validate_policy(p);
            }
            Document::CelPolicy(p) => {
                let _ = policy_model::validate::validate_cel_policy(p);
            }
            Document::Exception(e) => {
                let _ = policy_model::validate::validate_exception(e);
            }
            _ => {}
        }
        let _ = loaded.document.to_yaml();
    }
});
