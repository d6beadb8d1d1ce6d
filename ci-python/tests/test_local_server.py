"""Side by side against the real local server (ci-server, started with cos_ci.serve())."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Iterator, List, Tuple

import pytest

import cos_ci
import qcloud_cos

BUCKET = "examplebucket-1250000000"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[cos_ci.LocalServer]:
    s = cos_ci.serve(str(tmp_path_factory.mktemp("ci-server")))
    yield s
    s.close()
    assert not s.running


def client(mod: ModuleType, s: cos_ci.LocalServer, key: str = "sk-example") -> Any:
    conf = mod.CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey=key,
                         Scheme="http", IP=s.host, Port=s.port, Timeout=10)
    return mod.CosS3Client(conf, retry=1)


MODS = [pytest.param(qcloud_cos, id="official"), pytest.param(cos_ci, id="ours")]


def clean(h: Any) -> Any:
    return {k: v for k, v in h.items()
            if k.lower() not in ("date", "x-cos-request-id", "x-cos-trace-id", "last-modified", "body")}


def test_put_head_get_delete_same(local: cos_ci.LocalServer) -> None:
    out: List[Tuple[Any, ...]] = []
    for i, mod in enumerate((qcloud_cos, cos_ci)):
        c = client(mod, local)
        key = "side/%d/o.txt" % i
        put = c.put_object(Bucket=BUCKET, Body=b"hello local", Key=key, ContentType="text/plain",
                           Metadata={"x-cos-meta-owner": "Ann"})
        head = c.head_object(Bucket=BUCKET, Key=key)
        body = c.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read()
        c.delete_object(Bucket=BUCKET, Key=key)
        with pytest.raises(mod.CosServiceError) as ei:
            c.head_object(Bucket=BUCKET, Key=key)
        # ci-server writes names as the cloud does (`ETag`, `Content-Length`, `x-cos-*`
        # lower case); both SDKs return them as received: looked up exactly.
        out.append((put["ETag"], head["ETag"], head["Content-Length"], head.get("x-cos-meta-owner"),
                    body, ei.value.get_status_code(), ei.value.get_error_code()))
        assert put["x-cos-request-id"] and head["x-cos-request-id"]
    assert out[0] == out[1]
    assert out[1][4] == b"hello local" and out[1][5] == 404


@pytest.mark.parametrize("mod", MODS)
def test_bad_signature_refused(local: cos_ci.LocalServer, mod: ModuleType) -> None:
    with pytest.raises(mod.CosServiceError) as ei:
        client(mod, local, key="wrong").put_object(Bucket=BUCKET, Body=b"x", Key="k")
    assert ei.value.get_status_code() == 403
    assert ei.value.get_error_code() == "SignatureDoesNotMatch"


def test_ci_put_object_same_outcome(local: cos_ci.LocalServer) -> None:
    ops = '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/20x/format/png"}]}'
    outcomes = []
    for mod in (qcloud_cos, cos_ci):
        try:
            _, data = client(mod, local).ci_put_object(Bucket=BUCKET, Body=b"\\xff\\xd8not-a-jpeg",
                                                       Key="ci/a.jpg", PicOperations=ops)
            outcomes.append(("ok", sorted(data)))
        except mod.CosServiceError as e:
            outcomes.append(("error", e.get_status_code(), e.get_error_code()))
    assert outcomes[0] == outcomes[1]


def test_streamed_upload_roundtrip(local: cos_ci.LocalServer) -> None:
    import io

    big = bytes(range(256)) * 4096  # 1 MiB
    c = client(cos_ci, local)
    c.put_object(Bucket=BUCKET, Body=io.BytesIO(big), Key="big.bin")
    assert c.get_object(Bucket=BUCKET, Key="big.bin")["Body"].get_raw_stream().read() == big
    url = c.get_presigned_download_url(Bucket=BUCKET, Key="big.bin")
    import urllib.request

    # Signed for the virtual host: send that Host to the IP.
    req = urllib.request.Request(url, headers={"Host": BUCKET + ".cos.ap-guangzhou.myqcloud.com"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.read() == big


def test_ci_put_object_processed_by_local_engine(local: cos_ci.LocalServer) -> None:
    from pathlib import Path

    photo = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus" / "photo.jpg").read_bytes()
    ops = '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/200x/format/png"}]}'
    datas = []
    for mod in (qcloud_cos, cos_ci):
        _, data = client(mod, local).ci_put_object(Bucket=BUCKET, Body=photo, Key="eng/cat.jpg",
                                                   PicOperations=ops)
        datas.append(data)
    a, b = datas
    assert a == b
    obj = b["ProcessResults"]["Object"]
    assert (obj["Key"], obj["Width"], obj["Format"]) == ("eng/thumb.png", "200", "png")


def test_multipart_complete_with_pic_operations_same_dict(local: cos_ci.LocalServer) -> None:
    """The official SDK's complete_multipart_upload with PicOperations reads the server's
    combined answer (<CompleteMultipartUploadResult> with ETag, then OriginalInfo and
    ProcessResults); cos_ci returns the same entries."""
    import re
    from pathlib import Path

    photo = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus" / "photo.jpg").read_bytes()
    ops = '{"is_pic_info":1,"rules":[{"fileid":"thumb.png","rule":"imageMogr2/thumbnail/64x/format/png"}]}'
    key = "mpci/photo.jpg"
    names = ("Location", "Bucket", "Key", "ETag", "OriginalInfo", "ProcessResults")
    datas = []
    for mod in (qcloud_cos, cos_ci):
        c = client(mod, local)
        init = c.create_multipart_upload(Bucket=BUCKET, Key=key)
        part = c.upload_part(Bucket=BUCKET, Key=key, Body=photo, PartNumber=1,
                             UploadId=init["UploadId"])
        etag = part["ETag"]
        out = c.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=init["UploadId"],
                                          MultipartUpload={"Part": [{"PartNumber": 1, "ETag": etag}]},
                                          PicOperations=ops)
        datas.append({k: out[k] for k in names})
    a, b = datas
    assert a == b
    assert (b["Location"], b["Bucket"], b["Key"]) == (
        BUCKET + ".cos.ap-guangzhou.myqcloud.com/" + key, BUCKET, key)
    assert re.fullmatch(r'"[0-9a-f]{32}-1"', b["ETag"]), b["ETag"]
    info = b["OriginalInfo"]["ImageInfo"]
    assert (info["Format"], info["Width"], info["Height"]) == ("JPEG", "640", "400")
    obj = b["ProcessResults"]["Object"]
    assert (obj["Key"], obj["Format"], obj["Width"], obj["Height"]) == (
        "mpci/thumb.png", "png", "64", "40")
    stored = client(cos_ci, local).get_object(Bucket=BUCKET, Key="mpci/thumb.png")
    assert stored["Body"].get_raw_stream().read()[:8] == b"\x89PNG\r\n\x1a\n"
