//! `h2-push`: HTTP/2 server push written by hand on the `h2` crate, over h2c. Each
//! record is a `PUSH_PROMISE` of `GET /records/SEQ` and a pushed `200` with the record
//! as JSON, then the request's own response; the client reads the promises in order and
//! decodes each pushed body with serde_json. What one stream per push costs on `h2`
//! itself: the ceiling for pushgen's HTTP/2 push binding.

use std::time::Duration;

use bytes::Bytes;
use futures_util::future::poll_fn;
use futures_util::stream::{FuturesOrdered, StreamExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::Job;
use crate::record::{self, Expect, Params, Record};

pub async fn serve(listener: TcpListener) -> Result<(), String> {
    loop {
        let (tcp, _) = listener
            .accept()
            .await
            .map_err(|e| format!("accept: {e}"))?;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(async move {
            if let Err(e) = connection(tcp).await {
                eprintln!("baselines: h2-push connection: {e}");
            }
        });
    }
}

async fn connection(tcp: TcpStream) -> Result<(), h2::Error> {
    let mut connection = h2::server::handshake(tcp).await?;
    while let Some(accepted) = connection.accept().await {
        let (request, respond) = accepted?;
        tokio::spawn(async move {
            if let Err(e) = stream(request, respond).await {
                eprintln!("baselines: h2-push stream: {e}");
            }
        });
    }
    Ok(())
}

async fn stream(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
) -> Result<(), String> {
    let query = request.uri().query().unwrap_or("");
    let params: Params =
        serde_urlencoded_lite(query).ok_or_else(|| format!("query `{query}`"))?;
    let payload = params.payload()?;
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_else(|| "localhost".into());
    for seq in 0..params.count {
        let promise = http::Request::get(format!("http://{authority}/records/{seq}"))
            .body(())
            .map_err(|e| e.to_string())?;
        let mut pushed = respond
            .push_request(promise)
            .map_err(|e| format!("push: {e}"))?;
        let head = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(())
            .map_err(|e| e.to_string())?;
        let mut body = pushed
            .send_response(head, false)
            .map_err(|e| format!("pushed response: {e}"))?;
        let record = Record {
            seq,
            payload: payload.clone(),
        };
        let json = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        send(&mut body, Bytes::from(json)).await?;
    }
    let head = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(())
        .map_err(|e| e.to_string())?;
    let mut body = respond
        .send_response(head, false)
        .map_err(|e| format!("response: {e}"))?;
    send(&mut body, Bytes::from(format!("{{\"count\":{}}}", params.count))).await
}

/// Sends `data` as the client's windows allow, as a careful user of `h2` does.
async fn send(stream: &mut h2::SendStream<Bytes>, mut data: Bytes) -> Result<(), String> {
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let granted = match poll_fn(|cx| stream.poll_capacity(cx)).await {
            Some(granted) => granted.map_err(|e| format!("capacity: {e}"))?,
            None => return Err("the stream closed".into()),
        };
        let chunk = data.split_to(granted.min(data.len()));
        stream
            .send_data(chunk, data.is_empty())
            .map_err(|e| format!("data: {e}"))?;
    }
    Ok(())
}

/// `count=N&size=M`, the one query this server reads.
fn serde_urlencoded_lite(query: &str) -> Option<Params> {
    let mut count = None;
    let mut size = None;
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("count", n) => count = n.parse().ok(),
            ("size", n) => size = n.parse().ok(),
            _ => {}
        }
    }
    Some(Params {
        count: count?,
        size: size?,
    })
}

pub async fn consume(job: Job) -> Result<Duration, String> {
    let mut expect = Expect::start(job.count, job.size);
    let tcp = TcpStream::connect(job.addr)
        .await
        .map_err(|e| format!("connect {}: {e}", job.addr))?;
    let _ = tcp.set_nodelay(true);
    let (mut client, connection) = h2::client::Builder::new()
        .enable_push(true)
        .handshake::<_, Bytes>(tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let request = http::Request::get(record::url(&job))
        .body(())
        .map_err(|e| e.to_string())?;
    let (mut response, _) = client
        .send_request(request, true)
        .map_err(|e| format!("request: {e}"))?;
    // Promises come before the response's head; h2 does not wake a task that waits for
    // promises alone when the stream ends, so the head is awaited beside them.
    let mut promises = response.push_promises();
    let mut reading = FuturesOrdered::new();
    let mut head = None;
    while head.is_none() || !reading.is_empty() {
        tokio::select! {
            biased;
            Some(record) = reading.next(), if !reading.is_empty() => {
                let record: Record = record?;
                expect.record(&record)?;
            }
            promise = promises.push_promise(), if head.is_none() => match promise {
                Some(promise) => {
                    let promise = promise.map_err(|e| format!("promise: {e}"))?;
                    reading.push_back(read_pushed(promise));
                }
                None => head = Some((&mut response).await.map_err(|e| e.to_string())?),
            },
            arrived = &mut response, if head.is_none() => {
                while let Some(Some(promise)) =
                    futures_util::FutureExt::now_or_never(promises.push_promise())
                {
                    let promise = promise.map_err(|e| format!("promise: {e}"))?;
                    reading.push_back(read_pushed(promise));
                }
                head = Some(arrived.map_err(|e| e.to_string())?);
            }
        }
    }
    let Some(head) = head else {
        return Err("no response".into());
    };
    let body = read_body(head.into_body()).await?;
    let end: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("the response: {e}"))?;
    if end["count"] != job.count {
        return Err(format!("the response says {end}"));
    }
    expect.finish()
}

async fn read_pushed(promise: h2::client::PushPromise) -> Result<Record, String> {
    let (_, pushed) = promise.into_parts();
    let response = pushed.await.map_err(|e| format!("pushed: {e}"))?;
    let body = read_body(response.into_body()).await?;
    serde_json::from_slice(&body).map_err(|e| format!("pushed body: {e}"))
}

async fn read_body(mut body: h2::RecvStream) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| format!("body: {e}"))?;
        let _ = body.flow_control().release_capacity(chunk.len());
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
