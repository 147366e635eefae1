//! Tests of the SSE codec against the WHATWG parsing rules.
use super::*;

fn event(event: &str, data: &str, id: Option<&str>) -> Event {
    Event {
        event: event.to_owned(),
        data: data.to_owned(),
        id: id.map(str::to_owned),
    }
}

fn drain(decoder: &mut Decoder) -> Vec<Event> {
    std::iter::from_fn(|| decoder.next_event()).collect()
}

fn decode_chunks(chunks: &[&[u8]]) -> Vec<Event> {
    let mut decoder = Decoder::new(Limits::default());
    for chunk in chunks {
        decoder.feed(chunk).unwrap();
    }
    decoder.finish();
    drain(&mut decoder)
}

fn decode(input: &[u8]) -> Vec<Event> {
    decode_chunks(&[input])
}

fn message(data: &str) -> Event {
    event("message", data, None)
}

#[test]
fn spec_example_messages_and_unterminated_last_block() {
    let input = b"data: This is the first message.\n\n\
data: This is the second message, it\n\
data: has two lines.\n\n\
data: This is the third message.\n";
    assert_eq!(
        decode(input),
        vec![
            message("This is the first message."),
            message("This is the second message, it\nhas two lines."),
        ]
    );
}

#[test]
fn spec_example_event_types() {
    let input =
        b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n";
    assert_eq!(
        decode(input),
        vec![
            event("add", "73857293", None),
            event("remove", "2153", None),
            event("add", "113411", None),
        ]
    );
}

#[test]
fn spec_example_multi_line_data() {
    assert_eq!(
        decode(b"data: YHOO\ndata: +2\ndata: 10\n\n"),
        vec![message("YHOO\n+2\n10")]
    );
}

#[test]
fn spec_example_comment_ids_and_spaces() {
    let input = b": test stream\n\n\
data: first event\nid: 1\n\n\
data:second event\nid\n\n\
data:  third event\n\n";
    assert_eq!(
        decode(input),
        vec![
            event("message", "first event", Some("1")),
            message("second event"),
            message(" third event"),
        ]
    );
}

#[test]
fn spec_example_fields_without_colon() {
    // An empty data line still makes an event; only an empty data buffer does not.
    assert_eq!(
        decode(b"data\n\ndata\ndata\n\ndata:"),
        vec![message(""), message("\n")]
    );
}

#[test]
fn spec_example_space_after_colon_is_optional() {
    assert_eq!(
        decode(b"data:test\n\ndata: test\n\n"),
        vec![message("test"), message("test")]
    );
}

#[test]
fn id_persists_across_events_until_reset() {
    let input = b"id: 7\ndata: a\n\ndata: b\n\nid: 8\nevent: x\n\ndata: c\n\nid:\ndata: d\n\n";
    assert_eq!(
        decode(input),
        vec![
            event("message", "a", Some("7")),
            event("message", "b", Some("7")),
            // The blank line after `event: x` dispatched nothing but reset the type.
            event("message", "c", Some("8")),
            message("d"),
        ]
    );
}

#[test]
fn last_event_id_counts_only_complete_events() {
    let mut decoder = Decoder::new(Limits::default());
    decoder.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n").unwrap();
    assert_eq!(decoder.last_event_id(), Some("1"));
    decoder.finish();
    assert_eq!(decoder.last_event_id(), Some("1"));
    // After a reconnect, events without an id carry the one the client reported.
    decoder.feed(b"data: c\n\n").unwrap();
    assert_eq!(
        drain(&mut decoder),
        vec![
            event("message", "a", Some("1")),
            event("message", "c", Some("1"))
        ]
    );
}

#[test]
fn nul_in_id_is_ignored() {
    assert_eq!(
        decode(b"id: 1\n\nid: 2\0x\ndata: a\n\n"),
        vec![event("message", "a", Some("1"))]
    );
}

#[test]
fn unknown_fields_and_comments_are_ignored() {
    assert_eq!(
        decode(b": hi\nfoo: bar\nDATA: no\ndata : no\n: bye\ndata: yes\n\n"),
        vec![message("yes")]
    );
}

#[test]
fn event_type_resets_after_each_event() {
    assert_eq!(
        decode(b"event: a\nevent: b\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n"),
        vec![event("b", "1", None), message("2"), message("3")]
    );
}

#[test]
fn all_line_breaks_are_recognised() {
    let expected = vec![message("a\nb"), message("c")];
    assert_eq!(decode(b"data: a\ndata: b\n\ndata: c\n\n"), expected);
    assert_eq!(
        decode(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"),
        expected
    );
    assert_eq!(decode(b"data: a\rdata: b\r\rdata: c\r\r"), expected);
    assert_eq!(decode(b"data: a\rdata: b\n\r\ndata: c\r\n\n"), expected);
}

#[test]
fn crlf_split_across_chunks_is_one_break() {
    assert_eq!(
        decode_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]),
        vec![message("a\nb")]
    );
    // A CR ending a chunk ends its line at once; an event needs no later byte.
    let mut decoder = Decoder::new(Limits::default());
    decoder.feed(b"data: a\r\r").unwrap();
    assert_eq!(decoder.next_event(), Some(message("a")));
    // An empty chunk in between does not cancel the pending CR.
    assert_eq!(
        decode_chunks(&[b"data: a\r", b"", b"\n\r", b"", b"\n"]),
        vec![message("a")]
    );
}

#[test]
fn leading_bom_is_skipped_once() {
    assert_eq!(decode(b"\xEF\xBB\xBFdata: a\n\n"), vec![message("a")]);
    assert_eq!(
        decode_chunks(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"]),
        vec![message("a")]
    );
    // A second BOM is text: here it makes the field name unknown.
    assert_eq!(
        decode(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n"),
        vec![message("b")]
    );
    // The start of a BOM that is not one is decoded like any invalid UTF-8.
    assert_eq!(
        decode_chunks(&[b"\xEF\xBB", b"data: a\n\ndata: \xEF\xBB\n\n"]),
        vec![message("\u{FFFD}")]
    );
}

#[test]
fn bom_is_skipped_again_after_finish() {
    let mut decoder = Decoder::new(Limits::default());
    decoder.feed(b"\xEF\xBB\xBFdata: a\n\n").unwrap();
    decoder.finish();
    decoder.feed(b"\xEF\xBB\xBFdata: b\n\n").unwrap();
    assert_eq!(drain(&mut decoder), vec![message("a"), message("b")]);
}

#[test]
fn multi_byte_char_split_across_chunks() {
    let input = "event: grüße\ndata: 𝄞 €\n\n".as_bytes();
    let expected = vec![event("grüße", "𝄞 €", None)];
    for at in 0..=input.len() {
        let (a, b) = input.split_at(at);
        assert_eq!(decode_chunks(&[a, b]), expected, "split at {at}");
    }
}

#[test]
fn invalid_utf8_is_replaced() {
    assert_eq!(
        decode(b"event: a\xFFb\ndata: \xC3\ndata: \xE2\x82\n\n"),
        vec![event("a\u{FFFD}b", "\u{FFFD}\n\u{FFFD}", None)]
    );
}

#[test]
fn every_split_gives_the_same_events() {
    let input =
        "\u{FEFF}: comment\r\nretry: 1500\r\nid: 1\revent: ümlaut\ndata: a\r\ndata:b\r\rdata\n\n\
: c\rid\nid: 2\0\ndata: 𝄞\r\n\r\nevent: e\nid: 3\n\ndata: last\r\n\r"
            .as_bytes();
    let mut whole = Decoder::new(Limits::default());
    whole.feed(input).unwrap();
    let expected = drain(&mut whole);
    assert_eq!(
        expected,
        vec![
            event("ümlaut", "a\nb", Some("1")),
            event("message", "", Some("1")),
            message("𝄞"),
            event("message", "last", Some("3")),
        ]
    );
    assert_eq!(whole.retry(), Some(1500));
    assert_eq!(whole.last_event_id(), Some("3"));

    for at in 0..=input.len() {
        let (a, b) = input.split_at(at);
        let mut decoder = Decoder::new(Limits::default());
        decoder.feed(a).unwrap();
        decoder.feed(b).unwrap();
        assert_eq!(drain(&mut decoder), expected, "split at {at}");
        assert_eq!(decoder.retry(), Some(1500));
        assert_eq!(decoder.last_event_id(), Some("3"));
    }
    for at in 0..=input.len() {
        for to in at..=input.len() {
            let mut decoder = Decoder::new(Limits::default());
            decoder.feed(&input[..at]).unwrap();
            decoder.feed(&input[at..to]).unwrap();
            decoder.feed(&input[to..]).unwrap();
            assert_eq!(drain(&mut decoder), expected, "split at {at} and {to}");
        }
    }
    let mut bytewise = Decoder::new(Limits::default());
    for byte in input.chunks(1) {
        bytewise.feed(byte).unwrap();
    }
    assert_eq!(drain(&mut bytewise), expected);
}

#[test]
fn finish_discards_partial_line_and_event() {
    let mut decoder = Decoder::new(Limits::default());
    decoder
        .feed(b"data: a\n\ndata: b\n\ndata: c\nevent: x\ndata: d")
        .unwrap();
    decoder.finish();
    decoder.feed(b"\n\ndata: e\n\n").unwrap();
    assert_eq!(
        drain(&mut decoder),
        vec![message("a"), message("b"), message("e")]
    );
}

#[test]
fn retry_takes_only_digits() {
    let retry_of = |input: &[u8]| {
        let mut decoder = Decoder::new(Limits::default());
        decoder.feed(input).unwrap();
        decoder.retry()
    };
    assert_eq!(retry_of(b"retry: 3000\n"), Some(3000));
    assert_eq!(retry_of(b"retry:0\n"), Some(0));
    assert_eq!(retry_of(b"retry: 3000\nretry: 12x\n"), Some(3000));
    assert_eq!(retry_of(b"retry: +5\n"), None);
    assert_eq!(retry_of(b"retry: -5\n"), None);
    assert_eq!(retry_of(b"retry: 5 \n"), None);
    assert_eq!(retry_of(b"retry:\n"), None);
    assert_eq!(retry_of(b"retry: 1.5\n"), None);
    assert_eq!(retry_of(b"retry: 99999999999999999999999\n"), None);
    assert_eq!(retry_of(b"retry: 18446744073709551615\n"), Some(u64::MAX));
    // A line not yet ended is not applied.
    assert_eq!(retry_of(b"retry: 10"), None);
}

#[test]
fn line_limit_is_enforced_before_the_line_ends() {
    let limits = Limits {
        max_line: 10,
        max_event: 100,
    };
    let mut decoder = Decoder::new(limits);
    decoder.feed(b"data: 1234\n\n").unwrap();
    assert_eq!(decoder.next_event(), Some(message("1234")));
    decoder.feed(b"data:").unwrap();
    decoder.feed(b" 1234").unwrap();
    decoder.feed(b"\r").unwrap();
    decoder.feed(b"\n\n").unwrap();
    assert_eq!(decoder.next_event(), Some(message("1234")));
    decoder.feed(b"data: 12").unwrap();
    let error = SseError::LineTooLong { limit: 10 };
    assert_eq!(decoder.feed(b"345"), Err(error.clone()));
    // Sticky, even for input that would be fine on its own.
    assert_eq!(decoder.feed(b"\n\n"), Err(error.clone()));
    decoder.finish();
    assert_eq!(decoder.feed(b"data: a\n\n"), Err(error));
    assert_eq!(decoder.next_event(), None);
}

#[test]
fn line_limit_applies_to_lines_within_a_chunk() {
    let mut decoder = Decoder::new(Limits {
        max_line: 4,
        max_event: 100,
    });
    assert_eq!(
        decoder.feed(b"data\n\n: too long\n"),
        Err(SseError::LineTooLong { limit: 4 })
    );
    // The event completed before the error is still delivered.
    assert_eq!(decoder.next_event(), Some(message("")));
}

#[test]
fn long_line_fed_in_small_chunks_fails_early() {
    let mut decoder = Decoder::new(Limits {
        max_line: 1000,
        max_event: 1000,
    });
    let chunk = [b'x'; 100];
    let fed = (0..100)
        .take_while(|_| decoder.feed(&chunk).is_ok())
        .count();
    assert_eq!(fed, 10);
}

#[test]
fn event_limit_counts_joined_data() {
    let limits = Limits {
        max_line: 100,
        max_event: 7,
    };
    let mut decoder = Decoder::new(limits);
    // "abc\ndef" is exactly 7 bytes.
    decoder.feed(b"data: abc\ndata: def\n\n").unwrap();
    assert_eq!(decoder.next_event(), Some(message("abc\ndef")));
    decoder.feed(b"data: abc\n").unwrap();
    assert_eq!(
        decoder.feed(b"data: defg\n\n"),
        Err(SseError::EventTooLong { limit: 7 })
    );
    assert_eq!(decoder.next_event(), None);
    assert_eq!(decoder.feed(b""), Err(SseError::EventTooLong { limit: 7 }));
}

#[test]
fn event_limit_counts_many_short_lines() {
    let mut decoder = Decoder::new(Limits {
        max_line: 100,
        max_event: 1000,
    });
    let mut result = Ok(());
    for _ in 0..2000 {
        result = decoder.feed(b"data\n");
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(SseError::EventTooLong { limit: 1000 }));
}

#[test]
fn encode_event_exact_bytes() {
    let mut buf = BytesMut::new();
    encode_event(&mut buf, Some("update"), Some("42"), "hello").unwrap();
    encode_event(&mut buf, None, None, "a\nb").unwrap();
    encode_event(&mut buf, None, None, "").unwrap();
    assert_eq!(
        &buf[..],
        b"event: update\nid: 42\ndata: hello\n\ndata: a\ndata: b\n\ndata: \n\n"
    );
}

#[test]
fn encode_event_rejects_unrepresentable_fields() {
    let mut buf = BytesMut::from(&b"kept"[..]);
    for (event, id) in [
        (Some("a\nb"), None),
        (Some("a\rb"), None),
        (None, Some("1\n")),
        (None, Some("\r1")),
        (None, Some("1\0")),
        (Some("ok"), Some("\n")),
    ] {
        assert_eq!(
            encode_event(&mut buf, event, id, "data"),
            Err(SseError::InvalidField)
        );
    }
    assert_eq!(&buf[..], b"kept");
    // NUL is fine in an event name: only the id is ignored for it.
    encode_event(&mut buf, Some("a\0b"), None, "x").unwrap();
}

#[test]
fn encode_decode_round_trip() {
    let cases: &[(Option<&str>, Option<&str>, &str, &str)] = &[
        (None, None, "plain", "plain"),
        (Some("e"), Some("1"), "a\nb", "a\nb"),
        (None, None, "a\r\nb\r\n", "a\nb\n"),
        (None, None, "a\rb\n\nc", "a\nb\n\nc"),
        (None, None, "\n", "\n"),
        (None, None, "", ""),
        (None, None, " leading space", " leading space"),
        (None, None, ": not a comment", ": not a comment"),
        (
            Some(" spaced"),
            Some("ü 2"),
            "data: nested\n\n",
            "data: nested\n\n",
        ),
    ];
    for &(name, id, data, decoded) in cases {
        let mut buf = BytesMut::new();
        encode_comment(&mut buf, "keep-alive");
        encode_retry(&mut buf, 2500);
        encode_event(&mut buf, name, id, data).unwrap();
        let mut decoder = Decoder::new(Limits::default());
        decoder.feed(&buf).unwrap();
        assert_eq!(
            drain(&mut decoder),
            vec![Event {
                event: name.unwrap_or("message").to_owned(),
                data: decoded.to_owned(),
                id: id.map(str::to_owned),
            }],
            "{data:?}"
        );
        assert_eq!(decoder.retry(), Some(2500));
    }
}

#[test]
fn encode_comment_and_retry_exact_bytes() {
    let mut buf = BytesMut::new();
    encode_comment(&mut buf, "ping");
    encode_comment(&mut buf, "a\r\nb");
    encode_retry(&mut buf, 0);
    assert_eq!(&buf[..], b": ping\n\n: a\n: b\n\nretry: 0\n\n");
    let mut decoder = Decoder::new(Limits::default());
    decoder.feed(&buf).unwrap();
    assert_eq!(decoder.next_event(), None);
    assert_eq!(decoder.retry(), Some(0));
}

#[test]
fn errors_display() {
    assert_eq!(
        SseError::LineTooLong { limit: 5 }.to_string(),
        "event stream line longer than 5 bytes"
    );
    let error: Box<dyn std::error::Error> = Box::new(SseError::InvalidField);
    assert!(error.to_string().contains("line break"));
}
