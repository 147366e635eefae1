//! The intermediate representation (IR) between pushgen's spec ingest and its backends.
//!
//! Ingest turns an OpenAPI document into an [`Api`]; the backends (types, server,
//! client) read only this. It is plain data: every name a backend needs is already a
//! valid, unique Rust identifier ([`Name`]), every `$ref` is resolved to a [`TypeRef`]
//! that names a [`NamedType`], and every push item knows its wire name and typed path
//! variables. Nothing here depends on `openapiv3`, so the spec model can change under
//! ingest without touching a backend.

#![forbid(unsafe_code)]

use serde::Serialize;

mod checks;
pub use checks::{Bound, Checks, Format, Number, Rule};

/// One API: everything a spec describes that the backends generate code for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `info.license`.
    pub license: Option<License>,
    /// `info.contact`.
    pub contact: Option<Contact>,
    /// The spec's file name (never a directory): generated headers name it.
    pub source: String,
    /// The trait and client names for the API as a whole (from the title).
    pub name: Name,
    /// Operations in document order (paths as written, methods in a fixed order).
    pub operations: Vec<Operation>,
    /// Named types, sorted by name so output does not depend on hash order.
    pub types: Vec<NamedType>,
    /// `servers`, in order.
    pub servers: Vec<Server>,
    /// `tags`, in order.
    pub tags: Vec<Tag>,
    /// `components/securitySchemes`, in order.
    pub security_schemes: Vec<SecurityScheme>,
    /// The document's default `security`: any one requirement satisfies it.
    pub security: Vec<SecurityRequirement>,
    /// Every JSON example the spec gives a schema, a property or a body, with the type
    /// it should read as: the generated code is tested against them.
    pub examples: Vec<Example>,
}

/// An `example` (or one of `examples`) from the spec.
/// `info.license`: what a published SDK's manifest says of its licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    pub name: String,
    /// The SPDX expression (OpenAPI 3.1's `identifier`).
    pub identifier: Option<String>,
    pub url: Option<String>,
}

/// `info.contact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Where the example value is.
    pub pointer: String,
    /// The type it should deserialise into.
    pub ty: TypeRef,
    /// The value, as JSON text.
    pub json: String,
}

/// A server the API is offered at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
}

/// A tag that groups operations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tag {
    pub name: String,
    pub description: Option<String>,
}

/// A way of authenticating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityScheme {
    /// The key in `components/securitySchemes`.
    pub name: String,
    pub kind: SecurityKind,
    pub description: Option<String>,
}

/// What a [`SecurityScheme`] is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SecurityKind {
    /// A key in a header, query parameter or cookie.
    ApiKey {
        location: ParamLocation,
        name: String,
    },
    /// HTTP authentication (`bearer`, `basic`, ...).
    Http {
        scheme: String,
        bearer_format: Option<String>,
    },
    OAuth2,
    OpenIdConnect {
        url: String,
    },
}

/// Schemes that must all be satisfied, each with the scopes it needs.
pub type SecurityRequirement = Vec<(String, Vec<String>)>;

/// A name from the spec with the Rust identifiers derived from it.
///
/// `snake` and `camel` are valid identifiers (keywords get a trailing `_`, a leading digit
/// gets a prefix) and unique within the scope that produced them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Name {
    /// The name as written in the spec.
    pub original: String,
    /// `snake_case` form, for functions, fields, modules.
    pub snake: String,
    /// `UpperCamelCase` form, for types and variants.
    pub camel: String,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Every method, in the order operations of one path are listed.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lower-case name used as an OpenAPI path item key.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// Whether repeating the request is safe (it may be resumed after a disconnect).
    pub fn is_safe(self) -> bool {
        matches!(self, Method::Get | Method::Head | Method::Options)
    }
}

/// One operation: a method on a path template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// Unique name: from `operationId`, else from method and path.
    pub name: Name,
    /// The spec's `operationId`, if it has one.
    pub operation_id: Option<String>,
    pub method: Method,
    pub path: PathTemplate,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// Path, query, header and cookie parameters (operation-level overriding path-level).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// Every declared response, in the order the spec lists them.
    pub responses: Vec<Response>,
    /// What the server may send before (or instead of) the final response.
    pub streaming: Streaming,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// The operation's own `security`; `None` means the document's applies.
    pub security: Option<Vec<SecurityRequirement>>,
}

/// An operation's streaming shape. Kept open: item-mode streams, client streaming and
/// bidirectional streams become variants here, not flags elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Streaming {
    /// A plain request/response operation.
    None,
    /// Envelope mode: pushed responses from `push` / `x-push`, each
    /// with its push path, status, headers and body, then the final response.
    Envelope(EnvelopePush),
    /// Item mode: a response whose content is a sequence of items (SSE events, JSON
    /// lines), exactly as the spec describes them; no final response.
    Items(ItemStream),
    /// A plain response or an item stream, chosen by a boolean property of the request
    /// body (`stream: true`), as OpenAI's chat completions are.
    Conditional(ConditionalStream),
}

impl Streaming {
    /// The envelope-mode push section, if this operation has one.
    pub fn envelope(&self) -> Option<&EnvelopePush> {
        match self {
            Streaming::Envelope(push) => Some(push),
            _ => None,
        }
    }

    /// The item stream, if this operation has one (always or on request).
    pub fn items(&self) -> Option<&ItemStream> {
        match self {
            Streaming::Items(stream) => Some(stream),
            Streaming::Conditional(conditional) => Some(&conditional.stream),
            _ => None,
        }
    }
}

/// An item-mode stream: one response of the operation whose content is a sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStream {
    /// The response that streams.
    pub status: StatusMatch,
    pub media: StreamMedia,
    /// What the stream carries. For SSE in the OpenAPI 3.2 idiom, one item per event name;
    /// otherwise a single item.
    pub items: Vec<StreamItem>,
    /// A declared end-of-stream marker, if any.
    pub terminator: Option<Terminator>,
    /// The error item the stream may carry after it has started (`x-push-error` on the
    /// media type: Ollama's `{"error": …}` lines). Readers try it before the item.
    pub error: Option<TypeRef>,
    /// Whether a client may reconnect and resume (a safe method or `x-push-resumable`).
    pub resumable: bool,
    /// Where the item types came from: OpenAPI 3.2 `itemSchema`, or a plain `schema` on a
    /// streaming media type (specs before 3.2).
    pub declared_by: ItemSource,
}

/// The sequential media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum StreamMedia {
    /// `text/event-stream`.
    EventStream,
    /// `application/jsonl`.
    JsonLines,
    /// `application/x-ndjson`.
    NdJson,
    /// `application/json-seq` (RFC 7464, RS-prefixed).
    JsonSeq,
}

impl StreamMedia {
    /// The media type as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamMedia::EventStream => "text/event-stream",
            StreamMedia::JsonLines => "application/jsonl",
            StreamMedia::NdJson => "application/x-ndjson",
            StreamMedia::JsonSeq => "application/json-seq",
        }
    }
}

/// One kind of item in a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamItem {
    pub name: Name,
    /// For SSE: the `event:` name that selects this item (`None`: any event, or the
    /// default `message`).
    pub event: Option<String>,
    /// The item's type: for SSE, the type of the `data:` JSON.
    pub ty: TypeRef,
    pub description: Option<String>,
}

/// How a stream says it has ended, besides closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Terminator {
    /// An item whose data is exactly this text (`[DONE]`).
    Data(String),
    /// An SSE event of this name.
    Event(String),
}

/// Where an item stream was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ItemSource {
    /// OpenAPI 3.2 `itemSchema`.
    ItemSchema,
    /// A plain `schema` on a streaming media type (OpenAI, Ollama, Mercure before 3.2).
    Schema,
}

/// An operation that streams only when its request body asks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionalStream {
    /// The boolean request body property that selects the stream (`stream`).
    pub flag: String,
    /// The property's default: whether the operation streams when the flag is absent
    /// (Ollama's do).
    pub streams_by_default: bool,
    pub stream: ItemStream,
}

/// The push section of an operation in envelope mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvelopePush {
    /// The push items, in the order the spec lists them.
    pub items: Vec<PushItem>,
    /// Whether a client may reconnect and resume (a safe method or `x-push-resumable`).
    pub resumable: bool,
}

/// One push item: a push path template and the responses the server may push for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushItem {
    /// The SSE event name / NDJSON `push` value: the template itself unless overridden
    /// by `x-push-event`.
    pub wire_name: String,
    /// Identifier for the item (from the template's literal segments), unique per operation.
    pub name: Name,
    pub path: PathTemplate,
    /// The Push Path Object's `description` (or `summary`).
    pub description: Option<String>,
    /// The template's variables, each typed (operation parameter of the same name, else the
    /// push path's own `parameters`, else `string`).
    pub variables: Vec<PushVariable>,
    /// The pushed responses, each with status, headers and body.
    pub responses: Vec<Response>,
}

/// A variable of a push path template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushVariable {
    pub name: Name,
    pub ty: TypeRef,
    pub description: Option<String>,
}

/// A path template split into literal text and variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathTemplate {
    /// The template as written, e.g. `/consumers/{consumerId}`.
    pub template: String,
    pub parts: Vec<PathPart>,
}

impl PathTemplate {
    /// Names of the template's variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            PathPart::Variable(name) => Some(name.as_str()),
            PathPart::Literal(_) => None,
        })
    }
}

/// A piece of a [`PathTemplate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PathPart {
    Literal(String),
    Variable(String),
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// An operation parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// `name.original` is the wire name.
    pub name: Name,
    pub location: ParamLocation,
    pub style: ParamStyle,
    /// Whether arrays and objects spread over several pairs (`a=1&a=2`).
    pub explode: bool,
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// What the value must satisfy beyond its type.
    pub checks: Checks,
}

/// How a parameter's value is written (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ParamStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// An operation's request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestBody {
    pub required: bool,
    /// The media type the generated code sends: JSON if offered, else the first.
    pub content_type: String,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// Every media type the spec offers, in order.
    pub content: Vec<Body>,
    /// What the body must satisfy beyond its type (its own schema's keywords; a named
    /// type's are the type's).
    pub checks: Checks,
}

/// Which statuses a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum StatusMatch {
    /// One status code, e.g. `201`.
    Code(u16),
    /// A range such as `4XX` (the digit).
    Range(u8),
    /// `default`: any status no other response covers.
    Default,
}

/// A response: of an operation, or pushed for a push item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub status: StatusMatch,
    /// Variant name, e.g. `Created` for 201. Unique within its response set.
    pub name: Name,
    pub description: String,
    pub headers: Vec<Header>,
    /// The body the generated code reads: JSON if offered, else the first media type.
    pub body: Option<Body>,
    /// Every media type the spec offers, in order.
    pub content: Vec<Body>,
}

/// A response header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// `name.original` is the wire name in lower case.
    pub name: Name,
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
}

/// A request or response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    pub content_type: String,
    pub ty: TypeRef,
}

/// A use of a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum TypeRef {
    Scalar(Scalar),
    /// A [`NamedType`], by its `name.camel`.
    Named(String),
    Array(Box<TypeRef>),
    /// A JSON object with string keys and values of one type.
    Map(Box<TypeRef>),
    /// Any JSON value.
    Any,
    /// The value may be JSON `null`.
    Nullable(Box<TypeRef>),
}

/// Types that are not defined by the spec: JSON's scalars, refined by `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Scalar {
    String,
    Boolean,
    Int32,
    Int64,
    Float,
    Double,
    /// `format: date-time`: an RFC 3339 timestamp.
    DateTime,
    /// `format: date`: an RFC 3339 full date.
    Date,
    /// `format: uuid`.
    Uuid,
    /// `format: byte`: bytes written as base64 text.
    Base64,
}

/// A type the generated code defines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedType {
    /// `name.original` is the schema name, or where an inline schema was hoisted from.
    pub name: Name,
    /// The JSON pointer of its definition, without the `#`: `/components/schemas/Pet`,
    /// or the inline schema it was hoisted from. `type_attribute` matchers name it.
    pub pointer: String,
    pub description: Option<String>,
    pub kind: TypeKind,
    /// What a value must satisfy beyond its type: for an alias, the checks on the
    /// aliased value; for a struct, `minProperties` / `maxProperties`.
    pub checks: Checks,
}

/// What a [`NamedType`] is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeKind {
    Struct(Struct),
    Enum(StringEnum),
    /// An integer with a closed set of values.
    IntEnum(IntEnum),
    Union(Union),
    /// A name for another type (`type X = ...`).
    Alias(TypeRef),
    /// A Rust type the user already has (`extern_type` of the build.rs builder), named by
    /// its path: generated code uses it in the schema's place. Opaque to the generator:
    /// nothing is checked inside it.
    Extern(String),
}

/// An object with known properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// The type of properties not listed, when `additionalProperties` allows them.
    pub additional: Option<TypeRef>,
}

/// A property of a [`Struct`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// `name.original` is the JSON property name.
    pub name: Name,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    /// The field refers back to a type that contains it: it needs an indirection.
    pub boxed: bool,
    /// The spec's `default`, as JSON text.
    pub default: Option<String>,
    /// `readOnly` (only servers send it) or `writeOnly` (only clients send it). Such a
    /// property is optional in the generated type even when `required`: it is absent in
    /// one direction.
    pub access: Access,
    /// What the value must satisfy beyond its type.
    pub checks: Checks,
}

/// Who sends a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Access {
    #[default]
    Both,
    ReadOnly,
    WriteOnly,
}

/// A string with a closed set of values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringEnum {
    /// `name.original` is the wire value.
    pub values: Vec<Name>,
}

/// An integer with a closed set of values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntEnum {
    pub values: Vec<IntValue>,
}

/// One value of an [`IntEnum`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntValue {
    /// The variant's name: from `x-enum-varnames` when the spec gives one, else `V<n>`.
    pub name: Name,
    pub value: i64,
}

/// `oneOf` / `anyOf`: one of several types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Union {
    /// The property that tells the variants apart, when the spec declares one.
    pub discriminator: Option<String>,
    pub variants: Vec<Variant>,
}

/// A member of a [`Union`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub name: Name,
    pub ty: TypeRef,
    /// Discriminator values selecting this variant; the first is written.
    pub tags: Vec<String>,
    /// The variant refers back to the union: it needs an indirection.
    pub boxed: bool,
}

impl Operation {
    /// How docs refer to the operation: its `operationId`, else `METHOD /path`.
    pub fn label(&self) -> String {
        match &self.operation_id {
            Some(id) => id.clone(),
            None => format!(
                "{} {}",
                self.method.as_str().to_uppercase(),
                self.path.template
            ),
        }
    }
}

impl Api {
    /// The named type called `camel`, if any.
    pub fn named_type(&self, camel: &str) -> Option<&NamedType> {
        self.types.iter().find(|t| t.name.camel == camel)
    }

    /// Operations that push, in order.
    pub fn push_operations(&self) -> impl Iterator<Item = (&Operation, &EnvelopePush)> {
        self.operations
            .iter()
            .filter_map(|op| op.streaming.envelope().map(|push| (op, push)))
    }
}
