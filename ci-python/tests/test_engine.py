"""The local engine (ci_core::process): image_info and a JPEG thumbnail, GIL released."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cos_ci

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "corpus"
PHOTO = (CORPUS / "photo.jpg").read_bytes()


def test_image_info_photo() -> None:
    info = cos_ci.image_info(PHOTO)
    assert info.format.lower() in ("jpg", "jpeg")
    assert info.width > 0 and info.height > 0
    assert info.ave is not None and info.ave.startswith("0x")
    assert cos_ci.image_info(bytearray(PHOTO)) == info
    assert cos_ci.image_info(memoryview(PHOTO)) == info


@pytest.mark.parametrize("name", ["alpha.png", "anim.gif", "alpha.webp"])
def test_image_info_formats(name: str) -> None:
    info = cos_ci.image_info((CORPUS / name).read_bytes())
    assert info.width > 0 and info.height > 0


def test_thumbnail_jpeg() -> None:
    thumb = cos_ci.thumbnail_jpeg(PHOTO, 200, quality=80)
    assert thumb[:2] == b"\xff\xd8"
    info = cos_ci.image_info(thumb)
    src = cos_ci.image_info(PHOTO)
    assert info.width == 200
    assert abs(info.height - round(src.height * 200 / src.width)) <= 1


def test_process_errors() -> None:
    with pytest.raises(cos_ci.ProcessError) as ei:
        cos_ci.image_info(b"definitely not an image")
    assert ei.value.code == "InvalidImageFormat"
    assert isinstance(ei.value, ValueError)
    with pytest.raises(cos_ci.ProcessError):
        cos_ci.thumbnail_jpeg(PHOTO, 0)


def test_thumbnails_in_parallel_threads() -> None:
    ticks = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as ex:
            outs = list(ex.map(lambda w: cos_ci.thumbnail_jpeg(PHOTO, w), [64, 96, 128, 160] * 4))
    finally:
        stop.set()
        t.join()
    assert [cos_ci.image_info(o).width for o in outs] == [64, 96, 128, 160] * 4
    assert ticks[0] > 0


def test_process_rule() -> None:
    out, info = cos_ci.process(PHOTO, "imageMogr2/thumbnail/200x/format/webp/quality/80")
    assert out[:4] == b"RIFF" and (info.width, info.quality) == (200, 80)
    out2, _ = cos_ci.process(PHOTO, cos_ci.parse_rule("imageMogr2/thumbnail/200x/format/webp/quality/80"))
    assert out2 == out
    with pytest.raises(cos_ci.RuleError):
        cos_ci.process(PHOTO, "imageMogr2/bo$gus/1")
    # Well-formed, but a stage the local engine does not run: the cloud's 501 code.
    with pytest.raises(cos_ci.ProcessError) as ei:
        cos_ci.process(PHOTO, "imageMogr2/newop/1")
    assert ei.value.code == "NotImplemented" and "imageMogr2/newop" in str(ei.value)
    with pytest.raises(cos_ci.ProcessError):
        cos_ci.process(b"nope", "imageMogr2/thumbnail/10x")


def test_build_info_reports_the_jpeg_simd_kernels() -> None:
    """The wheel the tests build must carry libjpeg-turbo's SIMD kernels (nasm present);
    COS_CI_ALLOW_NO_JPEG_SIMD=1 accepts a build without them."""
    import os

    info = cos_ci.build_info()
    assert info["version"] == cos_ci.__version__
    assert info["libjpeg_turbo"].startswith("3.")
    assert ("SIMD kernels: yes" in info["summary"]) == bool(info["jpeg_simd"])
    if os.environ.get("COS_CI_ALLOW_NO_JPEG_SIMD") != "1":
        assert info["jpeg_simd"], info["summary"]
    assert "turbojpeg-sys" in info["crates"]
    encoder = info["avif_encoder"]
    assert encoder == "rav1e" or encoder.startswith("libaom "), encoder
    assert f"AVIF encoder: {encoder}\n" in info["summary"]
