//! Writing a report to stdout.

use std::io::Write;

/// `writeln!` into the report; a `String` cannot fail to take it.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use say;

/// Prints the report. A closed stdout (`pushgen codegen | head`) is not an error worth
/// a panic: the work is done either way.
pub fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `1 item`, `2 items`, `2 aliases`.
pub fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}
