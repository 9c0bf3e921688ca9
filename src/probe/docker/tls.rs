//! TLS for `tcp://` endpoints, set up as the docker CLI does it: `ca.pem`
//! verifies the daemon's certificate and its name or IP, `cert.pem` and
//! `key.pem` are the client's certificate (both or neither). rustls with the
//! ring provider (aws-lc-rs would need cmake and nasm to build).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_rustls::TlsConnector;

/// Where the TLS material is and whether the daemon is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Trusted CA certificates; read only when `verify`.
    pub ca: PathBuf,
    /// The client certificate and key, when the files exist.
    pub client: Option<(PathBuf, PathBuf)>,
    /// `DOCKER_TLS_VERIFY` set, or a context without `SkipTLSVerify`.
    pub verify: bool,
}

impl TlsFiles {
    /// `DIR/ca.pem`, and `DIR/cert.pem` + `DIR/key.pem` where either exists
    /// (the docker CLI drops a default cert or key file that does not exist).
    pub fn in_dir(dir: &Path, verify: bool) -> TlsFiles {
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        TlsFiles {
            ca: dir.join("ca.pem"),
            client: (cert.exists() || key.exists()).then_some((cert, key)),
            verify,
        }
    }
}

/// The files and the client configuration made from them.
#[derive(Clone)]
pub struct Tls {
    pub files: TlsFiles,
    config: Arc<ClientConfig>,
}

impl PartialEq for Tls {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
    }
}

impl Eq for Tls {}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.files.fmt(f)
    }
}

impl Tls {
    /// Reads the PEM files (bounded) and builds the client configuration.
    pub fn load(files: TlsFiles) -> Result<Tls, String> {
        let provider = Arc::new(crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = if files.verify {
            let mut roots = RootCertStore::empty();
            for c in certs(&files.ca)? {
                roots.add(c).map_err(|e| {
                    format!("{}: not a usable CA certificate: {e}", files.ca.display())
                })?;
            }
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
        };
        let config = match &files.client {
            Some((cert, key)) => {
                let chain = certs(cert)?;
                let bytes = read(key)?;
                let key_der = PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
                    format!(
                        "{}: no PEM private key (RSA, EC or PKCS#8): {e}",
                        key.display()
                    )
                })?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| format!("{} with {}: {e}", cert.display(), key.display()))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Tls {
            files,
            config: Arc::new(config),
        })
    }

    /// The TLS handshake on a connected socket; `host` is the name (or IP)
    /// the daemon's certificate must carry.
    pub async fn connect(
        &self,
        host: &str,
        tcp: TcpStream,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    crate::probe::bounded::bytes(path, crate::probe::bounded::MAX_CONFIG)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not PEM certificates: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// `DOCKER_TLS` without `DOCKER_TLS_VERIFY`, or a context's `SkipTLSVerify`:
/// encrypted, the daemon's certificate not checked (Go's InsecureSkipVerify).
/// Signatures are still checked, so the handshake itself is sound.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls error somewhere in `e`'s causes (io errors carry it inside).
pub fn rustls_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r.to_string());
            }
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_material_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let err = Tls::load(TlsFiles::in_dir(d, true)).unwrap_err();
        assert!(
            err.contains("ca.pem") && err.contains("No such file"),
            "{err}"
        );
        std::fs::write(d.join("ca.pem"), "not a certificate\n").unwrap();
        let err = Tls::load(TlsFiles::in_dir(d, true)).unwrap_err();
        assert!(err.contains("no PEM certificate"), "{err}");
        // Without verification ca.pem is not read; a lone cert.pem needs its key.pem.
        assert!(Tls::load(TlsFiles::in_dir(d, false)).is_ok());
        std::fs::write(d.join("cert.pem"), "").unwrap();
        let err = Tls::load(TlsFiles::in_dir(d, false)).unwrap_err();
        assert!(err.contains("cert.pem"), "{err}");
        std::fs::write(d.join("key.pem"), "").unwrap();
        let err = Tls::load(TlsFiles::in_dir(d, false)).unwrap_err();
        assert!(err.contains("cert.pem: no PEM certificate"), "{err}");
    }
}
