//! The tags fixture's API as this crate's features compile it (`Builder::tag_features`),
//! served and called on 127.0.0.1. With every feature (the default) each operation is
//! served; CI also runs these tests with `--no-default-features --features
//! tag-pets,untagged`, where the router has no route for the other tags' operations and
//! a dispatcher tries only the operations compiled in. The server implements only the
//! methods its features declare, as a user of a tag-gated SDK does.

use pushgen_build_test::rt::server::{Attempt, Refusal};
use pushgen_build_test::tags::server::{TaggedPets, router};
#[allow(
    unused_imports,
    reason = "used by tag-gated methods and tests, which may all be off"
)]
use pushgen_build_test::{
    rt::server::RequestContext,
    tags::{client::TaggedPetsClient, operations, types},
};
use std::net::SocketAddr;
use support::{bounded, serve};

mod support;

struct Pets;

impl TaggedPets for Pets {
    type Identity = ();

    async fn authenticate(&self, _attempt: Attempt) -> Result<(), Refusal> {
        Ok(())
    }

    #[cfg(feature = "tag-pets")]
    async fn list_pets(
        &self,
        _context: RequestContext,
        _params: operations::list_pets::Params,
    ) -> operations::list_pets::Response {
        operations::list_pets::Response::Ok {
            body: vec![pet("rex")],
        }
    }

    #[cfg(any(feature = "tag-pets", feature = "tag-admin"))]
    async fn create_pet(
        &self,
        _context: RequestContext,
        _identity: (),
        body: types::NewPet,
    ) -> operations::create_pet::Response {
        operations::create_pet::Response::Created {
            body: pet(&body.name),
        }
    }

    #[cfg(feature = "tag-pets")]
    async fn get_pet(
        &self,
        _context: RequestContext,
        params: operations::get_pet::Params,
    ) -> operations::get_pet::Response {
        operations::get_pet::Response::Ok {
            body: pet(&params.pet_id),
        }
    }

    #[cfg(feature = "tag-admin")]
    async fn export_pet(
        &self,
        _context: RequestContext,
        params: operations::export_pet::Params,
    ) -> operations::export_pet::Response {
        operations::export_pet::Response::Ok {
            body: types::AuditRecord {
                pet: pet(&params.pet_id),
                by: "admin".into(),
                outcome: Some(types::AuditRecordOutcome::Ok),
            },
        }
    }

    #[cfg(feature = "tag-store-orders")]
    async fn get_order(
        &self,
        _context: RequestContext,
        _params: operations::get_order::Params,
    ) -> operations::get_order::Response {
        operations::get_order::Response::NotFound {
            body: pushgen_build_test::problem::Problem {
                message: "no orders here".into(),
            },
        }
    }

    #[cfg(feature = "tag-store-orders")]
    async fn watch_orders(
        &self,
        _context: RequestContext,
        _items: pushgen_build_test::rt::server::ItemSink<operations::watch_orders::Items>,
    ) -> operations::watch_orders::Response {
        operations::watch_orders::Response::Ok
    }

    #[cfg(feature = "tag-store-orders")]
    async fn place_order(
        &self,
        _context: RequestContext,
        _body: Option<types::NewOrder>,
        _push: pushgen_build_test::rt::server::PushSink<operations::place_order::Push>,
    ) -> operations::place_order::Response {
        operations::place_order::Response::Created {
            body: types::Order {
                id: 1,
                pets: Vec::new(),
                status: types::OrderStatus::Placed,
            },
        }
    }

    #[cfg(feature = "untagged")]
    async fn health(&self, _context: RequestContext) -> operations::health::Response {
        operations::health::Response::Ok {
            body: types::Health {
                ok: true,
                last_error: None,
                // An alias of `AuditRecordOutcome`, whose features include `untagged`.
                last_check: Some(types::HealthLastCheck::Ok),
            },
        }
    }
}

#[cfg(any(feature = "tag-pets", feature = "tag-admin"))]
fn pet(id: &str) -> types::Pet {
    types::Pet {
        id: id.into(),
        name: "Rex".into(),
        kind: None,
        toy: None,
    }
}

/// The status and body of a plain `GET`, whatever the client has methods for.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = pushgen_build_test::rt::reqwest::get(format!("http://{addr}{path}"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[cfg(feature = "tag-pets")]
#[tokio::test]
async fn the_pets_routes_are_served() {
    bounded(async {
        let addr = serve(router(Pets)).await;
        let client = TaggedPetsClient::new(format!("http://{addr}"));
        let params = operations::get_pet::Params {
            pet_id: "rex".into(),
        };
        let operations::get_pet::Response::Ok { body } = client.get_pet(&params).await.unwrap();
        assert_eq!(body.id, "rex");
        let params = operations::list_pets::Params { kind: None };
        let operations::list_pets::Response::Ok { body } = client.list_pets(&params).await.unwrap();
        assert_eq!(body.len(), 1);
    })
    .await;
}

/// `/pets/{petId}.json` (admin's) is narrower than `/pets/{petId}` (pets'): one
/// dispatcher serves the route, trying the operations it was compiled with.
#[cfg(feature = "tag-pets")]
#[tokio::test]
async fn the_shared_route_tries_the_operations_compiled_in() {
    bounded(async {
        let addr = serve(router(Pets)).await;
        let client = TaggedPetsClient::new(format!("http://{addr}"));
        #[cfg(feature = "tag-admin")]
        {
            let params = operations::export_pet::Params {
                pet_id: "rex".into(),
            };
            let operations::export_pet::Response::Ok { body } =
                client.export_pet(&params).await.unwrap();
            assert_eq!((body.pet.id.as_str(), body.by.as_str()), ("rex", "admin"));
        }
        #[cfg(not(feature = "tag-admin"))]
        {
            // Without the export, `rex.json` is a pet's id.
            let params = operations::get_pet::Params {
                pet_id: "rex.json".into(),
            };
            let operations::get_pet::Response::Ok { body } = client.get_pet(&params).await.unwrap();
            assert_eq!(body.id, "rex.json");
        }
    })
    .await;
}

#[tokio::test]
async fn an_operation_is_served_exactly_when_its_tags_feature_is_on() {
    bounded(async {
        let addr = serve(router(Pets)).await;
        // Both are 404s: the operation's own answer, or the router's for no route.
        let (status, body) = get(addr, "/orders/1").await;
        assert_eq!(status, 404);
        assert_eq!(
            body.contains("no orders here"),
            cfg!(feature = "tag-store-orders"),
            "{body}"
        );
        let (status, _) = get(addr, "/health").await;
        assert_eq!(status, if cfg!(feature = "untagged") { 200 } else { 404 });
        let (status, _) = get(addr, "/pets/rex.json").await;
        let served = cfg!(any(feature = "tag-pets", feature = "tag-admin"));
        assert_eq!(status, if served { 200 } else { 404 });
    })
    .await;
}
