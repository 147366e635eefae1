//! The Redis keys of one log stream.

/// A stream's two keys: its entries, and the ids clients see mapped to entry ids.
pub(crate) struct Keys {
    pub(crate) stream: String,
    pub(crate) ids: String,
}

impl Keys {
    /// The stream's name is wrapped in braces, a Redis Cluster hash tag, so that both keys
    /// share a slot, as a script touching both requires on a cluster. (A name that is
    /// empty or starts with `}` makes an empty tag, which Redis ignores: such a stream
    /// would need one server, as it has now.)
    pub(crate) fn new(prefix: &str, name: &str) -> Self {
        let stream = format!("{prefix}{{{name}}}");
        let ids = format!("{stream}:ids");
        Keys { stream, ids }
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    #[test]
    fn both_keys_share_the_hash_tag() {
        let keys = Keys::new("pushgen:", "job-7");
        assert_eq!(keys.stream, "pushgen:{job-7}");
        assert_eq!(keys.ids, "pushgen:{job-7}:ids");
    }
}
