"""A true drop-in: calls the wheel does not implement run on the official SDK under the
same configuration, errors as cos-ci's classes; without the SDK the error says how to get
it. Against the real local server (ci-server, started with cos_ci.serve())."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests

import cos_ci
import qcloud_cos
from qcloud_cos import cos_exception

BUCKET = "examplebucket-1250000000"
HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "scripts" / "official_sdk_script.py"
PHOTO = HERE.parents[1] / "tests" / "fixtures" / "corpus" / "photo.jpg"
OFFICIAL_IMPORT = "from qcloud_cos import CosConfig, CosS3Client, CosServiceError\n"
SWITCHED_IMPORT = "from cos_ci import CosConfig, CosS3Client, CosServiceError\n"


@pytest.fixture
def local(tmp_path: Path) -> Iterator[cos_ci.LocalServer]:
    s = cos_ci.serve(str(tmp_path / "root"))
    yield s
    s.close()


def conf_args(s: cos_ci.LocalServer, key: str = "sk-example") -> Dict[str, Any]:
    return dict(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey=key, Scheme="http",
                IP=s.host, Port=s.port, Timeout=7)


def run_script(source: str, s: cos_ci.LocalServer, work: Path) -> Dict[str, Any]:
    work.mkdir()
    env = dict(os.environ, COS_PORT=str(s.port), PHOTO=str(PHOTO), WORK=str(work))
    done = subprocess.run([sys.executable, "-c", source], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out: Dict[str, Any] = json.loads(done.stdout)
    return out


# -- the script written for the official SDK ---------------------------------------------

EXPECTED = {
    "ci_process": ["thumbs/stored.webp", "webp", "80", "50"],
    "ci_put": ["640", "thumbs/upload.png", "png", "160", "100"],
    "copy_missing": [404, "NoSuchKey"],
    "download_file": 55130,
    "downloaded": [32400, 32400],
    "exists": [True, False],
    "folders": ["notes/", "photos/", "thumbs/"],
    "head_missing": 404,
    "left": [],
    "note": "shot on a phone",
    "photos": [["photos/ci.jpg", 55130], ["photos/original.jpg", 55130],
               ["photos/second.jpg", 55130]],
}


def test_official_script_runs_with_only_the_import_switched(tmp_path: Path) -> None:
    source = SCRIPT.read_text()
    assert source.count(OFFICIAL_IMPORT) == 1
    switched = source.replace(OFFICIAL_IMPORT, SWITCHED_IMPORT)
    # The script's plain COS calls are ones the wheel does not implement.
    served = {"upload_file", "put_object_from_local_file", "list_objects", "copy_object",
              "object_exists", "download_file"}
    assert all(("client.%s(" % name) in source for name in served)
    assert not served & cos_ci.NATIVE_CALLS
    # Each run on its own server, so both start from an empty bucket.
    reference_server = cos_ci.serve(str(tmp_path / "reference-root"))
    switched_server = cos_ci.serve(str(tmp_path / "switched-root"))
    try:
        reference = run_script(source, reference_server, tmp_path / "reference")
        ours = run_script(switched, switched_server, tmp_path / "switched")
    finally:
        reference_server.close()
        switched_server.close()
    assert reference.pop("client") == "qcloud_cos.cos_client"
    assert ours.pop("client") == "cos_ci"
    assert reference == EXPECTED
    assert ours == EXPECTED


# -- the official client behind ours -----------------------------------------------------


def test_native_calls_list() -> None:
    assert sorted(cos_ci.NATIVE_CALLS) == sorted([
        "abort_multipart_upload", "ci_get_ai_pic_matting", "ci_image_process",
        "ci_image_process_typed", "ci_multipart_upload_file", "ci_put_object",
        "ci_put_object_from_local_file", "ci_put_object_typed", "complete_multipart_upload",
        "create_multipart_upload", "delete_object", "get_conf", "get_object",
        "get_object_to_file", "get_presigned_download_url", "get_presigned_url",
        "head_object", "put_object", "upload_part",
        # The image API (issue #17).
        "ci_put_image_style", "ci_get_image_style", "ci_delete_image_style", "ci_get_object",
        "ci_download_compress_image", "ci_get_image_info", "ci_get_image_exif_info",
        "ci_get_image_ave_info", "ci_image_inspect", "ci_process", "ci_qrcode_generate",
        "ci_get_object_qrcode", "ci_put_object_from_local_file_and_get_qrcode",
        "cos_ai_pic_matting",
        # Asynchronous image jobs (issue #18).
        "ci_open_pic_bucket", "ci_get_pic_bucket", "ci_close_pic_bucket",
        "ci_get_media_pic_queue", "ci_update_media_pic_queue", "ci_create_media_pic_jobs",
        "ci_create_media_pic_jobs_typed", "ci_get_media_pic_jobs",
        "ci_get_media_pic_jobs_typed", "ci_list_media_pic_jobs",
        "ci_list_media_pic_jobs_typed", "iter_media_pic_jobs", "wait_for_pic_job",
    ])


def test_readme_lists_the_native_calls() -> None:
    readme = (HERE.parent / "README.md").read_text()
    section = readme[readme.index("These run natively"):readme.index("Every other call")]
    listed = set(re.findall(r"`([a-z_]+)`", section))
    assert listed == cos_ci.NATIVE_CALLS


def test_native_calls_never_build_the_official_client(local: cos_ci.LocalServer) -> None:
    client = cos_ci.CosS3Client(cos_ci.CosConfig(**conf_args(local)))
    client.put_object(Bucket=BUCKET, Body=b"x", Key="n.txt")
    client.head_object(Bucket=BUCKET, Key="n.txt")
    client.delete_object(Bucket=BUCKET, Key="n.txt")
    assert client._official_client is None
    assert client.get_conf()._official_conf is None


def test_served_calls_share_configuration_retries_and_session(local: cos_ci.LocalServer) -> None:
    session = requests.Session()
    conf = cos_ci.CosConfig(**conf_args(local))
    client = cos_ci.CosS3Client(conf, retry=3, session=session)
    client.put_object(Bucket=BUCKET, Body=b"abc", Key="dir/a.txt")
    listing = client.list_objects(Bucket=BUCKET, Prefix="dir/")
    assert [(c["Key"], c["Size"]) for c in listing["Contents"]] == [("dir/a.txt", "3")]
    official = client._official_client
    assert type(official) is qcloud_cos.CosS3Client
    assert official._retry == 3 and official._session is session
    oc = official.get_conf()
    assert type(oc) is qcloud_cos.CosConfig
    assert (oc._region, oc._secret_id, oc._secret_key, oc._token, oc._scheme, oc._ip,
            oc._port, oc._timeout) == ("ap-guangzhou", "AKIDexample", "sk-example", None,
                                       "http", "127.0.0.1", local.port, 7)
    # Built once, on the first call that needed it.
    client.list_objects(Bucket=BUCKET)
    assert client._official_client is official
    assert conf._official_conf is oc


def test_served_call_errors_are_cos_ci_classes(local: cos_ci.LocalServer) -> None:
    client = cos_ci.CosS3Client(cos_ci.CosConfig(**conf_args(local, key="wrong")))
    with pytest.raises(cos_ci.CosServiceError) as ei:
        client.list_objects(Bucket=BUCKET)
    assert (ei.value.get_status_code(), ei.value.get_error_code()) == (
        403, "SignatureDoesNotMatch")
    assert type(ei.value.__cause__) is cos_exception.CosServiceError
    assert ei.value.get_digest_msg() == ei.value.__cause__.get_digest_msg()
    assert ei.value.get_origin_msg() == ei.value.__cause__.get_origin_msg()
    # A local problem of the official SDK comes back as cos-ci's CosClientError.
    with pytest.raises(cos_ci.CosClientError) as ci:
        client.list_objects(Bucket="no spaces allowed")
    assert type(ci.value.__cause__) is cos_exception.CosClientError
    assert str(ci.value) == str(ci.value.__cause__) == (
        "bucket format is illegal, only digit, letter and - is allowed!")


def test_set_credential_reaches_native_and_served_calls(local: cos_ci.LocalServer) -> None:
    conf = cos_ci.CosConfig(**conf_args(local, key="wrong"))
    client = cos_ci.CosS3Client(conf)
    with pytest.raises(cos_ci.CosServiceError):
        client.put_object(Bucket=BUCKET, Body=b"x", Key="c.txt")
    with pytest.raises(cos_ci.CosServiceError):
        client.list_objects(Bucket=BUCKET)
    conf.set_credential("AKIDexample", "sk-example")
    assert (conf.get_secret_id(), conf.get_secret_key(), conf.get_token()) == (
        "AKIDexample", "sk-example", None)
    client.put_object(Bucket=BUCKET, Body=b"x", Key="c.txt")
    assert [c["Key"] for c in client.list_objects(Bucket=BUCKET)["Contents"]] == ["c.txt"]
    with pytest.raises(cos_ci.CosClientError):
        conf.set_credential("", "k")


def test_set_ip_port_moves_native_and_served_calls(local: cos_ci.LocalServer,
                                                   tmp_path: Path) -> None:
    other = cos_ci.serve(str(tmp_path / "other"))
    try:
        conf = cos_ci.CosConfig(**conf_args(local))
        client = cos_ci.CosS3Client(conf)
        client.list_objects(Bucket=BUCKET)  # builds the official client on `local`
        conf.set_ip_port(other.host, other.port)
        client.put_object(Bucket=BUCKET, Body=b"x", Key="moved.txt")
        listing = client.list_objects(Bucket=BUCKET)
        assert [c["Key"] for c in listing["Contents"]] == ["moved.txt"]
        first = cos_ci.CosS3Client(cos_ci.CosConfig(**conf_args(local)))
        assert "Contents" not in first.list_objects(Bucket=BUCKET)
    finally:
        other.close()


def test_config_attributes_come_from_the_official_config() -> None:
    args = dict(Region="ap-guangzhou", SecretId="id", SecretKey="key", UA="my-agent/1.0")
    ours = cos_ci.CosConfig(**args)
    theirs = qcloud_cos.CosConfig(**args)
    assert ours.get_host(BUCKET) == theirs.get_host(BUCKET) == (
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
    assert ours.uri(BUCKET, "a/b.jpg") == theirs.uri(BUCKET, "a/b.jpg")
    assert ours._ua == "my-agent/1.0"
    assert ours._endpoint_ci == theirs._endpoint_ci == "ci.ap-guangzhou.myqcloud.com"
    with pytest.raises(AttributeError):
        ours.no_such_attribute


def test_presigned_url_on_the_ci_endpoint_is_the_official_one() -> None:
    args = dict(Region="ap-guangzhou", SecretId="id", SecretKey="key")
    ours = cos_ci.CosS3Client(cos_ci.CosConfig(**args))
    theirs = qcloud_cos.CosS3Client(qcloud_cos.CosConfig(**args))
    mine = ours.get_presigned_url(BUCKET, "a.jpg", "GET", UseCiEndPoint=True)
    ref = theirs.get_presigned_url(BUCKET, "a.jpg", "GET", UseCiEndPoint=True)
    assert mine.split("?")[0] == ref.split("?")[0] == (
        "https://examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com/a.jpg")
    names = lambda url: sorted(p.split("=")[0] for p in url.split("?")[1].split("&"))  # noqa: E731
    assert names(mine) == names(ref)


def test_dunders_are_never_served() -> None:
    client = cos_ci.CosS3Client(cos_ci.CosConfig(Region="r", SecretId="a", SecretKey="b"))
    with pytest.raises(AttributeError):
        client.__wrapped__
    assert client._official_client is None


# -- without the official SDK ------------------------------------------------------------


def test_without_the_sdk_the_error_names_the_call_and_the_fix(
    local: cos_ci.LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "qcloud_cos", None)  # `import qcloud_cos` fails
    conf = cos_ci.CosConfig(**conf_args(local))
    client = cos_ci.CosS3Client(conf)
    with pytest.raises(AttributeError) as ei:
        client.upload_file(Bucket=BUCKET, LocalFilePath=str(PHOTO), Key="p.jpg")
    assert str(ei.value) == (
        "CosS3Client.upload_file is not one of cos-ci's native calls (cos_ci.NATIVE_CALLS); "
        "the official SDK's other calls are served by cos-python-sdk-v5, which is not "
        "installed: pip install cos-python-sdk-v5")
    assert isinstance(ei.value.__cause__, ImportError)
    assert not hasattr(client, "list_objects")
    with pytest.raises(AttributeError, match=r"^CosConfig\.get_host is not one of"):
        conf.get_host(BUCKET)
    with pytest.raises(AttributeError, match=r"^CosS3Client\.get_presigned_url is not one"):
        client.get_presigned_url(BUCKET, "a.jpg", "GET", UseCiEndPoint=True)
    # The native calls do not need it.
    client.put_object(Bucket=BUCKET, Body=b"native", Key="n.txt")
    assert client.get_object(Bucket=BUCKET, Key="n.txt")["Body"].read() == b"native"
