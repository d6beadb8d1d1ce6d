"""The official SDK (cos-python-sdk-v5 1.9.44), unmodified, against `cos-ci serve`:
asynchronous image jobs by the SDK's own names (open the pic bucket, describe and update
its queue, create, get and list jobs), a paused queue holding its jobs, and a job-end
callback received by a loopback listener."""

from __future__ import annotations

import struct
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import qcloud_cos

# The server fixture and client of the fidelity tests: `cos-ci serve --bucket`, the SDK
# with IP=/Port= as a user points it at the local server.
from test_official_sdk_fidelity import BUCKET, PHOTO, client, served  # noqa: F401

RULE = "imageMogr2/thumbnail/64x/format/png"
FINAL = ("Success", "Failed", "Cancel")


def png_size(data: bytes) -> Tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def job(queue_id: str, source: str, output: str, **extra: str) -> Dict[str, Any]:
    request: Dict[str, Any] = {
        "Tag": "PicProcess",
        "Input": {"Object": source},
        "Operation": {
            "PicProcess": {"IsPicInfo": "true", "ProcessRule": RULE},
            "Output": {"Region": "ap-guangzhou", "Bucket": BUCKET, "Object": output},
            "UserData": "from-python",
        },
        "QueueId": queue_id,
    }
    request.update(extra)
    return request


def wait(c: Any, job_id: str) -> Dict[str, Any]:
    """Polls the job until it ends (at most 60 s)."""
    for _ in range(600):
        data = c.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs=job_id)
        detail = data["JobsDetail"][0]
        if detail["State"] in FINAL:
            return detail  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("job %s did not end" % job_id)


@pytest.fixture(scope="module")
def queue(served: Tuple[str, int]) -> str:
    c = client(served)
    c.put_object(Bucket=BUCKET, Body=PHOTO, Key="jobs/photo.jpg")
    headers, data = c.ci_open_pic_bucket(Bucket=BUCKET)
    assert headers["Content-Type"] == "application/xml"
    assert data["PicBucket"]["BucketId"] == BUCKET
    assert data["PicBucket"]["Name"] == BUCKET
    assert data["PicBucket"]["Region"] == "ap-guangzhou"
    assert data["RequestId"] == headers["x-cos-request-id"]
    # The listing names no bucket (Host: IP:PORT): every open pic bucket.
    listed = c.ci_get_pic_bucket(Regions="ap-guangzhou")
    assert listed["TotalCount"] == "1"
    assert [b["BucketId"] for b in listed["PicBucketList"]] == [BUCKET]
    queues = c.ci_get_media_pic_queue(Bucket=BUCKET)
    assert queues["TotalCount"] == "1"
    (q,) = queues["QueueList"]
    assert q["State"] == "Active" and q["Category"] == "PicProcessing"
    return q["QueueId"]  # type: ignore[no-any-return]


def test_jobs_are_created_described_and_listed(served: Tuple[str, int], queue: str) -> None:
    c = client(served)
    ids: List[str] = []
    for n in range(3):
        created = c.ci_create_media_pic_jobs(
            Bucket=BUCKET, Jobs=job(queue, "jobs/photo.jpg", "jobs/out/%d.png" % n))
        (detail,) = created["JobsDetail"]
        assert detail["Tag"] == "PicProcess" and detail["QueueId"] == queue
        assert detail["Operation"]["UserData"] == "from-python"
        ids.append(detail["JobId"])
    missing = c.ci_create_media_pic_jobs(
        Bucket=BUCKET, Jobs=job(queue, "jobs/absent.jpg", "jobs/out/absent.png"))
    missing_id = missing["JobsDetail"][0]["JobId"]

    for n, job_id in enumerate(ids):
        done = wait(c, job_id)
        assert done["State"] == "Success" and done["Code"] == "Success"
        result = done["Operation"]["PicProcessResult"]
        assert result["ObjectName"] == "jobs/out/%d.png" % n
        assert result["ProcessResult"]["Format"] == "PNG"
        assert (result["ProcessResult"]["Width"], result["ProcessResult"]["Height"]) \
            == ("64", "40")
        assert result["OriginalInfo"]["ImageInfo"]["Width"] == "640"
        body = c.get_object(Bucket=BUCKET, Key="jobs/out/%d.png" % n)["Body"] \
            .get_raw_stream().read()
        assert png_size(body) == (64, 40)
        assert result["ProcessResult"]["Size"] == str(len(body))
    failed = wait(c, missing_id)
    assert (failed["State"], failed["Code"]) == ("Failed", "NoSuchKey")

    # Several ids at once (the SDK sends the comma encoded), an unknown one named.
    unknown = "c0000000000000000000000000000000f"
    data = c.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs=",".join([ids[1], unknown, ids[0]]))
    assert [d["JobId"] for d in data["JobsDetail"]] == [ids[1], ids[0]]
    assert data["NonExistJobIds"] == unknown

    # Filtered by state and queue, oldest first, two a page.
    pages, listed, token = 0, [], ""
    while True:
        page = c.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", QueueId=queue,
                                        OrderByTime="Asc", States="Success", Size=2,
                                        NextToken=token)
        pages += 1
        listed += [d["JobId"] for d in page.get("JobsDetail", [])]
        if not page["NextToken"]:
            break
        token = page["NextToken"]
        assert pages < 10
    assert listed == ids and pages == 2
    page = c.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", States="Failed")
    assert [d["JobId"] for d in page["JobsDetail"]] == [missing_id]
    # No job before 2001: no JobsDetail at all, an empty NextToken.
    page = c.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess",
                                    EndCreationTime="2001-01-01T00:00:00+0800")
    assert "JobsDetail" not in page and page["NextToken"] is None


def test_a_paused_queue_holds_jobs_until_resumed(served: Tuple[str, int], queue: str) -> None:
    c = client(served)
    data = c.ci_update_media_pic_queue(Bucket=BUCKET, QueueId=queue, Request={
        "Name": "queue-pic-process-1", "State": "Paused"})
    assert data["Queue"][0]["State"] == "Paused"
    created = c.ci_create_media_pic_jobs(
        Bucket=BUCKET, Jobs=job(queue, "jobs/photo.jpg", "jobs/paused.png"))
    job_id = created["JobsDetail"][0]["JobId"]
    time.sleep(0.5)
    held = c.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs=job_id)["JobsDetail"][0]
    assert held["State"] == "Submitted" and held["StartTime"] == "-"
    data = c.ci_update_media_pic_queue(Bucket=BUCKET, QueueId=queue, Request={
        "Name": "queue-pic-process-1", "State": "Active"})
    assert data["Queue"][0]["State"] == "Active"
    assert wait(c, job_id)["State"] == "Success"


class _Recorder(BaseHTTPRequestHandler):
    server: "_Listener"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received.append((self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Listener(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.lock = threading.Lock()
        self.received: List[Tuple[str, bytes]] = []


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_callback_reaches_a_loopback_listener(served: Tuple[str, int], queue: str,
                                                listener: _Listener) -> None:
    c = client(served)
    url = "http://127.0.0.1:%d/cos-ci-callback" % listener.server_address[1]
    created = c.ci_create_media_pic_jobs(
        Bucket=BUCKET, Jobs=job(queue, "jobs/photo.jpg", "jobs/called.png", CallBack=url))
    job_id = created["JobsDetail"][0]["JobId"]
    assert wait(c, job_id)["State"] == "Success"
    for _ in range(300):
        with listener.lock:
            if listener.received:
                break
        time.sleep(0.1)
    with listener.lock:
        (content_type, body), = listener.received
    assert content_type == "application/xml"
    root = ET.fromstring(body)
    assert root.tag == "Response"
    assert root.findtext("EventName") == "TaskFinish"
    assert root.findtext("JobsDetail/JobId") == job_id
    assert root.findtext("JobsDetail/State") == "Success"
    assert root.findtext("JobsDetail/Operation/PicProcessResult/ObjectName") \
        == "jobs/called.png"


def test_closing_the_pic_bucket_deletes_its_queue(served: Tuple[str, int], queue: str) -> None:
    c = client(served)
    headers, data = c.ci_close_pic_bucket(Bucket=BUCKET)
    assert data == {"RequestId": headers["x-cos-request-id"], "BucketName": BUCKET}
    with pytest.raises(qcloud_cos.CosServiceError) as ei:
        c.ci_get_media_pic_queue(Bucket=BUCKET)
    assert ei.value.get_status_code() == 400
    assert ei.value.get_error_code() == "InvalidArgument"
    assert "not open" in ei.value.get_error_msg()
    assert "PicBucketList" not in c.ci_get_pic_bucket()
