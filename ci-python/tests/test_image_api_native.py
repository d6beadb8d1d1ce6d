"""The image API's calls (styles, imageInspect, QR codes, image info, download
compression, ci_process, AIPicMatting) run natively by cos-ci with the official SDK's
names and keyword arguments, and answer what cos-python-sdk-v5 1.9.44 answers: each call
is made by both clients against the same local server (``cos_ci.serve``, in-process) and
the two answers compared."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

import cos_ci
import qcloud_cos
from qcloud_cos.ai_recognition import AIRecognitionClient
from cos_ci.testing import LocalCos, local_cos

from conftest import BUCKET, make_client
from cosserver import CosTestServer

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
PHOTO = (CORPUS / "photo.jpg").read_bytes()
CODE_TEXT = "https://example.com/cos-ci"

IMAGE_CALLS = [
    "ci_put_image_style", "ci_get_image_style", "ci_delete_image_style", "ci_get_object",
    "ci_download_compress_image", "ci_get_image_info", "ci_get_image_exif_info",
    "ci_get_image_ave_info", "ci_image_inspect", "ci_process", "ci_qrcode_generate",
    "ci_get_object_qrcode", "ci_put_object_from_local_file_and_get_qrcode",
    "cos_ai_pic_matting",
]


@pytest.fixture
def cos() -> Iterator[LocalCos]:
    with local_cos() as c:
        yield c


@pytest.fixture
def clients(cos: LocalCos) -> Tuple[Any, Any]:
    return cos.client("official"), cos.client("cos_ci")


def stable(headers: Dict[str, Any]) -> Dict[str, Any]:
    """The response headers that must be the same for both clients (not the request's
    id or date), names compared as the SDK's dict holds them."""
    volatile = {"date", "x-cos-request-id", "x-ci-request-id", "x-cos-trace-id", "body"}
    return {k: v for k, v in headers.items() if k.lower() not in volatile}


def test_the_image_calls_are_native() -> None:
    missing = [c for c in IMAGE_CALLS if c not in cos_ci.NATIVE_CALLS]
    assert missing == []
    # The official SDK's signatures: same names, same parameters in the same order.
    import inspect as pyinspect

    for name in IMAGE_CALLS:
        ours = list(pyinspect.signature(getattr(cos_ci.CosS3Client, name)).parameters)
        # (The SDK keeps its AI calls on a subclass, AIRecognitionClient.)
        official = list(pyinspect.signature(getattr(AIRecognitionClient, name)).parameters)
        assert ours == official, name


def test_styles_same(cos: LocalCos, clients: Tuple[Any, Any]) -> None:
    official, ours = clients
    for c in clients:
        headers, data = c.ci_get_image_style(Bucket=cos.bucket, Request={})
        assert data == {"StyleList": None}
    a = official.ci_put_image_style(Bucket=cos.bucket, Request={
        "StyleName": "thumb", "StyleBody": "imageMogr2/thumbnail/64x/format/png"})
    b = ours.ci_put_image_style(Bucket=cos.bucket, Request={
        "StyleName": "gray", "StyleBody": "imageMogr2/grayscale/1"})
    assert stable(a) == stable(b)
    assert b["Content-Length"] == "0" and b["x-cos-request-id"]
    one = [c.ci_get_image_style(Bucket=cos.bucket, Request={"StyleName": "thumb"})
           for c in clients]
    assert one[0][1] == one[1][1] == {"StyleRule": {
        "StyleName": "thumb", "StyleBody": "imageMogr2/thumbnail/64x/format/png"}}
    assert stable(one[0][0]) == stable(one[1][0])
    every = [c.ci_get_image_style(Bucket=cos.bucket, Request={})[1] for c in clients]
    assert every[0] == every[1] == {"StyleRule": [
        {"StyleName": "gray", "StyleBody": "imageMogr2/grayscale/1"},
        {"StyleName": "thumb", "StyleBody": "imageMogr2/thumbnail/64x/format/png"}]}
    # Applied by ci_get_object, both clients writing the same file.
    official.put_object(Bucket=cos.bucket, Body=PHOTO, Key="st/photo.jpg")
    out = {}
    for name, c in (("official", official), ("ours", ours)):
        dest = Path(cos.root) / ("thumb-" + name)
        h = c.ci_get_object(Bucket=cos.bucket, Key="st/photo.jpg", DestImagePath=str(dest),
                            Rule="style/thumb")
        out[name] = (stable(h), dest.read_bytes())
    assert out["official"] == out["ours"]
    assert out["ours"][1][:8] == b"\x89PNG\r\n\x1a\n"
    # The service refuses a bad name or rule (400); cos-ci refuses them before sending.
    for request, where in [({"StyleName": "a b", "StyleBody": "imageMogr2/grayscale/1"}, "a b"),
                           ({"StyleName": "bad", "StyleBody": "imageMogr2/rotate/400"}, "400")]:
        with pytest.raises(qcloud_cos.CosServiceError) as official_error:
            official.ci_put_image_style(Bucket=cos.bucket, Request=request)
        assert official_error.value.get_status_code() == 400
        with pytest.raises(cos_ci.CosClientError, match="refused before sending") as ei:
            ours.ci_put_image_style(Bucket=cos.bucket, Request=request)
        assert where in str(ei.value)
    assert ours.ci_get_image_style(Bucket=cos.bucket, Request={})[1] == every[1]
    a = official.ci_delete_image_style(Bucket=cos.bucket, Request={"StyleName": "gray"})
    b = ours.ci_delete_image_style(Bucket=cos.bucket, Request={"StyleName": "thumb"})
    assert stable(a) == stable(b)
    assert [c.ci_get_image_style(Bucket=cos.bucket, Request={})[1] for c in clients] == [
        {"StyleList": None}, {"StyleList": None}]


def test_info_exif_ave_inspect_same(cos: LocalCos, clients: Tuple[Any, Any]) -> None:
    official, ours = clients
    hidden = PHOTO + b"Rar!\x1a\x07\x00 an archive hidden after the image"
    official.put_object(Bucket=cos.bucket, Body=PHOTO, Key="ii/photo.jpg")
    official.put_object(Bucket=cos.bucket, Body=hidden, Key="ii/hidden.jpg")
    exif = (CORPUS / "exif-camera.jpg").read_bytes()
    official.put_object(Bucket=cos.bucket, Body=exif, Key="ii/exif.jpg")
    for call, key in [("ci_get_image_info", "ii/photo.jpg"),
                      ("ci_get_image_exif_info", "ii/photo.jpg"),
                      ("ci_get_image_exif_info", "ii/exif.jpg"),
                      ("ci_get_image_ave_info", "ii/photo.jpg"),
                      ("ci_image_inspect", "ii/photo.jpg"),
                      ("ci_image_inspect", "ii/hidden.jpg")]:
        a = getattr(official, call)(Bucket=cos.bucket, Key=key)
        b = getattr(ours, call)(Bucket=cos.bucket, Key=key)
        assert isinstance(b[1], bytes), call
        assert (stable(a[0]), a[1]) == (stable(b[0]), b[1]), (call, key)
    assert ours.ci_get_image_ave_info(Bucket=cos.bucket, Key="ii/photo.jpg")[1] == \
        b'{"RGB":"0x787590"}'
    # The same report locally.
    for key, data in [("ii/photo.jpg", PHOTO), ("ii/hidden.jpg", hidden)]:
        _, served = ours.ci_image_inspect(Bucket=cos.bucket, Key=key)
        assert cos_ci.inspect(data) == json.loads(served)
    assert cos_ci.inspect(hidden)["suspiciousType"] == "RAR"
    with pytest.raises(cos_ci.CosServiceError) as ei:
        ours.ci_image_inspect(Bucket=cos.bucket, Key="ii/missing.jpg")
    assert (ei.value.get_status_code(), ei.value.get_error_code()) == (404, "NoSuchKey")


def test_qr_codes_same(cos: LocalCos, clients: Tuple[Any, Any], tmp_path: Path) -> None:
    official, ours = clients
    made = [c.ci_qrcode_generate(Bucket=cos.bucket, QrcodeContent=CODE_TEXT, Width=210)
            for c in clients]
    assert made[0] == made[1]
    png = base64.b64decode(made[1]["ResultImage"])
    official.put_object(Bucket=cos.bucket, Body=png, Key="qr/code.png")
    for cover in (0, 1):
        a = official.ci_get_object_qrcode(Bucket=cos.bucket, Key="qr/code.png", Cover=cover)
        b = ours.ci_get_object_qrcode(Bucket=cos.bucket, Key="qr/code.png", Cover=cover)
        assert (stable(a[0]), a[1]) == (stable(b[0]), b[1])
        assert b[1]["CodeStatus"] == "1"
    assert b[1]["QRcodeInfo"]["CodeUrl"] == CODE_TEXT
    # The upload form with a QRcode rule.
    path = tmp_path / "code.png"
    path.write_bytes(png)
    ops = '{"is_pic_info":1,"rules":[{"fileid":"c.png","rule":"QRcode/cover/0"}]}'
    ups = [c.ci_put_object_from_local_file_and_get_qrcode(
        Bucket=cos.bucket, LocalFilePath=str(path), Key="qr/up-%d.png" % i, PicOperations=ops)
        for i, c in enumerate(clients)]
    a_obj, b_obj = (u[1]["ProcessResults"]["Object"] for u in ups)
    assert a_obj["QRcodeInfo"] == b_obj["QRcodeInfo"]
    assert b_obj["CodeStatus"] == "1"
    # An answer the server refuses: the same error.
    errors = []
    for c in clients:
        with pytest.raises((qcloud_cos.CosServiceError, cos_ci.CosServiceError)) as ei:
            c.ci_get_object_qrcode(Bucket=cos.bucket, Key="qr/code.png", Cover=0, BarType=2)
        errors.append((ei.value.get_status_code(), ei.value.get_error_code()))
    assert errors[0] == errors[1] and errors[0][0] == 501


def test_compression_and_ci_process_same(cos: LocalCos, clients: Tuple[Any, Any]) -> None:
    official, ours = clients
    official.put_object(Bucket=cos.bucket, Body=PHOTO, Key="cp/photo.jpg")
    for kind in ("webp", "avif"):
        out = []
        for i, c in enumerate(clients):
            dest = Path(cos.root) / ("out-%d.%s" % (i, kind))
            h = c.ci_download_compress_image(Bucket=cos.bucket, Key="cp/photo.jpg",
                                             DestImagePath=str(dest), CompressType=kind)
            out.append((stable(h), dest.read_bytes()))
        assert out[0] == out[1]
        assert out[1][0]["Content-Type"] == "image/" + kind
    # ci_process: JSON parsed, XML as xml_to_dict + format_dict, an image as bytes.
    for process, params in [("ImageInspect", {}), ("QRcode", {"cover": 0})]:
        a = official.ci_process(Bucket=cos.bucket, Key="cp/photo.jpg", CiProcess=process,
                                Params=params, NeedHeader=True)
        b = ours.ci_process(Bucket=cos.bucket, Key="cp/photo.jpg", CiProcess=process,
                            Params=params, NeedHeader=True)
        assert (stable(a[0]), a[1]) == (stable(b[0]), b[1]), process
    assert ours.ci_process(Bucket=cos.bucket, Key="cp/photo.jpg",
                           CiProcess="ImageInspect")["picType"] == "jpeg"
    # Streamed: the same parsed documents.
    a = official.ci_process(Bucket=cos.bucket, Key="cp/photo.jpg", CiProcess="ImageInspect",
                            Stream=True)
    b = ours.ci_process(Bucket=cos.bucket, Key="cp/photo.jpg", CiProcess="ImageInspect",
                        Stream=True)
    assert a == b


def test_ai_pic_matting_same(cos: LocalCos, clients: Tuple[Any, Any]) -> None:
    _, ours = clients
    official = AIRecognitionClient(cos.config("official"))
    clients = (official, ours)
    subject = (CORPUS / "subject-plain-bg.jpg").read_bytes()
    official.put_object(Bucket=cos.bucket, Body=subject, Key="m/subject.jpg")
    results = []
    for c in clients:
        headers, body = c.cos_ai_pic_matting(Bucket=cos.bucket, ObjectKey="m/subject.jpg",
                                             CenterLayout=1, PaddingLayout="10x10")
        results.append((stable(headers), body.get_raw_stream().read()))
    assert results[0] == results[1]
    assert results[1][1][:8] == b"\x89PNG\r\n\x1a\n"
    headers, data = ours.cos_ai_pic_matting(Bucket=cos.bucket, ObjectKey="m/subject.jpg",
                                            Stream=False)
    assert isinstance(data, bytes) and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_ci_process_sends_and_reads_as_the_sdk(srv: CosTestServer) -> None:
    """Against the recording loopback server: the same query (``True`` as ``True``,
    ``None`` left out) and the same typing of JSON, XML and other answers. (That server
    is Python threads of this process: a call holding the GIL while it waits would never
    be answered.)"""
    answers = {
        "/a.json": (b'{"picSize": 3, "ok": true}', "application/json; charset=utf-8"),
        "/a.xml": (b"<Response><CodeStatus>0</CodeStatus></Response>", "application/xml"),
        "/a.png": (b"\x89PNG-not-really", "image/png"),
    }
    for path, (body, ctype) in answers.items():
        srv.state.canned[("GET", path)] = (200, body, {"Content-Type": ctype})
    results = []
    for mod in (qcloud_cos, cos_ci):
        c = make_client(mod, srv.port)
        got = []
        for path in answers:
            for stream in (False, True):
                headers, data = c.ci_process(Bucket=BUCKET, Key=path, CiProcess="Test",
                                             Params={"a": True, "b": None, "c": 3, "d": "x y"},
                                             NeedHeader=True, Stream=stream)
                if not isinstance(data, (dict, list, bytes)):
                    data = data.get_raw_stream().read()
                got.append((path, stream, headers["Content-Type"], data))
                assert srv.requests[-1].query == [
                    ("ci-process", "Test"), ("a", "True"), ("c", "3"), ("d", "x y")]
        results.append(got)
    assert results[0] == results[1]
    assert results[1][0][3] == {"picSize": 3, "ok": True}
    assert results[1][2][3] == {"CodeStatus": "0"}
    assert results[1][4][3] == b"\x89PNG-not-really"



def test_header_kwargs_hand_the_call_to_the_official_sdk(cos: LocalCos,
                                                         clients: Tuple[Any, Any]) -> None:
    official, ours = clients
    official.put_object(Bucket=cos.bucket, Body=PHOTO, Key="k/photo.jpg")
    ours.ci_get_image_style(Bucket=cos.bucket, Request={})
    ours.ci_process(Bucket=cos.bucket, Key="k/photo.jpg", CiProcess="ImageInspect")
    ours.ci_get_object_qrcode(Bucket=cos.bucket, Key="k/photo.jpg", Cover=0)
    assert ours._official_client is None, "native calls never build the official client"
    # A header keyword (sent by the SDK, not by these native calls): served officially,
    # with the same answer.
    a = official.ci_process(Bucket=cos.bucket, Key="k/photo.jpg", CiProcess="ImageInspect",
                            CacheControl="no-cache")
    b = ours.ci_process(Bucket=cos.bucket, Key="k/photo.jpg", CiProcess="ImageInspect",
                        CacheControl="no-cache")
    assert a == b and b["picType"] == "jpeg"
    assert ours._official_client is not None
    # Its errors are cos-ci's classes.
    with pytest.raises(cos_ci.CosServiceError) as ei:
        ours.ci_get_object_qrcode(Bucket=cos.bucket, Key="k/missing.jpg", Cover=0,
                                  CacheControl="no-cache")
    assert ei.value.get_status_code() == 404
