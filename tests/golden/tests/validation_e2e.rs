//! What a spec declares beyond types, enforced: the orders fixture uses every validation
//! keyword, and a generated server refuses each violation with `400` and a problem
//! document naming the rule and where it was broken, before the handler runs. The
//! generated client checks the same rules before sending when asked to.

mod support;

use pushgen_golden::orders::client::{OrdersApiClient, PlaceOrderObserver};
use pushgen_golden::orders::operations::{get_order, place_order};
use pushgen_golden::orders::server::{OrdersApi, router};
use pushgen_golden::orders::types;
use pushgen_runtime::client::Error;
use pushgen_runtime::server::{PushSink, RequestContext};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Default)]
struct Orders {
    handled: Arc<AtomicUsize>,
}

impl OrdersApi for Orders {
    async fn place_order(
        &self,
        _: RequestContext,
        params: place_order::Params,
        body: types::Order,
        push: PushSink<place_order::Push>,
    ) -> place_order::Response {
        self.handled.fetch_add(1, Ordering::SeqCst);
        let update = place_order::Updates {
            store: params.store,
            step: 1,
            response: place_order::UpdatesResponse::Ok {
                body: types::Update {
                    status: types::UpdateStatus::Accepted,
                },
            },
        };
        let _ = push.send(update).await;
        place_order::Response::Created {
            body: types::Placed {
                id: 7,
                sku: body.sku,
                quantity: body.quantity,
            },
        }
    }

    async fn get_order(&self, _: RequestContext, params: get_order::Params) -> get_order::Response {
        self.handled.fetch_add(1, Ordering::SeqCst);
        get_order::Response::Ok {
            body: types::Placed {
                id: params.id,
                sku: "ABC-1234".into(),
                quantity: 1,
            },
        }
    }
}

fn valid_order() -> Value {
    json!({
        "sku": "ABC-1234",
        "quantity": 3,
        "unitPrice": 9.99,
        "batch": 12,
        "note": "leave at the door",
        "giftMessage": null,
        "email": "ann@example.com",
        "website": "https://example.com/ann",
        "warehouse": "north.example.com",
        "ipv4": "192.0.2.1",
        "ipv6": "2001:db8::1",
        "notFoo": "foo is not checked: the pattern needs look-ahead",
        "tags": ["gift", "fragile"],
        "priority": "high",
        "address": {"lines": ["1 Main St"], "country": "GB"},
        "attributes": {"colour": "red"},
        "payment": {"kind": "card", "last4": "4242"},
    })
}

/// `valid_order` with `path` (a JSON pointer) set to `value`.
fn order_with(path: &str, value: Value) -> Value {
    let mut order = valid_order();
    *order
        .pointer_mut(path)
        .unwrap_or_else(|| panic!("no {path}")) = value;
    order
}

async fn serve() -> (SocketAddr, Orders) {
    let orders = Orders::default();
    let addr = support::serve_router(router(orders.clone())).await;
    (addr, orders)
}

/// POSTs `body` to the store `store` with `query` and `headers`; the status and the
/// answer's JSON (with its content type).
async fn place(
    addr: SocketAddr,
    store: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, String, Value) {
    let mut request = pushgen_runtime::reqwest::Client::new()
        .post(format!("http://{addr}/stores/{store}/orders{query}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, json)
}

/// The `(rule, where)` pairs of a problem's `errors`, `where` being the body's pointer
/// or `in:name` for a parameter.
fn broken(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| {
            let rule = e["rule"].as_str().unwrap().to_string();
            let place = match e["parameter"].as_str() {
                Some(name) => format!("{}:{name}", e["in"].as_str().unwrap()),
                None => e["pointer"].as_str().unwrap().to_string(),
            };
            (rule, place)
        })
        .collect()
}

#[tokio::test]
async fn a_valid_request_reaches_the_handler() {
    support::bounded(async {
        let (addr, orders) = serve().await;
        let (status, _, body) = place(
            addr,
            "north-1",
            "?limit=5&tag=a&tag=b",
            &[("x-request-id", "0123abcd")],
            &valid_order(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["sku"], "ABC-1234");
        assert_eq!(orders.handled.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[tokio::test]
async fn each_rule_broken_in_the_body_is_named_with_its_pointer() {
    support::bounded(async {
        let (addr, orders) = serve().await;
        let long = |n: usize| Value::String("x".repeat(n));
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            ("/sku", json!("abc-1234"), "pattern", "#/sku"),
            ("/quantity", json!(0), "minimum", "#/quantity"),
            ("/quantity", json!(101), "maximum", "#/quantity"),
            ("/unitPrice", json!(0), "exclusiveMinimum", "#/unitPrice"),
            ("/unitPrice", json!(0.015), "multipleOf", "#/unitPrice"),
            ("/batch", json!(1002), "exclusiveMaximum", "#/batch"),
            ("/batch", json!(7), "multipleOf", "#/batch"),
            ("/note", json!(""), "minLength", "#/note"),
            ("/note", long(141), "maxLength", "#/note"),
            ("/giftMessage", long(51), "maxLength", "#/giftMessage"),
            ("/email", json!("ann.example.com"), "format", "#/email"),
            ("/website", json!("/ann"), "format", "#/website"),
            ("/warehouse", json!("-north-"), "format", "#/warehouse"),
            ("/ipv4", json!("256.0.0.1"), "format", "#/ipv4"),
            ("/ipv6", json!("2001:db8::g"), "format", "#/ipv6"),
            ("/tags", json!([]), "minItems", "#/tags"),
            (
                "/tags",
                json!(["a", "b", "c", "d", "e", "f"]),
                "maxItems",
                "#/tags",
            ),
            ("/tags", json!(["gift", "gift"]), "uniqueItems", "#/tags"),
            ("/tags/1", json!("Fragile"), "pattern", "#/tags/1"),
            ("/tags/1", long(11), "maxLength", "#/tags/1"),
            ("/priority", json!("urgent"), "enum", "#/priority"),
            (
                "/address",
                json!({"lines": ["1 Main St"]}),
                "minProperties",
                "#/address",
            ),
            (
                "/address/lines",
                json!(["a", "b", "c", "d"]),
                "maxItems",
                "#/address/lines",
            ),
            (
                "/address/lines/0",
                json!(""),
                "minLength",
                "#/address/lines/0",
            ),
            (
                "/address/country",
                json!("GBR"),
                "maxLength",
                "#/address/country",
            ),
            (
                "/attributes",
                json!({"a": "1", "b": "2", "c": "3", "d": "4"}),
                "maxProperties",
                "#/attributes",
            ),
            (
                "/attributes/colour",
                long(21),
                "maxLength",
                "#/attributes/colour",
            ),
            (
                "/payment",
                json!({"kind": "crypto"}),
                "discriminator",
                "#/payment",
            ),
            (
                "/payment/last4",
                json!("42a2"),
                "pattern",
                "#/payment/last4",
            ),
        ];
        for (path, value, rule, pointer) in cases {
            let (status, content_type, problem) =
                place(addr, "north-1", "", &[], &order_with(path, value.clone())).await;
            assert_eq!(status, 400, "{path} = {value}: {problem}");
            assert_eq!(content_type, "application/problem+json");
            assert_eq!(
                broken(&problem),
                [(rule.to_string(), pointer.to_string())],
                "{path} = {value}: {problem}"
            );
            let detail = problem["errors"][0]["detail"].as_str().unwrap();
            assert!(detail.contains(&format!("({rule})")), "{detail}");
        }
        assert_eq!(
            orders.handled.load(Ordering::SeqCst),
            0,
            "no invalid request ran"
        );
    })
    .await;
}

#[tokio::test]
async fn parameters_are_checked_and_named() {
    support::bounded(async {
        let (addr, orders) = serve().await;
        let order = valid_order();
        // The store, the query, the headers, and the `(rule, in:name)` broken.
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a [(&'a str, &'a str)],
            Vec<(&'a str, &'a str)>,
        );
        let cases: Vec<Case> = vec![
            ("ab", "", &[], vec![("minLength", "path:store")]),
            ("North", "", &[], vec![("pattern", "path:store")]),
            ("north-1", "?limit=0", &[], vec![("minimum", "query:limit")]),
            (
                "north-1",
                "?limit=51",
                &[],
                vec![("maximum", "query:limit")],
            ),
            (
                "north-1",
                "?tag=a&tag=b&tag=c&tag=d",
                &[],
                vec![("maxItems", "query:tag")],
            ),
            (
                "north-1",
                "",
                &[("x-request-id", "not hex")],
                vec![("pattern", "header:X-Request-Id")],
            ),
        ];
        for (store, query, headers, expected) in cases {
            let (status, _, problem) = place(addr, store, query, headers, &order).await;
            assert_eq!(status, 400, "{store}{query}: {problem}");
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(r, p)| (r.to_string(), p.to_string()))
                .collect();
            assert_eq!(broken(&problem), expected, "{store}{query}: {problem}");
        }
        // An item of a list parameter has its index as the pointer.
        let (_, _, problem) = place(addr, "north-1", "?tag=toolongtag", &[], &order).await;
        assert_eq!(problem["errors"][0]["pointer"], "#/0");
        assert_eq!(problem["errors"][0]["parameter"], "tag");

        let raw = pushgen_runtime::reqwest::Client::new();
        for (path, rule, parameter) in [
            ("/orders/0", "minimum", "id"),
            ("/orders/3?fields=everything", "enum", "fields"),
        ] {
            let response = raw
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{path}");
            let problem: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
            assert_eq!(problem["errors"][0]["rule"], rule, "{problem}");
            assert_eq!(problem["errors"][0]["parameter"], parameter, "{problem}");
        }
        assert_eq!(orders.handled.load(Ordering::SeqCst), 0);
    })
    .await;
}

#[tokio::test]
async fn every_rule_broken_is_listed_in_one_answer() {
    support::bounded(async {
        let (addr, _) = serve().await;
        let mut order = order_with("/quantity", json!(0));
        order["note"] = json!("");
        order["tags"] = json!(["gift", "gift"]);
        let (status, _, problem) = place(addr, "ab", "?limit=0", &[], &order).await;
        assert_eq!(status, 400);
        let rules: Vec<String> = broken(&problem).into_iter().map(|(r, _)| r).collect();
        assert_eq!(
            rules,
            [
                "minLength",
                "minimum",
                "minimum",
                "minLength",
                "uniqueItems"
            ],
            "{problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("the request breaks 5 rules of its schemas"),
            "{problem}"
        );
        // A hostile body breaking a rule in each of many items gets a bounded answer.
        let many: Vec<String> = (0..5000).map(|i| format!("T{i}")).collect();
        let (status, _, problem) =
            place(addr, "north-1", "", &[], &order_with("/tags", json!(many))).await;
        assert_eq!(status, 400);
        assert_eq!(problem["errors"].as_array().unwrap().len(), 32);
        assert_eq!(
            problem["detail"],
            "the request breaks 5001 rules of its schemas, `errors` lists the first 32; the \
             first: body #/tags has 5000 items, more than 5 (maxItems)"
        );
    })
    .await;
}

struct Quiet;

impl PlaceOrderObserver for Quiet {}

#[tokio::test]
async fn the_client_checks_before_sending_when_asked() {
    support::bounded(async {
        let (addr, orders) = serve().await;
        let params = place_order::Params {
            store: "north-1".into(),
            limit: Some(5),
            tag: None,
            x_request_id: None,
        };
        let valid: types::Order = serde_json::from_value(valid_order()).unwrap();
        let invalid: types::Order =
            serde_json::from_value(order_with("/quantity", json!(0))).unwrap();

        let checking = OrdersApiClient::new(format!("http://{addr}")).with_request_validation(true);
        let placed = checking
            .place_order(&params, &valid, &mut Quiet)
            .await
            .unwrap();
        assert!(matches!(placed, place_order::Response::Created { .. }));
        let error = checking
            .place_order(&params, &invalid, &mut Quiet)
            .await
            .unwrap_err();
        let Error::Invalid(violations) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(violations.violations()[0].rule, "minimum");
        assert_eq!(violations.violations()[0].pointer, "/quantity");
        assert_eq!(orders.handled.load(Ordering::SeqCst), 1, "nothing was sent");

        // By default the client sends it, and reads the server's declared 400.
        let plain = OrdersApiClient::new(format!("http://{addr}"));
        let answer = plain
            .place_order(&params, &invalid, &mut Quiet)
            .await
            .unwrap();
        let place_order::Response::BadRequest { body } = answer else {
            panic!("{answer:?}");
        };
        assert_eq!(body.status, 400);
        assert_eq!(body.errors.unwrap()[0].rule.as_deref(), Some("minimum"));
        assert_eq!(orders.handled.load(Ordering::SeqCst), 1);
    })
    .await;
}
