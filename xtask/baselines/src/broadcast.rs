//! `axum-sse`'s `/broadcast`: the hand-written way to send one source to many SSE
//! clients, a `tokio::sync::broadcast` channel that every subscription receives from,
//! for `cargo xtask bench fanout`. A line `publish TOPIC COUNT SIZE` on the server's
//! standard input sends `COUNT` `entry` events of about `SIZE` bytes of JSON, then a
//! `final` event, to every subscription open then (`TOPIC` is the pushgen side's; one
//! channel serves here).

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};

use axum::response::sse::{Event, Sse};
use futures_util::{Stream, stream};
use tokio::sync::broadcast;

/// What the channel carries: an entry's JSON, or the end.
#[derive(Clone)]
enum Message {
    Entry(Arc<str>),
    Final,
}

/// Room for a whole broadcast, so that no subscription lags and loses events: the
/// comparison is of throughput, not of what happens to a slow reader.
const CAPACITY: usize = 1 << 17;

fn channel() -> &'static broadcast::Sender<Message> {
    static CHANNEL: OnceLock<broadcast::Sender<Message>> = OnceLock::new();
    CHANNEL.get_or_init(|| broadcast::channel(CAPACITY).0)
}

pub async fn subscribe() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = channel().subscribe();
    let events = stream::unfold(Some(receiver), |receiver| async move {
        let mut receiver = receiver?;
        match receiver.recv().await {
            Ok(Message::Entry(json)) => Some((
                Ok(Event::default().event("entry").data(&*json)),
                Some(receiver),
            )),
            Ok(Message::Final) => Some((Ok(Event::default().event("final").data("{}")), None)),
            // Lagged or closed: the stream ends without `final`, and the reader says so.
            Err(_) => None,
        }
    });
    Sse::new(events)
}

/// `publish TOPIC COUNT SIZE`, from the server's standard input.
pub fn command(line: &str) -> Result<(), String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let ["publish", _topic, count, size] = fields.as_slice() else {
        return Err(format!("unknown command {line:?}"));
    };
    let count: u64 = count.parse().map_err(|_| "COUNT is a number")?;
    let size: usize = size.parse().map_err(|_| "SIZE is a number")?;
    let text = "x".repeat(size.saturating_sub(32));
    for seq in 0..count {
        let json = serde_json::json!({ "seq": seq, "text": text }).to_string();
        // No subscriber is no error: nobody is watching.
        let _ = channel().send(Message::Entry(json.into()));
    }
    let _ = channel().send(Message::Final);
    Ok(())
}
