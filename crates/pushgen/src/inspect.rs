//! `pushgen inspect`: what pushgen read from a spec, before any code is generated.

use crate::out::{plural, print, say};
use crate::report::{self, Failure, Rendering};
use crate::spec::{OverlayArgs, Spec};
use clap::{Args, ValueEnum};
use pushgen::Error;
use pushgen::ir::{
    Api, ConditionalStream, EnvelopePush, ItemStream, Operation, Scalar, StreamMedia, Streaming,
    Terminator, TypeKind, TypeRef,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct InspectArgs {
    /// The OpenAPI spec to read (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,

    #[command(flatten)]
    overlays: OverlayArgs,

    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary: each operation with its streaming shape, then counts of types.
    Text,
    /// The whole IR, as the backends see it, as pretty JSON.
    Json,
}

pub fn run(args: &InspectArgs, rendering: Rendering) -> Result<ExitCode, Failure> {
    // Inspect writes nothing, so a failure's last line has nothing to add.
    let spec = Spec::read(&args.spec).map_err(|e| Failure::new(e, ""))?;
    let overlays = args.overlays.read().map_err(|e| Failure::new(e, ""))?;
    // From the path, so that `$ref`s to files beside the spec resolve.
    let options = pushgen_ingest::Options {
        path: Some(&args.spec),
        overlays: &overlays,
    };
    let mut timings = pushgen_ingest::Timings::default();
    let ingested =
        match pushgen_ingest::ingest_with_options(&spec.text, &spec.name, options, &mut timings) {
            Ok(ingested) => ingested,
            Err(errors) => return Err(Failure::new(errors, "").about(spec)),
        };
    eprint!("{}", report::warnings(&ingested.warnings, rendering));
    let api = ingested.api;
    let text = match args.format {
        Format::Text => summary(&api),
        Format::Json => serde_json::to_string_pretty(&api)
            .map(|json| json + "\n")
            // The IR is plain data with string keys: this is not expected to happen, but
            // it is reported, not a panic.
            .map_err(|e| {
                Failure::new(
                    Error::Write {
                        path: "stdout".into(),
                        source: e.into(),
                    },
                    "",
                )
            })?,
    };
    print(&text);
    Ok(ExitCode::SUCCESS)
}

/// The text summary: the API, its operations in a table, then its types.
fn summary(api: &Api) -> String {
    let mut out = String::new();
    say!(out, "{} {} ({})", api.title, api.version, api.source);
    out.push('\n');
    say!(out, "{}:", plural(api.operations.len(), "operation"));
    let route =
        |op: &Operation| format!("{} {}", op.method.as_str().to_uppercase(), op.path.template);
    // Aligned columns, so a long spec is read down its shapes; capped, so that one very
    // long path does not push every row off the screen.
    let route_width = api.operations.iter().map(|op| route(op).len()).max();
    let name_width = api.operations.iter().map(|op| name(op).len()).max();
    for op in &api.operations {
        let shape = shape(&op.streaming);
        say!(
            out,
            "  {:<rw$}  {:<nw$}  {}",
            route(op),
            name(op),
            shape.head,
            rw = route_width.unwrap_or(0).min(MAX_ROUTE),
            nw = name_width.unwrap_or(0).min(MAX_NAME),
        );
        for line in &shape.lines {
            say!(out, "      {line}");
        }
    }
    out.push('\n');
    say!(out, "{}", types(api));
    out
}

const MAX_ROUTE: usize = 40;
const MAX_NAME: usize = 28;

/// The operation's `operationId` as written; without one, the identifier pushgen made up
/// for it, which is what generated code calls it.
fn name(op: &Operation) -> &str {
    op.operation_id.as_deref().unwrap_or(&op.name.snake)
}

/// How an operation streams: the headline in its row, and details on lines below it.
struct Shape {
    head: String,
    lines: Vec<String>,
}

fn shape(streaming: &Streaming) -> Shape {
    // One function per variant, so a new variant has an obvious place to go.
    match streaming {
        Streaming::None => plain(),
        Streaming::Envelope(push) => envelope(push),
        Streaming::Items(stream) => items(stream),
        Streaming::Conditional(conditional) => self::conditional(conditional),
    }
}

fn plain() -> Shape {
    Shape {
        head: "plain".into(),
        lines: Vec::new(),
    }
}

fn envelope(push: &EnvelopePush) -> Shape {
    Shape {
        head: format!(
            "push (envelope): {}{}",
            plural(push.items.len(), "item"),
            resumable(push.resumable)
        ),
        lines: push
            .items
            .iter()
            .map(|item| format!("- `{}` at {}", item.wire_name, item.path.template))
            .collect(),
    }
}

fn items(stream: &ItemStream) -> Shape {
    Shape {
        head: format!(
            "stream (item): {}, {}{}",
            stream.media.as_str(),
            plural(stream.items.len(), "item"),
            resumable(stream.resumable)
        ),
        lines: stream_lines(stream),
    }
}

fn conditional(conditional: &ConditionalStream) -> Shape {
    let stream = &conditional.stream;
    Shape {
        head: format!(
            "stream-conditional on `{}`{}: {}, {}{}",
            conditional.flag,
            if conditional.streams_by_default {
                " (on by default)"
            } else {
                ""
            },
            stream.media.as_str(),
            plural(stream.items.len(), "item"),
            resumable(stream.resumable)
        ),
        lines: stream_lines(stream),
    }
}

fn resumable(on: bool) -> &'static str {
    if on { ", resumable" } else { "" }
}

/// An item stream's items, each with the event that selects it, then its terminator.
fn stream_lines(stream: &ItemStream) -> Vec<String> {
    let sse = stream.media == StreamMedia::EventStream;
    let mut lines: Vec<String> = stream
        .items
        .iter()
        .map(|item| {
            let ty = type_text(&item.ty);
            // Items are often named after their type; saying it twice says nothing.
            let what = if item.name.original == ty {
                ty
            } else {
                format!("{}: {ty}", item.name.original)
            };
            match (&item.event, sse) {
                (Some(event), _) => format!("- {what} (event `{event}`)"),
                (None, true) => format!("- {what} (any event)"),
                (None, false) => format!("- {what}"),
            }
        })
        .collect();
    match &stream.terminator {
        Some(Terminator::Data(data)) => lines.push(format!("ends with data `{data}`")),
        Some(Terminator::Event(event)) => lines.push(format!("ends with event `{event}`")),
        None => {}
    }
    if let Some(error) = &stream.error {
        lines.push(format!("fails with {} (x-push-error)", type_text(error)));
    }
    lines
}

/// A type as a short expression: `[Event]`, `{string: int64}`, `Consumer?`.
fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String => "string",
            Scalar::Boolean => "boolean",
            Scalar::Int32 => "int32",
            Scalar::Int64 => "int64",
            Scalar::Float => "float",
            Scalar::Double => "double",
            Scalar::DateTime => "date-time",
            Scalar::Date => "date",
            Scalar::Uuid => "uuid",
            Scalar::Base64 => "byte",
        }
        .into(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Array(item) => format!("[{}]", type_text(item)),
        TypeRef::Map(value) => format!("{{string: {}}}", type_text(value)),
        TypeRef::Any => "any".into(),
        TypeRef::Nullable(inner) => format!("{}?", type_text(inner)),
    }
}

/// `12 types: 8 structs, 2 enums, 1 union, 1 alias`.
fn types(api: &Api) -> String {
    let mut counts = [0usize; 5];
    for ty in &api.types {
        counts[match ty.kind {
            TypeKind::Struct(_) => 0,
            TypeKind::Enum(_) | TypeKind::IntEnum(_) => 1,
            TypeKind::Union(_) => 2,
            TypeKind::Alias(_) => 3,
            TypeKind::Extern(_) => 4,
        }] += 1;
    }
    let kinds: Vec<String> = counts
        .iter()
        .zip(["struct", "enum", "union", "alias", "extern type"])
        .filter(|&(&n, _)| n > 0)
        .map(|(&n, kind)| plural(n, kind))
        .collect();
    let total = plural(api.types.len(), "type");
    if kinds.is_empty() {
        total
    } else {
        format!("{total}: {}", kinds.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pushgen::ir::{ItemSource, Name, StatusMatch, StreamItem};

    fn name(original: &str) -> Name {
        Name {
            original: original.into(),
            snake: original.to_lowercase(),
            camel: original.into(),
        }
    }

    /// The built-in example with its one operation made to stream as `streaming` says:
    /// ingest does not read every shape yet, and the summary must show each.
    fn example_with(streaming: Streaming) -> String {
        let mut api = pushgen_ingest::ingest(pushgen::EXAMPLE_SPEC, pushgen::EXAMPLE_NAME)
            .expect("the built-in example is valid");
        api.operations[0].streaming = streaming;
        summary(&api)
    }

    fn sse_stream() -> ItemStream {
        ItemStream {
            status: StatusMatch::Code(200),
            media: StreamMedia::EventStream,
            items: vec![
                StreamItem {
                    name: name("Tick"),
                    event: Some("tick".into()),
                    ty: TypeRef::Named("Tick".into()),
                    description: None,
                },
                StreamItem {
                    name: name("Note"),
                    event: None,
                    ty: TypeRef::Array(Box::new(TypeRef::Scalar(Scalar::String))),
                    description: None,
                },
            ],
            terminator: Some(Terminator::Data("[DONE]".into())),
            error: None,
            resumable: true,
            declared_by: ItemSource::ItemSchema,
        }
    }

    #[test]
    fn plain_and_envelope_operations() {
        let text = example_with(Streaming::None);
        assert!(
            text.contains("  POST /consumers  createConsumer  plain\n"),
            "{text}"
        );
        let text = summary(
            &pushgen_ingest::ingest(pushgen::EXAMPLE_SPEC, pushgen::EXAMPLE_NAME)
                .expect("the built-in example is valid"),
        );
        assert!(
            text.starts_with("Consumer API 1.0.0 (consumer.yaml)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  POST /consumers  createConsumer  push (envelope): 1 item\n      \
                 - `/consumers/{consumerId}/events/{offset}` at \
                 /consumers/{consumerId}/events/{offset}\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\n7 types: 5 structs, 1 enum, 1 union\n"),
            "{text}"
        );
    }

    #[test]
    fn item_streams_list_items_events_and_terminator() {
        let text = example_with(Streaming::Items(sse_stream()));
        assert!(
            text.contains(
                "createConsumer  stream (item): text/event-stream, 2 items, resumable\n      \
                 - Tick (event `tick`)\n      \
                 - Note: [string] (any event)\n      \
                 ends with data `[DONE]`\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn conditional_streams_name_their_flag() {
        let mut stream = sse_stream();
        stream.media = StreamMedia::NdJson;
        stream.items.truncate(1);
        stream.items[0].event = None;
        stream.terminator = None;
        stream.resumable = false;
        let text = example_with(Streaming::Conditional(ConditionalStream {
            flag: "stream".into(),
            streams_by_default: true,
            stream,
        }));
        assert!(
            text.contains(
                "createConsumer  stream-conditional on `stream` (on by default): application/x-ndjson, 1 item\n      \
                 - Tick\n\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn types_read_as_expressions() {
        let ty = TypeRef::Map(Box::new(TypeRef::Nullable(Box::new(TypeRef::Array(
            Box::new(TypeRef::Scalar(Scalar::Int64)),
        )))));
        assert_eq!(type_text(&ty), "{string: [int64]?}");
        assert_eq!(type_text(&TypeRef::Any), "any");
    }
}
