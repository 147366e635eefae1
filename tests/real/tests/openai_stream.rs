//! The client generated for OpenAI's published spec (with `openai.overlay.yaml`, which
//! declares the `data: [DONE]` that ends a chat completion stream and its error event)
//! against a local server
//! that answers as `api.openai.com` does: `POST /v1/chat/completions` with
//! `"stream": true` gets `text/event-stream; charset=utf-8`, one `chat.completion.chunk`
//! per event, chunked, then `data: [DONE]`; errors come as plain JSON before the stream.
//!
//! What the client must make of it (`docs/PROTOCOL.md` §9.5, §9.6, §10, §12.2): typed
//! chunks and a clean end at `[DONE]`, which is not a chunk; `Error::Truncated` for a body
//! that ends before `[DONE]`; an error event in the stream (declared by the overlay's
//! `x-push-error`) as `Error::Failure`, typed; the declared `429` as `Error::Response`
//! with the typed response, the undeclared `401` as `Error::UnexpectedStatus` with its
//! body.

mod support;

use futures_util::StreamExt;
use pushgen_real::openai::client::OpenAiApiClient;
use pushgen_real::openai::operations::create_chat_completion::{self, Response};
use pushgen_real::openai::types::{
    ChatCompletionStreamResponseDeltaRole as Role, CreateChatCompletionRequest,
    CreateChatCompletionResponseChoicesItemFinishReason as Finish,
    CreateChatCompletionStreamResponse as Chunk,
    CreateChatCompletionStreamResponseChoicesItemFinishReason as ChunkFinish,
    CreateChatCompletionStreamResponseObject as ChunkObject, ErrorResponse,
};
use pushgen_runtime::client::Error;
use support::{Answer, Failed, Framing, Server, bounded, config, http};

/// The head of OpenAI's answer to a streamed chat completion, as `curl -i` shows it, less
/// the framing header that the server adds (`transfer-encoding: chunked`). The ids are
/// made up.
const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\n\
date: Tue, 18 Mar 2025 13:56:13 GMT\r\n\
content-type: text/event-stream; charset=utf-8\r\n\
access-control-expose-headers: X-Request-ID\r\n\
openai-organization: user-abc123\r\n\
openai-processing-ms: 215\r\n\
openai-version: 2020-10-01\r\n\
x-ratelimit-limit-requests: 10000\r\n\
x-ratelimit-limit-tokens: 200000\r\n\
x-ratelimit-remaining-requests: 9999\r\n\
x-ratelimit-remaining-tokens: 199977\r\n\
x-ratelimit-reset-requests: 8.64s\r\n\
x-ratelimit-reset-tokens: 6ms\r\n\
x-request-id: req_9b2f6c1e0d7a4f3b8e5c2a1d0f9e8b7c\r\n\
strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n\
cf-cache-status: DYNAMIC\r\n\
x-content-type-options: nosniff\r\n\
server: cloudflare\r\n\
cf-ray: 9225e0b0ce4a2d6c-AMS\r\n\
alt-svc: h3=\":443\"; ma=86400\r\n";

/// The events of the stream, byte for byte, one chunk each: the role, nine pieces of
/// content, the finish reason, and (as `stream_options.include_usage` asks) the usage
/// with no choices.
const EVENTS: [&str; 12] = [
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"lV8mAQ\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"3ZQ\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"pL2sWk9\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" How\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"Xc\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" can\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"u7Rt\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" I\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"Ga2Cq9\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" assist\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"k\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" you\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"Hn4e\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" today\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"yQ\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"?\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"W0dZs1\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null,\"obfuscation\":\"b\"}\n\n",
    "data: {\"id\":\"chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ\",\"object\":\"chat.completion.chunk\",\"created\":1742306173,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_b8bc95a0ac\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10,\"total_tokens\":29,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"obfuscation\":\"rT5Ejg\"}\n\n",
];

/// The event that ends the stream.
const DONE: &str = "data: [DONE]\n\n";

/// What the deltas add up to.
const CONTENT: &str = "Hello! How can I assist you today?";

/// The recorded stream, `[DONE]` and all, framed as `framing`.
fn stream_answer(framing: Framing) -> Answer {
    let mut pieces: Vec<&str> = EVENTS.to_vec();
    pieces.push(DONE);
    Answer::new(STREAM_HEAD, &pieces, framing)
}

/// A chat completion request as an application sends it (the generated request type has
/// a field for every one of the API's options; the rest stay unset).
fn chat_request() -> Result<CreateChatCompletionRequest, Failed> {
    Ok(serde_json::from_value(serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "developer", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"}
        ],
        "stream_options": {"include_usage": true}
    }))?)
}

/// The client pointed at `server` as at `https://api.openai.com/v1`.
fn client_for(server: &Server) -> Result<OpenAiApiClient, Failed> {
    Ok(OpenAiApiClient::with_http_client(server.url("/v1"), http()?).with_config(config()))
}

/// Everything a stream yields, to its end.
async fn drain(
    stream: pushgen_runtime::client::ItemStream<create_chat_completion::Items>,
) -> Vec<Result<Chunk, Error>> {
    stream.collect().await
}

/// The chunks of a stream that yields `Ok`s and then, at most, one error.
fn split(results: Vec<Result<Chunk, Error>>) -> (Vec<Chunk>, Option<Error>) {
    let mut chunks = Vec::new();
    let mut error = None;
    for result in results {
        assert!(error.is_none(), "something followed the error {error:?}");
        match result {
            Ok(chunk) => chunks.push(chunk),
            Err(e) => error = Some(e),
        }
    }
    (chunks, error)
}

/// Checks that `chunks` are the twelve recorded ones, read into their types.
fn assert_documented_chunks(chunks: &[Chunk]) {
    assert_eq!(
        chunks.len(),
        EVENTS.len(),
        "one chunk per event, none for [DONE]"
    );
    for chunk in chunks {
        assert_eq!(chunk.id, "chatcmpl-BCkPZ4hVg4DmE4nqD6yT1Yp1vJxKQ");
        assert_eq!(chunk.object, ChunkObject::ChatCompletionChunk);
        assert_eq!(chunk.created, 1_742_306_173);
        assert_eq!(chunk.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(chunk.system_fingerprint.as_deref(), Some("fp_b8bc95a0ac"));
        assert!(chunk.obfuscation.is_some());
    }
    let first = &chunks[0].choices[0];
    assert_eq!(first.index, 0);
    assert_eq!(first.delta.role, Some(Role::Assistant));
    assert_eq!(first.delta.refusal, None);
    let content: String = chunks
        .iter()
        .flat_map(|chunk| &chunk.choices)
        .filter_map(|choice| choice.delta.content.as_deref())
        .collect();
    assert_eq!(content, CONTENT);
    let finish: Vec<_> = chunks
        .iter()
        .flat_map(|chunk| &chunk.choices)
        .filter_map(|choice| choice.finish_reason.clone())
        .collect();
    assert_eq!(
        finish,
        [ChunkFinish::Stop],
        "one finish reason, on the 11th chunk"
    );
    assert_eq!(chunks[10].choices[0].finish_reason, Some(ChunkFinish::Stop));
    assert_eq!(chunks[10].choices[0].delta.content, None);
    // `"usage":null` on every chunk but the last, which has no choices.
    assert!(chunks[..11].iter().all(|chunk| chunk.usage.is_none()));
    let last = &chunks[11];
    assert!(last.choices.is_empty());
    let usage = last
        .usage
        .as_ref()
        .map(|u| (u.prompt_tokens, u.completion_tokens, u.total_tokens));
    assert_eq!(usage, Some((19, 10, 29)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_chat_completion_stream_yields_typed_chunks_and_ends_at_done() -> Result<(), Failed>
{
    bounded(async {
        let server = Server::start(stream_answer(Framing::Chunked)).await?;
        let client = client_for(&server)?;
        let request = chat_request()?;
        let mut stream = client.create_chat_completion_stream(&request);
        let mut chunks = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => chunks.push(chunk),
                Err(e) => panic!("after {} chunks: {e:?}", chunks.len()),
            }
        }
        assert_documented_chunks(&chunks);
        // Ended: it stays ended.
        assert!(stream.next().await.is_none());

        // It asked for the stream: the flag in the body, SSE first in `Accept` (§10).
        let sent = server.request().await?;
        assert_eq!(sent.line(), "POST /v1/chat/completions HTTP/1.1");
        assert_eq!(
            sent.header("accept"),
            Some("text/event-stream, application/json;q=0.9")
        );
        assert_eq!(sent.header("content-type"), Some("application/json"));
        assert!(sent.text().contains("\"stream\":true"), "{}", sent.text());
        let body = sent.json()?;
        assert_eq!(body["stream"], serde_json::json!(true));
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["messages"][1]["content"], "Hello!");
        assert_eq!(
            body["stream_options"]["include_usage"],
            serde_json::json!(true)
        );
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_ends_at_done_without_waiting_for_the_end_of_the_body() -> Result<(), Failed> {
    bounded(async {
        // The body stays open after `[DONE]`, longer than the client's idle timeout: a
        // client that read on would fail with `Error::Idle`.
        let server = Server::start(stream_answer(Framing::Held)).await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert!(error.is_none(), "{error:?}");
        assert_documented_chunks(&chunks);
        // And it let go of the connection once the stream was over.
        let sent = server.request().await?;
        assert!(sent.hung_up, "the client kept the connection after [DONE]");
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_ends_before_done_is_truncated() -> Result<(), Failed> {
    bounded(async {
        // The body ends before `[DONE]`, as its end is told by chunked framing (the last
        // chunk) or by the server closing a close-delimited body: every chunk that came,
        // then `Error::Truncated` (§9.6: the stream ended well only at the marker).
        for framing in [Framing::Chunked, Framing::Close] {
            let server = Server::start(Answer::new(STREAM_HEAD, &EVENTS, framing)).await?;
            let client = client_for(&server)?;
            let (chunks, error) =
                split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
            assert_documented_chunks(&chunks);
            assert!(
                matches!(error, Some(Error::Truncated)),
                "{framing:?}: {error:?}"
            );
            server.request().await?;
        }

        // Cut inside an event: the half event is discarded (the WHATWG rule), and the
        // stream is truncated all the same.
        let mut pieces: Vec<&str> = EVENTS[..3].to_vec();
        pieces.push(&EVENTS[3][..40]);
        let server = Server::start(Answer::new(STREAM_HEAD, &pieces, Framing::Close)).await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert_eq!(chunks.len(), 3);
        assert!(matches!(error, Some(Error::Truncated)), "{error:?}");
        server.request().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_whose_connection_dies_before_done_fails_as_a_request_error()
-> Result<(), Failed> {
    bounded(async {
        // The connection is closed after the last event, without chunked framing's last
        // chunk: the body could not be read to its end, which reqwest reports, so the
        // client does: `Error::Request` (§12.2), after every chunk that came. Not
        // `Truncated`, which is for a body that ended (well framed) before `[DONE]`.
        let server = Server::start(Answer::new(STREAM_HEAD, &EVENTS, Framing::ChunkedCut)).await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert_documented_chunks(&chunks);
        assert!(matches!(error, Some(Error::Request(_))), "{error:?}");
        server.request().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_event_in_the_stream_is_the_typed_failure() -> Result<(), Failed> {
    bounded(async {
        // OpenAI reports a failure after the stream has begun as one more event, an error
        // object. The overlay declares it (`x-push-error: ErrorResponse`), so the client
        // yields it as `Error::Failure`, typed, after the chunks that came; the stream
        // ends there.
        let mut pieces: Vec<&str> = EVENTS[..4].to_vec();
        pieces.push(
            "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
        );
        pieces.push(DONE);
        let server = Server::start(Answer::new(STREAM_HEAD, &pieces, Framing::Chunked)).await?;
        let client = client_for(&server)?;
        let (chunks, error) = split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert_eq!(chunks.len(), 4);
        let error = error.ok_or("the stream ended without the failure")?;
        assert!(matches!(error, Error::Failure(_)), "{error:?}");
        let failure: ErrorResponse = error
            .failure()
            .ok_or("the failure is not an ErrorResponse")?;
        assert_eq!(failure.error.type_, "server_error");
        server.request().await?;
        Ok(())
    })
    .await
}

/// OpenAI's 429, pretty-printed as the API writes its errors.
const RATE_LIMITED: &str = "{\n    \"error\": {\n        \"message\": \"Rate limit reached for gpt-4o-mini in organization org-abc123 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.\",\n        \"type\": \"requests\",\n        \"param\": null,\n        \"code\": \"rate_limit_exceeded\"\n    }\n}\n";

const RATE_LIMITED_HEAD: &str = "HTTP/1.1 429 Too Many Requests\r\n\
date: Tue, 18 Mar 2025 13:56:14 GMT\r\n\
content-type: application/json; charset=utf-8\r\n\
retry-after: 20\r\n\
x-ratelimit-limit-requests: 3\r\n\
x-ratelimit-remaining-requests: 0\r\n\
x-ratelimit-reset-requests: 20s\r\n\
x-request-id: req_1c0d4e7f2a9b8c3d6e5f4a1b0c9d8e7f\r\n\
server: cloudflare\r\n";

/// OpenAI's 401 for a wrong key, which the spec does not declare.
const BAD_KEY: &str = "{\n    \"error\": {\n        \"message\": \"Incorrect API key provided: sk-proj-********************WXYZ. You can find your API key at https://platform.openai.com/account/api-keys.\",\n        \"type\": \"invalid_request_error\",\n        \"param\": null,\n        \"code\": \"invalid_api_key\"\n    }\n}\n";

const BAD_KEY_HEAD: &str = "HTTP/1.1 401 Unauthorized\r\n\
date: Tue, 18 Mar 2025 13:56:15 GMT\r\n\
content-type: application/json; charset=utf-8\r\n\
vary: Origin\r\n\
x-request-id: req_5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b\r\n\
server: cloudflare\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_answered_instead_of_the_stream_is_the_declared_response_or_the_status()
-> Result<(), Failed> {
    bounded(async {
        // 429 is declared: `Error::Response`, the typed response with its header and body.
        let server = Server::start(Answer::new(
            RATE_LIMITED_HEAD,
            &[RATE_LIMITED],
            Framing::Length,
        ))
        .await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert!(chunks.is_empty());
        let error = error.ok_or("no error")?;
        assert!(
            matches!(error, Error::Response { status: 429, .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the server answered 429 instead of a stream"
        );
        let Some(Response::TooManyRequests { headers, body }) = error.response::<Response>() else {
            panic!("not the typed 429: {error:?}");
        };
        assert_eq!(headers.retry_after, Some(20));
        assert_eq!(body.error.code.as_deref(), Some("rate_limit_exceeded"));
        assert_eq!(body.error.type_, "requests");
        assert_eq!(body.error.param, None);
        assert!(
            body.error
                .message
                .starts_with("Rate limit reached for gpt-4o-mini")
        );
        server.request().await?;

        // A whole completion where the stream was asked for (a proxy that dropped the
        // flag): a declared response, so `Error::Response` too, with the completion in it.
        let server =
            Server::start(Answer::new(COMPLETION_HEAD, &[COMPLETION], Framing::Length)).await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert!(chunks.is_empty());
        let error = error.ok_or("no error")?;
        assert!(
            matches!(error, Error::Response { status: 200, .. }),
            "{error:?}"
        );
        let Some(Response::Ok { body }) = error.response::<Response>() else {
            panic!("not the typed 200: {error:?}");
        };
        assert_eq!(body.choices[0].message.content.as_deref(), Some(CONTENT));
        server.request().await?;

        // 401 is not declared: `Error::UnexpectedStatus`, with the body as it came.
        let server = Server::start(Answer::new(BAD_KEY_HEAD, &[BAD_KEY], Framing::Length)).await?;
        let client = client_for(&server)?;
        let (chunks, error) =
            split(drain(client.create_chat_completion_stream(&chat_request()?)).await);
        assert!(chunks.is_empty());
        let Some(Error::UnexpectedStatus { status, body }) = error else {
            panic!("not UnexpectedStatus: {error:?}");
        };
        assert_eq!(status, 401);
        // The start of the answer, byte for byte (§12.2), its final LF too.
        assert_eq!(body, BAD_KEY);
        let body: ErrorResponse = serde_json::from_str(&body)?;
        assert_eq!(body.error.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(body.error.type_, "invalid_request_error");
        server.request().await?;
        Ok(())
    })
    .await
}

/// A whole chat completion, as OpenAI answers `"stream": false`.
const COMPLETION: &str = "{\n  \"id\": \"chatcmpl-BCkPa1xR7mVt3qLw9ZsYd2kE6nUo0\",\n  \"object\": \"chat.completion\",\n  \"created\": 1742306174,\n  \"model\": \"gpt-4o-mini-2024-07-18\",\n  \"choices\": [\n    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"Hello! How can I assist you today?\",\n        \"refusal\": null,\n        \"annotations\": []\n      },\n      \"logprobs\": null,\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n    \"prompt_tokens\": 19,\n    \"completion_tokens\": 10,\n    \"total_tokens\": 29,\n    \"prompt_tokens_details\": {\n      \"cached_tokens\": 0,\n      \"audio_tokens\": 0\n    },\n    \"completion_tokens_details\": {\n      \"reasoning_tokens\": 0,\n      \"audio_tokens\": 0,\n      \"accepted_prediction_tokens\": 0,\n      \"rejected_prediction_tokens\": 0\n    }\n  },\n  \"service_tier\": \"default\",\n  \"system_fingerprint\": \"fp_b8bc95a0ac\"\n}\n";

const COMPLETION_HEAD: &str = "HTTP/1.1 200 OK\r\n\
date: Tue, 18 Mar 2025 13:56:14 GMT\r\n\
content-type: application/json\r\n\
openai-organization: user-abc123\r\n\
openai-processing-ms: 342\r\n\
openai-version: 2020-10-01\r\n\
x-request-id: req_0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\n\
server: cloudflare\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_chat_completion_reads_the_whole_answer() -> Result<(), Failed> {
    bounded(async {
        let server =
            Server::start(Answer::new(COMPLETION_HEAD, &[COMPLETION], Framing::Length)).await?;
        let client = client_for(&server)?;
        let response = client.create_chat_completion(&chat_request()?).await;
        let Ok(Response::Ok { body }) = response else {
            panic!("not the 200: {response:?}");
        };
        assert_eq!(body.id, "chatcmpl-BCkPa1xR7mVt3qLw9ZsYd2kE6nUo0");
        assert_eq!(body.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(body.choices.len(), 1);
        let choice = &body.choices[0];
        assert_eq!(choice.finish_reason, Finish::Stop);
        assert_eq!(choice.message.content.as_deref(), Some(CONTENT));
        assert_eq!(choice.message.refusal, None);
        assert_eq!(body.usage.as_ref().map(|u| u.total_tokens), Some(29));

        // It asked for the whole answer: `"stream": false`, JSON only.
        let sent = server.request().await?;
        assert_eq!(sent.line(), "POST /v1/chat/completions HTTP/1.1");
        assert_eq!(sent.header("accept"), Some("application/json"));
        assert!(sent.text().contains("\"stream\":false"), "{}", sent.text());

        // The plain method returns a declared error as its response, not as an `Error`.
        let server = Server::start(Answer::new(
            RATE_LIMITED_HEAD,
            &[RATE_LIMITED],
            Framing::Length,
        ))
        .await?;
        let response = client_for(&server)?
            .create_chat_completion(&chat_request()?)
            .await;
        let Ok(Response::TooManyRequests { headers, body }) = response else {
            panic!("not the 429: {response:?}");
        };
        assert_eq!(headers.retry_after, Some(20));
        assert_eq!(body.error.code.as_deref(), Some("rate_limit_exceeded"));
        server.request().await?;

        // An undeclared status is an `Error` for the plain method too, with the same body.
        let server = Server::start(Answer::new(BAD_KEY_HEAD, &[BAD_KEY], Framing::Length)).await?;
        let response = client_for(&server)?
            .create_chat_completion(&chat_request()?)
            .await;
        let Err(Error::UnexpectedStatus { status, body }) = response else {
            panic!("not UnexpectedStatus: {response:?}");
        };
        assert_eq!(status, 401);
        assert_eq!(body, BAD_KEY);
        server.request().await?;
        Ok(())
    })
    .await
}
