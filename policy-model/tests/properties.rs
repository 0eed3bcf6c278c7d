//! Property tests: round trips of generated model values; the loader never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use policy_model::arbitrary::{cluster_policy, json_value};
use policy_model::{Document, load_bytes, load_str};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn policy_yaml_round_trip(policy in cluster_policy()) {
        let doc = Document::Policy(Box::new(policy));
        let yaml = doc.to_yaml().unwrap();
        let out = load_str("gen.yaml", &yaml);
        prop_assert!(out.errors.is_empty(), "{:?}\n{}", out.errors, yaml);
        prop_assert_eq!(out.documents.len(), 1);
        prop_assert_eq!(&out.documents[0].document, &doc, "{}", yaml);
    }

    #[test]
    fn policy_json_round_trip(policy in cluster_policy()) {
        let doc = Document::Policy(Box::new(policy));
        let json = policy_model::to_json(&doc.to_value().unwrap()).unwrap();
        let out = load_str("gen.json", &json);
        prop_assert!(out.errors.is_empty(), "{:?}", out.errors);
        prop_assert_eq!(&out.documents[0].document, &doc);
    }

    #[test]
    fn resource_values_round_trip(value in json_value()) {
        let resource = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "data": value});
        let yaml = policy_model::to_yaml(&resource).unwrap();
        let out = load_str("r.yaml", &yaml);
        prop_assert!(out.errors.is_empty(), "{:?}\n{}", out.errors, yaml);
        prop_assert_eq!(out.documents[0].document.to_value().unwrap(), resource);
    }

    #[test]
    fn loader_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_bytes("fuzz", &bytes);
        let _ = policy_model::DocumentReader::new("fuzz", bytes.as_slice()).count();
    }

    #[test]
    fn loader_never_panics_on_yamlish_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("---\n"), Just("...\n"), Just("apiVersion: kyverno.io/v1\n"), Just("kind: ClusterPolicy\n"),
                Just("kind: List\nitems:\n"), Just("- "), Just("  "), Just("spec:\n"), Just("rules:\n"),
                Just("&a "), Just("*a "), Just("[ "), Just("] "), Just("{ "), Just("} "), Just(": "), Just("\"x"),
                Just("'y'"), Just("|\n"), Just(">-\n"), Just("? "), Just("# c\n"), Just("%YAML 1.1\n"),
                Just("!!str "), Just("<<: "), Just("\t"), Just("\n"), Just("1e999"), Just("~"), Just("validate: "),
            ],
            0..40,
        )
    ) {
        let text: String = parts.concat();
        let in_memory = load_str("fuzz.yaml", &text);
        let streamed = policy_model::load_reader("fuzz.yaml", text.as_bytes());
        // Streaming and in-memory loading split documents identically.
        prop_assert_eq!(&in_memory.documents, &streamed.documents, "{:?}", text);
        prop_assert_eq!(in_memory.errors.len(), streamed.errors.len(), "{:?}", text);
    }
}
