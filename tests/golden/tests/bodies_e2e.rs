//! Request bodies that are not JSON, sent by the generated client and read by the
//! generated server: a typed form, optional text, bytes, and a multipart form passed
//! through with its boundary.

mod support;

use pushgen_golden::bodies::client::BodiesClient;
use pushgen_golden::bodies::operations::{attach, put_note, submit_form, upload};
use pushgen_golden::bodies::server::{Bodies, router};
use pushgen_golden::bodies::types;
use pushgen_runtime::bytes::Bytes;
use pushgen_runtime::server::RequestContext;
use pushgen_runtime::wire::Raw;

struct Echo;

impl Bodies for Echo {
    async fn submit_form(
        &self,
        _context: RequestContext,
        body: types::SubmitFormRequest,
    ) -> submit_form::Response {
        submit_form::Response::Ok {
            body: format!(
                "{} {} {:?} {:?}",
                body.user, body.remember, body.attempts, body.topic
            ),
        }
    }

    async fn put_note(&self, _context: RequestContext, body: Option<String>) -> put_note::Response {
        put_note::Response::Ok {
            body: body.unwrap_or_else(|| "(none)".into()),
        }
    }

    async fn upload(&self, _context: RequestContext, body: Bytes) -> upload::Response {
        upload::Response::Ok {
            body: body.len() as i64,
        }
    }

    async fn attach(&self, _context: RequestContext, body: Raw) -> attach::Response {
        let text = String::from_utf8_lossy(&body.bytes).into_owned();
        attach::Response::Ok {
            body: format!("{} {}", body.content_type, text.contains("hello.txt")),
        }
    }
}

#[tokio::test]
async fn every_kind_of_body_arrives_as_sent() {
    support::bounded(async {
        let addr = support::serve_router(router(Echo)).await;
        let client = BodiesClient::new(format!("http://{addr}"));

        let mut form = types::SubmitFormRequest {
            user: "ada lovelace&co".into(),
            remember: true,
            attempts: Some(3),
            topic: Some(vec!["a".into(), "b&c".into()]),
        };
        let submit_form::Response::Ok { body } = client.submit_form(&form).await.unwrap();
        assert_eq!(body, r#"ada lovelace&co true Some(3) Some(["a", "b&c"])"#);
        form.topic = Some(vec!["only".into()]);
        form.attempts = None;
        let submit_form::Response::Ok { body } = client.submit_form(&form).await.unwrap();
        assert_eq!(body, r#"ada lovelace&co true None Some(["only"])"#);

        let put_note::Response::Ok { body } = client.put_note(Some("ünïcode")).await.unwrap();
        assert_eq!(body, "ünïcode");
        let put_note::Response::Ok { body } = client.put_note(None).await.unwrap();
        assert_eq!(body, "(none)");

        let upload::Response::Ok { body } = client.upload(&[0, 1, 2, 255]).await.unwrap();
        assert_eq!(body, 4);

        let multipart = "--xyz\r\nContent-Disposition: form-data; name=\"file\"; \
                         filename=\"hello.txt\"\r\n\r\nhi\r\n--xyz--\r\n";
        let raw = Raw {
            content_type: "multipart/form-data; boundary=xyz".into(),
            bytes: Bytes::from(multipart),
        };
        let attach::Response::Ok { body } = client.attach(&raw).await.unwrap();
        assert_eq!(body, "multipart/form-data; boundary=xyz true");
    })
    .await;
}

/// A form that does not fit its type is the client's mistake: 400, not a crash.
#[tokio::test]
async fn a_bad_form_is_a_bad_request() {
    support::bounded(async {
        let addr = support::serve_router(router(Echo)).await;
        let response = reqwest_post(&format!("http://{addr}/form"), "user=x&remember=maybe").await;
        assert_eq!(response, 400);
        // A list as repeated keys, as browsers and Mercure's clients send it.
        let response = reqwest_post(
            &format!("http://{addr}/form"),
            "user=x&remember=true&topic=a&topic=b",
        )
        .await;
        assert_eq!(response, 200);
    })
    .await;
}

async fn reqwest_post(url: &str, form: &'static str) -> u16 {
    pushgen_runtime::reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
