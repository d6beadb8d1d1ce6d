"""Beyond the SDK: rules, Pic-Operations, typed UploadResult, signing."""

from __future__ import annotations

import time
from typing import Any

import pytest

import cos_ci
from qcloud_cos import CosConfig as SdkConfig
from qcloud_cos.cos_auth import CosS3Auth
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

from conftest import BUCKET
from cosserver import SEEDS, UPLOAD_RESULT_PUT, CosTestServer

VECTOR1_HEADERS = {
    "Host": "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    "Pic-Operations": '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}',
    "Content-Length": "64",
    "Content-Type": "image/jpeg",
    "x-cos-meta-owner": "Ann Lee",
}


def test_signature_vector_1_equals_official(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = cos_ci.sign("AKIDexample", "sk-example", "PUT", "/photos/cat 1.jpg",
                       "1795377299;1795387359", [], list(VECTOR1_HEADERS.items()))
    assert ours.endswith("q-signature=91d20915c60a14bb095c16ed07f4e7436d80cad1")

    class Req:
        method = "PUT"
        url = "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/photos/cat%201.jpg"
        headers = dict(VECTOR1_HEADERS)

    conf = SdkConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="sk-example")
    import qcloud_cos.cos_auth as auth_mod

    monkeypatch.setattr(auth_mod.time, "time", lambda: 1795377359.0)
    r = CosS3Auth(conf, "photos/cat 1.jpg", expire=10000)(Req())
    assert r.headers["Authorization"] == ours


def test_signature_vector_2() -> None:
    h = [("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
         ("Content-Length", "0"),
         ("Pic-Operations", '{"is_pic_info":1,"rules":[{"fileid":"/out/a.webp","rule":"imageMogr2/format/webp/quality/80"}]}')]
    a = cos_ci.sign("AKIDexample", "sk-example", "POST", "/photos/cat 1.jpg",
                    "1795377299;1795387359", [("image_process", None)], h)
    assert "q-url-param-list=image_process&" in a
    assert a.endswith("q-signature=11e550e7c777bb7eeb8296e6b67763004f28bd2b")


def test_parse_rule() -> None:
    r = cos_ci.parse_rule("imageMogr2/thumbnail/200x/format/png|imageView2/1/w/100/h/100")
    assert r.stages == ["imageMogr2", "imageView2"]
    assert r.canonical == str(r)
    assert cos_ci.parse_rule(r.canonical) == r
    assert not r.is_ai_pic_matting
    assert cos_ci.parse_rule("ci-process=AIPicMatting").is_ai_pic_matting
    assert len({r, cos_ci.parse_rule(r.canonical)}) == 1


def test_rule_error_offsets() -> None:
    with pytest.raises(cos_ci.RuleError) as ei:
        cos_ci.parse_rule("imageMogr2/thumbnail/200x/bo$gus/1")
    e = ei.value
    assert isinstance(e, ValueError)
    assert (e.offset, e.token) == (26, "bo$gus")
    assert "bo$gus" in str(e) and e.rule_index is None
    # Well-formed but not modelled: carried through as written (the cloud decides).
    opaque = cos_ci.parse_rule("imageMogr2/thumbnail/200x/newop/1|QRcode/cover/0")
    assert opaque.canonical == "imageMogr2/thumbnail/200x/newop/1|QRcode/cover/0"


def test_rule_and_pic_operations_builder() -> None:
    ops = cos_ci.PicOperations(
        [cos_ci.Rule("thumb.png", "imageMogr2/thumbnail/200x/format/png")], is_pic_info=True)
    assert ops.to_header() == (
        '{"is_pic_info":1,"rules":[{"fileid":"thumb.png",'
        '"rule":"imageMogr2/thumbnail/200x/format/png"}]}'
    )
    assert cos_ci.PicOperations.parse(ops.to_header()) == ops
    assert ops.rules[0].parsed().stages == ["imageMogr2"]
    assert ops.is_pic_info
    with pytest.raises(cos_ci.RuleError) as ei:
        cos_ci.Rule("a.png", "imageMogr2/no$pe")
    assert ei.value.token == "no$pe"
    assert cos_ci.Rule("a.png", "watermark/3/type/3/text/dGVzdA").rule == "watermark/3/type/3/text/dGVzdA"
    with pytest.raises(cos_ci.PicOperationsError):
        cos_ci.PicOperations([cos_ci.Rule("a%d.png" % i, "imageMogr2/format/png") for i in range(6)])
    with pytest.raises(cos_ci.PicOperationsError) as e2:
        cos_ci.PicOperations.parse('{"rules":[{"fileid":"a.png","rule":"imageMogr2/format/png"},'
                                   '{"fileid":"b.png","rule":"imageMogr2/x$/1"}]}')
    assert isinstance(e2.value, cos_ci.RuleError) and e2.value.rule_index == 1
    with pytest.raises(cos_ci.PicOperationsError):
        cos_ci.PicOperations.parse("{not json")


def test_value_errors_constructed() -> None:
    """RuleError, PicOperationsError and ProcessError built by hand, as raised."""
    r = cos_ci.RuleError("bad token", 3, "tok", "UnknownOption", rule_index=2)
    assert (r.offset, r.token, r.kind, r.rule_index, r.cos_code) == (
        3, "tok", "UnknownOption", 2, "InvalidArgument")
    assert (str(r), r.args) == ("bad token", ("bad token",))
    assert isinstance(r, cos_ci.PicOperationsError) and isinstance(r, ValueError)
    assert cos_ci.PicOperationsError("too many").cos_code == "InvalidPicOperations"
    p = cos_ci.ProcessError(message="no", code="ImageTooLarge")
    assert (str(p), p.code) == ("no", "ImageTooLarge")


def test_pic_operations_object_as_kwarg(ours: Any, srv: CosTestServer) -> None:
    ops = cos_ci.PicOperations([cos_ci.Rule("t.png", "imageMogr2/format/png")])
    ours.ci_put_object(Bucket=BUCKET, Body=b"x", Key="a.jpg", PicOperations=ops)
    assert srv.requests[-1].headers["pic-operations"] == ops.to_header()


def test_invalid_pic_operations_refused_before_sending(ours: Any, srv: CosTestServer) -> None:
    with pytest.raises(cos_ci.CosClientError, match="rule 0"):
        ours.ci_put_object(Bucket=BUCKET, Body=b"x", Key="a.jpg",
                           PicOperations='{"rules":[{"fileid":"a.png","rule":"imageMogr2/bo$gus/1"}]}')
    assert srv.requests == []


def test_resolve_fileid() -> None:
    assert cos_ci.resolve_fileid("photos/cat.jpg", "thumb.png") == "photos/thumb.png"
    assert cos_ci.resolve_fileid("photos/cat.jpg", "/out/a.png") == "out/a.png"


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("upload_result_*.xml")))
def test_xml_to_dict_equals_official(seed: str) -> None:
    xml = (SEEDS / seed).read_bytes()
    assert cos_ci.xml_to_dict(xml.decode()) == sdk_xml_to_dict(xml)
    assert cos_ci.UploadResult.from_xml(xml.decode()).to_dict() == sdk_xml_to_dict(xml)


def test_typed_upload_result(ours: Any, srv: CosTestServer) -> None:
    h, typed = ours.ci_put_object_typed(Bucket=BUCKET, Body=b"x", Key="a.jpg",
                                        PicOperations='{"is_pic_info":1,"rules":[{"fileid":"test.png","rule":"imageMogr2/format/png"}]}')
    assert typed is not None
    oi = typed.original_info
    assert oi is not None and oi.key == "filename.jpg" and oi.etag.startswith('"')
    assert oi.image_info is not None
    assert (oi.image_info.format, oi.image_info.width, oi.image_info.height) == ("JPEG", 640, 427)
    (pr,) = typed.process_results
    assert (pr.key, pr.format, pr.size, pr.width) == ("test.png", "png", 463092, 640)
    assert typed.to_dict() == sdk_xml_to_dict(UPLOAD_RESULT_PUT)
    assert cos_ci.UploadResult.from_xml(typed.to_xml()) == typed
    _, typed2 = ours.ci_image_process_typed(Bucket=BUCKET, Key="a.jpg",
                                            PicOperations='{"rules":[{"fileid":"b.png","rule":"imageMogr2/format/png"}]}')
    assert typed2.process_results
    h2, none = ours.ci_put_object_typed(Bucket=BUCKET, Body=b"x", Key="plain.jpg")
    assert none is None and h2["ETag"]


def test_config_errors() -> None:
    with pytest.raises(cos_ci.CosClientError):
        cos_ci.CosConfig(Region="ap-guangzhou", SecretId="", SecretKey="x")
    with pytest.raises(cos_ci.CosClientError):
        cos_ci.CosConfig(SecretId="a", SecretKey="b")
    with pytest.raises(cos_ci.CosClientError):
        cos_ci.CosConfig(Region="r", SecretId="a", SecretKey="b", Scheme="ftp")


def test_connection_refused_is_client_error() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = cos_ci.CosS3Client(cos_ci.CosConfig(Region="ap-guangzhou", SecretId="a", SecretKey="b",
                                            Scheme="http", IP="127.0.0.1", Port=port, Timeout=2), retry=0)
    t = time.monotonic()
    with pytest.raises(cos_ci.CosClientError):
        c.head_object(Bucket=BUCKET, Key="x")
    assert time.monotonic() - t < 5
