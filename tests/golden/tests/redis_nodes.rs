//! Two generated server nodes on one Redis: pushes published on node A reach a client
//! that keeps being cut off and comes back on node A or node B, each push once and in
//! order; and Redis going away mid-stream ends the stream with the operation's declared
//! error, not a hang. Needs `redis-server` (`.ci/run` installs it): missing, the test
//! fails under `CI=true` and says loudly that it skipped otherwise.

mod support;

use pushgen_golden::feed::client::FeedsClient;
use pushgen_golden::feed::operations::watch_feed;
use pushgen_golden::feed::server::router_with_config;
use pushgen_golden::feed::types;
use pushgen_redis::testing::RedisServer;
use pushgen_redis::{Options, RedisLog};
use pushgen_runtime::client::{Config, Notice, Pushed, Reconnect};
use pushgen_runtime::server::{Hub, ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;
use support::{HubFeeds, bounded};

/// A server node with its own connection to Redis, as a process of its own would have.
async fn node(redis: &RedisServer, max_len: usize) -> (Hub, SocketAddr) {
    let options = Options {
        max_len,
        timeout: Duration::from_secs(1),
        ..Options::default()
    };
    let log = RedisLog::connect(&redis.url(), options).await.unwrap();
    let hub = Hub::new(log);
    let config = ServerConfig {
        retry: Some(Duration::from_millis(5)),
        ..ServerConfig::default()
    };
    let addr =
        support::serve_router(router_with_config(HubFeeds { hub: hub.clone() }, config)).await;
    (hub, addr)
}

fn entry(feed: &str, seq: i64) -> watch_feed::Push {
    watch_feed::Push::Entry(watch_feed::Entry {
        feed: feed.into(),
        seq,
        response: watch_feed::EntryResponse::Ok {
            body: types::Entry {
                seq,
                text: "an entry of about 100 bytes, give or take".into(),
            },
        },
    })
}

fn client(addr: SocketAddr) -> FeedsClient {
    FeedsClient::new(format!("http://{addr}")).with_config(Config {
        reconnect: Reconnect {
            attempts: 8,
            delay: Duration::from_millis(5),
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(50),
        },
        ..Config::default()
    })
}

#[tokio::test]
async fn a_client_cut_off_from_one_node_resumes_on_the_other_with_nothing_lost() {
    let Some(redis) =
        RedisServer::start("a_client_cut_off_from_one_node_resumes_on_the_other_with_nothing_lost")
    else {
        return;
    };
    bounded(async {
        const PUSHES: i64 = 10_000;
        let (a, node_a) = node(&redis, 20_000).await;
        let (_b, node_b) = node(&redis, 20_000).await;
        let mut rng = support::XorShift(0x0dd_ba11);
        let cuts = (0..200).map(|_| 4096 + rng.below(28 * 1024) as usize).collect();
        // Connections alternate between the nodes: every reconnect changes node.
        let proxy = support::cutting_proxy(&[node_a, node_b], cuts).await;
        let mut stream = client(proxy)
            .watch_feed_stream(&watch_feed::Params {
                feed: "nodes".into(),
            })
            .with_notices();
        let publisher = tokio::spawn(async move {
            for seq in 0..PUSHES {
                a.publish("nodes", &entry("nodes", seq)).await.unwrap();
            }
            a.finish(
                "nodes",
                &watch_feed::Response::Ok {
                    body: types::Closed { entries: PUSHES },
                },
            )
            .await
            .unwrap();
        });
        let mut seqs = Vec::new();
        let mut reconnects = 0;
        let response = loop {
            match stream.next_event().await.unwrap() {
                Pushed::Push(watch_feed::Push::Entry(entry)) => seqs.push(entry.seq),
                Pushed::Final(response) => break response,
                Pushed::Notice(Notice::Reconnecting { .. }) => reconnects += 1,
                Pushed::Notice(other) => panic!("{other:?}"),
            }
        };
        publisher.await.unwrap();
        assert!(seqs.iter().copied().eq(0..PUSHES), "lost, repeated or out of order");
        assert_eq!(
            response,
            watch_feed::Response::Ok {
                body: types::Closed { entries: PUSHES }
            }
        );
        assert!(reconnects >= 20, "only {reconnects} cuts");
        eprintln!("{PUSHES} pushes published on node A, each once and in order, across {reconnects} cuts alternating between the nodes");
    })
    .await;
}

#[tokio::test]
async fn redis_going_away_mid_stream_ends_it_with_the_declared_error() {
    let Some(mut redis) =
        RedisServer::start("redis_going_away_mid_stream_ends_it_with_the_declared_error")
    else {
        return;
    };
    bounded(async {
        let (a, node_a) = node(&redis, 1024).await;
        for seq in 0..10 {
            a.publish("down", &entry("down", seq)).await.unwrap();
        }
        let mut stream = client(node_a).watch_feed_stream(&watch_feed::Params {
            feed: "down".into(),
        });
        for seq in 0..10 {
            match stream.next_event().await.unwrap() {
                Pushed::Push(watch_feed::Push::Entry(entry)) => assert_eq!(entry.seq, seq),
                other => panic!("{other:?}"),
            }
        }
        // The node's watcher waits on Redis for more when Redis goes.
        redis.kill();
        match stream.next_event().await.unwrap() {
            Pushed::Final(watch_feed::Response::ServiceUnavailable { body }) => {
                assert!(body.message.contains("Redis"), "{}", body.message);
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}
