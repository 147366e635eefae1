//! The vault API's generated server (`fixtures/vault.yaml`, every kind of security
//! scheme), with a toy authenticator: the bearer token `tok-ada`, the user `ada` with the
//! password `p:w`, the API keys `key-header` and `key-query`, the session cookie
//! `sess-ada`, the OAuth 2.0 token `oauth-writer` (scopes `secrets:write` and
//! `secrets:read`) or `oauth-reader` (`secrets:read` alone), and the OpenID Connect token
//! `oidc-ada` (scope `profile`).
//!
//! ```text
//! cargo run -p pushgen-golden --example vault_server [ADDR]      # 127.0.0.1:8080
//! curl -i http://127.0.0.1:8080/me                                # 401, and the challenges
//! curl -H 'Authorization: Bearer tok-ada' http://127.0.0.1:8080/me
//! ```

use pushgen_golden::vault::operations::{
    health, read_audit, read_news, read_profile, store_secret, who_am_i,
};
use pushgen_golden::vault::server::{VaultApi, router};
use pushgen_golden::vault::types;
use pushgen_runtime::auth::Credential;
use pushgen_runtime::server::{
    Attempt, ConnectionConfig, PushSink, Refusal, RequestContext, serve,
};
use std::process::ExitCode;
use std::time::Duration;

struct Vault;

/// Who a credential identifies, and the scopes it grants.
fn identify(
    scheme: &str,
    credential: &Credential,
) -> Option<(&'static str, &'static [&'static str])> {
    Some(match (scheme, credential) {
        ("bearerAuth", Credential::Bearer(t)) if t == "tok-ada" => ("ada", &[]),
        ("basicAuth", Credential::Basic { user, password })
            if user == "ada" && password == "p:w" =>
        {
            ("ada", &[])
        }
        ("headerKey", Credential::ApiKey(k)) if k == "key-header" => ("header-robot", &[]),
        ("queryKey", Credential::ApiKey(k)) if k == "key-query" => ("query-robot", &[]),
        ("sessionCookie", Credential::ApiKey(k)) if k == "sess-ada" => ("ada", &[]),
        ("oauth", Credential::Bearer(t)) if t == "oauth-writer" => {
            ("service", &["secrets:write", "secrets:read"])
        }
        ("oauth", Credential::Bearer(t)) if t == "oauth-reader" => ("service", &["secrets:read"]),
        ("openId", Credential::Bearer(t)) if t == "oidc-ada" => ("ada", &["profile"]),
        _ => return None,
    })
}

impl VaultApi for Vault {
    type Identity = types::Caller;

    async fn authenticate(&self, attempt: Attempt) -> Result<types::Caller, Refusal> {
        let mut caller = types::Caller {
            scheme: String::new(),
            subject: String::new(),
            scopes: Some(Vec::new()),
        };
        for presented in attempt.presented() {
            let name = presented.scheme.name;
            let Some((subject, granted)) = identify(name, &presented.credential) else {
                return Err(Refusal::unauthenticated(format!(
                    "the `{name}` credential identifies no one"
                )));
            };
            if let Some(missing) = presented.scopes.iter().find(|s| !granted.contains(s)) {
                return Err(Refusal::forbidden(format!("the token lacks `{missing}`")));
            }
            if !caller.scheme.is_empty() {
                caller.scheme.push('+');
            }
            caller.scheme.push_str(name);
            caller.subject = subject.to_string();
            if let Some(scopes) = &mut caller.scopes {
                scopes.extend(presented.scopes.iter().map(|s| s.to_string()));
            }
        }
        Ok(caller)
    }

    async fn health(&self, _: RequestContext) -> health::Response {
        health::Response::Ok {
            body: types::Status { ok: true },
        }
    }

    async fn who_am_i(&self, _: RequestContext, caller: types::Caller) -> who_am_i::Response {
        who_am_i::Response::Ok { body: caller }
    }

    async fn store_secret(
        &self,
        _: RequestContext,
        _: types::Caller,
        params: store_secret::Params,
        body: types::Secret,
        push: PushSink<store_secret::Push>,
    ) -> store_secret::Response {
        let replicas = body.replicas.unwrap_or(3);
        for replica in 1..=replicas {
            let push_one = store_secret::Replicas {
                name: params.name.clone(),
                replica,
                response: store_secret::ReplicasResponse::Ok {
                    body: types::Replicated { replica },
                },
            };
            if push.send(push_one).await.is_err() {
                eprintln!("vault: the client left after {} replicas", replica - 1);
                break;
            }
        }
        store_secret::Response::Created {
            body: types::Stored {
                name: params.name,
                replicas,
            },
        }
    }

    async fn read_audit(&self, _: RequestContext, caller: types::Caller) -> read_audit::Response {
        read_audit::Response::Ok {
            body: vec![format!(
                "{} read the audit by {}",
                caller.subject, caller.scheme
            )],
        }
    }

    async fn read_news(
        &self,
        _: RequestContext,
        caller: Option<types::Caller>,
    ) -> read_news::Response {
        read_news::Response::Ok {
            body: caller.unwrap_or(types::Caller {
                scheme: "anonymous".into(),
                subject: String::new(),
                scopes: None,
            }),
        }
    }

    async fn read_profile(
        &self,
        _: RequestContext,
        caller: types::Caller,
    ) -> read_profile::Response {
        read_profile::Response::Ok { body: caller }
    }
}

/// `[ADDR] [--header-read-timeout-ms N]`: a short head timeout lets a test see a
/// slowloris cut off without waiting the default 30 s.
fn args() -> Result<(String, ConnectionConfig), String> {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut config = ConnectionConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--header-read-timeout-ms" => {
                let ms = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--header-read-timeout-ms needs a number of milliseconds")?;
                config.header_read_timeout = Some(Duration::from_millis(ms));
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => addr = arg,
        }
    }
    Ok((addr, config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (addr, config) = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("vault_server: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("vault_server: {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(local) => println!("vault listening on http://{local}"),
        Err(e) => eprintln!("vault_server: {e}"),
    }
    match serve(listener, router(Vault)).config(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vault_server: {e}");
            ExitCode::FAILURE
        }
    }
}
