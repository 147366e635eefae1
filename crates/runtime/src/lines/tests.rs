//! Tests of the JSON Lines and JSON text sequence codec: a conformance table, each case fed
//! whole, split at every byte, split at every pair of bytes and one byte at a time, through
//! `feed`, `feed_bytes` and both in turn; then what a table cannot show.
use super::*;

use Framing::{Lines, Seq};

/// What decoding a whole stream gives: the records, the error that stopped it, and the
/// garbage skipped.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    records: Vec<Vec<u8>>,
    error: Option<LinesError>,
    skipped: usize,
}

/// How chunks reach the decoder.
#[derive(Debug, Clone, Copy)]
enum Via {
    Slices,
    Shared,
    /// `feed` and `feed_bytes` in turn, so each takes over records the other began.
    Alternating,
}

const VIAS: [Via; 3] = [Via::Slices, Via::Shared, Via::Alternating];

fn drain(decoder: &mut Decoder) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| decoder.next_record())
        .map(|record| record.to_vec())
        .collect()
}

fn feed_via(decoder: &mut Decoder, via: Via, index: usize, chunk: &[u8]) -> Result<(), LinesError> {
    match via {
        Via::Slices => decoder.feed(chunk),
        Via::Shared => decoder.feed_bytes(Bytes::copy_from_slice(chunk)),
        Via::Alternating if index.is_multiple_of(2) => decoder.feed(chunk),
        Via::Alternating => decoder.feed_bytes(Bytes::copy_from_slice(chunk)),
    }
}

/// Decodes `chunks` as one stream, checking on the way that errors are sticky and that the
/// decoder never holds more than one record's worth of bytes.
fn run<'a>(
    framing: Framing,
    max_record: usize,
    chunks: impl IntoIterator<Item = &'a [u8]>,
    via: Via,
) -> Outcome {
    let mut decoder = Decoder::new(framing, max_record);
    let mut error = None;
    for (index, chunk) in chunks.into_iter().enumerate() {
        let result = feed_via(&mut decoder, via, index, chunk);
        match &error {
            None => error = result.err(),
            Some(first) => assert_eq!(result, Err(first.clone()), "errors are sticky"),
        }
        // The limit, plus the CR that may begin a CRLF.
        assert!(
            decoder.pending.len() <= max_record + 1,
            "buffered past the limit"
        );
    }
    let finished = decoder.finish();
    match &error {
        None => error = finished.err(),
        Some(first) => assert_eq!(finished, Err(first.clone()), "errors are sticky"),
    }
    Outcome {
        records: drain(&mut decoder),
        error,
        skipped: decoder.skipped(),
    }
}

struct Case {
    name: &'static str,
    framing: Framing,
    max_record: usize,
    input: &'static [u8],
    records: &'static [&'static [u8]],
    error: Option<LinesError>,
    skipped: usize,
}

const fn ok(
    name: &'static str,
    framing: Framing,
    input: &'static [u8],
    records: &'static [&'static [u8]],
) -> Case {
    Case {
        name,
        framing,
        max_record: 1 << 20,
        input,
        records,
        error: None,
        skipped: 0,
    }
}

const fn limited(
    name: &'static str,
    framing: Framing,
    max_record: usize,
    input: &'static [u8],
    records: &'static [&'static [u8]],
    fails: bool,
) -> Case {
    Case {
        name,
        framing,
        max_record,
        input,
        records,
        error: if fails {
            Some(LinesError::TooLong { limit: max_record })
        } else {
            None
        },
        skipped: 0,
    }
}

const fn garbage(
    name: &'static str,
    input: &'static [u8],
    records: &'static [&'static [u8]],
    skipped: usize,
) -> Case {
    Case {
        name,
        framing: Seq,
        max_record: 1 << 20,
        input,
        records,
        error: None,
        skipped,
    }
}

const CASES: &[Case] = &[
    // JSON Lines.
    ok("empty input", Lines, b"", &[]),
    ok(
        "LF endings",
        Lines,
        b"{\"a\":1}\n{\"b\":2}\n",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "CRLF endings",
        Lines,
        b"{\"a\":1}\r\n{\"b\":2}\r\n",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "mixed endings, a CR inside a line is kept",
        Lines,
        b"1\r\n[2,\r3]\n 4 \r\n",
        &[b"1", b"[2,\r3]", b"4"],
    ),
    ok(
        "blank and whitespace-only lines are keep-alives",
        Lines,
        b"\n\n{\"a\":1}\n \t \r\n\r\n\n{\"b\":2}\n\n",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok("only keep-alives", Lines, b"\n\r\n \n\t\n", &[]),
    ok(
        "final line without LF",
        Lines,
        b"{\"a\":1}\n{\"b\":2}",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "final line ending in a lone CR",
        Lines,
        b"{\"a\":1}\r\n{\"b\":2}\r",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "final whitespace without LF",
        Lines,
        b"{\"a\":1}\n  \r",
        &[b"{\"a\":1}"],
    ),
    ok(
        "multi-byte UTF-8",
        Lines,
        "{\"s\":\"grüße 𝄞\"}\r\n[\"€\"]".as_bytes(),
        &["{\"s\":\"grüße 𝄞\"}".as_bytes(), "[\"€\"]".as_bytes()],
    ),
    ok(
        "records are not validated",
        Lines,
        b"not json\n\xff\xfe\n",
        &[b"not json", b"\xff\xfe"],
    ),
    limited(
        "line exactly at the limit",
        Lines,
        7,
        b"{\"a\":1}\n{\"a\":2}\r\n{\"a\":3}",
        &[b"{\"a\":1}", b"{\"a\":2}", b"{\"a\":3}"],
        false,
    ),
    limited(
        "line exactly at the limit, then a lone CR at the end",
        Lines,
        7,
        b"{\"a\":1}\r",
        &[b"{\"a\":1}"],
        false,
    ),
    limited(
        "line one over the limit",
        Lines,
        7,
        b"{\"a\":1}\r\n{\"a\":2}\n{\"ab\":1}\n{\"c\":3}\n",
        &[b"{\"a\":1}", b"{\"a\":2}"],
        true,
    ),
    limited(
        "final line one over the limit",
        Lines,
        7,
        b"{\"a\":1}\n{\"ab\":1}",
        &[b"{\"a\":1}"],
        true,
    ),
    limited(
        "the limit counts surrounding whitespace",
        Lines,
        7,
        b" {\"a\":1}\n",
        &[],
        true,
    ),
    limited(
        "a blank line longer than the limit",
        Lines,
        3,
        b"1\n    \n2\n",
        &[b"1"],
        true,
    ),
    limited(
        "a line that never ends",
        Lines,
        4,
        b"1\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        &[b"1"],
        true,
    ),
    // JSON text sequences.
    ok("empty sequence", Seq, b"", &[]),
    ok(
        "RS-prefixed elements",
        Seq,
        b"\x1e{\"a\":1}\n\x1e{\"b\":2}\n",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "scalars",
        Seq,
        b"\x1e1\n\x1e\"s\"\n\x1etrue\n\x1enull\n\x1e-2.5e3\n",
        &[b"1", b"\"s\"", b"true", b"null", b"-2.5e3"],
    ),
    ok(
        "pretty-printed multi-line elements",
        Seq,
        b"\x1e{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}\n\x1e[\n]\n",
        &[
            b"{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}",
            b"[\n]",
        ],
    ),
    ok(
        "brackets and escaped quotes inside strings",
        Seq,
        b"\x1e{\n\"a\": \"}\\\"]\\\\\",\n\"b\": [\"[\"\n]\n}\n\x1e[\n\"]\"\n]\n",
        &[
            b"{\n\"a\": \"}\\\"]\\\\\",\n\"b\": [\"[\"\n]\n}",
            b"[\n\"]\"\n]",
        ],
    ),
    ok(
        "an element closing on a line with others is complete at the LF",
        Seq,
        b"\x1e{\"a\":\n{\"b\":{}}}\n\x1e2\n",
        &[b"{\"a\":\n{\"b\":{}}}", b"2"],
    ),
    ok(
        "consecutive RS",
        Seq,
        b"\x1e\x1e\x1e{\"a\":1}\n\x1e\x1e",
        &[b"{\"a\":1}"],
    ),
    ok(
        "lone RS keep-alives",
        Seq,
        b"\x1e\x1e{\"a\":1}\n\x1e\x1e\x1e{\"b\":2}\n\x1e",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "elements ended by RS without LF",
        Seq,
        b"\x1e{\"a\":1}\x1e{\"b\":2}\x1e3\x1e",
        &[b"{\"a\":1}", b"{\"b\":2}", b"3"],
    ),
    ok(
        "element at the end of input",
        Seq,
        b"\x1e{\"a\":1}\n\x1e  {\"b\":2}  ",
        &[b"{\"a\":1}", b"{\"b\":2}"],
    ),
    ok(
        "incomplete element at the end of input is passed on",
        Seq,
        b"\x1e{\"a\":1}\n\x1e{\"b\":\n",
        &[b"{\"a\":1}", b"{\"b\":"],
    ),
    ok(
        "whitespace around elements, CRLF",
        Seq,
        b"\x1e  {\"a\":1}  \r\n\x1e\n\n{\"b\":2}\n\r\n\x1e\t3\t\n",
        &[b"{\"a\":1}", b"{\"b\":2}", b"3"],
    ),
    ok(
        "an incomplete element is ended by the next RS",
        Seq,
        b"\x1e{\"a\":\x1e{\"b\":2}\n",
        &[b"{\"a\":", b"{\"b\":2}"],
    ),
    ok(
        "an invalid element is not ended by an LF",
        Seq,
        b"\x1e{\"a\" 1}\n{\"b\":2}\n\x1e3\n",
        &[b"{\"a\" 1}\n{\"b\":2}", b"3"],
    ),
    ok(
        "a truncated scalar is not ended by an LF",
        Seq,
        b"\x1etru\ne\n\x1e[1]\n",
        &[b"tru\ne", b"[1]"],
    ),
    ok(
        "multi-byte UTF-8 in elements",
        Seq,
        "\x1e{\"s\":\"grüße 𝄞\"}\n\x1e[\n\"€\"\n]\n".as_bytes(),
        &["{\"s\":\"grüße 𝄞\"}".as_bytes(), "[\n\"€\"\n]".as_bytes()],
    ),
    garbage(
        "garbage before the first RS",
        b"junk \n{\"x\":0}\n\x1e{\"a\":1}\n",
        &[b"{\"a\":1}"],
        11,
    ),
    garbage(
        "garbage after an element ended by its LF",
        b"\x1e1\n oops \x1e2\n",
        &[b"1", b"2"],
        4,
    ),
    garbage("only garbage", b"abc\ndef", &[], 6),
    // The garbage after each element shows where the element was taken to end.
    garbage(
        "escaped quotes and backslashes do not fool the nesting",
        b"\x1e[\n\"\\\"[\",\n1\n]\nx\x1e{\n\"\\\\\": [\"]\"]\n}\ny\x1e2\n",
        &[b"[\n\"\\\"[\",\n1\n]", b"{\n\"\\\\\": [\"]\"]\n}", b"2"],
        2,
    ),
    garbage(
        "whitespace outside elements is not garbage",
        b" \r\n\t\x1e1\n\n\n\x1e2\n  ",
        &[b"1", b"2"],
        0,
    ),
    limited(
        "element exactly at the limit",
        Seq,
        7,
        b"\x1e{\"a\":1}\n\x1e[\n1,\n2]\n\x1e{\"a\":3}\x1e{\"a\":4}",
        &[b"{\"a\":1}", b"[\n1,\n2]", b"{\"a\":3}", b"{\"a\":4}"],
        false,
    ),
    limited(
        "element one over the limit",
        Seq,
        7,
        b"\x1e{\"a\":1}\n\x1e{\"ab\":1}\n\x1e2\n",
        &[b"{\"a\":1}"],
        true,
    ),
    limited(
        "pretty-printed element over the limit",
        Seq,
        7,
        b"\x1e1\n\x1e[\n1,\n2\n]\n",
        &[b"1"],
        true,
    ),
    limited(
        "element ended by RS over the limit",
        Seq,
        7,
        b"\x1e1\n\x1e{\"ab\":1}\x1e",
        &[b"1"],
        true,
    ),
    limited(
        "final element over the limit",
        Seq,
        7,
        b"\x1e1\n\x1e{\"ab\":1}",
        &[b"1"],
        true,
    ),
    limited(
        "an element that never ends",
        Seq,
        4,
        b"\x1e1\n\x1e[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
        &[b"1"],
        true,
    ),
];

#[test]
fn conformance_table() {
    for case in CASES {
        let expected = Outcome {
            records: case.records.iter().map(|r| r.to_vec()).collect(),
            error: case.error.clone(),
            skipped: case.skipped,
        };
        let input = case.input;
        let decode = |chunks: &[&[u8]], via: Via| {
            run(case.framing, case.max_record, chunks.iter().copied(), via)
        };
        for via in VIAS {
            let name = case.name;
            assert_eq!(decode(&[input], via), expected, "{name}: whole, {via:?}");
            let bytewise: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(
                decode(&bytewise, via),
                expected,
                "{name}: bytewise, {via:?}"
            );
            for at in 0..=input.len() {
                let (a, b) = input.split_at(at);
                assert_eq!(
                    decode(&[a, b], via),
                    expected,
                    "{name}: split at {at}, {via:?}"
                );
            }
            for at in 0..=input.len() {
                for to in at..=input.len() {
                    let chunks = [&input[..at], &input[at..to], &input[to..]];
                    assert_eq!(
                        decode(&chunks, via),
                        expected,
                        "{name}: split at {at} and {to}, {via:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn empty_chunks_change_nothing() {
    for via in VIAS {
        let chunks: [&[u8]; 7] = [b"", b"{\"a\":1}\r", b"", b"\n", b"", b"2", b""];
        assert_eq!(
            run(Lines, 100, chunks, via).records,
            vec![b"{\"a\":1}".to_vec(), b"2".to_vec()]
        );
        let chunks: [&[u8]; 6] = [b"", b"\x1e", b"", b"[\n", b"", b"]\n"];
        assert_eq!(run(Seq, 100, chunks, via).records, vec![b"[\n]".to_vec()]);
    }
}

#[test]
fn record_is_available_as_soon_as_it_is_complete() {
    let mut decoder = Decoder::new(Lines, 100);
    decoder.feed(b"{\"a\":1}").unwrap();
    assert_eq!(decoder.next_record(), None);
    decoder.feed(b"\r").unwrap();
    assert_eq!(decoder.next_record(), None);
    decoder.feed(b"\n").unwrap();
    assert_eq!(decoder.next_record().as_deref(), Some(&b"{\"a\":1}"[..]));

    // A sequence element needs no next RS: its LF ends it once it is complete.
    let mut decoder = Decoder::new(Seq, 100);
    decoder.feed(b"\x1e{\"a\":\n").unwrap();
    assert_eq!(decoder.next_record(), None);
    decoder.feed(b"1}").unwrap();
    assert_eq!(decoder.next_record(), None);
    decoder.feed(b"\n").unwrap();
    assert_eq!(decoder.next_record().as_deref(), Some(&b"{\"a\":\n1}"[..]));
    decoder.feed(b"\x1e[\n\"\\\"[\",\n1\n]").unwrap();
    assert_eq!(decoder.next_record(), None);
    decoder.feed(b"\n").unwrap();
    assert_eq!(
        decoder.next_record().as_deref(),
        Some(&b"[\n\"\\\"[\",\n1\n]"[..])
    );
}

#[test]
fn line_that_never_ends_fails_once_past_the_limit() {
    for via in VIAS {
        let mut decoder = Decoder::new(Lines, 1000);
        let chunk = [b'x'; 100];
        let fed = (0..100)
            .take_while(|&index| {
                let result = feed_via(&mut decoder, via, index, &chunk);
                assert!(decoder.pending.len() <= 1000);
                result.is_ok()
            })
            .count();
        assert_eq!(fed, 10, "{via:?}");
        // What was buffered is released.
        assert_eq!(decoder.pending.capacity(), 0);

        let mut decoder = Decoder::new(Seq, 1000);
        decoder.feed(b"\x1e").unwrap();
        let chunk = [b' '; 100];
        let fed = (0..100)
            .take_while(|&index| feed_via(&mut decoder, via, index, &chunk).is_ok())
            .count();
        assert_eq!(fed, 10, "{via:?}");
    }
}

#[test]
fn errors_are_sticky() {
    let error = LinesError::TooLong { limit: 3 };
    let mut decoder = Decoder::new(Lines, 3);
    assert_eq!(decoder.feed(b"1\n22\n4444\n5\n"), Err(error.clone()));
    // Records completed before the error are delivered; none after it.
    assert_eq!(drain(&mut decoder), vec![b"1".to_vec(), b"22".to_vec()]);
    assert_eq!(decoder.feed(b"6\n"), Err(error.clone()));
    assert_eq!(
        decoder.feed_bytes(Bytes::from_static(b"7\n")),
        Err(error.clone())
    );
    assert_eq!(decoder.feed(b""), Err(error.clone()));
    assert_eq!(decoder.finish(), Err(error.clone()));
    assert_eq!(decoder.finish(), Err(error));
    assert_eq!(decoder.next_record(), None);
}

#[test]
fn feed_bytes_slices_records_out_of_the_chunk() {
    let within = |record: &Bytes, chunk: &Bytes| {
        let range = chunk.as_ptr_range();
        range.contains(&record.as_ptr()) && record.as_ptr_range().end <= range.end
    };
    for framing in [Lines, Seq] {
        let (first, second): (&[u8], &[u8]) = match framing {
            Lines => (b"{\"a\":1}\n  [2]\r\n{\"c\":", b"3}\n4\n5\n"),
            Seq => (b"\x1e{\"a\":1}\n\x1e[2]\x1e{\"c\":", b"3}\n\x1e4\n\x1e5\n"),
        };
        let mut decoder = Decoder::new(framing, 100);
        let chunk = Bytes::copy_from_slice(first);
        decoder.feed_bytes(chunk.clone()).unwrap();
        let a = decoder.next_record().unwrap();
        let two = decoder.next_record().unwrap();
        assert_eq!((&a[..], &two[..]), (&b"{\"a\":1}"[..], &b"[2]"[..]));
        assert!(within(&a, &chunk) && within(&two, &chunk), "{framing:?}");
        assert_eq!(decoder.next_record(), None);

        // The record begun in the first chunk is copied; the ones after it are not.
        let chunk = Bytes::copy_from_slice(second);
        decoder.feed_bytes(chunk.clone()).unwrap();
        let c = decoder.next_record().unwrap();
        assert_eq!(&c[..], b"{\"c\":3}");
        assert!(!within(&c, &chunk));
        let rest: Vec<Bytes> = std::iter::from_fn(|| decoder.next_record()).collect();
        assert_eq!(rest, [&b"4"[..], &b"5"[..]]);
        assert!(
            rest.iter().all(|record| within(record, &chunk)),
            "{framing:?}"
        );
    }
}

#[test]
fn finish_starts_a_new_stream() {
    let mut decoder = Decoder::new(Seq, 100);
    decoder.feed(b"x\x1e{\"a\":\n").unwrap();
    decoder.finish().unwrap();
    // Outside an element again: the new stream's bytes before its first RS are garbage.
    decoder.feed(b"yz\x1e[1]\n").unwrap();
    decoder.finish().unwrap();
    assert_eq!(
        drain(&mut decoder),
        vec![b"{\"a\":".to_vec(), b"[1]".to_vec()]
    );
    assert_eq!(decoder.skipped(), 3);

    let mut decoder = Decoder::new(Lines, 100);
    decoder.feed(b"1\n2").unwrap();
    decoder.finish().unwrap();
    decoder.feed(b"3\n").unwrap();
    assert_eq!(
        drain(&mut decoder),
        vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]
    );
}

/// A pretty-printed element meets an LF on every line, and whether it is complete is
/// decided without parsing it afresh at each: this would take hours if it were.
#[test]
fn long_multi_line_element_takes_linear_time() {
    let lines = 200_000;
    let mut input = b"\x1e{\"a\":{}\n".to_vec();
    for _ in 0..lines {
        // Each line ends like a complete value would.
        input.extend_from_slice(b",\"b\":{}\n");
    }
    input.extend_from_slice(b"}\n\x1e1\n");
    let mut decoder = Decoder::new(Seq, input.len());
    decoder.feed(&input).unwrap();
    let element = decoder.next_record().unwrap();
    assert_eq!(element.len(), 9 + 8 * lines);
    assert!(serde_json::from_slice::<serde::de::IgnoredAny>(&element).is_ok());
    assert_eq!(decoder.next_record().as_deref(), Some(&b"1"[..]));

    // An invalid one is not parsed again at every line either.
    let mut input = b"\x1e[1] x\n".to_vec();
    for _ in 0..lines {
        input.extend_from_slice(b"{}\n");
    }
    input.extend_from_slice(b"\x1e2\n");
    let mut decoder = Decoder::new(Seq, input.len());
    decoder.feed(&input).unwrap();
    assert_eq!(decoder.next_record().unwrap().len(), 5 + 3 * lines);
    assert_eq!(decoder.next_record().as_deref(), Some(&b"2"[..]));
}

/// SplitMix64: a deterministic source of chunk sizes and shapes, so failures reproduce.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A stream of `count` records in `framing` with keep-alives, CRLFs and (in sequences)
/// pretty-printed elements and elements ended by RS alone, and the records it holds.
fn random_stream(framing: Framing, count: usize, prng: &mut Prng) -> (Vec<u8>, Vec<Vec<u8>>) {
    const TEXT: [&str; 7] = ["a", "ü", "€", "𝄞", " ", "\\n", "}]\\\""];
    let mut stream = Vec::new();
    let mut records = Vec::with_capacity(count);
    for n in 0..count {
        let text: String = (0..prng.below(12))
            .map(|_| TEXT[prng.below(TEXT.len())])
            .collect();
        let value = format!("{{\"n\":{n},\"text\":\"{text}\",\"list\":[{n},{{}}]}}");
        let record = match framing {
            Seq if prng.below(4) == 0 => {
                let value: serde_json::Value = serde_json::from_str(&value).unwrap();
                serde_json::to_string_pretty(&value).unwrap()
            }
            _ => value,
        };
        match framing {
            Lines => {
                if prng.below(8) == 0 {
                    stream.extend_from_slice([&b"\n"[..], b"\r\n", b" \t\n"][prng.below(3)]);
                }
                stream.extend_from_slice(record.as_bytes());
                stream.extend_from_slice(if prng.below(2) == 0 { b"\n" } else { b"\r\n" });
            }
            Seq => {
                if prng.below(8) == 0 {
                    stream.push(RS);
                }
                stream.push(RS);
                stream.extend_from_slice(record.as_bytes());
                // The last element must end somehow: with an LF, or at the end of input.
                if prng.below(6) != 0 || n + 1 == count {
                    stream.extend_from_slice(if prng.below(4) == 0 { b"\r\n" } else { b"\n" });
                }
            }
        }
        records.push(record.into_bytes());
    }
    (stream, records)
}

#[test]
fn ten_thousand_records_in_random_chunks() {
    let mut prng = Prng(0x5EED);
    for framing in [Lines, Seq] {
        let (stream, expected) = random_stream(framing, 10_000, &mut prng);
        for (round, via) in VIAS.into_iter().enumerate() {
            // Chunks from 1 byte to about five records long.
            let mut chunks = Vec::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let len = (1 + prng.below(if round == 0 { 16 } else { 512 })).min(rest.len());
                let (chunk, tail) = rest.split_at(len);
                chunks.push(chunk);
                rest = tail;
            }
            let outcome = run(framing, 4096, chunks, via);
            assert_eq!(outcome.error, None, "{framing:?} {via:?}");
            assert_eq!(outcome.skipped, 0, "{framing:?} {via:?}");
            assert_eq!(outcome.records.len(), expected.len(), "{framing:?} {via:?}");
            assert!(outcome.records == expected, "{framing:?} {via:?}");
        }
    }
}

#[test]
fn encoders_exact_bytes_and_round_trip() {
    let mut buf = BytesMut::new();
    encode_line(&mut buf, b"{\"a\":1}");
    buf.put_slice(LINES_KEEP_ALIVE);
    encode_line(&mut buf, b"[]");
    assert_eq!(&buf[..], b"{\"a\":1}\n\n[]\n");
    let mut decoder = Decoder::new(Lines, 100);
    decoder.feed(&buf).unwrap();
    decoder.finish().unwrap();
    assert_eq!(
        drain(&mut decoder),
        vec![b"{\"a\":1}".to_vec(), b"[]".to_vec()]
    );

    let mut buf = BytesMut::new();
    encode_seq(&mut buf, b"{\"a\":1}");
    buf.put_slice(SEQ_KEEP_ALIVE);
    encode_seq(&mut buf, b"[\n  2\n]");
    buf.put_slice(SEQ_KEEP_ALIVE);
    assert_eq!(&buf[..], b"\x1e{\"a\":1}\n\x1e\x1e[\n  2\n]\n\x1e");
    let mut decoder = Decoder::new(Seq, 100);
    decoder.feed(&buf).unwrap();
    // Every element is out before the end of input.
    assert_eq!(
        drain(&mut decoder),
        vec![b"{\"a\":1}".to_vec(), b"[\n  2\n]".to_vec()]
    );
    decoder.finish().unwrap();
    assert_eq!(decoder.next_record(), None);
    assert_eq!(decoder.skipped(), 0);
}

#[test]
fn errors_display() {
    assert_eq!(
        LinesError::TooLong { limit: 5 }.to_string(),
        "streamed JSON record longer than 5 bytes"
    );
    let error: Box<dyn std::error::Error> = Box::new(LinesError::TooLong { limit: 5 });
    assert!(error.to_string().contains("5 bytes"));
}
