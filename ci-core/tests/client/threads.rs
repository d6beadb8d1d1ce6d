//! The client from several threads at once, across threads, from inside a tokio runtime,
//! and over connections the server closed while the client was idle. (Requests run on the
//! calling thread: one runtime and connection pool per calling thread.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::*;
use ci_core::client::{Body, CosClient, CosConfig, ObjectOptions};

fn payload(seed: u32, n: usize) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// A server echoing the CRC-64 of what it received, as COS does.
fn crc_echo() -> TestServer {
    TestServer::start(|r, n| {
        Reply::ok()
            .header("x-cos-hash-crc64ecma", &r.body_crc64.to_string())
            .header("x-cos-request-id", &format!("req-{n}"))
    })
}

/// A raw keep-alive server with a thread per connection (tiny_http's connection pool
/// sometimes leaves a connection unread when many arrive at once): answers every request
/// with the CRC-64 of its body; records `(path, body length, crc)`.
struct ConcurrentServer {
    port: u16,
    seen: Arc<Mutex<Vec<(String, u64, u64)>>>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl ConcurrentServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<(String, u64, u64)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { return };
                let seen = seen2.clone();
                std::thread::spawn(move || {
                    // Bounded: ends at EOF, on an error, or after 10 s without a request.
                    conn.set_read_timeout(Some(Duration::from_secs(10)))
                        .unwrap();
                    let mut r = BufReader::new(conn.try_clone().unwrap());
                    loop {
                        let mut line = String::new();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
                        let mut len = 0usize;
                        loop {
                            let mut h = String::new();
                            if r.read_line(&mut h).unwrap_or(0) == 0 {
                                return;
                            }
                            if h == "\r\n" {
                                break;
                            }
                            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                len = v.trim().parse().unwrap();
                            }
                        }
                        let mut body = vec![0u8; len];
                        if r.read_exact(&mut body).is_err() {
                            return;
                        }
                        let crc = ci_core::client::crc64(&body);
                        seen.lock().unwrap().push((path, len as u64, crc));
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-cos-request-id: req-raw\r\nx-cos-hash-crc64ecma: {crc}\r\n\r\n"
                        );
                        if conn.write_all(answer.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        ConcurrentServer {
            port,
            seen,
            stop,
            accept: Some(accept),
        }
    }
}

impl Drop for ConcurrentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
    }
}

#[test]
fn several_threads_put_at_once_with_one_client() {
    let srv = ConcurrentServer::start();
    let client =
        CosClient::new(CosConfig::new("ap-guangzhou", AK, SK).with_ip_port("127.0.0.1", srv.port))
            .unwrap();
    let dir = tempdir();
    const THREADS: u32 = 6;
    const PUTS: u32 = 8;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let client = client.clone();
            let dir = &dir;
            s.spawn(move || {
                for i in 0..PUTS {
                    let data = payload(t * 100 + i, 20_000 + (t * PUTS + i) as usize * 997);
                    // Bytes, a file and a one-shot reader in turn: all streamed and checked.
                    let body = match i % 3 {
                        0 => Body::from_bytes(data.clone()),
                        1 => {
                            let path = dir.join(format!("{t}-{i}.bin"));
                            std::fs::write(&path, &data).unwrap();
                            Body::open(&path).unwrap()
                        }
                        _ => Body::from_reader_sized(
                            std::io::Cursor::new(data.clone()),
                            data.len() as u64,
                        ),
                    };
                    let h = client
                        .put_object(
                            BUCKET,
                            &format!("t{t}/{i}.bin"),
                            body,
                            &ObjectOptions::default(),
                        )
                        .unwrap();
                    assert_eq!(h.status, 200);
                    assert_eq!(h.crc64, Some(ci_core::client::crc64(&data)));
                    assert_eq!(h.request_id.as_deref(), Some("req-raw"));
                }
            });
        }
    });
    drop(client);
    let seen = srv.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), (THREADS * PUTS) as usize);
    for t in 0..THREADS {
        for i in 0..PUTS {
            let data = payload(t * 100 + i, 20_000 + (t * PUTS + i) as usize * 997);
            let path = format!("/t{t}/{i}.bin");
            let r = seen.iter().find(|r| r.0 == path).expect("request seen");
            assert_eq!(
                (r.1, r.2),
                (data.len() as u64, ci_core::client::crc64(&data))
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stream_opened_on_one_thread_is_read_on_another_while_the_first_goes_on() {
    let data = payload(7, 2 * 1024 * 1024 + 5);
    let body = data.clone();
    let srv = TestServer::start(move |r, _| {
        if r.method == "GET" {
            Reply::ok()
                .body(body.clone())
                .header("x-cos-hash-crc64ecma", &crc_of(&body))
        } else {
            Reply::ok().header("x-cos-hash-crc64ecma", &r.body_crc64.to_string())
        }
    });
    let client = srv.client();
    let mut stream = client
        .get_object_stream(BUCKET, "big.bin", None, &ObjectOptions::default())
        .unwrap();
    let mut first = vec![0u8; 1000];
    stream.read_exact(&mut first).unwrap();
    let reader = std::thread::spawn(move || {
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(stream.is_finished());
        rest
    });
    // Meanwhile this thread keeps using the client (and the stream's runtime).
    for i in 0..5 {
        client
            .put_object(
                BUCKET,
                &format!("side/{i}"),
                Body::from_bytes(vec![i; 100]),
                &ObjectOptions::default(),
            )
            .unwrap();
    }
    let rest = reader.join().unwrap();
    assert_eq!(first.len() + rest.len(), data.len());
    assert_eq!(&first[..], &data[..1000]);
    assert!(rest == data[1000..]);
}

#[test]
fn calls_from_inside_a_tokio_runtime_work_and_the_client_drops_there() {
    let srv = crc_echo();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let h = rt.block_on(async {
        let client = srv.client();
        let h = client
            .put_object(
                BUCKET,
                "in-async",
                Body::from_bytes(b"abc".to_vec()),
                &ObjectOptions::default(),
            )
            .unwrap();
        drop(client); // its runtimes are shut down without blocking: no panic
        h
    });
    assert_eq!(h.crc64, Some(ci_core::client::crc64(b"abc")));
    assert_eq!(srv.last().url, "/in-async");
}

/// One raw HTTP/1.1 exchange on `conn`: reads a request with a `Content-Length` body,
/// answers 200 keep-alive. The request line.
fn answer_one(conn: &mut std::net::TcpStream) -> String {
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).unwrap();
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-cos-request-id: raw\r\n\r\n")
        .unwrap();
    line
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut lines = Vec::new();
        // First connection: one answer, then closed as an idle timeout would.
        let (mut c1, _) = listener.accept().unwrap();
        c1.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        lines.push(answer_one(&mut c1));
        drop(c1);
        // The second request must come on a new connection.
        let (mut c2, _) = listener.accept().unwrap();
        c2.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        lines.push(answer_one(&mut c2));
        lines
    });
    // No retries: a request sent on the dead connection would fail.
    let cfg = CosConfig::new("ap-guangzhou", AK, SK)
        .with_ip_port("127.0.0.1", port)
        .with_retries(0, Duration::from_millis(1));
    let client = CosClient::new(cfg).unwrap();
    let put = |key: &str| {
        client
            .put_object(
                BUCKET,
                key,
                Body::from_bytes(b"x".to_vec()),
                &ObjectOptions::default(),
            )
            .map(|h| h.request_id)
    };
    assert_eq!(put("one").unwrap().as_deref(), Some("raw"));
    std::thread::sleep(Duration::from_millis(200)); // the server closes meanwhile
    assert_eq!(put("two").unwrap().as_deref(), Some("raw"));
    let lines = server.join().unwrap();
    assert_eq!(lines, ["PUT /one HTTP/1.1\r\n", "PUT /two HTTP/1.1\r\n"]);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ci-core-threads-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
