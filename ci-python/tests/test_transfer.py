"""Downloads with processing, AIPicMatting, multipart with Pic-Operations."""

from __future__ import annotations

from typing import Any

import pytest

import cos_ci
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

from conftest import BUCKET
from cosserver import UPLOAD_RESULT_PUT, CosTestServer, complete_with_pic

PIC_OPS = '{"is_pic_info":1,"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}'


def test_get_object_with_rule(ours: Any, srv: CosTestServer, tmp_path: Any) -> None:
    ours.put_object(Bucket=BUCKET, Body=b"IMG", Key="p/cat.jpg")
    resp = ours.get_object(Bucket=BUCKET, Key="p/cat.jpg", ProcessRule="imageMogr2/thumbnail/200x")
    r = srv.requests[-1]
    assert r.method == "GET" and r.query == [("imageMogr2/thumbnail/200x", "")]
    assert r.signed_params == ["imagemogr2%2fthumbnail%2f200x"]
    body = resp["Body"]
    assert len(body) == len(b"PROCESSED:imageMogr2/thumbnail/200x:IMG")
    assert body.read(10) == b"PROCESSED:"
    assert b"".join(body.get_stream(4)) == b"imageMogr2/thumbnail/200x:IMG"
    resp = ours.get_object(Bucket=BUCKET, Key="p/cat.jpg", Style="small")
    assert srv.requests[-1].query == [("style/small", "")]
    out = tmp_path / "out.jpg"
    resp["Body"].get_stream_to_file(str(out))
    assert out.read_bytes() == b"PROCESSED:style/small:IMG"
    h = ours.get_object_to_file(Bucket=BUCKET, Key="p/cat.jpg", DestFilePath=str(out),
                                ProcessRule=cos_ci.parse_rule("imageView2/1/w/10"))
    assert out.read_bytes().startswith(b"PROCESSED:imageView2/1/w/10:")
    assert h["Content-Length"] == str(out.stat().st_size)


def test_get_object_response_params(ours: Any, srv: CosTestServer) -> None:
    ours.put_object(Bucket=BUCKET, Body=b"IMG", Key="r.jpg")
    ours.get_object(Bucket=BUCKET, Key="r.jpg", ResponseContentType="image/png", VersionId="v1")
    q = dict(srv.requests[-1].query)
    assert q == {"response-content-type": "image/png", "versionId": "v1"}


def test_key_simplify_check(ours: Any) -> None:
    with pytest.raises(cos_ci.CosClientError):
        ours.get_object(Bucket=BUCKET, Key="a/../")


def test_ai_pic_matting(ours: Any, srv: CosTestServer) -> None:
    resp = ours.ci_get_ai_pic_matting(Bucket=BUCKET, Key="p/cat.jpg", CenterLayout=1)
    assert resp["Body"].read(100) == b"MATTED-PNG"
    assert srv.requests[-1].query == [("ci-process", "AIPicMatting"), ("center-layout", "1")]
    resp = ours.ci_get_ai_pic_matting(Bucket=BUCKET, DetectUrl="https://example.com/a.jpg")
    r = srv.requests[-1]
    assert r.path == "/" and dict(r.query)["detect-url"] == "https://example.com/a.jpg"


def test_multipart_with_pic_operations(ours: Any, srv: CosTestServer) -> None:
    init = ours.create_multipart_upload(Bucket=BUCKET, Key="big.jpg", ContentType="image/jpeg")
    assert init["UploadId"] == "upload-1" and init["Key"] == "big.jpg"
    parts = []
    for n, chunk in enumerate([b"a" * 1024, b"b" * 10], start=1):
        h = ours.upload_part(Bucket=BUCKET, Key="big.jpg", Body=chunk, PartNumber=n,
                             UploadId=init["UploadId"], EnableMD5=True)
        assert "content-md5" in srv.requests[-1].headers
        parts.append({"PartNumber": n, "ETag": h["ETag"]})
    data = ours.complete_multipart_upload(Bucket=BUCKET, Key="big.jpg", UploadId="upload-1",
                                          MultipartUpload={"Part": parts}, PicOperations=PIC_OPS)
    r = srv.requests[-1]
    assert r.method == "POST" and dict(r.query) == {"uploadId": "upload-1"}
    assert b"<PartNumber>2</PartNumber>" in r.body and r.headers["pic-operations"] == PIC_OPS
    expected = sdk_xml_to_dict(complete_with_pic("big.jpg"))
    assert list(expected) == ["Location", "Bucket", "Key", "ETag", "OriginalInfo", "ProcessResults"]
    assert {k: data[k] for k in expected} == expected
    assert data["ETag"] == '"abc-2"'
    plain = ours.complete_multipart_upload(Bucket=BUCKET, Key="big.jpg", UploadId="upload-1",
                                           MultipartUpload={"Part": parts})
    assert plain["ETag"] == '"abc-2"' and plain["Key"] == "big.jpg"
    ours.abort_multipart_upload(Bucket=BUCKET, Key="big.jpg", UploadId="upload-1")
    assert srv.requests[-1].method == "DELETE"


def test_multipart_upload_file(ours: Any, srv: CosTestServer, tmp_path: Any) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"z" * 5000)
    h, data = ours.ci_multipart_upload_file(Bucket=BUCKET, LocalFilePath=str(p), Key="f.bin",
                                            PicOperations=PIC_OPS)
    assert data == sdk_xml_to_dict(complete_with_pic("f.bin"))
    methods = [r.method for r in srv.requests]
    assert methods[0] == "POST" and methods[-1] == "POST" and "PUT" in methods


def test_multipart_complete_with_pic_operations_as_the_sdk(
    ours: Any, official: Any, srv: CosTestServer
) -> None:
    """The official SDK and cos_ci return the same body entries for the combined answer;
    only cos_ci reads the bare UploadResult older cos-ci servers answered (the SDK wants
    an ETag in the body)."""
    parts = {"Part": [{"PartNumber": 1, "ETag": '"aa"'}]}
    expected = sdk_xml_to_dict(complete_with_pic("big.jpg"))
    for c in (official, ours):
        out = c.complete_multipart_upload(Bucket=BUCKET, Key="big.jpg", UploadId="upload-1",
                                          MultipartUpload=parts, PicOperations=PIC_OPS)
        assert srv.requests[-1].headers["pic-operations"] == PIC_OPS
        assert {k: out[k] for k in expected} == expected
    legacy = ours.complete_multipart_upload(Bucket=BUCKET, Key="legacy/big.jpg",
                                            UploadId="upload-1", MultipartUpload=parts,
                                            PicOperations=PIC_OPS)
    assert legacy["ProcessResults"] == sdk_xml_to_dict(UPLOAD_RESULT_PUT)["ProcessResults"]
    assert "ETag" not in legacy
    with pytest.raises(Exception) as ei:
        official.complete_multipart_upload(Bucket=BUCKET, Key="legacy/big.jpg",
                                           UploadId="upload-1", MultipartUpload=parts,
                                           PicOperations=PIC_OPS)
    assert type(ei.value).__name__ == "CosServiceError"


def test_presigned_download_url_with_rule(ours: Any) -> None:
    url = ours.get_presigned_download_url(Bucket=BUCKET, Key="a b.jpg", Expired=60,
                                          Params={"imageMogr2/thumbnail/100x": ""})
    assert url.startswith("http://127.0.0.1:")
    from urllib.parse import parse_qs, urlsplit

    q = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert q["q-url-param-list"] == ["imagemogr2%2fthumbnail%2f100x"]
    assert q["imageMogr2/thumbnail/100x"] == [""]
    assert "/a%20b.jpg?" in url
