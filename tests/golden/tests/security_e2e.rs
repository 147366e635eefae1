//! Declared security, enforced: the vault fixture uses every kind of scheme (HTTP bearer,
//! basic and another HTTP scheme, API keys in a header, query and cookie, OAuth 2.0 with
//! scopes, OpenID Connect), alternatives (`A or B`), a combination (`A and B`), an
//! optional requirement (`{}`) and `security: []`. The right credential reaches the
//! handler with its scopes; a missing, wrong or misplaced one never does, and gets `401`
//! with `WWW-Authenticate` (or `403`). The generated client sends what each operation
//! asks for.

mod support;

use pushgen_golden::vault::client::{StoreSecretObserver, VaultApiClient};
use pushgen_golden::vault::operations::{
    health, read_audit, read_news, read_profile, store_secret, who_am_i,
};
use pushgen_golden::vault::server::{VaultApi, router};
use pushgen_golden::vault::types;
use pushgen_runtime::auth::Credential;
use pushgen_runtime::server::{Attempt, PushSink, Refusal, RequestContext};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Who a credential identifies, as the handlers see it.
#[derive(Debug, Clone, PartialEq)]
struct Caller {
    schemes: Vec<&'static str>,
    subject: String,
    scopes: Vec<&'static str>,
}

#[derive(Clone, Default)]
struct Vault {
    /// Every attempt `authenticate` was given, by scheme names.
    attempts: Arc<Mutex<Vec<Vec<&'static str>>>>,
    handled: Arc<AtomicUsize>,
}

/// The one credential each scheme accepts, and who it is.
fn known(scheme: &str, credential: &Credential) -> Option<String> {
    let subject = match (scheme, credential) {
        ("bearerAuth", Credential::Bearer(t)) if t == "tok-ada" => "ada",
        ("basicAuth", Credential::Basic { user, password })
            if user == "ada" && password == "p:w" =>
        {
            "ada"
        }
        ("headerKey", Credential::ApiKey(k)) if k == "key-header" => "header-robot",
        ("queryKey", Credential::ApiKey(k)) if k == "key-query" => "query-robot",
        ("sessionCookie", Credential::ApiKey(k)) if k == "sess-ada" => "ada",
        ("oauth", Credential::Bearer(t)) if t == "oauth-writer" || t == "oauth-reader" => "service",
        ("openId", Credential::Bearer(t)) if t == "oidc-ada" => "ada",
        ("signature", Credential::Http(v)) if v == "keyId=\"ada\",sig=\"ok\"" => "ada",
        _ => return None,
    };
    Some(subject.to_string())
}

/// The scopes a token grants.
fn granted(credential: &Credential) -> &'static [&'static str] {
    match credential.secret() {
        "oauth-writer" => &["secrets:write", "secrets:read"],
        "oauth-reader" => &["secrets:read"],
        "oidc-ada" => &["profile"],
        _ => &[],
    }
}

impl Vault {
    fn handled(&self) -> usize {
        self.handled.load(Ordering::SeqCst)
    }

    fn caller(&self, identity: Caller) -> types::Caller {
        self.handled.fetch_add(1, Ordering::SeqCst);
        types::Caller {
            scheme: identity.schemes.join("+"),
            subject: identity.subject,
            scopes: Some(identity.scopes.iter().map(|s| s.to_string()).collect()),
        }
    }
}

impl VaultApi for Vault {
    type Identity = Caller;

    async fn authenticate(&self, attempt: Attempt) -> Result<Caller, Refusal> {
        let schemes: Vec<&'static str> =
            attempt.presented().iter().map(|p| p.scheme.name).collect();
        self.attempts.lock().unwrap().push(schemes.clone());
        let mut subject = None;
        let mut scopes = Vec::new();
        for presented in attempt.presented() {
            let Some(who) = known(presented.scheme.name, &presented.credential) else {
                return Err(Refusal::unauthenticated(format!(
                    "the `{}` credential identifies no one",
                    presented.scheme.name
                )));
            };
            for scope in presented.scopes {
                if !granted(&presented.credential).contains(scope) {
                    return Err(Refusal::forbidden(format!("the token lacks `{scope}`")));
                }
                scopes.push(*scope);
            }
            subject.get_or_insert(who);
        }
        Ok(Caller {
            schemes,
            subject: subject.unwrap_or_default(),
            scopes,
        })
    }

    async fn health(&self, _: RequestContext) -> health::Response {
        self.handled.fetch_add(1, Ordering::SeqCst);
        health::Response::Ok {
            body: types::Status { ok: true },
        }
    }

    async fn who_am_i(&self, _: RequestContext, identity: Caller) -> who_am_i::Response {
        who_am_i::Response::Ok {
            body: self.caller(identity),
        }
    }

    async fn store_secret(
        &self,
        _: RequestContext,
        identity: Caller,
        params: store_secret::Params,
        body: types::Secret,
        push: PushSink<store_secret::Push>,
    ) -> store_secret::Response {
        let replicas = body.replicas.unwrap_or(3);
        for replica in 1..=replicas {
            let _ = push
                .send(store_secret::Replicas {
                    name: params.name.clone(),
                    replica,
                    response: store_secret::ReplicasResponse::Ok {
                        body: types::Replicated { replica },
                    },
                })
                .await;
        }
        let _ = self.caller(identity);
        store_secret::Response::Created {
            body: types::Stored {
                name: params.name,
                replicas,
            },
        }
    }

    async fn read_audit(&self, _: RequestContext, identity: Caller) -> read_audit::Response {
        let caller = self.caller(identity);
        read_audit::Response::Ok {
            body: vec![format!(
                "{} read the audit by {}",
                caller.subject, caller.scheme
            )],
        }
    }

    async fn read_news(&self, _: RequestContext, identity: Option<Caller>) -> read_news::Response {
        let body = match identity {
            Some(identity) => self.caller(identity),
            None => {
                self.handled.fetch_add(1, Ordering::SeqCst);
                types::Caller {
                    scheme: "anonymous".into(),
                    subject: String::new(),
                    scopes: None,
                }
            }
        };
        read_news::Response::Ok { body }
    }

    async fn read_profile(&self, _: RequestContext, identity: Caller) -> read_profile::Response {
        read_profile::Response::Ok {
            body: self.caller(identity),
        }
    }
}

async fn serve() -> (SocketAddr, Vault) {
    let vault = Vault::default();
    let addr = support::serve_router(router(vault.clone())).await;
    (addr, vault)
}

/// Headers of a raw request.
type Headers = Vec<(&'static str, &'static str)>;

/// What the server answered a raw request: the status, `WWW-Authenticate`, the JSON body.
struct Answer {
    status: u16,
    challenge: String,
    body: Value,
}

async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = pushgen_runtime::reqwest::Client::new().get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        challenge,
        body,
    }
}

#[tokio::test]
async fn each_scheme_kinds_right_credential_reaches_the_handler_with_its_scopes() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        // (path, headers, the schemes the handler saw, subject, scopes)
        let cases: Vec<(&str, Headers, &str, &str, Vec<&str>)> = vec![
            (
                "/me",
                vec![("authorization", "Bearer tok-ada")],
                "bearerAuth",
                "ada",
                vec![],
            ),
            // Scheme names are case-insensitive.
            (
                "/me",
                vec![("authorization", "bearer tok-ada")],
                "bearerAuth",
                "ada",
                vec![],
            ),
            (
                "/me",
                vec![("x-api-key", "key-header")],
                "headerKey",
                "header-robot",
                vec![],
            ),
            (
                "/news",
                vec![("cookie", "theme=dark; session=sess-ada")],
                "sessionCookie",
                "ada",
                vec![],
            ),
            (
                "/profile",
                vec![("authorization", "Bearer oidc-ada")],
                "openId",
                "ada",
                vec!["profile"],
            ),
            (
                "/profile",
                vec![("authorization", "Signature keyId=\"ada\",sig=\"ok\"")],
                "signature",
                "ada",
                vec![],
            ),
        ];
        for (i, (path, headers, schemes, subject, scopes)) in cases.into_iter().enumerate() {
            let answer = get(addr, path, &headers).await;
            assert_eq!(
                answer.status, 200,
                "case {i} {path} {headers:?}: {}",
                answer.body
            );
            assert_eq!(answer.body["scheme"], schemes, "case {i}");
            assert_eq!(answer.body["subject"], subject, "case {i}");
            assert_eq!(answer.body["scopes"], serde_json::json!(scopes), "case {i}");
            assert_eq!(vault.handled(), i + 1);
        }
        // Both credentials of a combination at once.
        let audit = get(
            addr,
            "/audit?api_key=key-query",
            &[("authorization", "Basic YWRhOnA6dw==")],
        )
        .await;
        assert_eq!(audit.status, 200, "{}", audit.body);
        assert_eq!(audit.body[0], "ada read the audit by basicAuth+queryKey");
    })
    .await;
}

#[tokio::test]
async fn a_missing_wrong_or_misplaced_credential_never_reaches_the_handler() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        let cases: Vec<(&str, Headers, &str)> = vec![
            ("/me", vec![], "needs credentials"),
            (
                "/me",
                vec![("authorization", "Bearer wrong")],
                "identifies no one",
            ),
            ("/me", vec![("x-api-key", "wrong")], "identifies no one"),
            // The header key, sent as a query parameter or a cookie: not where it goes.
            ("/me?X-Api-Key=key-header", vec![], "needs credentials"),
            (
                "/me",
                vec![("cookie", "X-Api-Key=key-header")],
                "needs credentials",
            ),
            // A bearer token sent as Basic, and Basic that is not base64.
            (
                "/me",
                vec![("authorization", "Basic tok-ada")],
                "needs credentials",
            ),
            (
                "/audit?api_key=key-query",
                vec![("authorization", "Basic !!!")],
                "base64",
            ),
            (
                "/audit?api_key=key-query",
                vec![("authorization", "Bearer")],
                "needs credentials",
            ),
            // One half of a combination is not enough.
            (
                "/audit",
                vec![("authorization", "Basic YWRhOnA6dw==")],
                "needs credentials",
            ),
            ("/audit?api_key=key-query", vec![], "needs credentials"),
            (
                "/audit?api_key=wrong",
                vec![("authorization", "Basic YWRhOnA6dw==")],
                "identifies no one",
            ),
            // An optional scheme's credential that is wrong is refused, not ignored.
            (
                "/news",
                vec![("cookie", "session=stolen")],
                "identifies no one",
            ),
            (
                "/profile",
                vec![("authorization", "Bearer oauth-writer")],
                "identifies no one",
            ),
        ];
        for (i, (path, headers, detail)) in cases.into_iter().enumerate() {
            let answer = get(addr, path, &headers).await;
            assert_eq!(
                answer.status, 401,
                "case {i} {path} {headers:?}: {}",
                answer.body
            );
            assert!(
                answer.body["detail"].as_str().unwrap().contains(detail),
                "case {i}: {}",
                answer.body
            );
            assert_eq!(answer.body["status"], 401);
            assert!(
                !answer.challenge.is_empty(),
                "case {i}: no WWW-Authenticate"
            );
        }
        assert_eq!(vault.handled(), 0, "a handler ran for a refused request");
    })
    .await;
}

#[tokio::test]
async fn challenges_name_every_scheme_an_operation_accepts() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        let me = get(addr, "/me", &[]).await;
        assert_eq!(
            me.challenge,
            "Bearer realm=\"Vault API\", ApiKey realm=\"Vault API\", in=\"header\", name=\"X-Api-Key\""
        );
        assert_eq!(
            me.body["detail"],
            "this operation needs credentials: `Authorization: Bearer …` (bearerAuth), or an API \
             key in header `X-Api-Key` (headerKey)"
        );
        let profile = get(addr, "/profile", &[]).await;
        assert_eq!(
            profile.challenge,
            "Bearer realm=\"Vault API\", scope=\"profile\", Signature realm=\"Vault API\""
        );
        let audit = get(addr, "/audit", &[]).await;
        assert_eq!(
            audit.challenge,
            "Basic realm=\"Vault API\", ApiKey realm=\"Vault API\", in=\"query\", name=\"api_key\""
        );
        // No credential for any requirement: `authenticate` is not even asked.
        assert!(vault.attempts.lock().unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn open_and_optional_operations_let_anonymous_callers_in() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        let health = get(addr, "/health", &[("authorization", "Bearer junk")]).await;
        assert_eq!(
            (health.status, health.body["ok"].clone()),
            (200, Value::Bool(true))
        );
        let news = get(addr, "/news", &[]).await;
        assert_eq!(news.status, 200);
        assert_eq!(news.body["scheme"], "anonymous");
        assert_eq!(vault.handled(), 2);
        assert!(
            vault.attempts.lock().unwrap().is_empty(),
            "`security: []` authenticates nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn a_caller_without_the_scope_is_forbidden_and_with_it_gets_the_pushes() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        let put = |token: &'static str| {
            pushgen_runtime::reqwest::Client::new()
                .put(format!("http://{addr}/secrets/db"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("accept", "text/event-stream")
                .body(r#"{"value":"s3cret","replicas":2}"#)
                .send()
        };
        let reader = put("oauth-reader").await.unwrap();
        assert_eq!(reader.status().as_u16(), 403);
        assert!(reader.headers().get("www-authenticate").is_none());
        let problem: Value = serde_json::from_str(&reader.text().await.unwrap()).unwrap();
        assert_eq!(problem["detail"], "the token lacks `secrets:write`");
        assert_eq!(vault.handled(), 0);

        // A body that breaks its rules from a caller who may not send it: the caller
        // learns only that it may not.
        let response = pushgen_runtime::reqwest::Client::new()
            .put(format!("http://{addr}/secrets/db"))
            .header("content-type", "application/json")
            .body(r#"{"value":""}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);

        // The generated client, with the token set once.
        struct Seen(Vec<i32>);
        impl StoreSecretObserver for Seen {
            fn on_replicas(&mut self, push: store_secret::Replicas) {
                self.0.push(push.replica);
            }
        }
        let client = VaultApiClient::new(format!("http://{addr}")).with_oauth("oauth-writer");
        let mut seen = Seen(Vec::new());
        let params = store_secret::Params { name: "db".into() };
        let body = types::Secret {
            value: "s3cret".into(),
            replicas: Some(3),
        };
        let response = client
            .store_secret(&params, &body, &mut seen)
            .await
            .unwrap();
        assert_eq!(seen.0, vec![1, 2, 3]);
        assert!(matches!(
            response,
            store_secret::Response::Created { body } if body.replicas == 3
        ));
        assert_eq!(vault.handled(), 1);
        // A client without the token gets the declared 401, typed.
        let anonymous = VaultApiClient::new(format!("http://{addr}"));
        let refused = anonymous
            .store_secret(&params, &body, &mut Seen(Vec::new()))
            .await
            .unwrap();
        assert!(
            matches!(&refused, store_secret::Response::Unauthorized { body } if body.status == 401),
            "{refused:?}"
        );

        // The same over HTTP/2 server push: the token travels on the request, the
        // scopes are checked before the handler runs, and a refusal is the plain answer.
        let h2 = pushgen_runtime::client::PushBinding::Http2Push;
        let mut seen = Seen(Vec::new());
        let response = client
            .clone()
            .with_push_binding(h2)
            .store_secret(&params, &body, &mut seen)
            .await
            .unwrap();
        assert_eq!(seen.0, vec![1, 2, 3]);
        assert!(matches!(response, store_secret::Response::Created { .. }));
        assert_eq!(vault.handled(), 2);
        for refused in [
            anonymous.with_push_binding(h2),
            VaultApiClient::new(format!("http://{addr}"))
                .with_oauth("oauth-reader")
                .with_push_binding(h2),
        ] {
            let mut none = Seen(Vec::new());
            let response = refused
                .store_secret(&params, &body, &mut none)
                .await
                .unwrap();
            assert!(
                matches!(
                    &response,
                    store_secret::Response::Unauthorized { .. }
                        | store_secret::Response::Forbidden { .. }
                ),
                "{response:?}"
            );
            assert!(none.0.is_empty());
        }
        assert_eq!(vault.handled(), 2);
    })
    .await;
}

#[tokio::test]
async fn the_client_sends_each_operation_the_credentials_it_asks_for() {
    support::bounded(async {
        let (addr, vault) = serve().await;
        let base = format!("http://{addr}");
        let client = VaultApiClient::new(base.clone())
            .with_bearer_auth("tok-ada")
            .with_basic_auth("ada", "p:w")
            .with_query_key("key-query")
            .with_session_cookie("sess-ada")
            .with_open_id("oidc-ada");
        let subject = |r: &types::Caller| (r.scheme.clone(), r.subject.clone());
        match client.who_am_i().await.unwrap() {
            who_am_i::Response::Ok { body } => {
                assert_eq!(subject(&body), ("bearerAuth".into(), "ada".into()))
            }
            other => panic!("{other:?}"),
        }
        match client.read_audit().await.unwrap() {
            read_audit::Response::Ok { body } => {
                assert_eq!(
                    body,
                    vec!["ada read the audit by basicAuth+queryKey".to_string()]
                )
            }
            other => panic!("{other:?}"),
        }
        match client.read_news().await.unwrap() {
            read_news::Response::Ok { body } => {
                assert_eq!(subject(&body), ("sessionCookie".into(), "ada".into()))
            }
            other => panic!("{other:?}"),
        }
        match client.read_profile().await.unwrap() {
            read_profile::Response::Ok { body } => {
                assert_eq!(subject(&body), ("openId".into(), "ada".into()))
            }
            other => panic!("{other:?}"),
        }
        // Only the credentials an operation asks for travel: `health` got none, and each
        // secured call one attempt with its own schemes.
        match client.health().await.unwrap() {
            health::Response::Ok { body } => assert!(body.ok),
        }
        assert_eq!(
            *vault.attempts.lock().unwrap(),
            vec![
                vec!["bearerAuth"],
                vec!["basicAuth", "queryKey"],
                vec!["sessionCookie"],
                vec!["openId"],
            ]
        );

        // The other HTTP scheme, a default header and a request hook.
        let signed = VaultApiClient::new(base.clone()).with_signature("keyId=\"ada\",sig=\"ok\"");
        assert!(matches!(
            signed.read_profile().await.unwrap(),
            read_profile::Response::Ok { body } if body.scheme == "signature"
        ));
        let mut headers = pushgen_runtime::reqwest::header::HeaderMap::new();
        headers.insert("x-api-key", "key-header".parse().unwrap());
        let defaulted = VaultApiClient::new(base.clone()).with_default_headers(headers);
        assert!(matches!(
            defaulted.who_am_i().await.unwrap(),
            who_am_i::Response::Ok { body } if body.scheme == "headerKey"
        ));
        let hooked = VaultApiClient::new(base).with_request_hook(|request| {
            request
                .headers_mut()
                .insert("x-api-key", "key-header".parse().unwrap());
        });
        assert!(matches!(
            hooked.who_am_i().await.unwrap(),
            who_am_i::Response::Ok { body } if body.subject == "header-robot"
        ));
        // Without credentials the request goes out all the same, and the declared 401
        // comes back typed.
        let bare = VaultApiClient::new(format!("http://{addr}"));
        assert!(matches!(
            bare.who_am_i().await.unwrap(),
            who_am_i::Response::Unauthorized { body } if body.status == 401
        ));
    })
    .await;
}
