//! pushgen in a crate's build, as its users write it: four specs (one with an overlay,
//! one spread over several files, one with tags), an added derive, a field attribute, an
//! extern type, the runtime found through this crate's re-export of it, and the tags as
//! this crate's features (Cargo.toml declares them).

fn main() -> Result<(), pushgen::Error> {
    pushgen::Builder::new("../../fixtures/consumer.yaml")
        .spec("../../fixtures/overlay/spec.yaml")
        .module("completions")
        .overlay("../../fixtures/overlay/terminator.overlay.yaml")
        .spec("../../fixtures/split.yaml")
        .spec("../../fixtures/tags.yaml")
        .tag_features(true)
        .type_attribute("Consumer", "#[derive(Eq, Hash)]")
        .type_attribute("#/components/schemas/EventType2", "#[derive(Eq)]")
        .field_attribute(
            "CreateConsumerRequest.topic",
            r#"#[serde(alias = "subject")]"#,
        )
        .extern_type("Error", "crate::problem::Problem")
        .runtime_path("crate::rt")
        .compile()?;
    Ok(())
}
