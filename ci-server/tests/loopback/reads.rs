//! GET and HEAD while the key is being replaced: reads run on their own SQLite
//! connections (and small bodies on the async workers), so each must still see one whole
//! version.

use crate::common::*;

#[test]
fn gets_during_replacements_see_whole_versions() {
    let (srv, _dir) = server();
    let a = srv.addr();
    // Small (read inline) and large (read on the blocking pool) bodies.
    let bodies: Vec<Vec<u8>> = (0..4u8)
        .map(|i| vec![b'a' + i; if i % 2 == 0 { 3000 } else { 200_000 }])
        .collect();
    assert_eq!(
        Req::new("PUT", "hot")
            .body(bodies[0].clone())
            .send(a)
            .status,
        200
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            for round in 0..5 {
                for b in &bodies {
                    let r = Req::new("PUT", "hot").body(b.clone()).send(a);
                    assert_eq!(r.status, 200, "round {round}");
                }
            }
        });
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..40 {
                    let g = Req::new("GET", "hot").send(a);
                    assert_eq!(g.status, 200, "{}", g.text());
                    assert!(bodies.contains(&g.body), "a mixed or partial body");
                    assert_eq!(
                        g.header("ETag").unwrap(),
                        format!("\"{}\"", md5_hex(&g.body))
                    );
                    let h = Req::new("HEAD", "hot").send(a);
                    assert_eq!(h.status, 200);
                }
            });
        }
    });
}

#[test]
fn small_ranges_and_missing_keys_on_the_inline_path() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let body: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    assert_eq!(
        Req::new("PUT", "r.bin").body(body.clone()).send(a).status,
        200
    );
    let r = Req::new("GET", "r.bin")
        .header("Range", "bytes=10-19")
        .send(a);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &body[10..20]);
    assert_eq!(r.header("Content-Range"), Some("bytes 10-19/5000"));
    assert_eq!(r.header("Content-Length"), Some("10"));
    let r = Req::new("GET", "r.bin").header("Range", "bytes=-3").send(a);
    assert_eq!(r.body, &body[4997..]);
    let r = Req::new("GET", "nope").send(a);
    assert_eq!(r.status, 404);
    let r = Req::new("HEAD", "r.bin").send(a);
    assert_eq!(r.header("Content-Length"), Some("5000"));
    assert!(r.body.is_empty());
}
