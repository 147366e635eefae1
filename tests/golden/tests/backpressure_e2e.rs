//! A slow reader slows the writer, through the connection, and nothing on either side
//! grows without bound: a client that stops reading an envelope stream and an item
//! stream stalls the server handler's `send` once the buffers between them (the
//! server's pipe, the sockets, the client's pump) are full, and the stream then carries
//! on, whole and in order, when the client reads again.

mod support;

use pushgen_golden::bench::client::PushBenchmarkClient;
use pushgen_golden::bench::operations::{envelope, items_ndjson, items_sse, secured_envelope};
use pushgen_golden::bench::server::{PushBenchmark, router};
use pushgen_golden::bench::types::{Record, Summary};
use pushgen_runtime::client::{PushBinding, Pushed};
use pushgen_runtime::server::{Attempt, ItemSink, PushSink, Refusal, RequestContext};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use support::bounded;

/// Records of about 1 KiB: 30,000 of them are 30 MB, far more than every buffer
/// between the handler and the reader holds.
const COUNT: i64 = 30_000;
const SIZE: usize = 1024;
/// What the buffers between them may hold, in records: the server's pipe (64 KiB), the
/// two sockets (a few MiB each on loopback), the client's pump (eight chunks) and
/// hyper's buffers. Measured here: 4,000 to 6,000.
const BUFFERED: i64 = 12_000;

/// Counts the records the handler's `send` has returned for.
#[derive(Clone, Default)]
struct Counted {
    sent: Arc<AtomicI64>,
}

fn record(seq: i64) -> Record {
    Record {
        seq,
        payload: "x".repeat(SIZE - 32),
    }
}

impl PushBenchmark for Counted {
    // The secured stream is the benchmark's; these tests give no one a credential.
    type Identity = ();

    async fn authenticate(&self, _: Attempt) -> Result<(), Refusal> {
        Err(Refusal::unauthenticated("these tests issue no credentials"))
    }

    async fn secured_envelope(
        &self,
        _context: RequestContext,
        (): (),
        _: secured_envelope::Params,
        _: PushSink<secured_envelope::Push>,
    ) -> secured_envelope::Response {
        secured_envelope::Response::Ok {
            body: Summary { count: 0 },
        }
    }

    async fn envelope(
        &self,
        _context: RequestContext,
        params: envelope::Params,
        push: PushSink<envelope::Push>,
    ) -> envelope::Response {
        for seq in 0..params.count {
            let pushed = envelope::Record {
                seq: seq.to_string(),
                response: envelope::RecordResponse::Ok { body: record(seq) },
            };
            if push.send(pushed).await.is_err() {
                break;
            }
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
        envelope::Response::Ok {
            body: Summary {
                count: self.sent.load(Ordering::Relaxed),
            },
        }
    }

    async fn items_sse(
        &self,
        _context: RequestContext,
        params: items_sse::Params,
        items: ItemSink<items_sse::Items>,
    ) -> items_sse::Response {
        for seq in 0..params.count {
            if items.send(record(seq)).await.is_err() {
                break;
            }
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
        items_sse::Response::Ok
    }

    async fn items_ndjson(
        &self,
        _context: RequestContext,
        params: items_ndjson::Params,
        items: ItemSink<items_ndjson::Items>,
    ) -> items_ndjson::Response {
        for seq in 0..params.count {
            if items.send(record(seq)).await.is_err() {
                break;
            }
            self.sent.fetch_add(1, Ordering::Relaxed);
        }
        items_ndjson::Response::Ok
    }
}

/// Once the reader has paused: the handler is stalled (its count stops growing) with no
/// more than `BUFFERED` records ahead of the reader.
async fn stalled(sent: &AtomicI64, read: i64) {
    let mut last = sent.load(Ordering::Relaxed);
    loop {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let now = sent.load(Ordering::Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    eprintln!(
        "the handler stalled {} records ahead of the reader",
        last - read
    );
    assert!(
        last < COUNT,
        "the handler sent everything to a reader that had stopped"
    );
    assert!(
        last - read <= BUFFERED,
        "{} records were buffered for a stopped reader",
        last - read
    );
}

#[tokio::test]
async fn a_client_that_stops_reading_stalls_the_handler_and_then_gets_everything() {
    bounded(async {
        for (kind, binding) in [
            ("envelope, NDJSON", Some(PushBinding::NdJson)),
            ("envelope, SSE", Some(PushBinding::Sse)),
            ("items, NDJSON", None),
        ] {
            let server = Counted::default();
            let sent = server.sent.clone();
            let addr = support::serve_router(router(server)).await;
            let client = PushBenchmarkClient::new(format!("http://{addr}"));
            let mut next = 0;
            match binding {
                Some(binding) => {
                    let params = envelope::Params {
                        count: COUNT,
                        size: SIZE as i64,
                    };
                    let mut stream = client.envelope_stream(&params).binding(binding);
                    loop {
                        match stream.next_event().await.unwrap() {
                            Pushed::Push(envelope::Push::Record(push)) => {
                                let envelope::RecordResponse::Ok { body } = push.response;
                                assert_eq!(body.seq, next, "{kind}");
                                next += 1;
                                if next == 100 {
                                    stalled(&sent, next).await;
                                }
                            }
                            Pushed::Final(envelope::Response::Ok { body }) => {
                                assert_eq!(body.count, COUNT, "{kind}");
                                break;
                            }
                            Pushed::Notice(notice) => panic!("{kind}: {notice:?}"),
                        }
                    }
                }
                None => {
                    let params = items_ndjson::Params {
                        count: COUNT,
                        size: SIZE as i64,
                    };
                    let mut stream = client.items_ndjson(&params);
                    while let Some(item) = stream.next_item().await {
                        assert_eq!(item.unwrap().seq, next, "{kind}");
                        next += 1;
                        if next == 100 {
                            stalled(&sent, next).await;
                        }
                    }
                }
            }
            assert_eq!(next, COUNT, "{kind}: every record, once, in order");
        }
    })
    .await;
}
