//! Parameters of one name in different locations (`fixtures/names.yaml`: `type` in the
//! query and in a header) keep their own wire names: the Rust field of the header is
//! `type_header`, but the header on the wire is `type`, which the generated server reads
//! and the generated client sends. (They were once sent and read as a header named
//! `type header`, which no peer sends and reqwest refuses to.)

mod support;

use pushgen_golden::names::client::HostileNamesEveryIdentifierRuleAtOnceClient as Client;
use pushgen_golden::names::operations::{
    get_user, get_user_2, new_2, post_message, post_type_by_self,
};
use pushgen_golden::names::server::{HostileNamesEveryIdentifierRuleAtOnce, router};
use pushgen_golden::names::types;
use pushgen_runtime::reqwest;
use pushgen_runtime::server::{PushSink, RequestContext};
use support::bounded;

struct Echo;

impl HostileNamesEveryIdentifierRuleAtOnce for Echo {
    async fn post_type_by_self(
        &self,
        _context: RequestContext,
        params: post_type_by_self::Params,
        _body: Option<types::Option>,
    ) -> post_type_by_self::Response {
        let seen = format!(
            "self={} query={:?} header={:?}",
            params.self_, params.type_, params.type_header
        );
        post_type_by_self::Response::Ok {
            body: types::Result {
                ok: Some(seen),
                err: None,
                box_: None,
                vec: None,
            },
        }
    }

    async fn post_message(
        &self,
        _context: RequestContext,
        _push: PushSink<post_message::Push>,
    ) -> post_message::Response {
        post_message::Response::Accepted
    }

    async fn new_2(&self, _context: RequestContext) -> new_2::Response {
        new_2::Response::NoContent
    }

    async fn get_user(&self, _context: RequestContext) -> get_user::Response {
        get_user::Response::NoContent
    }

    async fn get_user_2(&self, _context: RequestContext) -> get_user_2::Response {
        get_user_2::Response::NoContent
    }
}

fn seen(response: post_type_by_self::Response) -> String {
    let post_type_by_self::Response::Ok { body } = response;
    body.ok.unwrap()
}

#[tokio::test]
async fn a_query_and_a_header_of_one_name_each_keep_their_wire_name() {
    bounded(async {
        let addr = support::serve_router(router(Echo)).await;

        // Any peer: the header is `type`, the query parameter `type`.
        let text = reqwest::Client::new()
            .post(format!("http://{addr}/type/me?type=in-query"))
            .header("type", "in-header")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains(r#"self=me query=Some(\"in-query\") header=Some(\"in-header\")"#),
            "{text}"
        );

        // The generated client sends each where it belongs.
        let client = Client::new(format!("http://{addr}"));
        let params = post_type_by_self::Params {
            self_: "me".into(),
            type_: Some("q".into()),
            type_header: Some("h".into()),
            _123abc: None,
        };
        let response = client.post_type_by_self(&params, None).await.unwrap();
        assert_eq!(
            seen(response),
            r#"self=me query=Some("q") header=Some("h")"#
        );
    })
    .await;
}
