"""The asynchronous image job calls (pic buckets, pic queues, pic jobs) run natively by
cos-ci with the official SDK's names and keyword arguments: both clients call the
recording loopback server (tests/cosserver.py) with fixed answers, and cos-ci must send
the same requests and return the same data as cos-python-sdk-v5 1.9.44 (its
``xml_to_dict`` and ``format_dict`` of each answer). The typed forms answer ``PicJob``s.
The recording server is Python threads of this process, so every answered call also
shows the GIL released while the native side waits.

The answers are those of ci-core's job-call tests (ci-core/tests/client/jobs.rs), in
the shapes wire-ci.md §B documents. The last test runs both clients against the local
server's job routes (``cos_ci.serve``): open the pic bucket, describe and update its
queue, create jobs, wait for them, get and list them, close the bucket."""

from __future__ import annotations

import pickle
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest

import cos_ci
import qcloud_cos
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

from conftest import BUCKET, make_client
from cosserver import ERROR_XML, CosTestServer, Recorded

JOB_CALLS = [
    "ci_open_pic_bucket", "ci_get_pic_bucket", "ci_close_pic_bucket",
    "ci_get_media_pic_queue", "ci_update_media_pic_queue", "ci_create_media_pic_jobs",
    "ci_get_media_pic_jobs", "ci_list_media_pic_jobs",
]


def detail(job_id: str, state: str) -> str:
    return (
        "<JobsDetail><Code>Success</Code><Message/><JobId>%s</JobId><State>%s</State>"
        "<CreationTime>2026-12-04T10:00:00+0800</CreationTime><EndTime>-</EndTime>"
        "<StartTime>-</StartTime><QueueId>p1</QueueId><Tag>PicProcess</Tag><Input>"
        "<BucketId>%s</BucketId><Object>photos/a b.jpg</Object><Region>ap-guangzhou</Region>"
        "</Input><Operation><Output><Bucket>%s</Bucket><Object>thumbs/a b.png</Object>"
        "<Region>ap-guangzhou</Region></Output><PicProcess><IsPicInfo>true</IsPicInfo>"
        "<ProcessRule>imageMogr2/format/png</ProcessRule></PicProcess><JobLevel>0</JobLevel>"
        "</Operation></JobsDetail>" % (job_id, state, BUCKET, BUCKET)
    )


QUEUE = ("<QueueId>p1</QueueId><Name>q</Name><State>Paused</State><NotifyConfig>"
         "<State>Off</State></NotifyConfig><MaxSize>10000</MaxSize>"
         "<MaxConcurrent>10</MaxConcurrent><UpdateTime>-</UpdateTime><CreateTime>-</CreateTime>")
PIC_BUCKET = ("<BucketId>%s</BucketId><Name>%s</Name><Region>ap-guangzhou</Region>"
              "<CreateTime>2026-12-04T10:00:00+0800</CreateTime>" % (BUCKET, BUCKET))

ANSWERS: Dict[Tuple[str, str], str] = {
    ("POST", "/picbucket"):
        "<Response><RequestId>r1</RequestId><PicBucket>%s</PicBucket></Response>" % PIC_BUCKET,
    ("DELETE", "/picbucket"):
        "<Response><RequestId>r2</RequestId><BucketName>%s</BucketName></Response>" % BUCKET,
    ("GET", "/picbucket"):
        "<Response><RequestId>r3</RequestId><TotalCount>1</TotalCount><PageNumber>1</PageNumber>"
        "<PageSize>10</PageSize><PicBucketList>%s</PicBucketList></Response>" % PIC_BUCKET,
    ("GET", "/picqueue"):
        "<Response><RequestId>r</RequestId><TotalCount>1</TotalCount><PageNumber>1</PageNumber>"
        "<PageSize>10</PageSize><QueueList>%s</QueueList></Response>" % QUEUE,
    ("PUT", "/picqueue/p1"):
        "<Response><RequestId>r</RequestId><Queue>%s</Queue></Response>" % QUEUE,
    ("POST", "/pic_jobs"):
        "<Response>%s</Response>" % detail("c01", "Submitted"),
    ("GET", "/pic_jobs/c01,c02,c03"):
        "<Response>%s<NonExistJobIds>c02</NonExistJobIds><NonExistJobIds>c03</NonExistJobIds>"
        "</Response>" % detail("c01", "Success"),
    ("GET", "/pic_jobs/c01"):
        "<Response>%s</Response>" % detail("c01", "Success"),
    ("GET", "/pic_jobs"):
        "<Response>%s%s<NextToken>tok2</NextToken></Response>" % (
            detail("c01", "Success"), detail("c04", "Failed")),
}

JOBS = {
    "Tag": "PicProcess",
    "Input": {"Object": "photos/a b.jpg"},
    "Operation": {
        "PicProcess": {"IsPicInfo": "true", "ProcessRule": "imageMogr2/format/png"},
        "Output": {"Region": "ap-guangzhou", "Bucket": BUCKET, "Object": "thumbs/a b.png"},
    },
    "QueueId": "p1",
}


@pytest.fixture
def canned(srv: CosTestServer) -> CosTestServer:
    for (method, path), body in ANSWERS.items():
        srv.state.canned[(method, path)] = (
            200, body.encode(), {"Content-Type": "application/xml"})
    return srv


def request_shape(r: Recorded) -> Dict[str, Any]:
    """What both clients must send alike (the body compared as a document)."""
    return {
        "method": r.method,
        "path": r.path,
        "query": r.query,
        "body": sdk_xml_to_dict(r.body) if r.body else None,
    }


def both(srv: CosTestServer, call: Callable[[Any], Any]) -> Tuple[Any, Any]:
    """`call` with the official client, then with cos-ci's: both answers, after
    checking that both sent the same request."""
    official = call(make_client(qcloud_cos, srv.port))
    sent_official = srv.requests[-1]
    ours = call(make_client(cos_ci, srv.port))
    sent_ours = srv.requests[-1]
    assert request_shape(sent_ours) == request_shape(sent_official)
    return official, ours


def without_request_id(headers: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in headers.items() if k not in ("Date", "x-cos-request-id")}


def test_the_job_calls_are_native() -> None:
    import inspect

    assert [c for c in JOB_CALLS if c not in cos_ci.NATIVE_CALLS] == []
    for name in JOB_CALLS:
        ours = list(inspect.signature(getattr(cos_ci.CosS3Client, name)).parameters)
        official = list(inspect.signature(getattr(qcloud_cos.CosS3Client, name)).parameters)
        assert ours == official, name


def test_pic_bucket_calls_same(canned: CosTestServer) -> None:
    a, b = both(canned, lambda c: c.ci_open_pic_bucket(Bucket=BUCKET))
    assert without_request_id(a[0]) == without_request_id(b[0])
    assert a[1] == b[1] == {"RequestId": "r1", "PicBucket": {
        "BucketId": BUCKET, "Name": BUCKET, "Region": "ap-guangzhou",
        "CreateTime": "2026-12-04T10:00:00+0800"}}
    a, b = both(canned, lambda c: c.ci_get_pic_bucket())
    assert a == b and isinstance(b["PicBucketList"], list) and len(b["PicBucketList"]) == 1
    a, b = both(canned, lambda c: c.ci_get_pic_bucket(Regions="ap-guangzhou",
                                                       BucketName="example", PageNumber="2",
                                                       PageSize=5))
    assert a == b
    assert canned.requests[-1].query == [
        ("regions", "ap-guangzhou"), ("bucketNames", ""), ("bucketName", "example"),
        ("pageNumber", "2"), ("pageSize", "5")]
    a, b = both(canned, lambda c: c.ci_close_pic_bucket(Bucket=BUCKET))
    assert a[1] == b[1] == {"RequestId": "r2", "BucketName": BUCKET}


def test_queue_calls_same(canned: CosTestServer) -> None:
    a, b = both(canned, lambda c: c.ci_get_media_pic_queue(Bucket=BUCKET))
    assert a == b
    assert b["QueueList"][0]["QueueId"] == "p1" and b["QueueList"][0]["State"] == "Paused"
    a, b = both(canned, lambda c: c.ci_get_media_pic_queue(Bucket=BUCKET, State="Active",
                                                            QueueIds="p1,p2", PageNumber=1))
    assert a == b
    assert canned.requests[-1].query == [
        ("queueIds", "p1,p2"), ("state", "Active"), ("pageNumber", "1"), ("pageSize", "")]
    request = {"Name": "q", "QueueID": "p1", "State": "Paused",
               "NotifyConfig": {"State": "Off"}}
    a, b = both(canned, lambda c: c.ci_update_media_pic_queue(Bucket=BUCKET, QueueId="p1",
                                                               Request=request))
    assert a == b and b["Queue"][0]["Name"] == "q"


def test_job_calls_same(canned: CosTestServer) -> None:
    a, b = both(canned, lambda c: c.ci_create_media_pic_jobs(Bucket=BUCKET, Jobs=JOBS))
    assert a == b
    assert b["JobsDetail"][0]["JobId"] == "c01"
    assert b["JobsDetail"][0]["Operation"]["PicProcess"]["ProcessRule"] == \
        "imageMogr2/format/png"
    body = canned.requests[-1].body
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<Request><Tag>PicProcess')

    a, b = both(canned, lambda c: c.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs="c01,c02,c03"))
    assert a == b and b["NonExistJobIds"] == ["c02", "c03"]
    a, b = both(canned, lambda c: c.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs="c01"))
    assert a == b and [j["State"] for j in b["JobsDetail"]] == ["Success"]

    a, b = both(canned, lambda c: c.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess"))
    assert a == b and b["NextToken"] == "tok2"
    assert [j["JobId"] for j in b["JobsDetail"]] == ["c01", "c04"]
    a, b = both(canned, lambda c: c.ci_list_media_pic_jobs(
        Bucket=BUCKET, Tag="PicProcess", QueueId="p1", OrderByTime="Asc",
        States="Success,Failed", Size=100, NextToken="tok1",
        StartCreationTime="2026-12-01T00:00:00+0800"))
    assert a == b
    assert canned.requests[-1].query == [
        ("tag", "PicProcess"), ("orderByTime", "Asc"), ("states", "Success,Failed"),
        ("size", "100"), ("nextToken", "tok1"), ("queueId", "p1"),
        ("startCreationTime", "2026-12-01T00:00:00+0800")]


def test_typed_forms(canned: CosTestServer) -> None:
    ours = make_client(cos_ci, canned.port)
    job = ours.ci_create_media_pic_jobs_typed(Bucket=BUCKET, Jobs=JOBS)
    assert isinstance(job, cos_ci.PicJob)
    assert (job.job_id, job.state, job.is_final) == ("c01", "Submitted", False)
    assert (job.input_object, job.output_object, job.process_rule) == (
        "photos/a b.jpg", "thumbs/a b.png", "imageMogr2/format/png")
    assert (job.queue_id, job.tag, job.code, job.message) == ("p1", "PicProcess", "Success", "")
    assert job.creation_time == "2026-12-04T10:00:00+0800" and job.end_time == "-"
    # Its dict is the SDK's JobsDetail entry; it pickles and reads back from its XML.
    official = make_client(qcloud_cos, canned.port)
    assert job.to_dict() == official.ci_create_media_pic_jobs(
        Bucket=BUCKET, Jobs=JOBS)["JobsDetail"][0]
    assert pickle.loads(pickle.dumps(job)) == job
    assert cos_ci.PicJob.from_xml(job.to_xml()) == job

    found, missing = ours.ci_get_media_pic_jobs_typed(Bucket=BUCKET, JobIDs=["c01", "c02", "c03"])
    assert [j.job_id for j in found] == ["c01"] and missing == ["c02", "c03"]
    assert canned.requests[-1].path == "/pic_jobs/c01,c02,c03"
    jobs, token = ours.ci_list_media_pic_jobs_typed(Bucket=BUCKET)
    assert [(j.job_id, j.state, j.is_final) for j in jobs] == [
        ("c01", "Success", True), ("c04", "Failed", True)]
    assert token == "tok2"
    done = ours.wait_for_pic_job(Bucket=BUCKET, JobId="c01", Timeout=10)
    assert (done.job_id, done.state) == ("c01", "Success")
    # The fixed list answer always says NextToken tok2: the iterator refuses to loop.
    pages = ours.iter_media_pic_jobs(Bucket=BUCKET)
    assert [next(pages).job_id for _ in range(4)] == ["c01", "c04", "c01", "c04"]
    with pytest.raises(cos_ci.CosClientError, match="repeats NextToken 'tok2'"):
        next(pages)


def test_bad_arguments_refused_before_sending(srv: CosTestServer) -> None:
    ours = make_client(cos_ci, srv.port)
    with pytest.raises(cos_ci.CosClientError, match="OrderByTime"):
        ours.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", OrderByTime="Up")
    with pytest.raises(cos_ci.CosClientError, match="States"):
        ours.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", States="Done")
    with pytest.raises(cos_ci.CosClientError):
        ours.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs="not/an/id")
    with pytest.raises(cos_ci.CosClientError):
        ours.ci_create_media_pic_jobs(Bucket=BUCKET, Jobs={"Tag": "PicProcess"})
    assert srv.requests == []


def test_service_errors_as_the_sdk(srv: CosTestServer) -> None:
    body = ERROR_XML.format(code="NoSuchBucket", message="The specified bucket does not exist.",
                            resource=BUCKET, request_id="rq", trace_id="tr")
    srv.state.canned[("GET", "/pic_jobs/c01")] = (
        404, body.encode(), {"Content-Type": "application/xml"})
    errors: List[Tuple[int, str, str]] = []
    for mod in (qcloud_cos, cos_ci):
        with pytest.raises(mod.CosServiceError) as ei:
            make_client(mod, srv.port).ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs="c01")
        errors.append((ei.value.get_status_code(), ei.value.get_error_code(),
                       ei.value.get_request_id()))
    assert errors[0] == errors[1] == (404, "NoSuchBucket", "rq")


def test_format_xml_matches_the_sdk() -> None:
    from qcloud_cos.cos_comm import format_xml as sdk_format_xml

    for data in [JOBS, {"Name": "q & <r>", "State": True, "NotifyConfig": None},
                 {"A": [{"B": "1"}, {"B": "2"}], "@id": "x"}, {}]:
        ours = cos_ci.format_xml(data, "Request")
        official = sdk_format_xml(data, "Request").decode()
        # The SDK writes the XML declaration first; cos-ci leaves it to the sender.
        assert official == '<?xml version="1.0" encoding="utf-8"?>\n' + ours, data
        ET.fromstring(ours)


# -- side by side against the local server (ci-server's job routes) ----------------------

VOLATILE = {"RequestId", "JobId", "CreationTime", "StartTime", "EndTime", "UpdateTime"}


def steady(data: Any) -> Any:
    """``data`` without what differs between two calls (ids, times)."""
    if isinstance(data, dict):
        return {k: steady(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [steady(v) for v in data]
    return data


def test_jobs_side_by_side_on_the_local_server(tmp_path: Path) -> None:
    photo = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus"
             / "photo.jpg").read_bytes()
    # The default bucket: the SDK names none in the Host of open / close / list pic
    # buckets when given IP= (the cloud's CI host carries it).
    server = cos_ci.serve(str(tmp_path / "root"), bucket=BUCKET)
    try:
        official, ours = make_client(qcloud_cos, server.port), make_client(cos_ci, server.port)
        bucket, region = BUCKET, "ap-guangzhou"
        official.put_object(Bucket=bucket, Body=photo, Key="j/photo.jpg")
        a = official.ci_open_pic_bucket(Bucket=bucket)
        b = ours.ci_open_pic_bucket(Bucket=bucket)
        assert steady(a[1]) == steady(b[1]) and b[1]["PicBucket"]["BucketId"] == bucket
        assert b[1]["RequestId"] == b[0]["x-cos-request-id"]
        a = official.ci_get_pic_bucket(Regions=region)
        b = ours.ci_get_pic_bucket(Regions=region)
        assert steady(a) == steady(b) and len(b["PicBucketList"]) == 1
        a = official.ci_get_media_pic_queue(Bucket=bucket)
        b = ours.ci_get_media_pic_queue(Bucket=bucket)
        assert steady(a) == steady(b)
        queue = b["QueueList"][0]["QueueId"]
        update = {"Name": "renamed", "QueueID": queue, "State": "Active",
                  "NotifyConfig": {"State": "Off"}}
        a = official.ci_update_media_pic_queue(Bucket=bucket, QueueId=queue, Request=update)
        b = ours.ci_update_media_pic_queue(Bucket=bucket, QueueId=queue, Request=update)
        assert steady(a) == steady(b) and b["Queue"][0]["Name"] == "renamed"

        def jobs(output: str) -> Dict[str, Any]:
            return {"Tag": "PicProcess", "Input": {"Object": "j/photo.jpg"}, "QueueId": queue,
                    "Operation": {"PicProcess": {"IsPicInfo": "true",
                                                 "ProcessRule": "imageMogr2/thumbnail/64x/format/png"},
                                  "Output": {"Region": region, "Bucket": bucket,
                                             "Object": output}}}

        a = official.ci_create_media_pic_jobs(Bucket=bucket, Jobs=jobs("j/out.png"))
        b = ours.ci_create_media_pic_jobs(Bucket=bucket, Jobs=jobs("j/out.png"))
        assert steady(a) == steady(b)
        ids = [a["JobsDetail"][0]["JobId"], b["JobsDetail"][0]["JobId"]]
        for job_id in ids:
            done = ours.wait_for_pic_job(Bucket=bucket, JobId=job_id, Timeout=60)
            assert (done.state, done.output_object) == ("Success", "j/out.png")
        asked = ",".join(ids + ["c0000000000000000000000000000000f"])
        a = official.ci_get_media_pic_jobs(Bucket=bucket, JobIDs=asked)
        b = ours.ci_get_media_pic_jobs(Bucket=bucket, JobIDs=asked)
        assert a == b and [d["JobId"] for d in b["JobsDetail"]] == ids
        result = b["JobsDetail"][0]["Operation"]["PicProcessResult"]["ProcessResult"]
        assert (result["Width"], result["Height"], result["Format"]) == ("64", "40", "PNG")
        for query in [dict(Tag="PicProcess"),
                      dict(Tag="PicProcess", QueueId=queue, OrderByTime="Asc",
                           States="Success", Size=1)]:
            a = official.ci_list_media_pic_jobs(Bucket=bucket, **query)
            b = ours.ci_list_media_pic_jobs(Bucket=bucket, **query)
            assert a == b, query
        typed, token = ours.ci_list_media_pic_jobs_typed(Bucket=bucket, OrderByTime="Asc")
        assert [j.job_id for j in typed] == ids and token == ""
        # Page by page, one job a page.
        assert [j.job_id for j in ours.iter_media_pic_jobs(
            Bucket=bucket, OrderByTime="Asc", Size=1)] == ids
        headers, closed = ours.ci_close_pic_bucket(Bucket=bucket)
        assert closed["BucketName"] == bucket
        assert official.ci_get_pic_bucket(Regions=region).get("PicBucketList") in ([], None)
    finally:
        server.close()


def test_local_cos_takes_the_sdk_pic_bucket_calls() -> None:
    """``cos_ci.testing.local_cos`` (the pytest plugin's ``cos_server``) makes its bucket
    the default one, so the official SDK's bucket-less pic bucket calls reach it."""
    from cos_ci.testing import local_cos

    with local_cos() as cos:
        official = cos.client("official")
        headers, opened = official.ci_open_pic_bucket(Bucket=cos.bucket)
        assert opened["PicBucket"]["BucketId"] == cos.bucket
        listed = official.ci_get_pic_bucket(Regions=cos.region)
        assert [b["BucketId"] for b in listed["PicBucketList"]] == [cos.bucket]
        _, closed = official.ci_close_pic_bucket(Bucket=cos.bucket)
        assert closed["BucketName"] == cos.bucket
