//! The build.rs way of using pushgen, tested: the consumer example generated into
//! OUT_DIR as one file (included by `tests/build_rs.rs`), and the shapes fixture's types
//! generated strict (included by `tests/strict.rs`).

fn main() {
    if let Err(error) = pushgen::Builder::new("../../fixtures/consumer.yaml").compile() {
        panic!("pushgen: {error}");
    }
    let strict = pushgen::Builder::new("../../fixtures/shapes.yaml")
        .server(false)
        .client(false)
        .strict(true)
        .compile();
    if let Err(error) = strict {
        panic!("pushgen: {error}");
    }
}
