//! Paths axum cannot route as written, routed anyway: the generated router builds (it
//! would panic on a conflict) and every request reaches the operation whose path it fits.

mod support;

use pushgen_golden::routes::client::RoutesClient;
use pushgen_golden::routes::operations::{
    delete_user, get_file, get_file_json, get_user, get_zone, list_posts, me, search,
};
use pushgen_golden::routes::server::{Routes, router};
use pushgen_golden::routes::types;
use pushgen_runtime::server::RequestContext;

struct Named;

impl Routes for Named {
    async fn me(&self, _: RequestContext) -> me::Response {
        me::Response::Ok { body: "me".into() }
    }
    async fn get_user(&self, _: RequestContext, params: get_user::Params) -> get_user::Response {
        get_user::Response::Ok {
            body: format!("getUser {}", params.id),
        }
    }
    async fn delete_user(
        &self,
        _: RequestContext,
        params: delete_user::Params,
    ) -> delete_user::Response {
        delete_user::Response::Ok {
            body: format!("deleteUser {}", params.id),
        }
    }
    async fn list_posts(
        &self,
        _: RequestContext,
        params: list_posts::Params,
    ) -> list_posts::Response {
        list_posts::Response::Ok {
            body: format!("listPosts {}", params.user_id),
        }
    }
    async fn get_file_json(
        &self,
        _: RequestContext,
        params: get_file_json::Params,
    ) -> get_file_json::Response {
        get_file_json::Response::Ok {
            body: format!("getFileJson {}", params.name),
        }
    }
    async fn get_file(&self, _: RequestContext, params: get_file::Params) -> get_file::Response {
        get_file::Response::Ok {
            body: format!("getFile {}", params.path),
        }
    }
    async fn get_zone(&self, _: RequestContext, params: get_zone::Params) -> get_zone::Response {
        get_zone::Response::Ok {
            body: format!("getZone {}", params.region),
        }
    }
    async fn search(&self, context: RequestContext, params: search::Params) -> search::Response {
        let filter = params.filter.map(|f| (f.min, f.max));
        search::Response::Ok {
            body: format!(
                "search {:?} {} {:?} {:?} {:?} {:?} {}",
                params.ids, params.color, params.tags, params.sizes, filter, params.q, context.uri
            ),
        }
    }
}

#[tokio::test]
async fn every_path_reaches_its_operation() {
    support::bounded(async {
        let addr = support::serve_router(router(Named)).await;
        let client = RoutesClient::new(format!("http://{addr}"));
        let me::Response::Ok { body } = client.me().await.unwrap();
        assert_eq!(body, "me");
        let get_user::Response::Ok { body } =
            client.get_user(&get_user::Params { id: 7 }).await.unwrap();
        assert_eq!(body, "getUser 7");
        let delete_user::Response::Ok { body } = client
            .delete_user(&delete_user::Params { id: 8 })
            .await
            .unwrap();
        assert_eq!(body, "deleteUser 8");
        let list_posts::Response::Ok { body } = client
            .list_posts(&list_posts::Params { user_id: 9 })
            .await
            .unwrap();
        assert_eq!(body, "listPosts 9");
        let get_file_json::Response::Ok { body } = client
            .get_file_json(&get_file_json::Params {
                name: "report.v2".into(),
            })
            .await
            .unwrap();
        assert_eq!(body, "getFileJson report.v2");
        let get_file::Response::Ok { body } = client
            .get_file(&get_file::Params {
                path: "notes.txt".into(),
            })
            .await
            .unwrap();
        assert_eq!(body, "getFile notes.txt");
        let get_zone::Response::Ok { body } = client
            .get_zone(&get_zone::Params {
                region: "eu west".into(),
            })
            .await
            .unwrap();
        assert_eq!(body, "getZone eu west");
    })
    .await;
}

/// Parameters in every style: written by the client, read back by the server, and on
/// the wire as OpenAPI spells them.
#[tokio::test]
async fn parameters_in_every_style() {
    support::bounded(async {
        let addr = support::serve_router(router(Named)).await;
        let client = RoutesClient::new(format!("http://{addr}"));
        let params = search::Params {
            ids: vec![3, 4],
            color: "red".into(),
            tags: Some(vec!["a b".into(), "c".into()]),
            sizes: Some(vec![1, 2]),
            filter: Some(types::SearchFilter {
                min: Some(5),
                max: None,
            }),
            q: Some("x".into()),
        };
        let search::Response::Ok { body } = client.search(&params).await.unwrap();
        assert_eq!(
            body,
            "search [3, 4] red Some([\"a b\", \"c\"]) Some([1, 2]) Some((Some(5), None)) \
             Some(\"x\") /search/.3,4/;color=red?tags=a+b%2Cc&sizes=1%7C2&filter%5Bmin%5D=5&q=x"
        );
        let bare = search::Params {
            ids: vec![7],
            color: "blue".into(),
            tags: None,
            sizes: None,
            filter: None,
            q: None,
        };
        let search::Response::Ok { body } = client.search(&bare).await.unwrap();
        assert_eq!(
            body,
            "search [7] blue None None None None /search/.7/;color=blue"
        );
    })
    .await;
}

#[tokio::test]
async fn a_path_that_fits_no_operation_is_not_found() {
    support::bounded(async {
        let addr = support::serve_router(router(Named)).await;
        let http = pushgen_runtime::reqwest::Client::new();
        let status = |path: &'static str| {
            let http = http.clone();
            async move {
                http.get(format!("http://{addr}{path}"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        // Fits the route `/users/{p2}` but `id` is an integer: the client's mistake.
        assert_eq!(status("/users/abc").await, 400);
        assert_eq!(status("/users/abc/comments").await, 404);
        assert_eq!(status("/files/a.json").await, 200);
        assert_eq!(status("/regions/eu/zones/eu").await, 200);
    })
    .await;
}

#[tokio::test]
async fn the_router_answers_unknown_paths_and_methods_with_problem_documents() {
    support::bounded(async {
        let addr = support::serve_router(router(Named)).await;
        let http = pushgen_runtime::reqwest::Client::new();
        let problem = |response: pushgen_runtime::reqwest::Response| async move {
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let body: serde_json::Value =
                serde_json::from_str(&response.text().await.unwrap()).unwrap();
            (content_type, body)
        };

        let response = http
            .get(format!("http://{addr}/nowhere/at/all"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let (content_type, body) = problem(response).await;
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["status"], 404, "{body}");

        // `/users/{id}` has GET and DELETE, not PUT.
        let response = http
            .put(format!("http://{addr}/users/7"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        let mut methods: Vec<&str> = allow.split(',').map(str::trim).collect();
        methods.sort_unstable();
        assert_eq!(methods, ["DELETE", "GET", "HEAD"], "{allow}");
        let (content_type, body) = problem(response).await;
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["status"], 405, "{body}");
    })
    .await;
}
