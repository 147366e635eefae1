//! Property checks of everything that reads a peer's bytes: the stream decoders of every
//! format, envelope parsing and push-path matching. Inputs come from a seeded generator
//! that favours the bytes these formats care about (line breaks, `:`, the BOM, RS, `%`,
//! braces, multi-byte UTF-8) over uniform noise.
//!
//! `cargo test` runs a few thousand cases of each (well under a second). `cargo xtask
//! fuzz [--seconds N]` runs them in release for N seconds each (default 60) with a fresh
//! seed; a failure prints the seed, and `PUSHGEN_FUZZ_SEED=… cargo test -p
//! pushgen-runtime --test fuzz` replays it.
//!
//! The properties:
//! - no input panics a decoder, a parser or the matcher;
//! - a body decodes to the same frames (or the same first error) however it is split
//!   into chunks;
//! - frames encoded by [`Media::encode`] decode back to themselves, in every format;
//! - a decoder never holds more than its limits, whatever it is fed;
//! - `path::expand` then `path::matches` gives back every non-empty value.

use pushgen_runtime::binding::{Frame, FrameDecoder, FrameError, Media};
use pushgen_runtime::bytes::{Bytes, BytesMut};
use pushgen_runtime::sse::Limits;
use pushgen_runtime::{path, wire};
use std::time::{Duration, Instant};

/// xorshift64*: small, seedable, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Pieces the formats treat specially, mixed with random bytes.
const PIECES: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"data:",
    b"data: ",
    b"event: ",
    b"id: ",
    b"retry: ",
    b"retry: 3000",
    b": comment",
    b":",
    b" ",
    b"\xEF\xBB\xBF",
    b"\x1e",
    b"{",
    b"}",
    b"\"",
    b"[DONE]",
    b"{\"a\":1}",
    b"{\"push\":\"/e/{n}\",\"path\":\"/e/1\",\"status\":200}",
    b"{\"final\":{\"status\":200,\"headers\":{}}}",
    b"%",
    b"%2F",
    b"%C3%A9",
    b"\xC3\xA9",
    b"\xE2\x9C\x93",
    b"\xF0\x9F\x98\x80",
    b"\xC3",
    b"\x80",
    b"\0",
    b"x",
    b"abc",
    b"/",
];

fn bytes(rng: &mut Rng, max_pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(max_pieces) {
        if rng.chance(15) {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
        }
    }
    out
}

fn text(rng: &mut Rng, max_pieces: usize) -> String {
    String::from_utf8_lossy(&bytes(rng, max_pieces)).into_owned()
}

/// Cuts `body` into chunks at random places, single bytes included.
fn split(rng: &mut Rng, body: &[u8]) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let take = if rng.chance(30) {
            1
        } else {
            1 + rng.below(rest.len())
        };
        let (chunk, after) = rest.split_at(take.min(rest.len()));
        chunks.push(Bytes::copy_from_slice(chunk));
        rest = after;
    }
    chunks
}

const MEDIA: [Media; 4] = [
    Media::EventStream,
    Media::NdJson,
    Media::JsonLines,
    Media::JsonSeq,
];

/// Every frame of `chunks`, then the first error (if any) and nothing after it.
fn decode(media: Media, limits: Limits, chunks: &[Bytes]) -> Vec<Result<Frame, FrameError>> {
    let mut decoder = FrameDecoder::new(media, limits);
    let mut out = Vec::new();
    let drain = |decoder: &mut FrameDecoder, out: &mut Vec<_>| {
        while let Some(frame) = decoder.next_frame() {
            let failed = frame.is_err();
            out.push(frame);
            if failed {
                return false;
            }
        }
        true
    };
    for chunk in chunks {
        if let Err(e) = decoder.feed(chunk.clone()) {
            // What was whole before the error still counts, and an error among it
            // comes first.
            if drain(&mut decoder, &mut out) {
                out.push(Err(e));
            }
            return out;
        }
        if !drain(&mut decoder, &mut out) {
            return out;
        }
    }
    if let Err(e) = decoder.finish() {
        if drain(&mut decoder, &mut out) {
            out.push(Err(e));
        }
        return out;
    }
    drain(&mut decoder, &mut out);
    out
}

/// Runs `check` on fresh cases until the budget is spent; says which seed to replay.
fn run(name: &str, check: impl Fn(&mut Rng)) {
    let seconds: Option<u64> = std::env::var("PUSHGEN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok());
    let seed: u64 = std::env::var("PUSHGEN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| match seconds {
            // A fresh seed per long run, a fixed one for the suite, so `cargo test` is
            // repeatable.
            Some(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64),
            None => 0x5eed,
        });
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let mut cases = 0u64;
    loop {
        let case_seed = seed.wrapping_add(cases.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1;
        let mut rng = Rng(case_seed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&mut rng)));
        if let Err(panic) = outcome {
            eprintln!(
                "{name}: case {cases} failed; replay with PUSHGEN_FUZZ_SEED={seed} \
                 (case seed {case_seed})"
            );
            std::panic::resume_unwind(panic);
        }
        cases += 1;
        let done = match deadline {
            Some(deadline) => Instant::now() >= deadline,
            None => cases >= 2_000,
        };
        if done {
            break;
        }
    }
    if seconds.is_some() {
        println!("{name}: {cases} cases, seed {seed}");
    }
}

#[test]
fn every_split_of_a_body_decodes_alike() {
    run("splits", |rng| {
        let body = bytes(rng, 60);
        let limits = Limits {
            max_line: 1 + rng.below(200),
            max_event: 1 + rng.below(400),
        };
        for media in MEDIA {
            let whole = decode(media, limits, &[Bytes::copy_from_slice(&body)]);
            let pieces = decode(media, limits, &split(rng, &body));
            assert_eq!(whole, pieces, "{media} over {body:?}");
        }
    });
}

#[test]
fn encoded_frames_decode_back() {
    run("round trip", |rng| {
        let media = MEDIA[rng.below(MEDIA.len())];
        let mut body = BytesMut::new();
        let mut sent = Vec::new();
        for _ in 0..rng.below(8) {
            let event = match media {
                Media::EventStream => Some(text(rng, 3)).filter(|e| !e.is_empty()),
                _ => None,
            };
            let id = rng.chance(30).then(|| text(rng, 2));
            let data = match media {
                Media::EventStream => text(rng, 10),
                // A line format carries JSON: one text without line breaks or RS.
                _ => serde_json::to_string(&text(rng, 10)).unwrap_or_default(),
            };
            let before = body.len();
            if media
                .encode(&mut body, event.as_deref(), id.as_deref(), &data)
                .is_err()
            {
                // Refused (a line break in a name or id): nothing may have been written.
                assert_eq!(body.len(), before, "{media}: a refused frame left bytes");
                continue;
            }
            sent.push((event, id, data));
        }
        let chunks = split(rng, &body);
        let frames = decode(media, Limits::default(), &chunks);
        assert_eq!(frames.len(), sent.len(), "{media}: {body:?}");
        let mut id_in_force = None;
        for (frame, (event, id, data)) in frames.into_iter().zip(sent) {
            let frame = frame.unwrap_or_else(|e| panic!("{media}: {e} in {body:?}"));
            match media {
                Media::EventStream => {
                    // Line breaks inside data come back as LF; an id stays in force.
                    let data = data.replace("\r\n", "\n").replace('\r', "\n");
                    assert_eq!(frame.data(), data);
                    let name = event.unwrap_or_else(|| "message".into());
                    assert_eq!(frame.event.as_deref(), Some(name.as_str()));
                    if let Some(id) = id {
                        id_in_force = Some(id);
                    }
                    // An empty id clears the id in force.
                    assert_eq!(frame.id, id_in_force.clone().filter(|i| !i.is_empty()));
                }
                _ => assert_eq!(frame.data(), data),
            }
        }
    });
}

#[test]
fn decoders_hold_no_more_than_their_limits() {
    run("limits", |rng| {
        let limits = Limits {
            max_line: 16 + rng.below(64),
            max_event: 16 + rng.below(128),
        };
        for media in MEDIA {
            let mut decoder = FrameDecoder::new(media, limits);
            if media == Media::JsonSeq {
                // Bytes before a sequence's first RS are skipped, not held: start one.
                let _ = decoder.feed(Bytes::from_static(b"\x1e"));
            }
            // Up to 64 KiB of one endless line, fed in pieces: the decoder must refuse it
            // (an error) long before it has buffered it all.
            let mut fed = 0usize;
            let mut refused = false;
            while fed < 64 * 1024 {
                let chunk = Bytes::from(vec![b'x'; 1 + rng.below(48)]);
                fed += chunk.len();
                if decoder.feed(chunk).is_err() {
                    refused = true;
                    break;
                }
                if let Some(Err(_)) = decoder.next_frame() {
                    refused = true;
                    break;
                }
            }
            assert!(
                refused,
                "{media}: a {fed}-byte line was held under {limits:?}"
            );
        }
    });
}

#[test]
fn envelope_parsers_take_any_text() {
    run("envelopes", |rng| {
        let data = text(rng, 20);
        let _ = wire::parse_line(&data);
        let _ = wire::parse_envelope("/e/{n}", &data);
        let _ = wire::parse_final(&data);
    });
}

#[test]
fn push_paths_match_what_they_expand_to() {
    run("paths", |rng| {
        let template = text(rng, 8);
        let path_text = text(rng, 8);
        // Any template against any path: an answer, never a panic.
        let _ = path::matches(&template, &path_text);
        let _ = path::expand(&template, &[]);
        // A well-formed template round-trips its non-empty values.
        let count = 1 + rng.below(3);
        let mut template = String::new();
        let mut values = Vec::new();
        for i in 0..count {
            template.push_str(["/", "/a/", "/x-"][rng.below(3)]);
            template.push_str(&format!("{{v{i}}}"));
            let value = text(rng, 4);
            values.push(if value.is_empty() { "v".into() } else { value });
        }
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        let expanded = path::expand(&template, &refs).expect("a well-formed template expands");
        if template.contains("/x-") {
            // `x-{a}` inside a segment: earlier variables may take more, so only the
            // whole-segment forms promise an exact round trip.
            return;
        }
        assert_eq!(
            path::matches(&template, &expanded),
            Some(values),
            "{template} → {expanded}"
        );
    });
}
