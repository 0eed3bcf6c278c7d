//! Policy validation over arbitrary documents: never panics; every loaded document
//! serializes, and its YAML loads back as the same document (ARCHITECTURE: nothing is lost).

use policy_model::Document;

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    for loaded in policy_model::load_bytes("fuzz", data).documents {
        match &loaded.document {
            Document::Policy(p) => {
                let a = policy_model::validate::validate_policy(p);
                assert_eq!(a, policy_model::validate::validate_policy(p));
            }
            Document::CelPolicy(p) => {
                let _ = policy_model::validate::validate_cel_policy(p);
            }
            Document::Exception(e) => {
                let _ = policy_model::validate::validate_exception(e);
            }
            _ => {}
        }
        let Ok(yaml) = loaded.document.to_yaml() else {
            continue;
        };
        let back = policy_model::load_str("back", &yaml);
        assert!(back.errors.is_empty(), "{yaml}\n{:?}", back.errors);
        let docs: Vec<_> = back.documents.into_iter().map(|d| d.document).collect();
        assert_eq!(docs, [loaded.document], "{yaml}");
    }
}
