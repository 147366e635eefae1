use super::*;
use futures_util::StreamExt;

fn log(entries: usize, bytes: usize, streams: usize) -> MemoryLog {
    MemoryLog::new(Bounds {
        entries,
        bytes,
        streams,
    })
}

fn append(log: &MemoryLog, stream: &str, data: &str) -> String {
    log.append_now(
        stream,
        None,
        Some("tick"),
        ByteString::from(data.to_owned()),
    )
    .unwrap()
}

fn data(replay: &Replay) -> Vec<String> {
    match replay {
        Replay::After { entries, .. } => entries.iter().map(|e| e.data.to_string()).collect(),
        other => panic!("not events: {other:?}"),
    }
}

#[test]
fn a_replay_has_what_came_after_the_id_and_nothing_before() {
    let log = MemoryLog::default();
    let ids: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|d| append(&log, "s", d))
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(data(&log.replay_now("s", Some("1"))), ["b", "c"]);
    assert_eq!(data(&log.replay_now("s", Some("3"))), Vec::<String>::new());
    // Streams are apart.
    append(&log, "t", "x");
    assert_eq!(data(&log.replay_now("t", Some("1"))), Vec::<String>::new());
    assert_eq!(data(&log.replay_now("s", Some("2"))), ["c"]);
}

#[test]
fn ids_a_handler_gives_are_kept_and_must_be_unique() {
    let log = MemoryLog::default();
    for id in ["job-7/a", "job-7/b"] {
        log.append_now("s", Some(id), None, ByteString::from_static("{}"))
            .unwrap();
    }
    assert_eq!(
        log.append_now("s", Some("job-7/a"), None, ByteString::new()),
        Err(LogError::DuplicateId("job-7/a".into()))
    );
    match log.replay_now("s", Some("job-7/a")) {
        Replay::After { entries, ended } => {
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].id, "job-7/b");
            assert_eq!(entries[0].event, None);
            assert_eq!(ended, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_ended_stream_replays_its_end_then_answers_ended() {
    let log = MemoryLog::default();
    append(&log, "s", "a");
    let end = log
        .end_now(
            "s",
            None,
            Some("final"),
            ByteString::from_static("{\"status\":200}"),
        )
        .unwrap();
    assert_eq!(end, "2");
    match log.replay_now("s", Some("1")) {
        Replay::After { entries, ended } => {
            assert!(entries.is_empty());
            let ended = ended.unwrap();
            assert_eq!((&*ended.id, ended.event.as_deref()), ("2", Some("final")));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(log.replay_now("s", Some("2")), Replay::Ended(end) if end.id == "2"));
    assert_eq!(
        log.append_now("s", None, None, ByteString::new()),
        Err(LogError::Ended)
    );
    assert_eq!(
        log.end_now("s", None, None, ByteString::new()),
        Err(LogError::Ended)
    );
}

#[test]
fn an_id_that_left_the_log_is_a_gap_with_the_oldest_id_held() {
    let log = log(3, usize::MAX, 8);
    for d in ["a", "b", "c", "d", "e"] {
        append(&log, "s", d);
    }
    assert_eq!(
        log.replay_now("s", Some("1")),
        Replay::Gap {
            oldest: Some("3".into())
        }
    );
    assert_eq!(data(&log.replay_now("s", Some("3"))), ["d", "e"]);
}

#[test]
fn the_byte_bound_evicts_oldest_first_but_keeps_the_newest() {
    // Each entry is id (1 byte) + "tick" (4) + data (10): 15 bytes.
    let log = log(100, 40, 8);
    for d in ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"] {
        append(&log, "s", d);
    }
    assert_eq!(
        log.replay_now("s", Some("1")),
        Replay::Gap {
            oldest: Some("2".into())
        }
    );
    let huge = "x".repeat(1000);
    append(&log, "s", &huge);
    assert_eq!(
        log.replay_now("s", Some("3")),
        Replay::Gap {
            oldest: Some("4".into())
        }
    );
}

#[test]
fn garbage_unknown_and_over_long_ids_are_gaps() {
    let log = MemoryLog::default();
    append(&log, "s", "a");
    let oldest = Replay::Gap {
        oldest: Some("1".into()),
    };
    assert_eq!(log.replay_now("s", Some("not-an-id")), oldest);
    assert_eq!(log.replay_now("s", Some("99")), oldest);
    assert_eq!(
        log.replay_now("s", Some(&"1".repeat(MAX_ID_LEN + 1))),
        oldest
    );
    assert_eq!(
        log.replay_now("never", Some("1")),
        Replay::Gap { oldest: None }
    );
}

#[test]
fn the_stream_bound_drops_the_stream_appended_to_least_recently() {
    let log = log(10, usize::MAX, 2);
    append(&log, "a", "1");
    append(&log, "b", "1");
    append(&log, "a", "2");
    append(&log, "c", "1");
    assert_eq!(log.replay_now("b", Some("1")), Replay::Gap { oldest: None });
    assert_eq!(data(&log.replay_now("a", Some("1"))), ["2"]);
    assert_eq!(data(&log.replay_now("c", Some("1"))), Vec::<String>::new());
}

#[tokio::test]
async fn the_trait_object_answers_as_the_log_does() {
    let log: Arc<dyn ReplayLog> = Arc::new(MemoryLog::default());
    let id = log
        .append("s", None, Some("tick"), ByteString::from_static("1"))
        .await
        .unwrap();
    log.append("s", None, Some("tick"), ByteString::from_static("2"))
        .await
        .unwrap();
    let replay = log.replay("s", Some(id.as_str())).await.unwrap();
    assert_eq!(data(&replay), ["2"]);
}

#[test]
fn a_first_connection_gets_all_that_is_held() {
    let log = log(2, usize::MAX, 8);
    assert_eq!(data(&log.replay_now("s", None)), Vec::<String>::new());
    for d in ["a", "b", "c"] {
        append(&log, "s", d);
    }
    assert_eq!(data(&log.replay_now("s", None)), ["b", "c"]);
}

fn next(tail: &mut BoxStream<'_, Result<Tailed, LogError>>) -> Option<Tailed> {
    use futures_util::FutureExt;
    tail.next()
        .now_or_never()
        .map(|item| item.unwrap().unwrap())
}

fn event_data(tailed: Option<Tailed>) -> String {
    match tailed {
        Some(Tailed::Event(entry)) => entry.data.to_string(),
        other => panic!("not an event: {other:?}"),
    }
}

#[test]
fn a_tail_gives_what_is_held_then_what_comes_then_the_end() {
    let log = MemoryLog::default();
    append(&log, "s", "a");
    let mut tail = log.tail("s", None);
    assert_eq!(event_data(next(&mut tail)), "a");
    assert_eq!(next(&mut tail), None, "waits for more");
    append(&log, "s", "b");
    assert_eq!(event_data(next(&mut tail)), "b");
    log.end_now("s", None, Some("final"), ByteString::from_static("{}"))
        .unwrap();
    assert!(matches!(next(&mut tail), Some(Tailed::End(end)) if end.id == "3"));
    use futures_util::FutureExt;
    assert!(
        matches!(tail.next().now_or_never(), Some(None)),
        "and then ends"
    );
}

#[test]
fn a_tail_starts_after_its_id_with_a_gap_or_at_the_end() {
    let log = log(2, usize::MAX, 8);
    for d in ["a", "b", "c"] {
        append(&log, "s", d);
    }
    let mut tail = log.tail("s", Some("2"));
    assert_eq!(event_data(next(&mut tail)), "c");
    let mut gone = log.tail("s", Some("1"));
    assert_eq!(
        next(&mut gone),
        Some(Tailed::Gap {
            oldest: Some("2".into())
        })
    );
    assert_eq!(event_data(next(&mut gone)), "b");
    let end = log.end_now("s", None, None, ByteString::new()).unwrap();
    let mut at_end = log.tail("s", Some(&end));
    assert!(matches!(next(&mut at_end), Some(Tailed::AtEnd(_))));
}

#[test]
fn a_tail_that_falls_behind_the_log_gets_a_gap_and_carries_on() {
    let log = log(2, usize::MAX, 8);
    let mut tail = log.tail("s", None);
    assert_eq!(next(&mut tail), None);
    for d in ["a", "b", "c", "d"] {
        append(&log, "s", d);
    }
    assert_eq!(
        next(&mut tail),
        Some(Tailed::Gap {
            oldest: Some("3".into())
        })
    );
    assert_eq!(event_data(next(&mut tail)), "c");
    assert_eq!(event_data(next(&mut tail)), "d");
}
