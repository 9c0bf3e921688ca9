//! `ssh://[user@]host[:port][/socket]` endpoints, reached as the docker CLI
//! reaches them (cli/connhelper): one `ssh … -- HOST docker system dial-stdio`
//! per connection, HTTP over its stdin and stdout. The process is killed
//! when the connection is dropped (and so at the deadline); its stderr is
//! kept for the error message.

use std::fmt;
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

/// What ssh prints on failure is one or two lines; more is not read.
const STDERR_CAP: u64 = 8 << 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The daemon's socket on the remote host (`docker --host=unix://PATH`).
    pub path: Option<String>,
}

impl Spec {
    /// The part after `ssh://`; the docker CLI's rules: no password, query or fragment.
    pub fn parse(rest: &str) -> Result<Spec, String> {
        if rest.contains('?') || rest.contains('#') {
            return Err("query parameters and fragments are not allowed".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if user.is_some_and(|u| u.contains(':')) {
            return Err("a plain-text password is not supported".into());
        }
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, tail) = v6.split_once(']').ok_or("unclosed '[' in the host")?;
                (h, tail.strip_prefix(':'))
            }
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        if host.is_empty() {
            return Err("the host name is empty".into());
        }
        let port = port
            .map(|p| p.parse::<u16>().map_err(|_| format!("bad port '{p}'")))
            .transpose()?;
        Ok(Spec {
            user: user.filter(|u| !u.is_empty()).map(str::to_owned),
            host: host.to_owned(),
            port,
            path: Some(path)
                .filter(|p| !p.trim_matches('/').is_empty())
                .map(str::to_owned),
        })
    }

    /// ssh's arguments (without `ssh`). `BatchMode=yes` where the docker CLI
    /// would let ssh prompt: a doctor bounded by --timeout must not wait for a
    /// passphrase or a host key confirmation; it fails with ssh's reason instead.
    pub fn args(&self, budget: Duration) -> Vec<String> {
        let secs = budget.as_secs_f64().ceil().max(1.0) as u64;
        let mut a: Vec<String> = vec![
            "-o".into(),
            format!("ConnectTimeout={secs}"),
            "-o".into(),
            "BatchMode=yes".into(),
            "-T".into(),
        ];
        if let Some(u) = &self.user {
            a.extend(["-l".into(), u.clone()]);
        }
        if let Some(p) = self.port {
            a.extend(["-p".into(), p.to_string()]);
        }
        a.extend(["--".into(), self.host.clone(), "docker".into()]);
        if let Some(path) = &self.path {
            let arg = format!("--host=unix://{path}");
            // The remote shell splits the command line again.
            a.push(shlex::try_quote(&arg).map_or(arg.clone(), |q| q.into_owned()));
        }
        a.extend(["system".into(), "dial-stdio".into()]);
        a
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ssh://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(p) = &self.path {
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// One `ssh … docker system dial-stdio`: reads its stdout, writes its stdin.
pub struct SshStream {
    out: ChildStdout,
    inp: ChildStdin,
    // Held for kill_on_drop: the process ends with the connection.
    _child: Child,
}

/// Starts ssh; the handle yields what it printed on stderr once it ends.
pub fn spawn(spec: &Spec, budget: Duration) -> std::io::Result<(SshStream, JoinHandle<String>)> {
    let mut child = Command::new("ssh")
        .args(spec.args(budget))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let (Some(out), Some(inp), Some(err)) =
        (child.stdout.take(), child.stdin.take(), child.stderr.take())
    else {
        return Err(std::io::Error::other("ssh started without its pipes"));
    };
    let stderr = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = err.take(STDERR_CAP).read_to_end(&mut buf).await;
        String::from_utf8_lossy(&buf).trim().to_owned()
    });
    Ok((
        SshStream {
            out,
            inp,
            _child: child,
        },
        stderr,
    ))
}

impl AsyncRead for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.out).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_like_the_docker_cli() {
        let s = Spec::parse("me@box.example:2222/run/user/1000/docker.sock").unwrap();
        assert_eq!(s.user.as_deref(), Some("me"));
        assert_eq!((s.host.as_str(), s.port), ("box.example", Some(2222)));
        assert_eq!(s.path.as_deref(), Some("/run/user/1000/docker.sock"));
        assert_eq!(
            s.to_string(),
            "ssh://me@box.example:2222/run/user/1000/docker.sock"
        );
        let s = Spec::parse("box").unwrap();
        assert_eq!((s.user, s.port, s.path), (None, None, None));
        let s = Spec::parse("[::1]:22/").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.path), ("::1", Some(22), None));
        for bad in ["me:pw@box", "box?x=1", "box#f", "", "me@", "box:port"] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn command_line_is_the_docker_clis() {
        let s = Spec::parse("me@box:2222").unwrap();
        assert_eq!(
            s.args(Duration::from_millis(4500)).join(" "),
            "-o ConnectTimeout=5 -o BatchMode=yes -T -l me -p 2222 -- box docker system dial-stdio"
        );
        let s = Spec::parse("box/var/run/my docker.sock").unwrap();
        let a = s.args(Duration::from_secs(5));
        assert_eq!(
            a[a.len() - 3..].join(" "),
            "'--host=unix:///var/run/my docker.sock' system dial-stdio"
        );
    }
}
