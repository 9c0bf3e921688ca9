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
