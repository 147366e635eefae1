//! The consumer API's generated server, with a small implementation: each consumer gets
//! `maxEvents` events (default 10), one every 200 ms, then the final response.
//!
//! ```text
//! cargo run -p pushgen-golden --example consumer_server            # 127.0.0.1:8080
//! curl -N -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
//!      -d '{"topic":"news","maxEvents":3}' http://127.0.0.1:8080/consumers
//! ```

use pushgen_golden::consumer::operations::create_consumer::{
    Events, EventsOkHeaders, EventsResponse, Push, Response,
};
use pushgen_golden::consumer::server::{ConsumerApi, router};
use pushgen_golden::consumer::types;
use pushgen_runtime::server::{PushSink, RequestContext};
use std::time::Duration;

struct Consumers;

impl ConsumerApi for Consumers {
    async fn create_consumer(
        &self,
        _context: RequestContext,
        body: types::CreateConsumerRequest,
        push: PushSink<Push>,
    ) -> Response {
        if body.topic.is_empty() {
            // Before the first push, so the client gets a plain 400.
            return Response::BadRequest {
                body: types::Error {
                    message: "topic must not be empty".into(),
                },
            };
        }
        let consumer_id = format!("consumer-{}", body.topic);
        let total = i64::from(body.max_events.unwrap_or(10).clamp(0, 1000));
        let mut delivered = 0;
        for offset in 0..total {
            let event = types::Event::EventType1(types::EventType1 {
                text: format!("{} #{offset}", body.topic),
                priority: None,
            });
            let pushed = Events {
                consumer_id: consumer_id.clone(),
                offset,
                response: EventsResponse::Ok {
                    headers: EventsOkHeaders { offset },
                    body: event,
                },
            };
            if push.send(pushed).await.is_err() {
                eprintln!("{consumer_id}: the client left after {delivered} events");
                break;
            }
            delivered += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Response::Created {
            body: types::Consumer {
                consumer_id,
                topic: body.topic,
                delivered,
            },
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "consumer API listening on http://{}",
        listener.local_addr()?
    );
    pushgen_runtime::server::serve(listener, router(Consumers)).await
}
