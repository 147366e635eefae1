//! The build.rs way of using pushgen, tested: the consumer example generated into
//! OUT_DIR as one file, included by `tests/build_rs.rs`.

fn main() {
    if let Err(error) = pushgen::Builder::new("../../fixtures/consumer.yaml").generate() {
        panic!("pushgen: {error}");
    }
}
