"""Body types, streaming of file objects, EnableMD5."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any, List

import pytest

import cos_ci
import qcloud_cos

from conftest import BUCKET, make_client
from cosserver import CosTestServer

PIC_OPS = '{"rules":[{"fileid":"t.png","rule":"imageMogr2/format/png"}]}'
DATA = bytes(range(256)) * 64  # 16 KiB


def md5_b64(b: bytes) -> str:
    return base64.b64encode(hashlib.md5(b).digest()).decode()


class CountingReader(io.RawIOBase):
    """A binary file object that records how it is read."""

    def __init__(self, data: bytes, seekable: bool = True) -> None:
        self._buf = io.BytesIO(data)
        self._seekable = seekable
        self.sizes: List[int] = []

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self._buf.read(size)

    def tell(self) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("tell")
        return self._buf.tell()

    def seek(self, pos: int, whence: int = 0) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        return self._buf.seek(pos, whence)


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda: DATA, DATA),
        (lambda: bytearray(DATA), DATA),
        (lambda: memoryview(DATA), DATA),
        (lambda: memoryview(DATA)[100:200], DATA[100:200]),
        (lambda: "héllo wörld", "héllo wörld".encode()),
        (lambda: io.BytesIO(DATA), DATA),
        (lambda: b"", b""),
    ],
    ids=["bytes", "bytearray", "memoryview", "memoryview-slice", "str", "BytesIO", "empty"],
)
def test_body_types(ours: Any, srv: CosTestServer, make: Any, expected: bytes) -> None:
    h, data = ours.ci_put_object(Bucket=BUCKET, Body=make(), Key="b.jpg", PicOperations=PIC_OPS)
    r = srv.requests[-1]
    assert r.body == expected
    assert r.headers["content-length"] == str(len(expected))
    assert h["ETag"] == '"%s"' % hashlib.md5(expected).hexdigest()
    assert data["OriginalInfo"]["Key"] == "filename.jpg"


def test_real_file_object(ours: Any, srv: CosTestServer, tmp_path: Any) -> None:
    p = tmp_path / "big.bin"
    big = DATA * 64  # 1 MiB
    p.write_bytes(big)
    with open(p, "rb") as f:
        f.seek(10)  # sent from the current position, as requests does
        ours.put_object(Bucket=BUCKET, Body=f, Key="big.bin")
    r = srv.requests[-1]
    assert r.body == big[10:] and r.headers["content-length"] == str(len(big) - 10)
    assert not r.chunked


def test_file_object_is_streamed_in_chunks(ours: Any, srv: CosTestServer) -> None:
    big = DATA * 100  # 1.6 MB, several chunks
    assert len(big) > 2 * cos_ci.CHUNK
    reader = CountingReader(big)
    ours.ci_put_object(Bucket=BUCKET, Body=reader, Key="s.jpg", PicOperations=PIC_OPS)
    assert srv.requests[-1].body == big
    reads = [s for s in reader.sizes if s > 0]
    assert len(reads) >= len(big) // cos_ci.CHUNK
    assert max(reads) <= cos_ci.CHUNK  # never read whole
    assert -1 not in reader.sizes


def test_non_seekable_stream_is_sent_chunked(ours: Any, srv: CosTestServer) -> None:
    big = DATA * 40
    reader = CountingReader(big, seekable=False)
    ours.put_object(Bucket=BUCKET, Body=reader, Key="pipe.bin")
    r = srv.requests[-1]
    assert r.chunked and r.body == big


def test_non_seekable_with_content_length(ours: Any, srv: CosTestServer) -> None:
    reader = CountingReader(DATA, seekable=False)
    ours.put_object(Bucket=BUCKET, Body=reader, Key="pipe.bin", ContentLength=len(DATA))
    r = srv.requests[-1]
    assert not r.chunked and r.body == DATA and r.headers["content-length"] == str(len(DATA))


def test_text_file_object(ours: Any, srv: CosTestServer) -> None:
    ours.put_object(Bucket=BUCKET, Body=io.StringIO("ünïcode " * 1000), Key="t.txt")
    assert srv.requests[-1].body == ("ünïcode " * 1000).encode()


def test_bad_body_type(ours: Any, srv: CosTestServer) -> None:
    with pytest.raises(cos_ci.CosClientError):
        ours.put_object(Bucket=BUCKET, Body=12345, Key="x")  # type: ignore[arg-type]
    assert srv.requests == []


def test_reader_error_is_client_error(ours: Any, srv: CosTestServer) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            raise RuntimeError("disk on fire")

    with pytest.raises(cos_ci.CosClientError):
        ours.put_object(Bucket=BUCKET, Body=Broken(), Key="x")


@pytest.mark.parametrize("kind", ["bytes", "str", "file"])
def test_enable_md5_same_as_official(srv: CosTestServer, kind: str) -> None:
    payload = DATA * 3
    md5s = []
    for mod in (qcloud_cos, cos_ci):
        body: Any = {"bytes": payload, "str": "text body", "file": io.BytesIO(payload)}[kind]
        make_client(mod, srv.port).ci_put_object(
            Bucket=BUCKET, Body=body, Key="m.jpg", EnableMD5=True, PicOperations=PIC_OPS)
        r = srv.requests[-1]
        md5s.append(r.headers.get("content-md5"))
        assert r.body == (b"text body" if kind == "str" else payload)
        assert "content-md5" in r.signed_headers
    assert md5s[0] == md5s[1] == md5_b64(b"text body" if kind == "str" else payload)


def test_enable_md5_keeps_file_position(ours: Any, srv: CosTestServer) -> None:
    f = io.BytesIO(b"0123456789")
    f.seek(4)
    ours.put_object(Bucket=BUCKET, Body=f, Key="p", EnableMD5=True)
    r = srv.requests[-1]
    assert r.body == b"456789" and r.headers["content-md5"] == md5_b64(b"456789")
