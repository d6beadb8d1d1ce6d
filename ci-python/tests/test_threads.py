"""Several threads at once: results are right and the GIL is released while waiting."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

import cos_ci
from qcloud_cos.cos_comm import xml_to_dict as sdk_xml_to_dict

from conftest import BUCKET
from cosserver import UPLOAD_RESULT_PUT, CosTestServer

PIC_OPS = '{"is_pic_info":1,"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}'


def test_parallel_uploads(ours: Any, srv: CosTestServer) -> None:
    expected = sdk_xml_to_dict(UPLOAD_RESULT_PUT)

    def upload(i: int) -> Any:
        body = ("payload-%d-" % i).encode() * 1000
        _, data = ours.ci_put_object(Bucket=BUCKET, Body=body, Key="t/%d.jpg" % i,
                                     PicOperations=PIC_OPS)
        return data

    with ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(upload, range(64)))
    assert all(r == expected for r in results)
    bodies = {r.path: r.body for r in srv.requests}
    assert len(bodies) == 64
    assert all(bodies["/t/%d.jpg" % i] == ("payload-%d-" % i).encode() * 1000 for i in range(64))


def test_gil_released_while_waiting(ours: Any, srv: CosTestServer) -> None:
    srv.state.delay = 0.4
    n = 6
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as ex:
        list(ex.map(lambda i: ours.ci_put_object(Bucket=BUCKET, Body=b"x", Key="slow/%d" % i,
                                                 PicOperations=PIC_OPS), range(n)))
    elapsed = time.monotonic() - start
    # Serialised calls would take n * 0.4 s.
    assert elapsed < n * 0.4 * 0.6, elapsed


def test_python_thread_runs_during_a_call(ours: Any, srv: CosTestServer) -> None:
    srv.state.delay = 0.5
    ticks: List[int] = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        ours.put_object(Bucket=BUCKET, Body=b"x", Key="slow/one")
    finally:
        stop.set()
        t.join()
    assert ticks[0] > 1000


def test_streamed_file_objects_in_parallel(ours: Any, srv: CosTestServer) -> None:
    import io

    blobs = [bytes([i]) * (3 * cos_ci.CHUNK + i) for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as ex:
        list(ex.map(lambda i: ours.put_object(Bucket=BUCKET, Body=io.BytesIO(blobs[i]),
                                              Key="par/%d" % i), range(6)))
    got = {r.path: r.body for r in srv.requests}
    assert all(got["/par/%d" % i] == blobs[i] for i in range(6))
