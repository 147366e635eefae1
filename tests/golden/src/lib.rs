//! The golden generated code of every fixture, compiled once (`cargo xtask bless`
//! writes this file and `../generated/`; do not edit either by hand).

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/consumer/mod.rs"]
pub mod consumer;
