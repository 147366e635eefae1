//! Every example of the real specs, read into its generated type and written back.
#![cfg(feature = "real")]

include!(concat!(env!("OUT_DIR"), "/examples.rs"));
