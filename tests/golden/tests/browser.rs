//! A peer nobody here wrote: headless Chromium's own `EventSource`, on a page
//! (`peers/eventsource.html`) that watches the generated feed server of
//! `fixtures/feed.yaml` and never calls `close()`. Across a server restart in the middle
//! of the feed it gets every entry once and in order, and the final event with its id:
//! it came back by itself with `Last-Event-ID`, and the handler streamed exactly twice
//! (it did not start over). After the end its reconnect is answered `204`, and the
//! browser stops for good (docs/PROTOCOL.md §8.3, §11.1).
//!
//! Peer-missing rule: without `chromium`, `chromium-browser` or `google-chrome` on
//! `PATH` this test fails when `CI=true` and otherwise says loudly on stderr that it
//! skipped. `.ci/run` installs Debian's `chromium`.

mod support;

use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::{Feeds, router_with_config};
use pushgen_golden::feed::types;
use pushgen_runtime::axum::{self, Router, extract::State, http::StatusCode, response::Html};
use pushgen_runtime::server::{Hub, PushSink, RequestContext, ServerConfig, Shutdown};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use support::{bounded, peer_missing};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

const PAGE: &str = include_str!("../peers/eventsource.html");
const FEED: &str = "news";
/// Short, so that the browser's reconnects (browsers default to about 3 s) fit the test.
const RETRY: Duration = Duration::from_millis(200);
/// For each thing the browser is waited for; well inside `bounded`'s 60 s.
const PATIENCE: Duration = Duration::from_secs(20);

/// The `Last-Event-ID` of every call of the handler, in order.
type Calls = Arc<watch::Sender<Vec<Option<String>>>>;

struct FeedServer {
    hub: Hub,
    calls: Calls,
}

impl Feeds for FeedServer {
    async fn watch_feed(
        &self,
        context: RequestContext,
        params: watch_feed::Params,
        push: PushSink<watch_feed::Push>,
    ) -> watch_feed::Response {
        // Every call, the `204` answers after the end too: the test tells those apart
        // by their id, which is the end's.
        self.calls
            .send_modify(|calls| calls.push(context.last_event_id.clone()));
        match self.hub.watch(&params.feed, &context, &push).await {
            Ok(response) => response,
            Err(e) => watch_feed::Response::ServiceUnavailable {
                body: types::Problem {
                    message: e.to_string(),
                },
            },
        }
    }
}

/// What the page posts to `/report`: everything it has seen so far.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    phase: String,
    ready_state: u8,
    seqs: Vec<i64>,
    ids: Vec<String>,
    #[serde(rename = "final")]
    end: Option<Final>,
    opens: u32,
    errors: u32,
    script_errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Final {
    id: String,
    data: Value,
}

/// What outlives a restart of the server: the hub (standing in for a shared log), and
/// what the test observes.
#[derive(Clone)]
struct World {
    hub: Hub,
    calls: Calls,
    reports: mpsc::UnboundedSender<Posted>,
}

/// The generated router and the page on one origin, so the `EventSource` needs no CORS.
fn app(world: &World, shutdown: &Shutdown) -> Router {
    let config = ServerConfig {
        retry: Some(RETRY),
        ..ServerConfig::default()
    }
    .shutdown(shutdown);
    let feeds = FeedServer {
        hub: world.hub.clone(),
        calls: world.calls.clone(),
    };
    let page = Router::new()
        .route("/page", axum::routing::get(|| async { Html(PAGE) }))
        .route("/report", axum::routing::post(report))
        .with_state(world.reports.clone());
    router_with_config(feeds, config).merge(page)
}

/// A report, or why the page's post was not one (the test fails on it, not the server).
type Posted = Result<Report, String>;

async fn report(State(reports): State<mpsc::UnboundedSender<Posted>>, body: String) -> StatusCode {
    let seen = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"));
    let status = match seen {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    let _ = reports.send(seen);
    status
}

/// One run of the server on a listener, until `stop` (dropped, it stops without waiting).
struct Running {
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(listener: TcpListener, world: &World) -> Running {
        let shutdown = Shutdown::new();
        let app = app(world, &shutdown);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                    shutdown.trigger();
                })
                .await
                .unwrap();
        });
        Running { stop, served }
    }

    /// Ends the open streams without their final event, as a restarting server does,
    /// and returns once every connection is closed and the port is free.
    async fn stop(self) {
        let _ = self.stop.send(());
        self.served.await.unwrap();
    }
}

/// Headless Chromium on a page, with a fresh profile; killed (with its helper
/// processes) on drop, and its output shown if the test failed.
struct Browser {
    child: Child,
    dir: PathBuf,
}

impl Browser {
    fn open(binary: &Path, url: &str) -> Browser {
        use std::os::unix::process::CommandExt;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("pushgen-browser-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("chromium.log")).unwrap();
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its renderer and zygote processes join this group, so one kill ends them all.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{} could not be started: {e}", binary.display()));
        Browser { child, dir }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.join("chromium.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("chromium's output (last 40 lines):");
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The first of `chromium`, `chromium-browser`, `google-chrome` on `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|binary| binary.is_file())
        })
}

/// The first report that satisfies `done`; reports can arrive out of order, so each
/// condition is on what was seen, not on which report it is.
async fn report_where(
    reports: &mut mpsc::UnboundedReceiver<Posted>,
    what: &str,
    done: impl Fn(&Report) -> bool,
) -> Report {
    let wait = async {
        loop {
            let report = reports
                .recv()
                .await
                .expect("the server is gone")
                .unwrap_or_else(|e| panic!("the page posted something that is not a report: {e}"));
            assert!(
                report.script_errors.is_empty(),
                "the page failed: {:?}",
                report.script_errors
            );
            if done(&report) {
                return report;
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("no report from the page {what} within {PATIENCE:?}"))
}

async fn calls_at_least(calls: &mut watch::Receiver<Vec<Option<String>>>, n: usize) {
    tokio::time::timeout(PATIENCE, calls.wait_for(|calls| calls.len() >= n))
        .await
        .unwrap_or_else(|_| panic!("the browser did not make request {n} within {PATIENCE:?}"))
        .unwrap();
}

async fn publish(hub: &Hub, seqs: std::ops::Range<i64>) {
    for seq in seqs {
        let entry = watch_feed::Push::Entry(watch_feed::Entry {
            feed: FEED.into(),
            seq,
            response: watch_feed::EntryResponse::Ok {
                body: types::Entry {
                    seq,
                    text: format!("entry {seq}"),
                },
            },
        });
        hub.publish(FEED, &entry).await.unwrap();
    }
}

#[tokio::test]
async fn chromium_resumes_across_a_server_restart_and_stops_after_the_end() {
    let Some(binary) = chromium() else {
        peer_missing(
            "chromium_resumes_across_a_server_restart_and_stops_after_the_end",
            "no chromium, chromium-browser or google-chrome on PATH",
            "Install it with `apt-get install --no-install-recommends chromium` (.ci/run does)",
        );
        return;
    };
    bounded(async move {
        let (calls, mut calls_seen) = watch::channel(Vec::new());
        let (reports, mut reports_seen) = mpsc::unbounded_channel();
        let world = World {
            hub: Hub::memory(),
            calls: Arc::new(calls),
            reports,
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let server = Running::start(listener, &world);
        let _browser = Browser::open(&binary, &format!("http://{addr}/page"));

        // The first half live, to a browser that is already watching.
        calls_at_least(&mut calls_seen, 1).await;
        publish(&world.hub, 0..5).await;
        let before = report_where(&mut reports_seen, "with the first half", |r| {
            r.seqs.len() >= 5
        })
        .await;

        // The second half while the server is down: the browser can only have it from
        // the log, after the entry it last got.
        server.stop().await;
        publish(&world.hub, 5..10).await;
        let _server = Running::start(TcpListener::bind(addr).await.unwrap(), &world);
        calls_at_least(&mut calls_seen, 2).await;
        let end = world
            .hub
            .finish(
                FEED,
                &watch_feed::Response::Ok {
                    body: types::Closed { entries: 10 },
                },
            )
            .await
            .unwrap();

        let at_final = report_where(&mut reports_seen, "with the final event", |r| {
            r.end.is_some()
        })
        .await;
        let later = report_where(&mut reports_seen, "2 s after the end", |r| {
            r.phase == "later"
        })
        .await;
        let calls = calls_seen.borrow().clone();
        assert_what_the_browser_saw(&before, &at_final, &later, &end);
        assert_how_the_handler_was_called(&calls, &before, &end);
    })
    .await;
}

fn assert_what_the_browser_saw(before: &Report, at_final: &Report, later: &Report, end: &str) {
    assert_eq!(before.seqs, [0, 1, 2, 3, 4], "{before:?}");
    let all: Vec<i64> = (0..10).collect();
    assert_eq!(
        at_final.seqs, all,
        "every entry once, in order: {at_final:?}"
    );
    let ids: HashSet<&String> = at_final.ids.iter().collect();
    assert_eq!(ids.len(), 10, "each entry has its own id: {at_final:?}");
    let last = at_final.end.as_ref().unwrap();
    assert_eq!(last.id, end, "the final event carries the end's id");
    assert_eq!(last.data["status"], 200, "{}", last.data);
    assert_eq!(last.data["body"]["entries"], 10, "{}", last.data);
    assert_eq!(
        at_final.opens, 2,
        "the first connection and the resumed one"
    );
    // Nothing after the end: no stream was opened again, and the `204` closed the
    // source although the page never calls `close()`.
    assert_eq!(later.seqs, all, "{later:?}");
    assert_eq!(later.opens, 2, "a stream opened after the end: {later:?}");
    assert_eq!(later.ready_state, 2, "EventSource.CLOSED: {later:?}");
    assert!(
        later.errors >= 3,
        "the restart, the end of the body and the 204 each fire `error`: {later:?}"
    );
}

fn assert_how_the_handler_was_called(calls: &[Option<String>], before: &Report, end: &str) {
    let streamed = calls.iter().filter(|id| id.as_deref() != Some(end)).count();
    assert_eq!(
        streamed, 2,
        "the handler streamed once per connection, not from the start again: {calls:?}"
    );
    let resumed_after = before.ids.last().cloned();
    assert_eq!(
        calls,
        [None, resumed_after, Some(end.to_owned())],
        "a first connection, one that resumed after the last entry before the restart, \
         and one after the end, answered 204"
    );
}
