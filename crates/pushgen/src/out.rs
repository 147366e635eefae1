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

/// What `--check` says of `dir` against `from` (`report` from [`pushgen::output::Mode::Check`]),
/// and the exit status: failure when writing would change something.
pub fn check(dir: &str, from: &str, report: &pushgen::output::Report) -> std::process::ExitCode {
    let mut out = String::new();
    let status = if report.changed() {
        say!(out, "pushgen: {dir} is out of date with {from}:");
        for name in &report.written {
            say!(out, "  would write  {name}");
        }
        for name in &report.removed {
            say!(out, "  would remove {name}");
        }
        std::process::ExitCode::FAILURE
    } else {
        say!(out, "pushgen: {dir} is up to date with {from}");
        std::process::ExitCode::SUCCESS
    };
    print(&out);
    status
}

/// `5 files, 557 lines: 5 written, 0 unchanged[, 1 removed]`: what writing `files` files
/// did.
pub fn written(files: usize, report: &pushgen::output::Report) -> String {
    let removed = if report.removed.is_empty() {
        String::new()
    } else {
        format!(", {} removed", report.removed.len())
    };
    format!(
        "{}, {} lines: {} written, {} unchanged{removed}",
        plural(files, "file"),
        report.lines,
        report.written.len(),
        report.unchanged.len(),
    )
}

/// `1 item`, `2 items`, `2 aliases`.
pub fn plural(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}
