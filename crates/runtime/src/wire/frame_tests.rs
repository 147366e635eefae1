//! The one-pass writer and reader against the envelope functions that define the format,
//! on a push enum written as pushgen generates them.

use super::*;
use crate::binding::Media;
use bytes::BytesMut;
use serde_json::{Value, json};

/// `push: /ticks/{n}` (wire name `tick`): 200 with an optional `offset` header and any
/// JSON body, or 204 without a body.
#[derive(Debug, Clone, PartialEq)]
enum Push {
    Tick { n: String, response: TickResponse },
}

#[derive(Debug, Clone, PartialEq)]
enum TickResponse {
    Ok { offset: Option<i64>, body: Value },
    NoContent,
}

impl ResponseParts for TickResponse {
    fn write<W: WriteParts>(&self, out: &mut W) -> Result<(), EncodeError> {
        match self {
            Self::Ok { offset, body } => {
                out.status(200);
                out.header("offset", offset)?;
                out.json(body)
            }
            Self::NoContent => {
                out.status(204);
                Ok(())
            }
        }
    }

    fn read<'de, D: Deserializer<'de>>(
        head: &Head<'_>,
        body: D,
    ) -> Result<Self, ReadError<D::Error>> {
        match head.status {
            200 => Ok(Self::Ok {
                offset: head.header_opt("Offset")?,
                body: super::body(body)?,
            }),
            204 => {
                no_body(body)?;
                Ok(Self::NoContent)
            }
            status => Err(DecodeError::status(status).into()),
        }
    }
}

impl PushMessage for Push {
    const EVENTS: &'static [&'static str] = &["tick"];

    fn write<W: WritePush>(&self, out: &mut W) -> Result<(), EncodeError> {
        match self {
            Self::Tick { n, response } => {
                out.push("tick", "/ticks/{n}", &[n])?;
                response.write(out)
            }
        }
    }

    fn read<'de, D: Deserializer<'de>>(
        event: &str,
        head: &Head<'_>,
        body: D,
    ) -> Result<Option<Self>, ReadError<D::Error>> {
        match event {
            "tick" => {
                let variables = head.path_variables("/ticks/{n}")?;
                Ok(Some(Self::Tick {
                    n: variables.get(0)?,
                    response: TickResponse::read(head, body)?,
                }))
            }
            _ => {
                no_body(body)?;
                Ok(None)
            }
        }
    }
}

/// The final response: 200 with a count.
#[derive(Debug, Clone, PartialEq)]
struct Done(i64);

impl ResponseParts for Done {
    fn write<W: WriteParts>(&self, out: &mut W) -> Result<(), EncodeError> {
        out.status(200);
        out.json(&self.0)
    }

    fn read<'de, D: Deserializer<'de>>(
        head: &Head<'_>,
        body: D,
    ) -> Result<Self, ReadError<D::Error>> {
        match head.status {
            200 => Ok(Done(super::body(body)?)),
            status => Err(DecodeError::status(status).into()),
        }
    }
}

fn pushes() -> Vec<Push> {
    vec![
        Push::Tick {
            n: "7".into(),
            response: TickResponse::Ok {
                offset: Some(7),
                body: json!({"a": "x\ny", "b": [1, 2.5, null], "c": "é \"q\" \u{1}"}),
            },
        },
        Push::Tick {
            n: "a b/é%".into(),
            response: TickResponse::Ok {
                offset: None,
                body: json!("text"),
            },
        },
        Push::Tick {
            n: "x".into(),
            response: TickResponse::NoContent,
        },
    ]
}

fn written(push: &Push, media: Media, id: Option<&str>) -> String {
    let mut buf = BytesMut::new();
    let mut text = String::new();
    let mut frame = FrameWriter::new(&mut buf, &mut text, media, id).unwrap();
    push.write(&mut frame).unwrap();
    frame.finish().unwrap();
    String::from_utf8(buf.to_vec()).unwrap()
}

/// What the envelope functions make of the same push, framed as before the one-pass
/// writer existed.
fn by_envelope(push: &Push, media: Media, id: Option<&str>) -> String {
    let envelope = push.encode().unwrap();
    let mut buf = BytesMut::new();
    match media {
        Media::EventStream => {
            let data = envelope_json(&envelope).unwrap();
            media
                .encode(&mut buf, Some(&envelope.event), id, &data)
                .unwrap();
        }
        _ => {
            let line = push_line(&envelope, id).unwrap();
            media.encode(&mut buf, None, None, &line).unwrap();
        }
    }
    String::from_utf8(buf.to_vec()).unwrap()
}

#[test]
fn the_frame_writer_writes_what_the_envelope_functions_write() {
    for push in pushes() {
        for media in [
            Media::EventStream,
            Media::NdJson,
            Media::JsonLines,
            Media::JsonSeq,
        ] {
            for id in [None, Some("41"), Some("an \"id\" é")] {
                assert_eq!(
                    written(&push, media, id),
                    by_envelope(&push, media, id),
                    "{push:?} as {media:?} with id {id:?}"
                );
            }
        }
    }
}

#[test]
fn the_unframed_writer_writes_the_envelope_json_and_keeps_the_name() {
    for push in pushes() {
        let mut buf = BytesMut::new();
        let mut text = String::new();
        let mut writer = FrameWriter::envelope(&mut buf, &mut text);
        push.write(&mut writer).unwrap();
        let event = writer.event();
        writer.finish().unwrap();
        let envelope = push.encode().unwrap();
        assert_eq!(event, envelope.event, "{push:?}");
        assert_eq!(
            String::from_utf8(buf.to_vec()).unwrap(),
            envelope_json(&envelope).unwrap(),
            "{push:?}"
        );
    }
}

#[test]
fn the_frame_writer_refuses_an_id_with_a_line_break() {
    let mut buf = BytesMut::new();
    let mut text = String::new();
    assert!(FrameWriter::new(&mut buf, &mut text, Media::EventStream, Some("a\nb")).is_err());
}

fn line(text: &str) -> Framed<Push, Done> {
    read_line::<Push, Done>(text).unwrap()
}

fn pushed(framed: Framed<Push, Done>) -> Push {
    match framed {
        Framed::Push(push, _) => push,
        Framed::Final(done) => panic!("a final response, {done:?}"),
        Framed::Gap(oldest) => panic!("a gap, {oldest:?}"),
        Framed::Skip => panic!("skipped"),
    }
}

#[test]
fn written_pushes_read_back() {
    for push in pushes() {
        let text = written(&push, Media::NdJson, Some("1"));
        assert_eq!(pushed(line(text.trim_end())), push);
        let event = written(&push, Media::EventStream, None);
        let data = event
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap();
        assert_eq!(
            read_sse_push::<Push, Done>("tick", data).unwrap(),
            Some(push)
        );
    }
}

#[test]
fn a_body_ahead_of_its_head_reads_the_same() {
    let expected = Push::Tick {
        n: "3".into(),
        response: TickResponse::Ok {
            offset: Some(3),
            body: json!({"k": [1]}),
        },
    };
    for text in [
        r#"{"push":"tick","path":"/ticks/3","status":200,"headers":{"offset":"3"},"body":{"k":[1]}}"#,
        r#"{"body":{"k":[1]},"headers":{"offset":"3"},"status":200,"path":"/ticks/3","push":"tick"}"#,
        r#"{"push":"tick","body":{"k":[1]},"path":"/ticks/3","status":200,"headers":{"OFFSET":"3"}}"#,
        r#"{"extra":[{"x":"}"}],"push":"t\u0069ck","path":"\/ticks\/3","status":200,"headers":{"off\u0073et":"3"},"body":{"k":[1]},"id":"9"}"#,
    ] {
        assert_eq!(pushed(line(text)), expected, "{text}");
    }
    let data = r#"{"body":{"k":[1]},"path":"/ticks/3","headers":{"offset":"3"},"status":200}"#;
    assert_eq!(
        read_sse_push::<Push, Done>("tick", data).unwrap(),
        Some(expected)
    );
}

#[test]
fn lines_that_are_not_pushes_of_this_version_are_skipped() {
    for text in [
        r#"{"push":"later","path":"/later","status":200,"headers":{},"body":{"x":1}}"#,
        r#"{"progress":1}"#,
        r#"{}"#,
    ] {
        assert!(matches!(line(text), Framed::Skip), "{text}");
    }
}

#[test]
fn a_final_line_reads_its_response_whatever_the_order() {
    for text in [
        r#"{"final":{"status":200,"headers":{},"body":5}}"#,
        r#"{"final":{"body":5,"status":200}}"#,
        r#"{"push":"tick","final":{"status":200,"headers":{},"body":5}}"#,
    ] {
        assert!(matches!(line(text), Framed::Final(Done(5))), "{text}");
    }
    assert_eq!(
        read_sse_final::<Done>(r#"{"status":200,"headers":{},"body":5}"#).unwrap(),
        Done(5)
    );
}

#[test]
fn a_bodiless_push_passes_over_a_body_it_was_sent() {
    let text =
        r#"{"push":"tick","path":"/ticks/x","status":204,"headers":{},"body":{"ignored":[1,2]}}"#;
    assert_eq!(
        pushed(line(text)),
        Push::Tick {
            n: "x".into(),
            response: TickResponse::NoContent
        }
    );
}

fn line_error(text: &str) -> DecodeError {
    match read_line::<Push, Done>(text) {
        Ok(_) => panic!("{text} was read"),
        Err(e) => e,
    }
}

#[test]
fn bad_lines_say_what_is_wrong() {
    let cases = [
        (
            r#"{"push":"tick","path":"/ticks/1","headers":{}}"#,
            "status",
        ),
        (
            r#"{"push":"tick","status":200,"headers":{},"body":1}"#,
            "path",
        ),
        (
            r#"{"push":"tick","path":"/tocks/1","status":200,"headers":{},"body":1}"#,
            "does not match `/ticks/{n}`",
        ),
        (
            r#"{"push":"tick","path":"/ticks/1","status":200,"headers":{"offset":"x"},"body":1}"#,
            "header `Offset`",
        ),
        (
            r#"{"push":"tick","path":"/ticks/1","status":200,"headers":{"offset":5},"body":1}"#,
            "header `offset`",
        ),
        (
            r#"{"push":"tick","path":"/ticks/1","status":200,"headers":{},"body":1,"body":2}"#,
            "duplicate field `body`",
        ),
        (
            r#"{"final":{"status":200,"headers":{},"body":"five"}}"#,
            "body of a 200 response",
        ),
        (
            r#"{"push":"tick","path":"/ticks/1","status":200,"headers":{},"body":1} x"#,
            "trailing",
        ),
        ("[1]", "not a push line"),
    ];
    for (text, says) in cases {
        let error = line_error(text).to_string();
        assert!(
            error.contains(says),
            "{text}: `{error}` does not say `{says}`"
        );
    }
}

#[test]
fn an_undeclared_status_stays_a_status_error() {
    assert_eq!(
        line_error(r#"{"push":"tick","path":"/ticks/1","status":418,"headers":{},"body":1}"#),
        DecodeError::Status(418)
    );
    assert_eq!(
        line_error(r#"{"final":{"status":500,"headers":{},"body":{"message":"no"}}}"#),
        DecodeError::Status(500)
    );
}

#[test]
fn parts_and_envelopes_read_through_the_same_generated_reader() {
    for push in pushes() {
        let envelope = push.encode().unwrap();
        assert_eq!(Push::decode("tick", &envelope).unwrap(), Some(push));
    }
    let parts = Done(3).to_parts().unwrap();
    assert_eq!(Done::from_parts(&parts).unwrap(), Done(3));
    assert_eq!(
        Done::from_parts(&Parts::new(404)).unwrap_err(),
        DecodeError::Status(404)
    );
}

#[test]
fn broken_frames_are_errors_not_panics() {
    let mut texts: Vec<String> = pushes()
        .iter()
        .map(|push| {
            written(push, Media::NdJson, Some("1"))
                .trim_end()
                .to_owned()
        })
        .collect();
    texts.push(r#"{"final":{"status":200,"headers":{"a":"b"},"body":5}}"#.into());
    for text in texts {
        // Every prefix, and every byte replaced by each of a few troublesome ones.
        for end in 0..text.len() {
            if let Some(prefix) = text.get(..end) {
                let _ = read_line::<Push, Done>(prefix);
                let _ = read_sse_push::<Push, Done>("tick", prefix);
                let _ = read_sse_final::<Done>(prefix);
            }
        }
        for at in 0..text.len() {
            for byte in ["\"", "{", "}", "\\", ":", ",", "0", "/", "%"] {
                let mut broken = text.as_bytes().to_vec();
                broken.splice(at..=at, byte.bytes());
                if let Ok(broken) = String::from_utf8(broken) {
                    let _ = read_line::<Push, Done>(&broken);
                    let _ = read_sse_push::<Push, Done>("tick", &broken);
                }
            }
        }
    }
}

#[test]
fn a_line_gives_its_id_and_a_gap_line_reads_as_a_gap() {
    let text = written(&pushes()[0], Media::NdJson, Some("41"));
    assert!(matches!(line(text.trim_end()), Framed::Push(_, Some(id)) if id == "41"));
    assert!(matches!(line(r#"{"gap":{"oldest":"7"}}"#), Framed::Gap(Some(id)) if id == "7"));
    assert!(matches!(
        line(r#"{"gap":{"oldest":null}}"#),
        Framed::Gap(None)
    ));
}
