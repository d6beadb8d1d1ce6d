"""The official SDK (cos-python-sdk-v5 1.9.44), unmodified, against `cos-ci serve`: its
image API calls by their own names (styles, imageInspect, QR codes, image info,
download compression, ci_process), each answered as the cloud answers them, and the
calls that stay unbuilt refused honestly (501, nothing stored)."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Tuple

import pytest

import qcloud_cos

# The server fixture and client of the fidelity tests: `cos-ci serve --bucket`, the SDK
# with IP=/Port= as a user points it at the local server.
from test_official_sdk_fidelity import BUCKET, PHOTO, client, fetch, served  # noqa: F401

CODE_TEXT = "https://example.com/cos-ci"


def png_size(data: bytes) -> Tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_styles_are_added_listed_applied_and_deleted(served: Tuple[str, int],
                                                     tmp_path: Path) -> None:
    c = client(served)
    # Nothing yet: `<StyleList/>`, which the SDK reads as {'StyleList': None}.
    headers, data = c.ci_get_image_style(Bucket=BUCKET, Request={})
    assert data == {"StyleList": None}
    assert headers["Content-Type"] == "application/xml"

    put = c.ci_put_image_style(Bucket=BUCKET, Request={
        "StyleName": "thumb", "StyleBody": "imageMogr2/thumbnail/64x/format/png"})
    assert put["x-cos-request-id"] and put["Content-Length"] == "0"
    # One style: a dict; several: a list (no format_dict in this method).
    _, data = c.ci_get_image_style(Bucket=BUCKET, Request={"StyleName": "thumb"})
    assert data == {"StyleRule": {"StyleName": "thumb",
                                  "StyleBody": "imageMogr2/thumbnail/64x/format/png"}}
    c.ci_put_image_style(Bucket=BUCKET, Request={"StyleName": "gray",
                                                 "StyleBody": "imageMogr2/grayscale/1"})
    _, data = c.ci_get_image_style(Bucket=BUCKET, Request={})
    assert data == {"StyleRule": [
        {"StyleName": "gray", "StyleBody": "imageMogr2/grayscale/1"},
        {"StyleName": "thumb", "StyleBody": "imageMogr2/thumbnail/64x/format/png"},
    ]}

    # Applied: in a download rule, in Pic-Operations, in a pre-signed URL.
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="st/photo.jpg")
    dest = tmp_path / "thumb.png"
    got = c.ci_get_object(Bucket=BUCKET, Key="st/photo.jpg", DestImagePath=str(dest),
                          Rule="style/thumb")
    assert got["Content-Type"] == "image/png"
    assert png_size(dest.read_bytes()) == (64, 40)
    _, result = c.ci_put_object(
        Bucket=BUCKET, Body=PHOTO, Key="st/up.jpg",
        PicOperations=json.dumps({"is_pic_info": 0, "rules": [
            {"fileid": "up-thumb.png", "rule": "style/thumb"}]}))
    assert result["ProcessResults"]["Object"]["Key"] == "st/up-thumb.png"
    assert result["ProcessResults"]["Object"]["Width"] == "64"
    url = c.get_presigned_url(Bucket=BUCKET, Key="st/photo.jpg", Method="GET", Expired=300,
                              Params={"style/thumb": ""})
    status, body = fetch(url)
    assert status == 200 and png_size(body) == (64, 40)

    # A malformed rule or name: 400, and the list is unchanged.
    for request in [{"StyleName": "bad", "StyleBody": "imageMogr2/rotate/400"},
                    {"StyleName": "a b", "StyleBody": "imageMogr2/grayscale/1"}]:
        with pytest.raises(qcloud_cos.CosServiceError) as ei:
            c.ci_put_image_style(Bucket=BUCKET, Request=request)
        assert ei.value.get_status_code() == 400
        assert ei.value.get_error_code() == "InvalidArgument"

    deleted = c.ci_delete_image_style(Bucket=BUCKET, Request={"StyleName": "gray"})
    assert deleted["x-cos-request-id"]
    c.ci_delete_image_style(Bucket=BUCKET, Request={"StyleName": "thumb"})
    _, data = c.ci_get_image_style(Bucket=BUCKET, Request={})
    assert data == {"StyleList": None}


def test_image_inspect(served: Tuple[str, int]) -> None:
    c = client(served)
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="in/clean.jpg")
    hidden = PHOTO + b"Rar!\x1a\x07\x00 an archive hidden after the image"
    c.put_object(Bucket=BUCKET, Body=hidden, Key="in/hidden.jpg")
    headers, data = c.ci_image_inspect(Bucket=BUCKET, Key="in/clean.jpg")
    assert headers["Content-Type"] == "application/json"
    assert data == b'{"picSize":%d,"picType":"jpeg","suspicious":false}' % len(PHOTO)
    _, data = c.ci_image_inspect(Bucket=BUCKET, Key="in/hidden.jpg")
    assert json.loads(data) == {
        "picSize": len(hidden), "picType": "jpeg", "suspicious": True,
        "suspiciousBeginByte": len(PHOTO), "suspiciousEndByte": len(hidden) - 1,
        "suspiciousSize": len(hidden) - len(PHOTO), "suspiciousType": "RAR"}
    # The same through ci_process: JSON, parsed by the SDK.
    assert c.ci_process(Bucket=BUCKET, Key="in/clean.jpg", CiProcess="ImageInspect") == {
        "picSize": len(PHOTO), "picType": "jpeg", "suspicious": False}
    with pytest.raises(qcloud_cos.CosServiceError) as ei:
        c.ci_image_inspect(Bucket=BUCKET, Key="in/missing.jpg")
    assert (ei.value.get_status_code(), ei.value.get_error_code()) == (404, "NoSuchKey")


def test_qr_codes(served: Tuple[str, int]) -> None:
    c = client(served)
    data = c.ci_qrcode_generate(Bucket=BUCKET, QrcodeContent=CODE_TEXT, Width=210)
    png = base64.b64decode(data["ResultImage"])
    assert png_size(png) == (210, 210)
    c.put_object(Bucket=BUCKET, Body=png, Key="qr/code.png")

    headers, data = c.ci_get_object_qrcode(Bucket=BUCKET, Key="qr/code.png", Cover=0)
    assert headers["Content-Type"] == "application/xml"
    assert data == {"CodeStatus": "1", "QRcodeInfo": {
        "CodeUrl": CODE_TEXT,
        "CodeLocation": {"Point": ["30,30", "186,30", "186,186", "30,186"]}}}
    _, data = c.ci_get_object_qrcode(Bucket=BUCKET, Key="qr/code.png", Cover=1)
    assert data["CodeStatus"] == "1"
    covered = base64.b64decode(data["ResultImage"])
    c.put_object(Bucket=BUCKET, Body=covered, Key="qr/covered.png")
    _, data = c.ci_get_object_qrcode(Bucket=BUCKET, Key="qr/covered.png", Cover=0)
    assert data == {"CodeStatus": "0"}
    # ci_process with an XML answer: parsed, as the SDK parses `application/xml`.
    assert c.ci_process(Bucket=BUCKET, Key="qr/code.png", CiProcess="QRcode",
                        Params={"cover": 0})["CodeStatus"] == "1"

    # On upload: the rule's ProcessResults carry the code.
    _, result = c.ci_put_object(
        Bucket=BUCKET, Body=png, Key="qr/up.png",
        PicOperations='{"is_pic_info":1,"rules":[{"fileid":"up-covered.png","rule":"QRcode/cover/1"}]}')
    obj = result["ProcessResults"]["Object"]
    assert obj["Key"] == "qr/up-covered.png" and obj["CodeStatus"] == "1"
    assert obj["QRcodeInfo"]["CodeUrl"] == CODE_TEXT
    assert obj["QRcodeInfo"]["CodeLocation"]["Point"] == ["30,30", "186,30", "186,186", "30,186"]

    # Barcodes are not recognised here: an honest 501 naming it.
    with pytest.raises(qcloud_cos.CosServiceError) as ei:
        c.ci_get_object_qrcode(Bucket=BUCKET, Key="qr/code.png", Cover=0, BarType=2)
    assert ei.value.get_status_code() == 501
    assert "bar-type/2" in ei.value.get_error_msg()


def test_image_info_exif_ave_and_compression(served: Tuple[str, int], tmp_path: Path) -> None:
    c = client(served)
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="ii/photo.jpg")
    headers, data = c.ci_get_image_info(Bucket=BUCKET, Key="ii/photo.jpg")
    assert headers["Content-Type"] == "application/json"
    info = json.loads(data)
    assert all(isinstance(v, str) for v in info.values()), info
    assert (info["width"], info["height"], info["size"]) == ("640", "400", str(len(PHOTO)))
    _, data = c.ci_get_image_exif_info(Bucket=BUCKET, Key="ii/photo.jpg")
    assert data == b'{"error" : "no exif data"}'
    _, data = c.ci_get_image_ave_info(Bucket=BUCKET, Key="ii/photo.jpg")
    assert data == b'{"RGB":"0x787590"}'

    for kind, magic in [("webp", b"WEBP"), ("avif", b"ftypavif")]:
        dest = tmp_path / ("out." + kind)
        got = c.ci_download_compress_image(Bucket=BUCKET, Key="ii/photo.jpg",
                                           DestImagePath=str(dest), CompressType=kind)
        assert got["Content-Type"] == "image/" + kind
        assert magic in dest.read_bytes()[:16]
    for kind in ["tpg", "heif"]:
        with pytest.raises(qcloud_cos.CosServiceError) as ei:
            c.ci_download_compress_image(Bucket=BUCKET, Key="ii/photo.jpg",
                                         DestImagePath=str(tmp_path / "x"), CompressType=kind)
        assert ei.value.get_status_code() == 400
        assert ei.value.get_error_code() == "UnsupportedFormat"
        assert kind in ei.value.get_error_msg()


def test_unbuilt_stages_and_ci_paths(served: Tuple[str, int]) -> None:
    c = client(served)
    before = c.list_objects(Bucket=BUCKET)
    with pytest.raises(qcloud_cos.CosServiceError) as ei:
        c.ci_put_object(Bucket=BUCKET, Body=PHOTO, Key="un/photo.jpg",
                        PicOperations='{"rules":[{"fileid":"slim.jpg","rule":"imageSlim"}]}')
    assert ei.value.get_status_code() == 501
    assert "imageSlim" in ei.value.get_error_msg()
    assert c.list_objects(Bucket=BUCKET) == before
    # Objects whose keys start like CI API paths are objects.
    for key in ["jobs/photo.jpg", "template/a.png"]:
        c.put_object(Bucket=BUCKET, Body=b"object " + key.encode(), Key=key)
        body = c.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read()
        assert body == b"object " + key.encode()
