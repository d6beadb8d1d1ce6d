"""``StreamBody``: the body of a download, as the official SDK's, over the native stream."""

from __future__ import annotations

import io
import os
import uuid
from typing import IO, Any, Iterator, Mapping, Optional, Union

from . import _cos_ci

__all__ = ["BytesStream", "StreamBody"]


class BytesStream:
    """A body already read whole, with the native stream's methods (``ci_process`` of the
    bucket root with ``Stream=True``: ``StreamBody(BytesStream(data), headers)``)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        self.content_length: Optional[int] = len(data)

    def read(self, size: int) -> bytes:
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def copy_to_file(self, path: str) -> int:
        rest = self.read(-1)
        with open(path, "wb") as f:
            f.write(rest)
        return len(rest)

    def close(self) -> None:
        self._pos = len(self._data)


class _RawStream(io.RawIOBase):
    """``StreamBody.get_raw_stream()``: a binary file object over the download (the
    official SDK hands out urllib3's raw response; ``read(amt)`` works the same)."""

    def __init__(self, native: Union["_cos_ci.NativeStream", "BytesStream"]) -> None:
        super().__init__()
        self._native = native

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        return self._native.read(-1 if size is None else size)

    def readall(self) -> bytes:
        return self._native.read(-1)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._native.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._native.close()
        super().close()


class StreamBody:
    """The body of a download, as the official SDK's ``StreamBody``: read as it arrives,
    never held whole (each read releases the GIL).

    At the end of the stream the byte count is checked against ``Content-Length`` and,
    for a whole unprocessed object, the CRC-64 against ``x-cos-hash-crc64ecma``; a
    mismatch raises ``CosClientError``.
    """

    def __init__(
        self, native: Union["_cos_ci.NativeStream", BytesStream], headers: Mapping[str, str]
    ) -> None:
        self._native = native
        self._raw: Optional[_RawStream] = None
        self._read_len = 0
        length = native.content_length
        self._content_len = 0 if length is None else int(length)
        self._use_chunked = length is None
        self._use_encoding = "Content-Encoding" in headers

    def __iter__(self) -> Iterator[bytes]:
        return self.get_stream(1024)

    def __len__(self) -> int:
        return self._content_len

    def __enter__(self) -> "StreamBody":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_raw_stream(self) -> io.RawIOBase:
        """A binary file object over the (rest of the) body: ``read(amt)``, ``readinto``."""
        if self._raw is None:
            self._raw = _RawStream(self._native)
        return self._raw

    def get_stream(self, chunk_size: int = 1024) -> Iterator[bytes]:
        """The (rest of the) body in pieces of ``chunk_size`` bytes (the last may be
        shorter)."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        while True:
            chunk = self._native.read(chunk_size)
            if not chunk:
                return
            yield chunk

    def read(self, chunk_size: int = 1024, auto_decompress: bool = False) -> bytes:
        """Up to ``chunk_size`` bytes; ``b""`` at the end."""
        return self._native.read(chunk_size)

    def get_stream_to_file(
        self, file_name: str, disable_tmp_file: bool = False, auto_decompress: bool = False
    ) -> None:
        """Writes the (rest of the) body to ``file_name`` via a temporary file (renamed
        when complete), with the GIL released and nothing held in memory."""
        tmp = file_name if disable_tmp_file else "{}_{}".format(file_name, uuid.uuid4().hex)
        try:
            self._read_len = self._native.copy_to_file(tmp)
        except BaseException:
            if tmp != file_name and os.path.exists(tmp):
                os.remove(tmp)
            raise
        if tmp != file_name:
            os.replace(tmp, file_name)

    def pget_stream_to_file(
        self, fdst: IO[bytes], offset: int, expected_len: int, auto_decompress: bool = False
    ) -> None:
        """Writes the (rest of the) body into the open file ``fdst`` at ``offset``."""
        self._read_len = 0
        fdst.seek(offset, 0)
        while True:
            chunk = self._native.read(1024 * 1024)
            if not chunk:
                break
            self._read_len += len(chunk)
            fdst.write(chunk)
        if not self._use_chunked and self._read_len != expected_len:
            raise IOError("download failed with incomplete file")

    def close(self) -> None:
        """Closes the connection without reading the rest (ours; the official SDK leaves
        it to garbage collection)."""
        self._native.close()
