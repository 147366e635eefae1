//! pushgen's output for real specs, compiled (with the `real` feature; see build.rs).
//! `cargo xtask real` runs clippy on it with `-D warnings` and tests the examples.

#[cfg(feature = "real")]
pub mod openai {
    include!(concat!(env!("OUT_DIR"), "/openai.rs"));
}

#[cfg(feature = "real")]
pub mod ollama {
    include!(concat!(env!("OUT_DIR"), "/ollama.rs"));
}

#[cfg(feature = "real")]
pub mod mercure {
    include!(concat!(env!("OUT_DIR"), "/mercure.rs"));
}
