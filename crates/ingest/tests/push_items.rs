//! What ingest makes of push sections: wire names, typed push path variables, modes.

use pushgen_ir::{Scalar, StatusMatch, Streaming, TypeRef};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Push rules, version: '1'}
paths:
  /rooms/{roomId}/join:
    post:
      operationId: join
      parameters:
        - {name: roomId, in: path, required: true, schema: {type: integer, format: int32}}
      responses:
        '204': {description: left}
      push:
        - /rooms/{roomId}/messages/{seq}/{author}:
            parameters:
              - {name: seq, in: path, required: true, schema: {type: integer, format: int64}}
              - {name: roomId, in: path, required: true, schema: {type: string}}
            responses:
              '200':
                description: a message
                headers:
                  seq: {schema: {type: string}, required: true}
                content: {application/json: {schema: {type: string}}}
              '410': {description: the message was deleted}
        - /rooms/{roomId}/typing:
            x-push-event: typing
            responses:
              '200': {description: someone types}
  /plain:
    get:
      responses:
        '200': {description: ok}
"#;

#[test]
fn push_variables_are_typed_by_operation_then_push_path_then_string() {
    let api = pushgen_ingest::ingest(SPEC, "rules.yaml").unwrap();
    let join = &api.operations[0];
    let Streaming::Envelope(push) = &join.streaming else {
        panic!("join pushes");
    };
    // POST is not safe to repeat and nothing says it is resumable.
    assert!(!push.resumable);
    let messages = &push.items[0];
    assert_eq!(
        messages.wire_name,
        "/rooms/{roomId}/messages/{seq}/{author}"
    );
    let types: Vec<(&str, &TypeRef)> = messages
        .variables
        .iter()
        .map(|v| (v.name.original.as_str(), &v.ty))
        .collect();
    assert_eq!(
        types,
        [
            // The operation's parameter wins over the push path's own.
            ("roomId", &TypeRef::Scalar(Scalar::Int32)),
            ("seq", &TypeRef::Scalar(Scalar::Int64)),
            ("author", &TypeRef::Scalar(Scalar::String)),
        ]
    );
    // Path variables and headers are separate namespaces: `seq` is both.
    assert_eq!(messages.responses[0].headers[0].name.original, "seq");
    assert_eq!(messages.responses[1].status, StatusMatch::Code(410));
    assert!(messages.responses[1].body.is_none());

    let typing = &push.items[1];
    assert_eq!(typing.wire_name, "typing");
    assert_eq!(typing.name.camel, "Typing");
}

#[test]
fn operations_without_push_are_plain_and_get_is_resumable() {
    let api = pushgen_ingest::ingest(SPEC, "rules.yaml").unwrap();
    let plain = &api.operations[1];
    assert_eq!(plain.streaming, Streaming::None);
    assert_eq!(plain.name.snake, "get_plain");
    assert_eq!(plain.label(), "GET /plain");

    let resumable = SPEC.replace(
        "operationId: join",
        "operationId: join\n      x-push-resumable: true",
    );
    let api = pushgen_ingest::ingest(&resumable, "rules.yaml").unwrap();
    assert!(api.operations[0].streaming.envelope().unwrap().resumable);
}

#[test]
fn yaml_and_json_of_one_spec_give_the_same_api() {
    let yaml: serde_json::Value = serde_yaml::from_str(SPEC).unwrap();
    let json = serde_json::to_string_pretty(&yaml).unwrap();
    let from_yaml = pushgen_ingest::ingest(SPEC, "rules").unwrap();
    let from_json = pushgen_ingest::ingest(&json, "rules").unwrap();
    assert_eq!(from_yaml, from_json);
}

/// The streaming shapes of the real specs in `fixtures/real`.
#[test]
fn real_specs_stream_as_their_documents_say() {
    use pushgen_ir::{StreamMedia, Streaming};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    let load = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        pushgen_ingest::ingest(&text, name).unwrap_or_else(|e| panic!("{e}"))
    };
    let shape = |api: &pushgen_ir::Api, id: &str| {
        api.operations
            .iter()
            .find(|op| op.operation_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no operation {id}"))
            .streaming
            .clone()
    };

    let openai = load("openai.yaml");
    let Streaming::Conditional(chat) = shape(&openai, "createChatCompletion") else {
        panic!("chat completions are stream-conditional");
    };
    assert_eq!(chat.flag, "stream");
    assert_eq!(chat.stream.media, StreamMedia::EventStream);
    assert_eq!(
        chat.stream.items[0].ty,
        TypeRef::Named("CreateChatCompletionStreamResponse".into())
    );

    let ollama = load("ollama.yaml");
    let generate = shape(&ollama, "generate");
    let stream = generate.items().expect("ollama's generate streams");
    assert_eq!(stream.media, StreamMedia::NdJson);

    let mercure = load("mercure.json");
    let subscribe = mercure
        .operations
        .iter()
        .find(|op| {
            op.path.template == "/.well-known/mercure" && op.method == pushgen_ir::Method::Get
        })
        .unwrap();
    let Streaming::Items(events) = &subscribe.streaming else {
        panic!("mercure's subscription is an event stream");
    };
    assert_eq!(events.media, StreamMedia::EventStream);
    assert!(events.resumable, "a GET may resume");
}

fn fixture(name: &str) -> pushgen_ir::Api {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    pushgen_ingest::ingest(&text, name).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_seed_form_and_x_push_give_the_same_push_items() {
    let api = fixture("both_forms.yaml");
    let seed = api.operations[0].streaming.envelope().unwrap();
    let x_push = api.operations[1].streaming.envelope().unwrap();
    assert_eq!(seed, x_push);
}

#[test]
fn the_3_2_sse_idiom_gives_one_typed_item_per_event() {
    use pushgen_ir::{ItemSource, StreamMedia, Streaming, Terminator};
    let api = fixture("events32.yaml");
    let Streaming::Items(watch) = &api.operations[0].streaming else {
        panic!("watchBuild streams");
    };
    assert_eq!(watch.media, StreamMedia::EventStream);
    assert_eq!(watch.declared_by, ItemSource::ItemSchema);
    assert_eq!(watch.terminator, Some(Terminator::Event("done".into())));
    let events: Vec<(Option<&str>, &TypeRef)> = watch
        .items
        .iter()
        .map(|i| (i.event.as_deref(), &i.ty))
        .collect();
    assert_eq!(
        events,
        [
            (Some("step"), &TypeRef::Named("WatchBuildStep".into())),
            // `data` without contentSchema is text.
            (Some("log"), &TypeRef::Scalar(Scalar::String)),
            (Some("test"), &TypeRef::Named("WatchBuildTest".into())),
            (Some("stage"), &TypeRef::Named("WatchBuildStage".into())),
            (Some("done"), &TypeRef::Named("Outcome".into())),
        ]
    );
    let Streaming::Items(log) = &api.operations[1].streaming else {
        panic!("tailLog streams");
    };
    assert_eq!(log.media, StreamMedia::JsonLines);
    assert_eq!(log.items[0].ty, TypeRef::Named("LogRecord".into()));
    let Streaming::Items(artifacts) = &api.operations[2].streaming else {
        panic!("listArtifacts streams");
    };
    assert_eq!(artifacts.media, StreamMedia::JsonSeq);
    assert_eq!(artifacts.terminator, Some(Terminator::Data("end".into())));
    assert!(watch.resumable && log.resumable, "GET streams may resume");
}

#[test]
fn a_3_1_spec_with_a_stream_flag_is_stream_conditional() {
    use pushgen_ir::{StreamMedia, Streaming, Terminator};
    let api = fixture("chat.yaml");
    let Streaming::Conditional(chat) = &api.operations[0].streaming else {
        panic!("createCompletion is stream-conditional");
    };
    assert_eq!(chat.flag, "stream");
    assert!(!chat.streams_by_default);
    assert_eq!(chat.stream.media, StreamMedia::EventStream);
    assert_eq!(
        chat.stream.terminator,
        Some(Terminator::Data("[DONE]".into()))
    );
    // 3.1 forms: `type: [number, 'null']` is a nullable number.
    let request = api.named_type("CompletionRequest").unwrap();
    let pushgen_ir::TypeKind::Struct(fields) = &request.kind else {
        panic!("a struct");
    };
    let temperature = fields
        .fields
        .iter()
        .find(|f| f.name.original == "temperature")
        .unwrap();
    assert_eq!(
        temperature.ty,
        TypeRef::Nullable(Box::new(TypeRef::Scalar(Scalar::Double)))
    );
}

#[test]
fn push_variables_from_path_level_parameters_and_deep_pointers_name_one_type() {
    use pushgen_ir::Streaming;
    let api = fixture("rooms.yaml");
    let Streaming::Envelope(push) = &api.operations[0].streaming else {
        panic!("join pushes");
    };
    assert!(push.resumable, "x-push-resumable on a POST");
    let vars = |i: usize| -> Vec<(String, TypeRef)> {
        push.items[i]
            .variables
            .iter()
            .map(|v| (v.name.original.clone(), v.ty.clone()))
            .collect()
    };
    assert_eq!(
        vars(0),
        [
            // From the path item's parameters, which the operation inherits.
            ("roomId".into(), TypeRef::Scalar(Scalar::Int64)),
            ("seq".into(), TypeRef::Scalar(Scalar::Int64)),
        ]
    );
    assert_eq!(
        vars(1)[1],
        ("member".into(), TypeRef::Scalar(Scalar::String))
    );
    // The push's body and listMessages' items are one schema, reached by a deep pointer.
    let pushed = push.items[0].responses[0].body.as_ref().unwrap().ty.clone();
    let listed = api.operations[1].responses[0]
        .body
        .as_ref()
        .unwrap()
        .ty
        .clone();
    assert_eq!(listed, TypeRef::Array(Box::new(pushed.clone())));
    assert_eq!(pushed, TypeRef::Named("RoomsMessagesItem".into()));
}

#[test]
fn an_ndjson_api_that_streams_by_default() {
    use pushgen_ir::{StreamMedia, Streaming, Terminator};
    let api = fixture("generate_ndjson.yaml");
    let Streaming::Conditional(generate) = &api.operations[0].streaming else {
        panic!("generate is stream-conditional");
    };
    assert!(generate.streams_by_default);
    assert_eq!(generate.stream.media, StreamMedia::NdJson);
    assert_eq!(
        generate.stream.terminator,
        Some(Terminator::Data(r#"{"done":true}"#.into()))
    );
    let Streaming::Items(pull) = &api.operations[1].streaming else {
        panic!("pull always streams");
    };
    assert_eq!(pull.media, StreamMedia::NdJson);
}
