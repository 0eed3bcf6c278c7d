//! YAML/JSON → documents: never panics, streaming and in-memory loading agree.

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let in_memory = policy_model::load_bytes("fuzz", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let streamed = policy_model::load_reader("fuzz", text.as_bytes());
        assert_eq!(in_memory.documents, streamed.documents);
    }
}
