"""The official SDK (cos-python-sdk-v5 1.9.44) against `cos-ci serve --bucket`, as a user
would point it at the local server: header names read exactly as the cloud writes them,
`ci_process` returning the image, pre-signed URLs that work as they come (fetched with a
plain HTTP client), and honest refusals of what the server does not build."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

import qcloud_cos

REPO = Path(__file__).resolve().parents[2]
BUCKET = "examplebucket-1250000000"
PHOTO = (REPO / "tests" / "fixtures" / "corpus" / "photo.jpg").read_bytes()


def cos_ci_binary() -> Path:
    """The CLI of this workspace (debug build), built when missing."""
    given = os.environ.get("COS_CI_BIN")
    if given:
        return Path(given)
    subprocess.run(["cargo", "build", "-q", "-p", "ci-cli"], cwd=REPO, check=True)
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                          cwd=REPO, check=True, capture_output=True, text=True).stdout
    match = re.search(r'"target_directory":"([^"]*)"', meta)
    assert match, "cargo metadata names no target directory"
    return Path(match.group(1)) / "debug" / "cos-ci"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, int]]:
    root = tmp_path_factory.mktemp("cos-ci-serve")
    proc = subprocess.Popen(
        [str(cos_ci_binary()), "serve", "--root", str(root), "--port", "0",
         "--bucket", BUCKET, "--secret-id", "AKIDexample", "--secret-key", "sk-example"],
        stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        addr = None
        for _ in range(200):
            line = proc.stderr.readline()
            m = re.search(r"serving COS \+ CI on http://([0-9.]+):(\d+)", line)
            if m:
                addr = (m.group(1), int(m.group(2)))
                break
        assert addr, "cos-ci serve did not start"
        yield addr
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client(served: Tuple[str, int]) -> Any:
    host, port = served
    conf = qcloud_cos.CosConfig(Region="ap-guangzhou", SecretId="AKIDexample",
                                SecretKey="sk-example", Scheme="http", IP=host, Port=port,
                                Timeout=30)
    return qcloud_cos.CosS3Client(conf, retry=1)


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> Tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def test_header_names_are_read_exactly(served: Tuple[str, int]) -> None:
    c = client(served)
    put = c.put_object(Bucket=BUCKET, Body=b"hello", Key="h/hello.txt", ContentType="text/plain")
    assert re.fullmatch(r'"[0-9a-f]{32}"', put["ETag"])
    assert put["x-cos-request-id"]
    assert put["x-cos-hash-crc64ecma"]
    head = c.head_object(Bucket=BUCKET, Key="h/hello.txt")
    assert head["ETag"] == put["ETag"]
    assert head["Content-Type"] == "text/plain"
    assert head["Content-Length"] == "5"
    assert head["Last-Modified"].endswith(" GMT")
    assert head["x-cos-request-id"]
    assert "etag" not in head and "content-type" not in head
    got = c.get_object(Bucket=BUCKET, Key="h/hello.txt")
    assert got["Content-Type"] == "text/plain" and got["ETag"] == put["ETag"]
    assert got["Body"].get_raw_stream().read() == b"hello"


def test_ci_process_returns_the_image(served: Tuple[str, int]) -> None:
    c = client(served)
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="ci/photo.jpg", ContentType="image/jpeg")
    data = c.ci_process(Bucket=BUCKET, Key="ci/photo.jpg", CiProcess="AIPicMatting")
    assert isinstance(data, bytes) and data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    headers, data = c.ci_process(Bucket=BUCKET, Key="ci/photo.jpg", CiProcess="AIPicMatting",
                                 NeedHeader=True)
    assert headers["Content-Type"] == "image/png" and headers["Content-Length"] == str(len(data))


def test_presigned_urls_work_as_they_come(served: Tuple[str, int]) -> None:
    c = client(served)
    url = c.get_presigned_url(Bucket=BUCKET, Key="p/plain.txt", Method="PUT", Expired=300)
    assert url.startswith("http://%s:%d/p/plain.txt?" % served), url
    assert fetch(url, "PUT", b"presigned body")[0] == 200
    url = c.get_presigned_url(Bucket=BUCKET, Key="p/plain.txt", Method="GET", Expired=300)
    assert fetch(url) == (200, b"presigned body")
    url = c.get_presigned_download_url(Bucket=BUCKET, Key="p/plain.txt", Expired=300)
    assert fetch(url) == (200, b"presigned body")
    # With a processing rule among the signed parameters: the processed image.
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="p/photo.jpg")
    url = c.get_presigned_url(Bucket=BUCKET, Key="p/photo.jpg", Method="GET", Expired=300,
                              Params={"imageMogr2/thumbnail/100x/format/png": ""})
    status, body = fetch(url)
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
    # A PUT with a rule among its signed parameters: stored (the rule is a download rule;
    # processing on upload travels in Pic-Operations).
    url = c.get_presigned_url(Bucket=BUCKET, Key="p/ruled.txt", Method="PUT", Expired=300,
                              Params={"imageMogr2/thumbnail/100x": ""})
    assert fetch(url, "PUT", b"ruled")[0] == 200
    assert c.get_object(Bucket=BUCKET, Key="p/ruled.txt")["Body"].get_raw_stream().read() == b"ruled"
    # The object is the default bucket's, as the SDK's own calls see it.
    assert c.get_object(Bucket=BUCKET, Key="p/plain.txt")["Body"].get_raw_stream().read() \
        == b"presigned body"
    # An added unsigned parameter is refused.
    url = c.get_presigned_url(Bucket=BUCKET, Key="p/plain.txt", Method="GET", Expired=300)
    with pytest.raises(urllib.error.HTTPError) as ei:
        fetch(url + "&response-content-type=text%2Fhtml")
    assert ei.value.code == 403


def test_unimplemented_features_are_refused_honestly(served: Tuple[str, int]) -> None:
    c = client(served)
    # Styles, imageInspect and QR codes are built (test_official_sdk_ci_api.py), and so
    # are asynchronous image jobs (test_official_sdk_jobs.py).
    calls = [
        lambda: c.ci_process(Bucket=BUCKET, Key="ci/photo.jpg", CiProcess="DetectCar"),
        lambda: c.put_bucket_acl(Bucket=BUCKET, ACL="private"),
        lambda: c.get_object_tagging(Bucket=BUCKET, Key="ci/photo.jpg"),
    ]
    before = c.list_objects(Bucket=BUCKET)
    for call in calls:
        with pytest.raises(qcloud_cos.CosServiceError) as ei:
            call()
        assert ei.value.get_status_code() == 501, ei.value.get_digest_msg()
        assert ei.value.get_error_code() == "NotImplemented"
        assert "not implemented" in ei.value.get_error_msg()
    assert c.list_objects(Bucket=BUCKET) == before
