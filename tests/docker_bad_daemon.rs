//! A misbehaving "daemon" on a unix socket: the probe must end within its
//! bound and say what went wrong.

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sdctr_doctor::probe::docker::client::{Client, Endpoint, ErrorKind};
use sdctr_doctor::probe::docker::{run, JSON_CAP};

/// Serves every connection with `answer` on a thread; returns the socket path.
fn serve(
    name: &str,
    answer: fn(&mut std::os::unix::net::UnixStream),
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.sock"));
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                // Read the request head before answering, as a daemon would.
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                answer(&mut s);
            });
        }
    });
    (dir, path)
}

fn probe(
    path: &Path,
    timeout: Duration,
) -> (sdctr_doctor::probe::docker::client::ClientError, Duration) {
    let start = Instant::now();
    let err = run(Endpoint::Unix(path.to_path_buf()), timeout).unwrap_err();
    (err, start.elapsed())
}

#[test]
fn accepts_then_hangs_ends_at_the_deadline() {
    let (_d, path) = serve("hang", |_s| std::thread::sleep(Duration::from_secs(30)));
    let (err, took) = probe(&path, Duration::from_millis(500));
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(err.message.contains("within 0.5 s"), "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn garbage_is_not_http() {
    let (_d, path) = serve("garbage", |s| {
        let _ = s.write_all(b"\x00\x01SSH-2.0-OpenSSH_9.2\r\n\r\nnot http at all\r\n");
    });
    let (err, _) = probe(&path, Duration::from_secs(2));
    assert_eq!(err.kind, ErrorKind::BadAnswer, "{err}");
    assert!(err.message.contains("not an HTTP answer"), "{err}");
}

#[test]
fn status_500_carries_the_daemon_message() {
    let (_d, path) = serve("500", |s| {
        let body = br#"{"message":"layer store is broken"}"#;
        let _ = write!(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
        let _ = s.write_all(body);
    });
    let (err, _) = probe(&path, Duration::from_secs(2));
    assert_eq!(err.kind, ErrorKind::BadAnswer, "{err}");
    assert!(
        err.message.contains("500") && err.message.contains("layer store is broken"),
        "{err}"
    );
}

#[test]
fn closes_mid_body() {
    let (_d, path) = serve("cut", |s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 1000\r\n\r\n{\"Version\":",
        );
    });
    let (err, _) = probe(&path, Duration::from_secs(2));
    assert_eq!(err.kind, ErrorKind::BadAnswer, "{err}");
    assert!(err.message.contains("broke off"), "{err}");
}

#[test]
fn fifty_megabytes_are_refused_early() {
    // Announced length: refused from the header, nothing read.
    let (_d, path) = serve("big", |s| {
        let _ = s.write_all(
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", 50 << 20).as_bytes(),
        );
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..50 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let (err, took) = probe(&path, Duration::from_secs(5));
    assert_eq!(err.kind, ErrorKind::BadAnswer, "{err}");
    assert!(err.message.contains("larger than"), "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn fifty_megabytes_chunked_stop_at_the_cap() {
    // No length announced: the streamed read stops at the cap.
    let (_d, path) = serve("bigchunked", |s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..50 {
            if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(async {
            let c = Client::new(Endpoint::Unix(path.clone()), Duration::from_secs(5));
            c.request(hyper::Method::GET, "/info", None, JSON_CAP).await
        })
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadAnswer, "{err}");
    assert!(
        err.message
            .contains(&format!("larger than {JSON_CAP} bytes")),
        "{err}"
    );
}

#[test]
fn missing_socket_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = run(
        Endpoint::Unix(dir.path().join("nonexistent.sock")),
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoSocket, "{err}");
    // A socket file nobody listens on (a daemon that died).
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    let err = run(Endpoint::Unix(stale), Duration::from_secs(1)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused, "{err}");
}

/// Serves every connection with `answer(request head, stream)`.
fn serve_by_request(
    name: &str,
    answer: fn(&str, &mut std::os::unix::net::UnixStream),
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.sock"));
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                answer(&head, &mut s);
            });
        }
    });
    (dir, path)
}

fn json_answer(s: &mut std::os::unix::net::UnixStream, status: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
}

/// The doctor against `socket`: its exit code, stderr and how long it took.
fn doctor_against(socket: &Path, args: &[&str]) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("sdctr-doctor"))
        .args(args)
        .arg("--docker-host")
        .arg(format!("unix://{}", socket.display()))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

/// `--timeout` bounds the whole run: `container` asks the daemon twice (the
/// daemon probe, then the container), and the second must not get a fresh
/// `--timeout` of its own.
#[test]
fn container_against_a_silent_daemon_ends_within_the_timeout() {
    let (_d, path) = serve("silent", |_s| std::thread::sleep(Duration::from_secs(60)));
    let (code, stderr, took) = doctor_against(&path, &["container", "web", "--timeout", "1.5"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("within 1.5 s"), "{stderr}");
    assert!(took < Duration::from_millis(2500), "took {took:?}");
}

/// A daemon that creates the probe container, then answers nothing more (the
/// archive reads and the DELETE hang): the removal runs past the deadline by
/// the clean-up grace at most, and says it could not remove.
#[test]
fn archive_reader_cleanup_stays_within_a_second_past_the_timeout() {
    let (_d, path) = serve_by_request("creates-then-hangs", |head, s| {
        let line = head.lines().next().unwrap_or_default();
        if line.starts_with("GET /images/") {
            json_answer(
                s,
                "200 OK",
                r#"{"Id":"sha256:feed","Config":{"Cmd":["/sbin/init"]}}"#,
            );
        } else if line.starts_with("GET /containers/json") {
            json_answer(s, "200 OK", "[]");
        } else if line.starts_with("POST /containers/create") {
            json_answer(s, "201 Created", r#"{"Id":"c0ffee","Warnings":[]}"#);
        } else {
            std::thread::sleep(Duration::from_secs(60));
        }
    });
    let (_, stderr, took) = doctor_against(
        &path,
        &[
            "--json",
            "--image-reader",
            "archive",
            "--image",
            "img",
            "--timeout",
            "1",
        ],
    );
    assert!(
        stderr.contains("could not remove probe container"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(2), "took {took:?}: {stderr}");
}
