//! The `pushgen` binary as a user runs it: exit codes, what it prints, what it writes.

use std::fs;
use std::path::{Path, PathBuf};

mod support;
use std::time::{Duration, SystemTime};
use support::{TempDir, assert_exit, pushgen, text};

const GENERATED: [&str; 5] = [
    "mod.rs",
    "types.rs",
    "operations.rs",
    "server.rs",
    "client.rs",
];

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn broken_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/broken")
        .join(name)
}

fn mtimes(dir: &Path) -> Vec<SystemTime> {
    GENERATED
        .iter()
        .map(|name| {
            fs::metadata(dir.join(name))
                .and_then(|m| m.modified())
                .expect("generated file has a modification time")
        })
        .collect()
}

#[test]
fn broken_spec_reports_file_pointer_and_message_and_writes_nothing() {
    let tmp = TempDir::new("broken");
    let spec = broken_fixture("14-duplicate-operation-id.yaml");
    // The catalogue's own expectation, so this test and the fixture cannot drift apart.
    let first_line = fs::read_to_string(&spec)
        .expect("read broken fixture")
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let fields: Vec<String> = first_line
        .strip_prefix("# expect:")
        .expect("fixture starts with `# expect: <pointer> | <message> | <line>:<column>`")
        .split('|')
        .map(|f| f.trim().to_string())
        .collect();
    let [pointer, message, location] = &fields[..] else {
        panic!("fixture starts with `# expect: <pointer> | <message> | <line>:<column>`");
    };
    let out = tmp.join("out");

    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--out",
        path_arg(&out),
    ]);

    assert!(!output.status.success(), "a broken spec must fail");
    let stderr = text(&output.stderr);
    for wanted in [
        &format!("14-duplicate-operation-id.yaml:{location}: error: "),
        &format!("#{pointer}"),
        message,
    ] {
        assert!(
            stderr.contains(wanted),
            "stderr lacks `{wanted}`:\n{stderr}"
        );
    }
    assert!(!out.exists(), "the out directory was created");
    assert_eq!(
        fs::read_dir(&tmp.0).expect("list temp dir").count(),
        0,
        "something was written next to the out directory"
    );
}

/// The fixture's `# expect: <pointer> | <message> | <line>:<column>` first line.
fn expectation(spec: &Path) -> (String, String, usize, usize) {
    let text = fs::read_to_string(spec).expect("read broken fixture");
    let first = text.lines().next().unwrap_or("");
    let fields: Vec<&str> = first
        .strip_prefix("# expect:")
        .expect("fixture starts with `# expect:`")
        .split('|')
        .map(str::trim)
        .collect();
    let [pointer, message, location] = fields[..] else {
        panic!("fixture starts with `# expect: <pointer> | <message> | <line>:<column>`");
    };
    let (line, column) = location.split_once(':').expect("line:column");
    (
        pointer.to_string(),
        message.to_string(),
        line.parse().expect("line number"),
        column.parse().expect("column number"),
    )
}

/// The text without ANSI SGR sequences (`ESC [ ... m`), as a reader sees it.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn color_always_shows_the_source_line_with_a_marker_under_the_column() {
    let tmp = TempDir::new("color");
    let spec = broken_fixture("14-duplicate-operation-id.yaml");
    let (pointer, message, line, column) = expectation(&spec);
    let source = fs::read_to_string(&spec).expect("read broken fixture");
    let source_line = source
        .lines()
        .nth(line - 1)
        .expect("the expected line exists");
    let out = tmp.join("out");

    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--out",
        path_arg(&out),
        "--color",
        "always",
    ]);

    assert_exit(&output, 1, "a broken spec with --color always");
    let raw = text(&output.stderr);
    assert!(
        raw.contains('\u{1b}'),
        "--color always should colour:\n{raw}"
    );
    let stderr = strip_ansi(&raw);
    assert!(
        stderr.starts_with(&format!("error: {message}\n")),
        "the title is the message:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("14-duplicate-operation-id.yaml:{line}:{column}\n")),
        "the snippet's origin is file:line:col:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("= note: at #{pointer}\n")),
        "a note gives the pointer:\n{stderr}"
    );
    // `12 |       operationId: fetch`, then the marker line: its `^` stands under the
    // column's character, the gutter being as wide on both lines.
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("{line} |")) && l.ends_with(source_line))
        .unwrap_or_else(|| panic!("no snippet of line {line} `{source_line}`:\n{stderr}"));
    let text_starts = lines[at].len() - source_line.len();
    let marker = lines.get(at + 1).copied().unwrap_or("");
    let caret = marker
        .find('^')
        .unwrap_or_else(|| panic!("no `^` under the line:\n{stderr}"));
    assert_eq!(
        caret - text_starts + 1,
        column,
        "the marker is not under column {column}:\n{stderr}"
    );
    assert!(!out.exists(), "the out directory was created");
}

#[test]
fn without_a_terminal_errors_stay_plain_lines() {
    let spec = broken_fixture("14-duplicate-operation-id.yaml");
    let (pointer, message, line, column) = expectation(&spec);
    let tmp = TempDir::new("plain");
    let out = tmp.join("out");
    let expected = format!(
        "14-duplicate-operation-id.yaml:{line}:{column}: error: {message} (at #{pointer})\n\
         pushgen: 1 error in 14-duplicate-operation-id.yaml; nothing was written\n"
    );
    // Tests run with stderr piped: `auto` must mean plain, like `never`.
    for color in ["auto", "never"] {
        let output = pushgen(&[
            "codegen",
            "--spec",
            path_arg(&spec),
            "--out",
            path_arg(&out),
            "--color",
            color,
        ]);
        assert_exit(&output, 1, color);
        assert_eq!(text(&output.stderr), expected, "--color {color}");
    }
}

#[test]
fn example_generates_then_stays_unchanged_and_check_detects_edits() {
    let tmp = TempDir::new("example");
    let gen_dir = tmp.join("gen");
    let gen_arg = path_arg(&gen_dir);

    let first = pushgen(&["codegen", "--out", gen_arg]);
    assert_exit(&first, 0, "first generation");
    let summary = text(&first.stdout);
    for word in ["operation", "push item", "type", "file", "lines"] {
        assert!(summary.contains(word), "summary lacks `{word}`:\n{summary}");
    }
    for name in GENERATED {
        assert!(gen_dir.join(name).is_file(), "{name} was not written");
        assert!(summary.contains(name), "summary lacks {name}:\n{summary}");
    }

    // Back-date the files: a rewrite in the same clock tick as the first run would
    // otherwise leave the modification time looking untouched.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for name in GENERATED {
        fs::File::options()
            .write(true)
            .open(gen_dir.join(name))
            .and_then(|f| f.set_modified(old))
            .expect("back-date generated file");
    }

    let second = pushgen(&["codegen", "--out", gen_arg]);
    assert_exit(&second, 0, "second generation");
    let summary = text(&second.stdout);
    assert!(
        summary.contains("0 written, 5 unchanged"),
        "second run should change nothing:\n{summary}"
    );
    assert_eq!(mtimes(&gen_dir), vec![old; GENERATED.len()]);

    let check = pushgen(&["codegen", "--out", gen_arg, "--check"]);
    assert_exit(&check, 0, "--check on fresh output");
    assert!(text(&check.stdout).contains("up to date"));

    let edited = gen_dir.join("types.rs");
    let mut content = fs::read_to_string(&edited).expect("read types.rs");
    content.push_str("// a hand edit\n");
    fs::write(&edited, &content).expect("edit types.rs");
    let before = mtimes(&gen_dir);
    let listing = |dir: &Path| {
        let mut names: Vec<_> = fs::read_dir(dir)
            .expect("list gen dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        names
    };
    let files_before = listing(&gen_dir);

    let check = pushgen(&["codegen", "--out", gen_arg, "--check"]);
    assert_exit(&check, 1, "--check after an edit");
    let report = text(&check.stdout);
    assert!(
        report.contains("types.rs"),
        "--check should name the stale file:\n{report}"
    );
    assert_eq!(
        fs::read_to_string(&edited).unwrap(),
        content,
        "--check wrote"
    );
    assert_eq!(mtimes(&gen_dir), before, "--check touched a file");
    assert_eq!(
        listing(&gen_dir),
        files_before,
        "--check added or removed a file"
    );
}

#[test]
fn files_pushgen_did_not_write_survive_regeneration() {
    let tmp = TempDir::new("user-file");
    let gen_dir = tmp.join("gen");
    let gen_arg = path_arg(&gen_dir);
    assert_exit(&pushgen(&["codegen", "--out", gen_arg]), 0, "generation");
    let notes = gen_dir.join("NOTES.md");
    fs::write(&notes, "mine, not pushgen's\n").expect("write user file");
    fs::write(gen_dir.join("types.rs"), "stale\n").expect("spoil types.rs");

    let again = pushgen(&["codegen", "--out", gen_arg]);
    assert_exit(&again, 0, "regeneration");
    assert!(text(&again.stdout).contains("1 written, 4 unchanged"));
    assert_ne!(
        fs::read_to_string(gen_dir.join("types.rs")).unwrap(),
        "stale\n"
    );

    // Generating fewer parts removes pushgen's own files, and only those.
    let fewer = pushgen(&["codegen", "--out", gen_arg, "--types"]);
    assert_exit(&fewer, 0, "types-only regeneration");
    assert!(!gen_dir.join("server.rs").exists());
    assert!(!gen_dir.join("client.rs").exists());
    assert_eq!(
        fs::read_to_string(&notes).expect("user file survives"),
        "mine, not pushgen's\n"
    );
}

#[test]
fn missing_spec_file_is_a_clear_error() {
    let tmp = TempDir::new("missing");
    let spec = tmp.join("no-such-spec.yaml");
    let out = tmp.join("out");

    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--out",
        path_arg(&out),
    ]);

    assert!(!output.status.success(), "a missing spec must fail");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no-such-spec.yaml") && stderr.contains("cannot read"),
        "stderr should say which file cannot be read:\n{stderr}"
    );
    assert!(!out.exists(), "the out directory was created");
}

#[test]
fn help_describes_the_command_and_its_flags() {
    let top = pushgen(&["--help"]);
    assert_exit(&top, 0, "pushgen --help");
    // Top-level help lists subcommands; the flags belong to `codegen`.
    assert!(text(&top.stdout).contains("codegen"));

    let codegen = pushgen(&["codegen", "--help"]);
    assert_exit(&codegen, 0, "pushgen codegen --help");
    let help = text(&codegen.stdout);
    for flag in [
        "--spec",
        "--overlay",
        "--out",
        "--types",
        "--server",
        "--client",
        "--check",
        "--color",
    ] {
        assert!(help.contains(flag), "codegen --help lacks {flag}:\n{help}");
    }
    let inspect = pushgen(&["inspect", "--help"]);
    assert_exit(&inspect, 0, "pushgen inspect --help");
    assert!(text(&inspect.stdout).contains("--overlay"));
}

/// An error inside a file the spec `$ref`s is shown from that file, at its line.
#[test]
fn an_error_in_a_referenced_file_names_that_file_and_line() {
    let tmp = TempDir::new("referenced");
    fs::create_dir_all(tmp.join("sub")).expect("make sub");
    fs::write(
        tmp.join("spec.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'sub/a.yaml'}\n",
    )
    .expect("write spec");
    fs::write(
        tmp.join("sub/a.yaml"),
        "type: object\nproperties:\n  b: {$ref: '#/nope'}\n",
    )
    .expect("write a.yaml");
    let spec = tmp.join("spec.yaml");
    let out = tmp.join("out");
    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--out",
        path_arg(&out),
    ]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("a.yaml:3:13: error: unresolved `$ref`: nothing at a.yaml#/nope"),
        "{stderr}"
    );
    let rich = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--out",
        path_arg(&out),
        "--color",
        "always",
    ]);
    let rich = text(&rich.stderr);
    assert!(rich.contains("b: {$ref: '#/nope'}"), "{rich}");
    assert!(!out.exists());
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

#[test]
fn an_overlay_annotates_the_spec_that_inspect_and_codegen_read() {
    let spec = fixture("overlay/spec.yaml");
    let overlay = fixture("overlay/terminator.overlay.yaml");
    let ends = "      ends with data `[DONE]`\n";

    let plain = pushgen(&["inspect", "--spec", path_arg(&spec)]);
    assert_exit(&plain, 0, "inspect without the overlay");
    assert!(
        !text(&plain.stdout).contains(ends),
        "{}",
        text(&plain.stdout)
    );

    let overlaid = pushgen(&[
        "inspect",
        "--spec",
        path_arg(&spec),
        "--overlay",
        path_arg(&overlay),
    ]);
    assert_exit(&overlaid, 0, "inspect with the overlay");
    let summary = text(&overlaid.stdout);
    assert!(
        summary.contains(&format!(
            "complete  stream (item): text/event-stream, 1 item\n      - Chunk (any event)\n{ends}"
        )),
        "{summary}"
    );
    assert_eq!(text(&overlaid.stderr), "", "nothing to warn about");

    let tmp = TempDir::new("overlay");
    let out = tmp.join("out");
    let generated = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&spec),
        "--overlay",
        path_arg(&overlay),
        "--out",
        path_arg(&out),
    ]);
    assert_exit(&generated, 0, "codegen with the overlay");
    assert!(out.join("mod.rs").is_file());
}

#[test]
fn overlays_apply_in_the_order_given() {
    let tmp = TempDir::new("overlay-order");
    let terminator = |name: &str, data: &str| {
        let path = tmp.join(name);
        let text = format!(
            "overlay: 1.0.0\ninfo: {{title: {name}, version: '1'}}\nactions:\n  \
             - target: $.paths['/complete'].post.responses['200'].content['text/event-stream']\n    \
             update: {{x-push-terminator: '{data}'}}\n"
        );
        fs::write(&path, text).expect("write overlay");
        path
    };
    let done = terminator("done.yaml", "[DONE]");
    let end = terminator("end.yaml", "[END]");
    let spec = fixture("overlay/spec.yaml");
    for (first, second, wanted) in [(&done, &end, "[END]"), (&end, &done, "[DONE]")] {
        let output = pushgen(&[
            "inspect",
            "--spec",
            path_arg(&spec),
            "--overlay",
            path_arg(first),
            "--overlay",
            path_arg(second),
        ]);
        assert_exit(&output, 0, "inspect with two overlays");
        let summary = text(&output.stdout);
        assert!(
            summary.contains(&format!("ends with data `{wanted}`")),
            "the last overlay wins:\n{summary}"
        );
    }
}

#[test]
fn a_target_that_selects_nothing_is_a_warning_and_generation_goes_on() {
    let tmp = TempDir::new("overlay-warning");
    let out = tmp.join("out");
    let overlay = fixture("overlay/zero-match.overlay.yaml");
    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&fixture("overlay/spec.yaml")),
        "--overlay",
        path_arg(&overlay),
        "--out",
        path_arg(&out),
    ]);
    assert_exit(&output, 0, "a zero-match overlay");
    assert_eq!(
        text(&output.stderr),
        format!(
            "{}:8:13: warning: target `$.paths['/complete'].get` selects nothing in the spec; \
             this action changed nothing (at #/actions/0/target)\n",
            overlay.display()
        )
    );
    assert!(out.join("mod.rs").is_file(), "a warning stops nothing");
}

#[test]
fn a_broken_overlay_reports_its_file_line_and_pointer_and_writes_nothing() {
    let tmp = TempDir::new("overlay-broken");
    let out = tmp.join("out");
    let overlay = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/broken-overlays/08-target-not-jsonpath.yaml");
    // The catalogue's own expectation, so this test and the fixture cannot drift apart.
    let (pointer, message, line, column) = expectation(&overlay);
    let output = pushgen(&[
        "codegen",
        "--spec",
        path_arg(&fixture("overlay/spec.yaml")),
        "--overlay",
        path_arg(&overlay),
        "--out",
        path_arg(&out),
    ]);
    assert_exit(&output, 1, "a broken overlay");
    let stderr = text(&output.stderr);
    let first = stderr.lines().next().unwrap_or("");
    let located = format!("{}:{line}:{column}: error: ", overlay.display());
    assert!(first.starts_with(&located), "{stderr}");
    assert!(first.contains(&message), "{stderr}");
    assert!(first.ends_with(&format!(" (at #{pointer})")), "{stderr}");
    assert!(
        stderr
            .ends_with("\npushgen: 1 error in 08-target-not-jsonpath.yaml; nothing was written\n"),
        "the summary names the overlay, not the spec:\n{stderr}"
    );
    assert!(!out.exists(), "the out directory was created");
    assert_eq!(fs::read_dir(&tmp.0).expect("list temp dir").count(), 0);

    // On a terminal, the overlay's own line is shown.
    let rich = pushgen(&[
        "inspect",
        "--spec",
        path_arg(&fixture("overlay/spec.yaml")),
        "--overlay",
        path_arg(&overlay),
        "--color",
        "always",
    ]);
    assert_exit(&rich, 1, "a broken overlay, inspected");
    let rich = strip_ansi(&text(&rich.stderr));
    assert!(rich.contains("  - target: $.paths[/complete]"), "{rich}");
    assert!(rich.contains(&format!("= note: at #{pointer}")), "{rich}");
}

#[test]
fn a_missing_overlay_file_is_a_clear_error() {
    let output = pushgen(&[
        "inspect",
        "--spec",
        path_arg(&fixture("overlay/spec.yaml")),
        "--overlay",
        "no-such-overlay.yaml",
    ]);
    assert_exit(&output, 1, "a missing overlay");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: cannot read no-such-overlay.yaml: "),
        "{stderr}"
    );
}

#[test]
fn the_openai_overlay_ends_chat_completion_streams_with_done_and_declares_their_error() {
    let output = pushgen(&[
        "inspect",
        "--spec",
        path_arg(&fixture("real/openai.yaml")),
        "--overlay",
        path_arg(&fixture("real/openai.overlay.yaml")),
    ]);
    assert_exit(&output, 0, "inspect OpenAI with its overlay");
    assert_eq!(text(&output.stderr), "", "every target selects something");
    let summary = text(&output.stdout);
    // The operation's row, then its detail lines, indented further.
    let lines: Vec<&str> = summary.lines().collect();
    let row = lines
        .iter()
        .position(|l| l.starts_with("  POST /chat/completions "))
        .unwrap_or_else(|| panic!("no POST /chat/completions:\n{summary}"));
    let details: Vec<&str> = lines[row + 1..]
        .iter()
        .take_while(|l| l.starts_with("      "))
        .copied()
        .collect();
    assert!(
        lines[row].contains("createChatCompletion"),
        "{}",
        lines[row]
    );
    assert!(lines[row].contains("text/event-stream"), "{}", lines[row]);
    let details: Vec<&str> = details.iter().map(|l| l.trim()).collect();
    assert_eq!(
        details[details.len().saturating_sub(2)..],
        [
            "ends with data `[DONE]`",
            "fails with ErrorResponse (x-push-error)"
        ],
        "{summary}"
    );
    // Only chat completions: the Responses API and the others end without a sentinel.
    assert_eq!(summary.matches("ends with data").count(), 1, "{summary}");
}
