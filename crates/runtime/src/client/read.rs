//! Reading a response: a plain answer, bounded, or the frames of a stream in whatever
//! format the server chose, with the idle timeout.

use super::{Config, Error};
use crate::binding::{Frame, FrameDecoder, Media};
use crate::wire::{Parts, ResponseParts};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::time::Duration;

/// A response, once its head has arrived.
pub(super) enum Opened {
    /// The body is a stream in this format.
    Stream(Reader),
    /// Anything else: a plain answer.
    Plain(reqwest::Response),
}

/// Sends the request and sorts the answer by its `Content-Type`.
pub(super) async fn open(
    request: reqwest::RequestBuilder,
    config: &Config,
) -> Result<Opened, Error> {
    // The head counts as bytes too: a server that never answers is as dead as one that
    // stops sending.
    let response = match config.idle_timeout {
        Some(idle) => tokio::time::timeout(idle, request.send())
            .await
            .map_err(|_| Error::Idle(idle))?,
        None => request.send().await,
    }
    .map_err(Error::Request)?;
    let media = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Media::from_content_type);
    Ok(match media {
        Some(media) => Opened::Stream(Reader {
            chunks: response.bytes_stream().boxed(),
            decoder: FrameDecoder::new(media, config.limits),
            idle: config.idle_timeout,
            ended: false,
        }),
        None => Opened::Plain(response),
    })
}

/// The frames of a stream's body.
pub(super) struct Reader {
    chunks: BoxStream<'static, Result<Bytes, reqwest::Error>>,
    decoder: FrameDecoder,
    idle: Option<Duration>,
    ended: bool,
}

impl Reader {
    /// The next frame; `Ok(None)` at the end of the body.
    pub(super) async fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        loop {
            if let Some(frame) = self.decoder.next_frame() {
                return frame.map(Some).map_err(Error::Frame);
            }
            if self.ended {
                return Ok(None);
            }
            let next = match self.idle {
                Some(idle) => tokio::time::timeout(idle, self.chunks.next())
                    .await
                    .map_err(|_| Error::Idle(idle))?,
                None => self.chunks.next().await,
            };
            match next {
                Some(Ok(bytes)) => self.decoder.feed(bytes).map_err(Error::Frame)?,
                Some(Err(e)) => return Err(Error::Request(e)),
                None => {
                    self.ended = true;
                    self.decoder.finish().map_err(Error::Frame)?;
                }
            }
        }
    }
}

/// The status, headers and body of a plain answer, the body read up to
/// [`Config::max_body`].
pub(super) async fn read_parts(
    response: reqwest::Response,
    config: &Config,
) -> Result<(Parts, Bytes), Error> {
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let mut chunks = response.bytes_stream();
    let mut body = BytesMut::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(Error::Request)?;
        if body.len() + chunk.len() > config.max_body {
            return Err(Error::TooLarge {
                limit: config.max_body,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let parts = Parts {
        status,
        headers,
        body: None,
    };
    Ok((parts, body))
}

/// Puts a plain answer's JSON body into `parts`. A body that is not JSON is an error with
/// serde's message, unless the status is one the operation does not declare (a proxy's
/// HTML error page), which is reported as such.
pub(super) fn with_json_body<R: ResponseParts>(
    mut parts: Parts,
    body: &[u8],
) -> Result<Parts, Error> {
    if body.is_empty() {
        return Ok(parts);
    }
    match serde_json::from_slice(body) {
        Ok(raw) => {
            parts.body = Some(raw);
            Ok(parts)
        }
        Err(e) => match R::from_parts(&parts) {
            Err(crate::wire::DecodeError::Status(status)) => Err(Error::undeclared(status, body)),
            _ => Err(Error::Decode(crate::wire::DecodeError::invalid(format!(
                "body of a {} response is not JSON: {e}",
                parts.status
            )))),
        },
    }
}

/// Reads a plain answer as the operation's response enum.
pub(super) async fn read_plain<R: ResponseParts>(
    response: reqwest::Response,
    config: &Config,
) -> Result<R, Error> {
    let (parts, body) = read_parts(response, config).await?;
    let parts = with_json_body::<R>(parts, &body)?;
    R::from_parts(&parts).map_err(|e| match e {
        crate::wire::DecodeError::Status(status) => Error::undeclared(status, &body),
        other => Error::Decode(other),
    })
}
