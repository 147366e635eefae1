//! The Lua scripts, each one atomic step on a stream's two keys.

use redis::Script;
use std::sync::LazyLock;

/// Appends or ends (see `append.lua`).
pub(crate) static APPEND: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("append.lua")));

/// Reads (see `replay.lua`).
pub(crate) static REPLAY: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("replay.lua")));
