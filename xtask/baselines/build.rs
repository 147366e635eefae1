//! Generates the tonic client and server stubs for `bench.Bench/Stream` with
//! tonic-build's manual builder: the messages are hand-written
//! `#[derive(prost::Message)]` structs in `src/grpc.rs`, so no `.proto` file
//! and no `protoc` are needed.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let stream = tonic_build::manual::Method::builder()
        .name("stream")
        .route_name("Stream")
        .input_type("crate::grpc::StreamRequest")
        .output_type("crate::record::Record")
        .codec_path("tonic_prost::ProstCodec")
        .server_streaming()
        .build();
    let service = tonic_build::manual::Service::builder()
        .name("Bench")
        .package("bench")
        .method(stream)
        .build();
    tonic_build::manual::Builder::new().compile(&[service]);
}
