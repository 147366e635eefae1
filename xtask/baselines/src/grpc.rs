//! `tonic`: gRPC server streaming over HTTP/2 cleartext with tonic 0.14 and
//! prost. `bench.Bench/Stream(StreamRequest) returns (stream Record)`; the
//! stubs are generated in build.rs by tonic-build's manual builder, the
//! messages are hand-written prost structs ([`StreamRequest`] here,
//! [`Record`](crate::record::Record) shared with the JSON kinds).

use std::pin::Pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt as _, stream};
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::Job;
use crate::record::{self, Expect, Record};

include!(concat!(env!("OUT_DIR"), "/bench.Bench.rs"));

/// `message StreamRequest { uint64 count = 1; uint64 size = 2; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct StreamRequest {
    #[prost(uint64, tag = "1")]
    pub count: u64,
    #[prost(uint64, tag = "2")]
    pub size: u64,
}

struct Bench;

type Records = Pin<Box<dyn Stream<Item = Result<Record, Status>> + Send>>;

#[tonic::async_trait]
impl bench_server::Bench for Bench {
    type StreamStream = Records;

    async fn stream(
        &self,
        request: Request<StreamRequest>,
    ) -> Result<Response<Self::StreamStream>, Status> {
        let StreamRequest { count, size } = request.into_inner();
        let size = usize::try_from(size)
            .ok()
            .filter(|&size| size <= record::MAX_SIZE)
            .ok_or_else(|| {
                Status::invalid_argument(format!(
                    "size {size} is over the limit of {}",
                    record::MAX_SIZE
                ))
            })?;
        let payload = record::payload(size);
        let records = stream::iter(0..count).map(move |seq| {
            Ok(Record {
                seq,
                payload: payload.clone(),
            })
        });
        Ok(Response::new(Box::pin(records)))
    }
}

pub async fn serve(listener: TcpListener) -> Result<(), String> {
    Server::builder()
        .add_service(bench_server::BenchServer::new(Bench))
        .serve_with_incoming(TcpIncoming::from(listener))
        .await
        .map_err(|e| format!("tonic: {}", crate::chain(&e)))
}

pub async fn consume(job: Job) -> Result<Duration, String> {
    let url = format!("http://{}", job.addr);
    let request = StreamRequest {
        count: job.count,
        size: u64::try_from(job.size).map_err(|_| format!("size {} is too large", job.size))?,
    };

    // The clock includes the HTTP/2 connection, as it does for the HTTP kinds,
    // whose clients connect when they send.
    let mut expect = Expect::start(job.count, job.size);
    let mut client = bench_client::BenchClient::connect(url.clone())
        .await
        .map_err(|e| format!("connect to {url}: {}", crate::chain(&e)))?;
    let mut records = client
        .stream(request)
        .await
        .map_err(|status| format!("Stream: {status}"))?
        .into_inner();
    while let Some(record) = records
        .message()
        .await
        .map_err(|status| format!("Stream: {status}"))?
    {
        expect.record(&record)?;
    }
    expect.finish()
}
