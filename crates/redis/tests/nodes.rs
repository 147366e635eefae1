//! Several nodes on one Redis, and Redis going away under them.

mod support;

use pushgen_runtime::replay::{ByteString, LogError, Replay, ReplayLog};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{RedisServer, TEST_LIMIT, options};

#[tokio::test]
async fn two_nodes_see_each_others_appends() {
    let Some(server) = RedisServer::start("two_nodes_see_each_others_appends") else {
        return;
    };
    let run = async {
        // Two values from two connections, as two server processes would have.
        let a: Arc<dyn ReplayLog> = Arc::new(server.log(options(1024)).await);
        let b: Arc<dyn ReplayLog> = Arc::new(server.log(options(1024)).await);
        let first = a
            .append("job", None, Some("tick"), ByteString::from_static("1"))
            .await
            .unwrap();
        b.append(
            "job",
            Some("from-b"),
            Some("tick"),
            ByteString::from_static("2"),
        )
        .await
        .unwrap();
        // Ids are unique across nodes, whichever node gave one first.
        assert_eq!(
            a.append("job", Some("from-b"), None, ByteString::new())
                .await,
            Err(LogError::DuplicateId("from-b".into()))
        );
        let end = a
            .end("job", None, Some("final"), ByteString::from_static("3"))
            .await
            .unwrap();
        // A client of `a` reconnects to `b`, and the other way round.
        match b.replay("job", Some(&first)).await.unwrap() {
            Replay::After { entries, ended } => {
                let ids: Vec<_> = entries.iter().map(|e| &*e.id).collect();
                assert_eq!(ids, ["from-b"]);
                assert_eq!(ended.map(|e| e.id.to_string()), Some(end.clone()));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(a.replay("job", Some(&end)).await.unwrap(), Replay::Ended(e) if e.id == end)
        );
        assert_eq!(
            b.append("job", None, None, ByteString::new()).await,
            Err(LogError::Ended)
        );
    };
    tokio::time::timeout(TEST_LIMIT, run)
        .await
        .expect("the test finished in time");
}

#[tokio::test]
async fn two_nodes_appending_at_once_keep_one_order_and_unique_ids() {
    let Some(server) = RedisServer::start("two_nodes_appending_at_once") else {
        return;
    };
    let run = async {
        let a = server.log(options(1024)).await;
        let b = server.log(options(1024)).await;
        let write = |log: pushgen_redis::RedisLog, node: &'static str| async move {
            for i in 0..50 {
                // Both nodes try the same given ids: exactly one of each pair lands.
                let id = format!("shared-{i}");
                match log
                    .append("race", Some(&id), None, ByteString::from_static(node))
                    .await
                {
                    Ok(_) | Err(LogError::DuplicateId(_)) => {}
                    Err(e) => panic!("{e}"),
                }
                log.append("race", None, None, ByteString::from_static(node))
                    .await
                    .unwrap();
            }
        };
        tokio::join!(
            tokio::spawn(write(a.clone(), "a")),
            tokio::spawn(write(b, "b"))
        )
        .0
        .unwrap();
        let Replay::After { entries, .. } = a.replay("race", None).await.unwrap() else {
            panic!("not events");
        };
        // Each shared id landed once, and every assigned one.
        assert_eq!(entries.len(), 50 + 100);
        let shared = entries.iter().filter(|e| e.id.starts_with("shared-"));
        assert_eq!(shared.count(), 50);
        let mut ids: Vec<_> = entries.iter().map(|e| e.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), entries.len(), "ids clients see are unique");
    };
    tokio::time::timeout(TEST_LIMIT, run)
        .await
        .expect("the test finished in time");
}

#[tokio::test]
async fn redis_gone_answers_unavailable_within_the_timeout() {
    let Some(mut server) = RedisServer::start("redis_gone_answers_unavailable") else {
        return;
    };
    let run = async {
        let opts = options(1024);
        let timeout = opts.timeout;
        let log = server.log(opts).await;
        let id = log
            .append("s", None, None, ByteString::from_static("1"))
            .await
            .unwrap();
        server.kill();
        // Every kind of call, twice: the first meets the dropped connection, the next
        // ones a reconnection that cannot succeed.
        for _ in 0..2 {
            let started = Instant::now();
            let appended = log
                .append("s", None, None, ByteString::from_static("2"))
                .await;
            assert!(
                matches!(appended, Err(LogError::Unavailable(_))),
                "{appended:?}"
            );
            let ended = log.end("s", None, None, ByteString::new()).await;
            assert!(matches!(ended, Err(LogError::Unavailable(_))), "{ended:?}");
            let replayed = log.replay("s", Some(&id)).await;
            assert!(
                matches!(replayed, Err(LogError::Unavailable(_))),
                "{replayed:?}"
            );
            // Three calls, each bounded by the timeout, with room for a slow machine.
            assert!(
                started.elapsed() < 3 * timeout + Duration::from_secs(2),
                "took {:?}",
                started.elapsed()
            );
        }
    };
    tokio::time::timeout(TEST_LIMIT, run)
        .await
        .expect("the test finished in time");
}

#[tokio::test]
async fn connecting_to_no_server_answers_unavailable() {
    let run = async {
        // A port nothing listens on: bound, read, let go.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("redis://127.0.0.1:{port}/");
        let connected = pushgen_redis::RedisLog::connect(&url, options(1024)).await;
        assert!(
            matches!(connected, Err(LogError::Unavailable(_))),
            "{connected:?}"
        );
    };
    tokio::time::timeout(TEST_LIMIT, run)
        .await
        .expect("the test finished in time");
}

#[tokio::test]
async fn a_watcher_on_one_node_sees_what_another_node_appends_as_it_comes() {
    use futures_util::StreamExt;
    use pushgen_runtime::replay::Tailed;
    let Some(server) =
        RedisServer::start("a_watcher_on_one_node_sees_what_another_node_appends_as_it_comes")
    else {
        return;
    };
    let run = async {
        let a = server.log(options(1024)).await;
        let b = server.log(options(1024)).await;
        a.append("feed", None, Some("tick"), ByteString::from_static("0"))
            .await
            .unwrap();
        // Node B's watcher: what node A held, then what A appends while B waits.
        let watcher = tokio::spawn(async move {
            let mut tail = b.tail("feed", None);
            let mut seen = Vec::new();
            while let Some(next) = tail.next().await {
                match next.unwrap() {
                    Tailed::Event(entry) => seen.push(entry.data),
                    Tailed::End(end) => {
                        seen.push(end.data);
                        break;
                    }
                    other => panic!("{other:?}"),
                }
            }
            seen
        });
        for n in 1..50u8 {
            // Some while the watcher waits, some while it is reading.
            if n % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            a.append("feed", None, Some("tick"), ByteString::from(n.to_string()))
                .await
                .unwrap();
        }
        a.end("feed", None, Some("final"), ByteString::from_static("end"))
            .await
            .unwrap();
        let seen = watcher.await.unwrap();
        let mut expected: Vec<ByteString> = vec![ByteString::from_static("0")];
        expected.extend((1..50u8).map(|n| ByteString::from(n.to_string())));
        expected.push(ByteString::from_static("end"));
        assert_eq!(seen, expected, "every event once, in order, then the end");
        // A tail that starts after an id that left the log says so first.
        let c = server.log(options(4)).await;
        let mut gone = c.tail("feed", Some("no-such-id"));
        assert!(matches!(
            gone.next().await,
            Some(Ok(Tailed::Gap { oldest: Some(_) }))
        ));
    };
    tokio::time::timeout(TEST_LIMIT, run)
        .await
        .expect("the test finished in time");
}
