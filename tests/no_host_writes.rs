//! Proof that the doctor never writes the host. Each front end runs under
//! `strace -ff -y`: any open for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
//! O_TMPFILE), any mkdir, unlink, rename, link, chmod, chown, truncate,
//! utime, xattr change, mknod or mount fails the test, unless it lands in the
//! doctor's own output (capture's DIR) or on /dev/null or /dev/tty. Pipes,
//! sockets, eventfd and epoll are not file writes and are not traced.
//!
//! Each run is made twice: straight at the daemon (the faithful run: the
//! doctor reads the daemon's own process, config and layer directories), and
//! through a recording proxy socket that logs every Engine API request. The
//! only requests that change anything may be: `POST /containers/create` of a
//! labelled probe container, the `DELETE` of that container, and — in
//! `container NAME` only, on the running container the test started —
//! `POST /containers/{it}/exec` of `systemctl` and `POST /exec/{id}/start`.
//! Never a `start`.
//!
//! Under CI=true a missing strace or daemon fails; otherwise the tests skip,
//! saying why. The harness checks itself: a shell's `echo x > FILE` must be
//! caught, and the API check must refuse a `start`.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use common::{can_run, docker};

const IMAGE: &str = "sdctr-test/bookworm-systemd";
const PROBE_LABEL: &str = "sdctr-doctor.probe";
const PROBE_PREFIX: &str = "sdctr-doctor-probe-";

/// `%file` (every call that takes a path) plus the fd-based calls that change
/// a file or mount something; `?`: a name this strace or arch lacks is no error.
const TRACE: &str = "%file,?fchmod,?fchown,?ftruncate,?fallocate,?fsetxattr,?fremovexattr,\
?fchdir,?mount_setattr,?move_mount,?fsmount,?fsopen,?fsconfig,?open_tree,?fchmodat2";

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------- strace output

/// One traced system call: `name(args) = ret`.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    name: String,
    args: Vec<String>,
    ret: String,
    line: String,
}

/// Parses one line of `strace -ff -y` output (no pid prefix). `None` for a line
/// that is not a complete call.
fn parse_call(line: &str) -> Option<Call> {
    let open = line.find('(')?;
    let name = &line[..open];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let (args, rest) = split_args(&line[open + 1..])?;
    let ret = rest.trim_start().strip_prefix('=')?.trim().to_owned();
    Some(Call {
        name: name.to_owned(),
        args,
        ret,
        line: line.to_owned(),
    })
}

/// Splits `a, "b,c", {x=1, y=2}, 3</p>) = 0` at its top-level commas up to
/// the closing parenthesis; returns the arguments and what follows it.
fn split_args(s: &str) -> Option<(Vec<String>, &str)> {
    let mut args = Vec::new();
    let mut stack: Vec<char> = Vec::new();
    let mut in_quote = false;
    let mut escaped = false;
    let mut start = 0;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
            prev = c;
            continue;
        }
        match c {
            '"' => in_quote = true,
            '(' | '[' | '{' => stack.push(c),
            // `-y` decorates an fd with its path: `3</p>`, `AT_FDCWD</p>`.
            '<' if prev.is_ascii_digit() || prev == 'D' => stack.push(c),
            '>' if stack.last() == Some(&'<') => {
                stack.pop();
            }
            ')' | ']' | '}' if !stack.is_empty() => {
                stack.pop();
            }
            ')' => {
                let last = s[start..i].trim();
                if !last.is_empty() || !args.is_empty() {
                    args.push(last.to_owned());
                }
                return Some((args, &s[i + 1..]));
            }
            ',' if stack.is_empty() => {
                args.push(s[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Undoes strace's C escapes (`\"`, `\\`, `\n`, `\xHH`, octal).
fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(0x0b),
            b'f' => out.push(0x0c),
            b'x' => {
                let hex = std::str::from_utf8(&b[i..(i + 2).min(b.len())]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += hex.len();
            }
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A quoted path argument; `None` when strace cut it (`"…"...`) or it is not a string.
fn path_arg(arg: &str) -> Option<String> {
    let inner = arg.strip_prefix('"')?.strip_suffix('"')?;
    Some(unescape(inner))
}

/// The path `-y` printed for an fd (`3</etc/x>`, `AT_FDCWD</work>`).
fn fd_path(arg: &str) -> Option<String> {
    let open = arg.find('<')?;
    let inner = arg[open + 1..].strip_suffix('>')?;
    Some(unescape(inner))
}

/// True when open flags (`O_WRONLY|O_CREAT|O_CLOEXEC`, or a number) ask for writing.
fn open_flags_write(flags: &str) -> bool {
    let mut bits: u64 = 0;
    let mut write = false;
    for tok in flags.split('|').map(str::trim) {
        match tok {
            "O_WRONLY" | "O_RDWR" | "O_ACCMODE" | "O_CREAT" | "O_TRUNC" | "O_TMPFILE"
            | "__O_TMPFILE" => write = true,
            t if t.starts_with("0x") => {
                bits |= u64::from_str_radix(&t[2..], 16).unwrap_or(u64::MAX)
            }
            t if t.len() > 1 && t.starts_with('0') => {
                bits |= u64::from_str_radix(&t[1..], 8).unwrap_or(u64::MAX)
            }
            t if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) => {
                bits |= t.parse::<u64>().unwrap_or(u64::MAX)
            }
            _ => {}
        }
    }
    // O_ACCMODE, O_CREAT, O_TRUNC, __O_TMPFILE on Linux.
    write || bits & (0o3 | 0o100 | 0o1000 | 0o20000000) != 0
}

/// The `flags=` member of openat2's `struct open_how`.
fn open_how_flags(arg: &str) -> &str {
    arg.trim_start_matches('{')
        .trim_end_matches('}')
        .split(", ")
        .find_map(|m| m.strip_prefix("flags="))
        .unwrap_or("0xffffffff")
}

/// `path` resolved against an `*at` call's directory fd; `None` when unknown.
fn resolve(dirfd: Option<&str>, path: Option<String>, cwd: &Path) -> Option<PathBuf> {
    let path = path?;
    let joined = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        let base = match dirfd {
            Some(fd) => PathBuf::from(fd_path(fd)?),
            None => cwd.to_path_buf(),
        };
        if path.is_empty() {
            base
        } else {
            base.join(path)
        }
    };
    normal(&joined)
}

/// Drops `.` components; a `..` makes the path unknown (it could climb out
/// of an allowed directory through a symlink).
fn normal(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// What a call writes: `None` if it writes nothing, else its targets (an
/// unknown target is `None` and never allowed).
fn writes(c: &Call, cwd: &Path) -> Option<Vec<Option<PathBuf>>> {
    let a = |i: usize| c.args.get(i).map(String::as_str);
    let p = |i: usize| a(i).and_then(path_arg);
    // An fd-returning open that succeeded: the file it really opened.
    let opened = || fd_path(&c.ret).and_then(|p| normal(Path::new(&p)));
    let at = |fd: usize, path: usize| resolve(a(fd), p(path), cwd);
    let plain = |path: usize| resolve(None, p(path), cwd);
    let fd = |i: usize| a(i).and_then(fd_path).and_then(|p| normal(Path::new(&p)));
    let t = match c.name.as_str() {
        "open" if open_flags_write(a(1)?) => vec![opened().or_else(|| plain(0))],
        "openat" if open_flags_write(a(2)?) => vec![opened().or_else(|| at(0, 1))],
        "openat2" if open_flags_write(open_how_flags(a(2)?)) => {
            vec![opened().or_else(|| at(0, 1))]
        }
        "open_by_handle_at" if open_flags_write(a(2)?) => vec![opened()],
        "creat" => vec![opened().or_else(|| plain(0))],
        "mkdir" | "rmdir" | "unlink" | "chmod" | "chown" | "lchown" | "truncate" | "utime"
        | "utimes" | "setxattr" | "lsetxattr" | "removexattr" | "lremovexattr" | "mknod" => {
            vec![plain(0)]
        }
        "mkdirat" | "unlinkat" | "fchmodat" | "fchmodat2" | "fchownat" | "mknodat"
        | "futimesat" => vec![at(0, 1)],
        // utimensat(fd, NULL, …) changes the fd's own file.
        "utimensat" if a(1) == Some("NULL") => vec![fd(0)],
        "utimensat" => vec![at(0, 1)],
        "rename" => vec![plain(0), plain(1)],
        "link" => vec![plain(1)],
        "symlink" => vec![plain(1)],
        "renameat" | "renameat2" => vec![at(0, 1), at(2, 3)],
        "linkat" => vec![at(2, 3)],
        "symlinkat" => vec![at(1, 2)],
        "fchmod" | "fchown" | "ftruncate" | "fallocate" | "fsetxattr" | "fremovexattr" => {
            vec![fd(0)]
        }
        // Never the doctor's business, wherever they point.
        "mount" | "umount" | "umount2" | "mount_setattr" | "move_mount" | "fsmount" | "fsopen"
        | "fsconfig" | "open_tree" | "pivot_root" | "chroot" | "swapon" | "swapoff" | "acct"
        | "quotactl" => vec![None],
        _ => return None,
    };
    Some(t)
}

fn allowed(target: &Path, own_output: &[PathBuf]) -> bool {
    target == Path::new("/dev/null")
        || target == Path::new("/dev/tty")
        || own_output.iter().any(|d| target.starts_with(d))
        || in_flight_marker(target)
}

/// The one place the doctor writes outside its output: while the archive
/// reader's create of a probe container is in flight, an empty marker named
/// after it in `$TMPDIR/sdctr-doctor-creating/` (so that a run killed with
/// SIGKILL still gets its container removed by the next run), removed when
/// the create is answered.
fn in_flight_marker(target: &Path) -> bool {
    let dir = std::env::temp_dir().join("sdctr-doctor-creating");
    target == dir
        || (target.parent() == Some(dir.as_path())
            && target
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("sdctr-doctor-probe-")))
}

#[derive(Debug, Default)]
struct Verdict {
    /// Every parsed call.
    calls: Vec<Call>,
    /// Writes outside the doctor's own output.
    forbidden: Vec<String>,
    /// Writes into its own output.
    own: Vec<String>,
    /// Lines that are not a complete call.
    unparsed: Vec<String>,
}

/// Judges the lines of one `-ff` output file (one process or thread, so no
/// interleaving; a split `<unfinished ...>` / `resumed>` pair is joined anyway).
fn judge_lines(text: &str, cwd: &Path, own_output: &[PathBuf], v: &mut Verdict) {
    let mut pending: Option<String> = None;
    for raw in text.lines() {
        let line = if let Some(head) = raw.strip_suffix(" <unfinished ...>") {
            pending = Some(head.to_owned());
            continue;
        } else if let Some(rest) = raw.strip_prefix("<... ") {
            let Some((_, tail)) = rest.split_once(" resumed>") else {
                v.unparsed.push(raw.to_owned());
                continue;
            };
            match pending.take() {
                Some(head) => format!("{head}{tail}"),
                None => {
                    v.unparsed.push(raw.to_owned());
                    continue;
                }
            }
        } else {
            raw.to_owned()
        };
        let Some(call) = parse_call(&line) else {
            v.unparsed.push(line);
            continue;
        };
        if let Some(targets) = writes(&call, cwd) {
            let ok = targets
                .iter()
                .all(|t| t.as_deref().is_some_and(|t| allowed(t, own_output)));
            let shown = format!(
                "{} [target {}]",
                call.line,
                targets
                    .iter()
                    .map(|t| t
                        .as_ref()
                        .map_or("unknown".to_owned(), |t| t.display().to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if ok {
                v.own.push(shown);
            } else {
                v.forbidden.push(shown);
            }
        }
        v.calls.push(call);
    }
    if let Some(head) = pending {
        v.unparsed.push(format!("{head} <unfinished ...>"));
    }
}

// ---------------------------------------------------------------- running under strace

fn strace_missing() -> Option<String> {
    match Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "-e", "trace=%file", "true"])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "strace cannot trace here: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!(
            "strace is not installed ({e}); .ci/run installs it"
        )),
    }
}

fn daemon_missing() -> Option<String> {
    match (
        docker(&["version", "-f", "{{.Server.Version}}"]),
        docker(&["image", "inspect", "-f", "{{.Id}}", IMAGE]),
    ) {
        ((false, e), _) => Some(format!("no Docker daemon answers: {e}")),
        (_, (false, e)) => Some(format!("{e} (run scripts/build-test-images.sh)")),
        _ => None,
    }
}

fn ready(needs_daemon: bool) -> bool {
    can_run(strace_missing().or_else(|| needs_daemon.then(daemon_missing).flatten()))
}

struct Traced {
    out: Output,
    verdict: Verdict,
}

/// Runs `program args` under strace in `cwd`; `own_output` are the
/// directories it may write (canonical paths).
fn traced(program: &Path, args: &[String], cwd: &Path, own_output: &[PathBuf]) -> Traced {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("t");
    let out = Command::new("strace")
        .args(["-ff", "-qq", "-y", "-s", "512", "-e", "signal=none"])
        .arg("-e")
        .arg(format!("trace={TRACE}"))
        .arg("-o")
        .arg(&prefix)
        .arg("--")
        .arg(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("strace runs");
    let mut verdict = Verdict::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "strace wrote no trace: {out:?}");
    for f in files {
        let text = std::fs::read(&f).unwrap();
        judge_lines(
            &String::from_utf8_lossy(&text),
            cwd,
            own_output,
            &mut verdict,
        );
    }
    Traced { out, verdict }
}

// ---------------------------------------------------------------- recording proxy

#[derive(Debug, Clone)]
struct Request {
    method: String,
    target: String,
    body: Vec<u8>,
}

impl Request {
    /// The path without `/v1.NN` and the query.
    fn path(&self) -> &str {
        let p = self.target.split('?').next().unwrap_or("");
        match p.strip_prefix("/v") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
                rest.find('/').map_or(p, |i| &rest[i..])
            }
            _ => p,
        }
    }

    fn query(&self, key: &str) -> Option<&str> {
        let q = self.target.split_once('?')?.1;
        q.split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }
}

/// A unix socket that forwards to the daemon and records each HTTP request.
struct Proxy {
    socket: PathBuf,
    log: Arc<Mutex<Vec<Request>>>,
    _dir: tempfile::TempDir,
}

fn upstream_socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

impl Proxy {
    fn start() -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream_socket();
        let l = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { return };
                let (l, upstream) = (l.clone(), upstream.clone());
                std::thread::spawn(move || relay(client, &upstream, &l));
            }
        });
        Proxy {
            socket,
            log,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

fn relay(mut client: UnixStream, upstream: &Path, log: &Mutex<Vec<Request>>) {
    let Ok(mut daemon) = UnixStream::connect(upstream) else {
        return;
    };
    let (mut c2, mut d2) = (client.try_clone().unwrap(), daemon.try_clone().unwrap());
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut d2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Write);
    });
    let mut parser = HttpRequests::default();
    let mut buf = [0u8; 64 << 10];
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Recorded before the daemon sees the request's last byte, so before
        // the doctor can have its answer.
        for r in parser.feed(&buf[..n]) {
            log.lock().unwrap().push(r);
        }
        if daemon.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = daemon.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
}

/// HTTP/1.1 requests out of a client's byte stream (Content-Length or chunked bodies).
#[derive(Default)]
struct HttpRequests {
    pending: Vec<u8>,
    /// After an upgrade or something that is not HTTP: no more parsing.
    raw: bool,
}

impl HttpRequests {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Request> {
        let mut out = Vec::new();
        if self.raw {
            return out;
        }
        self.pending.extend_from_slice(bytes);
        while let Some((req, used, upgrade)) = self.one() {
            self.pending.drain(..used);
            out.push(req);
            if upgrade {
                self.raw = true;
                break;
            }
        }
        out
    }

    /// The first complete request: (request, bytes used, switches protocol).
    fn one(&mut self) -> Option<(Request, usize, bool)> {
        let end = self.pending.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let head = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
        if method.is_empty() || !method.chars().all(|c| c.is_ascii_uppercase()) {
            self.raw = true;
            let req = Request {
                method: "NOT-HTTP".into(),
                target: head.clone(),
                body: vec![],
            };
            return Some((req, self.pending.len(), true));
        }
        let mut length = 0usize;
        let mut chunked = false;
        let mut upgrade = false;
        for h in lines {
            let Some((k, v)) = h.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
            match k.as_str() {
                "content-length" => length = v.parse().unwrap_or(0),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "upgrade" => upgrade = true,
                _ => {}
            }
        }
        let (body, used) = if chunked {
            dechunk(&self.pending[end..]).map(|(b, n)| (b, end + n))?
        } else if self.pending.len() >= end + length {
            (self.pending[end..end + length].to_vec(), end + length)
        } else {
            return None;
        };
        let req = Request {
            method: method.to_owned(),
            target: target.to_owned(),
            body,
        };
        Some((req, used, upgrade))
    }
}

/// A complete chunked body: (body, bytes used).
fn dechunk(b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut i = 0;
    loop {
        let eol = b[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let size = std::str::from_utf8(&b[i..eol]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        i = eol + 2;
        if size == 0 {
            // Trailers end with an empty line.
            let end = b[i..].windows(2).position(|w| w == b"\r\n")?;
            if end == 0 {
                return Some((body, i + 2));
            }
            let rest = b[i..].windows(4).position(|w| w == b"\r\n\r\n")?;
            return Some((body, i + rest + 4));
        }
        if b.len() < i + size + 2 {
            return None;
        }
        body.extend_from_slice(&b[i..i + size]);
        i += size + 2;
    }
}

/// What the Engine API log may contain; returns what it should not.
fn api_problems(reqs: &[Request], exec_in: Option<&[String]>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut created: Vec<String> = Vec::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut execs = 0usize;
    for r in reqs {
        let path = r.path();
        let what = format!("{} {}", r.method, r.target);
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (r.method.as_str(), segs.as_slice()) {
            ("GET" | "HEAD", _) => {}
            ("POST", ["containers", "create"]) => {
                let name = r.query("name").unwrap_or("");
                if !name.starts_with(PROBE_PREFIX) {
                    problems.push(format!("{what}: not named {PROBE_PREFIX}…"));
                }
                let body: serde_json::Value =
                    serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null);
                if body["Labels"][PROBE_LABEL] != "1" {
                    problems.push(format!("{what}: no {PROBE_LABEL}=1 label"));
                }
                let host = body["HostConfig"].as_object().cloned().unwrap_or_default();
                if host.keys().any(|k| k != "NetworkMode") || body["NetworkDisabled"] != true {
                    problems.push(format!(
                        "{what}: more than a network-less container: {body}"
                    ));
                }
                created.push(name.to_owned());
            }
            ("DELETE", ["containers", name]) => {
                // Its own probe containers, or ones a dead run left (the sweep).
                if !created.iter().any(|c| c == name) && !name.starts_with(PROBE_PREFIX) {
                    problems.push(format!("{what}: not a probe container"));
                }
                deleted.insert((*name).to_owned());
            }
            ("POST", ["containers", target, "exec"]) => {
                let body: serde_json::Value =
                    serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null);
                match exec_in {
                    Some(ours) if ours.iter().any(|o| o == target) => {}
                    _ => problems.push(format!("{what}: exec outside `container` on its target")),
                }
                // systemctl, or systemctl bounded by coreutils' timeout.
                let cmd: Vec<&str> = body["Cmd"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|w| w.as_str()).collect())
                    .unwrap_or_default();
                let runs = match cmd.first() {
                    Some(&"timeout") => cmd
                        .iter()
                        .find(|w| {
                            !w.starts_with('-') && w.parse::<f64>().is_err() && **w != "timeout"
                        })
                        .copied(),
                    first => first.copied(),
                };
                if runs != Some("systemctl") {
                    problems.push(format!("{what}: runs {} (not systemctl)", body["Cmd"]));
                }
                execs += 1;
            }
            ("POST", ["exec", _, "start"]) if exec_in.is_some() && execs > 0 => {}
            _ => problems.push(format!("{what}: changes something")),
        }
    }
    for c in created {
        if !deleted.contains(&c) {
            problems.push(format!("probe container {c} created and never removed"));
        }
    }
    problems
}

// ---------------------------------------------------------------- one scenario

struct Scenario<'a> {
    args: Vec<String>,
    /// The running container `container NAME` may exec in (its name and id).
    exec_in: Option<&'a [String]>,
    /// `capture DIR`: the argument is a fresh directory per run (appended).
    capture: bool,
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

/// Runs the scenario straight at the daemon and through the recording
/// proxy, both under strace; returns the proxied run's Engine API log.
fn check(s: &Scenario) -> Vec<Request> {
    let bin = Path::new(env!("CARGO_BIN_EXE_sdctr-doctor"));
    let mut report = Vec::new();
    let mut requests = Vec::new();
    for proxied in [false, true] {
        let proxy = proxied.then(Proxy::start);
        let out_dir = tempfile::tempdir().unwrap();
        let out_dir_path = out_dir.path().canonicalize().unwrap();
        let mut argv = Vec::new();
        if let Some(p) = &proxy {
            argv.push(format!("--docker-host={}", p.url()));
        }
        argv.extend(s.args.iter().cloned());
        let mut own = Vec::new();
        if s.capture {
            let dir = out_dir_path.join("host");
            argv.push(dir.display().to_string());
            own.push(dir);
        }
        let t = traced(bin, &argv, manifest(), &own);
        let label = format!(
            "sdctr-doctor {}{}",
            argv.join(" "),
            if proxied { " (through the proxy)" } else { "" }
        );
        let code = t.out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{label}: exit {code:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&t.out.stdout),
            String::from_utf8_lossy(&t.out.stderr)
        );
        let v = &t.verdict;
        assert!(
            v.unparsed.is_empty(),
            "{label}: strace lines not understood:\n{}",
            v.unparsed.join("\n")
        );
        // The tracer saw the doctor itself: its exec and its reads.
        assert!(
            v.calls.iter().any(|c| c.name == "execve"
                && c.args.first().and_then(|a| path_arg(a)).as_deref()
                    == Some(&*bin.display().to_string())),
            "{label}: no execve of the doctor in the trace"
        );
        assert!(
            v.calls
                .iter()
                .filter(|c| c.name.starts_with("open"))
                .count()
                > 5,
            "{label}: too few opens traced"
        );
        assert!(
            v.forbidden.is_empty(),
            "{label} writes the host:\n{}",
            v.forbidden.join("\n")
        );
        if s.capture {
            assert!(
                v.own.iter().any(|w| w.contains("mountinfo")),
                "{label}: the capture's own writes were not seen:\n{}",
                v.own.join("\n")
            );
        }
        report.push(format!(
            "{label}: {} calls traced, {} writes into its own output, none elsewhere",
            v.calls.len(),
            v.own.len()
        ));
        if let Some(p) = proxy {
            requests = p.requests();
            let problems = api_problems(&requests, s.exec_in);
            assert!(
                problems.is_empty(),
                "{label}: Engine API calls it must not make:\n{}\nall calls:\n{}",
                problems.join("\n"),
                show(&requests)
            );
            report.push(format!("Engine API calls:\n{}", show(&requests)));
        }
    }
    eprintln!("{}", report.join("\n"));
    requests
}

fn show(reqs: &[Request]) -> String {
    reqs.iter()
        .map(|r| format!("  {} {}", r.method, r.target))
        .collect::<Vec<_>>()
        .join("\n")
}

fn simple(a: &[&str]) -> Scenario<'static> {
    Scenario {
        args: args(a),
        exec_in: None,
        capture: false,
    }
}

fn fixture(rel: &str) -> String {
    manifest().join(rel).display().to_string()
}

// ---------------------------------------------------------------- the harness checks itself

#[test]
fn strace_catches_a_shell_writing_a_file() {
    if !ready(false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let file = dir.join("written");
    let script = format!(
        "echo x > {f}; echo y >/dev/null; mkdir {d}; mv {f} {d}/moved; rm -r {d}",
        f = file.display(),
        d = dir.join("sub").display()
    );
    let t = traced(Path::new("/bin/sh"), &args(&["-c", &script]), &dir, &[]);
    assert!(t.out.status.success(), "{:?}", t.out);
    let f = &t.verdict.forbidden;
    let has = |name: &str, path: &str| {
        f.iter()
            .any(|w| w.starts_with(name) && w.contains(&format!("[target {path}")))
    };
    let file = file.display().to_string();
    assert!(has("openat(", &file), "{f:#?}");
    assert!(has("mkdir", &format!("{}/sub", dir.display())), "{f:#?}");
    assert!(f.iter().any(|w| w.starts_with("rename")), "{f:#?}");
    assert!(f.iter().any(|w| w.starts_with("unlink")), "{f:#?}");
    assert!(!f.iter().any(|w| w.contains("/dev/null")), "{f:#?}");
    assert!(t.verdict.unparsed.is_empty(), "{:?}", t.verdict.unparsed);

    // The same writes inside an allowed directory pass.
    let t = traced(
        Path::new("/bin/sh"),
        &args(&["-c", &script]),
        &dir,
        std::slice::from_ref(&dir),
    );
    assert!(t.verdict.forbidden.is_empty(), "{:#?}", t.verdict.forbidden);
    assert!(t.verdict.own.len() >= 4, "{:#?}", t.verdict.own);
}

#[test]
fn parser_reads_strace_lines() {
    let cwd = Path::new("/work");
    let w = |line: &str| {
        let c = parse_call(line).unwrap_or_else(|| panic!("unparsed: {line}"));
        writes(&c, cwd)
    };
    let one = |line: &str| {
        w(line).map(|t| {
            t.into_iter()
                .map(|p| p.map(|p| p.display().to_string()))
                .collect::<Vec<_>>()
        })
    };
    // Reads are not writes.
    assert_eq!(
        one(
            r#"openat(AT_FDCWD</work>, "/proc/self/mountinfo", O_RDONLY|O_CLOEXEC) = 3</proc/1/mountinfo>"#
        ),
        None
    );
    assert_eq!(
        one(
            r#"openat2(3</sys/fs/cgroup>, "cgroup.controllers", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS}, 24) = 4</sys/fs/cgroup/cgroup.controllers>"#
        ),
        None
    );
    assert_eq!(
        one(r#"newfstatat(AT_FDCWD</work>, "/etc", {st_mode=S_IFDIR|0755, ...}, 0) = 0"#),
        None
    );
    // Writes, also failed ones, also relative and with numeric flags.
    assert_eq!(
        one(
            r#"openat(AT_FDCWD</work>, "out.txt", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = -1 EACCES (Permission denied)"#
        ),
        Some(vec![Some("/work/out.txt".into())])
    );
    assert_eq!(
        one(r#"openat(5</etc>, "x, y", 0x241, 0644) = 6</etc/x, y>"#),
        Some(vec![Some("/etc/x, y".into())])
    );
    assert_eq!(
        one(
            r#"openat2(AT_FDCWD</work>, "/etc/a", {flags=O_RDWR|O_CLOEXEC, resolve=0}, 24) = -1 ENOENT (No such file or directory)"#
        ),
        Some(vec![Some("/etc/a".into())])
    );
    assert_eq!(
        one(r#"open("/etc/\x41b", O_RDONLY|O_CREAT, 0600) = 3</etc/Ab>"#),
        Some(vec![Some("/etc/Ab".into())])
    );
    assert_eq!(
        one(r#"renameat2(AT_FDCWD</work>, "a", 4</tmp>, "b", RENAME_NOREPLACE) = 0"#),
        Some(vec![Some("/work/a".into()), Some("/tmp/b".into())])
    );
    assert_eq!(
        one(r#"unlinkat(3</tmp/d>, "../x", 0) = 0"#),
        Some(vec![None])
    );
    assert_eq!(
        one(r#"mount("none", "/mnt", "tmpfs", 0, NULL) = -1 EPERM (Operation not permitted)"#),
        Some(vec![None])
    );
    assert_eq!(
        one(r#"fchmod(3</etc/shadow>, 0600) = 0"#),
        Some(vec![Some("/etc/shadow".into())])
    );
    assert_eq!(
        one(r#"utimensat(0</tmp/g>, NULL, NULL, 0) = 0"#),
        Some(vec![Some("/tmp/g".into())])
    );
    // A path strace cut is unknown, so never allowed.
    assert_eq!(one(r#"mkdir("/tmp/aaaa"..., 0755) = 0"#), Some(vec![None]));

    // Split calls are joined; junk is reported.
    let mut v = Verdict::default();
    judge_lines(
        "openat(AT_FDCWD</w>, \"/etc/x\", O_WRONLY <unfinished ...>\n\
         <... openat resumed>) = 3</etc/x>\n\
         this is not a call\n",
        cwd,
        &[],
        &mut v,
    );
    assert_eq!(v.forbidden.len(), 1, "{v:?}");
    assert_eq!(v.unparsed, vec!["this is not a call".to_owned()]);
    assert!(open_flags_write("01"));
    assert!(open_flags_write("0x40|O_CLOEXEC"));
    assert!(!open_flags_write(
        "O_RDONLY|O_CLOEXEC|O_DIRECTORY|O_NOFOLLOW|O_PATH"
    ));
}

#[test]
fn api_check_refuses_what_changes_things() {
    let r = |m: &str, t: &str, body: &str| Request {
        method: m.into(),
        target: t.into(),
        body: body.as_bytes().to_vec(),
    };
    let create = r(
        "POST",
        "/v1.41/containers/create?name=sdctr-doctor-probe-7-0",
        r#"{"Labels":{"sdctr-doctor.probe":"1"},"NetworkDisabled":true,"HostConfig":{"NetworkMode":"none"}}"#,
    );
    let delete = r(
        "DELETE",
        "/v1.41/containers/sdctr-doctor-probe-7-0?force=1&v=1",
        "",
    );
    assert_eq!(
        api_problems(
            &[r("GET", "/_ping", ""), create.clone(), delete.clone()],
            None
        ),
        Vec::<String>::new()
    );
    let bad = [
        vec![create.clone()],
        vec![
            create.clone(),
            r("POST", "/v1.41/containers/sdctr-doctor-probe-7-0/start", ""),
            delete.clone(),
        ],
        vec![r(
            "POST",
            "/v1.41/containers/create?name=x",
            r#"{"Labels":{}}"#,
        )],
        vec![r("DELETE", "/v1.41/containers/web?force=1", "")],
        vec![r(
            "POST",
            "/v1.41/containers/web/exec",
            r#"{"Cmd":["systemctl"]}"#,
        )],
        vec![r("POST", "/v1.41/exec/abc/start", "")],
        vec![r("POST", "/v1.41/images/create?fromImage=x", "")],
    ];
    for reqs in bad {
        assert!(!api_problems(&reqs, None).is_empty(), "{reqs:?}");
    }
    let ours = vec!["web".to_owned()];
    let exec = [
        r(
            "POST",
            "/v1.41/containers/web/exec",
            r#"{"Cmd":["systemctl","is-system-running"]}"#,
        ),
        r("POST", "/v1.41/exec/abc/start", "{}"),
    ];
    assert!(api_problems(&exec, Some(&ours)).is_empty());
    let sh = [r("POST", "/v1.41/containers/web/exec", r#"{"Cmd":["sh"]}"#)];
    assert!(!api_problems(&sh, Some(&ours)).is_empty());
}

#[test]
fn proxy_parser_splits_requests() {
    let mut p = HttpRequests::default();
    let a = b"POST /v1.41/containers/create?name=n HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}GET /_ping HTTP/1.1\r\nhost: d\r\n\r\nPOST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n";
    let got = p.feed(a);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].body, b"{}");
    assert_eq!(got[1].target, "/_ping");
    assert_eq!(got[0].path(), "/containers/create");
    let got = p.feed(b"0\r\n\r\n");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, b"abc");
}

// ---------------------------------------------------------------- the doctor's front ends

#[test]
fn default_run() {
    if !ready(true) {
        return;
    }
    let reqs = check(&simple(&[]));
    assert!(reqs.iter().any(|r| r.path() == "/info"), "{}", show(&reqs));
}

#[test]
fn image_through_the_layer_directories() {
    if !ready(true) {
        return;
    }
    let reqs = check(&simple(&["--image", IMAGE, "--image-reader", "layers"]));
    assert!(
        !reqs.iter().any(|r| r.method != "GET" && r.method != "HEAD"),
        "{}",
        show(&reqs)
    );
}

#[test]
fn image_through_the_archive_api() {
    if !ready(true) {
        return;
    }
    let reqs = check(&simple(&["--image", IMAGE, "--image-reader", "archive"]));
    // The probe path was taken: a create and its removal went through the proxy.
    assert!(
        reqs.iter().any(|r| r.path() == "/containers/create"),
        "{}",
        show(&reqs)
    );
}

#[test]
fn lint_a_run_line() {
    if !ready(true) {
        return;
    }
    check(&simple(&["lint", "--", "docker", "run", "-d", IMAGE]));
}

#[test]
fn lint_a_compose_file() {
    if !ready(true) {
        return;
    }
    check(&simple(&[
        "lint",
        "--compose",
        &fixture("fixtures/compose/reefer-ubuntu.yml"),
    ]));
}

#[test]
fn lint_a_molecule_file() {
    if !ready(true) {
        return;
    }
    check(&simple(&[
        "lint",
        "--molecule",
        &fixture("fixtures/molecule/geerlingguy-docker/molecule.yml"),
    ]));
}

#[test]
fn lint_a_dockerfile() {
    if !ready(true) {
        return;
    }
    check(&simple(&[
        "lint",
        "--dockerfile",
        &fixture("fixtures/dockerfile/good.Dockerfile"),
    ]));
}

/// A container the test started; removed when dropped, also on failure.
struct Running(String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

fn running(name: &str) -> bool {
    docker(&["inspect", "-f", "{{.State.Running}}", name]) == (true, "true".to_owned())
}

#[test]
fn judge_a_running_container() {
    if !ready(true) {
        return;
    }
    let name = format!("sdctr-strace-{}", std::process::id());
    let _ = docker(&["rm", "-f", &name]);
    let (ok, id) = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--tmpfs",
        "/run",
        "--tmpfs",
        "/run/lock",
        "--tmpfs",
        "/tmp",
        "-v",
        "/sys/fs/cgroup:/sys/fs/cgroup:ro",
        IMAGE,
    ]);
    let _guard = Running(name.clone());
    assert!(ok, "docker run: {id}");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !running(&name) && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ours = vec![name.clone(), id.clone(), id[..12.min(id.len())].to_owned()];
    let reqs = check(&Scenario {
        args: args(&["container", &name]),
        exec_in: Some(&ours),
        capture: false,
    });
    // Where it stayed up, systemd inside was asked (the exec path is the one proved).
    if running(&name) {
        assert!(
            reqs.iter().any(|r| r.path().ends_with("/exec")),
            "{}",
            show(&reqs)
        );
    }
}

#[test]
fn capture_writes_only_its_directory() {
    if !ready(false) {
        return;
    }
    check(&Scenario {
        args: args(&["capture"]),
        exec_in: None,
        capture: true,
    });
}

/// The harness catches the doctor itself: its capture, with DIR not counted
/// as its own output, is a host write.
#[test]
fn a_capture_outside_its_own_output_is_caught() {
    if !ready(false) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("host");
    let bin = Path::new(env!("CARGO_BIN_EXE_sdctr-doctor"));
    let t = traced(
        bin,
        &args(&["capture", &dir.display().to_string()]),
        manifest(),
        &[],
    );
    assert_eq!(t.out.status.code(), Some(0), "{:?}", t.out);
    let f = &t.verdict.forbidden;
    let mountinfo = dir.join("proc/self/mountinfo").display().to_string();
    assert!(
        f.iter()
            .any(|w| w.starts_with("openat(") && w.contains(&format!("[target {mountinfo}]"))),
        "{f:#?}"
    );
    assert!(f.iter().any(|w| w.starts_with("mkdir")), "{f:#?}");
}
