//! Building a request for a generated client method.

use super::auth::{Credentials, Placed};
use super::{Config, Error};
use crate::auth::Security;
use crate::validate::Violations;
use crate::wire::{self, EncodeError};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

pub use reqwest::Method;

/// A request being built. Encoding errors are kept and reported when it is sent.
#[derive(Debug, Clone)]
pub struct Call {
    http: reqwest::Client,
    base: String,
    config: Config,
    method: Method,
    template: &'static str,
    path: Vec<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    body: Option<(Cow<'static, str>, Vec<u8>)>,
    error: Option<EncodeError>,
    /// The rules the request breaks, when the client checked them.
    invalid: Option<Violations>,
    /// A push stream of this call may reconnect and resume.
    resumable: bool,
    credentials: Arc<Credentials>,
    /// The operation's security: which of the client's credentials the request carries.
    security: Security,
    /// TLS for an HTTP/2 push binding's own connection.
    http2_tls: Option<super::Http2Tls>,
}

impl Call {
    pub(super) fn new(
        http: reqwest::Client,
        base: String,
        config: Config,
        credentials: Arc<Credentials>,
        method: Method,
        template: &'static str,
    ) -> Self {
        Call {
            credentials,
            security: Security::NONE,
            http,
            base,
            config,
            method,
            template,
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            error: None,
            invalid: None,
            resumable: false,
            http2_tls: None,
        }
    }

    pub(super) fn with_http2_tls(mut self, tls: Option<super::Http2Tls>) -> Self {
        self.http2_tls = tls;
        self
    }

    pub(super) fn http2_tls(&self) -> Option<&super::Http2Tls> {
        self.http2_tls.as_ref()
    }

    /// Marks the call as one whose push stream may reconnect and resume: a `GET`, or an
    /// operation marked `x-push-resumable: true` (generated code says which).
    pub fn resumable(mut self) -> Self {
        self.resumable = true;
        self
    }

    /// Sends the client's credentials that `security` (the operation's) asks for: those
    /// of its first requirement the client has every credential of.
    pub fn secured(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// Runs `check` (the operation's generated `check_request`) when the client's
    /// configuration asks to check requests before sending them; what it finds fails
    /// the call with [`Error::Invalid`] and nothing is sent.
    pub fn checked(mut self, check: impl FnOnce() -> Result<(), Violations>) -> Self {
        if self.config.validate_requests
            && let Err(violations) = check()
        {
            self.invalid = Some(violations);
        }
        self
    }

    pub(super) fn is_resumable(&self) -> bool {
        self.resumable
    }

    /// The call again, resuming after the push with id `id`.
    pub(super) fn resuming_after(&self, id: Option<&str>) -> Call {
        let mut call = self.clone();
        if let Some(id) = id {
            call.headers.push(("last-event-id".into(), id.into()));
        }
        call
    }

    /// The client's configuration for this call; a stream may change it before it
    /// starts.
    pub(super) fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    pub(super) fn config_ref(&self) -> &Config {
        &self.config
    }

    fn keep<T>(&mut self, result: Result<T, EncodeError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    /// The next path variable of the template.
    pub fn path<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let text = wire::text(value);
        if let Some(text) = self.keep(text) {
            self.path.push(text);
        }
        self
    }

    /// A path variable in a `style` other than `simple` (`label`, `matrix`).
    pub fn path_styled<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: crate::styles::Style,
        explode: bool,
    ) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        if let Some(value) = self.keep(value) {
            let text = crate::styles::path_text(name, &value, style, explode)
                .ok_or_else(|| EncodeError("a required path value is null".into()));
            if let Some(text) = self.keep(text) {
                self.path.push(text);
            }
        }
        self
    }

    /// A query parameter in a `style` (and `explode`) other than exploded `form`.
    pub fn query_styled<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: crate::styles::Style,
        explode: bool,
    ) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        if let Some(value) = self.keep(value) {
            self.query
                .extend(crate::styles::query_pairs(name, &value, style, explode));
        }
        self
    }

    /// A query parameter; `None` adds nothing, a list adds one pair per item.
    pub fn query<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let value = serde_json::to_value(value).map_err(EncodeError::from);
        match self.keep(value) {
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    let text = wire::text_opt(&item);
                    if let Some(Some(text)) = self.keep(text) {
                        self.query.push((name.to_string(), text));
                    }
                }
            }
            Some(value) => {
                let text = wire::text_opt(&value);
                if let Some(Some(text)) = self.keep(text) {
                    self.query.push((name.to_string(), text));
                }
            }
            None => {}
        }
        self
    }

    /// A header; `None` adds nothing.
    pub fn header<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let text = wire::text_opt(value);
        if let Some(Some(text)) = self.keep(text) {
            self.headers.push((name.to_string(), text));
        }
        self
    }

    /// A cookie; `None` adds nothing.
    pub fn cookie<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let text = wire::text_opt(value);
        if let Some(Some(text)) = self.keep(text) {
            self.cookies.push((name.to_string(), text));
        }
        self
    }

    /// A JSON body sent as `content_type`.
    pub fn json<T: Serialize + ?Sized>(mut self, content_type: &'static str, body: &T) -> Self {
        let bytes = serde_json::to_vec(body).map_err(EncodeError::from);
        if let Some(bytes) = self.keep(bytes) {
            self.body = Some((Cow::Borrowed(content_type), bytes));
        }
        self
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, content_type: &'static str, body: &T) -> Self {
        let text = serde_html_form::to_string(body).map_err(|e| EncodeError(e.to_string()));
        if let Some(text) = self.keep(text) {
            self.body = Some((Cow::Borrowed(content_type), text.into_bytes()));
        }
        self
    }

    /// A `text/*` body.
    pub fn text(mut self, content_type: &'static str, body: &str) -> Self {
        self.body = Some((Cow::Borrowed(content_type), body.as_bytes().to_vec()));
        self
    }

    /// A body of bytes (`application/octet-stream` and other binary media types).
    pub fn bytes(mut self, content_type: &'static str, body: &[u8]) -> Self {
        self.body = Some((Cow::Borrowed(content_type), body.to_vec()));
        self
    }

    /// A body with its own media type (a multipart form with its boundary).
    pub fn raw(mut self, body: &wire::Raw) -> Self {
        self.body = Some((Cow::Owned(body.content_type.clone()), body.bytes.to_vec()));
        self
    }

    /// An optional body of any kind: `add` writes it when there is one.
    pub fn maybe<T: ?Sized>(self, body: Option<&T>, add: impl FnOnce(Self, &T) -> Self) -> Self {
        match body {
            Some(body) => add(self, body),
            None => self,
        }
    }

    /// A JSON body with the boolean property `flag` set to `on`: what the two methods of
    /// a stream-conditional operation send (`stream: true` asks for the stream).
    pub fn json_flag<T: Serialize + ?Sized>(
        mut self,
        content_type: &'static str,
        body: &T,
        flag: &str,
        on: bool,
    ) -> Self {
        let value = serde_json::to_value(body).map_err(EncodeError::from);
        if let Some(mut value) = self.keep(value) {
            if let serde_json::Value::Object(map) = &mut value {
                map.insert(flag.to_string(), serde_json::Value::Bool(on));
            }
            let bytes = serde_json::to_vec(&value).map_err(EncodeError::from);
            if let Some(bytes) = self.keep(bytes) {
                self.body = Some((Cow::Borrowed(content_type), bytes));
            }
        }
        self
    }

    /// An optional JSON body.
    pub fn json_opt<T: Serialize + ?Sized>(
        self,
        content_type: &'static str,
        body: Option<&T>,
    ) -> Self {
        match body {
            Some(body) => self.json(content_type, body),
            None => self,
        }
    }

    pub(super) fn build(
        mut self,
        accept: &str,
    ) -> Result<(reqwest::RequestBuilder, Config), Error> {
        if let Some(violations) = self.invalid {
            return Err(Error::Invalid(violations));
        }
        if let Some(e) = self.error {
            return Err(Error::Encode(e));
        }
        for placed in self.credentials.for_security(&self.security) {
            match placed {
                Placed::Header(name, value) => self.headers.push((name, value)),
                Placed::Query(name, value) => self.query.push((name, value)),
                Placed::Cookie(name, value) => self.cookies.push((name, value)),
            }
        }
        let path = wire::expand(self.template, &self.path).map_err(Error::Encode)?;
        let mut url = format!("{}{}", self.base, path);
        if !self.query.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.query)
                .finish();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
        let mut request = self
            .http
            .request(self.method, url)
            .header(reqwest::header::ACCEPT, accept);
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(reqwest::header::COOKIE, cookie.join("; "));
        }
        if let Some((content_type, bytes)) = self.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type.as_ref())
                .body(bytes);
        }
        if self.credentials.finishes() {
            let (http, built) = request.build_split();
            let mut built = built.map_err(Error::Request)?;
            self.credentials.finish(&mut built);
            request = reqwest::RequestBuilder::from_parts(http, built);
        }
        Ok((request, self.config))
    }

    /// Sends the request and reads the response.
    pub async fn send<R: super::ResponseParts>(self) -> Result<R, Error> {
        let (request, config) = self.build("application/json")?;
        let response = request.send().await.map_err(Error::Request)?;
        super::read::read_plain(response, &config).await
    }
}
