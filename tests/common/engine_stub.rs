//! A stand-in Docker Engine on a unix socket for tests that need a daemon
//! other than this machine's: it answers `/_ping`, `/version` and `/info`
//! with recorded bodies, `[]` for container listings, 404 for the rest.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;

/// Answers requests on one connection until the client closes it
/// (keep-alive, as the doctor's client uses it).
pub fn serve(stream: UnixStream, version: &str, info: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
        let path = path.strip_prefix("/v1.41").unwrap_or(&path);
        let (status, answer) = match path.split('?').next().unwrap_or("") {
            "/_ping" => ("200 OK", "OK".to_owned()),
            "/version" => ("200 OK", version.to_owned()),
            "/info" => ("200 OK", info.to_owned()),
            "/containers/json" => ("200 OK", "[]".to_owned()),
            _ => (
                "404 Not Found",
                r#"{"message":"not in this fake"}"#.to_owned(),
            ),
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if out.write_all(head.as_bytes()).is_err() || out.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
