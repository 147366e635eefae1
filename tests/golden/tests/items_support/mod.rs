//! Item-mode test servers for `curl.rs`, `conditional_e2e.rs` and the Python peers, on
//! 127.0.0.1: the build events of
//! `fixtures/events32.yaml` (SSE in the OpenAPI 3.2 idiom, JSON Lines, JSON text
//! sequences) and the chat of `fixtures/chat.yaml` (a stream-conditional operation whose
//! SSE stream ends with `data: [DONE]`). Their streams are the worked examples of
//! `docs/PROTOCOL.md`'s item mode.

#![allow(dead_code, reason = "each test binary uses part of the support module")]

use crate::support::serve_router;
use pushgen_golden::chat;
use pushgen_golden::events32::operations::{list_artifacts, tail_log, watch_build};
use pushgen_golden::events32::server::{BuildEvents, router_with_config};
use pushgen_golden::events32::types;
use pushgen_runtime::server::{ItemSink, RequestContext, ServerConfig};
use std::net::SocketAddr;
use std::time::Duration;

/// How long the `slow` build waits after opening its stream: long enough for keep-alives.
pub const SLOW: Duration = Duration::from_millis(300);

/// The build events. Build ids:
/// - `missing`: `404` before any item;
/// - `gone-late` (watchBuild): one step, then `404`, so the stream ends without `done`;
/// - `slow`: opens the stream, waits [`SLOW`], then goes on as any other build;
/// - anything else: watchBuild sends step 0 (SSE id `step-0`), a two-line log line,
///   step 1 (id `step-1`) and the terminal event `done`; tailLog sends two records (the
///   first with a level); listArtifacts sends `app` (10 bytes) and `docs`;
/// - `none` (listArtifacts): returns `200` before any item, so the stream is its
///   terminator alone.
pub struct Builds;

async fn wait_if_slow<C: pushgen_runtime::item::ItemCodec>(id: &str, items: &ItemSink<C>) {
    if id == "slow" {
        let _ = items.open().await;
        tokio::time::sleep(SLOW).await;
    }
}

impl BuildEvents for Builds {
    async fn watch_build(
        &self,
        _context: RequestContext,
        params: watch_build::Params,
        items: ItemSink<watch_build::Items>,
    ) -> watch_build::Response {
        let step = |index| types::WatchBuildStep {
            name: format!("step {index}"),
            index: Some(index),
        };
        match params.id.as_str() {
            "missing" => return watch_build::Response::NotFound,
            "gone-late" => {
                let _ = items.send(step(0)).await;
                return watch_build::Response::NotFound;
            }
            id => wait_if_slow(id, &items).await,
        }
        let _ = items.send_with_id("step-0", step(0)).await;
        let _ = items
            .send(watch_build::Item::Log("line one\nline two".into()))
            .await;
        let _ = items.send_with_id("step-1", step(1)).await;
        // `done` is both an item and the terminal event: the handler sends it.
        let _ = items
            .send(types::Outcome {
                status: types::OutcomeStatus::Passed,
            })
            .await;
        watch_build::Response::Ok
    }

    async fn tail_log(
        &self,
        _context: RequestContext,
        params: tail_log::Params,
        items: ItemSink<tail_log::Items>,
    ) -> tail_log::Response {
        wait_if_slow(&params.id, &items).await;
        for i in 0..2 {
            let record = types::LogRecord {
                line: format!("line {i}"),
                level: (i == 0).then_some(types::LogRecordLevel::Info),
            };
            // The line formats have no place for an id: this one is not written.
            if items.send_with_id("ignored", record).await.is_err() {
                break;
            }
        }
        tail_log::Response::Ok
    }

    async fn list_artifacts(
        &self,
        _context: RequestContext,
        params: list_artifacts::Params,
        items: ItemSink<list_artifacts::Items>,
    ) -> list_artifacts::Response {
        if params.id == "none" {
            return list_artifacts::Response::Ok;
        }
        wait_if_slow(&params.id, &items).await;
        for (name, bytes) in [("app", Some(10)), ("docs", None)] {
            let artifact = types::ListArtifactsItem {
                name: name.into(),
                bytes,
            };
            if items.send(artifact).await.is_err() {
                break;
            }
        }
        list_artifacts::Response::Ok
    }
}

/// Serves [`Builds`] on 127.0.0.1 (a free port) until the runtime ends.
pub async fn serve_builds(config: ServerConfig) -> SocketAddr {
    serve_router(router_with_config(Builds, config)).await
}

/// The chat: model `busy` gets `429` before any item; any other model gets the chunks
/// `Hello`, `, ` and `world` when it streams, or the whole completion when it does not.
pub struct Chat;

impl chat::server::Chat for Chat {
    async fn create_completion(
        &self,
        _context: RequestContext,
        body: chat::types::CompletionRequest,
        items: ItemSink<chat::operations::create_completion::Items>,
    ) -> chat::operations::create_completion::Response {
        use chat::operations::create_completion::Response;
        if body.model == "busy" {
            return Response::TooManyRequests {
                body: chat::types::ApiError {
                    message: "slow down".into(),
                    retry_after: Some(1),
                },
            };
        }
        let words = ["Hello", ", ", "world"];
        for word in words {
            let chunk = chat::types::CompletionChunk {
                id: "c1".into(),
                delta: chat::types::CompletionChunkDelta {
                    content: Some(word.into()),
                },
            };
            if items.send(chunk).await.is_err() {
                break;
            }
        }
        Response::Ok {
            body: chat::types::Completion {
                id: "c1".into(),
                object: chat::types::CompletionObject::ChatCompletion,
                choices: vec![chat::types::Choice {
                    index: 0,
                    message: chat::types::Message {
                        role: chat::types::MessageRole::Assistant,
                        content: Some(words.concat()),
                    },
                    finish_reason: None,
                }],
            },
        }
    }
}

/// Serves [`Chat`] on 127.0.0.1 (a free port) until the runtime ends.
pub async fn serve_chat(config: ServerConfig) -> SocketAddr {
    serve_router(chat::server::router_with_config(Chat, config)).await
}
