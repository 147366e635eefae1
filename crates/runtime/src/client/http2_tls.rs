//! TLS for the HTTP/2 push binding's own connections (`https://` URLs): reqwest's TLS
//! settings cannot be reached from outside it, so the binding keeps its own.

use std::fmt;

#[cfg(feature = "rustls")]
use std::sync::Arc;
#[cfg(feature = "rustls")]
use tokio_rustls::rustls;

/// The TLS settings a client's [`PushBinding::Http2Push`](super::PushBinding) connects
/// to `https://` URLs with: which servers it trusts, and what it shows them. Without
/// them, the platform's verifier decides, as it does for reqwest's requests.
///
/// Made from a `rustls::ClientConfig` with the runtime's `rustls` feature; ALPN is set
/// to `h2` here, whatever the configuration said.
#[derive(Clone)]
pub struct Http2Tls {
    #[cfg(feature = "rustls")]
    config: Arc<rustls::ClientConfig>,
    // Without TLS there is nothing to hold, and no way to make one.
    #[cfg(not(feature = "rustls"))]
    never: std::convert::Infallible,
}

impl fmt::Debug for Http2Tls {
    #[cfg(feature = "rustls")]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http2Tls")
            .field("alpn", &"h2")
            .finish_non_exhaustive()
    }

    #[cfg(not(feature = "rustls"))]
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.never {}
    }
}

#[cfg(feature = "rustls")]
impl Http2Tls {
    /// These settings, offering ALPN `h2` alone.
    pub fn new(mut config: rustls::ClientConfig) -> Self {
        config.alpn_protocols = vec![b"h2".to_vec()];
        Http2Tls {
            config: Arc::new(config),
        }
    }

    /// The platform's verifier (the system's trusted roots), made once per process.
    fn platform() -> Result<Self, String> {
        use rustls_platform_verifier::BuilderVerifierExt;
        static PLATFORM: std::sync::OnceLock<Result<Http2Tls, String>> = std::sync::OnceLock::new();
        PLATFORM
            .get_or_init(|| {
                let config = rustls::ClientConfig::builder()
                    .with_platform_verifier()
                    .map_err(|e| format!("the platform's TLS verifier: {e}"))?
                    .with_no_client_auth();
                Ok(Http2Tls::new(config))
            })
            .clone()
    }
}

/// Opens TLS to `host` over `tcp` with `tls` (or the platform's settings), insisting
/// on ALPN `h2`.
#[cfg(feature = "rustls")]
pub(super) async fn connect(
    tcp: tokio::net::TcpStream,
    host: &str,
    tls: Option<&Http2Tls>,
) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, super::Error> {
    use super::Error;
    let tls = match tls {
        Some(tls) => tls.clone(),
        None => Http2Tls::platform().map_err(Error::Http2)?,
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| Error::Http2(format!("{host:?} as a TLS server name: {e}")))?;
    let stream = tokio_rustls::TlsConnector::from(tls.config)
        .connect(name, tcp)
        .await
        .map_err(|e| Error::Connection(format!("TLS with {host}: {e}")))?;
    if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
        return Err(Error::Http2(format!(
            "{host} did not agree to HTTP/2 (ALPN h2) over TLS"
        )));
    }
    Ok(stream)
}
