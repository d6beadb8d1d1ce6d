"""The same calls through the official SDK and through cos_ci against one test server."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Dict, List, Tuple

import pytest

import cos_ci
import qcloud_cos
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

from conftest import BUCKET, make_client
from cosserver import UPLOAD_RESULT_PROCESS, UPLOAD_RESULT_PUT, CosTestServer, Recorded

PIC_OPS = (
    '{"is_pic_info":1,"rules":[{"fileid":"thumb.png",'
    '"rule":"imageMogr2/thumbnail/200x/format/png"}]}'
)
Impl = Tuple[str, ModuleType, Any]

# Every keyword of wire.md (besides Metadata, PicOperations, ContentLength) and its header.
KWARG_HEADERS = [
    ("ContentMD5", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
    ("ContentType", "Content-Type", "image/jpeg"),
    ("CacheControl", "Cache-Control", "max-age=60"),
    ("ContentDisposition", "Content-Disposition", "attachment; filename=a.jpg"),
    ("ContentEncoding", "Content-Encoding", "identity"),
    ("ContentLanguage", "Content-Language", "zh-CN"),
    ("Expires", "Expires", "Wed, 21 Oct 2026 07:28:00 GMT"),
    ("ACL", "x-cos-acl", "private"),
    ("GrantFullControl", "x-cos-grant-full-control", 'id="100000000001"'),
    ("GrantRead", "x-cos-grant-read", 'id="100000000002"'),
    ("GrantWrite", "x-cos-grant-write", 'id="100000000003"'),
    ("StorageClass", "x-cos-storage-class", "STANDARD_IA"),
    ("Tagging", "x-cos-tagging", "a=1&b=2"),
    ("TrafficLimit", "x-cos-traffic-limit", "819200"),
    ("SSE", "x-cos-server-side-encryption", "AES256"),
    ("ServerSideEncryption", "x-cos-server-side-encryption", "AES256"),
    ("SSEKMSContext", "x-cos-server-side-encryption-context", "eyJhIjoiYiJ9"),
    ("SSECustomerAlgorithm", "x-cos-server-side-encryption-customer-algorithm", "AES256"),
    ("SSECustomerKey", "x-cos-server-side-encryption-customer-key", "MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY="),
    ("SSECustomerKeyMD5", "x-cos-server-side-encryption-customer-key-MD5", "U5L61r7jcwdNvT7frmUG8g=="),
    ("SSEKMSKeyId", "x-cos-server-side-encryption-cos-kms-key-id", "kms-1"),
    ("SSEContext", "x-cos-server-side-encryption-context", "eyJhIjoiYiJ9"),
    ("Referer", "Referer", "https://example.com/"),
    ("Accept", "Accept", "image/webp"),
    ("AcceptEncoding", "Accept-Encoding", "identity"),
    ("Expect", "Expect", "100-continue"),
    ("PicOperations", "Pic-Operations", PIC_OPS),
]
# wire.md names that cos-python-sdk-v5 1.9.44's maplist lacks (it raises for them).
ONLY_OURS = {"SSE", "SSEContext", "Expect"}


def last(srv: CosTestServer) -> Recorded:
    reqs = srv.requests
    assert reqs, "no request reached the server"
    return reqs[-1]


def shape(r: Recorded) -> Dict[str, Any]:
    """What must be the same whichever client sent the request."""
    return {
        "method": r.method,
        "path": r.path,
        "query": sorted(k for k, _ in r.query),
        "signed_headers": r.signed_headers,
        "signed_params": r.signed_params,
        "body": r.body,
        "pic_ops": r.headers.get("pic-operations"),
        "md5": r.headers.get("content-md5"),
        "ctype": r.headers.get("content-type"),
        "host": r.headers.get("host"),
    }


def clean_headers(h: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in h.items() if k not in ("Date", "x-cos-request-id", "Body")}


def both(srv: CosTestServer, call: Callable[[Any], Any]) -> Tuple[Any, Any, Recorded, Recorded]:
    """Runs `call` with each client; returns both results and both recorded requests."""
    a = call(make_client(qcloud_cos, srv.port))
    ra = last(srv)
    b = call(make_client(cos_ci, srv.port))
    rb = last(srv)
    return a, b, ra, rb


@pytest.mark.parametrize("body", [b"\xff\xd8jpeg-bytes" * 10, b""])
def test_ci_put_object_same_request_and_data(srv: CosTestServer, body: bytes) -> None:
    def call(c: Any) -> Any:
        return c.ci_put_object(Bucket=BUCKET, Body=body, Key="photos/cat 1.jpg",
                               PicOperations=PIC_OPS, ContentType="image/jpeg",
                               Metadata={"x-cos-meta-owner": "Ann Lee"})

    (ha, da), (hb, db), ra, rb = both(srv, call)
    assert shape(ra) == shape(rb)
    assert ra.signed_headers == ["content-length", "content-type", "host",
                                 "pic-operations", "x-cos-meta-owner"]
    assert da == db == sdk_xml_to_dict(UPLOAD_RESULT_PUT)
    assert clean_headers(ha) == clean_headers(hb)
    assert hb["ETag"] == ha["ETag"] and hb["x-cos-request-id"].startswith("req-")


def test_ci_image_process_same(srv: CosTestServer) -> None:
    ops = '{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}'
    (ha, da), (hb, db), ra, rb = both(
        srv, lambda c: c.ci_image_process(Bucket=BUCKET, Key="photos/cat 1.jpg", PicOperations=ops))
    assert shape(ra) == shape(rb)
    assert ra.query == rb.query == [("image_process", "")]
    assert da == db == sdk_xml_to_dict(UPLOAD_RESULT_PROCESS)
    assert clean_headers(ha) == clean_headers(hb)


def test_ci_put_object_from_local_file_same(srv: CosTestServer, tmp_path: Any) -> None:
    p = tmp_path / "local.jpg"
    p.write_bytes(b"local-file" * 1000)
    (ha, da), (hb, db), ra, rb = both(srv, lambda c: c.ci_put_object_from_local_file(
        Bucket=BUCKET, LocalFilePath=str(p), Key="local.jpg", EnableMD5=True, PicOperations=PIC_OPS))
    assert shape(ra) == shape(rb)
    assert ra.headers["content-md5"] == rb.headers["content-md5"]
    assert da == db


@pytest.mark.parametrize("name,header,value", KWARG_HEADERS, ids=[k[0] for k in KWARG_HEADERS])
def test_kwarg_header_mapping(impl: Impl, srv: CosTestServer, name: str, header: str, value: str) -> None:
    label, _, client = impl
    body = b"" if name == "ContentMD5" else b"abc"
    # (the official ci_put_object fails on an answer without UploadResult: always process)
    kw = {"PicOperations": PIC_OPS, name: value}
    if label == "official" and name in ONLY_OURS:
        with pytest.raises(qcloud_cos.CosClientError, match="No Parameter Named " + name):
            client.ci_put_object(Bucket=BUCKET, Body=body, Key="k.jpg", **kw)
        return
    client.ci_put_object(Bucket=BUCKET, Body=body, Key="k.jpg", **kw)
    r = last(srv)
    assert r.headers[header.lower()] == value, label
    if header.lower().startswith("x-cos-") or header in ("Content-Type", "Content-MD5", "Pic-Operations"):
        assert header.lower() in r.signed_headers


def test_kwarg_mapping_identical_across_clients(srv: CosTestServer) -> None:
    kw: Dict[str, Any] = {k: v for k, _, v in KWARG_HEADERS if k not in ("ContentMD5", "SSEContext") and k not in ONLY_OURS}
    kw["Metadata"] = {"x-cos-meta-a": "1", "x-cos-meta-b": "two"}
    _, _, ra, rb = both(srv, lambda c: c.ci_put_object(Bucket=BUCKET, Body=b"x", Key="k", **kw))
    assert shape(ra) == shape(rb)
    for _, header, _ in KWARG_HEADERS:
        if header not in ("Content-MD5", "Expect"):
            assert ra.headers[header.lower()] == rb.headers[header.lower()]
    assert rb.headers["x-cos-meta-b"] == "two"


@pytest.mark.parametrize("call", ["ci_put_object", "ci_image_process", "put_object", "head_object"])
def test_unknown_kwarg_error(impl: Impl, srv: CosTestServer, call: str) -> None:
    label, mod, client = impl
    args: Dict[str, Any] = {"Bucket": BUCKET, "Key": "k"}
    if call in ("ci_put_object", "put_object"):
        args["Body"] = b"x"
    with pytest.raises(mod.CosClientError) as ei:
        getattr(client, call)(ContentTyp="image/png", **args)
    assert str(ei.value) == "No Parameter Named ContentTyp Please Check It"
    assert isinstance(ei.value, mod.cos_exception.CosException if label == "official" else cos_ci.CosException)
    assert srv.requests == []


def test_service_error_getters_same(srv: CosTestServer) -> None:
    errs = []
    for mod in (qcloud_cos, cos_ci):
        with pytest.raises(mod.CosServiceError) as ei:
            make_client(mod, srv.port).ci_put_object(
                Bucket=BUCKET, Body=b"x", Key="error/403/a.jpg", PicOperations=PIC_OPS)
        errs.append(ei.value)
    a, b = errs
    for getter in ("get_error_code", "get_error_msg", "get_resource_location",
                   "get_request_id", "get_trace_id", "get_status_code", "get_digest_msg"):
        assert getattr(a, getter)() == getattr(b, getter)(), getter
    assert b.get_error_code() == "AccessDenied"
    assert b.get_status_code() == 403
    assert "<Code>AccessDenied</Code>" in b.get_origin_msg()
    assert a.get_origin_msg() == b.get_origin_msg()
    assert str(a) == str(b)
    assert isinstance(b, cos_ci.CosException)


def test_head_404_same(srv: CosTestServer) -> None:
    errs = []
    for mod in (qcloud_cos, cos_ci):
        with pytest.raises(mod.CosServiceError) as ei:
            make_client(mod, srv.port).head_object(Bucket=BUCKET, Key="missing.jpg")
        errs.append(ei.value)
    a, b = errs
    for getter in ("get_error_code", "get_error_msg", "get_status_code", "get_origin_msg"):
        assert getattr(a, getter)() == getattr(b, getter)(), getter
    assert b.get_request_id().startswith("req-")


# Error bodies, well-formed or not, and how the SDK's digest (minidom, then json) reads
# them; cos_ci digests them in Rust and must answer the same.
ERROR_BODIES = [
    "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n<Code>NoSuchKey</Code>\n"
    "<Message>The specified key does not exist.</Message>\n"
    "<Resource>b.cos.ap-guangzhou.myqcloud.com/k</Resource>\n<RequestId>req-1</RequestId>\n"
    "<TraceId>trace-1</TraceId>\n</Error>",
    "<Error><Code>A</Code><Message>m</Message><Resource>r</Resource><RequestId>q</RequestId></Error>",
    "<Error><Code>A</Code><Message>m</Message><Resource>r</Resource><RequestId>q</RequestId>"
    "<TraceId/></Error>",
    "<Error><Code>A</Code><Message></Message><Resource>r</Resource><RequestId>q</RequestId></Error>",
    "<Error><Code>A&amp;B<![CDATA[c]]>d</Code><Message>m&#65;</Message><Resource>r</Resource>"
    "<RequestId>q</RequestId></Error>",
    "<Error><Code><![CDATA[x]]></Code><Message><!--c-->m</Message><Resource><X/>r</Resource>"
    "<RequestId> </RequestId><TraceId><Y>t</Y></TraceId></Error>",
    "<Error><Detail><Code>nested</Code></Detail><Code>second</Code><Message>m</Message>"
    "<Resource>r</Resource><RequestId>q</RequestId></Error>",
    "<Code>root<Code>inner</Code><Message>m</Message><Resource>r</Resource>"
    "<RequestId>q</RequestId></Code>",
    "<Error><Code>A\r\nB</Code><Message>ü中</Message><Resource>r</Resource><RequestId>q</RequestId></Error>",
    "<Error><Code>A</Code><Message>m</Message><Resource>r</Resource><RequestId>q</RequestId></Error>junk",
    "<Error><Code>A</Code><Message>m</Message><Resource>r</Resource><RequestId>q</RequestId>",
    "<Error><Code>A</Code><Message>m</Message><Resource>r</Resource><RequestId>q</Request></Error>",
    "<Error><Code>&bogus;</Code><Message>m</Message><Resource>r</Resource><RequestId>q</RequestId></Error>",
    "<Error><p:Code>x</p:Code><Code>A</Code><Message>m</Message><Resource>r</Resource>"
    "<RequestId>q</RequestId></Error>",
    "<Error a='1' a='2'><Code>A</Code><Message>m</Message><Resource>r</Resource>"
    "<RequestId>q</RequestId></Error>",
    "",
    "not xml",
    '{"code": "InvalidArgument", "message": "bad", "n": 1, "f": 1.5, "t": true, "z": null, '
    '"l": [1, "x"], "code": "dup"}',
    '["a", 2]',
    '{"a": 1} trailing',
]


@pytest.mark.parametrize("body", ERROR_BODIES)
def test_service_error_digest_same(body: str) -> None:
    a = qcloud_cos.CosServiceError("PUT", body, 400)
    b = cos_ci.CosServiceError("PUT", body, 400)
    assert b.get_digest_msg() == a.get_digest_msg()
    assert type(b.get_digest_msg()) is type(a.get_digest_msg())
    assert str(b) == str(a)
    assert b.get_origin_msg() == body and b.get_status_code() == 400
    for getter in ("get_error_code", "get_error_msg", "get_resource_location", "get_trace_id",
                   "get_request_id"):
        try:
            expected = getattr(a, getter)()
        except KeyError:
            with pytest.raises(KeyError):
                getattr(b, getter)()
            continue
        assert getattr(b, getter)() == expected, getter


def test_exceptions_as_sdk() -> None:
    """The classes as qcloud_cos.cos_exception's: the hierarchy, str(), a digested dict
    as the message, subclasses calling the base __init__ the SDK's way."""
    assert cos_ci.CosException.__bases__ == (Exception,)
    assert cos_ci.CosClientError.__bases__ == cos_ci.CosServiceError.__bases__ == (
        cos_ci.CosException,)
    c = cos_ci.CosClientError("timed out")
    assert (str(c), c.args) == ("timed out", ("timed out",))
    digest = {"code": "NoSuchResource", "message": "m", "resource": "r", "requestid": "req-9"}
    a = qcloud_cos.CosServiceError("HEAD", dict(digest), 404)
    b = cos_ci.CosServiceError("HEAD", dict(digest), 404)
    assert (b.get_origin_msg(), b.get_digest_msg(), str(b)) == (
        a.get_origin_msg(), a.get_digest_msg(), str(a))
    assert (b.get_error_code(), b.get_request_id()) == ("NoSuchResource", "req-9")

    class AppError(cos_ci.CosException):
        def __init__(self, message: str) -> None:
            cos_ci.CosException.__init__(self, message)

    class AppServiceError(cos_ci.CosServiceError):
        def __init__(self, body: str) -> None:
            super().__init__("GET", body, 500)

    assert str(AppError("x")) == "x"
    e = AppServiceError(ERROR_BODIES[0])
    assert (e.get_error_code(), e.get_trace_id(), e.get_status_code()) == ("NoSuchKey", "trace-1", 500)
    with pytest.raises(cos_ci.CosException):
        raise e


def test_put_head_get_delete_same(srv: CosTestServer) -> None:
    ha, hb, ra, rb = both(srv, lambda c: c.put_object(Bucket=BUCKET, Body=b"hello", Key="dir/o.txt",
                                                        ContentType="text/plain"))
    assert shape(ra) == shape(rb)
    assert clean_headers(ha) == clean_headers(hb)
    ha, hb, ra, rb = both(srv, lambda c: c.head_object(Bucket=BUCKET, Key="dir/o.txt"))
    assert shape(ra) == shape(rb)
    assert clean_headers(ha) == clean_headers(hb)
    assert hb["Content-Length"] == "5"
    ga, gb, ra, rb = both(srv, lambda c: c.get_object(Bucket=BUCKET, Key="dir/o.txt"))
    assert shape(ra) == shape(rb)
    assert clean_headers(ga) == clean_headers(gb)
    assert ga["Body"].get_raw_stream().read() == gb["Body"].get_raw_stream().read() == b"hello"
    ha, hb, ra, rb = both(srv, lambda c: c.delete_object(Bucket=BUCKET, Key="dir/o.txt"))
    assert shape(ra) == shape(rb)
    assert clean_headers(ha) == clean_headers(hb)


def test_get_object_error_same(srv: CosTestServer) -> None:
    codes = []
    for mod in (qcloud_cos, cos_ci):
        with pytest.raises(mod.CosServiceError) as ei:
            make_client(mod, srv.port).get_object(Bucket=BUCKET, Key="nope.jpg")
        codes.append((ei.value.get_error_code(), ei.value.get_status_code()))
    assert codes[0] == codes[1] == ("NoSuchKey", 404)


def test_presigned_url_same_shape(srv: CosTestServer) -> None:
    urls = [
        make_client(mod, srv.port).get_presigned_url(
            Bucket=BUCKET, Key="photos/cat.jpg", Method="GET", Expired=300,
            Params={"imageMogr2/thumbnail/200x": ""})
        for mod in (qcloud_cos, cos_ci)
    ]
    from urllib.parse import parse_qs, urlsplit

    def parts(u: str) -> Tuple[str, Dict[str, List[str]]]:
        s = urlsplit(u)
        return s.path, parse_qs(s.query, keep_blank_values=True)

    (pa, qa), (pb, qb) = parts(urls[0]), parts(urls[1])
    assert pa == pb == "/photos/cat.jpg"
    assert set(qa) == set(qb)
    for k in ("q-sign-algorithm", "q-ak", "q-header-list", "q-url-param-list"):
        assert qa[k] == qb[k], k
    assert "imageMogr2/thumbnail/200x" in qb
    # Both are accepted by the test server with the same signed lists.
    d = make_client(cos_ci, srv.port).get_presigned_download_url(
        Bucket=BUCKET, Key="photos/cat.jpg", Params={"imageMogr2/thumbnail/200x": ""})
    assert parts(d)[1]["q-url-param-list"] == qa["q-url-param-list"]
