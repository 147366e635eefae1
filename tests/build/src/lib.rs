//! What `build.rs` generated, included as a crate that uses pushgen through its build
//! includes it: one `include_api!` per spec.

/// The runtime, re-exported: the generated code names it as `crate::rt`
/// (`Builder::runtime_path`), so this crate's users need no dependency of their own.
pub use pushgen_runtime as rt;

/// The consumer API of the server-push proposal.
pub mod consumer {
    pushgen_runtime::include_api!("consumer");
}

/// A completion stream ended by `data: [DONE]`, which only the overlay declares.
pub mod completions {
    pushgen_runtime::include_api!("completions");
}

/// A spec spread over several files.
pub mod split {
    pushgen_runtime::include_api!("split");
}

/// A spec with tags: each is one of this crate's features (`Builder::tag_features`).
pub mod tags {
    pushgen_runtime::include_api!("tags");
}

/// Types this crate had before it generated any code.
pub mod problem {
    /// The service's own error, used for the spec's `Error` schema
    /// (`Builder::extern_type`).
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct Problem {
        pub message: String,
    }
}
