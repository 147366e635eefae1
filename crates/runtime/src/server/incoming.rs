//! Reading a request for a generated handler: parameters in every location and style,
//! bodies in every media type, and the rejection when they do not fit.

use crate::binding::Media;
use crate::validate::{Place, Violation, Violations};
use crate::wire;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use serde::de::DeserializeOwned;

/// How the client asked to receive an envelope-mode operation's pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// A stream: `Accept: text/event-stream`, `application/x-ndjson` or
    /// `application/jsonl`.
    Stream(Media),
    /// Anything else: the final response alone.
    Plain,
}

/// What a handler knows about its request, besides the typed parameters and body.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The `Last-Event-ID` a reconnecting client sent: the id of the last push it got.
    pub last_event_id: Option<String>,
}

/// A request, read for a generated handler: its path (parameters are read by matching it
/// against the operation's template), headers, and the body.
#[derive(Debug)]
pub struct Incoming {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    /// Served over HTTP/2 on `h2`: how to push.
    h2: Option<super::h2::H2Push>,
}

impl<S: Send + Sync> FromRequest<S> for Incoming {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let method = parts.method.clone();
        let uri = parts.uri.clone();
        let headers = parts.headers.clone();
        let h2 = parts.extensions.get::<super::h2::H2Push>().cloned();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            // As every error answer, a problem document: `413` past the body limit
            // (axum's, 2 MiB unless a `DefaultBodyLimit` layer says otherwise), `400`
            // for a body that broke off.
            .map_err(|e| Rejection::new(e.status().as_u16(), e.body_text()).into_response())?;
        Ok(Incoming {
            method,
            uri,
            headers,
            body,
            h2,
        })
    }
}

/// A request the handler could not read: `400` (or `415`, …) with an RFC 9457 problem
/// saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
    /// For `415`: the media types the operation reads, sent as `Accept` (RFC 9110,
    /// section 15.5.16).
    pub accept: Option<String>,
    /// For a request that breaks its schemas' rules: each broken rule, sent as the
    /// problem's `errors` member.
    pub violations: Option<Violations>,
    /// For `401`: the challenges, sent as `WWW-Authenticate` (RFC 9110, section 11.6.1).
    pub www_authenticate: Option<String>,
}

impl Rejection {
    /// A rejection with `status` and no `Accept`.
    pub fn new(status: u16, message: String) -> Self {
        Rejection {
            status,
            message,
            accept: None,
            violations: None,
            www_authenticate: None,
        }
    }

    /// `400` for a request that breaks the rules its schemas declare (`maxLength`,
    /// `minimum`, …), listing each: what [`Check::finish`](crate::validate::Check::finish)
    /// found.
    pub fn invalid(violations: Violations) -> Self {
        let count = violations.len();
        let first = &violations.violations()[0];
        let message = if count == 1 {
            format!("the request breaks a rule of its schema: {first}")
        } else {
            format!(
                "the request breaks {count} rules of its schemas, `errors` lists {}; the first: {first}",
                if count > violations.violations().len() {
                    format!("the first {}", violations.violations().len())
                } else {
                    "each".to_string()
                }
            )
        };
        Rejection {
            violations: Some(violations),
            ..Rejection::bad(message)
        }
    }

    fn bad(message: String) -> Self {
        Rejection::new(400, message)
    }

    /// `application/problem+json` (RFC 9457): a standard shape any client can read,
    /// since the operation's own error type cannot be built here.
    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut problem = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Bad Request"),
            "status": status.as_u16(),
            "detail": self.message,
        });
        if let Some(violations) = &self.violations {
            problem["errors"] = violations.violations().iter().map(problem_error).collect();
        }
        let mut response = Response::new(Body::from(problem.to_string()));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(accept) = self.accept.and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(header::ACCEPT, accept);
        }
        if let Some(challenges) = self
            .www_authenticate
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenges);
        }
        response
    }
}

/// One broken rule as a member of a problem's `errors` (the shape RFC 9457's own example
/// uses: `detail` and `pointer`, a JSON pointer into the body as a URI fragment), with
/// the parameter named in place of a pointer where the value was one.
fn problem_error(violation: &Violation) -> serde_json::Value {
    let mut error = serde_json::json!({
        "detail": violation.to_string(),
        "rule": violation.rule,
    });
    match violation.place {
        Place::Body => error["pointer"] = format!("#{}", violation.pointer).into(),
        Place::Parameter { location, name } => {
            error["in"] = location.into();
            error["parameter"] = name.into();
            if !violation.pointer.is_empty() {
                error["pointer"] = format!("#{}", violation.pointer).into();
            }
        }
    }
    error
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        Rejection::into_response(self)
    }
}

impl Incoming {
    /// The binding the client asked for, from `Accept`: SSE if it accepts
    /// `text/event-stream`, else NDJSON, else JSON Lines, else the final response alone.
    /// A range with `q=0` is refused; q-values are not otherwise compared.
    pub fn binding(&self) -> Binding {
        let mut accepted = [false; 3];
        let offered = [Media::EventStream, Media::NdJson, Media::JsonLines];
        for media in self.accepted_ranges() {
            // Aliases in the wild (`application/ndjson`) select their format too, as the
            // client's reading of `Content-Type` accepts them.
            let named = Media::from_content_type(media);
            for (slot, offer) in accepted.iter_mut().zip(offered) {
                if named == Some(offer) {
                    *slot = true;
                }
            }
        }
        offered
            .into_iter()
            .zip(accepted)
            .find_map(|(media, yes)| yes.then_some(Binding::Stream(media)))
            .unwrap_or(Binding::Plain)
    }

    /// How to push over HTTP/2, when the request came on a connection served by `h2`.
    pub(crate) fn h2_push(&self) -> Option<&super::h2::H2Push> {
        self.h2.as_ref()
    }

    /// The media ranges `Accept` lists, without their parameters, leaving out those it
    /// refuses (`q=0`); q-values are not otherwise compared.
    fn accepted_ranges(&self) -> impl Iterator<Item = &str> {
        self.headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|range| {
                let mut fields = range.split(';');
                let media = fields.next().unwrap_or("").trim();
                let refused = fields.any(|p| {
                    p.split_once('=')
                        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                        .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (!media.is_empty() && !refused).then_some(media)
            })
    }

    /// The boolean property `flag` of a JSON request body (`stream`), or `default` when
    /// the body has none: what decides whether a stream-conditional operation streams.
    pub fn flag(&self, flag: &str, default: bool) -> bool {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&self.body)
            .ok()
            .and_then(|body| body.get(flag).and_then(serde_json::Value::as_bool))
            .unwrap_or(default)
    }

    /// The request's context, for the handler. Its URI and headers are copies: hyper's
    /// are slices of the connection's read buffer, and a handler that keeps them for the
    /// life of a long stream would keep that buffer (8 KiB, beside the one hyper reads
    /// the next request into) for as long, for every open stream.
    pub fn context(&self) -> RequestContext {
        RequestContext {
            method: self.method.clone(),
            uri: detached_uri(&self.uri),
            headers: detached_headers(&self.headers),
            last_event_id: self
                .headers
                .get("last-event-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }

    fn parse<T: DeserializeOwned>(what: &str, name: &str, text: &str) -> Result<T, Rejection> {
        wire::parse_text(text).map_err(|e| Rejection::bad(format!("{what} `{name}`: {e}")))
    }

    /// Whether the request's path matches `template` (the operation's path as the spec
    /// writes it). Routes that several operations share ask this to pick one.
    pub fn matches(&self, template: &str) -> bool {
        crate::path::matches(template, self.uri.path()).is_some()
    }

    /// The path parameter `name` of the operation at `template`: the request's path is
    /// matched against the template itself, so variables inside a segment (`{id}.json`)
    /// and variables axum could not route by name are read all the same. A variable the
    /// template repeats is read where it first appears.
    pub fn path_var<T: DeserializeOwned>(
        &self,
        template: &str,
        name: &str,
    ) -> Result<T, Rejection> {
        let index = crate::path::variables(template)
            .and_then(|names| names.iter().position(|n| *n == name));
        let values = crate::path::matches(template, self.uri.path());
        let text = match (index, &values) {
            (Some(i), Some(values)) => values.get(i).map(String::as_str),
            _ => None,
        }
        .ok_or_else(|| Rejection::bad(format!("the path does not fit `{template}` (`{name}`)")))?;
        Self::parse("path parameter", name, text)
    }

    /// Like [`Incoming::path_var`], for a variable in a `style` other than `simple`.
    pub fn path_styled<T: DeserializeOwned>(
        &self,
        template: &str,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<T, Rejection> {
        let text: String = self.path_var(template, name)?;
        crate::styles::typed(crate::styles::from_path(name, &text, style, explode))
            .map_err(|e| Rejection::bad(format!("path parameter `{name}`: {e}")))
    }

    /// A required query parameter in a `style` other than exploded `form`.
    pub fn query_styled<T: DeserializeOwned>(
        &self,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<T, Rejection> {
        self.query_styled_opt(name, style, explode)?
            .ok_or_else(|| Rejection::bad(format!("query parameter `{name}` is required")))
    }

    /// An optional query parameter in a `style` other than exploded `form`.
    pub fn query_styled_opt<T: DeserializeOwned>(
        &self,
        name: &str,
        style: crate::styles::Style,
        explode: bool,
    ) -> Result<Option<T>, Rejection> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        crate::styles::from_query(&pairs, name, style, explode)
            .map(|value| {
                crate::styles::typed(value)
                    .map_err(|e| Rejection::bad(format!("query parameter `{name}`: {e}")))
            })
            .transpose()
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(crate) fn query_values(&self, name: &str) -> Vec<String> {
        let query = self.uri.query().unwrap_or("");
        form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// A required query parameter.
    pub fn query<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.query_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("query parameter `{name}` is required")))
    }

    /// An optional query parameter.
    pub fn query_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        self.query_values(name)
            .first()
            .map(|v| Self::parse("query parameter", name, v))
            .transpose()
    }

    /// A list in the query, as repeated `name=value` pairs (or one comma-separated value).
    pub fn query_all<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        let values = self.query_values(name);
        Self::parse("query parameter", name, &values.join(","))
    }

    /// An optional list in the query: `None` when absent.
    pub fn query_all_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        let values = self.query_values(name);
        if values.is_empty() {
            return Ok(None);
        }
        Self::parse("query parameter", name, &values.join(",")).map(Some)
    }

    /// A required header.
    pub fn header<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.header_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("header `{name}` is required")))
    }

    /// An optional header.
    pub fn header_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        match self.headers.get(name) {
            None => Ok(None),
            Some(value) => {
                let text = value
                    .to_str()
                    .map_err(|_| Rejection::bad(format!("header `{name}` is not text")))?;
                Self::parse("header", name, text).map(Some)
            }
        }
    }

    /// A required cookie.
    pub fn cookie<T: DeserializeOwned>(&self, name: &str) -> Result<T, Rejection> {
        self.cookie_opt(name)?
            .ok_or_else(|| Rejection::bad(format!("cookie `{name}` is required")))
    }

    /// An optional cookie.
    pub fn cookie_opt<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Rejection> {
        self.cookie_value(name)
            .map(|v| Self::parse("cookie", name, v))
            .transpose()
    }

    /// The first cookie called `name`, as it came.
    pub(crate) fn cookie_value(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Checks that a body comes in one of the media types the operation reads
    /// (`accepted`, as the spec writes them: `type/subtype`, `type/*` or `*/*`); any
    /// other, or none, is refused with `415` and `Accept`. Reading a body whatever its
    /// `Content-Type` would let a page on another origin send one without a preflight
    /// (`text/plain` is CORS-safelisted) and have the handler act on it. A request
    /// without a body passes: whether one is required is the reader's to say.
    pub fn check_media(&self, accepted: &[&str]) -> Result<(), Rejection> {
        if self.body.is_empty() {
            return Ok(());
        }
        let given = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(essence);
        if let Some(given) = &given
            && accepted
                .iter()
                .any(|declared| media_matches(declared, given))
        {
            return Ok(());
        }
        let list = accepted.join(", ");
        let given = match &given {
            Some(given) => format!("`{given}`"),
            None => "not given".to_string(),
        };
        Err(Rejection {
            violations: None,
            www_authenticate: None,
            status: 415,
            message: format!(
                "the request body's media type is {given}; this operation reads {list}"
            ),
            accept: Some(list),
        })
    }

    /// Checks that `Accept` allows one of the media types the operation answers with
    /// (`produced`): if it names none of them (and no range covering one, with `q` above
    /// 0), `406` with a problem listing them. No `Accept` allows anything. Generated
    /// handlers check this for operations that declare a `406` response; others answer
    /// as they can whatever `Accept` says, as most servers do.
    pub fn check_accept(&self, produced: &[&str]) -> Result<(), Rejection> {
        let lists_any = self
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|range| !range.trim().is_empty()));
        if !lists_any {
            return Ok(());
        }
        let allowed = self.accepted_ranges().any(|media| {
            produced
                .iter()
                .any(|offered| media_matches(media, &essence(offered)))
        });
        if allowed {
            return Ok(());
        }
        Err(Rejection::new(
            406,
            format!(
                "this operation answers with {}; `Accept` allows none of them",
                produced.join(", ")
            ),
        ))
    }

    /// The JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        if self.body.is_empty() {
            return Err(Rejection::bad("a request body is required".into()));
        }
        crate::nullable::refusing_null(|| serde_json::from_slice(&self.body))
            .map_err(|e| Rejection::bad(format!("request body: {e}")))
    }

    /// An optional JSON body: `None` when the request has none.
    pub fn json_opt<T: DeserializeOwned>(&self) -> Result<Option<T>, Rejection> {
        self.optional(Self::json)
    }

    /// An optional body of any kind: `None` when the request has none, else `read`'s.
    pub fn optional<T>(
        &self,
        read: impl FnOnce(&Self) -> Result<T, Rejection>,
    ) -> Result<Option<T>, Rejection> {
        if self.body.is_empty() {
            return Ok(None);
        }
        read(self).map(Some)
    }

    fn required_body(&self) -> Result<&Bytes, Rejection> {
        if self.body.is_empty() {
            return Err(Rejection::bad("a request body is required".into()));
        }
        Ok(&self.body)
    }

    /// An `application/x-www-form-urlencoded` body, typed.
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        serde_html_form::from_bytes(self.required_body()?)
            .map_err(|e| Rejection::bad(format!("request body (form): {e}")))
    }

    /// A `text/*` body.
    pub fn text(&self) -> Result<String, Rejection> {
        String::from_utf8(self.required_body()?.to_vec())
            .map_err(|_| Rejection::bad("request body: text that is not UTF-8".into()))
    }

    /// A body as bytes (`application/octet-stream` and other binary media types).
    pub fn bytes(&self) -> Result<Bytes, Rejection> {
        self.required_body().cloned()
    }

    /// A body with its media type (multipart forms, media types pushgen does not read).
    pub fn raw(&self) -> Result<crate::wire::Raw, Rejection> {
        let bytes = self.required_body()?.clone();
        let content_type = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        Ok(crate::wire::Raw {
            content_type,
            bytes,
        })
    }
}

/// A media type without its parameters, in lower case: `application/json`.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether the media type `given` (an essence) is one the spec's `declared` range covers.
fn media_matches(declared: &str, given: &str) -> bool {
    let declared = essence(declared);
    match declared.split_once('/') {
        Some(("*", "*")) => true,
        Some((kind, "*")) => given.split_once('/').is_some_and(|(k, _)| k == kind),
        _ => declared == given,
    }
}

/// `uri`, in memory of its own.
fn detached_uri(uri: &Uri) -> Uri {
    // The URI was valid, so its text is: the fallback is never taken.
    Uri::from_maybe_shared(Bytes::copy_from_slice(uri.to_string().as_bytes()))
        .unwrap_or_else(|_| uri.clone())
}

/// `headers`, in memory of their own.
fn detached_headers(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        // A standard name is static; a custom one is copied with `from_bytes`. The value
        // was valid, so its copy is.
        let name =
            HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let mut detached =
            HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        detached.set_sensitive(value.is_sensitive());
        copy.append(name, detached);
    }
    copy
}
