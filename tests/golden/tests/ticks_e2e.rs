//! A GET push operation with path, query and list parameters, a push without a body,
//! and a plain operation beside it: the generated market-ticks server and client.

mod support;

use futures_util::StreamExt;
use pushgen_golden::ticks::client::MarketTicksClient;
use pushgen_golden::ticks::operations::{list_markets, watch_ticks};
use pushgen_golden::ticks::server::{MarketTicks, router};
use pushgen_golden::ticks::types;
use pushgen_runtime::client::Pushed;
use pushgen_runtime::server::{PushSink, RequestContext};

struct Market;

impl MarketTicks for Market {
    async fn list_markets(&self, _context: RequestContext) -> list_markets::Response {
        list_markets::Response::Ok {
            body: vec![types::Market {
                symbol: "ACME".into(),
                currency: types::MarketCurrency::GBp,
                tags: None,
            }],
        }
    }

    async fn watch_ticks(
        &self,
        _context: RequestContext,
        params: watch_ticks::Params,
        push: PushSink<watch_ticks::Push>,
    ) -> watch_ticks::Response {
        if params.symbol == "NOPE" {
            return watch_ticks::Response::NotFound;
        }
        let limit = params.limit.unwrap_or(3);
        for seq in 0..limit {
            let tick = watch_ticks::Tick {
                symbol: params.symbol.clone(),
                seq: seq.to_string(),
                response: watch_ticks::TickResponse::Ok {
                    body: types::Tick {
                        price: 100.0 + f64::from(seq),
                        size: i64::from(seq) * 10,
                        side: if seq % 2 == 0 {
                            types::Side::Buy
                        } else {
                            types::Side::Sell
                        },
                        conditions: None,
                        meta: Some(serde_json::json!({"venue": params.venues})),
                    },
                },
            };
            if push.send(tick).await.is_err() {
                break;
            }
        }
        let halted = watch_ticks::Halted {
            symbol: params.symbol.clone(),
            response: watch_ticks::HaltedResponse::ServiceUnavailable {
                headers: watch_ticks::HaltedServiceUnavailableHeaders {
                    reason: Some("lunch break".into()),
                },
            },
        };
        let _ = push.send(halted).await;
        watch_ticks::Response::Ok {
            body: types::Summary {
                ticks: i64::from(limit),
                high: Some(100.0 + f64::from(limit - 1)),
                low: None,
            },
        }
    }
}

async fn serve() -> String {
    format!("http://{}", support::serve_router(router(Market)).await)
}

#[tokio::test]
async fn ticks_then_a_bodiless_push_then_the_summary() {
    support::bounded(async {
        let client = MarketTicksClient::new(serve().await);
        let params = watch_ticks::Params {
            symbol: "ACME/LN".into(),
            limit: Some(5),
            venues: Some(vec!["x".into(), "y z".into()]),
            side: Some(types::Side::Buy),
        };
        let items: Vec<_> = client.watch_ticks_stream(&params).collect().await;
        assert_eq!(items.len(), 7, "{items:?}");
        for (seq, item) in items.iter().take(5).enumerate() {
            let Ok(Pushed::Push(watch_ticks::Push::Tick(tick))) = item else {
                panic!("item {seq}: {item:?}");
            };
            // The path variable survives a `/` in the symbol, percent-encoded on the wire.
            assert_eq!(tick.symbol, "ACME/LN");
            assert_eq!(tick.seq, seq.to_string());
            let watch_ticks::TickResponse::Ok { body } = &tick.response;
            assert_eq!(body.size, seq as i64 * 10);
            assert_eq!(body.meta, Some(serde_json::json!({"venue": ["x", "y z"]})));
        }
        assert_eq!(
            items[5].as_ref().unwrap(),
            &Pushed::Push(watch_ticks::Push::Halted(watch_ticks::Halted {
                symbol: "ACME/LN".into(),
                response: watch_ticks::HaltedResponse::ServiceUnavailable {
                    headers: watch_ticks::HaltedServiceUnavailableHeaders {
                        reason: Some("lunch break".into())
                    }
                }
            }))
        );
        let Ok(Pushed::Final(watch_ticks::Response::Ok { body })) = &items[6] else {
            panic!("final: {:?}", items[6]);
        };
        assert_eq!(body.ticks, 5);
        assert_eq!(body.high, Some(104.0));
    })
    .await;
}

#[tokio::test]
async fn a_bodiless_error_and_a_plain_operation() {
    support::bounded(async {
        let client = MarketTicksClient::new(serve().await);
        let params = watch_ticks::Params {
            symbol: "NOPE".into(),
            limit: None,
            venues: None,
            side: None,
        };
        let response = client.watch_ticks(&params, &mut ()).await.unwrap();
        assert_eq!(response, watch_ticks::Response::NotFound);

        let markets = client.list_markets().await.unwrap();
        let list_markets::Response::Ok { body } = markets;
        assert_eq!(body[0].currency, types::MarketCurrency::GBp);
        assert_eq!(body[0].currency.as_str(), "GBp");
    })
    .await;
}

#[tokio::test]
async fn a_bad_query_parameter_is_a_400_that_names_it() {
    support::bounded(async {
        let base = serve().await;
        let raw = pushgen_runtime::reqwest::get(format!("{base}/markets/ACME/ticks?limit=many"))
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("`limit`"), "{text}");
    })
    .await;
}
