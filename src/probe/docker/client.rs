//! A small Docker Engine API client: hyper 1 (HTTP/1.1) over a tokio
//! `UnixStream` (`unix://`), a `TcpStream` (`tcp://`), TLS on TCP (rustls,
//! [`super::tls`]) or an ssh process's pipes ([`super::ssh`]).
//!
//! API (everything async, run it on a tokio runtime, current_thread is fine):
//! - [`Endpoint::parse`] a `DOCKER_HOST`-style URL; `https://`, `npipe://`
//!   and `fd://` give [`ErrorKind::Unsupported`]; [`Endpoint::with_tls`] adds TLS.
//! - [`Client::new`]`(endpoint, budget)`: every call made through the client
//!   ends within `budget` of its creation or fails with [`ErrorKind::Timeout`].
//! - [`Client::negotiate`]: `GET /_ping`, then every later path is prefixed with
//!   `/v<min(daemon API-Version, MAX_API_VERSION)>`, a version the daemon speaks.
//!   Without negotiation (or without the header) paths go unversioned, which
//!   the daemon serves at its own current version.
//! - [`Client::request`]`(method, path, json body, cap)` → [`Response`]: status,
//!   headers, the whole body (at most `cap` bytes, else [`ErrorKind::BadAnswer`]),
//!   and on a unix socket the daemon's [`Peer`] credentials (SO_PEERCRED).
//!   Non-2xx statuses are returned, not errors: see [`Response::success`].
//! - [`Client::stream`]: same, but the body is read chunk by chunk with
//!   [`Streaming::next_chunk`], still bounded by the cap and the deadline
//!   (for `GET /containers/{id}/archive`, `/logs`).
//!
//! One connection per call: calls can run concurrently (`tokio::join!`); over
//! ssh one connection is kept and reused, calls wait for it in turn.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};
use tokio::time::{timeout_at, Instant};

use super::ssh::{self, Spec};
use super::tls::{self, Tls, TlsFiles};

/// The newest API version this client asks for (Engine 29.0 speaks 1.52).
pub const MAX_API_VERSION: (u32, u32) = (1, 52);

/// Why a call failed, for the checks to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The socket file (or its directory) does not exist.
    NoSocket,
    PermissionDenied,
    /// Nothing listens (stale socket file, closed TCP port).
    Refused,
    /// Connected, but no complete answer before the deadline.
    Timeout,
    /// Not HTTP, an error status, a cut or oversized body, or unexpected JSON.
    BadAnswer,
    /// An endpoint this client cannot talk to (npipe, fd, https).
    Unsupported,
    /// The TLS material cannot be used, or the handshake failed.
    Tls,
    /// ssh failed, or the remote `docker system dial-stdio` did.
    Ssh,
    /// Any other connection failure (DNS, unreachable network).
    Connect,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NoSocket => "no_socket",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Refused => "refused",
            ErrorKind::Timeout => "timeout",
            ErrorKind::BadAnswer => "bad_answer",
            ErrorKind::Unsupported => "unsupported_endpoint",
            ErrorKind::Tls => "tls",
            ErrorKind::Ssh => "ssh",
            ErrorKind::Connect => "connect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ClientError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ClientError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp { host: String, port: u16 },
    Tls { host: String, port: u16, tls: Tls },
    Ssh(Spec),
}

impl Endpoint {
    /// Parses `unix:///path`, `tcp://host[:port]` (`http://` alike; default port 2375).
    pub fn parse(url: &str) -> Result<Endpoint, ClientError> {
        let unsupported = |what: &str| {
            ClientError::new(
                ErrorKind::Unsupported,
                format!("{url}: {what} endpoints are not supported yet"),
            )
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            ClientError::new(
                ErrorKind::Unsupported,
                format!("{url}: not a Docker host URL (expected unix:///path or tcp://host:port)"),
            )
        })?;
        match scheme {
            "unix" if rest.starts_with('/') => Ok(Endpoint::Unix(PathBuf::from(rest))),
            "unix" => Err(ClientError::new(
                ErrorKind::Unsupported,
                format!("{url}: a unix socket path must be absolute"),
            )),
            "tcp" | "http" => {
                let authority = rest.split('/').next().unwrap_or_default();
                let (host, port) = match authority.rsplit_once(':') {
                    Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
                        h,
                        p.parse::<u16>().map_err(|_| {
                            ClientError::new(
                                ErrorKind::Unsupported,
                                format!("{url}: bad port '{p}'"),
                            )
                        })?,
                    ),
                    _ => (authority, 2375),
                };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                if host.is_empty() {
                    return Err(ClientError::new(
                        ErrorKind::Unsupported,
                        format!("{url}: no host name"),
                    ));
                }
                Ok(Endpoint::Tcp {
                    host: host.to_owned(),
                    port,
                })
            }
            "ssh" => Spec::parse(rest).map(Endpoint::Ssh).map_err(|e| {
                ClientError::new(
                    ErrorKind::Unsupported,
                    format!("{url}: not a valid ssh URL: {e}"),
                )
            }),
            "https" => Err(unsupported("TLS (https://)")),
            "npipe" => Err(unsupported("Windows named pipe (npipe://)")),
            "fd" => Err(unsupported("systemd socket (fd://)")),
            other => Err(unsupported(&format!("'{other}://'"))),
        }
    }

    pub fn is_unix(&self) -> bool {
        matches!(self, Endpoint::Unix(_))
    }

    /// A `tcp://` endpoint spoken to over TLS with `files`; other kinds are
    /// returned as they are (the docker CLI uses TLS on TCP only).
    pub fn with_tls(self, files: TlsFiles) -> Result<Endpoint, ClientError> {
        match self {
            Endpoint::Tcp { host, port } => {
                let tls = Tls::load(files).map_err(|e| {
                    ClientError::new(
                        ErrorKind::Tls,
                        format!("tcp://{host}:{port}: cannot use the TLS material: {e}"),
                    )
                })?;
                Ok(Endpoint::Tls { host, port, tls })
            }
            other => Ok(other),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            Endpoint::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Endpoint::Tls { host, port, tls } => {
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                let how = if tls.files.verify {
                    "TLS, daemon verified"
                } else {
                    "TLS, daemon not verified"
                };
                write!(f, "tcp://{host}:{port} ({how})")
            }
            Endpoint::Ssh(spec) => spec.fmt(f),
        }
    }
}

/// The process at the other end of a unix socket (SO_PEERCRED), pid as seen
/// from this process's pid namespace (`None` when not visible).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub pid: Option<i32>,
    pub uid: u32,
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub peer: Option<Peer>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The response itself for 2xx, else a [`ErrorKind::BadAnswer`] with the daemon's message.
    pub fn success(self, what: &str) -> Result<Response, ClientError> {
        if self.status.is_success() {
            return Ok(self);
        }
        Err(ClientError::new(
            ErrorKind::BadAnswer,
            format!(
                "{what}: the daemon answered {}: {}",
                self.status,
                daemon_message(&self.body)
            ),
        ))
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ClientError::new(
                ErrorKind::BadAnswer,
                format!("{what}: not the JSON the Engine API documents: {e}"),
            )
        })
    }
}

/// The Engine API's error body is `{"message": "..."}`; anything else is shown shortened.
fn daemon_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Msg {
        message: String,
    }
    match serde_json::from_slice::<Msg>(body) {
        Ok(m) => m.message,
        Err(_) => {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
            let text = text.trim();
            if text.is_empty() {
                "(empty body)".to_owned()
            } else {
                text.to_owned()
            }
        }
    }
}

/// A response whose body is read on demand.
pub struct Streaming {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub peer: Option<Peer>,
    body: Incoming,
    cap: usize,
    seen: usize,
    deadline: Instant,
    budget: Duration,
    what: String,
}

impl Streaming {
    /// The next data chunk, `None` at the end; fails past the cap or the deadline.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, ClientError> {
        loop {
            let frame = timeout_at(self.deadline, self.body.frame())
                .await
                .map_err(|_| timeout_error(&self.what, self.budget))?;
            let Some(frame) = frame else { return Ok(None) };
            let frame = frame.map_err(|e| body_error(&self.what, &e))?;
            if let Ok(data) = frame.into_data() {
                self.seen += data.len();
                if self.seen > self.cap {
                    return Err(too_large(&self.what, self.cap));
                }
                return Ok(Some(data));
            }
        }
    }
}

/// Cloned, it keeps the deadline: a second thread's calls end by it too.
#[derive(Clone)]
pub struct Client {
    endpoint: Endpoint,
    deadline: Instant,
    budget: Duration,
    api_version: Option<String>,
    /// An ssh connection kept for the next call (clones share it): one ssh
    /// login per run, not one per call; the docker CLI keeps its connection too.
    ssh_kept: Arc<tokio::sync::Mutex<Option<Sender>>>,
}

impl Client {
    /// Every call made through it (and its clones) ends within `budget` from now.
    pub fn new(endpoint: Endpoint, budget: Duration) -> Self {
        Client::until(endpoint, std::time::Instant::now() + budget, budget)
    }

    /// Every call ends by `deadline`: one shared by a whole run, so probes
    /// made one after the other do not each get `budget` (named in errors).
    pub fn until(endpoint: Endpoint, deadline: std::time::Instant, budget: Duration) -> Self {
        Client {
            endpoint,
            deadline: Instant::from_std(deadline),
            budget,
            api_version: None,
            ssh_kept: Arc::default(),
        }
    }

    /// A clone whose calls end by `until` instead (clean-up's grace); it
    /// shares the negotiated version and the kept ssh connection.
    pub fn until_with(&self, until: std::time::Instant) -> Client {
        let mut c = self.clone();
        c.deadline = Instant::from_std(until);
        c.budget = until.saturating_duration_since(std::time::Instant::now());
        c
    }

    /// When every call made through it ends.
    pub fn deadline(&self) -> std::time::Instant {
        self.deadline.into_std()
    }

    /// Speaks the version another client negotiated.
    pub fn set_api_version(&mut self, v: Option<&str>) {
        self.api_version = v.map(str::to_owned);
    }

    /// `--timeout`, as errors name it.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The version paths are prefixed with, once negotiated.
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// `GET /_ping`; adopts `min(API-Version, MAX_API_VERSION)` for later calls.
    pub async fn negotiate(&mut self) -> Result<Response, ClientError> {
        let ping = self
            .request(Method::GET, "/_ping", None, 4096)
            .await?
            .success("GET /_ping")?;
        self.api_version = ping
            .header("api-version")
            .and_then(parse_api_version)
            .map(|v| v.min(MAX_API_VERSION))
            .map(|(a, b)| format!("{a}.{b}"));
        Ok(ping)
    }

    fn url(&self, path: &str) -> String {
        match &self.api_version {
            Some(v) => format!("/v{v}{path}"),
            _ => path.to_owned(),
        }
    }

    /// One call, the whole body collected (at most `cap` bytes).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        json: Option<Bytes>,
        cap: usize,
    ) -> Result<Response, ClientError> {
        let mut s = self.stream(method, path, json, cap).await?;
        let mut body = BytesMut::new();
        while let Some(chunk) = s.next_chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status: s.status,
            headers: s.headers,
            body: body.freeze(),
            peer: s.peer,
        })
    }

    /// One call; the body is left to [`Streaming::next_chunk`].
    pub async fn stream(
        &self,
        method: Method,
        path: &str,
        json: Option<Bytes>,
        cap: usize,
    ) -> Result<Streaming, ClientError> {
        let what = format!("{method} {path}");
        let head = async {
            let mut stderr = None;
            // The kept ssh connection, locked until this request's answer starts.
            let mut keep = None;
            let (sender, peer) = match &self.endpoint {
                Endpoint::Unix(p) => {
                    let s = UnixStream::connect(p)
                        .await
                        .map_err(|e| connect_error(&self.endpoint, &e))?;
                    let peer = s.peer_cred().ok().map(|c| Peer {
                        pid: c.pid().filter(|p| *p > 0),
                        uid: c.uid(),
                    });
                    (handshake(s, &what).await?, peer)
                }
                Endpoint::Tcp { host, port } => {
                    let s = TcpStream::connect((host.as_str(), *port))
                        .await
                        .map_err(|e| connect_error(&self.endpoint, &e))?;
                    (handshake(s, &what).await?, None)
                }
                Endpoint::Tls { host, port, tls } => {
                    let s = TcpStream::connect((host.as_str(), *port))
                        .await
                        .map_err(|e| connect_error(&self.endpoint, &e))?;
                    let s = tls.connect(host, s).await.map_err(|e| {
                        ClientError::new(
                            ErrorKind::Tls,
                            format!(
                                "TLS handshake with {} failed: {}",
                                self.endpoint,
                                tls::rustls_cause(&e).unwrap_or_else(|| e.to_string())
                            ),
                        )
                    })?;
                    (handshake(s, &what).await?, None)
                }
                Endpoint::Ssh(spec) => {
                    let mut kept = self.ssh_kept.lock().await;
                    let reused = match kept.take() {
                        // Busy with a body nobody reads yet: a new connection, not a wait.
                        Some(mut s) if !s.is_closed() => {
                            match tokio::time::timeout(Duration::from_millis(200), s.ready()).await
                            {
                                Ok(Ok(())) => Some(s),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    let sender = match reused {
                        Some(s) => s,
                        None => {
                            let (s, err) = ssh::spawn(spec, self.budget).map_err(|e| {
                                ClientError::new(
                                    ErrorKind::Ssh,
                                    format!("cannot start ssh for {}: {e}", self.endpoint),
                                )
                            })?;
                            stderr = Some(err);
                            handshake(s, &what).await?
                        }
                    };
                    keep = Some(kept);
                    (sender, None)
                }
            };
            let req = self.build(method.clone(), path, json)?;
            let mut sender = sender;
            match sender.send_request(req).await {
                Ok(resp) => {
                    if let Some(mut kept) = keep {
                        *kept = Some(sender);
                    }
                    Ok::<_, ClientError>((resp, peer))
                }
                Err(e) => Err(self.send_error(&what, &e, stderr.take()).await),
            }
        };
        let (resp, peer) = timeout_at(self.deadline, head)
            .await
            .map_err(|_| timeout_error(&what, self.budget))??;
        if let Some(len) = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        {
            if len > cap as u64 {
                return Err(too_large(&what, cap));
            }
        }
        let (parts, body) = resp.into_parts();
        Ok(Streaming {
            status: parts.status,
            headers: parts.headers,
            peer,
            body,
            cap,
            seen: 0,
            deadline: self.deadline,
            budget: self.budget,
            what,
        })
    }

    fn build(
        &self,
        method: Method,
        path: &str,
        json: Option<Bytes>,
    ) -> Result<Request<Full<Bytes>>, ClientError> {
        let host = match &self.endpoint {
            Endpoint::Unix(_) | Endpoint::Ssh(_) => "localhost".to_owned(),
            Endpoint::Tcp { host, port } | Endpoint::Tls { host, port, .. } => {
                format!("{host}:{port}")
            }
        };
        let mut b = Request::builder()
            .method(method)
            .uri(self.url(path))
            .header(
                HOST,
                HeaderValue::from_str(&host).unwrap_or(HeaderValue::from_static("localhost")),
            )
            .header(
                "user-agent",
                concat!("sdctr-doctor/", env!("CARGO_PKG_VERSION")),
            );
        if json.is_some() {
            b = b.header(CONTENT_TYPE, "application/json");
        }
        b.body(Full::new(json.unwrap_or_default())).map_err(|e| {
            ClientError::new(
                ErrorKind::BadAnswer,
                format!("bad request path {path}: {e}"),
            )
        })
    }
}

impl Client {
    /// Why a request got no answer: over TLS a rustls error, over ssh what
    /// ssh said on stderr, else not HTTP.
    async fn send_error(
        &self,
        what: &str,
        e: &hyper::Error,
        stderr: Option<tokio::task::JoinHandle<String>>,
    ) -> ClientError {
        match &self.endpoint {
            Endpoint::Tls { .. } => {
                if let Some(cause) = tls::rustls_cause(e) {
                    return ClientError::new(
                        ErrorKind::Tls,
                        format!("{what}: TLS with {} failed: {cause}", self.endpoint),
                    );
                }
            }
            Endpoint::Ssh(_) => {
                // ssh has ended or is about to: its stderr closes then.
                let said = match stderr {
                    Some(h) => timeout_at(
                        self.deadline.min(Instant::now() + Duration::from_secs(2)),
                        h,
                    )
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_default(),
                    None => String::new(),
                };
                let said = if said.is_empty() {
                    "(ssh printed nothing)".to_owned()
                } else {
                    said.lines().collect::<Vec<_>>().join(" / ")
                };
                return ClientError::new(
                    ErrorKind::Ssh,
                    format!(
                        "{what}: no answer through {} (ssh … docker system dial-stdio): {said}",
                        self.endpoint
                    ),
                );
            }
            _ => {}
        }
        ClientError::new(
            ErrorKind::BadAnswer,
            format!(
                "{what}: not an HTTP answer from {}: {}",
                self.endpoint,
                chain(e)
            ),
        )
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn handshake<S>(stream: S, what: &str) -> Result<Sender, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| ClientError::new(ErrorKind::Connect, format!("{what}: {}", chain(&e))))?;
    // The connection task ends when the response is read or the runtime stops.
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// "1.41" → (1, 41).
pub fn parse_api_version(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn connect_error(ep: &Endpoint, e: &std::io::Error) -> ClientError {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::NotFound => ErrorKind::NoSocket,
        K::PermissionDenied => ErrorKind::PermissionDenied,
        K::ConnectionRefused => ErrorKind::Refused,
        _ => ErrorKind::Connect,
    };
    let what = match kind {
        ErrorKind::NoSocket => "no such socket".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::Refused => "connection refused (nothing listens there)".to_owned(),
        _ => e.to_string(),
    };
    ClientError::new(kind, format!("cannot connect to {ep}: {what}"))
}

fn timeout_error(what: &str, budget: Duration) -> ClientError {
    ClientError::new(
        ErrorKind::Timeout,
        format!(
            "{what}: no complete answer within {:.1} s (the daemon accepted but did not answer)",
            budget.as_secs_f64()
        ),
    )
}

fn too_large(what: &str, cap: usize) -> ClientError {
    ClientError::new(
        ErrorKind::BadAnswer,
        format!("{what}: the answer is larger than {cap} bytes; refusing to read more"),
    )
}

fn body_error(what: &str, e: &hyper::Error) -> ClientError {
    ClientError::new(
        ErrorKind::BadAnswer,
        format!("{what}: the answer broke off: {}", chain(e)),
    )
}

/// An error with its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// The current-thread runtime every docker probe runs its requests on.
pub fn runtime() -> Result<tokio::runtime::Runtime, ClientError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            ClientError::new(
                ErrorKind::Connect,
                format!("cannot start the I/O runtime: {e}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("unix:///var/run/docker.sock").unwrap(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            Endpoint::parse("tcp://10.0.0.2:2375").unwrap().to_string(),
            "tcp://10.0.0.2:2375"
        );
        assert_eq!(
            Endpoint::parse("tcp://dockerhost").unwrap(),
            Endpoint::Tcp {
                host: "dockerhost".into(),
                port: 2375
            }
        );
        assert_eq!(
            Endpoint::parse("tcp://[::1]:2375").unwrap().to_string(),
            "tcp://[::1]:2375"
        );
        assert_eq!(
            Endpoint::parse("ssh://me@host:2222").unwrap().to_string(),
            "ssh://me@host:2222"
        );
        for (url, word) in [
            ("ssh://me:pw@host", "password"),
            ("https://host:2376", "TLS"),
            ("npipe:////./pipe/docker_engine", "named pipe"),
            ("/var/run/docker.sock", "not a Docker host URL"),
        ] {
            let e = Endpoint::parse(url).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Unsupported);
            assert!(e.message.contains(word), "{}", e.message);
        }
    }

    #[test]
    fn api_versions() {
        assert_eq!(parse_api_version("1.41"), Some((1, 41)));
        assert_eq!(parse_api_version("1.52\r"), Some((1, 52)));
        assert_eq!(parse_api_version("x"), None);
        assert!((1, 53).min(MAX_API_VERSION) == MAX_API_VERSION);
    }

    #[test]
    fn daemon_messages() {
        assert_eq!(
            daemon_message(br#"{"message":"page not found"}"#),
            "page not found"
        );
        assert_eq!(daemon_message(b""), "(empty body)");
    }
}
