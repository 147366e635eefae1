//! `RedisLog` answers as `MemoryLog` does (the cases of the runtime's replay tests), on a
//! real redis-server.

mod support;

use pushgen_redis::RedisLog;
use pushgen_runtime::replay::{ByteString, LogError, MAX_ID_LEN, Replay, ReplayLog};
use support::{RedisServer, TEST_LIMIT, options};

/// Runs `body` on a fresh server's log keeping `max_len` events, within the test limit.
macro_rules! with_log {
    ($test:expr, $max_len:expr, |$log:ident| $body:block) => {{
        let Some(server) = RedisServer::start($test) else {
            return;
        };
        let run = async {
            let $log = server.log(options($max_len)).await;
            $body
        };
        tokio::time::timeout(TEST_LIMIT, run)
            .await
            .expect("the test finished in time");
    }};
}

async fn append(log: &RedisLog, stream: &str, data: &str) -> String {
    log.append(
        stream,
        None,
        Some("tick"),
        ByteString::from(data.to_owned()),
    )
    .await
    .unwrap()
}

async fn replay(log: &RedisLog, stream: &str, after: Option<&str>) -> Replay {
    log.replay(stream, after).await.unwrap()
}

fn data(replay: &Replay) -> Vec<String> {
    match replay {
        Replay::After { entries, .. } => entries.iter().map(|e| e.data.to_string()).collect(),
        other => panic!("not events: {other:?}"),
    }
}

#[tokio::test]
async fn a_replay_has_what_came_after_the_id_and_nothing_before() {
    with_log!("a_replay_has_what_came_after", 1024, |log| {
        let mut ids = Vec::new();
        for d in ["a", "b", "c"] {
            ids.push(append(&log, "s", d).await);
        }
        // Redis entry ids, in order.
        assert!(ids.iter().all(|id| id.contains('-')), "{ids:?}");
        assert!(ids.windows(2).all(|w| entry_id(&w[0]) < entry_id(&w[1])));
        assert_eq!(data(&replay(&log, "s", Some(&ids[0])).await), ["b", "c"]);
        assert!(data(&replay(&log, "s", Some(&ids[2])).await).is_empty());
        // Streams are apart.
        let t = append(&log, "t", "x").await;
        assert!(data(&replay(&log, "t", Some(&t)).await).is_empty());
        assert_eq!(data(&replay(&log, "s", Some(&ids[1])).await), ["c"]);
        match replay(&log, "s", Some(&ids[1])).await {
            Replay::After { entries, ended } => {
                assert_eq!(entries[0].id, ids[2]);
                assert_eq!(entries[0].event.as_deref(), Some("tick"));
                assert_eq!(ended, None);
            }
            other => panic!("{other:?}"),
        }
    });
}

/// `1701234567890-3` as numbers, to compare.
fn entry_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap();
    (ms.parse().unwrap(), seq.parse().unwrap())
}

#[tokio::test]
async fn ids_a_handler_gives_are_kept_and_must_be_unique() {
    with_log!("ids_a_handler_gives", 1024, |log| {
        for id in ["job-7/a", "job-7/b"] {
            let kept = log
                .append("s", Some(id), None, ByteString::from_static("{}"))
                .await;
            assert_eq!(kept.as_deref(), Ok(id));
        }
        assert_eq!(
            log.append("s", Some("job-7/a"), None, ByteString::new())
                .await,
            Err(LogError::DuplicateId("job-7/a".into()))
        );
        match replay(&log, "s", Some("job-7/a")).await {
            Replay::After { entries, ended } => {
                assert_eq!(entries.len(), 1);
                assert_eq!(entries[0].id, "job-7/b");
                assert_eq!(entries[0].event, None);
                assert_eq!(entries[0].data, ByteString::from_static("{}"));
                assert_eq!(ended, None);
            }
            other => panic!("{other:?}"),
        }
        // A given id may look like an entry id; the ids clients see stay unique.
        let assigned = append(&log, "s", "x").await;
        assert_eq!(
            log.append("s", Some(&assigned), None, ByteString::new())
                .await,
            Err(LogError::DuplicateId(assigned.clone()))
        );
        let (ms, seq) = entry_id(&assigned);
        let ahead = format!("{ms}-{}", seq + 1);
        log.append("s", Some(&ahead), None, ByteString::from_static("given"))
            .await
            .unwrap();
        let next = append(&log, "s", "y").await;
        assert_ne!(next, ahead);
        assert_eq!(data(&replay(&log, "s", Some(&ahead)).await), ["y"]);
        assert_eq!(
            data(&replay(&log, "s", Some(&assigned)).await),
            ["given", "y"]
        );
    });
}

#[tokio::test]
async fn an_ended_stream_replays_its_end_then_answers_ended() {
    with_log!("an_ended_stream", 1024, |log| {
        let first = append(&log, "s", "a").await;
        let end = log
            .end(
                "s",
                None,
                Some("final"),
                ByteString::from_static("{\"status\":200}"),
            )
            .await
            .unwrap();
        assert!(entry_id(&first) < entry_id(&end));
        match replay(&log, "s", Some(&first)).await {
            Replay::After { entries, ended } => {
                assert!(entries.is_empty());
                let ended = ended.unwrap();
                assert_eq!(
                    (&*ended.id, ended.event.as_deref()),
                    (end.as_str(), Some("final"))
                );
                assert_eq!(ended.data, ByteString::from_static("{\"status\":200}"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(replay(&log, "s", Some(&end)).await, Replay::Ended(e) if e.id == end));
        assert_eq!(
            log.append("s", None, None, ByteString::new()).await,
            Err(LogError::Ended)
        );
        assert_eq!(
            log.end("s", None, None, ByteString::new()).await,
            Err(LogError::Ended)
        );
        // A given id on the end is kept too.
        log.end("u", Some("done"), None, ByteString::new())
            .await
            .unwrap();
        assert!(
            matches!(replay(&log, "u", Some("done")).await, Replay::Ended(e) if e.id == "done")
        );
        assert_eq!(
            log.append("u", Some("done"), None, ByteString::new()).await,
            Err(LogError::Ended)
        );
    });
}

#[tokio::test]
async fn an_id_that_left_the_log_is_a_gap_with_the_oldest_id_held() {
    with_log!("an_id_that_left_the_log", 3, |log| {
        let mut ids = Vec::new();
        for d in ["a", "b", "c", "d", "e"] {
            ids.push(append(&log, "s", d).await);
        }
        assert_eq!(
            replay(&log, "s", Some(&ids[0])).await,
            Replay::Gap {
                oldest: Some(ids[2].clone())
            }
        );
        assert_eq!(data(&replay(&log, "s", Some(&ids[2])).await), ["d", "e"]);
        // A given id that left the log leaves its hash entry too: it is a gap, and may be
        // given again, as in `MemoryLog`.
        for id in ["g1", "g2", "g3", "g4"] {
            log.append("t", Some(id), None, ByteString::new())
                .await
                .unwrap();
        }
        assert_eq!(
            replay(&log, "t", Some("g1")).await,
            Replay::Gap {
                oldest: Some("g2".into())
            }
        );
        log.append("t", Some("g1"), None, ByteString::new())
            .await
            .unwrap();
        // The end is kept beside the last `max_len` events, not in place of one.
        log.end("t", None, None, ByteString::new()).await.unwrap();
        match replay(&log, "t", None).await {
            Replay::After { entries, ended } => {
                let ids: Vec<_> = entries.iter().map(|e| &*e.id).collect();
                assert_eq!(ids, ["g3", "g4", "g1"]);
                assert!(ended.is_some());
            }
            other => panic!("{other:?}"),
        }
    });
}

#[tokio::test]
async fn garbage_unknown_and_over_long_ids_are_gaps() {
    with_log!("garbage_unknown_and_over_long_ids", 1024, |log| {
        let first = append(&log, "s", "a").await;
        let oldest = Replay::Gap {
            oldest: Some(first.clone()),
        };
        assert_eq!(replay(&log, "s", Some("not-an-id")).await, oldest);
        assert_eq!(replay(&log, "s", Some("99")).await, oldest);
        assert_eq!(replay(&log, "s", Some("0-1")).await, oldest);
        assert_eq!(replay(&log, "s", Some("")).await, oldest);
        assert_eq!(
            replay(&log, "s", Some(&"1".repeat(MAX_ID_LEN + 1))).await,
            oldest
        );
        // Even when an event was given that over-long id: it is never looked up.
        let long = "x".repeat(MAX_ID_LEN + 1);
        log.append("s", Some(&long), None, ByteString::new())
            .await
            .unwrap();
        assert_eq!(replay(&log, "s", Some(&long)).await, oldest);
        assert_eq!(
            replay(&log, "never", Some(&first)).await,
            Replay::Gap { oldest: None }
        );
    });
}

#[tokio::test]
async fn a_first_connection_gets_all_that_is_held() {
    with_log!("a_first_connection", 2, |log| {
        assert_eq!(
            replay(&log, "s", None).await,
            Replay::After {
                entries: Vec::new(),
                ended: None
            }
        );
        for d in ["a", "b", "c"] {
            append(&log, "s", d).await;
        }
        assert_eq!(data(&replay(&log, "s", None).await), ["b", "c"]);
    });
}

#[tokio::test]
async fn data_comes_back_byte_for_byte() {
    with_log!("data_comes_back_byte_for_byte", 1024, |log| {
        // Every ASCII byte, NUL and line breaks included, and text beyond it.
        let text: String = (0..=127u8)
            .map(char::from)
            .chain("é日本😀".chars())
            .collect();
        let bytes = ByteString::from(text);
        let id = log
            .append("s", None, Some("é"), bytes.clone())
            .await
            .unwrap();
        match replay(&log, "s", None).await {
            Replay::After { entries, .. } => {
                assert_eq!(entries[0].id, id);
                assert_eq!(entries[0].event.as_deref(), Some("é"));
                assert_eq!(entries[0].data, bytes);
            }
            other => panic!("{other:?}"),
        }
    });
}

#[tokio::test]
async fn a_tail_waits_out_a_quiet_stream() {
    // The redis client's connections time a reply out after half a second by default: a
    // tail's blocking read must not be one of them.
    with_log!("a_tail_waits_out_a_quiet_stream", 1024, |log| {
        use futures_util::StreamExt;
        use pushgen_runtime::replay::Tailed;
        append(&log, "quiet", "0").await;
        let mut tail = log.tail("quiet", None);
        assert!(matches!(tail.next().await, Some(Ok(Tailed::Event(_)))));
        let appending = async {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            append(&log, "quiet", "1").await;
        };
        let (next, ()) = tokio::join!(tail.next(), appending);
        match next {
            Some(Ok(Tailed::Event(entry))) => assert_eq!(&*entry.data, "1"),
            other => panic!("{other:?}"),
        }
    });
}
