"""Type-checked with `mypy --strict` by run-tests.sh (not run by pytest): the public API
as an application uses it."""

from __future__ import annotations

import io
from typing import Any, Dict, List, Optional, Tuple

import cos_ci
from cos_ci import (
    CosClientError,
    CosConfig,
    CosS3Client,
    CosServiceError,
    ImageInfo,
    ParsedRule,
    PicOperations,
    ProcessResult,
    Rule,
    RuleError,
    StreamBody,
    UploadResult,
)
from cos_ci.testing import LocalCos, local_cos


def upload(client: CosS3Client, data: bytes) -> Tuple[Dict[str, str], Dict[str, Any]]:
    ops = PicOperations([Rule("thumb.png", "imageMogr2/thumbnail/200x/format/png")], is_pic_info=True)
    headers, result = client.ci_put_object(
        Bucket="examplebucket-1250000000",
        Body=io.BytesIO(data),
        Key="photos/cat.jpg",
        EnableMD5=True,
        PicOperations=ops.to_header(),
        Metadata={"x-cos-meta-owner": "Ann"},
    )
    etag: str = headers["ETag"]
    assert etag
    return headers, result


def typed(client: CosS3Client) -> List[int]:
    _, res = client.ci_put_object_typed(Bucket="b-1", Body=b"x", Key="k")
    sizes: List[int] = []
    if res is not None:
        info: Optional[ImageInfo] = res.original_info.image_info if res.original_info else None
        if info is not None:
            sizes.append(info.width * info.height)
        for p in res.process_results:
            pr: ProcessResult = p
            sizes.append(pr.size or 0)
    xml: str = UploadResult.from_xml("<UploadResult/>").to_xml()
    assert xml
    return sizes


def rules(text: str) -> str:
    try:
        r: ParsedRule = cos_ci.parse_rule(text)
    except RuleError as e:
        return "bad at %d: %s" % (e.offset, e.token)
    stages: List[str] = r.stages
    return r.canonical + str(len(stages))


def errors(client: CosS3Client) -> Optional[int]:
    try:
        client.head_object(Bucket="b-1", Key="k")
    except CosServiceError as e:
        code: int = e.get_status_code()
        print(e.get_error_code(), e.get_request_id(), e.get_trace_id())
        return code
    except CosClientError as e:
        print(str(e))
    return None


def download(client: CosS3Client) -> bytes:
    resp = client.get_object(Bucket="b-1", Key="k", ProcessRule="imageMogr2/thumbnail/100x")
    body: StreamBody = resp["Body"]
    url: str = client.get_presigned_download_url(Bucket="b-1", Key="k", Expired=60)
    assert url
    return body.read(1024) + body.get_raw_stream().read()


def local(data: bytes) -> Tuple[int, bytes]:
    try:
        info: ImageInfo = cos_ci.image_info(data)
        thumb: bytes = cos_ci.thumbnail_jpeg(memoryview(data), 200, quality=80)
    except cos_ci.ProcessError as e:
        print(e.code)
        return 0, b""
    server: cos_ci.LocalServer = cos_ci.serve(port=0)
    port: int = server.port
    server.close()
    return info.width + port, thumb


def drop_in(client: CosS3Client) -> Tuple[bool, Any]:
    # Calls served by the official SDK type-check as Any; the native ones keep their types.
    listing: Any = client.list_objects(Bucket="examplebucket-1250000000", Prefix="a/")
    return "ci_put_object" in cos_ci.NATIVE_CALLS, listing


def local_test_server() -> int:
    with local_cos(styles={"small": "imageMogr2/thumbnail/10x"}) as cos:
        server: LocalCos = cos
        client: Any = server.client("cos_ci")
        client.put_object(Bucket=server.bucket, Body=b"x", Key="k")
        return server.port


def main() -> None:
    conf = CosConfig(Region="ap-guangzhou", SecretId="id", SecretKey="key", Scheme="http",
                     IP="127.0.0.1", Port=9, Timeout=1)
    client = CosS3Client(conf, retry=0)
    auth: str = cos_ci.sign("id", "key", "GET", "/k", "1;2", [("a", None)], [("Host", "h")])
    print(auth, rules("imageMogr2/format/png"), local(b"x")[0])
    try:
        print(upload(client, b"x"), typed(client), errors(client), download(client))
    except CosClientError:
        pass


def image_api(client: CosS3Client) -> Tuple[bytes, Any, Dict[str, Any]]:
    headers, info = client.ci_get_image_info(Bucket="b-1", Key="k")
    _, styles = client.ci_get_image_style(Bucket="b-1", Request={})
    report: Dict[str, Any] = cos_ci.inspect(b"...")
    assert headers["Content-Type"]
    return info, styles, report


def jobs(client: CosS3Client) -> Tuple[str, List[str]]:
    job: cos_ci.PicJob = client.ci_create_media_pic_jobs_typed(Bucket="b-1", Jobs={
        "Tag": "PicProcess", "Input": {"Object": "a.jpg"}})
    done = client.wait_for_pic_job(Bucket="b-1", JobId=job.job_id, Timeout=30)
    page, token = client.ci_list_media_pic_jobs_typed(Bucket="b-1", NextToken="")
    found, missing = client.ci_get_media_pic_jobs_typed(Bucket="b-1", JobIDs=[job.job_id])
    detail: Dict[str, Any] = done.to_dict()
    assert detail and token is not None and found
    return done.state + (done.process_rule or ""), [j.job_id for j in page] + missing
