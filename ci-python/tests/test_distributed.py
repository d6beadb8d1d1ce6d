"""Local processing spread over threads and processes: ``cos_ci.process`` and the rule and
result types pickle (by value: rules as their canonical text, results as their fields or
XML) and are safe to share between threads, so a dask.distributed cluster of worker
processes gives byte for byte what one process gives."""

from __future__ import annotations

import logging
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, List, Tuple

import pytest

import cos_ci

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
SEEDS = REPO / "tests" / "fixtures" / "seeds"
# Test images of every decoder (tests/fixtures/corpus/README.md).
IMAGES = ["photo.jpg", "photo.png", "photo.webp", "photo.bmp", "gray.jpg", "cmyk.jpg",
          "palette.png", "alpha.png", "anim.gif", "orient-6.jpg", "exif-camera.jpg",
          "photo-progressive-q75.jpg"]
RULES = ["imageMogr2/thumbnail/96x/format/png", "imageMogr2/auto-orient/crop/64x64/format/jpg"]


def corpus() -> List[bytes]:
    return [(CORPUS / name).read_bytes() for name in IMAGES]


def serial(rule: str) -> List[Tuple[bytes, cos_ci.ImageInfo]]:
    return [cos_ci.process(data, rule) for data in corpus()]


def test_rule_and_result_types_pickle() -> None:
    upload = cos_ci.UploadResult.from_xml((SEEDS / "upload_result_put.xml").read_text())
    original = upload.original_info
    assert original is not None and original.image_info is not None
    values: List[Any] = [
        cos_ci.parse_rule("imageMogr2/thumbnail/200x|imageView2/2/w/100/format/webp"),
        cos_ci.Rule("t.png", "imageMogr2/format/png", bucket="other-1250000000"),
        cos_ci.PicOperations([cos_ci.Rule("a.png", "imageMogr2/format/png"),
                              cos_ci.Rule("b.jpg", "imageMogr2/thumbnail/50x")], True),
        upload, original, original.image_info, *upload.process_results,
        cos_ci.image_info((CORPUS / "photo.jpg").read_bytes()),
    ]
    for value in values:
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(value, protocol=protocol))
            assert type(back) is type(value) and back == value, value
    rule = values[0]
    assert str(pickle.loads(pickle.dumps(rule))) == str(rule)
    assert pickle.loads(pickle.dumps(values[2])).to_header() == values[2].to_header()
    assert pickle.loads(pickle.dumps(upload)).to_dict() == upload.to_dict()
    # The constructors the pickles use.
    info = cos_ci.ImageInfo("jpeg", 640, 400, quality=90)
    assert (info.format, info.width, info.height, info.quality, info.md5) == (
        "jpeg", 640, 400, 90, None)


def test_threads_share_a_rule() -> None:
    rule = cos_ci.parse_rule(RULES[0])
    expected = serial(RULES[0])
    images = corpus() * 4
    with ThreadPoolExecutor(max_workers=4) as ex:
        got = list(ex.map(lambda d: cos_ci.process(d, rule), images))
    assert got == expected * 4


def test_dask_distributed_gives_the_same_bytes() -> None:
    from distributed import Client, LocalCluster, wait

    images = corpus()
    expected = {rule: serial(rule) for rule in RULES}
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster, timeout=60) as client:
        # Two worker processes, neither of them this one.
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        for rule in RULES:
            parsed = cos_ci.parse_rule(rule)
            futures = client.map(cos_ci.process, images, [parsed] * len(images), pure=False)
            done, not_done = wait(futures, timeout=120)
            assert not not_done
            got = client.gather(futures)
            assert [out for out, _ in got] == [out for out, _ in expected[rule]], rule
            assert [info for _, info in got] == [info for _, info in expected[rule]], rule
        # The rule types travel too, and a refused rule raises the same error remotely.
        ops = cos_ci.PicOperations([cos_ci.Rule("t.png", RULES[0])])
        assert client.submit(lambda o: o.rules[0].parsed().canonical, ops).result(60) == \
            cos_ci.parse_rule(RULES[0]).canonical
        with pytest.raises(cos_ci.ProcessError):
            client.submit(cos_ci.process, b"not an image", RULES[0]).result(60)
