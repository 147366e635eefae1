//! The consumer API's generated client: creates a consumer and prints each push as it
//! arrives, through an observer, then the final response. Start the example server first.
//!
//! ```text
//! cargo run -p pushgen-golden --example consumer_client -- news 5
//! ```

use pushgen_golden::consumer::client::{ConsumerApiClient, CreateConsumerObserver};
use pushgen_golden::consumer::operations::create_consumer::{Events, Response};
use pushgen_golden::consumer::types;

struct Print;

impl CreateConsumerObserver for Print {
    fn on_events(&mut self, push: Events) {
        println!(
            "push: consumer {} offset {}: {:?}",
            push.consumer_id, push.offset, push.response
        );
    }

    fn on_final(&mut self, response: &Response) {
        println!("final: {response:?}");
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let topic = args.next().unwrap_or_else(|| "news".to_string());
    let max_events = args.next().and_then(|n| n.parse().ok());
    let base = std::env::var("CONSUMER_API").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = ConsumerApiClient::new(base);
    let request = types::CreateConsumerRequest { topic, max_events };
    if let Err(error) = client.create_consumer(&request, &mut Print).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
