//! The golden generated code of every fixture, compiled once (`cargo xtask bless`
//! writes this file and `../generated/`; do not edit either by hand).

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/bench/mod.rs"]
pub mod bench;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/bodies/mod.rs"]
pub mod bodies;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/both_forms/mod.rs"]
pub mod both_forms;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/chat/mod.rs"]
pub mod chat;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/consumer/mod.rs"]
pub mod consumer;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/events32/mod.rs"]
pub mod events32;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/feed/mod.rs"]
pub mod feed;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/generate_ndjson/mod.rs"]
pub mod generate_ndjson;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/jobs/mod.rs"]
pub mod jobs;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/names/mod.rs"]
pub mod names;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/orders/mod.rs"]
pub mod orders;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/rooms/mod.rs"]
pub mod rooms;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/routes/mod.rs"]
pub mod routes;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/shapes/mod.rs"]
pub mod shapes;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/split/mod.rs"]
pub mod split;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/tags/mod.rs"]
pub mod tags;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/ticks/mod.rs"]
pub mod ticks;

#[rustfmt::skip] // prettyplease formats generated code, not rustfmt
#[path = "../generated/vault/mod.rs"]
pub mod vault;
