//! Watches a feed of `fixtures/feed.yaml` with the generated client's observer, and
//! prints what happens: each entry, each reconnect (the stream survives its server going
//! away and coming back, or moving to another node), and the feed's end.
//!
//! ```text
//! feed_client [BASE_URL] [TOPIC]     # http://127.0.0.1:8081 news
//! ```

use pushgen_golden::feed::client::{FeedsClient, WatchFeedObserver};
use pushgen_golden::feed::operations::watch_feed;
use pushgen_runtime::client::Notice;
use std::io::Write;
use std::process::ExitCode;

struct Printer;

fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

impl WatchFeedObserver for Printer {
    fn on_entry(&mut self, push: watch_feed::Entry) {
        let watch_feed::EntryResponse::Ok { body } = push.response;
        say(&format!("entry {}: {}", push.seq, body.text));
    }

    fn on_notice(&mut self, notice: &Notice) {
        match notice {
            Notice::Reconnecting {
                attempt,
                after,
                last_event_id,
                cause,
            } => say(&format!(
                "reconnecting in {after:?} (attempt {attempt}, after id {}): {cause}",
                last_event_id.as_deref().unwrap_or("none")
            )),
            Notice::Gap { oldest } => say(&format!(
                "missed entries: the server holds them from id {} on",
                oldest.as_deref().unwrap_or("none")
            )),
            // Notices a newer runtime adds.
            other => say(&format!("{other:?}")),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8081".into());
    let topic = args.next().unwrap_or_else(|| "news".into());
    let client = FeedsClient::new(base);
    let params = watch_feed::Params { feed: topic };
    match client.watch_feed(&params, &mut Printer).await {
        Ok(watch_feed::Response::Ok { body }) => {
            say(&format!("the feed closed after {} entries", body.entries));
            ExitCode::SUCCESS
        }
        Ok(watch_feed::Response::ServiceUnavailable { body }) => {
            eprintln!(
                "feed_client: the server cannot serve the feed: {}",
                body.message
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("feed_client: {e}");
            ExitCode::FAILURE
        }
    }
}
