//! ListMultipartUploads, PUT Object - Copy, GET Service and the listings' XML types over
//! loopback.

use crate::common::*;
use ci_core::result::{
    CopyObjectResult, CosError, InitiateMultipartUploadResult, ListAllMyBucketsResult,
    ListBucketResult, ListMultipartUploadsResult, ListPartsResult,
};

fn initiate(a: std::net::SocketAddr, key: &str) -> String {
    let r = Req::new("POST", key).flag("uploads").send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    InitiateMultipartUploadResult::from_xml(&r.text())
        .unwrap()
        .upload_id
}

fn uploads(a: std::net::SocketAddr, params: &[(&str, &str)]) -> ListMultipartUploadsResult {
    let mut r = Req::new("GET", "").flag("uploads");
    for (k, v) in params {
        r = r.param(k, v);
    }
    let resp = r.send(a);
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("Content-Type"), Some("application/xml"));
    ListMultipartUploadsResult::from_xml(&resp.text()).unwrap()
}

#[test]
fn list_multipart_uploads_with_prefix_delimiter_and_paging() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let id_b = initiate(a, "dir/b.bin");
    let id_a = initiate(a, "a.bin");
    let id_c = initiate(a, "dir/sub/c.bin");
    let id_a2 = initiate(a, "a.bin");

    let all = uploads(a, &[]);
    assert_eq!(all.bucket, BUCKET);
    assert_eq!(all.max_uploads, 1000);
    assert!(!all.is_truncated);
    let listed: Vec<(&str, &str)> = all
        .uploads
        .iter()
        .map(|u| (u.key.as_str(), u.upload_id.as_str()))
        .collect();
    // Key order; two uploads of one key keep their initiation order.
    let mut a_ids = [id_a.as_str(), id_a2.as_str()];
    a_ids.sort(); // same second: the id breaks the tie
    assert_eq!(
        listed,
        vec![
            ("a.bin", a_ids[0]),
            ("a.bin", a_ids[1]),
            ("dir/b.bin", id_b.as_str()),
            ("dir/sub/c.bin", id_c.as_str()),
        ]
    );
    assert_eq!(all.uploads[0].storage_class, "STANDARD");
    assert_eq!(all.uploads[0].owner.id, "1250000000");
    assert_eq!(
        all.uploads[0].initiated.len(),
        "2020-10-28T08:17:19.000Z".len()
    );

    let dir = uploads(a, &[("prefix", "dir/"), ("delimiter", "/")]);
    assert_eq!(dir.prefix, "dir/");
    assert_eq!(dir.delimiter.as_deref(), Some("/"));
    assert_eq!(dir.uploads.len(), 1);
    assert_eq!(dir.uploads[0].key, "dir/b.bin");
    assert_eq!(dir.common_prefixes.len(), 1);
    assert_eq!(dir.common_prefixes[0].prefix, "dir/sub/");

    let page1 = uploads(a, &[("max-uploads", "1")]);
    assert!(page1.is_truncated);
    assert_eq!(page1.uploads.len(), 1);
    assert_eq!(page1.next_key_marker.as_deref(), Some("a.bin"));
    assert_eq!(page1.next_upload_id_marker.as_deref(), Some(a_ids[0]));
    let page2 = uploads(
        a,
        &[
            ("max-uploads", "2"),
            ("key-marker", "a.bin"),
            ("upload-id-marker", a_ids[0]),
        ],
    );
    assert!(page2.is_truncated);
    assert_eq!(page2.uploads[0].upload_id, a_ids[1]);
    assert_eq!(page2.uploads[1].key, "dir/b.bin");
    let rest = uploads(a, &[("key-marker", "dir/b.bin")]);
    assert!(!rest.is_truncated);
    assert_eq!(rest.uploads.len(), 1);
    assert_eq!(rest.uploads[0].key, "dir/sub/c.bin");

    // A completed or aborted upload is no longer listed.
    assert_eq!(
        Req::new("DELETE", "dir/b.bin")
            .param("uploadId", &id_b)
            .send(a)
            .status,
        204
    );
    assert_eq!(uploads(a, &[("prefix", "dir/")]).uploads.len(), 1);

    let enc = uploads(a, &[("encoding-type", "url"), ("prefix", "dir/sub/")]);
    assert_eq!(enc.encoding_type.as_deref(), Some("url"));
    assert_eq!(enc.uploads[0].key, "dir/sub/c.bin");
}

#[test]
fn list_parts_answers_the_typed_document() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let id = initiate(a, "p.bin");
    for n in [1u32, 2, 3] {
        let r = Req::new("PUT", "p.bin")
            .param("partNumber", &n.to_string())
            .param("uploadId", &id)
            .body(vec![b'x'; n as usize])
            .send(a);
        assert_eq!(r.status, 200);
    }
    let r = Req::new("GET", "p.bin")
        .param("uploadId", &id)
        .param("max-parts", "2")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = ListPartsResult::from_xml(&r.text()).unwrap();
    assert_eq!(doc.key, "p.bin");
    assert_eq!(doc.upload_id, id);
    assert!(doc.is_truncated);
    assert_eq!(doc.next_part_number_marker, 2);
    let sizes: Vec<u64> = doc.parts.iter().map(|p| p.size).collect();
    assert_eq!(sizes, vec![1, 2]);
    // md5("x")
    assert_eq!(doc.parts[0].etag, "\"9dd4e461268c8034f5c8564e155c67a6\"");
    assert_eq!(doc.initiator.id, "1250000000");
}

#[test]
fn copy_object_copies_bytes_and_metadata() {
    let (srv, _dir) = server();
    let a = srv.addr();
    let put = Req::new("PUT", "src dir/é.txt")
        .header("Content-Type", "text/plain")
        .header("x-cos-meta-color", "blue")
        .body("hello copy")
        .send(a);
    assert_eq!(put.status, 200);
    let source = format!(
        "{}/{}",
        vhost(),
        ci_core::sign::encode_key_for_url("src dir/é.txt")
    );

    let r = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &source)
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = CopyObjectResult::from_xml(&r.text()).unwrap();
    // md5("hello copy")
    assert_eq!(doc.etag, "\"f5acec107e7e752ca013866c211dc1a3\"");
    assert_eq!(doc.crc64, Some(crc64_xz(b"hello copy")));
    assert!(doc.last_modified.ends_with(".000Z"));
    let got = Req::new("GET", "copy.txt").send(a);
    assert_eq!(got.body, b"hello copy");
    assert_eq!(got.header("Content-Type"), Some("text/plain"));
    assert_eq!(got.header("x-cos-meta-color"), Some("blue"));
    assert_eq!(got.header("ETag"), Some(doc.etag.as_str()));

    // Replaced: this request's headers win.
    let r = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &source)
        .header("x-cos-metadata-directive", "Replaced")
        .header("Content-Type", "application/json")
        .send(a);
    assert_eq!(r.status, 200, "{}", r.text());
    let got = Req::new("HEAD", "copy.txt").send(a);
    assert_eq!(got.header("Content-Type"), Some("application/json"));
    assert_eq!(got.header("x-cos-meta-color"), None);

    // Onto itself only with Replaced.
    let self_src = format!("{}/copy.txt", vhost());
    let r = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &self_src)
        .send(a);
    assert_eq!(r.status, 400);
    assert_eq!(
        CosError::from_xml(&r.text()).unwrap().code,
        "InvalidRequest"
    );
    let r = Req::new("PUT", "copy.txt")
        .header("x-cos-copy-source", &self_src)
        .header("x-cos-metadata-directive", "Replaced")
        .header("x-cos-meta-n", "2")
        .send(a);
    assert_eq!(r.status, 200);
    assert_eq!(
        Req::new("HEAD", "copy.txt").send(a).header("x-cos-meta-n"),
        Some("2")
    );

    let missing = Req::new("PUT", "x.txt")
        .header("x-cos-copy-source", &format!("{}/nope", vhost()))
        .send(a);
    assert_eq!(missing.status, 404);
    assert_eq!(
        CosError::from_xml(&missing.text()).unwrap().code,
        "NoSuchKey"
    );
    let bad = Req::new("PUT", "x.txt")
        .header("x-cos-copy-source", "no-slash")
        .send(a);
    assert_eq!(bad.status, 400);
    assert_eq!(
        CosError::from_xml(&bad.text()).unwrap().code,
        "InvalidArgument"
    );
    let bad = Req::new("PUT", "x.txt")
        .header("x-cos-copy-source", &source)
        .header("x-cos-metadata-directive", "Move")
        .send(a);
    assert_eq!(bad.status, 400);
}

#[test]
fn get_service_lists_buckets_that_hold_something() {
    let (srv, _dir) = server_with(|c| {
        c.buckets = vec!["configured-1250000000".into()];
        c.default_bucket = Some(BUCKET.into());
    });
    let a = srv.addr();
    assert_eq!(Req::new("PUT", "k").body("v").send(a).status, 200);
    let mut other = Req::new("POST", "m").flag("uploads");
    other.host = "other-1250000000.cos.ap-guangzhou.myqcloud.com".into();
    assert_eq!(other.send(a).status, 200);

    let mut r = Req::new("GET", "");
    r.host = "service.cos.myqcloud.com".into();
    let resp = r.send(a);
    assert_eq!(resp.status, 200, "{}", resp.text());
    let doc = ListAllMyBucketsResult::from_xml(&resp.text()).unwrap();
    let names: Vec<&str> = doc
        .buckets
        .buckets
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(
        names,
        vec!["configured-1250000000", BUCKET, "other-1250000000"]
    );
    assert!(doc
        .buckets
        .buckets
        .iter()
        .all(|b| b.location == REGION && b.bucket_type == "cos"));
    assert_eq!(doc.owner.id, "1250000000");

    // Without a signature: refused like any other request.
    let mut r = Req::new("GET", "");
    r.host = "service.cos.myqcloud.com".into();
    r.sign = false;
    assert_eq!(r.send(a).status, 403);
}

#[test]
fn list_objects_parses_as_the_typed_document() {
    let (srv, _dir) = server();
    let a = srv.addr();
    for k in ["a b", "c"] {
        assert_eq!(Req::new("PUT", k).body("12345").send(a).status, 200);
    }
    let r = Req::new("GET", "").param("encoding-type", "url").send(a);
    let doc = ListBucketResult::from_xml(&r.text()).unwrap();
    assert_eq!(doc.encoding_type.as_deref(), Some("url"));
    let keys: Vec<&str> = doc.contents.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, vec!["a%20b", "c"]);
    assert!(doc.contents.iter().all(|o| o.size == 5));
    assert_eq!(doc.max_keys, 1000);
    assert_eq!(doc.next_marker, None);
}
