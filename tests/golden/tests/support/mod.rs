//! A test implementation of the consumer example, served on 127.0.0.1.

#![allow(dead_code, reason = "each test binary uses part of the support module")]

use pushgen_golden::consumer::client::CreateConsumerObserver;
use pushgen_golden::consumer::operations::create_consumer::{
    Events, EventsOkHeaders, EventsResponse, Push, Response,
};
use pushgen_golden::consumer::server::{ConsumerApi, router_with_config};
use pushgen_golden::consumer::types;
use pushgen_runtime::server::{PushSink, RequestContext, ServerConfig};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What the test server's handlers report about sends that failed.
#[derive(Clone, Default)]
pub struct Observed {
    pub send_failures: Arc<Mutex<Option<mpsc::UnboundedSender<u64>>>>,
    /// Notified by a test once its client has read the first push of `"until-read"`.
    pub first_read: Arc<tokio::sync::Notify>,
    /// How many times the handler ran.
    pub handled: Arc<std::sync::atomic::AtomicUsize>,
}

/// The test implementation. Topics:
/// - `""`: 400 before any push;
/// - `"forever"`: pushes until `send` fails (the client left), at most 100,000 times;
/// - `"late-error"`: one push, then 400 in-band;
/// - `"open-then-error"`: opens the stream without pushing, then 400 in-band;
/// - `"slow"`: one push, 300 ms of silence, then the final response;
/// - `"until-read"`: opens the stream, one push 50 ms later, then waits (at most 10 s)
///   until the test says its client read it, then a second push and the final response;
/// - anything else: `maxEvents` (default 3) events alternating message / heartbeat.
pub struct TestConsumers {
    pub observed: Observed,
}

pub fn event(consumer_id: &str, offset: i64) -> Push {
    let body = if offset % 2 == 0 {
        types::Event::EventType1(types::EventType1 {
            text: format!("message {offset}"),
            priority: (offset % 4 == 0).then_some(types::EventType1Priority::High),
        })
    } else {
        types::Event::EventType2(types::EventType2 {
            at: format!("2026-11-24T00:00:{:02}Z", offset % 60),
        })
    };
    Push::Events(Events {
        consumer_id: consumer_id.to_string(),
        offset,
        response: EventsResponse::Ok {
            headers: EventsOkHeaders { offset },
            body,
        },
    })
}

impl ConsumerApi for TestConsumers {
    async fn create_consumer(
        &self,
        _context: RequestContext,
        body: types::CreateConsumerRequest,
        push: PushSink<Push>,
    ) -> Response {
        self.observed
            .handled
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let bad = |message: &str| Response::BadRequest {
            body: types::Error {
                message: message.to_string(),
            },
        };
        let id = format!("c-{}", body.topic);
        match body.topic.as_str() {
            "" => return bad("topic is empty"),
            "forever" => {
                for offset in 0..100_000 {
                    if push.send(event(&id, offset)).await.is_err() {
                        if let Some(tx) = self.observed.send_failures.lock().unwrap().as_ref() {
                            let _ = tx.send(offset as u64);
                        }
                        return bad("client left");
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                return bad("the client never left");
            }
            "late-error" => {
                let _ = push.send(event(&id, 0)).await;
                return bad("failed after the first push");
            }
            "open-then-error" => {
                let _ = push.open().await;
                return bad("failed after opening");
            }
            "slow" => {
                let _ = push.send(event(&id, 0)).await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            "until-read" => {
                // The body is waiting for bytes when the push comes, as in a live stream.
                let _ = push.open().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = push.send(event(&id, 0)).await;
                let waited = tokio::time::timeout(
                    Duration::from_secs(10),
                    self.observed.first_read.notified(),
                )
                .await;
                if waited.is_err() {
                    return bad("the client never read the first push");
                }
                let _ = push.send(event(&id, 1)).await;
                return Response::Created {
                    body: types::Consumer {
                        consumer_id: id,
                        topic: body.topic,
                        delivered: 2,
                    },
                };
            }
            _ => {}
        }
        let n = i64::from(body.max_events.unwrap_or(3));
        let first = i64::from(body.topic == "slow");
        for offset in first..n {
            if push.send(event(&id, offset)).await.is_err() {
                break;
            }
        }
        Response::Created {
            body: types::Consumer {
                consumer_id: id,
                topic: body.topic,
                delivered: n,
            },
        }
    }
}

/// The consumer example's request.
pub fn request(topic: &str, max_events: Option<i32>) -> types::CreateConsumerRequest {
    types::CreateConsumerRequest {
        topic: topic.to_string(),
        max_events,
    }
}

#[derive(Default)]
/// An observer that keeps every push, and checks none comes after the final response.
pub struct Collect {
    pub pushes: Vec<Events>,
    pub finals: usize,
}

impl CreateConsumerObserver for Collect {
    fn on_events(&mut self, push: Events) {
        assert_eq!(self.finals, 0, "a push after the final response");
        self.pushes.push(push);
    }

    fn on_final(&mut self, _response: &Response) {
        self.finals += 1;
    }
}

/// Creates a consumer of `topic` with `count` events through `client`, and checks that
/// the observer saw every push typed and in order, then one final response, which is the
/// `201` with the count delivered.
pub async fn observe_every_push(
    client: &pushgen_golden::consumer::client::ConsumerApiClient,
    topic: &str,
    count: i32,
) {
    let mut observer = Collect::default();
    let response = client
        .create_consumer(&request(topic, Some(count)), &mut observer)
        .await
        .unwrap();
    assert_eq!(observer.pushes.len(), count as usize);
    let id = format!("c-{topic}");
    for (i, push) in observer.pushes.iter().enumerate() {
        let Push::Events(expected) = event(&id, i as i64);
        assert_eq!(push, &expected, "push {i}");
    }
    assert_eq!(observer.finals, 1);
    assert_eq!(
        response,
        Response::Created {
            body: types::Consumer {
                consumer_id: id,
                topic: topic.into(),
                delivered: i64::from(count),
            }
        }
    );
}

/// Serves the test implementation on 127.0.0.1 (a free port) until the runtime ends.
pub async fn serve(observed: Observed, config: ServerConfig) -> SocketAddr {
    serve_router(router_with_config(TestConsumers { observed }, config)).await
}

/// Serves any generated router on 127.0.0.1 (a free port) until the runtime ends.
pub async fn serve_router(app: pushgen_runtime::axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        pushgen_runtime::server::serve(listener, app).await.unwrap();
    });
    addr
}

/// The rule for a test whose outside peer (`what`) is missing: under `CI=true` it fails;
/// elsewhere it says loudly on stderr that it skipped, with how to install the peer
/// (`fix`), and the caller returns. Always `false`, for `if !present(..) { return }`.
pub fn peer_missing(test: &str, what: &str, fix: &str) -> bool {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what}, and CI=true: the peer is required ({fix})"
    );
    // Straight to the stderr handle: libtest captures `eprintln!` of a passing test, and
    // a skip must not pass silently.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: {what}; test `{test}` did not run. {fix}, or set CI=true to make this a \
         failure."
    );
    false
}

/// Bounds every test: a hang is a failure, not a stuck CI run.
pub async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the test took longer than 60 s")
}

/// A TCP proxy that cuts its `i`th connection after `cuts[i]` bytes from the server
/// (connections past the list are not cut): the network failing under a stream. The
/// `i`th connection goes to `upstreams[i % len]`: with two, a client cut off from one
/// server node comes back on the other.
pub async fn cutting_proxy(upstreams: &[SocketAddr], cuts: Vec<usize>) -> SocketAddr {
    let upstreams = upstreams.to_vec();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut cuts = cuts.into_iter();
        for i in 0.. {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let cut = cuts.next();
            let upstream = upstreams[i % upstreams.len()];
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                let mut left = cut.unwrap_or(usize::MAX);
                let mut buf = vec![0; 16 * 1024];
                while left > 0 {
                    let Ok(n) = server_read.read(&mut buf).await else {
                        break;
                    };
                    if n == 0 {
                        break;
                    }
                    let n = n.min(left);
                    if client_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    left -= n;
                }
                // Both sides dropped: the client sees its body end early, the server
                // its client gone.
                up.abort();
            });
        }
    });
    addr
}

/// A small deterministic generator, for cut points that are the same on every run.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The feed API of `fixtures/feed.yaml` on a `Hub`: its one operation watches the topic
/// the request names, and answers `503` with the reason when watching fails.
pub struct HubFeeds {
    pub hub: pushgen_runtime::server::Hub,
}

impl pushgen_golden::feed::server::Feeds for HubFeeds {
    async fn watch_feed(
        &self,
        context: RequestContext,
        params: pushgen_golden::feed::operations::watch_feed::Params,
        push: PushSink<pushgen_golden::feed::operations::watch_feed::Push>,
    ) -> pushgen_golden::feed::operations::watch_feed::Response {
        use pushgen_golden::feed::{operations::watch_feed, types};
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

/// An example program built beside the test running (`target/<profile>/examples`), which
/// `cargo test --workspace` builds; `None` when it is not there.
pub fn example(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join(name);
    path.exists().then_some(path)
}

/// A client configuration for streams cut again and again by a [`cutting_proxy`]: quick
/// reconnects (5 ms, at most 50 ms), eight in a row at most.
pub fn quick_reconnects() -> pushgen_runtime::client::Config {
    pushgen_runtime::client::Config {
        reconnect: pushgen_runtime::client::Reconnect {
            attempts: 8,
            delay: Duration::from_millis(5),
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
        },
        ..pushgen_runtime::client::Config::default()
    }
}
