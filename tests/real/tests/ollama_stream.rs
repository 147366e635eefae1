//! The client generated for Ollama's published spec (with `ollama.overlay.yaml`, which
//! declares the `{"error": "..."}` line Ollama sends when a stream fails) against a local
//! server that answers `POST /api/generate` as Ollama does: `application/x-ndjson`, one
//! JSON object per line, chunked, the last one with `"done": true` and the stats.
//!
//! What the client must make of it (`docs/PROTOCOL.md` §6.2, §9.6, §9.7, §10, §12.2):
//! typed chunks and a clean end at the end of the body; the error line as
//! `Error::Failure`, never as an empty chunk; and, since Ollama's stream declares no
//! terminal marker, a body that ends after whole lines is a clean end, even before the
//! `"done": true` line, while a body cut inside a line is a line that is not a chunk.

mod support;

use futures_util::StreamExt;
use pushgen_real::ollama::client::OllamaApiClient;
use pushgen_real::ollama::operations::generate::Response;
use pushgen_real::ollama::types::{GenerateError, GenerateRequest, GenerateStreamEvent as Chunk};
use pushgen_runtime::client::Error;
use support::{Answer, Failed, Framing, Server, bounded, config, http};

/// The head of Ollama's streamed answer (Go's `net/http` spells the headers so), less
/// the framing header that the server adds (`Transfer-Encoding: chunked`).
const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\n\
Content-Type: application/x-ndjson\r\n\
Date: Fri, 04 Aug 2023 15:52:19 GMT\r\n";

/// The lines of the stream, byte for byte, one chunk each, as in Ollama's API docs: one
/// piece of the response per line, then the last line with `"done": true`, the reason and
/// the stats. (`context`, which Ollama still sends, is not in the spec's schema.)
const LINES: [&str; 11] = [
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.385406455-07:00\",\"response\":\"The\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.430853011-07:00\",\"response\":\" sky\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.476328378-07:00\",\"response\":\" is\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.521797025-07:00\",\"response\":\" blue\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.567211713-07:00\",\"response\":\" because\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.612684510-07:00\",\"response\":\" of\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.658100941-07:00\",\"response\":\" Ray\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.703605271-07:00\",\"response\":\"leigh\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.749011358-07:00\",\"response\":\" scattering\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.794486703-07:00\",\"response\":\".\",\"done\":false}\n",
    "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T08:52:19.839911525-07:00\",\"response\":\"\",\"done\":true,\"done_reason\":\"stop\",\"context\":[128006,882,128007,271,11300,374,279,13180,6437,30,128009,128006,78191,128007,271,791,13180,374,6437,1606,315,13558,64069,72916,13],\"total_duration\":10706818083,\"load_duration\":6338219291,\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,\"eval_count\":10,\"eval_duration\":454227000}\n",
];

/// What the responses add up to.
const TEXT: &str = "The sky is blue because of Rayleigh scattering.";

/// The line Ollama sends when the model runner dies mid-stream.
const RUNNER_STOPPED: &str = "{\"error\":\"model runner has unexpectedly stopped, this may be due to resource limitations or an internal error, check ollama server logs for details\"}\n";

fn generate_request() -> GenerateRequest {
    GenerateRequest {
        model: "llama3.2".into(),
        prompt: Some("Why is the sky blue?".into()),
        suffix: None,
        images: None,
        format: None,
        system: None,
        stream: None,
        think: None,
        raw: None,
        keep_alive: None,
        options: None,
        logprobs: None,
        top_logprobs: None,
    }
}

/// The client pointed at `server` as at `http://localhost:11434`.
fn client_for(server: &Server) -> Result<OllamaApiClient, Failed> {
    Ok(OllamaApiClient::with_http_client(server.url(""), http()?).with_config(config()))
}

/// Everything `generate_stream` yields, to its end, split into the chunks and the error
/// (at most one, and nothing after it).
async fn generate_stream(server: &Server) -> Result<(Vec<Chunk>, Option<Error>), Failed> {
    let results: Vec<Result<Chunk, Error>> = client_for(server)?
        .generate_stream(&generate_request())
        .collect()
        .await;
    let mut chunks = Vec::new();
    let mut error = None;
    for result in results {
        assert!(error.is_none(), "something followed the error {error:?}");
        match result {
            Ok(chunk) => chunks.push(chunk),
            Err(e) => error = Some(e),
        }
    }
    Ok((chunks, error))
}

/// Checks that `chunks` are the first `chunks.len()` recorded ones, read into their type.
fn assert_documented_chunks(chunks: &[Chunk]) {
    let words = [
        "The",
        " sky",
        " is",
        " blue",
        " because",
        " of",
        " Ray",
        "leigh",
        " scattering",
        ".",
    ];
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(chunk.model.as_deref(), Some("llama3.2"), "chunk {i}");
        assert!(
            chunk
                .created_at
                .as_deref()
                .is_some_and(|t| t.starts_with("2023-08-04T08:52:19.")),
            "chunk {i}"
        );
        if i < words.len() {
            assert_eq!(chunk.response.as_deref(), Some(words[i]), "chunk {i}");
            assert_eq!(chunk.done, Some(false), "chunk {i}");
            assert_eq!(chunk.eval_count, None, "chunk {i}");
        }
    }
}

/// Checks that `chunks` are all the recorded ones: the text, then the stats.
fn assert_whole_stream(chunks: &[Chunk]) {
    assert_eq!(chunks.len(), LINES.len());
    assert_documented_chunks(chunks);
    let text: String = chunks
        .iter()
        .filter_map(|c| c.response.as_deref())
        .collect();
    assert_eq!(text, TEXT);
    let last = &chunks[LINES.len() - 1];
    assert_eq!(last.done, Some(true));
    assert_eq!(last.done_reason.as_deref(), Some("stop"));
    assert_eq!(last.response.as_deref(), Some(""));
    assert_eq!(last.total_duration, Some(10_706_818_083));
    assert_eq!(last.load_duration, Some(6_338_219_291));
    assert_eq!(last.prompt_eval_count, Some(26));
    assert_eq!(last.prompt_eval_duration, Some(130_079_000));
    assert_eq!(last.eval_count, Some(10));
    assert_eq!(last.eval_duration, Some(454_227_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_stream_yields_typed_chunks_and_ends_with_the_body() -> Result<(), Failed> {
    bounded(async {
        let server = Server::start(Answer::new(STREAM_HEAD, &LINES, Framing::Chunked)).await?;
        let (chunks, error) = generate_stream(&server).await?;
        assert!(error.is_none(), "{error:?}");
        assert_whole_stream(&chunks);

        // It asked for the stream: the flag in the body (set, though `true` is the
        // spec's default), NDJSON first in `Accept` (§10).
        let sent = server.request().await?;
        assert_eq!(sent.line(), "POST /api/generate HTTP/1.1");
        assert_eq!(
            sent.header("accept"),
            Some("application/x-ndjson, application/json;q=0.9")
        );
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert_eq!(
            sent.json()?,
            serde_json::json!({"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": true})
        );

        // The same stream read close-delimited, in one piece, and with no LF after its
        // last line (which still counts, §6.2): the same chunks.
        let whole = LINES.concat();
        for (pieces, framing) in [
            (vec![whole.as_str()], Framing::Close),
            (vec![whole.trim_end()], Framing::Chunked),
        ] {
            let server = Server::start(Answer::new(STREAM_HEAD, &pieces, framing)).await?;
            let (chunks, error) = generate_stream(&server).await?;
            assert!(error.is_none(), "{framing:?}: {error:?}");
            assert_whole_stream(&chunks);
            server.request().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_line_after_the_stream_began_is_a_failure_not_a_chunk() -> Result<(), Failed> {
    bounded(async {
        // Three pieces of the response, then the runner dies: Ollama writes the error as
        // one more line of the 200's body and ends it. A line written after it (Ollama
        // writes none) is not read: nothing follows an error.
        let mut pieces: Vec<&str> = LINES[..3].to_vec();
        pieces.push(RUNNER_STOPPED);
        pieces.push(LINES[3]);
        let server = Server::start(Answer::new(STREAM_HEAD, &pieces, Framing::Chunked)).await?;
        let (chunks, error) = generate_stream(&server).await?;
        // Every property of a chunk is optional, so `{"error": ...}` would also read as an
        // empty chunk: it must not have.
        assert_eq!(chunks.len(), 3, "{chunks:?}");
        assert_documented_chunks(&chunks);
        let error = error.ok_or("the stream ended without its error")?;
        assert!(matches!(error, Error::Failure(_)), "{error:?}");
        let failure: GenerateError = error
            .failure()
            .ok_or("the failure is not a GenerateError")?;
        assert_eq!(
            failure.error,
            "model runner has unexpectedly stopped, this may be due to resource limitations \
             or an internal error, check ollama server logs for details"
        );
        assert!(
            error.to_string().starts_with(
                "the stream failed: {\"error\":\"model runner has unexpectedly stopped"
            ),
            "{error}"
        );
        // `failure` reads only `Error::Failure`.
        assert!(Error::Truncated.failure::<GenerateError>().is_none());
        server.request().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_ends_after_whole_lines_is_a_clean_end_even_before_done() -> Result<(), Failed>
{
    bounded(async {
        // Ollama's stream declares no terminal marker (its overlay adds only the error
        // line), so the end of the body is the end of the stream (§9.6: "No declared
        // marker: the end of the body is a clean end"), whether or not the `"done": true`
        // line came. Only the last chunk's `done` tells the caller, which must look.
        for framing in [Framing::Chunked, Framing::Close] {
            let server = Server::start(Answer::new(STREAM_HEAD, &LINES[..4], framing)).await?;
            let (chunks, error) = generate_stream(&server).await?;
            assert!(error.is_none(), "{framing:?}: {error:?}");
            assert_eq!(chunks.len(), 4, "{framing:?}");
            assert_documented_chunks(&chunks);
            assert_eq!(
                chunks[3].done,
                Some(false),
                "not done, and no error to say so"
            );
            server.request().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_ends_inside_a_line_fails_on_that_line() -> Result<(), Failed> {
    bounded(async {
        // The body ends (well framed) in the middle of the fifth line. A last line without
        // its LF still counts (§6.2), so it is read, and it is not JSON: `Error::Decode`,
        // after the four whole lines.
        let mut pieces: Vec<&str> = LINES[..4].to_vec();
        pieces.push(&LINES[4][..50]);
        for framing in [Framing::Chunked, Framing::Close] {
            let server = Server::start(Answer::new(STREAM_HEAD, &pieces, framing)).await?;
            let (chunks, error) = generate_stream(&server).await?;
            assert_eq!(chunks.len(), 4, "{framing:?}");
            assert_documented_chunks(&chunks);
            assert!(
                matches!(error, Some(Error::Decode(_))),
                "{framing:?}: {error:?}"
            );
            server.request().await?;
        }

        // The connection dies there instead, without chunked framing's last chunk: the body
        // could not be read to its end, `Error::Request` (§12.2), after the whole lines.
        let server = Server::start(Answer::new(STREAM_HEAD, &pieces, Framing::ChunkedCut)).await?;
        let (chunks, error) = generate_stream(&server).await?;
        assert_eq!(chunks.len(), 4);
        assert!(matches!(error, Some(Error::Request(_))), "{error:?}");
        server.request().await?;
        Ok(())
    })
    .await
}

/// Ollama's answer for a model it does not have: plain JSON, before any stream.
const NOT_FOUND: &str = "{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}";

const NOT_FOUND_HEAD: &str = "HTTP/1.1 404 Not Found\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Date: Fri, 04 Aug 2023 15:52:19 GMT\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_answered_instead_of_the_stream_is_the_undeclared_status() -> Result<(), Failed> {
    bounded(async {
        // The spec declares only 200 for /api/generate: `Error::UnexpectedStatus` with the
        // body, which reads as the overlay's error type.
        let server =
            Server::start(Answer::new(NOT_FOUND_HEAD, &[NOT_FOUND], Framing::Length)).await?;
        let (chunks, error) = generate_stream(&server).await?;
        assert!(chunks.is_empty());
        let Some(Error::UnexpectedStatus { status, body }) = error else {
            panic!("not UnexpectedStatus: {error:?}");
        };
        assert_eq!(status, 404);
        assert_eq!(body, NOT_FOUND);
        let body: GenerateError = serde_json::from_str(&body)?;
        assert_eq!(
            body.error,
            "model \"llama9\" not found, try pulling it first"
        );
        server.request().await?;
        Ok(())
    })
    .await
}

/// The whole answer to `"stream": false`.
const GENERATED: &str = "{\"model\":\"llama3.2\",\"created_at\":\"2023-08-04T19:22:45.499127Z\",\"response\":\"The sky is blue because of Rayleigh scattering.\",\"done\":true,\"done_reason\":\"stop\",\"context\":[1,2,3],\"total_duration\":5043500667,\"load_duration\":5025959,\"prompt_eval_count\":26,\"prompt_eval_duration\":325953000,\"eval_count\":10,\"eval_duration\":4709213000}";

const GENERATED_HEAD: &str = "HTTP/1.1 200 OK\r\n\
Content-Type: application/json; charset=utf-8\r\n\
Date: Fri, 04 Aug 2023 19:22:45 GMT\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_reads_the_whole_answer() -> Result<(), Failed> {
    bounded(async {
        let server =
            Server::start(Answer::new(GENERATED_HEAD, &[GENERATED], Framing::Length)).await?;
        let response = client_for(&server)?.generate(&generate_request()).await;
        let Ok(Response::Ok { body }) = response else {
            panic!("not the 200: {response:?}");
        };
        assert_eq!(body.response.as_deref(), Some(TEXT));
        assert_eq!(body.done, Some(true));
        assert_eq!(body.eval_count, Some(10));
        // `"stream": false` overrides the spec's default (`true`); JSON only.
        let sent = server.request().await?;
        assert_eq!(sent.header("accept"), Some("application/json"));
        assert_eq!(sent.json()?["stream"], serde_json::json!(false));
        Ok(())
    })
    .await
}
