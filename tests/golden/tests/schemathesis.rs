//! A peer nobody here wrote: schemathesis (PyPI, pinned in `.ci/run`) generates requests
//! from a fixture's spec, valid and not, sends them to its generated server, and checks
//! every answer against the spec with `--checks all`: no server error, no undeclared
//! status, content type or body shape, invalid data refused, valid data accepted, and
//! security enforced. Two fixtures: `orders` (every validation keyword), served in this
//! process, and `vault` (every kind of security scheme), its `vault_server` example, given
//! a valid credential for each scheme. schemathesis reads `x-push` as an extension and
//! ignores it, so each spec goes to it with `push` spelled `x-push`.
//!
//! Peer-missing rule: see `python_support`.

mod python_support;
mod support;

use pushgen_golden::orders::operations::{get_order, place_order};
use pushgen_golden::orders::server::{OrdersApi, router};
use pushgen_golden::orders::types;
use pushgen_runtime::server::{PushSink, RequestContext};
use python_support::{Peer, drain, missing, python_present};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const TEST: &str = "schemathesis";
/// What `.ci/run` installs.
const PINNED: &str = "schemathesis==4.32.5";
/// Examples per operation and phase: enough to reach each rule, few enough for CI.
const MAX_EXAMPLES: &str = "40";

struct Orders;

impl OrdersApi for Orders {
    async fn place_order(
        &self,
        _: RequestContext,
        params: place_order::Params,
        body: types::Order,
        push: PushSink<place_order::Push>,
    ) -> place_order::Response {
        let update = place_order::Updates {
            store: params.store,
            step: 1,
            response: place_order::UpdatesResponse::Ok {
                body: types::Update {
                    status: types::UpdateStatus::Accepted,
                },
            },
        };
        let _ = push.send(update).await;
        place_order::Response::Created {
            body: types::Placed {
                id: 1,
                sku: body.sku,
                quantity: body.quantity,
            },
        }
    }

    async fn get_order(&self, _: RequestContext, params: get_order::Params) -> get_order::Response {
        get_order::Response::Ok {
            body: types::Placed {
                id: params.id,
                sku: "ABC-1234".into(),
                quantity: 1,
            },
        }
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(format!("{name}.yaml"))
}

/// Whether schemathesis can be run.
fn schemathesis_present() -> bool {
    if !python_present(TEST) {
        return false;
    }
    let output = Command::new("python3")
        .args(["-c", "import schemathesis"])
        .stdin(Stdio::null())
        .output()
        .expect("python3 could not be started");
    output.status.success()
        || missing(
            TEST,
            "python3 cannot import schemathesis",
            &format!("Install it with `python3 -m pip install {PINNED}`"),
        )
}

/// What one run found.
#[derive(Debug)]
struct Found {
    generated: u64,
    failures: Vec<String>,
    output: String,
}

/// Runs schemathesis on `spec` (with `push` spelled `x-push`) against `base`, with `auth`
/// as the config file's `[auth…]` sections, in a scratch directory of its own (it keeps
/// caches in its working directory).
fn schemathesis(name: &str, spec: &Path, base: &str, auth: &str) -> Found {
    let dir = std::env::temp_dir().join(format!(
        "pushgen-schemathesis-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(spec).unwrap();
    let text = text.replace("\n      push:\n", "\n      x-push:\n");
    std::fs::write(dir.join("openapi.yaml"), text).unwrap();
    std::fs::write(
        dir.join("schemathesis.toml"),
        format!("[cache]\nenabled = false\n\n{auth}"),
    )
    .unwrap();
    let report = dir.join("report.json");
    let mut peer = Peer::spawn(
        Command::new("python3")
            .args([
                "-m",
                "schemathesis.cli",
                "--config-file",
                "schemathesis.toml",
                "--no-color",
            ])
            .args(["run", "openapi.yaml", "--url", base, "--checks", "all"])
            .args([
                "--max-examples",
                MAX_EXAMPLES,
                "--seed",
                "42",
                "--workers",
                "1",
            ])
            .args([
                "--phases",
                "examples,coverage,fuzzing",
                "--request-timeout",
                "10",
            ])
            .args(["--generation-database", "none", "--report", "json"])
            .arg("--report-json-path")
            .arg(&report)
            .current_dir(&dir)
            .env("HYPOTHESIS_STORAGE_DIRECTORY", dir.join(".hypothesis"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let stdout = drain(peer.child.stdout.take().unwrap());
    let stderr = drain(peer.child.stderr.take().unwrap());
    let exit = peer
        .wait_for(Duration::from_secs(240))
        .expect("schemathesis did not finish within 240 s");
    let output = String::from_utf8_lossy(&stdout.recv_timeout(Duration::from_secs(5)).unwrap())
        .into_owned()
        + &String::from_utf8_lossy(&stderr.recv_timeout(Duration::from_secs(5)).unwrap());
    let report: Value = match std::fs::read_to_string(&report) {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let _ = std::fs::remove_dir_all(&dir);
    let generated = report["test_cases"]["generated"].as_u64().unwrap_or(0);
    let failures: Vec<String> = report["failures"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| format!("{} {} on {}", f["code"], f["title"], f["operations"]))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        exit.success() || !failures.is_empty(),
        "schemathesis exited with {exit} and no failures in its report:\n{output}"
    );
    Found {
        generated,
        failures,
        output,
    }
}

fn assert_clean(name: &str, found: &Found) {
    assert!(
        found.failures.is_empty(),
        "{name}: schemathesis found {:?}\n{}",
        found.failures,
        found.output
    );
    assert!(
        found.generated >= 100,
        "{name}: only {} cases\n{}",
        found.generated,
        found.output
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "schemathesis on {name}: {} cases, no failures",
        found.generated
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_nothing_wrong_with_the_orders_server() {
    if !schemathesis_present() {
        return;
    }
    let addr = support::serve_router(router(Orders)).await;
    let base = format!("http://{addr}");
    let found =
        tokio::task::spawn_blocking(move || schemathesis("orders", &fixture("orders"), &base, ""))
            .await
            .unwrap();
    assert_clean("orders", &found);
}

#[test]
fn schemathesis_finds_nothing_wrong_with_the_vault_server_given_credentials() {
    if !schemathesis_present() {
        return;
    }
    let Some(program) = support::example("vault_server") else {
        support::peer_missing(
            TEST,
            "the vault_server example is not built",
            "run `cargo test --workspace`, which builds it",
        );
        return;
    };
    let mut server = Peer::spawn(
        Command::new(program)
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let mut line = String::new();
    BufReader::new(server.child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("vault listening on ")
        .unwrap_or_else(|| panic!("vault_server printed {line:?}"))
        .to_string();
    // A valid credential for each scheme the server's toy authenticator knows.
    let auth = r#"
[auth.openapi.bearerAuth]
bearer = "tok-ada"
[auth.openapi.headerKey]
api_key = "key-header"
[auth.openapi.basicAuth]
username = "ada"
password = "p:w"
[auth.openapi.queryKey]
api_key = "key-query"
[auth.openapi.sessionCookie]
api_key = "sess-ada"
[auth.openapi.oauth]
bearer = "oauth-writer"
[auth.openapi.openId]
bearer = "oidc-ada"
"#;
    let found = schemathesis("vault", &fixture("vault"), &base, auth);
    assert_clean("vault", &found);
}
